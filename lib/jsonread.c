/* The JSON reader (see jsonread.h): recursive descent over the text. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

#define JSONREAD_DEPTH_MAX 64

typedef struct JsonParser {
        const char *s;
        size_t len, pos;
} JsonParser;

static void jsonread_done(JsonValue *v)
{
        free(v->string);
        for (size_t i = 0; i < v->n; i++) {
                jsonread_done(&v->items[i]);
                if (v->keys)
                        free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
}

JsonValue *jsonread_free(JsonValue *v)
{
        if (v) {
                jsonread_done(v);
                free(v);
        }
        return NULL;
}

static void jsonread_ws(JsonParser *p)
{
        while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
                p->pos++;
}

static int jsonread_peek(JsonParser *p)
{
        jsonread_ws(p);
        return p->pos < p->len ? (unsigned char) p->s[p->pos] : -1;
}

static int jsonread_hex4(JsonParser *p, uint32_t *ret)
{
        uint32_t v = 0;

        if (p->len - p->pos < 4)
                return -EBADMSG;
        for (int i = 0; i < 4; i++) {
                int d = unhexchar(p->s[p->pos++]);

                if (d < 0)
                        return -EBADMSG;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

static size_t jsonread_utf8(uint32_t c, char *out)
{
        if (c < 0x80)
                return out[0] = (char) c, 1;
        if (c < 0x800)
                return out[0] = (char) (0xC0 | c >> 6), out[1] = (char) (0x80 | (c & 0x3F)), 2;
        if (c < 0x10000)
                return out[0] = (char) (0xE0 | c >> 12), out[1] = (char) (0x80 | ((c >> 6) & 0x3F)),
                       out[2] = (char) (0x80 | (c & 0x3F)), 3;
        return out[0] = (char) (0xF0 | c >> 18), out[1] = (char) (0x80 | ((c >> 12) & 0x3F)),
               out[2] = (char) (0x80 | ((c >> 6) & 0x3F)), out[3] = (char) (0x80 | (c & 0x3F)), 4;
}

static int jsonread_escape(JsonParser *p, char *out, size_t *n)
{
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e;
        uint32_t c, lo;
        char ch;

        if (p->pos >= p->len)
                return -EBADMSG;
        ch = p->s[p->pos++];
        if (ch != 'u') {
                e = strchr(from, ch);
                if (!e || !ch)
                        return -EBADMSG;
                out[(*n)++] = to[e - from];
                return 0;
        }
        if (jsonread_hex4(p, &c) < 0)
                return -EBADMSG;
        if (c >= 0xD800 && c < 0xDC00) {
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
                        return -EBADMSG;
                p->pos += 2;
                if (jsonread_hex4(p, &lo) < 0 || lo < 0xDC00 || lo >= 0xE000)
                        return -EBADMSG;
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        } else if (c >= 0xDC00 && c < 0xE000)
                return -EBADMSG;
        *n += jsonread_utf8(c, out + *n);
        return 0;
}

/* At the opening quote. The decoded string is never longer than the text. */
static int jsonread_string_at(JsonParser *p, char **ret)
{
        size_t start = ++p->pos, n = 0;
        char *out = malloc(p->len - start + 1);

        if (!out)
                return -ENOMEM;
        while (p->pos < p->len && p->s[p->pos] != '"') {
                unsigned char ch = (unsigned char) p->s[p->pos++];

                if (ch < 0x20 || (ch == '\\' && jsonread_escape(p, out, &n) < 0)) {
                        free(out);
                        return -EBADMSG;
                }
                if (ch != '\\')
                        out[n++] = (char) ch;
        }
        if (p->pos >= p->len) {
                free(out);
                return -EBADMSG;
        }
        p->pos++;
        out[n] = '\0';
        *ret = out;
        return 0;
}

static int jsonread_value(JsonParser *p, JsonValue *v, unsigned depth);

static int jsonread_push(JsonValue *v, char *key)
{
        JsonValue *items = realloc(v->items, (v->n + 1) * sizeof(*items));
        char **keys;

        if (!items)
                return -ENOMEM;
        v->items = items;
        memset(&items[v->n], 0, sizeof(*items));
        if (v->type == JSON_OBJECT) {
                keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
                if (!keys)
                        return -ENOMEM;
                v->keys = keys;
                keys[v->n] = key;
        }
        v->n++;
        return 0;
}

static int jsonread_container(JsonParser *p, JsonValue *v, unsigned depth)
{
        char close = v->type == JSON_ARRAY ? ']' : '}';
        int r;

        p->pos++;
        if (jsonread_peek(p) == close) {
                p->pos++;
                return 0;
        }
        for (;;) {
                char *key = NULL;

                if (v->type == JSON_OBJECT) {
                        if (jsonread_peek(p) != '"')
                                return -EBADMSG;
                        r = jsonread_string_at(p, &key);
                        if (r < 0)
                                return r;
                        if (jsonread_peek(p) != ':') {
                                free(key);
                                return -EBADMSG;
                        }
                        p->pos++;
                }
                r = jsonread_push(v, key);
                if (r < 0) {
                        free(key);
                        return r;
                }
                r = jsonread_value(p, &v->items[v->n - 1], depth + 1);
                if (r < 0)
                        return r;
                /* At the end of the text there is nothing to step over:
                 * the error's offset stays inside the text. */
                r = jsonread_peek(p);
                if (r != close && r != ',')
                        return -EBADMSG;
                p->pos++;
                if (r == close)
                        return 0;
        }
}

static int jsonread_literal(JsonParser *p, const char *word)
{
        size_t l = strlen(word);

        if (p->len - p->pos < l || memcmp(p->s + p->pos, word, l) != 0)
                return -EBADMSG;
        p->pos += l;
        return 0;
}

static int jsonread_value(JsonParser *p, JsonValue *v, unsigned depth)
{
        int c = jsonread_peek(p);
        char buf[64], *end;
        size_t k = 0;

        if (depth > JSONREAD_DEPTH_MAX)
                return -EBADMSG;
        switch (c) {
        case '{':
                v->type = JSON_OBJECT;
                return jsonread_container(p, v, depth);
        case '[':
                v->type = JSON_ARRAY;
                return jsonread_container(p, v, depth);
        case '"':
                v->type = JSON_STRING;
                return jsonread_string_at(p, &v->string);
        case 't':
                v->type = JSON_BOOL;
                v->boolean = true;
                return jsonread_literal(p, "true");
        case 'f':
                v->type = JSON_BOOL;
                return jsonread_literal(p, "false");
        case 'n':
                v->type = JSON_NULL;
                return jsonread_literal(p, "null");
        default:
                break;
        }
        while (p->pos + k < p->len && k < sizeof(buf) - 1 && strchr("+-0123456789.eE", p->s[p->pos + k]) &&
               p->s[p->pos + k])
                buf[k] = p->s[p->pos + k], k++;
        buf[k] = '\0';
        if (k == 0)
                return -EBADMSG;
        v->type = JSON_NUMBER;
        v->number = strtod(buf, &end);
        if (*end)
                return -EBADMSG;
        p->pos += k;
        return 0;
}

int jsonread_parse(const char *text, size_t len, JsonValue **ret, size_t *ret_offset)
{
        JsonParser p = { .s = text, .len = len };
        JsonValue *v = calloc(1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        r = jsonread_value(&p, v, 0);
        if (r >= 0 && jsonread_peek(&p) != -1)
                r = -EBADMSG;
        if (r < 0) {
                if (ret_offset)
                        *ret_offset = p.pos;
                jsonread_free(v);
                return r;
        }
        *ret = v;
        return 0;
}

const JsonValue *jsonread_get(const JsonValue *v, const char *key)
{
        if (!v || v->type != JSON_OBJECT)
                return NULL;
        for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->keys[i], key) == 0)
                        return &v->items[i];
        return NULL;
}

const char *jsonread_string(const JsonValue *v, const char *key)
{
        const JsonValue *m = jsonread_get(v, key);

        return m && m->type == JSON_STRING ? m->string : NULL;
}
