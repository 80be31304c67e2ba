/* Running the dossier commands' statements (see dbexec.h). */
#include <errno.h>
#include <stdio.h>

#include "dbconn.h"
#include "dbexec.h"

int dbexec_connect(const char *conninfo, PGconn **ret)
{
        PGresult *res = NULL;
        PGconn *c = NULL;
        int r;

        r = dbconn_open(conninfo, &c);
        if (r < 0)
                return r;
        r = dbexec(c, "SET TIME ZONE 'Asia/Ho_Chi_Minh'", 0, NULL, &res);
        if (r < 0) {
                dbexec_fail("set time zone", res);
                PQclear(res);
                PQfinish(c);
                return r;
        }
        PQclear(res);
        *ret = c;
        return 0;
}

int dbexec(PGconn *c, const char *sql, int n, const char *const *params, PGresult **ret)
{
        PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);

        *ret = res;
        return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? 0 : -EIO;
}

int dbexec_command(PGconn *c, const char *who, const char *sql, int n, const char *const *params)
{
        PGresult *res = NULL;
        int r = dbexec(c, sql, n, params, &res);

        if (r < 0)
                r = dbexec_fail(who, res);
        PQclear(res);
        return r;
}

static const char *dbexec_field(const PGresult *res, int field)
{
        const char *v = res ? PQresultErrorField(res, field) : NULL;

        return v ? v : "";
}

const char *dbexec_constraint(const PGresult *res)
{
        return dbexec_field(res, PG_DIAG_CONSTRAINT_NAME);
}

const char *dbexec_sqlstate(const PGresult *res)
{
        return dbexec_field(res, PG_DIAG_SQLSTATE);
}

int dbexec_fail(const char *who, const PGresult *res)
{
        const char *msg = dbexec_field(res, PG_DIAG_MESSAGE_PRIMARY);

        fprintf(stderr, "sohoactl %s: %s\n", who,
                *msg  ? msg
                : res ? PQresultErrorMessage(res)
                      : "out of memory");
        return -EIO;
}

int dbexec_begin(PGconn *c, const char *who)
{
        return dbexec_command(c, who, "BEGIN", 0, NULL);
}

int dbexec_commit(PGconn *c, const char *who)
{
        return dbexec_command(c, who, "COMMIT", 0, NULL);
}

void dbexec_rollback(PGconn *c)
{
        PQclear(PQexec(c, "ROLLBACK"));
}
