/* pages_units.c: the unit tree pages, and the audit log page of unit admins. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "units/units.h"
#include "web/web.h"

static json_t *unit_json(web_req_t *r, const unit_t *u)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:b, s:I}", "id", (json_int_t)u->id, "code",
	                      u->code, "name", u->name, "kind", u->kind, "kind_label",
	                      web_t(r, arena_printf(r->arena, "unit.kind.%s", u->kind)), "depth", u->depth,
	                      "active", u->active, "accounts", (json_int_t)u->accounts);
	if (u->parent_id)
		json_object_set_new(o, "parent_id", json_integer(u->parent_id));
	if (u->school_level) {
		json_object_set_new(o, "school_level", json_string(u->school_level));
		json_object_set_new(
		    o, "level_label",
		    json_string(web_t(r, arena_printf(r->arena, "unit.level.%s", u->school_level))));
	}
	return o;
}

/* The list in tree order; depth is made relative to the first (the root shown), so an office's
 * tree starts at the left edge like the Department's. */
static json_t *tree_json(web_req_t *r, const unit_t *v, size_t n)
{
	json_t *list = json_array();
	int base = n ? v[0].depth : 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = unit_json(r, &v[i]);
		json_object_set_new(o, "depth", json_integer(v[i].depth - base));
		json_array_append_new(list, o);
	}
	return list;
}

/*
** GET /units
** The actor's unit and every unit below it, as an indented tree.
*/
void page_units(web_req_t *r)
{
	if (r->actor->role == ROLE_READER)
		return web_fail_key(r, 403, "err.forbidden", NULL);
	unit_t *v;
	size_t n;
	err_t err;
	if (units_list_subtree(r->db, r->actor, 0, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	web_render(r, 200, "units",
	           json_pack("{s:o, s:b}", "units", tree_json(r, v, n), "admin", actor_is_admin(r->actor)));
}

/*
** GET /units/:id
** One unit of the actor's subtree: its place in the tree and the units below it.
*/
void page_unit(web_req_t *r)
{
	if (r->actor->role == ROLE_READER)
		return web_fail_key(r, 403, "err.forbidden", NULL);
	unit_t u, *v, *up;
	size_t n, nup;
	err_t err;
	if (units_get(r->db, r->actor, r->id, r->arena, &u, &err) < 0 ||
	    units_list_subtree(r->db, r->actor, r->id, r->arena, &v, &n, &err) < 0 ||
	    units_ancestors(r->db, &u, r->arena, &up, &nup, &err) < 0)
		return web_fail(r, &err);
	/* Breadcrumbs start at the actor's own unit: what lies above it is not theirs to see. */
	json_t *crumbs = json_array();
	for (size_t i = 0; i < nup; i++)
		if (actor_sees_path(r->actor, up[i].path))
			json_array_append_new(
			    crumbs, json_pack("{s:I, s:s}", "id", (json_int_t)up[i].id, "name", up[i].name));
	json_t *d = json_pack("{s:o, s:o, s:o, s:b}", "unit", unit_json(r, &u), "units", tree_json(r, v, n),
	                      "crumbs", crumbs, "admin", actor_is_admin(r->actor));
	web_render(r, 200, "unit", d);
}

/*
** POST /units
** Fields: parent_id, code, name, kind, school_level. A unit admin adds a unit inside its subtree.
*/
void page_unit_create(web_req_t *r)
{
	unit_new_t in = { 0 };
	const char *parent = web_form(r, "parent_id");
	in.parent_id = parent ? strtoll(parent, NULL, 10) : 0;
	if (in.parent_id <= 0)
		return web_fail_key(r, 400, "err.field.required", "parent_id");
	in.code = web_form(r, "code");
	in.name = web_form(r, "name");
	in.kind = web_form(r, "kind");
	in.school_level = web_form(r, "school_level");
	if (in.school_level && !*in.school_level)
		in.school_level = NULL;
	int64_t id;
	err_t err;
	if (units_create(r->db, r->actor, &in, &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
	web_redirect(r, arena_printf(r->arena, "/units/%lld", (long long)id));
}

/*
** GET /audit
** The audit log of the admin's subtree, newest first. Parameters:
**    action=NAME   an action or its family ("login" for login.ok, login.fail, ...)
**    user=NAME     one user name
**    before=ID     the next page: rows older than this id
*/
void page_audit(web_req_t *r)
{
	audit_filter_t f = { 0 };
	f.action = web_query(r, "action");
	f.username = web_query(r, "user");
	f.before_id = web_query_int(r, "before", 0);
	f.limit = 50;
	audit_entry_t *v;
	size_t n;
	err_t err;
	if (audit_list(r->db, r->actor, &f, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		char when[32];
		clock_format_vn(v[i].at, 1, when, sizeof when);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)v[i].id, "at", when, "action",
		                      v[i].action, "username", v[i].username ? v[i].username : "");
		if (v[i].detail)
			json_object_set_new(o, "detail", json_string(v[i].detail));
		if (v[i].ip)
			json_object_set_new(o, "ip", json_string(v[i].ip));
		json_object_set_new(o, "failure",
		                    json_boolean(strstr(v[i].action, "fail") || strstr(v[i].action, "lock")));
		json_array_append_new(rows, o);
	}
	json_t *d = json_pack("{s:o, s:s, s:s}", "entries", rows, "action", f.action ? f.action : "", "user",
	                      f.username ? f.username : "");
	if (n == (size_t)f.limit)
		json_object_set_new(d, "before", json_integer(v[n - 1].id));
	web_render(r, 200, "audit", d);
}
