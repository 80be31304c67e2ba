/* The broker's queue logic without sockets: the per-peer FIFOs and the
 * round-robin ring, credit per class, the LRU of idle workers and taking a
 * page back from a dead one, held bytes against the pool, a page whose JOB
 * would not fit in a message, a peer id in use by another connection, and
 * the bounded completed cache. Linked with
 * the broker's core library (broker_core_dep in tests/unit/meson.build). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "completed.h"
#include "held.h"
#include "peer.h"
#include "worker.h"

#define MB (1024 * 1024ULL)

/* A page body with a uuid made from n and an image of len bytes. */
static HeldPage *add_page(HeldTable *pt, Peer *p, unsigned n, size_t len)
{
        static uint8_t sha[32], batch[16];
        Sohoa__Page body = SOHOA__PAGE__INIT;
        uint8_t uuid[16] = { 0 };
        zmq_msg_t image;
        HeldPage *rec = NULL;

        uuid[0] = (uint8_t) n;
        uuid[1] = (uint8_t) (n >> 8);
        body.page_uuid = (ProtobufCBinaryData) { 16, uuid };
        body.batch_uuid = (ProtobufCBinaryData) { 16, batch };
        body.sha256 = (ProtobufCBinaryData) { 32, sha };
        body.image_bytes = len;
        body.sequence = n;
        body.origin_id = (char *) "forged";
        CHECK_INT(zmq_msg_init_size(&image, len), 0);
        CHECK_INT(held_new(pt, &body, &image, p, p->binding.id, p->klass, &rec), 0);
        CHECK_INT(zmq_msg_size(&image), 0);
        CHECK_INT(zmq_msg_close(&image), 0);
        return rec;
}

static const uint8_t RID_A[] = "ra", RID_B[] = "rb", RID_C[] = "rc", RID_D[] = "rd";

static void test_round_robin(void)
{
        PeerTable *t = peer_table_new();
        HeldTable *pt = held_table_new();
        Peer *a, *b, *imp;
        HeldPage *r[5];

        CHECK(t && pt);
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        CHECK_INT(peer_hello(t, "b", SOHOA__ROLE__ROLE_STATION, RID_B, 2, 0, &b), 0);
        CHECK_INT(peer_hello(t, "i", SOHOA__ROLE__ROLE_IMPORTER, RID_C, 2, 0, &imp), 0);
        CHECK_INT(a->klass, BROKER_INTERACTIVE);
        CHECK_INT(imp->klass, BROKER_BULK);

        for (unsigned i = 0; i < 3; i++)
                peer_push_back(t, r[i] = add_page(pt, a, i + 1, 100));
        peer_push_back(t, r[3] = add_page(pt, b, 4, 100));
        peer_push_back(t, r[4] = add_page(pt, imp, 5, 100));
        /* The body's origin and class are the broker's, not the sender's. */
        CHECK_STR(r[4]->page->origin_id, "i");
        CHECK_INT(r[4]->page->page_class, SOHOA__PAGE_CLASS__CLASS_BULK);
        CHECK_INT(a->queued_pages, 3);
        CHECK_INT(held_queued_pages(pt, BROKER_INTERACTIVE), 4);

        /* a, b, a, a: each peer's turn, then the next peer's. */
        CHECK(peer_pop_next(t, BROKER_INTERACTIVE) == r[0]);
        CHECK(peer_pop_next(t, BROKER_INTERACTIVE) == r[3]);
        CHECK(peer_pop_next(t, BROKER_INTERACTIVE) == r[1]);
        /* A page coming back goes first, ahead of a's own next page. */
        peer_push_front(t, r[0]);
        CHECK(peer_pop_next(t, BROKER_INTERACTIVE) == r[0]);
        CHECK(peer_pop_next(t, BROKER_INTERACTIVE) == r[2]);
        CHECK(!peer_pop_next(t, BROKER_INTERACTIVE));
        CHECK(peer_pop_next(t, BROKER_BULK) == r[4]);
        CHECK(!peer_pop_next(t, BROKER_BULK));
        CHECK_INT(a->queued_pages, 0);
        CHECK_INT(a->held_pages, 3);

        /* A peer known by id keeps its queue across a new routing id. */
        peer_push_back(t, r[1]);
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_D, 2, 0, &a), 0);
        CHECK(peer_by_rid(t, RID_D, 2) == a);
        CHECK(!peer_by_rid(t, RID_A, 2));
        CHECK_INT(a->queued_pages, 1);
        /* ...but cannot change class while its pages are held. */
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_IMPORTER, RID_D, 2, 0, &a), -EBUSY);
        CHECK_INT(peer_hello(t, "w", SOHOA__ROLE__ROLE_WORKER, RID_A, 2, 0, &a), -EINVAL);
        peer_unqueue(t, r[1]);
        CHECK(!peer_pop_next(t, BROKER_INTERACTIVE));

        for (unsigned i = 0; i < 5; i++)
                held_free(pt, r[i]);
        CHECK_INT(a->held_pages, 0);
        CHECK_U64(a->held_bytes, 0);
        held_table_free(pt);
        peer_table_free(t);
}

static void test_credit(void)
{
        PeerTable *t = peer_table_new();
        Peer *a, *b;

        CHECK(t);
        /* No one yet: the first peer gets the whole pool. */
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 256 * MB);
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        CHECK_INT(peer_hello(t, "b", SOHOA__ROLE__ROLE_STATION, RID_B, 2, 0, &b), 0);
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 128 * MB);
        /* Bulk peers do not share the interactive pool. */
        CHECK_INT(peer_hello(t, "i", SOHOA__ROLE__ROLE_IMPORTER, RID_C, 2, 0, &a), 0);
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 128 * MB);
        CHECK_U64(peer_credit(t, BROKER_BULK, 256 * MB, 64 * MB), 256 * MB);
        /* Never below one frame, so one page always fits. */
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 100 * MB, 64 * MB), 64 * MB);
        /* A silent peer leaves its share to the others, and gets it back. */
        peer_set_silent(t, b);
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 256 * MB);
        peer_seen(t, b, 10);
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 128 * MB);
        peer_bye(t, b);
        CHECK(!peer_by_rid(t, RID_B, 2));
        CHECK(peer_reap(t, b));
        CHECK(!peer_by_id(t, "b"));
        CHECK_U64(peer_credit(t, BROKER_INTERACTIVE, 256 * MB, 64 * MB), 256 * MB);
        peer_table_free(t);
}

static void test_pool(void)
{
        PeerTable *t = peer_table_new();
        HeldTable *pt = held_table_new();
        Sohoa__Page body = SOHOA__PAGE__INIT;
        uint8_t u[16] = { 1 }, sha[32] = { 0 };
        HeldPage *r1, *r2, *dup;
        zmq_msg_t image;
        Peer *a;

        CHECK(t && pt);
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        r1 = add_page(pt, a, 1, 3 * MB);
        r2 = add_page(pt, a, 2, 1 * MB);
        CHECK_U64(pt->held_bytes[BROKER_INTERACTIVE], 4 * MB);
        CHECK_U64(pt->held_bytes[BROKER_BULK], 0);
        /* Pool 4M, frame 1M: up to 5M may be held. */
        CHECK(!held_over_pool(pt, BROKER_INTERACTIVE, 1 * MB, 4 * MB, 1 * MB));
        CHECK(held_over_pool(pt, BROKER_INTERACTIVE, 1 * MB + 1, 4 * MB, 1 * MB));
        CHECK(!held_over_pool(pt, BROKER_BULK, 5 * MB, 4 * MB, 1 * MB));

        /* The same page UUID is refused while held. */
        body.page_uuid = (ProtobufCBinaryData) { 16, u };
        body.batch_uuid = (ProtobufCBinaryData) { 16, u };
        body.sha256 = (ProtobufCBinaryData) { 32, sha };
        CHECK_INT(zmq_msg_init_size(&image, 10), 0);
        CHECK_INT(held_new(pt, &body, &image, a, a->binding.id, a->klass, &dup), -EEXIST);
        CHECK_INT(zmq_msg_size(&image), 10);
        CHECK_INT(zmq_msg_close(&image), 0);

        /* In flight counts apart from queued, held covers both. */
        held_set_worker(pt, r1, (Worker *) 1);
        CHECK_INT(held_queued_pages(pt, BROKER_INTERACTIVE), 1);
        CHECK_U64(held_queued_bytes(pt, BROKER_INTERACTIVE), 1 * MB);
        CHECK_INT(held_inflight_total(pt), 1);
        held_set_worker(pt, r1, NULL);
        CHECK_INT(held_inflight_total(pt), 0);
        held_free(pt, r1);
        held_free(pt, r2);
        CHECK_U64(pt->held_bytes[BROKER_INTERACTIVE], 0);
        CHECK(!held_get(pt, &(Uuid) { .b = { 1 } }));
        held_table_free(pt);
        peer_table_free(t);
}

static void test_workers(void)
{
        WorkerTable *t = worker_table_new();
        HeldTable *pt = held_table_new();
        PeerTable *peers = peer_table_new();
        Worker *w1, *w2, *w;
        HeldPage *rec;
        Peer *a;

        CHECK(t && pt && peers);
        CHECK_INT(peer_hello(peers, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        CHECK_INT(worker_hello(t, "w1", RID_A, 2, 0, &w1), 0);
        CHECK_INT(worker_hello(t, "w2", RID_B, 2, 0, &w2), 0);
        CHECK_INT(t->live, 2);
        /* Not idle before READY. */
        CHECK(!worker_take_idle(t));
        CHECK(!worker_set_idle(t, w1));
        CHECK(!worker_set_idle(t, w2));
        CHECK_INT(t->idle, 2);

        /* Idle the longest goes first; after its RESULT it is last. */
        w = worker_take_idle(t);
        CHECK(w == w1);
        rec = add_page(pt, a, 1, 100);
        worker_set_busy(t, w1, rec, 5);
        CHECK(worker_set_idle(t, w1) == rec);
        CHECK(worker_take_idle(t) == w2);
        CHECK(worker_take_idle(t) == w1);
        CHECK(!worker_take_idle(t));

        /* Dead while busy: the page comes back; a later frame revives it as
         * busy (its RESULT may still come), and a READY makes it idle. */
        worker_set_busy(t, w1, rec, 6);
        CHECK(worker_set_dead(t, w1, 6) == rec);
        CHECK_INT(t->live, 1);
        worker_seen(t, w1, 7);
        CHECK_INT(w1->state, WORKER_BUSY);
        CHECK(!w1->page);
        CHECK(!worker_set_idle(t, w1));
        CHECK_INT(t->live, 2);

        /* Another name on a connection in use is refused until the old one
         * is forgotten; the same name rebinds. */
        CHECK_INT(worker_hello(t, "w3", RID_A, 2, 8, &w), -EADDRINUSE);
        CHECK_INT(worker_hello(t, "w1", RID_C, 2, 8, &w), 0);
        CHECK(w == w1);
        CHECK(worker_by_rid(t, RID_C, 2) == w1);
        CHECK(!worker_by_rid(t, RID_A, 2));
        CHECK_INT(w1->state, WORKER_CONNECTED);
        CHECK_INT(t->idle, 0);
        CHECK(!worker_forget(t, w2, 8));
        CHECK_INT(t->live, 1);

        held_free(pt, rec);
        held_table_free(pt);
        worker_table_free(t);
        peer_table_free(peers);
}

/* A worker whose HELLO names a page the broker has no record of is busy
 * with it; only a live claimant is found; the record, once it comes, makes
 * the claim a plain page in hand; a READY or a death ends the claim. */
static void test_claims(void)
{
        WorkerTable *t = worker_table_new();
        HeldTable *pt = held_table_new();
        PeerTable *peers = peer_table_new();
        Worker *w1, *w2;
        HeldPage *rec;
        Peer *a;
        Uuid u = { .b = { 1 } }, other = { .b = { 2 } };

        CHECK(t && pt && peers);
        CHECK_INT(peer_hello(peers, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        CHECK_INT(worker_hello(t, "w1", RID_A, 2, 0, &w1), 0);
        CHECK_INT(worker_hello(t, "w2", RID_B, 2, 0, &w2), 0);
        CHECK(!worker_set_idle(t, w2));
        worker_claim(t, w1, &u, 3);
        CHECK_INT(w1->state, WORKER_BUSY);
        CHECK(worker_claimant(t, &u) == w1);
        CHECK(!worker_claimant(t, &other));
        /* Not handed out: the idle one is w2. */
        CHECK(worker_take_idle(t) == w2);

        /* The record arrives: in hand, no longer a claim. */
        rec = add_page(pt, a, 1, 100);
        CHECK(uuid_equal(&rec->uuid, &u));
        worker_set_busy(t, w1, rec, 9);
        CHECK_INT(w1->busy_since_ms, 3);
        CHECK(!worker_claimant(t, &u));
        CHECK(worker_set_idle(t, w1) == rec);

        /* Dead, a claimant is none. */
        worker_claim(t, w1, &u, 10);
        CHECK(!worker_set_dead(t, w1, 10));
        CHECK(!worker_claimant(t, &u));
        /* A READY ends a claim too. */
        worker_seen(t, w1, 11);
        worker_claim(t, w1, &u, 12);
        CHECK(!worker_set_idle(t, w1));
        CHECK(!worker_claimant(t, &u));

        held_free(pt, rec);
        held_table_free(pt);
        worker_table_free(t);
        peer_table_free(peers);
}

/* Worker sessions, for judging deaths (§7.4): a session begins at a HELLO
 * from a new connection or a frame reviving a dead worker, and ends when
 * the worker is counted dead, rebound or forgotten; an ended session is
 * found by the span it overlaps, never for the dying worker's own id. */
static void test_sessions(void)
{
        WorkerTable *t = worker_table_new();
        Worker *w1, *w2, *w;

        CHECK(t);
        CHECK_INT(worker_hello(t, "w1", RID_A, 2, 10, &w1), 0);
        CHECK_INT(worker_hello(t, "w2", RID_B, 2, 20, &w2), 0);
        CHECK_INT(w1->session_start_ms, 10);
        CHECK(w2->last_seq > w1->last_seq);
        CHECK(!worker_ended_across(t, "w1", 0, 1000));

        /* Counted dead at 50: a session that went on until 50. */
        (void) worker_set_dead(t, w2, 50);
        CHECK(worker_ended_across(t, "w1", 30, 40));
        CHECK(worker_ended_across(t, "w1", 49, 60));
        CHECK(!worker_ended_across(t, "w1", 50, 60)); /* ended before the span */
        CHECK(!worker_ended_across(t, "w1", 5, 15));  /* began after it */
        CHECK(!worker_ended_across(t, "w2", 30, 40)); /* its own */
        /* A frame revives it: a new session. */
        worker_seen(t, w2, 60);
        CHECK_INT(w2->session_start_ms, 60);

        /* w1 rebound from another connection at 70: its session ends. */
        worker_seen(t, w1, 65);
        CHECK_INT(worker_hello(t, "w1", RID_C, 2, 70, &w), 0);
        CHECK(w == w1);
        CHECK_INT(w1->session_start_ms, 70);
        CHECK_INT(w1->prev_session_last_ms, 65);
        CHECK(worker_ended_across(t, "w2", 66, 68));
        /* The same connection saying HELLO again is the same session. */
        CHECK_INT(worker_hello(t, "w1", RID_C, 2, 80, &w), 0);
        CHECK_INT(w1->session_start_ms, 70);
        worker_table_free(t);
}

/* A page body of source_name length n, with the fields the broker
 * rewrites already as it rewrites them, and the sizes of its PAGE and of
 * the largest JOB that could carry it. */
static Sohoa__Page big_body(char *name, size_t n, size_t *ret_page, size_t *ret_job)
{
        static uint8_t u[16] = { 7 }, sha[32];
        Sohoa__Page body = SOHOA__PAGE__INIT;
        Sohoa__Job job = SOHOA__JOB__INIT;

        memset(name, 'x', n);
        name[n] = '\0';
        body.page_uuid = (ProtobufCBinaryData) { 16, u };
        body.batch_uuid = (ProtobufCBinaryData) { 16, u };
        body.sha256 = (ProtobufCBinaryData) { 32, sha };
        body.source_name = name;
        body.origin_id = (char *) "a";
        body.page_class = SOHOA__PAGE_CLASS__CLASS_INTERACTIVE;
        job.epoch = UINT64_MAX;
        job.page = &body;
        job.store_only = true;
        job.attempts = UINT32_MAX;
        *ret_page = sohoa__page__get_packed_size(&body);
        *ret_job = sohoa__job__get_packed_size(&job);
        return body;
}

/* A PAGE that fits in a body but whose JOB would not is refused when it
 * comes in: held, it could never be dispatched. */
static void test_job_size(void)
{
        PeerTable *t = peer_table_new();
        HeldTable *pt = held_table_new();
        static char name[MSG_BODY_MAX + 1];
        size_t page_len, job_len, n = MSG_BODY_MAX - 200;
        Sohoa__Page body;
        HeldPage *rec = NULL;
        zmq_msg_t image;
        Peer *a;

        CHECK(t && pt);
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 0, &a), 0);
        /* The longest name whose JOB still fits. */
        do
                body = big_body(name, ++n, &page_len, &job_len);
        while (job_len <= MSG_BODY_MAX);
        n--;
        /* One byte more: the PAGE still passes msg_recv(), its JOB not. */
        CHECK(page_len <= MSG_BODY_MAX);
        /* The sender's origin_id is replaced: a forged long one changes nothing. */
        body.origin_id = (char *) "";
        CHECK_INT(zmq_msg_init_size(&image, 0), 0);
        CHECK_INT(held_new(pt, &body, &image, a, a->binding.id, a->klass, &rec), -EMSGSIZE);
        CHECK(!rec);
        CHECK_INT(pt->held_pages[BROKER_INTERACTIVE], 0);
        CHECK_INT(a->held_pages, 0);

        body = big_body(name, n, &page_len, &job_len);
        CHECK_U64(job_len, MSG_BODY_MAX);
        CHECK_INT(held_new(pt, &body, &image, a, a->binding.id, a->klass, &rec), 0);
        CHECK(rec);
        CHECK_INT(a->held_pages, 1);
        held_free(pt, rec);
        CHECK_INT(zmq_msg_close(&image), 0);
        held_table_free(pt);
        peer_table_free(t);
}

/* A HELLO for an id that another connection holds, heard within liveness,
 * is told apart from a rebind. */
static void test_id_in_use(void)
{
        PeerTable *t = peer_table_new();
        Peer *a;

        CHECK(t);
        CHECK(!peer_in_use(t, "a", RID_B, 2, 0, 3000)); /* unknown id */
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_A, 2, 1000, &a), 0);
        /* Its own connection saying HELLO again. */
        CHECK(!peer_in_use(t, "a", RID_A, 2, 1500, 3000));
        /* Another one, while a was heard 3 s ago or less. */
        CHECK(peer_in_use(t, "a", RID_B, 2, 1500, 3000) == a);
        CHECK(peer_in_use(t, "a", RID_B, 2, 4000, 3000) == a);
        /* a silent past liveness: the id may move (a restarted station). */
        CHECK(!peer_in_use(t, "a", RID_B, 2, 4001, 3000));
        peer_seen(t, a, 4001);
        CHECK(peer_in_use(t, "a", RID_B, 2, 4002, 3000) == a);
        peer_set_silent(t, a);
        CHECK(!peer_in_use(t, "a", RID_B, 2, 4002, 3000));
        peer_seen(t, a, 5000);
        /* Gone (BYE): free to take. */
        peer_bye(t, a);
        CHECK(!peer_in_use(t, "a", RID_B, 2, 5001, 3000));
        CHECK_INT(peer_hello(t, "a", SOHOA__ROLE__ROLE_STATION, RID_B, 2, 5001, &a), 0);
        CHECK(peer_by_rid(t, RID_B, 2) == a);
        peer_table_free(t);
}

/* Only a full or vanished worker is dropped for a failed JOB. */
static void test_send_blame(void)
{
        CHECK(worker_send_blames_worker(-EAGAIN));
        CHECK(worker_send_blames_worker(-EHOSTUNREACH));
        CHECK(!worker_send_blames_worker(-EMSGSIZE));
        CHECK(!worker_send_blames_worker(-EINVAL));
        CHECK(!worker_send_blames_worker(-ENOMEM));
}

static void test_completed(void)
{
        CompletedCache *c = completed_new(3), *none = completed_new(0);
        CompletedContent k = {};
        Uuid u[5] = {}, batch = { .b = { 9 } };
        const CompletedEntry *e;

        CHECK(c && none);
        for (unsigned i = 0; i < 5; i++)
                u[i].b[0] = (uint8_t) (i + 1);
        for (unsigned i = 0; i < 3; i++) {
                k.sha256[0] = (uint8_t) i;
                CHECK_INT(completed_put(c, &u[i], &k, &batch, SOHOA__RESULT_STATUS__RESULT_STORED), 0);
        }
        /* Updating an entry takes no new slot. */
        CHECK_INT(completed_put(c, &u[0], &k, &batch, SOHOA__RESULT_STATUS__RESULT_STORED_FAILED), 0);
        CHECK_INT(completed_size(c), 3);
        e = completed_get(c, &u[0]);
        CHECK(e && e->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED);
        CHECK(uuid_equal(&e->batch_uuid, &batch));
        /* The oldest insert makes room. */
        CHECK_INT(completed_put(c, &u[3], &k, &batch, SOHOA__RESULT_STATUS__RESULT_STORED), 0);
        CHECK_INT(completed_size(c), 3);
        CHECK(!completed_get(c, &u[0]));
        e = completed_get(c, &u[1]);
        CHECK(e && e->content.sha256[0] == 1);
        CHECK(completed_get(c, &u[3]));
        CHECK_INT(completed_put(c, &u[4], &k, &batch, SOHOA__RESULT_STATUS__RESULT_STORED), 0);
        CHECK(!completed_get(c, &u[1]));
        CHECK(completed_get(c, &u[2]) && completed_get(c, &u[4]));

        CHECK_INT(completed_put(none, &u[0], &k, &batch, SOHOA__RESULT_STATUS__RESULT_STORED), 0);
        CHECK(!completed_get(none, &u[0]));
        completed_free(c);
        completed_free(none);
}

/* Close records of one batch share a UUID and an (empty) image: only the
 * count tells them apart; a page's count is no part of its content. */
static void test_completed_content(void)
{
        static uint8_t sha[32] = { 7 }, batch[16], uuid[16] = { 1 };
        Sohoa__Page close3 = SOHOA__PAGE__INIT, close2, page = SOHOA__PAGE__INIT, page_b;
        CompletedContent a, b;

        close3.page_uuid = page.page_uuid = (ProtobufCBinaryData) { 16, uuid };
        close3.batch_uuid = page.batch_uuid = (ProtobufCBinaryData) { 16, batch };
        close3.sha256 = page.sha256 = (ProtobufCBinaryData) { 32, sha };
        close3.batch_close = true;
        close3.batch_pages = 3;
        close2 = close3;
        close2.batch_pages = 2;
        completed_content(&close3, &a);
        completed_content(&close2, &b);
        CHECK(!completed_content_equal(&a, &b));
        completed_content(&close3, &b);
        CHECK(completed_content_equal(&a, &b));
        /* A page with the same hash is not the close record. */
        completed_content(&page, &b);
        CHECK(!completed_content_equal(&a, &b));
        page.batch_pages = 3;
        page_b = page;
        page_b.batch_pages = 4;
        completed_content(&page, &a);
        completed_content(&page_b, &b);
        CHECK(completed_content_equal(&a, &b));
}

int main(void)
{
        test_round_robin();
        test_credit();
        test_pool();
        test_workers();
        test_claims();
        test_sessions();
        test_job_size();
        test_id_in_use();
        test_send_blame();
        test_completed();
        test_completed_content();
        return 0;
}
