/* Applicants' identifiers: each rule of lib/ident.c with numbers that pass
 * and numbers that fail it, the reason named in the refusal, and the kind
 * guessed from the shape. */
#include "check.h"
#include "ident.h"

#define YEAR 2026

/* text refused as kind, the reason containing needle; *ret untouched. */
static void refused(const char *text, IdentKind kind, const char *needle)
{
        char why[IDENT_WHY_MAX] = "";
        Ident id = { .birth_year = -1 };

        if (ident_parse(text, kind, YEAR, &id, why, sizeof(why)) != -EINVAL) {
                fprintf(stderr, "accepted %s, expected a refusal saying \"%s\"\n", text, needle);
                exit(1);
        }
        CHECK_CONTAINS(why, needle);
        CHECK_INT(id.birth_year, -1);
}

static Ident accepted(const char *text, IdentKind kind)
{
        char why[IDENT_WHY_MAX] = "";
        Ident id;

        if (ident_parse(text, kind, YEAR, &id, why, sizeof(why)) != 0) {
                fprintf(stderr, "refused %s: %s\n", text, why);
                exit(1);
        }
        CHECK_STR(id.text, text);
        return id;
}

static void test_cccd(void)
{
        Ident id;

        id = accepted("001098000123", IDENT_CCCD);
        CHECK_INT(id.kind, IDENT_CCCD);
        CHECK_INT(id.province, 1);
        CHECK_STR(id.province_name, "Hà Nội");
        CHECK(!id.female);
        CHECK_INT(id.birth_year, 1998);

        id = accepted("079303012345", IDENT_CCCD);
        CHECK_STR(id.province_name, "Hồ Chí Minh");
        CHECK(id.female);
        CHECK_INT(id.birth_year, 2003);

        id = accepted("096126999999", IDENT_CCCD); /* the last code, 20th century woman */
        CHECK_STR(id.province_name, "Cà Mau");
        CHECK_INT(id.birth_year, 1926);
        id = accepted("048226000001", IDENT_CCCD); /* born this year */
        CHECK_INT(id.birth_year, 2026);
        CHECK_STR(id.province_name, "Đà Nẵng");

        refused("00109800012", IDENT_CCCD, "12 digits, this is 11 characters");
        refused("0010980001234", IDENT_CCCD, "12 digits");
        refused("00109800012A", IDENT_CCCD, "with other than digits");
        refused("097098000123", IDENT_CCCD, "097 is no province code");
        refused("003098000123", IDENT_CCCD, "003 is no province code"); /* a gap of the table */
        refused("000098000123", IDENT_CCCD, "000 is no province code");
        refused("001227000123", IDENT_CCCD, "born in 2027, after 2026");
        refused("001405000123", IDENT_CCCD, "century/sex digit 4");
        refused("001905000123", IDENT_CCCD, "born in 2305");
}

static void test_cmnd(void)
{
        Ident id = accepted("012345678", IDENT_CMND);

        CHECK_INT(id.kind, IDENT_CMND);
        accepted("025123456789", IDENT_CMND); /* a 12-digit card, said to be a CMND */
        refused("01234567", IDENT_CMND, "9 digits");
        refused("0123456789", IDENT_CMND, "9 digits");
        refused("01234567X", IDENT_CMND, "9 digits");
        refused("000000000", IDENT_CMND, "all zeros");
}

static void test_mst(void)
{
        Ident id;

        CHECK_INT(ident_mst_check_digit("010023348"), 8);
        CHECK_INT(ident_mst_check_digit("031440905"), 8);
        CHECK_INT(ident_mst_check_digit("011000001"), -EDOM);

        id = accepted("0100233488", IDENT_MST);
        CHECK_INT(id.kind, IDENT_MST);
        CHECK_INT(id.branch, 0);
        id = accepted("0314409058-002", IDENT_MST);
        CHECK_INT(id.branch, 2);
        accepted("0100109106", IDENT_MST);
        accepted("0100109106-999", IDENT_MST);
        accepted("0100000010", IDENT_MST); /* remainder 10: check digit 0 */

        refused("0100233480", IDENT_MST, "should be 8, not 0");
        refused("0100233848", IDENT_MST, "check digit"); /* two digits swapped */
        refused("0110000010", IDENT_MST, "admit no check digit");
        refused("0100000000", IDENT_MST, "digits 3 to 9 are all zero");
        refused("0314409058-000", IDENT_MST, "branch 000");
        refused("0314409058002", IDENT_MST, "after a dash: 0314409058-002");
        refused("0314409058-02", IDENT_MST, "10 digits, with an optional branch");
        refused("0314409058-0021", IDENT_MST, "10 digits");
        refused("031440905", IDENT_MST, "10 digits");
        refused("079303012345", IDENT_MST, "give it as a CCCD");
}

static void test_guess(void)
{
        CHECK_INT(accepted("001098000123", _IDENT_KIND_INVALID).kind, IDENT_CCCD);
        CHECK_INT(accepted("012345678", _IDENT_KIND_INVALID).kind, IDENT_CMND);
        CHECK_INT(accepted("0100233488", _IDENT_KIND_INVALID).kind, IDENT_MST);
        CHECK_INT(accepted("0314409058-002", _IDENT_KIND_INVALID).kind, IDENT_MST);
        /* Guessed as a CCCD, refused as one: the CCCD's reason is given. */
        refused("097098000123", _IDENT_KIND_INVALID, "no province code");
        refused("0100233480", _IDENT_KIND_INVALID, "check digit");
        refused("0314409058002", _IDENT_KIND_INVALID, "after a dash: 0314409058-002");
        refused("12345", _IDENT_KIND_INVALID, "neither a CCCD");
        refused("", _IDENT_KIND_INVALID, "no identifier");
        refused("0123456789012345678", _IDENT_KIND_INVALID, "too long");

        CHECK_INT(ident_kind_from_string("CCCD"), IDENT_CCCD);
        CHECK_INT(ident_kind_from_string("mst"), IDENT_MST);
        CHECK_INT(ident_kind_from_string("passport"), _IDENT_KIND_INVALID);
        CHECK_STR(ident_kind_to_string(IDENT_CMND), "cmnd");
        CHECK(!ident_kind_to_string(_IDENT_KIND_MAX));
}

static void test_provinces(void)
{
        unsigned n = 0;

        for (unsigned code = 0; code < 1000; code++)
                n += ident_province_name(code) != NULL;
        CHECK_INT(n, 63);
        CHECK(!ident_province_name(97));
        CHECK_STR(ident_province_name(31), "Hải Phòng");
}

int main(void)
{
        test_cccd();
        test_cmnd();
        test_mst();
        test_guess();
        test_provinces();
        return 0;
}
