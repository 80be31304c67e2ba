/* The worker endpoint: HELLO, READY, RESULT, HEARTBEAT and BYE from
 * workers. A RESULT makes its worker idle again and becomes an ACK to the
 * page's origin. */
#pragma once

#include <stdint.h>

#include "broker.h"

/* Handle one decoded message from the worker endpoint (m stays the
 * caller's). */
void backend_handle(Broker *b, Msg *m, uint64_t now_ms);
