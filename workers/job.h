/* One page, from the broker's JOB to a stored row: the worker's WorkFn. It
 * checks the payload's hash, looks the page up before any work, runs the
 * image pipeline, stores the page in one transaction (retried while
 * PostgreSQL is away: storeretry.h) and answers; a batch-close record goes
 * from the hash check to closerecord.h. The OCR models and the database
 * connection are made once per worker (job_new()) and reused for every
 * page. */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "settings.h"
#include "workpeer.h"

typedef struct Job Job;

/* Load the OCR models and open the store (which may be down: it connects
 * when the first page needs it). s is borrowed and must outlive the Job.
 * 0, -ENOENT when a model cannot be loaded, or negative errno. Free with
 * job_free(). */
MUST_CHECK int job_new(const Settings *s, Job **ret);
Job *job_free(Job *j);

/* The WorkFn (workpeer.h); userdata is the Job. Runs in the work thread. */
MUST_CHECK int job_run(const WorkJob *wj, void *userdata, WorkOutcome *ret);

/* Pages this worker answered, and of those how many it ran OCR on. */
void job_counts(const Job *j, uint64_t *ret_pages, uint64_t *ret_ocr);
