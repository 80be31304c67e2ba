/* Splitting a multi-page TIFF with libtiff (see tiffpage.h): the page's
 * directory is read, a new one-page TIFF is written to a memfd with the
 * same layout tags, and the raw strips or tiles are copied as they are. The
 * libtiff messages go into the caller's reason, not to stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "importfile.h"
#include "tiffpage.h"

static int tiffpage_on_error(TIFF *tif, void *userdata, const char *module, const char *fmt, va_list ap)
{
        char *reason = userdata;

        /* Keep the first message: later ones are usually consequences. */
        if (reason && reason[0] == '\0')
                vsnprintf(reason, IMPORT_REASON_MAX, fmt, ap);
        return 1;
}

static int tiffpage_on_warning(TIFF *tif, void *userdata, const char *module, const char *fmt, va_list ap)
{
        return 1;
}

/* Opens a TIFF on a dup of fd (libtiff closes what it is given). */
static TIFF *tiffpage_open(int fd, const char *mode, char *reason)
{
        TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
        TIFF *t = NULL;
        int d;

        if (!opts)
                return NULL;
        TIFFOpenOptionsSetErrorHandlerExtR(opts, tiffpage_on_error, reason);
        TIFFOpenOptionsSetWarningHandlerExtR(opts, tiffpage_on_warning, NULL);
        d = dup(fd);
        if (d >= 0 && lseek(d, 0, SEEK_SET) == 0)
                t = TIFFFdOpenExt(d, "page", mode, opts);
        if (!t && d >= 0)
                close(d);
        TIFFOpenOptionsFree(opts);
        return t;
}

static void tiffpage_reason(char *reason, const char *what)
{
        char tmp[IMPORT_REASON_MAX];

        if (reason[0] == '\0') {
                snprintf(reason, IMPORT_REASON_MAX, "%s", what);
                return;
        }
        memcpy(tmp, reason, sizeof(tmp));
        tmp[sizeof(tmp) - 1] = '\0';
        snprintf(reason, IMPORT_REASON_MAX, "%s: %.200s", what, tmp);
}

int tiffpage_count(int fd, unsigned *ret, char *reason)
{
        TIFF *t;
        tdir_t n;

        reason[0] = '\0';
        t = tiffpage_open(fd, "rh", reason);
        if (!t) {
                tiffpage_reason(reason, "not a readable TIFF");
                return -EBADMSG;
        }
        n = TIFFNumberOfDirectories(t);
        TIFFClose(t);
        if (n == 0) {
                tiffpage_reason(reason, "a TIFF without any page");
                return -EBADMSG;
        }
        *ret = n;
        return 0;
}

static void tiffpage_describe(TIFF *in, unsigned *ret_dpi, const char **ret_mode)
{
        uint16_t spp = 1, bps = 1, photo = PHOTOMETRIC_MINISBLACK, unit = RESUNIT_INCH;
        float xres = 0;

        TIFFGetFieldDefaulted(in, TIFFTAG_SAMPLESPERPIXEL, &spp);
        TIFFGetFieldDefaulted(in, TIFFTAG_BITSPERSAMPLE, &bps);
        TIFFGetField(in, TIFFTAG_PHOTOMETRIC, &photo);
        TIFFGetFieldDefaulted(in, TIFFTAG_RESOLUTIONUNIT, &unit);
        *ret_dpi = 0;
        if (TIFFGetField(in, TIFFTAG_XRESOLUTION, &xres) && xres > 0 && xres < 100000) {
                if (unit == RESUNIT_INCH)
                        *ret_dpi = (unsigned) (xres + 0.5f);
                else if (unit == RESUNIT_CENTIMETER)
                        *ret_dpi = (unsigned) (xres * 2.54f + 0.5f);
        }
        if (photo == PHOTOMETRIC_PALETTE || spp >= 3)
                *ret_mode = "color";
        else
                *ret_mode = bps == 1 ? "lineart" : "gray";
}

static void tiffpage_copy_u16(TIFF *in, TIFF *out, uint32_t tag)
{
        uint16_t v;

        if (TIFFGetField(in, tag, &v))
                TIFFSetField(out, tag, v);
}

static void tiffpage_copy_u32(TIFF *in, TIFF *out, uint32_t tag)
{
        uint32_t v;

        if (TIFFGetField(in, tag, &v))
                TIFFSetField(out, tag, v);
}

static void tiffpage_copy_float(TIFF *in, TIFF *out, uint32_t tag)
{
        float v;

        if (TIFFGetField(in, tag, &v))
                TIFFSetField(out, tag, v);
}

static void tiffpage_copy_blob(TIFF *in, TIFF *out, uint32_t tag)
{
        uint32_t n = 0;
        void *p = NULL;

        if (TIFFGetField(in, tag, &n, &p) && n > 0 && p)
                TIFFSetField(out, tag, n, p);
}

/* The tags a reader needs to decode the copied data, and the resolution.
 * Codec tags are asked only of their codec: libtiff calls any other an error. */
static void tiffpage_copy_tags(TIFF *in, TIFF *out, uint16_t compression)
{
        uint16_t photo = 0, n = 0, *extra = NULL, *r = NULL, *g = NULL, *b = NULL, bps = 1, sub0, sub1;

        TIFFSetField(out, TIFFTAG_COMPRESSION, compression);
        tiffpage_copy_u32(in, out, TIFFTAG_IMAGEWIDTH);
        tiffpage_copy_u32(in, out, TIFFTAG_IMAGELENGTH);
        tiffpage_copy_u16(in, out, TIFFTAG_BITSPERSAMPLE);
        tiffpage_copy_u16(in, out, TIFFTAG_SAMPLESPERPIXEL);
        tiffpage_copy_u16(in, out, TIFFTAG_PLANARCONFIG);
        tiffpage_copy_u16(in, out, TIFFTAG_PHOTOMETRIC);
        tiffpage_copy_u16(in, out, TIFFTAG_FILLORDER);
        tiffpage_copy_u16(in, out, TIFFTAG_ORIENTATION);
        tiffpage_copy_u16(in, out, TIFFTAG_SAMPLEFORMAT);
        tiffpage_copy_u16(in, out, TIFFTAG_RESOLUTIONUNIT);
        tiffpage_copy_float(in, out, TIFFTAG_XRESOLUTION);
        tiffpage_copy_float(in, out, TIFFTAG_YRESOLUTION);
        tiffpage_copy_blob(in, out, TIFFTAG_ICCPROFILE);
        if (TIFFIsTiled(in)) {
                tiffpage_copy_u32(in, out, TIFFTAG_TILEWIDTH);
                tiffpage_copy_u32(in, out, TIFFTAG_TILELENGTH);
        } else
                tiffpage_copy_u32(in, out, TIFFTAG_ROWSPERSTRIP);
        if (TIFFGetField(in, TIFFTAG_EXTRASAMPLES, &n, &extra) && n > 0)
                TIFFSetField(out, TIFFTAG_EXTRASAMPLES, n, extra);
        TIFFGetField(in, TIFFTAG_PHOTOMETRIC, &photo);
        TIFFGetFieldDefaulted(in, TIFFTAG_BITSPERSAMPLE, &bps);
        if (photo == PHOTOMETRIC_PALETTE && TIFFGetField(in, TIFFTAG_COLORMAP, &r, &g, &b))
                TIFFSetField(out, TIFFTAG_COLORMAP, r, g, b);
        if (photo == PHOTOMETRIC_YCBCR && TIFFGetField(in, TIFFTAG_YCBCRSUBSAMPLING, &sub0, &sub1))
                TIFFSetField(out, TIFFTAG_YCBCRSUBSAMPLING, sub0, sub1);
        if (photo == PHOTOMETRIC_YCBCR)
                tiffpage_copy_u16(in, out, TIFFTAG_YCBCRPOSITIONING);
        switch (compression) {
        case COMPRESSION_LZW:
        case COMPRESSION_DEFLATE:
        case COMPRESSION_ADOBE_DEFLATE:
        case COMPRESSION_ZSTD:
        case COMPRESSION_LZMA:
                tiffpage_copy_u16(in, out, TIFFTAG_PREDICTOR);
                break;
        case COMPRESSION_CCITTFAX3:
                tiffpage_copy_u32(in, out, TIFFTAG_GROUP3OPTIONS);
                break;
        case COMPRESSION_CCITTFAX4:
                tiffpage_copy_u32(in, out, TIFFTAG_GROUP4OPTIONS);
                break;
        case COMPRESSION_JPEG:
                tiffpage_copy_blob(in, out, TIFFTAG_JPEGTABLES);
                break;
        default:
                break;
        }
}

/* Every strip or tile, raw. Byte counts are checked against the file's size
 * before anything is allocated: a damaged count must not ask for gigabytes.
 * So is their sum: strips that all point at the same bytes would make a
 * page of (file size)^2 / 8 bytes (a 300 KB file, a 600 MB page). */
static int tiffpage_copy_data(TIFF *in, TIFF *out, uint64_t file_size, char *reason)
{
        bool tiled = TIFFIsTiled(in);
        uint32_t n = tiled ? TIFFNumberOfTiles(in) : TIFFNumberOfStrips(in);
        uint64_t *counts = NULL, total = 0;
        uint8_t *buf = NULL;
        int r = -EBADMSG;

        if (!TIFFGetField(in, tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS, &counts) ||
            !counts) {
                tiffpage_reason(reason, "page without strip sizes");
                return -EBADMSG;
        }
        for (uint32_t i = 0; i < n; i++) {
                tmsize_t got;

                if (counts[i] > file_size - total) {
                        tiffpage_reason(reason, "strips larger than the file");
                        goto out;
                }
                total += counts[i];
                free(buf);
                buf = malloc(counts[i] ? counts[i] : 1);
                if (!buf) {
                        r = -ENOMEM;
                        goto out;
                }
                got = tiled ? TIFFReadRawTile(in, i, buf, (tmsize_t) counts[i])
                            : TIFFReadRawStrip(in, i, buf, (tmsize_t) counts[i]);
                if (got < 0 || (uint64_t) got != counts[i]) {
                        tiffpage_reason(reason, "cannot read the page's data");
                        goto out;
                }
                got = tiled ? TIFFWriteRawTile(out, i, buf, got) : TIFFWriteRawStrip(out, i, buf, got);
                if (got < 0) {
                        tiffpage_reason(reason, "cannot write the page's TIFF");
                        r = -EIO;
                        goto out;
                }
        }
        r = 0;
out:
        free(buf);
        return r;
}

/* The memfd's whole content into a malloc'ed buffer. */
static int tiffpage_slurp(int fd, uint8_t **ret, size_t *ret_len)
{
        struct stat st;
        uint8_t *p;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return -errno;
        p = malloc(st.st_size ? (size_t) st.st_size : 1);
        if (!p)
                return -ENOMEM;
        n = pread(fd, p, (size_t) st.st_size, 0);
        if (n != st.st_size) {
                free(p);
                return n < 0 ? -errno : -EIO;
        }
        *ret = p;
        *ret_len = (size_t) n;
        return 0;
}

int tiffpage_extract(int fd, unsigned index, uint8_t **ret_data, size_t *ret_len, unsigned *ret_dpi,
                     const char **ret_mode, char *reason)
{
        TIFF *in = NULL, *out = NULL;
        uint16_t compression = COMPRESSION_NONE;
        struct stat st;
        int mfd = -1, r;

        reason[0] = '\0';
        if (fstat(fd, &st) < 0)
                return -errno;
        in = tiffpage_open(fd, "rh", reason);
        if (!in || !TIFFSetDirectory(in, (tdir_t) index)) {
                tiffpage_reason(reason, "cannot read this page of the TIFF");
                r = -EBADMSG;
                goto out;
        }
        TIFFGetFieldDefaulted(in, TIFFTAG_COMPRESSION, &compression);
        if (compression == COMPRESSION_OJPEG) {
                snprintf(reason, IMPORT_REASON_MAX,
                         "old-style JPEG compression (TIFF 6.0) is not supported");
                r = -EOPNOTSUPP;
                goto out;
        }
        mfd = memfd_create("tiffpage", MFD_CLOEXEC);
        if (mfd < 0) {
                r = -errno;
                goto out;
        }
        out = tiffpage_open(mfd, "w", reason);
        if (!out) {
                r = -EIO;
                goto out;
        }
        tiffpage_copy_tags(in, out, compression);
        r = tiffpage_copy_data(in, out, (uint64_t) st.st_size, reason);
        if (r < 0)
                goto out;
        if (!TIFFWriteDirectory(out)) {
                tiffpage_reason(reason, "cannot write the page's TIFF");
                r = -EIO;
                goto out;
        }
        TIFFClose(out);
        out = NULL;
        r = tiffpage_slurp(mfd, ret_data, ret_len);
        if (r < 0)
                goto out;
        tiffpage_describe(in, ret_dpi, ret_mode);
out:
        if (out)
                TIFFClose(out);
        if (in)
                TIFFClose(in);
        if (mfd >= 0)
                close(mfd);
        return r;
}

int tiffpage_info(int fd, unsigned index, unsigned *ret_dpi, const char **ret_mode, char *reason)
{
        TIFF *in;

        reason[0] = '\0';
        in = tiffpage_open(fd, "rh", reason);
        if (!in || !TIFFSetDirectory(in, (tdir_t) index)) {
                tiffpage_reason(reason, "cannot read this page of the TIFF");
                if (in)
                        TIFFClose(in);
                return -EBADMSG;
        }
        tiffpage_describe(in, ret_dpi, ret_mode);
        TIFFClose(in);
        return 0;
}
