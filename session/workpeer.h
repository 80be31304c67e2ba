/* The worker side of the broker protocol, written once for every worker:
 * HELLO/READY, heartbeats from the main thread while the page is computed in
 * a thread of its own, reconnect and a new HELLO when the broker is silent or
 * its epoch changes, and a per-page time limit. The program supplies the
 * processing function. */
#pragma once

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sohoa.pb-c.h"
#include "stagehist.h"

typedef struct Workpeer Workpeer;

typedef struct WorkpeerConfig {
        const char *endpoint;     /* broker's worker endpoint */
        const char *peer_id;      /* Hello.peer_id */
        const char *software;     /* "sohoa-worker 0.1.0" */
        uint64_t heartbeat_ms;    /* until the broker states its own; 0 = 1000 */
        uint64_t page_timeout_ms; /* soft limit: the job is asked to stop; 0 = none */
        uint64_t page_grace_ms;   /* after the soft limit, a job still running makes the process exit; 0 =
                                     10000 */
        const char *curve_server_key;
        const char *curve_public_key;
        const char *curve_secret_key;
        /* SIGHUP, called in the main thread between polls (NULL: ignored). */
        void (*on_reload)(void *reload_userdata);
        void *reload_userdata;
} WorkpeerConfig;

/* One page to process, valid during the call. */
typedef struct WorkJob {
        const Sohoa__Page *page;
        const uint8_t *image;
        size_t image_len;
        bool store_only; /* quarantined: store raw, no processing */
        uint32_t attempts;
        const char *cleaned;       /* what the broker changed in the header's strings; "" none */
        uint64_t deadline_us;      /* monotonic; 0 = none */
        const atomic_bool *cancel; /* set when the soft limit passes: stop, report failed */
} WorkJob;

typedef struct WorkOutcome {
        Sohoa__ResultStatus status; /* STORED, STORED_FAILED, REJECTED, RESEND */
        char reason[256];
        /* (1.3) Time per stage of the page processed (none when it was not:
         * a repeat, a page stored raw), for the heartbeats' histograms. */
        const char *stage_name[STAGEHIST_MAX]; /* static strings */
        uint64_t stage_usec[STAGEHIST_MAX];
        size_t n_stages;
} WorkOutcome;

/* Runs in the work thread. Fill *ret and return 0; a negative return is
 * reported as "resend" with the error as reason (nothing was stored: the
 * page comes back later), e.g. a database that stays down. */
typedef int (*WorkFn)(const WorkJob *job, void *userdata, WorkOutcome *ret);

/* 0 or negative errno. Strings are copied. */
MUST_CHECK int workpeer_new(const WorkpeerConfig *cfg, WorkFn fn, void *userdata, Workpeer **ret);
Workpeer *workpeer_free(Workpeer *w);

/* Serve until signal_fd (a sigfd, may be -1) delivers SIGTERM/SIGINT: the
 * first drains (finish the page in hand, report it, say BYE), a second quits
 * at once. Returns 0, -ETIMEDOUT when a page ran past its time limit and its
 * grace without ending (the caller must exit the process: the thread cannot
 * be stopped, and the broker gives the page to another worker, counting the
 * attempt toward quarantine), -ECANCELED when a second signal quit at once
 * while a page was in hand (likewise: exit without freeing what the page
 * thread may still be using; the page comes back from its sender), or
 * another negative errno. */
MUST_CHECK int workpeer_run(Workpeer *w, int signal_fd);
/* (1.3) Whether the worker can reach its database (error: why, when it
 * cannot). An unreachable database is said in the heartbeats, and the
 * worker says READY to no broker until it is back: it takes no page it
 * could not store. Thread-safe; taken in within a heartbeat interval. */
void workpeer_set_database(Workpeer *w, bool reachable, const char *error);
/* Whether a page is in hand. */
bool workpeer_busy(const Workpeer *w);
