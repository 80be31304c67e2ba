/* One page through the worker's image pipeline: decode, blank check,
 * orientation, deskew, clean, OCR and the searchable PDF, with the time each
 * stage took. A blank page is flagged, not dropped: it gets an image-only
 * PDF and no OCR. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blank.h"
#include "decode.h"
#include "deskew.h"
#include "macro.h"
#include "ocr.h"
#include "orient.h"
#include "pdf.h"
#include "pdfimage.h"

typedef enum PageStage {
        PAGE_STAGE_DECODE,
        PAGE_STAGE_BLANK,
        PAGE_STAGE_ORIENT,
        PAGE_STAGE_DESKEW,
        PAGE_STAGE_CLEAN,
        PAGE_STAGE_OCR,
        PAGE_STAGE_PDF,
        _PAGE_STAGE_MAX,
        _PAGE_STAGE_INVALID = -22,
} PageStage;

typedef struct PageOptions {
        Ocr *ocr;                   /* NULL: no OCR and no OSD; the PDF is image-only */
        DecodeLimits limits;        /* zeros: decode's defaults */
        int default_dpi;            /* for files that state none; 0: 300 */
        unsigned ocr_time_limit_ms; /* 0: none */
        PdfImageOptions pdf;        /* how the PDF's grey and colour image is encoded */
        atomic_bool *cancel;        /* may be NULL; polled during OCR */
} PageOptions;

typedef struct PageResult {
        DecodeInfo decode;
        int dpi;          /* the page's, used for the PDF */
        int ocr_dpi;      /* the page was read at: dpi, or dpi / k reduced */
        int ocr_reads;    /* recognitions of the whole page (0 or 1; orientation's apart) */
        bool dpi_assumed; /* the file stated none: default_dpi */
        BlankResult blank;
        OrientResult orient;
        DeskewResult deskew;
        OcrResult *ocr; /* NULL when blank, without an Ocr, or on OCR failure;
                         * word boxes in the page's own pixels */
        int ocr_error;  /* 0, or the negative errno OCR ended with (-ETIME ...) */
        uint8_t *pdf;   /* the searchable page; image-only without OCR */
        size_t pdf_size;
        PdfPicture pdf_picture;               /* how the PDF draws the page */
        uint64_t stage_usec[_PAGE_STAGE_MAX]; /* by the clock */
        uint64_t total_usec;
        uint64_t stage_cpu_usec[_PAGE_STAGE_MAX]; /* CPU time of the page's thread */
        uint64_t total_cpu_usec;
} PageResult;

/* Process one encoded page image. Returns 0 and *ret (free with
 * page_result_free()) when the page decoded, even if OCR then failed or
 * timed out (see ocr_error: the page still has its image-only PDF). Returns
 * decode's errors (-EBADMSG, -E2BIG, -EPROTONOSUPPORT) with a static reason
 * in *ret_reason (may be NULL), or -ENOMEM/-EIO. */
MUST_CHECK int page_process(const uint8_t *image, size_t len, const PageOptions *opt, PageResult **ret,
                            const char **ret_reason);
PageResult *page_result_free(PageResult *res);

const char *page_stage_to_string(PageStage s);
