/* The scanner's life as the main loop sees it: opened when due (and told
 * "back" after a loss), its buttons polled, an idle scanner without buttons
 * checked every scand.probe_interval so that an unplug is told at once
 * rather than at the next batch, re-opened after a press whose value
 * sticks, and, with release_between_batches, closed after each batch for
 * saned or an eSCL server and opened again for the next. */
#pragma once

#include "batch.h"
#include "scand.h"

/* Open the scanner when a retry is due (not while released). */
void scanner_on_device(Scand *s);
/* Poll the buttons when due; a press runs its batch. */
void scanner_on_buttons(Scand *s);
/* The idle liveness probe, when due. */
void scanner_on_probe(Scand *s);
/* Make sure the scanner is open for a batch (opening a released one).
 * 0, or a negative errno with the reason in s->device->last_error. */
MUST_CHECK int scanner_acquire(Scand *s);
/* Run one batch on the open scanner, then release it if configured. */
void scanner_scan(Scand *s, const BatchRequest *req, BatchResult *res);
/* Milliseconds until the next of this file's timers (open retry, poll, probe). */
uint64_t scanner_next_timeout(Scand *s, uint64_t now_ms);
