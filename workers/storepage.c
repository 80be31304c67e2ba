/* A page's rows (see store.h): the batch row (locked by its upsert, so two
 * workers storing pages of one batch take turns), the page row (ON CONFLICT
 * DO NOTHING, then the hashes decide), its blobs, an audit row and the
 * batch verdict, all in one transaction: a crash at any point stores all or
 * nothing. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sha256.h"
#include "store-internal.h"

/* The page insert's columns and parameters; keep in step with store_page_row(). */
const StoreStatement store_page_statements[] = {
        { "batch",
          "INSERT INTO batch AS b (batch_uuid, origin_id, page_class, dossier_code, declared_sheets,"
          " expected_pages, last_sequence)"
          " VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::integer, $7::integer)"
          " ON CONFLICT (batch_uuid) DO UPDATE SET"
          " dossier_code = coalesce(b.dossier_code, EXCLUDED.dossier_code),"
          " declared_sheets = coalesce(EXCLUDED.declared_sheets, b.declared_sheets),"
          " expected_pages = coalesce(EXCLUDED.expected_pages, b.expected_pages),"
          " last_sequence = coalesce(EXCLUDED.last_sequence, b.last_sequence)" },
        { "page",
          "INSERT INTO page (page_uuid, batch_uuid, sequence, sheet, side, sha256, image_bytes, format, dpi,"
          " mode, captured_at, origin_id, page_class, dossier_code, source_name, source_index, status,"
          " failure_reason, ocr_text, ocr_confidence, skew_angle, skew_confidence, orientation,"
          " orientation_confidence, orientation_method, blank, blank_score, low_dpi, barcodes,"
          " word_boxes, stage_ms, worker_id)"
          " VALUES ($1::uuid, $2::uuid, $3::integer, $4::integer, $5, $6::bytea, $7::bigint, $8,"
          " $9::integer, $10, to_timestamp(0) + $11::bigint * interval '1 microsecond', $12, $13, $14,"
          " $15, $16::integer, $17, $18, $19, $20::real, $21::real, $22::real, $23::smallint,"
          " $24::real, $25, $26::boolean, $27::real, $28::boolean, $29::jsonb, $30::jsonb,"
          " $31::jsonb, $32)"
          " ON CONFLICT (page_uuid) DO NOTHING RETURNING 1" },
        { "blob", "INSERT INTO page_blob (page_uuid, kind, bytes, sha256)"
                  " VALUES ($1::uuid, $2, $3::bytea, $4::bytea)" },
        { "audit", "INSERT INTO audit_log (actor, action, object_kind, object_id, detail)"
                   " VALUES (coalesce($1, 'sohoa-worker'), $2, 'page', $3,"
                   " jsonb_build_object('batch', $4::text, 'sequence', $5::integer, 'reason', $6::text,"
                   " 'cleaned', $7::text))" },
};
const size_t store_page_statements_n = ELEMENTSOF(store_page_statements);

void store_page_init(StorePage *p)
{
        *p = (StorePage) {
                .ocr_confidence = NAN,
                .skew_angle = NAN,
                .skew_confidence = NAN,
                .orientation = -1,
                .orientation_confidence = NAN,
                .blank = -1,
                .blank_score = NAN,
        };
}

static const char *store_side_name(StoreSide side)
{
        return side == STORE_SIDE_FRONT ? "front" : side == STORE_SIDE_BACK ? "back" : "unknown";
}

static int store_page_batch(Store *s, const StorePage *p)
{
        StoreParams q = { .n = 0 };

        store_params_uuid(&q, &p->batch_uuid);
        store_params_text(&q, p->origin_id);
        store_params_text(&q, p->page_class);
        store_params_text(&q, p->dossier_code);
        store_params_format(&q, p->declared_sheets == 0, "%u", p->declared_sheets);
        store_params_format(&q, p->batch_pages == 0, "%u", p->batch_pages);
        store_params_format(&q, !p->last_in_batch, "%u", p->sequence);
        return store_exec(s, "batch", &q, PGRES_COMMAND_OK, NULL);
}

void store_page_result_params(StoreParams *q, const StorePage *p)
{
        store_params_text(q, p->failed ? "failed" : "stored");
        store_params_text(q, p->failed ? (p->failure_reason ? p->failure_reason : "failed") : NULL);
        store_params_text(q, p->failed ? NULL : p->ocr_text);
        store_params_real(q, p->ocr_confidence);
        store_params_real(q, p->skew_angle);
        store_params_real(q, p->skew_confidence);
        store_params_format(q, p->orientation < 0, "%d", p->orientation);
        store_params_real(q, p->orientation_confidence);
        store_params_text(q, p->orientation_method);
        store_params_format(q, p->blank<0, "%s", p->blank> 0 ? "true" : "false");
        store_params_real(q, p->blank_score);
        store_params_text(q, p->low_dpi ? "true" : "false");
        store_params_text(q, p->barcodes_json);
        store_params_text(q, p->word_boxes_json);
        store_params_text(q, p->stage_ms_json);
        store_params_text(q, p->worker_id);
}

/* Inserts the page row; *ret_inserted false when the UUID was there. */
static int store_page_row(Store *s, const StorePage *p, bool *ret_inserted)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        store_params_uuid(&q, &p->page_uuid);
        store_params_uuid(&q, &p->batch_uuid);
        store_params_format(&q, false, "%u", p->sequence);
        store_params_format(&q, p->sheet == 0, "%u", p->sheet);
        store_params_text(&q, store_side_name(p->side));
        store_params_binary(&q, p->sha256, SHA256_LEN);
        store_params_format(&q, false, "%llu", (unsigned long long) p->image_bytes);
        store_params_text(&q, p->format);
        store_params_format(&q, p->dpi == 0, "%u", p->dpi);
        store_params_text(&q, p->mode);
        store_params_format(&q, p->captured_at_us == 0, "%lld", (long long) p->captured_at_us);
        store_params_text(&q, p->origin_id);
        store_params_text(&q, p->page_class);
        store_params_text(&q, p->dossier_code);
        store_params_text(&q, p->source_name);
        store_params_format(&q, p->source_name == NULL, "%u", p->source_index);
        store_page_result_params(&q, p);

        r = store_exec(s, "page", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        *ret_inserted = PQntuples(res) == 1;
        PQclear(res);
        return 0;
}

int store_page_blob(Store *s, const char *statement, const StorePage *p, const char *kind,
                    const uint8_t *data, size_t len)
{
        StoreParams q = { .n = 0 };
        uint8_t h[SHA256_LEN];

        if (len > INT32_MAX)
                return -EFBIG;
        sha256_buf(data, len, h);
        store_params_uuid(&q, &p->page_uuid);
        store_params_text(&q, kind);
        store_params_binary(&q, data, len);
        store_params_binary(&q, h, SHA256_LEN);
        return store_exec(s, statement, &q, PGRES_COMMAND_OK, NULL);
}

int store_page_audit(Store *s, const StorePage *p, const char *action, const char *reason)
{
        StoreParams q = { .n = 0 };
        char page[UUID_STRING_MAX];

        store_params_text(&q, p->worker_id);
        store_params_text(&q, action);
        store_params_text(&q, uuid_format(&p->page_uuid, page));
        store_params_uuid(&q, &p->batch_uuid);
        store_params_format(&q, false, "%u", p->sequence);
        store_params_text(&q, reason);
        store_params_text(&q, p->cleaned);
        return store_exec(s, "audit", &q, PGRES_COMMAND_OK, NULL);
}

/* The repeat of a page already there: same hash, or rejected. */
static int store_page_conflict(Store *s, const StorePage *p, StorePut *ret)
{
        StoreLookup l;
        int r;

        r = store_lookup_in(s, &p->page_uuid, &l);
        if (r < 0)
                return r;
        if (!l.found) /* deleted between our insert and our look: try again */
                return -EAGAIN;
        *ret = memcmp(l.sha256, p->sha256, SHA256_LEN) == 0 ? STORE_PUT_ALREADY : STORE_PUT_REJECTED;
        return 0;
}

int store_page_blobs(Store *s, const StorePage *p, const char *pdf_statement, const char *original_statement)
{
        int r = 0;

        if (p->pdf) /* a failed page may have its image-only PDF */
                r = store_page_blob(s, pdf_statement, p, "pdf", p->pdf, p->pdf_len);
        if (r >= 0 && p->original)
                r = store_page_blob(s, original_statement, p, "original", p->original, p->original_len);
        return r;
}

int store_page_rows(Store *s, void *what, StorePut *ret)
{
        const StorePage *p = what;
        bool inserted = false;
        int r;

        r = store_page_batch(s, p);
        if (r < 0)
                return r;
        r = store_page_row(s, p, &inserted);
        if (r < 0)
                return r;
        if (!inserted)
                return store_page_conflict(s, p, ret);
        r = store_page_blobs(s, p, "blob", "blob");
        if (r < 0)
                return r;
        r = store_page_audit(s, p, p->failed ? "page.failed" : "page.stored",
                             p->failed ? p->failure_reason : NULL);
        if (r < 0)
                return r;
        r = store_page_verdict(s, p);
        if (r < 0)
                return r;
        *ret = STORE_PUT_STORED;
        return 0;
}

int store_page_verdict(Store *s, const StorePage *p)
{
        StoreParams q = { .n = 0 };

        if (p->no_verdict)
                return 0;
        store_params_uuid(&q, &p->batch_uuid);
        return store_exec(s, "verdict", &q, PGRES_TUPLES_OK, NULL);
}

/* What the schema would refuse anyway, refused without a round trip. */
static int store_page_validate(const StorePage *p)
{
        if (uuid_is_null(&p->page_uuid) || uuid_is_null(&p->batch_uuid))
                return -EINVAL;
        if (p->sequence == 0 || p->sequence > INT32_MAX || p->sheet > INT32_MAX || p->dpi > INT32_MAX ||
            p->source_index > INT32_MAX || p->declared_sheets > INT32_MAX || p->batch_pages > INT32_MAX)
                return -EINVAL;
        if (p->failed && !p->original) /* a failed page is kept raw, or it is lost */
                return -EINVAL;
        if (p->side != STORE_SIDE_UNKNOWN && p->side != STORE_SIDE_FRONT && p->side != STORE_SIDE_BACK)
                return -EINVAL;
        return 0;
}

int store_put(Store *s, const StorePage *p, StorePut *ret)
{
        StorePut result;
        int r;

        r = store_page_validate(p);
        if (r < 0) {
                store_set_error(s, "the page's header is out of the schema's range", NULL);
                return r;
        }
        r = store_transaction(s, p->replace_failed ? store_replace_rows : store_page_rows, (void *) p,
                              &result);
        if (r < 0)
                return r;
        /* Administrators look for rejected pages (a capture bug or a UUID
         * collision); the answer stands even if this row is lost. */
        if (result == STORE_PUT_REJECTED)
                (void) store_page_audit(s, p, "page.rejected", p->failed ? p->failure_reason : NULL);
        *ret = result;
        return 0;
}
