/* Configuration as one table per program: each key's section, name, type,
 * target (offset into the program's settings struct), default, whether a
 * reload may change it, and a line of help. The same table fills defaults,
 * parses the INI file (inih), applies "--set section.key=value", prints
 * --help, validates for --check-config and dumps the settings in force. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

typedef enum ConfigType {
        CONFIG_STRING,   /* char *, strdup'ed; "" is NULL */
        CONFIG_INT,      /* int */
        CONFIG_UINT,     /* unsigned */
        CONFIG_BOOL,     /* bool: yes/no/true/false/on/off/1/0 */
        CONFIG_BYTES,    /* uint64_t: "1048576", "512K", "64M", "2G" (powers of 1024) */
        CONFIG_MSEC,     /* uint64_t milliseconds: "250ms", "5s", "2min", "1h", bare number = ms */
        _CONFIG_TYPE_MAX,
        _CONFIG_TYPE_INVALID = -22,
} ConfigType;

typedef struct ConfigKey {
        const char *section;   /* "broker" */
        const char *name;      /* "stations_endpoint" */
        ConfigType type;
        size_t offset;         /* offsetof(Settings, field) */
        const char *def;       /* default, as it would be written in the file; NULL = unset */
        bool reloadable;
        const char *help;
        int64_t min, max;      /* for numeric types; both 0 = no bound */
} ConfigKey;

/* Where a problem was found: "file:line: reason". */
typedef struct ConfigError {
        char file[256];
        unsigned line;         /* 0 when not from a file (defaults, --set) */
        char reason[256];
} ConfigError;

/* keys is terminated by an entry with name == NULL. */

/* Fill every key of target with its default. 0 or negative errno (+err). */
MUST_CHECK int config_defaults(const ConfigKey *keys, void *target, ConfigError *ret_err);
/* Parse an INI file over target. Unknown sections or keys, and values that do
 * not parse or are out of bounds, are errors with file and line. -ENOENT when
 * the file does not exist (the caller decides whether that is fine). */
MUST_CHECK int config_load(const ConfigKey *keys, void *target, const char *path, ConfigError *ret_err);
/* Apply one "section.key=value" (command line). */
MUST_CHECK int config_set(const ConfigKey *keys, void *target, const char *assignment, ConfigError *ret_err);
/* "section.key  default  help" lines for --help. */
void config_print_help(const ConfigKey *keys, FILE *f);
/* The settings in force, as an INI file would state them. */
void config_dump(const ConfigKey *keys, const void *target, FILE *f);
/* Free the strings of target (not target itself). */
void config_free(const ConfigKey *keys, void *target);
/* "file:line: reason" or "reason" into f. */
void config_error_print(const ConfigError *err, FILE *f);

/* Parsers the table uses, exported for other command-line values. */
MUST_CHECK int config_parse_bytes(const char *s, uint64_t *ret);
MUST_CHECK int config_parse_msec(const char *s, uint64_t *ret);
MUST_CHECK int config_parse_bool(const char *s, bool *ret);

/* The options every sohoa daemon shares, parsed from argv by
 * config_parse_argv(): --config FILE, --set KEY=VALUE (repeatable),
 * --check-config, --show-config, --help, --version. Fills defaults, loads the
 * file (default_path; a missing default file is fine, a missing explicit one
 * is not), applies --set in order. Returns 0 to go on, 1 when the program
 * should exit 0 now (--help, --version, --check-config passed,
 * --show-config), or a negative errno after printing the error (file:line:
 * reason) to stderr: the program exits non-zero.
 * target should start zeroed. On any non-zero return it holds no strings
 * (freed here); on 0 the caller owns them (config_free()). Arguments that are not options are left
 * to the caller in argv[optind..argc-1] (GNU getopt moves them to the end);
 * a program that takes none should refuse optind < argc. Values: byte sizes
 * and durations may have a fraction when the result is whole ("1.5s" is
 * 1500 ms, "1.5K" is 1536); "1.5ms" or "0.3K" are rejected, never rounded.
 * INI lines are limited to inih's buffer (197 characters); longer ones are
 * an error, not split. */
typedef struct ConfigProgram {
        const char *name;          /* "sohoa-broker" */
        const char *summary;       /* one line for --help */
        const char *default_path;  /* "/etc/sohoa/broker.conf" or NULL */
        const ConfigKey *keys;
} ConfigProgram;

MUST_CHECK int config_parse_argv(const ConfigProgram *prog, void *target, int argc, char **argv);
