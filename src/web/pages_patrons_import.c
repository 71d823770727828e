/* pages_patrons_import.c: a class list into the school's readers, and the end-of-year promotion.
 *
 * The import has three steps: the upload (read, header found, mapping guessed or remembered,
 * preview), as many previews as the librarian wants with another mapping (the selects "our
 * field <- the file's column"), and the commit. Between them the file waits server-side, as the
 * catalogue's imports keep theirs (pages_import.c): in the private temp directory
 * ($TMPDIR/thuvien-import, 0700) under a random 256-bit token, its first line binding it to the
 * school, account and session, for an hour; previews read it, the commit claims it by renaming.
 *
 * Error rows: the commit is refused while the preview lists errors, unless the librarian ticks
 * "bỏ qua các dòng lỗi" (skip_errors=1): then only the good rows are written, and the report
 * lists the skipped ones with their line and reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "base/clock.h"
#include "base/i18n.h"
#include "patrons/patrons.h"
#include "web/web.h"

#define MAX_SHOWN 200 /* rows shown on the preview */

static int keep(web_req_t *r, const char *data, size_t len, char *token, err_t *err)
{
	return web_kept_put(r, "patrons", NULL, data, len, token, err);
}

/* The kept file of token, read into the arena; claim: taken away for good (the commit). */
static int kept(web_req_t *r, const char *token, bool claim, const char **data, size_t *len, err_t *err)
{
	char *buf = NULL;
	int rc = web_kept_get(r, "patrons", token, claim, NULL, &buf, len, err);
	if (rc == 0) {
		char *copy = arena_alloc(r->arena, *len + 1);
		memcpy(copy, buf, *len + 1);
		*data = copy;
	}
	free(buf);
	return rc;
}

/* The mapping the form sends: map_<field>=column index ("" or -1: none). -1 after a 400. */
static int form_mapping(web_req_t *r, const patrons_sheet_t *s, int map[PF__COUNT])
{
	for (int f = 0; f < PF__COUNT; f++) {
		const char *v =
		    web_form(r, arena_printf(r->arena, "map_%s", patrons_field_name((patrons_field_t)f)));
		int bad = 0;
		int64_t c = web_parse_int(v, -1, -1, 100000, &bad);
		if (bad || c >= (int64_t)s->ncols) {
			web_fail_key(r, 400, "err.pimport.mapping", NULL);
			return -1;
		}
		map[f] = (int)c;
	}
	return 0;
}

static const char *action_name(patrons_import_action_t a)
{
	return a == PI_CREATE ? "create" : a == PI_UPDATE ? "update" : a == PI_SAME ? "same" : "error";
}

static json_t *result_json(web_req_t *r, const patrons_sheet_t *s, const int map[PF__COUNT],
                           const patrons_import_t *res, bool all_rows)
{
	json_t *fields = json_array();
	for (int f = 0; f < PF__COUNT; f++) {
		json_t *opts = json_array();
		json_array_append_new(opts, json_pack("{s:i, s:s, s:b}", "index", -1, "header",
		                                      web_t(r, "pimport.none"), "selected", map[f] < 0));
		for (size_t c = 0; c < s->ncols; c++)
			json_array_append_new(opts, json_pack("{s:i, s:s, s:b}", "index", (int)c, "header",
			                                      *s->headers[c] ? s->headers[c] : "?",
			                                      "selected", map[f] == (int)c));
		const char *name = patrons_field_name((patrons_field_t)f);
		json_array_append_new(fields,
		                      json_pack("{s:s, s:s, s:i, s:o}", "field", name, "label",
		                                web_t(r, arena_printf(r->arena, "pimport.f.%s", name)),
		                                "column", map[f], "options", opts));
	}
	json_t *rows = json_array(), *errors = json_array();
	size_t shown = 0;
	for (size_t i = 0; i < res->nrows; i++) {
		const patrons_import_row_t *x = &res->rows[i];
		if (x->action == PI_ERROR) {
			json_array_append_new(errors,
			                      json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)x->line,
			                                "key", x->key, "reason", web_t(r, x->key), "detail",
			                                x->detail ? x->detail : ""));
			continue;
		}
		if (!all_rows && x->action == PI_SAME)
			continue;
		if (shown++ >= MAX_SHOWN)
			continue;
		json_array_append_new(
		    rows,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "line", (json_int_t)x->line,
		              "action", action_name(x->action), "action_label",
		              web_t(r, arena_printf(r->arena, "pimport.action.%s", action_name(x->action))),
		              "full_name", x->p.full_name ? x->p.full_name : "", "class_name",
		              x->p.class_name ? x->p.class_name : "", "student_code",
		              x->p.student_code ? x->p.student_code : "", "birth_date",
		              x->p.birth_date ? x->p.birth_date : "", "changes",
		              x->changes ? x->changes : ""));
	}
	return json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:b, s:b, s:b}", "format",
	                 s->format, "header_line", (json_int_t)s->header_line, "rows_read",
	                 (json_int_t)s->nrows, "fields", fields, "created", (json_int_t)res->created,
	                 "updated", (json_int_t)res->updated, "unchanged", (json_int_t)res->unchanged,
	                 "errors", (json_int_t)res->errors, "rows", rows, "error_rows", errors, "has_errors",
	                 res->errors > 0, "has_rows", json_array_size(rows) > 0, "nothing",
	                 res->created + res->updated == 0);
}

/* The preview of data with the mapping map (NULL: guessed, then the school's remembered one). */
static void preview(web_req_t *r, const char *data, size_t len, const char *token, const char *filename,
                    bool from_form)
{
	patrons_sheet_t s;
	int map[PF__COUNT];
	bool remembered = false;
	err_t err;
	if (patrons_sheet_read(data, len, r->arena, &s, &err) < 0) {
		if (r->want_json)
			return web_fail(r, &err);
		json_t *d = json_pack("{s:s}", "error", web_t(r, err.key));
		if (*err.detail)
			json_object_set_new(d, "detail", json_string(err.detail));
		return web_render(r, err_http_status(err.code), "patrons_import", d);
	}
	if (from_form) {
		if (form_mapping(r, &s, map) < 0)
			return;
	} else {
		patrons_mapping_guess(&s, map);
		if (patrons_mapping_load(r->db, r->actor, &s, map, &remembered, &err) < 0)
			return web_fail(r, &err);
	}
	patrons_import_t res;
	json_t *d;
	if (patrons_import_check(r->db, r->actor, &s, map, r->arena, &res, &err) < 0) {
		if (err.code != ERR_INVALID)
			return web_fail(r, &err);
		/* A mapping without a name: the selects again, with the message. */
		memset(&res, 0, sizeof res);
		d = result_json(r, &s, map, &res, false);
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "code", json_string(err.key));
		json_object_set_new(d, "nothing", json_true());
	} else {
		d = result_json(r, &s, map, &res, false);
	}
	json_object_set_new(d, "token", json_string(token));
	json_object_set_new(d, "remembered", json_boolean(remembered));
	if (filename)
		json_object_set_new(d, "filename", json_string(filename));
	web_render(r, 200, "patrons_import_preview", d);
}

/*
** GET /patrons/import
** The form: a class list (CSV UTF-8 or XLSX) from SMAS, VnEdu or CSDL ngành. Librarians.
*/
void page_patrons_import_form(web_req_t *r)
{
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	web_render(r, 200, "patrons_import", json_object());
}

/*
** POST /patrons/import   (multipart/form-data)
** Fields: file=FILE. Reads the list, finds its header row, guesses the mapping (or takes the
** school's remembered one) and previews: rows to create, to update, unchanged, and errors with
** their line. Writes nothing; the answer carries the token of the kept file.
*/
void page_patrons_import_upload(web_req_t *r)
{
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	const web_file_t *f = web_file(r, "file");
	if (!f || !f->len) {
		err_set(&err, ERR_INVALID, "err.import.nofile", NULL);
		if (r->want_json)
			return web_fail(r, &err);
		return web_render(r, 400, "patrons_import", json_pack("{s:s}", "error", web_t(r, err.key)));
	}
	char token[WEB_KEPT_TOKEN + 1];
	if (keep(r, f->data, f->len, token, &err) < 0)
		return web_fail(r, &err);
	preview(r, f->data, f->len, token, f->filename, false);
}

/*
** POST /patrons/import/preview
** Fields: token, map_<field>=column index (-1: none) for full_name, last_name, first_name,
** birth_date, class_name, student_code, gender, national_id, code, kind, phone, email. The
** preview again with that mapping.
*/
void page_patrons_import_preview(web_req_t *r)
{
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	const char *token = web_form(r, "token"), *data = NULL;
	size_t len = 0;
	if (kept(r, token, false, &data, &len, &err) < 0)
		return web_fail(r, &err);
	preview(r, data, len, token, NULL, true);
}

/*
** POST /patrons/import/commit
** Fields: token, the mapping (as /patrons/import/preview), skip_errors=1 to write the good rows
** when some have errors. One transaction; the mapping is remembered for the school. The report:
** created, updated, unchanged, the skipped rows. 422 (nothing written, the file still kept)
** while errors remain without skip_errors.
*/
void page_patrons_import_commit(web_req_t *r)
{
	err_t err;
	if (patrons_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	const char *token = web_form(r, "token"), *data = NULL, *skip = web_form(r, "skip_errors");
	size_t len = 0;
	if (kept(r, token, false, &data, &len, &err) < 0)
		return web_fail(r, &err);
	patrons_sheet_t s;
	int map[PF__COUNT];
	if (patrons_sheet_read(data, len, r->arena, &s, &err) < 0)
		return web_fail(r, &err);
	if (form_mapping(r, &s, map) < 0)
		return;
	patrons_import_t res;
	int rc =
	    patrons_import_commit(r->db, r->actor, &s, map, skip && !strcmp(skip, "1"), r->arena, &res, &err);
	if (rc < 0 && strcmp(err.key ? err.key : "", "err.pimport.has_errors") == 0) {
		json_t *d = result_json(r, &s, map, &res, false);
		json_object_set_new(d, "token", json_string(token));
		json_object_set_new(d, "error", json_string(web_t(r, err.key)));
		json_object_set_new(d, "code", json_string(err.key));
		return web_render(r, 422, "patrons_import_preview", d);
	}
	if (rc < 0)
		return web_fail(r, &err);
	const char *gone = NULL;
	size_t glen = 0;
	kept(r, token, true, &gone, &glen, &err); /* done: the file goes */
	json_t *d = result_json(r, &s, map, &res, false);
	json_object_set_new(d, "written", json_boolean(res.written));
	web_render(r, 200, "patrons_import_done", d);
}

/* --- the promotion ------------------------------------------------------------------------------ */

static json_t *promotion_json(web_req_t *r, const patrons_promotion_t *p)
{
	json_t *classes = json_array(), *grads = json_array();
	for (size_t i = 0; i < p->nclasses; i++) {
		const patrons_promo_class_t *c = &p->classes[i];
		json_array_append_new(classes, json_pack("{s:s, s:s, s:i, s:I, s:b}", "from", c->from_class,
		                                         "to", c->to_class, "grade", c->from_grade, "count",
		                                         (json_int_t)c->count, "graduate", c->graduate));
	}
	for (size_t i = 0; i < p->ngraduates_with_loans; i++) {
		const patrons_promo_graduate_t *g = &p->graduates_with_loans[i];
		json_array_append_new(grads,
		                      json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)g->id, "code",
		                                g->code, "full_name", g->full_name, "class_name",
		                                g->class_name, "open_loans", (json_int_t)g->open_loans));
	}
	json_t *d = json_pack("{s:s, s:s, s:i, s:o, s:o, s:I, s:I, s:b, s:b}", "from_year", p->from_year,
	                      "to_year", p->to_year, "final_grade", p->final_grade, "classes", classes,
	                      "graduates_with_loans", grads, "promoted", (json_int_t)p->promoted, "graduated",
	                      (json_int_t)p->graduated, "has_classes", p->nclasses > 0,
	                      "has_graduates_with_loans", p->ngraduates_with_loans > 0);
	if (p->last_id) {
		char when[32];
		clock_format_vn(p->last_done_at, 1, when, sizeof when);
		json_object_set_new(d, "last",
		                    json_pack("{s:I, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)p->last_id,
		                              "done_at", when, "from_year", p->last_from_year, "to_year",
		                              p->last_to_year, "undone", p->last_undone, "can_undo",
		                              p->last_can_undo));
	}
	return d;
}

/*
** GET /patrons/promote
** The end of the school year: every class and where it goes, the graduates, the graduates who
** still hold copies, and the last promotion (with its undo while the school lent nothing since).
*/
void page_patrons_promote(web_req_t *r)
{
	patrons_promotion_t p;
	err_t err;
	if (patrons_promote_preview(r->db, r->actor, r->arena, &p, &err) < 0)
		return web_fail(r, &err);
	json_t *d = promotion_json(r, &p);
	const char *ok = web_query(r, "ok");
	if (ok && (!strcmp(ok, "done") || !strcmp(ok, "undone")))
		json_object_set_new(d, "ok",
		                    json_string(web_t(r, arena_printf(r->arena, "promote.ok.%s", ok))));
	web_render(r, 200, "patrons_promote", d);
}

/*
** POST /patrons/promote
** Promote the school's students (one operation, one audit row). 303 back to the page (JSON:
** {"id"}); 409 when this year was promoted already.
*/
void page_patrons_promote_commit(web_req_t *r)
{
	int64_t id = 0;
	err_t err;
	if (patrons_promote_commit(r->db, r->actor, r->arena, &id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:I}", "id", (json_int_t)id));
	web_redirect(r, "/patrons/promote?ok=done");
}

/*
** POST /patrons/promote/:id/undo
** Undo promotion :id of the school: 409 once a copy was lent after it.
*/
void page_patrons_promote_undo(web_req_t *r)
{
	err_t err;
	if (patrons_promote_undo(r->db, r->actor, r->id, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)r->id, "undone", 1));
	web_redirect(r, "/patrons/promote?ok=undone");
}
