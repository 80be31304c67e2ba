/* The import report and progress line (see importreport.h). Entries are
 * kept in arrival order under one mutex and written grouped by kind. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "importreport.h"

#define IMPORTREPORT_BAR 24

typedef struct ImportEntry {
        ImportEntryKind kind;
        char *path;
        long page;
        char *uuid;
        char *reason;
} ImportEntry;

struct ImportReport {
        pthread_mutex_t lock;
        ImportEntry *v;
        size_t n, cap;
};

ImportReport *importreport_new(void)
{
        ImportReport *r = calloc(1, sizeof(*r));

        if (r)
                pthread_mutex_init(&r->lock, NULL);
        return r;
}

ImportReport *importreport_free(ImportReport *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n; i++) {
                free(r->v[i].path);
                free(r->v[i].uuid);
                free(r->v[i].reason);
        }
        free(r->v);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
}

static char *strdup_or_null(const char *s, bool *failed)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *failed = true;
        return d;
}

int importreport_add(ImportReport *r, ImportEntryKind kind, const char *path, long page, const char *uuid,
                     const char *reason)
{
        ImportEntry e = { .kind = kind, .page = page };
        bool failed = false;
        int ret = 0;

        e.path = strdup_or_null(path, &failed);
        e.uuid = strdup_or_null(uuid, &failed);
        e.reason = strdup_or_null(reason ? reason : "no reason given", &failed);
        pthread_mutex_lock(&r->lock);
        if (!failed && r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 32;
                ImportEntry *v = realloc(r->v, cap * sizeof(*v));

                if (v) {
                        r->v = v;
                        r->cap = cap;
                } else
                        failed = true;
        }
        if (!failed)
                r->v[r->n++] = e;
        pthread_mutex_unlock(&r->lock);
        if (failed) {
                free(e.path);
                free(e.uuid);
                free(e.reason);
                ret = -ENOMEM;
        }
        return ret;
}

size_t importreport_count(ImportReport *r, ImportEntryKind kind)
{
        size_t n = 0;

        pthread_mutex_lock(&r->lock);
        for (size_t i = 0; i < r->n; i++)
                n += r->v[i].kind == kind;
        pthread_mutex_unlock(&r->lock);
        return n;
}

static void importreport_entry(FILE *f, const ImportEntry *e)
{
        if (e->path && e->page < 0)
                fprintf(f, "  %s: %s\n", e->path, e->reason);
        else if (e->path)
                fprintf(f, "  %s, page index %ld%s%s: %s\n", e->path, e->page, e->uuid ? ", page " : "",
                        e->uuid ? e->uuid : "", e->reason);
        else
                fprintf(f, "  page %s (spooled by an earlier run): %s\n", e->uuid ? e->uuid : "?",
                        e->reason);
}

void importreport_write(ImportReport *r, FILE *f, const char *summary)
{
        static const char *const titles[_IMPORT_ENTRY_KIND_MAX] = {
                [IMPORT_ENTRY_FAILED] = "Failed (not stored)",
                [IMPORT_ENTRY_HELD] = "Held back (run the import again)",
                [IMPORT_ENTRY_STORED_FAILED] = "Stored raw, processing failed (reprocessable)",
                [IMPORT_ENTRY_FLAGGED] = "Flagged",
        };

        fputs(summary, f);
        pthread_mutex_lock(&r->lock);
        for (int k = 0; k < _IMPORT_ENTRY_KIND_MAX; k++) {
                size_t n = 0;

                for (size_t i = 0; i < r->n; i++)
                        n += r->v[i].kind == (ImportEntryKind) k;
                if (n == 0)
                        continue;
                fprintf(f, "\n%s: %zu\n", titles[k], n);
                for (size_t i = 0; i < r->n; i++)
                        if (r->v[i].kind == (ImportEntryKind) k)
                                importreport_entry(f, &r->v[i]);
        }
        pthread_mutex_unlock(&r->lock);
}

static void importreport_duration(char *buf, size_t len, uint64_t s)
{
        if (s >= 3600)
                snprintf(buf, len, "%lluh%02llum", (unsigned long long) (s / 3600),
                         (unsigned long long) (s % 3600 / 60));
        else
                snprintf(buf, len, "%llum%02llus", (unsigned long long) (s / 60),
                         (unsigned long long) (s % 60));
}

void importreport_progress(FILE *f, bool tty, const ImportProgress *p)
{
        double rate = p->stored_ms > 0 ? (double) p->stored * 1000.0 / (double) p->stored_ms : 0;
        uint64_t left = p->queued > p->stored ? p->queued - p->stored : 0;
        char eta[32] = "--", el[32], held[48] = "", wait[320] = "";
        char bar[IMPORTREPORT_BAR + 1];
        unsigned fill = p->queued ? (unsigned) (p->stored * IMPORTREPORT_BAR / p->queued) : 0;

        if (rate > 0 && !p->waiting && (left > 0 || !p->walking))
                importreport_duration(eta, sizeof(eta), (uint64_t) ((double) left / rate + 0.5));
        importreport_duration(el, sizeof(el), p->elapsed_ms / 1000);
        if (p->held)
                snprintf(held, sizeof(held), ", held back %llu", (unsigned long long) p->held);
        if (p->waiting)
                snprintf(wait, sizeof(wait), ", %s", p->waiting);
        if (!tty) {
                fprintf(f,
                        "import: batches %zu/%zu, pages spooled %llu, stored %llu/%llu, failed %llu%s, %.1f "
                        "pages/s, "
                        "elapsed %s, left %s%s\n",
                        p->batch, p->batches, (unsigned long long) p->spooled,
                        (unsigned long long) p->stored, (unsigned long long) p->queued,
                        (unsigned long long) p->failed, held, rate, el, eta, wait);
                fflush(f);
                return;
        }
        fill = MIN(fill, IMPORTREPORT_BAR);
        memset(bar, '#', fill);
        memset(bar + fill, '.', IMPORTREPORT_BAR - fill);
        bar[IMPORTREPORT_BAR] = '\0';
        fprintf(f,
                "\r[%s] %llu/%llu stored, %llu sent, %llu failed%s, %.1f/s, %s left, batch %zu/%zu%s\033[K",
                bar, (unsigned long long) p->stored, (unsigned long long) p->queued,
                (unsigned long long) p->spooled, (unsigned long long) p->failed, held, rate, eta, p->batch,
                p->batches, wait);
        fflush(f);
}
