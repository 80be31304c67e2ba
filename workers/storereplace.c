/* A failed page processed again (`sohoactl failed retry`, Page.reprocess):
 * its record is replaced in one transaction, never deleted first. The row
 * is locked, checked (still failed, still the same bytes), updated with
 * what processing found this time, its searchable PDF put in place (the
 * original it came from stays), audited "page.retried" with the reason it
 * had, and its batch's verdict computed again. A crash at any point leaves
 * the failed record as it was. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store-internal.h"

const StoreStatement store_replace_statements[] = {
        { "replace_lock",
          "SELECT sha256, status, failure_reason FROM page WHERE page_uuid = $1::uuid FOR UPDATE" },
        /* $2.. in the order of store_page_result_params(). */
        { "replace",
          "UPDATE page SET status = $2, failure_reason = $3, ocr_text = $4, ocr_confidence = $5::real,"
          " skew_angle = $6::real, skew_confidence = $7::real, orientation = $8::smallint,"
          " orientation_confidence = $9::real, orientation_method = $10, blank = $11::boolean,"
          " blank_score = $12::real, low_dpi = $13::boolean, barcodes = $14::jsonb, word_boxes = $15::jsonb,"
          " stage_ms = $16::jsonb, worker_id = $17"
          " WHERE page_uuid = $1::uuid" },
        { "replace_blob", "INSERT INTO page_blob (page_uuid, kind, bytes, sha256)"
                          " VALUES ($1::uuid, $2, $3::bytea, $4::bytea)"
                          " ON CONFLICT (page_uuid, kind) DO UPDATE SET bytes = EXCLUDED.bytes,"
                          " sha256 = EXCLUDED.sha256" },
        { "replace_original", "INSERT INTO page_blob (page_uuid, kind, bytes, sha256)"
                              " VALUES ($1::uuid, $2, $3::bytea, $4::bytea)"
                              " ON CONFLICT (page_uuid, kind) DO NOTHING" },
};
const size_t store_replace_statements_n = ELEMENTSOF(store_replace_statements);

/* The row as it is, locked: *ret_found false when there is none. */
static int store_replace_lock(Store *s, const StorePage *p, bool *ret_found, bool *ret_same,
                              bool *ret_failed, char *was, size_t was_size)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        store_params_uuid(&q, &p->page_uuid);
        r = store_exec(s, "replace_lock", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        *ret_found = PQntuples(res) == 1;
        if (*ret_found) {
                size_t n = 0;
                unsigned char *h = PQunescapeBytea((const unsigned char *) PQgetvalue(res, 0, 0), &n);

                *ret_same = h && n == SHA256_LEN && memcmp(h, p->sha256, SHA256_LEN) == 0;
                PQfreemem(h);
                *ret_failed = strcmp(PQgetvalue(res, 0, 1), "failed") == 0;
                snprintf(was, was_size, "%s", PQgetvalue(res, 0, 2));
        }
        PQclear(res);
        return 0;
}

int store_replace_rows(Store *s, void *what, StorePut *ret)
{
        const StorePage *p = what;
        StoreParams q = { .n = 0 };
        bool found = false, same = false, failed = false;
        char was[512] = "", reason[1100];
        int r;

        r = store_replace_lock(s, p, &found, &same, &failed, was, sizeof(was));
        if (r < 0)
                return r;
        if (!found) /* gone since (deleted to be imported again): stored like any page */
                return store_page_rows(s, what, ret);
        if (!same) {
                *ret = STORE_PUT_REJECTED;
                return 0;
        }
        if (!failed) { /* retried by another worker meanwhile */
                *ret = STORE_PUT_ALREADY;
                return 0;
        }
        store_params_uuid(&q, &p->page_uuid);
        store_page_result_params(&q, p);
        r = store_exec(s, "replace", &q, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = store_page_blobs(s, p, "replace_blob", "replace_original");
        if (r < 0)
                return r;
        if (p->failed)
                snprintf(reason, sizeof(reason), "failed again: %s (was: %s)",
                         p->failure_reason ? p->failure_reason : "failed", was);
        else
                snprintf(reason, sizeof(reason), "stored (was: %s)", was);
        r = store_page_audit(s, p, "page.retried", reason);
        if (r < 0)
                return r;
        r = store_page_verdict(s, p);
        if (r < 0)
                return r;
        *ret = STORE_PUT_STORED;
        return 0;
}
