/* The import manifest read into batches (import/importsrc.c) from real files
 * in a temporary folder: rows that share a dossier and a component form one
 * batch; a line longer than any buffer is still one row; a manifest with
 * NUL bytes (UTF-16) is refused, not read as one odd row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "importsrc.h"

#define D "000.00.53.H48-240101-0001"

static char dir[] = "/tmp/test-importsrc-XXXXXX";

static void write_file(const char *name, const char *text, size_t len)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        CHECK(f);
        CHECK_INT(fwrite(text, 1, len, f), len);
        CHECK_INT(fclose(f), 0);
}

static int read_manifest(const char *text, size_t len, ImportSrc **ret)
{
        char path[256];

        write_file("manifest.csv", text, len);
        snprintf(path, sizeof(path), "%s/manifest.csv", dir);
        return importsrc_from_manifest(path, NULL, ret);
}

static void test_rows(void)
{
        const char *text = "path,dossier_code,component\n"
                           "# scanned in March\r\n"
                           "a.tif," D ",\"ho so, 1\"\n"
                           "  b.tif , " D " , ho so, 1 \n"
                           "c.tif\n";
        ImportSrc *s = NULL;

        /* "ho so, 1" unquoted is two fields: b.tif's row has four. A quote
         * opens a field only right after its comma. */
        CHECK_INT(read_manifest(text, strlen(text), &s), -EINVAL);
        text = "path,dossier_code,component\n"
               "# scanned in March\r\n"
               "a.tif," D ",\"ho so, 1\"\n"
               "  b.tif , " D " ,\"ho so, 1\"\n"
               "c.tif\n";
        CHECK_INT(read_manifest(text, strlen(text), &s), 0);
        CHECK_INT(s->n_bad, 0);
        CHECK_INT(s->n_batches, 2);
        CHECK_STR(s->batches[0].component, "ho so, 1");
        CHECK_STR(s->batches[0].dossier, D);
        CHECK_INT(s->batches[0].n_files, 2);
        CHECK(!s->batches[1].component);
        CHECK_INT(s->batches[1].n_files, 1);
        importsrc_free(s);
}

/* One row of 9000 characters: read in pieces of 8192 bytes, its tail was
 * a row of its own, a path that does not exist. */
static void test_long_line(void)
{
        size_t n = 0, len = 9000;
        char *text = malloc(len + 2);
        ImportSrc *s = NULL;

        CHECK(text);
        n += (size_t) snprintf(text, len, "a.tif," D ",");
        while (n < len)
                text[n++] = 'c';
        text[n++] = '\n';
        CHECK_INT(read_manifest(text, n, &s), 0);
        CHECK_INT(s->n_bad, 0);
        CHECK_INT(s->n_batches, 1);
        CHECK_INT(strlen(s->batches[0].component), len - strlen("a.tif," D ","));
        importsrc_free(s);
        free(text);
}

/* "path\na.tif\n" in UTF-16LE with its byte-order mark. */
static void test_utf16(void)
{
        const char text[] = "\xff\xfe"
                            "p\0a\0t\0h\0\n\0a\0.\0t\0i\0f\0\n\0";
        ImportSrc *s = NULL;

        CHECK_INT(read_manifest(text, sizeof(text) - 1, &s), -EINVAL);
}

int main(void)
{
        char path[256];

        CHECK(mkdtemp(dir));
        write_file("a.tif", "x", 1);
        write_file("b.tif", "x", 1);
        write_file("c.tif", "x", 1);
        test_rows();
        test_long_line();
        test_utf16();
        for (const char *const *f =
                     (const char *const[]) { "a.tif", "b.tif", "c.tif", "manifest.csv", NULL };
             *f; f++) {
                snprintf(path, sizeof(path), "%s/%s", dir, *f);
                unlink(path);
        }
        rmdir(dir);
        return 0;
}
