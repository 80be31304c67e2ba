/* STATUS: the admin query on the station endpoint, answered without HELLO. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "broker.h"

/* Build a StatusReply (classes, counters, and the peers when asked, as
 * many as fit in one body) and send it to rid. Failures are logged at debug
 * level only: the admin tool times out and says so. */
void status_reply(Broker *b, const uint8_t *rid, size_t rid_len, const Sohoa__StatusRequest *req);
