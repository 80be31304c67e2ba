/* The metrics text: every family once, with HELP and TYPE, its samples
 * after it. Label values are escaped as the format says (\\, \", \n). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "status.h"

static void metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_label(FILE *f, const char *key, const char *value, bool first)
{
        fprintf(f, "%s%s=\"", first ? "" : ",", key);
        for (const char *p = value ? value : ""; *p; p++) {
                if (*p == '\\' || *p == '"')
                        fputc('\\', f);
                if (*p == '\n')
                        fputs("\\n", f);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

/* name{key="value"} v */
static void metrics_u1(FILE *f, const char *name, const char *key, const char *value, uint64_t v)
{
        fprintf(f, "%s{", name);
        metrics_label(f, key, value, true);
        fprintf(f, "} %" PRIu64 "\n", v);
}

static void metrics_s1(FILE *f, const char *name, const char *key, const char *value, double seconds)
{
        fprintf(f, "%s{", name);
        metrics_label(f, key, value, true);
        fprintf(f, "} %.3f\n", seconds);
}

static const char *metrics_class(const Sohoa__ClassStatus *c)
{
        return c->page_class == SOHOA__PAGE_CLASS__CLASS_BULK ? "bulk" : "interactive";
}

static void metrics_classes(FILE *f, const Sohoa__StatusReply *r)
{
        static const struct {
                const char *name, *type, *help;
        } fams[] = {
                { "sohoa_queue_pages", "gauge", "Pages queued in the broker, per class." },
                { "sohoa_queue_bytes", "gauge", "Bytes of the pages queued, per class." },
                { "sohoa_queue_oldest_seconds", "gauge",
                  "Age of the oldest page queued, per class (0: none)." },
                { "sohoa_inflight_pages", "gauge", "Pages with a worker, per class." },
                { "sohoa_pool_bytes", "gauge", "The class's pool: bytes it may hold." },
                { "sohoa_class_pages_in_total", "counter",
                  "Pages taken in since the broker started, per class." },
                { "sohoa_class_pages_out_total", "counter",
                  "Pages answered stored or stored failed since the broker started, per class." },
        };

        for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
                metrics_family(f, fams[k].name, fams[k].type, fams[k].help);
                for (size_t i = 0; i < r->n_classes; i++) {
                        const Sohoa__ClassStatus *c = r->classes[i];
                        uint64_t v[] = { c->queued_pages, c->queued_bytes, 0,           c->inflight_pages,
                                         c->pool_bytes,   c->pages_in,     c->pages_out };

                        if (k == 2)
                                metrics_s1(f, fams[k].name, "class", metrics_class(c),
                                           c->oldest_queued_ms / 1000.0);
                        else
                                metrics_u1(f, fams[k].name, "class", metrics_class(c), v[k]);
                }
        }
}

static void metrics_counters(FILE *f, const Sohoa__Counters *c)
{
        const ProtobufCMessageDescriptor *d = &sohoa__counters__descriptor;

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *fd = &d->fields[i];
                char name[96];
                uint64_t v;

                if (fd->type != PROTOBUF_C_TYPE_UINT64 || fd->label == PROTOBUF_C_LABEL_REPEATED)
                        continue;
                memcpy(&v, (const char *) c + fd->offset, sizeof(v));
                snprintf(name, sizeof(name), "sohoa_broker_%s_total", fd->name);
                metrics_family(f, name, "counter",
                               "Broker counter (proto/PROTOCOL.md §8), since it started.");
                fprintf(f, "%s %" PRIu64 "\n", name, v);
        }
}

/* Samples of one family over the senders (stations, importers). */
typedef enum {
        SENDER_SPOOL,
        SENDER_OLDEST,
        SENDER_QUEUED,
        SENDER_UP,
        SENDER_EVENT,
        _SENDER_MAX
} SenderFigure;

static void metrics_senders(FILE *f, const Sohoa__StatusReply *r)
{
        static const struct {
                const char *name, *help;
        } fams[_SENDER_MAX] = {
                [SENDER_SPOOL] = { "sohoa_station_spool_pages",
                                   "Pages in a sender's spool, not yet stored." },
                [SENDER_OLDEST] = { "sohoa_station_spool_oldest_seconds",
                                    "Age of the oldest page in its spool." },
                [SENDER_QUEUED] = { "sohoa_station_queued_pages", "Its pages queued in the broker." },
                [SENDER_UP] = { "sohoa_station_up", "1 while its session is live." },
                [SENDER_EVENT] = { "sohoa_station_last_event_age_seconds",
                                   "Age of the last event beyond the routine (a jam...), by event." },
        };

        for (int k = 0; k < _SENDER_MAX; k++) {
                metrics_family(f, fams[k].name, "gauge", fams[k].help);
                for (size_t i = 0; i < r->n_peers; i++) {
                        const Sohoa__PeerStatus *p = r->peers[i];

                        if (p->role == SOHOA__ROLE__ROLE_WORKER)
                                continue;
                        if (k == SENDER_EVENT && !(p->last_event && *p->last_event))
                                continue;
                        fprintf(f, "%s{", fams[k].name);
                        metrics_label(f, "station", p->peer_id, true);
                        metrics_label(f, "role", msg_role_to_string(p->role), false);
                        if (k == SENDER_EVENT)
                                metrics_label(f, "event", p->last_event, false);
                        if (k == SENDER_SPOOL)
                                fprintf(f, "} %" PRIu32 "\n", p->spool_pages);
                        else if (k == SENDER_OLDEST)
                                fprintf(f, "} %.3f\n", p->spool_oldest_ms / 1000.0);
                        else if (k == SENDER_QUEUED)
                                fprintf(f, "} %" PRIu32 "\n", p->queued_pages);
                        else if (k == SENDER_UP)
                                fprintf(f, "} %d\n", p->state && strcmp(p->state, "live") == 0);
                        else
                                fprintf(f, "} %.3f\n", p->last_event_age_ms / 1000.0);
                }
        }
        metrics_family(f, "sohoa_pages_total", "counter",
                       "Outcomes of a sender's pages while the broker knows it (stored, failed, rejected).");
        for (size_t i = 0; i < r->n_peers; i++) {
                const Sohoa__PeerStatus *p = r->peers[i];
                const char *outcome[] = { "stored", "failed", "rejected" };
                uint64_t v[] = { p->acks_stored, p->acks_stored_failed, p->acks_rejected };

                if (p->role == SOHOA__ROLE__ROLE_WORKER)
                        continue;
                for (int o = 0; o < 3; o++) {
                        fputs("sohoa_pages_total{", f);
                        metrics_label(f, "station", p->peer_id, true);
                        metrics_label(f, "outcome", outcome[o], false);
                        fprintf(f, "} %" PRIu64 "\n", v[o]);
                }
        }
}

static void metrics_workers(FILE *f, const Sohoa__StatusReply *r)
{
        static const char *const names[] = { "sohoa_worker_up",
                                             "sohoa_worker_busy",
                                             "sohoa_worker_database_up",
                                             "sohoa_worker_busy_seconds",
                                             "sohoa_worker_pages_total",
                                             "sohoa_worker_pages_failed_total",
                                             "sohoa_worker_work_seconds_total" };
        static const char *const helps[] = {
                "1 unless it is dead (silent past liveness).",
                "1 while it holds a page.",
                "0 while it cannot reach its database (it takes no page).",
                "How long it has held its current page (0: idle).",
                "Pages it answered since it started, as its heartbeats say.",
                "Of those, stored failed.",
                "Time it spent on them.",
        };

        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                metrics_family(f, names[k], k >= 4 && k != 3 ? "counter" : "gauge", helps[k]);
                for (size_t i = 0; i < r->n_peers; i++) {
                        const Sohoa__PeerStatus *p = r->peers[i];
                        bool busy = p->state && strcmp(p->state, "busy") == 0;

                        if (p->role != SOHOA__ROLE__ROLE_WORKER)
                                continue;
                        switch (k) {
                        case 0:
                                metrics_u1(f, names[k], "worker", p->peer_id,
                                           !(p->state && strcmp(p->state, "dead") == 0));
                                break;
                        case 1:
                                metrics_u1(f, names[k], "worker", p->peer_id, busy);
                                break;
                        case 2:
                                metrics_u1(f, names[k], "worker", p->peer_id, !p->database_unreachable);
                                break;
                        case 3:
                                metrics_s1(f, names[k], "worker", p->peer_id,
                                           busy ? p->busy_ms / 1000.0 : 0);
                                break;
                        case 4:
                                metrics_u1(f, names[k], "worker", p->peer_id, p->pages_done);
                                break;
                        case 5:
                                metrics_u1(f, names[k], "worker", p->peer_id, p->pages_failed);
                                break;
                        default:
                                metrics_s1(f, names[k], "worker", p->peer_id, p->work_ms / 1000.0);
                                break;
                        }
                }
        }
}

static void metrics_stage_sample(FILE *f, const char *worker, const StageHist *h, const char *suffix,
                                 const char *le)
{
        fprintf(f, "sohoa_stage_seconds%s{", suffix);
        metrics_label(f, "worker", worker, true);
        metrics_label(f, "stage", h->name, false);
        if (le)
                metrics_label(f, "le", le, false);
        fputs("} ", f);
}

/* The histogram per worker and stage, as each worker last stated it. */
static void metrics_stages(FILE *f, Broker *b)
{
        size_t state = 0;
        Worker *w;

        metrics_family(f, "sohoa_stage_seconds", "histogram",
                       "Time of one pipeline stage per page, per worker.");
        while (worker_iterate(b->worker_table, &state, &w)) {
                for (size_t i = 0; i < w->n_stages; i++) {
                        const StageHist *h = &w->stages[i];
                        char le[32];

                        for (size_t k = 0; k < STAGEHIST_BOUNDS; k++) {
                                snprintf(le, sizeof(le), "%g", stagehist_bounds_ms[k] / 1000.0);
                                metrics_stage_sample(f, w->binding.id, h, "_bucket", le);
                                fprintf(f, "%" PRIu64 "\n", h->buckets[k]);
                        }
                        metrics_stage_sample(f, w->binding.id, h, "_bucket", "+Inf");
                        fprintf(f, "%" PRIu64 "\n", h->count);
                        metrics_stage_sample(f, w->binding.id, h, "_sum", NULL);
                        fprintf(f, "%.6f\n", h->sum_us / 1e6);
                        metrics_stage_sample(f, w->binding.id, h, "_count", NULL);
                        fprintf(f, "%" PRIu64 "\n", h->count);
                }
        }
}

int metrics_render(Broker *b, char **ret, size_t *ret_len)
{
        StatusBuild s;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -ENOMEM;
        status_build(b, true, &s);
        metrics_family(f, "sohoa_broker_uptime_seconds", "gauge", "Time since the broker started.");
        fprintf(f, "sohoa_broker_uptime_seconds %.3f\n", s.reply.uptime_ms / 1000.0);
        metrics_family(f, "sohoa_broker_draining", "gauge", "1 while the broker drains before it stops.");
        fprintf(f, "sohoa_broker_draining %d\n", s.reply.draining);
        metrics_classes(f, &s.reply);
        metrics_counters(f, s.reply.counters);
        metrics_senders(f, &s.reply);
        metrics_workers(f, &s.reply);
        metrics_stages(f, b);
        status_build_done(&s);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}
