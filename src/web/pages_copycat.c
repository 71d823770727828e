/* pages_copycat.c: copy cataloguing (biên mục sao chép): search the configured Z39.50/SRU
 * servers and the city's union catalogue for a book, and take a found record into the school's
 * catalogue with N copies. Librarians of a school only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "copycat/copycat.h"
#include "web/web.h"

#define SEARCH_HITS    10 /* records shown per target */
#define SEARCH_TIMEOUT 5  /* seconds per target */

/* The configured targets; on a bad setting answers 503 and returns -1. */
static int load_targets(web_req_t *r, copycat_target_t **t, size_t *n)
{
	err_t err;
	if (copycat_targets_parse(g_config.copycat_targets, r->arena, t, n, &err) < 0) {
		log_warn("copycat_targets: %s", err.detail);
		web_fail_key(r, 503, "err.copycat.config", NULL);
		return -1;
	}
	return 0;
}

/* The targets to ask: all of them for "" or NULL, else the one named (400 when unknown). */
static int pick_target(web_req_t *r, const char *name, copycat_target_t **t, size_t *n)
{
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*t)[i].name, name) == 0) {
			*t = &(*t)[i];
			*n = 1;
			return 0;
		}
	web_fail_key(r, 400, "err.copycat.target", NULL);
	return -1;
}

static json_t *hit_json(const copycat_hit_t *h)
{
	const biblio_t *b = &h->bib;
	json_t *o =
	    json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "target", h->target, "position",
	              h->position, "title", b->title, "subtitle", b->subtitle ? b->subtitle : "", "authors",
	              b->authors ? b->authors : "", "publisher", b->publisher ? b->publisher : "", "place",
	              b->place ? b->place : "", "isbn", b->isbn ? b->isbn : "", "language",
	              b->language ? b->language : "", "marcxml", h->marcxml ? h->marcxml : "");
	json_object_set_new(o, "year", b->year ? json_integer(b->year) : json_null());
	return o;
}

static json_t *title_json(const copycat_title_t *t)
{
	json_t *hold = json_array();
	int64_t total = 0;
	for (size_t i = 0; i < t->nholdings; i++) {
		const copycat_holding_t *h = &t->holdings[i];
		total += h->copies;
		json_array_append_new(hold,
		                      json_pack("{s:s, s:s, s:I}", "unit_code", h->unit_code, "unit_name",
		                                h->unit_name, "copies", (json_int_t)h->copies));
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:i}", "title", t->title, "subtitle",
	                      t->subtitle, "authors", t->authors, "publisher", t->publisher, "isbn", t->isbn,
	                      "holdings", hold, "copies", (json_int_t)total, "schools", (int)t->nholdings);
	json_object_set_new(o, "year", t->year ? json_integer(t->year) : json_null());
	json_object_set_new(o, "own_id", t->biblio_id ? json_integer(t->biblio_id) : json_null());
	return o;
}

/*
** GET /copycat
** Copy cataloguing: the search form, the configured targets, and for a query the records each
** target returned (at most 10 a target, 5 s a target) with "import with N copies", and the
** titles of the city's schools that match. Parameters:
**    q=TEXT         a title, an author's name or an ISBN (at most 200 bytes)
**    by=KIND        title, author, isbn; empty: an ISBN when q is one, else the title
**    target=NAME    only this configured target; empty: all of them
** Without a configured target only the union catalogue is searched.
*/
void page_copycat(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	copycat_target_t *all, *t;
	size_t nall, n;
	if (load_targets(r, &all, &nall) < 0)
		return;
	const char *q = web_query(r, "q");
	const char *by_s = web_query(r, "by");
	const char *target = web_query(r, "target");
	int by = copycat_by_parse(by_s);
	if (by < 0)
		return web_fail_key(r, 400, "err.copycat.by", NULL);
	t = all;
	n = nall;
	if (pick_target(r, target, &t, &n) < 0)
		return;
	json_t *targets = json_array();
	for (size_t i = 0; i < nall; i++)
		json_array_append_new(targets, json_pack("{s:s, s:s, s:b}", "name", all[i].name, "protocol",
		                                         all[i].sru ? "SRU" : "Z39.50", "selected",
		                                         target && !strcmp(target, all[i].name)));
	json_t *d = json_pack("{s:s, s:s, s:o, s:b}", "q", q ? q : "", "by", by_s ? by_s : "", "targets",
	                      targets, "searched", q != NULL);
	/* by_s is one of the four spellings (checked above): the form's selected option. */
	json_object_set_new(d, arena_printf(r->arena, "by_%s", by_s && *by_s ? by_s : "auto"), json_true());
	if (!q)
		return web_render(r, 200, "copycat", d);

	err_t err;
	copycat_search_out_t res = { 0 };
	/* Without a configured target the union catalogue is still searched. */
	if (nall > 0 && copycat_search(t, n, q, (copycat_by_t)by, SEARCH_HITS, SEARCH_TIMEOUT, r->arena, &res,
	                               &err) < 0) {
		json_decref(d);
		return web_fail(r, &err);
	}
	json_t *hits = json_array(), *status = json_array();
	for (size_t i = 0; i < res.nhits; i++)
		json_array_append_new(hits, hit_json(&res.hits[i]));
	for (size_t i = 0; i < res.ntargets; i++) {
		const copycat_result_t *s = &res.targets[i];
		json_t *o =
		    json_pack("{s:s, s:I, s:b, s:i}", "target", s->target, "total", (json_int_t)s->total,
		              "timed_out", s->timed_out, "rejected", s->rejected);
		json_object_set_new(o, "error", s->error ? json_string(s->error) : json_null());
		json_array_append_new(status, o);
	}
	json_object_set_new(d, "hits", hits);
	json_object_set_new(d, "results", status);

	copycat_title_t *u;
	size_t nu = 0;
	if (copycat_union_search(r->db, r->actor, q, 20, r->arena, &u, &nu, &err) < 0) {
		json_decref(d);
		return web_fail(r, &err);
	}
	json_t *titles = json_array();
	for (size_t i = 0; i < nu; i++)
		json_array_append_new(titles, title_json(&u[i]));
	json_object_set_new(d, "union", titles);
	web_render(r, 200, "copycat", d);
}

/* A whole number field in [min, max]; def when missing or empty; -1 in *bad otherwise. */
static int form_num(web_req_t *r, const char *name, int def, int min, int max, int *bad)
{
	const char *s = web_form(r, name);
	if (!s || !*s)
		return def;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < min || v > max) {
		*bad = 1;
		return def;
	}
	return (int)v;
}

/*
** POST /copycat/import
** Take record n of a search into the school's catalogue. The search is run again here on the one
** target, so nothing the browser sends is trusted as a record. Fields:
**    target=NAME   the configured target (required)
**    q, by         the search, as for GET /copycat
**    n=K           the record's position in that target's results (1..50)
**    copies=N      copies to add in a new intake batch (1..1000; default 1)
**    title=TEXT    optional: the title the librarian saw; 409 when the record at n differs
** 303 to the new record; 409 with "duplicate_id" when the school has it already.
*/
void page_copycat_import(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	copycat_target_t *t;
	size_t n;
	if (load_targets(r, &t, &n) < 0)
		return;
	const char *target = web_form(r, "target");
	if (!target || !*target)
		return web_fail_key(r, 400, "err.copycat.target", NULL);
	if (pick_target(r, target, &t, &n) < 0)
		return;
	int bad = 0;
	int pos = form_num(r, "n", 0, 1, COPYCAT_MAX_HITS, &bad);
	int copies = form_num(r, "copies", 1, 1, 1000, &bad);
	int by = copycat_by_parse(web_form(r, "by"));
	if (bad || pos == 0)
		return web_fail_key(r, 400, "err.number", NULL);
	if (by < 0)
		return web_fail_key(r, 400, "err.copycat.by", NULL);
	err_t err;
	copycat_search_out_t res;
	if (copycat_search(t, 1, web_form(r, "q"), (copycat_by_t)by, pos, SEARCH_TIMEOUT, r->arena, &res,
	                   &err) < 0)
		return web_fail(r, &err);
	if (res.targets[0].error)
		return web_fail_key(r, 502, "err.copycat.target_failed", res.targets[0].error);
	const copycat_hit_t *hit = NULL;
	for (size_t i = 0; i < res.nhits; i++)
		if (res.hits[i].position == pos)
			hit = &res.hits[i];
	if (!hit)
		return web_fail_key(r, 404, "err.copycat.gone", NULL);
	const char *seen = web_form(r, "title");
	if (seen && *seen && strcmp(seen, hit->bib.title) != 0)
		return web_fail_key(r, 409, "err.copycat.changed", NULL);
	int64_t id = 0, dup = 0;
	if (copycat_import(r->db, r->actor, hit, copies, &id, &dup, &err) < 0) {
		if (err.code == ERR_CONFLICT && dup)
			return web_fail_extra(r, 409, err.key, NULL,
			                      json_pack("{s:I}", "duplicate_id", (json_int_t)dup));
		return web_fail(r, &err);
	}
	const char *loc = arena_printf(r->arena, "/catalog/%lld", (long long)id);
	if (r->want_json)
		return web_json(
		    r, 201,
		    json_pack("{s:I, s:s, s:i}", "id", (json_int_t)id, "location", loc, "copies", copies));
	web_redirect(r, arena_printf(r->arena, "%s?ok=created", loc));
}
