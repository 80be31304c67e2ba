/* PDF output. Tesseract's PDF renderer writes only to a file, so each call
 * renders into a private directory made with mkdtemp, reads the file back
 * and removes both. The renderer embeds the image set with SetInputImage
 * (after SetImage, which would overwrite it), encoded by Leptonica, which
 * embeds the data of a JPEG file named as the input as it is. So grey and
 * colour pages are written as JPEG next to the PDF and named: encoded here
 * with libjpeg (optimized Huffman tables: a quarter smaller than Leptonica's
 * writer at the same quality, for a few ms), or the page's own JPEG when it
 * arrived as one and was neither turned nor deskewed. Line-art (1 bpp) is
 * left to Leptonica, which picks G4 for it. A PIX read from a PNG is always
 * embedded Flate (lossless and several times larger on a scan), so the
 * input format is cleared while the page is rendered. The page size comes
 * from the dpi. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <tesseract/capi.h>

#include "pdf.h"

#define PDF_MAX_SIZE (512u * 1024 * 1024)
#define PDF_JPEG_QUALITY 50

static int pdf_jpeg_quality(int quality) {
        if (quality == 0)
                return PDF_JPEG_QUALITY;
        return quality >= 1 && quality <= 100 ? quality : -EINVAL;
}

static int pdf_read_file(const char *path, uint8_t **ret_data, size_t *ret_size) {
        struct stat st;
        uint8_t *buf = NULL;
        size_t off = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (st.st_size <= 0 || (uint64_t)st.st_size > PDF_MAX_SIZE) {
                r = -EIO;
                goto out;
        }
        buf = malloc((size_t)st.st_size);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        while (off < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        goto out;
                }
                off += (size_t)n;
        }
        *ret_data = buf;
        *ret_size = off;
        buf = NULL;
        r = 0;
out:
        free(buf);
        close(fd);
        return r;
}

static int pdf_write_file(const char *path, const uint8_t *data, size_t size) {
        size_t off = 0;
        int fd, r = 0;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (off < size) {
                ssize_t n = write(fd, data + off, size - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        break;
                }
                off += (size_t)n;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* Whether data is a JPEG that a PDF may embed as it is in place of image:
 * baseline (SOF0: what every PDF reader decodes), 8 bits, grey or YCbCr
 * (not CMYK, whose Adobe inversion readers disagree on), image's size. */
static bool pdf_jpeg_embeddable(const uint8_t *data, size_t size, PIX *image) {
        size_t i = 2;

        if (!data || size < 4 || data[0] != 0xff || data[1] != 0xd8)
                return false;
        while (i + 4 <= size) {
                uint8_t m = data[i + 1];
                size_t len = (size_t)data[i + 2] << 8 | data[i + 3];

                if (data[i] != 0xff || len < 2)
                        return false;
                if (m == 0xff) { /* fill byte */
                        i++;
                        continue;
                }
                if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
                        /* The first frame header decides. */
                        if (m != 0xc0 || len < 8 || i + 2 + len > size)
                                return false;
                        const uint8_t *f = data + i + 4;
                        int h = f[1] << 8 | f[2], w = f[3] << 8 | f[4], n = f[5];

                        return f[0] == 8 && (n == 1 || n == 3) && w == pixGetWidth(image) &&
                               h == pixGetHeight(image) &&
                               pixGetDepth(image) == (n == 1 ? 8 : 32);
                }
                if (m == 0xd9 || m == 0xda) /* end of image or scan before any frame */
                        return false;
                i += 2 + len;
        }
        return false;
}

typedef struct PdfJpeg {
        struct jpeg_error_mgr err;
        struct jpeg_destination_mgr dest;
        jmp_buf jump;
        uint8_t *buf; /* malloc'ed, grown by doubling */
        size_t cap;
} PdfJpeg;

static void pdf_jpeg_exit(j_common_ptr cinfo) {
        longjmp(((PdfJpeg *)cinfo->client_data)->jump, 1);
}

static void pdf_jpeg_silent(j_common_ptr cinfo, int level) {
}

static void pdf_jpeg_init(j_compress_ptr cinfo) {
        PdfJpeg *j = cinfo->client_data;

        j->dest.next_output_byte = j->buf;
        j->dest.free_in_buffer = j->cap;
}

static boolean pdf_jpeg_grow(j_compress_ptr cinfo) {
        PdfJpeg *j = cinfo->client_data;
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

static void pdf_jpeg_term(j_compress_ptr cinfo) {
}

/* Encode img (8 bpp grey or 32 bpp RGB) as baseline JPEG: quality 1-100,
 * optimized Huffman tables, chroma at half resolution (libjpeg's default),
 * dpi in the JFIF header. *ret_data is malloc'ed, caller frees. */
static int pdf_encode_jpeg(PIX *img, int quality, int dpi, uint8_t **ret_data, size_t *ret_size) {
        struct jpeg_compress_struct c = {0};
        PdfJpeg j = {.cap = 1u << 20};
        int w = pixGetWidth(img), h = pixGetHeight(img), depth = pixGetDepth(img);
        /* volatile: set across setjmp() */
        unsigned char *volatile row = NULL;

        if (depth != 8 && depth != 32)
                return -EINVAL;
        j.buf = malloc(j.cap);
        if (!j.buf)
                return -ENOMEM;
        c.err = jpeg_std_error(&j.err);
        j.err.error_exit = pdf_jpeg_exit;
        j.err.emit_message = pdf_jpeg_silent;
        c.client_data = &j;
        /* j.buf changes only in pdf_jpeg_grow(), through a pointer: j lives in memory. */
        if (setjmp(j.jump)) {
                jpeg_destroy_compress(&c);
                free(row);
                free(j.buf);
                return -ENOMEM;
        }
        jpeg_create_compress(&c); /* keeps err and client_data */
        j.dest.init_destination = pdf_jpeg_init;
        j.dest.empty_output_buffer = pdf_jpeg_grow;
        j.dest.term_destination = pdf_jpeg_term;
        c.dest = &j.dest;
        c.image_width = (JDIMENSION)w;
        c.image_height = (JDIMENSION)h;
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
        c.density_unit = 1; /* dots per inch */
        c.X_density = c.Y_density = (UINT16)MIN(dpi, 65535);
        row = malloc((size_t)pixGetWpl(img) * 4);
        if (!row)
                longjmp(j.jump, 1);
        jpeg_start_compress(&c, TRUE);
        for (int y = 0; y < h; y++) {
                l_uint32 *line = pixGetData(img) + (size_t)y * pixGetWpl(img);
                JSAMPROW rp = (JSAMPROW)line;

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

/* The JPEG a grey or colour page is shown with: jpeg itself (copied) when
 * it may stand for img, else img encoded. Returns 1 for jpeg, 0 for an
 * encoding; *ret_data is malloc'ed, caller frees. */
static int pdf_page_jpeg(PIX *img, const uint8_t *jpeg, size_t jpeg_size, int quality, int dpi,
                         uint8_t **ret_data, size_t *ret_size) {
        uint8_t *copy;
        int r;

        if (!pdf_jpeg_embeddable(jpeg, jpeg_size, img)) {
                r = pdf_encode_jpeg(img, quality, dpi, ret_data, ret_size);
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

/* Image for the PDF: Leptonica encodes 1 bpp as G4 and 8/32 bpp without a
 * colour map as JPEG; anything else is brought to 8 bpp first. The result
 * may be image itself (a clone): its resolution is set to dpi. */
static PIX *pdf_prepare_image(PIX *image, int dpi) {
        PIX *p;

        if (pixGetColormap(image))
                p = pixRemoveColormap(image, REMOVE_CMAP_BASED_ON_SRC);
        else if (pixGetDepth(image) == 1 || pixGetDepth(image) == 8 || pixGetDepth(image) == 32)
                p = pixClone(image);
        else
                p = pixConvertTo8(image, 0);
        if (p)
                pixSetResolution(p, dpi, dpi);
        return p;
}

int pdf_render(Ocr *ocr, PIX *image, PIX *read, int read_dpi, const uint8_t *jpeg, size_t jpeg_size,
               int dpi, int jpeg_quality, uint8_t **ret_data, size_t *ret_size) {
        const char *tmp = getenv("TMPDIR");
        char dir[PATH_MAX], base[PATH_MAX + 8], path[PATH_MAX + 16], jpg[PATH_MAX + 16];
        TessBaseAPI *api = ocr_api(ocr);
        TessResultRenderer *renderer = NULL;
        int quality = pdf_jpeg_quality(jpeg_quality), format = IFF_UNKNOWN, kept = 0;
        uint8_t *data = NULL;
        size_t size = 0;
        PIX *img = NULL;
        char *d;
        int r;

        if (!ocr_has_page(ocr) || dpi <= 0 || read_dpi <= 0 || quality < 0)
                return -EINVAL;
        if (read_dpi != dpi && dpi % read_dpi != 0)
                return -EINVAL;
        if (!tmp || tmp[0] != '/' || strlen(tmp) > PATH_MAX - 32)
                tmp = "/tmp";
        snprintf(dir, sizeof(dir), "%s/sohoa-pdf-XXXXXX", tmp);
        d = mkdtemp(dir);
        if (!d)
                return -errno;
        snprintf(base, sizeof(base), "%s/page", dir);
        snprintf(path, sizeof(path), "%s/page.pdf", dir);
        snprintf(jpg, sizeof(jpg), "%s/page.jpg", dir);

        img = pdf_prepare_image(image, dpi);
        if (!img) {
                r = -ENOMEM;
                goto out;
        }
        /* img may be the caller's PIX: its format is put back at the end. */
        format = pixGetInputFormat(img);
        pixSetInputFormat(img, IFF_UNKNOWN);
        if (read_dpi != dpi && pixGetDepth(img) == 1) {
                r = -EINVAL;
                goto out;
        }
        /* The renderer sizes the page from the input image and the source
         * resolution, and places the words by that resolution: both are the
         * read image's. The picture drawn over the page comes from the JPEG
         * file named below, at its own size; only 1 bpp is taken from the
         * input image, which is then the page itself. Tesseract keeps the
         * PIX and destroys it when replaced: give it a reference of its own. */
        TessBaseAPISetInputImage(api, pixClone(read_dpi == dpi ? img : read));
        TessBaseAPISetSourceResolution(api, read_dpi);
        if (pixGetDepth(img) != 1) {
                kept = pdf_page_jpeg(img, jpeg, jpeg_size, quality, dpi, &data, &size);
                r = kept < 0 ? kept : pdf_write_file(jpg, data, size);
                if (r < 0)
                        goto out;
                TessBaseAPISetInputName(api, jpg);
        }
        renderer = TessPDFRendererCreate(base, TessBaseAPIGetDatapath(api), 0);
        if (!renderer) {
                r = -ENOMEM;
                goto out;
        }
        if (!TessResultRendererBeginDocument(renderer, "") ||
            !TessResultRendererAddImage(renderer, api) ||
            !TessResultRendererEndDocument(renderer)) {
                r = -EIO;
                goto out;
        }
        TessDeleteResultRenderer(renderer);
        renderer = NULL;
        r = pdf_read_file(path, ret_data, ret_size);
        if (r >= 0)
                r = kept;
out:
        if (renderer)
                TessDeleteResultRenderer(renderer);
        TessBaseAPISetInputName(api, "");
        if (img)
                pixSetInputFormat(img, format);
        pixDestroy(&img);
        free(data);
        unlink(jpg);
        unlink(path);
        rmdir(dir);
        return r;
}

int pdf_render_image(PIX *image, const uint8_t *jpeg, size_t jpeg_size, int dpi, int jpeg_quality,
                     uint8_t **ret_data, size_t *ret_size) {
        int quality = pdf_jpeg_quality(jpeg_quality);
        L_COMP_DATA *cid = NULL;
        l_uint8 *data = NULL;
        uint8_t *enc = NULL;
        size_t size = 0, enc_size = 0;
        PIX *img;
        int r = 0, k;

        if (dpi <= 0 || quality < 0)
                return -EINVAL;
        img = pdf_prepare_image(image, dpi);
        if (!img)
                return -ENOMEM;
        if (pixGetDepth(img) == 1) {
                if (pixConvertToPdfData(img, L_G4_ENCODE, 0, &data, &size, 0, 0, dpi, NULL, NULL, 0) != 0 ||
                    !data) {
                        r = -EIO;
                        goto out;
                }
        } else {
                r = pdf_page_jpeg(img, jpeg, jpeg_size, quality, dpi, &enc, &enc_size);
                if (r < 0)
                        goto out;
                /* The compressed data becomes the cid's (Leptonica frees it with free()). */
                cid = l_generateJpegDataMem(enc, enc_size, 0);
                if (!cid) {
                        free(enc);
                        r = -EIO;
                        goto out;
                }
                cid->res = dpi; /* not the JPEG header's, which a file may lack */
                /* Leptonica absorbs the cid and destroys it, even on failure. */
                k = cidConvertToPdfData(cid, NULL, &data, &size);
                cid = NULL;
                if (k != 0 || !data) {
                        r = -EIO;
                        goto out;
                }
        }
        /* Leptonica allocates with malloc (its default allocator): the caller may free(). */
        *ret_data = data;
        *ret_size = size;
out:
        l_CIDataDestroy(&cid);
        pixDestroy(&img);
        return r;
}
