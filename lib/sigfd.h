/* Signals read from a signalfd inside the program's own poll set: handlers
 * do no work. */
#pragma once

#include "macro.h"

/* Block SIGTERM, SIGINT, SIGHUP and SIGQUIT (and SIGPIPE: ignored) and return
 * a non-blocking, close-on-exec signalfd for them in *ret_fd. 0 or negative
 * errno. Call before starting any thread so every thread has them blocked. */
MUST_CHECK int sigfd_open(int *ret_fd);
/* Read one pending signal: 0 and *ret_signo, or -EAGAIN when none. */
MUST_CHECK int sigfd_read(int fd, int *ret_signo);
