/* The completed cache: the last N pages stored (page UUID -> content,
 * batch, status), so that a second RESULT for a page already answered (a
 * worker counted dead that finishes it after all) is not acked twice. It
 * never answers a PAGE: the store may have lost a row since (an
 * administrator deleted it), and only a worker's look-up can tell. A page
 * is known by its content, not its UUID alone: every close record of a
 * batch has one UUID and one (empty) image, and only its count tells them
 * apart. Bounded: the oldest entry makes room for the newest. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sohoa.pb-c.h"
#include "uuid.h"

typedef struct CompletedCache CompletedCache;

/* What makes two PAGEs with one UUID the same page for the store. */
typedef struct CompletedContent {
        uint8_t sha256[32];
        bool batch_close;
        uint32_t batch_pages; /* of a close record; 0 otherwise */
} CompletedContent;

typedef struct CompletedEntry {
        Uuid page_uuid;
        Uuid batch_uuid;
        CompletedContent content;
        Sohoa__ResultStatus status; /* STORED or STORED_FAILED */
        uint8_t *verdict;           /* the RESULT's verdict, packed (1.3, §7.7); NULL: none */
        size_t verdict_len;
} CompletedEntry;

/* The content of a page body (its sha256 must be 32 bytes: msg_page_check()). */
void completed_content(const Sohoa__Page *page, CompletedContent *ret);
/* Whether two contents are the same page for the store. */
bool completed_content_equal(const CompletedContent *a, const CompletedContent *b);

/* capacity 0 gives a cache that remembers nothing. NULL on allocation
 * failure. */
CompletedCache *completed_new(size_t capacity);
CompletedCache *completed_free(CompletedCache *c);

/* Remember (or update) a stored page. 0 or -ENOMEM. */
MUST_CHECK int completed_put(CompletedCache *c, const Uuid *page_uuid, const CompletedContent *content,
                             const Uuid *batch_uuid, Sohoa__ResultStatus status);
/* Keep a copy of the verdict of the RESULT that stored page_uuid (NULL:
 * none) with its entry, for the ACKs the cache answers. It costs its packed
 * size (at most about 2.4 KB) per entry that has one: pages stored after
 * their batch's end was known, a few per batch. 0, -ENOENT (no entry),
 * or -ENOMEM (the entry keeps none). */
MUST_CHECK int completed_set_verdict(CompletedCache *c, const Uuid *page_uuid,
                                     const Sohoa__Verdict *verdict);
/* The entry's verdict unpacked (free with sohoa__verdict__free_unpacked()),
 * or NULL when it has none (or memory is short). */
Sohoa__Verdict *completed_verdict(const CompletedEntry *e);
/* The entry for page_uuid, valid until the next completed_put(); or NULL. */
const CompletedEntry *completed_get(const CompletedCache *c, const Uuid *page_uuid);
size_t completed_size(const CompletedCache *c);
