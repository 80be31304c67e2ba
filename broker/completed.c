/* A ring of fixed-size entries plus a hash map from page UUID to slot: the
 * ring decides who is evicted (the oldest insert), the map answers lookups.
 * Memory is capacity x ~100 bytes, allocated once, and the verdicts some
 * entries keep (completed.h). */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "completed.h"
#include "hashmap.h"

struct CompletedCache {
        CompletedEntry *ring;
        size_t capacity;
        size_t used;
        size_t next;      /* slot the next new entry takes */
        Hashmap *by_uuid; /* uuid -> CompletedEntry* in ring */
};

CompletedCache *completed_new(size_t capacity)
{
        CompletedCache *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->capacity = capacity;
        c->by_uuid = hashmap_new();
        if (!c->by_uuid)
                return completed_free(c);
        if (capacity > 0) {
                c->ring = calloc(capacity, sizeof(*c->ring));
                if (!c->ring)
                        return completed_free(c);
        }
        return c;
}

CompletedCache *completed_free(CompletedCache *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->used; i++)
                free(c->ring[i].verdict);
        hashmap_free(c->by_uuid);
        free(c->ring);
        return mfree(c);
}

void completed_content(const Sohoa__Page *page, CompletedContent *ret)
{
        assert(page->sha256.len == sizeof(ret->sha256));
        *ret = (CompletedContent) { .batch_close = page->batch_close };
        memcpy(ret->sha256, page->sha256.data, sizeof(ret->sha256));
        if (page->batch_close)
                ret->batch_pages = page->batch_pages;
}

bool completed_content_equal(const CompletedContent *a, const CompletedContent *b)
{
        return memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0 && a->batch_close == b->batch_close &&
               a->batch_pages == b->batch_pages;
}

int completed_put(CompletedCache *c, const Uuid *page_uuid, const CompletedContent *content,
                  const Uuid *batch_uuid, Sohoa__ResultStatus status)
{
        CompletedEntry *e;
        int r;

        assert(c && page_uuid && content && batch_uuid);
        if (c->capacity == 0)
                return 0;

        e = hashmap_get(c->by_uuid, page_uuid->b, sizeof(page_uuid->b));
        if (!e) {
                e = &c->ring[c->next];
                /* Only while the map still points here: after a failed put
                 * the slot's old uuid may live on in a newer slot. */
                if (c->used == c->capacity &&
                    hashmap_get(c->by_uuid, e->page_uuid.b, sizeof(e->page_uuid.b)) == e)
                        hashmap_remove(c->by_uuid, e->page_uuid.b, sizeof(e->page_uuid.b));
                r = hashmap_put(c->by_uuid, page_uuid->b, sizeof(page_uuid->b), e, NULL);
                if (r < 0)
                        /* The evicted slot is simply empty now: nothing dangles. */
                        return r;
                if (c->used < c->capacity)
                        c->used++;
                c->next = (c->next + 1) % c->capacity;
        }
        e->page_uuid = *page_uuid;
        e->batch_uuid = *batch_uuid;
        e->content = *content;
        e->status = status;
        /* An evicted page's verdict, or this page's earlier one. */
        e->verdict = mfree(e->verdict);
        e->verdict_len = 0;
        return 0;
}

int completed_set_verdict(CompletedCache *c, const Uuid *page_uuid, const Sohoa__Verdict *verdict)
{
        CompletedEntry *e = hashmap_get(c->by_uuid, page_uuid->b, sizeof(page_uuid->b));
        size_t len;

        if (!e)
                return -ENOENT;
        e->verdict = mfree(e->verdict);
        e->verdict_len = 0;
        if (!verdict)
                return 0;
        len = sohoa__verdict__get_packed_size(verdict);
        e->verdict = malloc(len ? len : 1);
        if (!e->verdict)
                return -ENOMEM;
        e->verdict_len = sohoa__verdict__pack(verdict, e->verdict);
        return 0;
}

Sohoa__Verdict *completed_verdict(const CompletedEntry *e)
{
        if (!e->verdict)
                return NULL;
        return sohoa__verdict__unpack(NULL, e->verdict_len, e->verdict);
}

const CompletedEntry *completed_get(const CompletedCache *c, const Uuid *page_uuid)
{
        return hashmap_get(c->by_uuid, page_uuid->b, sizeof(page_uuid->b));
}

size_t completed_size(const CompletedCache *c)
{
        return hashmap_size(c->by_uuid);
}
