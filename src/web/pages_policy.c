/* pages_policy.c: the loan policy's administration: the rules matrix (reader kind x document
 * type, /circ/rules) and the school's calendar and settings (/circ/calendar). The rules and their
 * checks are in src/circ/policy.c; a page reads its parameters, calls one function, renders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "circ/policy.h"
#include "web/web.h"

static const char *const source_names[] = { "none", "own", "own_any", "default", "default_any" };

/* The unit a page or a form names (unit=ID; absent: the actor's own school, or the defaults). */
static int64_t arg_unit(web_req_t *r, const char *v, int *bad)
{
	return web_parse_int(v, -1, 0, INT64_MAX, bad);
}

/* Where to go back to after a change: the page, with ?unit= when it is not the actor's own. */
static const char *back(web_req_t *r, const char *page, int64_t unit, const char *extra)
{
	bool own =
	    r->actor && (unit == r->actor->unit_id || (unit == 0 && strcmp(r->actor->unit_kind, "school")));
	if (own)
		return extra ? arena_printf(r->arena, "%s?%s", page, extra) : page;
	return arena_printf(r->arena, "%s?unit=%lld%s%s", page, (long long)unit, extra ? "&" : "",
	                    extra ? extra : "");
}

static json_t *rule_json(const circ_rule_cell_t *c, int64_t unit)
{
	const circ_rule_t *x = &c->rule;
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:s, s:b, s:b, s:b}", "kind",
	                 c->patron_kind, "doc_type", c->doc_type, "name", c->doc_type_name, "max_items",
	                 x->max_items, "loan_days", x->loan_days, "renewals", x->renewals, "holds_allowed",
	                 x->holds_allowed, "lent", x->max_items > 0, "source", source_names[c->source], "own",
	                 c->source == CIRC_RULE_OWN, "inherited", c->source != CIRC_RULE_OWN, "resettable",
	                 c->source == CIRC_RULE_OWN && !(unit == 0 && strcmp(c->doc_type, "*") == 0));
}

/*
** GET /circ/rules
** The loan rules matrix: a row per reader kind, a column per document type and "*" (other
** types); each cell the rule in force (max items, loan days, renewals, holds) and whether it is
** the school's own or the default. Parameters:
**    unit=ID     a school of the actor's subtree; 0: the deployment's defaults; absent: the
**                actor's own school (the defaults for accounts above the schools)
**    kind=K&type=T   the cell to edit (its form is shown when the actor may write)
*/
/* The matrix page's data for unit (already resolved), with the edit form of (ek, et) when the
 * actor may write; NULL with err filled on error. */
static json_t *rules_data(web_req_t *r, int64_t unit, const char *ek, const char *et, err_t *err)
{
	circ_rule_cell_t *v;
	size_t n = 0;
	if (circ_rules_matrix(r->db, r->actor, unit, r->lang, r->arena, &v, &n, err) < 0)
		return NULL;
	json_t *kinds = json_array(), *types = json_array(), *edit = NULL;
	size_t per = n / 3;
	for (size_t k = 0; k < 3; k++) {
		json_t *cells = json_array();
		for (size_t t = 0; t < per; t++) {
			const circ_rule_cell_t *c = &v[k * per + t];
			json_t *cell = rule_json(c, unit);
			if (ek && et && !edit && !strcmp(ek, c->patron_kind) && !strcmp(et, c->doc_type))
				edit = json_deep_copy(cell);
			json_array_append_new(cells, cell);
			if (k == 0)
				json_array_append_new(types, json_pack("{s:s, s:s, s:b}", "code", c->doc_type,
				                                       "name", c->doc_type_name, "any",
				                                       !strcmp(c->doc_type, "*")));
		}
		json_array_append_new(
		    kinds, json_pack("{s:s, s:s, s:o}", "kind", circ_patron_kinds[k], "label",
		                     web_t(r, arena_printf(r->arena, "circ.kind.%s", circ_patron_kinds[k])),
		                     "cells", cells));
	}
	bool can = circ_policy_can_write(r->actor, unit);
	json_t *d = json_pack("{s:I, s:b, s:b, s:o, s:o}", "unit", (json_int_t)unit, "defaults", unit == 0,
	                      "can_write", can, "kinds", kinds, "types", types);
	if (edit && can) {
		json_object_set_new(edit, "kind_label",
		                    json_string(web_t(r, arena_printf(r->arena, "circ.kind.%s", ek))));
		json_object_set_new(d, "edit", edit);
	} else if (edit) {
		json_decref(edit);
	}
	return d;
}

/* Put the error of a refused form into a page's data. */
static void set_error(web_req_t *r, json_t *d, const err_t *err)
{
	json_object_set_new(d, "error", json_string(web_t(r, err->key ? err->key : "err.invalid")));
	json_object_set_new(d, "code", json_string(err->key ? err->key : "err.invalid"));
	if (*err->detail)
		json_object_set_new(d, "detail", json_string(err->detail));
}

/* A form's value as typed, or "" (for showing the form again). */
static json_t *typed(web_req_t *r, const char *name)
{
	const char *v = web_form(r, name);
	return json_string(v ? v : "");
}

/* A refused form, answered: a JSON client, a refusal of scope (403, 404) or a page that cannot be
 * built get the error itself; a browser gets the page again with the error and what was typed
 * (fill adds it to the page's data). */
static void refuse(web_req_t *r, int64_t unit, const err_t *err, const char *tmpl,
                   json_t *(*page)(web_req_t *, int64_t, err_t *), void (*fill)(web_req_t *, json_t *))
{
	if (r->want_json || err->code == ERR_FORBIDDEN || err->code == ERR_NOTFOUND)
		return web_fail(r, err);
	err_t e2;
	json_t *d = page(r, unit, &e2);
	if (!d)
		return web_fail(r, err);
	fill(r, d);
	set_error(r, d, err);
	web_render(r, err_http_status(err->code), tmpl, d);
}

/*
** GET /circ/rules
** The loan rules matrix: a row per reader kind, a column per document type and "*" (other
** types); each cell the rule in force (max items, loan days, renewals, holds) and whether it is
** the school's own or the default. Parameters:
**    unit=ID     a school of the actor's subtree; 0: the deployment's defaults; absent: the
**                actor's own school (the defaults for accounts above the schools)
**    kind=K&type=T   the cell to edit (its form is shown when the actor may write)
*/
void page_circ_rules(web_req_t *r)
{
	int bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_query(r, "unit"), &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	json_t *d = NULL;
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0 ||
	    !(d = rules_data(r, unit, web_query(r, "kind"), web_query(r, "type"), &err)))
		return web_fail(r, &err);
	web_render(r, 200, "circ_rules", d);
}

/* The matrix with the posted cell's form, for refuse(). */
static json_t *rules_again(web_req_t *r, int64_t unit, err_t *err)
{
	return rules_data(r, unit, web_form(r, "kind"), web_form(r, "doc_type"), err);
}

static void rules_typed(web_req_t *r, json_t *d)
{
	json_t *edit = json_object_get(d, "edit");
	if (!edit)
		return;
	json_object_set_new(edit, "max_items", typed(r, "max_items"));
	json_object_set_new(edit, "loan_days", typed(r, "loan_days"));
	json_object_set_new(edit, "renewals", typed(r, "renewals"));
	const char *h = web_form(r, "holds_allowed");
	json_object_set_new(edit, "holds_allowed", json_boolean(h && *h && strcmp(h, "0") != 0));
}

/*
** POST /circ/rules
** Set one cell. Fields: unit (as GET; absent: the actor's school), kind (student, teacher,
** staff), doc_type (a type's code or *), max_items (0..100), loan_days (1..365), renewals
** (0..10), holds_allowed (1; absent: no). The school's librarian, or a sysadmin for unit=0.
*/
void page_circ_rule_set(web_req_t *r)
{
	int bad_unit = 0, bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_form(r, "unit"), &bad_unit);
	circ_rule_t x = { 0 };
	x.max_items = (int)web_parse_int(web_form(r, "max_items"), -1, -1000000, 1000000, &bad);
	x.loan_days = (int)web_parse_int(web_form(r, "loan_days"), -1, -1000000, 1000000, &bad);
	x.renewals = (int)web_parse_int(web_form(r, "renewals"), -1, -1000000, 1000000, &bad);
	x.holds_allowed = web_parse_int(web_form(r, "holds_allowed"), 0, 0, 1, &bad) == 1;
	if (bad_unit)
		return web_fail_key(r, 400, "err.number", NULL);
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0)
		return web_fail(r, &err);
	if (bad)
		err_set(&err, ERR_INVALID, "err.number", NULL);
	if (bad ||
	    circ_rule_set(r->db, r->actor, unit, web_form(r, "kind"), web_form(r, "doc_type"), &x, &err) < 0)
		return refuse(r, unit, &err, "circ_rules", rules_again, rules_typed);
	web_redirect(r, back(r, "/circ/rules", unit, NULL));
}

/*
** POST /circ/rules/reset
** Remove the school's own rule of a cell (unit 0: a default type row), so the next one in
** order applies. Fields: unit, kind, doc_type.
*/
void page_circ_rule_reset(web_req_t *r)
{
	int bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_form(r, "unit"), &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0 ||
	    circ_rule_reset(r->db, r->actor, unit, web_form(r, "kind"), web_form(r, "doc_type"), &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, back(r, "/circ/rules", unit, NULL));
}

/* "31/12/2026" (or "2026-12-31", as a date input sends it) -> a day number; -1 if not. */
static int parse_day(const char *s, int64_t *day)
{
	if (!s)
		return -1;
	int d, m, y, k = 0;
	if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &k) == 3 && (size_t)k == strlen(s) && y >= 1900) {
		char iso[40];
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
		return clock_day_parse(iso, day);
	}
	return clock_day_parse(s, day);
}

static json_t *settings_json(web_req_t *r, const circ_settings_t *s)
{
	json_t *days = json_array();
	static const int order[7] = { 1, 2, 3, 4, 5, 6, 0 }; /* Monday first, as Vietnamese calendars */
	for (int i = 0; i < 7; i++)
		json_array_append_new(days,
		                      json_pack("{s:i, s:s, s:b}", "n", order[i], "name",
		                                web_t(r, arena_printf(r->arena, "circ.wday.%d", order[i])),
		                                "closed", s->closed_wday[order[i]]));
	return json_pack("{s:o, s:s, s:i, s:i, s:b, s:I}", "weekdays", days, "year_end",
	                 arena_printf(r->arena, "%02d/%02d", s->year_end_day, s->year_end_month), "hold_days",
	                 s->hold_days, "hold_expiry_days", s->hold_expiry_days, "block_overdue",
	                 s->block_overdue, "fine_per_day", (json_int_t)s->fine_per_day);
}

/*
** GET /circ/calendar
** The school's circulation settings and its closed days of a school year: the national holidays
** (read-only for schools) and the school's own breaks, with "a loan made today for 14 days is
** due on ...". Parameters: unit (as /circ/rules; 0: the national holidays, for a sysadmin to
** manage), year=2026 (the school year 2026-2027; default the current one).
*/
/* The calendar page's data for unit (already resolved) and the school year starting in `year`;
 * NULL with err filled on error. */
static json_t *calendar_data(web_req_t *r, int64_t unit, int year, err_t *err)
{
	int64_t today = clock_today_vn(), due;
	circ_settings_t s;
	circ_closed_t *v;
	size_t n = 0;
	if (circ_closed_list(r->db, r->actor, unit, year, r->arena, &v, &n, err) < 0 ||
	    circ_settings_get(r->db, unit, &s, err) < 0 ||
	    circ_due_day(r->db, unit, &s, today, 14, &due, err) < 0)
		return NULL;
	bool can = circ_policy_can_write(r->actor, unit);
	json_t *days = json_array();
	for (size_t i = 0; i < n; i++) {
		char f[16], l[16];
		clock_day_vn(v[i].first, f, sizeof f);
		clock_day_vn(v[i].last, l, sizeof l);
		bool national = v[i].unit_id == 0;
		json_array_append_new(
		    days, json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:b}", "id", (json_int_t)v[i].id, "first",
		                    f, "last", l, "name", v[i].name, "national", national, "one_day",
		                    strcmp(f, l) == 0, "removable", can && (national == (unit == 0))));
	}
	char due_iso[16], due_vn[16], today_iso[16], today_vn[16];
	clock_day_format(due, due_iso, sizeof due_iso);
	clock_day_vn(due_iso, due_vn, sizeof due_vn);
	clock_day_format(today, today_iso, sizeof today_iso);
	clock_day_vn(today_iso, today_vn, sizeof today_vn);
	json_t *d = json_pack("{s:I, s:b, s:b, s:i, s:s, s:i, s:i, s:o, s:s, s:s, s:b}", "unit",
	                      (json_int_t)unit, "defaults", unit == 0, "can_write", can, "year", year,
	                      "year_label", arena_printf(r->arena, "%d-%d", year, year + 1), "prev_year",
	                      year - 1, "next_year", year + 1, "closed_days", days, "today", today_vn,
	                      "due_14", due_vn, "fines_enabled", g_config.fines_enabled != 0);
	json_object_set_new(d, "prev_label", json_string(arena_printf(r->arena, "%d-%d", year - 1, year)));
	json_object_set_new(d, "next_label",
	                    json_string(arena_printf(r->arena, "%d-%d", year + 1, year + 2)));
	if (unit)
		json_object_set_new(d, "settings", settings_json(r, &s));
	return d;
}

/*
** GET /circ/calendar
** The school's circulation settings and its closed days of a school year: the national holidays
** (read-only for schools) and the school's own breaks, with "a loan made today for 14 days is
** due on ...". Parameters: unit (as /circ/rules; 0: the national holidays, for a sysadmin to
** manage), year=2026 (the school year 2026-2027; default the current one).
*/
void page_circ_calendar(web_req_t *r)
{
	int bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_query(r, "unit"), &bad);
	int year =
	    (int)web_parse_int(web_query(r, "year"), circ_school_year_of(clock_today_vn()), 1900, 2199, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	json_t *d = NULL;
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0 ||
	    !(d = calendar_data(r, unit, year, &err)))
		return web_fail(r, &err);
	web_render(r, 200, "circ_calendar", d);
}

/* The calendar of the current school year, for refuse(). */
static json_t *calendar_again(web_req_t *r, int64_t unit, err_t *err)
{
	return calendar_data(r, unit, circ_school_year_of(clock_today_vn()), err);
}

/* The settings form as typed. */
static void settings_typed(web_req_t *r, json_t *d)
{
	json_t *s = json_object_get(d, "settings");
	if (!s)
		return;
	size_t i;
	json_t *day;
	json_array_foreach(json_object_get(s, "weekdays"), i, day)
	{
		char name[32];
		snprintf(name, sizeof name, "closed_%d", (int)json_integer_value(json_object_get(day, "n")));
		const char *v = web_form(r, name);
		json_object_set_new(day, "closed", json_boolean(v && *v && strcmp(v, "0") != 0));
	}
	static const char *const fields[] = { "year_end", "hold_days", "hold_expiry_days", "fine_per_day" };
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
		json_object_set_new(s, fields[i], typed(r, fields[i]));
	const char *b = web_form(r, "block_overdue");
	json_object_set_new(s, "block_overdue", json_boolean(b && *b && strcmp(b, "0") != 0));
}

/* The closed-days form as typed. */
static void closed_typed(web_req_t *r, json_t *d)
{
	json_object_set_new(d, "closed_form",
	                    json_pack("{s:o, s:o, s:o}", "first", typed(r, "first"), "last", typed(r, "last"),
	                              "name", typed(r, "name")));
}

/*
** POST /circ/calendar/settings
** Store the school's settings. Fields: unit; closed_0 .. closed_6 (1: the library is closed that
** weekday, 0 = Sunday); year_end (dd/mm); hold_days (1..60); hold_expiry_days (1..365);
** block_overdue (1; absent: no); fine_per_day (đồng, only when the deployment has fines on).
*/
void page_circ_settings(web_req_t *r)
{
	int bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_form(r, "unit"), &bad);
	circ_settings_t s;
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0 ||
	    circ_settings_get(r->db, unit, &s, &err) < 0)
		return web_fail(r, &err);
	for (int i = 0; i < 7; i++) {
		char name[32];
		snprintf(name, sizeof name, "closed_%d", i);
		s.closed_wday[i] = web_parse_int(web_form(r, name), 0, 0, 1, &bad) == 1;
	}
	s.hold_days = (int)web_parse_int(web_form(r, "hold_days"), s.hold_days, -1000000, 1000000, &bad);
	s.hold_expiry_days =
	    (int)web_parse_int(web_form(r, "hold_expiry_days"), s.hold_expiry_days, -1000000, 1000000, &bad);
	s.block_overdue = web_parse_int(web_form(r, "block_overdue"), 0, 0, 1, &bad) == 1;
	s.fine_per_day = web_parse_int(web_form(r, "fine_per_day"), s.fine_per_day, -1, INT64_MAX / 2, &bad);
	const char *ye = web_form(r, "year_end");
	int rc = 0;
	if (ye && *ye) {
		int d = 0, m = 0, k = 0;
		if (sscanf(ye, "%2d/%2d%n", &d, &m, &k) != 2 || (size_t)k != strlen(ye))
			rc = err_set(&err, ERR_INVALID, "err.circ.year_end", NULL);
		s.year_end_day = d;
		s.year_end_month = m;
	}
	if (rc == 0 && bad)
		rc = err_set(&err, ERR_INVALID, "err.number", NULL);
	if (rc < 0 || circ_settings_set(r->db, r->actor, unit, &s, &err) < 0)
		return refuse(r, unit, &err, "circ_calendar", calendar_again, settings_typed);
	web_redirect(r, back(r, "/circ/calendar", unit, NULL));
}

/*
** POST /circ/calendar/closed
** Add closed days. Fields: unit (0: a national holiday, sysadmin only), first and last
** (dd/mm/yyyy or yyyy-mm-dd; last absent: one day), name.
*/
void page_circ_closed_add(web_req_t *r)
{
	int bad = 0;
	err_t err;
	int64_t unit = arg_unit(r, web_form(r, "unit"), &bad), first = 0, last = 0, id;
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	if (circ_policy_unit(r->db, r->actor, unit, &unit, &err) < 0)
		return web_fail(r, &err);
	const char *ff = web_form(r, "first"), *lf = web_form(r, "last");
	int rc = 0;
	if (parse_day(ff, &first) < 0)
		rc = err_set(&err, ERR_INVALID, "err.circ.day", "%.40s", ff ? ff : "");
	else if (!lf || !*lf)
		last = first;
	else if (parse_day(lf, &last) < 0)
		rc = err_set(&err, ERR_INVALID, "err.circ.day", "%.40s", lf);
	if (rc < 0 || circ_closed_add(r->db, r->actor, unit, first, last, web_form(r, "name"), &id, &err) < 0)
		return refuse(r, unit, &err, "circ_calendar", calendar_again, closed_typed);
	web_redirect(r, back(r, "/circ/calendar", unit,
	                     arena_printf(r->arena, "year=%d", circ_school_year_of(first))));
}

/*
** POST /circ/calendar/closed/:id/delete
** Remove closed days: a school's break by its librarian, a national holiday by a sysadmin.
** Another school's id is 404.
*/
void page_circ_closed_remove(web_req_t *r)
{
	err_t err;
	int64_t unit = 0;
	if (circ_closed_remove(r->db, r->actor, r->id, &unit, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, back(r, "/circ/calendar", unit, NULL));
}
