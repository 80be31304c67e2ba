/* A batch's verdict (proto/PROTOCOL.md §7.7) as a plain struct of fixed
 * size, for the programs that keep one past the message it came in: the
 * worker builds it from the store, the broker's completed cache keeps a
 * copy, the station keeps the newest per batch. Converted to and from the
 * wire's Sohoa__Verdict here; verdict_check() is what msg.c checks on
 * receipt. Nothing here logs or allocates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sohoa.pb-c.h"

#define VERDICT_TEXT_MAX 1024    /* bytes of reason_vi, of reason_en */
#define VERDICT_PROBLEMS_MAX 256 /* bytes of problems */
#define VERDICT_SHEETS_MAX 64    /* rescan_sheets */

typedef struct Verdict {
        uint8_t batch_uuid[16];
        uint64_t revision; /* >= 1 */
        bool ok;
        bool single_sided;
        uint32_t images, sheets, declared_sheets;
        char reason_vi[VERDICT_TEXT_MAX + 1];
        char reason_en[VERDICT_TEXT_MAX + 1];
        char problems[VERDICT_PROBLEMS_MAX + 1];
        uint32_t rescan_sheets[VERDICT_SHEETS_MAX];
        size_t n_rescan_sheets;
} Verdict;

/* The wire's checks: batch_uuid 16 bytes, revision >= 1, texts within
 * their bounds, at most VERDICT_SHEETS_MAX sheets. 0 or -EBADMSG. */
int verdict_check(const Sohoa__Verdict *pb);

/* Copy a checked wire verdict. 0 or -EBADMSG (verdict_check()). */
int verdict_from_pb(const Sohoa__Verdict *pb, Verdict *ret);

/* A wire verdict that points into v (v must outlive it and stay unchanged). */
void verdict_to_pb(const Verdict *v, Sohoa__Verdict *ret);

/* Copy src into dst (size bytes) cut at a UTF-8 character boundary, so
 * that a reason cut to its bound stays valid text. */
void verdict_copy_text(char *dst, size_t size, const char *src);
