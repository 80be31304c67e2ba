/* A client's connection to the broker. ZeroMQ reconnects a DEALER by itself,
 * but whatever sat in the dead connection's pipe is gone, and a restarted
 * broker does not know us: so the session is ours to track. It begins with
 * WELCOME and ends when the broker is silent past liveness (we then replace
 * the socket, flushing the old pipe), when a message carries another epoch,
 * or when the broker says BYE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "curvekey.h"
#include "link.h"

struct Link {
        void *zctx;
        void *sock;
        char *endpoint, *peer_id, *software;
        char *curve_server, *curve_public, *curve_secret;
        Sohoa__Role role;

        bool welcomed;
        uint64_t epoch;
        uint64_t credit;
        uint64_t max_frame;
        uint64_t heartbeat_ms;
        uint32_t liveness;

        uint64_t last_recv_ms;
        uint64_t last_send_ms;
        uint64_t last_hello_ms;
        uint32_t unacked_pages;
        uint64_t unacked_bytes;
        LinkSpool spool;
        bool spool_changed; /* not yet in a heartbeat */
        char event[64];
        uint64_t event_ms;
        LinkWorker worker;
        uint8_t page_in_hand[16]; /* a worker's: said in every HELLO */
        bool has_page_in_hand;
        LinkCounters counters;
};

static int set_curve(Link *l, void *sock)
{
        if (!l->curve_server)
                return 0;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, l->curve_server, strlen(l->curve_server)) < 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, l->curve_public, strlen(l->curve_public)) < 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, l->curve_secret, strlen(l->curve_secret)) < 0)
                return -errno;
        return 0;
}

static int send_hello(Link *l)
{
        Sohoa__Hello hello = SOHOA__HELLO__INIT;
        int r;

        hello.peer_id = l->peer_id;
        hello.role = l->role;
        hello.software = l->software;
        if (l->has_page_in_hand)
                hello.page_uuid = (ProtobufCBinaryData) { sizeof(l->page_in_hand), l->page_in_hand };
        r = msg_send(l->sock, NULL, 0, MSG_HELLO, &hello.base, NULL, ZMQ_DONTWAIT);
        l->last_hello_ms = clock_mono_ms();
        if (r == 0)
                l->last_send_ms = l->last_hello_ms;
        return r;
}

/* A new socket: the old one's queued messages die with it, on purpose. */
static int open_socket(Link *l)
{
        int linger = 0, hwm = 10000;
        void *s;
        int r;

        s = zmq_socket(l->zctx, ZMQ_DEALER);
        if (!s)
                return -errno;
        if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
            zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
            zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0) {
                r = -errno;
                goto fail;
        }
        r = set_curve(l, s);
        if (r < 0)
                goto fail;
        if (zmq_connect(s, l->endpoint) < 0) {
                r = -errno;
                goto fail;
        }
        if (l->sock)
                zmq_close(l->sock);
        l->sock = s;
        l->welcomed = false;
        l->last_recv_ms = clock_mono_ms();
        return send_hello(l);
fail:
        zmq_close(s);
        return r;
}

static char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

/* Keys named by the environment, for programs whose configuration names
 * none: SOHOA_BROKER_KEY (the broker's public key file) and SOHOA_CURVE_KEY
 * (this client's key_secret file). Both or neither. */
static int curve_from_env(Link *l)
{
        CurveKey sk, ok;
        int r = curvekey_from_env(&sk, &ok);

        if (r != 0)
                return r > 0 ? 0 : r;
        l->curve_server = strdup(sk.public_key);
        l->curve_public = strdup(ok.public_key);
        l->curve_secret = strdup(ok.secret_key);
        explicit_bzero(&ok, sizeof(ok));
        return l->curve_server && l->curve_public && l->curve_secret ? 0 : -ENOMEM;
}

int link_new(void *zctx, const LinkConfig *cfg, Link **ret)
{
        Link *l;
        int r;

        if (!cfg->endpoint || !cfg->peer_id)
                return -EINVAL;
        if (!!cfg->curve_server_key != !!cfg->curve_public_key ||
            !!cfg->curve_server_key != !!cfg->curve_secret_key)
                return -EINVAL;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->zctx = zctx;
        l->role = cfg->role;
        l->heartbeat_ms = cfg->heartbeat_ms ? cfg->heartbeat_ms : 1000;
        l->liveness = cfg->liveness ? cfg->liveness : 3;
        l->endpoint = strdup(cfg->endpoint);
        l->peer_id = strdup(cfg->peer_id);
        l->software = strdup(cfg->software ? cfg->software : "sohoa " SOHOA_VERSION);
        l->curve_server = strdup_or_null(cfg->curve_server_key);
        l->curve_public = strdup_or_null(cfg->curve_public_key);
        l->curve_secret = strdup_or_null(cfg->curve_secret_key);
        if (!l->endpoint || !l->peer_id || !l->software ||
            (cfg->curve_server_key && (!l->curve_server || !l->curve_public || !l->curve_secret))) {
                r = -ENOMEM;
                goto fail;
        }
        if (!cfg->curve_server_key) {
                r = curve_from_env(l);
                if (r < 0)
                        goto fail;
        }
        r = open_socket(l);
        if (r < 0 && r != -EAGAIN)
                goto fail;
        *ret = l;
        return 0;
fail:
        link_free(l);
        return r;
}

Link *link_free(Link *l)
{
        if (!l)
                return NULL;
        if (l->sock) {
                /* Give what was said last (a RESULT, a BYE) a bounded chance to leave. */
                int linger = 1000;
                (void) zmq_setsockopt(l->sock, ZMQ_LINGER, &linger, sizeof(linger));
                zmq_close(l->sock);
        }
        free(l->endpoint);
        free(l->peer_id);
        free(l->software);
        free(l->curve_server);
        free(l->curve_public);
        if (l->curve_secret) {
                explicit_bzero(l->curve_secret, strlen(l->curve_secret));
                free(l->curve_secret);
        }
        free(l);
        return NULL;
}

void *link_socket(Link *l)
{
        return l->sock;
}

/* The session is over: say HELLO again and wait for WELCOME. */
static LinkEvent session_lost(Link *l)
{
        bool was = l->welcomed;

        l->welcomed = false;
        (void) send_hello(l);
        return was ? LINK_EVENT_LOST : LINK_EVENT_NONE;
}

static LinkEvent on_welcome(Link *l, const Sohoa__Welcome *w)
{
        /* Several HELLOs may be queued before the first answer: the WELCOMEs
         * after the first, same epoch, begin nothing new. */
        bool again = l->welcomed && l->epoch == w->epoch;

        l->welcomed = true;
        l->epoch = w->epoch;
        l->credit = w->credit_bytes;
        l->max_frame = w->max_frame_bytes;
        if (w->heartbeat_ms > 0)
                l->heartbeat_ms = w->heartbeat_ms;
        if (w->liveness > 0)
                l->liveness = w->liveness;
        if (again)
                return LINK_EVENT_NONE;
        l->counters.sessions++;
        return LINK_EVENT_WELCOMED;
}

int link_recv(Link *l, Msg *ret, LinkEvent *ret_event)
{
        Msg m = { 0 };
        uint64_t epoch;
        int r;

        *ret_event = LINK_EVENT_NONE;
        r = msg_recv(l->sock, false, SIZE_MAX, ZMQ_DONTWAIT, &m);
        if (r == -EAGAIN)
                return r;
        /* Any frame from the broker, even a bad one, shows it is alive. */
        l->last_recv_ms = clock_mono_ms();
        if (r < 0) {
                l->counters.malformed++;
                msg_done(&m);
                return r;
        }
        epoch = msg_epoch(&m);
        switch (m.type) {
        case MSG_WELCOME:
                *ret_event = on_welcome(l, MSG_WELCOME_BODY(&m));
                break;
        case MSG_BYE: {
                /* The broker is leaving, or refuses this connection: HELLO
                 * again, but from link_tick, once per heartbeat interval, so
                 * a peer that answers every HELLO with BYE gets no storm. */
                bool was = l->welcomed;

                l->welcomed = false;
                l->last_hello_ms = l->last_recv_ms;
                *ret_event = was ? LINK_EVENT_LOST : LINK_EVENT_NONE;
                break;
        }
        case MSG_HEARTBEAT:
                if (!l->welcomed || epoch != l->epoch || MSG_HEARTBEAT_BODY(&m)->credit_bytes == 0) {
                        /* Not (or no longer) known to this broker: a new epoch,
                         * or credit 0, which the broker gives only to a
                         * connection that has not said HELLO (libzmq may have
                         * reconnected under us with a new routing id). Repeat
                         * HELLO at most once per heartbeat interval. */
                        if (l->welcomed || l->last_recv_ms - l->last_hello_ms >= l->heartbeat_ms)
                                *ret_event = session_lost(l);
                        break;
                }
                l->credit = MSG_HEARTBEAT_BODY(&m)->credit_bytes;
                break;
        default:
                if (epoch != 0 && l->welcomed && epoch != l->epoch) {
                        *ret_event = session_lost(l);
                        break;
                }
                *ret = m;
                return 0;
        }
        msg_done(&m);
        return 0;
}

int link_send(Link *l, MsgType type, const ProtobufCMessage *body, zmq_msg_t *image)
{
        int r;

        if (!l->welcomed && type != MSG_HELLO && type != MSG_HEARTBEAT && type != MSG_RESULT) {
                if (image)
                        zmq_msg_close(image);
                return -ENOTCONN;
        }
        r = msg_send(l->sock, NULL, 0, type, body, image, ZMQ_DONTWAIT);
        if (r == 0)
                l->last_send_ms = clock_mono_ms();
        return r;
}

static int send_heartbeat(Link *l)
{
        Sohoa__Heartbeat hb = SOHOA__HEARTBEAT__INIT;
        Sohoa__StageHistogram stages[STAGEHIST_MAX], *stage_ptrs[STAGEHIST_MAX];
        int r;

        hb.epoch = l->epoch;
        hb.pages_unacked = l->unacked_pages;
        hb.bytes_unacked = l->unacked_bytes;
        hb.spool_corrupt = l->spool.corrupt;
        hb.spool_read_errors = l->spool.read_errors;
        hb.spool_unreadable = (uint32_t) MIN(l->spool.unreadable, UINT32_MAX);
        hb.spool_pages = (uint32_t) MIN(l->spool.pages, UINT32_MAX);
        if (l->spool.oldest_us > 0 && clock_real_us() > l->spool.oldest_us)
                hb.spool_oldest_ms = (uint64_t) (clock_real_us() - l->spool.oldest_us) / 1000;
        if (*l->event) {
                hb.last_event = l->event;
                hb.last_event_age_ms = clock_mono_ms() - l->event_ms;
        }
        hb.database_unreachable = l->worker.database_unreachable;
        if (l->worker.database_unreachable)
                hb.database_error = l->worker.database_error;
        hb.pages_done = l->worker.pages_done;
        hb.pages_failed = l->worker.pages_failed;
        hb.work_ms = l->worker.work_ms;
        stagehist_to_pb(l->worker.stages, l->worker.n_stages, stages, stage_ptrs);
        hb.stages = stage_ptrs;
        hb.n_stages = l->worker.n_stages;
        r = link_send(l, MSG_HEARTBEAT, &hb.base, NULL);
        if (r == 0)
                l->spool_changed = false;
        return r;
}

int link_tick(Link *l, LinkEvent *ret_event)
{
        uint64_t now = clock_mono_ms();
        int r;

        *ret_event = LINK_EVENT_NONE;
        if (now - l->last_recv_ms >= l->heartbeat_ms * l->liveness) {
                bool was = l->welcomed;
                l->counters.reconnects++;
                r = open_socket(l);
                if (r < 0 && r != -EAGAIN)
                        return r;
                *ret_event = was ? LINK_EVENT_LOST : LINK_EVENT_NONE;
                return 0;
        }
        if (!l->welcomed && now - l->last_hello_ms >= l->heartbeat_ms) {
                r = send_hello(l);
                if (r < 0 && r != -EAGAIN)
                        return r;
        }
        if (now - l->last_send_ms >= l->heartbeat_ms || (l->spool_changed && l->welcomed)) {
                r = send_heartbeat(l);
                if (r < 0 && r != -EAGAIN)
                        return r;
        }
        return 0;
}

uint64_t link_next_timeout_ms(const Link *l)
{
        uint64_t now = clock_mono_ms();
        uint64_t hb_due = l->last_send_ms + l->heartbeat_ms;
        uint64_t dead_due = l->last_recv_ms + l->heartbeat_ms * l->liveness;
        uint64_t due = MIN(hb_due, dead_due);

        if (!l->welcomed)
                due = MIN(due, l->last_hello_ms + l->heartbeat_ms);
        return due > now ? due - now : 0;
}

void link_set_page_in_hand(Link *l, const uint8_t *page_uuid)
{
        l->has_page_in_hand = page_uuid != NULL;
        if (page_uuid)
                memcpy(l->page_in_hand, page_uuid, sizeof(l->page_in_hand));
}

void link_set_unacked(Link *l, uint32_t pages, uint64_t bytes)
{
        l->unacked_pages = pages;
        l->unacked_bytes = bytes;
}

void link_set_spool(Link *l, const LinkSpool *spool)
{
        if (l->spool.corrupt != spool->corrupt || l->spool.read_errors != spool->read_errors ||
            l->spool.unreadable != spool->unreadable)
                l->spool_changed = true;
        l->spool = *spool;
}

void link_set_event(Link *l, const char *event)
{
        snprintf(l->event, sizeof(l->event), "%s", event ? event : "");
        l->event_ms = clock_mono_ms();
        l->spool_changed = true;
}

void link_set_worker(Link *l, const LinkWorker *lw)
{
        if (l->worker.database_unreachable != lw->database_unreachable)
                l->spool_changed = true;
        l->worker = *lw;
}

bool link_welcomed(const Link *l)
{
        return l->welcomed;
}

uint64_t link_epoch(const Link *l)
{
        return l->epoch;
}

uint64_t link_credit(const Link *l)
{
        return l->credit;
}

uint64_t link_max_frame(const Link *l)
{
        return l->max_frame;
}

void link_counters(const Link *l, LinkCounters *ret)
{
        *ret = l->counters;
}
