/* Skew: Leptonica's sweep at 4x reduction over +-12 degrees in 0.5 degree
 * steps, then a binary search at 2x reduction down to 0.01 degree. A 300 dpi
 * page at 2x reduction still resolves 0.05 degree over its text lines. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "deskew.h"

#define SWEEP_RANGE 12.0f
#define SWEEP_DELTA 0.5f
#define SEARCH_MIN_DELTA 0.01f

int deskew_measure(PIX *bin, DeskewResult *ret)
{
        l_float32 angle = 0, conf = 0, endscore = 0;
        DeskewResult res = { 0 };

        if (pixGetDepth(bin) != 1)
                return -EINVAL;
        if (pixFindSkewSweepAndSearchScorePivot(bin, &angle, &conf, &endscore, 4, 2, 0.0f, SWEEP_RANGE,
                                                SWEEP_DELTA, SEARCH_MIN_DELTA, L_SHEAR_ABOUT_CENTER) != 0) {
                /* Leptonica fails on pages without enough ink: no skew to measure. */
                *ret = res;
                return 0;
        }
        res.angle = angle;
        res.confidence = conf;
        res.applied = conf >= DESKEW_MIN_CONFIDENCE && fabsf(angle) >= DESKEW_MIN_ANGLE &&
                      fabsf(angle) < SWEEP_RANGE - SWEEP_DELTA;
        *ret = res;
        return 0;
}

int deskew_rotate(PIX *pix, float angle, PIX **ret_out)
{
        PIX *out;
        float rad = angle * (float) M_PI / 180.0f;

        if (pixGetDepth(pix) == 1)
                out = pixRotate(pix, rad, L_ROTATE_SHEAR, L_BRING_IN_WHITE, 0, 0);
        else
                out = pixRotate(pix, rad, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
        if (!out)
                return -ENOMEM;
        pixCopyResolution(out, pix);
        *ret_out = out;
        return 0;
}
