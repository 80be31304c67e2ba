/* Batches not yet settled (scand.h's Tracked): every page and the close
 * record of a batch end stored, refused or damaged. The outbox's thread
 * counts its events into them under s->lock; the main loop spools close
 * records, retries those that waited for room, and tells the officer
 * batch-stored, or batch-incomplete when a page will never be stored. */
#pragma once

#include "openbatch.h"
#include "scand.h"

/* Track a new batch (main loop). NULL when out of memory. The entry stays
 * where it is until tracked_settle() or tracked_drop(): a batch may keep
 * the pointer while it scans. */
Tracked *tracked_add(Scand *s, const Uuid *batch, const char *profile, const char *dossier,
                     unsigned declared_sheets);
/* t rescans sheets first..last (0: to the end) of batch of (null: not a
 * rescan): its close record says so too. */
void tracked_set_rescan(Scand *s, Tracked *t, const Uuid *of, unsigned first, unsigned last);
/* One more page of t spooled (t may be NULL: not tracked). */
void tracked_page_put(Scand *s, Tracked *t);
/* Forget a batch that spooled no page. */
void tracked_drop(Scand *s, Tracked *t);
/* Scanning of t ended with sheets sheets: spool its close record, or let
 * it wait for room when the spool is full. */
void tracked_close(Scand *s, Tracked *t, unsigned sheets);
/* The close record of a batch that could not be tracked (out of memory). */
void tracked_close_untracked(Scand *s, const Uuid *batch, const char *profile, const char *dossier,
                             unsigned declared_sheets, unsigned images);

/* The close record of a batch a run before a restart ended and did not
 * close (openbatch.c): spooled now, or when there is room; followed until
 * it is settled. */
void tracked_close_recovered(Scand *s, const OpenBatch *b);

/* On the outbox's thread: count a STORED, REJECTED or CORRUPT page, note
 * a broker CONNECTED or DISCONNECTED. A close record moved to corrupt/ is
 * spooled again (tracked_settle()): what it says is known. Takes s->lock;
 * quick. */
void tracked_on_outbox_event(Scand *s, const OutboxEvent *ev);
/* In the main loop: tell of refused pages, tell and forget batches that
 * are settled, and retry waiting close records (at most once a second). */
void tracked_settle(Scand *s);
/* Batches not settled yet. */
size_t tracked_count(Scand *s);
