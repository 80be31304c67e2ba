/* Whether a worker's death counts toward the quarantine of the page it
 * held (PROTOCOL.md §7.4): only when it died alone, that is when every
 * other worker session going between its last sign of life and the
 * declaration of its death is heard from after that declaration. Workers
 * that go down together (all restarted, a host lost) say nothing about the
 * page. Until that is known the page is parked: neither queued nor sent. */
#pragma once

#include <stdint.h>

#include "broker.h"

/* Worker w died holding rec (taken from it already), its last frame on
 * that session at last_frame_ms; it was alive with the page until the
 * later of that and when it got the page. The page goes back to its queue
 * now or once the witnesses have spoken (death_decide()). */
void death_begin(Broker *b, HeldPage *rec, const Worker *w, uint64_t last_frame_ms);
/* Decide the deaths that can be decided; after frames from workers and on
 * the timer. */
void death_decide(Broker *b);
/* rec is parked and was answered, or a worker says it holds it: forget
 * its death (the caller takes the page from here). */
void death_cancel(Broker *b, HeldPage *rec);
/* Forget every death still judged (at exit, before the pages go). */
void death_free_all(Broker *b);
