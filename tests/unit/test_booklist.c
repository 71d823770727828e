/* test_booklist.c: CSV book lists (src/catalog/booklist.c): prices as schools write them,
 * RFC 4180 quoting, Vietnamese and English headers, separators, BOM, encodings, row-level
 * problems with their lines; then preview and all-or-nothing commit on the backend
 * $THUVIEN_TEST_DB names, and the real Tiki list of ../shared/data/vn (1,751 rows, some not NFC). */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/buf.h"
#include "base/text.h"
#include "catalog/booklist.h"
#include "catalog/catalog.h"
#include "units/units.h"

#define TIKI "../shared/data/vn/tiki-book_data.csv"

static db_t *db;
static arena_t *A;
static actor_t lib[2];

static int64_t count(const char *sql, int64_t unit)
{
	int64_t n = -1;
	err_t err;
	if (db_query_int(db, &n, &err, sql, "i", unit) < 0)
		fprintf(stderr, "  count: %s\n", err.detail);
	return n;
}

static int64_t nbib(int s)
{
	return count("SELECT COUNT(*) FROM biblios WHERE unit_id = ?", lib[s].unit_id);
}
static int64_t nitem(int s)
{
	return count("SELECT COUNT(*) FROM items WHERE unit_id = ?", lib[s].unit_id);
}
static int64_t nacq(int s)
{
	return count("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ?", lib[s].unit_id);
}

static int readcsv(const char *s, booklist_t *l, err_t *err)
{
	return booklist_read_buf(s, strlen(s), A, l, err);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	for (int i = 0; i < 2; i++) {
		char code[16], user[32];
		int64_t uid = 0, aid = 0;
		unit_t u;
		snprintf(code, sizeof code, "TH%03d", i + 1);
		snprintf(user, sizeof user, "thuthu.th%03d", i + 1);
		unit_new_t in = { .parent_id = sgd,
			          .code = code,
			          .name = "Trường",
			          .kind = "school",
			          .school_level = "th" };
		CHECK_INT(units_create(db, NULL, &in, &uid, &err), 0);
		account_new_t acc = {
			.unit_id = uid, .username = user, .role = "librarian", .password = "mat-khau-dai-du"
		};
		CHECK_INT(accounts_create(db, NULL, &acc, NULL, &aid, &err), 0);
		CHECK_INT(units_get_by_code(db, code, A, &u, &err), 0);
		lib[i] = (actor_t){ .account_id = aid, .unit_id = uid, .role = ROLE_LIBRARIAN };
		snprintf(lib[i].username, sizeof lib[i].username, "%s", user);
		snprintf(lib[i].unit_kind, sizeof lib[i].unit_kind, "school");
		snprintf(lib[i].unit_path, sizeof lib[i].unit_path, "%s", u.path);
	}
}

static void test_prices(void)
{
	static const struct {
		const char *in;
		int64_t want; /* -1: refused */
	} t[] = {
		{ "25000", 25000 },
		{ "25.000", 25000 },
		{ "25,000", 25000 },
		{ "25,000 đ", 25000 },
		{ "25.000đ", 25000 },
		{ "25.000 VNĐ", 25000 },
		{ "25000 vnd", 25000 },
		{ "25 000", 25000 },
		{ "1.250.000", 1250000 },
		{ "25.000,00", 25000 },
		{ "25000.00", 25000 },
		{ "25000.0", 25000 },
		{ "", 0 },
		{ "  ", 0 },
		{ "0", 0 },
		{ "₫", -1 },
		{ "25.5", -1 },
		{ "25,50", -1 },
		{ "abc", -1 },
		{ "-25000", -1 },
		{ "25..000", -1 },
		{ "2.50.000", -1 },
		{ "25000.000", -1 },
		{ "1.000,000", -1 },
		{ "12e3", -1 },
		{ "25.000 $", -1 },
		{ "999999999999999999999", -1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = -7;
		err_t err;
		int rc = booklist_parse_price(t[i].in, &v, &err);
		if ((t[i].want < 0) != (rc < 0) || (rc == 0 && v != t[i].want)) {
			fprintf(stderr, "  price \"%s\": rc %d, %lld\n", t[i].in, rc, (long long)v);
			CHECK(0);
		}
		if (rc < 0)
			CHECK_STR(err.key, "err.booklist.price");
	}
}

static void test_headers_and_separators(void)
{
	booklist_t l;
	err_t err;
	/* Vietnamese headers, ';', BOM, CRLF, other columns ignored. */
	CHECK_INT(readcsv("\xEF\xBB\xBFSTT;Tên sách;Tác giả;NXB;Năm;ISBN;Giá tiền;SL\r\n"
	                  "1;Tiếng Việt 1;Bộ GD&ĐT;Giáo dục;2020;978-604-0-00000-2;25.000 đ;3\r\n"
	                  "2;Toán 1, tập 2;;Giáo dục;;;;\r\n",
	                  &l, &err),
	          0);
	CHECK_INT(l.sep, ';');
	CHECK_INT(l.nread, 2);
	CHECK_INT(l.nrows, 2);
	CHECK_INT(l.nproblems, 0);
	CHECK_INT(l.nignored, 1);
	if (l.nrows == 2) {
		CHECK_STR(l.rows[0].bib.title, "Tiếng Việt 1");
		CHECK_STR(l.rows[0].bib.authors, "Bộ GD&ĐT");
		CHECK_STR(l.rows[0].bib.publisher, "Giáo dục");
		CHECK_INT(l.rows[0].bib.year, 2020);
		CHECK_STR(l.rows[0].bib.isbn, "9786040000002");
		CHECK_INT(l.rows[0].bib.price, 25000);
		CHECK_INT(l.rows[0].copies, 3);
		CHECK_INT(l.rows[0].line, 2);
		CHECK_STR(l.rows[1].bib.title, "Toán 1, tập 2");
		CHECK_INT(l.rows[1].copies, 0);
		CHECK_INT(l.rows[1].line, 3);
	}
	/* Other spellings: "Nhan đề", "Nhà xuất bản", "Năm xuất bản", "Giá", "Số bản", any case. */
	CHECK_INT(readcsv("NHAN ĐỀ,tác giả,Nhà Xuất Bản,năm xuất bản,isbn,GIÁ,Số bản\nA,B,C,1999,,12000,1\n",
	                  &l, &err),
	          0);
	CHECK_INT(l.sep, ',');
	CHECK_INT(l.nrows, 1);
	CHECK_INT(l.nignored, 0);
	/* English headers. */
	CHECK_INT(readcsv("title,author,publisher,year,isbn,price,copies\nA,B,C,1999,,12000,1\n", &l, &err),
	          0);
	CHECK_INT(l.nrows, 1);
	/* A header without a title column is refused as a whole. */
	CHECK_INT(readcsv("Tác giả,NXB\nB,C\n", &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.title");
	CHECK_INT(readcsv("", &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.empty");
	CHECK_INT(readcsv("\n\n  \n", &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.empty");
	/* Only a header: no rows, fine. */
	CHECK_INT(readcsv("Nhan đề\n", &l, &err), 0);
	CHECK_INT(l.nread, 0);
}

static void test_quoting(void)
{
	booklist_t l;
	err_t err;
	/* Quoted separators, doubled quotes, a line break inside a field, empty lines between rows. */
	CHECK_INT(readcsv("Nhan đề,Tác giả,Giá\n"
	                  "\"Dế Mèn, phiêu lưu ký\",Tô Hoài,\"30,000\"\n"
	                  "\n"
	                  "\"Sách \"\"hay\"\"\",\"Nguyễn A\nTrần B\",\n"
	                  ",,\n"
	                  "Cuối,,\n",
	                  &l, &err),
	          0);
	CHECK_INT(l.nread, 3);
	CHECK_INT(l.nrows, 3);
	if (l.nrows == 3) {
		CHECK_STR(l.rows[0].bib.title, "Dế Mèn, phiêu lưu ký");
		CHECK_INT(l.rows[0].bib.price, 30000);
		CHECK_STR(l.rows[1].bib.title, "Sách \"hay\"");
		CHECK_STR(l.rows[1].bib.authors, "Nguyễn A\nTrần B");
		CHECK_INT(l.rows[1].line, 4);
		CHECK_INT(l.rows[2].line, 7); /* the quoted line break and the blank lines count */
	}
	/* A quote never closed: the rest of the file would be one field. */
	CHECK_INT(readcsv("Nhan đề,Tác giả\n\"Mở mà không đóng,X\nY,Z\n", &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.quote");
	/* Text after a closing quote rejects that row only. */
	CHECK_INT(readcsv("Nhan đề,Tác giả\n\"A\"b,X\nC,D\n", &l, &err), 0);
	CHECK_INT(l.nrows, 1);
	CHECK_INT(l.nproblems, 1);
	if (l.nproblems == 1) {
		CHECK_STR(l.problems[0].key, "err.booklist.quote_text");
		CHECK_INT(l.problems[0].line, 2);
	}
	/* Semicolons win when the header has more of them, even with commas in a title. */
	CHECK_INT(readcsv("Tên sách;Tác giả\nA, B;C\n", &l, &err), 0);
	CHECK_INT(l.sep, ';');
	if (l.nrows == 1)
		CHECK_STR(l.rows[0].bib.title, "A, B");
}

static void test_row_problems(void)
{
	booklist_t l;
	err_t err;
	char longt[700];
	memset(longt, 'x', 600);
	longt[600] = 0;
	char *csv = arena_printf(A,
	                         "Nhan đề,Tác giả,Năm,ISBN,Giá,SL\n"
	                         "Tốt,A,2001,,1000,1\n"
	                         ",A,2001,,1000,1\n"                          /* 3: no title */
	                         "Năm sai,A,20x1,,1000,1\n"                   /* 4: year */
	                         "Năm xa,A,1200,,1000,1\n"                    /* 5: year range */
	                         "Giá sai,A,2001,,12.5,1\n"                   /* 6: price */
	                         "SL sai,A,2001,,1000,0\n"                    /* 7: copies */
	                         "SL chữ,A,2001,,1000,hai\n"                  /* 8: copies */
	                         "ISBN sai,A,2001,978-0-00-000000-1,1000,1\n" /* 9: isbn */
	                         "%s,A,2001,,1000,1\n"                        /* 10: too long */
	                         "Thiếu cột\n"                                /* 11: missing columns: fine */
	                         "Tốt nữa,B,2002,0306406152,\"1.000\",2\n",
	                         longt);
	CHECK_INT(readcsv(csv, &l, &err), 0);
	CHECK_INT(l.nread, 11);
	CHECK_INT(l.nrows, 3);
	CHECK_INT(l.nproblems, 8);
	static const struct {
		int64_t line;
		const char *key;
	} want[] = { { 3, "err.booklist.no_title" },
		     { 4, "err.booklist.year" },
		     { 5, "err.booklist.year" },
		     { 6, "err.booklist.price" },
		     { 7, "err.booklist.copies" },
		     { 8, "err.booklist.copies" },
		     { 9, "err.isbn" },
		     { 10, "err.booklist.too_long" } };
	for (size_t i = 0; i < l.nproblems && i < 8; i++) {
		CHECK_INT(l.problems[i].line, want[i].line);
		CHECK_STR(l.problems[i].key, want[i].key);
	}
	if (l.nrows == 3) {
		CHECK_STR(l.rows[1].bib.title, "Thiếu cột");
		CHECK_INT(l.rows[1].line, 11);
		CHECK_STR(l.rows[2].bib.isbn, "9780306406157");
		CHECK_INT(l.rows[2].bib.price, 1000);
	}
}

static void test_encodings(void)
{
	booklist_t l;
	err_t err;
	/* Windows-1258 / Latin-1 bytes: refused with the line. */
	CHECK_INT(readcsv("Nhan de,Tac gia\nS\xe1\xbb\x9b,A\nTi\xc3\xaa\xcc\x81ng,B\n", &l, &err),
	          0); /* valid UTF-8 */
	CHECK_INT(readcsv("Nhan de,Tac gia\nOK,A\nCaf\xe9,B\n", &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.utf8");
	CHECK(strstr(err.detail, "line 3") != NULL);
	/* UTF-16 (with its BOM) is not UTF-8 either. */
	static const char u16[] = "\xff\xfeN\0h\0";
	CHECK_INT(booklist_read_buf(u16, sizeof u16 - 1, A, &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.booklist.utf8");
	/* NFD text comes out NFC. */
	CHECK_INT(readcsv("Nhan đề,Tác giả\nTie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t,A\n", &l, &err), 0);
	if (l.nrows == 1)
		CHECK_STR(l.rows[0].bib.title, "Tiếng Việt");
}

static void test_preview_and_commit(void)
{
	booklist_t l;
	booklist_result_t res;
	err_t err;
	const char *csv = "Nhan đề,Tác giả,Năm,ISBN,Giá,SL\n"
	                  "Sách một,A,2001,,1000,2\n"
	                  "Sách hai,B,2002,978-0-306-40615-7,\"2.000\",\n"
	                  "sách MỘT,a,2001,,1000,1\n" /* the same as the first, folded */
	                  "Giá sai,A,2001,,12.5,1\n";
	CHECK_INT(readcsv(csv, &l, &err), 0);
	CHECK_INT(l.nrows, 3);
	CHECK_INT(booklist_preview(db, &lib[0], &l, &err), 0);
	CHECK_INT(l.nduplicates, 1);
	/* Not a librarian. */
	actor_t leader = lib[0];
	leader.role = ROLE_LEADER;
	CHECK_INT(booklist_preview(db, &leader, &l, &err), ERR_FORBIDDEN);
	CHECK_INT(booklist_commit(db, &leader, &l, NULL, &res, &err), ERR_FORBIDDEN);
	/* An unknown document type fails the batch before any row: nothing at all is written. */
	int64_t b0 = nbib(0), i0 = nitem(0), a0 = nacq(0);
	booklist_opts_t bad = { .doc_type = "NOPE" };
	CHECK_INT(booklist_commit(db, &lib[0], &l, &bad, &res, &err), ERR_INVALID);
	CHECK_INT(res.failed_pos, 0);
	CHECK_INT(res.imported, 0);
	CHECK_INT(nbib(0), b0);
	CHECK_INT(nitem(0), i0);
	CHECK_INT(nacq(0), a0);
	/* The commit: two records, 2 + 3 copies (the default for the row without SL), one batch. */
	booklist_opts_t o = { .doc_type = "STK", .copies = 3, .source = "gift" };
	CHECK_INT(booklist_commit(db, &lib[0], &l, &o, &res, &err), 0);
	CHECK_INT(res.imported, 2);
	CHECK_INT(res.duplicates, 1);
	CHECK_INT(res.copies, 5);
	CHECK(res.acquisition_id > 0);
	CHECK_INT(nbib(0), b0 + 2);
	CHECK_INT(nitem(0), i0 + 5);
	CHECK_INT(nacq(0), a0 + 1);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE unit_id = ? AND price = 2000", lib[0].unit_id), 3);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND source = 'gift'", lib[0].unit_id),
	    1);
	/* Again: every row is now a duplicate; nothing written, no empty batch. */
	CHECK_INT(booklist_preview(db, &lib[0], &l, &err), 0);
	CHECK_INT(l.nduplicates, 3);
	CHECK_INT(booklist_commit(db, &lib[0], &l, &o, &res, &err), 0);
	CHECK_INT(res.imported, 0);
	CHECK_INT(res.duplicates, 3);
	CHECK_INT(res.acquisition_id, 0);
	CHECK_INT(nacq(0), a0 + 1);
	/* The other school has none of it. */
	CHECK_INT(nbib(1), 0);
}

/* The real list: Tiki's export with its headers mapped to a school's (title -> Tên sách,
 * authors -> Tác giả, original_price -> Giá, manufacturer -> NXB). */
static void test_tiki(void)
{
	FILE *f = fopen(TIKI, "rb");
	if (!f) {
		printf("  skipped: %s not found\n", TIKI);
		return;
	}
	buf_t b = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	const char *data = buf_str(&b);
	const char *nl = strchr(data, '\n');
	CHECK(nl != NULL);
	if (!nl) {
		buf_release(&b);
		return;
	}
	CHECK(strncmp(data, "title,authors,original_price,", 29) == 0);
	buf_t csv = BUF_INIT;
	buf_puts(
	    &csv,
	    "Tên sách,Tác giả,Giá,current_price,quantity,catagory,n_review,avg_rating,pages,NXB,cover_link");
	buf_append(&csv, nl, b.len - (size_t)(nl - data));
	buf_release(&b);
	/* The file is not all NFC (so the check below means something). */
	CHECK(strcmp(text_nfc(A, buf_str(&csv)), buf_str(&csv)) != 0);
	booklist_t l;
	err_t err;
	CHECK_INT(booklist_read_buf(buf_str(&csv), csv.len, A, &l, &err), 0);
	CHECK_INT(l.nread, 1751);
	CHECK_INT(l.nproblems, 0);
	CHECK_INT(l.nrows, 1751);
	CHECK_INT(l.nignored, 7);
	buf_release(&csv);
	CHECK_INT(booklist_preview(db, &lib[1], &l, &err), 0);
	int64_t dups = l.nduplicates;
	CHECK(dups > 0 && dups < 100);
	booklist_result_t res;
	booklist_opts_t o = { .doc_type = "STK" };
	int rc = booklist_commit(db, &lib[1], &l, &o, &res, &err);
	if (rc < 0)
		fprintf(stderr, "  commit: %s %s at line %lld\n", err.key, err.detail,
		        (long long)res.failed_pos);
	CHECK_INT(rc, 0);
	CHECK_INT(res.imported + res.duplicates, 1751);
	CHECK_INT(res.duplicates, dups);
	CHECK_INT(nbib(1), res.imported);
	CHECK_INT(nitem(1), res.imported);
	/* Everything stored is NFC. */
	db_stmt_t *st = db_query(db, &err, "SELECT title, authors, publisher FROM biblios WHERE unit_id = ?",
	                         "i", lib[1].unit_id);
	CHECK(st != NULL);
	int rows = 0, bad = 0;
	while (st && db_step(st, &err) == DB_ROW) {
		rows++;
		for (int c = 0; c < 3; c++) {
			const char *t = db_col_text(st, c);
			if (t && strcmp(text_nfc(A, t), t) != 0)
				bad++;
		}
	}
	if (st)
		db_done(st);
	CHECK_INT(rows, res.imported);
	CHECK_INT(bad, 0);
	/* A title the file has in decomposed form is found by its composed form. */
	int64_t k = count("SELECT COUNT(*) FROM biblios WHERE unit_id = ? AND title = 'Cây Cam Ngọt Của Tôi'",
	                  lib[1].unit_id);
	CHECK(k >= 1);
	/* Prices: 108000 for that book. */
	CHECK(count("SELECT COUNT(*) FROM biblios WHERE unit_id = ? AND price = 108000", lib[1].unit_id) >=
	      1);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 20);
	RUN(test_setup);
	RUN(test_prices);
	RUN(test_headers_and_separators);
	RUN(test_quoting);
	RUN(test_row_problems);
	RUN(test_encodings);
	RUN(test_preview_and_commit);
	RUN(test_tiki);
	arena_free(A);
	testdb_close(db);
	return check_summary("booklist");
}
