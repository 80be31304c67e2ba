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
#include "dossier.h"

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

/* A value that does not fit is refused, never cut: a cut name could be
 * another station's, profile's or dossier's. */
static int copy_value(char *dst, size_t size, const char *key, const char *v, char *why, size_t why_size)
{
        if (strlen(v) >= size) {
                snprintf(why, why_size, "%s too long (at most %zu bytes)", key, size - 1);
                return -E2BIG;
        }
        strcpy(dst, v);
        return 0;
}

/* why (why_size bytes) says what is wrong when this fails. */
static int parse_request(char *msg, ControlRequest *req, char *why, size_t why_size)
{
        char *save = NULL, *line, *eq, *end;
        unsigned long n;
        int r = 0;

        snprintf(why, why_size, "malformed request");
        line = strtok_r(msg, "\n", &save);
        if (!line || (strcmp(line, "scan") != 0 && strcmp(line, "status") != 0))
                return -EINVAL;
        strcpy(req->command, line);
        while (r >= 0 && (line = strtok_r(NULL, "\n", &save))) {
                eq = strchr(line, '=');
                if (!eq)
                        return -EINVAL;
                *eq++ = '\0';
                if (strcmp(line, "station") == 0)
                        r = copy_value(req->station, sizeof(req->station), line, eq, why, why_size);
                else if (strcmp(line, "profile") == 0)
                        r = copy_value(req->profile, sizeof(req->profile), line, eq, why, why_size);
                else if (strcmp(line, "dossier") == 0) {
                        if (*eq && !dossier_valid(eq)) {
                                snprintf(why, why_size,
                                         "bad dossier code \"%.64s\": expected " DOSSIER_CODE_FORM
                                         " (N a digit, X a capital letter, e.g. 000.00.53.H48-240101-0001)",
                                         eq);
                                return -EINVAL;
                        }
                        strcpy(req->dossier, eq);
                } else if (strcmp(line, "sheets") == 0) {
                        errno = 0;
                        n = strtoul(eq, &end, 10);
                        if (!*eq || *end || errno || n > 100000)
                                return -EINVAL;
                        req->sheets = (unsigned) n;
                } else
                        return -EINVAL;
        }
        return r;
}

int control_accept(int listen_fd, int *ret_conn, ControlRequest *ret_req)
{
        char msg[CONTROL_MESSAGE_MAX + 1], why[200], reply[220];
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
        if (parse_request(msg, &req, why, sizeof(why)) < 0) {
                snprintf(reply, sizeof(reply), "error: %s\n", why);
                control_reply(conn, reply);
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
