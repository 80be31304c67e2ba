/* A HELLO refused: the role check that CURVE makes possible (the ZAP
 * handler puts the key's role on the connection), and the id kept by the
 * process that had it first. Each refusal says BYE once per connection:
 * the client's link keeps saying HELLO at most once a heartbeat interval,
 * and reconnects when it hears nothing, so one answer is enough. The BYE
 * ends whatever session the connection had: the client drops it. A
 * refused client reconnects every few seconds until it is fixed: the log
 * says its first refusal and then counts them (refusals.h). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "hello.h"
#include "log.h"
#include "refusals.h"

/* Room for the words around two role names or a peer id (64 bytes). */
#define HELLO_REASON_MAX 256

/* The refused HELLO's connection may have a session (it was welcomed as
 * another peer): it is told BYE, which ends a session on both sides, so
 * the broker ends it too (§5.2), as if that peer had said BYE. */
static void hello_end_session(Broker *b, bool workers, const Msg *m)
{
        if (workers) {
                Worker *w = worker_by_rid(b->worker_table, m->routing_id, m->routing_id_len);
                HeldPage *rec;

                if (!w)
                        return;
                log_info("worker %s: its connection's HELLO was refused, its session ends", w->binding.id);
                rec = worker_forget(b->worker_table, w, clock_mono_ms());
                if (rec)
                        dispatch_requeue(b, rec, false);
        } else {
                Peer *p = peer_by_rid(b->peers, m->routing_id, m->routing_id_len);

                if (!p)
                        return;
                log_info("%s: its connection's HELLO was refused, its session ends", p->binding.id);
                peer_bye(b->peers, p);
                (void) peer_reap(b->peers, p);
        }
}

bool hello_wrong_role(Broker *b, bool workers, const Msg *m)
{
        const Sohoa__Hello *h = MSG_HELLO_BODY(m);
        const char *said = msg_role_to_string(h->role), *key;
        char reason[HELLO_REASON_MAX];

        /* Without CURVE nobody vouches for a role: one host, as before. */
        if (!b->zap)
                return false;
        if (said && strcmp(said, m->key_role) == 0)
                return false;
        b->counters.dropped_wrong_role++;
        hello_end_session(b, workers, m);
        if (!broker_note_once(b, workers, m->routing_id, m->routing_id_len, NOTE_WRONG_ROLE))
                return true;
        /* The ZAP handler names every key it admits; no role is a bug. */
        key = m->key_role[0] ? m->key_role : "(none)";
        said = said ? said : "(invalid)";
        snprintf(reason, sizeof(reason), "role %s does not match the key's role %s", said, key);
        if (refusals_note(b->refusals, workers, h->peer_id, reason, clock_mono_ms()))
                log_warning(
                        "HELLO as %s %s refused on the %s endpoint: its CURVE key's role is %s (logged once "
                        "per peer id; repeats are counted, said every %d minutes)",
                        said, h->peer_id, broker_endpoint_name(workers), key, REFUSALS_SUMMARY_MS / 60000);
        broker_send_bye(b, workers ? b->workers : b->stations, m->routing_id, m->routing_id_len, reason);
        return true;
}

/* Two processes configured with the same id: rebinding would let them
 * steal it from each other for ever, each losing its session (a station
 * resending everything in flight, a worker its page) every time. So the
 * first one keeps it and the newcomer is told why. A restarted process's
 * old connection is closed or silent, and then the id is rebound. With
 * ROUTER_MANDATORY a send to a connection that has closed fails with
 * EHOSTUNREACH; a full pipe is a connection too. */
bool hello_id_taken(Broker *b, bool workers, const Msg *m, const uint8_t *holder_rid, size_t holder_rid_len,
                    uint64_t credit)
{
        const Sohoa__Hello *h = MSG_HELLO_BODY(m);
        void *sock = workers ? b->workers : b->stations;
        Sohoa__Heartbeat hb = SOHOA__HEARTBEAT__INIT;
        char reason[HELLO_REASON_MAX];

        hb.epoch = b->epoch;
        hb.credit_bytes = credit;
        if (broker_send(b, sock, holder_rid, holder_rid_len, MSG_HEARTBEAT, &hb.base, NULL) == -EHOSTUNREACH)
                return false;
        hello_end_session(b, workers, m);
        if (broker_note_once(b, workers, m->routing_id, m->routing_id_len, NOTE_ID_IN_USE)) {
                snprintf(reason, sizeof(reason), "peer id %s is in use by a live connection", h->peer_id);
                if (refusals_note(b->refusals, workers, h->peer_id, reason, clock_mono_ms()))
                        log_warning(
                                "HELLO as %s from a second connection refused: that id is in use by a live "
                                "connection on the %s endpoint (logged once per peer id; repeats are "
                                "counted, said every %d minutes)",
                                h->peer_id, broker_endpoint_name(workers), REFUSALS_SUMMARY_MS / 60000);
                broker_send_bye(b, sock, m->routing_id, m->routing_id_len, reason);
        }
        return true;
}
