/* sohoactl search: ranked full-text search over the OCR text of stored
 * pages, with ts_headline snippets. Three ways to match, best first: the
 * words as written (accents and all), the words without their marks ("uy
 * ban" finds "Ủy ban"), and, for a phrase of three syllables or more, the
 * whole unaccented phrase by trigram word similarity, which survives a
 * syllable damaged by OCR. The SQL is one constant with parameters. The
 * snippet marks every word of the query found (any word, not all of them,
 * so that a fuzzy hit shows the words that did match). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "json.h"

#define SEARCH_LIMIT_DEFAULT 20
/* Trigram word similarity a phrase needs: one damaged syllable of a
 * five-syllable phrase scores about 0.9; a different name sharing two of
 * three syllables about 0.7. */
#define SEARCH_FUZZY_THRESHOLD "0.75"
#define SEARCH_FUZZY_MIN_WORDS 3

static const char search_sql_threshold[] =
        "SELECT set_config('pg_trgm.word_similarity_threshold', $1, false)";

/* $1 query, $2 dossier code or NULL, $3 since or NULL, $4 limit, $5 whether
 * the trigram path applies. The WHERE expressions are those of the indexes
 * of sql/003-search.sql. */
static const char search_sql[] =
        "WITH hits AS ("
        " SELECT p.page_uuid, p.batch_uuid, p.sequence, p.dossier_code, p.source_name, p.stored_at,"
        "  p.ocr_text,"
        "  to_tsvector('simple'::regconfig, coalesce(p.ocr_text, '')) @@ phraseto_tsquery('simple', $1)"
        "   AS exact_phrase,"
        "  to_tsvector('simple'::regconfig, coalesce(p.ocr_text, '')) @@ plainto_tsquery('simple', $1)"
        "   AS exact_words,"
        "  to_tsvector('sohoa_unaccent'::regconfig, coalesce(p.ocr_text, ''))"
        "   @@ plainto_tsquery('sohoa_unaccent', $1) AS words,"
        "  ts_rank_cd(to_tsvector('sohoa_unaccent'::regconfig, coalesce(p.ocr_text, '')),"
        "   plainto_tsquery('sohoa_unaccent', $1)) AS rank,"
        "  word_similarity(sohoa_unaccent($1), sohoa_unaccent(coalesce(p.ocr_text, ''))) AS fuzzy"
        " FROM page p"
        " WHERE p.status = 'stored'"
        "  AND ($2::text IS NULL OR p.dossier_code = $2::text)"
        "  AND ($3::text IS NULL OR coalesce(p.captured_at, p.stored_at) >= $3::timestamptz)"
        "  AND (to_tsvector('sohoa_unaccent'::regconfig, coalesce(p.ocr_text, ''))"
        "        @@ plainto_tsquery('sohoa_unaccent', $1)"
        "       OR ($5::boolean AND sohoa_unaccent($1) <% sohoa_unaccent(coalesce(p.ocr_text, ''))))"
        ")"
        " SELECT page_uuid, batch_uuid, sequence, dossier_code, source_name, stored_at,"
        "  (CASE WHEN exact_phrase THEN 2 WHEN exact_words THEN 1 ELSE 0 END) + rank + fuzzy AS score,"
        "  CASE WHEN exact_phrase OR exact_words THEN 'exact' WHEN words THEN 'unaccented' ELSE 'fuzzy' END,"
        "  ts_headline('sohoa_unaccent', coalesce(ocr_text, ''),"
        "   replace(plainto_tsquery('sohoa_unaccent', $1)::text, ' & ', ' | ')::tsquery,"
        "   'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"')"
        " FROM hits"
        " ORDER BY score DESC, stored_at DESC, page_uuid"
        " LIMIT $4::integer";

enum {
        COL_PAGE,
        COL_BATCH,
        COL_SEQUENCE,
        COL_DOSSIER,
        COL_SOURCE,
        COL_STORED,
        COL_SCORE,
        COL_MATCH,
        COL_SNIPPET
};

typedef struct SearchArgs {
        const char *conninfo;
        const char *dossier;
        const char *since;
        char limit[16];
        bool json;
        char *query;
} SearchArgs;

static unsigned search_words(const char *s)
{
        unsigned n = 0;
        bool in = false;

        for (; *s; s++) {
                bool space = *s == ' ' || *s == '\t' || *s == '\n';
                if (!space && !in)
                        n++;
                in = !space;
        }
        return n;
}

static const char *value_or_null(const PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void search_print_json(const SearchArgs *a, const PGresult *res)
{
        Json j;

        json_init(&j, stdout);
        json_begin_object(&j);
        json_field_string(&j, "query", a->query);
        json_key(&j, "hits");
        json_begin_array(&j);
        for (int i = 0; i < PQntuples(res); i++) {
                double score = strtod(PQgetvalue(res, i, COL_SCORE), NULL);

                json_begin_object(&j);
                json_field_uint(&j, "rank", (uint64_t) i + 1);
                json_field_string(&j, "page_uuid", PQgetvalue(res, i, COL_PAGE));
                json_field_string(&j, "batch_uuid", PQgetvalue(res, i, COL_BATCH));
                json_field_uint(&j, "sequence", strtoull(PQgetvalue(res, i, COL_SEQUENCE), NULL, 10));
                json_field_string(&j, "dossier_code", value_or_null(res, i, COL_DOSSIER));
                json_field_string(&j, "source_name", value_or_null(res, i, COL_SOURCE));
                json_field_string(&j, "stored_at", PQgetvalue(res, i, COL_STORED));
                /* The JSON writer has integers only: the score in millionths. */
                json_field_uint(&j, "score_micro", (uint64_t) llround(fmax(score, 0) * 1e6));
                json_field_string(&j, "match", PQgetvalue(res, i, COL_MATCH));
                json_field_string(&j, "snippet", PQgetvalue(res, i, COL_SNIPPET));
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
}

static void search_print_table(const PGresult *res)
{
        int n = PQntuples(res);

        for (int i = 0; i < n; i++) {
                const char *dossier = value_or_null(res, i, COL_DOSSIER);

                printf("%2d. %-10s %6.3f  page %s (batch %.8s, #%s)%s%s\n    %s\n", i + 1,
                       PQgetvalue(res, i, COL_MATCH), strtod(PQgetvalue(res, i, COL_SCORE), NULL),
                       PQgetvalue(res, i, COL_PAGE), PQgetvalue(res, i, COL_BATCH),
                       PQgetvalue(res, i, COL_SEQUENCE), dossier ? ", dossier " : "", dossier ? dossier : "",
                       PQgetvalue(res, i, COL_SNIPPET));
        }
        printf("%d hit%s\n", n, n == 1 ? "" : "s");
}

static int search_run(const SearchArgs *a)
{
        const char *fuzzy = search_words(a->query) >= SEARCH_FUZZY_MIN_WORDS ? "true" : "false";
        const char *params[5] = { a->query, a->dossier, a->since, a->limit, fuzzy };
        const char *threshold[1] = { SEARCH_FUZZY_THRESHOLD };
        PGresult *res = NULL;
        PGconn *c = NULL;
        int r;

        r = dbconn_open(a->conninfo, &c);
        if (r < 0)
                return EXIT_FAILURE;
        res = PQexecParams(c, search_sql_threshold, 1, NULL, threshold, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                goto fail;
        PQclear(res);
        res = PQexecParams(c, search_sql, 5, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                goto fail;
        if (a->json)
                search_print_json(a, res);
        else
                search_print_table(res);
        r = EXIT_SUCCESS;
        goto out;
fail:
        fprintf(stderr, "sohoactl search: %s", PQresultErrorMessage(res));
        r = EXIT_FAILURE;
out:
        PQclear(res);
        PQfinish(c);
        return r;
}

static void search_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl search QUERY... [--dossier CODE] [--since DATE] [--limit N] [--json] [--db "
                "CONNINFO]\n"
                "Find stored pages by their text. Accents are optional (\"uy ban\" finds \"Ủy ban\"; pages\n"
                "with the accents as typed rank first); a phrase of %d syllables or more also matches\n"
                "text where OCR damaged a syllable.\n\n"
                "  --dossier CODE  only pages of this dossier\n"
                "  --since DATE    only pages captured since DATE (YYYY-MM-DD or a timestamp)\n"
                "  --limit N       at most N hits (default %d)\n"
                "  --json          print JSON\n"
                "  --db CONNINFO   libpq connection string (default $SOHOA_DB, else \"%s\")\n",
                SEARCH_FUZZY_MIN_WORDS, SEARCH_LIMIT_DEFAULT, DBCONN_DEFAULT);
}

/* The words of the query, joined by spaces; NULL without any. Caller frees. */
static char *search_join(int argc, char **argv)
{
        size_t len = 1;
        char *q;

        if (argc <= 0)
                return NULL;
        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + 1;
        q = calloc(1, len);
        if (!q)
                return NULL;
        for (int i = 0; i < argc; i++) {
                if (i > 0)
                        strcat(q, " ");
                strcat(q, argv[i]);
        }
        return q;
}

int search_main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "dossier", required_argument, NULL, 'D' },
                { "since", required_argument, NULL, 's' },
                { "limit", required_argument, NULL, 'l' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        SearchArgs a = { .json = false };
        char *end;
        long limit = SEARCH_LIMIT_DEFAULT;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        a.conninfo = optarg;
                        break;
                case 'D':
                        a.dossier = optarg;
                        break;
                case 's':
                        a.since = optarg;
                        break;
                case 'l':
                        errno = 0;
                        limit = strtol(optarg, &end, 10);
                        if (errno || *end || limit < 1 || limit > 100000) {
                                fprintf(stderr,
                                        "sohoactl search: --limit: not a number from 1 to 100000: %s\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'j':
                        a.json = true;
                        break;
                case 'h':
                        search_usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        search_usage(stderr);
                        return EXIT_FAILURE;
                }
        a.query = search_join(argc - optind, argv + optind);
        if (!a.query || search_words(a.query) == 0) {
                search_usage(stderr);
                free(a.query);
                return EXIT_FAILURE;
        }
        snprintf(a.limit, sizeof(a.limit), "%ld", limit);
        r = search_run(&a);
        free(a.query);
        return r;
}
