/* Scanned PDFs through Poppler's pdfimages (see pdfimg.h). The tool rather
 * than libpoppler-glib: it writes DCT images out unchanged (-j), which the
 * GLib binding cannot (it hands back decoded cairo surfaces), it states each
 * image's placed resolution (-list), and it is already installed for the
 * tests' pdftotext. Its output names are "<prefix>-PPP-NNN.<ext>", NNN being
 * the image number -list prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>

#include "importfile.h"
#include "pdfimg.h"
#include "subproc.h"

#define PDFIMG_LIST_MAX (16u << 20)

int pdfimg_count(const char *path, unsigned *ret, char *reason)
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

typedef struct PdfImgChoice {
        unsigned num;
        uint64_t pixels;
        unsigned dpi;
        const char *mode;
} PdfImgChoice;

/* Reads `pdfimages -list` into the largest image of each page. */
static int pdfimg_parse_list(const char *list, unsigned npages, PdfImgChoice *choice)
{
        const char *line = strstr(list, "\n---");

        if (!line)
                return -EBADMSG;
        line = strchr(line + 1, '\n');
        while (line && *++line) {
                unsigned page, num, w, h, comp, bpc, objid, gen, xppi, yppi;
                char type[16], color[16], enc[16], interp[8];

                if (sscanf(line, "%u %u %15s %u %u %15s %u %u %15s %7s %u %u %u %u", &page, &num, type, &w, &h,
                           color, &comp, &bpc, enc, interp, &objid, &gen, &xppi, &yppi) == 14 &&
                    strcmp(type, "image") == 0 && page >= 1 && page <= npages &&
                    (uint64_t) w * h > choice[page - 1].pixels) {
                        PdfImgChoice *c = &choice[page - 1];

                        c->num = num;
                        c->pixels = (uint64_t) w * h;
                        c->dpi = xppi;
                        c->mode = comp >= 3 || strcmp(color, "index") == 0 ? "color"
                                  : bpc == 1                               ? "lineart"
                                                                           : "gray";
                }
                line = strchr(line, '\n');
        }
        return 0;
}

static int pdfimg_run(const char *const *argv, SubprocResult *res, char *reason)
{
        int r = subproc_run(argv, PDFIMG_TIMEOUT_S * 1000ULL, PDFIMG_LIST_MAX, res);

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
                         res->timed_out ? "took too long" : "failed", res->err[0] ? res->err : "no message");
                subproc_result_done(res);
                return -EBADMSG;
        }
        return 0;
}

/* The extracted file of image num on page, whichever extension it got. */
static char *pdfimg_find(const char *prefix, unsigned page, unsigned num, Sohoa__ImageFormat *ret_format)
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
                if (access(p, R_OK) == 0) {
                        *ret_format = exts[i].format;
                        return p;
                }
                free(p);
        }
        return NULL;
}

int pdfimg_extract(const char *path, const char *dir, unsigned npages, PdfImgPage **ret_pages, char *reason)
{
        const char *list_argv[] = { "pdfimages", "-list", path, NULL };
        PdfImgChoice *choice = NULL;
        PdfImgPage *pages = NULL;
        SubprocResult res = {};
        char *prefix = NULL;
        int r;

        choice = calloc(npages, sizeof(*choice));
        pages = calloc(npages, sizeof(*pages));
        if (!choice || !pages || asprintf(&prefix, "%s/p", dir) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = pdfimg_run(list_argv, &res, reason);
        if (r < 0)
                goto out;
        r = pdfimg_parse_list(res.out, npages, choice);
        subproc_result_done(&res);
        if (r < 0) {
                snprintf(reason, IMPORT_REASON_MAX, "pdfimages -list printed no table");
                goto out;
        }
        {
                const char *argv[] = { "pdfimages", "-j", "-png", "-p", path, prefix, NULL };

                r = pdfimg_run(argv, &res, reason);
                if (r < 0)
                        goto out;
                subproc_result_done(&res);
        }
        for (unsigned i = 0; i < npages; i++) {
                if (choice[i].pixels == 0)
                        continue;
                pages[i].path = pdfimg_find(prefix, i + 1, choice[i].num, &pages[i].format);
                pages[i].dpi = choice[i].dpi;
                pages[i].mode = choice[i].mode;
        }
        *ret_pages = pages;
        pages = NULL;
        r = 0;
out:
        pdfimg_pages_free(pages, npages);
        free(choice);
        free(prefix);
        return r;
}

PdfImgPage *pdfimg_pages_free(PdfImgPage *pages, unsigned npages)
{
        if (!pages)
                return NULL;
        for (unsigned i = 0; i < npages; i++)
                free(pages[i].path);
        free(pages);
        return NULL;
}
