/* Binding an ipc:// endpoint so that only the broker's user can reach it:
 * libzmq creates the socket file with the process's umask, after removing
 * any file of that name, so the umask is tightened around the bind and the
 * mode set again after it; the directory is checked (or made) first so
 * that nobody else could have put something in its place. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "ipcpath.h"
#include "log.h"

#define IPC_PREFIX "ipc://"

const char *ipcpath_of(const char *endpoint)
{
        const char *p;

        if (strncmp(endpoint, IPC_PREFIX, strlen(IPC_PREFIX)) != 0)
                return NULL;
        p = endpoint + strlen(IPC_PREFIX);
        if (p[0] == '\0' || p[0] == '@' || strcmp(p, "*") == 0)
                return NULL;
        return p;
}

static int ipcpath_dir(const char *path)
{
        char copy[PATH_MAX];
        const char *dir;
        struct stat st;

        if (snprintf(copy, sizeof(copy), "%s", path) >= (int) sizeof(copy))
                return -ENAMETOOLONG;
        dir = dirname(copy);
        if (mkdir(dir, 0700) == 0)
                return 0;
        if (errno != EEXIST)
                return log_error_errno(-errno, "cannot make the directory %s of the socket %s: %m", dir,
                                       path);
        if (stat(dir, &st) < 0)
                return log_error_errno(-errno, "cannot look at the directory %s of the socket %s: %m", dir,
                                       path);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return log_error_errno(
                        -EPERM,
                        "the directory %s of the socket %s is writable by its group or by others "
                        "(mode %04o): another user could replace the socket; make it 0755 or "
                        "stricter, or put the socket elsewhere",
                        dir, path, (unsigned) (st.st_mode & 07777));
        return 0;
}

int ipcpath_bind(void *z, const char *endpoint)
{
        const char *path = ipcpath_of(endpoint);
        mode_t old;
        int r;

        if (!path)
                return zmq_bind(z, endpoint) < 0 ? -errno : 0;
        r = ipcpath_dir(path);
        if (r < 0)
                return r;
        old = umask(0077);
        r = zmq_bind(z, endpoint) < 0 ? -errno : 0;
        umask(old);
        if (r < 0)
                return r;
        if (chmod(path, 0600) < 0)
                return log_error_errno(-errno, "cannot make the socket %s owner-only: %m", path);
        return 0;
}
