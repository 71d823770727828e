/* registers.c: the registers' scope (which school, which period), the one writer that turns a
 * register's lines into a page, a PDF or a workbook (out.h), the download's name, and the hub's
 * counts. The registers themselves are read in reg_books.c (general, ĐKCB, textbooks) and
 * reg_use.c (periodicals, loans, in-library reading). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "base/text.h"
#include "patrons/patrons.h"
#include "registers/out.h"

static const char *const KIND_NAMES[REG__COUNT] = {
	"tongquat", "dkcb", "sgk", "baochi", "muon", "doctaicho"
};

const char *registers_kind_name(registers_kind_t k)
{
	return k >= 0 && k < REG__COUNT ? KIND_NAMES[k] : "";
}

int registers_kind_parse(const char *s, registers_kind_t *out)
{
	for (int i = 0; s && i < REG__COUNT; i++)
		if (!strcmp(s, KIND_NAMES[i])) {
			*out = (registers_kind_t)i;
			return 0;
		}
	return -1;
}

static bool given(const char *s)
{
	return s && *s;
}

/* --- scope --------------------------------------------------------------------------------- */

static int find_school(db_t *db, const actor_t *actor, const char *school, arena_t *a, registers_scope_t *out,
                       err_t *err)
{
	bool by_id = given(school);
	for (const char *p = school; by_id && *p; p++)
		by_id = isdigit((unsigned char)*p) && p - school < 18;
	db_stmt_t *st;
	if (!given(school))
		st = db_query(db, err, "SELECT id, code, name, path, kind FROM units WHERE id = ?", "i",
		              actor->unit_id);
	else if (by_id)
		st = db_query(db, err, "SELECT id, code, name, path, kind FROM units WHERE id = ?", "i",
		              (int64_t)strtoll(school, NULL, 10));
	else
		st = db_query(db, err, "SELECT id, code, name, path, kind FROM units WHERE code = ?", "s",
		              school);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 3))) {
		if (strcmp(db_col_text(st, 4), "school") != 0) {
			rc = given(school) ? err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL)
			                   : err_set(err, ERR_INVALID, "err.registers.school", NULL);
		} else {
			out->school_id = db_col_int(st, 0);
			out->school_code = arena_strdup(a, db_col_text(st, 1));
			out->school_name = arena_strdup(a, db_col_text(st, 2));
			out->school_path = arena_strdup(a, db_col_text(st, 3));
			rc = 0;
		}
	} else if (rc >= 0) {
		rc = err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	}
	db_done(st);
	return rc;
}

/* The first and last day of the school year starting in y (1 August to 31 July). */
static void year_bounds(int y, char from[11], char to[11])
{
	snprintf(from, 11, "%04u-08-01", (unsigned)y % 10000u);
	snprintf(to, 11, "%04u-07-31", (unsigned)(y + 1) % 10000u);
}

int registers_scope(db_t *db, const actor_t *actor, const registers_filter_t *f, arena_t *a,
                    registers_scope_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = find_school(db, actor, f->school, a, out, err);
	if (rc < 0)
		return rc;
	int64_t today = f->today ? f->today : clock_today_vn();
	if (!given(f->school_year)) {
		patrons_school_year(today, out->school_year, sizeof out->school_year);
	} else if (!strcmp(f->school_year, "all")) {
		snprintf(out->school_year, sizeof out->school_year, "all");
	} else if (patrons_school_year_start(f->school_year) < 0) {
		return err_set(err, ERR_INVALID, "err.registers.year", "%.20s", f->school_year);
	} else {
		snprintf(out->school_year, sizeof out->school_year, "%s", f->school_year);
	}
	int y = patrons_school_year_start(out->school_year);
	if (y > 0) {
		year_bounds(y, out->from, out->to);
	}
	int64_t d1 = 0, d2 = 0;
	if (given(f->from)) {
		if (clock_day_parse(f->from, &d1) < 0)
			return err_set(err, ERR_INVALID, "err.date", "%.20s", f->from);
		clock_day_format(d1, out->from, sizeof out->from);
	}
	if (given(f->to)) {
		if (clock_day_parse(f->to, &d2) < 0)
			return err_set(err, ERR_INVALID, "err.date", "%.20s", f->to);
		clock_day_format(d2, out->to, sizeof out->to);
	}
	if (*out->from && *out->to && strcmp(out->from, out->to) > 0)
		return err_set(err, ERR_INVALID, "err.registers.period", "%s > %s", out->from, out->to);
	return 0;
}

/* --- the writer ---------------------------------------------------------------------------- */

const char *reg_t(const reg_out_t *o, const char *key)
{
	return i18n_get(o->lang, key);
}

const char *reg_from(const reg_out_t *o)
{
	return *o->scope->from ? o->scope->from : "0000-00-00";
}

const char *reg_to(const reg_out_t *o)
{
	return *o->scope->to ? o->scope->to : "9999-12-31";
}

const char *reg_period_text(const reg_out_t *o)
{
	const registers_scope_t *s = o->scope;
	int y = patrons_school_year_start(s->school_year);
	char f[16], t[16];
	if (y > 0) {
		char yf[11], yt[11];
		year_bounds(y, yf, yt);
		if (!strcmp(yf, s->from) && !strcmp(yt, s->to))
			return arena_printf(o->a, "%s %s", reg_t(o, "reg.school_year"), s->school_year);
	}
	if (!*s->from && !*s->to)
		return reg_t(o, "reg.all_years");
	clock_day_vn(s->from, f, sizeof f);
	clock_day_vn(s->to, t, sizeof t);
	if (!*s->from)
		return arena_printf(o->a, "%s %s", reg_t(o, "reg.until"), t);
	if (!*s->to)
		return arena_printf(o->a, "%s %s", reg_t(o, "reg.since"), f);
	return arena_printf(o->a, "%s %s %s %s", reg_t(o, "reg.from"), f, reg_t(o, "reg.to"), t);
}

void reg_col(arena_t *a, registers_col_t **v, size_t *n, size_t *cap, const char *head, const char *group,
             double mm, int align, double chars)
{
	*v = arena_grow(a, *v, *n, cap, 16, sizeof **v);
	(*v)[(*n)++] = (registers_col_t){ head, group, mm, align, chars };
}

int reg_out_open(reg_out_t *o, const reg_doc_t *doc, err_t *err)
{
	registers_format_t format = o->format;
	registers_page_t *page = o->page;
	const registers_scope_t *s = o->scope;
	if (format == REG_PAGE) {
		page->title = doc->foot;
		return 0;
	}
	if (format == REG_XLSX) {
		o->x = xlsxw_new(err);
		return o->x ? 0 : err->code;
	}
	int rc = print_unit_of(o->db, s->school_id, o->a, &o->unit, err);
	if (rc < 0)
		return rc;
	o->pdf = print_open(
	    o->buf,
	    &(print_opts_t){ .landscape = doc->landscape, .foot = doc->foot, .font_pt = doc->font_pt }, err);
	if (!o->pdf)
		return err->code;
	if (doc->cover)
		print_cover(o->pdf, &o->unit, doc->title, doc->line1, reg_period_text(o));
	print_unit_block(o->pdf, &o->unit, false);
	return 0;
}

int reg_out_close(reg_out_t *o, int rc, err_t *err)
{
	if (o->format == REG_XLSX) {
		if (!o->x)
			return rc;
		if (rc < 0) {
			xlsxw_free(o->x);
			return rc;
		}
		return xlsxw_finish(o->x, o->buf, err);
	}
	if (o->format == REG_PDF) {
		if (!o->pdf)
			return rc;
		if (rc == 0) {
			char today[11];
			clock_day_format(clock_today_vn(), today, sizeof today);
			print_sign_t s[2] = { { reg_t(o, "reg.sign.maker"), NULL },
				              { reg_t(o, "reg.sign.head"), NULL } };
			print_signatures(o->pdf, o->unit.place, today, s, 2);
		}
		return print_close(o->pdf, rc, err);
	}
	return rc;
}

void reg_table(reg_out_t *o, const char *title, const char *sub, const char *sheet, registers_col_t *cols,
               size_t n)
{
	o->cols = cols;
	o->ncols = n;
	o->ci = 0;
	o->line = NULL;
	if (o->format == REG_PAGE) {
		registers_page_t *p = o->page;
		p->tables = arena_grow(o->a, p->tables, p->ntables, &o->tcap, 4, sizeof *p->tables);
		o->t = &p->tables[p->ntables++];
		*o->t = (registers_table_t){ .title = title, .sub = sub, .cols = cols, .ncols = n };
		o->lcap = 0;
	} else if (o->format == REG_PDF) {
		print_col_t *pc = arena_zalloc(o->a, n * sizeof *pc);
		for (size_t i = 0; i < n; i++)
			pc[i] = (print_col_t){ cols[i].head, cols[i].mm, cols[i].align, cols[i].group };
		print_title(o->pdf, title, sub);
		print_table(o->pdf, pc, n);
	} else {
		xlsxw_col_t *xc = arena_zalloc(o->a, n * sizeof *xc);
		for (size_t i = 0; i < n; i++) {
			const char *h = cols[i].head;
			if (cols[i].group)
				h = arena_printf(o->a, "%s: %s", cols[i].group, h);
			/* the workbook's header is one line: no breaks inside a name */
			char *flat = arena_strdup(o->a, h);
			for (char *c = flat; *c; c++)
				if (*c == '\n')
					*c = ' ';
			xc[i] = (xlsxw_col_t){ flat, cols[i].chars };
		}
		const char *subtitle = arena_printf(o->a, "%s · %s%s%s", o->scope->school_name,
		                                    reg_period_text(o), sub ? " · " : "", sub ? sub : "");
		err_t e;
		xlsxw_sheet(o->x, sheet, title, subtitle, &e);
		xlsxw_header(o->x, xc, n);
	}
}

/* A new line of the page: in the window, or only counted. */
static void page_line(reg_out_t *o, int kind)
{
	registers_page_t *p = o->page;
	int64_t g = p->total++;
	o->t->total++;
	o->line = NULL;
	if (g < p->offset || g >= p->offset + REGISTERS_PAGE_MAX)
		return;
	o->t->lines = arena_grow(o->a, o->t->lines, o->t->n, &o->lcap, 32, sizeof *o->t->lines);
	o->line = &o->t->lines[o->t->n++];
	*o->line = (registers_line_t){ .kind = kind };
	if (kind != 2)
		o->line->cells = arena_zalloc(o->a, o->ncols * sizeof *o->line->cells);
}

void reg_row(reg_out_t *o, bool bold)
{
	o->ci = 0;
	if (o->format == REG_PAGE)
		page_line(o, bold ? 1 : 0);
	else if (o->format == REG_PDF)
		bold ? print_row_bold(o->pdf) : print_row(o->pdf);
	else
		bold ? xlsxw_row_bold(o->x) : xlsxw_row(o->x);
}

void reg_heading(reg_out_t *o, const char *text)
{
	o->ci = o->ncols;
	if (o->format != REG_PDF && strchr(text, '\t')) {
		/* the PDF sets what follows the tab at the right; a page and a sheet get one line */
		char *flat = arena_strdup(o->a, text), *tab = strchr(flat, '\t');
		*tab = 0;
		text = arena_printf(o->a, "%s · %s", flat, tab + 1);
	}
	if (o->format == REG_PAGE) {
		page_line(o, 2);
		if (o->line)
			o->line->heading = arena_strdup(o->a, text);
		o->line = NULL;
	} else if (o->format == REG_PDF) {
		print_row_span(o->pdf, text, true);
	} else {
		xlsxw_row_bold(o->x);
		xlsxw_text(o->x, text);
	}
}

static void page_cell(reg_out_t *o, const char *text, bool number)
{
	if (o->line && o->ci < o->ncols)
		o->line->cells[o->ci] = (registers_cell_t){ text ? arena_strdup(o->a, text) : "", number };
	o->ci++;
}

void reg_text(reg_out_t *o, const char *s)
{
	if (o->format == REG_PAGE)
		page_cell(o, s, false);
	else if (o->format == REG_PDF)
		print_cell(o->pdf, s);
	else
		xlsxw_text(o->x, s);
}

void reg_int(reg_out_t *o, int64_t v)
{
	if (o->format == REG_PAGE) {
		char s[32];
		text_thousands(v, s, sizeof s);
		page_cell(o, s, true);
	} else if (o->format == REG_PDF) {
		print_cell_int(o->pdf, v);
	} else {
		xlsxw_int(o->x, v);
	}
}

void reg_int_or_blank(reg_out_t *o, int64_t v)
{
	if (v)
		reg_int(o, v);
	else if (o->format == REG_XLSX)
		xlsxw_skip(o->x);
	else
		reg_text(o, NULL);
}

void reg_money(reg_out_t *o, int64_t dong)
{
	if (o->format == REG_PAGE) {
		char s[32];
		text_thousands(dong, s, sizeof s);
		page_cell(o, s, true);
	} else if (o->format == REG_PDF) {
		print_cell_money(o->pdf, dong);
	} else {
		xlsxw_money(o->x, dong);
	}
}

void reg_day(reg_out_t *o, const char *iso)
{
	if (!iso || !*iso) {
		if (o->format == REG_XLSX)
			xlsxw_skip(o->x);
		else
			reg_text(o, NULL);
		return;
	}
	if (o->format == REG_PAGE) {
		char s[16];
		clock_day_vn(iso, s, sizeof s);
		page_cell(o, s, false);
	} else if (o->format == REG_PDF) {
		if (o->roman) {
			char s[16];
			print_day_roman(iso, s, sizeof s);
			print_cell(o->pdf, *s ? s : iso);
		} else {
			print_cell_day(o->pdf, iso);
		}
	} else {
		xlsxw_day(o->x, iso);
	}
}

void reg_note(reg_out_t *o, const char *text)
{
	if (o->format == REG_PDF)
		print_text(o->pdf, text, false);
}

/* --- reading a register -------------------------------------------------------------------- */

int registers_read(db_t *db, const actor_t *actor, registers_kind_t kind, const registers_filter_t *f,
                   registers_format_t format, arena_t *a, registers_page_t *page, buf_t *out, err_t *err)
{
	registers_page_t local;
	if (!page)
		page = &local;
	memset(page, 0, sizeof *page);
	page->offset = f->offset > 0 ? f->offset : 0;
	int rc = registers_scope(db, actor, f, a, &page->scope, err);
	if (rc < 0)
		return rc;
	static int (*const readers[REG__COUNT])(reg_out_t *, const registers_filter_t *, err_t *) = {
		reg_tongquat, reg_dkcb, reg_sgk, reg_baochi, reg_muon, reg_doctaicho,
	};
	if (kind < 0 || kind >= REG__COUNT)
		return err_set(err, ERR_NOTFOUND, "err.notfound", NULL);
	reg_out_t o;
	memset(&o, 0, sizeof o);
	o.format = format;
	o.db = db;
	o.a = a;
	o.lang = f->lang && *f->lang ? f->lang : "vi";
	o.scope = &page->scope;
	o.page = page;
	o.buf = out;
	/* each reader checks its own filters, then opens the writer with its title */
	return readers[kind](&o, f, err);
}

const char *registers_filename(registers_kind_t kind, const registers_scope_t *s, registers_format_t format,
                               arena_t *a)
{
	static const char *const base[REG__COUNT] = {
		"so-dang-ky-tong-quat",
		"so-dang-ky-ca-biet",
		"so-dang-ky-sach-giao-khoa",
		"so-dang-ky-bao-tap-chi",
		"so-muon",
		"thong-ke-doc-tai-cho",
	};
	buf_t b = BUF_INIT;
	buf_puts(&b, kind >= 0 && kind < REG__COUNT ? base[kind] : "so");
	if (kind == REG_DKCB && s->reg)
		buf_printf(&b, "-%s", s->reg);
	if (strcmp(s->school_year, "all") != 0 && (*s->from || *s->to)) {
		int y = patrons_school_year_start(s->school_year);
		char yf[11] = "", yt[11] = "";
		if (y > 0)
			year_bounds(y, yf, yt);
		if (y > 0 && !strcmp(yf, s->from) && !strcmp(yt, s->to))
			buf_printf(&b, "-%s", s->school_year);
		else
			buf_printf(&b, "-%s-%s", *s->from ? s->from : "", *s->to ? s->to : "");
	}
	buf_puts(&b, format == REG_PDF ? ".pdf" : ".xlsx");
	/* ASCII letters, digits, '-' and '.' only: the name goes into a header */
	char *name = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	for (char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
			*c = '-';
	return name;
}

/* --- the hub ------------------------------------------------------------------------------- */

static int count(db_t *db, int64_t *out, err_t *err, const char *sql, int64_t school, const char *from,
                 const char *to)
{
	return db_query_int(db, out, err, sql, "iss", school, from, to);
}

int registers_hub(db_t *db, const actor_t *actor, const registers_filter_t *f, arena_t *a,
                  registers_hub_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = registers_scope(db, actor, f, a, &out->scope, err);
	if (rc < 0)
		return rc;
	reg_out_t o = { .scope = &out->scope };
	const char *from = reg_from(&o), *to = reg_to(&o);
	int64_t id = out->scope.school_id;
	if ((rc = count(
	         db, &out->batches, err,
	         "SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND received >= ? AND received <= ?",
	         id, from, to)) < 0 ||
	    (rc = count(db, &out->withdrawals, err,
	                "SELECT COUNT(*) FROM withdrawals WHERE unit_id = ? AND status = 'approved' AND "
	                "approved_day >= ? AND approved_day <= ?",
	                id, from, to)) < 0 ||
	    (rc = count(db, &out->balances, err,
	                "SELECT COUNT(*) FROM stock_balances WHERE unit_id = ? AND day >= ? AND day <= ?", id,
	                from, to)) < 0 ||
	    (rc = count(db, &out->loans, err,
	                "SELECT COUNT(*) FROM loans WHERE unit_id = ? AND out_day >= ? AND out_day <= ?", id,
	                from, to)) < 0 ||
	    (rc = count(db, &out->uses, err,
	                "SELECT COALESCE(SUM(count), 0) FROM library_uses WHERE unit_id = ? AND day >= ? AND "
	                "day <= ?",
	                id, from, to)) < 0 ||
	    (rc = db_query_int(
	         db, &out->sgk_titles, err,
	         "SELECT COUNT(DISTINCT biblio_id) FROM items WHERE unit_id = ? AND register = 'SGK'", "i",
	         id)) < 0)
		return rc;
	if (strcmp(out->scope.school_year, "all") != 0)
		rc = db_query_int(db, &out->subscriptions, err,
		                  "SELECT COUNT(*) FROM subscriptions WHERE unit_id = ? AND school_year = ?",
		                  "is", id, out->scope.school_year);
	else
		rc = db_query_int(db, &out->subscriptions, err,
		                  "SELECT COUNT(*) FROM subscriptions WHERE unit_id = ?", "i", id);
	if (rc < 0)
		return rc;
	/* Every register series the document types name (the first type's name for it), with its
	 * copies and its numbering. */
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT d.register, d.name_vi, d.name_en, "
	    "(SELECT COUNT(*) FROM items i WHERE i.unit_id = ? AND i.register = d.register), "
	    "(SELECT COUNT(*) FROM items i WHERE i.unit_id = ? AND i.register = d.register AND i.status <> "
	    "'withdrawn'), "
	    "(SELECT COUNT(*) FROM register_settings s WHERE s.unit_id = ? AND s.register = d.register "
	    "AND s.numbering = 'title') "
	    "FROM doc_types d WHERE d.active = 1 ORDER BY d.sort, d.code",
	    "iii", id, id, id);
	if (!st)
		return err->code;
	size_t cap = 0;
	bool en = f->lang && !strcmp(f->lang, "en");
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *reg = db_col_text(st, 0);
		bool seen = false;
		for (size_t i = 0; i < out->nseries && !seen; i++)
			seen = !strcmp(out->series[i].reg, reg);
		if (seen)
			continue;
		out->series = arena_grow(a, out->series, out->nseries, &cap, 8, sizeof *out->series);
		registers_series_t *s = &out->series[out->nseries++];
		s->reg = arena_strdup(a, reg);
		s->name = arena_strdup(a, db_col_text(st, en ? 2 : 1));
		s->copies = db_col_int(st, 3);
		s->in_stock = db_col_int(st, 4);
		s->by_title = db_col_int(st, 5) > 0;
	}
	db_done(st);
	out->can_write = actor->role == ROLE_LIBRARIAN && actor->unit_id == out->scope.school_id;
	return rc < 0 ? rc : 0;
}
