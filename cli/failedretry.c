/* sohoactl failed retry: each failed page is read back from the store (its
 * header and its original bytes, which a failed page always keeps) and sent
 * through session/outbox like any imported page, with Page.reprocess set.
 * The worker that gets it processes it again and replaces the failed record
 * in one transaction (workers/storereplace.c); until then the record stays
 * as it was, so an interrupted retry loses nothing and is run again. The
 * outcome printed is what the store holds afterwards. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clispool.h"
#include "curvekey.h"
#include "failed.h"
#include "outbox.h"
#include "sha256.h"
#include "spool.h"
#include "uuid.h"

/* Every column as text but the original's bytes (binary, column 13). */
static const char retry_page_sql[] =
        "SELECT p.status, p.batch_uuid, p.sequence, coalesce(p.sheet, 0), p.side, encode(p.sha256, 'hex'),"
        " coalesce(p.format, ''), coalesce(p.dpi, 0), coalesce(p.mode, ''),"
        " coalesce((extract(epoch FROM p.captured_at) * 1000000)::bigint, 0), coalesce(p.dossier_code, ''),"
        " coalesce(p.source_name, ''), coalesce(p.source_index, 0), b.bytes"
        " FROM page p LEFT JOIN page_blob b ON b.page_uuid = p.page_uuid AND b.kind = 'original'"
        " WHERE p.page_uuid = $1::uuid";

static const char retry_all_sql[] =
        "SELECT page_uuid FROM page WHERE status = 'failed' ORDER BY stored_at, page_uuid LIMIT $1::integer";

static const char retry_outcome_sql[] =
        "SELECT status, coalesce(failure_reason, '') FROM page WHERE page_uuid = $1::uuid";

enum {
        COL_STATUS,
        COL_BATCH,
        COL_SEQUENCE,
        COL_SHEET,
        COL_SIDE,
        COL_SHA256,
        COL_FORMAT,
        COL_DPI,
        COL_MODE,
        COL_CAPTURED,
        COL_DOSSIER,
        COL_SOURCE,
        COL_INDEX,
        COL_ORIGINAL
};

typedef struct Retry {
        pthread_mutex_t lock;
        uint64_t rejected;
        uint64_t connected;
        char curve_server[CURVEKEY_Z85_LEN + 1], curve_public[CURVEKEY_Z85_LEN + 1];
        char curve_secret[CURVEKEY_Z85_LEN + 1];
} Retry;

static void retry_event(const OutboxEvent *ev, void *userdata)
{
        Retry *rt = userdata;
        char u[UUID_STRING_MAX];

        pthread_mutex_lock(&rt->lock);
        if (ev->type == OUTBOX_EVENT_REJECTED) {
                rt->rejected++;
                fprintf(stderr, "sohoactl failed retry: page %s refused by the store: %s\n",
                        uuid_format(&ev->page_uuid, u), ev->reason ? ev->reason : "");
        } else if (ev->type == OUTBOX_EVENT_CONNECTED)
                rt->connected++;
        pthread_mutex_unlock(&rt->lock);
}

static Sohoa__ImageFormat retry_format(const char *s)
{
        if (strcmp(s, "tiff") == 0)
                return SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
        if (strcmp(s, "png") == 0)
                return SOHOA__IMAGE_FORMAT__FORMAT_PNG;
        if (strcmp(s, "jpeg") == 0)
                return SOHOA__IMAGE_FORMAT__FORMAT_JPEG;
        return SOHOA__IMAGE_FORMAT__FORMAT_UNKNOWN;
}

static Sohoa__Side retry_side(const char *s)
{
        return strcmp(s, "front") == 0  ? SOHOA__SIDE__SIDE_FRONT
               : strcmp(s, "back") == 0 ? SOHOA__SIDE__SIDE_BACK
                                        : SOHOA__SIDE__SIDE_UNKNOWN;
}

/* The page's header and original from its row, spooled with reprocess.
 * 1 when spooled (or already in the spool from an earlier run), 0 when it
 * is stored whole (nothing to retry), -ENOENT when it cannot be retried
 * (said why), or another negative errno. */
static int retry_put(PGconn *c, Outbox *o, const char *id)
{
        const char *params[1] = { id };
        uint8_t sha[SHA256_LEN], got[SHA256_LEN];
        Sohoa__Page page = SOHOA__PAGE__INIT;
        const uint8_t *image;
        PGresult *res;
        Uuid pu, bu;
        size_t len;
        int r = 0;

        res = PQexecParams(c, retry_page_sql, 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                fprintf(stderr, "sohoactl failed retry: %s", PQresultErrorMessage(res));
                r = -EIO;
                goto out;
        }
        if (PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl failed retry: no page %s in the store\n", id);
                r = -ENOENT;
                goto out;
        }
        if (strcmp(PQgetvalue(res, 0, COL_STATUS), "failed") != 0) {
                printf("%s: stored, not failed: nothing to retry\n", id);
                goto out;
        }
        if (PQgetisnull(res, 0, COL_ORIGINAL)) {
                fprintf(stderr,
                        "sohoactl failed retry: page %s has no original stored: it cannot be retried\n", id);
                r = -ENOENT;
                goto out;
        }
        /* Text results carry bytea as hex; unescaped here. */
        image = PQunescapeBytea((const unsigned char *) PQgetvalue(res, 0, COL_ORIGINAL), &len);
        if (!image) {
                r = -ENOMEM;
                goto out;
        }
        sha256_buf(image, len, got);
        if (uuid_parse(id, &pu) < 0 || uuid_parse(PQgetvalue(res, 0, COL_BATCH), &bu) < 0 ||
            sha256_from_hex(PQgetvalue(res, 0, COL_SHA256), sha) < 0 || memcmp(sha, got, SHA256_LEN) != 0) {
                fprintf(stderr,
                        "sohoactl failed retry: page %s: its original is not the page its row describes "
                        "(SHA-256): not retried\n",
                        id);
                PQfreemem((void *) image);
                r = -ENOENT;
                goto out;
        }
        page.page_uuid = (ProtobufCBinaryData) { sizeof(pu.b), pu.b };
        page.batch_uuid = (ProtobufCBinaryData) { sizeof(bu.b), bu.b };
        page.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        page.image_bytes = len;
        page.sequence = (uint32_t) strtoul(PQgetvalue(res, 0, COL_SEQUENCE), NULL, 10);
        page.sheet = (uint32_t) strtoul(PQgetvalue(res, 0, COL_SHEET), NULL, 10);
        page.side = retry_side(PQgetvalue(res, 0, COL_SIDE));
        page.format = retry_format(PQgetvalue(res, 0, COL_FORMAT));
        page.dpi = (uint32_t) strtoul(PQgetvalue(res, 0, COL_DPI), NULL, 10);
        page.mode = PQgetvalue(res, 0, COL_MODE);
        page.captured_at_us = strtoll(PQgetvalue(res, 0, COL_CAPTURED), NULL, 10);
        page.dossier_code = PQgetvalue(res, 0, COL_DOSSIER);
        page.source_name = PQgetvalue(res, 0, COL_SOURCE);
        page.source_index = (uint32_t) strtoul(PQgetvalue(res, 0, COL_INDEX), NULL, 10);
        page.reprocess = true;
        r = outbox_put(o, &page, image, len);
        PQfreemem((void *) image);
        if (r == -EEXIST)
                r = 0; /* left by an interrupted retry: it goes out from the spool */
        if (r < 0)
                fprintf(stderr, "sohoactl failed retry: page %s: cannot spool it: %s\n", id, strerror(-r));
        else
                r = 1;
out:
        PQclear(res);
        return r;
}

static int retry_open(Retry *rt, const FailedArgs *a, char *spool, size_t spool_len, Outbox **ret)
{
        OutboxConfig cfg;
        char peer[128];
        int r;

        r = clispool_dir(a->spool, NULL, "retry", spool, spool_len);
        if (r == -ENOENT)
                fprintf(stderr,
                        "sohoactl failed retry: no spool given and no home for one: give --spool DIR\n");
        if (r >= 0)
                r = clispool_mkdirs(spool);
        if (r < 0) {
                if (r != -ENOENT)
                        fprintf(stderr, "sohoactl failed retry: spool %s: %s\n", spool, strerror(-r));
                return r;
        }
        clispool_peer_id("retry", spool, peer, sizeof(peer));
        cfg = (OutboxConfig) { .spool_dir = spool,
                               .endpoint = a->endpoint,
                               .peer_id = peer,
                               .software = "sohoactl-failed-retry " SOHOA_VERSION,
                               .role = SOHOA__ROLE__ROLE_IMPORTER };
        r = clispool_curve("sohoactl failed retry", rt->curve_server, rt->curve_public, rt->curve_secret,
                           &cfg);
        if (r < 0)
                return r;
        r = outbox_new(&cfg, retry_event, rt, ret);
        if (r == -EBUSY)
                fprintf(stderr, "sohoactl failed retry: spool %s is in use by another retry\n", spool);
        else if (r < 0)
                fprintf(stderr, "sohoactl failed retry: cannot open the outbox on %s: %s\n", spool,
                        strerror(-r));
        return r;
}

/* What the store holds now: 1 stored, 0 failed (again), -1 gone or unknown. */
static int retry_outcome(PGconn *c, const char *id)
{
        const char *params[1] = { id };
        PGresult *res = PQexecParams(c, retry_outcome_sql, 1, NULL, params, NULL, NULL, 0);
        int r = -1;

        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
                r = strcmp(PQgetvalue(res, 0, 0), "stored") == 0;
                if (r)
                        printf("%s: stored\n", id);
                else
                        printf("%s: failed again: %s\n", id, PQgetvalue(res, 0, 1));
        } else
                printf("%s: not in the store\n", id);
        PQclear(res);
        return r;
}

/* The UUIDs of --all, as a strdup'ed array. */
static int retry_all(PGconn *c, const FailedArgs *a, char ***ret, size_t *ret_n)
{
        const char *params[1] = { a->limit };
        PGresult *res = PQexecParams(c, retry_all_sql, 1, NULL, params, NULL, NULL, 0);
        char **ids = NULL;
        int n = 0, r = 0;

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                fprintf(stderr, "sohoactl failed retry: %s", PQresultErrorMessage(res));
                r = -EIO;
                goto out;
        }
        n = PQntuples(res);
        ids = calloc((size_t) n + 1, sizeof(char *));
        if (!ids) {
                r = -ENOMEM;
                goto out;
        }
        for (int i = 0; i < n; i++)
                if (!(ids[i] = strdup(PQgetvalue(res, i, 0))))
                        r = -ENOMEM;
out:
        PQclear(res);
        *ret = ids;
        *ret_n = (size_t) n;
        return r;
}

static void retry_free_ids(char **ids, size_t n)
{
        for (size_t i = 0; ids && i < n; i++)
                free(ids[i]);
        free(ids);
}

int failedretry_run(PGconn *c, const FailedArgs *a, char **given, size_t n_given)
{
        Retry rt = { .rejected = 0 };
        char spool[PATH_MAX], **ids = given, **all = NULL;
        size_t n = n_given, sent = 0, stored = 0, skipped = 0;
        bool *spooled = NULL;
        Outbox *o = NULL;
        int r, code = EXIT_FAILURE;

        pthread_mutex_init(&rt.lock, NULL);
        for (size_t i = 0; i < n_given; i++)
                if (!failed_uuid_ok(given[i])) {
                        fprintf(stderr, "sohoactl failed retry: not a page UUID: %s\n", given[i]);
                        goto out;
                }
        if (a->all) {
                if (retry_all(c, a, &all, &n) < 0)
                        goto out;
                ids = all;
        }
        spooled = calloc(n + 1, sizeof(bool));
        if (!spooled || retry_open(&rt, a, spool, sizeof(spool), &o) < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                r = retry_put(c, o, ids[i]);
                if (r == -ENOENT) {
                        skipped++;
                        continue;
                }
                if (r < 0)
                        goto out;
                spooled[i] = r > 0;
                sent += spooled[i];
        }
        r = outbox_wait_empty(o, (uint64_t) a->timeout_s * 1000);
        o = outbox_free(o);
        if (r == -ETIMEDOUT) {
                fprintf(stderr,
                        "sohoactl failed retry: no outcome for every page after %u s: the rest stays in "
                        "%s and goes out with the next retry; the failed records are untouched\n",
                        a->timeout_s, spool);
        }
        for (size_t i = 0; i < n; i++)
                if (spooled[i] && retry_outcome(c, ids[i]) == 1)
                        stored++;
        printf("%zu page%s retried, %zu stored, %zu still failed\n", sent, sent == 1 ? "" : "s", stored,
               sent - stored);
        if (r == 0 && skipped == 0 && stored == sent && rt.rejected == 0)
                code = EXIT_SUCCESS;
out:
        outbox_free(o);
        free(spooled);
        retry_free_ids(all, a->all ? n : 0);
        pthread_mutex_destroy(&rt.lock);
        return code;
}
