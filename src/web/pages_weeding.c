/* pages_weeding.c: withdrawal batches (thanh lọc): the list, one batch with its copies and the
 * forms each role may use (the librarian adds by scan, search or rule, removes, changes reasons
 * and proposes; the school's leader approves or returns), the minutes (PDF) and the list (XLSX),
 * and the public list on the school's OPAC page for 15 days after approval. The rules live in
 * src/weeding/weeding.h; these handlers parse, call one function and render. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "opac/record.h"
#include "web/web.h"
#include "weeding/weeding.h"

/* Đồng as people write them: "1.250.000 đ". */
static const char *money_vn(web_req_t *r, int64_t v)
{
	char digits[32], out[48];
	snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
	size_t n = strlen(digits), k = 0;
	if (v < 0)
		out[k++] = '-';
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = '.';
		out[k++] = digits[i];
	}
	snprintf(out + k, sizeof out - k, " đ");
	return arena_strdup(r->arena, out);
}

static const char *day_vn(web_req_t *r, const char *iso)
{
	char out[16];
	clock_day_vn(iso, out, sizeof out);
	return arena_strdup(r->arena, out);
}

static json_t *batch_json(web_req_t *r, const weeding_batch_t *b)
{
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)b->id, "number", (json_int_t)b->number, "status", b->status, "status_label",
	    web_t(r, arena_printf(r->arena, "weeding.status.%s", b->status)), "title", b->title, "note",
	    b->note, "copies", (json_int_t)b->copies, "value", (json_int_t)b->value, "value_vn",
	    money_vn(r, b->value), "created_by", b->created_by, "approved_by", b->approved_by, "decision_no",
	    b->decision_no, "decision_day", b->decision_day, "decision_day_vn", day_vn(r, b->decision_day),
	    "approved_day", b->approved_day, "approved_day_vn", day_vn(r, b->approved_day), "publish_until",
	    b->publish_until, "publish_until_vn", day_vn(r, b->publish_until), "return_reason",
	    b->return_reason);
	json_object_set_new(o, "href",
	                    json_string(arena_printf(r->arena, "/withdrawals/%lld", (long long)b->id)));
	json_object_set_new(o, "school",
	                    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)b->unit_id, "code", b->unit_code,
	                              "name", b->unit_name));
	json_object_set_new(o, b->status, json_true()); /* {{#draft}} ... in the templates */
	return o;
}

static json_t *item_json(web_req_t *r, const weeding_item_t *it, size_t no)
{
	json_t *o =
	    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "no",
	              (json_int_t)no, "item_id", (json_int_t)it->item_id, "accession", it->accession,
	              "barcode", it->barcode, "title", it->title, "authors", it->authors, "publisher",
	              it->publisher, "doc_type", it->doc_type, "doc_type_name", it->doc_type_name, "price",
	              (json_int_t)it->price, "price_vn", money_vn(r, it->price), "status", it->status,
	              "reason", it->reason, "reason_name", it->reason_name, "note", it->note);
	json_object_set_new(o, "year", it->year ? json_integer(it->year) : json_null());
	return o;
}

/* Reasons for a <select>, selected marked. */
static json_t *reasons_json(web_req_t *r, const char *selected)
{
	weeding_reason_t *v;
	size_t n;
	err_t err;
	json_t *arr = json_array();
	if (weeding_reasons(r->db, r->lang, r->arena, &v, &n, &err) < 0)
		return arr;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "code", v[i].code, "name", v[i].name,
		                                     "selected", selected && !strcmp(selected, v[i].code)));
	return arr;
}

/* Every value of a repeated form field, in order. */
static const char **form_all(web_req_t *r, const char *name, size_t *n)
{
	const char **v = arena_alloc(r->arena, (r->nform + 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < r->nform; i++)
		if (!strcmp(r->form[i].name, name))
			v[(*n)++] = r->form[i].value;
	return v;
}

/* Copy ids from repeated field name; -1 with a 400 sent when one is not a number. */
static int form_ids(web_req_t *r, const char *name, int64_t **ids, size_t *n)
{
	size_t k;
	const char **v = form_all(r, name, &k);
	*ids = arena_alloc(r->arena, (k + 1) * sizeof **ids);
	*n = 0;
	int bad = 0;
	for (size_t i = 0; i < k; i++) {
		int64_t x = web_parse_int(v[i], 0, 1, INT64_MAX, &bad);
		if (x)
			(*ids)[(*n)++] = x;
	}
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	return 0;
}

/* After a POST: back to the batch (HTML, with ok=what for the notice) or JSON. */
static void done(web_req_t *r, const char *what, json_t *extra)
{
	if (r->want_json) {
		json_t *o = json_pack("{s:b, s:I, s:s}", "ok", 1, "id", (json_int_t)r->id, "done", what);
		if (extra) {
			json_object_update(o, extra);
			json_decref(extra);
		}
		return web_json(r, 200, o);
	}
	json_decref(extra);
	web_redirect(r, arena_printf(r->arena, "/withdrawals/%lld?ok=%s", (long long)r->id, what));
}

/*
** GET /withdrawals
** The withdrawal batches (đợt thanh lọc) of a school, newest first, with status, copies and
** value, and the form to open one (the school's librarian). Parameters:
**    unit=ID    the school (default the account's own; an office names one of its schools)
** 403 for readers, 404 for a school outside the account's subtree.
*/
void page_withdrawals(web_req_t *r)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	weeding_batch_t *v;
	size_t n;
	err_t err;
	if (weeding_list(r->db, r->actor, unit, r->arena, &v, &n, &err) < 0)
		return web_circ_fail(r, &err, "/withdrawals");
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, batch_json(r, &v[i]));
	bool can = r->actor->role == ROLE_LIBRARIAN && (!unit || unit == r->actor->unit_id);
	web_render(r, 200, "withdrawals", json_pack("{s:o, s:b}", "withdrawals", list, "can_create", can));
}

/*
** POST /withdrawals
** Open a draft batch (the school's librarian). Fields: title (up to 200 characters), note.
** JSON: 201 {id}; a browser goes to the new batch.
*/
void page_withdrawal_create(web_req_t *r)
{
	int64_t id = 0;
	err_t err;
	if (weeding_create(r->db, r->actor, web_form(r, "title"), web_form(r, "note"), &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "draft"));
	web_redirect(r, arena_printf(r->arena, "/withdrawals/%lld", (long long)id));
}

/* The search block of the batch page: copies matching q, each addable or why not. */
static json_t *search_json(web_req_t *r, const char *q, err_t *err)
{
	weeding_found_t *f;
	size_t n;
	if (weeding_search(r->db, r->actor, r->id, q, 50, r->arena, &f, &n, err) < 0)
		return NULL;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = item_json(r, &f[i].item, i + 1);
		json_object_set_new(o, "can_add", json_boolean(!f[i].why));
		if (f[i].why)
			json_object_set_new(o, "why", json_string(web_t(r, f[i].why)));
		if (f[i].in_batch)
			json_object_set_new(o, "in_batch", json_integer(f[i].in_batch));
		json_array_append_new(arr, o);
	}
	return arr;
}

/*
** GET /withdrawals/:id
** One batch: its copies with their reasons, totals by reason and document type, and what the
** account may do: the librarian (draft, returned) adds by scan, search or rule, removes, changes
** a reason, proposes; the school's leader (proposed) approves with a decision number and day or
** returns it with a reason. Parameters:
**    q=TEXT       search the school's copies to add (title, author, barcode)
**    ok=WHAT      the notice of the action just done
*/
void page_withdrawal(web_req_t *r)
{
	weeding_batch_t b;
	weeding_item_t *items;
	size_t n;
	err_t err;
	if (weeding_get(r->db, r->actor, r->id, r->lang, r->arena, &b, &items, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, item_json(r, &items[i], i + 1));
	weeding_total_t *t;
	size_t nt;
	weeding_totals(items, n, r->arena, &t, &nt);
	json_t *totals = json_array();
	for (size_t i = 0; i < nt; i++)
		json_array_append_new(
		    totals, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "reason", t[i].reason,
		                      "reason_name", t[i].reason_name, "doc_type", t[i].doc_type,
		                      "doc_type_name", t[i].doc_type_name, "copies", (json_int_t)t[i].copies,
		                      "value", (json_int_t)t[i].value, "value_vn", money_vn(r, t[i].value)));
	bool mine = r->actor->unit_id == b.unit_id;
	bool editable = !strcmp(b.status, "draft") || !strcmp(b.status, "returned");
	bool can_edit = mine && r->actor->role == ROLE_LIBRARIAN && editable;
	bool can_decide = mine && r->actor->role == ROLE_LEADER && !strcmp(b.status, "proposed");
	char today[11];
	clock_day_format(clock_today_vn(), today, sizeof today);
	json_t *d =
	    json_pack("{s:o, s:o, s:o, s:b, s:b, s:b, s:o, s:s, s:s, s:s}", "withdrawal", batch_json(r, &b),
	              "items", arr, "totals", totals, "can_edit", can_edit, "can_propose", can_edit && n > 0,
	              "can_decide", can_decide, "reasons", reasons_json(r, NULL), "today", today, "minutes",
	              arena_printf(r->arena, "/withdrawals/%lld/minutes.pdf", (long long)b.id), "xlsx",
	              arena_printf(r->arena, "/withdrawals/%lld/list.xlsx", (long long)b.id));
	if (!strcmp(b.status, "approved"))
		json_object_set_new(d, "public_url",
		                    json_string(arena_printf(r->arena, "/opac/s/%s/withdrawals/%lld",
		                                             b.unit_code, (long long)b.id)));
	json_object_set_new(d, "has_totals", json_boolean(nt > 0));
	weeding_textbook_t *tb;
	size_t ntb = 0;
	if (can_edit && weeding_textbooks(r->db, r->actor, r->id, r->arena, &tb, &ntb, &err) == 0 && ntb) {
		json_t *arr2 = json_array();
		for (size_t i = 0; i < ntb; i++) {
			json_t *o = json_pack("{s:I, s:s, s:I}", "biblio_id", (json_int_t)tb[i].biblio_id,
			                      "title", tb[i].title, "copies", (json_int_t)tb[i].copies);
			json_object_set_new(o, "year", tb[i].year ? json_integer(tb[i].year) : json_null());
			json_object_set_new(o, "grade",
			                    tb[i].grade ? json_integer(tb[i].grade) : json_null());
			json_array_append_new(arr2, o);
		}
		json_object_set_new(d, "textbooks", arr2);
		json_object_set_new(d, "has_textbooks", json_true());
	}
	const char *q = web_query(r, "q");
	if (q && *q && can_edit) {
		json_t *found = search_json(r, q, &err);
		if (!found) {
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(d, "has_found", json_boolean(json_array_size(found) > 0));
		json_object_set_new(d, "found", found);
		json_object_set_new(d, "q", json_string(q));
	}
	const char *ok = web_query(r, "ok");
	if (ok && (!strcmp(ok, "added") || !strcmp(ok, "removed") || !strcmp(ok, "changed") ||
	           !strcmp(ok, "proposed") || !strcmp(ok, "approved") || !strcmp(ok, "returned") ||
	           !strcmp(ok, "previewed")))
		json_object_set_new(d, "notice",
		                    json_string(web_t(r, arena_printf(r->arena, "weeding.ok.%s", ok))));
	const char *pv = web_query(r, "preview");
	if (pv && can_edit)
		json_object_set_new(d, "preview", json_string(pv));
	web_render(r, 200, "withdrawal", d);
}

/* The rule of a POST's fields; -1 with a 400 sent on a malformed number. */
static int parse_rule(web_req_t *r, weeding_rule_t *rule)
{
	int bad = 0;
	memset(rule, 0, sizeof *rule);
	rule->kind = web_form(r, "rule");
	rule->before_year = (int)web_parse_int(web_form(r, "before_year"), 0, 0, 10000, &bad);
	rule->grade = (int)web_parse_int(web_form(r, "grade"), 0, 0, 100, &bad);
	rule->years = (int)web_parse_int(web_form(r, "years"), 0, 0, 10000, &bad);
	if (bad) {
		web_fail_key(r, 400, "err.number", NULL);
		return -1;
	}
	int64_t *ids;
	if (form_ids(r, "biblio", &ids, &rule->nbiblios) < 0)
		return -1;
	rule->biblios = ids;
	return 0;
}

/* Split a pasted list of codes (one per line, or separated by spaces, commas, semicolons). */
static void split_codes(web_req_t *r, const char *text, const char ***v, size_t *n, size_t *cap)
{
	char *s = arena_strdup(r->arena, text ? text : ""), *save = NULL;
	for (char *tok = strtok_r(s, " \t\r\n,;", &save); tok; tok = strtok_r(NULL, " \t\r\n,;", &save)) {
		*v = arena_grow(r->arena, *v, *n, cap, 32, sizeof **v);
		(*v)[(*n)++] = tok;
	}
}

/*
** POST /withdrawals/:id/items
** Add copies to a draft or returned batch (the school's librarian), one way a request:
**    barcode=CODE (repeatable) and/or barcodes=TEXT (one a line)   by scan: barcodes or
**                 accession numbers; all or nothing
**    item=ID (repeatable)      copies chosen from the search
**    rule=superseded|lost|damaged|periodicals|unused  by rule, with before_year=YYYY, grade=N
**                 or biblio=ID (repeatable: chosen textbook records) (superseded), years=N
**                 (periodicals: default 2; unused: required);
**                 preview=1 counts without adding
**    reason=CODE, note=TEXT    for scans and chosen copies (default reason KHAC)
** JSON {ok, added, already} or, for a rule, {ok, count, added}. 409 when the batch is proposed
** or approved, or a copy is on loan, withdrawn or in another open batch; 404 for a code the
** school does not have.
*/
void page_withdrawal_items(web_req_t *r)
{
	err_t err;
	const char *rule_kind = web_form(r, "rule");
	if (rule_kind && *rule_kind) {
		weeding_rule_t rule;
		if (parse_rule(r, &rule) < 0)
			return;
		const char *pv = web_form(r, "preview");
		bool add = !(pv && *pv && strcmp(pv, "0"));
		size_t count = 0;
		if (weeding_rule_apply(r->db, r->actor, r->id, &rule, add, &count, &err) < 0)
			return web_fail(r, &err);
		if (!add && !r->want_json)
			return web_redirect(r, arena_printf(r->arena,
			                                    "/withdrawals/%lld?ok=previewed&preview=%zu",
			                                    (long long)r->id, count));
		return done(r, add ? "added" : "previewed",
		            json_pack("{s:s, s:I, s:I}", "rule", rule.kind, "count", (json_int_t)count,
		                      "added", (json_int_t)(add ? count : 0)));
	}
	weeding_added_t res;
	const char *reason = web_form(r, "reason"), *note = web_form(r, "note");
	size_t nids = 0;
	int64_t *ids;
	if (form_ids(r, "item", &ids, &nids) < 0)
		return;
	if (nids) {
		if (weeding_add_items(r->db, r->actor, r->id, ids, nids, reason, note, &res, &err) < 0)
			return web_fail(r, &err);
	} else {
		size_t n = 0, cap;
		const char **codes = form_all(r, "barcode", &n);
		cap = n;
		size_t k;
		const char **pasted = form_all(r, "barcodes", &k);
		for (size_t i = 0; i < k; i++)
			split_codes(r, pasted[i], &codes, &n, &cap);
		if (weeding_add_codes(r->db, r->actor, r->id, codes, n, reason, note, &res, &err) < 0)
			return web_fail(r, &err);
	}
	done(r, "added",
	     json_pack("{s:I, s:I}", "added", (json_int_t)res.added, "already", (json_int_t)res.already));
}

/*
** POST /withdrawals/:id/items/remove
** Take copies out of a draft or returned batch. Fields: item=ID (repeatable). JSON {ok, removed}.
*/
void page_withdrawal_items_remove(web_req_t *r)
{
	int64_t *ids;
	size_t n, removed = 0;
	err_t err;
	if (form_ids(r, "item", &ids, &n) < 0)
		return;
	if (weeding_remove(r->db, r->actor, r->id, ids, n, &removed, &err) < 0)
		return web_fail(r, &err);
	done(r, "removed", json_pack("{s:I}", "removed", (json_int_t)removed));
}

/*
** POST /withdrawals/:id/items/reason
** Change one copy's reason (and note) in a draft or returned batch. Fields: item=ID, reason=CODE,
** note=TEXT (absent: kept).
*/
void page_withdrawal_item_reason(web_req_t *r)
{
	int bad = 0;
	int64_t item = web_parse_int(web_form(r, "item"), 0, 1, INT64_MAX, &bad);
	if (bad || !item)
		return web_fail_key(r, 400, "err.number", NULL);
	err_t err;
	if (weeding_set_reason(r->db, r->actor, r->id, item, web_form(r, "reason"), web_form(r, "note"),
	                       &err) < 0)
		return web_fail(r, &err);
	done(r, "changed", NULL);
}

/*
** POST /withdrawals/:id/propose
** The librarian proposes the batch to the school's leader (from draft or returned; not empty).
*/
void page_withdrawal_propose(web_req_t *r)
{
	err_t err;
	if (weeding_propose(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	done(r, "proposed", json_pack("{s:s}", "status", "proposed"));
}

/*
** POST /withdrawals/:id/approve
** The school's leader approves a proposed batch. Fields: decision_no (số quyết định),
** decision_day (yyyy-mm-dd or dd/mm/yyyy, not after today). The batch takes the next part II
** number, its copies are withdrawn, its list is public for 15 days. JSON {ok, status, number}.
*/
void page_withdrawal_approve(web_req_t *r)
{
	err_t err;
	int64_t number = 0;
	if (weeding_approve(r->db, r->actor, r->id, web_form(r, "decision_no"), web_form(r, "decision_day"),
	                    0, &number, &err) < 0)
		return web_fail(r, &err);
	done(r, "approved", json_pack("{s:s, s:I}", "status", "approved", "number", (json_int_t)number));
}

/*
** POST /withdrawals/:id/return
** The school's leader sends a proposed batch back to the librarian. Fields: reason (required).
*/
void page_withdrawal_return(web_req_t *r)
{
	err_t err;
	if (weeding_return(r->db, r->actor, r->id, web_form(r, "reason"), &err) < 0)
		return web_fail(r, &err);
	done(r, "returned", json_pack("{s:s}", "status", "returned"));
}

/*
** GET /withdrawals/:id/list.xlsx
** The batch's list as a workbook (STT, Số ĐKCB, title, author, year, price, reason, type, note).
*/
void page_withdrawal_xlsx(web_req_t *r)
{
	weeding_batch_t b;
	weeding_item_t *items;
	size_t n;
	err_t err;
	buf_t x = BUF_INIT;
	if (weeding_get(r->db, r->actor, r->id, r->lang, r->arena, &b, &items, &n, &err) < 0 ||
	    weeding_xlsx(&b, items, n, r->lang, &x, &err) < 0) {
		buf_release(&x);
		return web_fail(r, &err);
	}
	web_send_file(r, &x, XLSXW_MIME,
	              arena_printf(r->arena, "attachment; filename=\"thanh-loc-%s-%lld.xlsx\"", b.unit_code,
	                           (long long)b.id));
}

/*
** GET /withdrawals/:id/minutes.pdf
** The minutes (biên bản thanh lọc tài liệu) with the list, A4, to print and sign. A batch not yet
** approved prints as a draft (no decision).
*/
void page_withdrawal_minutes(web_req_t *r)
{
	weeding_batch_t b;
	weeding_item_t *items;
	size_t n;
	err_t err;
	buf_t pdf = BUF_INIT;
	if (weeding_get(r->db, r->actor, r->id, r->lang, r->arena, &b, &items, &n, &err) < 0 ||
	    weeding_minutes_pdf(r->db, &b, items, n, r->lang, r->arena, &pdf, &err) < 0) {
		buf_release(&pdf);
		return web_fail(r, &err);
	}
	web_send_file(r, &pdf, "application/pdf",
	              arena_printf(r->arena, "inline; filename=\"bien-ban-thanh-loc-%s-%lld.pdf\"",
	                           b.unit_code, (long long)b.id));
}

/* --- the public list ---------------------------------------------------------------------------- */

json_t *web_withdrawals_notices(web_req_t *r, int64_t unit_id, const char *code)
{
	weeding_batch_t *v;
	size_t n;
	err_t err;
	if (weeding_published(r->db, unit_id, 0, r->arena, &v, &n, &err) < 0 || !n)
		return NULL;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)v[i].id, "number",
		                   (json_int_t)v[i].number, "decision_no", v[i].decision_no,
		                   "decision_day_vn", day_vn(r, v[i].decision_day), "publish_until_vn",
		                   day_vn(r, v[i].publish_until), "copies", (json_int_t)v[i].copies, "url",
		                   arena_printf(r->arena, "/opac/s/%s/withdrawals/%lld", code,
		                                (long long)v[i].id)));
	return arr;
}

/* An error of the public list, in the public catalogue's layout (JSON as everywhere). */
static void public_fail(web_req_t *r, const err_t *err)
{
	int status = err_http_status(err->code);
	if (r->want_json || status >= 500)
		return web_fail(r, err);
	const char *key = err->key ? err->key : "err.internal";
	json_t *e = json_pack("{s:i, s:s, s:s, s:s}", "status", status, "code", key, "title",
	                      web_t(r, arena_printf(r->arena, "http.%d", status)), "message", web_t(r, key));
	web_render_public(r, status, "opac_error", json_pack("{s:o}", "error", e));
}

void web_withdrawals_public(web_req_t *r, const char *code, const char *rest)
{
	opac_school_t s;
	err_t err;
	char *c = arena_strdup(r->arena, code);
	char *slash = strchr(c, '/');
	if (slash)
		*slash = 0;
	int bad = 0;
	int64_t id = web_parse_int(rest, 0, 1, INT64_MAX, &bad);
	if (bad || !id || strchr(rest, '/')) {
		err_set(&err, ERR_NOTFOUND, "err.weeding.public_notfound", NULL);
		return public_fail(r, &err);
	}
	if (opac_school_by_code(r->db, r->actor, c, r->arena, &s, &err) < 0) {
		if (err.code == ERR_AUTH && !r->want_json)
			return web_redirect(r, arena_printf(r->arena, "/login?next=%s", r->path));
		return public_fail(r, &err);
	}
	weeding_batch_t b;
	weeding_item_t *items;
	size_t n;
	if (weeding_public_get(r->db, s.id, id, 0, r->lang, r->arena, &b, &items, &n, &err) < 0)
		return public_fail(r, &err);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "no", (json_int_t)i + 1, "accession",
		                   items[i].accession, "title", items[i].title, "authors", items[i].authors,
		                   "year", items[i].year ? json_integer(items[i].year) : json_null(),
		                   "reason", items[i].reason_name));
	json_t *d = json_pack(
	    "{s:{s:s, s:s, s:s}, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:s}", "school", "code", s.code,
	    "name", s.name, "url", arena_printf(r->arena, "/opac/s/%s", s.code), "id", (json_int_t)b.id,
	    "number", (json_int_t)b.number, "decision_no", b.decision_no, "decision_day_vn",
	    day_vn(r, b.decision_day), "approved_day_vn", day_vn(r, b.approved_day), "publish_until_vn",
	    day_vn(r, b.publish_until), "copies", (json_int_t)n, "items", arr, "title", s.name);
	web_render_public(r, 200, "opac_withdrawals", d);
}
