/* The invisible text layer of a searchable page: each text line written as
 * one run in reading order, at a font size from the line's height, each
 * word stretched over its box and followed by a real space; and the
 * glyph-less font it is written in (CIDs are UTF-16 code units, read back
 * by a ToUnicode map). */
#pragma once

#include <stdio.h>

#include "macro.h"
#include "ocr.h"
#include "pdfdoc.h"

/* The font's name in the page's resources. */
#define PDF_TEXT_FONT "FT"

/* Write the font's objects into d; *ret_font is the object to name in the
 * page's /Font resources. font_dir, when not NULL, is where Tesseract's
 * glyph-less pdf.ttf lies: embedded when it can be read (readers need no
 * glyphs to find or copy text). -ENOMEM. */
MUST_CHECK int pdf_text_font(PdfDoc *d, const char *font_dir, int *ret_font);

/* Print ocr's lines (boxes in pixels of a page height_px tall at dpi) to
 * content as text-showing operators in render mode 3 (invisible). */
void pdf_text_layer(FILE *content, const OcrResult *ocr, int dpi, int height_px);
