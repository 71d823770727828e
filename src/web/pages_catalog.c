/* pages_catalog.c: the staff catalogue: search, the short cataloguing form, a record with its
 * copies, adding copies, and the intake batches (general register, part I). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "catalog/catalog.h"
#include "catalog/classify.h"
#include "web/web.h"

static int64_t form_int(web_req_t *r, const char *name, int64_t def, int64_t min, int64_t max, int *bad)
{
	return web_parse_int(web_form(r, name), def, min, max, bad);
}

/* s percent-encoded for a query string, in the arena. */
static char *url_arg(web_req_t *r, const char *s)
{
	buf_t b = BUF_INIT;
	buf_put_url(&b, s ? s : "");
	char *out = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

static json_t *item_json(web_req_t *r, const item_t *it)
{
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)it->id,
	                 "register", it->reg, "accession_no", (json_int_t)it->accession_no, "accession",
	                 it->accession, "barcode", it->barcode, "price", (json_int_t)it->price, "status",
	                 it->status, "status_label",
	                 web_t(r, arena_printf(r->arena, "item.status.%s", it->status)), "acquisition_id",
	                 (json_int_t)it->acquisition_id);
}

static json_t *biblio_json(web_req_t *r, const biblio_t *b)
{
	json_t *items = json_array();
	int available = 0;
	for (size_t i = 0; i < b->nitems; i++) {
		json_array_append_new(items, item_json(r, &b->items[i]));
		available += strcmp(b->items[i].status, "available") == 0;
	}
	json_t *o = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, "
	    "s:s, s:s, s:o, s:i, s:i}",
	    "id", (json_int_t)b->id, "unit_code", b->unit_code, "doc_type", b->doc_type, "title", b->title,
	    "subtitle", b->subtitle, "authors", b->authors, "publisher", b->publisher, "place", b->place,
	    "edition", b->edition, "isbn", b->isbn, "language", b->language, "pages", b->pages, "size",
	    b->size, "price", (json_int_t)b->price, "series", b->series, "subjects", b->subjects, "summary",
	    b->summary, "class_number", b->class_number, "call_number", b->call_number, "copies", items,
	    "ncopies", (int)b->nitems, "available", available);
	json_object_set_new(o, "year", b->year ? json_integer(b->year) : json_null());
	json_object_set_new(o, "grade", b->grade ? json_integer(b->grade) : json_null());
	return o;
}

json_t *web_doc_types_json(web_req_t *r, const char *selected)
{
	doc_type_t *v;
	size_t n = 0;
	err_t err;
	json_t *list = json_array();
	if (catalog_doc_types(r->db, r->lang, r->arena, &v, &n, &err) < 0)
		return list;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b}", "code", v[i].code, "name", v[i].name,
		                                "selected", selected && strcmp(selected, v[i].code) == 0));
	return list;
}

bool web_can_catalog(const web_req_t *r)
{
	return r->actor && r->actor->role == ROLE_LIBRARIAN && strcmp(r->actor->unit_kind, "school") == 0;
}

/* The copy statuses a search may filter on, in display order. */
static const char *const item_statuses[] = { "available", "on_loan", "in_library",
	                                     "lost",      "damaged", "withdrawn" };

static json_t *statuses_json(web_req_t *r, const char *selected)
{
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof item_statuses / sizeof item_statuses[0]; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:b}", "code", item_statuses[i], "name",
		                    web_t(r, arena_printf(r->arena, "item.status.%s", item_statuses[i])),
		                    "selected", selected && strcmp(selected, item_statuses[i]) == 0));
	return list;
}

/*
** GET /catalog
** The staff catalogue search. Parameters:
**    q=TEXT      words of the title, authors, subjects, series, publisher, class number; an
**                ISBN; an accession number or barcode. Marks and case are ignored ("tieng viet"
**                finds "Tiếng Việt").
**    type=CODE   only this document type
**    class=TEXT  only class numbers starting with this ("895.922", "53")
**    from=YYYY   published in or after this year;  to=YYYY  in or before
**    status=S    only records with a copy in this status (available, on_loan, lost, ...)
**    page=N      20 a page; past SEARCH_CAP hits the total reads "more than" and pages stop
*/
void page_catalog(web_req_t *r)
{
	catalog_query_t q = { 0 };
	bool more = false;
	int bad = 0;
	q.q = web_query(r, "q");
	q.doc_type = web_query(r, "type");
	q.class_prefix = web_query(r, "class");
	q.year_from = (int)web_parse_int(web_query(r, "from"), 0, 0, 9999, &bad);
	q.year_to = (int)web_parse_int(web_query(r, "to"), 0, 0, 9999, &bad);
	if (bad)
		return web_fail_key(r, 400, "err.catalog.year", NULL);
	q.status = web_query(r, "status");
	if (q.status && *q.status) {
		size_t i = 0;
		while (i < sizeof item_statuses / sizeof item_statuses[0] &&
		       strcmp(q.status, item_statuses[i]) != 0)
			i++;
		if (i == sizeof item_statuses / sizeof item_statuses[0])
			return web_fail_key(r, 400, "err.catalog.status", NULL);
	}
	q.limit = 20;
	q.more = &more;
	int64_t page = web_query_int(r, "page", 1);
	if (page < 1 || page > 10000)
		page = 1;
	q.offset = (page - 1) * q.limit;
	biblio_t *v;
	size_t n = 0;
	int64_t total = 0;
	err_t err;
	if (catalog_search(r->db, r->actor, &q, r->arena, &v, &n, &total, &err) < 0)
		return web_fail(r, &err);
	json_t *hits = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(hits, biblio_json(r, &v[i]));
	json_t *d = json_pack(
	    "{s:o, s:I, s:b, s:I, s:s, s:s, s:s, s:o, s:o, s:b}", "hits", hits, "total", (json_int_t)total,
	    "more", more, "page", (json_int_t)page, "q", q.q ? q.q : "", "type", q.doc_type ? q.doc_type : "",
	    "class", q.class_prefix ? q.class_prefix : "", "types", web_doc_types_json(r, q.doc_type),
	    "statuses", statuses_json(r, q.status), "can_write", web_can_catalog(r));
	if (q.year_from)
		json_object_set_new(d, "from", json_integer(q.year_from));
	if (q.year_to)
		json_object_set_new(d, "to", json_integer(q.year_to));
	/* The pager's links carry the query and filters percent-encoded ("toán & tin" stays one value). */
	json_object_set_new(
	    d, "filters_url",
	    json_string(arena_printf(r->arena, "q=%s&type=%s&class=%s&from=%s&to=%s&status=%s",
	                             url_arg(r, q.q), url_arg(r, q.doc_type), url_arg(r, q.class_prefix),
	                             url_arg(r, web_query(r, "from")), url_arg(r, web_query(r, "to")),
	                             url_arg(r, q.status))));
	if (page > 1)
		json_object_set_new(d, "prev", json_integer(page - 1));
	if (page * q.limit < total)
		json_object_set_new(d, "next", json_integer(page + 1));
	web_render(r, 200, "catalog", d);
}

static json_t *new_form(web_req_t *r, const char *type)
{
	acquisition_t *v;
	size_t n = 0;
	err_t err;
	json_t *batches = json_array();
	if (catalog_acquisition_list(r->db, r->actor, 20, r->arena, &v, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			if (v[i].unit_id == r->actor->unit_id)
				json_array_append_new(
				    batches,
				    json_pack(
				        "{s:I, s:I, s:s, s:s}", "id", (json_int_t)v[i].id, "number",
				        (json_int_t)v[i].number, "received", v[i].received, "source",
				        web_t(r, arena_printf(r->arena, "acq.source.%s", v[i].source))));
	/* The classification schemes, the one chosen last (or the deployment's default) selected. */
	class_scheme_t *sv;
	size_t sn = 0;
	const char *pick = web_form(r, "scheme") ? web_form(r, "scheme") : g_config.class_scheme;
	json_t *schemes = json_array();
	if (classify_schemes(r->db, r->lang, r->arena, &sv, &sn, &err) == 0)
		for (size_t i = 0; i < sn; i++)
			json_array_append_new(schemes, json_pack("{s:s, s:s, s:b}", "code", sv[i].code,
			                                         "name", sv[i].name, "selected",
			                                         strcmp(pick, sv[i].code) == 0));
	return json_pack("{s:o, s:o, s:o}", "types", web_doc_types_json(r, type ? type : "STK"), "batches",
	                 batches, "schemes", schemes);
}

void web_biblio_form(web_req_t *r, biblio_t *in, int *bad)
{
	in->title = web_form(r, "title");
	in->subtitle = web_form(r, "subtitle");
	in->authors = web_form(r, "authors");
	in->publisher = web_form(r, "publisher");
	in->place = web_form(r, "place");
	in->edition = web_form(r, "edition");
	in->isbn = web_form(r, "isbn");
	in->language = web_form(r, "language");
	in->pages = web_form(r, "pages");
	in->size = web_form(r, "size");
	in->series = web_form(r, "series");
	in->subjects = web_form(r, "subjects");
	in->summary = web_form(r, "summary");
	in->doc_type = web_form(r, "doc_type");
	in->class_number = web_form(r, "class_number");
	in->call_number = web_form(r, "call_number");
	in->year = (int)form_int(r, "year", 0, INT_MIN, INT_MAX, bad);
	in->price = form_int(r, "price", 0, INT64_MIN, INT64_MAX, bad);
	in->grade = (int)form_int(r, "grade", 0, INT_MIN, INT_MAX, bad);
}

/*
** GET /catalog/new
** The short cataloguing form: what a school librarian knows of a book, and how many copies.
*/
void page_biblio_new(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	json_t *d = new_form(r, NULL);
	json_object_set_new(d, "f", json_pack("{s:s}", "copies", "1"));
	web_render(r, 200, "biblio_new", d);
}

/*
** POST /catalog
** Fields: the record's (web_biblio_form: title, subtitle, authors, publisher, place, year,
** edition, isbn, price in đồng, doc_type, class_number, call_number, ...), copies (0..1000),
** acquisition_id (0 or missing: a new batch received today), allow_duplicate=1 to add a record
** like one the school has. 303 to the record; 409 with "duplicate_id" for a likely duplicate.
*/
void page_biblio_create(web_req_t *r)
{
	int bad = 0;
	biblio_t in = { 0 };
	web_biblio_form(r, &in, &bad);
	int copies = (int)form_int(r, "copies", 0, INT_MIN, INT_MAX, &bad);
	int64_t acq = form_int(r, "acquisition_id", 0, 0, INT64_MAX, &bad);
	const char *allow = web_form(r, "allow_duplicate");
	err_t err;
	int64_t id = 0, dup = 0;
	int rc;
	if (bad)
		rc = err_set(&err, ERR_INVALID, "err.number", NULL);
	else
		rc = catalog_biblio_create_with_copies(r->db, r->actor, &in, allow && !strcmp(allow, "1"),
		                                       acq, copies, &id, &dup, &err);
	if (rc < 0) {
		if (err.code == ERR_FORBIDDEN)
			return web_fail(r, &err);
		if (r->want_json)
			return web_fail_extra(r, err_http_status(err.code), err.key,
			                      err.code == ERR_CONFLICT ? NULL : err.detail,
			                      dup ? json_pack("{s:I}", "duplicate_id", (json_int_t)dup)
			                          : NULL);
		json_t *d = new_form(r, in.doc_type);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "code", json_string(err.key));
		if (dup)
			json_object_set_new(d, "duplicate_id", json_integer(dup));
		/* Keep what was typed. */
		json_t *f = json_object();
		for (size_t i = 0; i < r->nform; i++)
			if (strcmp(r->form[i].name, "csrf") != 0)
				json_object_set_new(f, r->form[i].name, json_string(r->form[i].value));
		json_object_set_new(d, "f", f);
		return web_render(r, err_http_status(err.code), "biblio_new", d);
	}
	if (r->want_json) {
		biblio_t b;
		if (catalog_biblio_get(r->db, r->actor, id, r->arena, &b, &err) < 0)
			return web_fail(r, &err);
		return web_json(r, 201, json_pack("{s:o}", "biblio", biblio_json(r, &b)));
	}
	web_redirect(r, arena_printf(r->arena, "/catalog/%lld?ok=created", (long long)id));
}

/*
** GET /catalog/:id
** A record, its copies with accession numbers and barcodes, and the form to add copies.
*/
void page_biblio(web_req_t *r)
{
	biblio_t b;
	err_t err;
	if (catalog_biblio_get(r->db, r->actor, r->id, r->arena, &b, &err) < 0)
		return web_fail(r, &err);
	json_t *d = json_pack("{s:o, s:b}", "biblio", biblio_json(r, &b), "can_write",
	                      web_can_catalog(r) && b.unit_id == r->actor->unit_id);
	if (web_can_catalog(r)) {
		json_t *form = new_form(r, b.doc_type);
		json_object_set(d, "batches", json_object_get(form, "batches"));
		json_decref(form);
	}
	const char *ok = web_query(r, "ok");
	if (ok && (!strcmp(ok, "created") || !strcmp(ok, "copies") || !strcmp(ok, "edited") ||
	           !strcmp(ok, "edited_kept") || !strcmp(ok, "item")))
		json_object_set_new(d, "notice",
		                    json_string(web_t(r, arena_printf(r->arena, "ok.biblio.%s", ok))));
	web_render(r, 200, "biblio", d);
}

/*
** POST /catalog/:id/copies
** Fields: count (1..1000), acquisition_id (a batch of the school; 0: a new batch today),
** price (đồng each; empty: the record's price).
*/
void page_items_add(web_req_t *r)
{
	int bad = 0;
	int count = (int)form_int(r, "count", 1, INT_MIN, INT_MAX, &bad);
	int64_t acq = form_int(r, "acquisition_id", 0, 0, INT64_MAX, &bad);
	int64_t price = form_int(r, "price", -1, INT64_MIN, INT64_MAX, &bad);
	err_t err;
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	if (catalog_items_add(r->db, r->actor, r->id, acq, count, price, NULL, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, arena_printf(r->arena, "/catalog/%lld?ok=copies", (long long)r->id));
}

static json_t *acq_json(web_req_t *r, const acquisition_t *q)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:I}", "id",
	                 (json_int_t)q->id, "number", (json_int_t)q->number, "received", q->received, "source",
	                 q->source, "source_label", web_t(r, arena_printf(r->arena, "acq.source.%s", q->source)),
	                 "funding", q->funding,
	                 "funding_label", web_t(r, arena_printf(r->arena, "acq.funding.%s", q->funding)),
	                 "doc_number", q->doc_number, "doc_date", q->doc_date, "supplier", q->supplier,
	                 "note", q->note, "copies", (json_int_t)q->copies, "value", (json_int_t)q->value);
}

/*
** GET /acquisitions
** The intake batches (general register, part I) of the actor's subtree, newest first, and the
** form to open one.
*/
void page_acquisitions(web_req_t *r)
{
	acquisition_t *v;
	size_t n = 0;
	err_t err;
	if (catalog_acquisition_list(r->db, r->actor, 100, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, acq_json(r, &v[i]));
	web_render(r, 200, "acquisitions",
	           json_pack("{s:o, s:b}", "acquisitions", list, "can_write", web_can_catalog(r)));
}

/*
** POST /acquisitions
** Fields: received (yyyy-mm-dd; default today), source (purchase, gift, allocation, other),
** doc_number, doc_date, supplier, note.
*/
void page_acquisition_create(web_req_t *r)
{
	acquisition_t in = { 0 };
	in.received = web_form(r, "received");
	in.source = web_form(r, "source");
	in.funding = web_form(r, "funding");
	in.doc_number = web_form(r, "doc_number");
	in.doc_date = web_form(r, "doc_date");
	in.supplier = web_form(r, "supplier");
	in.note = web_form(r, "note");
	int64_t id;
	err_t err;
	if (catalog_acquisition_create(r->db, r->actor, &in, &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
	web_redirect(r, arena_printf(r->arena, "/acquisitions/%lld", (long long)id));
}

/*
** GET /acquisitions/:id
** One batch.
*/
void page_acquisition(web_req_t *r)
{
	acquisition_t q;
	err_t err;
	if (catalog_acquisition_get(r->db, r->actor, r->id, r->arena, &q, &err) < 0)
		return web_fail(r, &err);
	web_render(r, 200, "acquisition", json_pack("{s:o}", "acquisition", acq_json(r, &q)));
}
