/* Dispatch: the broker's scheduling policy in one place. The queues
 * themselves (FIFOs, ring, LRU) are in peer.c and worker.c. */
#include <assert.h>

#include "clock.h"
#include "dispatch.h"
#include "log.h"

void dispatch_requeue(Broker *b, PageRec *rec, bool died)
{
        char id[UUID_STRING_MAX];

        page_set_worker(b->pages, rec, NULL);
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
static int dispatch_send(Broker *b, Worker *w, PageRec *rec)
{
        Sohoa__Job job = SOHOA__JOB__INIT;
        zmq_msg_t image;
        int r;

        job.epoch = b->epoch;
        job.page = rec->page;
        job.store_only = rec->quarantined;
        job.attempts = rec->attempts;
        zmq_msg_init(&image);
        if (zmq_msg_copy(&image, &rec->image) < 0) {
                r = -errno;
                zmq_msg_close(&image);
                return r;
        }
        r = broker_send(b, b->workers, w->rid, w->rid_len, MSG_JOB, &job.base, &image);
        zmq_msg_close(&image);
        return r;
}

static PageRec *dispatch_next_page(Broker *b)
{
        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++) {
                PageRec *rec = peer_pop_next(b->peers, k);

                if (rec)
                        return rec;
        }
        return NULL;
}

void dispatch_run(Broker *b)
{
        uint64_t now = clock_mono_ms();

        if (b->draining)
                return;
        while (b->worker_table->lru_head) {
                PageRec *rec = dispatch_next_page(b);
                Worker *w;
                int r;

                if (!rec)
                        break;
                w = worker_take_idle(b->worker_table);
                assert(w);
                r = dispatch_send(b, w, rec);
                if (r < 0) {
                        if (broker_note_once(b, true, w->rid, w->rid_len, NOTE_SEND_FAILED))
                                log_warning_errno(r,
                                                  "JOB to worker %s failed: %m; counting it dead "
                                                  "until it speaks again",
                                                  w->id);
                        (void) worker_set_dead(b->worker_table, w);
                        peer_push_front(b->peers, rec);
                        continue;
                }
                worker_set_busy(b->worker_table, w, rec, now);
                page_set_worker(b->pages, rec, w);
                b->counters.jobs_out++;
        }
}
