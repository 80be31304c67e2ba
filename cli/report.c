/* sohoactl report: the monthly digitization report per agency, read from
 * sql/005's report_monthly view (every figure computed from rows), with a
 * total row when there are several agencies. CSV for spreadsheets,
 * Markdown for mail, HTML for a page a person prints (A4 landscape, the
 * definitions under the table). docs/DOSSIERS.md says what each figure
 * counts. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dbconn.h"
#include "dbexec.h"
#include "html.h"
#include "month.h"

/* $1 first day of the month, $2 agency or NULL. Agencies without a figure
 * that month are listed with zeros; the total's rates come from its sums. */
static const char report_sql[] =
        "WITH r AS ("
        " SELECT a.agency_code, a.name, coalesce(m.received, 0) AS received,"
        "  coalesce(m.received_online, 0) AS received_online, coalesce(m.components_digitized, 0) AS cd,"
        "  coalesce(m.components_not_digitized, 0) AS cn, coalesce(m.components_reused, 0) AS cr,"
        "  m.component_rate, coalesce(m.resolved, 0) AS resolved, coalesce(m.results_digitized, 0) AS rd,"
        "  coalesce(m.results_not_digitized, 0) AS rn, m.result_rate"
        " FROM agency a LEFT JOIN report_monthly m ON m.agency_code = a.agency_code AND m.month = $1::date"
        " WHERE $2::text IS NULL OR a.agency_code = $2)"
        " SELECT agency_code, name, received, received_online, cd, cn, cr, component_rate, resolved, rd, rn,"
        "  result_rate, false AS total FROM r"
        " UNION ALL"
        " SELECT '', 'Tổng cộng', sum(received), sum(received_online), sum(cd), sum(cn), sum(cr),"
        "  sohoa_rate(sum(cd + cr)::bigint, sum(cd + cn + cr)::bigint), sum(resolved), sum(rd), sum(rn),"
        "  sohoa_rate(sum(rd)::bigint, sum(resolved)::bigint), true FROM r HAVING count(*) > 1"
        " ORDER BY total, agency_code";

typedef enum ReportFormat {
        REPORT_CSV,
        REPORT_MD,
        REPORT_HTML,
        _REPORT_FORMAT_MAX,
        _REPORT_FORMAT_INVALID = -EINVAL
} ReportFormat;

typedef struct ReportColumn {
        const char *key; /* CSV header */
        const char *vi;  /* the province's words */
        const char *en;
        bool rate;
} ReportColumn;

static const ReportColumn report_columns[] = {
        { "agency_code", "Mã cơ quan", "agency", false },
        { "agency_name", "Tên cơ quan", "name", false },
        { "received", "Hồ sơ tiếp nhận", "received", false },
        { "received_online", "Trong đó trực tuyến", "of which online", false },
        { "components_digitized", "TPHS đã số hóa", "components digitized", false },
        { "components_not_digitized", "TPHS chưa số hóa", "components not digitized", false },
        { "components_reused", "TPHS tái sử dụng", "components reused", false },
        { "component_rate", "Tỷ lệ số hóa TPHS", "component digitization rate", true },
        { "resolved", "Hồ sơ đã giải quyết", "dossiers resolved", false },
        { "results_digitized", "Kết quả đã số hóa", "results digitized", false },
        { "results_not_digitized", "Kết quả chưa số hóa", "results not digitized", false },
        { "result_rate", "Tỷ lệ số hóa kết quả", "result digitization rate", true },
};
#define REPORT_TOTAL_COL 12

static const char report_definitions[] =
        "Received: dossiers received in the month (Vietnam time), at the desk or online. Components: the "
        "documents of the dossiers received at the desk that month (online dossiers are not scanned and "
        "not counted); digitized: a batch holds a stored page of it; reused: taken from the owner's store "
        "instead of scanned; not digitized: neither. Component rate: (digitized + reused) / all those "
        "components. Resolved: dossiers resolved in the month; a result is digitized when the dossier has "
        "a result with a stored page. Result rate: results digitized / dossiers resolved. A rate with "
        "nothing to divide is shown as a dash.";

static ReportFormat report_format_from_string(const char *s)
{
        return strcmp(s, "csv") == 0    ? REPORT_CSV
               : strcmp(s, "md") == 0   ? REPORT_MD
               : strcmp(s, "html") == 0 ? REPORT_HTML
                                        : _REPORT_FORMAT_INVALID;
}

/* A CSV field, quoted when it needs to be (RFC 4180). */
static void report_csv_field(FILE *f, const char *v)
{
        if (!strpbrk(v, ",\"\r\n")) {
                fputs(v, f);
                return;
        }
        fputc('"', f);
        for (; *v; v++) {
                if (*v == '"')
                        fputc('"', f);
                fputc(*v, f);
        }
        fputc('"', f);
}

static void report_md_text(FILE *f, const char *v)
{
        for (; *v; v++) {
                if (strchr("|\\*_`[]<>", *v))
                        fputc('\\', f);
                fputc(*v == '\n' || *v == '\r' ? ' ' : *v, f);
        }
}

/* A figure as a person reads it: a rate with its %, a missing rate a dash. */
static const char *report_human(const PGresult *res, int row, int col, char *buf, size_t len)
{
        const char *v = PQgetvalue(res, row, col);

        if (!report_columns[col].rate)
                return v;
        if (!*v)
                return "—";
        snprintf(buf, len, "%s%%", v);
        return buf;
}

static void report_csv(FILE *f, const PGresult *res)
{
        for (size_t c = 0; c < ELEMENTSOF(report_columns); c++)
                fprintf(f, "%s%s", c ? "," : "", report_columns[c].key);
        fputs("\r\n", f);
        for (int i = 0; i < PQntuples(res); i++) {
                for (size_t c = 0; c < ELEMENTSOF(report_columns); c++) {
                        if (c)
                                fputc(',', f);
                        report_csv_field(f, PQgetvalue(res, i, (int) c));
                }
                fputs("\r\n", f);
        }
}

static void report_md(FILE *f, const PGresult *res, const char *month)
{
        char buf[32];

        fprintf(f, "# Báo cáo số hóa hồ sơ TTHC tháng %.2s/%.4s\n\nDigitization report, %.7s.\n\n|",
                month + 5, month, month);
        for (size_t c = 0; c < ELEMENTSOF(report_columns); c++)
                fprintf(f, " %s (%s) |", report_columns[c].vi, report_columns[c].en);
        fputs("\n|", f);
        for (size_t c = 0; c < ELEMENTSOF(report_columns); c++)
                fputs(c < 2 ? "---|" : "---:|", f);
        fputc('\n', f);
        for (int i = 0; i < PQntuples(res); i++) {
                bool total = strcmp(PQgetvalue(res, i, REPORT_TOTAL_COL), "t") == 0;

                fputc('|', f);
                for (size_t c = 0; c < ELEMENTSOF(report_columns); c++) {
                        const char *v = report_human(res, i, (int) c, buf, sizeof(buf));
                        bool bold = total && *v;

                        fputs(bold ? " **" : " ", f);
                        report_md_text(f, v);
                        fputs(bold ? "** |" : " |", f);
                }
                fputc('\n', f);
        }
        fprintf(f, "\n%s\n", report_definitions);
}

static void report_html(FILE *f, const PGresult *res, const char *month, const char *generated)
{
        char buf[32];

        fprintf(f,
                "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<title>Báo cáo số hóa tháng %.2s/%.4s</title>\n<style>\n"
                "@page { size: A4 landscape; margin: 15mm; }\n"
                "body { font-family: \"DejaVu Sans\", sans-serif; font-size: 10pt; color: #000;"
                " background: #fff; }\n"
                "h1 { font-size: 15pt; margin: 0 0 4pt; } p.sub { margin: 0 0 10pt; color: #333; }\n"
                "table { border-collapse: collapse; width: 100%%; }\n"
                "th, td { border: 1px solid #000; padding: 3pt 5pt; }\n"
                "th { background: #e8e8e8; font-weight: bold; text-align: center;"
                " vertical-align: bottom; }\n"
                "th small { display: block; font-weight: normal; color: #333; }\n"
                "th:nth-child(2) { width: 16%%; }\n"
                "td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
                "tr.total td { font-weight: bold; background: #f3f3f3; }\n"
                "p.def { font-size: 8.5pt; color: #333; margin-top: 10pt; }\n"
                "</style>\n</head>\n<body>\n"
                "<h1>Báo cáo số hóa hồ sơ thủ tục hành chính tháng %.2s/%.4s</h1>\n"
                "<p class=\"sub\">Digitization report for %.7s · lập lúc (made) %s</p>\n"
                "<table>\n<thead><tr>",
                month + 5, month, month + 5, month, month, generated);
        for (size_t c = 0; c < ELEMENTSOF(report_columns); c++)
                fprintf(f, "<th>%s<small>%s</small></th>", report_columns[c].vi, report_columns[c].en);
        fputs("</tr></thead>\n<tbody>\n", f);
        for (int i = 0; i < PQntuples(res); i++) {
                bool total = strcmp(PQgetvalue(res, i, REPORT_TOTAL_COL), "t") == 0;

                fputs(total ? "<tr class=\"total\">" : "<tr>", f);
                for (size_t c = 0; c < ELEMENTSOF(report_columns); c++) {
                        fputs(c < 2 ? "<td>" : "<td class=\"n\">", f);
                        html_text(f, report_human(res, i, (int) c, buf, sizeof(buf)));
                        fputs("</td>", f);
                }
                fputs("</tr>\n", f);
        }
        fprintf(f, "</tbody>\n</table>\n<p class=\"def\">%s</p>\n</body>\n</html>\n", report_definitions);
}

static int report_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl report --month YYYY-MM [--agency CODE] [--format csv|md|html] [-o FILE]\n"
                "The monthly digitization report per agency: dossiers received (and online), components\n"
                "digitized / not digitized / reused and their rate, dossiers resolved, results digitized /\n"
                "not digitized and their rate. docs/DOSSIERS.md defines each figure.\n\n"
                "  --month YYYY-MM     the month (Vietnam time)\n"
                "  --agency CODE       one agency (default: every agency, and a total)\n"
                "  --format FORMAT     csv (default), md, or html (a page to print)\n"
                "  -o, --output FILE   write there instead of standard output\n"
                "  --db CONNINFO       libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                DBCONN_DEFAULT);
        return status;
}

static int report_write(const char *path, ReportFormat format, const PGresult *res, const char *month)
{
        char generated[32], tmp[4096];
        time_t now = time(NULL) + 7 * 3600;
        FILE *f = stdout;
        int r = 0;

        strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M", gmtime(&now));
        if (path) {
                snprintf(tmp, sizeof(tmp), "%s.part", path);
                f = fopen(tmp, "we");
                if (!f) {
                        fprintf(stderr, "sohoactl report: %s: %m\n", tmp);
                        return -errno;
                }
        }
        if (format == REPORT_CSV)
                report_csv(f, res);
        else if (format == REPORT_MD)
                report_md(f, res, month);
        else
                report_html(f, res, month, generated);
        if (path && (fclose(f) != 0 || rename(tmp, path) < 0)) {
                r = -errno;
                fprintf(stderr, "sohoactl report: %s: %m\n", path);
                (void) unlink(tmp);
        } else if (!path && fflush(stdout) != 0)
                r = -errno;
        return r;
}

int report_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "month", required_argument, NULL, 'm' },
                { "agency", required_argument, NULL, 'a' },
                { "format", required_argument, NULL, 'f' },
                { "output", required_argument, NULL, 'o' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *conninfo = NULL, *output = NULL, *params[2] = {};
        ReportFormat format = REPORT_CSV;
        char month[MONTH_DATE_MAX] = "";
        PGresult *res = NULL;
        PGconn *conn = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) >= 0)
                switch (c) {
                case 'm':
                        if (month_parse(optarg, month) < 0) {
                                fprintf(stderr, "sohoactl report: --month %s: say YYYY-MM, e.g. 2026-11\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'a':
                        params[1] = optarg;
                        break;
                case 'f':
                        format = report_format_from_string(optarg);
                        if (format < 0) {
                                fprintf(stderr, "sohoactl report: --format %s: say csv, md or html\n",
                                        optarg);
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
                        return report_usage(stdout, EXIT_SUCCESS);
                default:
                        return report_usage(stderr, EXIT_FAILURE);
                }
        if (optind != argc || !month[0])
                return report_usage(stderr, EXIT_FAILURE);
        params[0] = month;
        if (dbexec_connect(conninfo, &conn) < 0)
                return EXIT_FAILURE;
        r = dbexec(conn, report_sql, 2, params, &res);
        if (r < 0)
                dbexec_fail("report", res);
        else if (PQntuples(res) == 0) {
                fprintf(stderr, "sohoactl report: %s\n",
                        params[1] ? "no such agency (see `sohoactl agency list`)"
                                  : "no agency yet (`sohoactl agency add`)");
                r = -ENOENT;
        } else
                r = report_write(output, format, res, month);
        PQclear(res);
        PQfinish(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
