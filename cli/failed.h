/* sohoactl failed: list and show (failed.c), retry (failedretry.c). */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct FailedArgs {
        const char *conninfo;
        const char *endpoint;
        const char *spool;
        const char *limit; /* decimal, checked */
        unsigned timeout_s;
        bool json;
        bool all;
} FailedArgs;

bool failed_uuid_ok(const char *s);

/* Sends the pages ids[0..n) (or, with a->all, every failed page up to
 * a->limit) through the broker again with Page.reprocess, waits for their
 * outcome and prints it. Returns the exit status. */
int failedretry_run(PGconn *c, const FailedArgs *a, char **ids, size_t n);
