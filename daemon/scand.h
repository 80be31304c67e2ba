/* The map of sohoa-scand. One Scand holds the settings, the scanner
 * (device.c, its options in options.c, its buttons in buttons.c), the
 * outbox (lib/outbox, the only sender), the control socket (control.c)
 * and the batches whose pages are not all stored yet. main.c runs the
 * loop; batch.c scans the feeder, encode.c makes each image a TIFF,
 * events.c tells the officer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buttons.h"
#include "device.h"
#include "outbox.h"
#include "settings.h"
#include "uuid.h"

/* A batch some of whose pages, or its close record, may still await
 * STORED. */
typedef struct Tracked {
        Uuid uuid;
        unsigned put, stored;
        bool closed;          /* scanning ended: put is final */
        Uuid close_uuid;      /* of its batch-close record (batch.c) */
        bool close_pending;   /* the close record is still to be spooled (the spool was full) */
        bool close_waiting;   /* the close record is spooled, not yet stored */
        char profile[64], dossier[64];
        unsigned sheets, declared_sheets;
} Tracked;

typedef struct Scand {
        const Settings *settings;
        Device *device;
        Buttons *buttons;      /* NULL while the device is absent */
        Outbox *outbox;
        int signal_fd;
        int control_fd;
        int outbox_pipe[2];    /* outbox thread -> main loop: OutboxEvent records */
        bool draining;         /* first SIGTERM: end the batch after the page in hand, then exit */
        bool quit;
        bool device_was_up;    /* to say "lost" once and "back" once */
        uint64_t next_poll_ms;
        Tracked *tracked;
        size_t n_tracked;
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
