/* The pages the broker holds: one record per page UUID, queued in its
 * origin peer's FIFO or in flight with a worker, with the image kept as the
 * received zmq_msg_t (zero copy). The table finds duplicates and counts the
 * held bytes per class, which is what the pools bound. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "hashmap.h"
#include "macro.h"
#include "sohoa.pb-c.h"
#include "uuid.h"

/* The class comes from the sender's role, never from the page body. */
typedef enum BrokerClass {
        BROKER_INTERACTIVE, /* stations */
        BROKER_BULK,        /* importers */
        _BROKER_CLASS_MAX,
        _BROKER_CLASS_INVALID = -EINVAL,
} BrokerClass;

typedef struct Peer Peer;
typedef struct Worker Worker;

/* Other peers that sent the same page UUID while it was held (two
 * importers of one file): each hears the outcome. Bounded. */
#define HELD_SENDERS_MAX 8

typedef struct HeldSender {
        char *id;  /* HELLO id, owned: the peer may be gone by then */
        bool same; /* its copy had the held one's content */
} HeldSender;

typedef struct HeldPage {
        Uuid uuid;
        Sohoa__Page *page; /* owned copy of the body */
        char *cleaned;     /* owned: Job.cleaned, the strings made valid UTF-8; NULL: none */
        zmq_msg_t image;   /* owned reference to the received frame */
        uint64_t bytes;    /* image length */
        BrokerClass klass;
        Peer *origin;      /* not owned: a peer outlives the pages it sent */
        Worker *worker;    /* in flight with it; NULL while queued */
        uint32_t attempts; /* workers that died alone holding it (§7.4) */
        bool quarantined;
        bool parked;          /* neither queued nor in flight: its worker's death is being judged */
        uint64_t received_ms; /* monotonic: when the broker took it */
        HeldSender senders[HELD_SENDERS_MAX];
        size_t n_senders;
        struct HeldPage *prev, *next; /* the origin's FIFO while queued */
} HeldPage;

typedef struct HeldTable {
        Hashmap *by_uuid;
        uint32_t held_pages[_BROKER_CLASS_MAX];
        uint64_t held_bytes[_BROKER_CLASS_MAX];
        uint32_t inflight_pages[_BROKER_CLASS_MAX];
        uint64_t inflight_bytes[_BROKER_CLASS_MAX];
} HeldTable;

/* NULL on allocation failure. */
HeldTable *held_table_new(void);
/* Frees every record still held, then the table. NULL ok; returns NULL. */
HeldTable *held_table_free(HeldTable *t);

/* Hold a new page. body is copied (origin_id is replaced by origin_id, the
 * sender's HELLO id, and page_class by k; invalid UTF-8 in its strings
 * becomes U+FFFD, noted in cleaned); *image is taken over and left
 * empty. The record is neither queued nor in flight yet. 0, -EEXIST (that
 * UUID is held already), -EBADMSG (body uuid not 16 bytes), -EMSGSIZE (the
 * JOB that would carry the body to a worker, origin_id and all, would be
 * over MSG_BODY_MAX: *image is left to the caller) or -ENOMEM. The
 * record is owned by the table (held_free()). */
MUST_CHECK int held_new(HeldTable *t, const Sohoa__Page *body, zmq_msg_t *image, Peer *origin,
                        const char *origin_id, BrokerClass k, HeldPage **ret);
/* Another peer (id) sent this page UUID too; same: with the held copy's
 * content. 0, -EEXIST (it is the origin or noted already), -ENOSPC
 * (HELD_SENDERS_MAX noted), -ENOMEM. */
MUST_CHECK int held_add_sender(HeldPage *rec, const char *id, bool same);
/* Forget a record that is neither queued nor in flight; NULL ok. */
void held_free(HeldTable *t, HeldPage *rec);

HeldPage *held_get(const HeldTable *t, const Uuid *u);

/* Mark in flight with w, or queued again (w NULL): keeps the counts. */
void held_set_worker(HeldTable *t, HeldPage *rec, Worker *w);

uint32_t held_queued_pages(const HeldTable *t, BrokerClass k);
uint64_t held_queued_bytes(const HeldTable *t, BrokerClass k);
uint32_t held_inflight_total(const HeldTable *t);

/* Would holding bytes more of class k go over pool + max_frame? */
bool held_over_pool(const HeldTable *t, BrokerClass k, uint64_t bytes, uint64_t pool, uint64_t max_frame);

/* "interactive", "bulk". */
const char *held_class_to_string(BrokerClass k);
