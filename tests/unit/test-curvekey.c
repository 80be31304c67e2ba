/* CURVE key files as sohoactl keygen writes them and as an operator may
 * edit them: a key pair loads back; the tail of a long comment is not read
 * as a key (the file was read 256 bytes at a time, and a comment's tail
 * went on as a line of its own); a NUL byte, a key given twice with two
 * values and a secret key that is not its public key's are refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "curvekey.h"

static char dir[] = "/tmp/test-curvekey-XXXXXX";
static char path[64];

static void write_file(const char *text, size_t len)
{
        FILE *f = fopen(path, "w");

        CHECK(f);
        CHECK_INT(fwrite(text, 1, len, f), len);
        CHECK_INT(fclose(f), 0);
}

static void test_round_trip(const CurveKey *a)
{
        char base[64], file[80];
        CurveKey k;

        snprintf(base, sizeof(base), "%s/desk1", dir);
        CHECK_INT(curvekey_write(a, base), 0);
        CHECK_INT(curvekey_write(a, base), -EEXIST);
        snprintf(file, sizeof(file), "%s.key", base);
        CHECK_INT(curvekey_load(file, &k), 0);
        CHECK_STR(k.public_key, a->public_key);
        CHECK_STR(k.secret_key, "");
        unlink(file);
        snprintf(file, sizeof(file), "%s.key_secret", base);
        CHECK_INT(curvekey_load(file, &k), 0);
        CHECK_STR(k.public_key, a->public_key);
        CHECK_STR(k.secret_key, a->secret_key);
        unlink(file);
}

/* "public-key = A", then a comment whose characters past the 255th read
 * "public-key = B": read in pieces of 256 bytes (fgets), that tail was a
 * line, and B replaced A. */
static void test_long_comment(const CurveKey *a, const CurveKey *b)
{
        char text[1024];
        size_t n;
        CurveKey k;

        n = (size_t) snprintf(text, sizeof(text), "public-key = %s\n#", a->public_key);
        memset(text + n, 'x', 254);
        n += 254;
        n += (size_t) snprintf(text + n, sizeof(text) - n, "public-key = %s\n", b->public_key);
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), 0);
        CHECK_STR(k.public_key, a->public_key);

        /* czmq's form: indented, quoted. */
        n = (size_t) snprintf(text, sizeof(text), "metadata\ncurve\n    public-key = \"%s\"\n",
                              b->public_key);
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), 0);
        CHECK_STR(k.public_key, b->public_key);
}

static void test_refused(const CurveKey *a, const CurveKey *b)
{
        char text[512];
        size_t n;
        CurveKey k;

        /* A NUL hid the rest of its line. */
        n = (size_t) snprintf(text, sizeof(text), "public-key = %s", a->public_key);
        text[n++] = '\0';
        n += (size_t) snprintf(text + n, sizeof(text) - n, " junk\n");
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), -EBADMSG);

        /* Two public keys: which one was meant? */
        n = (size_t) snprintf(text, sizeof(text), "public-key = %s\npublic-key = %s\n", a->public_key,
                              b->public_key);
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), -EBADMSG);
        /* The same key twice says one thing. */
        n = (size_t) snprintf(text, sizeof(text), "public-key = %s\npublic-key = %s\n", a->public_key,
                              a->public_key);
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), 0);
        CHECK_STR(k.public_key, a->public_key);

        /* A's public key with B's secret key. */
        n = (size_t) snprintf(text, sizeof(text), "public-key = %s\nsecret-key = %s\n", a->public_key,
                              b->secret_key);
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), -EBADMSG);

        n = (size_t) snprintf(text, sizeof(text), "# no key here\n");
        write_file(text, n);
        CHECK_INT(curvekey_load(path, &k), -EBADMSG);
}

int main(void)
{
        CurveKey a, b;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/key", dir);
        CHECK_INT(curvekey_generate(&a), 0);
        CHECK_INT(curvekey_generate(&b), 0);
        test_round_trip(&a);
        test_long_comment(&a, &b);
        test_refused(&a, &b);
        unlink(path);
        CHECK_INT(rmdir(dir), 0);
        return 0;
}
