/* Held pages: a hash map from page UUID to record, and the per-class and
 * per-peer counts of what is held. A record's image is the zmq_msg_t that
 * libzmq received: dispatching hands a reference-counted copy to the worker,
 * so a dead worker's page can be sent again without keeping a byte copy. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "held.h"
#include "msg.h"
#include "peer.h"
#include "utf8.h"

HeldTable *held_table_new(void)
{
        HeldTable *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->by_uuid = hashmap_new();
        if (!t->by_uuid)
                return mfree(t);
        return t;
}

static void held_destroy(HeldPage *rec)
{
        for (size_t i = 0; i < rec->n_senders; i++)
                free(rec->senders[i].id);
        if (rec->page)
                sohoa__page__free_unpacked(rec->page, NULL);
        free(rec->cleaned);
        zmq_msg_close(&rec->image);
        free(rec);
}

HeldTable *held_table_free(HeldTable *t)
{
        const void *key;
        size_t klen, state = 0;
        void *v;

        if (!t)
                return NULL;
        /* At exit: peers and workers go too, so no links are undone here. */
        while (hashmap_iterate(t->by_uuid, &state, &key, &klen, &v)) {
                hashmap_remove(t->by_uuid, key, klen);
                held_destroy(v);
        }
        hashmap_free(t->by_uuid);
        return mfree(t);
}

/* A private copy of the body with the broker's own idea of origin and class:
 * packing and unpacking keeps fields this version does not know, so a newer
 * station's additions reach the worker. */
static Sohoa__Page *held_copy_body(const Sohoa__Page *src, const char *origin_id, BrokerClass k)
{
        Sohoa__Page tmp = *src;
        Sohoa__Page *copy;
        uint8_t *buf;
        size_t len;

        tmp.origin_id = (char *) origin_id;
        tmp.page_class = k == BROKER_BULK ? SOHOA__PAGE_CLASS__CLASS_BULK
                                          : SOHOA__PAGE_CLASS__CLASS_INTERACTIVE;
        len = sohoa__page__get_packed_size(&tmp);
        buf = malloc(len > 0 ? len : 1);
        if (!buf)
                return NULL;
        sohoa__page__pack(&tmp, buf);
        copy = sohoa__page__unpack(NULL, len, buf);
        free(buf);
        return copy;
}

/* The worker's own words for it (workers/record.c), so the audit entry
 * reads the same whoever cleaned the string. */
#define HELD_CLEANED_FMT "%s%s: %d byte%s of invalid UTF-8 replaced with U+FFFD"

/* Every string field of the copy made valid UTF-8 (PROTOCOL.md §7.1 step
 * 3): a worker written with a protobuf library that checks strings
 * (Python's) could not even parse a JOB holding one that is not. What was
 * changed goes to the worker in Job.cleaned, for the page's audit entry:
 * *ret_cleaned is NULL when nothing was. 0 or -ENOMEM. */
static int held_repair_strings(Sohoa__Page *copy, char **ret_cleaned)
{
        const ProtobufCMessageDescriptor *d = copy->base.descriptor;
        char *cleaned = NULL;
        size_t len = 0;

        *ret_cleaned = NULL;
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                char **s, *fixed, *more;
                int bad, n;

                /* Page has no repeated strings and no nested messages. */
                if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
                        continue;
                s = (char **) ((uint8_t *) copy + f->offset);
                bad = utf8_repair(*s, &fixed);
                if (bad <= 0) {
                        if (bad == 0)
                                continue;
                        free(cleaned);
                        return bad;
                }
                /* Not the shared default "": that one is valid. */
                free(*s);
                *s = fixed;
                n = snprintf(NULL, 0, HELD_CLEANED_FMT, len ? "; " : "", f->name, bad, bad == 1 ? "" : "s");
                more = realloc(cleaned, len + n + 1);
                if (!more) {
                        free(cleaned);
                        return -ENOMEM;
                }
                cleaned = more;
                snprintf(cleaned + len, n + 1, HELD_CLEANED_FMT, len ? "; " : "", f->name, bad,
                         bad == 1 ? "" : "s");
                len += n;
        }
        *ret_cleaned = cleaned;
        return 0;
}

/* The JOB that will carry the copy, at its largest: the epoch, attempts
 * and store_only that dispatch sets later can only make it this long. */
static size_t held_job_size_max(const HeldPage *rec)
{
        Sohoa__Job job = SOHOA__JOB__INIT;

        job.epoch = UINT64_MAX;
        job.page = rec->page;
        job.store_only = true;
        job.attempts = UINT32_MAX;
        if (rec->cleaned)
                job.cleaned = rec->cleaned;
        return sohoa__job__get_packed_size(&job);
}

int held_new(HeldTable *t, const Sohoa__Page *body, zmq_msg_t *image, Peer *origin, const char *origin_id,
             BrokerClass k, HeldPage **ret)
{
        HeldPage *rec;
        Uuid u;
        int r;

        assert(t && body && image && origin && origin_id && ret);
        assert(k >= 0 && k < _BROKER_CLASS_MAX);

        if (uuid_from_bytes(body->page_uuid.data, body->page_uuid.len, &u) < 0)
                return -EBADMSG;
        if (hashmap_get(t->by_uuid, u.b, sizeof(u.b)))
                return -EEXIST;

        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;
        zmq_msg_init(&rec->image);
        rec->page = held_copy_body(body, origin_id, k);
        if (!rec->page || held_repair_strings(rec->page, &rec->cleaned) < 0) {
                held_destroy(rec);
                return -ENOMEM;
        }
        /* A PAGE body just under the limit grows past it in a JOB: held,
         * it could never reach a worker. */
        if (held_job_size_max(rec) > MSG_BODY_MAX) {
                held_destroy(rec);
                return -EMSGSIZE;
        }
        r = hashmap_put(t->by_uuid, u.b, sizeof(u.b), rec, NULL);
        if (r < 0) {
                held_destroy(rec);
                return r;
        }
        zmq_msg_move(&rec->image, image);
        rec->uuid = u;
        rec->bytes = zmq_msg_size(&rec->image);
        rec->klass = k;
        rec->origin = origin;
        rec->received_ms = clock_mono_ms();

        t->held_pages[k]++;
        t->held_bytes[k] += rec->bytes;
        origin->held_pages++;
        origin->held_bytes += rec->bytes;
        *ret = rec;
        return 0;
}

int held_add_sender(HeldPage *rec, const char *id, bool same)
{
        char *copy;

        if (strcmp(rec->page->origin_id, id) == 0)
                return -EEXIST;
        for (size_t i = 0; i < rec->n_senders; i++)
                if (strcmp(rec->senders[i].id, id) == 0)
                        return -EEXIST;
        if (rec->n_senders >= HELD_SENDERS_MAX)
                return -ENOSPC;
        copy = strdup(id);
        if (!copy)
                return -ENOMEM;
        rec->senders[rec->n_senders++] = (HeldSender) { .id = copy, .same = same };
        return 0;
}

void held_free(HeldTable *t, HeldPage *rec)
{
        if (!rec)
                return;
        /* Still linked into a FIFO or a worker would leave a dangling pointer. */
        assert(!rec->worker && !rec->prev && !rec->next);
        hashmap_remove(t->by_uuid, rec->uuid.b, sizeof(rec->uuid.b));
        t->held_pages[rec->klass]--;
        t->held_bytes[rec->klass] -= rec->bytes;
        rec->origin->held_pages--;
        rec->origin->held_bytes -= rec->bytes;
        held_destroy(rec);
}

HeldPage *held_get(const HeldTable *t, const Uuid *u)
{
        return hashmap_get(t->by_uuid, u->b, sizeof(u->b));
}

void held_set_worker(HeldTable *t, HeldPage *rec, Worker *w)
{
        BrokerClass k = rec->klass;

        if (!rec->worker && w) {
                t->inflight_pages[k]++;
                t->inflight_bytes[k] += rec->bytes;
        } else if (rec->worker && !w) {
                t->inflight_pages[k]--;
                t->inflight_bytes[k] -= rec->bytes;
        }
        rec->worker = w;
}

uint32_t held_queued_pages(const HeldTable *t, BrokerClass k)
{
        return t->held_pages[k] - t->inflight_pages[k];
}

uint64_t held_queued_bytes(const HeldTable *t, BrokerClass k)
{
        return t->held_bytes[k] - t->inflight_bytes[k];
}

uint32_t held_inflight_total(const HeldTable *t)
{
        uint32_t n = 0;

        for (BrokerClass k = 0; k < _BROKER_CLASS_MAX; k++)
                n += t->inflight_pages[k];
        return n;
}

bool held_over_pool(const HeldTable *t, BrokerClass k, uint64_t bytes, uint64_t pool, uint64_t max_frame)
{
        return t->held_bytes[k] + bytes > pool + max_frame;
}

const char *held_class_to_string(BrokerClass k)
{
        static const char *const names[_BROKER_CLASS_MAX] = {
                [BROKER_INTERACTIVE] = "interactive",
                [BROKER_BULK] = "bulk",
        };

        if (k < 0 || k >= _BROKER_CLASS_MAX)
                return "invalid";
        return names[k];
}
