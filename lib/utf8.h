/* UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing
 * past U+10FFFF). Strings from peers are made valid before anything that
 * insists on it reads them: a JSON reader, PostgreSQL, a protobuf library
 * other than protobuf-c (Python's refuses a message whose string is not). */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Length of the valid sequence at s (NUL-terminated), or 0 when none starts
 * there. */
size_t utf8_seq_len(const unsigned char *s);

/* s with every byte that starts no valid sequence replaced by U+FFFD.
 * Returns how many bytes were replaced, with the new string in *ret_copy
 * (the caller frees it), or 0 with *ret_copy NULL when s is valid (NULL
 * is); -ENOMEM. */
MUST_CHECK int utf8_repair(const char *s, char **ret_copy);
