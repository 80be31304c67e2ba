/* The database watch: one store connection that only says whether the
 * database answers. A change is logged once and handed to the worker peer. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "dbwatch.h"
#include "log.h"
#include "store.h"

struct Dbwatch {
        Store *store;
        Workpeer *peer;
        uint64_t interval_ms;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stop;
        int last; /* 1 reachable, 0 not, -1 not checked yet */
};

static void dbwatch_check(Dbwatch *d)
{
        char line[200];
        int r = store_ping(d->store);

        store_last_error_line(d->store, line, sizeof(line));
        if (r < 0 && d->last != 0)
                log_warning("database unreachable: %s: taking no pages until it is back", line);
        else if (r >= 0 && d->last == 0)
                log_notice("database reachable again: taking pages");
        d->last = r >= 0;
        workpeer_set_database(d->peer, r >= 0, line);
}

static void *dbwatch_thread(void *userdata)
{
        Dbwatch *d = userdata;

        pthread_mutex_lock(&d->lock);
        while (!d->stop) {
                struct timespec until;

                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += (time_t) (d->interval_ms / 1000);
                until.tv_nsec += (long) (d->interval_ms % 1000) * 1000000;
                if (until.tv_nsec >= 1000000000) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000;
                }
                (void) pthread_cond_timedwait(&d->wake, &d->lock, &until);
                if (d->stop)
                        break;
                pthread_mutex_unlock(&d->lock);
                dbwatch_check(d);
                pthread_mutex_lock(&d->lock);
        }
        pthread_mutex_unlock(&d->lock);
        return NULL;
}

int dbwatch_new(const Settings *s, Workpeer *w, Dbwatch **ret)
{
        StoreConfig sc = { .conninfo = s->database,
                           .application_name = "sohoa-worker-watch",
                           .connect_later = true };
        Dbwatch *d;
        int r;

        *ret = NULL;
        if (s->database_check_ms == 0)
                return 0;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->peer = w;
        d->interval_ms = s->database_check_ms;
        d->last = -1;
        pthread_mutex_init(&d->lock, NULL);
        pthread_cond_init(&d->wake, NULL);
        r = store_new(&sc, &d->store);
        if (r < 0)
                goto fail;
        dbwatch_check(d);
        r = -pthread_create(&d->thread, NULL, dbwatch_thread, d);
        if (r < 0)
                goto fail;
        d->started = true;
        *ret = d;
        return 0;
fail:
        dbwatch_free(d);
        return r;
}

Dbwatch *dbwatch_free(Dbwatch *d)
{
        if (!d)
                return NULL;
        if (d->started) {
                pthread_mutex_lock(&d->lock);
                d->stop = true;
                pthread_cond_signal(&d->wake);
                pthread_mutex_unlock(&d->lock);
                pthread_join(d->thread, NULL);
        }
        store_free(d->store);
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
}
