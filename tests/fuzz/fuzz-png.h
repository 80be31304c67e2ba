/* PNG inputs for the fuzz targets that read PNGs (decode, imgprobe). A PNG
 * whose chunks are edited fails libpng's CRC check before anything else is
 * read, so an edit would get no further: mutated PNGs get their CRCs set
 * right again, but one in eight (a bad CRC must be refused too). Under
 * libFuzzer fuzz-png.c brings LLVMFuzzerCustomMutator for that
 * (FUZZ_LIBFUZZER); the regression driver calls fuzz_png_mutate. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A FuzzTarget.mutate: the CRCs of buf[0..len) set right, if it is a PNG. */
size_t fuzz_png_mutate(uint8_t *buf, size_t len, size_t cap, uint64_t random);
