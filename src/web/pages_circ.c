/* pages_circ.c: the lending desk (quầy mượn trả), scanner first. One input: the server decides
 * what a code is (a reader's card loads the reader; a copy's barcode is lent to the loaded
 * reader, or returned when none is loaded; other text searches readers by name). Each action
 * answers in place for htmx (the desk fragment: the message, the reader and the loans), as the
 * whole page without JavaScript, and as JSON for programs and scanners' middleware:
 * {ok, key, level, message, loan, patron}; a refusal is 409 (404 for an unknown code) with
 * {ok: false, key, message}. Also the holds page, placing a hold from a record, textbooks for the
 * year (a class x titles grid) and class sets for a teacher. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "circ/circ.h"
#include "web/tmpl.h"
#include "web/web.h"

static const char *vn(web_req_t *r, const char *iso)
{
	if (!iso)
		return "";
	char *s = arena_alloc(r->arena, 32);
	clock_day_vn(iso, s, 32);
	return s;
}

/* A refusal the page itself makes (an unknown code). */
static int refuse(circ_result_t *res, err_t *err, int code, const char *key)
{
	res->key = key;
	res->level = CIRC_REFUSED;
	return err_set(err, code, key, NULL);
}

static bool is_htmx(web_req_t *r)
{
	return !r->want_json && web_header(r, "HX-Request") != NULL;
}

/* A page for a browser, its fragment for htmx (always 200, so that htmx swaps a refusal in too),
 * JSON for a program. */
static void answer(web_req_t *r, int status, const char *page, const char *fragment, json_t *data)
{
	if (!is_htmx(r))
		return web_render(r, status, page, data);
	err_t err;
	buf_reset(&r->body);
	json_object_set_new(data, "app", json_pack("{s:s}", "csrf", r->session ? r->session->csrf : ""));
	int rc = tmpl_render(fragment, data, r->lang, &r->body, &err);
	json_decref(data);
	r->content_type = "text/html; charset=utf-8";
	r->status = rc < 0 ? 500 : 200;
	if (rc < 0) {
		buf_reset(&r->body);
		buf_puts(&r->body, "500 Internal Server Error\n");
	}
}

static json_t *patron_json(web_req_t *r, const circ_patron_t *p)
{
	if (!p->id)
		return json_null();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)p->id, "code",
	                 p->code, "name", p->name, "kind", p->kind, "kind_label",
	                 web_t(r, arena_printf(r->arena, "circ.kind.%s", p->kind)), "class_name",
	                 p->class_name ? p->class_name : "", "status", p->status ? p->status : "",
	                 "status_note", p->status_note ? p->status_note : "", "active",
	                 p->status && !strcmp(p->status, "active"));
}

static json_t *loan_json(web_req_t *r, const circ_loan_t *l)
{
	json_t *o = json_object();
	if (l->id)
		json_object_set_new(o, "id", json_integer(l->id));
	json_object_set_new(o, "barcode", json_string(l->barcode ? l->barcode : ""));
	json_object_set_new(o, "title", json_string(l->title ? l->title : ""));
	if (l->kind) {
		json_object_set_new(o, "kind", json_string(l->kind));
		json_object_set_new(o, "kind_label",
		                    json_string(web_t(r, arena_printf(r->arena, "circ.loan.%s", l->kind))));
	}
	if (l->due) {
		json_object_set_new(o, "due", json_string(l->due));
		json_object_set_new(o, "due_vn", json_string(vn(r, l->due)));
	}
	if (l->out_day)
		json_object_set_new(o, "out_day", json_string(l->out_day));
	if (l->id) {
		json_object_set_new(o, "renewals", json_integer(l->renewals));
		json_object_set_new(o, "overdue_days", json_integer(l->overdue_days));
	}
	return o;
}

static json_t *result_json(web_req_t *r, int rc, const circ_result_t *res)
{
	json_t *o =
	    json_pack("{s:b, s:s, s:s, s:s}", "ok", rc == 0, "key", res->key ? res->key : "err.internal",
	              "level", circ_level_name(res->level), "message", circ_message(r->arena, r->lang, res));
	if (res->loan.barcode || res->loan.title)
		json_object_set_new(o, "loan", loan_json(r, &res->loan));
	if (res->patron.id)
		json_object_set_new(o, "patron", patron_json(r, &res->patron));
	if (res->holder)
		json_object_set_new(o, "holder", json_string(res->holder));
	if (res->hold_id)
		json_object_set_new(o, "hold_id", json_integer(res->hold_id));
	if (res->until)
		json_object_set_new(o, "until", json_string(res->until));
	if (res->days)
		json_object_set_new(o, "overdue_days", json_integer(res->days));
	if (res->fine)
		json_object_set_new(o, "fine", json_integer(res->fine));
	if (res->position)
		json_object_set_new(o, "position", json_integer(res->position));
	return o;
}

/* The reader's part of the desk: who, the loans, the holds, what they owe. */
static void add_summary(web_req_t *r, json_t *d, const circ_summary_t *s)
{
	json_t *loans = json_array(), *holds = json_array(), *charges = json_array();
	int overdue = 0;
	for (size_t i = 0; i < s->nloans; i++) {
		json_array_append_new(loans, loan_json(r, &s->loans[i]));
		overdue += s->loans[i].overdue_days > 0;
	}
	for (size_t i = 0; i < s->nholds; i++)
		json_array_append_new(
		    holds,
		    json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:s}", "id", (json_int_t)s->holds[i].id,
		              "biblio_id", (json_int_t)s->holds[i].biblio_id, "title", s->holds[i].title,
		              "status", s->holds[i].status, "status_label",
		              web_t(r, arena_printf(r->arena, "circ.hold.%s", s->holds[i].status)),
		              "position", s->holds[i].position, "ready_until", vn(r, s->holds[i].ready_until),
		              "barcode", s->holds[i].barcode ? s->holds[i].barcode : ""));
	for (size_t i = 0; i < s->ncharges; i++) {
		char at[32];
		clock_format_vn(s->charges[i].created_at, 0, at, sizeof at);
		json_array_append_new(
		    charges, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
		                       (json_int_t)s->charges[i].id, "kind", s->charges[i].kind, "kind_label",
		                       web_t(r, arena_printf(r->arena, "circ.charge.%s", s->charges[i].kind)),
		                       "amount", (json_int_t)s->charges[i].amount, "note", s->charges[i].note,
		                       "title", s->charges[i].title, "date", at));
	}
	json_object_set_new(d, "patron", patron_json(r, &s->patron));
	json_object_set_new(d, "loans", loans);
	json_object_set_new(d, "nloans", json_integer((json_int_t)s->nloans));
	json_object_set_new(d, "overdue", json_integer(overdue));
	json_object_set_new(d, "holds", holds);
	json_object_set_new(d, "charges", charges);
	json_object_set_new(d, "owed", json_integer(s->owed));
	json_object_set_new(d, "has_holds", json_boolean(s->nholds > 0));
	json_object_set_new(d, "has_charges", json_boolean(s->ncharges > 0));
}

/* The desk's data: the message of the action (may be NULL), the reader with card `code` loaded
 * (may be NULL or unknown: then none), the name search's matches (may be NULL). */
static json_t *desk_data(web_req_t *r, json_t *result, const char *code, json_t *matches)
{
	json_t *d = json_pack("{s:s}", "title", web_t(r, "nav.circ"));
	if (result)
		json_object_set_new(d, "result", result);
	if (matches) {
		json_object_set_new(d, "has_matches", json_boolean(json_array_size(matches) > 0));
		json_object_set_new(d, "matches", matches);
	}
	if (code && *code) {
		circ_summary_t s;
		err_t err;
		if (circ_patron_summary(r->db, r->actor, code, 0, r->arena, &s, &err) == 0)
			add_summary(r, d, &s);
	}
	return d;
}

/* Answer an action: JSON {ok, key, ...} with the status of rc to a program, the desk to a person. */
static void action_answer(web_req_t *r, int rc, const circ_result_t *res, const err_t *err, const char *keep)
{
	if (rc < 0 && (rc == ERR_INTERNAL || rc == ERR_BUSY || rc == ERR_FORBIDDEN || !res->key))
		return web_fail(r, err);
	int status = rc == 0 ? 200 : err_http_status(rc);
	json_t *o = result_json(r, rc, res);
	if (r->want_json)
		return web_json(r, status, o);
	answer(r, status, "circ", "circ_desk", desk_data(r, o, keep, NULL));
}

/*
** GET /circ
** The desk (librarians of a school). Parameters:
**    patron=CODE   the reader (card number) to show, with loans, holds and charges
**    q=TEXT        search readers by name (folded words, at most 20)
** JSON: {"patron", "loans", "holds", "charges", "owed", "matches"}.
*/
void page_circ(web_req_t *r)
{
	err_t err;
	if (circ_check_desk(r->actor, &err) < 0)
		return web_fail(r, &err);
	const char *code = web_query(r, "patron"), *q = web_query(r, "q");
	json_t *matches = NULL;
	if (q && *q) {
		circ_patron_t *v;
		size_t n = 0;
		if (circ_patron_search(r->db, r->actor, q, r->arena, &v, &n, &err) < 0)
			return web_fail(r, &err);
		matches = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(matches, patron_json(r, &v[i]));
	}
	if (code && *code) {
		circ_summary_t s;
		if (circ_patron_summary(r->db, r->actor, code, 0, r->arena, &s, &err) < 0) {
			json_decref(matches);
			return web_fail(r, &err);
		}
	}
	json_t *d = desk_data(r, NULL, code, matches);
	if (q)
		json_object_set_new(d, "q", json_string(q));
	answer(r, 200, "circ", "circ_desk", d);
}

/*
** POST /circ
** The desk's one input. Fields: code (what was scanned or typed), patron (the card number of
** the reader loaded, or empty). A reader's card loads that reader; a copy's barcode is lent to
** the loaded reader, or returned when none is loaded; anything else searches readers by name.
*/
void page_circ_scan(web_req_t *r)
{
	err_t err;
	const char *code = web_form(r, "code"), *patron = web_form(r, "patron");
	char *c = arena_strdup(r->arena, code ? code : "");
	/* Scanners may add spaces or a CR around the code. */
	while (*c == ' ' || *c == '\t')
		c++;
	size_t n = strlen(c);
	while (n && (c[n - 1] == ' ' || c[n - 1] == '\r' || c[n - 1] == '\n' || c[n - 1] == '\t'))
		c[--n] = 0;
	int what = 0;
	if (circ_identify(r->db, r->actor, c, &what, &err) < 0)
		return web_fail(r, &err);
	circ_result_t res;
	if (what == 1) {
		if (r->want_json)
			return web_redirect(r, arena_printf(r->arena, "/circ?patron=%s", c));
		return answer(r, 200, "circ", "circ_desk", desk_data(r, NULL, c, NULL));
	}
	if (what == 2) {
		int rc = patron && *patron
		             ? circ_checkout(r->db, r->actor, patron, 0, c, NULL, r->arena, &res, &err)
		             : circ_return(r->db, r->actor, c, r->arena, &res, &err);
		return action_answer(r, rc, &res, &err, patron);
	}
	/* Not a code: a name. */
	circ_patron_t *v = NULL;
	size_t nv = 0;
	if (*c && circ_patron_search(r->db, r->actor, c, r->arena, &v, &nv, &err) == 0 && nv > 0) {
		json_t *m = json_array();
		for (size_t i = 0; i < nv; i++)
			json_array_append_new(m, patron_json(r, &v[i]));
		json_t *d = desk_data(r, NULL, patron, m);
		json_object_set_new(d, "q", json_string(c));
		return answer(r, 200, "circ", "circ_desk", d);
	}
	memset(&res, 0, sizeof res);
	res.loan.barcode = c;
	refuse(&res, &err, ERR_NOTFOUND, *c ? "err.circ.code_unknown" : "err.circ.item_missing");
	action_answer(r, err.code, &res, &err, patron);
}

/*
** POST /circ/checkout
** Lend a copy. Fields: patron (card number), item (barcode), kind (home | textbook | class_set;
** default home), due (yyyy-mm-dd, optional). JSON {ok, key, level, message, loan, patron}.
*/
void page_circ_checkout(web_req_t *r)
{
	circ_result_t res;
	err_t err;
	const char *patron = web_form(r, "patron");
	circ_opts_t o = { .kind = web_form(r, "kind"), .due = web_form(r, "due") };
	int rc = circ_checkout(r->db, r->actor, patron, 0, web_form(r, "item"), &o, r->arena, &res, &err);
	action_answer(r, rc, &res, &err, patron);
}

/*
** POST /circ/return
** Take back a copy. Fields: item (barcode); patron (optional: the reader the desk keeps loaded).
** JSON {ok, key, level, message, loan, patron, holder, until, overdue_days, fine}.
*/
void page_circ_return(web_req_t *r)
{
	circ_result_t res;
	err_t err;
	int rc = circ_return(r->db, r->actor, web_form(r, "item"), r->arena, &res, &err);
	action_answer(r, rc, &res, &err, web_form(r, "patron"));
}

/*
** POST /circ/renew
** Renew a copy's loan. Fields: item (barcode); patron (optional: the reader kept loaded).
*/
void page_circ_renew(web_req_t *r)
{
	circ_result_t res;
	err_t err;
	int rc = circ_renew(r->db, r->actor, web_form(r, "item"), r->arena, &res, &err);
	const char *keep = web_form(r, "patron");
	action_answer(r, rc, &res, &err, keep && *keep ? keep : res.patron.code);
}

/*
** POST /circ/renew_all
** Renew every home loan of a reader. Fields: patron (card number). JSON {ok, renewed, refused,
** results: [{ok, key, message, loan}]}.
*/
void page_circ_renew_all(web_req_t *r)
{
	err_t err;
	const char *code = web_form(r, "patron");
	circ_summary_t s;
	if (circ_patron_summary(r->db, r->actor, code && *code ? code : "-", 0, r->arena, &s, &err) < 0)
		return web_fail(r, &err);
	circ_result_t *v;
	size_t n = 0;
	if (circ_renew_all(r->db, r->actor, s.patron.id, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *list = json_array();
	int renewed = 0;
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int ok = v[i].level != CIRC_REFUSED;
		renewed += ok;
		json_array_append_new(list, result_json(r, ok ? 0 : ERR_CONFLICT, &v[i]));
		if (b.len)
			buf_puts(&b, " ");
		buf_puts(&b, circ_message(r->arena, r->lang, &v[i]));
	}
	if (r->want_json) {
		buf_release(&b);
		return web_json(r, 200,
		                json_pack("{s:b, s:i, s:i, s:o}", "ok", 1, "renewed", renewed, "refused",
		                          (int)n - renewed, "results", list));
	}
	json_decref(list);
	const char *msg = n ? arena_strdup(r->arena, buf_str(&b)) : web_t(r, "circ.renew_none");
	buf_release(&b);
	json_t *o = json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "key", "circ.renew_all", "level",
	                      renewed == (int)n ? "ok" : "notice", "message", msg);
	answer(r, 200, "circ", "circ_desk", desk_data(r, o, code, NULL));
}

/* --- holds --------------------------------------------------------------------------------------- */

static json_t *holds_json(web_req_t *r, const circ_hold_t *v, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    list,
		    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "id",
		              (json_int_t)v[i].id, "biblio_id", (json_int_t)v[i].biblio_id, "title",
		              v[i].title, "patron_name", v[i].patron_name, "patron_code", v[i].patron_code,
		              "class_name", v[i].class_name, "status", v[i].status, "status_label",
		              web_t(r, arena_printf(r->arena, "circ.hold.%s", v[i].status)), "position",
		              v[i].position, "expires", vn(r, v[i].expires), "ready_until",
		              vn(r, v[i].ready_until), "barcode", v[i].barcode ? v[i].barcode : ""));
	return list;
}

static void holds_page(web_req_t *r, int status, json_t *result)
{
	err_t err;
	int bad = 0;
	int64_t biblio = web_parse_int(web_query(r, "biblio"), 0, 0, INT64_MAX, &bad);
	const char *code = web_query(r, "patron");
	int64_t pid = 0;
	if (bad) {
		json_decref(result);
		return web_fail_key(r, 400, "err.number", NULL);
	}
	if (code && *code) {
		circ_summary_t s;
		if (circ_patron_summary(r->db, r->actor, code, 0, r->arena, &s, &err) < 0) {
			json_decref(result);
			return web_fail(r, &err);
		}
		pid = s.patron.id;
	}
	circ_hold_t *v;
	size_t n = 0;
	int expired = 0;
	if (circ_holds_list(r->db, r->actor, biblio, pid, r->arena, &v, &n, &expired, &err) < 0) {
		json_decref(result);
		return web_fail(r, &err);
	}
	json_t *d = json_pack("{s:s, s:o, s:i, s:I, s:s}", "title", web_t(r, "circ.holds"), "holds",
	                      holds_json(r, v, n), "expired", expired, "biblio", (json_int_t)biblio, "patron",
	                      code ? code : "");
	if (result)
		json_object_set_new(d, "result", result);
	web_render(r, status, "circ_holds", d);
}

/*
** GET /circ/holds
** Open holds of the school, queue order, after the lapsed ones expire. Parameters: biblio=ID (one
** record), patron=CODE (one reader). JSON {"holds": [{id, title, patron_name, status, position,
** expires, ready_until, barcode}], "expired"}.
*/
void page_circ_holds(web_req_t *r)
{
	holds_page(r, 200, NULL);
}

static void place_hold(web_req_t *r, int64_t biblio, const char *code)
{
	err_t err;
	circ_result_t res;
	memset(&res, 0, sizeof res);
	int64_t pid = 0;
	int rc = 0;
	if (r->actor && r->actor->role != ROLE_READER) {
		circ_summary_t s;
		rc = circ_patron_summary(r->db, r->actor, code && *code ? code : "-", 0, r->arena, &s, &err);
		if (rc == ERR_NOTFOUND)
			refuse(&res, &err, rc, "err.circ.patron_notfound");
		pid = s.patron.id;
	}
	if (rc == 0)
		rc = circ_hold_place(r->db, r->actor, biblio, pid, r->arena, &res, &err);
	if (rc < 0 && (rc == ERR_INTERNAL || rc == ERR_BUSY || rc == ERR_FORBIDDEN || !res.key))
		return web_fail(r, &err);
	int status = rc == 0 ? 200 : err_http_status(rc);
	json_t *o = result_json(r, rc, &res);
	if (r->want_json)
		return web_json(r, status, o);
	holds_page(r, status, o);
}

/*
** POST /circ/holds
** Place a hold. Fields: biblio (record id), patron (card number; a reader places for themself).
*/
void page_circ_hold_place(web_req_t *r)
{
	int bad = 0;
	int64_t biblio = web_parse_int(web_form(r, "biblio"), 0, 0, INT64_MAX, &bad);
	if (bad || biblio <= 0)
		return web_fail_key(r, 400, "err.circ.biblio_notfound", NULL);
	place_hold(r, biblio, web_form(r, "patron"));
}

/*
** POST /catalog/:id/hold
** Place a hold on record :id from its page. Fields: patron (card number).
*/
void page_biblio_hold(web_req_t *r)
{
	place_hold(r, r->id, web_form(r, "patron"));
}

/*
** POST /circ/holds/:id/cancel
** Cancel an open hold (its copy, if set aside, passes to the next reader). 303 to /circ/holds.
*/
void page_circ_hold_cancel(web_req_t *r)
{
	err_t err;
	if (circ_hold_cancel(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, "/circ/holds?ok=cancelled");
}

/* --- textbooks and class sets -------------------------------------------------------------------- */

static json_t *grid_json(web_req_t *r, const char *cls, int *fail, err_t *err)
{
	const char **classes;
	size_t nc = 0;
	*fail = circ_classes(r->db, r->actor, r->arena, &classes, &nc, err);
	json_t *cl = json_array();
	for (size_t i = 0; *fail == 0 && i < nc; i++)
		json_array_append_new(cl, json_pack("{s:s, s:b}", "name", classes[i], "selected",
		                                    cls && !strcmp(cls, classes[i])));
	json_t *d = json_pack("{s:s, s:o, s:s}", "title", web_t(r, "circ.textbooks"), "classes", cl, "class",
	                      cls ? cls : "");
	if (*fail < 0 || !cls || !*cls)
		return d;
	circ_grid_t g;
	if ((*fail = circ_textbook_grid(r->db, r->actor, cls, r->arena, &g, err)) < 0)
		return d;
	json_t *titles = json_array(), *rows = json_array();
	for (size_t t = 0; t < g.ntitles; t++)
		json_array_append_new(titles, json_pack("{s:I, s:s, s:i}", "id", (json_int_t)g.biblio_ids[t],
		                                        "title", g.titles[t], "missing", g.missing[t]));
	for (size_t s = 0; s < g.nstudents; s++) {
		json_t *cells = json_array();
		int lacks = 0;
		for (size_t t = 0; t < g.ntitles; t++) {
			const char *bc = g.cells[s * g.ntitles + t];
			lacks += !bc;
			json_array_append_new(
			    cells, json_pack("{s:s, s:b}", "barcode", bc ? bc : "", "has", bc != NULL));
		}
		json_array_append_new(rows,
		                      json_pack("{s:s, s:s, s:o, s:i}", "code", g.students[s].code, "name",
		                                g.students[s].name, "cells", cells, "lacks", lacks));
	}
	json_object_set_new(d, "titles", titles);
	json_object_set_new(d, "students", rows);
	json_object_set_new(d, "nstudents", json_integer((json_int_t)g.nstudents));
	return d;
}

/*
** GET /circ/textbooks
** Textbooks for the school year. Parameters: class=NAME. The class's students x the titles lent
** to it, with who still lacks what. JSON {"classes", "class", "titles": [{id, title, missing}],
** "students": [{code, name, cells: [{barcode, has}], lacks}]}.
*/
void page_circ_textbooks(web_req_t *r)
{
	err_t err;
	int fail = 0;
	json_t *d = grid_json(r, web_query(r, "class"), &fail, &err);
	if (fail < 0) {
		json_decref(d);
		return web_fail(r, &err);
	}
	answer(r, 200, "circ_textbooks", "circ_textbooks_grid", d);
}

/*
** POST /circ/textbooks
** Lend one scanned textbook to the next student of the class lacking its title. Fields: class,
** item (barcode). JSON as /circ/checkout.
*/
void page_circ_textbook_lend(web_req_t *r)
{
	err_t err;
	circ_result_t res;
	const char *cls = web_form(r, "class");
	int rc = circ_textbook_lend(r->db, r->actor, cls, web_form(r, "item"), r->arena, &res, &err);
	if (rc < 0 && (rc == ERR_INTERNAL || rc == ERR_BUSY || rc == ERR_FORBIDDEN || !res.key))
		return web_fail(r, &err);
	int status = rc == 0 ? 200 : err_http_status(rc);
	json_t *o = result_json(r, rc, &res);
	if (r->want_json)
		return web_json(r, status, o);
	int fail = 0;
	json_t *d = grid_json(r, cls, &fail, &err);
	json_object_set_new(d, "result", o);
	answer(r, status, "circ_textbooks", "circ_textbooks_grid", d);
}

static json_t *classset_data(web_req_t *r, const char *code, const char *due, json_t *result)
{
	json_t *d = json_pack("{s:s, s:s, s:s}", "title", web_t(r, "circ.classset"), "teacher",
	                      code ? code : "", "due", due ? due : "");
	if (result)
		json_object_set_new(d, "result", result);
	if (code && *code) {
		circ_summary_t s;
		err_t err;
		if (circ_patron_summary(r->db, r->actor, code, 0, r->arena, &s, &err) == 0) {
			json_t *sets = json_array();
			for (size_t i = 0; i < s.nloans; i++)
				if (!strcmp(s.loans[i].kind, "class_set"))
					json_array_append_new(sets, loan_json(r, &s.loans[i]));
			json_object_set_new(d, "patron", patron_json(r, &s.patron));
			json_object_set_new(d, "loans", sets);
			json_object_set_new(d, "nloans", json_integer((json_int_t)json_array_size(sets)));
		}
	}
	return d;
}

/*
** GET /circ/classset
** Class sets lent to a teacher. Parameters: patron=CODE (the teacher). JSON {"patron", "loans"}.
*/
void page_circ_classset(web_req_t *r)
{
	err_t err;
	if (circ_check_desk(r->actor, &err) < 0)
		return web_fail(r, &err);
	answer(r, 200, "circ_classset", "circ_classset_body",
	       classset_data(r, web_query(r, "patron"), NULL, NULL));
}

/*
** POST /circ/classset
** Lend one copy of a class set. Fields: patron (the teacher's card), item (barcode), due
** (yyyy-mm-dd; default the school year's end). JSON as /circ/checkout.
*/
void page_circ_classset_lend(web_req_t *r)
{
	err_t err;
	circ_result_t res;
	const char *code = web_form(r, "patron"), *due = web_form(r, "due");
	circ_opts_t o = { .kind = "class_set", .due = due };
	int rc = circ_checkout(r->db, r->actor, code, 0, web_form(r, "item"), &o, r->arena, &res, &err);
	if (rc < 0 && (rc == ERR_INTERNAL || rc == ERR_BUSY || rc == ERR_FORBIDDEN || !res.key))
		return web_fail(r, &err);
	int status = rc == 0 ? 200 : err_http_status(rc);
	json_t *j = result_json(r, rc, &res);
	if (r->want_json)
		return web_json(r, status, j);
	answer(r, status, "circ_classset", "circ_classset_body", classset_data(r, code, due, j));
}
