/* sohoactl verify: checks an exported PDF against its manifest. From the
 * file alone: the whole file's SHA-256 and size, that qpdf reads it, its
 * page count, and that page i is the page the manifest's entry i names (the
 * /SohoaPage key export puts in every page); with --text, that pdftotext
 * finds text on every page. With --db, against the store too: each page's
 * capture SHA-256 and the SHA-256 of its stored PDF page, recomputed from
 * the bytes. When the manifest names a dossier's Appendix VI metadata:
 * both files as hashed, the XML the rendering of the JSON, and the pages
 * under their documents those of the PDF with the manifest's SHA-256s.
 * docs/EXPORT.md explains the split. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appendix6.h"
#include "cli.h"
#include "dbconn.h"
#include "jsonread.h"
#include "pdfmerge.h"
#include "sha256.h"
#include "subproc.h"

#define VERIFY_MANIFEST_MAX (64u << 20)

typedef struct Verify {
        const char *pdf;
        const char *manifest;
        const char *conninfo;
        bool text;
        unsigned failures;
        const JsonValue *pages; /* the manifest's "pages" array */
} Verify;

static void verify_fail(Verify *v, const char *fmt, ...) PRINTF_FMT(2, 3);

static void verify_fail(Verify *v, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "FAILED: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        v->failures++;
}

static int verify_read_manifest(const char *path, JsonValue **ret)
{
        char *text = NULL;
        size_t len = 0, off = 0;
        int r;

        r = appendix6_read_file(path, VERIFY_MANIFEST_MAX, &text, &len);
        if (r < 0)
                return r;
        r = jsonread_parse(text, len, ret, &off);
        if (r == -EBADMSG)
                fprintf(stderr, "sohoactl verify: %s: not valid JSON (at byte %zu)\n", path, off);
        free(text);
        return r;
}

static void verify_whole_file(Verify *v, const JsonValue *m)
{
        const char *want = jsonread_string(m, "pdf_sha256");
        const JsonValue *bytes = jsonread_get(m, "pdf_bytes");
        char hex[SHA256_HEX_MAX];
        uint8_t sha[SHA256_LEN];
        struct stat st;
        int fd, r;

        fd = open(v->pdf, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                verify_fail(v, "%s: %s", v->pdf, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return;
        }
        r = sha256_fd(fd, sha);
        close(fd);
        if (r < 0) {
                verify_fail(v, "%s: %s", v->pdf, strerror(-r));
                return;
        }
        sha256_hex(sha, hex);
        if (!want || strcmp(want, hex) != 0)
                verify_fail(v, "whole-file SHA-256: the manifest says %s, the file is %s",
                            want ? want : "(none)", hex);
        else
                printf("ok: whole-file SHA-256 %s\n", hex);
        if (!bytes || bytes->type != JSON_NUMBER || bytes->number != (double) st.st_size)
                verify_fail(v, "size: the manifest says %.0f bytes, the file has %lld",
                            bytes && bytes->type == JSON_NUMBER ? bytes->number : -1,
                            (long long) st.st_size);
}

/* Page count and, page by page, that the file holds the page the manifest names there. */
static void verify_pages(Verify *v, const JsonValue *m)
{
        const JsonValue *count = jsonread_get(m, "page_count");
        size_t n = v->pages->n, got = 0;
        char **uuids = calloc(n ? n : 1, sizeof(*uuids)), err[512];
        unsigned ok = 0;

        if (!uuids || pdfmerge_read(v->pdf, &got, uuids, n, err, sizeof(err)) < 0) {
                verify_fail(v, "qpdf cannot read %s: %s", v->pdf, uuids ? err : "out of memory");
                free(uuids);
                return;
        }
        if (!count || count->type != JSON_NUMBER || count->number != (double) n)
                verify_fail(v, "the manifest's page_count does not match its %zu page entries", n);
        if (got != n)
                verify_fail(v, "page count: the manifest lists %zu pages, the PDF has %zu", n, got);
        for (size_t i = 0; i < n && i < got; i++) {
                const char *want = jsonread_string(&v->pages->items[i], "page_uuid");

                if (!want || !uuids[i] || strcmp(want, uuids[i]) != 0)
                        verify_fail(v, "PDF page %zu is page %s, the manifest says %s", i + 1,
                                    uuids[i] ? uuids[i] : "(unmarked)", want ? want : "(none)");
                else
                        ok++;
        }
        for (size_t i = 0; i < n; i++)
                free(uuids[i]);
        free(uuids);
        if (got == n && ok == n)
                printf("ok: %zu pages, each the page the manifest names, in its order\n", n);
}

/* pdftotext page by page: a searchable PDF has text on every page. */
static void verify_text(Verify *v)
{
        size_t empty = 0;

        for (size_t i = 0; i < v->pages->n; i++) {
                char page[24];
                const char *argv[] = { "pdftotext", "-q", "-f", page, "-l", page, v->pdf, "-", NULL };
                SubprocResult res = {};
                bool blank = true;

                snprintf(page, sizeof(page), "%zu", i + 1);
                if (subproc_run(argv, 120000, 1 << 20, &res) < 0) {
                        verify_fail(v, "cannot run pdftotext (Debian: poppler-utils)");
                        return;
                }
                for (size_t k = 0; k < res.out_len; k++)
                        blank = blank && strchr(" \t\r\n\f", res.out[k]);
                if (res.status != 0 || blank) {
                        verify_fail(v, "PDF page %zu has no text layer", i + 1);
                        empty++;
                }
                subproc_result_done(&res);
        }
        if (!empty)
                printf("ok: every page has text\n");
}

/* Against the store: the capture hash as recorded, the PDF page's recomputed. */
static void verify_db(Verify *v)
{
        static const char sql[] =
                "SELECT encode(p.sha256, 'hex'), encode(sha256(b.bytes), 'hex')"
                " FROM page p LEFT JOIN page_blob b ON b.page_uuid = p.page_uuid AND b.kind = 'pdf'"
                " WHERE p.page_uuid = $1::uuid";
        PGconn *c = NULL;
        size_t ok = 0;

        if (dbconn_open(v->conninfo, &c) < 0) {
                verify_fail(v, "no database to check the page hashes against");
                return;
        }
        for (size_t i = 0; i < v->pages->n; i++) {
                const JsonValue *e = &v->pages->items[i];
                const char *u = jsonread_string(e, "page_uuid"), *cap = jsonread_string(e, "capture_sha256");
                const char *pdf = jsonread_string(e, "pdf_page_sha256"), *params[1] = { u };
                PGresult *res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);

                if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
                        verify_fail(v, "page %zu (%s) is not in the store", i + 1, u ? u : "?");
                else if (!cap || strcmp(cap, PQgetvalue(res, 0, 0)) != 0)
                        verify_fail(v, "page %zu: capture SHA-256 %s, the store has %s", i + 1,
                                    cap ? cap : "(none)", PQgetvalue(res, 0, 0));
                else if (!pdf || strcmp(pdf, PQgetvalue(res, 0, 1)) != 0)
                        verify_fail(v, "page %zu: PDF page SHA-256 %s, the stored PDF page is %s", i + 1,
                                    pdf ? pdf : "(none)", PQgetvalue(res, 0, 1));
                else
                        ok++;
                PQclear(res);
        }
        PQfinish(c);
        if (ok == v->pages->n)
                printf("ok: every page's capture and PDF page SHA-256 match the store\n");
}

/* A metadata file named by the manifest, beside the PDF: read whole and
 * checked against its SHA-256. NULL after saying why. */
static char *verify_meta_file(Verify *v, const JsonValue *meta, const char *name_key, const char *sha_key,
                              size_t *ret_len)
{
        const char *name = jsonread_string(meta, name_key), *want = jsonread_string(meta, sha_key);
        const char *slash = strrchr(v->pdf, '/');
        char path[4096], hex[SHA256_HEX_MAX];
        uint8_t sha[SHA256_LEN];
        char *text = NULL;
        int r;

        if (!name || !*name || strchr(name, '/') || !want) {
                verify_fail(v, "the manifest's metadata entry has no usable %s and %s", name_key, sha_key);
                return NULL;
        }
        snprintf(path, sizeof(path), "%.*s%s", slash ? (int) (slash - v->pdf + 1) : 0, v->pdf, name);
        r = appendix6_read_file(path, VERIFY_MANIFEST_MAX, &text, ret_len);
        if (r < 0) {
                verify_fail(v, "metadata %s: %s", path, strerror(-r));
                return NULL;
        }
        sha256_buf(text, *ret_len, sha);
        if (strcmp(sha256_hex(sha, hex), want) != 0) {
                verify_fail(v, "metadata %s: the manifest says SHA-256 %s, the file is %s", path, want, hex);
                free(text);
                return NULL;
        }
        return text;
}

/* One metadata page against the manifest's page at the same place. */
static bool verify_meta_page(Verify *v, const JsonValue *p, size_t i)
{
        static const char *const pairs[][2] = {
                { "PageUuid", "page_uuid" },
                { "CaptureSha256", "capture_sha256" },
                { "PdfPageSha256", "pdf_page_sha256" },
        };
        const JsonValue *no = jsonread_get(p, "PdfPage");
        const JsonValue *m = i < v->pages->n ? &v->pages->items[i] : NULL;

        if (!m) {
                verify_fail(v, "metadata: page %zu is not in the manifest", i + 1);
                return false;
        }
        if (!no || no->type != JSON_NUMBER || no->number != (double) (i + 1)) {
                verify_fail(v, "metadata: the page at place %zu does not say PdfPage %zu", i + 1, i + 1);
                return false;
        }
        for (size_t k = 0; k < ELEMENTSOF(pairs); k++) {
                const char *a = jsonread_string(p, pairs[k][0]), *b = jsonread_string(m, pairs[k][1]);

                if (!a || !b || strcmp(a, b) != 0) {
                        verify_fail(v, "metadata: PDF page %zu's %s is %s, the manifest's %s", i + 1,
                                    pairs[k][0], a ? a : "(none)", b ? b : "(none)");
                        return false;
                }
        }
        return true;
}

/* The documents' pages, then the other pages, are the manifest's pages in
 * order; the totals add up. */
static void verify_meta_pages(Verify *v, const JsonValue *meta)
{
        const JsonValue *file = jsonread_get(meta, "File"), *docs = jsonread_get(meta, "Documents");
        const JsonValue *other = jsonread_get(meta, "OtherPages");
        const JsonValue *doc_total = jsonread_get(file, "DocTotal"),
                        *page_total = jsonread_get(file, "PageTotal");
        size_t at = 0, bad = v->failures;
        bool pages_ok = true;

        if (!file || !docs || docs->type != JSON_ARRAY || !other || other->type != JSON_ARRAY) {
                verify_fail(v, "metadata: File, Documents or OtherPages missing");
                return;
        }
        if (!doc_total || doc_total->type != JSON_NUMBER || doc_total->number != (double) docs->n)
                verify_fail(v, "metadata: DocTotal does not count the %zu documents", docs->n);
        for (size_t d = 0; d <= docs->n; d++) {
                const JsonValue *pages = d < docs->n ? jsonread_get(&docs->items[d], "Pages") : other;
                const JsonValue *amount = d < docs->n ? jsonread_get(&docs->items[d], "PageAmount") : NULL;

                if (!pages || pages->type != JSON_ARRAY) {
                        verify_fail(v, "metadata: document %zu has no Pages", d + 1);
                        return;
                }
                if (d < docs->n &&
                    (!amount || amount->type != JSON_NUMBER || amount->number != (double) pages->n))
                        verify_fail(v, "metadata: document %zu's PageAmount does not count its %zu pages",
                                    d + 1, pages->n);
                /* After the first page that differs, the rest would only echo it. */
                for (size_t i = 0; i < pages->n; i++, at++)
                        if (pages_ok && !verify_meta_page(v, &pages->items[i], at))
                                pages_ok = false;
        }
        if (at != v->pages->n || !page_total || page_total->type != JSON_NUMBER ||
            page_total->number != (double) at)
                verify_fail(v, "metadata: PageTotal and the pages listed (%zu) are not the PDF's %zu pages",
                            at, v->pages->n);
        if (v->failures == bad)
                printf("ok: metadata lists the %zu pages under their %zu documents, %s\n", at, docs->n,
                       "with the manifest's SHA-256s");
}

/* The Appendix VI metadata the manifest names: both files as hashed, the
 * XML saying what the JSON says, the PDF and its pages those exported. */
static void verify_metadata(Verify *v, const JsonValue *manifest)
{
        const JsonValue *entry = jsonread_get(manifest, "metadata");
        char *json = NULL, *xml = NULL, *render = NULL;
        size_t json_len = 0, xml_len = 0, render_len = 0;
        JsonValue *meta = NULL;
        const char *format, *pdf_sha;
        FILE *mem;

        if (!entry)
                return;
        json = verify_meta_file(v, entry, "json", "json_sha256", &json_len);
        xml = verify_meta_file(v, entry, "xml", "xml_sha256", &xml_len);
        if (!json || !xml)
                goto out;
        if (jsonread_parse(json, json_len, &meta, NULL) < 0) {
                verify_fail(v, "metadata %s is not valid JSON", jsonread_string(entry, "json"));
                goto out;
        }
        format = jsonread_string(meta, "format");
        if (!format || strcmp(format, APPENDIX6_FORMAT) != 0) {
                verify_fail(v, "metadata %s is not %s", jsonread_string(entry, "json"), APPENDIX6_FORMAT);
                goto out;
        }
        mem = open_memstream(&render, &render_len);
        if (!mem) {
                verify_fail(v, "out of memory");
                goto out;
        }
        appendix6_render_xml(meta, mem);
        fclose(mem);
        if (render_len != xml_len || memcmp(render, xml, xml_len) != 0)
                verify_fail(v, "metadata: the XML does not say what the JSON says");
        else
                printf("ok: metadata JSON and XML as exported, and saying the same\n");
        pdf_sha = jsonread_string(meta, "PdfSha256");
        if (!pdf_sha || !jsonread_string(manifest, "pdf_sha256") ||
            strcmp(pdf_sha, jsonread_string(manifest, "pdf_sha256")) != 0)
                verify_fail(v, "metadata: PdfSha256 is not the manifest's pdf_sha256");
        verify_meta_pages(v, meta);
out:
        jsonread_free(meta);
        free(render);
        free(json);
        free(xml);
}

static void verify_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl verify FILE.pdf MANIFEST.json [--text] [--db CONNINFO]\n"
                "Check an exported PDF against its manifest: the whole file's SHA-256 and size, its page\n"
                "count, that every page is the one the manifest names there, and the Appendix VI metadata\n"
                "the manifest names (beside the PDF). Exit 0 when all pass.\n\n"
                "  --text          also check that every page has a text layer (pdftotext)\n"
                "  --db CONNINFO   also check each page's capture and PDF page SHA-256 against the store\n");
}

int verify_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "text", no_argument, NULL, 't' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        Verify v = {};
        JsonValue *m = NULL;
        const char *format;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 't':
                        v.text = true;
                        break;
                case 'd':
                        v.conninfo = optarg;
                        break;
                case 'h':
                        verify_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        verify_usage(stderr);
                        return EXIT_FAILURE;
                }
        if (optind + 2 != argc) {
                verify_usage(stderr);
                return EXIT_FAILURE;
        }
        v.pdf = argv[optind];
        v.manifest = argv[optind + 1];
        r = verify_read_manifest(v.manifest, &m);
        if (r < 0) {
                if (r != -EBADMSG)
                        fprintf(stderr, "sohoactl verify: %s: %s\n", v.manifest, strerror(-r));
                return EXIT_FAILURE;
        }
        format = jsonread_string(m, "format");
        v.pages = jsonread_get(m, "pages");
        if (!format || strcmp(format, "sohoa-export/1") != 0 || !v.pages || v.pages->type != JSON_ARRAY) {
                fprintf(stderr, "sohoactl verify: %s is not a sohoa export manifest\n", v.manifest);
                jsonread_free(m);
                return EXIT_FAILURE;
        }
        verify_whole_file(&v, m);
        verify_pages(&v, m);
        verify_metadata(&v, m);
        if (v.text)
                verify_text(&v);
        if (v.conninfo)
                verify_db(&v);
        jsonread_free(m);
        if (v.failures) {
                fprintf(stderr, "sohoactl verify: %s does NOT match %s: %u check%s failed\n", v.pdf,
                        v.manifest, v.failures, v.failures == 1 ? "" : "s");
                return EXIT_FAILURE;
        }
        printf("%s matches %s\n", v.pdf, v.manifest);
        return EXIT_SUCCESS;
}
