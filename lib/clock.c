/* Microsecond clocks. Monotonic time drives timers and deadlines (it never
 * jumps); realtime is only for what is stored or shown to people. */
#include <time.h>

#include "clock.h"

static uint64_t timespec_us(const struct timespec *ts)
{
        return (uint64_t) ts->tv_sec * 1000000ULL + (uint64_t) ts->tv_nsec / 1000ULL;
}

uint64_t clock_mono_us(void)
{
        struct timespec ts;

        /* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return timespec_us(&ts);
}

uint64_t clock_mono_ms(void)
{
        return clock_mono_us() / 1000ULL;
}

int64_t clock_real_us(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000LL + (int64_t) ts.tv_nsec / 1000LL;
}
