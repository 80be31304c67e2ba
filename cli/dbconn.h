/* sohoactl's PostgreSQL connection: the conninfo comes from --db, else
 * $SOHOA_DB, else "dbname=sohoa"; server notices (IF NOT EXISTS ... skipping)
 * are not shown. Shared by `db` and `search`. */
#pragma once

#include <libpq-fe.h>

#include "macro.h"

#define DBCONN_DEFAULT "dbname=sohoa"

/* $SOHOA_DB or DBCONN_DEFAULT; a static or environment string. */
const char *dbconn_default(void);

/* Connects to conninfo (NULL: dbconn_default()). 0, or -ECONNREFUSED after
 * printing libpq's reason to stderr. The caller owns *ret (PQfinish()). */
MUST_CHECK int dbconn_open(const char *conninfo, PGconn **ret);
