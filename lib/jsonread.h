/* A small JSON reader for the documents sohoactl writes itself (the export
 * manifest read back by `verify`): the whole text parsed into a tree, with
 * a depth limit, strict syntax and \u escapes turned into UTF-8. The writer
 * is json.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef enum JsonType {
        JSON_NULL,
        JSON_BOOL,
        JSON_NUMBER,
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
        _JSON_TYPE_MAX,
        _JSON_TYPE_INVALID = -22,
} JsonType;

typedef struct JsonValue {
        JsonType type;
        bool boolean;
        double number;
        char *string;            /* JSON_STRING, NUL-terminated UTF-8 */
        struct JsonValue *items; /* JSON_ARRAY, JSON_OBJECT: n values */
        char **keys;             /* JSON_OBJECT: n keys */
        size_t n;
} JsonValue;

/* Parses text[0..len). 0, or -EBADMSG with the byte offset of the problem
 * in *ret_offset (may be NULL). The caller frees *ret with jsonread_free(). */
MUST_CHECK int jsonread_parse(const char *text, size_t len, JsonValue **ret, size_t *ret_offset);
JsonValue *jsonread_free(JsonValue *v);

/* The member key of an object, or NULL (also when v is not an object). */
const JsonValue *jsonread_get(const JsonValue *v, const char *key);
/* The member's string, or NULL when absent or not a string. */
const char *jsonread_string(const JsonValue *v, const char *key);
