/* The picture of a grey or colour page in its PDF: the page's own JPEG,
 * progressive JPEG, or lossless PNG for a noise-free page when smaller. */
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

/* img (8 bpp grey or 32 bpp RGB, no colour map) as PNG: lossless, 8 bits
 * a sample, unfiltered, not interlaced, so that a PDF takes its data as
 * they are. -EFBIG as soon as it would exceed limit bytes (0: no limit).
 * *ret_data is malloc'ed, caller frees. */
MUST_CHECK int pdf_image_png(PIX *img, size_t limit, uint8_t **ret_data, size_t *ret_size);
