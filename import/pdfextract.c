/* Scanned PDFs through Poppler's pdfimages (see pdfextract.h). The tool rather
 * than libpoppler-glib: it writes DCT images out unchanged (-j), which the
 * GLib binding cannot (it hands back decoded cairo surfaces), it states each
 * image's placed resolution (-list), and it is already installed for the
 * tests' pdftotext. Its output names are "<prefix>-PPP-NNN.<ext>", NNN being
 * the image number -list prints (counted from the first page extracted).
 * Whether an image that is not whole was cut by a full disk is told by the
 * room left on it (statvfs) and by a second extraction of its page alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>

#include "imgprobe.h"
#include "importfile.h"
#include "pdfextract.h"
#include "subproc.h"

#define PDFEXTRACT_LIST_MAX (16u << 20)

int pdfextract_count(const char *path, unsigned *ret, char *reason)
{
        qpdf_data q = qpdf_init();
        int n, r = -EBADMSG;

        if (!q)
                return -ENOMEM;
        qpdf_silence_errors(q);
        if (qpdf_read(q, path, NULL) & QPDF_ERRORS)
                goto fail;
        n = qpdf_get_num_pages(q);
        if (n < 0)
                goto fail;
        if (n == 0) {
                snprintf(reason, IMPORT_REASON_MAX, "a PDF without any page");
                goto out;
        }
        *ret = (unsigned) n;
        r = 0;
        goto out;
fail:
        snprintf(reason, IMPORT_REASON_MAX, "not a readable PDF: %s",
                 qpdf_has_error(q) ? qpdf_get_error_full_text(q, qpdf_get_error(q)) : "unknown error");
out:
        qpdf_cleanup(&q);
        return r;
}

typedef struct PdfExtractChoice {
        unsigned num;       /* its number in -list */
        unsigned first_num; /* the number of the page's first image */
        unsigned width, height;
        uint64_t pixels;
        uint64_t raw_bytes; /* uncompressed: what writing it may take at most, near enough */
        unsigned dpi;
        const char *mode;
} PdfExtractChoice;

/* Reads `pdfimages -list` into the largest image of each page, and the
 * most bytes any image listed takes uncompressed into *ret_raw_max. */
static int pdfextract_parse_list(const char *list, unsigned npages, PdfExtractChoice *choice,
                                 uint64_t *ret_raw_max)
{
        const char *line = strstr(list, "\n---");
        uint64_t raw_max = 0;

        if (!line)
                return -EBADMSG;
        for (unsigned i = 0; i < npages; i++)
                choice[i].first_num = UINT32_MAX;
        line = strchr(line + 1, '\n');
        while (line && *++line) {
                unsigned page, num, w, h, comp, bpc, objid, gen, xppi, yppi;
                char type[16], color[16], enc[16], interp[8];
                uint64_t raw;
                PdfExtractChoice *c;

                if (sscanf(line, "%u %u %15s %u %u %15s %u %u %15s %7s %u %u %u %u", &page, &num, type, &w,
                           &h, color, &comp, &bpc, enc, interp, &objid, &gen, &xppi, &yppi) != 14 ||
                    page < 1 || page > npages) {
                        line = strchr(line, '\n');
                        continue;
                }
                c = &choice[page - 1];
                raw = (uint64_t) w * h * MAX(comp, 1u) * MAX(bpc, 1u) / 8;
                raw_max = MAX(raw_max, raw);
                c->first_num = MIN(c->first_num, num);
                if (strcmp(type, "image") == 0 && (uint64_t) w * h > c->pixels) {
                        c->num = num;
                        c->width = w;
                        c->height = h;
                        c->pixels = (uint64_t) w * h;
                        c->raw_bytes = raw;
                        c->dpi = xppi;
                        c->mode = comp >= 3 || strcmp(color, "index") == 0 ? "color"
                                  : bpc == 1                               ? "lineart"
                                                                           : "gray";
                }
                line = strchr(line, '\n');
        }
        *ret_raw_max = raw_max;
        return 0;
}

/* Runs pdfimages. 0 once it exited 0 (*res filled, the caller frees it);
 * -ENOENT when it is not installed, -EINTR when stopped, -EBADMSG when it
 * failed, with reason. */
static int pdfextract_run(const char *const *argv, const volatile sig_atomic_t *stop, SubprocResult *res,
                          char *reason)
{
        int r = subproc_run_until(argv, PDFEXTRACT_TIMEOUT_S * 1000ULL, PDFEXTRACT_LIST_MAX, stop, res);

        if (r == -ENOENT) {
                snprintf(reason, IMPORT_REASON_MAX, "pdfimages is not installed (Debian: poppler-utils)");
                return r;
        }
        if (r < 0) {
                snprintf(reason, IMPORT_REASON_MAX, "cannot run pdfimages: %s", strerror(-r));
                return r;
        }
        if (res->status != 0) {
                char *nl = strchr(res->err, '\n');

                if (nl)
                        *nl = '\0';
                snprintf(reason, IMPORT_REASON_MAX, "pdfimages %s: %s",
                         res->timed_out ? "took too long"
                         : res->flooded ? "repeated an error without end and was stopped"
                                        : "failed",
                         res->err[0] ? res->err : "no message");
                subproc_result_done(res);
                return -EBADMSG;
        }
        return 0;
}

/* pdfimages writing the images of pages first..last (0: every page) under prefix. */
static int pdfextract_dump(const char *path, const char *prefix, unsigned first, unsigned last,
                           const volatile sig_atomic_t *stop, char *reason)
{
        char f[16], l[16];
        const char *all[] = { "pdfimages", "-j", "-png", "-p", path, prefix, NULL };
        const char *some[] = { "pdfimages", "-j", "-png", "-f", f, "-l", l, "-p", path, prefix, NULL };
        SubprocResult res = {};
        int r;

        snprintf(f, sizeof(f), "%u", first);
        snprintf(l, sizeof(l), "%u", last);
        r = pdfextract_run(first ? some : all, stop, &res, reason);
        if (r >= 0)
                subproc_result_done(&res);
        return r;
}

/* Whether the disk of dir may have been too full for pdfimages to write
 * need bytes: less room than that left (with a margin for the format), or
 * no inode left. room says what there is, in words. When it cannot tell,
 * it says so and answers yes: nothing doubtful is sent. */
static bool pdfextract_room_short(const char *dir, uint64_t need, char *room, size_t len)
{
        const char *slash = strrchr(dir, '/');
        int parent = slash && slash > dir ? (int) (slash - dir) : (int) strlen(dir);
        struct statvfs v;
        uint64_t avail;

        if (statvfs(dir, &v) < 0) {
                snprintf(room, len, "the room left in %.*s is unknown: %s", parent, dir, strerror(errno));
                return true;
        }
        avail = (uint64_t) v.f_bavail * v.f_frsize;
        snprintf(room, len, "%.*s has %llu KiB free%s", parent, dir, (unsigned long long) (avail / 1024),
                 v.f_files > 0 && v.f_favail == 0 ? " and no inode free" : "");
        return avail < need + need / 64 + (64u << 10) || (v.f_files > 0 && v.f_favail == 0);
}

/* The extracted file of image num on page, whichever extension it got. */
static char *pdfextract_find(const char *prefix, unsigned page, unsigned num, Sohoa__ImageFormat *ret_format)
{
        static const struct {
                const char *ext;
                Sohoa__ImageFormat format;
        } exts[] = {
                { "jpg", SOHOA__IMAGE_FORMAT__FORMAT_JPEG },
                { "png", SOHOA__IMAGE_FORMAT__FORMAT_PNG },
        };
        char *p;

        for (size_t i = 0; i < ELEMENTSOF(exts); i++) {
                if (asprintf(&p, "%s-%03u-%03u.%s", prefix, page, num, exts[i].ext) < 0)
                        return NULL;
                if (access(p, F_OK) == 0) {
                        *ret_format = exts[i].format;
                        return p;
                }
                free(p);
        }
        return NULL;
}

/* 1 when the two files hold the same bytes, 0 when not, negative errno. */
static int pdfextract_same_bytes(const char *a, const char *b)
{
        FILE *fa = fopen(a, "rbe"), *fb = fopen(b, "rbe");
        char ba[65536], bb[65536];
        int r = -errno;

        if (fa && fb)
                for (r = -1; r < 0;) {
                        size_t na = fread(ba, 1, sizeof(ba), fa), nb = fread(bb, 1, sizeof(bb), fb);

                        if (na != nb || memcmp(ba, bb, na) != 0)
                                r = 0;
                        else if (na == 0)
                                r = ferror(fa) || ferror(fb) ? -EIO : 1;
                }
        if (fa)
                fclose(fa);
        if (fb)
                fclose(fb);
        return r;
}

/* An image that is not whole though the disk had room: its page extracted
 * again, alone. The same bytes (or no file) twice: it is what the PDF
 * holds. Otherwise the first copy was damaged on the way: held back. */
static int pdfextract_again(const char *path, const char *dir, unsigned page, const PdfExtractChoice *c,
                            PdfExtractPage *p, const char *why, const volatile sig_atomic_t *stop,
                            char *reason)
{
        char *prefix = NULL, *again = NULL, failed[IMPORT_REASON_MAX];
        Sohoa__ImageFormat format = 0;
        int r, same;

        if (asprintf(&prefix, "%s/again", dir) < 0)
                return -ENOMEM;
        r = pdfextract_dump(path, prefix, page, page, stop, failed);
        if (r == -EINTR || r == -ENOMEM)
                goto out;
        if (r >= 0)
                again = pdfextract_find(prefix, page, c->num - c->first_num, &format);
        same = r < 0                                       ? 0
               : !again && !p->path                        ? 1
               : !again || !p->path || format != p->format ? 0
                                                           : pdfextract_same_bytes(p->path, again);
        if (same < 0) {
                r = same;
                snprintf(reason, IMPORT_REASON_MAX, "page %u: cannot compare its extracted images: %s", page,
                         strerror(-r));
                goto out;
        }
        if (!same) {
                snprintf(reason, IMPORT_REASON_MAX,
                         "page %u: its extracted image is %.200s, and %s when extracted again: run the "
                         "import "
                         "again (is the disk of $TMPDIR filling up?)",
                         page, why, r < 0 ? "failed" : "came out otherwise");
                r = -EAGAIN;
                goto out;
        }
        r = 0;
        if (!p->path)
                p->missing = true;
        else if (asprintf(&p->note, "the PDF's own image is not whole (%.200s): sent as embedded", why) <
                 0) {
                p->note = NULL;
                r = -ENOMEM;
        }
out:
        if (again)
                (void) unlink(again);
        free(again);
        free(prefix);
        return r;
}

/* The file of page's image, checked whole (see pdfextract.h). */
static int pdfextract_take(const char *path, const char *dir, const char *prefix, unsigned page,
                           const PdfExtractChoice *c, PdfExtractPage *p, const volatile sig_atomic_t *stop,
                           char *reason)
{
        char why[IMPORT_REASON_MAX], room[160];
        int r;

        p->dpi = c->dpi;
        p->mode = c->mode;
        p->path = pdfextract_find(prefix, page, c->num, &p->format);
        if (p->path) {
                r = imgprobe_whole(p->path, p->format, c->width, c->height, why);
                if (r == 0 || r == -ENOMEM)
                        return r;
        } else
                snprintf(why, sizeof(why), "missing");
        if (pdfextract_room_short(dir, c->raw_bytes, room, sizeof(room))) {
                snprintf(reason, IMPORT_REASON_MAX, "page %u: its extracted image is %.200s (%s)", page, why,
                         room);
                return -EAGAIN;
        }
        return pdfextract_again(path, dir, page, c, p, why, stop, reason);
}

/* `pdfimages -list` read into choice (npages). */
static int pdfextract_list(const char *path, unsigned npages, const volatile sig_atomic_t *stop,
                           PdfExtractChoice *choice, uint64_t *ret_raw_max, char *reason)
{
        const char *argv[] = { "pdfimages", "-list", path, NULL };
        SubprocResult res = {};
        int r;

        r = pdfextract_run(argv, stop, &res, reason);
        if (r < 0)
                return r;
        r = pdfextract_parse_list(res.out, npages, choice, ret_raw_max);
        subproc_result_done(&res);
        if (r < 0)
                snprintf(reason, IMPORT_REASON_MAX, "pdfimages -list printed no table");
        return r;
}

int pdfextract_pages(const char *path, const char *dir, unsigned npages, const volatile sig_atomic_t *stop,
                     PdfExtractPage **ret_pages, char *reason)
{
        char room[160], failed[IMPORT_REASON_MAX];
        PdfExtractChoice *choice = NULL;
        PdfExtractPage *pages = NULL;
        uint64_t raw_max = 0;
        char *prefix = NULL;
        int r;

        choice = calloc(npages, sizeof(*choice));
        pages = calloc(npages, sizeof(*pages));
        if (!choice || !pages || asprintf(&prefix, "%s/p", dir) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = pdfextract_list(path, npages, stop, choice, &raw_max, reason);
        if (r >= 0) {
                r = pdfextract_dump(path, prefix, 0, 0, stop, reason);
                if (r == -EBADMSG && pdfextract_room_short(dir, raw_max, room, sizeof(room))) {
                        memcpy(failed, reason, sizeof(failed));
                        snprintf(reason, IMPORT_REASON_MAX, "%.250s (%s)", failed, room);
                        r = -EAGAIN;
                }
        }
        for (unsigned i = 0; r >= 0 && i < npages; i++)
                if (choice[i].pixels > 0)
                        r = pdfextract_take(path, dir, prefix, i + 1, &choice[i], &pages[i], stop, reason);
        /* Not installed now, maybe next time: nothing is lost by waiting. */
        if (r == -ENOENT)
                r = -EAGAIN;
        if (r < 0)
                goto out;
        *ret_pages = pages;
        pages = NULL;
out:
        pdfextract_pages_free(pages, npages);
        free(choice);
        free(prefix);
        return r;
}

PdfExtractPage *pdfextract_pages_free(PdfExtractPage *pages, unsigned npages)
{
        if (!pages)
                return NULL;
        for (unsigned i = 0; i < npages; i++) {
                free(pages[i].path);
                free(pages[i].note);
        }
        free(pages);
        return NULL;
}
