/* Workers on the worker endpoint, known by HELLO id, reachable through their
 * current routing id. An idle worker waits in an LRU list (the one idle the
 * longest is first); a busy one holds at most one page. A worker that falls
 * silent is dead: its page is taken back at once, the worker is kept so any
 * later frame revives it (a stalled process that wakes up is not stranded). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "binding.h"
#include "held.h"
#include "macro.h"
#include "msg.h"
#include "stagehist.h"
#include "uuid.h"

typedef enum WorkerState {
        WORKER_CONNECTED, /* said HELLO, not READY yet */
        WORKER_IDLE,      /* in the LRU list */
        WORKER_BUSY,      /* has a JOB; page may be NULL if it went elsewhere */
        WORKER_DEAD,      /* silent past liveness */
        _WORKER_STATE_MAX,
        _WORKER_STATE_INVALID = -EINVAL,
} WorkerState;

struct Worker {
        Binding binding; /* its id, its routing id, when it was last heard */
        WorkerState state;
        /* Its session (§7.4): began at a HELLO binding it or a frame
         * reviving it; ends when it is counted dead, rebound or forgotten. */
        uint64_t session_start_ms;
        uint64_t prev_session_last_ms; /* last frame of the session before */
        uint64_t prev_seen_ms;         /* the frame before the last */
        uint64_t last_seq;             /* the table's frame count at its last frame */
        bool was_busy;                 /* dead while busy: may still send a RESULT */
        HeldPage *page;                /* in hand; not owned */
        Uuid page_uuid;                /* of the last JOB, or the page it said it holds */
        bool claimed;                  /* busy with page_uuid, named in its HELLO, no record yet */
        uint64_t busy_since_ms;
        Worker *lru_prev, *lru_next;
        /* (1.3) As its last HEARTBEAT said: without its database it is
         * never idle (no JOB goes to it) until a heartbeat says it is back
         * and it says READY. */
        bool no_database;
        char database_error[200];
        uint64_t pages_done, pages_failed, work_ms;
        StageHist stages[STAGEHIST_MAX];
        size_t n_stages;
};

/* A worker session that ended: whether workers died together (§7.4). */
typedef struct WorkerEnd {
        char id[MSG_PEER_ID_MAX + 1];
        uint64_t started_ms, ended_ms;
} WorkerEnd;

/* Sessions ended lately, oldest overwritten first: enough for every worker
 * of a large site restarting within one liveness. */
#define WORKER_ENDS_MAX 256

typedef struct WorkerTable {
        BindingTable *bindings;      /* id, routing id -> Worker; the table owns the workers */
        Worker *lru_head, *lru_tail; /* idle workers, idle longest first */
        unsigned live;               /* not dead */
        unsigned idle;
        uint64_t seq; /* frames seen from workers */
        WorkerEnd ends[WORKER_ENDS_MAX];
        size_t ends_next;
} WorkerTable;

/* NULL on allocation failure. */
WorkerTable *worker_table_new(void);
/* Frees every worker (pages are the HeldTable's). NULL ok; returns NULL. */
WorkerTable *worker_table_free(WorkerTable *t);

/* A HELLO: create the worker or rebind a known id to this routing id (a
 * new session; the one it had ends). A
 * busy worker stays busy (its RESULT is still to come); an idle one waits
 * for READY. 0, -EADDRINUSE (the routing id belongs to a worker of another
 * name: worker_forget() that one first), or -ENOMEM. The table owns *ret. */
MUST_CHECK int worker_hello(WorkerTable *t, const char *id, const uint8_t *rid, size_t rid_len,
                            uint64_t now_ms, Worker **ret);
/* The worker whose id a HELLO from rid claims, when another live
 * connection heard within live_ms holds it (binding_held()); NULL when the
 * HELLO may (re)bind the id. */
Worker *worker_in_use(const WorkerTable *t, const char *id, const uint8_t *rid, size_t rid_len,
                      uint64_t now_ms, uint64_t live_ms);
Worker *worker_by_rid(const WorkerTable *t, const uint8_t *rid, size_t rid_len);
Worker *worker_by_id(const WorkerTable *t, const char *id);
bool worker_iterate(const WorkerTable *t, size_t *state, Worker **ret);

/* Any frame: refresh liveness and count the frame; a dead worker comes
 * back (a new session) busy if it died busy (its RESULT may still come),
 * else idle. */
void worker_seen(WorkerTable *t, Worker *w, uint64_t now_ms);
/* Whether the session of a worker other than except_id was going at some
 * time from from_ms to to_ms and has ended after from_ms (counted dead,
 * rebound, forgotten). */
bool worker_ended_across(const WorkerTable *t, const char *except_id, uint64_t from_ms, uint64_t to_ms);

/* Idle now (READY, RESULT): last in the LRU list. Returns the page it held,
 * if any (the caller decides what becomes of it). */
HeldPage *worker_set_idle(WorkerTable *t, Worker *w);
/* What its HEARTBEAT says: its database's reachability (an idle worker
 * without it leaves the idle list) and its figures. */
void worker_set_heartbeat(WorkerTable *t, Worker *w, const Sohoa__Heartbeat *hb);
/* The idle worker idle the longest, taken out of the list; NULL if none. */
Worker *worker_take_idle(WorkerTable *t);
/* It got a JOB for rec, or rec is the page it said it holds. */
void worker_set_busy(WorkerTable *t, Worker *w, HeldPage *rec, uint64_t now_ms);
/* Its HELLO says it holds page u, which the broker has no record of (it
 * started since): busy with it, so that the record, when its sender
 * resends it, goes to this worker and no other (worker_claimant()). */
void worker_claim(WorkerTable *t, Worker *w, const Uuid *u, uint64_t now_ms);
/* The live worker that said it holds page u and has no record of it yet;
 * NULL if none. */
Worker *worker_claimant(const WorkerTable *t, const Uuid *u);
/* Silent past liveness, or unreachable (its session ends now): returns the
 * page it held, if any. */
HeldPage *worker_set_dead(WorkerTable *t, Worker *w, uint64_t now_ms);
/* BYE or forgotten after a long silence: returns the page it held, if any,
 * and frees the worker. */
HeldPage *worker_forget(WorkerTable *t, Worker *w, uint64_t now_ms);

/* A JOB to w failed with send_error (msg_send()'s): is that the worker's
 * doing? Only a full pipe (-EAGAIN) or a vanished connection
 * (-EHOSTUNREACH) is; a page that cannot be framed (-EMSGSIZE, -EINVAL) or
 * the broker's own trouble (-ENOMEM) would fail with any worker. */
bool worker_send_blames_worker(int send_error);

const char *worker_state_to_string(WorkerState s);
