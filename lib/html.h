/* Text written into an HTML page: the report's printable page and the
 * broker's status page share it. */
#pragma once

#include <stdio.h>

/* Writes s (NULL: nothing) to f with <, >, & and " escaped. */
void html_text(FILE *f, const char *s);
