/* The worker's database connection (see store.h): libpq, one connection,
 * every statement prepared once per connection and prepared again after a
 * reconnect (a new backend knows none of them), every value a parameter
 * (bytea in binary). The page, its blobs, an audit row and the batch verdict
 * go in one transaction, so a crash at any point stores all or nothing; so
 * do a batch's end, its audit row and verdict when its close record comes. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "clock.h"
#include "store.h"

#define STORE_PARAMS_MAX 40
#define STORE_BACKOFF_MIN_US (100 * USEC_PER_MSEC)
#define STORE_BACKOFF_MAX_US (5 * USEC_PER_SEC)

struct Store {
        PGconn *conn;
        bool prepared;
        char *conninfo;
        char *application_name;
        char keepalives_idle[16], keepalives_interval[16], keepalives_count[16];
        char tcp_user_timeout[16], connect_timeout[16];
        char error[512];
};

typedef struct StoreStatement {
        const char *name;
        const char *sql;
} StoreStatement;

/* The page insert's columns and parameters; keep in step with store_put_page(). */
static const StoreStatement statements[] = {
        { "begin", "BEGIN" },
        { "commit", "COMMIT" },
        { "rollback", "ROLLBACK" },
        { "lookup", "SELECT sha256, status FROM page WHERE page_uuid = $1::uuid" },
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
                   " jsonb_build_object('batch', $4::text, 'sequence', $5::integer, 'reason', $6::text))" },
        { "verdict", "SELECT sohoa_batch_verdict($1::uuid)" },
        /* A batch's close record: the row locked first (pages of the batch
         * stored meanwhile wait, then see the count), and the count set. */
        { "close_lock", "SELECT expected_pages FROM batch WHERE batch_uuid = $1::uuid FOR UPDATE" },
        { "close",
          "INSERT INTO batch AS b (batch_uuid, origin_id, page_class, dossier_code, declared_sheets,"
          " expected_pages)"
          " VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::integer)"
          " ON CONFLICT (batch_uuid) DO UPDATE SET"
          " dossier_code = coalesce(b.dossier_code, EXCLUDED.dossier_code),"
          " declared_sheets = coalesce(EXCLUDED.declared_sheets, b.declared_sheets),"
          " expected_pages = EXCLUDED.expected_pages" },
        { "close_audit", "INSERT INTO audit_log (actor, action, object_kind, object_id, detail)"
                         " VALUES (coalesce($1, 'sohoa-worker'), $2, 'batch', $3,"
                         " jsonb_build_object('close', $4::text, 'pages', $5::integer,"
                         " 'declared_sheets', $6::integer, 'recorded_pages', $7::integer))" },
};

/* Parameters of one statement: text unless given as binary. */
typedef struct StoreParams {
        const char *values[STORE_PARAMS_MAX];
        int lengths[STORE_PARAMS_MAX];
        int formats[STORE_PARAMS_MAX];
        char text[STORE_PARAMS_MAX][40];
        int n;
} StoreParams;

static void params_text(StoreParams *q, const char *s)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        q->values[q->n] = s;
        q->lengths[q->n] = 0;
        q->formats[q->n] = 0;
        q->n++;
}

static void params_binary(StoreParams *q, const void *data, size_t len)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        q->values[q->n] = data;
        q->lengths[q->n] = (int) len;
        q->formats[q->n] = 1;
        q->n++;
}

static void params_format(StoreParams *q, bool is_null, const char *fmt, ...) PRINTF_FMT(3, 4);

static void params_format(StoreParams *q, bool is_null, const char *fmt, ...)
{
        va_list ap;
        char *buf;

        if (q->n >= STORE_PARAMS_MAX)
                abort();
        if (is_null) {
                params_text(q, NULL);
                return;
        }
        buf = q->text[q->n];
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(q->text[0]), fmt, ap);
        va_end(ap);
        params_text(q, buf);
}

static void params_uuid(StoreParams *q, const Uuid *u)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        params_text(q, uuid_format(u, q->text[q->n]));
}

static void params_real(StoreParams *q, double v)
{
        params_format(q, isnan(v), "%.9g", v);
}

static void store_set_error(Store *s, const char *msg)
{
        size_t n;

        snprintf(s->error, sizeof(s->error), "%s", msg ? msg : "");
        n = strlen(s->error);
        while (n > 0 && (s->error[n - 1] == '\n' || s->error[n - 1] == ' '))
                s->error[--n] = '\0';
}

const char *store_last_error(const Store *s)
{
        return s ? s->error : "";
}

bool store_error_is_transient(int r)
{
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -EAGAIN || r == -EIO;
}

const char *store_put_to_string(StorePut p)
{
        switch (p) {
        case STORE_PUT_STORED:
                return "stored";
        case STORE_PUT_ALREADY:
                return "already";
        case STORE_PUT_REJECTED:
                return "rejected";
        default:
                return "invalid";
        }
}

/* A failed result as a negative errno: a lost connection or a server going
 * away is transient; so are deadlocks and serialization failures; a statement
 * the server no longer knows (its session was reset) means preparing again. */
static int store_result_errno(Store *s, const PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        store_set_error(s, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
        if (!res || PQstatus(s->conn) != CONNECTION_OK || !state)
                return -ECONNRESET;
        if (strncmp(state, "08", 2) == 0)
                return -ECONNRESET;
        if (strncmp(state, "57P", 3) == 0)
                return -ECONNREFUSED;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
            strncmp(state, "53", 2) == 0)
                return -EAGAIN;
        if (strcmp(state, "26000") == 0) {
                s->prepared = false;
                return -EAGAIN;
        }
        if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
                return -EINVAL;
        return -EPROTO;
}

/* Runs a prepared statement; on success *ret_res holds the result (caller
 * PQclear()s it). want is PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
static int store_exec(Store *s, const char *name, const StoreParams *q, ExecStatusType want,
                      PGresult **ret_res)
{
        PGresult *res;
        int r;

        res = PQexecPrepared(s->conn, name, q ? q->n : 0, q ? q->values : NULL, q ? q->lengths : NULL,
                             q ? q->formats : NULL, 0);
        if (!res || PQresultStatus(res) != want) {
                r = store_result_errno(s, res);
                PQclear(res);
                return r;
        }
        if (ret_res)
                *ret_res = res;
        else
                PQclear(res);
        return 0;
}

static int store_prepare(Store *s)
{
        for (size_t i = 0; i < ELEMENTSOF(statements); i++) {
                PGresult *res = PQprepare(s->conn, statements[i].name, statements[i].sql, 0, NULL);
                int r = 0;

                if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                        r = store_result_errno(s, res);
                PQclear(res);
                if (r < 0)
                        return r == -EAGAIN ? -EPROTO : r;
        }
        s->prepared = true;
        return 0;
}

static int store_connect(Store *s)
{
        /* Ours first, the conninfo last: keywords processed later win, so an
         * operator's conninfo may override the keepalive defaults. */
        const char *keys[] = { "application_name",    "keepalives",       "keepalives_idle",
                               "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                               "connect_timeout",     "dbname",           NULL };
        const char *vals[] = { s->application_name,
                               "1",
                               s->keepalives_idle,
                               s->keepalives_interval,
                               s->keepalives_count,
                               s->tcp_user_timeout,
                               s->connect_timeout,
                               s->conninfo,
                               NULL };

        s->prepared = false;
        if (s->conn)
                PQreset(s->conn);
        else
                s->conn = PQconnectdbParams(keys, vals, 1);
        if (!s->conn)
                return -ENOMEM;
        if (PQstatus(s->conn) != CONNECTION_OK) {
                store_set_error(s, PQerrorMessage(s->conn));
                return -ECONNREFUSED;
        }
        return store_prepare(s);
}

int store_reconnect(Store *s)
{
        return store_connect(s);
}

static int store_ready(Store *s)
{
        if (s->conn && PQstatus(s->conn) == CONNECTION_OK && s->prepared)
                return 0;
        return store_connect(s);
}

static char *strdup_or(const char *s, const char *fallback)
{
        return strdup(s ? s : fallback);
}

int store_new(const StoreConfig *cfg, Store **ret)
{
        Store *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->conninfo = strdup_or(cfg->conninfo, "dbname=sohoa");
        s->application_name = strdup_or(cfg->application_name, "sohoa-worker");
        if (!s->conninfo || !s->application_name) {
                r = -ENOMEM;
                goto out;
        }
        snprintf(s->keepalives_idle, sizeof(s->keepalives_idle), "%u", cfg->keepalives_idle_s ?: 30);
        snprintf(s->keepalives_interval, sizeof(s->keepalives_interval), "%u",
                 cfg->keepalives_interval_s ?: 10);
        snprintf(s->keepalives_count, sizeof(s->keepalives_count), "%u", cfg->keepalives_count ?: 3);
        snprintf(s->tcp_user_timeout, sizeof(s->tcp_user_timeout), "%u", cfg->tcp_user_timeout_ms ?: 30000);
        snprintf(s->connect_timeout, sizeof(s->connect_timeout), "%u", cfg->connect_timeout_s ?: 5);
        r = store_connect(s);
        if (r == -ECONNREFUSED && cfg->connect_later)
                r = 0;
        if (r < 0)
                goto out;
        *ret = s;
        s = NULL;
out:
        store_free(s);
        return r;
}

Store *store_free(Store *s)
{
        if (!s)
                return NULL;
        if (s->conn)
                PQfinish(s->conn);
        free(s->conninfo);
        free(s->application_name);
        free(s);
        return NULL;
}

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

/* Reads row 0 of a lookup: sha256 (bytea, text format "\x..") and status. */
static int store_read_lookup(const PGresult *res, StoreLookup *ret)
{
        StoreLookup l = { .found = true };
        unsigned char *raw;
        size_t len = 0;

        raw = PQunescapeBytea((const unsigned char *) PQgetvalue(res, 0, 0), &len);
        if (!raw)
                return -ENOMEM;
        if (len != SHA256_LEN) {
                PQfreemem(raw);
                return -EBADMSG;
        }
        memcpy(l.sha256, raw, SHA256_LEN);
        PQfreemem(raw);
        l.failed = strcmp(PQgetvalue(res, 0, 1), "failed") == 0;
        *ret = l;
        return 0;
}

static int store_lookup_in(Store *s, const Uuid *page_uuid, StoreLookup *ret)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        params_uuid(&q, page_uuid);
        r = store_exec(s, "lookup", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        if (PQntuples(res) == 0)
                *ret = (StoreLookup) { .found = false };
        else
                r = store_read_lookup(res, ret);
        PQclear(res);
        return r;
}

int store_lookup(Store *s, const Uuid *page_uuid, StoreLookup *ret)
{
        int r;

        r = store_ready(s);
        if (r < 0)
                return r;
        return store_lookup_in(s, page_uuid, ret);
}

static const char *side_name(StoreSide side)
{
        return side == STORE_SIDE_FRONT ? "front" : side == STORE_SIDE_BACK ? "back" : "unknown";
}

static int store_put_batch(Store *s, const StorePage *p)
{
        StoreParams q = { .n = 0 };

        params_uuid(&q, &p->batch_uuid);
        params_text(&q, p->origin_id);
        params_text(&q, p->page_class);
        params_text(&q, p->dossier_code);
        params_format(&q, p->declared_sheets == 0, "%u", p->declared_sheets);
        params_format(&q, p->batch_pages == 0, "%u", p->batch_pages);
        params_format(&q, !p->last_in_batch, "%u", p->sequence);
        return store_exec(s, "batch", &q, PGRES_COMMAND_OK, NULL);
}

/* Inserts the page row; *ret_inserted false when the UUID was there. */
static int store_put_page(Store *s, const StorePage *p, bool *ret_inserted)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        params_uuid(&q, &p->page_uuid);
        params_uuid(&q, &p->batch_uuid);
        params_format(&q, false, "%u", p->sequence);
        params_format(&q, p->sheet == 0, "%u", p->sheet);
        params_text(&q, side_name(p->side));
        params_binary(&q, p->sha256, SHA256_LEN);
        params_format(&q, false, "%llu", (unsigned long long) p->image_bytes);
        params_text(&q, p->format);
        params_format(&q, p->dpi == 0, "%u", p->dpi);
        params_text(&q, p->mode);
        params_format(&q, p->captured_at_us == 0, "%lld", (long long) p->captured_at_us);
        params_text(&q, p->origin_id);
        params_text(&q, p->page_class);
        params_text(&q, p->dossier_code);
        params_text(&q, p->source_name);
        params_format(&q, p->source_name == NULL, "%u", p->source_index);
        params_text(&q, p->failed ? "failed" : "stored");
        params_text(&q, p->failed ? (p->failure_reason ? p->failure_reason : "failed") : NULL);
        params_text(&q, p->failed ? NULL : p->ocr_text);
        params_real(&q, p->ocr_confidence);
        params_real(&q, p->skew_angle);
        params_real(&q, p->skew_confidence);
        params_format(&q, p->orientation < 0, "%d", p->orientation);
        params_real(&q, p->orientation_confidence);
        params_text(&q, p->orientation_method);
        params_format(&q, p->blank<0, "%s", p->blank> 0 ? "true" : "false");
        params_real(&q, p->blank_score);
        params_text(&q, p->low_dpi ? "true" : "false");
        params_text(&q, p->barcodes_json);
        params_text(&q, p->word_boxes_json);
        params_text(&q, p->stage_ms_json);
        params_text(&q, p->worker_id);

        r = store_exec(s, "page", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        *ret_inserted = PQntuples(res) == 1;
        PQclear(res);
        return 0;
}

static int store_put_blob(Store *s, const StorePage *p, const char *kind, const uint8_t *data, size_t len)
{
        StoreParams q = { .n = 0 };
        uint8_t h[SHA256_LEN];

        if (len > INT32_MAX)
                return -EFBIG;
        sha256_buf(data, len, h);
        params_uuid(&q, &p->page_uuid);
        params_text(&q, kind);
        params_binary(&q, data, len);
        params_binary(&q, h, SHA256_LEN);
        return store_exec(s, "blob", &q, PGRES_COMMAND_OK, NULL);
}

static int store_put_audit(Store *s, const StorePage *p, const char *action)
{
        StoreParams q = { .n = 0 };
        char page[UUID_STRING_MAX];

        params_text(&q, p->worker_id);
        params_text(&q, action);
        params_text(&q, uuid_format(&p->page_uuid, page));
        params_uuid(&q, &p->batch_uuid);
        params_format(&q, false, "%u", p->sequence);
        params_text(&q, p->failed ? p->failure_reason : NULL);
        return store_exec(s, "audit", &q, PGRES_COMMAND_OK, NULL);
}

/* The repeat of a page already there: same hash, or rejected. */
static int store_put_conflict(Store *s, const StorePage *p, StorePut *ret)
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

static int store_put_rows(Store *s, const StorePage *p, StorePut *ret)
{
        StoreParams q = { .n = 0 };
        bool inserted = false;
        int r;

        r = store_put_batch(s, p);
        if (r < 0)
                return r;
        r = store_put_page(s, p, &inserted);
        if (r < 0)
                return r;
        if (!inserted)
                return store_put_conflict(s, p, ret);
        if (p->pdf) { /* a failed page may have its image-only PDF */
                r = store_put_blob(s, p, "pdf", p->pdf, p->pdf_len);
                if (r < 0)
                        return r;
        }
        if (p->original) {
                r = store_put_blob(s, p, "original", p->original, p->original_len);
                if (r < 0)
                        return r;
        }
        r = store_put_audit(s, p, p->failed ? "page.failed" : "page.stored");
        if (r < 0)
                return r;
        params_uuid(&q, &p->batch_uuid);
        r = store_exec(s, "verdict", &q, PGRES_TUPLES_OK, NULL);
        if (r < 0)
                return r;
        *ret = STORE_PUT_STORED;
        return 0;
}

static int store_validate(const StorePage *p)
{
        if (uuid_is_null(&p->page_uuid) || uuid_is_null(&p->batch_uuid) || p->sequence == 0)
                return -EINVAL;
        if (p->failed && !p->original) /* a failed page is kept raw, or it is lost */
                return -EINVAL;
        if (p->side != STORE_SIDE_UNKNOWN && p->side != STORE_SIDE_FRONT && p->side != STORE_SIDE_BACK)
                return -EINVAL;
        return 0;
}

/* Ends the transaction begun for a put: commits what was stored now, rolls
 * back anything else (an error, or a repeat that changes nothing). */
static int store_end(Store *s, int r, StorePut result)
{
        int k;

        /* A commit whose answer is lost may have happened: the retry then
         * finds the row and answers "already". */
        if (r >= 0 && result == STORE_PUT_STORED)
                return store_exec(s, "commit", NULL, PGRES_COMMAND_OK, NULL);
        if (PQstatus(s->conn) != CONNECTION_OK)
                return r;
        k = store_exec(s, "rollback", NULL, PGRES_COMMAND_OK, NULL);
        return r >= 0 && k < 0 ? k : r;
}

int store_put(Store *s, const StorePage *p, StorePut *ret)
{
        StorePut result = _STORE_PUT_INVALID;
        int r;

        r = store_validate(p);
        if (r < 0)
                return r;
        r = store_ready(s);
        if (r < 0)
                return r;
        r = store_exec(s, "begin", NULL, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = store_put_rows(s, p, &result);
        r = store_end(s, r, result);
        if (r < 0)
                return r;
        /* Administrators look for rejected pages (a capture bug or a UUID
         * collision); the answer stands even if this row is lost. */
        if (result == STORE_PUT_REJECTED)
                (void) store_put_audit(s, p, "page.rejected");
        *ret = result;
        return 0;
}

static int store_close_audit(Store *s, const StoreBatchClose *c, const char *action, const char *recorded)
{
        StoreParams q = { .n = 0 };
        char close[UUID_STRING_MAX];

        params_text(&q, c->worker_id);
        params_text(&q, action);
        params_uuid(&q, &c->batch_uuid);
        params_text(&q, uuid_format(&c->close_uuid, close));
        params_format(&q, false, "%u", c->pages);
        params_format(&q, c->declared_sheets == 0, "%u", c->declared_sheets);
        params_text(&q, recorded);
        return store_exec(s, "close_audit", &q, PGRES_COMMAND_OK, NULL);
}

/* In the transaction: ALREADY or REJECTED when the batch's count is known
 * (copied into recorded), else the count set and the verdict computed. */
static int store_close_rows(Store *s, const StoreBatchClose *c, StorePut *ret, char recorded[16])
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        params_uuid(&q, &c->batch_uuid);
        r = store_exec(s, "close_lock", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
                snprintf(recorded, 16, "%s", PQgetvalue(res, 0, 0));
                *ret = strtoul(recorded, NULL, 10) == c->pages ? STORE_PUT_ALREADY : STORE_PUT_REJECTED;
                PQclear(res);
                return 0;
        }
        PQclear(res);
        q.n = 0;
        params_uuid(&q, &c->batch_uuid);
        params_text(&q, c->origin_id);
        params_text(&q, c->page_class);
        params_text(&q, c->dossier_code && *c->dossier_code ? c->dossier_code : NULL);
        params_format(&q, c->declared_sheets == 0, "%u", c->declared_sheets);
        params_format(&q, false, "%u", c->pages);
        r = store_exec(s, "close", &q, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = store_close_audit(s, c, "batch.closed", NULL);
        if (r < 0)
                return r;
        q.n = 0;
        params_uuid(&q, &c->batch_uuid);
        r = store_exec(s, "verdict", &q, PGRES_TUPLES_OK, NULL);
        if (r < 0)
                return r;
        *ret = STORE_PUT_STORED;
        return 0;
}

int store_close_batch(Store *s, const StoreBatchClose *c, StorePut *ret)
{
        StorePut result = _STORE_PUT_INVALID;
        char recorded[16] = "";
        int r;

        if (uuid_is_null(&c->batch_uuid) || uuid_is_null(&c->close_uuid) || c->pages > INT32_MAX ||
            c->declared_sheets > INT32_MAX)
                return -EINVAL;
        r = store_ready(s);
        if (r < 0)
                return r;
        r = store_exec(s, "begin", NULL, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = store_close_rows(s, c, &result, recorded);
        r = store_end(s, r, result);
        if (r < 0)
                return r;
        /* Two ends for one batch: a capture bug administrators must see. */
        if (result == STORE_PUT_REJECTED)
                (void) store_close_audit(s, c, "batch.close_rejected", recorded);
        *ret = result;
        return 0;
}

/* Sleeps usec in short slices, stopping early on cancel. */
static void store_sleep(uint64_t usec, const atomic_bool *cancel)
{
        uint64_t end = clock_mono_us() + usec;

        for (;;) {
                uint64_t now = clock_mono_us();
                uint64_t slice;
                struct timespec ts;

                if (now >= end || (cancel && atomic_load(cancel)))
                        return;
                slice = MIN(end - now, 50 * USEC_PER_MSEC);
                ts.tv_sec = (time_t) (slice / USEC_PER_SEC);
                ts.tv_nsec = (long) (slice % USEC_PER_SEC) * 1000L;
                nanosleep(&ts, NULL);
        }
}

typedef int (*StoreOnceFn)(Store *s, const void *what, StorePut *ret);

/* One transaction (fn), retried as a whole on transient errors. */
static int store_retry(Store *s, StoreOnceFn fn, const void *what, uint64_t deadline_us,
                       const atomic_bool *cancel, StorePut *ret)
{
        uint64_t delay = STORE_BACKOFF_MIN_US;

        for (;;) {
                uint64_t now;
                int r;

                if (cancel && atomic_load(cancel))
                        return -ECANCELED;
                r = fn(s, what, ret);
                if (r >= 0 || !store_error_is_transient(r))
                        return r;
                now = clock_mono_us();
                if (deadline_us != 0 && now >= deadline_us)
                        return -ETIMEDOUT;
                store_sleep(deadline_us != 0 ? MIN(delay, deadline_us - now) : delay, cancel);
                delay = MIN(delay * 2, STORE_BACKOFF_MAX_US);
        }
}

static int store_put_once(Store *s, const void *what, StorePut *ret)
{
        return store_put(s, what, ret);
}

int store_put_retry(Store *s, const StorePage *p, uint64_t deadline_us, const atomic_bool *cancel,
                    StorePut *ret)
{
        return store_retry(s, store_put_once, p, deadline_us, cancel, ret);
}

static int store_close_once(Store *s, const void *what, StorePut *ret)
{
        return store_close_batch(s, what, ret);
}

int store_close_batch_retry(Store *s, const StoreBatchClose *c, uint64_t deadline_us, const atomic_bool *cancel,
                            StorePut *ret)
{
        return store_retry(s, store_close_once, c, deadline_us, cancel, ret);
}
