/* labels.c: gathering the copies to label (scoped to the actor) and drawing them as a PDF of
 * A4 label sheets (labels.h).
 *
 * Drawing: the pen, the text and the Code 128 bars are draw.c's (shared with the library cards,
 * cards.c): cairo's PDF surface writes into a buf_t, pango shapes the Vietnamese text in Noto
 * Sans, libzint lays out the bars. Cairo works in points; the grid is in millimetres. */
#include <string.h>

#include "catalog/classify.h"
#include "labels/draw.h"
#include "labels/labels.h"

#define PAD_MM 2.5 /* inside each label */

/* --- the sheet ------------------------------------------------------------------------------- */

void labels_grid_default(labels_grid_t *g)
{
	*g = (labels_grid_t){ .rows = 8, .cols = 3, .margin_top = 0.5, .margin_bottom = 0.5 };
}

void labels_grid_cell(const labels_grid_t *g, double *w, double *h)
{
	*w = (LABELS_PAGE_W - g->margin_left - g->margin_right - (g->cols - 1) * g->gap_h) / g->cols;
	*h = (LABELS_PAGE_H - g->margin_top - g->margin_bottom - (g->rows - 1) * g->gap_v) / g->rows;
}

static int in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

int labels_grid_check(const labels_grid_t *g, err_t *err)
{
	const char *what = NULL;
	if (g->rows < 1 || g->rows > 20)
		what = "rows";
	else if (g->cols < 1 || g->cols > 10)
		what = "cols";
	else if (!in_range(g->margin_top, 0, 60) || !in_range(g->margin_bottom, 0, 60) ||
	         !in_range(g->margin_left, 0, 60) || !in_range(g->margin_right, 0, 60))
		what = "margin";
	else if (!in_range(g->gap_h, 0, 20) || !in_range(g->gap_v, 0, 20))
		what = "gap";
	if (!what) {
		double w, h;
		labels_grid_cell(g, &w, &h);
		if (w < 20 || h < 10)
			what = "size";
	}
	return what ? err_set(err, ERR_INVALID, "err.labels.grid", "%s", what) : 0;
}

int labels_per_page(const labels_grid_t *g)
{
	return g->rows * g->cols;
}

size_t labels_pages(const labels_grid_t *g, size_t n)
{
	size_t per = (size_t)labels_per_page(g);
	return per ? (n + per - 1) / per : 0;
}

int labels_kind_parse(const char *s, labels_kind_t *out, err_t *err)
{
	if (!s || !*s || strcmp(s, "barcode") == 0)
		*out = LABELS_BARCODE;
	else if (strcmp(s, "spine") == 0)
		*out = LABELS_SPINE;
	else
		return err_set(err, ERR_INVALID, "err.labels.kind", "%.40s", s);
	return 0;
}

/* --- what is printed ------------------------------------------------------------------------- */

const char *labels_call_number(arena_t *a, const char *call_number, const char *class_number,
                               const char *authors, const char *title, const char *accession)
{
	if (call_number && *call_number)
		return arena_strdup(a, call_number);
	/* The catalogue's own builder (catalog/classify.h), without the year: a spine label made
	 * before the record had a call number shows what the record would have got. */
	classify_rule_t rule;
	classify_rule_config(&rule);
	rule.year = false;
	const char *built = classify_call_number(a, &rule, class_number, authors, title, 0);
	return *built ? built : arena_strdup(a, accession ? accession : "");
}

size_t labels_spine_lines(arena_t *a, const char *text, const char **lines, size_t max)
{
	size_t n = 0;
	const char *s = text ? text : "";
	while (n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t k = n + 1 == max ? strlen(s) : strcspn(s, " ");
		while (k && s[k - 1] == ' ')
			k--;
		lines[n++] = arena_strndup(a, s, k);
		s += k;
	}
	return n;
}

/* --- gathering --------------------------------------------------------------------------------- */

#define LABEL_COLS "u.name, i.accession, i.barcode, b.call_number, b.class_number, b.authors, b.title"
/* Withdrawn and lost copies are left out unless the bound flag is 1. */
#define LABEL_ON_SHELF "AND (? = 1 OR i.status NOT IN ('withdrawn', 'lost')) "

/* The unit path of the record, batch or school src names (ERR_NOTFOUND when none), and for a
 * register range the school's id in *unit. */
static int source_path(db_t *db, const actor_t *actor, const labels_source_t *src, arena_t *a,
                       const char **path, int64_t *unit, err_t *err)
{
	db_stmt_t *st;
	const char *missing;
	if (src->biblio_id) {
		st = db_query(
		    db, err,
		    "SELECT u.path, u.id FROM biblios b JOIN units u ON u.id = b.unit_id WHERE b.id = ?", "i",
		    src->biblio_id);
		missing = "err.biblio.notfound";
	} else if (src->batch_id) {
		st = db_query(
		    db, err,
		    "SELECT u.path, u.id FROM acquisitions q JOIN units u ON u.id = q.unit_id WHERE q.id = ?",
		    "i", src->batch_id);
		missing = "err.acquisition.notfound";
	} else {
		st = db_query(db, err, "SELECT path, id FROM units WHERE id = ?", "i",
		              src->unit_id ? src->unit_id : actor->unit_id);
		missing = "err.unit.notfound";
	}
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int visible = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 0));
	if (visible) {
		*path = arena_strdup(a, db_col_text(st, 0));
		*unit = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return visible ? 0 : err_set(err, ERR_NOTFOUND, missing, NULL);
}

static int check_source(const labels_source_t *src, err_t *err)
{
	int given = (src->biblio_id != 0) + (src->batch_id != 0) + (src->reg != NULL && *src->reg);
	if (given != 1 || src->biblio_id < 0 || src->batch_id < 0 || src->unit_id < 0)
		return err_set(err, ERR_INVALID, "err.labels.source", NULL);
	if (src->reg && *src->reg) {
		if (strlen(src->reg) > 16 || src->from < 1 || src->to < src->from)
			return err_set(err, ERR_INVALID, "err.labels.range", NULL);
		if (src->to - src->from >= LABELS_MAX)
			return err_set(err, ERR_TOOBIG, "err.labels.toobig", "%d", LABELS_MAX);
	}
	return 0;
}

int labels_collect(db_t *db, const actor_t *actor, const labels_source_t *src, arena_t *a, label_t **out,
                   size_t *n, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = check_source(src, err);
	const char *path = NULL;
	int64_t unit = 0;
	if (rc < 0 || (rc = source_path(db, actor, src, a, &path, &unit, err)) < 0)
		return rc;
	/* One row more than allowed tells "too many" without counting first. */
	const int64_t lim = LABELS_MAX + 1;
	const int64_t all = src->include_gone;
	db_stmt_t *st;
	if (src->biblio_id)
		st = db_query(db, err,
		              "SELECT " LABEL_COLS " FROM items i JOIN biblios b ON b.id = i.biblio_id "
		              "JOIN units u ON u.id = i.unit_id WHERE i.biblio_id = ? " LABEL_ON_SHELF
		              "ORDER BY i.register, i.accession_no LIMIT ?",
		              "iii", src->biblio_id, all, lim);
	else if (src->batch_id)
		st = db_query(db, err,
		              "SELECT " LABEL_COLS " FROM items i JOIN biblios b ON b.id = i.biblio_id "
		              "JOIN units u ON u.id = i.unit_id WHERE i.acquisition_id = ? " LABEL_ON_SHELF
		              "ORDER BY i.register, i.accession_no LIMIT ?",
		              "iii", src->batch_id, all, lim);
	else
		st = db_query(db, err,
		              "SELECT " LABEL_COLS " FROM items i JOIN biblios b ON b.id = i.biblio_id "
		              "JOIN units u ON u.id = i.unit_id WHERE i.unit_id = ? AND i.register = ? "
		              "AND i.accession_no >= ? AND i.accession_no <= ? " LABEL_ON_SHELF
		              "ORDER BY i.register, i.accession_no LIMIT ?",
		              "isiiii", unit, src->reg, src->from, src->to, all, lim);
	if (!st)
		return err->code;
	size_t cap = 16, k = 0;
	label_t *v = arena_zalloc(a, cap * sizeof *v);
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (k == LABELS_MAX) {
			rc = err_set(err, ERR_TOOBIG, "err.labels.toobig", "%d", LABELS_MAX);
			break;
		}
		if (k == cap) {
			label_t *w = arena_zalloc(a, 2 * cap * sizeof *w);
			memcpy(w, v, k * sizeof *v);
			v = w;
			cap *= 2;
		}
		label_t *l = &v[k++];
		l->school = arena_strdup(a, db_col_text(st, 0));
		l->accession = arena_strdup(a, db_col_text(st, 1));
		l->barcode = arena_strdup(a, db_col_text(st, 2));
		l->call_number = labels_call_number(a, db_col_text(st, 3), db_col_text(st, 4),
		                                    db_col_text(st, 5), db_col_text(st, 6), l->accession);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = k;
	return 0;
}

/* --- drawing ----------------------------------------------------------------------------------- */

/* A barcode label in the cell at (x, y), w x h points. */
static int draw_barcode_label(labels_pen_t *p, const label_t *l, double x, double y, double w, double h,
                              err_t *err)
{
	double pad = PAD_MM * PT_PER_MM, iw = w - 2 * pad;
	double top = y + pad, bottom = y + h - pad;
	double th = labels_set_text(p, l->school, 6.5, 0, iw);
	labels_show_text(p, x + pad, top);
	top += th + 1;
	double ah = labels_set_text(p, l->accession, 9, 1, iw);
	labels_show_text(p, x + pad, bottom - ah);
	bottom -= ah;
	double bh = labels_set_text(p, l->barcode, 7, 0, iw);
	labels_show_text(p, x + pad, bottom - bh);
	bottom -= bh + 0.5;
	double bars = bottom - top;
	if (bars > 18 * PT_PER_MM) {
		top += (bars - 18 * PT_PER_MM) / 2;
		bars = 18 * PT_PER_MM;
	}
	return bars > 2 ? labels_draw_code128(p, l->barcode, x + pad, top, iw, bars, err) : 0;
}

/* A spine label: the call number in lines, as large as fits, and the accession number small. */
static void draw_spine_label(labels_pen_t *p, arena_t *a, const label_t *l, double x, double y, double w,
                             double h)
{
	double pad = PAD_MM * PT_PER_MM, iw = w - 2 * pad;
	double ah = labels_set_text(p, l->accession, 6.5, 0, iw);
	labels_show_text(p, x + pad, y + h - pad - ah);
	double room = h - 2 * pad - ah - 1;
	const char *lines[6];
	size_t n = labels_spine_lines(a, l->call_number, lines, 6);
	buf_t text = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&text, '\n');
		buf_puts(&text, lines[i]);
	}
	double pt = 22, th = 0;
	for (;; pt -= 1) {
		th = labels_set_text(p, buf_str(&text), pt, 1, 0);
		int lw, lh;
		pango_layout_get_size(p->layout, &lw, &lh);
		if (pt <= 6 || ((double)lw / PANGO_SCALE <= iw && th <= room))
			break;
	}
	if (pt <= 6) /* still too long: let pango cut the lines */
		th = labels_set_text(p, buf_str(&text), 6, 1, iw);
	pango_layout_set_width(p->layout, (int)(iw * PANGO_SCALE));
	labels_show_text(p, x + pad, y + pad + (room - th) / 2);
	buf_release(&text);
}

int labels_render_pdf(const label_t *v, size_t n, labels_kind_t kind, const labels_grid_t *g, buf_t *out,
                      err_t *err)
{
	int rc = labels_grid_check(g, err);
	if (rc < 0)
		return rc;
	if (n > LABELS_MAX)
		return err_set(err, ERR_TOOBIG, "err.labels.toobig", "%d", LABELS_MAX);
	labels_pen_t p;
	arena_t *a = arena_new(4096);
	labels_pen_open(&p, out);
	double cw, ch;
	labels_grid_cell(g, &cw, &ch);
	int per = labels_per_page(g);
	for (size_t i = 0; i < n; i++) {
		int slot = (int)(i % (size_t)per);
		if (i && slot == 0)
			labels_pen_page(&p);
		double x = (g->margin_left + (slot % g->cols) * (cw + g->gap_h)) * PT_PER_MM;
		double y = (g->margin_top + (slot / g->cols) * (ch + g->gap_v)) * PT_PER_MM;
		cairo_set_source_rgb(p.cr, 0, 0, 0);
		if (kind == LABELS_SPINE)
			draw_spine_label(&p, a, &v[i], x, y, cw * PT_PER_MM, ch * PT_PER_MM);
		else if ((rc = draw_barcode_label(&p, &v[i], x, y, cw * PT_PER_MM, ch * PT_PER_MM, err)) < 0)
			goto done;
		if ((i & 63) == 63)
			arena_reset(a);
	}
done:
	rc = labels_pen_close(&p, rc, err);
	arena_free(a);
	return rc;
}

void labels_shutdown(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
}
