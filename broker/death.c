/* Deaths being judged: each names the witnesses (the other worker
 * sessions going when the death was declared) and the frame count then. A
 * witness heard from after that count is alive across the death; one whose
 * session ended is not, and then the workers died together. Few (one per
 * page held at a death), short-lived (liveness at most): a list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "death.h"
#include "dispatch.h"
#include "log.h"

typedef struct DeathWitness {
        char id[MSG_PEER_ID_MAX + 1];
        uint64_t session_start_ms;
} DeathWitness;

struct PendingDeath {
        HeldPage *rec;
        char worker_id[MSG_PEER_ID_MAX + 1];
        uint64_t declared_seq;
        DeathWitness *witnesses;
        size_t n_witnesses;
        PendingDeath *next;
};

/* The page goes back first in its queue; alone, the death counts. */
static void death_settle(Broker *b, HeldPage *rec, const char *worker_id, bool alone)
{
        char id[UUID_STRING_MAX];

        rec->parked = false;
        if (!alone) {
                b->counters.redispatched++;
                log_info("worker %s died holding page %s together with other workers: not counted toward "
                         "its quarantine",
                         worker_id, uuid_format(&rec->uuid, id));
        }
        dispatch_requeue(b, rec, alone);
}

/* The other workers with a session now; NULL (and 0) when there are none,
 * or when memory runs out (then the death counts, as it would with one
 * worker). */
static DeathWitness *death_witnesses(Broker *b, const Worker *dying, size_t *ret_n)
{
        DeathWitness *v = calloc(MAX(b->worker_table->live, 1u), sizeof(*v));
        size_t state = 0, n = 0;
        Worker *w;

        *ret_n = 0;
        if (!v)
                return NULL;
        while (worker_iterate(b->worker_table, &state, &w) && n < b->worker_table->live) {
                if (w == dying || w->state == WORKER_DEAD || strcmp(w->binding.id, dying->binding.id) == 0)
                        continue;
                snprintf(v[n].id, sizeof(v[n].id), "%s", w->binding.id);
                v[n].session_start_ms = w->session_start_ms;
                n++;
        }
        if (n == 0)
                return mfree(v);
        *ret_n = n;
        return v;
}

void death_begin(Broker *b, HeldPage *rec, const Worker *w, uint64_t last_frame_ms)
{
        /* It died between its last sign of life holding the page (its last
         * frame, or the JOB, on which a worker may die before it says
         * anything) and now. */
        uint64_t alive_ms = MAX(last_frame_ms, w->busy_since_ms), now = clock_mono_ms();
        PendingDeath *d;

        /* Another session going meanwhile has ended already. */
        if (worker_ended_across(b->worker_table, w->binding.id, alive_ms, now)) {
                death_settle(b, rec, w->binding.id, false);
                return;
        }
        d = calloc(1, sizeof(*d));
        if (d)
                d->witnesses = death_witnesses(b, w, &d->n_witnesses);
        if (!d || !d->witnesses) {
                /* No other worker: it died alone. */
                free(d);
                death_settle(b, rec, w->binding.id, true);
                return;
        }
        d->rec = rec;
        snprintf(d->worker_id, sizeof(d->worker_id), "%s", w->binding.id);
        d->declared_seq = b->worker_table->seq;
        /* No longer in flight with anyone: a RESULT for it (the worker
         * counted dead was only slow) finds it parked. */
        held_set_worker(b->held, rec, NULL);
        rec->parked = true;
        d->next = b->deaths;
        b->deaths = d;
}

/* 1: alone; 0: together; -EAGAIN: a witness has not spoken yet. */
static int death_verdict(Broker *b, const PendingDeath *d)
{
        int r = 1;

        for (size_t i = 0; i < d->n_witnesses; i++) {
                const DeathWitness *x = &d->witnesses[i];
                Worker *w = worker_by_id(b->worker_table, x->id);

                if (!w || w->state == WORKER_DEAD || w->session_start_ms != x->session_start_ms)
                        return 0;
                if (w->last_seq <= d->declared_seq)
                        r = -EAGAIN;
        }
        return r;
}

static PendingDeath *death_drop(PendingDeath **link)
{
        PendingDeath *d = *link;

        *link = d->next;
        free(d->witnesses);
        free(d);
        return NULL;
}

void death_decide(Broker *b)
{
        PendingDeath **link = &b->deaths;

        while (*link) {
                PendingDeath *d = *link;
                int v = death_verdict(b, d);
                char worker_id[sizeof(d->worker_id)];
                HeldPage *rec = d->rec;

                if (v == -EAGAIN) {
                        link = &d->next;
                        continue;
                }
                memcpy(worker_id, d->worker_id, sizeof(worker_id));
                death_drop(link);
                death_settle(b, rec, worker_id, v == 1);
        }
}

void death_cancel(Broker *b, HeldPage *rec)
{
        for (PendingDeath **link = &b->deaths; *link; link = &(*link)->next)
                if ((*link)->rec == rec) {
                        death_drop(link);
                        break;
                }
        rec->parked = false;
}

void death_free_all(Broker *b)
{
        while (b->deaths)
                death_drop(&b->deaths);
}
