/* UUIDs: the v5 vector from the DNS namespace, a close record's v5, v4 version and variant bits
 * and uniqueness, and the text and byte codecs with bad inputs. */
#include <errno.h>

#include "check.h"
#include "hashmap.h"
#include "uuid.h"

static void test_v5(void)
{
        Uuid ns, u, again;
        char buf[UUID_STRING_MAX];

        CHECK_INT(uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", &ns), 0);
        uuid_v5(&ns, "www.example.com", strlen("www.example.com"), &u);
        CHECK_STR(uuid_format(&u, buf), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
        CHECK_INT(u.b[6] >> 4, 5);
        CHECK_INT(u.b[8] & 0xc0, 0x80);

        /* Content-derived: same input, same id; another name, another id. */
        uuid_v5(&ns, "www.example.com", strlen("www.example.com"), &again);
        CHECK(uuid_equal(&u, &again));
        uuid_v5(&ns, "www.example.org", strlen("www.example.org"), &again);
        CHECK(!uuid_equal(&u, &again));

        /* A batch's close record, as PROTOCOL.md §7.6 names it (the value
         * Python's uuid.uuid5 gives). */
        CHECK_INT(uuid_parse("7d3c1a52-9e0b-4b6f-8a21-5c4e3f2d1b0a", &ns), 0);
        uuid_batch_close(&ns, &u);
        CHECK_STR(uuid_format(&u, buf), "5e1cf34f-f021-5d72-82a1-7d5ca9917f90");
}

static void test_v4(void)
{
        enum {
                N = 10000
        };
        Hashmap *seen = hashmap_new();
        Uuid u;

        CHECK(seen);
        for (int i = 0; i < N; i++) {
                CHECK_INT(uuid_v4(&u), 0);
                CHECK_INT(u.b[6] >> 4, 4);
                CHECK_INT(u.b[8] & 0xc0, 0x80);
                CHECK(!uuid_is_null(&u));
                CHECK_INT(hashmap_put(seen, u.b, sizeof(u.b), seen, NULL), 0);
        }
        CHECK_INT(hashmap_size(seen), N);
        hashmap_free(seen);
}

static void test_codec(void)
{
        static const char *const bad[] = {
                "",
                "6ba7b810-9dad-11d1-80b4-00c04fd430c",   /* short */
                "6ba7b810-9dad-11d1-80b4-00c04fd430c88", /* long */
                "6ba7b8109dad-11d1-80b4-00c04fd430c8-",  /* dash moved */
                "6ba7b810-9dad-11d1-80b4_00c04fd430c8",
                "6ba7b810-9dad-11d1-80b4-00c04fd430cg",
                "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
                "6ba7b8109dad11d180b400c04fd430c8",
                " 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        };
        const uint8_t raw[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                  0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
        Uuid u, v, null = {};
        char buf[UUID_STRING_MAX];

        CHECK_INT(uuid_parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", &u), 0);
        CHECK_STR(uuid_format(&u, buf), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        CHECK(memcmp(u.b, raw, 16) == 0);
        CHECK_INT(uuid_parse(buf, &v), 0);
        CHECK(uuid_equal(&u, &v));

        for (int i = 0; i < 100; i++) {
                CHECK_INT(uuid_v4(&u), 0);
                CHECK_INT(uuid_parse(uuid_format(&u, buf), &v), 0);
                CHECK(uuid_equal(&u, &v));
        }

        v = null;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (uuid_parse(bad[i], &v) != -EINVAL) {
                        fprintf(stderr, "accepted bad uuid \"%s\"\n", bad[i]);
                        exit(1);
                }
        }
        CHECK_INT(uuid_parse(NULL, &v), -EINVAL);
        CHECK(uuid_is_null(&v)); /* untouched */

        CHECK_INT(uuid_from_bytes(raw, 15, &v), -EINVAL);
        CHECK_INT(uuid_from_bytes(raw, 17, &v), -EINVAL);
        CHECK(uuid_is_null(&v));
        CHECK_INT(uuid_from_bytes(raw, 16, &v), 0);
        CHECK_STR(uuid_format(&v, buf), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        CHECK(uuid_is_null(&null));
        CHECK(!uuid_equal(&v, &null));
}

int main(void)
{
        test_v5();
        test_v4();
        test_codec();
        return 0;
}
