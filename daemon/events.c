/* Events: one log line, and the operator's hook with the event in its
 * environment. Messages are short enough for a speech synthesizer or a
 * desktop notification, in Vietnamese first, then English. The hook runs
 * in the background: a slow speaker must not stop the feeder. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "log.h"
#include "macro.h"

static const char *const event_names[_EVENT_TYPE_MAX] = {
        [EVENT_BATCH_STARTED] = "batch-started",
        [EVENT_BATCH_SCANNED] = "batch-scanned",
        [EVENT_BATCH_STORED] = "batch-stored",
        [EVENT_BATCH_INCOMPLETE] = "batch-incomplete",
        [EVENT_COUNT_MISMATCH] = "count-mismatch",
        [EVENT_JAM] = "jam",
        [EVENT_DOUBLE_FEED] = "double-feed",
        [EVENT_COVER_OPEN] = "cover-open",
        [EVENT_DEVICE_LOST] = "device-lost",
        [EVENT_DEVICE_BACK] = "device-back",
        [EVENT_SPOOL_FULL] = "spool-full",
        [EVENT_ERROR] = "error",
        [EVENT_BATCH_INTERRUPTED] = "batch-interrupted",
};

const char *event_type_to_string(EventType t)
{
        return t >= 0 && t < _EVENT_TYPE_MAX ? event_names[t] : "?";
}

/* "3" or "3-5": the sheets between declared and scanned. */
static void sheet_range(unsigned from, unsigned to, char *buf, size_t size)
{
        if (from == to)
                snprintf(buf, size, "%u", from);
        else
                snprintf(buf, size, "%u-%u", from, to);
}

static void messages(const Event *ev, const char *missing, const char *extra, char *vi, char *en,
                     size_t size)
{
        switch (ev->type) {
        case EVENT_BATCH_STARTED:
                snprintf(vi, size, "Bắt đầu quét.");
                snprintf(en, size, "Scanning started.");
                break;
        case EVENT_BATCH_SCANNED:
                snprintf(vi, size, "Đã quét xong %u tờ, %u trang.", ev->sheets, ev->images);
                snprintf(en, size, "Scanned %u sheets, %u pages.", ev->sheets, ev->images);
                break;
        case EVENT_BATCH_STORED:
                snprintf(vi, size, "Đã lưu đủ %u trang.", ev->images);
                snprintf(en, size, "All %u pages stored.", ev->images);
                break;
        case EVENT_BATCH_INCOMPLETE:
                snprintf(vi, size, "Chỉ lưu được %u trên %u trang: %u trang bị từ chối. Cần quét lại lô.",
                         ev->stored, ev->images, ev->failed);
                snprintf(en, size, "Only %u of %u pages stored: %u refused. Scan the batch again.",
                         ev->stored, ev->images, ev->failed);
                break;
        case EVENT_COUNT_MISMATCH:
                if (*missing) {
                        snprintf(vi, size, "Thiếu tờ %s: đã quét %u tờ, khai báo %u tờ.", missing,
                                 ev->sheets, ev->declared_sheets);
                        snprintf(en, size, "Missing sheets %s: scanned %u sheets, declared %u.", missing,
                                 ev->sheets, ev->declared_sheets);
                } else {
                        snprintf(vi, size, "Thừa tờ %s: đã quét %u tờ, khai báo %u tờ.", extra, ev->sheets,
                                 ev->declared_sheets);
                        snprintf(en, size, "Extra sheets %s: scanned %u sheets, declared %u.", extra,
                                 ev->sheets, ev->declared_sheets);
                }
                break;
        case EVENT_JAM:
                snprintf(vi, size, "Kẹt giấy ở tờ %u. Đã giữ %u trang.", ev->sheet, ev->images);
                snprintf(en, size, "Paper jam at sheet %u. %u pages kept.", ev->sheet, ev->images);
                break;
        case EVENT_DOUBLE_FEED:
                /* Some backends say a double feed as they say a jam or an
                 * I/O error: the officer checks for both. */
                if (ev->reason && strcmp(ev->reason, "double-feed-or-jam") == 0) {
                        snprintf(vi, size, "Kéo hai tờ một lúc hoặc kẹt giấy ở tờ %u. Đã giữ %u trang.",
                                 ev->sheet, ev->images);
                        snprintf(en, size, "Double feed or jam at sheet %u. %u pages kept.", ev->sheet,
                                 ev->images);
                } else if (ev->reason && strcmp(ev->reason, "double-feed-or-error") == 0) {
                        snprintf(vi, size, "Kéo hai tờ một lúc hoặc lỗi máy quét ở tờ %u. Đã giữ %u trang.",
                                 ev->sheet, ev->images);
                        snprintf(en, size, "Double feed or scanner error at sheet %u. %u pages kept.",
                                 ev->sheet, ev->images);
                } else {
                        snprintf(vi, size, "Kéo hai tờ một lúc ở tờ %u. Đã giữ %u trang.", ev->sheet,
                                 ev->images);
                        snprintf(en, size, "Double feed at sheet %u. %u pages kept.", ev->sheet, ev->images);
                }
                break;
        case EVENT_COVER_OPEN:
                snprintf(vi, size, "Nắp máy quét đang mở (tờ %u).", ev->sheet);
                snprintf(en, size, "Scanner cover open (sheet %u).", ev->sheet);
                break;
        case EVENT_DEVICE_LOST:
                snprintf(vi, size, "Mất kết nối máy quét.");
                snprintf(en, size, "Scanner lost: %s.", ev->detail ? ev->detail : "no answer");
                break;
        case EVENT_DEVICE_BACK:
                snprintf(vi, size, "Máy quét đã kết nối lại.");
                snprintf(en, size, "Scanner back: %s.", ev->detail ? ev->detail : "open again");
                break;
        case EVENT_SPOOL_FULL:
                snprintf(vi, size, "Đĩa đầy: dừng quét ở tờ %u. Đã giữ %u trang.", ev->sheet, ev->images);
                snprintf(en, size, "Disk full: scanning stopped at sheet %u. %u pages kept.", ev->sheet,
                         ev->images);
                break;
        case EVENT_BATCH_INTERRUPTED:
                snprintf(vi, size,
                         "Lô quét trước bị gián đoạn khi trạm dừng. Các trang đã quét được giữ; "
                         "cần quét lại hồ sơ.");
                snprintf(en, size,
                         "An earlier batch was cut off when the station stopped. Its scanned pages "
                         "are kept; scan the dossier again.");
                break;
        default:
                snprintf(vi, size, "Lỗi máy quét (tờ %u).", ev->sheet);
                snprintf(en, size, "Scanner error at sheet %u: %s.", ev->sheet,
                         ev->detail ? ev->detail : "?");
                break;
        }
}

/* The environment of the hook: ours, with the event's variables after it
 * (the later entry wins for getenv in sh). Built before the spawn: the
 * daemon has threads, so nothing may allocate between fork and exec. */
typedef struct Env {
        char *vars[80];
        size_t n;
        char strings[4096];
        size_t used;
} Env;

static void env_add(Env *e, const char *name, const char *value)
{
        int n;

        if (e->n + 1 >= ELEMENTSOF(e->vars))
                return;
        n = snprintf(e->strings + e->used, sizeof(e->strings) - e->used, "%s=%s", name, value ? value : "");
        if (n < 0 || (size_t) n >= sizeof(e->strings) - e->used)
                return;
        e->vars[e->n++] = e->strings + e->used;
        e->used += (size_t) n + 1;
}

static void env_add_u(Env *e, const char *name, unsigned v)
{
        char buf[16];

        snprintf(buf, sizeof(buf), "%u", v);
        env_add(e, name, buf);
}

static char **env_build(Env *e, const Event *ev, const char *missing, const char *extra, const char *vi,
                        const char *en)
{
        extern char **environ;
        char both[1100];

        env_add(e, "SOHOA_EVENT", event_type_to_string(ev->type));
        env_add(e, "SOHOA_STATION", ev->station);
        env_add(e, "SOHOA_BATCH", ev->batch);
        env_add(e, "SOHOA_PROFILE", ev->profile);
        env_add(e, "SOHOA_DOSSIER", ev->dossier);
        env_add_u(e, "SOHOA_IMAGES", ev->images);
        env_add_u(e, "SOHOA_SHEETS", ev->sheets);
        env_add_u(e, "SOHOA_DECLARED_SHEETS", ev->declared_sheets);
        env_add_u(e, "SOHOA_SHEET", ev->sheet);
        env_add_u(e, "SOHOA_STORED", ev->stored);
        env_add_u(e, "SOHOA_FAILED_PAGES", ev->failed);
        env_add(e, "SOHOA_REASON", ev->reason);
        env_add(e, "SOHOA_MISSING_SHEETS", missing);
        env_add(e, "SOHOA_EXTRA_SHEETS", extra);
        env_add(e, "SOHOA_MESSAGE_VI", vi);
        env_add(e, "SOHOA_MESSAGE_EN", en);
        snprintf(both, sizeof(both), "%s / %s", vi, en);
        env_add(e, "SOHOA_MESSAGE", both);
        for (char **p = environ; p && *p && e->n + 1 < ELEMENTSOF(e->vars); p++)
                if (strncmp(*p, "SOHOA_", 6) != 0 || strncmp(*p, "SOHOA_LOG", 9) == 0)
                        e->vars[e->n++] = *p;
        e->vars[e->n] = NULL;
        return e->vars;
}

void events_emit(Outbox *outbox, const char *command, const Event *ev)
{
        char missing[32] = "", extra[32] = "", vi[512], en[512];
        char *argv[] = { (char *) "sh", (char *) "-c", (char *) command, NULL };
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        Env env = {};
        pid_t pid;
        int r;

        if (ev->type == EVENT_COUNT_MISMATCH && ev->sheets < ev->declared_sheets)
                sheet_range(ev->sheets + 1, ev->declared_sheets, missing, sizeof(missing));
        else if (ev->type == EVENT_COUNT_MISMATCH)
                sheet_range(ev->declared_sheets + 1, ev->sheets, extra, sizeof(extra));
        messages(ev, missing, extra, vi, en, sizeof(vi));
        log_internal(ev->type <= EVENT_BATCH_STORED || ev->type == EVENT_DEVICE_BACK ? LOG_INFO
                                                                                     : LOG_WARNING,
                     0, "event %s: batch %s, %u images, %u sheets%s%s: %s", event_type_to_string(ev->type),
                     ev->batch ? ev->batch : "-", ev->images, ev->sheets, ev->reason ? ", reason " : "",
                     ev->reason ? ev->reason : "", en);
        if (outbox && ev->type > EVENT_BATCH_STORED)
                outbox_set_event(outbox, event_type_to_string(ev->type));
        if (!command)
                return;
        env_build(&env, ev, missing, extra, vi, en);
        /* The daemon blocks its signals for the signalfd; the hook must get
         * them the ordinary way. */
        sigemptyset(&none);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &none);
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGPIPE);
        posix_spawnattr_setsigdefault(&attr, &dfl);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        r = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, env.vars);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                log_warning_errno(-r, "cannot start the on_event hook: %m, ignoring");
}

void events_reap(void)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        log_warning("on_event hook (pid %d) failed with status %d, ignoring", (int) pid,
                                    status);
}
