/* overdue.c: the scope shared by circ_more.h, and overdue lists by class for homeroom teachers,
 * as data, as a workbook, and as reminder notices (a PDF of slips to cut and hand out).
 *
 * The list reads the school's open loans due before today (loans_unit_due), with the reader's
 * current class (the class the homeroom teacher has now, not the one at lending time), and
 * sorts in C: classes in natural order ("6A2" before "10A1"), as people count, which neither
 * backend's collation does the same way. Notices are drawn as labels.c draws labels: cairo's PDF
 * surface into a buf_t, text through pango in "Noto Sans" (Vietnamese marks shaped, text
 * extractable). */
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "base/text.h"
#include "base/xlsxw.h"
#include "circ/circ_more.h"

/* --- scope ---------------------------------------------------------------------------------- */

int circ_school_for(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, circ_school_t *out,
                    err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (unit_id < 0)
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	db_stmt_t *st = db_query(db, err, "SELECT id, code, name, path, kind FROM units WHERE id = ?", "i",
	                         unit_id ? unit_id : actor->unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 3))) {
		if (strcmp(db_col_text(st, 4), "school") != 0) {
			rc = err_set(err, ERR_INVALID, "err.circ.school", NULL);
		} else {
			out->id = db_col_int(st, 0);
			out->code = arena_strdup(a, db_col_text(st, 1));
			out->name = arena_strdup(a, db_col_text(st, 2));
			out->path = arena_strdup(a, db_col_text(st, 3));
			rc = 0;
		}
	} else if (rc >= 0) {
		rc = err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	}
	db_done(st);
	return rc;
}

int circ_check_writer(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.circ.write", NULL);
	return 0;
}

/* --- the list ------------------------------------------------------------------------------- */

typedef struct sort_row {
	circ_overdue_row_t r;
	const char *fold; /* the reader's folded name */
} sort_row_t;

/* Classes in natural order, the empty class last. */
static int class_cmp(const char *x, const char *y)
{
	if (!*x || !*y)
		return (*x == 0) - (*y == 0);
	return strverscmp(x, y);
}

static int row_cmp(const void *pa, const void *pb)
{
	const sort_row_t *a = pa, *b = pb;
	int c = class_cmp(a->r.class_name, b->r.class_name);
	if (!c)
		c = strcmp(a->fold, b->fold);
	if (!c)
		c = (a->r.patron_id > b->r.patron_id) - (a->r.patron_id < b->r.patron_id);
	if (!c)
		c = strcmp(a->r.due, b->r.due);
	if (!c)
		c = strcmp(a->r.barcode, b->r.barcode);
	return c;
}

static int str_class_cmp(const void *pa, const void *pb)
{
	return class_cmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int check_filter(const circ_overdue_filter_t *f, err_t *err)
{
	const char *k = f->patron_kind;
	if (k && *k && strcmp(k, "student") && strcmp(k, "teacher") && strcmp(k, "staff"))
		return err_set(err, ERR_INVALID, "err.circ.kind", "%.20s", k);
	if (f->min_days < 0 || f->min_days > 3650)
		return err_set(err, ERR_INVALID, "err.circ.min_days", NULL);
	if (f->class_name && text_length(f->class_name) > 32)
		return err_set(err, ERR_INVALID, "err.circ.class", NULL);
	return 0;
}

/* The homeroom teachers of the school: class -> names, as parallel arrays. */
static int read_teachers(db_t *db, int64_t unit, arena_t *a, const char ***cls, const char ***names,
                         size_t *n, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT class_name, full_name FROM patrons WHERE unit_id = ? AND kind = 'teacher' "
	             "AND class_name <> '' AND status = 'active' ORDER BY id",
	             "i", unit);
	if (!st)
		return err->code;
	size_t cap = 0, k = 0;
	const char **c = NULL, **nm = NULL;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		size_t cap2 = cap;
		c = arena_grow(a, c, k, &cap2, 32, sizeof *c);
		nm = arena_grow(a, nm, k, &cap, 32, sizeof *nm);
		c[k] = arena_strdup(a, db_col_text(st, 0));
		nm[k] = arena_strdup(a, db_col_text(st, 1));
		k++;
	}
	db_done(st);
	*cls = c;
	*names = nm;
	*n = k;
	return rc < 0 ? rc : 0;
}

static const char *teachers_of(arena_t *a, const char *cls, const char **tc, const char **tn, size_t nt)
{
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < nt; i++) {
		if (strcmp(tc[i], cls) != 0)
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, tn[i]);
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

static int read_classes(db_t *db, int64_t unit, arena_t *a, circ_overdue_list_t *out, err_t *err)
{
	db_stmt_t *st = db_query(
	    db, err, "SELECT DISTINCT class_name FROM patrons WHERE unit_id = ? AND class_name <> ''", "i",
	    unit);
	if (!st)
		return err->code;
	size_t cap = 0, k = 0;
	const char **v = NULL;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		v = arena_grow(a, v, k, &cap, 32, sizeof *v);
		v[k++] = arena_strdup(a, db_col_text(st, 0));
	}
	db_done(st);
	if (k)
		qsort(v, k, sizeof *v, str_class_cmp);
	out->classes = v;
	out->nclasses = k;
	return rc < 0 ? rc : 0;
}

int circ_overdue_list(db_t *db, const actor_t *actor, const circ_overdue_filter_t *f, arena_t *a,
                      circ_overdue_list_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_school_for(db, actor, f->unit_id, a, &out->school, err);
	if (rc < 0 || (rc = check_filter(f, err)) < 0)
		return rc;
	int64_t today = f->today ? f->today : clock_today_vn();
	clock_day_format(today, out->today, sizeof out->today);
	char cutoff[11];
	clock_day_format(today - (f->min_days > 1 ? f->min_days : 1), cutoff, sizeof cutoff);
	const char *cls = f->class_name && *f->class_name ? f->class_name : NULL;
	const char *kind = f->patron_kind && *f->patron_kind ? f->patron_kind : NULL;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT l.id, l.patron_id, l.item_id, p.code, p.full_name, p.kind, p.class_name, b.title, "
	    "i.barcode, "
	    "i.accession, l.out_day, l.due, p.name_fold FROM loans l JOIN patrons p ON p.id = l.patron_id "
	    "JOIN items i ON i.id = l.item_id JOIN biblios b ON b.id = l.biblio_id "
	    "WHERE l.unit_id = ? AND l.returned_at IS NULL AND l.due <= ? "
	    "AND (CAST(? AS TEXT) IS NULL OR p.class_name = ?) AND (CAST(? AS TEXT) IS NULL OR p.kind = ?) "
	    "LIMIT ?",
	    "isssssi", out->school.id, cutoff, cls, cls, kind, kind, (int64_t)CIRC_OVERDUE_MAX + 1);
	if (!st)
		return err->code;
	size_t cap = 0, n = 0;
	sort_row_t *v = NULL;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (n == CIRC_OVERDUE_MAX) {
			rc = err_set(err, ERR_TOOBIG, "err.circ.toomany", "%d", CIRC_OVERDUE_MAX);
			break;
		}
		v = arena_grow(a, v, n, &cap, 64, sizeof *v);
		sort_row_t *s = &v[n++];
		circ_overdue_row_t *r = &s->r;
		r->loan_id = db_col_int(st, 0);
		r->patron_id = db_col_int(st, 1);
		r->item_id = db_col_int(st, 2);
		r->patron_code = arena_strdup(a, db_col_text(st, 3));
		r->patron_name = arena_strdup(a, db_col_text(st, 4));
		r->patron_kind = arena_strdup(a, db_col_text(st, 5));
		r->class_name = arena_strdup(a, db_col_text(st, 6));
		r->title = arena_strdup(a, db_col_text(st, 7));
		r->barcode = arena_strdup(a, db_col_text(st, 8));
		r->accession = arena_strdup(a, db_col_text(st, 9));
		r->out_day = arena_strdup(a, db_col_text(st, 10));
		r->due = arena_strdup(a, db_col_text(st, 11));
		s->fold = arena_strdup(a, db_col_text(st, 12) ? db_col_text(st, 12) : "");
		int64_t due = today;
		if (clock_day_parse(r->due, &due) < 0)
			due = today - 1;
		r->days = today - due;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (n)
		qsort(v, n, sizeof *v, row_cmp);
	const char **tc = NULL, **tn = NULL;
	size_t nt = 0;
	if ((rc = read_teachers(db, out->school.id, a, &tc, &tn, &nt, err)) < 0 ||
	    (rc = read_classes(db, out->school.id, a, out, err)) < 0)
		return rc;
	/* Groups: runs of one class; each group's rows copied out of the sort array. */
	size_t gcap = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && strcmp(v[j].r.class_name, v[i].r.class_name) == 0)
			j++;
		out->groups = arena_grow(a, out->groups, out->ngroups, &gcap, 16, sizeof *out->groups);
		circ_overdue_group_t *g = &out->groups[out->ngroups++];
		memset(g, 0, sizeof *g);
		g->class_name = v[i].r.class_name;
		g->teacher = *g->class_name ? teachers_of(a, g->class_name, tc, tn, nt) : "";
		g->n = j - i;
		g->rows = arena_alloc(a, g->n * sizeof *g->rows);
		for (size_t k = i; k < j; k++) {
			g->rows[k - i] = v[k].r;
			if (k == i || v[k].r.patron_id != v[k - 1].r.patron_id)
				g->readers++;
		}
		out->readers += g->readers;
		i = j;
	}
	out->total = n;
	return 0;
}

/* --- the workbook --------------------------------------------------------------------------- */

int circ_overdue_xlsx(const circ_overdue_list_t *l, const char *lang, buf_t *out, err_t *err)
{
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char today[16], sub[400], head[400];
	clock_day_vn(l->today, today, sizeof today);
	snprintf(sub, sizeof sub, "%s · %s %s", l->school.name, i18n_get(lang, "circ.date"), today);
	int rc = xlsxw_sheet(w, i18n_get(lang, "circ.overdue.sheet"), i18n_get(lang, "circ.overdue.title"),
	                     sub, err);
	if (rc < 0) {
		xlsxw_free(w);
		return rc;
	}
	const xlsxw_col_t cols[] = {
		{ i18n_get(lang, "circ.col.reader"), 28 },  { i18n_get(lang, "circ.col.card"), 14 },
		{ i18n_get(lang, "circ.col.class"), 8 },    { i18n_get(lang, "circ.col.title"), 40 },
		{ i18n_get(lang, "circ.col.barcode"), 14 }, { i18n_get(lang, "circ.col.accession"), 14 },
		{ i18n_get(lang, "circ.col.out"), 12 },     { i18n_get(lang, "circ.col.due"), 12 },
		{ i18n_get(lang, "circ.col.days"), 10 },
	};
	xlsxw_header(w, cols, sizeof cols / sizeof cols[0]);
	for (size_t g = 0; g < l->ngroups; g++) {
		const circ_overdue_group_t *gr = &l->groups[g];
		if (!*gr->class_name) /* "Không có lớp" */
			snprintf(head, sizeof head, "%s", i18n_get(lang, "circ.overdue.noclass"));
		else if (*gr->teacher) /* "Lớp 6A1 · GVCN: Nguyễn Thị Hoa" */
			snprintf(head, sizeof head, "%s %s · %s: %s", i18n_get(lang, "circ.col.class"),
			         gr->class_name, i18n_get(lang, "circ.overdue.teacher"), gr->teacher);
		else
			snprintf(head, sizeof head, "%s %s", i18n_get(lang, "circ.col.class"),
			         gr->class_name);
		xlsxw_row_bold(w);
		xlsxw_text(w, head);
		for (size_t i = 0; i < gr->n; i++) {
			const circ_overdue_row_t *r = &gr->rows[i];
			xlsxw_row(w);
			xlsxw_text(w, r->patron_name);
			xlsxw_text(w, r->patron_code);
			xlsxw_text(w, r->class_name);
			xlsxw_text(w, r->title);
			xlsxw_text(w, r->barcode);
			xlsxw_text(w, r->accession);
			xlsxw_day(w, r->out_day);
			xlsxw_day(w, r->due);
			xlsxw_int(w, r->days);
		}
	}
	xlsxw_row_bold(w);
	snprintf(head, sizeof head, "%s: %zu · %s: %zu", i18n_get(lang, "circ.overdue.readers"), l->readers,
	         i18n_get(lang, "circ.overdue.loans"), l->total);
	xlsxw_text(w, head);
	return xlsxw_finish(w, out, err);
}

/* --- reminder notices ----------------------------------------------------------------------- */

#define PT_PER_MM      (72.0 / 25.4)
#define PAGE_W         210.0
#define PAGE_H         297.0
#define SLIPS_PER_PAGE 3
#define SLIP_MARGIN    12.0 /* mm, each side of a slip */
#define FONT           "Noto Sans"

typedef struct pen {
	cairo_t *cr;
	PangoLayout *layout;
	PangoFontDescription *font;
} pen_t;

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Draw text at (x, y) (points) in a box width_pt wide, wrapped (or on one line, ellipsized, when
 * one_line); returns its height in points. */
static double text_at(pen_t *p, const char *text, double size, int bold, double x, double y, double width_pt,
                      int one_line, PangoAlignment align)
{
	pango_font_description_set_absolute_size(p->font, size * PANGO_SCALE);
	pango_font_description_set_weight(p->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->layout, p->font);
	pango_layout_set_width(p->layout, (int)(width_pt * PANGO_SCALE));
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(p->layout, one_line ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_alignment(p->layout, align);
	pango_layout_set_text(p->layout, text, -1);
	int w, h;
	pango_layout_get_size(p->layout, &w, &h);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->layout);
	return (double)h / PANGO_SCALE;
}

/* One reader's slip: rows[0..n) are theirs (one reader, sorted by due date). */
static void draw_slip(pen_t *p, const circ_overdue_list_t *l, const circ_overdue_row_t *rows, size_t n,
                      const char *lang, double top)
{
	double x = SLIP_MARGIN * PT_PER_MM, w = (PAGE_W - 2 * SLIP_MARGIN) * PT_PER_MM;
	double y = top + 9 * PT_PER_MM;
	char line[600], day[16];
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	y += text_at(p, l->school.name, 9, 0, x, y, w, 1, PANGO_ALIGN_LEFT) + 2;
	y += text_at(p, i18n_get(lang, "circ.notice.title"), 13, 1, x, y, w, 1, PANGO_ALIGN_CENTER) + 4;
	const circ_overdue_row_t *r0 = &rows[0];
	if (*r0->class_name)
		snprintf(line, sizeof line, "%s: %s    %s: %s    %s: %s", i18n_get(lang, "circ.col.reader"),
		         r0->patron_name, i18n_get(lang, "circ.col.class"), r0->class_name,
		         i18n_get(lang, "circ.col.card"), r0->patron_code);
	else
		snprintf(line, sizeof line, "%s: %s    %s: %s", i18n_get(lang, "circ.col.reader"),
		         r0->patron_name, i18n_get(lang, "circ.col.card"), r0->patron_code);
	y += text_at(p, line, 10.5, 1, x, y, w, 1, PANGO_ALIGN_LEFT) + 3;
	y += text_at(p, i18n_get(lang, "circ.notice.text"), 10, 0, x, y, w, 0, PANGO_ALIGN_LEFT) + 4;
	size_t shown = n > CIRC_NOTICE_BOOKS ? CIRC_NOTICE_BOOKS : n;
	/* Each book: its title and barcode on the left (cut when long), the due date on the right,
	 * so a long title never hides the date. */
	double right = 62 * PT_PER_MM, indent = 4 * PT_PER_MM;
	for (size_t i = 0; i < shown; i++) {
		clock_day_vn(rows[i].due, day, sizeof day);
		snprintf(line, sizeof line, "%s: %s (%lld %s)", i18n_get(lang, "circ.col.due"), day,
		         (long long)rows[i].days, i18n_get(lang, "circ.notice.days"));
		text_at(p, line, 9.5, 0, x + w - right, y, right, 1, PANGO_ALIGN_RIGHT);
		snprintf(line, sizeof line, "%zu. %s — %s: %s", i + 1, rows[i].title,
		         i18n_get(lang, "circ.col.barcode"), rows[i].barcode);
		y += text_at(p, line, 9.5, 0, x + indent, y, w - indent - right - 2 * PT_PER_MM, 1,
		             PANGO_ALIGN_LEFT) +
		     1;
	}
	if (n > shown) {
		snprintf(line, sizeof line, "+ %zu %s", n - shown, i18n_get(lang, "circ.notice.more"));
		text_at(p, line, 9.5, 0, x + indent, y, w - indent, 1, PANGO_ALIGN_LEFT);
	}
	clock_day_vn(l->today, day, sizeof day);
	snprintf(line, sizeof line, "%s %s · %s", i18n_get(lang, "circ.date"), day,
	         i18n_get(lang, "circ.notice.sign"));
	text_at(p, line, 9, 0, x, top + (PAGE_H / SLIPS_PER_PAGE - 12) * PT_PER_MM, w, 1, PANGO_ALIGN_RIGHT);
}

/* The dashed line between two slips, at y points. */
static void cut_line(pen_t *p, double y)
{
	static const double dash[] = { 4, 3 };
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	cairo_set_line_width(p->cr, 0.6);
	cairo_set_dash(p->cr, dash, 2, 0);
	cairo_move_to(p->cr, 5 * PT_PER_MM, y);
	cairo_line_to(p->cr, (PAGE_W - 5) * PT_PER_MM, y);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
}

int circ_overdue_notices_pdf(const circ_overdue_list_t *l, const char *lang, buf_t *out, err_t *err)
{
	int rc = 0;
	cairo_surface_t *s =
	    cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W * PT_PER_MM, PAGE_H * PT_PER_MM);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "thuvien");
	pen_t p = { 0 };
	p.cr = cairo_create(s);
	p.layout = pango_cairo_create_layout(p.cr);
	p.font = pango_font_description_from_string(FONT);
	double slip_h = PAGE_H / SLIPS_PER_PAGE * PT_PER_MM;
	size_t slot = 0;
	for (size_t g = 0; g < l->ngroups; g++) {
		const circ_overdue_group_t *gr = &l->groups[g];
		for (size_t i = 0; i < gr->n;) {
			size_t j = i;
			while (j < gr->n && gr->rows[j].patron_id == gr->rows[i].patron_id)
				j++;
			if (slot && slot % SLIPS_PER_PAGE == 0)
				cairo_show_page(p.cr);
			int k = (int)(slot % SLIPS_PER_PAGE);
			if (k)
				cut_line(&p, k * slip_h);
			draw_slip(&p, l, &gr->rows[i], j - i, lang, k * slip_h);
			slot++;
			i = j;
		}
	}
	if (!slot)
		text_at(&p, i18n_get(lang, "circ.overdue.none"), 12, 0, SLIP_MARGIN * PT_PER_MM,
		        20 * PT_PER_MM, (PAGE_W - 2 * SLIP_MARGIN) * PT_PER_MM, 0, PANGO_ALIGN_LEFT);
	cairo_show_page(p.cr);
	pango_font_description_free(p.font);
	g_object_unref(p.layout);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "cairo: %s",
		             cairo_status_to_string(cairo_surface_status(s)));
	cairo_surface_destroy(s);
	return rc;
}
