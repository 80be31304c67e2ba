/* libFuzzer target for the JSON reader (lib/jsonread.c), which reads the
 * export manifest a user hands to `sohoactl verify`: any text parses or
 * fails with -EBADMSG and an offset inside it; and what parses, written
 * out by the JSON writer (lib/json.c), parses again to the same tree. That
 * holds where the writer can say the same thing: strings of valid UTF-8
 * (it writes U+FFFD for other bytes), integral numbers, depth up to
 * JSON_DEPTH_MAX. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "jsonread.h"

/* Valid UTF-8 (RFC 3629: no overlong forms, no surrogates). */
static bool utf8_valid(const unsigned char *s)
{
        while (*s) {
                unsigned c = *s++, n, cp;

                if (c < 0x80)
                        continue;
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1, cp = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        n = 2, cp = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        n = 3, cp = c & 0x07;
                else
                        return false;
                for (unsigned i = 0; i < n; i++, s++) {
                        if ((*s & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (*s & 0x3f);
                }
                if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
                        return false;
        }
        return true;
}

/* Whether the writer can write v as it is. */
static bool writable(const JsonValue *v, unsigned depth)
{
        switch (v->type) {
        case JSON_NUMBER:
                return fabs(v->number) < 9e15 && v->number == (double) (int64_t) v->number;
        case JSON_STRING:
                return utf8_valid((const unsigned char *) v->string);
        case JSON_ARRAY:
        case JSON_OBJECT:
                /* The writer asserts its depth: a caller's promise. */
                if (depth >= JSON_DEPTH_MAX)
                        return false;
                for (size_t i = 0; i < v->n; i++)
                        if ((v->keys && !utf8_valid((const unsigned char *) v->keys[i])) ||
                            !writable(&v->items[i], depth + 1))
                                return false;
                return true;
        default:
                return true;
        }
}

static void write_value(Json *j, const JsonValue *v)
{
        switch (v->type) {
        case JSON_NULL:
                json_null(j);
                break;
        case JSON_BOOL:
                json_bool(j, v->boolean);
                break;
        case JSON_NUMBER:
                json_int(j, (int64_t) v->number);
                break;
        case JSON_STRING:
                json_string(j, v->string);
                break;
        case JSON_ARRAY:
                json_begin_array(j);
                for (size_t i = 0; i < v->n; i++)
                        write_value(j, &v->items[i]);
                json_end_array(j);
                break;
        case JSON_OBJECT:
                json_begin_object(j);
                for (size_t i = 0; i < v->n; i++) {
                        json_key(j, v->keys[i]);
                        write_value(j, &v->items[i]);
                }
                json_end_object(j);
                break;
        default:
                abort();
        }
}

static bool same(const JsonValue *a, const JsonValue *b)
{
        if (a->type != b->type || a->n != b->n)
                return false;
        switch (a->type) {
        case JSON_BOOL:
                return a->boolean == b->boolean;
        case JSON_NUMBER:
                return a->number == b->number;
        case JSON_STRING:
                return strcmp(a->string, b->string) == 0;
        case JSON_ARRAY:
        case JSON_OBJECT:
                for (size_t i = 0; i < a->n; i++)
                        if ((a->keys && strcmp(a->keys[i], b->keys[i]) != 0) ||
                            !same(&a->items[i], &b->items[i]))
                                return false;
                return true;
        default:
                return true;
        }
}

static void check_rewrite(const JsonValue *v)
{
        JsonValue *again = NULL;
        char *text = NULL;
        size_t len = 0;
        Json j;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f)
                return;
        json_init(&j, f);
        write_value(&j, v);
        json_finish(&j);
        if (fclose(f) != 0)
                return;
        if (jsonread_parse(text, len, &again, NULL) != 0 || !same(v, again)) {
                fprintf(stderr, "written again as:\n%s", text);
                abort();
        }
        jsonread_free(again);
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        JsonValue *v = NULL;
        size_t off = (size_t) -1;
        int r;

        r = jsonread_parse((const char *) data, size, &v, &off);
        if (r == -EBADMSG) {
                if (v || off > size)
                        abort();
                return 0;
        }
        if (r == -ENOMEM)
                return 0;
        if (r != 0 || !v)
                abort();
        (void) jsonread_string(v, "format");
        (void) jsonread_get(v, "pages");
        if (writable(v, 0))
                check_rewrite(v);
        jsonread_free(v);
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-json",
        .specials = "{}[]\":,\\ \n0123456789.-+eEtfnu\x01\x7f\xc3\xa9",
};
