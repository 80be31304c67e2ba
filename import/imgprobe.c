/* PNG and JPEG through libpng and libjpeg (see imgprobe.h). Both libraries
 * report errors by longjmp: each call has its own jmp_buf and copies the
 * library's message into the caller's reason. libjpeg turns a file that ends
 * early into a warning and grey rows, so a whole image is one decoded
 * without any warning. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>

#include "imgprobe.h"
#include "importfile.h"

typedef struct PngSource {
        const uint8_t *data;
        size_t len, pos;
} PngSource;

/* libpng's error pointer: where the message goes, and how far decoding got. */
typedef struct PngError {
        char *reason;
        unsigned rows, height;
} PngError;

static void imgprobe_png_read(png_structp png, png_bytep out, size_t n)
{
        PngSource *s = png_get_io_ptr(png);

        if (n > s->len - s->pos)
                png_error(png, "file ends inside the header");
        memcpy(out, s->data + s->pos, n);
        s->pos += n;
}

static void imgprobe_png_error(png_structp png, png_const_charp msg)
{
        PngError *e = png_get_error_ptr(png);

        if (e->rows > 0)
                snprintf(e->reason, IMPORT_REASON_MAX, "a PNG cut off after row %u of %u: %s", e->rows,
                         e->height, msg);
        else
                snprintf(e->reason, IMPORT_REASON_MAX, "not a readable PNG: %s", msg);
        png_longjmp(png, 1);
}

static void imgprobe_png_warning(png_structp png, png_const_charp msg)
{
}

/* A reader whose errors go to err, with its info struct; NULL when out of memory. */
static png_structp imgprobe_png_new(PngError *err, png_infop *ret_info)
{
        png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, err, imgprobe_png_error,
                                                 imgprobe_png_warning);

        if (png && !(*ret_info = png_create_info_struct(png)))
                png_destroy_read_struct(&png, NULL, NULL);
        return png;
}

int imgprobe_png(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode, char *reason)
{
        PngSource src = { .data = data, .len = len };
        PngError err = { .reason = reason };
        png_structp png;
        png_infop info = NULL;
        png_uint_32 xres = 0, yres = 0;
        /* volatile: set across setjmp() */
        volatile int r = -EBADMSG;
        int unit = 0, color, depth;
        const char *mode;

        png = imgprobe_png_new(&err, &info);
        if (!png)
                return -ENOMEM;
        if (setjmp(png_jmpbuf(png)))
                goto out;
        png_set_read_fn(png, &src, imgprobe_png_read);
        png_read_info(png, info);
        color = png_get_color_type(png, info);
        depth = png_get_bit_depth(png, info);
        mode = color & PNG_COLOR_MASK_COLOR ? "color" : depth == 1 ? "lineart" : "gray";
        *ret_dpi = 0;
        if (png_get_pHYs(png, info, &xres, &yres, &unit) && unit == PNG_RESOLUTION_METER && xres > 0) {
                /* Pixels per metre to per inch, rounded, in 64 bits: libpng
                 * takes up to 2^31-1 per metre, and 254 times that wrapped
                 * around in 32 bits into a dpi that looked plausible. */
                uint64_t dpi = ((uint64_t) xres * 254 + 5000) / 10000;

                *ret_dpi = dpi <= IMGPROBE_DPI_MAX ? (unsigned) dpi : 0;
        }
        *ret_mode = mode;
        r = 0;
out:
        png_destroy_read_struct(&png, &info, NULL);
        return r;
}

typedef struct JpegError {
        struct jpeg_error_mgr mgr;
        jmp_buf jump;
        char *reason;
        unsigned warnings;
        char warning[JMSG_LENGTH_MAX]; /* the first */
} JpegError;

static void imgprobe_jpeg_exit(j_common_ptr cinfo)
{
        JpegError *e = (JpegError *) cinfo->err;
        char msg[JMSG_LENGTH_MAX];

        e->mgr.format_message(cinfo, msg);
        snprintf(e->reason, IMPORT_REASON_MAX, "not a readable JPEG: %s", msg);
        longjmp(e->jump, 1);
}

/* Level -1 is a warning ("Premature end of JPEG file" among them), kept
 * quiet and counted; the others are trace messages. */
static void imgprobe_jpeg_message(j_common_ptr cinfo, int level)
{
        JpegError *e = (JpegError *) cinfo->err;

        if (level < 0 && e->warnings++ == 0)
                e->mgr.format_message(cinfo, e->warning);
}

/* cinfo's errors to err: messages kept, failures by longjmp to err->jump. */
static void imgprobe_jpeg_errors(struct jpeg_decompress_struct *cinfo, JpegError *err)
{
        cinfo->err = jpeg_std_error(&err->mgr);
        err->mgr.error_exit = imgprobe_jpeg_exit;
        err->mgr.emit_message = imgprobe_jpeg_message;
}

int imgprobe_jpeg(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode, char *reason)
{
        struct jpeg_decompress_struct cinfo;
        JpegError err = { .reason = reason };
        /* volatile: set across setjmp() */
        volatile unsigned dpi = 0;
        volatile int r = -EBADMSG;

        imgprobe_jpeg_errors(&cinfo, &err);
        if (setjmp(err.jump))
                goto out;
        jpeg_create_decompress(&cinfo);
        jpeg_mem_src(&cinfo, data, (unsigned long) len);
        if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
                snprintf(reason, IMPORT_REASON_MAX, "not a readable JPEG: no image in it");
                goto out;
        }
        if (cinfo.saw_JFIF_marker && cinfo.X_density > 0) {
                if (cinfo.density_unit == 1)
                        dpi = cinfo.X_density;
                else if (cinfo.density_unit == 2) /* dots per cm */
                        dpi = (unsigned) (cinfo.X_density * 254 + 50) / 100;
        }
        *ret_dpi = dpi <= IMGPROBE_DPI_MAX ? dpi : 0;
        *ret_mode = cinfo.num_components == 1 ? "gray" : "color";
        r = 0;
out:
        jpeg_destroy_decompress(&cinfo);
        return r;
}

/* Decodes the JPEG on f to its last row, at 1/8 scale: every coded byte is
 * still read, at a fraction of the work. */
static int imgprobe_jpeg_whole(FILE *f, unsigned width, unsigned height, char *why)
{
        struct jpeg_decompress_struct cinfo;
        JpegError err = { .reason = why };
        /* volatile: set across setjmp() */
        volatile int r = -EBADMSG;
        JSAMPARRAY row;

        imgprobe_jpeg_errors(&cinfo, &err);
        if (setjmp(err.jump))
                goto out;
        jpeg_create_decompress(&cinfo);
        jpeg_stdio_src(&cinfo, f);
        (void) jpeg_read_header(&cinfo, TRUE);
        if (cinfo.image_width != width || cinfo.image_height != height) {
                snprintf(why, IMPORT_REASON_MAX, "a JPEG of %ux%u, the PDF says %ux%u", cinfo.image_width,
                         cinfo.image_height, width, height);
                goto out;
        }
        cinfo.scale_num = 1;
        cinfo.scale_denom = 8;
        jpeg_start_decompress(&cinfo);
        row = (*cinfo.mem->alloc_sarray)((j_common_ptr) &cinfo, JPOOL_IMAGE,
                                         cinfo.output_width * (JDIMENSION) cinfo.output_components, 1);
        while (cinfo.output_scanline < cinfo.output_height && err.warnings == 0)
                (void) jpeg_read_scanlines(&cinfo, row, 1);
        if (err.warnings == 0)
                jpeg_finish_decompress(&cinfo);
        if (err.warnings > 0) {
                /* rows of the 1/8 scale: say where in the full image */
                snprintf(why, IMPORT_REASON_MAX, "a JPEG cut off near row %u of %u: %s",
                         (unsigned) ((uint64_t) cinfo.output_scanline * height /
                                     MAX(cinfo.output_height, 1u)),
                         height, err.warning);
                goto out;
        }
        r = 0;
out:
        jpeg_destroy_decompress(&cinfo);
        return r;
}

/* Decodes the PNG on f to its last row and its end, a row at a time. */
static int imgprobe_png_whole(FILE *f, unsigned width, unsigned height, char *why)
{
        PngError err = { .reason = why, .height = height };
        png_structp png;
        png_infop info = NULL;
        /* volatile: set across setjmp() */
        uint8_t *volatile row = NULL;
        volatile int r = -EBADMSG;
        png_uint_32 w, h;
        int passes;

        png = imgprobe_png_new(&err, &info);
        if (!png)
                return -ENOMEM;
        if (setjmp(png_jmpbuf(png)))
                goto out;
        png_init_io(png, f);
        png_read_info(png, info);
        w = png_get_image_width(png, info);
        h = png_get_image_height(png, info);
        if (w != width || h != height) {
                snprintf(why, IMPORT_REASON_MAX, "a PNG of %ux%u, the PDF says %ux%u", (unsigned) w,
                         (unsigned) h, width, height);
                goto out;
        }
        passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        row = malloc(MAX(png_get_rowbytes(png, info), (size_t) 1));
        if (!row) {
                r = -ENOMEM;
                goto out;
        }
        for (int p = 0; p < passes; p++)
                for (err.rows = 0; err.rows < h; err.rows++)
                        png_read_row(png, row, NULL);
        png_read_end(png, NULL);
        r = 0;
out:
        free(row);
        png_destroy_read_struct(&png, &info, NULL);
        return r;
}

int imgprobe_whole(const char *path, Sohoa__ImageFormat format, unsigned width, unsigned height, char *why)
{
        struct stat st;
        FILE *f;
        int r;

        f = fopen(path, "rbe");
        if (!f || fstat(fileno(f), &st) < 0) {
                r = -errno;
                if (f)
                        fclose(f);
                snprintf(why, IMPORT_REASON_MAX, "unreadable: %s", strerror(-r));
                return r;
        }
        if (st.st_size == 0) {
                snprintf(why, IMPORT_REASON_MAX, "empty (0 bytes)");
                r = -EBADMSG;
        } else if (format == SOHOA__IMAGE_FORMAT__FORMAT_JPEG)
                r = imgprobe_jpeg_whole(f, width, height, why);
        else if (format == SOHOA__IMAGE_FORMAT__FORMAT_PNG)
                r = imgprobe_png_whole(f, width, height, why);
        else {
                snprintf(why, IMPORT_REASON_MAX, "neither JPEG nor PNG");
                r = -EBADMSG;
        }
        fclose(f);
        return r;
}
