/* Sheet codes (sheetcode.h): a code of another form, or with a dossier
 * code, document or count out of its range, is not one: the sheet is then
 * a document page, and its codes are kept all the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheetcode.h"

/* "4" into 1..max. */
static bool sheetcode_number(const char *s, unsigned max, unsigned *ret)
{
        unsigned long v;
        char *end;

        if (!s || *s < '0' || *s > '9')
                return false;
        v = strtoul(s, &end, 10);
        if (*end || v == 0 || v > max)
                return false;
        *ret = (unsigned) v;
        return true;
}

static bool sheetcode_parse(const char *s, SheetCode *ret)
{
        char buf[BARCODE_DATA_MAX + 1], *save = NULL, *role, *dossier, *document, *sheets;
        SheetCode c = {};

        if (strncmp(s, SHEETCODE_PREFIX, strlen(SHEETCODE_PREFIX)) != 0)
                return false;
        snprintf(buf, sizeof(buf), "%s", s + strlen(SHEETCODE_PREFIX));
        role = strtok_r(buf, " ", &save);
        dossier = strtok_r(NULL, " ", &save);
        document = strtok_r(NULL, " ", &save);
        sheets = strtok_r(NULL, " ", &save);
        if (!role || !dossier || !dossier_valid(dossier) || strtok_r(NULL, " ", &save) ||
            !sheetcode_number(document, 10000, &c.document))
                return false;
        if (strcmp(role, "COVER") == 0)
                c.role = "cover";
        else if (strcmp(role, "SEPARATOR") == 0 && !sheets)
                c.role = "separator";
        else
                return false;
        if (sheets && !sheetcode_number(sheets, 100000, &c.sheets))
                return false;
        snprintf(c.dossier, sizeof(c.dossier), "%s", dossier);
        *ret = c;
        return true;
}

bool sheetcode_find(const BarcodeList *l, SheetCode *ret)
{
        for (size_t i = 0; i < l->n; i++)
                if (sheetcode_parse(l->codes[i].data, ret))
                        return true;
        return false;
}
