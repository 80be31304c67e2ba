/* libFuzzer target for the worker's decode step (workers/decode.c: its
 * header limits, then Leptonica over libtiff, libpng and libjpeg): the
 * input is a page image as a station or an importer sends it. It decodes
 * to a 1, 8 or 32 bpp image without colour map, inside the limits and as
 * described, or is refused with one of the documented errors and a
 * reason, and a resolution past DECODE_DPI_MAX is none. The limits are the
 * worker's but for max_pixels, lowered so that one input stays within
 * libFuzzer's memory limit. PNGs are mutated as fuzz-png.h says. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz-png.h"
#include "fuzz.h"

#define FUZZ_DECODE_MAX_PIXELS (16u * 1000 * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool ready;
        const DecodeLimits lim = { .max_pixels = FUZZ_DECODE_MAX_PIXELS };
        const char *reason = NULL;
        DecodeInfo info = { 0 };
        PIX *pix = NULL;
        int r;

        if (!ready) {
                decode_init();
                ready = true;
        }
        r = decode_image(data, size, &lim, &pix, &info, &reason);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -EPROTONOSUPPORT) || !reason || pix)
                        abort();
                return 0;
        }
        if (!pix || pixGetColormap(pix) || pixGetWidth(pix) != info.width ||
            pixGetHeight(pix) != info.height || pixGetDepth(pix) != info.depth ||
            (info.depth != 1 && info.depth != 8 && info.depth != 32) || info.width <= 0 ||
            info.height <= 0 || info.width > 30000 || info.height > 30000 ||
            (uint64_t) info.width * (uint64_t) info.height > FUZZ_DECODE_MAX_PIXELS ||
            !decode_kind_to_string(info.kind) || info.dpi < 0 || info.dpi > DECODE_DPI_MAX ||
            (info.depth == 32 && pixGetSpp(pix) == 4))
                abort();
        pixDestroy(&pix);
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-decode",
        .header = 8,
        .mutate = fuzz_png_mutate,
};
