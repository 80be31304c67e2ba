/* Owners in the dossier commands: the applicant of a dossier, or whoever a
 * stored document is filed under. The identifier is checked with
 * lib/ident.c before anything is filed under it; the owner row is made or
 * its name updated in the caller's transaction. */
#pragma once

#include <libpq-fe.h>

#include "ident.h"
#include "macro.h"

/* This year in Vietnam (UTC+7): the bound of a CCCD's birth year. */
int owner_this_year(void);

/* Checks text as an identifier of kind ("cccd", "cmnd", "mst"; NULL: by
 * its shape). 0, or -EINVAL after printing "sohoactl WHO: <reason>". */
MUST_CHECK int owner_check(const char *who, const char *text, const char *kind, Ident *ret);

/* Makes the owner row of id (name may be NULL: kept), in c's transaction.
 * 0, or -EIO after printing why (also when the identifier is already
 * filed as another kind). */
MUST_CHECK int owner_file(PGconn *c, const char *who, const Ident *id, const char *name);
