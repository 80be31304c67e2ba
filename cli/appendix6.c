/* Appendix VI metadata of an exported dossier (see appendix6.h). Field
 * names are the Appendix's (FileCode, Title, Maintenance, Rights, Language,
 * StartDate, EndDate, DocTotal, PageTotal, Description; per document
 * DocOrdinal, TypeName, CodeNumber, CodeNotation, IssuedDate, OrganName,
 * Subject, Language, PageAmount, Description); what sohoa adds (the owner,
 * the digitization state and code, the pages and their SHA-256s) has names
 * of its own, listed in docs/EXPORT.md. StartDate and EndDate default to
 * the days the dossier was received and resolved. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appendix6.h"
#include "dbexec.h"
#include "json.h"

#define APPENDIX6_JSON_MAX (64u << 20)
/* to_char's pattern of a Vietnam time with its offset. */
#define APPENDIX6_ISO "'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"'"

static const char appendix6_sql_file[] =
        "SELECT d.dossier_code, coalesce(d.agency_code, ''), coalesce(a.name, ''), coalesce(d.title, ''),"
        " coalesce(d.maintenance, ''), coalesce(d.rights, ''), coalesce(d.language, ''),"
        " coalesce(d.start_date::text, (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date::text, ''),"
        " coalesce(d.end_date::text, (d.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date::text, ''),"
        " coalesce(d.description, ''), coalesce(d.owner_id, ''), coalesce(o.id_kind, ''),"
        " coalesce(to_char(d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', " APPENDIX6_ISO "), ''),"
        " coalesce(to_char(d.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh', " APPENDIX6_ISO "), ''),"
        " d.received_online::text"
        " FROM dossier d LEFT JOIN agency a USING (agency_code) LEFT JOIN owner o USING (owner_id)"
        " WHERE d.dossier_code = $1";
enum {
        F_CODE,
        F_ORGAN,
        F_ORGAN_NAME,
        F_TITLE,
        F_MAINT,
        F_RIGHTS,
        F_LANG,
        F_START,
        F_END,
        F_DESC,
        F_OWNER,
        F_KIND,
        F_RECEIVED,
        F_RESOLVED,
        F_ONLINE
};

static const char appendix6_sql_documents[] =
        "SELECT c.doc_ordinal::text, coalesce(c.type_name, ''), coalesce(c.code_number, ''),"
        " coalesce(c.code_notation, ''), coalesce(c.issued_date::text, ''), coalesce(c.organ_name, ''),"
        " coalesce(c.subject, ''), coalesce(c.language, ''), coalesce(c.description, ''), c.is_result::text,"
        " s.state, coalesce(c.digitization_code, ''), coalesce(src.dossier_code, ''),"
        " coalesce(src.doc_ordinal::text, ''), coalesce(src.digitization_code, '')"
        " FROM component c JOIN component_state s USING (component_id)"
        " LEFT JOIN component src ON src.component_id = c.reused_from"
        " WHERE c.dossier_code = $1 ORDER BY c.doc_ordinal";
enum {
        C_ORD,
        C_TYPE,
        C_NUMBER,
        C_NOTATION,
        C_ISSUED,
        C_ORGAN,
        C_SUBJECT,
        C_LANG,
        C_DESC,
        C_RESULT,
        C_STATE,
        C_CODE,
        C_FROM,
        C_FROM_ORD,
        C_FROM_CODE
};

/* A text column: "" is null. */
static void appendix6_text(Json *j, const char *key, const PGresult *res, int row, int col)
{
        const char *v = PQgetvalue(res, row, col);

        json_field_string(j, key, *v ? v : NULL);
}

static void appendix6_pages(Json *j, const char *key, const Appendix6Page *pages, size_t n, int ordinal)
{
        json_key(j, key);
        json_begin_array(j);
        for (size_t i = 0; i < n; i++) {
                if (pages[i].ordinal != ordinal)
                        continue;
                json_begin_object(j);
                json_field_uint(j, "PdfPage", i + 1);
                json_field_string(j, "PageUuid", pages[i].uuid);
                json_field_string(j, "CaptureSha256", pages[i].capture_sha256);
                json_field_string(j, "PdfPageSha256", pages[i].pdf_sha256);
                json_end_object(j);
        }
        json_end_array(j);
}

static size_t appendix6_count(const Appendix6Page *pages, size_t n, int ordinal)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                k += pages[i].ordinal == ordinal;
        return k;
}

static void appendix6_file(Json *j, const PGresult *f, const PGresult *docs, size_t n)
{
        json_key(j, "File");
        json_begin_object(j);
        appendix6_text(j, "FileCode", f, 0, F_CODE);
        appendix6_text(j, "OrganId", f, 0, F_ORGAN);
        appendix6_text(j, "OrganName", f, 0, F_ORGAN_NAME);
        appendix6_text(j, "Title", f, 0, F_TITLE);
        appendix6_text(j, "Maintenance", f, 0, F_MAINT);
        appendix6_text(j, "Rights", f, 0, F_RIGHTS);
        appendix6_text(j, "Language", f, 0, F_LANG);
        appendix6_text(j, "StartDate", f, 0, F_START);
        appendix6_text(j, "EndDate", f, 0, F_END);
        json_field_uint(j, "DocTotal", (uint64_t) PQntuples(docs));
        json_field_uint(j, "PageTotal", n);
        appendix6_text(j, "Description", f, 0, F_DESC);
        appendix6_text(j, "OwnerId", f, 0, F_OWNER);
        appendix6_text(j, "OwnerIdKind", f, 0, F_KIND);
        appendix6_text(j, "ReceivedAt", f, 0, F_RECEIVED);
        appendix6_text(j, "ResolvedAt", f, 0, F_RESOLVED);
        json_field_bool(j, "ReceivedOnline", strcmp(PQgetvalue(f, 0, F_ONLINE), "true") == 0);
        json_end_object(j);
}

static void appendix6_documents(Json *j, const PGresult *docs, const Appendix6Page *pages, size_t n)
{
        json_key(j, "Documents");
        json_begin_array(j);
        for (int i = 0; i < PQntuples(docs); i++) {
                int ordinal = atoi(PQgetvalue(docs, i, C_ORD));

                json_begin_object(j);
                json_field_uint(j, "DocOrdinal", (uint64_t) ordinal);
                appendix6_text(j, "TypeName", docs, i, C_TYPE);
                appendix6_text(j, "CodeNumber", docs, i, C_NUMBER);
                appendix6_text(j, "CodeNotation", docs, i, C_NOTATION);
                appendix6_text(j, "IssuedDate", docs, i, C_ISSUED);
                appendix6_text(j, "OrganName", docs, i, C_ORGAN);
                appendix6_text(j, "Subject", docs, i, C_SUBJECT);
                appendix6_text(j, "Language", docs, i, C_LANG);
                json_field_uint(j, "PageAmount", appendix6_count(pages, n, ordinal));
                appendix6_text(j, "Description", docs, i, C_DESC);
                json_field_bool(j, "IsResult", strcmp(PQgetvalue(docs, i, C_RESULT), "true") == 0);
                appendix6_text(j, "State", docs, i, C_STATE);
                appendix6_text(j, "DigitizationCode", docs, i, C_CODE);
                appendix6_text(j, "ReusedFromDossier", docs, i, C_FROM);
                json_key(j, "ReusedFromDocOrdinal");
                if (*PQgetvalue(docs, i, C_FROM_ORD))
                        json_uint(j, strtoull(PQgetvalue(docs, i, C_FROM_ORD), NULL, 10));
                else
                        json_null(j);
                appendix6_text(j, "ReusedFromCode", docs, i, C_FROM_CODE);
                appendix6_pages(j, "Pages", pages, n, ordinal);
                json_end_object(j);
        }
        json_end_array(j);
}

int appendix6_write_json(PGconn *c, const char *dossier, const Appendix6Page *pages, size_t n,
                         const char *pdf_name, const char *pdf_sha256, const char *path)
{
        const char *params[] = { dossier };
        PGresult *f = NULL, *docs = NULL;
        char tmp[4096];
        FILE *out = NULL;
        Json j;
        int r;

        r = dbexec(c, appendix6_sql_file, 1, params, &f);
        if (r < 0) {
                r = dbexec_fail("export", f);
                goto out;
        }
        if (PQntuples(f) != 1) {
                r = -ENOENT;
                goto out;
        }
        r = dbexec(c, appendix6_sql_documents, 1, params, &docs);
        if (r < 0) {
                r = dbexec_fail("export", docs);
                goto out;
        }
        snprintf(tmp, sizeof(tmp), "%s.part", path);
        out = fopen(tmp, "we");
        if (!out) {
                r = -errno;
                goto out;
        }
        json_init(&j, out);
        json_begin_object(&j);
        json_field_string(&j, "format", APPENDIX6_FORMAT);
        json_field_string(&j, "Standard", "Decree 30/2020/ND-CP, Appendix VI");
        json_field_string(&j, "Pdf", pdf_name);
        json_field_string(&j, "PdfSha256", pdf_sha256);
        appendix6_file(&j, f, docs, n);
        appendix6_documents(&j, docs, pages, n);
        appendix6_pages(&j, "OtherPages", pages, n, 0);
        json_end_object(&j);
        json_finish(&j);
        r = fclose(out) == 0 && rename(tmp, path) == 0 ? 0 : -errno;
        if (r < 0)
                (void) unlink(tmp);
out:
        PQclear(f);
        PQclear(docs);
        return r;
}

/* An element name from a JSON key: XML name characters kept, others '_'. */
static void appendix6_name(FILE *f, const char *key, bool singular)
{
        size_t n = strlen(key);

        if (singular && n > 1 && key[n - 1] == 's')
                n--;
        if (n == 0 ||
            !((key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_'))
                fputc('_', f);
        for (size_t i = 0; i < n; i++) {
                char ch = key[i];
                bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                          ch == '_' || ch == '-' || ch == '.';

                fputc(ok ? ch : '_', f);
        }
}

/* Text content: markup escaped; control characters XML 1.0 forbids become U+FFFD. */
static void appendix6_text_xml(FILE *f, const char *s)
{
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if (ch == '<')
                        fputs("&lt;", f);
                else if (ch == '>')
                        fputs("&gt;", f);
                else if (ch == '&')
                        fputs("&amp;", f);
                else if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
                        fputs("\xef\xbf\xbd", f);
                else if (ch == '\r')
                        fputs("&#13;", f);
                else
                        fputc(*s, f);
        }
}

static void appendix6_element(FILE *f, const char *name, bool singular, const JsonValue *v, unsigned depth)
{
        fprintf(f, "%*s<", (int) depth * 2, "");
        appendix6_name(f, name, singular);
        switch (v->type) {
        case JSON_NULL:
                fputs("/>\n", f);
                return;
        case JSON_BOOL:
                fputs(v->boolean ? ">true</" : ">false</", f);
                break;
        case JSON_NUMBER:
                if (v->number == floor(v->number) && fabs(v->number) < 1e15)
                        fprintf(f, ">%.0f</", v->number);
                else
                        fprintf(f, ">%.17g</", v->number);
                break;
        case JSON_STRING:
                fputc('>', f);
                appendix6_text_xml(f, v->string);
                fputs("</", f);
                break;
        case JSON_ARRAY:
        case JSON_OBJECT:
                fputs(">\n", f);
                for (size_t i = 0; i < v->n; i++)
                        appendix6_element(f, v->type == JSON_OBJECT ? v->keys[i] : name,
                                          v->type == JSON_ARRAY, &v->items[i], depth + 1);
                fprintf(f, "%*s</", (int) depth * 2, "");
                break;
        default:
                fputs("></", f);
        }
        appendix6_name(f, name, singular);
        fputs(">\n", f);
}

void appendix6_render_xml(const JsonValue *meta, FILE *f)
{
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
        if (meta->type != JSON_OBJECT) {
                fputs("<Metadata/>\n", f);
                return;
        }
        appendix6_element(f, "Metadata", false, meta, 0);
}

int appendix6_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf;
        size_t len;
        int r = 0;

        if (!f)
                return -errno;
        buf = malloc(max + 1);
        if (!buf) {
                fclose(f);
                return -ENOMEM;
        }
        len = fread(buf, 1, max + 1, f);
        if (ferror(f))
                r = -EIO;
        else if (len > max)
                r = -EFBIG;
        fclose(f);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}

int appendix6_write_xml(const char *json_path, const char *xml_path)
{
        JsonValue *meta = NULL;
        char *text = NULL, tmp[4096];
        size_t len = 0;
        FILE *out;
        int r;

        r = appendix6_read_file(json_path, APPENDIX6_JSON_MAX, &text, &len);
        if (r < 0)
                return r;
        r = jsonread_parse(text, len, &meta, NULL);
        free(text);
        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), "%s.part", xml_path);
        out = fopen(tmp, "we");
        if (!out) {
                r = -errno;
                goto out;
        }
        appendix6_render_xml(meta, out);
        r = fclose(out) == 0 && rename(tmp, xml_path) == 0 ? 0 : -errno;
        if (r < 0)
                (void) unlink(tmp);
out:
        jsonread_free(meta);
        return r;
}
