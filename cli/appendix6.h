/* A dossier's metadata after Decree 30/2020/ND-CP Appendix VI, written by
 * `sohoactl export` beside the PDF as JSON and as XML, with every page's
 * SHA-256 under the document it belongs to; read back by `sohoactl verify`.
 * The XML is a rendering of the JSON: the same names, in the same order,
 * one element per member, made by appendix6_render_xml() from the parsed
 * JSON both when written and when checked, so the two files cannot say
 * different things unnoticed. docs/EXPORT.md shows both. */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "jsonread.h"
#include "macro.h"

#define APPENDIX6_FORMAT "sohoa-appendix6/1"

/* One page of the exported PDF, in PDF order. */
typedef struct Appendix6Page {
        const char *uuid;
        const char *capture_sha256; /* hex */
        const char *pdf_sha256;     /* hex, the stored single-page PDF */
        int ordinal;                /* the component (DocOrdinal) it belongs to, 0: none */
} Appendix6Page;

/* Writes path (JSON) for dossier: the dossier's and its components' fields
 * read from c, the PDF's name and SHA-256, and pages[0..n) under their
 * documents (pages of no component last, as OtherPages). Pages of a
 * component must be contiguous and in DocOrdinal order, as export orders
 * them. 0; -ENOENT when the dossier is not registered (nothing written);
 * -EIO after printing the database's reason; negative errno. */
MUST_CHECK int appendix6_write_json(PGconn *c, const char *dossier, const Appendix6Page *pages, size_t n,
                                    const char *pdf_name, const char *pdf_sha256, const char *path);

/* The XML of a parsed metadata JSON, to f. Deterministic. */
void appendix6_render_xml(const JsonValue *meta, FILE *f);

/* Reads the JSON at json_path back and writes its XML to xml_path
 * (through a .part file). 0 or negative errno. */
MUST_CHECK int appendix6_write_xml(const char *json_path, const char *xml_path);

/* Reads a whole file (at most max bytes) into a malloc'ed, NUL-terminated
 * buffer. 0 or negative errno (-EFBIG past max). */
MUST_CHECK int appendix6_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
