/* sohoactl keygen: a CURVE key pair for the broker or one client. The
 * secret file never leaves the host it was made for; the public file goes
 * to the broker's authorized keys (with the role) or, for the broker's own
 * key, to every client. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "curvekey.h"

static void keygen_help(void)
{
        printf("Usage: sohoactl keygen NAME [--dir DIR] [--role ROLE] [--group GROUP]\n"
               "Make a CURVE key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (0600).\n"
               "With --group, the secret file is 0640 and belongs to GROUP, so that a service\n"
               "of that group reads it; as root the default is group sohoa when it exists\n"
               "(the group the units run as). --group '' keeps it 0600.\n"
               "With --role (station, importer, admin, worker), also print the line for the\n"
               "broker's authorized_keys_file. Existing files are never overwritten.\n"
               "Clients use their keys through SOHOA_CURVE_KEY=NAME.key_secret and\n"
               "SOHOA_BROKER_KEY=broker.key; the broker through curve_key_file.\n");
}

/* The secret file readable by group (the services run as user sohoa, and
 * keygen mostly as root): 1 when done, 0 when not asked (or the default
 * group does not exist), else said and -errno. */
static int keygen_share(const char *base, const char *group, bool explicit_group)
{
        char path[4200];
        struct group *g;

        if (!group || !*group)
                return 0;
        g = getgrnam(group);
        snprintf(path, sizeof(path), "%s.key_secret", base);
        if (!g) {
                if (explicit_group) {
                        fprintf(stderr, "sohoactl keygen: no group %s\n", group);
                        return -ENOENT;
                }
                /* sohoa-common not installed yet: the key is made, but a
                 * service as user sohoa would not read it; say so now, not
                 * at its start. */
                fprintf(stderr,
                        "sohoactl keygen: no group %s (install sohoa-common): %s is root's alone "
                        "(0600); a service running as another user reads it only after: "
                        "chgrp GROUP %s && chmod 0640 %s\n",
                        group, path, path, path);
                return 0;
        }
        if (chown(path, (uid_t) -1, g->gr_gid) < 0 || chmod(path, 0640) < 0) {
                int r = -errno;

                fprintf(stderr,
                        "sohoactl keygen: %s: cannot give it to group %s: %s; the service cannot read it "
                        "unless you run: chgrp %s %s && chmod 0640 %s\n",
                        path, group, strerror(-r), group, path, path);
                return r;
        }
        return 1;
}

int keygen_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "dir", required_argument, NULL, 'd' },
                { "role", required_argument, NULL, 'r' },
                { "group", required_argument, NULL, 'g' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *dir = ".", *role = NULL, *group = geteuid() == 0 ? "sohoa" : NULL;
        bool explicit_group = false;
        char base[4096];
        CurveKey k;
        int c, r;

        while ((c = getopt_long(argc, argv, "d:r:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'r':
                        role = optarg;
                        break;
                case 'g':
                        group = optarg;
                        explicit_group = true;
                        break;
                case 'h':
                        keygen_help();
                        return EXIT_SUCCESS;
                default:
                        return 2;
                }
        }
        if (optind + 1 != argc || strchr(argv[optind], '/') || argv[optind][0] == '\0') {
                fprintf(stderr, "sohoactl keygen: give one NAME without '/' (see --help)\n");
                return 2;
        }
        if (role && strcmp(role, "station") && strcmp(role, "importer") && strcmp(role, "admin") &&
            strcmp(role, "worker")) {
                fprintf(stderr, "sohoactl keygen: --role must be station, importer, admin or worker\n");
                return 2;
        }
        if (snprintf(base, sizeof(base), "%s/%s", dir, argv[optind]) >= (int) sizeof(base)) {
                fprintf(stderr, "sohoactl keygen: path too long\n");
                return EXIT_FAILURE;
        }
        r = curvekey_generate(&k);
        if (r == 0)
                r = curvekey_write(&k, base);
        if (r < 0) {
                fprintf(stderr, "sohoactl keygen: %s.key: %s\n", base,
                        r == -EEXIST ? "already exists, not overwritten" : strerror(-r));
                return EXIT_FAILURE;
        }
        r = keygen_share(base, group, explicit_group);
        if (r < 0) {
                explicit_bzero(&k, sizeof(k));
                return EXIT_FAILURE;
        }
        if (r > 0)
                printf("wrote %s.key and %s.key_secret (readable by group %s)\n", base, base, group);
        else
                printf("wrote %s.key and %s.key_secret\n", base, base);
        if (role)
                printf("%s %s %s\n", role, argv[optind], k.public_key);
        explicit_bzero(&k, sizeof(k));
        return EXIT_SUCCESS;
}
