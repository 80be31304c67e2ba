/* Logging: "<N>" prefixes when stderr is not a terminal, level filtering
 * (set and from SOHOA_LOG_LEVEL), the *_errno return values and "%m", errno
 * left alone, long lines, whole lines from concurrent threads, and the
 * lines libraries write to stdio's stderr. stderr is pointed at a temporary
 * file and read back. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static char path[] = "/tmp/test-log-XXXXXX";
static int log_fd = -1;

/* Everything logged since the last call, NUL-terminated; caller frees. */
static char *take_output(void)
{
        off_t end = lseek(log_fd, 0, SEEK_END);
        char *buf = malloc((size_t) end + 1);
        ssize_t n;

        CHECK(end >= 0 && buf);
        n = pread(log_fd, buf, (size_t) end, 0);
        CHECK(n == end);
        buf[n] = '\0';
        CHECK(ftruncate(log_fd, 0) == 0);
        return buf;
}

/* The level must come from the environment on first use; a child has not
 * logged yet, so each gets its own first use. */
static void check_env_level(const char *value, int expect)
{
        pid_t pid = fork();
        int status;

        CHECK(pid >= 0);
        if (pid == 0) {
                if (value)
                        setenv("SOHOA_LOG_LEVEL", value, 1);
                else
                        unsetenv("SOHOA_LOG_LEVEL");
                _exit(log_get_max_level() == expect ? 0 : 1);
        }
        CHECK(waitpid(pid, &status, 0) == pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "SOHOA_LOG_LEVEL=%s did not give level %d\n", value ? value : "(unset)",
                        expect);
                exit(1);
        }
}

static void test_env(void)
{
        check_env_level(NULL, LOG_INFO);
        check_env_level("debug", LOG_DEBUG);
        check_env_level("warning", LOG_WARNING);
        check_env_level("ERR", LOG_ERR);
        check_env_level("5", LOG_NOTICE);
        check_env_level("bogus", LOG_INFO);
}

static void test_from_string(void)
{
        CHECK_INT(log_level_from_string("debug"), LOG_DEBUG);
        CHECK_INT(log_level_from_string("info"), LOG_INFO);
        CHECK_INT(log_level_from_string("notice"), LOG_NOTICE);
        CHECK_INT(log_level_from_string("warning"), LOG_WARNING);
        CHECK_INT(log_level_from_string("err"), LOG_ERR);
        CHECK_INT(log_level_from_string("0"), 0);
        CHECK_INT(log_level_from_string("7"), 7);
        CHECK_INT(log_level_from_string("8"), -EINVAL);
        CHECK_INT(log_level_from_string("77"), -EINVAL);
        CHECK_INT(log_level_from_string(""), -EINVAL);
        CHECK_INT(log_level_from_string("loud"), -EINVAL);
        CHECK_INT(log_level_from_string(NULL), -EINVAL);
}

static void test_prefix_and_errno(void)
{
        char *out;

        log_set_max_level(LOG_INFO);
        CHECK_INT(log_get_max_level(), LOG_INFO);

        errno = EBUSY;
        CHECK_INT(log_error_errno(-ENOENT, "open foo: %m"), -ENOENT);
        CHECK_INT(errno, EBUSY);
        /* A positive error is accepted and still returned negative. */
        CHECK_INT(log_warning_errno(EACCES, "open bar: %m"), -EACCES);
        CHECK_INT(errno, EBUSY);
        /* Without an error, "%m" is the caller's errno. */
        CHECK_INT(log_info("plain %d: %m", 42), 0);
        CHECK_INT(errno, EBUSY);
        CHECK_INT(log_notice("with newline\n"), 0);

        out = take_output();
        CHECK_STR(out, "<3>open foo: No such file or directory\n"
                       "<4>open bar: Permission denied\n"
                       "<6>plain 42: Device or resource busy\n"
                       "<5>with newline\n");
        free(out);
}

static void test_filter(void)
{
        char *out;

        log_set_max_level(LOG_WARNING);
        errno = EINTR;
        CHECK_INT(log_info("dropped"), 0);
        CHECK_INT(log_debug_errno(-EIO, "dropped too: %m"), -EIO);
        CHECK_INT(log_info_errno(-EPIPE, "dropped as well"), -EPIPE);
        CHECK_INT(errno, EINTR);
        CHECK_INT(log_warning("kept"), 0);
        CHECK_INT(log_error("kept %s", "too"), 0);
        out = take_output();
        CHECK_STR(out, "<4>kept\n<3>kept too\n");
        free(out);

        log_set_max_level(LOG_DEBUG);
        CHECK_INT(log_debug("now shown"), 0);
        out = take_output();
        CHECK_STR(out, "<7>now shown\n");
        free(out);
        log_set_max_level(LOG_INFO);
}

static void test_long_line(void)
{
        size_t n = 10000;
        char *msg = malloc(n + 1), *out;

        CHECK(msg);
        memset(msg, 'x', n);
        msg[n] = '\0';
        log_info("%s", msg);
        out = take_output();
        CHECK_INT(strlen(out), 3 + n + 1);
        CHECK(strncmp(out, "<6>xxx", 6) == 0);
        CHECK(out[3 + n] == '\n');
        free(out);
        free(msg);
}

enum {
        THREADS = 8,
        LINES = 2000
};

static void *writer(void *arg)
{
        int t = (int) (intptr_t) arg;

        for (int i = 0; i < LINES; i++)
                log_info("thread %d line %d %s", t, i, "padding-padding-padding-padding");
        return NULL;
}

static void test_threads(void)
{
        pthread_t th[THREADS];
        int next[THREADS] = {};
        char *out, *line, *save = NULL;
        int lines = 0;

        for (int t = 0; t < THREADS; t++)
                CHECK(pthread_create(&th[t], NULL, writer, (void *) (intptr_t) t) == 0);
        for (int t = 0; t < THREADS; t++)
                CHECK(pthread_join(th[t], NULL) == 0);

        /* Each line whole, and each thread's lines in its own order. */
        out = take_output();
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int t, i, used = 0;

                CHECK(sscanf(line, "<6>thread %d line %d padding-padding-padding-padding%n", &t, &i,
                             &used) == 2);
                CHECK(used == (int) strlen(line));
                CHECK(t >= 0 && t < THREADS);
                CHECK_INT(i, next[t]);
                next[t]++;
                lines++;
        }
        CHECK_INT(lines, THREADS * LINES);
        free(out);
}

/* Lines a library writes to stdio's stderr (libpng, libjpeg, Tesseract)
 * become messages with a priority, whole lines even when written in parts. */
static void test_capture_stdio(void)
{
        FILE *real = stderr;
        char *out;

        CHECK(log_capture_stdio() == 0);
        fprintf(stderr, "libpng error: read error in memio_png_read_data\nEstimating resolution as 300\n");
        fprintf(stderr, "Corrupt JPEG data: 12 extraneous ");
        fprintf(stderr, "bytes before marker 0xd9\n");
        fflush(stderr);
        stderr = real; /* CHECK() reports there */
        out = take_output();
        CHECK_STR(out, "<4>libpng error: read error in memio_png_read_data\n"
                       "<6>Estimating resolution as 300\n"
                       "<4>Corrupt JPEG data: 12 extraneous bytes before marker 0xd9\n");
        free(out);
}

int main(void)
{
        int saved_stderr;

        test_env();
        test_from_string();

        log_fd = mkstemp(path);
        CHECK(log_fd >= 0);
        unlink(path);
        saved_stderr = dup(STDERR_FILENO);
        CHECK(saved_stderr >= 0);
        CHECK(fcntl(log_fd, F_SETFL, O_APPEND) == 0);
        CHECK(dup2(log_fd, STDERR_FILENO) == STDERR_FILENO);
        /* CHECK() reports through stdio's stderr: keep that on the real one
         * while fd 2 is the capture file. */
        FILE *real = fdopen(saved_stderr, "w");
        CHECK(real);
        setvbuf(real, NULL, _IONBF, 0);
        stderr = real;

        test_prefix_and_errno();
        test_filter();
        test_long_line();
        test_threads();
        test_capture_stdio();

        close(log_fd);
        return 0;
}
