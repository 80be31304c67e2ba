/* The engine of `sohoactl import` (cli/import.c holds the command line): the
 * batches walked twice (plan, then pages), pages put into session/outbox, the
 * outbox's events turned into counts and report entries, the wait for the
 * spool to empty. Page and batch UUIDs are content-derived (v5). */
#pragma once

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "curvekey.h"
#include "hashmap.h"
#include "importreport.h"
#include "importsrc.h"
#include "macro.h"
#include "outbox.h"
#include "sha256.h"
#include "uuid.h"

#define IMPORTER_DPI_DEFAULT 300
/* Decree 30/2020, Appendix I: at least 200 dpi; the worker flags the page. */
#define IMPORTER_DPI_LOW 200
#define IMPORTER_SPOOL_MAX_DEFAULT "1G"

typedef struct ImportArgs {
        const char *dossier;
        const char *manifest;
        const char *endpoint;
        const char *spool;
        const char *report;
        const char *peer_id;
        unsigned dpi;
        uint64_t max_spool;
        uint64_t timeout_s;
        bool wait;
        bool progress;
} ImportArgs;

/* One import run. The caller fills args, lock, refs, report, tty and
 * start_ms, and frees them; the importer_* functions do the rest. */
typedef struct Importer {
        ImportArgs args;
        Outbox *outbox;
        ImportReport *report;
        char tmpdir[4096];
        char curve_server[CURVEKEY_Z85_LEN + 1], curve_public[CURVEKEY_Z85_LEN + 1];
        char curve_secret[CURVEKEY_Z85_LEN + 1];
        bool tty;
        uint64_t start_ms, next_progress_ms;
        uint64_t existing;      /* already in the spool (main thread only) */
        bool walking;           /* importer_run() is at work (main thread only) */
        char waiting[256];      /* what spooling or the wait waits for, "" when nothing (main thread only) */
        uint64_t full_since_ms; /* when the spool's disk was found full; 0: it is not */
        pthread_mutex_t lock;   /* the rest: shared with the outbox's thread */
        Hashmap *refs;          /* page UUID -> ImportRef */
        uint64_t spooled, replayed, stored, failed, held, first_stored_ms;
        size_t batch, batches;
} Importer;

/* The page UUID of page index (0-based) of the file with that SHA-256. */
void importer_page_uuid(const uint8_t file_sha[SHA256_LEN], unsigned index, Uuid *ret);
/* The batch UUID of files (their SHA-256s, n_files * 32 bytes, page order). */
void importer_batch_uuid(const uint8_t *file_shas, size_t n_files, Uuid *ret);

/* SIGINT, SIGTERM and SIGHUP set a flag that every loop looks at (the walk
 * of the inputs too: set them up before it). They are unblocked, and
 * handled even when the parent left them ignored. */
MUST_CHECK int importer_setup_signals(void);
/* The signal that asked to stop, or 0. */
int importer_interrupted(void);
/* The flag itself, for loops outside this file (importsrc.h, subproc.h). */
const volatile sig_atomic_t *importer_stop_flag(void);
/* Opens the outbox (which replays the spool at once). 0 or negative errno. */
MUST_CHECK int importer_open_outbox(Importer *im, const OutboxConfig *cfg);
/* Walks and spools every batch; failures of files and pages go to the
 * report, and so do files held back for a later run. While the spool's disk
 * is full it waits, and says so (a line when it starts and when it ends,
 * and in the progress line). 0, or negative errno for what stops the
 * import (-ENOMEM, a spool that cannot be written, -EINTR). */
MUST_CHECK int importer_run(Importer *im, const ImportSrc *src);
/* Until the spool is empty: 0, -EINTR, -ETIMEDOUT, -EMSGSIZE (what is left
 * is too large for the broker). Pages of the spool that cannot be read are
 * said in a line when it happens (and when they read again), and in the
 * progress line while they last. */
MUST_CHECK int importer_wait(Importer *im);
/* The progress line, at most every 200 ms (5 s when not a terminal). */
void importer_show(Importer *im, bool force);
