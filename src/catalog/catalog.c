/* catalog.c: records, copies, intake batches and accession numbers (catalog.h).
 *
 * Numbers that must never repeat (accession numbers per register, the general register's
 * running number) come from accession_counters with one `UPDATE ... RETURNING` inside the write
 * transaction: SQLite serialises writers, PostgreSQL locks the counter row, so two librarians
 * adding copies at the same moment get consecutive ranges on both backends. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/auth.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"
#include "catalog/classify.h"

/* The register of the general register's running number (số vào sổ tổng quát). */
#define GENERAL_REGISTER "#TQ"

int catalog_check_writer(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.catalog.write", NULL);
	return 0;
}

void catalog_dupkey_make(arena_t *a, const biblio_t *b, catalog_dupkey_t *k)
{
	k->isbn = b->isbn ? b->isbn : "";
	k->title = text_fold(a, b->title ? b->title : "");
	k->authors = text_fold(a, b->authors ? b->authors : "");
	k->year = b->year;
}

bool catalog_dupkey_same(const catalog_dupkey_t *x, const catalog_dupkey_t *y)
{
	if (*x->isbn && !strcmp(x->isbn, y->isbn))
		return true;
	return x->year == y->year && !strcmp(x->title, y->title) && !strcmp(x->authors, y->authors);
}

int catalog_find_duplicate(db_t *db, int64_t unit_id, const catalog_dupkey_t *k, int64_t *id, err_t *err)
{
	return catalog_find_duplicate_other(db, unit_id, k, 0, true, id, err);
}

int catalog_find_duplicate_other(db_t *db, int64_t unit_id, const catalog_dupkey_t *k, int64_t except,
                                 bool by_title, int64_t *id, err_t *err)
{
	int rc = ERR_NOTFOUND;
	if (*k->isbn)
		rc = db_query_int(
		    db, id, err,
		    "SELECT id FROM biblios WHERE unit_id = ? AND isbn = ? AND id <> ? ORDER BY id "
		    "LIMIT 1",
		    "isi", unit_id, k->isbn, except);
	if (rc == ERR_NOTFOUND && by_title)
		rc = db_query_int(
		    db, id, err,
		    "SELECT id FROM biblios WHERE unit_id = ? AND title_fold = ? AND authors_fold = ? "
		    "AND COALESCE(year, 0) = ? AND id <> ? ORDER BY id LIMIT 1",
		    "issii", unit_id, k->title, k->authors, (int64_t)k->year, except);
	return rc;
}

static int check_reader(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return 0;
}

/* Take count numbers from a register of a school; *first receives the first. In a transaction. */
static int take_numbers(db_t *db, int64_t unit_id, const char *reg, int64_t count, int64_t *first, err_t *err)
{
	int64_t last = 0;
	int rc = db_exec(db, err,
	                 "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, ?, 0) "
	                 "ON CONFLICT (unit_id, register) DO NOTHING",
	                 "is", unit_id, reg);
	if (rc < 0)
		return rc;
	rc = db_query_int(db, &last, err,
	                  "UPDATE accession_counters SET last = last + ? WHERE unit_id = ? AND register = ? "
	                  "RETURNING last",
	                  "iis", count, unit_id, reg);
	if (rc < 0)
		return rc;
	*first = last - count + 1;
	return 0;
}

/* Copy s (or "") as valid NFC text of at most max characters into the arena, trimmed; NULL when
 * s is not valid UTF-8 or too long (err filled with field). */
static char *clean(arena_t *a, const char *s, size_t max, const char *field, err_t *err)
{
	char *t = text_nfc(a, s ? s : "");
	if (!t) {
		err_set(err, ERR_INVALID, "err.utf8", "%s", field);
		return NULL;
	}
	text_trim(t);
	if (text_length(t) > max) {
		err_set(err, ERR_INVALID, "err.field.long", "%s", field);
		return NULL;
	}
	return t;
}

/* --- document types --------------------------------------------------------------------------- */

int catalog_doc_types(db_t *db, const char *lang, arena_t *a, doc_type_t **out, size_t *n, err_t *err)
{
	int en = lang && strcmp(lang, "en") == 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT code, name_vi, name_en, register, loanable FROM doc_types "
	                         "WHERE active = 1 ORDER BY sort, code",
	                         "");
	if (!st)
		return err->code;
	size_t cap = 32, k = 0;
	doc_type_t *v = arena_zalloc(a, cap * sizeof *v);
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW && k < cap) {
		v[k].code = arena_strdup(a, db_col_text(st, 0));
		v[k].name = arena_strdup(a, db_col_text(st, en ? 2 : 1));
		v[k].reg = arena_strdup(a, db_col_text(st, 3));
		v[k].loanable = (int)db_col_int(st, 4);
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = k;
	return 0;
}

/* --- acquisition batches ------------------------------------------------------------------------ */

/* A canonical yyyy-mm-dd date of the Gregorian calendar, 1900 to 2200. */
static int date_valid(const char *s)
{
	return clock_day_parse(s, NULL) == 0;
}

int catalog_acquisition_create(db_t *db, const actor_t *actor, const acquisition_t *in, int64_t *id,
                               err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(1024);
	char today[16];
	if ((rc = catalog_check_writer(actor, err)) < 0)
		goto done;
	const char *received = in->received && *in->received ? in->received : NULL;
	if (!received) {
		clock_day_format(clock_today_vn(), today, sizeof today);
		received = today;
	}
	if (!date_valid(received) || (in->doc_date && *in->doc_date && !date_valid(in->doc_date))) {
		rc = err_set(err, ERR_INVALID, "err.date", NULL);
		goto done;
	}
	const char *source = in->source && *in->source ? in->source : "purchase";
	if (strcmp(source, "purchase") && strcmp(source, "gift") && strcmp(source, "allocation") &&
	    strcmp(source, "other")) {
		rc = err_set(err, ERR_INVALID, "err.acquisition.source", NULL);
		goto done;
	}
	const char *funding = in->funding && *in->funding ? in->funding
	                      : strcmp(source, "purchase") == 0 || strcmp(source, "allocation") == 0 ? "budget"
	                                                                                               : "other";
	if (strcmp(funding, "budget") && strcmp(funding, "other")) {
		rc = err_set(err, ERR_INVALID, "err.acquisition.funding", NULL);
		goto done;
	}
	char *docno = clean(a, in->doc_number, 100, "doc_number", err);
	char *supplier = clean(a, in->supplier, 200, "supplier", err);
	char *note = clean(a, in->note, 1000, "note", err);
	if (!docno || !supplier || !note) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	int64_t number = 0, nid = 0;
	if ((rc = take_numbers(db, actor->unit_id, GENERAL_REGISTER, 1, &number, err)) < 0)
		goto fail;
	rc = db_insert_id(
	    db, &nid, err,
	    "INSERT INTO acquisitions (unit_id, number, received, source, doc_number, doc_date, supplier, "
	    "note, funding, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) RETURNING id",
	    "iisssssssii", actor->unit_id, number, received, source, docno,
	    in->doc_date && *in->doc_date ? in->doc_date : NULL, supplier, note, funding, actor->account_id,
	    clock_now());
	if (rc < 0)
		goto fail;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "acquisition.create",
	                 "acquisition", nid,
	                 arena_printf(a, "%lld %s %s %s", (long long)number, received, source, funding), NULL, err);
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0 && id)
		*id = nid;
done:
	arena_free(a);
	return rc;
}

#define ACQ_COLS                                                                                             \
	"q.id, q.unit_id, q.number, q.received, q.source, q.doc_number, q.doc_date, q.supplier, q.note, "    \
	"u.path, "                                                                                           \
	"(SELECT COUNT(*) FROM items i WHERE i.acquisition_id = q.id), "                                     \
	"(SELECT COALESCE(SUM(i.price), 0) FROM items i WHERE i.acquisition_id = q.id), q.funding"

static void read_acq(db_stmt_t *st, arena_t *a, acquisition_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->unit_id = db_col_int(st, 1);
	o->number = db_col_int(st, 2);
	o->received = arena_strdup(a, db_col_text(st, 3));
	o->source = arena_strdup(a, db_col_text(st, 4));
	o->doc_number = arena_strdup(a, db_col_text(st, 5));
	o->doc_date = arena_strdup(a, db_col_text(st, 6));
	o->supplier = arena_strdup(a, db_col_text(st, 7));
	o->note = arena_strdup(a, db_col_text(st, 8));
	o->copies = db_col_int(st, 10);
	o->value = db_col_int(st, 11);
	o->funding = arena_strdup(a, db_col_text(st, 12));
}

int catalog_acquisition_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, acquisition_t *out,
                            err_t *err)
{
	int rc = check_reader(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT " ACQ_COLS
	                         " FROM acquisitions q JOIN units u ON u.id = q.unit_id WHERE q.id = ?",
	                         "i", id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	int visible = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 9));
	if (visible)
		read_acq(st, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	return visible ? 0 : err_set(err, ERR_NOTFOUND, "err.acquisition.notfound", NULL);
}

int catalog_acquisition_list(db_t *db, const actor_t *actor, int limit, arena_t *a, acquisition_t **out,
                             size_t *n, err_t *err)
{
	int rc = check_reader(actor, err);
	if (rc < 0)
		return rc;
	if (limit <= 0 || limit > 500)
		limit = 100;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ACQ_COLS " FROM acquisitions q JOIN units u ON u.id = q.unit_id "
	             "WHERE u.path >= ? AND u.path < ? ORDER BY q.id DESC LIMIT ?",
	             "ssi", actor->unit_path, actor_path_end(a, actor->unit_path), (int64_t)limit);
	if (!st)
		return err->code;
	acquisition_t *v = arena_zalloc(a, (size_t)limit * sizeof *v);
	size_t k = 0;
	while ((rc = db_step(st, err)) == DB_ROW)
		read_acq(st, a, &v[k++]);
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = k;
	return 0;
}

/* --- records ------------------------------------------------------------------------------------ */

#define BIB_COLS                                                                                             \
	"b.id, b.unit_id, u.code, b.doc_type, b.title, b.subtitle, b.authors, b.publisher, b.place, "        \
	"b.year, "                                                                                           \
	"b.edition, b.isbn, b.language, b.pages, b.size, b.price, b.series, b.subjects, b.summary, "         \
	"b.class_number, b.call_number, b.grade, u.path, b.updated_at"

static void read_bib(db_stmt_t *st, arena_t *a, biblio_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->unit_id = db_col_int(st, 1);
	o->unit_code = arena_strdup(a, db_col_text(st, 2));
	o->doc_type = arena_strdup(a, db_col_text(st, 3));
	o->title = arena_strdup(a, db_col_text(st, 4));
	o->subtitle = arena_strdup(a, db_col_text(st, 5));
	o->authors = arena_strdup(a, db_col_text(st, 6));
	o->publisher = arena_strdup(a, db_col_text(st, 7));
	o->place = arena_strdup(a, db_col_text(st, 8));
	o->year = (int)db_col_int(st, 9);
	o->edition = arena_strdup(a, db_col_text(st, 10));
	o->isbn = arena_strdup(a, db_col_text(st, 11));
	o->language = arena_strdup(a, db_col_text(st, 12));
	o->pages = arena_strdup(a, db_col_text(st, 13));
	o->size = arena_strdup(a, db_col_text(st, 14));
	o->price = db_col_int(st, 15);
	o->series = arena_strdup(a, db_col_text(st, 16));
	o->subjects = arena_strdup(a, db_col_text(st, 17));
	o->summary = arena_strdup(a, db_col_text(st, 18));
	o->class_number = arena_strdup(a, db_col_text(st, 19));
	o->call_number = arena_strdup(a, db_col_text(st, 20));
	o->grade = (int)db_col_int(st, 21);
	o->version = db_col_int(st, 23);
}

#define ITEM_COLS                                                                                            \
	"id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price, location, status"

void catalog_read_item(db_stmt_t *st, arena_t *a, item_t *it)
{
	it->id = db_col_int(st, 0);
	it->biblio_id = db_col_int(st, 1);
	it->acquisition_id = db_col_int(st, 2);
	it->reg = arena_strdup(a, db_col_text(st, 3));
	it->accession_no = db_col_int(st, 4);
	it->accession = arena_strdup(a, db_col_text(st, 5));
	it->barcode = arena_strdup(a, db_col_text(st, 6));
	it->price = db_col_int(st, 7);
	it->location = arena_strdup(a, db_col_text(st, 8));
	it->status = arena_strdup(a, db_col_text(st, 9));
}

/* Append one copy to b's list, growing it in the arena. */
static item_t *push_item(arena_t *a, biblio_t *b, size_t *cap)
{
	if (b->nitems == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		item_t *w = arena_zalloc(a, c * sizeof *w);
		if (b->nitems)
			memcpy(w, b->items, b->nitems * sizeof *w);
		b->items = w;
		*cap = c;
	}
	return &b->items[b->nitems++];
}

/* The record, unscoped, and whether the actor may see it. */
static int get_bib(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out, err_t *err)
{
	db_stmt_t *st = db_query(
	    db, err, "SELECT " BIB_COLS " FROM biblios b JOIN units u ON u.id = b.unit_id WHERE b.id = ?",
	    "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int visible = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 22));
	if (visible)
		read_bib(st, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	return visible ? 0 : err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
}

int catalog_biblio_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out, err_t *err)
{
	return catalog_biblio_get_many(db, actor, &id, 1, a, out, err);
}

int catalog_biblio_get_many(db_t *db, const actor_t *actor, const int64_t *ids, size_t n, arena_t *a,
                            biblio_t *out, err_t *err)
{
	int rc;
	if ((rc = check_reader(actor, err)) < 0)
		return rc;
	if (n > CATALOG_GET_MANY)
		return err_set(err, ERR_INVALID, "err.internal", "catalog_biblio_get_many: %zu ids", n);
	if (n == 0)
		return 0;
	/* Two statement shapes only: 20 places (a page) or CATALOG_GET_MANY, the rest bound to 0. */
	size_t slots = n <= 20 ? 20 : CATALOG_GET_MANY;
	bool *found = arena_zalloc(a, n * sizeof *found);
	size_t *cap = arena_zalloc(a, n * sizeof *cap);
	db_stmt_t *st = db_prepare_in(
	    db, a, "SELECT " BIB_COLS " FROM biblios b JOIN units u ON u.id = b.unit_id WHERE b.id IN (",
	    slots, ")", ids, n, err);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		for (size_t k = 0; k < n; k++)
			if (ids[k] == id && !found[k]) {
				found[k] = actor_sees_path(actor, db_col_text(st, 22));
				if (found[k])
					read_bib(st, a, &out[k]);
				break;
			}
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++)
		if (!found[k])
			return err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
	st = db_prepare_in(db, a, "SELECT " ITEM_COLS " FROM items WHERE biblio_id IN (", slots,
	                ") ORDER BY biblio_id, register, accession_no", ids, n, err);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t bid = db_col_int(st, 1);
		for (size_t k = 0; k < n; k++)
			if (ids[k] == bid) {
				catalog_read_item(st, a, push_item(a, &out[k], &cap[k]));
				break;
			}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int catalog_biblio_prepare(db_t *db, arena_t *a, const biblio_t *in, biblio_t *out, err_t *err)
{
	int rc;
	struct {
		const char *field;
		const char *in;
		size_t max;
		const char **out;
	} f[] = {
		{ "title", in->title, 500, &out->title },
		{ "subtitle", in->subtitle, 500, &out->subtitle },
		{ "authors", in->authors, 500, &out->authors },
		{ "publisher", in->publisher, 200, &out->publisher },
		{ "place", in->place, 100, &out->place },
		{ "edition", in->edition, 100, &out->edition },
		{ "pages", in->pages, 50, &out->pages },
		{ "size", in->size, 50, &out->size },
		{ "series", in->series, 300, &out->series },
		{ "subjects", in->subjects, 1000, &out->subjects },
		{ "summary", in->summary, 5000, &out->summary },
		{ "class_number", in->class_number, 50, &out->class_number },
		{ "call_number", in->call_number, 50, &out->call_number },
	};
	*out = *in;
	out->items = NULL;
	out->nitems = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!(*f[i].out = clean(a, f[i].in, f[i].max, f[i].field, err)))
			return err->code;
	if (!*out->title)
		return err_set(err, ERR_INVALID, "err.biblio.title", NULL);
	if (!*out->call_number &&
	    *out->class_number) /* no call number typed: the deployment's rule makes one */
		out->call_number =
		    classify_call_number(a, NULL, out->class_number, out->authors, out->title, in->year);
	char isbn[14] = "";
	if (in->isbn && *in->isbn && (rc = isbn_normalize(in->isbn, isbn, err)) < 0)
		return rc;
	out->isbn = arena_strdup(a, isbn);
	if (in->year && (in->year < 1400 || in->year > 2200))
		return err_set(err, ERR_INVALID, "err.biblio.year", NULL);
	if (in->price < 0 || in->price > INT64_C(100000000000))
		return err_set(err, ERR_INVALID, "err.price", NULL);
	if (in->grade < 0 || in->grade > 12)
		return err_set(err, ERR_INVALID, "err.biblio.grade", NULL);
	int64_t known = 0;
	if (db && (rc = db_query_int(db, &known, err,
	                             "SELECT COUNT(*) FROM doc_types WHERE code = ? AND active = 1", "s",
	                             in->doc_type ? in->doc_type : "")) < 0)
		return rc;
	if (db && !known)
		return err_set(err, ERR_INVALID, "err.biblio.doc_type", NULL);
	const char *lang = in->language && *in->language ? in->language : "vie";
	if (strlen(lang) != 3 || !islower((unsigned char)lang[0]) || !islower((unsigned char)lang[1]) ||
	    !islower((unsigned char)lang[2]))
		return err_set(err, ERR_INVALID, "err.biblio.language", NULL);
	out->language = arena_strdup(a, lang);
	return 0;
}

void catalog_biblio_fold(arena_t *a, const biblio_t *b, catalog_fold_t *out)
{
	out->title = text_fold(a, b->title);
	out->authors = text_fold(a, b->authors);
	buf_t s = BUF_INIT;
	/* Everything folded, the class number too: SQLite's LIKE ignores ASCII case and
	 * PostgreSQL's does not, so only folded text on both sides gives both the same hits. */
	buf_printf(&s, "%s %s %s %s %s %s %s %s", out->title, text_fold(a, b->subtitle), out->authors,
	           text_fold(a, b->subjects), text_fold(a, b->series), text_fold(a, b->publisher), b->isbn,
	           text_fold(a, b->class_number));
	out->search = arena_strdup(a, buf_str(&s));
	buf_release(&s);
	/* Its words for the search's index (0003_search.sql, search.c): every ASCII character other
	 * than a-z and 0-9 becomes a space, runs of spaces one, and one space before and after. */
	buf_t w = BUF_INIT;
	buf_putc(&w, ' ');
	for (const char *c = out->search; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_putc(&w, (char)ch);
		else if (w.data[w.len - 1] != ' ')
			buf_putc(&w, ' ');
	}
	if (w.data[w.len - 1] != ' ')
		buf_putc(&w, ' ');
	out->words = arena_strdup(a, buf_str(&w));
	buf_release(&w);
}

int catalog_row_insert(db_t *db, const actor_t *actor, const biblio_t *c, const catalog_fold_t *fold,
                       int64_t now, int64_t *id, err_t *err)
{
	return db_insert_id(
	    db, id, err,
	    "INSERT INTO biblios (unit_id, doc_type, title, subtitle, authors, publisher, place, year, "
	    "edition, isbn, language, pages, size, price, series, subjects, summary, class_number, "
	    "call_number, grade, title_fold, authors_fold, search_fold, search_words, marc, created_by, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?) RETURNING id",
	    "issssssisssssisssssisssssiii", actor->unit_id, c->doc_type, c->title, c->subtitle, c->authors,
	    c->publisher, c->place, (int64_t)c->year, c->edition, c->isbn, c->language, c->pages, c->size,
	    c->price, c->series, c->subjects, c->summary, c->class_number, c->call_number, (int64_t)c->grade,
	    fold->title, fold->authors, fold->search, fold->words, c->marc, actor->account_id, now, now);
}

int catalog_biblio_create(db_t *db, const actor_t *actor, const biblio_t *in, bool allow_duplicate,
                          int64_t *id, int64_t *dup_id, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(4096);
	biblio_t c;
	catalog_fold_t fold;
	if ((rc = catalog_check_writer(actor, err)) < 0 ||
	    (rc = catalog_biblio_prepare(db, a, in, &c, err)) < 0)
		goto done;
	catalog_biblio_fold(a, &c, &fold);

	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	/* Serialise the school's new records before looking for duplicates: counting them in
	 * accession_counters takes that row's lock on PostgreSQL (whose READ COMMITTED would let two
	 * identical submissions both find no duplicate); SQLite's writers are serial already. */
	int64_t nth = 0;
	if ((rc = take_numbers(db, actor->unit_id, "#BIB", 1, &nth, err)) < 0)
		goto fail;
	if (!allow_duplicate) {
		catalog_dupkey_t k = {
			.isbn = c.isbn, .title = fold.title, .authors = fold.authors, .year = c.year
		};
		int64_t dup = 0;
		rc = catalog_find_duplicate(db, actor->unit_id, &k, &dup, err);
		if (rc == 0) {
			if (dup_id)
				*dup_id = dup;
			rc = err_set(err, ERR_CONFLICT, "err.biblio.duplicate", "%lld", (long long)dup);
			goto fail;
		}
		if (rc != ERR_NOTFOUND)
			goto fail;
	}
	int64_t nid = 0;
	if ((rc = catalog_row_insert(db, actor, &c, &fold, clock_now(), &nid, err)) < 0)
		goto fail;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "biblio.create", "biblio", nid,
	                 text_cut(a, c.title, 200), NULL, err);
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0 && id)
		*id = nid;
done:
	arena_free(a);
	return rc;
}

/* --- copies ------------------------------------------------------------------------------------- */

void catalog_barcode_default(const char *reg, int64_t no, char out[48])
{
	snprintf(out, 48, "%s%06lld", reg, (long long)no);
}

int catalog_title_lock(db_t *db, int64_t biblio_id, int64_t *max, err_t *err)
{
	int rc;
	if (db_kind(db) == DB_POSTGRES) {
		int64_t one = 0;
		if ((rc = db_query_int(db, &one, err, "SELECT id FROM biblios WHERE id = ? FOR UPDATE", "i",
		                       biblio_id)) < 0)
			return rc;
	}
	return db_query_int(db, max, err, "SELECT COALESCE(MAX(title_no), 0) FROM items WHERE biblio_id = ?",
	                    "i", biblio_id);
}

int catalog_item_insert_titled(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t acquisition_id,
                               const char *reg, int64_t no, int64_t title_no, const char *barcode,
                               int64_t price, int64_t now, int64_t *id, err_t *err)
{
	char acc[48], code[48];
	snprintf(acc, sizeof acc, "%s-%06lld", reg, (long long)no);
	if (!barcode || !*barcode) {
		catalog_barcode_default(reg, no, code);
		barcode = code;
	}
	int rc = db_insert_id(db, id, err,
	                      "INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, "
	                      "accession, barcode, price, created_at, title_no) "
	                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	                      "iiisissiii", unit_id, biblio_id, acquisition_id, reg, no, acc, barcode, price,
	                      now, title_no);
	if (rc == ERR_CONFLICT) /* a barcode typed by hand earlier took this one */
		rc = err_set(err, ERR_CONFLICT, "err.items.barcode_taken", "%s", barcode);
	return rc;
}

int catalog_item_insert(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t acquisition_id, const char *reg,
                        int64_t no, const char *barcode, int64_t price, int64_t now, int64_t *id, err_t *err)
{
	int64_t max = 0;
	int rc = catalog_title_lock(db, biblio_id, &max, err);
	if (rc < 0)
		return rc;
	return catalog_item_insert_titled(db, unit_id, biblio_id, acquisition_id, reg, no, max + 1, barcode,
	                                  price, now, id, err);
}

int catalog_numbers_take(db_t *db, int64_t unit_id, const char *reg, int64_t count, int64_t *first,
                         err_t *err)
{
	return take_numbers(db, unit_id, reg, count, first, err);
}

int catalog_items_add(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t acquisition_id, int count,
                      int64_t price, int64_t *ids, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(1024);
	biblio_t b;
	acquisition_t q;
	if ((rc = catalog_check_writer(actor, err)) < 0)
		goto done;
	if (count < 1 || count > 1000) {
		rc = err_set(err, ERR_INVALID, "err.items.count", NULL);
		goto done;
	}
	if (price < -1 || price > INT64_C(100000000000)) {
		rc = err_set(err, ERR_INVALID, "err.price", NULL);
		goto done;
	}
	/* Both must belong to the librarian's own school, not merely be visible. */
	if ((rc = get_bib(db, actor, biblio_id, a, &b, err)) < 0)
		goto done;
	if (b.unit_id != actor->unit_id) {
		rc = err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
		goto done;
	}
	char reg[32];
	{
		db_stmt_t *st =
		    db_query(db, err, "SELECT register FROM doc_types WHERE code = ?", "s", b.doc_type);
		if (!st) {
			rc = err->code;
			goto done;
		}
		rc = db_step(st, err);
		snprintf(reg, sizeof reg, "%s", rc == DB_ROW ? db_col_text(st, 0) : b.doc_type);
		db_done(st);
		if (rc < 0)
			goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	/* No batch given: a new one received today, in this same transaction. */
	if (!acquisition_id) {
		acquisition_t fresh = { .source = "purchase" };
		if ((rc = catalog_acquisition_create(db, actor, &fresh, &acquisition_id, err)) < 0)
			goto fail;
	}
	/* Only the batch's school and number: its counts would sum every copy already in it. */
	memset(&q, 0, sizeof q);
	{
		db_stmt_t *st = db_query(db, err, "SELECT unit_id, number FROM acquisitions WHERE id = ?",
		                         "i", acquisition_id);
		if (!st) {
			rc = err->code;
			goto fail;
		}
		rc = db_step(st, err);
		if (rc == DB_ROW) {
			q.unit_id = db_col_int(st, 0);
			q.number = db_col_int(st, 1);
		}
		db_done(st);
		if (rc < 0)
			goto fail;
	}
	if (q.unit_id != actor->unit_id) {
		rc = err_set(err, ERR_NOTFOUND, "err.acquisition.notfound", NULL);
		goto fail;
	}
	int64_t first = 0, each = price < 0 ? b.price : price, now = clock_now();
	int64_t title_max = 0;
	if ((rc = take_numbers(db, actor->unit_id, reg, count, &first, err)) < 0 ||
	    (rc = catalog_title_lock(db, biblio_id, &title_max, err)) < 0)
		goto fail;
	for (int i = 0; i < count; i++) {
		int64_t iid = 0;
		if ((rc = catalog_item_insert_titled(db, actor->unit_id, biblio_id, acquisition_id, reg,
		                                     first + i, title_max + 1 + i, NULL, each, now, &iid,
		                                     err)) < 0)
			goto fail;
		if (ids)
			ids[i] = iid;
	}
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "items.add", "biblio", biblio_id,
	                 arena_printf(a, "%d x %s-%06lld..%06lld, batch %lld", count, reg, (long long)first,
	                              (long long)(first + count - 1), (long long)q.number),
	                 NULL, err);
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int catalog_biblio_create_with_copies(db_t *db, const actor_t *actor, const biblio_t *in,
                                      bool allow_duplicate, int64_t acquisition_id, int copies, int64_t *id,
                                      int64_t *dup_id, err_t *err)
{
	int rc, own = 0;
	int64_t bid = 0;
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	if (copies < 0 || copies > 1000)
		return err_set(err, ERR_INVALID, "err.items.count", NULL);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	rc = catalog_biblio_create(db, actor, in, allow_duplicate, &bid, dup_id, err);
	if (rc == 0 && copies > 0)
		rc = catalog_items_add(db, actor, bid, acquisition_id, copies, -1, NULL, err);
	rc = db_end_own(db, own, rc, err);
	if (rc == 0 && id)
		*id = bid;
	return rc;
}
