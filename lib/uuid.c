/* UUIDs as 16 raw bytes: random v4 ids made at capture, and v5 ids derived
 * from content (SHA-1 of namespace and name, RFC 9562 section 5.5) so the
 * same import twice yields the same page ids. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "uuid.h"

/* RFC 9562: version in the high nibble of byte 6, variant 10xx in byte 8. */
static void uuid_set_version(Uuid *u, unsigned version)
{
        u->b[6] = (uint8_t) ((u->b[6] & 0x0f) | (version << 4));
        u->b[8] = (uint8_t) ((u->b[8] & 0x3f) | 0x80);
}

int uuid_v4(Uuid *ret)
{
        Uuid u;
        size_t got = 0;

        while (got < sizeof(u.b)) {
                ssize_t n = getrandom(u.b + got, sizeof(u.b) - got, 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                got += (size_t) n;
        }
        uuid_set_version(&u, 4);
        *ret = u;
        return 0;
}

void uuid_v5(const Uuid *ns, const void *name, size_t len, Uuid *ret)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        /* SHA-1 of 36 bytes only fails when memory or libcrypto is broken;
         * the contract has no error path, and a wrong id would be worse. */
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
            EVP_DigestUpdate(ctx, ns->b, sizeof(ns->b)) != 1 || EVP_DigestUpdate(ctx, name, len) != 1 ||
            EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16)
                abort();
        EVP_MD_CTX_free(ctx);

        memcpy(ret->b, md, sizeof(ret->b));
        uuid_set_version(ret, 5);
}

/* The namespace of close records, fixed by proto/PROTOCOL.md §7.6. */
static const Uuid uuid_close_ns = { { 0x5f, 0x0c, 0x1e, 0x7a, 0x3b, 0x2d, 0x4c, 0x8e, 0x9a, 0x61, 0xd4, 0xf2,
                                      0xb7, 0xe0, 0x8c, 0x35 } };

void uuid_batch_close(const Uuid *batch, Uuid *ret)
{
        char b[UUID_STRING_MAX], name[UUID_STRING_MAX + 8];

        snprintf(name, sizeof(name), "%s/close", uuid_format(batch, b));
        uuid_v5(&uuid_close_ns, name, strlen(name), ret);
}

char *uuid_format(const Uuid *u, char buf[UUID_STRING_MAX])
{
        static const char hex[] = "0123456789abcdef";
        char *p = buf;

        for (size_t i = 0; i < sizeof(u->b); i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        *p++ = '-';
                *p++ = hex[u->b[i] >> 4];
                *p++ = hex[u->b[i] & 0x0f];
        }
        *p = '\0';
        return buf;
}

int uuid_parse(const char *s, Uuid *ret)
{
        Uuid u;
        size_t i = 0;

        if (!s)
                return -EINVAL;
        for (size_t pos = 0; pos < UUID_STRING_MAX - 1; pos++) {
                if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
                        if (s[pos] != '-')
                                return -EINVAL;
                        continue;
                }
                int hi = unhexchar(s[pos]);
                if (hi < 0)
                        return -EINVAL;
                int lo = unhexchar(s[++pos]);
                if (lo < 0)
                        return -EINVAL;
                u.b[i++] = (uint8_t) (hi << 4 | lo);
        }
        if (s[UUID_STRING_MAX - 1] != '\0')
                return -EINVAL;
        *ret = u;
        return 0;
}

int uuid_from_bytes(const void *p, size_t len, Uuid *ret)
{
        if (!p || len != sizeof(ret->b))
                return -EINVAL;
        memcpy(ret->b, p, sizeof(ret->b));
        return 0;
}

bool uuid_is_null(const Uuid *u)
{
        static const Uuid null;

        return memcmp(u->b, null.b, sizeof(u->b)) == 0;
}

bool uuid_equal(const Uuid *a, const Uuid *b)
{
        return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
