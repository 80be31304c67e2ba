/* Orientation. Leptonica's pixOrientDetect counts ascender and descender
 * hits of Latin text at about 150 dpi; it is sure when its score clears
 * ORIENT_MIN_CONF and beats the other axis by ORIENT_MIN_RATIO. Otherwise
 * Tesseract's OSD model decides, if it is sure enough itself. */
#include <errno.h>

#include "orient.h"

#define ORIENT_MIN_CONF 8.0f
#define ORIENT_MIN_RATIO 2.5f
#define ORIENT_OSD_MIN_CONF 2.0f

const char *orient_method_to_string(OrientMethod m) {
        static const char *const names[_ORIENT_METHOD_MAX] = {
                [ORIENT_NONE] = "none",
                [ORIENT_LEPTONICA] = "leptonica",
                [ORIENT_TESSERACT] = "tesseract",
        };
        if (m < 0 || m >= _ORIENT_METHOD_MAX)
                return NULL;
        return names[m];
}

static int orient_leptonica(PIX *bin, int dpi, OrientResult *res) {
        PIX *small = NULL;
        l_float32 up = 0, left = 0;
        l_int32 decision = L_TEXT_ORIENT_UNKNOWN;
        int r = 0;

        /* Leptonica's statistics are tuned for 150-300 dpi; halving a 300 dpi
         * page makes it four times faster at no loss. */
        if (dpi == 0 || dpi >= 250)
                small = pixReduceRankBinary2(bin, 1, NULL);
        else
                small = pixClone(bin);
        if (!small)
                return -ENOMEM;
        if (pixOrientDetect(small, &up, &left, 0, 0) != 0 ||
            makeOrientDecision(up, left, ORIENT_MIN_CONF, ORIENT_MIN_RATIO, &decision, 0) != 0)
                decision = L_TEXT_ORIENT_UNKNOWN;
        res->up_conf = up;
        res->left_conf = left;
        switch (decision) {
        case L_TEXT_ORIENT_UP:
                res->rotate = 0;
                break;
        case L_TEXT_ORIENT_LEFT: /* text reads bottom to top: turn clockwise */
                res->rotate = 90;
                break;
        case L_TEXT_ORIENT_DOWN:
                res->rotate = 180;
                break;
        case L_TEXT_ORIENT_RIGHT:
                res->rotate = 270;
                break;
        default:
                goto out;
        }
        res->method = ORIENT_LEPTONICA;
        res->confidence = decision == L_TEXT_ORIENT_UP || decision == L_TEXT_ORIENT_DOWN
                                  ? (up < 0 ? -up : up)
                                  : (left < 0 ? -left : left);
out:
        pixDestroy(&small);
        return r;
}

int orient_detect(PIX *bin, int dpi, Ocr *ocr, OrientResult *ret) {
        OrientResult res = {.method = ORIENT_NONE};
        int r, deg = 0;
        float conf = 0;

        if (pixGetDepth(bin) != 1)
                return -EINVAL;
        r = orient_leptonica(bin, dpi, &res);
        if (r < 0)
                return r;
        if (res.method == ORIENT_NONE && ocr) {
                r = ocr_detect_orientation(ocr, bin, dpi, &deg, &conf);
                if (r >= 0 && conf >= ORIENT_OSD_MIN_CONF) {
                        res.method = ORIENT_TESSERACT;
                        res.rotate = deg;
                        res.confidence = conf;
                }
                /* An OSD failure (no text, no osd model) leaves the page as it is. */
        }
        *ret = res;
        return 0;
}

int orient_apply(PIX *pix, int rotate, PIX **ret_out) {
        PIX *out;

        if (rotate % 90 != 0)
                return -EINVAL;
        rotate = ((rotate % 360) + 360) % 360;
        out = rotate == 0 ? pixCopy(NULL, pix) : pixRotateOrth(pix, rotate / 90);
        if (!out)
                return -ENOMEM;
        pixCopyResolution(out, pix);
        *ret_out = out;
        return 0;
}
