/* PDF output. Tesseract's PDF renderer writes only to a file, so each call
 * renders into a private directory made with mkdtemp, reads the file back
 * and removes both. The renderer embeds the image set with SetInputImage
 * (after SetImage, which would overwrite it), encoded by Leptonica, which
 * embeds the data of a JPEG file named as the input as it is. So grey and
 * colour pages are written as JPEG next to the PDF and named; line-art
 * (1 bpp) is left to Leptonica, which picks G4 for it. A PIX read from a
 * PNG is always embedded Flate (lossless and several times larger on a
 * scan), so the input format is cleared while the page is rendered. The
 * page size comes from the dpi. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "pdf.h"

#define PDF_MAX_SIZE (512u * 1024 * 1024)
#define PDF_JPEG_QUALITY 85

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

int pdf_render(Ocr *ocr, PIX *image, int dpi, int jpeg_quality, uint8_t **ret_data,
               size_t *ret_size) {
        const char *tmp = getenv("TMPDIR");
        char dir[PATH_MAX], base[PATH_MAX + 8], path[PATH_MAX + 16], jpeg[PATH_MAX + 16];
        TessBaseAPI *api = ocr_api(ocr);
        TessResultRenderer *renderer = NULL;
        int quality = pdf_jpeg_quality(jpeg_quality), format = IFF_UNKNOWN;
        PIX *img = NULL;
        char *d;
        int r;

        if (!ocr_has_page(ocr) || dpi <= 0 || quality < 0)
                return -EINVAL;
        if (!tmp || tmp[0] != '/' || strlen(tmp) > PATH_MAX - 32)
                tmp = "/tmp";
        snprintf(dir, sizeof(dir), "%s/sohoa-pdf-XXXXXX", tmp);
        d = mkdtemp(dir);
        if (!d)
                return -errno;
        snprintf(base, sizeof(base), "%s/page", dir);
        snprintf(path, sizeof(path), "%s/page.pdf", dir);
        snprintf(jpeg, sizeof(jpeg), "%s/page.jpg", dir);

        img = pdf_prepare_image(image, dpi);
        if (!img) {
                r = -ENOMEM;
                goto out;
        }
        /* img may be the caller's PIX: its format is put back at the end. */
        format = pixGetInputFormat(img);
        pixSetInputFormat(img, IFF_UNKNOWN);
        /* Tesseract keeps the PIX and destroys it when replaced: give it a
         * reference of its own. */
        TessBaseAPISetInputImage(api, pixClone(img));
        TessBaseAPISetSourceResolution(api, dpi);
        if (pixGetDepth(img) != 1) {
                if (pixWriteJpeg(jpeg, img, quality, 0) != 0) {
                        r = -EIO;
                        goto out;
                }
                TessBaseAPISetInputName(api, jpeg);
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
out:
        if (renderer)
                TessDeleteResultRenderer(renderer);
        TessBaseAPISetInputName(api, "");
        if (img)
                pixSetInputFormat(img, format);
        pixDestroy(&img);
        unlink(jpeg);
        unlink(path);
        rmdir(dir);
        return r;
}

int pdf_render_image(PIX *image, int dpi, int jpeg_quality, uint8_t **ret_data,
                     size_t *ret_size) {
        int quality = pdf_jpeg_quality(jpeg_quality);
        l_uint8 *data = NULL;
        size_t size = 0;
        PIX *img;
        int r = 0;

        if (dpi <= 0 || quality < 0)
                return -EINVAL;
        img = pdf_prepare_image(image, dpi);
        if (!img)
                return -ENOMEM;
        if (pixConvertToPdfData(img, pixGetDepth(img) == 1 ? L_G4_ENCODE : L_JPEG_ENCODE,
                                quality, &data, &size, 0, 0, dpi, NULL, NULL, 0) != 0 ||
            !data) {
                r = -EIO;
                goto out;
        }
        /* Leptonica allocates with malloc (its default allocator): the caller may free(). */
        *ret_data = data;
        *ret_size = size;
out:
        pixDestroy(&img);
        return r;
}
