/* One page through the worker (see job.h). The order matters: the hash
 * first (a damaged payload is answered "resend", nothing stored), then the
 * look-up (a repeat costs no OCR), then the pipeline, then one transaction.
 * A page that cannot be processed is still stored, raw, marked failed with
 * the reason; only a database that stays away past the deadline leaves it
 * unstored, and then the sender keeps it and sends it again. */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "job.h"
#include "log.h"
#include "page.h"
#include "record.h"
#include "sha256.h"
#include "store.h"

struct Job {
        const Settings *settings;
        Ocr *ocr;
        Store *store;
        atomic_uint_fast64_t pages, ocr_pages;
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
        StoreConfig sc = { .conninfo = s->database,
                           .application_name = "sohoa-worker",
                           .connect_later = true };
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
        r = store_new(&sc, &j->store);
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

/* The store's last error on one line: libpq's messages span several. */
static const char *job_store_error(Job *j, char *buf, size_t size)
{
        size_t n = 0;

        for (const char *e = store_last_error(j->store); *e && n + 1 < size; e++) {
                bool space = *e == '\n' || *e == '\t' || *e == ' ';

                if (space && (n == 0 || buf[n - 1] == ' '))
                        continue;
                buf[n++] = space ? ' ' : *e;
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
                return log_warning_errno(r, "page %s: not stored (%s): %m; the sender keeps it", t->uuid,
                                         job_store_error(j, err, sizeof(err)));
        log_info("page %s: database back after %.1f s of retries", t->uuid,
                 (double) (clock_mono_us() - start) / 1e6);
        return 0;
}

static void job_log(const JobTrace *t, const Record *rec, const WorkOutcome *out)
{
        char stages[256] = "";
        size_t n = 0;
        const PageResult *res = t->res;
        const char *status = out->status == SOHOA__RESULT_STATUS__RESULT_STORED          ? "stored"
                             : out->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED ? "stored failed"
                             : out->status == SOHOA__RESULT_STATUS__RESULT_REJECTED      ? "rejected"
                                                                                         : "resend";

        for (int s = 0; res && s < _PAGE_STAGE_MAX && n < sizeof(stages); s++)
                n += (size_t) snprintf(stages + n, sizeof(stages) - n, "%s %.0f ", page_stage_to_string(s),
                                       (double) res->stage_usec[s] / 1000.0);
        log_info("page %s: %s (%s%s%s); ms: %sstore %.0f total %.0f; %zu chars, confidence %.0f, dpi %u%s%s",
                 t->uuid, status, t->path, *out->reason ? ": " : "", out->reason, stages,
                 (double) t->store_usec / 1000.0,
                 (double) ((res ? res->total_usec : 0) + t->store_usec) / 1000.0,
                 rec->page.ocr_text ? strlen(rec->page.ocr_text) : 0,
                 !isnan(rec->page.ocr_confidence) ? rec->page.ocr_confidence : -1.0, rec->page.dpi,
                 rec->page.low_dpi ? " (low)" : "", rec->page.blank > 0 ? ", blank" : "");
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
                .jpeg_quality = (int) s->jpeg_quality,
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

/* The store's answer as the broker's status. */
static int job_outcome(Job *j, const JobTrace *t, const Record *rec, int r, StorePut put, WorkOutcome *out)
{
        if (r == -EINVAL) {
                /* A page the schema refuses can never be stored: set aside. */
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                char err[200];

                snprintf(out->reason, sizeof(out->reason), "cannot be stored: %s",
                         job_store_error(j, err, sizeof(err)));
                return 0;
        }
        if (r < 0)
                return r;
        if (put == STORE_PUT_REJECTED) {
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(out->reason, sizeof(out->reason), "page %s is stored with another hash", t->uuid);
        } else if (rec->page.failed) {
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
                snprintf(out->reason, sizeof(out->reason), "%s", rec->page.failure_reason);
        } else
                out->status = SOHOA__RESULT_STATUS__RESULT_STORED;
        return 0;
}

/* Before any work: the hash, then whether the page is stored already.
 * Returns 1 when *out is the answer, 2 when the page is stored with another
 * hash (the store rejects it and audits the rejection), 0 to go on. */
static int job_precheck(Job *j, const WorkJob *wj, JobTrace *t, const Record *rec, WorkOutcome *out)
{
        uint8_t h[SHA256_LEN];
        StoreLookup l;
        char err[256];
        int r;

        sha256_buf(wj->image, wj->image_len, h);
        if (memcmp(h, rec->page.sha256, SHA256_LEN) != 0) {
                t->path = "hash check";
                out->status = SOHOA__RESULT_STATUS__RESULT_RESEND;
                snprintf(out->reason, sizeof(out->reason), "payload fails its SHA-256 (damaged in transit)");
                log_warning("page %s: payload of %zu bytes fails its SHA-256: asking for it again", t->uuid,
                            wj->image_len);
                return 1;
        }
        r = store_lookup(j->store, &rec->page.page_uuid, &l);
        if (r < 0) {
                /* The store's ON CONFLICT still makes a repeat harmless. */
                log_warning_errno(r, "page %s: look-up failed (%s): %m; processing it anyway", t->uuid,
                                  job_store_error(j, err, sizeof(err)));
                return 0;
        }
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

static const char *job_page_class(Sohoa__PageClass c)
{
        return c == SOHOA__PAGE_CLASS__CLASS_INTERACTIVE ? "interactive"
               : c == SOHOA__PAGE_CLASS__CLASS_BULK      ? "bulk"
                                                         : NULL;
}

/* The store's answer to a close record as the broker's status. */
static int job_close_outcome(Job *j, const char *batch, int r, StorePut put, WorkOutcome *out)
{
        char err[200];

        if (r == -EINVAL) {
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(out->reason, sizeof(out->reason), "cannot be stored: %s",
                         job_store_error(j, err, sizeof(err)));
                return 0;
        }
        if (r < 0)
                return log_warning_errno(r, "batch %s: close not stored (%s): %m; the sender keeps it",
                                         batch, job_store_error(j, err, sizeof(err)));
        out->status = put == STORE_PUT_REJECTED ? SOHOA__RESULT_STATUS__RESULT_REJECTED
                                                : SOHOA__RESULT_STATUS__RESULT_STORED;
        if (put == STORE_PUT_REJECTED)
                snprintf(out->reason, sizeof(out->reason), "batch %s is closed with another page count",
                         batch);
        else if (put == STORE_PUT_ALREADY)
                snprintf(out->reason, sizeof(out->reason), "already closed");
        return 0;
}

/* A batch-close record (proto/PROTOCOL.md §7.6): its empty image checked
 * against its hash like any page's, then the batch's end recorded. No
 * pipeline, no page row. */
static int job_close(Job *j, const WorkJob *wj, WorkOutcome *ret)
{
        const Sohoa__Page *page = wj->page;
        StoreBatchClose c = {
                .pages = page->batch_pages,
                .declared_sheets = page->declared_sheets,
                .dossier_code = page->dossier_code,
                .origin_id = page->origin_id && *page->origin_id ? page->origin_id : NULL,
                .page_class = job_page_class(page->page_class),
                .worker_id = j->settings->id,
        };
        char u[UUID_STRING_MAX], batch[UUID_STRING_MAX];
        const atomic_bool *cancel;
        uint8_t h[SHA256_LEN];
        WorkOutcome out = {};
        StorePut put = _STORE_PUT_INVALID;
        uint64_t start = clock_mono_us();
        int r;

        if (uuid_from_bytes(page->page_uuid.data, page->page_uuid.len, &c.close_uuid) < 0 ||
            uuid_from_bytes(page->batch_uuid.data, page->batch_uuid.len, &c.batch_uuid) < 0 ||
            page->sha256.len != SHA256_LEN)
                return -EBADMSG;
        uuid_format(&c.close_uuid, u);
        uuid_format(&c.batch_uuid, batch);
        sha256_buf(wj->image, wj->image_len, h);
        if (memcmp(h, page->sha256.data, SHA256_LEN) != 0) {
                out.status = SOHOA__RESULT_STATUS__RESULT_RESEND;
                snprintf(out.reason, sizeof(out.reason), "payload fails its SHA-256 (damaged in transit)");
                log_warning("close %s of batch %s: payload fails its SHA-256: asking for it again", u,
                            batch);
                goto done;
        }
        r = store_close_batch(j->store, &c, &put);
        if (r < 0 && store_error_is_transient(r)) {
                uint64_t deadline = job_retry_deadline(j, wj, start, &cancel);
                char err[256];

                log_warning("close %s of batch %s: database unavailable (%s), retrying", u, batch,
                            job_store_error(j, err, sizeof(err)));
                r = store_close_batch_retry(j->store, &c, deadline, cancel, &put);
        }
        r = job_close_outcome(j, batch, r, put, &out);
        if (r < 0)
                return r;
        log_info("close %s of batch %s: %u images, %u sheets declared: %s%s%s (store %.0f ms)", u, batch,
                 c.pages, c.declared_sheets,
                 out.status == SOHOA__RESULT_STATUS__RESULT_STORED ? "stored" : "rejected",
                 *out.reason ? ": " : "", out.reason, (double) (clock_mono_us() - start) / 1000.0);
done:
        *ret = out;
        return 0;
}

int job_run(const WorkJob *wj, void *userdata, WorkOutcome *ret)
{
        Job *j = userdata;
        JobTrace t = { .path = "processed" };
        WorkOutcome out = {};
        char reason[200] = "";
        PageResult *res = NULL;
        StorePut put = _STORE_PUT_INVALID;
        Record rec;
        uint64_t start;
        int r;

        if (wj->page->batch_close)
                return job_close(j, wj, ret);
        atomic_fetch_add(&j->pages, 1);
        r = record_init(&rec, wj->page, wj->image, wj->image_len, j->settings->id);
        if (r < 0)
                return r;
        uuid_format(&rec.page.page_uuid, t.uuid);
        r = job_precheck(j, wj, &t, &rec, &out);
        if (r == 1)
                goto done;

        if (r == 2) {
                /* No OCR for a page that will be refused; should the row
                 * have gone meanwhile, it is stored raw, never lost. */
                t.path = "another hash";
                record_set_failed(&rec, "stored earlier with another hash");
        } else if (wj->store_only) {
                t.path = "quarantined";
                snprintf(reason, sizeof(reason), "quarantined after %u worker death%s", wj->attempts,
                         wj->attempts == 1 ? "" : "s");
                record_set_failed(&rec, reason);
        } else {
                r = job_process(j, wj, &rec, &res, reason, sizeof(reason));
                if (r < 0)
                        goto out;
                t.res = res;
                if (rec.page.failed)
                        t.path = res ? "image only" : "unreadable";
        }
        if (!rec.page.failed && !j->settings->keep_original) {
                rec.page.original = NULL;
                rec.page.original_len = 0;
        }

        start = clock_mono_us();
        r = job_store(j, wj, &t, &rec, &put);
        t.store_usec = clock_mono_us() - start;
        r = job_outcome(j, &t, &rec, r, put, &out);
        if (r < 0)
                goto out;
done:
        job_log(&t, &rec, &out);
        *ret = out;
        r = 0;
out:
        page_result_free(res);
        record_done(&rec);
        return r;
}
