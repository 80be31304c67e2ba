/* An open-addressing hash map from byte-string keys (copied in) to pointers
 * (not owned). Used for page UUIDs, peer ids and routing ids. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct Hashmap Hashmap;

/* NULL on allocation failure. */
Hashmap *hashmap_new(void);
/* Frees the map and its key copies, not the values. Accepts NULL; returns NULL. */
Hashmap *hashmap_free(Hashmap *h);
/* Insert or replace. 0, or -ENOMEM. A replaced value is returned through
 * ret_old when that is not NULL (NULL if the key was new). */
MUST_CHECK int hashmap_put(Hashmap *h, const void *key, size_t klen, void *value, void **ret_old);
void *hashmap_get(const Hashmap *h, const void *key, size_t klen);
/* Remove and return the value, NULL if absent. */
void *hashmap_remove(Hashmap *h, const void *key, size_t klen);
size_t hashmap_size(const Hashmap *h);
/* Iterate: start with *state = 0; true while an entry is returned. The map
 * must not be changed while iterating, except by hashmap_remove() of the
 * entry just returned. Any ret_ may be NULL. */
bool hashmap_iterate(const Hashmap *h, size_t *state, const void **ret_key, size_t *ret_klen,
                     void **ret_value);
