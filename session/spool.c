/* The durable half of the outbox. Each page is one file, <uuid>.page:
 * a fixed 40-byte head (magic, order, spool time, lengths), the packed Page
 * header and the image. It is written under tmp/, fsync'ed, renamed into
 * place without replacing anything and the directory fsync'ed: after a crash
 * a page is wholly there or not at all, and tmp/ only holds debris. The
 * file "lock" (flock, with the holder's pid in it) keeps a second process
 * off the spool: it would empty tmp/ under the first one's writes and send
 * and delete the first one's pages. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "spool.h"

#define SPOOL_MAGIC "SOHASPL1"
#define SPOOL_HEAD_LEN 40
#define SPOOL_SUFFIX ".page"
#define SPOOL_HEADER_MAX (1u << 20)
#define SPOOL_LOCK_NAME "lock"

struct Spool {
        char *dir;
        int lock_fd;
        int dir_fd;
        int tmp_fd;
        int rejected_fd;
        int corrupt_fd;
        _Atomic uint64_t next_order;
};

typedef struct SpoolHead {
        uint64_t order;
        int64_t spooled_at_us;
        uint32_t header_len;
        uint64_t image_len;
} SpoolHead;

static void put_le64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

static void head_encode(const SpoolHead *h, uint8_t out[SPOOL_HEAD_LEN])
{
        memcpy(out, SPOOL_MAGIC, 8);
        put_le64(out + 8, h->order);
        put_le64(out + 16, (uint64_t) h->spooled_at_us);
        put_le64(out + 24, h->header_len);
        put_le64(out + 32, h->image_len);
}

static int head_decode(const uint8_t in[SPOOL_HEAD_LEN], SpoolHead *ret, const char **ret_why)
{
        uint64_t header_len = get_le64(in + 24);

        if (memcmp(in, SPOOL_MAGIC, 8) != 0) {
                *ret_why = "not a spool file (no " SPOOL_MAGIC " magic)";
                return -EBADMSG;
        }
        if (header_len > SPOOL_HEADER_MAX) {
                *ret_why = "its page header length is out of range";
                return -EBADMSG;
        }
        ret->order = get_le64(in + 8);
        ret->spooled_at_us = (int64_t) get_le64(in + 16);
        ret->header_len = (uint32_t) header_len;
        ret->image_len = get_le64(in + 32);
        return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EBADMSG;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static int open_subdir(int dir_fd, const char *name, int *ret_fd)
{
        int fd;

        if (mkdirat(dir_fd, name, 0750) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

/* Remove what a crash left in tmp/: never renamed, so never a page. */
static void clean_tmp(int tmp_fd)
{
        DIR *d = fdopendir(dup(tmp_fd));
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        (void) unlinkat(tmp_fd, de->d_name, 0);
        closedir(d);
}

static void page_name(const Uuid *u, char buf[UUID_STRING_MAX + sizeof(SPOOL_SUFFIX)])
{
        uuid_format(u, buf);
        strcat(buf, SPOOL_SUFFIX);
}

/* Read the head of an open spool file and check the file's length:
 * -EBADMSG (with *ret_why) only for a file that reads whole and is not
 * what its head says; a read error is returned as it is. */
static int head_read_checked(int fd, SpoolHead *ret_head, uint64_t *ret_file_bytes, const char **ret_why)
{
        uint8_t raw[SPOOL_HEAD_LEN];
        SpoolHead h;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        *ret_why = "shorter than a spool file's head";
        r = read_full(fd, raw, sizeof(raw));
        if (r < 0)
                return r;
        r = head_decode(raw, &h, ret_why);
        if (r < 0)
                return r;
        if ((uint64_t) st.st_size != SPOOL_HEAD_LEN + h.header_len + h.image_len) {
                *ret_why = "its length is not the one its head states";
                return -EBADMSG;
        }
        *ret_head = h;
        if (ret_file_bytes)
                *ret_file_bytes = (uint64_t) st.st_size;
        return 0;
}

/* Take the spool's lock and write our pid in it for whoever is refused. */
static int spool_lock(Spool *s)
{
        char pid[32];
        int n;

        s->lock_fd = openat(s->dir_fd, SPOOL_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (s->lock_fd < 0)
                return -errno;
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        n = snprintf(pid, sizeof(pid), "%d\n", (int) getpid());
        /* Only informative: a spool whose pid cannot be written still works. */
        if (ftruncate(s->lock_fd, 0) == 0)
                (void) !pwrite(s->lock_fd, pid, (size_t) n, 0);
        return 0;
}

int spool_holder(const char *dir, pid_t *ret_pid)
{
        char path[4096], buf[32];
        ssize_t n;
        long v;
        char *end;
        int fd;

        if (snprintf(path, sizeof(path), "%s/" SPOOL_LOCK_NAME, dir) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        if (n <= 0)
                return n < 0 ? -errno : -ENOENT;
        buf[n] = '\0';
        v = strtol(buf, &end, 10);
        if (end == buf || v <= 0 || v > INT32_MAX)
                return -EBADMSG;
        *ret_pid = (pid_t) v;
        return 0;
}

int spool_open(const char *dir, Spool **ret)
{
        SpoolListing l = { 0 };
        Spool *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->lock_fd = s->dir_fd = s->tmp_fd = s->rejected_fd = s->corrupt_fd = -1;
        s->dir = strdup(dir);
        if (!s->dir) {
                r = -ENOMEM;
                goto fail;
        }
        if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
                r = -errno;
                goto fail;
        }
        s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = spool_lock(s);
        if (r < 0)
                goto fail;
        if ((r = open_subdir(s->dir_fd, "tmp", &s->tmp_fd)) < 0 ||
            (r = open_subdir(s->dir_fd, "rejected", &s->rejected_fd)) < 0 ||
            (r = open_subdir(s->dir_fd, "corrupt", &s->corrupt_fd)) < 0)
                goto fail;
        clean_tmp(s->tmp_fd);

        /* The order counter continues after the newest page left behind
         * (spool_list() moves it on past any page a later listing finds). */
        s->next_order = 1;
        r = spool_list(s, &l);
        if (r < 0)
                goto fail;
        spool_listing_done(&l);
        *ret = s;
        return 0;
fail:
        spool_free(s);
        return r;
}

Spool *spool_free(Spool *s)
{
        if (!s)
                return NULL;
        if (s->lock_fd >= 0)
                close(s->lock_fd);
        if (s->dir_fd >= 0)
                close(s->dir_fd);
        if (s->tmp_fd >= 0)
                close(s->tmp_fd);
        if (s->rejected_fd >= 0)
                close(s->rejected_fd);
        if (s->corrupt_fd >= 0)
                close(s->corrupt_fd);
        free(s->dir);
        free(s);
        return NULL;
}

const char *spool_dir(const Spool *s)
{
        return s->dir;
}

static int write_all_v(int fd, struct iovec *iov, int n)
{
        while (n > 0) {
                ssize_t w = writev(fd, iov, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                while (n > 0 && (size_t) w >= iov->iov_len) {
                        w -= (ssize_t) iov->iov_len;
                        iov++;
                        n--;
                }
                if (n > 0) {
                        iov->iov_base = (uint8_t *) iov->iov_base + w;
                        iov->iov_len -= (size_t) w;
                }
        }
        return 0;
}

int spool_put(Spool *s, const Uuid *page_uuid, const void *header, size_t header_len, const void *image,
              size_t image_len, SpoolEntry *ret_entry)
{
        char name[64], tmp[96];
        uint8_t raw[SPOOL_HEAD_LEN];
        SpoolHead h = {
                .order = atomic_fetch_add(&s->next_order, 1),
                .spooled_at_us = clock_real_us(),
                .header_len = (uint32_t) header_len,
                .image_len = image_len,
        };
        struct iovec iov[3];
        int fd, r;

        if (header_len > SPOOL_HEADER_MAX)
                return -EMSGSIZE;
        page_name(page_uuid, name);
        /* A temporary name of its own per call: two puts of one page never
         * write into each other's file. */
        snprintf(tmp, sizeof(tmp), "%s.%d.%" PRIu64, name, (int) getpid(), h.order);
        head_encode(&h, raw);
        iov[0] = (struct iovec) { raw, sizeof(raw) };
        iov[1] = (struct iovec) { (void *) header, header_len };
        iov[2] = (struct iovec) { (void *) image, image_len };

        fd = openat(s->tmp_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0)
                return -errno;
        r = write_all_v(fd, iov, 3);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat2(s->tmp_fd, tmp, s->dir_fd, name, RENAME_NOREPLACE) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(s->tmp_fd, tmp, 0);
                return r;
        }
        /* The rename is durable only once the directory is. Once renamed,
         * the page is in the spool and will be sent: reporting a failure now
         * would make the caller capture it again under another id, and the
         * next run would deliver both. So a failing directory fsync is
         * retried once and then left to the next one (every put and remove
         * fsyncs the directory). */
        if (fsync(s->dir_fd) < 0)
                (void) fsync(s->dir_fd);
        if (ret_entry)
                *ret_entry = (SpoolEntry) {
                        .page_uuid = *page_uuid,
                        .order = h.order,
                        .image_bytes = image_len,
                        .file_bytes = SPOOL_HEAD_LEN + header_len + image_len,
                        .spooled_at_us = h.spooled_at_us,
                };
        return 0;
}

static int entry_compare(const void *a, const void *b)
{
        const SpoolEntry *x = a, *y = b;
        return x->order < y->order ? -1 : x->order > y->order;
}

/* Parse one directory entry into *ret: 0, -ENOENT (not a page file, or
 * gone meanwhile), -EBADMSG (a page file that reads whole and does not
 * parse: *ret_why says how) or another negative errno (it could not be
 * read). *ret_uuid is the page's whenever the name is a page's. */
static int entry_load(Spool *s, const char *name, Uuid *ret_uuid, SpoolEntry *ret, const char **ret_why)
{
        size_t len = strlen(name), slen = strlen(SPOOL_SUFFIX);
        char ustr[UUID_STRING_MAX];
        SpoolHead h;
        uint64_t file_bytes;
        int fd, r;

        if (len != UUID_STRING_MAX - 1 + slen || strcmp(name + len - slen, SPOOL_SUFFIX) != 0)
                return -ENOENT;
        memcpy(ustr, name, UUID_STRING_MAX - 1);
        ustr[UUID_STRING_MAX - 1] = 0;
        if (uuid_parse(ustr, ret_uuid) < 0)
                return -ENOENT;
        fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = head_read_checked(fd, &h, &file_bytes, ret_why);
        close(fd);
        if (r < 0)
                return r;
        *ret = (SpoolEntry) {
                .page_uuid = *ret_uuid,
                .order = h.order,
                .image_bytes = h.image_len,
                .file_bytes = file_bytes,
                .spooled_at_us = h.spooled_at_us,
        };
        return 0;
}

/* Append one element of size to *v (length *n, room *cap). */
static int grow_append(void **v, size_t *n, size_t *cap, size_t size, const void *elem)
{
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 64;
                void *nv = realloc(*v, c * size);

                if (!nv)
                        return -ENOMEM;
                *v = nv;
                *cap = c;
        }
        memcpy((uint8_t *) *v + *n * size, elem, size);
        (*n)++;
        return 0;
}

void spool_listing_done(SpoolListing *l)
{
        free(l->entries);
        free(l->issues);
        *l = (SpoolListing) { 0 };
}

int spool_list(Spool *s, SpoolListing *ret)
{
        SpoolListing l = { 0 };
        size_t cap_e = 0, cap_i = 0;
        uint64_t next = 0;
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        fd = dup(s->dir_fd);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        rewinddir(d);
        for (;;) {
                const char *why = NULL;
                SpoolIssue issue = { 0 };
                SpoolEntry e;
                int k;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        /* Not the end: what follows is unknown, and no
                         * page is less there for not being listed now. */
                        if (errno != 0) {
                                issue = (SpoolIssue) { .type = SPOOL_ISSUE_LISTING, .error = -errno };
                                r = grow_append((void **) &l.issues, &l.n_issues, &cap_i, sizeof(issue),
                                                &issue);
                        }
                        break;
                }
                k = entry_load(s, de->d_name, &issue.page_uuid, &e, &why);
                if (k == 0) {
                        next = MAX(next, e.order + 1);
                        r = grow_append((void **) &l.entries, &l.n_entries, &cap_e, sizeof(e), &e);
                } else if (k != -ENOENT) {
                        issue.type = k == -EBADMSG ? SPOOL_ISSUE_DAMAGED : SPOOL_ISSUE_UNREADABLE;
                        issue.error = k;
                        issue.why = k == -EBADMSG ? why : NULL;
                        r = grow_append((void **) &l.issues, &l.n_issues, &cap_i, sizeof(issue), &issue);
                }
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0) {
                spool_listing_done(&l);
                return r;
        }
        if (l.n_entries > 1)
                qsort(l.entries, l.n_entries, sizeof(*l.entries), entry_compare);
        /* New pages are ordered after every page found, also one a first
         * listing could not read. */
        for (uint64_t cur = atomic_load(&s->next_order); cur < next;)
                if (atomic_compare_exchange_weak(&s->next_order, &cur, next))
                        break;
        *ret = l;
        return 0;
}

int spool_read(Spool *s, const Uuid *page_uuid, void **ret_header, size_t *ret_header_len, void **ret_image,
               size_t *ret_image_len)
{
        char name[64];
        SpoolHead h;
        void *header = NULL, *image = NULL;
        const char *why;
        int fd, r;

        page_name(page_uuid, name);
        fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = head_read_checked(fd, &h, NULL, &why);
        if (r < 0)
                goto out;
        header = malloc(h.header_len ? h.header_len : 1);
        image = malloc(h.image_len ? h.image_len : 1);
        if (!header || !image) {
                r = -ENOMEM;
                goto out;
        }
        if ((r = read_full(fd, header, h.header_len)) < 0 || (r = read_full(fd, image, h.image_len)) < 0)
                goto out;
        *ret_header = header;
        *ret_header_len = h.header_len;
        *ret_image = image;
        *ret_image_len = h.image_len;
        header = image = NULL;
        r = 0;
out:
        free(header);
        free(image);
        close(fd);
        return r;
}

int spool_remove(Spool *s, const Uuid *page_uuid)
{
        char name[64];

        page_name(page_uuid, name);
        if (unlinkat(s->dir_fd, name, 0) < 0)
                return -errno;
        if (fsync(s->dir_fd) < 0)
                return -errno;
        return 0;
}

static int set_aside(Spool *s, const Uuid *page_uuid, int to_fd)
{
        char name[64];

        page_name(page_uuid, name);
        if (renameat(s->dir_fd, name, to_fd, name) < 0)
                return -errno;
        if (fsync(to_fd) < 0 || fsync(s->dir_fd) < 0)
                return -errno;
        return 0;
}

int spool_reject(Spool *s, const Uuid *page_uuid)
{
        return set_aside(s, page_uuid, s->rejected_fd);
}

int spool_corrupt(Spool *s, const Uuid *page_uuid)
{
        return set_aside(s, page_uuid, s->corrupt_fd);
}
