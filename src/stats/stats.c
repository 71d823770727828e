/* stats.c: the counters' rebuild and verify (stats.h). Each counter table is described once: its
 * key and count columns and the recount, a SELECT over the base rows giving the key columns, c
 * and v (the counts of one row). Rebuild inserts the recount grouped by the key; verify groups the
 * recount together with the stored rows negated (a full outer join that SQLite and PostgreSQL
 * both run: UNION ALL then GROUP BY) and reports the keys whose sums are not zero. The SQL is
 * built per backend (two dates are written differently) from the definitions in stats.h. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "stats/stats.h"

/* The SQL below is laid out by hand. */
/* clang-format off */
#define UNIT(col) "(CAST(? AS BIGINT) = 0 OR " col " = ?)"
#define ITEMS_JOIN                                                                                           \
	"FROM items i JOIN biblios b ON b.id = i.biblio_id LEFT JOIN acquisitions a ON a.id = i.acquisition_id "
#define FLOW_COLS(month, event)                                                                              \
	"SELECT i.unit_id AS unit_id, " month " AS month, '" event "' AS event, b.doc_type AS doc_type, "       \
	"COALESCE(a.source, '') AS source, COALESCE(a.funding, '') AS funding, 1 AS c, " STAT_VALUE("i", "b") \
	" AS v "
/* The first activity of each reader and school year (stat_patron_years's rows): 4 parameters. */
#define PATRON_YEARS                                                                                         \
	"SELECT patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id "    \
	"FROM (SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.patron_id, x.school_year ORDER BY x.first_at, " \
	"x.first_src, x.first_id) AS rn FROM (SELECT l.patron_id AS patron_id, " STAT_SCHOOL_YEAR("l.out_day")  \
	" AS school_year, l.unit_id AS unit_id, l.patron_kind AS patron_kind, l.class_name AS class_name, "   \
	"l.out_at AS first_at, 0 AS first_src, l.id AS first_id FROM loans l WHERE " UNIT("l.unit_id")         \
	" UNION ALL SELECT u.patron_id, " STAT_SCHOOL_YEAR("u.day") ", u.unit_id, u.patron_kind, u.class_name, " \
	"u.at, 1, u.id FROM library_uses u WHERE u.patron_id IS NOT NULL AND " UNIT("u.unit_id") ") x) y "    \
	"WHERE rn = 1"

typedef struct stat_table {
	const char *name;
	const char *keys;   /* the key columns, as in the table and the recount */
	const char *counts; /* the count columns: "n" or "n, m"; NULL: a table of keys only */
	const char *recount;
	int params;         /* unit parameters of recount (pairs) */
	const char *stored; /* the stored rows negated, when not simply the table's (2 parameters) */
} stat_table_t;

/* The tables in rebuild order: stat_titles after stat_title_copies and stat_active after
 * stat_patron_years, whose triggers change them while they are rebuilt. */
#define STAT_TABLES(VNMONTH, TODAYM)                                                                         \
	{ { "stat_holdings", "unit_id, doc_type, kclass, language, source, funding", "copies, value",       \
	    "SELECT i.unit_id AS unit_id, b.doc_type AS doc_type, " STAT_KCLASS("b.class_number")               \
	    " AS kclass, b.language AS language, COALESCE(a.source, '') AS source, COALESCE(a.funding, '') "     \
	    "AS funding, 1 AS c, " STAT_VALUE("i", "b") " AS v " ITEMS_JOIN "WHERE " STAT_ON_HAND("i")           \
	    " AND " UNIT("i.unit_id"),                                                                           \
	    1, NULL },                                                                                           \
	  { "stat_title_copies", "biblio_id, unit_id, doc_type", "copies",                                     \
	    "SELECT i.biblio_id AS biblio_id, i.unit_id AS unit_id, b.doc_type AS doc_type, 1 AS c, 0 AS v " \
	    ITEMS_JOIN "WHERE " STAT_ON_HAND("i") " AND " UNIT("i.unit_id"),                                     \
	    1, NULL },                                                                                           \
	  { "stat_titles", "unit_id, doc_type", "titles",                                                     \
	    "SELECT unit_id, doc_type, 1 AS c, 0 AS v FROM (SELECT DISTINCT i.biblio_id, i.unit_id AS unit_id, " \
	    "b.doc_type AS doc_type " ITEMS_JOIN "WHERE " STAT_ON_HAND("i") " AND " UNIT("i.unit_id") ") t",     \
	    1, NULL },                                                                                           \
	  { "stat_stock_flows", "unit_id, month, event, doc_type, source, funding", "copies, value",          \
	    FLOW_COLS("substr(COALESCE(i.entered, a.received, " VNMONTH("i.created_at") "), 1, 7)", "in")       \
	    ITEMS_JOIN "WHERE " UNIT("i.unit_id") " UNION ALL "                                                   \
	    FLOW_COLS("substr(COALESCE(w.approved_day, " TODAYM "), 1, 7)", "withdrawn") ITEMS_JOIN              \
	    "LEFT JOIN withdrawals w ON w.id = i.withdrawal_id WHERE i.status = 'withdrawn' AND "              \
	    UNIT("i.unit_id") " UNION ALL " FLOW_COLS("''", "lost") ITEMS_JOIN "WHERE i.status = 'lost' AND "   \
	    UNIT("i.unit_id"),                                                                                   \
	    3,                                                                                                   \
	    "SELECT unit_id, CASE WHEN event = 'lost' THEN '' ELSE month END AS month, event, doc_type, "       \
	    "source, funding, -copies AS c, -value AS v FROM stat_stock_flows WHERE " UNIT("unit_id") },         \
	  { "stat_loans", "unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, kclass", "loans", \
	    "SELECT l.unit_id AS unit_id, substr(l.out_day, 1, 7) AS month, l.kind AS loan_kind, l.patron_kind " \
	    "AS patron_kind, l.class_name AS class_name, l.grade AS grade, l.doc_type AS doc_type, l.kclass AS " \
	    "kclass, 1 AS c, 0 AS v FROM loans l WHERE " UNIT("l.unit_id"),                                      \
	    1, NULL },                                                                                           \
	  { "stat_open_loans", "unit_id, due, patron_kind", "loans",                                          \
	    "SELECT l.unit_id AS unit_id, l.due AS due, l.patron_kind AS patron_kind, 1 AS c, 0 AS v FROM loans " \
	    "l WHERE l.returned_at IS NULL AND " UNIT("l.unit_id"),                                              \
	    1, NULL },                                                                                           \
	  { "stat_uses", "unit_id, month, patron_kind, class_name, doc_type", "visits, uses",                 \
	    "SELECT u.unit_id AS unit_id, substr(u.day, 1, 7) AS month, u.patron_kind AS patron_kind, "        \
	    "u.class_name AS class_name, u.doc_type AS doc_type, 1 AS c, u.count AS v FROM library_uses u "     \
	    "WHERE " UNIT("u.unit_id"),                                                                          \
	    1, NULL },                                                                                           \
	  { "stat_readers", "unit_id, patron_kind, class_name, grade", "readers",                             \
	    "SELECT p.unit_id AS unit_id, p.kind AS patron_kind, p.class_name AS class_name, COALESCE(p.grade, " \
	    "0) AS grade, 1 AS c, 0 AS v FROM patrons p WHERE p.status = 'active' AND " UNIT("p.unit_id"),       \
	    1, NULL },                                                                                           \
	  { "stat_reader_flows", "unit_id, month, patron_kind", "registered",                                 \
	    "SELECT p.unit_id AS unit_id, " VNMONTH("p.created_at") " AS month, p.kind AS patron_kind, 1 AS c, " \
	    "0 AS v FROM patrons p WHERE " UNIT("p.unit_id"),                                                    \
	    1, NULL },                                                                                           \
	  { "stat_patron_years",                                                                              \
	    "patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id", NULL,   \
	    "SELECT py.*, 1 AS c, 0 AS v FROM (" PATRON_YEARS ") py", 2, NULL },                                 \
	  { "stat_active", "unit_id, school_year, patron_kind, class_name", "readers",                        \
	    "SELECT unit_id, school_year, patron_kind, class_name, 1 AS c, 0 AS v FROM (" PATRON_YEARS ") py",  \
	    2, NULL } }

static const stat_table_t tables_sqlite[] = STAT_TABLES(STAT_VNMONTH_SQLITE, STAT_TODAYM_SQLITE);
static const stat_table_t tables_pg[] = STAT_TABLES(STAT_VNMONTH_PG, STAT_TODAYM_PG);
#define NTABLES (sizeof tables_sqlite / sizeof tables_sqlite[0])

/* clang-format on */

/* Bind unit_id to the first n places. */
static void bind_unit(db_stmt_t *st, int n, int64_t unit_id)
{
	for (int i = 1; i <= n; i++)
		db_bind_int(st, i, unit_id);
}

static int run(db_t *db, const char *sql, int params, int64_t unit_id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql, err);
	if (!st)
		return err->code ? err->code : ERR_INTERNAL;
	bind_unit(st, params, unit_id);
	int rc = db_step(st, err);
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* "SUM(c), SUM(v)" for the count columns of t (one or two; none: a table of keys). */
static void sums(buf_t *b, const stat_table_t *t)
{
	if (t->counts && strchr(t->counts, ','))
		buf_puts(b, "SUM(c), SUM(v)");
	else if (t->counts)
		buf_puts(b, "SUM(c)");
}

static int rebuild_table(db_t *db, const stat_table_t *t, const char *todaym, int64_t unit_id, err_t *err)
{
	bool flows = !strcmp(t->name, "stat_stock_flows");
	buf_t sql = { 0 };
	int rc;
	buf_printf(&sql, "DELETE FROM %s WHERE " UNIT("unit_id") "%s", t->name,
	           flows ? " AND event <> 'lost'" : "");
	if ((rc = run(db, buf_str(&sql), 2, unit_id, err)) < 0)
		goto done;
	buf_reset(&sql);
	buf_printf(&sql, "INSERT INTO %s (%s%s%s) SELECT %s%s", t->name, t->keys, t->counts ? ", " : "",
	           t->counts ? t->counts : "", t->keys, t->counts ? ", " : "");
	sums(&sql, t);
	buf_printf(&sql, " FROM (%s) e WHERE %s GROUP BY %s", t->recount,
	           flows ? "e.event <> 'lost'" : "1 = 1", t->keys);
	if ((rc = run(db, buf_str(&sql), 2 * t->params, unit_id, err)) < 0)
		goto done;
	if (flows) {
		/* Lost copies: the months stay; a difference between the copies lost now and the sum
		 * of the events is booked in the current month. */
		buf_reset(&sql);
		buf_printf(
		    &sql,
		    "INSERT INTO stat_stock_flows (unit_id, month, event, doc_type, source, funding, copies, "
		    "value) SELECT unit_id, %s, 'lost', doc_type, source, funding, SUM(c), SUM(v) FROM "
		    "(SELECT "
		    "unit_id, doc_type, source, funding, c, v FROM (%s) e WHERE e.event = 'lost' UNION ALL "
		    "%s "
		    "AND event = 'lost') d WHERE 1 = 1 GROUP BY unit_id, doc_type, source, funding "
		    "HAVING SUM(c) <> 0 OR SUM(v) <> 0 ON CONFLICT (unit_id, month, event, doc_type, source, "
		    "funding) DO UPDATE SET copies = stat_stock_flows.copies + excluded.copies, value = "
		    "stat_stock_flows.value + excluded.value",
		    todaym, t->recount,
		    "SELECT unit_id, doc_type, source, funding, -copies, -value FROM stat_stock_flows "
		    "WHERE " UNIT("unit_id"));
		rc = run(db, buf_str(&sql), 2 * t->params + 2, unit_id, err);
	}
done:
	buf_release(&sql);
	return rc;
}

int stats_rebuild(db_t *db, int64_t unit_id, err_t *err)
{
	bool pg = db_kind(db) == DB_POSTGRES;
	const stat_table_t *tables = pg ? tables_pg : tables_sqlite;
	int own = 0, rc = db_begin_own(db, &own, err);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < NTABLES && rc >= 0; k++)
		rc = rebuild_table(db, &tables[k], pg ? STAT_TODAYM_PG : STAT_TODAYM_SQLITE, unit_id, err);
	if (rc >= 0)
		rc = audit_write(db, NULL, "cli", unit_id, "", "stats.rebuild", "unit", unit_id, "", NULL,
		                 err);
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

/* The differences of one table: appended to report while *shown < 20; returns their count. */
static int verify_table(db_t *db, const stat_table_t *t, int64_t unit_id, buf_t *report, int *shown,
                        err_t *err)
{
	buf_t sql = { 0 };
	buf_puts(&sql, "SELECT ");
	/* the key as text: CAST(k1 AS TEXT) || '|' || ... */
	char keys[256];
	snprintf(keys, sizeof keys, "%s", t->keys);
	int nkeys = 0;
	for (char *save = NULL, *k = strtok_r(keys, ", ", &save); k; k = strtok_r(NULL, ", ", &save), nkeys++)
		buf_printf(&sql, "%sCAST(%s AS TEXT)", nkeys ? " || '|' || " : "", k);
	buf_printf(&sql, ", SUM(c), SUM(v) FROM (SELECT %s, c, v FROM (%s) e UNION ALL ", t->keys,
	           t->recount);
	if (t->stored)
		buf_puts(&sql, t->stored);
	else if (t->counts && strchr(t->counts, ',')) {
		char c1[32];
		snprintf(c1, sizeof c1, "%.*s", (int)(strchr(t->counts, ',') - t->counts), t->counts);
		buf_printf(&sql, "SELECT %s, -%s, -%s FROM %s WHERE " UNIT("unit_id"), t->keys, c1,
		           strchr(t->counts, ',') + 2, t->name);
	} else {
		buf_printf(&sql, "SELECT %s, %s%s, 0 FROM %s WHERE " UNIT("unit_id"), t->keys,
		           t->counts ? "-" : "-1", t->counts ? t->counts : "", t->name);
	}
	buf_printf(&sql, ") d GROUP BY %s HAVING SUM(c) <> 0 OR SUM(v) <> 0 ORDER BY 1", t->keys);
	int n = 0, rc;
	db_stmt_t *st = db_prepare(db, buf_str(&sql), err);
	if (!st) {
		rc = err->code ? err->code : ERR_INTERNAL;
		goto done;
	}
	bind_unit(st, 2 * t->params + 2, unit_id);
	while ((rc = db_step(st, err)) == DB_ROW) {
		n++;
		if (report && (*shown)++ < 20)
			buf_printf(report, "%s %s: recount - stored = %lld/%lld\n", t->name,
			           db_col_text(st, 0), (long long)db_col_int(st, 1),
			           (long long)db_col_int(st, 2));
	}
	db_done(st);
done:
	buf_release(&sql);
	return rc < 0 ? rc : n;
}

int stats_verify(db_t *db, int64_t unit_id, buf_t *report, err_t *err)
{
	const stat_table_t *tables = db_kind(db) == DB_POSTGRES ? tables_pg : tables_sqlite;
	int total = 0, shown = 0;
	for (size_t k = 0; k < NTABLES; k++) {
		int n = verify_table(db, &tables[k], unit_id, report, &shown, err);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
