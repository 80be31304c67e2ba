/* sohoactl status: one STATUS query on the broker's station endpoint (no
 * HELLO needed), printed as a table for people or as JSON for scripts. The
 * JSON field names are the protobuf names of StatusReply and stay stable;
 * counters are taken from the Counters descriptor, so a counter added to
 * the protocol shows up here without a change. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "curvekey.h"
#include "json.h"
#include "msg.h"
#include "statusdb.h"
#include "uuid.h"

#define STATUS_TIMEOUT_MS 3000

typedef struct StatusOptions {
        const char *broker;
        const char *conninfo; /* --db, else $SOHOA_DB; NULL: no store figures */
        bool json;
        uint64_t timeout_ms;
        uint64_t watch_ms; /* 0: once */
} StatusOptions;

static void status_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl status [--broker ENDPOINT] [--json] [--timeout MS] [--watch[=SEC]] [--db "
                "CONNINFO]\n"
                "Show the broker's queues per class, its workers and stations, and its counters.\n\n"
                "  -b, --broker ENDPOINT  the broker's station endpoint (default: $SOHOA_BROKER or\n"
                "                         tcp://127.0.0.1:5570)\n"
                "  -j, --json             print JSON (stable field names) instead of a table\n"
                "  -t, --timeout MS       give up after this long (default %d ms; \"5s\" works too)\n"
                "  -w, --watch[=SEC]      show it again every SEC seconds (default 2) until interrupted\n"
                "  -d, --db CONNINFO      add the store's figures, which survive a broker restart:\n"
                "                         pages today per station, failed and quarantined pages\n"
                "                         (default: $SOHOA_DB when set, else none)\n"
                "  -h, --help             show this help and exit\n",
                STATUS_TIMEOUT_MS);
}

/* 0 to go on, 1 to exit 0 now (--help), -EINVAL after printing why. */
static int status_parse_args(int argc, char **argv, StatusOptions *o)
{
        static const struct option opts[] = {
                { "broker", required_argument, NULL, 'b' },
                { "json", no_argument, NULL, 'j' },
                { "timeout", required_argument, NULL, 't' },
                { "watch", optional_argument, NULL, 'w' },
                { "db", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        *o = (StatusOptions) { .broker = cli_default_broker(),
                               .timeout_ms = STATUS_TIMEOUT_MS,
                               .conninfo = getenv("SOHOA_DB") && *getenv("SOHOA_DB") ? getenv("SOHOA_DB")
                                                                                     : NULL };
        optind = 0;
        while ((c = getopt_long(argc, argv, "b:jt:w::d:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'b':
                        o->broker = optarg;
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 't':
                        if (config_parse_msec(optarg, &o->timeout_ms) < 0 || o->timeout_ms == 0) {
                                fprintf(stderr, "sohoactl status: invalid timeout: %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'w':
                        o->watch_ms = 2000;
                        if (optarg && (config_parse_msec(optarg, &o->watch_ms) < 0 || o->watch_ms == 0)) {
                                fprintf(stderr, "sohoactl status: invalid --watch interval: %s\n", optarg);
                                return -EINVAL;
                        }
                        /* A bare number is seconds, as top's -d. */
                        if (optarg && strspn(optarg, "0123456789") == strlen(optarg))
                                o->watch_ms *= 1000;
                        break;
                case 'd':
                        o->conninfo = optarg;
                        break;
                case 'h':
                        status_usage(stdout);
                        return 1;
                default:
                        status_usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sohoactl status: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* Wait for the STATUS_REPLY until deadline; anything else is skipped. */
static int status_wait(void *sock, uint64_t deadline_ms, Msg *ret)
{
        for (;;) {
                uint64_t now = clock_mono_ms();
                zmq_pollitem_t item = { .socket = sock, .events = ZMQ_POLLIN };
                Msg m = {};
                int r;

                if (now >= deadline_ms)
                        return -ETIMEDOUT;
                if (zmq_poll(&item, 1, (long) (deadline_ms - now)) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (!item.revents)
                        continue;
                r = msg_recv(sock, false, 0, ZMQ_DONTWAIT, &m);
                if (r == -EAGAIN)
                        continue;
                if (r == 0 && m.type == MSG_STATUS_REPLY) {
                        *ret = m;
                        return 0;
                }
                msg_done(&m);
        }
}

/* One STATUS round trip. 0 with *ret owned by the caller (msg_done()),
 * -ETIMEDOUT, or negative errno (bad endpoint...). */
static int status_query(const StatusOptions *o, Msg *ret)
{
        Sohoa__StatusRequest req = SOHOA__STATUS_REQUEST__INIT;
        void *ctx, *sock = NULL;
        CurveKey server_key, own_key;
        int zero = 0, r;

        ctx = zmq_ctx_new();
        if (!ctx)
                return -errno;
        sock = zmq_socket(ctx, ZMQ_DEALER);
        if (!sock) {
                r = -errno;
                goto out;
        }
        /* Never hang at exit on an unsent query. */
        (void) zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
        r = curvekey_from_env(&server_key, &own_key);
        if (r == 0)
                r = curvekey_apply_client(sock, &server_key, &own_key);
        explicit_bzero(&own_key, sizeof(own_key));
        if (r < 0) {
                fprintf(stderr, "sohoactl status: CURVE keys from $SOHOA_BROKER_KEY/$SOHOA_CURVE_KEY: %s\n",
                        strerror(-r));
                goto out;
        }
        if (zmq_connect(sock, o->broker) < 0) {
                r = -errno;
                goto out;
        }
        req.with_peers = true;
        r = msg_send(sock, NULL, 0, MSG_STATUS, &req.base, NULL, ZMQ_DONTWAIT);
        /* EAGAIN: not connected yet and nothing queued: same as no answer. */
        if (r == -EAGAIN)
                r = -ETIMEDOUT;
        if (r < 0)
                goto out;
        r = status_wait(sock, clock_mono_ms() + o->timeout_ms, ret);
out:
        if (sock)
                zmq_close(sock);
        zmq_ctx_term(ctx);
        return r;
}

static const char *status_role(Sohoa__Role r)
{
        const char *s = msg_role_to_string(r);

        return s ? s : "invalid";
}

static const char *status_class(Sohoa__PageClass c)
{
        const char *s = msg_page_class_to_string(c);

        return s ? s : "invalid";
}

/* Every uint64 field of Counters, by its protobuf name, in field order. */
typedef void (*StatusCounterFn)(const char *name, uint64_t value, void *userdata);

static void status_each_counter(const Sohoa__Counters *c, StatusCounterFn fn, void *userdata)
{
        const ProtobufCMessageDescriptor *d = &sohoa__counters__descriptor;

        if (!c)
                return;
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                uint64_t v;

                if (f->type != PROTOBUF_C_TYPE_UINT64 || f->label == PROTOBUF_C_LABEL_REPEATED)
                        continue;
                memcpy(&v, (const char *) c + f->offset, sizeof(v));
                fn(f->name, v, userdata);
        }
}

static void status_json_counter(const char *name, uint64_t value, void *userdata)
{
        json_field_uint(userdata, name, value);
}

static void status_json_peer(Json *j, const Sohoa__PeerStatus *p)
{
        char id[UUID_STRING_MAX];
        Uuid u;

        json_begin_object(j);
        json_field_string(j, "peer_id", p->peer_id);
        json_field_string(j, "role", status_role(p->role));
        json_field_string(j, "state", p->state);
        json_field_uint(j, "credit_bytes", p->credit_bytes);
        json_field_uint(j, "held_bytes", p->held_bytes);
        json_field_uint(j, "queued_pages", p->queued_pages);
        json_field_uint(j, "idle_ms", p->idle_ms);
        json_field_uint(j, "busy_ms", p->busy_ms);
        json_field_uint(j, "spool_corrupt", p->spool_corrupt);
        json_field_uint(j, "spool_read_errors", p->spool_read_errors);
        json_field_uint(j, "spool_unreadable", p->spool_unreadable);
        json_field_uint(j, "spool_pages", p->spool_pages);
        json_field_uint(j, "spool_oldest_ms", p->spool_oldest_ms);
        json_field_string(j, "last_event", p->last_event && *p->last_event ? p->last_event : NULL);
        json_field_uint(j, "last_event_age_ms", p->last_event_age_ms);
        json_field_bool(j, "database_unreachable", p->database_unreachable);
        json_field_string(j, "database_error",
                          p->database_error && *p->database_error ? p->database_error : NULL);
        json_field_uint(j, "pages_done", p->pages_done);
        json_field_uint(j, "pages_failed", p->pages_failed);
        json_field_uint(j, "work_ms", p->work_ms);
        json_field_uint(j, "mean_ms", p->pages_done ? p->work_ms / p->pages_done : 0);
        json_field_string(j, "page_uuid",
                          uuid_from_bytes(p->page_uuid.data, p->page_uuid.len, &u) == 0 ? uuid_format(&u, id)
                                                                                        : NULL);
        json_end_object(j);
}

static void status_print_json(const Sohoa__StatusReply *s, const StatusOptions *o)
{
        const char *broker = o->broker;
        char epoch[17];
        Json j;

        snprintf(epoch, sizeof(epoch), "%016" PRIx64, s->epoch);
        json_init(&j, stdout);
        json_begin_object(&j);
        json_field_string(&j, "broker", broker);
        /* A string: 64 bits do not survive a JSON number in most parsers. */
        json_field_string(&j, "epoch", epoch);
        json_field_uint(&j, "uptime_ms", s->uptime_ms);
        json_field_bool(&j, "draining", s->draining);
        json_field_uint(&j, "workers", s->workers);
        json_field_uint(&j, "workers_idle", s->workers_idle);
        json_field_uint(&j, "stations", s->stations);
        json_key(&j, "classes");
        json_begin_array(&j);
        for (size_t i = 0; i < s->n_classes; i++) {
                const Sohoa__ClassStatus *c = s->classes[i];

                json_begin_object(&j);
                json_field_string(&j, "class", status_class(c->page_class));
                json_field_uint(&j, "queued_pages", c->queued_pages);
                json_field_uint(&j, "queued_bytes", c->queued_bytes);
                json_field_uint(&j, "inflight_pages", c->inflight_pages);
                json_field_uint(&j, "held_bytes", c->held_bytes);
                json_field_uint(&j, "pool_bytes", c->pool_bytes);
                json_field_uint(&j, "oldest_queued_ms", c->oldest_queued_ms);
                json_field_uint(&j, "pages_in", c->pages_in);
                json_field_uint(&j, "pages_out", c->pages_out);
                json_field_uint(&j, "pages_in_last_min", c->pages_in_last_min);
                json_field_uint(&j, "pages_out_last_min", c->pages_out_last_min);
                json_end_object(&j);
        }
        json_end_array(&j);
        json_key(&j, "counters");
        json_begin_object(&j);
        status_each_counter(s->counters, status_json_counter, &j);
        json_end_object(&j);
        json_key(&j, "peers");
        json_begin_array(&j);
        for (size_t i = 0; i < s->n_peers; i++)
                status_json_peer(&j, s->peers[i]);
        json_end_array(&j);
        if (o->conninfo) {
                json_key(&j, "store");
                statusdb_print(o->conninfo, &j);
        }
        json_end_object(&j);
        json_finish(&j);
}

#define STATUS_FMT_MAX 24

static const char *status_bytes(uint64_t v, char buf[STATUS_FMT_MAX])
{
        static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
        double d = (double) v;
        size_t u = 0;

        if (v < 1024) {
                snprintf(buf, STATUS_FMT_MAX, "%" PRIu64 " B", v);
                return buf;
        }
        d /= 1024;
        while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
                d /= 1024;
                u++;
        }
        snprintf(buf, STATUS_FMT_MAX, "%.1f %s", d, units[u]);
        return buf;
}

static const char *status_duration(uint64_t ms, char buf[STATUS_FMT_MAX])
{
        uint64_t s = ms / 1000;

        if (ms < 1000)
                snprintf(buf, STATUS_FMT_MAX, "%" PRIu64 "ms", ms);
        else if (s < 60)
                snprintf(buf, STATUS_FMT_MAX, "%.1fs", (double) ms / 1000);
        else if (s < 3600)
                snprintf(buf, STATUS_FMT_MAX, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, STATUS_FMT_MAX, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
        else
                snprintf(buf, STATUS_FMT_MAX, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
        return buf;
}

static void status_table_classes(const Sohoa__StatusReply *s)
{
        char a[STATUS_FMT_MAX], b[STATUS_FMT_MAX], c[STATUS_FMT_MAX];

        char d[STATUS_FMT_MAX];

        printf("\n%-12s %8s %11s %8s %10s %11s %11s %9s %9s\n", "CLASS", "QUEUED", "BYTES", "OLDEST",
               "IN FLIGHT", "HELD", "POOL", "IN/MIN", "OUT/MIN");
        for (size_t i = 0; i < s->n_classes; i++) {
                const Sohoa__ClassStatus *k = s->classes[i];

                printf("%-12s %8" PRIu32 " %11s %8s %10" PRIu32 " %11s %11s %9" PRIu32 " %9" PRIu32 "\n",
                       status_class(k->page_class), k->queued_pages, status_bytes(k->queued_bytes, a),
                       k->queued_pages ? status_duration(k->oldest_queued_ms, d) : "-", k->inflight_pages,
                       status_bytes(k->held_bytes, b), status_bytes(k->pool_bytes, c), k->pages_in_last_min,
                       k->pages_out_last_min);
        }
}

/* A sender's spool and last event; a worker's work and its database. */
static void status_table_figures(const Sohoa__PeerStatus *p)
{
        char a[STATUS_FMT_MAX], b[STATUS_FMT_MAX];

        if (p->role == SOHOA__ROLE__ROLE_WORKER) {
                if (p->pages_done)
                        printf("  done %" PRIu64 " (%" PRIu64 " failed), mean %.1fs", p->pages_done,
                               p->pages_failed, (double) p->work_ms / (double) p->pages_done / 1000.0);
                if (p->database_unreachable)
                        printf("  NO DATABASE: %s", p->database_error ? p->database_error : "");
                return;
        }
        if (p->spool_pages)
                printf("  spool %" PRIu32 " pages, oldest %s", p->spool_pages,
                       status_duration(p->spool_oldest_ms, a));
        if (p->last_event && *p->last_event)
                printf("  last event: %s %s ago", p->last_event, status_duration(p->last_event_age_ms, b));
}

static void status_table_peer(const Sohoa__PeerStatus *p)
{
        char credit[STATUS_FMT_MAX], held[STATUS_FMT_MAX], idle[STATUS_FMT_MAX];
        char busy[STATUS_FMT_MAX], queued[STATUS_FMT_MAX], id[UUID_STRING_MAX];
        bool worker = p->role == SOHOA__ROLE__ROLE_WORKER;
        Uuid u;

        /* Credit and queue mean nothing for a worker. */
        if (worker) {
                strcpy(credit, "-");
                strcpy(queued, "-");
        } else {
                status_bytes(p->credit_bytes, credit);
                snprintf(queued, sizeof(queued), "%" PRIu32, p->queued_pages);
        }
        printf("%-20s %-9s %-9s %11s %11s %7s %8s", p->peer_id, status_role(p->role),
               p->state ? p->state : "", credit, status_bytes(p->held_bytes, held), queued,
               status_duration(p->idle_ms, idle));
        if (uuid_from_bytes(p->page_uuid.data, p->page_uuid.len, &u) == 0)
                printf("  %s (%s)", uuid_format(&u, id), status_duration(p->busy_ms, busy));
        /* Said only when there is something to look at in its spool. */
        if (p->spool_corrupt || p->spool_read_errors || p->spool_unreadable)
                printf("  spool: %" PRIu64 " corrupt, %" PRIu64 " read errors, %" PRIu32 " unreadable",
                       p->spool_corrupt, p->spool_read_errors, p->spool_unreadable);
        status_table_figures(p);
        putchar('\n');
}

static void status_table_counter(const char *name, uint64_t value, void *userdata)
{
        printf("  %-22s %12" PRIu64 "\n", name, value);
}

static void status_print_table(const Sohoa__StatusReply *s, const StatusOptions *o)
{
        const char *broker = o->broker;
        char up[STATUS_FMT_MAX];

        printf("broker    %s  epoch %016" PRIx64 "  up %s%s\n", broker, s->epoch,
               status_duration(s->uptime_ms, up), s->draining ? "  DRAINING" : "");
        printf("workers   %" PRIu32 " (%" PRIu32 " idle)   stations %" PRIu32 "\n", s->workers,
               s->workers_idle, s->stations);
        status_table_classes(s);
        if (s->n_peers > 0) {
                printf("\n%-20s %-9s %-9s %11s %11s %7s %8s  %s\n", "PEER", "ROLE", "STATE", "CREDIT",
                       "HELD", "QUEUED", "IDLE", "PAGE");
                for (size_t i = 0; i < s->n_peers; i++)
                        status_table_peer(s->peers[i]);
        }
        if (o->conninfo)
                statusdb_print(o->conninfo, NULL);
        printf("\nCOUNTERS (since the broker started)\n");
        status_each_counter(s->counters, status_table_counter, NULL);
}

/* Stations, importers, then workers, each by id: the broker's order is its
 * hash map's, which would shuffle the table between runs. */
static int status_peer_cmp(const void *a, const void *b)
{
        const Sohoa__PeerStatus *x = *(Sohoa__PeerStatus *const *) a;
        const Sohoa__PeerStatus *y = *(Sohoa__PeerStatus *const *) b;

        if (x->role != y->role)
                return x->role < y->role ? -1 : 1;
        return strcmp(x->peer_id ? x->peer_id : "", y->peer_id ? y->peer_id : "");
}

/* One query, printed. The exit status. */
static int status_once(const StatusOptions *o, bool clear)
{
        Sohoa__StatusReply *reply;
        Msg m = {};
        int r;

        r = status_query(o, &m);
        /* Like top: the screen is redrawn from its top left. */
        if (clear)
                fputs("\033[H\033[2J", stdout);
        if (r == -ETIMEDOUT) {
                fprintf(stderr, "sohoactl: broker at %s did not answer within %" PRIu64 " ms\n", o->broker,
                        o->timeout_ms);
                return EXIT_FAILURE;
        }
        if (r < 0) {
                fprintf(stderr, "sohoactl: cannot query the broker at %s: %s\n", o->broker, strerror(-r));
                return EXIT_FAILURE;
        }
        reply = MSG_STATUS_REPLY_BODY(&m);
        if (reply->n_peers > 1)
                qsort(reply->peers, reply->n_peers, sizeof(*reply->peers), status_peer_cmp);
        if (o->json)
                status_print_json(reply, o);
        else
                status_print_table(reply, o);
        msg_done(&m);
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int status_main(int argc, char **argv)
{
        StatusOptions o;
        bool tty = isatty(STDOUT_FILENO);
        int r;

        r = status_parse_args(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        if (!o.watch_ms)
                return status_once(&o, false);
        /* Until interrupted; a broker that does not answer is said and
         * asked again, as top goes on when a process goes. */
        for (;;) {
                struct timespec ts = { .tv_sec = (time_t) (o.watch_ms / 1000),
                                       .tv_nsec = (long) (o.watch_ms % 1000) * 1000000 };

                (void) status_once(&o, tty && !o.json);
                if (ferror(stdout))
                        return EXIT_FAILURE;
                nanosleep(&ts, NULL);
        }
}
