/* sohoactl dossier: the desk's dossiers (hồ sơ TTHC). `add` files one under
 * its applicant and gives it the agency's next code of the day,
 * <OrganId>-<yymmdd>-<NNNN> (sql/005: a counter row locked by the insert,
 * so no number is given twice or skipped); `resolve` records the day it was
 * settled; `show` and `list` read it back with its components' states
 * (dossierview.c). Metadata is Decree 30/2020 Appendix VI's. Times typed
 * without an offset are Vietnam time. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "dossierview.h"
#include "owner.h"

static const char dossier_sql_agency[] = "SELECT name FROM agency WHERE agency_code = $1";

/* $1 agency, $2 received or NULL (now), $3 title, $4 online, $5 maintenance,
 * $6 rights, $7 language or NULL, $8 start date, $9 end date, $10 owner,
 * $11 description. The code is allocated in this statement. */
static const char dossier_sql_add[] =
        "INSERT INTO dossier (dossier_code, agency_code, title, received_at, received_online, maintenance,"
        " rights, language, start_date, end_date, owner_id, description)"
        " VALUES (sohoa_dossier_code($1, coalesce($2::timestamptz, now())), $1, $3,"
        " coalesce($2::timestamptz, now()), $4::boolean, $5, $6, coalesce($7, 'vi'), $8::date, $9::date,"
        " $10, $11) RETURNING dossier_code";

/* $1 code, $2 time or NULL (now). */
static const char dossier_sql_resolve[] = "UPDATE dossier SET resolved_at = coalesce($2::timestamptz, now())"
                                          " WHERE dossier_code = $1 AND resolved_at IS NULL"
                                          " RETURNING to_char(resolved_at, 'YYYY-MM-DD HH24:MI')";
static const char dossier_sql_resolved[] =
        "SELECT to_char(resolved_at, 'YYYY-MM-DD HH24:MI') FROM dossier WHERE dossier_code = $1";

typedef struct DossierAdd {
        const char *conninfo;
        const char *agency;
        const char *title;
        const char *applicant;
        const char *id_kind;
        const char *applicant_name;
        const char *received;
        bool online;
        const char *maintenance;
        const char *rights;
        const char *language;
        const char *start_date;
        const char *end_date;
        const char *description;
} DossierAdd;

/* The refusals sql/005's constraints stand for, in the desk's words. */
static int dossier_add_failed(const DossierAdd *a, const PGresult *res)
{
        const char *con = dbexec_constraint(res);

        if (strcmp(con, "dossier_counter_last_check") == 0)
                fprintf(stderr,
                        "sohoactl dossier add: agency %s has given out all 9999 numbers of that day\n",
                        a->agency);
        else if (strcmp(con, "dossier_dates_order") == 0)
                fprintf(stderr, "sohoactl dossier add: the end date %s is before the start date %s\n",
                        a->end_date, a->start_date);
        else
                return dbexec_fail("dossier add", res);
        return -EINVAL;
}

static int dossier_add_run(const DossierAdd *a)
{
        const char *params[11] = {
                a->agency,      a->received, a->title,       a->online ? "true" : "false",
                a->maintenance, a->rights,   a->language,    a->start_date,
                a->end_date,    NULL,        a->description,
        };
        PGresult *res = NULL;
        PGconn *c = NULL;
        Ident id;
        int r;

        r = owner_check("dossier add", a->applicant, a->id_kind, &id);
        if (r < 0)
                return r;
        params[9] = id.text;
        r = dbexec_connect(a->conninfo, &c);
        if (r < 0)
                return r;
        r = dbexec(c, dossier_sql_agency, 1, params, &res);
        if (r < 0) {
                r = dbexec_fail("dossier add", res);
                goto out;
        }
        if (PQntuples(res) == 0) {
                fprintf(stderr,
                        "sohoactl dossier add: no agency %s (add it with `sohoactl agency add %s NAME`)\n",
                        a->agency, a->agency);
                r = -ENOENT;
                goto out;
        }
        PQclear(res);
        res = NULL;
        r = dbexec_begin(c, "dossier add");
        if (r < 0)
                goto out;
        r = owner_file(c, "dossier add", &id, a->applicant_name);
        if (r >= 0) {
                r = dbexec(c, dossier_sql_add, 11, params, &res);
                if (r < 0)
                        r = dossier_add_failed(a, res);
        }
        if (r >= 0)
                r = dbexec_commit(c, "dossier add");
        else
                dbexec_rollback(c);
        if (r >= 0)
                printf("%s\n", PQgetvalue(res, 0, 0));
out:
        PQclear(res);
        PQfinish(c);
        return r;
}

static void dossier_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl dossier add --agency CODE --title TITLE --applicant ID [OPTIONS]\n"
                "       sohoactl dossier resolve CODE [--at TIME]\n"
                "       sohoactl dossier show CODE [--json]\n"
                "       sohoactl dossier list [--agency CODE] [--month YYYY-MM] [--owner ID] [--limit N]\n"
                "                             [--json]\n"
                "The desk's dossiers. `add` prints the new code, <OrganId>-<yymmdd>-<NNNN>: the agency's\n"
                "next number of the day it was received (Vietnam time), never repeated or skipped.\n\n"
                "add:\n"
                "  --agency CODE          the receiving agency (NNN.NN.NN.XNN, see `sohoactl agency`)\n"
                "  --title TITLE          the dossier's title (Appendix VI Title)\n"
                "  --applicant ID         the applicant's CCCD (12 digits), CMND (9) or MST (10, 10-NNN)\n"
                "  --id-kind KIND         cccd, cmnd or mst (default: by its shape; say cmnd for 12 "
                "digits)\n"
                "  --applicant-name NAME  the applicant's name\n"
                "  --online               received online: not scanned, left out of the scanning figures\n"
                "  --received TIME        when received (default now)\n"
                "  --maintenance TEXT     retention (Appendix VI Maintenance), e.g. \"10 năm\"\n"
                "  --rights TEXT          access (Appendix VI Rights), e.g. \"Công khai\"\n"
                "  --language LANG        Appendix VI Language (default vi)\n"
                "  --start-date DATE, --end-date DATE   Appendix VI StartDate, EndDate\n"
                "  --description TEXT     Appendix VI Description\n\n"
                "Common: --db CONNINFO (default $SOHOA_DB, else \"" DBCONN_DEFAULT "\"); times without an\n"
                "offset are Vietnam time. docs/DOSSIERS.md tells more.\n");
}

static int dossier_add(int argc, char **argv)
{
        enum {
                O_AGENCY = 256,
                O_TITLE,
                O_APPLICANT,
                O_KIND,
                O_NAME,
                O_ONLINE,
                O_RECEIVED,
                O_MAINT,
                O_RIGHTS,
                O_LANG,
                O_START,
                O_END,
                O_DESC,
                O_DB
        };
        static const struct option opts[] = {
                { "agency", required_argument, NULL, O_AGENCY },
                { "title", required_argument, NULL, O_TITLE },
                { "applicant", required_argument, NULL, O_APPLICANT },
                { "id-kind", required_argument, NULL, O_KIND },
                { "applicant-name", required_argument, NULL, O_NAME },
                { "online", no_argument, NULL, O_ONLINE },
                { "received", required_argument, NULL, O_RECEIVED },
                { "maintenance", required_argument, NULL, O_MAINT },
                { "rights", required_argument, NULL, O_RIGHTS },
                { "language", required_argument, NULL, O_LANG },
                { "start-date", required_argument, NULL, O_START },
                { "end-date", required_argument, NULL, O_END },
                { "description", required_argument, NULL, O_DESC },
                { "db", required_argument, NULL, O_DB },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        DossierAdd a = {};
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case O_AGENCY:
                        a.agency = optarg;
                        break;
                case O_TITLE:
                        a.title = optarg;
                        break;
                case O_APPLICANT:
                        a.applicant = optarg;
                        break;
                case O_KIND:
                        a.id_kind = optarg;
                        break;
                case O_NAME:
                        a.applicant_name = optarg;
                        break;
                case O_ONLINE:
                        a.online = true;
                        break;
                case O_RECEIVED:
                        a.received = optarg;
                        break;
                case O_MAINT:
                        a.maintenance = optarg;
                        break;
                case O_RIGHTS:
                        a.rights = optarg;
                        break;
                case O_LANG:
                        a.language = optarg;
                        break;
                case O_START:
                        a.start_date = optarg;
                        break;
                case O_END:
                        a.end_date = optarg;
                        break;
                case O_DESC:
                        a.description = optarg;
                        break;
                case O_DB:
                        a.conninfo = optarg;
                        break;
                case 'h':
                        dossier_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        dossier_usage(stderr);
                        return EXIT_FAILURE;
                }
        if (optind != argc || !a.agency || !a.title || !a.applicant) {
                fprintf(stderr, "sohoactl dossier add: --agency, --title and --applicant are needed%s\n",
                        optind != argc ? ", and nothing else" : "");
                return EXIT_FAILURE;
        }
        return dossier_add_run(&a) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int dossier_resolve(int argc, char **argv)
{
        static const struct option opts[] = {
                { "at", required_argument, NULL, 'a' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *params[2] = {};
        PGresult *res = NULL;
        PGconn *conn = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'a':
                        params[1] = optarg;
                        break;
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        dossier_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        dossier_usage(stderr);
                        return EXIT_FAILURE;
                }
        if (optind + 1 != argc) {
                dossier_usage(stderr);
                return EXIT_FAILURE;
        }
        params[0] = argv[optind];
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, dossier_sql_resolve, 2, params, &res);
        if (r < 0 && strcmp(dbexec_constraint(res), "dossier_resolved_after_received") == 0)
                fprintf(stderr, "sohoactl dossier resolve: %s was received after %s\n", params[0],
                        params[1] ? params[1] : "now");
        else if (r < 0)
                dbexec_fail("dossier resolve", res);
        else if (PQntuples(res) == 1)
                printf("%s resolved at %s\n", params[0], PQgetvalue(res, 0, 0));
        else {
                PQclear(res);
                r = dbexec(conn, dossier_sql_resolved, 1, params, &res);
                if (r >= 0 && PQntuples(res) == 1)
                        fprintf(stderr, "sohoactl dossier resolve: %s was already resolved at %s\n",
                                params[0], PQgetvalue(res, 0, 0));
                else if (r >= 0)
                        fprintf(stderr, "sohoactl dossier resolve: no dossier %s\n", params[0]);
                else
                        dbexec_fail("dossier resolve", res);
                r = -EINVAL;
        }
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int dossier_main(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "add") == 0)
                return dossier_add(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
                return dossier_resolve(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "show") == 0)
                return dossierview_show(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "list") == 0)
                return dossierview_list(argc - 1, argv + 1);
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                dossier_usage(stdout);
                return EXIT_SUCCESS;
        }
        dossier_usage(stderr);
        return EXIT_FAILURE;
}
