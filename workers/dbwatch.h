/* Whether the worker reaches its database, checked on a connection of its
 * own every few seconds and told to the worker peer, which says so in its
 * heartbeats and takes no page while it cannot (proto/PROTOCOL.md §7.3). */
#pragma once

#include "macro.h"
#include "settings.h"
#include "workpeer.h"

typedef struct Dbwatch Dbwatch;

/* Checks once before it returns (so that the first READY already knows),
 * then every s->database_check_ms from a thread of its own. With
 * database_check_ms 0, *ret is NULL and nothing is checked. 0 or negative
 * errno. */
MUST_CHECK int dbwatch_new(const Settings *s, Workpeer *w, Dbwatch **ret);
/* Stops the thread. NULL ok; returns NULL. */
Dbwatch *dbwatch_free(Dbwatch *d);
