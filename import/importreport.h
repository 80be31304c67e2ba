/* The end-of-import report: every file and page that failed, with the
 * reason, those held back for a later run, and the pages flagged on the way
 * (low resolution). Entries come
 * from the main thread (files that do not open, pages that do not extract)
 * and from the outbox's thread (pages the store refused or stored failed),
 * so adding is thread-safe. Also the progress line shown while importing. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

typedef struct ImportReport ImportReport;

typedef enum ImportEntryKind {
        IMPORT_ENTRY_FAILED, /* the file or page is not stored */
        IMPORT_ENTRY_HELD,   /* not sent now, for a reason a later run may not meet (a full $TMPDIR) */
        IMPORT_ENTRY_STORED_FAILED, /* stored raw, marked failed by the worker */
        IMPORT_ENTRY_FLAGGED,       /* stored, with a remark (low dpi) */
        _IMPORT_ENTRY_KIND_MAX,
        _IMPORT_ENTRY_KIND_INVALID = -22,
} ImportEntryKind;

ImportReport *importreport_new(void);
ImportReport *importreport_free(ImportReport *r);

/* One entry. path: the file (NULL when only the page UUID is known, for a
 * page spooled by an earlier run); page: 0-based index, or -1 for the whole
 * file; uuid: the page's, or NULL. Strings are copied. 0 or -ENOMEM. */
int importreport_add(ImportReport *r, ImportEntryKind kind, const char *path, long page, const char *uuid,
                     const char *reason);
/* Entries of a kind so far. */
size_t importreport_count(ImportReport *r, ImportEntryKind kind);
/* The summary lines (given), then every entry, grouped by kind. */
void importreport_write(ImportReport *r, FILE *f, const char *summary);

typedef struct ImportProgress {
        uint64_t queued;  /* pages to deliver: spooled now or left by an earlier run */
        uint64_t spooled; /* put into the spool by this run */
        uint64_t stored;
        uint64_t failed; /* files and pages */
        uint64_t held;   /* files held back */
        uint64_t elapsed_ms;
        uint64_t stored_ms;    /* time since the first page was stored, for the rate */
        size_t batch, batches; /* batches walked so far, of */
        bool walking;          /* pages are still to be spooled: queued is not the whole */
        const char *waiting;   /* NULL, or what spooling waits for, in words */
} ImportProgress;

/* On a terminal: one line redrawn in place, with a bar; otherwise one plain
 * line per call (the caller calls it rarely then). The time left is "--"
 * while spooling waits, or while the walk goes on with nothing queued. */
void importreport_progress(FILE *f, bool tty, const ImportProgress *p);
