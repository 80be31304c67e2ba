/* The clocks: monotonic never goes back and advances across a sleep;
 * realtime is in microseconds since the epoch. */
#include <time.h>

#include "check.h"
#include "clock.h"

int main(void)
{
        uint64_t a = clock_mono_us(), b, ms;
        struct timespec d = { .tv_nsec = 20 * 1000 * 1000 };
        int64_t real = clock_real_us();
        time_t now = time(NULL);

        nanosleep(&d, NULL);
        b = clock_mono_us();
        CHECK(b >= a + 20000);
        CHECK(b < a + 5ULL * 1000 * 1000);

        ms = clock_mono_ms();
        CHECK(ms >= b / 1000);
        CHECK(ms <= clock_mono_us() / 1000);

        /* Within a few seconds of time(): microseconds, not ms or ns. */
        CHECK(real / 1000000 >= (int64_t) now - 2);
        CHECK(real / 1000000 <= (int64_t) now + 2);
        return 0;
}
