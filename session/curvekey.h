/* CURVE key files, as `sohoactl keygen` writes them: NAME.key holds the
 * public key, NAME.key_secret both, one "public-key = Z85" or
 * "secret-key = Z85" line each (40 Z85 characters). Every socket that leaves
 * the host uses CURVE; the broker authorizes public keys by role. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define CURVEKEY_Z85_LEN 40

typedef struct CurveKey {
        char public_key[CURVEKEY_Z85_LEN + 1];
        char secret_key[CURVEKEY_Z85_LEN + 1]; /* "" when the file holds none */
} CurveKey;

/* A new key pair. 0, or -EOPNOTSUPP when libzmq lacks CURVE. */
MUST_CHECK int curvekey_generate(CurveKey *ret);
/* Read a key file. 0, -ENOENT (or another error of reading it), or
 * -EBADMSG for a file that holds no valid public key, a secret key that
 * does not match its public key, a key given twice with two values, or a
 * NUL byte. */
MUST_CHECK int curvekey_load(const char *path, CurveKey *ret);
/* One line of a key file (len bytes and a NUL, as getline() gives) into k,
 * whose keys are "" until a line gives them: 1 when the line gave a key,
 * 0 when it is no key line (blank, '#' comment, czmq's "metadata" and
 * "curve" lines, a value that is not 40 Z85 characters), -EBADMSG for a
 * NUL byte or a key that differs from the one an earlier line gave. No
 * I/O: the parser proper, also for tests/fuzz. */
MUST_CHECK int curvekey_parse_line(char *line, size_t len, CurveKey *k);
/* The keys a client program uses when its configuration names none: the
 * broker's public key from the file $SOHOA_BROKER_KEY, its own pair from
 * the key_secret file $SOHOA_CURVE_KEY. 0 with both filled, 1 when neither
 * variable is set (no CURVE), -EINVAL when only one is, or a load error. */
MUST_CHECK int curvekey_from_env(CurveKey *ret_server, CurveKey *ret_own);
/* Make a socket (before connect) a CURVE client of server. 0 or -errno. */
MUST_CHECK int curvekey_apply_client(void *sock, const CurveKey *server, const CurveKey *own);

/* Write NAME.key (0644) and NAME.key_secret (0600) for base "DIR/NAME".
 * -EEXIST when either exists: keys are never overwritten. */
MUST_CHECK int curvekey_write(const CurveKey *k, const char *base);

typedef struct ConfigReport ConfigReport;
/* --check-config of a client: the files of $SOHOA_BROKER_KEY and
 * $SOHOA_CURVE_KEY, both or neither, readable by this user, holding keys;
 * each problem into r. */
void curvekey_check_env(ConfigReport *r);
