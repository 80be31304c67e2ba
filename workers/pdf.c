/* PDF output, written here object by object (pdfdoc.c): the page's
 * pictures (pdfimage.c encodes them, pdfmrc.c splits a text page into ink
 * and background), then the text layer (pdftext.c) over them. Tesseract's
 * own renderer is not used: it writes words one by one at a font size far
 * below the line pitch, which pdftotext reads with columns interleaved, and
 * it embeds one picture only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"
#include "pdfdoc.h"
#include "pdfmrc.h"
#include "pdftext.h"

#define PDF_JPEG_QUALITY 50

const char *pdf_picture_to_string(PdfPicture p)
{
        static const char *const names[_PDF_PICTURE_MAX] = {
                [PDF_PICTURE_JPEG] = "jpeg",   [PDF_PICTURE_ORIGINAL] = "original",
                [PDF_PICTURE_FLATE] = "flate", [PDF_PICTURE_G4] = "g4",
                [PDF_PICTURE_MRC] = "mrc",
        };
        if (p < 0 || p >= _PDF_PICTURE_MAX)
                return NULL;
        return names[p];
}

static int pdf_jpeg_quality(int quality)
{
        if (quality == 0)
                return PDF_JPEG_QUALITY;
        return quality >= 1 && quality <= 100 ? quality : -EINVAL;
}

/* The page as 1, 8 or 32 bpp without a colour map (a clone when it is). */
static PIX *pdf_prepare_image(PIX *image)
{
        if (pixGetColormap(image))
                return pixRemoveColormap(image, REMOVE_CMAP_BASED_ON_SRC);
        if (pixGetDepth(image) == 1 || pixGetDepth(image) == 8 || pixGetDepth(image) == 32)
                return pixClone(image);
        return pixConvertTo8(image, 0);
}

/* An image XObject: obj, its pixels' size, how they are encoded. */
static void pdf_put_image(PdfDoc *d, int obj, PIX *img, PdfPicture enc, bool mask, const uint8_t *data,
                          size_t size)
{
        const char *space = pixGetDepth(img) == 32 ? "/DeviceRGB" : "/DeviceGray";
        int w = pixGetWidth(img), h = pixGetHeight(img);
        char dict[512];

        if (enc == PDF_PICTURE_G4)
                /* Ink is coded black: 0 once decoded, which a stencil paints. */
                snprintf(dict, sizeof(dict),
                         "/Type /XObject /Subtype /Image /Width %d /Height %d %s /Filter /CCITTFaxDecode"
                         " /DecodeParms << /K -1 /Columns %d /Rows %d >>",
                         w, h, mask ? "/ImageMask true" : "/ColorSpace /DeviceGray /BitsPerComponent 1", w,
                         h);
        else if (enc == PDF_PICTURE_FLATE)
                snprintf(dict, sizeof(dict),
                         "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s"
                         " /BitsPerComponent 8 /Filter /FlateDecode"
                         " /DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent 8 /Columns %d >>",
                         w, h, space, pixGetDepth(img) == 32 ? 3 : 1, w);
        else
                snprintf(dict, sizeof(dict),
                         "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s"
                         " /BitsPerComponent 8 /Filter /DCTDecode",
                         w, h, space);
        pdf_doc_stream(d, obj, dict, data, size);
}

/* One picture for the whole page: G4 for 1 bpp; for grey and colour the
 * page's own JPEG, a JPEG, or lossless Flate for a noise-free page when
 * smaller. Returns the PdfPicture. */
static int pdf_picture(PdfDoc *d, int obj, PIX *img, const PdfPage *page, int quality,
                       const PdfImageOptions *enc)
{
        uint8_t *data = NULL, *flate = NULL;
        size_t size = 0, flate_size = 0;
        int r;

        if (pixGetDepth(img) == 1) {
                r = pdf_image_g4(img, &data, &size);
                if (r < 0)
                        return r;
                pdf_put_image(d, obj, img, PDF_PICTURE_G4, false, data, size);
                free(data);
                return PDF_PICTURE_G4;
        }
        r = pdf_image_jpeg(img, page->jpeg, page->jpeg_size, quality, page->dpi, &data, &size);
        if (r < 0)
                return r;
        r = r == 1 ? PDF_PICTURE_ORIGINAL : PDF_PICTURE_JPEG;
        if (r == PDF_PICTURE_JPEG && !enc->jpeg_only && pdf_image_noise_free(img) &&
            pdf_image_flate(img, size, &flate, &flate_size) == 0 && flate_size < size) {
                free(data);
                data = flate;
                size = flate_size;
                r = PDF_PICTURE_FLATE;
        } else
                free(flate);
        pdf_put_image(d, obj, img, r, false, data, size);
        free(data);
        return r;
}

/* Ink and background: the background as JPEG at its own resolution, and
 * (when mask_obj > 0) the ink as a G4 stencil, painted in its colour by
 * the content. */
static int pdf_mrc(PdfDoc *d, int bg_obj, int mask_obj, const PdfMrc *m, int quality, int dpi)
{
        uint8_t *data = NULL;
        size_t size = 0;
        int r;

        r = pdf_image_jpeg(m->background, NULL, 0, quality, m->background_dpi, &data, &size);
        if (r < 0)
                return r;
        pdf_put_image(d, bg_obj, m->background, PDF_PICTURE_JPEG, false, data, size);
        free(data);
        if (mask_obj <= 0)
                return 0;
        r = pdf_image_g4(m->mask, &data, &size);
        if (r < 0)
                return r;
        pdf_put_image(d, mask_obj, m->mask, PDF_PICTURE_G4, true, data, size);
        free(data);
        return 0;
}

/* The page's content: pictures at full page size, then the text. */
static int pdf_content(PdfDoc *d, int obj, const PdfPage *page, double w_pt, double h_pt, bool has_mask,
                       const PdfMrc *m, bool text)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return -ENOMEM;
        fprintf(f, "q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q\n", w_pt, h_pt);
        if (has_mask)
                fprintf(f, "q %.3f %.3f %.3f rg %.4f 0 0 %.4f 0 0 cm /Im1 Do Q\n", m->ink[0] / 255.0,
                        m->ink[1] / 255.0, m->ink[2] / 255.0, w_pt, h_pt);
        if (text)
                pdf_text_layer(f, page->ocr, page->dpi, pixGetHeight(page->image));
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        r = pdf_doc_flate(d, obj, "", buf, size);
        free(buf);
        return r;
}

int pdf_render(const PdfPage *page, const PdfImageOptions *enc, uint8_t **ret_data, size_t *ret_size)
{
        int quality = pdf_jpeg_quality(enc->jpeg_quality), catalog, pages, pg, content, bg, mask = 0,
            font = 0;
        bool text = page->ocr && page->ocr->n_words > 0;
        PdfMrc mrc = { 0 };
        PdfDoc *d = NULL;
        double w_pt, h_pt;
        PIX *img = NULL;
        FILE *f;
        int r, picture;

        if (page->dpi <= 0 || quality < 0)
                return -EINVAL;
        img = pdf_prepare_image(page->image);
        if (!img)
                return -ENOMEM;
        pixSetResolution(img, page->dpi, page->dpi);
        w_pt = pixGetWidth(img) * 72.0 / page->dpi;
        h_pt = pixGetHeight(img) * 72.0 / page->dpi;
        r = pdf_doc_new(&d);
        if (r < 0)
                goto out;
        catalog = pdf_doc_reserve(d);
        pages = pdf_doc_reserve(d);
        pg = pdf_doc_reserve(d);
        content = pdf_doc_reserve(d);
        bg = pdf_doc_reserve(d);
        if (catalog < 0 || pages < 0 || pg < 0 || content < 0 || bg < 0) {
                r = -ENOMEM;
                goto out;
        }

        r = pixGetDepth(img) == 1 || enc->no_mrc
                    ? 0
                    : pdf_mrc_split(img, page->ink, page->dpi, page->blank, &mrc);
        if (r < 0)
                goto out;
        if (r > 0) {
                if (mrc.mask) {
                        mask = pdf_doc_reserve(d);
                        if (mask < 0) {
                                r = mask;
                                goto out;
                        }
                }
                r = pdf_mrc(d, bg, mask, &mrc, quality, page->dpi);
                picture = PDF_PICTURE_MRC;
        } else
                r = picture = pdf_picture(d, bg, img, page, quality, enc);
        if (r < 0)
                goto out;
        if (text) {
                r = pdf_text_font(d, page->font_dir, &font);
                if (r < 0)
                        goto out;
        }
        r = pdf_content(d, content, page, w_pt, h_pt, mask > 0, &mrc, text);
        if (r < 0)
                goto out;

        f = pdf_doc_begin(d, catalog);
        fprintf(f, "<< /Type /Catalog /Pages %d 0 R >>", pages);
        pdf_doc_end(d);
        f = pdf_doc_begin(d, pages);
        fprintf(f, "<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg);
        pdf_doc_end(d);
        f = pdf_doc_begin(d, pg);
        fprintf(f,
                "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Contents %d 0 R"
                " /Resources << /XObject << /Im0 %d 0 R",
                pages, w_pt, h_pt, content, bg);
        if (mask > 0)
                fprintf(f, " /Im1 %d 0 R", mask);
        fputs(" >>", f);
        if (text)
                fprintf(f, " /Font << /" PDF_TEXT_FONT " %d 0 R >>", font);
        fputs(" >> >>", f);
        pdf_doc_end(d);
        r = pdf_doc_finish(d, catalog, ret_data, ret_size);
        d = NULL;
        if (r >= 0)
                r = picture;
out:
        pdf_doc_free(d);
        pdf_mrc_done(&mrc);
        pixDestroy(&img);
        return r;
}
