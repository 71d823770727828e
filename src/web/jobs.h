/* jobs.h: work that outlasts a request, with its progress shown in the page.
 *
 * A long import (thousands of MARC records) takes seconds; a librarian should see it advance, not
 * a browser spinning. A handler starts a job and answers at once with the job's page, which
 * refreshes itself (a <meta refresh>: no JavaScript needed) until the job is done:
 *
 *     int64_t id;
 *     if (jobs_start(r->actor, "import", run_import, arg, free_arg, &id, &err) < 0)
 *             return web_fail(r, &err);
 *     ... 303 to /jobs/<id>
 *
 * The work runs on a thread of its own with a database connection of its own (opened from
 * g_config.db and closed when it ends), calls job_progress() as it goes, and returns a JSON
 * object for the page. A job is seen only by the account that started it; others get "not
 * found". Jobs are kept in memory: a finished job's result stays for JOBS_KEEP_SECONDS, and a
 * server that stops waits for running jobs (up to a bound) — an import interrupted by a stop
 * is rolled back whole by its transaction, never half-written.
 */
#ifndef THUVIEN_WEB_JOBS_H
#define THUVIEN_WEB_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/err.h"
#include "db/db.h"

#define JOBS_MAX          64   /* jobs held at once, running or finished */
#define JOBS_RUNNING_MAX  4    /* running at once; past it jobs_start answers ERR_BUSY */
#define JOBS_KEEP_SECONDS 3600 /* a finished job's result is kept this long */

typedef struct job job_t;

/* The work of a job. Runs on its own thread; db is its own connection; actor is a copy of the
 * account that started it. Returns 0 and *result (a JSON object the job then owns), or a negative
 * ERR_* with err set (and optionally *result: details for the page, such as the failing record). */
typedef int (*job_fn_t)(job_t *job, db_t *db, const actor_t *actor, void *arg, json_t **result, err_t *err);

/* Start fn(arg) as a job of the actor's; *id receives its number. arg_free (may be NULL) is
 * called on arg when the job ends, or at once when the job cannot start. ERR_BUSY (err.jobs.busy)
 * when JOBS_RUNNING_MAX jobs are running or the table is full of running jobs. */
int jobs_start(const actor_t *actor, const char *kind, job_fn_t fn, void *arg, void (*arg_free)(void *),
               int64_t *id, err_t *err);

/* Called by the work: done of total steps so far. */
void job_progress(job_t *job, int64_t done, int64_t total);

typedef enum { JOB_RUNNING = 0, JOB_DONE = 1, JOB_FAILED = 2 } job_state_t;

typedef struct job_view {
	char kind[32];
	job_state_t state;
	int64_t done, total;
	int64_t started, finished; /* UTC seconds; finished 0 while running */
	json_t *result;            /* a new reference (json_decref it), or NULL */
	err_t err;                 /* when JOB_FAILED */
} job_view_t;

/* What job id looks like now, when the actor started it; ERR_NOTFOUND (err.jobs.notfound)
 * otherwise. */
int jobs_view(int64_t id, const actor_t *actor, job_view_t *out, err_t *err);

/* Wait up to wait_ms for running jobs to end (server stop). Returns the number still running. */
int jobs_drain(int wait_ms);

#endif
