/* GET /metrics: the broker's picture (status.h) in the Prometheus text
 * exposition format, version 0.0.4, with the figures stations and workers
 * state in their heartbeats, so that one scrape sees everything. Names and
 * units are listed in docs/MONITORING.md. */
#pragma once

#include <stddef.h>

#include "broker.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* 0 with *ret (malloc'ed) and *ret_len, or -ENOMEM. */
MUST_CHECK int metrics_render(Broker *b, char **ret, size_t *ret_len);
