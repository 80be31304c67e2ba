/* Orientation. Leptonica's pixOrientDetect counts ascender and descender
 * hits of Latin text; it is sure when its score clears ORIENT_MIN_CONF and
 * beats the other axis by ORIENT_MIN_RATIO. It runs first at about 150 dpi
 * (fast); a page it is unsure of there is scored again at full resolution,
 * where ordinary body text gives far clearer scores. Only a page still
 * unsure goes to Tesseract's OSD, whose answer is taken when it agrees with
 * the way Leptonica leans: OSD alone turns decorative lettering upside down
 * with high confidence. When they disagree, the page is read (as OCR will
 * read it) each way they point and as it is, and turned the way that reads
 * clearly best: 6 pt print, which Leptonica scores the wrong way up at any
 * resolution, reads with confidence 93 the right way and under 60 the
 * others; a graphic reads poorly every way and is left as it is. A page
 * without text lines is left as it is. Before OSD, a page Leptonica is
 * unsure of is read as it is, and taken as upright when it reads clearly:
 * with the caller's own reading of the whole page when it offers one
 * (OrientOcr.read_as_is: kept as the page's OCR if the page stays as it
 * is), else of the middle of the text. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "clean.h"
#include "orient.h"

#define ORIENT_MIN_CONF 8.0f
#define ORIENT_MIN_RATIO 2.5f
#define ORIENT_OSD_MIN_CONF 2.0f
/* Below this score on both axes Leptonica found no text lines to count:
 * OSD, asked anyway, only guesses from shapes. */
#define ORIENT_MIN_EVIDENCE 2.0f
/* A page with this many text-like marks has text even when Leptonica finds
 * no lines in it (6 pt print scores under 2): OSD is asked all the same. A
 * full page of body text has 700-900, a one-line page 31. */
#define ORIENT_MANY_MARKS 200
/* A reading settles the orientation when its mean confidence reaches
 * ORIENT_READ_MIN_CONF, with ORIENT_READ_MIN_WORDS words or more, and beats
 * every other way by ORIENT_READ_MARGIN. */
#define ORIENT_READ_MIN_CONF 80
#define ORIENT_READ_MIN_WORDS 3
#define ORIENT_READ_MARGIN 15
/* A page read as it is with this confidence is upright: 6 pt print reads
 * 93 upright, under 60 any other way. */
#define ORIENT_UPRIGHT_CONF 85
/* Each reading's time, at most: a page of 6 pt print reads in under 1 s
 * reduced, 2 s at full resolution; a page Tesseract would spend longer on
 * is not one this settles (the page's own OCR keeps its full limit). */
#define ORIENT_READ_MAX_MS 5000u
/* A reading looks at the middle quarter of the text, unless that is
 * under this many millimetres across or down. */
#define ORIENT_WINDOW_MIN_MM 60

const char *orient_method_to_string(OrientMethod m)
{
        static const char *const names[_ORIENT_METHOD_MAX] = {
                [ORIENT_NONE] = "none",
                [ORIENT_LEPTONICA] = "leptonica",
                [ORIENT_TESSERACT] = "tesseract",
                [ORIENT_READING] = "reading",
        };
        if (m < 0 || m >= _ORIENT_METHOD_MAX)
                return NULL;
        return names[m];
}

/* Leptonica's up/down and left/right scores of bin, halved first when
 * reduce. Failing on a page without text is no error: both scores are 0. */
static int orient_scores(PIX *bin, bool reduce, float *ret_up, float *ret_left)
{
        PIX *small;
        l_float32 up = 0, left = 0;

        small = reduce ? pixReduceRankBinary2(bin, 1, NULL) : pixClone(bin);
        if (!small)
                return -ENOMEM;
        if (pixOrientDetect(small, &up, &left, 0, 0) != 0)
                up = left = 0;
        pixDestroy(&small);
        *ret_up = up;
        *ret_left = left;
        return 0;
}

/* The turn the larger score points to, sure or not. */
static int orient_lean(float up, float left)
{
        if (fabsf(up) >= fabsf(left))
                return up >= 0 ? 0 : 180;
        return left > 0 ? 90 : 270; /* left > 0: text reads bottom to top, turn clockwise */
}

/* Leptonica's decision: the turn, or -1 when it is unsure. */
static int orient_decide(float up, float left)
{
        l_int32 decision = L_TEXT_ORIENT_UNKNOWN;

        if (makeOrientDecision(up, left, ORIENT_MIN_CONF, ORIENT_MIN_RATIO, &decision, 0) != 0)
                return -1;
        switch (decision) {
        case L_TEXT_ORIENT_UP:
        case L_TEXT_ORIENT_LEFT:
        case L_TEXT_ORIENT_DOWN:
        case L_TEXT_ORIENT_RIGHT:
                return orient_lean(up, left);
        default:
                return -1;
        }
}

static int orient_leptonica(PIX *bin, int dpi, OrientResult *res)
{
        /* Leptonica's statistics are tuned for 150-300 dpi; halving a 300 dpi
         * page makes it four times faster, and is enough for most pages. */
        bool reduce = dpi == 0 || dpi >= 250;
        int r, rotate;

        r = orient_scores(bin, reduce, &res->up_conf, &res->left_conf);
        if (r < 0)
                return r;
        rotate = orient_decide(res->up_conf, res->left_conf);
        if (rotate < 0 && reduce) {
                r = orient_scores(bin, false, &res->up_conf, &res->left_conf);
                if (r < 0)
                        return r;
                rotate = orient_decide(res->up_conf, res->left_conf);
        }
        if (rotate < 0)
                return 0;
        res->method = ORIENT_LEPTONICA;
        res->rotate = rotate;
        res->confidence = fmaxf(fabsf(res->up_conf), fabsf(res->left_conf));
        return 0;
}

/* What of bin a reading looks at: the middle of the text, half its width
 * and half its height (a quarter of the reading's time: enough lines to
 * tell which way they read), or all of it when that is small. NULL when
 * out of memory. */
static PIX *orient_window(PIX *bin, int dpi)
{
        int min = ORIENT_WINDOW_MIN_MM * (dpi > 0 ? dpi : 300) * 10 / 254;
        l_int32 x, y, w, h;
        PIX *text = NULL, *window;
        BOX *box = NULL, *mid;

        if (pixClipToForeground(bin, &text, &box) != 0 || !box) {
                pixDestroy(&text);
                return pixClone(bin);
        }
        pixDestroy(&text);
        boxGetGeometry(box, &x, &y, &w, &h);
        if (w >= 2 * min)
                x += w / 4, w /= 2;
        if (h >= 2 * min)
                y += h / 4, h /= 2;
        mid = boxCreate(x, y, w, h);
        window = mid ? pixClipRectangle(bin, mid, NULL) : NULL;
        boxDestroy(&mid);
        boxDestroy(&box);
        return window;
}

/* A reading's mean confidence, 0 for fewer than ORIENT_READ_MIN_WORDS
 * words (or none). */
static int orient_conf(const OcrResult *res)
{
        return res && res->n_words >= ORIENT_READ_MIN_WORDS ? res->mean_confidence : 0;
}

/* Read bin turned by rotate; *ret_conf is orient_conf(). OCR's errors pass
 * up. */
static int orient_read(PIX *bin, int dpi, int rotate, const OrientOcr *t, int *ret_conf)
{
        int k = t->read_reduction > 1 ? t->read_reduction : 1;
        unsigned limit;
        PIX *window = NULL, *turned = NULL, *read = NULL;
        OcrResult *res = NULL;
        int r;

        window = orient_window(bin, dpi);
        if (!window)
                return -ENOMEM;
        r = orient_apply(window, rotate, &turned);
        pixDestroy(&window);
        if (r < 0)
                return r;
        read = clean_reduce(turned, k);
        if (!read) {
                r = -ENOMEM;
                goto out;
        }
        limit = t->time_limit_ms > 0 ? MIN(t->time_limit_ms, ORIENT_READ_MAX_MS) : ORIENT_READ_MAX_MS;
        r = ocr_recognize_horizontal(t->ocr, read, dpi / k, limit, t->cancel, &res);
        if (r < 0)
                goto out;
        *ret_conf = orient_conf(res);
out:
        ocr_result_free(res);
        pixDestroy(&read);
        pixDestroy(&turned);
        return r;
}

/* How well the page reads as it is: the page's own reading when the
 * caller makes it now (t->read_as_is), else bin's middle. */
static int orient_read_upright(PIX *bin, int dpi, const OrientOcr *t, OrientResult *res, int *ret_conf)
{
        const OcrResult *read = NULL;
        int r = t->read_as_is ? t->read_as_is(t->userdata, &read) : -EAGAIN;

        if (r == -EAGAIN) {
                res->reads++;
                return orient_read(bin, dpi, 0, t, ret_conf);
        }
        if (r >= 0)
                *ret_conf = orient_conf(read);
        return r;
}

/* Leptonica leans one way and OSD points another: read the page each of
 * those ways and as it is. Sets res when one reading is clearly the best;
 * a cancelled job decides nothing (its OCR, next, reports the cancel). */
static int orient_by_reading(PIX *bin, int dpi, const OrientOcr *t, int lean, int osd, int upright_conf,
                             OrientResult *res)
{
        int ways[3] = { 0, lean, osd }, conf[3] = { upright_conf }, best = 0, second = 0, r;

        for (int i = 1; i < 3; i++) {
                bool seen = false;

                for (int j = 0; j < i; j++)
                        seen = seen || ways[j] == ways[i];
                if (seen) {
                        conf[i] = -1;
                        continue;
                }
                res->reads++;
                r = orient_read(bin, dpi, ways[i], t, &conf[i]);
                if (r == -ENOMEM)
                        return r;
                if (r == -ECANCELED)
                        return 0;
                if (r < 0)
                        conf[i] = 0; /* a way that cannot be read (time limit): not the one */
        }
        for (int i = 1; i < 3; i++)
                if (conf[i] > conf[best])
                        best = i;
        for (int i = 0; i < 3; i++)
                if (i != best && ways[i] != ways[best] && conf[i] > second)
                        second = conf[i];
        if (conf[best] >= ORIENT_READ_MIN_CONF && conf[best] - second >= ORIENT_READ_MARGIN) {
                res->method = ORIENT_READING;
                res->rotate = ways[best];
                res->confidence = (float) conf[best];
        }
        return 0;
}

int orient_detect(PIX *bin, int dpi, const OrientOcr *t, OrientResult *ret)
{
        OrientResult res = { .method = ORIENT_NONE };
        int r, deg = 0, lean, upright = 0;
        float conf = 0;

        if (pixGetDepth(bin) != 1)
                return -EINVAL;
        r = orient_leptonica(bin, dpi, &res);
        if (r < 0)
                return r;
        if (res.method == ORIENT_NONE && t && t->ocr &&
            (fmaxf(fabsf(res.up_conf), fabsf(res.left_conf)) >= ORIENT_MIN_EVIDENCE ||
             t->marks >= ORIENT_MANY_MARKS)) {
                /* Most pages come upright: one that reads clearly as it
                 * is needs neither OSD nor readings the other ways. */
                r = orient_read_upright(bin, dpi > 0 ? dpi : 300, t, &res, &upright);
                if (r == -ENOMEM)
                        return r;
                if (r == -ECANCELED)
                        goto done;
                if (r >= 0 && upright >= ORIENT_UPRIGHT_CONF) {
                        res.method = ORIENT_READING;
                        res.confidence = (float) upright;
                        goto done;
                }
                lean = orient_lean(res.up_conf, res.left_conf);
                r = ocr_detect_orientation(t->ocr, bin, dpi, &deg, &conf);
                if (r >= 0 && conf >= ORIENT_OSD_MIN_CONF && deg == lean) {
                        res.method = ORIENT_TESSERACT;
                        res.rotate = deg;
                        res.confidence = conf;
                } else if (r >= 0 && conf >= ORIENT_OSD_MIN_CONF) {
                        r = orient_by_reading(bin, dpi > 0 ? dpi : 300, t, lean, deg, upright, &res);
                        if (r < 0)
                                return r;
                }
                /* An OSD failure (no text, no osd model), a weak OSD or a
                 * reading that settles nothing leaves the page as it is. */
        }
done:
        *ret = res;
        return 0;
}

int orient_apply(PIX *pix, int rotate, PIX **ret_out)
{
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
