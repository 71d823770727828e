/* test_db.c: the database layer (src/db) against whichever backend $THUVIEN_TEST_DB names.
 *
 * THUVIEN_TEST_DB must name an empty database given to this program alone (the test migrates
 * it and creates tables of its own): a `postgresql://` URL, or a SQLite path. Unset, the test
 * makes a fresh SQLite file under $TMPDIR and deletes it at the end. The same checks run on both
 * backends, so a difference between them shows up as a failure here; the few PostgreSQL-only
 * checks (a lost connection) are marked.
 *
 *     scripts/pg-cluster.sh start /tmp/pg && url=$(scripts/pg-cluster.sh createdb /tmp/pg t)
 *     THUVIEN_TEST_DB=$url build/tests/test_db
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/assets.h"
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testdb.h"
#include "db/db.h"

static char url[1024];      /* the database under test */
static char race_path[256]; /* a second SQLite file for the concurrent-migration test */
static db_t *db;            /* the main connection, open for every test */

static bool is_pg(void)
{
	return db_kind(db) == DB_POSTGRES;
}

static int64_t count_of(const char *sql)
{
	int64_t n = -1;
	err_t err = { 0 };
	if (db_query_int(db, &n, &err, sql, "") < 0)
		fprintf(stderr, "  count failed: %s\n", err.detail);
	return n;
}

/* A unit row needs code, name, name_fold, kind, created_at; returns its id or -1. */
static int64_t add_unit(const char *code, const char *name, int64_t parent)
{
	int64_t id = -1;
	err_t err = { 0 };
	int rc = parent ? db_insert_id(db, &id, &err,
	                               "INSERT INTO units (parent_id, code, name, name_fold, kind, "
	                               "created_at) VALUES (?, ?, ?, ?, 'school', 0) RETURNING id",
	                               "isss", parent, code, name, code)
	                : db_insert_id(db, &id, &err,
	                               "INSERT INTO units (parent_id, code, name, name_fold, kind, "
	                               "created_at) VALUES (?, ?, ?, ?, 'school', 0) RETURNING id",
	                               "nsss", code, name, code);
	if (rc < 0) {
		fprintf(stderr, "  add_unit %s: %s\n", code, err.detail);
		return -1;
	}
	return id;
}

static void test_open(void)
{
	CHECK(db != NULL);
	if (strncmp(url, "postgres", 8) == 0) {
		CHECK_INT(db_kind(db), DB_POSTGRES);
		CHECK_STR(db_kind_name(db), "postgresql");
	} else {
		CHECK_INT(db_kind(db), DB_SQLITE);
		CHECK_STR(db_kind_name(db), "sqlite");
	}
	CHECK(!db_in_transaction(db));

	/* The session settings db.h promises. */
	err_t err = { 0 };
	const char *sql = is_pg() ? "SELECT current_setting('TimeZone') || ' ' || "
	                            "current_setting('client_min_messages') || ' ' || "
	                            "current_setting('client_encoding')"
	                          : "SELECT journal_mode || ' ' || foreign_keys || ' ' || "
	                            "synchronous || ' ' || timeout FROM pragma_journal_mode, "
	                            "pragma_foreign_keys, pragma_synchronous, pragma_busy_timeout";
	db_stmt_t *st = db_query(db, &err, sql, "");
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK_STR(db_col_text(st, 0), is_pg() ? "UTC warning UTF8" : "wal 1 1 5000");
	db_done(st);
}

static void test_migrate(void)
{
	err_t err = { 0 };
	int version = -1, applied = -1;
	CHECK(db_migration_latest() >= 1);
	CHECK_INT(db_schema_version(db, &version, &err), 0);
	CHECK_INT(version, 0);

	CHECK_INT(db_migrate(db, &applied, &err), 0);
	CHECK(applied >= 1);
	CHECK_INT(db_schema_version(db, &version, &err), 0);
	CHECK_INT(version, db_migration_latest());

	CHECK_INT(db_migrate(db, &applied, &err), 0);
	CHECK_INT(applied, 0);
	CHECK_INT(db_migrate(db, NULL, &err), 0);

	db_stmt_t *st =
	    db_query(db, &err, "SELECT name FROM schema_migrations WHERE version = ?", "i", (int64_t)1);
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK_STR(db_col_text(st, 0), "units_accounts");
	db_done(st);
	CHECK_INT(count_of("SELECT COUNT(*) FROM units"), 0);
}

static void test_roundtrip(void)
{
	err_t err = { 0 };
	const char *name = "Trường THCS Nguyễn Trãi – Đống Đa (Hà Nội) ư ơ ầ ẫ ậ";
	int64_t parent = add_unit("rt-parent", "Phòng GD&ĐT Quận Đống Đa", 0);
	int64_t id = add_unit("rt-1", name, parent);
	CHECK(parent > 0);
	CHECK(id > parent);

	db_stmt_t *st = db_query(db, &err,
	                         "SELECT id, name, parent_id, school_level, active, code FROM units "
	                         "WHERE id = ?",
	                         "i", id);
	CHECK(st != NULL);
	CHECK_INT(db_step(st, &err), DB_ROW);
	CHECK_INT(db_col_count(st), 6);
	CHECK_STR(db_col_name(st, 1), "name");
	CHECK_INT(db_col_int(st, 0), id);
	CHECK_STR(db_col_text(st, 1), name);
	CHECK_INT(db_col_int(st, 2), parent);
	CHECK(db_col_null(st, 3));
	CHECK(db_col_text(st, 3) == NULL);
	CHECK_INT(db_col_int(st, 3), 0);
	CHECK(!db_col_null(st, 4));
	CHECK_INT(db_col_int(st, 4), 1);
	CHECK(db_col_text(st, 9) == NULL); /* out of range: no crash */
	CHECK(db_col_name(st, 9) == NULL);
	CHECK_INT(db_step(st, &err), DB_DONE);
	CHECK_INT(db_step(st, &err), DB_DONE);
	db_done(st);

	/* s with NULL, n, b; and the row count db_exec reports. */
	CHECK_INT(db_exec(db, &err,
	                  "UPDATE units SET school_level = ?, active = ?, path = ? "
	                  "WHERE id = ?",
	                  "sbsi", (const char *)NULL, 0, "/x/", id),
	          1);
	CHECK_INT(db_exec(db, &err, "UPDATE units SET parent_id = ? WHERE id = ?", "ni", id), 1);
	CHECK_INT(db_exec(db, &err, "UPDATE units SET active = ? WHERE code LIKE ?", "bs", 7, "rt-%"), 2);
	CHECK_INT(db_exec(db, &err, "UPDATE units SET active = 1 WHERE id = ?", "i", (int64_t)-5), 0);
	CHECK_INT(db_exec(db, &err, "SELECT id FROM units", ""), 0);
	CHECK_INT(db_exec(db, &err, "CREATE TABLE t_empty (x BIGINT)", ""), 0);

	int64_t v = -1;
	CHECK_INT(db_query_int(db, &v, &err, "SELECT active FROM units WHERE id = ?", "i", id), 0);
	CHECK_INT(v, 1); /* b normalises any non-zero to 1 */
	st = db_query(db, &err, "SELECT parent_id, school_level, path FROM units WHERE id = ?", "i", id);
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK(db_col_null(st, 0));
	CHECK(db_col_null(st, 1));
	CHECK_STR(db_col_text(st, 2), "/x/");
	db_done(st);

	/* An empty string is not NULL. */
	CHECK_INT(db_exec(db, &err, "UPDATE units SET path = ? WHERE id = ?", "si", "", id), 1);
	st = db_query(db, &err, "SELECT path FROM units WHERE id = ?", "i", id);
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK(!db_col_null(st, 0));
	CHECK_STR(db_col_text(st, 0), "");
	db_done(st);

	/* Comparisons read as 1/0 on both backends. */
	st = db_query(db, &err, "SELECT 1 = 1, 1 = 2", "");
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK_INT(db_col_int(st, 0), 1);
	CHECK_STR(db_col_text(st, 0), "1");
	CHECK_STR(db_col_text(st, 1), "0");
	db_done(st);

	/* No row: ERR_NOTFOUND, and *out untouched. */
	v = 42;
	CHECK_INT(db_query_int(db, &v, &err, "SELECT id FROM units WHERE code = ?", "s", "none"),
	          ERR_NOTFOUND);
	CHECK_INT(err.code, ERR_NOTFOUND);
	CHECK_INT(v, 42);
	CHECK_INT(db_insert_id(db, &v, NULL, "SELECT id FROM units WHERE code = ?", "s", "none"),
	          ERR_NOTFOUND);
}

static void test_int64(void)
{
	err_t err = { 0 };
	const int64_t vals[] = { INT64_MIN, INT64_MIN + 1, -1, 0, 1, 2147483648LL, INT64_MAX };
	const int n = (int)(sizeof vals / sizeof vals[0]);
	CHECK_INT(db_exec(db, &err, "CREATE TABLE t_nums (k BIGINT PRIMARY KEY, v BIGINT)", ""), 0);
	for (int i = 0; i < n; i++)
		CHECK_INT(
		    db_exec(db, &err, "INSERT INTO t_nums (k, v) VALUES (?, ?)", "ii", (int64_t)i, vals[i]),
		    1);
	db_stmt_t *st = db_query(db, &err, "SELECT k, v, CAST(v AS TEXT) FROM t_nums ORDER BY k", "");
	int rows = 0;
	while (st && db_step(st, &err) == DB_ROW) {
		int k = (int)db_col_int(st, 0);
		char want[24];
		snprintf(want, sizeof want, "%" PRId64, vals[k]);
		CHECK_INT(db_col_int(st, 1), vals[k]);
		CHECK_STR(db_col_text(st, 2), want);
		rows++;
	}
	db_done(st);
	CHECK_INT(rows, n);

	int64_t v = 0;
	CHECK_INT(db_query_int(db, &v, &err, "SELECT k FROM t_nums WHERE v = ?", "i", INT64_MIN), 0);
	CHECK_INT(v, 0);
	CHECK_INT(db_query_int(db, &v, &err, "SELECT v FROM t_nums WHERE k = ?", "i", (int64_t)6), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT(
	    db_query_int(db, &v, &err, "SELECT COUNT(*) FROM t_nums WHERE v > ?", "i", (int64_t)INT32_MAX),
	    0);
	CHECK_INT(v, 2);
}

/* `?` inside literals, quoted identifiers and comments is text, not a placeholder. */
static void test_placeholder_literal(void)
{
	err_t err = { 0 };
	db_stmt_t *st = db_query(db, &err,
	                         "SELECT 'it''s ?' AS \"what?\", ? AS v, /* ? */ 'a?b' -- ? here\n"
	                         "  , ? AS w",
	                         "ss", "một", "hai");
	CHECK(st != NULL);
	CHECK_INT(db_step(st, &err), DB_ROW);
	CHECK_STR(db_col_text(st, 0), "it's ?");
	CHECK_STR(db_col_name(st, 0), "what?");
	CHECK_STR(db_col_text(st, 1), "một");
	CHECK_STR(db_col_text(st, 2), "a?b");
	CHECK_STR(db_col_text(st, 3), "hai");
	db_done(st);

	int64_t n = 0;
	CHECK_INT(db_query_int(db, &n, &err, "SELECT COUNT(*) FROM units WHERE name = '?' OR code = ?", "s",
	                       "rt-1"),
	          0);
	CHECK_INT(n, 1);

	/* A type string that does not match the placeholders is an error, not a guess. */
	CHECK(db_query(db, &err, "SELECT '?', ?", "ss", "a", "b") == NULL);
	CHECK_INT(err.code, ERR_INTERNAL);
	CHECK(db_query(db, &err, "SELECT ?, ?", "s", "a") == NULL);
	CHECK_INT(err.code, ERR_INTERNAL);

	if (is_pg()) {
		/* PostgreSQL only: E'' escapes and dollar quotes. */
		st = db_query(db, &err, "SELECT E'\\'?', $$ ? $$, $t$?'$t$, ?", "s", "x");
		CHECK(st && db_step(st, &err) == DB_ROW);
		CHECK_STR(db_col_text(st, 0), "'?");
		CHECK_STR(db_col_text(st, 1), " ? ");
		CHECK_STR(db_col_text(st, 2), "?'");
		CHECK_STR(db_col_text(st, 3), "x");
		db_done(st);
	}
}

static void test_conflict(void)
{
	err_t err = { 0 };
	int64_t before = count_of("SELECT COUNT(*) FROM units");
	int64_t id = -1;
	int rc = db_insert_id(db, &id, &err,
	                      "INSERT INTO units (code, name, name_fold, kind, created_at) "
	                      "VALUES (?, ?, ?, 'school', 0) RETURNING id",
	                      "sss", "rt-1", "trùng mã", "trung ma");
	CHECK_INT(rc, ERR_CONFLICT);
	CHECK_INT(err.code, ERR_CONFLICT);
	CHECK_STR(err.key, "err.db.conflict");
	CHECK(err.detail[0] != '\0');
	CHECK_INT(id, -1);
	CHECK_INT(count_of("SELECT COUNT(*) FROM units"), before);

	/* Foreign key, CHECK and NOT NULL violations too. */
	CHECK_INT(
	    db_exec(db, &err, "UPDATE units SET parent_id = ? WHERE code = ?", "is", (int64_t)999999, "rt-1"),
	    ERR_CONFLICT);
	CHECK_INT(db_exec(db, &err, "UPDATE units SET kind = ? WHERE code = ?", "ss", "castle", "rt-1"),
	          ERR_CONFLICT);
	CHECK_INT(
	    db_exec(db, &err, "UPDATE units SET name = ? WHERE code = ?", "ss", (const char *)NULL, "rt-1"),
	    ERR_CONFLICT);
	int64_t parent = -1;
	CHECK_INT(db_query_int(db, &parent, &err, "SELECT parent_id FROM units WHERE code = ?", "s", "rt-1"),
	          0);
	CHECK(parent != 999999);
	CHECK_INT(count_of("SELECT COUNT(*) FROM units WHERE kind = 'castle' OR name IS NULL"), 0);
}

static void test_transaction(void)
{
	err_t err = { 0 };
	int64_t before = count_of("SELECT COUNT(*) FROM units");

	CHECK_INT(db_begin(db, &err), 0);
	CHECK(db_in_transaction(db));
	CHECK(add_unit("tx-1", "Trường tạm", 0) > 0);
	CHECK_INT(count_of("SELECT COUNT(*) FROM units"), before + 1);
	CHECK(db_begin(db, &err) < 0); /* nesting is an error */
	CHECK(db_in_transaction(db));
	db_rollback(db);
	CHECK(!db_in_transaction(db));
	CHECK_INT(count_of("SELECT COUNT(*) FROM units"), before);
	db_rollback(db); /* harmless with nothing open */
	CHECK(db_commit(db, &err) < 0);

	/* An error inside, then rollback: nothing of the transaction stays. */
	CHECK_INT(db_begin(db, &err), 0);
	CHECK(add_unit("tx-2", "Trường tạm 2", 0) > 0);
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO units (code, name, name_fold, kind, created_at) "
	                  "VALUES ('rt-1', 'x', 'x', 'school', 0)",
	                  ""),
	          ERR_CONFLICT);
	db_rollback(db);
	CHECK_INT(count_of("SELECT COUNT(*) FROM units WHERE code = 'tx-2'"), 0);

	/* Commit keeps it. */
	CHECK_INT(db_begin(db, &err), 0);
	CHECK(add_unit("tx-3", "Trường giữ lại", 0) > 0);
	CHECK_INT(db_commit(db, &err), 0);
	CHECK(!db_in_transaction(db));
	CHECK_INT(count_of("SELECT COUNT(*) FROM units"), before + 1);

	if (is_pg()) {
		/* PostgreSQL aborts the whole transaction on an error: commit reports it. */
		CHECK_INT(db_begin(db, &err), 0);
		CHECK(add_unit("tx-4", "Trường 4", 0) > 0);
		CHECK_INT(db_exec(db, &err,
		                  "INSERT INTO units (code, name, name_fold, kind, "
		                  "created_at) VALUES ('rt-1', 'x', 'x', 'school', 0)",
		                  ""),
		          ERR_CONFLICT);
		CHECK_INT(db_exec(db, &err, "SELECT 1", ""), ERR_INTERNAL); /* aborted: refused */
		CHECK_INT(db_commit(db, &err), ERR_CONFLICT);
		CHECK(!db_in_transaction(db));
		CHECK_INT(count_of("SELECT COUNT(*) FROM units WHERE code = 'tx-4'"), 0);
	}
}

static void test_statement_cache(void)
{
	err_t err = { 0 };
	const char *sql = "SELECT v FROM t_nums WHERE k = ?";

	/* Same SQL: the same statement comes back once released. */
	db_stmt_t *a = db_prepare(db, sql, &err);
	CHECK(a != NULL);
	db_done(a);
	db_stmt_t *b = db_prepare(db, sql, &err);
	CHECK(a == b);
	/* ... but not while it is in use. */
	db_stmt_t *c = db_prepare(db, sql, &err);
	CHECK(c != NULL && c != b);
	db_done(c);
	db_done(b);

	int bad = 0;
	for (int i = 0; i < 2000; i++) {
		int64_t v = 0;
		if (db_query_int(db, &v, &err, sql, "i", (int64_t)(i % 7)) < 0)
			bad++;
		else if ((i % 7 == 3 && v != 0) || (i % 7 == 6 && v != INT64_MAX))
			bad++;
	}
	CHECK_INT(bad, 0);

	/* The low-level binders. */
	db_stmt_t *st = db_prepare(db, "SELECT ?, ?, ?", &err);
	db_bind_int(st, 1, -7);
	db_bind_text(st, 2, "chữ");
	db_bind_null(st, 3);
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK_INT(db_col_int(st, 0), -7);
	CHECK_STR(db_col_text(st, 1), "chữ");
	CHECK(db_col_null(st, 2));
	db_done(st);
	/* Bindings are cleared by db_done. */
	st = db_prepare(db, "SELECT ?, ?, ?", &err);
	CHECK(st && db_step(st, &err) == DB_ROW);
	CHECK(db_col_null(st, 0) && db_col_null(st, 1) && db_col_null(st, 2));
	db_done(st);
	/* A bad index is reported by the step. */
	st = db_prepare(db, "SELECT ?", &err);
	db_bind_int(st, 5, 1);
	CHECK_INT(db_step(st, &err), ERR_INTERNAL);
	db_done(st);

	/* Nested use of one SQL text while the outer loop still reads it. */
	const char *all = "SELECT k, v FROM t_nums ORDER BY k";
	int outer_rows = 0, inner_bad = 0;
	db_stmt_t *outer = db_query(db, &err, all, "");
	while (outer && outer_rows < 100 && db_step(outer, &err) == DB_ROW) {
		int64_t k = db_col_int(outer, 0);
		db_stmt_t *inner = db_query(db, &err, all, "");
		int inner_rows = 0;
		while (inner && db_step(inner, &err) == DB_ROW)
			inner_rows++;
		db_done(inner);
		if (inner == outer || inner_rows != 7)
			inner_bad++;
		if (k != outer_rows)
			inner_bad++;
		outer_rows++;
	}
	db_done(outer);
	CHECK_INT(outer_rows, 7);
	CHECK_INT(inner_bad, 0);
}

/* More distinct SQL texts than the cache holds (SQL built at run time): still right, memory
 * bounded. On a connection of its own, so the main one's cache is left as it was. */
static void test_cache_overflow(void)
{
	err_t err = { 0 };
	db_t *conn = NULL;
	CHECK_INT(db_open(url, &conn, &err), 0);
	int bad = 0;
	for (int i = 0; i < 1100 && conn; i++) {
		char sql[80];
		int64_t v = -1;
		snprintf(sql, sizeof sql, "SELECT CAST(? AS BIGINT) + %d", i);
		if (db_query_int(conn, &v, &err, sql, "i", (int64_t)1000) < 0 || v != 1000 + i)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* Past the limit, nested use and errors still behave. */
	const char *sql = "SELECT k FROM t_nums WHERE k < ? ORDER BY k";
	db_stmt_t *outer = db_query(conn, &err, sql, "i", (int64_t)3);
	int rows = 0;
	while (outer && db_step(outer, &err) == DB_ROW) {
		int64_t n = 0;
		if (db_query_int(conn, &n, &err, sql, "i", (int64_t)2) < 0 || n != 0)
			bad++;
		rows++;
	}
	db_done(outer);
	CHECK_INT(rows, 3);
	CHECK_INT(bad, 0);
	CHECK_INT(db_exec(conn, &err, "SELECT nothing FROM no_such_table", ""), ERR_INTERNAL);
	CHECK_INT(db_exec(conn, &err, "INSERT INTO t_nums (k, v) VALUES (0, 0)", ""), ERR_CONFLICT);
	db_close(conn);
}

/* ---- concurrency ------------------------------------------------------------------------- */

enum { WRITERS = 4, INCREMENTS = 200 };

typedef struct worker {
	int id;
	const char *url;
	int failures;
	int applied;
	char why[240];
} worker_t;

static void *writer(void *arg)
{
	worker_t *w = arg;
	err_t err = { 0 };
	db_t *conn = NULL;
	if (db_open(w->url, &conn, &err) < 0)
		goto fail;
	for (int i = 0; i < INCREMENTS; i++) {
		/* Read, then write: with SQLite's plain BEGIN the write would fail with BUSY when
		 * another writer committed in between; db_begin must prevent that. */
		int64_t mine = -1;
		int rc = db_begin(conn, &err);
		if (rc == 0)
			rc = db_query_int(conn, &mine, &err, "SELECT COUNT(*) FROM t_log WHERE worker = ?",
			                  "i", (int64_t)w->id);
		if (rc == 0 && mine != i)
			rc = err_set(&err, ERR_INTERNAL, NULL, "saw %" PRId64 " rows, want %d", mine, i);
		if (rc == 0)
			rc = db_exec(conn, &err, "UPDATE t_counter SET n = n + 1 WHERE id = 1", "");
		if (rc >= 0)
			rc = db_exec(conn, &err, "INSERT INTO t_log (worker, i) VALUES (?, ?)", "ii",
			             (int64_t)w->id, (int64_t)i);
		if (rc >= 0)
			rc = db_commit(conn, &err);
		if (rc < 0) {
			db_rollback(conn);
			goto fail;
		}
	}
	db_close(conn);
	return NULL;
fail:
	w->failures++;
	snprintf(w->why, sizeof w->why, "%s", err.detail);
	db_close(conn);
	return NULL;
}

static void test_concurrent_writers(void)
{
	err_t err = { 0 };
	CHECK_INT(db_exec_script(db,
	                         "CREATE TABLE t_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
	                         "INSERT INTO t_counter VALUES (1, 0);"
	                         "CREATE TABLE t_log (worker BIGINT NOT NULL, i BIGINT NOT NULL,"
	                         "  PRIMARY KEY (worker, i));",
	                         &err),
	          0);
	pthread_t th[WRITERS];
	worker_t w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (worker_t){ .id = i, .url = url };
		CHECK_INT(pthread_create(&th[i], NULL, writer, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failures)
			fprintf(stderr, "  writer %d: %s\n", i, w[i].why);
		CHECK_INT(w[i].failures, 0);
	}
	CHECK_INT(count_of("SELECT n FROM t_counter WHERE id = 1"), WRITERS * INCREMENTS);
	CHECK_INT(count_of("SELECT COUNT(*) FROM t_log"), WRITERS * INCREMENTS);
}

static void *migrator(void *arg)
{
	worker_t *w = arg;
	err_t err = { 0 };
	db_t *conn = NULL;
	if (db_open(w->url, &conn, &err) < 0 || db_migrate(conn, &w->applied, &err) < 0) {
		w->failures++;
		snprintf(w->why, sizeof w->why, "%s", err.detail);
	}
	db_close(conn);
	return NULL;
}

/* Four processes' worth of migrators on a fresh schema: each migration applied exactly once. On
 * PostgreSQL the fresh schema is a new one in the same database, on SQLite a second file. */
/* How many migrations the binary holds: the embedded src/db/migrations/NNNN_*.sql files. */
static int migrations_compiled(void)
{
	size_t n, count = 0;
	const asset_t *list = asset_list(&n);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(list[i].name, "src/db/migrations/", 18))
			count++;
	return (int)count;
}

static void test_concurrent_migrate(void)
{
	err_t err = { 0 };
	char race_url[1200];
	if (is_pg()) {
		CHECK_INT(db_exec_script(db, "CREATE SCHEMA tv_race", &err), 0);
		snprintf(race_url, sizeof race_url, "%s%coptions=-csearch_path%%3Dtv_race", url,
		         strchr(url, '?') ? '&' : '?');
	} else {
		const char *dir = getenv("TMPDIR");
		snprintf(race_path, sizeof race_path, "%s/thuvien-race-%d.db", dir && *dir ? dir : "/tmp",
		         (int)getpid());
		snprintf(race_url, sizeof race_url, "%s", race_path);
	}
	pthread_t th[WRITERS];
	worker_t w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (worker_t){ .id = i, .url = race_url };
		CHECK_INT(pthread_create(&th[i], NULL, migrator, &w[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failures)
			fprintf(stderr, "  migrator %d: %s\n", i, w[i].why);
		CHECK_INT(w[i].failures, 0);
		total += w[i].applied;
	}
	CHECK_INT(total, migrations_compiled()); /* numbers may skip one (given out and not used) */

	db_t *conn = NULL;
	int version = -1;
	CHECK_INT(db_open(race_url, &conn, &err), 0);
	CHECK_INT(db_schema_version(conn, &version, &err), 0);
	CHECK_INT(version, db_migration_latest());
	int64_t n = -1;
	CHECK_INT(db_query_int(conn, &n, &err, "SELECT COUNT(*) FROM schema_migrations", ""), 0);
	CHECK_INT(n, migrations_compiled());
	db_close(conn);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_bad_url(void)
{
	err_t err = { 0 };
	db_t *x = (db_t *)&err; /* must come back NULL */
	CHECK_INT(db_open(NULL, &x, &err), ERR_INVALID);
	CHECK(x == NULL);
	CHECK_INT(db_open("", &x, &err), ERR_INVALID);
	CHECK_INT(db_open("sqlite:", &x, &err), ERR_INVALID);
	CHECK_INT(db_open("mysql://user:secret@host/db", &x, &err), ERR_INVALID);
	CHECK(strstr(err.detail, "secret") == NULL);
	CHECK(x == NULL);
	CHECK(db_open("/nonexistent-dir/sub/x.db", &x, &err) < 0);
	CHECK(x == NULL);
	CHECK(err.detail[0] != '\0');
	/* Nothing listens on port 1: refused at once. */
	CHECK_INT(db_open("postgresql://nobody@127.0.0.1:1/none", &x, &err), ERR_INTERNAL);
	CHECK(x == NULL);
	CHECK(err.detail[0] != '\0');
	CHECK(db_open("postgresql://[bad", &x, &err) < 0);
	CHECK(x == NULL);
	/* A file that is not a database. */
	char path[300];
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/thuvien-notdb-%d.db", dir && *dir ? dir : "/tmp", (int)getpid());
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("this is not a SQLite database, just some text that is long enough......\n"
		      "..................................................................\n",
		      f);
		fclose(f);
		CHECK(db_open(path, &x, &err) < 0);
		CHECK(x == NULL);
		unlink(path);
	}
	/* NULL handles are tolerated. */
	db_close(NULL);
	db_done(NULL);
	db_rollback(NULL);
	CHECK(db_step(NULL, &err) < 0);
}

static void test_malformed_sql(void)
{
	err_t err = { 0 };
	CHECK(db_query(db, &err, "SELEC 1", "") == NULL);
	CHECK_INT(err.code, ERR_INTERNAL);
	CHECK_STR(err.key, "err.db.internal");
	CHECK(err.detail[0] != '\0');
	CHECK_INT(db_exec(db, &err, "SELECT nothing FROM no_such_table", ""), ERR_INTERNAL);
	CHECK_INT(db_exec(db, NULL, "SELECT nothing FROM no_such_table", ""), ERR_INTERNAL);
	CHECK_INT(db_exec(db, &err, "", ""), ERR_INTERNAL);
	CHECK_INT(db_exec(db, &err, "SELECT 1; SELECT 2", ""), ERR_INTERNAL);
	CHECK_INT(db_exec(db, &err, "SELECT ?", "x", 1), ERR_INTERNAL);
	CHECK_INT(db_exec_script(db, "CREATE TABLE t_ok (x BIGINT); CREATE TABLE (", &err), ERR_INTERNAL);
	CHECK_INT(db_exec(db, &err, "SELECT 1 / 0", ""), is_pg() ? ERR_INTERNAL : 0);
	/* The connection is still good. */
	CHECK_INT(count_of("SELECT COUNT(*) FROM t_nums"), 7);
	CHECK_INT(db_exec_script(db,
	                         "CREATE TABLE t_s1 (x BIGINT); INSERT INTO t_s1 VALUES (1);"
	                         "INSERT INTO t_s1 VALUES (2)",
	                         &err),
	          0);
	CHECK_INT(count_of("SELECT SUM(x) FROM t_s1"), 3);
}

/* PostgreSQL only: the server drops the connection; the next use fails, the one after
 * reconnects. */
static void test_reconnect(void)
{
	if (!is_pg())
		return;
	err_t err = { 0 };
	db_t *other = NULL;
	int64_t pid = 0, ok = 0;
	const char *sql = "SELECT COUNT(*) FROM t_nums WHERE k >= ?";
	CHECK_INT(db_query_int(db, &ok, &err, sql, "i", (int64_t)0), 0);
	CHECK_INT(db_query_int(db, &pid, &err, "SELECT pg_backend_pid()", ""), 0);
	CHECK_INT(db_open(url, &other, &err), 0);
	CHECK_INT(db_query_int(other, &ok, &err, "SELECT CAST(pg_terminate_backend(CAST(? AS INT)) AS INT)",
	                       "i", pid),
	          0);
	CHECK_INT(ok, 1);
	db_close(other);
	usleep(100 * 1000);

	CHECK(db_query_int(db, &ok, &err, sql, "i", (int64_t)0) < 0);
	CHECK_INT(db_query_int(db, &ok, &err, sql, "i", (int64_t)0), 0);
	CHECK_INT(ok, 7);
	/* Statements prepared before the reset are prepared again. */
	CHECK_INT(count_of("SELECT COUNT(*) FROM units WHERE code LIKE 'rt-%'"), 2);

	/* Lost inside a transaction: no silent reconnect (later statements would run outside
	 * it); every use fails until the rollback. */
	CHECK_INT(db_query_int(db, &pid, &err, "SELECT pg_backend_pid()", ""), 0);
	CHECK_INT(db_begin(db, &err), 0);
	CHECK_INT(db_exec(db, &err, "INSERT INTO t_nums (k, v) VALUES (100, 1)", ""), 1);
	CHECK_INT(db_open(url, &other, &err), 0);
	CHECK_INT(db_exec(other, &err, "SELECT pg_terminate_backend(CAST(? AS INT))", "i", pid), 0);
	db_close(other);
	usleep(100 * 1000);
	CHECK(db_exec(db, &err, "INSERT INTO t_nums (k, v) VALUES (101, 1)", "") < 0);
	CHECK(db_exec(db, &err, "INSERT INTO t_nums (k, v) VALUES (102, 1)", "") < 0);
	CHECK(db_commit(db, &err) < 0);
	CHECK(!db_in_transaction(db));
	CHECK_INT(count_of("SELECT COUNT(*) FROM t_nums"), 7);
	CHECK_INT(db_begin(db, &err), 0);
	CHECK_INT(db_commit(db, &err), 0);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Write about pages pages of the database's 4 KiB pages, in transactions of one row (the shape of
 * a desk's writes), each row a page of text. */
static int write_pages(int pages)
{
	err_t err = { 0 };
	static char text[3900];
	memset(text, 'x', sizeof text - 1);
	for (int i = 0; i < pages; i++) {
		if (db_begin(db, &err) < 0 || db_exec(db, &err, "INSERT INTO t_wal (body) VALUES (?)", "s", text) < 0 ||
		    db_commit(db, &err) < 0) {
			fprintf(stderr, "  write_pages: %s\n", err.detail);
			return -1;
		}
	}
	return 0;
}

/* SQLite's checkpoints run on the checkpointer thread, not in the writer's commit: once the log
 * passes 1,000 pages its pages reach the database file soon after, without anyone writing or
 * calling for a checkpoint (1,200 one-page rows in about 3,600 log pages: all but the last
 * thousand log pages, as with SQLite's own checkpoint, so at least 800 rows' pages); and a writer
 * that never pauses still keeps the log bounded. */
static void test_checkpoints(void)
{
	if (is_pg())
		return;
	char path[1024];
	snprintf(path, sizeof path, "%s", strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url);
	char wal[1100];
	snprintf(wal, sizeof wal, "%s-wal", path);
	err_t err = { 0 };
	CHECK_INT(db_exec_script(db, "CREATE TABLE t_wal (id INTEGER PRIMARY KEY, body TEXT NOT NULL)", &err), 0);
	/* no free pages for the new rows to fill: each row grows the file by its page */
	CHECK_INT(db_exec_script(db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE)", &err), 0);
	off_t before = file_size(path);
	CHECK_INT(write_pages(1200), 0);
	off_t after = before;
	for (int waited = 0; waited < 5000 && after - before < 800 * 4096; waited += 10) {
		usleep(10000);
		after = file_size(path);
	}
	if (after - before < 800 * 4096)
		fprintf(stderr, "  the database file grew by %lld bytes, the log is %lld\n", (long long)(after - before),
		        (long long)file_size(wal));
	CHECK(after - before >= 800 * 4096);

	CHECK_INT(write_pages(12000), 0);
	off_t log = file_size(wal);
	if (log > 4200LL * (4096 + 24))
		fprintf(stderr, "  the log grew to %lld bytes\n", (long long)log);
	CHECK(log > 0 && log <= 4200LL * (4096 + 24));
	CHECK_INT(count_of("SELECT COUNT(*) FROM t_wal"), 13200);
}

/* Files a migration loads with @TEXT:path@ arrive byte for byte (quotes, Vietnamese, newlines):
 * the report templates of 0020. */
static void test_loaded_files(void)
{
	static const char *const codes[] = { "thang", "hocky", "namhoc", "tk_tt18" };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		char path[64];
		snprintf(path, sizeof path, "data/reports/%s.json", codes[i]);
		const asset_t *f = asset_find(path);
		CHECK(f != NULL);
		err_t err = { 0 };
		db_stmt_t *st = db_query(db, &err, "SELECT body FROM report_templates WHERE code = ?", "s", codes[i]);
		CHECK(st != NULL);
		if (!st || !f)
			continue;
		CHECK_INT(db_step(st, &err), DB_ROW);
		const char *body = db_col_text(st, 0);
		CHECK(body && strlen(body) == f->len && memcmp(body, f->data, f->len) == 0);
		db_done(st);
	}
}

/* ---- setup ------------------------------------------------------------------------------- */

int main(void)
{
	testdb_url(url, sizeof url);

	err_t err = { 0 };
	int version = -1;
	if (db_open(url, &db, &err) < 0) {
		fprintf(stderr, "test_db: cannot open the test database: %s\n", err.detail);
		return 1;
	}
	if (db_schema_version(db, &version, &err) < 0 || version != 0) {
		fprintf(stderr, "test_db: THUVIEN_TEST_DB must name an empty database (%s)\n", err.detail);
		db_close(db);
		return 1;
	}
	printf("# backend: %s\n", db_kind_name(db));

	RUN(test_open);
	RUN(test_migrate);
	RUN(test_loaded_files);
	RUN(test_roundtrip);
	RUN(test_int64);
	RUN(test_placeholder_literal);
	RUN(test_conflict);
	RUN(test_transaction);
	RUN(test_statement_cache);
	RUN(test_cache_overflow);
	RUN(test_concurrent_writers);
	RUN(test_checkpoints);
	RUN(test_concurrent_migrate);
	RUN(test_bad_url);
	RUN(test_malformed_sql);
	RUN(test_reconnect);

	db_close(db);
	testdb_remove();
	if (race_path[0])
		testdb_remove_sqlite(race_path);
	return check_summary("db");
}
