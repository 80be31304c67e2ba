/* Stage histograms: kept by the worker peer, restated in its heartbeats,
 * kept by the broker as last stated. */
#include <stdio.h>
#include <string.h>

#include "stagehist.h"

const uint32_t stagehist_bounds_ms[STAGEHIST_BOUNDS] = { 10,   50,   100,   250,   500,  1000,
                                                         2500, 5000, 10000, 30000, 60000 };

void stagehist_add(StageHist *hs, size_t *n, const char *name, uint64_t usec)
{
        StageHist *h = NULL;

        for (size_t i = 0; i < *n && !h; i++)
                if (strcmp(hs[i].name, name) == 0)
                        h = &hs[i];
        if (!h) {
                if (*n >= STAGEHIST_MAX)
                        return;
                h = &hs[(*n)++];
                memset(h, 0, sizeof(*h));
                snprintf(h->name, sizeof(h->name), "%s", name);
        }
        h->count++;
        h->sum_us += usec;
        for (size_t b = 0; b < STAGEHIST_BOUNDS; b++)
                if (usec <= (uint64_t) stagehist_bounds_ms[b] * 1000)
                        h->buckets[b]++;
}

size_t stagehist_from_pb(StageHist *hs, Sohoa__StageHistogram *const *pb, size_t n_pb)
{
        size_t n = 0;

        for (size_t i = 0; i < n_pb && n < STAGEHIST_MAX; i++) {
                StageHist *h = &hs[n++];

                memset(h, 0, sizeof(*h));
                snprintf(h->name, sizeof(h->name), "%s", pb[i]->stage ? pb[i]->stage : "");
                h->count = pb[i]->count;
                h->sum_us = pb[i]->sum_us;
                for (size_t b = 0; b < STAGEHIST_BOUNDS && b < pb[i]->n_buckets; b++)
                        h->buckets[b] = pb[i]->buckets[b];
        }
        return n;
}

void stagehist_to_pb(const StageHist *hs, size_t n, Sohoa__StageHistogram *pb, Sohoa__StageHistogram **ptrs)
{
        for (size_t i = 0; i < n; i++) {
                sohoa__stage_histogram__init(&pb[i]);
                pb[i].stage = (char *) hs[i].name;
                pb[i].count = hs[i].count;
                pb[i].sum_us = hs[i].sum_us;
                pb[i].buckets = (uint64_t *) hs[i].buckets;
                pb[i].n_buckets = STAGEHIST_BOUNDS;
                ptrs[i] = &pb[i];
        }
}
