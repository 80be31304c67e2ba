/* The worker's policy for a database that is away or cannot store: a
 * store call retried as a whole with backoff while PostgreSQL is away,
 * within the retry window, the page's time limit and its cancellation; a
 * database that cannot store said in full once per SQLSTATE, every page
 * given up said in one line, and a pause before the "resend" so that a
 * misconfigured database does not send every page round and round. Unlike
 * the rest of the store it logs: it is the worker speaking about its
 * database. One StoreRetry per Store, used by the work thread only. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include "macro.h"
#include "store.h"

/* store_put(), retried as a whole on transient errors with exponential
 * backoff (100 ms doubling to 5 s), reconnecting and re-preparing first,
 * until deadline_us (monotonic clock; 0: no deadline) or *cancel (may be
 * NULL). Silent. Returns store_put()'s result, -ETIMEDOUT at the deadline
 * or -ECANCELED: then nothing was stored by this call. */
MUST_CHECK int store_put_backoff(Store *s, const StorePage *p, uint64_t deadline_us,
                                 const atomic_bool *cancel, StorePut *ret);

typedef struct StoreRetryConfig {
        uint64_t window_ms;         /* how long a call is retried (worker.store_retry_deadline) */
        uint64_t page_grace_ms;     /* past a page's soft limit, its retries take half of this */
        uint64_t ocr_time_limit_ms; /* a look-up's retries leave the page this for its OCR */
} StoreRetryConfig;

/* One page's own bounds, from its JOB. */
typedef struct StoreRetryLimit {
        const atomic_bool *cancel; /* set when the page's soft limit passes */
        uint64_t deadline_us;      /* the page's deadline, monotonic; 0: none */
} StoreRetryLimit;

typedef struct StoreRetry StoreRetry;

/* s is borrowed and must outlive the StoreRetry; cfg is copied. 0 or
 * -ENOMEM. Free with store_retry_free(). */
MUST_CHECK int store_retry_new(Store *s, const StoreRetryConfig *cfg, StoreRetry **ret);
StoreRetry *store_retry_free(StoreRetry *sr);

/* The look-up before any work: store_lookup(), retried while PostgreSQL
 * is away for as long as a store would be, but leaving the page the time
 * its OCR may take. what names the page in the log ("page UUID"). Errors
 * as store_put_backoff()'s: hand them to store_retry_give_up(). */
MUST_CHECK int store_retry_lookup(StoreRetry *sr, const StoreRetryLimit *lim, const char *what,
                                  const Uuid *u, StoreLookup *ret);
/* store_put(), retried while PostgreSQL is away until the retry window,
 * the page's deadline or its cancellation, whichever comes first. */
MUST_CHECK int store_retry_put(StoreRetry *sr, const StoreRetryLimit *lim, const char *what,
                               const StorePage *p, StorePut *ret);
/* store_close_batch(), retried as store_retry_put() retries store_put(). */
MUST_CHECK int store_retry_close(StoreRetry *sr, const StoreRetryLimit *lim, const char *what,
                                 const StoreBatchClose *c, StorePut *ret);

/* what (a page, a close) is not stored because of r, the store's error:
 * a database that cannot store (not migrated, no privilege, a page it
 * refuses even bare) is said in full once per SQLSTATE, and the sender
 * waits before it hears "resend" (the pause doubles from 2 s to 30 s while
 * it lasts and stays inside the page's time limit); retries that ran out
 * (-ETIMEDOUT, -ECANCELED) took their time already and are answered at
 * once, each in one line. Returns r. */
int store_retry_give_up(StoreRetry *sr, const StoreRetryLimit *lim, const char *what, int r);

/* The database stored something: the next problem starts with the shortest
 * pause again. */
void store_retry_stored(StoreRetry *sr);
