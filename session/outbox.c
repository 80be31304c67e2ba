/* The one sender of pages. outbox_put() runs in the caller's thread: it
 * writes the page to the spool and hands a small record to the outbox
 * thread, which owns the broker link. A page is unsent, in flight (sent, not
 * yet acknowledged) or gone (stored with its own SHA-256, rejected,
 * corrupt). Anything that might
 * have lost a message (silence, a new epoch, a resend timer) turns in-flight
 * pages back into unsent ones; the broker and the store make repeats
 * harmless, so sending twice is always safe and losing is never. A read
 * error proves nothing about a page: it stays in the spool and is read
 * again later (with a growing pause); only a file that reads whole and does
 * not parse is damage, set aside in corrupt/. Either is told as an event. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hashmap.h"
#include "link.h"
#include "outbox.h"
#include "sha256.h"
#include "spool.h"

#define RECV_BATCH 256
#define OUTBOX_BUSY_PAUSE_MS 250
/* Reading again what could not be read: after this, doubling up to that. */
#define OUTBOX_RETRY_MIN_MS 1000
#define OUTBOX_RETRY_MAX_MS 30000

typedef enum ItemState {
        ITEM_UNSENT,
        ITEM_INFLIGHT,
        ITEM_HELD,       /* larger than the broker's largest frame: kept, not sent */
        ITEM_UNREADABLE, /* its file could not be read: kept, read again at the next retry */
} ItemState;

typedef struct Item {
        SpoolEntry e;
        ItemState state;
        bool read_failed; /* told as unreadable, not yet as readable again */
        uint64_t sent_ms;
        uint8_t sha256[SHA256_LEN]; /* the page's, once known: a stored ACK must name it */
        bool has_sha256;
        Uuid batch_uuid;       /* the page's, once known (spooled or read by this run): a damaged file
                                * proves nothing of its own, but its CORRUPT event names this batch */
        TAILQ_ENTRY(Item) all; /* every page, oldest first */
        TAILQ_ENTRY(Item) q;   /* unsent (by order) or in flight (by send time) */
} Item;

TAILQ_HEAD(ItemList, Item);

struct Outbox {
        char *peer_id;
        Sohoa__PageClass page_class;
        uint64_t resend_ms;
        uint64_t max_spool_bytes;
        Spool *spool;
        void *zctx;
        Link *link;
        OutboxEventFn fn;
        void *userdata;
        pthread_t thread;
        bool thread_started;
        char event[64]; /* outbox_set_event(), under lock */
        bool event_new;
        int wake_fd;

        /* Shared with callers, under lock. */
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct ItemList incoming;
        bool stop;
        OutboxStats stats;
        int64_t oldest_us;

        /* Owned by the outbox thread. */
        Hashmap *items;
        struct ItemList all, unsent, inflight;
        uint64_t inflight_bytes;
        uint32_t inflight_pages;
        uint64_t held_pages;
        uint64_t unreadable_items;
        uint64_t pause_until_ms; /* after BUSY: no sends before this */
        Hashmap *unlisted;       /* page UUIDs a listing could not read: in the spool, not items */
        bool relist;             /* the last listing was incomplete, or left a damaged file in place */
        uint64_t retry_ms;       /* the pause before reading again what could not be read; 0: none due */
        uint64_t retry_at_ms;
};

/* Any counter of o->stats, under the lock. */
static void stat_add(Outbox *o, uint64_t *counter, uint64_t n)
{
        pthread_mutex_lock(&o->lock);
        *counter += n;
        pthread_mutex_unlock(&o->lock);
}

static void emit(Outbox *o, const OutboxEvent *ev)
{
        if (o->fn)
                o->fn(ev, o->userdata);
}

/* Unsent pages go out oldest first; a page coming back from flight is
 * usually older than every unsent one, so search from the head. */
static void unsent_insert(Outbox *o, Item *it)
{
        Item *x;

        it->state = ITEM_UNSENT;
        TAILQ_FOREACH (x, &o->unsent, q)
                if (x->e.order > it->e.order) {
                        TAILQ_INSERT_BEFORE(x, it, q);
                        return;
                }
        TAILQ_INSERT_TAIL(&o->unsent, it, q);
}

static void item_unlink(Outbox *o, Item *it)
{
        if (it->state == ITEM_UNSENT)
                TAILQ_REMOVE(&o->unsent, it, q);
        else if (it->state == ITEM_INFLIGHT) {
                TAILQ_REMOVE(&o->inflight, it, q);
                o->inflight_bytes -= it->e.image_bytes;
                o->inflight_pages--;
        } else if (it->state == ITEM_HELD)
                o->held_pages--;
        else
                o->unreadable_items--;
}

static void requeue(Outbox *o, Item *it)
{
        item_unlink(o, it);
        unsent_insert(o, it);
}

static void requeue_all_inflight(Outbox *o)
{
        Item *it;

        while ((it = TAILQ_FIRST(&o->inflight)))
                requeue(o, it);
}

static void requeue_all_in(Outbox *o, ItemState state)
{
        Item *it;

        if ((state == ITEM_HELD ? o->held_pages : o->unreadable_items) == 0)
                return;
        TAILQ_FOREACH (it, &o->all, all)
                if (it->state == state)
                        requeue(o, it);
}

static void item_forget(Outbox *o, Item *it)
{
        item_unlink(o, it);
        TAILQ_REMOVE(&o->all, it, all);
        (void) hashmap_remove(o->items, it->e.page_uuid.b, sizeof(it->e.page_uuid.b));
        pthread_mutex_lock(&o->lock);
        o->stats.spool_pages--;
        o->stats.spool_bytes -= it->e.file_bytes;
        pthread_mutex_unlock(&o->lock);
        free(it);
}

/* -EEXIST when the page is an item already: a listing may find a page
 * that outbox_put() spooled before its record reaches the thread. */
static int item_adopt(Outbox *o, Item *it)
{
        int r;

        if (hashmap_get(o->items, it->e.page_uuid.b, sizeof(it->e.page_uuid.b)))
                return -EEXIST;
        r = hashmap_put(o->items, it->e.page_uuid.b, sizeof(it->e.page_uuid.b), it, NULL);
        if (r < 0)
                return r;
        TAILQ_INSERT_TAIL(&o->all, it, all);
        unsent_insert(o, it);
        return 0;
}

/* Check the spooled copy against its own hash: 0 when it matches,
 * -EBADMSG when it is proven damaged (does not parse, or another hash), or
 * another negative errno when it could not be read now (no memory, no file
 * descriptors, an I/O error): that proves nothing about the page. */
static int spooled_copy_check(Outbox *o, const Uuid *u)
{
        void *header = NULL, *image = NULL;
        size_t hlen, ilen;
        Sohoa__Page *p = NULL;
        uint8_t h[SHA256_LEN];
        int r;

        r = spool_read(o->spool, u, &header, &hlen, &image, &ilen);
        if (r < 0)
                goto out;
        p = sohoa__page__unpack(NULL, hlen, header);
        if (!p || p->sha256.len != SHA256_LEN) {
                r = -EBADMSG;
                goto out;
        }
        sha256_buf(image, ilen, h);
        r = memcmp(h, p->sha256.data, SHA256_LEN) == 0 ? 0 : -EBADMSG;
out:
        if (p)
                sohoa__page__free_unpacked(p, NULL);
        free(header);
        free(image);
        return r;
}

static void spool_result(Outbox *o, int r)
{
        if (r >= 0 || r == -ENOENT)
                return;
        pthread_mutex_lock(&o->lock);
        o->stats.spool_errors++;
        pthread_mutex_unlock(&o->lock);
}

/* The page's SHA-256: kept since it was spooled or sent, else read from
 * its spooled header (a page replayed from an earlier run and not sent
 * yet). 0, or negative errno when it cannot be known now. */
static int item_sha256(Outbox *o, Item *it)
{
        void *header = NULL, *image = NULL;
        size_t hlen, ilen;
        Sohoa__Page *p = NULL;
        int r;

        if (it->has_sha256)
                return 0;
        r = spool_read(o->spool, &it->e.page_uuid, &header, &hlen, &image, &ilen);
        if (r >= 0) {
                p = sohoa__page__unpack(NULL, hlen, header);
                r = p && p->sha256.len == SHA256_LEN ? 0 : -EBADMSG;
        }
        if (r == 0) {
                memcpy(it->sha256, p->sha256.data, SHA256_LEN);
                it->has_sha256 = true;
        }
        if (p)
                sohoa__page__free_unpacked(p, NULL);
        free(header);
        free(image);
        return r;
}

/* A stored ACK deletes the page only when it names the page's own hash
 * (PROTOCOL.md §7.5): one that names another, or none, came from a worker
 * that did not store this page. A broker older than 1.2 sends no hash. NULL
 * when the ACK may be believed, else what is wrong with it. */
static const char *ack_hash_problem(Outbox *o, Item *it, const Sohoa__Ack *ack, uint8_t broker_minor)
{
        if (broker_minor < 2)
                return NULL;
        if (ack->sha256.len != SHA256_LEN)
                return "stored, says the broker, without the stored page's SHA-256";
        if (item_sha256(o, it) < 0)
                return "stored, says the broker, but this page's SHA-256 cannot be read to compare";
        if (memcmp(ack->sha256.data, it->sha256, SHA256_LEN) != 0)
                return "stored, says the broker, with another SHA-256 than this page's";
        return NULL;
}

/* Not believed: the page stays where it is; in flight, its resend timer
 * sends it again (PROTOCOL.md §7.5). Not at once: a broker that leaves the
 * hash out would answer every resend the same way from its cache, and the
 * window would go round as fast as it answers. */
static void on_ack_mismatch(Outbox *o, OutboxEvent *ev, const char *problem)
{
        pthread_mutex_lock(&o->lock);
        o->stats.acks_mismatch++;
        pthread_mutex_unlock(&o->lock);
        ev->type = OUTBOX_EVENT_ACK_MISMATCH;
        ev->reason = problem;
        emit(o, ev);
}

static void on_ack(Outbox *o, const Msg *m)
{
        const Sohoa__Ack *ack = MSG_ACK_BODY(m);
        OutboxEvent ev = { .status = ack->status, .reason = ack->reason, .epoch = ack->epoch };
        const char *problem;
        Item *it;

        if (uuid_from_bytes(ack->page_uuid.data, ack->page_uuid.len, &ev.page_uuid) < 0)
                return;
        if (uuid_from_bytes(ack->batch_uuid.data, ack->batch_uuid.len, &ev.batch_uuid) < 0)
                ev.batch_uuid = (Uuid) { { 0 } };
        it = hashmap_get(o->items, ev.page_uuid.b, sizeof(ev.page_uuid.b));
        if (!it) {
                pthread_mutex_lock(&o->lock);
                o->stats.acks_duplicate++;
                pthread_mutex_unlock(&o->lock);
                return;
        }
        switch (ack->status) {
        case SOHOA__RESULT_STATUS__RESULT_STORED:
        case SOHOA__RESULT_STATUS__RESULT_STORED_FAILED:
                problem = ack_hash_problem(o, it, ack, m->peer_minor);
                if (problem) {
                        on_ack_mismatch(o, &ev, problem);
                        return;
                }
                /* A file we fail to delete is sent again by the next run and
                 * acknowledged again: harmless, so only counted. */
                spool_result(o, spool_remove(o->spool, &ev.page_uuid));
                ev.type = OUTBOX_EVENT_STORED;
                break;
        case SOHOA__RESULT_STATUS__RESULT_REJECTED:
                spool_result(o, spool_reject(o->spool, &ev.page_uuid));
                ev.type = OUTBOX_EVENT_REJECTED;
                break;
        case SOHOA__RESULT_STATUS__RESULT_BUSY:
                /* Not taken: the broker's pool was full. Back off briefly;
                 * the window restated by the heartbeats paces the rest. */
                if (it->state == ITEM_INFLIGHT)
                        requeue(o, it);
                o->pause_until_ms = clock_mono_ms() + OUTBOX_BUSY_PAUSE_MS;
                pthread_mutex_lock(&o->lock);
                o->stats.busy++;
                pthread_mutex_unlock(&o->lock);
                return;
        case SOHOA__RESULT_STATUS__RESULT_RESEND:
                if (spooled_copy_check(o, &ev.page_uuid) != -EBADMSG) {
                        requeue(o, it);
                        return;
                }
                spool_result(o, spool_corrupt(o->spool, &ev.page_uuid));
                ev.type = OUTBOX_EVENT_CORRUPT;
                break;
        default:
                return;
        }
        item_forget(o, it);
        pthread_mutex_lock(&o->lock);
        if (ev.type == OUTBOX_EVENT_STORED)
                o->stats.stored++;
        else if (ev.type == OUTBOX_EVENT_REJECTED)
                o->stats.rejected++;
        else
                o->stats.corrupt++;
        pthread_mutex_unlock(&o->lock);
        emit(o, &ev);
}

static void on_link_event(Outbox *o, LinkEvent e)
{
        OutboxEvent ev = { .epoch = link_epoch(o->link) };

        if (e == LINK_EVENT_NONE)
                return;
        /* Either way, what was in flight may be lost: send it again. A new
         * session may also state a larger frame: held pages try again. */
        requeue_all_inflight(o);
        if (e == LINK_EVENT_WELCOMED)
                requeue_all_in(o, ITEM_HELD);
        ev.type = e == LINK_EVENT_WELCOMED ? OUTBOX_EVENT_CONNECTED : OUTBOX_EVENT_DISCONNECTED;
        emit(o, &ev);
}

static void receive_all(Outbox *o)
{
        for (int i = 0; i < RECV_BATCH; i++) {
                Msg m = { 0 };
                LinkEvent e;
                int r = link_recv(o->link, &m, &e);

                if (r == -EAGAIN)
                        break;
                if (r < 0) {
                        pthread_mutex_lock(&o->lock);
                        o->stats.dropped_malformed++;
                        pthread_mutex_unlock(&o->lock);
                        continue;
                }
                on_link_event(o, e);
                if (m.type == MSG_ACK)
                        on_ack(o, &m);
                msg_done(&m);
        }
}

static void free_image(void *data, void *hint)
{
        free(data);
}

/* A spooled file that reads whole and does not parse: never sent. Set
 * aside in corrupt/ for a human; when even that fails it stays where it
 * is, unsent, and the next listing tries again. it may be NULL (not an
 * item yet). */
static void set_aside_corrupt(Outbox *o, const Uuid *u, Item *it, const char *why)
{
        OutboxEvent ev = { .type = OUTBOX_EVENT_CORRUPT, .page_uuid = *u, .reason = why };
        int r = spool_corrupt(o->spool, u);

        if (it)
                ev.batch_uuid = it->batch_uuid;
        if (r == -ENOENT) {
                /* Gone meanwhile: nothing to set aside, nothing to send. */
                if (it)
                        item_forget(o, it);
                return;
        }
        ev.error = MIN(r, 0);
        if (r < 0)
                o->relist = true;
        stat_add(o, r < 0 ? &o->stats.spool_errors : &o->stats.corrupt, 1);
        if (it)
                item_forget(o, it);
        emit(o, &ev);
}

/* The page's file could not be read now (error r): kept, out of the
 * sending order until the next retry, told once until it reads again. */
static void item_unreadable(Outbox *o, Item *it, int r)
{
        OutboxEvent ev = { .type = OUTBOX_EVENT_READ_ERROR, .page_uuid = it->e.page_uuid, .error = r };
        bool tell = !it->read_failed;

        TAILQ_REMOVE(&o->unsent, it, q);
        it->state = ITEM_UNREADABLE;
        it->read_failed = true;
        o->unreadable_items++;
        stat_add(o, &o->stats.read_errors, 1);
        if (tell)
                emit(o, &ev);
}

/* Send the page at the head of the unsent list. 0 when sent, or set aside
 * because its spooled copy is proven damaged, gone, or could not be read
 * now (kept for the next retry): the round goes on with the next page. A
 * negative errno when it could not be sent now (socket full, no memory):
 * it stays at the head and this round of sending stops. */
static int send_one(Outbox *o, Item *it)
{
        void *header = NULL, *image = NULL;
        size_t hlen, ilen;
        Sohoa__Page *p = NULL;
        zmq_msg_t frame;
        int r;

        r = spool_read(o->spool, &it->e.page_uuid, &header, &hlen, &image, &ilen);
        if (r >= 0 && !(p = sohoa__page__unpack(NULL, hlen, header)))
                r = -EBADMSG;
        if (r < 0) {
                if (r == -ENOENT)
                        item_forget(o, it); /* gone: nothing to send, ever */
                else if (r == -EBADMSG)
                        set_aside_corrupt(o, &it->e.page_uuid, it, "the spooled file does not parse");
                else
                        item_unreadable(o, it, r);
                r = 0;
                goto out;
        }
        if (it->read_failed) {
                OutboxEvent ev = { .type = OUTBOX_EVENT_READABLE, .page_uuid = it->e.page_uuid };

                it->read_failed = false;
                emit(o, &ev);
        }
        if (zmq_msg_init_data(&frame, image, ilen, free_image, NULL) < 0) {
                r = -errno;
                goto out;
        }
        image = NULL;
        if (p->sha256.len == SHA256_LEN) {
                memcpy(it->sha256, p->sha256.data, SHA256_LEN);
                it->has_sha256 = true;
        }
        if (uuid_from_bytes(p->batch_uuid.data, p->batch_uuid.len, &it->batch_uuid) < 0)
                it->batch_uuid = (Uuid) { { 0 } };
        r = link_send(o->link, MSG_PAGE, &p->base, &frame);
        if (r < 0)
                goto out;
        TAILQ_REMOVE(&o->unsent, it, q);
        it->state = ITEM_INFLIGHT;
        it->sent_ms = clock_mono_ms();
        TAILQ_INSERT_TAIL(&o->inflight, it, q);
        o->inflight_bytes += it->e.image_bytes;
        o->inflight_pages++;
        stat_add(o, &o->stats.sent, 1);
out:
        if (p)
                sohoa__page__free_unpacked(p, NULL);
        free(header);
        free(image);
        return r;
}

/* Send oldest first while the window allows; one page always goes when
 * nothing is in flight, so a page larger than the window cannot stall. */
static void send_pending(Outbox *o)
{
        Item *it;

        if (clock_mono_ms() < o->pause_until_ms)
                goto out;
        while (link_welcomed(o->link) && (it = TAILQ_FIRST(&o->unsent))) {
                uint64_t max_frame = link_max_frame(o->link);

                if (max_frame > 0 && it->e.image_bytes > max_frame) {
                        TAILQ_REMOVE(&o->unsent, it, q);
                        it->state = ITEM_HELD;
                        o->held_pages++;
                        continue;
                }
                if (o->inflight_pages > 0 && o->inflight_bytes + it->e.image_bytes > link_credit(o->link))
                        break;
                if (send_one(o, it) < 0)
                        break;
        }
out:
        link_set_unacked(o->link, o->inflight_pages, o->inflight_bytes);
}

/* Pages sent longer ago than resend_ms without an answer go out again. */
static void resend_overdue(Outbox *o)
{
        uint64_t now = clock_mono_ms();
        Item *it;
        uint64_t n = 0;

        while ((it = TAILQ_FIRST(&o->inflight)) && now - it->sent_ms >= o->resend_ms) {
                requeue(o, it);
                n++;
        }
        if (n > 0) {
                pthread_mutex_lock(&o->lock);
                o->stats.resent += n;
                pthread_mutex_unlock(&o->lock);
        }
}

static uint64_t next_timeout_ms(Outbox *o)
{
        uint64_t t = link_next_timeout_ms(o->link);
        Item *it = TAILQ_FIRST(&o->inflight);

        uint64_t now = clock_mono_ms();

        if (it) {
                uint64_t due = it->sent_ms + o->resend_ms;
                t = MIN(t, due > now ? due - now : 0);
        }
        if (o->pause_until_ms > now)
                t = MIN(t, o->pause_until_ms - now);
        if (o->retry_at_ms > 0)
                t = MIN(t, o->retry_at_ms > now ? o->retry_at_ms - now : 0);
        return MIN(t, 1000);
}

static void adopt_incoming(Outbox *o)
{
        struct ItemList batch = TAILQ_HEAD_INITIALIZER(batch);
        uint64_t wake;
        Item *it;

        (void) read(o->wake_fd, &wake, sizeof(wake));
        pthread_mutex_lock(&o->lock);
        TAILQ_CONCAT(&batch, &o->incoming, all);
        pthread_mutex_unlock(&o->lock);
        while ((it = TAILQ_FIRST(&batch))) {
                TAILQ_REMOVE(&batch, it, all);
                /* A listing that found the page first made it an item
                 * already (and counted it). Otherwise only out of memory
                 * can fail here; the page stays in the spool and is
                 * replayed by the next run, but leaves this run's count
                 * (else waiting for an empty spool never ends). */
                int r = item_adopt(o, it);

                if (r < 0) {
                        pthread_mutex_lock(&o->lock);
                        o->stats.spool_pages--;
                        o->stats.spool_bytes -= it->e.file_bytes;
                        if (r != -EEXIST)
                                o->stats.spool_errors++;
                        pthread_mutex_unlock(&o->lock);
                        free(it);
                }
        }
}

static void publish_stats(Outbox *o)
{
        Item *first = TAILQ_FIRST(&o->all);
        LinkCounters lc;
        LinkSpool spool;

        link_counters(o->link, &lc);
        pthread_mutex_lock(&o->lock);
        if (!TAILQ_EMPTY(&o->incoming) && (!first || TAILQ_FIRST(&o->incoming)->e.order < first->e.order))
                first = TAILQ_FIRST(&o->incoming);
        o->oldest_us = first ? first->e.spooled_at_us : 0;
        o->stats.inflight_pages = o->inflight_pages;
        o->stats.inflight_bytes = o->inflight_bytes;
        o->stats.held_pages = o->held_pages;
        o->stats.unreadable_pages = o->unreadable_items + hashmap_size(o->unlisted);
        o->stats.credit_bytes = link_credit(o->link);
        o->stats.epoch = link_epoch(o->link);
        o->stats.connected = link_welcomed(o->link);
        o->stats.dropped_malformed = lc.malformed;
        if (o->event_new)
                link_set_event(o->link, o->event);
        o->event_new = false;
        spool = (LinkSpool) { .corrupt = o->stats.corrupt,
                              .read_errors = o->stats.read_errors,
                              .unreadable = o->stats.unreadable_pages,
                              .pages = o->stats.spool_pages,
                              .oldest_us = o->oldest_us };
        pthread_cond_broadcast(&o->changed);
        pthread_mutex_unlock(&o->lock);
        link_set_spool(o->link, &spool);
}

/* Take in what a listing found: pages not known yet become unsent items;
 * a damaged file is set aside; a file or a directory that could not be
 * read is remembered, told once, and read again at the next retry. Pages
 * a listing could not read count as spooled: they are. 0 or -ENOMEM. */
static int absorb_listing(Outbox *o, const SpoolListing *l)
{
        Hashmap *old = o->unlisted, *now = hashmap_new();
        bool incomplete = false;
        OutboxEvent ev;
        size_t state = 0;
        const void *key;
        size_t klen;
        void *v;
        int r = 0;

        if (!now)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_issues; i++) {
                const SpoolIssue *is = &l->issues[i];
                Item *it = hashmap_get(o->items, is->page_uuid.b, sizeof(is->page_uuid.b));

                if (is->type == SPOOL_ISSUE_DAMAGED) {
                        set_aside_corrupt(o, &is->page_uuid, it, is->why);
                        continue;
                }
                stat_add(o, &o->stats.read_errors, 1);
                ev = (OutboxEvent) { .type = OUTBOX_EVENT_READ_ERROR, .error = is->error };
                if (is->type == SPOOL_ISSUE_LISTING) {
                        incomplete = true;
                        emit(o, &ev);
                        continue;
                }
                if (it)
                        continue; /* an item already: sending reads it, and says so if it cannot */
                if ((r = hashmap_put(now, is->page_uuid.b, sizeof(is->page_uuid.b), o, NULL)) < 0)
                        goto out;
                ev.page_uuid = is->page_uuid;
                if (!old || !hashmap_get(old, is->page_uuid.b, sizeof(is->page_uuid.b)))
                        emit(o, &ev);
        }
        for (size_t i = 0; i < l->n_entries; i++) {
                const SpoolEntry *e = &l->entries[i];
                Item *it;

                if (hashmap_get(o->items, e->page_uuid.b, sizeof(e->page_uuid.b)))
                        continue;
                it = calloc(1, sizeof(*it));
                if (!it) {
                        r = -ENOMEM;
                        goto out;
                }
                it->e = *e;
                r = item_adopt(o, it);
                if (r < 0) {
                        free(it);
                        goto out;
                }
                pthread_mutex_lock(&o->lock);
                o->stats.spool_pages++;
                o->stats.spool_bytes += e->file_bytes;
                pthread_mutex_unlock(&o->lock);
                if (old && hashmap_get(old, e->page_uuid.b, sizeof(e->page_uuid.b))) {
                        ev = (OutboxEvent) { .type = OUTBOX_EVENT_READABLE, .page_uuid = e->page_uuid };
                        emit(o, &ev);
                }
        }
        /* What an incomplete listing did not see may still be there. */
        while (incomplete && old && hashmap_iterate(old, &state, &key, &klen, &v))
                if (!hashmap_get(o->items, key, klen) && (r = hashmap_put(now, key, klen, o, NULL)) < 0)
                        goto out;
        pthread_mutex_lock(&o->lock);
        o->stats.spool_pages = o->stats.spool_pages + hashmap_size(now) - (old ? hashmap_size(old) : 0);
        pthread_mutex_unlock(&o->lock);
        o->unlisted = now;
        now = old;
        o->relist = o->relist || incomplete || hashmap_size(o->unlisted) > 0;
out:
        hashmap_free(now);
        return r;
}

static int list_spool(Outbox *o)
{
        SpoolListing l;
        int r;

        o->relist = false;
        r = spool_list(o->spool, &l);
        if (r < 0) {
                o->relist = true;
                return r;
        }
        r = absorb_listing(o, &l);
        if (r < 0)
                o->relist = true;
        spool_listing_done(&l);
        return r;
}

/* When the retry is due: pages that could not be read go back into the
 * sending order, and the spool is listed again if a listing missed any. */
static void retry_unreadable(Outbox *o)
{
        if (o->retry_at_ms == 0 || clock_mono_ms() < o->retry_at_ms)
                return;
        o->retry_at_ms = 0;
        requeue_all_in(o, ITEM_UNREADABLE);
        if (o->relist)
                (void) list_spool(o); /* a failure leaves relist set: tried again */
}

/* Whatever still cannot be read is tried again after a pause that grows
 * while it lasts; with nothing left, the pause starts small again. */
static void retry_schedule(Outbox *o)
{
        if (!o->relist && o->unreadable_items == 0) {
                o->retry_ms = 0;
                return;
        }
        if (o->retry_at_ms > 0)
                return;
        o->retry_ms = o->retry_ms ? MIN(o->retry_ms * 2, OUTBOX_RETRY_MAX_MS) : OUTBOX_RETRY_MIN_MS;
        o->retry_at_ms = clock_mono_ms() + o->retry_ms;
}

static bool should_stop(Outbox *o)
{
        bool stop;

        pthread_mutex_lock(&o->lock);
        stop = o->stop;
        pthread_mutex_unlock(&o->lock);
        return stop;
}

static void *outbox_thread(void *userdata)
{
        Outbox *o = userdata;

        while (!should_stop(o)) {
                zmq_pollitem_t items[2] = {
                        { .socket = link_socket(o->link), .events = ZMQ_POLLIN },
                        { .fd = o->wake_fd, .events = ZMQ_POLLIN },
                };
                LinkEvent e;

                if (zmq_poll(items, 2, (long) next_timeout_ms(o)) < 0 && errno != EINTR) {
                        /* Never stop sending silently: count it, breathe, go on. */
                        pthread_mutex_lock(&o->lock);
                        o->stats.poll_errors++;
                        pthread_mutex_unlock(&o->lock);
                        usleep(100000);
                        continue;
                }
                if (items[1].revents)
                        adopt_incoming(o);
                if (items[0].revents)
                        receive_all(o);
                if (link_tick(o->link, &e) == 0)
                        on_link_event(o, e);
                resend_overdue(o);
                retry_unreadable(o);
                send_pending(o);
                retry_schedule(o);
                publish_stats(o);
        }
        return NULL;
}

int outbox_new(const OutboxConfig *cfg, OutboxEventFn fn, void *userdata, Outbox **ret)
{
        LinkConfig lc = {
                .endpoint = cfg->endpoint,
                .peer_id = cfg->peer_id,
                .role = cfg->role,
                .software = cfg->software,
                .heartbeat_ms = cfg->heartbeat_ms,
                .curve_server_key = cfg->curve_server_key,
                .curve_public_key = cfg->curve_public_key,
                .curve_secret_key = cfg->curve_secret_key,
        };
        Outbox *o;
        int r;

        if (!cfg->spool_dir || !cfg->endpoint || !cfg->peer_id)
                return -EINVAL;
        if (cfg->role != SOHOA__ROLE__ROLE_STATION && cfg->role != SOHOA__ROLE__ROLE_IMPORTER)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->wake_fd = -1;
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_mutex_init(&o->lock, NULL);
        pthread_cond_init(&o->changed, &ca);
        pthread_condattr_destroy(&ca);
        TAILQ_INIT(&o->incoming);
        TAILQ_INIT(&o->all);
        TAILQ_INIT(&o->unsent);
        TAILQ_INIT(&o->inflight);
        o->fn = fn;
        o->userdata = userdata;
        o->page_class = cfg->role == SOHOA__ROLE__ROLE_STATION ? SOHOA__PAGE_CLASS__CLASS_INTERACTIVE
                                                               : SOHOA__PAGE_CLASS__CLASS_BULK;
        o->resend_ms = cfg->resend_ms ? cfg->resend_ms : 300000;
        o->max_spool_bytes = cfg->max_spool_bytes;
        o->peer_id = strdup(cfg->peer_id);
        o->items = hashmap_new();
        o->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        o->zctx = zmq_ctx_new();
        if (!o->peer_id || !o->items || o->wake_fd < 0 || !o->zctx) {
                r = o->wake_fd < 0 ? -errno : -ENOMEM;
                goto fail;
        }
        if ((r = spool_open(cfg->spool_dir, &o->spool)) < 0 || (r = list_spool(o)) < 0 ||
            (r = link_new(o->zctx, &lc, &o->link)) < 0)
                goto fail;
        /* The link's socket moves to the outbox thread; pthread_create is
         * the full barrier ZeroMQ asks for when a socket changes threads. */
        r = -pthread_create(&o->thread, NULL, outbox_thread, o);
        if (r < 0)
                goto fail;
        o->thread_started = true;
        *ret = o;
        return 0;
fail:
        outbox_free(o);
        return r;
}

Outbox *outbox_free(Outbox *o)
{
        Item *it;

        if (!o)
                return NULL;
        if (o->thread_started) {
                uint64_t one = 1;
                pthread_mutex_lock(&o->lock);
                o->stop = true;
                pthread_mutex_unlock(&o->lock);
                (void) write(o->wake_fd, &one, sizeof(one));
                pthread_join(o->thread, NULL);
        }
        while ((it = TAILQ_FIRST(&o->all))) {
                TAILQ_REMOVE(&o->all, it, all);
                free(it);
        }
        while ((it = TAILQ_FIRST(&o->incoming))) {
                TAILQ_REMOVE(&o->incoming, it, all);
                free(it);
        }
        link_free(o->link);
        if (o->zctx)
                zmq_ctx_term(o->zctx);
        hashmap_free(o->items);
        hashmap_free(o->unlisted);
        spool_free(o->spool);
        if (o->wake_fd >= 0)
                close(o->wake_fd);
        pthread_cond_destroy(&o->changed);
        pthread_mutex_destroy(&o->lock);
        free(o->peer_id);
        free(o);
        return NULL;
}

int outbox_put(Outbox *o, const Sohoa__Page *page, const void *image, size_t image_len)
{
        Sohoa__Page p = *page;
        uint8_t header[MSG_BODY_MAX];
        size_t hlen;
        Uuid u;
        Item *it;
        uint64_t file_bytes;
        uint64_t one = 1;
        int r;

        p.origin_id = o->peer_id;
        p.page_class = o->page_class;
        if (msg_page_check(&p, image_len) < 0 || uuid_from_bytes(p.page_uuid.data, p.page_uuid.len, &u) < 0)
                return -EBADMSG;
        hlen = sohoa__page__get_packed_size(&p);
        if (hlen > sizeof(header))
                return -EMSGSIZE;
        sohoa__page__pack(&p, header);
        it = calloc(1, sizeof(*it));
        if (!it)
                return -ENOMEM;
        /* Checked 32 bytes by msg_page_check(). */
        memcpy(it->sha256, p.sha256.data, SHA256_LEN);
        it->has_sha256 = true;
        if (uuid_from_bytes(p.batch_uuid.data, p.batch_uuid.len, &it->batch_uuid) < 0)
                it->batch_uuid = (Uuid) { { 0 } };

        /* Reserve the room first so concurrent callers cannot overshoot. */
        file_bytes = hlen + image_len + 64;
        pthread_mutex_lock(&o->lock);
        if (o->max_spool_bytes > 0 && o->stats.spool_bytes + file_bytes > o->max_spool_bytes)
                r = -ENOSPC;
        else {
                o->stats.spool_bytes += file_bytes;
                r = 0;
        }
        pthread_mutex_unlock(&o->lock);
        if (r < 0) {
                free(it);
                return r;
        }
        r = spool_put(o->spool, &u, header, hlen, image, image_len, &it->e);
        pthread_mutex_lock(&o->lock);
        o->stats.spool_bytes -= file_bytes;
        if (r == 0) {
                o->stats.spool_bytes += it->e.file_bytes;
                o->stats.spool_pages++;
                o->stats.spooled++;
                TAILQ_INSERT_TAIL(&o->incoming, it, all);
        }
        pthread_mutex_unlock(&o->lock);
        if (r < 0) {
                free(it);
                return r;
        }
        (void) write(o->wake_fd, &one, sizeof(one));
        return 0;
}

void outbox_set_event(Outbox *o, const char *event)
{
        uint64_t one = 1;

        pthread_mutex_lock(&o->lock);
        snprintf(o->event, sizeof(o->event), "%s", event);
        o->event_new = true;
        pthread_mutex_unlock(&o->lock);
        (void) write(o->wake_fd, &one, sizeof(one));
}

void outbox_stats(Outbox *o, OutboxStats *ret)
{
        int64_t now = clock_real_us();

        pthread_mutex_lock(&o->lock);
        *ret = o->stats;
        ret->oldest_age_ms = o->oldest_us > 0 && now > o->oldest_us ? (uint64_t) (now - o->oldest_us) / 1000
                                                                    : 0;
        pthread_mutex_unlock(&o->lock);
}

int outbox_wait_empty(Outbox *o, uint64_t timeout_ms)
{
        struct timespec deadline;
        int r = 0;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t) (timeout_ms / 1000);
        deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&o->lock);
        while (o->stats.spool_pages > 0 && r == 0)
                r = -pthread_cond_timedwait(&o->changed, &o->lock, &deadline);
        r = o->stats.spool_pages > 0 ? -ETIMEDOUT : 0;
        pthread_mutex_unlock(&o->lock);
        return r;
}
