/* The JSON writer. Values are written as they come; the writer only keeps
 * a stack of "has this container an item yet" to place commas, and indents
 * by depth so the output reads well in a terminal too. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

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

void json_write_escaped(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *) (s ? s : "");

        fputc('"', f);
        while (*p) {
                size_t n = utf8_seq_len(p);

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
