/* reg_use.c: the registers of use: periodicals received (baochi: a line per subscription with
 * its issues month by month), loans (muon: the teachers' book, a section per teacher, and the
 * students', a section per class) and in-library reading (doctaicho: the days of each month by
 * reader group and document type). The loans of a period are sorted in C (classes in natural
 * order, "6A2" before "10A1", which neither backend's collation gives alike); the others come
 * ordered from one query each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "patrons/patrons.h"
#include "registers/out.h"

static bool given(const char *s)
{
	return s && *s;
}

static const char *col_text(arena_t *a, db_stmt_t *st, int c)
{
	const char *s = db_col_text(st, c);
	return arena_strdup(a, s ? s : "");
}

/* === periodicals (sổ đăng ký báo, tạp chí) =================================================== */

typedef struct sub_line {
	int64_t id, copies, price, missing, claimed;
	const char *title, *issn, *frequency, *supplier, *year, *note;
	buf_t month[12]; /* August .. July */
} sub_line_t;

static void sub_emit(reg_out_t *o, sub_line_t *l)
{
	reg_row(o, false);
	if (!reg_counting_only(o)) {
		char key[40];
		snprintf(key, sizeof key, "reg.freq.%s", l->frequency);
		reg_text(o, strcmp(o->scope->school_year, "all")
		                ? l->title
		                : arena_printf(o->a, "%s (%s)", l->title, l->year));
		reg_text(o, l->issn);
		reg_text(o, reg_t(o, key));
		reg_int(o, l->copies);
		reg_text(o, l->supplier);
		reg_money(o, l->price);
		for (int m = 0; m < 12; m++)
			reg_text(o, buf_str(&l->month[m]));
		const char *note = l->note;
		if (l->missing)
			note = arena_printf(o->a, "%s%s%s: %lld", note, *note ? "; " : "",
			                    reg_t(o, "reg.serial.missing"), (long long)l->missing);
		if (l->claimed)
			note = arena_printf(o->a, "%s%s%s: %lld", note, *note ? "; " : "",
			                    reg_t(o, "reg.serial.claimed"), (long long)l->claimed);
		reg_text(o, note);
	}
	for (int m = 0; m < 12; m++)
		buf_release(&l->month[m]);
}

int reg_baochi(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	reg_doc_t doc = { .title = reg_t(o, "reg.baochi.cover"),
		          .foot = reg_t(o, "reg.baochi.name"),
		          .landscape = true,
		          .cover = true,
		          .font_pt = 7 };
	int rc = reg_out_open(o, &doc, err);
	if (rc < 0)
		return reg_out_close(o, rc, err);
	registers_col_t *cols = NULL;
	size_t n = 0, cap = 0;
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.periodical"), NULL, 0, PRINT_LEFT, 32);
	reg_col(o->a, &cols, &n, &cap, "ISSN", NULL, 16, PRINT_CENTRE, 11);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.frequency"), NULL, 15, PRINT_CENTRE, 10);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.copies"), NULL, 9, PRINT_RIGHT, 7);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.supplier"), NULL, 20, PRINT_LEFT, 18);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.price"), NULL, 16, PRINT_RIGHT, 12);
	const char *months = reg_t(o, "reg.col.months");
	static const int MONTH[12] = { 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7 };
	for (int m = 0; m < 12; m++)
		reg_col(o->a, &cols, &n, &cap,
		        arena_printf(o->a, "%s %d", reg_t(o, "reg.month_short"), MONTH[m]), months, 11,
		        PRINT_CENTRE, 9);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 22, PRINT_LEFT, 20);
	reg_table(o, reg_t(o, "reg.baochi.cover"), NULL, reg_t(o, "reg.baochi.sheet"), cols, n);

	const char *year = strcmp(o->scope->school_year, "all") ? o->scope->school_year : NULL;
	char today[11];
	clock_day_format(clock_today_vn(), today, sizeof today);
	db_stmt_t *st = db_query(
	    o->db, err,
	    "SELECT s.id, p.title, p.issn, p.frequency, s.copies, s.supplier, s.price, s.school_year, "
	    "s.note, "
	    "i.expected, i.label, i.received_day, i.claimed_day "
	    "FROM subscriptions s JOIN periodicals p ON p.id = s.periodical_id "
	    "LEFT JOIN serial_issues i ON i.subscription_id = s.id AND i.expected >= ? AND i.expected <= ? "
	    "WHERE s.unit_id = ? AND (CAST(? AS TEXT) IS NULL OR s.school_year = ?) "
	    "ORDER BY s.school_year, p.title_fold, s.id, i.expected",
	    "ssiss", reg_from(o), reg_to(o), o->scope->school_id, year, year);
	if (!st)
		return reg_out_close(o, err->code, err);
	sub_line_t l;
	memset(&l, 0, sizeof l);
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id != l.id) {
			if (l.id)
				sub_emit(o, &l);
			memset(&l, 0, sizeof l);
			l.id = id;
			l.title = col_text(o->a, st, 1);
			l.issn = col_text(o->a, st, 2);
			l.frequency = col_text(o->a, st, 3);
			l.copies = db_col_int(st, 4);
			l.supplier = col_text(o->a, st, 5);
			l.price = db_col_int(st, 6);
			l.year = col_text(o->a, st, 7);
			l.note = col_text(o->a, st, 8);
		}
		const char *expected = db_col_text(st, 9);
		if (!expected || strlen(expected) < 10)
			continue;
		const char *label = db_col_text(st, 10);
		bool received = !db_col_null(st, 11);
		/* The periodicals module's words (serials.c): an issue is missing once its day has
		 * passed without it, and a claim is open until the issue comes. */
		if (!received) {
			if (!db_col_null(st, 12))
				l.claimed++;
			if (strcmp(expected, today) < 0)
				l.missing++;
			continue;
		}
		int month = atoi(expected + 5), m = (month + 4) % 12; /* August -> 0 */
		buf_t *b = &l.month[m];
		if (b->len)
			buf_puts(b, ", ");
		if (label && *label)
			buf_puts(b, label);
		else
			buf_printf(b, "%d", atoi(expected + 8));
	}
	db_done(st);
	if (rc >= 0 && l.id)
		sub_emit(o, &l);
	else
		for (int m = 0; m < 12; m++)
			buf_release(&l.month[m]);
	return reg_out_close(o, rc < 0 ? rc : 0, err);
}

/* === loans (sổ mượn) ========================================================================= */

typedef struct loan_row {
	int64_t patron_id, returned_at, renewals;
	const char *name, *fold, *code, *kind, *class_name, *out_day, *title, *accession, *due, *outcome;
} loan_row_t;

static int kind_rank(const char *k)
{
	return !strcmp(k, "teacher") ? 0 : !strcmp(k, "staff") ? 1 : 2;
}

static int class_cmp(const char *x, const char *y)
{
	if (!*x || !*y)
		return (*x == 0) - (*y == 0);
	return strverscmp(x, y);
}

/* Teachers and staff first, each reader a section; then students by class, reader, day. */
static int loan_cmp(const void *x, const void *y)
{
	const loan_row_t *a = x, *b = y;
	int ka = kind_rank(a->kind), kb = kind_rank(b->kind);
	if ((ka == 2) != (kb == 2))
		return ka == 2 ? 1 : -1;
	int c;
	if (ka == 2 && (c = class_cmp(a->class_name, b->class_name)) != 0)
		return c;
	if ((c = strcmp(a->fold, b->fold)) != 0)
		return c;
	if (a->patron_id != b->patron_id)
		return a->patron_id < b->patron_id ? -1 : 1;
	return strcmp(a->out_day, b->out_day);
}

static const char *loan_note(reg_out_t *o, const loan_row_t *l, const char *today)
{
	const char *s = "";
	if (!strcmp(l->outcome, "lost"))
		s = reg_t(o, "reg.status.lost");
	else if (!strcmp(l->outcome, "damaged"))
		s = reg_t(o, "reg.status.damaged");
	else if (!l->returned_at && strcmp(l->due, today) < 0)
		s = reg_t(o, "reg.loan.overdue");
	if (l->renewals)
		s = arena_printf(o->a, "%s%s%s %lld", s, *s ? "; " : "", reg_t(o, "reg.loan.renewed"),
		                 (long long)l->renewals);
	return s;
}

int reg_muon(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	const char *group = given(f->group) ? f->group : NULL;
	if (group && strcmp(group, "teacher") != 0 && strcmp(group, "student") != 0)
		return err_set(err, ERR_INVALID, "err.registers.group", "%.20s", group);
	const char *cls = given(f->class_name) ? f->class_name : NULL;
	const char *title = reg_t(o, !group                      ? "reg.muon.cover"
	                             : !strcmp(group, "teacher") ? "reg.muon.cover_teacher"
	                                                         : "reg.muon.cover_student");
	reg_doc_t doc = { .title = title,
		          .line1 = cls ? arena_printf(o->a, "%s %s", reg_t(o, "reg.class"), cls) : NULL,
		          .foot = reg_t(o, "reg.muon.name"),
		          .landscape = true,
		          .cover = true,
		          .font_pt = 8 };
	int rc = reg_out_open(o, &doc, err);
	if (rc < 0)
		return reg_out_close(o, rc, err);
	db_stmt_t *st =
	    db_query(o->db, err,
	             "SELECT l.patron_id, p.full_name, p.name_fold, p.code, l.patron_kind, l.class_name, "
	             "l.out_day, b.title, "
	             "i.accession, l.due, l.returned_at, l.outcome, l.renewals "
	             "FROM loans l JOIN patrons p ON p.id = l.patron_id JOIN items i ON i.id = l.item_id "
	             "JOIN biblios b ON b.id = l.biblio_id "
	             "WHERE l.unit_id = ? AND l.out_day >= ? AND l.out_day <= ? "
	             "AND (CAST(? AS TEXT) IS NULL OR l.class_name = ?) AND (? = 0 OR l.patron_id = ?) "
	             "AND (CAST(? AS TEXT) IS NULL OR (CASE WHEN l.patron_kind = 'student' THEN 'student' "
	             "ELSE 'teacher' END) = ?)",
	             "issssiiss", o->scope->school_id, reg_from(o), reg_to(o), cls, cls, f->patron_id,
	             f->patron_id, group, group);
	if (!st)
		return reg_out_close(o, err->code, err);
	loan_row_t *v = NULL;
	size_t nv = 0, cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		v = arena_grow(o->a, v, nv, &cap, 256, sizeof *v);
		loan_row_t *l = &v[nv++];
		l->patron_id = db_col_int(st, 0);
		l->name = col_text(o->a, st, 1);
		l->fold = col_text(o->a, st, 2);
		l->code = col_text(o->a, st, 3);
		l->kind = col_text(o->a, st, 4);
		l->class_name = col_text(o->a, st, 5);
		l->out_day = col_text(o->a, st, 6);
		l->title = col_text(o->a, st, 7);
		l->accession = col_text(o->a, st, 8);
		l->due = col_text(o->a, st, 9);
		l->returned_at = db_col_null(st, 10) ? 0 : db_col_int(st, 10);
		l->outcome = col_text(o->a, st, 11);
		l->renewals = db_col_int(st, 12);
	}
	db_done(st);
	if (rc < 0)
		return reg_out_close(o, rc, err);
	if (nv)
		qsort(v, nv, sizeof *v, loan_cmp);

	registers_col_t *cols = NULL;
	size_t n = 0;
	cap = 0;
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.reader"), NULL, 46, PRINT_LEFT, 28);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.class_name"), NULL, 14, PRINT_CENTRE, 8);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.out_day_loan"), NULL, 20, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.title_accession"), NULL, 0, PRINT_LEFT, 44);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.due"), NULL, 20, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.returned"), NULL, 20, PRINT_CENTRE, 12);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.note"), NULL, 34, PRINT_LEFT, 24);
	reg_table(o, title, reg_period_text(o), reg_t(o, "reg.muon.sheet"), cols, n);
	char today[11], ret[11];
	clock_day_format(clock_today_vn(), today, sizeof today);
	for (size_t i = 0; i < nv; i++) {
		const loan_row_t *l = &v[i];
		bool student = kind_rank(l->kind) == 2;
		bool new_section = i == 0 || (student ? kind_rank(v[i - 1].kind) != 2 ||
		                                            strcmp(v[i - 1].class_name, l->class_name) != 0
		                                      : v[i - 1].patron_id != l->patron_id);
		if (new_section) {
			char key[40];
			snprintf(key, sizeof key, "circ.kind.%s", l->kind);
			if (student)
				reg_heading(
				    o, *l->class_name
				           ? arena_printf(o->a, "%s %s", reg_t(o, "reg.class"), l->class_name)
				           : reg_t(o, "reg.no_class"));
			else
				reg_heading(
				    o, arena_printf(o->a, "%s (%s) – %s", l->name, l->code, reg_t(o, key)));
		}
		reg_row(o, false);
		if (reg_counting_only(o))
			continue;
		reg_text(o, arena_printf(o->a, "%s (%s)", l->name, l->code));
		reg_text(o, l->class_name);
		reg_day(o, l->out_day);
		reg_text(o, arena_printf(o->a, "%s / %s", l->title, l->accession));
		reg_day(o, l->due);
		if (l->returned_at) {
			clock_day_format(clock_day_of(l->returned_at), ret, sizeof ret);
			reg_day(o, ret);
		} else {
			reg_day(o, NULL);
		}
		reg_text(o, loan_note(o, l, today));
	}
	return reg_out_close(o, 0, err);
}

/* === in-library reading (phiếu thống kê lượt đọc tại chỗ) ==================================== */

typedef struct use_row {
	char day[11];
	const char *kind, *doc_type;
	int grade;
	int64_t count;
} use_row_t;

/* A reader group column: teacher, staff, students of grade g (1..12), students of unknown
 * grade, unknown readers. */
enum { G_TEACHER = 0, G_STAFF = 1, G_GRADE0 = 2, G_STUDENT = 15, G_UNKNOWN = 16, G__N = 17 };

static int group_index(const use_row_t *u)
{
	if (!strcmp(u->kind, "teacher"))
		return G_TEACHER;
	if (!strcmp(u->kind, "staff"))
		return G_STAFF;
	if (!strcmp(u->kind, "student"))
		return u->grade >= 1 && u->grade <= 12 ? G_GRADE0 + u->grade : G_STUDENT;
	return G_UNKNOWN;
}

static void use_line(reg_out_t *o, const char *label, bool bold, const int64_t *v, size_t nv)
{
	reg_row(o, bold);
	if (reg_counting_only(o))
		return;
	if (bold)
		reg_text(o, label);
	else
		reg_day(o, label);
	for (size_t i = 0; i < nv; i++)
		bold ? reg_int(o, v[i]) : reg_int_or_blank(o, v[i]);
}

int reg_doctaicho(reg_out_t *o, const registers_filter_t *f, err_t *err)
{
	const char *dt = given(f->doc_type) ? f->doc_type : NULL;
	reg_doc_t doc = { .title = reg_t(o, "reg.doctaicho.cover"),
		          .foot = reg_t(o, "reg.doctaicho.name"),
		          .landscape = true,
		          .cover = false,
		          .font_pt = 8 };
	int rc = reg_out_open(o, &doc, err);
	if (rc < 0)
		return reg_out_close(o, rc, err);
	db_stmt_t *st =
	    db_query(o->db, err,
	             "SELECT u.day, u.patron_kind, u.class_name, p.grade, u.doc_type, SUM(u.count) "
	             "FROM library_uses u LEFT JOIN patrons p ON p.id = u.patron_id "
	             "WHERE u.unit_id = ? AND u.day >= ? AND u.day <= ? "
	             "AND (CAST(? AS TEXT) IS NULL OR u.doc_type = ?) "
	             "GROUP BY u.day, u.patron_kind, u.class_name, p.grade, u.doc_type ORDER BY u.day",
	             "issss", o->scope->school_id, reg_from(o), reg_to(o), dt, dt);
	if (!st)
		return reg_out_close(o, err->code, err);
	use_row_t *v = NULL;
	size_t nv = 0, cap = 0;
	bool groups[G__N] = { false };
	const char **types = NULL;
	size_t ntypes = 0, tcap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		v = arena_grow(o->a, v, nv, &cap, 256, sizeof *v);
		use_row_t *u = &v[nv++];
		snprintf(u->day, sizeof u->day, "%s", db_col_text(st, 0));
		u->kind = col_text(o->a, st, 1);
		u->grade = patrons_grade_of_class(db_col_text(st, 2));
		if (!u->grade && !db_col_null(st, 3))
			u->grade = (int)db_col_int(st, 3);
		u->doc_type = col_text(o->a, st, 4);
		u->count = db_col_int(st, 5);
		groups[group_index(u)] = true;
		size_t t = 0;
		while (t < ntypes && strcmp(types[t], u->doc_type) != 0)
			t++;
		if (t == ntypes) {
			types = arena_grow(o->a, types, ntypes, &tcap, 8, sizeof *types);
			types[ntypes++] = u->doc_type;
		}
	}
	db_done(st);
	if (rc < 0)
		return reg_out_close(o, rc, err);
	/* types in name order, the unknown type ("") last */
	for (size_t i = 1; i < ntypes; i++)
		for (size_t j = i;
		     j > 0 && (!*types[j - 1] || (*types[j] && strcmp(types[j - 1], types[j]) > 0)); j--) {
			const char *t = types[j];
			types[j] = types[j - 1];
			types[j - 1] = t;
		}
	int gcol[G__N];
	registers_col_t *cols = NULL;
	size_t n = 0;
	cap = 0;
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.day"), NULL, 22, PRINT_CENTRE, 12);
	const char *readers = reg_t(o, "reg.col.readers");
	bool any_student = groups[G_STUDENT];
	for (int g = G_GRADE0 + 1; g <= G_GRADE0 + 12; g++)
		any_student |= groups[g];
	for (int g = 0; g < G__N; g++) {
		gcol[g] = -1;
		/* teachers, staff and students always; grades and the unknown as they occur */
		if (!groups[g] && g != G_TEACHER && g != G_STAFF && !(g == G_STUDENT && !any_student))
			continue;
		gcol[g] = (int)(n - 1);
		const char *head = g == G_TEACHER   ? reg_t(o, "circ.kind.teacher")
		                   : g == G_STAFF   ? reg_t(o, "circ.kind.staff")
		                   : g == G_STUDENT ? reg_t(o, "circ.kind.student")
		                   : g == G_UNKNOWN
		                       ? reg_t(o, "circ.kind.unknown")
		                       : arena_printf(o->a, "%s %d", reg_t(o, "reg.grade"), g - G_GRADE0);
		reg_col(o->a, &cols, &n, &cap, head, readers, 0, PRINT_RIGHT, 9);
	}
	size_t ngcols = n - 1;
	const char *by_type = reg_t(o, "reg.col.doc_types");
	for (size_t t = 0; t < ntypes; t++)
		reg_col(o->a, &cols, &n, &cap, *types[t] ? types[t] : reg_t(o, "reg.col.other"), by_type, 0,
		        PRINT_RIGHT, 8);
	reg_col(o->a, &cols, &n, &cap, reg_t(o, "reg.col.total"), NULL, 16, PRINT_RIGHT, 9);
	reg_table(o, reg_t(o, "reg.doctaicho.cover"), reg_period_text(o), reg_t(o, "reg.doctaicho.sheet"),
	          cols, n);

	size_t nvals = n - 1; /* the cells after the day */
	int64_t *day_v = arena_zalloc(o->a, nvals * sizeof *day_v),
	        *month_v = arena_zalloc(o->a, nvals * sizeof *day_v),
	        *all_v = arena_zalloc(o->a, nvals * sizeof *day_v);
	char cur_day[11] = "", cur_month[8] = "";
	for (size_t i = 0; i <= nv; i++) {
		const use_row_t *u = i < nv ? &v[i] : NULL;
		if (*cur_day && (!u || strcmp(u->day, cur_day) != 0)) {
			use_line(o, cur_day, false, day_v, nvals);
			memset(day_v, 0, nvals * sizeof *day_v);
		}
		if (*cur_month && (!u || strncmp(u->day, cur_month, 7) != 0)) {
			use_line(o,
			         arena_printf(o->a, "%s %d/%.4s", reg_t(o, "reg.month_total"),
			                      atoi(cur_month + 5), cur_month),
			         true, month_v, nvals);
			memset(month_v, 0, nvals * sizeof *month_v);
		}
		if (!u)
			break;
		if (strncmp(u->day, cur_month, 7) != 0) {
			snprintf(cur_month, sizeof cur_month, "%.7s", u->day);
			reg_heading(o, arena_printf(o->a, "%s %d/%.4s", reg_t(o, "reg.month"),
			                            atoi(u->day + 5), u->day));
		}
		snprintf(cur_day, sizeof cur_day, "%s", u->day);
		int gc = gcol[group_index(u)];
		size_t t = 0;
		while (t < ntypes && strcmp(types[t], u->doc_type) != 0)
			t++;
		int64_t *rows[3] = { day_v, month_v, all_v };
		for (int r = 0; r < 3; r++) {
			if (gc >= 0)
				rows[r][gc] += u->count;
			rows[r][ngcols + t] += u->count;
			rows[r][nvals - 1] += u->count;
		}
	}
	use_line(o, reg_t(o, "reg.period_total"), true, all_v, nvals);
	return reg_out_close(o, 0, err);
}
