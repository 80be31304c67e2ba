#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

size_t utf8_seq_len(const unsigned char *s)
{
        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                return (s[1] & 0xc0) == 0x80 ? 2 : 0;
        if (s[0] >= 0xe0 && s[0] <= 0xef) {
                /* E0 would be overlong below A0; ED above 9F a surrogate. */
                unsigned lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;

                return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
        }
        if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                /* F0 would be overlong below 90; F4 past U+10FFFF above 8F. */
                unsigned lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;

                return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
        }
        return 0;
}

int utf8_repair(const char *s, char **ret_copy)
{
        const unsigned char *u = (const unsigned char *) s;
        size_t i = 0, n = 0, bad = 0;
        char *copy;

        *ret_copy = NULL;
        if (!s)
                return 0;
        for (size_t k; u[i]; i += k ? k : 1)
                if ((k = utf8_seq_len(u + i)) == 0)
                        bad++;
        if (bad == 0)
                return 0;
        copy = malloc(i + 2 * bad + 1);
        if (!copy)
                return -ENOMEM;
        for (size_t j = 0, k; u[j]; j += k ? k : 1) {
                k = utf8_seq_len(u + j);
                if (k == 0) {
                        memcpy(copy + n, "\xef\xbf\xbd", 3);
                        n += 3;
                } else {
                        memcpy(copy + n, s + j, k);
                        n += k;
                }
        }
        copy[n] = '\0';
        *ret_copy = copy;
        return bad > INT_MAX ? INT_MAX : (int) bad;
}
