/* check.c: `thuvien check`'s rules (check.h) and the part III balance both the stocktake and the
 * check compute.
 *
 * Each rule is one SELECT that answers its violations already grouped by school (and register):
 * rule, school id, school code, what, count, first, last, limit. Grouping in SQL keeps the answer
 * small whatever the damage (a city whose copies were all loaded without intake lines answers one
 * row per school and register, not millions), which matters on PostgreSQL, where libpq holds a
 * whole result in memory. Each rule's SQL comes in two forms, the whole database and one school
 * (the filter written on the indexed column, so one school reads only its rows), built by one
 * macro from the same text; the scope rule has a third and fourth for PostgreSQL's strpos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "catalog/catalog.h"
#include "check/check.h"
#include "stats/stats.h"

/* --- part III ----------------------------------------------------------------------------- */

/* One row of two numbers from a query, into x and y (0 when no row). */
static int two_ints(db_stmt_t *st, int64_t *x, int64_t *y, err_t *err)
{
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*x = db_col_int(st, 0);
		*y = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int check_balance_next(db_t *db, int64_t unit_id, check_balance_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int64_t prev_c = 0, prev_v = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT b.id, b.on_hand_copies, b.on_hand_value, COALESCE(s.last_item_id, 0), "
	                         "COALESCE(s.last_withdrawal_no, 0) FROM stock_balances b "
	                         "LEFT JOIN stocktakes s ON s.id = b.stocktake_id WHERE b.unit_id = ? "
	                         "ORDER BY b.id DESC LIMIT 1",
	                         "i", unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		out->prev_id = db_col_int(st, 0);
		prev_c = db_col_int(st, 1);
		prev_v = db_col_int(st, 2);
		out->prev_item_id = db_col_int(st, 3);
		out->prev_withdrawal_no = db_col_int(st, 4);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = two_ints(db_query(db, err,
	                            "SELECT (SELECT COALESCE(MAX(id), 0) FROM items WHERE unit_id = ?), "
	                            "(SELECT COALESCE(MAX(number), 0) FROM withdrawals WHERE unit_id = ? "
	                            "AND status = 'approved')",
	                            "ii", unit_id, unit_id),
	                   &out->last_item_id, &out->last_withdrawal_no, err)) < 0)
		return rc;
	if (out->last_item_id < out->prev_item_id)
		out->last_item_id = out->prev_item_id;
	if (out->last_withdrawal_no < out->prev_withdrawal_no)
		out->last_withdrawal_no = out->prev_withdrawal_no;
	if ((rc = two_ints(db_query(db, err,
	                            "SELECT COUNT(*), COALESCE(SUM(" CATALOG_COPY_VALUE_SQL "), 0) FROM items i "
	                            "JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = ? AND i.id > ? "
	                            "AND i.id <= ? AND " CATALOG_GENERAL_REGISTER_SQL,
	                            "iii", unit_id, out->prev_item_id, out->last_item_id),
	                   &out->in_copies, &out->in_value, err)) < 0)
		return rc;
	if ((rc = two_ints(db_query(db, err,
	                            "SELECT COUNT(*), COALESCE(SUM(" CATALOG_COPY_VALUE_SQL "), 0) FROM withdrawals w "
	                            "JOIN withdrawal_items wi ON wi.withdrawal_id = w.id "
	                            "JOIN items i ON i.id = wi.item_id AND i.unit_id = w.unit_id "
	                            "JOIN biblios b ON b.id = i.biblio_id WHERE w.unit_id = ? "
	                            "AND w.status = 'approved' AND w.number > ? AND w.number <= ? AND "
	                            CATALOG_GENERAL_REGISTER_SQL,
	                            "iii", unit_id, out->prev_withdrawal_no, out->last_withdrawal_no),
	                   &out->out_copies, &out->out_value, err)) < 0)
		return rc;
	out->on_hand_copies = prev_c + out->in_copies - out->out_copies;
	out->on_hand_value = prev_v + out->in_value - out->out_value;
	return 0;
}

/* --- the rules' SQL --------------------------------------------------------------------------
 * F(col) is the school filter: ALL_ (every school, no parameter) or ONE_ (col = ?). The big
 * tables are read once each: one scan of the copies for five rules (copies_rule), one of the
 * marks for two (marks_rule); the rows are grouped before the school's code is joined. */
#define ALL_(col) "1 = 1"
#define ONE_(col) col " = ?"

/* 1. numbers. The duplicate rules read the rows only when their UNIQUE index is gone (guard). */
#define SQL_ACCESSION_DUP(F)                                                                                 \
	"SELECT d.unit_id, u.code, d.register, COUNT(*), MIN(d.accession_no), MAX(d.accession_no), 0 "       \
	"FROM (SELECT unit_id, register, accession_no FROM items WHERE " F("unit_id")                        \
	" GROUP BY unit_id, register, accession_no HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id " \
	"GROUP BY d.unit_id, u.code, d.register"
#define SQL_BARCODE_DUP(F)                                                                                   \
	"SELECT d.unit_id, u.code, MIN(d.barcode), COUNT(*), 0, 0, 0 "                                       \
	"FROM (SELECT unit_id, barcode FROM items WHERE " F("unit_id")                                       \
	" GROUP BY unit_id, barcode HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id "                \
	"GROUP BY d.unit_id, u.code"
#define SQL_INTAKE_COUNTER(F)                                                                                \
	"SELECT q.unit_id, u.code, '', COUNT(*), MIN(q.number), MAX(q.number), COALESCE(MIN(c.last), 0) "    \
	"FROM acquisitions q JOIN units u ON u.id = q.unit_id "                                              \
	"LEFT JOIN accession_counters c ON c.unit_id = q.unit_id AND c.register = '#TQ' "                    \
	"WHERE " F("q.unit_id") " AND q.number > COALESCE(c.last, 0) GROUP BY q.unit_id, u.code"
#define SQL_WITHDRAWAL_COUNTER(F)                                                                            \
	"SELECT w.unit_id, u.code, '', COUNT(*), MIN(COALESCE(w.number, 0)), MAX(COALESCE(w.number, 0)), "   \
	"COALESCE(MIN(c.last), 0) FROM withdrawals w JOIN units u ON u.id = w.unit_id "                      \
	"LEFT JOIN accession_counters c ON c.unit_id = w.unit_id AND c.register = '#XK' "                    \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' "                                                \
	"AND (w.number IS NULL OR w.number > COALESCE(c.last, 0)) GROUP BY w.unit_id, u.code"
#define SQL_TITLE_NO_DUP(F)                                                                                  \
	"SELECT b.unit_id, u.code, '', COUNT(*), MIN(d.biblio_id), MAX(d.biblio_id), 0 "                     \
	"FROM (SELECT biblio_id, title_no FROM items WHERE " F("unit_id") " AND title_no IS NOT NULL "       \
	"GROUP BY biblio_id, title_no HAVING COUNT(*) > 1) d JOIN biblios b ON b.id = d.biblio_id "          \
	"JOIN units u ON u.id = b.unit_id GROUP BY b.unit_id, u.code"

/* 1-3. The copies, once, grouped by school and register, only the copies that break a rule
 * aggregated: no counter row for their register (accession-counter; copies above an existing
 * counter come from SQL_ABOVE_COUNTER, on the index), item-no-intake (no intake line of the
 * school), item-school (record of another school), withdrawn-unlisted (status withdrawn or a
 * withdrawal_id, and not listed by the approved withdrawal of its school it names; the subquery
 * runs for those copies only), item-register (a register no document type has). Columns:
 * school, register, then count, lowest and highest number for each of the five, then the code. */
#define ROW_NO_COUNTER                                                                                       \
	"NOT EXISTS (SELECT 1 FROM accession_counters c WHERE c.unit_id = i.unit_id AND c.register = i.register)"
#define ROW_NO_INTAKE "(q.id IS NULL OR q.unit_id <> i.unit_id)"
#define ROW_SCHOOL "b.unit_id <> i.unit_id"
#define ROW_UNLISTED                                                                                         \
	"((i.status = 'withdrawn' OR i.withdrawal_id IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM withdrawals w " \
	"JOIN withdrawal_items wi ON wi.withdrawal_id = w.id WHERE w.id = i.withdrawal_id AND wi.item_id = i.id " \
	"AND w.status = 'approved' AND w.unit_id = i.unit_id))"
#define ROW_REGISTER "i.register NOT IN (SELECT register FROM doc_types)"
#define RULE_COLS(cond)                                                                                      \
	"SUM(CASE WHEN " cond " THEN 1 ELSE 0 END), MIN(CASE WHEN " cond " THEN i.accession_no END), "       \
	"MAX(CASE WHEN " cond " THEN i.accession_no END)"
#define SQL_COPIES(F)                                                                                        \
	"SELECT g.*, u.code FROM (SELECT i.unit_id, i.register, " RULE_COLS(ROW_NO_COUNTER) ", "             \
	RULE_COLS(ROW_NO_INTAKE) ", " RULE_COLS(ROW_SCHOOL) ", " RULE_COLS(ROW_UNLISTED) ", "                \
	RULE_COLS(ROW_REGISTER) " FROM items i "                                                             \
	"LEFT JOIN acquisitions q ON q.id = i.acquisition_id JOIN biblios b ON b.id = i.biblio_id "          \
	"WHERE " F("i.unit_id") " AND (" ROW_NO_INTAKE " OR " ROW_SCHOOL " OR " ROW_UNLISTED " OR "          \
	ROW_REGISTER " OR " ROW_NO_COUNTER ") GROUP BY i.unit_id, i.register) g JOIN units u ON u.id = g.unit_id"
/* Copies numbered above their register's counter: a range of the (school, register, number)
 * index per counter row, so it costs what it finds. */
#define SQL_ABOVE_COUNTER(F)                                                                                 \
	"SELECT c.unit_id, u.code, c.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), c.last "  \
	"FROM accession_counters c JOIN items i ON i.unit_id = c.unit_id AND i.register = c.register "       \
	"AND i.accession_no > c.last JOIN units u ON u.id = c.unit_id WHERE " F("c.unit_id")                 \
	" GROUP BY c.unit_id, u.code, c.register, c.last"

/* 3. parts I, II and III. The first parameter of intake-empty is the cutoff (created_at). */
#define SQL_INTAKE_EMPTY(F)                                                                                  \
	"SELECT q.unit_id, u.code, '', COUNT(*), MIN(q.number), MAX(q.number), 0 "                           \
	"FROM acquisitions q JOIN units u ON u.id = q.unit_id WHERE q.created_at < ? AND " F("q.unit_id")    \
	" AND NOT EXISTS (SELECT 1 FROM items i WHERE i.acquisition_id = q.id) GROUP BY q.unit_id, u.code"
#define SQL_INTAKE_NUMBER_DUP(F)                                                                             \
	"SELECT d.unit_id, u.code, '', COUNT(*), MIN(d.number), MAX(d.number), 0 "                           \
	"FROM (SELECT unit_id, number FROM acquisitions WHERE " F("unit_id")                                 \
	" GROUP BY unit_id, number HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id "                 \
	"GROUP BY d.unit_id, u.code"
/* A copy listed by two approved withdrawals is withdrawn-twice, not this too. */
#define SQL_WITHDRAWAL_ITEM(F)                                                                               \
	"SELECT w.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), "         \
	"MIN(COALESCE(w.number, 0)) FROM withdrawals w JOIN withdrawal_items wi ON wi.withdrawal_id = w.id " \
	"JOIN items i ON i.id = wi.item_id JOIN units u ON u.id = w.unit_id "                                \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' AND (i.status <> 'withdrawn' "                   \
	"OR i.withdrawal_id IS NULL OR i.withdrawal_id <> w.id OR i.unit_id <> w.unit_id) "                  \
	"AND NOT EXISTS (SELECT 1 FROM withdrawal_items w2 JOIN withdrawals x ON x.id = w2.withdrawal_id "   \
	"WHERE w2.item_id = wi.item_id AND x.id <> w.id AND x.status = 'approved') "                         \
	"GROUP BY w.unit_id, u.code, i.register"
#define SQL_WITHDRAWN_TWICE(F)                                                                               \
	"SELECT i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "       \
	"FROM (SELECT wi.item_id FROM withdrawal_items wi JOIN withdrawals w ON w.id = wi.withdrawal_id "    \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' GROUP BY wi.item_id HAVING COUNT(*) > 1) d "     \
	"JOIN items i ON i.id = d.item_id JOIN units u ON u.id = i.unit_id "                                 \
	"GROUP BY i.unit_id, u.code, i.register"
/* Part III: every line with its previous line (the school's greatest id below it) and both
 * lines' watermarks, and the in and out copies check_balance_next defines recomputed from them.
 * Rows: school, code, day, then written in/out/on hand (copies, value), previous on hand (copies,
 * value), computed in and out copies. Every line is answered (one per school and whole-library
 * stocktake: a few thousand rows for a city) and compared in C, so that no backend evaluates the
 * counts twice (a WHERE on them would). Each line counts its school's copies on the (school,
 * register, number) index, which holds the id: a covering range per line, so a school's copies
 * are read once per line of it, never the whole table, and no million-row grouping; and its
 * school's approved withdrawals by number. `i.id + 0`: not a range of the primary key, which
 * PostgreSQL would otherwise scan from the first id for each line (70 s on the city). In cout,
 * `i.unit_id + 0`: SQLite would otherwise read the copies through items_unit_register (every copy
 * of the school for each withdrawal in range: 130 ms for 40 lines and 7,000 copies in
 * test_reconcile) instead of by primary key from each listed copy (9 ms). */
#define SQL_BALANCE(F)                                                                                       \
	"WITH l AS (SELECT b.id, b.unit_id, b.day, b.in_copies, b.in_value, b.out_copies, b.out_value, "     \
	"b.on_hand_copies, b.on_hand_value, COALESCE(s.last_item_id, 0) AS li, "                             \
	"COALESCE(s.last_withdrawal_no, 0) AS lw, "                                                          \
	"(SELECT MAX(p.id) FROM stock_balances p WHERE p.unit_id = b.unit_id AND p.id < b.id) AS pid "       \
	"FROM stock_balances b LEFT JOIN stocktakes s ON s.id = b.stocktake_id WHERE " F("b.unit_id") "), "  \
	"lp AS (SELECT l.*, COALESCE(p.on_hand_copies, 0) AS poc, COALESCE(p.on_hand_value, 0) AS pov, "     \
	"COALESCE(ps.last_item_id, 0) AS pli, COALESCE(ps.last_withdrawal_no, 0) AS plw FROM l "             \
	"LEFT JOIN stock_balances p ON p.id = l.pid LEFT JOIN stocktakes ps ON ps.id = p.stocktake_id), "    \
	"lc AS (SELECT lp.*, (SELECT COUNT(*) FROM items i WHERE i.unit_id = lp.unit_id "                   \
	"AND i.id + 0 > lp.pli AND i.id + 0 <= lp.li AND " CATALOG_GENERAL_REGISTER_SQL ") AS cin, "                                   \
	"(SELECT COUNT(*) FROM withdrawals w JOIN withdrawal_items wi ON wi.withdrawal_id = w.id "           \
	"JOIN items i ON i.id = wi.item_id WHERE w.unit_id = lp.unit_id AND w.status = 'approved' "          \
	"AND w.number > lp.plw AND w.number <= lp.lw AND i.unit_id + 0 = lp.unit_id AND "                    \
	CATALOG_GENERAL_REGISTER_SQL ") AS cout FROM lp) "                                                   \
	"SELECT lc.unit_id, u.code, lc.day, lc.in_copies, lc.in_value, lc.out_copies, lc.out_value, "        \
	"lc.on_hand_copies, lc.on_hand_value, lc.poc, lc.pov, lc.cin, lc.cout "                              \
	"FROM lc JOIN units u ON u.id = lc.unit_id ORDER BY u.code, lc.id"

/* 4. stocktakes. Mark-session (17): the session is not closed or not the mark's school and year,
 * or the copy not the mark's school; mark-scope (18): else, the copy is outside the session's
 * scope. Two grouped parts: the first
 * reads every mark with its session and copy and evaluates only the four comparisons; the second
 * only the marks of sessions with a narrower scope than 'all', found from the sessions on the
 * marks' (school, session) index (0015), the mark's school being the session's (else it is the
 * first part's), each copy's record read once (a record without class number is in no class
 * scope). So the scope expression is evaluated on those marks alone. */
#define MARK_BAD_SESSION                                                                                     \
	"(s.status <> 'closed' OR s.unit_id <> m.unit_id OR s.school_year <> m.school_year "                 \
	"OR i.unit_id <> m.unit_id)"
#define MARK_CLASS "COALESCE(b.class_number, '')"
#define SQL_MARKS(F, SCOPE)                                                                                  \
	"SELECT g.rule, g.unit_id, u.code, '', g.n, g.lo, g.hi, 0 FROM ("                                    \
	"SELECT 17 AS rule, m.unit_id, COUNT(*) AS n, MIN(m.stocktake_id) AS lo, MAX(m.stocktake_id) AS hi " \
	"FROM stocktake_marks m JOIN stocktakes s ON s.id = m.stocktake_id JOIN items i ON i.id = m.item_id " \
	"WHERE " F("m.unit_id") " AND " MARK_BAD_SESSION " GROUP BY m.unit_id UNION ALL "                    \
	"SELECT 18, m.unit_id, COUNT(*), MIN(m.stocktake_id), MAX(m.stocktake_id) FROM stocktakes s "        \
	"JOIN stocktake_marks m ON m.unit_id = s.unit_id AND m.stocktake_id = s.id "                         \
	"JOIN items i ON i.id = m.item_id JOIN biblios b ON b.id = i.biblio_id "                             \
	"WHERE " F("s.unit_id") " AND s.scope <> 'all' "                                                     \
	"AND NOT " MARK_BAD_SESSION " AND NOT " SCOPE("s.scope", "i", MARK_CLASS)                            \
	" GROUP BY m.unit_id) g JOIN units u ON u.id = g.unit_id"
#define SQL_SCAN_SCHOOL(F)                                                                                   \
	"SELECT s.unit_id, u.code, '', COUNT(*), MIN(s.id), MAX(s.id), 0 "                                   \
	"FROM stocktake_scans sc JOIN stocktakes s ON s.id = sc.stocktake_id JOIN items i ON i.id = sc.item_id " \
	"JOIN units u ON u.id = s.unit_id WHERE " F("s.unit_id") " AND i.unit_id <> s.unit_id "              \
	"GROUP BY s.unit_id, u.code"

/* 5. periodicals */
#define SQL_ISSUE_SCHOOL(F)                                                                                  \
	"SELECT x.unit_id, u.code, '', COUNT(*), MIN(x.id), MAX(x.id), 0 FROM ("                             \
	"SELECT si.unit_id, si.id FROM serial_issues si JOIN subscriptions sb ON sb.id = si.subscription_id " \
	"WHERE " F("si.unit_id") " AND sb.unit_id <> si.unit_id UNION ALL "                                  \
	"SELECT sb.unit_id, sb.id FROM subscriptions sb JOIN periodicals p ON p.id = sb.periodical_id "      \
	"WHERE " F("sb.unit_id") " AND p.unit_id <> sb.unit_id) x JOIN units u ON u.id = x.unit_id "         \
	"GROUP BY x.unit_id, u.code"
#define SQL_BOUND_ITEM(F)                                                                                    \
	"SELECT si.unit_id, u.code, '', COUNT(*), MIN(i.id), MAX(i.id), 0 FROM serial_issues si "            \
	"JOIN subscriptions sb ON sb.id = si.subscription_id JOIN periodicals p ON p.id = sb.periodical_id " \
	"JOIN items i ON i.id = si.bound_item_id JOIN units u ON u.id = si.unit_id "                         \
	"WHERE " F("si.unit_id") " AND (p.biblio_id IS NULL OR i.biblio_id <> p.biblio_id "                  \
	"OR i.unit_id <> si.unit_id) GROUP BY si.unit_id, u.code"

_Static_assert(CHECK_MARK_SESSION == 17 && CHECK_MARK_SCOPE == 18, "SQL_MARKS numbers its rules");

/* A rule read by one grouped query whose rows are: school, code, what, count, first, last,
 * limit. guard: the table and columns of the UNIQUE index that holds the rule, or NULL. */
typedef struct rule_sql {
	check_rule_t rule;
	const char *all, *one;
	int cutoff;  /* the first parameter is the intake-empty cutoff */
	int filters; /* how many times the school filter appears */
	const char *guard_table, *guard_cols;
} rule_sql_t;

#define RULE(r, M) { r, M(ALL_), M(ONE_), 0, 1, NULL, NULL }
#define GUARDED(r, M, t, c) { r, M(ALL_), M(ONE_), 0, 1, t, c }
static const rule_sql_t rules[] = {
	GUARDED(CHECK_ACCESSION_DUP, SQL_ACCESSION_DUP, "items", "unit_id,register,accession_no"),
	GUARDED(CHECK_BARCODE_DUP, SQL_BARCODE_DUP, "items", "unit_id,barcode"),
	RULE(CHECK_ACCESSION_COUNTER, SQL_ABOVE_COUNTER),
	RULE(CHECK_INTAKE_COUNTER, SQL_INTAKE_COUNTER),
	RULE(CHECK_WITHDRAWAL_COUNTER, SQL_WITHDRAWAL_COUNTER),
	GUARDED(CHECK_TITLE_NO_DUP, SQL_TITLE_NO_DUP, "items", "biblio_id,title_no"),
	{ CHECK_INTAKE_EMPTY, SQL_INTAKE_EMPTY(ALL_), SQL_INTAKE_EMPTY(ONE_), 1, 1, NULL, NULL },
	GUARDED(CHECK_INTAKE_NUMBER_DUP, SQL_INTAKE_NUMBER_DUP, "acquisitions", "unit_id,number"),
	RULE(CHECK_WITHDRAWAL_ITEM, SQL_WITHDRAWAL_ITEM),
	RULE(CHECK_WITHDRAWN_TWICE, SQL_WITHDRAWN_TWICE),
	RULE(CHECK_SCAN_SCHOOL, SQL_SCAN_SCHOOL),
	{ CHECK_ISSUE_SCHOOL, SQL_ISSUE_SCHOOL(ALL_), SQL_ISSUE_SCHOOL(ONE_), 0, 2, NULL, NULL },
	RULE(CHECK_BOUND_ITEM, SQL_BOUND_ITEM),
};

static const char *const rule_names[CHECK_RULE_COUNT] = {
	[CHECK_ACCESSION_DUP] = "accession-dup",
	[CHECK_BARCODE_DUP] = "barcode-dup",
	[CHECK_ACCESSION_COUNTER] = "accession-counter",
	[CHECK_INTAKE_COUNTER] = "intake-counter",
	[CHECK_WITHDRAWAL_COUNTER] = "withdrawal-counter",
	[CHECK_TITLE_NO_DUP] = "title-no-dup",
	[CHECK_ITEM_NO_INTAKE] = "item-no-intake",
	[CHECK_ITEM_SCHOOL] = "item-school",
	[CHECK_ITEM_REGISTER] = "item-register",
	[CHECK_INTAKE_EMPTY] = "intake-empty",
	[CHECK_INTAKE_NUMBER_DUP] = "intake-number-dup",
	[CHECK_WITHDRAWAL_ITEM] = "withdrawal-item",
	[CHECK_WITHDRAWN_UNLISTED] = "withdrawn-unlisted",
	[CHECK_WITHDRAWN_TWICE] = "withdrawn-twice",
	[CHECK_BALANCE_CHAIN] = "balance-chain",
	[CHECK_BALANCE_FLOW] = "balance-flow",
	[CHECK_MARK_SESSION] = "mark-session",
	[CHECK_MARK_SCOPE] = "mark-scope",
	[CHECK_SCAN_SCHOOL] = "scan-school",
	[CHECK_ISSUE_SCHOOL] = "issue-school",
	[CHECK_BOUND_ITEM] = "bound-item",
	[CHECK_COUNTERS] = "counters",
};

const char *check_rule_name(check_rule_t rule)
{
	return rule > 0 && rule < CHECK_RULE_COUNT && rule_names[rule] ? rule_names[rule] : "unknown";
}

/* --- running them ----------------------------------------------------------------------------- */

typedef struct collect {
	arena_t *a;
	check_result_t *out;
	size_t cap;
} collect_t;

static check_violation_t *add(collect_t *c, check_rule_t rule, int64_t unit_id, const char *school,
                              const char *what)
{
	c->out->v = arena_grow(c->a, c->out->v, c->out->n, &c->cap, 16, sizeof *c->out->v);
	check_violation_t *v = &c->out->v[c->out->n++];
	memset(v, 0, sizeof *v);
	v->rule = rule;
	v->unit_id = unit_id;
	v->school = arena_strdup(c->a, school ? school : "");
	v->what = arena_strdup(c->a, what ? what : "");
	return v;
}

static db_stmt_t *run_sql(db_t *db, const char *sql, int64_t unit_id, int cutoff, int filters, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql, err);
	if (!st)
		return NULL;
	int idx = 1;
	if (cutoff)
		db_bind_int(st, idx++, clock_now() - 86400);
	for (int k = 0; unit_id && k < filters; k++)
		db_bind_int(st, idx++, unit_id);
	return st;
}

/* Whether table has a valid UNIQUE index on exactly cols ("a,b", in order): then the rule it
 * holds cannot be broken and its rows need not be read. */
static int unique_index(db_t *db, const char *table, const char *cols, int *yes, err_t *err)
{
	int64_t n = 0;
	int rc = db_kind(db) == DB_POSTGRES
	             ? db_query_int(db, &n, err,
	                            "SELECT COUNT(*) FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
	                            "WHERE t.relname = ? AND pg_table_is_visible(t.oid) AND x.indisunique "
	                            "AND x.indisvalid AND x.indisready AND (SELECT string_agg(a.attname, ',' ORDER BY k.n) "
	                            "FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) "
	                            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) = ?",
	                            "ss", table, cols)
	             : db_query_int(db, &n, err,
	                            "SELECT COUNT(*) FROM pragma_index_list(?) il WHERE il.\"unique\" = 1 "
	                            "AND (SELECT group_concat(ii.name, ',') FROM (SELECT name FROM "
	                            "pragma_index_info(il.name) ORDER BY seqno) ii) = ?",
	                            "ss", table, cols);
	*yes = rc == 0 && n > 0;
	return rc < 0 ? rc : 0;
}

static int grouped_rule(db_t *db, const rule_sql_t *r, int64_t unit_id, int flags, collect_t *c, err_t *err)
{
	int rc, held = 0;
	if (r->guard_table && !(flags & CHECK_FULL) &&
	    (rc = unique_index(db, r->guard_table, r->guard_cols, &held, err)) < 0)
		return rc;
	if (held)
		return 0;
	db_stmt_t *st = run_sql(db, unit_id ? r->one : r->all, unit_id, r->cutoff, r->filters, err);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		check_violation_t *v = add(c, r->rule, db_col_int(st, 0), db_col_text(st, 1), db_col_text(st, 2));
		v->count = db_col_int(st, 3);
		v->first = db_col_int(st, 4);
		v->last = db_col_int(st, 5);
		v->limit = db_col_int(st, 6);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The copies' five rules from SQL_COPIES's rows. */
static int copies_rule(db_t *db, int64_t unit_id, collect_t *c, err_t *err)
{
	static const check_rule_t per[] = { CHECK_ACCESSION_COUNTER, CHECK_ITEM_NO_INTAKE, CHECK_ITEM_SCHOOL,
		                            CHECK_WITHDRAWN_UNLISTED, CHECK_ITEM_REGISTER };
	db_stmt_t *st = run_sql(db, unit_id ? SQL_COPIES(ONE_) : SQL_COPIES(ALL_), unit_id, 0, 1, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		/* 0 school, 1 register, 2 + 3k .. 4 + 3k: count, lowest, highest of per[k], 17 code */
		for (int k = 0; k < 5; k++) {
			if (db_col_int(st, 2 + 3 * k) > 0) {
				check_violation_t *v = add(c, per[k], db_col_int(st, 0), db_col_text(st, 17),
				                           db_col_text(st, 1));
				v->count = db_col_int(st, 2 + 3 * k);
				v->first = db_col_int(st, 3 + 3 * k);
				v->last = db_col_int(st, 4 + 3 * k);
			}
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int marks_rule(db_t *db, int64_t unit_id, collect_t *c, err_t *err)
{
	int pg = db_kind(db) == DB_POSTGRES;
	const char *sql = pg ? (unit_id ? SQL_MARKS(ONE_, CHECK_IN_SCOPE_PG) : SQL_MARKS(ALL_, CHECK_IN_SCOPE_PG))
	                     : (unit_id ? SQL_MARKS(ONE_, CHECK_IN_SCOPE_SQLITE) : SQL_MARKS(ALL_, CHECK_IN_SCOPE_SQLITE));
	db_stmt_t *st = run_sql(db, sql, unit_id, 0, 2, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		check_violation_t *v = add(c, (check_rule_t)db_col_int(st, 0), db_col_int(st, 1), db_col_text(st, 2),
		                           db_col_text(st, 3));
		v->count = db_col_int(st, 4);
		v->first = db_col_int(st, 5);
		v->last = db_col_int(st, 6);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int balance_rule(db_t *db, int64_t unit_id, collect_t *c, err_t *err)
{
	db_stmt_t *st = run_sql(db, unit_id ? SQL_BALANCE(ONE_) : SQL_BALANCE(ALL_), unit_id, 0, 1, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t f[10];
		for (int k = 0; k < 10; k++)
			f[k] = db_col_int(st, 3 + k);
		/* f: 0 in_c 1 in_v 2 out_c 3 out_v 4 oh_c 5 oh_v 6 prev_oh_c 7 prev_oh_v
		 *    8 calc_in_c 9 calc_out_c (values: through the chain only, check.h) */
		int64_t want_c = f[6] + f[0] - f[2], want_v = f[7] + f[1] - f[3];
		if (f[4] != want_c || f[5] != want_v) {
			check_violation_t *v = add(c, CHECK_BALANCE_CHAIN, db_col_int(st, 0), db_col_text(st, 1),
			                           db_col_text(st, 2));
			v->count = 1;
			v->first = f[4] != want_c ? f[4] : f[5];
			v->last = f[4] != want_c ? want_c : want_v;
		}
		if (f[0] != f[8] || f[2] != f[9]) {
			check_violation_t *v = add(c, CHECK_BALANCE_FLOW, db_col_int(st, 0), db_col_text(st, 1),
			                           db_col_text(st, 2));
			v->count = 1;
			v->first = f[0];
			v->last = f[8];
			v->limit = f[9];
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The report counters: one recount of the whole scope; only when it differs, one per school to
 * say which (a city whose counters agree pays for one pass). */
static int counters_rule(db_t *db, int64_t unit_id, collect_t *c, err_t *err)
{
	int n = stats_verify(db, unit_id, NULL, err);
	if (n <= 0)
		return n;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, code FROM units WHERE kind = 'school' AND (CAST(? AS BIGINT) = 0 OR id = ?) "
	                         "ORDER BY code",
	                         "ii", unit_id, unit_id);
	if (!st)
		return err->code;
	typedef struct school_ref {
		int64_t id;
		const char *code;
	} school_ref_t;
	school_ref_t *sc = NULL;
	size_t k = 0, cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		sc = arena_grow(c->a, sc, k, &cap, 64, sizeof *sc);
		sc[k].id = db_col_int(st, 0);
		sc[k++].code = arena_strdup(c->a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < k; i++) {
		buf_t rep = { 0 };
		int m = stats_verify(db, sc[i].id, &rep, err);
		if (m > 0) {
			char what[64];
			snprintf(what, sizeof what, "%.*s", (int)strcspn(buf_str(&rep), " "), buf_str(&rep));
			check_violation_t *v = add(c, CHECK_COUNTERS, sc[i].id, sc[i].code, what);
			v->count = v->first = v->last = m;
		}
		buf_release(&rep);
		if (m < 0)
			return m;
	}
	return 0;
}

static int cmp_violation(const void *x, const void *y)
{
	const check_violation_t *a = x, *b = y;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	int k = strcmp(a->school, b->school);
	if (k)
		return k;
	return strcmp(a->what, b->what);
}

int check_run(db_t *db, int64_t unit_id, int flags, arena_t *a, check_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	collect_t c = { .a = a, .out = out };
	int rc = db_query_int(db, &out->schools, err,
	                      "SELECT COUNT(*) FROM units WHERE kind = 'school' AND (CAST(? AS BIGINT) = 0 OR id = ?)",
	                      "ii", unit_id, unit_id);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
		int64_t t0 = clock_usec();
		if ((rc = grouped_rule(db, &rules[k], unit_id, flags, &c, err)) < 0)
			return rc;
		out->usec[rules[k].rule] = clock_usec() - t0;
	}
	int64_t t0 = clock_usec();
	if ((rc = copies_rule(db, unit_id, &c, err)) < 0)
		return rc;
	out->usec[CHECK_ITEM_NO_INTAKE] = clock_usec() - t0;
	t0 = clock_usec();
	if ((rc = balance_rule(db, unit_id, &c, err)) < 0)
		return rc;
	out->usec[CHECK_BALANCE_CHAIN] = clock_usec() - t0;
	t0 = clock_usec();
	if ((rc = marks_rule(db, unit_id, &c, err)) < 0)
		return rc;
	out->usec[CHECK_MARK_SESSION] = clock_usec() - t0;
	t0 = clock_usec();
	if ((rc = counters_rule(db, unit_id, &c, err)) < 0)
		return rc;
	out->usec[CHECK_COUNTERS] = clock_usec() - t0;
	out->rules = CHECK_RULE_COUNT - 1;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_violation);
	return 0;
}

/* --- words ------------------------------------------------------------------------------------ */

const char *check_violation_text(const check_violation_t *v, const char *lang, arena_t *a)
{
	char key[64], range[64], what[64];
	snprintf(key, sizeof key, "check.rule.%s", check_rule_name(v->rule));
	if (v->first == v->last)
		snprintf(range, sizeof range, "%lld", (long long)v->first);
	else
		snprintf(range, sizeof range, "%lld–%lld", (long long)v->first, (long long)v->last);
	snprintf(what, sizeof what, "%s", v->what);
	if (v->rule == CHECK_BALANCE_CHAIN || v->rule == CHECK_BALANCE_FLOW)
		clock_day_vn(v->what, what, sizeof what);
	const char *t = i18n_get(lang, key);
	buf_t b = { 0 };
	while (*t) {
		const char *open = strchr(t, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!close) {
			buf_puts(&b, t);
			break;
		}
		buf_append(&b, t, (size_t)(open - t));
		size_t n = (size_t)(close - open - 1);
#define IS(name) (n == sizeof name - 1 && !memcmp(open + 1, name, n))
		if (IS("school"))
			buf_puts(&b, v->school);
		else if (IS("what"))
			buf_puts(&b, what);
		else if (IS("range"))
			buf_puts(&b, range);
		else if (IS("count"))
			buf_printf(&b, "%lld", (long long)v->count);
		else if (IS("first"))
			buf_printf(&b, "%lld", (long long)v->first);
		else if (IS("last"))
			buf_printf(&b, "%lld", (long long)v->last);
		else if (IS("limit"))
			buf_printf(&b, "%lld", (long long)v->limit);
		else
			buf_append(&b, open, (size_t)(close - open + 1));
#undef IS
		t = close + 1;
	}
	char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}
