/* reg_books.c: the registers of the stock: the general register (tongquat: intake, withdrawals,
 * balances), the accession register of one series (dkcb) and the textbook register (sgk). Each
 * reads its rows in one ordered query and emits its lines through out.h as it reads, so a
 * register of 30,000 copies is never held whole in memory (the stocktake marks, a few bytes a
 * copy, are).
 *
 * Part I leaves out the registers TB (pictures, maps, audio-visual) and SDT (e-books): the paper
 * general register does not take them, and they have no ĐKCB number; part II leaves them out
 * too, so the two parts balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "registers/out.h"

#define NOT_IN_PART_I CATALOG_GENERAL_REGISTER_SQL
#define PRICE         CATALOG_COPY_VALUE_SQL

static bool given(const char *s)
{
	return s && *s;
}

static const char *col_text(arena_t *a, db_stmt_t *st, int c)
{
	const char *s = db_col_text(st, c);
	return arena_strdup(a, s ? s : "");
}

static const char *source_label(const reg_out_t *o, const char *source)
{
	if (!source || !*source)
		return "";
	char key[48];
	snprintf(key, sizeof key, "reg.source.%s", source);
	return reg_t(o, key);
}

/* The doc_type filter: when given, it must be a known type. */
static int check_doc_type(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	if (!given(f->doc_type))
		return 0;
	int64_t n = 0;
	int rc =
	    db_query_int(o->db, &n, err, "SELECT COUNT(*) FROM doc_types WHERE code = ?", "s", f->doc_type);
	if (rc < 0)
		return rc;
	return n ? 0 : err_set(err, ERR_INVALID, "err.biblio.doc_type", "%.20s", f->doc_type);
}

/* === the general register ==================================================================== */

#define NTYPES 5
static const char *const TYPES[NTYPES] = { "SGK", "SNV", "STK", "TN", "BAO" };

typedef struct group {
	const char *code, *name, *firsts;
} group_t;

typedef struct part1_line {
	int64_t id, number, copies, value;
	const char *received, *doc_number, *doc_date, *source, *supplier, *note;
	int64_t *by_group, by_type[NTYPES + 1];
} part1_line_t;

static void part1_emit(reg_out_t *o, const part1_line_t *l, size_t ngroups)
{
	reg_row(o, false);
	if (reg_counting_only(o))
		return;
	reg_day(o, l->received);
	reg_int(o, l->number);
	reg_text(o, l->doc_number);
	reg_day(o, l->doc_date);
	const char *src = source_label(o, l->source);
	reg_text(o, *l->supplier ? arena_printf(o->a, "%s – %s", src, l->supplier) : src);
	reg_int(o, l->copies);
	reg_money(o, l->value);
	for (size_t g = 0; g < ngroups; g++)
		reg_int_or_blank(o, l->by_group[g]);
	for (size_t t = 0; t <= NTYPES; t++)
		reg_int_or_blank(o, l->by_type[t]);
	reg_text(o, l->note);
}

static void part1_add(part1_line_t *sum, const part1_line_t *l, size_t ngroups)
{
	sum->copies += l->copies;
	sum->value += l->value;
	for (size_t g = 0; g < ngroups; g++)
		sum->by_group[g] += l->by_group[g];
	for (size_t t = 0; t <= NTYPES; t++)
		sum->by_type[t] += l->by_type[t];
}

static void total_row(reg_out_t *o, const part1_line_t *sum, size_t ngroups)
{
	reg_row(o, true);
	reg_text(o, reg_t(o, "reg.total"));
	reg_text(o, NULL);
	reg_text(o, NULL);
	reg_text(o, NULL);
	reg_text(o, NULL);
	reg_int(o, sum->copies);
	reg_money(o, sum->value);
	for (size_t g = 0; g < ngroups; g++)
		reg_int(o, sum->by_group[g]);
	for (size_t t = 0; t <= NTYPES; t++)
		reg_int(o, sum->by_type[t]);
	reg_text(o, NULL);
}

static int load_groups(reg_out_t *o, group_t **out, size_t *n, err_t *err)
{
	bool en = !strcmp(o->lang, "en");
	db_stmt_t *st = db_query(
	    o->db, err, "SELECT code, name_vi, name_en, firsts FROM content_groups ORDER BY sort, code", "");
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	*n = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(o->a, *out, *n, &cap, 8, sizeof **out);
		(*out)[(*n)++] =
		    (group_t){ col_text(o->a, st, 0), col_text(o->a, st, en ? 2 : 1), col_text(o->a, st, 3) };
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The content group of a class number's first character: the group whose firsts hold it, else
 * the group with no firsts (Khác), else the last. */
static size_t group_of(const group_t *g, size_t n, const char *first)
{
	size_t other = n - 1;
	for (size_t i = 0; i < n; i++) {
		if (!*g[i].firsts)
			other = i;
		else if (first && *first && strchr(g[i].firsts, *first))
			return i;
	}
	return other;
}

static int part1(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	group_t *groups = NULL;
	size_t ng = 0;
	int rc = load_groups(o, &groups, &ng, err);
	if (rc < 0)
		return rc;
	if (ng == 0)
		return err_set(err, ERR_INTERNAL, "err.internal", "content_groups is empty");
	registers_col_t *cols = NULL;
	size_t n = 0, cap = 0;
	const char *voucher = reg_t(o, "reg.col.voucher");
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.entered"), NULL, 17, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.number"), NULL, 11, PRINT_CENTRE, 8);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.voucher_no"), voucher, 16, PRINT_LEFT, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.voucher_day"), voucher, 17, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.source"), NULL, 24, PRINT_LEFT, 22);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), NULL, 12, PRINT_RIGHT, 9);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), NULL, 20, PRINT_RIGHT, 14);
	const char *by_content = reg_t(o, "reg.col.by_content");
	for (size_t g = 0; g < ng; g++)
		reg_col(o->a, &cols, &n, &cap, groups[g].name, by_content, 12, PRINT_RIGHT, 10);
	const char *by_type = reg_t(o, "reg.col.by_type");
	for (size_t t = 0; t < NTYPES; t++)
		reg_col(o->a, &cols, &n, &cap, TYPES[t], by_type, 10, PRINT_RIGHT, 7);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.other"), by_type, 10, PRINT_RIGHT, 7);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 0, PRINT_LEFT, 24);
	reg_table(o, reg_t(o, "reg.tongquat.part1"), NULL, reg_t(o, "reg.tongquat.sheet1"), cols, n);

	db_stmt_t *st =
	    db_query(o->db, err,
	             "SELECT a.id, a.number, a.received, a.doc_number, a.doc_date, a.source, a.supplier, "
	             "a.note, b.doc_type, "
	             "substr(b.class_number, 1, 1), COUNT(i.id), SUM(" PRICE ") "
	             "FROM acquisitions a JOIN items i ON i.acquisition_id = a.id AND " NOT_IN_PART_I " "
	             "JOIN biblios b ON b.id = i.biblio_id "
	             "WHERE a.unit_id = ? AND a.received >= ? AND a.received <= ? "
	             "AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?) "
	             "GROUP BY a.id, a.number, a.received, a.doc_number, a.doc_date, a.source, a.supplier, "
	             "a.note, b.doc_type, "
	             "substr(b.class_number, 1, 1) ORDER BY a.number, a.id",
	             "issss", o->scope->school_id, reg_from(o), reg_to(o),
	             given(f->doc_type) ? f->doc_type : NULL, given(f->doc_type) ? f->doc_type : NULL);
	if (!st)
		return err->code;
	part1_line_t l = { 0 }, sum = { 0 };
	l.by_group = arena_zalloc(o->a, ng * sizeof *l.by_group);
	sum.by_group = arena_zalloc(o->a, ng * sizeof *sum.by_group);
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id != l.id) {
			if (l.id) {
				part1_emit(o, &l, ng);
				part1_add(&sum, &l, ng);
			}
			int64_t *bg = l.by_group;
			memset(bg, 0, ng * sizeof *bg);
			l = (part1_line_t){ .id = id, .number = db_col_int(st, 1), .by_group = bg };
			l.received = col_text(o->a, st, 2);
			l.doc_number = col_text(o->a, st, 3);
			l.doc_date = col_text(o->a, st, 4);
			l.source = col_text(o->a, st, 5);
			l.supplier = col_text(o->a, st, 6);
			l.note = col_text(o->a, st, 7);
		}
		const char *type = db_col_text(st, 8);
		int64_t copies = db_col_int(st, 10), value = db_col_int(st, 11);
		l.copies += copies;
		l.value += value;
		l.by_group[group_of(groups, ng, db_col_text(st, 9))] += copies;
		size_t t = 0;
		while (t < NTYPES && strcmp(TYPES[t], type ? type : "") != 0)
			t++;
		l.by_type[t] += copies;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (l.id) {
		part1_emit(o, &l, ng);
		part1_add(&sum, &l, ng);
	}
	total_row(o, &sum, ng);
	return 0;
}

typedef struct reason {
	const char *code, *name;
} reason_t;

typedef struct part2_line {
	int64_t id, number, copies, value, *by_reason;
	const char *day, *decision_no, *decision_day, *note;
} part2_line_t;

static void part2_emit(reg_out_t *o, const part2_line_t *l, size_t nr, bool total)
{
	reg_row(o, total);
	if (reg_counting_only(o))
		return;
	if (total) {
		reg_text(o, reg_t(o, "reg.total"));
		reg_text(o, NULL);
		reg_text(o, NULL);
		reg_text(o, NULL);
	} else {
		reg_day(o, l->day);
		reg_int(o, l->number);
		reg_text(o, l->decision_no);
		reg_day(o, l->decision_day);
	}
	reg_int(o, l->copies);
	reg_money(o, l->value);
	for (size_t r = 0; r < nr; r++)
		total ? reg_int(o, l->by_reason[r]) : reg_int_or_blank(o, l->by_reason[r]);
	reg_text(o, total ? NULL : l->note);
}

static int part2(reg_out_t *o, err_t *err)
{
	bool en = !strcmp(o->lang, "en");
	reason_t *reasons = NULL;
	size_t nr = 0, cap = 0;
	db_stmt_t *st = db_query(
	    o->db, err, "SELECT code, name_vi, name_en FROM withdrawal_reasons ORDER BY sort, code", "");
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		reasons = arena_grow(o->a, reasons, nr, &cap, 8, sizeof *reasons);
		reasons[nr++] = (reason_t){ col_text(o->a, st, 0), col_text(o->a, st, en ? 2 : 1) };
	}
	db_done(st);
	if (rc < 0)
		return rc;
	registers_col_t *cols = NULL;
	size_t n = 0;
	cap = 0;
	const char *voucher = reg_t(o, "reg.col.decision");
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.out_day"), NULL, 17, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.number"), NULL, 11, PRINT_CENTRE, 8);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.voucher_no"), voucher, 22, PRINT_LEFT, 16);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.voucher_day"), voucher, 17, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), NULL, 12, PRINT_RIGHT, 9);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), NULL, 20, PRINT_RIGHT, 14);
	const char *why = reg_t(o, "reg.col.reasons");
	for (size_t r = 0; r < nr; r++)
		reg_col(o->a, &cols, &n, &cap, reasons[r].name, why, 14, PRINT_RIGHT, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 0, PRINT_LEFT, 24);
	reg_table(o, reg_t(o, "reg.tongquat.part2"), NULL, reg_t(o, "reg.tongquat.sheet2"), cols, n);

	st = db_query(
	    o->db, err,
	    "SELECT w.id, w.number, w.approved_day, w.decision_no, w.decision_day, w.note, wi.reason, "
	    "COUNT(i.id), SUM(" PRICE ") "
	    "FROM withdrawals w JOIN withdrawal_items wi ON wi.withdrawal_id = w.id "
	    "JOIN items i ON i.id = wi.item_id AND " NOT_IN_PART_I " JOIN biblios b ON b.id = i.biblio_id "
	    "WHERE w.unit_id = ? AND w.status = 'approved' AND w.approved_day >= ? AND w.approved_day <= ? "
	    "GROUP BY w.id, w.number, w.approved_day, w.decision_no, w.decision_day, w.note, wi.reason "
	    "ORDER BY w.number, w.id",
	    "iss", o->scope->school_id, reg_from(o), reg_to(o));
	if (!st)
		return err->code;
	part2_line_t l = { 0 }, sum = { 0 };
	l.by_reason = arena_zalloc(o->a, (nr + 1) * sizeof *l.by_reason);
	sum.by_reason = arena_zalloc(o->a, (nr + 1) * sizeof *sum.by_reason);
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id != l.id) {
			if (l.id)
				part2_emit(o, &l, nr, false);
			int64_t *br = l.by_reason;
			memset(br, 0, (nr + 1) * sizeof *br);
			l = (part2_line_t){ .id = id, .number = db_col_int(st, 1), .by_reason = br };
			l.day = col_text(o->a, st, 2);
			l.decision_no = col_text(o->a, st, 3);
			l.decision_day = col_text(o->a, st, 4);
			l.note = col_text(o->a, st, 5);
		}
		const char *why_code = db_col_text(st, 6);
		int64_t copies = db_col_int(st, 7), value = db_col_int(st, 8);
		size_t r = 0;
		while (r < nr && strcmp(reasons[r].code, why_code ? why_code : "") != 0)
			r++;
		l.by_reason[r] += copies;
		sum.by_reason[r] += copies;
		l.copies += copies;
		l.value += value;
		sum.copies += copies;
		sum.value += value;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (l.id)
		part2_emit(o, &l, nr, false);
	part2_emit(o, &sum, nr, true);
	return 0;
}

static int part3(reg_out_t *o, err_t *err)
{
	registers_col_t *cols = NULL;
	size_t n = 0, cap = 0;
	const char *in = reg_t(o, "reg.col.in"), *out = reg_t(o, "reg.col.out"),
	           *left = reg_t(o, "reg.col.on_hand");
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.school_year"), NULL, 24, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.until_day"), NULL, 26, PRINT_CENTRE, 14);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), in, 0, PRINT_RIGHT, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), in, 0, PRINT_RIGHT, 14);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), out, 0, PRINT_RIGHT, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), out, 0, PRINT_RIGHT, 14);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), left, 0, PRINT_RIGHT, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), left, 0, PRINT_RIGHT, 14);
	reg_table(o, reg_t(o, "reg.tongquat.part3"), NULL, reg_t(o, "reg.tongquat.sheet3"), cols, n);
	db_stmt_t *st =
	    db_query(o->db, err,
	             "SELECT school_year, day, in_copies, in_value, out_copies, out_value, on_hand_copies, "
	             "on_hand_value FROM stock_balances WHERE unit_id = ? AND day >= ? AND day <= ? "
	             "ORDER BY day, id",
	             "iss", o->scope->school_id, reg_from(o), reg_to(o));
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		reg_row(o, false);
		reg_text(o, db_col_text(st, 0));
		reg_day(o, db_col_text(st, 1));
		reg_int(o, db_col_int(st, 2));
		reg_money(o, db_col_int(st, 3));
		reg_int(o, db_col_int(st, 4));
		reg_money(o, db_col_int(st, 5));
		reg_int(o, db_col_int(st, 6));
		reg_money(o, db_col_int(st, 7));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int reg_tongquat(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	int rc = check_doc_type(o, f, err);
	if (rc < 0)
		return rc;
	o->roman = true;
	reg_doc_t doc = { .title = reg_t(o, "reg.tongquat.cover"),
		          .foot = reg_t(o, "reg.tongquat.name"),
		          .landscape = true,
		          .cover = true,
		          .font_pt = 7 };
	if ((rc = reg_out_open(o, &doc, err)) < 0)
		return reg_out_close(o, rc, err);
	if ((rc = part1(o, f, err)) >= 0 && (rc = part2(o, err)) >= 0)
		rc = part3(o, err);
	if (rc >= 0)
		reg_note(o, reg_t(o, "reg.tongquat.not_entered"));
	return reg_out_close(o, rc < 0 ? rc : 0, err);
}

/* === stocktake marks ========================================================================= */

typedef struct mark {
	int64_t item_id;
	int year; /* index into the years */
	char mark;
} mark_t;

typedef struct marks {
	const char **years; /* "2024-2025", ... ascending */
	size_t nyears;
	mark_t *v;
	size_t n;
} marks_t;

static int mark_cmp(const void *x, const void *y)
{
	const mark_t *a = x, *b = y;
	if (a->item_id != b->item_id)
		return a->item_id < b->item_id ? -1 : 1;
	return a->year - b->year;
}

/* The marks of closed stocktakes on the copies of a register series of the school. */
static int load_marks(reg_out_t *o, const char *reg, marks_t *m, err_t *err)
{
	memset(m, 0, sizeof *m);
	db_stmt_t *st =
	    db_query(o->db, err,
	             "SELECT m.item_id, m.school_year, m.mark FROM stocktake_marks m "
	             "JOIN stocktakes s ON s.id = m.stocktake_id JOIN items i ON i.id = m.item_id "
	             "WHERE m.unit_id = ? AND s.status = 'closed' AND i.register = ? AND i.unit_id = ?",
	             "isi", o->scope->school_id, reg, o->scope->school_id);
	if (!st)
		return err->code;
	size_t cap = 0, ycap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *y = db_col_text(st, 1), *k = db_col_text(st, 2);
		size_t yi = 0;
		while (yi < m->nyears && strcmp(m->years[yi], y) != 0)
			yi++;
		if (yi == m->nyears) {
			m->years = arena_grow(o->a, m->years, m->nyears, &ycap, 8, sizeof *m->years);
			m->years[m->nyears++] = arena_strdup(o->a, y);
		}
		m->v = arena_grow(o->a, m->v, m->n, &cap, 1024, sizeof *m->v);
		m->v[m->n++] = (mark_t){ db_col_int(st, 0), (int)yi, k && *k ? *k : '?' };
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* years ascending; remap the marks' indexes */
	int *map = arena_zalloc(o->a, (m->nyears + 1) * sizeof *map);
	for (size_t i = 0; i < m->nyears; i++) {
		int rank = 0;
		for (size_t j = 0; j < m->nyears; j++)
			rank += strcmp(m->years[j], m->years[i]) < 0;
		map[i] = rank;
	}
	const char **sorted = arena_zalloc(o->a, (m->nyears + 1) * sizeof *sorted);
	for (size_t i = 0; i < m->nyears; i++)
		sorted[map[i]] = m->years[i];
	m->years = sorted;
	for (size_t i = 0; i < m->n; i++)
		m->v[i].year = map[m->v[i].year];
	if (m->n)
		qsort(m->v, m->n, sizeof *m->v, mark_cmp);
	return 0;
}

/* The mark of a copy in year index y, or 0. */
static char mark_of(const marks_t *m, int64_t item_id, int y)
{
	if (!m->n)
		return 0;
	mark_t key = { item_id, y, 0 };
	const mark_t *hit = bsearch(&key, m->v, m->n, sizeof *m->v, mark_cmp);
	return hit ? hit->mark : 0;
}

/* Whether the school numbers the register series by title. */
static int numbering_by_title(reg_out_t *o, const char *reg, bool *out, err_t *err)
{
	int64_t n = 0;
	int rc = db_query_int(o->db, &n, err,
	                      "SELECT COUNT(*) FROM register_settings WHERE unit_id = ? AND register = ? AND "
	                      "numbering = 'title'",
	                      "is", o->scope->school_id, reg);
	*out = n > 0;
	return rc;
}

/* Bounds of created_at (UTC seconds) for the period's days in Vietnam: copies with neither an
 * entry day nor a batch fall in the period of the day they were created. */
static void period_seconds(const reg_out_t *o, int64_t *t0, int64_t *t1)
{
	int64_t d;
	*t0 = INT64_MIN / 2;
	*t1 = INT64_MAX / 2;
	if (*o->scope->from && clock_day_parse(o->scope->from, &d) == 0)
		*t0 = d * 86400 - 7 * 3600;
	if (*o->scope->to && clock_day_parse(o->scope->to, &d) == 0)
		*t1 = (d + 1) * 86400 - 7 * 3600;
}

#define ENTERED "COALESCE(i.entered, a.received)"
#define IN_PERIOD                                                                                            \
	"((" ENTERED " >= ? AND " ENTERED " <= ?) OR (i.entered IS NULL AND a.received IS NULL AND "         \
	"i.created_at >= ? AND i.created_at < ?))"

/* The register series of a filter (default STK), which must be one the document types name;
 * its name (the first document type's). */
static int series_of(reg_out_t *o, const char *reg, const char **name, err_t *err)
{
	db_stmt_t *st = db_query(
	    o->db, err, "SELECT name_vi, name_en FROM doc_types WHERE register = ? ORDER BY sort, code", "s",
	    reg);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*name = col_text(o->a, st, strcmp(o->lang, "en") ? 0 : 1);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(err, ERR_INVALID, "err.registers.register", "%.20s", reg);
	}
	db_done(st);
	return rc;
}

/* === the accession register (sổ đăng ký cá biệt) ============================================= */

static const char *dkcb_note(reg_out_t *o, const char *status, const char *dec_no, const char *dec_day,
                             const char *note)
{
	const char *s = "";
	if (!strcmp(status, "withdrawn")) {
		if (*dec_no) {
			char d[16];
			clock_day_vn(dec_day, d, sizeof d);
			s = arena_printf(o->a, "%s %s %s%s%s", reg_t(o, "reg.weeded"),
			                 reg_t(o, "reg.decision_no"), dec_no,
			                 *dec_day ? arena_printf(o->a, " %s ", reg_t(o, "reg.day")) : "",
			                 *dec_day ? d : "");
		} else {
			s = reg_t(o, "reg.weeded");
		}
	} else if (!strcmp(status, "lost")) {
		s = reg_t(o, "reg.status.lost");
	} else if (!strcmp(status, "damaged")) {
		s = reg_t(o, "reg.status.damaged");
	}
	if (*note)
		s = *s ? arena_printf(o->a, "%s; %s", s, note) : note;
	return s;
}

int reg_dkcb(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	const char *reg = given(f->reg) ? f->reg : "STK", *reg_name = "";
	int rc;
	if ((rc = check_doc_type(o, f, err)) < 0 || (rc = series_of(o, reg, &reg_name, err)) < 0)
		return rc;
	o->scope->reg = arena_strdup(o->a, reg);
	if ((rc = numbering_by_title(o, reg, &o->scope->by_title, err)) < 0)
		return rc;
	marks_t m;
	if ((rc = load_marks(o, reg, &m, err)) < 0)
		return rc;
	reg_doc_t doc = { .title = reg_t(o, "reg.dkcb.cover"),
		          .line1 = arena_printf(o->a, "%s (%s)", reg_name, reg),
		          .foot = arena_printf(o->a, "%s – %s", reg_t(o, "reg.dkcb.name"), reg),
		          .landscape = true,
		          .cover = true,
		          .font_pt = 8 };
	if ((rc = reg_out_open(o, &doc, err)) < 0)
		return reg_out_close(o, rc, err);
	registers_col_t *cols = NULL;
	size_t n = 0, cap = 0;
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.entered"), NULL, 20, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap,
	        reg_t(o, o->scope->by_title ? "reg.col.title_no" : "reg.col.accession"), NULL, 15,
	        PRINT_CENTRE, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.title_author"), NULL, 0, PRINT_LEFT, 48);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.place"), NULL, 18, PRINT_LEFT, 14);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.publisher"), NULL, 24, PRINT_LEFT, 22);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.year"), NULL, 11, PRINT_CENTRE, 7);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.price"), NULL, 17, PRINT_RIGHT, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.general_no"), NULL, 14, PRINT_CENTRE, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.class"), NULL, 18, PRINT_CENTRE, 14);
	const char *stocktake = reg_t(o, "reg.col.stocktake");
	for (size_t y = 0; y < m.nyears; y++)
		reg_col(o->a, &cols, &n, &cap, m.years[y], stocktake, 18, PRINT_CENTRE, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 36, PRINT_LEFT, 36);
	reg_table(o, reg_t(o, "reg.dkcb.cover"), doc.line1, reg, cols, n);

	int64_t t0, t1;
	period_seconds(o, &t0, &t1);
	const char *dt = given(f->doc_type) ? f->doc_type : NULL;
	db_stmt_t *st = db_query(
	    o->db, err,
	    "SELECT i.id, " ENTERED ", i.accession_no, i.title_no, b.title, b.subtitle, b.authors, b.place, "
	    "b.publisher, b.year, " PRICE
	    ", a.number, b.class_number, b.call_number, i.status, w.decision_no, "
	    "w.decision_day, i.note, i.created_at "
	    "FROM items i JOIN biblios b ON b.id = i.biblio_id LEFT JOIN acquisitions a ON a.id = "
	    "i.acquisition_id "
	    "LEFT JOIN withdrawals w ON w.id = i.withdrawal_id "
	    "WHERE i.unit_id = ? AND i.register = ? AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?) "
	    "AND " IN_PERIOD " ORDER BY i.accession_no",
	    "isssssii", o->scope->school_id, reg, dt, dt, reg_from(o), reg_to(o), t0, t1);
	if (!st)
		return reg_out_close(o, err->code, err);
	char day[11];
	while ((rc = db_step(st, err)) == DB_ROW) {
		reg_row(o, false);
		if (reg_counting_only(o))
			continue;
		const char *entered = db_col_text(st, 1);
		if (!entered) {
			clock_day_format(clock_day_of(db_col_int(st, 18)), day, sizeof day);
			entered = day;
		}
		reg_day(o, entered);
		reg_int(o, o->scope->by_title && !db_col_null(st, 3) ? db_col_int(st, 3) : db_col_int(st, 2));
		const char *title = db_col_text(st, 4), *sub = db_col_text(st, 5),
		           *authors = db_col_text(st, 6);
		reg_text(o, arena_printf(o->a, "%s%s%s%s%s", title, *sub ? ": " : "", sub,
		                         *authors ? " / " : "", authors));
		reg_text(o, db_col_text(st, 7));
		reg_text(o, db_col_text(st, 8));
		if (db_col_null(st, 9))
			reg_text(o, NULL);
		else
			reg_text(o, arena_printf(o->a, "%lld", (long long)db_col_int(st, 9)));
		reg_money(o, db_col_int(st, 10));
		if (db_col_null(st, 11))
			reg_text(o, NULL);
		else
			reg_int(o, db_col_int(st, 11));
		const char *cls = db_col_text(st, 12);
		reg_text(o, *cls ? cls : db_col_text(st, 13));
		int64_t item = db_col_int(st, 0);
		for (size_t y = 0; y < m.nyears; y++) {
			char k[2] = { mark_of(&m, item, (int)y), 0 };
			reg_text(o, k);
		}
		const char *dec_no = db_col_text(st, 15), *dec_day = db_col_text(st, 16);
		reg_text(o, dkcb_note(o, db_col_text(st, 14), dec_no ? dec_no : "", dec_day ? dec_day : "",
		                      db_col_text(st, 17)));
	}
	db_done(st);
	return reg_out_close(o, rc < 0 ? rc : 0, err);
}

/* === the textbook register (sổ đăng ký sách giáo khoa) ======================================= */

typedef struct sgk_line {
	int64_t biblio, batch, copies, value, price;
	const char *day, *source, *doc_number, *doc_date;
	int year;
	int64_t *nums;
	size_t nnums, cap;
	int64_t *c, *mcount; /* per stocktake year */
	buf_t *missing;      /* per year: the missing numbers */
	int64_t weeded, lost;
} sgk_line_t;

static int i64_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* "1–10, 12, 14–20": sorted numbers as ranges, a gap splitting them. */
static const char *ranges(arena_t *a, int64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof *v, i64_cmp);
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		if (i)
			buf_puts(&b, ", ");
		if (j > i)
			buf_printf(&b, "%lld–%lld", (long long)v[i], (long long)v[j]);
		else
			buf_printf(&b, "%lld", (long long)v[i]);
		i = j + 1;
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

static void sgk_emit(reg_out_t *o, sgk_line_t *l, size_t nyears)
{
	reg_row(o, false);
	if (reg_counting_only(o))
		return;
	reg_day(o, l->day);
	reg_text(o, ranges(o->a, l->nums, l->nnums));
	reg_int(o, l->copies);
	const char *src = source_label(o, l->source);
	if (*l->doc_number || *l->doc_date) {
		char d[16];
		clock_day_vn(l->doc_date, d, sizeof d);
		src = arena_printf(o->a, "%s%s%s%s%s", src, *src ? ", " : "", l->doc_number,
		                   *l->doc_date ? " " : "", *l->doc_date ? d : "");
	}
	reg_text(o, src);
	if (l->year)
		reg_text(o, arena_printf(o->a, "%d", l->year));
	else
		reg_text(o, NULL);
	reg_money(o, l->price);
	reg_money(o, l->value);
	for (size_t y = 0; y < nyears; y++) {
		if (!l->c[y] && !l->mcount[y]) {
			reg_text(o, NULL);
			continue;
		}
		const char *s = arena_printf(o->a, "C: %lld", (long long)l->c[y]);
		if (l->mcount[y])
			s = arena_printf(o->a, "%s; M: %lld (%s)", s, (long long)l->mcount[y],
			                 buf_str(&l->missing[y]));
		reg_text(o, s);
	}
	const char *note = "";
	if (l->weeded)
		note = arena_printf(o->a, "%s: %lld", reg_t(o, "reg.weeded"), (long long)l->weeded);
	if (l->lost)
		note = arena_printf(o->a, "%s%s%s: %lld", note, *note ? "; " : "",
		                    reg_t(o, "reg.status.lost"), (long long)l->lost);
	reg_text(o, note);
}

int reg_sgk(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	int rc;
	const char *reg_name = "";
	if ((rc = check_doc_type(o, f, err)) < 0 || (rc = series_of(o, "SGK", &reg_name, err)) < 0)
		return rc;
	o->scope->reg = "SGK";
	if ((rc = numbering_by_title(o, "SGK", &o->scope->by_title, err)) < 0)
		return rc;
	marks_t m;
	if ((rc = load_marks(o, "SGK", &m, err)) < 0)
		return rc;
	reg_doc_t doc = { .title = reg_t(o, "reg.sgk.cover"),
		          .foot = reg_t(o, "reg.sgk.name"),
		          .landscape = true,
		          .cover = true,
		          .font_pt = 8 };
	if ((rc = reg_out_open(o, &doc, err)) < 0)
		return reg_out_close(o, rc, err);
	registers_col_t *cols = NULL;
	size_t n = 0, cap = 0;
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.entered"), NULL, 20, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap,
	        reg_t(o, o->scope->by_title ? "reg.col.title_nos" : "reg.col.accessions"), NULL, 0,
	        PRINT_LEFT, 24);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), NULL, 12, PRINT_RIGHT, 8);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.source_voucher"), NULL, 40, PRINT_LEFT, 28);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.year"), NULL, 11, PRINT_CENTRE, 7);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.unit_price"), NULL, 16, PRINT_RIGHT, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.value"), NULL, 18, PRINT_RIGHT, 14);
	const char *stocktake = reg_t(o, "reg.col.stocktake");
	for (size_t y = 0; y < m.nyears; y++)
		reg_col(o->a, &cols, &n, &cap, m.years[y], stocktake, 26, PRINT_LEFT, 18);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 28, PRINT_LEFT, 24);
	reg_table(o, reg_t(o, "reg.sgk.cover"), NULL, "SGK", cols, n);

	int64_t t0, t1;
	period_seconds(o, &t0, &t1);
	const char *dt = given(f->doc_type) ? f->doc_type : NULL;
	db_stmt_t *st = db_query(
	    o->db, err,
	    "SELECT b.id, b.title, b.subtitle, b.class_number, b.call_number, b.year, "
	    "COALESCE(i.acquisition_id, 0), " ENTERED
	    ", a.source, a.doc_number, a.doc_date, i.accession_no, i.title_no, " PRICE ", i.status, i.id, "
	    "i.created_at "
	    "FROM items i JOIN biblios b ON b.id = i.biblio_id LEFT JOIN acquisitions a ON a.id = "
	    "i.acquisition_id "
	    "WHERE i.unit_id = ? AND i.register = 'SGK' AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?) "
	    "AND " IN_PERIOD " ORDER BY b.title_fold, b.id, COALESCE(i.acquisition_id, 0), i.accession_no",
	    "issssii", o->scope->school_id, dt, dt, reg_from(o), reg_to(o), t0, t1);
	if (!st)
		return reg_out_close(o, err->code, err);
	sgk_line_t l = { 0 };
	l.c = arena_zalloc(o->a, (m.nyears + 1) * sizeof *l.c);
	l.mcount = arena_zalloc(o->a, (m.nyears + 1) * sizeof *l.mcount);
	l.missing = arena_zalloc(o->a, (m.nyears + 1) * sizeof *l.missing);
	bool any = false;
	char day[11];
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t biblio = db_col_int(st, 0), batch = db_col_int(st, 6);
		const char *entered = db_col_text(st, 7);
		if (!entered) {
			clock_day_format(clock_day_of(db_col_int(st, 16)), day, sizeof day);
			entered = day;
		}
		if (any && (biblio != l.biblio || batch != l.batch || strcmp(entered, l.day) != 0)) {
			sgk_emit(o, &l, m.nyears);
			for (size_t y = 0; y < m.nyears; y++)
				buf_release(&l.missing[y]);
			l.nnums = 0;
			l.copies = l.value = l.weeded = l.lost = 0;
			memset(l.c, 0, m.nyears * sizeof *l.c);
			memset(l.mcount, 0, m.nyears * sizeof *l.mcount);
		}
		if (!any || biblio != l.biblio) {
			const char *title = db_col_text(st, 1), *sub = db_col_text(st, 2),
			           *cls = db_col_text(st, 3);
			if (!*cls)
				cls = db_col_text(st, 4);
			reg_heading(o, arena_printf(o->a, "%s%s%s%s%s", title, *sub ? " – " : "", sub,
			                            *cls ? "\t" : "", cls));
		}
		any = true;
		if (l.nnums == 0 && l.copies == 0) {
			l.biblio = biblio;
			l.batch = batch;
			l.day = arena_strdup(o->a, entered);
			l.year = db_col_null(st, 5) ? 0 : (int)db_col_int(st, 5);
			l.source = col_text(o->a, st, 8);
			l.doc_number = col_text(o->a, st, 9);
			l.doc_date = col_text(o->a, st, 10);
			l.price = db_col_int(st, 13);
		}
		int64_t num =
		    o->scope->by_title && !db_col_null(st, 12) ? db_col_int(st, 12) : db_col_int(st, 11);
		l.nums = arena_grow(o->a, l.nums, l.nnums, &l.cap, 64, sizeof *l.nums);
		l.nums[l.nnums++] = num;
		l.copies++;
		l.value += db_col_int(st, 13);
		const char *status = db_col_text(st, 14);
		l.weeded += !strcmp(status, "withdrawn");
		l.lost += !strcmp(status, "lost");
		int64_t item = db_col_int(st, 15);
		for (size_t y = 0; y < m.nyears; y++) {
			char k = mark_of(&m, item, (int)y);
			if (k == 'C')
				l.c[y]++;
			else if (k == 'M') {
				buf_printf(&l.missing[y], "%s%lld", l.mcount[y] ? ", " : "", (long long)num);
				l.mcount[y]++;
			}
		}
	}
	db_done(st);
	if (rc >= 0 && any)
		sgk_emit(o, &l, m.nyears);
	for (size_t y = 0; y < m.nyears; y++)
		buf_release(&l.missing[y]);
	return reg_out_close(o, rc < 0 ? rc : 0, err);
}
