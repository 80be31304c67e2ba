/* A batch's end from its close record (see closerecord.h): the store's
 * answer turned into the sender's (REJECTED for another page count,
 * STORED_FAILED for an end recorded without its verdict or not recordable
 * at all), and one log line per close. */
#include <errno.h>
#include <stdio.h>

#include "clock.h"
#include "closerecord.h"
#include "log.h"

/* The store's answer to a close record as the broker's status. */
static void closerecord_outcome(const char *batch, const RecordClose *rc, StorePut put, WorkOutcome *out)
{
        if (put == STORE_PUT_REJECTED) {
                out->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(out->reason, sizeof(out->reason), "batch %s is closed with another page count",
                         batch);
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
static int closerecord_refused(Store *s, RecordClose *rc, const char *reason, WorkOutcome *out)
{
        StoreBatchClose bare = {
                .close_uuid = rc->close.close_uuid,
                .batch_uuid = rc->close.batch_uuid,
                .pages = rc->close.pages,
                .declared_sheets = rc->close.declared_sheets,
                .worker_id = rc->close.worker_id,
        };
        int r;

        r = store_close_batch_audit(s, &bare, "batch.close_refused", reason);
        if (r < 0)
                return r;
        out->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
        snprintf(out->reason, sizeof(out->reason), "%s", reason);
        return 0;
}

/* Records the batch's end, retried while PostgreSQL is away. */
static int closerecord_record(Store *s, StoreRetry *sr, const StoreRetryLimit *lim, RecordClose *rc,
                              const char *what, WorkOutcome *out)
{
        StorePut put = _STORE_PUT_INVALID;
        char err[256], reason[240];
        int r;

        if (*rc->notes.problem)
                return closerecord_refused(s, rc, rc->notes.problem, out);
        r = store_retry_close(sr, lim, what, &rc->close, &put);
        if (r == -EINVAL) {
                snprintf(reason, sizeof(reason), "close not recordable as sent (%s)",
                         store_last_error_line(s, err, sizeof(err)));
                r = closerecord_refused(s, rc, reason, out);
                if (r >= 0)
                        return 0;
        }
        if (r < 0)
                return r;
        closerecord_outcome(what, rc, put, out);
        return 0;
}

int closerecord_store(Store *s, StoreRetry *sr, const WorkJob *wj, RecordClose *rc, const char *what,
                      WorkOutcome *ret)
{
        StoreRetryLimit lim = { .cancel = wj->cancel, .deadline_us = wj->deadline_us };
        const char *sent_note = rc->close.note;
        uint64_t start = clock_mono_us();
        WorkOutcome out = {};
        char note[512];
        int r;

        if (wj->store_only) {
                snprintf(note, sizeof(note),
                         "quarantined after %u worker death%s: end recorded, verdict left "
                         "to the batch's next page%s%s",
                         wj->attempts, wj->attempts == 1 ? "" : "s", rc->close.note ? "; " : "",
                         rc->close.note ? rc->close.note : "");
                rc->close.note = note;
                rc->close.no_verdict = true;
        }
        r = closerecord_record(s, sr, &lim, rc, what, &out);
        rc->close.note = sent_note; /* note is gone on return */
        if (r < 0)
                return store_retry_give_up(sr, &lim, what, r);
        store_retry_stored(sr);
        /* A close not stored well (refused, no verdict) is a failure to look at. */
        log_internal(out.status == SOHOA__RESULT_STATUS__RESULT_STORED ? LOG_INFO : LOG_WARNING, 0,
                     "%s: %u images, %u sheets declared: %s%s%s (store %.0f ms)", what, rc->close.pages,
                     rc->close.declared_sheets,
                     out.status == SOHOA__RESULT_STATUS__RESULT_STORED          ? "stored"
                     : out.status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED ? "stored failed"
                                                                                : "rejected",
                     *out.reason ? ": " : "", out.reason, (double) (clock_mono_us() - start) / 1000.0);
        *ret = out;
        return 0;
}
