/* sohoactl's PostgreSQL connection (see dbconn.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dbconn.h"

const char *dbconn_default(void)
{
        const char *e = getenv("SOHOA_DB");

        return e && *e ? e : DBCONN_DEFAULT;
}

static void dbconn_ignore_notice(void *arg, const char *message)
{
}

int dbconn_open(const char *conninfo, PGconn **ret)
{
        const char *keys[] = { "application_name", "dbname", NULL };
        const char *vals[] = { "sohoactl", conninfo ? conninfo : dbconn_default(), NULL };
        PGconn *c;

        c = PQconnectdbParams(keys, vals, 1);
        if (!c)
                return -ENOMEM;
        if (PQstatus(c) != CONNECTION_OK) {
                fprintf(stderr, "sohoactl: cannot connect to the database (%s): %s", vals[1],
                        PQerrorMessage(c));
                PQfinish(c);
                return -ECONNREFUSED;
        }
        PQsetNoticeProcessor(c, dbconn_ignore_notice, NULL);
        *ret = c;
        return 0;
}
