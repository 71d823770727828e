/* draw.c: the drawing pieces of label sheets and library cards (draw.h).
 *
 * Text goes through pango with the "Noto Sans" family, which shapes Vietnamese stacked marks and
 * đ, and cairo's PDF backend embeds the fonts with their Unicode mapping, so the PDF's text can be
 * searched and extracted. Barcodes come from libzint: a fresh symbol per code (its settings stick
 * from one encode to the next), laid out as vector rectangles and drawn by cairo scaled to the
 * box. */
#include <string.h>
#include <zint.h>

#include <cairo-pdf.h>

#include "labels/draw.h"
#include "labels/labels.h"

#define FONT          "Noto Sans"
#define QUIET_MODULES 10.0 /* Code 128 quiet zone, each side */
#define MAX_MODULE_MM 0.6  /* wider bars only waste the label */

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

void labels_pen_open(labels_pen_t *p, buf_t *out)
{
	p->surface = cairo_pdf_surface_create_for_stream(write_buf, out, LABELS_PAGE_W * PT_PER_MM,
	                                                 LABELS_PAGE_H * PT_PER_MM);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "thuvien");
	p->cr = cairo_create(p->surface);
	p->layout = pango_cairo_create_layout(p->cr);
	p->font = pango_font_description_from_string(FONT);
}

void labels_pen_on(labels_pen_t *p, cairo_surface_t *s)
{
	p->surface = NULL;
	p->cr = cairo_create(s);
	p->layout = pango_cairo_create_layout(p->cr);
	p->font = pango_font_description_from_string(FONT);
}

void labels_pen_off(labels_pen_t *p)
{
	pango_font_description_free(p->font);
	g_object_unref(p->layout);
	cairo_destroy(p->cr);
	memset(p, 0, sizeof *p);
}

void labels_pen_page(labels_pen_t *p)
{
	cairo_show_page(p->cr);
}

int labels_pen_close(labels_pen_t *p, int rc, err_t *err)
{
	if (rc == 0)
		cairo_show_page(p->cr);
	pango_font_description_free(p->font);
	g_object_unref(p->layout);
	cairo_destroy(p->cr);
	cairo_surface_finish(p->surface);
	if (rc == 0 && cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "cairo: %s",
		             cairo_status_to_string(cairo_surface_status(p->surface)));
	cairo_surface_destroy(p->surface);
	memset(p, 0, sizeof *p);
	return rc;
}

static void set_font(labels_pen_t *p, double pt, int bold)
{
	pango_font_description_set_size(p->font, (gint)(pt * PANGO_SCALE));
	pango_font_description_set_weight(p->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->layout, p->font);
}

static double layout_height(labels_pen_t *p)
{
	int w, h;
	pango_layout_get_size(p->layout, &w, &h);
	return (double)h / PANGO_SCALE;
}

double labels_set_text_aligned(labels_pen_t *p, const char *text, double pt, int bold, double width_pt,
                               int centred)
{
	/* Every setting before the text and one size query after: pango shapes the text again
	 * whenever a setting changes after it was laid out. */
	set_font(p, pt, bold);
	pango_layout_set_width(p->layout, width_pt > 0 ? (int)(width_pt * PANGO_SCALE) : -1);
	pango_layout_set_ellipsize(p->layout, width_pt > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD);
	pango_layout_set_alignment(p->layout, centred ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->layout, text, -1);
	return layout_height(p);
}

double labels_set_text(labels_pen_t *p, const char *text, double pt, int bold, double width_pt)
{
	return labels_set_text_aligned(p, text, pt, bold, width_pt, 1);
}

double labels_set_text_wrapped(labels_pen_t *p, const char *text, double pt, int bold, double width_pt,
                               int centred)
{
	set_font(p, pt, bold);
	pango_layout_set_width(p->layout, (int)(width_pt * PANGO_SCALE));
	pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_NONE);
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->layout, centred ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->layout, text, -1);
	return layout_height(p);
}

double labels_text_width(labels_pen_t *p)
{
	PangoRectangle ink, logical;
	pango_layout_get_extents(p->layout, &ink, &logical);
	return (double)logical.width / PANGO_SCALE;
}

void labels_show_text(labels_pen_t *p, double x, double y)
{
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->layout);
}

/* Encode text as a symbology and lay it out as vectors; NULL (err filled) when zint cannot. */
static struct zint_symbol *encode(int symbology, const char *text, err_t *err)
{
	struct zint_symbol *sym = ZBarcode_Create();
	if (!sym) {
		err_set(err, ERR_INTERNAL, "err.internal", "zint");
		return NULL;
	}
	sym->symbology = symbology;
	sym->show_hrt = 0;              /* we print the text ourselves, in our font */
	sym->input_mode = UNICODE_MODE; /* UTF-8 in; Code 128 takes its Latin-1 part */
	int zr = ZBarcode_Encode(sym, (const unsigned char *)text, (int)strlen(text));
	if (zr >= ZINT_ERROR || ZBarcode_Buffer_Vector(sym, 0) >= ZINT_ERROR || !sym->vector ||
	    sym->width <= 0) {
		ZBarcode_Delete(sym);
		err_set(err, ERR_INVALID, "err.labels.barcode", "%.60s", text);
		return NULL;
	}
	return sym;
}

int labels_draw_code128(labels_pen_t *p, const char *text, double x, double y, double w, double h, err_t *err)
{
	struct zint_symbol *sym = encode(BARCODE_CODE128, text, err);
	if (!sym)
		return err->code;
	struct zint_vector *vec = sym->vector;
	double unit = vec->width / sym->width; /* one module in zint's vector units */
	double modules = sym->width + 2 * QUIET_MODULES;
	double mod_pt = w / modules;
	if (mod_pt > MAX_MODULE_MM * PT_PER_MM)
		mod_pt = MAX_MODULE_MM * PT_PER_MM;
	double sx = mod_pt / unit, sy = h / vec->height;
	double x0 = x + (w - sym->width * mod_pt) / 2;
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (struct zint_vector_rect *r = vec->rectangles; r; r = r->next)
		cairo_rectangle(p->cr, x0 + r->x * sx, y + r->y * sy, r->width * sx, r->height * sy);
	cairo_fill(p->cr);
	ZBarcode_Delete(sym);
	return 0;
}

int labels_draw_qr(labels_pen_t *p, const char *text, double x, double y, double size, err_t *err)
{
	struct zint_symbol *sym = encode(BARCODE_QRCODE, text, err);
	if (!sym)
		return err->code;
	/* A QR code is a few hundred squares; as vectors they cost more to write into the PDF than
	 * the rest of a library card. So they are drawn one pixel a module into a small grey image,
	 * which the PDF scales up without smoothing (NEAREST: sharp edges for the scanner). */
	struct zint_vector *vec = sym->vector;
	double unit = vec->rectangles ? vec->rectangles->height : 1; /* one module: rows are a module high */
	int w = (int)(vec->width / unit + 0.5), h = (int)(vec->height / unit + 0.5);
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *ic = cairo_create(img);
	cairo_set_source_rgb(ic, 1, 1, 1);
	cairo_paint(ic);
	cairo_set_antialias(ic, CAIRO_ANTIALIAS_NONE);
	cairo_scale(ic, 1 / unit, 1 / unit);
	cairo_set_source_rgb(ic, 0, 0, 0);
	for (struct zint_vector_rect *r = vec->rectangles; r; r = r->next)
		cairo_rectangle(ic, r->x, r->y, r->width, r->height);
	cairo_fill(ic);
	cairo_destroy(ic);
	double k = size / (w > h ? w : h);
	cairo_save(p->cr);
	cairo_translate(p->cr, x, y);
	cairo_scale(p->cr, k, k);
	cairo_set_source_surface(p->cr, img, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(p->cr), CAIRO_FILTER_NEAREST);
	cairo_paint(p->cr);
	cairo_restore(p->cr);
	cairo_surface_destroy(img);
	ZBarcode_Delete(sym);
	return 0;
}
