/* libsohoa-faults.so: an LD_PRELOAD shim that makes chosen file operations
 * fail, for tests of faults no real disk makes on demand (an EIO while
 * reading a spooled page, ENOSPC at an fsync). $SOHOA_FAULTS names a rules
 * file, read again at every intercepted call, so that a test turns a fault
 * on and off while the program runs. One rule a line:
 *
 *     OP ERRNO SUBSTRING
 *
 * OP is read (read, pread64), write, readdir, fsync (fsync, fdatasync),
 * rename (rename, renameat, renameat2) or open (open, openat and their
 * 64-bit names); ERRNO a name
 * (EIO, ENOSPC, EACCES, EROFS, EMFILE) or a number; the call fails with it
 * when the path involved (the file behind the descriptor, the directory
 * read, either name of a rename) contains SUBSTRING, or, when SUBSTRING
 * has a '*', '?' or '[', matches it as a whole (fnmatch: "*" /
 * "/tmp/????????-????-5???-*" is any UUIDv5 file in a tmp folder). '#'
 * starts a comment.
 * The rules file is read with raw system calls, never through the
 * functions it intercepts. With ASan, run with verify_asan_link_order=0. */
/* Each function under its own name: open is open, open64 is open64. */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAULTS_RULES_MAX 4096
#define FAULTS_PATH_MAX 4096

#define EXPORT __attribute__((visibility("default")))

static const struct {
        const char *name;
        int value;
} faults_errnos[] = {
        { "EIO", EIO },       { "ENOSPC", ENOSPC }, { "EACCES", EACCES }, { "EROFS", EROFS },
        { "EMFILE", EMFILE }, { "EDQUOT", EDQUOT }, { "ENOMEM", ENOMEM }, { "EPERM", EPERM },
};

static int faults_errno(const char *s, size_t len)
{
        char buf[16];

        if (len == 0 || len >= sizeof(buf))
                return 0;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (buf[0] >= '0' && buf[0] <= '9')
                return atoi(buf);
        for (size_t i = 0; i < sizeof(faults_errnos) / sizeof(faults_errnos[0]); i++)
                if (strcmp(buf, faults_errnos[i].name) == 0)
                        return faults_errnos[i].value;
        return 0;
}

/* The rules file into buf (NUL-terminated); false when there is none. */
static bool faults_rules(char *buf, size_t size)
{
        const char *path = getenv("SOHOA_FAULTS");
        long fd, n, total = 0;

        if (!path || !*path)
                return false;
        fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        while ((size_t) total + 1 < size &&
               (n = syscall(SYS_read, (int) fd, buf + total, size - 1 - (size_t) total)) > 0)
                total += n;
        syscall(SYS_close, (int) fd);
        buf[total] = '\0';
        return total > 0;
}

static bool faults_path_matches(const char *pattern, const char *path)
{
        if (!path)
                return false;
        if (strpbrk(pattern, "*?["))
                return fnmatch(pattern, path, 0) == 0;
        return strstr(path, pattern) != NULL;
}

/* The errno a rule for op gives for any of the paths (NULL ones skipped),
 * or 0. */
static int faults_match(const char *op, const char *p1, const char *p2)
{
        char rules[FAULTS_RULES_MAX];
        size_t oplen = strlen(op);

        if (!faults_rules(rules, sizeof(rules)))
                return 0;
        for (char *line = rules, *next; line && *line; line = next) {
                char *f[3];
                size_t len[3];
                char *p = line;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                for (int i = 0; i < 3; i++) {
                        while (*p == ' ' || *p == '\t')
                                p++;
                        f[i] = p;
                        while (*p && *p != ' ' && *p != '\t' && (i == 2 || *p != '#'))
                                p++;
                        len[i] = (size_t) (p - f[i]);
                }
                if (*f[0] == '#' || len[0] != oplen || strncmp(f[0], op, oplen) != 0 || len[2] == 0)
                        continue;
                f[2][len[2]] = '\0';
                if (faults_path_matches(f[2], p1) || faults_path_matches(f[2], p2))
                        return faults_errno(f[1], len[1]);
        }
        return 0;
}

static void faults_fd_path(int fd, char *buf, size_t size)
{
        char link[64];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
}

/* dir_fd's path joined with name (name alone when it is absolute). */
static void faults_at_path(int dir_fd, const char *name, char *buf, size_t size)
{
        char dir[FAULTS_PATH_MAX];

        if (!name || name[0] == '/' || dir_fd == AT_FDCWD) {
                snprintf(buf, size, "%s", name ? name : "");
                return;
        }
        faults_fd_path(dir_fd, dir, sizeof(dir));
        if (snprintf(buf, size, "%s/%s", dir, name) >= (int) size)
                buf[0] = '\0'; /* too long to match anything sensibly */
}

static int faults_for_fd(const char *op, int fd)
{
        char path[FAULTS_PATH_MAX];

        if (!getenv("SOHOA_FAULTS"))
                return 0;
        faults_fd_path(fd, path, sizeof(path));
        return faults_match(op, path, NULL);
}

/* The next definition of name (libc's, or a sanitizer's interceptor), as
 * a function pointer of type: through memcpy, which ISO C allows. */
#define REAL(name, type)                             \
        ({                                           \
                void *sym_ = dlsym(RTLD_NEXT, name); \
                __typeof__(type) fn_;                \
                memcpy(&fn_, &sym_, sizeof(fn_));    \
                fn_;                                 \
        })

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
        int e = faults_for_fd("read", fd);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("read", ssize_t(*)(int, void *, size_t))(fd, buf, n);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
        int e = faults_for_fd("read", fd);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("pread64", ssize_t(*)(int, void *, size_t, off_t))(fd, buf, n, off);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
        int e = faults_for_fd("write", fd);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("write", ssize_t(*)(int, const void *, size_t))(fd, buf, n);
}

static struct dirent *faults_readdir(const char *real, DIR *d)
{
        int e = faults_for_fd("readdir", dirfd(d));

        if (e) {
                errno = e;
                return NULL;
        }
        return REAL(real, struct dirent * (*) (DIR *) )(d);
}

EXPORT struct dirent *readdir(DIR *d)
{
        return faults_readdir("readdir", d);
}

EXPORT struct dirent64 *readdir64(DIR *d)
{
        return (struct dirent64 *) faults_readdir("readdir64", d);
}

EXPORT int fsync(int fd)
{
        int e = faults_for_fd("fsync", fd);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("fsync", int (*)(int))(fd);
}

EXPORT int fdatasync(int fd)
{
        int e = faults_for_fd("fsync", fd);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("fdatasync", int (*)(int))(fd);
}

static int faults_rename(int old_dir, const char *old, int new_dir, const char *new)
{
        char a[FAULTS_PATH_MAX], b[FAULTS_PATH_MAX];

        if (!getenv("SOHOA_FAULTS"))
                return 0;
        faults_at_path(old_dir, old, a, sizeof(a));
        faults_at_path(new_dir, new, b, sizeof(b));
        return faults_match("rename", a, b);
}

EXPORT int renameat2(int old_dir, const char *old, int new_dir, const char *new, unsigned flags)
{
        int e = faults_rename(old_dir, old, new_dir, new);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("renameat2", int (*)(int, const char *, int, const char *, unsigned))(
                old_dir, old, new_dir, new, flags);
}

EXPORT int renameat(int old_dir, const char *old, int new_dir, const char *new)
{
        int e = faults_rename(old_dir, old, new_dir, new);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("renameat", int (*)(int, const char *, int, const char *))(old_dir, old, new_dir, new);
}

EXPORT int rename(const char *old, const char *new)
{
        int e = faults_rename(AT_FDCWD, old, AT_FDCWD, new);

        if (e) {
                errno = e;
                return -1;
        }
        return REAL("rename", int (*)(const char *, const char *))(old, new);
}

static int faults_open(int dir_fd, const char *name)
{
        char path[FAULTS_PATH_MAX];

        if (!getenv("SOHOA_FAULTS"))
                return 0;
        faults_at_path(dir_fd, name, path, sizeof(path));
        return faults_match("open", path, NULL);
}

static int faults_openat(const char *real, int dir_fd, const char *name, int flags, mode_t mode)
{
        int e = faults_open(dir_fd, name);

        if (e) {
                errno = e;
                return -1;
        }
        if (strcmp(real, "open") == 0 || strcmp(real, "open64") == 0)
                return REAL(real, int (*)(const char *, int, ...))(name, flags, mode);
        return REAL(real, int (*)(int, const char *, int, ...))(dir_fd, name, flags, mode);
}

/* The mode argument, present only with O_CREAT or O_TMPFILE. */
#define FAULTS_MODE(flags, last)                        \
        ({                                              \
                mode_t m_ = 0;                          \
                if ((flags) & (O_CREAT | O_TMPFILE)) {  \
                        va_list ap_;                    \
                        va_start(ap_, last);            \
                        m_ = (mode_t) va_arg(ap_, int); \
                        va_end(ap_);                    \
                }                                       \
                m_;                                     \
        })

EXPORT int openat64(int dir_fd, const char *name, int flags, ...)
{
        return faults_openat("openat64", dir_fd, name, flags, FAULTS_MODE(flags, flags));
}

EXPORT int open64(const char *name, int flags, ...)
{
        return faults_openat("open64", AT_FDCWD, name, flags, FAULTS_MODE(flags, flags));
}

EXPORT int openat(int dir_fd, const char *name, int flags, ...)
{
        return faults_openat("openat", dir_fd, name, flags, FAULTS_MODE(flags, flags));
}

EXPORT int open(const char *name, int flags, ...)
{
        return faults_openat("open", AT_FDCWD, name, flags, FAULTS_MODE(flags, flags));
}
