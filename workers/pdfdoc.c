/* The PDF file: objects printed to a memory stream (open_memstream), each
 * one's offset kept for the cross-reference table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pdfdoc.h"

struct PdfDoc {
        FILE *f;
        char *buf; /* open_memstream's, valid after fflush/fclose */
        size_t size;
        long *offsets; /* by object number; 0: not written (yet) */
        int n;         /* objects reserved, numbered 1..n */
        int cap;
};

int pdf_doc_new(PdfDoc **ret)
{
        PdfDoc *d = calloc(1, sizeof(*d));

        if (!d)
                return -ENOMEM;
        d->f = open_memstream(&d->buf, &d->size);
        if (!d->f) {
                free(d);
                return -ENOMEM;
        }
        /* The binary comment tells transfer programs the file is binary. */
        fputs("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", d->f);
        *ret = d;
        return 0;
}

PdfDoc *pdf_doc_free(PdfDoc *d)
{
        if (!d)
                return NULL;
        if (d->f)
                fclose(d->f);
        free(d->buf);
        free(d->offsets);
        free(d);
        return NULL;
}

int pdf_doc_reserve(PdfDoc *d)
{
        if (d->n + 1 >= d->cap) {
                int cap = d->cap ? d->cap * 2 : 16;
                long *o = realloc(d->offsets, (size_t) cap * sizeof(*o));

                if (!o)
                        return -ENOMEM;
                memset(o + d->cap, 0, (size_t) (cap - d->cap) * sizeof(*o));
                d->offsets = o;
                d->cap = cap;
        }
        return ++d->n;
}

FILE *pdf_doc_begin(PdfDoc *d, int obj)
{
        if (obj > 0 && obj <= d->n)
                d->offsets[obj] = ftell(d->f);
        fprintf(d->f, "%d 0 obj\n", obj);
        return d->f;
}

void pdf_doc_end(PdfDoc *d)
{
        fputs("\nendobj\n", d->f);
}

void pdf_doc_stream(PdfDoc *d, int obj, const char *dict, const void *data, size_t size)
{
        FILE *f = pdf_doc_begin(d, obj);

        fprintf(f, "<< %s /Length %zu >>\nstream\n", dict, size);
        fwrite(data, 1, size, f);
        fputs("\nendstream", f);
        pdf_doc_end(d);
}

int pdf_doc_flate(PdfDoc *d, int obj, const char *dict, const void *data, size_t size)
{
        uLongf n = compressBound((uLong) size);
        uint8_t *z = malloc(n);
        char full[512];

        if (!z)
                return -ENOMEM;
        if (compress2(z, &n, data, (uLong) size, Z_DEFAULT_COMPRESSION) != Z_OK) {
                free(z);
                return -ENOMEM;
        }
        snprintf(full, sizeof(full), "%s /Filter /FlateDecode", dict);
        pdf_doc_stream(d, obj, full, z, n);
        free(z);
        return 0;
}

int pdf_doc_finish(PdfDoc *d, int root, uint8_t **ret_data, size_t *ret_size)
{
        long xref;
        int r;

        for (int i = 1; i <= d->n; i++)
                if (d->offsets[i] == 0) {
                        r = -EINVAL;
                        goto out;
                }
        xref = ftell(d->f);
        fprintf(d->f, "xref\n0 %d\n0000000000 65535 f \n", d->n + 1);
        for (int i = 1; i <= d->n; i++)
                fprintf(d->f, "%010ld 00000 n \n", d->offsets[i]);
        fprintf(d->f, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%ld\n%%%%EOF\n", d->n + 1, root,
                xref);
        if (ferror(d->f) || fclose(d->f) != 0) {
                d->f = NULL;
                r = -ENOMEM;
                goto out;
        }
        d->f = NULL;
        *ret_data = (uint8_t *) d->buf;
        *ret_size = d->size;
        d->buf = NULL;
        r = 0;
out:
        pdf_doc_free(d);
        return r;
}
