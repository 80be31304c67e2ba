/* Checks for the unit tests that stay in with NDEBUG: each failure prints
 * where and what, then the test exits 1 so meson reports it. */
#pragma once

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                              \
        do {                                                                                     \
                if (!(cond)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        exit(1);                                                                 \
                }                                                                                \
        } while (0)

#define CHECK_INT(a, b)                                                                             \
        do {                                                                                        \
                long long _a = (long long) (a), _b = (long long) (b);                               \
                if (_a != _b) {                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, \
                                __LINE__, #a, #b, _a, _b);                                          \
                        exit(1);                                                                    \
                }                                                                                   \
        } while (0)

#define CHECK_U64(a, b)                                                                                 \
        do {                                                                                            \
                uint64_t _a = (uint64_t) (a), _b = (uint64_t) (b);                                      \
                if (_a != _b) {                                                                         \
                        fprintf(stderr, "%s:%d: check failed: %s == %s (%" PRIu64 " != %" PRIu64 ")\n", \
                                __FILE__, __LINE__, #a, #b, _a, _b);                                    \
                        exit(1);                                                                        \
                }                                                                                       \
        } while (0)

#define CHECK_STR(a, b)                                                                                 \
        do {                                                                                            \
                const char *_a = (a), *_b = (b);                                                        \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                                \
                        fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, \
                                __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");              \
                        exit(1);                                                                        \
                }                                                                                       \
        } while (0)

/* Haystack contains needle. */
#define CHECK_CONTAINS(hay, needle)                                                                \
        do {                                                                                       \
                const char *_h = (hay), *_n = (needle);                                            \
                if (!_h || !strstr(_h, _n)) {                                                      \
                        fprintf(stderr, "%s:%d: check failed: \"%s\" contains \"%s\"\n", __FILE__, \
                                __LINE__, _h ? _h : "(null)", _n);                                 \
                        exit(1);                                                                   \
                }                                                                                  \
        } while (0)
