/* Batches not yet settled (see tracked.h). The outbox's thread never
 * queues its events for the main loop: it counts them here, under
 * s->lock, so that a batch as long as the feeder allows, which holds the
 * main loop all that time, loses no STORED. The main loop reads the
 * counts when it runs again. The lock is held for counting only, never
 * around outbox_put() or a hook. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "sha256.h"
#include "tracked.h"

#define TRACKED_CLOSE_RETRY_MS 1000

static void tracked_init(Tracked *t, const Uuid *u, const char *profile, const char *dossier,
                         unsigned declared_sheets)
{
        *t = (Tracked) { .uuid = *u, .declared_sheets = declared_sheets };
        snprintf(t->profile, sizeof(t->profile), "%s", profile);
        /* dossier is a checked code (dossier.h): it fits. */
        snprintf(t->dossier, sizeof(t->dossier), "%s", dossier ? dossier : "");
        /* Named after its batch (proto/PROTOCOL.md §7.6): spooling a
         * close record twice is a repeat, never a second record. */
        uuid_batch_close(u, &t->close_uuid);
}

Tracked *tracked_add(Scand *s, const Uuid *batch, const char *profile, const char *dossier,
                     unsigned declared_sheets)
{
        Tracked *n;

        pthread_mutex_lock(&s->lock);
        n = realloc(s->tracked, (s->n_tracked + 1) * sizeof(Tracked));
        if (n) {
                s->tracked = n;
                n = &s->tracked[s->n_tracked++];
                tracked_init(n, batch, profile, dossier, declared_sheets);
        }
        pthread_mutex_unlock(&s->lock);
        return n;
}

void tracked_page_put(Scand *s, Tracked *t)
{
        if (!t)
                return;
        pthread_mutex_lock(&s->lock);
        t->put++;
        pthread_mutex_unlock(&s->lock);
}

void tracked_drop(Scand *s, Tracked *t)
{
        pthread_mutex_lock(&s->lock);
        *t = s->tracked[--s->n_tracked];
        pthread_mutex_unlock(&s->lock);
}

/* Spool the close record of a batch whose scanning ended (t: its images,
 * dossier, declared sheets). 0 (also when it is spooled already), -ENOSPC,
 * or another negative errno. */
static int tracked_put_close(Scand *s, const Tracked *t)
{
        Sohoa__Page p = SOHOA__PAGE__INIT;
        char cu[UUID_STRING_MAX], bu[UUID_STRING_MAX];
        uint8_t sha[SHA256_LEN];
        int r;

        sha256_buf("", 0, sha);
        p.page_uuid = (ProtobufCBinaryData) { 16, (uint8_t *) t->close_uuid.b };
        p.batch_uuid = (ProtobufCBinaryData) { 16, (uint8_t *) t->uuid.b };
        p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        p.captured_at_us = clock_real_us();
        p.dossier_code = (char *) t->dossier;
        p.declared_sheets = t->declared_sheets;
        p.last_in_batch = true;
        p.batch_pages = t->put;
        p.batch_close = true;
        r = outbox_put(s->outbox, &p, "", 0);
        if (r < 0 && r != -EEXIST)
                return r;
        log_info("spooled close %s: batch %s, %u image%s, %u sheets declared",
                 uuid_format(&t->close_uuid, cu), uuid_format(&t->uuid, bu), t->put, t->put == 1 ? "" : "s",
                 t->declared_sheets);
        return 0;
}

/* A full spool makes the record wait for room (tracked_settle() tries
 * again); without a close record the batch stays open in the store.
 * close_waiting is set before the put: the record may be stored, and
 * counted by the outbox's thread, before outbox_put() returns. */
static void tracked_spool_close(Scand *s, Tracked *t)
{
        char u[UUID_STRING_MAX];
        int r;

        pthread_mutex_lock(&s->lock);
        t->close_pending = false;
        t->close_waiting = true;
        pthread_mutex_unlock(&s->lock);
        r = tracked_put_close(s, t);
        if (r >= 0) {
                openbatch_forget(s, &t->uuid);
                return;
        }
        pthread_mutex_lock(&s->lock);
        t->close_waiting = false;
        t->close_pending = r == -ENOSPC;
        pthread_mutex_unlock(&s->lock);
        if (r == -ENOSPC)
                log_warning("batch %s: the spool is full: its close record waits for room",
                            uuid_format(&t->uuid, u));
        else
                log_error_errno(r, "batch %s: cannot spool its close record: %m; the batch stays open",
                                uuid_format(&t->uuid, u));
}

void tracked_close(Scand *s, Tracked *t, unsigned sheets)
{
        pthread_mutex_lock(&s->lock);
        t->closed = true;
        t->sheets = sheets;
        pthread_mutex_unlock(&s->lock);
        tracked_spool_close(s, t);
}

void tracked_close_untracked(Scand *s, const Uuid *batch, const char *profile, const char *dossier,
                             unsigned declared_sheets, unsigned images)
{
        char u[UUID_STRING_MAX];
        Tracked t;
        int r;

        tracked_init(&t, batch, profile, dossier, declared_sheets);
        t.put = images;
        r = tracked_put_close(s, &t);
        if (r < 0)
                log_error_errno(r, "batch %s: cannot spool its close record: %m; the batch stays open",
                                uuid_format(batch, u));
        else
                openbatch_forget(s, batch);
}

void tracked_close_recovered(Scand *s, const OpenBatch *b)
{
        Tracked *t = tracked_add(s, &b->uuid, b->profile, b->dossier, b->declared_sheets);

        if (!t) {
                tracked_close_untracked(s, &b->uuid, b->profile, b->dossier, b->declared_sheets, b->images);
                return;
        }
        pthread_mutex_lock(&s->lock);
        t->put = b->images;
        t->recovered = true;
        pthread_mutex_unlock(&s->lock);
        tracked_close(s, t, b->sheets);
}

/* The tracked batch an event settles a page or the close record of, or
 * n_tracked. A damaged file names no batch when this run never read it (a
 * close record a run before a restart spooled): its close record is known
 * by its UUID. Under s->lock. */
static size_t tracked_find(Scand *s, const OutboxEvent *ev)
{
        size_t i;

        for (i = 0; i < s->n_tracked; i++)
                if (uuid_equal(&s->tracked[i].uuid, &ev->batch_uuid))
                        return i;
        for (i = 0; uuid_is_null(&ev->batch_uuid) && i < s->n_tracked; i++)
                if (uuid_equal(&s->tracked[i].close_uuid, &ev->page_uuid))
                        return i;
        return s->n_tracked;
}

void tracked_on_outbox_event(Scand *s, const OutboxEvent *ev)
{
        bool settled = ev->type == OUTBOX_EVENT_STORED || ev->type == OUTBOX_EVENT_REJECTED ||
                       ev->type == OUTBOX_EVENT_CORRUPT;
        bool respool = false;
        char u[UUID_STRING_MAX], cu[UUID_STRING_MAX];
        Uuid batch = { { 0 } };
        size_t i;

        /* The outbox keeps the page and sends it again (PROTOCOL.md §7.5). */
        if (ev->type == OUTBOX_EVENT_ACK_MISMATCH)
                log_warning("page %s: %s; kept, sent again at its resend timer",
                            uuid_format(&ev->page_uuid, u), ev->reason);

        pthread_mutex_lock(&s->lock);
        if (ev->type == OUTBOX_EVENT_CONNECTED || ev->type == OUTBOX_EVENT_DISCONNECTED) {
                s->broker_connected = ev->type == OUTBOX_EVENT_CONNECTED;
                s->broker_changed = true;
        }
        i = settled ? tracked_find(s, ev) : s->n_tracked;
        if (settled && i < s->n_tracked) {
                Tracked *t = &s->tracked[i];

                if (uuid_equal(&t->close_uuid, &ev->page_uuid) && ev->type == OUTBOX_EVENT_CORRUPT) {
                        /* Moved to corrupt/: what it says is known, so it is
                         * spooled again (tracked_settle()); not moved yet: the
                         * outbox tries again, and tells. */
                        respool = ev->error == 0;
                        batch = t->uuid;
                        t->close_waiting = !respool;
                        t->close_pending = respool;
                } else if (uuid_equal(&t->close_uuid, &ev->page_uuid)) {
                        t->close_waiting = false;
                        t->close_failed = ev->type != OUTBOX_EVENT_STORED;
                } else if (ev->type == OUTBOX_EVENT_STORED) {
                        t->stored++;
                } else {
                        t->failed++;
                }
        } else if (settled && ev->type != OUTBOX_EVENT_STORED) {
                s->untracked_failed++;
        }
        pthread_mutex_unlock(&s->lock);
        if (respool)
                log_warning("batch %s: its close record %s was damaged in the spool: spooling it again",
                            uuid_format(&batch, u), uuid_format(&ev->page_uuid, cu));
}

size_t tracked_count(Scand *s)
{
        size_t n;

        pthread_mutex_lock(&s->lock);
        n = s->n_tracked;
        pthread_mutex_unlock(&s->lock);
        return n;
}

static void tracked_tell(Scand *s, EventType type, const Tracked *t, const char *reason, const char *detail)
{
        char u[UUID_STRING_MAX];
        Event e = { .type = type,
                    .station = s->settings->station,
                    .batch = uuid_format(&t->uuid, u),
                    .profile = t->profile,
                    .dossier = t->dossier,
                    .images = t->put,
                    .sheets = t->sheets,
                    .declared_sheets = t->declared_sheets,
                    .stored = t->stored,
                    .failed = t->failed,
                    .reason = reason,
                    .detail = detail };

        events_emit(s->outbox, s->settings->on_event, &e);
}

/* Every page and the close record of t are settled. */
static void tracked_tell_settled(Scand *s, const Tracked *t)
{
        char detail[160];

        if (t->failed == 0 && !t->close_failed) {
                tracked_tell(s, EVENT_BATCH_STORED, t, "stored", NULL);
                return;
        }
        snprintf(detail, sizeof(detail),
                 "%u of %u pages stored, %u refused by the store or damaged in the spool%s", t->stored,
                 t->put, t->failed, t->close_failed ? ", the close record refused" : "");
        tracked_tell(s, EVENT_BATCH_INCOMPLETE, t, t->failed ? "pages-refused" : "close-refused", detail);
}

/* A close record spooled after a restart is settled. Its pages were not
 * followed by this run, so nothing is said of them: the store's verdict
 * is the word on the batch. */
static void tracked_log_recovered(const Tracked *t)
{
        char u[UUID_STRING_MAX];

        log_internal(t->close_failed ? LOG_WARNING : LOG_INFO, 0,
                     "batch %s: its close record (%u images), "
                     "spooled after a restart, is %s",
                     uuid_format(&t->uuid, u), t->put,
                     t->close_failed ? "refused by the store or damaged" : "stored");
}

static void tracked_retry_closes(Scand *s)
{
        uint64_t now = clock_mono_ms();
        bool pending;

        if (now < s->next_close_retry_ms)
                return;
        s->next_close_retry_ms = now + TRACKED_CLOSE_RETRY_MS;
        /* Only the main loop adds or removes entries: i stays valid. */
        for (size_t i = 0; i < tracked_count(s); i++) {
                pthread_mutex_lock(&s->lock);
                pending = s->tracked[i].close_pending;
                pthread_mutex_unlock(&s->lock);
                if (pending)
                        tracked_spool_close(s, &s->tracked[i]);
        }
}

void tracked_settle(Scand *s)
{
        unsigned untracked;
        size_t i = 0;

        pthread_mutex_lock(&s->lock);
        untracked = s->untracked_failed;
        s->untracked_failed = 0;
        pthread_mutex_unlock(&s->lock);
        if (untracked > 0) {
                char detail[96];
                Event e = { .type = EVENT_ERROR,
                            .station = s->settings->station,
                            .failed = untracked,
                            .reason = "rejected",
                            .detail = detail };

                snprintf(detail, sizeof(detail),
                         "%u page%s of an earlier run refused by the store or damaged", untracked,
                         untracked == 1 ? "" : "s");
                events_emit(s->outbox, s->settings->on_event, &e);
        }
        for (;;) {
                bool settled, newly_failed;
                Tracked t;

                pthread_mutex_lock(&s->lock);
                if (i >= s->n_tracked) {
                        pthread_mutex_unlock(&s->lock);
                        break;
                }
                t = s->tracked[i];
                settled = t.closed && (t.recovered || t.stored + t.failed >= t.put) && !t.close_pending &&
                          !t.close_waiting;
                newly_failed = t.failed > t.failed_told;
                s->tracked[i].failed_told = t.failed;
                if (settled)
                        s->tracked[i] = s->tracked[--s->n_tracked];
                else
                        i++;
                pthread_mutex_unlock(&s->lock);
                if (settled && t.recovered)
                        tracked_log_recovered(&t);
                else if (settled)
                        tracked_tell_settled(s, &t);
                else if (newly_failed)
                        tracked_tell(s, EVENT_ERROR, &t, "rejected",
                                     "a page was refused by the store or damaged in the spool");
        }
        tracked_retry_closes(s);
}
