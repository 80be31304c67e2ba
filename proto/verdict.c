/* A batch's verdict between the wire and a plain struct (see verdict.h). */
#include <errno.h>
#include <string.h>

#include "verdict.h"

static bool verdict_text_ok(const char *s, size_t max)
{
        return !s || strlen(s) <= max;
}

int verdict_check(const Sohoa__Verdict *pb)
{
        if (!pb || pb->batch_uuid.len != 16 || pb->revision == 0)
                return -EBADMSG;
        if (!verdict_text_ok(pb->reason_vi, VERDICT_TEXT_MAX) ||
            !verdict_text_ok(pb->reason_en, VERDICT_TEXT_MAX) ||
            !verdict_text_ok(pb->problems, VERDICT_PROBLEMS_MAX))
                return -EBADMSG;
        if (pb->n_rescan_sheets > VERDICT_SHEETS_MAX)
                return -EBADMSG;
        return 0;
}

void verdict_copy_text(char *dst, size_t size, const char *src)
{
        size_t n = src ? strlen(src) : 0;

        if (size == 0)
                return;
        if (n >= size) {
                n = size - 1;
                /* Back over continuation bytes to the start of the cut character. */
                while (n > 0 && ((unsigned char) src[n] & 0xc0) == 0x80)
                        n--;
        }
        if (n > 0)
                memcpy(dst, src, n);
        dst[n] = '\0';
}

int verdict_from_pb(const Sohoa__Verdict *pb, Verdict *ret)
{
        if (verdict_check(pb) < 0)
                return -EBADMSG;
        memset(ret, 0, sizeof(*ret));
        memcpy(ret->batch_uuid, pb->batch_uuid.data, 16);
        ret->revision = pb->revision;
        ret->ok = pb->ok;
        ret->single_sided = pb->single_sided;
        ret->images = pb->images;
        ret->sheets = pb->sheets;
        ret->declared_sheets = pb->declared_sheets;
        verdict_copy_text(ret->reason_vi, sizeof(ret->reason_vi), pb->reason_vi);
        verdict_copy_text(ret->reason_en, sizeof(ret->reason_en), pb->reason_en);
        verdict_copy_text(ret->problems, sizeof(ret->problems), pb->problems);
        ret->n_rescan_sheets = pb->n_rescan_sheets;
        if (pb->n_rescan_sheets > 0)
                memcpy(ret->rescan_sheets, pb->rescan_sheets, pb->n_rescan_sheets * sizeof(uint32_t));
        return 0;
}

void verdict_to_pb(const Verdict *v, Sohoa__Verdict *ret)
{
        *ret = (Sohoa__Verdict) SOHOA__VERDICT__INIT;
        ret->batch_uuid = (ProtobufCBinaryData) { 16, (uint8_t *) v->batch_uuid };
        ret->revision = v->revision;
        ret->ok = v->ok;
        ret->single_sided = v->single_sided;
        ret->images = v->images;
        ret->sheets = v->sheets;
        ret->declared_sheets = v->declared_sheets;
        ret->reason_vi = (char *) v->reason_vi;
        ret->reason_en = (char *) v->reason_en;
        ret->problems = (char *) v->problems;
        ret->n_rescan_sheets = v->n_rescan_sheets;
        ret->rescan_sheets = (uint32_t *) v->rescan_sheets;
}
