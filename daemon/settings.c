/* sohoa-scand's configuration: the [scand] table, and the [profile.NAME] and
 * [button.NAME] sections the operator names. Values go through lib/config
 * (config_set on a per-kind table) so types and bounds are checked in one
 * place; this file reads the INI file line by line to keep line numbers,
 * and adds the rules between keys (resolution at least 200 dpi, encodings
 * that fit the mode, buttons that name a profile). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "settings.h"

#define MIN_DPI 200 /* Decree 30/2020, Appendix I: electronic copies at least 200 dpi */

#define KEY(n, f, t, d, lo, hi, h)                                                                       \
        {                                                                                                \
                .section = "scand", .name = n, .type = (t), .offset = offsetof(Settings, f), .def = (d), \
                .help = (h), .min = (lo), .max = (hi)                                                    \
        }

static const ConfigKey scand_keys[] = {
        KEY("station", station, CONFIG_STRING, "station", 0, 0, "station name: peer id and event field"),
        KEY("device", device, CONFIG_STRING, "", 0, 0,
            "SANE device name; empty: the one the device_* keys match, else the only one with a feeder"),
        KEY("device_match", device_match, CONFIG_STRING, "", 0, 0, "regex over SANE device names"),
        KEY("device_vendor", device_vendor, CONFIG_STRING, "", 0, 0, "regex over the scanner's vendor"),
        KEY("device_model", device_model, CONFIG_STRING, "", 0, 0, "regex over the scanner's model"),
        KEY("device_serial", device_serial, CONFIG_STRING, "", 0, 0,
            "serial number (USB sysfs, or a part of the SANE name): survives a power cycle"),
        KEY("network", network, CONFIG_BOOL, "no", 0, 0, "look for network scanners too (eSCL, WSD, saned)"),
        KEY("probe_interval", probe_interval_ms, CONFIG_MSEC, "5s", 0, 3600000,
            "check that an idle scanner without buttons is still there; 0: never"),
        KEY("release_between_batches", release_between_batches, CONFIG_BOOL, "no", 0, 0,
            "close the scanner after each batch so saned or an eSCL server may use it (no buttons then)"),
        KEY("broker", broker, CONFIG_STRING, "tcp://127.0.0.1:5570", 0, 0, "broker's station endpoint"),
        KEY("spool_dir", spool_dir, CONFIG_STRING, "/var/lib/sohoa/spool/scand", 0, 0, "durable page spool"),
        KEY("max_spool_bytes", max_spool_bytes, CONFIG_BYTES, "0", 0, 0,
            "stop scanning when the spool holds this much; 0: until the disk is full"),
        KEY("control_socket", control_socket, CONFIG_STRING, "/run/sohoa/scand.sock", 0, 0,
            "Unix socket for sohoactl scan and status"),
        KEY("default_profile", default_profile, CONFIG_STRING, "default", 0, 0,
            "profile of `sohoactl scan` without --profile"),
        KEY("on_event", on_event, CONFIG_STRING, "", 0, 0, "shell command run for every event (see docs)"),
        KEY("button_poll", button_poll_ms, CONFIG_MSEC, "500ms", 50, 60000, "how often buttons are read"),
        KEY("retry_min", retry_min_ms, CONFIG_MSEC, "1s", 10, 3600000, "first retry after a lost device"),
        KEY("retry_max", retry_max_ms, CONFIG_MSEC, "30s", 10, 3600000, "longest wait between retries"),
        KEY("warmup_timeout", warmup_timeout_ms, CONFIG_MSEC, "60s", 0, 600000,
            "how long a warming-up lamp is waited for"),
        KEY("heartbeat", heartbeat_ms, CONFIG_MSEC, "1s", 10, 60000,
            "heartbeat until the broker states its own"),
        KEY("resend", resend_ms, CONFIG_MSEC, "5min", 100, 86400000, "resend an unacknowledged page after"),
        KEY("curve_server_key", curve_server_key, CONFIG_STRING, "", 0, 0, "broker's public key (Z85)"),
        KEY("curve_public_key", curve_public_key, CONFIG_STRING, "", 0, 0, "station's public key (Z85)"),
        KEY("curve_secret_key", curve_secret_key, CONFIG_STRING, "", 0, 0, "station's secret key (Z85)"),
        {},
};

#define PKEY(n, f, t, d, lo, hi, h)                                                                       \
        {                                                                                                 \
                .section = "profile", .name = n, .type = (t), .offset = offsetof(Profile, f), .def = (d), \
                .help = (h), .min = (lo), .max = (hi)                                                     \
        }

static const ConfigKey profile_keys[] = {
        PKEY("source", source, CONFIG_STRING, "", 0, 0,
             "scan source as the backend names it; empty: the feeder"),
        PKEY("mode", mode, CONFIG_STRING, "color", 0, 0, "color, gray or lineart"),
        PKEY("resolution", resolution, CONFIG_UINT, "300", 1, 4800, "dpi (at least 200)"),
        PKEY("duplex", duplex, CONFIG_BOOL, "yes", 0, 0, "scan both sides of every sheet"),
        PKEY("encoding", encoding, CONFIG_STRING, "", 0, 0, "jpeg, zstd (lossless) or g4 (line-art)"),
        PKEY("jpeg_quality", jpeg_quality, CONFIG_UINT, "90", 1, 100, "JPEG quality"),
        PKEY("jpeg_subsampling", jpeg_subsampling, CONFIG_STRING, "4:4:4", 0, 0,
             "colour JPEG chroma: 4:4:4 (keeps thin red seal strokes red) or 4:2:0"),
        PKEY("sane_options", sane_options, CONFIG_STRING, "", 0, 0,
             "backend options set last, \"name=value;name=value\" (as scanimage names them)"),
        {},
};

#define BKEY(n, f, d, h)                                                                              \
        {                                                                                             \
                .section = "button", .name = n, .type = CONFIG_STRING, .offset = offsetof(Button, f), \
                .def = (d), .help = (h)                                                               \
        }

static const ConfigKey button_keys[] = {
        BKEY("match", match, "", "regex over the scanner's button option names (as scanbd)"),
        BKEY("profile", profile, "", "profile the button starts"),
        {},
};

/* The buttons a scanner without [button.*] sections answers to. */
#define DEFAULT_BUTTON_MATCH "^(scan|start|email|copy|file|extra|pdf|button-?[0-9]*)$"

static const char *const encoding_names[_ENCODING_MAX] = {
        [ENCODING_JPEG] = "jpeg",
        [ENCODING_ZSTD] = "zstd",
        [ENCODING_G4] = "g4",
};

const char *encoding_to_string(Encoding e)
{
        return e >= 0 && e < _ENCODING_MAX ? encoding_names[e] : NULL;
}

static Encoding encoding_from_string(const char *s)
{
        for (int i = 0; i < _ENCODING_MAX; i++)
                if (s && strcasecmp(s, encoding_names[i]) == 0)
                        return (Encoding) i;
        return _ENCODING_INVALID;
}

int profile_jpeg_subsampling(const Profile *p)
{
        if (!p->jpeg_subsampling || strcmp(p->jpeg_subsampling, "4:4:4") == 0)
                return 1;
        if (strcmp(p->jpeg_subsampling, "4:2:0") == 0)
                return 2;
        return -EINVAL;
}

Encoding profile_encoding(const Profile *p)
{
        if (p->encoding)
                return encoding_from_string(p->encoding);
        return p->mode && strcmp(p->mode, "lineart") == 0 ? ENCODING_G4 : ENCODING_JPEG;
}

const Profile *settings_profile(const Settings *s, const char *name)
{
        for (size_t i = 0; name && i < s->n_profiles; i++)
                if (strcmp(s->profiles[i].name, name) == 0)
                        return &s->profiles[i];
        return NULL;
}

static Profile *profile_get(Settings *s, const char *name, const char *file, unsigned line, ConfigError *err)
{
        Profile *p = (Profile *) settings_profile(s, name), *n;

        if (p)
                return p;
        n = realloc(s->profiles, (s->n_profiles + 1) * sizeof(Profile));
        if (!n)
                return NULL;
        s->profiles = n;
        p = &n[s->n_profiles];
        *p = (Profile) {};
        if (config_defaults(profile_keys, p, err) < 0)
                return NULL;
        p->name = strdup(name);
        if (!p->name) {
                config_free(profile_keys, p);
                return NULL;
        }
        snprintf(p->file, sizeof(p->file), "%s", file);
        p->line = line;
        s->n_profiles++;
        return p;
}

static Button *button_get(Settings *s, const char *name, const char *file, unsigned line, ConfigError *err)
{
        Button *b, *n;

        for (size_t i = 0; i < s->n_buttons; i++)
                if (strcmp(s->buttons[i].name, name) == 0)
                        return &s->buttons[i];
        n = realloc(s->buttons, (s->n_buttons + 1) * sizeof(Button));
        if (!n)
                return NULL;
        s->buttons = n;
        b = &n[s->n_buttons];
        *b = (Button) {};
        if (config_defaults(button_keys, b, err) < 0)
                return NULL;
        b->name = strdup(name);
        if (!b->name)
                return NULL;
        snprintf(b->file, sizeof(b->file), "%s", file);
        b->line = line;
        s->n_buttons++;
        return b;
}

/* Route one section.key=value to its table. file and line name where it
 * came from ("--set", 0 for the command line). */
static int settings_assign(Settings *s, const char *section, const char *key, const char *value,
                           const char *file, unsigned line, ConfigError *err)
{
        char buf[512];
        const char *sub;
        int r;

        if (strcmp(section, "scand") == 0) {
                snprintf(buf, sizeof(buf), "scand.%s=%s", key, value);
                r = config_set(scand_keys, s, buf, err);
        } else if ((sub = strchr(section, '.')) && sub[1] &&
                   (strncmp(section, "profile.", 8) == 0 || strncmp(section, "button.", 7) == 0)) {
                bool is_profile = section[0] == 'p';
                void *target = is_profile ? (void *) profile_get(s, sub + 1, file, line, err)
                                          : (void *) button_get(s, sub + 1, file, line, err);

                if (!target) {
                        snprintf(err->reason, sizeof(err->reason), "out of memory");
                        r = -ENOMEM;
                        goto out;
                }
                snprintf(buf, sizeof(buf), "%s.%s=%s", is_profile ? "profile" : "button", key, value);
                r = config_set(is_profile ? profile_keys : button_keys, target, buf, err);
                if (r == 0 && is_profile && strcmp(key, "resolution") == 0)
                        ((Profile *) target)->resolution_line = line;
                if (r == 0 && is_profile && strcmp(key, "encoding") == 0)
                        ((Profile *) target)->encoding_line = line;
                if (r == 0 && is_profile && strcmp(key, "jpeg_subsampling") == 0)
                        ((Profile *) target)->subsampling_line = line;
        } else {
                snprintf(err->reason, sizeof(err->reason),
                         "unknown section [%s] (expected [scand], [profile.NAME] or [button.NAME])",
                         section);
                r = -EINVAL;
        }
out:
        if (r < 0) {
                snprintf(err->file, sizeof(err->file), "%s", file);
                err->line = line;
        }
        return r;
}

typedef struct LoadState {
        Settings *s;
        FILE *f;
        const char *path;
        unsigned line;
        int r;
        ConfigError err;
} LoadState;

/* Counts lines (this inih build gives the handler none) and refuses lines
 * longer than inih's buffer rather than let it split them. */
static char *load_reader(char *str, int num, void *stream)
{
        LoadState *st = stream;
        size_t n;

        if (st->r < 0 || !fgets(str, num, st->f))
                return NULL;
        st->line++;
        n = strlen(str);
        if (n == (size_t) num - 1 && str[n - 1] != '\n' && !feof(st->f)) {
                snprintf(st->err.file, sizeof(st->err.file), "%s", st->path);
                st->err.line = st->line;
                snprintf(st->err.reason, sizeof(st->err.reason), "line longer than %d characters", num - 3);
                st->r = -EINVAL;
                return NULL;
        }
        return str;
}

static int load_handler(void *user, const char *section, const char *name, const char *value)
{
        LoadState *st = user;

        if (st->r < 0)
                return 0;
        if (!*section) {
                snprintf(st->err.file, sizeof(st->err.file), "%s", st->path);
                st->err.line = st->line;
                snprintf(st->err.reason, sizeof(st->err.reason), "key \"%s\" outside of any [section]",
                         name);
                st->r = -EINVAL;
                return 0;
        }
        st->r = settings_assign(st->s, section, name, value, st->path, st->line, &st->err);
        return st->r == 0;
}

static int settings_load(Settings *s, const char *path, ConfigError *err)
{
        LoadState st = { .s = s, .path = path };
        int rv;

        st.f = fopen(path, "re");
        if (!st.f) {
                snprintf(err->file, sizeof(err->file), "%s", path);
                err->line = 0;
                snprintf(err->reason, sizeof(err->reason), "%s", strerror(errno));
                return -errno;
        }
        rv = ini_parse_stream(load_reader, &st, load_handler, &st);
        if (rv > 0 && st.r == 0) {
                snprintf(st.err.file, sizeof(st.err.file), "%s", path);
                st.err.line = (unsigned) rv;
                snprintf(st.err.reason, sizeof(st.err.reason),
                         "syntax error: expected [section] or key = value");
                st.r = -EINVAL;
        }
        fclose(st.f);
        if (st.r < 0)
                *err = st.err;
        return st.r;
}

/* "--set profile.NAME.key=value": the section is everything before the
 * last dot of the key. */
static int settings_set(Settings *s, const char *assignment, ConfigError *err)
{
        const char *eq = strchr(assignment, '='), *dot;
        char section[256], key[128];

        dot = eq ? memrchr(assignment, '.', (size_t) (eq - assignment)) : NULL;
        if (!dot || dot == assignment) {
                snprintf(err->file, sizeof(err->file), "--set");
                err->line = 0;
                snprintf(err->reason, sizeof(err->reason), "\"%s\" is not section.key=value", assignment);
                return -EINVAL;
        }
        snprintf(section, sizeof(section), "%.*s", (int) (dot - assignment), assignment);
        snprintf(key, sizeof(key), "%.*s", (int) (eq - dot - 1), dot + 1);
        return settings_assign(s, section, key, eq + 1, "--set", 0, err);
}

static int check_fail(ConfigError *err, const char *file, unsigned line, const char *reason,
                      const char *name)
{
        snprintf(err->file, sizeof(err->file), "%s", file);
        err->line = line;
        snprintf(err->reason, sizeof(err->reason), reason, name);
        return -EINVAL;
}

static int settings_validate_profile(Profile *p, ConfigError *err)
{
        static const char *const modes[] = { "color", "gray", "lineart" };
        Encoding e = profile_encoding(p);
        bool mode_ok = false;

        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                mode_ok = mode_ok || strcmp(p->mode ? p->mode : "", modes[i]) == 0;
        if (!mode_ok)
                return check_fail(err, p->file, p->line, "profile %s: mode must be color, gray or lineart",
                                  p->name);
        if (p->resolution < MIN_DPI) {
                char why[160];

                snprintf(why, sizeof(why),
                         "profile %%s: resolution %u dpi is under %d dpi, the least an electronic copy may "
                         "have",
                         p->resolution, MIN_DPI);
                return check_fail(err, p->file, p->resolution_line ? p->resolution_line : p->line, why,
                                  p->name);
        }
        if (e < 0)
                return check_fail(err, p->file, p->encoding_line,
                                  "profile %s: encoding must be jpeg, zstd or g4", p->name);
        if (e == ENCODING_G4 && strcmp(p->mode, "lineart") != 0)
                return check_fail(err, p->file, p->encoding_line, "profile %s: g4 is for mode lineart only",
                                  p->name);
        if (e == ENCODING_JPEG && strcmp(p->mode, "lineart") == 0)
                return check_fail(err, p->file, p->encoding_line,
                                  "profile %s: JPEG cannot hold line-art: use g4 or zstd", p->name);
        if (profile_jpeg_subsampling(p) < 0)
                return check_fail(err, p->file, p->subsampling_line,
                                  "profile %s: jpeg_subsampling must be 4:4:4 or 4:2:0", p->name);
        return 0;
}

/* The device_* regexes compile; device.c compiles them again for use. */
static int settings_validate_device(const Settings *s, ConfigError *err)
{
        static const char *const keys[] = { "scand.device_match", "scand.device_vendor",
                                            "scand.device_model" };
        const char *values[] = { s->device_match, s->device_vendor, s->device_model };
        regex_t rx;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (!values[i])
                        continue;
                if (regcomp(&rx, values[i], REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
                        return check_fail(err, "", 0, "%s is not a valid regex", keys[i]);
                regfree(&rx);
        }
        return 0;
}

static int settings_validate(Settings *s, ConfigError *err)
{
        int r;

        /* Without any profile, one built-in: duplex colour at 300 dpi, as the
         * province's rules ask of every dossier. */
        if (s->n_profiles == 0 &&
            !profile_get(s, s->default_profile ? s->default_profile : "default", "", 0, err))
                return -ENOMEM;
        for (size_t i = 0; i < s->n_profiles; i++) {
                r = settings_validate_profile(&s->profiles[i], err);
                if (r < 0)
                        return r;
        }
        if (!settings_profile(s, s->default_profile))
                return check_fail(err, "", 0, "scand.default_profile: no profile named \"%s\"",
                                  s->default_profile ? s->default_profile : "");
        if (s->n_buttons == 0) {
                Button *b = button_get(s, "default", "", 0, err);

                if (!b || !(b->match = strdup(DEFAULT_BUTTON_MATCH)) ||
                    !(b->profile = strdup(s->default_profile)))
                        return -ENOMEM;
                b->builtin = true;
        }
        r = settings_validate_device(s, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_buttons; i++) {
                Button *b = &s->buttons[i];

                if (!b->match || !b->profile)
                        return check_fail(err, b->file, b->line, "button %s needs both match and profile",
                                          b->name);
                if (!settings_profile(s, b->profile))
                        return check_fail(err, b->file, b->line,
                                          "button %s names a profile that does not exist", b->name);
                if (regcomp(&b->rx, b->match, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
                        return check_fail(err, b->file, b->line, "button %s: match is not a valid regex",
                                          b->name);
                b->compiled = true;
        }
        if (s->retry_max_ms < s->retry_min_ms)
                return check_fail(err, "", 0, "scand.retry_max is shorter than %s", "scand.retry_min");
        return 0;
}

static void settings_dump(const Settings *s, FILE *f)
{
        config_dump(scand_keys, s, f);
        for (size_t i = 0; i < s->n_profiles; i++) {
                char buf[8192];
                FILE *m = fmemopen(buf, sizeof(buf), "w");

                if (!m)
                        continue;
                config_dump(profile_keys, &s->profiles[i], m);
                fclose(m);
                /* config_dump names the section [profile]: give it its name. */
                fprintf(f, "\n[profile.%s]%s", s->profiles[i].name, strchr(buf, '\n'));
        }
        for (size_t i = 0; i < s->n_buttons; i++)
                fprintf(f, "\n[button.%s]\nmatch = %s\nprofile = %s\n", s->buttons[i].name,
                        s->buttons[i].match, s->buttons[i].profile);
}

static void settings_usage(FILE *f)
{
        fprintf(f, "Usage: sohoa-scand [OPTIONS]\n"
                   "Scan a station's feeder into the outbox: one daemon per scanner.\n\n"
                   "Options:\n"
                   "  -c, --config FILE           read FILE (default: /etc/sohoa/scand.conf, if it exists)\n"
                   "      --set SECTION.KEY=VALUE override one key after the file; repeatable;\n"
                   "                              also profile.NAME.KEY=VALUE and button.NAME.KEY=VALUE\n"
                   "      --check-config          check the configuration and exit\n"
                   "      --show-config           print the settings in force and exit\n"
                   "  -h, --help                  show this help and exit\n"
                   "      --version               show the version and exit\n"
                   "\nConfiguration keys (section.key, default, meaning):\n");
        config_print_help(scand_keys, f);
        fprintf(f, "\nIn each [profile.NAME]:\n");
        config_print_help(profile_keys, f);
        fprintf(f, "\nIn each [button.NAME] (default: " DEFAULT_BUTTON_MATCH
                   " starts scand.default_profile):\n");
        config_print_help(button_keys, f);
}

enum {
        ARG_SET = 0x100,
        ARG_CHECK,
        ARG_SHOW,
        ARG_VERSION
};

int settings_parse_argv(Settings *s, int argc, char **argv)
{
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "set", required_argument, NULL, ARG_SET },
                { "check-config", no_argument, NULL, ARG_CHECK },
                { "show-config", no_argument, NULL, ARG_SHOW },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        const char *path = "/etc/sohoa/scand.conf";
        bool explicit_path = false, check = false, show = false;
        ConfigError err = {};
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        path = optarg;
                        explicit_path = true;
                        break;
                case ARG_SET:
                        break; /* applied after the file, in order */
                case ARG_CHECK:
                        check = true;
                        break;
                case ARG_SHOW:
                        show = true;
                        break;
                case 'h':
                        settings_usage(stdout);
                        return 1;
                case ARG_VERSION:
                        printf("sohoa-scand %s\n", SOHOA_VERSION);
                        return 1;
                default:
                        fprintf(stderr, "Try 'sohoa-scand --help' for more information.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sohoa-scand: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        r = config_defaults(scand_keys, s, &err);
        if (r < 0)
                goto fail;
        r = settings_load(s, path, &err);
        if (r == -ENOENT && !explicit_path)
                r = 0;
        if (r < 0)
                goto fail;
        optind = 0;
        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0)
                if (c == ARG_SET) {
                        r = settings_set(s, optarg, &err);
                        if (r < 0)
                                goto fail;
                }
        r = settings_validate(s, &err);
        if (r < 0)
                goto fail;
        if (check) {
                printf("%s: configuration is valid\n", path);
                settings_done(s);
                return 1;
        }
        if (show) {
                settings_dump(s, stdout);
                settings_done(s);
                return 1;
        }
        return 0;
fail:
        config_error_print(&err, stderr);
        settings_done(s);
        return r;
}

void settings_done(Settings *s)
{
        for (size_t i = 0; i < s->n_profiles; i++) {
                config_free(profile_keys, &s->profiles[i]);
                free(s->profiles[i].name);
        }
        for (size_t i = 0; i < s->n_buttons; i++) {
                config_free(button_keys, &s->buttons[i]);
                free(s->buttons[i].name);
                if (s->buttons[i].compiled)
                        regfree(&s->buttons[i].rx);
        }
        s->profiles = mfree(s->profiles);
        s->buttons = mfree(s->buttons);
        s->n_profiles = s->n_buttons = 0;
        config_free(scand_keys, s);
}
