/* SHA-256 through OpenSSL's EVP interface (it picks the SHA-NI or AVX code
 * the CPU has). A page is hashed once at capture and checked again where it
 * is stored, so a buffer form and an fd form are all that is needed. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sha256.h"

#define SHA256_READ_CHUNK (1024 * 1024)

void sha256_buf(const void *data, size_t len, uint8_t ret[SHA256_LEN])
{
        unsigned mdlen = 0;

        /* The one-shot digest fails only when libcrypto itself is broken;
         * the contract has no error path and a wrong hash would be worse. */
        if (EVP_Digest(data, len, ret, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN)
                abort();
}

int sha256_fd(int fd, uint8_t ret[SHA256_LEN])
{
        uint8_t md[SHA256_LEN];
        unsigned mdlen = 0;
        EVP_MD_CTX *ctx = NULL;
        uint8_t *buf = NULL;
        int r;

        buf = malloc(SHA256_READ_CHUNK);
        ctx = EVP_MD_CTX_new();
        if (!buf || !ctx) {
                r = -ENOMEM;
                goto out;
        }
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                r = -EIO;
                goto out;
        }
        for (;;) {
                ssize_t n = read(fd, buf, SHA256_READ_CHUNK);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto out;
                }
                if (n == 0)
                        break;
                if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1) {
                        r = -EIO;
                        goto out;
                }
        }
        if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != SHA256_LEN) {
                r = -EIO;
                goto out;
        }
        for (size_t i = 0; i < SHA256_LEN; i++)
                ret[i] = md[i];
        r = 0;
out:
        EVP_MD_CTX_free(ctx);
        free(buf);
        return r;
}

char *sha256_hex(const uint8_t h[SHA256_LEN], char buf[SHA256_HEX_MAX])
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < SHA256_LEN; i++) {
                buf[2 * i] = hex[h[i] >> 4];
                buf[2 * i + 1] = hex[h[i] & 0x0f];
        }
        buf[2 * SHA256_LEN] = '\0';
        return buf;
}

int sha256_from_hex(const char *s, uint8_t ret[SHA256_LEN])
{
        uint8_t h[SHA256_LEN];

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < SHA256_LEN; i++) {
                int hi, lo;

                /* Check the high digit first so a short string stops at its NUL. */
                hi = unhexchar(s[2 * i]);
                if (hi < 0)
                        return -EINVAL;
                lo = unhexchar(s[2 * i + 1]);
                if (lo < 0)
                        return -EINVAL;
                h[i] = (uint8_t) (hi << 4 | lo);
        }
        if (s[2 * SHA256_LEN] != '\0')
                return -EINVAL;
        for (size_t i = 0; i < SHA256_LEN; i++)
                ret[i] = h[i];
        return 0;
}
