/* decode: every format and compression a scanner or an archive sends, made
 * here with Leptonica's and libtiff's writers; broken and hostile input is
 * refused with the right error before anything large is allocated. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>
#include <zlib.h>

#include "decode.h"
#include "encode.h"

static int failures;

#define CHECK(cond, ...)                                                                \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                   \
                        fputc('\n', stderr);                                            \
                        failures++;                                                     \
                }                                                                       \
        } while (0)

/* A page-like test image: grey ramp with dark "text" bars, or its colour or
 * bilevel form, 300 dpi. */
static PIX *make_pix(int depth)
{
        PIX *grey = pixCreate(640, 480, 8), *out;

        for (int y = 0; y < 480; y++)
                for (int x = 0; x < 640; x++) {
                        int v = 200 + (x % 50);
                        if ((y / 12) % 3 == 0 && (x / 7) % 4 != 0)
                                v = 20;
                        pixSetPixel(grey, x, y, (l_uint32) v);
                }
        if (depth == 8)
                out = pixClone(grey);
        else if (depth == 1)
                out = pixThresholdToBinary(grey, 128);
        else {
                out = pixCreate(640, 480, 32);
                for (int y = 0; y < 480; y++)
                        for (int x = 0; x < 640; x++) {
                                l_uint32 v;
                                pixGetPixel(grey, x, y, &v);
                                composeRGBPixel((l_int32) v, (l_int32) (x % 256), 60, &v);
                                pixSetPixel(out, x, y, v);
                        }
        }
        pixDestroy(&grey);
        pixSetResolution(out, 300, 300);
        return out;
}

static int decode(const uint8_t *data, size_t len, PIX **ret, DecodeInfo *info, const char **why)
{
        *ret = NULL;
        *why = NULL;
        return decode_image(data, len, NULL, ret, info, why);
}

/* Write pix with libtiff into memory (through a temporary file), in strips
 * or 64x64 tiles, with the given compression. */
static uint8_t *libtiff_write(PIX *pix, uint16_t compression, bool tiled, size_t *ret_len)
{
        char path[] = "/tmp/test-decode-XXXXXX";
        int fd = mkstemp(path), w = pixGetWidth(pix), h = pixGetHeight(pix);
        int d = pixGetDepth(pix), spp = d == 32 ? 3 : 1, bps = d == 1 ? 1 : 8;
        size_t row = (size_t) (w * spp * bps + 7) / 8;
        uint8_t *buf = calloc(row, (size_t) h), *out = NULL;
        TIFF *t;
        FILE *f;

        assert(fd >= 0 && buf);
        close(fd);
        for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                        l_uint32 v;
                        pixGetPixel(pix, x, y, &v);
                        if (d == 1) {
                                if (v) /* MINISWHITE: 1 is black, as in Leptonica */
                                        buf[(size_t) y * row + (size_t) x / 8] |= (uint8_t) (0x80 >>
                                                                                             (x % 8));
                        } else if (d == 8) {
                                buf[(size_t) y * row + (size_t) x] = (uint8_t) v;
                        } else {
                                l_int32 r, g, b;
                                extractRGBValues(v, &r, &g, &b);
                                buf[(size_t) y * row + (size_t) x * 3] = (uint8_t) r;
                                buf[(size_t) y * row + (size_t) x * 3 + 1] = (uint8_t) g;
                                buf[(size_t) y * row + (size_t) x * 3 + 2] = (uint8_t) b;
                        }
                }
        t = TIFFOpen(path, "w");
        assert(t);
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bps);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC,
                     d == 1   ? PHOTOMETRIC_MINISWHITE
                     : d == 8 ? PHOTOMETRIC_MINISBLACK
                              : PHOTOMETRIC_RGB);
        TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
        TIFFSetField(t, TIFFTAG_XRESOLUTION, 300.0);
        TIFFSetField(t, TIFFTAG_YRESOLUTION, 300.0);
        TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
        if (compression == COMPRESSION_JPEG)
                TIFFSetField(t, TIFFTAG_JPEGQUALITY, 90);
        if (tiled) {
                uint8_t *tile = malloc((size_t) 64 * 64 * 3);
                size_t trow = (size_t) (64 * spp * bps + 7) / 8;
                assert(tile);
                TIFFSetField(t, TIFFTAG_TILEWIDTH, 64);
                TIFFSetField(t, TIFFTAG_TILELENGTH, 64);
                for (int ty = 0; ty < h; ty += 64)
                        for (int tx = 0; tx < w; tx += 64) {
                                memset(tile, 0, (size_t) 64 * 64 * 3);
                                for (int y = 0; y < 64 && ty + y < h; y++)
                                        memcpy(tile + (size_t) y * trow,
                                               buf + (size_t) (ty + y) * row + (size_t) tx * spp * bps / 8,
                                               MIN(trow, row - (size_t) tx * spp * bps / 8));
                                TIFFWriteTile(t, tile, (uint32_t) tx, (uint32_t) ty, 0, 0);
                        }
                free(tile);
        } else {
                TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
                for (int y = 0; y < h; y++)
                        TIFFWriteScanline(t, buf + (size_t) y * row, (uint32_t) y, 0);
        }
        TIFFClose(t);
        free(buf);

        f = fopen(path, "rb");
        assert(f);
        fseek(f, 0, SEEK_END);
        *ret_len = (size_t) ftell(f);
        rewind(f);
        out = malloc(*ret_len);
        assert(out && fread(out, 1, *ret_len, f) == *ret_len);
        fclose(f);
        unlink(path);
        return out;
}

/* Decode data and compare with the source: exactly for lossless formats,
 * within a mean difference of 8 levels for JPEG. */
static void check_round_trip(const char *what, const uint8_t *data, size_t len, PIX *src, bool lossless,
                             DecodeKind kind)
{
        DecodeInfo info = { 0 };
        const char *why;
        PIX *pix = NULL;
        int r = decode(data, len, &pix, &info, &why);

        CHECK(r == 0, "%s: decode returned %d (%s)", what, r, why ? why : "");
        if (r < 0)
                return;
        CHECK(info.width == 640 && info.height == 480, "%s: size %dx%d", what, info.width, info.height);
        CHECK(info.dpi == 300, "%s: dpi %d", what, info.dpi);
        CHECK(info.depth == pixGetDepth(src), "%s: depth %d, source %d", what, info.depth, pixGetDepth(src));
        CHECK(info.kind == kind, "%s: kind %s", what, decode_kind_to_string(info.kind));
        if (lossless) {
                l_int32 same = 0;
                pixEqual(pix, src, &same);
                CHECK(same, "%s: pixels differ from the source", what);
        } else if (info.depth == pixGetDepth(src)) {
                l_float32 diff = 0;
                PIX *a = pixConvertTo8(pix, 0), *b = pixConvertTo8(src, 0);
                PIX *dp = pixAbsDifference(a, b);

                pixGetAverageMasked(dp, NULL, 0, 0, 1, L_MEAN_ABSVAL, &diff);
                pixDestroy(&dp);
                CHECK(diff < 8.0f, "%s: mean difference %.1f", what, diff);
                pixDestroy(&a);
                pixDestroy(&b);
        }
        pixDestroy(&pix);
}

/* A PNG signature and IHDR chunk (valid CRC) claiming w x h, 8-bit grey,
 * followed by nothing: the header alone must be enough to refuse it. */
static size_t png_header(uint8_t *buf, uint32_t w, uint32_t h)
{
        static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
        uint8_t *p = buf;
        uLong crc;

        memcpy(p, sig, 8);
        p += 8;
        *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 13;
        memcpy(p, "IHDR", 4);
        p[4] = (uint8_t) (w >> 24), p[5] = (uint8_t) (w >> 16), p[6] = (uint8_t) (w >> 8),
        p[7] = (uint8_t) w;
        p[8] = (uint8_t) (h >> 24), p[9] = (uint8_t) (h >> 16), p[10] = (uint8_t) (h >> 8),
        p[11] = (uint8_t) h;
        p[12] = 8, p[13] = 0, p[14] = 0, p[15] = 0, p[16] = 0;
        crc = crc32(0, p, 17);
        p += 17;
        *p++ = (uint8_t) (crc >> 24), *p++ = (uint8_t) (crc >> 16), *p++ = (uint8_t) (crc >> 8),
        *p++ = (uint8_t) crc;
        memset(p, 0, 16); /* room for a reader that peeks further */
        return (size_t) (p - buf) + 16;
}

static void check_refused(const char *what, const uint8_t *data, size_t len, int expected)
{
        DecodeInfo info = { 0 };
        const char *why = NULL;
        PIX *pix = NULL;
        int r = decode(data, len, &pix, &info, &why);

        CHECK(r == expected, "%s: decode returned %d, expected %d", what, r, expected);
        CHECK(pix == NULL, "%s: a PIX despite the error", what);
        CHECK(why && *why, "%s: no reason given", what);
        pixDestroy(&pix);
}

static void test_leptonica_formats(void)
{
        PIX *grey = make_pix(8), *colour = make_pix(32), *bw = make_pix(1);
        l_uint8 *data = NULL;
        size_t len = 0;

        CHECK(pixWriteMemPng(&data, &len, grey, 0) == 0, "png write");
        check_round_trip("png grey", data, len, grey, true, DECODE_GREY);
        free(data);
        CHECK(pixWriteMemPng(&data, &len, colour, 0) == 0, "png write");
        check_round_trip("png colour", data, len, colour, true, DECODE_COLOUR);
        free(data);
        CHECK(pixWriteMemPng(&data, &len, bw, 0) == 0, "png write");
        check_round_trip("png bilevel", data, len, bw, true, DECODE_BILEVEL);
        free(data);
        CHECK(pixWriteMemJpeg(&data, &len, grey, 90, 0) == 0, "jpeg write");
        check_round_trip("jpeg grey", data, len, grey, false, DECODE_GREY);
        free(data);
        CHECK(pixWriteMemJpeg(&data, &len, colour, 90, 0) == 0, "jpeg write");
        check_round_trip("jpeg colour", data, len, colour, false, DECODE_COLOUR);
        free(data);
        CHECK(pixWriteMemTiff(&data, &len, bw, IFF_TIFF_G4) == 0, "tiff g4 write");
        check_round_trip("tiff g4 (leptonica)", data, len, bw, true, DECODE_BILEVEL);
        free(data);
        CHECK(pixWriteMemTiff(&data, &len, grey, IFF_TIFF_ZIP) == 0, "tiff zip write");
        check_round_trip("tiff deflate grey (leptonica)", data, len, grey, true, DECODE_GREY);
        free(data);
        CHECK(pixWriteMemTiff(&data, &len, colour, IFF_TIFF_LZW) == 0, "tiff lzw write");
        check_round_trip("tiff lzw colour (leptonica)", data, len, colour, true, DECODE_COLOUR);
        free(data);
        pixDestroy(&grey);
        pixDestroy(&colour);
        pixDestroy(&bw);
}

static void test_libtiff_formats(void)
{
        static const struct {
                const char *name;
                int depth;
                uint16_t compression;
                bool lossless;
        } cases[] = {
                { "g4", 1, COMPRESSION_CCITTFAX4, true },
                { "deflate", 8, COMPRESSION_ADOBE_DEFLATE, true },
                { "lzw", 8, COMPRESSION_LZW, true },
                { "zstd", 8, COMPRESSION_ZSTD, true },
                { "zstd", 32, COMPRESSION_ZSTD, true },
                { "none", 32, COMPRESSION_NONE, true },
                { "jpeg", 8, COMPRESSION_JPEG, false },
                { "jpeg", 32, COMPRESSION_JPEG, false },
                { "deflate", 32, COMPRESSION_ADOBE_DEFLATE, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (int tiled = 0; tiled <= 1; tiled++) {
                        PIX *src = make_pix(cases[i].depth);
                        size_t len = 0;
                        uint8_t *data;
                        char what[96];
                        DecodeKind kind = cases[i].depth == 1   ? DECODE_BILEVEL
                                          : cases[i].depth == 8 ? DECODE_GREY
                                                                : DECODE_COLOUR;

                        if (!TIFFIsCODECConfigured(cases[i].compression)) {
                                printf("skip tiff %s: libtiff has no codec\n", cases[i].name);
                                pixDestroy(&src);
                                continue;
                        }
                        data = libtiff_write(src, cases[i].compression, tiled, &len);
                        snprintf(what, sizeof(what), "tiff %s %d-bit %s", cases[i].name,
                                 cases[i].depth == 32 ? 24 : cases[i].depth, tiled ? "tiles" : "strips");
                        check_round_trip(what, data, len, src, cases[i].lossless, kind);
                        if (i == 1 && !tiled) {
                                /* Cut in the middle of the pixel data and in the header. */
                                check_refused("truncated tiff", data, len / 2, -EBADMSG);
                                check_refused("tiff header only", data, 16, -EBADMSG);
                        }
                        free(data);
                        pixDestroy(&src);
                }
}

static void test_broken(void)
{
        PIX *grey = make_pix(8);
        l_uint8 *data = NULL;
        size_t len = 0, idat;
        uint8_t hdr[64];
        struct timespec t0, t1;

        check_refused("zero bytes", (const uint8_t *) "", 0, -EBADMSG);
        check_refused("NULL", NULL, 0, -EBADMSG);
        check_refused("text", (const uint8_t *) "this is not an image at all", 27, -EPROTONOSUPPORT);

        CHECK(pixWriteMemPng(&data, &len, grey, 0) == 0, "png write");
        /* Flip a byte inside the first IDAT chunk's data: its CRC no longer matches. */
        for (idat = 8; idat + 8 < len; idat++)
                if (memcmp(data + idat, "IDAT", 4) == 0)
                        break;
        CHECK(idat + 8 < len, "no IDAT in the PNG");
        data[idat + 4 + 10] ^= 0x55;
        check_refused("png with a bad CRC", data, len, -EBADMSG);
        check_refused("truncated png", data, len / 3, -EBADMSG);
        free(data);

        CHECK(pixWriteMemJpeg(&data, &len, grey, 90, 0) == 0, "jpeg write");
        check_refused("truncated jpeg", data, len / 2, -EBADMSG);
        free(data);

        clock_gettime(CLOCK_MONOTONIC, &t0);
        check_refused("60000x60000 png header", hdr, png_header(hdr, 60000, 60000), -E2BIG);
        check_refused("40000x100 png header (side)", hdr, png_header(hdr, 40000, 100), -E2BIG);
        check_refused("20000x20000 png header (pixels)", hdr, png_header(hdr, 20000, 20000), -E2BIG);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        /* Refused from the header: no 3.6 GB allocation, no decoding. */
        CHECK(t1.tv_sec - t0.tv_sec < 2, "refusing big headers took %ld s", (long) (t1.tv_sec - t0.tv_sec));
        {
                DecodeLimits lim = { .max_side = 400 };
                DecodeInfo info;
                PIX *pix = NULL;
                CHECK(pixWriteMemPng(&data, &len, grey, 0) == 0, "png write");
                CHECK(decode_image(data, len, &lim, &pix, &info, NULL) == -E2BIG,
                      "a configured limit of 400 refuses 640x480");
                CHECK(pix == NULL, "no PIX on -E2BIG");
                free(data);
        }
        pixDestroy(&grey);
}

/* The largest pixel buffer Leptonica was asked for since it was reset; a
 * request past 64 MB is refused (NULL), as a worker short of memory would
 * see it, so that the check costs no memory either way. */
static size_t pix_largest;

static void *pix_alloc_watched(size_t size)
{
        if (size > pix_largest)
                pix_largest = size;
        return size > (size_t) 64 << 20 ? NULL : malloc(size);
}

/* A little-endian TIFF of one strip claiming w x h, spp samples of 8 bits,
 * with that compression and 16 bytes of data: under 200 bytes. */
static size_t tiny_tiff(uint8_t *buf, uint32_t w, uint32_t h, uint16_t spp, uint16_t compression)
{
        const struct {
                uint16_t tag, type;
                uint32_t value;
        } e[] = {
                { TIFFTAG_IMAGEWIDTH, TIFF_LONG, w },
                { TIFFTAG_IMAGELENGTH, TIFF_LONG, h },
                { TIFFTAG_BITSPERSAMPLE, TIFF_SHORT, 8 },
                { TIFFTAG_COMPRESSION, TIFF_SHORT, compression },
                { TIFFTAG_PHOTOMETRIC, TIFF_SHORT, spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK },
                { TIFFTAG_STRIPOFFSETS, TIFF_LONG, 0 }, /* the data, after the IFD */
                { TIFFTAG_SAMPLESPERPIXEL, TIFF_SHORT, spp },
                { TIFFTAG_ROWSPERSTRIP, TIFF_LONG, h },
                { TIFFTAG_STRIPBYTECOUNTS, TIFF_LONG, 16 },
        };
        size_t n = ELEMENTSOF(e), data = 8 + 2 + 12 * n + 4;
        uint8_t *p = buf + 10;

        memcpy(buf, "II*\0\x08\0\0\0", 8);
        buf[8] = (uint8_t) n, buf[9] = 0;
        for (size_t i = 0; i < n; i++, p += 12) {
                uint32_t v = e[i].tag == TIFFTAG_STRIPOFFSETS ? (uint32_t) data : e[i].value;

                p[0] = (uint8_t) e[i].tag, p[1] = (uint8_t) (e[i].tag >> 8);
                p[2] = (uint8_t) e[i].type, p[3] = 0;
                p[4] = 1, p[5] = p[6] = p[7] = 0;
                /* One SHORT sits in the first two bytes, a LONG in all four. */
                p[8] = (uint8_t) v, p[9] = (uint8_t) (v >> 8), p[10] = (uint8_t) (v >> 16),
                p[11] = (uint8_t) (v >> 24);
                if (e[i].tag == TIFFTAG_BITSPERSAMPLE && spp > 1) {
                        /* spp SHORTs of 8 do not fit in 4 bytes with 3: after the data. */
                        uint32_t off = (uint32_t) data + 16;

                        p[4] = (uint8_t) spp;
                        p[8] = (uint8_t) off, p[9] = (uint8_t) (off >> 8), p[10] = p[11] = 0;
                        for (uint16_t s = 0; s < spp; s++)
                                buf[off + 2u * s] = 8, buf[off + 2u * s + 1] = 0;
                }
        }
        memset(p, 0, 4); /* no next IFD */
        memset(buf + data, 0x5a, 16);
        return data + 16 + 2u * spp;
}

/* A file of 150 bytes whose header says 14000 x 14000 (196 Mpx, inside the
 * default limit of 200 Mpx) in a compression that cannot fit that in 150
 * bytes is refused from its header and length, before Leptonica allocates
 * and clears 784 MB (RGB) to find out that the data is missing. The
 * compressions without such a bound are left to the pixel limits. */
static void test_tiny_file_huge_header(void)
{
        static const struct {
                const char *name;
                uint16_t spp, compression;
        } cases[] = {
                { "rgb none", 3, COMPRESSION_NONE },
                { "grey none", 1, COMPRESSION_NONE },
                { "rgb packbits", 3, COMPRESSION_PACKBITS },
                { "rgb lzw", 3, COMPRESSION_LZW },
                { "grey deflate", 1, COMPRESSION_ADOBE_DEFLATE },
                { "rgb zstd", 3, COMPRESSION_ZSTD },
        };
        uint8_t buf[256], hdr[64];
        DecodeInfo info = { 0 };
        const char *why = NULL;
        PIX *pix = NULL;
        size_t len;
        int r;

        setPixMemoryManager(pix_alloc_watched, free);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char what[64];

                memset(buf, 0, sizeof(buf));
                len = tiny_tiff(buf, 14000, 14000, cases[i].spp, cases[i].compression);
                snprintf(what, sizeof(what), "%zu-byte tiff %s of 14000x14000", len, cases[i].name);
                pix_largest = 0;
                r = decode(buf, len, &pix, &info, &why);
                CHECK(r == -EBADMSG, "%s: decode returned %d", what, r);
                CHECK(pix == NULL, "%s: a PIX", what);
                if (cases[i].compression != COMPRESSION_ZSTD) {
                        CHECK(why && strstr(why, "too small to hold"), "%s refused as: %s", what,
                              why ? why : "");
                        CHECK(pix_largest < ((size_t) 1 << 20), "%s: a pixel buffer of %zu bytes asked for",
                              what, pix_largest);
                }
                pixDestroy(&pix);
        }
        /* A PNG of an IHDR only: its zlib stream holds at most 1032 bytes a byte. */
        r = decode(hdr, png_header(hdr, 14000, 14000), &pix, &info, &why);
        CHECK(r == -EBADMSG && why && strstr(why, "too small to hold"), "png header of 14000x14000: %d %s",
              r, why ? why : "");
        pixDestroy(&pix);
        setPixMemoryManager(malloc, free);
}

/* The bound is never short of a real file: blank pages, the best case of
 * every compression it bounds, decode. */
static void test_blank_pages_decode(void)
{
        static const uint16_t comps[] = { COMPRESSION_NONE, COMPRESSION_PACKBITS, COMPRESSION_LZW,
                                          COMPRESSION_ADOBE_DEFLATE };
        PIX *blank = pixCreate(4000, 4000, 8), *bw = pixCreate(4000, 4000, 1), *pix = NULL;
        DecodeInfo info = { 0 };
        const char *why = NULL;
        l_uint8 *png = NULL;
        size_t len = 0;

        pixSetResolution(blank, 300, 300);
        pixSetResolution(bw, 300, 300);
        for (size_t i = 0; i < ELEMENTSOF(comps); i++)
                for (int d = 0; d < 2; d++) {
                        uint8_t *data = libtiff_write(d ? bw : blank, comps[i], i % 2 == 1, &len);

                        CHECK(decode(data, len, &pix, &info, &why) == 0,
                              "blank tiff %u, %d bpp, %zu bytes: %s", comps[i], d ? 1 : 8, len,
                              why ? why : "");
                        pixDestroy(&pix);
                        free(data);
                }
        for (int d = 0; d < 2; d++) {
                CHECK(pixWriteMemPng(&png, &len, d ? bw : blank, 0) == 0, "png write");
                CHECK(decode(png, len, &pix, &info, &why) == 0, "blank png, %d bpp, %zu bytes: %s",
                      d ? 1 : 8, len, why ? why : "");
                pixDestroy(&pix);
                free(png);
        }
        pixDestroy(&blank);
        pixDestroy(&bw);
}

static void test_no_dpi(void)
{
        PIX *grey = make_pix(8), *pix = NULL;
        l_uint8 *data = NULL;
        size_t len = 0;
        DecodeInfo info = { 0 };
        const char *why;

        CHECK(pixWriteMemPng(&data, &len, grey, 0) == 0, "png write");
        /* Take out the pHYs chunk (length, type, 9 bytes, CRC): a file without a dpi. */
        for (size_t i = 12; i + 17 < len; i++)
                if (memcmp(data + i, "pHYs", 4) == 0) {
                        memmove(data + i - 4, data + i + 17, len - (i + 17));
                        len -= 21;
                        break;
                }
        CHECK(decode(data, len, &pix, &info, &why) == 0, "png without dpi decodes");
        CHECK(info.dpi == 0, "dpi of a file without one: %d", info.dpi);
        free(data);
        pixDestroy(&pix);
        pixDestroy(&grey);
}

/* The offset of the first IFD entry with tag in a little-endian TIFF
 * (libtiff writes the machine's order), or 0. */
static size_t tiff_entry(const uint8_t *d, size_t len, uint16_t tag)
{
        uint32_t ifd = (uint32_t) d[4] | (uint32_t) d[5] << 8 | (uint32_t) d[6] << 16 |
                       (uint32_t) d[7] << 24;
        uint16_t n;

        if (d[0] != 'I' || ifd + 2 > len)
                return 0;
        n = (uint16_t) (d[ifd] | d[ifd + 1] << 8);
        for (size_t e = ifd + 2; e + 12 <= len && e < ifd + 2 + 12u * n; e += 12)
                if ((uint16_t) (d[e] | d[e + 1] << 8) == tag)
                        return e;
        return 0;
}

/* Resolutions no scanner has, from a damaged or hostile file: a tiled TIFF
 * of 4.3e9 dpi (a float that no int holds, converted by decode.c itself)
 * and a PNG of 2^31-1 pixels per metre (54 million dpi, from Leptonica).
 * Both decode, as pages that do not say their resolution. */
static void test_absurd_dpi(void)
{
        PIX *grey = make_pix(8), *pix = NULL;
        l_uint8 *png = NULL;
        uint8_t *tiff;
        size_t len = 0, e, off;
        DecodeInfo info = { 0 };
        const char *why;

        tiff = libtiff_write(grey, COMPRESSION_LZW, true, &len);
        e = tiff_entry(tiff, len, TIFFTAG_XRESOLUTION);
        CHECK(e > 0, "no XResolution entry");
        off = (size_t) tiff[e + 8] | (size_t) tiff[e + 9] << 8 | (size_t) tiff[e + 10] << 16 |
              (size_t) tiff[e + 11] << 24;
        CHECK(off + 8 <= len, "XResolution outside the file");
        memcpy(tiff + off, "\xff\xff\xff\xff\x01\x00\x00\x00", 8); /* 4294967295 / 1 */
        CHECK(decode(tiff, len, &pix, &info, &why) == 0, "tiled tiff of 4.3e9 dpi decodes: %s", why);
        CHECK(info.dpi == 0, "dpi of a tiled tiff of 4.3e9 dpi: %d", info.dpi);
        pixDestroy(&pix);
        free(tiff);

        CHECK(pixWriteMemPng(&png, &len, grey, 0) == 0, "png write");
        for (size_t i = 12; i + 17 <= len; i++)
                if (memcmp(png + i, "pHYs", 4) == 0) {
                        uLong crc;
                        memcpy(png + i + 4, "\x7f\xff\xff\xff\x7f\xff\xff\xff\x01", 9);
                        crc = crc32(0, png + i, 13);
                        png[i + 13] = (uint8_t) (crc >> 24), png[i + 14] = (uint8_t) (crc >> 16);
                        png[i + 15] = (uint8_t) (crc >> 8), png[i + 16] = (uint8_t) crc;
                        break;
                }
        CHECK(decode(png, len, &pix, &info, &why) == 0, "png of 54e6 dpi decodes: %s", why);
        CHECK(info.dpi == 0, "dpi of a png of 54e6 dpi: %d", info.dpi);
        pixDestroy(&pix);
        free(png);
        pixDestroy(&grey);
}

/* The capture station's own colour TIFF (daemon/encode.c, JPEG q90) with
 * full chroma, as it now sends: read, and a 2 px red stroke (a signature,
 * a seal's glyph) is still red; with 2x2 chroma it keeps less of its red. */
static int station_redness(unsigned subsampling)
{
        Image img = { .width = 256, .height = 64, .channels = 3, .depth = 8, .stride = 256 * 3, .dpi = 300 };
        uint8_t *buf = NULL;
        size_t len = 0;
        PIX *pix = NULL;
        DecodeInfo info;
        const char *why;
        l_int32 r = 0, g = 0, b = 0;
        int redness = -1;

        img.data = malloc(img.stride * img.height);
        CHECK(img.data, "out of memory");
        for (uint32_t y = 0; y < img.height; y++)
                for (uint32_t x = 0; x < img.width; x++) {
                        uint8_t *p = img.data + y * img.stride + x * 3;
                        bool ink = y == 31 || y == 32;

                        p[0] = ink ? 196 : 247;
                        p[1] = ink ? 28 : 247;
                        p[2] = ink ? 36 : 244;
                }
        CHECK(encode_tiff(&img, ENCODING_JPEG, 90, subsampling, &buf, &len) == 0, "encode %u", subsampling);
        CHECK(decode(buf, len, &pix, &info, &why) == 0, "the station's TIFF (%u) does not decode: %s",
              subsampling, why ? why : "?");
        if (pix) {
                CHECK(info.dpi == 300 && pixGetDepth(pix) == 32, "dpi %d depth %d", info.dpi,
                      pixGetDepth(pix));
                pixGetRGBPixel(pix, 128, 31, &r, &g, &b);
                redness = r - (g > b ? g : b);
        }
        pixDestroy(&pix);
        free(buf);
        free(img.data);
        return redness;
}

static void test_station_chroma(void)
{
        int full = station_redness(1), half = station_redness(2);

        CHECK(full > 120, "4:4:4 keeps the 2 px stroke red: redness %d of 160", full);
        CHECK(half < full, "4:2:0 keeps less red (%d) than 4:4:4 (%d)", half, full);
}

int main(void)
{
        decode_init();
        test_station_chroma();
        test_leptonica_formats();
        test_libtiff_formats();
        test_broken();
        test_tiny_file_huge_header();
        test_blank_pages_decode();
        test_no_dpi();
        test_absurd_dpi();
        if (failures) {
                fprintf(stderr, "%d failure(s)\n", failures);
                return 1;
        }
        printf("ok\n");
        return 0;
}
