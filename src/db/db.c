/* db.c: the backend-independent half of the database layer (db.h).
 *
 * db_open() reads the URL and hands it to the SQLite or PostgreSQL backend; everything else checks
 * its arguments, does what both backends do alike (binding from a type string, running a
 * statement to the end, the transaction flag) and calls through the backend's ops table
 * (db_impl.h). Nothing here knows a dialect.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "db/db.h"
#include "db/db_impl.h"

int db_fail(err_t *err, int code, const char *fmt, ...)
{
	const char *key;
	switch (code) {
	case ERR_CONFLICT:
		key = DB_KEY_CONFLICT;
		break;
	case ERR_BUSY:
		key = DB_KEY_BUSY;
		break;
	case ERR_NOTFOUND:
		key = DB_KEY_NOTFOUND;
		break;
	default:
		key = DB_KEY_INTERNAL;
		break;
	}
	if (!err)
		return code;
	char detail[sizeof err->detail] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
	}
	return err_set(err, code, key, "%s", detail);
}

uint64_t db_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

/* Does url start with prefix, ignoring ASCII case? */
static bool has_prefix(const char *url, const char *prefix)
{
	return strncasecmp(url, prefix, strlen(prefix)) == 0;
}

/* Does s start with a URL scheme and "://" (so it is not a file name)? */
static bool has_scheme(const char *s)
{
	const char *p = s;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '-' || *p == '.')
		p++;
	return strncmp(p, "://", 3) == 0;
}

/* `sqlite:PATH` (and `sqlite://PATH`) names a file; a bare path too. `file:` URIs go to SQLite
 * whole, which parses them (file:/abs/path, file:rel?mode=ro). Any other scheme is refused rather
 * than created as an oddly named file. */
int db_open(const char *url, db_t **out, err_t *err)
{
	if (out)
		*out = NULL;
	if (!out)
		return err_set(err, ERR_INTERNAL, DB_KEY_INTERNAL, "db_open: out is NULL");
	if (!url || !*url)
		return err_set(err, ERR_INVALID, DB_KEY_URL, "no database URL given");

	if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
		return db_pg_open(url, out, err);
	if (has_prefix(url, "file:"))
		return db_sqlite_open(url, out, err);

	const char *path = url;
	if (has_prefix(url, "sqlite:")) {
		path = url + strlen("sqlite:");
		if (strncmp(path, "//", 2) == 0)
			path += 2;
	} else if (has_scheme(url)) {
		/* Only the scheme goes in the message: the rest may hold a password. */
		return err_set(err, ERR_INVALID, DB_KEY_URL,
		               "unsupported database URL scheme %.*s (want a path, sqlite:PATH or "
		               "postgresql://)",
		               (int)(strstr(url, "://") - url), url);
	}
	if (!*path)
		return err_set(err, ERR_INVALID, DB_KEY_URL, "empty SQLite path in %.120s", url);
	return db_sqlite_open(path, out, err);
}

void db_close(db_t *db)
{
	if (!db)
		return;
	db->ops->close(db);
}

db_kind_t db_kind(const db_t *db)
{
	return db ? db->ops->kind : 0;
}

const char *db_kind_name(const db_t *db)
{
	return db ? db->ops->name : "none";
}

int db_exec_script(db_t *db, const char *sql, err_t *err)
{
	if (!db || !sql)
		return db_fail(err, ERR_INTERNAL, "db_exec_script: NULL argument");
	return db->ops->exec_script(db, sql, err);
}

db_stmt_t *db_prepare(db_t *db, const char *sql, err_t *err)
{
	if (!db || !sql) {
		db_fail(err, ERR_INTERNAL, "db_prepare: NULL argument");
		return NULL;
	}
	return db->ops->prepare(db, sql, err);
}

void db_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	if (st)
		st->db->ops->bind_int(st, idx, v);
}

void db_bind_text(db_stmt_t *st, int idx, const char *s)
{
	if (st)
		st->db->ops->bind_text(st, idx, s);
}

void db_bind_null(db_stmt_t *st, int idx)
{
	if (st)
		st->db->ops->bind_null(st, idx);
}

int db_step(db_stmt_t *st, err_t *err)
{
	if (!st)
		return db_fail(err, ERR_INTERNAL, "db_step: NULL statement");
	return st->db->ops->step(st, err);
}

int db_col_count(db_stmt_t *st)
{
	return st ? st->db->ops->col_count(st) : 0;
}

int64_t db_col_int(db_stmt_t *st, int col)
{
	return st ? st->db->ops->col_int(st, col) : 0;
}

const char *db_col_text(db_stmt_t *st, int col)
{
	return st ? st->db->ops->col_text(st, col) : NULL;
}

bool db_col_null(db_stmt_t *st, int col)
{
	return st ? st->db->ops->col_null(st, col) : true;
}

const char *db_col_name(db_stmt_t *st, int col)
{
	return st ? st->db->ops->col_name(st, col) : NULL;
}

void db_done(db_stmt_t *st)
{
	if (st)
		st->db->ops->done(st);
}

/* Bind the arguments described by types (db.h: i s n b, one letter per `?`). The number of
 * letters must equal the statement's placeholders: a mismatch is a bug caught here rather than
 * a silently NULL parameter. */
static int bind_va(db_stmt_t *st, const char *types, va_list ap, err_t *err)
{
	const db_t *db = st->db;
	int n = types ? (int)strlen(types) : 0;
	int want = db->ops->param_count(st);
	if (n != want)
		return db_fail(err, ERR_INTERNAL, "%d parameters given (\"%s\"), statement has %d", n,
		               types ? types : "", want);
	for (int i = 0; i < n; i++) {
		switch (types[i]) {
		case 'i':
			db->ops->bind_int(st, i + 1, va_arg(ap, int64_t));
			break;
		case 's':
			db->ops->bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'n':
			db->ops->bind_null(st, i + 1);
			break;
		case 'b':
			db->ops->bind_int(st, i + 1, va_arg(ap, int) != 0);
			break;
		default:
			return db_fail(err, ERR_INTERNAL, "unknown parameter type '%c' in \"%s\"", types[i],
			               types);
		}
	}
	return 0;
}

/* Prepare and bind; on success *out is the statement, else NULL and the error code returned. */
static int query_va(db_t *db, err_t *err, const char *sql, const char *types, va_list ap, db_stmt_t **out)
{
	*out = NULL;
	if (!db || !sql)
		return db_fail(err, ERR_INTERNAL, "NULL connection or SQL");
	/* Backends fill err on failure; a local one keeps the code when the caller passed none. */
	err_t local;
	if (!err)
		err = &local;
	err_clear(err);
	db_stmt_t *st = db->ops->prepare(db, sql, err);
	if (!st)
		return err->code ? err->code : ERR_INTERNAL;
	int rc = bind_va(st, types, ap, err);
	if (rc < 0) {
		db->ops->done(st);
		return rc;
	}
	*out = st;
	return 0;
}

db_stmt_t *db_query(db_t *db, err_t *err, const char *sql, const char *types, ...)
{
	va_list ap;
	db_stmt_t *st;
	va_start(ap, types);
	query_va(db, err, sql, types, ap, &st);
	va_end(ap);
	return st;
}

int db_exec(db_t *db, err_t *err, const char *sql, const char *types, ...)
{
	va_list ap;
	db_stmt_t *st;
	va_start(ap, types);
	int rc = query_va(db, err, sql, types, ap, &st);
	va_end(ap);
	if (rc < 0)
		return rc;

	while ((rc = db->ops->step(st, err)) == DB_ROW)
		;
	if (rc == DB_DONE) {
		int64_t n = db->ops->changes(st);
		rc = n > INT32_MAX ? INT32_MAX : (int)n;
	}
	db_done(st);
	return rc;
}

/* The first row's first column as an integer: db_insert_id and db_query_int. The statement is
 * not stepped past the first row: both backends have made every change by then (SQLite runs an
 * INSERT ... RETURNING whole on the first step; PostgreSQL's result is complete). */
static int first_int_va(db_t *db, int64_t *out, err_t *err, const char *sql, const char *types, va_list ap)
{
	db_stmt_t *st;
	int rc = query_va(db, err, sql, types, ap, &st);
	if (rc < 0)
		return rc;
	rc = db->ops->step(st, err);
	if (rc == DB_ROW) {
		if (out)
			*out = db->ops->col_int(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = db_fail(err, ERR_NOTFOUND, "no row");
	}
	db_done(st);
	return rc;
}

int db_insert_id(db_t *db, int64_t *id, err_t *err, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = first_int_va(db, id, err, sql, types, ap);
	va_end(ap);
	return rc;
}

int db_query_int(db_t *db, int64_t *out, err_t *err, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = first_int_va(db, out, err, sql, types, ap);
	va_end(ap);
	return rc;
}

int db_begin(db_t *db, err_t *err)
{
	if (!db)
		return db_fail(err, ERR_INTERNAL, "db_begin: NULL connection");
	if (db->in_tx)
		return db_fail(err, ERR_INTERNAL, "db_begin: a transaction is already open");
	int rc = db->ops->begin(db, err);
	if (rc == 0)
		db->in_tx = true;
	return rc;
}

int db_commit(db_t *db, err_t *err)
{
	if (!db)
		return db_fail(err, ERR_INTERNAL, "db_commit: NULL connection");
	if (!db->in_tx)
		return db_fail(err, ERR_INTERNAL, "db_commit: no transaction is open");
	int rc = db->ops->commit(db, err);
	db->in_tx = false;
	return rc;
}

void db_rollback(db_t *db)
{
	if (!db || !db->in_tx)
		return;
	db->ops->rollback(db);
	db->in_tx = false;
}

bool db_in_transaction(const db_t *db)
{
	return db && db->in_tx;
}

int db_begin_own(db_t *db, int *own, err_t *err)
{
	*own = 0;
	if (db_in_transaction(db))
		return 0;
	int rc = db_begin(db, err);
	*own = rc == 0;
	return rc;
}

int db_end_own(db_t *db, int own, int rc, err_t *err)
{
	if (own) {
		if (rc == 0)
			rc = db_commit(db, err);
		if (rc < 0)
			db_rollback(db);
	}
	return rc;
}

db_stmt_t *db_prepare_in(db_t *db, arena_t *a, const char *prefix, size_t slots, const char *suffix,
                         const int64_t *ids, size_t n, err_t *err)
{
	buf_t b = BUF_INIT;
	buf_puts(&b, prefix);
	for (size_t i = 0; i < slots; i++)
		buf_puts(&b, i ? ", ?" : "?");
	buf_puts(&b, suffix);
	db_stmt_t *st = db_prepare(db, arena_strdup(a, buf_str(&b)), err);
	buf_release(&b);
	for (size_t i = 0; st && i < slots; i++)
		db_bind_int(st, (int)i + 1, i < n ? ids[i] : 0);
	return st;
}
