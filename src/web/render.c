/* render.c: turning a handler's JSON value into the answer: JSON as is, or HTML through its
 * template inside the layout with the page chrome (who is logged in, the navigation for their
 * role, the CSRF token, the language). */
#include <stdio.h>
#include <string.h>

#include "base/assets.h"
#include "base/i18n.h"
#include "base/log.h"
#include "web/tmpl.h"
#include "web/web.h"

const char *web_t(web_req_t *r, const char *key)
{
	return i18n_get(r->lang ? r->lang : "vi", key);
}

void web_json(web_req_t *r, int status, json_t *data)
{
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	buf_reset(&r->body);
	char *s = json_dumps(data, JSON_COMPACT);
	if (s) {
		buf_puts(&r->body, s);
		free(s);
	}
	json_decref(data);
}

/* The navigation for a role: (path, i18n key, who may see it). */
static const struct nav_item {
	const char *href;
	const char *key;
	unsigned roles;   /* bit per role_t */
	const char *also; /* other sections it stands for, space-separated ("/a /b"), or NULL */
} nav[] = {
#define ALL    ((1u << ROLE__COUNT) - 1)
#define BIT(r) (1u << (r))
	{ "/", "nav.home", ALL, NULL },
	{ "/catalog", "nav.catalog", ALL & ~BIT(ROLE_READER), NULL },
	{ "/acquisitions", "nav.acquisitions", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER), NULL },
	{ "/copycat", "nav.copycat", BIT(ROLE_LIBRARIAN), NULL },
	{ "/classes", "nav.classes", BIT(ROLE_LIBRARIAN), NULL },
	{ "/units", "nav.units", ALL & ~BIT(ROLE_READER), NULL },
	{ "/accounts", "nav.accounts", BIT(ROLE_SYSADMIN) | BIT(ROLE_UNIT_ADMIN), NULL },
	{ "/audit", "nav.audit", BIT(ROLE_SYSADMIN) | BIT(ROLE_UNIT_ADMIN), NULL },
	{ "/circ/overdue", "nav.overdue", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER), NULL },
	{ "/patrons", "nav.patrons", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER), NULL },
	{ "/circ", "nav.circ", BIT(ROLE_LIBRARIAN), NULL },
	{ "/patrons/cards", "nav.cards", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER), NULL },
	{ "/circ/rules", "nav.circ_rules", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER) | BIT(ROLE_SYSADMIN), NULL },
	{ "/reviews", "nav.reviews", BIT(ROLE_LIBRARIAN), NULL },
	{ "/lists", "nav.lists", BIT(ROLE_LIBRARIAN), NULL },
	{ "/opac", "nav.opac", ALL & ~BIT(ROLE_READER), NULL },
	{ "/registers", "nav.registers", BIT(ROLE_LIBRARIAN) | BIT(ROLE_LEADER) | BIT(ROLE_INSPECTOR),
	  "/stock /serials /stocktakes /withdrawals" },
#undef ALL
#undef BIT
};

/* How much of path the section href covers: its length when path is href or under it (at a
 * "/"), else 0. "/" covers only itself. */
static size_t nav_match(const char *path, const char *href)
{
	size_t n = strlen(href);
	if (strcmp(href, "/") == 0)
		return strcmp(path, "/") == 0 ? 1 : 0;
	return strncmp(path, href, n) == 0 && (path[n] == 0 || path[n] == '/') ? n : 0;
}

/* A version for static URLs, so they can be cached for a year: the hash of the CSS and JS. */
static const char *asset_version(void)
{
	static char v[20];
	if (!v[0]) {
		const asset_t *a = asset_find("static/app.css");
		snprintf(v, sizeof v, "%.8s", a && a->etag ? a->etag + 1 : "0");
	}
	return v;
}

static json_t *chrome(web_req_t *r)
{
	json_t *app = json_object();
	json_object_set_new(app, "lang", json_string(r->lang ? r->lang : "vi"));
	json_object_set_new(app, "en", json_boolean(r->lang && strcmp(r->lang, "en") == 0));
	json_object_set_new(app, "v", json_string(asset_version()));
	json_object_set_new(app, "path", json_string(r->path));
	/* Where the language switch returns to: this page, keeping the login page's next. */
	const char *next = strcmp(r->path, "/login") == 0 ? web_query(r, "next") : NULL;
	if (next) {
		buf_t b = BUF_INIT;
		buf_puts(&b, "/login?next=");
		buf_put_url(&b, next);
		json_object_set_new(app, "back", json_string(buf_str(&b)));
		buf_release(&b);
	} else {
		json_object_set_new(app, "back", json_string(r->path));
	}
	if (r->session)
		json_object_set_new(app, "csrf", json_string(r->session->csrf));
	if (r->actor) {
		const actor_t *a = r->actor;
		json_t *user = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
		                         (json_int_t)a->account_id, "username", a->username, "full_name",
		                         a->full_name[0] ? a->full_name : a->username, "role",
		                         role_name(a->role), "unit_name", a->unit_name, "unit_code",
		                         a->unit_code, "must_change_password", a->must_change_password);
		char key[48];
		snprintf(key, sizeof key, "role.%s", role_name(a->role));
		json_object_set_new(user, "role_label", json_string(web_t(r, key)));
		json_object_set_new(app, "user", user);
		json_t *items = json_array();
		if (!a->must_change_password) {
			/* One item is current: the one whose section is the longest match (on /circ/overdue,
			 * "Quá hạn", not "Mượn trả") */
			size_t best = (size_t)-1, best_len = 0;
			for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
				if (!(nav[i].roles & (1u << a->role)))
					continue;
				size_t len = nav_match(r->path, nav[i].href);
				for (const char *o = nav[i].also; o && *o;) {
					size_t n = strcspn(o, " ");
					char one[64];
					if (n < sizeof one) {
						memcpy(one, o, n);
						one[n] = 0;
						size_t l = nav_match(r->path, one);
						if (l > len)
							len = l;
					}
					o += n + (o[n] == ' ');
				}
				if (len > best_len) {
					best = i;
					best_len = len;
				}
			}
			for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++)
				if (nav[i].roles & (1u << a->role))
					json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "href", nav[i].href, "label",
					                                       web_t(r, nav[i].key), "current", i == best));
		}
		json_object_set_new(app, "nav", items);
	}
	return app;
}

static void render_in(web_req_t *r, int status, const char *tmpl, json_t *data, const char *layout)
{
	if (r->want_json)
		return web_json(r, status, data);
	err_t err;
	buf_t page = BUF_INIT;
	json_object_set_new(data, "app", chrome(r));
	if (tmpl_render(tmpl, data, r->lang, &page, &err) < 0) {
		log_error("template %s: %s", tmpl, err.detail);
		buf_release(&page);
		json_decref(data);
		r->status = 500;
		r->content_type = "text/plain; charset=utf-8";
		buf_puts(&r->body, "500 Internal Server Error\n");
		return;
	}
	json_object_set_new(data, "content", json_stringn(page.data ? page.data : "", page.len));
	buf_release(&page);
	buf_reset(&r->body);
	if (tmpl_render(layout, data, r->lang, &r->body, &err) < 0)
		log_error("template %s: %s", layout, err.detail);
	json_decref(data);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
}

void web_render(web_req_t *r, int status, const char *tmpl, json_t *data)
{
	render_in(r, status, tmpl, data, "layout");
}

void web_render_public(web_req_t *r, int status, const char *tmpl, json_t *data)
{
	render_in(r, status, tmpl, data, "opac_layout");
}

void web_redirect(web_req_t *r, const char *location)
{
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:b, s:s}", "ok", 1, "location", location));
	web_add_header(r, "Location", location);
	r->status = 303;
	r->content_type = "text/plain; charset=utf-8";
	buf_reset(&r->body);
	buf_printf(&r->body, "See %s\n", location);
}

static const char *status_key(int status)
{
	switch (status) {
	case 400:
		return "http.400";
	case 401:
		return "http.401";
	case 403:
		return "http.403";
	case 404:
		return "http.404";
	case 405:
		return "http.405";
	case 408:
		return "http.408";
	case 409:
		return "http.409";
	case 413:
		return "http.413";
	case 415:
		return "http.415";
	case 429:
		return "http.429";
	case 431:
		return "http.431";
	case 503:
		return "http.503";
	default:
		return status >= 500 ? "http.500" : "http.400";
	}
}

void web_fail_key(web_req_t *r, int status, const char *key, const char *detail)
{
	web_fail_extra(r, status, key, detail, NULL);
}

void web_fail_extra(web_req_t *r, int status, const char *key, const char *detail, json_t *extra)
{
	json_t *e = json_object();
	json_object_set_new(e, "status", json_integer(status));
	json_object_set_new(e, "code", json_string(key));
	json_object_set_new(e, "title", json_string(web_t(r, status_key(status))));
	json_object_set_new(e, "message", json_string(web_t(r, key)));
	if (detail && *detail)
		json_object_set_new(e, "detail", json_string(detail));
	if (extra) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	json_t *data = json_pack("{s:o}", "error", e);
	if (status == 429 && detail)
		web_add_header(r, "Retry-After", "60");
	/* Errors before the database was reached (limits, bad encoding) need no session; the
	 * layout copes without one. */
	web_render(r, status, "error", data);
}

void web_fail(web_req_t *r, const err_t *err)
{
	int status = err_http_status(err->code);
	if (status >= 500)
		log_error("%s %s: %s (%s)", r->method, r->path, err->key ? err->key : "?", err->detail);
	/* Internal details (database messages) stay in the log. */
	int internal = status >= 500 || (err->key && strncmp(err->key, "err.db.", 7) == 0);
	const char *detail = internal ? NULL : err->detail;
	web_fail_key(r, status, err->key ? err->key : "err.internal", detail);
}
