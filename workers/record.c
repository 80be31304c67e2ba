/* Mapping a page and its pipeline result into the store's row. The word
 * boxes are JSON objects {"t": text, "c": confidence, "b": [x0, y0, x1, y1]}
 * in pixels of the upright, deskewed page, as the PDF shows it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"
#include "json.h"
#include "msg.h"
#include "record.h"
#include "utf8.h"

/* Pages below this resolution fall short of the rules for electronic copies. */
#define RECORD_MIN_DPI 200

static const char *record_format(Sohoa__ImageFormat f, const uint8_t *image, size_t len)
{
        switch (f) {
        case SOHOA__IMAGE_FORMAT__FORMAT_TIFF:
                return "tiff";
        case SOHOA__IMAGE_FORMAT__FORMAT_PNG:
                return "png";
        case SOHOA__IMAGE_FORMAT__FORMAT_JPEG:
                return "jpeg";
        default:
                break;
        }
        /* The sender did not say: the magic numbers do. */
        if (len >= 4 && (memcmp(image, "II*\0", 4) == 0 || memcmp(image, "MM\0*", 4) == 0))
                return "tiff";
        if (len >= 8 && memcmp(image, "\x89PNG\r\n\x1a\n", 8) == 0)
                return "png";
        if (len >= 3 && memcmp(image, "\xff\xd8\xff", 3) == 0)
                return "jpeg";
        return NULL;
}

/* The latest capture time taken as one: 9999-12-31, PostgreSQL's and
 * ISO 8601's last four-digit year. */
#define RECORD_CAPTURED_MAX_US 253402300799999999LL
#define RECORD_DPI_MAX 20000U

static void record_note(RecordNotes *r, const char *fmt, ...) PRINTF_FMT(2, 3);

static void record_note(RecordNotes *r, const char *fmt, ...)
{
        size_t n = strlen(r->cleaned);
        va_list ap;

        if (n + 3 >= sizeof(r->cleaned))
                return;
        if (n > 0) {
                memcpy(r->cleaned + n, "; ", 3);
                n += 2;
        }
        va_start(ap, fmt);
        vsnprintf(r->cleaned + n, sizeof(r->cleaned) - n, fmt, ap);
        va_end(ap);
}

/* A number that places the page in its batch, out of range: noted, and the
 * page's header problem (the first one) set. */
static void record_problem(RecordNotes *r, const char *field, uint32_t value, const char *done)
{
        if (!*r->problem)
                snprintf(r->problem, sizeof(r->problem), "header: %s %u out of range (1..%u), %s", field,
                         value, RECORD_COUNT_MAX, done);
        record_note(r, "%s %u out of range, %s", field, value, done);
}

/* s as valid UTF-8: s itself, or a copy in *owned with every byte that
 * starts no valid sequence replaced by U+FFFD. "" (protobuf's default) is
 * no value: NULL. */
static int record_string(RecordNotes *r, const char *field, const char *s, char **owned, const char **ret)
{
        int bad;

        *ret = NULL;
        if (!s || !*s)
                return 0;
        bad = utf8_repair(s, owned);
        if (bad < 0)
                return bad;
        *ret = bad ? *owned : s;
        if (bad)
                record_note(r, "%s: %d byte%s of invalid UTF-8 replaced with U+FFFD", field, bad,
                            bad == 1 ? "" : "s");
        return 0;
}

/* The dossier code in its form (trimmed, upper case), or NULL. */
static int record_dossier(RecordNotes *r, const char *code, char **owned, const char **ret)
{
        size_t n;
        char *c;

        *ret = NULL;
        if (!code || !*code)
                return 0;
        while (*code == ' ' || *code == '\t')
                code++;
        n = strlen(code);
        while (n > 0 &&
               (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\n' || code[n - 1] == '\r'))
                n--;
        c = strndup(code, n);
        if (!c)
                return -ENOMEM;
        for (char *p = c; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        if (!dossier_valid(c)) {
                record_note(r, "dossier_code of %zu bytes is not " DOSSIER_CODE_FORM ": dropped", n);
                free(c);
                return 0;
        }
        *owned = c;
        *ret = c;
        return 0;
}

/* The numbers of the header, into range. */
static void record_numbers(StorePage *p, RecordNotes *r, const Sohoa__Page *page)
{
        if (p->sequence == 0 || p->sequence > RECORD_COUNT_MAX) {
                uint32_t was = p->sequence;

                p->sequence = p->sequence == 0 ? 1 : RECORD_COUNT_MAX;
                p->last_in_batch = false;
                record_problem(r, "sequence", was, p->sequence == 1 ? "stored as 1" : "stored as 100000");
        }
        if (p->sheet > RECORD_COUNT_MAX) {
                record_problem(r, "sheet", p->sheet, "dropped");
                p->sheet = 0;
        }
        if (p->batch_pages > RECORD_COUNT_MAX) {
                record_problem(r, "batch_pages", p->batch_pages, "dropped");
                p->batch_pages = 0;
        }
        if (p->declared_sheets > RECORD_COUNT_MAX) {
                record_problem(r, "declared_sheets", p->declared_sheets, "dropped");
                p->declared_sheets = 0;
        }
        if (p->dpi > RECORD_DPI_MAX) {
                record_note(r, "dpi %u out of range, dropped", p->dpi);
                p->dpi = 0;
        }
        if (p->source_index > INT32_MAX) {
                record_note(r, "source_index %u out of range, stored as %d", p->source_index, INT32_MAX);
                p->source_index = INT32_MAX;
        }
        if (page->captured_at_us < 0 || page->captured_at_us > RECORD_CAPTURED_MAX_US) {
                record_note(r, "captured_at_us %lld out of range, dropped",
                            (long long) page->captured_at_us);
                p->captured_at_us = 0;
        }
}

int record_init(Record *r, const Sohoa__Page *page, const uint8_t *image, size_t image_len,
                const char *cleaned, const char *worker_id)
{
        StorePage *p = &r->page;
        int k;

        *r = (Record) {};
        store_page_init(p);
        if (uuid_from_bytes(page->page_uuid.data, page->page_uuid.len, &p->page_uuid) < 0 ||
            uuid_from_bytes(page->batch_uuid.data, page->batch_uuid.len, &p->batch_uuid) < 0 ||
            page->sha256.len != SHA256_LEN)
                return -EBADMSG;
        p->sequence = page->sequence;
        p->sheet = page->sheet;
        p->side = page->side == SOHOA__SIDE__SIDE_FRONT  ? STORE_SIDE_FRONT
                  : page->side == SOHOA__SIDE__SIDE_BACK ? STORE_SIDE_BACK
                                                         : STORE_SIDE_UNKNOWN;
        memcpy(p->sha256, page->sha256.data, SHA256_LEN);
        p->image_bytes = page->image_bytes;
        p->format = record_format(page->format, image, image_len);
        p->dpi = page->dpi;
        p->captured_at_us = page->captured_at_us;
        p->page_class = msg_page_class_to_string(page->page_class);
        p->source_index = page->source_index;
        p->last_in_batch = page->last_in_batch;
        p->declared_sheets = page->declared_sheets;
        p->batch_pages = page->batch_pages;
        p->worker_id = worker_id;
        p->original = r->image = image;
        p->original_len = r->image_len = image_len;
        if (cleaned && *cleaned)
                record_note(&r->notes, "%s", cleaned);
        record_numbers(p, &r->notes, page);
        k = record_string(&r->notes, "mode", page->mode, &r->strings[0], &p->mode);
        if (k >= 0)
                k = record_string(&r->notes, "origin_id", page->origin_id, &r->strings[1], &p->origin_id);
        if (k >= 0)
                k = record_string(&r->notes, "source_name", page->source_name, &r->strings[2],
                                  &p->source_name);
        if (k >= 0)
                k = record_dossier(&r->notes, page->dossier_code, &r->strings[3], &p->dossier_code);
        if (k < 0)
                return k;
        p->cleaned = *r->notes.cleaned ? r->notes.cleaned : NULL;
        return 0;
}

int record_close_init(RecordClose *rc, const Sohoa__Page *page, const char *worker_id)
{
        StoreBatchClose *c = &rc->close;
        int k;

        *rc = (RecordClose) {};
        if (uuid_from_bytes(page->page_uuid.data, page->page_uuid.len, &c->close_uuid) < 0 ||
            uuid_from_bytes(page->batch_uuid.data, page->batch_uuid.len, &c->batch_uuid) < 0 ||
            page->sha256.len != SHA256_LEN)
                return -EBADMSG;
        c->pages = page->batch_pages;
        c->declared_sheets = page->declared_sheets;
        c->page_class = msg_page_class_to_string(page->page_class);
        c->worker_id = worker_id;
        /* A count out of range cannot be recorded: the caller refuses the
         * close. Declared sheets out of range are only dropped. */
        if (c->pages > RECORD_COUNT_MAX)
                record_problem(&rc->notes, "batch_pages", c->pages, "close not recorded");
        if (c->declared_sheets > RECORD_COUNT_MAX) {
                record_note(&rc->notes, "declared_sheets %u out of range, dropped", c->declared_sheets);
                c->declared_sheets = 0;
        }
        k = record_string(&rc->notes, "origin_id", page->origin_id, &rc->strings[0], &c->origin_id);
        if (k >= 0)
                k = record_dossier(&rc->notes, page->dossier_code, &rc->strings[1], &c->dossier_code);
        if (k < 0)
                return k;
        c->note = *rc->notes.cleaned ? rc->notes.cleaned : NULL;
        return 0;
}

void record_close_done(RecordClose *rc)
{
        for (size_t i = 0; i < ELEMENTSOF(rc->strings); i++)
                rc->strings[i] = mfree(rc->strings[i]);
}

static int record_words_json(const OcrResult *ocr, char **ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputc('[', f);
        for (size_t i = 0; i < ocr->n_words; i++) {
                const OcrWord *w = &ocr->words[i];

                fputs(i ? ",{\"t\":" : "{\"t\":", f);
                json_write_escaped(f, w->text);
                fprintf(f, ",\"c\":%.1f,\"b\":[%d,%d,%d,%d]}", isfinite(w->confidence) ? w->confidence : 0.0,
                        w->x0, w->y0, w->x1, w->y1);
        }
        fputc(']', f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int record_stages_json(const PageResult *res, char **ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputc('{', f);
        for (int s = 0; s < _PAGE_STAGE_MAX; s++)
                fprintf(f, "\"%s\":%.1f,", page_stage_to_string(s), (double) res->stage_usec[s] / 1000.0);
        fprintf(f, "\"total\":%.1f}", (double) res->total_usec / 1000.0);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static const char *record_mode(DecodeKind k)
{
        return k == DECODE_BILEVEL ? "lineart" : k == DECODE_GREY ? "gray" : "color";
}

int record_set_result(Record *r, const PageResult *res)
{
        StorePage *p = &r->page;
        int k;

        k = record_stages_json(res, &r->stage_ms_json);
        if (k < 0)
                return k;
        if (res->ocr) {
                k = record_words_json(res->ocr, &r->word_boxes_json);
                if (k < 0)
                        return k;
                p->ocr_text = res->ocr->text;
                p->ocr_confidence = res->ocr->mean_confidence;
        }
        p->word_boxes_json = r->word_boxes_json;
        p->stage_ms_json = r->stage_ms_json;
        /* A resolution the configuration assumed says nothing about the
         * page; one the file or the sender stated does. */
        p->low_dpi = (!res->dpi_assumed || p->dpi != 0) && res->dpi < RECORD_MIN_DPI;
        p->dpi = (uint32_t) res->dpi;
        if (!p->mode)
                p->mode = record_mode(res->decode.kind);
        p->blank = res->blank.blank;
        p->blank_score = res->blank.marks;
        if (!res->blank.blank) {
                p->orientation = res->orient.rotate;
                p->orientation_confidence = res->orient.confidence;
                p->orientation_method = orient_method_to_string(res->orient.method);
                p->skew_angle = res->deskew.applied ? res->deskew.angle : 0.0;
                p->skew_confidence = res->deskew.confidence;
        }
        p->pdf = res->pdf;
        p->pdf_len = res->pdf_size;
        return 0;
}

void record_set_failed(Record *r, const char *reason)
{
        r->page.failed = true;
        r->page.failure_reason = reason;
}

void record_set_minimal(Record *r, const char *reason)
{
        StorePage *p = &r->page, keep = *p;

        store_page_init(p);
        p->page_uuid = keep.page_uuid;
        p->batch_uuid = keep.batch_uuid;
        p->sequence = keep.sequence;
        memcpy(p->sha256, keep.sha256, SHA256_LEN);
        p->image_bytes = keep.image_bytes;
        p->format = keep.format; /* one of ours, never the peer's */
        p->worker_id = keep.worker_id;
        p->cleaned = keep.cleaned;
        p->original = r->image; /* also when a page processed well had let it go */
        p->original_len = r->image_len;
        p->no_verdict = true;
        record_set_failed(r, reason);
}

void record_done(Record *r)
{
        free(r->word_boxes_json);
        free(r->stage_ms_json);
        r->word_boxes_json = r->stage_ms_json = NULL;
        for (size_t i = 0; i < ELEMENTSOF(r->strings); i++)
                r->strings[i] = mfree(r->strings[i]);
}
