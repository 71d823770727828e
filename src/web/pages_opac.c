/* pages_opac.c: the public catalogue's pages (OPAC): the search of the whole city (/opac) and of
 * one school (/opac/s/CODE), a union work (/opac/works/:id), a school's record
 * (/opac/records/:id) and its MARC view, and a school's switch for anonymous access.
 *
 * The search itself is opac_search (opac.h, the in-memory index); what a page shows of its hits
 * is read from the database for the page's records only (record.h). Every page is also JSON
 * (Accept: application/json), with the same data; the benchmark reads the search that way. The
 * pages need no JavaScript: the search box, the facets and the sort are one GET form.
 *
 * Anonymous visitors may read everything here unless a school closed its catalogue to them
 * (units.opac_public = 0): then its pages answer with the login page (401 to JSON) and the union
 * search leaves it out for them. No reader's name ever reaches these pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/text.h"
#include "opac/opac.h"
#include "opac/record.h"
#include "opac/social.h"
#include "web/web.h"

#define PAGE_SIZE 20
#define PAGE_MAX  10000000 /* deeper than any catalogue's last page; beyond: 400 */
#define QUERY_MAX 500

/* --- errors in the public layout ------------------------------------------------------------- */

/* An error answer: JSON as every page's (web_fail_key), and for a browser the error inside the
 * public layout, with a way back to the catalogue rather than to the staff home. */
static void fail_key(web_req_t *r, int status, const char *key, const char *detail)
{
	if (r->want_json)
		return web_fail_key(r, status, key, detail);
	json_t *e = json_pack("{s:i, s:s, s:s, s:s}", "status", status, "code", key, "title",
	                      web_t(r, arena_printf(r->arena, "http.%d", status >= 500 ? 500 : status)),
	                      "message", web_t(r, key));
	if (detail && *detail)
		json_object_set_new(e, "detail", json_string(detail));
	web_render_public(r, status, "opac_error", json_pack("{s:o}", "error", e));
}

/* A domain error: a closed school's page sends a browser to the login page (401 to JSON); the
 * rest as fail_key, internal details (database messages) left to the log. */
static void fail(web_req_t *r, const err_t *err)
{
	if (r->want_json || err_http_status(err->code) >= 500)
		return web_fail(r, err);
	if (err->code == ERR_AUTH)
		return web_redirect(r, arena_printf(r->arena, "/login?next=%s", r->path));
	bool internal = err->key && strncmp(err->key, "err.db.", 7) == 0;
	fail_key(r, err_http_status(err->code), err->key ? err->key : "err.internal",
	         internal ? NULL : err->detail);
}

/* --- the search's parameters ------------------------------------------------------------------- */

typedef struct params {
	const char *base; /* "/opac" or "/opac/s/CODE" */
	const char *q, *type, *cls, *lang, *sort;
	int grade, decade, limit;
	int64_t page;
	bool browse;
} params_t;

static const char *const sort_names[] = { "relevance", "newest", "popular", "title" };

/* A filter value as typed: letters, digits and "()-." only, short. */
static bool plain_value(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '(' || c == ')' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* Read and check the parameters into *p and the query *oq (types: the deployment's document
 * types, read once for the page). 0, or answers 400 itself and returns -1. */
static int read_params(web_req_t *r, const char *base, const doc_type_t *types, size_t nt, params_t *p,
                       opac_query_t *oq)
{
	int bad = 0;
	memset(p, 0, sizeof *p);
	memset(oq, 0, sizeof *oq);
	p->base = base;
	p->q = web_query(r, "q");
	if (p->q && strlen(p->q) > QUERY_MAX) {
		fail_key(r, 400, "err.opac.query", NULL);
		return -1;
	}
	if (p->q) {
		char *t = text_trim(arena_strdup(r->arena, p->q));
		p->q = *t ? t : NULL;
	}
	p->type = nonempty(web_query(r, "type"));
	p->cls = nonempty(web_query(r, "class"));
	p->lang = nonempty(web_query(r, "lang"));
	p->sort = nonempty(web_query(r, "sort"));
	p->grade = (int)web_parse_int(web_query(r, "grade"), 0, 1, 12, &bad);
	int decade_bad = 0;
	p->decade = (int)web_parse_int(web_query(r, "decade"), 0, 1000, 2100, &decade_bad);
	if (decade_bad || p->decade % 10)
		bad = 1;
	p->page = web_parse_int(web_query(r, "page"), 1, 1, PAGE_MAX, &bad);
	p->limit = (int)web_parse_int(web_query(r, "n"), PAGE_SIZE, 1, 100, &bad);
	const char *browse = web_query(r, "browse");
	p->browse = browse && !strcmp(browse, "1");
	if ((p->type && !plain_value(p->type, 10)) || (p->cls && !plain_value(p->cls, 16)) ||
	    (p->lang && !plain_value(p->lang, 3)))
		bad = 1;
	oq->sort = p->q ? OPAC_SORT_RELEVANCE : OPAC_SORT_TITLE;
	if (p->sort) {
		size_t k = 0;
		while (k < 4 && strcmp(p->sort, sort_names[k]))
			k++;
		if (k == 4)
			bad = 1;
		else
			oq->sort = (opac_sort_t)k;
	}
	if (bad) {
		fail_key(r, 400, "err.opac.params", NULL);
		return -1;
	}
	if (p->type) {
		/* Only the deployment's document types: an unknown one is a mistyped link, not an empty
		 * result. */
		bool known = false;
		for (size_t k = 0; k < nt && !known; k++)
			known = !strcmp(types[k].code, p->type);
		if (!known) {
			fail_key(r, 400, "err.opac.params", "type");
			return -1;
		}
	}
	oq->q = p->q;
	oq->doc_type = p->type;
	oq->class_main = p->cls;
	oq->grade = p->grade;
	oq->language = p->lang;
	oq->decade = p->decade;
	oq->offset = (p->page - 1) * p->limit;
	oq->limit = p->limit;
	oq->anonymous = r->actor == NULL;
	return 0;
}

/* The search's address with p's parameters, some replaced: q (NULL: p's), page (0: none). */
static const char *search_url(web_req_t *r, const params_t *p, const char *q, int64_t page, const char *sort)
{
	buf_t b = BUF_INIT;
	char sep = '?';
	buf_puts(&b, p->base);
#define ARG(name, val)                                                                                       \
	do {                                                                                                 \
		buf_printf(&b, "%c%s=", sep, name);                                                          \
		buf_put_url(&b, val);                                                                        \
		sep = '&';                                                                                   \
	} while (0)
	if (q ? *q : p->q != NULL)
		ARG("q", q ? q : p->q);
	if (p->type)
		ARG("type", p->type);
	if (p->cls)
		ARG("class", p->cls);
	if (p->grade)
		ARG("grade", arena_printf(r->arena, "%d", p->grade));
	if (p->lang)
		ARG("lang", p->lang);
	if (p->decade)
		ARG("decade", arena_printf(r->arena, "%d", p->decade));
	if (sort ? *sort : p->sort != NULL)
		ARG("sort", sort ? sort : p->sort);
	if (p->browse && !p->q)
		ARG("browse", "1");
	if (p->limit != PAGE_SIZE)
		ARG("n", arena_printf(r->arena, "%d", p->limit));
	if (page > 1)
		ARG("page", arena_printf(r->arena, "%lld", (long long)page));
#undef ARG
	const char *s = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

/* --- what a page shows of records ---------------------------------------------------------------- */

/* The name of a document type, from the list read once for the page. */
static const char *type_name(const doc_type_t *types, size_t nt, const char *code)
{
	for (size_t k = 0; k < nt; k++)
		if (!strcmp(types[k].code, code))
			return types[k].name;
	return code;
}

static const char *lang_name(web_req_t *r, const char *code)
{
	const char *key = arena_printf(r->arena, "opac.lang.%s", code);
	const char *s = web_t(r, key);
	return s && strcmp(s, key) ? s : code;
}

static json_t *brief_json(web_req_t *r, const opac_brief_t *b, const doc_type_t *types, size_t nt)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id",
	                      (json_int_t)b->id, "work_id", (json_int_t)b->work_id, "title", b->title,
	                      "subtitle", b->subtitle, "authors", b->authors, "type", b->doc_type,
	                      "type_name", type_name(types, nt, b->doc_type), "call_number", b->call_number,
	                      "school", b->unit_code ? b->unit_code : "", "copies", (json_int_t)b->copies,
	                      "on_shelf", (json_int_t)b->on_shelf, "url",
	                      arena_printf(r->arena, "/opac/records/%lld", (long long)b->id));
	json_object_set_new(o, "year", b->year ? json_integer(b->year) : json_null());
	return o;
}

static json_t *briefs_json(web_req_t *r, const opac_brief_t *v, size_t n, const doc_type_t *types, size_t nt)
{
	json_t *arr = json_array();
	for (size_t k = 0; k < n; k++)
		if (v[k].id)
			json_array_append_new(arr, brief_json(r, &v[k], types, nt));
	return arr;
}

/* --- the search pages ---------------------------------------------------------------------------- */

static const char *const facet_names[OPAC_FACETS] = { "type", "class", "grade", "lang", "decade" };

/* The label of one facet value in the page's language. */
static const char *facet_label(web_req_t *r, int f, const char *value, const doc_type_t *types, size_t nt,
                               const char **cv, const char **cc, size_t ncls)
{
	switch (f) {
	case OPAC_FACET_TYPE:
		return type_name(types, nt, value);
	case OPAC_FACET_CLASS:
		for (size_t k = 0; k < ncls; k++)
			if (!strcmp(cv[k], value))
				return arena_printf(r->arena, "%s – %s", value, cc[k]);
		return value;
	case OPAC_FACET_GRADE:
		return arena_printf(r->arena, "%s %s", web_t(r, "opac.grade"), value);
	case OPAC_FACET_LANG:
		return lang_name(r, value);
	default:
		return arena_printf(r->arena, "%s–%d", value, atoi(value) + 9);
	}
}

static json_t *facets_json(web_req_t *r, const params_t *p, const opac_result_t *res, const doc_type_t *types,
                           size_t nt)
{
	const char **cv = NULL, **cc = NULL;
	size_t ncls = 0;
	err_t err;
	if (res->facets[OPAC_FACET_CLASS].n &&
	    opac_class_names(r->db, r->lang, r->arena, &cv, &cc, &ncls, &err) < 0)
		ncls = 0; /* the values without captions */
	const char *selected[OPAC_FACETS] = {
		p->type,
		p->cls,
		p->grade ? arena_printf(r->arena, "%d", p->grade) : NULL,
		p->lang,
		p->decade ? arena_printf(r->arena, "%d", p->decade) : NULL,
	};
	json_t *out = json_array();
	for (int f = 0; f < OPAC_FACETS; f++) {
		const opac_facet_t *fa = &res->facets[f];
		json_t *values = json_array();
		for (size_t k = 0; k < fa->n; k++) {
			const char *v = fa->v[k].value;
			json_array_append_new(values,
			                      json_pack("{s:s, s:s, s:I, s:b}", "value", v, "label",
			                                facet_label(r, f, v, types, nt, cv, cc, ncls),
			                                "count", (json_int_t)fa->v[k].count, "selected",
			                                selected[f] && !strcmp(selected[f], v)));
		}
		if (!fa->n && !selected[f]) {
			json_decref(values);
			continue;
		}
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:o, s:b}", "name", facet_names[f], "legend",
		                   web_t(r, arena_printf(r->arena, "opac.facet.%s", facet_names[f])),
		                   "values", values, "any", selected[f] == NULL));
	}
	return out;
}

/* Page links: the first, the last, and two either side of the current one, with gaps. */
static json_t *pages_json(web_req_t *r, const params_t *p, int64_t pages)
{
	json_t *arr = json_array();
	int64_t shown[7], n = 0;
	shown[n++] = 1;
	for (int64_t k = p->page - 2; k <= p->page + 2; k++)
		if (k > 1 && k < pages)
			shown[n++] = k;
	if (pages > 1)
		shown[n++] = pages;
	for (int64_t i = 0; pages > 1 && i < n; i++) {
		if (i && shown[i] > shown[i - 1] + 1)
			json_array_append_new(arr, json_pack("{s:b}", "gap", 1));
		json_array_append_new(arr, json_pack("{s:I, s:s, s:b}", "n", (json_int_t)shown[i], "url",
		                                     search_url(r, p, NULL, shown[i], NULL), "current",
		                                     shown[i] == p->page));
	}
	return arr;
}

/* A translation with its "{n}" replaced by n. */
static const char *with_n(web_req_t *r, const char *key, int64_t n)
{
	const char *s = web_t(r, key), *at = strstr(s, "{n}");
	if (!at)
		return s;
	return arena_printf(r->arena, "%.*s%lld%s", (int)(at - s), s, (long long)n, at + 3);
}

static json_t *sorts_json(web_req_t *r, const params_t *p, opac_sort_t current)
{
	json_t *arr = json_array();
	for (int k = 0; k < 4; k++)
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:b}", "value", sort_names[k], "label",
		                   web_t(r, arena_printf(r->arena, "opac.sort.%s", sort_names[k])),
		                   "selected", (int)current == k));
	return arr;
}

/* The hits of a page as the page shows them: the records read in two statements. */
static json_t *hits_json(web_req_t *r, const opac_result_t *res, bool union_, const doc_type_t *types,
                         size_t nt, err_t *err)
{
	json_t *arr = json_array();
	size_t n = res->n > CATALOG_GET_MANY ? CATALOG_GET_MANY : res->n;
	int64_t *ids = arena_alloc(r->arena, (n ? n : 1) * sizeof *ids);
	opac_brief_t *v = arena_alloc(r->arena, (n ? n : 1) * sizeof *v);
	for (size_t k = 0; k < n; k++)
		ids[k] = res->hits[k].biblio_id;
	if (opac_brief_many(r->db, ids, n, !union_, r->arena, v, err) < 0) {
		json_decref(arr);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		if (!v[k].id)
			continue; /* deleted since the index read it */
		json_t *o = brief_json(r, &v[k], types, nt);
		json_object_set_new(o, "work_id", json_integer(res->hits[k].work_id));
		json_object_set_new(o, "schools", json_integer(res->hits[k].schools));
		json_object_set_new(o, "loans", json_integer(res->hits[k].loans));
		json_object_set_new(o, "union", json_boolean(union_));
		if (union_) {
			/* Not counted for the union (opac_brief_many): the work page counts every
			 * school's. */
			json_object_del(o, "copies");
			json_object_del(o, "on_shelf");
			json_object_del(o, "call_number");
			json_object_set_new(o, "url",
			                    json_string(arena_printf(r->arena, "/opac/works/%lld",
			                                             (long long)res->hits[k].work_id)));
			json_object_set_new(o, "held_by",
			                    json_string(with_n(r, "opac.held_by", res->hits[k].schools)));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Can the actor switch the school's anonymous access? Its librarian or leader. */
static bool can_switch(const web_req_t *r, int64_t unit_id)
{
	return r->actor && r->actor->unit_id == unit_id &&
	       (r->actor->role == ROLE_LIBRARIAN || r->actor->role == ROLE_LEADER);
}

static void search_page(web_req_t *r, const opac_school_t *school)
{
	params_t p;
	opac_query_t oq;
	opac_result_t res;
	err_t err;
	const char *base = school ? arena_printf(r->arena, "/opac/s/%s", school->code) : "/opac";
	doc_type_t *types = NULL;
	size_t nt = 0;
	if (catalog_doc_types(r->db, r->lang, r->arena, &types, &nt, &err) < 0)
		return fail(r, &err);
	if (read_params(r, base, types, nt, &p, &oq) < 0)
		return;
	oq.unit_id = school ? school->id : 0;
	if (opac_search(&oq, r->arena, &res, &err) < 0)
		return fail(r, &err);
	int64_t pages = res.total ? (res.total + p.limit - 1) / p.limit : 0;
	if (p.page > 1 && p.page > pages)
		return fail_key(r, 404, "err.opac.page", NULL);
	json_t *hits = hits_json(r, &res, school == NULL, types, nt, &err);
	if (!hits)
		return fail(r, &err);
	bool filtered = p.type || p.cls || p.grade || p.lang || p.decade;
	bool home = !p.q && !filtered && !p.browse && p.page == 1;
	json_t *d =
	    json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:b, s:b, s:s, s:s, s:o, s:o}", "q", p.q ? p.q : "",
	              "total", (json_int_t)res.total, "page", (json_int_t)p.page, "pages", (json_int_t)pages,
	              "hits", hits, "facets", facets_json(r, &p, &res, types, nt), "relaxed", res.relaxed,
	              "home", home, "action", base, "sort", sort_names[oq.sort], "sorts",
	              sorts_json(r, &p, oq.sort), "page_links", pages_json(r, &p, pages));
	json_object_set_new(d, "suggestion", res.suggestion ? json_string(res.suggestion) : json_null());
	if (res.suggestion)
		json_object_set_new(d, "suggestion_url",
		                    json_string(search_url(r, &p, res.suggestion, 0, NULL)));
	if (p.page > 1)
		json_object_set_new(d, "prev_url", json_string(search_url(r, &p, NULL, p.page - 1, NULL)));
	if (p.page < pages)
		json_object_set_new(d, "next_url", json_string(search_url(r, &p, NULL, p.page + 1, NULL)));
	json_object_set_new(d, "first", json_integer(res.total ? oq.offset + 1 : 0));
	json_object_set_new(d, "last", json_integer(oq.offset + (int64_t)json_array_size(hits)));
	json_object_set_new(d, "browse_url", json_string(arena_printf(r->arena, "%s?browse=1", base)));
	json_object_set_new(d, "union", json_boolean(school == NULL));
	json_object_set_new(d, "paged", json_boolean(pages > 1));
	/* The hidden fields that keep the page's choices when the facets' form is sent. */
	json_object_set_new(d, "keep_q", json_string(p.q ? p.q : ""));
	json_object_set_new(d, "keep_browse", json_boolean(p.browse && !p.q));
	if (school) {
		json_t *s = json_pack("{s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)school->id, "code",
		                      school->code, "name", school->name, "open", school->open, "url", base);
		if (can_switch(r, school->id))
			json_object_set_new(s, "can_switch", json_true());
		json_object_set_new(d, "school", s);
		json_object_set_new(d, "title", json_string(school->name));
		json_t *wl = web_withdrawals_notices(r, school->id, school->code);
		if (wl)
			json_object_set_new(d, "withdrawals", wl);
	}
	if (home)
		json_object_set_new(d, "discover",
		                    opac_discover(r->db, r->actor, school ? school->id : 0, r->arena));
	const char *ok = web_query(r, "ok");
	if (ok && !strcmp(ok, "settings"))
		json_object_set_new(d, "notice", json_string(web_t(r, "opac.ok.settings")));
	web_render_public(r, 200, "opac_search", d);
}

/*
** GET /opac
** The union catalogue: every school of the city. Parameters:
**    q=TEXT        the query (diacritics optional); none: the home page (discovery blocks)
**    type=CODE     document type filter      class=V   main class filter ("8")
**    grade=N       1..12                     lang=ISO  "vie", "eng"...
**    decade=YYYY   2020 for 2020-2029        sort=     relevance|newest|popular|title
**    page=N        1-based                   n=N       hits a page (1..100, default 20)
**    browse=1      list every work (no query) instead of the home page
** Unknown or malformed values: 400; a page past the last: 404.
*/
void page_opac(web_req_t *r)
{
	search_page(r, NULL);
}

/*
** GET /opac/s/CODE
** One school's catalogue, the school's public address; the parameters of /opac. An unknown code
** is 404; a school closed to anonymous visitors sends them to the login page (401 to JSON). The
** school's librarian and leader see the switch of anonymous access here.
*/
void page_opac_school(web_req_t *r)
{
	opac_school_t s;
	err_t err;
	const char *code = r->path + strlen("/opac/s/");
	const char *wd = strstr(code, "/withdrawals/"); /* a public weeding list (pages_weeding.c) */
	if (wd)
		return web_withdrawals_public(r, code, wd + strlen("/withdrawals/"));
	if (opac_school_by_code(r->db, r->actor, code, r->arena, &s, &err) < 0)
		return fail(r, &err);
	search_page(r, &s);
}

/* --- a record ------------------------------------------------------------------------------------ */

static json_t *citation_json(web_req_t *r, const opac_citation_t *c)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "before", c->before, "title", c->title, "after", c->after,
	                 "text", arena_printf(r->arena, "%s%s%s", c->before, c->title, c->after));
}

static json_t *copies_json(web_req_t *r, const opac_record_t *rec)
{
	json_t *arr = json_array();
	for (size_t k = 0; k < rec->ncopies; k++) {
		const opac_copy_t *c = &rec->copies[k];
		char due[16] = "";
		if (c->due)
			clock_day_vn(c->due, due, sizeof due);
		const char *label = web_t(r, arena_printf(r->arena, "opac.copy.%s", c->state));
		if (!strcmp(c->state, "loan") && due[0]) {
			const char *t = web_t(r, "opac.copy.loan_until"), *at = strstr(t, "{due}");
			if (at)
				label = arena_printf(r->arena, "%.*s%s%s", (int)(at - t), t, due, at + 5);
		}
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "accession", c->accession, "location",
		                      c->location, "state", c->state, "label", label, "available",
		                      !strcmp(c->state, "shelf") || !strcmp(c->state, "inlib"));
		json_object_set_new(o, "due", c->due ? json_string(c->due) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

/* A description's fields as label/value rows, the empty ones left out. */
static json_t *description_json(web_req_t *r, const biblio_t *b, const char *type_label)
{
	json_t *rows = json_array();
	struct {
		const char *key, *value;
	} f[] = {
		{ "catalog.f.authors", b->authors },
		{ "catalog.f.edition", b->edition },
		{ "catalog.f.publisher", b->publisher },
		{ "catalog.f.place", b->place },
		{ "opac.f.year", b->year ? arena_printf(r->arena, "%d", b->year) : "" },
		{ "opac.f.pages", b->pages },
		{ "opac.f.size", b->size },
		{ "catalog.f.series", b->series },
		{ "opac.f.subjects", b->subjects },
		{ "opac.f.isbn", b->isbn },
		{ "opac.f.language", b->language && *b->language ? lang_name(r, b->language) : "" },
		{ "opac.f.type", type_label },
		{ "opac.f.grade", b->grade ? arena_printf(r->arena, "%d", b->grade) : "" },
		{ "opac.f.class", b->class_number },
	};
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
		if (f[k].value && *f[k].value)
			json_array_append_new(
			    rows, json_pack("{s:s, s:s}", "label", web_t(r, f[k].key), "value", f[k].value));
	return rows;
}

/*
** GET /opac/records/:id
** A school's record: the full description, call number, each copy's state (on the shelf; on loan
** until dd/mm/yyyy; read in the library only), the hold queue, the "place a hold" form for a
** reader of the school (a login link for anyone else), readers' reviews, more by the same author
** and in the same class, and citations. Another school's record is public too, unless that
** school closed its catalogue to anonymous visitors (then: the login page, 401 to JSON).
*/
void page_opac_record(web_req_t *r)
{
	opac_record_t rec;
	err_t err;
	if (opac_record_get(r->db, r->actor, r->id, r->arena, &rec, &err) < 0)
		return fail(r, &err);
	const biblio_t *b = &rec.b;
	doc_type_t *types = NULL;
	size_t nt = 0;
	opac_brief_t *by_author, *by_class;
	size_t na, nc;
	if (catalog_doc_types(r->db, r->lang, r->arena, &types, &nt, &err) < 0 ||
	    opac_related(r->db, &rec, 5, r->arena, &by_author, &na, &by_class, &nc, &err) < 0)
		return fail(r, &err);
	opac_citation_t vn, apa;
	opac_cite_vn(r->arena, b, &vn);
	opac_cite_apa(r->arena, b, &apa);
	const char *tname = type_name(types, nt, b->doc_type);
	const char *self = arena_printf(r->arena, "/opac/records/%lld", (long long)b->id);
	json_t *record = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)b->id, "title", b->title, "subtitle", b->subtitle, "authors", b->authors,
	    "publisher", b->publisher, "place", b->place, "edition", b->edition, "pages", b->pages, "size",
	    b->size, "series", b->series, "subjects", b->subjects, "summary", b->summary, "isbn", b->isbn,
	    "language", b->language, "type", b->doc_type, "type_name", tname, "class_number", b->class_number,
	    "call_number", b->call_number, "marc_url", arena_printf(r->arena, "%s/marc", self));
	json_object_set_new(record, "year", b->year ? json_integer(b->year) : json_null());
	json_object_set_new(record, "grade", b->grade ? json_integer(b->grade) : json_null());
	json_t *d =
	    json_pack("{s:o, s:o, s:o, s:I, s:I, s:b, s:{s:s, s:s, s:s}, s:s}", "record", record, "rows",
	              description_json(r, b, tname), "copies", copies_json(r, &rec), "on_shelf",
	              (json_int_t)rec.on_shelf, "holds", (json_int_t)rec.holds, "reference", rec.reference,
	              "school", "code", rec.school.code, "name", rec.school.name, "url",
	              arena_printf(r->arena, "/opac/s/%s", rec.school.code), "title", b->title);
	if (rec.work_id)
		json_object_set_new(
		    d, "work_url",
		    json_string(arena_printf(r->arena, "/opac/works/%lld", (long long)rec.work_id)));
	json_object_set_new(d, "can_hold", json_boolean(rec.viewer_reader));
	json_object_set_new(d, "hold_action", json_string(arena_printf(r->arena, "%s/hold", self)));
	if (!r->actor)
		json_object_set_new(d, "login_url",
		                    json_string(arena_printf(r->arena, "/login?next=%s", self)));
	json_object_set_new(d, "related",
	                    json_pack("{s:o, s:o}", "author", briefs_json(r, by_author, na, types, nt),
	                              "class", briefs_json(r, by_class, nc, types, nt)));
	json_object_set_new(
	    d, "citation",
	    json_pack("{s:o, s:o}", "vn", citation_json(r, &vn), "apa", citation_json(r, &apa)));
	json_object_set_new(d, "social", opac_social_record(r->db, r->actor, b->unit_id, b->id, r->arena));
	web_render_public(r, 200, "opac_record", d);
}

/*
** GET /opac/records/:id/marc
** The record's MARC21 in the line format ("245 10 $a ..."), for teachers: the stored record, or
** one built from the short fields, without holdings and local fields (barcodes, prices).
*/
void page_opac_marc(web_req_t *r)
{
	opac_record_t rec;
	marc_rec_t m;
	bool stored = false;
	err_t err;
	if (opac_record_marc(r->db, r->actor, r->id, r->arena, &rec, &m, &stored, &err) < 0)
		return fail(r, &err);
	json_t *d =
	    json_pack("{s:I, s:s, s:s, s:b, s:s, s:s}", "id", (json_int_t)rec.b.id, "title", rec.b.title,
	              "url", arena_printf(r->arena, "/opac/records/%lld", (long long)rec.b.id), "stored",
	              stored, "lines", marc_rec_lines(r->arena, &m), "leader", m.leader ? m.leader : "");
	web_render_public(r, 200, "opac_marc", d);
}

/* --- a union work -------------------------------------------------------------------------------- */

/*
** GET /opac/works/:id
** A work of the union catalogue: its description and every school holding it, with copies and
** copies on the shelf, each linked to that school's record. Schools closed to anonymous visitors
** are left out for them.
*/
void page_opac_work(web_req_t *r)
{
	opac_work_t w;
	err_t err;
	doc_type_t *types = NULL;
	size_t nt = 0;
	if (opac_work_get(r->db, r->actor, r->id, r->arena, &w, &err) < 0 ||
	    catalog_doc_types(r->db, r->lang, r->arena, &types, &nt, &err) < 0)
		return fail(r, &err);
	json_t *work = brief_json(r, &w.rep, types, nt);
	json_object_set_new(work, "id", json_integer(w.id));
	json_object_set_new(work, "publisher", json_string(w.publisher ? w.publisher : ""));
	json_object_set_new(work, "place", json_string(w.place ? w.place : ""));
	json_object_set_new(work, "isbn", json_string(w.isbn ? w.isbn : ""));
	json_object_set_new(work, "language", json_string(w.language ? lang_name(r, w.language) : ""));
	json_object_set_new(work, "summary", json_string(w.summary ? w.summary : ""));
	json_t *hold = json_array();
	int64_t copies = 0, shelf = 0;
	for (size_t k = 0; k < w.nholdings; k++) {
		const opac_holding_t *x = &w.holdings[k];
		copies += x->copies;
		shelf += x->on_shelf;
		json_array_append_new(
		    hold,
		    json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "code", x->code, "name", x->name, "copies",
		              (json_int_t)x->copies, "on_shelf", (json_int_t)x->on_shelf, "url",
		              arena_printf(r->arena, "/opac/records/%lld", (long long)x->biblio_id),
		              "school_url", arena_printf(r->arena, "/opac/s/%s", x->code)));
	}
	json_t *d = json_pack("{s:o, s:o, s:I, s:I, s:I, s:s}", "work", work, "holdings", hold, "schools",
	                      (json_int_t)w.nholdings, "copies", (json_int_t)copies, "on_shelf",
	                      (json_int_t)shelf, "title", w.rep.title);
	web_render_public(r, 200, "opac_work", d);
}

/* --- the school's switch ------------------------------------------------------------------------- */

/*
** POST /opac/settings
** The school's librarian or leader opens or closes its catalogue to anonymous visitors.
**    open=1|0     1: anyone may search it; 0: only logged-in accounts
**    unit=ID      optional: must be the actor's school (another school's id: 404)
** Back to the school's OPAC page (JSON: {ok, open}).
*/
void page_opac_settings(web_req_t *r)
{
	err_t err;
	int bad = 0;
	const char *open = web_form(r, "open");
	int64_t unit = web_parse_int(web_form(r, "unit"), 0, 1, INT64_MAX, &bad);
	if (bad)
		return fail_key(r, 404, "err.opac.school", NULL);
	if (!open || (strcmp(open, "0") && strcmp(open, "1")))
		return fail_key(r, 400, "err.opac.open", NULL);
	if (opac_settings_set(r->db, r->actor, unit, open[0] == '1', &err) < 0)
		return fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:b, s:b}", "ok", 1, "open", open[0] == '1'));
	web_redirect(r, arena_printf(r->arena, "/opac/s/%s?ok=settings", r->actor->unit_code));
}
