/* Notes of open batches (see openbatch.h). A note is a few key=value lines
 * named after its batch, written whole to a temporary name, fsync'ed and
 * renamed into place, so that a note is either old or new after any
 * crash, never half. What the next start can know: a note with an end has
 * its image count, which is all a close record says, so the record is
 * spooled then; a note without one belongs to a batch cut off while
 * scanning, whose image in hand may be lost, so no count can be vouched
 * for: no close record, the batch stays unclosed and the officer is told
 * to rescan it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "openbatch.h"
#include "tracked.h"

#define OPENBATCH_DIR "open"
#define OPENBATCH_NOTE_MAX 1024

static int openbatch_write(Scand *s, const OpenBatch *b)
{
        char name[UUID_STRING_MAX], tmp[UUID_STRING_MAX + 8], note[OPENBATCH_NOTE_MAX];
        int fd, n, r = 0;

        if (s->open_fd < 0)
                return -EBADF;
        uuid_format(&b->uuid, name);
        snprintf(tmp, sizeof(tmp), "%s.tmp", name);
        n = snprintf(note, sizeof(note),
                     "batch=%s\nprofile=%s\ndossier=%s\ndeclared_sheets=%u\nstarted_us=%" PRId64 "\n", name,
                     b->profile, b->dossier, b->declared_sheets, b->started_us);
        if (b->ended)
                n += snprintf(note + n, sizeof(note) - (size_t) n, "end=%s\nimages=%u\nsheets=%u\n", b->end,
                              b->images, b->sheets);
        fd = openat(s->open_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0)
                return -errno;
        if (write(fd, note, (size_t) n) != n)
                r = errno ? -errno : -EIO;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(s->open_fd, tmp, s->open_fd, name) < 0)
                r = -errno;
        if (r == 0 && fsync(s->open_fd) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(s->open_fd, tmp, 0);
        return r;
}

int openbatch_begin(Scand *s, const OpenBatch *b)
{
        return openbatch_write(s, b);
}

int openbatch_end(Scand *s, const OpenBatch *b)
{
        return openbatch_write(s, b);
}

void openbatch_forget(Scand *s, const Uuid *batch)
{
        char name[UUID_STRING_MAX];

        if (s->open_fd >= 0)
                (void) unlinkat(s->open_fd, uuid_format(batch, name), 0);
}

/* One line's value into buf, when the line is key=value. */
static bool openbatch_field(const char *line, const char *key, char *buf, size_t size)
{
        size_t k = strlen(key);

        if (strncmp(line, key, k) != 0 || line[k] != '=')
                return false;
        snprintf(buf, size, "%s", line + k + 1);
        return true;
}

static int openbatch_parse(char *text, OpenBatch *ret)
{
        OpenBatch b = {};
        char v[128];
        bool have_uuid = false;

        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                if (openbatch_field(line, "batch", v, sizeof(v)))
                        have_uuid = uuid_parse(v, &b.uuid) == 0;
                else if (openbatch_field(line, "profile", b.profile, sizeof(b.profile)))
                        continue;
                else if (openbatch_field(line, "dossier", b.dossier, sizeof(b.dossier))) {
                        if (!dossier_valid(b.dossier))
                                b.dossier[0] = '\0';
                } else if (openbatch_field(line, "declared_sheets", v, sizeof(v)))
                        b.declared_sheets = (unsigned) strtoul(v, NULL, 10);
                else if (openbatch_field(line, "started_us", v, sizeof(v)))
                        b.started_us = strtoll(v, NULL, 10);
                else if (openbatch_field(line, "end", b.end, sizeof(b.end)))
                        b.ended = true;
                else if (openbatch_field(line, "images", v, sizeof(v)))
                        b.images = (unsigned) strtoul(v, NULL, 10);
                else if (openbatch_field(line, "sheets", v, sizeof(v)))
                        b.sheets = (unsigned) strtoul(v, NULL, 10);
        }
        if (!have_uuid || (b.ended && b.images == 0))
                return -EBADMSG;
        *ret = b;
        return 0;
}

static int openbatch_read(Scand *s, const char *name, OpenBatch *ret)
{
        char text[OPENBATCH_NOTE_MAX + 1];
        ssize_t n;
        int fd;

        fd = openat(s->open_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = read(fd, text, sizeof(text) - 1);
        close(fd);
        if (n < 0)
                return -errno;
        text[n] = '\0';
        return openbatch_parse(text, ret);
}

/* A batch cut off while scanning: said, and left unclosed. */
static void openbatch_cut_off(Scand *s, const OpenBatch *b, const char *u)
{
        char when[64] = "?", detail[200];
        time_t t = (time_t) (b->started_us / 1000000);
        struct tm tm;
        Event ev = { .type = EVENT_BATCH_INTERRUPTED,
                     .station = s->settings->station,
                     .batch = u,
                     .profile = b->profile,
                     .dossier = b->dossier,
                     .declared_sheets = b->declared_sheets,
                     .reason = "cut-off",
                     .detail = detail };

        if (b->started_us > 0 && localtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
        log_warning(
                "batch %s (profile %s, dossier %s, started %s) was cut off: the daemon stopped while "
                "scanning it (killed or crashed). Its spooled pages are delivered, but its end is unknown "
                "(the image in hand may be lost), so no close record is sent: the batch stays unclosed "
                "in the store. Rescan the dossier.",
                u, *b->profile ? b->profile : "?", *b->dossier ? b->dossier : "-", when);
        snprintf(detail, sizeof(detail), "batch started %s was cut off by a daemon stop; rescan it", when);
        events_emit(s->outbox, s->settings->on_event, &ev);
        openbatch_forget(s, &b->uuid);
}

static void openbatch_one(Scand *s, const char *name)
{
        char u[UUID_STRING_MAX];
        OpenBatch b;
        int r;

        r = openbatch_read(s, name, &b);
        if (r == -EBADMSG) {
                log_warning("spool %s: note %s/%s of an open batch does not parse: removed, nothing to do",
                            s->settings->spool_dir, OPENBATCH_DIR, name);
                (void) unlinkat(s->open_fd, name, 0);
                return;
        }
        if (r < 0) {
                log_warning_errno(r,
                                  "spool %s: cannot read note %s/%s of an open batch: %m; kept for the "
                                  "next start",
                                  s->settings->spool_dir, OPENBATCH_DIR, name);
                return;
        }
        uuid_format(&b.uuid, u);
        if (!b.ended) {
                openbatch_cut_off(s, &b, u);
                return;
        }
        log_warning("batch %s (profile %s, dossier %s) ended (%s) with %u images before the daemon stopped, "
                    "but its close record was never spooled: spooling it now",
                    u, *b.profile ? b.profile : "?", *b.dossier ? b.dossier : "-", b.end, b.images);
        tracked_close_recovered(s, &b);
}

int openbatch_recover(Scand *s)
{
        char path[4096];
        struct dirent *de;
        DIR *d;

        if (snprintf(path, sizeof(path), "%s/" OPENBATCH_DIR, s->settings->spool_dir) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        if (mkdir(path, 0750) < 0 && errno != EEXIST)
                return -errno;
        s->open_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->open_fd < 0)
                return -errno;
        d = opendir(path);
        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                Uuid u;

                if (strlen(de->d_name) == UUID_STRING_MAX - 1 && uuid_parse(de->d_name, &u) == 0)
                        openbatch_one(s, de->d_name);
                else if (de->d_name[0] != '.')
                        (void) unlinkat(s->open_fd, de->d_name, 0); /* a temporary a crash left */
        }
        if (errno != 0)
                log_warning_errno(-errno,
                                  "spool %s: cannot list %s/: %m; notes not read are read at the next "
                                  "start",
                                  s->settings->spool_dir, OPENBATCH_DIR);
        closedir(d);
        return 0;
}
