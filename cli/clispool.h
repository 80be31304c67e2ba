/* The outbox of a sohoactl command that sends pages (import, failed retry):
 * its spool (where it is, made if missing), the peer id that goes with it
 * and its CURVE keys. */
#pragma once

#include <stddef.h>

#include "curvekey.h"
#include "macro.h"
#include "outbox.h"

/* given, else $env (when env is not NULL and it is set), else
 * $XDG_STATE_HOME/sohoa/LEAF, else $HOME/.local/state/sohoa/LEAF: the same
 * spool whatever the current directory, so that a rerun resumes. With no
 * home to put it in, -ENOENT rather than a spool in the current directory,
 * which a rerun from elsewhere would not find; -ENAMETOOLONG. */
MUST_CHECK int clispool_dir(const char *given, const char *env, const char *leaf, char *buf, size_t len);
/* mkdir -p, mode 0750. 0 or negative errno. */
MUST_CHECK int clispool_mkdirs(const char *path);
/* "PREFIX-<host>-<hash of the spool's path>": stable for this spool and
 * host, the broker routes acks by it. */
void clispool_peer_id(const char *prefix, const char *spool, char *buf, size_t len);

/* The CURVE keys of $SOHOA_BROKER_KEY / $SOHOA_CURVE_KEY, when set, copied
 * into the three buffers and named in cfg. 0 (keys or none), or negative
 * errno after printing why with who ("sohoactl import"). */
MUST_CHECK int clispool_curve(const char *who, char server[CURVEKEY_Z85_LEN + 1],
                              char pub[CURVEKEY_Z85_LEN + 1], char secret[CURVEKEY_Z85_LEN + 1],
                              OutboxConfig *cfg);
