/* test_search.c: the staff catalogue search (src/catalog/search.c) on the backend
 * $THUVIEN_TEST_DB names. One table of queries with the hits expected, in order, and the total:
 * run on SQLite and on PostgreSQL, it checks that both give the same answers. */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "catalog/catalog.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, city, reader;
static const char *PW = "mat-khau-dai-du";

/* The records, by key. */
enum {
	TV20,
	TV21,
	DV,
	KIEU,
	KIEU_CG,
	KIEU_BG,
	TOAN,
	BT_TOAN,
	HP,
	CPP,
	TA,
	PCT,
	DNT,
	DHTC,
	HAN,
	TV_TH2,
	ODD,
	NREC
};
static int64_t rec[NREC];

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, th1 = 0, th2 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = {
		.parent_id = sgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u1, &th1, &err), 0);
	unit_new_t u2 = {
		.parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u2, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 },
		{ "thuthu.th002", "librarian", th2 },
		{ "so.cv", "inspector", sgd },
		{ "hs.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	city = login("so.cv");
	reader = login("hs.th001");
	CHECK(lib1.account_id && lib2.account_id && city.account_id && reader.account_id);

	static const struct {
		int key;
		const char *title, *authors, *type, *isbn, *class_number;
		int year;
	} r[] = {
		{ TV20, "Tiếng Việt 5", "Nguyễn Minh Thuyết", "SGK", "978-0-306-40615-7", "", 2020 },
		{ TV21, "Tiếng Việt 5", "Nguyễn Minh Thuyết", "SGK", NULL, "", 2021 },
		{ DV, "Đại Việt sử ký toàn thư", "Ngô Sĩ Liên", "STK", NULL, "959.7", 1993 },
		{ KIEU, "Truyện Kiều", "Nguyễn Du", "TN", NULL, "", 2015 },
		{ KIEU_CG, "Truyện Kiều chú giải", "Nguyễn Du", "STK", NULL, "", 2016 },
		{ KIEU_BG, "Bình giảng Truyện Kiều", "", "TN", NULL, "", 2017 },
		{ TOAN, "Toán 5", "Đỗ Đình Hoan", "SGK", NULL, "", 2020 },
		{ BT_TOAN, "Bài tập Toán 5", "", "STK", NULL, "", 2020 },
		{ HP, "Harry Potter and the Philosopher’s Stone", "J. K. Rowling", "TN", NULL, "", 1997 },
		{ CPP, "C++ Primer", "Lippman, Stanley B.", "STK", NULL, "005.13", 2012 },
		{ TA, "(Tiếng Anh) English for kids", "", "TN", NULL, "", 2019 },
		{ PCT, "100% tự học", "", "STK", NULL, "", 2018 },
		{ DNT, "Đắc nhân tâm", "Dale Carnegie", "STK", NULL, "", 2010 },
		{ DHTC, "Dạy học tích cực", "", "SNV", NULL, "V23.1", 2019 },
		{ HAN, "Giáo trình 漢字", "", "STK", NULL, "", 2005 },
		/* Words a full-text parser might cut otherwise than we do: letters and digits mixed, a
		 * number in exponent form, typographic quotes inside words. */
		{ ODD, "Đề thi 2020abc x1y2z3 “chọn lọc” 1e5", "", "TN", NULL, "", 2006 },
	};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		biblio_t in = { .title = r[i].title,
			        .authors = r[i].authors,
			        .doc_type = r[i].type,
			        .isbn = r[i].isbn,
			        .class_number = r[i].class_number,
			        .year = r[i].year };
		int64_t dup = 0;
		CHECK_INT(catalog_biblio_create(db, &lib1, &in, false, &rec[r[i].key], &dup, &err), 0);
	}
	biblio_t in = {
		.title = "Tiếng Việt 5", .authors = "Nguyễn Minh Thuyết", .doc_type = "SGK", .year = 2020
	};
	int64_t dup = 0;
	CHECK_INT(catalog_biblio_create(db, &lib2, &in, false, &rec[TV_TH2], &dup, &err), 0);
	/* Two copies of Truyện Kiều: TN-000001, TN-000002 (barcodes TN000001, TN000002). */
	CHECK_INT(catalog_items_add(db, &lib1, rec[KIEU], 0, 2, -1, NULL, &err), 0);
}

#define END (-1)

/* A query, who asks it, and what it must find. */
typedef struct {
	const actor_t *who;
	const char *q, *type;
	int offset, limit;
	int64_t total;
	int hits[8]; /* keys, END-terminated */
} case_t;

static void test_table(void)
{
	const case_t cases[] = {
		/* Words are prefixes of words, marks and case do not matter, all words are needed. */
		{ &lib1, "tieng viet", NULL, 0, 0, 2, { TV20, TV21, END } },
		{ &lib1, "tieng vi", NULL, 0, 0, 2, { TV20, TV21, END } },
		{ &lib1, "  TIẾNG   việt ", NULL, 0, 0, 2, { TV20, TV21, END } },
		{ &lib1, "Tie\xcc\x82\xcc\x81ng", NULL, 0, 0, 3, { TV20, TV21, TA, END } }, /* NFD; titles
		                                                                               starting */
		{ &lib1, "dai", NULL, 0, 0, 1, { DV, END } },
		{ &lib1, "Đại", NULL, 0, 0, 1, { DV, END } },
		{ &lib1, "viet", NULL, 0, 0, 3, { DV, TV20, TV21, END } },
		{ &lib1, "iet", NULL, 0, 0, 0, { END } }, /* inside a word: no */
		{ &lib1, "tieng viet kieu", NULL, 0, 0, 0, { END } },
		/* Ranking: exact title, then title prefix, then title order. */
		{ &lib1, "truyen kieu", NULL, 0, 0, 3, { KIEU, KIEU_CG, KIEU_BG, END } },
		{ &lib1, "kieu truyen", NULL, 0, 0, 3, { KIEU_BG, KIEU, KIEU_CG, END } },
		{ &lib1, "toan 5", NULL, 0, 0, 2, { TOAN, BT_TOAN, END } },
		{ &lib1, "c++", NULL, 0, 0, 5, { CPP, DNT, DHTC, ODD, KIEU_CG, END } },
		/* Authors, punctuation, English. */
		{ &lib1, "DO DINH HOAN", NULL, 0, 0, 1, { TOAN, END } },
		{ &lib1, "harry stone", NULL, 0, 0, 1, { HP, END } },
		{ &lib1, "philosopher's", NULL, 0, 0, 1, { HP, END } },
		{ &lib1, "lippman", NULL, 0, 0, 1, { CPP, END } },
		{ &lib1, "tieng anh", NULL, 0, 0, 1, { TA, END } },
		{ &lib1, "100%", NULL, 0, 0, 1, { PCT, END } },
		{ &lib1, "v23.1", NULL, 0, 0, 1, { DHTC, END } },
		{ &lib1, "V23", NULL, 0, 0, 1, { DHTC, END } },
		/* Words without an ASCII letter or digit (no FTS5 token on SQLite). */
		{ &lib1, "漢", NULL, 0, 0, 1, { HAN, END } },
		{ &lib1, "giao 漢字", NULL, 0, 0, 1, { HAN, END } },
		{ &lib1, "2020ab", NULL, 0, 0, 1, { ODD, END } },
		{ &lib1, "x1y2", NULL, 0, 0, 1, { ODD, END } },
		{ &lib1, "1e5", NULL, 0, 0, 1, { ODD, END } },
		{ &lib1, "loc thi", NULL, 0, 0, 1, { ODD, END } }, /* "lọc”": a word starting "loc" */
		{ &lib1, "chon", NULL, 0, 0, 1, { ODD, END } },    /* "“chọn": folding drops the quote */
		{ &lib1, "“chon", NULL, 0, 0, 1, { ODD, END } },
		/* LIKE wildcards and FTS5 syntax are plain characters. */
		{ &lib1, "%", NULL, 0, 0, 0, { END } },
		{ &lib1, "_", NULL, 0, 0, 0, { END } },
		{ &lib1, "\\", NULL, 0, 0, 0, { END } },
		{ &lib1, "\"", NULL, 0, 0, 0, { END } },
		{ &lib1, "\"tieng", NULL, 0, 0, 3, { TA, TV20, TV21, END } },
		{ &lib1, "NEAR(tieng viet)", NULL, 0, 0, 0, { END } },
		{ &lib1, "tieng* OR kieu", NULL, 0, 0, 0, { END } },
		{ &lib1, "tieng AND -viet", NULL, 0, 0, 0, { END } },
		/* ISBN, accession number, barcode. */
		{ &lib1, "0306406152", NULL, 0, 0, 1, { TV20, END } },
		{ &lib1, "978-0-306-40615-7", NULL, 0, 0, 1, { TV20, END } },
		{ &lib1, "tn000002", NULL, 0, 0, 1, { KIEU, END } },
		{ &lib1, "TN-000001", NULL, 0, 0, 1, { KIEU, END } },
		{ &lib2, "TN000001", NULL, 0, 0, 0, { END } }, /* another school's copy */
		/* Type filter and paging. */
		{ &lib1, "truyen kieu", "TN", 0, 0, 2, { KIEU, KIEU_BG, END } },
		{ &lib1, "", "STK", 0, 0, 7, { PCT, BT_TOAN, CPP, DNT, DV, HAN, KIEU_CG, END } },
		{ &lib1, "", "STK", 3, 3, 7, { DNT, DV, HAN, END } },
		{ &lib1, "", "STK", 6, 3, 7, { KIEU_CG, END } },
		{ &lib1, "", "STK", 10, 3, 7, { END } },
		{ &lib1, "truyen kieu", "XYZ", 0, 0, 0, { END } },
		/* Scope. */
		{ &lib2, "tieng viet", NULL, 0, 0, 1, { TV_TH2, END } },
		{ &city, "tieng viet 5", NULL, 0, 0, 3, { TV20, TV21, TV_TH2, END } },
	};
	/* Each case twice: with the default cap (every hit counted and ranked), and with cap 1, so
	 * that any query of more than one hit takes the title walk: the same hits in the same order,
	 * the total capped at 1 with "more" set. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const case_t *c = &cases[i];
			bool more = false;
			catalog_query_t q = { .q = c->q,
				              .doc_type = c->type,
				              .offset = c->offset,
				              .limit = c->limit,
				              .cap = pass ? 1 : 0,
				              .more = &more };
			biblio_t *v = NULL;
			size_t n = 0;
			int64_t total = -1;
			err_t err = { 0 };
			int rc = catalog_search(db, c->who, &q, A, &v, &n, &total, &err);
			size_t want = 0;
			while (c->hits[want] != END)
				want++;
			int64_t want_total = pass && c->total > 1 ? 1 : c->total;
			/* With cap 1 the pages stop after the first hit. */
			if (pass && c->total > 1)
				want = c->offset == 0 && want > 0 ? 1 : 0;
			bool same =
			    rc == 0 && total == want_total && n == want && more == (pass && c->total > 1);
			for (size_t k = 0; same && k < n; k++)
				same = v[k].id == rec[c->hits[k]];
			if (!same) {
				fprintf(stderr,
				        "  pass %d query %zu %s%s%s: rc %d, total %lld (want %lld), more %d, "
				        "hits",
				        pass, i, c->q, c->type ? " type " : "", c->type ? c->type : "", rc,
				        (long long)total, (long long)want_total, more);
				for (size_t k = 0; rc == 0 && k < n; k++)
					fprintf(stderr, " \"%s\"", v[k].title);
				fprintf(stderr, " (want %zu)\n", want);
			}
			CHECK(same);
		}
	}
}

/* The title walk of a common query, page by page, against the full ranking: with a cap of 3 the
 * walk serves pages of 2 up to the third hit; every hit it gives is the full ranking's hit at the
 * same position. */
static void test_walk_pages(void)
{
	const char *queries[] = { "", "t", "viet", "tieng", "truyen", "c", "n" };
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		catalog_query_t full = { .q = queries[i], .limit = 100 };
		biblio_t *all = NULL;
		size_t nall = 0;
		int64_t total = 0;
		err_t err;
		CHECK_INT(catalog_search(db, &lib1, &full, A, &all, &nall, &total, &err), 0);
		CHECK_INT(total, (int64_t)nall);
		for (int64_t cap = 1; cap <= 4; cap++) {
			for (int64_t off = 0; off < cap + 2; off++) {
				bool more = false;
				catalog_query_t q = {
					.q = queries[i], .limit = 2, .offset = off, .cap = cap, .more = &more
				};
				biblio_t *v = NULL;
				size_t n = 0;
				CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
				if ((int64_t)nall <= cap) {
					CHECK(!more);
					continue;
				}
				CHECK(more);
				CHECK_INT(total, cap);
				size_t want = off >= cap ? 0 : (size_t)(cap - off < 2 ? cap - off : 2);
				CHECK_INT((int64_t)n, (int64_t)want);
				for (size_t k = 0; k < n && k < want; k++)
					CHECK_INT(v[k].id, all[off + (int64_t)k].id);
			}
		}
	}
}

/* The filters: class number prefix (case ignored), years, copy status. */
static void test_filters(void)
{
	struct {
		const char *q, *cls, *status;
		int from, to;
		int64_t total;
	} c[] = {
		{ "", "9", NULL, 0, 0, 1 },        /* 959.7 */
		{ "", "v23", NULL, 0, 0, 1 },      /* V23.1 */
		{ "", "V23.1", NULL, 0, 0, 1 },    /* V23.1 */
		{ "", "00", NULL, 0, 0, 1 },       /* 005.13 */
		{ "", "%", NULL, 0, 0, 0 },        /* a wildcard is a character */
		{ "", NULL, NULL, 2020, 2020, 3 }, /* TV20, TOAN, BT_TOAN (TV21 is 2021) */
		{ "tieng viet", NULL, NULL, 2021, 0, 1 },
		{ "tieng viet", NULL, NULL, 0, 2020, 1 },
		{ "", NULL, "available", 0, 0, 1 }, /* Truyện Kiều has two copies */
		{ "", NULL, "on_loan", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		for (int pass = 0; pass < 2; pass++) {
			catalog_query_t q = { .q = c[i].q,
				              .class_prefix = c[i].cls,
				              .status = c[i].status,
				              .year_from = c[i].from,
				              .year_to = c[i].to,
				              .cap = pass ? 1 : 0 };
			biblio_t *v = NULL;
			size_t n = 0;
			int64_t total = -1;
			err_t err;
			CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
			if (!pass && total != c[i].total)
				fprintf(stderr, "  filter case %zu: total %lld\n", i, (long long)total);
			CHECK_INT(total, pass && c[i].total > 1 ? 1 : c[i].total);
		}
	}
}

static void test_refusals(void)
{
	biblio_t *v;
	size_t n;
	int64_t total;
	err_t err;
	catalog_query_t q = { .q = "tieng" };
	CHECK_INT(catalog_search(db, &reader, &q, A, &v, &n, &total, &err), ERR_FORBIDDEN);
	q.q = "\xc3\x28";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), ERR_INVALID);
	char long_q[600];
	memset(long_q, 'a', sizeof long_q - 1);
	long_q[sizeof long_q - 1] = 0;
	q.q = long_q;
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), ERR_INVALID);
	/* More than eight words: the first eight count. */
	q.q = "tieng viet 5 nguyen minh thuyet tieng viet zzzz";
	CHECK_INT(catalog_search(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 2);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(8192);
	RUN(test_setup);
	RUN(test_table);
	RUN(test_walk_pages);
	RUN(test_filters);
	RUN(test_refusals);
	arena_free(A);
	testdb_close(db);
	return check_summary("search");
}
