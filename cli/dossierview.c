/* sohoactl dossier show / list: a dossier read back with its applicant and
 * its components, each with the state sql/005's component_state derives
 * from the rows (digitized, not digitized, reused), and lists of dossiers
 * by agency, month or owner. Text for the desk, --json for programs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbconn.h"
#include "dbexec.h"
#include "dossierview.h"
#include "json.h"
#include "month.h"
#include "owner.h"

#define DOSSIERVIEW_LIMIT_DEFAULT "50"

static const char dossierview_sql_dossier[] =
        "SELECT d.dossier_code, coalesce(d.agency_code, ''), coalesce(a.name, ''), coalesce(d.title, ''),"
        " coalesce(to_char(d.received_at, 'YYYY-MM-DD HH24:MI'), ''),"
        " coalesce(to_char(d.resolved_at, 'YYYY-MM-DD HH24:MI'), ''), d.received_online::text,"
        " coalesce(d.owner_id, ''), coalesce(o.id_kind, ''), coalesce(o.name, ''),"
        " coalesce(d.maintenance, ''), coalesce(d.rights, ''), coalesce(d.language, ''), "
        "coalesce(d.start_date::text, ''),"
        " coalesce(d.end_date::text, ''), coalesce(d.description, '')"
        " FROM dossier d LEFT JOIN agency a USING (agency_code) LEFT JOIN owner o USING (owner_id)"
        " WHERE d.dossier_code = $1";
static const char *const dossierview_dossier_keys[] = {
        "dossier_code", "agency_code", "agency_name",   "title",       "received_at", "resolved_at",
        NULL,           "owner_id",    "owner_id_kind", "owner_name",  "maintenance", "rights",
        "language",     "start_date",  "end_date",      "description",
};
enum {
        D_CODE,
        D_AGENCY,
        D_AGENCY_NAME,
        D_TITLE,
        D_RECEIVED,
        D_RESOLVED,
        D_ONLINE,
        D_OWNER,
        D_KIND,
        D_NAME,
        D_MAINT,
        D_RIGHTS,
        D_LANG,
        D_START,
        D_END,
        D_DESC
};

/* A component's batches as "UUID" or "UUID:first-last", space-separated. */
static const char dossierview_sql_components[] =
        "SELECT c.doc_ordinal::text, CASE WHEN c.is_result THEN 'result' ELSE 'document' END, s.state,"
        " s.pages::text, coalesce(c.type_name, ''), coalesce(c.code_number, ''),"
        " coalesce(c.code_notation, ''), coalesce(c.issued_date::text, ''), coalesce(c.organ_name, ''), "
        "coalesce(c.subject, ''),"
        " coalesce(c.digitization_code, ''),"
        " coalesce((SELECT si.store_id::text FROM store_item si"
        "  WHERE si.component_id = coalesce(c.reused_from, c.component_id)), ''),"
        " coalesce(src.dossier_code, ''),"
        " coalesce((SELECT string_agg(cb.batch_uuid::text || coalesce(':' || cb.first_sequence || '-'"
        "  || cb.last_sequence, ''), ' ' ORDER BY cb.linked_at, cb.batch_uuid)"
        "  FROM component_batch cb WHERE cb.component_id = c.component_id), '')"
        " FROM component c JOIN component_state s USING (component_id)"
        " LEFT JOIN component src ON src.component_id = c.reused_from"
        " WHERE c.dossier_code = $1 ORDER BY c.doc_ordinal";
static const char *const dossierview_component_keys[] = {
        "doc_ordinal",         "kind",        "state",      "pages",   "type_name",         "code_number",
        "code_notation",       "issued_date", "organ_name", "subject", "digitization_code", "store_id",
        "reused_from_dossier", "batches",
};
enum {
        K_ORD,
        K_KIND,
        K_STATE,
        K_PAGES,
        K_TYPE,
        K_NUMBER,
        K_NOTATION,
        K_ISSUED,
        K_ORGAN,
        K_SUBJECT,
        K_CODE,
        K_STORE,
        K_FROM,
        K_BATCHES,
        _K_MAX
};

/* $1 agency, $2 first day of the month, $3 owner, $4 limit: each NULL for any. */
static const char dossierview_sql_list[] =
        "SELECT d.dossier_code, coalesce(to_char(d.received_at, 'YYYY-MM-DD HH24:MI'), ''),"
        " CASE WHEN d.received_online THEN 'online' ELSE 'desk' END,"
        " coalesce(to_char(d.resolved_at, 'YYYY-MM-DD'), ''), coalesce(d.owner_id, ''),"
        " count(s.component_id) FILTER (WHERE NOT s.is_result)::text,"
        " count(s.component_id) FILTER (WHERE NOT s.is_result AND s.state <> 'not_digitized')::text,"
        " count(s.component_id) FILTER (WHERE s.is_result AND s.state = 'digitized')::text,"
        " coalesce(d.title, '')"
        " FROM dossier d LEFT JOIN component_state s ON s.dossier_code = d.dossier_code"
        " WHERE ($1::text IS NULL OR d.agency_code = $1)"
        "  AND ($2::date IS NULL"
        "   OR date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date = $2::date)"
        "  AND ($3::text IS NULL OR d.owner_id = $3)"
        " GROUP BY d.dossier_code ORDER BY d.received_at DESC, d.dossier_code DESC LIMIT $4::integer";
static const char *const dossierview_list_keys[] = {
        "dossier_code", "received_at",          "received",          "resolved", "owner_id",
        "components",   "components_available", "results_digitized", "title",
};

/* A text column as a JSON value: "" is null; numbers and booleans bare. */
static void dossierview_json_value(Json *j, const char *key, const char *v, bool number)
{
        json_key(j, key);
        if (!*v)
                json_null(j);
        else if (number)
                json_uint(j, strtoull(v, NULL, 10));
        else
                json_string(j, v);
}

static bool dossierview_numeric(const char *key)
{
        return strcmp(key, "doc_ordinal") == 0 || strcmp(key, "pages") == 0 ||
               strcmp(key, "store_id") == 0 || strcmp(key, "components") == 0 ||
               strcmp(key, "components_available") == 0 || strcmp(key, "results_digitized") == 0;
}

static void dossierview_json_row(Json *j, const PGresult *res, int row, const char *const *keys, int n)
{
        json_begin_object(j);
        for (int k = 0; k < n; k++)
                if (keys[k])
                        dossierview_json_value(j, keys[k], PQgetvalue(res, row, k),
                                               dossierview_numeric(keys[k]));
        json_end_object(j);
}

static void dossierview_show_json(const PGresult *d, const PGresult *comps)
{
        Json j;

        json_init(&j, stdout);
        json_begin_object(&j);
        for (int k = 0; k < (int) ELEMENTSOF(dossierview_dossier_keys); k++)
                if (dossierview_dossier_keys[k])
                        dossierview_json_value(&j, dossierview_dossier_keys[k], PQgetvalue(d, 0, k), false);
        json_field_bool(&j, "received_online", strcmp(PQgetvalue(d, 0, D_ONLINE), "true") == 0);
        json_key(&j, "components");
        json_begin_array(&j);
        for (int i = 0; i < PQntuples(comps); i++)
                dossierview_json_row(&j, comps, i, dossierview_component_keys, _K_MAX);
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
}

static void dossierview_line(const char *label, const char *value)
{
        printf("  %-13s %s\n", label, *value ? value : "-");
}

static void dossierview_show_text(const PGresult *d, const PGresult *comps)
{
        const char *v;
        char buf[512];

        printf("Dossier %s\n", PQgetvalue(d, 0, D_CODE));
        dossierview_line("Title:", PQgetvalue(d, 0, D_TITLE));
        snprintf(buf, sizeof(buf), "%s %s", PQgetvalue(d, 0, D_AGENCY), PQgetvalue(d, 0, D_AGENCY_NAME));
        dossierview_line("Agency:", buf);
        v = PQgetvalue(d, 0, D_KIND);
        snprintf(buf, sizeof(buf), "%s %s %s",
                 strcmp(v, "cccd") == 0   ? "CCCD"
                 : strcmp(v, "cmnd") == 0 ? "CMND"
                 : strcmp(v, "mst") == 0  ? "MST"
                                          : "",
                 PQgetvalue(d, 0, D_OWNER), PQgetvalue(d, 0, D_NAME));
        dossierview_line("Applicant:", buf);
        snprintf(buf, sizeof(buf), "%s, %s", PQgetvalue(d, 0, D_RECEIVED),
                 strcmp(PQgetvalue(d, 0, D_ONLINE), "true") == 0 ? "online (not scanned)" : "at the desk");
        dossierview_line("Received:", buf);
        dossierview_line("Resolved:", PQgetvalue(d, 0, D_RESOLVED));
        dossierview_line("Maintenance:", PQgetvalue(d, 0, D_MAINT));
        dossierview_line("Rights:", PQgetvalue(d, 0, D_RIGHTS));
        dossierview_line("Language:", PQgetvalue(d, 0, D_LANG));
        snprintf(buf, sizeof(buf), "%s .. %s", *PQgetvalue(d, 0, D_START) ? PQgetvalue(d, 0, D_START) : "?",
                 *PQgetvalue(d, 0, D_END) ? PQgetvalue(d, 0, D_END) : "?");
        dossierview_line("Dates:", *PQgetvalue(d, 0, D_START) || *PQgetvalue(d, 0, D_END) ? buf : "");
        dossierview_line("Description:", PQgetvalue(d, 0, D_DESC));
        printf("Components (%d):\n", PQntuples(comps));
        if (PQntuples(comps) > 0)
                printf("  %3s %-8s %-13s %5s %-24s %-6s %s\n", "#", "kind", "state", "pages",
                       "digitization code", "store", "type, number/notation, source");
        for (int i = 0; i < PQntuples(comps); i++) {
                const char *from = PQgetvalue(comps, i, K_FROM), *batches = PQgetvalue(comps, i, K_BATCHES);

                printf("  %3s %-8s %-13s %5s %-24s %-6s %s%s%s%s%s%s%s\n", PQgetvalue(comps, i, K_ORD),
                       PQgetvalue(comps, i, K_KIND), PQgetvalue(comps, i, K_STATE),
                       PQgetvalue(comps, i, K_PAGES),
                       *PQgetvalue(comps, i, K_CODE) ? PQgetvalue(comps, i, K_CODE) : "-",
                       *PQgetvalue(comps, i, K_STORE) ? PQgetvalue(comps, i, K_STORE) : "-",
                       PQgetvalue(comps, i, K_TYPE), *PQgetvalue(comps, i, K_NUMBER) ? " " : "",
                       PQgetvalue(comps, i, K_NUMBER), *PQgetvalue(comps, i, K_NOTATION) ? "/" : "",
                       PQgetvalue(comps, i, K_NOTATION),
                       *from      ? ", reused from "
                       : *batches ? ", batch "
                                  : "",
                       *from ? from : batches);
        }
}

static int dossierview_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl dossier show CODE [--json] [--db CONNINFO]\n"
                "       sohoactl dossier list [--agency CODE] [--month YYYY-MM] [--owner ID] [--limit N]\n"
                "                             [--json]\n"
                "`sohoactl dossier --help` tells more.\n");
        return status;
}

int dossierview_show(int argc, char **argv)
{
        static const struct option opts[] = {
                { "json", no_argument, NULL, 'j' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *params[1];
        PGresult *d = NULL, *comps = NULL;
        PGconn *conn = NULL;
        bool json = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        return dossierview_usage(stdout, EXIT_SUCCESS);
                default:
                        return dossierview_usage(stderr, EXIT_FAILURE);
                }
        if (optind + 1 != argc)
                return dossierview_usage(stderr, EXIT_FAILURE);
        params[0] = argv[optind];
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, dossierview_sql_dossier, 1, params, &d);
        if (r < 0) {
                dbexec_fail("dossier show", d);
                goto out;
        }
        if (PQntuples(d) != 1) {
                fprintf(stderr, "sohoactl dossier show: no dossier %s\n", params[0]);
                r = -ENOENT;
                goto out;
        }
        r = dbexec(conn, dossierview_sql_components, 1, params, &comps);
        if (r < 0) {
                dbexec_fail("dossier show", comps);
                goto out;
        }
        if (json)
                dossierview_show_json(d, comps);
        else
                dossierview_show_text(d, comps);
out:
        PQclear(d);
        PQclear(comps);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void dossierview_list_print(const PGresult *res, bool json)
{
        Json j;

        if (json) {
                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "dossiers");
                json_begin_array(&j);
                for (int i = 0; i < PQntuples(res); i++)
                        dossierview_json_row(&j, res, i, dossierview_list_keys,
                                             (int) ELEMENTSOF(dossierview_list_keys));
                json_end_array(&j);
                json_end_object(&j);
                json_finish(&j);
                return;
        }
        printf("%-25s %-16s %-6s %-10s %-14s %-10s %-7s %s\n", "dossier", "received", "how", "resolved",
               "applicant", "available", "results", "title");
        for (int i = 0; i < PQntuples(res); i++) {
                char avail[32];

                snprintf(avail, sizeof(avail), "%s/%s", PQgetvalue(res, i, 6), PQgetvalue(res, i, 5));
                printf("%-25s %-16s %-6s %-10s %-14s %-10s %-7s %s\n", PQgetvalue(res, i, 0),
                       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                       *PQgetvalue(res, i, 3) ? PQgetvalue(res, i, 3) : "-", PQgetvalue(res, i, 4), avail,
                       PQgetvalue(res, i, 7), PQgetvalue(res, i, 8));
        }
        printf("%d dossier%s\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
}

int dossierview_list(int argc, char **argv)
{
        static const struct option opts[] = {
                { "agency", required_argument, NULL, 'a' }, { "month", required_argument, NULL, 'm' },
                { "owner", required_argument, NULL, 'o' },  { "limit", required_argument, NULL, 'l' },
                { "json", no_argument, NULL, 'j' },         { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },         {},
        };
        const char *conninfo = NULL, *params[4] = { NULL, NULL, NULL, DOSSIERVIEW_LIMIT_DEFAULT };
        char month[MONTH_DATE_MAX];
        PGresult *res = NULL;
        PGconn *conn = NULL;
        bool json = false;
        Ident owner;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'a':
                        params[0] = optarg;
                        break;
                case 'm':
                        if (month_parse(optarg, month) < 0) {
                                fprintf(stderr, "sohoactl dossier list: --month %s: say YYYY-MM\n", optarg);
                                return EXIT_FAILURE;
                        }
                        params[1] = month;
                        break;
                case 'o':
                        if (owner_check("dossier list", optarg, NULL, &owner) < 0)
                                return EXIT_FAILURE;
                        params[2] = optarg;
                        break;
                case 'l':
                        if (strspn(optarg, "0123456789") != strlen(optarg) || !*optarg ||
                            strlen(optarg) > 9) {
                                fprintf(stderr, "sohoactl dossier list: --limit %s: not a number\n", optarg);
                                return EXIT_FAILURE;
                        }
                        params[3] = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        return dossierview_usage(stdout, EXIT_SUCCESS);
                default:
                        return dossierview_usage(stderr, EXIT_FAILURE);
                }
        if (optind != argc)
                return dossierview_usage(stderr, EXIT_FAILURE);
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, dossierview_sql_list, 4, params, &res);
        if (r < 0)
                dbexec_fail("dossier list", res);
        else
                dossierview_list_print(res, json);
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
