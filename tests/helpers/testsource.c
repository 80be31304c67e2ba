/* sohoa-testsource: a page source for the spine's tests, the demo and the
 * broker benchmark. It puts N synthetic pages through session/outbox exactly as
 * sohoa-scand and sohoactl import do (it writes no sender of its own), then
 * optionally waits until every page is reported stored. Page ids derive
 * from --id, --seed and the page index, so a rerun never invents new pages,
 * and --pages 0 just replays what a killed run left in the spool. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "sha256.h"
#include "uuid.h"

static const Uuid test_ns = { { 0x6f, 0x3a, 0x51, 0x0e, 0x8c, 0x4d, 0x4b, 0x7e, 0x9a, 0x11, 0x2b, 0x5c, 0x7d,
                                0x0e, 0x31, 0x42 } };

typedef struct Source {
        const char *id;
        uint64_t seed;
        uint64_t pages;
        uint64_t size;
        int ack_fd;
        int put_fd;
} Source;

static void on_event(const OutboxEvent *ev, void *userdata)
{
        Source *s = userdata;
        char line[UUID_STRING_MAX + 16];
        int n;

        if (ev->type == OUTBOX_EVENT_ACK_MISMATCH) {
                char u[UUID_STRING_MAX];

                log_warning("page %s: %s; kept, sent again at its resend timer",
                            uuid_format(&ev->page_uuid, u), ev->reason);
                return;
        }
        if (ev->type != OUTBOX_EVENT_STORED && ev->type != OUTBOX_EVENT_REJECTED)
                return;
        if (s->ack_fd < 0)
                return;
        uuid_format(&ev->page_uuid, line);
        n = (int) strlen(line);
        n += snprintf(line + n, sizeof(line) - (size_t) n, " %d\n", (int) ev->status);
        if (write(s->ack_fd, line, (size_t) n) != n)
                log_warning("ack log write failed, ignoring");
}

/* The source's own record of what it put in: a line per page once it is in
 * the spool, so that a test can count what reached the store against it. */
static void log_put(Source *s, const Uuid *page, const uint8_t sha[SHA256_LEN])
{
        char line[UUID_STRING_MAX + SHA256_HEX_MAX + 2];
        int n;

        if (s->put_fd < 0)
                return;
        uuid_format(page, line);
        n = (int) strlen(line);
        line[n++] = ' ';
        sha256_hex(sha, line + n);
        n += 64;
        line[n++] = '\n';
        if (write(s->put_fd, line, (size_t) n) != n)
                log_warning("put log write failed, ignoring");
}

static void fill(uint8_t *buf, size_t len, uint64_t x)
{
        for (size_t i = 0; i < len; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf[i] = (uint8_t) x;
        }
}

static int put_pages(Source *s, Outbox *o, uint64_t *ret_put, uint64_t *ret_existing)
{
        uint8_t *image = malloc(s->size ? s->size : 1);
        uint8_t sha[SHA256_LEN];
        char name[256];
        Uuid pu, bu;
        int r = 0;

        if (!image)
                return -ENOMEM;
        snprintf(name, sizeof(name), "%s:%" PRIu64 ":batch", s->id, s->seed);
        uuid_v5(&test_ns, name, strlen(name), &bu);
        for (uint64_t i = 0; i < s->pages; i++) {
                Sohoa__Page p = SOHOA__PAGE__INIT;

                snprintf(name, sizeof(name), "%s:%" PRIu64 ":%" PRIu64, s->id, s->seed, i);
                uuid_v5(&test_ns, name, strlen(name), &pu);
                fill(image, s->size, s->seed * 1000003 + i + 1);
                sha256_buf(image, s->size, sha);
                p.page_uuid = (ProtobufCBinaryData) { 16, pu.b };
                p.batch_uuid = (ProtobufCBinaryData) { 16, bu.b };
                p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
                p.image_bytes = s->size;
                p.sequence = (uint32_t) i + 1;
                p.sheet = (uint32_t) i / 2 + 1;
                p.side = i % 2 ? SOHOA__SIDE__SIDE_BACK : SOHOA__SIDE__SIDE_FRONT;
                p.format = SOHOA__IMAGE_FORMAT__FORMAT_UNKNOWN;
                p.dpi = 300;
                p.mode = "color";
                p.captured_at_us = clock_real_us();
                p.last_in_batch = i + 1 == s->pages;
                r = outbox_put(o, &p, image, s->size);
                if (r == -EEXIST) {
                        (*ret_existing)++;
                        continue;
                }
                if (r < 0)
                        break;
                log_put(s, &pu, sha);
                (*ret_put)++;
        }
        free(image);
        return r == -EEXIST ? 0 : r;
}

static void write_stats(Outbox *o, const char *path, FILE *also)
{
        OutboxStats st;
        char tmp[4096];
        FILE *f;

        outbox_stats(o, &st);
        if (path) {
                snprintf(tmp, sizeof(tmp), "%s.tmp", path);
                f = fopen(tmp, "we");
        } else
                f = NULL;
        for (int k = 0; k < 2; k++) {
                FILE *out = k == 0 ? f : also;
                if (!out)
                        continue;
                fprintf(out,
                        "{\"spool_pages\": %" PRIu64 ", \"spool_bytes\": %" PRIu64
                        ", \"inflight_pages\": %" PRIu64 ", \"inflight_bytes\": %" PRIu64
                        ", \"credit_bytes\": %" PRIu64 ", \"connected\": %s"
                        ", \"epoch\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"resent\": %" PRIu64
                        ", \"stored\": %" PRIu64 ", \"rejected\": %" PRIu64 ", \"corrupt\": %" PRIu64
                        ", \"acks_duplicate\": %" PRIu64 ", \"acks_mismatch\": %" PRIu64
                        ", \"spooled\": %" PRIu64 ", \"oldest_age_ms\": %" PRIu64
                        ", \"held_pages\": %" PRIu64 "}\n",
                        st.spool_pages, st.spool_bytes, st.inflight_pages, st.inflight_bytes,
                        st.credit_bytes, st.connected ? "true" : "false", st.epoch, st.sent, st.resent,
                        st.stored, st.rejected, st.corrupt, st.acks_duplicate, st.acks_mismatch, st.spooled,
                        st.oldest_age_ms, st.held_pages);
        }
        if (f) {
                fclose(f);
                if (rename(tmp, path) < 0)
                        log_warning("cannot write %s, ignoring", path);
        }
}

static void help(void)
{
        printf("sohoa-testsource --endpoint EP --id NAME --spool DIR [--role station|importer]\n"
               "                 [--pages N] [--size BYTES] [--seed N] [--wait] [--timeout-ms N]\n"
               "                 [--ack-log FILE] [--put-log FILE] [--stats-file FILE] [--resend-ms N]\n"
               "                 [--heartbeat-ms N]\n"
               "Puts N synthetic pages through session/outbox; --wait waits until all are stored.\n"
               "--put-log appends \"UUID SHA256\" for each page once it is spooled.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "endpoint", required_argument, NULL, 'e' },
                { "id", required_argument, NULL, 'i' },
                { "spool", required_argument, NULL, 's' },
                { "role", required_argument, NULL, 'r' },
                { "pages", required_argument, NULL, 'n' },
                { "size", required_argument, NULL, 'z' },
                { "seed", required_argument, NULL, 'S' },
                { "wait", no_argument, NULL, 'w' },
                { "timeout-ms", required_argument, NULL, 't' },
                { "ack-log", required_argument, NULL, 'a' },
                { "stats-file", required_argument, NULL, 'f' },
                { "resend-ms", required_argument, NULL, 'R' },
                { "heartbeat-ms", required_argument, NULL, 'H' },
                { "put-log", required_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        Source s = { .id = "testsource", .size = 1024, .ack_fd = -1, .put_fd = -1 };
        OutboxConfig cfg = { .role = SOHOA__ROLE__ROLE_STATION,
                             .software = "sohoa-testsource " SOHOA_VERSION };
        const char *ack_log = NULL, *put_log = NULL, *stats_file = NULL;
        uint64_t timeout_ms = 600000, put = 0, existing = 0, start;
        bool wait = false;
        Outbox *o = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'e':
                        cfg.endpoint = optarg;
                        break;
                case 'i':
                        s.id = optarg;
                        break;
                case 's':
                        cfg.spool_dir = optarg;
                        break;
                case 'r':
                        if (strcmp(optarg, "station") == 0)
                                cfg.role = SOHOA__ROLE__ROLE_STATION;
                        else if (strcmp(optarg, "importer") == 0)
                                cfg.role = SOHOA__ROLE__ROLE_IMPORTER;
                        else
                                return log_error("--role must be station or importer"), 2;
                        break;
                case 'n':
                        s.pages = strtoull(optarg, NULL, 10);
                        break;
                case 'z':
                        s.size = strtoull(optarg, NULL, 10);
                        break;
                case 'S':
                        s.seed = strtoull(optarg, NULL, 10);
                        break;
                case 'w':
                        wait = true;
                        break;
                case 't':
                        timeout_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'a':
                        ack_log = optarg;
                        break;
                case 'P':
                        put_log = optarg;
                        break;
                case 'f':
                        stats_file = optarg;
                        break;
                case 'R':
                        cfg.resend_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'H':
                        cfg.heartbeat_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        }
        if (!cfg.endpoint || !cfg.spool_dir)
                return log_error("--endpoint and --spool are required (see --help)"), 2;
        cfg.peer_id = s.id;
        if (ack_log) {
                s.ack_fd = open(ack_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (s.ack_fd < 0)
                        return log_error_errno(-errno, "cannot open %s: %m", ack_log), 1;
        }
        if (put_log) {
                s.put_fd = open(put_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (s.put_fd < 0)
                        return log_error_errno(-errno, "cannot open %s: %m", put_log), 1;
        }
        r = outbox_new(&cfg, on_event, &s, &o);
        if (r < 0)
                return log_error_errno(r, "cannot open outbox on %s: %m", cfg.spool_dir), 1;
        start = clock_mono_ms();
        r = put_pages(&s, o, &put, &existing);
        if (r < 0)
                log_error_errno(r, "spooling page %" PRIu64 " failed: %m", put + existing + 1);
        log_info("%s: spooled %" PRIu64 " pages (%" PRIu64 " already spooled)", s.id, put, existing);
        while (wait && r >= 0) {
                write_stats(o, stats_file, NULL);
                if (outbox_wait_empty(o, 200) == 0)
                        break;
                if (clock_mono_ms() - start > timeout_ms) {
                        r = log_error_errno(-ETIMEDOUT, "%s: spool not empty after %" PRIu64 " ms", s.id,
                                            timeout_ms);
                        break;
                }
        }
        write_stats(o, stats_file, stdout);
        outbox_free(o);
        if (s.ack_fd >= 0)
                close(s.ack_fd);
        if (s.put_fd >= 0)
                close(s.put_fd);
        return r < 0 ? 1 : 0;
}
