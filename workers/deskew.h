/* Skew measurement and correction. The measure is Leptonica's
 * sweep-and-binary-search over a 1 bpp page, swept wider than any skew we
 * expect (Leptonica's confidence drops to 0 at the edge of its range). */
#pragma once

#include <stdbool.h>

#include <allheaders.h>

#include "macro.h"

/* Below this confidence the angle is reported but not applied. */
#define DESKEW_MIN_CONFIDENCE 3.0f
/* Below this angle (degrees) rotating would only blur the page. */
#define DESKEW_MIN_ANGLE 0.05f

typedef struct DeskewResult {
        float angle;      /* degrees to rotate clockwise to deskew */
        float confidence; /* Leptonica's score ratio; 0 when not measurable */
        bool applied;     /* confidence and angle were large enough */
} DeskewResult;

/* Measure the skew of bin (1 bpp, upright). A page without enough text
 * gives angle 0, confidence 0: not an error. -EINVAL if bin is not 1 bpp. */
MUST_CHECK int deskew_measure(PIX *bin, DeskewResult *ret);

/* Rotate pix (1, 8 or 32 bpp) by angle degrees clockwise about its centre,
 * keeping its size and bringing in white. Caller frees *ret_out. */
MUST_CHECK int deskew_rotate(PIX *pix, float angle, PIX **ret_out);
