/* Choosing what goes out next: one page per idle worker, interactive pages
 * before bulk ones, round-robin among the peers of a class, the worker idle
 * the longest first; and taking a page back from a worker that died or left. */
#pragma once

#include <stdbool.h>

#include "broker.h"

/* Send JOBs while there are idle workers and queued pages (nothing while
 * draining, nor in the recovery window after the broker started). A send the worker failed (full, gone)
 * drops the worker and puts the page back first; a page whose JOB cannot be framed is answered REJECTED and
 * freed, the worker staying idle. */
void dispatch_run(Broker *b);

/* A page comes back from its worker: first in its peer's queue. died: the
 * worker died holding it, which counts an attempt and may quarantine it. */
void dispatch_requeue(Broker *b, HeldPage *rec, bool died);
