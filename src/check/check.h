/* check.h: the rules the registers rest on (issue 7, item 6), and the one definition of a part III
 * line (sổ đăng ký tổng quát, phần III: kiểm kê) that the stocktake writes and the check verifies.
 *
 * The registers are read from the rows that make them (migration 0012), so they cannot disagree
 * with the data; what can go wrong is the data itself: a number given twice or reused, a copy on
 * no intake line, a withdrawn copy no approved withdrawal lists, a part III line whose sums do
 * not follow from the intake and withdrawal lines, a stocktake mark of an open session. check_run
 * tests every rule over the whole database (or one school) with ONE set-based, grouped query per
 * rule, never a query per row, so a city of 500 schools and 20 million copies checks in seconds.
 *
 * Nothing here writes: a check is plain SELECTs (no transaction needed; on SQLite it reads one
 * snapshot per statement). No actor: it is the operator's tool (`thuvien check`) and the tests':
 *
 *     check_result_t r;
 *     if (check_run(db, 0, 0, arena, &r, &err) < 0 || r.n)     // 0: every school, no flags
 *             for (size_t i = 0; i < r.n; i++)
 *                     puts(check_violation_text(&r.v[i], "en", arena));
 */
#ifndef THUVIEN_CHECK_CHECK_H
#define THUVIEN_CHECK_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* --- part III: the stock balance -------------------------------------------------------------
 *
 * A line of part III (stock_balances) is written when a whole-library stocktake closes, inside
 * its closing transaction. Lines are written in closing order, so a school's previous line is its
 * line with the greatest stock_balances.id below this one (none for the first). Each line's
 * session keeps two WATERMARKS (migration 0014): stocktakes.last_item_id, the school's highest
 * copy id when it closed, and stocktakes.last_withdrawal_no, the highest part II number of its
 * approved withdrawals then (each at least the previous line's; 0 for "before the first line").
 * With P the previous line's watermarks and L this line's, exactly:
 *
 *   in_copies  = the school's copies IN THE GENERAL REGISTER (CATALOG_GENERAL_REGISTER_SQL: not
 *                TB, not SDT, as parts I and II) with P.last_item_id < items.id <= L.last_item_id;
 *   out_copies = the school's copies in the general register listed (withdrawal_items) by its
 *                APPROVED withdrawals with P.last_withdrawal_no < number <= L.last_withdrawal_no;
 *   in_value, out_value = the sums of those copies' value (CATALOG_COPY_VALUE_SQL), when written;
 *   on_hand    = the previous line's on_hand (0 for the first) + in - out, copies and value:
 *                the line is the chain, not a count.
 *
 * Why ids and numbers, not days: ids and part II numbers are given in order, inside the writers'
 * transactions, so a watermark separates exactly what a line counted from what came after, even a
 * copy added in the very second of the close; and an intake line typed in later with an old date
 * (existing stock, hồi cố) is the next line's intake instead of rewriting an old line. A copy's
 * current status does not matter (a copy that came in and left between two lines counts once in
 * each). The close also counts the copies of the general register not withdrawn and audits any
 * difference from the chain (a copy lost or edited by hand, a price corrected).
 *
 * The check (rules CHECK_BALANCE_FLOW and CHECK_BALANCE_CHAIN) recomputes each line's in and out
 * COPIES by these ranges and the chain for copies and value. Values are checked only through the
 * chain, not recomputed: a copy's price may be corrected after a line counted it (catalog edit),
 * and the line keeps the value of the day it was written, as a paper register would; recomputing
 * would report every such correction as a broken register. */
typedef struct check_balance {
	int64_t in_copies, in_value;
	int64_t out_copies, out_value;
	int64_t on_hand_copies, on_hand_value;
	int64_t prev_id;                           /* the previous line's id, 0 for the first */
	int64_t prev_item_id, prev_withdrawal_no;  /* P, the previous line's watermarks */
	int64_t last_item_id, last_withdrawal_no;  /* L, this line's: store them on the session */
} check_balance_t;

/* The next line of school unit_id's part III, by the definition above, from the rows as they are
 * now (call it inside the closing transaction, before inserting the line, and store
 * out->last_item_id / last_withdrawal_no on the session that writes it). out is zeroed first. */
int check_balance_next(db_t *db, int64_t unit_id, check_balance_t *out, err_t *err);

/* --- stocktake scope ---------------------------------------------------------------------------
 *
 * Whether copy I (an items alias) whose record's class number is the SQL expression CLASS (say
 * "b.class_number", or a scalar subquery so that it is read only for class scopes) is in the
 * scope S (an SQL text expression, stocktakes.scope) of a session of the same school: an SQL
 * condition, as a string literal, for the stocktake and the check to share. 'all': every copy;
 * 'register:X': I.register = X; 'location:X': I.location = X; 'class:A-B': the class number,
 * compared as text, is >= A and its first length(B) characters are <= B (so 'class:300-399'
 * holds 300 to 399.99 but not 4xx); a record without class number is in no class scope. Only
 * the first '-' after "class:" splits A from B. POS is the backend's position function (instr on
 * SQLite, strpos on PostgreSQL): use CHECK_IN_SCOPE_SQLITE / CHECK_IN_SCOPE_PG by db_kind(). */
#define CHECK_IN_SCOPE_POS(POS, S, I, CLASS)                                                                \
	"(" S " = 'all'"                                                                                    \
	" OR (substr(" S ", 1, 9) = 'register:' AND " I ".register = substr(" S ", 10))"                     \
	" OR (substr(" S ", 1, 9) = 'location:' AND " I ".location = substr(" S ", 10))"                     \
	" OR (substr(" S ", 1, 6) = 'class:' AND " POS "(substr(" S ", 7), '-') > 0 AND " CLASS " <> ''"    \
	" AND " CLASS " >= substr(" S ", 7, " POS "(substr(" S ", 7), '-') - 1)"                             \
	" AND substr(" CLASS ", 1, length(substr(" S ", 7 + " POS "(substr(" S ", 7), '-'))))"               \
	" <= substr(" S ", 7 + " POS "(substr(" S ", 7), '-'))))"
#define CHECK_IN_SCOPE_SQLITE(S, I, CLASS) CHECK_IN_SCOPE_POS("instr", S, I, CLASS)
#define CHECK_IN_SCOPE_PG(S, I, CLASS) CHECK_IN_SCOPE_POS("strpos", S, I, CLASS)

/* --- the rules ------------------------------------------------------------------------------- */

/* Each rule, with what a violation's fields mean (see check_violation_t). "copies" are items. */
typedef enum check_rule {
	/* 1. numbers */
	CHECK_ACCESSION_DUP = 1, /* two copies share a school's register and accession number.
	                            what: register; count: numbers given twice; first/last: them */
	CHECK_BARCODE_DUP,       /* two copies of a school share a barcode. what: the lowest such
	                            barcode; count: barcodes */
	CHECK_ACCESSION_COUNTER, /* a copy's accession number is above its register's counter
	                            (accession_counters.last; no counter row: 0), so it would be
	                            given again. what: register; first/last: the numbers; limit: the
	                            counter */
	CHECK_INTAKE_COUNTER,    /* an intake line's general-register number is above '#TQ'.
	                            first/last: the numbers; limit: the counter */
	CHECK_WITHDRAWAL_COUNTER, /* an approved withdrawal has no part II number or one above
	                            '#XK'. first/last: the numbers (0: none); limit: the counter */
	CHECK_TITLE_NO_DUP,      /* two copies of one record share title_no. first/last: the
	                            records' ids; count: (record, number) pairs */
	/* 2. copies and intake lines */
	CHECK_ITEM_NO_INTAKE,    /* a copy is on no intake line, or on one of another school.
	                            what: register; first/last: accession numbers */
	CHECK_ITEM_SCHOOL,       /* a copy's school is not its record's. what: register;
	                            first/last: accession numbers */
	CHECK_ITEM_REGISTER,     /* a copy's register is no document type's register (a series the
	                            registers do not print). Not "its record's type's register": a
	                            record whose type is changed keeps its copies and their numbers
	                            in the old register, by design (catalog edit, kept_accessions).
	                            what: the copy's register; first/last: accession numbers */
	/* 3. parts I, II, III */
	CHECK_INTAKE_EMPTY,      /* an intake line has no copies and was not opened in the last 24
	                            hours. first/last: general-register numbers */
	CHECK_INTAKE_NUMBER_DUP, /* two intake lines share a general-register number.
	                            first/last: the numbers */
	CHECK_WITHDRAWAL_ITEM,   /* a copy listed by an approved withdrawal is not 'withdrawn' with
	                            withdrawal_id = that withdrawal. what: register; first/last:
	                            accession numbers; limit: the lowest withdrawal number */
	CHECK_WITHDRAWN_UNLISTED, /* a 'withdrawn' copy (or one with a withdrawal_id) whose
	                            withdrawal_id is not an approved withdrawal of its school that
	                            lists it. what: register; first/last: accession numbers */
	CHECK_WITHDRAWN_TWICE,   /* a copy is listed by two approved withdrawals. what: register;
	                            first/last: accession numbers */
	CHECK_BALANCE_CHAIN,     /* a part III line's on hand is not the previous line's on hand +
	                            in - out (copies or value). what: the line's day; first: copies
	                            on hand as written; last: as it should be (the value's pair
	                            when only the value is off); count: lines */
	CHECK_BALANCE_FLOW,      /* a part III line's in or out copies are not what the copies and
	                            approved withdrawals between its previous line's watermarks and
	                            its own give (check_balance_next). what: the line's day; first:
	                            in copies written, last: in copies computed, limit: out copies
	                            computed; count: lines */
	/* 4. stocktakes */
	CHECK_MARK_SESSION,      /* a stocktake mark of a session that is not closed, or of another
	                            school or school year than the mark's, or on a copy of another
	                            school. first/last: session ids; count: marks */
	CHECK_MARK_SCOPE,        /* a mark on a copy outside its session's scope. first/last: the
	                            sessions' ids; count: marks */
	CHECK_SCAN_SCHOOL,       /* a scan resolved to a copy of another school than the session's.
	                            first/last: session ids; count: scans */
	/* 5. periodicals */
	CHECK_ISSUE_SCHOOL,      /* an issue's subscription, or a subscription's title, is of
	                            another school. first/last: issue (or subscription) ids */
	CHECK_BOUND_ITEM,        /* a bound issue's copy is not a copy of the title's record (or the
	                            title has none). first/last: the copies' ids */
	/* 6. report counters (src/stats/stats.h) */
	CHECK_COUNTERS,          /* the school's report counters (stat_* tables) differ from a
	                            recount of the rows they count (stats_verify). what: the first
	                            differing table; count: differing counter rows */
	CHECK_RULE_COUNT         /* one more than the last rule */
} check_rule_t;

/* One violated rule in one school (and register): the rows that break it there, grouped. */
typedef struct check_violation {
	check_rule_t rule;
	int64_t unit_id;
	const char *school; /* units.code */
	const char *what;   /* the register, barcode or day the rule names, or "" */
	int64_t count;      /* how many (numbers, copies, lines) break it in this group, >= 1 */
	int64_t first;      /* the lowest number involved (meaning per rule, above) */
	int64_t last;       /* the highest; == first when count is 1 */
	int64_t limit;      /* the bound broken (a counter), or a second figure; 0 when none */
} check_violation_t;

typedef struct check_result {
	check_violation_t *v; /* in the caller's arena, by rule then school code then what */
	size_t n;
	int64_t schools; /* schools looked at */
	int64_t rules;   /* rules run (CHECK_RULE_COUNT - 1) */
	int64_t usec[CHECK_RULE_COUNT]; /* time of the query that read each rule, for the bench (a
	                                   query read for several rules counts on its first) */
} check_result_t;

/* Flags of check_run. The rules a UNIQUE index holds (accession-dup, barcode-dup, title-no-dup,
 * intake-number-dup) are proved by the index itself: the check reads the rows only when that
 * index is missing or invalid (someone dropped it), unless CHECK_FULL, which reads them anyway
 * (a suspected corrupt index; a few seconds more per million copies). */
enum { CHECK_FULL = 1 };

/* Run every rule over the whole database (unit_id 0) or one school (unit_id: a school's id).
 * Violations go in out->v (arena a). Returns 0 whether or not rules are broken (out->n says), or
 * a negative ERR_* when a query fails (the database is not migrated to 0012, a connection lost).
 * A row that breaks two rules read by one query (copies: accession-counter, item-no-intake,
 * item-school, item-register, withdrawn-unlisted; marks: mark-session before mark-scope) is
 * counted in each of the copy rules, and only under mark-session for marks. */
int check_run(db_t *db, int64_t unit_id, int flags, arena_t *a, check_result_t *out, err_t *err);

/* The rule's short name ("accession-dup"), stable, for scripts and tests. */
const char *check_rule_name(check_rule_t rule);

/* One line describing v, in lang ("vi" or "en"), from the i18n message check.rule.<name>:
 * "TH001: ..." with its numbers. In arena a. */
const char *check_violation_text(const check_violation_t *v, const char *lang, arena_t *a);

#endif
