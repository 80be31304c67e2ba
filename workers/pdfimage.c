/* The pictures of a page in its PDF, encoded: the page's own JPEG when it
 * may stand for the pixels, progressive JPEG, or, for a noise-free page
 * (rendered or born digital: nearly every pixel equals its left
 * neighbour), lossless Flate when that is smaller, as it is for such pages
 * (a clean text page: 128-134 KiB lossless, 230 KiB JPEG at quality 50; a
 * scan's sensor noise makes lossless several times larger, so a scan is
 * not tried); 1 bpp as CCITT G4 through Leptonica (Debian has no JBIG2
 * encoder: jbig2enc is not packaged, Leptonica only classifies). */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <zlib.h>

#include "pdfimage.h"

/* Share of sampled pixels equal to their left neighbour, at or over which a
 * page counts as noise-free: rendered pages 0.978-1.0 (0.947 once deskewed,
 * where lossless loses anyway), real scans 0.02-0.86. */
#define PDF_IMAGE_NOISE_FREE 0.95
#define PDF_IMAGE_SAMPLE_ROWS 16 /* every 16th row */

/* Whether data is a JPEG that a PDF may embed as it is in place of image:
 * baseline or progressive (SOF0, SOF2: DCTDecode since PDF 1.3), 8 bits,
 * grey or YCbCr (not CMYK, whose Adobe inversion readers disagree on),
 * image's size. */
static bool pdfimage_jpeg_embeddable(const uint8_t *data, size_t size, PIX *image)
{
        size_t i = 2;

        if (!data || size < 4 || data[0] != 0xff || data[1] != 0xd8)
                return false;
        while (i + 4 <= size) {
                uint8_t m = data[i + 1];
                size_t len = (size_t) data[i + 2] << 8 | data[i + 3];

                if (data[i] != 0xff || len < 2)
                        return false;
                if (m == 0xff) { /* fill byte */
                        i++;
                        continue;
                }
                if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
                        /* The first frame header decides. */
                        if ((m != 0xc0 && m != 0xc2) || len < 8 || i + 2 + len > size)
                                return false;
                        const uint8_t *f = data + i + 4;
                        int h = f[1] << 8 | f[2], w = f[3] << 8 | f[4], n = f[5];

                        return f[0] == 8 && (n == 1 || n == 3) && w == pixGetWidth(image) &&
                               h == pixGetHeight(image) && pixGetDepth(image) == (n == 1 ? 8 : 32);
                }
                if (m == 0xd9 || m == 0xda) /* end of image or scan before any frame */
                        return false;
                i += 2 + len;
        }
        return false;
}

typedef struct PdfImageJpeg {
        struct jpeg_error_mgr err;
        struct jpeg_destination_mgr dest;
        jmp_buf jump;
        uint8_t *buf; /* malloc'ed, grown by doubling */
        size_t cap;
} PdfImageJpeg;

static void pdfimage_jpeg_exit(j_common_ptr cinfo)
{
        longjmp(((PdfImageJpeg *) cinfo->client_data)->jump, 1);
}

static void pdfimage_jpeg_silent(j_common_ptr cinfo, int level)
{
}

static void pdfimage_jpeg_init(j_compress_ptr cinfo)
{
        PdfImageJpeg *j = cinfo->client_data;

        j->dest.next_output_byte = j->buf;
        j->dest.free_in_buffer = j->cap;
}

static boolean pdfimage_jpeg_grow(j_compress_ptr cinfo)
{
        PdfImageJpeg *j = cinfo->client_data;
        uint8_t *n = realloc(j->buf, j->cap * 2);

        if (!n)
                longjmp(j->jump, 1);
        /* libjpeg calls this with the whole buffer full. */
        j->dest.next_output_byte = n + j->cap;
        j->dest.free_in_buffer = j->cap;
        j->buf = n;
        j->cap *= 2;
        return TRUE;
}

static void pdfimage_jpeg_term(j_compress_ptr cinfo)
{
}

/* Encode img (8 bpp grey or 32 bpp RGB) as progressive JPEG: quality
 * 1-100, optimized Huffman tables, chroma at half resolution (libjpeg's
 * default), dpi in the JFIF header. Progressive scans take 8-12% fewer
 * bytes than baseline for the same pixels on these pages. *ret_data is
 * malloc'ed, caller frees. */
static int pdfimage_encode_jpeg(PIX *img, int quality, int dpi, uint8_t **ret_data, size_t *ret_size)
{
        struct jpeg_compress_struct c = { 0 };
        PdfImageJpeg j = { .cap = 1u << 20 };
        int w = pixGetWidth(img), h = pixGetHeight(img), depth = pixGetDepth(img);
        /* volatile: set across setjmp() */
        unsigned char *volatile row = NULL;

        if (depth != 8 && depth != 32)
                return -EINVAL;
        j.buf = malloc(j.cap);
        if (!j.buf)
                return -ENOMEM;
        c.err = jpeg_std_error(&j.err);
        j.err.error_exit = pdfimage_jpeg_exit;
        j.err.emit_message = pdfimage_jpeg_silent;
        c.client_data = &j;
        /* j.buf changes only in pdfimage_jpeg_grow(), through a pointer: j lives in memory. */
        if (setjmp(j.jump)) {
                jpeg_destroy_compress(&c);
                free(row);
                free(j.buf);
                return -ENOMEM;
        }
        jpeg_create_compress(&c); /* keeps err and client_data */
        j.dest.init_destination = pdfimage_jpeg_init;
        j.dest.empty_output_buffer = pdfimage_jpeg_grow;
        j.dest.term_destination = pdfimage_jpeg_term;
        c.dest = &j.dest;
        c.image_width = (JDIMENSION) w;
        c.image_height = (JDIMENSION) h;
        /* Leptonica keeps pixels in 32-bit words, most significant byte
         * first: an RGBA word is X, B, G, R in memory on a little-endian
         * machine, which libjpeg-turbo reads as it is; grey bytes are
         * swapped back four at a time. */
        c.input_components = depth == 8 ? 1 : 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        c.in_color_space = depth == 8 ? JCS_GRAYSCALE : JCS_EXT_XBGR;
#else
        c.in_color_space = depth == 8 ? JCS_GRAYSCALE : JCS_EXT_RGBX;
#endif
        jpeg_set_defaults(&c);
        jpeg_set_quality(&c, quality, TRUE);
        c.optimize_coding = TRUE;
        jpeg_simple_progression(&c);
        c.density_unit = 1; /* dots per inch */
        c.X_density = c.Y_density = (UINT16) MIN(dpi, 65535);
        row = malloc((size_t) pixGetWpl(img) * 4);
        if (!row)
                longjmp(j.jump, 1);
        jpeg_start_compress(&c, TRUE);
        for (int y = 0; y < h; y++) {
                l_uint32 *line = pixGetData(img) + (size_t) y * pixGetWpl(img);
                JSAMPROW rp = (JSAMPROW) line;

                if (depth == 8) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                        for (int k = 0; k < pixGetWpl(img); k++) {
                                uint32_t v = __builtin_bswap32(line[k]);

                                memcpy(row + 4 * k, &v, 4);
                        }
                        rp = row;
#endif
                }
                jpeg_write_scanlines(&c, &rp, 1);
        }
        jpeg_finish_compress(&c);
        *ret_size = j.cap - j.dest.free_in_buffer;
        *ret_data = j.buf;
        jpeg_destroy_compress(&c);
        free(row);
        return 0;
}

int pdf_image_jpeg(PIX *img, const uint8_t *jpeg, size_t jpeg_size, int quality, int dpi, uint8_t **ret_data,
                   size_t *ret_size)
{
        uint8_t *copy;
        int r;

        if (!pdfimage_jpeg_embeddable(jpeg, jpeg_size, img)) {
                r = pdfimage_encode_jpeg(img, quality, dpi, ret_data, ret_size);
                return r < 0 ? r : 0;
        }
        copy = malloc(jpeg_size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, jpeg, jpeg_size);
        *ret_data = copy;
        *ret_size = jpeg_size;
        return 1;
}

bool pdf_image_noise_free(PIX *img)
{
        int w = pixGetWidth(img), h = pixGetHeight(img), d = pixGetDepth(img), wpl = pixGetWpl(img);
        uint64_t same = 0, all = 0;

        if ((d != 8 && d != 32) || w < 2)
                return false;
        for (int y = 0; y < h; y += PDF_IMAGE_SAMPLE_ROWS) {
                const l_uint32 *line = pixGetData(img) + (size_t) y * wpl;

                for (int x = 1; x < w; x++) {
                        if (d == 8)
                                same += GET_DATA_BYTE(line, x) == GET_DATA_BYTE(line, x - 1);
                        else /* the low byte of an RGB word is unused (alpha) */
                                same += (line[x] ^ line[x - 1]) >> 8 == 0;
                }
                all += (uint64_t) w - 1;
        }
        return all > 0 && (double) same >= PDF_IMAGE_NOISE_FREE * (double) all;
}

typedef struct PdfImageFlate { /* a growing buffer of deflated rows */
        uint8_t *buf;
        size_t size, cap, limit;
} PdfImageFlate;

static int pdfimage_flate_put(PdfImageFlate *p, const void *data, size_t n)
{
        if (p->size + n > p->limit)
                return -EFBIG;
        if (p->size + n > p->cap) {
                size_t cap = MAX(p->cap * 2, p->size + n);
                uint8_t *b = realloc(p->buf, cap);

                if (!b)
                        return -ENOMEM;
                p->buf = b;
                p->cap = cap;
        }
        memcpy(p->buf + p->size, data, n);
        p->size += n;
        return 0;
}

/* One row of img as PNG samples after the filter byte (0: none). */
static void pdfimage_flate_row(PIX *img, int y, uint8_t *row)
{
        const l_uint32 *line = pixGetData(img) + (size_t) y * pixGetWpl(img);
        int w = pixGetWidth(img);

        row[0] = 0;
        if (pixGetDepth(img) == 8) {
                for (int x = 0; x < w; x++)
                        row[1 + x] = (uint8_t) GET_DATA_BYTE(line, x);
                return;
        }
        for (int x = 0; x < w; x++) {
                row[1 + 3 * x] = (uint8_t) (line[x] >> 24);
                row[2 + 3 * x] = (uint8_t) (line[x] >> 16);
                row[3 + 3 * x] = (uint8_t) (line[x] >> 8);
        }
}

/* The rows as PNG samples deflated at zlib's default level, unfiltered
 * (text pages gain nothing from PNG's filters, which cost time): a PDF's
 * FlateDecode with PNG predictors reads them as they are. */
static int pdfimage_flate_rows(PIX *img, PdfImageFlate *p)
{
        size_t rowlen = 1 + (size_t) pixGetWidth(img) * (pixGetDepth(img) == 8 ? 1 : 3);
        int h = pixGetHeight(img), zr = Z_OK, r = 0;
        uint8_t *row = malloc(rowlen), out[65536];
        z_stream z = { 0 };

        if (!row || deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK) {
                free(row);
                return -ENOMEM;
        }
        for (int y = 0; y <= h && r == 0 && zr != Z_STREAM_END; y++) {
                if (y < h) {
                        pdfimage_flate_row(img, y, row);
                        z.next_in = row;
                        z.avail_in = (uInt) rowlen;
                }
                do {
                        z.next_out = out;
                        z.avail_out = sizeof(out);
                        zr = deflate(&z, y < h ? Z_NO_FLUSH : Z_FINISH);
                        if (zr == Z_STREAM_ERROR)
                                r = -EIO;
                        else
                                r = pdfimage_flate_put(p, out, sizeof(out) - z.avail_out);
                } while (r == 0 && z.avail_out == 0);
        }
        deflateEnd(&z);
        free(row);
        return r;
}

int pdf_image_flate(PIX *img, size_t limit, uint8_t **ret_data, size_t *ret_size)
{
        PdfImageFlate p = { .limit = limit ? limit : SIZE_MAX };
        int d = pixGetDepth(img), r;

        if ((d != 8 && d != 32) || pixGetColormap(img))
                return -EINVAL;
        r = pdfimage_flate_rows(img, &p);
        if (r < 0) {
                free(p.buf);
                return r;
        }
        *ret_data = p.buf;
        *ret_size = p.size;
        return 0;
}

int pdf_image_g4(PIX *img, uint8_t **ret_data, size_t *ret_size)
{
        L_COMP_DATA *cid = NULL;
        uint8_t *data;

        if (pixGetDepth(img) != 1)
                return -EINVAL;
        if (pixGenerateCIData(img, L_G4_ENCODE, 0, 0, &cid) != 0 || !cid || !cid->datacomp)
                return -EIO;
        data = malloc(cid->nbytescomp);
        if (data)
                memcpy(data, cid->datacomp, cid->nbytescomp);
        *ret_size = cid->nbytescomp;
        l_CIDataDestroy(&cid);
        if (!data)
                return -ENOMEM;
        *ret_data = data;
        return 0;
}
