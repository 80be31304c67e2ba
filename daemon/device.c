/* Choosing, opening and re-opening the station's scanner through libsane.
 * The candidates are what sane_get_devices() lists (network devices only
 * when asked: sane-airscan lists none with local_only). A scanner is
 * chosen by its exact name, or as the only one that the device_* keys
 * match; with no key at all, as the only one whose source option offers a
 * document feeder, so that a flatbed or a webcam is never taken by
 * accident and two unconfigured stations on one host refuse to guess
 * rather than take each other's scanner by start order. Once opened, its
 * identity (vendor, model, serial) is pinned for the daemon's life. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sane/saneopts.h>

#include "clock.h"
#include "device.h"
#include "options.h"
#include "usbid.h"

static const char *const state_names[_DEVICE_STATE_MAX] = {
        [DEVICE_ABSENT] = "absent",
        [DEVICE_READY] = "ready",
        [DEVICE_SCANNING] = "scanning",
        [DEVICE_RELEASED] = "released",
};

/* One device as sane_get_devices() listed it, copied: the list is the
 * backend's and changes at its next call. */
typedef struct Candidate {
        char name[256], vendor[64], model[64], serial[64];
} Candidate;

const char *device_state_to_string(DeviceState s)
{
        return s >= 0 && s < _DEVICE_STATE_MAX ? state_names[s] : "?";
}

int device_errno(SANE_Status st)
{
        switch ((int) st) {
        case SANE_STATUS_GOOD:
                return 0;
        case SANE_STATUS_UNSUPPORTED:
                return -EOPNOTSUPP;
        case SANE_STATUS_CANCELLED:
                return -ECANCELED;
        case SANE_STATUS_DEVICE_BUSY:
                return -EBUSY;
        case SANE_STATUS_INVAL:
                return -EINVAL;
        case SANE_STATUS_EOF:
                return -ENODATA;
        case SANE_STATUS_JAMMED:
                return -EPIPE;
        case SANE_STATUS_NO_DOCS:
                return -ENOMEDIUM;
        case SANE_STATUS_COVER_OPEN:
                return -EROFS;
        case SANE_STATUS_NO_MEM:
                return -ENOMEM;
        case SANE_STATUS_ACCESS_DENIED:
                return -EACCES;
        case SANE_STATUS_WARMING_UP:
                return -EAGAIN;
        case SANE_STATUS_HW_LOCKED:
                return -ENOLCK;
        default:
                return -EIO;
        }
}

static int compile(const char *pattern, regex_t *rx, bool *ret_has)
{
        *ret_has = false;
        if (!pattern)
                return 0;
        if (regcomp(rx, pattern, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
                return -EINVAL;
        *ret_has = true;
        return 0;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

Device *device_free(Device *d)
{
        if (!d)
                return NULL;
        if (d->handle) {
                sane_cancel(d->handle);
                sane_close(d->handle);
        }
        d->saved = optsave_free(d->saved);
        if (d->sane_up)
                sane_exit();
        if (d->has_name_rx)
                regfree(&d->name_rx);
        if (d->has_vendor_rx)
                regfree(&d->vendor_rx);
        if (d->has_model_rx)
                regfree(&d->model_rx);
        free((char *) d->choice.name);
        free((char *) d->choice.name_match);
        free((char *) d->choice.vendor_match);
        free((char *) d->choice.model_match);
        free((char *) d->choice.serial);
        free(d->name);
        free(d);
        return NULL;
}

int device_new(const DeviceChoice *choice, uint64_t retry_min_ms, uint64_t retry_max_ms, Device **ret)
{
        Device *d = calloc(1, sizeof(Device));
        int r;

        if (!d)
                return -ENOMEM;
        d->choice = (DeviceChoice) {
                .name = dup_or_null(choice->name),
                .name_match = dup_or_null(choice->name_match),
                .vendor_match = dup_or_null(choice->vendor_match),
                .model_match = dup_or_null(choice->model_match),
                .serial = dup_or_null(choice->serial),
                .network = choice->network,
        };
        if ((choice->name && !d->choice.name) || (choice->name_match && !d->choice.name_match) ||
            (choice->vendor_match && !d->choice.vendor_match) ||
            (choice->model_match && !d->choice.model_match) || (choice->serial && !d->choice.serial)) {
                device_free(d);
                return -ENOMEM;
        }
        r = compile(choice->name_match, &d->name_rx, &d->has_name_rx);
        if (r == 0)
                r = compile(choice->vendor_match, &d->vendor_rx, &d->has_vendor_rx);
        if (r == 0)
                r = compile(choice->model_match, &d->model_rx, &d->has_model_rx);
        if (r < 0) {
                device_free(d);
                return r;
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
        d->saved = optsave_free(d->saved);
        d->state = DEVICE_ABSENT;
}

/* Is part one of the ':' or '_' separated parts of name? A backend that
 * knows the serial puts it in the name: "fujitsu:fi-7160:123456",
 * "pixma:04A9176D_123456". */
static bool name_has_part(const char *name, const char *part)
{
        size_t n = strlen(part);

        for (const char *p = name; n && p && *p; p = strpbrk(p, ":_"), p = p ? p + 1 : NULL)
                if (strncasecmp(p, part, n) == 0 && (p[n] == '\0' || p[n] == ':' || p[n] == '_'))
                        return true;
        return false;
}

static bool serial_is(const Candidate *c, const char *serial)
{
        return (c->serial[0] && strcasecmp(c->serial, serial) == 0) || name_has_part(c->name, serial);
}

static bool rx_match(bool has, const regex_t *rx, const char *s)
{
        return !has || regexec(rx, s, 0, NULL, 0) == 0;
}

/* Does c answer the device_* keys and, once pinned, the identity? */
static bool device_wants(const Device *d, const Candidate *c)
{
        const DeviceIdentity *id = &d->identity;

        if (!rx_match(d->has_name_rx, &d->name_rx, c->name) ||
            !rx_match(d->has_vendor_rx, &d->vendor_rx, c->vendor) ||
            !rx_match(d->has_model_rx, &d->model_rx, c->model))
                return false;
        if (d->choice.serial && !serial_is(c, d->choice.serial))
                return false;
        if (!id->pinned)
                return true;
        if (id->serial[0])
                return serial_is(c, id->serial);
        return strcmp(id->vendor, c->vendor) == 0 && strcmp(id->model, c->model) == 0;
}

static bool device_chosen_by_keys(const Device *d)
{
        return d->has_name_rx || d->has_vendor_rx || d->has_model_rx || d->choice.serial ||
               d->identity.pinned;
}

/* What sane_get_devices() lists now, with each USB device's serial. */
static size_t device_list(const Device *d, Candidate *out, size_t max)
{
        const SANE_Device **list = NULL;
        size_t n = 0;
        UsbId u;

        if (sane_get_devices(&list, d->choice.network ? SANE_FALSE : SANE_TRUE) != SANE_STATUS_GOOD)
                return 0;
        for (size_t i = 0; list && list[i] && n < max; i++) {
                Candidate *c = &out[n++];

                *c = (Candidate) {};
                snprintf(c->name, sizeof(c->name), "%s", list[i]->name ? list[i]->name : "");
                snprintf(c->vendor, sizeof(c->vendor), "%s", list[i]->vendor ? list[i]->vendor : "");
                snprintf(c->model, sizeof(c->model), "%s", list[i]->model ? list[i]->model : "");
                if (usbid_of_name(c->name, &u) == 0)
                        snprintf(c->serial, sizeof(c->serial), "%s", u.serial);
        }
        return n;
}

/* Open one device by name; on success it becomes ours. */
static SANE_Status device_try(Device *d, const char *name)
{
        SANE_Status st = sane_open(name, &d->handle);
        char *copy;

        if (st != SANE_STATUS_GOOD) {
                d->handle = NULL;
                return st;
        }
        copy = strdup(name);
        if (!copy || optsave_new(&d->saved) < 0) {
                free(copy);
                sane_close(d->handle);
                d->handle = NULL;
                return SANE_STATUS_NO_MEM;
        }
        free(d->name);
        d->name = copy;
        return SANE_STATUS_GOOD;
}

/* The first open pins what the scanner is, from its listing (c may be NULL
 * when the exact name was not listed) and from sysfs. */
static void device_pin(Device *d, const Candidate *c)
{
        DeviceIdentity *id = &d->identity;
        UsbId u;

        if (id->pinned)
                return;
        if (c) {
                snprintf(id->vendor, sizeof(id->vendor), "%s", c->vendor);
                snprintf(id->model, sizeof(id->model), "%s", c->model);
                snprintf(id->serial, sizeof(id->serial), "%s", c->serial);
        }
        if (!id->serial[0] && usbid_of_name(d->name, &u) == 0)
                snprintf(id->serial, sizeof(id->serial), "%s", u.serial);
        if (!id->serial[0] && d->choice.serial && name_has_part(d->name, d->choice.serial))
                snprintf(id->serial, sizeof(id->serial), "%s", d->choice.serial);
        id->pinned = true;
}

/* "a, b, c" of the candidates' names, for the operator. */
static void names_of(const Candidate *c, const size_t *idx, size_t n, char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && used < size; i++)
                used += (size_t) snprintf(buf + used, size - used, "%s%s", i ? ", " : "", c[idx[i]].name);
}

/* Without any device_* key: the one device that offers a feeder. */
static int device_find_feeder(Device *d, const Candidate *c, size_t n)
{
        size_t feeders[16], nf = 0;
        char names[160];

        for (size_t i = 0; i < n && nf < ELEMENTSOF(feeders); i++) {
                if (device_try(d, c[i].name) != SANE_STATUS_GOOD)
                        continue; /* another station's, or not a scanner we may use */
                if (options_has_feeder(d->handle))
                        feeders[nf++] = i;
                device_close(d);
        }
        if (nf == 0) {
                snprintf(d->last_error, sizeof(d->last_error), "no scanner with a document feeder found");
                return -ENODEV;
        }
        if (nf > 1) {
                names_of(c, feeders, nf, names, sizeof(names));
                snprintf(d->last_error, sizeof(d->last_error),
                         "%zu scanners with a feeder (%s): choose one with device, device_serial or "
                         "device_match",
                         nf, names);
                return -ENOTUNIQ;
        }
        if (device_try(d, c[feeders[0]].name) != SANE_STATUS_GOOD) {
                snprintf(d->last_error, sizeof(d->last_error), "%.160s: could not be opened again",
                         c[feeders[0]].name);
                return -EIO;
        }
        device_pin(d, &c[feeders[0]]);
        return 0;
}

/* By the device_* keys and the pinned identity: exactly one must match. */
static int device_find(Device *d, const Candidate *c, size_t n)
{
        size_t match[16], nm = 0;
        char names[160];
        SANE_Status st;

        if (!device_chosen_by_keys(d))
                return device_find_feeder(d, c, n);
        for (size_t i = 0; i < n && nm < ELEMENTSOF(match); i++)
                if (device_wants(d, &c[i]))
                        match[nm++] = i;
        if (nm == 0) {
                snprintf(d->last_error, sizeof(d->last_error), "%s (%zu other scanner%s seen)",
                         d->identity.pinned ? "the station's scanner is not there" : "no scanner matches", n,
                         n == 1 ? "" : "s");
                return -ENODEV;
        }
        if (nm > 1) {
                names_of(c, match, nm, names, sizeof(names));
                snprintf(d->last_error, sizeof(d->last_error),
                         "%zu scanners match (%s): narrow the choice with device_serial", nm, names);
                return -ENOTUNIQ;
        }
        st = device_try(d, c[match[0]].name);
        if (st != SANE_STATUS_GOOD) {
                snprintf(d->last_error, sizeof(d->last_error), "%.160s: %s%s", c[match[0]].name,
                         sane_strstatus(st),
                         st == SANE_STATUS_DEVICE_BUSY ? " (held by another program or station)" : "");
                return device_errno(st);
        }
        device_pin(d, &c[match[0]]);
        return 0;
}

static void device_schedule(Device *d)
{
        d->failures++;
        d->next_try_ms = clock_mono_ms() + d->retry_ms;
        d->retry_ms = MIN(d->retry_ms * 2, d->retry_max_ms);
}

/* The configured exact name; when it has gone (a power cycle renamed the
 * scanner), or another scanner has taken it (two power-cycled scanners
 * that swapped USB addresses), the pinned identity finds the station's own
 * under its new name. */
static int device_find_named(Device *d, const Candidate *c, size_t n)
{
        const DeviceIdentity *id = &d->identity;
        SANE_Status st = device_try(d, d->choice.name);

        if (st == SANE_STATUS_GOOD) {
                const Candidate *listed = NULL;
                UsbId u;
                int r = usbid_of_name(d->choice.name, &u);

                for (size_t i = 0; i < n && !listed; i++)
                        if (strcmp(c[i].name, d->choice.name) == 0)
                                listed = &c[i];
                /* Taken unless sysfs says another serial is there, or none
                 * (a device still appearing); a name that is no USB
                 * address, or no sysfs at all, cannot be told. */
                if (!id->pinned || !id->serial[0] || (r < 0 && r != -ENOENT) ||
                    (r == 0 && strcasecmp(u.serial, id->serial) == 0)) {
                        device_pin(d, listed);
                        return 0;
                }
                device_close(d); /* the name is another scanner's now */
        }
        if (id->pinned && (id->serial[0] || id->vendor[0]))
                return device_find(d, c, n);
        snprintf(d->last_error, sizeof(d->last_error), "%.160s: %s", d->choice.name, sane_strstatus(st));
        return device_errno(st);
}

int device_open(Device *d)
{
        Candidate c[16];
        SANE_Int version;
        SANE_Status st;
        size_t n;
        int r;

        if (d->handle)
                return 0;
        /* A fresh sane_init() makes backends scan the bus again: a scanner
         * plugged back in (under a new USB address) is only found that way. */
        if (!d->sane_up) {
                st = sane_init(&version, NULL);
                if (st != SANE_STATUS_GOOD) {
                        snprintf(d->last_error, sizeof(d->last_error), "sane_init: %s", sane_strstatus(st));
                        device_schedule(d);
                        return device_errno(st);
                }
                d->sane_up = true;
        }
        n = device_list(d, c, ELEMENTSOF(c));
        r = d->choice.name ? device_find_named(d, c, n) : device_find(d, c, n);
        if (r < 0) {
                device_schedule(d);
                sane_exit();
                d->sane_up = false;
                return r;
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

void device_release(Device *d)
{
        device_close(d);
        if (d->sane_up) {
                sane_exit();
                d->sane_up = false;
        }
        d->state = DEVICE_RELEASED;
        d->next_try_ms = 0;
}

int device_reopen(Device *d)
{
        SANE_Status st;
        char *name = d->name ? strdup(d->name) : NULL;

        if (!name)
                return -ENOMEM;
        device_close(d);
        st = device_try(d, name);
        free(name);
        if (st != SANE_STATUS_GOOD) {
                snprintf(d->last_error, sizeof(d->last_error), "re-opening: %s", sane_strstatus(st));
                return device_errno(st);
        }
        d->state = DEVICE_READY;
        return 0;
}

bool device_present(const Device *d)
{
        UsbId u;
        int r;

        if (!d->handle)
                return false;
        r = usbid_of_name(d->name, &u);
        if (r == -ENOENT)
                return false;
        /* Another device at the old address after a quick replug. */
        if (r == 0 && d->identity.serial[0] && strcmp(u.serial, d->identity.serial) != 0)
                return false;
        return true;
}

uint64_t device_next_timeout(const Device *d, uint64_t now_ms)
{
        if (d->handle || d->state == DEVICE_RELEASED)
                return UINT64_MAX;
        return d->next_try_ms > now_ms ? d->next_try_ms - now_ms : 0;
}
