/* Workers: their bindings (binding.c), the LRU list of idle workers, and
 * the state changes that take a page back from a worker (dead, gone), which
 * the caller then queues again. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

WorkerTable *worker_table_new(void)
{
        WorkerTable *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->bindings = binding_table_new();
        if (!t->bindings)
                return mfree(t);
        return t;
}

static void worker_destroy(WorkerTable *t, Worker *w)
{
        binding_remove(t->bindings, &w->binding);
        free(w);
}

WorkerTable *worker_table_free(WorkerTable *t)
{
        size_t state = 0;
        Worker *w;

        if (!t)
                return NULL;
        while (t->bindings && worker_iterate(t, &state, &w))
                worker_destroy(t, w);
        binding_table_free(t->bindings);
        return mfree(t);
}

static void lru_remove(WorkerTable *t, Worker *w)
{
        if (w->state != WORKER_IDLE)
                return;
        if (w->lru_prev)
                w->lru_prev->lru_next = w->lru_next;
        else
                t->lru_head = w->lru_next;
        if (w->lru_next)
                w->lru_next->lru_prev = w->lru_prev;
        else
                t->lru_tail = w->lru_prev;
        w->lru_prev = w->lru_next = NULL;
        t->idle--;
}

/* Every state change goes through here, so live and idle stay counted. */
static void worker_set_state(WorkerTable *t, Worker *w, WorkerState s)
{
        if (s == WORKER_IDLE && w->no_database)
                s = WORKER_CONNECTED; /* takes no page it could not store */
        lru_remove(t, w);
        if (w->state == WORKER_DEAD && s != WORKER_DEAD)
                t->live++;
        else if (w->state != WORKER_DEAD && s == WORKER_DEAD)
                t->live--;
        w->state = s;
        if (s == WORKER_IDLE) {
                w->lru_prev = t->lru_tail;
                if (t->lru_tail)
                        t->lru_tail->lru_next = w;
                else
                        t->lru_head = w;
                t->lru_tail = w;
                t->idle++;
        }
}

/* w's session ends now: remembered for the deaths still to be judged. */
static void worker_end_session(WorkerTable *t, Worker *w, uint64_t now_ms)
{
        WorkerEnd *e = &t->ends[t->ends_next];

        snprintf(e->id, sizeof(e->id), "%s", w->binding.id);
        e->started_ms = w->session_start_ms;
        e->ended_ms = now_ms;
        t->ends_next = (t->ends_next + 1) % WORKER_ENDS_MAX;
}

bool worker_ended_across(const WorkerTable *t, const char *except_id, uint64_t from_ms, uint64_t to_ms)
{
        for (size_t i = 0; i < WORKER_ENDS_MAX; i++) {
                const WorkerEnd *e = &t->ends[i];

                if (e->id[0] && strcmp(e->id, except_id) != 0 && e->started_ms <= to_ms &&
                    e->ended_ms > from_ms)
                        return true;
        }
        return false;
}

static int worker_create(WorkerTable *t, const char *id, Worker **ret)
{
        Worker *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        r = binding_add(t->bindings, &w->binding, id, w);
        if (r < 0) {
                free(w);
                return r;
        }
        w->state = WORKER_DEAD; /* made live by the caller, which counts it */
        *ret = w;
        return 0;
}

int worker_hello(WorkerTable *t, const char *id, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                 Worker **ret)
{
        Worker *w, *other;
        int r;

        assert(t && id && rid && rid_len > 0 && rid_len <= MSG_ROUTING_ID_MAX && ret);

        other = worker_by_rid(t, rid, rid_len);
        if (other && strcmp(other->binding.id, id) != 0)
                return -EADDRINUSE;
        w = worker_by_id(t, id);
        if (!w) {
                r = worker_create(t, id, &w);
                if (r < 0)
                        return r;
        }
        if (other != w) {
                /* Another connection: a new session (a restarted process,
                 * or libzmq's reconnection); a dead worker's ended already. */
                if (w->state != WORKER_DEAD && w->binding.rid_len > 0)
                        worker_end_session(t, w, now_ms);
                if (w->binding.rid_len > 0 || w->state == WORKER_DEAD)
                        w->prev_session_last_ms = w->binding.last_seen_ms;
                w->session_start_ms = now_ms;
                r = binding_route(t->bindings, &w->binding, rid, rid_len);
                if (r < 0)
                        return r;
        }
        w->prev_seen_ms = w->binding.last_seen_ms;
        w->binding.last_seen_ms = now_ms;
        w->last_seq = ++t->seq;
        if (w->state == WORKER_DEAD)
                worker_set_state(t, w, w->was_busy ? WORKER_BUSY : WORKER_CONNECTED);
        else if (w->state == WORKER_IDLE)
                worker_set_state(t, w, WORKER_CONNECTED);
        *ret = w;
        return 0;
}

Worker *worker_in_use(const WorkerTable *t, const char *id, const uint8_t *rid, size_t rid_len,
                      uint64_t now_ms, uint64_t live_ms)
{
        Worker *w = worker_by_id(t, id);

        if (!w || !binding_held(&w->binding, w->state != WORKER_DEAD, rid, rid_len, now_ms, live_ms))
                return NULL;
        return w;
}

Worker *worker_by_id(const WorkerTable *t, const char *id)
{
        return binding_by_id(t->bindings, id);
}

Worker *worker_by_rid(const WorkerTable *t, const uint8_t *rid, size_t rid_len)
{
        return binding_by_rid(t->bindings, rid, rid_len);
}

bool worker_iterate(const WorkerTable *t, size_t *state, Worker **ret)
{
        void *v;

        if (!binding_iterate(t->bindings, state, &v))
                return false;
        *ret = v;
        return true;
}

void worker_seen(WorkerTable *t, Worker *w, uint64_t now_ms)
{
        w->prev_seen_ms = w->binding.last_seen_ms;
        w->binding.last_seen_ms = now_ms;
        w->last_seq = ++t->seq;
        if (w->state == WORKER_DEAD) {
                w->prev_session_last_ms = w->prev_seen_ms;
                w->session_start_ms = now_ms;
                worker_set_state(t, w, w->was_busy ? WORKER_BUSY : WORKER_IDLE);
        }
}

static HeldPage *worker_take_page(Worker *w)
{
        HeldPage *rec = w->page;

        w->page = NULL;
        return rec;
}

HeldPage *worker_set_idle(WorkerTable *t, Worker *w)
{
        if (w->state != WORKER_IDLE)
                worker_set_state(t, w, WORKER_IDLE);
        w->was_busy = false;
        w->claimed = false;
        return worker_take_page(w);
}

void worker_set_heartbeat(WorkerTable *t, Worker *w, const Sohoa__Heartbeat *hb)
{
        w->no_database = hb->database_unreachable;
        snprintf(w->database_error, sizeof(w->database_error), "%s",
                 hb->database_unreachable && hb->database_error ? hb->database_error : "");
        w->pages_done = hb->pages_done;
        w->pages_failed = hb->pages_failed;
        w->work_ms = hb->work_ms;
        w->n_stages = stagehist_from_pb(w->stages, hb->stages, hb->n_stages);
        if (w->no_database && w->state == WORKER_IDLE)
                worker_set_state(t, w, WORKER_CONNECTED);
}

Worker *worker_take_idle(WorkerTable *t)
{
        Worker *w = t->lru_head;

        if (!w)
                return NULL;
        worker_set_state(t, w, WORKER_CONNECTED);
        return w;
}

void worker_set_busy(WorkerTable *t, Worker *w, HeldPage *rec, uint64_t now_ms)
{
        assert(!w->page);
        /* Busy since its JOB, or since the HELLO that said it had one. */
        if (!w->claimed || !uuid_equal(&w->page_uuid, &rec->uuid))
                w->busy_since_ms = now_ms;
        worker_set_state(t, w, WORKER_BUSY);
        w->page = rec;
        w->page_uuid = rec->uuid;
        w->claimed = false;
}

void worker_claim(WorkerTable *t, Worker *w, const Uuid *u, uint64_t now_ms)
{
        assert(!w->page);
        worker_set_state(t, w, WORKER_BUSY);
        w->page_uuid = *u;
        w->claimed = true;
        w->busy_since_ms = now_ms;
}

Worker *worker_claimant(const WorkerTable *t, const Uuid *u)
{
        size_t state = 0;
        Worker *w;

        /* Claims are few (only after a broker start) and workers are tens. */
        while (worker_iterate(t, &state, &w))
                if (w->claimed && w->state == WORKER_BUSY && uuid_equal(&w->page_uuid, u))
                        return w;
        return NULL;
}

HeldPage *worker_set_dead(WorkerTable *t, Worker *w, uint64_t now_ms)
{
        if (w->state != WORKER_DEAD) {
                w->was_busy = w->state == WORKER_BUSY;
                worker_end_session(t, w, now_ms);
        }
        worker_set_state(t, w, WORKER_DEAD);
        /* Dead, it holds nothing for the broker: its page, resent, goes to
         * another worker. */
        w->claimed = false;
        return worker_take_page(w);
}

HeldPage *worker_forget(WorkerTable *t, Worker *w, uint64_t now_ms)
{
        HeldPage *rec = worker_set_dead(t, w, now_ms);

        worker_destroy(t, w);
        return rec;
}

bool worker_send_blames_worker(int send_error)
{
        return send_error == -EAGAIN || send_error == -EHOSTUNREACH;
}

const char *worker_state_to_string(WorkerState s)
{
        static const char *const names[_WORKER_STATE_MAX] = {
                [WORKER_CONNECTED] = "connected",
                [WORKER_IDLE] = "idle",
                [WORKER_BUSY] = "busy",
                [WORKER_DEAD] = "dead",
        };

        if (s < 0 || s >= _WORKER_STATE_MAX)
                return "invalid";
        return names[s];
}
