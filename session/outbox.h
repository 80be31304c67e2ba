/* The one sender of pages, shared by every page source (sohoa-scand,
 * sohoactl import). outbox_put() writes the page to the durable spool and
 * returns; a thread of the outbox's own then sends it to the broker within
 * the credit window (bytes), resends on a timer, on reconnect and when the
 * broker's epoch changes, and deletes the page only when it is reported
 * stored with its own SHA-256. After a restart the spool is replayed. The guarantee is written
 * here once. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sohoa.pb-c.h"
#include "uuid.h"

typedef struct Outbox Outbox;

typedef struct OutboxConfig {
        const char *spool_dir;
        const char *endpoint;         /* broker's station endpoint */
        const char *peer_id;          /* Hello.peer_id, stable across restarts */
        const char *software;         /* Hello.software; NULL = "sohoa VERSION" */
        Sohoa__Role role;             /* ROLE_STATION or ROLE_IMPORTER */
        uint64_t heartbeat_ms;        /* until the broker states its own; 0 = 1000 */
        uint64_t resend_ms;           /* resend an unacknowledged page after this; 0 = 300000 */
        uint64_t max_spool_bytes;     /* outbox_put() refuses with -ENOSPC beyond; 0 = no limit */
        const char *curve_server_key; /* Z85 keys; NULL = no CURVE */
        const char *curve_public_key;
        const char *curve_secret_key;
} OutboxConfig;

typedef enum OutboxEventType {
        OUTBOX_EVENT_STORED,       /* page stored (status STORED or STORED_FAILED) and deleted */
        OUTBOX_EVENT_REJECTED,     /* store refused it (another hash): moved to rejected/ */
        OUTBOX_EVENT_CORRUPT,      /* the spooled copy reads whole and does not parse or fails its
                                    * hash: moved to corrupt/ (error 0), or left in the spool unsent
                                    * when the move failed (error: why; the move is tried again) */
        OUTBOX_EVENT_READ_ERROR,   /* a page (page_uuid), or the spool's directory (page_uuid zero),
                                    * could not be read (error): nothing is moved, the page stays in
                                    * the spool and is read again later; said once per page until it
                                    * reads, once per failed listing */
        OUTBOX_EVENT_READABLE,     /* a page that could not be read reads again: it goes out */
        OUTBOX_EVENT_CONNECTED,    /* WELCOME received (epoch may be new) */
        OUTBOX_EVENT_DISCONNECTED, /* broker silent past liveness */
        OUTBOX_EVENT_ACK_MISMATCH, /* a stored ACK without this page's SHA-256: the page is kept and sent
                                    * again (PROTOCOL.md §7.5); reason says what was wrong */
        _OUTBOX_EVENT_TYPE_MAX,
        _OUTBOX_EVENT_TYPE_INVALID = -22,
} OutboxEventType;

typedef struct OutboxEvent {
        OutboxEventType type;
        Uuid page_uuid;  /* STORED, REJECTED, CORRUPT, ACK_MISMATCH */
        Uuid batch_uuid; /* STORED, REJECTED: the ack's; CORRUPT: the page's as spooled or
                          * read in this run, zero when this run never knew it */
        Sohoa__ResultStatus status;
        const char *reason; /* valid during the callback only */
        int error;          /* READ_ERROR, CORRUPT: negative errno, see above */
        uint64_t epoch;
} OutboxEvent;

/* Called from the outbox thread (and from outbox_new(), for what loading
 * the spool found): must be quick and thread-safe. */
typedef void (*OutboxEventFn)(const OutboxEvent *ev, void *userdata);

typedef struct OutboxStats {
        uint64_t spool_pages; /* pages on disk, not yet stored */
        uint64_t spool_bytes;
        uint64_t oldest_age_ms;  /* of the oldest spooled page; 0 when empty */
        uint64_t inflight_pages; /* sent, not yet acknowledged */
        uint64_t inflight_bytes;
        uint64_t credit_bytes; /* window the broker last stated */
        uint64_t epoch;        /* broker epoch last seen; 0 = never connected */
        bool connected;
        uint64_t sent; /* PAGE messages sent (resends included) */
        uint64_t resent;
        uint64_t stored; /* distinct pages acknowledged stored */
        uint64_t rejected;
        uint64_t busy;         /* pages the broker did not take (pool full), sent again */
        uint64_t spool_errors; /* spool files that could not be removed or moved */
        uint64_t poll_errors;  /* zmq_poll failures in the outbox thread (it goes on) */
        uint64_t corrupt;      /* spooled copies found damaged, set aside in corrupt/ */
        uint64_t read_errors;  /* failed reads of the spool (a page, a listing): retried, nothing moved */
        uint64_t unreadable_pages; /* pages that could not be read when last tried: kept, retried */
        uint64_t held_pages;       /* larger than the broker's largest frame: kept, not sent */
        uint64_t spooled;          /* outbox_put() successes in this run */
        uint64_t acks_duplicate;   /* acks for pages no longer in the spool */
        uint64_t acks_mismatch;    /* stored acks whose hash was not the page's (or none): page kept */
        uint64_t dropped_malformed;
} OutboxStats;

/* Open the spool (locking it: -EBUSY when another process has it, see
 * spool_holder()), load what a previous run left (replayed at once), start
 * the thread. Returns 0 or negative errno. The config strings are copied. */
MUST_CHECK int outbox_new(const OutboxConfig *cfg, OutboxEventFn fn, void *userdata, Outbox **ret);
/* Stop the thread (unacknowledged pages stay in the spool), free. NULL ok. */
Outbox *outbox_free(Outbox *o);

/* Spool one page durably and queue it for sending. page: the header, with
 * page_uuid, batch_uuid, sha256 and image_bytes matching image (checked);
 * origin_id and page_class are filled in here. Returns once the page is on
 * disk: 0, -EEXIST (that page UUID is already spooled: nothing written),
 * -ENOSPC (disk or max_spool_bytes full: nothing written), -EBADMSG (header
 * inconsistent with image), or negative errno. Thread-safe. */
MUST_CHECK int outbox_put(Outbox *o, const Sohoa__Page *page, const void *image, size_t image_len);

/* (1.3) The last event worth a look the sender saw ("jam", "double
 * feed"): its heartbeats say it, with its age, from now on. Thread-safe. */
void outbox_set_event(Outbox *o, const char *event);

/* Snapshot of the counters. Thread-safe. */
void outbox_stats(Outbox *o, OutboxStats *ret);

/* Wait until the spool is empty, up to timeout_ms (0 = just look). 0 when
 * empty, -ETIMEDOUT otherwise. Thread-safe. */
MUST_CHECK int outbox_wait_empty(Outbox *o, uint64_t timeout_ms);
