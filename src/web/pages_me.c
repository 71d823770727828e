/* pages_me.c: reader self-service: My library (/me: loans with renewals, holds, reading history
 * and its switch, the card's barcode), holds placed from the catalogue's record page, and the
 * librarian's side of reader accounts (issuing one from the reader's page, or a class's at once).
 *
 * The pages of a reader are in the public catalogue's layout (web_render_public); the domain
 * (src/opac/readers.h) checks that every id is the reader's own. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "opac/readers.h"
#include "opac/social.h"
#include "web/web.h"

static const char *day_vn(web_req_t *r, const char *iso)
{
	char s[16] = "";
	if (iso)
		clock_day_vn(iso, s, sizeof s);
	return arena_strdup(r->arena, s);
}

static json_t *loans_json(web_req_t *r, const readers_loan_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const readers_loan_t *l = &v[i];
		json_t *o =
		    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:i}", "id",
		              (json_int_t)l->id, "biblio_id", (json_int_t)l->biblio_id, "title", l->title,
		              "authors", l->authors ? l->authors : "", "barcode", l->barcode, "out_vn",
		              day_vn(r, l->out_day), "due", l->due, "due_vn", day_vn(r, l->due), "renewals",
		              l->renewals, "overdue", l->overdue_days > 0, "overdue_days", l->overdue_days);
		if (l->returned_day)
			json_object_set_new(o, "returned_vn", json_string(day_vn(r, l->returned_day)));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *holds_json(web_req_t *r, const circ_hold_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const circ_hold_t *h = &v[i];
		bool ready = !strcmp(h->status, "ready");
		json_t *o =
		    json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:i, s:s, s:s}", "id", (json_int_t)h->id,
		              "biblio_id", (json_int_t)h->biblio_id, "title", h->title, "status", h->status,
		              "status_label", web_t(r, ready ? "me.hold.ready" : "me.hold.waiting"), "ready",
		              ready, "position", h->position, "expires_vn", day_vn(r, h->expires),
		              "ready_until_vn", day_vn(r, h->ready_until));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *lists_json(web_req_t *r)
{
	json_t *a = json_array();
	opac_list_t *l;
	size_t n;
	err_t err;
	if (opac_lists_visible(r->db, r->actor, r->arena, &l, &n, &err) < 0)
		return a;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)l[i].id, "title",
		                                   l[i].title, "class_name", l[i].class_name));
	return a;
}

/* The My library page, with a message (NULL for none) of level "ok", "notice" or "refused". */
static void render_me(web_req_t *r, int status, const char *message, const char *level, json_t *extra)
{
	readers_me_t me;
	err_t err;
	if (readers_me(r->db, r->actor, r->arena, &me, &err) < 0) {
		json_decref(extra);
		return web_fail(r, &err);
	}
	const circ_patron_t *p = &me.patron;
	json_t *patron = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)p->id, "name", p->name, "code",
	    p->code, "class_name", p->class_name, "kind_label",
	    web_t(r, arena_printf(r->arena, "patron.kind.%s", p->kind)), "status", p->status, "status_label",
	    web_t(r, arena_printf(r->arena, "patron.status.%s", p->status)), "status_note",
	    p->status_note ? p->status_note : "", "blocked", !strcmp(p->status, "blocked"));
	json_t *d = json_pack("{s:s, s:o, s:s, s:o, s:o, s:b, s:o, s:o, s:b, s:b, s:b}", "title",
	                      web_t(r, "opac.mylibrary"), "patron", patron, "school", me.school_name, "loans",
	                      loans_json(r, me.loans, me.nloans), "holds", holds_json(r, me.holds, me.nholds),
	                      "hide_history", me.hide_history, "history",
	                      loans_json(r, me.history, me.nhistory), "lists", lists_json(r), "has_loans",
	                      me.nloans > 0, "has_holds", me.nholds > 0, "has_history", me.nhistory > 0);
	json_object_set_new(d, "has_lists", json_boolean(json_array_size(json_object_get(d, "lists")) > 0));
	if (message) {
		json_object_set_new(d, "message", json_string(message));
		json_object_set_new(d, "level", json_string(level));
	}
	const char *ok = web_query(r, "ok");
	if (!message && ok &&
	    (!strcmp(ok, "hold") || !strcmp(ok, "hold_cancelled") || !strcmp(ok, "privacy") ||
	     !strcmp(ok, "password"))) {
		json_object_set_new(d, "message",
		                    json_string(web_t(r, arena_printf(r->arena, "me.ok.%s", ok))));
		json_object_set_new(d, "level", json_string("ok"));
	}
	if (extra) {
		json_object_update(d, extra);
		json_decref(extra);
	}
	web_render_public(r, status, "me", d);
}

/* Staff who open a reader's page go home; a reader account without a reader is told why. */
static bool reader_only(web_req_t *r)
{
	if (r->actor->role == ROLE_READER)
		return true;
	if (!r->want_json && !strcmp(r->method, "GET") && !strcmp(r->path, "/me"))
		web_redirect(r, "/");
	else
		web_fail_key(r, 403, "err.me.no_patron", NULL);
	return false;
}

/*
** GET /me
** My library (Thư viện của em): the reader's card, current loans (due dd/mm/yyyy, overdue
** marked, a renew button each), holds with their place in the queue, reading history (unless
** hidden) and its switch, and the reading lists of the reader's class. Readers only.
**    ok=hold|hold_cancelled|privacy   the message of the action that led here
*/
void page_me(web_req_t *r)
{
	if (reader_only(r))
		render_me(r, 200, NULL, NULL, NULL);
}

static json_t *result_json(web_req_t *r, int rc, const circ_result_t *res)
{
	json_t *o =
	    json_pack("{s:b, s:s, s:s, s:s}", "ok", rc == 0, "key", res->key ? res->key : "err.internal",
	              "level", circ_level_name(res->level), "message", circ_message(r->arena, r->lang, res));
	if (res->loan.due)
		json_object_set_new(o, "due", json_string(res->loan.due));
	if (res->hold_id)
		json_object_set_new(o, "hold_id", json_integer(res->hold_id));
	if (res->position)
		json_object_set_new(o, "position", json_integer(res->position));
	return o;
}

/* The answer to a circulation action done by the reader: JSON, or My library with its sentence. */
static void answer_circ(web_req_t *r, int rc, const circ_result_t *res, const err_t *err,
                        const char *ok_location)
{
	if (rc < 0 && !res->key)
		return web_fail(r, err); /* not the reader's, or the database failed: no sentence */
	int status = rc < 0 ? err_http_status(rc) : 200;
	if (r->want_json)
		return web_json(r, status, result_json(r, rc, res));
	if (rc == 0 && ok_location)
		return web_redirect(r, ok_location);
	render_me(r, status, circ_message(r->arena, r->lang, res), circ_level_name(res->level), NULL);
}

/*
** POST /me/renew/:id
** Renew the reader's open loan :id by the school's rules (the desk's renewal: same refusals).
** JSON {ok, key, level, message, due}; a browser gets My library with the sentence. Another
** reader's loan: 404.
*/
void page_me_renew(web_req_t *r)
{
	if (!reader_only(r))
		return;
	circ_result_t res;
	err_t err;
	int rc = readers_renew(r->db, r->actor, r->id, r->arena, &res, &err);
	answer_circ(r, rc, &res, &err, NULL);
}

/*
** POST /me/holds/:id/cancel
** Cancel the reader's own hold :id. 303 to /me?ok=hold_cancelled.
*/
void page_me_hold_cancel(web_req_t *r)
{
	if (!reader_only(r))
		return;
	err_t err;
	if (readers_hold_cancel(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, "/me?ok=hold_cancelled");
}

/*
** POST /me/privacy
** Fields: hide_history (1: hide my reading history, 0: show it again). 303 to /me?ok=privacy.
*/
void page_me_privacy(web_req_t *r)
{
	if (!reader_only(r))
		return;
	const char *v = web_form(r, "hide_history");
	if (!v || (strcmp(v, "0") && strcmp(v, "1")))
		return web_fail_key(r, 400, "err.patron.privacy", NULL);
	err_t err;
	if (readers_set_privacy(r->db, r->actor, !strcmp(v, "1"), &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, "/me?ok=privacy");
}

/*
** GET /me/card.svg
** The reader's card number as a Code 128 barcode (SVG), to show the desk's scanner on a phone.
*/
void page_me_card(web_req_t *r)
{
	if (!reader_only(r))
		return;
	buf_t svg = BUF_INIT;
	err_t err;
	if (readers_card_svg(r->db, r->actor, &svg, &err) < 0) {
		buf_release(&svg);
		return web_fail(r, &err);
	}
	web_send_file(r, &svg, "image/svg+xml", "inline; filename=the-thu-vien.svg");
}

/*
** POST /opac/records/:id/hold
** A logged-in reader of the record's school places a hold on it (the desk's rules: holds allowed
** for the reader and the type, one open hold a title, none while a copy is on the shelf). 303 to
** /me?ok=hold; a refusal is My library with the reason (409); another school's record 404.
** Anonymous: 303 to the login page, back to the record afterwards.
*/
void page_opac_hold(web_req_t *r)
{
	if (!r->actor) {
		if (r->want_json)
			return web_fail_key(r, 401, "err.login.required", NULL);
		return web_redirect(
		    r, arena_printf(r->arena, "/login?next=/opac/records/%lld", (long long)r->id));
	}
	if (!reader_only(r))
		return;
	circ_result_t res;
	err_t err;
	int rc = readers_hold_place(r->db, r->actor, r->id, r->arena, &res, &err);
	answer_circ(r, rc, &res, &err, "/me?ok=hold");
}

/* --- reader accounts, for the librarian ----------------------------------------------------------- */

static json_t *account_json(const readers_account_t *v)
{
	json_t *o =
	    json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "patron_id", (json_int_t)v->patron_id, "full_name",
	              v->full_name, "class_name", v->class_name ? v->class_name : "", "code", v->code,
	              "username", v->username ? v->username : "", "created", v->created);
	json_object_set_new(o, "password", v->password ? json_string(v->password) : json_null());
	return o;
}

/*
** POST /patrons/:id/account
** Issue the reader's login (the librarian of the school): a new account, or a new first password
** for the existing one (its sessions end). The page shows the user name and the password once,
** printable as a slip; it is not stored in clear anywhere.
*/
void page_patron_account(web_req_t *r)
{
	readers_account_t acc;
	err_t err;
	if (readers_account_issue(r->db, r->actor, r->id, r->arena, &acc, &err) < 0)
		return web_fail(r, &err);
	json_t *d = json_pack("{s:s, s:[o], s:I, s:s}", "title", web_t(r, "raccount.title"), "accounts",
	                      account_json(&acc), "patron_id", (json_int_t)acc.patron_id, "school",
	                      r->actor->unit_name);
	web_add_header(r, "Cache-Control", "no-store");
	web_render(r, acc.created ? 201 : 200, "reader_accounts", d);
}

/*
** POST /patrons/accounts
** Fields: class_name; format=xlsx for a workbook (else the printable page). Issues an account to
** every student of the class who has none; the slips list user name and first password (those who
** already had an account are listed without one).
*/
void page_patrons_accounts(web_req_t *r)
{
	const char *cls = web_form(r, "class_name"), *format = web_form(r, "format");
	readers_account_t *v;
	size_t n;
	err_t err;
	if (readers_accounts_for_class(r->db, r->actor, cls, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	if (format && !strcmp(format, "xlsx")) {
		xlsxw_t *w = xlsxw_new(&err);
		if (!w)
			return web_fail(r, &err);
		const char *title = arena_printf(r->arena, "%s %s", web_t(r, "raccount.class_title"), cls);
		if (xlsxw_sheet(w, cls, title, r->actor->unit_name, &err) < 0) {
			xlsxw_free(w);
			return web_fail(r, &err);
		}
		xlsxw_col_t cols[] = { { web_t(r, "patron.f.full_name"), 30 },
			               { web_t(r, "patron.f.code"), 14 },
			               { web_t(r, "raccount.username"), 24 },
			               { web_t(r, "raccount.password"), 20 } };
		xlsxw_header(w, cols, 4);
		for (size_t i = 0; i < n; i++) {
			xlsxw_row(w);
			xlsxw_text(w, v[i].full_name);
			xlsxw_text(w, v[i].code);
			xlsxw_text(w, v[i].username);
			xlsxw_text(w, v[i].password ? v[i].password : web_t(r, "raccount.had"));
		}
		buf_t out = BUF_INIT;
		if (xlsxw_finish(w, &out, &err) < 0) { /* frees w either way */
			buf_release(&out);
			return web_fail(r, &err);
		}
		return web_send_file(r, &out,
		                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		                     "attachment; filename=tai-khoan-ban-doc.xlsx");
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, account_json(&v[i]));
	web_render(r, 200, "reader_accounts",
	           json_pack("{s:s, s:o, s:s, s:s}", "title", web_t(r, "raccount.class_title"), "accounts", a,
	                     "class_name", cls, "school", r->actor->unit_name));
}
