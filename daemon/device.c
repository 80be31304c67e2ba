/* Finding, opening and re-opening the station's scanner through libsane.
 * Without a configured name, the first device whose "source" option
 * offers a document feeder is chosen: a flatbed-only device on the same
 * host (a webcam backend, a network scanner) is never picked by accident. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sane/saneopts.h>

#include "clock.h"
#include "device.h"
#include "options.h"

static const char *const state_names[_DEVICE_STATE_MAX] = {
        [DEVICE_ABSENT] = "absent",
        [DEVICE_READY] = "ready",
        [DEVICE_SCANNING] = "scanning",
};

const char *device_state_to_string(DeviceState s)
{
        return s >= 0 && s < _DEVICE_STATE_MAX ? state_names[s] : "?";
}

int device_errno(SANE_Status st)
{
        switch ((int) st) {
        case SANE_STATUS_GOOD: return 0;
        case SANE_STATUS_UNSUPPORTED: return -EOPNOTSUPP;
        case SANE_STATUS_CANCELLED: return -ECANCELED;
        case SANE_STATUS_DEVICE_BUSY: return -EBUSY;
        case SANE_STATUS_INVAL: return -EINVAL;
        case SANE_STATUS_EOF: return -ENODATA;
        case SANE_STATUS_JAMMED: return -EPIPE;
        case SANE_STATUS_NO_DOCS: return -ENOMEDIUM;
        case SANE_STATUS_COVER_OPEN: return -EROFS;
        case SANE_STATUS_NO_MEM: return -ENOMEM;
        case SANE_STATUS_ACCESS_DENIED: return -EACCES;
        case SANE_STATUS_WARMING_UP: return -EAGAIN;
        case SANE_STATUS_HW_LOCKED: return -ENOLCK;
        default: return -EIO;
        }
}

int device_new(const char *want, uint64_t retry_min_ms, uint64_t retry_max_ms, Device **ret)
{
        Device *d = calloc(1, sizeof(Device));

        if (!d)
                return -ENOMEM;
        if (want && !(d->want = strdup(want))) {
                free(d);
                return -ENOMEM;
        }
        d->retry_min_ms = retry_min_ms;
        d->retry_max_ms = retry_max_ms;
        d->retry_ms = retry_min_ms;
        *ret = d;
        return 0;
}

static void device_close(Device *d)
{
        if (d->handle) {
                sane_cancel(d->handle);
                sane_close(d->handle);
                d->handle = NULL;
        }
        d->name = mfree(d->name);
        d->state = DEVICE_ABSENT;
}

Device *device_free(Device *d)
{
        if (!d)
                return NULL;
        device_close(d);
        if (d->sane_up)
                sane_exit();
        free(d->want);
        free(d);
        return NULL;
}

/* Open one device by name; on success it becomes ours. */
static SANE_Status device_try(Device *d, const char *name)
{
        SANE_Status st = sane_open(name, &d->handle);

        if (st != SANE_STATUS_GOOD) {
                d->handle = NULL;
                return st;
        }
        d->name = strdup(name);
        if (!d->name) {
                sane_close(d->handle);
                d->handle = NULL;
                return SANE_STATUS_NO_MEM;
        }
        return SANE_STATUS_GOOD;
}

/* The first device that offers a feeder. */
static SANE_Status device_find(Device *d)
{
        const SANE_Device **list = NULL;
        SANE_Status st = sane_get_devices(&list, SANE_TRUE);

        if (st != SANE_STATUS_GOOD)
                return st;
        for (size_t i = 0; list && list[i]; i++) {
                if (device_try(d, list[i]->name) != SANE_STATUS_GOOD)
                        continue;
                if (options_has_feeder(d->handle))
                        return SANE_STATUS_GOOD;
                device_close(d);
        }
        return SANE_STATUS_INVAL;
}

static void device_schedule(Device *d, const char *what, SANE_Status st)
{
        snprintf(d->last_error, sizeof(d->last_error), "%s: %s", what, sane_strstatus(st));
        d->failures++;
        d->next_try_ms = clock_mono_ms() + d->retry_ms;
        d->retry_ms = MIN(d->retry_ms * 2, d->retry_max_ms);
}

int device_open(Device *d)
{
        SANE_Int version;
        SANE_Status st;

        if (d->handle)
                return 0;
        /* A fresh sane_init() makes backends scan the bus again: a scanner
         * plugged back in is only found that way. */
        if (!d->sane_up) {
                st = sane_init(&version, NULL);
                if (st != SANE_STATUS_GOOD) {
                        device_schedule(d, "sane_init", st);
                        return device_errno(st);
                }
                d->sane_up = true;
        }
        st = d->want ? device_try(d, d->want) : device_find(d);
        if (st != SANE_STATUS_GOOD) {
                device_schedule(d, d->want ? d->want : "no scanner with a document feeder", st);
                if (!d->want)
                        snprintf(d->last_error, sizeof(d->last_error), "no scanner with a document feeder found");
                sane_exit();
                d->sane_up = false;
                return st == SANE_STATUS_INVAL ? -ENODEV : device_errno(st);
        }
        d->state = DEVICE_READY;
        d->failures = 0;
        d->retry_ms = d->retry_min_ms;
        d->last_error[0] = '\0';
        return 0;
}

void device_lost(Device *d, SANE_Status status)
{
        device_close(d);
        if (d->sane_up) {
                sane_exit();
                d->sane_up = false;
        }
        snprintf(d->last_error, sizeof(d->last_error), "lost: %s", sane_strstatus(status));
        d->next_try_ms = clock_mono_ms() + d->retry_ms;
        d->retry_ms = MIN(d->retry_ms * 2, d->retry_max_ms);
}

uint64_t device_next_timeout(const Device *d, uint64_t now_ms)
{
        if (d->handle)
                return UINT64_MAX;
        return d->next_try_ms > now_ms ? d->next_try_ms - now_ms : 0;
}
