/* pages_classify.c: the classification schemes (DDC, VN19) for staff: browsing and searching
 * them, the suggestions under the cataloguing form's class number field, and the call-number
 * builder behind its "make call number" button. Pages, JSON, and for htmx requests
 * (HX-Request header) bare HTML fragments without the layout. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "catalog/classify.h"
#include "web/tmpl.h"
#include "web/web.h"

/* Answer data as JSON when asked, as the bare fragment tmpl for htmx, else as the page page. */
static void render(web_req_t *r, int status, const char *page, const char *fragment, json_t *data)
{
	if (r->want_json || !web_header(r, "HX-Request"))
		return web_render(r, status, page, data);
	err_t err;
	buf_reset(&r->body);
	int rc = tmpl_render(fragment, data, r->lang, &r->body, &err);
	json_decref(data);
	r->content_type = "text/html; charset=utf-8";
	r->status = rc < 0 ? 500 : status;
	if (rc < 0) {
		buf_reset(&r->body);
		buf_puts(&r->body, "500 Internal Server Error\n");
	}
}

/* Where browsing a number goes on: the query that lists what lies below it. In DDC a main class
 * or division lists by its significant digits ("500" -> "5", "530" -> "53"); any other number
 * by itself. */
static const char *browse_query(web_req_t *r, const class_entry_t *e)
{
	size_t n = strlen(e->number);
	if (strcmp(e->scheme, "DDC") == 0 && n == 3) {
		while (n > 1 && e->number[n - 1] == '0')
			n--;
		return arena_strndup(r->arena, e->number, n);
	}
	return e->number;
}

static json_t *entry_json(web_req_t *r, const class_entry_t *e)
{
	buf_t b = BUF_INIT;
	buf_put_url(&b, browse_query(r, e));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "scheme", e->scheme, "number", e->number,
	                      "caption", e->caption, "caption_vi", e->caption_vi, "caption_en", e->caption_en,
	                      "depth", e->depth, "browse", buf_str(&b));
	buf_release(&b);
	return o;
}

static json_t *schemes_json(web_req_t *r, const char *selected)
{
	class_scheme_t *v;
	size_t n = 0;
	err_t err;
	json_t *list = json_array();
	if (classify_schemes(r->db, r->lang, r->arena, &v, &n, &err) < 0)
		return list;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b}", "code", v[i].code, "name", v[i].name,
		                                "selected", selected && strcmp(selected, v[i].code) == 0));
	return list;
}

/*
** GET /classes
** Search or browse a classification scheme (every role but readers). Parameters:
**    q=TEXT         a class number or its beginning ("895.92", "3k"), or words of the caption
**                   without marks ("vat ly"); empty: the main classes
**    class_number=  the same as q when q is missing (the cataloguing form's field, for htmx)
**    scheme=CODE    DDC or VN19; default: the deployment's class_scheme setting
**    limit=N        1..500 entries, default 50
** JSON: {"scheme", "q", "results": [{"number", "caption", "caption_vi", "caption_en", "depth"}],
** "ancestors": [...] when q is exactly a number}. An htmx request gets the suggestion list alone.
*/
void page_classes(web_req_t *r)
{
	const char *q = web_query(r, "q");
	if (!q)
		q = web_query(r, "class_number");
	q = q ? q : "";
	int64_t limit = web_query_int(r, "limit", 50);
	const char *scheme;
	class_entry_t *v, *up = NULL;
	size_t n = 0, nup = 0;
	err_t err;
	int rc = classify_scheme_check(r->db, web_query(r, "scheme"), r->arena, &scheme, &err);
	if (rc == 0)
		rc = classify_search(r->db, r->actor, scheme, q, r->lang,
		                     limit >= 1 && limit <= 500 ? (int)limit : 50, r->arena, &v, &n, &err);
	if (rc < 0)
		return web_fail(r, &err);
	json_t *results = json_array(), *ancestors = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(results, entry_json(r, &v[i]));
	/* The breadcrumb of an exact number: the first hit when it is q itself. */
	if (n && strcasecmp(v[0].number, text_trim(arena_strdup(r->arena, q))) == 0 &&
	    classify_ancestors(r->db, scheme, v[0].number, r->lang, r->arena, &up, &nup, &err) == 0)
		for (size_t i = 0; i < nup; i++)
			json_array_append_new(ancestors, entry_json(r, &up[i]));
	json_t *d = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:b}", "scheme", scheme, "q", q, "results",
	                      results, "ancestors", ancestors, "schemes", schemes_json(r, scheme), "main",
	                      *q == '\0', "has_results", n > 0, "has_ancestors", nup > 0);
	render(r, 200, "classes", "classes_list", d);
}

/*
** GET /classes/callnumber
** The call number (ký hiệu xếp giá) the deployment's rule makes of a class number and the first
** author (or, without one, the title). Parameters (those of the cataloguing form):
**    class_number=  the class number ("895.9223"); class= works too
**    authors=       authors, separated by ';' ("Nguyễn Nhật Ánh")
**    title=         the title, used when there is no author
**    year=          the year of publication (used when call_number_year is set)
** JSON: {"call_number", "author_mark"}. An htmx request gets the form's call number field filled
** with it, still editable.
*/
void page_class_callnumber(web_req_t *r)
{
	err_t err;
	if (classify_check_staff(r->actor, &err) < 0)
		return web_fail(r, &err);
	const char *cls = web_query(r, "class_number");
	if (!cls)
		cls = web_query(r, "class");
	const char *authors = web_query(r, "authors"), *title = web_query(r, "title");
	int bad = 0;
	int64_t year = web_parse_int(web_query(r, "year"), 0, 0, 9999, &bad);
	size_t total =
	    (cls ? strlen(cls) : 0) + (authors ? strlen(authors) : 0) + (title ? strlen(title) : 0);
	if (bad)
		return web_fail_key(r, 400, "err.biblio.year", NULL);
	if (total > 2000)
		return web_fail_key(r, 400, "err.classify.query", NULL);
	const char *call = classify_call_number(r->arena, NULL, cls, authors, title, (int)year);
	const char *mark = classify_author_mark(r->arena, NULL, authors, title);
	render(r, 200, "callnumber", "callnumber_field",
	       json_pack("{s:s, s:s, s:s}", "call_number", call, "author_mark", mark, "class_number",
	                 cls ? cls : ""));
}
