/* The stored page: a single-page PDF 1.4 that shows the page at its real
 * size (100% scale: points = pixels * 72 / dpi), in colour or grey as
 * scanned, with the OCR text as an invisible, searchable layer in reading
 * order. How the page is drawn is chosen per page (PdfPicture): a text or
 * blank page as mixed raster content (its ink as a G4 stencil at full
 * resolution over a 200 dpi colour background cleared of ink and scanner
 * noise), other pages as one picture (JPEG, the page's own JPEG, lossless
 * Flate for a noise-free page when smaller; line-art as G4). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"
#include "ocr.h"
#include "pdfimage.h"

typedef enum PdfPicture {
        PDF_PICTURE_JPEG,     /* the page encoded as JPEG */
        PDF_PICTURE_ORIGINAL, /* the page's own JPEG file, as received */
        PDF_PICTURE_FLATE,    /* lossless, a noise-free page */
        PDF_PICTURE_G4,       /* a 1 bpp page */
        PDF_PICTURE_MRC,      /* ink as G4 over a reduced background */
        _PDF_PICTURE_MAX,
        _PDF_PICTURE_INVALID = -22,
} PdfPicture;

typedef struct PdfPage {
        PIX *image; /* the page as shown, upright; its resolution is set to dpi */
        int dpi;
        const uint8_t *jpeg; /* the page's own JPEG file when image is its pixels unchanged, or NULL */
        size_t jpeg_size;
        PIX *ink;             /* 1 bpp, image's size: the page cleaned for OCR; NULL: made when needed */
        const OcrResult *ocr; /* the text layer, boxes in image's pixels; NULL: none */
        const char *font_dir; /* where Tesseract's pdf.ttf lies (embedded), or NULL */
        bool blank;           /* a blank page: mixed raster content whatever its content */
} PdfPage;

/* Render page as a PDF encoded as enc says. Returns the PdfPicture chosen
 * (>= 0) and *ret_data (malloc'ed, caller frees); -EINVAL on a bad dpi or
 * quality, -ENOMEM, -EIO. page's pixels and jpeg stay the caller's. */
MUST_CHECK int pdf_render(const PdfPage *page, const PdfImageOptions *enc, uint8_t **ret_data,
                          size_t *ret_size);

const char *pdf_picture_to_string(PdfPicture p);
