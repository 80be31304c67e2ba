/* sohoactl: the operators' and administrators' tool. It only finds the
 * subcommand in the table of cli.h and hands it the rest of the command
 * line; each subcommand lives in its own file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_DEFAULT_BROKER "tcp://127.0.0.1:5570"

typedef struct CliCommand {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *help;
} CliCommand;

#define CLI_ROW(n, fn, h) { .name = n, .run = fn, .help = h },
static const CliCommand cli_commands[] = { CLI_COMMANDS(CLI_ROW) };
#undef CLI_ROW

const char *cli_default_broker(void)
{
        const char *e = getenv("SOHOA_BROKER");

        return e && *e ? e : CLI_DEFAULT_BROKER;
}

static void cli_usage(FILE *f)
{
        fprintf(f, "Usage: sohoactl COMMAND [OPTIONS]\n"
                   "Operate and inspect the sohoa digitization pipeline.\n\n"
                   "Commands:\n");
        for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
                fprintf(f, "  %-12s %s\n", cli_commands[i].name, cli_commands[i].help);
        fprintf(f,
                "  %-12s %s\n\n"
                "Options:\n"
                "  -h, --help     show this help and exit\n"
                "      --version  show the version and exit\n\n"
                "`sohoactl COMMAND --help` tells more about one command.\n"
                "Environment: SOHOA_BROKER, the broker's station endpoint (default %s).\n",
                "help", "show this help, or a command's with `help COMMAND`", CLI_DEFAULT_BROKER);
}

static const CliCommand *cli_find(const char *name)
{
        for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
                if (strcmp(cli_commands[i].name, name) == 0)
                        return &cli_commands[i];
        return NULL;
}

/* `sohoactl help status` is `sohoactl status --help`. */
static int cli_help(int argc, char **argv)
{
        const CliCommand *c;
        char *args[3];

        if (argc < 2) {
                cli_usage(stdout);
                return EXIT_SUCCESS;
        }
        c = cli_find(argv[1]);
        if (!c) {
                fprintf(stderr, "sohoactl: no such command: %s (try `sohoactl --help`)\n", argv[1]);
                return EXIT_FAILURE;
        }
        args[0] = argv[1];
        args[1] = (char *) "--help";
        args[2] = NULL;
        return c->run(2, args);
}

int main(int argc, char **argv)
{
        const CliCommand *c;

        if (argc < 2) {
                cli_usage(stderr);
                return EXIT_FAILURE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                cli_usage(stdout);
                return EXIT_SUCCESS;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("sohoactl " SOHOA_VERSION "\n");
                return EXIT_SUCCESS;
        }
        if (strcmp(argv[1], "help") == 0)
                return cli_help(argc - 1, argv + 1);
        c = cli_find(argv[1]);
        if (!c) {
                fprintf(stderr, "sohoactl: no such command: %s (try `sohoactl --help`)\n", argv[1]);
                return EXIT_FAILURE;
        }
        return c->run(argc - 1, argv + 1);
}
