/* A durable note per batch that has spooled pages and no close record yet,
 * in the spool's open/ folder: written (fsync) before the batch's first
 * image is spooled, rewritten with the batch's end and image count when
 * scanning ends, removed once the close record is spooled. A daemon that
 * dies in between leaves the note behind, and the next start says so
 * (openbatch_recover()): a batch whose end is known gets its close record
 * now; one cut off while scanning stays unclosed, said in the log and to
 * the officer. */
#pragma once

#include "scand.h"

/* What a note says. */
typedef struct OpenBatch {
        Uuid uuid;
        char profile[64], dossier[DOSSIER_CODE_MAX];
        unsigned declared_sheets;
        int64_t started_us; /* realtime */
        bool ended;         /* scanning ended: what follows is known */
        char end[32];       /* how (batch_end_to_string) */
        unsigned images, sheets;
} OpenBatch;

/* Note that b is open (its first image is about to be spooled). 0 or
 * negative errno. */
MUST_CHECK int openbatch_begin(Scand *s, const OpenBatch *b);
/* Note b's end (b->ended set, end, images, sheets filled). 0 or negative
 * errno. */
MUST_CHECK int openbatch_end(Scand *s, const OpenBatch *b);
/* The batch's close record is spooled (or it spooled nothing): forget the
 * note. Never fails: a note left behind only spools the same close record
 * again at the next start, which is a harmless repeat. */
void openbatch_forget(Scand *s, const Uuid *batch);

/* At start, once the outbox is open (the spool is this daemon's): open the
 * notes' folder and deal with each note a previous run left, logging a
 * warning for each. 0 or negative errno (the folder cannot be opened). */
MUST_CHECK int openbatch_recover(Scand *s);
