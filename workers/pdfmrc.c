/* Mixed raster content. The ink is what OCR read as ink (the page
 * normalized, binarized and despeckled) kept to marks of text size (at
 * most 15 mm tall and 60 mm wide: rules, frames and pictures stay in the
 * background) and to neutral marks (a coloured mark stays in the
 * background: a red stamp or a blue signature keeps its colour). The background is the page reduced to 200
 * dpi (the rules' least; area averaging), with that ink, and a halo of two pixels round it, replaced by the
 * paper, and with every pixel whose neighbourhood (5 x 5 mean) is within MRC_PAPER_DIFF of the paper, and
 * that is itself within MRC_PIXEL_DIFF of it (a thin grey stroke or pencil line stands out from the paper
 * while its neighbourhood does not), made paper too: scanner noise is most of a scan's JPEG bytes and none
 * of its content. The paper is Leptonica's background map (tiles of 2 mm, ink left out), interpolated. What
 * is left (stamps, signatures, photos, bleed-through, rules) is kept as scanned, and the whole encoded as
 * JPEG. A page where what is left covers more than a quarter, or whose paper varies by more than
 * MRC_PAPER_SPREAD (areas filled with a tint: a map, a coloured form), is a picture, not a text page: it is
 * left whole. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "clean.h"
#include "pdfmrc.h"

#define MRC_BACKGROUND_DPI 200
#define MRC_MAX_CONTENT 0.25
#define MRC_PAPER_SPREAD 20 /* levels the paper may vary by over a text page */
#define MRC_COLOUR_CHROMA                                                              \
        80                 /* max - min of a mark's mean r, g, b: a coloured mark (red \
                            * 140, blue 130; dark ink on tinted paper 50) */
#define MRC_PAPER_DIFF 24  /* a 5 x 5 mean this close to the paper is paper, */
#define MRC_PIXEL_DIFF 64  /* if the pixel itself is this close too (thin faint strokes) */
#define MRC_INK_RANK 0.25f /* the ink's colour: this rank of its pixels, 0 darkest */
#define MM_PER_INCH 25.4f

void pdf_mrc_done(PdfMrc *m)
{
        pixDestroy(&m->mask);
        pixDestroy(&m->background);
}

/* Clear from text the marks whose mean colour in img (32 bpp) is a colour,
 * not a shade of the ink: judged by mark, not by pixel, since noise gives
 * single pixels of dark ink on tinted paper as much chroma as a stamp's.
 * The channels are split once: split per mark, a page of many specks
 * (tinted paper) cost marks x page and ran for minutes. */
static int mrc_drop_coloured(PIX *img, PIX *text)
{
        PIXA *marks = NULL;
        BOXA *boxes = pixConnComp(text, &marks, 8);
        PIX *chan[3] = { NULL, NULL, NULL };
        int r = -ENOMEM;

        if (!boxes || !marks)
                goto out;
        for (int c = 0; c < 3; c++)
                if (!(chan[c] = pixGetRGBComponent(img,
                                                   (l_int32[]) { COLOR_RED, COLOR_GREEN, COLOR_BLUE }[c])))
                        goto out;
        for (l_int32 i = 0; i < boxaGetCount(boxes); i++) {
                PIX *m = pixaGetPix(marks, i, L_CLONE);
                l_int32 x = 0, y = 0, w = 0, h = 0;
                float v[3] = { 0, 0, 0 };
                bool ok = m != NULL;

                boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
                for (int c = 0; ok && c < 3; c++)
                        ok = pixGetAverageMasked(chan[c], m, x, y, 1, L_MEAN_ABSVAL, &v[c]) == 0;
                if (ok &&
                    fmaxf(v[0], fmaxf(v[1], v[2])) - fminf(v[0], fminf(v[1], v[2])) > MRC_COLOUR_CHROMA)
                        pixRasterop(text, x, y, w, h, PIX_NOT(PIX_SRC) & PIX_DST, m, 0, 0);
                pixDestroy(&m);
        }
        r = 0;
out:
        for (int c = 0; c < 3; c++)
                pixDestroy(&chan[c]);
        pixaDestroy(&marks);
        boxaDestroy(&boxes);
        return r;
}

/* How much the paper varies over the page, per channel at most: the
 * spread between the 5th and the 95th percentile of the map's tiles. */
static int mrc_paper_spread(PIX *map)
{
        NUMA *hist = pixGetGrayHistogram(map, 1);
        float lo = 0, hi = 0;

        if (!hist)
                return 255;
        numaHistogramGetValFromRank(hist, 0.05f, &lo);
        numaHistogramGetValFromRank(hist, 0.95f, &hi);
        numaDestroy(&hist);
        return (int) (hi - lo);
}

/* The paper of img, per channel (one PIX for grey, three for colour), at
 * img's size or a little more; *ret_spread how much it varies. */
static int mrc_paper(PIX *img, int dpi, PIX *ret[3], int *ret_spread)
{
        int tile = MAX(4, (int) (2.0f * (float) dpi / MM_PER_INCH)), n = pixGetDepth(img) == 32 ? 3 : 1;
        PIX *map[3] = { NULL, NULL, NULL };
        int r = -ENOMEM;

        if (n == 3) {
                if (pixGetBackgroundRGBMap(img, NULL, NULL, tile, tile, 100, tile * tile / 4, &map[0],
                                           &map[1], &map[2]) != 0)
                        goto out;
        } else if (pixGetBackgroundGrayMap(img, NULL, tile, tile, 100, tile * tile / 4, &map[0]) != 0)
                goto out;
        *ret_spread = 0;
        for (int i = 0; i < n; i++) {
                *ret_spread = MAX(*ret_spread, mrc_paper_spread(map[i]));
                ret[i] = pixScale(map[i], (float) tile, (float) tile);
                if (!ret[i])
                        goto out;
        }
        r = 0;
out:
        for (int i = 0; i < 3; i++)
                pixDestroy(&map[i]);
        if (r < 0)
                for (int i = 0; i < n; i++)
                        pixDestroy(&ret[i]);
        return r;
}

static inline int mrc_at(PIX *p, int x, int y)
{
        x = MIN(x, pixGetWidth(p) - 1);
        y = MIN(y, pixGetHeight(p) - 1);
        return GET_DATA_BYTE(pixGetData(p) + (size_t) y * pixGetWpl(p), x);
}

/* img with holes and near-paper pixels made paper, in place; the share of
 * pixels kept as they are. */
static double mrc_flatten(PIX *img, PIX *smooth, PIX *holes, PIX *paper[3])
{
        int w = pixGetWidth(img), h = pixGetHeight(img), colour = pixGetDepth(img) == 32;
        uint64_t kept = 0;

        for (int y = 0; y < h; y++) {
                const l_uint32 *s = pixGetData(smooth) + (size_t) y * pixGetWpl(smooth);
                const l_uint32 *hl = pixGetData(holes) +
                                     (size_t) MIN(y, pixGetHeight(holes) - 1) * pixGetWpl(holes);
                l_uint32 *o = pixGetData(img) + (size_t) y * pixGetWpl(img);

                for (int x = 0; x < w; x++) {
                        int p0 = mrc_at(paper[0], x, y), diff, own;
                        bool hole = x < pixGetWidth(holes) && GET_DATA_BIT(hl, x);

                        if (colour) {
                                int p1 = mrc_at(paper[1], x, y), p2 = mrc_at(paper[2], x, y);

                                diff = MAX(abs((int) (s[x] >> 24) - p0),
                                           MAX(abs((int) ((s[x] >> 16) & 0xff) - p1),
                                               abs((int) ((s[x] >> 8) & 0xff) - p2)));
                                own = MAX(abs((int) (o[x] >> 24) - p0),
                                          MAX(abs((int) ((o[x] >> 16) & 0xff) - p1),
                                              abs((int) ((o[x] >> 8) & 0xff) - p2)));
                                if (hole || (diff <= MRC_PAPER_DIFF && own <= MRC_PIXEL_DIFF))
                                        o[x] = (l_uint32) p0 << 24 | (l_uint32) p1 << 16 |
                                               (l_uint32) p2 << 8;
                                else
                                        kept++;
                        } else {
                                diff = abs((int) GET_DATA_BYTE(s, x) - p0);
                                own = abs((int) GET_DATA_BYTE(o, x) - p0);
                                if (hole || (diff <= MRC_PAPER_DIFF && own <= MRC_PIXEL_DIFF))
                                        SET_DATA_BYTE(o, x, p0);
                                else
                                        kept++;
                        }
                }
        }
        return (double) kept / ((double) w * (double) h);
}

/* The ink: marks of bin of text size, less coloured pixels. NULL on
 * failure; *ret_empty when there is none. */
static PIX *mrc_ink(PIX *img, PIX *bin, int dpi, bool *ret_empty)
{
        float px_per_mm = (float) dpi / MM_PER_INCH;
        PIX *text;
        l_int32 n = 0;

        text = pixSelectBySize(bin, (int) (60 * px_per_mm), (int) (15 * px_per_mm), 8, L_SELECT_IF_BOTH,
                               L_SELECT_IF_LTE, NULL);
        if (!text)
                return NULL;
        if (pixGetDepth(img) == 32 && mrc_drop_coloured(img, text) < 0) {
                pixDestroy(&text);
                return NULL;
        }
        pixCountPixels(text, &n, NULL);
        *ret_empty = n == 0;
        return text;
}

static void mrc_ink_colour(PIX *img, PIX *mask, uint8_t ink[3])
{
        float r = 0, g = 0, b = 0;

        if (pixGetDepth(img) == 32)
                pixGetRankValueMaskedRGB(img, mask, 0, 0, 2, MRC_INK_RANK, &r, &g, &b);
        else {
                pixGetRankValueMasked(img, mask, 0, 0, 2, MRC_INK_RANK, &r, NULL);
                g = b = r;
        }
        ink[0] = (uint8_t) r;
        ink[1] = (uint8_t) g;
        ink[2] = (uint8_t) b;
}

int pdf_mrc_split(PIX *image, PIX *bin, int dpi, bool force, PdfMrc *ret)
{
        PIX *own = NULL, *mask = NULL, *wide = NULL, *holes = NULL, *smooth = NULL, *bg = NULL;
        PIX *paper[3] = { NULL, NULL, NULL };
        float scale = dpi > MRC_BACKGROUND_DPI ? (float) MRC_BACKGROUND_DPI / (float) dpi : 1.0f;
        bool empty = true;
        double content;
        int spread = 0;
        int r = -ENOMEM;

        if ((pixGetDepth(image) != 8 && pixGetDepth(image) != 32) || pixGetColormap(image) || dpi <= 0)
                return -EINVAL;
        if (!bin) {
                r = clean_page(image, dpi, &own);
                if (r < 0)
                        return r;
                bin = own;
                r = -ENOMEM;
        }
        if (pixGetWidth(bin) != pixGetWidth(image) || pixGetHeight(bin) != pixGetHeight(image)) {
                r = -EINVAL;
                goto out;
        }
        mask = mrc_ink(image, bin, dpi, &empty);
        if (!mask)
                goto out;
        /* Everything else at the background's resolution: 2.25 times
         * fewer pixels than 300 dpi. The halo round the ink is two pixels
         * at full resolution, wide enough to survive sampling. */
        wide = pixDilateBrick(NULL, mask, 5, 5);
        if (!wide)
                goto out;
        if (scale < 0.7f)
                bg = pixScaleAreaMap(image, scale, scale);
        else
                bg = scale < 1.0f ? pixScale(image, scale, scale) : pixCopy(NULL, image);
        holes = scale < 1.0f ? pixScaleBySampling(wide, scale, scale) : pixClone(wide);
        if (!bg || !holes)
                goto out;
        smooth = pixBlockconv(bg, 2, 2);
        if (!smooth)
                goto out;
        if (mrc_paper(bg, MIN(dpi, MRC_BACKGROUND_DPI), paper, &spread) < 0) {
                r = 0; /* no paper to be found: a picture */
                goto out;
        }
        if (!force && spread > MRC_PAPER_SPREAD) {
                r = 0; /* areas of another colour: a map, a form, a picture */
                goto out;
        }
        content = mrc_flatten(bg, smooth, holes, paper);
        if (!force && content > MRC_MAX_CONTENT) {
                r = 0;
                goto out;
        }
        pixSetResolution(bg, MIN(dpi, MRC_BACKGROUND_DPI), MIN(dpi, MRC_BACKGROUND_DPI));
        if (!empty)
                mrc_ink_colour(image, mask, ret->ink);
        else
                pixDestroy(&mask);
        ret->mask = mask;
        mask = NULL;
        ret->background = bg;
        ret->background_dpi = MIN(dpi, MRC_BACKGROUND_DPI);
        bg = NULL;
        r = 1;
out:
        for (int i = 0; i < 3; i++)
                pixDestroy(&paper[i]);
        pixDestroy(&own);
        pixDestroy(&mask);
        pixDestroy(&holes);
        pixDestroy(&smooth);
        pixDestroy(&wide);
        pixDestroy(&bg);
        return r;
}
