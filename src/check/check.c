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
#include "check/check.h"

/* --- part III ----------------------------------------------------------------------------- */

static int valid_day(const char *s)
{
	int64_t d;
	return s && clock_day_parse(s, &d) == 0;
}

int check_balance_compute(db_t *db, int64_t unit_id, const char *from_day, const char *to_day,
                          check_balance_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (from_day && !*from_day)
		from_day = NULL;
	if ((from_day && !valid_day(from_day)) || !valid_day(to_day))
		return err_set(err, ERR_INVALID, "err.invalid", "day");
	if (from_day)
		snprintf(out->from_day, sizeof out->from_day, "%s", from_day);
	/* '' sorts before every yyyy-mm-dd: "from the beginning". */
	const char *from = from_day ? from_day : "";
	db_stmt_t *st = db_query(db, err,
	                         "SELECT COUNT(i.id), COALESCE(SUM(i.price), 0) FROM acquisitions q "
	                         "JOIN items i ON i.acquisition_id = q.id "
	                         "WHERE q.unit_id = ? AND q.received > ? AND q.received <= ?",
	                         "iss", unit_id, from, to_day);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		out->in_copies = db_col_int(st, 0);
		out->in_value = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_query(db, err,
	              "SELECT COUNT(i.id), COALESCE(SUM(i.price), 0) FROM withdrawals w "
	              "JOIN withdrawal_items wi ON wi.withdrawal_id = w.id JOIN items i ON i.id = wi.item_id "
	              "WHERE w.unit_id = ? AND w.status = 'approved' AND w.approved_day > ? AND w.approved_day <= ?",
	              "iss", unit_id, from, to_day);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc == DB_ROW) {
		out->out_copies = db_col_int(st, 0);
		out->out_value = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int check_balance_next(db_t *db, int64_t unit_id, const char *day, check_balance_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!valid_day(day))
		return err_set(err, ERR_INVALID, "err.invalid", "day");
	char prev[11] = "";
	int64_t oh_copies = 0, oh_value = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT day, on_hand_copies, on_hand_value FROM stock_balances "
	                         "WHERE unit_id = ? AND day <= ? ORDER BY day DESC, id DESC LIMIT 1",
	                         "is", unit_id, day);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		snprintf(prev, sizeof prev, "%s", db_col_text(st, 0));
		oh_copies = db_col_int(st, 1);
		oh_value = db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = check_balance_compute(db, unit_id, prev, day, out, err)) < 0)
		return rc;
	out->on_hand_copies = oh_copies + out->in_copies - out->out_copies;
	out->on_hand_value = oh_value + out->in_value - out->out_value;
	return 0;
}

/* --- the rules' SQL --------------------------------------------------------------------------
 * The first column is the rule's number, for reading the SQL in a log; the runner uses its table.
 * F(col) is the school filter: ALL_ (every school, no parameter) or ONE_ (col = ?). */
#define ALL_(col) "1 = 1"
#define ONE_(col) col " = ?"

/* 1. numbers */
#define SQL_ACCESSION_DUP(F)                                                                                 \
	"SELECT 1, d.unit_id, u.code, d.register, COUNT(*), MIN(d.accession_no), MAX(d.accession_no), 0 "    \
	"FROM (SELECT unit_id, register, accession_no FROM items WHERE " F("unit_id")                        \
	" GROUP BY unit_id, register, accession_no HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id " \
	"GROUP BY d.unit_id, u.code, d.register"
#define SQL_BARCODE_DUP(F)                                                                                   \
	"SELECT 2, d.unit_id, u.code, MIN(d.barcode), COUNT(*), 0, 0, 0 "                                    \
	"FROM (SELECT unit_id, barcode FROM items WHERE " F("unit_id")                                       \
	" GROUP BY unit_id, barcode HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id "                \
	"GROUP BY d.unit_id, u.code"
/* The highest number per register first (an index scan), then the copies above the counter only
 * where there are any. */
#define SQL_ACCESSION_COUNTER(F)                                                                             \
	"SELECT 3, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), "      \
	"COALESCE(MIN(c.last), 0) "                                                                          \
	"FROM (SELECT unit_id, register, MAX(accession_no) AS mx FROM items WHERE " F("unit_id")             \
	" GROUP BY unit_id, register) m "                                                                    \
	"LEFT JOIN accession_counters c ON c.unit_id = m.unit_id AND c.register = m.register "               \
	"JOIN items i ON i.unit_id = m.unit_id AND i.register = m.register "                                 \
	"AND i.accession_no > COALESCE(c.last, 0) "                                                          \
	"JOIN units u ON u.id = m.unit_id WHERE m.mx > COALESCE(c.last, 0) "                                 \
	"GROUP BY i.unit_id, u.code, i.register"
#define SQL_INTAKE_COUNTER(F)                                                                                \
	"SELECT 4, q.unit_id, u.code, '', COUNT(*), MIN(q.number), MAX(q.number), COALESCE(MIN(c.last), 0) " \
	"FROM acquisitions q JOIN units u ON u.id = q.unit_id "                                              \
	"LEFT JOIN accession_counters c ON c.unit_id = q.unit_id AND c.register = '#TQ' "                    \
	"WHERE " F("q.unit_id") " AND q.number > COALESCE(c.last, 0) GROUP BY q.unit_id, u.code"
#define SQL_WITHDRAWAL_COUNTER(F)                                                                            \
	"SELECT 5, w.unit_id, u.code, '', COUNT(*), MIN(COALESCE(w.number, 0)), MAX(COALESCE(w.number, 0)), " \
	"COALESCE(MIN(c.last), 0) FROM withdrawals w JOIN units u ON u.id = w.unit_id "                      \
	"LEFT JOIN accession_counters c ON c.unit_id = w.unit_id AND c.register = '#XK' "                    \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' "                                                \
	"AND (w.number IS NULL OR w.number > COALESCE(c.last, 0)) GROUP BY w.unit_id, u.code"
#define SQL_TITLE_NO_DUP(F)                                                                                  \
	"SELECT 6, b.unit_id, u.code, '', COUNT(*), MIN(d.biblio_id), MAX(d.biblio_id), 0 "                  \
	"FROM (SELECT biblio_id, title_no FROM items WHERE " F("unit_id") " AND title_no IS NOT NULL "       \
	"GROUP BY biblio_id, title_no HAVING COUNT(*) > 1) d JOIN biblios b ON b.id = d.biblio_id "          \
	"JOIN units u ON u.id = b.unit_id GROUP BY b.unit_id, u.code"

/* 2. copies and intake lines */
#define SQL_ITEM_NO_INTAKE(F)                                                                                \
	"SELECT 7, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "    \
	"FROM items i JOIN units u ON u.id = i.unit_id LEFT JOIN acquisitions q ON q.id = i.acquisition_id " \
	"WHERE " F("i.unit_id") " AND (q.id IS NULL OR q.unit_id <> i.unit_id) "                             \
	"GROUP BY i.unit_id, u.code, i.register"
#define SQL_ITEM_SCHOOL(F)                                                                                   \
	"SELECT 8, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "    \
	"FROM items i JOIN biblios b ON b.id = i.biblio_id JOIN units u ON u.id = i.unit_id "                \
	"WHERE " F("i.unit_id") " AND b.unit_id <> i.unit_id GROUP BY i.unit_id, u.code, i.register"
#define SQL_ITEM_REGISTER(F)                                                                                 \
	"SELECT 9, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "    \
	"FROM items i JOIN units u ON u.id = i.unit_id WHERE " F("i.unit_id")                                \
	" AND i.register NOT IN (SELECT register FROM doc_types) GROUP BY i.unit_id, u.code, i.register"

/* 3. parts I, II and III. The first parameter of intake-empty is the cutoff (created_at). */
#define SQL_INTAKE_EMPTY(F)                                                                                  \
	"SELECT 10, q.unit_id, u.code, '', COUNT(*), MIN(q.number), MAX(q.number), 0 "                       \
	"FROM acquisitions q JOIN units u ON u.id = q.unit_id WHERE q.created_at < ? AND " F("q.unit_id")    \
	" AND NOT EXISTS (SELECT 1 FROM items i WHERE i.acquisition_id = q.id) GROUP BY q.unit_id, u.code"
#define SQL_INTAKE_NUMBER_DUP(F)                                                                             \
	"SELECT 11, d.unit_id, u.code, '', COUNT(*), MIN(d.number), MAX(d.number), 0 "                       \
	"FROM (SELECT unit_id, number FROM acquisitions WHERE " F("unit_id")                                 \
	" GROUP BY unit_id, number HAVING COUNT(*) > 1) d JOIN units u ON u.id = d.unit_id "                 \
	"GROUP BY d.unit_id, u.code"
/* A copy listed by two approved withdrawals is withdrawn-twice, not this too. */
#define SQL_WITHDRAWAL_ITEM(F)                                                                               \
	"SELECT 12, w.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), "     \
	"MIN(COALESCE(w.number, 0)) FROM withdrawals w JOIN withdrawal_items wi ON wi.withdrawal_id = w.id " \
	"JOIN items i ON i.id = wi.item_id JOIN units u ON u.id = w.unit_id "                                \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' AND (i.status <> 'withdrawn' "                   \
	"OR i.withdrawal_id IS NULL OR i.withdrawal_id <> w.id OR i.unit_id <> w.unit_id) "                  \
	"AND NOT EXISTS (SELECT 1 FROM withdrawal_items w2 JOIN withdrawals x ON x.id = w2.withdrawal_id "   \
	"WHERE w2.item_id = wi.item_id AND x.id <> w.id AND x.status = 'approved') "                         \
	"GROUP BY w.unit_id, u.code, i.register"
#define SQL_WITHDRAWN_UNLISTED(F)                                                                            \
	"SELECT 13, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "   \
	"FROM items i JOIN units u ON u.id = i.unit_id "                                                     \
	"WHERE " F("i.unit_id") " AND (i.status = 'withdrawn' OR i.withdrawal_id IS NOT NULL) "              \
	"AND NOT EXISTS (SELECT 1 FROM withdrawals w JOIN withdrawal_items wi ON wi.withdrawal_id = w.id "   \
	"WHERE w.id = i.withdrawal_id AND wi.item_id = i.id AND w.status = 'approved' "                      \
	"AND w.unit_id = i.unit_id) GROUP BY i.unit_id, u.code, i.register"
#define SQL_WITHDRAWN_TWICE(F)                                                                               \
	"SELECT 14, i.unit_id, u.code, i.register, COUNT(*), MIN(i.accession_no), MAX(i.accession_no), 0 "   \
	"FROM (SELECT wi.item_id FROM withdrawal_items wi JOIN withdrawals w ON w.id = wi.withdrawal_id "    \
	"WHERE " F("w.unit_id") " AND w.status = 'approved' GROUP BY wi.item_id HAVING COUNT(*) > 1) d "     \
	"JOIN items i ON i.id = d.item_id JOIN units u ON u.id = i.unit_id "                                 \
	"GROUP BY i.unit_id, u.code, i.register"
/* Part III: every line with its previous line and the in/out check_balance_compute defines,
 * only the lines where something differs. Rows: school, code, day, then written in/out/on hand
 * (copies, value), previous on hand (copies, value), computed in and out (copies, value). */
#define SQL_BALANCE(F)                                                                                       \
	"WITH l AS (SELECT b.id, b.unit_id, b.day, b.in_copies, b.in_value, b.out_copies, b.out_value, "     \
	"b.on_hand_copies, b.on_hand_value, "                                                                \
	"(SELECT p.id FROM stock_balances p WHERE p.unit_id = b.unit_id "                                    \
	"AND (p.day < b.day OR (p.day = b.day AND p.id < b.id)) ORDER BY p.day DESC, p.id DESC LIMIT 1) AS pid " \
	"FROM stock_balances b WHERE " F("b.unit_id") "), "                                                  \
	"lp AS (SELECT l.*, COALESCE(p.day, '') AS from_day, COALESCE(p.on_hand_copies, 0) AS poc, "         \
	"COALESCE(p.on_hand_value, 0) AS pov FROM l LEFT JOIN stock_balances p ON p.id = l.pid), "           \
	"ins AS (SELECT lp.id, COUNT(i.id) AS n, COALESCE(SUM(i.price), 0) AS v FROM lp "                    \
	"JOIN acquisitions q ON q.unit_id = lp.unit_id AND q.received > lp.from_day AND q.received <= lp.day " \
	"JOIN items i ON i.acquisition_id = q.id GROUP BY lp.id), "                                          \
	"outs AS (SELECT lp.id, COUNT(i.id) AS n, COALESCE(SUM(i.price), 0) AS v FROM lp "                   \
	"JOIN withdrawals w ON w.unit_id = lp.unit_id AND w.status = 'approved' "                            \
	"AND w.approved_day > lp.from_day AND w.approved_day <= lp.day "                                     \
	"JOIN withdrawal_items wi ON wi.withdrawal_id = w.id JOIN items i ON i.id = wi.item_id GROUP BY lp.id) " \
	"SELECT lp.unit_id, u.code, lp.day, lp.in_copies, lp.in_value, lp.out_copies, lp.out_value, "        \
	"lp.on_hand_copies, lp.on_hand_value, lp.poc, lp.pov, COALESCE(ins.n, 0), COALESCE(ins.v, 0), "      \
	"COALESCE(outs.n, 0), COALESCE(outs.v, 0) FROM lp JOIN units u ON u.id = lp.unit_id "                \
	"LEFT JOIN ins ON ins.id = lp.id LEFT JOIN outs ON outs.id = lp.id "                                 \
	"WHERE lp.in_copies <> COALESCE(ins.n, 0) OR lp.in_value <> COALESCE(ins.v, 0) "                     \
	"OR lp.out_copies <> COALESCE(outs.n, 0) OR lp.out_value <> COALESCE(outs.v, 0) "                    \
	"OR lp.on_hand_copies <> lp.poc + lp.in_copies - lp.out_copies "                                     \
	"OR lp.on_hand_value <> lp.pov + lp.in_value - lp.out_value "                                        \
	"ORDER BY u.code, lp.day, lp.id"

/* 4. stocktakes */
#define SQL_MARK_SESSION(F)                                                                                  \
	"SELECT 17, m.unit_id, u.code, '', COUNT(*), MIN(m.stocktake_id), MAX(m.stocktake_id), 0 "           \
	"FROM stocktake_marks m JOIN stocktakes s ON s.id = m.stocktake_id JOIN items i ON i.id = m.item_id " \
	"JOIN units u ON u.id = m.unit_id WHERE " F("m.unit_id") " AND (s.status <> 'closed' "               \
	"OR s.unit_id <> m.unit_id OR s.school_year <> m.school_year OR i.unit_id <> m.unit_id) "            \
	"GROUP BY m.unit_id, u.code"
#define SQL_MARK_SCOPE(F, SCOPE)                                                                             \
	"SELECT 18, m.unit_id, u.code, '', COUNT(*), MIN(m.stocktake_id), MAX(m.stocktake_id), 0 "           \
	"FROM stocktake_marks m JOIN stocktakes s ON s.id = m.stocktake_id JOIN items i ON i.id = m.item_id " \
	"JOIN biblios b ON b.id = i.biblio_id JOIN units u ON u.id = m.unit_id "                             \
	"WHERE " F("m.unit_id") " AND s.scope <> 'all' AND NOT " SCOPE("s.scope", "i", "b")                  \
	" GROUP BY m.unit_id, u.code"
#define SQL_SCAN_SCHOOL(F)                                                                                   \
	"SELECT 19, s.unit_id, u.code, '', COUNT(*), MIN(s.id), MAX(s.id), 0 "                               \
	"FROM stocktake_scans sc JOIN stocktakes s ON s.id = sc.stocktake_id JOIN items i ON i.id = sc.item_id " \
	"JOIN units u ON u.id = s.unit_id WHERE " F("s.unit_id") " AND i.unit_id <> s.unit_id "              \
	"GROUP BY s.unit_id, u.code"

/* 5. periodicals */
#define SQL_ISSUE_SCHOOL(F)                                                                                  \
	"SELECT 20, x.unit_id, u.code, '', COUNT(*), MIN(x.id), MAX(x.id), 0 FROM ("                         \
	"SELECT si.unit_id, si.id FROM serial_issues si JOIN subscriptions sb ON sb.id = si.subscription_id " \
	"WHERE " F("si.unit_id") " AND sb.unit_id <> si.unit_id UNION ALL "                                  \
	"SELECT sb.unit_id, sb.id FROM subscriptions sb JOIN periodicals p ON p.id = sb.periodical_id "      \
	"WHERE " F("sb.unit_id") " AND p.unit_id <> sb.unit_id) x JOIN units u ON u.id = x.unit_id "         \
	"GROUP BY x.unit_id, u.code"
#define SQL_BOUND_ITEM(F)                                                                                    \
	"SELECT 21, si.unit_id, u.code, '', COUNT(*), MIN(i.id), MAX(i.id), 0 FROM serial_issues si "        \
	"JOIN subscriptions sb ON sb.id = si.subscription_id JOIN periodicals p ON p.id = sb.periodical_id " \
	"JOIN items i ON i.id = si.bound_item_id JOIN units u ON u.id = si.unit_id "                         \
	"WHERE " F("si.unit_id") " AND (p.biblio_id IS NULL OR i.biblio_id <> p.biblio_id "                  \
	"OR i.unit_id <> si.unit_id) GROUP BY si.unit_id, u.code"

typedef struct rule_sql {
	check_rule_t rule;
	const char *all, *one;       /* SQLite, and PostgreSQL unless the next two are set */
	const char *pg_all, *pg_one; /* PostgreSQL's own text, or NULL */
	int cutoff;                  /* the first parameter is the intake-empty cutoff */
	int filters;                 /* how many times the school filter appears */
} rule_sql_t;

#define RULE(r, M) { r, M(ALL_), M(ONE_), NULL, NULL, 0, 1 }
static const rule_sql_t rules[] = {
	RULE(CHECK_ACCESSION_DUP, SQL_ACCESSION_DUP),
	RULE(CHECK_BARCODE_DUP, SQL_BARCODE_DUP),
	RULE(CHECK_ACCESSION_COUNTER, SQL_ACCESSION_COUNTER),
	RULE(CHECK_INTAKE_COUNTER, SQL_INTAKE_COUNTER),
	RULE(CHECK_WITHDRAWAL_COUNTER, SQL_WITHDRAWAL_COUNTER),
	RULE(CHECK_TITLE_NO_DUP, SQL_TITLE_NO_DUP),
	RULE(CHECK_ITEM_NO_INTAKE, SQL_ITEM_NO_INTAKE),
	RULE(CHECK_ITEM_SCHOOL, SQL_ITEM_SCHOOL),
	RULE(CHECK_ITEM_REGISTER, SQL_ITEM_REGISTER),
	{ CHECK_INTAKE_EMPTY, SQL_INTAKE_EMPTY(ALL_), SQL_INTAKE_EMPTY(ONE_), NULL, NULL, 1, 1 },
	RULE(CHECK_INTAKE_NUMBER_DUP, SQL_INTAKE_NUMBER_DUP),
	RULE(CHECK_WITHDRAWAL_ITEM, SQL_WITHDRAWAL_ITEM),
	RULE(CHECK_WITHDRAWN_UNLISTED, SQL_WITHDRAWN_UNLISTED),
	RULE(CHECK_WITHDRAWN_TWICE, SQL_WITHDRAWN_TWICE),
	/* CHECK_BALANCE_CHAIN and _FLOW: balance_rule(), one query for both */
	RULE(CHECK_MARK_SESSION, SQL_MARK_SESSION),
	{ CHECK_MARK_SCOPE, SQL_MARK_SCOPE(ALL_, CHECK_IN_SCOPE_SQLITE), SQL_MARK_SCOPE(ONE_, CHECK_IN_SCOPE_SQLITE),
	  SQL_MARK_SCOPE(ALL_, CHECK_IN_SCOPE_PG), SQL_MARK_SCOPE(ONE_, CHECK_IN_SCOPE_PG), 0, 1 },
	RULE(CHECK_SCAN_SCHOOL, SQL_SCAN_SCHOOL),
	{ CHECK_ISSUE_SCHOOL, SQL_ISSUE_SCHOOL(ALL_), SQL_ISSUE_SCHOOL(ONE_), NULL, NULL, 0, 2 },
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

static int grouped_rule(db_t *db, const rule_sql_t *r, int64_t unit_id, collect_t *c, err_t *err)
{
	int pg = db_kind(db) == DB_POSTGRES;
	const char *sql = unit_id ? (pg && r->pg_one ? r->pg_one : r->one) : (pg && r->pg_all ? r->pg_all : r->all);
	db_stmt_t *st = run_sql(db, sql, unit_id, r->cutoff, r->filters, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		check_violation_t *v = add(c, r->rule, db_col_int(st, 1), db_col_text(st, 2),
		                           db_col_text(st, 3));
		v->count = db_col_int(st, 4);
		v->first = db_col_int(st, 5);
		v->last = db_col_int(st, 6);
		v->limit = db_col_int(st, 7);
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
		int64_t f[12];
		for (int k = 0; k < 12; k++)
			f[k] = db_col_int(st, 3 + k);
		/* f: 0 in_c 1 in_v 2 out_c 3 out_v 4 oh_c 5 oh_v 6 prev_oh_c 7 prev_oh_v
		 *    8 calc_in_c 9 calc_in_v 10 calc_out_c 11 calc_out_v */
		int64_t want_c = f[6] + f[0] - f[2], want_v = f[7] + f[1] - f[3];
		if (f[4] != want_c || f[5] != want_v) {
			check_violation_t *v = add(c, CHECK_BALANCE_CHAIN, db_col_int(st, 0), db_col_text(st, 1),
			                           db_col_text(st, 2));
			v->count = 1;
			v->first = f[4] != want_c ? f[4] : f[5];
			v->last = f[4] != want_c ? want_c : want_v;
		}
		if (f[0] != f[8] || f[1] != f[9] || f[2] != f[10] || f[3] != f[11]) {
			check_violation_t *v = add(c, CHECK_BALANCE_FLOW, db_col_int(st, 0), db_col_text(st, 1),
			                           db_col_text(st, 2));
			v->count = 1;
			v->first = f[0];
			v->last = f[8];
			v->limit = f[10];
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
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

int check_run(db_t *db, int64_t unit_id, arena_t *a, check_result_t *out, err_t *err)
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
		if ((rc = grouped_rule(db, &rules[k], unit_id, &c, err)) < 0)
			return rc;
		out->usec[rules[k].rule] = clock_usec() - t0;
		out->rules++;
		if (rules[k].rule == CHECK_WITHDRAWN_TWICE) { /* part III after part II, in rule order */
			t0 = clock_usec();
			if ((rc = balance_rule(db, unit_id, &c, err)) < 0)
				return rc;
			out->usec[CHECK_BALANCE_CHAIN] = clock_usec() - t0;
			out->rules += 2;
		}
	}
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
