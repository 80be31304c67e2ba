/* The page images of a scanned PDF, extracted at their native resolution
 * by Poppler's `pdfimages` (Debian's poppler-utils), for the importer (the
 * worker's pdfimage.c does the opposite: an image into the PDF it stores).
 * JPEG (DCTDecode) images come out byte for byte as embedded, every other
 * encoding as a lossless PNG. The tool runs without a shell, under a time
 * limit (subproc.h). A scanned page holds one image; when a page holds
 * several, the largest is the scan. The page count comes from qpdf's
 * library, which also counts pages without any image (reported, not sent).
 *
 * pdfimages exits 0 when its disk fills, leaving images cut off or empty,
 * so every image taken is decoded to its last row at the size -list states
 * (imgprobe_whole()). An image that is not whole is held back when the disk
 * may have been short of room; with room, it is extracted again, and only
 * when it comes out the same, byte for byte, is it the PDF's own (sent as
 * embedded, with a note): a page's UUID is derived from the file, so a
 * damaged copy sent once would shut the real image out for ever. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "macro.h"
#include "sohoa.pb-c.h"

/* Seconds pdfimages may take on one file before it is killed. */
#define PDFEXTRACT_TIMEOUT_S 600

typedef struct PdfExtractPage {
        char *path;   /* extracted file; NULL: the page holds no image, or see missing */
        bool missing; /* the page has an image, pdfimages wrote no file for it (twice) */
        Sohoa__ImageFormat format;
        unsigned dpi;     /* x-ppi as placed on the page, rounded */
        const char *mode; /* static */
        char *note;       /* NULL, or why the image as embedded is not whole (malloc'ed) */
} PdfExtractPage;

/* Pages of the PDF at path. 0, or -EBADMSG with reason (IMPORT_REASON_MAX). */
MUST_CHECK int pdfextract_count(const char *path, unsigned *ret, char *reason);

/* Extracts the images of the PDF at path (an absolute path) into dir (which
 * exists) and fills *ret_pages with npages entries (calloc'ed, each path
 * and note malloc'ed; free with pdfextract_pages_free()). 0; -EAGAIN with
 * reason when they could not be extracted whole now (a full disk,
 * pdfimages not installed): nothing of the file may be sent, a later run
 * may succeed; -EBADMSG with reason when the PDF is at fault; -EINTR once
 * *stop is set (pdfimages is killed); or another negative errno. */
MUST_CHECK int pdfextract_pages(const char *path, const char *dir, unsigned npages,
                                const volatile sig_atomic_t *stop, PdfExtractPage **ret_pages, char *reason);
PdfExtractPage *pdfextract_pages_free(PdfExtractPage *pages, unsigned npages);
