/* pages_stocktake.c: stocktakes (kiểm kê): the list of a school's sessions, opening one, the
 * scanning page (phone first; static/stocktake.js keeps a local queue and sends batches, and the
 * form works without it one barcode at a time), a file of barcodes, closing, cancelling, the
 * reviewed step from missing to lost, the lists (and their workbook) and the biên bản (PDF).
 * Every page is also the JSON API scanner middleware uses (src/stocktake/stocktake.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "print/print.h"
#include "stocktake/stocktake.h"
#include "web/web.h"

static const char *const RESULTS[] = { "missing", "found", "on_loan", "misplaced", "unknown" };

static const char *when_vn(web_req_t *r, int64_t t)
{
	char out[32];
	if (!t)
		return "";
	clock_format_vn(t, 1, out, sizeof out);
	return arena_strdup(r->arena, out);
}

/* How a scope reads: "Toàn bộ thư viện", "Sổ STK", "Vị trí: Kho 1", "Phân loại 500–599". */
static const char *scope_label(web_req_t *r, const char *scope)
{
	if (!strcmp(scope, "all"))
		return web_t(r, "stocktake.scope.all");
	const char *colon = strchr(scope, ':');
	if (!colon)
		return scope;
	char key[64];
	snprintf(key, sizeof key, "stocktake.scope.%.*s", (int)(colon - scope), scope);
	return arena_printf(r->arena, "%s %s", web_t(r, key), colon + 1);
}

static json_t *counts_json(const stocktake_counts_t *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "expected", (json_int_t)c->expected, "found",
	                 (json_int_t)c->found, "on_loan", (json_int_t)c->on_loan, "missing",
	                 (json_int_t)c->missing, "misplaced", (json_int_t)c->misplaced, "unknown",
	                 (json_int_t)c->unknown, "seen", (json_int_t)c->seen);
}

/* One session as the pages show it: its fields and counts at the top level. */
static json_t *session_json(web_req_t *r, const stocktake_t *s)
{
	json_t *o = counts_json(&s->c);
	int64_t present = s->c.found + s->c.on_loan;
	json_t *more = json_pack(
	    "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:I, s:I, "
	    "s:I, s:I, s:I}",
	    "id", (json_int_t)s->id, "unit_id", (json_int_t)s->unit_id, "school_code", s->unit_code,
	    "school_name", s->unit_name, "school_year", s->school_year, "scope", s->scope, "scope_label",
	    scope_label(r, s->scope), "note", s->note, "status", s->status, "status_label",
	    web_t(r, arena_printf(r->arena, "stocktake.status.%s", s->status)), "opened_by", s->opened_by,
	    "opened_vn", when_vn(r, s->opened_at), "closed_by", s->closed_by, "closed_vn",
	    when_vn(r, s->closed_at), "open", !strcmp(s->status, "open"), "closed",
	    !strcmp(s->status, "closed"), "can_write", s->can_write && !strcmp(s->status, "open"), "present",
	    (json_int_t)present, "percent", (json_int_t)(s->c.expected ? (present * 100) / s->c.expected : 0),
	    "expected_value", (json_int_t)s->c.expected_value, "present_value",
	    (json_int_t)s->c.present_value, "missing_value", (json_int_t)s->c.missing_value);
	json_object_update(o, more);
	json_decref(more);
	json_object_set_new(o, "members", json_string(s->members));
	json_object_set_new(o, "conclusion", json_string(s->conclusion));
	json_t *regs = json_array();
	for (size_t i = 0; i < s->nregs; i++)
		json_array_append_new(regs, json_pack("{s:s, s:I, s:I, s:I}", "register", s->regs[i].reg,
		                                      "expected", (json_int_t)s->regs[i].expected, "present",
		                                      (json_int_t)s->regs[i].present, "missing",
		                                      (json_int_t)s->regs[i].missing));
	json_object_set_new(o, "by_register", regs);
	json_t *lists = json_array();
	for (size_t i = 0; i < sizeof RESULTS / sizeof RESULTS[0]; i++)
		json_array_append_new(
		    lists,
		    json_pack("{s:s, s:s, s:s}", "result", RESULTS[i], "name",
		              web_t(r, arena_printf(r->arena, "stocktake.result.%s", RESULTS[i])), "href",
		              arena_printf(r->arena, "/stocktakes/%lld/items?result=%s", (long long)s->id,
		                           RESULTS[i])));
	json_object_set_new(o, "lists", lists);
	return o;
}

/*
** GET /stocktakes
** The stocktakes of a school, newest first, with the form that opens one (its librarian).
** Parameters: unit=ID (an office's account names the school). JSON {stocktakes: [...]}.
*/
void page_stocktakes(web_req_t *r)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	stocktake_t *v;
	size_t n;
	err_t err;
	if (stocktake_list(r->db, r->actor, unit, r->arena, &v, &n, &err) < 0)
		return web_circ_fail(r, &err, "/stocktakes");
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, session_json(r, &v[i]));
	bool writer = r->actor->role == ROLE_LIBRARIAN && !strcmp(r->actor->unit_kind, "school") &&
	              (!unit || unit == r->actor->unit_id);
	web_render(r, 200, "stocktakes",
	           json_pack("{s:o, s:b, s:b}", "stocktakes", arr, "can_write", writer, "any", n > 0));
}

/*
** POST /stocktakes
** Open a session. Fields: scope (all | register:STK | location:<text> | class:<from>-<to>;
** default all), note. JSON 201 {id}; a browser goes to the session's page. 409 when an open
** session's scope overlaps.
*/
void page_stocktake_create(web_req_t *r)
{
	int64_t id = 0;
	err_t err;
	if (stocktake_create(r->db, r->actor, web_form(r, "scope"), web_form(r, "note"), &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 201,
		                json_pack("{s:I, s:s}", "id", (json_int_t)id, "location",
		                          arena_printf(r->arena, "/stocktakes/%lld", (long long)id)));
	web_redirect(r, arena_printf(r->arena, "/stocktakes/%lld", (long long)id));
}

/* The session page with an optional answer to the last action (last: the scans just made). */
static void render_session(web_req_t *r, int status, json_t *last, json_t *notice)
{
	stocktake_t s;
	err_t err;
	if (stocktake_get(r->db, r->actor, r->id, r->arena, &s, &err) < 0) {
		json_decref(last);
		json_decref(notice);
		return web_fail(r, &err);
	}
	json_t *d = session_json(r, &s);
	if (last)
		json_object_set_new(d, "last", last);
	if (notice)
		json_object_set_new(d, "notice", notice);
	web_render(r, status, "stocktake", d);
}

/*
** GET /stocktakes/:id
** A session: counts (expected, seen, found, on_loan, missing, misplaced, unknown; live while
** open, frozen after close), by register, the links to the lists and the report. The page scans
** (static/stocktake.js) while the session is open and the account is its school's librarian.
*/
void page_stocktake(web_req_t *r)
{
	render_session(r, 200, NULL, NULL);
}

static json_t *scan_json(web_req_t *r, const stocktake_scan_t *o)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:b}", "barcode", o->barcode, "result",
	                 o->result, "label",
	                 web_t(r, arena_printf(r->arena, "stocktake.result.%s", o->result)), "item_id",
	                 (json_int_t)o->item_id, "title", o->title ? o->title : "", "accession",
	                 o->accession ? o->accession : "", "register", o->reg ? o->reg : "", "scans",
	                 (json_int_t)o->scans, "repeat", o->scans > 1);
}

/*
** POST /stocktakes/:id/scans
** Record barcodes. Fields: barcode (repeatable, up to 500 in one request: the page's queue or a
** scanner's middleware). JSON {results: [{barcode, result, label, item_id, title, accession,
** register, scans, repeat}], counts: {found, on_loan, misplaced, unknown, seen}}. A browser
** without JavaScript gets the page back with the result. 409 when the session is not open.
*/
void page_stocktake_scans(web_req_t *r)
{
	const char **bc = arena_alloc(r->arena, (r->nform + 1) * sizeof *bc);
	size_t n = 0;
	for (size_t i = 0; i < r->nform; i++)
		if (!strcmp(r->form[i].name, "barcode") && n <= STOCKTAKE_BATCH)
			bc[n++] = r->form[i].value;
	stocktake_scan_t *res = arena_alloc(r->arena, (n + 1) * sizeof *res);
	stocktake_counts_t live;
	err_t err;
	if (stocktake_scan(r->db, r->actor, r->id, bc, n, r->arena, res, &live, &err) < 0)
		return web_fail(r, &err);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, scan_json(r, &res[i]));
	if (r->want_json) {
		json_t *c = json_pack("{s:I, s:I, s:I, s:I, s:I}", "found", (json_int_t)live.found, "on_loan",
		                      (json_int_t)live.on_loan, "misplaced", (json_int_t)live.misplaced,
		                      "unknown", (json_int_t)live.unknown, "seen", (json_int_t)live.seen);
		return web_json(r, 200, json_pack("{s:o, s:o}", "results", arr, "counts", c));
	}
	render_session(r, 200, arr, NULL);
}

/*
** POST /stocktakes/:id/upload
** A file of barcodes from a portable scanner (multipart field `file`): one barcode a line, or
** CSV whose first column is the barcode. JSON {lines, scanned, found, on_loan, misplaced,
** unknown, repeats, bad: [{line, text}], bad_count, counts}.
*/
void page_stocktake_upload(web_req_t *r)
{
	const web_file_t *f = web_file(r, "file");
	stocktake_upload_t u;
	err_t err;
	if (stocktake_upload(r->db, r->actor, r->id, f ? f->data : NULL, f ? f->len : 0, r->arena, &u, &err) <
	    0)
		return web_fail(r, &err);
	json_t *bad = json_array();
	for (size_t i = 0; i < u.nbad && i < 100; i++)
		json_array_append_new(
		    bad, json_pack("{s:I, s:s}", "line", (json_int_t)u.bad_line[i], "text", u.bad_text[i]));
	json_t *d = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I}", "lines", (json_int_t)u.lines,
	                      "scanned", (json_int_t)u.scanned, "found", (json_int_t)u.found, "on_loan",
	                      (json_int_t)u.on_loan, "misplaced", (json_int_t)u.misplaced, "unknown",
	                      (json_int_t)u.unknown, "repeats", (json_int_t)u.repeats, "bad", bad,
	                      "bad_count", (json_int_t)u.nbad);
	if (r->want_json)
		return web_json(r, 200, d);
	render_session(r, 200, NULL, d);
}

/*
** POST /stocktakes/:id/close
** Close the session: counts frozen, the year's marks written, part III for a whole-library
** session. Fields: members, conclusion (free text for the report). JSON {ok, id, balance_diff}.
*/
void page_stocktake_close(web_req_t *r)
{
	int64_t diff = 0;
	err_t err;
	if (stocktake_close(r->db, r->actor, r->id, web_form(r, "members"), web_form(r, "conclusion"), &diff,
	                    &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200,
		                json_pack("{s:b, s:I, s:I}", "ok", 1, "id", (json_int_t)r->id, "balance_diff",
		                          (json_int_t)diff));
	web_redirect(r, arena_printf(r->arena, "/stocktakes/%lld", (long long)r->id));
}

/*
** POST /stocktakes/:id/cancel
** Cancel an open session; nothing is marked. JSON {ok}.
*/
void page_stocktake_cancel(web_req_t *r)
{
	err_t err;
	if (stocktake_cancel(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:b}", "ok", 1));
	web_redirect(r, "/stocktakes");
}

/*
** POST /stocktakes/:id/lose
** The reviewed step: copies missing in this closed session become lost. Fields: item (a copy's
** id, repeatable). All or nothing. JSON {ok, lost}.
*/
void page_stocktake_lose(web_req_t *r)
{
	int64_t *ids = arena_alloc(r->arena, (r->nform + 1) * sizeof *ids);
	size_t n = 0;
	int bad = 0;
	for (size_t i = 0; i < r->nform; i++)
		if (!strcmp(r->form[i].name, "item"))
			ids[n++] = web_parse_int(r->form[i].value, 0, 1, INT64_MAX, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	err_t err;
	if (stocktake_lose(r->db, r->actor, r->id, ids, n, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:b, s:I}", "ok", 1, "lost", (json_int_t)n));
	web_redirect(r, arena_printf(r->arena, "/stocktakes/%lld/items?result=missing", (long long)r->id));
}

/*
** GET /stocktakes/:id/items
** The copies of one result. Parameters: result=missing|found|on_loan|misplaced|unknown (default
** missing), format=xlsx for the workbook. JSON {result, items: [...]}.
*/
void page_stocktake_items(web_req_t *r)
{
	const char *result = web_query(r, "result");
	if (!result || !*result)
		result = "missing";
	const char *format = web_query(r, "format");
	stocktake_t s;
	stocktake_item_t *v;
	size_t n;
	err_t err;
	if (stocktake_get(r->db, r->actor, r->id, r->arena, &s, &err) < 0 ||
	    stocktake_items(r->db, r->actor, r->id, result, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	if (format && !strcmp(format, "xlsx")) {
		buf_t x = BUF_INIT;
		if (stocktake_items_xlsx(&s, result, v, n, r->lang, &x, &err) < 0) {
			buf_release(&x);
			return web_fail(r, &err);
		}
		return web_send_file(r, &x, XLSXW_MIME,
		                     arena_printf(r->arena, "attachment; filename=\"kiem-ke-%lld-%s.xlsx\"",
		                                  (long long)s.id, result));
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    items,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "item_id",
		              (json_int_t)v[i].item_id, "barcode", v[i].barcode, "accession", v[i].accession,
		              "register", v[i].reg, "title", v[i].title, "location", v[i].location,
		              "class_number", v[i].class_number, "doc_type", v[i].doc_type, "status",
		              v[i].status, "price", (json_int_t)v[i].price, "scans", (json_int_t)v[i].scans));
	json_t *d = session_json(r, &s);
	json_object_set_new(d, "result", json_string(result));
	json_object_set_new(d, "result_label",
	                    json_string(web_t(r, arena_printf(r->arena, "stocktake.result.%s", result))));
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "count", json_integer((json_int_t)n));
	json_object_set_new(
	    d, "can_lose",
	    json_boolean(s.can_write && !strcmp(s.status, "closed") && !strcmp(result, "missing") && n > 0));
	json_object_set_new(d, "xlsx",
	                    json_string(arena_printf(r->arena, "/stocktakes/%lld/items?result=%s&format=xlsx",
	                                             (long long)s.id, result)));
	web_render(r, 200, "stocktake_items", d);
}

/*
** GET /stocktakes/:id/report.pdf
** The biên bản kiểm kê thư viện (A4 PDF): the unit and the national motto, the date, the scope,
** the members, totals by document type (copies and value), the missing copies, conclusions,
** signatures.
*/
void page_stocktake_report(web_req_t *r)
{
	buf_t pdf = BUF_INIT;
	err_t err;
	if (stocktake_report_pdf(r->db, r->actor, r->id, r->arena, &pdf, &err) < 0) {
		buf_release(&pdf);
		return web_fail(r, &err);
	}
	web_send_file(
	    r, &pdf, PRINT_MIME,
	    arena_printf(r->arena, "inline; filename=\"bien-ban-kiem-ke-%lld.pdf\"", (long long)r->id));
}
