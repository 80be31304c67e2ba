/* ZAP handler. The keys file has one key per line: ROLE NAME PUBLIC_KEY
 * (Z85), '#' starts a comment; a key has one role, so a key listed again
 * in another role refuses the file. Requests are answered at once from the
 * table; a malformed request gets status 500 and is logged once. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "hashmap.h"
#include "log.h"
#include "msg.h"
#include "zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7
#define ZAP_LOG_EVERY_MS 60000

struct Zap {
        void *sock;
        char *path;
        Hashmap *keys;      /* 32-byte binary public key -> ZapKey */
        Hashmap *denied_at; /* 32-byte key -> last time its denial was logged (ms, as a pointer) */
        ZapCounters counters;
        bool malformed_logged;
};

Hashmap *zap_keys_free(Hashmap *h)
{
        size_t state = 0;
        void *v;

        while (h && hashmap_iterate(h, &state, NULL, NULL, &v))
                free(v);
        return hashmap_free(h);
}

/* The roles by the names the protocol gives them. */
static int parse_role(const char *s)
{
        for (int r = SOHOA__ROLE__ROLE_STATION; r <= SOHOA__ROLE__ROLE_ADMIN; r++)
                if (strcmp(s, msg_role_to_string((Sohoa__Role) r)) == 0)
                        return r;
        return -EINVAL;
}

/* The next blank-separated word of *p, NUL-terminated in place; NULL at
 * the end of the line. */
static char *next_word(char **p)
{
        char *w;

        *p += strspn(*p, " \t\n\v\f\r");
        if (**p == '\0')
                return NULL;
        w = *p;
        *p += strcspn(*p, " \t\n\v\f\r");
        if (**p != '\0')
                *(*p)++ = '\0';
        return w;
}

int zap_keys_parse_line(Hashmap *h, char *line, size_t len, ZapLine *l)
{
        char *role, *name, *z85;
        uint8_t bin[32];
        ZapKey *k;
        int role_i;

        l->first = NULL;
        l->why = NULL;
        /* A NUL would hide the rest of its line. */
        if (memchr(line, '\0', len))
                return l->why = "a NUL byte: not a text file", -EINVAL;
        role = next_word(&line);
        if (!role || role[0] == '#')
                return 1;
        /* Words are cut out whole: a name too long for the table must not
         * run on into the key's place, as a field width would have it. */
        name = next_word(&line);
        z85 = next_word(&line);
        if (!z85)
                return l->why = "expected: ROLE NAME PUBLIC_KEY", -EINVAL;
        role_i = parse_role(role);
        if (role_i < 0)
                return l->why = "role must be station, importer, admin or worker", -EINVAL;
        if (strlen(name) >= sizeof(l->key.name))
                return l->why = "name longer than 63 characters", -EINVAL;
        if (strlen(z85) != 40 || !zmq_z85_decode(bin, z85))
                return l->why = "not a 40-character Z85 public key", -EINVAL;
        l->key = (ZapKey) { .role = (Sohoa__Role) role_i, .line = l->lineno };
        memcpy(l->key.name, name, strlen(name) + 1);
        /* Listed again: never a silent change of role. */
        l->first = hashmap_get(h, bin, sizeof(bin));
        if (l->first && l->first->role != l->key.role)
                return l->why = "the key of an earlier line, in another role", -EEXIST;
        if (l->first)
                return 2;
        k = malloc(sizeof(*k));
        if (!k)
                return -ENOMEM;
        *k = l->key;
        if (hashmap_put(h, bin, sizeof(bin), k, NULL) < 0) {
                free(k);
                return -ENOMEM;
        }
        return 0;
}

/* A key listed twice, as the operator should hear of it: in the same
 * role, harmless; in another, a configuration error. */
static void log_listed_again(const char *path, const ZapLine *l, int r)
{
        const char *role = msg_role_to_string(l->key.role), *first_role = msg_role_to_string(l->first->role);

        if (r == -EEXIST)
                log_error("%s:%u: the key of line %u (%s %s) listed again as %s %s: a key has one role; "
                          "remove the line that is wrong",
                          path, l->lineno, l->first->line, first_role, l->first->name, role, l->key.name);
        else
                log_warning("%s:%u: the key of line %u (%s %s) listed again, as %s %s: the same role, "
                            "line %u stays, ignoring",
                            path, l->lineno, l->first->line, first_role, l->first->name, role, l->key.name,
                            l->first->line);
}

static int load_keys(const char *path, Hashmap **ret)
{
        Hashmap *h = hashmap_new();
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        unsigned lineno = 0;
        FILE *f;
        int r = 0;

        if (!h)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                zap_keys_free(h);
                return log_error_errno(r, "cannot read authorized keys %s: %m", path);
        }
        /* getline: a line cut at a fixed size would go on as a line of its
         * own, and the tail of a long comment could read as a key. */
        while ((len = getline(&line, &cap, f)) >= 0) {
                ZapLine l = { .lineno = ++lineno };

                r = zap_keys_parse_line(h, line, (size_t) len, &l);
                if (r == 2 || r == -EEXIST)
                        log_listed_again(path, &l, r);
                else if (r < 0)
                        log_error("%s:%u: %s", path, lineno, l.why ? l.why : "out of memory");
                if (r < 0)
                        break;
                r = 0;
        }
        free(line);
        fclose(f);
        if (r < 0) {
                zap_keys_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

int zap_new(void *zctx, const char *keys_path, Zap **ret)
{
        Zap *z = calloc(1, sizeof(*z));
        int r;

        if (!z)
                return log_error_errno(-ENOMEM, "allocating the ZAP handler: %m");
        z->path = strdup(keys_path);
        if (!z->path) {
                r = -ENOMEM;
                goto fail;
        }
        z->denied_at = hashmap_new();
        if (!z->denied_at) {
                r = -ENOMEM;
                goto fail;
        }
        r = load_keys(keys_path, &z->keys);
        if (r < 0)
                goto fail;
        z->sock = zmq_socket(zctx, ZMQ_REP);
        if (!z->sock || zmq_bind(z->sock, ZAP_ENDPOINT) < 0) {
                r = log_error_errno(-errno, "binding the ZAP handler: %m");
                goto fail;
        }
        log_info("CURVE on: %zu authorized key(s) from %s", hashmap_size(z->keys), keys_path);
        *ret = z;
        return 0;
fail:
        zap_free(z);
        return r;
}

Zap *zap_free(Zap *z)
{
        if (!z)
                return NULL;
        if (z->sock) {
                int zero = 0;
                (void) zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof(zero));
                zmq_close(z->sock);
        }
        zap_keys_free(z->keys);
        hashmap_free(z->denied_at);
        free(z->path);
        free(z);
        return NULL;
}

void *zap_socket(Zap *z)
{
        return z->sock;
}

int zap_reload(Zap *z)
{
        Hashmap *h;
        int r = load_keys(z->path, &h);

        if (r < 0)
                return r;
        zap_keys_free(z->keys);
        z->keys = h;
        log_info("authorized keys reloaded: %zu key(s)", hashmap_size(h));
        return 0;
}

void zap_counters(const Zap *z, ZapCounters *ret)
{
        *ret = z->counters;
}

static bool frame_is(const zmq_msg_t *m, const char *s)
{
        size_t n = strlen(s);
        return zmq_msg_size((zmq_msg_t *) m) == n && memcmp(zmq_msg_data((zmq_msg_t *) m), s, n) == 0;
}

static bool role_allowed(Sohoa__Role role, const zmq_msg_t *domain)
{
        if (frame_is(domain, ZAP_DOMAIN_WORKERS))
                return role == SOHOA__ROLE__ROLE_WORKER;
        if (frame_is(domain, ZAP_DOMAIN_STATIONS))
                return role == SOHOA__ROLE__ROLE_STATION || role == SOHOA__ROLE__ROLE_IMPORTER ||
                       role == SOHOA__ROLE__ROLE_ADMIN;
        return false;
}

/* Decide one request: the status code and, when allowed, the key. */
static const char *zap_decide(Zap *z, zmq_msg_t *f, size_t n, const ZapKey **ret_key)
{
        const ZapKey *k;

        *ret_key = NULL;
        if (n < ZAP_FRAMES || !frame_is(&f[0], "1.0") || !frame_is(&f[5], "CURVE") ||
            zmq_msg_size(&f[6]) != 32) {
                if (!z->malformed_logged)
                        log_warning("malformed ZAP request (logged once), denying");
                z->malformed_logged = true;
                return "500";
        }
        k = hashmap_get(z->keys, zmq_msg_data(&f[6]), 32);
        if (!k || !role_allowed(k->role, &f[2])) {
                char z85[41] = "?";
                uint64_t now = clock_mono_ms();
                uintptr_t last = (uintptr_t) hashmap_get(z->denied_at, zmq_msg_data(&f[6]), 32);

                z->counters.denied++;
                /* A refused client retries every 100 ms: log it once a minute. */
                if (last && now - last < ZAP_LOG_EVERY_MS)
                        return "400";
                if (hashmap_size(z->denied_at) > 4096) {
                        Hashmap *fresh = hashmap_new();
                        if (fresh) {
                                hashmap_free(z->denied_at);
                                z->denied_at = fresh;
                        }
                }
                if (hashmap_put(z->denied_at, zmq_msg_data(&f[6]), 32, (void *) (uintptr_t) now, NULL) < 0)
                        log_debug("no memory to remember a denied key: its next denial is logged too");
                zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
                log_warning("CURVE key %s %s on %.*s: denied", z85,
                            k ? "has the wrong role" : "is not authorized", (int) zmq_msg_size(&f[2]),
                            (const char *) zmq_msg_data(&f[2]));
                return "400";
        }
        z->counters.allowed++;
        *ret_key = k;
        return "200";
}

/* The metadata frame: one ZMTP property (name length in one byte, name,
 * value length in four bytes big-endian, value) naming the key's role.
 * libzmq attaches it to every message of the connection, so the broker
 * reads which role the key has (MSG_KEY_ROLE_PROPERTY) where it reads the
 * HELLO; a client's own properties cannot override ZAP's. Returns the
 * length. */
static size_t zap_metadata(const ZapKey *k, uint8_t *buf)
{
        const char *name = MSG_KEY_ROLE_PROPERTY, *value = msg_role_to_string(k->role);
        size_t nlen = strlen(name), vlen = strlen(value), i = 0;

        assert(vlen < MSG_KEY_ROLE_MAX);
        buf[i++] = (uint8_t) nlen;
        memcpy(buf + i, name, nlen);
        i += nlen;
        for (int shift = 24; shift >= 0; shift -= 8)
                buf[i++] = (uint8_t) (vlen >> shift);
        memcpy(buf + i, value, vlen);
        return i + vlen;
}

/* The reply; the user id is the key's name. */
static void zap_reply(Zap *z, const zmq_msg_t *request_id, const char *code, const ZapKey *k)
{
        const char *text = k ? "OK" : "denied", *user = k ? k->name : "";
        uint8_t meta[1 + sizeof(MSG_KEY_ROLE_PROPERTY) + 4 + MSG_KEY_ROLE_MAX];
        size_t meta_len = k ? zap_metadata(k, meta) : 0;

        zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->sock, zmq_msg_data((zmq_msg_t *) request_id), zmq_msg_size((zmq_msg_t *) request_id),
                 ZMQ_SNDMORE);
        zmq_send(z->sock, code, 3, ZMQ_SNDMORE);
        zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(z->sock, meta, meta_len, 0);
}

void zap_handle(Zap *z)
{
        for (int i = 0; i < 64; i++) {
                zmq_msg_t f[ZAP_FRAMES + 1];
                size_t n = 0;
                int more = 1;
                const ZapKey *key;
                const char *code;

                while (more) {
                        zmq_msg_t spare, *m = n < ELEMENTSOF(f) ? &f[n] : &spare;

                        zmq_msg_init(m);
                        if (zmq_msg_recv(m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                                zmq_msg_close(m);
                                if (n == 0)
                                        return;
                                break;
                        }
                        more = zmq_msg_more(m);
                        if (m == &spare)
                                zmq_msg_close(m);
                        else
                                n++;
                }
                code = zap_decide(z, f, n, &key);
                zmq_msg_t empty;
                zmq_msg_init(&empty);
                zap_reply(z, n >= 2 ? &f[1] : &empty, code, key);
                zmq_msg_close(&empty);
                for (size_t k = 0; k < n; k++)
                        zmq_msg_close(&f[k]);
        }
}
