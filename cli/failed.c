/* sohoactl failed: the pages stored failed (the pipeline could not process
 * them, or a worker quarantined them after repeated deaths), read from the
 * store: `list` and `show` look, `retry` (failedretry.c) sends them through
 * the pipeline again. A failed page's row and its original stay in place
 * until a worker replaces them with the page processed again. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "failed.h"
#include "json.h"
#include "uuid.h"

#define FAILED_LIMIT_DEFAULT "1000"

/* Quarantined pages are failed pages whose reason says so (workers/job.c). */
static const char failed_list_sql[] =
        "SELECT page_uuid, batch_uuid, sequence, stored_at, coalesce(origin_id, ''), coalesce(dossier_code, "
        "''),"
        " coalesce(source_name, ''), failure_reason, failure_reason LIKE 'quarantined%',"
        " EXISTS (SELECT 1 FROM page_blob b WHERE b.page_uuid = p.page_uuid AND b.kind = 'original')"
        " FROM page p WHERE status = 'failed' ORDER BY stored_at, page_uuid LIMIT $1::integer";

static const char failed_show_sql[] =
        "SELECT page_uuid, batch_uuid, sequence, stored_at, coalesce(origin_id, ''), coalesce(dossier_code, "
        "''),"
        " coalesce(source_name, ''), coalesce(failure_reason, ''), coalesce(failure_reason LIKE "
        "'quarantined%', false),"
        " EXISTS (SELECT 1 FROM page_blob b WHERE b.page_uuid = p.page_uuid AND b.kind = 'original'),"
        " status, encode(sha256, 'hex'), coalesce(image_bytes, 0), coalesce(worker_id, '')"
        " FROM page p WHERE page_uuid = $1::uuid";

static const char failed_audit_sql[] =
        "SELECT at, actor, action, coalesce(detail->>'reason', '') FROM audit_log"
        " WHERE object_kind = 'page' AND object_id = $1 ORDER BY audit_id";

enum {
        COL_PAGE,
        COL_BATCH,
        COL_SEQUENCE,
        COL_STORED,
        COL_ORIGIN,
        COL_DOSSIER,
        COL_SOURCE,
        COL_REASON,
        COL_QUARANTINED,
        COL_ORIGINAL,
        COL_STATUS,
        COL_SHA256,
        COL_BYTES,
        COL_WORKER
};

static bool failed_bool(const PGresult *res, int row, int col)
{
        return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

static void failed_json_row(Json *j, const PGresult *res, int i)
{
        json_field_string(j, "page_uuid", PQgetvalue(res, i, COL_PAGE));
        json_field_string(j, "batch_uuid", PQgetvalue(res, i, COL_BATCH));
        json_field_uint(j, "sequence", strtoull(PQgetvalue(res, i, COL_SEQUENCE), NULL, 10));
        json_field_string(j, "stored_at", PQgetvalue(res, i, COL_STORED));
        json_field_string(j, "origin_id", PQgetvalue(res, i, COL_ORIGIN));
        json_field_string(j, "dossier_code", PQgetvalue(res, i, COL_DOSSIER));
        json_field_string(j, "source_name", PQgetvalue(res, i, COL_SOURCE));
        json_field_string(j, "reason", PQgetvalue(res, i, COL_REASON));
        json_field_bool(j, "quarantined", failed_bool(res, i, COL_QUARANTINED));
        json_field_bool(j, "has_original", failed_bool(res, i, COL_ORIGINAL));
}

static int failed_query(PGconn *c, const char *sql, const char *param, PGresult **ret)
{
        const char *params[1] = { param };

        *ret = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(*ret) == PGRES_TUPLES_OK)
                return 0;
        fprintf(stderr, "sohoactl failed: %s", PQresultErrorMessage(*ret));
        return -EIO;
}

static int failed_list(PGconn *c, const FailedArgs *a)
{
        PGresult *res = NULL;
        Json j;
        int n;

        if (failed_query(c, failed_list_sql, a->limit, &res) < 0) {
                PQclear(res);
                return EXIT_FAILURE;
        }
        n = PQntuples(res);
        if (a->json) {
                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "pages");
                json_begin_array(&j);
                for (int i = 0; i < n; i++) {
                        json_begin_object(&j);
                        failed_json_row(&j, res, i);
                        json_end_object(&j);
                }
                json_end_array(&j);
                json_end_object(&j);
                json_finish(&j);
        } else {
                for (int i = 0; i < n; i++)
                        printf("%s  %.19s  %-11s  batch %.8s #%s  %s\n", PQgetvalue(res, i, COL_PAGE),
                               PQgetvalue(res, i, COL_STORED),
                               failed_bool(res, i, COL_QUARANTINED) ? "quarantined" : "failed",
                               PQgetvalue(res, i, COL_BATCH), PQgetvalue(res, i, COL_SEQUENCE),
                               PQgetvalue(res, i, COL_REASON));
                printf("%d failed page%s\n", n, n == 1 ? "" : "s");
        }
        PQclear(res);
        return EXIT_SUCCESS;
}

static void failed_show_text(const PGresult *res, const PGresult *audit)
{
        printf("page         %s\nstatus       %s%s\nreason       %s\nbatch        %s #%s\nstored at    %s\n"
               "origin       %s\ndossier      %s\nsource       %s\nsha256       %s\nbytes        %s\n"
               "worker       %s\noriginal     %s\n",
               PQgetvalue(res, 0, COL_PAGE), PQgetvalue(res, 0, COL_STATUS),
               failed_bool(res, 0, COL_QUARANTINED) ? " (quarantined)" : "", PQgetvalue(res, 0, COL_REASON),
               PQgetvalue(res, 0, COL_BATCH), PQgetvalue(res, 0, COL_SEQUENCE),
               PQgetvalue(res, 0, COL_STORED), PQgetvalue(res, 0, COL_ORIGIN),
               PQgetvalue(res, 0, COL_DOSSIER), PQgetvalue(res, 0, COL_SOURCE),
               PQgetvalue(res, 0, COL_SHA256), PQgetvalue(res, 0, COL_BYTES), PQgetvalue(res, 0, COL_WORKER),
               failed_bool(res, 0, COL_ORIGINAL) ? "kept (it can be retried)" : "none");
        printf("history:\n");
        for (int i = 0; i < PQntuples(audit); i++)
                printf("  %.19s  %-14s %-12s %s\n", PQgetvalue(audit, i, 0), PQgetvalue(audit, i, 2),
                       PQgetvalue(audit, i, 1), PQgetvalue(audit, i, 3));
}

static void failed_show_json(const PGresult *res, const PGresult *audit)
{
        Json j;

        json_init(&j, stdout);
        json_begin_object(&j);
        failed_json_row(&j, res, 0);
        json_field_string(&j, "status", PQgetvalue(res, 0, COL_STATUS));
        json_field_string(&j, "sha256", PQgetvalue(res, 0, COL_SHA256));
        json_field_uint(&j, "image_bytes", strtoull(PQgetvalue(res, 0, COL_BYTES), NULL, 10));
        json_field_string(&j, "worker_id", PQgetvalue(res, 0, COL_WORKER));
        json_key(&j, "history");
        json_begin_array(&j);
        for (int i = 0; i < PQntuples(audit); i++) {
                json_begin_object(&j);
                json_field_string(&j, "at", PQgetvalue(audit, i, 0));
                json_field_string(&j, "actor", PQgetvalue(audit, i, 1));
                json_field_string(&j, "action", PQgetvalue(audit, i, 2));
                json_field_string(&j, "reason", PQgetvalue(audit, i, 3));
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
}

/* Any page, failed or not: after a retry, show tells what became of it. */
static int failed_show(PGconn *c, const FailedArgs *a, const char *id)
{
        PGresult *res = NULL, *audit = NULL;
        int r = EXIT_FAILURE;

        if (!failed_uuid_ok(id)) {
                fprintf(stderr, "sohoactl failed show: not a page UUID: %s\n", id);
                return EXIT_FAILURE;
        }
        if (failed_query(c, failed_show_sql, id, &res) < 0 ||
            failed_query(c, failed_audit_sql, id, &audit) < 0)
                goto out;
        if (PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl failed show: no page %s in the store\n", id);
                goto out;
        }
        if (a->json)
                failed_show_json(res, audit);
        else
                failed_show_text(res, audit);
        r = EXIT_SUCCESS;
out:
        PQclear(res);
        PQclear(audit);
        return r;
}

bool failed_uuid_ok(const char *s)
{
        Uuid u;

        return uuid_parse(s, &u) == 0;
}

static void failed_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl failed list [--json] [--limit N] [--db CONNINFO]\n"
                "       sohoactl failed show PAGE_UUID [--json] [--db CONNINFO]\n"
                "       sohoactl failed retry PAGE_UUID... | --all  [--broker EP] [--spool DIR]\n"
                "                             [--timeout SEC] [--db CONNINFO]\n"
                "The pages stored failed: the pipeline could not process them, or workers died\n"
                "holding them (quarantined). `retry` sends each again, from its stored original,\n"
                "through the broker to a worker, which replaces the failed record with the page\n"
                "processed again in one transaction; nothing is deleted first, and a page that\n"
                "fails again stays failed with its new reason.\n\n"
                "  --json          print JSON\n"
                "  --limit N       list at most N pages (default %s)\n"
                "  --all           retry every failed page (up to --limit)\n"
                "  --broker EP     broker's station endpoint (default $SOHOA_BROKER, else %s)\n"
                "  --spool DIR     retry's spool (default $XDG_STATE_HOME/sohoa/retry)\n"
                "  --timeout SEC   stop waiting for the outcome after SEC seconds (default 600)\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                FAILED_LIMIT_DEFAULT, cli_default_broker(), DBCONN_DEFAULT);
}

static int failed_parse_args(int argc, char **argv, FailedArgs *a)
{
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "json", no_argument, NULL, 'j' },
                { "limit", required_argument, NULL, 'l' },
                { "all", no_argument, NULL, 'a' },
                { "broker", required_argument, NULL, 'b' },
                { "spool", required_argument, NULL, 's' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        char *end;
        long v;
        int c;

        *a = (FailedArgs) { .endpoint = cli_default_broker(),
                            .limit = FAILED_LIMIT_DEFAULT,
                            .timeout_s = 600 };
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        a->conninfo = optarg;
                        break;
                case 'j':
                        a->json = true;
                        break;
                case 'a':
                        a->all = true;
                        break;
                case 'b':
                        a->endpoint = optarg;
                        break;
                case 's':
                        a->spool = optarg;
                        break;
                case 'l':
                case 't':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || end == optarg || *end || v < 1 || v > 1000000) {
                                fprintf(stderr,
                                        "sohoactl failed: --%s: not a number from 1 to 1000000: %s\n",
                                        c == 'l' ? "limit" : "timeout", optarg);
                                return -EINVAL;
                        }
                        if (c == 'l')
                                a->limit = optarg;
                        else
                                a->timeout_s = (unsigned) v;
                        break;
                case 'h':
                        failed_usage(stdout);
                        return 1;
                default:
                        failed_usage(stderr);
                        return -EINVAL;
                }
        }
        return 0;
}

int failed_main(int argc, char **argv)
{
        const char *verb;
        FailedArgs a;
        PGconn *c = NULL;
        int r;

        r = failed_parse_args(argc, argv, &a);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        if (optind >= argc) {
                failed_usage(stderr);
                return EXIT_FAILURE;
        }
        verb = argv[optind++];
        if (strcmp(verb, "list") != 0 && strcmp(verb, "show") != 0 && strcmp(verb, "retry") != 0) {
                fprintf(stderr, "sohoactl failed: no such command: %s (list, show or retry)\n", verb);
                return EXIT_FAILURE;
        }
        if (strcmp(verb, "show") == 0 && argc - optind != 1) {
                fprintf(stderr, "sohoactl failed show: give one page UUID\n");
                return EXIT_FAILURE;
        }
        if (strcmp(verb, "retry") == 0 && (a.all == (optind < argc))) {
                fprintf(stderr, "sohoactl failed retry: give page UUIDs or --all (not both)\n");
                return EXIT_FAILURE;
        }
        if (dbconn_open(a.conninfo, &c) < 0)
                return EXIT_FAILURE;
        if (strcmp(verb, "list") == 0)
                r = failed_list(c, &a);
        else if (strcmp(verb, "show") == 0)
                r = failed_show(c, &a, argv[optind]);
        else
                r = failedretry_run(c, &a, argv + optind, (size_t) (argc - optind));
        PQfinish(c);
        return r;
}
