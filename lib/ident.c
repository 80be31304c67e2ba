/* Applicants' identifiers (see ident.h). Where the rules come from:
 *
 * CCCD, the personal identification number (Decree 137/2015/ND-CP Art. 13;
 * Circular 07/2016/TT-BCA Art. 7 and its Appendix I, kept by Circular
 * 59/2021/TT-BCA): 3 digits of the province where the birth was registered
 * (Appendix I: 63 codes from 001 Ha Noi to 096 Ca Mau, with gaps: 003, 005,
 * 097... are no province), 1 digit of century and sex (20th century male 0,
 * female 1; 21st 2/3; 22nd 4/5; 23rd 6/7; 24th 8/9), 2 digits of the birth
 * year, 6 digits at random. Read from the circular's text
 * (thuvienphapluat.vn, "Thong-tu-07-2016-TT-BCA") and its appendix as
 * republished (moinhat123.blogspot.com/2021/03, hrnk.vn/blog/71). A number
 * whose century and year give a birth year after this year is refused.
 *
 * CMND: 9 digits; the cards of 2012-2015 had 12 (Circular 27/2012/TT-BCA),
 * with no structure we can check, so a 12-digit number is a CCCD unless the
 * caller says CMND.
 *
 * MST (Circular 105/2020/TT-BTC Art. 5): N1..N10, where N10 checks N1..N9,
 * and N11..N13 a branch (dependent unit), written after a dash. The check
 * digit is 10 - (sum of Ni * Wi mod 11) with W = 31 29 23 19 17 13 7 5 3, as
 * python-stdnum computes it (stdnum/vn/mst.py; 0100233488, 0314409058-002
 * pass); remainder 0 leaves no digit, so no such number exists. N3..N9 all
 * zero and branch 000 are not issued either. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ident.h"

typedef struct IdentProvince {
        unsigned short code;
        const char *name;
} IdentProvince;

/* Circular 07/2016/TT-BCA, Appendix I, in its order (ascending codes). */
/* clang-format off */
static const IdentProvince ident_provinces[] = {
        { 1, "Hà Nội" },          { 2, "Hà Giang" },       { 4, "Cao Bằng" },         { 6, "Bắc Kạn" },
        { 8, "Tuyên Quang" },     { 10, "Lào Cai" },       { 11, "Điện Biên" },       { 12, "Lai Châu" },
        { 14, "Sơn La" },         { 15, "Yên Bái" },       { 17, "Hòa Bình" },        { 19, "Thái Nguyên" },
        { 20, "Lạng Sơn" },       { 22, "Quảng Ninh" },    { 24, "Bắc Giang" },       { 25, "Phú Thọ" },
        { 26, "Vĩnh Phúc" },      { 27, "Bắc Ninh" },      { 30, "Hải Dương" },       { 31, "Hải Phòng" },
        { 33, "Hưng Yên" },       { 34, "Thái Bình" },     { 35, "Hà Nam" },          { 36, "Nam Định" },
        { 37, "Ninh Bình" },      { 38, "Thanh Hóa" },     { 40, "Nghệ An" },         { 42, "Hà Tĩnh" },
        { 44, "Quảng Bình" },     { 45, "Quảng Trị" },     { 46, "Thừa Thiên Huế" },  { 48, "Đà Nẵng" },
        { 49, "Quảng Nam" },      { 51, "Quảng Ngãi" },    { 52, "Bình Định" },       { 54, "Phú Yên" },
        { 56, "Khánh Hòa" },      { 58, "Ninh Thuận" },    { 60, "Bình Thuận" },      { 62, "Kon Tum" },
        { 64, "Gia Lai" },        { 66, "Đắk Lắk" },       { 67, "Đắk Nông" },        { 68, "Lâm Đồng" },
        { 70, "Bình Phước" },     { 72, "Tây Ninh" },      { 74, "Bình Dương" },      { 75, "Đồng Nai" },
        { 77, "Bà Rịa - Vũng Tàu" }, { 79, "Hồ Chí Minh" }, { 80, "Long An" },        { 82, "Tiền Giang" },
        { 83, "Bến Tre" },        { 84, "Trà Vinh" },      { 86, "Vĩnh Long" },       { 87, "Đồng Tháp" },
        { 89, "An Giang" },       { 91, "Kiên Giang" },    { 92, "Cần Thơ" },         { 93, "Hậu Giang" },
        { 94, "Sóc Trăng" },      { 95, "Bạc Liêu" },      { 96, "Cà Mau" },
};
/* clang-format on */

static const char *const ident_kind_names[_IDENT_KIND_MAX] = {
        [IDENT_CCCD] = "cccd",
        [IDENT_CMND] = "cmnd",
        [IDENT_MST] = "mst",
};

static const unsigned ident_mst_weights[9] = { 31, 29, 23, 19, 17, 13, 7, 5, 3 };

const char *ident_kind_to_string(IdentKind k)
{
        return k >= 0 && k < _IDENT_KIND_MAX ? ident_kind_names[k] : NULL;
}

IdentKind ident_kind_from_string(const char *s)
{
        for (int k = 0; s && k < _IDENT_KIND_MAX; k++)
                if (strcasecmp(s, ident_kind_names[k]) == 0)
                        return (IdentKind) k;
        return _IDENT_KIND_INVALID;
}

const char *ident_province_name(unsigned code)
{
        for (size_t i = 0; i < ELEMENTSOF(ident_provinces); i++)
                if (ident_provinces[i].code == code)
                        return ident_provinces[i].name;
        return NULL;
}

int ident_mst_check_digit(const char *nine)
{
        unsigned sum = 0;

        for (int i = 0; i < 9; i++)
                sum += (unsigned) (nine[i] - '0') * ident_mst_weights[i];
        return sum % 11 == 0 ? -EDOM : (int) (10 - sum % 11);
}

/* How many leading characters of s are ASCII digits. */
static size_t ident_digits(const char *s)
{
        size_t n = 0;

        while (s[n] >= '0' && s[n] <= '9')
                n++;
        return n;
}

static unsigned ident_number(const char *s, size_t n)
{
        unsigned v = 0;

        for (size_t i = 0; i < n; i++)
                v = v * 10 + (unsigned) (s[i] - '0');
        return v;
}

static int ident_refuse(char *why, size_t why_len, const char *fmt, ...) PRINTF_FMT(3, 4);

static int ident_refuse(char *why, size_t why_len, const char *fmt, ...)
{
        va_list ap;

        if (why && why_len > 0) {
                va_start(ap, fmt);
                vsnprintf(why, why_len, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static int ident_cccd(const char *s, int this_year, Ident *id, char *why, size_t why_len)
{
        unsigned province, cs;
        const char *name;
        int year;

        if (strlen(s) != 12 || ident_digits(s) != 12)
                return ident_refuse(
                        why, why_len, "CCCD %s: a CCCD number is 12 digits, this is %zu characters%s", s,
                        strlen(s), ident_digits(s) == strlen(s) ? "" : " with other than digits");
        province = ident_number(s, 3);
        name = ident_province_name(province);
        if (!name)
                return ident_refuse(why, why_len,
                                    "CCCD %s: %.3s is no province code (Circular 07/2016/TT-BCA Appendix I: "
                                    "the 63 codes from 001 to 096)",
                                    s, s);
        cs = (unsigned) (s[3] - '0');
        year = 1900 + (int) (cs / 2) * 100 + (int) ident_number(s + 4, 2);
        if (year > this_year)
                return ident_refuse(why, why_len,
                                    "CCCD %s: century/sex digit %c and year %.2s mean born in %d, after %d",
                                    s, s[3], s + 4, year, this_year);
        id->province = province;
        id->province_name = name;
        id->female = cs % 2 == 1;
        id->birth_year = year;
        return 0;
}

static int ident_cmnd(const char *s, char *why, size_t why_len)
{
        size_t n = strlen(s);

        if ((n != 9 && n != 12) || ident_digits(s) != n)
                return ident_refuse(why, why_len,
                                    "CMND %s: a CMND number is 9 digits (12 for the cards of 2012-2015)", s);
        if (strspn(s, "0") == n)
                return ident_refuse(why, why_len, "CMND %s: all zeros is no number", s);
        return 0;
}

static int ident_mst(const char *s, Ident *id, char *why, size_t why_len)
{
        size_t n = strlen(s), d = ident_digits(s);
        int check;

        if (n == 12 && d == 12)
                return ident_refuse(why, why_len, "MST %s: %s", s,
                                    "12 digits is a person's CCCD number, their tax code since 2025: "
                                    "give it as a CCCD");
        if (n == 13 && d == 13)
                return ident_refuse(why, why_len,
                                    "MST %s: write a branch's three digits after a dash: %.10s-%s", s, s,
                                    s + 10);
        if (d != 10 || !(n == 10 || (n == 14 && s[10] == '-' && ident_digits(s + 11) == 3)))
                return ident_refuse(why, why_len,
                                    "MST %s: a tax code is 10 digits, with an optional branch as -NNN "
                                    "(0100233488 or 0100233488-001)",
                                    s);
        if (ident_number(s + 2, 7) == 0)
                return ident_refuse(why, why_len,
                                    "MST %s: digits 3 to 9 are all zero, which is never issued", s);
        check = ident_mst_check_digit(s);
        if (check < 0)
                return ident_refuse(why, why_len,
                                    "MST %s: the first nine digits admit no check digit (weighted sum is a "
                                    "multiple of 11), so no such tax code exists",
                                    s);
        if (s[9] - '0' != check)
                return ident_refuse(why, why_len,
                                    "MST %s: the check digit (10th) should be %d, not %c: a digit is wrong",
                                    s, check, s[9]);
        if (n == 14 && ident_number(s + 11, 3) == 0)
                return ident_refuse(why, why_len,
                                    "MST %s: branch 000 is never issued (branches are 001 to 999)", s);
        id->branch = n == 14 ? ident_number(s + 11, 3) : 0;
        return 0;
}

int ident_parse(const char *text, IdentKind kind, int this_year, Ident *ret, char *why, size_t why_len)
{
        Ident id = {};
        size_t n;
        int r;

        if (!text || !*text)
                return ident_refuse(why, why_len, "no identifier given");
        n = strlen(text);
        if (n >= IDENT_TEXT_MAX)
                return ident_refuse(why, why_len, "identifier %.20s...: too long for a CCCD, CMND or MST",
                                    text);
        if (kind == _IDENT_KIND_INVALID) {
                size_t d = ident_digits(text);

                /* 13 digits: an MST whose branch lost its dash, told so. */
                if (d == 12 && n == 12)
                        kind = IDENT_CCCD;
                else if (d == 9 && n == 9)
                        kind = IDENT_CMND;
                else if (d == 10 || (d == 13 && n == 13))
                        kind = IDENT_MST;
                if (kind == _IDENT_KIND_INVALID)
                        return ident_refuse(
                                why, why_len,
                                "identifier %s: neither a CCCD (12 digits), a CMND (9 digits) nor an "
                                "MST (10 digits, optionally -NNN)",
                                text);
        }
        switch (kind) {
        case IDENT_CCCD:
                r = ident_cccd(text, this_year, &id, why, why_len);
                break;
        case IDENT_CMND:
                r = ident_cmnd(text, why, why_len);
                break;
        case IDENT_MST:
                r = ident_mst(text, &id, why, why_len);
                break;
        default:
                return ident_refuse(why, why_len, "identifier %s: unknown kind", text);
        }
        if (r < 0)
                return r;
        id.kind = kind;
        memcpy(id.text, text, n + 1);
        *ret = id;
        return 0;
}
