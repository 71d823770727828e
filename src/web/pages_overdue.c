/* pages_overdue.c: overdue lists by class (a page that prints one class per sheet), the same
 * list as a workbook, and the reminder notices as a PDF. The three take the same filters, so
 * the page's links carry its query string to the downloads. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "circ/circ_more.h"
#include "units/units.h"
#include "web/web.h"

void web_circ_fail(web_req_t *r, const err_t *err, const char *path)
{
	if (!err->key || strcmp(err->key, "err.circ.school") != 0 || web_query(r, "unit"))
		return web_fail(r, err);
	/* An office's account asked without naming a school: the schools of its subtree to choose. */
	unit_t *v;
	size_t n = 0;
	err_t e2;
	if (units_list_subtree(r->db, r->actor, 0, r->arena, &v, &n, &e2) < 0)
		return web_fail(r, &e2);
	json_t *schools = json_array();
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].kind, "school") == 0)
			json_array_append_new(
			    schools,
			    json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)v[i].id, "code", v[i].code,
			              "name", v[i].name, "href",
			              arena_printf(r->arena, "%s?unit=%lld", path, (long long)v[i].id)));
	web_render(r, 200, "circ_schools", json_pack("{s:b, s:o}", "choose_school", 1, "schools", schools));
}

static const char *const KINDS[] = { "student", "teacher", "staff", NULL };

/* The filters of the query; 0, or an answer already sent (400) and -1. */
static int parse(web_req_t *r, circ_overdue_filter_t *f)
{
	int bad = 0;
	memset(f, 0, sizeof *f);
	f->unit_id = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	f->min_days = web_parse_int(web_query(r, "min_days"), 0, INT_MIN, INT_MAX, &bad);
	f->class_name = web_query(r, "class");
	f->patron_kind = web_query(r, "kind");
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	return 0;
}

/* The filters as a query string ("?class=6A1&min_days=7", or ""), for the download links. */
static const char *query_string(web_req_t *r)
{
	static const char *const names[] = { "unit", "class", "kind", "min_days" };
	return web_query_string(r, names, sizeof names / sizeof names[0]);
}

static const char *day_vn(web_req_t *r, const char *iso)
{
	char out[16];
	clock_day_vn(iso, out, sizeof out);
	return arena_strdup(r->arena, out);
}

static json_t *row_json(web_req_t *r, const circ_overdue_row_t *x)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
	                 "loan_id", (json_int_t)x->loan_id, "patron_id", (json_int_t)x->patron_id, "item_id",
	                 (json_int_t)x->item_id, "patron_code", x->patron_code, "patron_name", x->patron_name,
	                 "patron_kind", x->patron_kind, "kind_label",
	                 web_t(r, arena_printf(r->arena, "circ.kind.%s", x->patron_kind)), "class_name",
	                 x->class_name, "title", x->title, "barcode", x->barcode, "accession", x->accession,
	                 "out_day", x->out_day, "out_vn", day_vn(r, x->out_day), "due", x->due, "due_vn",
	                 day_vn(r, x->due), "days", (json_int_t)x->days);
}

/*
** GET /circ/overdue
** Open loans past their due date, grouped by class with the homeroom teacher, for the school's
** librarian and leaders and the offices above. Parameters:
**    unit=ID          the school (default the account's own; an office must name one)
**    class=6A1        one class only
**    kind=student|teacher|staff   one reader group only
**    min_days=N       at least N days overdue
** Printing the page gives one class per sheet with the school and the date (static/app.css).
** 400 for a bad filter, 403 for readers, 404 for a school outside the account's subtree.
*/
void page_overdue(web_req_t *r)
{
	circ_overdue_filter_t f;
	if (parse(r, &f) < 0)
		return;
	circ_overdue_list_t l;
	err_t err;
	if (circ_overdue_list(r->db, r->actor, &f, r->arena, &l, &err) < 0)
		return web_circ_fail(r, &err, "/circ/overdue");
	json_t *groups = json_array();
	for (size_t g = 0; g < l.ngroups; g++) {
		const circ_overdue_group_t *gr = &l.groups[g];
		json_t *rows = json_array();
		for (size_t i = 0; i < gr->n; i++)
			json_array_append_new(rows, row_json(r, &gr->rows[i]));
		json_t *go = json_pack("{s:s, s:s, s:I, s:I, s:o}", "class_name", gr->class_name, "teacher",
		                       gr->teacher, "readers", (json_int_t)gr->readers, "loans",
		                       (json_int_t)gr->n, "rows", rows);
		if (*gr->class_name) { /* this class's notices: the filters, with class= its own */
			buf_t b = BUF_INIT;
			buf_puts(&b, "/circ/overdue/notices.pdf?class=");
			buf_put_url(&b, gr->class_name);
			if (f.unit_id)
				buf_printf(&b, "&unit=%lld", (long long)f.unit_id);
			if (f.patron_kind && *f.patron_kind) {
				buf_puts(&b, "&kind=");
				buf_put_url(&b, f.patron_kind);
			}
			if (f.min_days)
				buf_printf(&b, "&min_days=%lld", (long long)f.min_days);
			json_object_set_new(go, "notices_url", json_string(buf_str(&b)));
			buf_release(&b);
		}
		json_array_append_new(groups, go);
	}
	json_t *classes = json_array();
	for (size_t i = 0; i < l.nclasses; i++)
		json_array_append_new(classes,
		                      json_pack("{s:s, s:b}", "name", l.classes[i], "selected",
		                                f.class_name && !strcmp(f.class_name, l.classes[i])));
	json_t *kinds = json_array();
	for (size_t i = 0; KINDS[i]; i++)
		json_array_append_new(
		    kinds, json_pack("{s:s, s:s, s:b}", "code", KINDS[i], "name",
		                     web_t(r, arena_printf(r->arena, "circ.kind.%s", KINDS[i])), "selected",
		                     f.patron_kind && !strcmp(f.patron_kind, KINDS[i])));
	const char *qs = query_string(r);
	json_t *d =
	    json_pack("{s:{s:I, s:s, s:s}, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:I}", "school",
	              "id", (json_int_t)l.school.id, "code", l.school.code, "name", l.school.name, "today",
	              l.today, "today_vn", day_vn(r, l.today), "total", (json_int_t)l.total, "readers",
	              (json_int_t)l.readers, "groups", groups, "classes", classes, "kinds", kinds, "xlsx",
	              arena_printf(r->arena, "/circ/overdue.xlsx%s", qs), "notices",
	              arena_printf(r->arena, "/circ/overdue/notices.pdf%s", qs), "class",
	              f.class_name ? f.class_name : "", "min_days", (json_int_t)f.min_days);
	if (f.unit_id)
		json_object_set_new(d, "unit", json_integer(f.unit_id));
	web_render(r, 200, "overdue", d);
}

/*
** GET /circ/overdue.xlsx
** The overdue list as an Excel workbook (one sheet: a heading per class with its homeroom
** teacher, then its rows). Parameters as GET /circ/overdue.
*/
void page_overdue_xlsx(web_req_t *r)
{
	circ_overdue_filter_t f;
	if (parse(r, &f) < 0)
		return;
	circ_overdue_list_t l;
	err_t err;
	buf_t x = BUF_INIT;
	if (circ_overdue_list(r->db, r->actor, &f, r->arena, &l, &err) < 0 ||
	    circ_overdue_xlsx(&l, r->lang, &x, &err) < 0) {
		buf_release(&x);
		return web_fail(r, &err);
	}
	web_send_file(
	    r, &x, XLSXW_MIME,
	    arena_printf(r->arena, "attachment; filename=\"qua-han-%s-%s.xlsx\"", l.school.code, l.today));
}

/*
** GET /circ/overdue/notices.pdf
** Reminder notices (phiếu nhắc trả sách), one slip per reader, three to an A4 page with cut
** lines, for the readers of the list. Parameters as GET /circ/overdue (class=6A1 for a class).
*/
void page_overdue_notices(web_req_t *r)
{
	circ_overdue_filter_t f;
	if (parse(r, &f) < 0)
		return;
	circ_overdue_list_t l;
	err_t err;
	buf_t pdf = BUF_INIT;
	if (circ_overdue_list(r->db, r->actor, &f, r->arena, &l, &err) < 0 ||
	    circ_overdue_notices_pdf(&l, r->lang, &pdf, &err) < 0) {
		buf_release(&pdf);
		return web_fail(r, &err);
	}
	web_send_file(
	    r, &pdf, "application/pdf",
	    arena_printf(r->arena, "inline; filename=\"phieu-nhac-%s-%s.pdf\"", l.school.code, l.today));
}
