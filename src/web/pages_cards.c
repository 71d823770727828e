/* pages_cards.c: printing library cards (thẻ thư viện): the form (which readers, the sheet's
 * grid, which parts of the card) and the PDF. The rules and the SQL are in src/labels/cards.c. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels/cards.h"
#include "web/web.h"

typedef struct cards_req {
	cards_select_t sel;
	cards_grid_t grid;
	cards_fields_t fields;
	const char *name; /* for the file name: "6a1", "selection-3", "all" */
} cards_req_t;

/* A length in mm from the query (web_parse_mm). */
static double arg_mm(web_req_t *r, const char *name, double def, int *bad)
{
	return web_parse_mm(web_query(r, name), def, bad);
}

/* "3,1,2" -> the ids, once each, in the order given; *bad for anything but positive numbers. */
static int64_t *parse_ids(web_req_t *r, const char *s, size_t *n, int *bad)
{
	*n = 0;
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	if (cap > CARDS_MAX + 1) {
		*bad = 2;
		return NULL;
	}
	int64_t *v = arena_zalloc(r->arena, cap * sizeof *v);
	while (*s) {
		size_t k = strcspn(s, ",");
		char tok[24];
		if (k == 0 || k >= sizeof tok) {
			*bad = 1;
			return NULL;
		}
		memcpy(tok, s, k);
		tok[k] = 0;
		int64_t id = web_parse_int(tok, 0, 1, INT64_MAX, bad);
		if (*bad)
			return NULL;
		bool seen = false;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = v[i] == id;
		if (!seen)
			v[(*n)++] = id;
		s += k;
		if (*s == ',')
			s++;
	}
	return v;
}

/* A file name's part: letters and digits of ASCII kept (lower-cased), the rest dropped. */
static const char *file_part(web_req_t *r, const char *s)
{
	char *out = arena_zalloc(r->arena, strlen(s) + 1), *o = out;
	for (; *s && o - out < 40; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z'))
			*o++ = *s;
		else if (*s >= 'A' && *s <= 'Z')
			*o++ = (char)(*s - 'A' + 'a');
	return *out ? out : "class";
}

/* Read the request's parameters; 0, or an answer already sent (400/413) and -1. */
static int parse(web_req_t *r, cards_req_t *q)
{
	int bad = 0;
	err_t err;
	memset(q, 0, sizeof *q);
	const char *ids = web_query(r, "ids"), *cls = web_query(r, "class");
	if (ids && *ids) {
		q->sel.ids = parse_ids(r, ids, &q->sel.nids, &bad);
		if (bad == 2) {
			web_fail_key(r, 413, "err.cards.toobig", NULL);
			return -1;
		}
		q->name = arena_printf(r->arena, "selection-%zu", q->sel.nids);
	} else if (cls && *cls) {
		q->sel.class_name = cls;
		q->name = file_part(r, cls);
	} else {
		q->sel.all = web_parse_int(web_query(r, "all"), 0, 0, 1, &bad) == 1;
		q->name = "all";
	}
	cards_grid_default(&q->grid);
	cards_grid_t *g = &q->grid;
	g->rows = (int)web_parse_int(web_query(r, "rows"), g->rows, 0, INT_MAX, &bad);
	g->cols = (int)web_parse_int(web_query(r, "cols"), g->cols, 0, INT_MAX, &bad);
	g->card_w = arg_mm(r, "card_w", g->card_w, &bad);
	g->card_h = arg_mm(r, "card_h", g->card_h, &bad);
	g->margin_top = arg_mm(r, "margin_top", g->margin_top, &bad);
	g->margin_left = arg_mm(r, "margin_left", g->margin_left, &bad);
	g->gap_h = arg_mm(r, "gap_h", g->gap_h, &bad);
	g->gap_v = arg_mm(r, "gap_v", g->gap_v, &bad);
	/* Checkboxes send nothing when unchecked: the form marks itself with fields=1, and then
	 * only the boxes sent are on; without it (a link, a script) every part is printed. */
	bool form = web_query(r, "fields") != NULL;
	q->fields.photo = !form || web_parse_int(web_query(r, "f_photo"), 0, 0, 1, &bad);
	q->fields.birth = !form || web_parse_int(web_query(r, "f_birth"), 0, 0, 1, &bad);
	q->fields.qr = !form || web_parse_int(web_query(r, "f_qr"), 0, 0, 1, &bad);
	g->cut_marks = web_parse_int(web_query(r, "cut_marks"), form ? 0 : 1, 0, 1, &bad) == 1;
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	if (cards_grid_check(g, &err) < 0) {
		web_fail(r, &err);
		return -1;
	}
	return 0;
}

/*
** GET /patrons/cards.pdf
** The library cards as a PDF of A4 sheets, inline. Which readers, the first given wins:
**    ids=1,2,3        these readers of the school (at most 2,000; another school's: 404)
**    class=6A1        the active readers of a class, by name
**    all=1            every active reader of the school, by class and name
** The sheet: rows, cols (default 5 x 2), card_w, card_h (default 85.6 x 54 mm), margin_top,
** margin_left, gap_h, gap_v (mm; default: centred, 4 and 3 mm apart), cut_marks=0|1.
** The card's parts: with fields=1, only those of f_photo=1, f_birth=1, f_qr=1; without it, all.
** 400 for bad numbers or a grid that does not fit the page, 403 for anyone but the school's
** librarian and leaders, 404 when nobody is selected (a class without active readers), 413 past
** 2,000 cards.
*/
void page_cards_pdf(web_req_t *r)
{
	cards_req_t q;
	if (parse(r, &q) < 0)
		return;
	cards_set_t set;
	err_t err;
	if (cards_collect(r->db, r->actor, &q.sel, r->arena, &set, &err) < 0)
		return web_fail(r, &err);
	if (set.n == 0) /* a class typed wrong, or nobody active: say so rather than print a blank sheet */
		return web_fail_key(r, 404, "err.cards.none", NULL);
	buf_t pdf = BUF_INIT;
	if (cards_render_pdf(&set, &q.grid, &q.fields, &pdf, &err) < 0) {
		buf_release(&pdf);
		return web_fail(r, &err);
	}
	web_send_file(r, &pdf, "application/pdf",
	              arena_printf(r->arena, "inline; filename=\"library-cards-%s.pdf\"", q.name));
}

/*
** GET /patrons/cards
** The form that prints cards: the class (from the school's classes) or, with ids=1,2,3 (from
** the readers list), the selection and how many it holds; the grid; the parts of the card.
** Takes the parameters of GET /patrons/cards.pdf to fill itself.
*/
void page_cards(web_req_t *r)
{
	cards_req_t q;
	if (parse(r, &q) < 0)
		return;
	err_t err;
	cards_class_t *cls;
	size_t ncls = 0;
	if (cards_classes(r->db, r->actor, r->arena, &cls, &ncls, &err) < 0)
		return web_fail(r, &err);
	json_t *d = json_object();
	if (q.sel.nids) {
		/* The selection is read as the PDF will be: another school's id is 404 here already. */
		cards_set_t set;
		if (cards_collect(r->db, r->actor, &q.sel, r->arena, &set, &err) < 0) {
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(d, "selected", json_integer((json_int_t)set.n));
		json_object_set_new(d, "ids", json_string(web_query(r, "ids")));
	}
	json_t *classes = json_array();
	for (size_t i = 0; i < ncls; i++)
		json_array_append_new(classes,
		                      json_pack("{s:s, s:I, s:b}", "name", cls[i].name, "readers",
		                                (json_int_t)cls[i].readers, "selected",
		                                q.sel.class_name && !strcmp(q.sel.class_name, cls[i].name)));
	json_object_set_new(d, "classes", classes);
	const cards_grid_t *g = &q.grid;
	json_object_set_new(d, "grid",
	                    json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:i}", "rows", g->rows,
	                              "cols", g->cols, "card_w", g->card_w, "card_h", g->card_h, "margin_top",
	                              round(g->margin_top * 10) / 10, "margin_left",
	                              round(g->margin_left * 10) / 10, "gap_h", g->gap_h, "gap_v", g->gap_v,
	                              "cut_marks", g->cut_marks, "per_page", cards_per_page(g)));
	json_object_set_new(d, "fields",
	                    json_pack("{s:b, s:b, s:b}", "photo", q.fields.photo, "birth", q.fields.birth,
	                              "qr", q.fields.qr));
	web_render(r, 200, "cards", d);
}
