/* sohoactl db: the schema. `migrate` applies the numbered migrations of the
 * SQL directory (sql/NNN-name.sql) that the database has not recorded yet,
 * each in its own transaction together with its row in schema_migrations,
 * in order; an advisory lock makes two migrators take turns; running it
 * again is a no-op. `status` lists them applied or pending. `roles` runs
 * sql/roles.sql (the least-privilege roles), which migrate runs again once
 * the roles exist, so that new tables get their grants. */
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
static const char db_sql_list[] = "SELECT version, name, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ') "
                                  "FROM schema_migrations ORDER BY version";
static const char db_sql_has_roles[] = "SELECT 1 FROM pg_roles WHERE rolname = 'sohoa_worker'";
static const char db_roles_file[] = "roles.sql";

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

/* db_read_file(), its error said. */
static int db_read_sql(const char *dir, const char *name, char **ret)
{
        int r = db_read_file(dir, name, ret);

        if (r < 0)
                fprintf(stderr, "sohoactl db: %s/%s: %s\n", dir, name, strerror(-r));
        return r;
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
                fprintf(stderr, "sohoactl db: %s: %s", what, PQresultErrorMessage(res));
                r = -EIO;
        } else if (ret_rows)
                *ret_rows = PQntuples(res);
        PQclear(res);
        return r;
}

/* COMMIT when r says the transaction went well, else ROLLBACK; returns r
 * or the COMMIT's error. */
static int db_end(PGconn *c, int r)
{
        if (r >= 0)
                return db_exec(c, "COMMIT", "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL);
        (void) db_exec(c, "ROLLBACK", "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL);
        return r;
}

/* One migration in one transaction; *ret_applied false when it was there. */
static int db_apply(PGconn *c, const char *dir, const char *name, bool *ret_applied)
{
        char version[4] = { name[0], name[1], name[2], '\0' };
        const char *params[2] = { version, name };
        char *sql = NULL;
        int rows = 0, r;

        r = db_read_sql(dir, name, &sql);
        if (r < 0)
                return r;
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
        r = db_end(c, r);
        free(sql);
        if (r >= 0)
                *ret_applied = rows == 0;
        return r;
}

/* sql/roles.sql in one transaction. */
static int db_apply_roles(PGconn *c, const char *dir)
{
        char *sql = NULL;
        int r;

        r = db_read_sql(dir, db_roles_file, &sql);
        if (r < 0)
                return r;
        r = db_exec(c, "BEGIN", "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL);
        if (r >= 0)
                r = db_exec(c, db_roles_file, sql, 0, NULL, PGRES_COMMAND_OK, NULL);
        r = db_end(c, r);
        free(sql);
        return r;
}

static int db_list(const char *dir, struct dirent ***ret)
{
        int n = scandir(dir, ret, db_is_migration, alphasort);

        if (n < 0)
                fprintf(stderr, "sohoactl db: %s: %m\n", dir);
        return n;
}

static int db_migrate(const char *conninfo, const char *dir)
{
        struct dirent **names = NULL;
        PGconn *c = NULL;
        int n, r, applied = 0, roles = 0;

        n = db_list(dir, &names);
        if (n < 0)
                return EXIT_FAILURE;
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
        /* New tables get the roles' grants once the roles exist. */
        if (r >= 0)
                r = db_exec(c, "pg_roles", db_sql_has_roles, 0, NULL, PGRES_TUPLES_OK, &roles);
        if (r >= 0 && roles > 0) {
                r = db_apply_roles(c, dir);
                if (r >= 0)
                        printf("grants of sohoa_worker and sohoa_search applied (%s)\n", db_roles_file);
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        PQfinish(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Every migration of dir, applied (when) or pending, then those the
 * database has that dir lacks. Exit 0 when none is pending, 1 when some
 * are, 2 when the database cannot say. */
static int db_status(const char *conninfo, const char *dir)
{
        struct dirent **names = NULL;
        PGconn *c = NULL;
        PGresult *res = NULL;
        int n, rows = 0, pending = 0, unknown = 0, r;

        n = db_list(dir, &names);
        if (n < 0)
                return 2;
        r = dbconn_open(conninfo, &c);
        if (r >= 0) {
                res = PQexec(c, db_sql_list);
                if (PQresultStatus(res) == PGRES_TUPLES_OK)
                        rows = PQntuples(res);
                else if (strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?: "", "42P01") != 0) {
                        fprintf(stderr, "sohoactl db status: %s", PQresultErrorMessage(res));
                        r = -EIO;
                }
        }
        for (int i = 0; r >= 0 && i < n; i++) {
                const char *applied = NULL;

                for (int j = 0; j < rows; j++)
                        if (atoi(PQgetvalue(res, j, 0)) == atoi(names[i]->d_name))
                                applied = PQgetvalue(res, j, 2);
                if (applied)
                        printf("%-10s %-32s %s\n", "applied", names[i]->d_name, applied);
                else
                        printf("%-10s %s\n", "pending", names[i]->d_name);
                pending += !applied;
        }
        for (int j = 0; r >= 0 && j < rows; j++) {
                bool known = false;

                for (int i = 0; i < n; i++)
                        known = known || atoi(PQgetvalue(res, j, 0)) == atoi(names[i]->d_name);
                if (!known) {
                        printf("%-10s %-32s %s (not in %s: a newer sohoactl applied it)\n", "unknown",
                               PQgetvalue(res, j, 1), PQgetvalue(res, j, 2), dir);
                        unknown++;
                }
        }
        if (r >= 0)
                printf("%d applied, %d pending%s%s\n", n - pending, pending,
                       unknown ? ", unknown ones applied" : "", pending ? ": run sohoactl db migrate" : "");
        PQclear(res);
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        PQfinish(c);
        return r < 0 ? 2 : pending ? 1 : EXIT_SUCCESS;
}

static int db_roles(const char *conninfo, const char *dir)
{
        PGconn *c = NULL;
        int r;

        r = dbconn_open(conninfo, &c);
        if (r >= 0)
                r = db_apply_roles(c, dir);
        if (r >= 0)
                printf("roles sohoa_worker and sohoa_search made and granted (%s/%s)\n", dir, db_roles_file);
        else
                fprintf(stderr,
                        "sohoactl db roles: needs a migrated database (sohoactl db migrate) and a role "
                        "that may create roles\n");
        PQfinish(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void db_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl db migrate|status|roles [--db CONNINFO] [--sql-dir DIR]\n"
                "  migrate  apply the database migrations not applied yet, each in its own transaction\n"
                "  status   list the migrations applied and pending (exit 1 when some are pending)\n"
                "  roles    make the least-privilege roles sohoa_worker and sohoa_search (roles.sql)\n\n"
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
        if (optind + 1 != argc) {
                db_usage(stderr);
                return EXIT_FAILURE;
        }
        if (strcmp(argv[optind], "migrate") == 0)
                return db_migrate(conninfo, dir ? dir : db_sql_dir());
        if (strcmp(argv[optind], "status") == 0)
                return db_status(conninfo, dir ? dir : db_sql_dir());
        if (strcmp(argv[optind], "roles") == 0)
                return db_roles(conninfo, dir ? dir : db_sql_dir());
        db_usage(stderr);
        return EXIT_FAILURE;
}
