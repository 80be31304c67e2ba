/* TIFF into a growing memory buffer through TIFFClientOpen: the image is
 * encoded once, hashed, and handed to the outbox from the same bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "encode.h"

typedef struct MemFile {
        uint8_t *buf;
        size_t len, cap, pos;
        bool failed;
} MemFile;

static tsize_t mem_read(thandle_t h, tdata_t data, tsize_t size)
{
        MemFile *m = h;
        size_t n = m->pos < m->len ? MIN((size_t) size, m->len - m->pos) : 0;

        memcpy(data, m->buf + m->pos, n);
        m->pos += n;
        return (tsize_t) n;
}

static tsize_t mem_write(thandle_t h, tdata_t data, tsize_t size)
{
        MemFile *m = h;
        size_t need = m->pos + (size_t) size;

        if (need > m->cap) {
                size_t cap = MAX(need, m->cap * 2);
                uint8_t *n = realloc(m->buf, cap);

                if (!n) {
                        m->failed = true;
                        return -1;
                }
                m->buf = n;
                m->cap = cap;
        }
        if (m->pos > m->len)
                memset(m->buf + m->len, 0, m->pos - m->len);
        memcpy(m->buf + m->pos, data, (size_t) size);
        m->pos = need;
        m->len = MAX(m->len, need);
        return size;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
        MemFile *m = h;
        int64_t base = whence == SEEK_CUR ? (int64_t) m->pos : whence == SEEK_END ? (int64_t) m->len : 0;

        m->pos = (size_t) (base + (int64_t) off);
        return m->pos;
}

static int mem_close(thandle_t h)
{
        return 0;
}

static toff_t mem_size(thandle_t h)
{
        return ((MemFile *) h)->len;
}

static int mem_map(thandle_t h, tdata_t *base, toff_t *size)
{
        return 0;
}

static void mem_unmap(thandle_t h, tdata_t base, toff_t size)
{
}

/* libtiff's default handlers print to stderr; the caller reports errors. */
static void tiff_quiet(const char *module, const char *fmt, va_list ap)
{
}

static int set_fields(TIFF *t, const Image *img, Encoding enc, unsigned q, unsigned sub)
{
        uint32_t rows;

        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, img->width);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, img->height);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, img->channels);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, img->depth);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
        TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
        TIFFSetField(t, TIFFTAG_XRESOLUTION, (double) img->dpi);
        TIFFSetField(t, TIFFTAG_YRESOLUTION, (double) img->dpi);
        TIFFSetField(t, TIFFTAG_SOFTWARE, "sohoa-scand " SOHOA_VERSION);
        switch (enc) {
        case ENCODING_JPEG:
                if (img->depth != 8)
                        return -EINVAL;
                TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
                /* YCbCr in the file, RGB at the API: libjpeg converts. Full
                 * chroma (4:4:4) by default: 2x2 subsampling takes the red
                 * out of a seal's thin strokes (docs/BENCHMARKS.md). */
                if (img->channels == 3) {
                        if (sub != 1 && sub != 2)
                                return -EINVAL;
                        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
                        TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, sub, sub);
                        TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
                } else
                        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
                TIFFSetField(t, TIFFTAG_JPEGQUALITY, (int) q);
                rows = 128; /* a multiple of the 16-line MCU */
                break;
        case ENCODING_ZSTD:
                TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ZSTD);
                TIFFSetField(t, TIFFTAG_ZSTD_LEVEL, 1);
                TIFFSetField(t, TIFFTAG_PHOTOMETRIC,
                             img->channels == 3 ? PHOTOMETRIC_RGB
                             : img->depth == 1  ? PHOTOMETRIC_MINISWHITE
                                                : PHOTOMETRIC_MINISBLACK);
                if (img->depth == 8)
                        TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
                rows = 64;
                break;
        case ENCODING_G4:
                if (img->depth != 1 || img->channels != 1)
                        return -EINVAL;
                TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
                TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
                TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
                rows = img->height; /* one strip: G4 is a single stream */
                break;
        default:
                return -EINVAL;
        }
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rows);
        return 0;
}

int encode_tiff(const Image *img, Encoding enc, unsigned jpeg_quality, unsigned jpeg_subsampling,
                uint8_t **ret_buf, size_t *ret_len)
{
        MemFile m = {};
        TIFF *t;
        int r;

        if (!img->width || !img->height || !img->data)
                return -EINVAL;
        TIFFSetErrorHandler(tiff_quiet);
        TIFFSetWarningHandler(tiff_quiet);
        m.cap = img->stride * img->height / 4 + 65536;
        m.buf = malloc(m.cap);
        if (!m.buf)
                return -ENOMEM;
        t = TIFFClientOpen("page.tif", "w", &m, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map,
                           mem_unmap);
        if (!t) {
                free(m.buf);
                return -ENOMEM;
        }
        r = set_fields(t, img, enc, jpeg_quality, jpeg_subsampling);
        for (uint32_t y = 0; r == 0 && y < img->height; y++)
                if (TIFFWriteScanline(t, img->data + (size_t) y * img->stride, y, 0) < 0)
                        r = -EIO;
        if (r == 0 && !TIFFWriteDirectory(t))
                r = -EIO;
        TIFFClose(t);
        if (r == 0 && m.failed)
                r = -ENOMEM;
        if (r < 0) {
                free(m.buf);
                return r;
        }
        *ret_buf = m.buf;
        *ret_len = m.len;
        return 0;
}
