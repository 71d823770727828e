/* pages_exchange.c: data exchange with the education sector database: the imports of units and
 * of enrolment (upload, preview with the column mapping, commit: the file waits in kept.c between
 * the steps, as the class-list import's does), a school's enrolment form, API tokens, and the
 * read-only JSON API (/api/v1/..., Bearer tokens: server.c authenticates them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "exchange/exchange.h"
#include "indicators/indicators.h"
#include "web/web.h"

#define MAX_SHOWN 300 /* rows shown on a preview */

static xchg_kind_t kind_of(web_req_t *r)
{
	return strncmp(r->path, "/exchange/units", 15) == 0 ? XK_UNITS : XK_ENROLMENT;
}

static const char *kept_kind(xchg_kind_t k)
{
	return k == XK_UNITS ? "xunits" : "xenrol";
}

/* Who may open the import pages (the domain checks again on every preview and commit). */
static bool may_import(const web_req_t *r, xchg_kind_t k)
{
	if (actor_is_admin(r->actor))
		return true;
	return k == XK_ENROLMENT && (r->actor->role == ROLE_LIBRARIAN || r->actor->role == ROLE_LEADER);
}

static const char *action_name(xchg_action_t a)
{
	return a == XA_CREATE ? "create" : a == XA_UPDATE ? "update" : a == XA_SAME ? "same" : "error";
}

static json_t *base_json(web_req_t *r, xchg_kind_t k)
{
	return json_pack("{s:s, s:s, s:b}", "kind", xchg_kind_name(k), "title",
	                 web_t(r, k == XK_UNITS ? "xchg.units.title" : "xchg.enrol.title"), "is_units", k == XK_UNITS);
}

static json_t *result_json(web_req_t *r, xchg_kind_t k, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                           const xchg_result_t *res)
{
	json_t *d = base_json(r, k);
	json_t *fields = json_array();
	for (int f = 0; f < xchg_nfields(k); f++) {
		json_t *opts = json_array();
		json_array_append_new(opts, json_pack("{s:i, s:s, s:b}", "index", -1, "header", web_t(r, "pimport.none"),
		                                      "selected", map[f] < 0));
		for (size_t c = 0; c < t->ncols; c++)
			json_array_append_new(opts, json_pack("{s:i, s:s, s:b}", "index", (int)c, "header",
			                                      *t->headers[c] ? t->headers[c] : "?", "selected",
			                                      map[f] == (int)c));
		const char *name = xchg_field_name(k, f);
		json_array_append_new(fields, json_pack("{s:s, s:s, s:i, s:s, s:o}", "field", name, "label",
		                                        web_t(r, arena_printf(r->arena, "xchg.f.%s", name)), "column",
		                                        map[f], "header", map[f] >= 0 ? t->headers[map[f]] : "",
		                                        "options", opts));
	}
	json_t *rows = json_array(), *errors = json_array();
	size_t shown = 0;
	for (size_t i = 0; i < res->nrows; i++) {
		const xchg_row_t *x = &res->rows[i];
		if (x->action == XA_ERROR) {
			json_array_append_new(errors, json_pack("{s:I, s:s, s:s, s:s, s:s}", "line", (json_int_t)x->line,
			                                        "code", x->code ? x->code : "", "key", x->key, "reason",
			                                        web_t(r, x->key), "detail", x->detail ? x->detail : ""));
			continue;
		}
		if (x->action == XA_SAME || shown++ >= MAX_SHOWN)
			continue;
		json_array_append_new(
		    rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "line", (json_int_t)x->line, "action",
		                    action_name(x->action), "action_label",
		                    web_t(r, arena_printf(r->arena, "pimport.action.%s", action_name(x->action))), "code",
		                    x->code ? x->code : "", "label", x->label ? x->label : "", "changes",
		                    x->changes ? x->changes : ""));
	}
	json_object_set_new(d, "format", json_string(t->format));
	json_object_set_new(d, "header_line", json_integer(t->header_line));
	json_object_set_new(d, "rows_read", json_integer((json_int_t)t->nrows));
	json_object_set_new(d, "fields", fields);
	json_object_set_new(d, "created", json_integer(res->created));
	json_object_set_new(d, "updated", json_integer(res->updated));
	json_object_set_new(d, "unchanged", json_integer(res->unchanged));
	json_object_set_new(d, "errors", json_integer(res->errors));
	json_object_set_new(d, "rows", rows);
	json_object_set_new(d, "error_rows", errors);
	json_object_set_new(d, "has_errors", json_boolean(res->errors > 0));
	json_object_set_new(d, "has_rows", json_boolean(json_array_size(rows) > 0));
	json_object_set_new(d, "nothing", json_boolean(res->created + res->updated == 0));
	return d;
}

static void form_error(web_req_t *r, xchg_kind_t k, const err_t *err)
{
	if (r->want_json)
		return web_fail(r, err);
	json_t *d = base_json(r, k);
	json_object_set_new(d, "error", json_string(web_t(r, err->key)));
	if (*err->detail)
		json_object_set_new(d, "detail", json_string(err->detail));
	web_render(r, err_http_status(err->code), "exchange_import", d);
}

/* The mapping the form sends: map_<field>=column index (-1: none). -1 after a 400. */
static int form_mapping(web_req_t *r, xchg_kind_t k, const xchg_table_t *t, int map[XCHG_MAX_FIELDS])
{
	for (int f = 0; f < XCHG_MAX_FIELDS; f++)
		map[f] = -1;
	for (int f = 0; f < xchg_nfields(k); f++) {
		const char *v = web_form(r, arena_printf(r->arena, "map_%s", xchg_field_name(k, f)));
		int bad = 0;
		int64_t c = web_parse_int(v, -1, -1, 100000, &bad);
		if (bad || c >= (int64_t)t->ncols) {
			web_fail_key(r, 400, "err.pimport.mapping", NULL);
			return -1;
		}
		map[f] = (int)c;
	}
	return 0;
}

static int check(web_req_t *r, xchg_kind_t k, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                 xchg_result_t *res, err_t *err)
{
	return k == XK_UNITS ? xchg_units_check(r->db, r->actor, t, map, r->arena, res, err)
	                     : xchg_enrolment_check(r->db, r->actor, t, map, r->arena, res, err);
}

static void preview(web_req_t *r, xchg_kind_t k, const char *data, size_t len, const char *token,
                    const char *filename, bool from_form)
{
	xchg_table_t t;
	int map[XCHG_MAX_FIELDS];
	bool remembered = false;
	err_t err;
	if (xchg_table_read(k, data, len, r->arena, &t, &err) < 0)
		return form_error(r, k, &err);
	if (from_form) {
		if (form_mapping(r, k, &t, map) < 0)
			return;
	} else {
		xchg_mapping_guess(k, &t, map);
		if (xchg_mapping_load(r->db, r->actor, k, &t, map, &remembered, &err) < 0)
			return web_fail(r, &err);
	}
	xchg_result_t res;
	json_t *d;
	if (check(r, k, &t, map, &res, &err) < 0) {
		if (err.code != ERR_INVALID)
			return web_fail(r, &err);
		memset(&res, 0, sizeof res); /* a required column unmapped: the selects again */
		d = result_json(r, k, &t, map, &res);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "detail", json_string(err.detail));
		json_object_set_new(d, "code", json_string(err.key));
		json_object_set_new(d, "nothing", json_true());
	} else {
		d = result_json(r, k, &t, map, &res);
	}
	json_object_set_new(d, "token", json_string(token));
	json_object_set_new(d, "remembered", json_boolean(remembered));
	if (filename)
		json_object_set_new(d, "filename", json_string(filename));
	web_render(r, 200, "exchange_preview", d);
}

/*
** GET /exchange/units, GET /exchange/enrolment
** The upload form. Units: admins; enrolment: admins, a school's librarian or leader.
*/
void page_xchg_form(web_req_t *r)
{
	xchg_kind_t k = kind_of(r);
	if (!may_import(r, k))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	web_render(r, 200, "exchange_import", base_json(r, k));
}

/*
** POST /exchange/units, POST /exchange/enrolment   (multipart/form-data: file=FILE)
** Reads the file (CSV, XLSX, JSON), guesses or recalls the mapping, previews. Writes nothing.
*/
void page_xchg_upload(web_req_t *r)
{
	xchg_kind_t k = kind_of(r);
	err_t err;
	if (!may_import(r, k))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	const web_file_t *f = web_file(r, "file");
	if (!f || !f->len) {
		err_set(&err, ERR_INVALID, "err.import.nofile", NULL);
		return form_error(r, k, &err);
	}
	char token[WEB_KEPT_TOKEN + 1];
	if (web_kept_put(r, kept_kind(k), NULL, f->data, f->len, token, &err) < 0)
		return web_fail(r, &err);
	preview(r, k, f->data, f->len, token, f->filename, false);
}

static int kept(web_req_t *r, xchg_kind_t k, bool claim, const char **data, size_t *len, err_t *err)
{
	const char *token = web_form(r, "token");
	char *buf = NULL;
	int rc = web_kept_get(r, kept_kind(k), token ? token : "", claim, NULL, &buf, len, err);
	if (rc == 0) {
		char *copy = arena_alloc(r->arena, *len + 1);
		memcpy(copy, buf, *len + 1);
		*data = copy;
	}
	free(buf);
	return rc;
}

/*
** POST /exchange/units/preview, POST /exchange/enrolment/preview
** Fields: token, map_<field>=column. The preview again with the mapping chosen.
*/
void page_xchg_preview(web_req_t *r)
{
	xchg_kind_t k = kind_of(r);
	err_t err;
	const char *data;
	size_t len;
	if (!may_import(r, k))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	if (kept(r, k, false, &data, &len, &err) < 0)
		return form_error(r, k, &err);
	preview(r, k, data, len, web_form(r, "token"), NULL, true);
}

/*
** POST /exchange/units/commit, POST /exchange/enrolment/commit
** Fields: token, map_<field>=column. Writes everything or nothing (any row with an error:
** 422 and the errors), remembers the mapping, and reports the counts.
*/
void page_xchg_commit(web_req_t *r)
{
	xchg_kind_t k = kind_of(r);
	err_t err;
	const char *data;
	size_t len;
	xchg_table_t t;
	int map[XCHG_MAX_FIELDS];
	xchg_result_t res;
	if (!may_import(r, k))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	if (kept(r, k, false, &data, &len, &err) < 0)
		return form_error(r, k, &err);
	if (xchg_table_read(k, data, len, r->arena, &t, &err) < 0)
		return form_error(r, k, &err);
	if (form_mapping(r, k, &t, map) < 0)
		return;
	int rc = k == XK_UNITS ? xchg_units_commit(r->db, r->actor, &t, map, r->arena, &res, &err)
	                       : xchg_enrolment_commit(r->db, r->actor, &t, map, r->arena, &res, &err);
	if (rc < 0 && !(err.key && !strcmp(err.key, "err.xchg.has_errors") && res.nrows))
		return web_fail(r, &err);
	json_t *d = result_json(r, k, &t, map, &res);
	if (rc < 0) {
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "code", json_string(err.key));
		json_object_set_new(d, "token", json_string(web_form(r, "token")));
		json_object_set_new(d, "nothing", json_true());
		return web_render(r, 422, "exchange_preview", d);
	}
	const char *ignored;
	char *buf = NULL;
	size_t blen;
	err_t e2;
	if (web_kept_get(r, kept_kind(k), web_form(r, "token"), true, &ignored, &buf, &blen, &e2) == 0)
		free(buf);
	json_object_set_new(d, "written", json_boolean(res.written));
	web_render(r, 200, "exchange_done", d);
}

/* --- the enrolment form ---------------------------------------------------------------------------- */

static json_t *enrolment_json(web_req_t *r, int64_t unit_id, err_t *err, int *rc)
{
	xchg_enrolment_t *v;
	size_t n;
	*rc = xchg_enrolment_list(r->db, r->actor, unit_id, r->arena, &v, &n, err);
	if (*rc < 0)
		return NULL;
	json_t *years = json_array();
	for (size_t i = 0; i < n; i++) {
		char when[32];
		clock_format_vn(v[i].updated_at, 1, when, sizeof when);
		json_array_append_new(years, json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s}", "school_year",
		                                       v[i].school_year, "pupils", (json_int_t)v[i].pupils,
		                                       "teachers", (json_int_t)v[i].teachers, "classes",
		                                       (json_int_t)v[i].classes, "source", v[i].source, "source_label",
		                                       web_t(r, arena_printf(r->arena, "xchg.source.%s", v[i].source)),
		                                       "updated", when));
	}
	char year[16];
	snprintf(year, sizeof year, "%s", n ? v[0].school_year : "");
	err_t e2;
	bool can = xchg_enrolment_may_write(r->db, r->actor, unit_id, &e2) == 0;
	if (!n) { /* the current school year, from 1 August */
		int64_t today = clock_today_vn();
		int y, m, dd;
		clock_civil_from_days(today, &y, &m, &dd);
		snprintf(year, sizeof year, "%d-%d", m >= 8 ? y : y - 1, m >= 8 ? y + 1 : y);
	}
	return json_pack("{s:I, s:o, s:b, s:b, s:s}", "unit_id", (json_int_t)unit_id, "years", years, "has_years",
	                 n > 0, "can_write", can, "year", year);
}

/*
** GET /units/:id/enrolment
** A school's pupils, teachers and classes per school year, and the form to enter or correct a year
** (its librarian or leader, an admin above).
*/
void page_enrolment(web_req_t *r)
{
	err_t err;
	int rc;
	json_t *d = enrolment_json(r, r->id, &err, &rc);
	if (!d)
		return web_fail(r, &err);
	web_render(r, 200, "enrolment", d);
}

/*
** POST /units/:id/enrolment
** Fields: school_year, pupils, teachers, classes. Saved with source "form"; audited.
*/
void page_enrolment_set(web_req_t *r)
{
	err_t err;
	if (xchg_enrolment_set(r->db, r->actor, r->id, web_form(r, "school_year"), web_form(r, "pupils"),
	                       web_form(r, "teachers"), web_form(r, "classes"), &err) < 0) {
		if (r->want_json || err.code != ERR_INVALID)
			return web_fail(r, &err);
		int rc;
		err_t e2;
		json_t *d = enrolment_json(r, r->id, &e2, &rc);
		if (!d)
			return web_fail(r, &e2);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "detail", json_string(err.detail));
		return web_render(r, 422, "enrolment", d);
	}
	web_redirect(r, arena_printf(r->arena, "/units/%lld/enrolment", (long long)r->id));
}

/* --- API tokens -------------------------------------------------------------------------------------- */

static void tokens_page(web_req_t *r, int status, json_t *extra)
{
	err_t err;
	xchg_token_t *v;
	size_t n;
	if (xchg_token_list(r->db, r->actor, r->arena, &v, &n, &err) < 0) {
		json_decref(extra);
		return web_fail(r, &err);
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		char c[32], u[32] = "";
		clock_format_vn(v[i].created_at, 1, c, sizeof c);
		if (v[i].last_used_at)
			clock_format_vn(v[i].last_used_at, 1, u, sizeof u);
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)v[i].id,
		                                      "name", v[i].name, "unit_code", v[i].unit_code, "unit_name",
		                                      v[i].unit_name, "created_by", v[i].created_by, "created", c,
		                                      "last_used", u, "revoked", v[i].revoked_at != 0));
	}
	/* the units a token may read: the actor's subtree */
	json_t *units = json_array();
	db_stmt_t *st = db_query(r->db, &err, "SELECT id, code, name FROM units WHERE path >= ? AND path < ? ORDER BY path",
	                         "ss", r->actor->unit_path, actor_path_end(r->arena, r->actor->unit_path));
	while (st && db_step(st, &err) == DB_ROW)
		json_array_append_new(units, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)db_col_int(st, 0), "code",
		                                       db_col_text(st, 1), "name", db_col_text(st, 2)));
	db_done(st);
	json_t *d = json_pack("{s:o, s:o, s:b}", "tokens", list, "units", units, "has_tokens", n > 0);
	if (extra)
		json_object_update(d, extra);
	json_decref(extra);
	web_render(r, status, "api_tokens", d);
}

/*
** GET /api-tokens
** The API tokens of the admin's subtree: name, unit, created, last used, state; the form to create.
*/
void page_api_tokens(web_req_t *r)
{
	if (!actor_is_admin(r->actor))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	tokens_page(r, 200, NULL);
}

/*
** POST /api-tokens
** Fields: unit_id, name. Creates a token and shows it once (it is never shown again).
*/
void page_api_token_create(web_req_t *r)
{
	err_t err;
	int bad = 0;
	int64_t unit = web_parse_int(web_form(r, "unit_id"), r->actor->unit_id, 1, INT64_MAX, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.unit.notfound", NULL);
	char token[XCHG_TOKEN_LEN + 1];
	int64_t id;
	if (xchg_token_create(r->db, r->actor, unit, web_form(r, "name"), token, &id, &err) < 0) {
		if (r->want_json || err.code != ERR_INVALID)
			return web_fail(r, &err);
		return tokens_page(r, 422, json_pack("{s:s}", "error", web_t(r, err.key)));
	}
	web_add_header(r, "Cache-Control", "no-store");
	tokens_page(r, 201, json_pack("{s:s, s:I}", "token", token, "token_id", (json_int_t)id));
}

/*
** POST /api-tokens/:id/revoke
** Revokes the token: its next request gets 401.
*/
void page_api_token_revoke(web_req_t *r)
{
	err_t err;
	if (xchg_token_revoke(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, "/api-tokens");
}

/* --- the JSON API ------------------------------------------------------------------------------------ */

/*
** GET /api/v1/units   (Authorization: Bearer TOKEN)
** The token's unit and its subtree (docs/API.md).
*/
void page_api_units(web_req_t *r)
{
	err_t err;
	xchg_unit_t *v;
	size_t n;
	if (xchg_units_list(r->db, r->actor, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:b}", "code", v[i].code, "name",
		                                      v[i].name, "kind", v[i].kind, "school_level",
		                                      *v[i].level ? v[i].level : NULL, "ownership", v[i].ownership,
		                                      "parent_code", *v[i].parent_code ? v[i].parent_code : NULL,
		                                      "active", v[i].active));
	web_json(r, 200, json_pack("{s:s, s:I, s:o}", "unit", r->actor->unit_code, "count", (json_int_t)n, "units", list));
}

/*
** GET /api/v1/stats?unit=CODE&year=2025-2026[&from=2025-09&to=2025-12 | &from=hk1][&format=csv]
** (Authorization: Bearer TOKEN) Every indicator of the unit (default: the token's) for the
** period, and one entry per child unit (docs/API.md). A unit outside the token's subtree answers
** as a missing one.
*/
void page_api_stats(web_req_t *r)
{
	err_t err;
	int64_t unit_id = r->actor->unit_id;
	const char *code = web_query(r, "unit");
	if (code && *code) {
		unit_t u;
		if (units_get_by_code(r->db, code, r->arena, &u, &err) < 0)
			return web_fail(r, &err);
		unit_id = u.id;
	}
	ind_period_t p;
	if (indicators_period(web_query(r, "year"), web_query(r, "from"), web_query(r, "to"), &p, &err) < 0)
		return web_fail(r, &err);
	ind_report_t rep;
	if (indicators_report(r->db, r->actor, unit_id, &p, true, r->arena, &rep, &err) < 0)
		return web_fail(r, &err);
	const char *format = web_query(r, "format");
	if (format && strcmp(format, "csv") == 0) {
		indicators_report_csv(&rep, &r->body);
		r->status = 200;
		r->content_type = "text/csv; charset=utf-8";
		return;
	}
	web_json(r, 200, indicators_report_json(&rep));
}
