/* libFuzzer target for the CURVE key file parser (curvekey_parse_line in
 * session/curvekey.c): the input is the file, cut into lines as getline()
 * cuts it, all read into one CurveKey. A key taken comes from its own
 * line, read here independently: the line, without its leading blanks,
 * names the key, and the key's 40 characters are in it; a line with a NUL
 * byte is refused; a key once taken never changes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "curvekey.h"
#include "fuzz.h"

/* Whether line, past its leading blanks, starts with name and holds z85. */
static bool line_gives(const char *line, const char *name, const char *z85)
{
        line += strspn(line, " \t");
        return strncmp(line, name, strlen(name)) == 0 && strstr(line, z85) != NULL;
}

static void check_line(CurveKey *k, const uint8_t *data, size_t len)
{
        char *line = malloc(len + 1);
        CurveKey before = *k;
        bool nul;
        int r;

        if (!line)
                return;
        memcpy(line, data, len);
        line[len] = '\0';
        nul = memchr(data, '\0', len) != NULL;
        r = curvekey_parse_line(line, len, k);
        /* The parser writes into its copy; the checks read the input's. */
        memcpy(line, data, len);
        if (r == -EBADMSG) {
                if (memcmp(&before, k, sizeof(before)) != 0)
                        abort();
        } else if (r == 0) {
                if (nul || memcmp(&before, k, sizeof(before)) != 0)
                        abort();
        } else if (r == 1) {
                bool pub = k->public_key[0] && line_gives(line, "public-key", k->public_key);
                bool sec = k->secret_key[0] && line_gives(line, "secret-key", k->secret_key);

                if (nul || !(pub || sec))
                        abort();
                if ((before.public_key[0] && strcmp(before.public_key, k->public_key) != 0) ||
                    (before.secret_key[0] && strcmp(before.secret_key, k->secret_key) != 0))
                        abort();
                if ((k->public_key[0] && strlen(k->public_key) != CURVEKEY_Z85_LEN) ||
                    (k->secret_key[0] && strlen(k->secret_key) != CURVEKEY_Z85_LEN))
                        abort();
        } else {
                abort();
        }
        free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        CurveKey k = { 0 };
        size_t start = 0;

        while (start < size) {
                const uint8_t *nl = memchr(data + start, '\n', size - start);
                size_t end = nl ? (size_t) (nl - data) + 1 : size;

                check_line(&k, data + start, end - start);
                start = end;
        }
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-curvekey",
        .specials = " \t\n\r\"#=.-:+^!/"
                    "*?&<>()[]{}@%$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
};
