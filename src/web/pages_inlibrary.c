/* pages_inlibrary.c: in-library use (lượt đọc tại chỗ): the desk's form (scan a card and/or a
 * copy, or enter a head count), the day's uses with totals, and the month's table by day and
 * reader group and by document type, also as a workbook. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "circ/circ_more.h"
#include "web/web.h"

static json_t *kinds_json(web_req_t *r, const int64_t *counts)
{
	static const char *const codes[] = { "student", "teacher", "staff", "unknown" };
	json_t *a = json_array();
	for (int k = 0; k < 4; k++) {
		json_t *o = json_pack("{s:s, s:s}", "code", codes[k], "name", web_t(r, circ_kind_keys[k]));
		if (counts)
			json_object_set_new(o, "count", json_integer(counts[k]));
		json_array_append_new(a, o);
	}
	return a;
}

/* The day's page data, or NULL with err filled. */
static json_t *day_page(web_req_t *r, err_t *err)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad) {
		err_set(err, ERR_INVALID, "err.number", NULL);
		return NULL;
	}
	circ_use_day_t d;
	if (circ_uses_day(r->db, r->actor, unit, web_query(r, "day"), r->arena, &d, err) < 0)
		return NULL;
	json_t *uses = json_array();
	for (size_t i = 0; i < d.n; i++) {
		const circ_use_t *u = &d.v[i];
		char at[24];
		clock_format_vn(u->at, 1, at, sizeof at);
		json_array_append_new(
		    uses, json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		                    (json_int_t)u->id, "at", at + 11, "count", (json_int_t)u->count,
		                    "patron_kind", u->patron_kind, "kind_label",
		                    web_t(r, *u->patron_kind
		                                 ? arena_printf(r->arena, "circ.kind.%s", u->patron_kind)
		                                 : "circ.kind.unknown"),
		                    "class_name", u->class_name, "doc_type", u->doc_type, "patron_name",
		                    u->patron_name, "title", u->title, "barcode", u->barcode));
	}
	char vn[16];
	clock_day_vn(d.day, vn, sizeof vn);
	err_t e2;
	json_t *o = json_pack("{s:{s:I, s:s, s:s}, s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:b}", "school", "id",
	                      (json_int_t)d.school.id, "code", d.school.code, "name", d.school.name, "day",
	                      d.day, "day_vn", vn, "month", arena_strndup(r->arena, d.day, 7), "uses", uses,
	                      "total", (json_int_t)d.total, "by_kind", kinds_json(r, d.by_kind), "types",
	                      web_doc_types_json(r, NULL), "can_write",
	                      circ_check_writer(r->actor, &e2) == 0 && d.school.id == r->actor->unit_id);
	if (unit)
		json_object_set_new(o, "unit", json_integer(unit));
	/* The head count's reader groups, the one typed kept selected when the form comes back. */
	const char *kind = web_form(r, "kind");
	json_t *k3 = json_array();
	for (int k = 0; k < 3; k++) {
		const char *code = k == 0 ? "student" : k == 1 ? "teacher" : "staff";
		json_array_append_new(k3, json_pack("{s:s, s:s, s:b}", "code", code, "name",
		                                    web_t(r, circ_kind_keys[k]), "selected",
		                                    kind && !strcmp(kind, code)));
	}
	json_object_set_new(o, "kinds3", k3);
	return o;
}

/*
** GET /circ/inlibrary
** The day's in-library uses with totals by reader group, and (for the school's librarian) the
** form that counts one. Parameters: day=yyyy-mm-dd (default today), unit=ID (the school).
*/
void page_inlibrary(web_req_t *r)
{
	err_t err;
	json_t *d = day_page(r, &err);
	if (!d)
		return web_circ_fail(r, &err, "/circ/inlibrary");
	if (web_query(r, "ok"))
		json_object_set_new(d, "ok", json_string(web_t(r, "circ.ok.inlibrary")));
	web_render(r, 200, "inlibrary", d);
}

/*
** POST /circ/inlibrary
** Count a use today. Fields: patron (a card number) and/or item (a copy's barcode); or kind
** (student, teacher, staff), doc_type (optional) and count (1..1000) for a head count.
** 303 back to the day's page (201 {"id"} for JSON); 400/404 with the reason, nothing counted.
*/
void page_inlibrary_add(web_req_t *r)
{
	int bad = 0;
	circ_use_in_t in = { .patron_code = web_form(r, "patron"),
		             .barcode = web_form(r, "item"),
		             .patron_kind = web_form(r, "kind"),
		             .doc_type = web_form(r, "doc_type") };
	in.count = web_parse_int(web_form(r, "count"), 0, INT_MIN, INT_MAX, &bad);
	int64_t id = 0;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.circ.count", "%d", CIRC_USE_MAX_COUNT)
	             : circ_use_record(r->db, r->actor, &in, &id, &err);
	if (rc == 0) {
		if (r->want_json)
			return web_json(r, 201, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id));
		return web_redirect(r, "/circ/inlibrary?ok=1");
	}
	if (r->want_json || err.code == ERR_FORBIDDEN)
		return web_fail(r, &err);
	err_t e2;
	json_t *d = day_page(r, &e2);
	if (!d)
		return web_fail(r, &err);
	json_object_set_new(d, "error", json_string(web_t(r, err.key)));
	json_object_set_new(d, "code", json_string(err.key));
	if (*err.detail)
		json_object_set_new(d, "detail", json_string(err.detail));
	json_t *f = json_object();
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, "csrf"))
			json_object_set_new(f, r->form[i].name, json_string(r->form[i].value));
	json_object_set_new(d, "f", f);
	web_render(r, err_http_status(err.code), "inlibrary", d);
}

static int month_of(web_req_t *r, circ_use_month_t *m, err_t *err)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad)
		return err_set(err, ERR_INVALID, "err.number", NULL);
	return circ_uses_month(r->db, r->actor, unit, web_query(r, "month"), r->arena, m, err);
}

/*
** GET /circ/inlibrary/month
** The month's table: uses per day and reader group, and per document type. Parameters:
** month=yyyy-mm (default this month), unit=ID.
*/
void page_inlibrary_month(web_req_t *r)
{
	circ_use_month_t m;
	err_t err;
	if (month_of(r, &m, &err) < 0)
		return web_circ_fail(r, &err, "/circ/inlibrary/month");
	int64_t first = 0;
	char iso[16];
	snprintf(iso, sizeof iso, "%s-01", m.month);
	clock_day_parse(iso, &first);
	json_t *days = json_array();
	for (int d = 0; d < m.ndays; d++) {
		char day[11], vn[16];
		clock_day_format(first + d, day, sizeof day);
		clock_day_vn(day, vn, sizeof vn);
		int64_t t = m.days[d][0] + m.days[d][1] + m.days[d][2] + m.days[d][3];
		json_array_append_new(days,
		                      json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "day", day, "day_vn",
		                                vn, "student", (json_int_t)m.days[d][0], "teacher",
		                                (json_int_t)m.days[d][1], "staff", (json_int_t)m.days[d][2],
		                                "unknown", (json_int_t)m.days[d][3], "total", (json_int_t)t));
	}
	json_t *types = json_array();
	for (size_t i = 0; i < m.ntypes; i++)
		json_array_append_new(types,
		                      json_pack("{s:s, s:I}", "code",
		                                *m.types[i] ? m.types[i] : web_t(r, "circ.kind.unknown"),
		                                "count", (json_int_t)m.type_count[i]));
	const char *unit = web_query(r, "unit");
	json_t *d = json_pack("{s:{s:I, s:s, s:s}, s:s, s:s, s:o, s:o, s:o, s:I, s:s}", "school", "id",
	                      (json_int_t)m.school.id, "code", m.school.code, "name", m.school.name, "month",
	                      m.month, "month_vn", arena_printf(r->arena, "%s/%.4s", m.month + 5, m.month),
	                      "days", days, "kinds", kinds_json(r, m.kind_total), "types", types, "total",
	                      (json_int_t)m.total, "xlsx",
	                      arena_printf(r->arena, "/circ/inlibrary/month.xlsx?month=%s%s%s", m.month,
	                                   unit && *unit ? "&unit=" : "", unit && *unit ? unit : ""));
	web_render(r, 200, "inlibrary_month", d);
}

/*
** GET /circ/inlibrary/month.xlsx
** The month's table as a workbook (a sheet by day, a sheet by document type). Parameters as
** GET /circ/inlibrary/month.
*/
void page_inlibrary_month_xlsx(web_req_t *r)
{
	circ_use_month_t m;
	err_t err;
	buf_t x = BUF_INIT;
	if (month_of(r, &m, &err) < 0 || circ_uses_month_xlsx(&m, r->lang, &x, &err) < 0) {
		buf_release(&x);
		return web_fail(r, &err);
	}
	web_send_file(r, &x, XLSXW_MIME,
	              arena_printf(r->arena, "attachment; filename=\"doc-tai-cho-%s-%s.xlsx\"", m.school.code,
	                           m.month));
}
