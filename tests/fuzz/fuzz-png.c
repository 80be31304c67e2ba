/* See fuzz-png.h. */
#include <string.h>

#include <zlib.h>

#include "fuzz-png.h"

static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* Every whole chunk's CRC set to that of its type and data. */
static void fix_crcs(uint8_t *buf, size_t len)
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

size_t fuzz_png_mutate(uint8_t *buf, size_t len, size_t cap, uint64_t random)
{
        if (random % 8)
                fix_crcs(buf, len);
        return len;
}

#ifdef FUZZ_LIBFUZZER
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
        return fuzz_png_mutate(data, LLVMFuzzerMutate(data, size, max_size), max_size, seed);
}
#endif
