/* The completed cache: the last N pages stored (page UUID -> SHA-256, batch,
 * status), so a page sent again after a lost ACK is answered at once without
 * a worker, and a second RESULT for a page already answered is not acked
 * twice. Bounded: the oldest entry makes room for the newest. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sohoa.pb-c.h"
#include "uuid.h"

typedef struct CompletedCache CompletedCache;

typedef struct CompletedEntry {
        Uuid page_uuid;
        Uuid batch_uuid;
        uint8_t sha256[32];
        Sohoa__ResultStatus status; /* STORED or STORED_FAILED */
} CompletedEntry;

/* capacity 0 gives a cache that remembers nothing. NULL on allocation
 * failure. */
CompletedCache *completed_new(size_t capacity);
CompletedCache *completed_free(CompletedCache *c);

/* Remember (or update) a stored page. 0 or -ENOMEM. */
MUST_CHECK int completed_put(CompletedCache *c, const Uuid *page_uuid, const uint8_t sha256[32],
                             const Uuid *batch_uuid, Sohoa__ResultStatus status);
/* The entry for page_uuid, valid until the next completed_put(); or NULL. */
const CompletedEntry *completed_get(const CompletedCache *c, const Uuid *page_uuid);
size_t completed_size(const CompletedCache *c);
