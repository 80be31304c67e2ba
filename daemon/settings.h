/* sohoa-scand's settings: one table of keys for [scand], plus the
 * [profile.NAME] and [button.NAME] sections, whose names the operator
 * chooses. Each section kind has its own small table, so that lib/config
 * parses and bounds every value; this file only routes lines to them and
 * remembers where each profile came from for --check-config. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

typedef enum Encoding {
        ENCODING_JPEG, /* TIFF/JPEG, quality jpeg_quality: colour and grey */
        ENCODING_ZSTD, /* TIFF/ZSTD level 1: lossless */
        ENCODING_G4,   /* TIFF/CCITT G4: line-art */
        _ENCODING_MAX,
        _ENCODING_INVALID = -22,
} Encoding;

typedef struct Profile {
        char *name;
        char *source; /* the backend's source name; NULL: the feeder */
        char *mode;   /* "color", "gray", "lineart" */
        unsigned resolution;
        bool duplex;
        char *encoding; /* "jpeg", "zstd", "g4"; NULL: g4 for lineart, else jpeg */
        unsigned jpeg_quality;
        char *jpeg_subsampling; /* "4:4:4" (default: a seal's red kept) or "4:2:0" (smaller) */
        char *sane_options;     /* "name=value;name=value": backend options set after the others */
        /* Where it was defined, for --check-config. */
        char file[256];
        unsigned line, resolution_line, encoding_line, subsampling_line;
} Profile;

typedef struct Button {
        char *name;
        char *match; /* POSIX extended regex over SANE option names (and string buttons' tokens) */
        char *profile;
        regex_t rx;
        bool compiled;
        bool builtin; /* the default button of a configuration without [button.*] */
        char file[256];
        unsigned line;
} Button;

typedef struct Settings {
        char *station;      /* peer id, in every event */
        char *device;       /* SANE device name; NULL: found by the match keys, else the one with a feeder */
        char *device_match; /* regex over SANE device names */
        char *device_vendor;          /* regex over the vendor SANE lists */
        char *device_model;           /* regex over the model SANE lists */
        char *device_serial;          /* serial number: from sysfs for USB names, or a part of the name */
        bool network;                 /* list network scanners too (sane_get_devices' local_only false) */
        uint64_t probe_interval_ms;   /* idle liveness probe of a scanner without buttons; 0: none */
        bool release_between_batches; /* close the scanner between batches for other programs */
        char *broker;                 /* station endpoint */
        char *spool_dir;
        uint64_t max_spool_bytes;
        char *control_socket;
        char *default_profile;
        char *on_event; /* shell command run for every event; NULL: none */
        uint64_t button_poll_ms;
        uint64_t retry_min_ms, retry_max_ms;
        uint64_t warmup_timeout_ms;
        uint64_t heartbeat_ms, resend_ms;
        char *curve_server_key, *curve_public_key, *curve_secret_key;

        Profile *profiles;
        size_t n_profiles;
        Button *buttons;
        size_t n_buttons;
} Settings;

/* Parse argv (--config, --set, --check-config, --show-config, --help,
 * --version) into s (zeroed by the caller). Returns 0 to go on, 1 to exit
 * 0 now, or a negative errno after printing "file:line: reason". On 0 the
 * caller owns s (settings_done()). --set takes profile.NAME.KEY=VALUE and
 * button.NAME.KEY=VALUE as well. */
MUST_CHECK int settings_parse_argv(Settings *s, int argc, char **argv);
void settings_done(Settings *s);

/* The profile of that name, or NULL. */
const Profile *settings_profile(const Settings *s, const char *name);
/* The profile's encoding as an enum (its default resolved). */
Encoding profile_encoding(const Profile *p);
/* Its JPEG chroma subsampling per direction: 1 (4:4:4) or 2 (4:2:0);
 * -EINVAL when the value is neither. */
int profile_jpeg_subsampling(const Profile *p);
const char *encoding_to_string(Encoding e);
