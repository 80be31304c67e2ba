/* libmicrohttpd in its external-poll epoll mode: one fd joins the broker's
 * zmq_poll, and MHD_run() serves what is ready. Responses are made whole by
 * the handler (a metrics scrape or a status page is small). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

/* Enough for a few scrapers and phones; more wait in the kernel's queue. */
#define HTTPD_CONNECTIONS_MAX 32
#define HTTPD_IDLE_S 10

struct Httpd {
        struct MHD_Daemon *daemon;
        HttpdGetFn fn;
        void *userdata;
};

static enum MHD_Result httpd_answer(struct MHD_Connection *c, unsigned code, char *body, size_t len,
                                    const char *type)
{
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result r;

        if (!resp) {
                free(body);
                return MHD_NO;
        }
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        r = MHD_queue_response(c, code, resp);
        MHD_destroy_response(resp);
        return r;
}

static enum MHD_Result httpd_request(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version, const char *upload_data,
                                     size_t *upload_data_size, void **con_cls)
{
        Httpd *h = cls;
        const char *type = "text/plain; charset=utf-8";
        char *body = NULL;
        size_t len = 0;
        int r;

        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return httpd_answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("only GET\n"), 9, type);
        r = h->fn(h->userdata, url, &body, &len, &type);
        if (r == -ENOENT)
                return httpd_answer(c, MHD_HTTP_NOT_FOUND, strdup("not found: try / or /metrics\n"), 28,
                                    "text/plain; charset=utf-8");
        if (r < 0)
                return httpd_answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strdup("out of memory\n"), 14,
                                    "text/plain; charset=utf-8");
        return httpd_answer(c, MHD_HTTP_OK, body, len, type);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into *sa. 0 or -EINVAL. */
static int httpd_address(const char *listen, struct sockaddr_storage *sa)
{
        char host[64];
        const char *colon = strrchr(listen, ':');
        char *end;
        long port;
        size_t n;

        if (!colon)
                return -EINVAL;
        port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || port < 1 || port > 65535)
                return -EINVAL;
        n = (size_t) (colon - listen);
        if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
                listen++;
                n -= 2;
        }
        if (n >= sizeof(host))
                return -EINVAL;
        memcpy(host, listen, n);
        host[n] = '\0';
        memset(sa, 0, sizeof(*sa));
        if (n == 0 || inet_pton(AF_INET, host, &((struct sockaddr_in *) sa)->sin_addr) == 1) {
                struct sockaddr_in *v4 = (struct sockaddr_in *) sa;

                v4->sin_family = AF_INET;
                v4->sin_port = htons((uint16_t) port);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *) sa)->sin6_addr) == 1) {
                struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) sa;

                v6->sin6_family = AF_INET6;
                v6->sin6_port = htons((uint16_t) port);
                return 0;
        }
        return -EINVAL;
}

int httpd_new(const char *listen, HttpdGetFn fn, void *userdata, Httpd **ret)
{
        struct sockaddr_storage sa;
        unsigned flags = MHD_USE_EPOLL;
        Httpd *h;
        int r;

        r = httpd_address(listen, &sa);
        if (r < 0)
                return r;
        if (sa.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->fn = fn;
        h->userdata = userdata;
        errno = 0;
        h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, httpd_request, h, MHD_OPTION_SOCK_ADDR,
                                     (struct sockaddr *) &sa, MHD_OPTION_CONNECTION_LIMIT,
                                     (unsigned) HTTPD_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
                                     (unsigned) HTTPD_IDLE_S, MHD_OPTION_END);
        if (!h->daemon) {
                r = errno ? -errno : -EADDRINUSE;
                free(h);
                return r;
        }
        *ret = h;
        return 0;
}

Httpd *httpd_free(Httpd *h)
{
        if (!h)
                return NULL;
        MHD_stop_daemon(h->daemon);
        free(h);
        return NULL;
}

int httpd_fd(const Httpd *h)
{
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);

        return i ? i->epoll_fd : -1;
}

void httpd_run(Httpd *h)
{
        (void) MHD_run(h->daemon);
}

long httpd_timeout(const Httpd *h, long max_ms)
{
        MHD_UNSIGNED_LONG_LONG t;

        if (MHD_get_timeout(h->daemon, &t) == MHD_YES && (long long) t < max_ms)
                return (long) t;
        return max_ms;
}
