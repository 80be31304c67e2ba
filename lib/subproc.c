/* Running helper programs without a shell (see subproc.h). posix_spawnp()
 * reports a program that cannot be executed as an error of its own, so a
 * missing pdfimages is told apart from a PDF it refused. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "subproc.h"

#define SUBPROC_ERR_MAX 4096
/* How long poll() may sleep while a stop flag is to be watched: a signal
 * that lands just before poll() is seen this late at most. */
#define SUBPROC_STOP_POLL_MS 200

extern char **environ;

typedef struct SubprocBuf {
        char *data;
        size_t len, cap, max;
        uint64_t total; /* read, kept or not */
} SubprocBuf;

/* Appends what fits under max; the rest is read and dropped so the child
 * never blocks on a full pipe. */
static int subproc_buf_read(SubprocBuf *b, int fd)
{
        char tmp[65536];
        ssize_t n = read(fd, tmp, sizeof(tmp));
        size_t keep;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -errno;
        if (n == 0)
                return 0;
        b->total += (uint64_t) n;
        keep = MIN((size_t) n, b->max - b->len);
        if (keep > 0 && b->len + keep + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + keep + 1);
                char *p = realloc(b->data, cap);

                if (!p)
                        return -ENOMEM;
                b->data = p;
                b->cap = cap;
        }
        if (keep > 0) {
                memcpy(b->data + b->len, tmp, keep);
                b->len += keep;
        }
        return 1;
}

static int subproc_start(const char *const *argv, int out_w, int err_w, pid_t *ret_pid)
{
        posix_spawn_file_actions_t fa;
        int r;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, err_w, STDERR_FILENO);
        if (r == 0)
                r = posix_spawnp(ret_pid, argv[0], &fa, NULL, (char *const *) argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

/* Why the loop of subproc_run_until() should kill the child now, if it should. */
static int subproc_must_kill(uint64_t deadline, const volatile sig_atomic_t *stop, const SubprocBuf *err,
                             int *ret_wait_ms)
{
        uint64_t now = clock_mono_ms();

        *ret_wait_ms = stop ? SUBPROC_STOP_POLL_MS : -1;
        if (stop && *stop)
                return -EINTR;
        if (err->total >= SUBPROC_ERR_FLOOD)
                return -EMSGSIZE;
        if (deadline && now >= deadline)
                return -ETIMEDOUT;
        if (deadline && (*ret_wait_ms < 0 || deadline - now < (uint64_t) *ret_wait_ms))
                *ret_wait_ms = (int) MIN(deadline - now, 1000);
        return 0;
}

int subproc_run_until(const char *const *argv, uint64_t timeout_ms, size_t max_out,
                      const volatile sig_atomic_t *stop, SubprocResult *ret)
{
        SubprocBuf out = { .max = max_out }, err = { .max = SUBPROC_ERR_MAX };
        int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, r, st = 0, killed = 0;
        uint64_t deadline = timeout_ms ? clock_mono_ms() + timeout_ms : 0;
        pid_t pid = -1;

        if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        r = subproc_start(argv, pout[1], perr[1], &pid);
        close(pout[1]);
        close(perr[1]);
        pout[1] = perr[1] = -1;
        if (r < 0)
                goto out;
        while (pout[0] >= 0 || perr[0] >= 0) {
                struct pollfd p[2] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 } };
                int wait_ms;

                killed = subproc_must_kill(deadline, stop, &err, &wait_ms);
                if (killed < 0) {
                        kill(pid, SIGKILL);
                        break;
                }
                if (poll(p, 2, wait_ms) < 0 && errno != EINTR) {
                        r = -errno;
                        kill(pid, SIGKILL);
                        break;
                }
                for (int i = 0; i < 2; i++) {
                        int *fd = i == 0 ? &pout[0] : &perr[0];
                        int k;

                        if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        k = subproc_buf_read(i == 0 ? &out : &err, *fd);
                        if (k < 0 && r >= 0)
                                r = k;
                        if (k <= 0) {
                                close(*fd);
                                *fd = -1;
                        }
                }
        }
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (r >= 0 && killed == -EINTR)
                r = -EINTR;
        if (r < 0)
                goto out;
        ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        ret->timed_out = killed == -ETIMEDOUT;
        ret->flooded = killed == -EMSGSIZE;
        ret->out = out.data ? out.data : strdup("");
        ret->out_len = out.len;
        ret->err = err.data ? err.data : strdup("");
        ret->err_len = err.len;
        if (out.data)
                out.data[out.len] = '\0';
        if (err.data)
                err.data[err.len] = '\0';
        out.data = err.data = NULL;
        r = ret->out && ret->err ? 0 : -ENOMEM;
        if (r < 0)
                subproc_result_done(ret);
out:
        for (int i = 0; i < 2; i++) {
                if (pout[i] >= 0)
                        close(pout[i]);
                if (perr[i] >= 0)
                        close(perr[i]);
        }
        free(out.data);
        free(err.data);
        return r;
}

int subproc_run(const char *const *argv, uint64_t timeout_ms, size_t max_out, SubprocResult *ret)
{
        return subproc_run_until(argv, timeout_ms, max_out, NULL, ret);
}

void subproc_result_done(SubprocResult *r)
{
        if (!r)
                return;
        r->out = mfree(r->out);
        r->err = mfree(r->err);
}
