/* The pictures of a page in its PDF: the page's own JPEG, progressive
 * JPEG, lossless Flate for a noise-free page when smaller, G4 for 1 bpp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"

/* How a grey or colour page image is encoded for its PDF. */
typedef struct PdfImageOptions {
        int jpeg_quality; /* 1-100; 0: 50 */
        bool jpeg_only;   /* never lossless, even where smaller */
        bool no_mrc;      /* one picture for every page, never ink over a background */
} PdfImageOptions;

/* img (8 bpp grey or 32 bpp RGB) as JPEG: jpeg itself (copied) when it may
 * stand for img (jpeg is the page's own file, img its pixels: baseline or
 * progressive, 8-bit, grey or YCbCr, img's size), else img encoded as
 * progressive JPEG at quality (1-100) with dpi in its header. Returns 1 for
 * jpeg, 0 for an encoding; *ret_data is malloc'ed, caller frees. */
MUST_CHECK int pdf_image_jpeg(PIX *img, const uint8_t *jpeg, size_t jpeg_size, int quality, int dpi,
                              uint8_t **ret_data, size_t *ret_size);

/* Whether img is noise-free (rendered or born digital), where lossless may
 * beat JPEG: 95% of its pixels, sampled, equal their left neighbour. */
bool pdf_image_noise_free(PIX *img);

/* img (8 bpp grey or 32 bpp RGB, no colour map) deflated losslessly, rows
 * as PNG samples with filter byte 0 (a PDF reads them with /Predictor 15).
 * -EFBIG as soon as it would exceed limit bytes (0: no limit). *ret_data
 * is malloc'ed, caller frees. */
MUST_CHECK int pdf_image_flate(PIX *img, size_t limit, uint8_t **ret_data, size_t *ret_size);

/* img (1 bpp, 1 = ink) as CCITT G4 (K -1), ink coded black. *ret_data is
 * malloc'ed, caller frees. -EINVAL if img is not 1 bpp, -EIO. */
MUST_CHECK int pdf_image_g4(PIX *img, uint8_t **ret_data, size_t *ret_size);
