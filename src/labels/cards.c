/* cards.c: library cards: gathering a school's readers (scoped to the actor) and drawing their
 * cards on A4 sheets (cards.h).
 *
 * Photos are stored base64 (patron_photos). A JPEG is not decoded: cairo has no JPEG decoder,
 * but its PDF backend embeds JPEG data as is when an image surface carries it as mime data, so we
 * read only the size from the JPEG's SOF marker, make an (unpainted) image surface of that size,
 * attach the bytes, and paint it scaled into the frame. A PNG is decoded by cairo. Anything that
 * does not parse is drawn as the empty frame: a corrupt photo must not cost the class its cards.
 * Card layout is in millimetres on an ID-1 card and scaled to the grid's card size. */
#include <cairo.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/clock.h"
#include "labels/cards.h"
#include "labels/draw.h"
#include "labels/labels.h"

#define ID1_W           85.6
#define ID1_H           54.0
#define PHOTO_MAX_BYTES (4 << 20) /* decoded */
#define PHOTO_MAX_SIDE  6000      /* pixels */
#define PHOTO_W         20.0      /* the frame, mm: 3 x 4 */
#define PHOTO_H         26.5

/* --- the sheet ------------------------------------------------------------------------------- */

void cards_grid_default(cards_grid_t *g)
{
	*g = (cards_grid_t){ .rows = 5,
		             .cols = 2,
		             .card_w = ID1_W,
		             .card_h = ID1_H,
		             .gap_h = 4,
		             .gap_v = 3,
		             .cut_marks = true };
	g->margin_left = (LABELS_PAGE_W - 2 * ID1_W - g->gap_h) / 2;
	g->margin_top = (LABELS_PAGE_H - 5 * ID1_H - 4 * g->gap_v) / 2;
}

static int in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

int cards_grid_check(const cards_grid_t *g, err_t *err)
{
	const char *what = NULL;
	if (g->cols < 1 || g->cols > 10)
		what = "cols";
	else if (g->rows < 1 || g->rows > 10)
		what = "rows";
	else if (!in_range(g->card_w, 40, 200))
		what = "card_w";
	else if (!in_range(g->card_h, 25, 280))
		what = "card_h";
	else if (!in_range(g->margin_top, 0, 100) || !in_range(g->margin_left, 0, 100))
		what = "margin";
	else if (!in_range(g->gap_h, 0, 100) || !in_range(g->gap_v, 0, 100))
		what = "gap";
	if (what)
		return err_set(err, ERR_INVALID, "err.cards.grid", "%s", what);
	double w = g->margin_left + g->cols * g->card_w + (g->cols - 1) * g->gap_h;
	double h = g->margin_top + g->rows * g->card_h + (g->rows - 1) * g->gap_v;
	if (w > LABELS_PAGE_W + 1e-9)
		return err_set(err, ERR_INVALID, "err.cards.nofit", "%.1f > %.0f mm", w, LABELS_PAGE_W);
	if (h > LABELS_PAGE_H + 1e-9)
		return err_set(err, ERR_INVALID, "err.cards.nofit", "%.1f > %.0f mm", h, LABELS_PAGE_H);
	return 0;
}

int cards_per_page(const cards_grid_t *g)
{
	return g->rows * g->cols;
}

size_t cards_pages(const cards_grid_t *g, size_t n)
{
	size_t per = (size_t)cards_per_page(g);
	return per ? (n + per - 1) / per : 0;
}

/* --- gathering ------------------------------------------------------------------------------- */

const char *cards_heading(arena_t *a, const char *unit_name)
{
	static const char *const longname = "Giáo dục và Đào tạo";
	buf_t b = BUF_INIT;
	const char *s = unit_name ? unit_name : "";
	const char *hit = strstr(s, longname);
	if (hit) {
		buf_append(&b, s, (size_t)(hit - s));
		buf_puts(&b, "GD&ĐT");
		buf_puts(&b, hit + strlen(longname));
	} else {
		buf_puts(&b, s);
	}
	/* Capitals, code point by code point (utf8proc knows đ -> Đ and every Vietnamese vowel). */
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)buf_str(&b);
	buf_t up = BUF_INIT;
	utf8proc_ssize_t len = (utf8proc_ssize_t)strlen((const char *)p);
	while (len > 0) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(p, len, &c);
		if (k <= 0)
			break;
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_toupper(c), enc);
		buf_append(&up, enc, (size_t)m);
		p += k;
		len -= k;
	}
	const char *out = arena_strdup(a, buf_str(&up));
	buf_release(&b);
	buf_release(&up);
	return out;
}

static int check_actor(const actor_t *actor, err_t *err)
{
	if (!actor || (actor->role != ROLE_LIBRARIAN && actor->role != ROLE_LEADER) ||
	    strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return 0;
}

/* The school's heading lines. */
static int school_heading(db_t *db, const actor_t *actor, arena_t *a, cards_set_t *out, err_t *err)
{
	db_stmt_t *st = db_query(db, err,
	                         "SELECT u.name, p.name FROM units u LEFT JOIN units p ON p.id = u.parent_id"
	                         " WHERE u.id = ?",
	                         "i", actor->unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		out->school = cards_heading(a, db_col_text(st, 0));
		out->governing = cards_heading(a, db_col_text(st, 1) ? db_col_text(st, 1) : "");
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
}

/* "2025-2026": the school year of today, for readers whose row has none (it starts in August). */
static const char *this_school_year(arena_t *a)
{
	int y, m, d;
	clock_civil_from_days(clock_today_vn(), &y, &m, &d);
	int from = m >= 8 ? y : y - 1;
	return arena_printf(a, "%d-%d", from, from + 1);
}

#define CARD_COLS                                                                                            \
	"p.id, p.code, p.full_name, p.kind, p.class_name, p.school_year, p.birth_date, ph.mime, ph.data"
#define CARD_FROM " FROM patrons p LEFT JOIN patron_photos ph ON ph.patron_id = p.id"

static void read_card(db_stmt_t *st, arena_t *a, const char *year, card_t *c)
{
	c->id = db_col_int(st, 0);
	c->code = arena_strdup(a, db_col_text(st, 1) ? db_col_text(st, 1) : "");
	c->full_name = arena_strdup(a, db_col_text(st, 2) ? db_col_text(st, 2) : "");
	c->kind = arena_strdup(a, db_col_text(st, 3) ? db_col_text(st, 3) : "student");
	c->class_name = arena_strdup(a, db_col_text(st, 4) ? db_col_text(st, 4) : "");
	const char *sy = db_col_text(st, 5);
	c->school_year = sy && *sy ? arena_strdup(a, sy) : year;
	char vn[32] = "";
	const char *bd = db_col_text(st, 6);
	int64_t day;
	if (bd && clock_day_parse(bd, &day) == 0)
		clock_day_vn(bd, vn, sizeof vn);
	c->birth_date = arena_strdup(a, vn);
	c->photo_mime = db_col_null(st, 7) ? NULL : arena_strdup(a, db_col_text(st, 7));
	c->photo = db_col_null(st, 8) ? NULL : arena_strdup(a, db_col_text(st, 8));
}

/* Append the rows of st to the set; ERR_TOOBIG past CARDS_MAX. */
static int read_cards(db_stmt_t *st, arena_t *a, const char *year, cards_set_t *out, size_t *cap, err_t *err)
{
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (out->n == CARDS_MAX)
			return err_set(err, ERR_TOOBIG, "err.cards.toobig", "%d", CARDS_MAX);
		if (out->n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 64;
			card_t *w = arena_zalloc(a, ncap * sizeof *w);
			if (out->n)
				memcpy(w, out->cards, out->n * sizeof *w);
			out->cards = w;
			*cap = ncap;
		}
		read_card(st, a, year, &out->cards[out->n++]);
	}
	return rc < 0 ? rc : 0;
}

int cards_collect(db_t *db, const actor_t *actor, const cards_select_t *sel, arena_t *a, cards_set_t *out,
                  err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = check_actor(actor, err);
	if (rc < 0)
		return rc;
	int given = (sel->class_name && *sel->class_name) + (sel->nids > 0) + sel->all;
	if (given != 1)
		return err_set(err, ERR_INVALID, "err.cards.select", NULL);
	if (sel->nids > CARDS_MAX)
		return err_set(err, ERR_TOOBIG, "err.cards.toobig", "%d", CARDS_MAX);
	if ((rc = school_heading(db, actor, a, out, err)) < 0)
		return rc;
	const char *year = this_school_year(a);
	size_t cap = 0;
	const int64_t lim = CARDS_MAX + 1, school = actor->unit_id;
	db_stmt_t *st;
	if (sel->nids) {
		/* One indexed lookup per id, in the order given; the school is part of the key, so
		 * another school's reader is "not found" like a missing one. */
		for (size_t i = 0; i < sel->nids; i++) {
			st = db_query(db, err,
			              "SELECT " CARD_COLS CARD_FROM " WHERE p.id = ? AND p.unit_id = ?", "ii",
			              sel->ids[i], school);
			if (!st)
				return err->code;
			size_t before = out->n;
			rc = read_cards(st, a, year, out, &cap, err);
			db_done(st);
			if (rc < 0)
				return rc;
			if (out->n == before)
				return err_set(err, ERR_NOTFOUND, "err.patron.notfound", "%lld",
				               (long long)sel->ids[i]);
		}
		return 0;
	}
	if (sel->all)
		st = db_query(db, err,
		              "SELECT " CARD_COLS CARD_FROM " WHERE p.unit_id = ? AND p.status = 'active'"
		              " ORDER BY p.class_name, p.name_fold, p.full_name, p.id LIMIT ?",
		              "ii", school, lim);
	else
		st = db_query(db, err,
		              "SELECT " CARD_COLS CARD_FROM
		              " WHERE p.unit_id = ? AND p.class_name = ? AND p.status = 'active'"
		              " ORDER BY p.name_fold, p.full_name, p.id LIMIT ?",
		              "isi", school, sel->class_name, lim);
	if (!st)
		return err->code;
	rc = read_cards(st, a, year, out, &cap, err);
	db_done(st);
	return rc;
}

/* "6A1" < "6A2" < "10A1": the leading number, then the rest. */
static int class_cmp(const void *x, const void *y)
{
	const char *s = ((const cards_class_t *)x)->name, *t = ((const cards_class_t *)y)->name;
	long a = strtol(s, NULL, 10), b = strtol(t, NULL, 10);
	if (a != b)
		return a < b ? -1 : 1;
	return strcmp(s, t);
}

int cards_classes(db_t *db, const actor_t *actor, arena_t *a, cards_class_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc = check_actor(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT class_name, COUNT(*) FROM patrons WHERE unit_id = ? AND status = 'active'"
	             " AND class_name <> '' GROUP BY class_name",
	             "i", actor->unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	cards_class_t *v = NULL;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			cards_class_t *w = arena_zalloc(a, cap * sizeof *w);
			if (*n)
				memcpy(w, v, *n * sizeof *w);
			v = w;
		}
		v[*n].name = arena_strdup(a, db_col_text(st, 0));
		v[*n].readers = db_col_int(st, 1);
		(*n)++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (*n > 1)
		qsort(v, *n, sizeof *v, class_cmp);
	*out = v;
	return 0;
}

/* --- photos ---------------------------------------------------------------------------------- */

/* The pixel size of a baseline or progressive JPEG, from its SOF marker. 0, or -1 when the data
 * is not a JPEG we would trust a PDF viewer with. */
static int jpeg_size(const unsigned char *d, size_t n, int *w, int *h)
{
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return -1;
	size_t i = 2;
	while (i + 4 <= n) {
		if (d[i] != 0xFF)
			return -1;
		unsigned char m = d[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xD9 || m == 0xDA) /* end of image, or start of scan before any SOF */
			return -1;
		size_t len = ((size_t)d[i + 2] << 8) | d[i + 3];
		if (len < 2 || i + 2 + len > n)
			return -1;
		/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (len < 8)
				return -1;
			const unsigned char *f = d + i + 4;
			int comps = f[5];
			*h = (f[1] << 8) | f[2];
			*w = (f[3] << 8) | f[4];
			if (f[0] != 8 || (comps != 1 && comps != 3 && comps != 4) || *w < 1 || *h < 1 ||
			    *w > PHOTO_MAX_SIDE || *h > PHOTO_MAX_SIDE)
				return -1;
			return 0;
		}
		i += 2 + len;
	}
	return -1;
}

typedef struct mem_reader {
	const unsigned char *p;
	size_t left;
} mem_reader_t;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int len)
{
	mem_reader_t *m = closure;
	if (len > m->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, m->p, len);
	m->p += len;
	m->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

/* The photo of a card as a cairo surface, or NULL when there is none or it does not parse. */
static cairo_surface_t *photo_surface(const card_t *c)
{
	if (!c->photo || !c->photo_mime)
		return NULL;
	size_t b64 = strlen(c->photo), cap = b64 / 4 * 3 + 3, n = 0;
	if (b64 == 0 || cap > PHOTO_MAX_BYTES)
		return NULL;
	unsigned char *bin = malloc(cap);
	if (!bin)
		return NULL;
	cairo_surface_t *s = NULL;
	if (sodium_base642bin(bin, cap, c->photo, b64, " \t\r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
	    0)
		goto done;
	if (strcmp(c->photo_mime, "image/jpeg") == 0) {
		int w, h;
		if (jpeg_size(bin, n, &w, &h) < 0)
			goto done;
		s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
		/* The surface takes the bytes and frees them with itself. */
		if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
		    cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, bin, n, free, bin) !=
		        CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(s);
			s = NULL;
			goto done;
		}
		return s;
	}
	if (strcmp(c->photo_mime, "image/png") == 0) {
		/* IHDR's size first: a tiny file must not make cairo allocate gigabytes. */
		static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
		if (n < 33 || memcmp(bin, sig, 8) != 0 || memcmp(bin + 12, "IHDR", 4) != 0)
			goto done;
		uint32_t w = ((uint32_t)bin[16] << 24) | ((uint32_t)bin[17] << 16) |
		             ((uint32_t)bin[18] << 8) | bin[19];
		uint32_t h = ((uint32_t)bin[20] << 24) | ((uint32_t)bin[21] << 16) |
		             ((uint32_t)bin[22] << 8) | bin[23];
		if (w < 1 || h < 1 || w > PHOTO_MAX_SIDE || h > PHOTO_MAX_SIDE)
			goto done;
		mem_reader_t m = { bin, n };
		s = cairo_image_surface_create_from_png_stream(read_mem, &m);
		if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(s);
			s = NULL;
		}
	}
done:
	free(bin);
	return s;
}

/* --- drawing --------------------------------------------------------------------------------- */

#define MM(v) ((v)*PT_PER_MM)

/* The photo, scaled to fit the frame (x, y, w, h in mm) and centred; false when there is none
 * or it does not parse (the caller draws the empty frame). */
static bool draw_photo(labels_pen_t *p, const card_t *c, double x, double y, double w, double h)
{
	cairo_t *cr = p->cr;
	cairo_surface_t *s = photo_surface(c);
	if (!s)
		return false;
	double iw = cairo_image_surface_get_width(s), ih = cairo_image_surface_get_height(s);
	double k = MM(w) / iw < MM(h) / ih ? MM(w) / iw : MM(h) / ih;
	cairo_save(cr);
	cairo_translate(cr, MM(x) + (MM(w) - iw * k) / 2, MM(y) + (MM(h) - ih * k) / 2);
	cairo_scale(cr, k, k);
	cairo_set_source_surface(cr, s, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
	cairo_paint(cr);
	cairo_restore(cr);
	cairo_surface_destroy(s);
	return true;
}

/* The reader's name in at most width mm: bold, shrunk down to 7 pt, then wrapped on two lines.
 * Returns its height in mm. */
static double draw_name(labels_pen_t *p, const char *name, double x, double y, double width)
{
	/* The size that fits, from the width at 10 pt (text widths scale with the size), checked
	 * once: shaping is most of a card's time, so no trying size after size. */
	labels_set_text_aligned(p, name, 10, 1, 0, 0);
	double natural = labels_text_width(p), pt = 10, hpt = 0;
	if (natural > MM(width))
		pt = floor(20 * MM(width) / natural) / 2; /* down to a half point */
	for (; pt >= 7; pt -= 0.5) {
		hpt = labels_set_text_wrapped(p, name, pt, 1, MM(width), 0);
		if (pango_layout_get_line_count(p->layout) == 1)
			break;
	}
	if (pt < 7) {
		labels_set_text_wrapped(p, name, 7, 1, MM(width), 0);
		pango_layout_set_height(p->layout, -2); /* two lines at most, the rest ellipsized */
		pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_END);
		int lw, lh;
		pango_layout_get_size(p->layout, &lw, &lh);
		hpt = (double)lh / PANGO_SCALE;
	}
	labels_show_text(p, MM(x), MM(y));
	pango_layout_set_height(p->layout, -1);
	return hpt / PT_PER_MM;
}

/* Lines of text at (x, y) mm, each cut to width mm; returns their height in mm. */
static double draw_lines(labels_pen_t *p, const char *text, double x, double y, double width)
{
	double hpt = labels_set_text_aligned(p, text, 7.5, 0, MM(width), 0);
	labels_show_text(p, MM(x), MM(y));
	return hpt / PT_PER_MM;
}

/* What every card of the set shows, drawn once on a recording surface and painted on each card
 * (the PDF then holds it once, as a form; shaping the same headings a thousand times was a third
 * of the time): the card's faint edge, the governing body, the school, "THẺ THƯ VIỆN". */
static cairo_surface_t *draw_fixed(const cards_set_t *set)
{
	cairo_rectangle_t box = { 0, 0, MM(ID1_W), MM(ID1_H) };
	cairo_surface_t *s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &box);
	labels_pen_t pen;
	labels_pen_on(&pen, s);
	labels_pen_t *p = &pen;
	cairo_t *cr = p->cr;
	/* The card's edge, faint: the cut line when the cards touch. */
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(cr, 0.3);
	cairo_rectangle(cr, 0, 0, MM(ID1_W), MM(ID1_H));
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	double pad = 2.5, inner = ID1_W - 2 * pad, y = 2;
	y += labels_set_text(p, set->governing ? set->governing : "", 6, 0, MM(inner)) / PT_PER_MM;
	labels_show_text(p, MM(pad), MM(2));
	double sh = labels_set_text(p, set->school ? set->school : "", 6.5, 1, MM(inner)) / PT_PER_MM;
	labels_show_text(p, MM(pad), MM(y));
	y += sh + 0.6;
	cairo_set_source_rgb(cr, 0.1, 0.25, 0.55);
	cairo_set_line_width(cr, 0.6);
	cairo_move_to(cr, MM(ID1_W / 2 - 15), MM(y));
	cairo_line_to(cr, MM(ID1_W / 2 + 15), MM(y));
	cairo_stroke(cr);
	y += 0.6;
	labels_set_text(p, "THẺ THƯ VIỆN", 10.5, 1, MM(inner));
	labels_show_text(p, MM(pad), MM(y));
	labels_pen_off(p);
	return s;
}

/* The empty photo frame, drawn once likewise. */
static cairo_surface_t *draw_frame(double w, double h)
{
	cairo_rectangle_t box = { 0, 0, MM(w), MM(h) };
	cairo_surface_t *s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &box);
	labels_pen_t pen;
	labels_pen_on(&pen, s);
	cairo_set_source_rgb(pen.cr, 0.55, 0.55, 0.55);
	cairo_set_line_width(pen.cr, 0.5);
	cairo_rectangle(pen.cr, 0.25, 0.25, MM(w) - 0.5, MM(h) - 0.5);
	cairo_stroke(pen.cr);
	labels_set_text(&pen, "Ảnh 3×4", 6, 0, MM(w));
	labels_show_text(&pen, 0, MM(h / 2 - 1.5));
	labels_pen_off(&pen);
	return s;
}

/* Paint a recorded part at (x, y) points. */
static void paint_part(cairo_t *cr, cairo_surface_t *part, double x, double y)
{
	cairo_set_source_surface(cr, part, x, y);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
}

/* One card with its top left corner at the origin, in ID-1 millimetres. */
static int draw_card(labels_pen_t *p, cairo_surface_t *fixed, cairo_surface_t *frame, const card_t *c,
                     const cards_fields_t *f, arena_t *a, err_t *err)
{
	paint_part(p->cr, fixed, 0, 0);
	double pad = 2.5;
	double top = 18.5, left = pad;
	if (f->photo) {
		if (!draw_photo(p, c, pad, top, PHOTO_W, PHOTO_H))
			paint_part(p->cr, frame, MM(pad), MM(top));
		left = pad + 22;
	}
	double qr = f->qr ? 14 : 0, tw = ID1_W - pad - left - (qr ? qr + 1.5 : 0);
	double ty = top;
	ty += draw_name(p, c->full_name, left, ty, tw) + 0.5;
	const char *what = strcmp(c->kind, "teacher") == 0 ? "Giáo viên"
	                   : strcmp(c->kind, "staff") == 0 ? "Nhân viên"
	                   : *c->class_name                ? arena_printf(a, "Lớp: %s", c->class_name)
	                                                   : "Học sinh";
	if (strcmp(c->kind, "student") != 0 && *c->class_name)
		what = arena_printf(a, "%s, lớp %s", what, c->class_name);
	/* The lines under the name in one layout: one shaping instead of three. */
	const char *lines = what;
	if (f->birth && *c->birth_date)
		lines = arena_printf(a, "%s\nNgày sinh: %s", lines, c->birth_date);
	lines = arena_printf(a, "%s\nNăm học: %s", lines, c->school_year);
	ty += draw_lines(p, lines, left, ty, tw);
	if (qr) {
		int rc = labels_draw_qr(p, c->code, MM(ID1_W - pad - qr), MM(top), MM(qr), err);
		if (rc < 0)
			return rc;
	}
	/* The barcode and its number along the bottom, right of the photo. */
	double bw = ID1_W - pad - left, by = 38.5, bh = 9;
	if (ty > by - 0.5) { /* a long name pushed the lines down: shorter bars */
		bh -= ty - (by - 0.5);
		by = ty + 0.5;
	}
	if (bh > 3) {
		int rc = labels_draw_code128(p, c->code, MM(left), MM(by), MM(bw), MM(bh), err);
		if (rc < 0)
			return rc;
	}
	labels_set_text(p, c->code, 8, 1, MM(bw));
	labels_show_text(p, MM(left), MM(by + (bh > 3 ? bh : 0) + 0.3));
	return 0;
}

/* Cut marks: short lines outside the grid, in line with every card edge. */
static void draw_cut_marks(labels_pen_t *p, const cards_grid_t *g)
{
	cairo_t *cr = p->cr;
	double gw = g->cols * g->card_w + (g->cols - 1) * g->gap_h;
	double gh = g->rows * g->card_h + (g->rows - 1) * g->gap_v;
	double x0 = g->margin_left, y0 = g->margin_top, x1 = x0 + gw, y1 = y0 + gh;
	double off = 1, len = 4;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.25);
	for (int c = 0; c < g->cols; c++) {
		double xs[2] = { x0 + c * (g->card_w + g->gap_h),
			         x0 + c * (g->card_w + g->gap_h) + g->card_w };
		for (int k = 0; k < 2; k++) {
			double top_len = y0 - off < len ? y0 - off : len;
			double bottom_len = LABELS_PAGE_H - y1 - off < len ? LABELS_PAGE_H - y1 - off : len;
			if (top_len > 0.5) {
				cairo_move_to(cr, MM(xs[k]), MM(y0 - off));
				cairo_line_to(cr, MM(xs[k]), MM(y0 - off - top_len));
			}
			if (bottom_len > 0.5) {
				cairo_move_to(cr, MM(xs[k]), MM(y1 + off));
				cairo_line_to(cr, MM(xs[k]), MM(y1 + off + bottom_len));
			}
		}
	}
	for (int r = 0; r < g->rows; r++) {
		double ys[2] = { y0 + r * (g->card_h + g->gap_v),
			         y0 + r * (g->card_h + g->gap_v) + g->card_h };
		for (int k = 0; k < 2; k++) {
			double left_len = x0 - off < len ? x0 - off : len;
			double right_len = LABELS_PAGE_W - x1 - off < len ? LABELS_PAGE_W - x1 - off : len;
			if (left_len > 0.5) {
				cairo_move_to(cr, MM(x0 - off), MM(ys[k]));
				cairo_line_to(cr, MM(x0 - off - left_len), MM(ys[k]));
			}
			if (right_len > 0.5) {
				cairo_move_to(cr, MM(x1 + off), MM(ys[k]));
				cairo_line_to(cr, MM(x1 + off + right_len), MM(ys[k]));
			}
		}
	}
	cairo_stroke(cr);
}

int cards_render_pdf(const cards_set_t *set, const cards_grid_t *g, const cards_fields_t *f, buf_t *out,
                     err_t *err)
{
	int rc = cards_grid_check(g, err);
	if (rc < 0)
		return rc;
	if (set->n > CARDS_MAX)
		return err_set(err, ERR_TOOBIG, "err.cards.toobig", "%d", CARDS_MAX);
	labels_pen_t p;
	arena_t *a = arena_new(4096);
	labels_pen_open(&p, out);
	cairo_surface_t *fixed = draw_fixed(set), *frame = draw_frame(PHOTO_W, PHOTO_H);
	int per = cards_per_page(g);
	/* Cards of another size are the ID-1 drawing scaled (the smaller ratio, centred). */
	double kx = g->card_w / ID1_W, ky = g->card_h / ID1_H, k = kx < ky ? kx : ky;
	bool scaled = k < 0.999 || k > 1.001;
	for (size_t i = 0; i < set->n; i++) {
		int slot = (int)(i % (size_t)per);
		if (i && slot == 0)
			labels_pen_page(&p);
		if (slot == 0 && g->cut_marks)
			draw_cut_marks(&p, g);
		double x = g->margin_left + (slot % g->cols) * (g->card_w + g->gap_h);
		double y = g->margin_top + (slot / g->cols) * (g->card_h + g->gap_v);
		cairo_save(p.cr);
		cairo_translate(p.cr, MM(x + (g->card_w - ID1_W * k) / 2),
		                MM(y + (g->card_h - ID1_H * k) / 2));
		if (scaled) {
			cairo_scale(p.cr, k, k);
			pango_cairo_update_layout(p.cr, p.layout);
		}
		rc = draw_card(&p, fixed, frame, &set->cards[i], f, a, err);
		cairo_restore(p.cr);
		if (scaled)
			pango_cairo_update_layout(p.cr, p.layout);
		if (rc < 0)
			break;
		if ((i & 63) == 63)
			arena_reset(a);
	}
	rc = labels_pen_close(&p, rc, err);
	cairo_surface_destroy(fixed);
	cairo_surface_destroy(frame);
	arena_free(a);
	return rc;
}
