/* The status page: one HTML document, its style inline, refreshed by the
 * browser every few seconds (meta refresh: no script). Each figure a test
 * or a person looks for carries a data-k attribute naming it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "metrics.h"
#include "status.h"
#include "uuid.h"
#include "web.h"

#define WEB_REFRESH_S 5

/* "4.1 s", "3 min", "2 h": short enough for a phone's column. */
static void web_age(FILE *f, uint64_t ms)
{
        if (ms < 60000)
                fprintf(f, "%.1f s", ms / 1000.0);
        else if (ms < 3600000)
                fprintf(f, "%" PRIu64 " min", ms / 60000);
        else
                fprintf(f, "%" PRIu64 " h", ms / 3600000);
}

static const char web_style[] =
        "body{font:16px/1.4 system-ui,sans-serif;margin:0;padding:8px;background:#fafafa;color:#111}"
        "h1{font-size:1.2em;margin:4px 0}h2{font-size:1.05em;margin:14px 0 4px}"
        ".cards{display:flex;flex-wrap:wrap;gap:8px}"
        ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px "
        "10px;min-width:140px;flex:1}"
        ".card b{display:block;font-size:1.6em}"
        "table{border-collapse:collapse;width:100%;background:#fff}"
        "td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}"
        ".bad{color:#b00020;font-weight:bold}.ok{color:#1b5e20}.small{color:#555;font-size:.85em}";

static void web_classes(FILE *f, const Sohoa__StatusReply *r)
{
        fputs("<h2>Queues</h2><div class=cards>", f);
        for (size_t i = 0; i < r->n_classes; i++) {
                const Sohoa__ClassStatus *c = r->classes[i];
                const char *k = c->page_class == SOHOA__PAGE_CLASS__CLASS_BULK ? "bulk" : "interactive";

                fprintf(f, "<div class=card>%s<b data-k=\"queued-%s\">%" PRIu32 "</b>queued, oldest ", k, k,
                        c->queued_pages);
                if (c->queued_pages)
                        web_age(f, c->oldest_queued_ms);
                else
                        fputs("-", f);
                fprintf(f,
                        "<br>%" PRIu32 " in flight<br><span class=small>last minute: %" PRIu32
                        " in, %" PRIu32 " out</span></div>",
                        c->inflight_pages, c->pages_in_last_min, c->pages_out_last_min);
        }
        fputs("</div>", f);
}

static void web_senders(FILE *f, const Sohoa__StatusReply *r)
{
        fputs("<h2>Stations and imports</h2><table><tr><th>Name</th><th>State</th><th>Spool</th>"
              "<th>Last event</th><th>Stored</th></tr>",
              f);
        for (size_t i = 0; i < r->n_peers; i++) {
                const Sohoa__PeerStatus *p = r->peers[i];

                if (p->role == SOHOA__ROLE__ROLE_WORKER)
                        continue;
                fputs("<tr><td>", f);
                html_text(f, p->peer_id);
                fprintf(f, " <span class=small>%s</span></td><td>", msg_role_to_string(p->role));
                html_text(f, p->state);
                fprintf(f, "</td><td data-k=\"spool-");
                html_text(f, p->peer_id);
                fprintf(f, "\">%" PRIu32 "</td><td>", p->spool_pages);
                if (p->last_event && *p->last_event) {
                        fputs("<span class=bad data-k=\"event-", f);
                        html_text(f, p->peer_id);
                        fputs("\">", f);
                        html_text(f, p->last_event);
                        fputs("</span> <span class=small>", f);
                        web_age(f, p->last_event_age_ms);
                        fputs(" ago</span>", f);
                }
                fprintf(f, "</td><td>%" PRIu64 " <span class=small>(%" PRIu64 " failed)</span></td></tr>",
                        p->acks_stored + p->acks_stored_failed, p->acks_stored_failed);
        }
        fputs("</table>", f);
}

static void web_workers(FILE *f, const Sohoa__StatusReply *r)
{
        fputs("<h2>Workers</h2><table><tr><th>Name</th><th>State</th><th>Done</th><th>Mean</th></tr>", f);
        for (size_t i = 0; i < r->n_peers; i++) {
                const Sohoa__PeerStatus *p = r->peers[i];
                char id[UUID_STRING_MAX];
                Uuid u;

                if (p->role != SOHOA__ROLE__ROLE_WORKER)
                        continue;
                fputs("<tr><td>", f);
                html_text(f, p->peer_id);
                fprintf(f, "</td><td class=%s data-k=\"state-", p->database_unreachable ? "bad" : "ok");
                html_text(f, p->peer_id);
                fputs("\">", f);
                html_text(f, p->database_unreachable ? "no database" : p->state);
                if (uuid_from_bytes(p->page_uuid.data, p->page_uuid.len, &u) == 0) {
                        fprintf(f, " <span class=small>%.8s… ", uuid_format(&u, id));
                        web_age(f, p->busy_ms);
                        fputs("</span>", f);
                }
                fprintf(f, "</td><td data-k=\"done-");
                html_text(f, p->peer_id);
                fprintf(f, "\">%" PRIu64 "</td><td>", p->pages_done);
                if (p->pages_done)
                        fprintf(f, "%.1f s", p->work_ms / 1000.0 / (double) p->pages_done);
                fputs("</td></tr>", f);
        }
        fputs("</table>", f);
}

static int web_page(Broker *b, char **ret, size_t *ret_len)
{
        StatusBuild s;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -ENOMEM;
        status_build(b, true, &s);
        fprintf(f,
                "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
                "<meta http-equiv=refresh content=%d><title>sohoa "
                "status</title><style>%s</style></head><body>"
                "<h1>sohoa</h1><div class=small>broker epoch %016" PRIx64 ", up ",
                WEB_REFRESH_S, web_style, s.reply.epoch);
        web_age(f, s.reply.uptime_ms);
        fprintf(f, "%s; refreshes every %d s</div>", s.reply.draining ? ", <b>draining</b>" : "",
                WEB_REFRESH_S);
        fprintf(f,
                "<div class=cards><div class=card>workers<b data-k=workers>%" PRIu32 "</b>%" PRIu32
                " idle</div><div class=card>stations<b data-k=stations>%" PRIu32 "</b>live</div>"
                "<div class=card>quarantined<b data-k=quarantined>%" PRIu64 "</b>since start</div></div>",
                s.reply.workers, s.reply.workers_idle, s.reply.stations, s.reply.counters->quarantined);
        web_classes(f, &s.reply);
        web_senders(f, &s.reply);
        web_workers(f, &s.reply);
        fputs("<p class=small>Prometheus metrics: <a href=/metrics>/metrics</a></p></body></html>\n", f);
        status_build_done(&s);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

int web_get(void *userdata, const char *path, char **ret_body, size_t *ret_len, const char **ret_type)
{
        Broker *b = userdata;

        if (strcmp(path, "/metrics") == 0) {
                *ret_type = METRICS_CONTENT_TYPE;
                return metrics_render(b, ret_body, ret_len);
        }
        if (strcmp(path, "/") == 0) {
                *ret_type = "text/html; charset=utf-8";
                return web_page(b, ret_body, ret_len);
        }
        return -ENOENT;
}
