/* How a batch's images are numbered into sheets (proto/PROTOCOL.md §7.7,
 * §7.8): from its first sheet (1, or the first sheet a rescan replaces),
 * one feed per sheet, but two for a sheet with a sticky note: the pass
 * with the note first, then the pass without it, both with the sheet's
 * number. In duplex a feed gives two images, front then back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define SHEETPLAN_NOTES_MAX 32

typedef struct SheetPlan {
        unsigned first_sheet; /* 0: 1 */
        bool duplex;
        unsigned notes[SHEETPLAN_NOTES_MAX]; /* sheets with a note, ascending, none twice */
        size_t n_notes;
} SheetPlan;

/* The sheet of image seq (from 1), and whether it is of a note pass
 * (ret_note may be NULL). */
unsigned sheetplan_sheet(const SheetPlan *p, unsigned seq, bool *ret_note);
/* Sheets that n images cover (a sheet scanned twice counts once). */
unsigned sheetplan_sheets(const SheetPlan *p, unsigned n);
/* Parse "3,5-7" into p->notes (sorted, each once): 0, or -EINVAL for
 * anything else, a sheet 0 or past 100000, or more than
 * SHEETPLAN_NOTES_MAX sheets. */
int sheetplan_parse_notes(SheetPlan *p, const char *s);
