/* CURVE key files. A secret key is checked against its public key on load
 * (zmq_curve_public), so a file edited by hand cannot silently mismatch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "config.h"
#include "curvekey.h"

int curvekey_generate(CurveKey *ret)
{
        CurveKey k = { 0 };

        if (zmq_curve_keypair(k.public_key, k.secret_key) < 0)
                return errno == ENOTSUP ? -EOPNOTSUPP : -errno;
        *ret = k;
        return 0;
}

static bool z85_ok(const char *s)
{
        uint8_t bin[32];

        return strlen(s) == CURVEKEY_Z85_LEN && zmq_z85_decode(bin, s) != NULL;
}

/* "name = value" with the value's surrounding blanks and quotes trimmed
 * (czmq's certificates indent the line and quote the key). */
static bool parse_assignment(char *line, const char *name, char **ret_value)
{
        size_t n = strlen(name);
        char *v, *end;

        line += strspn(line, " \t");
        if (strncmp(line, name, n) != 0)
                return false;
        v = line + n;
        while (*v == ' ' || *v == '\t')
                v++;
        if (*v++ != '=')
                return false;
        while (*v == ' ' || *v == '\t' || *v == '"')
                v++;
        end = v + strlen(v);
        while (end > v &&
               (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t' || end[-1] == '"'))
                *--end = '\0';
        *ret_value = v;
        return true;
}

/* Into slot (public or secret, "" while unset): a key given again must be
 * the same key, or the file says two things. */
static int take_key(char slot[CURVEKEY_Z85_LEN + 1], const char *z85)
{
        if (slot[0] && strcmp(slot, z85) != 0)
                return -EBADMSG;
        memcpy(slot, z85, CURVEKEY_Z85_LEN + 1);
        return 1;
}

int curvekey_parse_line(char *line, size_t len, CurveKey *k)
{
        char *v;

        /* A NUL would hide the rest of its line. */
        if (memchr(line, '\0', len))
                return -EBADMSG;
        if (parse_assignment(line, "public-key", &v) && z85_ok(v))
                return take_key(k->public_key, v);
        if (parse_assignment(line, "secret-key", &v) && z85_ok(v))
                return take_key(k->secret_key, v);
        return 0;
}

int curvekey_load(const char *path, CurveKey *ret)
{
        CurveKey k = { 0 };
        char derived[CURVEKEY_Z85_LEN + 1], *line = NULL;
        size_t cap = 0;
        ssize_t len;
        FILE *f = fopen(path, "re");
        int r = 0;

        if (!f)
                return -errno;
        /* getline: a line cut at a fixed size would go on as a line of its
         * own, and the tail of a long comment could read as a key. */
        while (r >= 0 && (len = getline(&line, &cap, f)) >= 0)
                r = curvekey_parse_line(line, (size_t) len, &k);
        if (r >= 0 && ferror(f))
                r = -EIO;
        free(line);
        fclose(f);
        if (r < 0)
                return r;
        if (k.secret_key[0]) {
                if (zmq_curve_public(derived, k.secret_key) < 0)
                        return -EBADMSG;
                if (k.public_key[0] && strcmp(derived, k.public_key) != 0)
                        return -EBADMSG;
                memcpy(k.public_key, derived, sizeof(derived));
        }
        if (!k.public_key[0])
                return -EBADMSG;
        *ret = k;
        return 0;
}

int curvekey_from_env(CurveKey *ret_server, CurveKey *ret_own)
{
        const char *server = getenv("SOHOA_BROKER_KEY"), *own = getenv("SOHOA_CURVE_KEY");
        CurveKey s, o;
        int r;

        if (!server && !own)
                return 1;
        if (!server || !own)
                return -EINVAL;
        if ((r = curvekey_load(server, &s)) < 0 || (r = curvekey_load(own, &o)) < 0)
                return r;
        if (!o.secret_key[0])
                return -EBADMSG;
        *ret_server = s;
        *ret_own = o;
        return 0;
}

int curvekey_apply_client(void *sock, const CurveKey *server, const CurveKey *own)
{
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server->public_key, CURVEKEY_Z85_LEN) < 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, own->public_key, CURVEKEY_Z85_LEN) < 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, own->secret_key, CURVEKEY_Z85_LEN) < 0)
                return -errno;
        return 0;
}

static int write_new(const char *path, mode_t mode, const char *text)
{
        size_t len = strlen(text);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len)
                r = errno ? -errno : -EIO;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        close(fd);
        if (r < 0)
                unlink(path);
        return r;
}

int curvekey_write(const CurveKey *k, const char *base)
{
        char pub[4096], sec[4096], text[256];
        int r;

        if (snprintf(pub, sizeof(pub), "%s.key", base) >= (int) sizeof(pub) ||
            snprintf(sec, sizeof(sec), "%s.key_secret", base) >= (int) sizeof(sec))
                return -ENAMETOOLONG;
        if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0)
                return -EEXIST;
        snprintf(text, sizeof(text), "# sohoa CURVE public key\npublic-key = %s\n", k->public_key);
        r = write_new(pub, 0644, text);
        if (r < 0)
                return r;
        snprintf(text, sizeof(text),
                 "# sohoa CURVE key pair: keep secret\npublic-key = %s\nsecret-key = %s\n", k->public_key,
                 k->secret_key);
        r = write_new(sec, 0600, text);
        if (r < 0)
                unlink(pub);
        return r;
}

static void check_env_key(ConfigReport *r, const char *var, bool secret)
{
        const char *path = getenv(var);
        char reason[200];
        CurveKey k;
        int e;

        if (access(path, R_OK) < 0) {
                config_readable_reason(path, -errno, reason, sizeof(reason));
                config_report_add(r, -EINVAL, "", 0, "$%s: %s", var, reason);
                return;
        }
        e = curvekey_load(path, &k);
        if (e == 0 && secret && !k.secret_key[0])
                e = -EBADMSG;
        if (e < 0)
                config_report_add(r, e, "", 0, "$%s: %s: %s", var, path,
                                  e == -EBADMSG
                                          ? (secret ? "holds no valid key pair (a NAME.key_secret file)"
                                                    : "holds no valid public key")
                                          : strerror(-e));
        explicit_bzero(&k, sizeof(k));
}

void curvekey_check_env(ConfigReport *r)
{
        bool server = getenv("SOHOA_BROKER_KEY"), own = getenv("SOHOA_CURVE_KEY");

        if (!server && !own)
                return;
        if (!server || !own) {
                config_report_add(r, -EINVAL, "", 0,
                                  "$SOHOA_BROKER_KEY and $SOHOA_CURVE_KEY go together: %s is set, %s is not",
                                  server ? "$SOHOA_BROKER_KEY" : "$SOHOA_CURVE_KEY",
                                  server ? "$SOHOA_CURVE_KEY" : "$SOHOA_BROKER_KEY");
                return;
        }
        check_env_key(r, "SOHOA_BROKER_KEY", false);
        check_env_key(r, "SOHOA_CURVE_KEY", true);
}
