/* The map of sohoa-broker. One Broker holds the two ROUTER sockets (the
 * station endpoint: stations, importers, admin queries; the worker
 * endpoint), the boot epoch, the tables of peers, workers, held pages and
 * completed pages, and the counters. The main loop calls broker_on_*; the
 * message handlers live in frontend.c (clients) and backend.c (workers),
 * the refusals of a HELLO in hello.c, choosing the next page in
 * dispatch.c, whether a worker's death counts toward quarantine in death.c,
 * STATUS in status.c; the log of refused HELLOs is counted in refusals.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "completed.h"
#include "curvekey.h"
#include "hashmap.h"
#include "held.h"
#include "httpd.h"
#include "macro.h"
#include "msg.h"
#include "peer.h"
#include "rate.h"
#include "refusals.h"
#include "settings.h"
#include "worker.h"
#include "zap.h"

/* The same names as Counters in sohoa.proto. */
typedef struct BrokerCounters {
        uint64_t pages_in; /* well-formed PAGEs from known peers */
        uint64_t acks_out;
        uint64_t jobs_out;
        uint64_t dropped_malformed;
        uint64_t dropped_unknown_peer;
        uint64_t dropped_duplicate;
        uint64_t dropped_over_credit;
        uint64_t redispatched; /* pages taken back from a dead worker */
        uint64_t quarantined;
        uint64_t acks_unroutable;
        uint64_t acks_from_cache;
        uint64_t dropped_wrong_role; /* HELLOs not in the role of their CURVE key */
} BrokerCounters;

/* What has been logged (or said) once per routing id. */
typedef enum BrokerNote {
        NOTE_MALFORMED = 1 << 0,
        NOTE_UNKNOWN = 1 << 1,
        NOTE_BYE_VERSION = 1 << 2,
        NOTE_SEND_FAILED = 1 << 3,
        NOTE_DRAINING = 1 << 4,
        NOTE_ID_IN_USE = 1 << 5,
        NOTE_WRONG_ROLE = 1 << 6,
} BrokerNote;

typedef struct PendingDeath PendingDeath; /* death.c */

typedef struct Broker {
        Settings *settings; /* not owned; its reloadable keys change on SIGHUP */
        void *zctx;
        void *stations; /* ROUTER, station endpoint */
        void *workers;  /* ROUTER, worker endpoint */
        Zap *zap;       /* CURVE authorization; NULL without CURVE */
        Httpd *httpd;   /* /metrics and the status page; NULL without http_listen */
        CurveKey curve; /* the broker's own key pair, with CURVE */
        uint64_t epoch; /* random, nonzero */
        uint64_t started_ms;
        uint64_t pool_bytes[_BROKER_CLASS_MAX];

        PeerTable *peers;
        WorkerTable *worker_table;
        HeldTable *held; /* the pages the broker holds, queued or in flight */
        CompletedCache *completed;
        PendingDeath *deaths; /* worker deaths being judged (death.c) */
        Hashmap *noted;       /* (endpoint, routing id) -> BrokerNote bits */
        Refusals *refusals;   /* refused HELLOs logged once per peer id, then counted */
        BrokerCounters counters;
        /* Pages in, and out (answered stored or stored failed), per class. */
        Rate class_in[_BROKER_CLASS_MAX], class_out[_BROKER_CLASS_MAX];

        uint64_t next_tick_ms;
        /* The recovery window (§5.4): no JOB before this, so that the
         * workers holding pages when a previous broker stopped have said so. */
        uint64_t dispatch_from_ms;
        bool window_over;
        bool draining;
        uint64_t drain_deadline_ms;
        bool quit;
        bool abort;            /* quit at once: do not linger */
        char last_status[256]; /* last STATUS= told to systemd */
} Broker;

/* Bind both endpoints and draw the epoch. s must outlive the broker.
 * 0 or negative errno (logged here: this is the program's edge). */
MUST_CHECK int broker_new(Settings *s, Broker **ret);
/* Close the sockets (lingering as configured, or not at all after a quit
 * at once), free everything. NULL ok; returns NULL. */
Broker *broker_free(Broker *b);

/* The main loop's steps. */
void broker_on_signal(Broker *b, int signal_fd);
void broker_on_stations(Broker *b);
void broker_on_workers(Broker *b);
void broker_on_timers(Broker *b);
/* Milliseconds until broker_on_timers() has work; for zmq_poll(). */
long broker_next_timeout(const Broker *b);

/* Log or act only the first time for this routing id: true the first time.
 * workers: which endpoint the routing id is on. */
bool broker_note_once(Broker *b, bool workers, const uint8_t *rid, size_t rid_len, BrokerNote n);

/* "station" or "worker": which endpoint, for logs. */
const char *broker_endpoint_name(bool workers);

/* Send on a socket; counts nothing, logs nothing. 0 or negative errno. */
MUST_CHECK int broker_send(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, MsgType type,
                           const ProtobufCMessage *body, zmq_msg_t *image);
/* HEARTBEAT {epoch, credit} to one routing id; failures are ignored (the
 * next heartbeat restates everything). */
void broker_send_heartbeat(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, uint64_t credit);
/* BYE {epoch, reason}. */
void broker_send_bye(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, const char *reason);

/* Drop a message that the endpoint cannot use: counted as
 * dropped_malformed, logged once per routing id with who sent it (its
 * HELLO id, or "(unknown)") and why. */
void broker_drop(Broker *b, bool workers, const Msg *m, const char *who, const char *why);
/* A message from a routing id that has not said HELLO: counted as
 * dropped_unknown_peer, logged once, answered with a HEARTBEAT of zero
 * credit so that the peer notices and says HELLO. */
void broker_ask_hello(Broker *b, bool workers, const Msg *m);
/* WELCOME {epoch, max_frame_bytes, credit, heartbeat, liveness} to rid;
 * a failure is logged (debug) for who and otherwise ignored: the peer says
 * HELLO again. */
void broker_send_welcome(Broker *b, bool workers, const uint8_t *rid, size_t rid_len, uint64_t credit,
                         const char *who);

/* The credit a client of class k is granted now. */
uint64_t broker_credit(const Broker *b, BrokerClass k);
