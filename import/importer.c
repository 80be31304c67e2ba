/* The engine of sohoactl import (see importer.h). Each batch is walked
 * twice: first every file is opened, hashed and its pages counted (so the
 * last page and the page total are known before the first is sent), then
 * its pages are extracted and spooled one at a time. The outbox's events
 * arrive on its own thread; counters and the page map are under im->lock. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock.h"
#include "importer.h"
#include "importfile.h"

/* Where a page of this run came from, for the report of its outcome. */
typedef struct ImportRef {
        const char *path; /* owned by the ImportSrc */
        unsigned index;
} ImportRef;

/* One batch after its first walk. */
typedef struct ImportBatchPlan {
        const ImportBatch *batch;
        Uuid uuid;
        uint8_t *shas;       /* n_ok SHA-256s, in page order */
        bool *ok;            /* per file: opened and counted, not the same bytes as an earlier one */
        uint32_t *first_seq; /* per file: sequence of its first page */
        size_t n_ok;
        uint32_t pages;
        size_t unreadable; /* files that could not be read: the batch is held back */
} ImportBatchPlan;

/* Room a page takes in the spool beyond its image, and then some: below
 * this much free, the spool's disk is what refused it. */
#define IMPORTER_SPOOL_SLACK (64u << 10)

/* The namespaces of imported ids (random, fixed forever: changing them
 * would import every file again). */
static const Uuid importer_ns_page = { { 0x2b, 0x8e, 0x47, 0x51, 0xc3, 0x0a, 0x4f, 0x6d, 0x9e, 0x25, 0x71,
                                         0xd4, 0x0c, 0x88, 0x3a, 0x19 } };
static const Uuid importer_ns_batch = { { 0x5d, 0x17, 0xa2, 0x9c, 0x64, 0xf0, 0x48, 0x3b, 0xb1, 0x0e, 0x3c,
                                          0x52, 0x97, 0x6a, 0xd8, 0x04 } };

static volatile sig_atomic_t importer_quit;

static void importer_on_signal(int sig)
{
        importer_quit = sig;
}

void importer_page_uuid(const uint8_t file_sha[SHA256_LEN], unsigned index, Uuid *ret)
{
        uint8_t name[SHA256_LEN + 4];

        memcpy(name, file_sha, SHA256_LEN);
        name[SHA256_LEN] = (uint8_t) (index >> 24);
        name[SHA256_LEN + 1] = (uint8_t) (index >> 16);
        name[SHA256_LEN + 2] = (uint8_t) (index >> 8);
        name[SHA256_LEN + 3] = (uint8_t) index;
        uuid_v5(&importer_ns_page, name, sizeof(name), ret);
}

void importer_batch_uuid(const uint8_t *file_shas, size_t n_files, Uuid *ret)
{
        uuid_v5(&importer_ns_batch, file_shas, n_files * SHA256_LEN, ret);
}

PRINTF_FMT(2, 3) static void importer_say(Importer *im, const char *fmt, ...);

/* A page of the spool (or its listing) that cannot be read, and a page
 * that reads again: said as they happen, as the daemon logs them. The
 * outbox keeps the page and reads it again; the wait shows it meanwhile. */
static void importer_spool_event(Importer *im, const OutboxEvent *ev)
{
        char u[UUID_STRING_MAX];

        uuid_format(&ev->page_uuid, u);
        if (ev->type == OUTBOX_EVENT_READABLE)
                importer_say(im, "spool %s: page %s reads again: sending it", im->args.spool, u);
        else if (uuid_is_null(&ev->page_uuid))
                importer_say(
                        im,
                        "spool %s: cannot list it: %s; pages not listed stay in the spool, listing again "
                        "later",
                        im->args.spool, strerror(-ev->error));
        else
                importer_say(im,
                             "spool %s: cannot read page %s: %s; it stays in the spool (not moved) and is "
                             "read again later",
                             im->args.spool, u, strerror(-ev->error));
}

/* The event callback runs on the outbox's thread. */
static void importer_on_event(const OutboxEvent *ev, void *userdata)
{
        Importer *im = userdata;
        char uuid[UUID_STRING_MAX], reason[IMPORT_REASON_MAX + 64];
        const ImportRef *ref;
        const char *path = NULL;
        long index = -1;
        ImportEntryKind kind;

        if (ev->type == OUTBOX_EVENT_ACK_MISMATCH) {
                /* Kept, and sent again at its resend timer by the outbox: said, not
                 * reported. */
                fprintf(stderr, "sohoactl import: page %s: %s; kept, sent again at its resend timer\n",
                        uuid_format(&ev->page_uuid, uuid), ev->reason);
                return;
        }
        if (ev->type == OUTBOX_EVENT_READ_ERROR || ev->type == OUTBOX_EVENT_READABLE) {
                importer_spool_event(im, ev);
                return;
        }
        if (ev->type != OUTBOX_EVENT_STORED && ev->type != OUTBOX_EVENT_REJECTED &&
            ev->type != OUTBOX_EVENT_CORRUPT)
                return;
        pthread_mutex_lock(&im->lock);
        /* Copied under the lock: the ref is the map's. The path it points
         * to is the ImportSrc's, which outlives the outbox. */
        ref = hashmap_get(im->refs, ev->page_uuid.b, sizeof(ev->page_uuid.b));
        if (ref) {
                path = ref->path;
                index = (long) ref->index;
        }
        if (ev->type == OUTBOX_EVENT_STORED)
                im->stored++;
        else
                im->failed++;
        if (im->stored == 1 && ev->type == OUTBOX_EVENT_STORED)
                im->first_stored_ms = clock_mono_ms();
        pthread_mutex_unlock(&im->lock);

        if (ev->type == OUTBOX_EVENT_STORED && ev->status != SOHOA__RESULT_STATUS__RESULT_STORED_FAILED)
                return;
        kind = ev->type == OUTBOX_EVENT_STORED ? IMPORT_ENTRY_STORED_FAILED : IMPORT_ENTRY_FAILED;
        snprintf(reason, sizeof(reason), "%s%s",
                 ev->type == OUTBOX_EVENT_REJECTED  ? "refused by the store: "
                 : ev->type == OUTBOX_EVENT_CORRUPT ? "the spooled copy is damaged (set aside in corrupt/): "
                                                    : "",
                 ev->reason && ev->reason[0] ? ev->reason : "no reason given");
        uuid_format(&ev->page_uuid, uuid);
        importreport_add(im->report, kind, path, index, uuid, reason);
}

static void importer_fail(Importer *im, const char *path, long page, const char *uuid, const char *reason)
{
        if (importreport_add(im->report, IMPORT_ENTRY_FAILED, path, page, uuid, reason) < 0)
                fprintf(stderr, "sohoactl import: out of memory recording a failure of %s\n", path);
        pthread_mutex_lock(&im->lock);
        im->failed++;
        pthread_mutex_unlock(&im->lock);
}

/* A file (page -1) or page not sent now, for a reason a later run may not
 * meet: reported apart from the failures, and the import is not complete. */
static void importer_hold(Importer *im, const char *path, long page, const char *reason)
{
        if (importreport_add(im->report, IMPORT_ENTRY_HELD, path, page, NULL, reason) < 0)
                fprintf(stderr, "sohoactl import: out of memory recording that %s is held back\n", path);
        pthread_mutex_lock(&im->lock);
        im->held++;
        pthread_mutex_unlock(&im->lock);
}

/* A line of its own on stderr, off the progress line when there is one.
 * The outbox's thread says things too: the line is written whole. */
PRINTF_FMT(2, 3) static void importer_say(Importer *im, const char *fmt, ...)
{
        va_list ap;

        flockfile(stderr);
        if (im->tty && im->args.progress)
                fputs("\r\033[K", stderr);
        fputs("sohoactl import: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);
}

void importer_show(Importer *im, bool force)
{
        uint64_t now = clock_mono_ms();
        ImportProgress p;

        if (!force && now < im->next_progress_ms)
                return;
        im->next_progress_ms = now + (im->tty ? 200 : 5000);
        pthread_mutex_lock(&im->lock);
        p = (ImportProgress) {
                .queued = im->spooled + im->replayed,
                .spooled = im->spooled,
                .stored = im->stored,
                .failed = im->failed,
                .held = im->held,
                .elapsed_ms = now - im->start_ms,
                .stored_ms = im->first_stored_ms ? now - im->first_stored_ms : 0,
                .batch = im->batch,
                .batches = im->batches,
                .walking = im->walking,
                .waiting = im->waiting[0] ? im->waiting : NULL,
        };
        pthread_mutex_unlock(&im->lock);
        if (im->args.progress)
                importreport_progress(stderr, im->tty, &p);
}

/* Why outbox_put() found no room for need bytes, in im->waiting: the
 * --max-spool bound (spooling pauses there by design), or the spool's disk.
 * True for the disk; false too when room is back already. */
static bool importer_why_full(Importer *im, int err, size_t need)
{
        const char *then;
        struct statvfs v;
        OutboxStats st;

        outbox_stats(im->outbox, &st);
        then = st.spool_pages > 0 ? "waiting for pages to be stored"
                                  : "waiting for room (no page of this import is in the spool to free it)";
        if (err == -EDQUOT) {
                snprintf(im->waiting, sizeof(im->waiting), "spool disk quota reached (%s): %s",
                         im->args.spool, then);
                return true;
        }
        if (im->args.max_spool && st.spool_bytes + need > im->args.max_spool) {
                snprintf(im->waiting, sizeof(im->waiting), "spool at --max-spool (%llu MiB): %s",
                         (unsigned long long) (im->args.max_spool >> 20), then);
                return false;
        }
        if (statvfs(im->args.spool, &v) < 0) {
                snprintf(im->waiting, sizeof(im->waiting), "spool disk full (%s: room unknown): %s",
                         im->args.spool, then);
                return true;
        }
        if ((uint64_t) v.f_bavail * v.f_frsize >= need + IMPORTER_SPOOL_SLACK) {
                im->waiting[0] = '\0';
                return false;
        }
        snprintf(im->waiting, sizeof(im->waiting),
                 "spool disk full (%s: %llu KiB free, the page needs %zu KiB): %s", im->args.spool,
                 (unsigned long long) ((uint64_t) v.f_bavail * v.f_frsize / 1024), need / 1024 + 1, then);
        return true;
}

/* outbox_put(), waiting while the spool is at its bound or its disk is
 * full, and saying so: a line when the disk fills and when room is back,
 * the reason in the progress line meanwhile. */
static int importer_put(Importer *im, const Sohoa__Page *page, const ImportPage *ip)
{
        int r;

        for (;;) {
                r = outbox_put(im->outbox, page, ip->data, ip->len);
                if ((r != -ENOSPC && r != -EDQUOT) || importer_quit)
                        break;
                if (importer_why_full(im, r, ip->len) && !im->full_since_ms) {
                        im->full_since_ms = clock_mono_ms();
                        importer_say(im, "%s", im->waiting);
                }
                /* The broker drains the spool as pages are stored. */
                importer_show(im, false);
                usleep(100 * 1000);
        }
        if (im->full_since_ms && (r >= 0 || r == -EEXIST))
                importer_say(im, "room in the spool again after %llu s: spooling goes on",
                             (unsigned long long) ((clock_mono_ms() - im->full_since_ms + 500) / 1000));
        im->full_since_ms = 0;
        im->waiting[0] = '\0';
        return r;
}

/* The first file a page UUID came from is kept: a ref is never replaced
 * (nor freed) while the outbox's thread may be reading it. */
static int importer_remember(Importer *im, const Uuid *u, const char *path, unsigned index)
{
        ImportRef *ref = malloc(sizeof(*ref));
        int r = 0;

        if (!ref)
                return -ENOMEM;
        *ref = (ImportRef) { .path = path, .index = index };
        pthread_mutex_lock(&im->lock);
        if (!hashmap_get(im->refs, u->b, sizeof(u->b)))
                r = hashmap_put(im->refs, u->b, sizeof(u->b), ref, NULL);
        else
                ref = mfree(ref);
        pthread_mutex_unlock(&im->lock);
        if (r < 0)
                free(ref);
        return r;
}

/* One page: extract, describe, spool. A page that cannot be extracted is
 * reported; 1 when nothing more of the file may be sent (it is held back);
 * otherwise only errors that stop the import are returned. */
static int importer_page(Importer *im, const ImportBatchPlan *plan, size_t fi, ImportFile *f, unsigned index)
{
        const char *path = plan->batch->files[fi];
        char reason[IMPORT_REASON_MAX], why[IMPORT_REASON_MAX + 64], uuid[UUID_STRING_MAX], note[128];
        uint8_t sha[SHA256_LEN];
        Sohoa__Page page = SOHOA__PAGE__INIT;
        ImportPage ip = {};
        Uuid pu;
        int r;

        importer_page_uuid(importfile_sha256(f), index, &pu);
        uuid_format(&pu, uuid);
        r = importfile_page(f, index, im->tmpdir, &importer_quit, &ip, reason);
        if (r == -ENOMEM || r == -EINTR)
                return r;
        if (r == -EAGAIN) {
                /* Sent half made, a page would take the UUID of the real one for ever. */
                snprintf(why, sizeof(why), "not taken apart whole, so nothing of it is sent now: %s",
                         reason);
                importer_hold(im, path, -1, why);
                return 1;
        }
        if (r < 0) {
                importer_fail(im, path, index, uuid, reason);
                return 0;
        }
        sha256_buf(ip.data, ip.len, sha);
        page.page_uuid = (ProtobufCBinaryData) { 16, pu.b };
        page.batch_uuid = (ProtobufCBinaryData) { 16, (uint8_t *) plan->uuid.b };
        page.sequence = plan->first_seq[fi] + index;
        page.sheet = page.sequence; /* one image per sheet: the side is unknown */
        page.side = SOHOA__SIDE__SIDE_UNKNOWN;
        page.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        page.image_bytes = ip.len;
        page.format = ip.format;
        page.dpi = ip.dpi ? ip.dpi : im->args.dpi;
        page.mode = (char *) ip.mode;
        page.captured_at_us = importfile_mtime_us(f);
        page.dossier_code = plan->batch->dossier;
        page.source_name = (char *) path;
        page.source_index = index;
        page.batch_pages = plan->pages;
        page.last_in_batch = page.sequence == plan->pages;
        r = importer_remember(im, &pu, path, index);
        if (r >= 0)
                r = importer_put(im, &page, &ip);
        if (r == -EEXIST) {
                im->existing++;
                r = 0;
        } else if (r >= 0) {
                pthread_mutex_lock(&im->lock);
                im->spooled++;
                pthread_mutex_unlock(&im->lock);
                if (page.dpi < IMPORTER_DPI_LOW) {
                        snprintf(note, sizeof(note), "%u dpi%s, under %u: flagged low resolution", page.dpi,
                                 ip.dpi ? "" : " (assumed)", IMPORTER_DPI_LOW);
                        importreport_add(im->report, IMPORT_ENTRY_FLAGGED, path, index, uuid, note);
                }
                if (ip.note)
                        importreport_add(im->report, IMPORT_ENTRY_FLAGGED, path, index, uuid, ip.note);
        } else if (r != -EINTR && !importer_quit) {
                snprintf(reason, sizeof(reason), "cannot spool it: %s", strerror(-r));
                importer_fail(im, path, index, uuid, reason);
                r = r == -EBADMSG ? 0 : r;
        }
        importfile_page_done(&ip);
        return r;
}

/* Whether a file that failed to open failed for what its bytes are (not
 * an image, damaged, too large: the same on every run), or because it
 * could not be read at all (permissions, I/O: it may open next time). */
static bool importer_verdict_of_bytes(int r)
{
        return r == -EMEDIUMTYPE || r == -EBADMSG || r == -EFBIG || r == -EOPNOTSUPP;
}

/* A file of the plan: its hash and pages, unless an earlier file of the
 * batch has the same bytes (the same pages: counted once). */
static void importer_plan_add(Importer *im, ImportBatchPlan *plan, Hashmap *seen, size_t i, ImportFile *f)
{
        const char *first = hashmap_get(seen, importfile_sha256(f), SHA256_LEN);
        char note[IMPORT_REASON_MAX];

        if (first) {
                snprintf(note, sizeof(note), "the same bytes as %.200s: its pages are imported once", first);
                importreport_add(im->report, IMPORT_ENTRY_FLAGGED, plan->batch->files[i], -1, NULL, note);
                return;
        }
        if (hashmap_put(seen, importfile_sha256(f), SHA256_LEN, (void *) plan->batch->files[i], NULL) < 0)
                return; /* out of memory: a later duplicate is sent twice, the store keeps it once */
        memcpy(plan->shas + plan->n_ok * SHA256_LEN, importfile_sha256(f), SHA256_LEN);
        plan->ok[i] = true;
        plan->first_seq[i] = plan->pages + 1;
        plan->pages += importfile_pages(f);
        plan->n_ok++;
}

/* First walk: open and hash every file, count pages, number them. The
 * batch UUID is of every file that opened, so a batch with a file that
 * could not be read is held back whole (see docs/IMPORT.md). */
static int importer_plan(Importer *im, const ImportBatch *b, ImportBatchPlan *plan)
{
        char reason[IMPORT_REASON_MAX], why[IMPORT_REASON_MAX + 160];
        Hashmap *seen = hashmap_new();
        int r = 0;

        *plan = (ImportBatchPlan) { .batch = b };
        plan->shas = calloc(b->n_files ? b->n_files : 1, SHA256_LEN);
        plan->ok = calloc(b->n_files ? b->n_files : 1, sizeof(*plan->ok));
        plan->first_seq = calloc(b->n_files ? b->n_files : 1, sizeof(*plan->first_seq));
        if (!seen || !plan->shas || !plan->ok || !plan->first_seq) {
                hashmap_free(seen);
                return -ENOMEM;
        }
        for (size_t i = 0; i < b->n_files && !importer_quit; i++) {
                ImportFile *f = NULL;

                r = importfile_open(b->files[i], &f, reason);
                if (r == -ENOMEM)
                        break;
                if (r < 0 && importer_verdict_of_bytes(r)) {
                        importer_fail(im, b->files[i], -1, NULL, reason);
                } else if (r < 0) {
                        snprintf(why, sizeof(why),
                                 "%s; nothing of its batch (%zu files) is sent until it can be "
                                 "read: run the import again then",
                                 reason, b->n_files);
                        importer_hold(im, b->files[i], -1, why);
                        plan->unreadable++;
                } else {
                        importer_plan_add(im, plan, seen, i, f);
                }
                importfile_free(f);
                r = 0;
        }
        hashmap_free(seen);
        importer_batch_uuid(plan->shas, plan->n_ok, &plan->uuid);
        return r;
}

static void importer_plan_done(ImportBatchPlan *plan)
{
        free(plan->shas);
        free(plan->ok);
        free(plan->first_seq);
}

/* Second walk: every page of every file that opened the first time. */
static int importer_batch(Importer *im, const ImportBatch *b)
{
        char reason[IMPORT_REASON_MAX];
        ImportBatchPlan plan;
        size_t k = 0;
        int r;

        r = importer_plan(im, b, &plan);
        for (size_t i = 0; r >= 0 && !plan.unreadable && i < b->n_files && !importer_quit; i++) {
                ImportFile *f = NULL;

                if (!plan.ok[i])
                        continue;
                r = importfile_open(b->files[i], &f, reason);
                if (r >= 0 && memcmp(importfile_sha256(f), plan.shas + k * SHA256_LEN, SHA256_LEN) != 0) {
                        snprintf(reason, sizeof(reason), "the file changed while it was imported");
                        r = -ESTALE;
                }
                k++;
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        importer_fail(im, b->files[i], -1, NULL, reason);
                        r = 0;
                        importfile_free(f);
                        continue;
                }
                for (unsigned p = 0; r == 0 && p < importfile_pages(f) && !importer_quit; p++) {
                        r = importer_page(im, &plan, i, f, p);
                        importer_show(im, false);
                }
                r = MIN(r, 0); /* held back: the batch's other files go on */
                importfile_free(f);
        }
        importer_plan_done(&plan);
        return r;
}

int importer_run(Importer *im, const ImportSrc *src)
{
        int r = 0;

        im->batches = src->n_batches;
        im->walking = true;
        for (size_t i = 0; i < src->n_bad; i++)
                importer_fail(im, src->bad_paths[i], -1, NULL, src->bad_reasons[i]);
        for (size_t i = 0; i < src->n_notes; i++)
                importreport_add(im->report, IMPORT_ENTRY_FLAGGED, src->note_paths[i], -1, NULL,
                                 src->note_texts[i]);
        for (size_t i = 0; i < src->n_batches && r >= 0 && !importer_quit; i++) {
                pthread_mutex_lock(&im->lock);
                im->batch = i + 1;
                pthread_mutex_unlock(&im->lock);
                r = importer_batch(im, &src->batches[i]);
        }
        im->walking = false;
        return r;
}

/* Waits until every page spooled, now or by an earlier run, is settled. */
int importer_wait(Importer *im)
{
        uint64_t deadline = im->args.timeout_s ? clock_mono_ms() + im->args.timeout_s * 1000 : 0;
        OutboxStats st;

        for (;;) {
                if (outbox_wait_empty(im->outbox, 200) == 0)
                        return 0;
                outbox_stats(im->outbox, &st);
                /* The outbox reads them again, later: the wait is for them. */
                if (st.unreadable_pages > 0)
                        snprintf(im->waiting, sizeof(im->waiting),
                                 "%llu page%s of the spool cannot be read (kept, read again later)",
                                 (unsigned long long) st.unreadable_pages,
                                 st.unreadable_pages == 1 ? "" : "s");
                else
                        im->waiting[0] = '\0';
                importer_show(im, false);
                if (importer_quit)
                        return -EINTR;
                if (st.held_pages > 0 && st.held_pages == st.spool_pages)
                        return -EMSGSIZE;
                if (deadline && clock_mono_ms() >= deadline)
                        return -ETIMEDOUT;
        }
}

int importer_setup_signals(void)
{
        struct sigaction sa = { .sa_handler = importer_on_signal };
        sigset_t set;

        sigemptyset(&sa.sa_mask);
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
            sigaction(SIGHUP, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
                return -errno;
        return 0;
}

int importer_interrupted(void)
{
        return importer_quit;
}

const volatile sig_atomic_t *importer_stop_flag(void)
{
        return &importer_quit;
}

int importer_open_outbox(Importer *im, const OutboxConfig *cfg)
{
        OutboxStats st;
        int r;

        r = outbox_new(cfg, importer_on_event, im, &im->outbox);
        if (r < 0)
                return r;
        outbox_stats(im->outbox, &st);
        im->replayed = st.spool_pages;
        return 0;
}
