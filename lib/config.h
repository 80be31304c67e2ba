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
        CONFIG_STRING, /* char *, strdup'ed; "" is NULL */
        CONFIG_INT,    /* int */
        CONFIG_UINT,   /* unsigned */
        CONFIG_BOOL,   /* bool: yes/no/true/false/on/off/1/0 */
        CONFIG_BYTES,  /* uint64_t: "1048576", "512K", "64M", "2G" (powers of 1024) */
        CONFIG_MSEC,   /* uint64_t milliseconds: "250ms", "5s", "2min", "1h", bare number = ms */
        _CONFIG_TYPE_MAX,
        _CONFIG_TYPE_INVALID = -22,
} ConfigType;

typedef struct ConfigKey {
        const char *section; /* "broker" */
        const char *name;    /* "stations_endpoint" */
        ConfigType type;
        size_t offset;   /* offsetof(Settings, field) */
        const char *def; /* default, as it would be written in the file; NULL = unset */
        bool reloadable;
        const char *help;
        int64_t min, max; /* for numeric types; both 0 = no bound */
} ConfigKey;

/* Where a problem was found: "file:line: reason". */
typedef struct ConfigError {
        char file[256];
        unsigned line; /* 0 when not from a file (defaults, --set) */
        char reason[256];
        int error; /* the negative errno it stands for */
} ConfigError;

/* Every problem found while building one program's settings, in the order
 * found, and where each key's value came from, so that a check of a value
 * that parses but does not work (a log level, a key file, a language) names
 * the file and line that set it. Zero it, then config_report_init(). */
typedef struct ConfigReport {
        const ConfigKey *keys;
        ConfigError *origins; /* per key: file and line, or file "--set"; file "" = default */
        ConfigError *errors;
        size_t n_errors;
        int first_r; /* the negative errno of the first error, 0 when none */
} ConfigReport;

MUST_CHECK int config_report_init(ConfigReport *r, const ConfigKey *keys);
void config_report_done(ConfigReport *r);
/* Add an error at file:line (line 0: none; file "" or NULL: none). */
void config_report_add(ConfigReport *r, int error, const char *file, unsigned line, const char *fmt, ...)
        PRINTF_FMT(5, 6);
/* Add an error about the value of section.name, at the place it was set:
 * "FILE:LINE: section.name: reason", "--set section.name=...: reason", or
 * "section.name: reason" for a default. */
void config_report_key(ConfigReport *r, const char *section, const char *name, const char *fmt, ...)
        PRINTF_FMT(4, 5);
/* Every error, one "file:line: reason" line each. */
void config_report_print(const ConfigReport *r, FILE *f);

/* Checks shared by the programs' check functions (ConfigProgram.check). */
/* A log level name log_level_from_string() knows (NULL: unset, fine). */
void config_check_log_level(ConfigReport *r, const char *section, const char *name, const char *value);
/* A file the program will read: exists and is readable by this user. */
void config_check_readable(ConfigReport *r, const char *section, const char *name, const char *path);
/* Why path cannot be read (error: a negative errno), with what to do
 * about it when this user may not, into buf. */
void config_readable_reason(const char *path, int error, char *buf, size_t size);

/* keys is terminated by an entry with name == NULL. */

/* Fill every key of target with its default. 0 or negative errno (+err). */
MUST_CHECK int config_defaults(const ConfigKey *keys, void *target, ConfigError *ret_err);
/* Parse an INI file over target. Unknown sections or keys, and values that do
 * not parse or are out of bounds, are errors with file and line. -ENOENT when
 * the file does not exist (the caller decides whether that is fine). */
MUST_CHECK int config_load(const ConfigKey *keys, void *target, const char *path, ConfigError *ret_err);
/* The same, reading on past errors: every one goes into r (with the origin
 * of every key set). Returns the first error's negative errno, or 0. */
MUST_CHECK int config_load_report(const ConfigKey *keys, void *target, const char *path, ConfigReport *r);
/* Apply one "section.key=value" (command line). */
MUST_CHECK int config_set(const ConfigKey *keys, void *target, const char *assignment, ConfigError *ret_err);
/* The same, the error (or the key's origin) into r. */
MUST_CHECK int config_set_report(const ConfigKey *keys, void *target, const char *assignment,
                                 ConfigReport *r);
/* "section.key  default  help" lines for --help. */
void config_print_help(const ConfigKey *keys, FILE *f);
/* One key's value in target as a file would state it. */
void config_format_value(const ConfigKey *k, const void *target, char *buf, size_t size);
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
        const char *name;         /* "sohoa-broker" */
        const char *summary;      /* one line for --help */
        const char *default_path; /* "/etc/sohoa/broker.conf" or NULL */
        const ConfigKey *keys;
        size_t size; /* sizeof the settings struct (for config_reload()) */
        /* Optional: what start-up would refuse in values that parse (a log
         * level, a key file, a language), each added to r with
         * config_report_key(). Run after the file and --set, at every start,
         * --check-config and reload. */
        void (*check)(const void *target, ConfigReport *r);
        /* Optional: put in force what acts outside the settings struct (the
         * log level), after a start's parse and after each reload. */
        void (*apply)(const void *target);
} ConfigProgram;

/* With --check-config, every error is printed (not only the first). */
MUST_CHECK int config_parse_argv(const ConfigProgram *prog, void *target, int argc, char **argv);

/* SIGHUP: build the settings again from the command line config_parse_argv()
 * was given (the file, then --set), check them, and copy the keys marked
 * reloadable that changed into target; a changed key that is not reloadable
 * is logged as waiting for a restart. With any error nothing changes and
 * every error is logged. Logs (at info, warning); returns the number of
 * reloadable keys changed, or a negative errno. Single-threaded: the caller
 * owns target and nothing else may read its reloadable keys meanwhile. */
int config_reload(const ConfigProgram *prog, void *target);
