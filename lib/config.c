/* One table of keys per program drives everything about its configuration:
 * defaults, the INI file (parsed by inih), "--set section.key=value", --help,
 * --check-config and --show-config. Errors name the file, the line and the
 * reason; the caller decides how to print them. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"

typedef struct Unit {
        const char *suffix;
        uint64_t factor;
} Unit;

static const Unit byte_units[] = {
        { "", 1 },
        { "B", 1 },
        { "K", 1ULL << 10 },
        { "KB", 1ULL << 10 },
        { "KiB", 1ULL << 10 },
        { "M", 1ULL << 20 },
        { "MB", 1ULL << 20 },
        { "MiB", 1ULL << 20 },
        { "G", 1ULL << 30 },
        { "GB", 1ULL << 30 },
        { "GiB", 1ULL << 30 },
        { "T", 1ULL << 40 },
        { "TB", 1ULL << 40 },
        { "TiB", 1ULL << 40 },
};

/* No bare "m": minutes or milliseconds would be a guess. */
static const Unit msec_units[] = {
        { "", 1 },       { "ms", 1 },          { "msec", 1 },           { "s", 1000 },
        { "sec", 1000 }, { "min", 60 * 1000 }, { "h", 60 * 60 * 1000 }, { "d", 24 * 60 * 60 * 1000 },
};

static void err_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...)
        PRINTF_FMT(4, 5);

static void err_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return;
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
        err->line = line;
        err->error = -EINVAL;
        va_start(ap, fmt);
        vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
        va_end(ap);
}

/* "<digits>[.<digits>][ ]<unit>" with the unit from the table. Fractions are
 * allowed when the result is whole ("1.5s" is 1500 ms, "1.5K" is 1536), and
 * rejected otherwise ("1.5ms", "0.3K"): no silent rounding. -EINVAL for bad
 * syntax, -ERANGE when it does not fit 64 bits. */
static int parse_scaled(const char *s, const Unit *units, size_t n_units, uint64_t *ret)
{
        uint64_t whole = 0, frac = 0, scale = 1, v, f;
        const Unit *unit = NULL;
        const char *p = s;

        if (!s || *p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++)
                if (__builtin_mul_overflow(whole, 10, &whole) ||
                    __builtin_add_overflow(whole, (uint64_t) (*p - '0'), &whole))
                        return -ERANGE;
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (scale >= 1000000000ULL)
                                return -EINVAL; /* more precision than any unit has */
                        frac = frac * 10 + (uint64_t) (*p - '0');
                        scale *= 10;
                }
        }
        while (*p == ' ')
                p++;
        for (size_t i = 0; i < n_units; i++)
                if (strcasecmp(p, units[i].suffix) == 0) {
                        unit = &units[i];
                        break;
                }
        if (!unit)
                return -EINVAL;
        if (__builtin_mul_overflow(whole, unit->factor, &v) ||
            __builtin_mul_overflow(frac, unit->factor, &f))
                return -ERANGE;
        if (f % scale != 0)
                return -EINVAL;
        if (__builtin_add_overflow(v, f / scale, &v))
                return -ERANGE;
        *ret = v;
        return 0;
}

int config_parse_bytes(const char *s, uint64_t *ret)
{
        return parse_scaled(s, byte_units, ELEMENTSOF(byte_units), ret);
}

int config_parse_msec(const char *s, uint64_t *ret)
{
        return parse_scaled(s, msec_units, ELEMENTSOF(msec_units), ret);
}

int config_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

/* Base 10 only: a leading 0 is not octal in a config file. */
static int parse_int64(const char *s, bool is_unsigned, int64_t *ret)
{
        char *end;
        long long v;

        if (!s || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
                return -EINVAL;
        if (is_unsigned && *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (end == s || *end != '\0')
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

static const char *type_noun(ConfigType t)
{
        switch (t) {
        case CONFIG_INT:
                return "an integer";
        case CONFIG_UINT:
                return "a non-negative integer";
        case CONFIG_BOOL:
                return "a boolean (yes/no)";
        case CONFIG_BYTES:
                return "a size";
        case CONFIG_MSEC:
                return "a duration";
        default:
                return "a value";
        }
}

static bool has_bounds(const ConfigKey *k)
{
        return k->min != 0 || k->max != 0;
}

static bool in_bounds(const ConfigKey *k, bool is_unsigned, int64_t sv, uint64_t uv)
{
        if (!has_bounds(k))
                return true;
        if (is_unsigned)
                return uv <= (uint64_t) INT64_MAX && (int64_t) uv >= k->min && (int64_t) uv <= k->max;
        return sv >= k->min && sv <= k->max;
}

/* Parse value for k and store it into target. On failure the reason (without
 * file and line) goes into reason and target is unchanged. */
static int config_apply(const ConfigKey *k, void *target, const char *value, char *reason,
                        size_t reason_size)
{
        void *p = (char *) target + k->offset;
        bool is_unsigned = k->type != CONFIG_INT;
        int64_t sv = 0;
        uint64_t uv = 0;
        bool b;
        int r;

        switch (k->type) {
        case CONFIG_STRING: {
                char *copy = NULL;

                if (value && *value) {
                        copy = strdup(value);
                        if (!copy) {
                                snprintf(reason, reason_size, "out of memory");
                                return -ENOMEM;
                        }
                }
                free(*(char **) p);
                *(char **) p = copy;
                return 0;
        }
        case CONFIG_BOOL:
                r = config_parse_bool(value, &b);
                if (r < 0)
                        break;
                *(bool *) p = b;
                return 0;
        case CONFIG_INT:
        case CONFIG_UINT:
                r = parse_int64(value, is_unsigned, &sv);
                if (r == 0 && k->type == CONFIG_INT && (sv < INT_MIN || sv > INT_MAX))
                        r = -ERANGE;
                if (r == 0 && k->type == CONFIG_UINT && sv > (int64_t) UINT_MAX)
                        r = -ERANGE;
                uv = (uint64_t) sv;
                break;
        case CONFIG_BYTES:
                r = config_parse_bytes(value, &uv);
                break;
        case CONFIG_MSEC:
                r = config_parse_msec(value, &uv);
                break;
        default:
                snprintf(reason, reason_size, "%s.%s has no valid type", k->section, k->name);
                return -EINVAL;
        }

        if (r == -ERANGE) {
                snprintf(reason, reason_size, "\"%s\" is too large (%s.%s)", value, k->section, k->name);
                return r;
        }
        if (r < 0) {
                snprintf(reason, reason_size, "\"%s\" is not %s (%s.%s)", value ? value : "",
                         type_noun(k->type), k->section, k->name);
                return r;
        }
        if (!in_bounds(k, is_unsigned, sv, uv)) {
                snprintf(reason, reason_size, "\"%s\" is out of range %" PRId64 "..%" PRId64 " (%s.%s)",
                         value, k->min, k->max, k->section, k->name);
                return -ERANGE;
        }

        switch (k->type) {
        case CONFIG_INT:
                *(int *) p = (int) sv;
                break;
        case CONFIG_UINT:
                *(unsigned *) p = (unsigned) uv;
                break;
        default:
                *(uint64_t *) p = uv;
                break;
        }
        return 0;
}

static bool section_known(const ConfigKey *keys, const char *section)
{
        for (const ConfigKey *k = keys; k->name; k++)
                if (strcmp(k->section, section) == 0)
                        return true;
        return false;
}

static const ConfigKey *key_find(const ConfigKey *keys, const char *section, const char *name)
{
        for (const ConfigKey *k = keys; k->name; k++)
                if (strcmp(k->section, section) == 0 && strcmp(k->name, name) == 0)
                        return k;
        return NULL;
}

int config_defaults(const ConfigKey *keys, void *target, ConfigError *ret_err)
{
        char reason[sizeof(ret_err->reason)];

        /* Zero every key first, so that target can be freed whichever
         * default fails. Strings are overwritten, not freed: target holds
         * none yet (zeroed, or after config_free). */
        for (const ConfigKey *k = keys; k->name; k++) {
                void *p = (char *) target + k->offset;

                switch (k->type) {
                case CONFIG_STRING:
                        *(char **) p = NULL;
                        break;
                case CONFIG_INT:
                        *(int *) p = 0;
                        break;
                case CONFIG_UINT:
                        *(unsigned *) p = 0;
                        break;
                case CONFIG_BOOL:
                        *(bool *) p = false;
                        break;
                default:
                        *(uint64_t *) p = 0;
                        break;
                }
        }
        for (const ConfigKey *k = keys; k->name; k++) {
                int r;

                if (!k->def)
                        continue;
                r = config_apply(k, target, k->def, reason, sizeof(reason));
                if (r < 0) {
                        err_set(ret_err, "", 0, "default of %s.%s: %s", k->section, k->name, reason);
                        return r;
                }
        }
        return 0;
}

typedef struct LoadState {
        const ConfigKey *keys;
        void *target;
        FILE *f;
        const char *path;
        unsigned line;
        bool in_unknown_section; /* its keys are skipped: the section was reported */
        ConfigReport *report;
} LoadState;

static void load_fail(LoadState *st, int r, const char *fmt, ...) PRINTF_FMT(3, 4);

static void load_fail(LoadState *st, int r, const char *fmt, ...)
{
        char reason[sizeof(st->report->errors[0].reason)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        config_report_add(st->report, r, st->path, st->line, "%s", reason);
}

/* Whether s (after blanks) is a comment, a blank line or a well-formed
 * "[section]" or "key = value" line; inih would count anything else an
 * error, but only tell the first, so every one is caught here. */
static bool line_parses(const char *s)
{
        if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
                return true;
        if (*s == '[')
                return strchr(s, ']') != NULL;
        return s[strcspn(s, "=:")] != '\0' && *s != '=' && *s != ':';
}

/* inih's reader: counts lines (this inih build gives the handler none),
 * refuses lines longer than inih's buffer instead of letting it split them,
 * checks section headers (inih only reports keys) and syntax, and hands
 * inih an empty line for every line already reported, so that the parse
 * goes on and each error is said once. */
static char *load_reader(char *str, int num, void *stream)
{
        LoadState *st = stream;
        size_t n;
        char *s;

        if (!fgets(str, num, st->f))
                return NULL;
        st->line++;
        n = strlen(str);
        if (n == (size_t) num - 1 && str[n - 1] != '\n') {
                int c;

                while ((c = getc(st->f)) != EOF && c != '\n')
                        ;
                load_fail(st, -EINVAL, "line longer than %d characters", num - 3);
                goto skip;
        }

        s = str + strspn(str, " \t");
        if (!line_parses(s)) {
                load_fail(st, -EINVAL, "syntax error: expected [section] or key = value");
                goto skip;
        }
        if (*s == '[') {
                char *end = strchr(s + 1, ']');

                *end = '\0';
                st->in_unknown_section = !section_known(st->keys, s + 1);
                if (st->in_unknown_section)
                        load_fail(st, -EINVAL, "unknown section [%s]", s + 1);
                *end = ']';
                return str;
        }
        if (st->in_unknown_section && *s != ';' && *s != '#')
                goto skip;
        return str;
skip:
        str[0] = '\n';
        str[1] = '\0';
        return str;
}

static int load_handler(void *user, const char *section, const char *name, const char *value)
{
        LoadState *st = user;
        const ConfigKey *k;
        char reason[sizeof(st->report->errors[0].reason)];
        int r;

        if (st->in_unknown_section)
                return 1;
        if (!*section) {
                load_fail(st, -EINVAL, "key \"%s\" outside of any [section]", name);
                return 1;
        }
        k = key_find(st->keys, section, name);
        if (!k) {
                load_fail(st, -EINVAL, "unknown key \"%s\" in section [%s]", name, section);
                return 1;
        }
        r = config_apply(k, st->target, value, reason, sizeof(reason));
        if (r < 0) {
                load_fail(st, r, "%s", reason);
                return 1;
        }
        if (st->report->origins) {
                ConfigError *o = &st->report->origins[k - st->keys];

                snprintf(o->file, sizeof(o->file), "%s", st->path);
                o->line = st->line;
        }
        return 1;
}

int config_load_report(const ConfigKey *keys, void *target, const char *path, ConfigReport *report)
{
        LoadState st = { .keys = keys, .target = target, .path = path, .report = report };
        size_t before = report->n_errors;
        int rv, r;

        st.f = fopen(path, "re");
        if (!st.f) {
                r = -errno;
                config_report_add(report, r, path, 0, "%s", strerror(-r));
                return r;
        }

        rv = ini_parse_stream(load_reader, &st, load_handler, &st);
        /* What inih still finds (its own syntax rules) is said at its line. */
        if (rv > 0) {
                st.line = (unsigned) rv;
                load_fail(&st, -EINVAL, "syntax error: expected [section] or key = value");
        } else if (rv == -2) {
                load_fail(&st, -ENOMEM, "out of memory");
        } else if (ferror(st.f)) {
                load_fail(&st, -EIO, "read error");
        }
        fclose(st.f);

        /* Errors come in line order: the reader and the handler go line by line. */
        return report->n_errors == before ? 0 : report->errors[before].error;
}

int config_load(const ConfigKey *keys, void *target, const char *path, ConfigError *ret_err)
{
        ConfigReport report = { .keys = keys };
        int r;

        r = config_load_report(keys, target, path, &report);
        if (r < 0 && ret_err && report.n_errors > 0)
                *ret_err = report.errors[0];
        config_report_done(&report);
        return r;
}

static int set_one(const ConfigKey *keys, void *target, const char *assignment, ConfigError *ret_err,
                   const ConfigKey **ret_key)
{
        char reason[sizeof(ret_err->reason)];
        const char *eq = strchr(assignment, '='), *dot;
        size_t klen;

        if (!eq || eq == assignment) {
                err_set(ret_err, "--set", 0, "\"%s\" is not section.key=value", assignment);
                return -EINVAL;
        }
        klen = (size_t) (eq - assignment);

        /* Sections may contain dots themselves, so match the whole
         * "section.name" against each key rather than split first. */
        for (const ConfigKey *k = keys; k->name; k++) {
                size_t slen = strlen(k->section);
                int r;

                if (slen + 1 + strlen(k->name) != klen || strncmp(assignment, k->section, slen) != 0 ||
                    assignment[slen] != '.' || strncmp(assignment + slen + 1, k->name, klen - slen - 1) != 0)
                        continue;
                r = config_apply(k, target, eq + 1, reason, sizeof(reason));
                if (r < 0)
                        err_set(ret_err, "--set", 0, "%s", reason);
                else
                        *ret_key = k;
                return r;
        }

        dot = memrchr(assignment, '.', klen);
        if (!dot) {
                err_set(ret_err, "--set", 0, "\"%.*s\" is not section.key", (int) klen, assignment);
                return -EINVAL;
        }
        char section[128];
        snprintf(section, sizeof(section), "%.*s", (int) (dot - assignment), assignment);
        if (section_known(keys, section))
                err_set(ret_err, "--set", 0, "unknown key \"%.*s\" in section [%s]", (int) (eq - dot - 1),
                        dot + 1, section);
        else
                err_set(ret_err, "--set", 0, "unknown section [%s]", section);
        return -EINVAL;
}

int config_set(const ConfigKey *keys, void *target, const char *assignment, ConfigError *ret_err)
{
        const ConfigKey *k;

        return set_one(keys, target, assignment, ret_err, &k);
}

int config_set_report(const ConfigKey *keys, void *target, const char *assignment, ConfigReport *report)
{
        ConfigError err = {};
        const ConfigKey *k = NULL;
        int r;

        r = set_one(keys, target, assignment, &err, &k);
        if (r < 0) {
                config_report_add(report, r, err.file, err.line, "%s", err.reason);
                return r;
        }
        if (report->origins) {
                ConfigError *o = &report->origins[k - keys];

                snprintf(o->file, sizeof(o->file), "--set");
                snprintf(o->reason, sizeof(o->reason), "%s", assignment);
                o->line = 0;
        }
        return 0;
}

/* A value as the file would state it, in the largest unit that is exact. */
void config_format_value(const ConfigKey *k, const void *target, char *buf, size_t size)
{
        const void *p = (const char *) target + k->offset;
        static const Unit bytes_out[] = {
                { "T", 1ULL << 40 }, { "G", 1ULL << 30 }, { "M", 1ULL << 20 }, { "K", 1ULL << 10 }
        };
        static const Unit msec_out[] = { { "h", 3600000 }, { "min", 60000 }, { "s", 1000 } };
        const Unit *units = k->type == CONFIG_BYTES ? bytes_out : msec_out;
        size_t n_units = k->type == CONFIG_BYTES ? ELEMENTSOF(bytes_out) : ELEMENTSOF(msec_out);
        uint64_t v;

        switch (k->type) {
        case CONFIG_STRING:
                snprintf(buf, size, "%s", *(char *const *) p ? *(char *const *) p : "");
                return;
        case CONFIG_INT:
                snprintf(buf, size, "%d", *(const int *) p);
                return;
        case CONFIG_UINT:
                snprintf(buf, size, "%u", *(const unsigned *) p);
                return;
        case CONFIG_BOOL:
                snprintf(buf, size, "%s", *(const bool *) p ? "yes" : "no");
                return;
        case CONFIG_BYTES:
        case CONFIG_MSEC:
                v = *(const uint64_t *) p;
                for (size_t i = 0; v != 0 && i < n_units; i++)
                        if (v % units[i].factor == 0) {
                                snprintf(buf, size, "%" PRIu64 "%s", v / units[i].factor, units[i].suffix);
                                return;
                        }
                snprintf(buf, size, "%" PRIu64 "%s", v, k->type == CONFIG_MSEC && v ? "ms" : "");
                return;
        default:
                snprintf(buf, size, "?");
                return;
        }
}

void config_print_help(const ConfigKey *keys, FILE *f)
{
        for (const ConfigKey *k = keys; k->name; k++) {
                char name[128];

                snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
                fprintf(f, "  %-36s %-16s %s", name, k->def && *k->def ? k->def : "(unset)",
                        k->help ? k->help : "");
                if (has_bounds(k))
                        fprintf(f, " [%" PRId64 "..%" PRId64 "]", k->min, k->max);
                fprintf(f, "%s\n", k->reloadable ? " (reloadable)" : "");
        }
}

void config_dump(const ConfigKey *keys, const void *target, FILE *f)
{
        /* Sections in the order they first appear in the table. */
        for (const ConfigKey *s = keys; s->name; s++) {
                bool seen = false;

                for (const ConfigKey *k = keys; k != s && !seen; k++)
                        seen = strcmp(k->section, s->section) == 0;
                if (seen)
                        continue;
                fprintf(f, "%s[%s]\n", s == keys ? "" : "\n", s->section);
                for (const ConfigKey *k = s; k->name; k++) {
                        char value[512];

                        if (strcmp(k->section, s->section) != 0)
                                continue;
                        config_format_value(k, target, value, sizeof(value));
                        fprintf(f, "%s = %s\n", k->name, value);
                }
        }
}

void config_free(const ConfigKey *keys, void *target)
{
        for (const ConfigKey *k = keys; k->name; k++)
                if (k->type == CONFIG_STRING) {
                        char **p = (char **) ((char *) target + k->offset);

                        *p = mfree(*p);
                }
}

void config_error_print(const ConfigError *err, FILE *f)
{
        if (err->file[0] && err->line > 0)
                fprintf(f, "%s:%u: %s\n", err->file, err->line, err->reason);
        else if (err->file[0])
                fprintf(f, "%s: %s\n", err->file, err->reason);
        else
                fprintf(f, "%s\n", err->reason);
}
