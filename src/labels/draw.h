/* draw.h: the drawing pieces the label sheets (labels.c) and the library cards (cards.c) share,
 * internal to src/labels/: a PDF document on A4 written into a buf_t, a "pen" (cairo context,
 * pango layout, the Noto Sans font) for Vietnamese text, Code 128 and QR symbols from libzint
 * drawn as vector rectangles. Lengths are points unless a name says mm.
 *
 *     labels_pen_t p;
 *     labels_pen_open(&p, &out);          // one A4 page ready
 *     labels_set_text(&p, "Trường", 8, 0, 100); labels_show_text(&p, x, y);
 *     labels_draw_code128(&p, "HS001", x, y, w, h, &err);
 *     labels_pen_page(&p);                // next page
 *     rc = labels_pen_close(&p, rc, &err); // finishes the PDF; cairo's failure becomes ERR_INTERNAL
 */
#ifndef THUVIEN_LABELS_DRAW_H
#define THUVIEN_LABELS_DRAW_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/buf.h"
#include "base/err.h"

#define PT_PER_MM (72.0 / 25.4)

typedef struct labels_pen {
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoLayout *layout;
	PangoFontDescription *font;
} labels_pen_t;

/* Start a PDF of A4 portrait pages appended to out. */
void labels_pen_open(labels_pen_t *p, buf_t *out);
/* End the page and start the next. */
void labels_pen_page(labels_pen_t *p);
/* End the last page, finish the document and free the pen. Returns rc, or ERR_INTERNAL (err
 * filled) when rc was 0 and cairo failed. */
int labels_pen_close(labels_pen_t *p, int rc, err_t *err);

/* A pen on another surface (a recording surface for parts repeated on every card): the surface
 * stays the caller's; labels_pen_off frees the rest. */
void labels_pen_on(labels_pen_t *p, cairo_surface_t *s);
void labels_pen_off(labels_pen_t *p);

/* Set the pen's text at size pt (bold or not), at most width_pt wide (ellipsized when longer, 0
 * for no limit), centred. Returns its height in points. */
double labels_set_text(labels_pen_t *p, const char *text, double pt, int bold, double width_pt);
/* The same, left-aligned or centred. */
double labels_set_text_aligned(labels_pen_t *p, const char *text, double pt, int bold, double width_pt,
                               int centred);
/* The same, wrapped onto as many lines as needed within width_pt, left-aligned or centred. */
double labels_set_text_wrapped(labels_pen_t *p, const char *text, double pt, int bold, double width_pt,
                               int centred);
/* The natural width (points) of the pen's current text. */
double labels_text_width(labels_pen_t *p);
/* Draw the pen's text with its box's left edge at x and top at y. */
void labels_show_text(labels_pen_t *p, double x, double y);

/* Draw the Code 128 of text centred in the box, with a quiet zone of ten modules each side and
 * modules of at most 0.6 mm. ERR_INVALID (err.labels.barcode) when zint cannot encode it. */
int labels_draw_code128(labels_pen_t *p, const char *text, double x, double y, double w, double h,
                        err_t *err);
/* Draw the QR code of text as a square of side `size` with its top left corner at (x, y). */
int labels_draw_qr(labels_pen_t *p, const char *text, double x, double y, double size, err_t *err);

#endif
