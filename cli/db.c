/* sohoactl db migrate: applies the numbered migrations of the SQL directory
 * (sql/NNN-name.sql) that the database has not recorded yet, each in its own
 * transaction together with its row in schema_migrations, in order. An
 * advisory lock makes two migrators take turns. Running it again is a no-op. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dbconn.h"

/* Any constant: the key of the advisory lock migrators share. */
#define DB_MIGRATE_LOCK "7364686f61"

static const char db_sql_create_table[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";
static const char db_sql_lock[] = "SELECT pg_advisory_xact_lock(x'" DB_MIGRATE_LOCK "'::bigint)";
static const char db_sql_applied[] = "SELECT 1 FROM schema_migrations WHERE version = $1::integer";
static const char db_sql_record[] = "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)";

/* Where the migrations are: $SOHOA_SQL_DIR; else the source tree's sql/ for
 * a sohoactl run from its build directory; else the installed copy. */
static const char *db_sql_dir(void)
{
        static char exe[PATH_MAX];
        const char *e = getenv("SOHOA_SQL_DIR");
        size_t n = strlen(SOHOA_BUILD_ROOT);
        ssize_t len;

        if (e && *e)
                return e;
        len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len > 0) {
                exe[len] = '\0';
                if (strncmp(exe, SOHOA_BUILD_ROOT, n) == 0 && exe[n] == '/')
                        return SOHOA_SQL_SOURCE_DIR;
        }
        return SOHOA_SQL_INSTALL_DIR;
}

static int db_is_migration(const struct dirent *d)
{
        size_t n = strlen(d->d_name);

        return n > 8 && d->d_name[0] >= '0' && d->d_name[0] <= '9' && d->d_name[1] >= '0' &&
               d->d_name[1] <= '9' && d->d_name[2] >= '0' && d->d_name[2] <= '9' && d->d_name[3] == '-' &&
               strcmp(d->d_name + n - 4, ".sql") == 0;
}

static int db_read_file(const char *dir, const char *name, char **ret)
{
        char path[PATH_MAX];
        FILE *f;
        char *buf = NULL;
        size_t len = 0;
        int r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        if (getdelim(&buf, &len, '\0', f) < 0 && !feof(f))
                r = -EIO;
        fclose(f);
        if (r < 0 || !buf) {
                free(buf);
                return r < 0 ? r : -ENODATA;
        }
        *ret = buf;
        return 0;
}

/* Runs sql (a constant or a migration file) and checks its status. */
static int db_exec(PGconn *c, const char *what, const char *sql, int nparams, const char *const *params,
                   ExecStatusType want, int *ret_rows)
{
        PGresult *res;
        int r = 0;

        res = nparams > 0 ? PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
        /* A migration file may end with a SELECT: tuples are fine there too. */
        if (PQresultStatus(res) != want &&
            !(want == PGRES_COMMAND_OK && PQresultStatus(res) == PGRES_TUPLES_OK)) {
                fprintf(stderr, "sohoactl db migrate: %s: %s", what, PQresultErrorMessage(res));
                r = -EIO;
        } else if (ret_rows)
                *ret_rows = PQntuples(res);
        PQclear(res);
        return r;
}

/* One migration in one transaction; *ret_applied false when it was there. */
static int db_apply(PGconn *c, const char *dir, const char *name, bool *ret_applied)
{
        char version[4] = { name[0], name[1], name[2], '\0' };
        const char *params[2] = { version, name };
        char *sql = NULL;
        int rows = 0, r;

        r = db_read_file(dir, name, &sql);
        if (r < 0) {
                fprintf(stderr, "sohoactl db migrate: %s/%s: %s\n", dir, name, strerror(-r));
                return r;
        }
        r = db_exec(c, "BEGIN", "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL);
        if (r >= 0)
                r = db_exec(c, "lock", db_sql_lock, 0, NULL, PGRES_TUPLES_OK, NULL);
        if (r >= 0)
                r = db_exec(c, "schema_migrations", db_sql_applied, 1, params, PGRES_TUPLES_OK, &rows);
        if (r >= 0 && rows == 0) {
                r = db_exec(c, name, sql, 0, NULL, PGRES_COMMAND_OK, NULL);
                if (r >= 0)
                        r = db_exec(c, "schema_migrations", db_sql_record, 2, params, PGRES_COMMAND_OK,
                                    NULL);
        }
        if (r >= 0)
                r = db_exec(c, "COMMIT", "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL);
        else
                (void) db_exec(c, "ROLLBACK", "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL);
        free(sql);
        if (r >= 0)
                *ret_applied = rows == 0;
        return r;
}

static int db_migrate(const char *conninfo, const char *dir)
{
        struct dirent **names = NULL;
        PGconn *c = NULL;
        int n, r, applied = 0;

        n = scandir(dir, &names, db_is_migration, alphasort);
        if (n < 0) {
                fprintf(stderr, "sohoactl db migrate: %s: %m\n", dir);
                return EXIT_FAILURE;
        }
        r = dbconn_open(conninfo, &c);
        if (r >= 0)
                r = db_exec(c, "schema_migrations", db_sql_create_table, 0, NULL, PGRES_COMMAND_OK, NULL);
        for (int i = 0; r >= 0 && i < n; i++) {
                bool done = false;

                if (i > 0 && strncmp(names[i]->d_name, names[i - 1]->d_name, 3) == 0) {
                        fprintf(stderr, "sohoactl db migrate: %s and %s share a version\n",
                                names[i - 1]->d_name, names[i]->d_name);
                        r = -EINVAL;
                        break;
                }
                r = db_apply(c, dir, names[i]->d_name, &done);
                if (r >= 0 && done) {
                        printf("applied %s\n", names[i]->d_name);
                        applied++;
                }
        }
        if (r >= 0 && applied == 0)
                printf("up to date: %d migration%s in %s already applied\n", n, n == 1 ? "" : "s", dir);
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        PQfinish(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void db_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl db migrate [--db CONNINFO] [--sql-dir DIR]\n"
                "Apply the database migrations not applied yet, each in its own transaction.\n\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n"
                "  --sql-dir DIR   migrations directory (default $SOHOA_SQL_DIR, else %s)\n"
                "  -h, --help      show this help\n",
                DBCONN_DEFAULT, db_sql_dir());
}

int db_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "sql-dir", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *dir = NULL;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        conninfo = optarg;
                        break;
                case 's':
                        dir = optarg;
                        break;
                case 'h':
                        db_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        db_usage(stderr);
                        return EXIT_FAILURE;
                }
        if (optind + 1 != argc || strcmp(argv[optind], "migrate") != 0) {
                db_usage(stderr);
                return EXIT_FAILURE;
        }
        return db_migrate(conninfo, dir ? dir : db_sql_dir());
}
