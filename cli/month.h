/* A report month as typed (--month 2026-11): checked whole, turned into the
 * date of its first day for SQL. */
#pragma once

#include "macro.h"

#define MONTH_DATE_MAX 11 /* "2026-11-01" and NUL */

/* "YYYY-MM" (month 01-12) into "YYYY-MM-01". 0 or -EINVAL; ret untouched on error. */
MUST_CHECK int month_parse(const char *s, char ret[MONTH_DATE_MAX]);
