/* The worker side of the broker protocol. The main thread only talks: it
 * keeps the link alive (heartbeats, reconnects) while a thread of its own
 * computes the page, so a page that takes 30 s of OCR never looks like a
 * dead worker. The thread's end is signalled through an eventfd in the same
 * poll set as the broker socket and the signals. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "link.h"
#include "sigfd.h"
#include "workpeer.h"

struct Workpeer {
        WorkFn fn;
        void *userdata;
        uint64_t page_timeout_ms;
        uint64_t page_grace_ms;
        void (*on_reload)(void *reload_userdata);
        void *reload_userdata;
        void *zctx;
        Link *link;
        int done_fd;

        /* The page in hand. */
        bool busy;
        bool joinable;
        pthread_t thread;
        Msg job;
        WorkJob work;
        WorkOutcome outcome;
        int work_r;
        atomic_bool cancel;
        uint64_t started_ms;

        bool draining;
        bool quit;
        bool abandoned; /* quit at once with a page thread still running */
        uint64_t send_failures;

        /* What the heartbeats say (link_set_worker()); the database's state
         * is set from any thread, under lock, and taken in by the loop. */
        LinkWorker state;
        pthread_mutex_t lock;
        bool database_unreachable;
        char database_error[sizeof(((LinkWorker *) 0)->database_error)];
        bool ready_withheld; /* welcomed while its database was unreachable */
};

int workpeer_new(const WorkpeerConfig *cfg, WorkFn fn, void *userdata, Workpeer **ret)
{
        LinkConfig lc = {
                .endpoint = cfg->endpoint,
                .peer_id = cfg->peer_id,
                .role = SOHOA__ROLE__ROLE_WORKER,
                .software = cfg->software,
                .heartbeat_ms = cfg->heartbeat_ms,
                .curve_server_key = cfg->curve_server_key,
                .curve_public_key = cfg->curve_public_key,
                .curve_secret_key = cfg->curve_secret_key,
        };
        Workpeer *w;
        int r;

        if (!fn)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        w->fn = fn;
        w->userdata = userdata;
        w->page_timeout_ms = cfg->page_timeout_ms;
        w->page_grace_ms = cfg->page_grace_ms ? cfg->page_grace_ms : 10000;
        w->on_reload = cfg->on_reload;
        w->reload_userdata = cfg->reload_userdata;
        w->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        w->zctx = zmq_ctx_new();
        if (w->done_fd < 0 || !w->zctx) {
                r = w->done_fd < 0 ? -errno : -ENOMEM;
                goto fail;
        }
        r = link_new(w->zctx, &lc, &w->link);
        if (r < 0)
                goto fail;
        *ret = w;
        return 0;
fail:
        workpeer_free(w);
        return r;
}

Workpeer *workpeer_free(Workpeer *w)
{
        if (!w)
                return NULL;
        /* A page thread that overran its time limit cannot be stopped; it
         * dies with the process, which is about to exit. */
        if (w->busy && w->joinable)
                pthread_detach(w->thread);
        else
                msg_done(&w->job);
        link_free(w->link);
        if (w->zctx)
                zmq_ctx_term(w->zctx);
        if (w->done_fd >= 0)
                close(w->done_fd);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}

static void send_ready(Workpeer *w)
{
        Sohoa__Ready ready = SOHOA__READY__INIT;

        ready.capacity = 1;
        /* Unsent only when the socket is full; the next WELCOME says it again. */
        if (link_send(w->link, MSG_READY, &ready.base, NULL) < 0)
                w->send_failures++;
}

static void send_bye(Workpeer *w, const char *reason)
{
        Sohoa__Bye bye = SOHOA__BYE__INIT;

        bye.reason = (char *) reason;
        if (link_send(w->link, MSG_BYE, &bye.base, NULL) < 0)
                w->send_failures++;
}

static void *work_thread(void *userdata)
{
        Workpeer *w = userdata;
        uint64_t one = 1;

        w->work_r = w->fn(&w->work, w->userdata, &w->outcome);
        (void) write(w->done_fd, &one, sizeof(one));
        return NULL;
}

static void start_job(Workpeer *w, Msg *m)
{
        const Sohoa__Job *job = MSG_JOB_BODY(m);
        int r;

        w->job = *m;
        *m = (Msg) { 0 };
        w->started_ms = clock_mono_ms();
        atomic_store(&w->cancel, false);
        w->outcome = (WorkOutcome) { 0 };
        w->work = (WorkJob) {
                .page = job->page,
                .image = zmq_msg_data(&w->job.image),
                .image_len = zmq_msg_size(&w->job.image),
                .store_only = job->store_only,
                .attempts = job->attempts,
                .cleaned = job->cleaned,
                .deadline_us = w->page_timeout_ms ? clock_mono_us() + w->page_timeout_ms * 1000 : 0,
                .cancel = &w->cancel,
        };
        /* Checked 16 bytes by msg_page_check(). */
        link_set_page_in_hand(w->link, job->page->page_uuid.data);
        r = -pthread_create(&w->thread, NULL, work_thread, w);
        w->joinable = r == 0;
        if (r < 0) {
                /* No thread to run it: report it unstored, it comes back. */
                uint64_t one = 1;
                w->work_r = r;
                (void) write(w->done_fd, &one, sizeof(one));
        }
        w->busy = true;
}

static void finish_job(Workpeer *w)
{
        const Sohoa__Page *p = w->work.page;
        Sohoa__Result res = SOHOA__RESULT__INIT;
        uint64_t v;

        (void) read(w->done_fd, &v, sizeof(v));
        if (w->joinable)
                pthread_join(w->thread, NULL);
        w->joinable = false;
        w->busy = false;
        res.page_uuid = p->page_uuid;
        res.batch_uuid = p->batch_uuid;
        res.sha256 = p->sha256;
        res.origin_id = p->origin_id;
        if (w->work_r < 0) {
                /* Nothing was stored (e.g. the database stayed down): the
                 * sender keeps the page and sends it again. */
                res.status = SOHOA__RESULT_STATUS__RESULT_RESEND;
                snprintf(w->outcome.reason, sizeof(w->outcome.reason), "not stored: %s",
                         strerror(-w->work_r));
        } else
                res.status = w->outcome.status;
        res.reason = w->outcome.reason;
        if (res.status != SOHOA__RESULT_STATUS__RESULT_RESEND) {
                w->state.pages_done++;
                w->state.pages_failed += res.status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
                w->state.work_ms += clock_mono_ms() - w->started_ms;
                for (size_t i = 0; i < w->outcome.n_stages && i < STAGEHIST_MAX; i++)
                        stagehist_add(w->state.stages, &w->state.n_stages, w->outcome.stage_name[i],
                                      w->outcome.stage_usec[i]);
        }
        /* A result that cannot be sent is not lost work: the page is stored,
         * the sender's resend brings it back and the store acks the repeat.
         * It goes out welcomed or not: a broker that started since takes it
         * (PROTOCOL.md §5.4). */
        if (link_send(w->link, MSG_RESULT, &res.base, NULL) < 0)
                w->send_failures++;
        link_set_page_in_hand(w->link, NULL);
        msg_done(&w->job);
        if (w->draining) {
                send_bye(w, "draining");
                w->quit = true;
        }
}

static void on_link_event(Workpeer *w, LinkEvent e)
{
        /* A new session: idle workers say so; a busy one reports when done;
         * one without its database waits until it is back. */
        if (e == LINK_EVENT_WELCOMED && !w->busy && !w->draining) {
                w->ready_withheld = w->state.database_unreachable;
                if (!w->ready_withheld)
                        send_ready(w);
        }
}

/* The database's state as last set: into the heartbeats, and READY when it
 * came back to a worker that withheld it. */
static void take_state(Workpeer *w)
{
        bool was = w->state.database_unreachable;

        pthread_mutex_lock(&w->lock);
        w->state.database_unreachable = w->database_unreachable;
        snprintf(w->state.database_error, sizeof(w->state.database_error), "%s", w->database_error);
        pthread_mutex_unlock(&w->lock);
        link_set_worker(w->link, &w->state);
        /* Back: READY again, withheld or not (the broker took it off its
         * idle list when the heartbeat said the database was away). */
        if ((was || w->ready_withheld) && !w->state.database_unreachable && !w->busy && !w->draining &&
            link_welcomed(w->link)) {
                w->ready_withheld = false;
                send_ready(w);
        }
}

void workpeer_set_database(Workpeer *w, bool reachable, const char *error)
{
        pthread_mutex_lock(&w->lock);
        w->database_unreachable = !reachable;
        snprintf(w->database_error, sizeof(w->database_error), "%s", reachable || !error ? "" : error);
        pthread_mutex_unlock(&w->lock);
}

static void on_broker(Workpeer *w)
{
        for (int i = 0; i < 64; i++) {
                Msg m = { 0 };
                LinkEvent e;
                int r = link_recv(w->link, &m, &e);

                if (r == -EAGAIN)
                        break;
                if (r < 0)
                        continue;
                on_link_event(w, e);
                if (m.type == MSG_JOB && !w->busy && !w->draining)
                        start_job(w, &m);
                msg_done(&m);
        }
}

static void on_signal(Workpeer *w, int signal_fd)
{
        int signo;

        while (sigfd_read(signal_fd, &signo) == 0) {
                if (signo == SIGHUP && w->on_reload)
                        w->on_reload(w->reload_userdata);
                if (signo != SIGTERM && signo != SIGINT)
                        continue;
                if (w->draining) {
                        w->quit = true;
                        w->abandoned = w->busy;
                        return;
                }
                w->draining = true;
                if (!w->busy) {
                        send_bye(w, "stopping");
                        w->quit = true;
                }
        }
}

/* The per-page limit: first ask the job to stop, then give up on it. */
static int check_deadline(Workpeer *w)
{
        uint64_t elapsed;

        if (!w->busy || w->page_timeout_ms == 0)
                return 0;
        elapsed = clock_mono_ms() - w->started_ms;
        if (elapsed >= w->page_timeout_ms)
                atomic_store(&w->cancel, true);
        if (elapsed >= w->page_timeout_ms + w->page_grace_ms)
                return -ETIMEDOUT;
        return 0;
}

static long next_timeout(Workpeer *w)
{
        uint64_t t = link_next_timeout_ms(w->link);

        if (w->busy && w->page_timeout_ms > 0) {
                uint64_t elapsed = clock_mono_ms() - w->started_ms;
                uint64_t due = elapsed < w->page_timeout_ms ? w->page_timeout_ms
                                                            : w->page_timeout_ms + w->page_grace_ms;
                t = MIN(t, due > elapsed ? due - elapsed : 0);
        }
        return (long) MIN(t, 1000);
}

int workpeer_run(Workpeer *w, int signal_fd)
{
        while (!w->quit) {
                zmq_pollitem_t items[3] = {
                        { .socket = link_socket(w->link), .events = ZMQ_POLLIN },
                        { .fd = w->done_fd, .events = ZMQ_POLLIN },
                        { .fd = signal_fd, .events = signal_fd >= 0 ? ZMQ_POLLIN : 0 },
                };
                LinkEvent e;
                int r;

                if (zmq_poll(items, 3, next_timeout(w)) < 0 && errno != EINTR)
                        return -errno;
                if (items[2].revents)
                        on_signal(w, signal_fd);
                if (items[1].revents && w->busy)
                        finish_job(w);
                if (items[0].revents)
                        on_broker(w);
                take_state(w);
                r = link_tick(w->link, &e);
                if (r < 0)
                        return r;
                on_link_event(w, e);
                r = check_deadline(w);
                if (r < 0)
                        return r;
        }
        return w->abandoned ? -ECANCELED : 0;
}

bool workpeer_busy(const Workpeer *w)
{
        return w->busy;
}
