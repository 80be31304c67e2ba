/* sohoactl batch list|show|rescan: the batches the stations captured, as
 * the store judged them (sql/006-verdict-rules.sql, docs/STATION.md).
 * `list` finds them by station, day (Vietnam time) and verdict; `show`
 * walks one page by page, its rescans' pages beside the images they
 * replaced; `rescan` asks a station's daemon to scan sheets of a batch
 * again (`sohoactl scan --rescan`): the new images replace those sheets in
 * order, the old ones stay marked superseded and the verdict is computed
 * again. A rescan is listed with the batch it amends, not as a batch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "uuid.h"

/* $1 station, $2 day, $3 verdict word (ok, mismatch, open), all optional. */
static const char batch_sql_list[] =
        "SELECT b.batch_uuid::text, coalesce(b.origin_id, ''),"
        " to_char(coalesce(b.captured_at, b.first_stored_at), 'YYYY-MM-DD HH24:MI'),"
        " coalesce(b.dossier_code, ''), w.word, coalesce(v.sheets_present::text, ''),"
        " coalesce(coalesce(v.images, v.pages_present)::text, ''), coalesce(b.declared_sheets::text, ''),"
        " (SELECT count(*) FROM batch r WHERE r.rescan_of = b.batch_uuid)::text, coalesce(v.reason_en, '')"
        " FROM batch b LEFT JOIN batch_verdict v USING (batch_uuid)"
        " CROSS JOIN LATERAL (SELECT CASE WHEN v.batch_uuid IS NULL THEN 'open' WHEN v.ok THEN 'ok'"
        "  ELSE 'mismatch' END AS word) w"
        " WHERE b.rescan_of IS NULL AND ($1::text IS NULL OR b.origin_id = $1)"
        " AND ($2::date IS NULL OR coalesce(b.captured_at, b.first_stored_at)::date = $2::date)"
        " AND ($3::text IS NULL OR w.word = $3)"
        " ORDER BY coalesce(b.captured_at, b.first_stored_at), b.batch_uuid";

/* $1 batch (a rescan names the batch it amends). */
static const char batch_sql_head[] =
        "SELECT b.batch_uuid::text, coalesce(b.origin_id, ''), coalesce(b.dossier_code, ''),"
        " to_char(coalesce(b.captured_at, b.first_stored_at), 'YYYY-MM-DD HH24:MI'),"
        " coalesce(b.declared_sheets::text, '-'),"
        " CASE WHEN v.batch_uuid IS NULL THEN 'open' WHEN v.ok THEN 'ok' ELSE 'mismatch' END,"
        " coalesce(v.revision::text, ''), coalesce(v.reason_vi, ''), coalesce(v.reason_en, ''),"
        " coalesce(array_to_string(v.rescan_sheets, ','), '')"
        " FROM batch b LEFT JOIN batch_verdict v USING (batch_uuid)"
        " WHERE b.batch_uuid = sohoa_batch_root($1::uuid)";

/* $1 the root batch: its pages and its rescans', by sheet and side, the
 * images of a sheet in the order they were taken. */
static const char batch_sql_pages[] =
        "SELECT coalesce(p.sheet::text, '-'), p.side, p.sequence::text,"
        " CASE WHEN p.batch_uuid = $1::uuid THEN '' ELSE left(p.batch_uuid::text, 8) END,"
        " CASE WHEN p.blank THEN 'blank' ELSE '' END, coalesce(p.dpi::text, '-'), p.status,"
        " coalesce(round(p.ocr_confidence)::text, '-'),"
        " concat_ws(' ', CASE WHEN p.note_pass THEN 'note-pass' END, CASE WHEN p.role <> 'document' THEN "
        "p.role END,"
        "  CASE WHEN p.low_dpi THEN 'low-dpi' END,"
        "  CASE WHEN p.superseded_by IS NOT NULL THEN 'superseded by ' || left(p.superseded_by::text, 8) "
        "END),"
        " p.page_uuid::text"
        " FROM page p JOIN batch b USING (batch_uuid)"
        " WHERE b.batch_uuid = $1::uuid OR b.rescan_of = $1::uuid"
        " ORDER BY p.sheet NULLS LAST, CASE p.side WHEN 'back' THEN 1 ELSE 0 END,"
        " coalesce(b.captured_at, b.first_stored_at), p.batch_uuid, p.sequence";

static int batch_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl batch list [--station S] [--day YYYY-MM-DD] [--verdict ok|mismatch|open]\n"
                "       sohoactl batch show BATCH\n"
                "       sohoactl batch rescan BATCH --sheets F[-L] [--station S | --socket PATH]\n"
                "                             [--profile P] [--note SHEETS]\n"
                "The captured batches and the store's verdict on each.\n\n"
                "  list            one line a batch (rescans count with the batch they amend)\n"
                "  show            the verdict, then every image: sheet, side, blank, dpi, status,\n"
                "                  OCR confidence, and which were replaced by a rescan\n"
                "  rescan          at the station: scan sheets F..L of BATCH again (\"4\", \"4-5\", "
                "\"4-\")\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                DBCONN_DEFAULT);
        return status;
}

static void batch_print_list(const PGresult *res)
{
        int n = PQntuples(res);

        printf("%d batch%s\n", n, n == 1 ? "" : "es");
        if (n > 0)
                printf("%-36s  %-12s %-16s %-8s %6s %6s %8s %7s  %s\n", "batch", "station", "captured",
                       "verdict", "sheets", "images", "declared", "rescans", "dossier");
        for (int i = 0; i < n; i++)
                printf("%-36s  %-12s %-16s %-8s %6s %6s %8s %7s  %s\n", PQgetvalue(res, i, 0),
                       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 4),
                       PQgetvalue(res, i, 5), PQgetvalue(res, i, 6), PQgetvalue(res, i, 7),
                       PQgetvalue(res, i, 8), PQgetvalue(res, i, 3));
}

static int batch_list(PGconn *conn, int argc, char **argv)
{
        static const struct option opts[] = {
                { "station", required_argument, NULL, 's' },
                { "day", required_argument, NULL, 'D' },
                { "verdict", required_argument, NULL, 'v' },
                {},
        };
        const char *params[3] = {};
        PGresult *res = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 's':
                        params[0] = optarg;
                        break;
                case 'D':
                        params[1] = optarg;
                        break;
                case 'v':
                        if (strcmp(optarg, "ok") != 0 && strcmp(optarg, "mismatch") != 0 &&
                            strcmp(optarg, "open") != 0) {
                                fprintf(stderr, "sohoactl batch list: --verdict is ok, mismatch or open\n");
                                return -EINVAL;
                        }
                        params[2] = optarg;
                        break;
                default:
                        return batch_usage(stderr, -EINVAL);
                }
        if (optind != argc)
                return batch_usage(stderr, -EINVAL);
        r = dbexec(conn, batch_sql_list, 3, params, &res);
        if (r < 0)
                r = dbexec_fail("batch list", res);
        else
                batch_print_list(res);
        PQclear(res);
        return r;
}

static void batch_print_pages(const PGresult *res)
{
        printf("%5s %-5s %4s %-8s %-5s %4s %-6s %4s  %s\n", "sheet", "side", "seq", "rescan", "blank", "dpi",
               "status", "conf", "notes");
        for (int i = 0; i < PQntuples(res); i++)
                printf("%5s %-5s %4s %-8s %-5s %4s %-6s %4s  %s\n", PQgetvalue(res, i, 0),
                       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
                       PQgetvalue(res, i, 7), PQgetvalue(res, i, 8));
}

static int batch_show(PGconn *conn, const char *batch)
{
        const char *params[1] = { batch };
        PGresult *head = NULL, *pages = NULL;
        const char *root;
        Uuid u;
        int r;

        if (uuid_parse(batch, &u) < 0) {
                fprintf(stderr, "sohoactl batch show: \"%s\" is not a batch UUID\n", batch);
                return -EINVAL;
        }
        r = dbexec(conn, batch_sql_head, 1, params, &head);
        if (r < 0) {
                r = dbexec_fail("batch show", head);
                goto out;
        }
        if (PQntuples(head) != 1) {
                fprintf(stderr, "sohoactl batch show: no batch %s in the store\n", batch);
                r = -ENOENT;
                goto out;
        }
        root = PQgetvalue(head, 0, 0);
        printf("batch %s\nstation %s, captured %s, dossier %s, %s sheets declared\n", root,
               PQgetvalue(head, 0, 1), PQgetvalue(head, 0, 3),
               *PQgetvalue(head, 0, 2) ? PQgetvalue(head, 0, 2) : "-", PQgetvalue(head, 0, 4));
        printf("verdict %s", PQgetvalue(head, 0, 5));
        if (*PQgetvalue(head, 0, 6))
                printf(" (revision %s)", PQgetvalue(head, 0, 6));
        printf("\n  vi: %s\n  en: %s\n", PQgetvalue(head, 0, 7), PQgetvalue(head, 0, 8));
        if (*PQgetvalue(head, 0, 9))
                printf("  scan again: sheet %s\n", PQgetvalue(head, 0, 9));
        params[0] = root;
        r = dbexec(conn, batch_sql_pages, 1, params, &pages);
        if (r < 0) {
                r = dbexec_fail("batch show", pages);
                goto out;
        }
        batch_print_pages(pages);
out:
        PQclear(head);
        PQclear(pages);
        return r;
}

/* `batch rescan BATCH --sheets R [...]`: `scan --rescan BATCH
 * --rescan-sheets R [...]`, the other options passed on. */
static int batch_rescan(int argc, char **argv)
{
        char **args = calloc((size_t) argc + 4, sizeof(char *));
        int n = 0, r;
        bool sheets = false;

        if (!args)
                return -ENOMEM;
        args[n++] = (char *) "scan";
        args[n++] = (char *) "--rescan";
        args[n++] = argv[1];
        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--sheets") == 0) {
                        args[n++] = (char *) "--rescan-sheets";
                        sheets = true;
                } else if (strncmp(argv[i], "--sheets=", 9) == 0) {
                        args[n++] = (char *) "--rescan-sheets";
                        args[n++] = argv[i] + 9;
                        sheets = true;
                } else
                        args[n++] = argv[i];
        }
        if (!sheets) {
                free(args);
                fprintf(stderr, "sohoactl batch rescan: which sheets? --sheets 4 or --sheets 4-5\n");
                return -EINVAL;
        }
        r = scan_main(n, args);
        free(args);
        return r;
}

int batch_main(int argc, char **argv)
{
        const char *conninfo = NULL;
        PGconn *conn = NULL;
        int r;

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
                return batch_usage(argc < 2 ? stderr : stdout, argc < 2 ? EXIT_FAILURE : EXIT_SUCCESS);
        if (strcmp(argv[1], "rescan") == 0) {
                if (argc < 3)
                        return batch_usage(stderr, EXIT_FAILURE);
                r = batch_rescan(argc - 1, argv + 1);
                return r < 0 ? EXIT_FAILURE : r;
        }
        if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0)
                return batch_usage(stderr, EXIT_FAILURE);
        /* --db anywhere after the verb. */
        for (int i = 2; i + 1 < argc; i++)
                if (strcmp(argv[i], "--db") == 0) {
                        conninfo = argv[i + 1];
                        memmove(argv + i, argv + i + 2, (size_t) (argc - i - 2) * sizeof(char *));
                        argc -= 2;
                        break;
                }
        if (strcmp(argv[1], "show") == 0 && argc != 3)
                return batch_usage(stderr, EXIT_FAILURE);
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        if (strcmp(argv[1], "list") == 0)
                r = batch_list(conn, argc - 1, argv + 1);
        else
                r = batch_show(conn, argv[2]);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
