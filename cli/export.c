/* sohoactl export: one searchable PDF of a batch (its pages by sequence) or
 * a dossier (its batches by capture time, then sequence), merged from the
 * stored single-page PDFs with qpdf (pdfmerge.h), with the dossier's
 * metadata in the Info dictionary; and beside it a JSON manifest that names,
 * for every page, its capture SHA-256 (page.sha256, of the image as
 * scanned) and the SHA-256 of its stored PDF page, plus the SHA-256 of the
 * whole file: docs/EXPORT.md says what an archive can verify with it. A
 * registered dossier's export adds its Appendix VI metadata (appendix6.h),
 * named with its hashes in the manifest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appendix6.h"
#include "cli.h"
#include "dbconn.h"
#include "json.h"
#include "pdfmerge.h"
#include "sha256.h"
#include "uuid.h"

#define EXPORT_FORMAT "sohoa-export/1"

/* $1 batch UUID or NULL, $2 dossier code or NULL. Every column is text but
 * the PDF (binary result format: bytea arrives as raw bytes). A dossier's
 * pages are those of its components (sql/005's component_page: the batches
 * linked to them, a reused document's origin) in DocOrdinal order, then
 * the pages captured with its code that belong to no component; within
 * each, batches by capture time (the batch's earliest page), then sequence. */
static const char export_pages_sql[] =
        "WITH comp AS ("
        " SELECT DISTINCT ON (cp.page_uuid) cp.page_uuid, c.doc_ordinal"
        " FROM component c JOIN component_page cp USING (component_id)"
        " WHERE $2::text IS NOT NULL AND c.dossier_code = $2::text ORDER BY cp.page_uuid, c.doc_ordinal)"
        " SELECT p.page_uuid::text, p.batch_uuid::text, p.sequence::text, encode(p.sha256, 'hex'),"
        " encode(b.sha256, 'hex'), b.bytes, coalesce(p.source_name, ''), coalesce(p.dossier_code, ''),"
        " coalesce(to_char(p.captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
        " p.status, coalesce(comp.doc_ordinal, 0)::text"
        " FROM page p LEFT JOIN page_blob b ON b.page_uuid = p.page_uuid AND b.kind = 'pdf'"
        " LEFT JOIN comp ON comp.page_uuid = p.page_uuid"
        " WHERE ($1::uuid IS NULL OR p.batch_uuid = $1::uuid)"
        "  AND ($2::text IS NULL OR p.dossier_code = $2::text OR comp.page_uuid IS NOT NULL)"
        " ORDER BY comp.doc_ordinal NULLS LAST,"
        " min(coalesce(p.captured_at, p.stored_at)) OVER (PARTITION BY p.batch_uuid), p.batch_uuid,"
        " p.sequence, p.page_uuid";

/* $1 dossier code. */
static const char export_dossier_sql[] =
        "SELECT coalesce(d.title, ''), coalesce(d.agency_code, ''), coalesce(a.name, ''),"
        " coalesce(to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '')"
        " FROM dossier d LEFT JOIN agency a USING (agency_code) WHERE d.dossier_code = $1";

enum {
        COL_PAGE,
        COL_BATCH,
        COL_SEQ,
        COL_SHA,
        COL_PDF_SHA,
        COL_PDF,
        COL_SOURCE,
        COL_DOSSIER,
        COL_CAPTURED,
        COL_STATUS,
        COL_ORDINAL
};

typedef struct ExportArgs {
        const char *conninfo;
        const char *what;
        const char *output;
        const char *manifest;
        bool is_batch;
} ExportArgs;

typedef struct ExportMeta {
        char dossier[64];
        char title[512];
        char agency[64];
        char agency_name[256];
        char received[16];
} ExportMeta;

static const char *export_val(const PGresult *res, int row, int col)
{
        return PQgetvalue(res, row, col);
}

/* Pages, each checked: a PDF present and matching its recorded hash. */
static int export_check_pages(const PGresult *res, PdfMergePage *pages)
{
        int n = PQntuples(res);

        for (int i = 0; i < n; i++) {
                const char *u = export_val(res, i, COL_PAGE);
                char hex[SHA256_HEX_MAX];
                uint8_t sha[SHA256_LEN];

                if (PQgetisnull(res, i, COL_PDF)) {
                        fprintf(stderr, "sohoactl export: page %s (sequence %s, %s) has no stored PDF\n", u,
                                export_val(res, i, COL_SEQ), export_val(res, i, COL_STATUS));
                        return -ENODATA;
                }
                sha256_buf(PQgetvalue(res, i, COL_PDF), (size_t) PQgetlength(res, i, COL_PDF), sha);
                if (strcmp(sha256_hex(sha, hex), export_val(res, i, COL_PDF_SHA)) != 0) {
                        fprintf(stderr,
                                "sohoactl export: the stored PDF of page %s does not match its SHA-256\n",
                                u);
                        return -EBADMSG;
                }
                pages[i] = (PdfMergePage) { .pdf = (const uint8_t *) PQgetvalue(res, i, COL_PDF),
                                            .len = (size_t) PQgetlength(res, i, COL_PDF),
                                            .uuid = u };
        }
        return 0;
}

static void export_meta(PGconn *c, const char *dossier, ExportMeta *m)
{
        const char *params[1] = { dossier };
        PGresult *res;

        snprintf(m->dossier, sizeof(m->dossier), "%s", dossier);
        /* The agency's code is the dossier code's first 13 characters. */
        if (strlen(dossier) > 13 && dossier[13] == '-')
                snprintf(m->agency, sizeof(m->agency), "%.13s", dossier);
        res = PQexecParams(c, export_dossier_sql, 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
                snprintf(m->title, sizeof(m->title), "%s", PQgetvalue(res, 0, 0));
                if (PQgetvalue(res, 0, 1)[0])
                        snprintf(m->agency, sizeof(m->agency), "%s", PQgetvalue(res, 0, 1));
                snprintf(m->agency_name, sizeof(m->agency_name), "%s", PQgetvalue(res, 0, 2));
                snprintf(m->received, sizeof(m->received), "%s", PQgetvalue(res, 0, 3));
        }
        PQclear(res);
}

static int export_pdf(const ExportArgs *a, const PGresult *res, const ExportMeta *m, const char *now_pdf)
{
        int n = PQntuples(res);
        PdfMergePage *pages = calloc((size_t) n, sizeof(*pages));
        char title[700], subject[512], keywords[512], captured[64], count[16], err[512];
        const char *first = export_val(res, 0, COL_CAPTURED), *last = export_val(res, n - 1, COL_CAPTURED);
        int r;

        if (!pages)
                return -ENOMEM;
        r = export_check_pages(res, pages);
        if (r < 0)
                goto out;
        if (m->dossier[0])
                snprintf(title, sizeof(title), "Hồ sơ %s%s%s", m->dossier, m->title[0] ? ": " : "",
                         m->title);
        else
                snprintf(title, sizeof(title), "Batch %s", a->what);
        snprintf(subject, sizeof(subject), "Dossier %s, agency %s%s%s", m->dossier[0] ? m->dossier : "none",
                 m->agency[0] ? m->agency : "unknown", m->agency_name[0] ? " " : "", m->agency_name);
        snprintf(keywords, sizeof(keywords), "%s%s%s", m->dossier, m->dossier[0] && m->agency[0] ? ", " : "",
                 m->agency);
        snprintf(captured, sizeof(captured), "%s/%s", first, last);
        snprintf(count, sizeof(count), "%d", n);
        const PdfMergeInfo info[] = {
                { "/Title", title },
                { "/Subject", subject },
                { "/Keywords", keywords },
                { "/Author", m->agency_name[0] ? m->agency_name
                             : m->agency[0]    ? m->agency
                                               : NULL },
                { "/Creator", "sohoactl export " SOHOA_VERSION },
                { "/CreationDate", now_pdf },
                { "/ModDate", now_pdf },
                { "/SohoaDossier", m->dossier[0] ? m->dossier : NULL },
                { "/SohoaBatch", a->is_batch ? a->what : NULL },
                { "/SohoaAgency", m->agency[0] ? m->agency : NULL },
                { "/SohoaReceived", m->received[0] ? m->received : NULL },
                { "/SohoaCaptured", first[0] ? captured : NULL },
                { "/SohoaPages", count },
        };
        r = pdfmerge_write(a->output, pages, (size_t) n, info, ELEMENTSOF(info), err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "sohoactl export: cannot write %s: %s\n", a->output,
                        r == -EBADMSG ? err : strerror(-r));
out:
        free(pages);
        return r;
}

/* What export wrote beside the PDF, for the manifest. */
typedef struct ExportFiles {
        char pdf_sha[SHA256_HEX_MAX];
        long pdf_bytes;
        char *meta_json, *meta_xml; /* paths, NULL when no metadata was written */
        char json_sha[SHA256_HEX_MAX], xml_sha[SHA256_HEX_MAX];
} ExportFiles;

static const char *export_base(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

/* The SHA-256 (hex) and, when ret_size is given, the size of a written file. */
static int export_hash_file(const char *path, char hex[SHA256_HEX_MAX], long *ret_size)
{
        uint8_t sha[SHA256_LEN];
        FILE *f = fopen(path, "re");
        long size;
        int r;

        if (!f)
                return -errno;
        r = sha256_fd(fileno(f), sha);
        size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        fclose(f);
        if (r < 0 || size < 0)
                return r < 0 ? r : -EIO;
        sha256_hex(sha, hex);
        if (ret_size)
                *ret_size = size;
        return 0;
}

/* The dossier's Appendix VI metadata beside the PDF (FILE.pdf.meta.json and
 * .xml): every page under its document. None for a batch, or for a dossier
 * code without a dossier row (pages imported with --dossier only). */
static int export_metadata(PGconn *c, const ExportArgs *a, const PGresult *res, ExportFiles *files)
{
        int n = PQntuples(res);
        Appendix6Page *pages = calloc((size_t) n, sizeof(*pages));
        int r;

        if (!pages)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                pages[i] = (Appendix6Page) { .uuid = export_val(res, i, COL_PAGE),
                                             .capture_sha256 = export_val(res, i, COL_SHA),
                                             .pdf_sha256 = export_val(res, i, COL_PDF_SHA),
                                             .ordinal = atoi(export_val(res, i, COL_ORDINAL)) };
        if (asprintf(&files->meta_json, "%s.meta.json", a->output) < 0 ||
            asprintf(&files->meta_xml, "%s.meta.xml", a->output) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = appendix6_write_json(c, a->what, pages, (size_t) n, export_base(a->output), files->pdf_sha,
                                 files->meta_json);
        if (r == -ENOENT) {
                printf("%s: no Appendix VI metadata: dossier %s is not registered (%s)\n", a->output,
                       a->what, "`sohoactl dossier add`");
                r = 0;
                goto out;
        }
        if (r >= 0)
                r = appendix6_write_xml(files->meta_json, files->meta_xml);
        if (r >= 0)
                r = export_hash_file(files->meta_json, files->json_sha, NULL);
        if (r >= 0)
                r = export_hash_file(files->meta_xml, files->xml_sha, NULL);
        if (r >= 0) {
                free(pages);
                return 0;
        }
        if (r != -EIO)
                fprintf(stderr, "sohoactl export: cannot write the metadata %s: %s\n", files->meta_json,
                        strerror(-r));
out:
        files->meta_json = mfree(files->meta_json);
        files->meta_xml = mfree(files->meta_xml);
        free(pages);
        return r;
}

static int export_manifest(const ExportArgs *a, const PGresult *res, const ExportMeta *m,
                           const ExportFiles *files, const char *now_iso)
{
        char tmp[4096];
        FILE *f;
        int r;
        Json j;

        snprintf(tmp, sizeof(tmp), "%s.part", a->manifest);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        json_init(&j, f);
        json_begin_object(&j);
        json_field_string(&j, "format", EXPORT_FORMAT);
        json_field_string(&j, "pdf", export_base(a->output));
        json_field_string(&j, "pdf_sha256", files->pdf_sha);
        json_field_uint(&j, "pdf_bytes", (uint64_t) files->pdf_bytes);
        json_field_uint(&j, "page_count", (uint64_t) PQntuples(res));
        json_field_string(&j, "batch_uuid", a->is_batch ? a->what : NULL);
        json_field_string(&j, "dossier_code", m->dossier[0] ? m->dossier : NULL);
        json_field_string(&j, "agency_code", m->agency[0] ? m->agency : NULL);
        json_field_string(&j, "exported_at", now_iso);
        if (files->meta_json) {
                json_key(&j, "metadata");
                json_begin_object(&j);
                json_field_string(&j, "json", export_base(files->meta_json));
                json_field_string(&j, "json_sha256", files->json_sha);
                json_field_string(&j, "xml", export_base(files->meta_xml));
                json_field_string(&j, "xml_sha256", files->xml_sha);
                json_end_object(&j);
        }
        json_key(&j, "pages");
        json_begin_array(&j);
        for (int i = 0; i < PQntuples(res); i++) {
                json_begin_object(&j);
                json_field_uint(&j, "pdf_page", (uint64_t) i + 1);
                json_field_string(&j, "page_uuid", export_val(res, i, COL_PAGE));
                json_field_string(&j, "batch_uuid", export_val(res, i, COL_BATCH));
                json_field_uint(&j, "sequence", strtoull(export_val(res, i, COL_SEQ), NULL, 10));
                json_field_string(&j, "capture_sha256", export_val(res, i, COL_SHA));
                json_field_string(&j, "pdf_page_sha256", export_val(res, i, COL_PDF_SHA));
                json_field_string(&j, "source_name",
                                  export_val(res, i, COL_SOURCE)[0] ? export_val(res, i, COL_SOURCE) : NULL);
                json_field_string(&j, "captured_at",
                                  export_val(res, i, COL_CAPTURED)[0] ? export_val(res, i, COL_CAPTURED)
                                                                      : NULL);
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
        if (fclose(f) != 0 || rename(tmp, a->manifest) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static int export_run(ExportArgs *a)
{
        const char *params[2] = { a->is_batch ? a->what : NULL, a->is_batch ? NULL : a->what };
        char now_pdf[32], now_iso[32];
        ExportFiles files = {};
        ExportMeta m = {};
        PGresult *res = NULL;
        PGconn *c = NULL;
        time_t now = time(NULL);
        int r;

        strftime(now_pdf, sizeof(now_pdf), "D:%Y%m%d%H%M%SZ", gmtime(&now));
        strftime(now_iso, sizeof(now_iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        r = dbconn_open(a->conninfo, &c);
        if (r < 0)
                return EXIT_FAILURE;
        res = PQexecParams(c, export_pages_sql, 2, NULL, params, NULL, NULL, 1);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                fprintf(stderr, "sohoactl export: %s", PQresultErrorMessage(res));
                r = -EIO;
                goto out;
        }
        if (PQntuples(res) == 0) {
                fprintf(stderr, "sohoactl export: no stored page for %s %s\n",
                        a->is_batch ? "batch" : "dossier", a->what);
                r = -ENOENT;
                goto out;
        }
        export_meta(c, a->is_batch ? export_val(res, 0, COL_DOSSIER) : a->what, &m);
        r = export_pdf(a, res, &m, now_pdf);
        if (r < 0)
                goto out;
        r = export_hash_file(a->output, files.pdf_sha, &files.pdf_bytes);
        if (r >= 0 && !a->is_batch)
                r = export_metadata(c, a, res, &files);
        if (r < 0)
                goto out;
        r = export_manifest(a, res, &m, &files, now_iso);
        if (r < 0) {
                fprintf(stderr, "sohoactl export: cannot write %s: %s\n", a->manifest, strerror(-r));
                goto out;
        }
        printf("%s: %d pages; manifest %s", a->output, PQntuples(res), a->manifest);
        if (files.meta_json)
                printf("; metadata %s, %s", files.meta_json, files.meta_xml);
        printf("\n");
out:
        free(files.meta_json);
        free(files.meta_xml);
        PQclear(res);
        PQfinish(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void export_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl export BATCH_UUID|DOSSIER_CODE -o FILE.pdf [-m MANIFEST.json] [--db "
                "CONNINFO]\n"
                "One searchable PDF of a batch's pages (by sequence) or a dossier's (its documents in\n"
                "order, then its other pages; batches by capture time, then sequence), and a manifest of\n"
                "SHA-256s beside it (default FILE.pdf.json) for `sohoactl verify`. A registered dossier\n"
                "also gets its Decree 30/2020 Appendix VI metadata, every page's SHA-256 under its\n"
                "document, beside the PDF as FILE.pdf.meta.json and FILE.pdf.meta.xml.\n\n"
                "  -o, --output FILE     the PDF to write\n"
                "  -m, --manifest FILE   the manifest to write (default FILE.pdf.json)\n"
                "      --db CONNINFO     libpq connection string (default $SOHOA_DB, else \"" DBCONN_DEFAULT
                "\")\n");
}

int export_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "output", required_argument, NULL, 'o' },
                { "manifest", required_argument, NULL, 'm' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        ExportArgs a = {};
        char *manifest = NULL;
        Uuid u;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "ho:m:", opts, NULL)) >= 0)
                switch (c) {
                case 'o':
                        a.output = optarg;
                        break;
                case 'm':
                        a.manifest = optarg;
                        break;
                case 'd':
                        a.conninfo = optarg;
                        break;
                case 'h':
                        export_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        export_usage(stderr);
                        return EXIT_FAILURE;
                }
        if (optind + 1 != argc || !a.output) {
                export_usage(stderr);
                return EXIT_FAILURE;
        }
        a.what = argv[optind];
        a.is_batch = uuid_parse(a.what, &u) == 0;
        if (!a.manifest) {
                if (asprintf(&manifest, "%s.json", a.output) < 0)
                        return EXIT_FAILURE;
                a.manifest = manifest;
        }
        r = export_run(&a);
        free(manifest);
        return r;
}
