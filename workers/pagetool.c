/* sohoa-pagetool: run the worker's page pipeline on image files and print
 * one JSON object per file (measures, text, timings); optionally write the
 * PDF. For the quality tests and bench/, not for production. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "page.h"

static int read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;

        if (!f)
                return -errno;
        for (;;) {
                if (len == cap) {
                        uint8_t *n = realloc(buf, cap ? cap * 2 : 1 << 20);
                        if (!n) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = n;
                        cap = cap ? cap * 2 : 1 << 20;
                }
                size_t k = fread(buf + len, 1, cap - len, f);
                len += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        *ret = buf;
        *ret_len = len;
        return 0;
}

static double process_cpu_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

static void print_timings(FILE *out, const char *key, const uint64_t *stage_usec, uint64_t total_usec)
{
        fprintf(out, ",\"%s\":{", key);
        for (int s = 0; s < _PAGE_STAGE_MAX; s++)
                fprintf(out, "%s\"%s\":%.1f", s ? "," : "", page_stage_to_string(s),
                        (double) stage_usec[s] / 1000.0);
        fprintf(out, ",\"total\":%.1f}", (double) total_usec / 1000.0);
}

/* cpu_ms: the CPU time the whole process spent on the page (every thread),
 * what bench/ocr.py sets against tesseract's under load. */
static void print_result(FILE *out, const char *path, const PageResult *res, double cpu_ms)
{
        fputs("{\"file\":", out);
        json_write_escaped(out, path);
        fprintf(out, ",\"width\":%d,\"height\":%d,\"dpi\":%d,\"dpi_assumed\":%s,\"kind\":\"%s\"",
                res->decode.width, res->decode.height, res->dpi, res->dpi_assumed ? "true" : "false",
                decode_kind_to_string(res->decode.kind));
        fprintf(out, ",\"blank\":%s,\"blank_marks\":%d,\"blank_ink\":%.5f",
                res->blank.blank ? "true" : "false", res->blank.marks, res->blank.ink);
        fprintf(out,
                ",\"rotate\":%d,\"orient_conf\":%.2f,\"orient_method\":\"%s\",\"up_conf\":%.2f,\"left_"
                "conf\":%.2f",
                res->orient.rotate, res->orient.confidence, orient_method_to_string(res->orient.method),
                res->orient.up_conf, res->orient.left_conf);
        fprintf(out, ",\"orient_reads\":%d", res->orient.reads);
        fprintf(out, ",\"skew\":%.3f,\"skew_conf\":%.2f,\"skew_applied\":%s", res->deskew.angle,
                res->deskew.confidence, res->deskew.applied ? "true" : "false");
        fprintf(out, ",\"ocr_dpi\":%d,\"ocr_reads\":%d,\"mark_height\":%d,\"mark_width\":%d", res->ocr_dpi,
                res->ocr_reads, res->blank.mark_height, res->blank.mark_width);
        fprintf(out, ",\"ocr_error\":%d,\"mean_conf\":%d,\"words\":%zu,\"text\":", res->ocr_error,
                res->ocr ? res->ocr->mean_confidence : -1, res->ocr ? res->ocr->n_words : 0);
        json_write_escaped(out, res->ocr ? res->ocr->text : "");
        fprintf(out, ",\"pdf_size\":%zu,\"pdf_picture\":\"%s\",\"cpu_ms\":%.1f", res->pdf_size,
                pdf_picture_to_string(res->pdf_picture), cpu_ms);
        print_timings(out, "timings_ms", res->stage_usec, res->total_usec);
        print_timings(out, "cpu_timings_ms", res->stage_cpu_usec, res->total_cpu_usec);
        fputs("}\n", out);
}

/* Write the page's PDF to path, or to dir/<image's base name>.pdf. */
static int write_pdf(const char *path, const char *dir, const char *image, const PageResult *res)
{
        char buf[4096];
        const char *base = strrchr(image, '/');
        FILE *f;
        int bad;

        if (!path) {
                base = base ? base + 1 : image;
                snprintf(buf, sizeof(buf), "%s/%.*s.pdf", dir,
                         (int) (strrchr(base, '.') ? strrchr(base, '.') - base : (long) strlen(base)), base);
                path = buf;
        }
        f = fopen(path, "wb");
        bad = !f || fwrite(res->pdf, 1, res->pdf_size, f) != res->pdf_size;
        if (f && fclose(f) != 0)
                bad = 1;
        if (bad)
                fprintf(stderr, "cannot write %s\n", path);
        return bad;
}

static void usage(void)
{
        fputs("usage: sohoa-pagetool [--pdf OUT.pdf | --pdf-dir DIR] [--no-ocr] [--dpi N] [--lang L]\n"
              "                      [--time-limit MS] [--jpeg-quality Q] [--no-lossless] [--no-mrc] "
              "IMAGE...\n",
              stderr);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "pdf", required_argument, NULL, 'p' },
                { "pdf-dir", required_argument, NULL, 'D' },
                { "no-ocr", no_argument, NULL, 'n' },
                { "dpi", required_argument, NULL, 'd' },
                { "lang", required_argument, NULL, 'l' },
                { "time-limit", required_argument, NULL, 't' },
                { "jpeg-quality", required_argument, NULL, 'q' },
                { "no-lossless", no_argument, NULL, 'J' },
                { "no-mrc", no_argument, NULL, 'M' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        PageOptions popt = { 0 };
        OcrOptions oopt = { 0 };
        const char *pdf_path = NULL, *pdf_dir = NULL;
        bool no_ocr = false;
        int c, status = 0, r;

        while ((c = getopt_long(argc, argv, "p:D:nd:l:t:q:JMh", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        pdf_path = optarg;
                        break;
                case 'D':
                        pdf_dir = optarg;
                        break;
                case 'n':
                        no_ocr = true;
                        break;
                case 'd':
                        popt.default_dpi = atoi(optarg);
                        break;
                case 'l':
                        oopt.languages = optarg;
                        break;
                case 't':
                        popt.ocr_time_limit_ms = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'q':
                        popt.pdf.jpeg_quality = atoi(optarg);
                        break;
                case 'J':
                        popt.pdf.jpeg_only = true;
                        break;
                case 'M':
                        popt.pdf.no_mrc = true;
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }
        }
        if (optind >= argc) {
                usage();
                return 2;
        }
        decode_init();
        if (!no_ocr) {
                r = ocr_new(&oopt, &popt.ocr);
                if (r < 0) {
                        fprintf(stderr, "cannot load Tesseract models: %s\n", strerror(-r));
                        return 1;
                }
        }
        for (int i = optind; i < argc; i++) {
                const char *reason = NULL;
                PageResult *res = NULL;
                uint8_t *data = NULL;
                size_t len = 0;
                double cpu_ms = 0;

                r = read_file(argv[i], &data, &len);
                if (r >= 0) {
                        cpu_ms = process_cpu_ms();
                        r = page_process(data, len, &popt, &res, &reason);
                        cpu_ms = process_cpu_ms() - cpu_ms;
                }
                free(data);
                if (r < 0) {
                        printf("{\"file\":");
                        json_write_escaped(stdout, argv[i]);
                        printf(",\"error\":%d,\"reason\":", r);
                        json_write_escaped(stdout, reason ? reason : strerror(-r));
                        printf("}\n");
                        status = 1;
                        continue;
                }
                print_result(stdout, argv[i], res, cpu_ms);
                if (pdf_path || pdf_dir)
                        status |= write_pdf(pdf_path, pdf_dir, argv[i], res);
                page_result_free(res);
        }
        ocr_free(popt.ocr);
        return status;
}
