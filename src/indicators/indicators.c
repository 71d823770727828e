/* indicators.c: the computation of the indicators over a unit's subtree from the counter tables
 * (indicators.h). The registry is registry.c; the lists and the reference text are lists.c.
 *
 * Each base indicator is one SUM over one counter table, its rows narrowed by a fixed condition
 * and the period, and grouped by the school (a report) or by one dimension (a breakdown). The SQL
 * is assembled from the fixed fragments of the table `sources` below, never from values; the
 * values (the subtree's path range, months, the school year) are bound. A report reads each
 * counter table once (a conditional SUM per figure), grouped by unit, and sums in C: the unit's
 * total, each child's row, and each ratio from the summed parts of the units that have a
 * denominator.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "indicators/indicators.h"
#include "indicators/registry.h"

#define defs  ind_registry
#define NDEFS ind_registry_n

/* Where a base indicator is read: the table (as t), the summed expression, an optional join and
 * condition; for a holding, the expression over stat_stock_flows that undoes the flows after the
 * period (IND_AT_END). `col` is the period's column: month (IND_WITHIN), school_year (IND_YEAR). */
typedef struct source {
	const char *id, *table, *value, *join, *where, *flow_value;
	int overdue; /* t.due < today */
} source_t;

#define DT_JOIN     " LEFT JOIN doc_types dt ON dt.code = t.doc_type"
#define UNDO_COPIES "CASE WHEN t.event = 'in' THEN -t.copies ELSE t.copies END"
static const source_t sources[] = {
	{ "copies_held", "stat_holdings", "t.copies", DT_JOIN, "", UNDO_COPIES, 0 },
	{ "value_held", "stat_holdings", "t.value", DT_JOIN, "",
	  "CASE WHEN t.event = 'in' THEN -t.value ELSE t.value END", 0 },
	{ "paper_copies_held", "stat_holdings", "t.copies", DT_JOIN, " AND dt.paper_book = 1", UNDO_COPIES,
	  0 },
	{ "stk_copies_held", "stat_holdings", "t.copies", DT_JOIN, " AND t.doc_type = 'STK'", UNDO_COPIES,
	  0 },
	{ "snv_copies_held", "stat_holdings", "t.copies", DT_JOIN, " AND t.doc_type = 'SNV'", UNDO_COPIES,
	  0 },
	{ "titles_held", "stat_titles", "t.titles", "", "", NULL, 0 },
	{ "intake_copies", "stat_stock_flows", "t.copies", "", " AND t.event = 'in'", NULL, 0 },
	{ "intake_value", "stat_stock_flows", "t.value", "", " AND t.event = 'in'", NULL, 0 },
	{ "withdrawn_copies", "stat_stock_flows", "t.copies", "", " AND t.event = 'withdrawn'", NULL, 0 },
	{ "withdrawn_value", "stat_stock_flows", "t.value", "", " AND t.event = 'withdrawn'", NULL, 0 },
	{ "lost_copies", "stat_stock_flows", "t.copies", "", " AND t.event = 'lost'", NULL, 0 },
	{ "lost_value", "stat_stock_flows", "t.value", "", " AND t.event = 'lost'", NULL, 0 },
	{ "periodical_titles", "subscriptions", "1", "", "", NULL, 0 },
	{ "periodical_copies", "subscriptions", "t.copies", "", "", NULL, 0 },
	{ "readers_registered", "stat_readers", "t.readers", "", "", NULL, 0 },
	{ "readers_new", "stat_reader_flows", "t.registered", "", "", NULL, 0 },
	{ "readers_active", "stat_active", "t.readers", "", "", NULL, 0 },
	{ "readers_active_pupils", "stat_active", "t.readers", "", " AND t.patron_kind = 'student'", NULL,
	  0 },
	{ "readers_active_teachers", "stat_active", "t.readers", "", " AND t.patron_kind = 'teacher'", NULL,
	  0 },
	{ "loans_total", "stat_loans", "t.loans", "", "", NULL, 0 },
	{ "loans_home", "stat_loans", "t.loans", "", " AND t.loan_kind = 'home'", NULL, 0 },
	{ "loans_textbook", "stat_loans", "t.loans", "", " AND t.loan_kind = 'textbook'", NULL, 0 },
	{ "loans_class_set", "stat_loans", "t.loans", "", " AND t.loan_kind = 'class_set'", NULL, 0 },
	{ "uses_in_library", "stat_uses", "t.uses", "", "", NULL, 0 },
	{ "visits", "stat_uses", "t.visits", "", "", NULL, 0 },
	{ "loans_open", "stat_open_loans", "t.loans", "", "", NULL, 0 },
	{ "loans_overdue", "stat_open_loans", "t.loans", "", "", NULL, 1 },
	{ "pupils", "unit_enrolment", "t.pupils", "", "", NULL, 0 },
	{ "teachers", "unit_enrolment", "t.teachers", "", "", NULL, 0 },
};

static const struct {
	unsigned bit;
	const char *name, *expr;
} dims[] = {
	{ IND_DIM_DOC_TYPE, "doc_type", "t.doc_type" },
	{ IND_DIM_CONTENT, "content_group", "t.kclass" },
	{ IND_DIM_LANGUAGE, "language", "t.language" },
	{ IND_DIM_SOURCE, "source", "t.source" },
	{ IND_DIM_FUNDING, "funding", "t.funding" },
	{ IND_DIM_MONTH, "month", "t.month" },
	{ IND_DIM_PATRON_KIND, "patron_kind", "t.patron_kind" },
	{ IND_DIM_CLASS, "class", "t.class_name" },
	{ IND_DIM_GRADE, "grade", "CAST(t.grade AS TEXT)" },
};
#define NDIMS (sizeof dims / sizeof dims[0])

static int def_index(const char *id)
{
	const ind_def_t *d = indicators_find(id);
	return d ? (int)(d - defs) : -1;
}

static bool is_ratio(const ind_def_t *d)
{
	return d->kind == IND_RATIO || d->kind == IND_PERCENT;
}

static const source_t *source_of(const char *id)
{
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
		if (strcmp(sources[i].id, id) == 0)
			return &sources[i];
	return NULL;
}

const char *indicators_dim_name(unsigned dim)
{
	for (size_t i = 0; i < NDIMS; i++)
		if (dims[i].bit == dim)
			return dims[i].name;
	return NULL;
}

unsigned indicators_dim_parse(const char *name)
{
	for (size_t i = 0; name && i < NDIMS; i++)
		if (strcmp(dims[i].name, name) == 0)
			return dims[i].bit;
	return 0;
}

static const char *dim_expr(unsigned dim)
{
	for (size_t i = 0; i < NDIMS; i++)
		if (dims[i].bit == dim)
			return dims[i].expr;
	return NULL;
}

/* --- scope --------------------------------------------------------------------------------- */

static int load_unit(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, unit_t *u, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return units_get(db, actor, unit_id, a, u, err);
}

/* --- the base queries ---------------------------------------------------------------------- */

typedef struct ctx {
	db_t *db;
	arena_t *a;
	const ind_period_t *p;
	const char *lo, *hi; /* the subtree's path range */
	char today[12];
} ctx_t;

/* The period's condition on a counter table t for indicator d read from source s (undo: the stock
 * flows after the period), with run_period() to run the statement it is part of: the subtree's
 * path range, then the period's arguments. */
typedef struct period_cond {
	const char *sql; /* " AND t.month >= ? AND t.month <= ?", or "" */
	const char *arg; /* its one argument, or NULL */
	bool months;     /* it takes the period's first and last months */
} period_cond_t;

static period_cond_t period_cond(const ctx_t *c, const ind_def_t *d, const source_t *s, bool undo)
{
	if (undo)
		return (period_cond_t){ " AND t.month > ?", c->p->last, false };
	if (d->when == IND_WITHIN)
		return (period_cond_t){ " AND t.month >= ? AND t.month <= ?", NULL, true };
	if (d->when == IND_YEAR)
		return (period_cond_t){ " AND t.school_year = ?", c->p->year, false };
	if (s->overdue)
		return (period_cond_t){ " AND t.due < ?", c->today, false };
	return (period_cond_t){ "", NULL, false };
}

static db_stmt_t *run_period(ctx_t *c, const char *sql, const period_cond_t *pc, err_t *err)
{
	if (pc->months)
		return db_query(c->db, err, sql, "ssss", c->lo, c->hi, c->p->first, c->p->last);
	if (pc->arg)
		return db_query(c->db, err, sql, "sss", c->lo, c->hi, pc->arg);
	return db_query(c->db, err, sql, "ss", c->lo, c->hi);
}

/* Prepare one base indicator's SUM over the subtree: grouped by unit (group NULL) or by the
 * expression group; undo: the flows after the period instead of the holdings. */
static db_stmt_t *base_query(ctx_t *c, const ind_def_t *d, const source_t *s, const char *group, bool undo,
                             err_t *err)
{
	const char *table = undo ? "stat_stock_flows" : s->table;
	const char *value = undo ? s->flow_value : s->value;
	period_cond_t pc = period_cond(c, d, s, undo);
	char *sql =
	    arena_printf(c->a,
	                 "SELECT %s, CAST(SUM(%s) AS BIGINT) FROM %s t JOIN units u ON u.id = t.unit_id%s "
	                 "WHERE u.path >= ? AND u.path < ?%s%s GROUP BY 1",
	                 group ? group : "t.unit_id", value, table, s->join, s->where, pc.sql);
	return run_period(c, sql, &pc, err);
}

/* The subtree's units, sorted by id, and for each the index of the root's child it lies under
 * (-1 for the root itself). */
typedef struct tree {
	size_t n;
	int64_t *ids;
	int *child;
} tree_t;

static int cmp_unit_code(const void *x, const void *y)
{
	return strcmp(((const unit_t *)x)->code, ((const unit_t *)y)->code);
}

static int load_tree(ctx_t *c, const unit_t *root, bool with_children, tree_t *t, ind_report_t *out,
                     err_t *err)
{
	size_t cap = 0, ccap = 0;
	char **paths = NULL;
	size_t pcap = 0;
	memset(t, 0, sizeof *t);
	db_stmt_t *st = db_query(c->db, err,
	                         "SELECT id, parent_id, code, name, kind, school_level, path FROM units "
	                         "WHERE path >= ? AND path < ? ORDER BY id",
	                         "ss", c->lo, c->hi);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		size_t k = t->n;
		t->ids = arena_grow(c->a, t->ids, k, &cap, 64, sizeof *t->ids);
		t->ids[k] = db_col_int(st, 0);
		paths = arena_grow(c->a, paths, k, &pcap, 64, sizeof *paths);
		paths[k] = arena_strdup(c->a, db_col_text(st, 6));
		t->n++;
		if (with_children && db_col_int(st, 1) == root->id) {
			out->children =
			    arena_grow(c->a, out->children, out->nchildren, &ccap, 16, sizeof *out->children);
			unit_t *u = &out->children[out->nchildren++];
			memset(u, 0, sizeof *u);
			u->id = db_col_int(st, 0);
			u->parent_id = root->id;
			u->code = arena_strdup(c->a, db_col_text(st, 2));
			u->name = arena_strdup(c->a, db_col_text(st, 3));
			u->kind = arena_strdup(c->a, db_col_text(st, 4));
			u->school_level = arena_strdup(c->a, db_col_text(st, 5));
			u->path = arena_strdup(c->a, db_col_text(st, 6));
			u->active = 1;
		}
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (out->nchildren > 1)
		qsort(out->children, out->nchildren, sizeof *out->children, cmp_unit_code);
	t->child = arena_alloc(c->a, (t->n ? t->n : 1) * sizeof *t->child);
	for (size_t i = 0; i < t->n; i++) {
		t->child[i] = -1;
		for (size_t k = 0; k < out->nchildren; k++) {
			size_t len = strlen(out->children[k].path);
			if (strncmp(paths[i], out->children[k].path, len) == 0) {
				t->child[i] = (int)k;
				break;
			}
		}
	}
	return 0;
}

static long unit_index(const tree_t *t, int64_t id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->ids[mid] == id)
			return (long)mid;
		if (t->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Does base indicator j read the same rows as k (table, join, period), so one scan serves both? */
static bool same_scan(size_t k, size_t j)
{
	const source_t *a = source_of(defs[k].id), *b = source_of(defs[j].id);
	return a && b && !strcmp(a->table, b->table) && !strcmp(a->join, b->join) &&
	       defs[k].when == defs[j].when && a->overdue == b->overdue;
}

/* Add the per-unit sums of every base indicator read like defs[k0] (the same table, join and
 * period) into their columns of the matrix, in one scan: one conditional SUM per indicator. A
 * Department's roll-up reads each counter table once, not once per figure. Grouped by the
 * unit's path and id, the order SQLite walks the units' path index in, so the groups stream
 * without a sort (measured: a Department of 2,500 schools and 2.7 million stat_loans rows,
 * twice as fast). undo: the flows after the period, for the holdings. done[j] is set for each
 * indicator read. */
static int add_scan(ctx_t *c, size_t k0, bool undo, const tree_t *t, int64_t *m, bool *done, err_t *err)
{
	const ind_def_t *d = &defs[k0];
	const source_t *s0 = source_of(d->id);
	size_t *cols = arena_alloc(c->a, NDEFS * sizeof *cols), nc = 0;
	buf_t sel = { 0 };
	for (size_t j = k0; j < NDEFS; j++) {
		if (is_ratio(&defs[j]) || done[j] || !same_scan(k0, j))
			continue;
		const source_t *s = source_of(defs[j].id);
		buf_printf(&sel, ", CAST(SUM(CASE WHEN 1 = 1%s THEN %s ELSE 0 END) AS BIGINT)", s->where,
		           undo ? s->flow_value : s->value);
		cols[nc++] = j;
	}
	period_cond_t pc = period_cond(c, d, s0, undo);
	char *sql = arena_printf(c->a,
	                         "SELECT u.id%s FROM %s t JOIN units u ON u.id = t.unit_id%s "
	                         "WHERE u.path >= ? AND u.path < ?%s GROUP BY u.path, u.id",
	                         buf_str(&sel), undo ? "stat_stock_flows" : s0->table, s0->join, pc.sql);
	buf_release(&sel);
	db_stmt_t *st = run_period(c, sql, &pc, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		long i = unit_index(t, db_col_int(st, 0));
		for (size_t x = 0; i >= 0 && x < nc; x++)
			m[(size_t)i * NDEFS + cols[x]] += db_col_int(st, (int)x + 1);
	}
	db_done(st);
	for (size_t x = 0; !undo && x < nc; x++)
		done[cols[x]] = true;
	return rc < 0 ? rc : 0;
}

int indicators_report(db_t *db, const actor_t *actor, int64_t unit_id, const ind_period_t *p, bool children,
                      arena_t *a, ind_report_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = load_unit(db, actor, unit_id, a, &out->unit, err);
	if (rc < 0)
		return rc;
	out->period = *p;
	ctx_t c = { .db = db, .a = a, .p = p, .lo = out->unit.path, .hi = actor_path_end(a, out->unit.path) };
	clock_day_format(clock_today_vn(), c.today, sizeof c.today);
	tree_t t;
	if ((rc = load_tree(&c, &out->unit, children, &t, out, err)) < 0)
		return rc;
	int64_t *m = arena_zalloc(a, (t.n ? t.n : 1) * NDEFS * sizeof *m);
	bool *done = arena_zalloc(a, NDEFS * sizeof *done);
	for (size_t k = 0; k < NDEFS; k++) {
		if (is_ratio(&defs[k]) || done[k] || !source_of(defs[k].id))
			continue;
		if (defs[k].when == IND_AT_END && (rc = add_scan(&c, k, true, &t, m, done, err)) < 0)
			return rc;
		if ((rc = add_scan(&c, k, false, &t, m, done, err)) < 0)
			return rc;
	}
	out->values = arena_zalloc(a, NDEFS * sizeof *out->values);
	out->child_values =
	    arena_zalloc(a, (out->nchildren ? out->nchildren : 1) * sizeof *out->child_values);
	for (size_t k = 0; k < out->nchildren; k++)
		out->child_values[k] = arena_zalloc(a, NDEFS * sizeof **out->child_values);
	for (size_t i = 0; i < t.n; i++) {
		const int64_t *row = m + i * NDEFS;
		ind_value_t *cv = t.child[i] >= 0 ? out->child_values[t.child[i]] : NULL;
		for (size_t k = 0; k < NDEFS; k++) {
			ind_value_t v = { row[k], 0 };
			if (is_ratio(&defs[k])) {
				/* a unit without the denominator is left out of both parts */
				int64_t den = row[def_index(defs[k].den)];
				v.n = den > 0 ? row[def_index(defs[k].num)] : 0;
				v.d = den > 0 ? den : 0;
			}
			out->values[k].n += v.n;
			out->values[k].d += v.d;
			if (cv) {
				cv[k].n += v.n;
				cv[k].d += v.d;
			}
		}
	}
	return 0;
}

/* --- breakdowns ---------------------------------------------------------------------------- */

typedef struct rows {
	ind_row_t *r;
	size_t n, cap;
} rows_t;

static void rows_add(arena_t *a, rows_t *rs, const char *key, int64_t v)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].key, key) == 0) {
			rs->r[i].value.n += v;
			return;
		}
	rs->r = arena_grow(a, rs->r, rs->n, &rs->cap, 16, sizeof *rs->r);
	ind_row_t *r = &rs->r[rs->n++];
	memset(r, 0, sizeof *r);
	r->key = arena_strdup(a, key);
	r->value.n = v;
}

typedef struct group {
	const char *code, *name, *firsts;
	int64_t sort;
} group_t;

/* The content groups, in their order. */
static int load_groups(db_t *db, arena_t *a, const char *lang, group_t **out, size_t *n, err_t *err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	db_stmt_t *st =
	    db_query(db, err, "SELECT code, name_vi, name_en, firsts, sort FROM content_groups", "");
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		group_t *g = &(*out)[(*n)++];
		g->code = arena_strdup(a, db_col_text(st, 0));
		g->name = arena_strdup(a, db_col_text(st, lang && !strcmp(lang, "en") ? 2 : 1));
		g->firsts = arena_strdup(a, db_col_text(st, 3));
		g->sort = db_col_int(st, 4);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The group of a class number's first character: the group listing it, else the group with no
 * characters ("Khác"), else "KHAC". */
static const group_t *group_of(const group_t *g, size_t n, const char *kclass)
{
	const group_t *other = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!g[i].firsts[0])
			other = &g[i];
		else if (kclass[0] && strstr(g[i].firsts, kclass))
			return &g[i];
	}
	return other;
}

/* A row's sort key: grades by number, content groups in their order, the key otherwise. */
typedef struct sorted {
	char sk[80];
	ind_row_t r;
} sorted_t;

static int cmp_sorted(const void *x, const void *y)
{
	return strcmp(((const sorted_t *)x)->sk, ((const sorted_t *)y)->sk);
}

static void sort_rows(arena_t *a, ind_row_t *r, size_t n, unsigned dim, const group_t *g, size_t ng)
{
	sorted_t *s = arena_alloc(a, (n ? n : 1) * sizeof *s);
	for (size_t i = 0; i < n; i++) {
		s[i].r = r[i];
		if (dim == IND_DIM_GRADE) {
			snprintf(s[i].sk, sizeof s[i].sk, "%04d", atoi(r[i].key));
		} else if (dim == IND_DIM_CONTENT) {
			long long rank = 1 << 30;
			for (size_t k = 0; k < ng; k++)
				if (!strcmp(g[k].code, r[i].key))
					rank = (long long)g[k].sort;
			snprintf(s[i].sk, sizeof s[i].sk, "%012lld %.60s", rank, r[i].key);
		} else {
			snprintf(s[i].sk, sizeof s[i].sk, "%.79s", r[i].key);
		}
	}
	qsort(s, n, sizeof *s, cmp_sorted);
	for (size_t i = 0; i < n; i++)
		r[i] = s[i].r;
}

static const char *label_of(db_t *db, arena_t *a, unsigned dim, const char *key, const group_t *g, size_t ng,
                            const char *lang)
{
	bool en = lang && !strcmp(lang, "en");
	err_t e = { 0 };
	if (dim == IND_DIM_MONTH && strlen(key) == 7)
		return arena_printf(a, "%s/%.4s", key + 5, key);
	if (dim == IND_DIM_CONTENT) {
		for (size_t i = 0; i < ng; i++)
			if (!strcmp(g[i].code, key))
				return g[i].name;
	}
	if (dim == IND_DIM_DOC_TYPE) {
		db_stmt_t *st =
		    db_query(db, &e, "SELECT name_vi, name_en FROM doc_types WHERE code = ?", "s", key);
		const char *name = NULL;
		if (st && db_step(st, &e) == DB_ROW)
			name = arena_strdup(a, db_col_text(st, en ? 1 : 0));
		db_done(st);
		if (name)
			return name;
	}
	if (dim == IND_DIM_PATRON_KIND || dim == IND_DIM_FUNDING || dim == IND_DIM_SOURCE) {
		static const char *const names[][3] = {
			{ "student", "Học sinh", "Pupils" }, { "teacher", "Giáo viên", "Teachers" },
			{ "staff", "Nhân viên", "Staff" },   { "budget", "Ngân sách", "State budget" },
			{ "other", "Nguồn khác", "Other" },  { "purchase", "Mua", "Purchase" },
			{ "gift", "Tặng, biếu", "Gift" },    { "allocation", "Cấp phát", "Allocation" },
		};
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (!strcmp(names[i][0], key))
				return names[i][en ? 2 : 1];
	}
	if (!key[0])
		return en ? "(none)" : "(không có)";
	return key;
}

int indicators_breakdown(db_t *db, const actor_t *actor, int64_t unit_id, const ind_period_t *p,
                         const char *id, unsigned dim, const char *lang, arena_t *a, ind_row_t **rows,
                         size_t *n, err_t *err)
{
	*rows = NULL;
	*n = 0;
	unit_t u;
	int rc = load_unit(db, actor, unit_id, a, &u, err);
	if (rc < 0)
		return rc;
	const ind_def_t *d = indicators_find(id);
	if (!d)
		return err_set(err, ERR_INVALID, "err.indicators.unknown", "%s", id ? id : "");
	const source_t *s = source_of(d->id);
	const char *expr = dim_expr(dim);
	if (!s || !expr || !(d->dims & dim))
		return err_set(err, ERR_INVALID, "err.indicators.dim", "%s", d->id);
	ctx_t c = { .db = db, .a = a, .p = p, .lo = u.path, .hi = actor_path_end(a, u.path) };
	clock_day_format(clock_today_vn(), c.today, sizeof c.today);
	/* holdings at the period's end: the flows after it carry no class number or language */
	bool undo = d->when == IND_AT_END;
	if (undo && (dim == IND_DIM_CONTENT || dim == IND_DIM_LANGUAGE)) {
		char month[8];
		int64_t today = clock_today_vn();
		int y, mo, dd;
		clock_civil_from_days(today, &y, &mo, &dd);
		snprintf(month, sizeof month, "%04d-%02d", y, mo);
		if (strcmp(p->last, month) < 0)
			return err_set(err, ERR_INVALID, "err.indicators.dim", "%s", d->id);
		undo = false; /* the period ends this month or later: no flow can follow it */
	}
	group_t *groups = NULL;
	size_t ngroups = 0;
	if (dim == IND_DIM_CONTENT && (rc = load_groups(db, a, lang, &groups, &ngroups, err)) < 0)
		return rc;
	rows_t rs = { 0 };
	for (int pass = 0; pass < (undo ? 2 : 1); pass++) {
		db_stmt_t *st = base_query(&c, d, s, expr, pass == 1, err);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			const char *key = db_col_text(st, 0);
			key = key ? key : "";
			if (dim == IND_DIM_CONTENT) {
				const group_t *g = group_of(groups, ngroups, key);
				key = g ? g->code : "KHAC";
			}
			rows_add(a, &rs, key, db_col_int(st, 1));
		}
		db_done(st);
		if (rc < 0)
			return rc;
	}
	sort_rows(a, rs.r, rs.n, dim, groups, ngroups);
	for (size_t i = 0; i < rs.n; i++)
		rs.r[i].label = label_of(db, a, dim, rs.r[i].key, groups, ngroups, lang);
	*rows = rs.r;
	*n = rs.n;
	return 0;
}

json_t *indicators_value_json(const ind_def_t *d, ind_value_t v)
{
	if (!indicators_has_value(d, v))
		return json_null();
	if (d->kind == IND_COUNT || d->kind == IND_MONEY)
		return json_integer(v.n);
	return json_real(indicators_real(d, v));
}

static json_t *values_json(const ind_value_t *v)
{
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, d[i].id, indicators_value_json(&d[i], v[i]));
	return o;
}

json_t *indicators_report_json(const ind_report_t *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "unit", json_string(r->unit.code));
	json_object_set_new(o, "name", json_string(r->unit.name));
	json_object_set_new(o, "kind", json_string(r->unit.kind));
	json_object_set_new(o, "year", json_string(r->period.year));
	json_object_set_new(o, "from", json_string(r->period.first));
	json_object_set_new(o, "to", json_string(r->period.last));
	json_object_set_new(o, "values", values_json(r->values));
	json_t *rows = json_array();
	for (size_t c = 0; c < r->nchildren; c++)
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:o}", "unit", r->children[c].code, "name",
		                                      r->children[c].name, "kind", r->children[c].kind, "values",
		                                      values_json(r->child_values[c])));
	json_object_set_new(o, "children", rows);
	return o;
}

static void csv_cell(buf_t *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(out, '"');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

void indicators_report_csv(const ind_report_t *r, buf_t *out)
{
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	buf_puts(out, "unit,name");
	for (size_t i = 0; i < n; i++)
		buf_printf(out, ",%s", d[i].id);
	buf_puts(out, "\r\n");
	for (size_t c = 0; c <= r->nchildren; c++) {
		const unit_t *u = c == 0 ? &r->unit : &r->children[c - 1];
		const ind_value_t *v = c == 0 ? r->values : r->child_values[c - 1];
		csv_cell(out, u->code);
		buf_putc(out, ',');
		csv_cell(out, u->name);
		for (size_t i = 0; i < n; i++) {
			buf_putc(out, ',');
			if (!indicators_has_value(&d[i], v[i]))
				continue;
			if (d[i].kind == IND_COUNT || d[i].kind == IND_MONEY)
				buf_printf(out, "%lld", (long long)v[i].n);
			else
				buf_printf(out, "%.4f", indicators_real(&d[i], v[i]));
		}
		buf_puts(out, "\r\n");
	}
}
