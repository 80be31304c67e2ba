/* Blank detection: threshold the normalized page at a fixed, dark level,
 * drop what touches the edge (scanner borders), then count connected
 * components of the size of printed or written characters: 0.6 to 15 mm
 * tall, at most 60 mm wide, not solid round blobs over 3 mm (punch holes).
 * Counting marks rather than ink area makes one page number or one signature
 * line count, while thousands of noise specks do not. */
#include <errno.h>
#include <stdlib.h>

#include "blank.h"

#define MM_PER_INCH 25.4f

static bool blank_is_mark(BOX *b, PIX *bin, float px_per_mm)
{
        l_int32 x, y, w, h, count = 0;
        PIX *clip;
        float fill;

        boxGetGeometry(b, &x, &y, &w, &h);
        if (h < 0.6f * px_per_mm || h > 15.0f * px_per_mm || w > 60.0f * px_per_mm)
                return false;
        if (w < 0.15f * px_per_mm)
                return false;
        if (w < 3.0f * px_per_mm || h < 3.0f * px_per_mm || w * 4 < h * 3 || h * 4 < w * 3)
                return true;
        /* Large and about square: a punch hole is a solid disc (fill near
         * pi/4 = 0.785), letters and stamps are mostly white inside. */
        clip = pixClipRectangle(bin, b, NULL);
        if (!clip)
                return true;
        pixCountPixels(clip, &count, NULL);
        pixDestroy(&clip);
        fill = (float) count / ((float) w * (float) h);
        return fill < 0.7f;
}

static int blank_cmp_int(const void *a, const void *b)
{
        int x = *(const int *) a, y = *(const int *) b;

        return (x > y) - (x < y);
}

static int blank_median(int *v, int n)
{
        if (n == 0)
                return 0;
        qsort(v, (size_t) n, sizeof(*v), blank_cmp_int);
        return v[n / 2];
}

int blank_detect(PIX *norm, int dpi, BlankResult *ret)
{
        PIX *bin = NULL, *inner = NULL;
        BOXA *boxes = NULL;
        l_int32 n, ink = 0;
        int *heights = NULL, *widths = NULL;
        float px_per_mm = (float) (dpi > 0 ? dpi : 300) / MM_PER_INCH;
        BlankResult res = { 0 };
        int r = -ENOMEM;

        if (pixGetDepth(norm) != 8)
                return -EINVAL;
        bin = pixThresholdToBinary(norm, BLANK_INK_THRESHOLD);
        if (!bin)
                goto out;
        inner = pixRemoveBorderConnComps(bin, 8);
        if (!inner)
                goto out;
        boxes = pixConnCompBB(inner, 8);
        if (!boxes)
                goto out;
        n = boxaGetCount(boxes);
        heights = malloc((size_t) MAX(n, 1) * sizeof(int));
        widths = malloc((size_t) MAX(n, 1) * sizeof(int));
        if (!heights || !widths)
                goto out;
        for (l_int32 i = 0; i < n; i++) {
                BOX *b = boxaGetBox(boxes, i, L_CLONE);

                if (b && blank_is_mark(b, inner, px_per_mm)) {
                        boxGetGeometry(b, NULL, NULL, &widths[res.marks], &heights[res.marks]);
                        res.marks++;
                }
                boxDestroy(&b);
        }
        res.mark_height = blank_median(heights, res.marks);
        res.mark_width = blank_median(widths, res.marks);
        pixCountPixels(inner, &ink, NULL);
        res.ink = (float) ink / ((float) pixGetWidth(inner) * (float) pixGetHeight(inner));
        res.blank = res.marks < BLANK_MIN_MARKS;
        *ret = res;
        r = 0;
out:
        free(heights);
        free(widths);
        boxaDestroy(&boxes);
        pixDestroy(&inner);
        pixDestroy(&bin);
        return r;
}
