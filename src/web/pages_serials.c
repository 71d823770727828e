/* pages_serials.c: periodicals (báo, tạp chí): the titles of a school year with their counts and
 * the form for a new title; one title with its calendar grid of issues (months by days, each
 * expected issue received, missing or to come, one click to receive), receipt by scan, undo,
 * claims and their printable list, and binding a range of issues into a catalogue copy.
 * Every page works without JavaScript (plain forms) and on a phone (the grid scrolls). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xlsxw.h"
#include "serials/serials.h"
#include "web/web.h"

static const char *day_vn(web_req_t *r, const char *iso)
{
	char out[16];
	if (!iso || !*iso)
		return "";
	clock_day_vn(iso, out, sizeof out);
	return arena_strdup(r->arena, out);
}

static bool can_write(const web_req_t *r, int64_t school)
{
	return r->actor && r->actor->role == ROLE_LIBRARIAN && r->actor->unit_id == school;
}

/* The posted fields (but the token) as "f", so a refused form comes back as it was typed. */
static json_t *typed(web_req_t *r)
{
	json_t *f = json_object();
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, "csrf"))
			json_object_set_new(f, r->form[i].name, json_string(r->form[i].value));
	return f;
}

static void set_error(web_req_t *r, json_t *d, const err_t *err)
{
	json_object_set_new(d, "error", json_string(web_t(r, err->key ? err->key : "err.internal")));
	json_object_set_new(d, "code", json_string(err->key ? err->key : ""));
	if (*err->detail)
		json_object_set_new(d, "detail", json_string(err->detail));
	json_object_set_new(d, "f", typed(r));
}

static json_t *options(web_req_t *r, const char *prefix, const char *const *codes, const char *selected)
{
	json_t *a = json_array();
	for (size_t i = 0; codes[i]; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "code", codes[i], "name",
		                                   web_t(r, arena_printf(r->arena, "%s%s", prefix, codes[i])),
		                                   "selected", selected && !strcmp(selected, codes[i])));
	return a;
}

static const char *const FREQS[] = { "daily",     "weekly",    "biweekly",  "monthly",
	                             "bimonthly", "quarterly", "irregular", NULL };
static const char *const KINDS[] = { "newspaper", "magazine", NULL };
static const char *const FUNDS[] = { "budget", "other", NULL };

/* The subscription form's fields (POST /serials and /serials/:id/subscriptions). */
static void sub_form(web_req_t *r, serials_sub_in_t *s, int *bad)
{
	memset(s, 0, sizeof *s);
	s->school_year = web_form(r, "school_year");
	s->start = web_form(r, "start");
	s->end = web_form(r, "end");
	s->calendar_year = web_form(r, "calendar_year") && *web_form(r, "calendar_year");
	s->sundays = web_form(r, "sundays") && *web_form(r, "sundays");
	s->copies = web_parse_int(web_form(r, "copies"), 1, INT64_MIN, INT64_MAX, bad);
	s->supplier = web_form(r, "supplier");
	s->price = web_parse_int(web_form(r, "price"), 0, INT64_MIN, INT64_MAX, bad);
	s->funding = web_form(r, "funding");
	s->note = web_form(r, "note");
}

static json_t *row_json(web_req_t *r, const serials_row_t *x)
{
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:b}",
	    "id", (json_int_t)x->id, "title", x->title, "issn", x->issn, "kind", x->kind, "kind_name",
	    web_t(r, arena_printf(r->arena, "serials.kind.%s", x->kind)), "frequency", x->frequency,
	    "frequency_name", web_t(r, arena_printf(r->arena, "serials.freq.%s", x->frequency)), "publisher",
	    x->publisher, "biblio_id", (json_int_t)x->biblio_id, "sub_id", (json_int_t)x->sub_id, "start",
	    x->start, "start_vn", day_vn(r, x->start), "end_vn", day_vn(r, x->end), "supplier", x->supplier,
	    "copies", (json_int_t)x->copies, "price", (json_int_t)x->price, "expected",
	    (json_int_t)x->expected, "received", (json_int_t)x->received, "missing", (json_int_t)x->missing,
	    "claimed", (json_int_t)x->claimed, "upcoming", (json_int_t)x->upcoming, "received_copies",
	    (json_int_t)x->received_copies, "subscribed", x->sub_id != 0);
}

static const char *year_shift(web_req_t *r, const char *year, int by)
{
	int y = atoi(year) + by;
	return arena_printf(r->arena, "%d-%d", y, y + 1);
}

/* The list page's data, or NULL with err set. */
static json_t *list_page(web_req_t *r, err_t *err)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad) {
		err_set(err, ERR_INVALID, "err.number", NULL);
		return NULL;
	}
	serials_list_t l;
	const char *year = web_query(r, "year");
	if (!year || !*year)
		year = web_form(r, "school_year");
	if (serials_list(r->db, r->actor, unit, year, web_query(r, "q"), 0, r->arena, &l, err) < 0)
		return NULL;
	json_t *rows = json_array();
	int64_t copies = 0, missing = 0, subscribed = 0;
	for (size_t i = 0; i < l.n; i++) {
		json_array_append_new(rows, row_json(r, &l.v[i]));
		copies += l.v[i].copies;
		missing += l.v[i].missing;
		subscribed += l.v[i].sub_id != 0;
	}
	const char *u = unit ? arena_printf(r->arena, "&unit=%lld", (long long)unit) : "";
	const char *q = web_query(r, "q");
	json_t *any = json_boolean(l.n > 0);
	json_t *d = json_pack(
	    "{s:{s:I, s:s, s:s}, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:b, s:o, s:o, s:o, s:s}", "school",
	    "id", (json_int_t)l.school.id, "code", l.school.code, "name", l.school.name, "school_year",
	    l.school_year, "prev_year", year_shift(r, l.school_year, -1), "next_year",
	    year_shift(r, l.school_year, 1), "unit_q", u, "rows", rows, "titles", (json_int_t)subscribed,
	    "copies", (json_int_t)copies, "missing", (json_int_t)missing, "can_write",
	    can_write(r, l.school.id), "frequencies",
	    options(r, "serials.freq.", FREQS, web_form(r, "frequency")), "kinds",
	    options(r, "serials.kind.", KINDS, web_form(r, "kind")), "fundings",
	    options(r, "serials.funding.", FUNDS, web_form(r, "funding")), "claims_url",
	    unit ? arena_printf(r->arena, "/serials/claims?unit=%lld", (long long)unit) : "/serials/claims");
	json_object_set_new(d, "any", any);
	json_object_set_new(d, "q", json_string(q ? q : ""));
	if (unit)
		json_object_set_new(d, "unit", json_integer(unit));
	return d;
}

/*
** GET /serials
** The periodical titles of a school with their subscription of a school year: copies, issues
** received / expected, missing, claims; the form for a new title (its school's librarian).
** Parameters: year=2025-2026 (default the current school year), unit=ID (the school; an office
** must name one), q=words (titles or ISSN holding them, marks and case ignored). 400 bad year, 403 readers,
*404 a school outside the account's subtree.
*/
void page_serials(web_req_t *r)
{
	err_t err;
	json_t *d = list_page(r, &err);
	if (!d)
		return web_circ_fail(r, &err, "/serials");
	web_render(r, 200, "serials", d);
}

/*
** POST /serials
** A new title and its first subscription. Fields: title, issn, kind (newspaper|magazine),
** frequency, publisher; school_year, start, end (dd/mm/yyyy; default 01/09-31/05, or the
** calendar year with calendar_year=1), sundays=1 (a daily title out on Sundays too), copies
** (1..1000), supplier, price (đồng), funding (budget|other), note. 303 to the title (201 {id}
** for JSON); 400/409 with the reason and the form as typed, nothing written.
*/
void page_serials_create(web_req_t *r)
{
	int bad = 0;
	serials_title_in_t t = { .title = web_form(r, "title"),
		                 .issn = web_form(r, "issn"),
		                 .kind = web_form(r, "kind"),
		                 .frequency = web_form(r, "frequency"),
		                 .publisher = web_form(r, "publisher") };
	serials_sub_in_t s;
	sub_form(r, &s, &bad);
	int64_t id = 0;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.number", NULL)
	             : serials_create(r->db, r->actor, &t, &s, &id, &err);
	if (rc == 0) {
		if (r->want_json)
			return web_json(r, 201, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id));
		return web_redirect(r, arena_printf(r->arena, "/serials/%lld", (long long)id));
	}
	if (r->want_json || err.code == ERR_FORBIDDEN)
		return web_fail(r, &err);
	err_t e2;
	json_t *d = list_page(r, &e2);
	if (!d)
		return web_fail(r, &err);
	set_error(r, d, &err);
	web_render(r, err_http_status(err.code), "serials", d);
}

/* The months by days of the title's issues: a row per month from the subscription's first to
 * its last, 31 cells each (days a month lacks are marked "off"). */
static json_t *grid_json(web_req_t *r, const serials_title_t *t)
{
	json_t *months = json_array();
	int64_t first = 0;
	if (!t->t.sub_id || clock_day_parse(t->t.start, &first) < 0)
		return months;
	int y, m, d;
	clock_civil_from_days(first, &y, &m, &d);
	int64_t end = first;
	char endiso[16];
	snprintf(endiso, sizeof endiso, "%s", t->t.end ? t->t.end : "");
	clock_day_parse(endiso, &end);
	if (t->nissues) { /* an irregular title's issues may lie outside its days */
		int64_t lo = 0, hi = 0;
		clock_day_parse(t->issues[0].expected, &lo);
		clock_day_parse(t->issues[t->nissues - 1].expected, &hi);
		if (lo < first)
			clock_civil_from_days(lo, &y, &m, &d);
		if (hi > end)
			end = hi;
	}
	size_t k = 0;
	for (int guard = 0; guard < 24; guard++) {
		int64_t m1 = clock_days_from_civil(y, m, 1);
		if (m1 > end)
			break;
		int64_t next =
		    m == 12 ? clock_days_from_civil(y + 1, 1, 1) : clock_days_from_civil(y, m + 1, 1);
		json_t *cells = json_array();
		for (int day = 1; day <= 31; day++) {
			int64_t dn = m1 + day - 1;
			json_t *c = json_pack("{s:i}", "d", day);
			if (dn >= next) {
				json_object_set_new(c, "off", json_true());
				json_array_append_new(cells, c);
				continue;
			}
			char iso[16];
			clock_day_format(dn, iso, sizeof iso);
			while (k < t->nissues && strcmp(t->issues[k].expected, iso) < 0)
				k++;
			if (k < t->nissues && strcmp(t->issues[k].expected, iso) == 0) {
				const serials_issue_t *i = &t->issues[k];
				json_object_set_new(c, "id", json_integer(i->id));
				json_object_set_new(c, i->state, json_true());
				json_object_set_new(c, "state", json_string(i->state));
				json_object_set_new(
				    c, "state_name",
				    json_string(
				        web_t(r, arena_printf(r->arena, "serials.state.%s", i->state))));
				json_object_set_new(c, "day_vn", json_string(day_vn(r, iso)));
				if (i->claimed_day && !i->received_day)
					json_object_set_new(c, "claimed", json_true());
			}
			json_array_append_new(cells, c);
		}
		json_array_append_new(months,
		                      json_pack("{s:s, s:o}", "label",
		                                arena_printf(r->arena, "%02d/%d", m, y), "cells", cells));
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	return months;
}

/* The title page's data, or NULL with err set. */
static json_t *title_page(web_req_t *r, int64_t id, const char *year, err_t *err)
{
	serials_title_t t;
	if (serials_get(r->db, r->actor, id, year, 0, r->arena, &t, err) < 0)
		return NULL;
	json_t *issues = json_array();
	for (size_t i = 0; i < t.nissues; i++) {
		const serials_issue_t *x = &t.issues[i];
		json_t *o = json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)x->id,
		    "expected", x->expected, "expected_vn", day_vn(r, x->expected), "label", x->label,
		    "state", x->state, "state_name",
		    web_t(r, arena_printf(r->arena, "serials.state.%s", x->state)), "copies",
		    (json_int_t)x->copies, "received_vn", day_vn(r, x->received_day), "claimed_vn",
		    day_vn(r, x->claimed_day), "bound", x->bound_item_id != 0, "claim_note", x->claim_note);
		json_object_set_new(o, x->state, json_true());
		json_array_append_new(issues, o);
	}
	json_t *years = json_array();
	for (size_t i = 0; i < t.nyears; i++)
		json_array_append_new(years, json_pack("{s:s, s:b}", "year", t.years[i], "current",
		                                       strcmp(t.years[i], t.school_year) == 0));
	json_t *bound = json_array();
	for (size_t i = 0; i < t.nbound; i++)
		json_array_append_new(bound, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "item_id",
		                                       (json_int_t)t.bound[i].item_id, "accession",
		                                       t.bound[i].accession, "barcode", t.bound[i].barcode,
		                                       "first_vn", day_vn(r, t.bound[i].first), "last_vn",
		                                       day_vn(r, t.bound[i].last), "issues",
		                                       (json_int_t)t.bound[i].issues));
	char today[16];
	clock_day_format(clock_today_vn(), today, sizeof today);
	json_t *days = json_array();
	for (int i = 1; i <= 31; i++)
		json_array_append_new(days, json_integer(i));
	json_t *d = json_pack("{s:{s:I, s:s, s:s}, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:s, s:o, s:o}",
	                      "school", "id", (json_int_t)t.school.id, "code", t.school.code, "name",
	                      t.school.name, "title", row_json(r, &t.t), "school_year", t.school_year,
	                      "next_year", year_shift(r, t.school_year, 1), "years", years, "issues", issues,
	                      "grid", grid_json(r, &t), "bound", bound, "can_write",
	                      can_write(r, t.school.id), "today_vn", day_vn(r, today), "days", days,
	                      "fundings", options(r, "serials.funding.", FUNDS, web_form(r, "funding")));
	return d;
}

/* Answer a write on a title or an issue: 303 back to the title's page (JSON: 200 with extra),
 * or the page again with the error. */
static void answer(web_req_t *r, int rc, const err_t *err, int64_t title, const char *year, json_t *extra)
{
	if (rc == 0) {
		if (r->want_json) {
			json_t *o = json_pack("{s:b, s:I}", "ok", 1, "title_id", (json_int_t)title);
			if (extra)
				json_object_update(o, extra);
			json_decref(extra);
			return web_json(r, 200, o);
		}
		json_decref(extra);
		return web_redirect(r,
		                    arena_printf(r->arena, "/serials/%lld%s%s", (long long)title,
		                                 year && *year ? "?year=" : "", year && *year ? year : ""));
	}
	json_decref(extra);
	if (r->want_json || !title || err->code == ERR_FORBIDDEN || err->code == ERR_NOTFOUND)
		return web_fail(r, err);
	err_t e2;
	json_t *d = title_page(r, title, year, &e2);
	if (!d)
		return web_fail(r, err);
	set_error(r, d, err);
	web_render(r, err_http_status(err->code), "serial", d);
}

/*
** GET /serials/:id
** A title: its subscriptions by year, the calendar grid of a year's issues (received, missing,
** to come; a missing or coming issue is a button that receives it), the issues with undo and
** claim, its bound volumes, and the forms to receive by scan, subscribe and bind. Parameters:
** year=2025-2026 (default the newest subscription). Another school's id is 404.
*/
void page_serial(web_req_t *r)
{
	err_t err;
	json_t *d = title_page(r, r->id, web_query(r, "year"), &err);
	if (!d)
		return web_fail(r, &err);
	web_render(r, 200, "serial", d);
}

/*
** POST /serials/:id/subscriptions
** Subscribe the title for a school year. Fields as POST /serials's subscription ones.
*/
void page_serial_subscribe(web_req_t *r)
{
	int bad = 0;
	serials_sub_in_t s;
	sub_form(r, &s, &bad);
	int64_t sid = 0;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.number", NULL)
	             : serials_subscribe(r->db, r->actor, r->id, &s, &sid, &err);
	answer(r, rc, &err, r->id, s.school_year,
	       rc == 0 ? json_pack("{s:I}", "subscription_id", (json_int_t)sid) : NULL);
}

/*
** POST /serials/issues/:id/receive
** Receive an issue (one click on the grid). Fields: copies (default the subscription's), day
** (the day it came, default today), label (the number printed on it).
*/
void page_serial_receive(web_req_t *r)
{
	int bad = 0;
	int64_t copies = web_parse_int(web_form(r, "copies"), 0, INT64_MIN, INT64_MAX, &bad);
	if (web_form(r, "copies") && *web_form(r, "copies") && copies < 1)
		bad = 1; /* empty: the subscription's copies; a typed 0 is a mistake */
	serials_done_t done = { 0 };
	err_t err;
	const char *label = web_form(r, "label");
	int rc = bad ? err_set(&err, ERR_INVALID, "err.serials.copies", "%d", SERIALS_MAX_COPIES)
	             : serials_receive(r->db, r->actor, r->id, copies, web_form(r, "day"),
	                               label && *label ? label : NULL, &done, &err);
	answer(r, rc, &err, done.title_id, done.school_year,
	       json_pack("{s:I}", "issue_id", (json_int_t)r->id));
}

/*
** POST /serials/issues/:id/undo
** Undo a receipt (not of an issue in a bound volume).
*/
void page_serial_unreceive(web_req_t *r)
{
	serials_done_t done = { 0 };
	err_t err;
	int rc = serials_unreceive(r->db, r->actor, r->id, &done, &err);
	answer(r, rc, &err, done.title_id, done.school_year,
	       json_pack("{s:I}", "issue_id", (json_int_t)r->id));
}

/*
** POST /serials/issues/:id/claim
** Claim a missing issue from its supplier. Fields: day (default today), note.
*/
void page_serial_claim(web_req_t *r)
{
	serials_done_t done = { 0 };
	err_t err;
	int rc = serials_claim(r->db, r->actor, r->id, web_form(r, "day"), web_form(r, "note"), &done, &err);
	answer(r, rc, &err, done.title_id, done.school_year,
	       json_pack("{s:I}", "issue_id", (json_int_t)r->id));
}

/*
** POST /serials/receive
** Receive by scan. Fields: code (the EAN-13 barcode 977..., or the ISSN), day (the date on the
** issue, default today), label (the number on the issue), copies. 303 to the title; JSON
** {ok, title_id, issue_id}. 404 when no title or issue of the school matches.
*/
void page_serials_receive(web_req_t *r)
{
	int bad = 0;
	int64_t copies = web_parse_int(web_form(r, "copies"), 0, INT64_MIN, INT64_MAX, &bad);
	if (web_form(r, "copies") && *web_form(r, "copies") && copies < 1)
		bad = 1;
	serials_done_t done = { 0 };
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.serials.copies", "%d", SERIALS_MAX_COPIES)
	             : serials_receive_scan(r->db, r->actor, web_form(r, "code"), web_form(r, "day"),
	                                    web_form(r, "label"), copies, &done, &err);
	if (rc < 0) {
		int64_t back = web_parse_int(web_form(r, "back"), 0, 0, INT64_MAX, &bad);
		if (bad)
			back = 0;
		if (r->want_json || !back || err.code == ERR_FORBIDDEN)
			return web_fail(r, &err);
		err_t e2;
		json_t *d = title_page(r, back, NULL, &e2);
		if (!d)
			return web_fail(r, &err);
		set_error(r, d, &err);
		return web_render(r, err_http_status(err.code), "serial", d);
	}
	answer(r, 0, &err, done.title_id, done.school_year,
	       json_pack("{s:I}", "issue_id", (json_int_t)done.issue_id));
}

/*
** POST /serials/:id/bind
** Bind the title's received issues from..to (dd/mm/yyyy) into one catalogue copy. Fields:
** from, to, price (đồng, default 0). 303 to the title; JSON {ok, item_id}.
*/
void page_serial_bind(web_req_t *r)
{
	int bad = 0;
	int64_t price = web_parse_int(web_form(r, "price"), 0, INT64_MIN, INT64_MAX, &bad);
	int64_t item = 0;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.price", NULL)
	             : serials_bind(r->db, r->actor, r->id, web_form(r, "from"), web_form(r, "to"), price,
	                            &item, &err);
	answer(r, rc, &err, r->id, web_query(r, "year"), json_pack("{s:I}", "item_id", (json_int_t)item));
}

/*
** GET /serials/claims
** The school's open claims by supplier, to print (the page prints cleanly) or download.
** Parameters: unit=ID, format=xlsx (a workbook) or pdf (A4, to send).
*/
void page_serials_claims(web_req_t *r)
{
	int bad = 0;
	int64_t unit = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	serials_claims_t c;
	err_t err;
	if (serials_claims(r->db, r->actor, unit, r->arena, &c, &err) < 0)
		return web_circ_fail(r, &err, "/serials/claims");
	const char *format = web_query(r, "format");
	if (format && strcmp(format, "xlsx") == 0) {
		buf_t x = BUF_INIT;
		if (serials_claims_xlsx(&c, r->lang, &x, &err) < 0) {
			buf_release(&x);
			return web_fail(r, &err);
		}
		return web_send_file(
		    r, &x, XLSXW_MIME,
		    arena_printf(r->arena, "attachment; filename=\"khieu-nai-bao-%s.xlsx\"", c.school.code));
	}
	if (format && strcmp(format, "pdf") == 0) {
		buf_t x = BUF_INIT;
		if (serials_claims_pdf(r->db, &c, r->lang, &x, &err) < 0) {
			buf_release(&x);
			return web_fail(r, &err);
		}
		return web_send_file(
		    r, &x, "application/pdf",
		    arena_printf(r->arena, "inline; filename=\"khieu-nai-bao-%s.pdf\"", c.school.code));
	}
	if (format && *format && strcmp(format, "html") != 0)
		return web_fail_key(r, 400, "err.serials.format", format);
	json_t *groups = json_array(), *g = NULL, *rows = NULL;
	const char *cur = NULL;
	for (size_t i = 0; i < c.n; i++) {
		const serials_claim_row_t *x = &c.v[i];
		if (!cur || strcmp(cur, x->supplier) != 0) {
			rows = json_array();
			g = json_pack("{s:s, s:o}", "supplier", x->supplier, "rows", rows);
			json_array_append_new(groups, g);
			cur = x->supplier;
		}
		json_array_append_new(rows, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "issue_id",
		                                      (json_int_t)x->issue_id, "periodical_id",
		                                      (json_int_t)x->periodical_id, "title", x->title, "issn",
		                                      x->issn, "expected_vn", day_vn(r, x->expected), "label",
		                                      x->label, "claimed_vn", day_vn(r, x->claimed_day),
		                                      "note", x->note));
	}
	char today[16];
	clock_day_format(clock_today_vn(), today, sizeof today);
	const char *uq = unit ? arena_printf(r->arena, "&unit=%lld", (long long)unit) : "";
	web_render(r, 200, "serials_claims",
	           json_pack("{s:{s:I, s:s, s:s}, s:o, s:I, s:s, s:s, s:s}", "school", "id",
	                     (json_int_t)c.school.id, "code", c.school.code, "name", c.school.name, "groups",
	                     groups, "total", (json_int_t)c.n, "today_vn", day_vn(r, today), "xlsx",
	                     arena_printf(r->arena, "/serials/claims?format=xlsx%s", uq), "pdf",
	                     arena_printf(r->arena, "/serials/claims?format=pdf%s", uq)));
}
