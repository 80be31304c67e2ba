/* Report months (see month.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "month.h"

int month_parse(const char *s, char ret[MONTH_DATE_MAX])
{
        int month;

        if (!s || strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789") != 4 ||
            strspn(s + 5, "0123456789") != 2)
                return -EINVAL;
        month = (s[5] - '0') * 10 + (s[6] - '0');
        if (month < 1 || month > 12)
                return -EINVAL;
        snprintf(ret, MONTH_DATE_MAX, "%.7s-01", s);
        return 0;
}
