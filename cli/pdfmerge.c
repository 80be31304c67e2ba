/* Merging single-page PDFs with qpdf's C API (see pdfmerge.h). Every input
 * stays open (one qpdf_data each) until the output is written, because
 * qpdf copies foreign objects lazily at write time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>

#include "pdfmerge.h"

#define PDFMERGE_MIN_VERSION "1.4"

/* qpdf's pending error (or a fallback) into errbuf; returns -EBADMSG. */
static int pdfmerge_error(qpdf_data q, const char *what, char *errbuf, size_t errlen)
{
        const char *why = q && qpdf_has_error(q) ? qpdf_get_error_full_text(q, qpdf_get_error(q))
                                                 : "unknown error";

        snprintf(errbuf, errlen, "%s: %s", what, why);
        return -EBADMSG;
}

static int pdfmerge_add(qpdf_data out, qpdf_data src, const PdfMergePage *p, size_t index, char *version,
                        char *errbuf, size_t errlen)
{
        char what[96];
        const char *v;
        qpdf_oh page;

        snprintf(what, sizeof(what), "page %zu (%s)", index + 1, p->uuid);
        qpdf_silence_errors(src);
        if (qpdf_read_memory(src, p->uuid, (const char *) p->pdf, p->len, NULL) & QPDF_ERRORS)
                return pdfmerge_error(src, what, errbuf, errlen);
        if (qpdf_get_num_pages(src) != 1) {
                snprintf(errbuf, errlen, "%s: the stored PDF has %d pages, not one", what,
                         qpdf_get_num_pages(src));
                return -EBADMSG;
        }
        v = qpdf_get_pdf_version(src);
        if (v && strverscmp(v, version) > 0)
                snprintf(version, 16, "%s", v);
        if (qpdf_add_page(out, src, qpdf_get_page_n(src, 0), QPDF_FALSE) & QPDF_ERRORS)
                return pdfmerge_error(out, what, errbuf, errlen);
        page = qpdf_get_page_n(out, index);
        qpdf_oh_replace_key(out, page, "/SohoaPage", qpdf_oh_new_string(out, p->uuid));
        if (qpdf_has_error(out))
                return pdfmerge_error(out, what, errbuf, errlen);
        return 0;
}

static void pdfmerge_info(qpdf_data out, const PdfMergeInfo *info, size_t n_info)
{
        qpdf_oh dict = qpdf_make_indirect_object(out, qpdf_oh_new_dictionary(out));

        for (size_t i = 0; i < n_info; i++)
                if (info[i].value)
                        qpdf_oh_replace_key(out, dict, info[i].key,
                                            qpdf_oh_new_unicode_string(out, info[i].value));
        qpdf_oh_replace_key(out, qpdf_get_trailer(out), "/Info", dict);
}

int pdfmerge_write(const char *path, const PdfMergePage *pages, size_t n, const PdfMergeInfo *info,
                   size_t n_info, char *errbuf, size_t errlen)
{
        char version[16] = PDFMERGE_MIN_VERSION, *tmp = NULL;
        qpdf_data out = NULL, *srcs = calloc(n ? n : 1, sizeof(*srcs));
        int r = -ENOMEM;

        if (!srcs || asprintf(&tmp, "%s.part", path) < 0) {
                tmp = NULL;
                goto out;
        }
        out = qpdf_init();
        if (!out)
                goto out;
        qpdf_silence_errors(out);
        if (qpdf_empty_pdf(out) & QPDF_ERRORS) {
                r = pdfmerge_error(out, "empty PDF", errbuf, errlen);
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                srcs[i] = qpdf_init();
                if (!srcs[i]) {
                        r = -ENOMEM;
                        goto out;
                }
                r = pdfmerge_add(out, srcs[i], &pages[i], i, version, errbuf, errlen);
                if (r < 0)
                        goto out;
        }
        pdfmerge_info(out, info, n_info);
        if (qpdf_init_write(out, tmp) & QPDF_ERRORS) {
                r = pdfmerge_error(out, tmp, errbuf, errlen);
                goto out;
        }
        qpdf_set_minimum_pdf_version(out, version);
        qpdf_set_deterministic_ID(out, QPDF_TRUE);
        if (qpdf_write(out) & QPDF_ERRORS) {
                r = pdfmerge_error(out, tmp, errbuf, errlen);
                goto out;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
                goto out;
        }
        r = 0;
out:
        if (r < 0 && tmp)
                (void) unlink(tmp);
        for (size_t i = 0; srcs && i < n; i++)
                if (srcs[i])
                        qpdf_cleanup(&srcs[i]);
        if (out)
                qpdf_cleanup(&out);
        free(srcs);
        free(tmp);
        return r;
}

int pdfmerge_read(const char *path, size_t *ret_pages, char **uuids, size_t max, char *errbuf, size_t errlen)
{
        qpdf_data q = qpdf_init();
        int n, r = -EBADMSG;

        if (!q)
                return -ENOMEM;
        qpdf_silence_errors(q);
        if (qpdf_read(q, path, NULL) & QPDF_ERRORS) {
                r = pdfmerge_error(q, path, errbuf, errlen);
                goto out;
        }
        n = qpdf_get_num_pages(q);
        if (n < 0) {
                r = pdfmerge_error(q, path, errbuf, errlen);
                goto out;
        }
        for (size_t i = 0; i < (size_t) n && i < max; i++) {
                qpdf_oh v = qpdf_oh_get_key(q, qpdf_get_page_n(q, i), "/SohoaPage");

                uuids[i] = qpdf_oh_is_string(q, v) ? strdup(qpdf_oh_get_utf8_value(q, v)) : NULL;
        }
        *ret_pages = (size_t) n;
        r = 0;
out:
        qpdf_cleanup(&q);
        return r;
}
