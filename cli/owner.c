/* Owners (see owner.h). */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "dbexec.h"
#include "owner.h"

/* $1 identifier, $2 kind, $3 name or NULL. No row back: filed as another kind. */
static const char owner_sql_file[] =
        "INSERT INTO owner AS o (owner_id, id_kind, name) VALUES ($1, $2, $3)"
        " ON CONFLICT (owner_id) DO UPDATE SET name = coalesce(EXCLUDED.name, o.name)"
        " WHERE o.id_kind = EXCLUDED.id_kind RETURNING owner_id";

int owner_this_year(void)
{
        time_t t = time(NULL) + 7 * 3600;
        struct tm tm;

        return gmtime_r(&t, &tm) ? tm.tm_year + 1900 : 1970;
}

int owner_check(const char *who, const char *text, const char *kind, Ident *ret)
{
        char why[IDENT_WHY_MAX];
        IdentKind k = _IDENT_KIND_INVALID;

        if (kind) {
                k = ident_kind_from_string(kind);
                if (k < 0) {
                        fprintf(stderr, "sohoactl %s: identifier kind %s: say cccd, cmnd or mst\n", who,
                                kind);
                        return -EINVAL;
                }
        }
        if (ident_parse(text, k, owner_this_year(), ret, why, sizeof(why)) < 0) {
                fprintf(stderr, "sohoactl %s: %s\n", who, why);
                return -EINVAL;
        }
        return 0;
}

int owner_file(PGconn *c, const char *who, const Ident *id, const char *name)
{
        const char *params[] = { id->text, ident_kind_to_string(id->kind), name };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, owner_sql_file, 3, params, &res);
        if (r < 0)
                r = dbexec_fail(who, res);
        else if (PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl %s: %s is already filed as another kind of identifier than %s\n",
                        who, id->text, params[1]);
                r = -EEXIST;
        }
        PQclear(res);
        return r;
}
