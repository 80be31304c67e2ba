/* The row a page becomes: every field of the page's header (Sohoa__Page) and
 * every measure of the pipeline (PageResult) mapped into a StorePage, with
 * the JSON columns (word boxes, time per stage) built here and owned by the
 * Record. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "page.h"
#include "sohoa.pb-c.h"
#include "store.h"

typedef struct Record {
        StorePage page;
        char *word_boxes_json; /* owned */
        char *stage_ms_json;   /* owned */
} Record;

/* Fill r from the page's header and the image as received (both borrowed:
 * they must outlive r). Format and mode, when the header leaves them out,
 * come from the image's first bytes. 0, or -EBADMSG for a header whose
 * UUIDs are not 16 bytes (msg_page_check() has ruled that out). */
MUST_CHECK int record_init(Record *r, const Sohoa__Page *page, const uint8_t *image, size_t image_len,
                           const char *worker_id);

/* Add what the pipeline measured: dpi, orientation, skew, blank, OCR text,
 * confidence and word boxes, times, the PDF (res is borrowed). Pages under
 * 200 dpi are flagged low_dpi. 0 or -ENOMEM. */
MUST_CHECK int record_set_result(Record *r, const PageResult *res);

/* Mark the page failed with reason (borrowed); it keeps its original bytes. */
void record_set_failed(Record *r, const char *reason);

/* Free what r owns (not r). */
void record_done(Record *r);
