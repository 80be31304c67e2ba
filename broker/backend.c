/* The worker endpoint's handlers. The broker trusts a worker's RESULT for
 * the page it names, whichever worker sent it (even one that has not said
 * HELLO since the broker started), as long as a stored outcome names the
 * page's own sha256: a worker counted dead that wakes up and answers saves
 * the second one's work, and the completed cache keeps the origin from
 * hearing about the page twice. */
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "death.h"
#include "dispatch.h"
#include "frontend.h"
#include "hello.h"
#include "log.h"

/* A HELLO that names the page its worker holds (§5.4): a broker that
 * started since has no record of that JOB. The worker is busy with it, and
 * the page, queued or when its sender resends it, is in flight with this
 * worker rather than sent to a second one. A worker the broker already
 * knows busy with a page needs nothing. */
static void backend_claim(Broker *b, Worker *w, const Sohoa__Hello *h, uint64_t now)
{
        char id[UUID_STRING_MAX];
        HeldPage *rec;
        Uuid u;

        if (w->page || uuid_from_bytes(h->page_uuid.data, h->page_uuid.len, &u) < 0)
                return;
        worker_claim(b->worker_table, w, &u, now);
        rec = held_get(b->held, &u);
        log_info("worker %s holds page %s%s", w->binding.id, uuid_format(&u, id),
                 rec && !rec->worker ? ", which is here: it stays with this worker" : "");
        if (!rec || rec->worker)
                return;
        /* Parked: the worker counted dead is back and still has it. */
        if (rec->parked)
                death_cancel(b, rec);
        else
                peer_unqueue(b->peers, rec);
        worker_set_busy(b->worker_table, w, rec, now);
        held_set_worker(b->held, rec, w);
}

static void backend_on_hello(Broker *b, Worker *w, Msg *m, uint64_t now)
{
        const Settings *s = b->settings;
        const Sohoa__Hello *h = MSG_HELLO_BODY(m);
        Worker *holder;
        int r;

        if (hello_wrong_role(b, true, m))
                return;
        if (h->role != SOHOA__ROLE__ROLE_WORKER) {
                broker_drop(b, true, m, h->peer_id, "not a worker role");
                return;
        }
        /* A second process with a live worker's id would take its binding
         * (and the page in hand with it), and the first would take it back. */
        holder = worker_in_use(b->worker_table, h->peer_id, m->routing_id, m->routing_id_len, now,
                               s->liveness * s->heartbeat_ms);
        if (holder &&
            hello_id_taken(b, true, m, holder->binding.rid, holder->binding.rid_len, s->max_frame_bytes))
                return;
        /* The same connection under a new name: the old name has left. */
        if (w && strcmp(w->binding.id, h->peer_id) != 0) {
                HeldPage *rec = worker_forget(b->worker_table, w, now);

                if (rec)
                        dispatch_requeue(b, rec, false);
        }
        r = worker_hello(b->worker_table, h->peer_id, m->routing_id, m->routing_id_len, now, &w);
        if (r < 0) {
                log_error_errno(r, "HELLO from worker %s: %m", h->peer_id);
                return;
        }
        backend_claim(b, w, h, now);
        log_info("worker %s connected (%s)%s", w->binding.id, h->software ? h->software : "",
                 w->state == WORKER_BUSY ? ", still busy with its page" : "");
        /* A worker holds one page at a time. */
        broker_send_welcome(b, true, w->binding.rid, w->binding.rid_len, b->settings->max_frame_bytes,
                            w->binding.id);
}

/* READY from a worker we believe holds a page: it lost it (restarted, or
 * reconnected without it), which is dying with it. Its last frame holding
 * the page was the last of its session before, when it is a new process. */
static void backend_on_ready(Broker *b, Worker *w)
{
        HeldPage *rec = worker_set_idle(b->worker_table, w);
        char id[UUID_STRING_MAX];

        if (!rec)
                return;
        log_notice("worker %s is ready again without answering for page %s: sending it to "
                   "another",
                   w->binding.id, uuid_format(&rec->uuid, id));
        death_begin(b, rec, w,
                    w->session_start_ms > w->busy_since_ms ? w->prev_session_last_ms : w->prev_seen_ms);
}

static bool backend_stored(Sohoa__ResultStatus s)
{
        return s == SOHOA__RESULT_STATUS__RESULT_STORED || s == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
}

/* A RESULT for a page the broker holds: ack its origin, remember it, let
 * the record go wherever it was (with this worker, another, or queued). */
static void backend_result_held(Broker *b, HeldPage *rec, const Sohoa__Result *res)
{
        char id[UUID_STRING_MAX];

        if (rec->worker) {
                rec->worker->page = NULL;
                held_set_worker(b->held, rec, NULL);
        } else if (rec->parked) {
                log_info("page %s answered while the death of the worker that held it was judged",
                         uuid_format(&rec->uuid, id));
                death_cancel(b, rec);
        } else
                peer_unqueue(b->peers, rec);
        if (backend_stored(res->status)) {
                CompletedContent content;

                rate_add(&b->class_out[rec->klass], clock_mono_ms());
                Uuid batch;

                /* Checked when the page came in. */
                if (uuid_from_bytes(rec->page->batch_uuid.data, rec->page->batch_uuid.len, &batch) < 0)
                        batch = (Uuid) {};
                completed_content(rec->page, &content);
                if (completed_put(b->completed, &rec->uuid, &content, &batch, res->status) < 0)
                        log_warning("completed cache: out of memory, ignoring");
        }
        frontend_page_done(b, rec, res->status, res->reason);
}

/* A RESULT for a page the broker does not hold: already answered (a second
 * worker finishing it), or sent before this broker started, in which case
 * the result's origin_id routes the ACK. It does not enter the cache: the
 * broker has no page to tell whose content it is (a close record's count). */
static void backend_result_unheld(Broker *b, const Uuid *u, const Sohoa__Result *res)
{
        const CompletedEntry *done = completed_get(b->completed, u);
        char id[UUID_STRING_MAX];
        Uuid batch, *bp = NULL;

        if (done && done->status == res->status && res->sha256.len == sizeof(done->content.sha256) &&
            memcmp(res->sha256.data, done->content.sha256, sizeof(done->content.sha256)) == 0) {
                log_debug("second RESULT for page %s: already acknowledged, not again", uuid_format(u, id));
                return;
        }
        if (uuid_from_bytes(res->batch_uuid.data, res->batch_uuid.len, &batch) == 0)
                bp = &batch;
        /* The worker's word for the hash: the sender checks it (§7.5). */
        frontend_ack(b, res->origin_id,
                     &(FrontendAck) { .page_uuid = u,
                                      .status = res->status,
                                      .reason = res->reason,
                                      .batch = bp,
                                      .sha256 = res->sha256.len == 32 ? res->sha256.data : NULL });
}

/* A stored outcome must be for the bytes the broker holds: the station
 * deletes its copy on STORED, so a worker answering for other content
 * (a bug, a mix-up between jobs) must not reach it. */
static bool backend_result_matches(const HeldPage *rec, const Sohoa__Result *res)
{
        if (!backend_stored(res->status))
                return true;
        return res->sha256.len == rec->page->sha256.len &&
               memcmp(res->sha256.data, rec->page->sha256.data, res->sha256.len) == 0;
}

/* A RESULT, from a worker with a session (w) or without one (NULL: it
 * finished its page before saying HELLO to a broker that started since,
 * §5.4; it holds nothing the broker knows of). */
static void backend_on_result(Broker *b, Worker *w, Msg *m)
{
        const Sohoa__Result *res = MSG_RESULT_BODY(m);
        const char *who = w ? w->binding.id : "a worker without a session";
        HeldPage *held = NULL, *rec;
        Uuid u;

        if (uuid_from_bytes(res->page_uuid.data, res->page_uuid.len, &u) < 0) {
                broker_drop(b, true, m, who, "page uuid is not 16 bytes");
                return;
        }
        rec = held_get(b->held, &u);
        /* Done, and idle again: no READY follows a RESULT. */
        if (w)
                held = worker_set_idle(b->worker_table, w);
        if (held && held != rec)
                /* It answered for another page than the one it holds. */
                dispatch_requeue(b, held, false);
        if (rec && !backend_result_matches(rec, res)) {
                /* A worker fault like dying with the page: it goes out
                 * again (counting an attempt) if this worker had it;
                 * elsewhere (queued, with another worker) it stays. */
                broker_drop(b, true, m, who,
                            "stored outcome for another sha256 than its page's: not forwarded, "
                            "the page is processed again");
                if (held == rec)
                        dispatch_requeue(b, rec, true);
                return;
        }
        if (rec)
                backend_result_held(b, rec, res);
        else
                backend_result_unheld(b, &u, res);
}

void backend_handle(Broker *b, Msg *m, uint64_t now_ms)
{
        Worker *w = worker_by_rid(b->worker_table, m->routing_id, m->routing_id_len);
        HeldPage *rec;

        if (w)
                worker_seen(b->worker_table, w, now_ms);
        if (m->type == MSG_HELLO) {
                backend_on_hello(b, w, m, now_ms);
                return;
        }
        if (!w && m->type == MSG_RESULT) {
                /* Sent before its HELLO to a broker that started since:
                 * the answer is still good (§5.4); then it should say HELLO. */
                backend_on_result(b, NULL, m);
                broker_send_heartbeat(b, b->workers, m->routing_id, m->routing_id_len, 0);
                return;
        }
        if (!w) {
                if (m->type != MSG_BYE)
                        broker_ask_hello(b, true, m);
                return;
        }
        switch (m->type) {
        case MSG_READY:
                backend_on_ready(b, w);
                break;
        case MSG_RESULT:
                backend_on_result(b, w, m);
                break;
        case MSG_HEARTBEAT:
                if (MSG_HEARTBEAT_BODY(m)->database_unreachable && !w->no_database)
                        log_warning("worker %s cannot reach its database (%s): no page goes to it",
                                    w->binding.id,
                                    MSG_HEARTBEAT_BODY(m)->database_error
                                            ? MSG_HEARTBEAT_BODY(m)->database_error
                                            : "");
                else if (!MSG_HEARTBEAT_BODY(m)->database_unreachable && w->no_database)
                        log_notice("worker %s reaches its database again", w->binding.id);
                worker_set_heartbeat(b->worker_table, w, MSG_HEARTBEAT_BODY(m));
                break;
        case MSG_BYE:
                log_info("worker %s said BYE", w->binding.id);
                /* Leaving is not dying: no attempt is counted. */
                rec = worker_forget(b->worker_table, w, now_ms);
                if (rec)
                        dispatch_requeue(b, rec, false);
                break;
        default:
                broker_drop(b, true, m, w->binding.id, "not a command for the broker's worker endpoint");
                break;
        }
}
