/* sohoa-scand-stamp: does JPEG's chroma subsampling take the colour out of
 * a red seal? A 300 dpi A4 page with text, a red round seal of thin rings
 * and glyph strokes (2-8 px: 0.2-0.7 mm, as the province's seals and
 * stamps are engraved), a red signature 2 px wide and a blue one, is
 * encoded by the daemon's own encode.c as it encodes a colour page (TIFF
 * JPEG q90), with 2x2 chroma (4:2:0) and with none (4:4:4), decoded with
 * libtiff as the worker decodes it, and compared on the ink's pixels:
 * colour error (CIE76 dE), the share of stroke pixels still clearly red
 * (keeping at least half their redness), and the ink's chroma kept. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "encode.h"

#define W 2480
#define H 3508
#define SS 4 /* supersampling per axis for the ink's edges */

typedef struct Ink {
        uint8_t *cover; /* 0..255 per pixel: how much of it is ink */
        uint8_t rgb[3];
} Ink;

static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
        double vx = bx - ax, vy = by - ay, t = ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy);

        t = t < 0 ? 0 : t > 1 ? 1 : t;
        return hypot(px - (ax + t * vx), py - (ay + t * vy));
}

/* Is the sample point (x, y) inside the seal's strokes? */
static bool in_seal(double x, double y, double cx, double cy)
{
        double dx = x - cx, dy = y - cy, r = hypot(dx, dy), a = atan2(dy, dx);

        if (fabs(r - 210) < 4 || fabs(r - 160) < 1.5)
                return true; /* outer ring 8 px, inner ring 3 px */
        if (r > 168 && r < 202) {
                /* the agency's name round the ring: a glyph every 9 degrees,
                 * two radial strokes and a cross-bar, 2-3 px wide */
                double g = fmod(a + M_PI, M_PI / 20), c = M_PI / 40;

                if (fabs((g - c * 0.6) * r) < 1.2 || fabs((g - c * 1.4) * r) < 1.2 ||
                    (fabs(r - 185) < 1.5 && g > c * 0.6 && g < c * 1.4))
                        return true;
        }
        /* a five-point star outline, 2 px */
        for (int k = 0; k < 5; k++) {
                double a1 = -M_PI / 2 + k * 4 * M_PI / 5, a2 = -M_PI / 2 + (k + 1) * 4 * M_PI / 5;

                if (seg_dist(x, y, cx + 110 * cos(a1), cy + 110 * sin(a1), cx + 110 * cos(a2),
                             cy + 110 * sin(a2)) < 1)
                        return true;
        }
        return false;
}

static bool in_signature(double x, double y, double x0, double y0, double half)
{
        double t = (x - x0) / 600.0;

        return t >= 0 && t <= 1 && fabs(y - (y0 + 40 * sin(t * 14) * (1 - t))) < half;
}

static void cover(Ink *ink, int x0, int y0, int x1, int y1, bool (*in)(double, double, const double *),
                  const double *arg)
{
        for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) {
                        int n = 0;

                        for (int sy = 0; sy < SS; sy++)
                                for (int sx = 0; sx < SS; sx++)
                                        n += in(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS, arg);
                        ink->cover[(size_t) y * W + x] = (uint8_t) (n * 255 / (SS * SS));
                }
}

static bool seal_at(double x, double y, const double *a)
{
        return in_seal(x, y, a[0], a[1]);
}

static bool sig_at(double x, double y, const double *a)
{
        return in_signature(x, y, a[0], a[1], a[2]);
}

static uint32_t rnd(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

/* Paper with a little noise and lines of black text, then the inks over it. */
static void render(Image *img, Ink *red, Ink *sig, Ink *blue)
{
        const double seal[2] = { 1650, 2900 }, rsig[3] = { 1900, 3020, 1.0 }, bsig[3] = { 300, 3000, 1.0 };
        uint32_t seed = 4242;

        *img = (Image) {
                .width = W, .height = H, .channels = 3, .depth = 8, .stride = (size_t) W * 3, .dpi = 300
        };
        img->data = malloc(img->stride * H);
        red->cover = calloc(W, H);
        sig->cover = calloc(W, H);
        blue->cover = calloc(W, H);
        if (!img->data || !red->cover || !sig->cover || !blue->cover)
                exit(1);
        memcpy(red->rgb, (uint8_t[]) { 196, 28, 36 }, 3);
        memcpy(sig->rgb, red->rgb, 3);
        memcpy(blue->rgb, (uint8_t[]) { 30, 40, 150 }, 3);
        cover(red, 1420, 2670, 1880, 3130, seal_at, seal);
        cover(sig, 1880, 2960, W, 3080, sig_at, rsig);
        cover(blue, 300, 2940, 900, 3060, sig_at, bsig);
        for (uint32_t y = 0; y < H; y++)
                for (uint32_t x = 0; x < W; x++) {
                        uint8_t *p = img->data + (size_t) y * img->stride + x * 3;
                        int v = 244 + (int) (rnd(&seed) % 8);
                        bool text = y > 400 && y < 2600 && (y - 400) % 70 < 30 && x > 240 && x < 2240 &&
                                    ((x - 240) % 26 < 3 || (y - 400) % 70 == 14) && (x / 130) % 6 != 5;
                        double c = (red->cover[(size_t) y * W + x] + sig->cover[(size_t) y * W + x]) / 255.0,
                               b = blue->cover[(size_t) y * W + x] / 255.0;

                        for (int k = 0; k < 3; k++) {
                                double base = text ? 30 : v;

                                base = base * (1 - c) + red->rgb[k] * c;
                                base = base * (1 - b) + blue->rgb[k] * b;
                                p[k] = (uint8_t) (base + 0.5);
                        }
                }
}

static void to_lab(const uint8_t *rgb, double *lab)
{
        double c[3], xyz[3], f[3];
        static const double white[3] = { 0.95047, 1.0, 1.08883 };

        for (int k = 0; k < 3; k++) {
                double v = rgb[k] / 255.0;

                c[k] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
        }
        xyz[0] = 0.4124 * c[0] + 0.3576 * c[1] + 0.1805 * c[2];
        xyz[1] = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        xyz[2] = 0.0193 * c[0] + 0.1192 * c[1] + 0.9505 * c[2];
        for (int k = 0; k < 3; k++) {
                double t = xyz[k] / white[k];

                f[k] = t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116;
        }
        lab[0] = 116 * f[1] - 16;
        lab[1] = 500 * (f[0] - f[1]);
        lab[2] = 200 * (f[1] - f[2]);
}

/* Decode as the worker does: libtiff's RGBA reader. */
static uint32_t *decode(const uint8_t *buf, size_t len)
{
        char path[] = "/tmp/sohoa-stamp-XXXXXX";
        uint32_t *rgba = NULL;
        TIFF *t;
        FILE *f;
        int fd = mkstemp(path);

        if (fd < 0 || !(f = fdopen(fd, "wb")))
                exit(1);
        fwrite(buf, 1, len, f);
        fclose(f);
        t = TIFFOpen(path, "r");
        rgba = t ? malloc((size_t) W * H * 4) : NULL;
        if (!t || !rgba || !TIFFReadRGBAImageOriented(t, W, H, rgba, ORIENTATION_TOPLEFT, 0))
                exit(1);
        TIFFClose(t);
        unlink(path);
        return rgba;
}

typedef struct Score {
        double de_mean, de_p95, red_kept, chroma_kept;
        unsigned n;
} Score;

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

/* Over the pixels mostly of this ink (cover at least half). */
static Score score(const Image *img, const uint32_t *rgba, const Ink *ink)
{
        Score s = {};
        double *de = malloc(sizeof(double) * W * 64), sum = 0, chroma_o = 0, chroma_d = 0;
        size_t cap = W * 64;
        unsigned kept = 0;

        for (size_t i = 0; i < (size_t) W * H; i++) {
                const uint8_t *o = img->data + i * 3;
                uint8_t d[3] = { TIFFGetR(rgba[i]), TIFFGetG(rgba[i]), TIFFGetB(rgba[i]) };
                double lo[3], ld[3], e;
                int redness_o = o[0] - (o[1] > o[2] ? o[1] : o[2]),
                    redness_d = d[0] - (d[1] > d[2] ? d[1] : d[2]);

                if (ink->cover[i] < 128)
                        continue;
                to_lab(o, lo);
                to_lab(d, ld);
                e = sqrt((lo[0] - ld[0]) * (lo[0] - ld[0]) + (lo[1] - ld[1]) * (lo[1] - ld[1]) +
                         (lo[2] - ld[2]) * (lo[2] - ld[2]));
                if (s.n == cap && !(de = realloc(de, sizeof(double) * (cap *= 2))))
                        exit(1);
                de[s.n++] = e;
                sum += e;
                chroma_o += hypot(lo[1], lo[2]);
                chroma_d += hypot(ld[1], ld[2]);
                kept += redness_d * 2 >= redness_o;
        }
        qsort(de, s.n, sizeof(double), cmp_double);
        s.de_mean = sum / s.n;
        s.de_p95 = de[(size_t) (s.n * 0.95)];
        s.red_kept = 100.0 * kept / s.n;
        s.chroma_kept = 100.0 * chroma_d / chroma_o;
        free(de);
        return s;
}

static double cpu_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
        unsigned quality = argc > 1 ? (unsigned) atoi(argv[1]) : 90;
        static const struct {
                const char *name;
                unsigned sub;
        } cases[] = { { "4:2:0", 2 }, { "4:4:4", 1 } };
        Ink red, sig, blue;
        const struct {
                const char *name;
                const Ink *ink;
        } inks[] = { { "red seal (rings 3-8 px, glyphs 2-3 px)", &red },
                     { "red signature (2 px)", &sig },
                     { "blue signature (2 px)", &blue } };
        char rows[2][3][200], sizes[2][100];
        Image img;

        render(&img, &red, &sig, &blue);
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                uint8_t *buf;
                size_t len;
                double t = cpu_ms();
                uint32_t *rgba;

                if (encode_tiff(&img, ENCODING_JPEG, quality, cases[c].sub, &buf, &len) < 0)
                        return 1;
                t = cpu_ms() - t;
                snprintf(sizes[c], sizeof(sizes[c]), "| JPEG q%u YCbCr %s | %.2f MB | %.0f |", quality,
                         cases[c].name, len / 1e6, t);
                rgba = decode(buf, len);
                for (size_t k = 0; k < sizeof(inks) / sizeof(inks[0]); k++) {
                        Score r = score(&img, rgba, inks[k].ink);

                        char kept[16] = "-";

                        if (inks[k].ink->rgb[0] > inks[k].ink->rgb[2])
                                snprintf(kept, sizeof(kept), "%.1f%%", r.red_kept);
                        snprintf(rows[c][k], sizeof(rows[c][k]),
                                 "| %s | %s | %u | %.1f / %.1f | %s | %.0f%% |", inks[k].name, cases[c].name,
                                 r.n, r.de_mean, r.de_p95, kept, r.chroma_kept);
                }
                free(rgba);
                free(buf);
        }
        printf("| encoding | page bytes | encode ms (CPU) |\n|---|---|---|\n%s\n%s\n\n", sizes[0], sizes[1]);
        printf("| ink | chroma | ink pixels | dE76 mean / p95 | strokes still red (half the redness kept) | "
               "ink chroma kept |\n|---|---|---|---|---|---|\n");
        for (size_t k = 0; k < sizeof(inks) / sizeof(inks[0]); k++)
                for (size_t c = 0; c < 2; c++)
                        printf("%s\n", rows[c][k]);
        free(img.data);
        free(red.cover);
        free(sig.cover);
        free(blue.cover);
        return 0;
}
