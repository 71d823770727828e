/* lending_gen.c: the database of bench/lending.sh. In the database URL names (migrated here):
 * one department SGD, NSCHOOLS schools under it (TH0001, TH0002, ...); the first, TH0001, is the
 * school the bench lends in, with its librarian thuthu.th0001 (password PASSWORD), NREADERS
 * readers (cards R000001...) and NCOPIES copies (barcodes B0000001...) of NCOPIES/3 titles of
 * document type STK. Every other school gets OTHER_READERS readers, OTHER_COPIES copies and
 * OTHER_LOANS returned loans of history, so the tables are city-sized while the bench school stays
 * the same: the cost of a loan must not grow with the city.
 *
 *   lending_gen URL PASSWORD NSCHOOLS NREADERS NCOPIES OTHER_READERS OTHER_COPIES OTHER_LOANS
 *
 * Rows are written with plain INSERTs in large transactions (the folded columns are filled the
 * way the product fills them: text_fold); the librarian goes through accounts_create so the
 * password hash is the product's. Prints progress to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "base/text.h"
#include "db/db.h"
#include "units/units.h"

#include "gen.h"

static int die(const char *what, const err_t *err)
{
	fprintf(stderr, "lending_gen: %s: %s %s\n", what, err && err->key ? err->key : "",
	        err ? err->detail : "");
	return 1;
}

/* Readers, titles and copies of one school; history: returned loans. */
static int fill_school(db_t *db, int64_t unit, int school_no, long readers, long copies, long loans,
                       err_t *err)
{
	arena_t *a = arena_new(1 << 16);
	int64_t now = clock_now();
	char name[160], code[32], cls[16], isodate[16];
	int rc = db_begin(db, err);
	for (long i = 0; rc >= 0 && i < readers; i++) {
		snprintf(name, sizeof name, "%s %s %s", gen_family[(i * 7 + school_no) % N(gen_family)],
		         gen_middle[(i / 3) % N(gen_middle)], gen_given[(i * 13 + school_no) % N(gen_given)]);
		if (school_no == 1)
			snprintf(code, sizeof code, "R%06ld", i + 1);
		else
			snprintf(code, sizeof code, "S%04dR%06ld", school_no, i + 1);
		int grade = 6 + (int)(i % 4);
		snprintf(cls, sizeof cls, "%dA%ld", grade, 1 + (i / 4) % 12);
		rc = db_exec(db, err,
		             "INSERT INTO patrons (unit_id, code, student_code, full_name, name_fold, kind, "
		             "class_name,"
		             " grade, school_year, created_at, updated_at)"
		             " VALUES (?, ?, ?, ?, ?, 'student', ?, ?, '2026-2027', ?, ?)",
		             "isssssiii", unit, code, code, name, text_fold(a, name), cls, (int64_t)grade,
		             now, now);
		arena_reset(a);
	}
	long titles = copies / 3 + 1;
	int64_t first_bib = 0, first_item = 0;
	for (long i = 0; rc >= 0 && i < titles; i++) {
		char title[96];
		snprintf(title, sizeof title, "Tuyển tập truyện ngắn số %ld", i + 1);
		int64_t id;
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO biblios (unit_id, doc_type, title, authors, year, price, title_fold,"
		    " authors_fold, search_fold, created_at, updated_at)"
		    " VALUES (?, 'STK', ?, 'Nhiều tác giả', 2020, 45000, ?, 'nhieu tac gia', ?, ?, ?)"
		    " RETURNING id",
		    "isssii", unit, title, text_fold(a, title), text_fold(a, title), now, now);
		if (!first_bib)
			first_bib = id;
		arena_reset(a);
	}
	for (long i = 0; rc >= 0 && i < copies; i++) {
		if (school_no == 1)
			snprintf(code, sizeof code, "B%07ld", i + 1);
		else
			snprintf(code, sizeof code, "S%04dB%07ld", school_no, i + 1);
		char acc[32];
		snprintf(acc, sizeof acc, "STK-%06ld", i + 1);
		int64_t id;
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO items (unit_id, biblio_id, register, accession_no, accession, barcode,"
		    " price, created_at) VALUES (?, ?, 'STK', ?, ?, ?, 45000, ?) RETURNING id",
		    "iiissi", unit, first_bib + i / 3, (int64_t)(i + 1), acc, code, now);
		if (!first_item)
			first_item = id;
	}
	if (rc >= 0 && copies > 0)
		rc = db_exec(db, err,
		             "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, 'STK', ?)",
		             "ii", unit, (int64_t)copies);
	int64_t first_patron = 0;
	if (rc >= 0 && loans > 0)
		rc = db_query_int(db, &first_patron, err, "SELECT MIN(id) FROM patrons WHERE unit_id = ?",
		                  "i", unit);
	for (long i = 0; rc >= 0 && loans > 0 && readers > 0 && copies > 0 && i < loans; i++) {
		int64_t out = now - 86400 * (400 - i % 400), day = clock_day_of(out);
		clock_day_format(day, isodate, sizeof isodate);
		char due[16];
		clock_day_format(day + 14, due, sizeof due);
		rc = db_exec(db, err,
		             "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, patron_kind, "
		             "class_name,"
		             " doc_type, out_at, out_day, due, returned_at, outcome)"
		             " VALUES (?, ?, ?, ?, 'home', 'student', '6A1', 'STK', ?, ?, ?, ?, 'returned')",
		             "iiiiissi", unit, first_item + i % copies, first_bib + (i % copies) / 3,
		             first_patron + i % readers, out, isodate, due, out + 86400 * 10);
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
	if (argc != 9) {
		fprintf(stderr,
		        "usage: lending_gen URL PASSWORD NSCHOOLS NREADERS NCOPIES OTHER_READERS OTHER_COPIES"
		        " OTHER_LOANS\n");
		return 2;
	}
	const char *url = argv[1], *password = argv[2];
	int nschools = atoi(argv[3]);
	long nreaders = atol(argv[4]), ncopies = atol(argv[5]);
	long oreaders = atol(argv[6]), ocopies = atol(argv[7]), oloans = atol(argv[8]);
	config_defaults();
	i18n_init();
	db_t *db = NULL;
	err_t err = { 0 };
	if (db_open(url, &db, &err) < 0 || db_migrate(db, NULL, &err) < 0)
		return die("open", &err);
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	if (units_create(db, NULL, &u0, &sgd, &err) < 0)
		return die("department", &err);
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
		if (s == 1) {
			account_new_t acc = { .unit_id = unit,
				              .username = "thuthu.th0001",
				              .role = "librarian",
				              .password = password };
			if (accounts_create(db, NULL, &acc, NULL, NULL, &err) < 0)
				return die("librarian", &err);
			if (db_exec(db, &err,
			            "UPDATE accounts SET must_change_password = 0 WHERE username = ?", "s",
			            "thuthu.th0001") < 0)
				return die("librarian", &err);
		}
		if (fill_school(db, unit, s, s == 1 ? nreaders : oreaders, s == 1 ? ncopies : ocopies,
		                s == 1 ? 0 : oloans, &err) < 0)
			return die("fill", &err);
		if (s % 50 == 0)
			fprintf(stderr, "lending_gen: %d schools (%.1f s)\n", s,
			        (double)(clock_usec() - t0) / 1e6);
	}
	db_close(db);
	i18n_shutdown();
	return 0;
}
