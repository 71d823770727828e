/* print.c: the printed-form writer (print.h): A4 pages of Vietnamese administrative forms drawn
 * with cairo (PDF surface streaming into a buf_t) and pango (Noto Sans, so Vietnamese marks are
 * shaped and the text extractable), in the manner of src/labels/draw.c.
 *
 * Tables stream. Each column owns one PangoLayout, created when the table starts and reused for
 * every row: print_cell() puts its text straight into its column's layout, and the row is measured
 * and drawn when the next row starts (or the table ends), on a fresh page with the header repeated
 * when it does not fit. Nothing accumulates per row, so a register of 30,000 lines holds one row
 * in memory; each finished page goes to the PDF stream at cairo_show_page(). Vertical rules are
 * drawn once per page segment (from where the table's body starts on the page to where it stops),
 * not once per row, which keeps the PDF small.
 *
 * Units inside are points (1/72 in); the API speaks millimetres. */
#include <cairo-pdf.h>
#include <pthread.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/clock.h"
#include "base/text.h"
#include "print/print.h"

#define FONT     "Noto Sans"
#define MM       (72.0 / 25.4)
#define A4_SHORT (210.0 * MM)
#define A4_LONG  (297.0 * MM)
#define MARGIN_L (15.0 * MM) /* room for binding */
#define MARGIN_R (10.0 * MM)
#define MARGIN_T (12.0 * MM)
#define MARGIN_B (14.0 * MM) /* the foot line sits in it */
#define PAD_H    (1.0 * MM)
#define PAD_V    (0.7 * MM)
#define RULE     0.5 /* points: the thin black rules of the paper books */
#define TITLE_PT 13.0
#define BLOCK_PT 10.0

enum { ROW_NONE, ROW_PLAIN, ROW_BOLD, ROW_SPAN };

typedef struct group {
	size_t first, last; /* columns spanned */
	PangoLayout *l;
} group_t;

/* Figures: the glyph and advance of each character a number or a day is written with, in the
 * cell font, shaped once per table. A register's rows are mostly such cells (accession and
 * general-register numbers, prices, years, days), each different from the row above; setting
 * them without pango's itemising, shaping and line breaking halves the time of a long register.
 * Noto Sans sets figures tabular and unkerned, so the result is what pango would draw. */
#define FIGURES "0123456789.,-/: "
typedef struct figures {
	cairo_scaled_font_t *font; /* NULL: not available, every cell goes through pango */
	unsigned long glyph[128];
	int adv[128]; /* pango units; 0: not a figure */
	double baseline;
} figures_t;

typedef struct plain {
	bool on;
	char text[32];
	double width; /* points */
} plain_t;

typedef struct glyph_run {
	cairo_scaled_font_t *font; /* referenced while the page is open */
	cairo_glyph_t *g;          /* the page's glyphs in this font, at page positions */
	size_t n, cap;
} glyph_run_t;

/* A page as it is built: its rules and frames as path operations, its text as glyphs per font.
 * The writer thread draws it (draw_page()); nothing of cairo's is touched while it is built. */
enum { OP_MOVE, OP_LINE, OP_RECT, OP_STROKE };
typedef struct op {
	int kind;
	double a, b, c, e; /* x, y (MOVE, LINE); x, y, w, h (RECT); line width (STROKE) */
} op_t;

typedef struct page {
	op_t *ops;
	size_t nops, ops_cap;
	glyph_run_t *runs;
	size_t nruns, runs_cap;
	bool full; /* handed to the writer, not drawn yet */
} page_t;

#define SLOTS 3 /* pages in flight: one being built, the others waiting or being drawn */

struct print_doc {
	cairo_surface_t *surface;
	cairo_t *cr; /* the writer thread's, once it runs */
	PangoContext *ctx; /* every layout's: 72 dpi, so a point of text is a point of page */
	PangoLayout *text; /* titles, paragraphs, blocks, foot */
	PangoFontDescription *font;
	double pw, ph; /* page size */
	double font_pt;
	char *foot;
	int pages;  /* finished pages, the cover included */
	int covers; /* of them, unnumbered */
	bool dirty; /* something drawn on the current page */
	double y;   /* the next free line on the current page */

	/* the open table, if any */
	bool in_table;
	size_t ncols;
	double *x; /* ncols + 1 rule positions */
	PangoLayout **cell, **head;
	PangoFontDescription *cell_font, *head_font;
	group_t *groups;
	size_t ngroups;
	double h1, h2;                  /* header rows' heights (h1 = 0: one row) */
	int row;                        /* the pending row's kind */
	size_t filled;                  /* cells given to the pending row */
	bool *empty;                    /* the pending row's empty cells: neither laid out nor drawn */
	plain_t *plain;                 /* the pending row's cells set as plain figures, not laid out */
	int *align;                     /* each column's PRINT_LEFT, PRINT_CENTRE or PRINT_RIGHT */
	figures_t figs[2];              /* the cell font's figures, regular and bold */
	double line_h;                  /* one line of body text: the height of a row of empty cells */
	bool cell_bold;                 /* the cell layouts' current weight */
	PangoLayout *span, *span_right; /* a spanning row's text, and what follows its tab */
	double seg_top; /* where this page's body segment of the table began (vertical rules) */
	int page_rows;  /* rows drawn under the header on this page */
	double *rules;  /* the rules under this page's rows, stroked together with the verticals */
	size_t nrules, rules_cap;

	/* Pages go from the building thread to a writer thread that draws them with cairo and
	 * writes the PDF: laying the next page out (pango) and writing this one (cairo, zlib) take
	 * about the same time, and a long register takes half as long on two cores. */
	page_t slots[SLOTS];
	size_t fill, draw; /* the slot being built; the one the writer draws next */
	bool threaded, quit, oom;
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static double width_avail(const print_doc_t *d)
{
	return d->pw - MARGIN_L - MARGIN_R;
}

static double bottom(const print_doc_t *d)
{
	return d->ph - MARGIN_B;
}

/* --- text --------------------------------------------------------------------------------- */

static void font_set(PangoFontDescription *f, double pt, bool bold, bool italic)
{
	pango_font_description_set_size(f, (gint)(pt * PANGO_SCALE));
	pango_font_description_set_weight(f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(f, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
}

static double layout_h(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static double layout_w(PangoLayout *l)
{
	PangoRectangle ink, logical;
	pango_layout_get_extents(l, &ink, &logical);
	return (double)logical.width / PANGO_SCALE;
}

/* Lay text out in the document's text layout: pt, weight, style, wrapped within width (points)
 * with the alignment. Returns its height. Every setting before the text: pango lays out again
 * whenever a setting changes after the text. */
static double set_text(print_doc_t *d, const char *text, double pt, bool bold, bool italic, double width,
                       int align)
{
	font_set(d->font, pt, bold, italic);
	pango_layout_set_font_description(d->text, d->font);
	pango_layout_set_width(d->text, width > 0 ? (int)(width * PANGO_SCALE) : -1);
	pango_layout_set_wrap(d->text, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(d->text, align == PRINT_CENTRE  ? PANGO_ALIGN_CENTER
	                                    : align == PRINT_RIGHT ? PANGO_ALIGN_RIGHT
	                                                           : PANGO_ALIGN_LEFT);
	pango_layout_set_text(d->text, text ? text : "", -1);
	return layout_h(d->text);
}

/* Forget a page's content (keeping its memory for the next) and the fonts it referenced. */
static void page_clear(page_t *p)
{
	for (size_t f = 0; f < p->nruns; f++) {
		cairo_scaled_font_destroy(p->runs[f].font);
		p->runs[f].font = NULL;
		p->runs[f].n = 0;
	}
	p->nruns = 0;
	p->nops = 0;
}

static page_t *cur(print_doc_t *d)
{
	return &d->slots[d->fill];
}

static void op_add(print_doc_t *d, int kind, double a, double b, double c, double e)
{
	page_t *p = cur(d);
	if (p->nops == p->ops_cap) {
		size_t cap = p->ops_cap ? 2 * p->ops_cap : 256;
		op_t *v = realloc(p->ops, cap * sizeof *v);
		if (!v) {
			d->oom = true;
			return;
		}
		p->ops = v;
		p->ops_cap = cap;
	}
	p->ops[p->nops++] = (op_t){ kind, a, b, c, e };
}

static void path_move(print_doc_t *d, double x, double y)
{
	op_add(d, OP_MOVE, x, y, 0, 0);
}

static void path_line(print_doc_t *d, double x, double y)
{
	op_add(d, OP_LINE, x, y, 0, 0);
}

static void path_rect(print_doc_t *d, double x, double y, double w, double h)
{
	op_add(d, OP_RECT, x, y, w, h);
}

static void stroke_width(print_doc_t *d, double width)
{
	op_add(d, OP_STROKE, width, 0, 0, 0);
}

/* Draw page p with cairo and show it: the rules, then the text over them. */
static void draw_page(print_doc_t *d, page_t *p)
{
	cairo_t *cr = d->cr;
	for (size_t i = 0; i < p->nops; i++) {
		const op_t *o = &p->ops[i];
		switch (o->kind) {
		case OP_MOVE: cairo_move_to(cr, o->a, o->b); break;
		case OP_LINE: cairo_line_to(cr, o->a, o->b); break;
		case OP_RECT: cairo_rectangle(cr, o->a, o->b, o->c, o->e); break;
		default:
			cairo_set_line_width(cr, o->a);
			cairo_stroke(cr);
		}
	}
	cairo_new_path(cr);
	for (size_t f = 0; f < p->nruns; f++) {
		glyph_run_t *gr = &p->runs[f];
		if (gr->n) {
			cairo_set_scaled_font(cr, gr->font);
			cairo_show_glyphs(cr, gr->g, (int)gr->n);
		}
	}
	cairo_show_page(cr);
	page_clear(p);
}

static void *writer_main(void *arg)
{
	print_doc_t *d = arg;
	pthread_mutex_lock(&d->mu);
	for (;;) {
		page_t *p = &d->slots[d->draw];
		while (!p->full && !d->quit)
			pthread_cond_wait(&d->cv, &d->mu);
		if (!p->full)
			break; /* told to quit, and every page handed over is drawn */
		pthread_mutex_unlock(&d->mu);
		draw_page(d, p);
		pthread_mutex_lock(&d->mu);
		p->full = false;
		d->draw = (d->draw + 1) % SLOTS;
		pthread_cond_broadcast(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* End the page: hand it to the writer (or draw it here when there is no writer) and go on with
 * the next free slot. */
static void page_out(print_doc_t *d)
{
	if (!d->threaded) {
		draw_page(d, cur(d));
		return;
	}
	pthread_mutex_lock(&d->mu);
	cur(d)->full = true;
	pthread_cond_broadcast(&d->cv);
	d->fill = (d->fill + 1) % SLOTS;
	while (cur(d)->full)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

/* Text is not drawn layout by layout: a register page holds some 600 cells, and cairo's PDF
 * surface pays for every show call (recorded, analysed, replayed, and written with its own
 * printf), which cost two thirds of a long register's time. show() instead collects the glyphs
 * of a page, positioned, per font, and draw_page() draws each font's glyphs in one call. Nothing
 * is drawn over text, so the order does not matter. */
/* The page's glyph list for font sf, with room for n more; NULL when memory runs out. */
static glyph_run_t *run_for(print_doc_t *d, cairo_scaled_font_t *sf, size_t n)
{
	page_t *p = cur(d);
	size_t f = 0;
	while (f < p->nruns && p->runs[f].font != sf)
		f++;
	if (f == p->nruns) {
		if (p->nruns == p->runs_cap) {
			size_t cap = p->runs_cap ? 2 * p->runs_cap : 8;
			glyph_run_t *v = realloc(p->runs, cap * sizeof *v);
			if (!v) {
				d->oom = true;
				return NULL;
			}
			memset(v + p->runs_cap, 0, (cap - p->runs_cap) * sizeof *v);
			p->runs = v;
			p->runs_cap = cap;
		}
		p->runs[f].font = cairo_scaled_font_reference(sf);
		p->runs[f].n = 0;
		p->nruns++;
	}
	glyph_run_t *gr = &p->runs[f];
	if (gr->n + n > gr->cap) {
		size_t cap = gr->cap ? gr->cap : 1024;
		while (cap < gr->n + n)
			cap *= 2;
		cairo_glyph_t *g = realloc(gr->g, cap * sizeof *g);
		if (!g) {
			d->oom = true;
			return NULL;
		}
		gr->g = g;
		gr->cap = cap;
	}
	return gr;
}

static void show(print_doc_t *d, PangoLayout *l, double x, double y)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	do {
		PangoGlyphItem *run = pango_layout_iter_get_run_readonly(it);
		if (!run)
			continue;
		PangoFont *font = run->item->analysis.font;
		cairo_scaled_font_t *sf = font ? pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(font)) : NULL;
		PangoGlyphString *gs = run->glyphs;
		glyph_run_t *gr = sf ? run_for(d, sf, (size_t)gs->num_glyphs) : NULL;
		if (!gr)
			continue;
		PangoRectangle logical;
		pango_layout_iter_get_run_extents(it, NULL, &logical);
		double bx = x + (double)logical.x / PANGO_SCALE;
		double by = y + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
		int dx = 0;
		for (int i = 0; i < gs->num_glyphs; i++) {
			PangoGlyphInfo *gi = &gs->glyphs[i];
			if (gi->glyph != PANGO_GLYPH_EMPTY && !(gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG)) {
				cairo_glyph_t *g = &gr->g[gr->n++];
				g->index = gi->glyph;
				g->x = bx + (double)(dx + gi->geometry.x_offset) / PANGO_SCALE;
				g->y = by + (double)gi->geometry.y_offset / PANGO_SCALE;
			}
			dx += gi->geometry.width;
		}
	} while (pango_layout_iter_next_run(it));
	pango_layout_iter_free(it);
}

/* Shape FIGURES one character at a time in font f (so no pair is kerned: each cell is set the
 * same wherever its characters stand). Leaves fig->font NULL when a character does not come
 * out as one glyph of one font. */
static void figures_load(print_doc_t *d, figures_t *fig, PangoFontDescription *f)
{
	memset(fig, 0, sizeof *fig);
	PangoLayout *l = pango_layout_new(d->ctx);
	pango_layout_set_font_description(l, f);
	cairo_scaled_font_t *font = NULL;
	for (const char *c = FIGURES; *c; c++) {
		pango_layout_set_text(l, c, 1);
		PangoLayoutIter *it = pango_layout_get_iter(l);
		PangoGlyphItem *run = pango_layout_iter_get_run_readonly(it);
		/* one run of one glyph, then the line's end (a NULL run) */
		bool ok = run && run->glyphs->num_glyphs == 1 &&
		          (!pango_layout_iter_next_run(it) || !pango_layout_iter_get_run_readonly(it));
		pango_layout_iter_free(it);
		if (!ok)
			goto fail;
		PangoGlyphInfo *gi = &run->glyphs->glyphs[0];
		cairo_scaled_font_t *sf =
		    run->item->analysis.font ? pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(run->item->analysis.font))
		                             : NULL;
		if (!sf || (font && sf != font) || (gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG) || gi->geometry.width <= 0 ||
		    gi->geometry.x_offset || gi->geometry.y_offset)
			goto fail;
		font = sf;
		fig->glyph[(unsigned char)*c] = gi->glyph;
		fig->adv[(unsigned char)*c] = gi->geometry.width;
		fig->baseline = (double)pango_layout_get_baseline(l) / PANGO_SCALE;
	}
	fig->font = cairo_scaled_font_reference(font);
	g_object_unref(l);
	return;
fail:
	memset(fig, 0, sizeof *fig);
	g_object_unref(l);
}

/* Set text as plain figures when it is made of them alone and fits on one line of width
 * points. */
static bool plain_set(const figures_t *fig, plain_t *p, const char *text, double width)
{
	p->on = false;
	if (!fig->font)
		return false;
	size_t n = strlen(text);
	if (n >= sizeof p->text)
		return false;
	int w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 128 || !fig->adv[c])
			return false;
		w += fig->adv[c];
	}
	p->width = (double)w / PANGO_SCALE;
	if (p->width > width)
		return false;
	memcpy(p->text, text, n + 1);
	p->on = true;
	return true;
}

static void plain_show(print_doc_t *d, const figures_t *fig, const plain_t *p, double x, double y)
{
	size_t n = strlen(p->text);
	glyph_run_t *gr = run_for(d, fig->font, n);
	if (!gr)
		return;
	double gx = x;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->text[i];
		if (c != ' ') {
			cairo_glyph_t *g = &gr->g[gr->n++];
			g->index = fig->glyph[c];
			g->x = gx;
			g->y = y + fig->baseline;
		}
		gx += (double)fig->adv[c] / PANGO_SCALE;
	}
}

static void hline(print_doc_t *d, double x0, double x1, double y)
{
	path_move(d, x0, y);
	path_line(d, x1, y);
}

static void stroke(print_doc_t *d)
{
	stroke_width(d, RULE);
}

/* --- pages -------------------------------------------------------------------------------- */

static void draw_header(print_doc_t *d);
static void flush_row(print_doc_t *d);

/* The foot of a numbered page: a rule, the form's name at the left, "Trang N" at the right. */
static void draw_foot(print_doc_t *d)
{
	double y = d->ph - MARGIN_B + 3 * MM;
	hline(d, MARGIN_L, d->pw - MARGIN_R, y);
	stroke(d);
	double fpt = 7.5;
	if (d->foot && *d->foot) {
		set_text(d, d->foot, fpt, false, true, width_avail(d) * 0.7, PRINT_LEFT);
		show(d, d->text, MARGIN_L, y + 1 * MM);
	}
	char page[32];
	snprintf(page, sizeof page, "Trang %d", d->pages + 1 - d->covers);
	set_text(d, page, fpt, false, false, width_avail(d), PRINT_RIGHT);
	show(d, d->text, MARGIN_L, y + 1 * MM);
}

/* Inner vertical rules of the open table from seg_top down to y. */
static void draw_verticals(print_doc_t *d)
{
	if (!d->in_table)
		return;
	/* One path for the page's rules: a stroke per row costs the PDF an operation per row. */
	for (size_t i = 0; i < d->nrules; i++)
		hline(d, d->x[0], d->x[d->ncols], d->rules[i]);
	d->nrules = 0;
	if (d->y > d->seg_top)
		for (size_t i = 0; i <= d->ncols; i++) {
			path_move(d, d->x[i], d->seg_top);
			path_line(d, d->x[i], d->y);
		}
	stroke(d);
}

/* End the current page (numbered) and start the next, with the open table's header. */
static void next_page(print_doc_t *d)
{
	draw_verticals(d);
	draw_foot(d);
	page_out(d);
	d->pages++;
	d->dirty = false;
	d->y = MARGIN_T;
	if (d->in_table)
		draw_header(d);
}

/* Make room for h points on this page, starting a new one when it does not fit (unless this
 * page is still empty: then it would not fit anywhere). */
static void need(print_doc_t *d, double h)
{
	if (d->y + h > bottom(d) && d->dirty)
		next_page(d);
}

/* --- the document ------------------------------------------------------------------------- */

print_doc_t *print_open(buf_t *out, const print_opts_t *opts, err_t *err)
{
	print_doc_t *d = calloc(1, sizeof *d);
	if (!d) {
		err_set(err, ERR_INTERNAL, "err.internal", "out of memory");
		return NULL;
	}
	bool land = opts && opts->landscape;
	d->pw = land ? A4_LONG : A4_SHORT;
	d->ph = land ? A4_SHORT : A4_LONG;
	d->font_pt = opts && opts->font_pt > 0 ? opts->font_pt : 9.0;
	d->foot = opts && opts->foot ? strdup(opts->foot) : NULL;
	d->surface = cairo_pdf_surface_create_for_stream(write_buf, out, d->pw, d->ph);
	if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
		err_set(err, ERR_INTERNAL, "err.internal", "cairo: %s",
		        cairo_status_to_string(cairo_surface_status(d->surface)));
		cairo_surface_destroy(d->surface);
		free(d->foot);
		free(d);
		return NULL;
	}
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "thuvien");
	d->cr = cairo_create(d->surface);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	d->ctx = pango_cairo_create_context(d->cr);
	pango_cairo_context_set_resolution(d->ctx, 72);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	/* no writer thread (none can be made): pages are drawn as they end, here */
	d->threaded = pthread_create(&d->writer, NULL, writer_main, d) == 0;
	d->text = pango_layout_new(d->ctx);
	d->font = pango_font_description_from_string(FONT);
	d->y = MARGIN_T;
	return d;
}

int print_pages(const print_doc_t *d)
{
	return d->pages + (d->dirty ? 1 : 0);
}

/* --- blocks ------------------------------------------------------------------------------- */

/* Lines centred in a box [x, x + w) from y, each (text, bold); a short rule under the last one
 * (rule_w of the box's width, 0 for none). Returns the y under it all. */
static double centred_lines(print_doc_t *d, double x, double w, double y, const char *const *lines,
                            const bool *bold, size_t n, double pt, double rule_frac)
{
	double last_w = 0;
	for (size_t i = 0; i < n; i++) {
		if (!lines[i] || !*lines[i])
			continue;
		double h = set_text(d, lines[i], pt, bold[i], false, w, PRINT_CENTRE);
		show(d, d->text, x, y);
		last_w = layout_w(d->text);
		if (last_w > w)
			last_w = w;
		y += h;
	}
	if (rule_frac > 0 && last_w > 0) {
		double rw = last_w * rule_frac;
		y += 1.0 * MM;
		hline(d, x + (w - rw) / 2, x + (w + rw) / 2, y);
		stroke(d);
		y += 1.0 * MM;
	}
	d->dirty = true;
	return y;
}

void print_unit_block(print_doc_t *d, const print_unit_t *u, bool motto)
{
	if (d->in_table)
		print_table_end(d);
	double wa = width_avail(d);
	double lw = motto ? wa * 0.45 : wa * 0.5;
	const char *left[2] = { u && u->governing ? u->governing : "", u && u->school ? u->school : "" };
	bool lb[2] = { false, true };
	need(d, 20 * MM);
	double y0 = d->y;
	double y1 = centred_lines(d, MARGIN_L, lw, y0, left, lb, 2, BLOCK_PT, 0.45);
	double y2 = y0;
	if (motto) {
		const char *right[2] = { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
			                 "Độc lập - Tự do - Hạnh phúc" };
		bool rb[2] = { true, true };
		double rw = wa * 0.55;
		y2 = centred_lines(d, MARGIN_L + wa - rw, rw, y0, right, rb, 2, BLOCK_PT, 1.0);
	}
	d->y = (y1 > y2 ? y1 : y2) + 4 * MM;
}

void print_title(print_doc_t *d, const char *title, const char *sub)
{
	if (d->in_table)
		print_table_end(d);
	double h = set_text(d, title, TITLE_PT, true, false, width_avail(d), PRINT_CENTRE);
	double hs = 0;
	if (sub && *sub) {
		/* Measure the sub line too, so the title is not left alone at a page's foot. */
		hs = set_text(d, sub, d->font_pt + 1, false, true, width_avail(d), PRINT_CENTRE);
	}
	need(d, h + hs + 12 * MM);
	set_text(d, title, TITLE_PT, true, false, width_avail(d), PRINT_CENTRE);
	show(d, d->text, MARGIN_L, d->y);
	d->y += h;
	if (sub && *sub) {
		set_text(d, sub, d->font_pt + 1, false, true, width_avail(d), PRINT_CENTRE);
		show(d, d->text, MARGIN_L, d->y);
		d->y += hs;
	}
	d->y += 3 * MM;
	d->dirty = true;
}

void print_text(print_doc_t *d, const char *text, bool bold)
{
	if (d->in_table)
		print_table_end(d);
	double h = set_text(d, text, d->font_pt + 1, bold, false, width_avail(d), PRINT_LEFT);
	need(d, h);
	show(d, d->text, MARGIN_L, d->y);
	d->y += h + 1 * MM;
	d->dirty = true;
}

void print_space(print_doc_t *d, double mm)
{
	if (d->y + mm * MM > bottom(d)) {
		if (d->dirty)
			next_page(d);
		return;
	}
	d->y += mm * MM;
}

void print_cover(print_doc_t *d, const print_unit_t *u, const char *title, const char *line1,
                 const char *line2)
{
	if (d->in_table)
		print_table_end(d);
	if (d->dirty)
		next_page(d);
	double wa = width_avail(d);
	/* A double frame, as on the bought register books. */
	path_rect(d, MARGIN_L, MARGIN_T, wa, d->ph - MARGIN_T - MARGIN_B);
	stroke_width(d, 1.5);
	path_rect(d, MARGIN_L + 1.5 * MM, MARGIN_T + 1.5 * MM, wa - 3 * MM, d->ph - MARGIN_T - MARGIN_B - 3 * MM);
	stroke(d);
	const char *top[2] = { u && u->governing ? u->governing : "", u && u->school ? u->school : "" };
	bool tb[2] = { false, true };
	centred_lines(d, MARGIN_L, wa, MARGIN_T + 10 * MM, top, tb, 2, 12, 0.3);
	double y = d->ph * 0.36;
	y += set_text(d, title, 26, true, false, wa - 20 * MM, PRINT_CENTRE);
	show(d, d->text, MARGIN_L + 10 * MM, d->ph * 0.36);
	y += 6 * MM;
	if (line1 && *line1) {
		double h = set_text(d, line1, 16, true, false, wa - 20 * MM, PRINT_CENTRE);
		show(d, d->text, MARGIN_L + 10 * MM, y);
		y += h + 3 * MM;
	}
	if (line2 && *line2) {
		set_text(d, line2, 14, false, false, wa - 20 * MM, PRINT_CENTRE);
		show(d, d->text, MARGIN_L + 10 * MM, y);
	}
	double yb = d->ph - MARGIN_B - 30 * MM;
	double h = set_text(d, "Bắt đầu ngày ........ tháng ........ năm ............", 12, false, false, wa,
	                    PRINT_CENTRE);
	show(d, d->text, MARGIN_L, yb);
	set_text(d, "Kết thúc ngày ........ tháng ........ năm ............", 12, false, false, wa,
	         PRINT_CENTRE);
	show(d, d->text, MARGIN_L, yb + h + 3 * MM);
	page_out(d);
	d->pages++;
	d->covers++;
	d->dirty = false;
	d->y = MARGIN_T;
}

void print_page(print_doc_t *d)
{
	/* the pending row belongs on this page if it fits */
	flush_row(d);
	if (d->dirty)
		next_page(d);
}

/* --- tables ------------------------------------------------------------------------------- */

static PangoLayout *new_layout(print_doc_t *d, PangoFontDescription *f, double width, int align)
{
	PangoLayout *l = pango_layout_new(d->ctx);
	pango_layout_set_font_description(l, f);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align == PRINT_CENTRE  ? PANGO_ALIGN_CENTER
	                              : align == PRINT_RIGHT ? PANGO_ALIGN_RIGHT
	                                                     : PANGO_ALIGN_LEFT);
	return l;
}

static void draw_header(print_doc_t *d)
{
	double top = d->y, h = d->h1 + d->h2;
	for (size_t i = 0; i < d->ncols; i++) {
		double w = d->x[i + 1] - d->x[i];
		bool grouped = false;
		for (size_t g = 0; g < d->ngroups; g++)
			grouped |= i >= d->groups[g].first && i <= d->groups[g].last;
		double cy = grouped ? top + d->h1 : top, ch = grouped ? d->h2 : h;
		path_rect(d, d->x[i], cy, w, ch);
		show(d, d->head[i], d->x[i] + PAD_H, cy + (ch - layout_h(d->head[i])) / 2);
	}
	for (size_t g = 0; g < d->ngroups; g++) {
		group_t *gr = &d->groups[g];
		double gx = d->x[gr->first], gw = d->x[gr->last + 1] - gx;
		path_rect(d, gx, top, gw, d->h1);
		show(d, gr->l, gx + PAD_H, top + (d->h1 - layout_h(gr->l)) / 2);
	}
	stroke(d);
	d->y = top + h;
	d->seg_top = d->y;
	d->page_rows = 0;
	d->dirty = true;
}

void print_table(print_doc_t *d, const print_col_t *cols, size_t n)
{
	if (d->in_table)
		print_table_end(d);
	if (n == 0)
		return;
	d->ncols = n;
	d->x = calloc(n + 1, sizeof *d->x);
	d->cell = calloc(n, sizeof *d->cell);
	d->head = calloc(n, sizeof *d->head);
	d->groups = calloc(n, sizeof *d->groups);
	d->empty = calloc(n, sizeof *d->empty);
	d->plain = calloc(n, sizeof *d->plain);
	d->align = calloc(n, sizeof *d->align);
	if (!d->x || !d->cell || !d->head || !d->groups || !d->empty || !d->plain || !d->align) {
		free(d->x), free(d->cell), free(d->head), free(d->groups), free(d->empty);
		free(d->plain), free(d->align);
		d->x = NULL, d->cell = d->head = NULL, d->groups = NULL, d->empty = NULL;
		d->plain = NULL, d->align = NULL;
		return;
	}
	for (size_t i = 0; i < n; i++)
		d->align[i] = cols[i].align;
	/* Widths: fixed columns as given (scaled down together if they overflow), the rest share
	 * what is left equally. */
	double wa = width_avail(d), fixed = 0;
	size_t flex = 0;
	for (size_t i = 0; i < n; i++) {
		if (cols[i].width_mm > 0)
			fixed += cols[i].width_mm * MM;
		else
			flex++;
	}
	double share = 0, scale = 1;
	if (flex)
		share = fixed < wa - flex * 10 * MM ? (wa - fixed) / (double)flex : 10 * MM;
	if (fixed + share * (double)flex > wa)
		scale = wa / (fixed + share * (double)flex);
	d->x[0] = MARGIN_L;
	for (size_t i = 0; i < n; i++)
		d->x[i + 1] = d->x[i] + (cols[i].width_mm > 0 ? cols[i].width_mm * MM : share) * scale;

	d->cell_font = pango_font_description_from_string(FONT);
	font_set(d->cell_font, d->font_pt, false, false);
	d->head_font = pango_font_description_from_string(FONT);
	font_set(d->head_font, d->font_pt, true, false);
	d->cell_bold = false;
	figures_load(d, &d->figs[0], d->cell_font);
	figures_load(d, &d->figs[1], d->head_font);
	double h2 = 0, hg = 0, hsolo = 0;
	d->ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		double w = d->x[i + 1] - d->x[i] - 2 * PAD_H;
		d->cell[i] = new_layout(d, d->cell_font, w, cols[i].align);
		d->head[i] = new_layout(d, d->head_font, w, PRINT_CENTRE);
		pango_layout_set_text(d->head[i], cols[i].head ? cols[i].head : "", -1);
		double hh = layout_h(d->head[i]) + 2 * PAD_V;
		const char *g = cols[i].group;
		if (g && *g) {
			if (h2 < hh)
				h2 = hh;
			if (d->ngroups == 0 || d->groups[d->ngroups - 1].last != i - 1 ||
			    strcmp(g, cols[i - 1].group ? cols[i - 1].group : "") != 0) {
				d->groups[d->ngroups].first = i;
				d->groups[d->ngroups].l = new_layout(d, d->head_font, 0, PRINT_CENTRE);
				pango_layout_set_text(d->groups[d->ngroups].l, g, -1);
				d->ngroups++;
			}
			d->groups[d->ngroups - 1].last = i;
		} else if (hsolo < hh) {
			hsolo = hh;
		}
	}
	for (size_t g = 0; g < d->ngroups; g++) {
		group_t *gr = &d->groups[g];
		pango_layout_set_width(
		    gr->l, (int)((d->x[gr->last + 1] - d->x[gr->first] - 2 * PAD_H) * PANGO_SCALE));
		double hh = layout_h(gr->l) + 2 * PAD_V;
		if (hg < hh)
			hg = hh;
	}
	if (d->ngroups) {
		d->h1 = hg;
		d->h2 = h2 > hsolo - hg ? h2 : hsolo - hg;
	} else {
		d->h1 = 0;
		d->h2 = hsolo;
	}
	d->span = new_layout(d, d->cell_font, d->x[n] - d->x[0] - 2 * PAD_H, PRINT_LEFT);
	pango_layout_set_text(d->span, "Ag", -1);
	d->line_h = layout_h(d->span);
	d->span_right = new_layout(d, d->cell_font, d->x[n] - d->x[0] - 2 * PAD_H, PRINT_RIGHT);
	d->row = ROW_NONE;
	d->filled = 0;
	d->in_table = true;
	/* The header and at least one row together. */
	need(d, d->h1 + d->h2 + d->font_pt * 2.5);
	draw_header(d);
}

static void set_cell_weight(print_doc_t *d, bool bold)
{
	if (d->cell_bold == bold)
		return;
	font_set(d->cell_font, d->font_pt, bold, false);
	for (size_t i = 0; i < d->ncols; i++)
		pango_layout_set_font_description(d->cell[i], d->cell_font);
	pango_layout_set_font_description(d->span, d->cell_font);
	pango_layout_set_font_description(d->span_right, d->cell_font);
	d->cell_bold = bold;
}

/* Draw the pending row, on a new page when it does not fit on this one. */
static void flush_row(print_doc_t *d)
{
	if (d->row == ROW_NONE)
		return;
	for (size_t i = d->filled; d->row != ROW_SPAN && i < d->ncols; i++)
		d->empty[i] = true;
	double h = d->line_h;
	if (d->row == ROW_SPAN) {
		h = layout_h(d->span);
		double hr = layout_h(d->span_right);
		if (h < hr)
			h = hr;
	} else {
		for (size_t i = 0; i < d->ncols; i++) {
			double ch = d->empty[i] || d->plain[i].on ? 0 : layout_h(d->cell[i]);
			if (h < ch)
				h = ch;
		}
	}
	h += 2 * PAD_V;
	if (d->y + h > bottom(d) && d->page_rows > 0)
		next_page(d);
	double left = d->x[0], right = d->x[d->ncols];
	if (d->row == ROW_SPAN) {
		/* inner rules stop above a spanning row and start again under it */
		draw_verticals(d);
		show(d, d->span, left + PAD_H, d->y + PAD_V);
		show(d, d->span_right, left + PAD_H, d->y + PAD_V);
		path_move(d, left, d->y);
		path_line(d, left, d->y + h);
		path_move(d, right, d->y);
		path_line(d, right, d->y + h);
		d->seg_top = d->y + h;
	} else {
		for (size_t i = 0; i < d->ncols; i++) {
			if (d->empty[i])
				continue;
			if (d->plain[i].on) {
				double room = d->x[i + 1] - d->x[i] - 2 * PAD_H - d->plain[i].width;
				double off = d->align[i] == PRINT_RIGHT ? room : d->align[i] == PRINT_CENTRE ? room / 2 : 0;
				plain_show(d, &d->figs[d->cell_bold], &d->plain[i], d->x[i] + PAD_H + off, d->y + PAD_V);
			} else {
				show(d, d->cell[i], d->x[i] + PAD_H, d->y + PAD_V);
			}
		}
	}
	d->y += h;
	if (d->row == ROW_SPAN) {
		hline(d, left, right, d->y);
		stroke(d);
	} else {
		if (d->nrules == d->rules_cap) {
			size_t cap = d->rules_cap ? 2 * d->rules_cap : 128;
			double *v = realloc(d->rules, cap * sizeof *v);
			if (v) {
				d->rules = v;
				d->rules_cap = cap;
			}
		}
		if (d->nrules < d->rules_cap)
			d->rules[d->nrules++] = d->y;
		else {
			hline(d, left, right, d->y);
			stroke(d);
		}
	}
	d->row = ROW_NONE;
	d->filled = 0;
	d->page_rows++;
	d->dirty = true;
}

static void start_row(print_doc_t *d, int kind)
{
	if (!d->in_table)
		return;
	flush_row(d);
	d->row = kind;
	d->filled = 0;
	set_cell_weight(d, kind == ROW_BOLD);
}

void print_row(print_doc_t *d)
{
	start_row(d, ROW_PLAIN);
}

void print_row_bold(print_doc_t *d)
{
	start_row(d, ROW_BOLD);
}

void print_row_span(print_doc_t *d, const char *text, bool bold)
{
	if (!d->in_table)
		return;
	flush_row(d);
	set_cell_weight(d, bold);
	const char *tab = text ? strchr(text, '\t') : NULL;
	pango_layout_set_text(d->span, text ? text : "", tab ? (int)(tab - text) : -1);
	pango_layout_set_text(d->span_right, tab ? tab + 1 : "", -1);
	d->row = ROW_SPAN;
	d->filled = 0;
	flush_row(d); /* nothing more goes into it */
}

void print_cell(print_doc_t *d, const char *text)
{
	if (!d->in_table || d->row == ROW_NONE || d->row == ROW_SPAN || d->filled >= d->ncols)
		return;
	size_t i = d->filled++;
	d->empty[i] = !text || !*text;
	d->plain[i].on = false;
	if (!d->empty[i] && plain_set(&d->figs[d->cell_bold], &d->plain[i], text, d->x[i + 1] - d->x[i] - 2 * PAD_H))
		return;
	/* A register repeats itself down a column (the day, the place, the publisher, the copies of
	 * one title): the same text keeps its layout, shaped once. */
	if (!d->empty[i] && strcmp(pango_layout_get_text(d->cell[i]), text) != 0)
		pango_layout_set_text(d->cell[i], text, -1);
}

void print_cell_int(print_doc_t *d, int64_t v)
{
	char s[40];
	text_thousands(v, s, sizeof s);
	print_cell(d, s);
}

void print_cell_money(print_doc_t *d, int64_t dong)
{
	print_cell_int(d, dong);
}

void print_cell_day(print_doc_t *d, const char *iso)
{
	if (!iso) {
		print_cell(d, NULL);
		return;
	}
	char s[64];
	clock_day_vn(iso, s, sizeof s);
	print_cell(d, s);
}

void print_table_end(print_doc_t *d)
{
	if (!d->in_table)
		return;
	flush_row(d);
	draw_verticals(d);
	d->in_table = false;
	for (size_t i = 0; i < d->ncols; i++) {
		g_object_unref(d->cell[i]);
		g_object_unref(d->head[i]);
	}
	for (size_t g = 0; g < d->ngroups; g++)
		g_object_unref(d->groups[g].l);
	g_object_unref(d->span);
	g_object_unref(d->span_right);
	pango_font_description_free(d->cell_font);
	pango_font_description_free(d->head_font);
	free(d->x), free(d->cell), free(d->head), free(d->groups), free(d->empty);
	free(d->plain), free(d->align);
	d->x = NULL, d->cell = d->head = NULL, d->groups = NULL, d->span = d->span_right = NULL;
	d->empty = NULL, d->plain = NULL, d->align = NULL;
	for (int w = 0; w < 2; w++) {
		if (d->figs[w].font)
			cairo_scaled_font_destroy(d->figs[w].font);
		d->figs[w].font = NULL;
	}
	d->ncols = d->ngroups = 0;
	d->y += 3 * MM;
}

/* --- signatures --------------------------------------------------------------------------- */

void print_signatures(print_doc_t *d, const char *place, const char *day, const print_sign_t *s, size_t n)
{
	if (d->in_table)
		print_table_end(d);
	double wa = width_avail(d);
	double pt = d->font_pt + 1.5;
	need(d, 48 * MM);
	d->y += 3 * MM;
	char line[256];
	int y = 0, m = 0, dd = 0;
	if (day && sscanf(day, "%4d-%2d-%2d", &y, &m, &dd) == 3)
		snprintf(line, sizeof line, "%s, ngày %02d tháng %02d năm %04d",
		         place && *place ? place : "......", dd, m, y);
	else
		snprintf(line, sizeof line, "%s, ngày ...... tháng ...... năm ......",
		         place && *place ? place : "......");
	/* the date line sits over the last signature block, as on the forms */
	double bw = n ? wa / (double)n : wa;
	double lx = n ? MARGIN_L + bw * (double)(n - 1) : MARGIN_L;
	double lw = n ? bw : wa;
	if (n == 1 || n == 0) {
		lx = MARGIN_L + wa * 0.45;
		lw = wa * 0.55;
	}
	double h = set_text(d, line, pt, false, true, lw, PRINT_CENTRE);
	show(d, d->text, lx, d->y);
	d->y += h + 1 * MM;
	double top = d->y, under = top;
	for (size_t i = 0; i < n; i++) {
		double x = n == 1 ? lx : MARGIN_L + bw * (double)i;
		double w = n == 1 ? lw : bw;
		double yy = top;
		yy += set_text(d, s[i].role ? s[i].role : "", pt, true, false, w, PRINT_CENTRE);
		show(d, d->text, x, top);
		set_text(d, "(Ký, ghi rõ họ tên)", pt - 1, false, true, w, PRINT_CENTRE);
		show(d, d->text, x, yy);
		yy += layout_h(d->text) + 22 * MM;
		if (s[i].name && *s[i].name) {
			yy += set_text(d, s[i].name, pt, true, false, w, PRINT_CENTRE);
			show(d, d->text, x, yy - layout_h(d->text));
		}
		if (under < yy)
			under = yy;
	}
	d->y = under + 3 * MM;
	d->dirty = true;
}

/* --- the end ------------------------------------------------------------------------------ */

int print_close(print_doc_t *d, int rc, err_t *err)
{
	if (!d)
		return rc;
	if (d->in_table)
		print_table_end(d);
	if (rc == 0 && (d->dirty || d->pages == 0)) {
		draw_foot(d);
		page_out(d);
		d->pages++;
	}
	if (d->threaded) {
		pthread_mutex_lock(&d->mu);
		d->quit = true;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->writer, NULL);
	}
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	for (size_t i = 0; i < SLOTS; i++) {
		page_t *p = &d->slots[i];
		page_clear(p); /* an abandoned document's last page */
		for (size_t f = 0; f < p->runs_cap; f++)
			free(p->runs[f].g);
		free(p->runs);
		free(p->ops);
	}
	g_object_unref(d->text);
	g_object_unref(d->ctx);
	pango_font_description_free(d->font);
	if (rc == 0 && d->oom)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "out of memory");
	cairo_destroy(d->cr);
	cairo_surface_finish(d->surface);
	if (rc == 0 && cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "cairo: %s",
		             cairo_status_to_string(cairo_surface_status(d->surface)));
	cairo_surface_destroy(d->surface);
	free(d->rules);
	free(d->foot);
	free(d);
	return rc;
}

/* --- days and units ----------------------------------------------------------------------- */

void print_day_roman(const char *iso, char *out, size_t n)
{
	static const char *const roman[] = { "I",   "II",   "III", "IV", "V",  "VI",
		                             "VII", "VIII", "IX",  "X",  "XI", "XII" };
	int64_t days;
	if (n == 0)
		return;
	out[0] = 0;
	if (!iso || clock_day_parse(iso, &days) < 0)
		return;
	int y, m, dd;
	clock_civil_from_days(days, &y, &m, &dd);
	snprintf(out, n, "%d.%s.%d", dd, roman[m - 1], y);
}

/* s in upper case, Vietnamese letters included (utf8proc's simple mapping on NFC text). */
static char *upper_vn(arena_t *a, const char *s)
{
	const char *nfc = text_nfc(a, s ? s : "");
	if (!nfc)
		return arena_strdup(a, s ? s : "");
	size_t len = strlen(nfc);
	char *out = arena_alloc(a, len * 4 + 1), *o = out;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)nfc;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;
	while (left > 0) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
		if (k <= 0)
			break;
		o += utf8proc_encode_char(utf8proc_toupper(c), (utf8proc_uint8_t *)o);
		p += k;
		left -= k;
	}
	*o = 0;
	return out;
}

/* "Phòng Giáo dục và Đào tạo Quận 1" -> "Quận 1": the place a unit's name ends with. */
static const char *place_of(arena_t *a, const char *name)
{
	static const char *const prefix[] = {
		"Phòng Giáo dục và Đào tạo ", "Phòng Giáo dục - Đào tạo ", "Phòng GD&ĐT ", "Phòng GDĐT ",
		"Sở Giáo dục và Đào tạo ",    "Sở Giáo dục - Đào tạo ",    "Sở GD&ĐT ",    "Sở GDĐT ",
		"Ủy ban nhân dân ",           "Uỷ ban nhân dân ",          "UBND ",
	};
	const char *nfc = text_nfc(a, name ? name : "");
	if (!nfc)
		return "";
	for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
		size_t k = strlen(prefix[i]);
		if (strncmp(nfc, prefix[i], k) == 0 && nfc[k])
			return nfc + k;
	}
	return "";
}

int print_unit_of(db_t *db, int64_t unit_id, arena_t *a, print_unit_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT u.name, p.name FROM units u LEFT JOIN units p ON p.id = u.parent_id "
	                         "WHERE u.id = ?",
	                         "i", unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		const char *name = db_col_text(st, 0), *parent = db_col_text(st, 1);
		out->name = arena_strdup(a, name ? name : "");
		out->school = upper_vn(a, out->name);
		out->governing = parent ? upper_vn(a, parent) : "";
		out->place = parent ? place_of(a, parent) : "";
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(err, ERR_NOTFOUND, "err.unit.notfound", "unit %lld", (long long)unit_id);
	}
	db_done(st);
	return rc;
}
