/* pages_edit.c: editing a record with the short form, and one copy (barcode, place, price, note,
 * status). The forms carry the record's version, so a second librarian's save over a form made
 * before hers is refused (409) rather than lost. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "catalog/edit.h"
#include "web/web.h"

static const char *const FIELDS[] = { "title",    "subtitle", "authors",  "publisher",    "place",
	                              "edition",  "isbn",     "language", "pages",        "size",
	                              "series",   "subjects", "summary",  "class_number", "call_number",
	                              "doc_type", NULL };

/* The form's values from a record. */
static json_t *form_of(const biblio_t *b)
{
	const char *v[] = { b->title,   b->subtitle,     b->authors,     b->publisher, b->place,  b->edition,
		            b->isbn,    b->language,     b->pages,       b->size,      b->series, b->subjects,
		            b->summary, b->class_number, b->call_number, b->doc_type };
	json_t *f = json_object();
	for (size_t i = 0; FIELDS[i]; i++)
		json_object_set_new(f, FIELDS[i], json_string(v[i] ? v[i] : ""));
	return f;
}

static json_t *edit_page(web_req_t *r, const biblio_t *b, bool has_marc, int64_t version, json_t *f)
{
	return json_pack("{s:I, s:s, s:I, s:b, s:i, s:o, s:o}", "id", (json_int_t)b->id, "title", b->title,
	                 "version", (json_int_t)version, "has_marc", has_marc, "ncopies", (int)b->nitems,
	                 "types", web_doc_types_json(r, json_string_value(json_object_get(f, "doc_type"))),
	                 "f", f);
}

/*
** GET /catalog/:id/edit
** The short form filled with the record, for the librarian of its school.
*/
void page_biblio_edit_form(web_req_t *r)
{
	biblio_t b;
	const char *marc = NULL;
	err_t err;
	if (catalog_biblio_get_for_edit(r->db, r->actor, r->id, r->arena, &b, &marc, &err) < 0)
		return web_fail(r, &err);
	json_t *f = form_of(&b);
	json_object_set_new(f, "year", json_string(b.year ? arena_printf(r->arena, "%d", b.year) : ""));
	json_object_set_new(f, "price", json_string(arena_printf(r->arena, "%lld", (long long)b.price)));
	json_object_set_new(f, "grade", json_string(b.grade ? arena_printf(r->arena, "%d", b.grade) : ""));
	web_render(r, 200, "biblio_edit", edit_page(r, &b, marc != NULL, b.version, f));
}

/*
** POST /catalog/:id/edit
** Fields: version (from the form), title, subtitle, authors, publisher, place, year, edition,
** isbn, language, pages, size, price (đồng), series, subjects, summary, doc_type, class_number,
** call_number, grade (every field: one left out is saved empty, as the form sends them all);
** allow_duplicate=1 to keep a change that makes the record like another.
** 303 to the record; 400 for bad input, 409 for a stale form or a likely duplicate (with
** "duplicate_id"); nothing is written on error.
*/
void page_biblio_edit(web_req_t *r)
{
	int bad = 0;
	biblio_t in = { 0 };
	web_biblio_form(r, &in, &bad);
	int64_t version = web_parse_int(web_form(r, "version"), -1, INT64_MIN, INT64_MAX, &bad);
	const char *allow = web_form(r, "allow_duplicate");
	catalog_edit_result_t res = { 0 };
	err_t err;
	int rc;
	if (bad)
		rc = err_set(&err, ERR_INVALID, "err.number", NULL);
	else
		rc = catalog_biblio_update(r->db, r->actor, r->id, version, &in, allow && !strcmp(allow, "1"),
		                           r->arena, &res, &err);
	if (rc == 0) {
		if (r->want_json)
			return web_json(r, 200,
			                json_pack("{s:I, s:s, s:b, s:b}", "id", (json_int_t)r->id, "changes",
			                          res.changes, "kept_accessions", res.kept_accessions,
			                          "marc_updated", res.marc_updated));
		return web_redirect(r, arena_printf(r->arena, "/catalog/%lld?ok=%s", (long long)r->id,
		                                    res.kept_accessions ? "edited_kept" : "edited"));
	}
	if (err.code == ERR_FORBIDDEN || err.code == ERR_NOTFOUND)
		return web_fail(r, &err);
	int status = err_http_status(err.code);
	if (r->want_json)
		return web_fail_extra(r, status, err.key, err.code == ERR_CONFLICT ? NULL : err.detail,
		                      res.dup_id ? json_pack("{s:I}", "duplicate_id", (json_int_t)res.dup_id)
		                                 : NULL);
	/* The form again, as typed, with the message; the record (for its title and copies) as now. */
	biblio_t b;
	const char *marc = NULL;
	err_t e2;
	if (catalog_biblio_get_for_edit(r->db, r->actor, r->id, r->arena, &b, &marc, &e2) < 0)
		return web_fail(r, &e2);
	json_t *f = json_object();
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, "csrf") && strcmp(r->form[i].name, "version"))
			json_object_set_new(f, r->form[i].name, json_string(r->form[i].value));
	json_t *d = edit_page(r, &b, marc != NULL, version, f);
	json_object_set_new(d, "error", json_string(web_t(r, err.key)));
	json_object_set_new(d, "code", json_string(err.key));
	if (err.code != ERR_CONFLICT && *err.detail)
		json_object_set_new(d, "detail", json_string(err.detail));
	if (res.dup_id)
		json_object_set_new(d, "duplicate_id", json_integer(res.dup_id));
	if (!strcmp(err.key, "err.biblio.stale"))
		json_object_set_new(d, "stale", json_true());
	web_render(r, status, "biblio_edit", d);
}

static json_t *item_page(web_req_t *r, const item_t *it, const char *status)
{
	static const char *const choices[] = { "available", "damaged", "lost", NULL };
	json_t *list = json_array();
	bool locked = strcmp(it->status, "on_loan") == 0 || strcmp(it->status, "withdrawn") == 0;
	for (size_t i = 0; choices[i] && !locked; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:b}", "code", choices[i], "name",
		                    web_t(r, arena_printf(r->arena, "item.status.%s", choices[i])),
		                    "selected", !strcmp(choices[i], status)));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)it->id,
	                 "biblio_id", (json_int_t)it->biblio_id, "accession", it->accession, "barcode",
	                 it->barcode, "location", it->location, "price", (json_int_t)it->price, "note",
	                 it->note ? it->note : "", "status", it->status, "status_label",
	                 web_t(r, arena_printf(r->arena, "item.status.%s", it->status)), "locked", locked,
	                 "statuses", list);
}

/*
** GET /items/:id/edit
** A copy's form: barcode, place (kho, giá), price, note, status. Librarian of its school.
*/
void page_item_edit_form(web_req_t *r)
{
	item_t it;
	err_t err;
	if (catalog_check_writer(r->actor, &err) < 0 ||
	    catalog_item_get(r->db, r->actor, r->id, r->arena, &it, &err) < 0)
		return web_fail(r, &err);
	biblio_t b;
	if (catalog_biblio_get_for_edit(r->db, r->actor, it.biblio_id, r->arena, &b, NULL, &err) < 0)
		return web_fail_key(r, 404, "err.item.notfound", NULL);
	json_t *d = item_page(r, &it, it.status);
	json_object_set_new(d, "title", json_string(b.title));
	web_render(r, 200, "item_edit", d);
}

/*
** POST /items/:id/edit
** Fields: barcode (unique in the school), location, price (đồng), note, status (available,
** damaged, lost; a copy on loan or withdrawn keeps its own); a field left out keeps its value.
** 303 to the record; 400 for bad input, 409 for a barcode another copy has.
*/
void page_item_edit(web_req_t *r)
{
	int bad = 0;
	item_t in = { 0 };
	in.barcode = web_form(r, "barcode");
	in.location = web_form(r, "location");
	in.note = web_form(r, "note");
	in.status = web_form(r, "status");
	in.price = web_parse_int(web_form(r, "price"), CATALOG_KEEP_PRICE, INT64_MIN + 1, INT64_MAX, &bad);
	const char *changes = NULL;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.number", NULL)
	             : catalog_item_update(r->db, r->actor, r->id, &in, r->arena, &changes, &err);
	item_t it;
	if (rc == 0) {
		if (catalog_item_get(r->db, r->actor, r->id, r->arena, &it, &err) < 0)
			return web_fail(r, &err);
		if (r->want_json)
			return web_json(r, 200,
			                json_pack("{s:o, s:s}", "item", item_page(r, &it, it.status),
			                          "changes", changes));
		return web_redirect(r,
		                    arena_printf(r->arena, "/catalog/%lld?ok=item", (long long)it.biblio_id));
	}
	if (err.code == ERR_FORBIDDEN || err.code == ERR_NOTFOUND || r->want_json)
		return web_fail(r, &err);
	err_t e2;
	if (catalog_item_get(r->db, r->actor, r->id, r->arena, &it, &e2) < 0)
		return web_fail(r, &e2);
	/* The form again as typed. */
	it.barcode = in.barcode ? in.barcode : "";
	it.location = in.location ? in.location : "";
	it.note = in.note ? in.note : "";
	json_t *d = item_page(r, &it, in.status ? in.status : it.status);
	const char *price = web_form(r, "price");
	json_object_set_new(d, "price", json_string(price ? price : ""));
	json_object_set_new(d, "error", json_string(web_t(r, err.key)));
	json_object_set_new(d, "code", json_string(err.key));
	if (*err.detail)
		json_object_set_new(d, "detail", json_string(err.detail));
	web_render(r, err_http_status(err.code), "item_edit", d);
}
