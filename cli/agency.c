/* sohoactl agency: the agencies dossiers are received by, keyed by their
 * 13-character organ code NNN.NN.NN.XNN (the first part of every dossier
 * code). `add` makes one or renames it; `list` shows them. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "dossier.h"

static const char agency_sql_add[] = "INSERT INTO agency (agency_code, name) VALUES ($1, $2)"
                                     " ON CONFLICT (agency_code) DO UPDATE SET name = EXCLUDED.name";
static const char agency_sql_list[] =
        "SELECT a.agency_code, a.name,"
        " (SELECT count(*) FROM dossier d WHERE d.agency_code = a.agency_code)::text"
        " FROM agency a ORDER BY a.agency_code";

/* An organ code is a dossier code's first 13 characters: checked as one. */
static bool agency_code_valid(const char *code)
{
        char probe[DOSSIER_CODE_MAX];

        return strlen(code) == 13 &&
               snprintf(probe, sizeof(probe), "%s-000101-0001", code) == DOSSIER_CODE_LEN &&
               dossier_valid(probe);
}

static int agency_usage(FILE *f, int status)
{
        fprintf(f, "Usage: sohoactl agency add CODE NAME [--db CONNINFO]\n"
                   "       sohoactl agency list [--db CONNINFO]\n"
                   "The agencies receiving dossiers; CODE is the organ code NNN.NN.NN.XNN\n"
                   "(e.g. 000.00.53.H48).\n"
                   "`add` on an existing code renames it.\n");
        return status;
}

int agency_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL;
        PGresult *res = NULL;
        PGconn *conn = NULL;
        bool add;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        return agency_usage(stdout, EXIT_SUCCESS);
                default:
                        return agency_usage(stderr, EXIT_FAILURE);
                }
        if (optind >= argc)
                return agency_usage(stderr, EXIT_FAILURE);
        add = strcmp(argv[optind], "add") == 0;
        if (!(add && optind + 3 == argc) && !(strcmp(argv[optind], "list") == 0 && optind + 1 == argc))
                return agency_usage(stderr, EXIT_FAILURE);
        if (add && !agency_code_valid(argv[optind + 1])) {
                fprintf(stderr,
                        "sohoactl agency add: %s is no organ code: say NNN.NN.NN.XNN (e.g. 000.00.53.H48)\n",
                        argv[optind + 1]);
                return EXIT_FAILURE;
        }
        if (add && !*argv[optind + 2]) {
                fprintf(stderr, "sohoactl agency add: the agency needs a name\n");
                return EXIT_FAILURE;
        }
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, add ? agency_sql_add : agency_sql_list, add ? 2 : 0,
                   add ? (const char *const *) argv + optind + 1 : NULL, &res);
        if (r < 0)
                dbexec_fail(add ? "agency add" : "agency list", res);
        else if (add)
                printf("agency %s: %s\n", argv[optind + 1], argv[optind + 2]);
        else
                for (int i = 0; i < PQntuples(res); i++)
                        printf("%s  %6s dossiers  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
                               PQgetvalue(res, i, 1));
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
