/* The refused HELLOs, as the log tells them. A client refused for its role
 * or its id (hello.c) is told BYE once per connection, and reconnects every
 * few seconds until an operator fixes it: logged per connection, it would
 * fill the log. So the first refusal of a peer id for a reason is logged
 * in full, the next ones are counted and said in one line every
 * REFUSALS_SUMMARY_MS while they go on (and at shutdown); a peer id quiet
 * for that long is forgotten, and its next refusal is logged in full. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define REFUSALS_SUMMARY_MS (10 * 60 * 1000)

typedef struct Refusals Refusals;

/* NULL on allocation failure. */
Refusals *refusals_new(void);
/* Logs what is counted and not said yet (a shutdown), frees. NULL ok;
 * returns NULL. */
Refusals *refusals_free(Refusals *r);
/* One refusal of the HELLO of peer_id on that endpoint (workers) for reason
 * (the BYE's words). True when the caller is to log it in full now: the
 * first refusal of that peer id for that reason, or the first since it was
 * forgotten (and when memory runs out). False when it is counted. */
bool refusals_note(Refusals *r, bool workers, const char *peer_id, const char *reason, uint64_t now_ms);
/* Logs the counts due (one line per peer id and reason refused again in
 * the last REFUSALS_SUMMARY_MS) and forgets those refused not once since. */
void refusals_tick(Refusals *r, uint64_t now_ms);
