/* The broker's HTTP server (libmicrohttpd, no thread of its own): it runs
 * inside the broker's poll loop, so a handler reads the broker's state as
 * it is, without locks. Only GET; the handler says what a path holds. */
#pragma once

#include <stddef.h>

#include "macro.h"

typedef struct Httpd Httpd;

/* A GET of path: 0 with *ret_body (malloc'ed, taken over), its length and
 * its static content type; -ENOENT for a path that holds nothing (404). */
typedef int (*HttpdGetFn)(void *userdata, const char *path, char **ret_body, size_t *ret_len,
                          const char **ret_type);

/* Listen on "HOST:PORT" (HOST an IPv4 or IPv6 address, "[::1]:PORT" too,
 * empty for every address). 0, -EINVAL (not an address), or negative errno
 * (in use...). */
MUST_CHECK int httpd_new(const char *listen, HttpdGetFn fn, void *userdata, Httpd **ret);
Httpd *httpd_free(Httpd *h);
/* The fd to poll for input; then httpd_run(). */
int httpd_fd(const Httpd *h);
/* Serve what is ready (and close idle connections); never blocks. */
void httpd_run(Httpd *h);
/* Milliseconds until httpd_run() has timers to keep, at most max_ms. */
long httpd_timeout(const Httpd *h, long max_ms);
