/* The command line every sohoa daemon shares (--config, --set,
 * --check-config, --show-config, --help, --version), built on the config
 * table: defaults, then the file, then each --set in order. Unlike the rest
 * of lib/, it prints: it is the program's own front door. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

static void config_usage(const ConfigProgram *prog, FILE *f)
{
        fprintf(f, "Usage: %s [OPTIONS]\n%s\n\n", prog->name, prog->summary ? prog->summary : "");
        fprintf(f, "Options:\n"
                   "  -c, --config FILE           read FILE");
        if (prog->default_path)
                fprintf(f, " (default: %s, if it exists)", prog->default_path);
        fprintf(f, "\n"
                   "      --set SECTION.KEY=VALUE override one key after the file; repeatable\n"
                   "      --check-config          check the configuration and exit\n"
                   "      --show-config           print the settings in force and exit\n"
                   "  -h, --help                  show this help and exit\n"
                   "      --version               show the version and exit\n"
                   "\nConfiguration keys (section.key, default, meaning):\n");
        config_print_help(prog->keys, f);
}

enum {
        ARG_SET = 0x100,
        ARG_CHECK,
        ARG_SHOW,
        ARG_VERSION,
};

/* Defaults, then the file, then each --set in order, then the program's
 * own checks. Every error goes into report; reading goes on past them so
 * that all are said at once. */
static int config_build(const ConfigProgram *prog, void *target, const char *path, bool explicit_path,
                        char **sets, size_t n_sets, const char **ret_loaded, ConfigReport *report)
{
        ConfigError err = {};
        int r;

        *ret_loaded = NULL;
        r = config_report_init(report, prog->keys);
        if (r < 0) {
                config_report_add(report, r, "", 0, "out of memory");
                return r;
        }
        r = config_defaults(prog->keys, target, &err);
        if (r < 0) {
                config_report_add(report, r, err.file, err.line, "%s", err.reason);
                return r;
        }
        if (path) {
                r = config_load_report(prog->keys, target, path, report);
                if (r == 0)
                        *ret_loaded = path;
                else if (r == -ENOENT && !explicit_path) {
                        /* A missing default file is fine: forget it was said. */
                        report->n_errors--;
                        report->first_r = report->n_errors > 0 ? report->errors[0].error : 0;
                }
        }
        for (size_t i = 0; i < n_sets; i++)
                if (config_set_report(prog->keys, target, sets[i], report) < 0)
                        continue; /* said in report; the next ones are checked too */
        if (prog->check)
                prog->check(target, report);
        return report->n_errors > 0 ? (report->first_r < 0 ? report->first_r : -EINVAL) : 0;
}

typedef struct ArgvOptions {
        const char *path;
        bool explicit_path, help, version, check, show;
        char **sets; /* the --set values in order, pointing into argv */
        size_t n_sets;
} ArgvOptions;

/* Only collects: nothing is applied until every option is known to be
 * valid, and --help or --version never read the file. */
static int parse_options(const ConfigProgram *prog, int argc, char **argv, ArgvOptions *o)
{
        static const struct option options[] = { { "config", required_argument, NULL, 'c' },
                                                 { "set", required_argument, NULL, ARG_SET },
                                                 { "check-config", no_argument, NULL, ARG_CHECK },
                                                 { "show-config", no_argument, NULL, ARG_SHOW },
                                                 { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, ARG_VERSION },
                                                 {} };
        int c;

        /* optind = 0 fully restarts GNU getopt, so this may run again (tests,
         * a reload that re-reads argv). Errors are worded here, not by getopt. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hc:", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        o->path = optarg;
                        o->explicit_path = true;
                        break;
                case ARG_SET:
                        o->sets[o->n_sets++] = optarg;
                        break;
                case ARG_CHECK:
                        o->check = true;
                        break;
                case ARG_SHOW:
                        o->show = true;
                        break;
                case 'h':
                        o->help = true;
                        break;
                case ARG_VERSION:
                        o->version = true;
                        break;
                case ':':
                        fprintf(stderr, "%s: option '%s' needs an argument\n", prog->name, argv[optind - 1]);
                        return -EINVAL;
                default:
                        /* optopt: 0 for an unknown long option, the short
                         * letter, or the val of a long one given "=value". */
                        if (optopt == 0)
                                fprintf(stderr, "%s: unknown option '%s'\n", prog->name, argv[optind - 1]);
                        else if (optopt < 0x100)
                                fprintf(stderr, "%s: unknown option '-%c'\n", prog->name, optopt);
                        else
                                fprintf(stderr, "%s: option '%s' takes no value\n", prog->name,
                                        argv[optind - 1]);
                        return -EINVAL;
                }
        }
        return 0;
}

/* The command line, kept for config_reload(): argv lives as long as the process. */
static int saved_argc;
static char **saved_argv;

int config_parse_argv(const ConfigProgram *prog, void *target, int argc, char **argv)
{
        ArgvOptions o = { .path = prog->default_path };
        ConfigReport report = {};
        const char *loaded;
        int r;

        saved_argc = argc;
        saved_argv = argv;

        o.sets = calloc((size_t) argc + 1, sizeof(char *));
        if (!o.sets) {
                fprintf(stderr, "%s: out of memory\n", prog->name);
                return -ENOMEM;
        }

        r = parse_options(prog, argc, argv, &o);
        if (r < 0) {
                fprintf(stderr, "Try '%s --help' for more information.\n", prog->name);
                goto out;
        }
        if (o.help) {
                config_usage(prog, stdout);
                r = 1;
                goto out;
        }
        if (o.version) {
                printf("%s %s\n", prog->name, SOHOA_VERSION);
                r = 1;
                goto out;
        }

        r = config_build(prog, target, o.path, o.explicit_path, o.sets, o.n_sets, &loaded, &report);
        if (r < 0) {
                config_report_print(&report, stderr);
                if (o.check)
                        fprintf(stderr, "%s: %zu error%s in the configuration\n", prog->name,
                                report.n_errors, report.n_errors == 1 ? "" : "s");
        } else if (o.check) {
                printf("%s: configuration is valid\n", loaded ? loaded : "built-in defaults");
                r = 1;
        } else if (r == 0 && o.show) {
                config_dump(prog->keys, target, stdout);
                r = 1;
        }
        /* Only the settings of a program that goes on are kept. */
        if (r != 0)
                config_free(prog->keys, target);
        else if (prog->apply)
                prog->apply(target);
out:
        config_report_done(&report);
        free(o.sets);
        return r;
}

/* Whether key k holds the same value in a and b. */
static bool key_equal(const ConfigKey *k, const void *a, const void *b)
{
        const char *pa = (const char *) a + k->offset, *pb = (const char *) b + k->offset;

        switch (k->type) {
        case CONFIG_STRING: {
                const char *sa = *(char *const *) pa, *sb = *(char *const *) pb;

                return (!sa && !sb) || (sa && sb && strcmp(sa, sb) == 0);
        }
        case CONFIG_INT:
                return *(const int *) pa == *(const int *) pb;
        case CONFIG_UINT:
                return *(const unsigned *) pa == *(const unsigned *) pb;
        case CONFIG_BOOL:
                return *(const bool *) pa == *(const bool *) pb;
        default:
                return *(const uint64_t *) pa == *(const uint64_t *) pb;
        }
}

static size_t key_size(const ConfigKey *k)
{
        switch (k->type) {
        case CONFIG_STRING:
                return sizeof(char *);
        case CONFIG_INT:
                return sizeof(int);
        case CONFIG_UINT:
                return sizeof(unsigned);
        case CONFIG_BOOL:
                return sizeof(bool);
        default:
                return sizeof(uint64_t);
        }
}

int config_reload(const ConfigProgram *prog, void *target)
{
        ArgvOptions o = { .path = prog->default_path };
        ConfigReport report = {};
        const char *loaded;
        void *fresh = NULL;
        int r, changed = 0;

        if (!saved_argv || prog->size == 0)
                return log_warning_errno(-EINVAL,
                                         "reload: no command line to read the settings from, ignoring");
        o.sets = calloc((size_t) saved_argc + 1, sizeof(char *));
        fresh = calloc(1, prog->size);
        if (!o.sets || !fresh) {
                r = log_warning_errno(-ENOMEM, "reload: out of memory, keeping the settings in force");
                goto out;
        }
        r = parse_options(prog, saved_argc, saved_argv, &o);
        if (r < 0)
                goto out;
        r = config_build(prog, fresh, o.path, o.explicit_path, o.sets, o.n_sets, &loaded, &report);
        if (r < 0) {
                for (size_t i = 0; i < report.n_errors; i++) {
                        const ConfigError *e = &report.errors[i];

                        if (e->line > 0)
                                log_warning("reload: %s:%u: %s", e->file, e->line, e->reason);
                        else
                                log_warning("reload: %s%s%s", e->file, e->file[0] ? ": " : "", e->reason);
                }
                log_warning("reload: %zu error%s: keeping the settings in force", report.n_errors,
                            report.n_errors == 1 ? "" : "s");
                goto out;
        }
        /* Swap the reloadable keys that changed (fresh then frees the old
         * strings), put them in force, then say what changed: at the new
         * log level. */
        for (const ConfigKey *k = prog->keys; k->name; k++) {
                char *pt = (char *) target + k->offset, *pf = (char *) fresh + k->offset,
                     tmp[sizeof(uint64_t)];

                if (!k->reloadable || key_equal(k, target, fresh))
                        continue;
                memcpy(tmp, pt, key_size(k));
                memcpy(pt, pf, key_size(k));
                memcpy(pf, tmp, key_size(k));
                changed++;
        }
        if (prog->apply)
                prog->apply(target);
        for (const ConfigKey *k = prog->keys; k->name; k++) {
                char value[256];

                if (key_equal(k, target, fresh))
                        continue;
                if (k->reloadable) {
                        config_format_value(k, target, value, sizeof(value));
                        log_info("reload: %s.%s = %s", k->section, k->name, value);
                } else {
                        config_format_value(k, fresh, value, sizeof(value));
                        log_notice("reload: %s.%s changed to \"%s\"; it takes effect at the next restart",
                                   k->section, k->name, value);
                }
        }
        log_info("reload: %s read, %d setting%s changed", loaded ? loaded : "built-in defaults", changed,
                 changed == 1 ? "" : "s");
        r = changed;
out:
        if (fresh)
                config_free(prog->keys, fresh);
        free(fresh);
        config_report_done(&report);
        free(o.sets);
        return r;
}
