/* The spool: what is put is listed and read back whole, in order, across a
 * reopen; a crash's debris in tmp/ is cleaned; a damaged file is set aside,
 * never sent; a second opener is refused before it touches anything;
 * remove, reject and corrupt move pages where they belong. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "spool.h"

static char dir[256];

static void mkuuid(Uuid *u, uint8_t n) {
        for (int i = 0; i < 16; i++)
                u->b[i] = (uint8_t) (n * 7 + i);
}

static int count_files(const char *sub) {
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

static void test_put_list_read(void) {
        Spool *s = NULL;
        SpoolEntry *v = NULL, e;
        size_t n = 0, hl, il;
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
        CHECK_INT(spool_list(s, &v, &n), 0);
        CHECK_INT(n, 5);
        for (int i = 0; i < 5; i++) {
                CHECK(uuid_equal(&v[i].page_uuid, &u[i])); /* put order, not name order */
                CHECK(i == 0 || v[i].order > v[i - 1].order);
        }
        free(v);
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
        CHECK_INT(spool_list(s, &v, &n), 0);
        CHECK_INT(n, 6);
        CHECK(uuid_equal(&v[5].page_uuid, &nu));
        free(v);

        CHECK_INT(spool_remove(s, &u[0]), 0);
        CHECK_INT(spool_remove(s, &u[0]), -ENOENT);
        CHECK_INT(spool_reject(s, &u[1]), 0);
        CHECK_INT(spool_corrupt(s, &u[2]), 0);
        CHECK_INT(spool_read(s, &u[1], &h, &hl, &img, &il), -ENOENT);
        CHECK_INT(count_files("rejected"), 1);
        CHECK_INT(count_files("corrupt"), 1);
        CHECK_INT(spool_list(s, &v, &n), 0);
        CHECK_INT(n, 3);
        free(v);
        spool_free(s);
}

static void test_crash_debris_and_damage(void) {
        char path[512];
        Spool *s = NULL;
        SpoolEntry *v = NULL;
        size_t n = 0;
        Uuid u;
        int fd;

        /* A half-written page in tmp/ is debris: cleaned at open, never listed. */
        snprintf(path, sizeof(path), "%s/tmp/00000000-0000-0000-0000-000000000001.page", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        CHECK(write(fd, "SOHASPL1", 8) == 8);
        close(fd);

        CHECK_INT(spool_open(dir, &s), 0);
        CHECK_INT(count_files("tmp"), 0);

        /* A page truncated behind our back is set aside as corrupt. */
        mkuuid(&u, 42);
        CHECK_INT(spool_put(s, &u, "hh", 2, "0123456789", 10, NULL), 0);
        snprintf(path, sizeof(path), "%s/%s", dir, "");
        char name[64];
        uuid_format(&u, name);
        snprintf(path, sizeof(path), "%s/%s.page", dir, name);
        CHECK(truncate(path, 45) == 0);
        int before = count_files("corrupt");
        CHECK_INT(spool_list(s, &v, &n), 0);
        for (size_t i = 0; i < n; i++)
                CHECK(!uuid_equal(&v[i].page_uuid, &u));
        free(v);
        CHECK_INT(count_files("corrupt"), before + 1);

        /* Files that are not pages are left alone. */
        snprintf(path, sizeof(path), "%s/README", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        close(fd);
        CHECK_INT(spool_list(s, &v, &n), 0);
        free(v);
        CHECK(access(path, F_OK) == 0);
        spool_free(s);
}

/* One process at a time: a second opener is refused with -EBUSY before it
 * empties tmp/ (the first one's half-written page), the holder's pid is
 * known, and the lock goes with the first spool. */
static void test_lock(void) {
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

int main(void) {
        snprintf(dir, sizeof(dir), "/tmp/test-spool-XXXXXX");
        CHECK(mkdtemp(dir));
        test_put_list_read();
        test_crash_debris_and_damage();
        test_lock();
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        printf("spool: ok\n");
        return 0;
}
