/* The Broker object: sockets and epoch, the receive loops of both
 * endpoints, the timers (heartbeats, liveness, the drain) and the two-stage
 * shutdown. Message handling itself is frontend.c and backend.c. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>

#include "backend.h"
#include "broker.h"
#include "clock.h"
#include "death.h"
#include "dispatch.h"
#include "frontend.h"
#include "ipcpath.h"
#include "log.h"
#include "sigfd.h"
#include "web.h"

/* Messages taken from one endpoint per wakeup: enough to move a burst, few
 * enough that a flood on one endpoint cannot starve the other. */
#define BROKER_BATCH 256
/* Routing ids remembered for log-once before the memory is reset. */
#define BROKER_NOTED_MAX 4096
/* A silent peer holding nothing, or a dead worker, is forgotten after this. */
#define BROKER_FORGET_MS (10 * 60 * 1000ULL)

static int broker_epoch(uint64_t *ret)
{
        uint64_t e = 0;

        while (e == 0) {
                ssize_t n = getrandom(&e, sizeof(e), 0);

                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n >= 0 && n != (ssize_t) sizeof(e))
                        e = 0;
        }
        *ret = e;
        return 0;
}

/* With CURVE, the socket serves as a CURVE server and asks the ZAP handler
 * about every client key, in its own domain (the roles differ). */
static int broker_socket_curve(Broker *b, void *z, const char *domain)
{
        int one = 1;

        if (!b->zap)
                return 0;
        if (zmq_setsockopt(z, ZMQ_CURVE_SERVER, &one, sizeof(one)) < 0 ||
            zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, b->curve.secret_key, CURVEKEY_Z85_LEN) < 0 ||
            zmq_setsockopt(z, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) < 0)
                return -errno;
        return 0;
}

/* libzmq holds a message frame from its first byte to its last: a peer
 * that starts a large one and stops would hold that memory for ever.
 * ZMTP heartbeats bound it: a PING every heartbeat, and a connection that
 * delivers no whole frame (its PONG comes only after the frame it is
 * sending) within frame_timeout is closed; the handshake likewise (§1.1). */
static int broker_socket_timeouts(Broker *b, void *z)
{
        const Settings *s = b->settings;
        int ivl = (int) s->heartbeat_ms, timeout = (int) s->frame_timeout_ms;

        if (zmq_setsockopt(z, ZMQ_HEARTBEAT_IVL, &ivl, sizeof(ivl)) < 0 ||
            zmq_setsockopt(z, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof(timeout)) < 0 ||
            zmq_setsockopt(z, ZMQ_HANDSHAKE_IVL, &timeout, sizeof(timeout)) < 0)
                return -errno;
        return 0;
}

static int broker_socket(Broker *b, const char *endpoint, const char *domain, void **ret)
{
        const Settings *s = b->settings;
        int one = 1, linger = (int) s->linger_ms, r;
        int64_t maxmsg = (int64_t) s->max_frame_bytes + MSG_BODY_MAX;
        void *z;

        z = zmq_socket(b->zctx, ZMQ_ROUTER);
        if (!z)
                return log_error_errno(-errno, "zmq_socket: %m");
        /* MANDATORY: a send to a vanished peer fails instead of vanishing;
         * HANDOVER: a reconnecting peer with a fixed routing id takes over. */
        if (zmq_setsockopt(z, ZMQ_ROUTER_MANDATORY, &one, sizeof(one)) < 0 ||
            zmq_setsockopt(z, ZMQ_ROUTER_HANDOVER, &one, sizeof(one)) < 0 ||
            zmq_setsockopt(z, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
            zmq_setsockopt(z, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0 ||
            broker_socket_timeouts(b, z) < 0 || broker_socket_curve(b, z, domain) < 0) {
                r = -errno;
                zmq_close(z);
                return log_error_errno(r, "setting options of the socket for %s: %m", endpoint);
        }
        r = ipcpath_bind(z, endpoint);
        if (r < 0) {
                zmq_close(z);
                return log_error_errno(r, "binding %s: %m", endpoint);
        }
        *ret = z;
        return 0;
}

/* A worker answers for pages, and its sender deletes them on its word: a
 * worker endpoint that other users or hosts can reach needs CURVE, unless
 * the setting says the risk is taken (§1). */
static int broker_check_workers_auth(Broker *b)
{
        const Settings *s = b->settings;

        if (b->zap || ipcpath_of(s->workers_endpoint))
                return 0;
        if (s->insecure_workers_without_curve) {
                log_warning(
                        "serving workers on %s without CURVE (insecure_workers_without_curve): any process "
                        "that reaches it can pose as a worker and have pages deleted unstored",
                        s->workers_endpoint);
                return 0;
        }
        return log_error_errno(
                -EPERM,
                "refusing to serve workers on %s without CURVE: any process that reaches it could "
                "pose as a worker and have pages deleted unstored; set curve_key_file and "
                "authorized_keys_file (docs/OPERATIONS.md), bind an ipc:// path, or set "
                "insecure_workers_without_curve = yes",
                s->workers_endpoint);
}

static int broker_tables(Broker *b)
{
        b->peers = peer_table_new();
        b->worker_table = worker_table_new();
        b->held = held_table_new();
        b->completed = completed_new(b->settings->completed_cache);
        b->noted = hashmap_new();
        b->refusals = refusals_new();
        if (!b->peers || !b->worker_table || !b->held || !b->completed || !b->noted || !b->refusals)
                return log_error_errno(-ENOMEM, "allocating the broker's tables: %m");
        return 0;
}

/* CURVE needs the broker's key and a ZAP handler bound before any socket. */
static int broker_curve(Broker *b)
{
        const Settings *s = b->settings;
        int r;

        if (!s->curve_key_file)
                return 0;
        if (!s->authorized_keys_file)
                return log_error_errno(-EINVAL, "curve_key_file is set but authorized_keys_file is not: "
                                                "every client would be refused");
        r = curvekey_load(s->curve_key_file, &b->curve);
        if (r < 0)
                return log_error_errno(r, "cannot load the broker's CURVE key %s: %m", s->curve_key_file);
        if (!b->curve.secret_key[0])
                return log_error_errno(-EINVAL, "%s holds no secret key", s->curve_key_file);
        return zap_new(b->zctx, s->authorized_keys_file, &b->zap);
}

int broker_new(Settings *s, Broker **ret)
{
        Broker *b;
        int r;

        assert(s && ret);
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_error_errno(-ENOMEM, "allocating the broker: %m");
        b->settings = s;
        b->pool_bytes[BROKER_INTERACTIVE] = s->interactive_pool_bytes;
        b->pool_bytes[BROKER_BULK] = s->bulk_pool_bytes;
        b->started_ms = clock_mono_ms();
        b->next_tick_ms = b->started_ms + s->heartbeat_ms;
        b->dispatch_from_ms = b->started_ms + (s->recovery_window_ms ? s->recovery_window_ms
                                                                     : s->liveness * s->heartbeat_ms);

        r = broker_epoch(&b->epoch);
        if (r < 0) {
                log_error_errno(r, "drawing the boot epoch: %m");
                goto fail;
        }
        r = broker_tables(b);
        if (r < 0)
                goto fail;
        b->zctx = zmq_ctx_new();
        if (!b->zctx) {
                r = log_error_errno(-errno, "zmq_ctx_new: %m");
                goto fail;
        }
        r = broker_curve(b);
        if (r < 0)
                goto fail;
        r = broker_check_workers_auth(b);
        if (r < 0)
                goto fail;
        r = broker_socket(b, s->stations_endpoint, ZAP_DOMAIN_STATIONS, &b->stations);
        if (r < 0)
                goto fail;
        r = broker_socket(b, s->workers_endpoint, ZAP_DOMAIN_WORKERS, &b->workers);
        if (r < 0)
                goto fail;
        if (s->http_listen && *s->http_listen) {
                r = httpd_new(s->http_listen, web_get, b, &b->httpd);
                if (r == -EINVAL)
                        log_error("http_listen: not HOST:PORT: %s", s->http_listen);
                else if (r < 0)
                        log_error_errno(r, "cannot serve HTTP on %s: %m", s->http_listen);
                if (r < 0)
                        goto fail;
        }
        *ret = b;
        return 0;
fail:
        broker_free(b);
        return r;
}

Broker *broker_free(Broker *b)
{
        if (!b)
                return NULL;
        /* Pages first: their images are libzmq messages. */
        death_free_all(b);
        b->held = held_table_free(b->held);
        b->peers = peer_table_free(b->peers);
        b->worker_table = worker_table_free(b->worker_table);
        b->completed = completed_free(b->completed);
        b->noted = hashmap_free(b->noted);
        b->refusals = refusals_free(b->refusals);
        if (b->abort) {
                int zero = 0;

                if (b->stations)
                        (void) zmq_setsockopt(b->stations, ZMQ_LINGER, &zero, sizeof(zero));
                if (b->workers)
                        (void) zmq_setsockopt(b->workers, ZMQ_LINGER, &zero, sizeof(zero));
        }
        if (b->stations)
                zmq_close(b->stations);
        if (b->workers)
                zmq_close(b->workers);
        b->zap = zap_free(b->zap);
        b->httpd = httpd_free(b->httpd);
        explicit_bzero(&b->curve, sizeof(b->curve));
        if (b->zctx)
                zmq_ctx_term(b->zctx);
        return mfree(b);
}

bool broker_note_once(Broker *b, bool workers, const uint8_t *rid, size_t rid_len, BrokerNote n)
{
        uint8_t key[1 + MSG_ROUTING_ID_MAX];
        uintptr_t bits;

        if (rid_len > MSG_ROUTING_ID_MAX)
                return false;
        key[0] = workers;
        memcpy(key + 1, rid, rid_len);
        bits = (uintptr_t) hashmap_get(b->noted, key, rid_len + 1);
        if (bits & n)
                return false;
        /* Forgetting everything now and then keeps memory bounded; the cost
         * is one more log line per noisy peer. */
        if (bits == 0 && hashmap_size(b->noted) >= BROKER_NOTED_MAX) {
                Hashmap *fresh = hashmap_new();

                if (fresh) {
                        hashmap_free(b->noted);
                        b->noted = fresh;
                }
        }
        /* Out of memory only means it may be said again next time. */
        if (hashmap_put(b->noted, key, rid_len + 1, (void *) (bits | n), NULL) < 0)
                log_debug("log-once memory full, ignoring");
        return true;
}

int broker_send(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, MsgType type,
                const ProtobufCMessage *body, zmq_msg_t *image)
{
        return msg_send(socket, rid, rid_len, type, body, image, ZMQ_DONTWAIT);
}

void broker_send_heartbeat(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, uint64_t credit)
{
        Sohoa__Heartbeat hb = SOHOA__HEARTBEAT__INIT;

        hb.epoch = b->epoch;
        hb.credit_bytes = credit;
        if (broker_send(b, socket, rid, rid_len, MSG_HEARTBEAT, &hb.base, NULL) < 0)
                log_debug("HEARTBEAT not sent, the next one will be");
}

void broker_send_bye(Broker *b, void *socket, const uint8_t *rid, size_t rid_len, const char *reason)
{
        Sohoa__Bye bye = SOHOA__BYE__INIT;

        bye.epoch = b->epoch;
        bye.reason = (char *) reason;
        if (broker_send(b, socket, rid, rid_len, MSG_BYE, &bye.base, NULL) < 0)
                log_debug("BYE not sent, the peer will notice the silence");
}

uint64_t broker_credit(const Broker *b, BrokerClass k)
{
        return peer_credit(b->peers, k, b->pool_bytes[k], b->settings->max_frame_bytes);
}

const char *broker_endpoint_name(bool workers)
{
        return workers ? "worker" : "station";
}

void broker_drop(Broker *b, bool workers, const Msg *m, const char *who, const char *why)
{
        b->counters.dropped_malformed++;
        if (m->routing_id_len > 0 &&
            broker_note_once(b, workers, m->routing_id, m->routing_id_len, NOTE_MALFORMED))
                log_warning("dropping %s from %s on the %s endpoint: %s (logged once per connection)",
                            m->type > 0 && m->type < _MSG_TYPE_MAX ? msg_type_to_string(m->type)
                                                                   : "a message",
                            who, broker_endpoint_name(workers), why);
}

void broker_ask_hello(Broker *b, bool workers, const Msg *m)
{
        b->counters.dropped_unknown_peer++;
        if (broker_note_once(b, workers, m->routing_id, m->routing_id_len, NOTE_UNKNOWN))
                log_info("%s from a connection on the %s endpoint that has not said HELLO: dropped, "
                         "asking it to (logged once per connection)",
                         msg_type_to_string(m->type), broker_endpoint_name(workers));
        broker_send_heartbeat(b, workers ? b->workers : b->stations, m->routing_id, m->routing_id_len, 0);
}

void broker_send_welcome(Broker *b, bool workers, const uint8_t *rid, size_t rid_len, uint64_t credit,
                         const char *who)
{
        Sohoa__Welcome wel = SOHOA__WELCOME__INIT;
        int r;

        wel.epoch = b->epoch;
        wel.max_frame_bytes = b->settings->max_frame_bytes;
        wel.credit_bytes = credit;
        wel.heartbeat_ms = (uint32_t) b->settings->heartbeat_ms;
        wel.liveness = b->settings->liveness;
        r = broker_send(b, workers ? b->workers : b->stations, rid, rid_len, MSG_WELCOME, &wel.base, NULL);
        if (r < 0)
                log_debug_errno(r, "WELCOME to %s not sent: %m", who);
}

/* What a refused message was, for the log. */
static const char *broker_decode_error_string(int error)
{
        switch (error) {
        case -EPROTO:
                return "another major version of the protocol";
        case -EOPNOTSUPP:
                return "a command this version does not know";
        case -EMSGSIZE:
                return "a frame over the size limit";
        default:
                return "malformed";
        }
}

/* A message that did not decode: counted, logged once per routing id, and
 * for another major version (-EPROTO: our signature, another major; junk
 * is -EBADMSG) answered with BYE once. It still proves the sender alive. */
static void broker_on_bad_message(Broker *b, bool workers, Msg *m, int error, uint64_t now)
{
        void *sock = workers ? b->workers : b->stations;
        const char *who = "(unknown)";

        if (m->routing_id_len == 0) {
                b->counters.dropped_malformed++;
                return;
        }
        if (workers) {
                Worker *w = worker_by_rid(b->worker_table, m->routing_id, m->routing_id_len);
                if (w) {
                        worker_seen(b->worker_table, w, now);
                        who = w->binding.id;
                }
        } else {
                Peer *p = peer_by_rid(b->peers, m->routing_id, m->routing_id_len);
                if (p) {
                        peer_seen(b->peers, p, now);
                        who = p->binding.id;
                }
        }
        broker_drop(b, workers, m, who, broker_decode_error_string(error));
        if (error == -EPROTO &&
            broker_note_once(b, workers, m->routing_id, m->routing_id_len, NOTE_BYE_VERSION))
                broker_send_bye(b, sock, m->routing_id, m->routing_id_len,
                                "unsupported protocol major version");
}

/* The errors msg_recv() reports for a message it consumed but refused. */
static bool broker_decode_error(int r)
{
        return r == -EPROTO || r == -EOPNOTSUPP || r == -EMSGSIZE || r == -EBADMSG;
}

static void broker_receive(Broker *b, bool workers)
{
        void *sock = workers ? b->workers : b->stations;

        for (unsigned i = 0; i < BROKER_BATCH && !b->quit; i++) {
                uint64_t now = clock_mono_ms();
                Msg m = {};
                int r;

                r = msg_recv(sock, true, b->settings->max_frame_bytes, ZMQ_DONTWAIT, &m);
                if (r == -EAGAIN)
                        break;
                if (broker_decode_error(r))
                        broker_on_bad_message(b, workers, &m, r, now);
                else if (r < 0) {
                        log_error_errno(r, "receiving on the %s endpoint: %m",
                                        workers ? "worker" : "station");
                        break;
                } else if (workers)
                        backend_handle(b, &m, now);
                else
                        frontend_handle(b, &m, now);
                msg_done(&m);
        }
        if (workers)
                death_decide(b);
        dispatch_run(b);
}

void broker_on_stations(Broker *b)
{
        broker_receive(b, false);
}

void broker_on_workers(Broker *b)
{
        broker_receive(b, true);
}

static void broker_begin_drain(Broker *b)
{
        uint32_t n = held_inflight_total(b->held);

        b->draining = true;
        b->drain_deadline_ms = clock_mono_ms() + b->settings->drain_timeout_ms;
        (void) sd_notify(0, "STOPPING=1\nSTATUS=draining");
        log_notice("draining: no new pages or jobs; waiting up to %llu ms for %u page(s) in "
                   "flight (signal again to quit at once)",
                   (unsigned long long) b->settings->drain_timeout_ms, n);
}

static void broker_quit_now(Broker *b)
{
        log_notice("quitting at once: %u page(s) in flight stay with their senders",
                   held_inflight_total(b->held));
        (void) sd_notify(0, "STOPPING=1");
        b->quit = b->abort = true;
}

void broker_on_signal(Broker *b, int signal_fd)
{
        int signo;

        while (sigfd_read(signal_fd, &signo) == 0) {
                switch (signo) {
                case SIGTERM:
                case SIGINT:
                        if (b->draining)
                                broker_quit_now(b);
                        else
                                broker_begin_drain(b);
                        break;
                case SIGQUIT:
                        broker_quit_now(b);
                        break;
                case SIGHUP:
                        /* The settings first (errors are logged, the old ones stay), then the keys. */
                        (void) config_reload(settings_program(), b->settings);
                        if (!b->zap)
                                log_info("SIGHUP: no authorized keys to reload without CURVE");
                        else if (zap_reload(b->zap) < 0)
                                log_warning("SIGHUP: authorized keys not reloaded, keeping the old ones");
                        break;
                default:
                        break;
                }
        }
}

/* BYE to every peer and worker that can still hear it. */
static void broker_say_bye(Broker *b)
{
        size_t state = 0;
        Worker *w;
        Peer *p;

        while (peer_iterate(b->peers, &state, &p))
                if (p->binding.rid_len > 0 && p->state == PEER_LIVE)
                        broker_send_bye(b, b->stations, p->binding.rid, p->binding.rid_len,
                                        "broker shutting down");
        state = 0;
        while (worker_iterate(b->worker_table, &state, &w))
                if (w->binding.rid_len > 0 && w->state != WORKER_DEAD)
                        broker_send_bye(b, b->workers, w->binding.rid, w->binding.rid_len,
                                        "broker shutting down");
}

static void broker_check_drained(Broker *b, uint64_t now)
{
        uint32_t n = held_inflight_total(b->held);

        if (n > 0 && now < b->drain_deadline_ms)
                return;
        if (n > 0)
                log_warning("drain timeout: %u page(s) still in flight, their senders will "
                            "resend them",
                            n);
        else
                log_info("drained: no page in flight");
        broker_say_bye(b);
        b->quit = true;
}

static void broker_check_peers(Broker *b, uint64_t now)
{
        uint64_t dead_after = b->settings->liveness * b->settings->heartbeat_ms;
        uint64_t credit[_BROKER_CLASS_MAX];
        size_t state = 0;
        Peer *p;

        while (peer_iterate(b->peers, &state, &p)) {
                if (p->state == PEER_LIVE && now - p->binding.last_seen_ms > dead_after) {
                        peer_set_silent(b->peers, p);
                        log_info("%s silent for %llu ms: counted dead, its %u queued page(s) stay",
                                 p->binding.id, (unsigned long long) (now - p->binding.last_seen_ms),
                                 p->queued_pages);
                }
                if (p->state != PEER_LIVE &&
                    (p->state == PEER_GONE || now - p->binding.last_seen_ms > BROKER_FORGET_MS))
                        (void) peer_reap(b->peers, p);
        }
        /* After the liveness pass, so the credit reflects who is left. */
        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++)
                credit[k] = broker_credit(b, k);
        state = 0;
        while (peer_iterate(b->peers, &state, &p))
                if (p->state == PEER_LIVE)
                        broker_send_heartbeat(b, b->stations, p->binding.rid, p->binding.rid_len,
                                              credit[p->klass]);
}

static void broker_check_workers(Broker *b, uint64_t now)
{
        uint64_t dead_after = b->settings->liveness * b->settings->heartbeat_ms;
        size_t state = 0;
        Worker *w;

        while (worker_iterate(b->worker_table, &state, &w)) {
                if (w->state != WORKER_DEAD && now - w->binding.last_seen_ms > dead_after) {
                        HeldPage *rec = worker_set_dead(b->worker_table, w, now);

                        log_warning("worker %s silent for %llu ms: dead%s", w->binding.id,
                                    (unsigned long long) (now - w->binding.last_seen_ms),
                                    rec ? ", sending its page to another" : "");
                        if (rec)
                                death_begin(b, rec, w, w->binding.last_seen_ms);
                }
                if (w->state == WORKER_DEAD && now - w->binding.last_seen_ms > BROKER_FORGET_MS)
                        (void) worker_forget(b->worker_table, w, now);
                else if (w->state != WORKER_DEAD)
                        /* A nonzero credit tells a worker it is known here. */
                        broker_send_heartbeat(b, b->workers, w->binding.rid, w->binding.rid_len,
                                              b->settings->max_frame_bytes);
        }
}

/* One line for `systemctl status`, sent only when it changes. */
static void broker_notify_status(Broker *b)
{
        char buf[sizeof(b->last_status)];

        snprintf(buf, sizeof(buf), "%s%u+%u queued, %u in flight, %u/%u workers idle, %u+%u clients",
                 b->draining ? "draining: " : "", held_queued_pages(b->held, BROKER_INTERACTIVE),
                 held_queued_pages(b->held, BROKER_BULK), held_inflight_total(b->held),
                 b->worker_table->idle, b->worker_table->live, b->peers->live[BROKER_INTERACTIVE],
                 b->peers->live[BROKER_BULK]);
        if (strcmp(buf, b->last_status) == 0)
                return;
        memcpy(b->last_status, buf, sizeof(buf));
        (void) sd_notifyf(0, "STATUS=%s", buf);
}

void broker_on_timers(Broker *b)
{
        uint64_t now = clock_mono_ms();

        if (b->draining)
                broker_check_drained(b, now);
        if (!b->window_over && now >= b->dispatch_from_ms) {
                b->window_over = true;
                log_info("recovery window over: dispatching");
                dispatch_run(b);
        }
        if (b->quit || now < b->next_tick_ms)
                return;
        b->next_tick_ms = now + b->settings->heartbeat_ms;
        broker_check_peers(b, now);
        broker_check_workers(b, now);
        death_decide(b);
        dispatch_run(b);
        refusals_tick(b->refusals, now);
        broker_notify_status(b);
}

long broker_next_timeout(const Broker *b)
{
        uint64_t now = clock_mono_ms(), next = b->next_tick_ms;

        if (b->draining)
                next = MIN(next, b->drain_deadline_ms);
        if (!b->window_over)
                next = MIN(next, b->dispatch_from_ms);
        return next > now ? (long) (next - now) : 0;
}
