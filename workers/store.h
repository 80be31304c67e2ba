/* The worker's half of the database: one libpq connection that stores a
 * processed (or failed) page with its blobs in one transaction, idempotently
 * (ON CONFLICT DO NOTHING, then compare hashes), and recomputes the batch
 * verdict from rows in that same transaction; a batch's close record sets
 * the batch's page count and computes its verdict. Not thread-safe: one Store per
 * thread. Library code: it never logs; errors come back as negative errno.
 * Connection and transactions: store.c; a page's rows: storepage.c; a
 * batch's end: storebatch.c; retries while the server is away and what the
 * worker does when it stays away: storeretry.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sha256.h"
#include "uuid.h"

typedef struct Store Store;

typedef struct StoreConfig {
        const char *conninfo;           /* libpq conninfo or URI; NULL: "dbname=sohoa" */
        const char *application_name;   /* NULL: "sohoa-worker" */
        unsigned keepalives_idle_s;     /* 0: 30 */
        unsigned keepalives_interval_s; /* 0: 10 */
        unsigned keepalives_count;      /* 0: 3 */
        unsigned tcp_user_timeout_ms;   /* 0: 30000 */
        unsigned connect_timeout_s;     /* 0: 5 */
        /* Set per session unless the conninfo's options (-c lock_timeout=...),
         * the role or the database set them: keep them under the page's time
         * limit, so that a blocked store ends in an error, not in a worker
         * that the page's time limit stops. */
        unsigned lock_timeout_ms;      /* 0: 20000 */
        unsigned statement_timeout_ms; /* 0: 30000 */
        char *error;                   /* when store_new() fails: its reason, error_size bytes at most */
        size_t error_size;
        bool connect_later; /* store_new() succeeds whatever stands in the way but memory
                             * and an older schema (server down, role without rights):
                             * each use connects again */
} StoreConfig;

/* Side and class follow the protocol's enums (Sohoa__Side, Sohoa__PageClass). */
typedef enum StoreSide {
        STORE_SIDE_UNKNOWN = 0,
        STORE_SIDE_FRONT = 1,
        STORE_SIDE_BACK = 2
} StoreSide;

/* One page to store; everything is borrowed for the call. Strings may be
 * NULL (stored as NULL); a NAN double is stored as NULL. */
typedef struct StorePage {
        Uuid page_uuid;
        Uuid batch_uuid;
        uint32_t sequence; /* 1-based */
        uint32_t sheet;    /* 0: unknown */
        StoreSide side;
        uint8_t sha256[SHA256_LEN]; /* of the image as captured */
        uint64_t image_bytes;
        const char *format; /* "tiff", "png", "jpeg" */
        uint32_t dpi;       /* 0: unknown */
        const char *mode;
        int64_t captured_at_us; /* Unix µs; 0: unknown */
        const char *origin_id;
        const char *page_class; /* "interactive", "bulk" */
        const char *dossier_code;
        const char *source_name;
        uint32_t source_index;
        bool last_in_batch;
        uint32_t declared_sheets; /* 0: unknown */
        uint32_t batch_pages;     /* 0: unknown */

        bool failed; /* processing failed: stored raw with the reason */
        const char *failure_reason;

        const char *ocr_text;
        double ocr_confidence;
        double skew_angle;
        double skew_confidence;
        int orientation; /* 0, 90, 180, 270; -1: unknown */
        double orientation_confidence;
        const char *orientation_method;
        int blank; /* 0, 1; -1: unknown */
        double blank_score;
        bool low_dpi;
        const char *barcodes_json; /* JSON text or NULL */
        const char *word_boxes_json;
        const char *stage_ms_json;
        const char *worker_id;
        const char *cleaned; /* what the worker changed in the sender's header (audit), or NULL */
        bool no_verdict;     /* leave the batch verdict to the batch's next page or close */
        bool replace_failed; /* a retry (Page.reprocess): replace the page's failed record of the
                              * same hash, in one transaction, instead of inserting */

        const uint8_t *pdf; /* searchable PDF page; NULL: none */
        size_t pdf_len;
        const uint8_t *original; /* the image as received; always kept for a failed page */
        size_t original_len;
} StorePage;

/* A StorePage with every optional field "unknown" (NAN, -1, NULL). */
void store_page_init(StorePage *p);

typedef enum StorePut {
        STORE_PUT_STORED,   /* inserted now */
        STORE_PUT_ALREADY,  /* stored before with the same hash */
        STORE_PUT_REJECTED, /* stored before with another hash: nothing changed */
        _STORE_PUT_MAX,
        _STORE_PUT_INVALID = -22,
} StorePut;

typedef struct StoreLookup {
        bool found;
        bool failed; /* stored with status 'failed' */
        uint8_t sha256[SHA256_LEN];
} StoreLookup;

/* The schema this worker needs: the highest migration (sql/NNN-*.sql) whose
 * tables, columns or functions its statements use (004: the verdict's
 * bounds). Raise it with a migration the store starts to depend on. */
#define STORE_SCHEMA_NEEDED 4

/* Connects, checks the schema (schema_migrations holds STORE_SCHEMA_NEEDED)
 * and prepares the statements. 0 or negative errno (-ECONNREFUSED when the
 * server cannot be reached, unless cfg->connect_later; -EPROTONOSUPPORT for
 * an older schema, with connect_later too; cfg->error says which;
 * -ENOMEM). On success the caller owns
 * *ret and frees it with store_free(). The config's strings are copied. */
MUST_CHECK int store_new(const StoreConfig *cfg, Store **ret);
Store *store_free(Store *s);

/* Whether a page is there, and with which hash. 0 or negative errno. */
MUST_CHECK int store_lookup(Store *s, const Uuid *page_uuid, StoreLookup *ret);

/* Stores p in one transaction: batch row (locked), page row (ON CONFLICT
 * DO NOTHING), blobs, audit entry, verdict of the batch when its end is
 * known. On a conflict the hashes decide: ALREADY or REJECTED, and nothing
 * is written. With p->replace_failed, a failed row of the same hash is
 * replaced instead (locked, updated, its PDF replaced, audited
 * "page.retried", the verdict computed again): STORED; a row stored whole
 * with the same hash: ALREADY; another hash: REJECTED; no row: inserted. Returns 0 with *ret set, or a
 * negative errno: -ECONNREFUSED, -ECONNRESET or -EAGAIN are transient (see store_error_is_transient(); the
 * transaction was rolled back, try again (storeretry.h does): a lock or
 * statement time limit, a deadlock, a session to reset are among them),
 * -EINVAL data the schema refuses (SQLSTATE classes 22, 23, or a header out
 * of its range: store it with less), -EPROTO another statement error that
 * no retry mends (a schema not migrated, a missing privilege: see
 * store_last_sqlstate()). */
MUST_CHECK int store_put(Store *s, const StorePage *p, StorePut *ret);

/* A batch's end, as its close record tells it (proto/PROTOCOL.md §7.6).
 * Everything is borrowed for the call; strings may be NULL. */
typedef struct StoreBatchClose {
        Uuid close_uuid; /* the record's page UUID: named in the audit log */
        Uuid batch_uuid;
        uint32_t pages;           /* images in the batch */
        uint32_t declared_sheets; /* 0: not declared */
        const char *dossier_code; /* NULL or "": none */
        const char *origin_id;
        const char *page_class; /* "interactive", "bulk" */
        const char *worker_id;  /* the audit entry's actor */
        const char *note;       /* in the audit entry's reason, or NULL */
        bool no_verdict;        /* record the end only: the batch's next page computes the verdict */
} StoreBatchClose;

/* Records a batch's end in one transaction: the batch row (locked; made if
 * no page of the batch is stored yet) gets its expected page count, an
 * audit entry says who closed it, and the verdict is computed from the page
 * rows (pages stored later recompute it). No page row is written. *ret:
 * STORED when closed now; ALREADY when it was closed before with the same
 * count (nothing written); REJECTED when its count is already known and
 * differs (nothing written but an audit entry). Errors as store_put(). */
MUST_CHECK int store_close_batch(Store *s, const StoreBatchClose *c, StorePut *ret);

/* An audit entry only (action, e.g. "batch.close_failed", and reason) for a
 * close record whose end cannot be recorded; the batch row is not touched.
 * c->pages and c->declared_sheets may be any uint32. 0 or errors as
 * store_put(). */
MUST_CHECK int store_close_batch_audit(Store *s, const StoreBatchClose *c, const char *action,
                                       const char *reason);

/* Drops and re-opens the connection, preparing the statements again.
 * 0 or negative errno. */
MUST_CHECK int store_reconnect(Store *s);

/* Whether the database answers: connects if need be, then one round
 * trip. 0, or negative errno with store_last_error() saying why. */
MUST_CHECK int store_ping(Store *s);

bool store_error_is_transient(int r);
/* "stored", "already", "rejected". */
const char *store_put_to_string(StorePut p);
/* The server's last error message (owned by s, valid until the next call), or "". */
const char *store_last_error(const Store *s);
/* store_last_error() on one line (libpq's messages span several), in
 * printable ASCII, cut to size in buf, which it returns: it may become a
 * failure reason, stored and sent back, and cutting it must not leave half
 * a UTF-8 sequence behind. */
const char *store_last_error_line(const Store *s, char *buf, size_t size);
/* The SQLSTATE of the last error ("42P01"), or "" when there was none from
 * the server (a lost connection, a header refused before sending). */
const char *store_last_sqlstate(const Store *s);
