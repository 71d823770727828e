/* db_impl.h: what db.c shares with the two backends (sqlite.c, pg.c); private to src/db.
 *
 * A backend's connection struct starts with a struct db, and its statement struct with a struct
 * db_stmt, so db.c holds base pointers and calls through the ops table; the backend casts back.
 * db.c owns what is the same for both: URL dispatch, the variadic binders, argument checks and
 * the transaction flag. A backend owns its statement cache and its error mapping.
 */
#ifndef THUVIEN_DB_DB_IMPL_H
#define THUVIEN_DB_DB_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "db/db.h"

/* The i18n keys of the errors the db layer reports. */
#define DB_KEY_CONFLICT "err.db.conflict"
#define DB_KEY_BUSY     "err.db.busy"
#define DB_KEY_INTERNAL "err.db.internal"
#define DB_KEY_NOTFOUND "err.db.notfound"
#define DB_KEY_URL      "err.db.url"  /* the URL names no database we can open */
#define DB_KEY_OPEN     "err.db.open" /* the database would not open or connect */

/* Statements with this many distinct SQL texts are cached per connection; past it (SQL built at
 * run time, a bug) statements are prepared uncached, so memory stays bounded. */
#define DB_CACHE_MAX 1024

/* Every function gets non-NULL arguments: db.c checks for NULL before calling. */
struct db_ops {
	const char *name; /* "sqlite" / "postgresql" */
	db_kind_t kind;
	void (*close)(db_t *db);
	int (*exec_script)(db_t *db, const char *sql, err_t *err);
	/* A statement ready to bind and step, marked in use until done(); NULL and err filled on
	 * error (including malformed SQL: both backends parse at prepare time). */
	db_stmt_t *(*prepare)(db_t *db, const char *sql, err_t *err);
	int (*param_count)(db_stmt_t *st);
	/* Binding errors (index out of range) are kept and reported by the next step(). */
	void (*bind_int)(db_stmt_t *st, int idx, int64_t v);
	void (*bind_text)(db_stmt_t *st, int idx, const char *s);
	void (*bind_null)(db_stmt_t *st, int idx);
	int (*step)(db_stmt_t *st, err_t *err);
	/* Rows inserted, updated or deleted by the statement, once step() returned DB_DONE;
	 * 0 for anything else (a SELECT, DDL). */
	int64_t (*changes)(db_stmt_t *st);
	/* Columns are valid after the first step(); out-of-range indexes give 0/NULL. */
	int (*col_count)(db_stmt_t *st);
	int64_t (*col_int)(db_stmt_t *st, int col);
	const char *(*col_text)(db_stmt_t *st, int col);
	bool (*col_null)(db_stmt_t *st, int col);
	const char *(*col_name)(db_stmt_t *st, int col);
	void (*done)(db_stmt_t *st);
	/* db.c keeps the in_tx flag and refuses nesting. commit() leaves no transaction open,
	 * whatever it returns: a failed commit is rolled back. */
	int (*begin)(db_t *db, err_t *err);
	int (*commit)(db_t *db, err_t *err);
	void (*rollback)(db_t *db);
};

struct db {
	const struct db_ops *ops;
	bool in_tx; /* between a successful db_begin and db_commit/db_rollback */
};

struct db_stmt {
	db_t *db;
};

/* The backends' constructors. path is what sqlite3_open_v2 takes (a file name or a `file:` URI);
 * url a libpq connection URI. On error *out is NULL and err filled. */
int db_sqlite_open(const char *path, db_t **out, err_t *err);
int db_pg_open(const char *url, db_t **out, err_t *err);

/* err_set with the key that goes with code (conflict, busy, not found, else internal). */
int db_fail(err_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 64-bit FNV-1a of a NUL-terminated string: the statement caches' hash. */
uint64_t db_hash(const char *s);

#endif
