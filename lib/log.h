/* Logging to stderr with the "<N>" priority prefixes journald understands
 * (plain text when stderr is a terminal). Under systemd, when stderr is the
 * journal ($JOURNAL_STREAM names it), each message goes to journald itself
 * with its fields (PRIORITY, SYSLOG_IDENTIFIER, ERRNO and the context
 * below), so that `journalctl SOHOA_PAGE=UUID` finds a page's story; stderr
 * stays the fallback. No timestamps of our own. Library code does not log:
 * the caller logs once, with context. The *_errno forms set errno so "%m"
 * prints the error, and return the negative error so that
 * "return log_error_errno(r, ...);" reads as one step. */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Only messages at this level or more severe are written (default LOG_INFO;
 * SOHOA_LOG_LEVEL=debug|info|notice|warning|err in the environment). */
void log_set_max_level(int level);
int log_get_max_level(void);
/* The level a program's log_level setting asks for: setting when it is one
 * (NULL: $SOHOA_LOG_LEVEL, else info). -EINVAL for an unknown name, and
 * the level in force stays. */
int log_set_max_level_from(const char *setting);
/* Parse "debug", "info", ... or a digit; -EINVAL if unknown. */
int log_level_from_string(const char *s);

/* What this thread works on, sent with each of its messages as the journal
 * fields SOHOA_STATION=, SOHOA_BATCH= and SOHOA_PAGE= (not written to a
 * plain stderr: the messages name what they need). NULL or "" leaves a
 * field out; the strings are copied. log_context_clear() ends it. */
void log_context_set(const char *station, const char *batch, const char *page);
void log_context_clear(void);

/* Libraries that write their complaints to stdio's stderr themselves
 * (libpng's "libpng error: ...", libjpeg's "Corrupt JPEG data", Tesseract)
 * would reach the journal without a priority, as info: from this call on,
 * each line they write is logged as one message, at warning when it says
 * error, warning, corrupt or invalid, else at info. stderr is replaced by a
 * stream that does this; the program's own messages are unchanged. Call
 * once, after the command line is handled. 0 or -errno. */
int log_capture_stdio(void);

/* Writes the line when level passes; returns -abs(error) (0 when error is 0). */
int log_internal(int level, int error, const char *fmt, ...) PRINTF_FMT(3, 4);

#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_internal(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
