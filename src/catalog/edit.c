/* edit.c: editing records and copies (edit.h).
 *
 * Both forms end in write_record(): the short fields checked by catalog_biblio_prepare and folded
 * by catalog_biblio_fold (the very functions creation uses), the duplicate rule when the fields
 * it compares changed, then one UPDATE guarded by the version the form was made from, and its
 * audit row, in one transaction. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/catalog_int.h"
#include "catalog/edit.h"

/* The record in the actor's own school: visible is not enough to write. */
static int get_own(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out, const char **marc,
                   err_t *err)
{
	int rc;
	if ((rc = catalog_check_writer(actor, err)) < 0 ||
	    (rc = catalog_biblio_get(db, actor, id, a, out, err)) < 0)
		return rc;
	if (out->unit_id != actor->unit_id)
		return err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
	if (!marc)
		return 0;
	db_stmt_t *st = db_query(db, err, "SELECT marc FROM biblios WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	const char *m = rc == DB_ROW ? db_col_text(st, 0) : NULL;
	*marc = m && *m ? arena_strdup(a, m) : NULL;
	db_done(st);
	return rc < 0 ? rc : 0;
}

int catalog_biblio_get_for_edit(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out,
                                const char **marc, err_t *err)
{
	return get_own(db, actor, id, a, out, marc, err);
}

int catalog_biblio_marc(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *b, marc_rec_t *rec,
                        bool *stored, err_t *err)
{
	int rc = catalog_biblio_get(db, actor, id, a, b, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st = db_query(db, err, "SELECT marc FROM biblios WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	const char *m = rc == DB_ROW && db_col_text(st, 0) ? arena_strdup(a, db_col_text(st, 0)) : NULL;
	db_done(st);
	if (rc < 0)
		return rc;
	*stored = m && *m && marc_rec_from_xml(a, m, rec, err) == 0;
	if (!*stored)
		marc_rec_from_biblio(a, b, b->id, rec);
	return 0;
}

/* --- what changed ------------------------------------------------------------------------------- */

static void change_int(buf_t *b, const char *field, int64_t old, int64_t new_)
{
	if (old == new_)
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_printf(b, "%s: %lld -> %lld", field, (long long)old, (long long)new_);
}

static void diff_biblio(arena_t *a, buf_t *b, const biblio_t *o, const biblio_t *n)
{
	audit_change(a, b, "doc_type", o->doc_type, n->doc_type);
	audit_change(a, b, "title", o->title, n->title);
	audit_change(a, b, "subtitle", o->subtitle, n->subtitle);
	audit_change(a, b, "authors", o->authors, n->authors);
	audit_change(a, b, "publisher", o->publisher, n->publisher);
	audit_change(a, b, "place", o->place, n->place);
	change_int(b, "year", o->year, n->year);
	audit_change(a, b, "edition", o->edition, n->edition);
	audit_change(a, b, "isbn", o->isbn, n->isbn);
	audit_change(a, b, "language", o->language, n->language);
	audit_change(a, b, "pages", o->pages, n->pages);
	audit_change(a, b, "size", o->size, n->size);
	change_int(b, "price", o->price, n->price);
	audit_change(a, b, "series", o->series, n->series);
	audit_change(a, b, "subjects", o->subjects, n->subjects);
	audit_change(a, b, "summary", o->summary, n->summary);
	audit_change(a, b, "class_number", o->class_number, n->class_number);
	audit_change(a, b, "call_number", o->call_number, n->call_number);
	change_int(b, "grade", o->grade, n->grade);
}

/* The tags whose fields differ between two records, each once, in the new record's order. */
static void diff_marc(arena_t *a, buf_t *b, const char *old_xml, const char *new_xml)
{
	marc_rec_t o = { 0 }, n = { 0 };
	err_t e;
	if (old_xml)
		marc_rec_from_xml(a, old_xml, &o, &e);
	marc_rec_from_xml(a, new_xml, &n, &e);
	char **ol = arena_zalloc(a, (o.nfields + 1) * sizeof *ol),
	     **nl = arena_zalloc(a, (n.nfields + 1) * sizeof *nl);
	for (size_t i = 0; i < o.nfields; i++)
		ol[i] = (char *)marc_rec_lines(
		    a, &(marc_rec_t){ .leader = "", .fields = &o.fields[i], .nfields = 1 });
	for (size_t i = 0; i < n.nfields; i++)
		nl[i] = (char *)marc_rec_lines(
		    a, &(marc_rec_t){ .leader = "", .fields = &n.fields[i], .nfields = 1 });
	buf_t tags = BUF_INIT;
	/* A new field matches an old one with the same line (each old one once); what is left over
	 * on either side changed. */
	for (size_t i = 0; i < n.nfields; i++) {
		size_t k = 0;
		while (k < o.nfields && (!ol[k] || strcmp(ol[k], nl[i])))
			k++;
		if (k < o.nfields)
			ol[k] = NULL;
		else if (!strstr(buf_str(&tags), n.fields[i].tag))
			buf_printf(&tags, "%s%s", tags.len ? " " : "", n.fields[i].tag);
	}
	for (size_t k = 0; k < o.nfields; k++)
		if (ol[k] && !strstr(buf_str(&tags), o.fields[k].tag))
			buf_printf(&tags, "%s%s", tags.len ? " " : "", o.fields[k].tag);
	if (tags.len) {
		if (b->len)
			buf_puts(b, "; ");
		buf_printf(b, "marc: %s", buf_str(&tags));
	}
	buf_release(&tags);
}

/* --- writing a record --------------------------------------------------------------------------- */

/* Write n (prepared) over old (as read, with its version), with the MARC record marc (NULL:
 * none). */
static int write_record(db_t *db, const actor_t *actor, const char *action, const biblio_t *old,
                        const char *old_marc, const biblio_t *n, const char *marc, bool allow_duplicate,
                        arena_t *a, catalog_edit_result_t *res, err_t *err)
{
	int rc, own = 0;
	catalog_fold_t fo, fn;
	catalog_biblio_fold(a, old, &fo);
	catalog_biblio_fold(a, n, &fn);
	buf_t ch = BUF_INIT;
	diff_biblio(a, &ch, old, n);
	if (marc && (!old_marc || strcmp(old_marc, marc)))
		diff_marc(a, &ch, old_marc, marc);
	res->changes = arena_strdup(a, buf_str(&ch));
	buf_release(&ch);
	res->kept_accessions = old->nitems > 0 && strcmp(old->doc_type, n->doc_type) != 0;
	res->marc_updated = marc && (!old_marc || strcmp(old_marc, marc));
	if (!*res->changes && !res->marc_updated) { /* saved as it was: no write, no audit row */
		res->id = old->id;
		return 0;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	/* Only a collision the edit makes is reported: a record already like another (kept so on
	 * purpose) is not warned about again when its price changes. */
	bool isbn_changed = strcmp(old->isbn, n->isbn) != 0;
	bool title_changed =
	    strcmp(fo.title, fn.title) || strcmp(fo.authors, fn.authors) || old->year != n->year;
	if ((isbn_changed || title_changed) && !allow_duplicate) {
		catalog_dupkey_t k = { .isbn = isbn_changed ? n->isbn : "",
			               .title = fn.title,
			               .authors = fn.authors,
			               .year = n->year };
		int64_t dup = 0;
		rc = catalog_find_duplicate_other(db, old->unit_id, &k, old->id, title_changed, &dup, err);
		if (rc == 0) {
			res->dup_id = dup;
			rc = err_set(err, ERR_CONFLICT, "err.biblio.duplicate", "%lld", (long long)dup);
			goto done;
		}
		if (rc != ERR_NOTFOUND)
			goto done;
	}
	/* The new version is later than the old one even within the same second. */
	int64_t now = clock_now(), version = now > old->version ? now : old->version + 1;
	rc = db_exec(
	    db, err,
	    "UPDATE biblios SET doc_type = ?, title = ?, subtitle = ?, authors = ?, publisher = ?, place = "
	    "?, "
	    "year = NULLIF(?, 0), edition = ?, isbn = ?, language = ?, pages = ?, size = ?, price = ?, "
	    "series = ?, subjects = ?, summary = ?, class_number = ?, call_number = ?, grade = NULLIF(?, 0), "
	    "title_fold = ?, authors_fold = ?, search_fold = ?, search_words = ?, marc = ?, updated_at = ?, work_sync = 1 "
	    "WHERE id = ? AND updated_at = ?",
	    "ssssssisssssisssssisssssiii", n->doc_type, n->title, n->subtitle, n->authors, n->publisher,
	    n->place, (int64_t)n->year, n->edition, n->isbn, n->language, n->pages, n->size, n->price,
	    n->series, n->subjects, n->summary, n->class_number, n->call_number, (int64_t)n->grade, fn.title,
	    fn.authors, fn.search, fn.words, marc, version, old->id, old->version);
	if (rc == 0) {
		rc = err_set(err, ERR_CONFLICT, "err.biblio.stale", NULL);
		goto done;
	}
	if (rc < 0)
		goto done;
	rc = audit_write(db, actor, NULL, old->unit_id, actor->unit_path, action, "biblio", old->id,
	                 text_cut(a, res->changes, 2000), NULL, err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0)
		res->id = old->id;
	return rc;
}

int catalog_biblio_update(db_t *db, const actor_t *actor, int64_t id, int64_t version, const biblio_t *in,
                          bool allow_duplicate, arena_t *a, catalog_edit_result_t *res, err_t *err)
{
	int rc;
	biblio_t old, c;
	const char *old_marc = NULL, *marc = NULL;
	memset(res, 0, sizeof *res);
	if ((rc = get_own(db, actor, id, a, &old, &old_marc, err)) < 0)
		return rc;
	if (version != old.version)
		return err_set(err, ERR_CONFLICT, "err.biblio.stale", NULL);
	if ((rc = catalog_biblio_prepare(db, a, in, &c, err)) < 0)
		return rc;
	if (old_marc) {
		/* The MARC record is the truth: the changed fields are written into it, and the short
		 * fields read back from it as an import reads them. */
		marc_rec_t rec;
		biblio_t m;
		const char *xml;
		if ((rc = marc_rec_from_xml(a, old_marc, &rec, err)) < 0)
			return rc;
		/* The stored record was checked when it was imported or saved: it is not held to the
		 * form's rules again (a local tag the import kept must not block a title's edit); the
		 * import's reader below checks what is written. */
		marc_rec_patch(a, &rec, &old, &c);
		if (!(xml = marc_rec_to_xml(a, &rec, err)) || (rc = marc_rec_map(a, xml, &m, &marc, err)) < 0)
			return err->code;
		m.doc_type = c.doc_type;
		m.price = c.price;
		m.grade = c.grade;
		if ((rc = catalog_biblio_prepare(db, a, &m, &c, err)) < 0)
			return rc;
		if (!strcmp(marc, old_marc))
			marc = old_marc; /* nothing of the MARC record changed */
	}
	return write_record(db, actor, "biblio.edit", &old, old_marc, &c, marc, allow_duplicate, a, res, err);
}

int catalog_biblio_marc_save(db_t *db, const actor_t *actor, int64_t id, int64_t version,
                             const char *doc_type, int copies, marc_rec_t *rec, bool allow_duplicate,
                             arena_t *a, marc_issue_t **issues, size_t *nissues, catalog_edit_result_t *res,
                             err_t *err)
{
	int rc;
	biblio_t old, m, c;
	const char *old_marc = NULL, *xml, *marc;
	memset(res, 0, sizeof *res);
	*issues = NULL;
	*nissues = 0;
	if (id) {
		if ((rc = get_own(db, actor, id, a, &old, &old_marc, err)) < 0)
			return rc;
		if (version != old.version)
			return err_set(err, ERR_CONFLICT, "err.biblio.stale", NULL);
	} else {
		if ((rc = catalog_check_writer(actor, err)) < 0)
			return rc;
		if (copies < 0 || copies > 1000)
			return err_set(err, ERR_INVALID, "err.items.count", NULL);
	}
	if ((rc = marc_rec_check(a, rec, issues, nissues, err)) < 0)
		return rc;
	if (!(xml = marc_rec_to_xml(a, rec, err)) || (rc = marc_rec_map(a, xml, &m, &marc, err)) < 0)
		return err->code;
	m.doc_type = id ? old.doc_type : doc_type;
	m.price = id ? old.price : 0;
	m.grade = id ? old.grade : 0;
	m.marc = marc;
	if (!id) {
		rc = catalog_biblio_create_with_copies(db, actor, &m, allow_duplicate, 0, copies, &res->id,
		                                       &res->dup_id, err);
		res->marc_updated = rc == 0;
		res->changes = "";
		return rc;
	}
	if ((rc = catalog_biblio_prepare(db, a, &m, &c, err)) < 0)
		return rc;
	return write_record(db, actor, "biblio.marc", &old, old_marc, &c, marc, allow_duplicate, a, res, err);
}

/* --- copies ------------------------------------------------------------------------------------- */

int catalog_item_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, item_t *out, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.id, i.biblio_id, i.acquisition_id, i.register, i.accession_no, i.accession, "
	             "i.barcode, i.price, i.location, i.status, i.note, u.path "
	             "FROM items i JOIN units u ON u.id = i.unit_id WHERE i.id = ?",
	             "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int visible = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 11));
	if (visible) {
		memset(out, 0, sizeof *out);
		catalog_read_item(st, a, out);
		out->note = arena_strdup(a, db_col_text(st, 10));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return visible ? 0 : err_set(err, ERR_NOTFOUND, "err.item.notfound", NULL);
}

/* A barcode as Code 128 prints it: 1 to 48 printable ASCII characters, no space. */
static bool barcode_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 48)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int catalog_item_update(db_t *db, const actor_t *actor, int64_t id, const item_t *in, arena_t *a,
                        const char **changes, err_t *err)
{
	int rc, own = 0;
	item_t old;
	int64_t unit = 0;
	if ((rc = catalog_check_writer(actor, err)) < 0 ||
	    (rc = catalog_item_get(db, actor, id, a, &old, err)) < 0)
		return rc;
	if ((rc = db_query_int(db, &unit, err, "SELECT unit_id FROM items WHERE id = ?", "i", id)) < 0)
		return rc;
	if (unit != actor->unit_id)
		return err_set(err, ERR_NOTFOUND, "err.item.notfound", NULL);
	char *barcode = text_trim(arena_strdup(a, in->barcode ? in->barcode : old.barcode));
	char *location = text_nfc(a, in->location ? in->location : old.location);
	char *note = text_nfc(a, in->note ? in->note : old.note);
	int64_t price = in->price == CATALOG_KEEP_PRICE ? old.price : in->price;
	if (!location || !note)
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	text_trim(location);
	text_trim(note);
	if (!barcode_ok(barcode))
		return err_set(err, ERR_INVALID, "err.item.barcode", NULL);
	if (text_length(location) > 100 || text_length(note) > 1000)
		return err_set(err, ERR_INVALID, "err.field.long", "%s",
		               text_length(note) > 1000 ? "note" : "location");
	if (price < 0 || price > INT64_C(100000000000))
		return err_set(err, ERR_INVALID, "err.price", NULL);
	const char *status = in->status && *in->status ? in->status : old.status;
	if (strcmp(status, old.status)) {
		if (!strcmp(old.status, "on_loan") || !strcmp(old.status, "withdrawn"))
			return err_set(err, ERR_INVALID, "err.item.status_locked", "%s", old.status);
		if (strcmp(status, "available") && strcmp(status, "damaged") && strcmp(status, "lost"))
			return err_set(err, ERR_INVALID, "err.item.status", NULL);
	}
	buf_t ch = BUF_INIT;
	audit_change(a, &ch, "barcode", old.barcode, barcode);
	audit_change(a, &ch, "location", old.location, location);
	change_int(&ch, "price", old.price, price);
	audit_change(a, &ch, "note", old.note, note);
	audit_change(a, &ch, "status", old.status, status);
	const char *what = arena_strdup(a, buf_str(&ch));
	buf_release(&ch);
	if (changes)
		*changes = what;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t taken = 0;
	if ((rc = db_query_int(db, &taken, err,
	                       "SELECT COUNT(*) FROM items WHERE unit_id = ? AND barcode = ? AND id <> ?",
	                       "isi", unit, barcode, id)) < 0)
		goto done;
	if (taken) {
		rc = err_set(err, ERR_CONFLICT, "err.items.barcode_taken", "%s", barcode);
		goto done;
	}
	rc = db_exec(
	    db, err,
	    "UPDATE items SET barcode = ?, location = ?, price = ?, note = ?, status = ? WHERE id = ?",
	    "ssissi", barcode, location, price, note, status, id);
	if (rc == ERR_CONFLICT) /* a second librarian took the barcode since the check */
		rc = err_set(err, ERR_CONFLICT, "err.items.barcode_taken", "%s", barcode);
	if (rc < 0)
		goto done;
	rc = audit_write(db, actor, NULL, unit, actor->unit_path, "item.edit", "item", id,
	                 arena_printf(a, "%s: %s", old.accession, text_cut(a, what, 1800)), NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}
