/* pg.c: the PostgreSQL backend of db.h, through libpq.
 *
 * SQL arrives with `?` placeholders and is rewritten to $1..$n (string literals, quoted
 * identifiers, comments and dollar quotes are left alone), prepared once per connection under a
 * generated name and cached by its original text. Parameters go as text with no declared type,
 * so the server infers each from its context (write CAST(? AS BIGINT) where it cannot, e.g.
 * `? IS NULL`). Results come back whole: the first db_step() runs the statement and later ones
 * walk the PGresult, so a statement can be run again while an outer one is still being read, at
 * the price of holding the whole result in memory (page big lists with LIMIT).
 *
 * Differences from SQLite a caller should know:
 * - After any error inside a transaction PostgreSQL refuses everything but ROLLBACK; we remember
 *   the first error and db_commit() returns it (having rolled back).
 * - Transactions are READ COMMITTED: a SELECT then an UPDATE based on it can lose a concurrent
 *   change. Write state changes as `UPDATE ... SET n = n + 1` or `UPDATE ... WHERE state = ?`
 *   and check the row count, which is right on both backends.
 * - A lost connection fails the statement that finds it; the next use outside a transaction
 *   tries PQreset once (re-running the session settings; statements are prepared again).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "db/db_impl.h"

#define PG_BOOLOID 16 /* the type of `x = y`, EXISTS(...): read as 1/0 like SQLite */

/* Session settings, run on connect and after every reset. */
#define PG_SESSION_SQL "SET client_min_messages = warning; SET TimeZone = 'UTC'"

typedef struct pg_entry pg_entry_t;

typedef struct pg_stmt {
	struct db_stmt base;
	pg_entry_t *e;
	bool cached;     /* e's own statement, returned to it by done() */
	bool owns_entry; /* a one-off past the cache limit: done() frees e too */
	char **vals;     /* e->nparams bound values in text form, malloc'd; NULL binds NULL */
	PGresult *res;   /* set by the first step() */
	int row, nrows;  /* row is the current row, -1 before the first */
	int bind_err;
	char bind_msg[80];
} pg_stmt_t;

/* One SQL text: its rewritten form, the server-side statement and the statement object lent to
 * callers. A statement prepared in an earlier connection generation (before a reset) is gone
 * from the server and is prepared again on its next use. */
struct pg_entry {
	char *sql;  /* as the caller wrote it: the cache key */
	char *text; /* with $1..$n */
	uint64_t hash;
	int nparams;
	char name[24]; /* "" for a one-off, run with PQexecParams */
	unsigned gen;
	bool busy; /* own is lent */
	pg_stmt_t own;
	pg_entry_t *next;
};

typedef struct pg_db {
	struct db base;
	PGconn *conn;
	pg_entry_t **buckets; /* nbuckets is a power of two */
	size_t nbuckets, count;
	unsigned gen; /* bumped by each successful PQreset */
	unsigned next_name;
	int tx_error;        /* first error inside the open transaction, 0 if none */
	char tx_detail[200]; /* its message, for db_commit() */
} pg_db_t;

static const struct db_ops pg_ops;

/* ---- errors ---------------------------------------------------------------------------- */

static int classify(const char *state)
{
	if (!state)
		return ERR_INTERNAL;
	if (strncmp(state, "23", 2) == 0) /* integrity constraint violation */
		return ERR_CONFLICT;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
		return ERR_BUSY; /* serialization failure, deadlock, lock not available */
	return ERR_INTERNAL;
}

/* Report a failed result (or, when res is NULL, the connection's error), remembering it when a
 * transaction is open since the transaction is now aborted. */
static int pg_fail(pg_db_t *c, const PGresult *res, err_t *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(c->conn);
	if (!msg || !*msg)
		msg = "unknown PostgreSQL error";
	char detail[200];
	snprintf(detail, sizeof detail, "%s", msg);
	size_t n = strlen(detail);
	while (n > 0 && (detail[n - 1] == '\n' || detail[n - 1] == ' '))
		detail[--n] = '\0';

	int code = classify(state);
	if (c->base.in_tx && !c->tx_error) {
		c->tx_error = code;
		snprintf(c->tx_detail, sizeof c->tx_detail, "%s", detail);
	}
	return db_fail(err, code, "%s [%s]", detail, state ? state : "no SQLSTATE");
}

/* A command's result: 0 when it succeeded, else the error (and res is cleared either way). */
static int pg_check(pg_db_t *c, PGresult *res, err_t *err)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
		rc = pg_fail(c, res, err);
	PQclear(res);
	return rc;
}

/* ---- connection -------------------------------------------------------------------------- */

static int pg_session(pg_db_t *c, err_t *err)
{
	if (PQsetClientEncoding(c->conn, "UTF8") != 0)
		return pg_fail(c, NULL, err);
	return pg_check(c, PQexec(c->conn, PG_SESSION_SQL), err);
}

/* Make sure the connection is up before using it. A connection lost inside a transaction is
 * not reset (the transaction is gone; statements must not run outside it unnoticed): it stays
 * an error until db_rollback(). */
static int pg_ensure(pg_db_t *c, err_t *err)
{
	if (PQstatus(c->conn) == CONNECTION_OK)
		return 0;
	if (c->base.in_tx)
		return db_fail(err, ERR_INTERNAL, "connection to PostgreSQL lost in a transaction");
	PQreset(c->conn);
	if (PQstatus(c->conn) != CONNECTION_OK)
		return pg_fail(c, NULL, err);
	c->gen++;
	return pg_session(c, err);
}

static void entry_free(pg_entry_t *e)
{
	free(e->own.vals);
	free(e->sql);
	free(e->text);
	free(e);
}

static void stmt_clear(pg_stmt_t *s)
{
	for (int i = 0; i < s->e->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
	}
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	s->bind_err = 0;
}

static void pg_close(db_t *db)
{
	pg_db_t *c = (pg_db_t *)db;
	for (size_t i = 0; i < c->nbuckets; i++) {
		pg_entry_t *e = c->buckets[i];
		while (e) {
			pg_entry_t *next = e->next;
			stmt_clear(&e->own);
			entry_free(e);
			e = next;
		}
	}
	free(c->buckets);
	PQfinish(c->conn);
	free(c);
}

/* Defaults come before the URL in the keyword list so the URL can override them. */
int db_pg_open(const char *url, db_t **out, err_t *err)
{
	*out = NULL;
	pg_db_t *c = calloc(1, sizeof *c);
	if (!c)
		return err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "out of memory");
	c->base.ops = &pg_ops;
	c->nbuckets = 64;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->buckets) {
		free(c);
		return err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "out of memory");
	}

	const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
	const char *vals[] = { "thuvien", "10", url, NULL };
	c->conn = PQconnectdbParams(keys, vals, 1);
	if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s", c->conn ? PQerrorMessage(c->conn) : "out of memory");
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		err_set(err, ERR_INTERNAL, DB_KEY_OPEN, "PostgreSQL: %s", msg);
		goto fail;
	}
	if (pg_session(c, err) < 0) {
		if (err)
			err->key = DB_KEY_OPEN;
		goto fail;
	}
	*out = &c->base;
	return 0;

fail:
	pg_close(&c->base);
	return err ? err->code : ERR_INTERNAL;
}

static int pg_exec_script(db_t *db, const char *sql, err_t *err)
{
	pg_db_t *c = (pg_db_t *)db;
	int rc = pg_ensure(c, err);
	if (rc < 0)
		return rc;
	return pg_check(c, PQexec(c->conn, sql), err);
}

/* ---- statements -------------------------------------------------------------------------- */

static bool ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* Copy sql to out with each `?` outside literals, quoted identifiers, comments and dollar
 * quotes turned into $1, $2, ...; returns how many. An unterminated quote or comment runs to the
 * end (the server reports it). Doubled quotes ('it''s', "a""b") need no care: they read as two
 * quoted runs back to back. */
static int rewrite(const char *sql, buf_t *out)
{
	int n = 0;
	const char *p = sql;
	while (*p) {
		const char *q = p + 1;
		bool at_word_start = p == sql || !ident_char(p[-1]);
		if (*p == '\'') {
			/* E'...' strings take backslash escapes. */
			bool esc =
			    p > sql && (p[-1] == 'E' || p[-1] == 'e') && (p - 1 == sql || !ident_char(p[-2]));
			while (*q && *q != '\'') {
				if (esc && *q == '\\' && q[1])
					q++;
				q++;
			}
			if (*q)
				q++;
		} else if (*p == '"') {
			while (*q && *q != '"')
				q++;
			if (*q)
				q++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*q && *q != '\n')
				q++;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 1;
			q = p + 2;
			while (*q && depth > 0) {
				if (q[0] == '/' && q[1] == '*') {
					depth++;
					q += 2;
				} else if (q[0] == '*' && q[1] == '/') {
					depth--;
					q += 2;
				} else {
					q++;
				}
			}
		} else if (*p == '$' && at_word_start && !(p[1] >= '0' && p[1] <= '9')) {
			/* $tag$ ... $tag$ (tag may be empty); $1 is a parameter, not a quote. */
			while (*q && *q != '$' && ident_char(*q))
				q++;
			if (*q == '$') {
				size_t taglen = (size_t)(q - p) + 1;
				char tag[64];
				if (taglen < sizeof tag) {
					memcpy(tag, p, taglen);
					tag[taglen] = '\0';
					const char *end = strstr(q + 1, tag);
					q = end ? end + taglen : q + strlen(q);
				} else {
					q++;
				}
			} else {
				q = p + 1;
			}
		} else if (*p == '?') {
			buf_printf(out, "$%d", ++n);
			p++;
			continue;
		}
		buf_append(out, p, (size_t)(q - p));
		p = q;
	}
	return n;
}

static pg_entry_t *entry_new(pg_db_t *c, const char *sql, uint64_t hash)
{
	pg_entry_t *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	buf_t b = BUF_INIT;
	e->nparams = rewrite(sql, &b);
	e->text = buf_detach(&b, NULL);
	e->sql = strdup(sql);
	e->own.vals = calloc((size_t)e->nparams + 1, sizeof *e->own.vals);
	if (!e->text || !e->sql || !e->own.vals) {
		entry_free(e);
		return NULL;
	}
	e->hash = hash;
	e->own.base.db = &c->base;
	e->own.e = e;
	e->own.cached = true;
	e->own.row = -1;
	return e;
}

/* Prepare e on the server under its name for the current connection generation. */
static int entry_prepare(pg_db_t *c, pg_entry_t *e, err_t *err)
{
	if (!e->name[0])
		snprintf(e->name, sizeof e->name, "thuvien_%u", ++c->next_name);
	int rc = pg_check(c, PQprepare(c->conn, e->name, e->text, e->nparams, NULL), err);
	if (rc == 0)
		e->gen = c->gen;
	return rc;
}

static pg_stmt_t *stmt_new(pg_db_t *c, pg_entry_t *e)
{
	pg_stmt_t *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->vals = calloc((size_t)e->nparams + 1, sizeof *s->vals);
	if (!s->vals) {
		free(s);
		return NULL;
	}
	s->base.db = &c->base;
	s->e = e;
	s->row = -1;
	return s;
}

static db_stmt_t *pg_prepare(db_t *db, const char *sql, err_t *err)
{
	pg_db_t *c = (pg_db_t *)db;
	if (pg_ensure(c, err) < 0)
		return NULL;
	uint64_t hash = db_hash(sql);
	pg_entry_t *e = c->buckets[hash & (c->nbuckets - 1)];
	while (e && (e->hash != hash || strcmp(e->sql, sql) != 0))
		e = e->next;

	if (e) {
		if (e->gen != c->gen && entry_prepare(c, e, err) < 0)
			return NULL;
		if (!e->busy) {
			e->busy = true;
			return &e->own.base;
		}
		/* Lent: a second statement object on the same server-side statement. */
		pg_stmt_t *s = stmt_new(c, e);
		if (!s)
			db_fail(err, ERR_INTERNAL, "out of memory");
		return s ? &s->base : NULL;
	}

	e = entry_new(c, sql, hash);
	if (!e) {
		db_fail(err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (c->count >= DB_CACHE_MAX) {
		/* One-off: unnamed, run with PQexecParams, so SQL errors show at the first step. */
		pg_stmt_t *s = stmt_new(c, e);
		if (!s) {
			entry_free(e);
			db_fail(err, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		s->owns_entry = true;
		return &s->base;
	}
	if (entry_prepare(c, e, err) < 0) {
		entry_free(e);
		return NULL;
	}
	if (c->count >= c->nbuckets) {
		size_t n = c->nbuckets * 2;
		pg_entry_t **nb = calloc(n, sizeof *nb);
		if (nb) {
			for (size_t i = 0; i < c->nbuckets; i++) {
				for (pg_entry_t *x = c->buckets[i], *next; x; x = next) {
					next = x->next;
					x->next = nb[x->hash & (n - 1)];
					nb[x->hash & (n - 1)] = x;
				}
			}
			free(c->buckets);
			c->buckets = nb;
			c->nbuckets = n;
		}
	}
	pg_entry_t **head = &c->buckets[hash & (c->nbuckets - 1)];
	e->next = *head;
	*head = e;
	c->count++;
	e->busy = true;
	return &e->own.base;
}

static int pg_param_count(db_stmt_t *st)
{
	return ((pg_stmt_t *)st)->e->nparams;
}

/* Store v (already a malloc'd copy, or NULL for SQL NULL) as parameter idx. */
static void set_param(pg_stmt_t *s, int idx, char *v, bool want_value)
{
	if (idx < 1 || idx > s->e->nparams) {
		free(v);
		if (!s->bind_err) {
			s->bind_err = 1;
			snprintf(s->bind_msg, sizeof s->bind_msg,
			         "parameter %d out of range (statement has %d)", idx, s->e->nparams);
		}
		return;
	}
	if (want_value && !v && !s->bind_err) {
		s->bind_err = 1;
		snprintf(s->bind_msg, sizeof s->bind_msg, "out of memory binding parameter %d", idx);
	}
	free(s->vals[idx - 1]);
	s->vals[idx - 1] = v;
}

static void pg_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	char num[24];
	snprintf(num, sizeof num, "%" PRId64, v);
	set_param((pg_stmt_t *)st, idx, strdup(num), true);
}

static void pg_bind_text(db_stmt_t *st, int idx, const char *v)
{
	set_param((pg_stmt_t *)st, idx, v ? strdup(v) : NULL, v != NULL);
}

static void pg_bind_null(db_stmt_t *st, int idx)
{
	set_param((pg_stmt_t *)st, idx, NULL, false);
}

static int pg_step(db_stmt_t *st, err_t *err)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	pg_db_t *c = (pg_db_t *)st->db;
	if (s->bind_err)
		return db_fail(err, ERR_INTERNAL, "%s", s->bind_msg);
	if (!s->res) {
		pg_entry_t *e = s->e;
		int rc = pg_ensure(c, err);
		if (rc < 0)
			return rc;
		if (e->name[0] && e->gen != c->gen && (rc = entry_prepare(c, e, err)) < 0)
			return rc;
		const char *const *vals = (const char *const *)s->vals;
		PGresult *res = e->name[0]
		                    ? PQexecPrepared(c->conn, e->name, e->nparams, vals, NULL, NULL, 0)
		                    : PQexecParams(c->conn, e->text, e->nparams, NULL, vals, NULL, NULL, 0);
		ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
			rc = pg_fail(c, res, err);
			PQclear(res);
			return rc;
		}
		s->res = res;
		s->row = -1;
		s->nrows = PQntuples(res);
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	s->row = s->nrows;
	return DB_DONE;
}

/* PQcmdTuples also counts a SELECT's rows; db.h counts only rows changed. */
static int64_t pg_changes(db_stmt_t *st)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!s->res)
		return 0;
	const char *tag = PQcmdStatus(s->res);
	if (strncmp(tag, "INSERT ", 7) && strncmp(tag, "UPDATE ", 7) && strncmp(tag, "DELETE ", 7) &&
	    strncmp(tag, "MERGE ", 6))
		return 0;
	return strtoll(PQcmdTuples(s->res), NULL, 10);
}

static int pg_col_count(db_stmt_t *st)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return s->res ? PQnfields(s->res) : 0;
}

static bool on_row(const pg_stmt_t *s, int col)
{
	return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

static const char *pg_col_text(db_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!on_row(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == PG_BOOLOID)
		return v[0] == 't' ? "1" : "0";
	return v;
}

static int64_t pg_col_int(db_stmt_t *st, int col)
{
	const char *v = pg_col_text(st, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

static bool pg_col_null(db_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return !on_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static const char *pg_col_name(db_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!s->res || col < 0 || col >= PQnfields(s->res))
		return NULL;
	return PQfname(s->res, col);
}

static void pg_done(db_stmt_t *st)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	stmt_clear(s);
	if (s->cached) {
		s->e->busy = false;
		return;
	}
	if (s->owns_entry)
		entry_free(s->e);
	free(s->vals);
	free(s);
}

/* ---- transactions ------------------------------------------------------------------------ */

static int pg_begin(db_t *db, err_t *err)
{
	pg_db_t *c = (pg_db_t *)db;
	int rc = pg_ensure(c, err);
	if (rc < 0)
		return rc;
	c->tx_error = 0;
	return pg_check(c, PQexec(c->conn, "BEGIN"), err);
}

static void pg_rollback(db_t *db)
{
	pg_db_t *c = (pg_db_t *)db;
	if (PQstatus(c->conn) == CONNECTION_OK)
		PQclear(PQexec(c->conn, "ROLLBACK"));
	c->tx_error = 0;
}

/* COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK; report the error that
 * aborted it instead. */
static int pg_commit(db_t *db, err_t *err)
{
	pg_db_t *c = (pg_db_t *)db;
	if (c->tx_error) {
		int code = c->tx_error;
		char detail[sizeof c->tx_detail];
		memcpy(detail, c->tx_detail, sizeof detail);
		pg_rollback(db);
		return db_fail(err, code, "transaction rolled back after an error: %s", detail);
	}
	PGresult *res = PQexec(c->conn, "COMMIT");
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;
	if (st != PGRES_COMMAND_OK) {
		rc = pg_fail(c, res, err);
		pg_rollback(db); /* normally a no-op: a failed COMMIT ends the transaction */
	} else if (!strcmp(PQcmdStatus(res), "ROLLBACK")) {
		rc = db_fail(err, ERR_INTERNAL, "transaction was rolled back by the server");
	}
	PQclear(res);
	c->tx_error = 0;
	return rc;
}

static const struct db_ops pg_ops = {
	.name = "postgresql",
	.kind = DB_POSTGRES,
	.close = pg_close,
	.exec_script = pg_exec_script,
	.prepare = pg_prepare,
	.param_count = pg_param_count,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.changes = pg_changes,
	.col_count = pg_col_count,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_null = pg_col_null,
	.col_name = pg_col_name,
	.done = pg_done,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
};
