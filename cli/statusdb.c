/* The store's part of `sohoactl status`: counted from rows, so it holds
 * across broker restarts. "Today" is the session's time zone's day. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbconn.h"
#include "statusdb.h"

static const char statusdb_totals_sql[] =
        "SELECT count(*) FILTER (WHERE status = 'failed'),"
        " count(*) FILTER (WHERE status = 'failed' AND failure_reason LIKE 'quarantined%'),"
        " count(*) FILTER (WHERE stored_at >= current_date)"
        " FROM page";

static const char statusdb_today_sql[] =
        "SELECT coalesce(origin_id, ''), count(*) FILTER (WHERE status = 'stored'),"
        " count(*) FILTER (WHERE status = 'failed')"
        " FROM page WHERE stored_at >= current_date GROUP BY 1 ORDER BY 1";

static uint64_t statusdb_u64(const PGresult *res, int row, int col)
{
        return strtoull(PQgetvalue(res, row, col), NULL, 10);
}

static void statusdb_error(Json *j, const char *why)
{
        if (j) {
                json_begin_object(j);
                json_field_string(j, "error", why);
                json_end_object(j);
        } else
                printf("\nSTORE     unreachable: %s\n", why);
}

static void statusdb_figures(const PGresult *tot, const PGresult *today, Json *j)
{
        if (!j) {
                printf("\nSTORE     failed %" PRIu64 " (quarantined %" PRIu64 ")   pages today %" PRIu64
                       "\n",
                       statusdb_u64(tot, 0, 0), statusdb_u64(tot, 0, 1), statusdb_u64(tot, 0, 2));
                for (int i = 0; i < PQntuples(today); i++)
                        printf("  %-20s today %8" PRIu64 " stored %6" PRIu64 " failed\n",
                               PQgetvalue(today, i, 0), statusdb_u64(today, i, 1),
                               statusdb_u64(today, i, 2));
                return;
        }
        json_begin_object(j);
        json_field_uint(j, "failed", statusdb_u64(tot, 0, 0));
        json_field_uint(j, "quarantined", statusdb_u64(tot, 0, 1));
        json_field_uint(j, "pages_today", statusdb_u64(tot, 0, 2));
        json_key(j, "origins_today");
        json_begin_array(j);
        for (int i = 0; i < PQntuples(today); i++) {
                json_begin_object(j);
                json_field_string(j, "origin_id", PQgetvalue(today, i, 0));
                json_field_uint(j, "stored", statusdb_u64(today, i, 1));
                json_field_uint(j, "failed", statusdb_u64(today, i, 2));
                json_end_object(j);
        }
        json_end_array(j);
        json_end_object(j);
}

void statusdb_print(const char *conninfo, Json *j)
{
        PGconn *c = PQconnectdb(conninfo);
        PGresult *tot = NULL, *today = NULL;
        char why[256];

        if (!c || PQstatus(c) != CONNECTION_OK) {
                snprintf(why, sizeof(why), "%s", c ? PQerrorMessage(c) : "out of memory");
                why[strcspn(why, "\n")] = '\0';
                statusdb_error(j, why);
                goto out;
        }
        tot = PQexec(c, statusdb_totals_sql);
        today = PQexec(c, statusdb_today_sql);
        if (PQresultStatus(tot) != PGRES_TUPLES_OK || PQresultStatus(today) != PGRES_TUPLES_OK) {
                snprintf(why, sizeof(why), "%s", PQerrorMessage(c));
                why[strcspn(why, "\n")] = '\0';
                statusdb_error(j, why);
                goto out;
        }
        statusdb_figures(tot, today, j);
out:
        PQclear(tot);
        PQclear(today);
        PQfinish(c);
}
