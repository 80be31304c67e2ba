/* The broker's ZAP handler (ZeroMQ RFC 27): with CURVE on, libzmq asks it
 * about every connecting client key, and it answers from the authorized
 * keys file: a key is allowed on the station endpoint for the roles
 * station, importer and admin, on the worker endpoint for worker, and the
 * key's role goes with the connection (MSG_KEY_ROLE_PROPERTY) so the broker
 * can hold each HELLO to it. Without a ZAP handler a CURVE server would
 * accept any client key. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "macro.h"
#include "sohoa.pb-c.h"

#define ZAP_DOMAIN_STATIONS "sohoa-stations"
#define ZAP_DOMAIN_WORKERS "sohoa-workers"

typedef struct Zap Zap;

/* An authorized key: its role and the name its line gives (the ZAP user
 * id), and which line of the file that is. */
typedef struct ZapKey {
        Sohoa__Role role;
        char name[64];
        unsigned line;
} ZapKey;

/* One line of the keys file as zap_keys_parse_line() read it. */
typedef struct ZapLine {
        unsigned lineno;     /* in: the line's number, kept with its key */
        ZapKey key;          /* out: what a key line says (0, 2, -EEXIST) */
        const ZapKey *first; /* out: the key as an earlier line gave it (2, -EEXIST); the table's */
        const char *why;     /* out: -EINVAL, -EEXIST: a static reason */
} ZapLine;

typedef struct ZapCounters {
        uint64_t allowed;
        uint64_t denied;
} ZapCounters;

/* Bind the handler in zctx (before any CURVE socket binds) and load the
 * keys file. Logs problems with file and line (program edge). */
MUST_CHECK int zap_new(void *zctx, const char *keys_path, Zap **ret);
Zap *zap_free(Zap *z);
/* The socket to poll. */
void *zap_socket(Zap *z);
/* Answer every waiting request. */
void zap_handle(Zap *z);
/* Read the keys file again (SIGHUP). On error the old keys stay. */
MUST_CHECK int zap_reload(Zap *z);
void zap_counters(const Zap *z, ZapCounters *ret);

/* One line of the authorized keys file (len bytes and a NUL, as getline()
 * gives), "ROLE NAME PUBLIC_KEY" ('#' starts a comment), into h: 32-byte
 * binary public key -> ZapKey (malloc'ed). 0 when the key is taken, 1 for
 * a blank or comment line, 2 for a key an earlier line gave in the same
 * role (harmless: the earlier line stays, its name too), -EEXIST for a key
 * an earlier line gave in another role (a key has one role: which one was
 * meant is the operator's to say), -EINVAL for a malformed line, -ENOMEM.
 * h is changed only when 0 is returned. No I/O: the parser proper, also
 * for tests/fuzz. */
MUST_CHECK int zap_keys_parse_line(Hashmap *h, char *line, size_t len, ZapLine *l);
/* Frees a table of zap_keys_parse_line(), keys and values. Returns NULL. */
Hashmap *zap_keys_free(Hashmap *h);
