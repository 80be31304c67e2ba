/* A client's connection to the broker, shared by the outbox (stations,
 * importers) and the worker peer: the DEALER socket (CURVE when keys are
 * given), HELLO until WELCOME, the broker's epoch, heartbeats both ways and
 * a fresh socket when the broker is silent past liveness. The owner of the
 * link learns from LinkEvent when its session began or was lost, which is
 * when everything unacknowledged must be treated as unsent. Not thread-safe:
 * one thread owns a link. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "macro.h"
#include "msg.h"
#include "stagehist.h"

typedef struct Link Link;

typedef struct LinkConfig {
        const char *endpoint;
        const char *peer_id;
        Sohoa__Role role;
        const char *software;
        uint64_t heartbeat_ms;        /* until the broker states its own; 0 = 1000 */
        uint32_t liveness;            /* until the broker states its own; 0 = 3 */
        const char *curve_server_key; /* Z85; all three or none. None: the key files named by
                                       * $SOHOA_BROKER_KEY and $SOHOA_CURVE_KEY, if set */
        const char *curve_public_key;
        const char *curve_secret_key;
} LinkConfig;

typedef enum LinkEvent {
        LINK_EVENT_NONE,
        LINK_EVENT_WELCOMED, /* a session began: WELCOME with (maybe) a new epoch */
        LINK_EVENT_LOST,     /* the session ended (silence, new epoch, BYE): resend everything */
        _LINK_EVENT_MAX,
        _LINK_EVENT_INVALID = -22,
} LinkEvent;

typedef struct LinkCounters {
        uint64_t malformed; /* messages dropped because they did not decode */
        uint64_t reconnects;
        uint64_t sessions; /* WELCOMEs received */
} LinkCounters;

/* Create the socket in zctx, connect and say HELLO. Strings are copied.
 * 0 or negative errno. */
MUST_CHECK int link_new(void *zctx, const LinkConfig *cfg, Link **ret);
Link *link_free(Link *l);

/* The socket to poll for ZMQ_POLLIN. It changes after a reconnect: fetch it
 * before every poll. */
void *link_socket(Link *l);

/* Receive one message without waiting. WELCOME, HEARTBEAT and BYE are
 * consumed here (the event says what they meant) and *ret is left empty
 * (type 0); any other message is returned in *ret for the caller (who
 * msg_done()s it). Returns 0, -EAGAIN when nothing is waiting, or negative
 * errno for a message that was dropped (malformed: counted). */
MUST_CHECK int link_recv(Link *l, Msg *ret, LinkEvent *ret_event);

/* Send a message to the broker (image as for msg_send). -EAGAIN when the
 * socket is full, -ENOTCONN before WELCOME (HELLO and HEARTBEAT excepted). */
MUST_CHECK int link_send(Link *l, MsgType type, const ProtobufCMessage *body, zmq_msg_t *image);

/* Timers: heartbeat when due, and a fresh socket plus HELLO when the broker
 * has been silent past liveness (then *ret_event = LINK_EVENT_LOST). */
MUST_CHECK int link_tick(Link *l, LinkEvent *ret_event);
/* Milliseconds until link_tick() has something to do. */
uint64_t link_next_timeout_ms(const Link *l);

/* A sender's spool, as its heartbeats state it (proto/PROTOCOL.md §4). */
typedef struct LinkSpool {
        uint64_t corrupt;     /* pages set aside in corrupt/ since the sender started */
        uint64_t read_errors; /* failed reads of its spool since it started (retried) */
        uint64_t unreadable;  /* pages it could not read when it last tried */
        /* (1.3) Restated by every heartbeat; a change does not hasten one. */
        uint64_t pages;    /* spooled, not yet stored */
        int64_t oldest_us; /* wall clock the oldest of them was spooled; 0 = none */
} LinkSpool;

/* (1.3) A worker's state, as its heartbeats state it. */
typedef struct LinkWorker {
        bool database_unreachable;
        char database_error[200];
        uint64_t pages_done, pages_failed, work_ms;
        StageHist stages[STAGEHIST_MAX];
        size_t n_stages;
} LinkWorker;

/* What the heartbeats restate to the broker. */
void link_set_unacked(Link *l, uint32_t pages, uint64_t bytes);
/* A change goes out in a heartbeat at the next link_tick(), without
 * waiting for the interval. */
void link_set_spool(Link *l, const LinkSpool *spool);
/* The last event worth a look a station saw ("jam"), said from now on
 * with its age; a new one goes out at the next link_tick(). */
void link_set_event(Link *l, const char *event);
/* A worker's state: a change of its database's reachability goes out at
 * the next link_tick(), counters with the next heartbeat. */
void link_set_worker(Link *l, const LinkWorker *lw);
/* A worker's page in hand (16 bytes of UUID, copied), or NULL when idle:
 * every HELLO names it, so that a broker that started since gives that page
 * to no other worker (PROTOCOL.md §5.4). */
void link_set_page_in_hand(Link *l, const uint8_t *page_uuid);

bool link_welcomed(const Link *l);
uint64_t link_epoch(const Link *l);
uint64_t link_credit(const Link *l);
uint64_t link_max_frame(const Link *l);
void link_counters(const Link *l, LinkCounters *ret);
