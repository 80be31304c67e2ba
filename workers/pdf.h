/* The stored page: a single-page PDF (1.5, from Tesseract's renderer) that
 * shows the page image as scanned (colour or grey, JPEG; line-art as G4) at
 * its real size, with the OCR text as an invisible, searchable layer. A page
 * that arrived as a baseline JPEG and needed no turning keeps its own JPEG. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"
#include "ocr.h"
#include "pdfimage.h"

/* Render the page last recognized by ocr_recognize() as a PDF showing image
 * (the page as scanned, turned upright) at dpi. read is the image OCR read
 * and read_dpi its resolution: the same page, either image's size at dpi or
 * reduced (read_dpi = dpi / k for a whole k; grey and colour pages only,
 * since 1 bpp is embedded from the read image). 1 bpp is G4. Grey and
 * colour: jpeg itself when it is not NULL and may stand for image (jpeg is
 * the page's own file, image its pixels neither turned nor deskewed; see
 * pdf_image_jpeg()): embedded as it is, no second generation loss;
 * otherwise image as progressive JPEG at enc's quality, or lossless when
 * the page is noise-free and that is smaller (unless enc says JPEG only).
 * image and jpeg stay the caller's (image's resolution is set to dpi).
 * *ret_data is malloc'ed, caller frees. Returns 1 when jpeg was embedded, 0
 * when the image was encoded; -EINVAL when ocr holds no recognized page, or
 * on a bad dpi or quality; -EIO when the renderer fails. */
MUST_CHECK int pdf_render(Ocr *ocr, PIX *image, PIX *read, int read_dpi, const uint8_t *jpeg,
                          size_t jpeg_size, int dpi, const PdfImageOptions *enc, uint8_t **ret_data,
                          size_t *ret_size);

/* A PDF with the image only, no text (blank pages, pages OCR failed on),
 * encoded as pdf_render() does, with the same returns. *ret_data is
 * malloc'ed, caller frees. */
MUST_CHECK int pdf_render_image(PIX *image, const uint8_t *jpeg, size_t jpeg_size, int dpi,
                                const PdfImageOptions *enc, uint8_t **ret_data, size_t *ret_size);
