/* sohoactl scan: start a batch on a station's scanner through the daemon's
 * local control socket (see daemon/control.h for the two-message
 * protocol), wait until the feeder is empty, and print what was scanned.
 * `--status` asks the daemon for its scanner state and spool instead. The
 * exit status is 0 only when the batch ended with an empty feeder. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

#define SCAN_REPLY_MAX 4096

typedef struct ScanOptions {
        const char *socket_path, *station, *profile, *dossier;
        unsigned sheets;
        bool status;
        uint64_t timeout_ms;
} ScanOptions;

static void scan_usage(FILE *f)
{
        fprintf(f, "Usage: sohoactl scan [--station S] [--profile P] [--dossier CODE] [--sheets N]\n"
                   "                     [--socket PATH] [--timeout DURATION] [--status]\n"
                   "Scan the feeder of a station's scanner until it is empty.\n\n"
                   "  -s, --station S       the station (its daemon's socket is /run/sohoa/scand-S.sock)\n"
                   "  -p, --profile P       the scan profile (default: the station's default_profile)\n"
                   "  -d, --dossier CODE    the dossier the sheets belong to (travels with every page)\n"
                   "  -n, --sheets N        sheets the officer counted; the station reports a mismatch\n"
                   "  -S, --socket PATH     the control socket (default: $SOHOA_SCAND_SOCKET, or from\n"
                   "                        --station, or /run/sohoa/scand.sock)\n"
                   "  -t, --timeout D       give up waiting after D (default 30min)\n"
                   "      --status          show the station's scanner and spool instead of scanning\n"
                   "  -h, --help            show this help and exit\n");
}

static int scan_parse_args(int argc, char **argv, ScanOptions *o, char *path, size_t path_size)
{
        static const struct option opts[] = {
                { "station", required_argument, NULL, 's' },
                { "profile", required_argument, NULL, 'p' },
                { "dossier", required_argument, NULL, 'd' },
                { "sheets", required_argument, NULL, 'n' },
                { "socket", required_argument, NULL, 'S' },
                { "timeout", required_argument, NULL, 't' },
                { "status", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        char *end;
        int c;

        *o = (ScanOptions) { .socket_path = getenv("SOHOA_SCAND_SOCKET"), .timeout_ms = 30 * 60 * 1000 };
        optind = 0;
        while ((c = getopt_long(argc, argv, "s:p:d:n:S:t:h", opts, NULL)) >= 0) {
                switch (c) {
                case 's':
                        o->station = optarg;
                        break;
                case 'p':
                        o->profile = optarg;
                        break;
                case 'd':
                        o->dossier = optarg;
                        break;
                case 'n':
                        errno = 0;
                        o->sheets = (unsigned) strtoul(optarg, &end, 10);
                        if (!*optarg || *end || errno || o->sheets == 0 || o->sheets > 100000) {
                                fprintf(stderr, "sohoactl scan: --sheets wants a count of 1..100000\n");
                                return -EINVAL;
                        }
                        break;
                case 'S':
                        o->socket_path = optarg;
                        break;
                case 't':
                        if (config_parse_msec(optarg, &o->timeout_ms) < 0) {
                                fprintf(stderr, "sohoactl scan: --timeout wants a duration (\"90s\")\n");
                                return -EINVAL;
                        }
                        break;
                case 'q':
                        o->status = true;
                        break;
                case 'h':
                        scan_usage(stdout);
                        return 1;
                default:
                        scan_usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sohoactl scan: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        /* Station names travel in lines of the request: no newline, no '='. */
        for (const char *v = o->station; v && *v; v++)
                if (*v == '\n' || *v == '/' || *v == '=')
                        return fprintf(stderr, "sohoactl scan: bad station name\n"), -EINVAL;
        for (const char *v = o->dossier; v && *v; v++)
                if (*v == '\n')
                        return fprintf(stderr, "sohoactl scan: bad dossier code\n"), -EINVAL;
        if (!o->socket_path) {
                if (o->station)
                        snprintf(path, path_size, "/run/sohoa/scand-%s.sock", o->station);
                else
                        snprintf(path, path_size, "/run/sohoa/scand.sock");
                o->socket_path = path;
        }
        return 0;
}

/* One request, one reply; NUL-terminated into reply. */
static int scan_exchange(const ScanOptions *o, const char *request, char *reply, size_t size)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct pollfd p;
        ssize_t n;
        int fd, r;

        if (strlen(o->socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, o->socket_path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
                r = -errno;
                goto out;
        }
        p = (struct pollfd) { .fd = fd, .events = POLLIN };
        r = poll(&p, 1, o->timeout_ms > INT32_MAX ? -1 : (int) o->timeout_ms);
        if (r <= 0) {
                r = r == 0 ? -ETIMEDOUT : -errno;
                goto out;
        }
        n = recv(fd, reply, size - 1, 0);
        if (n <= 0) {
                r = n == 0 ? -ECONNRESET : -errno;
                goto out;
        }
        reply[n] = '\0';
        r = 0;
out:
        close(fd);
        return r;
}

int scan_main(int argc, char **argv)
{
        char path[128], request[1024], reply[SCAN_REPLY_MAX];
        ScanOptions o;
        int n, r;

        r = scan_parse_args(argc, argv, &o, path, sizeof(path));
        if (r != 0)
                return r < 0 ? 2 : 0;
        n = snprintf(request, sizeof(request), "%s\n", o.status ? "status" : "scan");
        if (o.station)
                n += snprintf(request + n, sizeof(request) - (size_t) n, "station=%s\n", o.station);
        if (o.profile)
                n += snprintf(request + n, sizeof(request) - (size_t) n, "profile=%s\n", o.profile);
        if (o.dossier)
                n += snprintf(request + n, sizeof(request) - (size_t) n, "dossier=%s\n", o.dossier);
        if (o.sheets)
                snprintf(request + n, sizeof(request) - (size_t) n, "sheets=%u\n", o.sheets);
        r = scan_exchange(&o, request, reply, sizeof(reply));
        if (r < 0) {
                fprintf(stderr, "sohoactl scan: station daemon at %s: %s\n", o.socket_path, strerror(-r));
                return 1;
        }
        if (strncmp(reply, "ok\n", 3) != 0) {
                fprintf(stderr, "sohoactl scan: %s", reply);
                return 1;
        }
        fputs(reply + 3, stdout);
        return o.status || strstr(reply, "\nend=feeder-empty\n") ? 0 : 1;
}
