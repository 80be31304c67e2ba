/* Applicants' identifiers, checked before a dossier or a store entry is
 * filed under them: the citizen identity card number (CCCD, 12 digits with
 * a birth-province, century/sex and birth-year structure), the old identity
 * card (CMND, 9 digits, or 12 for the cards of 2012-2015) and the tax code
 * (MST, 10 digits with a check digit, and a -NNN branch suffix). Each
 * refusal comes with one sentence saying what is wrong. Pure C: no I/O. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define IDENT_TEXT_MAX 16 /* "0100233488-001" and NUL, with room */
#define IDENT_WHY_MAX 256 /* a refusal's sentence */

typedef enum IdentKind {
        IDENT_CCCD,
        IDENT_CMND,
        IDENT_MST,
        _IDENT_KIND_MAX,
        _IDENT_KIND_INVALID = -EINVAL,
} IdentKind;

typedef struct Ident {
        IdentKind kind;
        char text[IDENT_TEXT_MAX]; /* as filed: the digits; an MST branch after '-' */
        /* CCCD only. */
        unsigned province;         /* 1..96, a code of the table below */
        const char *province_name; /* static */
        bool female;
        int birth_year;
        /* MST only: 0 for the head unit, else the branch 1..999. */
        unsigned branch;
} Ident;

/* "cccd", "cmnd", "mst" (static), or NULL. */
const char *ident_kind_to_string(IdentKind k);
/* The kind named s (case-insensitive), or _IDENT_KIND_INVALID. */
IdentKind ident_kind_from_string(const char *s);

/* Checks text as an identifier of the given kind; with _IDENT_KIND_INVALID
 * the kind follows the shape (9 digits CMND, 12 CCCD, 10 or 10-3 MST).
 * this_year bounds a CCCD's birth year. 0 and *ret filled; or -EINVAL with
 * the reason, one sentence naming the identifier, in why[0..why_len) (may
 * be NULL), *ret untouched. */
MUST_CHECK int ident_parse(const char *text, IdentKind kind, int this_year, Ident *ret, char *why,
                           size_t why_len);

/* The birth-province name of a CCCD province code, or NULL when the code is
 * not in the table. Static string. */
const char *ident_province_name(unsigned code);

/* The MST check digit of the first nine digits (ASCII), 0..9, or -EDOM when
 * the weighted sum leaves remainder 0 (no digit fits: never issued). */
int ident_mst_check_digit(const char *nine);
