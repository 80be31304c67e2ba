/* A small streaming JSON writer (sohoactl's --json output, the worker's
 * word boxes and stage times, sohoa-pagetool's report): it places
 * commas and indentation itself, and escapes every string (control
 * characters, quotes, backslashes; bytes that are not UTF-8 become U+FFFD)
 * so the output always parses. The reader is jsonread.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

typedef struct Json {
        FILE *f;
        unsigned depth;
        bool has_items[JSON_DEPTH_MAX + 1]; /* a comma is due before the next item */
        bool after_key;
} Json;

void json_init(Json *j, FILE *f);
/* Ends the document with a newline. */
void json_finish(Json *j);

void json_begin_object(Json *j);
void json_end_object(Json *j);
void json_begin_array(Json *j);
void json_end_array(Json *j);
/* Inside an object: the next value's key. */
void json_key(Json *j, const char *key);

/* Values; json_string(j, NULL) writes null. */
void json_string(Json *j, const char *s);
void json_uint(Json *j, uint64_t v);
void json_int(Json *j, int64_t v);
void json_bool(Json *j, bool v);
void json_null(Json *j);

/* key and value in one call. */
void json_field_string(Json *j, const char *key, const char *s);
void json_field_uint(Json *j, const char *key, uint64_t v);
void json_field_bool(Json *j, const char *key, bool v);

/* s escaped as a JSON string literal, quotes included; NULL writes "". */
void json_write_escaped(FILE *f, const char *s);
