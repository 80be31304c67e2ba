/* sohoa-testworker: a worker that does no OCR, for the spine's tests, the
 * demo before the real worker and the broker benchmark. It is a real peer
 * (session/workpeer) and stores like the real store does, idempotently: a page
 * is a file named by its UUID in --store-dir, created exclusively, holding
 * its SHA-256; a repeat with the same hash is acknowledged "stored", one with
 * another hash "rejected". A batch-close record is no page: it is stored as
 * a file named UUID.close. Knobs make it slow or make it die on a page. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sha256.h"
#include "sigfd.h"
#include "uuid.h"
#include "workpeer.h"

typedef struct TestWorker {
        const char *store_dir;
        const char *job_log;
        const char *own_job_log; /* the same lines, for this worker alone */
        uint64_t delay_ms;
        uint64_t delay_sequence; /* 0: delay every page; N: only pages with this sequence */
        uint32_t crash_sequence; /* die (SIGKILL-like) on a page with this sequence unless store-only */
        const char *hold_file;   /* hold every page until this file exists: a test's order, not a timer */
        bool verify;
} TestWorker;

static void log_job_to(const char *path, const WorkJob *job, const char *uuid)
{
        FILE *f;

        if (!path)
                return;
        f = fopen(path, "ae");
        if (!f)
                return;
        fprintf(f, "%s %u %u %d\n", uuid, job->page->sequence, job->attempts, job->store_only);
        fclose(f);
}

/* One log that workers share, in the order jobs began, and one that says
 * which jobs this worker took. */
static void log_job(TestWorker *t, const WorkJob *job, const char *uuid)
{
        log_job_to(t->job_log, job, uuid);
        log_job_to(t->own_job_log, job, uuid);
}

/* The idempotent store: O_EXCL decides who was first. */
static int store(TestWorker *t, const char *uuid, const uint8_t sha[SHA256_LEN], WorkOutcome *ret)
{
        char path[4096], hex[SHA256_HEX_MAX], old[SHA256_HEX_MAX] = "";
        int fd;
        ssize_t n;

        sha256_hex(sha, hex);
        snprintf(path, sizeof(path), "%s/%s", t->store_dir, uuid);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
                n = write(fd, hex, 64);
                close(fd);
                if (n != 64)
                        return -EIO;
                ret->status = SOHOA__RESULT_STATUS__RESULT_STORED;
                return 0;
        }
        if (errno != EEXIST)
                return -errno;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, old, 64);
        close(fd);
        if (n == 64 && memcmp(old, hex, 64) == 0)
                ret->status = SOHOA__RESULT_STATUS__RESULT_STORED;
        else {
                ret->status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
                snprintf(ret->reason, sizeof(ret->reason), "page %s is stored with another hash", uuid);
        }
        return 0;
}

static void delay(TestWorker *t, const WorkJob *job)
{
        uint64_t until = clock_mono_ms() + t->delay_ms;

        if (t->delay_sequence && job->page->sequence != t->delay_sequence)
                return;
        while (clock_mono_ms() < until && !atomic_load(job->cancel))
                usleep(10000);
}

static void hold(TestWorker *t, const WorkJob *job)
{
        if (!t->hold_file)
                return;
        while (access(t->hold_file, F_OK) < 0 && !atomic_load(job->cancel))
                usleep(10000);
}

static int process(const WorkJob *job, void *userdata, WorkOutcome *ret)
{
        TestWorker *t = userdata;
        char uuid[UUID_STRING_MAX], name[UUID_STRING_MAX + 8];
        uint8_t sha[SHA256_LEN];
        Uuid u;

        if (uuid_from_bytes(job->page->page_uuid.data, job->page->page_uuid.len, &u) < 0)
                return -EBADMSG;
        uuid_format(&u, uuid);
        log_job(t, job, uuid);
        if (t->crash_sequence && job->page->sequence == t->crash_sequence && !job->store_only)
                _exit(137);
        if (t->verify) {
                sha256_buf(job->image, job->image_len, sha);
                if (memcmp(sha, job->page->sha256.data, SHA256_LEN) != 0) {
                        ret->status = SOHOA__RESULT_STATUS__RESULT_RESEND;
                        snprintf(ret->reason, sizeof(ret->reason), "payload fails its SHA-256");
                        return 0;
                }
        }
        if (!job->store_only) {
                delay(t, job);
                hold(t, job);
        }
        if (atomic_load(job->cancel)) {
                ret->status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
                snprintf(ret->reason, sizeof(ret->reason), "time limit");
        }
        if (!t->store_dir) {
                if (!ret->status)
                        ret->status = SOHOA__RESULT_STATUS__RESULT_STORED;
                return 0;
        }
        WorkOutcome o = { 0 };
        snprintf(name, sizeof(name), "%s%s", uuid, job->page->batch_close ? ".close" : "");
        int r = store(t, name, job->page->sha256.data, &o);
        if (r < 0)
                return r;
        if (!ret->status || o.status == SOHOA__RESULT_STATUS__RESULT_REJECTED)
                *ret = o;
        return 0;
}

static void help(void)
{
        printf("sohoa-testworker --endpoint EP [--id NAME] [--store-dir DIR] [--job-log FILE]\n"
               "                 [--own-job-log FILE] [--delay-ms N] [--delay-sequence N]\n"
               "                 [--crash-sequence N] [--page-timeout-ms N] [--no-verify]\n"
               "                 [--hold-file PATH]\n"
               "A worker without OCR for tests and benchmarks: stores pages as files named by UUID.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "endpoint", required_argument, NULL, 'e' },
                { "id", required_argument, NULL, 'i' },
                { "store-dir", required_argument, NULL, 's' },
                { "job-log", required_argument, NULL, 'j' },
                { "delay-ms", required_argument, NULL, 'd' },
                { "delay-sequence", required_argument, NULL, 'D' },
                { "crash-sequence", required_argument, NULL, 'c' },
                { "own-job-log", required_argument, NULL, 'o' },
                { "page-timeout-ms", required_argument, NULL, 't' },
                { "no-verify", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { "hold-file", required_argument, NULL, 'H' },
                {},
        };
        TestWorker t = { .verify = true };
        char id[128];
        WorkpeerConfig cfg = { .software = "sohoa-testworker " SOHOA_VERSION };
        Workpeer *w = NULL;
        int c, sfd, r;

        snprintf(id, sizeof(id), "testworker-%d", (int) getpid());
        cfg.peer_id = id;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'e':
                        cfg.endpoint = optarg;
                        break;
                case 'i':
                        cfg.peer_id = optarg;
                        break;
                case 's':
                        t.store_dir = optarg;
                        break;
                case 'j':
                        t.job_log = optarg;
                        break;
                case 'o':
                        t.own_job_log = optarg;
                        break;
                case 'd':
                        t.delay_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'D':
                        t.delay_sequence = strtoull(optarg, NULL, 10);
                        break;
                case 'c':
                        t.crash_sequence = (uint32_t) strtoul(optarg, NULL, 10);
                        break;
                case 't':
                        cfg.page_timeout_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'n':
                        t.verify = false;
                        break;
                case 'H':
                        t.hold_file = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        }
        if (!cfg.endpoint) {
                log_error("--endpoint is required (see --help)");
                return 2;
        }
        r = sigfd_open(&sfd);
        if (r < 0)
                return log_error_errno(r, "signalfd: %m"), 1;
        r = workpeer_new(&cfg, process, &t, &w);
        if (r < 0)
                return log_error_errno(r, "cannot start worker peer for %s: %m", cfg.endpoint), 1;
        log_info("%s serving %s", cfg.peer_id, cfg.endpoint);
        r = workpeer_run(w, sfd);
        /* A page thread still running: leave without freeing what it uses. */
        if (r == -ECANCELED)
                _exit(0);
        if (r == -ETIMEDOUT)
                _exit(1);
        if (r < 0)
                log_error_errno(r, "worker stopped: %m");
        workpeer_free(w);
        close(sfd);
        return r < 0 ? 1 : 0;
}
