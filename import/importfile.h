/* One input file of `sohoactl import`: recognized by its first bytes (TIFF,
 * PNG, JPEG or PDF, whatever its name says), hashed, its pages counted, and
 * each page's bytes produced as they will be sent: a single-page image file
 * as it is, a page of a multi-page TIFF as its own TIFF holding that page's
 * data unchanged (tiffpage.h), a page of a scanned PDF as the image the PDF
 * embeds (pdfextract.h). */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"
#include "sha256.h"
#include "sohoa.pb-c.h"

#define IMPORT_REASON_MAX 512

typedef enum ImportKind {
        IMPORT_TIFF,
        IMPORT_PNG,
        IMPORT_JPEG,
        IMPORT_PDF,
        _IMPORT_KIND_MAX,
        _IMPORT_KIND_INVALID = -22,
} ImportKind;

typedef struct ImportFile ImportFile;

/* What one page is sent as. data is malloc'ed, freed by importfile_page_done(). */
typedef struct ImportPage {
        uint8_t *data;
        size_t len;
        Sohoa__ImageFormat format;
        unsigned dpi;     /* 0: the file does not say */
        const char *mode; /* "color", "gray", "lineart" (static) */
        const char *note; /* NULL, or a remark for the report (the file's, valid while it is open) */
} ImportPage;

/* Opens path, hashes it and counts its pages. -EMEDIUMTYPE when it is not a
 * regular file (it is opened without blocking and never read then: a FIFO
 * would hang the import) or not a TIFF, PNG, JPEG or PDF, -EBADMSG when it
 * is one but unreadable, or another negative errno; reason
 * (IMPORT_REASON_MAX bytes) then says why in words. The caller frees *ret
 * with importfile_free(). */
MUST_CHECK int importfile_open(const char *path, ImportFile **ret, char *reason);
ImportFile *importfile_free(ImportFile *f);

/* What kind of file a st_mode says, in words ("a FIFO"), for the report.
 * Inline: the walk (importsrc.c) names what it skips without the rest of
 * this module. */
static inline const char *importfile_type_name(mode_t mode)
{
        return S_ISDIR(mode)    ? "a folder"
               : S_ISFIFO(mode) ? "a FIFO"
               : S_ISSOCK(mode) ? "a socket"
               : S_ISCHR(mode)  ? "a character device"
               : S_ISBLK(mode)  ? "a block device"
               : S_ISLNK(mode)  ? "a symbolic link"
               : S_ISREG(mode)  ? "a regular file"
                                : "of an unknown type";
}

ImportKind importfile_kind(const ImportFile *f);
const char *importfile_kind_name(ImportKind k);
const uint8_t *importfile_sha256(const ImportFile *f);
unsigned importfile_pages(const ImportFile *f);
/* Modification time, Unix microseconds: the capture time of an imported scan. */
int64_t importfile_mtime_us(const ImportFile *f);

/* The page at index (0-based) into *ret. A PDF's images are extracted once,
 * into a temporary directory under tmpdir that importfile_free() removes;
 * when that fails, every page of the file fails the same way. 0, or
 * negative errno with reason filled in: -EAGAIN when the file could not be
 * taken apart now (a full $TMPDIR: see pdfextract.h) and a later run may, so
 * nothing of it should be sent; -EINTR once *stop is set. */
MUST_CHECK int importfile_page(ImportFile *f, unsigned index, const char *tmpdir,
                               const volatile sig_atomic_t *stop, ImportPage *ret, char *reason);
void importfile_page_done(ImportPage *p);
