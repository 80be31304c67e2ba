/* The scanner, owned exclusively: the daemon keeps its SANE handle open
 * from start to exit, so no other frontend (scanbd, a desktop scan tool)
 * can take it between batches. A lost device (unplugged, powered off, an
 * I/O error) is closed and opened again with exponential backoff; its
 * state is what `sohoactl scan`'s status and sd_notify STATUS show. */
#pragma once

#include <sane/sane.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* Newer statuses that sane.h keeps under "#if 0": backends send them all
 * the same (a lamp warming up, a transport lock). */
#ifndef SANE_STATUS_WARMING_UP
#define SANE_STATUS_WARMING_UP ((SANE_Status) 12)
#endif
#ifndef SANE_STATUS_HW_LOCKED
#define SANE_STATUS_HW_LOCKED ((SANE_Status) 13)
#endif

typedef enum DeviceState {
        DEVICE_ABSENT,   /* never opened yet, or lost: retry at next_try_ms */
        DEVICE_READY,    /* open, idle, buttons polled */
        DEVICE_SCANNING,
        _DEVICE_STATE_MAX,
        _DEVICE_STATE_INVALID = -22,
} DeviceState;

typedef struct Device {
        char *want;          /* configured SANE name; NULL: the first with a feeder */
        char *name;          /* the one open now */
        SANE_Handle handle;
        DeviceState state;
        uint64_t retry_min_ms, retry_max_ms, retry_ms, next_try_ms;
        unsigned failures;   /* opens failed in a row */
        bool sane_up;
        char last_error[160];
} Device;

/* want may be NULL. Does not open yet. Caller frees with device_free(). */
MUST_CHECK int device_new(const char *want, uint64_t retry_min_ms, uint64_t retry_max_ms, Device **ret);
Device *device_free(Device *d);

/* Try to open the scanner now. 0 when open; a negative errno (and the
 * reason in last_error, the next try scheduled) when not. */
MUST_CHECK int device_open(Device *d);
/* Give up the handle after an I/O error or a vanished device, and schedule
 * a retry with backoff. status is what SANE said. */
void device_lost(Device *d, SANE_Status status);
/* Milliseconds until the next open attempt is due (0: now); UINT64_MAX when
 * the device is open. */
uint64_t device_next_timeout(const Device *d, uint64_t now_ms);

const char *device_state_to_string(DeviceState s);
/* SANE_Status as a negative errno, for the house convention. */
int device_errno(SANE_Status st);
