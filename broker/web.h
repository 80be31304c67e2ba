/* What the broker's HTTP server holds: /metrics (metrics.h) and, at /, the
 * status page: the picture of `sohoactl status` for a phone or a wall
 * screen, refreshing itself, with no asset from anywhere else. */
#pragma once

#include <stddef.h>

/* An HttpdGetFn; userdata is the Broker. */
int web_get(void *userdata, const char *path, char **ret_body, size_t *ret_len, const char **ret_type);
