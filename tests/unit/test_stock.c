/* test_stock.c: copies' title numbers, the registers' numbering setting and the existing stock of
 * the paper registers (src/stock, and the title numbers of src/catalog), on the backend
 * $THUVIEN_TEST_DB names; the concurrent test opens one connection per thread. */
#include <pthread.h>

#include "check.h"
#include "testdb.h"

#include "catalog/batch.h"
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"
#include "stock/stock.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static char url[1024];
static actor_t lib1, lib2, office, leader;
static int64_t th2;
static const char *PW = "mat-khau-dai-du";

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static int64_t q_int(const char *sql, const char *types, int64_t a1, const char *s1)
{
	int64_t v = -1;
	err_t err;
	int rc = types[0] == 'i' && types[1] == 's' ? db_query_int(db, &v, &err, sql, types, a1, s1)
	         : types[0] == 'i'                 ? db_query_int(db, &v, &err, sql, types, a1)
	                                           : db_query_int(db, &v, &err, sql, types, s1);
	if (rc < 0)
		fprintf(stderr, "  query %s: %d %s\n", sql, rc, err.detail);
	return v;
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, th1 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = { .parent_id = pgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = { .parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },    { "bgh.th001", "leader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	office = login("phong1.cv");
	leader = login("bgh.th001");
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader.account_id);
}

static void test_parse(void)
{
	int64_t *v = NULL;
	size_t n = 0;
	CHECK_INT(stock_parse_numbers("120-135, 140", A, 1000, &v, &n), 0);
	CHECK_INT(n, 17);
	CHECK_INT(v[0], 120);
	CHECK_INT(v[15], 135);
	CHECK_INT(v[16], 140);
	CHECK_INT(stock_parse_numbers("7", A, 1000, &v, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(stock_parse_numbers("1 – 3; 9", A, 1000, &v, &n), 0);
	CHECK_INT(n, 4);
	CHECK_INT(stock_parse_numbers("5-3", A, 1000, &v, &n), -1);
	CHECK_INT(stock_parse_numbers("0", A, 1000, &v, &n), -1);
	CHECK_INT(stock_parse_numbers("12a", A, 1000, &v, &n), -1);
	CHECK_INT(stock_parse_numbers("1,", A, 1000, &v, &n), -1);
	CHECK_INT(stock_parse_numbers("", A, 1000, &v, &n), -1);
	CHECK_INT(stock_parse_numbers("1-2000", A, 1000, &v, &n), -1);
	char d[11];
	CHECK_INT(stock_parse_date("05/09/2015", d), 0);
	CHECK_STR(d, "2015-09-05");
	CHECK_INT(stock_parse_date("5.9.2015", d), 0);
	CHECK_STR(d, "2015-09-05");
	CHECK_INT(stock_parse_date("26.XI.2007", d), 0);
	CHECK_STR(d, "2007-11-26");
	CHECK_INT(stock_parse_date("2016-01-02", d), 0);
	CHECK_STR(d, "2016-01-02");
	CHECK_INT(stock_parse_date("31/02/2015", d), -1);
	CHECK_INT(stock_parse_date("hôm qua", d), -1);
	CHECK_INT(stock_parse_date("5/9-2015", d), -1);
	CHECK_INT(stock_number_of("title", 120, 3), 3);
	CHECK_INT(stock_number_of("type", 120, 3), 120);
}

/* Title numbers of every path that makes copies: the form, adding copies, the import loop. */
static void test_title_no(void)
{
	err_t err = { 0 };
	biblio_t in = { .title = "Truyện Kiều", .authors = "Nguyễn Du", .doc_type = "STK", .price = 30000 };
	int64_t bib = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib1, &in, false, 0, 3, &bib, NULL, &err), 0);
	CHECK_INT(catalog_items_add(db, &lib1, bib, 0, 2, -1, NULL, &err), 0);
	CHECK_INT(q_int("SELECT COUNT(DISTINCT title_no) FROM items WHERE biblio_id = ? AND title_no BETWEEN 1 AND 5",
	                "i", bib, NULL),
	          5);
	CHECK_INT(q_int("SELECT MAX(title_no) FROM items WHERE biblio_id = ?", "i", bib, NULL), 5);
	/* The import: 1..n for each new record. */
	biblio_t b1 = { .title = "Dế Mèn phiêu lưu ký", .authors = "Tô Hoài" }, b2 = { .title = "Số đỏ" };
	catalog_import_rec_t recs[] = { { .pos = 1, .bib = &b1, .copies = 3 }, { .pos = 2, .bib = &b2, .copies = 2 } };
	catalog_import_result_t res;
	catalog_import_opts_t o = { .doc_type = "STK" };
	CHECK_INT(catalog_import_commit(db, &lib1, recs, 2, &o, A, &res, &err), 0);
	CHECK_INT(res.copies, 5);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items i JOIN biblios b ON b.id = i.biblio_id WHERE b.title = ? "
	                "AND i.title_no IN (1, 2, 3)",
	                "s", 0, "Dế Mèn phiêu lưu ký"),
	          3);
	CHECK_INT(q_int("SELECT MAX(i.title_no) FROM items i JOIN biblios b ON b.id = i.biblio_id WHERE b.title = ?",
	                "s", 0, "Số đỏ"),
	          2);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE title_no IS NULL", "", 0, NULL), 0);
}

struct worker {
	int64_t biblio;
	int rc;
	char err[80];
};

static void *add_copies(void *p)
{
	struct worker *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	w->rc = db_open(url, &c, &err);
	for (int i = 0; i < 5 && w->rc == 0; i++) {
		int tries = 0;
		do
			w->rc = catalog_items_add(c, &lib1, w->biblio, 0, 1, -1, NULL, &err);
		while (w->rc == ERR_BUSY && ++tries < 50);
	}
	if (w->rc < 0)
		snprintf(w->err, sizeof w->err, "%s %.60s", err.key ? err.key : "", err.detail);
	db_close(c);
	return NULL;
}

/* Eight librarians' desks add copies to one record at once: 40 copies numbered 1..40 in it. */
static void test_concurrent_title_no(void)
{
	err_t err = { 0 };
	biblio_t in = { .title = "Tắt đèn", .authors = "Ngô Tất Tố", .doc_type = "STK" };
	int64_t bib = 0;
	CHECK_INT(catalog_biblio_create(db, &lib1, &in, false, &bib, NULL, &err), 0);
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .biblio = bib };
		pthread_create(&t[i], NULL, add_copies, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			fprintf(stderr, "  worker %d: %d %s\n", i, w[i].rc, w[i].err);
		CHECK_INT(w[i].rc, 0);
	}
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE biblio_id = ?", "i", bib, NULL), 40);
	CHECK_INT(q_int("SELECT COUNT(DISTINCT title_no) FROM items WHERE biblio_id = ?", "i", bib, NULL), 40);
	CHECK_INT(q_int("SELECT MAX(title_no) FROM items WHERE biblio_id = ?", "i", bib, NULL), 40);
}

struct inserter {
	int64_t biblio, batch, first;
	int rc;
	char err[80];
};

/* A writer of copies without a counter of its own (a bound volume of periodicals): the
 * record's lock alone keeps the title numbers apart. */
static void *insert_copies(void *p)
{
	struct inserter *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	w->rc = db_open(url, &c, &err);
	for (int i = 0; i < 5 && w->rc == 0; i++) {
		int tries = 0;
		do {
			int64_t id = 0;
			w->rc = db_begin(c, &err);
			if (w->rc == 0)
				w->rc = catalog_item_insert(c, lib1.unit_id, w->biblio, w->batch, "BAO", w->first + i, NULL, 0,
				                            0, &id, &err);
			if (w->rc == 0)
				w->rc = db_commit(c, &err);
			else
				db_rollback(c);
		} while (w->rc == ERR_BUSY && ++tries < 50);
	}
	if (w->rc < 0)
		snprintf(w->err, sizeof w->err, "%s %.60s", err.key ? err.key : "", err.detail);
	db_close(c);
	return NULL;
}

static void test_concurrent_item_insert(void)
{
	err_t err = { 0 };
	biblio_t in = { .title = "Báo Nhân dân, quý 1", .doc_type = "BAO" };
	int64_t bib = 0;
	CHECK_INT(catalog_biblio_create(db, &lib1, &in, false, &bib, NULL, &err), 0);
	acquisition_t q = { .source = "purchase" };
	int64_t batch = 0;
	CHECK_INT(catalog_acquisition_create(db, &lib1, &q, &batch, &err), 0);
	pthread_t t[6];
	struct inserter w[6];
	for (int i = 0; i < 6; i++) {
		w[i] = (struct inserter){ .biblio = bib, .batch = batch, .first = 1000 + 10 * i };
		pthread_create(&t[i], NULL, insert_copies, &w[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			fprintf(stderr, "  inserter %d: %d %s\n", i, w[i].rc, w[i].err);
		CHECK_INT(w[i].rc, 0);
	}
	CHECK_INT(q_int("SELECT COUNT(DISTINCT title_no) FROM items WHERE biblio_id = ?", "i", bib, NULL), 30);
	CHECK_INT(q_int("SELECT MAX(title_no) FROM items WHERE biblio_id = ?", "i", bib, NULL), 30);
}

static void test_numbering(void)
{
	err_t err = { 0 };
	const char *num = NULL;
	CHECK_INT(stock_numbering_get(db, lib1.unit_id, "SGK", &num, &err), 0);
	CHECK_STR(num, "type");
	CHECK_INT(stock_numbering_set(db, &leader, "SGK", "title", &err), ERR_FORBIDDEN);
	CHECK_INT(stock_numbering_set(db, &office, "SGK", "title", &err), ERR_FORBIDDEN);
	CHECK_INT(stock_numbering_set(db, &lib1, "XYZ", "title", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.stock.register");
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "random", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.stock.numbering");
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "title", &err), 0);
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "title", &err), 0); /* unchanged: no audit row */
	CHECK_INT(stock_numbering_get(db, lib1.unit_id, "SGK", &num, &err), 0);
	CHECK_STR(num, "title");
	CHECK_INT(stock_numbering_get(db, lib2.unit_id, "SGK", &num, &err), 0);
	CHECK_STR(num, "type"); /* the other school's setting is its own */
	CHECK_INT(q_int("SELECT COUNT(*) FROM audit WHERE action = ?", "s", 0, "stock.numbering"), 1);
	/* The registers' SQL prints title numbers where the school numbers by title. */
	biblio_t in = { .title = "Tiếng Việt 3, tập 1", .doc_type = "SGK" };
	int64_t bib = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib1, &in, false, 0, 2, &bib, NULL, &err), 0);
	CHECK_INT(q_int("SELECT MAX(" STOCK_NUMBER_SQL("i") ") FROM items i WHERE i.biblio_id = ?", "i", bib, NULL), 2);
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "type", &err), 0);
	int64_t acc = q_int("SELECT MAX(accession_no) FROM items WHERE biblio_id = ?", "i", bib, NULL);
	CHECK_INT(q_int("SELECT MAX(" STOCK_NUMBER_SQL("i") ") FROM items i WHERE i.biblio_id = ?", "i", bib, NULL), acc);
	/* The summary: a leader reads, an inspector reads the school below, another school's does not. */
	stock_register_t *r;
	size_t n = 0;
	CHECK_INT(stock_registers(db, &leader, 0, "vi", A, &r, &n, &err), 0);
	CHECK(n >= 5);
	bool stk = false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].reg, "STK")) {
			stk = true;
			CHECK(r[i].copies >= 50);
			CHECK_INT(r[i].next, r[i].last + 1);
		}
	CHECK(stk);
	CHECK_STR(r[n - 1].reg, "#TQ");
	CHECK_INT(stock_registers(db, &office, lib1.unit_id, "vi", A, &r, &n, &err), 0);
	CHECK_INT(stock_registers(db, &lib2, lib1.unit_id, "vi", A, &r, &n, &err), ERR_NOTFOUND);
}

static stock_row_t row(int64_t line, const char *kind, const char *nums, const char *date, const char *title,
                       const char *general)
{
	return (stock_row_t){ .line = line,
		              .kind = kind,
		              .numbers = nums,
		              .entered = date,
		              .title = title,
		              .authors = "Tác giả",
		              .publisher = "Giáo dục",
		              .place = "H.",
		              .year = "2010",
		              .price = "25.000",
		              .general = general,
		              .class_number = "8V",
		              .note = "",
		              .barcode = "",
		              .source = "" };
}

static void show_problems(const stock_result_t *res)
{
	for (size_t i = 0; i < res->nproblems; i++)
		fprintf(stderr, "    line %lld: %s (%s)\n", (long long)res->problems[i].line, res->problems[i].key,
		        res->problems[i].detail);
}

/* The count of problems, and the problems themselves when it is not what the test wants. */
#define CHECK_PROBLEMS(want)                                                                                 \
	do {                                                                                                 \
		if (res.nproblems != (want))                                                                 \
			show_problems(&res);                                                                 \
		CHECK_INT(res.nproblems, want);                                                              \
	} while (0)

static bool has_problem(const stock_result_t *res, int64_t line, const char *key)
{
	for (size_t i = 0; i < res->nproblems; i++)
		if (res->problems[i].line == line && !strcmp(res->problems[i].key, key))
			return true;
	return false;
}

static int64_t items_of(int64_t unit)
{
	return q_int("SELECT COUNT(*) FROM items WHERE unit_id = ?", "i", unit, NULL);
}

static void test_opening(void)
{
	err_t err = { 0 };
	stock_result_t res;
	stock_row_t rows[] = {
		row(2, "", "100-102", "05/09/2015", "Lão Hạc", "7"),
		row(3, "STK", "105", "10.IX.2015", "Lão Hạc", "7"),
		row(4, "Sách tham khảo", "110", "2016-01-02", "Chí Phèo", "8"),
		row(5, "SGK", "1-5", "01/09/2016", "Toán 3", ""),
	};
	rows[3].source = "cấp phát";
	/* A leader reads but does not enter. */
	CHECK_INT(stock_opening_check(db, &leader, rows, 4, "STK", A, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(stock_opening_check(db, &lib2, rows, 4, "STK", A, &res, &err), 0);
	CHECK_PROBLEMS(0);
	CHECK_INT(res.copies, 10);
	CHECK_INT(res.records_new, 3);
	CHECK_INT(res.lines_new, 3);
	CHECK_INT(items_of(th2), 0); /* the check writes nothing */
	CHECK_INT(stock_opening_commit(db, &lib2, rows, 4, "STK", A, &res, &err), 0);
	CHECK_INT(items_of(th2), 10);
	CHECK_INT(res.nranges, 2);
	CHECK_STR(res.ranges[0].reg, "SGK"); /* in the document types' order */
	CHECK_STR(res.ranges[0].ranges, "1-5");
	CHECK_STR(res.ranges[1].ranges, "100-102, 105, 110");
	CHECK_INT(res.value, 250000);
	/* The counters continue the paper registers; the line without a number took the next. */
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = ?", "is", th2, "STK"), 110);
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = ?", "is", th2, "SGK"), 5);
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = ?", "is", th2, "#TQ"), 9);
	CHECK_INT(q_int("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND legacy = 1", "i", th2, NULL), 3);
	CHECK_INT(q_int("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND number = 7 AND received = '2015-09-05' "
	                "AND source = 'other'",
	                "i", th2, NULL),
	          1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND number = 9 AND source = 'allocation'",
	                "i", th2, NULL),
	          1);
	/* One record for Lão Hạc, its copies 1..4 in it; the copy of another day keeps its date. */
	CHECK_INT(q_int("SELECT COUNT(*) FROM biblios WHERE unit_id = ? AND title = ?", "is", th2, "Lão Hạc"), 1);
	CHECK_INT(q_int("SELECT MAX(i.title_no) FROM items i JOIN biblios b ON b.id = i.biblio_id WHERE b.title = ?",
	                "s", 0, "Lão Hạc"),
	          4);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE unit_id = ? AND entered IS NOT NULL", "i", th2, NULL), 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE unit_id = ? AND accession_no = 105 AND entered = '2015-09-10' "
	                "AND barcode = 'STK000105' AND price = 25000",
	                "i", th2, NULL),
	          1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM audit WHERE action = ?", "s", 0, "stock.opening"), 1);
	/* The next copy follows the highest number entered. */
	int64_t bib = q_int("SELECT id FROM biblios WHERE unit_id = ? AND title = ?", "is", th2, "Lão Hạc");
	int64_t ids[1];
	CHECK_INT(catalog_items_add(db, &lib2, bib, 0, 1, -1, ids, &err), 0);
	CHECK_INT(q_int("SELECT accession_no FROM items WHERE id = ?", "i", ids[0], NULL), 111);
	CHECK_INT(q_int("SELECT title_no FROM items WHERE id = ?", "i", ids[0], NULL), 5);
	/* The next intake batch (the one catalog_items_add just opened) follows general-register number 9. */
	CHECK_INT(q_int("SELECT a.number FROM acquisitions a JOIN items i ON i.acquisition_id = a.id WHERE i.id = ?", "i",
	                ids[0], NULL),
	          10);

	/* A second entry with a used number is refused entirely: its good rows are not written. */
	int64_t before = items_of(th2), audits = q_int("SELECT COUNT(*) FROM audit", "", 0, NULL);
	stock_row_t again[] = {
		row(2, "STK", "200-201", "01/10/2016", "Vợ nhặt", "7"),
		row(3, "STK", "104-105", "01/10/2016", "Vợ nhặt", "7"),
	};
	CHECK_INT(stock_opening_commit(db, &lib2, again, 2, "STK", A, &res, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.stock.rows");
	CHECK_PROBLEMS(1);
	CHECK(has_problem(&res, 3, "err.stock.number_used"));
	CHECK_INT(items_of(th2), before);
	CHECK_INT(q_int("SELECT COUNT(*) FROM audit", "", 0, NULL), audits);
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = ?", "is", th2, "STK"), 111);

	/* Row errors: each with its row. */
	stock_row_t bad[] = {
		row(2, "STK", "300", "01/01/2099", "Tương lai", ""),
		row(3, "STK", "301", "01/10/2016", "Giá", ""),
		row(4, "STK", "302", "01/10/2016", "", ""),
		row(5, "XYZ", "303", "01/10/2016", "Sổ lạ", ""),
		row(6, "STK", "304-306", "01/10/2016", "Trùng", ""),
		row(7, "STK", "306", "01/10/2016", "Trùng", ""),
		row(8, "STK", "3o7", "01/10/2016", "Số sai", ""),
		row(9, "STK", "308", "32/10/2016", "Ngày sai", ""),
		row(10, "STK", "309", "01/10/2016", "Năm sai", ""),
		row(11, "STK", "310", "01/10/2016", "Tốt", ""),
	};
	bad[1].price = "hai mươi nghìn";
	bad[8].year = "20x0";
	CHECK_INT(stock_opening_check(db, &lib2, bad, 10, "STK", A, &res, &err), 0);
	CHECK(has_problem(&res, 2, "err.stock.future"));
	CHECK(has_problem(&res, 3, "err.stock.price"));
	CHECK(has_problem(&res, 4, "err.stock.title"));
	CHECK(has_problem(&res, 5, "err.stock.register"));
	CHECK(has_problem(&res, 7, "err.stock.number_twice"));
	CHECK(has_problem(&res, 8, "err.stock.number"));
	CHECK(has_problem(&res, 9, "err.stock.date"));
	CHECK(has_problem(&res, 10, "err.stock.year"));
	CHECK_PROBLEMS(8);
	CHECK_INT(stock_opening_commit(db, &lib2, bad, 10, "STK", A, &res, &err), ERR_INVALID);
	CHECK_INT(items_of(th2), before);
	/* A barcode of the file already used in the school. */
	stock_row_t bc[] = { row(2, "STK", "400", "01/10/2016", "Mã vạch", "") };
	bc[0].barcode = "STK000105";
	CHECK_INT(stock_opening_check(db, &lib2, bc, 1, "STK", A, &res, &err), 0);
	CHECK(has_problem(&res, 2, "err.stock.barcode_used"));

	/* A register numbered by title: the numbers are the record's, accession numbers are new. */
	CHECK_INT(stock_numbering_set(db, &lib2, "SGK", "title", &err), 0);
	stock_row_t sgk[] = { row(2, "SGK", "1-3", "01/09/2017", "Vật lý 8, tập 1", "12") };
	CHECK_INT(stock_opening_commit(db, &lib2, sgk, 1, "STK", A, &res, &err), 0);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items i JOIN biblios b ON b.id = i.biblio_id WHERE b.title = ? "
	                "AND i.title_no BETWEEN 1 AND 3 AND i.accession_no BETWEEN 6 AND 8",
	                "s", 0, "Vật lý 8, tập 1"),
	          3);
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = ?", "is", th2, "#TQ"), 12);
	stock_row_t sgk2[] = { row(2, "SGK", "3-4", "01/09/2017", "Vật lý 8, tập 1", "12") };
	CHECK_INT(stock_opening_check(db, &lib2, sgk2, 1, "STK", A, &res, &err), 0);
	CHECK(has_problem(&res, 2, "err.stock.title_no_used"));
	sgk2[0].numbers = "4-5";
	CHECK_INT(stock_opening_commit(db, &lib2, sgk2, 1, "STK", A, &res, &err), 0);
	CHECK_INT(res.lines_joined, 1);
	CHECK_INT(res.records_joined, 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND number = 12", "i", th2, NULL), 1);

	/* After the first electronic stocktake, the paper register is closed before its day. */
	CHECK(db_exec(db, &err,
	                  "INSERT INTO stocktakes (unit_id, school_year, status, opened_at) VALUES (?, '2019-2020', "
	                  "'closed', 0)",
	                  "i", th2) >= 0);
	int64_t st = q_int("SELECT MAX(id) FROM stocktakes WHERE unit_id = ?", "i", th2, NULL);
	CHECK(db_exec(db, &err,
	                  "INSERT INTO stock_balances (unit_id, stocktake_id, school_year, day, in_copies, in_value, "
	                  "out_copies, out_value, on_hand_copies, on_hand_value) VALUES (?, ?, '2019-2020', "
	                  "'2020-06-01', 0, 0, 0, 0, 0, 0)",
	                  "ii", th2, st) >= 0);
	stock_row_t late[] = { row(2, "STK", "500", "01/06/2020", "Trước kiểm kê", ""),
		               row(3, "STK", "501", "02/06/2020", "Sau kiểm kê", "") };
	CHECK_INT(stock_opening_check(db, &lib2, late, 2, "STK", A, &res, &err), 0);
	CHECK_PROBLEMS(1);
	CHECK(has_problem(&res, 2, "err.stock.balanced"));

	/* Another school: its librarian's entries are its own; nothing of school 2 is touched. */
	stock_row_t other[] = { row(2, "STK", "50", "01/10/2016", "Lão Hạc", "7") };
	int64_t th1_items = items_of(lib1.unit_id);
	CHECK_INT(stock_opening_check(db, &lib1, other, 1, "STK", A, &res, &err), 0);
	CHECK(has_problem(&res, 2, "err.stock.number_used")); /* STK 50 is used in school 1 by its own earlier copies */
	other[0].numbers = "900";
	other[0].entered = "01/10/2021"; /* school 2's stocktake does not close school 1's paper register */
	CHECK_INT(stock_opening_commit(db, &lib1, other, 1, "STK", A, &res, &err), 0);
	CHECK_INT(res.records_new, 1); /* school 2's Lão Hạc is not school 1's */
	CHECK_INT(res.lines_new + res.lines_joined, 1); /* school 1's own line 7, or a new one */
	CHECK_INT(items_of(lib1.unit_id), th1_items + 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items i JOIN acquisitions a ON a.id = i.acquisition_id "
	                "WHERE a.unit_id <> i.unit_id", "", 0, NULL), 0);
	CHECK_INT(q_int("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND number = 7", "i", th2, NULL), 1);
}

static void test_read(void)
{
	const char *csv = "\xef\xbb\xbfSỔ ĐĂNG KÝ CÁ BIỆT;;;\n"
	                  "Ngày vào sổ;Số ĐKCB;Tên sách – tác giả;Nơi XB;Nhà XB;Năm XB;Giá tiền;"
	                  "Số vào sổ tổng quát;Môn loại;Ghi chú;Cột lạ\n"
	                  "26.XI.2007;120-122;Lão Hạc / Nam Cao;H.;Văn học;2005;\"25.000\";3;8V;;x\n"
	                  "\n"
	                  "01/12/2007;123;\"Số đỏ; tiểu thuyết\";H.;Văn học;2006;30000;3;8V;rách bìa;\n";
	stock_sheet_t s;
	err_t err = { 0 };
	CHECK_INT(stock_opening_read(csv, strlen(csv), A, &s, &err), 0);
	CHECK_STR(s.format, "csv");
	CHECK_INT(s.nrows, 2);
	CHECK_INT(s.nignored, 1);
	CHECK_STR(s.rows[0].title, "Lão Hạc");
	CHECK_STR(s.rows[0].authors, "Nam Cao");
	CHECK_STR(s.rows[0].numbers, "120-122");
	CHECK_STR(s.rows[0].price, "25.000");
	CHECK_INT(s.rows[0].line, 3);
	CHECK_STR(s.rows[1].title, "Số đỏ; tiểu thuyết");
	CHECK_STR(s.rows[1].note, "rách bìa");
	CHECK_INT(s.rows[1].line, 5);
	const char *nocol = "Tên sách,Tác giả\nA,B\n";
	CHECK_INT(stock_opening_read(nocol, strlen(nocol), A, &s, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.stock.columns");
	const char *latin = "Số ĐKCB,Tên sách\n1,S\xe1" "ch\n";
	CHECK_INT(stock_opening_read(latin, strlen(latin), A, &s, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.utf8");
}

int main(void)
{
	db = testdb_open();
	snprintf(url, sizeof url, "%s", testdb_current);
	A = arena_new(8192);
	RUN(test_setup);
	RUN(test_parse);
	RUN(test_title_no);
	RUN(test_concurrent_title_no);
	RUN(test_concurrent_item_insert);
	RUN(test_numbering);
	RUN(test_opening);
	RUN(test_read);
	arena_free(A);
	testdb_close(db);
	return check_summary("stock");
}
