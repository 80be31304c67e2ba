/* Preprocessing for OCR and for the page measures: background
 * normalization (uneven lighting, grey or coloured paper, bleed-through
 * pushed towards white), binarization, and removal of scanner noise and
 * dark borders. Every output keeps the input's size, so that OCR word
 * boxes match the page image embedded in the PDF. */
#pragma once

#include <allheaders.h>

#include "macro.h"

/* Background-normalized 8 bpp copy of pix (1, 8 or 32 bpp): paper becomes
 * CLEAN_BACKGROUND, ink stays dark. Caller frees *ret_norm. -ENOMEM on failure. */
#define CLEAN_BACKGROUND 200
MUST_CHECK int clean_normalize(PIX *pix, PIX **ret_norm);

/* 1 bpp binarization of a clean_normalize() result by Otsu's threshold over
 * the whole page, held within [100, 170] so that a page of only faint marks
 * does not make them ink. Caller frees *ret_bin. */
MUST_CHECK int clean_binarize(PIX *norm, PIX **ret_bin, int *ret_threshold);

/* Remove from a 1 bpp page what is not text: components touching the image
 * edge (dark scanner borders, shadows of the sheet's edge) and specks far
 * smaller than a diacritic at this dpi. Caller frees *ret_out. */
MUST_CHECK int clean_despeckle(PIX *bin, int dpi, PIX **ret_out);

/* A 1 bpp page reduced k times (2, 3 or 4; 1: a clone) to grey by area
 * averaging: what Tesseract reads of a page at a lower resolution. NULL
 * when out of memory. */
PIX *clean_reduce(PIX *bin, int k);

/* All three in a row: the image handed to Tesseract. Caller frees *ret_out. */
MUST_CHECK int clean_page(PIX *pix, int dpi, PIX **ret_out);
