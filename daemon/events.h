/* What the officer is told, at once: every event is logged and, when
 * scand.on_event is set, runs that command (through /bin/sh -c, without
 * waiting for it) with the event in its environment: SOHOA_EVENT,
 * SOHOA_STATION, SOHOA_BATCH, SOHOA_PROFILE, SOHOA_DOSSIER, SOHOA_IMAGES,
 * SOHOA_SHEETS, SOHOA_DECLARED_SHEETS, SOHOA_SHEET, SOHOA_REASON,
 * SOHOA_STORED, SOHOA_FAILED_PAGES, SOHOA_MISSING_SHEETS,
 * SOHOA_EXTRA_SHEETS, SOHOA_MESSAGE_VI,
 * SOHOA_MESSAGE_EN and SOHOA_MESSAGE (both, Vietnamese first). */
#pragma once

#include <stdbool.h>

#include "outbox.h"

typedef enum EventType {
        EVENT_BATCH_STARTED,
        EVENT_BATCH_SCANNED,    /* the feeder emptied: counts known */
        EVENT_BATCH_STORED,     /* every page of the batch stored */
        EVENT_BATCH_INCOMPLETE, /* every page settled, some refused or damaged: they will never be stored */
        EVENT_COUNT_MISMATCH,   /* sheets scanned differ from the declared count */
        EVENT_JAM,
        EVENT_DOUBLE_FEED,
        EVENT_COVER_OPEN,
        EVENT_DEVICE_LOST,
        EVENT_DEVICE_BACK, /* the scanner is open again after it was lost */
        EVENT_SPOOL_FULL,
        EVENT_ERROR,
        EVENT_BATCH_INTERRUPTED, /* found at start: a batch cut off by a daemon stop while scanning */
        _EVENT_TYPE_MAX,
        _EVENT_TYPE_INVALID = -22,
} EventType;

typedef struct Event {
        EventType type;
        const char *station;
        const char *batch; /* UUID string, or NULL */
        const char *profile;
        const char *dossier;
        unsigned images, sheets, declared_sheets;
        unsigned sheet;          /* where the batch stopped (jam, cover open, ...); 0: none */
        unsigned stored, failed; /* pages stored, pages refused or damaged (batch-incomplete, error) */
        const char *reason;      /* machine word: feeder-empty, jam, double-feed-or-jam, io-error, ... */
        const char *detail;      /* free text for the log and the English message */
} Event;

const char *event_type_to_string(EventType t);

/* Log the event and start the hook (command may be NULL). Never fails:
 * a hook that cannot start is logged, and scanning goes on. An event
 * beyond the batch's routine (a jam, a lost device...) is also the
 * station's last event in its heartbeats, through outbox (may be NULL). */
void events_emit(Outbox *outbox, const char *command, const Event *ev);
/* Collect finished hooks (call from the main loop). */
void events_reap(void);
