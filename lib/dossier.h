/* Dossier codes as the station accepts them: <OrganId>-<yymmdd>-<NNNN>,
 * OrganId the 13-character organ identifier NNN.NN.NN.XNN (Decree
 * 30/2020's records-office code, e.g. 000.00.53.H48-240101-0001). Every
 * page of a batch and its close record carry the same code, so a code is
 * checked whole when it is asked for, never cut to fit. */
#pragma once

#include <stdbool.h>

#define DOSSIER_CODE_LEN 25                     /* 13 + 1 + 6 + 1 + 4 */
#define DOSSIER_CODE_MAX (DOSSIER_CODE_LEN + 1) /* with its NUL */
#define DOSSIER_CODE_FORM "NNN.NN.NN.XNN-yymmdd-NNNN"

/* True when code has the form above (N a digit, X an upper-case letter,
 * yymmdd a date with month 01-12 and day 01-31). */
bool dossier_valid(const char *code);
