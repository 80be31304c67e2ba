/* Writes the seed corpora of the image fuzzers: small TIFFs (strips and
 * tiles, every compression a scanner or an archive uses, 1 to 16 bits,
 * palette, several pages, both resolution units) for fuzz-tiffpage and
 * fuzz-decode, and PNGs and JPEGs (their resolutions at the edges too) for
 * fuzz-decode and fuzz-imgprobe. Run once by hand; its output is committed:
 *   fuzz-image-corpus-gen tests/fuzz/corpus-tiffpage tests/fuzz/corpus-decode tests/fuzz/corpus-imgprobe */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <allheaders.h>
#include <tiffio.h>
#include <zlib.h>

#define W 64 /* a multiple of the tile width: tiles are whole across */
#define H 48

typedef struct TiffSeed {
        const char *name;
        uint16_t spp, bps, photometric, compression;
        bool tiled;
        unsigned pages;
        uint16_t resunit; /* 0: no resolution */
} TiffSeed;

static const TiffSeed tiff_seeds[] = {
        { "tiff-g4-bilevel", 1, 1, PHOTOMETRIC_MINISWHITE, COMPRESSION_CCITTFAX4, false, 1, RESUNIT_INCH },
        { "tiff-g3-bilevel", 1, 1, PHOTOMETRIC_MINISWHITE, COMPRESSION_CCITTFAX3, false, 1, RESUNIT_INCH },
        { "tiff-none-grey", 1, 8, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE, false, 1, RESUNIT_CENTIMETER },
        { "tiff-lzw-grey-2pages", 1, 8, PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW, false, 2, RESUNIT_INCH },
        { "tiff-deflate-rgb", 3, 8, PHOTOMETRIC_RGB, COMPRESSION_ADOBE_DEFLATE, false, 1, RESUNIT_INCH },
        { "tiff-packbits-grey4", 1, 4, PHOTOMETRIC_MINISBLACK, COMPRESSION_PACKBITS, false, 1, 0 },
        { "tiff-jpeg-ycbcr", 3, 8, PHOTOMETRIC_YCBCR, COMPRESSION_JPEG, false, 1, RESUNIT_INCH },
        { "tiff-none-grey16", 1, 16, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE, false, 1, RESUNIT_INCH },
        { "tiff-lzw-palette", 1, 8, PHOTOMETRIC_PALETTE, COMPRESSION_LZW, false, 1, RESUNIT_INCH },
        { "tiff-none-rgba", 4, 8, PHOTOMETRIC_RGB, COMPRESSION_NONE, false, 1, RESUNIT_INCH },
        { "tiff-tiled-lzw-rgb", 3, 8, PHOTOMETRIC_RGB, COMPRESSION_LZW, true, 1, RESUNIT_INCH },
        { "tiff-tiled-g4-bilevel", 1, 1, PHOTOMETRIC_MINISWHITE, COMPRESSION_CCITTFAX4, true, 1,
          RESUNIT_INCH },
        { "tiff-tiled-jpeg-grey-3pages", 1, 8, PHOTOMETRIC_MINISBLACK, COMPRESSION_JPEG, true, 3,
          RESUNIT_INCH },
        { "tiff-zstd-grey", 1, 8, PHOTOMETRIC_MINISBLACK, COMPRESSION_ZSTD, false, 1, RESUNIT_INCH },
};

/* A page-like pattern: a ramp with dark bars. */
static unsigned sample(unsigned x, unsigned y, unsigned s, unsigned page)
{
        unsigned v = 120 + (x * 2 + s * 40 + page * 30) % 130;

        if ((y / 6) % 3 == 0 && (x / 5) % 4 != 0)
                v = 20 + s * 10;
        return v;
}

static void pack_row(const TiffSeed *t, unsigned y, unsigned page, uint8_t *row, size_t row_len)
{
        memset(row, 0, row_len);
        for (unsigned x = 0; x < W; x++)
                for (unsigned s = 0; s < t->spp; s++) {
                        unsigned v = sample(x, y, s, page), i = x * t->spp + s;

                        switch (t->bps) {
                        case 1:
                                if (v < 100)
                                        row[i / 8] |= (uint8_t) (0x80 >> (i % 8));
                                break;
                        case 4:
                                row[i / 2] |= (uint8_t) ((v >> 4) << (i % 2 ? 0 : 4));
                                break;
                        case 16:
                                row[2 * i] = (uint8_t) v;
                                row[2 * i + 1] = (uint8_t) (v ^ x);
                                break;
                        default:
                                row[i] = (uint8_t) v;
                                break;
                        }
                }
}

static int write_tiff_page(TIFF *tif, const TiffSeed *t, unsigned page)
{
        tmsize_t row_len = ((tmsize_t) W * t->spp * t->bps + 7) / 8;
        uint8_t *row = malloc((size_t) row_len * H);
        int r = 0;

        if (!row)
                return -ENOMEM;
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t) W);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t) H);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, t->spp);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, t->bps);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, t->photometric);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, t->compression);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        if (t->spp == 4) {
                uint16_t extra = EXTRASAMPLE_UNASSALPHA;
                TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
        }
        if (t->photometric == PHOTOMETRIC_PALETTE) {
                static uint16_t red[256], green[256], blue[256];
                for (unsigned i = 0; i < 256; i++) {
                        red[i] = (uint16_t) (i * 257);
                        green[i] = (uint16_t) ((255 - i) * 257);
                        blue[i] = (uint16_t) ((i * 7 % 256) * 257);
                }
                TIFFSetField(tif, TIFFTAG_COLORMAP, red, green, blue);
        }
        if (t->compression == COMPRESSION_JPEG) {
                TIFFSetField(tif, TIFFTAG_JPEGQUALITY, 60);
                if (t->photometric == PHOTOMETRIC_YCBCR)
                        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        }
        if (t->resunit) {
                float res = t->resunit == RESUNIT_INCH ? 300.0f : 118.11f;
                TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, t->resunit);
                TIFFSetField(tif, TIFFTAG_XRESOLUTION, res);
                TIFFSetField(tif, TIFFTAG_YRESOLUTION, res);
        }
        if (t->pages > 1) {
                TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
                TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t) page, (uint16_t) t->pages);
        }
        for (unsigned y = 0; y < H; y++)
                pack_row(t, y, page, row + (size_t) row_len * y, (size_t) row_len);
        if (t->tiled) {
                uint32_t tw = 32, th = 32;
                tmsize_t tile_row = ((tmsize_t) tw * t->spp * t->bps + 7) / 8;
                uint8_t *tile = malloc((size_t) tile_row * th);

                TIFFSetField(tif, TIFFTAG_TILEWIDTH, tw);
                TIFFSetField(tif, TIFFTAG_TILELENGTH, th);
                for (uint32_t ty = 0; tile && ty < H && r == 0; ty += th)
                        for (uint32_t tx = 0; tx < W && r == 0; tx += tw) {
                                memset(tile, 0, (size_t) tile_row * th);
                                for (uint32_t y = 0; y < th && ty + y < H; y++)
                                        memcpy(tile + (size_t) tile_row * y,
                                               row + (size_t) row_len * (ty + y) +
                                                       (size_t) tile_row * (tx / tw),
                                               (size_t) tile_row);
                                if (TIFFWriteTile(tif, tile, tx, ty, 0, 0) < 0)
                                        r = -EIO;
                        }
                if (!tile)
                        r = -ENOMEM;
                free(tile);
        } else {
                TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t) 16);
                for (unsigned y = 0; y < H && r == 0; y++)
                        if (TIFFWriteScanline(tif, row + (size_t) row_len * y, y, 0) < 0)
                                r = -EIO;
        }
        if (r == 0 && !TIFFWriteDirectory(tif))
                r = -EIO;
        free(row);
        return r;
}

static int write_tiff(const char *dir, const TiffSeed *t)
{
        char path[4096];
        TIFF *tif;
        int r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, t->name);
        tif = TIFFOpen(path, "w");
        if (!tif)
                return -EIO;
        for (unsigned p = 0; p < t->pages && r == 0; p++)
                r = write_tiff_page(tif, t, p);
        TIFFClose(tif);
        return r;
}

static PIX *make_pix(int depth)
{
        PIX *pix = pixCreate(W, H, 32), *out;

        for (unsigned y = 0; y < H; y++)
                for (unsigned x = 0; x < W; x++) {
                        l_uint32 v;
                        composeRGBPixel((l_int32) sample(x, y, 0, 0), (l_int32) sample(x, y, 1, 0),
                                        (l_int32) sample(x, y, 2, 0), &v);
                        pixSetPixel(pix, (l_int32) x, (l_int32) y, v);
                }
        pixSetResolution(pix, 300, 300);
        if (depth == 32)
                return pix;
        out = pixConvertRGBToLuminance(pix);
        pixDestroy(&pix);
        if (depth == 1) {
                pix = pixThresholdToBinary(out, 100);
                pixDestroy(&out);
                out = pix;
        } else if (depth == 2 || depth == 4) {
                pix = depth == 2 ? pixThresholdTo2bpp(out, 4, 0) : pixThresholdTo4bpp(out, 16, 0);
                pixDestroy(&out);
                out = pix;
        } else if (depth == -8) { /* 8 bpp with a colour map */
                pix = pixConvertGrayToColormap(out);
                pixDestroy(&out);
                out = pix;
        }
        pixSetResolution(out, 300, 300);
        return out;
}

static int write_mem(const char *dir, const char *name, const l_uint8 *data, size_t size)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f)
                return -errno;
        fwrite(data, 1, size, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* Resolutions no scanner has: a PNG's pHYs of 16921112 pixels per metre
 * (429796 dpi, which 32-bit arithmetic wraps to 300), a JPEG's JFIF density
 * of 65535 dots per cm, the largest it can state. */
static void resolution_at_edge(l_uint8 *data, size_t size, int format)
{
        for (size_t i = 0; format == IFF_PNG && i + 17 <= size; i++)
                if (memcmp(data + i, "pHYs", 4) == 0) {
                        uLong crc;

                        memcpy(data + i + 4, "\x01\x02\x32\x18\x01\x02\x32\x18\x01", 9);
                        crc = crc32(0, data + i, 13);
                        for (int k = 0; k < 4; k++)
                                data[i + 13 + k] = (uint8_t) (crc >> (24 - 8 * k));
                        return;
                }
        for (size_t i = 0; format == IFF_JFIF_JPEG && i + 12 <= size; i++)
                if (memcmp(data + i, "JFIF", 5) == 0) {
                        memcpy(data + i + 7, "\x02\xff\xff\xff\xff", 5); /* unit cm, X, Y */
                        return;
                }
}

static int write_pix(const char *const *dirs, const char *name, int depth, int format, int progressive)
{
        PIX *pix = make_pix(depth), *rgba = NULL;
        l_uint8 *data = NULL;
        size_t size = 0;
        int r;

        if (!pix)
                return -ENOMEM;
        if (depth == 32 && format == IFF_PNG && progressive) /* "progressive" here: with alpha */
                rgba = pixSetAlphaOverWhite(pix);
        if (format == IFF_JFIF_JPEG)
                r = pixWriteMemJpeg(&data, &size, pix, 75, progressive);
        else
                r = pixWriteMem(&data, &size, rgba ? rgba : pix, format);
        if (r == 0 && strstr(name, "dpi-edge"))
                resolution_at_edge(data, size, format);
        for (const char *const *d = dirs; r == 0 && *d; d++)
                r = write_mem(*d, name, data, size);
        r = r == 0 ? 0 : r > 0 ? -EIO : r;
        lept_free(data);
        pixDestroy(&rgba);
        pixDestroy(&pix);
        return r;
}

int main(int argc, char *argv[])
{
        int r = 0;

        if (argc != 4) {
                fprintf(stderr, "usage: %s TIFFPAGE_CORPUS DECODE_CORPUS IMGPROBE_CORPUS\n", argv[0]);
                return EXIT_FAILURE;
        }
        const char *const both[] = { argv[2], argv[3], NULL };
        for (size_t i = 0; i < sizeof(tiff_seeds) / sizeof(tiff_seeds[0]) && r == 0; i++) {
                r = write_tiff(argv[1], &tiff_seeds[i]);
                r = r ?: write_tiff(argv[2], &tiff_seeds[i]);
        }
        r = r ?: write_pix(both, "png-bilevel", 1, IFF_PNG, 0);
        r = r ?: write_pix(both, "png-grey2", 2, IFF_PNG, 0);
        r = r ?: write_pix(both, "png-grey", 8, IFF_PNG, 0);
        r = r ?: write_pix(both, "png-palette", -8, IFF_PNG, 0);
        r = r ?: write_pix(both, "png-rgb", 32, IFF_PNG, 0);
        r = r ?: write_pix(both, "png-rgba", 32, IFF_PNG, 1);
        r = r ?: write_pix(both, "jpeg-grey", 8, IFF_JFIF_JPEG, 0);
        r = r ?: write_pix(both, "jpeg-rgb", 32, IFF_JFIF_JPEG, 0);
        r = r ?: write_pix(both, "jpeg-rgb-progressive", 32, IFF_JFIF_JPEG, 1);
        r = r ?: write_pix(both, "png-grey-dpi-edge", 8, IFF_PNG, 0);
        r = r ?: write_pix(both, "jpeg-grey-dpi-edge", 8, IFF_JFIF_JPEG, 0);
        if (r < 0) {
                fprintf(stderr, "fuzz-image-corpus-gen: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
