/* SHA-256 against the FIPS 180-2 vectors, the fd form against the buffer
 * form over more than one read chunk, and the hex codec. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "sha256.h"

static void check_vector(const char *msg, const char *hex)
{
        uint8_t h[SHA256_LEN];
        char buf[SHA256_HEX_MAX];

        sha256_buf(msg, strlen(msg), h);
        CHECK_STR(sha256_hex(h, buf), hex);
}

static void test_vectors(void)
{
        check_vector("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check_vector("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_fd(void)
{
        char path[] = "/tmp/test-sha256-XXXXXX";
        size_t len = 3 * 1024 * 1024 + 17; /* crosses the 1 MiB read chunks */
        uint8_t *data = malloc(len), a[SHA256_LEN], b[SHA256_LEN];
        int fd = mkstemp(path);

        CHECK(data);
        CHECK(fd >= 0);
        unlink(path);
        for (size_t i = 0; i < len; i++)
                data[i] = (uint8_t) (i * 7 + (i >> 13));
        CHECK(write(fd, data, len) == (ssize_t) len);

        /* From the current offset: hash the tail after seeking. */
        CHECK(lseek(fd, 100, SEEK_SET) == 100);
        CHECK_INT(sha256_fd(fd, a), 0);
        sha256_buf(data + 100, len - 100, b);
        CHECK(memcmp(a, b, SHA256_LEN) == 0);

        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK_INT(sha256_fd(fd, a), 0);
        sha256_buf(data, len, b);
        CHECK(memcmp(a, b, SHA256_LEN) == 0);

        /* At the end: the hash of nothing. */
        CHECK_INT(sha256_fd(fd, a), 0);
        sha256_buf("", 0, b);
        CHECK(memcmp(a, b, SHA256_LEN) == 0);

        close(fd);
        CHECK_INT(sha256_fd(fd, a), -EBADF);
        free(data);
}

static void test_hex(void)
{
        const char *hex = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        uint8_t h[SHA256_LEN], untouched[SHA256_LEN];
        char buf[SHA256_HEX_MAX];

        CHECK_INT(sha256_from_hex(hex, h), 0);
        CHECK_STR(sha256_hex(h, buf), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK_INT(sha256_from_hex(buf, h), 0);

        memset(untouched, 0x5a, sizeof(untouched));
        memcpy(h, untouched, sizeof(h));
        CHECK_INT(sha256_from_hex("", h), -EINVAL);
        CHECK_INT(sha256_from_hex("ba78", h), -EINVAL);
        /* 63 digits, 65 digits, a non-hex digit at the end. */
        CHECK_INT(sha256_from_hex("a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", h),
                  -EINVAL);
        CHECK_INT(sha256_from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", h),
                  -EINVAL);
        CHECK_INT(sha256_from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag", h),
                  -EINVAL);
        CHECK_INT(sha256_from_hex(NULL, h), -EINVAL);
        CHECK(memcmp(h, untouched, SHA256_LEN) == 0);
}

int main(void)
{
        test_vectors();
        test_fd();
        test_hex();
        return 0;
}
