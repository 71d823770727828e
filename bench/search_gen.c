/* search_gen.c: the catalogue of bench/search.sh. Builds, in the database URL names (migrated
 * here), one department SGD, one school TH001 with its librarian thuthu.th001, and NREC records
 * with about NCOPIES copies in all, through catalog_biblio_create and catalog_items_add: the
 * folded columns are the ones the product makes.
 *
 *   search_gen URL SOURCES.tsv NREC NCOPIES PASSWORD
 *
 * SOURCES.tsv: one real record a line, "title<TAB>authors<TAB>publisher". Record i takes the title
 * of source i, the subtitle from the title of another source, the authors of a third, and a year:
 * distinct records from a few thousand real ones. Every tenth record has an ISBN-13
 * (978 + its number + check digit). Prints progress to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "base/config.h"
#include "base/i18n.h"
#include "catalog/catalog.h"
#include "db/db.h"
#include "units/units.h"

#include "sources.h"

#define BATCH 5000

static int die(const char *what, const err_t *err)
{
	fprintf(stderr, "search_gen: %s: %s %s\n", what, err && err->key ? err->key : "",
	        err ? err->detail : "");
	return 1;
}

static void isbn13(long i, char out[14])
{
	snprintf(out, 14, "978%09ld", i % 1000000000L);
	isbn13_finish(out);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: search_gen URL SOURCES.tsv NREC NCOPIES PASSWORD\n");
		return 2;
	}
	long nrec = atol(argv[3]), ncopies = atol(argv[4]);
	size_t nsrc = 0;
	source_t *src = read_sources(argv[2], &nsrc);
	if (!src || nsrc < 10 || nrec < 1)
		return die("no sources", NULL);
	config_defaults();
	i18n_init();
	db_t *db = NULL;
	err_t err = { 0 };
	if (db_open(argv[1], &db, &err) < 0 || db_migrate(db, NULL, &err) < 0)
		return die("open", &err);
	int64_t sgd = 0, th = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	unit_new_t u1 = {
		.code = "TH001", .name = "Trường Tiểu học Một", .kind = "school", .school_level = "th"
	};
	if (units_create(db, NULL, &u0, &sgd, &err) < 0)
		return die("unit", &err);
	u1.parent_id = sgd;
	if (units_create(db, NULL, &u1, &th, &err) < 0)
		return die("unit", &err);
	account_new_t an = {
		.unit_id = th, .username = "thuthu.th001", .role = "librarian", .password = argv[5]
	};
	if (accounts_create(db, NULL, &an, NULL, NULL, &err) < 0)
		return die("account", &err);
	actor_t lib = { 0 };
	session_t s;
	if (auth_login(db, "thuthu.th001", argv[5], NULL, &lib, &s, &err) < 0)
		return die("login", &err);

	static const char *const types[] = { "STK", "STK", "TN", "SGK", "SNV", "STK", "TN" };
	long copies_left = ncopies;
	for (long i = 0; i < nrec; i++) {
		if (i % BATCH == 0) {
			if (i && db_commit(db, &err) < 0)
				return die("commit", &err);
			if (db_begin(db, &err) < 0)
				return die("begin", &err);
			if (i % 50000 == 0)
				fprintf(stderr, "search_gen: %ld records\n", i);
		}
		const source_t *t = &src[i % nsrc], *sub = &src[(i / nsrc + i * 7 + 3) % nsrc],
		               *au = &src[(i / nsrc * 13 + i * 31 + 5) % nsrc];
		char isbn[14] = "";
		if (i % 10 == 0)
			isbn13(i, isbn);
		biblio_t in = { .title = t->title,
			        .subtitle = i < (long)nsrc ? "" : sub->title,
			        .authors = au->authors,
			        .publisher = t->publisher,
			        .doc_type = types[i % (sizeof types / sizeof types[0])],
			        .year = (int)(1980 + i % 45),
			        .isbn = isbn,
			        .price = 20000 + (i % 50) * 1000 };
		int64_t id = 0, dup = 0;
		if (catalog_biblio_create(db, &lib, &in, true, &id, &dup, &err) < 0)
			return die(t->title, &err);
		/* Spread the copies evenly: record i gets its share of what is left. */
		long k = copies_left / (nrec - i);
		if (k > 1000)
			k = 1000;
		if (k > 0 && catalog_items_add(db, &lib, id, 0, (int)k, -1, NULL, &err) < 0)
			return die("copies", &err);
		copies_left -= k;
	}
	if (db_commit(db, &err) < 0)
		return die("commit", &err);
	fprintf(stderr, "search_gen: %ld records, %ld copies\n", nrec, ncopies - copies_left);
	db_close(db);
	free_sources(src, nsrc);
	return 0;
}
