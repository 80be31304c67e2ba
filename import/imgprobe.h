/* What a PNG or JPEG header says about the image: its resolution (PNG pHYs,
 * JPEG JFIF density; Exif is not read) and whether it is colour, grey or
 * line-art. Read with libpng and libjpeg, from memory, without decoding the
 * pixels: a damaged body is the worker's to find (it stores such a page raw,
 * marked failed, with the reason). And, for images the importer made itself
 * (a PDF's, by pdfimages), whether the file is whole: decoded to its last
 * row, a row at a time, so the memory is a row's. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sohoa.pb-c.h"

/* A resolution past this is a damaged header, taken as none (the worker's
 * bound too: DECODE_DPI_MAX, record.c). */
#define IMGPROBE_DPI_MAX 20000u

/* 0 with *ret_dpi (0 when the file states none, or more than
 * IMGPROBE_DPI_MAX) and *ret_mode (static), or -EBADMSG with reason
 * (IMPORT_REASON_MAX bytes) filled in. */
MUST_CHECK int imgprobe_png(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode,
                            char *reason);
MUST_CHECK int imgprobe_jpeg(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode,
                             char *reason);

/* 0 when the file at path is a whole JPEG or PNG (format) of width x
 * height; -EBADMSG with why (IMPORT_REASON_MAX bytes: "empty (0 bytes)",
 * "a JPEG cut off near row 884 of 1754: ...", "a PNG of 1240x877, the PDF
 * says 1240x1754", the decoder's message) when it is not; another negative
 * errno, with why, when it cannot be read. */
MUST_CHECK int imgprobe_whole(const char *path, Sohoa__ImageFormat format, unsigned width, unsigned height,
                              char *why);
