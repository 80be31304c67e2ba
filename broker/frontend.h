/* The station endpoint: HELLO, PAGE, HEARTBEAT, BYE from stations and
 * importers, STATUS from anyone, and the ACKs that go back. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "broker.h"

/* Handle one decoded message from the station endpoint (m stays the
 * caller's; an accepted PAGE's image is taken out of it). */
void frontend_handle(Broker *b, Msg *m, uint64_t now_ms);

/* ACK a page to the peer whose HELLO id is origin_id (may be NULL):
 * counted as acks_out, or acks_unroutable when that peer cannot be reached.
 * batch may be NULL. */
void frontend_ack(Broker *b, const char *origin_id, const Uuid *page_uuid, Sohoa__ResultStatus status,
                  const char *reason, const Uuid *batch);
