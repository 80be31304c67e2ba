/* holdwalk.so, an LD_PRELOAD shim for test_import_faults.py: it appends
 * every folder a program lists with scandir() to $SOHOA_HOLD_LOG, and stops
 * the program (SIGSTOP) before it lists a folder named $SOHOA_HOLD_DIR, so
 * that a test can signal `sohoactl import` at a known point of its walk
 * instead of racing a timer. <dirent.h> is left out on purpose: the
 * wrappers pass its types through untouched, and its prototypes would
 * clash with one signature serving both scandir and scandir64. */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*ScandirFn)(const char *, void *, void *, void *);

int scandir64(const char *dir, void *list, void *f, void *c);
int scandir(const char *dir, void *list, void *f, void *c);

static void holdwalk_before(const char *dir)
{
        const char *log = getenv("SOHOA_HOLD_LOG"), *hold = getenv("SOHOA_HOLD_DIR");
        const char *base = strrchr(dir, '/');
        char line[4200];
        int fd, n;

        base = base ? base + 1 : dir;
        if (log && *log) {
                fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                n = snprintf(line, sizeof(line), "%s\n", dir);
                if (fd >= 0 && n > 0 && (size_t) n < sizeof(line))
                        (void) !write(fd, line, (size_t) n);
                if (fd >= 0)
                        close(fd);
        }
        if (hold && *hold && strcmp(base, hold) == 0)
                raise(SIGSTOP);
}

static int holdwalk_call(const char *name, const char *dir, void *list, void *f, void *c)
{
        ScandirFn real = (ScandirFn) dlsym(RTLD_NEXT, name);

        holdwalk_before(dir);
        return real ? real(dir, list, f, c) : -1;
}

int scandir64(const char *dir, void *list, void *f, void *c)
{
        return holdwalk_call("scandir64", dir, list, f, c);
}

int scandir(const char *dir, void *list, void *f, void *c)
{
        return holdwalk_call("scandir", dir, list, f, c);
}
