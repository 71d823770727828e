/* pages_patrons.c: readers (bạn đọc): the list with its search and filters (its ticked rows go
 * to /patrons/cards, the library cards, built in their own file), a reader's page, the new and
 * edit forms, block/unblock/left, and the photo. The class-list import and the end-of-year
 * promotion have their pages in pages_patrons_import.c.
 *
 * Librarians of a school write; leaders, inspectors and administrators read their subtree (the
 * domain decides, src/patrons/patrons.h); readers get 403. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "patrons/patrons.h"
#include "web/web.h"

static const char *const kinds[] = { "student", "teacher", "staff", NULL };
static const char *const statuses[] = { "active", "blocked", "left", "graduated", NULL };

bool web_can_patrons(const web_req_t *r)
{
	err_t e;
	return patrons_check_writer(r->actor, &e) == 0;
}

static json_t *choices(web_req_t *r, const char *const *list, const char *prefix, const char *selected)
{
	json_t *a = json_array();
	for (size_t i = 0; list[i]; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "code", list[i], "name",
		                                   web_t(r, arena_printf(r->arena, "%s%s", prefix, list[i])),
		                                   "selected", selected && !strcmp(selected, list[i])));
	return a;
}

json_t *web_patron_json(web_req_t *r, const patron_t *p)
{
	char born[16] = "";
	clock_day_vn(p->birth_date, born, sizeof born);
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}",
	    "id", (json_int_t)p->id, "unit_id", (json_int_t)p->unit_id, "code", p->code, "student_code",
	    p->student_code, "full_name", p->full_name, "kind", p->kind, "kind_label",
	    web_t(r, arena_printf(r->arena, "patron.kind.%s", p->kind)), "class_name", p->class_name,
	    "school_year", p->school_year, "gender", p->gender, "birth_date",
	    p->birth_date ? p->birth_date : "", "birth_vn", born, "phone", p->phone, "email", p->email,
	    "status", p->status, "status_label",
	    web_t(r, arena_printf(r->arena, "patron.status.%s", p->status)), "status_note", p->status_note,
	    "note", p->note ? p->note : "", "version", (json_int_t)p->version, "hide_history", (int)p->hide_history);
	json_object_set_new(o, "grade", p->grade ? json_integer(p->grade) : json_null());
	json_object_set_new(o, "national_id", p->national_id ? json_string(p->national_id) : json_null());
	json_object_set_new(o, "unit_code", json_string(p->unit_code ? p->unit_code : ""));
	json_object_set_new(o, "blocked", json_boolean(!strcmp(p->status, "blocked")));
	json_object_set_new(o, "active", json_boolean(!strcmp(p->status, "active")));
	if (*p->gender)
		json_object_set_new(
		    o, "gender_label",
		    json_string(web_t(r, !strcmp(p->gender, "F") ? "patron.gender.F" : "patron.gender.M")));
	return o;
}

/*
** GET /patrons
** The readers of the actor's subtree. Parameters:
**    q=TEXT        words of the name (marks and case ignored) or a card / student code
**    class=NAME    one class;  kind=K  student, teacher, staff;  status=S  active, blocked, left,
**                  graduated
**    unit=ID       one school of the subtree (inspectors, offices)
**    page=N        50 a page
** Each row has a checkbox; "In thẻ thư viện" sends the ticked ids to /patrons/cards?ids=1,2,3.
*/
void page_patrons(web_req_t *r)
{
	int bad = 0;
	patron_query_t q = { .q = web_query(r, "q"),
		             .class_name = web_query(r, "class"),
		             .kind = web_query(r, "kind"),
		             .status = web_query(r, "status"),
		             .unit_id = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad),
		             .page = (int)web_parse_int(web_query(r, "page"), 1, 1, 100000, &bad) };
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	patron_t *v;
	size_t n;
	int64_t total;
	err_t err;
	if (patrons_list(r->db, r->actor, &q, r->arena, &v, &n, &total, &err) < 0)
		return web_fail(r, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, web_patron_json(r, &v[i]));
	json_t *classes = json_array();
	patron_class_t *c;
	size_t nc = 0;
	if (strcmp(r->actor->unit_kind, "school") == 0 &&
	    patrons_classes(r->db, r->actor, r->arena, &c, &nc, &err) == 0)
		for (size_t i = 0; i < nc; i++)
			json_array_append_new(
			    classes, json_pack("{s:s, s:I, s:b}", "name", c[i].class_name, "count",
			                       (json_int_t)c[i].count, "selected",
			                       q.class_name && !strcmp(q.class_name, c[i].class_name)));
	int page = q.page, pages = (int)((total + 49) / 50);
	json_t *d = json_pack("{s:o, s:I, s:i, s:i, s:s, s:o, s:o, s:o, s:b, s:b}", "patrons", list, "total",
	                      (json_int_t)total, "page", page, "pages", pages, "q", q.q ? q.q : "", "classes",
	                      classes, "kinds", choices(r, kinds, "patron.kind.", q.kind), "statuses",
	                      choices(r, statuses, "patron.status.", q.status), "can_write",
	                      web_can_patrons(r), "has_patrons", n > 0);
	/* Links to the neighbour pages keep the filters. */
	buf_t b = BUF_INIT;
	const char *keys[] = { "q", "class", "kind", "status", "unit" },
	           *vals[] = { q.q, q.class_name, q.kind, q.status, web_query(r, "unit") };
	for (int i = 0; i < 5; i++)
		if (vals[i] && *vals[i]) {
			buf_printf(&b, "&%s=", keys[i]);
			buf_put_url(&b, vals[i]);
		}
	const char *keep = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	if (page > 1)
		json_object_set_new(
		    d, "prev", json_string(arena_printf(r->arena, "/patrons?page=%d%s", page - 1, keep)));
	if (page < pages)
		json_object_set_new(
		    d, "next", json_string(arena_printf(r->arena, "/patrons?page=%d%s", page + 1, keep)));
	web_render(r, 200, "patrons", d);
}

static json_t *form_page(web_req_t *r, json_t *f, const char *kind, int64_t id, int64_t version)
{
	json_t *d = json_pack("{s:o, s:o}", "f", f, "kinds",
	                      choices(r, kinds, "patron.kind.", kind ? kind : "student"));
	if (id) {
		json_object_set_new(d, "id", json_integer(id));
		json_object_set_new(d, "version", json_integer(version));
	}
	return d;
}

static const char *const FORM_FIELDS[] = { "full_name",  "code",       "student_code", "national_id",
	                                   "kind",       "class_name", "school_year",  "gender",
	                                   "birth_date", "phone",      "email",        "note",
	                                   NULL };

/* The form's fields into *in. */
static void read_form(web_req_t *r, patron_t *in)
{
	memset(in, 0, sizeof *in);
	in->full_name = web_form(r, "full_name");
	in->code = web_form(r, "code");
	in->student_code = web_form(r, "student_code");
	in->national_id = web_form(r, "national_id");
	in->kind = web_form(r, "kind");
	in->class_name = web_form(r, "class_name");
	in->school_year = web_form(r, "school_year");
	in->gender = web_form(r, "gender");
	in->birth_date = web_form(r, "birth_date");
	in->phone = web_form(r, "phone");
	in->email = web_form(r, "email");
	in->note = web_form(r, "note");
}

/* The form as typed, for showing it again with an error. */
static json_t *typed(web_req_t *r)
{
	json_t *f = json_object();
	for (size_t i = 0; FORM_FIELDS[i]; i++) {
		const char *v = web_form(r, FORM_FIELDS[i]);
		json_object_set_new(f, FORM_FIELDS[i], json_string(v ? v : ""));
	}
	const char *g = web_form(r, "gender");
	json_object_set_new(f, "is_m", json_boolean(g && !strcmp(g, "M")));
	json_object_set_new(f, "is_f", json_boolean(g && !strcmp(g, "F")));
	return f;
}

static void form_error(web_req_t *r, const char *tmpl, const err_t *err, int64_t id, int64_t version)
{
	if (r->want_json || err->code == ERR_FORBIDDEN || err->code == ERR_NOTFOUND)
		return web_fail(r, err);
	json_t *d = form_page(r, typed(r), web_form(r, "kind"), id, version);
	json_object_set_new(d, "error", json_string(web_t(r, err->key)));
	if (*err->detail && err->code != ERR_CONFLICT)
		json_object_set_new(d, "detail", json_string(err->detail));
	if (err->code == ERR_CONFLICT && strstr(err->key, "taken"))
		json_object_set_new(d, "detail", json_string(err->detail));
	web_render(r, err_http_status(err->code), tmpl, d);
}

/*
** GET /patrons/new
** The form of a new reader (librarians of a school).
*/
void page_patron_new(web_req_t *r)
{
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	json_t *f = json_object();
	char y[16];
	patrons_school_year(clock_today_vn(), y, sizeof y);
	json_object_set_new(f, "school_year", json_string(y));
	web_render(r, 200, "patron_new", form_page(r, f, "student", 0, 0));
}

/*
** POST /patrons
** A new reader. Fields: full_name, code (số thẻ; default the student code, else BD000001...),
** student_code, national_id, kind (student, teacher, staff), class_name (students), school_year,
** gender (M, F or empty), birth_date (dd/mm/yyyy or yyyy-mm-dd), phone, email, note.
** 201 JSON {"id"} or 303 to the reader; 400 bad input, 409 a code or national id taken.
*/
void page_patron_create(web_req_t *r)
{
	patron_t in;
	read_form(r, &in);
	int64_t id = 0;
	err_t err;
	if (patrons_create(r->db, r->actor, &in, r->arena, &id, &err) < 0)
		return form_error(r, "patron_new", &err, 0, 0);
	if (r->want_json)
		return web_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
	web_redirect(r, arena_printf(r->arena, "/patrons/%lld?ok=created", (long long)id));
}

/*
** GET /patrons/:id
** A reader: details, photo, copies on loan now, and the librarian's actions.
*/
void page_patron(web_req_t *r)
{
	patron_t p;
	err_t err;
	if (patrons_get(r->db, r->actor, r->id, r->arena, &p, &err) < 0)
		return web_fail(r, &err);
	json_t *d =
	    json_pack("{s:o, s:b, s:I, s:b, s:b}", "patron", web_patron_json(r, &p), "has_photo", p.has_photo,
	              "open_loans", (json_int_t)p.open_loans, "can_write",
	              web_can_patrons(r) && p.unit_id == r->actor->unit_id, "has_loans", p.open_loans > 0);
	const char *ok = web_query(r, "ok");
	if (ok && (!strcmp(ok, "created") || !strcmp(ok, "edited") || !strcmp(ok, "status") ||
	           !strcmp(ok, "photo") || !strcmp(ok, "privacy")))
		json_object_set_new(d, "ok",
		                    json_string(web_t(r, arena_printf(r->arena, "patron.ok.%s", ok))));
	web_render(r, 200, "patron", d);
}

static json_t *form_of(const patron_t *p)
{
	json_t *f =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "full_name",
	              p->full_name, "code", p->code, "student_code", p->student_code, "national_id",
	              p->national_id ? p->national_id : "", "kind", p->kind, "class_name", p->class_name,
	              "school_year", p->school_year, "birth_date", p->birth_date ? p->birth_date : "",
	              "phone", p->phone, "email", p->email, "note", p->note ? p->note : "", "is_m",
	              !strcmp(p->gender, "M"), "is_f", !strcmp(p->gender, "F"));
	return f;
}

/*
** GET /patrons/:id/edit
** The edit form, with the reader's version (librarian of its school).
*/
void page_patron_edit_form(web_req_t *r)
{
	patron_t p;
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0 ||
	    patrons_get(r->db, r->actor, r->id, r->arena, &p, &err) < 0)
		return web_fail(r, &err);
	if (p.unit_id != r->actor->unit_id)
		return web_fail_key(r, 404, "err.patron.notfound", NULL);
	web_render(r, 200, "patron_edit", form_page(r, form_of(&p), p.kind, p.id, p.version));
}

/*
** POST /patrons/:id/edit
** Fields: version (from the form) and every field of POST /patrons. 303 to the reader (JSON:
** {"id", "changes"}); 400 bad input; 409 a stale form (nothing written) or a code taken.
*/
void page_patron_edit(web_req_t *r)
{
	int bad = 0;
	int64_t version = web_parse_int(web_form(r, "version"), -1, INT64_MIN, INT64_MAX, &bad);
	patron_t in;
	read_form(r, &in);
	const char *changes = "";
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.number", NULL)
	             : patrons_update(r->db, r->actor, r->id, version, &in, r->arena, &changes, &err);
	if (rc < 0)
		return form_error(r, "patron_edit", &err, r->id, version);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "changes", changes));
	web_redirect(r, arena_printf(r->arena, "/patrons/%lld?ok=edited", (long long)r->id));
}

/*
** POST /patrons/:id/status
** Fields: status (blocked, active, left), reason (required to block). 303 to the reader.
*/
void page_patron_status(web_req_t *r)
{
	err_t err;
	if (patrons_set_status(r->db, r->actor, r->id, web_form(r, "status"), web_form(r, "reason"), r->arena,
	                       &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(
		    r, 200,
		    json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "status", web_form(r, "status")));
	web_redirect(r, arena_printf(r->arena, "/patrons/%lld?ok=status", (long long)r->id));
}

/*
** POST /patrons/:id/privacy
** Field: hide_history (1: the reader asked to hide their reading history from the public pages;
** 0: shown again). 303 to the reader.
*/
void page_patron_privacy(web_req_t *r)
{
	err_t err;
	int bad = 0;
	int64_t hide = web_parse_int(web_form(r, "hide_history"), -1, 0, 1, &bad);
	if (bad || hide < 0)
		return web_fail_key(r, 400, "err.patron.privacy", NULL);
	if (patrons_set_hide_history(r->db, r->actor, r->id, hide == 1, r->arena, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)r->id, "hide_history", (int)hide));
	web_redirect(r, arena_printf(r->arena, "/patrons/%lld?ok=privacy", (long long)r->id));
}

/*
** GET /patrons/:id/photo
** The reader's photo (image/jpeg or image/png), to accounts that may read the reader; 404 when
** it has none.
*/
void page_patron_photo(web_req_t *r)
{
	const unsigned char *bytes;
	size_t len;
	const char *mime;
	err_t err;
	if (patrons_photo_get(r->db, r->actor, r->id, r->arena, &bytes, &len, &mime, &err) < 0)
		return web_fail(r, &err);
	buf_reset(&r->body);
	buf_append(&r->body, bytes, len);
	r->status = 200;
	r->content_type = mime;
}

/*
** POST /patrons/:id/photo   (multipart/form-data)
** Fields: photo=FILE, a JPEG or PNG (told by its bytes) of at most 2 MiB. 303 to the reader;
** 400 for another kind of file, 413 for a larger one.
*/
void page_patron_photo_upload(web_req_t *r)
{
	const web_file_t *f = web_file(r, "photo");
	err_t err;
	if (patrons_photo_put(r->db, r->actor, r->id, f ? f->data : NULL, f ? f->len : 0, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(
		    r, 200, json_pack("{s:I, s:I}", "id", (json_int_t)r->id, "bytes", (json_int_t)f->len));
	web_redirect(r, arena_printf(r->arena, "/patrons/%lld?ok=photo", (long long)r->id));
}
