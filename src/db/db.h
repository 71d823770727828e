/* db.h: the database layer. One small interface, two backends: SQLite (the embedded default)
 * and PostgreSQL through libpq (a `postgresql://` or `postgres://` URL).
 *
 * SQL is written once, in the common subset of both dialects, with `?` placeholders; the
 * PostgreSQL backend rewrites them to $1, $2, ... when it prepares. Parameters are always bound;
 * no function here builds SQL from values.
 *
 * A db_t is one connection and is used by one thread at a time (the server keeps one per worker
 * thread). Statements are prepared once per connection and cached by their SQL text, so the SQL
 * passed to db_prepare()/db_query()/db_exec() should be a string literal.
 *
 *     db_stmt_t *st = db_query(db, &err, "SELECT id, name FROM units WHERE parent_id = ?",
 *                              "i", parent);
 *     while (st && db_step(st, &err) == DB_ROW)
 *             printf("%lld %s\n", (long long)db_col_int(st, 0), db_col_text(st, 1));
 *     db_done(st);
 *
 * Type strings for the variadic binders: one letter per `?`:
 *     i  int64_t          s  const char * (NULL binds SQL NULL)
 *     n  SQL NULL (no argument consumed)
 *     b  int (0/1) bound as an integer
 * Results: integers and text; booleans are integers 0/1; times are int64 UTC seconds; money is
 * int64 đồng.
 *
 * Errors: functions return 0/DB_ROW/DB_DONE or a negative ERR_* code (err.h) and fill err:
 * a UNIQUE/FOREIGN KEY/CHECK violation gives ERR_CONFLICT (detail: the database's message),
 * a busy database ERR_BUSY, anything else ERR_INTERNAL.
 */
#ifndef THUVIEN_DB_DB_H
#define THUVIEN_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_kind_t;

enum { DB_ROW = 1, DB_DONE = 2 };

/* Open a connection. url: a file path (or `sqlite:PATH`, or `file:PATH`) for SQLite, which is
 * created when missing; `postgresql://...` / `postgres://...` for PostgreSQL. SQLite connections
 * run in WAL mode with foreign keys on, a busy timeout, synchronous=NORMAL. Does not migrate. */
int db_open(const char *url, db_t **out, err_t *err);
void db_close(db_t *db); /* finalises cached statements; NULL is fine */
db_kind_t db_kind(const db_t *db);
const char *db_kind_name(const db_t *db); /* "sqlite" or "postgresql" */

/* Run a script of several statements with no parameters (migrations, pragmas). */
int db_exec_script(db_t *db, const char *sql, err_t *err);

/* Prepare (or fetch from the cache) and bind; the statement is ready for db_step().
 * Returns NULL on error (err filled). Release with db_done(), which resets it for reuse. */
db_stmt_t *db_query(db_t *db, err_t *err, const char *sql, const char *types, ...);

/* Run a statement that returns no rows (or whose rows are ignored). Returns the number of rows
 * changed (>= 0) or a negative ERR_* code. */
int db_exec(db_t *db, err_t *err, const char *sql, const char *types, ...);

/* Run `INSERT ... RETURNING id` (or any statement whose first row's first column is an integer)
 * and store that integer in *id. Returns 0, ERR_NOTFOUND when there is no row, or an error. */
int db_insert_id(db_t *db, int64_t *id, err_t *err, const char *sql, const char *types, ...);

/* One integer from the first row's first column (COUNT(*), a flag). ERR_NOTFOUND when no row. */
int db_query_int(db_t *db, int64_t *out, err_t *err, const char *sql, const char *types, ...);

/* Lower-level: prepare from the cache without binding; bind by 1-based index. */
db_stmt_t *db_prepare(db_t *db, const char *sql, err_t *err);
void db_bind_int(db_stmt_t *st, int idx, int64_t v);
/* "prefix ?, ?, ... suffix" with slots places, prepared from the cache, ids[0..n) bound to the
 * first n places and 0 (no row) to the rest: an IN list of a few fixed sizes (a page of 20, a
 * batch of 100), so the cache holds few shapes. The text is kept in arena a. */
struct arena;
db_stmt_t *db_prepare_in(db_t *db, struct arena *a, const char *prefix, size_t slots, const char *suffix,
                         const int64_t *ids, size_t n, err_t *err);
void db_bind_text(db_stmt_t *st, int idx, const char *s); /* copied; NULL binds NULL */
void db_bind_null(db_stmt_t *st, int idx);

/* Advance: DB_ROW when a row is ready, DB_DONE at the end, negative ERR_* on error. */
int db_step(db_stmt_t *st, err_t *err);
int db_col_count(db_stmt_t *st);
int64_t db_col_int(db_stmt_t *st, int col);      /* 0 for NULL */
const char *db_col_text(db_stmt_t *st, int col); /* NULL for NULL; valid until the next step */
bool db_col_null(db_stmt_t *st, int col);
const char *db_col_name(db_stmt_t *st, int col);
void db_done(db_stmt_t *st); /* reset, clear bindings, back to the cache; NULL ok */

/* Transactions. db_begin takes the write lock at once (SQLite: BEGIN IMMEDIATE), so a write
 * transaction never fails half-way with a busy error. Nested calls are an error. */
int db_begin(db_t *db, err_t *err);
int db_commit(db_t *db, err_t *err);
void db_rollback(db_t *db); /* safe to call when no transaction is open */
bool db_in_transaction(const db_t *db);

/* Join the transaction already open on db, or begin one; *own says which (1: this call began it
 * and db_end_own must end it). For domain functions that run alone or inside a caller's
 * transaction. */
int db_begin_own(db_t *db, int *own, err_t *err);

/* End what db_begin_own began: when own, commit if rc is 0, roll back otherwise. Returns rc, or
 * the commit's error. A joined transaction is left to its owner. */
int db_end_own(db_t *db, int own, int rc, err_t *err);

/* Migrations (db/migrate.c). Applies every migration newer than the database's version, each in
 * its own transaction, and records it in schema_migrations. Safe to run concurrently from two
 * processes. *applied (may be NULL) receives how many ran. */
int db_migrate(db_t *db, int *applied, err_t *err);
/* The newest migration version compiled in, and the database's current version (0 if none). */
int db_migration_latest(void);
int db_schema_version(db_t *db, int *version, err_t *err);

#endif
