/* sohoa-storetool: drives workers/store.c from the command line for the
 * integration tests (test_store.py, test_search.py). One process, one Store,
 * a list of commands separated by ";" so that a test can stop and restart
 * PostgreSQL between two of them and see the same connection come back.
 *
 *   sohoa-storetool --db CONNINFO [--lock-timeout-ms N] CMD [ARGS] [";" CMD [ARGS]]...
 *     put --page UUID --batch UUID --seq N [--sheet N] [--side front|back]
 *         [--image-data STR] [--sha256 HEX] [--text STR] [--dossier CODE]
 *         [--last] [--batch-pages N] [--declared-sheets N] [--blank]
 *         [--failed REASON] [--pdf-data STR] [--keep-original] [--retry-ms N]
 *     lookup --page UUID
 *     wait-file PATH      (up to 60 s)
 *
 * Each command prints one JSON line; the first failing one ends the run
 * with exit status 1 (2 for usage errors). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "sha256.h"
#include "store.h"
#include "storeretry.h"
#include "uuid.h"

static void usage_error(const char *what, const char *arg)
{
        fprintf(stderr, "sohoa-storetool: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
        exit(2);
}

static unsigned parse_uint(const char *s)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || end == s || v > UINT32_MAX)
                usage_error("not a number", s);
        return (unsigned) v;
}

static void parse_uuid(const char *s, Uuid *ret)
{
        if (uuid_parse(s, ret) < 0)
                usage_error("not a UUID", s);
}

static void print_error(const char *cmd, const char *page, int r, const Store *s)
{
        printf("{\"cmd\":\"%s\",\"page\":\"%s\",\"errno\":%d,\"error\":\"%s\"}\n", cmd, page ? page : "", -r,
               strerror(-r));
        fprintf(stderr, "sohoa-storetool: %s: %s (%s) [%s]\n", cmd, strerror(-r), store_last_error(s),
                store_last_sqlstate(s));
        fflush(stdout);
}

/* Parses put's options from argv[0..argc) into p; returns the retry time. */
static unsigned parse_put(int argc, char **argv, StorePage *p, const char **ret_page)
{
        const char *sha_hex = NULL, *image = "";
        bool keep_original = false;
        unsigned retry_ms = 0;

        store_page_init(p);
        p->side = STORE_SIDE_FRONT;
        p->format = "tiff";
        p->mode = "color";
        p->dpi = 300;
        p->page_class = "interactive";
        p->origin_id = "storetool";
        p->worker_id = "storetool";
        for (int i = 0; i < argc; i++) {
                const char *o = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                bool flag = strcmp(o, "--last") == 0 || strcmp(o, "--blank") == 0 ||
                            strcmp(o, "--keep-original") == 0;

                if (!flag && !v)
                        usage_error("option needs a value", o);
                if (strcmp(o, "--last") == 0)
                        p->last_in_batch = true;
                else if (strcmp(o, "--blank") == 0)
                        p->blank = 1;
                else if (strcmp(o, "--keep-original") == 0)
                        keep_original = true;
                else if (strcmp(o, "--page") == 0)
                        parse_uuid(v, &p->page_uuid), *ret_page = v;
                else if (strcmp(o, "--batch") == 0)
                        parse_uuid(v, &p->batch_uuid);
                else if (strcmp(o, "--seq") == 0)
                        p->sequence = parse_uint(v);
                else if (strcmp(o, "--sheet") == 0)
                        p->sheet = parse_uint(v);
                else if (strcmp(o, "--side") == 0)
                        p->side = strcmp(v, "back") == 0    ? STORE_SIDE_BACK
                                  : strcmp(v, "front") == 0 ? STORE_SIDE_FRONT
                                                            : STORE_SIDE_UNKNOWN;
                else if (strcmp(o, "--image-data") == 0)
                        image = v;
                else if (strcmp(o, "--sha256") == 0)
                        sha_hex = v;
                else if (strcmp(o, "--text") == 0)
                        p->ocr_text = v;
                else if (strcmp(o, "--dossier") == 0)
                        p->dossier_code = v;
                else if (strcmp(o, "--batch-pages") == 0)
                        p->batch_pages = parse_uint(v);
                else if (strcmp(o, "--declared-sheets") == 0)
                        p->declared_sheets = parse_uint(v);
                else if (strcmp(o, "--failed") == 0)
                        p->failed = true, p->failure_reason = v;
                else if (strcmp(o, "--pdf-data") == 0)
                        p->pdf = (const uint8_t *) v, p->pdf_len = strlen(v);
                else if (strcmp(o, "--retry-ms") == 0)
                        retry_ms = parse_uint(v);
                else
                        usage_error("unknown option of put", o);
                if (!flag)
                        i++;
        }
        p->image_bytes = strlen(image);
        if (sha_hex) {
                if (sha256_from_hex(sha_hex, p->sha256) < 0)
                        usage_error("not a SHA-256", sha_hex);
        } else
                sha256_buf(image, strlen(image), p->sha256);
        if (p->failed || keep_original)
                p->original = (const uint8_t *) image, p->original_len = strlen(image);
        return retry_ms;
}

static int cmd_put(Store *s, int argc, char **argv)
{
        const char *page = NULL;
        StorePage p;
        StorePut res;
        unsigned retry_ms;
        int r;

        retry_ms = parse_put(argc, argv, &p, &page);
        if (retry_ms > 0)
                r = store_put_backoff(s, &p, clock_mono_us() + retry_ms * USEC_PER_MSEC, NULL, &res);
        else
                r = store_put(s, &p, &res);
        if (r < 0) {
                print_error("put", page, r, s);
                return r;
        }
        printf("{\"cmd\":\"put\",\"page\":\"%s\",\"result\":\"%s\"}\n", page ? page : "",
               store_put_to_string(res));
        fflush(stdout);
        return 0;
}

static int cmd_lookup(Store *s, int argc, char **argv)
{
        char hex[SHA256_HEX_MAX];
        StoreLookup l;
        Uuid u;
        int r;

        if (argc != 2 || strcmp(argv[0], "--page") != 0)
                usage_error("usage", "lookup --page UUID");
        parse_uuid(argv[1], &u);
        r = store_lookup(s, &u, &l);
        if (r < 0) {
                print_error("lookup", argv[1], r, s);
                return r;
        }
        if (l.found)
                printf("{\"cmd\":\"lookup\",\"page\":\"%s\",\"found\":true,\"status\":\"%s\",\"sha256\":\"%"
                       "s\"}\n",
                       argv[1], l.failed ? "failed" : "stored", sha256_hex(l.sha256, hex));
        else
                printf("{\"cmd\":\"lookup\",\"page\":\"%s\",\"found\":false}\n", argv[1]);
        fflush(stdout);
        return 0;
}

static int cmd_wait_file(int argc, char **argv)
{
        uint64_t end = clock_mono_us() + 60 * USEC_PER_SEC;
        const struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

        if (argc != 1)
                usage_error("usage", "wait-file PATH");
        while (access(argv[0], F_OK) < 0) {
                if (clock_mono_us() > end) {
                        print_error("wait-file", NULL, -ETIMEDOUT, NULL);
                        return -ETIMEDOUT;
                }
                nanosleep(&ts, NULL);
        }
        printf("{\"cmd\":\"wait-file\"}\n");
        fflush(stdout);
        return 0;
}

static int run_command(Store *s, int argc, char **argv)
{
        if (argc == 0)
                usage_error("empty command", NULL);
        if (strcmp(argv[0], "put") == 0)
                return cmd_put(s, argc - 1, argv + 1);
        if (strcmp(argv[0], "lookup") == 0)
                return cmd_lookup(s, argc - 1, argv + 1);
        if (strcmp(argv[0], "wait-file") == 0)
                return cmd_wait_file(argc - 1, argv + 1);
        usage_error("unknown command", argv[0]);
        return -EINVAL;
}

int main(int argc, char **argv)
{
        StoreConfig cfg = { .application_name = "sohoa-storetool", .connect_later = true };
        Store *s = NULL;
        int r, start;

        if (argc < 4 || strcmp(argv[1], "--db") != 0)
                usage_error("usage", "sohoa-storetool --db CONNINFO CMD [ARGS] [; CMD [ARGS]]...");
        cfg.conninfo = argv[2];
        start = 3;
        if (argc > 5 && strcmp(argv[3], "--lock-timeout-ms") == 0) {
                cfg.lock_timeout_ms = parse_uint(argv[4]);
                start = 5;
        }
        r = store_new(&cfg, &s);
        if (r < 0) {
                fprintf(stderr, "sohoa-storetool: cannot open the store: %s\n", strerror(-r));
                return 1;
        }
        for (int i = start; i <= argc; i++) {
                if (i < argc && strcmp(argv[i], ";") != 0)
                        continue;
                r = run_command(s, i - start, argv + start);
                if (r < 0)
                        break;
                start = i + 1;
        }
        store_free(s);
        return r < 0 ? 1 : 0;
}
