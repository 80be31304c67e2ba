/* The broker's settings: one struct, filled from one table of keys (section
 * [broker]) by lib/config. The table also prints --help, answers
 * --check-config and --show-config. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

typedef struct Settings {
        char *stations_endpoint; /* stations, importers, admin queries */
        char *workers_endpoint;
        uint64_t max_frame_bytes; /* largest image frame accepted */
        uint64_t interactive_pool_bytes;
        uint64_t bulk_pool_bytes;
        uint64_t heartbeat_ms;
        unsigned liveness;           /* heartbeats of silence before a peer is dead */
        uint64_t recovery_window_ms; /* no JOB this long after a start; 0: liveness x heartbeat */
        unsigned quarantine_after;   /* worker deaths holding a page before store_only */
        uint64_t drain_timeout_ms;
        unsigned completed_cache; /* entries; 0 disables the cache */
        uint64_t linger_ms;
        uint64_t frame_timeout_ms;  /* a connection with no whole ZMTP frame this long after a PING is cut */
        char *curve_key_file;       /* the broker's key_secret file; NULL: no CURVE */
        char *authorized_keys_file; /* ROLE NAME PUBLIC_KEY per line; required with CURVE */
        char *http_listen;          /* HOST:PORT of /metrics and the status page; NULL: none */
        bool insecure_workers_without_curve; /* serve a tcp:// worker endpoint without CURVE all the same */
        char *log_level;                     /* NULL: $SOHOA_LOG_LEVEL or info; reloadable */
} Settings;

/* The program description handed to config_parse_argv(). Static. */
const ConfigProgram *settings_program(void);

/* Free the strings of s (not s). */
void settings_done(Settings *s);
