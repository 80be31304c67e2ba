/* HTML escaping (see html.h). */
#include "html.h"

void html_text(FILE *f, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '&':
                        fputs("&amp;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                default:
                        fputc(*s, f);
                        break;
                }
        }
}
