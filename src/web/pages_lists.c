/* pages_lists.c: teachers' reading lists (danh mục sách giới thiệu): the lists one sees, one
 * list with its records in order, and the forms of its maker (a teacher's reader account or the
 * school's librarian). Readers see them in the public layout, staff in theirs. The rules and
 * who-sees-what are in src/opac/lists.c. */
#include <stdio.h>
#include <string.h>

#include "opac/social.h"
#include "web/web.h"

static void render(web_req_t *r, int status, const char *tmpl, json_t *d)
{
	if (r->actor && r->actor->role == ROLE_READER)
		web_render_public(r, status, tmpl, d);
	else
		web_render(r, status, tmpl, d);
}

static json_t *list_json(const opac_list_t *l)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)l->id, "title", l->title, "note",
	                 l->note, "class_name", l->class_name, "owner_name", l->owner_name, "can_edit",
	                 l->can_edit);
}

/*
** GET /lists
** The reading lists the account sees: its own first, then those of its school shown to it (a
** student: the lists of their class and of the whole school). Makers get the form for a new one.
*/
void page_lists(web_req_t *r)
{
	opac_list_t *v;
	size_t n;
	err_t err;
	if (opac_lists_visible(r->db, r->actor, r->arena, &v, &n, &err) < 0)
		return web_fail(r, &err);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, list_json(&v[i]));
	bool maker = opac_list_check_maker(r->db, r->actor, &err) == 0;
	render(r, 200, "lists",
	       json_pack("{s:s, s:o, s:b, s:b}", "title", web_t(r, "list.title"), "lists", a, "can_make",
	                 maker, "empty", n == 0));
}

/*
** POST /lists
** Fields: title, note, class_name ("" for the whole school). 303 to the new list; JSON 201 {id}.
*/
void page_list_create(web_req_t *r)
{
	int64_t id = 0;
	err_t err;
	if (opac_list_save(r->db, r->actor, 0, web_form(r, "title"), web_form(r, "note"),
	                   web_form(r, "class_name"), &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 201, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id));
	web_redirect(r, arena_printf(r->arena, "/lists/%lld", (long long)id));
}

/*
** GET /lists/:id
** One list and its records in order. Its maker also gets the forms: edit, add a record (by record
** id, ISBN or barcode, or from a search of the school's catalogue), move, remove, delete.
**    q=TEXT   search the school's catalogue for records to add (makers)
*/
void page_list(web_req_t *r)
{
	opac_list_t l;
	err_t err;
	if (opac_list_get(r->db, r->actor, r->id, r->arena, &l, &err) < 0)
		return web_fail(r, &err);
	json_t *d = json_pack("{s:s, s:o}", "title", l.title, "list", list_json(&l));
	json_t *items = json_array();
	for (size_t i = 0; i < l.nitems; i++) {
		const opac_list_item_t *it = &l.items[i];
		json_t *o =
		    json_pack("{s:I, s:s, s:s, s:s, s:i, s:b, s:b, s:I}", "biblio_id",
		              (json_int_t)it->biblio_id, "title", it->title, "authors",
		              it->authors ? it->authors : "", "note", it->note, "position", it->position,
		              "first", i == 0, "last", i + 1 == l.nitems, "list_id", (json_int_t)l.id);
		json_object_set_new(o, "year", it->year ? json_integer(it->year) : json_null());
		json_array_append_new(items, o);
	}
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "empty", json_boolean(l.nitems == 0));
	const char *q = web_query(r, "q");
	if (l.can_edit && q && *q) {
		opac_list_hit_t *hits;
		size_t n;
		json_t *a = json_array();
		if (opac_list_search(r->db, r->actor, q, r->arena, &hits, &n, &err) == 0)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "id",
				                                   (json_int_t)hits[i].id, "title",
				                                   hits[i].title, "authors",
				                                   hits[i].authors ? hits[i].authors : "",
				                                   "list_id", (json_int_t)l.id));
		json_object_set_new(d, "hits", a);
		json_object_set_new(d, "q", json_string(q));
		json_object_set_new(d, "searched", json_true());
	}
	render(r, 200, "list", d);
}

/*
** POST /lists/:id/edit
** Fields: title, note, class_name. 303 to the list.
*/
void page_list_edit(web_req_t *r)
{
	err_t err;
	if (opac_list_save(r->db, r->actor, r->id, web_form(r, "title"), web_form(r, "note"),
	                   web_form(r, "class_name"), NULL, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, arena_printf(r->arena, "/lists/%lld", (long long)r->id));
}

/*
** POST /lists/:id/delete
** Delete the list. 303 to /lists.
*/
void page_list_delete(web_req_t *r)
{
	err_t err;
	if (opac_list_delete(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, "/lists");
}

/*
** POST /lists/:id/items
** Fields: ref (a record id, an ISBN or a copy's barcode of the school), note. 303 to the list.
*/
void page_list_add(web_req_t *r)
{
	err_t err;
	if (opac_list_add(r->db, r->actor, r->id, web_form(r, "ref"), web_form(r, "note"), &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, arena_printf(r->arena, "/lists/%lld", (long long)r->id));
}

/*
** POST /lists/:id/items/remove      Fields: biblio.
** POST /lists/:id/items/move        Fields: biblio, dir (up or down).
** 303 to the list.
*/
void page_list_item_remove(web_req_t *r)
{
	int bad = 0;
	int64_t biblio = web_parse_int(web_form(r, "biblio"), 0, 0, INT64_MAX, &bad);
	err_t err;
	if (opac_list_remove(r->db, r->actor, r->id, biblio, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, arena_printf(r->arena, "/lists/%lld", (long long)r->id));
}

void page_list_item_move(web_req_t *r)
{
	int bad = 0;
	int64_t biblio = web_parse_int(web_form(r, "biblio"), 0, 0, INT64_MAX, &bad);
	const char *dir = web_form(r, "dir");
	if (!dir || (strcmp(dir, "up") && strcmp(dir, "down")))
		return web_fail_key(r, 400, "err.list.dir", NULL);
	err_t err;
	if (opac_list_move(r->db, r->actor, r->id, biblio, !strcmp(dir, "up") ? -1 : 1, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, arena_printf(r->arena, "/lists/%lld", (long long)r->id));
}
