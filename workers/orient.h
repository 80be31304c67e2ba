/* Page orientation (0, 90, 180, 270): Leptonica's ascender/descender
 * statistics, which are fast, at half and then full resolution; Tesseract's
 * OSD only when Leptonica is unsure at both, taken when it confirms the way
 * Leptonica leans (sparse pages, tables, unusual scripts); when the two
 * disagree (small print, which Leptonica misreads), the page is read each
 * way and kept the way it reads clearly better. */
#pragma once

#include <stdatomic.h>

#include <allheaders.h>

#include "macro.h"
#include "ocr.h"

typedef enum OrientMethod {
        ORIENT_NONE, /* neither method was sure: the page is left as it is */
        ORIENT_LEPTONICA,
        ORIENT_TESSERACT, /* OSD, agreeing with the way Leptonica leans */
        ORIENT_READING,   /* read each way Leptonica and OSD point: one read clearly better */
        _ORIENT_METHOD_MAX,
        _ORIENT_METHOD_INVALID = -22,
} OrientMethod;

typedef struct OrientResult {
        int rotate;       /* degrees clockwise that make the page upright: 0, 90, 180, 270 */
        float confidence; /* of the method that decided; 0 with ORIENT_NONE */
        OrientMethod method;
        float up_conf;   /* Leptonica's raw up/down and left/right scores (of its */
        float left_conf; /* last run: full resolution when half left it unsure) */
        int reads;       /* readings of the page orientation made of its own (OSD and
                          * OrientOcr.read_as_is apart) */
} OrientResult;

/* Tesseract for orientation: OSD, and reading to settle a disagreement. */
typedef struct OrientOcr {
        Ocr *ocr;               /* NULL: only Leptonica is asked */
        int read_reduction;     /* the page is read dpi / k (1: at dpi), as OCR would */
        unsigned time_limit_ms; /* OCR's; a reading takes 5 s at most */
        atomic_bool *cancel;    /* may be NULL; polled while reading */
        int marks;              /* text-like marks the blank check counted */
        /* May be NULL. Reads the whole page as it is, as its OCR will, for
         * the check whether the page reads upright as it is (in place of
         * reading the middle of bin): a page that stays as it is, most do,
         * is then read once in all. Returns 0 and *ret, the reading (NULL:
         * none, OCR failed), -EAGAIN when the page is not read as it is
         * (it is to be deskewed: bin's middle is read instead), -ECANCELED
         * or -ENOMEM. */
        int (*read_as_is)(void *userdata, const OcrResult **ret);
        void *userdata;
} OrientOcr;

/* Find how bin (1 bpp, the whole page, dpi 0 meaning 300) must be turned.
 * t may be NULL: then only Leptonica is asked. -EINVAL if bin is not 1 bpp. */
MUST_CHECK int orient_detect(PIX *bin, int dpi, const OrientOcr *t, OrientResult *ret);

/* Turn pix by rotate degrees clockwise (a multiple of 90); a new PIX even
 * for 0. Caller frees *ret_out. */
MUST_CHECK int orient_apply(PIX *pix, int rotate, PIX **ret_out);

const char *orient_method_to_string(OrientMethod m);
