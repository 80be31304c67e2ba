/* sohoactl status --db: the store's figures, which a broker restart does
 * not reset: pages stored today per station (origin), failed pages and,
 * of those, quarantined ones. */
#pragma once

#include "json.h"

/* Queries the store at conninfo and prints its figures: into j as the
 * value of the key "store" already written, or, with j NULL, as a table
 * section. A store that cannot be reached is said so, and nothing fails. */
void statusdb_print(const char *conninfo, Json *j);
