/* sohoa-scand: one capture daemon per scanner station. Reads its settings,
 * opens the outbox (which replays what a previous run spooled) and the
 * control socket, tells systemd it is ready, then loops: signals, control
 * requests, what the outbox's thread counted (tracked.c), the scanner
 * (scanner.c: re-opened with backoff when lost) and its buttons. A batch runs inside the loop, one at a
 * time: the station has one feeder. The first SIGTERM ends a batch after the page in hand and exits; the
 * spool keeps whatever is not yet stored. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "control.h"
#include "events.h"
#include "log.h"
#include "openbatch.h"
#include "scand.h"
#include "scanner.h"
#include "sigfd.h"
#include "spool.h"
#include "tracked.h"

enum {
        ITEM_SIGNAL,
        ITEM_CONTROL,
        ITEM_OUTBOX,
        _ITEM_MAX
};

void scand_check_signals(Scand *s)
{
        int signo;

        while (sigfd_read(s->signal_fd, &signo) == 0) {
                if (signo == SIGHUP)
                        continue; /* nothing to reload: the scanner holds no settings between batches */
                if (s->draining)
                        s->quit = true;
                s->draining = true;
                log_info("signal %d: %s", signo, s->quit ? "quitting" : "stopping after the page in hand");
                (void) sd_notify(0, "STOPPING=1");
        }
}

void scand_notify_status(Scand *s)
{
        OutboxStats st;
        char trouble[128] = "";

        outbox_stats(s->outbox, &st);
        if (st.corrupt || st.read_errors || st.unreadable_pages)
                snprintf(trouble, sizeof(trouble),
                         " (%llu set aside as corrupt, %llu read errors, %llu unreadable)",
                         (unsigned long long) st.corrupt, (unsigned long long) st.read_errors,
                         (unsigned long long) st.unreadable_pages);
        (void) sd_notifyf(0, "STATUS=scanner %s: %s%s%s; spool %llu pages%s; %s; last batch %s (%s)",
                          s->device->name ? s->device->name
                                          : (s->settings->device ? s->settings->device : "?"),
                          device_state_to_string(s->device->state), s->device->last_error[0] ? ", " : "",
                          s->device->last_error, (unsigned long long) st.spool_pages, trouble,
                          st.connected ? "broker connected" : "broker not connected",
                          s->last_batch[0] ? s->last_batch : "none", s->last_end[0] ? s->last_end : "-");
}

static void main_reply_status(Scand *s, int conn)
{
        char buf[CONTROL_MESSAGE_MAX];
        OutboxStats st;

        outbox_stats(s->outbox, &st);
        snprintf(buf, sizeof(buf),
                 "ok\nstation=%s\ndevice=%s\nstate=%s\nerror=%s\nspool_pages=%llu\nspool_bytes=%llu\n"
                 "spool_corrupt=%llu\nspool_read_errors=%llu\nspool_unreadable=%llu\n"
                 "connected=%s\nstored=%llu\nbatches=%llu\nbatches_unsettled=%zu\nlast_batch=%s\nlast_end=%"
                 "s\n",
                 s->settings->station, s->device->name ? s->device->name : "",
                 device_state_to_string(s->device->state), s->device->last_error,
                 (unsigned long long) st.spool_pages, (unsigned long long) st.spool_bytes,
                 (unsigned long long) st.corrupt, (unsigned long long) st.read_errors,
                 (unsigned long long) st.unreadable_pages, st.connected ? "yes" : "no",
                 (unsigned long long) st.stored, (unsigned long long) s->batches, tracked_count(s),
                 s->last_batch, s->last_end);
        control_reply(conn, buf);
}

static void main_on_control(Scand *s)
{
        char buf[CONTROL_MESSAGE_MAX];
        ControlRequest req;
        const Profile *p;
        BatchResult res;
        int conn = -1, r;

        for (;;) {
                r = control_accept(s->control_fd, &conn, &req);
                if (r == -EBADMSG || r == -ETIMEDOUT || r == -ECONNRESET)
                        continue; /* that client's problem, answered or dropped */
                if (r < 0)
                        break;
                if (strcmp(req.command, "status") == 0) {
                        main_reply_status(s, conn);
                } else if (req.station[0] && strcmp(req.station, s->settings->station) != 0) {
                        snprintf(buf, sizeof(buf), "error: this is station %s, not %s\n",
                                 s->settings->station, req.station);
                        control_reply(conn, buf);
                } else if (!(p = settings_profile(s->settings, req.profile[0]
                                                                       ? req.profile
                                                                       : s->settings->default_profile))) {
                        snprintf(buf, sizeof(buf), "error: no profile named %s\n", req.profile);
                        control_reply(conn, buf);
                } else if (scanner_acquire(s) < 0) {
                        snprintf(buf, sizeof(buf), "error: the scanner is not available (%s)\n",
                                 s->device->last_error);
                        control_reply(conn, buf);
                } else {
                        scanner_scan(s, p, req.dossier, req.sheets, "sohoactl scan", &res);
                        snprintf(buf, sizeof(buf),
                                 "ok\nbatch=%s\nimages=%u\nsheets=%u\nend=%s\nsheet=%u\ndetail=%s\n",
                                 res.uuid, res.images, res.sheets, batch_end_to_string(res.end),
                                 res.stop_sheet, res.detail);
                        control_reply(conn, buf);
                }
        }
}

/* What the outbox found in the spool, said once, where it happens: the
 * outbox (a library) tells, the daemon logs. */
static void main_log_spool_event(Scand *s, const OutboxEvent *ev)
{
        const char *dir = s->settings->spool_dir;
        char u[UUID_STRING_MAX];

        uuid_format(&ev->page_uuid, u);
        if (ev->type == OUTBOX_EVENT_CORRUPT && ev->error == 0)
                log_error("spool %s: page %s is damaged (%s): moved to corrupt/, never sent", dir, u,
                          ev->reason && *ev->reason ? ev->reason : "no reason given");
        else if (ev->type == OUTBOX_EVENT_CORRUPT)
                log_error_errno(ev->error,
                                "spool %s: page %s is damaged (%s) and cannot be moved to corrupt/: %m; "
                                "it stays in the spool, unsent, and is moved at the next try",
                                dir, u, ev->reason && *ev->reason ? ev->reason : "no reason given");
        else if (ev->type == OUTBOX_EVENT_READ_ERROR && uuid_is_null(&ev->page_uuid))
                log_warning_errno(ev->error,
                                  "spool %s: cannot list it: %m; pages not listed stay in the spool, "
                                  "listing again later",
                                  dir);
        else if (ev->type == OUTBOX_EVENT_READ_ERROR)
                log_warning_errno(ev->error,
                                  "spool %s: cannot read page %s: %m; it stays in the spool (not "
                                  "moved) and is read again later",
                                  dir, u);
        else if (ev->type == OUTBOX_EVENT_READABLE)
                log_info("spool %s: page %s reads again: sending it", dir, u);
}

/* Runs in the outbox's thread: count the event where the main loop will
 * find it, and wake the loop. An eventfd is a counter: it cannot fill. */
static void main_outbox_event(const OutboxEvent *ev, void *userdata)
{
        Scand *s = userdata;
        uint64_t one = 1;

        main_log_spool_event(s, ev);
        tracked_on_outbox_event(s, ev);
        (void) !write(s->wake_fd, &one, sizeof(one));
}

static void main_on_outbox(Scand *s)
{
        uint64_t n;
        bool changed, connected;

        (void) !read(s->wake_fd, &n, sizeof(n));
        pthread_mutex_lock(&s->lock);
        changed = s->broker_changed;
        connected = s->broker_connected;
        s->broker_changed = false;
        pthread_mutex_unlock(&s->lock);
        if (changed) {
                log_info("broker %s", connected ? "connected" : "silent");
                scand_notify_status(s);
        }
}

static int main_next_timeout(Scand *s)
{
        return (int) MIN(1000, scanner_next_timeout(s, clock_mono_ms()));
}

static int main_loop(Scand *s)
{
        struct pollfd items[_ITEM_MAX] = {
                [ITEM_SIGNAL] = { .fd = s->signal_fd, .events = POLLIN },
                [ITEM_CONTROL] = { .fd = s->control_fd, .events = POLLIN },
                [ITEM_OUTBOX] = { .fd = s->wake_fd, .events = POLLIN },
        };

        while (!s->draining && !s->quit) {
                if (poll(items, _ITEM_MAX, main_next_timeout(s)) < 0 && errno != EINTR)
                        return log_error_errno(-errno, "poll: %m");
                scand_check_signals(s);
                if (s->draining)
                        break;
                if (items[ITEM_OUTBOX].revents)
                        main_on_outbox(s);
                if (items[ITEM_CONTROL].revents)
                        main_on_control(s);
                /* Also on the timeout: close records waiting for room. */
                tracked_settle(s);
                scanner_on_device(s);
                scanner_on_buttons(s);
                scanner_on_probe(s);
                events_reap();
        }
        return 0;
}

static int main_setup(Scand *s, const Settings *set)
{
        OutboxConfig oc = {
                .spool_dir = set->spool_dir,
                .endpoint = set->broker,
                .peer_id = set->station,
                .software = "sohoa-scand " SOHOA_VERSION,
                .role = SOHOA__ROLE__ROLE_STATION,
                .heartbeat_ms = set->heartbeat_ms,
                .resend_ms = set->resend_ms,
                .max_spool_bytes = set->max_spool_bytes,
                .curve_server_key = set->curve_server_key,
                .curve_public_key = set->curve_public_key,
                .curve_secret_key = set->curve_secret_key,
        };
        int r;

        r = sigfd_open(&s->signal_fd);
        if (r < 0)
                return log_error_errno(r, "opening the signal fd: %m");
        s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->wake_fd < 0)
                return log_error_errno(-errno, "eventfd: %m");
        DeviceChoice choice = { .name = set->device,
                                .name_match = set->device_match,
                                .vendor_match = set->device_vendor,
                                .model_match = set->device_model,
                                .serial = set->device_serial,
                                .network = set->network };
        r = device_new(&choice, set->retry_min_ms, set->retry_max_ms, &s->device);
        if (r < 0)
                return log_error_errno(r, "cannot set up the scanner's choice: %m");
        r = outbox_new(&oc, main_outbox_event, s, &s->outbox);
        if (r == -EBUSY) {
                pid_t holder;

                if (spool_holder(set->spool_dir, &holder) == 0)
                        return log_error_errno(r,
                                               "spool %s is in use by process %d (another sohoa-scand or "
                                               "sohoactl import on the same spool): not starting",
                                               set->spool_dir, (int) holder);
                return log_error_errno(r,
                                       "spool %s is in use by another process (another sohoa-scand or "
                                       "sohoactl import on the same spool): not starting",
                                       set->spool_dir);
        }
        if (r < 0)
                return log_error_errno(r, "cannot open the outbox on %s: %m", set->spool_dir);
        r = openbatch_recover(s);
        if (r < 0)
                return log_error_errno(r, "cannot open %s/open/, the notes of open batches: %m",
                                       set->spool_dir);
        r = control_listen(set->control_socket, &s->control_fd);
        if (r < 0)
                return log_error_errno(r, "cannot listen on %s: %m", set->control_socket);
        return 0;
}

int main(int argc, char **argv)
{
        Settings settings = {};
        Scand s = { .settings = &settings,
                    .signal_fd = -1,
                    .control_fd = -1,
                    .wake_fd = -1,
                    .open_fd = -1,
                    .lock = PTHREAD_MUTEX_INITIALIZER };
        OutboxStats st;
        int r;

        r = settings_parse_argv(&settings, argc, argv);
        if (r != 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = main_setup(&s, &settings);
        if (r < 0)
                goto out;
        outbox_stats(s.outbox, &st);
        log_info("sohoa-scand " SOHOA_VERSION
                 ": station %s, scanner %s, broker %s, spool %s (%llu pages replayed), "
                 "control %s",
                 settings.station,
                 settings.device ? settings.device : "(by the device_* keys, else the one with a feeder)",
                 settings.broker, settings.spool_dir, (unsigned long long) st.spool_pages,
                 settings.control_socket);
        scanner_on_device(&s);
        (void) sd_notify(0, "READY=1");
        scand_notify_status(&s);
        r = main_loop(&s);
out:
        s.buttons = buttons_free(s.buttons);
        s.device = device_free(s.device);
        s.outbox = outbox_free(s.outbox);
        if (s.control_fd >= 0) {
                close(s.control_fd);
                (void) unlink(settings.control_socket);
        }
        if (s.wake_fd >= 0)
                close(s.wake_fd);
        if (s.open_fd >= 0)
                close(s.open_fd);
        if (s.signal_fd >= 0)
                close(s.signal_fd);
        free(s.tracked);
        events_reap();
        settings_done(&settings);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
