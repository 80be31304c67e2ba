/* PNG and JPEG headers through libpng and libjpeg (see imgprobe.h). Both
 * libraries report errors by longjmp: each call has its own jmp_buf and
 * copies the library's message into the caller's reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "importfile.h"
#include "imgprobe.h"

typedef struct PngSource {
        const uint8_t *data;
        size_t len, pos;
        char *reason;
} PngSource;

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
        PngSource *s = png_get_error_ptr(png);

        snprintf(s->reason, IMPORT_REASON_MAX, "not a readable PNG: %s", msg);
        png_longjmp(png, 1);
}

static void imgprobe_png_warning(png_structp png, png_const_charp msg)
{
}

int imgprobe_png(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode, char *reason)
{
        PngSource src = { .data = data, .len = len, .reason = reason };
        png_structp png;
        png_infop info = NULL;
        png_uint_32 xres = 0, yres = 0;
        /* volatile: set across setjmp() */
        volatile int r = -EBADMSG;
        int unit = 0, color, depth;
        const char *mode;

        png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, imgprobe_png_error, imgprobe_png_warning);
        if (!png)
                return -ENOMEM;
        info = png_create_info_struct(png);
        if (!info) {
                r = -ENOMEM;
                goto out;
        }
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
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        return r;
}

typedef struct JpegError {
        struct jpeg_error_mgr mgr;
        jmp_buf jump;
        char *reason;
} JpegError;

static void imgprobe_jpeg_exit(j_common_ptr cinfo)
{
        JpegError *e = (JpegError *) cinfo->err;
        char msg[JMSG_LENGTH_MAX];

        e->mgr.format_message(cinfo, msg);
        snprintf(e->reason, IMPORT_REASON_MAX, "not a readable JPEG: %s", msg);
        longjmp(e->jump, 1);
}

static void imgprobe_jpeg_silent(j_common_ptr cinfo, int level)
{
}

int imgprobe_jpeg(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode, char *reason)
{
        struct jpeg_decompress_struct cinfo;
        JpegError err = { .reason = reason };
        /* volatile: set across setjmp() */
        volatile unsigned dpi = 0;
        volatile int r = -EBADMSG;

        cinfo.err = jpeg_std_error(&err.mgr);
        err.mgr.error_exit = imgprobe_jpeg_exit;
        err.mgr.emit_message = imgprobe_jpeg_silent;
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
