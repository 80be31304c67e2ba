/* The store's verdicts on batches, as the ACKs bring them (1.3,
 * proto/PROTOCOL.md §7.7): kept by the outbox's thread, told by the main
 * loop as verdict-ok or verdict-mismatch, once per batch and revision. A
 * verdict comes with the ACK of the page or close record whose storing
 * computed it, or, for a station away when it was made, with the ACK of
 * the copy it sends again on reconnect. */
#pragma once

#include "scand.h"

/* On the outbox's thread: keep pb when it is newer than what is kept or
 * told of its batch. Takes s->lock; quick. */
void verdicts_on_ack(Scand *s, const Sohoa__Verdict *pb);
/* In the main loop: tell the officer each verdict kept since the last call. */
void verdicts_tell(Scand *s);
