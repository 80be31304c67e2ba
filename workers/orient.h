/* Page orientation (0, 90, 180, 270): Leptonica's ascender/descender
 * statistics, which are fast, at half and then full resolution; Tesseract's
 * OSD only when Leptonica is unsure at both, and only to confirm the way
 * Leptonica leans (sparse pages, tables, unusual scripts). */
#pragma once

#include <allheaders.h>

#include "macro.h"
#include "ocr.h"

typedef enum OrientMethod {
        ORIENT_NONE,      /* neither method was sure: the page is left as it is */
        ORIENT_LEPTONICA,
        ORIENT_TESSERACT,
        _ORIENT_METHOD_MAX,
        _ORIENT_METHOD_INVALID = -22,
} OrientMethod;

typedef struct OrientResult {
        int rotate;          /* degrees clockwise that make the page upright: 0, 90, 180, 270 */
        float confidence;    /* of the method that decided; 0 with ORIENT_NONE */
        OrientMethod method;
        float up_conf;       /* Leptonica's raw up/down and left/right scores (of its */
        float left_conf;     /* last run: full resolution when half left it unsure) */
} OrientResult;

/* Find how bin (1 bpp, the whole page, dpi 0 meaning 300) must be turned.
 * ocr may be NULL: then only Leptonica is asked. -EINVAL if bin is not 1 bpp. */
MUST_CHECK int orient_detect(PIX *bin, int dpi, Ocr *ocr, OrientResult *ret);

/* Turn pix by rotate degrees clockwise (a multiple of 90); a new PIX even
 * for 0. Caller frees *ret_out. */
MUST_CHECK int orient_apply(PIX *pix, int rotate, PIX **ret_out);

const char *orient_method_to_string(OrientMethod m);
