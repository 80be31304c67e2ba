/* The station's local control socket (a Unix SOCK_SEQPACKET socket, one
 * message each way per connection), used by `sohoactl scan`:
 *   request:  "scan\n" or "status\n", then "key=value\n" lines
 *             (station, profile, dossier, sheets)
 *   reply:    "ok\n" or "error: <reason>\n", then "key=value\n" lines.
 * A scan is answered when its batch has ended, with the batch's counts. */
#pragma once

#include <stdbool.h>

#include "dossier.h"
#include "macro.h"

#define CONTROL_MESSAGE_MAX 4096

typedef struct ControlRequest {
        char command[16];
        char station[64];
        char profile[64];
        char dossier[DOSSIER_CODE_MAX]; /* empty, or a valid code (dossier.h) */
        unsigned sheets;                /* declared; 0: not given */
} ControlRequest;

/* Bind and listen at path (a stale socket file is replaced). 0 and *ret_fd
 * (non-blocking, close-on-exec), or a negative errno. */
MUST_CHECK int control_listen(const char *path, int *ret_fd);
/* Accept one connection and read its request. 0 with *ret_conn (the caller
 * replies and closes with control_reply()), -EAGAIN when nobody waits, or
 * a negative errno (a malformed request, a value too long or a dossier
 * code of the wrong form: answered with what is wrong and closed here). */
MUST_CHECK int control_accept(int listen_fd, int *ret_conn, ControlRequest *ret_req);
/* Send the reply text and close conn. */
void control_reply(int conn, const char *text);
