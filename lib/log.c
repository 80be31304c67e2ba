/* Logging to stderr, one write(2) per line so lines from several threads
 * never interleave. When stderr is not a terminal (journald, a pipe) each
 * line starts with "<N>", the syslog priority journald reads back. When
 * stderr is the journal's stream ($JOURNAL_STREAM is its device and inode),
 * a message goes to journald natively instead (sd_journal_sendv), with the
 * thread's context as fields; stderr if that fails. The maximum level comes
 * from SOHOA_LOG_LEVEL, read on first use. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

#define LOG_LEVEL_UNSET (-1)
#define LOG_LINE_STACK 2048

static atomic_int max_level = LOG_LEVEL_UNSET;

/* -1: not looked at yet; 0: stderr is not the journal; 1: it is. */
static atomic_int to_journal = -1;

typedef struct LogContext {
        char station[65], batch[37], page[37];
} LogContext;

static _Thread_local LogContext log_context;

void log_context_set(const char *station, const char *batch, const char *page)
{
        snprintf(log_context.station, sizeof(log_context.station), "%s", station ? station : "");
        snprintf(log_context.batch, sizeof(log_context.batch), "%s", batch ? batch : "");
        snprintf(log_context.page, sizeof(log_context.page), "%s", page ? page : "");
}

void log_context_clear(void)
{
        log_context = (LogContext) {};
}

/* Whether stderr is the stream systemd connected to the journal: the
 * "DEVICE:INODE" of $JOURNAL_STREAM is stderr's (a child that inherited the
 * variable but not the stream writes to stderr as usual). */
static bool log_stderr_is_journal(void)
{
        int v = atomic_load(&to_journal);
        const char *e;
        unsigned long long dev, ino;
        struct stat st;

        if (v >= 0)
                return v;
        e = getenv("JOURNAL_STREAM");
        v = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
            (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
        atomic_store(&to_journal, v);
        return v;
}

/* One message to journald with its fields (cut at LOG_LINE_STACK
 * characters); 0, or negative when journald cannot be reached (the caller
 * writes stderr then). */
static int log_journal(int level, int error, const char *fmt, va_list ap)
{
        char prio[16], err[32], ident[80], msg[LOG_LINE_STACK + 8], station[96], batch[64], page[64];
        struct iovec iov[7];
        int n = 0, k;

        k = snprintf(msg, sizeof(msg), "MESSAGE=");
        vsnprintf(msg + k, sizeof(msg) - (size_t) k, fmt, ap);
        iov[n++] = (struct iovec) { msg, strlen(msg) };
        snprintf(prio, sizeof(prio), "PRIORITY=%d", level & LOG_PRIMASK);
        iov[n++] = (struct iovec) { prio, strlen(prio) };
        snprintf(ident, sizeof(ident), "SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
        iov[n++] = (struct iovec) { ident, strlen(ident) };
        if (error) {
                snprintf(err, sizeof(err), "ERRNO=%d", error);
                iov[n++] = (struct iovec) { err, strlen(err) };
        }
        if (log_context.station[0]) {
                snprintf(station, sizeof(station), "SOHOA_STATION=%s", log_context.station);
                iov[n++] = (struct iovec) { station, strlen(station) };
        }
        if (log_context.batch[0]) {
                snprintf(batch, sizeof(batch), "SOHOA_BATCH=%s", log_context.batch);
                iov[n++] = (struct iovec) { batch, strlen(batch) };
        }
        if (log_context.page[0]) {
                snprintf(page, sizeof(page), "SOHOA_PAGE=%s", log_context.page);
                iov[n++] = (struct iovec) { page, strlen(page) };
        }
        return sd_journal_sendv(iov, n);
}

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (int) i;
        /* The spellings people type as often as syslog's own. */
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "warn") == 0)
                return LOG_WARNING;
        return -EINVAL;
}

void log_set_max_level(int level)
{
        atomic_store(&max_level, level & LOG_PRIMASK);
}

int log_set_max_level_from(const char *setting)
{
        int level = log_level_from_string(setting ? setting : getenv("SOHOA_LOG_LEVEL"));

        if (level < 0 && setting)
                return -EINVAL;
        log_set_max_level(level < 0 ? LOG_INFO : level);
        return 0;
}

int log_get_max_level(void)
{
        int level = atomic_load(&max_level);
        int unset = LOG_LEVEL_UNSET;

        if (level != LOG_LEVEL_UNSET)
                return level;

        /* First use: the environment decides unless log_set_max_level() won
         * the race, which compare-exchange respects. An unknown value falls
         * back to the default rather than silencing the program. */
        level = log_level_from_string(getenv("SOHOA_LOG_LEVEL"));
        if (level < 0)
                level = LOG_INFO;
        if (!atomic_compare_exchange_strong(&max_level, &unset, level))
                level = unset;
        return level;
}

static void write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return; /* Nowhere left to report a failing stderr. */
                }
                p += k;
                n -= (size_t) k;
        }
}

/* Prefix, message and newline into one buffer (the stack one when it fits)
 * and one write. Runs with errno already set for "%m". */
static void log_write(int level, bool prefix, const char *fmt, va_list ap)
{
        char stack[LOG_LINE_STACK], *buf = stack, *heap = NULL;
        size_t size = sizeof(stack);
        int plen = 0, mlen, e = errno;
        va_list aq;

        if (prefix)
                plen = snprintf(stack, sizeof(stack), "<%d>", level & LOG_PRIMASK);

        va_copy(aq, ap);
        mlen = vsnprintf(stack + plen, size - (size_t) plen, fmt, aq);
        va_end(aq);
        if (mlen < 0)
                return;
        if ((size_t) plen + (size_t) mlen + 2 > size) {
                size = (size_t) plen + (size_t) mlen + 2;
                heap = malloc(size);
                if (heap) {
                        memcpy(heap, stack, (size_t) plen);
                        buf = heap;
                        errno = e; /* malloc() may have touched it; "%m" again */
                        mlen = vsnprintf(heap + plen, size - (size_t) plen, fmt, ap);
                        if (mlen < 0)
                                goto out;
                } else {
                        /* Out of memory: a truncated line beats none. */
                        size = sizeof(stack);
                        mlen = (int) (size - (size_t) plen - 2);
                }
        }

        size_t n = (size_t) plen + (size_t) mlen;
        if (n == (size_t) plen || buf[n - 1] != '\n')
                buf[n++] = '\n';
        write_all(STDERR_FILENO, buf, n);
out:
        free(heap);
}

/* The stream that replaces stdio's stderr: whole lines become messages
 * (stdio holds the FILE's lock while it calls us: one writer at a time). */
typedef struct StdioLines {
        char buf[LOG_LINE_STACK];
        size_t n;
} StdioLines;

static void stdio_emit(StdioLines *l)
{
        static const char *const loud[] = { "error", "warning", "corrupt", "invalid" };
        int level = LOG_INFO;

        while (l->n > 0 && (l->buf[l->n - 1] == '\n' || l->buf[l->n - 1] == '\r'))
                l->n--;
        l->buf[l->n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(loud); i++)
                if (strcasestr(l->buf, loud[i]))
                        level = LOG_WARNING;
        if (l->n > 0)
                log_internal(level, 0, "%s", l->buf);
        l->n = 0;
}

static ssize_t stdio_write(void *cookie, const char *p, size_t size)
{
        StdioLines *l = cookie;

        for (size_t i = 0; i < size; i++) {
                if (l->n < sizeof(l->buf) - 1)
                        l->buf[l->n++] = p[i];
                if (p[i] == '\n' || l->n == sizeof(l->buf) - 1)
                        stdio_emit(l);
        }
        return (ssize_t) size;
}

static int stdio_close(void *cookie)
{
        stdio_emit(cookie);
        return 0;
}

int log_capture_stdio(void)
{
        static const cookie_io_functions_t io = { .write = stdio_write, .close = stdio_close };
        static StdioLines lines; /* one stderr per process */
        FILE *f;

        f = fopencookie(&lines, "w", io);
        if (!f)
                return -errno;
        setvbuf(f, NULL, _IOLBF, 0);
        fflush(stderr);
        stderr = f; /* the original FILE stays open on fd 2, unused */
        return 0;
}

int log_internal(int level, int error, const char *fmt, ...)
{
        int saved_errno = errno;
        int e = error < 0 ? -error : error;
        va_list ap;

        if ((level & LOG_PRIMASK) <= log_get_max_level()) {
                /* Asked per line, as stderr may be redirected meanwhile. */
                bool prefix = !isatty(STDERR_FILENO);

                bool sent = false;

                if (prefix && log_stderr_is_journal()) {
                        errno = e != 0 ? e : saved_errno;
                        va_start(ap, fmt);
                        sent = log_journal(level, e, fmt, ap) >= 0;
                        va_end(ap);
                }
                /* isatty() just clobbered errno: "%m" prints the caller's
                 * errno, or the error given to the *_errno forms. */
                errno = e != 0 ? e : saved_errno;
                va_start(ap, fmt);
                if (!sent)
                        log_write(level, prefix, fmt, ap);
                va_end(ap);
        }

        errno = saved_errno;
        return -e;
}
