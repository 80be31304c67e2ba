/* What a cover or separator sheet's QR code says (workers/sheetcode.c):
 * the forms sohoactl sheets prints, and codes that are not sheet codes. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sheetcode.h"

static bool find(const char *data, SheetCode *ret)
{
        BarcodeList l = { .n = 2 };

        snprintf(l.codes[0].data, sizeof(l.codes[0].data), "%s", "https://example.org/not-ours");
        snprintf(l.codes[1].data, sizeof(l.codes[1].data), "%s", data);
        return sheetcode_find(&l, ret);
}

int main(void)
{
        SheetCode c;

        CHECK(find("SOHOA-SHEET/1 COVER 000.00.53.H48-261204-0001 1 12", &c));
        CHECK_STR(c.role, "cover");
        CHECK_STR(c.dossier, "000.00.53.H48-261204-0001");
        CHECK_INT(c.document, 1);
        CHECK_INT(c.sheets, 12);
        CHECK(find("SOHOA-SHEET/1 COVER 000.00.53.H48-261204-0001 2", &c));
        CHECK_INT(c.sheets, 0);
        CHECK(find("SOHOA-SHEET/1 SEPARATOR 000.00.53.H48-261204-0001 3", &c));
        CHECK_STR(c.role, "separator");
        CHECK_INT(c.document, 3);

        CHECK(!find("SOHOA-SHEET/1 SEPARATOR 000.00.53.H48-261204-0001 3 4",
                    &c));                                                       /* no count on a separator */
        CHECK(!find("SOHOA-SHEET/1 COVER 000.00.53.h48-261204-0001 1 12", &c)); /* not a dossier code */
        CHECK(!find("SOHOA-SHEET/1 COVER 000.00.53.H48-261204-0001 0 12", &c)); /* document 0 */
        CHECK(!find("SOHOA-SHEET/1 COVER 000.00.53.H48-261204-0001 1 -1", &c));
        CHECK(!find("SOHOA-SHEET/1 COVER 000.00.53.H48-261204-0001 1 12 x", &c));
        CHECK(!find("SOHOA-SHEET/2 COVER 000.00.53.H48-261204-0001 1 12", &c));
        CHECK(!find("SOHOA-SHEET/1 INDEX 000.00.53.H48-261204-0001 1", &c));
        CHECK(!find("", &c));
        return 0;
}
