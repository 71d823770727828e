/* pages_stock.c: the existing stock of the paper registers (khai báo kho ban đầu, src/stock):
 * the page with each register's copies and next number, the form for one title and its numbers,
 * the import of a CSV/XLSX file in the register's columns (preview, then commit of the kept
 * file, all or nothing) and the import's template.
 *
 * The import keeps its file between the preview and the commit as the catalogue's import does
 * (kept.c, kind "stock"): the commit reads and checks it again inside its transaction, so a
 * number taken between the two steps is refused then, with its row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/log.h"
#include "base/xlsxw.h"
#include "catalog/catalog.h"
#include "stock/stock.h"
#include "web/web.h"

#define MAX_SHOWN 100 /* problems shown */
#define SAMPLE    20  /* rows shown on the preview */

static const char *lang_of(const web_req_t *r)
{
	return r->lang ? r->lang : "vi";
}

/* The kind a form or an upload names as its default: a document type code, checked by the
 * domain; anything but [A-Z0-9_] is refused here so it can be kept on the kept file's line. */
static const char *kind_param(web_req_t *r)
{
	const char *k = web_form(r, "kind");
	if (!k || !*k)
		return "STK";
	if (strlen(k) > 32 || strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(k))
		return NULL;
	return k;
}

static json_t *registers_json(web_req_t *r, const stock_register_t *v, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		bool general = !strcmp(v[i].reg, "#TQ");
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:b}", "register", v[i].reg, "name",
		                    general ? web_t(r, "stock.general") : v[i].name, "numbering", v[i].numbering,
		                    "by_title", !strcmp(v[i].numbering, "title"), "copies", (json_int_t)v[i].copies,
		                    "last", (json_int_t)v[i].last, "next", (json_int_t)v[i].next, "general", general));
	}
	return list;
}

static json_t *problems_json(web_req_t *r, const stock_result_t *res)
{
	json_t *list = json_array();
	for (size_t i = 0; i < res->nproblems && i < MAX_SHOWN; i++) {
		const stock_problem_t *p = &res->problems[i];
		json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)p->line, "key", p->key, "reason",
		                      web_t(r, p->key), "detail", p->detail);
		json_array_append_new(list, o);
	}
	return list;
}

/* The counts of a check or a commit. */
static json_t *result_json(web_req_t *r, const stock_result_t *res)
{
	json_t *ranges = json_array();
	for (size_t i = 0; i < res->nranges; i++)
		json_array_append_new(ranges, json_pack("{s:s, s:I, s:I, s:I, s:s}", "register", res->ranges[i].reg,
		                                        "copies", (json_int_t)res->ranges[i].copies, "lowest",
		                                        (json_int_t)res->ranges[i].lowest, "highest",
		                                        (json_int_t)res->ranges[i].highest, "ranges",
		                                        res->ranges[i].ranges));
	json_t *d = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:b}", "rows", (json_int_t)res->rows,
	                      "copies", (json_int_t)res->copies, "records_new", (json_int_t)res->records_new,
	                      "records_joined", (json_int_t)res->records_joined, "lines_new",
	                      (json_int_t)res->lines_new, "lines_joined", (json_int_t)res->lines_joined, "value",
	                      (json_int_t)res->value, "rejected", (json_int_t)res->nproblems, "ranges", ranges,
	                      "problems", problems_json(r, res), "has_problems", res->nproblems > 0);
	if (res->nproblems > MAX_SHOWN)
		json_object_set_new(d, "more_problems", json_integer((json_int_t)(res->nproblems - MAX_SHOWN)));
	return d;
}

static json_t *sources_json(web_req_t *r)
{
	static const char *const sources[] = { "other", "purchase", "gift", "allocation" };
	json_t *a = json_array();
	for (size_t i = 0; i < 4; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "code", sources[i], "name",
		                                   web_t(r, arena_printf(r->arena, "acq.source.%s", sources[i]))));
	return a;
}

/* The page's data: the registers of the school (?unit=ID for an office's account), the form. */
static json_t *page_data(web_req_t *r, const char *kind, err_t *err)
{
	stock_register_t *v;
	size_t n = 0;
	int64_t unit = web_query_int(r, "unit", 0);
	if (stock_registers(r->db, r->actor, unit < 0 ? 0 : unit, lang_of(r), r->arena, &v, &n, err) < 0)
		return NULL;
	return json_pack("{s:o, s:o, s:o, s:b}", "registers", registers_json(r, v, n), "types",
	                 web_doc_types_json(r, kind), "sources", sources_json(r), "can_write", web_can_catalog(r));
}

/* The page again with an error and, when the entry had some, its rows' problems. */
static void page_error(web_req_t *r, const char *kind, const err_t *e, const stock_result_t *res, json_t *form)
{
	err_t err = { 0 };
	json_t *d = page_data(r, kind, &err);
	if (!d) {
		json_decref(form);
		return web_fail(r, &err);
	}
	json_object_set_new(d, "error", json_string(web_t(r, e->key)));
	if (e->detail[0] && strcmp(e->key, "err.stock.rows"))
		json_object_set_new(d, "error_detail", json_string(e->detail));
	if (res && res->nproblems) {
		json_object_set_new(d, "problems", problems_json(r, res));
		json_object_set_new(d, "has_problems", json_true());
	}
	if (form)
		json_object_set_new(d, "form", form);
	if (r->want_json) {
		json_t *extra = json_object();
		json_t *problems = json_object_get(d, "problems");
		json_object_set_new(extra, "problems", problems ? json_incref(problems) : json_array());
		json_decref(d);
		return web_fail_extra(r, err_http_status(e->code), e->key, e->detail, extra);
	}
	web_render(r, err_http_status(e->code), "stock_opening", d);
}

/*
** GET /stock/opening
** The existing stock: each register of the school with its copies, numbering and next number,
** the general register's next number, the form for one title and the import box. Parameters:
**    unit=ID     a school of the account's subtree (inspectors, admins); default its own unit
** Everyone but readers reads it; only the school's librarian sees the forms.
*/
void page_stock_opening(web_req_t *r)
{
	err_t err = { 0 };
	json_t *d = page_data(r, "STK", &err);
	if (!d)
		return web_fail(r, &err);
	web_render(r, 200, "stock_opening", d);
}

/*
** POST /stock/opening
** Enter copies of one title from the paper register. Parameters:
**    kind=CODE        document type (its register numbers the copies; default STK)
**    numbers=LIST     the numbers written in the register: "120-135, 140" (accession numbers, or
**                     title numbers in a register numbered by title)
**    entered=DATE     ngày vào sổ (dd/mm/yyyy, 26.XI.2007, yyyy-mm-dd)
**    title, authors, place, publisher, year, price, class_number, note
**    general=N        số vào sổ tổng quát (empty: a new intake line numbered after the highest)
**    source=S         the intake line's source (other, purchase, gift, allocation)
** Writes all the copies or none; the answer is the report (JSON: the counts), or the page again
** with the reason.
*/
void page_stock_opening_add(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	const char *kind = kind_param(r);
	if (!kind)
		return web_fail_key(r, 400, "err.stock.register", NULL);
	static const char *const fields[] = { "numbers", "entered", "title",   "authors", "place", "publisher", "year",
		                              "price",   "general", "class_number", "note", "source" };
	const char *v[12];
	json_t *form = json_object();
	for (size_t i = 0; i < 12; i++) {
		v[i] = web_form(r, fields[i]);
		if (!v[i])
			v[i] = "";
		json_object_set_new(form, fields[i], json_string(v[i]));
	}
	stock_row_t row = { .line = 0,
		            .kind = kind,
		            .numbers = v[0],
		            .entered = v[1],
		            .title = v[2],
		            .authors = v[3],
		            .place = v[4],
		            .publisher = v[5],
		            .year = v[6],
		            .price = v[7],
		            .general = v[8],
		            .class_number = v[9],
		            .note = v[10],
		            .barcode = "",
		            .source = v[11] };
	stock_result_t res;
	err_t err = { 0 };
	if (stock_opening_commit(r->db, r->actor, &row, 1, kind, r->arena, &res, &err) < 0)
		return page_error(r, kind, &err, &res, form);
	json_decref(form);
	web_render(r, 200, "stock_done", result_json(r, &res));
}

/*
** POST /stock/opening/import   (multipart/form-data)
** Read and check a file of the paper register; nothing is written. Parameters:
**    file=FILE    CSV (UTF-8, ',' or ';') or XLSX, in the register's columns (the template's)
**    kind=CODE    the document type of rows without a "Loại sách" column (default STK)
** Shows the counts, the ranges of numbers per register, every row refused with its row number
** and reason, the first rows, and (only when no row is refused) the token that commits it.
*/
void page_stock_opening_import(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	const char *kind = kind_param(r);
	err_t err = { 0 };
	if (!kind) {
		err_set(&err, ERR_INVALID, "err.stock.register", NULL);
		return page_error(r, "STK", &err, NULL, NULL);
	}
	const web_file_t *file = web_file(r, "file");
	if (!file || file->len == 0) {
		err_set(&err, ERR_INVALID, "err.import.nofile", NULL);
		return page_error(r, kind, &err, NULL, NULL);
	}
	stock_sheet_t sh;
	stock_result_t res;
	if (stock_opening_read(file->data, file->len, r->arena, &sh, &err) < 0)
		return page_error(r, kind, &err, NULL, NULL);
	if (stock_opening_check(r->db, r->actor, sh.rows, sh.nrows, kind, r->arena, &res, &err) < 0)
		return page_error(r, kind, &err, NULL, NULL);
	json_t *d = result_json(r, &res);
	json_object_set_new(d, "filename", json_string(file->filename ? file->filename : ""));
	json_object_set_new(d, "format", json_string(sh.format));
	json_object_set_new(d, "kind", json_string(kind));
	if (sh.nignored) {
		json_t *ign = json_array();
		for (size_t i = 0; i < sh.nignored; i++)
			json_array_append_new(ign, json_string(sh.ignored[i]));
		json_object_set_new(d, "ignored_columns", ign);
		json_object_set_new(d, "has_ignored", json_true());
	}
	json_t *sample = json_array();
	for (size_t i = 0; i < sh.nrows && i < SAMPLE; i++) {
		const stock_row_t *w = &sh.rows[i];
		json_array_append_new(sample, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "line", (json_int_t)w->line,
		                                        "entered", w->entered, "numbers", w->numbers, "title", w->title,
		                                        "authors", w->authors, "general", w->general, "kind",
		                                        w->kind && *w->kind ? w->kind : kind));
	}
	json_object_set_new(d, "sample", sample);
	bool can = res.nproblems == 0 && res.copies > 0;
	if (can) {
		char token[WEB_KEPT_TOKEN + 1];
		if (web_kept_put(r, "stock", kind, file->data, file->len, token, &err) < 0) {
			log_error("stock: cannot keep the upload: %s", err.detail);
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(d, "token", json_string(token));
	}
	json_object_set_new(d, "can_commit", json_boolean(can));
	web_render(r, 200, "stock_preview", d);
}

/*
** POST /stock/opening/commit
** Write the file a preview kept, all or nothing. Parameters:
**    token=HEX    the preview's token (this school, account and session, under an hour old)
** The report (counts and ranges); a row refused now (a number taken since the preview) writes
** nothing and answers 400 with the rows. An unknown, foreign, used or expired token is 404.
*/
void page_stock_opening_commit(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	const char *opts = NULL;
	char *data = NULL;
	size_t len = 0;
	err_t err = { 0 };
	if (web_kept_get(r, "stock", web_form(r, "token"), true, &opts, &data, &len, &err) < 0)
		return web_fail(r, &err);
	const char *kind = arena_strdup(r->arena, opts && *opts ? opts : "STK");
	stock_sheet_t sh;
	stock_result_t res;
	memset(&res, 0, sizeof res);
	int rc = stock_opening_read(data, len, r->arena, &sh, &err);
	if (rc == 0)
		rc = stock_opening_commit(r->db, r->actor, sh.rows, sh.nrows, kind, r->arena, &res, &err);
	free(data);
	if (rc < 0)
		return page_error(r, kind, &err, &res, NULL);
	web_render(r, 200, "stock_done", result_json(r, &res));
}

/*
** GET /stock/opening/template.xlsx
** The import's template: the register's columns, a title and a line of help. Everyone but readers.
*/
void page_stock_opening_template(web_req_t *r)
{
	if (!r->actor || r->actor->role == ROLE_READER)
		return web_fail_key(r, 403, "err.forbidden", NULL);
	buf_t x = BUF_INIT;
	err_t err = { 0 };
	if (stock_opening_template(&x, &err) < 0) {
		buf_release(&x);
		return web_fail(r, &err);
	}
	web_send_file(r, &x, XLSXW_MIME, "attachment; filename=\"mau-kho-ban-dau.xlsx\"");
}
