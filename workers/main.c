/* sohoa-worker: takes pages from the broker one at a time, runs each through
 * the image pipeline and OCR in a thread of its own while the main thread
 * keeps talking to the broker (session/workpeer), and stores it in PostgreSQL
 * exactly once (job.c). One worker per core: Tesseract runs single-threaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config.h"
#include "dbwatch.h"
#include "job.h"
#include "log.h"
#include "settings.h"
#include "sigfd.h"
#include "workpeer.h"

/* OpenMP reads OMP_THREAD_LIMIT once, when Tesseract's libraries load, which
 * is before main(): setting it here is too late for this process image, so
 * the worker executes itself again with it. */
static void main_omp_thread_limit(char **argv)
{
        const char *e = getenv("OMP_THREAD_LIMIT");

        if (e && *e)
                return;
        if (setenv("OMP_THREAD_LIMIT", "1", 1) < 0) {
                log_warning_errno(-errno, "cannot set OMP_THREAD_LIMIT: %m, ignoring");
                return;
        }
        log_debug("OMP_THREAD_LIMIT is unset: executing again with OMP_THREAD_LIMIT=1");
        execv("/proc/self/exe", argv);
        log_warning_errno(-errno, "executing again with OMP_THREAD_LIMIT=1 failed: %m; "
                                  "Tesseract may run several threads, ignoring");
}

/* Options are lib/config's; the worker takes no other arguments. */
static int main_settings(Settings *s, int argc, char **argv)
{
        int r;

        r = config_parse_argv(settings_program(), s, argc, argv);
        if (r != 0)
                return r;
        if (optind < argc) {
                log_error("unexpected argument '%s' (options only, see --help)", argv[optind]);
                return -EINVAL;
        }
        r = settings_resolve(s);
        if (r < 0)
                return log_error_errno(r, "settings: %m");
        return 0;
}

/* SIGHUP: only the main thread reads the reloadable keys (log_level). */
static void main_reload(void *userdata)
{
        (void) config_reload(settings_program(), userdata);
}

static int main_serve(Settings *s, Job *job, int signal_fd)
{
        WorkpeerConfig wc = {
                .endpoint = s->endpoint,
                .peer_id = s->id,
                .software = "sohoa-worker " SOHOA_VERSION,
                .page_timeout_ms = s->page_timeout_ms,
                .page_grace_ms = s->page_grace_ms,
                .on_reload = main_reload,
                .reload_userdata = s,
        };
        Workpeer *w = NULL;
        Dbwatch *dw = NULL;
        uint64_t pages, ocr;
        int r;

        r = workpeer_new(&wc, job_run, job, &w);
        if (r < 0)
                return log_error_errno(r, "cannot connect to the broker at %s: %m", s->endpoint);
        r = dbwatch_new(s, w, &dw);
        if (r < 0) {
                workpeer_free(w);
                return log_error_errno(r, "cannot watch the database: %m");
        }
        log_info("sohoa-worker " SOHOA_VERSION " %s: broker %s, languages %s, OMP_THREAD_LIMIT=%s, "
                 "page time limit %.0f s, OCR time limit %.0f s",
                 s->id, s->endpoint, s->languages, getenv("OMP_THREAD_LIMIT"),
                 (double) s->page_timeout_ms / 1000.0, (double) s->ocr_time_limit_ms / 1000.0);
        (void) sd_notify(0, "READY=1\nSTATUS=serving");
        r = workpeer_run(w, signal_fd);
        if (r == -ETIMEDOUT)
                log_error("a page ran past its time limit and grace: exiting, the broker gives it to "
                          "another worker");
        else if (r == -ECANCELED)
                log_notice("quitting at once with a page in hand: its sender sends it again");
        else if (r < 0)
                log_error_errno(r, "serving the broker failed: %m");
        job_counts(job, &pages, &ocr);
        log_info("%s stopping: %llu pages answered, %llu through the pipeline", s->id,
                 (unsigned long long) pages, (unsigned long long) ocr);
        /* A page thread past its grace cannot be joined: leave without
         * tearing down what it may still be using. */
        if (r == -ETIMEDOUT)
                _exit(EXIT_FAILURE);
        if (r == -ECANCELED)
                _exit(EXIT_SUCCESS);
        dbwatch_free(dw);
        workpeer_free(w);
        return r;
}

int main(int argc, char **argv)
{
        Settings settings = {};
        Job *job = NULL;
        int signal_fd = -1, r;

        main_omp_thread_limit(argv);
        r = main_settings(&settings, argc, argv);
        if (r != 0) {
                settings_done(&settings);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        /* libpng (through Leptonica) and Tesseract write to stdio's stderr. */
        r = log_capture_stdio();
        if (r < 0)
                log_warning_errno(r, "cannot take the libraries' stderr: %m; their lines go unprefixed");
        /* Before any thread starts, so that every thread has them blocked. */
        r = sigfd_open(&signal_fd);
        if (r < 0) {
                log_error_errno(r, "opening the signal fd: %m");
                goto out;
        }
        r = job_new(&settings, &job);
        if (r == -EPROTONOSUPPORT)
                goto out; /* job_new() said which schema */
        if (r < 0) {
                log_error_errno(r, "cannot load the OCR models (%s) or set up the store: %m",
                                settings.languages);
                goto out;
        }
        r = main_serve(&settings, job, signal_fd);
out:
        job_free(job);
        if (signal_fd >= 0)
                close(signal_fd);
        settings_done(&settings);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
