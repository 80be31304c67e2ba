/* The daemons' signals arrive as readable events on a signalfd inside the
 * main poll set, so no work ever runs in a handler. SIGPIPE is ignored:
 * a closed peer shows up as EPIPE where the write happens. */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sigfd.h"

static void sigfd_mask(sigset_t *mask)
{
        sigemptyset(mask);
        sigaddset(mask, SIGTERM);
        sigaddset(mask, SIGINT);
        sigaddset(mask, SIGHUP);
        sigaddset(mask, SIGQUIT);
}

int sigfd_open(int *ret_fd)
{
        struct sigaction sa = { .sa_handler = SIG_IGN };
        sigset_t mask;
        int fd, r;

        if (sigaction(SIGPIPE, &sa, NULL) < 0)
                return -errno;

        sigfd_mask(&mask);
        r = pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r != 0)
                return -r; /* pthread_* return the errno instead of setting it */

        fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

int sigfd_read(int fd, int *ret_signo)
{
        struct signalfd_siginfo si;
        ssize_t n;

        do
                n = read(fd, &si, sizeof(si));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if ((size_t) n != sizeof(si))
                return -EIO;
        *ret_signo = (int) si.ssi_signo;
        return 0;
}
