/* The peers of one endpoint as the broker binds them: each known by its
 * HELLO id and reachable through its current ZeroMQ routing id, the two
 * maps kept in step, and the one rule for when a HELLO may take an id from
 * the connection that holds it. Client peers (peer.c) and workers
 * (worker.c) each embed a Binding and keep their own states, queues and
 * lists around it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "msg.h"

/* What a table knows of one peer's binding. */
typedef struct Binding {
        char *id;                        /* HELLO peer_id, owned */
        uint8_t rid[MSG_ROUTING_ID_MAX]; /* the connection it is bound to */
        size_t rid_len;                  /* 0: no route */
        uint64_t last_seen_ms;
        void *owner; /* the Peer or Worker that embeds it */
} Binding;

/* id -> Binding and routing id -> Binding. The bindings are their owners'. */
typedef struct BindingTable BindingTable;

/* NULL on allocation failure. */
BindingTable *binding_table_new(void);
/* Frees the maps, not the bindings: binding_remove() them first. NULL ok;
 * returns NULL. */
BindingTable *binding_table_free(BindingTable *t);

/* Enter b, embedded in owner, under id (copied into b->id), with no route.
 * 0 or -ENOMEM (then b->id is NULL). The id must not be in t yet. */
MUST_CHECK int binding_add(BindingTable *t, Binding *b, const char *id, void *owner);
/* Take b out of both maps and free its id. */
void binding_remove(BindingTable *t, Binding *b);

/* Bind b to routing id rid instead of the one it had. A binding that
 * still had rid keeps it in its own fields, but rid finds b from now on
 * (binding_unroute() the other first). 0 or -ENOMEM (then b has no
 * route). */
MUST_CHECK int binding_route(BindingTable *t, Binding *b, const uint8_t *rid, size_t rid_len);
/* No route any more (BYE, a routing id taken by another, forgotten). */
void binding_unroute(BindingTable *t, Binding *b);

/* The owner bound to id or to rid, or NULL. */
void *binding_by_id(const BindingTable *t, const char *id);
void *binding_by_rid(const BindingTable *t, const uint8_t *rid, size_t rid_len);
/* Walk every owner: *state = 0 first; the table must not change meanwhile,
 * but for binding_remove() of the one just returned. */
bool binding_iterate(const BindingTable *t, size_t *state, void **ret_owner);
size_t binding_count(const BindingTable *t);

/* Whether holder keeps its id against a HELLO from routing id rid at
 * now_ms: it is live (its owner says: not silent, dead or gone), has a
 * route, is another routing id, and was heard within live_ms. Then two
 * processes claim the id, or the holder is the same process's old
 * connection (the caller tells them apart). */
bool binding_held(const Binding *holder, bool live, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms);
