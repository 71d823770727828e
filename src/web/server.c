/* server.c: from socket to handler and back.
 *
 * libmicrohttpd calls answer() several times per request: the first call only sets up the
 * request's state (so keep-alive works: see ../shared/bench/README.md), the middle calls hand
 * over pieces of the body, the last one dispatches. dispatch() validates the request (sizes,
 * form encoding, UTF-8), finds the route, loads the session, enforces the forced password change
 * and the CSRF token, then calls the handler and queues what it rendered. completed() writes the
 * access-log line and frees the request's arena.
 *
 * Every worker thread opens its own database connection on first use (SQLite wants one per
 * thread; PostgreSQL's are not thread-safe either); they are closed after the daemon stops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "accounts/auth.h"
#include "accounts/password.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/text.h"
#include "exchange/exchange.h"
#include "opac/opac.h"
#include "web/jobs.h"
#include "web/multipart.h"
#include "web/routes.h"
#include "web/server.h"
#include "web/tmpl.h"

/* Fields of one form: the full MARC21 form sends five or so for each field of a record. */
#define MAX_FIELDS 4096

/* One request's state, MHD's *con_cls. */
typedef struct conn_req {
	web_req_t r;
	int64_t start_us;
	buf_t upload;        /* the request body as received */
	int64_t limit;       /* its largest size: max_body, or max_upload on an R_UPLOAD route */
	int too_big;         /* 413 */
	int timed_out;       /* 408 */
	int headers_too_big; /* 431 */
	int overloaded;      /* 503 */
	int bad_request;     /* 400: %00 in the raw URI, conflicting Content-Length headers */
	int started;         /* answer() has seen this request (the URI logger made it before) */
	char *log_path;
} conn_req_t;

/* --- per-thread database connections -------------------------------------------------------- */

static pthread_mutex_t dbs_lock = PTHREAD_MUTEX_INITIALIZER;
static db_t **dbs;
static size_t n_dbs;
static _Thread_local db_t *thread_db;

static db_t *db_for_thread(err_t *err)
{
	if (thread_db)
		return thread_db;
	if (db_open(g_config.db, &thread_db, err) < 0)
		return NULL;
	pthread_mutex_lock(&dbs_lock);
	db_t **v = realloc(dbs, (n_dbs + 1) * sizeof *v);
	if (v) {
		dbs = v;
		dbs[n_dbs++] = thread_db;
	}
	pthread_mutex_unlock(&dbs_lock);
	return thread_db;
}

static void close_thread_dbs(void)
{
	pthread_mutex_lock(&dbs_lock);
	for (size_t i = 0; i < n_dbs; i++)
		db_close(dbs[i]);
	free(dbs);
	dbs = NULL;
	n_dbs = 0;
	pthread_mutex_unlock(&dbs_lock);
}

/* --- counters for limits and the graceful stop ----------------------------------------------- */

static atomic_int open_connections;
static atomic_int inflight;

/* Every open connection, so the main thread can end those that take longer than
 * request_timeout to deliver a request's headers (a "slowloris" trickling one header line at a
 * time keeps MHD's idle timeout from ever firing). `waiting` is set from the connection's start
 * and after each request, and cleared when a request's headers are complete. The watchdog only
 * shuts the socket down (never closes it), under watch_lock, and MHD tells us a connection is
 * closed (and removes it here, under the same lock) before it closes the descriptor. */
typedef struct conn_watch {
	struct conn_watch *prev, *next;
	int fd;
	int waiting;
	int killed;
	int64_t since_us;
} conn_watch_t;

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static conn_watch_t watch_list = { &watch_list, &watch_list, -1, 0, 0, 0 };

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&open_connections, 1);
		conn_watch_t *w = calloc(1, sizeof *w);
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!w || !ci)
			return free(w);
		w->fd = ci->connect_fd;
		w->waiting = 1;
		w->since_us = clock_usec();
		pthread_mutex_lock(&watch_lock);
		w->next = &watch_list;
		w->prev = watch_list.prev;
		watch_list.prev->next = w;
		watch_list.prev = w;
		pthread_mutex_unlock(&watch_lock);
		*socket_context = w;
	} else {
		atomic_fetch_sub(&open_connections, 1);
		conn_watch_t *w = *socket_context;
		if (w) {
			pthread_mutex_lock(&watch_lock);
			w->prev->next = w->next;
			w->next->prev = w->prev;
			pthread_mutex_unlock(&watch_lock);
			free(w);
			*socket_context = NULL;
		}
	}
}

static void watch_set(struct MHD_Connection *c, int waiting)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	conn_watch_t *w = ci ? ci->socket_context : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&watch_lock);
	w->waiting = waiting;
	w->since_us = clock_usec();
	pthread_mutex_unlock(&watch_lock);
}

/* End connections that have been waiting for a request's headers too long. */
static void watch_sweep(void)
{
	int64_t now = clock_usec(), limit = (int64_t)g_config.request_timeout * 1000000;
	int n = 0;
	pthread_mutex_lock(&watch_lock);
	for (conn_watch_t *w = watch_list.next; w != &watch_list; w = w->next) {
		if (w->waiting && !w->killed && now - w->since_us > limit) {
			shutdown(w->fd, SHUT_RDWR);
			w->killed = 1;
			n++;
		}
	}
	pthread_mutex_unlock(&watch_lock);
	if (n)
		log_info("closed %d connection(s) that sent no complete request in %d s", n,
		         g_config.request_timeout);
}

/* --- request parsing ------------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one application/x-www-form-urlencoded token in place. -1 on a bad escape. */
static int form_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			int h = hexval((unsigned char)s[1]), l = h < 0 ? -1 : hexval((unsigned char)s[2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0)) /* %00 would cut the value short */
				return -1;
			*o++ = (char)(h * 16 + l);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return 0;
}

/* Parse the body as a urlencoded form, strictly: a bad escape, a NUL, invalid UTF-8 or too many
 * fields refuse the whole request (400) rather than guess. */
static int parse_form(web_req_t *r, const char *body, size_t len, err_t *err)
{
	if (memchr(body, 0, len))
		return err_set(err, ERR_INVALID, "err.form.encoding", "NUL byte");
	char *s = arena_strndup(r->arena, body, len);
	size_t cap = 1;
	for (size_t i = 0; i < len && cap <= MAX_FIELDS; i++)
		cap += body[i] == '&';
	r->form = arena_alloc(r->arena, cap * sizeof *r->form);
	r->nform = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		if (r->nform == MAX_FIELDS)
			return err_set(err, ERR_INVALID, "err.form.fields", "%d", MAX_FIELDS);
		char *eq = strchr(tok, '=');
		char *val = "";
		if (eq) {
			*eq = 0;
			val = eq + 1;
		}
		if (form_decode(tok) < 0 || form_decode(val) < 0)
			return err_set(err, ERR_INVALID, "err.form.encoding", NULL);
		if (!text_valid_utf8(tok, strlen(tok)) || !text_valid_utf8(val, strlen(val)))
			return err_set(err, ERR_INVALID, "err.utf8", "%.40s", tok);
		r->form[r->nform].name = tok;
		r->form[r->nform].value = val;
		r->nform++;
	}
	return 0;
}

/* Parse a multipart/form-data body (R_UPLOAD routes): plain parts become form fields, held to
 * the same rules as a urlencoded form (no NUL, valid UTF-8); parts with a filename become files,
 * whose bytes stay in the body buffer (alive until completed()). */
static int parse_multipart(web_req_t *r, const char *ct, const char *body, size_t len, err_t *err)
{
	multipart_part_t *parts;
	size_t n = 0;
	if (multipart_parse(ct, body, len, r->arena, MAX_FIELDS, &parts, &n, err) < 0)
		return err->code;
	r->form = arena_alloc(r->arena, (n ? n : 1) * sizeof *r->form);
	r->files = arena_alloc(r->arena, (n ? n : 1) * sizeof *r->files);
	r->nform = r->nfiles = 0;
	for (size_t i = 0; i < n; i++) {
		multipart_part_t *p = &parts[i];
		if (p->filename) {
			r->files[r->nfiles++] = (web_file_t){ .name = p->name,
				                              .filename = p->filename,
				                              .content_type = p->content_type,
				                              .data = p->data,
				                              .len = p->len };
			continue;
		}
		if (memchr(p->data, 0, p->len))
			return err_set(err, ERR_INVALID, "err.form.encoding", "NUL byte");
		if (!text_valid_utf8(p->data, p->len))
			return err_set(err, ERR_INVALID, "err.utf8", "%.40s", p->name);
		r->form[r->nform].name = p->name;
		r->form[r->nform].value = arena_strndup(r->arena, p->data, p->len);
		r->nform++;
	}
	return 0;
}

struct arg_check {
	int bad;
	size_t header_bytes;
	int content_lengths;
	const char *content_length;
	int conflicting;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct arg_check *c = cls;
	(void)kind;
	if ((key && !text_valid_utf8(key, strlen(key))) ||
	    (value && !text_valid_utf8(value, strlen(value)))) {
		c->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct arg_check *c = cls;
	c->header_bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	if (kind == MHD_HEADER_KIND && strcasecmp(key, "Content-Length") == 0) {
		/* Two different lengths is a request smuggling attempt or a broken client. */
		if (c->content_lengths++ &&
		    (!value || !c->content_length || strcmp(value, c->content_length) != 0))
			c->conflicting = 1;
		c->content_length = value;
	}
	return MHD_YES;
}

/* --- the request API (web.h) ----------------------------------------------------------------- */

const char *web_form(web_req_t *r, const char *name)
{
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, name) == 0)
			return r->form[i].value;
	return NULL;
}

const web_file_t *web_file(web_req_t *r, const char *name)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].name, name) == 0)
			return &r->files[i];
	return NULL;
}

const char *web_query(web_req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int64_t web_query_int(web_req_t *r, const char *name, int64_t def)
{
	const char *s = web_query(r, name);
	if (!s || !*s)
		return def;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return *end || errno ? def : v;
}

int64_t web_parse_int(const char *s, int64_t def, int64_t min, int64_t max, int *bad)
{
	if (!s || !*s)
		return def;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || end == s || errno || v < min || v > max) {
		*bad = 1;
		return def;
	}
	return v;
}

void web_send_file(web_req_t *r, buf_t *data, const char *type, const char *disposition)
{
	buf_release(&r->body);
	r->body = *data;
	*data = (buf_t)BUF_INIT;
	r->status = 200;
	r->content_type = type;
	web_add_header(r, "Content-Disposition", disposition);
}

double web_parse_mm(const char *s, double def, int *bad)
{
	if (!s || !*s)
		return def;
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%s", s);
	char *comma = strchr(tmp, ',');
	if (comma)
		*comma = '.';
	char *end;
	double v = strtod(tmp, &end);
	if (*end || strlen(s) >= sizeof tmp || !isfinite(v))
		*bad = 1;
	return v;
}

const char *web_query_string(web_req_t *r, const char *const *names, size_t n)
{
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *v = web_query(r, names[i]);
		if (!v || !*v)
			continue;
		buf_putc(&b, b.len ? '&' : '?');
		buf_puts(&b, names[i]);
		buf_putc(&b, '=');
		buf_put_url(&b, v);
	}
	char *s = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

const char *web_header(web_req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void web_add_header(web_req_t *r, const char *name, const char *value)
{
	if (r->nheaders < (int)(sizeof r->headers / sizeof r->headers[0])) {
		r->headers[r->nheaders].name = arena_strdup(r->arena, name);
		r->headers[r->nheaders].value = arena_strdup(r->arena, value);
		r->nheaders++;
	}
}

/* --- answering ------------------------------------------------------------------------------- */

static const char csp[] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                          "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

static enum MHD_Result queue(conn_req_t *cr)
{
	web_req_t *r = &cr->r;
	struct MHD_Response *resp;
	if (r->static_body) {
		resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body,
		                                       MHD_RESPMEM_PERSISTENT);
	} else {
		size_t len = r->body.len;
		char *data = buf_detach(&r->body, &len);
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
	}
	if (!resp)
		return MHD_NO;
	if (!r->status)
		r->status = 500;
	MHD_add_response_header(resp, "Content-Type",
	                        r->content_type ? r->content_type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (!r->static_body) {
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
		MHD_add_response_header(resp, "Content-Security-Policy", csp);
	}
	int has_cache = 0;
	for (int i = 0; i < r->nheaders; i++) {
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
		has_cache |= strcasecmp(r->headers[i].name, "Cache-Control") == 0;
	}
	if (!has_cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (cr->too_big || cr->timed_out || cr->headers_too_big || cr->overloaded)
		MHD_add_response_header(resp, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

const char *web_cookie(web_req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static int wants_json(web_req_t *r)
{
	const char *accept = web_header(r, "Accept");
	return accept && strstr(accept, "application/json") != NULL;
}

/* The language: the account's, else the tv_lang cookie, else Vietnamese. */
static const char *pick_lang(web_req_t *r)
{
	if (r->actor && r->actor->lang[0])
		return i18n_lang(r->actor->lang);
	const char *c = web_cookie(r, "tv_lang");
	return i18n_lang(c ? c : "vi");
}

static void load_session(web_req_t *r)
{
	const char *token = web_cookie(r, "tv_session");
	if (!token)
		return;
	actor_t *a = arena_zalloc(r->arena, sizeof *a);
	session_t *s = arena_zalloc(r->arena, sizeof *s);
	err_t err;
	if (auth_session(r->db, token, a, s, &err) == 0) {
		snprintf(a->ip, sizeof a->ip, "%s", r->ip ? r->ip : "");
		r->actor = a;
		r->session = s;
	}
}

/* A POST from a page of another site is refused even before the token check: browsers send
 * Origin on every cross-site POST. */
static int origin_ok(web_req_t *r)
{
	const char *origin = web_header(r, "Origin");
	const char *host = web_header(r, "Host");
	if (!origin || strcmp(origin, "null") == 0)
		return origin == NULL;
	const char *p = strstr(origin, "://");
	return p && host && strcmp(p + 3, host) == 0;
}

/* A request under /api/: `Authorization: Bearer TOKEN` (exchange.h) gives a read-only actor of
 * the token's unit; no cookie, no session, and the API's routes are all GET. */
static void dispatch_api(web_req_t *r, const route_t *route)
{
	const char *h = web_header(r, "Authorization");
	actor_t *a = arena_zalloc(r->arena, sizeof *a);
	err_t err;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		web_add_header(r, "WWW-Authenticate", "Bearer realm=\"thuvien\"");
		return web_fail_key(r, 401, "err.api.token_missing", NULL);
	}
	h += 7;
	while (*h == ' ')
		h++;
	if (xchg_token_auth(r->db, h, r->ip, a, &err) < 0) {
		if (err.code == ERR_AUTH)
			web_add_header(r, "WWW-Authenticate", "Bearer realm=\"thuvien\", error=\"invalid_token\"");
		return web_fail(r, &err);
	}
	r->actor = a;
	r->session = NULL;
	r->lang = "vi";
	route->handler(r);
	if (db_in_transaction(r->db)) {
		log_error("%s %s left a transaction open; rolled back", r->method, r->path);
		db_rollback(r->db);
	}
}

static void dispatch(conn_req_t *cr)
{
	web_req_t *r = &cr->r;
	err_t err;
	if (cr->overloaded)
		return web_fail_key(r, 503, "err.overloaded", NULL);
	if (cr->bad_request)
		return web_fail_key(r, 400, "err.request", NULL);
	if (cr->headers_too_big)
		return web_fail_key(r, 431, "err.headers_too_big", NULL);
	if (cr->too_big)
		return web_fail_key(r, 413, "err.body_too_big", NULL);
	if (cr->timed_out)
		return web_fail_key(r, 408, "err.timeout", NULL);

	r->lang = pick_lang(r); /* the cookie's, until the session is known */
	bool api = strncmp(r->path, "/api/", 5) == 0; /* the JSON API: Bearer tokens, never a session */
	if (api)
		r->want_json = true;
	if (!text_valid_utf8(r->path, strlen(r->path)))
		return web_fail_key(r, 400, "err.utf8", "path");
	struct arg_check ac = { 0 };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
	if (ac.bad)
		return web_fail_key(r, 400, "err.utf8", "query");

	int status = 0;
	const char *allow = NULL;
	const route_t *route = routes_match(r->method, r->path, &r->id, &status, &allow);
	if (!route) {
		if (status == 405)
			web_add_header(r, "Allow", allow);
		return web_fail_key(r, status, status == 405 ? "err.method" : "err.notfound", NULL);
	}
	if (route->handler == page_static)
		return route->handler(r); /* no database, no session */

	if (strcmp(r->method, "POST") == 0) {
		const char *ct = web_header(r, "Content-Type");
		if (ct && (route->flags & R_UPLOAD) && strncasecmp(ct, "multipart/form-data", 19) == 0) {
			if (parse_multipart(r, ct, buf_str(&cr->upload), cr->upload.len, &err) < 0)
				return web_fail(r, &err);
		} else {
			if (cr->upload.len &&
			    (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0))
				return web_fail_key(r, 415, "err.content_type", NULL);
			if (parse_form(r, buf_str(&cr->upload), cr->upload.len, &err) < 0)
				return web_fail(r, &err);
		}
	}

	if (!(r->db = db_for_thread(&err))) {
		log_error("database: %s", err.detail);
		return web_fail_key(r, 503, "err.db.unavailable", NULL);
	}
	if (route->handler == page_healthz)
		return route->handler(r); /* the database, but no session */
	if (api)
		return dispatch_api(r, route);
	load_session(r);
	r->lang = pick_lang(r);

	if ((route->flags & R_AUTH) && !r->actor) {
		if (r->want_json)
			return web_fail_key(r, 401, "err.login.required", NULL);
		char *next = arena_printf(r->arena, "/login?next=%s", r->path);
		return web_redirect(r, next);
	}
	if (r->actor && r->actor->must_change_password && !(route->flags & R_PWCHANGE)) {
		if (r->want_json)
			return web_fail_key(r, 403, "err.password.must_change", NULL);
		return web_redirect(r, "/password");
	}
	if (strcmp(r->method, "POST") == 0) {
		if (!origin_ok(r))
			return web_fail_key(r, 403, "err.csrf", "origin");
		if (!(route->flags & R_NOCSRF) && r->session) {
			const char *sent = web_form(r, "csrf");
			if (!sent)
				sent = web_header(r, "X-CSRF-Token");
			if (!auth_csrf_ok(r->session, sent))
				return web_fail_key(r, 403, "err.csrf", NULL);
		}
	}
	route->handler(r);
	if (db_in_transaction(r->db)) {
		log_error("%s %s left a transaction open; rolled back", r->method, r->path);
		db_rollback(r->db);
	}
}

/* MHD calls this with the raw request URI as soon as the request line is read, before it
 * decodes it; what it returns becomes the request's state. A %00 in the raw URI would reach us as
 * a string cut short ("/static/app.css%00.png" as "/static/app.css"), so it is caught here. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	conn_req_t *cr = calloc(1, sizeof *cr);
	if (cr && uri && strcasestr(uri, "%00"))
		cr->bad_request = 1;
	return cr;
}

/* The first call of a request: set it up and check the cheap limits. Returns 1 when the request
 * must be answered at once, without reading its body. */
static int request_start(conn_req_t *cr, struct MHD_Connection *c, const char *url, const char *method)
{
	cr->started = 1;
	atomic_fetch_add(&inflight, 1);
	watch_set(c, 0);
	cr->start_us = clock_usec();
	cr->r.arena = arena_new(8192);
	cr->r.conn = c;
	cr->r.method = arena_strdup(cr->r.arena, method);
	cr->r.path = arena_strdup(cr->r.arena, url);
	cr->r.lang = "vi";
	cr->r.want_json = wants_json(&cr->r);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN] = "";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof ip);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof ip);
	}
	cr->r.ip = arena_strdup(cr->r.arena, ip);

	if (atomic_load(&open_connections) > g_config.max_connections)
		cr->overloaded = 1;
	struct arg_check hc = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, count_header, &hc);
	if (hc.header_bytes + strlen(url) + strlen(method) > (size_t)g_config.max_header)
		cr->headers_too_big = 1;
	if (hc.conflicting)
		cr->bad_request = 1;
	/* An upload route takes a larger body (max_upload); every other route max_body. */
	int64_t rid = 0;
	int rstatus = 0;
	const char *rallow = NULL;
	const route_t *route = routes_match(method, url, &rid, &rstatus, &rallow);
	cr->limit = route && (route->flags & R_UPLOAD) ? g_config.max_upload : g_config.max_body;
	if (hc.content_length && strtoll(hc.content_length, NULL, 10) > cr->limit)
		cr->too_big = 1;
	return cr->overloaded || cr->headers_too_big || cr->too_big || cr->bad_request;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
	(void)cls;
	(void)version;
	conn_req_t *cr = *state;
	if (!cr) {
		if (!(cr = uri_logger(NULL, NULL, c)))
			return MHD_NO;
		*state = cr;
	}
	if (!cr->started) {
		if (request_start(cr, c, url, method)) {
			/* Answer at once, without reading the body; MHD closes the connection after. */
			dispatch(cr);
			return queue(cr);
		}
		return MHD_YES;
	}
	if (*size) {
		/* A body growing past its limit (chunked, or longer than announced) is read to its end
		 * and dropped, then answered 413: answering mid-upload makes MHD drop the connection
		 * before the client reads the answer. A body arriving too slowly is cut off at once. */
		if (!cr->timed_out &&
		    clock_usec() - cr->start_us > (int64_t)g_config.request_timeout * 1000000)
			cr->timed_out = 1;
		else if (!cr->too_big && cr->upload.len + *size > (size_t)cr->limit)
			cr->too_big = 1;
		else if (!cr->too_big)
			buf_append(&cr->upload, data, *size);
		*size = 0;
		if (cr->too_big)
			buf_release(&cr->upload);
		if (cr->timed_out && !cr->r.status) {
			buf_release(&cr->upload);
			dispatch(cr);
			return queue(cr);
		}
		return MHD_YES;
	}
	if (cr->r.status) /* already answered during the upload */
		return MHD_YES;
	dispatch(cr);
	return queue(cr);
}

static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode tc)
{
	(void)cls;
	(void)tc;
	conn_req_t *cr = *state;
	if (!cr)
		return;
	if (!cr->started) { /* the request line was read, the request never completed */
		free(cr);
		*state = NULL;
		return;
	}
	watch_set(c, 1);
	log_access(cr->r.method, cr->r.path, cr->r.status, (long long)(clock_usec() - cr->start_us));
	buf_release(&cr->upload);
	buf_release(&cr->r.body);
	arena_free(cr->r.arena);
	free(cr);
	*state = NULL;
	atomic_fetch_sub(&inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	log_debug("microhttpd: %s", line);
}

/* --- start and stop -------------------------------------------------------------------------- */

static int resolve_listen(const char *listen, struct sockaddr_storage *ss, int *v6, err_t *err)
{
	char host[128];
	snprintf(host, sizeof host, "%s", listen);
	char *colon = strrchr(host, ':');
	if (!colon)
		return err_set(err, ERR_INVALID, "err.config.listen", "%s: expected HOST:PORT", listen);
	*colon = 0;
	const char *port = colon + 1;
	char *h = host;
	if (*h == '[') { /* [::1]:8080 */
		h++;
		char *e = strchr(h, ']');
		if (e)
			*e = 0;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(*h ? h : NULL, port, &hints, &res);
	if (rc != 0 || !res)
		return err_set(err, ERR_INVALID, "err.config.listen", "%s: %s", listen, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

/* --- the OPAC's sync: a thread of its own, with its own connection ---------------------------- */

static atomic_int opac_stop;

/* Attach new records to the union catalogue's works and refresh the search index (opac_sync),
 * every second until the server stops. A failing round is logged and retried the next second. */
static void *opac_thread(void *unused)
{
	(void)unused;
	db_t *db = NULL;
	err_t err;
	if (db_open(g_config.db, &db, &err) < 0) {
		log_error("opac sync: cannot open the database: %s", err.detail);
		return NULL;
	}
	while (!atomic_load(&opac_stop)) {
		int n = opac_sync(db, &err);
		if (n < 0)
			log_warn("opac sync: %s", err.detail);
		for (int i = 0; i < 10 && !atomic_load(&opac_stop); i++)
			usleep(100000);
	}
	db_close(db);
	return NULL;
}

static int threads(void)
{
	if (g_config.threads > 0)
		return g_config.threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < 256 ? (int)n : 2;
}

int server_run(err_t *err)
{
	int rc;
	/* Argon2id takes 19 MiB per login. glibc would raise its mmap threshold after the first
	 * such block is freed and then keep later ones in the heap for good; a fixed threshold
	 * makes every large block go back to the system when the login is done. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	db_t *db = NULL;
	if ((rc = db_open(g_config.db, &db, err)) < 0)
		return rc;
	int applied = 0;
	rc = db_migrate(db, &applied, err);
	if (rc < 0) {
		db_close(db);
		return rc;
	}
	if (applied)
		log_info("database migrated: %d migration(s) applied", applied);
	if ((rc = tmpl_init(err)) < 0 || i18n_init() < 0 || password_init() < 0) {
		db_close(db);
		return rc < 0 ? rc : err_set(err, ERR_INTERNAL, "err.internal", "i18n or password list");
	}

	struct sockaddr_storage ss;
	int v6 = 0;
	if ((rc = resolve_listen(g_config.listen, &ss, &v6, err)) < 0) {
		db_close(db);
		return rc;
	}

	/* Signals go to this thread only, via sigtimedwait below. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	if (v6)
		flags |= MHD_USE_IPv6;
	int nthreads = threads();
	pthread_t opac_tid;
	int opac_started = pthread_create(&opac_tid, NULL, opac_thread, NULL) == 0;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)nthreads, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)g_config.max_connections + 64, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)g_config.request_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)g_config.max_header + 16384, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, NULL,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (!d) {
		atomic_store(&opac_stop, 1);
		if (opac_started)
			pthread_join(opac_tid, NULL);
		db_close(db);
		return err_set(err, ERR_INTERNAL, "err.listen", "cannot listen on %s (in use?)",
		               g_config.listen);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	log_info("thuvien listening on http://%s (port %u), %d threads, database %s", g_config.listen,
	         di ? di->port : 0, nthreads, db_kind_name(db));

	/* Wait for a signal; sweep expired sessions now and then. */
	int64_t last_sweep = 0;
	for (;;) {
		struct timespec ts = { .tv_sec = 1 };
		int sig = sigtimedwait(&sigs, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("signal %d: stopping (finishing requests in flight)", sig);
			break;
		}
		watch_sweep();
		if (clock_now() - last_sweep > 600) {
			err_t e2;
			int n = auth_sweep(db, &e2);
			if (n > 0)
				log_info("removed %d expired session(s)", n);
			last_sweep = clock_now();
		}
	}
	/* Stop accepting, let requests in flight finish (10 s at most), then stop. */
	MHD_socket lsock = MHD_quiesce_daemon(d);
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	for (int i = 0; i < 1000 && atomic_load(&inflight) > 0; i++)
		usleep(10000);
	/* Background jobs (imports) get as long again; one still running after that is rolled back
	 * whole when the process ends. */
	int left = jobs_drain(10000);
	if (left > 0)
		log_warn("stopping with %d job(s) still running; their work is rolled back", left);
	MHD_stop_daemon(d);
	atomic_store(&opac_stop, 1);
	if (opac_started)
		pthread_join(opac_tid, NULL);
	close_thread_dbs();
	db_close(db);
	tmpl_shutdown();
	log_info("stopped");
	return 0;
}
