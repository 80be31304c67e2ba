/* One JOB through the worker (see job.h). The order matters: the hash
 * first (a damaged payload is answered "resend", nothing stored), then the
 * look-up (a repeat costs no OCR), then the pipeline, then one transaction,
 * then the answer. A page that cannot be processed is still stored, raw,
 * marked failed with the reason; so is one whose header the schema refuses
 * (stored again with only what identifies it). Only a database that stays
 * away past the deadline, or one that cannot store anything, leaves it
 * unstored: storeretry.c says so and answers "resend". A batch-close record
 * is checked the same way, then recorded by closerecord.c. */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "closerecord.h"
#include "job.h"
#include "log.h"
#include "page.h"
#include "record.h"
#include "sha256.h"
#include "store.h"
#include "storeretry.h"

/* The session's lock and statement time limits stay under this share of the
 * page's time limit, and under these bounds. (A settings key would do; for
 * now the conninfo's options override them.) */
#define JOB_STATEMENT_TIMEOUT_MAX_MS 30000U
#define JOB_LOCK_TIMEOUT_MAX_MS 20000U

struct Job {
        const Settings *settings;
        Ocr *ocr;
        Store *store;
        StoreRetry *retry; /* touched by the work thread only */
        atomic_uint_fast64_t pages, ocr_pages;
};

/* What one page went through, for its log line. */
typedef struct JobTrace {
        char uuid[UUID_STRING_MAX];
        char what[UUID_STRING_MAX + 8]; /* "page UUID", for the store's log lines */
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
        StoreRetryConfig rc = { .window_ms = s->store_retry_deadline_ms,
                                .page_grace_ms = s->page_grace_ms,
                                .ocr_time_limit_ms = s->ocr_time_limit_ms };
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
        r = store_retry_new(j->store, &rc, &j->retry);
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
        store_retry_free(j->retry);
        store_free(j->store);
        free(j);
        return NULL;
}

void job_counts(const Job *j, uint64_t *ret_pages, uint64_t *ret_ocr)
{
        *ret_pages = atomic_load(&j->pages);
        *ret_ocr = atomic_load(&j->ocr_pages);
}

/* Stores rec; a page the schema refuses as it came (a data error) is
 * stored again with only what identifies it, failed with the error as the
 * reason (kept in reason_buf). */
static int job_store_page(Job *j, const WorkJob *wj, JobTrace *t, Record *rec, StorePut *ret,
                          char *reason_buf, size_t reason_size)
{
        StoreRetryLimit lim = { .cancel = wj->cancel, .deadline_us = wj->deadline_us };
        uint64_t start = clock_mono_us();
        char err[200];
        int r;

        r = store_retry_put(j->retry, &lim, t->what, &rec->page, ret);
        if (r == -EINVAL) {
                snprintf(reason_buf, reason_size, "not storable as sent (%s): stored raw",
                         store_last_error_line(j->store, err, sizeof(err)));
                log_warning("page %s: %s", t->uuid, reason_buf);
                record_set_minimal(rec, reason_buf);
                t->path = "header refused";
                r = store_retry_put(j->retry, &lim, t->what, &rec->page, ret);
        }
        t->store_usec = clock_mono_us() - start;
        if (r < 0)
                return store_retry_give_up(j->retry, &lim, t->what, r);
        store_retry_stored(j->retry);
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
                snprintf(read_at, sizeof(read_at), ", read at %d dpi", res->ocr_dpi);
        /* A page not stored as processed is a failure an administrator looks at. */
        log_internal(out->status == SOHOA__RESULT_STATUS__RESULT_STORED ? LOG_INFO : LOG_WARNING, 0,
                     "page %s: %s (%s%s%s); ms: %sstore %.0f total %.0f; %zu chars, confidence %.0f, dpi "
                     "%u%s%s%s",
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
        PageOptions po = {
                .ocr = j->ocr,
                .limits = { .max_side = s->max_side, .max_pixels = s->max_pixels },
                /* The header's dpi as record_init() cleaned it: the raw one
                 * may be 4294967295, or 1e9 that an int holds. */
                .default_dpi = rec->page.dpi > 0 ? (int) rec->page.dpi : (int) s->default_dpi,
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
static bool job_hash_ok(const WorkJob *wj, const uint8_t sha256[SHA256_LEN], const char *what,
                        WorkOutcome *out)
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

/* Before any work: the hash, then whether the page is stored already.
 * Returns 1 when *out is the answer, 2 when the page is stored with another
 * hash (the store rejects it and audits the rejection), 3 when it is stored
 * failed with the same hash and its sender asks for it to be processed
 * again (Page.reprocess: its record is replaced), 0 to go on, or negative
 * when the database cannot say (no OCR is run: "resend"). */
static int job_precheck(Job *j, const WorkJob *wj, JobTrace *t, const Record *rec, WorkOutcome *out)
{
        StoreRetryLimit lim = { .cancel = wj->cancel, .deadline_us = wj->deadline_us };
        StoreLookup l;
        int r;

        if (!job_hash_ok(wj, rec->page.sha256, t->what, out)) {
                t->path = "hash check";
                return 1;
        }
        r = store_retry_lookup(j->retry, &lim, t->what, &rec->page.page_uuid, &l);
        if (r < 0)
                return store_retry_give_up(j->retry, &lim, t->what, r);
        if (!l.found)
                return 0;
        if (memcmp(l.sha256, rec->page.sha256, SHA256_LEN) != 0)
                return 2;
        if (l.failed && wj->page->reprocess) {
                log_info("page %s: stored failed, processing it again (sohoactl failed retry)", t->uuid);
                return 3;
        }
        t->path = "look-up";
        out->status = l.failed ? SOHOA__RESULT_STATUS__RESULT_STORED_FAILED
                               : SOHOA__RESULT_STATUS__RESULT_STORED;
        snprintf(out->reason, sizeof(out->reason), "already stored%s", l.failed ? " (failed)" : "");
        log_info("page %s: already stored with the same hash: acknowledged without processing", t->uuid);
        return 1;
}

/* A batch-close record (proto/PROTOCOL.md §7.6): its empty image checked
 * against its hash like any page's, then the batch's end recorded
 * (closerecord.c). */
static int job_close(Job *j, const WorkJob *wj, WorkOutcome *ret)
{
        char u[UUID_STRING_MAX], batch[UUID_STRING_MAX], what[128];
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
        if (job_hash_ok(wj, wj->page->sha256.data, what, &out)) {
                r = closerecord_store(j->store, j->retry, wj, &rc, what, &out);
                if (r < 0)
                        goto done;
        }
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
        r = record_init(&rec, wj->page, wj->image, wj->image_len, wj->cleaned, j->settings->id);
        if (r < 0)
                goto out;
        uuid_format(&rec.page.page_uuid, t.uuid);
        uuid_format(&rec.page.batch_uuid, batch);
        log_context_set(rec.page.origin_id, batch, t.uuid);
        snprintf(t.what, sizeof(t.what), "page %s", t.uuid);
        r = job_precheck(j, wj, &t, &rec, &out);
        if (r < 0)
                goto out;
        if (r == 1)
                goto done;
        /* Nothing is deleted first: the failed record stays until its
         * replacement commits. */
        rec.page.replace_failed = r == 3;
        r = job_prepare(j, wj, &t, &rec, r, &res, reason, sizeof(reason));
        if (r < 0)
                goto out;
        if (rec.page.replace_failed && strcmp(t.path, "processed") == 0)
                t.path = "processed again";
        r = job_store_page(j, wj, &t, &rec, &put, reason, sizeof(reason));
        if (r < 0)
                goto out;
        job_outcome(&t, &rec, put, &out);
        for (int s = 0; res && s < _PAGE_STAGE_MAX && s < STAGEHIST_MAX; s++) {
                out.stage_name[out.n_stages] = page_stage_to_string(s);
                out.stage_usec[out.n_stages++] = res->stage_usec[s];
        }
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
