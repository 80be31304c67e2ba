/* Client peers: their bindings (binding.c), liveness per class (which sets
 * the credit), each peer's FIFO of queued pages, and the round-robin ring of
 * peers that have pages queued. */
#include <assert.h>
#include <stdlib.h>

#include "peer.h"

PeerTable *peer_table_new(void)
{
        PeerTable *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->bindings = binding_table_new();
        if (!t->bindings)
                return mfree(t);
        return t;
}

static void peer_destroy(PeerTable *t, Peer *p)
{
        binding_remove(t->bindings, &p->binding);
        free(p);
}

PeerTable *peer_table_free(PeerTable *t)
{
        size_t state = 0;
        Peer *p;

        if (!t)
                return NULL;
        while (t->bindings && peer_iterate(t, &state, &p))
                peer_destroy(t, p);
        binding_table_free(t->bindings);
        return mfree(t);
}

BrokerClass peer_role_class(Sohoa__Role role)
{
        switch (role) {
        case SOHOA__ROLE__ROLE_STATION:
                return BROKER_INTERACTIVE;
        case SOHOA__ROLE__ROLE_IMPORTER:
                return BROKER_BULK;
        default:
                return _BROKER_CLASS_INVALID;
        }
}

static void peer_set_state(PeerTable *t, Peer *p, PeerState s)
{
        if (p->state == PEER_LIVE && s != PEER_LIVE)
                t->live[p->klass]--;
        else if (p->state != PEER_LIVE && s == PEER_LIVE)
                t->live[p->klass]++;
        p->state = s;
}

static int peer_create(PeerTable *t, const char *id, Sohoa__Role role, BrokerClass k, Peer **ret)
{
        Peer *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        r = binding_add(t->bindings, &p->binding, id, p);
        if (r < 0) {
                free(p);
                return r;
        }
        p->role = role;
        p->klass = k;
        p->state = PEER_GONE; /* made live by the caller, which counts it */
        *ret = p;
        return 0;
}

int peer_hello(PeerTable *t, const char *id, Sohoa__Role role, const uint8_t *rid, size_t rid_len,
               uint64_t now_ms, Peer **ret)
{
        BrokerClass k = peer_role_class(role);
        Peer *p, *other;
        int r;

        assert(t && id && rid && rid_len > 0 && rid_len <= MSG_ROUTING_ID_MAX && ret);
        if (k < 0)
                return -EINVAL;

        p = peer_by_id(t, id);
        if (!p) {
                r = peer_create(t, id, role, k, &p);
                if (r < 0)
                        return r;
        } else if (p->klass != k) {
                /* Its pages are counted in the old class's pool and ring. */
                if (p->held_pages > 0)
                        return -EBUSY;
                peer_set_state(t, p, PEER_GONE);
                p->klass = k;
        }
        p->role = role;

        other = peer_by_rid(t, rid, rid_len);
        if (other && other != p) {
                binding_unroute(t->bindings, &other->binding);
                peer_set_state(t, other, PEER_GONE);
        }
        if (other != p) {
                r = binding_route(t->bindings, &p->binding, rid, rid_len);
                if (r < 0)
                        return r;
        }
        peer_set_state(t, p, PEER_LIVE);
        p->binding.last_seen_ms = now_ms;
        *ret = p;
        return 0;
}

Peer *peer_in_use(const PeerTable *t, const char *id, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms)
{
        Peer *p = peer_by_id(t, id);

        if (!p || !binding_held(&p->binding, p->state == PEER_LIVE, rid, rid_len, now_ms, live_ms))
                return NULL;
        return p;
}

Peer *peer_by_rid(const PeerTable *t, const uint8_t *rid, size_t rid_len)
{
        return binding_by_rid(t->bindings, rid, rid_len);
}

Peer *peer_by_id(const PeerTable *t, const char *id)
{
        return binding_by_id(t->bindings, id);
}

bool peer_iterate(const PeerTable *t, size_t *state, Peer **ret)
{
        void *v;

        if (!binding_iterate(t->bindings, state, &v))
                return false;
        *ret = v;
        return true;
}

void peer_seen(PeerTable *t, Peer *p, uint64_t now_ms)
{
        p->binding.last_seen_ms = now_ms;
        if (p->state == PEER_SILENT)
                peer_set_state(t, p, PEER_LIVE);
}

void peer_set_silent(PeerTable *t, Peer *p)
{
        if (p->state == PEER_LIVE)
                peer_set_state(t, p, PEER_SILENT);
}

void peer_bye(PeerTable *t, Peer *p)
{
        binding_unroute(t->bindings, &p->binding);
        peer_set_state(t, p, PEER_GONE);
}

bool peer_reap(PeerTable *t, Peer *p)
{
        if (p->state == PEER_LIVE || p->held_pages > 0)
                return false;
        assert(!p->in_ring && !p->head);
        peer_destroy(t, p);
        return true;
}

uint64_t peer_credit(const PeerTable *t, BrokerClass k, uint64_t pool, uint64_t max_frame)
{
        unsigned n = MAX(t->live[k], 1u);

        return MAX(pool / n, max_frame);
}

static void ring_remove(PeerTable *t, Peer *p)
{
        BrokerClass k = p->klass;

        if (!p->in_ring)
                return;
        if (p->ring_prev)
                p->ring_prev->ring_next = p->ring_next;
        else
                t->ring_head[k] = p->ring_next;
        if (p->ring_next)
                p->ring_next->ring_prev = p->ring_prev;
        else
                t->ring_tail[k] = p->ring_prev;
        p->ring_prev = p->ring_next = NULL;
        p->in_ring = false;
}

static void ring_add(PeerTable *t, Peer *p, bool front)
{
        BrokerClass k = p->klass;

        ring_remove(t, p);
        if (front) {
                p->ring_next = t->ring_head[k];
                if (t->ring_head[k])
                        t->ring_head[k]->ring_prev = p;
                else
                        t->ring_tail[k] = p;
                t->ring_head[k] = p;
        } else {
                p->ring_prev = t->ring_tail[k];
                if (t->ring_tail[k])
                        t->ring_tail[k]->ring_next = p;
                else
                        t->ring_head[k] = p;
                t->ring_tail[k] = p;
        }
        p->in_ring = true;
}

void peer_push_back(PeerTable *t, HeldPage *rec)
{
        Peer *p = rec->origin;

        assert(!rec->worker && !rec->prev && !rec->next && p->head != rec);
        rec->prev = p->tail;
        if (p->tail)
                p->tail->next = rec;
        else
                p->head = rec;
        p->tail = rec;
        p->queued_pages++;
        p->queued_bytes += rec->bytes;
        if (!p->in_ring)
                ring_add(t, p, false);
}

void peer_push_front(PeerTable *t, HeldPage *rec)
{
        Peer *p = rec->origin;

        assert(!rec->worker && !rec->prev && !rec->next && p->head != rec);
        rec->next = p->head;
        if (p->head)
                p->head->prev = rec;
        else
                p->tail = rec;
        p->head = rec;
        p->queued_pages++;
        p->queued_bytes += rec->bytes;
        ring_add(t, p, true);
}

void peer_unqueue(PeerTable *t, HeldPage *rec)
{
        Peer *p = rec->origin;

        if (rec->prev)
                rec->prev->next = rec->next;
        else
                p->head = rec->next;
        if (rec->next)
                rec->next->prev = rec->prev;
        else
                p->tail = rec->prev;
        rec->prev = rec->next = NULL;
        p->queued_pages--;
        p->queued_bytes -= rec->bytes;
        if (!p->head)
                ring_remove(t, p);
}

HeldPage *peer_pop_next(PeerTable *t, BrokerClass k)
{
        Peer *p = t->ring_head[k];
        HeldPage *rec;

        if (!p)
                return NULL;
        rec = p->head;
        assert(rec);
        peer_unqueue(t, rec);
        /* Its turn is over: the others go before its next page. */
        if (p->head)
                ring_add(t, p, false);
        return rec;
}

const char *peer_state_to_string(PeerState s)
{
        static const char *const names[_PEER_STATE_MAX] = {
                [PEER_LIVE] = "live",
                [PEER_SILENT] = "silent",
                [PEER_GONE] = "gone",
        };

        if (s < 0 || s >= _PEER_STATE_MAX)
                return "invalid";
        return names[s];
}
