/* The map of sohoa-scand. One Scand holds the settings, the scanner
 * (device.c, looked after by scanner.c; its options in options.c, its
 * buttons in buttons.c, what is known of its backend in backends.c), the
 * outbox (session/outbox, the only sender), the control socket (control.c)
 * and the batches whose pages are not all stored yet. main.c runs the
 * loop; batch.c scans the feeder, encode.c makes each image a TIFF,
 * tracked.c follows each batch until it is settled in the store,
 * openbatch.c notes it durably until its close record is spooled,
 * dossier.c checks dossier codes, events.c tells the officer. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buttons.h"
#include "device.h"
#include "dossier.h"
#include "outbox.h"
#include "settings.h"
#include "uuid.h"

/* A batch some of whose pages, or its close record, are not yet settled
 * (stored, refused by the store or found damaged in the spool). The
 * outbox's thread counts into stored, failed, close_waiting and
 * close_failed; everything else is the main loop's. */
typedef struct Tracked {
        Uuid uuid;
        unsigned put;         /* pages spooled */
        unsigned stored;      /* pages reported STORED */
        unsigned failed;      /* pages reported REJECTED or CORRUPT: they will never be stored */
        unsigned failed_told; /* failed pages the officer was told of */
        bool closed;          /* scanning ended: put is final */
        Uuid close_uuid;      /* of its batch-close record (batch.c) */
        bool close_pending;   /* the close record is still to be spooled (the spool was full) */
        bool close_waiting;   /* the close record is spooled, not yet settled */
        bool close_failed;    /* the close record was refused or damaged */
        bool recovered;       /* left by a run before a restart (openbatch.c): only its close record is
                               * followed here, its pages were not counted by this run */
        char profile[64], dossier[DOSSIER_CODE_MAX];
        unsigned sheets, declared_sheets;
} Tracked;

typedef struct Scand {
        const Settings *settings;
        Device *device;
        Buttons *buttons; /* NULL while the device is absent */
        Outbox *outbox;
        int signal_fd;
        int control_fd;
        int wake_fd;   /* eventfd: the outbox's thread counted something */
        int open_fd;   /* the spool's open/ folder: notes of open batches (openbatch.c) */
        bool draining; /* first SIGTERM: end the batch after the page in hand, then exit */
        bool quit;
        bool device_was_up;  /* to say "lost" once and "back" once */
        bool device_ever_up; /* opened at least once: a later open is "back" */
        uint64_t next_poll_ms;
        uint64_t next_probe_ms; /* idle liveness probe of a scanner without buttons */
        uint64_t next_close_retry_ms;
        /* Shared with the outbox's thread, which counts its events here
         * rather than queueing them: a batch holds the main loop for as
         * long as the feeder runs, and no queue of events may fill. */
        pthread_mutex_t lock;
        Tracked *tracked; /* realloc'ed by the main loop only, under lock */
        size_t n_tracked;
        unsigned untracked_failed; /* refused or damaged pages of batches not tracked (earlier runs) */
        bool broker_changed, broker_connected;
        uint64_t batches;
        char last_batch[UUID_STRING_MAX];
        char last_end[32];
} Scand;

/* Read pending signals and set draining/quit. Also called between images. */
void scand_check_signals(Scand *s);
/* The device answered with an error that means it is gone. */
void scand_device_lost(Scand *s, int status, const char *what);
/* sd_notify STATUS= with the device state, spool and last batch. */
void scand_notify_status(Scand *s);
