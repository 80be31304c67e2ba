/* Blank-page detection. It flags, it never drops: the page is stored either
 * way, with the score, so that an administrator can see why a side was
 * called blank. */
#pragma once

#include <stdbool.h>

#include <allheaders.h>

#include "macro.h"

/* Ink must be this dark on a page normalized to background 200 (that is,
 * below 60% of the paper's brightness): bleed-through from the other side
 * and grey scanner noise are lighter, and are not counted. */
#define BLANK_INK_THRESHOLD 120
/* Fewer text-like marks than this: blank. One digit is one mark. */
#define BLANK_MIN_MARKS 1

typedef struct BlankResult {
        bool blank;
        int marks;       /* text-like connected components: the score */
        float ink;       /* fraction of the page (borders excluded) that is ink */
        int mark_height; /* median height and width of the marks, pixels (0: none): */
        int mark_width;  /* about the x-height of the text, on its side when turned */
} BlankResult;

/* Judge a page from its clean_normalize() result (8 bpp, background 200).
 * dpi 0 means 300. -EINVAL if norm is not 8 bpp, -ENOMEM. */
MUST_CHECK int blank_detect(PIX *norm, int dpi, BlankResult *ret);
