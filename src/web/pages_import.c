/* pages_import.c: importing a catalogue file through the web: a MARC21 file (ISO 2709 or
 * MARCXML, src/marc) or a book list, CSV or XLSX (src/catalog/booklist.h).
 *
 * Two steps, as in the shell (thuvien marc import): the upload is read and previewed (counts,
 * duplicates, the rejected records with their position and reason), then committed all or
 * nothing. Between the two the file is kept server-side, in a private directory under the system
 * temp dir ($TMPDIR or /tmp, "thuvien-import/", mode 0700), as one file named by a random token
 * (256 bits, hex): the token is given only to the page that previewed and is stored nowhere else.
 * The file begins with one line binding it to the school, the account and the login session that
 * uploaded it, the time and the options chosen; the commit refuses (404, like any unknown token)
 * a file of another school, account or session, or older than an hour. The commit first renames
 * the file, so two clicks on "import" import once. Files older than an hour are swept at every
 * upload. (A second server process in front of the same PostgreSQL does not see another's
 * files: such deployments need sticky sessions for this page.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "base/config.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/xlsx.h"
#include "catalog/booklist.h"
#include "catalog/catalog.h"
#include "marc/marc.h"
#include "web/jobs.h"
#include "web/web.h"

#define MAX_SHOWN  50   /* problems shown on the preview and the report */
#define SAMPLE     20   /* records shown on the preview */

/* What the preview chose, kept with the file for the commit. */
typedef struct import_opts {
	char kind[8]; /* "marc" or "csv" */
	char doc_type[33];
	int copies;
	char source[16];
} import_opts_t;

/* --- the kept files ------------------------------------------------------------------------------ */

/* Keep data under a new token (out: WEB_KEPT_TOKEN + 1 bytes), with the form's options. */
static int keep_file(web_req_t *r, const import_opts_t *o, const char *data, size_t len, char *token,
                     err_t *err)
{
	const char *opts = arena_printf(r->arena, "%s %d %s %s", o->kind, o->copies, o->doc_type, o->source);
	return web_kept_put(r, "catalog", opts, data, len, token, err);
}

/* Take the file of token for the commit, with its options (web_kept_get, claimed). */
static int take_file(web_req_t *r, const char *token, import_opts_t *o, char **data, size_t *len, err_t *err)
{
	const char *opts = NULL;
	int rc = web_kept_get(r, "catalog", token, true, &opts, data, len, err);
	if (rc < 0)
		return rc;
	if (sscanf(opts, "%7s %d %32s %15s", o->kind, &o->copies, o->doc_type, o->source) != 4) {
		free(*data);
		*data = NULL;
		*len = 0;
		return err_set(err, ERR_NOTFOUND, "err.import.notfound", NULL);
	}
	return 0;
}

/* --- reading either kind ------------------------------------------------------------------------ */

/* One upload read as MARC or CSV, with the common counts. */
typedef struct upload {
	int csv;
	marc_batch_t marc;
	booklist_t list;
} upload_t;

static int read_upload(const import_opts_t *o, const char *data, size_t len, arena_t *a, upload_t *u,
                       err_t *err)
{
	memset(u, 0, sizeof *u);
	/* A workbook is a book list whatever the form said: no MARC file is a zip archive. */
	u->csv = strcmp(o->kind, "csv") == 0 || xlsx_is_zip(data, len);
	if (u->csv)
		return booklist_read_buf(data, len, a, &u->list, err);
	return marc_read_buf(data, len, a, &u->marc, err);
}

static json_t *problems_json(const char *lang, const upload_t *u)
{
	json_t *list = json_array();
	size_t n = u->csv ? u->list.nproblems : u->marc.nproblems;
	for (size_t i = 0; i < n && i < MAX_SHOWN; i++) {
		json_t *p;
		if (u->csv) {
			const booklist_problem_t *b = &u->list.problems[i];
			p = json_pack("{s:s, s:I, s:s, s:s, s:s}", "where", i18n_get(lang, "import.line"),
			              "n", (json_int_t)b->line, "key", b->key, "reason",
			              i18n_get(lang, b->key), "detail", b->detail);
		} else {
			const marc_problem_t *m = &u->marc.problems[i];
			p = json_pack("{s:s, s:I, s:s, s:s, s:s}", "where", i18n_get(lang, "import.record"),
			              "n", (json_int_t)m->recno, "key", m->key, "reason",
			              i18n_get(lang, m->key), "detail", m->detail ? m->detail : "");
			if (m->offset >= 0)
				json_object_set_new(p, "offset", json_integer(m->offset));
			if (m->line > 0)
				json_object_set_new(p, "line", json_integer(m->line));
		}
		json_array_append_new(list, p);
	}
	return list;
}

static json_t *counts_json(const char *lang, const upload_t *u)
{
	int64_t nread = u->csv ? u->list.nread : u->marc.nread;
	int64_t valid = (int64_t)(u->csv ? u->list.nrows : u->marc.nrecs);
	int64_t rejected = (int64_t)(u->csv ? u->list.nproblems : u->marc.nproblems);
	int64_t dups = u->csv ? u->list.nduplicates : u->marc.nduplicates;
	json_t *o =
	    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "kind", u->csv ? "csv" : "marc", "format",
	              u->csv ? u->list.format : u->marc.format, "read", (json_int_t)nread, "valid",
	              (json_int_t)valid, "duplicates", (json_int_t)dups, "rejected", (json_int_t)rejected,
	              "to_import", (json_int_t)(valid - dups), "problems", problems_json(lang, u));
	json_object_set_new(o, "has_problems", json_boolean(rejected > 0));
	/* MARC holdings: barcodes and prices not taken as the file gave them. */
	if (!u->csv && u->marc.nnotices) {
		json_t *list = json_array();
		for (size_t i = 0; i < u->marc.nnotices && i < MAX_SHOWN; i++) {
			const catalog_import_notice_t *m = &u->marc.notices[i];
			json_array_append_new(list, json_pack("{s:s, s:I, s:s, s:s, s:s}", "where",
			                                      i18n_get(lang, "import.record"), "n",
			                                      (json_int_t)m->pos, "key", m->key, "reason",
			                                      i18n_get(lang, m->key), "detail", m->detail));
		}
		json_object_set_new(o, "notices", list);
		json_object_set_new(o, "has_notices", json_true());
	}
	if (rejected > MAX_SHOWN)
		json_object_set_new(o, "more_problems", json_integer(rejected - MAX_SHOWN));
	return o;
}

/* The first records of the preview, as a librarian recognises them. */
static json_t *sample_json(const upload_t *u)
{
	json_t *list = json_array();
	size_t n = u->csv ? u->list.nrows : u->marc.nrecs;
	for (size_t i = 0; i < n && i < SAMPLE; i++) {
		const biblio_t *b = u->csv ? &u->list.rows[i].bib : &u->marc.recs[i].bib;
		bool dup = u->csv ? u->list.rows[i].duplicate : u->marc.recs[i].duplicate;
		int64_t dup_id = u->csv ? u->list.rows[i].dup_id : u->marc.recs[i].dup_id;
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:b}", "title", b->title ? b->title : "", "authors",
		              b->authors ? b->authors : "", "isbn", b->isbn ? b->isbn : "", "duplicate", dup);
		json_object_set_new(o, "year", b->year ? json_integer(b->year) : json_null());
		if (dup_id)
			json_object_set_new(o, "dup_id", json_integer(dup_id));
		json_array_append_new(list, o);
	}
	return list;
}

/* --- the form ----------------------------------------------------------------------------------- */

static const char *const sources[] = { "purchase", "gift", "allocation", "other", NULL };

static json_t *form_json(web_req_t *r, const import_opts_t *o)
{
	json_t *types = web_doc_types_json(r, o->doc_type), *src = json_array();
	for (int i = 0; sources[i]; i++)
		json_array_append_new(src,
		                      json_pack("{s:s, s:s, s:b}", "code", sources[i], "name",
		                                web_t(r, arena_printf(r->arena, "acq.source.%s", sources[i])),
		                                "selected", strcmp(o->source, sources[i]) == 0));
	return json_pack("{s:o, s:o, s:i, s:b, s:b}", "types", types, "sources", src, "copies", o->copies,
	                 "csv", strcmp(o->kind, "csv") == 0, "marc", strcmp(o->kind, "marc") == 0);
}

static void defaults(import_opts_t *o)
{
	memset(o, 0, sizeof *o);
	snprintf(o->kind, sizeof o->kind, "auto");
	snprintf(o->doc_type, sizeof o->doc_type, "STK");
	snprintf(o->source, sizeof o->source, "other");
	o->copies = 1;
}

/*
** GET /catalog/import
** The import form: a MARC file (ISO 2709 or MARCXML) or a CSV book list, its kind, the document
** type and number of copies of the records, the batch's source. Librarians of a school.
*/
void page_import_form(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	import_opts_t o;
	defaults(&o);
	web_render(r, 200, "import", json_pack("{s:o}", "form", form_json(r, &o)));
}

/* The form's options, checked. -1 after answering 400. */
static int read_opts(web_req_t *r, import_opts_t *o, const web_file_t *file)
{
	defaults(o);
	const char *kind = web_form(r, "kind"), *type = web_form(r, "doc_type"), *src = web_form(r, "source");
	const char *copies = web_form(r, "copies");
	if (kind && *kind)
		snprintf(o->kind, sizeof o->kind, "%s", kind);
	if (strcmp(o->kind, "auto") == 0) {
		const char *fn = file && file->filename ? file->filename : "";
		size_t n = strlen(fn);
		int csv = (n > 4 && (!strcasecmp(fn + n - 4, ".csv") || !strcasecmp(fn + n - 4, ".txt"))) ||
		          (n > 5 && !strcasecmp(fn + n - 5, ".xlsx")) ||
		          (file && file->content_type && strstr(file->content_type, "csv")) ||
		          (file && xlsx_is_zip(file->data, file->len));
		snprintf(o->kind, sizeof o->kind, "%s", csv ? "csv" : "marc");
	}
	if (strcmp(o->kind, "csv") && strcmp(o->kind, "marc")) {
		web_fail_key(r, 400, "err.import.kind", NULL);
		return -1;
	}
	if (type && *type) {
		if (strlen(type) >= sizeof o->doc_type ||
		    strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(type)) {
			web_fail_key(r, 400, "err.biblio.doc_type", NULL);
			return -1;
		}
		snprintf(o->doc_type, sizeof o->doc_type, "%s", type);
	}
	if (src && *src) {
		int ok = 0;
		for (int i = 0; sources[i]; i++)
			ok |= strcmp(src, sources[i]) == 0;
		if (!ok) {
			web_fail_key(r, 400, "err.acquisition.source", NULL);
			return -1;
		}
		snprintf(o->source, sizeof o->source, "%s", src);
	}
	if (copies && *copies) {
		char *end;
		long v = strtol(copies, &end, 10);
		if (*end || v < 1 || v > 1000) {
			web_fail_key(r, 400, "err.items.count", NULL);
			return -1;
		}
		o->copies = (int)v;
	}
	return 0;
}

/* Is code an active document type? */
static int doc_type_known(web_req_t *r, const char *code)
{
	doc_type_t *v;
	size_t n = 0;
	err_t err;
	if (catalog_doc_types(r->db, r->lang, r->arena, &v, &n, &err) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].code, code) == 0)
			return 1;
	return 0;
}

/* The form again with an error (the file could not be read at all). */
static void form_error(web_req_t *r, const import_opts_t *o, const err_t *err)
{
	if (r->want_json)
		return web_fail(r, err);
	json_t *d = json_pack("{s:o, s:s}", "form", form_json(r, o), "error", web_t(r, err->key));
	if (err->detail[0])
		json_object_set_new(d, "error_detail", json_string(err->detail));
	web_render(r, err_http_status(err->code), "import", d);
}

/*
** POST /catalog/import   (multipart/form-data)
** Read and preview an upload; nothing is written to the catalogue. Parameters:
**    file=FILE        the MARC file (.mrc, .xml) or book list (.csv, .xlsx)
**    kind=K           auto (by the file's name and content), marc or csv (a book list, CSV or
**                     XLSX; an XLSX file is read as a book list whatever the kind)
**    doc_type=CODE    the document type of the records (default STK)
**    copies=N         copies of a record that names none (1-1000, default 1)
**    source=S         the new batch's source: purchase, gift, allocation, other (default)
** Shows the counts (read, valid, duplicates, rejected), the rejected records with their
** position and reason, the first records, and the token that commits the import.
*/
void page_import_preview(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	const web_file_t *file = web_file(r, "file");
	import_opts_t o;
	if (read_opts(r, &o, file) < 0)
		return;
	err_t err = { 0 };
	if (!doc_type_known(r, o.doc_type)) {
		err_set(&err, ERR_INVALID, "err.biblio.doc_type", NULL);
		return form_error(r, &o, &err);
	}
	if (!file || file->len == 0) {
		err_set(&err, ERR_INVALID, "err.import.nofile", NULL);
		return form_error(r, &o, &err);
	}
	upload_t u;
	if (read_upload(&o, file->data, file->len, r->arena, &u, &err) < 0)
		return form_error(r, &o, &err);
	int rc = u.csv ? booklist_preview(r->db, r->actor, &u.list, &err)
	               : marc_preview(r->db, r->actor, &u.marc, &err);
	if (rc < 0)
		return web_fail(r, &err);
	json_t *d = counts_json((r->lang ? r->lang : "vi"), &u);
	json_object_set_new(d, "records", sample_json(&u));
	json_object_set_new(d, "has_records", json_boolean(u.csv ? u.list.nrows > 0 : u.marc.nrecs > 0));
	json_object_set_new(d, "filename", json_string(file->filename));
	json_object_set_new(d, "doc_type", json_string(o.doc_type));
	json_object_set_new(d, "copies", json_integer(o.copies));
	json_object_set_new(d, "source", json_string(o.source));
	if (u.csv && u.list.nignored) {
		json_t *ign = json_array();
		for (size_t i = 0; i < u.list.nignored; i++)
			json_array_append_new(ign, json_string(u.list.ignored[i]));
		json_object_set_new(d, "ignored_columns", ign);
		json_object_set_new(d, "has_ignored", json_true());
	}
	int64_t to_import = json_integer_value(json_object_get(d, "to_import"));
	if (to_import > 0) {
		char token[WEB_KEPT_TOKEN + 1];
		if (keep_file(r, &o, file->data, file->len, token, &err) < 0) {
			log_error("import: cannot keep the upload: %s", err.detail);
			json_decref(d);
			return web_fail(r, &err);
		}
		json_object_set_new(d, "token", json_string(token));
	}
	json_object_set_new(d, "can_commit", json_boolean(to_import > 0));
	web_render(r, 200, "import_preview", d);
}

/* An import commit handed to a background job: what the preview chose, the file (malloc'ed),
 * the language of the report. */
typedef struct import_job {
	import_opts_t o;
	char *data;
	size_t len;
	char lang[4];
} import_job_t;

static void import_job_free(void *p)
{
	import_job_t *j = p;
	free(j->data);
	free(j);
}

static void import_progress(void *job, int64_t done, int64_t total)
{
	job_progress(job, done, total);
}

/* Read the file again and write it: the report's data in *out (the counts, or on failure what
 * failed), in lang. job (may be NULL) is told the progress. */
static int commit_file(db_t *db, const actor_t *actor, const import_opts_t *o, const char *data, size_t len,
                       const char *lang, job_t *job, json_t **out, err_t *err)
{
	arena_t *a = arena_new(65536);
	upload_t u;
	catalog_import_opts_t io = { .doc_type = o->doc_type,
		                     .copies = o->copies,
		                     .source = o->source,
		                     .progress = job ? import_progress : NULL,
		                     .progress_ctx = job };
	catalog_import_result_t res;
	memset(&res, 0, sizeof res);
	int rc = read_upload(o, data, len, a, &u, err);
	if (rc == 0 && u.csv)
		rc = booklist_commit(db, actor, &u.list, &io, &res, err);
	else if (rc == 0)
		rc = marc_commit(db, actor, &u.marc, &io, &res, err);
	if (rc < 0) {
		*out = json_pack("{s:b}", "written", 0);
		if (res.failed_pos)
			json_object_set_new(*out, u.csv ? "failed_line" : "failed_record",
			                    json_integer(res.failed_pos));
	} else {
		json_t *d = counts_json(lang, &u);
		json_object_set_new(d, "imported", json_integer(res.imported));
		json_object_set_new(d, "duplicates", json_integer(res.duplicates));
		json_object_set_new(d, "copies", json_integer(res.copies));
		if (res.acquisition_id)
			json_object_set_new(d, "acquisition_id", json_integer(res.acquisition_id));
		*out = d;
	}
	arena_free(a);
	return rc;
}

static int import_job_run(job_t *job, db_t *db, const actor_t *actor, void *arg, json_t **result, err_t *err)
{
	import_job_t *j = arg;
	int rc = commit_file(db, actor, &j->o, j->data, j->len, j->lang, job, result, err);
	if (rc == 0)
		json_object_set_new(*result, "template", json_string("import_done"));
	return rc;
}

/*
** POST /catalog/import/commit
** Import the file a preview kept, all or nothing, into one new intake batch. Parameters:
**    token=HEX        the preview's token (of this school, account and session, under an hour old)
** The report: records imported, duplicates skipped, records rejected with their reasons, copies
** made and a link to the new batch. An unknown, foreign or expired token is 404. A file larger
** than import_async_bytes is written by a background job: the answer is a 303 to its page,
** /jobs/ID, which shows the progress and then the same report (JSON: 202 {"job": ID,
** "location": "/jobs/ID"}); a smaller one is written at once and the report is the answer.
*/
void page_import_commit(web_req_t *r)
{
	if (!web_can_catalog(r))
		return web_fail_key(r, 403, "err.catalog.write", NULL);
	import_opts_t o;
	defaults(&o);
	char *data = NULL;
	size_t len = 0;
	err_t err = { 0 };
	if (take_file(r, web_form(r, "token"), &o, &data, &len, &err) < 0)
		return web_fail(r, &err);
	if ((int64_t)len > g_config.import_async_bytes) {
		import_job_t *j = calloc(1, sizeof *j);
		if (!j) {
			free(data);
			return web_fail_key(r, 500, "err.internal", NULL);
		}
		j->o = o;
		j->data = data;
		j->len = len;
		snprintf(j->lang, sizeof j->lang, "%s", (r->lang ? r->lang : "vi"));
		int64_t id = 0;
		if (jobs_start(r->actor, "import", import_job_run, j, import_job_free, &id, &err) < 0)
			return web_fail(r, &err);
		const char *where = arena_printf(r->arena, "/jobs/%lld", (long long)id);
		if (r->want_json)
			return web_json(r, 202,
			                json_pack("{s:I, s:s}", "job", (json_int_t)id, "location", where));
		return web_redirect(r, where);
	}
	json_t *d = NULL;
	int rc = commit_file(r->db, r->actor, &o, data, len, (r->lang ? r->lang : "vi"), NULL, &d, &err);
	free(data);
	if (rc < 0)
		return web_fail_extra(r, err_http_status(err.code), err.key, err.detail, d);
	web_render(r, 200, "import_done", d);
}
