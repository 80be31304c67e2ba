/* OCR with Tesseract's C API. One Ocr per worker thread, created once (the
 * models take a second to load); each page is recognized with page
 * segmentation on, the page's real dpi, and a time limit. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <allheaders.h>

#include "macro.h"

typedef struct Ocr Ocr;

typedef struct OcrWord {
        char *text;         /* UTF-8 */
        float confidence;   /* 0-100 */
        int x0, y0, x1, y1; /* pixels of the recognized image, x1/y1 exclusive */
        size_t line;        /* index in OcrResult.lines */
} OcrWord;

/* A text line, in Tesseract's reading order (blocks, paragraphs, lines):
 * the order of lines and of the words in them is the order of text. */
typedef struct OcrLine {
        int x0, y0, x1, y1; /* box, as OcrWord's */
        int baseline;       /* y of the baseline (mean of its two ends) */
} OcrLine;

typedef struct OcrResult {
        char *text;          /* UTF-8, Tesseract's lines and paragraphs */
        int mean_confidence; /* 0-100 */
        OcrWord *words;      /* in reading order */
        size_t n_words;
        OcrLine *lines;
        size_t n_lines;
} OcrResult;

typedef struct OcrOptions {
        const char *datapath;  /* NULL: Tesseract's default tessdata */
        const char *languages; /* NULL: "vie+eng" */
} OcrOptions;

/* Load the models. -ENOENT when a model cannot be loaded. Free with ocr_free(). */
MUST_CHECK int ocr_new(const OcrOptions *opt, Ocr **ret);
Ocr *ocr_free(Ocr *ocr);

/* Recognize pix (the cleaned page; dpi 0 is a caller error, -EINVAL) within
 * time_limit_ms of the calling thread's CPU time (0: none), so that the
 * load of the machine does not change the outcome. cancel, if not NULL, is
 * polled during recognition.
 * -ETIME past the limit, -ECANCELED when cancelled (nothing is returned
 * then), -EIO when Tesseract fails. *ret is freed with ocr_result_free(). */
MUST_CHECK int ocr_recognize(Ocr *ocr, PIX *pix, int dpi, unsigned time_limit_ms, atomic_bool *cancel,
                             OcrResult **ret);
OcrResult *ocr_result_free(OcrResult *res);

/* As ocr_recognize(), reading horizontal lines only (a page turned a
 * quarter reads poorly): to tell which way up a page reads. */
MUST_CHECK int ocr_recognize_horizontal(Ocr *ocr, PIX *pix, int dpi, unsigned time_limit_ms,
                                        atomic_bool *cancel, OcrResult **ret);

/* Tesseract OSD on pix (1 bpp page): *ret_rotate is the clockwise turn
 * (0, 90, 180, 270) that makes it upright, *ret_conf OSD's confidence.
 * -ENOENT without the osd model, -EIO when OSD finds no text. */
MUST_CHECK int ocr_detect_orientation(Ocr *ocr, PIX *pix, int dpi, int *ret_rotate, float *ret_conf);

/* Tesseract's tessdata folder (where its glyph-less PDF font, pdf.ttf,
 * lies); owned by ocr. */
const char *ocr_datapath(Ocr *ocr);
