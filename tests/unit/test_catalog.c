/* test_catalog.c: ISBN, records, intake batches and accession numbers (src/catalog), on the
 * backend $THUVIEN_TEST_DB names; the concurrent test opens one connection per thread. */
#include <pthread.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "catalog/catalog.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static char url[1024];
static actor_t lib1, lib2, office, leader;
static const char *PW = "mat-khau-dai-du";

static void test_isbn(void)
{
	char out[14];
	err_t err;
	CHECK_INT(isbn_normalize("978-604-2-09587-7", out, &err), 0);
	CHECK_STR(out, "9786042095877");
	CHECK_INT(isbn_normalize("ISBN 0-306-40615-2", out, &err), 0); /* ISBN-10 becomes 978... */
	CHECK_STR(out, "9780306406157");
	CHECK_INT(isbn_normalize("080442957X", out, &err), 0);
	CHECK_STR(out, "9780804429573");
	CHECK_INT(isbn_normalize("isbn: 978 0 306 40615 7", out, &err), 0);
	CHECK_INT(isbn_normalize("0-306-40615-3", out, &err), ERR_INVALID); /* check digit */
	CHECK_INT(isbn_normalize("9780306406158", out, &err), ERR_INVALID);
	CHECK_INT(isbn_normalize("X306406152", out, &err), ERR_INVALID);
	CHECK_INT(isbn_normalize("978030640615", out, &err), ERR_INVALID);  /* 12 digits */
	CHECK_INT(isbn_normalize("97803064061570", out, &err), ERR_INVALID); /* 14 */
	CHECK_INT(isbn_normalize("1234567890128", out, &err), ERR_INVALID);  /* EAN, not 978/979 */
	CHECK_INT(isbn_normalize("", out, &err), ERR_INVALID);
	CHECK_INT(isbn_normalize("97803064O6157", out, &err), ERR_INVALID); /* letter O */
	CHECK(isbn13_valid("9780306406157"));
	CHECK(!isbn13_valid("978030640615"));
}

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, th1 = 0, th2 = 0;
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

static int64_t mkbib(const actor_t *who, const char *title, const char *authors, const char *type, int year,
                     const char *isbn, int want)
{
	biblio_t in = { .title = title, .authors = authors, .doc_type = type, .year = year, .isbn = isbn, .price = 25000 };
	int64_t id = 0, dup = 0;
	err_t err = { 0 };
	int rc = catalog_biblio_create(db, who, &in, false, &id, &dup, &err);
	if (rc != want)
		fprintf(stderr, "  create %s: %d (%s), want %d\n", title, rc, err.key ? err.key : "", want);
	CHECK_INT(rc, want);
	return rc == 0 ? id : dup;
}

static void test_records(void)
{
	err_t err;
	int64_t a = mkbib(&lib1, "Tiếng Việt 5", "Nguyễn Minh Thuyết", "SGK", 2020, "978-0-306-40615-7", 0);
	CHECK(a > 0);
	/* Duplicates: same ISBN written another way; same folded title + authors + year. */
	CHECK_INT(mkbib(&lib1, "Khác hẳn", "", "SGK", 2021, "0306406152", ERR_CONFLICT), a);
	CHECK_INT(mkbib(&lib1, "TIẾNG VIỆT 5", "nguyễn minh thuyết", "SGK", 2020, NULL, ERR_CONFLICT), a);
	mkbib(&lib1, "Tiếng Việt 5", "Nguyễn Minh Thuyết", "SGK", 2021, NULL, 0); /* another year */
	mkbib(&lib2, "Tiếng Việt 5", "Nguyễn Minh Thuyết", "SGK", 2020, NULL, 0); /* another school */
	/* Refusals. */
	mkbib(&lib1, "", "", "SGK", 0, NULL, ERR_INVALID);
	mkbib(&lib1, "Sách", "", "XYZ", 0, NULL, ERR_INVALID);
	mkbib(&lib1, "Sách", "", "STK", 99, NULL, ERR_INVALID);
	mkbib(&lib1, "Sách", "", "STK", 0, "978-0-306-40615-8", ERR_INVALID);
	mkbib(&lib1, "\xc3\x28", "", "STK", 0, NULL, ERR_INVALID);
	mkbib(&leader, "Sách", "", "STK", 0, NULL, ERR_FORBIDDEN);
	mkbib(&office, "Sách", "", "STK", 0, NULL, ERR_FORBIDDEN);
	/* Reading: own school, the office above, not the other school. */
	biblio_t b;
	CHECK_INT(catalog_biblio_get(db, &lib1, a, A, &b, &err), 0);
	CHECK_STR(b.isbn, "9780306406157");
	CHECK_STR(b.title, "Tiếng Việt 5");
	CHECK_INT(catalog_biblio_get(db, &office, a, A, &b, &err), 0);
	CHECK_INT(catalog_biblio_get(db, &leader, a, A, &b, &err), 0);
	CHECK_INT(catalog_biblio_get(db, &lib2, a, A, &b, &err), ERR_NOTFOUND);
}

static int64_t batch(const actor_t *who)
{
	acquisition_t q = { .source = "gift", .doc_number = "12/QĐ", .supplier = "Hội phụ huynh" };
	int64_t id = 0;
	err_t err;
	CHECK_INT(catalog_acquisition_create(db, who, &q, &id, &err), 0);
	return id;
}

static void test_numbers(void)
{
	err_t err;
	int64_t q1 = batch(&lib1), q2 = batch(&lib1), q3 = batch(&lib2);
	acquisition_t q;
	CHECK_INT(catalog_acquisition_get(db, &lib1, q2, A, &q, &err), 0);
	CHECK_INT(q.number, 2);
	CHECK_INT(catalog_acquisition_get(db, &lib2, q3, A, &q, &err), 0);
	CHECK_INT(q.number, 1); /* each school has its own general register */
	CHECK_INT(catalog_acquisition_get(db, &lib2, q1, A, &q, &err), ERR_NOTFOUND);
	acquisition_t bad = { .received = "2026-02-30" };
	CHECK_INT(catalog_acquisition_create(db, &lib1, &bad, NULL, &err), ERR_INVALID);
	acquisition_t bad2 = { .source = "stolen" };
	CHECK_INT(catalog_acquisition_create(db, &lib1, &bad2, NULL, &err), ERR_INVALID);

	int64_t sgk = mkbib(&lib1, "Toán 5", "Đỗ Đình Hoan", "SGK", 2020, NULL, 0);
	int64_t stk = mkbib(&lib1, "Truyện Kiều", "Nguyễn Du", "STK", 2015, NULL, 0);
	int64_t ids[5];
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q1, 3, -1, ids, &err), 0);
	CHECK_INT(catalog_items_add(db, &lib1, stk, q1, 2, 40000, ids, &err), 0);
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q2, 2, -1, ids, &err), 0);
	biblio_t b;
	CHECK_INT(catalog_biblio_get(db, &lib1, sgk, A, &b, &err), 0);
	CHECK_INT(b.nitems, 5);
	if (b.nitems == 5) {
		CHECK_STR(b.items[0].accession, "SGK-000001");
		CHECK_STR(b.items[4].accession, "SGK-000005");
		CHECK_STR(b.items[4].barcode, "SGK000005");
		CHECK_INT(b.items[0].price, 25000);
	}
	CHECK_INT(catalog_biblio_get(db, &lib1, stk, A, &b, &err), 0);
	CHECK_INT(b.nitems, 2);
	if (b.nitems == 2) {
		CHECK_STR(b.items[0].accession, "STK-000001"); /* its own register */
		CHECK_INT(b.items[1].price, 40000);
	}
	/* Refusals change nothing. */
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q3, 1, -1, NULL, &err), ERR_NOTFOUND); /* other school's batch */
	CHECK_INT(catalog_items_add(db, &lib2, sgk, q3, 1, -1, NULL, &err), ERR_NOTFOUND); /* other school's record */
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q1, 0, -1, NULL, &err), ERR_INVALID);
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q1, 1001, -1, NULL, &err), ERR_INVALID);
	CHECK_INT(catalog_items_add(db, &leader, sgk, q1, 1, -1, NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_get(db, &lib1, sgk, A, &b, &err), 0);
	CHECK_INT(b.nitems, 5);
	/* The next number follows on: nothing was taken by the refusals. */
	CHECK_INT(catalog_items_add(db, &lib1, sgk, q1, 1, -1, ids, &err), 0);
	CHECK_INT(catalog_biblio_get(db, &lib1, sgk, A, &b, &err), 0);
	CHECK(b.nitems == 6 && strcmp(b.items[5].accession, "SGK-000006") == 0);
	CHECK_INT(catalog_acquisition_get(db, &lib1, q1, A, &q, &err), 0);
	CHECK_INT(q.copies, 6);
	CHECK_INT(q.value, 25000 * 4 + 40000 * 2);
}

/* Eight threads, each with its own connection, add five copies of one record at once. */
struct worker {
	int64_t biblio, batch;
	int rc;
	char err[64];
};

static void *add_copies(void *p)
{
	struct worker *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	w->rc = db_open(url, &c, &err);
	for (int i = 0; i < 5 && w->rc == 0; i++) {
		/* A busy database is worth a retry; a duplicate number is the bug this test is for. */
		int tries = 0;
		do
			w->rc = catalog_items_add(c, &lib1, w->biblio, w->batch, 1, -1, NULL, &err);
		while (w->rc == ERR_BUSY && ++tries < 50);
	}
	if (w->rc < 0)
		snprintf(w->err, sizeof w->err, "%s %.40s", err.key ? err.key : "", err.detail);
	db_close(c);
	return NULL;
}

static void test_concurrent_numbers(void)
{
	int64_t bib = mkbib(&lib1, "Đắc nhân tâm", "Dale Carnegie", "STK", 2018, NULL, 0), q = batch(&lib1);
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .biblio = bib, .batch = q };
		pthread_create(&t[i], NULL, add_copies, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			fprintf(stderr, "  worker %d: %d %s\n", i, w[i].rc, w[i].err);
		CHECK_INT(w[i].rc, 0);
	}
	biblio_t b;
	err_t err;
	CHECK_INT(catalog_biblio_get(db, &lib1, bib, A, &b, &err), 0);
	CHECK_INT(b.nitems, 40);
	/* STK-000001..2 went to Truyện Kiều; these are 3..42 with no gap and no repeat. */
	for (size_t i = 0; i < b.nitems; i++)
		CHECK_INT(b.items[i].accession_no, (int64_t)i + 3);
}

static void test_search(void)
{
	biblio_t *v;
	size_t n = 0;
	int64_t total = 0;
	err_t err;
	catalog_query_t q = { .q = "tieng viet" };
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 2); /* the 2020 and 2021 editions of this school, not the other school's */
	q.q = "dac nhan";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK(total == 1 && n == 1 && v[0].nitems == 40);
	q.q = "DO DINH HOAN"; /* Đỗ Đình Hoan */
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	q.q = "sgk-000006";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK(total == 1 && strcmp(v[0].title, "Toán 5") == 0);
	q.q = "stk000001";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK(total == 1 && strcmp(v[0].title, "Truyện Kiều") == 0);
	q.q = "0-306-40615-2";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	q.q = "100%";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 0);
	q.q = "";
	q.doc_type = "STK";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 2);
	q.doc_type = NULL;
	q.q = "toan 5"; /* exact title first */
	mkbib(&lib1, "Bài tập Toán 5", "", "STK", 2020, NULL, 0);
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK(total == 2 && strcmp(v[0].title, "Toán 5") == 0);
	q.q = "tieng viet";
	CHECK_INT(catalog_search(db, &office, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 2); /* the office sees TH001, not TH002 (directly under the Department) */
	CHECK_INT(catalog_search(db, &lib2, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
}

int main(void)
{
	db = testdb_open();
	snprintf(url, sizeof url, "%s", testdb_current); /* for the threads' own connections */
	A = arena_new(8192);
	RUN(test_isbn);
	RUN(test_setup);
	RUN(test_records);
	RUN(test_numbers);
	RUN(test_concurrent_numbers);
	RUN(test_search);
	arena_free(A);
	testdb_close(db);
	return check_summary("catalog");
}
