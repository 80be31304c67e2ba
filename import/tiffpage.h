/* The pages of a multi-page TIFF, each as a TIFF of its own. A page is
 * copied, not decoded: its strips or tiles go across byte for byte (with
 * the tags that say how to read them, JPEG tables included), so the page
 * sent is exactly the page scanned, whatever its compression. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Directories (pages) of the TIFF open on fd (read from offset 0; fd stays
 * open). 0, or -EBADMSG with reason (IMPORT_REASON_MAX bytes). */
MUST_CHECK int tiffpage_count(int fd, unsigned *ret, char *reason);

/* The page at index (0-based) as a new single-page TIFF in *ret_data
 * (malloc'ed, caller frees), with the resolution it states (0: none) and
 * its mode ("color", "gray", "lineart"; static). 0, or -EBADMSG /
 * -EOPNOTSUPP (old-style JPEG) with reason. */
MUST_CHECK int tiffpage_extract(int fd, unsigned index, uint8_t **ret_data, size_t *ret_len,
                                unsigned *ret_dpi, const char **ret_mode, char *reason);

/* Only the resolution (0: none) and mode of the page at index. 0 or -EBADMSG. */
MUST_CHECK int tiffpage_info(int fd, unsigned index, unsigned *ret_dpi, const char **ret_mode, char *reason);
