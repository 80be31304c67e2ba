/* The JSON writer. Values are written as they come; the writer only keeps
 * a stack of "has this container an item yet" to place commas, and indents
 * by depth so the output reads well in a terminal too. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(Json *j, FILE *f)
{
        *j = (Json) { .f = f };
}

void json_finish(Json *j)
{
        fputc('\n', j->f);
}

static void json_indent(Json *j)
{
        fputc('\n', j->f);
        for (unsigned i = 0; i < j->depth; i++)
                fputs("  ", j->f);
}

/* Before any value: a comma and a new line in a container, nothing after a
 * key. */
static void json_before_value(Json *j)
{
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->depth == 0)
                return;
        if (j->has_items[j->depth])
                fputc(',', j->f);
        j->has_items[j->depth] = true;
        json_indent(j);
}

static void json_open(Json *j, char c)
{
        json_before_value(j);
        fputc(c, j->f);
        assert(j->depth < JSON_DEPTH_MAX);
        j->depth++;
        j->has_items[j->depth] = false;
}

static void json_close(Json *j, char c)
{
        bool had = j->has_items[j->depth];

        assert(j->depth > 0);
        j->depth--;
        if (had)
                json_indent(j);
        fputc(c, j->f);
}

void json_begin_object(Json *j)
{
        json_open(j, '{');
}

void json_end_object(Json *j)
{
        json_close(j, '}');
}

void json_begin_array(Json *j)
{
        json_open(j, '[');
}

void json_end_array(Json *j)
{
        json_close(j, ']');
}

void json_key(Json *j, const char *key)
{
        json_before_value(j);
        json_write_escaped(j->f, key);
        fputs(": ", j->f);
        j->after_key = true;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one
 * (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t json_utf8_len(const unsigned char *s)
{
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return n;
}

void json_write_escaped(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *) (s ? s : "");

        fputc('"', f);
        while (*p) {
                size_t n = json_utf8_len(p);

                if (n == 0) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fwrite(p, 1, n, f);
                        break;
                }
                p += n;
        }
        fputc('"', f);
}

void json_string(Json *j, const char *s)
{
        if (!s) {
                json_null(j);
                return;
        }
        json_before_value(j);
        json_write_escaped(j->f, s);
}

void json_uint(Json *j, uint64_t v)
{
        json_before_value(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_int(Json *j, int64_t v)
{
        json_before_value(j);
        fprintf(j->f, "%" PRId64, v);
}

void json_bool(Json *j, bool v)
{
        json_before_value(j);
        fputs(v ? "true" : "false", j->f);
}

void json_null(Json *j)
{
        json_before_value(j);
        fputs("null", j->f);
}

void json_field_string(Json *j, const char *key, const char *s)
{
        json_key(j, key);
        json_string(j, s);
}

void json_field_uint(Json *j, const char *key, uint64_t v)
{
        json_key(j, key);
        json_uint(j, v);
}

void json_field_bool(Json *j, const char *key, bool v)
{
        json_key(j, key);
        json_bool(j, v);
}
