/* Dossier codes (see dossier.h): checked character by character against
 * the form, so that nothing longer, shorter or differently spelt reaches a
 * page. */
#include <string.h>

#include "dossier.h"

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static unsigned two_digits(const char *p)
{
        return (unsigned) (p[0] - '0') * 10 + (unsigned) (p[1] - '0');
}

bool dossier_valid(const char *code)
{
        static const char form[] = DOSSIER_CODE_FORM;
        unsigned month, day;

        if (!code || strlen(code) != DOSSIER_CODE_LEN)
                return false;
        for (size_t i = 0; i < DOSSIER_CODE_LEN; i++) {
                char f = form[i], c = code[i];

                if (f == 'N' || f == 'y' || f == 'm' || f == 'd') {
                        if (!is_digit(c))
                                return false;
                } else if (f == 'X') {
                        if (c < 'A' || c > 'Z')
                                return false;
                } else if (c != f) {
                        return false;
                }
        }
        month = two_digits(code + 16);
        day = two_digits(code + 18);
        return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
