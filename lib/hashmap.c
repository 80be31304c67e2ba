/* Open addressing with linear probing. Removal leaves a tombstone instead of
 * shifting entries back, so removing the entry just returned by
 * hashmap_iterate() moves nothing and the walk neither skips nor repeats.
 * Tombstones are swept whenever the table is rebuilt on growth. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

#define HASHMAP_MIN_CAP 16
/* Rebuild when live entries plus tombstones pass 70% of the slots; after a
 * rebuild the live entries fill at most half. */
#define HASHMAP_LOAD_NUM 7
#define HASHMAP_LOAD_DEN 10

typedef struct Entry {
        uint64_t hash;
        void *key; /* NULL: empty slot; &tombstone: removed */
        size_t klen;
        void *value;
} Entry;

struct Hashmap {
        Entry *slots;
        size_t cap;  /* a power of two */
        size_t size; /* live entries */
        size_t tombs;
};

static char tombstone;
#define TOMBSTONE ((void *) &tombstone)

static bool entry_live(const Entry *e)
{
        return e->key && e->key != TOMBSTONE;
}

/* FNV-1a, then a 64-bit finalizer (from MurmurHash3) so the low bits used
 * for the slot index depend on every input byte. */
static uint64_t hash_bytes(const void *key, size_t klen)
{
        const uint8_t *p = key;
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < klen; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        return h;
}

Hashmap *hashmap_new(void)
{
        Hashmap *h = calloc(1, sizeof(*h));

        if (!h)
                return NULL;
        h->slots = calloc(HASHMAP_MIN_CAP, sizeof(Entry));
        if (!h->slots)
                return mfree(h);
        h->cap = HASHMAP_MIN_CAP;
        return h;
}

Hashmap *hashmap_free(Hashmap *h)
{
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->cap; i++)
                if (entry_live(&h->slots[i]))
                        free(h->slots[i].key);
        free(h->slots);
        return mfree(h);
}

/* Index of the live entry for key, or of the slot where it would go (the
 * first tombstone on the way, else the empty slot ending the probe). */
static size_t hashmap_find(const Hashmap *h, uint64_t hash, const void *key, size_t klen, bool *ret_found)
{
        size_t mask = h->cap - 1, i = hash & mask, insert = SIZE_MAX;

        for (;; i = (i + 1) & mask) {
                const Entry *e = &h->slots[i];

                if (!e->key) {
                        *ret_found = false;
                        return insert != SIZE_MAX ? insert : i;
                }
                if (e->key == TOMBSTONE) {
                        if (insert == SIZE_MAX)
                                insert = i;
                        continue;
                }
                if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0) {
                        *ret_found = true;
                        return i;
                }
        }
}

/* Rebuild into a table where the live entries fill at most half the slots;
 * the same size when tombstones alone crowded the old one. */
static int hashmap_rebuild(Hashmap *h)
{
        size_t cap = HASHMAP_MIN_CAP;
        Entry *slots;

        while (cap / 2 < h->size + 1)
                cap *= 2;
        slots = calloc(cap, sizeof(Entry));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < h->cap; i++) {
                const Entry *e = &h->slots[i];
                size_t j;

                if (!entry_live(e))
                        continue;
                for (j = e->hash & (cap - 1); slots[j].key; j = (j + 1) & (cap - 1))
                        ;
                slots[j] = *e;
        }
        free(h->slots);
        h->slots = slots;
        h->cap = cap;
        h->tombs = 0;
        return 0;
}

int hashmap_put(Hashmap *h, const void *key, size_t klen, void *value, void **ret_old)
{
        uint64_t hash = hash_bytes(key, klen);
        bool found;
        size_t i;
        void *copy;

        i = hashmap_find(h, hash, key, klen, &found);
        if (found) {
                if (ret_old)
                        *ret_old = h->slots[i].value;
                h->slots[i].value = value;
                return 0;
        }

        if ((h->size + h->tombs + 1) * HASHMAP_LOAD_DEN > h->cap * HASHMAP_LOAD_NUM) {
                int r = hashmap_rebuild(h);

                if (r < 0)
                        return r;
                i = hashmap_find(h, hash, key, klen, &found);
        }

        /* malloc(0) may return NULL; a zero-length key still needs a
         * non-NULL pointer to mark the slot as used. */
        copy = malloc(klen > 0 ? klen : 1);
        if (!copy)
                return -ENOMEM;
        if (klen > 0)
                memcpy(copy, key, klen);

        if (h->slots[i].key == TOMBSTONE)
                h->tombs--;
        h->slots[i] = (Entry) { .hash = hash, .key = copy, .klen = klen, .value = value };
        h->size++;
        if (ret_old)
                *ret_old = NULL;
        return 0;
}

void *hashmap_get(const Hashmap *h, const void *key, size_t klen)
{
        bool found;
        size_t i;

        if (!h || h->size == 0)
                return NULL;
        i = hashmap_find(h, hash_bytes(key, klen), key, klen, &found);
        return found ? h->slots[i].value : NULL;
}

void *hashmap_remove(Hashmap *h, const void *key, size_t klen)
{
        bool found;
        size_t i;
        void *value;

        if (!h || h->size == 0)
                return NULL;
        i = hashmap_find(h, hash_bytes(key, klen), key, klen, &found);
        if (!found)
                return NULL;
        value = h->slots[i].value;
        free(h->slots[i].key);
        h->slots[i] = (Entry) { .key = TOMBSTONE };
        h->size--;
        h->tombs++;
        return value;
}

size_t hashmap_size(const Hashmap *h)
{
        return h ? h->size : 0;
}

bool hashmap_iterate(const Hashmap *h, size_t *state, const void **ret_key, size_t *ret_klen,
                     void **ret_value)
{
        if (!h)
                return false;
        for (size_t i = *state; i < h->cap; i++) {
                const Entry *e = &h->slots[i];

                if (!entry_live(e))
                        continue;
                *state = i + 1;
                if (ret_key)
                        *ret_key = e->key;
                if (ret_klen)
                        *ret_klen = e->klen;
                if (ret_value)
                        *ret_value = e->value;
                return true;
        }
        *state = h->cap;
        return false;
}
