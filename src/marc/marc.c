/* marc.c: what an import batch does to the database, and export (marc.h).
 *
 * The preview and the commit are the catalogue's import (src/catalog/batch.h), which MARC files
 * and book lists share: this file hands it the valid records, each with its whole MARCXML and its
 * holdings (one copy per 852/952 field, with the barcode and price they give), and copies back
 * the duplicates and notices it found.
 *
 * Export writes with YAZ: the stored MARCXML is parsed by libxml2 and read back with
 * yaz_marc_read_xml(); a record without one is built from the short fields with yaz_marc_add_*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaz/marcdisp.h>
#include <yaz/wrbuf.h>

#include "base/text.h"
#include "marc/marc.h"

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

static void add_sub(yaz_marc_t mt, WRBUF tmp, char code, const char *v)
{
	if (!v || !*v)
		return;
	wrbuf_rewind(tmp);
	wrbuf_putc(tmp, code);
	wrbuf_puts(tmp, v);
	yaz_marc_add_subfield(mt, wrbuf_buf(tmp), wrbuf_len(tmp));
}

/* One field with one subfield per (code, value) pair whose value is not empty; none when all are. */
static void add_field(yaz_marc_t mt, WRBUF tmp, const char *tag, const char *ind, const char *codes,
                      const char *const *values)
{
	int any = 0;
	for (size_t i = 0; codes[i]; i++)
		any |= values[i] && *values[i];
	if (!any)
		return;
	yaz_marc_add_datafield(mt, tag, ind, 2);
	for (size_t i = 0; codes[i]; i++)
		add_sub(mt, tmp, codes[i], values[i]);
}

/* Each "; "-separated part of list as its own field (authors, subjects). */
static void add_each(yaz_marc_t mt, WRBUF tmp, const char *list, const char *first_tag, const char *tag,
                     const char *ind)
{
	char *copy = strdup(list ? list : ""), *save = NULL;
	int k = 0;
	for (char *p = copy ? strtok_r(copy, ";", &save) : NULL; p; p = strtok_r(NULL, ";", &save)) {
		text_trim(p);
		if (!*p)
			continue;
		const char *v[] = { p };
		add_field(mt, tmp, k++ == 0 && first_tag ? first_tag : tag, ind, "a", v);
	}
	free(copy);
}

/* A record built from the short fields of the current row. */
static void build_from_fields(yaz_marc_t mt, WRBUF tmp, db_stmt_t *st)
{
	int il, sl, ba, lde, ls, li;
	char f008[41];
	const char *lang = db_col_text(st, C_LANG);
	yaz_marc_reset(mt);
	yaz_marc_set_leader(mt, "00000nam a2200000 a 4500", &il, &sl, &ba, &lde, &ls, &li);
	snprintf(f008, sizeof f008, "%-7s%-28s%-3.3s  ", "", "", lang && strlen(lang) == 3 ? lang : "und");
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)db_col_int(st, C_ID));
	yaz_marc_add_controlfield(mt, "001", idbuf, strlen(idbuf));
	yaz_marc_add_controlfield(mt, "008", f008, strlen(f008));
	const char *isbn[] = { db_col_text(st, C_ISBN) };
	add_field(mt, tmp, "020", "  ", "a", isbn);
	const char *cls[] = { db_col_text(st, C_CLASS) };
	add_field(mt, tmp, "082", "04", "a", cls);
	const char *call[] = { db_col_text(st, C_CALL) };
	add_field(mt, tmp, "090", "  ", "a", call);
	const char *authors = db_col_text(st, C_AUTHORS);
	char *a1 = strdup(authors ? authors : "");
	add_each(mt, tmp, a1, "100", "700", "1 ");
	free(a1);
	const char *title[] = { db_col_text(st, C_TITLE), db_col_text(st, C_SUBTITLE) };
	add_field(mt, tmp, "245", "00", "ab", title);
	const char *ed[] = { db_col_text(st, C_EDITION) };
	add_field(mt, tmp, "250", "  ", "a", ed);
	char year[16] = "";
	if (db_col_int(st, C_YEAR))
		snprintf(year, sizeof year, "%lld", (long long)db_col_int(st, C_YEAR));
	const char *pub[] = { db_col_text(st, C_PLACE), db_col_text(st, C_PUBLISHER), year };
	add_field(mt, tmp, "260", "  ", "abc", pub);
	const char *phys[] = { db_col_text(st, C_PAGES), db_col_text(st, C_SIZE) };
	add_field(mt, tmp, "300", "  ", "ac", phys);
	const char *ser[] = { db_col_text(st, C_SERIES) };
	add_field(mt, tmp, "490", "0 ", "a", ser);
	const char *sum[] = { db_col_text(st, C_SUMMARY) };
	add_field(mt, tmp, "520", "  ", "a", sum);
	const char *subj = db_col_text(st, C_SUBJECTS);
	char *s1 = strdup(subj ? subj : "");
	add_each(mt, tmp, s1, NULL, "650", " 4");
	free(s1);
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
	WRBUF w = wrbuf_alloc(), tmp = wrbuf_alloc();
	if (fmt == MARC_MARCXML)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection "
		      "xmlns=\"http://www.loc.gov/MARC21/slim\">\n",
		      out);
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *xml = db_col_text(st, C_MARC);
		if (!xml || !*xml || load_stored(mt, xml) < 0)
			build_from_fields(mt, tmp, st);
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
	wrbuf_destroy(tmp);
	if (rc < 0)
		return rc;
	if (fflush(out) != 0 || ferror(out))
		return err_set(err, ERR_INTERNAL, "err.marc.write", NULL);
	if (count)
		*count = n;
	return 0;
}
