/* Mixed raster content: a text page split into its ink (a 1 bpp stencil
 * at full resolution, painted in the ink's colour) and a background (the
 * page without that ink and without scanner noise, at 200 dpi). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <allheaders.h>

#include "macro.h"

typedef struct PdfMrc {
        PIX *mask;       /* 1 bpp, the page's size: dark neutral ink of text size; NULL: none */
        uint8_t ink[3];  /* the colour it is painted in, r g b */
        PIX *background; /* 8 or 32 bpp as the page, scaled to background_dpi */
        int background_dpi;
} PdfMrc;

/* Split image (8 or 32 bpp at dpi) when its text dominates: the pixels
 * that are neither ink nor paper (stamps, signatures, photos, rules) cover
 * at most a quarter of it; always when force (a blank page). bin, when not
 * NULL, is image cleaned for OCR (clean_page()), made here otherwise.
 * Coloured marks stay in the background, so a red stamp stays red.
 * Returns 1 and *ret (free its parts with pdf_mrc_done()), 0 when the page
 * is better left whole (*ret untouched), -ENOMEM, -EINVAL. */
MUST_CHECK int pdf_mrc_split(PIX *image, PIX *bin, int dpi, bool force, PdfMrc *ret);
void pdf_mrc_done(PdfMrc *m);
