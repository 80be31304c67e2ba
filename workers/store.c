/* The worker's database connection (see store.h): libpq, one connection,
 * every statement prepared once per connection and prepared again after a
 * reconnect (a new backend knows none of them), every value a parameter
 * (bytea in binary), a lock and a statement time limit per session, and one
 * transaction at a time (store_transaction()). The rows themselves:
 * storepage.c and storebatch.c; retries while the server is away:
 * storeretry.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

struct Store {
        PGconn *conn;
        bool prepared;
        char *conninfo;
        char *application_name;
        char keepalives_idle[16], keepalives_interval[16], keepalives_count[16];
        char tcp_user_timeout[16], connect_timeout[16];
        char lock_timeout[16], statement_timeout[16];
        char error[512];
        char sqlstate[6];
};

static const StoreStatement store_statements[] = {
        { "begin", "BEGIN" },
        { "commit", "COMMIT" },
        { "rollback", "ROLLBACK" },
        { "lookup", "SELECT sha256, status FROM page WHERE page_uuid = $1::uuid" },
        { "verdict", "SELECT sohoa_batch_verdict($1::uuid)" },
};

void store_params_text(StoreParams *q, const char *s)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        q->values[q->n] = s;
        q->lengths[q->n] = 0;
        q->formats[q->n] = 0;
        q->n++;
}

void store_params_binary(StoreParams *q, const void *data, size_t len)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        q->values[q->n] = data;
        q->lengths[q->n] = (int) len;
        q->formats[q->n] = 1;
        q->n++;
}

void store_params_format(StoreParams *q, bool is_null, const char *fmt, ...)
{
        va_list ap;
        char *buf;

        if (q->n >= STORE_PARAMS_MAX)
                abort();
        if (is_null) {
                store_params_text(q, NULL);
                return;
        }
        buf = q->text[q->n];
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(q->text[0]), fmt, ap);
        va_end(ap);
        store_params_text(q, buf);
}

void store_params_uuid(StoreParams *q, const Uuid *u)
{
        if (q->n >= STORE_PARAMS_MAX)
                abort();
        store_params_text(q, uuid_format(u, q->text[q->n]));
}

void store_params_real(StoreParams *q, double v)
{
        store_params_format(q, isnan(v), "%.9g", v);
}

void store_set_error(Store *s, const char *msg, const char *state)
{
        size_t n;

        snprintf(s->error, sizeof(s->error), "%s", msg ? msg : "");
        n = strlen(s->error);
        while (n > 0 && (s->error[n - 1] == '\n' || s->error[n - 1] == ' '))
                s->error[--n] = '\0';
        snprintf(s->sqlstate, sizeof(s->sqlstate), "%s", state ? state : "");
}

const char *store_last_error(const Store *s)
{
        return s ? s->error : "";
}

const char *store_last_error_line(const Store *s, char *buf, size_t size)
{
        size_t n = 0;

        for (const char *e = store_last_error(s); *e && n + 1 < size; e++) {
                unsigned char c = (unsigned char) *e;
                bool space = c == '\n' || c == '\t' || c == ' ';

                if (space && (n == 0 || buf[n - 1] == ' '))
                        continue;
                buf[n++] = space ? ' ' : c < 0x20 || c > 0x7e ? '?' : (char) c;
        }
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        buf[n] = '\0';
        return buf;
}

const char *store_last_sqlstate(const Store *s)
{
        return s ? s->sqlstate : "";
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

/* A failed result as a negative errno. Transient (-ECONNRESET,
 * -ECONNREFUSED, -EAGAIN): a lost connection, a server going away,
 * deadlocks, serialization failures, a lock or statement time limit, a
 * server short of resources. A statement the server no longer knows (its
 * session was reset) or a session stuck in an aborted transaction is mended
 * by connecting again, so it is transient too. -EINVAL: data the schema
 * refuses (classes 22 and 23). Anything else (a schema not migrated, no
 * privilege) is -EPROTO: no retry mends it. */
static int store_result_errno(Store *s, const PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        store_set_error(s, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn), state);
        if (!res || PQstatus(s->conn) != CONNECTION_OK || !state)
                return -ECONNRESET;
        if (strncmp(state, "08", 2) == 0)
                return -ECONNRESET;
        if (strncmp(state, "57P", 3) == 0)
                return -ECONNREFUSED;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
            strcmp(state, "57014") == 0 || strncmp(state, "53", 2) == 0)
                return -EAGAIN;
        if (strcmp(state, "26000") == 0 || strcmp(state, "25P02") == 0) {
                s->prepared = false;
                return -EAGAIN;
        }
        if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
                return -EINVAL;
        return -EPROTO;
}

int store_exec(Store *s, const char *name, const StoreParams *q, ExecStatusType want, PGresult **ret_res)
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

static int store_prepare_list(Store *s, const StoreStatement *list, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                PGresult *res = PQprepare(s->conn, list[i].name, list[i].sql, 0, NULL);
                int r = 0;

                if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                        r = store_result_errno(s, res);
                PQclear(res);
                if (r < 0)
                        return r == -EAGAIN ? -EPROTO : r;
        }
        return 0;
}

/* The session's time limits, unless the conninfo's options, the role or
 * the database set them already (then theirs stand): a store blocked on a
 * lock or a runaway statement ends in an error the worker retries or
 * reports, before the page's own time limit ends the process. */
static int store_session(Store *s)
{
        const char *sql = "SELECT CASE WHEN current_setting('lock_timeout') = '0'"
                          " THEN set_config('lock_timeout', $1, false) END,"
                          " CASE WHEN current_setting('statement_timeout') = '0'"
                          " THEN set_config('statement_timeout', $2, false) END";
        const char *vals[] = { s->lock_timeout, s->statement_timeout };
        PGresult *res;
        int r = 0;

        res = PQexecParams(s->conn, sql, 2, NULL, vals, NULL, NULL, 0);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
                r = store_result_errno(s, res);
        PQclear(res);
        return r;
}

/* A database whose migrations stop before STORE_SCHEMA_NEEDED (or that has
 * none) would fail every page: said, as -EPROTONOSUPPORT. */
static int store_check_schema(Store *s)
{
        PGresult *res = PQexec(s->conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        char msg[300];
        int r = 0, have;

        if (state && strcmp(state, "42P01") == 0) {
                store_set_error(
                        s,
                        "the database has no schema_migrations table (not migrated): run sohoactl db "
                        "migrate",
                        state);
                r = -EPROTONOSUPPORT;
        } else if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
                r = store_result_errno(s, res);
        } else {
                have = atoi(PQgetvalue(res, 0, 0));
                if (have < STORE_SCHEMA_NEEDED) {
                        snprintf(msg, sizeof(msg),
                                 "the database schema is at migration %03d; this worker needs %03d: run "
                                 "sohoactl "
                                 "db migrate (sohoactl db status lists them)",
                                 have, STORE_SCHEMA_NEEDED);
                        store_set_error(s, msg, NULL);
                        r = -EPROTONOSUPPORT;
                }
        }
        PQclear(res);
        return r;
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
        int r;

        s->prepared = false;
        if (s->conn)
                PQreset(s->conn);
        else
                s->conn = PQconnectdbParams(keys, vals, 1);
        if (!s->conn)
                return -ENOMEM;
        if (PQstatus(s->conn) != CONNECTION_OK) {
                store_set_error(s, PQerrorMessage(s->conn), NULL);
                return -ECONNREFUSED;
        }
        r = store_session(s);
        if (r >= 0)
                r = store_check_schema(s);
        if (r < 0)
                return r;
        r = store_prepare_list(s, store_statements, ELEMENTSOF(store_statements));
        if (r >= 0)
                r = store_prepare_list(s, store_page_statements, store_page_statements_n);
        if (r >= 0)
                r = store_prepare_list(s, store_batch_statements, store_batch_statements_n);
        if (r >= 0)
                r = store_prepare_list(s, store_replace_statements, store_replace_statements_n);
        if (r < 0)
                return r;
        s->prepared = true;
        return 0;
}

int store_reconnect(Store *s)
{
        return store_connect(s);
}

int store_ready(Store *s)
{
        if (s->conn && PQstatus(s->conn) == CONNECTION_OK && s->prepared)
                return 0;
        return store_connect(s);
}

int store_ping(Store *s)
{
        PGresult *res;
        int r;

        r = store_ready(s);
        if (r < 0)
                return r;
        res = PQexec(s->conn, "SELECT 1");
        r = res && PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : store_result_errno(s, res);
        PQclear(res);
        return r;
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
        snprintf(s->lock_timeout, sizeof(s->lock_timeout), "%u", cfg->lock_timeout_ms ?: 20000);
        snprintf(s->statement_timeout, sizeof(s->statement_timeout), "%u",
                 cfg->statement_timeout_ms ?: 30000);
        r = store_connect(s);
        /* Later: each use connects again, and reports what stands in the way. */
        if (r < 0 && r != -ENOMEM && r != -EPROTONOSUPPORT && cfg->connect_later)
                r = 0;
        if (r < 0)
                goto out;
        *ret = s;
        s = NULL;
out:
        if (r < 0 && cfg->error && cfg->error_size > 0)
                snprintf(cfg->error, cfg->error_size, "%s", s ? s->error : "out of memory");
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

/* Ends the transaction: commits what was stored now, rolls back anything
 * else (an error, or a repeat that changes nothing). A ROLLBACK that fails
 * on a connection still up leaves the session in an aborted transaction,
 * where every later statement fails: the connection is made again before
 * the next use. */
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
        if (k < 0)
                s->prepared = false;
        return r >= 0 && k < 0 ? k : r;
}

int store_transaction(Store *s, StoreRowsFn rows, void *what, StorePut *ret)
{
        StorePut result = _STORE_PUT_INVALID;
        int r;

        r = store_ready(s);
        if (r < 0)
                return r;
        r = store_exec(s, "begin", NULL, PGRES_COMMAND_OK, NULL);
        if (r < 0)
                return r;
        r = rows(s, what, &result);
        r = store_end(s, r, result);
        if (r < 0)
                return r;
        *ret = result;
        return 0;
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

int store_lookup_in(Store *s, const Uuid *page_uuid, StoreLookup *ret)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        int r;

        store_params_uuid(&q, page_uuid);
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
