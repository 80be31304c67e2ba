/* A batch's verdict read back from batch_verdict (see store.h): after the
 * transaction that computed it (the answer to the page's sender carries
 * it) and, for a page stored earlier, as it stands. A rescan's pages are
 * judged with the batch they amend (sql/006). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

const StoreStatement store_verdict_statements[] = {
        { "verdict_read",
          "SELECT v.batch_uuid, v.revision, v.ok, coalesce(v.reason_vi, ''), coalesce(v.reason_en, ''),"
          " coalesce(v.images, v.pages_present), v.sheets_present, coalesce(v.declared_sheets, 0), "
          "v.single_sided,"
          " array_to_string(v.problems, ','), array_to_string(v.rescan_sheets[1:64], ',')"
          " FROM batch_verdict v WHERE v.batch_uuid = sohoa_batch_root($1::uuid)" },
};
const size_t store_verdict_statements_n = ELEMENTSOF(store_verdict_statements);

static uint32_t store_verdict_count(const char *s)
{
        long v = strtol(s, NULL, 10);

        return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : (uint32_t) v;
}

/* Row 0 of verdict_read into *ret. */
static int store_verdict_row(const PGresult *res, Verdict *ret)
{
        Verdict v = {};
        Uuid u;
        char *end;
        const char *p;

        if (uuid_parse(PQgetvalue(res, 0, 0), &u) < 0)
                return -EBADMSG;
        memcpy(v.batch_uuid, u.b, sizeof(v.batch_uuid));
        v.revision = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
        if (v.revision == 0)
                v.revision = 1;
        v.ok = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
        verdict_copy_text(v.reason_vi, sizeof(v.reason_vi), PQgetvalue(res, 0, 3));
        verdict_copy_text(v.reason_en, sizeof(v.reason_en), PQgetvalue(res, 0, 4));
        v.images = store_verdict_count(PQgetvalue(res, 0, 5));
        v.sheets = store_verdict_count(PQgetvalue(res, 0, 6));
        v.declared_sheets = store_verdict_count(PQgetvalue(res, 0, 7));
        v.single_sided = strcmp(PQgetvalue(res, 0, 8), "t") == 0;
        /* A list of words cut to its bound could end in half a word: such a
         * list is not cut but left out, the texts say it all anyway. */
        if (strlen(PQgetvalue(res, 0, 9)) <= VERDICT_PROBLEMS_MAX)
                verdict_copy_text(v.problems, sizeof(v.problems), PQgetvalue(res, 0, 9));
        for (p = PQgetvalue(res, 0, 10); *p && v.n_rescan_sheets < VERDICT_SHEETS_MAX;
             p = *end ? end + 1 : end) {
                unsigned long n = strtoul(p, &end, 10);

                if (end == p)
                        break;
                v.rescan_sheets[v.n_rescan_sheets++] = (uint32_t) MIN(n, (unsigned long) UINT32_MAX);
        }
        *ret = v;
        return 0;
}

int store_verdict_read(Store *s, const Uuid *batch, Verdict *ret)
{
        StoreParams q = { .n = 0 };
        PGresult *res = NULL;
        bool found;
        int r;

        store_params_uuid(&q, batch);
        r = store_exec(s, "verdict_read", &q, PGRES_TUPLES_OK, &res);
        if (r < 0)
                return r;
        found = PQntuples(res) == 1;
        r = found ? store_verdict_row(res, ret) : 0;
        PQclear(res);
        return r < 0 ? r : found;
}

int store_verdict_keep(Store *s, const Uuid *batch)
{
        bool *has;
        Verdict *slot = store_verdict_slot(s, &has);
        int r;

        r = store_verdict_read(s, batch, slot);
        if (r < 0)
                return r;
        *has = r > 0;
        return 0;
}

int store_verdict(Store *s, const Uuid *batch, Verdict *ret)
{
        bool *has;
        int r;

        (void) store_verdict_slot(s, &has);
        *has = false;
        r = store_ready(s);
        if (r < 0)
                return r;
        return store_verdict_read(s, batch, ret);
}
