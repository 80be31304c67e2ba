/* The station endpoint: HELLO, PAGE, HEARTBEAT, BYE from stations and
 * importers, STATUS from anyone, and the ACKs that go back. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "broker.h"

/* Handle one decoded message from the station endpoint (m stays the
 * caller's; an accepted PAGE's image is taken out of it). */
void frontend_handle(Broker *b, Msg *m, uint64_t now_ms);

/* One ACK's content. */
typedef struct FrontendAck {
        const Uuid *page_uuid;
        Sohoa__ResultStatus status;
        const char *reason;    /* NULL: "" */
        const Uuid *batch;     /* NULL: none */
        const uint8_t *sha256; /* 32 bytes: the page as stored (STORED, STORED_FAILED, §7.5); NULL: none */
        const Sohoa__Verdict *verdict; /* STORED, STORED_FAILED: the batch's verdict (§7.7); NULL: none */
} FrontendAck;

/* ACK a page to the peer whose HELLO id is to (may be NULL): counted as
 * acks_out, or acks_unroutable when that peer cannot be reached. */
void frontend_ack(Broker *b, const char *to, const FrontendAck *a);
/* The outcome of a page the broker holds, to each of its senders (§7.1
 * step 5): those whose copy had its content get it (with the page's sha256
 * when stored), the others RESEND; then the record is freed (it must be
 * neither queued, in flight nor parked). */
void frontend_page_done(Broker *b, HeldPage *rec, Sohoa__ResultStatus status, const char *reason);
/* frontend_page_done() with the verdict of the RESULT (NULL: none), which
 * goes to the senders that get the outcome (§7.7). */
void frontend_page_judged(Broker *b, HeldPage *rec, Sohoa__ResultStatus status, const char *reason,
                          const Sohoa__Verdict *verdict);
