/* The batch loop. SANE's acquisition model: sane_start() begins a frame
 * (NO_DOCS when the feeder is empty; kodakaio says CANCELLED),
 * sane_get_parameters() tells its shape (lines may be -1: unknown until
 * EOF), sane_read() until EOF; a three-pass colour image is three frames
 * (RED, GREEN, BLUE) with last_frame set on the third. An empty feeder is
 * the normal end only where an image begins, and in duplex only where a
 * sheet begins: anywhere else it cut an image or a sheet short. Every
 * status is converted where SANE is called; the batch's end reason is
 * decided in one place, batch_end_for, with what backends.c knows of how
 * this backend says "double feed". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends.h"
#include "batch.h"
#include "clock.h"
#include "dossier.h"
#include "encode.h"
#include "events.h"
#include "log.h"
#include "openbatch.h"
#include "options.h"
#include "sha256.h"
#include "tracked.h"

static const char *const end_names[_BATCH_END_MAX] = {
        [BATCH_END_EMPTY] = "feeder-empty",      [BATCH_END_JAM] = "jam",
        [BATCH_END_DOUBLE_FEED] = "double-feed", [BATCH_END_COVER_OPEN] = "cover-open",
        [BATCH_END_IO_ERROR] = "io-error",       [BATCH_END_SPOOL_FULL] = "spool-full",
        [BATCH_END_STOPPED] = "stopped",         [BATCH_END_ERROR] = "error",
        [BATCH_END_PARTIAL] = "partial-image",   [BATCH_END_BACK_MISSING] = "back-missing",
};

const char *batch_end_to_string(BatchEnd e)
{
        return e >= 0 && e < _BATCH_END_MAX ? end_names[e] : "?";
}

typedef struct Batch {
        Scand *s;
        const BatchRequest *req;
        const Backend *backend;
        SANE_Handle h;
        Uuid uuid;
        OptionsApplied opts;
        Encoding encoding;
        unsigned images; /* images put into the outbox */
        bool noted;      /* its open note is written (openbatch.c) */
        int64_t started_us;
        Tracked *tracked;
} Batch;

/* The batch's durable note, as far as it is known. */
static OpenBatch batch_note(const Batch *b)
{
        OpenBatch n = { .uuid = b->uuid,
                        .declared_sheets = b->req->declared_sheets,
                        .started_us = b->started_us };

        snprintf(n.profile, sizeof(n.profile), "%s", b->req->profile->name);
        snprintf(n.dossier, sizeof(n.dossier), "%s", b->req->dossier ? b->req->dossier : "");
        return n;
}

/* Before the batch's first image is spooled: a daemon that dies from now
 * on leaves a note that the next start finds. Scanning goes on without
 * it (said once): the images matter more than the note. */
static void batch_note_open(Batch *b)
{
        OpenBatch n;
        char u[UUID_STRING_MAX];
        int r;

        if (b->noted || b->images > 0)
                return;
        n = batch_note(b);
        r = openbatch_begin(b->s, &n);
        if (r < 0)
                log_warning_errno(
                        r,
                        "batch %s: cannot note it as open in the spool: %m; should the daemon stop "
                        "before the batch's end, the next start will not know of it",
                        uuid_format(&b->uuid, u));
        b->noted = r >= 0;
}

/* sane_start, waiting for a warming lamp. */
static SANE_Status batch_start_frame(Batch *b)
{
        uint64_t until = clock_mono_ms() + b->s->settings->warmup_timeout_ms;
        SANE_Status st;

        while ((st = sane_start(b->h)) == SANE_STATUS_WARMING_UP && clock_mono_ms() < until) {
                log_info("scanner warming up, waiting");
                usleep(500 * 1000);
        }
        return st;
}

/* Read one frame to EOF into *raw (grown as needed: lines may be -1). */
static SANE_Status batch_read_frame(Batch *b, const SANE_Parameters *p, uint8_t **raw, size_t *len)
{
        size_t cap = p->lines > 0 ? (size_t) p->bytes_per_line * (size_t) p->lines : (size_t) 1 << 20;
        uint8_t *buf = malloc(cap + 1);
        SANE_Status st;
        SANE_Int n;

        *len = 0;
        if (!buf)
                return SANE_STATUS_NO_MEM;
        for (;;) {
                if (cap - *len < 65536) {
                        uint8_t *nb = realloc(buf, cap * 2 + 1);

                        if (!nb) {
                                free(buf);
                                return SANE_STATUS_NO_MEM;
                        }
                        buf = nb;
                        cap *= 2;
                }
                n = 0;
                st = sane_read(b->h, buf + *len, (SANE_Int) MIN(cap - *len, (size_t) INT32_MAX), &n);
                if (st != SANE_STATUS_GOOD)
                        break;
                *len += (size_t) n;
        }
        *raw = buf;
        return st == SANE_STATUS_EOF ? SANE_STATUS_GOOD : st;
}

/* Put one frame's bytes into img: the whole image, or one channel of a
 * three-pass one. 16-bit samples keep their high byte. */
static int batch_place(Image *img, const SANE_Parameters *p, const uint8_t *raw, size_t len, bool first)
{
        unsigned channel = p->format == SANE_FRAME_RED ? 0 : p->format == SANE_FRAME_GREEN ? 1 : 2;
        bool single = p->format == SANE_FRAME_GRAY || p->format == SANE_FRAME_RGB;
        unsigned samples = p->format == SANE_FRAME_RGB ? 3 : 1;
        uint32_t lines = (uint32_t) (len / (size_t) p->bytes_per_line);

        if (p->depth != 1 && p->depth != 8 && p->depth != 16)
                return -EOPNOTSUPP;
        if (p->depth == 1 && p->format != SANE_FRAME_GRAY)
                return -EOPNOTSUPP;
        if (first) {
                img->width = (uint32_t) p->pixels_per_line;
                img->height = lines;
                img->channels = single ? samples : 3;
                img->depth = p->depth == 1 ? 1 : 8;
                img->stride = img->depth == 1 ? (img->width + 7) / 8 : (size_t) img->width * img->channels;
                img->data = calloc(1, img->stride * img->height + 1);
                if (!img->data)
                        return -ENOMEM;
        }
        lines = MIN(lines, img->height);
        for (uint32_t y = 0; y < lines; y++) {
                const uint8_t *src = raw + (size_t) y * (size_t) p->bytes_per_line;
                uint8_t *dst = img->data + (size_t) y * img->stride;

                if (p->depth == 1 || (p->depth == 8 && single)) {
                        memcpy(dst, src, img->stride);
                        continue;
                }
                for (uint32_t x = 0; x < img->width; x++)
                        for (unsigned c = 0; c < samples; c++) {
                                size_t i = (size_t) x * samples + c;
                                uint8_t v = p->depth == 16 ? (uint8_t) (((const uint16_t *) src)[i] >> 8)
                                                           : src[i];

                                dst[(size_t) x * img->channels + (single ? c : channel)] = v;
                        }
        }
        return 0;
}

/* One image, all its frames. GOOD with img filled, or the status that
 * ended it; *ret_at_start says whether it came from the image's first
 * sane_start (where an empty feeder is the end of the batch). */
static SANE_Status batch_acquire(Batch *b, Image *img, unsigned *ret_frames, int *ret_err,
                                 bool *ret_at_start)
{
        SANE_Parameters p;
        SANE_Status st;
        uint8_t *raw = NULL;
        size_t len;

        *ret_err = 0;
        for (unsigned pass = 0;; pass++) {
                st = batch_start_frame(b);
                *ret_at_start = pass == 0 && st != SANE_STATUS_GOOD;
                if (st == SANE_STATUS_GOOD)
                        st = sane_get_parameters(b->h, &p);
                if (st == SANE_STATUS_GOOD && p.bytes_per_line <= 0)
                        st = SANE_STATUS_IO_ERROR;
                if (st == SANE_STATUS_GOOD)
                        st = batch_read_frame(b, &p, &raw, &len);
                if (st != SANE_STATUS_GOOD) {
                        free(raw);
                        return st;
                }
                *ret_err = batch_place(img, &p, raw, len, pass == 0);
                raw = mfree(raw);
                *ret_frames = pass + 1;
                if (*ret_err < 0)
                        return SANE_STATUS_INVAL;
                if (p.last_frame || p.format == SANE_FRAME_GRAY || p.format == SANE_FRAME_RGB)
                        break;
                if (pass == 2)
                        return SANE_STATUS_IO_ERROR; /* a fourth frame: not an image we know */
        }
        img->dpi = b->opts.dpi;
        return img->height > 0 ? SANE_STATUS_GOOD : SANE_STATUS_IO_ERROR;
}

static const char *side_name(Sohoa__Side side)
{
        return side == SOHOA__SIDE__SIDE_BACK ? "back" : "front";
}

/* Encode, hash and spool one scanned image at once: no image waits in
 * memory for the next one (a kill would lose it). That it was the last is
 * said afterwards, by the batch's close record. */
static int batch_take(Batch *b, Image *img, unsigned sequence, unsigned frames)
{
        const Profile *pr = b->req->profile;
        Sohoa__Page p = SOHOA__PAGE__INIT;
        char pu[UUID_STRING_MAX], bu[UUID_STRING_MAX], hex[SHA256_HEX_MAX];
        uint8_t sha[SHA256_LEN], *buf = NULL;
        int64_t captured_at_us = clock_real_us();
        Encoding enc = b->encoding;
        size_t len = 0;
        Uuid u;
        int r;

        /* A profile asked for G4 but the scanner sent grey: keep it lossless. */
        if (enc == ENCODING_G4 && img->depth != 1)
                enc = ENCODING_ZSTD;
        if (enc == ENCODING_JPEG && img->depth == 1)
                enc = ENCODING_G4;
        r = uuid_v4(&u);
        if (r < 0)
                return r;
        r = encode_tiff(img, enc, pr->jpeg_quality, (unsigned) profile_jpeg_subsampling(pr), &buf, &len);
        if (r < 0)
                return r;
        sha256_buf(buf, len, sha);
        p.page_uuid = (ProtobufCBinaryData) { 16, u.b };
        p.batch_uuid = (ProtobufCBinaryData) { 16, b->uuid.b };
        p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
        p.image_bytes = len;
        p.format = SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
        p.sequence = sequence;
        p.sheet = b->opts.duplex ? (sequence + 1) / 2 : sequence;
        p.side = b->opts.duplex && sequence % 2 == 0 ? SOHOA__SIDE__SIDE_BACK : SOHOA__SIDE__SIDE_FRONT;
        p.dpi = b->opts.dpi;
        p.mode = b->req->profile->mode;
        p.captured_at_us = captured_at_us;
        p.dossier_code = (char *) (b->req->dossier ? b->req->dossier : "");
        p.declared_sheets = b->req->declared_sheets;
        batch_note_open(b);
        r = outbox_put(b->s->outbox, &p, buf, len);
        free(buf);
        if (r < 0)
                return r;
        b->images++;
        tracked_page_put(b->s, b->tracked);
        uuid_format(&u, pu);
        uuid_format(&b->uuid, bu);
        log_context_set(b->s->settings->station, bu, pu); /* the page's story starts here */
        log_info("spooled page %s: batch %s sequence %u sheet %u side %s, %u frame%s, %zu bytes, sha256 %s",
                 pu, bu, sequence, p.sheet, side_name(p.side), frames, frames == 1 ? "" : "s", len,
                 sha256_hex(sha, hex));
        log_context_set(b->s->settings->station, bu, NULL);
        return 0;
}

/* SANE has no status of its own for a double feed: fujitsu says JAMMED
 * and raises a sensor; canon_dr, kvs1025 and avision say JAMMED alone, as
 * for a jam; epsonds says IO_ERROR. Where the status cannot tell, and
 * detection is on, the officer is told it may be either. */
static BatchEnd batch_end_for(Batch *b, SANE_Status st, BatchResult *res)
{
        unsigned quirks = b->backend->quirks;

        switch (st) {
        case SANE_STATUS_NO_DOCS:
                return BATCH_END_EMPTY;
        case SANE_STATUS_JAMMED:
                if (options_double_feed_sensed(b->h, b->backend->df_sensors))
                        return BATCH_END_DOUBLE_FEED;
                if ((quirks & QUIRK_JAM_MAY_BE_DOUBLE_FEED) && b->opts.double_feed) {
                        res->reason = "double-feed-or-jam";
                        return BATCH_END_DOUBLE_FEED;
                }
                return BATCH_END_JAM;
        case SANE_STATUS_COVER_OPEN:
                return BATCH_END_COVER_OPEN;
        case SANE_STATUS_IO_ERROR:
                if (quirks & QUIRK_IO_ERROR_MAY_BE_DOUBLE_FEED) {
                        res->reason = "double-feed-or-error";
                        return BATCH_END_DOUBLE_FEED;
                }
                return BATCH_END_IO_ERROR;
        case SANE_STATUS_EOF:
                return BATCH_END_IO_ERROR;
        case SANE_STATUS_CANCELLED:
                return BATCH_END_STOPPED;
        default:
                return BATCH_END_ERROR;
        }
}

/* The feeder said empty (or, on kodakaio, cancelled) at an image's start:
 * the normal end, unless a sheet's back was due. */
static bool batch_feeder_empty(const Batch *b, SANE_Status st, bool at_start)
{
        if (!at_start)
                return false;
        return st == SANE_STATUS_NO_DOCS ||
               (st == SANE_STATUS_CANCELLED && (b->backend->quirks & QUIRK_CANCELLED_IS_EMPTY) &&
                !b->s->draining && !b->s->quit);
}

/* An image did not come whole: which, and what was lost. */
static BatchEnd batch_cut_short(Batch *b, unsigned seq, bool at_start, BatchResult *res)
{
        unsigned sheet = b->opts.duplex ? (seq + 1) / 2 : seq;
        const char *side = b->opts.duplex && seq % 2 == 0 ? "back" : "front";

        res->stop_sheet = sheet;
        if (at_start) {
                snprintf(res->detail, sizeof(res->detail),
                         "sheet %u: its back never came (the feeder said empty after the front), %u images "
                         "for %u "
                         "sheets",
                         sheet, seq - 1, sheet);
                return BATCH_END_BACK_MISSING;
        }
        snprintf(res->detail, sizeof(res->detail),
                 "sheet %u, %s: the feeder said empty in the middle of the image; the part scanned was not "
                 "kept",
                 sheet, side);
        return BATCH_END_PARTIAL;
}

/* The scanning itself: returns how it ended, res->stop_sheet where. */
static BatchEnd batch_scan(Batch *b, BatchResult *res)
{
        for (unsigned seq = 1;; seq++) {
                Image img = {};
                SANE_Status st;
                unsigned frames = 0;
                bool at_start;
                int err, r;

                scand_check_signals(b->s);
                res->stop_sheet = b->opts.duplex ? (seq + 1) / 2 : seq;
                if (b->s->draining || b->s->quit) {
                        snprintf(res->detail, sizeof(res->detail), "the daemon is stopping");
                        return BATCH_END_STOPPED;
                }
                st = batch_acquire(b, &img, &frames, &err, &at_start);
                if (st == SANE_STATUS_GOOD) {
                        r = batch_take(b, &img, seq, frames);
                        free(img.data);
                        if (r == -ENOSPC) {
                                /* This image is not spooled; every one before it is. */
                                snprintf(res->detail, sizeof(res->detail),
                                         "the spool is full, scanning stopped");
                                return BATCH_END_SPOOL_FULL;
                        }
                        if (r < 0) {
                                snprintf(res->detail, sizeof(res->detail),
                                         "image %u: cannot encode or spool it: %s", seq, strerror(-r));
                                return BATCH_END_ERROR;
                        }
                        continue;
                }
                free(img.data);
                if (batch_feeder_empty(b, st, at_start) && !(b->opts.duplex && seq % 2 == 0)) {
                        res->stop_sheet = 0;
                        return BATCH_END_EMPTY;
                }
                if (batch_feeder_empty(b, st, at_start) || st == SANE_STATUS_NO_DOCS)
                        return batch_cut_short(b, seq, at_start, res);
                snprintf(res->detail, sizeof(res->detail), "%s at image %u",
                         err < 0 ? strerror(-err) : sane_strstatus(st), seq);
                return batch_end_for(b, st, res);
        }
}

static void batch_tell(Scand *s, const BatchRequest *req, const BatchResult *res)
{
        static const EventType for_end[_BATCH_END_MAX] = {
                [BATCH_END_EMPTY] = EVENT_BATCH_SCANNED,     [BATCH_END_JAM] = EVENT_JAM,
                [BATCH_END_DOUBLE_FEED] = EVENT_DOUBLE_FEED, [BATCH_END_COVER_OPEN] = EVENT_COVER_OPEN,
                [BATCH_END_IO_ERROR] = EVENT_ERROR,          [BATCH_END_SPOOL_FULL] = EVENT_SPOOL_FULL,
                [BATCH_END_STOPPED] = EVENT_ERROR,           [BATCH_END_ERROR] = EVENT_ERROR,
                [BATCH_END_PARTIAL] = EVENT_ERROR,           [BATCH_END_BACK_MISSING] = EVENT_ERROR,
        };
        Event ev = {
                .type = for_end[res->end],
                .station = s->settings->station,
                .batch = res->uuid,
                .profile = req->profile->name,
                .dossier = req->dossier,
                .images = res->images,
                .sheets = res->sheets,
                .declared_sheets = req->declared_sheets,
                .sheet = res->stop_sheet,
                .reason = res->reason,
                .detail = res->detail,
        };

        events_emit(s->outbox, s->settings->on_event, &ev);
        if (res->end == BATCH_END_EMPTY && req->declared_sheets && req->declared_sheets != res->sheets) {
                ev.type = EVENT_COUNT_MISMATCH;
                ev.reason = res->sheets < req->declared_sheets ? "missing-sheets" : "extra-sheets";
                events_emit(s->outbox, s->settings->on_event, &ev);
        }
}

/* Whatever ended the batch, the officer is told where to start again: the
 * sheet in hand, every sheet before it being spooled. */
static void batch_say_rescan(BatchResult *res)
{
        size_t n = strlen(res->detail);

        if (res->end == BATCH_END_EMPTY)
                return;
        if (res->stop_sheet == 0)
                res->stop_sheet = 1; /* nothing was scanned */
        snprintf(res->detail + n, sizeof(res->detail) - n, "%srescan from sheet %u", n ? ": " : "",
                 res->stop_sheet);
}

/* The batch's end is known: note it durably (a stop before the close
 * record is spooled then still closes it at the next start), and say it
 * through the outbox with a close record (tracked.c), or forget a batch
 * that spooled nothing. */
static void batch_close(Batch *b, const BatchResult *res)
{
        char u[UUID_STRING_MAX];
        OpenBatch n;
        int r;

        if (b->images > 0) {
                n = batch_note(b);
                n.ended = true;
                snprintf(n.end, sizeof(n.end), "%s", batch_end_to_string(res->end));
                n.images = b->images;
                n.sheets = res->sheets;
                r = openbatch_end(b->s, &n);
                if (r < 0)
                        log_warning_errno(
                                r,
                                "batch %s: cannot note its end in the spool: %m; should the daemon "
                                "stop before its close record is spooled, the next start will say "
                                "it was cut off",
                                uuid_format(&b->uuid, u));
        } else if (b->noted)
                openbatch_forget(b->s, &b->uuid);
        if (b->tracked && b->images > 0)
                tracked_close(b->s, b->tracked, res->sheets);
        else if (b->tracked)
                tracked_drop(b->s, b->tracked);
        else if (b->images > 0) /* no room to track it (out of memory): close it all the same */
                tracked_close_untracked(b->s, &b->uuid, b->req->profile->name, b->req->dossier,
                                        b->req->declared_sheets, b->images);
}

int batch_run(Scand *s, const BatchRequest *req, BatchResult *ret)
{
        BatchResult res = { .end = BATCH_END_ERROR };
        Batch b = { .s = s,
                    .req = req,
                    .h = s->device->handle,
                    .encoding = profile_encoding(req->profile),
                    .started_us = clock_real_us(),
                    .backend = backends_lookup(s->device->name) };
        Event ev = { .type = EVENT_BATCH_STARTED,
                     .station = s->settings->station,
                     .profile = req->profile->name,
                     .dossier = req->dossier,
                     .declared_sheets = req->declared_sheets };
        int r;

        if (uuid_v4(&b.uuid) < 0) {
                snprintf(res.detail, sizeof(res.detail), "no random numbers for a batch UUID");
                goto out;
        }
        uuid_format(&b.uuid, res.uuid);
        ev.batch = res.uuid;
        /* Every line of the batch, to its end, as the workers tag theirs:
         * `journalctl SOHOA_BATCH=` shows the scan beside the OCR. */
        log_context_set(s->settings->station, res.uuid, NULL);
        if (req->dossier && !dossier_valid(req->dossier)) {
                /* control.c refuses it first; never spool a page with it. */
                snprintf(res.detail, sizeof(res.detail), "bad dossier code, expected " DOSSIER_CODE_FORM);
                goto out;
        }
        s->device->state = DEVICE_SCANNING;
        scand_notify_status(s);
        /* From the values the scanner had at open: nothing of the last
         * batch's profile (duplex, sane_options) carries over. */
        optsave_restore(s->device->saved, b.h);
        r = options_apply(b.h, s->device->saved, req->profile, &b.opts, res.detail, sizeof(res.detail));
        if (r < 0) {
                res.end = r == -EIO ? BATCH_END_IO_ERROR : BATCH_END_ERROR;
                goto out;
        }
        log_info("batch %s (%s): profile %s, source \"%s\", mode \"%s\", %s%s, %u dpi, %s, dossier %s, "
                 "%u sheets declared, double-feed detection %s%s",
                 res.uuid, req->trigger, req->profile->name, b.opts.source, b.opts.mode,
                 b.opts.duplex ? "duplex by " : "simplex", b.opts.duplex ? b.opts.duplex_by : "", b.opts.dpi,
                 encoding_to_string(b.encoding), req->dossier ? req->dossier : "-", req->declared_sheets,
                 b.opts.double_feed ? b.opts.df_methods : "off (none offered)",
                 b.opts.blank_skip_off ? ", driver blank skip off" : "");
        events_emit(s->outbox, s->settings->on_event, &ev);
        b.tracked = tracked_add(s, &b.uuid, req->profile->name, req->dossier, req->declared_sheets);
        res.end = batch_scan(&b, &res);
out:
        sane_cancel(b.h);
        if (s->device->state == DEVICE_SCANNING)
                s->device->state = DEVICE_READY;
        res.images = b.images;
        res.sheets = b.opts.duplex ? (b.images + 1) / 2 : b.images;
        if (!res.reason)
                res.reason = batch_end_to_string(res.end);
        batch_say_rescan(&res);
        batch_close(&b, &res);
        s->batches++;
        snprintf(s->last_batch, sizeof(s->last_batch), "%s", res.uuid);
        snprintf(s->last_end, sizeof(s->last_end), "%s", batch_end_to_string(res.end));
        log_internal(res.end == BATCH_END_EMPTY ? LOG_INFO : LOG_WARNING, 0,
                     "batch %s ended: %s, %u images, %u sheets%s%s", res.uuid, batch_end_to_string(res.end),
                     res.images, res.sheets, res.detail[0] ? ": " : "", res.detail);
        batch_tell(s, req, &res);
        log_context_clear();
        *ret = res;
        return res.end == BATCH_END_IO_ERROR ? -EIO : 0;
}
