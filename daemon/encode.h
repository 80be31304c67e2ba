/* One scanned image as a TIFF file in memory, through libtiff: JPEG (q90 by
 * default) for colour and grey, ZSTD level 1 when lossless is required,
 * CCITT G4 for line-art. The dpi is always written: a worker that finds
 * none would assume 70 dpi. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "settings.h"

typedef struct Image {
        uint32_t width, height;
        unsigned channels; /* 1 (grey, line-art) or 3 (RGB, interleaved) */
        unsigned depth;    /* 8, or 1 for line-art (1 = black, as SANE sends it) */
        size_t stride;     /* bytes per line */
        uint8_t *data;     /* height * stride bytes */
        unsigned dpi;
} Image;

/* Encode img. jpeg_subsampling is a colour JPEG's chroma subsampling in
 * each direction: 1 (4:4:4) or 2 (4:2:0). 0 with *ret_buf (malloc'ed, the
 * caller frees) and *ret_len, or a negative errno: -EINVAL when the
 * encoding does not fit the image (G4 of a colour image, JPEG of
 * line-art). */
MUST_CHECK int encode_tiff(const Image *img, Encoding enc, unsigned jpeg_quality, unsigned jpeg_subsampling,
                           uint8_t **ret_buf, size_t *ret_len);
