/* libFuzzer target for the worker's decode step (workers/decode.c: its
 * header limits, then Leptonica over libtiff, libpng and libjpeg): the
 * input is a page image as a station or an importer sends it. It decodes
 * to a 1, 8 or 32 bpp image without colour map, inside the limits and as
 * described, or is refused with one of the documented errors and a
 * reason. The limits are the worker's but for max_pixels, lowered so that
 * one input stays within libFuzzer's memory limit.
 *
 * A PNG whose chunks are edited fails libpng's CRC check before anything
 * else is read, so mutated PNGs get their CRCs set right again: by
 * LLVMFuzzerCustomMutator under libFuzzer, by the target's edit in the
 * regression driver (FUZZ_LIBFUZZER tells the two builds apart). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "decode.h"
#include "fuzz.h"

#define FUZZ_DECODE_MAX_PIXELS (16u * 1000 * 1000)

static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* Set every whole chunk's CRC to that of its type and data. */
static void png_fix_crcs(uint8_t *buf, size_t len)
{
        size_t at = sizeof(png_signature);

        if (len < at || memcmp(buf, png_signature, at) != 0)
                return;
        while (len - at >= 12) {
                uint32_t n = be32(buf + at), crc;

                if (n > len - at - 12)
                        break;
                crc = (uint32_t) crc32(0, buf + at + 4, n + 4);
                for (int i = 0; i < 4; i++)
                        buf[at + 8 + n + i] = (uint8_t) (crc >> (24 - 8 * i));
                at += 12 + (size_t) n;
        }
}

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
        if (!pix || pixGetColormap(pix) || pixGetWidth(pix) != info.width || pixGetHeight(pix) != info.height ||
            pixGetDepth(pix) != info.depth || (info.depth != 1 && info.depth != 8 && info.depth != 32) ||
            info.width <= 0 || info.height <= 0 || info.width > 30000 || info.height > 30000 ||
            (uint64_t) info.width * (uint64_t) info.height > FUZZ_DECODE_MAX_PIXELS ||
            !decode_kind_to_string(info.kind) || info.dpi < 0 || (info.depth == 32 && pixGetSpp(pix) == 4))
                abort();
        pixDestroy(&pix);
        return 0;
}

#ifdef FUZZ_LIBFUZZER
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
        size = LLVMFuzzerMutate(data, size, max_size);
        if (seed % 8)
                png_fix_crcs(data, size);
        return size;
}
#endif

/* For the regression driver, as the custom mutator: CRCs set right but in
 * one input of eight (a bad CRC must be refused too). */
static size_t decode_mutate(uint8_t *buf, size_t len, size_t cap, uint64_t random)
{
        if (random % 8)
                png_fix_crcs(buf, len);
        return len;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-decode",
        .header = 8,
        .mutate = decode_mutate,
};
