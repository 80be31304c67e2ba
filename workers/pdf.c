/* PDF output. Tesseract's PDF renderer writes only to a file, so each call
 * renders into a private directory made with mkdtemp, reads the file back
 * and removes both. The renderer embeds the image set with SetInputImage
 * (after SetImage, which would overwrite it), encoded by Leptonica, which
 * embeds the data of a JPEG or PNG file named as the input as they are. So
 * grey and colour pages are written next to the PDF and named, encoded as
 * pdfimage.c chooses (JPEG through libjpeg: optimized tables, progressive,
 * a third smaller than Leptonica's writer at the same quality; the page's
 * own JPEG; or PNG for a noise-free page when smaller). Line-art (1 bpp) is
 * left to Leptonica, which picks G4 for it. A PIX read from a PNG is always
 * embedded Flate from the PIX (lossless and several times larger on a
 * scan), so the input format is cleared while the page is rendered. The
 * page size comes from the dpi. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "pdf.h"
#include "pdfimage.h"

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

enum { PDF_PICTURE_JPEG, PDF_PICTURE_ORIGINAL, PDF_PICTURE_PNG };

/* The file the renderer shows a grey or colour img with: the page's own
 * JPEG, img encoded as JPEG, or, for a noise-free page, as PNG when that is
 * smaller. Returns PDF_PICTURE_*; *ret_data is malloc'ed, caller frees. */
static int pdf_picture(PIX *img, const uint8_t *jpeg, size_t jpeg_size, int quality, bool lossless,
                       int dpi, uint8_t **ret_data, size_t *ret_size) {
        uint8_t *data = NULL, *png = NULL;
        size_t size = 0, png_size = 0;
        int r;

        r = pdf_image_jpeg(img, jpeg, jpeg_size, quality, dpi, &data, &size);
        if (r < 0)
                return r;
        if (r == 1) {
                r = PDF_PICTURE_ORIGINAL;
        } else if (lossless && pdf_image_noise_free(img) && pdf_image_png(img, size, &png, &png_size) == 0 &&
                   png_size < size) {
                free(data);
                data = png;
                size = png_size;
                png = NULL;
                r = PDF_PICTURE_PNG;
        } else
                r = PDF_PICTURE_JPEG;
        free(png);
        *ret_data = data;
        *ret_size = size;
        return r;
}

int pdf_render(Ocr *ocr, PIX *image, PIX *read, int read_dpi, const uint8_t *jpeg, size_t jpeg_size,
               int dpi, const PdfImageOptions *enc, uint8_t **ret_data, size_t *ret_size) {
        const char *tmp = getenv("TMPDIR");
        char dir[PATH_MAX], base[PATH_MAX + 8], path[PATH_MAX + 16], pic[PATH_MAX + 16];
        TessBaseAPI *api = ocr_api(ocr);
        TessResultRenderer *renderer = NULL;
        int quality = pdf_jpeg_quality(enc->jpeg_quality), format = IFF_UNKNOWN, kept = 0;
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
        pic[0] = '\0';

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
                kept = pdf_picture(img, jpeg, jpeg_size, quality, !enc->jpeg_only, dpi, &data, &size);
                if (kept < 0) {
                        r = kept;
                        goto out;
                }
                snprintf(pic, sizeof(pic), "%s/page.%s", dir, kept == PDF_PICTURE_PNG ? "png" : "jpg");
                r = pdf_write_file(pic, data, size);
                if (r < 0)
                        goto out;
                TessBaseAPISetInputName(api, pic);
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
                r = kept == PDF_PICTURE_ORIGINAL;
out:
        if (renderer)
                TessDeleteResultRenderer(renderer);
        TessBaseAPISetInputName(api, "");
        if (img)
                pixSetInputFormat(img, format);
        pixDestroy(&img);
        free(data);
        if (pic[0])
                unlink(pic);
        unlink(path);
        rmdir(dir);
        return r;
}

int pdf_render_image(PIX *image, const uint8_t *jpeg, size_t jpeg_size, int dpi, const PdfImageOptions *enc,
                     uint8_t **ret_data, size_t *ret_size) {
        int quality = pdf_jpeg_quality(enc->jpeg_quality);
        L_COMP_DATA *cid = NULL, *flate = NULL;
        l_uint8 *data = NULL;
        uint8_t *pic = NULL;
        size_t size = 0, pic_size = 0;
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
                r = pdf_image_jpeg(img, jpeg, jpeg_size, quality, dpi, &pic, &pic_size);
                if (r < 0)
                        goto out;
                /* The compressed data becomes the cid's (Leptonica frees it with free()). */
                cid = l_generateJpegDataMem(pic, pic_size, 0);
                if (!cid) {
                        free(pic);
                        r = -EIO;
                        goto out;
                }
                /* A noise-free page: Leptonica's lossless Flate when smaller. */
                if (r == 0 && !enc->jpeg_only && pdf_image_noise_free(img) &&
                    pixGenerateCIData(img, L_FLATE_ENCODE, 0, 0, &flate) == 0 && flate &&
                    flate->nbytescomp < cid->nbytescomp) {
                        l_CIDataDestroy(&cid);
                        cid = flate;
                        flate = NULL;
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
        l_CIDataDestroy(&flate);
        pixDestroy(&img);
        return r;
}
