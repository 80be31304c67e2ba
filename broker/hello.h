/* The refusals a HELLO can meet on either endpoint before anything is
 * bound: a role that is not its CURVE key's, and an id that another live
 * connection holds. A refused connection is told why with one BYE and
 * logged once; its later HELLOs are dropped unanswered. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"

/* With CURVE: true (refused, counted as dropped_wrong_role) when the role
 * of the HELLO in m is not the role of the key that authenticated its
 * connection (m->key_role). Without CURVE there is no key: false. workers:
 * the endpoint m came on. */
bool hello_wrong_role(Broker *b, bool workers, const Msg *m);

/* The HELLO in m claims an id that the connection holder_rid holds and that
 * was heard within liveness (peer_in_use(), worker_in_use()): true (refused)
 * when that connection is still open, which a HEARTBEAT restating credit
 * finds out; false when it has closed and the id may be rebound. */
bool hello_id_taken(Broker *b, bool workers, const Msg *m, const uint8_t *holder_rid, size_t holder_rid_len,
                    uint64_t credit);
