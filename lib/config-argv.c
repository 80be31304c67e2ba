/* The command line every sohoa daemon shares (--config, --set,
 * --check-config, --show-config, --help, --version), built on the config
 * table: defaults, then the file, then each --set in order. Unlike the rest
 * of lib/, it prints: it is the program's own front door. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "config.h"

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

/* Defaults, then the file, then each --set in order. */
static int config_build(const ConfigProgram *prog, void *target, const char *path, bool explicit_path,
                        char **sets, size_t n_sets, const char **ret_loaded)
{
        ConfigError err = {};
        int r;

        *ret_loaded = NULL;
        r = config_defaults(prog->keys, target, &err);
        if (r < 0)
                goto fail;
        if (path) {
                r = config_load(prog->keys, target, path, &err);
                if (r == 0)
                        *ret_loaded = path;
                else if (r != -ENOENT || explicit_path)
                        goto fail;
        }
        for (size_t i = 0; i < n_sets; i++) {
                r = config_set(prog->keys, target, sets[i], &err);
                if (r < 0)
                        goto fail;
        }
        return 0;
fail:
        config_error_print(&err, stderr);
        return r;
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

int config_parse_argv(const ConfigProgram *prog, void *target, int argc, char **argv)
{
        ArgvOptions o = { .path = prog->default_path };
        const char *loaded;
        int r;

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

        r = config_build(prog, target, o.path, o.explicit_path, o.sets, o.n_sets, &loaded);
        if (r == 0 && o.check) {
                printf("%s: configuration is valid\n", loaded ? loaded : "built-in defaults");
                r = 1;
        } else if (r == 0 && o.show) {
                config_dump(prog->keys, target, stdout);
                r = 1;
        }
        /* Only the settings of a program that goes on are kept. */
        if (r != 0)
                config_free(prog->keys, target);
out:
        free(o.sets);
        return r;
}
