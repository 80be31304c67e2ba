/* Page decoding: header check against the size limits first (a hostile or
 * broken header must not make us allocate gigabytes), and against the
 * file's length where the compression bounds it, then Leptonica's
 * reader, then normalization to 1, 8 or 32 bpp without colour map or alpha
 * so that every later step sees only those three depths. */
#include <errno.h>
#include <string.h>

#include <tiffio.h>

#include "decode.h"

#define DEFAULT_MAX_SIDE 30000u
#define DEFAULT_MAX_PIXELS (200ull * 1000 * 1000)

void decode_init(void)
{
        setMsgSeverity(L_SEVERITY_NONE);
        /* libtiff's handlers print to stderr too; errors still fail the read. */
        TIFFSetWarningHandler(NULL);
        TIFFSetErrorHandler(NULL);
}

const char *decode_kind_to_string(DecodeKind k)
{
        static const char *const names[_DECODE_KIND_MAX] = {
                [DECODE_BILEVEL] = "bilevel",
                [DECODE_GREY] = "grey",
                [DECODE_COLOUR] = "colour",
        };
        if (k < 0 || k >= _DECODE_KIND_MAX)
                return NULL;
        return names[k];
}

static int decode_check_header(const uint8_t *data, size_t len, const DecodeLimits *lim, int *ret_format,
                               const char **ret_reason)
{
        uint64_t max_side = lim && lim->max_side ? lim->max_side : DEFAULT_MAX_SIDE;
        uint64_t max_pixels = lim && lim->max_pixels ? lim->max_pixels : DEFAULT_MAX_PIXELS;
        l_int32 format = IFF_UNKNOWN, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;

        if (len < 12) {
                *ret_reason = "image is empty or shorter than any image header";
                return -EBADMSG;
        }
        if (findFileFormatBuffer(data, &format) != 0 || format == IFF_UNKNOWN) {
                *ret_reason = "not a TIFF, PNG or JPEG image";
                return -EPROTONOSUPPORT;
        }
        if (format != IFF_PNG && format != IFF_JFIF_JPEG && !L_FORMAT_IS_TIFF(format)) {
                *ret_reason = "image format is not TIFF, PNG or JPEG";
                return -EPROTONOSUPPORT;
        }
        if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &iscmap) != 0) {
                *ret_reason = "image header is truncated or corrupt";
                return -EBADMSG;
        }
        if (w <= 0 || h <= 0) {
                *ret_reason = "image header gives no size";
                return -EBADMSG;
        }
        if ((uint64_t) w > max_side || (uint64_t) h > max_side || (uint64_t) w * (uint64_t) h > max_pixels) {
                *ret_reason = "image is larger than the configured limit";
                return -E2BIG;
        }
        *ret_format = format;
        return 0;
}

/* Whether a 32 bpp page shows colour, or is grey stored as RGB: a scanner in
 * colour mode sends grey-looking forms as RGB, which store and OCR as grey. */
static DecodeKind decode_kind_of(PIX *pix)
{
        l_float32 pixfract = 0, colorfract = 0;

        switch (pixGetDepth(pix)) {
        case 1:
                return DECODE_BILEVEL;
        case 8:
                return DECODE_GREY;
        default:
                break;
        }
        if (pixColorFraction(pix, 40, 230, 30, 4, &pixfract, &colorfract) != 0)
                return DECODE_COLOUR;
        /* At least 0.1% of the page's pixels clearly coloured. */
        return pixfract * colorfract > 0.001f ? DECODE_COLOUR : DECODE_GREY;
}

/* Leptonica 1.82 reads TIFF strips only; tiled TIFFs (some archive and
 * large-format scanners write them) go through libtiff's RGBA reader on the
 * memory buffer, and are then brought back to 1 or 8 bpp when they were. */
typedef struct MemTiff {
        const uint8_t *data;
        size_t len;
        toff_t off;
} MemTiff;

static tsize_t memtiff_read(thandle_t h, tdata_t buf, tsize_t n)
{
        MemTiff *m = h;
        size_t k = m->off >= m->len ? 0 : MIN((size_t) n, m->len - (size_t) m->off);

        memcpy(buf, m->data + m->off, k);
        m->off += k;
        return (tsize_t) k;
}

static tsize_t memtiff_write(thandle_t h, tdata_t buf, tsize_t n)
{
        return -1;
}

static toff_t memtiff_seek(thandle_t h, toff_t off, int whence)
{
        MemTiff *m = h;
        toff_t base = whence == SEEK_CUR ? m->off : whence == SEEK_END ? m->len : 0;

        m->off = base + off;
        return m->off;
}

static int memtiff_close(thandle_t h)
{
        return 0;
}

static toff_t memtiff_size(thandle_t h)
{
        return ((MemTiff *) h)->len;
}

static int memtiff_map(thandle_t h, tdata_t *base, toff_t *size)
{
        return 0;
}

static void memtiff_unmap(thandle_t h, tdata_t base, toff_t size)
{
}

static PIX *decode_tiff_tiled(const uint8_t *data, size_t len)
{
        MemTiff m = { .data = data, .len = len };
        uint32_t w = 0, h = 0;
        uint16_t spp = 1, bps = 1;
        float xres = 0;
        PIX *rgba = NULL, *out = NULL;
        TIFF *t;

        t = TIFFClientOpen("page", "rm", &m, memtiff_read, memtiff_write, memtiff_seek, memtiff_close,
                           memtiff_size, memtiff_map, memtiff_unmap);
        if (!t)
                return NULL;
        if (!TIFFIsTiled(t) || !TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) ||
            !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h) || w == 0 || h == 0)
                goto out;
        TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
        TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
        rgba = pixCreate((l_int32) w, (l_int32) h, 32);
        if (!rgba)
                goto out;
        /* ABGR words from libtiff; Leptonica's RGBA words differ: fixed below. */
        if (!TIFFReadRGBAImageOriented(t, w, h, pixGetData(rgba), ORIENTATION_TOPLEFT, 0))
                goto out;
        for (l_uint32 *p = pixGetData(rgba), *e = p + (size_t) w * h; p < e; p++)
                composeRGBPixel((l_int32) TIFFGetR(*p), (l_int32) TIFFGetG(*p), (l_int32) TIFFGetB(*p), p);
        if (spp == 1 && bps == 1)
                out = pixConvertTo1(rgba, 128);
        else if (spp == 1)
                out = pixConvertRGBToLuminance(rgba);
        else
                out = pixClone(rgba);
        if (out && TIFFGetField(t, TIFFTAG_XRESOLUTION, &xres) && xres > 0) {
                uint16_t unit = RESUNIT_INCH;
                TIFFGetFieldDefaulted(t, TIFFTAG_RESOLUTIONUNIT, &unit);
                if (unit == RESUNIT_CENTIMETER)
                        xres *= 2.54f;
                /* Checked before the conversion: a float past INT_MAX has
                 * no int to become. */
                if (xres <= DECODE_DPI_MAX)
                        pixSetResolution(out, (l_int32) (xres + 0.5f), (l_int32) (xres + 0.5f));
        }
out:
        pixDestroy(&rgba);
        TIFFClose(t);
        return out;
}

/* The most bytes of samples one byte of data can hold, for the
 * compressions that bound it; 0 for those that do not (CCITT, JPEG, zstd
 * ...: a blank page costs them next to nothing). PackBits: a run of 128
 * in 2 bytes. Deflate (PNG, TIFF): a match of 258 bytes in 2 bits at
 * best. TIFF's LZW: between two Clear codes at most 3838 codes of 9 bits
 * or more, the j-th at most j bytes long: 7.37 MB in 5.4 kB, under 1400. */
static uint64_t decode_ratio_max(uint16_t tiff_compression)
{
        switch (tiff_compression) {
        case COMPRESSION_NONE:
                return 1;
        case COMPRESSION_PACKBITS:
                return 64;
        case COMPRESSION_ADOBE_DEFLATE:
        case COMPRESSION_DEFLATE:
                return 1032;
        case COMPRESSION_LZW:
                return 1400;
        default:
                return 0;
        }
}

/* The fewest bytes of samples the first page's header states (rows times
 * whole bytes a row; a YCbCr page may subsample its two chroma samples, so
 * only the first counts) and the most a byte of its data can hold, read
 * with libtiff: Leptonica's IFF_TIFF is also every compression it does not
 * know. Both 0 when libtiff cannot read the header. */
static void decode_tiff_need(const uint8_t *data, size_t len, uint64_t *ret_bytes, uint64_t *ret_ratio)
{
        MemTiff m = { .data = data, .len = len };
        uint32_t w = 0, h = 0;
        uint16_t comp = COMPRESSION_NONE, photo = 0, spp = 1, bps = 1;
        TIFF *t;

        *ret_bytes = *ret_ratio = 0;
        t = TIFFClientOpen("page", "rm", &m, memtiff_read, memtiff_write, memtiff_seek, memtiff_close,
                           memtiff_size, memtiff_map, memtiff_unmap);
        if (!t)
                return;
        if (TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) && TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h)) {
                TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
                TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
                TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
                if (TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo) && photo == PHOTOMETRIC_YCBCR)
                        spp = 1;
                /* w (at most max_side) * 2^32 fits; a hostile h times that may not. */
                if (__builtin_mul_overflow((uint64_t) h, (uint64_t) w * bps * spp / 8, ret_bytes))
                        *ret_bytes = UINT64_MAX;
                *ret_ratio = decode_ratio_max(comp);
        }
        TIFFClose(t);
}

/* A file too small to hold the pixels its header states, in a compression
 * that bounds how much a byte holds, is refused before the reader
 * allocates (and clears) the whole image to find its data missing: 150
 * bytes saying 14000 x 14000 RGB would cost 784 MB. */
static int decode_check_length(const uint8_t *data, size_t len, int format, const char **ret_reason)
{
        l_int32 w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
        uint64_t need = 0, ratio = 0;

        if (L_FORMAT_IS_TIFF(format))
                decode_tiff_need(data, len, &need, &ratio);
        else if (format == IFF_PNG && readHeaderMemPng(data, len, &w, &h, &bps, &spp, &iscmap) == 0) {
                /* Each row: a filter byte, then its samples. */
                need = (uint64_t) h * (1 + ((uint64_t) w * (uint64_t) bps * (uint64_t) spp + 7) / 8);
                ratio = 1032;
        }
        if (ratio == 0 || need / ratio <= len)
                return 0;
        *ret_reason = "image file is too small to hold the pixels its header states";
        return -EBADMSG;
}

/* Bring any decoded PIX to 1, 8 or 32 bpp, no colour map, no alpha.
 * Takes ownership of pix; returns a new PIX or NULL. */
static PIX *decode_normalize(PIX *pix)
{
        PIX *t = NULL;

        if (pixGetColormap(pix)) {
                t = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
                pixDestroy(&pix);
                if (!t)
                        return NULL;
                pix = t;
        }
        if (pixGetDepth(pix) == 32 && pixGetSpp(pix) == 4) {
                t = pixRemoveAlpha(pix);
                pixDestroy(&pix);
                if (!t)
                        return NULL;
                pix = t;
                pixSetSpp(pix, 3);
        }
        switch (pixGetDepth(pix)) {
        case 1:
        case 8:
        case 32:
                return pix;
        case 16:
                t = pixConvert16To8(pix, L_MS_BYTE);
                break;
        default: /* 2, 4 bpp grey; 24 bpp is read as 32 by Leptonica */
                t = pixConvertTo8(pix, 0);
                break;
        }
        if (t)
                pixCopyResolution(t, pix);
        pixDestroy(&pix);
        return t;
}

int decode_image(const uint8_t *data, size_t len, const DecodeLimits *lim, PIX **ret_pix,
                 DecodeInfo *ret_info, const char **ret_reason)
{
        const char *reason = NULL;
        PIX *pix = NULL;
        int format = IFF_UNKNOWN, r;

        if (!data)
                len = 0;
        r = decode_check_header(data, len, lim, &format, &reason);
        if (r < 0)
                goto out;
        r = decode_check_length(data, len, format, &reason);
        if (r < 0)
                goto out;

        if (format == IFF_JFIF_JPEG)
                /* Hint 0: fail on corrupt or truncated data, never a grey-filled page. */
                pix = pixReadMemJpeg(data, len, 0, 1, NULL, 0);
        else
                pix = pixReadMem(data, len);
        if (!pix && L_FORMAT_IS_TIFF(format))
                pix = decode_tiff_tiled(data, len);
        if (!pix) {
                reason = "image data is truncated or corrupt";
                r = -EBADMSG;
                goto out;
        }
        pix = decode_normalize(pix);
        if (!pix) {
                reason = "image has a pixel layout that cannot be converted";
                r = -EBADMSG;
                goto out;
        }

        *ret_info = (DecodeInfo) {
                .width = pixGetWidth(pix),
                .height = pixGetHeight(pix),
                .depth = pixGetDepth(pix),
                .dpi = pixGetXRes(pix) > 0 && pixGetXRes(pix) <= DECODE_DPI_MAX ? pixGetXRes(pix) : 0,
                .format = format,
                .kind = decode_kind_of(pix),
        };
        *ret_pix = pix;
        pix = NULL;
        r = 0;
out:
        pixDestroy(&pix);
        if (r < 0 && ret_reason)
                *ret_reason = reason;
        return r;
}
