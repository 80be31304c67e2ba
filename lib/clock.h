/* Time in microseconds: monotonic for timers and deadlines, realtime for
 * what is stored or shown. */
#pragma once

#include <stdint.h>

uint64_t clock_mono_us(void);
uint64_t clock_mono_ms(void);
int64_t clock_real_us(void);
