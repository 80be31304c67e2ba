/* Refused HELLOs counted per (endpoint, peer id, reason) between log lines
 * (see refusals.h). The table is bounded: when it is full, what it counts
 * is said and it starts again empty, so a client with ever new peer ids
 * costs a log line each, never memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hashmap.h"
#include "log.h"
#include "msg.h"
#include "refusals.h"

#define REFUSALS_MAX 1024
#define REFUSALS_REASON_MAX 256

typedef struct Refusal {
        bool workers;
        char peer_id[MSG_PEER_ID_MAX + 1];
        char reason[REFUSALS_REASON_MAX];
        uint64_t since_ms; /* of the last line said about it */
        uint64_t count;    /* refusals since, not said yet */
} Refusal;

struct Refusals {
        Hashmap *table; /* endpoint byte, peer id, NUL, reason -> Refusal */
};

Refusals *refusals_new(void)
{
        Refusals *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->table = hashmap_new();
        if (!r->table)
                return mfree(r);
        return r;
}

static void refusal_say(const Refusal *f, uint64_t now_ms)
{
        uint64_t s = (now_ms - f->since_ms + 999) / 1000; /* rounded up: "in the last 0 s" says nothing */

        log_warning("HELLO as %s on the %s endpoint refused %llu more time%s in the last %llu %s (%s)",
                    f->peer_id, f->workers ? "worker" : "station", (unsigned long long) f->count,
                    f->count == 1 ? "" : "s", (unsigned long long) (s >= 120 ? s / 60 : s),
                    s >= 120 ? "min" : "s", f->reason);
}

/* Say every count, then forget everything. */
static void refusals_flush(Refusals *r)
{
        uint64_t now = clock_mono_ms();
        size_t state = 0;
        void *v;

        while (hashmap_iterate(r->table, &state, NULL, NULL, &v)) {
                Refusal *f = v;

                if (f->count > 0)
                        refusal_say(f, now);
                free(f);
        }
        hashmap_free(r->table);
        r->table = NULL;
}

Refusals *refusals_free(Refusals *r)
{
        if (!r)
                return NULL;
        if (r->table)
                refusals_flush(r);
        return mfree(r);
}

/* The table's key: endpoint, peer id, NUL, reason. Its length. */
static size_t refusal_key(char *key, size_t size, bool workers, const char *peer_id, const char *reason)
{
        int n = snprintf(key, size, "%c%s%c%s", workers ? 'w' : 's', peer_id, '\0', reason);

        return n < 0 ? 0 : (size_t) n < size ? (size_t) n : size - 1;
}

bool refusals_note(Refusals *r, bool workers, const char *peer_id, const char *reason, uint64_t now_ms)
{
        char key[1 + MSG_PEER_ID_MAX + 1 + REFUSALS_REASON_MAX];
        size_t klen = refusal_key(key, sizeof(key), workers, peer_id, reason);
        Refusal *f;

        if (!r->table)
                return true;
        f = hashmap_get(r->table, key, klen);
        if (f) {
                f->count++;
                return false;
        }
        if (hashmap_size(r->table) >= REFUSALS_MAX) {
                Hashmap *fresh = hashmap_new();

                if (!fresh)
                        return true;
                refusals_flush(r);
                r->table = fresh;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return true;
        *f = (Refusal) { .workers = workers, .since_ms = now_ms };
        snprintf(f->peer_id, sizeof(f->peer_id), "%s", peer_id);
        snprintf(f->reason, sizeof(f->reason), "%s", reason);
        if (hashmap_put(r->table, key, klen, f, NULL) < 0)
                free(f);
        return true;
}

void refusals_tick(Refusals *r, uint64_t now_ms)
{
        size_t state = 0;
        const void *key;
        size_t klen;
        void *v;

        while (r->table && hashmap_iterate(r->table, &state, &key, &klen, &v)) {
                Refusal *f = v;

                if (now_ms - f->since_ms < REFUSALS_SUMMARY_MS)
                        continue;
                if (f->count == 0) {
                        hashmap_remove(r->table, key, klen);
                        free(f);
                        continue;
                }
                refusal_say(f, now_ms);
                f->since_ms = now_ms;
                f->count = 0;
        }
}
