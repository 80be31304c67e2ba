/* What the worker does while its database is away (see storeretry.h): each
 * store call retried as a whole, with backoff, while the broker keeps
 * hearing from the main thread; and when it stays away, or cannot store at
 * all, the page is left to its sender ("resend"), said once in full per
 * SQLSTATE and once per page, after a pause that keeps a misconfigured
 * database from sending every page round and round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "storeretry.h"

#define STORE_BACKOFF_MIN_US (100 * USEC_PER_MSEC)
#define STORE_BACKOFF_MAX_US (5 * USEC_PER_SEC)
/* The pause before a "resend" for a database that cannot store: doubling
 * from the first to the second while the problem lasts. */
#define STORE_PACE_MIN_US (2 * USEC_PER_SEC)
#define STORE_PACE_MAX_US (30 * USEC_PER_SEC)
#define STORE_SQLSTATES_LOGGED 16

struct StoreRetry {
        Store *store; /* borrowed */
        StoreRetryConfig cfg;
        uint64_t pace_us;                       /* the next pause; 0: the database stores */
        char logged[STORE_SQLSTATES_LOGGED][6]; /* SQLSTATEs already logged in full */
        size_t n_logged;
};

/* Sleeps usec in short slices, stopping early on cancel (may be NULL). */
static void store_retry_sleep(uint64_t usec, const atomic_bool *cancel)
{
        uint64_t end = clock_mono_us() + usec;

        for (;;) {
                uint64_t now = clock_mono_us(), slice;
                struct timespec ts;

                if (now >= end || (cancel && atomic_load(cancel)))
                        return;
                slice = MIN(end - now, 50 * USEC_PER_MSEC);
                ts.tv_sec = (time_t) (slice / USEC_PER_SEC);
                ts.tv_nsec = (long) (slice % USEC_PER_SEC) * 1000L;
                nanosleep(&ts, NULL);
        }
}

typedef int (*StoreOnceFn)(Store *s, const void *what, void *ret);

/* One call (fn), retried as a whole on transient errors. */
static int store_retry_backoff(Store *s, StoreOnceFn fn, const void *what, uint64_t deadline_us,
                               const atomic_bool *cancel, void *ret)
{
        uint64_t delay = STORE_BACKOFF_MIN_US;

        for (;;) {
                uint64_t now;
                int r;

                if (cancel && atomic_load(cancel))
                        return -ECANCELED;
                r = fn(s, what, ret);
                if (r >= 0 || !store_error_is_transient(r))
                        return r;
                now = clock_mono_us();
                if (deadline_us != 0 && now >= deadline_us)
                        return -ETIMEDOUT;
                store_retry_sleep(deadline_us != 0 ? MIN(delay, deadline_us - now) : delay, cancel);
                delay = MIN(delay * 2, STORE_BACKOFF_MAX_US);
        }
}

static int store_put_once(Store *s, const void *what, void *ret)
{
        return store_put(s, what, ret);
}

static int store_close_once(Store *s, const void *what, void *ret)
{
        return store_close_batch(s, what, ret);
}

static int store_lookup_once(Store *s, const void *what, void *ret)
{
        return store_lookup(s, what, ret);
}

int store_put_backoff(Store *s, const StorePage *p, uint64_t deadline_us, const atomic_bool *cancel,
                      StorePut *ret)
{
        return store_retry_backoff(s, store_put_once, p, deadline_us, cancel, ret);
}

int store_retry_new(Store *s, const StoreRetryConfig *cfg, StoreRetry **ret)
{
        StoreRetry *sr = calloc(1, sizeof(*sr));

        if (!sr)
                return -ENOMEM;
        sr->store = s;
        sr->cfg = *cfg;
        *ret = sr;
        return 0;
}

StoreRetry *store_retry_free(StoreRetry *sr)
{
        return mfree(sr);
}

/* How long a store is retried while PostgreSQL is away: until the retry
 * deadline, the page's own deadline or its cancellation, whichever comes
 * first. */
static uint64_t store_retry_deadline(const StoreRetry *sr, const StoreRetryLimit *lim, uint64_t start,
                                     const atomic_bool **ret_cancel)
{
        uint64_t deadline = start + sr->cfg.window_ms * USEC_PER_MSEC;

        *ret_cancel = lim->cancel;
        if (atomic_load(lim->cancel)) {
                /* Already past the page's soft limit (OCR was cut short):
                 * use half the grace, not the cancellation, as the bound. */
                *ret_cancel = NULL;
                deadline = MIN(deadline, start + sr->cfg.page_grace_ms * USEC_PER_MSEC / 2);
        } else if (lim->deadline_us != 0)
                deadline = MIN(deadline, lim->deadline_us);
        return deadline;
}

/* How long the look-up waits for a database that is away: as a store
 * would, but leaving the page the time its OCR may take. */
static uint64_t store_retry_lookup_deadline(const StoreRetry *sr, const StoreRetryLimit *lim, uint64_t start,
                                            const atomic_bool **ret_cancel)
{
        uint64_t deadline = store_retry_deadline(sr, lim, start, ret_cancel);
        uint64_t keep = (sr->cfg.ocr_time_limit_ms + 10 * MSEC_PER_SEC) * USEC_PER_MSEC;

        if (lim->deadline_us != 0)
                deadline = MIN(deadline, lim->deadline_us > keep ? lim->deadline_us - keep : 0);
        return MAX(deadline, start + USEC_PER_SEC);
}

int store_retry_lookup(StoreRetry *sr, const StoreRetryLimit *lim, const char *what, const Uuid *u,
                       StoreLookup *ret)
{
        const atomic_bool *cancel;
        uint64_t start, deadline;
        char err[256];
        int r;

        r = store_lookup(sr->store, u, ret);
        if (r >= 0 || !store_error_is_transient(r))
                return r;
        start = clock_mono_us();
        deadline = store_retry_lookup_deadline(sr, lim, start, &cancel);
        log_warning(
                "%s: database unavailable at the look-up (%s), retrying for up to %.1f s before any work",
                what, store_last_error_line(sr->store, err, sizeof(err)), (double) (deadline - start) / 1e6);
        r = store_retry_backoff(sr->store, store_lookup_once, u, deadline, cancel, ret);
        if (r >= 0)
                log_info("%s: database back after %.1f s of retries", what,
                         (double) (clock_mono_us() - start) / 1e6);
        return r;
}

int store_retry_put(StoreRetry *sr, const StoreRetryLimit *lim, const char *what, const StorePage *p,
                    StorePut *ret)
{
        uint64_t start = clock_mono_us(), deadline;
        const atomic_bool *cancel;
        char err[256];
        int r;

        r = store_put(sr->store, p, ret);
        if (r >= 0 || !store_error_is_transient(r))
                return r;
        deadline = store_retry_deadline(sr, lim, start, &cancel);
        log_warning("%s: database unavailable (%s), retrying for up to %.1f s", what,
                    store_last_error_line(sr->store, err, sizeof(err)),
                    (double) (deadline - MIN(deadline, start)) / 1e6);
        r = store_retry_backoff(sr->store, store_put_once, p, deadline, cancel, ret);
        if (r < 0)
                return r;
        log_info("%s: database back after %.1f s of retries", what,
                 (double) (clock_mono_us() - start) / 1e6);
        return 0;
}

int store_retry_close(StoreRetry *sr, const StoreRetryLimit *lim, const char *what, const StoreBatchClose *c,
                      StorePut *ret)
{
        uint64_t start = clock_mono_us(), deadline;
        const atomic_bool *cancel;
        char err[256];
        int r;

        r = store_close_batch(sr->store, c, ret);
        if (r >= 0 || !store_error_is_transient(r))
                return r;
        deadline = store_retry_deadline(sr, lim, start, &cancel);
        log_warning("%s: database unavailable (%s), retrying", what,
                    store_last_error_line(sr->store, err, sizeof(err)));
        return store_retry_backoff(sr->store, store_close_once, c, deadline, cancel, ret);
}

/* A SQLSTATE said in full once: true the first time. */
static bool store_retry_first_time(StoreRetry *sr, const char *state)
{
        if (!*state)
                return false;
        for (size_t i = 0; i < sr->n_logged; i++)
                if (strcmp(sr->logged[i], state) == 0)
                        return false;
        if (sr->n_logged < STORE_SQLSTATES_LOGGED)
                snprintf(sr->logged[sr->n_logged++], sizeof(sr->logged[0]), "%s", state);
        return true;
}

int store_retry_give_up(StoreRetry *sr, const StoreRetryLimit *lim, const char *what, int r)
{
        const char *state = store_last_sqlstate(sr->store);
        uint64_t now = clock_mono_us(), pause;
        char err[256];

        store_last_error_line(sr->store, err, sizeof(err));
        if (store_retry_first_time(sr, state))
                log_error("database problem %s: %s: pages are not stored until it is mended", state, err);
        if (r == -ETIMEDOUT || r == -ECANCELED) {
                /* The retries took their time already: no pause, but one
                 * line for every page given up, not only for a new state. */
                log_warning(
                        "%s: not stored: %s (%s%s%s%s); answering \"resend\": the sender keeps the page and "
                        "sends it again",
                        what,
                        r == -ETIMEDOUT
                                ? "gave up after the store's retry window (worker.store_retry_deadline)"
                                : "the page's time limit ended the retries",
                        *state ? "SQLSTATE " : "", state, *state ? ": " : "", *err ? err : strerror(-r));
                return r;
        }
        sr->pace_us = sr->pace_us ? MIN(sr->pace_us * 2, STORE_PACE_MAX_US) : STORE_PACE_MIN_US;
        pause = sr->pace_us;
        if (lim->deadline_us != 0)
                pause = MIN(pause, lim->deadline_us > now + USEC_PER_SEC
                                           ? lim->deadline_us - now - USEC_PER_SEC
                                           : 0);
        log_warning("%s: not stored (%s%s%s): answering \"resend\" in %.1f s", what,
                    *state ? "SQLSTATE " : "", state, *state ? "" : strerror(-r), (double) pause / 1e6);
        store_retry_sleep(pause, lim->cancel);
        return r;
}

void store_retry_stored(StoreRetry *sr)
{
        sr->pace_us = 0;
}
