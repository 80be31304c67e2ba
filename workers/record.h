/* The row a page becomes: every field of the page's header (Sohoa__Page) and
 * every measure of the pipeline (PageResult) mapped into a StorePage, with
 * the JSON columns (word boxes, time per stage) built here and owned by the
 * Record. The header comes from a peer and is cleaned on the way in, so that
 * the schema never refuses a page for it: strings made valid UTF-8, numbers
 * brought into range; what was changed is noted for the audit log. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "page.h"
#include "sohoa.pb-c.h"
#include "store.h"

/* Above this, a sequence, sheet number, image count or sheet count is not
 * one a feeder or an import makes (the batch verdict, sql/004, stops
 * enumerating there too). */
#define RECORD_COUNT_MAX 100000U

/* What cleaning a header changed. */
typedef struct RecordNotes {
        char cleaned[512]; /* every change, "; "-separated; "" when none */
        /* Not "" when a number that places the page in its batch was out of
         * range: the page is stored failed with this reason. */
        char problem[200];
} RecordNotes;

typedef struct Record {
        StorePage page;
        char *word_boxes_json; /* owned */
        char *stage_ms_json;   /* owned */
        char *strings[4];      /* owned: header strings made valid UTF-8 */
        RecordNotes notes;     /* page.cleaned points here */
        const uint8_t *image;  /* borrowed: the image as received */
        size_t image_len;
} Record;

/* A batch-close record (proto/PROTOCOL.md §7.6), cleaned like a page. */
typedef struct RecordClose {
        StoreBatchClose close;
        char *strings[2];  /* owned */
        RecordNotes notes; /* close.note points here; problem: a count that cannot be recorded */
} RecordClose;

/* Fill r from the page's header and the image as received (both borrowed:
 * they must outlive r). Format and mode, when the header leaves them out,
 * come from the image's first bytes. The header is cleaned: invalid UTF-8
 * becomes U+FFFD; a dossier code not of the form NNN.NN.NN.XNN-yymmdd-NNNN
 * (after trimming and upper case) is dropped; a dpi, capture time or source
 * index out of range is dropped or clamped; a sequence (1..RECORD_COUNT_MAX),
 * sheet, image count or sheet count out of range is clamped or dropped and
 * sets notes.problem. Each change is noted in notes.cleaned. 0, -ENOMEM, or
 * -EBADMSG for a header whose UUIDs are not 16 bytes (msg_page_check() has
 * ruled that out). cleaned (Job.cleaned, NULL or "" for none) is what the
 * broker changed before: noted first. Call record_done() in every case. */
MUST_CHECK int record_init(Record *r, const Sohoa__Page *page, const uint8_t *image, size_t image_len,
                           const char *cleaned, const char *worker_id);

/* Add what the pipeline measured: dpi, orientation, skew, blank, OCR text,
 * confidence and word boxes, times, the PDF (res is borrowed). Pages under
 * 200 dpi are flagged low_dpi. 0 or -ENOMEM. */
MUST_CHECK int record_set_result(Record *r, const PageResult *res);

/* Mark the page failed with reason (borrowed); it keeps its original bytes. */
void record_set_failed(Record *r, const char *reason);

/* Keep only what identifies the page (UUIDs, sequence, hash, size, the
 * original bytes, the worker) and mark it failed with reason (borrowed):
 * for a page the schema refused as it was. The batch verdict is left to
 * the batch's next page or close. */
void record_set_minimal(Record *r, const char *reason);

/* Free what r owns (not r). */
void record_done(Record *r);

/* Fill rc from a close record's header, cleaned as record_init() cleans a
 * page's: an image count above RECORD_COUNT_MAX sets notes.problem (the
 * close cannot be recorded), declared sheets above it are dropped. 0,
 * -ENOMEM or -EBADMSG. Call record_close_done() in every case. */
MUST_CHECK int record_close_init(RecordClose *rc, const Sohoa__Page *page, const char *worker_id);
void record_close_done(RecordClose *rc);
