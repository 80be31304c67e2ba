/* The control socket. SOCK_SEQPACKET keeps message boundaries, so a request
 * is one read and needs no framing of its own. Access is by file mode: the
 * socket is made group-writable for the station's operators. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

int control_listen(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        (void) chmod(path, 0660);
        *ret_fd = fd;
        return 0;
}

static void copy_value(char *dst, size_t size, const char *v)
{
        snprintf(dst, size, "%s", v);
}

static int parse_request(char *msg, ControlRequest *req)
{
        char *save = NULL, *line, *eq, *end;
        unsigned long n;

        line = strtok_r(msg, "\n", &save);
        if (!line || (strcmp(line, "scan") != 0 && strcmp(line, "status") != 0))
                return -EINVAL;
        copy_value(req->command, sizeof(req->command), line);
        while ((line = strtok_r(NULL, "\n", &save))) {
                eq = strchr(line, '=');
                if (!eq)
                        return -EINVAL;
                *eq++ = '\0';
                if (strcmp(line, "station") == 0)
                        copy_value(req->station, sizeof(req->station), eq);
                else if (strcmp(line, "profile") == 0)
                        copy_value(req->profile, sizeof(req->profile), eq);
                else if (strcmp(line, "dossier") == 0)
                        copy_value(req->dossier, sizeof(req->dossier), eq);
                else if (strcmp(line, "sheets") == 0) {
                        errno = 0;
                        n = strtoul(eq, &end, 10);
                        if (!*eq || *end || errno || n > 100000)
                                return -EINVAL;
                        req->sheets = (unsigned) n;
                } else
                        return -EINVAL;
        }
        return 0;
}

int control_accept(int listen_fd, int *ret_conn, ControlRequest *ret_req)
{
        char msg[CONTROL_MESSAGE_MAX + 1];
        ControlRequest req = {};
        struct pollfd p;
        ssize_t n;
        int conn;

        conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        /* A client that connects and says nothing must not hold the daemon. */
        p = (struct pollfd) { .fd = conn, .events = POLLIN };
        if (poll(&p, 1, 2000) <= 0) {
                close(conn);
                return -ETIMEDOUT;
        }
        n = recv(conn, msg, CONTROL_MESSAGE_MAX, 0);
        if (n <= 0) {
                close(conn);
                return n < 0 ? -errno : -ECONNRESET;
        }
        msg[n] = '\0';
        if (parse_request(msg, &req) < 0) {
                control_reply(conn, "error: malformed request\n");
                return -EBADMSG;
        }
        *ret_conn = conn;
        *ret_req = req;
        return 0;
}

void control_reply(int conn, const char *text)
{
        (void) send(conn, text, strlen(text), MSG_NOSIGNAL);
        close(conn);
}
