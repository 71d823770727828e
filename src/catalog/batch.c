/* batch.c: the one import loop of the catalogue (batch.h).
 *
 * A one-record write (catalog_biblio_create, catalog_items_add) runs about thirteen statements:
 * its own checks, locks, counters and audit rows. An import of two thousand records cannot pay
 * that per record, so the commit does each thing once for the whole batch: one check of the
 * writer and the document type, one lock of the school's records (the #BIB counter, as
 * catalog_biblio_create takes it), the duplicate lookups in one pass before anything is written
 * (the records of the file against each other through a hash table, against the school's either
 * read once into hash tables or, for a batch small beside the catalogue, through the two indexed
 * lookups of catalog_find_duplicate), one range of accession numbers for every
 * copy, one audit row. What is left per record is its INSERT and one INSERT per copy; the record
 * is checked, normalised and folded once (catalog_biblio_prepare and catalog_biblio_fold, as every
 * writer of records), and its folded title and authors are its duplicate key too.
 *
 * SQLite's full-text index is filled by a trigger per inserted record, and FTS5 writes its
 * pending terms out at the end of every statement of a transaction it is part of: one small
 * segment per record, merged again and again, which cost a quarter of an import's time. During a
 * commit the trigger is switched off for the school (a row in fts_defer, migration 0006, which
 * the trigger's WHEN clause reads) and the batch's records are indexed by one INSERT ... SELECT
 * at the end, in the same transaction, so no other connection ever sees the switch.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "catalog/batch.h"
#include "catalog/catalog_int.h"

/* --- a map of strings ---------------------------------------------------------------------------- */

/* Strings to ids (a set when the ids do not matter). Open addressing, never shrinks, sized for the
 * number of keys it will hold; the keys are kept by pointer and must outlive it. */
typedef struct strmap {
	const char **key;
	int64_t *val;
	size_t mask;
} strmap_t;

static void map_init(strmap_t *m, arena_t *a, size_t expect)
{
	size_t cap = 16;
	while (cap < 2 * expect + 1)
		cap *= 2;
	m->key = arena_zalloc(a, cap * sizeof *m->key);
	m->val = arena_alloc(a, cap * sizeof *m->val);
	m->mask = cap - 1;
}

static uint64_t hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* k's slot: where it is, or the empty one where it would go. */
static size_t map_slot(const strmap_t *m, const char *k)
{
	size_t i = hash(k) & m->mask;
	while (m->key[i] && strcmp(m->key[i], k))
		i = (i + 1) & m->mask;
	return i;
}

/* k's id in *v (may be NULL); false when k is not in the map. */
static bool map_get(const strmap_t *m, const char *k, int64_t *v)
{
	size_t i = map_slot(m, k);
	if (m->key[i] && v)
		*v = m->val[i];
	return m->key[i] != NULL;
}

/* Add k with v unless k is there already (the first id stays). */
static void map_add(strmap_t *m, const char *k, int64_t v)
{
	size_t i = map_slot(m, k);
	if (!m->key[i]) {
		m->key[i] = k;
		m->val[i] = v;
	}
}

/* --- the passes ------------------------------------------------------------------------------------ */

static void add_notice(catalog_import_result_t *res, arena_t *a, size_t *cap, int64_t pos, const char *key,
                       const char *detail)
{
	res->notices = arena_grow(a, res->notices, res->nnotices, cap, 16, sizeof *res->notices);
	res->notices[res->nnotices++] =
	    (catalog_import_notice_t){ .pos = pos, .key = key, .detail = arena_strdup(a, detail) };
}

static const char *title_key(arena_t *a, const char *title, const char *authors, int64_t year)
{
	return arena_printf(a, "%s\x1f%s\x1f%lld", title, authors, (long long)year);
}

/* The school's records by ISBN and by title key, each key with its oldest record: what
 * catalog_find_duplicate's two lookups would find, for a whole batch in one statement. */
static int load_school_keys(db_t *db, int64_t unit_id, arena_t *a, size_t count, strmap_t *isbns,
                            strmap_t *titles, err_t *err)
{
	map_init(isbns, a, count);
	map_init(titles, a, count);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, isbn, title_fold, authors_fold, COALESCE(year, 0) FROM biblios "
	                         "WHERE unit_id = ? ORDER BY id",
	                         "i", unit_id);
	if (!st)
		return err->code;
	int rc;
	size_t k = 0;
	while ((rc = db_step(st, err)) == DB_ROW && k++ < count) {
		const char *isbn = db_col_text(st, 1);
		if (isbn && *isbn)
			map_add(isbns, arena_strdup(a, isbn), db_col_int(st, 0));
		map_add(titles, title_key(a, db_col_text(st, 2), db_col_text(st, 3), db_col_int(st, 4)),
		        db_col_int(st, 0));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* Mark the duplicates of recs (keys[i] is recs[i]'s key): of the school, or of an earlier record
 * that is not a duplicate itself (the ones that will be written). The school's records are
 * looked up by their indexes, record by record, when the batch is small beside the school's
 * catalogue; otherwise they are read once into maps (one statement instead of two a record, which
 * is most of an import's round trips to PostgreSQL). */
static int mark_duplicates(db_t *db, int64_t unit_id, catalog_import_rec_t *recs,
                           const catalog_dupkey_t *keys, size_t n, arena_t *a, int64_t *ndup, err_t *err)
{
	strmap_t isbns, titles, school_isbns, school_titles;
	int64_t count = 0;
	int rc;
	*ndup = 0;
	if (n == 0)
		return 0;
	if ((rc = db_query_int(db, &count, err, "SELECT COUNT(*) FROM biblios WHERE unit_id = ?", "i",
	                       unit_id)) < 0)
		return rc;
	bool scan = (size_t)count <= 16 * n;
	if (scan &&
	    (rc = load_school_keys(db, unit_id, a, (size_t)count, &school_isbns, &school_titles, err)) < 0)
		return rc;
	map_init(&isbns, a, n);
	map_init(&titles, a, n);
	for (size_t i = 0; i < n; i++) {
		catalog_import_rec_t *r = &recs[i];
		const catalog_dupkey_t *k = &keys[i];
		const char *tkey = title_key(a, k->title, k->authors, k->year);
		r->dup_id = 0;
		if (scan) {
			rc = (*k->isbn && map_get(&school_isbns, k->isbn, &r->dup_id)) ||
			             map_get(&school_titles, tkey, &r->dup_id)
			         ? 0
			         : ERR_NOTFOUND;
		} else if ((rc = catalog_find_duplicate(db, unit_id, k, &r->dup_id, err)) < 0 &&
		           rc != ERR_NOTFOUND) {
			return rc;
		}
		r->duplicate =
		    rc == 0 || (*k->isbn && map_get(&isbns, k->isbn, NULL)) || map_get(&titles, tkey, NULL);
		if (r->duplicate) {
			(*ndup)++;
			continue;
		}
		if (*k->isbn)
			map_add(&isbns, k->isbn, 0);
		map_add(&titles, tkey, 0);
	}
	return 0;
}

static int copies_of(const catalog_import_rec_t *r, int dflt)
{
	int c = r->copies > 0 ? r->copies : dflt;
	return c > 1000 ? 1000 : c;
}

/* A barcode a school may print: printable ASCII without spaces, 1..CATALOG_BARCODE_MAX bytes. */
static bool barcode_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CATALOG_BARCODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Decide each copy's barcode: chosen[i][k] is the barcode of copy k of record i, or NULL for the
 * default. used holds the barcodes of this import already given (the default barcodes of its
 * copies, in a commit: first is their first accession number in register reg, 0 in a preview).
 * A barcode not taken becomes a notice. */
static int choose_barcodes(db_t *db, int64_t unit_id, catalog_import_rec_t *recs, size_t n, int dflt,
                           const char *reg, int64_t first, strmap_t *used, arena_t *a, const char ***chosen,
                           catalog_import_result_t *res, err_t *err)
{
	size_t cap = 0;
	int64_t no = first;
	for (size_t i = 0; i < n; i++) {
		catalog_import_rec_t *r = &recs[i];
		chosen[i] = NULL;
		if (r->duplicate)
			continue;
		int c = copies_of(r, dflt);
		if (r->copy && r->copies > 0) {
			chosen[i] = arena_zalloc(a, (size_t)c * sizeof **chosen);
			for (int k = 0; k < c; k++) {
				const char *bc = r->copy[k].barcode;
				char own[48] = "";
				if (first)
					catalog_barcode_default(reg, no + k, own);
				if (!bc || !*bc || !strcmp(bc, own))
					continue;
				if (!barcode_valid(bc)) {
					add_notice(res, a, &cap, r->pos, "err.import.barcode_invalid", bc);
					continue;
				}
				int64_t taken = map_get(used, bc, NULL);
				if (!taken) {
					int rc = db_query_int(
					    db, &taken, err,
					    "SELECT COUNT(*) FROM items WHERE unit_id = ? AND barcode = ?",
					    "is", unit_id, bc);
					if (rc < 0)
						return rc;
				}
				if (taken) {
					add_notice(res, a, &cap, r->pos, "err.import.barcode_taken", bc);
					continue;
				}
				map_add(used, bc, 0);
				chosen[i][k] = bc;
			}
		}
		no += c;
	}
	return 0;
}

/* "12-40, 42, 45-46": sorted ids as ranges. */
static void put_ranges(buf_t *b, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)ids[i]);
		if (j > i)
			buf_printf(b, "-%lld", (long long)ids[j]);
		i = j + 1;
	}
}

/* --- preview --------------------------------------------------------------------------------------- */

int catalog_import_check(db_t *db, const actor_t *actor, catalog_import_rec_t *recs, size_t n, arena_t *a,
                         catalog_import_result_t *res, err_t *err)
{
	int rc;
	memset(res, 0, sizeof *res);
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	arena_t *t = arena_new(16384);
	catalog_dupkey_t *keys = arena_alloc(t, (n ? n : 1) * sizeof *keys);
	const char ***chosen = arena_alloc(t, (n ? n : 1) * sizeof *chosen);
	size_t nbarcodes = 0;
	for (size_t i = 0; i < n; i++) {
		catalog_dupkey_make(t, recs[i].bib, &keys[i]);
		nbarcodes += recs[i].copy ? (size_t)copies_of(&recs[i], 1) : 0;
	}
	strmap_t used;
	map_init(&used, t, nbarcodes);
	if ((rc = mark_duplicates(db, actor->unit_id, recs, keys, n, t, &res->duplicates, err)) == 0)
		rc = choose_barcodes(db, actor->unit_id, recs, n, 1, "", 0, &used, a, chosen, res, err);
	arena_free(t);
	return rc;
}

/* --- commit ---------------------------------------------------------------------------------------- */

/* SQLite: index the records ids[0..n) (in order, of this transaction) in the full-text table
 * and switch its insert trigger back on for the school (migration 0006). */
static int fts_undefer(db_t *db, int64_t unit_id, const int64_t *ids, size_t n, err_t *err)
{
	int rc = 0;
	if (n)
		rc = db_exec(
		    db, err,
		    "INSERT INTO biblios_fts (rowid, search_words) SELECT id, search_words FROM biblios "
		    "WHERE unit_id = ? AND id BETWEEN ? AND ?",
		    "iii", unit_id, ids[0], ids[n - 1]);
	if (rc >= 0)
		rc = db_exec(db, err, "DELETE FROM fts_defer WHERE unit_id = ?", "i", unit_id);
	return rc < 0 ? rc : 0;
}

/* The register of an active document type into reg; ERR_INVALID when there is none. */
static int doc_register(db_t *db, const char *doc_type, char *reg, size_t size, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err, "SELECT register FROM doc_types WHERE code = ? AND active = 1", "s", doc_type);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		snprintf(reg, size, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_INVALID, "err.biblio.doc_type", "%s", doc_type);
}

int catalog_import_commit(db_t *db, const actor_t *actor, catalog_import_rec_t *recs, size_t n,
                          const catalog_import_opts_t *opts, arena_t *a, catalog_import_result_t *res,
                          err_t *err)
{
	int rc, own = 0;
	catalog_import_opts_t o = opts ? *opts : (catalog_import_opts_t){ 0 };
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
	if (n == 0)
		return 0;
	char reg[32];
	if ((rc = doc_register(db, o.doc_type, reg, sizeof reg, err)) < 0)
		return rc;

	arena_t *t = arena_new(65536);
	/* Every record checked, normalised and folded once; a bad one fails the batch only when it is
	 * not a duplicate (those are skipped unread, as they always were). */
	biblio_t *rows = arena_alloc(t, n * sizeof *rows);
	catalog_fold_t *folds = arena_alloc(t, n * sizeof *folds);
	catalog_dupkey_t *keys = arena_alloc(t, n * sizeof *keys);
	err_t *bad = arena_zalloc(t, n * sizeof *bad);
	for (size_t i = 0; i < n; i++) {
		if (catalog_biblio_prepare(NULL, t, recs[i].bib, &rows[i], &bad[i]) < 0) {
			catalog_dupkey_make(t, recs[i].bib, &keys[i]);
			continue;
		}
		rows[i].doc_type = o.doc_type;
		catalog_biblio_fold(t, &rows[i], &folds[i]);
		keys[i] = (catalog_dupkey_t){ .isbn = rows[i].isbn,
			                      .title = folds[i].title,
			                      .authors = folds[i].authors,
			                      .year = rows[i].year };
	}
	int64_t *ids = arena_alloc(t, n * sizeof *ids), acq = 0, nth = 0, first = 0, total = 0;
	size_t nids = 0;
	const char ***chosen = arena_alloc(t, n * sizeof *chosen);
	bool sqlite = db_kind(db) == DB_SQLITE, deferred = false;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	/* The school's records are serialised before the duplicate lookups, as in
	 * catalog_biblio_create (its #BIB counter row, locked until the end). */
	if ((rc = catalog_numbers_take(db, actor->unit_id, "#BIB", 0, &nth, err)) < 0 ||
	    (rc = mark_duplicates(db, actor->unit_id, recs, keys, n, t, &res->duplicates, err)) < 0)
		goto fail;
	int64_t towrite = 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].duplicate)
			continue;
		if (bad[i].code) {
			*err = bad[i];
			rc = bad[i].code;
			res->failed_pos = recs[i].pos;
			goto fail;
		}
		towrite++;
		total += copies_of(&recs[i], o.copies);
	}
	if (towrite == 0) /* only duplicates: keep no empty batch */
		goto fail;
	acquisition_t q = { .source = o.source, .note = o.note };
	if ((rc = catalog_acquisition_create(db, actor, &q, &acq, err)) < 0 ||
	    (rc = catalog_numbers_take(db, actor->unit_id, reg, total, &first, err)) < 0)
		goto fail;
	strmap_t used;
	map_init(&used, t, 2 * (size_t)total);
	for (int64_t no = first; no < first + total; no++) {
		char *code = arena_alloc(t, 48);
		catalog_barcode_default(reg, no, code);
		map_add(&used, code, 0);
	}
	if ((rc = choose_barcodes(db, actor->unit_id, recs, n, o.copies, reg, first, &used, a, chosen, res,
	                          err)) < 0)
		goto fail;
	if (sqlite &&
	    (rc = db_exec(db, err, "INSERT INTO fts_defer (unit_id) VALUES (?)", "i", actor->unit_id)) < 0)
		goto fail;
	deferred = sqlite;
	int64_t now = clock_now(), no = first;
	for (size_t i = 0; i < n; i++) {
		catalog_import_rec_t *r = &recs[i];
		if (r->duplicate)
			continue;
		int64_t id = 0;
		if ((rc = catalog_row_insert(db, actor, &rows[i], &folds[i], now, &id, err)) < 0)
			goto failed_record;
		ids[nids++] = id;
		int c = copies_of(r, o.copies);
		for (int k = 0; k < c; k++, no++) {
			int64_t iid = 0, price = r->copy && r->copies > 0 && r->copy[k].price >= 0
			                             ? r->copy[k].price
			                             : rows[i].price;
			const char *bc = chosen[i] ? chosen[i][k] : NULL;
			/* A new record: its copies are 1..c within it, with no query. */
			if ((rc = catalog_item_insert_titled(db, actor->unit_id, id, acq, reg, no, k + 1, bc,
			                                     price, now, &iid, err)) < 0)
				goto failed_record;
		}
		res->imported++;
		res->copies += c;
		if (o.progress && (res->imported % 50 == 0 || res->imported == towrite))
			o.progress(o.progress_ctx, res->imported, towrite);
		continue;
	failed_record:
		res->failed_pos = r->pos;
		goto fail;
	}
	deferred = false;
	if (sqlite && (rc = fts_undefer(db, actor->unit_id, ids, nids, err)) < 0)
		goto fail;
	if ((rc = catalog_numbers_take(db, actor->unit_id, "#BIB", towrite, &nth, err)) < 0)
		goto fail;
	buf_t d = BUF_INIT;
	buf_printf(&d, "%lld record(s): ", (long long)res->imported);
	put_ranges(&d, ids, nids);
	buf_printf(&d, "; %lld copies: %s-%06lld..%06lld; %lld duplicate(s) skipped", (long long)total, reg,
	           (long long)first, (long long)(first + total - 1), (long long)res->duplicates);
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "catalog.import", "acquisition",
	                 acq, buf_str(&d), NULL, err);
	buf_release(&d);
	if (rc < 0)
		goto fail;
	if ((rc = db_end_own(db, own, 0, err)) < 0)
		goto undone;
	res->acquisition_id = acq;
	goto done;
fail:
	/* Nothing of the batch stays: rolled back here, or by the owner of the transaction joined.
	 * Should that owner commit all the same, the school's index is switched back on and holds
	 * the records written. */
	if (deferred && !own) {
		err_t ignored;
		fts_undefer(db, actor->unit_id, ids, nids, &ignored);
	}
	db_end_own(db, own, rc < 0 ? rc : ERR_INTERNAL, err);
	if (rc == 0) { /* only duplicates */
		res->imported = res->copies = 0;
		res->nnotices = 0;
		goto done;
	}
undone:
	res->imported = res->copies = res->duplicates = 0;
	res->nnotices = 0;
done:
	arena_free(t);
	return rc;
}
