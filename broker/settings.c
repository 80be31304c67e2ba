/* The broker's configuration table: every key, its type, default, bounds
 * and help, in one place. Defaults suit one machine running everything;
 * production overrides endpoints and pools in /etc/sohoa/broker.conf. */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "curvekey.h"
#include "log.h"
#include "settings.h"

/* Key name and struct field are spelled the same, but for the three
 * durations whose field carries its unit. rl: taken by a reload (SIGHUP,
 * config_reload()), for keys the broker reads where they act. */
#define KEY_RL(n, f, t, d, lo, hi, rl, h)                                                                  \
        {                                                                                                  \
                .section = "broker", .name = #n, .type = (t), .offset = offsetof(Settings, f), .def = (d), \
                .reloadable = (rl), .help = (h), .min = (lo), .max = (hi)                                  \
        }
#define KEY_AS(n, f, t, d, lo, hi, h) KEY_RL(n, f, t, d, lo, hi, false, h)
#define KEY(n, t, d, lo, hi, h) KEY_AS(n, n, t, d, lo, hi, h)

static const ConfigKey settings_keys[] = {
        KEY(stations_endpoint, CONFIG_STRING, "tcp://127.0.0.1:5570", 0, 0,
            "ZeroMQ endpoint stations, importers and sohoactl connect to"),
        KEY(workers_endpoint, CONFIG_STRING, "ipc:///run/sohoa/workers.sock", 0, 0,
            "ZeroMQ endpoint workers connect to; anything but an ipc:// path needs CURVE"),
        KEY(max_frame_bytes, CONFIG_BYTES, "64M", 65536, INT64_C(1) << 31,
            "largest image frame accepted; larger messages are cut off by libzmq"),
        KEY(interactive_pool_bytes, CONFIG_BYTES, "256M", 0, INT64_C(1) << 40,
            "bytes of pages held for stations (queued and in flight)"),
        KEY(bulk_pool_bytes, CONFIG_BYTES, "256M", 0, INT64_C(1) << 40,
            "bytes of pages held for importers (queued and in flight)"),
        KEY_AS(heartbeat, heartbeat_ms, CONFIG_MSEC, "1000ms", 10, 60000, "heartbeat interval, both ways"),
        KEY(liveness, CONFIG_UINT, "3", 1, 100, "heartbeat intervals of silence after which a peer is dead"),
        KEY_AS(recovery_window, recovery_window_ms, CONFIG_MSEC, NULL, 0, 3600000,
               "after a start, how long no page is dispatched so that workers still holding pages say so "
               "(PROTOCOL.md 5.4); unset or 0: liveness x heartbeat"),
        KEY_RL(quarantine_after, quarantine_after, CONFIG_UINT, "3", 1, 1000, true,
               "workers that died holding a page before it is only stored raw"),
        KEY_RL(drain_timeout, drain_timeout_ms, CONFIG_MSEC, "60s", 0, 3600000, true,
               "on the first SIGTERM, how long to wait for pages in flight"),
        KEY(completed_cache, CONFIG_UINT, "65536", 0, 16777216,
            "recently answered pages remembered so that a late second RESULT is not acked again"),
        KEY_AS(linger, linger_ms, CONFIG_MSEC, "1000ms", 0, 60000,
               "how long closing sockets may wait to flush what is queued"),
        KEY_AS(frame_timeout, frame_timeout_ms, CONFIG_MSEC, "30s", 100, 3600000,
               "a connection that delivers no whole frame this long (a stalled half-sent page, a handshake "
               "that does not end) is cut, freeing what it held"),
        KEY(curve_key_file, CONFIG_STRING, NULL, 0, 0,
            "the broker's CURVE key_secret file (sohoactl keygen); unset: no CURVE, for one host only"),
        KEY(authorized_keys_file, CONFIG_STRING, NULL, 0, 0,
            "client keys allowed with CURVE, one 'ROLE NAME PUBLIC_KEY' per line; reloaded on SIGHUP"),
        KEY(http_listen, CONFIG_STRING, NULL, 0, 0,
            "HOST:PORT to serve Prometheus metrics (/metrics) and the status page (/) on over HTTP, e.g. "
            "127.0.0.1:9570 (unset: none); anyone who reaches it sees station and worker names"),
        KEY(insecure_workers_without_curve, CONFIG_BOOL, "no", 0, 0,
            "serve a worker endpoint other users or hosts can reach (tcp://) without CURVE: any process "
            "there could pose as a worker and have pages deleted unstored"),
        KEY_RL(log_level, log_level, CONFIG_STRING, NULL, 0, 0, true,
               "debug, info, notice, warning or err (default: info)"),
        {},
};

/* The log level (settings_check() refused an unknown one). */
static void settings_apply(const void *target)
{
        const Settings *s = target;

        (void) log_set_max_level_from(s->log_level);
}

/* What broker_new() would refuse, said by --check-config at its line. */
static void settings_check(const void *target, ConfigReport *r)
{
        const Settings *s = target;
        CurveKey k;

        config_check_log_level(r, "broker", "log_level", s->log_level);
        config_check_readable(r, "broker", "authorized_keys_file", s->authorized_keys_file);
        if (!s->curve_key_file)
                return;
        if (!s->authorized_keys_file)
                config_report_key(r, "broker", "curve_key_file",
                                  "set, but authorized_keys_file is not: every client would be refused");
        if (access(s->curve_key_file, R_OK) < 0)
                config_check_readable(r, "broker", "curve_key_file", s->curve_key_file);
        else if (curvekey_load(s->curve_key_file, &k) < 0 || !k.secret_key[0])
                config_report_key(r, "broker", "curve_key_file",
                                  "%s holds no valid key pair (a NAME.key_secret file of sohoactl keygen)",
                                  s->curve_key_file);
        explicit_bzero(&k, sizeof(k));
}

static const ConfigProgram settings_prog = {
        .name = "sohoa-broker",
        .summary = "Queue pages from stations and importers to OCR workers.",
        .default_path = "/etc/sohoa/broker.conf",
        .keys = settings_keys,
        .size = sizeof(Settings),
        .check = settings_check,
        .apply = settings_apply,
};

const ConfigProgram *settings_program(void)
{
        return &settings_prog;
}

void settings_done(Settings *s)
{
        config_free(settings_keys, s);
}
