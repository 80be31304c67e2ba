/* pdfimage: the noise-free test, the lossless writer (rows inflated back
 * pixel for pixel by zlib, refused past its byte limit) and which JPEG
 * files may stand for a page as they are. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <zlib.h>

#include <allheaders.h>

#include "check.h"
#include "pdfimage.h"

/* A white page with dark bars (text-like, noise-free), 8 or 32 bpp. */
static PIX *page_flat(int depth)
{
        PIX *p = pixCreate(600, 800, depth);

        CHECK(p);
        pixSetAll(p);
        for (int y = 100; y < 700; y += 40) {
                BOX *b = boxCreate(50, y, 500, 12);

                pixClearInRect(p, b);
                boxDestroy(&b);
        }
        if (depth == 32)
                pixSetRGBPixel(p, 10, 10, 200, 30, 40);
        return p;
}

/* The same page with sensor-like noise on every pixel. */
static PIX *page_noisy(int depth)
{
        PIX *p = page_flat(depth);

        srand(7);
        for (int y = 0; y < pixGetHeight(p); y++)
                for (int x = 0; x < pixGetWidth(p); x++) {
                        int d = rand() % 7 - 3;

                        if (depth == 8) {
                                l_uint32 v;

                                pixGetPixel(p, x, y, &v);
                                pixSetPixel(p, x, y, (l_uint32) L_MIN(255, L_MAX(0, (int) v + d)));
                        } else {
                                l_int32 r, g, b;

                                pixGetRGBPixel(p, x, y, &r, &g, &b);
                                pixSetRGBPixel(p, x, y, L_MIN(255, L_MAX(0, r + d)), g, b);
                        }
                }
        return p;
}

static void test_noise_free(void)
{
        for (int depth = 8; depth <= 32; depth += 24) {
                PIX *flat = page_flat(depth), *noisy = page_noisy(depth);

                CHECK(pdf_image_noise_free(flat));
                CHECK(!pdf_image_noise_free(noisy));
                pixDestroy(&flat);
                pixDestroy(&noisy);
        }
        PIX *bits = pixCreate(100, 100, 1);
        CHECK(!pdf_image_noise_free(bits)); /* 1 bpp is G4's, never asked */
        pixDestroy(&bits);
}

/* The deflated rows inflate to a filter byte 0 and the pixels of each row. */
static void test_flate_round_trip(int depth)
{
        PIX *p = page_noisy(depth);
        int w = pixGetWidth(p), h = pixGetHeight(p), spp = depth == 32 ? 3 : 1;
        uLongf rows_size = (uLongf) h * (1 + (size_t) w * spp);
        uint8_t *data = NULL, *rows = malloc(rows_size);
        size_t size = 0;
        bool same = true;

        CHECK(rows);
        CHECK_INT(pdf_image_flate(p, 0, &data, &size), 0);
        CHECK_INT(uncompress(rows, &rows_size, data, size), Z_OK);
        CHECK_U64(rows_size, (uint64_t) h * (1 + (size_t) w * spp));
        for (int y = 0; y < h; y++) {
                const uint8_t *row = rows + (size_t) y * (1 + (size_t) w * spp);

                same = same && row[0] == 0;
                for (int x = 0; x < w; x++) {
                        l_int32 r = 0, g = 0, b = 0;
                        l_uint32 v = 0;

                        if (depth == 8) {
                                pixGetPixel(p, x, y, &v);
                                same = same && row[1 + x] == v;
                        } else {
                                pixGetRGBPixel(p, x, y, &r, &g, &b);
                                same = same && row[1 + 3 * x] == r && row[2 + 3 * x] == g &&
                                       row[3 + 3 * x] == b;
                        }
                }
        }
        CHECK(same);
        /* Past the limit: refused, nothing returned. */
        uint8_t *none = NULL;
        size_t none_size = 0;
        CHECK_INT(pdf_image_flate(p, size / 2, &none, &none_size), -EFBIG);
        CHECK(!none);
        CHECK_INT(pdf_image_flate(p, size, &none, &none_size), 0);
        CHECK_U64(none_size, size);
        free(none);
        free(data);
        free(rows);
        pixDestroy(&p);
}

static void test_flate_refuses(void)
{
        PIX *bits = pixCreate(10, 10, 1);
        uint8_t *data = NULL;
        size_t size = 0;

        CHECK_INT(pdf_image_flate(bits, 0, &data, &size), -EINVAL);
        pixDestroy(&bits);
}

/* page as a JPEG file written by Leptonica, progressive or not. */
static uint8_t *jpeg_of(PIX *page, int progressive, size_t *size)
{
        uint8_t *data = NULL;

        CHECK_INT(pixWriteMemJpeg(&data, size, page, 90, progressive), 0);
        return data;
}

static void test_jpeg_embeddable(void)
{
        PIX *page = page_noisy(8), *other = pixScale(page, 0.5f, 0.5f);
        size_t bsize = 0, psize = 0, osize = 0, size = 0;
        uint8_t *base = jpeg_of(page, 0, &bsize), *prog = jpeg_of(page, 1, &psize);
        uint8_t *small = jpeg_of(other, 0, &osize), *out = NULL;

        /* The file itself when it has the page's size (baseline or progressive). */
        CHECK_INT(pdf_image_jpeg(page, base, bsize, 50, 300, &out, &size), 1);
        CHECK(size == bsize && memcmp(out, base, size) == 0);
        free(out);
        CHECK_INT(pdf_image_jpeg(page, prog, psize, 50, 300, &out, &size), 1);
        CHECK(size == psize && memcmp(out, prog, size) == 0);
        free(out);
        /* Another size, or not a JPEG: the page encoded anew. */
        CHECK_INT(pdf_image_jpeg(page, small, osize, 50, 300, &out, &size), 0);
        CHECK(size > 0 && out[0] == 0xff && out[1] == 0xd8);
        free(out);
        CHECK_INT(pdf_image_jpeg(page, NULL, 0, 50, 300, &out, &size), 0);
        free(out);
        free(base);
        free(prog);
        free(small);
        pixDestroy(&page);
        pixDestroy(&other);
}

int main(void)
{
        setMsgSeverity(L_SEVERITY_NONE);
        test_noise_free();
        test_flate_round_trip(8);
        test_flate_round_trip(32);
        test_flate_refuses();
        test_jpeg_embeddable();
        return 0;
}
