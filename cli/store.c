/* sohoactl store lookup: the owner's electronic data store (kho dữ liệu):
 * every document and result digitized for dossiers and filed under the
 * owner's identifier, with the store id a new dossier's component reuses
 * it by (`sohoactl component add DOSSIER --reuse ID`) instead of scanning it
 * again, and how many times it was reused. --type matches the document
 * type anywhere, accents optional ("khai sinh" finds "Giấy khai sinh"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "json.h"
#include "owner.h"

/* $1 owner, $2 type or NULL. */
static const char store_sql_lookup[] =
        "SELECT si.store_id::text, CASE WHEN c.is_result THEN 'result' ELSE 'document' END,"
        " coalesce(c.type_name, ''), coalesce(c.code_number, ''), coalesce(c.code_notation, ''),"
        " coalesce(c.issued_date::text, ''), coalesce(c.organ_name, ''), coalesce(c.digitization_code, ''),"
        " c.dossier_code, c.doc_ordinal::text, s.pages::text, to_char(si.filed_at, 'YYYY-MM-DD HH24:MI'),"
        " (SELECT count(*) FROM component r WHERE r.reused_from = c.component_id)::text"
        " FROM store_item si JOIN component c USING (component_id)"
        " JOIN component_state s USING (component_id)"
        " WHERE si.owner_id = $1 AND ($2::text IS NULL"
        "  OR position(sohoa_unaccent($2) IN sohoa_unaccent(coalesce(c.type_name, ''))) > 0)"
        " ORDER BY si.filed_at, si.store_id";
static const char *const store_keys[] = {
        "store_id",      "kind",        "type_name",  "code_number",
        "code_notation", "issued_date", "organ_name", "digitization_code",
        "dossier_code",  "doc_ordinal", "pages",      "filed_at",
        "reused",
};
enum {
        S_ID,
        S_KIND,
        S_TYPE,
        S_NUMBER,
        S_NOTATION,
        S_ISSUED,
        S_ORGAN,
        S_CODE,
        S_DOSSIER,
        S_ORD,
        S_PAGES,
        S_FILED,
        S_REUSED,
        _S_MAX
};

static void store_print_json(const char *owner, const PGresult *res)
{
        Json j;

        json_init(&j, stdout);
        json_begin_object(&j);
        json_field_string(&j, "owner_id", owner);
        json_key(&j, "items");
        json_begin_array(&j);
        for (int i = 0; i < PQntuples(res); i++) {
                json_begin_object(&j);
                for (int k = 0; k < _S_MAX; k++) {
                        const char *v = PQgetvalue(res, i, k);

                        json_key(&j, store_keys[k]);
                        if (k == S_ID || k == S_ORD || k == S_PAGES || k == S_REUSED)
                                json_uint(&j, strtoull(v, NULL, 10));
                        else
                                json_string(&j, *v ? v : NULL);
                }
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
}

static void store_print_text(const char *owner, const PGresult *res)
{
        int n = PQntuples(res);

        printf("Store of %s: %d item%s\n", owner, n, n == 1 ? "" : "s");
        if (n > 0)
                printf("  %6s %-8s %5s %6s %-24s %-29s %s\n", "id", "kind", "pages", "reused",
                       "digitization code", "from", "type, number/notation, issued");
        for (int i = 0; i < n; i++) {
                char from[48];

                snprintf(from, sizeof(from), "%s #%s", PQgetvalue(res, i, S_DOSSIER),
                         PQgetvalue(res, i, S_ORD));
                printf("  %6s %-8s %5s %6s %-24s %-29s %s%s%s%s%s%s%s\n", PQgetvalue(res, i, S_ID),
                       PQgetvalue(res, i, S_KIND), PQgetvalue(res, i, S_PAGES), PQgetvalue(res, i, S_REUSED),
                       *PQgetvalue(res, i, S_CODE) ? PQgetvalue(res, i, S_CODE) : "-", from,
                       PQgetvalue(res, i, S_TYPE), *PQgetvalue(res, i, S_NUMBER) ? " " : "",
                       PQgetvalue(res, i, S_NUMBER), *PQgetvalue(res, i, S_NOTATION) ? "/" : "",
                       PQgetvalue(res, i, S_NOTATION), *PQgetvalue(res, i, S_ISSUED) ? ", " : "",
                       PQgetvalue(res, i, S_ISSUED));
        }
}

static int store_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl store lookup --owner ID [--id-kind cccd|cmnd|mst] [--type TYPE] [--json]\n"
                "The owner's store: documents and results digitized and filed under the owner's\n"
                "identifier. Reuse one in a new dossier with\n"
                "`sohoactl component add DOSSIER --reuse ID`.\n\n"
                "  --owner ID      the owner's CCCD, CMND or MST (checked as `dossier add` checks it)\n"
                "  --type TYPE     only documents whose type contains TYPE (accents optional)\n"
                "  --json          JSON instead of a table\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                DBCONN_DEFAULT);
        return status;
}

int store_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "owner", required_argument, NULL, 'o' },
                { "id-kind", required_argument, NULL, 'k' },
                { "type", required_argument, NULL, 't' },
                { "json", no_argument, NULL, 'j' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *owner = NULL, *kind = NULL, *params[2] = {};
        PGresult *res = NULL;
        PGconn *conn = NULL;
        bool json = false;
        Ident id;
        int c, r;

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
                return store_usage(stdout, EXIT_SUCCESS);
        if (argc < 2 || strcmp(argv[1], "lookup") != 0)
                return store_usage(stderr, EXIT_FAILURE);
        argc--, argv++;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'o':
                        owner = optarg;
                        break;
                case 'k':
                        kind = optarg;
                        break;
                case 't':
                        params[1] = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        return store_usage(stdout, EXIT_SUCCESS);
                default:
                        return store_usage(stderr, EXIT_FAILURE);
                }
        if (optind != argc || !owner)
                return store_usage(stderr, EXIT_FAILURE);
        if (owner_check("store lookup", owner, kind, &id) < 0)
                return EXIT_FAILURE;
        params[0] = id.text;
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, store_sql_lookup, 2, params, &res);
        if (r < 0)
                dbexec_fail("store lookup", res);
        else if (json)
                store_print_json(id.text, res);
        else
                store_print_text(id.text, res);
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
