/* Pages per minute in one-second slots: a slot is reused when its second
 * comes round again, so nothing needs clearing on a timer. */
#include "rate.h"

void rate_add(Rate *r, uint64_t now_ms)
{
        uint64_t s = now_ms / 1000 + 1;
        unsigned i = (unsigned) (s % RATE_SLOTS);

        if (r->second[i] != s) {
                r->second[i] = s;
                r->n[i] = 0;
        }
        r->n[i]++;
        r->total++;
}

uint32_t rate_last_minute(const Rate *r, uint64_t now_ms)
{
        uint64_t s = now_ms / 1000 + 1;
        uint32_t sum = 0;

        for (unsigned i = 0; i < RATE_SLOTS; i++)
                if (r->second[i] + RATE_SLOTS > s)
                        sum += r->n[i];
        return sum;
}
