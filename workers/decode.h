/* Decode one page image (TIFF, PNG, JPEG) from memory into a Leptonica PIX,
 * refusing oversized images from their header before any pixel is allocated.
 * The worker's first image step: everything after it works on the PIX. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"

typedef enum DecodeKind {
        DECODE_BILEVEL,
        DECODE_GREY,
        DECODE_COLOUR,
        _DECODE_KIND_MAX,
        _DECODE_KIND_INVALID = -22,
} DecodeKind;

/* A resolution past any document scanner's is a damaged or hostile tag (a
 * PNG's pHYs may say 54 million dpi): the page is then taken as one that
 * does not say, rather than despeckled, laid out and OCR'd at that. The
 * bound is record.c's for the dpi a sender states. */
#define DECODE_DPI_MAX 20000

typedef struct DecodeLimits {
        uint32_t max_side;   /* widest and tallest accepted, pixels; 0: 30000 */
        uint64_t max_pixels; /* width * height accepted; 0: 200 Mpx */
} DecodeLimits;

typedef struct DecodeInfo {
        int width, height;
        int depth;       /* of the returned PIX: 1, 8 or 32 */
        int dpi;         /* from the file; 0 when it does not say, or says more than DECODE_DPI_MAX */
        int format;      /* Leptonica's IFF_* of the input */
        DecodeKind kind; /* what the page looks like, not how it was stored */
} DecodeInfo;

/* Silence Leptonica's own stderr messages; call once per process before
 * decoding (bad input would otherwise print warnings into the worker's log). */
void decode_init(void);

/* Decode data[0..len) into *ret_pix (1, 8 or 32 bpp, no colour map; caller
 * frees with pixDestroy) and describe it in *ret_info. Returns -EBADMSG for
 * empty, truncated or corrupt input, -E2BIG for an image over the limits
 * (lim may be NULL for the defaults), -EPROTONOSUPPORT for an unknown format.
 * On failure *ret_reason (if not NULL) points to a static English reason. */
MUST_CHECK int decode_image(const uint8_t *data, size_t len, const DecodeLimits *lim, PIX **ret_pix,
                            DecodeInfo *ret_info, const char **ret_reason);

const char *decode_kind_to_string(DecodeKind k);
