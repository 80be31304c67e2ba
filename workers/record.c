/* Mapping a page and its pipeline result into the store's row. The word
 * boxes are JSON objects {"t": text, "c": confidence, "b": [x0, y0, x1, y1]}
 * in pixels of the upright, deskewed page, as the PDF shows it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

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

static const char *record_page_class(Sohoa__PageClass c)
{
        switch (c) {
        case SOHOA__PAGE_CLASS__CLASS_INTERACTIVE:
                return "interactive";
        case SOHOA__PAGE_CLASS__CLASS_BULK:
                return "bulk";
        default:
                return NULL;
        }
}

/* "" (protobuf's default) is no value. */
static const char *record_string(const char *s)
{
        return s && *s ? s : NULL;
}

int record_init(Record *r, const Sohoa__Page *page, const uint8_t *image, size_t image_len,
                const char *worker_id)
{
        StorePage *p = &r->page;

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
        p->mode = record_string(page->mode);
        p->captured_at_us = page->captured_at_us;
        p->origin_id = record_string(page->origin_id);
        p->page_class = record_page_class(page->page_class);
        p->dossier_code = record_string(page->dossier_code);
        p->source_name = record_string(page->source_name);
        p->source_index = page->source_index;
        p->last_in_batch = page->last_in_batch;
        p->declared_sheets = page->declared_sheets;
        p->batch_pages = page->batch_pages;
        p->worker_id = worker_id;
        p->original = image;
        p->original_len = image_len;
        return 0;
}

static void record_json_string(FILE *f, const char *s)
{
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
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
                record_json_string(f, w->text);
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

void record_done(Record *r)
{
        free(r->word_boxes_json);
        free(r->stage_ms_json);
        r->word_boxes_json = r->stage_ms_json = NULL;
}
