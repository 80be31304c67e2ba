/* One page through the worker (see job.h). The order matters: the hash
 * first (a damaged payload is answered "resend", nothing stored), then the
 * look-up (a repeat costs no OCR), then the pipeline, then one transaction.
 * A page that cannot be processed is still stored, raw, marked failed with
 * the reason; so is one whose header the schema refuses (stored again with
 * only what identifies it). Only a database that stays away past the
 * deadline, or one that cannot store anything (not migrated, no privilege),
 * leaves it unstored: then the sender keeps it and sends it again, and the
 * worker waits before saying so, so that the page does not spin. */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "job.h"
#include "log.h"
#include "page.h"
#include "record.h"
#include "sha256.h"
#include "store.h"

/* The pause before a "resend" for a database that cannot store: doubling
 * from the first to the second while the problem lasts. */
#define JOB_PACE_MIN_US (2 * USEC_PER_SEC)
#define JOB_PACE_MAX_US (30 * USEC_PER_SEC)
/* The session's lock and statement time limits stay under this share of the
 * page's time limit, and under these bounds. (A settings key would do; for
 * now the conninfo's options override them.) */
#define JOB_STATEMENT_TIMEOUT_MAX_MS 30000U
#define JOB_LOCK_TIMEOUT_MAX_MS 20000U
#define JOB_SQLSTATES_LOGGED 16

struct Job {
        const Settings *settings;
        Ocr *ocr;
        Store *store;
        atomic_uint_fast64_t pages, ocr_pages;
        /* Touched by the work thread only. */
        uint64_t pace_us;                           /* the next pause; 0: the database stores */
        char logged[JOB_SQLSTATES_LOGGED][6];       /* SQLSTATEs already logged in full */
        size_t n_logged;
};

/* What one page went through, for its log line. */
typedef struct JobTrace {
        char uuid[UUID_STRING_MAX];
        const PageResult *res;
        uint64_t store_usec;
        const char *path; /* how it was answered: "processed", "look-up", "decode failed", ... */
} JobTrace;

int job_new(const Settings *s, Job **ret)
{
        OcrOptions oo = { .datapath = s->tessdata, .languages = s->languages };
        /* A store blocked on a lock must end in an error well before the
         * page's time limit (then its grace) ends the process. */
        uint64_t quarter = s->page_timeout_ms ? MAX(s->page_timeout_ms / 4, 1000) : UINT32_MAX;
        StoreConfig sc = { .conninfo = s->database,
                           .application_name = "sohoa-worker",
                           .statement_timeout_ms = (unsigned) MIN(quarter, JOB_STATEMENT_TIMEOUT_MAX_MS),
                           .lock_timeout_ms = (unsigned) MIN(quarter * 2 / 3, JOB_LOCK_TIMEOUT_MAX_MS),
                           .connect_later = true };
        char error[512] = "";
        Job *j;
        int r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->settings = s;
        decode_init();
        r = ocr_new(&oo, &j->ocr);
        if (r < 0)
                goto fail;
        sc.error = error;
        sc.error_size = sizeof(error);
        r = store_new(&sc, &j->store);
        if (r == -EPROTONOSUPPORT)
                log_error("not starting: %s", error);
        if (r < 0)
                goto fail;
        *ret = j;
        return 0;
fail:
        job_free(j);
        return r;
}

Job *job_free(Job *j)
{
        if (!j)
                return NULL;
        ocr_free(j->ocr);
        store_free(j->store);
        free(j);
        return NULL;
}

void job_counts(const Job *j, uint64_t *ret_pages, uint64_t *ret_ocr)
{
        *ret_pages = atomic_load(&j->pages);
        *ret_ocr = atomic_load(&j->ocr_pages);
}

/* The store's last error on one line (libpq's messages span several), in
 * printable ASCII: it may become a failure reason, stored and sent back, and
 * cutting it to size must not leave half a UTF-8 sequence behind. */
static const char *job_store_error(Job *j, char *buf, size_t size)
{
        size_t n = 0;

        for (const char *e = store_last_error(j->store); *e && n + 1 < size; e++) {
                unsigned char c = (unsigned char) *e;
                bool space = c == '\n' || c == '\t' || c == ' ';

                if (space && (n == 0 || buf[n - 1] == ' '))
                        continue;
                buf[n++] = space ? ' ' : c < 0x20 || c > 0x7e ? '?' : (char) c;
        }
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        buf[n] = '\0';
        return buf;
}

/* How long a store is retried while PostgreSQL is away: until the retry
 * deadline, the page's own deadline or its cancellation, whichever comes
 * first. The broker keeps hearing from the main thread all along. */
static uint64_t job_retry_deadline(Job *j, const WorkJob *wj, uint64_t start, const atomic_bool **ret_cancel)
{
        uint64_t deadline = start + j->settings->store_retry_deadline_ms * USEC_PER_MSEC;

        *ret_cancel = wj->cancel;
        if (atomic_load(wj->cancel)) {
                /* Already past the page's soft limit (OCR was cut short):
                 * use half the grace, not the cancellation, as the bound. */
                *ret_cancel = NULL;
                deadline = MIN(deadline, start + j->settings->page_grace_ms * USEC_PER_MSEC / 2);
        } else if (wj->deadline_us != 0)
                deadline = MIN(deadline, wj->deadline_us);
        return deadline;
}

/* Sleeps usec in short slices, stopping early on cancel. */
static void job_sleep(uint64_t usec, const atomic_bool *cancel)
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

/* A database that cannot store (not migrated, no privilege, a page it
 * refuses even bare), or that stayed away past the retries: said in full
 * once per SQLSTATE, and for every page in one line (the page, the error,
 * "resend"). A database that cannot store makes the sender wait before it
 * hears "resend" (the broker hears from the main thread meanwhile), so that
 * a misconfigured database does not send every page round and round; the
 * pause doubles while it lasts and stays inside the page's time limit.
 * Retries that ran out already took their time: answered at once.
 * Returns r. */
static int job_db_problem(Job *j, const WorkJob *wj, const char *what, int r)
{
        const char *state = store_last_sqlstate(j->store);
        uint64_t now = clock_mono_us(), pause;
        bool logged = !*state;
        char err[256];

        job_store_error(j, err, sizeof(err));
        for (size_t i = 0; i < j->n_logged && !logged; i++)
                logged = strcmp(j->logged[i], state) == 0;
        if (!logged) {
                log_error("database problem %s: %s: pages are not stored until it is mended", state, err);
                if (j->n_logged < JOB_SQLSTATES_LOGGED)
                        snprintf(j->logged[j->n_logged++], sizeof(j->logged[0]), "%s", state);
        }
        if (r == -ETIMEDOUT || r == -ECANCELED) {
                /* The retries took their time already: no pause, but one
                 * line for every page given up, not only for a new state. */
                log_warning("%s: not stored: %s (%s%s%s%s); answering \"resend\": the sender keeps the page and "
                            "sends it again", what,
                            r == -ETIMEDOUT ? "gave up after the store's retry window (worker.store_retry_deadline)"
                                            : "the page's time limit ended the retries",
                            *state ? "SQLSTATE " : "", state, *state ? ": " : "", *err ? err : strerror(-r));
                return r;
        }
        j->pace_us = j->pace_us ? MIN(j->pace_us * 2, JOB_PACE_MAX_US) : JOB_PACE_MIN_US;
        pause = j->pace_us;
        if (wj->deadline_us != 0)
                pause = MIN(pause, wj->deadline_us > now + USEC_PER_SEC ? wj->deadline_us - now - USEC_PER_SEC : 0);
        log_warning("%s: not stored (%s%s%s): answering \"resend\" in %.1f s", what, *state ? "SQLSTATE " : "",
                    state, *state ? "" : strerror(-r), (double) pause / 1e6);
        job_sleep(pause, wj->cancel);
        return r;
}

/* Store in one transaction, retried as a whole while PostgreSQL is away. */
static int job_store(Job *j, const WorkJob *wj, const JobTrace *t, const Record *rec, StorePut *ret)
{
        uint64_t start = clock_mono_us(), deadline;
        const atomic_bool *cancel;
        char err[256];
        int r;

        r = store_put(j->store, &rec->page, ret);
        if (r >= 0 || !store_error_is_transient(r))
                return r;
        deadline = job_retry_deadline(j, wj, start, &cancel);
        log_warning("page %s: database unavailable (%s), retrying for up to %.1f s", t->uuid,
                    job_store_error(j, err, sizeof(err)), (double) (deadline - MIN(deadline, start)) / 1e6);
        r = store_put_retry(j->store, &rec->page, deadline, cancel, ret);
        if (r < 0)
                return r;
        log_info("page %s: database back after %.1f s of retries", t->uuid,
                 (double) (clock_mono_us() - start) / 1e6);
        return 0;
}

/* Stores rec; a page the schema refuses as it came (a data error) is
 * stored again with only what identifies it, failed with the error as the
 * reason (kept in reason_buf). */
static int job_store_page(Job *j, const WorkJob *wj, JobTrace *t, Record *rec, StorePut *ret, char *reason_buf,
                          size_t reason_size)
{
        uint64_t start = clock_mono_us();
        char err[200];
        int r;

        r = job_store(j, wj, t, rec, ret);
        if (r == -EINVAL) {
                snprintf(reason_buf, reason_size, "not storable as sent (%s): stored raw",
                         job_store_error(j, err, sizeof(err)));
                log_warning("page %s: %s", t->uuid, reason_buf);
                record_set_minimal(rec, reason_buf);
                t->path = "header refused";
                r = job_store(j, wj, t, rec, ret);
        }
        t->store_usec = clock_mono_us() - start;
        if (r < 0) {
                char what[64];

                snprintf(what, sizeof(what), "page %s", t->uuid);
                return job_db_problem(j, wj, what, r);
        }
        j->pace_us = 0;
        return 0;
}

static void job_log(const JobTrace *t, const Record *rec, const WorkOutcome *out)
{
        char stages[256] = "", read_at[64] = "";
        size_t n = 0;
        const PageResult *res = t->res;
        const char *status = out->status == SOHOA__RESULT_STATUS__RESULT_STORED          ? "stored"
                             : out->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED ? "stored failed"
                             : out->status == SOHOA__RESULT_STATUS__RESULT_REJECTED      ? "rejected"
                                                                                         : "resend";

        for (int s = 0; res && s < _PAGE_STAGE_MAX && n < sizeof(stages); s++)
                n += (size_t) snprintf(stages + n, sizeof(stages) - n, "%s %.0f ", page_stage_to_string(s),
                                       (double) res->stage_usec[s] / 1000.0);
        if (res && (res->ocr || res->ocr_error))
                snprintf(read_at, sizeof(read_at), ", read at %d dpi%s", res->ocr_dpi,
                         res->ocr_reread ? " (again: text small or unsure)" : "");
        /* A page not stored as processed is a failure an administrator looks at. */
        log_internal(out->status == SOHOA__RESULT_STATUS__RESULT_STORED ? LOG_INFO : LOG_WARNING, 0,
                 "page %s: %s (%s%s%s); ms: %sstore %.0f total %.0f; %zu chars, confidence %.0f, dpi %u%s%s%s",
                 t->uuid, status, t->path, *out->reason ? ": " : "", out->reason, stages,
                 (double) t->store_usec / 1000.0,
                 (double) ((res ? res->total_usec : 0) + t->store_usec) / 1000.0,
                 rec->page.ocr_text ? strlen(rec->page.ocr_text) : 0,
                 !isnan(rec->page.ocr_confidence) ? rec->page.ocr_confidence : -1.0, rec->page.dpi,
                 rec->page.low_dpi ? " (low)" : "", read_at, rec->page.blank > 0 ? ", blank" : "");
}

/* Run the pipeline into rec; a page it cannot process becomes a failed
 * record (reason in reason_buf). Negative only when the worker itself is
 * short of memory: the page is then resent, not marked failed. */
static int job_process(Job *j, const WorkJob *wj, Record *rec, PageResult **ret_res, char *reason_buf,
                       size_t reason_size)
{
        const Settings *s = j->settings;
        const Sohoa__Page *page = wj->page;
        PageOptions po = {
                .ocr = j->ocr,
                .limits = { .max_side = s->max_side, .max_pixels = s->max_pixels },
                .default_dpi = page->dpi > 0 ? (int) page->dpi : (int) s->default_dpi,
                .ocr_time_limit_ms = (unsigned) MIN(s->ocr_time_limit_ms, UINT32_MAX),
                .pdf = { .jpeg_quality = (int) s->jpeg_quality, .jpeg_only = !s->lossless },
                /* page_process() only reads the flag. */
                .cancel = (atomic_bool *) wj->cancel,
        };
        const char *why = NULL;
        PageResult *res = NULL;
        int r;

        r = page_process(wj->image, wj->image_len, &po, &res, &why);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                snprintf(reason_buf, reason_size, "decode: %s (%u pixels a side, %u pixels)",
                         why ? why : strerror(-r), s->max_side, s->max_pixels);
        else if (r < 0)
                snprintf(reason_buf, reason_size, "%s: %s",
                         r == -EBADMSG || r == -EPROTONOSUPPORT ? "decode" : "processing",
                         why ? why : strerror(-r));
        if (r < 0) {
                record_set_failed(rec, reason_buf);
                return 0;
        }
        atomic_fetch_add(&j->ocr_pages, 1);
        r = record_set_result(rec, res);
        if (r < 0) {
                page_result_free(res);
                return r;
        }
        if (res->ocr_error == -ETIME)
                snprintf(reason_buf, reason_size, "OCR time limit (%llu ms)",
                         (unsigned long long) s->ocr_time_limit_ms);
        else if (res->ocr_error == -ECANCELED)
                snprintf(reason_buf, reason_size, "page time limit (%llu ms)",
                         (unsigned long long) s->page_timeout_ms);
        else if (res->ocr_error < 0)
                snprintf(reason_buf, reason_size, "OCR failed: %s", strerror(-res->ocr_error));
        if (res->ocr_error < 0)
                record_set_failed(rec, reason_buf); /* the image-only PDF stays with it */
        *ret_res = res;
        return 0;
}

/* The store's answer as the broker's status: REJECTED only for a page
 * stored earlier with another hash. */
static void job_outcome(const JobTrace *t, const Record *rec, StorePut put, WorkOutcome *out)
{
        if (put == STORE_PUT_REJECTED) {
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(out->reason, sizeof(out->reason), "page %s is stored with another hash", t->uuid);
        } else if (rec->page.failed) {
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
                snprintf(out->reason, sizeof(out->reason), "%s", rec->page.failure_reason);
        } else
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED;
}

/* The payload against the hash its sender made: false, with *out the
 * answer ("resend"), when it was damaged in transit. */
static bool job_hash_ok(const WorkJob *wj, const uint8_t sha256[SHA256_LEN], const char *what, WorkOutcome *out)
{
        uint8_t h[SHA256_LEN];

        sha256_buf(wj->image, wj->image_len, h);
        if (memcmp(h, sha256, SHA256_LEN) == 0)
                return true;
        out->status = SOHOA__RESULT_STATUS__RESULT_RESEND;
        snprintf(out->reason, sizeof(out->reason), "payload fails its SHA-256 (damaged in transit)");
        log_warning("%s: payload of %zu bytes fails its SHA-256: asking for it again", what, wj->image_len);
        return false;
}

/* How long the look-up waits for a database that is away: as a store
 * would, but leaving the page the time its OCR may take. */
static uint64_t job_lookup_deadline(Job *j, const WorkJob *wj, uint64_t start, const atomic_bool **ret_cancel)
{
        uint64_t deadline = job_retry_deadline(j, wj, start, ret_cancel);
        uint64_t keep = (j->settings->ocr_time_limit_ms + 10 * MSEC_PER_SEC) * USEC_PER_MSEC;

        if (wj->deadline_us != 0)
                deadline = MIN(deadline, wj->deadline_us > keep ? wj->deadline_us - keep : 0);
        return MAX(deadline, start + USEC_PER_SEC);
}

/* Before any work: the hash, then whether the page is stored already.
 * Returns 1 when *out is the answer, 2 when the page is stored with another
 * hash (the store rejects it and audits the rejection), 0 to go on, or
 * negative when the database cannot say (no OCR is run: "resend"). */
static int job_precheck(Job *j, const WorkJob *wj, JobTrace *t, const Record *rec, WorkOutcome *out)
{
        const atomic_bool *cancel;
        char what[64], err[256];
        StoreLookup l;
        int r;

        snprintf(what, sizeof(what), "page %s", t->uuid);
        if (!job_hash_ok(wj, rec->page.sha256, what, out)) {
                t->path = "hash check";
                return 1;
        }
        r = store_lookup(j->store, &rec->page.page_uuid, &l);
        if (r < 0 && store_error_is_transient(r)) {
                uint64_t start = clock_mono_us(), deadline = job_lookup_deadline(j, wj, start, &cancel);

                log_warning("page %s: database unavailable at the look-up (%s), retrying for up to %.1f s "
                            "before any work",
                            t->uuid, job_store_error(j, err, sizeof(err)), (double) (deadline - start) / 1e6);
                r = store_lookup_retry(j->store, &rec->page.page_uuid, deadline, cancel, &l);
                if (r >= 0)
                        log_info("page %s: database back after %.1f s of retries", t->uuid,
                                 (double) (clock_mono_us() - start) / 1e6);
        }
        if (r < 0)
                return job_db_problem(j, wj, what, r);
        if (!l.found)
                return 0;
        if (memcmp(l.sha256, rec->page.sha256, SHA256_LEN) != 0)
                return 2;
        t->path = "look-up";
        out->status = l.failed ? SOHOA__RESULT_STATUS__RESULT_STORED_FAILED
                               : SOHOA__RESULT_STATUS__RESULT_STORED;
        snprintf(out->reason, sizeof(out->reason), "already stored%s", l.failed ? " (failed)" : "");
        log_info("page %s: already stored with the same hash: acknowledged without processing", t->uuid);
        return 1;
}

/* The store's answer to a close record as the broker's status. */
static void job_close_outcome(const char *batch, const RecordClose *rc, StorePut put, WorkOutcome *out)
{
        if (put == STORE_PUT_REJECTED) {
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(out->reason, sizeof(out->reason), "batch %s is closed with another page count", batch);
        } else if (put == STORE_PUT_ALREADY) {
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED;
                snprintf(out->reason, sizeof(out->reason), "already closed");
        } else if (rc->close.no_verdict) {
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
                snprintf(out->reason, sizeof(out->reason), "%s", rc->close.note);
        } else
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED;
}

/* A close whose end cannot be recorded (its count out of range, or refused
 * by the schema): an audit entry says so, and the sender is told it was
 * dealt with (STORED_FAILED), so that it does not send it forever. */
static int job_close_refused(Job *j, RecordClose *rc, const char *reason, WorkOutcome *out)
{
        StoreBatchClose bare = {
                .close_uuid = rc->close.close_uuid,
                .batch_uuid = rc->close.batch_uuid,
                .pages = rc->close.pages,
                .declared_sheets = rc->close.declared_sheets,
                .worker_id = rc->close.worker_id,
        };
        int r;

        r = store_close_batch_audit(j->store, &bare, "batch.close_refused", reason);
        if (r < 0)
                return r;
        out->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
        snprintf(out->reason, sizeof(out->reason), "%s", reason);
        return 0;
}

/* Records the batch's end, retried while PostgreSQL is away. */
static int job_close_store(Job *j, const WorkJob *wj, RecordClose *rc, const char *what, WorkOutcome *out)
{
        uint64_t start = clock_mono_us();
        StorePut put = _STORE_PUT_INVALID;
        char err[256], reason[240];
        int r;

        if (*rc->notes.problem)
                return job_close_refused(j, rc, rc->notes.problem, out);
        r = store_close_batch(j->store, &rc->close, &put);
        if (r < 0 && store_error_is_transient(r)) {
                const atomic_bool *cancel;
                uint64_t deadline = job_retry_deadline(j, wj, start, &cancel);

                log_warning("%s: database unavailable (%s), retrying", what, job_store_error(j, err, sizeof(err)));
                r = store_close_batch_retry(j->store, &rc->close, deadline, cancel, &put);
        }
        if (r == -EINVAL) {
                snprintf(reason, sizeof(reason), "close not recordable as sent (%s)",
                         job_store_error(j, err, sizeof(err)));
                r = job_close_refused(j, rc, reason, out);
                if (r >= 0)
                        return 0;
        }
        if (r < 0)
                return r;
        job_close_outcome(what, rc, put, out);
        return 0;
}

/* A batch-close record (proto/PROTOCOL.md §7.6): its empty image checked
 * against its hash like any page's, then the batch's end recorded. No
 * pipeline, no page row. A quarantined one (workers died holding it: the
 * verdict is all it runs) records the end without the verdict, which the
 * batch's next page computes, and is answered STORED_FAILED saying so. */
static int job_close(Job *j, const WorkJob *wj, WorkOutcome *ret)
{
        uint64_t start = clock_mono_us();
        char u[UUID_STRING_MAX], batch[UUID_STRING_MAX], what[128], note[512];
        WorkOutcome out = {};
        RecordClose rc;
        int r;

        r = record_close_init(&rc, wj->page, j->settings->id);
        if (r < 0)
                goto done;
        uuid_format(&rc.close.close_uuid, u);
        uuid_format(&rc.close.batch_uuid, batch);
        log_context_set(rc.close.origin_id, batch, NULL);
        snprintf(what, sizeof(what), "close %s of batch %s", u, batch);
        if (!job_hash_ok(wj, wj->page->sha256.data, what, &out))
                goto answer;
        if (wj->store_only) {
                snprintf(note, sizeof(note), "quarantined after %u worker death%s: end recorded, verdict left "
                         "to the batch's next page%s%s", wj->attempts, wj->attempts == 1 ? "" : "s",
                         rc.close.note ? "; " : "", rc.close.note ? rc.close.note : "");
                rc.close.note = note;
                rc.close.no_verdict = true;
        }
        r = job_close_store(j, wj, &rc, what, &out);
        if (r < 0) {
                r = job_db_problem(j, wj, what, r);
                goto done;
        }
        j->pace_us = 0;
        log_internal(out.status == SOHOA__RESULT_STATUS__RESULT_STORED ? LOG_INFO : LOG_WARNING, 0,
                 "%s: %u images, %u sheets declared: %s%s%s (store %.0f ms)", what, rc.close.pages,
                 rc.close.declared_sheets,
                 out.status == SOHOA__RESULT_STATUS__RESULT_STORED          ? "stored"
                 : out.status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED ? "stored failed"
                                                                            : "rejected",
                 *out.reason ? ": " : "", out.reason, (double) (clock_mono_us() - start) / 1000.0);
answer:
        *ret = out;
        r = 0;
done:
        log_context_clear();
        record_close_done(&rc);
        return r;
}

/* What to do with a page that passed its checks: store it raw and failed
 * (another hash, quarantined, a header out of range), or run the pipeline. */
static int job_prepare(Job *j, const WorkJob *wj, JobTrace *t, Record *rec, int pre, PageResult **ret_res,
                       char *reason, size_t reason_size)
{
        int r;

        if (pre == 2) {
                /* No OCR for a page that will be refused; should the row
                 * have gone meanwhile, it is stored raw, never lost. */
                t->path = "another hash";
                record_set_failed(rec, "stored earlier with another hash");
        } else if (wj->store_only) {
                t->path = "quarantined";
                snprintf(reason, reason_size, "quarantined after %u worker death%s", wj->attempts,
                         wj->attempts == 1 ? "" : "s");
                record_set_failed(rec, reason);
        } else if (*rec->notes.problem) {
                t->path = "header out of range";
                record_set_failed(rec, rec->notes.problem);
        } else {
                r = job_process(j, wj, rec, ret_res, reason, reason_size);
                if (r < 0)
                        return r;
                t->res = *ret_res;
                if (rec->page.failed)
                        t->path = *ret_res ? "image only" : "unreadable";
        }
        if (!rec->page.failed && !j->settings->keep_original) {
                rec->page.original = NULL;
                rec->page.original_len = 0;
        }
        return 0;
}

int job_run(const WorkJob *wj, void *userdata, WorkOutcome *ret)
{
        Job *j = userdata;
        JobTrace t = { .path = "processed" };
        WorkOutcome out = {};
        char reason[256] = "", batch[UUID_STRING_MAX];
        PageResult *res = NULL;
        StorePut put = _STORE_PUT_INVALID;
        Record rec;
        int r;

        if (wj->page->batch_close)
                return job_close(j, wj, ret);
        atomic_fetch_add(&j->pages, 1);
        r = record_init(&rec, wj->page, wj->image, wj->image_len, j->settings->id);
        if (r < 0)
                goto out;
        uuid_format(&rec.page.page_uuid, t.uuid);
        uuid_format(&rec.page.batch_uuid, batch);
        log_context_set(rec.page.origin_id, batch, t.uuid);
        r = job_precheck(j, wj, &t, &rec, &out);
        if (r < 0)
                goto out;
        if (r == 1)
                goto done;
        r = job_prepare(j, wj, &t, &rec, r, &res, reason, sizeof(reason));
        if (r < 0)
                goto out;
        r = job_store_page(j, wj, &t, &rec, &put, reason, sizeof(reason));
        if (r < 0)
                goto out;
        job_outcome(&t, &rec, put, &out);
done:
        job_log(&t, &rec, &out);
        *ret = out;
        r = 0;
out:
        log_context_clear();
        page_result_free(res);
        record_done(&rec);
        return r;
}
