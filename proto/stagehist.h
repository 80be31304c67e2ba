/* (1.3) A worker's time per pipeline stage, as its heartbeats state it
 * (Heartbeat.stages, PROTOCOL.md §4.3): per stage, pages timed, their total
 * time, and cumulative counts at fixed bounds, which the broker exposes as
 * the Prometheus histogram sohoa_stage_seconds. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sohoa.pb-c.h"

#define STAGEHIST_MAX 8       /* stages a worker states */
#define STAGEHIST_NAME_MAX 15 /* bytes of a stage's name */
#define STAGEHIST_BOUNDS 11

/* The bounds of the buckets, in milliseconds. */
extern const uint32_t stagehist_bounds_ms[STAGEHIST_BOUNDS];

typedef struct StageHist {
        char name[STAGEHIST_NAME_MAX + 1];
        uint64_t count, sum_us;
        uint64_t buckets[STAGEHIST_BOUNDS]; /* cumulative: at or under each bound */
} StageHist;

/* One page's time in stage name, into hs[0..*n) (a new entry when the
 * name is new and there is room; else nothing). */
void stagehist_add(StageHist *hs, size_t *n, const char *name, uint64_t usec);
/* What a heartbeat stated into hs (up to STAGEHIST_MAX; names cut, buckets
 * past the bounds ignored, missing ones 0). Returns how many. */
size_t stagehist_from_pb(StageHist *hs, Sohoa__StageHistogram *const *pb, size_t n_pb);
/* hs[0..n) into pb[] and ptrs[] for a heartbeat; pb borrows hs's memory. */
void stagehist_to_pb(const StageHist *hs, size_t n, Sohoa__StageHistogram *pb, Sohoa__StageHistogram **ptrs);
