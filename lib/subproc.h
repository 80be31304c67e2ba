/* Run a helper program (pdfimages, pdftotext) safely: argv straight to
 * execvp (no shell, so file names are never interpreted), stdin from
 * /dev/null, stdout and stderr captured up to a bound, killed after a time
 * limit so that a hostile PDF cannot hang an import, killed as soon as it
 * has written a megabyte of complaints (pdfimages repeats "Write Error"
 * without end when its disk is full), and killed when the caller is asked
 * to stop. */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct SubprocResult {
        int status; /* exit code; 128+N when killed by signal N */
        char *out;  /* stdout, NUL-terminated (at most max_out bytes kept) */
        size_t out_len;
        char *err; /* stderr, NUL-terminated, at most 4 KiB kept */
        size_t err_len;
        int timed_out; /* killed at the time limit */
        int flooded;   /* killed after SUBPROC_ERR_FLOOD bytes of stderr */
} SubprocResult;

/* Bytes of stderr after which a helper is taken to be stuck in a loop of errors. */
#define SUBPROC_ERR_FLOOD (1u << 20)

/* Runs argv[0] (PATH searched) with argv, waits up to timeout_ms (0: no
 * limit). 0 once the program ran (look at ret->status), or negative errno
 * when it could not start (-ENOENT: not installed). The caller frees with
 * subproc_result_done(). */
MUST_CHECK int subproc_run(const char *const *argv, uint64_t timeout_ms, size_t max_out, SubprocResult *ret);
/* The same, and the program is killed and -EINTR returned (nothing in *ret)
 * once *stop is non-zero (a flag a signal handler sets; NULL: never). */
MUST_CHECK int subproc_run_until(const char *const *argv, uint64_t timeout_ms, size_t max_out,
                                 const volatile sig_atomic_t *stop, SubprocResult *ret);
void subproc_result_done(SubprocResult *r);
