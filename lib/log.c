/* Logging to stderr, one write(2) per line so lines from several threads
 * never interleave. When stderr is not a terminal (journald, a pipe) each
 * line starts with "<N>", the syslog priority journald reads back. The
 * maximum level comes from SOHOA_LOG_LEVEL, read on first use. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

#define LOG_LEVEL_UNSET (-1)
#define LOG_LINE_STACK 2048

static atomic_int max_level = LOG_LEVEL_UNSET;

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

int log_internal(int level, int error, const char *fmt, ...)
{
        int saved_errno = errno;
        int e = error < 0 ? -error : error;
        va_list ap;

        if ((level & LOG_PRIMASK) <= log_get_max_level()) {
                /* Asked per line, as stderr may be redirected meanwhile. */
                bool prefix = !isatty(STDERR_FILENO);

                /* isatty() just clobbered errno: "%m" prints the caller's
                 * errno, or the error given to the *_errno forms. */
                errno = e != 0 ? e : saved_errno;
                va_start(ap, fmt);
                log_write(level, prefix, fmt, ap);
                va_end(ap);
        }

        errno = saved_errno;
        return -e;
}
