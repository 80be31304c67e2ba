/* Client peers on the station endpoint (stations: interactive; importers:
 * bulk), known by their HELLO id, reachable through their current ZeroMQ
 * routing id. Each has a FIFO of queued pages; the peers of a class with
 * pages queued form a ring that dispatch walks round-robin. A peer that falls
 * silent or says BYE is kept until the pages it sent are done: a dead
 * station's pages are still processed and its acks still counted. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "binding.h"
#include "held.h"
#include "macro.h"
#include "msg.h"

typedef enum PeerState {
        PEER_LIVE,   /* heard from within liveness */
        PEER_SILENT, /* past liveness; revived by any frame */
        PEER_GONE,   /* said BYE (or its routing id went to another peer) */
        _PEER_STATE_MAX,
        _PEER_STATE_INVALID = -EINVAL,
} PeerState;

struct Peer {
        Binding binding; /* its id, its routing id, when it was last heard */
        Sohoa__Role role;
        BrokerClass klass;
        PeerState state;
        HeldPage *head, *tail; /* queued pages, oldest first */
        uint32_t queued_pages;
        uint64_t queued_bytes;
        uint32_t held_pages; /* queued + in flight: kept by held.c */
        uint64_t held_bytes;
        /* Its spool, as its last HEARTBEAT stated it: for STATUS only. */
        uint64_t spool_corrupt, spool_read_errors;
        uint32_t spool_unreadable;
        /* (1.3) Also as its last HEARTBEAT stated them, as monotonic times. */
        uint32_t spool_pages;
        uint64_t spool_oldest_at_ms; /* 0: empty */
        char last_event[64];
        uint64_t last_event_at_ms;
        /* Outcomes of the pages it sent, since the broker started. */
        uint64_t acks_stored, acks_stored_failed, acks_rejected;
        Peer *ring_prev, *ring_next;
        bool in_ring;
};

typedef struct PeerTable {
        BindingTable *bindings; /* id, routing id -> Peer; the table owns the peers */
        Peer *ring_head[_BROKER_CLASS_MAX];
        Peer *ring_tail[_BROKER_CLASS_MAX];
        unsigned live[_BROKER_CLASS_MAX];
} PeerTable;

/* NULL on allocation failure. */
PeerTable *peer_table_new(void);
/* Frees every peer (not the pages: free the HeldTable too). NULL ok. */
PeerTable *peer_table_free(PeerTable *t);

/* The class a client role belongs to, or -EINVAL (worker, admin, invalid). */
BrokerClass peer_role_class(Sohoa__Role role);

/* A HELLO: create the peer, or rebind a known id to this routing id (its
 * queued pages stay). A routing id that belonged to another peer is taken
 * from it. The peer is live afterwards. 0, -EINVAL (role is not a client
 * role), -EBUSY (a known id changing class while it holds pages), -ENOMEM.
 * The table owns *ret. */
MUST_CHECK int peer_hello(PeerTable *t, const char *id, Sohoa__Role role, const uint8_t *rid, size_t rid_len,
                          uint64_t now_ms, Peer **ret);

/* The peer whose id a HELLO from rid claims, when that id is bound to
 * another live routing id that was heard within live_ms (binding_held()):
 * a second live process with the same id, or the same process's old
 * connection (the caller tells them apart). NULL when a HELLO may (re)bind
 * the id. */
Peer *peer_in_use(const PeerTable *t, const char *id, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms);

Peer *peer_by_rid(const PeerTable *t, const uint8_t *rid, size_t rid_len);
Peer *peer_by_id(const PeerTable *t, const char *id);
/* Walk every peer: *state = 0 first; the table must not change meanwhile. */
bool peer_iterate(const PeerTable *t, size_t *state, Peer **ret);

/* Any frame from p: refresh its liveness, revive it when silent. */
void peer_seen(PeerTable *t, Peer *p, uint64_t now_ms);
/* Past liveness: no longer counted for credit. */
void peer_set_silent(PeerTable *t, Peer *p);
/* BYE: no route any more; its pages are still processed. */
void peer_bye(PeerTable *t, Peer *p);
/* Free a peer that holds no page and is not live. Returns true when freed. */
bool peer_reap(PeerTable *t, Peer *p);

/* Each peer's window in bytes: max(pool / live peers of the class,
 * max_frame), so one page always fits. */
uint64_t peer_credit(const PeerTable *t, BrokerClass k, uint64_t pool, uint64_t max_frame);

/* Queue a new page last. */
void peer_push_back(PeerTable *t, HeldPage *rec);
/* Queue a page that comes back (its worker died, a send failed) first, and
 * its peer first in the ring, so it goes out next. */
void peer_push_front(PeerTable *t, HeldPage *rec);
/* Take the next page of class k: the head of the ring's first peer, which
 * then moves to the back of the ring. NULL when nothing is queued. */
HeldPage *peer_pop_next(PeerTable *t, BrokerClass k);
/* Take a queued page out of its FIFO wherever it is. */
void peer_unqueue(PeerTable *t, HeldPage *rec);

const char *peer_state_to_string(PeerState s);
