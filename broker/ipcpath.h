/* The broker's ipc:// endpoints are files: the socket file is the door
 * (connecting takes write permission on it), its directory the lock on
 * the door (who may replace it). Only the broker's own user may do either
 * (PROTOCOL.md §1). */
#pragma once

/* The file of an ipc:// endpoint ("ipc:///run/sohoa/workers.sock" ->
 * "/run/sohoa/workers.sock"), or NULL for any other endpoint: another
 * transport, an abstract socket ("ipc://@name", which any local user can
 * reach), a wildcard. Points into endpoint. */
const char *ipcpath_of(const char *endpoint);

/* zmq_bind(z, endpoint); for an ipc:// path, first its directory: made
 * 0700 when missing, refused (-EPERM, logged with the reason) when group
 * or others may write to it; then the socket file is made 0600. 0 or
 * negative errno. */
int ipcpath_bind(void *z, const char *endpoint);
