/* sohoactl sheets DOSSIER: the cover sheet and separator sheets of a
 * dossier as a PDF to print (A4). Each carries a QR code (libqrencode) the
 * worker reads (workers/sheetcode.h): the cover names the dossier, its
 * first document and the sheets declared; a separator before each further
 * document names it. Put the cover on top of the feeder and a separator
 * before each document after the first: the store links the batch to the
 * dossier's documents and does not count these sheets as pages
 * (sql/007-cover-sheets.sql). The PDF is written here by hand: rectangles
 * for the QR modules and the base-14 Helvetica for the words, which is
 * why they are in ASCII. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "dossier.h"

#define SHEETS_PAGES_MAX 200
#define SHEETS_PDF_OBJECTS (3 + 2 * SHEETS_PAGES_MAX)

/* $1 dossier: its documents (not results), in order. */
static const char sheets_sql_documents[] = "SELECT doc_ordinal::text, coalesce(type_name, '') FROM component"
                                           " WHERE dossier_code = $1 AND NOT is_result ORDER BY doc_ordinal";

typedef struct Pdf {
        FILE *f;
        long offsets[SHEETS_PDF_OBJECTS + 1];
        int n_pages;
} Pdf;

static void pdf_object(Pdf *p, int id)
{
        p->offsets[id] = ftell(p->f);
        fprintf(p->f, "%d 0 obj\n", id);
}

/* Keeps what Helvetica can show: printable ASCII, without the PDF string's
 * own specials. */
static void pdf_text(FILE *f, double x, double y, double size, const char *s)
{
        fprintf(f, "BT /F1 %.1f Tf %.1f %.1f Td (", size, x, y);
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c >= 0x20 && *c < 0x7f && *c != '(' && *c != ')' && *c != '\\')
                        fputc(*c, f);
                else if (*c < 0x80 || (*c & 0xc0) == 0xc0)
                        fputc('?', f);
        fprintf(f, ") Tj ET\n");
}

/* One page: a title, lines of text and the QR code of payload. */
static int pdf_page(Pdf *p, const char *title, const char *const *lines, size_t n_lines, const char *payload)
{
        QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        char *content = NULL;
        size_t len = 0;
        FILE *c;
        int id;

        if (!qr)
                return -errno ? -errno : -ENOMEM;
        c = open_memstream(&content, &len);
        if (!c) {
                QRcode_free(qr);
                return -ENOMEM;
        }
        pdf_text(c, 60, 770, 26, title);
        for (size_t i = 0; i < n_lines; i++)
                pdf_text(c, 60, 720 - 26 * (double) i, 16, lines[i]);
        /* The modules, 7 pt each, with the quiet zone of 4 around them. */
        fprintf(c, "0 g\n");
        for (int y = 0; y < qr->width; y++)
                for (int x = 0; x < qr->width; x++)
                        if (qr->data[y * qr->width + x] & 1)
                                fprintf(c, "%d %d 7 7 re\n", 120 + 7 * x, 520 - 7 * y);
        fprintf(c, "f\n");
        pdf_text(c, 60, 80, 9, payload);
        QRcode_free(qr);
        if (fclose(c) != 0) {
                free(content);
                return -ENOMEM;
        }
        id = 4 + 2 * p->n_pages;
        pdf_object(p, id);
        fprintf(p->f,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                " /Contents %d 0 R >>\nendobj\n",
                id + 1);
        pdf_object(p, id + 1);
        fprintf(p->f, "<< /Length %zu >>\nstream\n", len);
        fwrite(content, 1, len, p->f);
        fprintf(p->f, "\nendstream\nendobj\n");
        free(content);
        p->n_pages++;
        return 0;
}

static int pdf_finish(Pdf *p)
{
        long xref;
        int n = 4 + 2 * p->n_pages;

        pdf_object(p, 1);
        fprintf(p->f, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
        pdf_object(p, 2);
        fprintf(p->f, "<< /Type /Pages /Count %d /Kids [", p->n_pages);
        for (int i = 0; i < p->n_pages; i++)
                fprintf(p->f, "%s%d 0 R", i ? " " : "", 4 + 2 * i);
        fprintf(p->f, "] >>\nendobj\n");
        pdf_object(p, 3);
        fprintf(p->f, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
        xref = ftell(p->f);
        fprintf(p->f, "xref\n0 %d\n0000000000 65535 f \n", n);
        for (int i = 1; i < n; i++)
                fprintf(p->f, "%010ld 00000 n \n", p->offsets[i]);
        fprintf(p->f, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", n, xref);
        return ferror(p->f) ? -EIO : 0;
}

static int sheets_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl sheets DOSSIER --sheets N --output FILE.pdf [--db CONNINFO]\n"
                "Print the dossier's cover sheet and a separator sheet before each of its\n"
                "documents after the first, each with a QR code the worker reads.\n\n"
                "  --sheets N      the document sheets the officer counted (on the cover)\n"
                "  --output FILE   the PDF to write\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                DBCONN_DEFAULT);
        return status;
}

static int sheets_write(const char *dossier, unsigned sheets, const PGresult *docs, FILE *f)
{
        Pdf p = { .f = f };
        char payload[160], l1[80], l2[160], l3[80];
        const char *lines[3] = { l1, l2, l3 };
        int r;

        fprintf(f, "%%PDF-1.4\n");
        snprintf(payload, sizeof(payload), "SOHOA-SHEET/1 COVER %s %s %u", dossier, PQgetvalue(docs, 0, 0),
                 sheets);
        snprintf(l1, sizeof(l1), "Ho so / Dossier: %s", dossier);
        snprintf(l2, sizeof(l2), "Tai lieu / Document %s: %s", PQgetvalue(docs, 0, 0),
                 PQgetvalue(docs, 0, 1));
        snprintf(l3, sizeof(l3), "So to / Sheets: %u", sheets);
        r = pdf_page(&p, "TO BIA HO SO / COVER SHEET", lines, 3, payload);
        for (int i = 1; r >= 0 && i < PQntuples(docs) && p.n_pages < SHEETS_PAGES_MAX; i++) {
                snprintf(payload, sizeof(payload), "SOHOA-SHEET/1 SEPARATOR %s %s", dossier,
                         PQgetvalue(docs, i, 0));
                snprintf(l2, sizeof(l2), "Tai lieu / Document %s: %s", PQgetvalue(docs, i, 0),
                         PQgetvalue(docs, i, 1));
                r = pdf_page(&p, "TO PHAN CACH / SEPARATOR", lines, 2, payload);
        }
        return r < 0 ? r : pdf_finish(&p);
}

int sheets_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "sheets", required_argument, NULL, 'n' },
                { "output", required_argument, NULL, 'o' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *output = NULL, *dossier;
        PGresult *res = NULL;
        PGconn *conn = NULL;
        unsigned long sheets = 0;
        char *end;
        FILE *f;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'n':
                        sheets = strtoul(optarg, &end, 10);
                        if (*end || sheets == 0 || sheets > 100000) {
                                fprintf(stderr, "sohoactl sheets: --sheets wants a count of 1..100000\n");
                                return EXIT_FAILURE;
                        }
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'd':
                        conninfo = optarg;
                        break;
                case 'h':
                        return sheets_usage(stdout, EXIT_SUCCESS);
                default:
                        return sheets_usage(stderr, EXIT_FAILURE);
                }
        if (optind + 1 != argc || !output || sheets == 0)
                return sheets_usage(stderr, EXIT_FAILURE);
        dossier = argv[optind];
        if (!dossier_valid(dossier)) {
                fprintf(stderr, "sohoactl sheets: bad dossier code \"%s\": expected " DOSSIER_CODE_FORM "\n",
                        dossier);
                return EXIT_FAILURE;
        }
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, sheets_sql_documents, 1, (const char *const[]) { dossier }, &res);
        if (r < 0)
                dbexec_fail("sheets", res);
        else if (PQntuples(res) == 0) {
                fprintf(stderr, "sohoactl sheets: dossier %s has no documents (sohoactl component add)\n",
                        dossier);
                r = -ENOENT;
        } else {
                f = fopen(output, "we");
                r = f ? sheets_write(dossier, (unsigned) sheets, res, f) : -errno;
                if (f && fclose(f) != 0 && r >= 0)
                        r = -errno;
                if (r < 0)
                        fprintf(stderr, "sohoactl sheets: cannot write %s: %s\n", output, strerror(-r));
        }
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
