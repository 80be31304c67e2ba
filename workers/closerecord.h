/* A batch-close record (proto/PROTOCOL.md §7.6), once its payload passed
 * its hash check: the batch's end recorded, retried while PostgreSQL is
 * away, and the answer for its sender. No pipeline, no page row. */
#pragma once

#include "macro.h"
#include "record.h"
#include "store.h"
#include "storeretry.h"
#include "workpeer.h"

/* Records the end rc tells (what names it in the log: "close UUID of batch
 * UUID") through s, retried by sr within wj's limits. A quarantined record
 * (wj->store_only: workers died holding it, and the verdict is all it
 * runs) records the end without the verdict, which the batch's next page
 * computes, and is answered STORED_FAILED saying so; one whose end cannot
 * be recorded (a count out of range, or refused by the schema) leaves an
 * audit entry and is answered STORED_FAILED, so that its sender does not
 * send it forever. 0 with *ret the answer, or the store's negative errno
 * once store_retry_give_up() has dealt with it ("resend"). */
MUST_CHECK int closerecord_store(Store *s, StoreRetry *sr, const WorkJob *wj, RecordClose *rc,
                                 const char *what, WorkOutcome *ret);
