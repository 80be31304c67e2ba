/* What the store's files share and nobody else sees: the connection
 * (store.c) runs prepared statements with parameters and one transaction at
 * a time; the page's rows (storepage.c) and a batch's end (storebatch.c)
 * bring their own statements, prepared with the connection's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "macro.h"
#include "store.h"

#define STORE_PARAMS_MAX 40

typedef struct StoreStatement {
        const char *name;
        const char *sql;
} StoreStatement;

extern const StoreStatement store_page_statements[];
extern const size_t store_page_statements_n;
extern const StoreStatement store_batch_statements[];
extern const size_t store_batch_statements_n;
extern const StoreStatement store_verdict_statements[];
extern const size_t store_verdict_statements_n;
extern const StoreStatement store_replace_statements[];
extern const size_t store_replace_statements_n;

/* Parameters of one statement: text unless given as binary. Borrowed
 * values must outlive the statement; formatted ones live in text[]. */
typedef struct StoreParams {
        const char *values[STORE_PARAMS_MAX];
        int lengths[STORE_PARAMS_MAX];
        int formats[STORE_PARAMS_MAX];
        char text[STORE_PARAMS_MAX][40];
        int n;
} StoreParams;

void store_params_text(StoreParams *q, const char *s);
void store_params_binary(StoreParams *q, const void *data, size_t len);
void store_params_format(StoreParams *q, bool is_null, const char *fmt, ...) PRINTF_FMT(3, 4);
void store_params_uuid(StoreParams *q, const Uuid *u);
void store_params_real(StoreParams *q, double v);
/* A rescan's three parameters: the batch it amends, its first and last
 * sheet (NULL when not a rescan; last NULL when 0: to the end). */
void store_params_rescan(StoreParams *q, const Uuid *rescan_of, uint32_t first, uint32_t last);

/* Runs a prepared statement; on success *ret_res (may be NULL) holds the
 * result, which the caller PQclear()s. want: PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK. Errors as store_put()'s. */
MUST_CHECK int store_exec(Store *s, const char *name, const StoreParams *q, ExecStatusType want,
                          PGresult **ret_res);

/* Connects (again) and prepares unless the connection is up and prepared.
 * 0 or negative errno. */
MUST_CHECK int store_ready(Store *s);

/* Sets what store_last_error() and store_last_sqlstate() say (state may be NULL). */
void store_set_error(Store *s, const char *msg, const char *state);

/* In a transaction: the rows of one put, *ret their outcome. */
typedef int (*StoreRowsFn)(Store *s, void *what, StorePut *ret);

/* One transaction: connect if needed, BEGIN, rows, then COMMIT when rows
 * stored something (STORED), ROLLBACK otherwise (an error, or a repeat that
 * changes nothing). 0 with *ret set, or a negative errno. */
MUST_CHECK int store_transaction(Store *s, StoreRowsFn rows, void *what, StorePut *ret);

/* After the verdict of batch was computed in the current transaction:
 * read it, for store_last_verdict(). */
MUST_CHECK int store_verdict_keep(Store *s, const Uuid *batch);
/* Reads the verdict on batch's batch into *ret: 1, 0 when none, or errors. */
MUST_CHECK int store_verdict_read(Store *s, const Uuid *batch, Verdict *ret);
/* The store's copy of the last verdict computed, and whether it holds one
 * (reset when a transaction begins). */
Verdict *store_verdict_slot(Store *s, bool **ret_has);

/* Looks a page up inside the current transaction (or none). */
MUST_CHECK int store_lookup_in(Store *s, const Uuid *page_uuid, StoreLookup *ret);

/* A page's rows (storepage.c): the batch, the page (ON CONFLICT DO
 * NOTHING), its blobs, its audit entry and the verdict. A StoreRowsFn. */
MUST_CHECK int store_page_rows(Store *s, void *what, StorePut *ret);
/* The page's audit entry: action ("page.stored", ...) with reason (may be
 * NULL) in its detail. */
int store_page_audit(Store *s, const StorePage *p, const char *action, const char *reason);
/* A failed record replaced by the page processed again (storereplace.c):
 * a StoreRowsFn for a StorePage with replace_failed. */
MUST_CHECK int store_replace_rows(Store *s, void *what, StorePut *ret);
/* The page's blob of that kind (with its SHA-256) through statement
 * ("blob" inserts). */
MUST_CHECK int store_page_blob(Store *s, const char *statement, const StorePage *p, const char *kind,
                               const uint8_t *data, size_t len);
/* The page's PDF and original, when it has them, each through its
 * statement. */
MUST_CHECK int store_page_blobs(Store *s, const StorePage *p, const char *pdf_statement,
                                const char *original_statement);
/* The batch verdict computed again, unless p->no_verdict. */
MUST_CHECK int store_page_verdict(Store *s, const StorePage *p);
/* The 16 parameters of what processing found (status, failure_reason,
 * ocr_text ... worker_id), in the page row's column order. */
void store_page_result_params(StoreParams *q, const StorePage *p);
