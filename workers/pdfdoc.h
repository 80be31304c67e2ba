/* A PDF file written object by object into memory: numbered objects, their
 * offsets, the cross-reference table and the trailer. It knows nothing of
 * pages or images (pdf.c), fonts or text (pdftext.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

typedef struct PdfDoc PdfDoc;

/* A document with its header (PDF 1.4) written. Free with pdf_doc_free(). */
MUST_CHECK int pdf_doc_new(PdfDoc **ret);
PdfDoc *pdf_doc_free(PdfDoc *d);

/* The number of a new object, to be written later with pdf_doc_begin(). */
int pdf_doc_reserve(PdfDoc *d);

/* Start object obj (from pdf_doc_reserve()) and return the file to print
 * its body to; pdf_doc_end() closes it. */
FILE *pdf_doc_begin(PdfDoc *d, int obj);
void pdf_doc_end(PdfDoc *d);

/* Object obj as a stream: "<< dict /Length n >>" and data as they are. */
void pdf_doc_stream(PdfDoc *d, int obj, const char *dict, const void *data, size_t size);

/* The same, data deflated (/Filter /FlateDecode added). -ENOMEM. */
MUST_CHECK int pdf_doc_flate(PdfDoc *d, int obj, const char *dict, const void *data, size_t size);

/* The cross-reference table and trailer with root as /Root; the file in
 * *ret_data (malloc'ed, caller frees). d is freed either way. -ENOMEM,
 * -EINVAL when an object reserved was never written. */
MUST_CHECK int pdf_doc_finish(PdfDoc *d, int root, uint8_t **ret_data, size_t *ret_size);
