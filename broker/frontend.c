/* The station endpoint's handlers. A peer is known by HELLO; anything else
 * from a routing id that has not said HELLO is answered with a HEARTBEAT of
 * zero credit so it notices and says HELLO. A PAGE is held only when it is
 * new and fits its class's pool; otherwise it is dropped and its sender's
 * resend timer brings it back. A page stored already goes to a worker like
 * any other: only the store knows what it holds. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "frontend.h"
#include "hello.h"
#include "log.h"
#include "status.h"

/* A reason longer than this is cut (at a character boundary) so an ACK
 * always fits in a body. */
#define FRONTEND_REASON_MAX 1024

static void frontend_on_hello(Broker *b, Msg *m, uint64_t now)
{
        const Settings *s = b->settings;
        const Sohoa__Hello *h = MSG_HELLO_BODY(m);
        Peer *p;
        int r;

        /* The role picks the traffic class: a key may not choose another. */
        if (hello_wrong_role(b, false, m))
                return;
        /* sohoactl may say who it is; it holds no pages and gets no credit. */
        if (h->role == SOHOA__ROLE__ROLE_ADMIN) {
                broker_send_welcome(b, false, m->routing_id, m->routing_id_len, 0, h->peer_id);
                return;
        }
        p = peer_in_use(b->peers, h->peer_id, m->routing_id, m->routing_id_len, now,
                        s->liveness * s->heartbeat_ms);
        if (p && hello_id_taken(b, false, m, p->binding.rid, p->binding.rid_len, broker_credit(b, p->klass)))
                return;
        r = peer_hello(b->peers, h->peer_id, h->role, m->routing_id, m->routing_id_len, now, &p);
        if (r == -EINVAL) {
                broker_drop(b, false, m, h->peer_id, "not a station or importer role");
                return;
        }
        if (r == -EBUSY) {
                broker_drop(b, false, m, h->peer_id, "changes class while pages it sent are held");
                return;
        }
        if (r < 0) {
                log_error_errno(r, "HELLO from %s: %m", h->peer_id);
                return;
        }
        log_info("%s %s connected (%s, %u page(s) held for it)", msg_role_to_string(p->role), p->binding.id,
                 h->software ? h->software : "", p->held_pages);
        broker_send_welcome(b, false, p->binding.rid, p->binding.rid_len, broker_credit(b, p->klass),
                            p->binding.id);
}

/* Byte length of s cut to at most max bytes without splitting a UTF-8
 * sequence. */
static size_t frontend_cut(const char *s, size_t max)
{
        size_t n = strlen(s);

        if (n <= max)
                return n;
        n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return n;
}

void frontend_ack(Broker *b, const char *to, const FrontendAck *a)
{
        char cut[FRONTEND_REASON_MAX + 1];
        Sohoa__Ack ack = SOHOA__ACK__INIT;
        Peer *p = to ? peer_by_id(b->peers, to) : NULL;
        const char *reason = a->reason ? a->reason : "";
        size_t n;

        if (!p || p->binding.rid_len == 0) {
                b->counters.acks_unroutable++;
                return;
        }
        n = frontend_cut(reason, FRONTEND_REASON_MAX);
        memcpy(cut, reason, n);
        cut[n] = '\0';
        ack.epoch = b->epoch;
        ack.page_uuid.data = (uint8_t *) a->page_uuid->b;
        ack.page_uuid.len = sizeof(a->page_uuid->b);
        ack.status = a->status;
        ack.reason = cut;
        if (a->batch) {
                ack.batch_uuid.data = (uint8_t *) a->batch->b;
                ack.batch_uuid.len = sizeof(a->batch->b);
        }
        if (a->sha256 && (a->status == SOHOA__RESULT_STATUS__RESULT_STORED ||
                          a->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED)) {
                ack.sha256.data = (uint8_t *) a->sha256;
                ack.sha256.len = 32;
        }
        if (broker_send(b, b->stations, p->binding.rid, p->binding.rid_len, MSG_ACK, &ack.base, NULL) < 0)
                b->counters.acks_unroutable++;
        else
                b->counters.acks_out++;
}

void frontend_page_done(Broker *b, HeldPage *rec, Sohoa__ResultStatus status, const char *reason)
{
        Peer *origin = rec->origin;
        Uuid batch;
        FrontendAck a = { .page_uuid = &rec->uuid,
                          .status = status,
                          .reason = reason,
                          .batch = &batch,
                          .sha256 = rec->page->sha256.data };
        FrontendAck other = { .page_uuid = &rec->uuid,
                              .status = SOHOA__RESULT_STATUS__RESULT_RESEND,
                              .reason = "another copy of this page UUID was processed",
                              .batch = &batch };

        /* Checked when the page came in. */
        if (uuid_from_bytes(rec->page->batch_uuid.data, rec->page->batch_uuid.len, &batch) < 0)
                batch = (Uuid) {};
        frontend_ack(b, origin->binding.id, &a);
        origin->acks_stored += status == SOHOA__RESULT_STATUS__RESULT_STORED;
        origin->acks_stored_failed += status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
        origin->acks_rejected += status == SOHOA__RESULT_STATUS__RESULT_REJECTED;
        for (size_t i = 0; i < rec->n_senders; i++)
                frontend_ack(b, rec->senders[i].id, rec->senders[i].same ? &a : &other);
        held_free(b->held, rec);
        if (origin->state == PEER_GONE)
                (void) peer_reap(b->peers, origin);
}

/* The same page UUID from a peer other than the one whose copy the broker
 * holds (two importers of one file): it hears the outcome too (§7.1). */
static void frontend_other_sender(Broker *b, HeldPage *held, const Peer *p, const Sohoa__Page *pg)
{
        CompletedContent mine, theirs;
        char id[UUID_STRING_MAX];
        int r;

        b->counters.dropped_duplicate++;
        if (held->origin == p)
                return;
        completed_content(held->page, &mine);
        completed_content(pg, &theirs);
        r = held_add_sender(held, p->binding.id, completed_content_equal(&mine, &theirs));
        if (r == -ENOSPC)
                log_debug("page %s: %d senders already, %s's copy waits for its resend timer",
                          uuid_format(&held->uuid, id), HELD_SENDERS_MAX + 1, p->binding.id);
        else if (r == -ENOMEM)
                log_warning("page %s: out of memory noting %s as its sender too, ignoring",
                            uuid_format(&held->uuid, id), p->binding.id);
}

/* Why a PAGE of len bytes from p is not taken now (§6), or NULL. One page
 * always fits a peer's window, so a page larger than its share never
 * stalls; the class's pool bounds the broker's memory. */
static const char *frontend_over_credit(Broker *b, const Peer *p, size_t len)
{
        if (p->held_pages > 0 && p->held_bytes + len > broker_credit(b, p->klass))
                return "over the peer's credit";
        if (held_over_pool(b->held, p->klass, len, b->pool_bytes[p->klass], b->settings->max_frame_bytes))
                return "broker pool full";
        return NULL;
}

/* A PAGE refused for good at the door: counted and logged as malformed,
 * answered REJECTED so that its sender sets it aside. */
static void frontend_reject(Broker *b, Peer *p, const Msg *m, const Uuid *u, const char *why,
                            const char *reason)
{
        const Sohoa__Page *pg = MSG_PAGE_BODY(m);
        Uuid batch;
        bool has_batch = uuid_from_bytes(pg->batch_uuid.data, pg->batch_uuid.len, &batch) == 0;

        broker_drop(b, false, m, p->binding.id, why);
        frontend_ack(b, p->binding.id,
                     &(FrontendAck) { .page_uuid = u,
                                      .status = SOHOA__RESULT_STATUS__RESULT_REJECTED,
                                      .reason = reason,
                                      .batch = has_batch ? &batch : NULL });
}

/* A close record's UUID is the v5 of its batch's. */
static bool frontend_close_uuid_ok(const Sohoa__Page *pg, const Uuid *u)
{
        Uuid batch, want;

        /* Checked by msg_page_check(). */
        if (uuid_from_bytes(pg->batch_uuid.data, pg->batch_uuid.len, &batch) < 0)
                return false;
        uuid_batch_close(&batch, &want);
        return uuid_equal(u, &want);
}

static void frontend_on_page(Broker *b, Peer *p, Msg *m)
{
        const Sohoa__Page *pg = MSG_PAGE_BODY(m);
        size_t len = m->has_image ? zmq_msg_size(&m->image) : 0;
        const char *busy;
        Worker *holder;
        HeldPage *rec;
        Uuid u;
        int r;

        /* Draining: the page is safe in its sender's spool. */
        if (b->draining)
                return;
        if (!m->has_image || msg_page_check(pg, len) < 0 ||
            uuid_from_bytes(pg->page_uuid.data, pg->page_uuid.len, &u) < 0) {
                broker_drop(b, false, m, p->binding.id, "page header does not match its image");
                return;
        }
        b->counters.pages_in++;
        rate_add(&b->class_in[p->klass], clock_mono_ms());
        if (pg->batch_close && !frontend_close_uuid_ok(pg, &u)) {
                /* Every close of a batch must be one record (§7.6): under
                 * another UUID it would be neither deduplicated nor cached. */
                frontend_reject(b, p, m, &u, "close record under another UUID than its batch's: rejected",
                                "close record's page uuid is not the UUIDv5 of its batch");
                return;
        }
        rec = held_get(b->held, &u);
        if (rec) {
                frontend_other_sender(b, rec, p, pg);
                return;
        }
        /* No answer from the completed cache (§7.1 step 6): the store may
         * no longer hold what the broker saw stored (an administrator
         * deleted the row to import it again), and the sender would delete
         * its only copy. The worker's look-up answers a repeat without OCR. */
        busy = frontend_over_credit(b, p, len);
        if (busy) {
                /* Not taken: say so, so that the sender backs off and
                 * resends within its (by now smaller) window instead of
                 * waiting for its resend timer. */
                b->counters.dropped_over_credit++;
                frontend_ack(b, p->binding.id,
                             &(FrontendAck) { .page_uuid = &u,
                                              .status = SOHOA__RESULT_STATUS__RESULT_BUSY,
                                              .reason = busy });
                return;
        }
        r = held_new(b->held, pg, &m->image, p, p->binding.id, p->klass, &rec);
        if (r == -EMSGSIZE) {
                /* It would stall in the queue, never fitting in a JOB:
                 * REJECTED is final, so the sender sets it aside. */
                frontend_reject(b, p, m, &u, "its header would not fit in a JOB: rejected",
                                "page header too large to pass to a worker");
                return;
        }
        if (r < 0) {
                log_error_errno(r, "holding a page from %s: %m", p->binding.id);
                return;
        }
        /* A worker already has it (its HELLO said so, §5.4): no second one. */
        holder = worker_claimant(b->worker_table, &u);
        if (holder) {
                worker_set_busy(b->worker_table, holder, rec, clock_mono_ms());
                held_set_worker(b->held, rec, holder);
                return;
        }
        peer_push_back(b->peers, rec);
}

/* A sender's figures from its HEARTBEAT, its ages turned into times. */
static void frontend_heartbeat_figures(Peer *p, const Sohoa__Heartbeat *hb)
{
        uint64_t now = clock_mono_ms();

        p->spool_pages = hb->spool_pages;
        p->spool_oldest_at_ms = hb->spool_oldest_ms > 0 && hb->spool_oldest_ms < now
                                        ? now - hb->spool_oldest_ms
                                        : 0;
        if (hb->last_event && *hb->last_event) {
                snprintf(p->last_event, sizeof(p->last_event), "%s", hb->last_event);
                p->last_event_at_ms = hb->last_event_age_ms < now ? now - hb->last_event_age_ms : 0;
        }
}

void frontend_handle(Broker *b, Msg *m, uint64_t now_ms)
{
        Peer *p = peer_by_rid(b->peers, m->routing_id, m->routing_id_len);

        if (p)
                peer_seen(b->peers, p, now_ms);
        if (m->type == MSG_HELLO) {
                frontend_on_hello(b, m, now_ms);
                return;
        }
        if (m->type == MSG_STATUS) {
                status_reply(b, m->routing_id, m->routing_id_len, MSG_STATUS_BODY(m));
                return;
        }
        if (!p) {
                /* A BYE needs no answer, known or not. */
                if (m->type != MSG_BYE)
                        broker_ask_hello(b, false, m);
                return;
        }
        switch (m->type) {
        case MSG_PAGE:
                frontend_on_page(b, p, m);
                break;
        case MSG_HEARTBEAT: {
                const Sohoa__Heartbeat *hb = MSG_HEARTBEAT_BODY(m);

                /* Only shown by STATUS: a peer's word about its own spool. */
                p->spool_corrupt = hb->spool_corrupt;
                p->spool_read_errors = hb->spool_read_errors;
                p->spool_unreadable = hb->spool_unreadable;
                frontend_heartbeat_figures(p, hb);
                break;
        }
        case MSG_BYE:
                log_info("%s %s said BYE (%u page(s) held for it)", msg_role_to_string(p->role),
                         p->binding.id, p->held_pages);
                peer_bye(b->peers, p);
                (void) peer_reap(b->peers, p);
                break;
        default:
                broker_drop(b, false, m, p->binding.id, "not a command for the broker's station endpoint");
                break;
        }
}
