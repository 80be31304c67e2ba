/* The page images of a scanned PDF, taken out at their native resolution
 * by Poppler's `pdfimages` (Debian's poppler-utils): JPEG (DCTDecode)
 * images come out byte for byte as embedded, every other encoding as a
 * lossless PNG. The tool runs without a shell, under a time limit (subproc.h).
 * A scanned page holds one image; when a page holds several, the largest is
 * the scan. The page count comes from qpdf's library, which also counts
 * pages without any image (reported, not sent). */
#pragma once

#include "macro.h"
#include "sohoa.pb-c.h"

/* Seconds pdfimages may take on one file before it is killed. */
#define PDFIMG_TIMEOUT_S 600

typedef struct PdfImgPage {
        char *path;             /* extracted file; NULL: the page holds no image */
        Sohoa__ImageFormat format;
        unsigned dpi;           /* x-ppi as placed on the page, rounded */
        const char *mode;       /* static */
} PdfImgPage;

/* Pages of the PDF at path. 0, or -EBADMSG with reason (IMPORT_REASON_MAX). */
MUST_CHECK int pdfimg_count(const char *path, unsigned *ret, char *reason);

/* Extracts the images of the PDF at path (an absolute path) into dir (which
 * exists) and fills *ret_pages with npages entries (calloc'ed, each path
 * malloc'ed; free with pdfimg_pages_free()). 0, -ENOENT when pdfimages is
 * not installed, or -EBADMSG with reason. */
MUST_CHECK int pdfimg_extract(const char *path, const char *dir, unsigned npages, PdfImgPage **ret_pages,
                              char *reason);
PdfImgPage *pdfimg_pages_free(PdfImgPage *pages, unsigned npages);
