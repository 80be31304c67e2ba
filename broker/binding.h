/* When a HELLO may take a peer id from the connection that holds it: the
 * one rule for stations, importers and workers. Pure: the caller says what
 * its table knows of the holder. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The connection an id is bound to, as a table knows it. */
typedef struct Binding {
        const uint8_t *rid;
        size_t rid_len; /* 0: no route */
        bool live;      /* not counted silent, dead or gone */
        uint64_t last_seen_ms;
} Binding;

/* Whether holder keeps its id against a HELLO from routing id rid at
 * now_ms: it is live, has a route, is another routing id, and was heard
 * within live_ms. Then two processes claim the id, or the holder is the
 * same process's old connection (the caller tells them apart). */
bool binding_held(const Binding *holder, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms);
