/* SHA-256 through OpenSSL's libcrypto (the fastest implementation here).
 * One hash per page, from capture to store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define SHA256_LEN 32
#define SHA256_HEX_MAX 65

void sha256_buf(const void *data, size_t len, uint8_t ret[SHA256_LEN]);
/* Hash a whole file from its current offset to its end. 0 or negative errno. */
MUST_CHECK int sha256_fd(int fd, uint8_t ret[SHA256_LEN]);
/* Lower-case hex into buf; returns buf. */
char *sha256_hex(const uint8_t h[SHA256_LEN], char buf[SHA256_HEX_MAX]);
/* Parse 64 hex digits. 0 or -EINVAL. */
MUST_CHECK int sha256_from_hex(const char *s, uint8_t ret[SHA256_LEN]);
