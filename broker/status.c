/* The StatusReply: per class what is queued, in flight and held against
 * the pool; workers, idle workers and stations; every counter; and, when
 * asked, one line per client peer and worker. A body must stay under
 * MSG_BODY_MAX, so the peer list stops when the next entry would not fit
 * (the totals still count everyone). */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "status.h"

/* Room kept for everything but the peer list. */
#define STATUS_PEERS_BUDGET (MSG_BODY_MAX - 4096)

static uint32_t status_ms(uint64_t now, uint64_t then);

/* The age of the oldest page queued in class k: each sender's FIFO starts
 * with its oldest. */
static uint64_t status_oldest_queued(Broker *b, BrokerClass k, uint64_t now)
{
        uint64_t oldest = 0;
        size_t state = 0;
        Peer *p;

        while (peer_iterate(b->peers, &state, &p))
                if (p->klass == k && p->head && (oldest == 0 || p->head->received_ms < oldest))
                        oldest = p->head->received_ms;
        return oldest ? status_ms(now, oldest) : 0;
}

static void status_classes(Broker *b, StatusBuild *s)
{
        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++) {
                Sohoa__ClassStatus *c = &s->classes[k];

                sohoa__class_status__init(c);
                c->page_class = k == BROKER_BULK ? SOHOA__PAGE_CLASS__CLASS_BULK
                                                 : SOHOA__PAGE_CLASS__CLASS_INTERACTIVE;
                c->queued_pages = held_queued_pages(b->held, k);
                c->queued_bytes = held_queued_bytes(b->held, k);
                c->inflight_pages = b->held->inflight_pages[k];
                c->held_bytes = b->held->held_bytes[k];
                c->pool_bytes = b->pool_bytes[k];
                c->oldest_queued_ms = status_oldest_queued(b, k, s->now);
                c->pages_in = b->class_in[k].total;
                c->pages_out = b->class_out[k].total;
                c->pages_in_last_min = rate_last_minute(&b->class_in[k], s->now);
                c->pages_out_last_min = rate_last_minute(&b->class_out[k], s->now);
                s->class_ptrs[k] = c;
        }
        s->reply.classes = s->class_ptrs;
        s->reply.n_classes = _BROKER_CLASS_MAX;
}

static void status_counters(Broker *b, StatusBuild *s)
{
        const BrokerCounters *c = &b->counters;
        Sohoa__Counters *o = &s->counters;

        sohoa__counters__init(o);
        o->pages_in = c->pages_in;
        o->acks_out = c->acks_out;
        o->jobs_out = c->jobs_out;
        o->dropped_malformed = c->dropped_malformed;
        o->dropped_unknown_peer = c->dropped_unknown_peer;
        o->dropped_duplicate = c->dropped_duplicate;
        o->dropped_over_credit = c->dropped_over_credit;
        o->redispatched = c->redispatched;
        o->quarantined = c->quarantined;
        o->acks_unroutable = c->acks_unroutable;
        o->acks_from_cache = c->acks_from_cache;
        o->dropped_wrong_role = c->dropped_wrong_role;
        s->reply.counters = o;
}

static uint32_t status_ms(uint64_t now, uint64_t then)
{
        uint64_t d = now > then ? now - then : 0;

        return d > UINT32_MAX ? UINT32_MAX : (uint32_t) d;
}

/* The next free entry, or NULL when the list is full or would not fit. */
static Sohoa__PeerStatus *status_add(StatusBuild *s)
{
        if (s->n_peers >= s->max_peers || s->peers_bytes >= STATUS_PEERS_BUDGET)
                return NULL;
        sohoa__peer_status__init(&s->peers[s->n_peers]);
        return &s->peers[s->n_peers];
}

/* Keep the entry just filled in if it fits the budget. */
static void status_commit(StatusBuild *s)
{
        Sohoa__PeerStatus *p = &s->peers[s->n_peers];
        size_t len = sohoa__peer_status__get_packed_size(p) + 4;

        if (s->peers_bytes + len > STATUS_PEERS_BUDGET) {
                s->peers_bytes = STATUS_PEERS_BUDGET;
                return;
        }
        s->peers_bytes += len;
        s->peer_ptrs[s->n_peers] = p;
        s->n_peers++;
}

static void status_clients(Broker *b, StatusBuild *s, bool list)
{
        size_t state = 0;
        Peer *p;

        while (peer_iterate(b->peers, &state, &p)) {
                Sohoa__PeerStatus *o;

                if (p->state == PEER_LIVE && p->role == SOHOA__ROLE__ROLE_STATION)
                        s->reply.stations++;
                if (!list || !(o = status_add(s)))
                        continue;
                o->peer_id = p->binding.id;
                o->role = p->role;
                o->credit_bytes = p->state == PEER_LIVE ? broker_credit(b, p->klass) : 0;
                o->held_bytes = p->held_bytes;
                o->queued_pages = p->queued_pages;
                o->idle_ms = status_ms(s->now, p->binding.last_seen_ms);
                o->state = (char *) peer_state_to_string(p->state);
                o->spool_corrupt = p->spool_corrupt;
                o->spool_read_errors = p->spool_read_errors;
                o->spool_unreadable = p->spool_unreadable;
                o->acks_stored = p->acks_stored;
                o->acks_stored_failed = p->acks_stored_failed;
                o->acks_rejected = p->acks_rejected;
                o->spool_pages = p->spool_pages;
                o->spool_oldest_ms = p->spool_oldest_at_ms ? status_ms(s->now, p->spool_oldest_at_ms) : 0;
                if (*p->last_event) {
                        o->last_event = p->last_event;
                        o->last_event_age_ms = status_ms(s->now, p->last_event_at_ms);
                }
                status_commit(s);
        }
}

static void status_workers(Broker *b, StatusBuild *s, bool list)
{
        size_t state = 0;
        Worker *w;

        s->reply.workers = b->worker_table->live;
        s->reply.workers_idle = b->worker_table->idle;
        while (list && worker_iterate(b->worker_table, &state, &w)) {
                Sohoa__PeerStatus *o = status_add(s);

                if (!o)
                        break;
                o->peer_id = w->binding.id;
                o->role = SOHOA__ROLE__ROLE_WORKER;
                o->idle_ms = status_ms(s->now, w->binding.last_seen_ms);
                o->state = (char *) (w->no_database && w->state != WORKER_BUSY && w->state != WORKER_DEAD
                                             ? "no-database"
                                             : worker_state_to_string(w->state));
                o->database_unreachable = w->no_database;
                if (w->no_database)
                        o->database_error = w->database_error;
                o->pages_done = w->pages_done;
                o->pages_failed = w->pages_failed;
                o->work_ms = w->work_ms;
                if (w->state == WORKER_BUSY) {
                        o->busy_ms = status_ms(s->now, w->busy_since_ms);
                        if (w->page) {
                                o->page_uuid.data = w->page->uuid.b;
                                o->page_uuid.len = sizeof(w->page->uuid.b);
                                o->held_bytes = w->page->bytes;
                        } else if (w->claimed) {
                                /* Named in its HELLO; its sender has not resent it yet. */
                                o->page_uuid.data = w->page_uuid.b;
                                o->page_uuid.len = sizeof(w->page_uuid.b);
                        }
                }
                status_commit(s);
        }
}

void status_build(Broker *b, bool list, StatusBuild *out)
{
        StatusBuild s = { .reply = SOHOA__STATUS_REPLY__INIT, .now = clock_mono_ms() };

        s.reply.epoch = b->epoch;
        s.reply.uptime_ms = s.now - b->started_ms;
        s.reply.draining = b->draining;
        status_classes(b, &s);
        status_counters(b, &s);
        if (list) {
                s.max_peers = binding_count(b->peers->bindings) + binding_count(b->worker_table->bindings);
                s.peers = calloc(MAX(s.max_peers, 1u), sizeof(*s.peers));
                s.peer_ptrs = calloc(MAX(s.max_peers, 1u), sizeof(*s.peer_ptrs));
                if (!s.peers || !s.peer_ptrs) {
                        /* The totals are worth sending without the list. */
                        list = false;
                        s.max_peers = 0;
                }
        }
        status_clients(b, &s, list);
        status_workers(b, &s, list);
        s.reply.peers = s.peer_ptrs;
        s.reply.n_peers = s.n_peers;
        *out = s;
        /* The reply points into the build: fix the pointers to its copy. */
        out->reply.classes = out->class_ptrs;
        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++)
                out->class_ptrs[k] = &out->classes[k];
        out->reply.counters = &out->counters;
}

void status_build_done(StatusBuild *s)
{
        free(s->peers);
        free(s->peer_ptrs);
        s->peers = NULL;
        s->peer_ptrs = NULL;
}

void status_reply(Broker *b, const uint8_t *rid, size_t rid_len, const Sohoa__StatusRequest *req)
{
        StatusBuild s;
        int r;

        status_build(b, req && req->with_peers, &s);
        r = broker_send(b, b->stations, rid, rid_len, MSG_STATUS_REPLY, &s.reply.base, NULL);
        if (r < 0)
                log_debug_errno(r, "STATUS_REPLY not sent: %m");
        status_build_done(&s);
}
