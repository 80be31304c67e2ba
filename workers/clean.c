/* Preprocessing for OCR. Leptonica does the work; this file picks its
 * parameters and turns its NULL returns into -ENOMEM. Normalization before a
 * global threshold works better than a local (Sauvola) threshold on the noisy
 * pages we get: a local threshold turns noise in empty areas into specks. */
#include <errno.h>

#include "clean.h"

int clean_normalize(PIX *pix, PIX **ret_norm)
{
        PIX *grey = NULL, *norm = NULL;
        int r = -ENOMEM;

        if (pixGetDepth(pix) == 32)
                grey = pixConvertRGBToLuminance(pix);
        else
                grey = pixConvertTo8(pix, 0);
        if (!grey)
                goto out;
        /* Tiles of 10x15, foreground below 100 ignored when estimating the
         * paper, background mapped to 200: Leptonica's defaults, which suit
         * 150-600 dpi text. */
        norm = pixBackgroundNorm(grey, NULL, NULL, 10, 15, 100, 50, CLEAN_BACKGROUND, 2, 1);
        if (!norm)
                goto out;
        pixCopyResolution(norm, pix);
        *ret_norm = norm;
        norm = NULL;
        r = 0;
out:
        pixDestroy(&grey);
        pixDestroy(&norm);
        return r;
}

int clean_binarize(PIX *norm, PIX **ret_bin, int *ret_threshold)
{
        PIX *bin = NULL;
        NUMA *hist = NULL;
        l_int32 thresh = 0;
        int r = -ENOMEM;

        hist = pixGetGrayHistogram(norm, 2);
        if (!hist)
                goto out;
        if (numaSplitDistribution(hist, 0.1f, &thresh, NULL, NULL, NULL, NULL, NULL) != 0)
                thresh = 140;
        thresh = MAX(100, MIN(170, thresh));
        bin = pixThresholdToBinary(norm, thresh);
        if (!bin)
                goto out;
        pixCopyResolution(bin, norm);
        *ret_bin = bin;
        if (ret_threshold)
                *ret_threshold = thresh;
        r = 0;
out:
        numaDestroy(&hist);
        return r;
}

int clean_despeckle(PIX *bin, int dpi, PIX **ret_out)
{
        PIX *noborder = NULL, *out = NULL;
        int speck, r = -ENOMEM;

        noborder = pixRemoveBorderConnComps(bin, 8);
        if (!noborder)
                goto out;
        /* A Vietnamese dot below (nặng) at 8 pt and 300 dpi is about 4x4
         * pixels; specks of 2x2 at 300 dpi (0.17 mm) are noise. */
        speck = MAX(2, (dpi > 0 ? dpi : 300) / 150);
        out = pixSelectBySize(noborder, speck + 1, speck + 1, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
        if (!out)
                goto out;
        pixCopyResolution(out, bin);
        *ret_out = out;
        r = 0;
out:
        pixDestroy(&noborder);
        return r;
}

int clean_page(PIX *pix, int dpi, PIX **ret_out)
{
        PIX *norm = NULL, *bin = NULL;
        int r;

        r = clean_normalize(pix, &norm);
        if (r < 0)
                goto out;
        r = clean_binarize(norm, &bin, NULL);
        if (r < 0)
                goto out;
        r = clean_despeckle(bin, dpi, ret_out);
out:
        pixDestroy(&norm);
        pixDestroy(&bin);
        return r;
}

PIX *clean_reduce(PIX *bin, int k)
{
        PIX *p;

        switch (k) {
        case 2:
                p = pixScaleToGray2(bin);
                break;
        case 3:
                p = pixScaleToGray3(bin);
                break;
        case 4:
                p = pixScaleToGray4(bin);
                break;
        default:
                return pixClone(bin);
        }
        return p;
}
