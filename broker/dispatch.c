/* Dispatch: the broker's scheduling policy in one place. The queues
 * themselves (FIFOs, ring, LRU) are in peer.c and worker.c. */
#include <assert.h>

#include "clock.h"
#include "dispatch.h"
#include "frontend.h"
#include "log.h"

void dispatch_requeue(Broker *b, HeldPage *rec, bool died)
{
        char id[UUID_STRING_MAX];

        held_set_worker(b->held, rec, NULL);
        if (died) {
                rec->attempts++;
                b->counters.redispatched++;
                if (rec->attempts >= b->settings->quarantine_after && !rec->quarantined) {
                        rec->quarantined = true;
                        b->counters.quarantined++;
                        log_warning("page %s quarantined: %u workers died holding it, it will be "
                                    "stored raw",
                                    uuid_format(&rec->uuid, id), rec->attempts);
                }
        }
        peer_push_front(b->peers, rec);
}

/* The JOB carries a reference to the record's image, not a copy of its
 * bytes: libzmq counts references, so the record keeps its own until the
 * RESULT arrives. */
static int dispatch_send(Broker *b, Worker *w, HeldPage *rec)
{
        Sohoa__Job job = SOHOA__JOB__INIT;
        zmq_msg_t image;
        int r;

        job.epoch = b->epoch;
        job.page = rec->page;
        job.store_only = rec->quarantined;
        job.attempts = rec->attempts;
        if (rec->cleaned)
                job.cleaned = rec->cleaned;
        zmq_msg_init(&image);
        if (zmq_msg_copy(&image, &rec->image) < 0) {
                r = -errno;
                zmq_msg_close(&image);
                return r;
        }
        r = broker_send(b, b->workers, w->binding.rid, w->binding.rid_len, MSG_JOB, &job.base, &image);
        zmq_msg_close(&image);
        return r;
}

static HeldPage *dispatch_next_page(Broker *b)
{
        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++) {
                HeldPage *rec = peer_pop_next(b->peers, k);

                if (rec)
                        return rec;
        }
        return NULL;
}

/* A page no worker could be sent (its JOB cannot be framed): its sender
 * sets it aside instead of resending it for ever. */
static void dispatch_reject(Broker *b, HeldPage *rec, int error)
{
        char id[UUID_STRING_MAX];

        log_warning_errno(error, "page %s from %s cannot be sent to any worker: %m; rejecting it",
                          uuid_format(&rec->uuid, id), rec->origin->binding.id);
        frontend_page_done(
                b, rec, SOHOA__RESULT_STATUS__RESULT_REJECTED,
                "the broker cannot pass this page to a worker (its JOB would not fit in a message)");
}

/* A JOB that failed: whose doing decides what becomes of the worker and
 * the page. false: stop dispatching until the next round. */
static bool dispatch_send_failed(Broker *b, Worker *w, HeldPage *rec, int r)
{
        if (worker_send_blames_worker(r)) {
                if (broker_note_once(b, true, w->binding.rid, w->binding.rid_len, NOTE_SEND_FAILED))
                        log_warning_errno(r,
                                          "JOB to worker %s failed: %m; counting it dead until it "
                                          "speaks again",
                                          w->binding.id);
                (void) worker_set_dead(b->worker_table, w, clock_mono_ms());
                peer_push_front(b->peers, rec);
                return true;
        }
        /* Not the worker's doing: it stays idle, and would fail the same
         * way with the next worker. */
        (void) worker_set_idle(b->worker_table, w);
        if (r == -EMSGSIZE || r == -EINVAL) {
                dispatch_reject(b, rec, r);
                return true;
        }
        /* Out of memory (or a socket error no page causes): the page is
         * fine, so keep it first and try again at the next round. */
        log_warning_errno(r, "JOB to worker %s not sent: %m; trying again shortly", w->binding.id);
        peer_push_front(b->peers, rec);
        return false;
}

void dispatch_run(Broker *b)
{
        uint64_t now = clock_mono_ms();

        /* Nothing in the recovery window: the workers that hold pages have
         * not all said so yet (§5.4). */
        if (b->draining || now < b->dispatch_from_ms)
                return;
        while (b->worker_table->lru_head) {
                HeldPage *rec = dispatch_next_page(b);
                Worker *w;
                int r;

                if (!rec)
                        break;
                w = worker_take_idle(b->worker_table);
                assert(w);
                r = dispatch_send(b, w, rec);
                if (r < 0) {
                        if (!dispatch_send_failed(b, w, rec, r))
                                break;
                        continue;
                }
                worker_set_busy(b->worker_table, w, rec, now);
                held_set_worker(b->held, rec, w);
                b->counters.jobs_out++;
        }
}
