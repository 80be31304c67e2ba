/* sohoactl component: a dossier's documents (see component.h). `add`
 * declares one, digitized by a batch (--batch, filed in the owner's store),
 * reused from the store (--reuse: counted as reused, never as a scan), or
 * neither yet (not digitized); `link` attaches a batch to a declared one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "component.h"
#include "dbconn.h"
#include "dbexec.h"
#include "owner.h"
#include "uuid.h"

static const char component_sql_lock[] = "SELECT received_online::text, coalesce(owner_id, '') FROM dossier "
                                         "WHERE dossier_code = $1 FOR UPDATE";

/* $1 dossier, $2 result, $3 code, $4 reused_from, $5.. meta. A reused
 * document takes the stored one's fields where none are given. */
static const char component_sql_insert[] =
        "INSERT INTO component (dossier_code, doc_ordinal, is_result, digitization_code, reused_from,"
        " type_name, code_number, code_notation, issued_date, organ_name, subject, language, description)"
        " SELECT $1, coalesce((SELECT max(doc_ordinal) FROM component WHERE dossier_code = $1), 0) + 1,"
        " $2::boolean, $3, $4::bigint, coalesce($5, s.type_name), coalesce($6, s.code_number),"
        " coalesce($7, s.code_notation), coalesce($8::date, s.issued_date), coalesce($9, s.organ_name),"
        " coalesce($10, s.subject), coalesce($11, s.language), $12"
        " FROM (SELECT 1) one LEFT JOIN component s ON s.component_id = $4::bigint"
        " RETURNING component_id::text, doc_ordinal::text";

static const char component_sql_code_used[] =
        "SELECT dossier_code, doc_ordinal::text FROM component WHERE digitization_code = $1";

/* $1 batch, $2 first or NULL, $3 last or NULL. */
static const char component_sql_batch[] =
        "SELECT coalesce(b.dossier_code, ''), (SELECT count(*) FROM page p WHERE p.batch_uuid = b.batch_uuid"
        "  AND p.status = 'stored' AND p.sequence >= coalesce($2::integer, 1)"
        "  AND ($3::integer IS NULL OR p.sequence <= $3::integer))::text"
        " FROM batch b WHERE b.batch_uuid = $1::uuid";
static const char component_sql_overlap[] =
        "SELECT c.dossier_code, c.doc_ordinal::text"
        " FROM component_batch cb JOIN component c USING (component_id) WHERE cb.batch_uuid = $1::uuid"
        "  AND int4range(coalesce(cb.first_sequence, 1), cb.last_sequence, '[]')"
        "   && int4range(coalesce($2::integer, 1), $3::integer, '[]') LIMIT 1";
static const char component_sql_link[] =
        "INSERT INTO component_batch (component_id, batch_uuid, first_sequence, last_sequence, linked_by)"
        " VALUES ($4::bigint, $1::uuid, $2::integer, $3::integer, 'sohoactl')";
static const char component_sql_file[] =
        "INSERT INTO store_item (owner_id, component_id) VALUES ($1, $2::bigint)"
        " ON CONFLICT (component_id) DO NOTHING";

/* $1 store id or NULL, $2 digitization code or NULL. */
static const char component_sql_stored[] =
        "SELECT c.component_id::text, si.owner_id, c.dossier_code, coalesce(c.type_name, '')"
        " FROM store_item si JOIN component c USING (component_id)"
        " WHERE si.store_id = $1::bigint OR c.digitization_code = $2";
static const char component_sql_reused_here[] =
        "SELECT doc_ordinal::text FROM component WHERE dossier_code = $1 AND reused_from = $2::bigint";

/* $1 dossier, $2 ordinal. */
static const char component_sql_find[] =
        "SELECT component_id::text, (reused_from IS NOT NULL)::text FROM component"
        " WHERE dossier_code = $1 AND doc_ordinal = $2::integer";
static const char component_sql_state[] =
        "SELECT state, pages::text FROM component_state WHERE component_id = $1::bigint";

/* "A-B" or "A": sequences, A >= 1, B >= A. */
static int component_parse_pages(const char *s, ComponentArgs *a)
{
        unsigned long first, last;
        char *end;

        errno = 0;
        first = strtoul(s, &end, 10);
        last = first;
        if (*end == '-')
                last = strtoul(end + 1, &end, 10);
        if (errno || *end || !(*s >= '0' && *s <= '9') || first < 1 || last < first || last > 2147483647UL)
                return -EINVAL;
        snprintf(a->first, sizeof(a->first), "%u", (unsigned) first);
        snprintf(a->last, sizeof(a->last), "%u", (unsigned) last);
        return 0;
}

/* Printable ASCII letters, digits and . _ / -, 1..64 of them. */
static bool component_code_valid(const char *s)
{
        size_t n = strlen(s);

        return n >= 1 && n <= COMPONENT_CODE_MAX &&
               strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") == n;
}

bool component_option(const char *who, int c, const char *arg, ComponentArgs *a, bool *ret_bad)
{
        Uuid u;

        /* The first eight options are the document's fields, in ComponentMeta's order. */
        const char **fields[] = {
                &a->meta.type_name, &a->meta.code_number, &a->meta.code_notation, &a->meta.issued,
                &a->meta.organ,     &a->meta.subject,     &a->meta.language,      &a->meta.description,
        };

        if (c >= COMPONENT_OPT_BASE && c < COMPONENT_OPT_BASE + (int) ELEMENTSOF(fields)) {
                *fields[c - COMPONENT_OPT_BASE] = arg;
                return true;
        }
        switch (c - COMPONENT_OPT_BASE) {
        case 8:
                if (uuid_parse(arg, &u) < 0) {
                        fprintf(stderr, "sohoactl %s: --batch %s: not a batch UUID\n", who, arg);
                        *ret_bad = true;
                }
                a->batch = arg;
                break;
        case 9:
                if (component_parse_pages(arg, a) < 0) {
                        fprintf(stderr, "sohoactl %s: --pages %s: say FIRST-LAST or one sequence, from 1\n",
                                who, arg);
                        *ret_bad = true;
                }
                break;
        case 10:
                if (!component_code_valid(arg)) {
                        fprintf(stderr,
                                "sohoactl %s: digitization code %s: use 1 to %d letters, digits, . _ / -\n",
                                who, arg, COMPONENT_CODE_MAX);
                        *ret_bad = true;
                }
                a->code = arg;
                break;
        case 11:
                a->owner = arg;
                break;
        case 12:
                a->id_kind = arg;
                break;
        case 13:
                a->conninfo = arg;
                break;
        default:
                return false;
        }
        return true;
}

int component_args_check(const char *who, ComponentArgs *a)
{
        if (a->first[0] && !a->batch) {
                fprintf(stderr, "sohoactl %s: --pages needs --batch\n", who);
                return -EINVAL;
        }
        if (a->owner)
                return owner_check(who, a->owner, a->id_kind, &a->owner_id);
        return 0;
}

void component_options_usage(FILE *f)
{
        fprintf(f,
                "  --type-name T, --code-number N, --code-notation X, --issued DATE, --organ NAME,\n"
                "  --subject S, --language L, --description D   the document's Appendix VI fields\n"
                "  --batch UUID [--pages FIRST-LAST]   the batch (or its sequences) that digitized it\n"
                "  --code CODE            its digitization code (unique; letters, digits, . _ / -)\n"
                "  --owner ID [--id-kind cccd|cmnd|mst]  file it under this owner (default: the applicant)\n"
                "  --db CONNINFO          libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                DBCONN_DEFAULT);
}

int component_lock_dossier(PGconn *c, const char *who, const char *dossier, bool *ret_online,
                           char *ret_owner, size_t owner_max)
{
        const char *params[] = { dossier };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, component_sql_lock, 1, params, &res);
        if (r < 0)
                r = dbexec_fail(who, res);
        else if (PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl %s: no dossier %s (`sohoactl dossier add` makes one)\n", who,
                        dossier);
                r = -ENOENT;
        } else {
                *ret_online = strcmp(PQgetvalue(res, 0, 0), "true") == 0;
                snprintf(ret_owner, owner_max, "%s", PQgetvalue(res, 0, 1));
        }
        PQclear(res);
        return r;
}

/* The code is free, or the refusal names who has it. */
static int component_code_free(PGconn *c, const char *who, const char *code)
{
        const char *params[] = { code };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, component_sql_code_used, 1, params, &res);
        if (r < 0)
                r = dbexec_fail(who, res);
        else if (PQntuples(res) > 0) {
                fprintf(stderr, "sohoactl %s: digitization code %s is already component %s of dossier %s\n",
                        who, code, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
                r = -EEXIST;
        }
        PQclear(res);
        return r;
}

int component_insert(PGconn *c, const char *who, const char *dossier, const ComponentMeta *m, bool result,
                     const char *code, const char *reused_from, char ret_id[24], char ret_ordinal[16])
{
        const char *params[] = {
                dossier,
                result ? "true" : "false",
                code,
                reused_from,
                m->type_name,
                m->code_number,
                m->code_notation,
                m->issued,
                m->organ,
                m->subject,
                m->language,
                m->description,
        };
        PGresult *res = NULL;
        int r;

        if (code) {
                r = component_code_free(c, who, code);
                if (r < 0)
                        return r;
        }
        r = dbexec(c, component_sql_insert, (int) ELEMENTSOF(params), params, &res);
        if (r < 0 && strcmp(dbexec_constraint(res), "component_digitization_code_key") == 0) {
                fprintf(stderr, "sohoactl %s: digitization code %s was just given to another document\n",
                        who, code);
                r = -EEXIST;
        } else if (r < 0)
                r = dbexec_fail(who, res);
        else {
                snprintf(ret_id, 24, "%s", PQgetvalue(res, 0, 0));
                snprintf(ret_ordinal, 16, "%s", PQgetvalue(res, 0, 1));
        }
        PQclear(res);
        return r;
}

int component_link(PGconn *c, const char *who, const char *dossier, const char *id, const ComponentArgs *a)
{
        const char *params[] = { a->batch, a->first[0] ? a->first : NULL, a->last[0] ? a->last : NULL, id };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, component_sql_batch, 3, params, &res);
        if (r < 0) {
                r = dbexec_fail(who, res);
        } else if (PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl %s: no batch %s in the store (none of its pages is stored yet)\n",
                        who, a->batch);
                r = -ENOENT;
        } else if (*PQgetvalue(res, 0, 0) && strcmp(PQgetvalue(res, 0, 0), dossier) != 0) {
                fprintf(stderr, "sohoactl %s: batch %s was captured for dossier %s, not %s\n", who, a->batch,
                        PQgetvalue(res, 0, 0), dossier);
                r = -EINVAL;
        } else if (strcmp(PQgetvalue(res, 0, 1), "0") == 0) {
                fprintf(stderr, "sohoactl %s: batch %s has no stored page%s%s%s%s\n", who, a->batch,
                        a->first[0] ? " in sequences " : "", a->first, a->first[0] ? "-" : "", a->last);
                r = -ENODATA;
        }
        PQclear(res);
        res = NULL;
        if (r < 0)
                return r;
        r = dbexec(c, component_sql_overlap, 3, params, &res);
        if (r < 0)
                r = dbexec_fail(who, res);
        else if (PQntuples(res) > 0) {
                fprintf(stderr,
                        "sohoactl %s: those pages of batch %s are already component %s of dossier %s\n", who,
                        a->batch, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
                r = -EEXIST;
        }
        PQclear(res);
        res = NULL;
        if (r < 0)
                return r;
        return dbexec_command(c, who, component_sql_link, 4, params);
}

int component_file(PGconn *c, const char *who, const char *id, const char *owner)
{
        const char *params[] = { owner, id };

        return dbexec_command(c, who, component_sql_file, 2, params);
}

int component_owner(PGconn *c, const char *who, const ComponentArgs *a, const char *applicant,
                    const char **ret)
{
        int r;

        if (a->owner) {
                r = owner_file(c, who, &a->owner_id, NULL);
                if (r < 0)
                        return r;
                *ret = a->owner_id.text;
                return 0;
        }
        if (!*applicant) {
                fprintf(stderr, "sohoactl %s: the dossier has no applicant to file the document under: %s\n",
                        who, "say --owner");
                return -EINVAL;
        }
        *ret = applicant;
        return 0;
}

/* --reuse: the stored document's origin component in ret_from, after
 * checking it is the owner's and not reused in this dossier already. */
static int component_find_stored(PGconn *c, const ComponentArgs *a, const char *dossier, const char *owner,
                                 char ret_from[24])
{
        bool is_id = strspn(a->reuse, "0123456789") == strlen(a->reuse) && strlen(a->reuse) < 19;
        const char *params[2] = { is_id ? a->reuse : NULL, is_id ? NULL : a->reuse };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, component_sql_stored, 2, params, &res);
        if (r < 0)
                r = dbexec_fail("component add", res);
        else if (PQntuples(res) != 1) {
                fprintf(stderr,
                        "sohoactl component add: nothing in the store is %s %s (`sohoactl store lookup`)\n",
                        is_id ? "store item" : "digitization code", a->reuse);
                r = -ENOENT;
        } else if (strcmp(PQgetvalue(res, 0, 1), owner) != 0) {
                fprintf(stderr, "sohoactl component add: stored document %s belongs to %s, not to %s\n",
                        a->reuse, PQgetvalue(res, 0, 1), owner);
                r = -EPERM;
        } else
                snprintf(ret_from, 24, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        if (r < 0)
                return r;
        params[0] = dossier;
        params[1] = ret_from;
        r = dbexec(c, component_sql_reused_here, 2, params, &res);
        if (r < 0)
                r = dbexec_fail("component add", res);
        else if (PQntuples(res) > 0) {
                fprintf(stderr, "sohoactl component add: stored document %s is already component %s of %s\n",
                        a->reuse, PQgetvalue(res, 0, 0), dossier);
                r = -EEXIST;
        }
        PQclear(res);
        return r;
}

/* Prints "DOSSIER component|result N: STATE, P pages[, digitization code
 * C][, filed under O]" from the rows just written. */
static int component_say(PGconn *c, const char *who, const char *dossier, const char *id,
                         const char *ordinal, bool result, const char *code, const char *filed_under)
{
        const char *params[] = { id };
        PGresult *res = NULL;
        int r;

        r = dbexec(c, component_sql_state, 1, params, &res);
        if (r < 0)
                r = dbexec_fail(who, res);
        else
                printf("%s %s %s: %s, %s page%s%s%s%s%s\n", dossier, result ? "result" : "component",
                       ordinal, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                       strcmp(PQgetvalue(res, 0, 1), "1") == 0 ? "" : "s",
                       code ? ", digitization code " : "", code ? code : "",
                       filed_under ? ", filed under " : "", filed_under ? filed_under : "");
        PQclear(res);
        return r;
}

int component_add(ComponentArgs *a, const char *who, const char *dossier, bool result)
{
        char owner[IDENT_TEXT_MAX] = "", from[24] = "", id[24], ordinal[16];
        const char *filed_under = NULL;
        PGconn *c = NULL;
        bool online;
        int r;

        r = dbexec_connect(a->conninfo, &c);
        if (r < 0)
                return r;
        r = dbexec_begin(c, who);
        if (r < 0)
                goto out;
        r = component_lock_dossier(c, who, dossier, &online, owner, sizeof(owner));
        /* A result may be paper whichever way the dossier came in. */
        if (r >= 0 && online && a->batch && !result) {
                fprintf(stderr, "sohoactl %s: %s was received online: its documents are not scanned\n", who,
                        dossier);
                r = -EINVAL;
        }
        if (r >= 0 && (a->batch || a->reuse))
                r = component_owner(c, who, a, owner, &filed_under);
        if (r >= 0 && a->reuse)
                r = component_find_stored(c, a, dossier, filed_under, from);
        if (r >= 0)
                r = component_insert(c, who, dossier, &a->meta, result, a->code, a->reuse ? from : NULL, id,
                                     ordinal);
        if (r >= 0 && a->batch)
                r = component_link(c, who, dossier, id, a);
        if (r >= 0 && a->batch)
                r = component_file(c, who, id, filed_under);
        if (r >= 0)
                r = component_say(c, who, dossier, id, ordinal, result, a->code,
                                  a->batch ? filed_under : NULL);
        if (r >= 0)
                r = dbexec_commit(c, who);
        else
                dbexec_rollback(c);
out:
        PQfinish(c);
        return r;
}

static int component_link_run(ComponentArgs *a, const char *dossier, const char *ordinal)
{
        const char *params[] = { dossier, ordinal };
        char owner[IDENT_TEXT_MAX] = "", id[24] = "";
        const char *filed_under = NULL;
        PGresult *res = NULL;
        PGconn *c = NULL;
        bool online;
        int r;

        r = dbexec_connect(a->conninfo, &c);
        if (r < 0)
                return r;
        r = dbexec_begin(c, "component link");
        if (r >= 0)
                r = component_lock_dossier(c, "component link", dossier, &online, owner, sizeof(owner));
        if (r >= 0)
                r = dbexec(c, component_sql_find, 2, params, &res);
        if (r >= 0 && PQntuples(res) != 1) {
                fprintf(stderr, "sohoactl component link: %s has no component %s\n", dossier, ordinal);
                r = -ENOENT;
        } else if (r >= 0 && strcmp(PQgetvalue(res, 0, 1), "true") == 0) {
                fprintf(stderr, "sohoactl component link: component %s of %s is reused from the store, %s\n",
                        ordinal, dossier, "not scanned");
                r = -EINVAL;
        } else if (r >= 0 && online) {
                fprintf(stderr,
                        "sohoactl component link: %s was received online: its documents are not scanned\n",
                        dossier);
                r = -EINVAL;
        } else if (r >= 0)
                snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
        else if (res)
                r = dbexec_fail("component link", res);
        PQclear(res);
        if (r >= 0)
                r = component_owner(c, "component link", a, owner, &filed_under);
        if (r >= 0)
                r = component_link(c, "component link", dossier, id, a);
        if (r >= 0)
                r = component_file(c, "component link", id, filed_under);
        if (r >= 0)
                r = component_say(c, "component link", dossier, id, ordinal, false, NULL, filed_under);
        if (r >= 0)
                r = dbexec_commit(c, "component link");
        else
                dbexec_rollback(c);
        PQfinish(c);
        return r;
}

static int component_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl component add DOSSIER [--batch UUID [--pages A-B] | --reuse "
                "STORE_ID|CODE]\n"
                "                              [OPTIONS]\n"
                "       sohoactl component link DOSSIER ORDINAL --batch UUID [--pages A-B] [--owner ID]\n"
                "A dossier's documents. `add` declares the next one: digitized by a batch (filed in the\n"
                "owner's store), reused from the store (counted as reused, not as a scan), or neither yet\n"
                "(not digitized); `link` attaches the batch that digitized a declared one.\n\n"
                "  --reuse STORE_ID|CODE  take the owner's stored document (see `sohoactl store lookup`)\n");
        component_options_usage(f);
        return status;
}

int component_main(int argc, char **argv)
{
        static const struct option opts[] = {
                COMPONENT_OPTIONS,
                { "reuse", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        ComponentArgs a = {};
        bool add, bad = false;
        int c, r;

        if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "link") != 0))
                return component_usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                                       argc >= 2 && strcmp(argv[1], "--help") == 0 ? EXIT_SUCCESS
                                                                                   : EXIT_FAILURE);
        add = strcmp(argv[1], "add") == 0;
        argc--, argv++;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                if (component_option("component", c, optarg, &a, &bad))
                        continue;
                switch (c) {
                case 'r':
                        a.reuse = optarg;
                        break;
                case 'h':
                        return component_usage(stdout, EXIT_SUCCESS);
                default:
                        return component_usage(stderr, EXIT_FAILURE);
                }
        }
        if (bad || component_args_check(add ? "component add" : "component link", &a) < 0)
                return EXIT_FAILURE;
        if (add) {
                if (optind + 1 != argc || (a.reuse && (a.batch || a.code)))
                        return component_usage(stderr, EXIT_FAILURE);
                r = component_add(&a, "component add", argv[optind], false);
        } else {
                if (optind + 2 != argc || !a.batch || a.reuse)
                        return component_usage(stderr, EXIT_FAILURE);
                if (a.code || memcmp(&a.meta, &(ComponentMeta) {}, sizeof(a.meta)) != 0) {
                        fprintf(stderr,
                                "sohoactl component link: only --batch, --pages and --owner: the document's "
                                "fields and code were given when it was added\n");
                        return EXIT_FAILURE;
                }
                r = component_link_run(&a, argv[optind], argv[optind + 1]);
        }
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
