/* One input file of `sohoactl import` (see importfile.h). The kind comes
 * from the magic bytes; the hash is of the whole file as read here, and a
 * single-page image is sent from the very buffer that was hashed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgprobe.h"
#include "importfile.h"
#include "pdfextract.h"
#include "tiffpage.h"

/* Larger single images are refused rather than read into memory: an A0
 * colour scan at 600 dpi, uncompressed, is about 1.5 GB. */
#define IMPORTFILE_IMAGE_MAX (2ULL << 30)
#define IMPORTFILE_MAGIC_LEN 1024

struct ImportFile {
        char *path;
        int fd;
        ImportKind kind;
        uint8_t sha256[SHA256_LEN];
        unsigned pages;
        int64_t mtime_us;
        uint64_t size;
        uint8_t *data; /* PNG, JPEG: the whole file */
        char *tmpdir;  /* PDF: where its images were extracted */
        PdfExtractPage *pdf_pages;
        int pdf_error; /* PDF: why its images could not be extracted, for every page */
        char pdf_reason[IMPORT_REASON_MAX];
};

static const char *const kind_names[_IMPORT_KIND_MAX] = {
        [IMPORT_TIFF] = "TIFF",
        [IMPORT_PNG] = "PNG",
        [IMPORT_JPEG] = "JPEG",
        [IMPORT_PDF] = "PDF",
};

const char *importfile_kind_name(ImportKind k)
{
        return k >= 0 && k < _IMPORT_KIND_MAX ? kind_names[k] : "unknown";
}

static ImportKind importfile_detect(const uint8_t *m, size_t n)
{
        if (n >= 4 && (memcmp(m, "II*\0", 4) == 0 || memcmp(m, "MM\0*", 4) == 0 ||
                       memcmp(m, "II+\0", 4) == 0 || memcmp(m, "MM\0+", 4) == 0))
                return IMPORT_TIFF;
        if (n >= 8 && memcmp(m, "\x89PNG\r\n\x1a\n", 8) == 0)
                return IMPORT_PNG;
        if (n >= 3 && memcmp(m, "\xff\xd8\xff", 3) == 0)
                return IMPORT_JPEG;
        /* PDF readers accept the header anywhere in the first kilobyte. */
        if (memmem(m, n, "%PDF-", 5))
                return IMPORT_PDF;
        return _IMPORT_KIND_INVALID;
}

/* The whole file into memory, from offset 0. */
static int importfile_slurp(int fd, uint64_t size, uint8_t **ret)
{
        uint8_t *p = malloc(size ? size : 1);
        uint64_t done = 0;

        if (!p)
                return -ENOMEM;
        while (done < size) {
                ssize_t n = pread(fd, p + done, size - done, (off_t) done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        free(p);
                        return n < 0 ? -errno : -EIO;
                }
                done += (uint64_t) n;
        }
        *ret = p;
        return 0;
}

/* Hashes the file and counts its pages, by kind. */
static int importfile_load(ImportFile *f, char *reason)
{
        unsigned dpi;
        const char *mode;
        int r;

        switch (f->kind) {
        case IMPORT_PNG:
        case IMPORT_JPEG:
                if (f->size > IMPORTFILE_IMAGE_MAX) {
                        snprintf(reason, IMPORT_REASON_MAX, "image file larger than %llu bytes",
                                 (unsigned long long) IMPORTFILE_IMAGE_MAX);
                        return -EFBIG;
                }
                r = importfile_slurp(f->fd, f->size, &f->data);
                if (r < 0)
                        return r;
                sha256_buf(f->data, f->size, f->sha256);
                f->pages = 1;
                return f->kind == IMPORT_PNG ? imgprobe_png(f->data, f->size, &dpi, &mode, reason)
                                             : imgprobe_jpeg(f->data, f->size, &dpi, &mode, reason);
        case IMPORT_TIFF:
                if (lseek(f->fd, 0, SEEK_SET) < 0)
                        return -errno;
                r = sha256_fd(f->fd, f->sha256);
                return r < 0 ? r : tiffpage_count(f->fd, &f->pages, reason);
        case IMPORT_PDF:
                if (lseek(f->fd, 0, SEEK_SET) < 0)
                        return -errno;
                r = sha256_fd(f->fd, f->sha256);
                return r < 0 ? r : pdfextract_count(f->path, &f->pages, reason);
        default:
                return -EMEDIUMTYPE;
        }
}

int importfile_open(const char *path, ImportFile **ret, char *reason)
{
        uint8_t magic[IMPORTFILE_MAGIC_LEN];
        ImportFile *f;
        struct stat st;
        ssize_t n;
        int r;

        reason[0] = '\0';
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->fd = -1;
        /* An absolute path: pdfimages must never read a name as an option. */
        f->path = realpath(path, NULL);
        if (!f->path) {
                r = -errno;
                goto fail;
        }
        /* O_NONBLOCK: opening a FIFO for reading would wait for a writer.
         * It changes nothing for a regular file. */
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (f->fd < 0 || fstat(f->fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EMEDIUMTYPE;
                snprintf(reason, IMPORT_REASON_MAX, "not a regular file (%s): skipped, not read",
                         importfile_type_name(st.st_mode));
                goto fail;
        }
        f->size = (uint64_t) st.st_size;
        f->mtime_us = (int64_t) st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
        n = pread(f->fd, magic, sizeof(magic), 0);
        if (n < 0) {
                r = -errno;
                goto fail;
        }
        f->kind = importfile_detect(magic, (size_t) n);
        if (f->kind < 0) {
                r = -EMEDIUMTYPE;
                snprintf(reason, IMPORT_REASON_MAX, "not an image or PDF (TIFF, PNG, JPEG or PDF expected)");
                goto fail;
        }
        r = importfile_load(f, reason);
        if (r < 0)
                goto fail;
        *ret = f;
        return 0;
fail:
        if (reason[0] == '\0')
                snprintf(reason, IMPORT_REASON_MAX, "%s", strerror(-r));
        importfile_free(f);
        return r;
}

static void importfile_rmtree(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;

        if (!d)
                return;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        (void) unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
        (void) rmdir(dir);
}

ImportFile *importfile_free(ImportFile *f)
{
        if (!f)
                return NULL;
        if (f->tmpdir) {
                importfile_rmtree(f->tmpdir);
                free(f->tmpdir);
        }
        pdfextract_pages_free(f->pdf_pages, f->pages);
        if (f->fd >= 0)
                close(f->fd);
        free(f->data);
        free(f->path);
        free(f);
        return NULL;
}

ImportKind importfile_kind(const ImportFile *f)
{
        return f->kind;
}

const uint8_t *importfile_sha256(const ImportFile *f)
{
        return f->sha256;
}

unsigned importfile_pages(const ImportFile *f)
{
        return f->pages;
}

int64_t importfile_mtime_us(const ImportFile *f)
{
        return f->mtime_us;
}

/* Every image of the PDF, once, into a directory of its own under tmpdir.
 * A failure is kept for the file's other pages; the directory goes at once,
 * so that what was extracted frees its room for the next file. */
static int importfile_pdf_extract(ImportFile *f, const char *tmpdir, const volatile sig_atomic_t *stop)
{
        int r;

        if (asprintf(&f->tmpdir, "%s/sohoa-pdf-XXXXXX", tmpdir) < 0) {
                f->tmpdir = NULL;
                return -ENOMEM;
        }
        if (!mkdtemp(f->tmpdir)) {
                r = -errno;
                snprintf(f->pdf_reason, sizeof(f->pdf_reason), "cannot make a directory under %s: %s",
                         tmpdir, strerror(-r));
                f->tmpdir = mfree(f->tmpdir);
                /* The file is not at fault: a full or read-only $TMPDIR. */
                return r == -ENOMEM ? r : -EAGAIN;
        }
        r = pdfextract_pages(f->path, f->tmpdir, f->pages, stop, &f->pdf_pages, f->pdf_reason);
        if (r < 0) {
                importfile_rmtree(f->tmpdir);
                f->tmpdir = mfree(f->tmpdir);
        }
        return r;
}

static int importfile_pdf_page(ImportFile *f, unsigned index, const char *tmpdir,
                               const volatile sig_atomic_t *stop, ImportPage *ret, char *reason)
{
        const PdfExtractPage *pp;
        struct stat st;
        uint8_t *data;
        int fd, r;

        if (!f->pdf_pages && !f->pdf_error) {
                r = importfile_pdf_extract(f, tmpdir, stop);
                /* Stopped or out of memory: the next call may try again. */
                if (r == -EINTR || r == -ENOMEM)
                        return r;
                f->pdf_error = r;
        }
        if (f->pdf_error < 0) {
                snprintf(reason, IMPORT_REASON_MAX, "%s", f->pdf_reason);
                return f->pdf_error;
        }
        pp = &f->pdf_pages[index];
        if (pp->missing) {
                snprintf(reason, IMPORT_REASON_MAX, "pdfimages wrote no file for the page's image");
                return -EBADMSG;
        }
        if (!pp->path) {
                snprintf(reason, IMPORT_REASON_MAX, "the page holds no image (not a scanned page)");
                return -ENODATA;
        }
        fd = open(pp->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                snprintf(reason, IMPORT_REASON_MAX, "the extracted image is missing: %s", strerror(-r));
                return r;
        }
        r = importfile_slurp(fd, (uint64_t) st.st_size, &data);
        close(fd);
        if (r < 0)
                return r;
        *ret = (ImportPage) { .data = data,
                              .len = (size_t) st.st_size,
                              .format = pp->format,
                              .dpi = pp->dpi,
                              .mode = pp->mode,
                              .note = pp->note };
        return 0;
}

static int importfile_tiff_page(ImportFile *f, unsigned index, ImportPage *ret, char *reason)
{
        uint8_t sha[SHA256_LEN];
        ImportPage p = { .format = SOHOA__IMAGE_FORMAT__FORMAT_TIFF };
        int r;

        if (f->pages > 1)
                r = tiffpage_extract(f->fd, index, &p.data, &p.len, &p.dpi, &p.mode, reason);
        else {
                /* One page: the file itself, checked against the hash it was named by. */
                r = tiffpage_info(f->fd, 0, &p.dpi, &p.mode, reason);
                if (r >= 0)
                        r = importfile_slurp(f->fd, f->size, &p.data);
                if (r >= 0) {
                        p.len = f->size;
                        sha256_buf(p.data, p.len, sha);
                        if (memcmp(sha, f->sha256, SHA256_LEN) != 0) {
                                snprintf(reason, IMPORT_REASON_MAX,
                                         "the file changed while it was imported");
                                free(p.data);
                                r = -ESTALE;
                        }
                }
        }
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int importfile_page(ImportFile *f, unsigned index, const char *tmpdir, const volatile sig_atomic_t *stop,
                    ImportPage *ret, char *reason)
{
        ImportPage p = {};
        int r;

        reason[0] = '\0';
        if (index >= f->pages)
                return -ERANGE;
        switch (f->kind) {
        case IMPORT_PNG:
        case IMPORT_JPEG:
                r = f->kind == IMPORT_PNG ? imgprobe_png(f->data, f->size, &p.dpi, &p.mode, reason)
                                          : imgprobe_jpeg(f->data, f->size, &p.dpi, &p.mode, reason);
                if (r < 0)
                        return r;
                p.data = malloc(f->size ? f->size : 1);
                if (!p.data)
                        return -ENOMEM;
                memcpy(p.data, f->data, f->size);
                p.len = f->size;
                p.format = f->kind == IMPORT_PNG ? SOHOA__IMAGE_FORMAT__FORMAT_PNG
                                                 : SOHOA__IMAGE_FORMAT__FORMAT_JPEG;
                *ret = p;
                return 0;
        case IMPORT_TIFF:
                return importfile_tiff_page(f, index, ret, reason);
        case IMPORT_PDF:
                return importfile_pdf_page(f, index, tmpdir, stop, ret, reason);
        default:
                return -EMEDIUMTYPE;
        }
}

void importfile_page_done(ImportPage *p)
{
        if (p)
                p->data = mfree(p->data);
}
