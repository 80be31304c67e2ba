/* Image numbers to sheets (sheetplan.h). The n-th note sheet at or after
 * the first sheet (k from 0) has its note pass at feed
 * (sheet - first) + k + 1; every note pass before a feed is one feed that
 * moved no sheet on. */
#include <errno.h>
#include <stdlib.h>

#include "sheetplan.h"

unsigned sheetplan_sheet(const SheetPlan *p, unsigned seq, bool *ret_note)
{
        unsigned first = p->first_sheet ? p->first_sheet : 1;
        unsigned feed = p->duplex ? (seq + 1) / 2 : seq;
        unsigned extra = 0, k = 0;
        bool note = false;

        for (size_t i = 0; i < p->n_notes; i++) {
                unsigned note_feed;

                if (p->notes[i] < first)
                        continue;
                note_feed = p->notes[i] - first + k + 1;
                k++;
                if (feed == note_feed)
                        note = true;
                else if (feed > note_feed)
                        extra++;
        }
        if (ret_note)
                *ret_note = note;
        return first + feed - 1 - extra;
}

unsigned sheetplan_sheets(const SheetPlan *p, unsigned n)
{
        unsigned first = p->first_sheet ? p->first_sheet : 1;

        return n == 0 ? 0 : sheetplan_sheet(p, n, NULL) - first + 1;
}

static int sheetplan_add(SheetPlan *p, unsigned long sheet)
{
        size_t i;

        for (i = 0; i < p->n_notes && p->notes[i] < sheet; i++)
                ;
        if (i < p->n_notes && p->notes[i] == sheet)
                return 0;
        if (p->n_notes >= SHEETPLAN_NOTES_MAX)
                return -EINVAL;
        for (size_t j = p->n_notes; j > i; j--)
                p->notes[j] = p->notes[j - 1];
        p->notes[i] = (unsigned) sheet;
        p->n_notes++;
        return 0;
}

int sheetplan_parse_notes(SheetPlan *p, const char *s)
{
        const char *c = s;

        p->n_notes = 0;
        while (*c) {
                unsigned long lo, hi;
                char *end;

                lo = strtoul(c, &end, 10);
                if (end == c || *c == '-' || *c == '+')
                        return -EINVAL;
                hi = lo;
                if (*end == '-') {
                        c = end + 1;
                        hi = strtoul(c, &end, 10);
                        if (end == c || *c == '-' || *c == '+')
                                return -EINVAL;
                }
                if (lo == 0 || hi < lo || hi > 100000 || hi - lo >= SHEETPLAN_NOTES_MAX)
                        return -EINVAL;
                for (unsigned long v = lo; v <= hi; v++)
                        if (sheetplan_add(p, v) < 0)
                                return -EINVAL;
                if (*end == ',')
                        end++;
                else if (*end)
                        return -EINVAL;
                c = end;
        }
        return 0;
}
