/* pages_labels.c: printing labels for copies: the PDF of label sheets, and an HTML preview of
 * the same sheets (an SVG per page, drawn in millimetres, so what shows is what prints; inline
 * SVG attributes pass the CSP, where inline styles would not). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels/labels.h"
#include "web/web.h"

typedef struct labels_req {
	labels_source_t src;
	labels_kind_t kind;
	labels_grid_t grid;
	const char *name; /* for the file name: "biblio-12" */
} labels_req_t;

/* A grid dimension: a non-negative int; def when missing or empty, *bad set when malformed,
 * negative or too large (labels_grid_check judges the sense of it). */
static int64_t arg_int(web_req_t *r, const char *name, int64_t def, int *bad)
{
	return web_parse_int(web_query(r, name), def, 0, INT_MAX, bad);
}

/* A length in mm from the query (web_parse_mm). */
static double arg_mm(web_req_t *r, const char *name, double def, int *bad)
{
	return web_parse_mm(web_query(r, name), def, bad);
}

/* Read the request's parameters; 0, or an answer already sent (400) and -1. */
static int parse(web_req_t *r, labels_req_t *q)
{
	int bad = 0;
	err_t err;
	memset(q, 0, sizeof *q);
	q->src.biblio_id = web_parse_int(web_query(r, "biblio"), 0, 0, INT64_MAX, &bad);
	q->src.batch_id = web_parse_int(web_query(r, "batch"), 0, 0, INT64_MAX, &bad);
	q->src.reg = web_query(r, "register");
	q->src.from = web_parse_int(web_query(r, "from"), 1, 0, INT64_MAX, &bad);
	q->src.to = web_parse_int(web_query(r, "to"), 0, 0, INT64_MAX, &bad);
	q->src.unit_id = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	q->src.include_gone = web_parse_int(web_query(r, "all"), 0, 0, 1, &bad) == 1;
	labels_grid_default(&q->grid);
	labels_grid_t *g = &q->grid;
	g->rows = (int)arg_int(r, "rows", g->rows, &bad);
	g->cols = (int)arg_int(r, "cols", g->cols, &bad);
	g->margin_top = arg_mm(r, "margin_top", g->margin_top, &bad);
	g->margin_bottom = arg_mm(r, "margin_bottom", g->margin_bottom, &bad);
	g->margin_left = arg_mm(r, "margin_left", g->margin_left, &bad);
	g->margin_right = arg_mm(r, "margin_right", g->margin_right, &bad);
	g->gap_h = arg_mm(r, "gap_h", g->gap_h, &bad);
	g->gap_v = arg_mm(r, "gap_v", g->gap_v, &bad);
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	if (labels_kind_parse(web_query(r, "kind"), &q->kind, &err) < 0 || labels_grid_check(g, &err) < 0) {
		web_fail(r, &err);
		return -1;
	}
	if (q->src.reg && !*q->src.reg)
		q->src.reg = NULL;
	if (q->src.biblio_id)
		q->name = arena_printf(r->arena, "biblio-%lld", (long long)q->src.biblio_id);
	else if (q->src.batch_id)
		q->name = arena_printf(r->arena, "batch-%lld", (long long)q->src.batch_id);
	else
		q->name = arena_printf(r->arena, "register-%lld-%lld", (long long)q->src.from,
		                       (long long)q->src.to);
	return 0;
}

/* The same request's query string, for the link from the preview to the PDF. */
static const char *query_string(web_req_t *r)
{
	static const char *const names[] = { "biblio",       "batch",         "register",   "from",
		                             "to",           "unit",          "all",        "kind",
		                             "rows",         "cols",          "margin_top", "margin_left",
		                             "margin_right", "margin_bottom", "gap_h",      "gap_v" };
	return web_query_string(r, names, sizeof names / sizeof names[0]);
}

/*
** GET /labels
** A PDF of label sheets (A4), inline. Parameters, one source:
**    biblio=ID                   the copies of a record
**    batch=ID                    the copies of an intake batch
**    register=STK&from=1&to=50   a range of accession numbers of a register (at most 5,000),
**                                in unit=ID (a school of the actor's subtree; default the
**                                actor's own unit)
** and:
**    kind=barcode|spine          default barcode
**    all=1                       withdrawn and lost copies too (default: only those still held)
**    rows, cols                  default 8 x 3 (labels of 70 x 37 mm)
**    margin_top, margin_bottom, margin_left, margin_right, gap_h, gap_v   in mm
** 400 for bad parameters, 403 for readers, 404 for another school's ids, 413 past 5,000 labels.
*/
void page_labels(web_req_t *r)
{
	labels_req_t q;
	if (parse(r, &q) < 0)
		return;
	label_t *v;
	size_t n = 0;
	err_t err;
	if (labels_collect(r->db, r->actor, &q.src, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	buf_t pdf = BUF_INIT;
	if (labels_render_pdf(v, n, q.kind, &q.grid, &pdf, &err) < 0) {
		buf_release(&pdf);
		return web_fail(r, &err);
	}
	web_send_file(r, &pdf, "application/pdf",
	              arena_printf(r->arena, "inline; filename=\"labels-%s-%s.pdf\"", q.name,
	                           q.kind == LABELS_SPINE ? "spine" : "barcode"));
}

/* One label of the preview: its box and its text at their places on the sheet (mm). */
static json_t *cell_json(web_req_t *r, const labels_req_t *q, const label_t *l, double x, double y, double w,
                         double h)
{
	json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:s, s:s}", "x", x, "y", y, "w", w, "h", h,
	                      "cx", x + w / 2, "bottom", y + h - 2.5, "school", l->school, "accession",
	                      l->accession, "barcode", l->barcode);
	if (q->kind == LABELS_BARCODE) {
		/* Where the PDF puts them, near enough: name on top, bars, their text, the number. */
		json_object_set_new(o, "school_y", json_real(y + 4.5));
		json_object_set_new(o, "bars",
		                    json_pack("{s:f, s:f, s:f, s:f}", "x", x + 5, "y", y + 7, "w", w - 10,
		                              "h", h > 25 ? h - 19 : h / 3));
		json_object_set_new(o, "barcode_y", json_real(y + h - 7.5));
		return o;
	}
	const char *lines[6];
	size_t n = labels_spine_lines(r->arena, l->call_number, lines, 6);
	json_t *ls = json_array();
	double step = n ? (h - 9) / (double)n : 0, size = step > 7 ? 7 : step * 0.9;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    ls, json_pack("{s:s, s:f}", "text", lines[i], "y", y + 3 + step * ((double)i + 0.8)));
	json_object_set_new(o, "lines", ls);
	json_object_set_new(o, "size", json_real(size));
	return o;
}

/*
** GET /labels/preview
** The sheets as they will print, drawn in the page, with the link to the PDF. Parameters as
** GET /labels.
*/
void page_labels_preview(web_req_t *r)
{
	labels_req_t q;
	if (parse(r, &q) < 0)
		return;
	label_t *v;
	size_t n = 0;
	err_t err;
	if (labels_collect(r->db, r->actor, &q.src, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	const labels_grid_t *g = &q.grid;
	double cw, ch;
	labels_grid_cell(g, &cw, &ch);
	int per = labels_per_page(g);
	json_t *pages = json_array(), *cells = NULL;
	for (size_t i = 0; i < n; i++) {
		int slot = (int)(i % (size_t)per);
		if (slot == 0) {
			cells = json_array();
			json_array_append_new(pages,
			                      json_pack("{s:I, s:o}", "number",
			                                (json_int_t)(i / (size_t)per + 1), "cells", cells));
		}
		double x = g->margin_left + (slot % g->cols) * (cw + g->gap_h);
		double y = g->margin_top + (slot / g->cols) * (ch + g->gap_v);
		json_array_append_new(cells, cell_json(r, &q, &v[i], x, y, cw, ch));
	}
	const char *qs = query_string(r);
	json_t *d = json_pack("{s:s, s:b, s:I, s:I, s:i, s:i, s:i, s:f, s:f, s:o, s:s, s:s, s:s}", "kind",
	                      q.kind == LABELS_SPINE ? "spine" : "barcode", "spine", q.kind == LABELS_SPINE,
	                      "count", (json_int_t)n, "npages", (json_int_t)labels_pages(g, n), "per_page",
	                      per, "rows", g->rows, "cols", g->cols, "cell_w", round(cw * 10) / 10, "cell_h",
	                      round(ch * 10) / 10, "pages", pages, "pdf",
	                      arena_printf(r->arena, "/labels%s", qs), "page_w", "210", "page_h", "297");
	json_object_set_new(d, "grid",
	                    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "margin_top", g->margin_top,
	                              "margin_bottom", g->margin_bottom, "margin_left", g->margin_left,
	                              "margin_right", g->margin_right, "gap_h", g->gap_h, "gap_v", g->gap_v));
	json_t *hidden = json_array();
	static const char *const keep[] = { "biblio", "batch", "register", "from", "to", "unit" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		const char *val = web_query(r, keep[i]);
		if (val && *val)
			json_array_append_new(hidden, json_pack("{s:s, s:s}", "name", keep[i], "value", val));
	}
	json_object_set_new(d, "source", hidden);
	json_object_set_new(d, "all", json_boolean(q.src.include_gone));
	web_render(r, 200, "labels", d);
}
