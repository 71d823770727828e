/* sqlite.c: the SQLite backend of db.h, the embedded default.
 *
 * A connection runs in WAL mode with foreign keys on, a 5 s busy timeout and synchronous=NORMAL
 * (durable against a process crash; a power cut may lose the last transactions, not corrupt).
 * It is opened in multi-thread mode: one thread at a time per connection, as db.h requires.
 *
 * Statements are prepared once and kept in a per-connection hash table keyed by SQL text. A
 * cached statement is lent to one user at a time; asking for it again while it is lent (a loop
 * that runs the same query inside itself) gets a fresh, uncached statement that db_done()
 * finalises. Transactions start with BEGIN IMMEDIATE, taking the write lock up front: a read
 * transaction upgraded to a write can fail with SQLITE_BUSY whatever the busy timeout.
 *
 * Write transactions of one process go through one shared connection per database file (the
 * writer), taken in turn under a mutex (the writer gate): db_begin locks the gate and, until
 * commit or rollback, the thread's statements run on the writer. Two reasons, both measured at
 * the lending desk (bench/lending.sh): SQLite's own wait for a busy lock is a sleep of 1, 2, 5,
 * 10 ... 25 ms between tries, so two worker threads writing at once spent most of their time
 * asleep, and a loan that takes a fraction of a millisecond took tens; and a connection that sees
 * another connection's write drops its whole page cache at its next transaction, so writers
 * taking turns on two connections re-read every page they touched, each time. One writer keeps
 * its cache. The gate waits at most the busy timeout, then answers ERR_BUSY as SQLite would;
 * other processes on the same file still meet SQLite's lock. The writer is opened on the first
 * write and closed with the last connection of its file. Statements must be done before the
 * transaction ends (the writer is serialised by SQLite's own mutex, so a stray one is not a data
 * race, but it would see the next thread's transaction).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "db/db_impl.h"

#define SQ_BUSY_TIMEOUT_MS 5000

typedef struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
	/* Cache bookkeeping: key, chain, whether it lives in the cache and whether it is lent. */
	char *sql;
	uint64_t hash;
	struct sq_stmt *next;
	bool cached, busy;
	bool started;         /* stepped since the last reset */
	bool finished;        /* returned DB_DONE: stays done (SQLite would start over) */
	int64_t total_before; /* sqlite3_total_changes64 when the first step began */
	int bind_rc;          /* first failed bind, reported by the next step */
	char bind_msg[96];
} sq_stmt_t;

struct sq_gate;

typedef struct sq_db {
	struct db base;
	sqlite3 *h;
	sq_stmt_t **buckets; /* nbuckets is a power of two */
	size_t nbuckets, count;
	struct sq_gate *gate; /* NULL for an in-memory or temporary database, and for the writer */
	struct sq_db *active; /* where statements run: this connection, or the writer in a transaction */
} sq_db_t;

/* The writer gate of one database file (see the top of this file), shared by its connections. */
typedef struct sq_gate {
	char path[512];
	pthread_mutex_t mu; /* held for the whole of a write transaction */
	sq_db_t *writer;    /* opened on the first write */
	int users;          /* open connections of the file; the last one out closes the writer */
	struct sq_gate *next;

	/* The checkpointer (see ckpt_main): started with the writer. */
	pthread_t ckpt;
	bool ckpt_on, ckpt_quit;
	int ckpt_state; /* CK_IDLE, CK_COPYING or CK_CATCHUP */
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
} sq_gate_t;

/* WAL pages after which the checkpointer copies the log into the database: SQLite's default
 * for its automatic checkpoint. */
#define SQ_CHECKPOINT_PAGES 1000

static pthread_mutex_t gates_mu = PTHREAD_MUTEX_INITIALIZER;
static sq_gate_t *gates;

/* Join the gate of the file h has open as "main" (created on first use), or NULL. */
static sq_gate_t *gate_join(sqlite3 *h)
{
	const char *path = sqlite3_db_filename(h, "main");
	if (!path || !*path || strlen(path) >= sizeof ((sq_gate_t *)0)->path)
		return NULL;
	pthread_mutex_lock(&gates_mu);
	sq_gate_t *g = gates;
	while (g && strcmp(g->path, path) != 0)
		g = g->next;
	if (!g && (g = calloc(1, sizeof *g))) {
		snprintf(g->path, sizeof g->path, "%s", path);
		pthread_mutex_init(&g->mu, NULL);
		pthread_mutex_init(&g->ckpt_mu, NULL);
		pthread_cond_init(&g->ckpt_cv, NULL);
		g->next = gates;
		gates = g;
	}
	if (g)
		g->users++;
	pthread_mutex_unlock(&gates_mu);
	return g;
}

static void sq_close(db_t *db);
static int set_wal(sqlite3 *h);

/* Leave the gate: the last connection of the file closes the writer, and the gate goes. */
static void gate_part(sq_gate_t *g)
{
	pthread_mutex_lock(&gates_mu);
	if (--g->users > 0) {
		pthread_mutex_unlock(&gates_mu);
		return;
	}
	for (sq_gate_t **p = &gates; *p; p = &(*p)->next)
		if (*p == g) {
			*p = g->next;
			break;
		}
	pthread_mutex_unlock(&gates_mu);
	if (g->ckpt_on) {
		pthread_mutex_lock(&g->ckpt_mu);
		g->ckpt_quit = true;
		pthread_cond_signal(&g->ckpt_cv);
		pthread_mutex_unlock(&g->ckpt_mu);
		pthread_join(g->ckpt, NULL);
	}
	if (g->writer)
		sq_close(&g->writer->base);
	pthread_mutex_destroy(&g->mu);
	pthread_mutex_destroy(&g->ckpt_mu);
	pthread_cond_destroy(&g->ckpt_cv);
	free(g);
}

/* The checkpointer. SQLite checkpoints a WAL database in the connection whose commit takes the
 * log past its limit, after the commit: on the writer, inside the gate, so every thread waiting
 * to write waited for the checkpoint and its two fsyncs too (the 99th percentile of a stocktake
 * scan, a one-row transaction, was 17 ms against a median of 0.6 ms; without checkpoints, 2 ms).
 * Here the writer's automatic checkpoint is off and its WAL hook, after each commit, drives
 * three states:
 *
 *   CK_IDLE     past SQ_CHECKPOINT_PAGES, the hook wakes this thread: CK_COPYING;
 *   CK_COPYING  the thread checkpoints (PASSIVE) on a connection of its own, outside the gate:
 *               it copies the bulk of the log into the database while writers go on; then
 *               CK_CATCHUP;
 *   CK_CATCHUP  at the next commit the writer itself copies what was written meanwhile (a few
 *               pages) before anyone writes again: the log can start over from its beginning
 *               only after a checkpoint that copied all of it, and the gate is the one place
 *               where no write comes between (or the thread does it at once when nobody is
 *               writing, so a burst's tail does not wait for the next write). Then CK_IDLE.
 *
 * A writer that never pauses would let the log grow while the thread copies, so past four times
 * the limit the hook waits for the copy to end. */
enum { CK_IDLE, CK_COPYING, CK_CATCHUP };

/* Copy the rest of the log now if nobody is writing (the end of a burst, whose tail would
 * otherwise wait for the next write), else leave it to the writer's next commit; look again
 * every 50 ms until one of the two has done it. */
static void catch_up(sq_gate_t *g, sqlite3 *h)
{
	for (;;) {
		if (pthread_mutex_trylock(&g->mu) == 0) {
			/* the gate held, the state can change only here; a writer may have caught up already */
			pthread_mutex_lock(&g->ckpt_mu);
			bool behind = g->ckpt_state == CK_CATCHUP;
			pthread_mutex_unlock(&g->ckpt_mu);
			if (behind)
				sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			pthread_mutex_lock(&g->ckpt_mu);
			if (behind)
				g->ckpt_state = CK_IDLE;
			pthread_mutex_unlock(&g->ckpt_mu);
			pthread_mutex_unlock(&g->mu);
			return;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 50 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&g->ckpt_mu);
		while (g->ckpt_state == CK_CATCHUP && !g->ckpt_quit &&
		       pthread_cond_timedwait(&g->ckpt_cv, &g->ckpt_mu, &until) != ETIMEDOUT)
			;
		bool behind = g->ckpt_state == CK_CATCHUP && !g->ckpt_quit;
		pthread_mutex_unlock(&g->ckpt_mu);
		if (!behind)
			return;
	}
}

static void *ckpt_main(void *arg)
{
	sq_gate_t *g = arg;
	sqlite3 *h = NULL;
	pthread_mutex_lock(&g->ckpt_mu);
	for (;;) {
		while (g->ckpt_state != CK_COPYING && !g->ckpt_quit)
			pthread_cond_wait(&g->ckpt_cv, &g->ckpt_mu);
		if (g->ckpt_quit)
			break;
		pthread_mutex_unlock(&g->ckpt_mu);
		/* set_wal() also opens the log: a connection that has not read the database yet does not
		 * know it has one, and its checkpoint would do nothing */
		if (!h && (sqlite3_open_v2(g->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
		           set_wal(h) != SQLITE_OK)) {
			sqlite3_close(h);
			h = NULL;
		}
		if (h)
			sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&g->ckpt_mu);
		g->ckpt_state = CK_CATCHUP; /* even after a failure: the writer's own checkpoint follows */
		pthread_cond_broadcast(&g->ckpt_cv);
		pthread_mutex_unlock(&g->ckpt_mu);
		if (h)
			catch_up(g, h);
		pthread_mutex_lock(&g->ckpt_mu);
	}
	pthread_mutex_unlock(&g->ckpt_mu);
	sqlite3_close(h);
	return NULL;
}

static int ckpt_hook(void *arg, sqlite3 *h, const char *db, int pages)
{
	sq_gate_t *g = arg;
	pthread_mutex_lock(&g->ckpt_mu);
	if (g->ckpt_state == CK_COPYING && pages >= 4 * SQ_CHECKPOINT_PAGES)
		while (g->ckpt_state == CK_COPYING)
			pthread_cond_wait(&g->ckpt_cv, &g->ckpt_mu);
	int state = g->ckpt_state;
	if (state == CK_IDLE && pages >= SQ_CHECKPOINT_PAGES) {
		g->ckpt_state = CK_COPYING;
		pthread_cond_broadcast(&g->ckpt_cv);
	}
	pthread_mutex_unlock(&g->ckpt_mu);
	if (state == CK_CATCHUP) {
		sqlite3_wal_checkpoint_v2(h, db, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&g->ckpt_mu);
		g->ckpt_state = CK_IDLE;
		pthread_cond_broadcast(&g->ckpt_cv);
		pthread_mutex_unlock(&g->ckpt_mu);
	}
	return SQLITE_OK;
}

/* Hand the writer's checkpoints to the checkpointer; when no thread can be started the writer
 * keeps SQLite's automatic checkpoint. */
static void ckpt_start(sq_gate_t *g)
{
	if (g->ckpt_on || pthread_create(&g->ckpt, NULL, ckpt_main, g) != 0)
		return;
	g->ckpt_on = true;
	sqlite3_wal_hook(g->writer->h, ckpt_hook, g);
}

/* End the turn on the writer (after its COMMIT or ROLLBACK). */
static void gate_leave(sq_db_t *c)
{
	if (c->active != c) {
		c->active = c;
		pthread_mutex_unlock(&c->gate->mu);
	}
}

static const struct db_ops sq_ops;

/* Map an SQLite result code (extended codes are on) to ERR_*, with the connection's message. */
static int sq_fail(sqlite3 *h, int rc, err_t *err)
{
	int code;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		code = ERR_CONFLICT;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = ERR_BUSY;
		break;
	default:
		code = ERR_INTERNAL;
		break;
	}
	return db_fail(err, code, "%s", h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

/* True when nothing but whitespace, semicolons and comments follows a statement: SQLite's
 * prepare stops after the first statement, and silently dropping the rest would hide a bug. */
static bool only_trailer(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			p = strchr(p, '\n');
			if (!p)
				return true;
		} else if (p[0] == '/' && p[1] == '*') {
			p = strstr(p + 2, "*/");
			if (!p)
				return true;
			p += 2;
		} else {
			return *p == '\0';
		}
	}
}

static void sq_close(db_t *db)
{
	sq_db_t *c = (sq_db_t *)db;
	if (c->active && c->active != c) { /* closed inside a transaction: undo it */
		sqlite3_exec(c->active->h, "ROLLBACK", NULL, NULL, NULL);
		gate_leave(c);
	}
	if (c->gate)
		gate_part(c->gate);
	gate_leave(c); /* closed with a transaction open: SQLite rolls it back */
	for (size_t i = 0; i < c->nbuckets; i++) {
		sq_stmt_t *s = c->buckets[i];
		while (s) {
			sq_stmt_t *next = s->next;
			sqlite3_finalize(s->st);
			free(s->sql);
			free(s);
			s = next;
		}
	}
	free(c->buckets);
	/* close_v2: an uncached statement the caller never released does not keep the file open
	 * past the last finalize (and LeakSanitizer still reports it). */
	sqlite3_close_v2(c->h);
	free(c);
}

/* Switch to WAL, which is persistent in the file. The switch needs an exclusive lock, and when
 * new connections race to make it on a fresh file SQLite answers SQLITE_BUSY at once, without
 * the busy handler (two readers each waiting to write would deadlock): so wait here, as long as
 * the busy timeout. journal_mode answers with the mode it got; an in-memory database stays
 * "memory", which is fine. A file that is not a database fails here. */
static int set_wal(sqlite3 *h)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		int primary = rc & 0xff;
		if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || waited >= SQ_BUSY_TIMEOUT_MS)
			return rc;
		sqlite3_sleep(10);
	}
}

/* Open a connection; the writer of a gate (writer) is serialised by SQLite's mutex and joins no
 * gate itself. */
static int sq_open(const char *path, bool writer, sq_db_t **out, err_t *err)
{
	*out = NULL;
	sq_db_t *c = calloc(1, sizeof *c);
	if (!c)
		return err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "out of memory");
	c->base.ops = &sq_ops;
	c->active = c;
	c->nbuckets = 64;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->buckets) {
		free(c);
		return err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "out of memory");
	}

	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
	            (writer ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX);
	int rc = sqlite3_open_v2(path, &c->h, flags, NULL);
	if (rc != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "%.100s: %s", path,
		        c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, SQ_BUSY_TIMEOUT_MS);
	rc = set_wal(c->h);
	if (rc == SQLITE_OK)
		/* Reads through a memory map (up to 1 GiB of the file: address space, not memory) and a
		 * 16 MiB page cache: a search over a large catalogue reads thousands of pages, and
		 * copying each through read() cost a third of its time. */
		rc = sqlite3_exec(c->h,
		                  "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
		                  "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;",
		                  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "%.100s: %s", path, sqlite3_errmsg(c->h));
		goto fail;
	}
	if (!writer)
		c->gate = gate_join(c->h);
	*out = c;
	return 0;

fail:
	sq_close(&c->base);
	return err ? err->code : ERR_INTERNAL;
}

int db_sqlite_open(const char *path, db_t **out, err_t *err)
{
	sq_db_t *c;
	int rc = sq_open(path, false, &c, err);
	*out = rc == 0 ? &c->base : NULL;
	return rc;
}

static int sq_exec_script(db_t *db, const char *sql, err_t *err)
{
	sq_db_t *c = ((sq_db_t *)db)->active;
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(c->h, rc, err);
}

static void cache_grow(sq_db_t *c)
{
	size_t n = c->nbuckets * 2;
	sq_stmt_t **b = calloc(n, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++) {
		sq_stmt_t *s = c->buckets[i];
		while (s) {
			sq_stmt_t *next = s->next;
			s->next = b[s->hash & (n - 1)];
			b[s->hash & (n - 1)] = s;
			s = next;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

static db_stmt_t *sq_prepare(db_t *db, const char *sql, err_t *err)
{
	sq_db_t *c = ((sq_db_t *)db)->active;
	uint64_t hash = db_hash(sql);
	bool found_busy = false;
	for (sq_stmt_t *s = c->buckets[hash & (c->nbuckets - 1)]; s; s = s->next) {
		if (s->hash != hash || strcmp(s->sql, sql) != 0)
			continue;
		if (!s->busy) {
			s->busy = true;
			s->base.db = db; /* the writer's statements serve every connection of the file */
			return &s->base;
		}
		found_busy = true;
		break;
	}

	bool cache = !found_busy && c->count < DB_CACHE_MAX;
	sq_stmt_t *s = calloc(1, sizeof *s);
	if (!s) {
		db_fail(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->base.db = db;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(c->h, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &s->st, &tail);
	if (rc != SQLITE_OK) {
		sq_fail(c->h, rc, err);
		goto fail;
	}
	if (!s->st) {
		db_fail(err, ERR_INTERNAL, "empty SQL statement");
		goto fail;
	}
	if (tail && !only_trailer(tail)) {
		db_fail(err, ERR_INTERNAL, "several statements in one; use db_exec_script: %.80s", sql);
		goto fail;
	}
	s->busy = true;
	if (cache) {
		s->sql = strdup(sql);
		if (!s->sql)
			return &s->base; /* fine uncached */
		s->hash = hash;
		s->cached = true;
		if (c->count >= c->nbuckets)
			cache_grow(c);
		sq_stmt_t **head = &c->buckets[hash & (c->nbuckets - 1)];
		s->next = *head;
		*head = s;
		c->count++;
	}
	return &s->base;

fail:
	sqlite3_finalize(s->st);
	free(s);
	return NULL;
}

static int sq_param_count(db_stmt_t *st)
{
	return sqlite3_bind_parameter_count(((sq_stmt_t *)st)->st);
}

static void note_bind(sq_stmt_t *s, int rc, int idx)
{
	if (rc != SQLITE_OK && !s->bind_rc) {
		s->bind_rc = rc;
		snprintf(s->bind_msg, sizeof s->bind_msg, "binding parameter %d: %s", idx,
		         sqlite3_errstr(rc));
	}
}

static void sq_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	note_bind(s, sqlite3_bind_int64(s->st, idx, v), idx);
}

static void sq_bind_text(db_stmt_t *st, int idx, const char *v)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	int rc = v ? sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, idx);
	note_bind(s, rc, idx);
}

static void sq_bind_null(db_stmt_t *st, int idx)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	note_bind(s, sqlite3_bind_null(s->st, idx), idx);
}

static int sq_step(db_stmt_t *st, err_t *err)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	sqlite3 *h = sqlite3_db_handle(s->st);
	if (s->bind_rc)
		return db_fail(err, ERR_INTERNAL, "%s", s->bind_msg);
	if (s->finished)
		return DB_DONE;
	if (!s->started) {
		s->started = true;
		s->total_before = sqlite3_total_changes64(h);
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		s->finished = true;
		return DB_DONE;
	}
	return sq_fail(h, rc, err);
}

/* sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE even after other kinds of
 * statement; the total only moves when rows change, so it tells whether this one changed any. */
static int64_t sq_changes(db_stmt_t *st)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	sqlite3 *h = sqlite3_db_handle(s->st);
	if (!s->started || sqlite3_total_changes64(h) == s->total_before)
		return 0;
	return sqlite3_changes64(h);
}

static int sq_col_count(db_stmt_t *st)
{
	return sqlite3_column_count(((sq_stmt_t *)st)->st);
}

/* SQLite leaves reading a column off the current row undefined: check here. data_count is 0
 * unless the statement is on a row. */
static bool on_row(sq_stmt_t *s, int col)
{
	return col >= 0 && col < sqlite3_data_count(s->st);
}

static int64_t sq_col_int(db_stmt_t *st, int col)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	return on_row(s, col) ? sqlite3_column_int64(s->st, col) : 0;
}

static const char *sq_col_text(db_stmt_t *st, int col)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	return on_row(s, col) ? (const char *)sqlite3_column_text(s->st, col) : NULL;
}

static bool sq_col_null(db_stmt_t *st, int col)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	return !on_row(s, col) || sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static const char *sq_col_name(db_stmt_t *st, int col)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	if (col < 0 || col >= sqlite3_column_count(s->st))
		return NULL;
	return sqlite3_column_name(s->st, col);
}

static void sq_done(db_stmt_t *st)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	if (!s->cached) {
		sqlite3_finalize(s->st);
		free(s);
		return;
	}
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->busy = false;
	s->started = false;
	s->finished = false;
	s->bind_rc = 0;
}

/* Run a statement without rows from the statement cache: BEGIN and COMMIT, thousands of times a
 * second at the desk, are parsed once. */
static int sq_run_cached(db_t *db, const char *sql, err_t *err)
{
	db_stmt_t *st = sq_prepare(db, sql, err);
	if (!st)
		return err->code;
	int rc = sq_step(st, err);
	sq_done(st);
	return rc < 0 ? rc : 0;
}

static int sq_begin(db_t *db, err_t *err)
{
	sq_db_t *c = (sq_db_t *)db;
	if (c->gate) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SQ_BUSY_TIMEOUT_MS / 1000;
		int rc = pthread_mutex_timedlock(&c->gate->mu, &until);
		if (rc == ETIMEDOUT)
			return err_set(err, ERR_BUSY, DB_KEY_BUSY, "waited %d ms for the write lock",
			               SQ_BUSY_TIMEOUT_MS);
		if (rc != 0)
			return err_set(err, ERR_INTERNAL, DB_KEY_INTERNAL, "writer gate: %s", strerror(rc));
		if (!c->gate->writer) {
			if ((rc = sq_open(c->gate->path, true, &c->gate->writer, err)) < 0) {
				pthread_mutex_unlock(&c->gate->mu);
				return rc;
			}
			ckpt_start(c->gate);
		}
		c->active = c->gate->writer;
	}
	int rc = sq_run_cached(db, "BEGIN IMMEDIATE", err);
	if (rc < 0)
		gate_leave(c);
	return rc;
}

static void sq_rollback(db_t *db)
{
	sq_db_t *c = (sq_db_t *)db;
	/* Fails harmlessly when SQLite already rolled back on its own (after an I/O error). */
	sqlite3_exec(c->active->h, "ROLLBACK", NULL, NULL, NULL);
	gate_leave(c);
}

static int sq_commit(db_t *db, err_t *err)
{
	int rc = sq_run_cached(db, "COMMIT", err);
	if (rc < 0)
		sq_rollback(db);
	else
		gate_leave((sq_db_t *)db);
	return rc;
}

static const struct db_ops sq_ops = {
	.name = "sqlite",
	.kind = DB_SQLITE,
	.close = sq_close,
	.exec_script = sq_exec_script,
	.prepare = sq_prepare,
	.param_count = sq_param_count,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.changes = sq_changes,
	.col_count = sq_col_count,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_null = sq_col_null,
	.col_name = sq_col_name,
	.done = sq_done,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
};
