/* opac_gen.c: the city of bench/opac_search.sh. In the database URL names (migrated here): one
 * department SGD and NSCHOOLS schools under it (TH0001, ...), each with about NREC records drawn
 * from a pool of POOL distinct titles, and 1-5 copies each (3 on average), so the union catalogue
 * has a few tens of thousands of works, most held by many schools and some by one.
 *
 *   opac_gen URL SOURCES.tsv NSCHOOLS NREC POOL
 *
 * SOURCES.tsv: one real record a line, "title<TAB>authors<TAB>publisher" (the Tiki list and the
 * MARC files' titles, as bench/search.sh makes it). Pool entry p is source p % n, as it is for
 * p < n, else as volume p / n + 1 of it ("... - Tập 3"); a third of the entries have an ISBN-13,
 * and each entry has its own year, document type (grade for textbooks), class number and
 * language. A school draws its records with a skew towards the low entries (the popular books
 * every school has). Rows are plain INSERTs in large transactions; the folded columns are the
 * catalogue's own (catalog_biblio_fold), and every record waits for the OPAC's sync
 * (work_sync = 1), as after an import. Every school also gets LOANS returned home loans spread
 * over its first records, so the popularity sort has something to sort. Prints progress to
 * stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "db/db.h"
#include "units/units.h"

#include "gen.h"
#include "sources.h"

#define LOANS 60

static int die(const char *what, const err_t *err)
{
	fprintf(stderr, "opac_gen: %s: %s %s\n", what, err && err->key ? err->key : "",
	        err ? err->detail : "");
	return 1;
}

static void isbn13(long i, char out[14])
{
	snprintf(out, 14, "978604%06ld", i % 1000000L);
	isbn13_finish(out);
}

/* Pool entry p as a record. Strings in a. */
static void entry(arena_t *a, const source_t *src, size_t nsrc, long p, biblio_t *b, char isbn[14])
{
	static const char *const types[] = { "STK", "STK", "STK", "TN", "TN", "SGK", "SNV" };
	static const char *const classes[] = { "895.9223",   "895.922334", "372.6", "959.7", "500", "641.5",
		                               "398.209597", "8(V)",       "3K5H",  "Z",     "",    "" };
	const source_t *s = &src[p % (long)nsrc];
	long vol = p / (long)nsrc;
	uint32_t h = gen_mix((uint64_t)p);
	memset(b, 0, sizeof *b);
	b->title = vol ? arena_printf(a, "%s - Tập %ld", s->title, vol + 1) : s->title;
	b->authors = s->authors;
	b->publisher = s->publisher;
	b->doc_type = types[h % 7];
	if (strcmp(b->doc_type, "SGK") == 0)
		b->grade = 1 + (int)(h / 7 % 12);
	b->year = 1985 + (int)(h / 101 % 41);
	b->language = h / 13 % 20 == 0 ? "eng" : h / 13 % 50 == 1 ? "fra" : "vie";
	b->class_number = classes[h / 17 % 12];
	isbn[0] = 0;
	if (h / 3 % 3 == 0)
		isbn13(p, isbn);
	b->isbn = isbn;
	b->price = 20000 + (int64_t)(h % 50) * 1000;
	b->subtitle = b->series = b->subjects = b->place = b->edition = b->pages = b->size = "";
	b->summary = b->call_number = "";
}

static int fill_school(db_t *db, int64_t unit, int school_no, const source_t *src, size_t nsrc, long nrec,
                       long pool, unsigned char *taken, err_t *err)
{
	arena_t *a = arena_new(1 << 16);
	int64_t now = clock_now();
	int rc = db_begin(db, err);
	memset(taken, 0, (size_t)pool);
	long copies = 0;
	int64_t first_bib = 0, first_item = 0;
	for (long i = 0; rc >= 0 && i < nrec; i++) {
		/* skewed draw: u^2 favours the low entries */
		double u = (double)(gen_next() >> 11) / (double)(1ull << 53);
		long p = (long)(u * u * (double)pool);
		while (taken[p])
			p = (p + 1) % pool;
		taken[p] = 1;
		biblio_t b;
		char isbn[14];
		entry(a, src, nsrc, p, &b, isbn);
		catalog_fold_t f;
		catalog_biblio_fold(a, &b, &f);
		int64_t id = 0;
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO biblios (unit_id, doc_type, title, authors, publisher, year, isbn, language,"
		    " price, class_number, grade, title_fold, authors_fold, search_fold, search_words,"
		    " created_at, updated_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?) RETURNING id",
		    "issssissisissssii", unit, b.doc_type, b.title, b.authors, b.publisher, (int64_t)b.year,
		    b.isbn, b.language, b.price, b.class_number, (int64_t)b.grade, f.title, f.authors,
		    f.search, f.words, now, now);
		if (!first_bib)
			first_bib = id;
		int k = 1 + (int)(gen_mix((uint64_t)p * 31 + (uint64_t)school_no) % 5);
		for (int c = 0; rc >= 0 && c < k; c++) {
			char acc[32], code[32];
			copies++;
			snprintf(acc, sizeof acc, "STK-%06ld", copies);
			snprintf(code, sizeof code, "S%04dB%07ld", school_no, copies);
			int64_t item = 0;
			rc = db_insert_id(
			    db, &item, err,
			    "INSERT INTO items (unit_id, biblio_id, register, accession_no, accession, "
			    "barcode,"
			    " price, created_at) VALUES (?, ?, 'STK', ?, ?, ?, ?, ?) RETURNING id",
			    "iiissii", unit, id, (int64_t)copies, acc, code, b.price, now);
			if (!first_item)
				first_item = item;
		}
		arena_reset(a);
	}
	if (rc >= 0 && copies > 0)
		rc = db_exec(db, err,
		             "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, 'STK', ?)",
		             "ii", unit, (int64_t)copies);
	/* one reader and a little history: LOANS returned home loans of the school's first copies */
	int64_t patron = 0;
	if (rc >= 0)
		rc = db_insert_id(
		    db, &patron, err,
		    "INSERT INTO patrons (unit_id, code, full_name, name_fold, created_at, updated_at)"
		    " VALUES (?, 'R000001', 'Nguyễn Văn An', 'nguyen van an', ?, ?) RETURNING id",
		    "iii", unit, now, now);
	for (long i = 0; rc >= 0 && first_item && i < LOANS; i++) {
		int64_t item = first_item + (i * i) % 40, bib = 0;
		rc = db_query_int(db, &bib, err, "SELECT biblio_id FROM items WHERE id = ?", "i", item);
		if (rc >= 0)
			rc = db_exec(db, err,
			             "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, "
			             "patron_kind, doc_type,"
			             " out_at, out_day, due, returned_at, outcome) VALUES (?, ?, ?, ?, "
			             "'home', 'student', 'STK',"
			             " ?, '2026-01-05', '2026-01-19', ?, 'returned')",
			             "iiiiii", unit, item, bib, patron, now - 86400 * 30, now - 86400 * 20);
	}
	if (rc >= 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	arena_free(a);
	return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: opac_gen URL SOURCES.tsv NSCHOOLS NREC POOL\n");
		return 2;
	}
	size_t nsrc = 0;
	source_t *src = read_sources(argv[2], &nsrc);
	int nschools = atoi(argv[3]);
	long nrec = atol(argv[4]), pool = atol(argv[5]);
	if (!src || nsrc < 10 || nschools < 1 || nrec < 1 || pool < nrec)
		return die("bad arguments (sources, or POOL < NREC)", NULL);
	config_defaults();
	i18n_init();
	db_t *db = NULL;
	err_t err = { 0 };
	if (db_open(argv[1], &db, &err) < 0 || db_migrate(db, NULL, &err) < 0)
		return die("open", &err);
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	if (units_create(db, NULL, &u0, &sgd, &err) < 0)
		return die("department", &err);
	unsigned char *taken = malloc((size_t)pool);
	int64_t t0 = clock_usec();
	for (int s = 1; s <= nschools; s++) {
		char code[16], name[64];
		snprintf(code, sizeof code, "TH%04d", s);
		snprintf(name, sizeof name, "Trường THCS số %d", s);
		unit_new_t u = {
			.parent_id = sgd, .code = code, .name = name, .kind = "school", .school_level = "thcs"
		};
		int64_t unit = 0;
		if (units_create(db, NULL, &u, &unit, &err) < 0)
			return die("school", &err);
		if (fill_school(db, unit, s, src, nsrc, nrec, pool, taken, &err) < 0)
			return die("fill", &err);
		if (s % 25 == 0 || s == nschools)
			fprintf(stderr, "opac_gen: %d schools (%.1f s)\n", s,
			        (double)(clock_usec() - t0) / 1e6);
	}
	free(taken);
	db_close(db);
	i18n_shutdown();
	free_sources(src, nsrc);
	return 0;
}
