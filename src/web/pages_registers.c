/* pages_registers.c: the registers (sổ sách): the hub that lists a school's registers with their
 * counts and links to the other paperwork (existing stock, periodicals, stocktakes, weeding),
 * and each register as a page of at most REGISTERS_PAGE_MAX lines with paging, as a PDF and as a
 * workbook (?format=pdf|xlsx): one domain call (registers.h) gives all three. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "patrons/patrons.h"
#include "print/print.h"
#include "registers/registers.h"
#include "stock/stock.h"
#include "units/units.h"
#include "web/web.h"

static const char *const FILTERS[] = { "school",   "school_year", "from",  "to",    "register",
	                               "doc_type", "group",       "class", "patron" };
#define NFILTERS (sizeof FILTERS / sizeof FILTERS[0])

/* The filters of the query; 0, or an answer already sent (400) and -1. */
static int parse(web_req_t *r, registers_filter_t *f)
{
	int bad = 0;
	memset(f, 0, sizeof *f);
	f->school = web_query(r, "school");
	f->school_year = web_query(r, "school_year");
	f->from = web_query(r, "from");
	f->to = web_query(r, "to");
	f->reg = web_query(r, "register");
	f->doc_type = web_query(r, "doc_type");
	f->group = web_query(r, "group");
	f->class_name = web_query(r, "class");
	f->patron_id = web_parse_int(web_query(r, "patron"), 0, 0, INT64_MAX, &bad);
	f->offset = web_parse_int(web_query(r, "offset"), 0, 0, INT_MAX, &bad);
	f->lang = r->lang;
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	return 0;
}

/* A scope error; an office's account that named no school gets the schools of its subtree,
 * each linked to path?school=CODE. */
static void fail(web_req_t *r, const err_t *err, const char *path)
{
	if (!err->key || strcmp(err->key, "err.registers.school") != 0)
		return web_fail(r, err);
	unit_t *v;
	size_t n = 0;
	err_t e2;
	if (units_list_subtree(r->db, r->actor, 0, r->arena, &v, &n, &e2) < 0)
		return web_fail(r, &e2);
	json_t *schools = json_array();
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "school") != 0)
			continue;
		buf_t b = BUF_INIT;
		buf_printf(&b, "%s?school=", path);
		buf_put_url(&b, v[i].code);
		json_array_append_new(schools, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)v[i].id,
		                                         "code", v[i].code, "name", v[i].name, "href",
		                                         arena_strdup(r->arena, buf_str(&b))));
		buf_release(&b);
	}
	web_render(r, 200, "registers_schools",
	           json_pack("{s:b, s:o}", "choose_school", 1, "schools", schools));
}

/* The school years to choose from: this one and the five before, and "all". */
static json_t *years_json(web_req_t *r, const char *selected)
{
	json_t *a = json_array();
	char y[16];
	patrons_school_year(clock_today_vn(), y, sizeof y);
	int first = atoi(y);
	for (int i = 0; i < 6; i++) {
		char s[16];
		snprintf(s, sizeof s, "%04u-%04u", (unsigned)(first - i) % 10000u,
		         (unsigned)(first - i + 1) % 10000u);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", s, "label", s, "selected",
		                                   !strcmp(s, selected)));
	}
	json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", "all", "label",
	                                   web_t(r, "reg.all_years"), "selected", !strcmp("all", selected)));
	return a;
}

static json_t *scope_json(web_req_t *r, const registers_scope_t *s)
{
	char f[16] = "", t[16] = "";
	clock_day_vn(s->from, f, sizeof f);
	clock_day_vn(s->to, t, sizeof t);
	return json_pack("{s:{s:I, s:s, s:s}, s:s, s:s, s:s, s:s, s:s}", "school", "id",
	                 (json_int_t)s->school_id, "code", s->school_code, "name", s->school_name,
	                 "school_year", s->school_year, "from", s->from, "to", s->to, "from_vn", f, "to_vn",
	                 t);
}

/* "?school=TH001" when the account named a school: the hub's links keep it. */
static const char *school_qs(web_req_t *r, const char *sep)
{
	const char *s = web_query(r, "school");
	if (!s || !*s)
		return "";
	buf_t b = BUF_INIT;
	buf_puts(&b, sep);
	buf_puts(&b, "school=");
	buf_put_url(&b, s);
	const char *out = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

/*
** GET /registers
** The hub of a school's registers (sổ sách): each register with its lines in the school year,
** the ĐKCB series with their copies and numbering (the librarian may change it), and links to
** the existing stock, periodicals, stocktakes and weeding. Parameters:
**    school=CODE|ID   the school (default the account's own; an office's account must name one)
**    school_year=2025-2026|all   the period of the counts (default the current school year)
** 403 for readers, 404 for a school outside the account's subtree.
*/
void page_registers(web_req_t *r)
{
	registers_filter_t f;
	if (parse(r, &f) < 0)
		return;
	registers_hub_t h;
	err_t err;
	if (registers_hub(r->db, r->actor, &f, r->arena, &h, &err) < 0)
		return fail(r, &err, "/registers");
	const char *qs = school_qs(r, "&");
	const char *year_qs = arena_printf(r->arena, "?school_year=%s%s", h.scope.school_year, qs);
	static const struct {
		registers_kind_t kind;
		const char *key;
	} KINDS[] = { { REG_TONGQUAT, "reg.tongquat.name" },
		      { REG_SGK, "reg.sgk.name" },
		      { REG_BAOCHI, "reg.baochi.name" },
		      { REG_MUON, "reg.muon.name" },
		      { REG_DOCTAICHO, "reg.doctaicho.name" } };
	int64_t counts[] = { h.batches + h.withdrawals + h.balances, h.sgk_titles, h.subscriptions, h.loans,
		             h.uses };
	static const char *const COUNT_KEYS[] = { "reg.hub.lines", "reg.hub.titles", "reg.hub.subscriptions",
		                                  "reg.hub.loans", "reg.hub.uses" };
	json_t *regs = json_array();
	for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
		const char *base =
		    arena_printf(r->arena, "/registers/%s%s", registers_kind_name(KINDS[i].kind), year_qs);
		json_array_append_new(regs,
		                      json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "kind",
		                                registers_kind_name(KINDS[i].kind), "name",
		                                web_t(r, KINDS[i].key), "href", base, "count",
		                                (json_int_t)counts[i], "count_label", web_t(r, COUNT_KEYS[i]),
		                                "pdf", arena_printf(r->arena, "%s&format=pdf", base), "xlsx",
		                                arena_printf(r->arena, "%s&format=xlsx", base)));
	}
	json_t *series = json_array();
	for (size_t i = 0; i < h.nseries; i++) {
		const registers_series_t *s = &h.series[i];
		const char *base =
		    arena_printf(r->arena, "/registers/dkcb?register=%s&school_year=all%s", s->reg, qs);
		json_array_append_new(
		    series, json_pack("{s:s, s:s, s:I, s:I, s:b, s:s, s:s, s:s, s:s}", "reg", s->reg, "name",
		                      s->name, "copies", (json_int_t)s->copies, "in_stock",
		                      (json_int_t)s->in_stock, "by_title", s->by_title, "numbering",
		                      web_t(r, s->by_title ? "reg.numbering.title" : "reg.numbering.type"),
		                      "href", base, "pdf", arena_printf(r->arena, "%s&format=pdf", base),
		                      "xlsx", arena_printf(r->arena, "%s&format=xlsx", base)));
	}
	json_t *d = scope_json(r, &h.scope);
	json_object_set_new(d, "registers", regs);
	json_object_set_new(d, "series", series);
	json_object_set_new(d, "years", years_json(r, h.scope.school_year));
	json_object_set_new(d, "can_write", json_boolean(h.can_write));
	json_object_set_new(d, "school_param",
	                    json_string(web_query(r, "school") ? web_query(r, "school") : ""));
	json_object_set_new(d, "counts",
	                    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "batches", (json_int_t)h.batches,
	                              "withdrawals", (json_int_t)h.withdrawals, "balances",
	                              (json_int_t)h.balances, "sgk_titles", (json_int_t)h.sgk_titles,
	                              "subscriptions", (json_int_t)h.subscriptions, "loans",
	                              (json_int_t)h.loans, "uses", (json_int_t)h.uses));
	/* the other paperwork of the issue, each a page of its own */
	json_t *links = json_array();
	static const char *const LINKS[][2] = { { "/stock/opening", "reg.hub.stock" },
		                                { "/serials", "reg.hub.serials" },
		                                { "/stocktakes", "reg.hub.stocktakes" },
		                                { "/withdrawals", "reg.hub.withdrawals" } };
	for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++)
		json_array_append_new(
		    links, json_pack("{s:s, s:s}", "href",
		                     arena_printf(r->arena, "%s%s", LINKS[i][0], school_qs(r, "?")), "label",
		                     web_t(r, LINKS[i][1])));
	json_object_set_new(d, "links", links);
	web_render(r, 200, "registers", d);
}

/* The table as the page shows it: a header of one or two rows (a group cell over its columns,
 * the others spanning both rows), then the lines. */
static json_t *table_json(web_req_t *r, const registers_table_t *t)
{
	json_t *top = json_array(), *second = json_array(), *lines = json_array();
	bool two = false;
	for (size_t i = 0; i < t->ncols; i++)
		two |= t->cols[i].group != NULL;
	for (size_t i = 0; i < t->ncols;) {
		const char *g = t->cols[i].group;
		if (!g) {
			json_array_append_new(top, json_pack("{s:s, s:i, s:i, s:b}", "text", t->cols[i].head,
			                                     "colspan", 1, "rowspan", two ? 2 : 1, "right",
			                                     t->cols[i].align == PRINT_RIGHT));
			i++;
			continue;
		}
		size_t j = i;
		while (j < t->ncols && t->cols[j].group && !strcmp(t->cols[j].group, g)) {
			json_array_append_new(second, json_pack("{s:s}", "text", t->cols[j].head));
			j++;
		}
		json_array_append_new(top, json_pack("{s:s, s:i, s:i, s:b}", "text", g, "colspan",
		                                     (int)(j - i), "rowspan", 1, "right", false));
		i = j;
	}
	for (size_t i = 0; i < t->n; i++) {
		const registers_line_t *l = &t->lines[i];
		if (l->kind == 2) {
			json_array_append_new(
			    lines, json_pack("{s:s, s:i}", "heading", l->heading, "span", (int)t->ncols));
			continue;
		}
		json_t *cells = json_array();
		for (size_t c = 0; c < t->ncols; c++)
			json_array_append_new(cells, json_pack("{s:s, s:b}", "text",
			                                       l->cells[c].text ? l->cells[c].text : "",
			                                       "number", l->cells[c].number));
		json_array_append_new(lines, json_pack("{s:o, s:b}", "cells", cells, "bold", l->kind == 1));
	}
	return json_pack("{s:s, s:s?, s:o, s:o, s:b, s:o, s:I, s:I}", "title", t->title, "sub", t->sub,
	                 "head", top, "head2", second, "two_rows", two, "lines", lines, "shown",
	                 (json_int_t)t->n, "total", (json_int_t)t->total);
}

/*
** GET /registers/tongquat, /registers/dkcb, /registers/sgk, /registers/baochi, /registers/muon,
**     /registers/doctaicho
** One register: a page of at most 200 lines with paging, or its PDF or workbook. Parameters:
**    school=CODE|ID           the school (default the account's own)
**    school_year=2025-2026|all   the period (default the current school year)
**    from=, to=yyyy-mm-dd     narrow or replace the period
**    register=STK             dkcb: the ĐKCB series (default STK)
**    doc_type=STK             tongquat, dkcb, sgk, doctaicho: one document type
**    group=teacher|student, class=7A1, patron=ID   muon: whose loans
**    offset=N                 the page's first line
**    format=pdf|xlsx          a download instead of the page
** 400 for a bad filter, 403 for readers, 404 for a school outside the account's subtree.
*/
void page_register(web_req_t *r)
{
	registers_kind_t kind;
	const char *name = strrchr(r->path, '/');
	if (!name || registers_kind_parse(name + 1, &kind) < 0)
		return web_fail_key(r, 404, "err.notfound", NULL);
	registers_filter_t f;
	if (parse(r, &f) < 0)
		return;
	const char *fmt = web_query(r, "format");
	registers_format_t format = REG_PAGE;
	if (fmt && !strcmp(fmt, "pdf"))
		format = REG_PDF;
	else if (fmt && !strcmp(fmt, "xlsx"))
		format = REG_XLSX;
	else if (fmt && *fmt)
		return web_fail_key(r, 400, "err.registers.format", fmt);
	registers_page_t p;
	err_t err;
	buf_t out = BUF_INIT;
	if (registers_read(r->db, r->actor, kind, &f, format, r->arena, &p, &out, &err) < 0) {
		buf_release(&out);
		return fail(r, &err, r->path);
	}
	if (format != REG_PAGE) {
		const char *file = registers_filename(kind, &p.scope, format, r->arena);
		return web_send_file(r, &out, format == REG_PDF ? PRINT_MIME : XLSXW_MIME,
		                     arena_printf(r->arena, "%s; filename=\"%s\"",
		                                  format == REG_PDF ? "inline" : "attachment", file));
	}
	json_t *tables = json_array();
	for (size_t i = 0; i < p.ntables; i++)
		json_array_append_new(tables, table_json(r, &p.tables[i]));
	const char *qs = web_query_string(r, FILTERS, NFILTERS);
	const char *base = arena_printf(r->arena, "%s%s%s", r->path, qs, *qs ? "&" : "?");
	json_t *d = scope_json(r, &p.scope);
	json_object_set_new(d, "kind", json_string(registers_kind_name(kind)));
	json_object_set_new(d, "title", json_string(p.title ? p.title : ""));
	json_object_set_new(d, "tables", tables);
	json_object_set_new(d, "total", json_integer(p.total));
	json_object_set_new(d, "offset", json_integer(p.offset));
	json_object_set_new(
	    d, "last",
	    json_integer(p.offset + REGISTERS_PAGE_MAX < p.total ? p.offset + REGISTERS_PAGE_MAX : p.total));
	if (p.offset > 0)
		json_object_set_new(
		    d, "prev",
		    json_string(arena_printf(
		        r->arena, "%soffset=%lld", base,
		        (long long)(p.offset > REGISTERS_PAGE_MAX ? p.offset - REGISTERS_PAGE_MAX : 0))));
	if (p.offset + REGISTERS_PAGE_MAX < p.total)
		json_object_set_new(d, "next",
		                    json_string(arena_printf(r->arena, "%soffset=%lld", base,
		                                             (long long)(p.offset + REGISTERS_PAGE_MAX))));
	json_object_set_new(d, "pdf", json_string(arena_printf(r->arena, "%sformat=pdf", base)));
	json_object_set_new(d, "xlsx", json_string(arena_printf(r->arena, "%sformat=xlsx", base)));
	json_object_set_new(d, "hub", json_string(arena_printf(r->arena, "/registers%s", school_qs(r, "?"))));
	json_object_set_new(d, "years", years_json(r, p.scope.school_year));
	json_object_set_new(d, "school_param",
	                    json_string(web_query(r, "school") ? web_query(r, "school") : ""));
	json_object_set_new(d, "from_param", json_string(f.from ? f.from : ""));
	json_object_set_new(d, "to_param", json_string(f.to ? f.to : ""));
	json_object_set_new(d, "class_param", json_string(f.class_name ? f.class_name : ""));
	json_object_set_new(d, "by_title", json_boolean(p.scope.by_title));
	if (p.scope.reg)
		json_object_set_new(d, "register", json_string(p.scope.reg));
	/* the filters this register takes */
	json_object_set_new(d, arena_printf(r->arena, "is_%s", registers_kind_name(kind)), json_true());
	if (kind == REG_DKCB) {
		registers_hub_t h;
		if (registers_hub(r->db, r->actor, &f, r->arena, &h, &err) == 0) {
			json_t *series = json_array();
			for (size_t i = 0; i < h.nseries; i++)
				json_array_append_new(
				    series, json_pack("{s:s, s:s, s:b}", "reg", h.series[i].reg, "name",
				                      h.series[i].name, "selected",
				                      p.scope.reg && !strcmp(p.scope.reg, h.series[i].reg)));
			json_object_set_new(d, "series", series);
		}
	}
	if (kind == REG_TONGQUAT || kind == REG_DKCB || kind == REG_SGK || kind == REG_DOCTAICHO) {
		json_object_set_new(d, "doc_types", web_doc_types_json(r, f.doc_type));
		json_object_set_new(d, "has_doc_types", json_true());
	}
	if (kind == REG_MUON) {
		json_t *groups = json_array();
		static const char *const G[] = { "teacher", "student" };
		for (size_t i = 0; i < 2; i++)
			json_array_append_new(
			    groups, json_pack("{s:s, s:s, s:b}", "value", G[i], "label",
			                      web_t(r, arena_printf(r->arena, "reg.group.%s", G[i])),
			                      "selected", f.group && !strcmp(f.group, G[i])));
		json_object_set_new(d, "groups", groups);
	}
	web_render(r, 200, "registers_kind", d);
}

/*
** POST /registers/settings
** How a register series of the librarian's school is numbered (stock_numbering_set, audited as
** stock.numbering). Fields:
**    register=STK             the series
**    numbering=type|title     by the ĐKCB number, or by the copy's number within its title
** A browser goes back to the hub; JSON gets {"register", "numbering"}. 400 for a bad value, 403
** for anyone but the school's librarian.
*/
void page_registers_settings(web_req_t *r)
{
	const char *reg = web_form(r, "register"), *numbering = web_form(r, "numbering");
	err_t err;
	if (stock_numbering_set(r->db, r->actor, reg, numbering, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:s, s:s}", "register", reg, "numbering", numbering));
	web_redirect(r, "/registers");
}
