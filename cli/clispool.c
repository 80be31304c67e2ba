/* A sending command's outbox: its spool's place, made if missing, its
 * peer id, its CURVE keys. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clispool.h"
#include "sha256.h"

int clispool_mkdirs(const char *path)
{
        char buf[PATH_MAX];

        if (snprintf(buf, sizeof(buf), "%s", path) >= (int) sizeof(buf))
                return -ENAMETOOLONG;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0750) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, 0750) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int clispool_dir(const char *given, const char *env, const char *leaf, char *buf, size_t len)
{
        const char *e = env ? getenv(env) : NULL, *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;

        if (given)
                n = snprintf(buf, len, "%s", given);
        else if (e && *e)
                n = snprintf(buf, len, "%s", e);
        else if (xdg && *xdg == '/')
                n = snprintf(buf, len, "%s/sohoa/%s", xdg, leaf);
        else if (home && *home == '/')
                n = snprintf(buf, len, "%s/.local/state/sohoa/%s", home, leaf);
        else
                return -ENOENT;
        return n < 0 || (size_t) n >= len ? -ENAMETOOLONG : 0;
}

void clispool_peer_id(const char *prefix, const char *spool, char *buf, size_t len)
{
        char host[64] = "localhost", hex[SHA256_HEX_MAX], *abs = realpath(spool, NULL);
        uint8_t sha[SHA256_LEN];

        (void) gethostname(host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        sha256_buf(abs ? abs : spool, strlen(abs ? abs : spool), sha);
        free(abs);
        snprintf(buf, len, "%s-%s-%.8s", prefix, host, sha256_hex(sha, hex));
}

int clispool_curve(const char *who, char server[CURVEKEY_Z85_LEN + 1], char pub[CURVEKEY_Z85_LEN + 1],
                   char secret[CURVEKEY_Z85_LEN + 1], OutboxConfig *cfg)
{
        CurveKey srv, own;
        int r;

        r = curvekey_from_env(&srv, &own);
        if (r < 0) {
                fprintf(stderr, "%s: CURVE keys from $SOHOA_BROKER_KEY/$SOHOA_CURVE_KEY: %s\n", who,
                        strerror(-r));
                return r;
        }
        if (r == 0) {
                snprintf(server, CURVEKEY_Z85_LEN + 1, "%s", srv.public_key);
                snprintf(pub, CURVEKEY_Z85_LEN + 1, "%s", own.public_key);
                snprintf(secret, CURVEKEY_Z85_LEN + 1, "%s", own.secret_key);
                cfg->curve_server_key = server;
                cfg->curve_public_key = pub;
                cfg->curve_secret_key = secret;
        }
        explicit_bzero(&own, sizeof(own));
        return 0;
}
