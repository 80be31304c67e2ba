/* The stored page: a single-page PDF (1.5, from Tesseract's renderer) that
 * shows the page image as scanned (colour or grey, JPEG; line-art as G4) at
 * its real size, with the OCR text as an invisible, searchable layer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"
#include "ocr.h"

/* Render the page last recognized by ocr_recognize() as a PDF showing image
 * (the page as scanned, turned upright, same size as the recognized image)
 * at dpi; grey and colour are JPEG at jpeg_quality (1-100, 0: 85), 1 bpp is
 * G4. image stays the caller's (its resolution is set to dpi). *ret_data is
 * malloc'ed, caller frees. -EINVAL when ocr holds no recognized page, or on
 * a bad dpi or quality; -EIO when the renderer fails. */
MUST_CHECK int pdf_render(Ocr *ocr, PIX *image, int dpi, int jpeg_quality, uint8_t **ret_data,
                          size_t *ret_size);

/* A PDF with the image only, no text (blank pages, pages OCR failed on),
 * encoded as pdf_render() does. *ret_data is malloc'ed, caller frees. */
MUST_CHECK int pdf_render_image(PIX *image, int dpi, int jpeg_quality, uint8_t **ret_data,
                                size_t *ret_size);
