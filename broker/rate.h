/* Pages per minute: a count since start and the events of the last 60
 * seconds, in one-second slots (STATUS's pages_in_last_min and
 * pages_out_last_min per class). No allocation; zeroed is empty. */
#pragma once

#include <stdint.h>

#define RATE_SLOTS 60

typedef struct Rate {
        uint64_t total;
        uint64_t second[RATE_SLOTS]; /* the monotonic second a slot counts, + 1 (0: never) */
        uint32_t n[RATE_SLOTS];
} Rate;

void rate_add(Rate *r, uint64_t now_ms);
/* Events in the 60 seconds up to now_ms. */
uint32_t rate_last_minute(const Rate *r, uint64_t now_ms);
