/* test_classify.c: the classification schemes (search, ranking, ancestors), the folded captions
 * migration 0005 stores, and the call-number builder with every author-mark rule, on the
 * backend $THUVIEN_TEST_DB names. */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "base/buf.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "catalog/classify.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t staff = { .account_id = 1, .role = ROLE_LIBRARIAN };
static actor_t reader = { .account_id = 2, .role = ROLE_READER };

/* The numbers a search returns, joined by spaces (at most the first max). */
static const char *search(const char *scheme, const char *q, int limit, size_t max)
{
	class_entry_t *v;
	size_t n = 0;
	err_t err = { 0 };
	int rc = classify_search(db, &staff, scheme, q, "vi", limit, A, &v, &n, &err);
	if (rc < 0)
		return arena_printf(A, "error %d %s", rc, err.key ? err.key : "");
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n && i < max; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i].number);
	const char *r = arena_strdup(A, buf_str(&b));
	buf_release(&b);
	return r;
}

/* Is number among the first max hits of q? */
static bool finds(const char *scheme, const char *q, const char *number, size_t max)
{
	const char *s = arena_printf(A, " %s ", search(scheme, q, 500, max));
	return strstr(s, arena_printf(A, " %s ", number)) != NULL;
}

static void test_data(void)
{
	err_t err;
	int64_t n = 0;
	CHECK_INT(db_query_int(db, &n, &err,
	                       "SELECT COUNT(*) FROM class_numbers WHERE scheme = 'DDC' AND depth = 1", ""),
	          0);
	CHECK_INT(n, 10); /* the main classes */
	CHECK_INT(
	    db_query_int(db, &n, &err,
	                 "SELECT COUNT(*) FROM class_numbers WHERE scheme = 'DDC' AND LENGTH(number) = 3 AND "
	                 "number LIKE '__0'",
	                 ""),
	    0);
	CHECK_INT(n, 99); /* the divisions: all but 040, unassigned */
	CHECK_INT(db_query_int(
	              db, &n, &err,
	              "SELECT COUNT(*) FROM class_numbers WHERE scheme = 'DDC' AND LENGTH(number) = 3", ""),
	          0);
	CHECK_INT(n, 905); /* DDC 23's assigned sections */
	/* Unassigned sections are left out. */
	CHECK_INT(db_query_int(db, &n, &err,
	                       "SELECT COUNT(*) FROM class_numbers WHERE scheme = 'DDC' AND number IN "
	                       "('007', '040', '104', '517', '654', '921', '991')",
	                       ""),
	          0);
	CHECK_INT(n, 0);
	/* Every stored fold is what text_fold makes of the captions, byte for byte. */
	db_stmt_t *st =
	    db_query(db, &err, "SELECT number, caption_vi, caption_en, caption_fold FROM class_numbers", "");
	int rows = 0, bad = 0;
	while (st && db_step(st, &err) == DB_ROW) {
		const char *want =
		    text_fold(A, arena_printf(A, "%s %s", db_col_text(st, 1), db_col_text(st, 2)));
		if (!want || strcmp(want, db_col_text(st, 3)) != 0) {
			if (bad++ < 3)
				fprintf(stderr, "  fold of %s: \"%s\"\n", db_col_text(st, 0),
				        db_col_text(st, 3));
		}
		rows++;
	}
	db_done(st);
	CHECK(rows > 1000);
	CHECK_INT(bad, 0);
}

static void test_fold_refill(void)
{
	/* A row a deployment corrects, with its fold emptied, is folded again by the next migrate. */
	err_t err;
	CHECK_INT(
	    db_exec(
	        db, &err,
	        "UPDATE class_numbers SET caption_vi = 'Vật lý học', caption_fold = '' WHERE scheme = 'VN19' "
	        "AND number = '53'",
	        ""),
	    1);
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO class_numbers (scheme, number, caption_vi, caption_en, depth) VALUES "
	                  "('VN19', '53(076)', 'Bài tập Vật lý', 'Physics exercises', 3)",
	                  ""),
	          1);
	CHECK_INT(db_migrate(db, NULL, &err), 0);
	int64_t n = 0;
	CHECK_INT(
	    db_query_int(db, &n, &err,
	                 "SELECT COUNT(*) FROM class_numbers WHERE scheme = 'VN19' AND ((number = '53' AND "
	                 "caption_fold = 'vat ly hoc physics') OR (number = '53(076)' AND caption_fold = "
	                 "'bai tap vat ly physics exercises'))",
	                 ""),
	    0);
	CHECK_INT(n, 2);
	CHECK(finds("VN19", "bai tap vat ly", "53(076)", 1));
}

static void test_search(void)
{
	/* Words without marks: both Physics numbers of both schemes. */
	CHECK(finds("DDC", "vat ly", "530", 3));
	CHECK(finds("VN19", "vat ly", "53", 3));
	CHECK(finds("VN19", "Vật lý", "53", 3));
	CHECK_STR(search("DDC", "vat ly", 1, 1), "530"); /* the caption that is the query comes first */
	/* A number's beginning: Vietnamese literature, in order, the exact one first. */
	CHECK_STR(search("DDC", "895.92", 50, 4), "895.92 895.922 895.9221 895.9222");
	CHECK(finds("DDC", "895.92", "895.9223", 20));
	CHECK(finds("DDC", "895.92", "895.9228", 20));
	CHECK_STR(search("DDC", "530", 50, 1), "530");
	/* Captions: "lich su viet nam" finds 959.7 first; "dai" finds "Đại số" (đ folds to d). */
	CHECK_STR(search("DDC", "lich su viet nam", 50, 1), "959.7");
	CHECK(finds("DDC", "LỊCH SỬ việt nam", "959.7044", 20));
	CHECK(finds("DDC", "dai so", "512", 1));
	CHECK(finds("DDC", "truyen co tich viet nam", "398.209597", 1));
	CHECK(finds("DDC", "physics", "530", 1)); /* English captions too */
	/* Every word must begin a word: "ly" alone is not "vat ly" but "ly" begins "lý". */
	CHECK(!finds("DDC", "at ly", "530", 500));
	/* NFD input is the same query. */
	CHECK(finds("DDC", "Va\xcc\xa3\xcc\x82t ly\xcc\x81", "530", 3));
	/* VN19 marks: case, parentheses. */
	CHECK_STR(search("VN19", "3k", 50, 1), "3K");
	CHECK_STR(search("VN19", "8(V)", 50, 1), "8(V)");
	CHECK(finds("VN19", "sach giao khoa", "(075)", 1));
	/* VN19's main classes, without the auxiliary marks, which "(" lists. */
	CHECK_STR(search("VN19", "", 500, 100), "0 1 2 3 4 5 6 7 8 9 Z");
	CHECK_STR(search("VN19", "(", 500, 100), "(03) (07) (075) (076) (N) (V)");
	/* The scheme is a parameter; default from the settings (DDC); unknown ones refused. */
	CHECK(finds(NULL, "vat ly", "530", 3));
	CHECK(finds("ddc", "vat ly", "530", 3));
	CHECK_STR(search("UDC", "vat ly", 50, 5), "error -1 err.classify.scheme");
	CHECK_STR(search("", "", 500, 20), "000 100 200 300 400 500 600 700 800 900"); /* main classes */
	CHECK_STR(search("DDC", "khong co chu nay", 50, 5), "");
	CHECK_STR(search("DDC", "%", 50, 5), "");
	CHECK_STR(search("DDC", "_", 50, 5), "");
	/* Limits and bad input. */
	CHECK_STR(search("DDC", "5", 5, 100), "500 501 502 503 505");
	char big[CLASSIFY_QUERY_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CHECK_STR(search("DDC", big, 50, 5), "error -1 err.classify.query");
	CHECK_STR(search("DDC", "v\xc3\x28", 50, 5), "error -1 err.utf8");
	class_entry_t *v;
	size_t n;
	err_t err;
	CHECK_INT(classify_search(db, &reader, "DDC", "vat ly", "vi", 10, A, &v, &n, &err), ERR_FORBIDDEN);
	CHECK_INT(classify_search(db, NULL, "DDC", "vat ly", "vi", 10, A, &v, &n, &err), ERR_FORBIDDEN);
	/* Captions in the language asked for. */
	CHECK_INT(classify_search(db, &staff, "DDC", "530", "en", 1, A, &v, &n, &err), 0);
	CHECK(n == 1 && strcmp(v[0].caption, "Physics") == 0 && strcmp(v[0].caption_vi, "Vật lý") == 0);
}

static const char *path(const char *scheme, const char *number)
{
	class_entry_t *v;
	size_t n = 0;
	err_t err;
	if (classify_ancestors(db, scheme, number, "vi", A, &v, &n, &err) < 0)
		return "error";
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " > " : "", v[i].number);
	const char *r = arena_strdup(A, buf_str(&b));
	buf_release(&b);
	return r;
}

static void test_ancestors(void)
{
	CHECK_STR(path("DDC", "895.9223"), "800 > 890 > 895 > 895.9 > 895.92 > 895.922");
	CHECK_STR(path("DDC", "959.7044"), "900 > 950 > 959 > 959.7 > 959.704");
	CHECK_STR(path("DDC", "531"), "500 > 530");
	CHECK_STR(path("DDC", "530"), "500");
	CHECK_STR(path("DDC", "500"), "");
	CHECK_STR(path("DDC", "372.21"), "300 > 370 > 372");
	CHECK_STR(path("DDC", "531.113"), "500 > 530 > 531"); /* not in the table: its ancestors are */
	CHECK_STR(path("VN19", "53(075)"), "5 > 53");
	CHECK_STR(path("VN19", "8(V)1"), "8 > 8(V)");
	CHECK_STR(path("VN19", "3K5H"), "3 > 3K");
	CHECK_STR(path("VN19", "(075)"), "");
	CHECK_STR(path("DDC", ""), "");
	class_entry_t e;
	err_t err;
	CHECK_INT(classify_get(db, "DDC", "959.7", "vi", A, &e, &err), 0);
	CHECK_STR(e.caption, "Lịch sử Việt Nam");
	CHECK_INT(e.depth, 4);
	CHECK_INT(classify_get(db, "DDC", "007", "vi", A, &e, &err), ERR_NOTFOUND);
}

/* The author mark with a rule given as (letters, part, keep marks). */
static const char *mark(int letters, classify_part_t part, bool keep, const char *authors, const char *title)
{
	classify_rule_t r = { .letters = letters, .part = part, .keep_marks = keep };
	return classify_author_mark(A, &r, authors, title);
}

static void test_author_marks(void)
{
	/* The default: 3 letters of the surname (the first word of a Vietnamese name), upper case,
	 * marks kept. */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Nguyễn Nhật Ánh", NULL), "NGU");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Trần Đăng Khoa", NULL), "TRẦ");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, false, "Trần Đăng Khoa", NULL), "TRA");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Đỗ Đình Hoan", NULL), "ĐỖ"); /* a two-letter surname */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, false, "Đỗ Đình Hoan", NULL), "DO");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "đoàn giỏi", NULL), "ĐOÀ");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Ư", NULL), "Ư"); /* a one-letter name */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, false, "Ư", NULL), "U");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Ngô Tất Tố; Nam Cao", NULL), "NGÔ"); /* the first author */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "  ; Nam Cao", "Chí Phèo"), "CHÍ"); /* empty first author */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Carnegie, Dale", NULL),
	          "CAR"); /* inverted: before the comma */
	/* NFD input gives the NFC mark. */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Tra\xcc\x82\xcc\x80n Du", NULL), "TRẦ");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "D\xcc\x9b\xcc\x83 A", NULL),
	          "D\xcc\x9b\xcc\x83"); /* D + marks */
	/* Given name: the last word; the word after the comma of an inverted name. */
	CHECK_STR(mark(3, CLASSIFY_GIVEN, true, "Nguyễn Nhật Ánh", NULL), "ÁNH");
	CHECK_STR(mark(3, CLASSIFY_GIVEN, false, "Nguyễn Nhật Ánh", NULL), "ANH");
	CHECK_STR(mark(3, CLASSIFY_GIVEN, true, "Carnegie, Dale", NULL), "DAL");
	CHECK_STR(mark(3, CLASSIFY_GIVEN, true, "Tô Hoài", NULL), "HOÀ");
	/* Full: the letters of the whole name, words run together. */
	CHECK_STR(mark(8, CLASSIFY_FULL, true, "Tô Hoài", NULL), "TÔHOÀI");
	CHECK_STR(mark(5, CLASSIFY_FULL, false, "Đỗ Đình Hoan", NULL), "DODIN");
	CHECK_STR(mark(1, CLASSIFY_SURNAME, true, "Nguyễn Du", NULL), "N");
	/* Punctuation and digits: "Ng.T.Hà" keeps letters only; titles may start with digits. */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Ng.T.Hà", NULL), "NGT");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "", "100 bài toán hay"), "100");
	/* Without an author: the first word of the title, whatever the part rule. */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "", "Truyện Kiều"), "TRU");
	CHECK_STR(mark(3, CLASSIFY_GIVEN, true, NULL, "Dế Mèn phiêu lưu ký"), "DẾ");
	CHECK_STR(mark(3, CLASSIFY_FULL, true, NULL, "Ai, và ai"), "AI");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, NULL, NULL), "");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "", ""), "");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "--- ...", NULL), "");
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "\xc3\x28", "Toán"),
	          "TOÁ"); /* bad UTF-8 author: the title */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, NULL, "\xff"), "");
	/* Other scripts upper-case too. */
	CHECK_STR(mark(3, CLASSIFY_SURNAME, true, "Толстой, Лев", NULL), "ТОЛ");
}

static void test_call_numbers(void)
{
	classify_rule_t r = { .letters = 3, .part = CLASSIFY_SURNAME, .keep_marks = true, .year = false };
	CHECK_STR(classify_call_number(A, &r, "895.9223", "Nguyễn Nhật Ánh", "Mắt biếc", 2019),
	          "895.9223 NGU");
	r.year = true;
	CHECK_STR(classify_call_number(A, &r, "895.9223", "Nguyễn Nhật Ánh", "Mắt biếc", 2019),
	          "895.9223 NGU 2019");
	CHECK_STR(classify_call_number(A, &r, "895.9223", "Nguyễn Nhật Ánh", "Mắt biếc", 0), "895.9223 NGU");
	CHECK_STR(classify_call_number(A, &r, " 53(075) ", "", "Vật lý 8", 2020), "53(075) VẬT 2020");
	CHECK_STR(classify_call_number(A, &r, "", "", "", 2020), "2020");
	r.year = false;
	CHECK_STR(classify_call_number(A, &r, "", "Tô Hoài", NULL, 0), "TÔ");
	CHECK_STR(classify_call_number(A, &r, NULL, NULL, NULL, 0), "");
	CHECK_STR(classify_call_number(A, &r, "372.6", NULL, NULL, 0), "372.6");
	/* Never longer than the catalogue's column, and never a split character. */
	char cls[60];
	memset(cls, '9', 48);
	cls[48] = 0;
	const char *c = classify_call_number(A, &r, cls, "Ứng Văn", NULL, 0);
	CHECK(strlen(c) <= 50 && text_valid_utf8(c, strlen(c)));
	CHECK_INT(strlen(c), 49); /* "99...9 " + "Ứ" would be 51 bytes: the Ứ goes */
	/* The deployment's rule, from the settings. */
	classify_rule_t d;
	classify_rule_config(&d);
	CHECK(d.letters == 3 && d.part == CLASSIFY_SURNAME && d.keep_marks && !d.year);
	CHECK_STR(classify_call_number(A, NULL, "895.922", "Nguyễn Du", NULL, 1820), "895.922 NGU");
	err_t err;
	CHECK_INT(config_set("author_mark_part", "given", &err), 0);
	CHECK_INT(config_set("author_mark_diacritics", "strip", &err), 0);
	CHECK_INT(config_set("author_mark_letters", "2", &err), 0);
	CHECK_INT(config_set("call_number_year", "1", &err), 0);
	CHECK_STR(classify_call_number(A, NULL, "895.9223", "Nguyễn Nhật Ánh", NULL, 2019),
	          "895.9223 AN 2019");
	CHECK_INT(config_set("author_mark_part", "middle", &err), ERR_INVALID);
	CHECK_INT(config_set("author_mark_diacritics", "yes", &err), ERR_INVALID);
	CHECK_INT(config_set("author_mark_letters", "0", &err), ERR_INVALID);
	CHECK_INT(config_set("author_mark_letters", "11", &err), ERR_INVALID);
	CHECK_INT(config_set("class_scheme", "", &err), ERR_INVALID);
	CHECK_STR(g_config.author_mark_part, "given"); /* refusals change nothing */
	config_defaults();
	CHECK_STR(classify_call_number(A, NULL, "895.9223", "Nguyễn Nhật Ánh", NULL, 2019), "895.9223 NGU");
	/* The default scheme comes from the settings too. */
	CHECK_INT(config_set("class_scheme", "VN19", &err), 0);
	CHECK(finds(NULL, "3k", "3K", 1));
	config_defaults();
}

/* catalog_biblio_create stores the built call number when none was typed, and only then. */
static void test_catalogue_uses_the_builder(void)
{
	err_t err;
	int64_t sgd = 0, th = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = {
		.parent_id = sgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u1, &th, &err), 0);
	account_new_t in = {
		.unit_id = th, .username = "thuthu.th001", .role = "librarian", .password = "mat-khau-dai-du"
	};
	CHECK_INT(accounts_create(db, NULL, &in, NULL, NULL, &err), 0);
	actor_t lib = { 0 };
	session_t sess;
	CHECK_INT(auth_login(db, "thuthu.th001", "mat-khau-dai-du", NULL, &lib, &sess, &err), 0);
	struct {
		const char *title, *authors, *class_number, *call_number, *want;
	} cases[] = {
		{ "Mắt biếc", "Nguyễn Nhật Ánh", "895.9223", "", "895.9223 NGU" },
		{ "Cho tôi xin một vé đi tuổi thơ", "Nguyễn Nhật Ánh", "895.9223", "895.9223 NG-A",
		  "895.9223 NG-A" },
		{ "Tiếng Việt 1", "", "372.6", NULL, "372.6 TIẾ" },
		{ "Đất rừng phương Nam", "Đoàn Giỏi", "", "", "" }, /* no class number: none */
		{ "Vật lý 8", "Vũ Quang", " 53(075) ", "", "53(075) VŨ" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		biblio_t b = { .title = cases[i].title,
			       .authors = cases[i].authors,
			       .doc_type = "STK",
			       .class_number = cases[i].class_number,
			       .call_number = cases[i].call_number,
			       .year = 2019 };
		int64_t id = 0;
		CHECK_INT(catalog_biblio_create(db, &lib, &b, true, &id, NULL, &err), 0);
		biblio_t got;
		CHECK_INT(catalog_biblio_get(db, &lib, id, A, &got, &err), 0);
		CHECK_STR(got.call_number, cases[i].want);
	}
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_data);
	RUN(test_search);
	RUN(test_ancestors);
	RUN(test_author_marks);
	RUN(test_call_numbers);
	RUN(test_fold_refill);
	RUN(test_catalogue_uses_the_builder);
	arena_free(A);
	testdb_close(db);
	return check_summary("classify");
}
