/* A batch's end, as its close record tells it (see store.h): the batch row
 * locked first (pages of the batch stored meanwhile wait, then see the
 * count), the count set, an audit row and the verdict, in one transaction;
 * a repeat changes nothing, another count is refused and audited. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

const StoreStatement store_batch_statements[] = {
        { "close_lock", "SELECT expected_pages FROM batch WHERE batch_uuid = $1::uuid FOR UPDATE" },
        { "close",
          "INSERT INTO batch AS b (batch_uuid, origin_id, page_class, dossier_code, declared_sheets,"
          " expected_pages)"
          " VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::integer)"
          " ON CONFLICT (batch_uuid) DO UPDATE SET"
          " dossier_code = coalesce(b.dossier_code, EXCLUDED.dossier_code),"
          " declared_sheets = coalesce(EXCLUDED.declared_sheets, b.declared_sheets),"
          " expected_pages = EXCLUDED.expected_pages" },
        { "close_audit",
          "INSERT INTO audit_log (actor, action, object_kind, object_id, detail)"
          " VALUES (coalesce($1, 'sohoa-worker'), $2, 'batch', $3,"
          " jsonb_build_object('close', $4::text, 'pages', $5::bigint,"
          " 'declared_sheets', $6::bigint, 'recorded_pages', $7::integer, 'reason', $8::text))" },
};
const size_t store_batch_statements_n = ELEMENTSOF(store_batch_statements);

/* The close in its transaction, and what the batch had recorded. */
typedef struct StoreCloseTx {
        const StoreBatchClose *c;
        char recorded[16];
} StoreCloseTx;

static int store_close_audit(Store *s, const StoreBatchClose *c, const char *action, const char *recorded,
                             const char *reason)
{
        StoreParams q = { .n = 0 };
        char close[UUID_STRING_MAX];

        store_params_text(&q, c->worker_id);
        store_params_text(&q, action);
        store_params_uuid(&q, &c->batch_uuid);
        store_params_text(&q, uuid_format(&c->close_uuid, close));
        store_params_format(&q, false, "%u", c->pages);
        store_params_format(&q, c->declared_sheets == 0, "%u", c->declared_sheets);
        store_params_text(&q, recorded);
        store_params_text(&q, reason);
        return store_exec(s, "close_audit", &q, PGRES_COMMAND_OK, NULL);
}

/* ALREADY or REJECTED when the batch's count is known (copied into
 * tx->recorded), else the count set and the verdict computed. */
static int store_close_rows(Store *s, void *what, StorePut *ret)
{
        StoreCloseTx *tx = what;
        const StoreBatchClose *c = tx->c;
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        store_params_uuid(&q, &c->batch_uuid);
        r = store_exec(s, "close_lock", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
                snprintf(tx->recorded, sizeof(tx->recorded), "%s", PQgetvalue(res, 0, 0));
                *ret = strtoul(tx->recorded, NULL, 10) == c->pages ? STORE_PUT_ALREADY : STORE_PUT_REJECTED;
                PQclear(res);
                return 0;
        }
        PQclear(res);
        q.n = 0;
        store_params_uuid(&q, &c->batch_uuid);
        store_params_text(&q, c->origin_id);
        store_params_text(&q, c->page_class);
        store_params_text(&q, c->dossier_code && *c->dossier_code ? c->dossier_code : NULL);
        store_params_format(&q, c->declared_sheets == 0, "%u", c->declared_sheets);
        store_params_format(&q, false, "%u", c->pages);
        r = store_exec(s, "close", &q, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = store_close_audit(s, c, "batch.closed", NULL, c->note);
        if (r < 0)
                return r;
        if (!c->no_verdict) {
                q.n = 0;
                store_params_uuid(&q, &c->batch_uuid);
                r = store_exec(s, "verdict", &q, PGRES_TUPLES_OK, NULL);
                if (r < 0)
                        return r;
        }
        *ret = STORE_PUT_STORED;
        return 0;
}

int store_close_batch(Store *s, const StoreBatchClose *c, StorePut *ret)
{
        StoreCloseTx tx = { .c = c };
        StorePut result;
        int r;

        if (uuid_is_null(&c->batch_uuid) || uuid_is_null(&c->close_uuid) || c->pages > INT32_MAX ||
            c->declared_sheets > INT32_MAX) {
                store_set_error(s, "the close record is out of the schema's range", NULL);
                return -EINVAL;
        }
        r = store_transaction(s, store_close_rows, &tx, &result);
        if (r < 0)
                return r;
        /* Two ends for one batch: a capture bug administrators must see. */
        if (result == STORE_PUT_REJECTED)
                (void) store_close_audit(s, c, "batch.close_rejected", tx.recorded, c->note);
        *ret = result;
        return 0;
}

int store_close_batch_audit(Store *s, const StoreBatchClose *c, const char *action, const char *reason)
{
        int r;

        if (uuid_is_null(&c->batch_uuid) || uuid_is_null(&c->close_uuid))
                return -EINVAL;
        r = store_ready(s);
        if (r < 0)
                return r;
        return store_close_audit(s, c, action, NULL, reason);
}
