/* marc.c: what an import batch does to the database, and export (marc.h).
 *
 * The commit reuses the catalogue's own functions (catalog_acquisition_create,
 * catalog_biblio_create, catalog_items_add), which validate, fold, number the copies and write
 * the audit rows; they join the transaction opened here, so a failure on the 900th record rolls
 * back the 899 before it and the batch itself. The whole record is then stored in biblios.marc by
 * one UPDATE in the same transaction (catalog_biblio_create does not take it yet).
 *
 * Export writes with YAZ: the stored MARCXML is parsed by libxml2 and read back with
 * yaz_marc_read_xml(); a record without one is built from the short fields by marc_rec_from_biblio()
 * (marc_edit.c), the builder the MARC form starts from too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaz/marcdisp.h>
#include <yaz/wrbuf.h>

#include "base/text.h"
#include "marc/marc.h"
#include "marc/marc_edit.h"

/* --- preview ------------------------------------------------------------------------------------ */

int marc_preview(db_t *db, const actor_t *actor, marc_batch_t *b, err_t *err)
{
	int rc;
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	arena_t *a = arena_new(16384);
	catalog_dupkey_t *keys = arena_zalloc(a, (b->nrecs ? b->nrecs : 1) * sizeof *keys);
	b->nduplicates = 0;
	for (size_t i = 0; i < b->nrecs; i++) {
		marc_record_t *m = &b->recs[i];
		catalog_dupkey_t *k = &keys[i];
		catalog_dupkey_make(a, &m->bib, k);
		m->duplicate = false;
		m->dup_id = 0;
		rc = catalog_find_duplicate(db, actor->unit_id, k, &m->dup_id, err);
		if (rc == 0) {
			m->duplicate = true;
		} else if (rc != ERR_NOTFOUND) {
			goto done;
		} else {
			for (size_t j = 0; j < i && !m->duplicate; j++)
				m->duplicate = catalog_dupkey_same(k, &keys[j]);
		}
		b->nduplicates += m->duplicate;
	}
	rc = 0;
done:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

/* --- commit ------------------------------------------------------------------------------------- */

int marc_commit(db_t *db, const actor_t *actor, marc_batch_t *b, const marc_import_opts_t *opts,
                marc_import_result_t *res, err_t *err)
{
	int rc;
	marc_import_opts_t o = opts ? *opts : (marc_import_opts_t){ 0 };
	memset(res, 0, sizeof *res);
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	if (!o.doc_type || !*o.doc_type)
		o.doc_type = "STK";
	if (o.copies <= 0)
		o.copies = 1;
	if (o.copies > 1000)
		return err_set(err, ERR_INVALID, "err.items.count", NULL);
	if (!o.source || !*o.source)
		o.source = "other";
	if (b->nrecs == 0)
		return 0;
	if ((rc = db_begin(db, err)) < 0)
		return rc;
	arena_t *a = arena_new(4096);
	int64_t acq = 0;
	acquisition_t q = { .source = o.source, .note = o.note };
	if ((rc = catalog_acquisition_create(db, actor, &q, &acq, err)) < 0)
		goto fail;
	b->nduplicates = 0;
	for (size_t i = 0; i < b->nrecs; i++) {
		marc_record_t *m = &b->recs[i];
		biblio_t in = m->bib;
		int64_t id = 0;
		in.doc_type = o.doc_type;
		catalog_dupkey_t k;
		catalog_dupkey_make(a, &in, &k);
		m->dup_id = 0;
		rc = catalog_find_duplicate(db, actor->unit_id, &k, &m->dup_id, err);
		if (rc < 0 && rc != ERR_NOTFOUND)
			goto failed_record;
		if (rc == 0) { /* of the school, or of an earlier record of this batch */
			m->duplicate = true;
			b->nduplicates++;
			res->duplicates++;
			continue;
		}
		m->duplicate = false;
		arena_reset(a);
		/* The same rule as catalog_find_duplicate() was just checked, on the indexes. */
		in.marc = m->marcxml; /* stored with the record: one write of the MARC text, not two */
		if ((rc = catalog_biblio_create(db, actor, &in, true, &id, NULL, err)) < 0)
			goto failed_record;
		int copies = m->holdings > 0 ? m->holdings : o.copies;
		if (copies > 1000)
			copies = 1000;
		if ((rc = catalog_items_add(db, actor, id, acq, copies, -1, NULL, err)) < 0)
			goto failed_record;
		res->imported++;
		res->copies += copies;
		continue;
	failed_record:
		res->failed_recno = m->recno;
		goto fail;
	}
	if (res->imported == 0) { /* only duplicates: keep no empty batch */
		db_rollback(db);
		arena_free(a);
		return 0;
	}
	if ((rc = db_commit(db, err)) < 0)
		goto fail;
	res->acquisition_id = acq;
	arena_free(a);
	return 0;
fail:
	db_rollback(db);
	arena_free(a);
	res->imported = res->copies = res->duplicates = 0;
	return rc < 0 ? rc : ERR_INTERNAL;
}

/* --- export ------------------------------------------------------------------------------------- */

enum {
	C_ID,
	C_MARC,
	C_TITLE,
	C_SUBTITLE,
	C_AUTHORS,
	C_PUBLISHER,
	C_PLACE,
	C_YEAR,
	C_EDITION,
	C_ISBN,
	C_LANG,
	C_PAGES,
	C_SIZE,
	C_SERIES,
	C_SUBJECTS,
	C_SUMMARY,
	C_CLASS,
	C_CALL
};

/* The short fields of the current row, for a record built from them (marc_rec_from_biblio, the
 * one builder the MARC form uses too). Strings live in a. */
static void row_biblio(arena_t *a, db_stmt_t *st, biblio_t *b)
{
	memset(b, 0, sizeof *b);
	b->id = db_col_int(st, C_ID);
#define COL(f, c) b->f = arena_strdup(a, db_col_text(st, c) ? db_col_text(st, c) : "")
	COL(title, C_TITLE);
	COL(subtitle, C_SUBTITLE);
	COL(authors, C_AUTHORS);
	COL(publisher, C_PUBLISHER);
	COL(place, C_PLACE);
	COL(edition, C_EDITION);
	COL(isbn, C_ISBN);
	COL(language, C_LANG);
	COL(pages, C_PAGES);
	COL(size, C_SIZE);
	COL(series, C_SERIES);
	COL(subjects, C_SUBJECTS);
	COL(summary, C_SUMMARY);
	COL(class_number, C_CLASS);
	COL(call_number, C_CALL);
#undef COL
	b->year = (int)db_col_int(st, C_YEAR);
}

/* The stored MARCXML of the current row into mt; -1 when it does not parse. */
static int load_stored(yaz_marc_t mt, const char *xml)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	yaz_marc_reset(mt);
	int rc = yaz_marc_read_xml(mt, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return rc < 0 ? -1 : 0;
}

int marc_export(db_t *db, const actor_t *actor, marc_format_t fmt, FILE *out, int64_t *count, err_t *err)
{
	int rc = 0;
	int64_t n = 0;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (fmt != MARC_ISO2709 && fmt != MARC_MARCXML)
		return err_set(err, ERR_INVALID, "err.marc.format", NULL);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, marc, title, subtitle, authors, publisher, place, year, edition, isbn, "
	             "language, pages, size, series, subjects, summary, class_number, call_number "
	             "FROM biblios WHERE unit_id = ? ORDER BY id",
	             "i", actor->unit_id);
	if (!st)
		return err->code;
	yaz_marc_t mt = yaz_marc_create();
	WRBUF w = wrbuf_alloc();
	arena_t *a = arena_new(4096);
	if (fmt == MARC_MARCXML)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection "
		      "xmlns=\"http://www.loc.gov/MARC21/slim\">\n",
		      out);
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *xml = db_col_text(st, C_MARC);
		if (!xml || !*xml || load_stored(mt, xml) < 0) {
			biblio_t b;
			marc_rec_t rec;
			arena_reset(a);
			row_biblio(a, st, &b);
			marc_rec_from_biblio(a, &b, b.id, &rec);
			marc_rec_to_yaz(&rec, mt);
		}
		yaz_marc_xml(mt, fmt == MARC_ISO2709 ? YAZ_MARC_ISO2709 : YAZ_MARC_MARCXML);
		wrbuf_rewind(w);
		if (yaz_marc_write_mode(mt, w) < 0) {
			rc = err_set(err, ERR_INTERNAL, "err.marc.write", "record %lld",
			             (long long)db_col_int(st, C_ID));
			break;
		}
		fwrite(wrbuf_buf(w), 1, wrbuf_len(w), out);
		n++;
	}
	db_done(st);
	if (fmt == MARC_MARCXML)
		fputs("</collection>\n", out);
	yaz_marc_destroy(mt);
	wrbuf_destroy(w);
	arena_free(a);
	if (rc < 0)
		return rc;
	if (fflush(out) != 0 || ferror(out))
		return err_set(err, ERR_INTERNAL, "err.marc.write", NULL);
	if (count)
		*count = n;
	return 0;
}
