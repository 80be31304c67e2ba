/* A dossier's components (thành phần hồ sơ) and results, as `sohoactl
 * component` and `sohoactl result` make them: the Appendix VI fields of a
 * document, the batch (or the sequences of it) that digitized it, and its
 * filing in the owner's store; or a reference to a stored document reused
 * instead of scanned. The functions run inside the caller's transaction,
 * print their refusals in the desk's words and return negative errno. */
#pragma once

#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "ident.h"
#include "macro.h"

#define COMPONENT_CODE_MAX 64 /* a digitization code's length */

/* Appendix VI per document; NULL fields are left empty (or, for a reused
 * document, taken from the stored one). */
typedef struct ComponentMeta {
        const char *type_name;
        const char *code_number;
        const char *code_notation;
        const char *issued;
        const char *organ;
        const char *subject;
        const char *language;
        const char *description;
} ComponentMeta;

/* What the component and result commands are given. */
typedef struct ComponentArgs {
        const char *conninfo;
        ComponentMeta meta;
        const char *batch;        /* UUID, or NULL */
        char first[12], last[12]; /* --pages: sequences, "" for the whole batch */
        const char *code;         /* digitization code, or NULL */
        const char *reuse;        /* store id or digitization code, or NULL */
        const char *owner;        /* --owner, or NULL: the dossier's applicant */
        const char *id_kind;
        Ident owner_id;
} ComponentArgs;

/* The options both commands take, for their struct option arrays; and
 * their handling: true when c was one of them (errors are printed and set
 * *ret_bad). */
/* clang-format off */
#define COMPONENT_OPT_BASE 512
#define COMPONENT_OPTIONS                                                       \
        { "type-name", required_argument, NULL, COMPONENT_OPT_BASE + 0 },       \
        { "code-number", required_argument, NULL, COMPONENT_OPT_BASE + 1 },     \
        { "code-notation", required_argument, NULL, COMPONENT_OPT_BASE + 2 },   \
        { "issued", required_argument, NULL, COMPONENT_OPT_BASE + 3 },          \
        { "organ", required_argument, NULL, COMPONENT_OPT_BASE + 4 },           \
        { "subject", required_argument, NULL, COMPONENT_OPT_BASE + 5 },         \
        { "language", required_argument, NULL, COMPONENT_OPT_BASE + 6 },        \
        { "description", required_argument, NULL, COMPONENT_OPT_BASE + 7 },     \
        { "batch", required_argument, NULL, COMPONENT_OPT_BASE + 8 },           \
        { "pages", required_argument, NULL, COMPONENT_OPT_BASE + 9 },           \
        { "code", required_argument, NULL, COMPONENT_OPT_BASE + 10 },           \
        { "owner", required_argument, NULL, COMPONENT_OPT_BASE + 11 },          \
        { "id-kind", required_argument, NULL, COMPONENT_OPT_BASE + 12 },        \
        { "db", required_argument, NULL, COMPONENT_OPT_BASE + 13 }
/* clang-format on */
bool component_option(const char *who, int c, const char *arg, ComponentArgs *a, bool *ret_bad);
/* After the options: checks the owner's identifier. 0 or -EINVAL (printed). */
MUST_CHECK int component_args_check(const char *who, ComponentArgs *a);
/* The help lines of those options. */
void component_options_usage(FILE *f);

/* Locks the dossier's row for the transaction (ordinals are given out
 * under it). *ret_online, *ret_owner (a copy, "" when none; owner_max
 * bytes). 0, or -ENOENT (printed). */
MUST_CHECK int component_lock_dossier(PGconn *c, const char *who, const char *dossier, bool *ret_online,
                                      char *ret_owner, size_t owner_max);

/* Inserts the next component of dossier: meta, whether a result, code
 * (NULL: none), reused_from (a component id, or NULL). Its id and
 * ordinal in *ret_id, *ret_ordinal (text, 16 bytes). */
MUST_CHECK int component_insert(PGconn *c, const char *who, const char *dossier, const ComponentMeta *meta,
                                bool result, const char *code, const char *reused_from, char ret_id[24],
                                char ret_ordinal[16]);

/* Links a batch (or a->first..a->last of it) to component id, after
 * checking the batch has stored pages there, was captured for this dossier
 * (or none), and holds no other component's pages there. */
MUST_CHECK int component_link(PGconn *c, const char *who, const char *dossier, const char *id,
                              const ComponentArgs *a);

/* Files component id in the store under owner (once). */
MUST_CHECK int component_file(PGconn *c, const char *who, const char *id, const char *owner);

/* `component add` and `result add` of dossier, in one transaction: the
 * component (a result when result), its batch link and filing, or its
 * reuse; prints what it made. 0 or negative errno (printed). */
MUST_CHECK int component_add(ComponentArgs *a, const char *who, const char *dossier, bool result);

/* The owner a digitized component is filed under: --owner (filed as an
 * owner now), else the dossier's applicant. 0 or negative errno (printed). */
MUST_CHECK int component_owner(PGconn *c, const char *who, const ComponentArgs *a, const char *applicant,
                               const char **ret);
