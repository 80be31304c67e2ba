/* The scanner, owned by the daemon: its SANE handle stays open from one
 * batch to the next (unless the station releases it between batches for
 * saned or an eSCL server), so that buttons can be polled. It is chosen
 * as scanbd lets an administrator choose: by exact SANE name, or by a
 * match on name, vendor, model or serial number; never by the order in
 * which stations started. A lost device (unplugged, powered off, an I/O
 * error) is closed and looked for again with backoff, each attempt after
 * a fresh sane_init() that makes the backends enumerate the bus again, so
 * that a power-cycled USB scanner is found under its new libusb:BBB:DDD
 * name; its state is what `sohoactl scan --status` and sd_notify show. */
#pragma once

#include <regex.h>
#include <sane/sane.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "optsave.h"

/* Newer statuses that sane.h keeps under "#if 0": backends send them all
 * the same (a lamp warming up, a transport lock). */
#ifndef SANE_STATUS_WARMING_UP
#define SANE_STATUS_WARMING_UP ((SANE_Status) 12)
#endif
#ifndef SANE_STATUS_HW_LOCKED
#define SANE_STATUS_HW_LOCKED ((SANE_Status) 13)
#endif

typedef enum DeviceState {
        DEVICE_ABSENT, /* never opened yet, or lost: retry at next_try_ms */
        DEVICE_READY,  /* open, idle, buttons polled */
        DEVICE_SCANNING,
        DEVICE_RELEASED, /* closed between batches for other programs (release_between_batches) */
        _DEVICE_STATE_MAX,
        _DEVICE_STATE_INVALID = -22,
} DeviceState;

/* Which scanner is the station's. Every field may be NULL/false. */
typedef struct DeviceChoice {
        const char *name;       /* exact SANE name */
        const char *name_match; /* regexes over the name, vendor and model SANE lists */
        const char *vendor_match;
        const char *model_match;
        const char *serial; /* serial number: USB sysfs for libusb:BBB:DDD names, or a part of the name */
        bool network;       /* list network devices too */
} DeviceChoice;

/* What stays the same across power cycles: once a scanner was opened the
 * daemon re-opens only that one, whatever its name is now. */
typedef struct DeviceIdentity {
        char vendor[64], model[64], serial[64];
        bool pinned;
} DeviceIdentity;

typedef struct Device {
        DeviceChoice choice; /* strings owned */
        regex_t name_rx, vendor_rx, model_rx;
        bool has_name_rx, has_vendor_rx, has_model_rx;
        char *name; /* the one open now (or last open, while released) */
        DeviceIdentity identity;
        SANE_Handle handle;
        OptSave *saved; /* options as they were at open, for the next batch (with the handle) */
        DeviceState state;
        uint64_t retry_min_ms, retry_max_ms, retry_ms, next_try_ms;
        unsigned failures; /* opens failed in a row */
        bool sane_up;
        char last_error[256];
} Device;

/* Nothing is opened yet. Caller frees with device_free(). -EINVAL when a
 * regex does not compile. */
MUST_CHECK int device_new(const DeviceChoice *choice, uint64_t retry_min_ms, uint64_t retry_max_ms,
                          Device **ret);
Device *device_free(Device *d);

/* Find and open the scanner now. 0 when open; a negative errno (and the
 * reason in last_error, the next try scheduled) when not: -ENODEV none
 * matches, -ENOTUNIQ several match and none may be guessed, -EBUSY it is
 * held by another program, or SANE's error. */
MUST_CHECK int device_open(Device *d);
/* Give up the handle after an I/O error or a vanished device, and schedule
 * a retry with backoff. status is what SANE said. */
void device_lost(Device *d, SANE_Status status);
/* Close the handle between batches (release_between_batches); the next
 * device_open() finds the same scanner again. */
void device_release(Device *d);
/* Close and open the same device again at once (a button whose value
 * sticks until then). 0, or a negative errno with the handle closed (the
 * caller treats the device as lost). */
MUST_CHECK int device_reopen(Device *d);
/* Is the open scanner still there? Asks sysfs for a USB scanner named by
 * its bus address; true when nothing can be asked. */
bool device_present(const Device *d);
/* Milliseconds until the next open attempt is due (0: now); UINT64_MAX when
 * the device is open. */
uint64_t device_next_timeout(const Device *d, uint64_t now_ms);

const char *device_state_to_string(DeviceState s);
/* SANE_Status as a negative errno, for the house convention. */
int device_errno(SANE_Status st);
