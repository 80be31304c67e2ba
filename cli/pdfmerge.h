/* One PDF out of many single-page PDFs, through qpdf's C API: pages are
 * copied in the order given (qpdf carries their resources across), each
 * page dictionary gets the page's UUID under /SohoaPage, the document gets
 * an Info dictionary, and the file is written PDF 1.4 or later (the newest
 * version among the inputs) to a temporary name and renamed into place. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct PdfMergeInfo {
        const char *key;   /* "/Title", "/SohoaDossier", ... */
        const char *value; /* UTF-8 */
} PdfMergeInfo;

typedef struct PdfMergePage {
        const uint8_t *pdf; /* one-page PDF (borrowed until pdfmerge_write returns) */
        size_t len;
        const char *uuid;
} PdfMergePage;

/* Writes path. 0, or -EBADMSG with a reason in errbuf (of errlen bytes)
 * when qpdf refuses an input or the output, or negative errno. */
MUST_CHECK int pdfmerge_write(const char *path, const PdfMergePage *pages, size_t n,
                              const PdfMergeInfo *info, size_t n_info, char *errbuf, size_t errlen);

/* Reads path: its page count and, for each page (up to max), its /SohoaPage
 * value into uuids[i] (malloc'ed, NULL when absent; the caller frees each).
 * 0, or -EBADMSG with a reason in errbuf. */
MUST_CHECK int pdfmerge_read(const char *path, size_t *ret_pages, char **uuids, size_t max, char *errbuf,
                             size_t errlen);
