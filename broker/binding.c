/* The id and routing-id maps of one endpoint, and the rule that keeps an id
 * with a live connection. Past liveness the holder is as good as gone: a
 * restarted process gets its id back within liveness even when its old
 * connection never closed. */
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "hashmap.h"

struct BindingTable {
        Hashmap *by_id;  /* id -> Binding */
        Hashmap *by_rid; /* routing id -> Binding */
};

BindingTable *binding_table_new(void)
{
        BindingTable *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->by_id = hashmap_new();
        t->by_rid = hashmap_new();
        if (!t->by_id || !t->by_rid)
                return binding_table_free(t);
        return t;
}

BindingTable *binding_table_free(BindingTable *t)
{
        if (!t)
                return NULL;
        hashmap_free(t->by_id);
        hashmap_free(t->by_rid);
        return mfree(t);
}

int binding_add(BindingTable *t, Binding *b, const char *id, void *owner)
{
        int r;

        b->id = strdup(id);
        if (!b->id)
                return -ENOMEM;
        b->owner = owner;
        b->rid_len = 0;
        r = hashmap_put(t->by_id, b->id, strlen(b->id), b, NULL);
        if (r < 0)
                b->id = mfree(b->id);
        return r;
}

void binding_unroute(BindingTable *t, Binding *b)
{
        if (b->rid_len > 0 && hashmap_get(t->by_rid, b->rid, b->rid_len) == b)
                hashmap_remove(t->by_rid, b->rid, b->rid_len);
        b->rid_len = 0;
}

void binding_remove(BindingTable *t, Binding *b)
{
        binding_unroute(t, b);
        hashmap_remove(t->by_id, b->id, strlen(b->id));
        b->id = mfree(b->id);
}

int binding_route(BindingTable *t, Binding *b, const uint8_t *rid, size_t rid_len)
{
        int r;

        binding_unroute(t, b);
        r = hashmap_put(t->by_rid, rid, rid_len, b, NULL);
        if (r < 0)
                return r;
        memcpy(b->rid, rid, rid_len);
        b->rid_len = rid_len;
        return 0;
}

void *binding_by_id(const BindingTable *t, const char *id)
{
        Binding *b = hashmap_get(t->by_id, id, strlen(id));

        return b ? b->owner : NULL;
}

void *binding_by_rid(const BindingTable *t, const uint8_t *rid, size_t rid_len)
{
        Binding *b;

        if (rid_len == 0)
                return NULL;
        b = hashmap_get(t->by_rid, rid, rid_len);
        return b ? b->owner : NULL;
}

bool binding_iterate(const BindingTable *t, size_t *state, void **ret_owner)
{
        void *v;

        if (!hashmap_iterate(t->by_id, state, NULL, NULL, &v))
                return false;
        *ret_owner = ((Binding *) v)->owner;
        return true;
}

size_t binding_count(const BindingTable *t)
{
        return hashmap_size(t->by_id);
}

bool binding_held(const Binding *holder, bool live, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms)
{
        if (!live || holder->rid_len == 0)
                return false;
        if (holder->rid_len == rid_len && memcmp(holder->rid, rid, rid_len) == 0)
                return false;
        return now_ms <= holder->last_seen_ms || now_ms - holder->last_seen_ms <= live_ms;
}
