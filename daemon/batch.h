/* One batch: sane_start per image until the feeder is empty. Each image is
 * encoded, hashed and put into the outbox (spooled, fsync) as soon as it is
 * scanned, with the batch's UUID, its sequence, sheet and side. Whatever
 * ends the batch (empty feeder, jam, double feed, cover open, I/O error,
 * full spool, a stop), the images already scanned are delivered, a
 * batch-close record with the image count follows them through the same
 * outbox (the store's verdict needs it), and sane_cancel() is called. */
#pragma once

#include "control.h"
#include "scand.h"

typedef enum BatchEnd {
        BATCH_END_EMPTY, /* the feeder emptied: the normal end */
        BATCH_END_JAM,
        BATCH_END_DOUBLE_FEED,
        BATCH_END_COVER_OPEN,
        BATCH_END_IO_ERROR,
        BATCH_END_SPOOL_FULL,
        BATCH_END_STOPPED,      /* SIGTERM */
        BATCH_END_PARTIAL,      /* the feeder said empty in the middle of an image: it was not kept */
        BATCH_END_BACK_MISSING, /* duplex: the feeder said empty where a sheet's back was due */
        BATCH_END_ERROR,        /* anything else (options refused, out of memory, ...) */
        _BATCH_END_MAX,
        _BATCH_END_INVALID = -22,
} BatchEnd;

typedef struct BatchRequest {
        const Profile *profile;
        const char *dossier;      /* NULL: none */
        unsigned declared_sheets; /* 0: not declared */
        const char *trigger;      /* "button scan", "sohoactl": for the log */
} BatchRequest;

typedef struct BatchResult {
        char uuid[UUID_STRING_MAX];
        unsigned images, sheets;
        BatchEnd end;
        unsigned stop_sheet; /* the sheet where a jam etc. stopped it, the first to scan again
                              * (1 when nothing was scanned); 0 at a normal end */
        char detail[200];    /* at any other end than feeder-empty: ends "rescan from sheet N" */
        const char *reason;  /* for the officer's event: batch_end_to_string(end), or what a double
                              * feed may also be on this backend ("double-feed-or-jam") */
} BatchResult;

const char *batch_end_to_string(BatchEnd e);

/* Scan until the batch ends. Always fills *ret; returns 0, or a negative
 * errno when the device must be considered lost (I/O error; not the I/O
 * error by which epsonds tells of a double feed). */
int batch_run(Scand *s, const BatchRequest *req, BatchResult *ret);
