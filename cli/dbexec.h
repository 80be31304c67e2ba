/* Statements of the dossier commands (dossier, component, result, store,
 * report, agency): one call runs a constant SQL string with text
 * parameters and says whether it worked; the caller, which knows what a
 * refusal means (a constraint's name), words the error. */
#pragma once

#include <libpq-fe.h>

#include "macro.h"

/* Connects (dbconn_open()) and sets the session's time zone to Vietnam's,
 * so that a time typed without an offset is Vietnam time and times print
 * as the desk reads them. 0 or negative errno (printed). */
MUST_CHECK int dbexec_connect(const char *conninfo, PGconn **ret);

/* Runs sql with params[0..n) (NULL entries are SQL NULL). 0 when it
 * returned rows or completed, else -EIO; either way *ret is the result and
 * the caller PQclear()s it. */
MUST_CHECK int dbexec(PGconn *c, const char *sql, int n, const char *const *params, PGresult **ret);

/* Runs a statement that returns nothing the caller needs: 0, or -EIO
 * after dbexec_fail(who). */
MUST_CHECK int dbexec_command(PGconn *c, const char *who, const char *sql, int n, const char *const *params);

/* The constraint a failed statement violated, or "" (never NULL). */
const char *dbexec_constraint(const PGresult *res);
/* The SQLSTATE of a failed statement, or "". */
const char *dbexec_sqlstate(const PGresult *res);

/* Prints "sohoactl WHO: <the server's message>" and returns -EIO. */
int dbexec_fail(const char *who, const PGresult *res);

/* BEGIN, COMMIT, ROLLBACK: 0 or -EIO (printed, with who). */
MUST_CHECK int dbexec_begin(PGconn *c, const char *who);
MUST_CHECK int dbexec_commit(PGconn *c, const char *who);
void dbexec_rollback(PGconn *c);
