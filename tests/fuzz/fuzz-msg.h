/* The input format shared by the msg fuzzer, its regression driver and its
 * corpus generator: byte 0 is the frame count (taken modulo
 * FUZZ_MSG_FRAMES_MAX + 1), then each frame is a 2-byte little-endian length
 * followed by that many bytes (cut short by the end of the input). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

#define FUZZ_MSG_FRAMES_MAX 7   /* more than MSG_PARTS_MAX: too many frames too */
#define FUZZ_MSG_MAX_IMAGE 4096 /* small, so images over the bound are reached */
