/* sohoa-broker: the queues between page sources (stations, importers) and
 * OCR workers. Reads its settings, binds both endpoints, tells systemd it
 * is ready, then polls the two sockets and the signal fd until a signal
 * ends it: the first drains, a second quits at once. */
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "log.h"
#include "sigfd.h"

enum {
        ITEM_STATIONS,
        ITEM_WORKERS,
        ITEM_SIGNAL,
        ITEM_ZAP,  /* polled only with CURVE on */
        ITEM_HTTP, /* polled only with http_listen */
        _ITEM_MAX
};

static void main_log_start(const Broker *b, const Settings *s)
{
        log_info("sohoa-broker " SOHOA_VERSION ": stations on %s, workers on %s, epoch %016llx, "
                 "pools interactive %llu bulk %llu bytes, max frame %llu bytes",
                 s->stations_endpoint, s->workers_endpoint, (unsigned long long) b->epoch,
                 (unsigned long long) s->interactive_pool_bytes, (unsigned long long) s->bulk_pool_bytes,
                 (unsigned long long) s->max_frame_bytes);
}

static int main_loop(Broker *b, int signal_fd)
{
        zmq_pollitem_t items[_ITEM_MAX] = {
                [ITEM_STATIONS] = { .socket = b->stations, .events = ZMQ_POLLIN },
                [ITEM_WORKERS] = { .socket = b->workers, .events = ZMQ_POLLIN },
                [ITEM_SIGNAL] = { .fd = signal_fd, .events = ZMQ_POLLIN },
                [ITEM_ZAP] = { .socket = b->zap ? zap_socket(b->zap) : NULL,
                               .fd = -1,
                               .events = ZMQ_POLLIN },
                [ITEM_HTTP] = { .fd = b->httpd ? httpd_fd(b->httpd) : -1, .events = ZMQ_POLLIN },
        };

        /* An item without a socket or an fd is left out: zmq_poll ignores
         * a negative fd. */
        while (!b->quit) {
                long timeout = broker_next_timeout(b);

                if (b->httpd)
                        timeout = httpd_timeout(b->httpd, timeout);
                if (zmq_poll(items, _ITEM_MAX, timeout) < 0 && errno != EINTR)
                        return log_error_errno(-errno, "zmq_poll: %m");
                if (items[ITEM_SIGNAL].revents)
                        broker_on_signal(b, signal_fd);
                if (items[ITEM_ZAP].revents)
                        zap_handle(b->zap);
                if (items[ITEM_STATIONS].revents)
                        broker_on_stations(b);
                if (items[ITEM_WORKERS].revents)
                        broker_on_workers(b);
                if (b->httpd)
                        httpd_run(b->httpd);
                broker_on_timers(b);
        }
        return 0;
}

int main(int argc, char **argv)
{
        Settings settings = {};
        Broker *b = NULL;
        int signal_fd = -1, r;

        r = config_parse_argv(settings_program(), &settings, argc, argv);
        if (r != 0) {
                settings_done(&settings);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        r = sigfd_open(&signal_fd);
        if (r < 0) {
                log_error_errno(r, "opening the signal fd: %m");
                goto out;
        }
        r = broker_new(&settings, &b);
        if (r < 0)
                goto out;
        main_log_start(b, &settings);
        (void) sd_notify(0, "READY=1\nSTATUS=serving");
        r = main_loop(b, signal_fd);
out:
        b = broker_free(b);
        if (signal_fd >= 0)
                close(signal_fd);
        settings_done(&settings);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
