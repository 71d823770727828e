/* pages_session.c: logging in and out, changing one's password, the language switch, the
 * health check, static files, and the home page. */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "base/assets.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "units/units.h"
#include "web/web.h"

/*
** GET /healthz
** Liveness and readiness for load balancers: 200 {"status":"ok","db":"sqlite"} when the database
** answers, 503 otherwise. Always JSON.
*/
void page_healthz(web_req_t *r)
{
	err_t err;
	int64_t one = 0;
	int ok = db_query_int(r->db, &one, &err, "SELECT 1", "") == 0 && one == 1;
	r->want_json = 1;
	web_json(r, ok ? 200 : 503,
	         json_pack("{s:s, s:s}", "status", ok ? "ok" : "unavailable", "db", db_kind_name(r->db)));
}

static const char *mime(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (!strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (!strcmp(dot, ".svg"))
		return "image/svg+xml";
	if (!strcmp(dot, ".png"))
		return "image/png";
	if (!strcmp(dot, ".ico"))
		return "image/x-icon";
	if (!strcmp(dot, ".txt"))
		return "text/plain; charset=utf-8";
	return "application/octet-stream";
}

/*
** GET /static/NAME
** Files compiled into the binary. Served gzip'ed when the client accepts it, with a strong ETag
** (304 on If-None-Match) and a year's caching when the URL carries ?v= (the layout adds it).
*/
void page_static(web_req_t *r)
{
	const char *name = r->path + 1; /* "static/..." */
	if (strstr(name, "..") || strlen(name) > 200 || strstr(name, ".gz"))
		return web_fail_key(r, 404, "err.notfound", NULL);
	const asset_t *a = asset_find(name);
	if (!a)
		return web_fail_key(r, 404, "err.notfound", NULL);
	const char *ae = web_header(r, "Accept-Encoding");
	const asset_t *gz = NULL;
	if (ae && strstr(ae, "gzip")) {
		char *gzname = arena_printf(r->arena, "%s.gz", name);
		gz = asset_find(gzname);
		if (gz && gz->len >= a->len)
			gz = NULL;
	}
	web_add_header(r, "ETag", a->etag);
	web_add_header(r, "Vary", "Accept-Encoding");
	web_add_header(r, "Cache-Control",
	               web_query(r, "v") ? "public, max-age=31536000, immutable" : "public, max-age=3600");
	r->content_type = mime(name);
	const char *inm = web_header(r, "If-None-Match");
	if (inm && strcmp(inm, a->etag) == 0) {
		r->status = 304;
		r->static_body = (const unsigned char *)"";
		r->static_len = 0;
		return;
	}
	if (gz) {
		web_add_header(r, "Content-Encoding", "gzip");
		a = gz;
	}
	r->status = 200;
	r->static_body = a->data;
	r->static_len = a->len;
}

/* A "next" target is only ever a path of this site, never another host. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 500)
		return "/";
	if (strncmp(next, "/login", 6) == 0)
		return "/";
	return next;
}

/* Where the language switch may return: any page of this site, the login page included. */
static const char *safe_back(const char *back)
{
	if (back && strncmp(back, "/login", 6) == 0 && (back[6] == 0 || back[6] == '?') &&
	    !strstr(back, "//"))
		return back;
	return safe_next(back);
}

static void set_session_cookie(web_req_t *r, const char *token, int max_age)
{
	char *c = arena_printf(r->arena, "tv_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", token,
	                       max_age, g_config.cookie_secure ? "; Secure" : "");
	web_add_header(r, "Set-Cookie", c);
}

static json_t *login_data(web_req_t *r, const char *username, const char *next)
{
	return json_pack("{s:s, s:s}", "username", username ? username : "", "next", safe_next(next));
}

/*
** GET /login
** The login page. Parameters:
**    next=PATH    where to go after logging in (a path of this site)
*/
void page_login_form(web_req_t *r)
{
	if (r->actor)
		return web_redirect(r, "/");
	web_render(r, 200, "login", login_data(r, NULL, web_query(r, "next")));
}

/*
** POST /login
** Fields: username, password, next (optional). On success sets the tv_session cookie and goes to
** next (or to /password when a change is due); JSON clients get {"ok":true,"csrf":...}.
*/
void page_login(web_req_t *r)
{
	const char *username = web_form(r, "username"), *password = web_form(r, "password");
	const char *next = safe_next(web_form(r, "next"));
	actor_t a;
	session_t s;
	err_t err;
	if (auth_login(r->db, username, password, r->ip, &a, &s, &err) < 0) {
		if (r->want_json)
			return web_fail(r, &err);
		json_t *d = login_data(r, username, next);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		if (err.code == ERR_LOCKED)
			json_object_set_new(d, "minutes", json_string(err.detail));
		return web_render(r, err_http_status(err.code), "login", d);
	}
	set_session_cookie(r, s.token, g_config.session_max);
	/* A language chosen on the login page carries over to the account. */
	const char *chosen = web_cookie(r, "tv_lang");
	if (chosen && (!strcmp(chosen, "vi") || !strcmp(chosen, "en")) && strcmp(chosen, a.lang) != 0)
		(void)accounts_set_lang(r->db, &a, chosen, &err);
	if (r->want_json)
		return web_json(r, 200,
		                json_pack("{s:b, s:s, s:b, s:s, s:s}", "ok", 1, "csrf", s.csrf,
		                          "must_change_password", a.must_change_password, "username",
		                          a.username, "role", role_name(a.role)));
	web_redirect(r, a.must_change_password ? "/password" : next);
}

/*
** POST /logout
** Ends the session and clears the cookie.
*/
void page_logout(web_req_t *r)
{
	err_t err;
	if (auth_logout(r->db, r->actor, r->session->id, r->ip, &err) < 0)
		return web_fail(r, &err);
	set_session_cookie(r, "", 0);
	web_redirect(r, "/login");
}

/*
** GET /password
** The form to change one's own password (forced after the first login and after a reset).
*/
void page_password_form(web_req_t *r)
{
	web_render(r, 200, "password",
	           json_pack("{s:b, s:i}", "forced", r->actor->must_change_password, "min_length",
	                     g_config.password_min_length));
}

/*
** POST /password
** Fields: current, password, confirm.
*/
void page_password(web_req_t *r)
{
	const char *cur = web_form(r, "current"), *pw = web_form(r, "password"),
	           *confirm = web_form(r, "confirm");
	err_t err;
	int rc;
	if (confirm && pw && strcmp(confirm, pw) != 0)
		rc = err_set(&err, ERR_INVALID, "err.password.confirm", NULL);
	else
		rc = accounts_change_password(r->db, r->actor, cur, pw, r->session->id, r->ip, &err);
	if (rc < 0) {
		if (r->want_json)
			return web_fail(r, &err);
		json_t *d = json_pack("{s:b, s:i, s:s}", "forced", r->actor->must_change_password,
		                      "min_length", g_config.password_min_length, "error", web_t(r, err.key));
		return web_render(r, err_http_status(err.code), "password", d);
	}
	web_redirect(r, "/?ok=password");
}

/*
** POST /lang
** Fields: lang (vi or en), back (the page to return to). Stored on the account when logged in,
** in the tv_lang cookie otherwise.
*/
void page_lang(web_req_t *r)
{
	const char *lang = web_form(r, "lang");
	if (!lang || (strcmp(lang, "vi") != 0 && strcmp(lang, "en") != 0))
		return web_fail_key(r, 400, "err.lang", NULL);
	if (r->actor) {
		err_t err;
		if (accounts_set_lang(r->db, r->actor, lang, &err) < 0)
			return web_fail(r, &err);
	}
	web_add_header(r, "Set-Cookie",
	               arena_printf(r->arena, "tv_lang=%s; Path=/; SameSite=Lax; Max-Age=31536000", lang));
	web_redirect(r, safe_back(web_form(r, "back")));
}

/*
** GET /
** The home page: who you are, your unit, and what you can do from here.
*/
void page_home(web_req_t *r)
{
	const actor_t *a = r->actor;
	err_t err;
	if (a->role == ROLE_READER && !r->want_json) /* a reader's home is My library */
		return web_redirect(r, web_query(r, "ok") ? "/me?ok=password" : "/me");
	json_t *d = json_pack("{s:s, s:s, s:s, s:b, s:b}", "unit_name", a->unit_name, "unit_code",
	                      a->unit_code, "role", role_name(a->role), "admin", actor_is_admin(a), "reader",
	                      a->role == ROLE_READER);
	/* Counts of the units below are for offices and the Department; a school is one unit. */
	if (strcmp(a->unit_kind, "school") != 0) {
		int64_t n = 0, schools = 0, accounts = 0;
		if (units_count_subtree(r->db, a, &n, &schools, &accounts, &err) < 0) {
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(
		    d, "tree",
		    json_pack("{s:I, s:I}", "units", (json_int_t)n, "schools", (json_int_t)schools));
		if (actor_is_admin(a))
			json_object_set_new(d, "accounts", json_integer(accounts));
	} else if (actor_is_admin(a)) {
		int64_t n = 0, schools = 0, accounts = 0;
		if (units_count_subtree(r->db, a, &n, &schools, &accounts, &err) < 0) {
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(d, "accounts", json_integer(accounts));
	}
	const char *ok = web_query(r, "ok");
	if (ok && strcmp(ok, "password") == 0)
		json_object_set_new(d, "notice", json_string(web_t(r, "ok.password")));
	web_render(r, 200, "home", d);
}
