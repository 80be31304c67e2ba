/* The spool: what is put is listed and read back whole, in order, across a
 * reopen; a crash's debris in tmp/ is cleaned; a damaged file is reported,
 * never listed as a page, and moved by no one but the caller; a file that
 * cannot be read is reported apart from damage and left where it is; a
 * second opener is refused before it touches anything; remove, reject and
 * corrupt move pages where they belong. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "spool.h"

static char dir[256];

static void mkuuid(Uuid *u, uint8_t n)
{
        for (int i = 0; i < 16; i++)
                u->b[i] = (uint8_t) (n * 7 + i);
}

static int count_files(const char *sub)
{
        char path[512];
        DIR *d;
        struct dirent *de;
        int n = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, sub);
        d = opendir(path);
        CHECK(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && de->d_type == DT_REG)
                        n++;
        closedir(d);
        return n;
}

static void test_put_list_read(void)
{
        Spool *s = NULL;
        SpoolListing l;
        SpoolEntry *v, e;
        size_t n, hl, il;
        void *h, *img;
        Uuid u[5];
        char image[1000];

        CHECK_INT(spool_open(dir, &s), 0);
        for (int i = 0; i < 5; i++) {
                mkuuid(&u[i], (uint8_t) (5 - i));
                memset(image, 'a' + i, sizeof(image));
                CHECK_INT(spool_put(s, &u[i], "hdr", 3, image, (size_t) (100 * (i + 1)), &e), 0);
                CHECK_U64(e.image_bytes, 100 * (i + 1));
        }
        /* The same page twice is refused, and the first copy survives. */
        CHECK_INT(spool_put(s, &u[0], "x", 1, "y", 1, NULL), -EEXIST);
        CHECK_INT(spool_list(s, &l), 0);
        v = l.entries;
        n = l.n_entries;
        CHECK_INT(n, 5);
        CHECK_INT(l.n_issues, 0);
        for (int i = 0; i < 5; i++) {
                CHECK(uuid_equal(&v[i].page_uuid, &u[i])); /* put order, not name order */
                CHECK(i == 0 || v[i].order > v[i - 1].order);
        }
        spool_listing_done(&l);
        CHECK_INT(spool_read(s, &u[0], &h, &hl, &img, &il), 0);
        CHECK_INT(hl, 3);
        CHECK(memcmp(h, "hdr", 3) == 0);
        CHECK_INT(il, 100);
        CHECK(((char *) img)[99] == 'a');
        free(h);
        free(img);
        spool_free(s);

        /* Reopen: still there, and new pages are ordered after the old. */
        CHECK_INT(spool_open(dir, &s), 0);
        Uuid nu;
        mkuuid(&nu, 99);
        CHECK_INT(spool_put(s, &nu, "h", 1, "i", 1, NULL), 0);
        CHECK_INT(spool_list(s, &l), 0);
        CHECK_INT(l.n_entries, 6);
        CHECK(uuid_equal(&l.entries[5].page_uuid, &nu));
        spool_listing_done(&l);

        CHECK_INT(spool_remove(s, &u[0]), 0);
        CHECK_INT(spool_remove(s, &u[0]), -ENOENT);
        CHECK_INT(spool_reject(s, &u[1]), 0);
        CHECK_INT(spool_corrupt(s, &u[2]), 0);
        CHECK_INT(spool_read(s, &u[1], &h, &hl, &img, &il), -ENOENT);
        CHECK_INT(count_files("rejected"), 1);
        CHECK_INT(count_files("corrupt"), 1);
        CHECK_INT(spool_list(s, &l), 0);
        CHECK_INT(l.n_entries, 3);
        spool_listing_done(&l);
        spool_free(s);
}

static void page_path(const Uuid *u, char *buf, size_t size)
{
        char name[UUID_STRING_MAX];

        snprintf(buf, size, "%s/%s.page", dir, uuid_format(u, name));
}

static void test_crash_debris_and_damage(void)
{
        char path[512];
        Spool *s = NULL;
        SpoolListing l;
        Uuid u;
        int fd, before;

        /* A half-written page in tmp/ is debris: cleaned at open, never listed. */
        snprintf(path, sizeof(path), "%s/tmp/00000000-0000-0000-0000-000000000001.page", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        CHECK(write(fd, "SOHASPL1", 8) == 8);
        close(fd);

        CHECK_INT(spool_open(dir, &s), 0);
        CHECK_INT(count_files("tmp"), 0);

        /* A page truncated behind our back is reported as damaged, with
         * why, never listed as a page; the listing moves nothing. */
        mkuuid(&u, 42);
        CHECK_INT(spool_put(s, &u, "hh", 2, "0123456789", 10, NULL), 0);
        page_path(&u, path, sizeof(path));
        CHECK(truncate(path, 45) == 0);
        before = count_files("corrupt");
        CHECK_INT(spool_list(s, &l), 0);
        for (size_t i = 0; i < l.n_entries; i++)
                CHECK(!uuid_equal(&l.entries[i].page_uuid, &u));
        CHECK_INT(l.n_issues, 1);
        CHECK_INT(l.issues[0].type, SPOOL_ISSUE_DAMAGED);
        CHECK(uuid_equal(&l.issues[0].page_uuid, &u));
        CHECK(l.issues[0].why && *l.issues[0].why);
        spool_listing_done(&l);
        CHECK(access(path, F_OK) == 0);
        CHECK_INT(count_files("corrupt"), before);
        /* The caller sets it aside. */
        CHECK_INT(spool_corrupt(s, &u), 0);
        CHECK_INT(count_files("corrupt"), before + 1);

        /* Files that are not pages are left alone and not reported. */
        snprintf(path, sizeof(path), "%s/README", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        close(fd);
        CHECK_INT(spool_list(s, &l), 0);
        CHECK_INT(l.n_issues, 0);
        spool_listing_done(&l);
        CHECK(access(path, F_OK) == 0);
        spool_free(s);
}

/* A read error proves nothing: a page file that cannot be read (here a
 * directory in its place: read() fails with EISDIR) is reported as
 * unreadable with the error, not as damage, and stays where it is; once it
 * reads, it is listed. */
static void test_unreadable_is_not_damage(void)
{
        char path[512], moved[600];
        Spool *s = NULL;
        SpoolListing l;
        Uuid u;

        CHECK_INT(spool_open(dir, &s), 0);
        mkuuid(&u, 77);
        page_path(&u, path, sizeof(path));
        CHECK(mkdir(path, 0750) == 0);
        CHECK_INT(spool_list(s, &l), 0);
        CHECK_INT(l.n_issues, 1);
        CHECK_INT(l.issues[0].type, SPOOL_ISSUE_UNREADABLE);
        CHECK_INT(l.issues[0].error, -EISDIR);
        CHECK(uuid_equal(&l.issues[0].page_uuid, &u));
        for (size_t i = 0; i < l.n_entries; i++)
                CHECK(!uuid_equal(&l.entries[i].page_uuid, &u));
        spool_listing_done(&l);
        CHECK(access(path, F_OK) == 0);
        snprintf(moved, sizeof(moved), "%s/corrupt/%s", dir, strrchr(path, '/') + 1);
        CHECK(access(moved, F_OK) < 0);

        /* The error clears: the page reads, and is listed. */
        CHECK(rmdir(path) == 0);
        CHECK_INT(spool_put(s, &u, "h", 1, "img", 3, NULL), 0);
        CHECK_INT(spool_list(s, &l), 0);
        CHECK_INT(l.n_issues, 0);
        CHECK(l.n_entries > 0 && uuid_equal(&l.entries[l.n_entries - 1].page_uuid, &u));
        spool_listing_done(&l);
        CHECK_INT(spool_remove(s, &u), 0);
        spool_free(s);
}

/* One process at a time: a second opener is refused with -EBUSY before it
 * empties tmp/ (the first one's half-written page), the holder's pid is
 * known, and the lock goes with the first spool. */
static void test_lock(void)
{
        char path[512];
        Spool *a = NULL, *b = NULL;
        pid_t pid = 0;
        int fd;

        CHECK_INT(spool_open(dir, &a), 0);
        snprintf(path, sizeof(path), "%s/tmp/being-written", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        close(fd);
        CHECK_INT(spool_open(dir, &b), -EBUSY);
        CHECK(b == NULL);
        CHECK(access(path, F_OK) == 0);
        CHECK_INT(spool_holder(dir, &pid), 0);
        CHECK_INT(pid, getpid());
        a = spool_free(a);
        CHECK_INT(spool_open(dir, &b), 0);
        CHECK(access(path, F_OK) < 0);
        spool_free(b);
}

int main(void)
{
        snprintf(dir, sizeof(dir), "/tmp/test-spool-XXXXXX");
        CHECK(mkdtemp(dir));
        test_put_list_read();
        test_crash_debris_and_damage();
        test_unreadable_is_not_damage();
        test_lock();
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        printf("spool: ok\n");
        return 0;
}
