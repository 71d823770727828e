/* marc.c: what an import batch does to the database, and export (marc.h).
 *
 * The preview and the commit are the catalogue's import (src/catalog/batch.h), which MARC files
 * and book lists share: this file hands it the valid records, each with its whole MARCXML and its
 * holdings (one copy per 852/952 field, with the barcode and price they give), and copies back
 * the duplicates and notices it found.
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

/* --- preview and commit: catalog_import_check / catalog_import_commit ------------------------------ */

/* The batch's valid records as the catalogue's import records, in the arena. */
static catalog_import_rec_t *import_recs(marc_batch_t *b, arena_t *a)
{
	catalog_import_rec_t *v = arena_zalloc(a, (b->nrecs ? b->nrecs : 1) * sizeof *v);
	for (size_t i = 0; i < b->nrecs; i++) {
		marc_record_t *m = &b->recs[i];
		m->bib.marc = m->marcxml; /* stored with the record */
		v[i] = (catalog_import_rec_t){
			.pos = m->recno, .bib = &m->bib, .copies = m->holdings, .copy = m->copy
		};
	}
	return v;
}

/* Copy back what the import found: duplicates and notices (the reader's first). */
static void import_back(marc_batch_t *b, const catalog_import_rec_t *v, const catalog_import_result_t *res,
                        arena_t *a)
{
	b->nduplicates = 0;
	for (size_t i = 0; i < b->nrecs; i++) {
		b->recs[i].duplicate = v[i].duplicate;
		b->recs[i].dup_id = v[i].dup_id;
		b->nduplicates += v[i].duplicate;
	}
	size_t n = b->nread_notices + res->nnotices;
	catalog_import_notice_t *all = arena_alloc(a, (n ? n : 1) * sizeof *all);
	if (b->nread_notices)
		memcpy(all, b->notices, b->nread_notices * sizeof *all);
	if (res->nnotices)
		memcpy(all + b->nread_notices, res->notices, res->nnotices * sizeof *all);
	b->notices = all;
	b->nnotices = n;
}

int marc_preview(db_t *db, const actor_t *actor, marc_batch_t *b, err_t *err)
{
	catalog_import_result_t res;
	catalog_import_rec_t *v = import_recs(b, b->arena);
	int rc = catalog_import_check(db, actor, v, b->nrecs, b->arena, &res, err);
	if (rc == 0)
		import_back(b, v, &res, b->arena);
	return rc;
}

int marc_commit(db_t *db, const actor_t *actor, marc_batch_t *b, const marc_import_opts_t *opts,
                marc_import_result_t *res, err_t *err)
{
	catalog_import_rec_t *v = import_recs(b, b->arena);
	int rc = catalog_import_commit(db, actor, v, b->nrecs, opts, b->arena, res, err);
	if (rc == 0)
		import_back(b, v, res, b->arena);
	return rc;
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
