/* sohoa-sendfile: sends real image files through session/outbox, as a station or
 * an importer would (it writes no sender of its own), for the worker's
 * integration tests and the demo. Page UUIDs derive from the file's content
 * unless given, so sending a file twice sends the same page. Knobs reuse a
 * page UUID for another image and damage a payload after it was hashed;
 * --close-batch N follows the files with the batch's close record (proto
 * PROTOCOL.md §7.6), which may also be sent alone.
 * Prints one line per page spooled and per outcome, then its statistics. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "sha256.h"
#include "uuid.h"

static const Uuid sendfile_ns = { { 0x2b, 0x8e, 0x4c, 0x11, 0x5d, 0x70, 0x4f, 0x3a, 0x86, 0x0c, 0x9e, 0x21,
                                    0x47, 0xd3, 0x5a, 0x68 } };

typedef struct SendFile {
        const char *id;
        Uuid page_uuid, batch_uuid;
        bool has_page_uuid, has_batch_uuid;
        uint32_t sequence;
        uint32_t dpi;
        const char *dossier;
        bool last;
        bool corrupt;
        long close_pages; /* -1: no close record */
        uint32_t declared_sheets;
        Uuid close_uuid;
        bool has_close_uuid;
} SendFile;

static const char *sendfile_event_name(const OutboxEvent *ev)
{
        switch (ev->type) {
        case OUTBOX_EVENT_STORED:
                return ev->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED ? "stored_failed" : "stored";
        case OUTBOX_EVENT_REJECTED:
                return "rejected";
        case OUTBOX_EVENT_CORRUPT:
                return "corrupt";
        default:
                return NULL;
        }
}

/* From the outbox thread: one write per line, so lines never interleave. */
static void sendfile_on_event(const OutboxEvent *ev, void *userdata)
{
        const char *name = sendfile_event_name(ev);
        char u[UUID_STRING_MAX];

        if (!name)
                return;
        dprintf(STDOUT_FILENO, "%s %s %s\n", name, uuid_format(&ev->page_uuid, u),
                ev->reason ? ev->reason : "");
}

static int sendfile_read(const char *path, uint8_t **ret, size_t *ret_len)
{
        struct stat st;
        uint8_t *buf;
        size_t done = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        buf = malloc(st.st_size > 0 ? (size_t) st.st_size : 1);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + done, (size_t) st.st_size - done);
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        free(buf);
                        goto out;
                }
                done += (size_t) n;
        }
        *ret = buf;
        *ret_len = done;
out:
        close(fd);
        return r;
}

static Sohoa__ImageFormat sendfile_format(const uint8_t *b, size_t len)
{
        if (len >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
                return SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
        if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
                return SOHOA__IMAGE_FORMAT__FORMAT_PNG;
        if (len >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0)
                return SOHOA__IMAGE_FORMAT__FORMAT_JPEG;
        return SOHOA__IMAGE_FORMAT__FORMAT_UNKNOWN;
}

/* Spool one file as page number i (0-based) of n. */
static int sendfile_put(SendFile *s, Outbox *o, const char *path, uint32_t i, uint32_t n)
{
        Sohoa__Page p = SOHOA__PAGE__INIT;
        uint8_t sha[SHA256_LEN], *image = NULL;
        char name[256], u[UUID_STRING_MAX], hex[SHA256_HEX_MAX];
        size_t len = 0;
        Uuid pu;
        int r;

        r = sendfile_read(path, &image, &len);
        if (r < 0)
                return log_error_errno(r, "cannot read %s: %m", path);
        sha256_buf(image, len, sha);
        if (s->has_page_uuid)
                pu = s->page_uuid;
        else
                uuid_v5(&sendfile_ns, sha, sizeof(sha), &pu);
        if (!s->has_batch_uuid) {
                snprintf(name, sizeof(name), "%s:batch:%s", s->id, sha256_hex(sha, hex));
                uuid_v5(&sendfile_ns, name, strlen(name), &s->batch_uuid);
                s->has_batch_uuid = true;
        }
        /* Damage after hashing: the spooled copy fails its own hash too, as
         * a page damaged between capture and spool would. */
        if (s->corrupt && len > 0)
                image[len / 2] ^= 0x5a;
        p.page_uuid = (ProtobufCBinaryData) { 16, pu.b };
        p.batch_uuid = (ProtobufCBinaryData) { 16, s->batch_uuid.b };
        p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        p.image_bytes = len;
        p.sequence = s->sequence + i;
        p.sheet = s->sequence + i;
        p.side = SOHOA__SIDE__SIDE_FRONT;
        p.format = sendfile_format(image, len);
        p.dpi = s->dpi;
        p.captured_at_us = clock_real_us();
        p.dossier_code = (char *) (s->dossier ? s->dossier : "");
        p.source_name = (char *) path;
        p.source_index = 1;
        if (s->last && i + 1 == n) {
                p.last_in_batch = true;
                p.batch_pages = s->sequence + i;
                p.declared_sheets = s->sequence + i;
        }
        r = outbox_put(o, &p, image, len);
        free(image);
        if (r == -EEXIST) {
                dprintf(STDOUT_FILENO, "already-spooled %s %s\n", uuid_format(&pu, u), path);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "cannot spool %s: %m", path);
        dprintf(STDOUT_FILENO, "spooled %s %s\n", uuid_format(&pu, u), path);
        return 0;
}

/* The batch's close record: no image, its own UUID. */
static int sendfile_put_close(SendFile *s, Outbox *o)
{
        Sohoa__Page p = SOHOA__PAGE__INIT;
        char u[UUID_STRING_MAX];
        uint8_t sha[SHA256_LEN];
        int r;

        if (!s->has_close_uuid)
                uuid_batch_close(&s->batch_uuid, &s->close_uuid);
        sha256_buf("", 0, sha);
        p.page_uuid = (ProtobufCBinaryData) { 16, s->close_uuid.b };
        p.batch_uuid = (ProtobufCBinaryData) { 16, s->batch_uuid.b };
        p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        p.captured_at_us = clock_real_us();
        p.dossier_code = (char *) (s->dossier ? s->dossier : "");
        p.declared_sheets = s->declared_sheets;
        p.last_in_batch = true;
        p.batch_pages = (uint32_t) s->close_pages;
        p.batch_close = true;
        r = outbox_put(o, &p, "", 0);
        if (r == -EEXIST) {
                dprintf(STDOUT_FILENO, "already-spooled %s close\n", uuid_format(&s->close_uuid, u));
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "cannot spool the close record: %m");
        dprintf(STDOUT_FILENO, "spooled %s close\n", uuid_format(&s->close_uuid, u));
        return 0;
}

static void sendfile_stats(Outbox *o)
{
        OutboxStats st;

        outbox_stats(o, &st);
        dprintf(STDOUT_FILENO,
                "{\"spool_pages\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"resent\": %" PRIu64
                ", \"stored\": %" PRIu64 ", \"rejected\": %" PRIu64 ", \"corrupt\": %" PRIu64
                ", \"spooled\": %" PRIu64 "}\n",
                st.spool_pages, st.sent, st.resent, st.stored, st.rejected, st.corrupt, st.spooled);
}

static void sendfile_help(void)
{
        printf("sohoa-sendfile --endpoint EP --id NAME --spool DIR [--role station|importer]\n"
               "               [--page-uuid U] [--batch-uuid B] [--sequence N] [--last] [--dpi N]\n"
               "               [--dossier CODE] [--corrupt-payload] [--wait] [--timeout-ms N]\n"
               "               [--close-batch PAGES [--close-uuid U] [--declared-sheets N]] FILE...\n"
               "Sends image files as pages through session/outbox; --wait waits until none is left in the "
               "spool.\n"
               "--close-batch follows them with the batch's close record (FILEs may then be none).\n");
}

static int sendfile_uuid_arg(const char *arg, Uuid *ret, bool *ret_set)
{
        if (uuid_parse(arg, ret) < 0)
                return log_error("not a UUID: %s", arg), -EINVAL;
        *ret_set = true;
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "endpoint", required_argument, NULL, 'e' },
                { "id", required_argument, NULL, 'i' },
                { "spool", required_argument, NULL, 's' },
                { "role", required_argument, NULL, 'r' },
                { "page-uuid", required_argument, NULL, 'p' },
                { "batch-uuid", required_argument, NULL, 'b' },
                { "sequence", required_argument, NULL, 'n' },
                { "last", no_argument, NULL, 'l' },
                { "dpi", required_argument, NULL, 'd' },
                { "dossier", required_argument, NULL, 'D' },
                { "corrupt-payload", no_argument, NULL, 'c' },
                { "wait", no_argument, NULL, 'w' },
                { "timeout-ms", required_argument, NULL, 't' },
                { "close-batch", required_argument, NULL, 'C' },
                { "close-uuid", required_argument, NULL, 'U' },
                { "declared-sheets", required_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        SendFile s = { .id = "sendfile", .sequence = 1, .close_pages = -1 };
        OutboxConfig cfg = { .role = SOHOA__ROLE__ROLE_STATION,
                             .software = "sohoa-sendfile " SOHOA_VERSION };
        uint64_t timeout_ms = 600000, start;
        bool wait = false;
        Outbox *o = NULL;
        int c, r = 0;

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
                case 'p':
                        r = sendfile_uuid_arg(optarg, &s.page_uuid, &s.has_page_uuid);
                        break;
                case 'b':
                        r = sendfile_uuid_arg(optarg, &s.batch_uuid, &s.has_batch_uuid);
                        break;
                case 'n':
                        s.sequence = (uint32_t) strtoul(optarg, NULL, 10);
                        break;
                case 'l':
                        s.last = true;
                        break;
                case 'd':
                        s.dpi = (uint32_t) strtoul(optarg, NULL, 10);
                        break;
                case 'D':
                        s.dossier = optarg;
                        break;
                case 'c':
                        s.corrupt = true;
                        break;
                case 'w':
                        wait = true;
                        break;
                case 't':
                        timeout_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'C':
                        s.close_pages = strtol(optarg, NULL, 10);
                        break;
                case 'U':
                        r = sendfile_uuid_arg(optarg, &s.close_uuid, &s.has_close_uuid);
                        break;
                case 'S':
                        s.declared_sheets = (uint32_t) strtoul(optarg, NULL, 10);
                        break;
                case 'h':
                        sendfile_help();
                        return 0;
                default:
                        return 2;
                }
                if (r < 0)
                        return 2;
        }
        if (!cfg.endpoint || !cfg.spool_dir || (optind >= argc && s.close_pages < 0) || s.sequence == 0)
                return log_error("--endpoint, --spool and at least one FILE are required (see --help)"), 2;
        if (s.close_pages >= 0 && !s.has_batch_uuid && optind >= argc)
                return log_error("a close record alone needs --batch-uuid"), 2;
        if (s.has_page_uuid && argc - optind > 1)
                return log_error("--page-uuid takes one FILE"), 2;
        cfg.peer_id = s.id;
        r = outbox_new(&cfg, sendfile_on_event, &s, &o);
        if (r < 0)
                return log_error_errno(r, "cannot open outbox on %s: %m", cfg.spool_dir), 1;
        start = clock_mono_ms();
        for (int i = optind; i < argc && r >= 0; i++)
                r = sendfile_put(&s, o, argv[i], (uint32_t) (i - optind), (uint32_t) (argc - optind));
        if (r >= 0 && s.close_pages >= 0)
                r = sendfile_put_close(&s, o);
        while (wait && r >= 0 && outbox_wait_empty(o, 200) < 0)
                if (clock_mono_ms() - start > timeout_ms)
                        r = log_error_errno(-ETIMEDOUT, "%s: spool not empty after %" PRIu64 " ms", s.id,
                                            timeout_ms);
        sendfile_stats(o);
        outbox_free(o);
        return r < 0 ? 1 : 0;
}
