/* Verdicts heard from the store (verdicts.h). Several ACKs of a batch may
 * carry its verdict, of one revision or of several: the highest revision
 * is the newest, and each is told once, unless it says what the last one
 * told said (the store computes again with every page of a rescan). A fixed ring of batches remembers
 * what was told; a batch pushed out of it by SCAND_VERDICTS_KEPT newer ones
 * would be told again only if its verdict came again, and then still true. */
#include <string.h>

#include "events.h"
#include "macro.h"
#include "verdicts.h"

/* The slot of batch, or the one to reuse for it: a told entry first, the
 * oldest otherwise. Under s->lock. */
static HeardVerdict *verdicts_slot(Scand *s, const uint8_t batch[16])
{
        HeardVerdict *v;

        for (size_t i = 0; i < SCAND_VERDICTS_KEPT; i++)
                if (s->verdicts[i].verdict.revision > 0 &&
                    memcmp(s->verdicts[i].verdict.batch_uuid, batch, 16) == 0)
                        return &s->verdicts[i];
        for (size_t i = 0; i < SCAND_VERDICTS_KEPT; i++) {
                v = &s->verdicts[(s->verdicts_next + i) % SCAND_VERDICTS_KEPT];
                if (v->verdict.revision == v->told) {
                        s->verdicts_next = (s->verdicts_next + i + 1) % SCAND_VERDICTS_KEPT;
                        return v;
                }
        }
        v = &s->verdicts[s->verdicts_next];
        s->verdicts_next = (s->verdicts_next + 1) % SCAND_VERDICTS_KEPT;
        return v;
}

void verdicts_on_ack(Scand *s, const Sohoa__Verdict *pb)
{
        HeardVerdict *v;

        /* msg.c checked it on receipt (verdict_check()). */
        if (!pb || pb->batch_uuid.len != 16)
                return;
        pthread_mutex_lock(&s->lock);
        v = verdicts_slot(s, pb->batch_uuid.data);
        if (memcmp(v->verdict.batch_uuid, pb->batch_uuid.data, 16) != 0 || v->verdict.revision == 0)
                *v = (HeardVerdict) {};
        if (pb->revision > v->verdict.revision && pb->revision > v->told &&
            verdict_from_pb(pb, &v->verdict) == 0)
                s->verdicts_heard = true;
        pthread_mutex_unlock(&s->lock);
}

/* "4, 5": the sheets to scan again. */
static void verdicts_sheets(const Verdict *v, char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < v->n_rescan_sheets && used < size; i++) {
                int n = snprintf(buf + used, size - used, "%s%u", i ? "," : "", v->rescan_sheets[i]);

                if (n < 0 || (size_t) n >= size - used) {
                        buf[used] = '\0';
                        break;
                }
                used += (size_t) n;
        }
}

/* FNV-1a of what the officer hears: ok and the reasons. */
static uint64_t verdicts_digest(const Verdict *v)
{
        uint64_t h = 14695981039346656037ULL;
        const char *parts[] = { v->ok ? "ok" : "not ok", v->reason_vi, v->reason_en };

        for (size_t i = 0; i < ELEMENTSOF(parts); i++)
                for (const char *c = parts[i];; c++) {
                        h = (h ^ (unsigned char) *c) * 1099511628211ULL;
                        if (!*c)
                                break;
                }
        return h;
}

static void verdicts_tell_one(Scand *s, const Verdict *v)
{
        char u[UUID_STRING_MAX], sheets[VERDICT_SHEETS_MAX * 11 + 1];
        Uuid batch;
        Event e = { .type = v->ok ? EVENT_VERDICT_OK : EVENT_VERDICT_MISMATCH,
                    .station = s->settings->station,
                    .images = v->images,
                    .sheets = v->sheets,
                    .declared_sheets = v->declared_sheets,
                    .reason = v->ok ? "ok" : v->problems,
                    .verdict_vi = v->reason_vi,
                    .verdict_en = v->reason_en,
                    .rescan_sheets = sheets,
                    .revision = v->revision };

        memcpy(batch.b, v->batch_uuid, sizeof(batch.b));
        e.batch = uuid_format(&batch, u);
        verdicts_sheets(v, sheets, sizeof(sheets));
        events_emit(s->outbox, s->settings->on_event, &e);
}

void verdicts_tell(Scand *s)
{
        for (size_t i = 0; i < SCAND_VERDICTS_KEPT; i++) {
                Verdict v;
                bool tell;

                pthread_mutex_lock(&s->lock);
                if (i == 0 && !s->verdicts_heard) {
                        pthread_mutex_unlock(&s->lock);
                        return;
                }
                if (i == 0)
                        s->verdicts_heard = false;
                tell = s->verdicts[i].verdict.revision > s->verdicts[i].told;
                if (tell) {
                        uint64_t digest;

                        v = s->verdicts[i].verdict;
                        digest = verdicts_digest(&v);
                        s->verdicts[i].told = v.revision;
                        tell = digest != s->verdicts[i].told_digest;
                        s->verdicts[i].told_digest = digest;
                }
                pthread_mutex_unlock(&s->lock);
                if (tell)
                        verdicts_tell_one(s, &v);
        }
}
