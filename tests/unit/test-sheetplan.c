/* A batch's images to sheets (daemon/sheetplan.c): plain simplex and
 * duplex, a rescan's first sheet, and sheets fed twice for their sticky
 * note (the note pass first, both passes with the sheet's number). */
#include <errno.h>
#include <stdbool.h>

#include "check.h"
#include "sheetplan.h"

static void check_image(const SheetPlan *p, unsigned seq, unsigned sheet, bool note)
{
        bool n;

        CHECK_INT(sheetplan_sheet(p, seq, &n), sheet);
        CHECK_INT(n, note);
}

int main(void)
{
        SheetPlan p = {};

        check_image(&p, 1, 1, false);
        check_image(&p, 7, 7, false);
        CHECK_INT(sheetplan_sheets(&p, 11), 11);
        CHECK_INT(sheetplan_sheets(&p, 0), 0);

        p.duplex = true;
        check_image(&p, 7, 4, false);
        check_image(&p, 8, 4, false);
        CHECK_INT(sheetplan_sheets(&p, 7), 4);

        /* A rescan of sheets 4-5. */
        p.first_sheet = 4;
        check_image(&p, 1, 4, false);
        check_image(&p, 4, 5, false);
        CHECK_INT(sheetplan_sheets(&p, 4), 2);

        /* Sheet 2 and 3 with notes, simplex: 1, 2n, 2, 3n, 3, 4. */
        p = (SheetPlan) {};
        CHECK_INT(sheetplan_parse_notes(&p, "3,2"), 0);
        CHECK_INT(p.n_notes, 2);
        CHECK_INT(p.notes[0], 2);
        check_image(&p, 1, 1, false);
        check_image(&p, 2, 2, true);
        check_image(&p, 3, 2, false);
        check_image(&p, 4, 3, true);
        check_image(&p, 5, 3, false);
        check_image(&p, 6, 4, false);
        CHECK_INT(sheetplan_sheets(&p, 6), 4);

        /* Duplex, a note on the first sheet of a rescan from sheet 4. */
        p = (SheetPlan) { .duplex = true, .first_sheet = 4 };
        CHECK_INT(sheetplan_parse_notes(&p, "1,4"), 0);
        check_image(&p, 1, 4, true);
        check_image(&p, 2, 4, true);
        check_image(&p, 3, 4, false);
        check_image(&p, 4, 4, false);
        check_image(&p, 5, 5, false);

        CHECK_INT(sheetplan_parse_notes(&p, "5-7"), 0);
        CHECK_INT(p.n_notes, 3);
        CHECK_INT(sheetplan_parse_notes(&p, ""), 0);
        CHECK_INT(p.n_notes, 0);
        CHECK_INT(sheetplan_parse_notes(&p, "0"), -EINVAL);
        CHECK_INT(sheetplan_parse_notes(&p, "3-2"), -EINVAL);
        CHECK_INT(sheetplan_parse_notes(&p, "x"), -EINVAL);
        CHECK_INT(sheetplan_parse_notes(&p, "-3"), -EINVAL);
        CHECK_INT(sheetplan_parse_notes(&p, "1-40"), -EINVAL);
        CHECK_INT(sheetplan_parse_notes(&p, "100001"), -EINVAL);
        return 0;
}
