/* pages_marc.c: the full MARC21 form (trình biên mục MARC) of a record, a new record catalogued in
 * full, and the record's MARC view in the line format ("245 10 $a ... $b ...").
 *
 * The form works without JavaScript: every row is a set of plain inputs (t<i> tag, a<i> and
 * b<i> indicators, d<i> a control field's data, c<i>_<j> and v<i>_<j> a subfield's code and
 * value), and "add field", "add subfield" and the delete buttons are submit buttons named
 * action that send the whole form back to be shown again with the row added or removed; nothing
 * is saved until action=save. Field and subfield names come from i18n keys marc.tag.TAG and
 * marc.sub.TAG.CODE when the language has them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "base/text.h"
#include "catalog/edit.h"
#include "web/web.h"

/* Rows a form may send: more is refused before any is read (the record's own limit,
 * MARC_MAX_FIELDS, is checked by the domain with its own message). */
#define FORM_MAX_FIELDS 2000
#define FORM_MAX_SUBS   300

/* The translation of key, or "" when the language has none. */
static const char *name_or_empty(web_req_t *r, const char *key)
{
	const char *s = web_t(r, key);
	return s && strcmp(s, key) ? s : "";
}

/* "<digits>" at *p: the number, p moved past it; -1 when none or too large. */
static long index_at(const char **p, long max)
{
	const char *s = *p;
	long v = 0;
	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -2;
		s++;
	}
	*p = s;
	return v;
}

/* Which row a form field belongs to: kind ('t', 'a', 'b', 'd', 'c', 'v'), field index, subfield
 * index (-1 for field inputs). 0 when the name is not a row's; -1 when its index is too large. */
static int parse_name(const char *name, char *kind, long *fi, long *si)
{
	if (!strchr("tabdcv", name[0]) || !name[0])
		return 0;
	const char *p = name + 1;
	*kind = name[0];
	*si = -1;
	if ((*fi = index_at(&p, FORM_MAX_FIELDS - 1)) == -2)
		return -1;
	if (*fi < 0)
		return 0;
	if (*kind == 'c' || *kind == 'v') {
		if (*p++ != '_')
			return 0;
		if ((*si = index_at(&p, FORM_MAX_SUBS - 1)) == -2)
			return -1;
		if (*si < 0)
			return 0;
	}
	return *p ? 0 : 1;
}

/* The record the form sent, in r's arena. ERR_TOOBIG when it has more rows than a form may. */
static int read_form(web_req_t *r, marc_rec_t *rec, err_t *err)
{
	char kind;
	long fi, si, nf = 0;
	memset(rec, 0, sizeof *rec);
	rec->leader = web_form(r, "leader");
	for (size_t k = 0; k < r->nform; k++) {
		int rc = parse_name(r->form[k].name, &kind, &fi, &si);
		if (rc < 0)
			return err_set(err, ERR_INVALID, "err.marc.edit.too_many", "%d", MARC_MAX_FIELDS);
		if (rc > 0 && fi + 1 > nf)
			nf = fi + 1;
	}
	rec->fields = arena_zalloc(r->arena, (size_t)(nf ? nf : 1) * sizeof *rec->fields);
	rec->nfields = (size_t)nf;
	for (size_t k = 0; k < r->nform; k++)
		if (parse_name(r->form[k].name, &kind, &fi, &si) > 0 && si >= 0 &&
		    (size_t)si + 1 > rec->fields[fi].nsubs)
			rec->fields[fi].nsubs = (size_t)si + 1;
	for (long i = 0; i < nf; i++) {
		marc_field_t *f = &rec->fields[i];
		f->tag = f->ind1 = f->ind2 = "";
		if (f->nsubs)
			f->subs = arena_zalloc(r->arena, f->nsubs * sizeof *f->subs);
		for (size_t j = 0; j < f->nsubs; j++)
			f->subs[j].code = f->subs[j].value = "";
	}
	for (size_t k = 0; k < r->nform; k++) {
		if (parse_name(r->form[k].name, &kind, &fi, &si) <= 0)
			continue;
		marc_field_t *f = &rec->fields[fi];
		const char *v = r->form[k].value;
		switch (kind) {
		case 't':
			f->tag = text_trim(arena_strdup(r->arena, v));
			break;
		case 'a':
			f->ind1 = v;
			break;
		case 'b':
			f->ind2 = v;
			break;
		case 'd':
			f->data = v;
			break;
		case 'c':
			f->subs[si].code = text_trim(arena_strdup(r->arena, v));
			break;
		case 'v':
			f->subs[si].value = v;
			break;
		}
	}
	/* A control field's row has its data input only; a data field's none. */
	for (long i = 0; i < nf; i++)
		if (rec->fields[i].data && !marc_tag_is_control(rec->fields[i].tag) && !*rec->fields[i].data)
			rec->fields[i].data = NULL;
	return 0;
}

static json_t *issue_json(web_req_t *r, const marc_issue_t *is)
{
	return json_pack("{s:s, s:s, s:s}", "code", is->key, "message", web_t(r, is->key), "detail",
	                 is->detail ? is->detail : "");
}

/* The record as the form and the view show it; issues attached to their fields. */
static json_t *rec_json(web_req_t *r, const marc_rec_t *rec, const marc_issue_t *iss, size_t niss)
{
	json_t *fields = json_array(), *general = json_array();
	for (size_t i = 0; i < rec->nfields; i++) {
		const marc_field_t *f = &rec->fields[i];
		const char *tag = f->tag ? f->tag : "";
		bool control = f->data != NULL || marc_tag_is_control(tag);
		json_t *subs = json_array();
		for (size_t j = 0; j < f->nsubs; j++) {
			const char *code = f->subs[j].code ? f->subs[j].code : "";
			json_array_append_new(
			    subs,
			    json_pack("{s:i, s:i, s:s, s:s, s:s}", "fi", (int)i, "j", (int)j, "code", code,
			              "value", f->subs[j].value ? f->subs[j].value : "", "name",
			              name_or_empty(r, arena_printf(r->arena, "marc.sub.%s.%s", tag, code))));
		}
		const char *i1 = f->ind1 && strcmp(f->ind1, " ") ? f->ind1 : "";
		const char *i2 = f->ind2 && strcmp(f->ind2, " ") ? f->ind2 : "";
		json_t *fo =
		    json_pack("{s:i, s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "i", (int)i, "tag", tag, "name",
		              name_or_empty(r, arena_printf(r->arena, "marc.tag.%s", tag)), "control",
		              control, "data", f->data ? f->data : "", "ind1", i1, "ind2", i2, "subs", subs);
		json_t *fi = json_array();
		for (size_t k = 0; k < niss; k++)
			if (iss[k].field == (int)i)
				json_array_append_new(fi, issue_json(r, &iss[k]));
		json_object_set_new(fo, "issues", fi);
		json_object_set_new(fo, "bad", json_boolean(json_array_size(fi) > 0));
		json_array_append_new(fields, fo);
	}
	for (size_t k = 0; k < niss; k++)
		if (iss[k].field < 0 || (size_t)iss[k].field >= rec->nfields)
			json_array_append_new(general, issue_json(r, &iss[k]));
	return json_pack("{s:s, s:o, s:b, s:o, s:s}", "leader", rec->leader ? rec->leader : "", "fields",
	                 fields, "has_issues", json_array_size(general) > 0, "issues", general, "lines",
	                 marc_rec_lines(r->arena, rec));
}

/* Render the form: id 0 for a new record. */
static void render_form(web_req_t *r, int status, int64_t id, const char *title, int64_t version,
                        const marc_rec_t *rec, const marc_issue_t *iss, size_t niss, bool stored,
                        const err_t *err, int64_t dup_id)
{
	json_t *d = rec_json(r, rec, iss, niss);
	json_object_set_new(d, "id", json_integer(id));
	json_object_set_new(d, "title", json_string(title ? title : ""));
	json_object_set_new(d, "version", json_integer(version));
	json_object_set_new(d, "is_new", json_boolean(id == 0));
	json_object_set_new(d, "stored", json_boolean(stored));
	json_object_set_new(d, "action",
	                    json_string(id ? arena_printf(r->arena, "/catalog/%lld/marc", (long long)id)
	                                   : "/catalog/new/marc"));
	if (!id) {
		const char *type = web_form(r, "doc_type");
		const char *copies = web_form(r, "copies");
		json_object_set_new(d, "types", web_doc_types_json(r, type ? type : "STK"));
		json_object_set_new(d, "copies", json_string(copies ? copies : "1"));
	}
	if (err && err->code) {
		json_object_set_new(d, "error", json_string(web_t(r, niss ? "marc.errors" : err->key)));
		json_object_set_new(d, "code", json_string(err->key));
		if (!niss && *err->detail && err->code != ERR_CONFLICT)
			json_object_set_new(d, "detail", json_string(err->detail));
		if (dup_id)
			json_object_set_new(d, "duplicate_id", json_integer(dup_id));
		if (err->code == ERR_CONFLICT && !strcmp(err->key, "err.biblio.stale"))
			json_object_set_new(d, "stale", json_true());
	}
	web_render(r, status, "marc_edit", d);
}

/* The starting record of a new one: the leader, an 008 with today's date and Vietnamese, 245. */
static void new_record(web_req_t *r, marc_rec_t *rec)
{
	biblio_t empty = { .language = "vie" };
	marc_rec_from_biblio(r->arena, &empty, 0, rec);
	/* 008/00-05: the date the record was entered, yymmdd (Vietnam's day). */
	char vn[32];
	clock_format_vn(clock_now(), 0, vn, sizeof vn); /* dd/mm/yyyy */
	marc_field_t *f008 = marc_rec_field(rec, "008");
	if (f008 && strlen(f008->data) >= 6) {
		char *d = arena_strdup(r->arena, f008->data);
		memcpy(d, vn + 8, 2);
		memcpy(d + 2, vn + 3, 2);
		memcpy(d + 4, vn, 2);
		f008->data = d;
	}
	marc_rec_insert(r->arena, rec, rec->nfields, "245");
	rec->fields[rec->nfields - 1].ind1 = "0";
	rec->fields[rec->nfields - 1].ind2 = "0";
	marc_field_add_sub(r->arena, &rec->fields[rec->nfields - 1], "a", "");
	marc_field_add_sub(r->arena, &rec->fields[rec->nfields - 1], "c", "");
}

/*
** GET /catalog/:id/marc/view
** The record in MARC21, one field a line ("245 10 $a ... $b ..."): the stored record, or the one
** export builds from the short fields. Everyone who may read the record.
*/
void page_marc_view(web_req_t *r)
{
	biblio_t b;
	marc_rec_t rec;
	bool stored = false;
	err_t err;
	if (catalog_biblio_marc(r->db, r->actor, r->id, r->arena, &b, &rec, &stored, &err) < 0)
		return web_fail(r, &err);
	json_t *d = rec_json(r, &rec, NULL, 0);
	json_object_set_new(d, "id", json_integer(b.id));
	json_object_set_new(d, "title", json_string(b.title));
	json_object_set_new(d, "stored", json_boolean(stored));
	json_object_set_new(d, "can_write",
	                    json_boolean(r->actor->role == ROLE_LIBRARIAN && b.unit_id == r->actor->unit_id));
	const char *ok = web_query(r, "ok");
	if (ok && !strcmp(ok, "marc"))
		json_object_set_new(d, "notice", json_string(web_t(r, "ok.biblio.marc")));
	web_render(r, 200, "marc_view", d);
}

/*
** GET /catalog/:id/marc
** The full MARC21 form of a record of the librarian's school: leader, control fields and every
** data field with its indicators and subfields.
*/
void page_marc_form(web_req_t *r)
{
	biblio_t b;
	marc_rec_t rec;
	bool stored = false;
	err_t err;
	if (catalog_biblio_get_for_edit(r->db, r->actor, r->id, r->arena, &b, NULL, &err) < 0 ||
	    catalog_biblio_marc(r->db, r->actor, r->id, r->arena, &b, &rec, &stored, &err) < 0)
		return web_fail(r, &err);
	render_form(r, 200, b.id, b.title, b.version, &rec, NULL, 0, stored, NULL, 0);
}

/*
** GET /catalog/new/marc
** The full MARC21 form for a new record: a leader, an 008 and an empty 245 to start from.
*/
void page_marc_new_form(web_req_t *r)
{
	err_t err;
	marc_rec_t rec;
	if (catalog_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	new_record(r, &rec);
	render_form(r, 200, 0, NULL, 0, &rec, NULL, 0, false, NULL, 0);
}

/* Apply a row action (add_field, add_sub.I, del_field.I, del_sub.I.J) to rec. 0 when action
 * is not one. */
static int row_action(web_req_t *r, marc_rec_t *rec, const char *action)
{
	long i = -1, j = -1;
	if (!strcmp(action, "add_field")) {
		const char *tag = web_form(r, "new_tag");
		char *t = text_trim(arena_strdup(r->arena, tag ? tag : ""));
		size_t pos = marc_rec_position(rec, t);
		marc_rec_insert(r->arena, rec, pos, t);
		if (!marc_tag_is_control(t))
			marc_field_add_sub(r->arena, &rec->fields[pos], "a", "");
		return 1;
	}
	if (sscanf(action, "add_sub.%ld", &i) == 1 && i >= 0 && (size_t)i < rec->nfields) {
		if (rec->fields[i].data && marc_tag_is_control(rec->fields[i].tag))
			return 1;
		rec->fields[i].data = NULL;
		marc_field_add_sub(r->arena, &rec->fields[i], "", "");
		return 1;
	}
	if (sscanf(action, "del_sub.%ld.%ld", &i, &j) == 2 && i >= 0 && (size_t)i < rec->nfields && j >= 0) {
		marc_field_remove_sub(&rec->fields[i], (size_t)j);
		return 1;
	}
	if (sscanf(action, "del_field.%ld", &i) == 1 && i >= 0) {
		marc_rec_remove(rec, (size_t)i);
		return 1;
	}
	return 0;
}

/* POST /catalog/:id/marc and POST /catalog/new/marc (id 0). */
static void marc_post(web_req_t *r, int64_t id)
{
	int bad = 0;
	int64_t version = web_parse_int(web_form(r, "version"), 0, 0, INT64_MAX, &bad);
	int copies = (int)web_parse_int(web_form(r, "copies"), 1, INT_MIN, INT_MAX, &bad);
	const char *action = web_form(r, "action");
	const char *allow = web_form(r, "allow_duplicate");
	const char *title = NULL;
	marc_rec_t rec;
	err_t err;
	/* Who may is asked before anything is read or shown again. */
	biblio_t b;
	if (id ? catalog_biblio_get_for_edit(r->db, r->actor, id, r->arena, &b, NULL, &err) < 0
	       : catalog_check_writer(r->actor, &err) < 0)
		return web_fail(r, &err);
	title = id ? b.title : NULL;
	if (bad)
		return web_fail_key(r, 400, "err.number", NULL);
	if (read_form(r, &rec, &err) < 0)
		return web_fail(r, &err);
	if (action && strcmp(action, "save") && row_action(r, &rec, action))
		return render_form(r, 200, id, title, version, &rec, NULL, 0, true, NULL, 0);
	marc_issue_t *iss = NULL;
	size_t niss = 0;
	catalog_edit_result_t res;
	if (catalog_biblio_marc_save(r->db, r->actor, id, version, web_form(r, "doc_type"), copies, &rec,
	                             allow && !strcmp(allow, "1"), r->arena, &iss, &niss, &res, &err) < 0) {
		if (err.code == ERR_FORBIDDEN || err.code == ERR_NOTFOUND)
			return web_fail(r, &err);
		int status = err_http_status(err.code);
		if (r->want_json) {
			json_t *extra = json_object(), *list = json_array();
			for (size_t k = 0; k < niss; k++) {
				json_t *o = issue_json(r, &iss[k]);
				json_object_set_new(o, "field", json_integer(iss[k].field));
				json_object_set_new(o, "sub", json_integer(iss[k].sub));
				json_array_append_new(list, o);
			}
			json_object_set_new(extra, "issues", list);
			if (res.dup_id)
				json_object_set_new(extra, "duplicate_id", json_integer(res.dup_id));
			return web_fail_extra(r, status, err.key,
			                      err.code == ERR_CONFLICT ? NULL : err.detail, extra);
		}
		render_form(r, status, id, title, version, &rec, iss, niss, true, &err, res.dup_id);
		return;
	}
	if (r->want_json)
		return web_json(r, id ? 200 : 201,
		                json_pack("{s:I, s:s, s:b}", "id", (json_int_t)res.id, "changes", res.changes,
		                          "kept_accessions", res.kept_accessions));
	web_redirect(r, arena_printf(r->arena, "/catalog/%lld/marc/view?ok=marc", (long long)res.id));
}

/*
** POST /catalog/:id/marc
** Fields: version (the form's), leader, t<i>/a<i>/b<i>/d<i>/c<i>_<j>/v<i>_<j> (the rows),
** action: save (default) or a row action (add_field with new_tag, add_sub.I, del_field.I,
** del_sub.I.J) that shows the form again with the change and saves nothing; allow_duplicate=1.
** 303 to the MARC view; 400 with every issue by field; 409 for a stale form or a duplicate.
*/
void page_marc_save(web_req_t *r)
{
	marc_post(r, r->id);
}

/*
** POST /catalog/new/marc
** The same fields as POST /catalog/:id/marc (no version), and doc_type, copies (0..1000; a new
** batch received today). 303 to the new record's MARC view.
*/
void page_marc_create(web_req_t *r)
{
	marc_post(r, 0);
}
