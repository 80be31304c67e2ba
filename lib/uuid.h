/* UUIDs: v4 (random, made at capture) and v5 (SHA-1 of a namespace and a
 * name: content-derived ids, so importing the same file twice gives the same
 * page ids). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define UUID_STRING_MAX 37 /* 36 characters and NUL */

typedef struct Uuid {
        uint8_t b[16];
} Uuid;

/* Random v4 from getrandom(). 0 or negative errno. */
MUST_CHECK int uuid_v4(Uuid *ret);
/* v5 (RFC 4122/9562, SHA-1) of ns and name. */
void uuid_v5(const Uuid *ns, const void *name, size_t len, Uuid *ret);
/* The UUID of the batch-close record of batch: v5 of "<batch>/close" in the
 * protocol's namespace (proto/PROTOCOL.md §7.6), so a repeat is the same
 * record. */
void uuid_batch_close(const Uuid *batch, Uuid *ret);
/* Lower-case 8-4-4-4-12 into buf; returns buf. */
char *uuid_format(const Uuid *u, char buf[UUID_STRING_MAX]);
/* Parse 8-4-4-4-12 (either case). 0 or -EINVAL; *ret untouched on error. */
MUST_CHECK int uuid_parse(const char *s, Uuid *ret);
/* From 16 raw bytes (a protobuf field): 0, or -EINVAL when len != 16. */
MUST_CHECK int uuid_from_bytes(const void *p, size_t len, Uuid *ret);
bool uuid_is_null(const Uuid *u);
bool uuid_equal(const Uuid *a, const Uuid *b);
