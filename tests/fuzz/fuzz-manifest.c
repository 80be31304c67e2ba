/* libFuzzer target for the import manifest's parser (importsrc_manifest_line
 * in import/importsrc.c): the input is a manifest, cut into lines as getline()
 * cuts it. Every line is a row, a line to skip, or a reason; a row's fields
 * are trimmed, the path is not empty, a dossier code is valid; and a row
 * written again as CSV with every field quoted reads back as the same row.
 * Rows are not looked up on disk (that is importsrc_from_manifest's part). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"
#include "fuzz.h"
#include "importsrc.h"

static bool inside(const char *p, const char *buf, size_t len)
{
        return p >= buf && p <= buf + len;
}

static bool trimmed(const char *s)
{
        size_t n = strlen(s);

        return n == 0 || (!isspace((unsigned char) s[0]) && !isspace((unsigned char) s[n - 1]));
}

/* The row as CSV, each field in quotes: must read back as itself. */
static void check_requote(char **f, int nf)
{
        char *again[IMPORTSRC_FIELDS], *buf, *p;
        const char *why, *what;
        size_t len = 1;
        int n = 0, r;

        for (int i = 0; i < nf; i++)
                len += 3 + 2 * strlen(f[i]);
        buf = p = malloc(len);
        if (!buf)
                return;
        for (int i = 0; i < nf; i++) {
                if (i > 0)
                        *p++ = ',';
                *p++ = '"';
                for (const char *c = f[i]; *c; c++) {
                        if (*c == '"')
                                *p++ = '"';
                        *p++ = *c;
                }
                *p++ = '"';
        }
        *p = '\0';
        r = importsrc_manifest_line(buf, (size_t) (p - buf), false, again, &n, &why, &what);
        if (r != 0 || n != nf)
                abort();
        for (int i = 0; i < nf; i++)
                if (strcmp(again[i], f[i]) != 0)
                        abort();
        free(buf);
}

static void check_line(const uint8_t *data, size_t len, bool first)
{
        char *line = malloc(len + 1), *f[IMPORTSRC_FIELDS] = { 0 };
        const char *why = NULL, *what = NULL;
        int nf = 0, r;

        if (!line)
                return;
        memcpy(line, data, len);
        line[len] = '\0';
        r = importsrc_manifest_line(line, len, first, f, &nf, &why, &what);
        if (r == -EINVAL) {
                if (!why || (what && !inside(what, line, len)))
                        abort();
        } else if (r == 0) {
                if (nf < 1 || nf > IMPORTSRC_FIELDS || f[0][0] == '\0')
                        abort();
                for (int i = 0; i < nf; i++)
                        if (!inside(f[i], line, len) || !trimmed(f[i]) || strpbrk(f[i], "\r\n"))
                                abort();
                if (nf > 1 && f[1][0] && !dossier_valid(f[1]))
                        abort();
                check_requote(f, nf);
        } else if (r != 1) {
                abort();
        }
        free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t start = 0;

        while (start < size) {
                const uint8_t *nl = memchr(data + start, '\n', size - start);
                size_t end = nl ? (size_t) (nl - data) + 1 : size;

                check_line(data + start, end - start, start == 0);
                start = end;
        }
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-manifest",
        .specials = ",\" \t\r\n#.-0123456789HAZpath/",
};
