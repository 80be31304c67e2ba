/* The hash map with 100k keys: insert, replace, get, remove, iterate, and
 * removal of the current entry while iterating; then a million entries to
 * keep growth honest. */
#include <errno.h>

#include "check.h"
#include "clock.h"
#include "hashmap.h"

enum {
        N = 100000
};

/* Values are the key's number plus one, as pointers; keys are text of
 * varying length so lengths matter as much as bytes. */
static size_t key_of(unsigned i, char buf[32])
{
        return (size_t) snprintf(buf, 32, "key-%u", i);
}

static void *val(unsigned i)
{
        return (void *) (uintptr_t) (i + 1);
}

static void test_basic(void)
{
        Hashmap *h = hashmap_new();
        void *old = val(7);
        char k[32];
        size_t n;

        CHECK(h);
        CHECK_INT(hashmap_size(h), 0);
        CHECK(!hashmap_get(h, "x", 1));
        CHECK(!hashmap_remove(h, "x", 1));

        for (unsigned i = 0; i < N; i++) {
                n = key_of(i, k);
                CHECK_INT(hashmap_put(h, k, n, val(i), &old), 0);
                CHECK(old == NULL);
        }
        CHECK_INT(hashmap_size(h), N);

        /* The key is copied: the caller's buffer was reused every time. */
        for (unsigned i = 0; i < N; i++) {
                n = key_of(i, k);
                CHECK(hashmap_get(h, k, n) == val(i));
        }
        /* A prefix or a longer key is another key. */
        CHECK(!hashmap_get(h, "key-1", 4));
        CHECK(!hashmap_get(h, "key-1\0", 6));

        /* Replace keeps the size and hands back the old value. */
        n = key_of(42, k);
        CHECK_INT(hashmap_put(h, k, n, val(4242), &old), 0);
        CHECK(old == val(42));
        CHECK(hashmap_get(h, k, n) == val(4242));
        CHECK_INT(hashmap_put(h, k, n, val(42), NULL), 0);
        CHECK_INT(hashmap_size(h), N);

        /* Remove the even keys; odd ones stay reachable past the tombstones. */
        for (unsigned i = 0; i < N; i += 2) {
                n = key_of(i, k);
                CHECK(hashmap_remove(h, k, n) == val(i));
                CHECK(!hashmap_remove(h, k, n));
        }
        CHECK_INT(hashmap_size(h), N / 2);
        for (unsigned i = 0; i < N; i++) {
                n = key_of(i, k);
                CHECK(hashmap_get(h, k, n) == (i % 2 ? val(i) : NULL));
        }

        /* Re-insert into the tombstoned table. */
        for (unsigned i = 0; i < N; i += 2) {
                n = key_of(i, k);
                CHECK_INT(hashmap_put(h, k, n, val(i), &old), 0);
                CHECK(old == NULL);
        }
        CHECK_INT(hashmap_size(h), N);

        /* Zero-length key is a key like any other. */
        CHECK_INT(hashmap_put(h, "", 0, val(N), NULL), 0);
        CHECK(hashmap_get(h, "", 0) == val(N));
        CHECK(hashmap_remove(h, "", 0) == val(N));
        CHECK_INT(hashmap_size(h), N);

        CHECK(hashmap_free(h) == NULL);
        CHECK(hashmap_free(NULL) == NULL);
}

static void test_iterate(void)
{
        Hashmap *h = hashmap_new();
        unsigned char *seen = calloc(N, 1);
        size_t state = 0, count = 0, klen;
        const void *key;
        void *value;
        char k[32];

        CHECK(h && seen);
        for (unsigned i = 0; i < N; i++)
                CHECK_INT(hashmap_put(h, k, key_of(i, k), val(i), NULL), 0);

        /* Every entry exactly once, with its own key. */
        while (hashmap_iterate(h, &state, &key, &klen, &value)) {
                unsigned i = (unsigned) ((uintptr_t) value - 1);

                CHECK(i < N);
                CHECK(!seen[i]);
                seen[i] = 1;
                CHECK_INT(klen, key_of(i, k));
                CHECK(memcmp(key, k, klen) == 0);
                count++;
        }
        CHECK_INT(count, N);
        CHECK(!hashmap_iterate(h, &state, NULL, NULL, NULL));

        /* Remove every entry whose number is divisible by 3 while walking:
         * nothing skipped, nothing twice. */
        memset(seen, 0, N);
        state = 0;
        count = 0;
        while (hashmap_iterate(h, &state, &key, &klen, &value)) {
                unsigned i = (unsigned) ((uintptr_t) value - 1);

                CHECK(!seen[i]);
                seen[i] = 1;
                count++;
                if (i % 3 == 0)
                        CHECK(hashmap_remove(h, key, klen) == value);
        }
        CHECK_INT(count, N);
        CHECK_INT(hashmap_size(h), N - (N + 2) / 3);

        /* Then drain it completely the same way, with NULL out-params too. */
        state = 0;
        count = 0;
        while (hashmap_iterate(h, &state, &key, &klen, NULL)) {
                CHECK(hashmap_remove(h, key, klen));
                count++;
        }
        CHECK_INT(count, N - (N + 2) / 3);
        CHECK_INT(hashmap_size(h), 0);
        state = 0;
        CHECK(!hashmap_iterate(h, &state, NULL, NULL, NULL));

        free(seen);
        hashmap_free(h);
}

static void test_million(void)
{
        enum {
                M = 1000000
        };
        Hashmap *h = hashmap_new();
        uint64_t start = clock_mono_ms();
        uint32_t k;

        CHECK(h);
        for (uint32_t i = 0; i < M; i++) {
                k = i * 2654435761u; /* distinct for distinct i */
                CHECK_INT(hashmap_put(h, &k, sizeof(k), val(i), NULL), 0);
        }
        CHECK_INT(hashmap_size(h), M);
        for (uint32_t i = 0; i < M; i++) {
                k = i * 2654435761u;
                CHECK(hashmap_get(h, &k, sizeof(k)) == val(i));
        }
        for (uint32_t i = 0; i < M; i++) {
                k = i * 2654435761u;
                CHECK(hashmap_remove(h, &k, sizeof(k)) == val(i));
        }
        CHECK_INT(hashmap_size(h), 0);
        /* Generous even for sanitizer builds; a quadratic probe would not
         * finish in it. */
        CHECK(clock_mono_ms() - start < 20000);
        hashmap_free(h);
}

int main(void)
{
        test_basic();
        test_iterate();
        test_million();
        return 0;
}
