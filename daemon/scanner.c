/* The scanner's life in the main loop (scanner.h). Everything here runs
 * in the main loop's thread; a batch holds it for as long as it scans. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "options.h"
#include "scanner.h"

void scand_device_lost(Scand *s, int status, const char *what)
{
        Event ev = { .type = EVENT_DEVICE_LOST, .station = s->settings->station, .reason = "device-lost" };
        char detail[200];

        s->buttons = buttons_free(s->buttons);
        snprintf(detail, sizeof(detail), "%s: %s", what, sane_strstatus((SANE_Status) status));
        device_lost(s->device, (SANE_Status) status);
        log_error("scanner lost (%s): closed, retrying in %llu ms", detail,
                  (unsigned long long) device_next_timeout(s->device, clock_mono_ms()));
        ev.detail = detail;
        events_emit(s->outbox, s->settings->on_event, &ev);
        s->device_was_up = false;
        scand_notify_status(s);
}

static void scanner_release(Scand *s)
{
        s->buttons = buttons_free(s->buttons);
        device_release(s->device);
        log_info("scanner %s released until the next batch", s->device->name);
        scand_notify_status(s);
}

/* The device has just been opened: its buttons, and the officer told if it
 * had been lost. */
static void scanner_opened(Scand *s, bool for_batch)
{
        int r;

        r = buttons_new(s->device->handle, s->device->name, s->settings, &s->buttons);
        if (r < 0)
                log_warning_errno(r, "cannot list the scanner's buttons: %m, ignoring");
        if (!for_batch || !s->device_ever_up)
                log_info("scanner %s open (%s), %zu buttons", s->device->name,
                         s->settings->release_between_batches ? "released between batches"
                                                              : "owned by this daemon until it exits",
                         buttons_count(s->buttons));
        if (s->device_ever_up && !s->device_was_up) {
                Event ev = { .type = EVENT_DEVICE_BACK,
                             .station = s->settings->station,
                             .reason = "device-back",
                             .detail = s->device->name };

                log_info("scanner back: %s", s->device->name);
                events_emit(s->outbox, s->settings->on_event, &ev);
        }
        s->device_was_up = s->device_ever_up = true;
        s->next_poll_ms = clock_mono_ms() + s->settings->button_poll_ms;
        s->next_probe_ms = clock_mono_ms() + s->settings->probe_interval_ms;
        if (!for_batch && s->settings->release_between_batches)
                scanner_release(s);
        scand_notify_status(s);
}

void scanner_on_device(Scand *s)
{
        int r;

        if (s->device->handle || s->device->state == DEVICE_RELEASED ||
            device_next_timeout(s->device, clock_mono_ms()) > 0)
                return;
        r = device_open(s->device);
        if (r < 0) {
                log_warning("scanner not available (%s), attempt %u, next in %llu ms", s->device->last_error,
                            s->device->failures,
                            (unsigned long long) device_next_timeout(s->device, clock_mono_ms()));
                scand_notify_status(s);
                return;
        }
        scanner_opened(s, false);
}

int scanner_acquire(Scand *s)
{
        int r;

        if (s->device->handle)
                return 0;
        if (s->device->state != DEVICE_RELEASED)
                return -ENODEV;
        r = device_open(s->device);
        if (r < 0) {
                s->device->state = DEVICE_RELEASED; /* try again at the next batch */
                return r;
        }
        scanner_opened(s, true);
        return 0;
}

void scanner_scan(Scand *s, const Profile *p, const char *dossier, unsigned sheets, const char *trigger,
                  BatchResult *res)
{
        BatchRequest req = { .profile = p,
                             .dossier = dossier && *dossier ? dossier : NULL,
                             .declared_sheets = sheets,
                             .trigger = trigger };

        if (batch_run(s, &req, res) == -EIO)
                scand_device_lost(s, SANE_STATUS_IO_ERROR, "I/O error during a batch");
        else if (s->settings->release_between_batches && s->device->handle)
                scanner_release(s);
        scand_notify_status(s);
}

/* pixma's buttons read 1 from a press until the device is opened again. */
static void scanner_reopen(Scand *s)
{
        int r;

        s->buttons = buttons_free(s->buttons);
        r = device_reopen(s->device);
        if (r < 0) {
                scand_device_lost(s, SANE_STATUS_IO_ERROR, "re-opening after a button press");
                return;
        }
        log_info("scanner %s opened again: its button reads pressed until then", s->device->name);
        r = buttons_new(s->device->handle, s->device->name, s->settings, &s->buttons);
        if (r < 0)
                log_warning_errno(r, "cannot list the scanner's buttons: %m, ignoring");
}

void scanner_on_buttons(Scand *s)
{
        ButtonPress press;
        char trigger[128];
        BatchResult res;
        int r;

        if (!s->device->handle || clock_mono_ms() < s->next_poll_ms)
                return;
        s->next_poll_ms = clock_mono_ms() + s->settings->button_poll_ms;
        r = buttons_poll(s->buttons, &press);
        if (r < 0) {
                scand_device_lost(s, r == -EIO ? SANE_STATUS_IO_ERROR : SANE_STATUS_INVAL,
                                  "reading buttons");
                return;
        }
        if (!press.what[0])
                return;
        if (!press.button) {
                log_info("button \"%s\" pressed: no [button.*] matches it, ignoring", press.what);
                return;
        }
        snprintf(trigger, sizeof(trigger), "button %s", press.what);
        log_info("button \"%s\" pressed: profile %s", press.what, press.button->profile);
        scanner_scan(s, settings_profile(s->settings, press.button->profile), NULL, 0, trigger, &res);
        if (press.reopen && s->device->handle)
                scanner_reopen(s);
}

void scanner_on_probe(Scand *s)
{
        int r;

        if (!s->device->handle || s->settings->probe_interval_ms == 0 || buttons_count(s->buttons) > 0 ||
            clock_mono_ms() < s->next_probe_ms)
                return;
        s->next_probe_ms = clock_mono_ms() + s->settings->probe_interval_ms;
        if (!device_present(s->device)) {
                scand_device_lost(s, SANE_STATUS_IO_ERROR, "idle check: no longer on the USB bus");
                return;
        }
        r = options_read_sensors(s->device->handle);
        if (r < 0)
                scand_device_lost(s, r == -EIO ? SANE_STATUS_IO_ERROR : SANE_STATUS_INVAL, "idle check");
}

uint64_t scanner_next_timeout(Scand *s, uint64_t now)
{
        uint64_t t = UINT64_MAX;

        if (!s->device->handle)
                return device_next_timeout(s->device, now);
        if (buttons_count(s->buttons) > 0)
                t = MIN(t, s->next_poll_ms > now ? s->next_poll_ms - now : 0);
        else if (s->settings->probe_interval_ms)
                t = MIN(t, s->next_probe_ms > now ? s->next_probe_ms - now : 0);
        return t;
}
