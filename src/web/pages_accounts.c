/* pages_accounts.c: the account administration pages of unit admins (requirement M11).
 * Every rule is in accounts.c; these handlers parse, call, render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "base/clock.h"
#include "base/config.h"
#include "units/units.h"
#include "web/web.h"

static json_t *time_json(int64_t t)
{
	if (!t)
		return json_null();
	char s[32];
	clock_format_vn(t, 1, s, sizeof s);
	return json_string(s);
}

static json_t *account_json(web_req_t *r, const account_t *a)
{
	char key[48];
	snprintf(key, sizeof key, "role.%s", role_name(a->role));
	int locked = a->locked_until > clock_now();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:o}", "id",
	                 (json_int_t)a->id, "username", a->username, "full_name", a->full_name, "role",
	                 role_name(a->role), "role_label", web_t(r, key), "unit_id", (json_int_t)a->unit_id,
	                 "unit_code", a->unit_code, "unit_name", a->unit_name, "disabled", a->disabled,
	                 "must_change_password", a->must_change_password, "locked", locked, "locked_until",
	                 locked ? time_json(a->locked_until) : json_null(), "last_login",
	                 time_json(a->last_login), "created_at", time_json(a->created_at));
}

/*
** GET /accounts
** The accounts of the admin's subtree. Parameters:
**    unit=ID     only this unit's accounts
**    q=TEXT      part of the user name or full name (marks and case ignored)
**    page=N      page number, 50 a page
*/
void page_accounts(web_req_t *r)
{
	account_filter_t f = { 0 };
	f.unit_id = web_query_int(r, "unit", 0);
	f.q = web_query(r, "q");
	f.limit = 50;
	int64_t page = web_query_int(r, "page", 1);
	if (page < 1 || page > 100000)
		page = 1;
	f.offset = (int)((page - 1) * f.limit);
	account_t *v;
	size_t n;
	int64_t total;
	err_t err;
	if (accounts_list(r->db, r->actor, &f, r->arena, &v, &n, &total, &err) < 0)
		return web_fail(r, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, account_json(r, &v[i]));
	json_t *d = json_pack("{s:o, s:I, s:I, s:s}", "accounts", list, "total", (json_int_t)total, "page",
	                      (json_int_t)page, "q", f.q ? f.q : "");
	if (page > 1)
		json_object_set_new(d, "prev", json_integer(page - 1));
	if (page * f.limit < total)
		json_object_set_new(d, "next", json_integer(page + 1));
	if (f.unit_id)
		json_object_set_new(d, "unit", json_integer(f.unit_id));
	web_render(r, 200, "accounts", d);
}

/* The units and roles an admin may choose from in the create form. */
static json_t *form_choices(web_req_t *r, err_t *err)
{
	unit_t *u;
	size_t n;
	if (units_list_subtree(r->db, r->actor, 0, r->arena, &u, &n, err) < 0)
		return NULL;
	json_t *units = json_array();
	for (size_t i = 0; i < n; i++) {
		char *label = arena_printf(r->arena, "%*s%s (%s)", 2 * u[i].depth, "", u[i].name, u[i].code);
		json_array_append_new(units, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u[i].id, "label",
		                                       label, "kind", u[i].kind));
	}
	json_t *roles = json_array();
	for (int role = 0; role < ROLE__COUNT; role++) {
		if (role == ROLE_SYSADMIN && r->actor->role != ROLE_SYSADMIN)
			continue;
		char key[48];
		snprintf(key, sizeof key, "role.%s", role_name((role_t)role));
		json_array_append_new(
		    roles, json_pack("{s:s, s:s}", "value", role_name((role_t)role), "label", web_t(r, key)));
	}
	return json_pack("{s:o, s:o, s:i}", "units", units, "roles", roles, "min_length",
	                 g_config.password_min_length);
}

/*
** GET /accounts/new
** The form to create an account. Parameters:
**    unit=ID    the unit chosen at first
*/
void page_account_new(web_req_t *r)
{
	err_t err;
	if (!actor_is_admin(r->actor))
		return web_fail_key(r, 403, "err.forbidden", NULL);
	json_t *d = form_choices(r, &err);
	if (!d)
		return web_fail(r, &err);
	json_object_set_new(d, "unit", json_integer(web_query_int(r, "unit", 0)));
	web_render(r, 200, "account_new", d);
}

/*
** POST /accounts
** Fields: unit_id, username, full_name, role, password. Creates the account, which must change
** its password at first login. 303 to the new account's page; JSON: 201 {"account":{...}}.
*/
void page_account_create(web_req_t *r)
{
	account_new_t in = { 0 };
	const char *unit = web_form(r, "unit_id");
	in.unit_id = unit ? strtoll(unit, NULL, 10) : 0;
	in.username = web_form(r, "username");
	in.full_name = web_form(r, "full_name");
	in.role = web_form(r, "role");
	in.password = web_form(r, "password");
	in.must_change = 1;
	int64_t id;
	err_t err;
	if (accounts_create(r->db, r->actor, &in, r->ip, &id, &err) < 0) {
		if (r->want_json || err.code == ERR_FORBIDDEN || err.code == ERR_NOTFOUND)
			return web_fail(r, &err);
		err_t e2;
		json_t *d = form_choices(r, &e2);
		if (!d)
			return web_fail(r, &e2);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "unit", json_integer(in.unit_id));
		json_object_set_new(d, "username", json_string(in.username ? in.username : ""));
		json_object_set_new(d, "full_name", json_string(in.full_name ? in.full_name : ""));
		return web_render(r, err_http_status(err.code), "account_new", d);
	}
	if (r->want_json) {
		account_t a;
		if (accounts_get(r->db, r->actor, id, r->arena, &a, &err) < 0)
			return web_fail(r, &err);
		return web_json(r, 201, json_pack("{s:o}", "account", account_json(r, &a)));
	}
	web_redirect(r, arena_printf(r->arena, "/accounts/%lld?ok=created", (long long)id));
}

static const char *const notices[] = { "created", "disabled", "enabled", "reset", "unlocked", NULL };

/*
** GET /accounts/:id
** One account, with the admin's actions. Parameters:
**    ok=WHAT    the notice to show after an action (created, disabled, enabled, reset, unlocked)
*/
void page_account(web_req_t *r)
{
	account_t a;
	err_t err;
	if (accounts_get(r->db, r->actor, r->id, r->arena, &a, &err) < 0)
		return web_fail(r, &err);
	json_t *d = json_pack("{s:o, s:b, s:i}", "account", account_json(r, &a), "manage",
	                      actor_is_admin(r->actor) && a.id != r->actor->account_id &&
	                          (a.role != ROLE_SYSADMIN || r->actor->role == ROLE_SYSADMIN),
	                      "min_length", g_config.password_min_length);
	const char *ok = web_query(r, "ok");
	for (int i = 0; ok && notices[i]; i++)
		if (strcmp(ok, notices[i]) == 0)
			json_object_set_new(
			    d, "notice", json_string(web_t(r, arena_printf(r->arena, "ok.account.%s", ok))));
	web_render(r, 200, "account", d);
}

static void after_action(web_req_t *r, int rc, err_t *err, const char *ok)
{
	if (rc < 0)
		return web_fail(r, err);
	web_redirect(r, arena_printf(r->arena, "/accounts/%lld?ok=%s", (long long)r->id, ok));
}

/*
** POST /accounts/:id/disable   POST /accounts/:id/enable
** Disabling ends the account's sessions at once.
*/
void page_account_disable(web_req_t *r)
{
	err_t err;
	after_action(r, accounts_set_disabled(r->db, r->actor, r->id, 1, r->ip, &err), &err, "disabled");
}

void page_account_enable(web_req_t *r)
{
	err_t err;
	after_action(r, accounts_set_disabled(r->db, r->actor, r->id, 0, r->ip, &err), &err, "enabled");
}

/*
** POST /accounts/:id/reset
** Fields: password (the temporary password the admin hands over). The account must change it
** at its next login; its lockout is cleared and its sessions end.
*/
void page_account_reset(web_req_t *r)
{
	err_t err;
	after_action(r, accounts_reset_password(r->db, r->actor, r->id, web_form(r, "password"), r->ip, &err),
	             &err, "reset");
}

/*
** POST /accounts/:id/unlock
** Lifts a lockout after failed logins, without changing the password.
*/
void page_account_unlock(web_req_t *r)
{
	err_t err;
	after_action(r, accounts_unlock(r->db, r->actor, r->id, r->ip, &err), &err, "unlocked");
}
