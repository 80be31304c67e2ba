/* libFuzzer target for the broker's authorized keys file parser
 * (zap_keys_parse_line in broker/zap.c): the input is the file, cut into
 * lines as getline() cuts it, all read into one table. A line is a key, a
 * line to skip (blank, '#') or a reason; a key taken is exactly the one
 * its line says, read here independently: the role of its first word, the
 * name of its second, the key its third decodes to. A key already in the
 * table is never replaced: listed again in the same role it is left as
 * it was, in another role the line is refused. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fuzz.h"
#include "msg.h"
#include "zap.h"

#define BLANKS " \t\n\v\f\r"

/* The line's words as the file format has them, in a copy. */
static int words(const char *line, char **w, int max, char **ret_copy)
{
        char *copy = strdup(line), *save = NULL, *t;
        int n = 0;

        if (!copy)
                return -ENOMEM;
        for (t = strtok_r(copy, BLANKS, &save); t && n < max; t = strtok_r(NULL, BLANKS, &save))
                w[n++] = t;
        *ret_copy = copy;
        return n;
}

static void check_line(Hashmap *h, const uint8_t *data, size_t len, unsigned lineno)
{
        char *line = malloc(len + 1), *w[3], *copy = NULL;
        ZapLine l = { .lineno = lineno };
        uint8_t bin[32];
        const ZapKey *k;
        ZapKey before = { 0 };
        size_t size = hashmap_size(h);
        int r, n;

        if (!line)
                return;
        memcpy(line, data, len);
        line[len] = '\0';
        n = words(line, w, 3, &copy);
        if (n == 3 && strlen(w[2]) == 40 && zmq_z85_decode(bin, w[2]) &&
            (k = hashmap_get(h, bin, sizeof(bin))))
                before = *k;
        r = zap_keys_parse_line(h, line, len, &l);
        if (n < 0 || r == -ENOMEM)
                goto out;
        if (r == 1) {
                if (memchr(data, '\0', len) || (n > 0 && w[0][0] != '#'))
                        abort();
        } else if (r == -EINVAL) {
                if (!l.why)
                        abort();
        } else if (r == 0 || r == 2 || r == -EEXIST) {
                if (n != 3 || memchr(data, '\0', len) || strlen(w[2]) != 40 || !zmq_z85_decode(bin, w[2]))
                        abort();
                if (l.key.line != lineno || strcmp(l.key.name, w[1]) != 0 ||
                    strcmp(msg_role_to_string(l.key.role), w[0]) != 0)
                        abort();
                k = hashmap_get(h, bin, sizeof(bin));
                if (!k)
                        abort();
                if (r == 0 && (hashmap_size(h) != size + 1 || memcmp(k, &l.key, sizeof(*k)) != 0))
                        abort();
                /* Listed again: the earlier line's key stays as it was. */
                if (r != 0 &&
                    (l.first != k || hashmap_size(h) != size || memcmp(k, &before, sizeof(*k)) != 0 ||
                     (k->role == l.key.role) != (r == 2) || (r == -EEXIST && !l.why)))
                        abort();
        } else {
                abort();
        }
out:
        free(copy);
        free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Hashmap *h = hashmap_new();
        size_t start = 0;
        unsigned lineno = 0;

        if (!h)
                return 0;
        while (start < size) {
                const uint8_t *nl = memchr(data + start, '\n', size - start);
                size_t end = nl ? (size_t) (nl - data) + 1 : size;

                check_line(h, data + start, end - start, ++lineno);
                start = end;
        }
        zap_keys_free(h);
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-keys",
        .specials =
                " \t\n#.-:+=^!/*?&<>()[]{}@%$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
};
