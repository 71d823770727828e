/* lists.c: the live lists of one school behind the indicators (indicators.h): top titles,
 * readers who never borrowed, the loans and copies behind a number; and the reference text
 * (docs/INDICATORS.md) generated from the registry.
 *
 * The lists read one school's rows through its indexes: loans by (unit_id, out_at), a reader's
 * loans by (patron_id, ...), copies by (unit_id, register, accession_no). A period's months
 * become instants at midnight in Vietnam (UTC+7).
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "indicators/indicators.h"

static int load_school(db_t *db, const actor_t *actor, int64_t id, arena_t *a, unit_t *u, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = units_get(db, actor, id, a, u, err);
	if (rc < 0)
		return rc;
	if (strcmp(u->kind, "school") != 0)
		return err_set(err, ERR_INVALID, "err.indicators.school", "%s", u->code);
	return 0;
}

/* The instant a month "yyyy-mm" starts in Vietnam; after: the month that follows it. */
static int64_t month_start(const char *month, int after)
{
	int y = 0, m = 0;
	if (sscanf(month, "%4d-%2d", &y, &m) != 2)
		return 0;
	if (after && ++m > 12) {
		m = 1;
		y++;
	}
	return clock_days_from_civil(y, m, 1) * 86400 - 7 * 3600;
}

static int check_paging(int offset, int limit, err_t *err)
{
	if (offset < 0 || limit < 1 || limit > 500)
		return err_set(err, ERR_INVALID, "err.indicators.paging", "%d, %d", offset, limit);
	return 0;
}

static const char *col(arena_t *a, db_stmt_t *st, int i)
{
	const char *s = db_col_text(st, i);
	return arena_strdup(a, s ? s : "");
}

int indicators_top_titles(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p, int limit,
                          arena_t *a, ind_title_t **rows, size_t *n, err_t *err)
{
	unit_t u;
	*rows = NULL;
	*n = 0;
	int rc = load_school(db, actor, school_id, a, &u, err);
	if (rc < 0 || (rc = check_paging(0, limit, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT b.id, b.title, b.authors, b.doc_type, COUNT(*) FROM loans l "
	                         "JOIN biblios b ON b.id = l.biblio_id "
	                         "WHERE l.unit_id = ? AND l.out_at >= ? AND l.out_at < ? "
	                         "GROUP BY b.id, b.title, b.authors, b.doc_type ORDER BY 5 DESC, 2, 1 LIMIT ?",
	                         "iiii", school_id, month_start(p->first, 0), month_start(p->last, 1),
	                         (int64_t)limit);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*rows = arena_grow(a, *rows, *n, &cap, 16, sizeof **rows);
		ind_title_t *t = &(*rows)[(*n)++];
		t->biblio_id = db_col_int(st, 0);
		t->title = col(a, st, 1);
		t->authors = col(a, st, 2);
		t->doc_type = col(a, st, 3);
		t->loans = db_col_int(st, 4);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

#define NEVER_WHERE                                                                                          \
	"FROM patrons p WHERE p.unit_id = ? AND p.status = 'active' "                                        \
	"AND (CAST(? AS TEXT) IS NULL OR p.class_name = ?) "                                                 \
	"AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.patron_id = p.id AND l.out_at >= ? AND l.out_at < ?)"

int indicators_never_borrowed(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p,
                              const char *class_name, int offset, int limit, arena_t *a, ind_reader_t **rows,
                              size_t *n, int64_t *total, err_t *err)
{
	unit_t u;
	*rows = NULL;
	*n = 0;
	int rc = load_school(db, actor, school_id, a, &u, err);
	if (rc < 0 || (rc = check_paging(offset, limit, err)) < 0)
		return rc;
	int64_t from = month_start(p->first, 0), to = month_start(p->last, 1);
	if (total && (rc = db_query_int(db, total, err, "SELECT COUNT(*) " NEVER_WHERE, "issii", school_id,
	                                class_name, class_name, from, to)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT p.id, p.code, p.full_name, p.kind, p.class_name " NEVER_WHERE
	                         " ORDER BY p.class_name, p.name_fold, p.id LIMIT ? OFFSET ?",
	                         "issiiii", school_id, class_name, class_name, from, to, (int64_t)limit,
	                         (int64_t)offset);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*rows = arena_grow(a, *rows, *n, &cap, 16, sizeof **rows);
		ind_reader_t *r = &(*rows)[(*n)++];
		r->patron_id = db_col_int(st, 0);
		r->code = col(a, st, 1);
		r->full_name = col(a, st, 2);
		r->kind = col(a, st, 3);
		r->class_name = col(a, st, 4);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

#define LOANS_WHERE                                                                                          \
	"FROM loans l JOIN biblios b ON b.id = l.biblio_id JOIN items i ON i.id = l.item_id "                \
	"JOIN patrons p ON p.id = l.patron_id "                                                              \
	"WHERE l.unit_id = ? AND l.out_at >= ? AND l.out_at < ? "                                            \
	"AND (CAST(? AS TEXT) IS NULL OR l.class_name = ?) AND (CAST(? AS TEXT) IS NULL OR l.doc_type = ?)"

int indicators_list_loans(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p,
                          const char *month, const char *class_name, const char *doc_type, int offset, int limit,
                          arena_t *a, ind_loan_t **rows, size_t *n, int64_t *total, err_t *err)
{
	unit_t u;
	*rows = NULL;
	*n = 0;
	int rc = load_school(db, actor, school_id, a, &u, err);
	if (rc < 0 || (rc = check_paging(offset, limit, err)) < 0)
		return rc;
	const char *first = p->first, *last = p->last;
	if (month && *month) {
		ind_period_t m;
		if (indicators_period(p->year, month, month, &m, err) < 0 || strcmp(month, p->first) < 0 ||
		    strcmp(month, p->last) > 0)
			return err_set(err, ERR_INVALID, "err.indicators.period", "%s", month);
		first = last = month;
	}
	int64_t from = month_start(first, 0), to = month_start(last, 1);
	if (total && (rc = db_query_int(db, total, err, "SELECT COUNT(*) " LOANS_WHERE, "iiissss", school_id, from,
	                                to, class_name, class_name, doc_type, doc_type)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT l.id, l.out_day, l.due, l.kind, b.title, i.accession, p.code, p.full_name, "
	                         "l.class_name, l.doc_type, l.returned_at " LOANS_WHERE
	                         " ORDER BY l.out_day, l.id LIMIT ? OFFSET ?",
	                         "iiissssii", school_id, from, to, class_name, class_name, doc_type, doc_type,
	                         (int64_t)limit, (int64_t)offset);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*rows = arena_grow(a, *rows, *n, &cap, 16, sizeof **rows);
		ind_loan_t *l = &(*rows)[(*n)++];
		l->loan_id = db_col_int(st, 0);
		l->out_day = col(a, st, 1);
		l->due = col(a, st, 2);
		l->kind = col(a, st, 3);
		l->title = col(a, st, 4);
		l->accession = col(a, st, 5);
		l->patron_code = col(a, st, 6);
		l->patron_name = col(a, st, 7);
		l->class_name = col(a, st, 8);
		l->doc_type = col(a, st, 9);
		l->returned = !db_col_null(st, 10);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

#define COPIES_WHERE                                                                                         \
	"FROM items i JOIN biblios b ON b.id = i.biblio_id "                                                 \
	"WHERE i.unit_id = ? AND i.status NOT IN ('withdrawn', 'lost') "                                     \
	"AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?)"

int indicators_list_copies(db_t *db, const actor_t *actor, int64_t school_id, const char *doc_type, int offset,
                           int limit, arena_t *a, ind_copy_t **rows, size_t *n, int64_t *total, err_t *err)
{
	unit_t u;
	*rows = NULL;
	*n = 0;
	int rc = load_school(db, actor, school_id, a, &u, err);
	if (rc < 0 || (rc = check_paging(offset, limit, err)) < 0)
		return rc;
	if (total && (rc = db_query_int(db, total, err, "SELECT COUNT(*) " COPIES_WHERE, "iss", school_id, doc_type,
	                                doc_type)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT i.id, i.accession, i.barcode, b.title, b.doc_type, i.status, " CATALOG_COPY_VALUE_SQL
	                         " " COPIES_WHERE " ORDER BY i.register, i.accession_no LIMIT ? OFFSET ?",
	                         "issii", school_id, doc_type, doc_type, (int64_t)limit, (int64_t)offset);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*rows = arena_grow(a, *rows, *n, &cap, 16, sizeof **rows);
		ind_copy_t *c = &(*rows)[(*n)++];
		c->item_id = db_col_int(st, 0);
		c->accession = col(a, st, 1);
		c->barcode = col(a, st, 2);
		c->title = col(a, st, 3);
		c->doc_type = col(a, st, 4);
		c->status = col(a, st, 5);
		c->value = db_col_int(st, 6);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- the reference ------------------------------------------------------------------------- */

static const char *kind_text(ind_kind_t k)
{
	switch (k) {
	case IND_COUNT: return "số (count)";
	case IND_MONEY: return "đồng (money)";
	case IND_RATIO: return "tỉ số (ratio)";
	case IND_PERCENT: return "tỉ lệ % (percent)";
	}
	return "";
}

static const char *when_text(ind_when_t w)
{
	switch (w) {
	case IND_NOW: return "hiện tại (now)";
	case IND_AT_END: return "ngày cuối kỳ (on the period's last day)";
	case IND_WITHIN: return "trong kỳ (within the period)";
	case IND_YEAR: return "năm học (the school year)";
	case IND_AS_PARTS: return "theo từng thành phần (as its parts)";
	}
	return "";
}

void indicators_markdown(buf_t *b)
{
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	buf_puts(b,
	         "# Chỉ số thống kê thư viện (library indicators)\n\n"
	         "<!-- Generated by `thuvien indicators --markdown` from src/indicators/registry.c; do not edit.\n"
	         "     tests/unit/test_indicators.c fails when this file differs from the generated text. -->\n\n"
	         "Every figure the reports, roll-ups and standards use is defined once, in the registry of\n"
	         "`src/indicators/registry.c`; this page is generated from it.\n\n"
	         "## Periods\n\n"
	         "- A school year runs from 1 August to 31 July (\"2025-2026\"). A period is a school year or\n"
	         "  the months from-to within it; the terms are HK1 = August-December and HK2 = January-July.\n"
	         "- *Within the period*: events counted in the period's months (Vietnam time).\n"
	         "- *On the period's last day*: the holdings of a past period are the holdings now minus the\n"
	         "  stock flows after it (copies taken in after it are taken off, copies withdrawn or lost after\n"
	         "  it are put back), so last school year's report shows last year's figures. They can be broken\n"
	         "  down by document type, source and funding for any period; by content group and language only\n"
	         "  for a period that ends this month or later (the flows carry no class number or language).\n"
	         "- *Now*: titles held, registered readers and loans out are only known as they are now.\n"
	         "- *The school year*: enrolment, subscriptions and distinct active readers are per school year,\n"
	         "  whatever months the period takes.\n\n"
	         "## Roll-ups and ratios\n\n"
	         "- A unit's figure is the sum over the schools of its subtree, read from the counter tables\n"
	         "  (migration 0017), `unit_enrolment` and the subscriptions: never by scanning loans, copies or\n"
	         "  readers of many schools. The roll-up table has one row per child unit, each summed the same way.\n"
	         "- A ratio is computed from the summed numerator and denominator, never averaged over schools.\n"
	         "  A school without the denominator (no enrolment entered for the year) is left out of both\n"
	         "  parts, so its books do not inflate the ratio; with a zero denominator a ratio has no value\n"
	         "  (shown \"–\"), not 0.\n"
	         "- Content groups (`content_groups`) are applied when reading, by the class number's first\n"
	         "  digit, so a deployment may regroup them.\n\n"
	         "## Summary\n\n"
	         "| id | Tên | Kind | Period | Breakdowns | Standard |\n"
	         "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "| `%s` | %s | %s | %s | ", d[i].id, d[i].name_vi, kind_text(d[i].kind),
		           when_text(d[i].when));
		int any = 0;
		for (unsigned bit = 1; bit < (1u << IND_DIM__COUNT); bit <<= 1)
			if (d[i].dims & bit) {
				buf_printf(b, "%s%s", any++ ? ", " : "", indicators_dim_name(bit));
			}
		buf_printf(b, "%s | %s |\n", any ? "" : "–", d[i].standard ? d[i].standard : "");
	}
	buf_puts(b, "\n## Definitions\n");
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "\n### `%s`: %s (%s)\n\n", d[i].id, d[i].name_vi, d[i].name_en);
		buf_printf(b, "- %s\n- %s\n", d[i].def_vi, d[i].def_en);
		if (d[i].num)
			buf_printf(b, "- = `%s` ÷ `%s`%s\n", d[i].num, d[i].den,
			           d[i].kind == IND_PERCENT ? " × 100 %" : "");
		if (d[i].standard)
			buf_printf(b, "- Standards: criterion %s of the library standards' computed criteria.\n", d[i].standard);
	}
	buf_puts(b,
	         "\n## Lists behind the numbers (one school, live)\n\n"
	         "- `indicators_top_titles`: the titles most lent in the period.\n"
	         "- `indicators_never_borrowed`: active readers with no loan in the period, by class.\n"
	         "- `indicators_list_loans`: the loans of the period, of a month, class or document type.\n"
	         "- `indicators_list_copies`: the copies held now, of a document type.\n");
}
