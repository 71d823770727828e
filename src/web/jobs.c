/* jobs.c: background jobs with progress (jobs.h).
 *
 * A fixed table of JOBS_MAX slots under one mutex. A slot is free, running, or finished (kept for
 * its result until JOBS_KEEP_SECONDS have passed, or until its slot is needed by a new job: the
 * oldest finished job goes first). Each job runs on a detached thread that opens its own
 * database connection. Ids are random 52-bit numbers (exact in JSON), so one account's job
 * number says nothing of another's; the owner check is what protects them. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "web/jobs.h"

typedef enum { SLOT_FREE = 0, SLOT_RUNNING, SLOT_FINISHED } slot_state_t;

struct job {
	slot_state_t slot;
	int64_t id;
	int64_t owner; /* account id */
	char kind[32];
	actor_t actor;
	job_fn_t fn;
	void *arg;
	void (*arg_free)(void *);
	int64_t done, total;
	int64_t started, finished;
	int rc;
	json_t *result;
	err_t err;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static job_t table[JOBS_MAX];
static int running;

static void *job_main(void *p)
{
	job_t *j = p;
	db_t *db = NULL;
	err_t err = { 0 };
	json_t *result = NULL;
	int rc = db_open(g_config.db, &db, &err);
	if (rc == 0)
		rc = j->fn(j, db, &j->actor, j->arg, &result, &err);
	if (db)
		db_close(db);
	if (j->arg_free)
		j->arg_free(j->arg);
	pthread_mutex_lock(&lock);
	j->rc = rc < 0 ? rc : 0;
	j->err = err;
	j->result = result;
	j->finished = clock_now();
	j->slot = SLOT_FINISHED;
	j->arg = NULL;
	running--;
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		log_warn("job %lld (%s) failed: %s %s", (long long)j->id, j->kind, err.key ? err.key : "",
		         err.detail);
	return NULL;
}

/* A slot for a new job: a free one, else the oldest finished one, else an expired one. Locked. */
static job_t *take_slot(void)
{
	job_t *oldest = NULL;
	int64_t now = clock_now();
	for (size_t i = 0; i < JOBS_MAX; i++) {
		job_t *j = &table[i];
		if (j->slot == SLOT_FINISHED && now - j->finished > JOBS_KEEP_SECONDS) {
			json_decref(j->result);
			memset(j, 0, sizeof *j);
		}
		if (j->slot == SLOT_FREE)
			return j;
		if (j->slot == SLOT_FINISHED && (!oldest || j->finished < oldest->finished))
			oldest = j;
	}
	if (oldest) {
		json_decref(oldest->result);
		memset(oldest, 0, sizeof *oldest);
	}
	return oldest;
}

int jobs_start(const actor_t *actor, const char *kind, job_fn_t fn, void *arg, void (*arg_free)(void *),
               int64_t *id, err_t *err)
{
	pthread_mutex_lock(&lock);
	job_t *j = running < JOBS_RUNNING_MAX ? take_slot() : NULL;
	if (!j) {
		pthread_mutex_unlock(&lock);
		if (arg_free)
			arg_free(arg);
		return err_set(err, ERR_BUSY, "err.jobs.busy", NULL);
	}
	j->slot = SLOT_RUNNING;
	do
		j->id = (int64_t)(((uint64_t)randombytes_random() << 20 ^ randombytes_random()) &
		                  ((1ULL << 52) - 1));
	while (j->id == 0);
	j->owner = actor->account_id;
	snprintf(j->kind, sizeof j->kind, "%s", kind);
	j->actor = *actor;
	j->fn = fn;
	j->arg = arg;
	j->arg_free = arg_free;
	j->started = clock_now();
	running++;
	*id = j->id;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		memset(j, 0, sizeof *j);
		running--;
		pthread_mutex_unlock(&lock);
		if (arg_free)
			arg_free(arg);
		return err_set(err, ERR_BUSY, "err.jobs.busy", "pthread_create: %d", rc);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

void job_progress(job_t *job, int64_t done, int64_t total)
{
	pthread_mutex_lock(&lock);
	job->done = done;
	job->total = total;
	pthread_mutex_unlock(&lock);
}

int jobs_view(int64_t id, const actor_t *actor, job_view_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; id != 0 && actor && i < JOBS_MAX; i++) {
		job_t *j = &table[i];
		if (j->slot == SLOT_FREE || j->id != id || j->owner != actor->account_id)
			continue;
		memcpy(out->kind, j->kind, sizeof out->kind);
		out->done = j->done;
		out->total = j->total;
		out->started = j->started;
		out->finished = j->finished;
		if (j->slot == SLOT_RUNNING) {
			out->state = JOB_RUNNING;
		} else {
			out->state = j->rc < 0 ? JOB_FAILED : JOB_DONE;
			out->err = j->err;
			if (j->result)
				out->result = json_deep_copy(j->result);
		}
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	return err_set(err, ERR_NOTFOUND, "err.jobs.notfound", NULL);
}

int jobs_drain(int wait_ms)
{
	int n = 0;
	for (int waited = 0;; waited += 10) {
		pthread_mutex_lock(&lock);
		n = running;
		pthread_mutex_unlock(&lock);
		if (n == 0 || waited >= wait_ms)
			return n;
		usleep(10000);
	}
}
