/* test_weeding.c: withdrawal batches (src/weeding/) on the database under test: who may do what,
 * adding copies by scan, by search and by rule (and the refusals: on loan, withdrawn, in another
 * open batch, another school's), the states draft -> proposed -> returned/approved, approval that
 * withdraws the copies, numbers part II and releases ready holds, an approval refused with
 * nothing written when a copy went on loan, the public list's 15 days, and the workbook. */
#include <pthread.h>

#include "check.h"
#include "testdb.h"

#include "base/clock.h"
#include "base/xlsx.h"
#include "catalog/catalog.h"
#include "units/units.h"
#include "weeding/weeding.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader1, leader2, office, reader1;
static int64_t th1, th2, TODAY;
static const char *PW = "mat-khau-dai-du";

static actor_t login(const char *u)
{
	return testdb_login(db, u, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = { .parent_id = pgd,
		          .code = "TH001",
		          .name = "Trường Một",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = { .parent_id = sgd,
		          .code = "TH002",
		          .name = "Trường Hai",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },    { "bgh.th001", "leader", th1 },
		{ "bgh.th002", "leader", th2 },       { "bandoc.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	office = login("phong1.cv");
	leader1 = login("bgh.th001");
	leader2 = login("bgh.th002");
	reader1 = login("bandoc.th001");
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader1.account_id &&
	      leader2.account_id && reader1.account_id);
	TODAY = clock_today_vn();
}

/* A record of the actor's school with n copies (n <= 8) in a new batch; their ids in ids. */
static int64_t record(const actor_t *who, const char *title, const char *type, int year, int grade,
                      int64_t price, int n, int64_t *ids)
{
	err_t err;
	int64_t acq = 0, b = 0;
	acquisition_t q = { .source = "purchase" };
	CHECK_INT(catalog_acquisition_create(db, who, &q, &acq, &err), 0);
	biblio_t in = { .doc_type = type,
		        .title = title,
		        .authors = "Tác Giả",
		        .year = year,
		        .grade = grade,
		        .price = price };
	CHECK_INT(catalog_biblio_create(db, who, &in, true, &b, NULL, &err), 0);
	CHECK_INT(catalog_items_add(db, who, b, acq, n, price, ids, &err), 0);
	return b;
}

static const char *barcode_of(int64_t item)
{
	err_t err;
	db_stmt_t *st = db_query(db, &err, "SELECT barcode FROM items WHERE id = ?", "i", item);
	const char *s = st && db_step(st, &err) == DB_ROW ? arena_strdup(A, db_col_text(st, 0)) : "";
	db_done(st);
	return s;
}

static int64_t q_int(const char *sql, int64_t v)
{
	err_t err;
	int64_t out = -1;
	db_query_int(db, &out, &err, sql, "i", v);
	return out;
}

static void sql(const char *s, const char *types, int64_t x, const char *t)
{
	err_t err;
	int rc = !strcmp(types, "i") ? db_exec(db, &err, s, "i", x) : db_exec(db, &err, s, "si", t, x);
	CHECK(rc >= 0);
}

static int64_t patron(int64_t unit, const char *code)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(db_insert_id(
	              db, &id, &err,
	              "INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, "
	              "created_at, updated_at) VALUES (?, ?, 'Bạn Đọc', 'ban doc', 'student', '3A1', 0, 0) "
	              "RETURNING id",
	              "is", unit, code),
	          0);
	return id;
}

static void lend(int64_t item, int64_t pat, const char *out_day)
{
	err_t err;
	CHECK_INT(
	    db_exec(db, &err,
	            "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, "
	            "doc_type, out_at, out_day, due) SELECT i.unit_id, i.id, i.biblio_id, p.id, p.kind, "
	            "p.class_name, b.doc_type, 0, ?, ? FROM items i JOIN biblios b ON b.id = i.biblio_id, "
	            "patrons p WHERE i.id = ? AND p.id = ?",
	            "ssii", out_day, out_day, item, pat),
	    1);
	sql("UPDATE items SET status = 'on_loan' WHERE id = ?", "i", item, NULL);
}

static void give_back(int64_t item)
{
	sql("UPDATE loans SET returned_at = 1 WHERE item_id = ? AND returned_at IS NULL", "i", item, NULL);
	sql("UPDATE items SET status = 'available' WHERE id = ?", "i", item, NULL);
}

static char *day_ago(int years)
{
	char *d = arena_alloc(A, 11);
	int y, m, dd;
	clock_civil_from_days(TODAY, &y, &m, &dd);
	clock_day_format(clock_days_from_civil(y - years, m, dd > 28 ? 28 : dd), d, 11);
	return d;
}

/* --- fixtures --------------------------------------------------------------------------------- */

static int64_t stk[8], sgk_old[4], sgk_new[2], bao_old[2], bao_new[1], theirs[1];
static int64_t pat1, bib_stk, bib_sgk_new;

static void test_data(void)
{
	bib_stk = record(&lib1, "Dế Mèn phiêu lưu ký", "STK", 2010, 0, 30000, 8, stk);
	record(&lib1, "Toán 3 (chương trình cũ)", "SGK", 2015, 3, 12000, 4, sgk_old);
	bib_sgk_new = record(&lib1, "Toán 3 (Kết nối tri thức)", "SGK", 2022, 3, 15000, 2, sgk_new);
	record(&lib1, "Báo Nhi đồng", "BAO", 2020, 0, 5000, 2, bao_old);
	record(&lib1, "Báo Thiếu niên", "BAO", 2025, 0, 5000, 1, bao_new);
	record(&lib2, "Sách mật của trường Hai", "STK", 2012, 0, 99000, 1, theirs);
	for (int k = 0; k < 2; k++)
		sql("UPDATE items SET entered = ? WHERE id = ?", "si", bao_old[k], day_ago(3));
	sql("UPDATE items SET entered = ? WHERE id = ?", "si", bao_new[0], day_ago(1));
	pat1 = patron(th1, "HS0001");
	/* Barcodes are unique per school only: the other school's copy gets one TH001 has not. */
	sql("UPDATE items SET barcode = ? WHERE id = ?", "si", theirs[0], "TH2BIMAT01");
}

/* --- roles ------------------------------------------------------------------------------------ */

static int64_t B1; /* the first batch: scans, search, removal, states */

static void test_create_and_scope(void)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(weeding_create(db, &leader1, "x", "", &id, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_create(db, &office, "x", "", &id, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_create(db, &reader1, "x", "", &id, &err), ERR_FORBIDDEN);
	char longt[400];
	memset(longt, 'a', sizeof longt - 1);
	longt[sizeof longt - 1] = 0;
	CHECK_INT(weeding_create(db, &lib1, longt, "", &id, &err), ERR_INVALID);
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawals WHERE unit_id = ?", th1), 0);
	CHECK_INT(weeding_create(db, &lib1, "  Thanh lọc học kỳ I  ", "Sách hỏng", &B1, &err), 0);
	CHECK(B1 > 0);
	weeding_batch_t b;
	CHECK_INT(weeding_get(db, &lib1, B1, "vi", A, &b, NULL, NULL, &err), 0);
	CHECK_STR(b.status, "draft");
	CHECK_STR(b.title, "Thanh lọc học kỳ I");
	CHECK_INT(b.number, 0);
	CHECK_INT(weeding_get(db, &leader1, B1, "vi", A, &b, NULL, NULL, &err), 0);
	CHECK_INT(weeding_get(db, &office, B1, "vi", A, &b, NULL, NULL, &err), 0);
	CHECK_INT(weeding_get(db, &lib2, B1, "vi", A, &b, NULL, NULL, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_get(db, &leader2, B1, "vi", A, &b, NULL, NULL, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_get(db, &reader1, B1, "vi", A, &b, NULL, NULL, &err), ERR_FORBIDDEN);
	weeding_batch_t *v;
	size_t n;
	CHECK_INT(weeding_list(db, &lib1, 0, A, &v, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(weeding_list(db, &office, th1, A, &v, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(weeding_list(db, &lib2, 0, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(weeding_list(db, &lib2, th1, A, &v, &n, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_list(db, &reader1, 0, A, &v, &n, &err), ERR_FORBIDDEN);
	CHECK_INT(
	    q_int("SELECT COUNT(*) FROM audit WHERE action = 'withdrawal.create' AND entity_id = ?", B1), 1);
}

static void test_add_by_scan(void)
{
	err_t err;
	weeding_added_t res;
	const char *codes[] = { barcode_of(stk[0]), "  ", barcode_of(stk[1]) };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, codes, 3, "RACH", "bìa rách", &res, &err), 0);
	CHECK_INT(res.added, 2);
	/* A repeated scan changes nothing; an accession number finds its copy too. */
	err_t e2;
	weeding_item_t *it;
	size_t n;
	weeding_batch_t b;
	CHECK_INT(weeding_get(db, &lib1, B1, "vi", A, &b, &it, &n, &e2), 0);
	const char *again[] = { codes[0], it[1].accession };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, again, 2, "RACH", NULL, &res, &err), 0);
	CHECK_INT(res.added, 0);
	CHECK_INT(res.already, 2);
	CHECK_INT(weeding_get(db, &lib1, B1, "vi", A, &b, &it, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(b.copies, 2);
	CHECK_INT(b.value, 60000);
	CHECK_STR(it[0].reason, "RACH");
	CHECK_STR(it[0].reason_name, "Rách nát");
	CHECK_STR(it[0].note, "bìa rách");
	CHECK_STR(it[0].title, "Dế Mèn phiêu lưu ký");

	/* All or nothing: a good code with an unknown one, another school's, a copy on loan. */
	int64_t before = q_int("SELECT COUNT(*) FROM withdrawal_items WHERE withdrawal_id = ?", B1);
	const char *bad1[] = { barcode_of(stk[2]), "KHONGCO999" };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, bad1, 2, "RACH", NULL, &res, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.weeding.item_notfound");
	CHECK_STR(err.detail, "KHONGCO999");
	const char *bad2[] = { barcode_of(stk[2]), barcode_of(theirs[0]) };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, bad2, 2, "RACH", NULL, &res, &err), ERR_NOTFOUND);
	lend(stk[3], pat1, day_ago(0));
	const char *bad3[] = { barcode_of(stk[2]), barcode_of(stk[3]) };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, bad3, 2, "RACH", NULL, &res, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.item_on_loan");
	const char *bad4[] = { barcode_of(stk[2]) };
	CHECK_INT(weeding_add_codes(db, &lib1, B1, bad4, 1, "NOPE", NULL, &res, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.weeding.reason");
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawal_items WHERE withdrawal_id = ?", B1), before);
	/* Who may add: the school's librarian only. */
	CHECK_INT(weeding_add_codes(db, &leader1, B1, bad4, 1, "RACH", NULL, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_add_codes(db, &lib2, B1, bad4, 1, "RACH", NULL, &res, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_add_codes(db, &office, B1, bad4, 1, "RACH", NULL, &res, &err), ERR_FORBIDDEN);
}

static void test_add_by_search(void)
{
	err_t err;
	weeding_found_t *f;
	size_t n;
	CHECK_INT(weeding_search(db, &lib1, B1, "de men", 50, A, &f, &n, &err), 0);
	if (err.code)
		fprintf(stderr, "search: %s %s\n", err.key, err.detail);
	CHECK_INT(n, 8);
	size_t here = 0, loan = 0, free_ = 0;
	int64_t pick = 0;
	for (size_t k = 0; k < n; k++) {
		if (f[k].why && !strcmp(f[k].why, "err.weeding.item_here"))
			here++;
		else if (f[k].why && !strcmp(f[k].why, "err.weeding.item_on_loan"))
			loan++;
		else if (!f[k].why) {
			free_++;
			pick = pick ? pick : f[k].item.item_id;
		}
	}
	CHECK_INT(here, 2);
	CHECK_INT(loan, 1);
	CHECK_INT(free_, 5);
	CHECK_INT(weeding_search(db, &lib1, B1, "mật", 50, A, &f, &n, &err), 0);
	CHECK_INT(n, 0); /* another school's record is not found */
	weeding_added_t res;
	CHECK_INT(weeding_add_items(db, &lib1, B1, &pick, 1, "MOI", NULL, &res, &err), 0);
	CHECK_INT(res.added, 1);
	CHECK_INT(weeding_add_items(db, &lib1, B1, &theirs[0], 1, "MOI", NULL, &res, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_add_items(db, &lib1, B1, &stk[3], 1, "MOI", NULL, &res, &err), ERR_CONFLICT);
}

static void test_change_and_remove(void)
{
	err_t err;
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[0], "LACHAU", "nội dung cũ", &err), 0);
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[0], "ZZZ", NULL, &err), ERR_INVALID);
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[5], "RACH", NULL, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_set_reason(db, &leader1, B1, stk[0], "RACH", NULL, &err), ERR_FORBIDDEN);
	weeding_batch_t b;
	weeding_item_t *it;
	size_t n, removed = 0;
	CHECK_INT(weeding_get(db, &lib1, B1, "en", A, &b, &it, &n, &err), 0);
	CHECK_STR(it[0].reason, "LACHAU");
	CHECK_STR(it[0].reason_name, "Outdated");
	CHECK_STR(it[0].note, "nội dung cũ");
	int64_t drop[] = { stk[1], theirs[0] };
	CHECK_INT(weeding_remove(db, &lib1, B1, drop, 2, &removed, &err), 0);
	CHECK_INT(removed, 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawal_items WHERE withdrawal_id = ?", B1), 2);
}

/* --- rules ------------------------------------------------------------------------------------ */

static int64_t B2; /* filled by rules */

static void test_rules(void)
{
	err_t err;
	CHECK_INT(weeding_create(db, &lib1, "Theo quy tắc", "", &B2, &err), 0);
	size_t c = 0;
	/* A copy in another open batch is never picked: stk[0] is in B1 and damaged. */
	sql("UPDATE items SET status = 'damaged' WHERE id = ?", "i", stk[0], NULL);
	sql("UPDATE items SET status = 'damaged' WHERE id = ?", "i", stk[6], NULL);
	sql("UPDATE items SET status = 'lost' WHERE id = ?", "i", stk[7], NULL);
	weeding_rule_t r = { .kind = "damaged" };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), 0);
	CHECK_INT(c, 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawal_items WHERE withdrawal_id = ?", B2),
	          0); /* preview */
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, true, &c, &err), 0);
	CHECK_INT(c, 1);
	r = (weeding_rule_t){ .kind = "lost" };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, true, &c, &err), 0);
	CHECK_INT(c, 1);
	r = (weeding_rule_t){ .kind = "superseded", .before_year = 2018 };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), 0);
	CHECK_INT(c, 4);
	r.grade = 5;
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), 0);
	CHECK_INT(c, 0);
	r.grade = 3;
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, true, &c, &err), 0);
	CHECK_INT(c, 4);
	/* Applied again: nothing more (they are in this batch now). */
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, true, &c, &err), 0);
	CHECK_INT(c, 0);
	/* Chosen textbook records: their copies (a record chosen twice counts once; not SGK: none). */
	int64_t chosen[] = { bib_sgk_new, bib_stk, bib_sgk_new };
	r = (weeding_rule_t){ .kind = "superseded", .biblios = chosen, .nbiblios = 3 };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), 0);
	CHECK_INT(c, 2);
	weeding_textbook_t *tb;
	size_t ntb;
	CHECK_INT(weeding_textbooks(db, &lib1, B2, A, &tb, &ntb, &err), 0);
	CHECK_INT(ntb, 2);
	CHECK_INT(weeding_textbooks(db, &lib2, B2, A, &tb, &ntb, &err), ERR_NOTFOUND);
	r = (weeding_rule_t){ .kind = "periodicals" };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, true, &c, &err), 0);
	CHECK_INT(c, 2);
	/* Not lent for 3 years: stk copies entered 5 years ago; one lent 4 years ago (still
	 * picked), one lent last year (not), the one on loan (not). */
	for (int k = 2; k < 6; k++)
		sql("UPDATE items SET entered = ? WHERE id = ?", "si", stk[k], day_ago(5));
	lend(stk[4], pat1, day_ago(4));
	give_back(stk[4]);
	lend(stk[5], pat1, day_ago(1));
	give_back(stk[5]);
	r = (weeding_rule_t){ .kind = "unused", .years = 3 };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), 0);
	CHECK_INT(c, 1); /* stk[4]; stk[2] is in B1 (by search), stk[3] on loan, stk[5] lent */
	r.years = 0;
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), ERR_INVALID);
	r = (weeding_rule_t){ .kind = "everything" };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), ERR_INVALID);
	r = (weeding_rule_t){ .kind = "superseded", .before_year = 1500 };
	CHECK_INT(weeding_rule_apply(db, &lib1, B2, &r, false, &c, &err), ERR_INVALID);
	r = (weeding_rule_t){ .kind = "lost" };
	CHECK_INT(weeding_rule_apply(db, &leader1, B2, &r, true, &c, &err), ERR_FORBIDDEN);
	weeding_batch_t b;
	weeding_item_t *it;
	size_t n;
	CHECK_INT(weeding_get(db, &lib1, B2, "vi", A, &b, &it, &n, &err), 0);
	CHECK_INT(n, 8);
	CHECK_INT(b.value, 30000 * 2 + 12000 * 4 + 5000 * 2);
	weeding_total_t *t;
	size_t nt;
	weeding_totals(it, n, A, &t, &nt);
	CHECK_INT(nt, 4); /* BAOCU/BAO, CTCU/SGK, MAT/STK, RACH/STK */
	CHECK_STR(t[0].reason, "BAOCU");
	CHECK_INT(t[0].copies, 2);
	CHECK_STR(t[1].reason, "CTCU");
	CHECK_INT(t[1].value, 48000);
}

/* --- states ----------------------------------------------------------------------------------- */

static void test_states(void)
{
	err_t err;
	int64_t empty = 0, number = 0;
	CHECK_INT(weeding_create(db, &lib1, "Rỗng", "", &empty, &err), 0);
	CHECK_INT(weeding_propose(db, &lib1, empty, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.weeding.empty");
	CHECK_INT(weeding_propose(db, &leader1, B1, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_approve(db, &leader1, B1, "1/QĐ", day_ago(0), 0, &number, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.not_proposed");
	CHECK_INT(weeding_propose(db, &lib1, B1, &err), 0);
	/* Proposed: no change, 409. */
	const char *codes[] = { barcode_of(stk[5]) };
	weeding_added_t res;
	CHECK_INT(weeding_add_codes(db, &lib1, B1, codes, 1, "RACH", NULL, &res, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.locked_proposed");
	size_t removed;
	CHECK_INT(weeding_remove(db, &lib1, B1, &stk[0], 1, &removed, &err), ERR_CONFLICT);
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[0], "RACH", NULL, &err), ERR_CONFLICT);
	CHECK_INT(weeding_propose(db, &lib1, B1, &err), ERR_CONFLICT);
	/* Only the school's leader decides. */
	CHECK_INT(weeding_approve(db, &lib1, B1, "1/QĐ", day_ago(0), 0, &number, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_approve(db, &office, B1, "1/QĐ", day_ago(0), 0, &number, &err), ERR_FORBIDDEN);
	CHECK_INT(weeding_approve(db, &leader2, B1, "1/QĐ", day_ago(0), 0, &number, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_return(db, &leader2, B1, "không", &err), ERR_NOTFOUND);
	CHECK_INT(weeding_return(db, &leader1, B1, "   ", &err), ERR_INVALID);
	CHECK_INT(weeding_return(db, &leader1, B1, "Thiếu sách hỏng ở kho 2", &err), 0);
	weeding_batch_t b;
	CHECK_INT(weeding_get(db, &lib1, B1, "vi", A, &b, NULL, NULL, &err), 0);
	CHECK_STR(b.status, "returned");
	CHECK_STR(b.return_reason, "Thiếu sách hỏng ở kho 2");
	/* Returned: editable again, then proposed again. */
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[0], "RACH", NULL, &err), 0);
	CHECK_INT(weeding_propose(db, &lib1, B1, &err), 0);
	/* The decision: number and day required, the day not in the future. */
	char tomorrow[11];
	clock_day_format(TODAY + 1, tomorrow, sizeof tomorrow);
	CHECK_INT(weeding_approve(db, &leader1, B1, "", day_ago(0), 0, &number, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.weeding.decision_no");
	CHECK_INT(weeding_approve(db, &leader1, B1, "12/QĐ-TH", "31/02/2026", 0, &number, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.weeding.decision_day");
	CHECK_INT(weeding_approve(db, &leader1, B1, "12/QĐ-TH", tomorrow, 0, &number, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.weeding.decision_future");
	CHECK_INT(
	    q_int("SELECT COUNT(*) FROM accession_counters WHERE unit_id = ? AND register = '#XK'", th1), 0);
	/* A ready hold on one of its copies goes back to waiting. */
	err_t e;
	int64_t hold = 0;
	CHECK_INT(
	    db_insert_id(
	        db, &hold, &e,
	        "INSERT INTO holds (unit_id, biblio_id, patron_id, status, placed_at, expires, item_id, "
	        "ready_at, ready_until) SELECT unit_id, biblio_id, ?, 'ready', 1, '2100-01-01', id, 1, "
	        "'2100-01-01' FROM items WHERE id = ? RETURNING id",
	        "ii", pat1, stk[0]),
	    0);
	char yesterday[16];
	int y, m, d;
	clock_civil_from_days(TODAY - 1, &y, &m, &d);
	snprintf(yesterday, sizeof yesterday, "%02d/%02d/%04d", d, m, y);
	CHECK_INT(weeding_approve(db, &leader1, B1, "12/QĐ-TH", yesterday, 0, &number, &err), 0);
	CHECK_INT(number, 1);
	CHECK_INT(weeding_get(db, &lib1, B1, "vi", A, &b, NULL, NULL, &err), 0);
	CHECK_STR(b.status, "approved");
	CHECK_INT(b.number, 1);
	CHECK_STR(b.decision_no, "12/QĐ-TH");
	char dday[11];
	clock_day_format(TODAY - 1, dday, sizeof dday);
	CHECK_STR(b.decision_day, dday);
	char today[11], until[11];
	clock_day_format(TODAY, today, sizeof today);
	clock_day_format(TODAY + 15, until, sizeof until);
	CHECK_STR(b.approved_day, today);
	CHECK_STR(b.publish_until, until);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE status = 'withdrawn' AND withdrawal_id = ?", B1),
	          2);
	CHECK_INT(
	    q_int("SELECT COUNT(*) FROM holds WHERE status = 'waiting' AND item_id IS NULL AND id = ?", hold),
	    1);
	CHECK_INT(
	    q_int("SELECT COUNT(*) FROM audit WHERE action = 'withdrawal.approve' AND entity_id = ?", B1), 1);
	/* Approved: never changed again. */
	CHECK_INT(weeding_set_reason(db, &lib1, B1, stk[0], "MAT", NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.locked_approved");
	CHECK_INT(weeding_approve(db, &leader1, B1, "13/QĐ", today, 0, &number, &err), ERR_CONFLICT);
	CHECK_INT(weeding_return(db, &leader1, B1, "muộn", &err), ERR_CONFLICT);
	/* A withdrawn copy cannot go into another batch. */
	const char *gone[] = { barcode_of(stk[0]) };
	CHECK_INT(weeding_add_codes(db, &lib1, B2, gone, 1, "RACH", NULL, &res, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.item_withdrawn");
}

static void test_approval_refused_when_lent(void)
{
	err_t err;
	int64_t number = 0;
	CHECK_INT(weeding_propose(db, &lib1, B2, &err), 0);
	/* A copy of B2 (the superseded textbook sgk_old[0]) went on loan since. */
	lend(sgk_old[0], pat1, day_ago(0));
	int64_t counter =
	    q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = '#XK'", th1);
	CHECK_INT(weeding_approve(db, &leader1, B2, "14/QĐ", day_ago(0), 0, &number, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.weeding.approve_busy");
	CHECK(strstr(err.detail, barcode_of(sgk_old[0])) != NULL);
	CHECK_INT(q_int("SELECT last FROM accession_counters WHERE unit_id = ? AND register = '#XK'", th1),
	          counter);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE withdrawal_id = ?", B2), 0);
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawals WHERE id = ? AND status = 'proposed'", B2), 1);
	/* Sent back, the loaned copy taken out, proposed again, approved: number 2. */
	CHECK_INT(weeding_return(db, &leader1, B2, "Có sách đang cho mượn", &err), 0);
	size_t removed;
	CHECK_INT(weeding_remove(db, &lib1, B2, &sgk_old[0], 1, &removed, &err), 0);
	CHECK_INT(weeding_propose(db, &lib1, B2, &err), 0);
	CHECK_INT(weeding_approve(db, &leader1, B2, "14/QĐ", day_ago(0), 0, &number, &err), 0);
	CHECK_INT(number, 2);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE withdrawal_id = ?", B2), 7);
	/* Numbers are never reused: a new copy of the register continues after the withdrawn ones. */
	int64_t top =
	    q_int("SELECT MAX(accession_no) FROM items WHERE unit_id = ? AND register = 'STK'", th1);
	int64_t fresh[1];
	record(&lib1, "Sách mới", "STK", 2026, 0, 1000, 1, fresh);
	CHECK_INT(q_int("SELECT accession_no FROM items WHERE id = ?", fresh[0]), top + 1);
	CHECK_INT(q_int("SELECT COUNT(*) FROM items WHERE unit_id = ? AND status = 'withdrawn'", th1), 9);
}

static void test_public_list(void)
{
	err_t err;
	weeding_batch_t *v;
	size_t n;
	CHECK_INT(weeding_published(db, th1, 0, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(v[0].number, 2);
	CHECK_INT(weeding_published(db, th1, TODAY + 15, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(weeding_published(db, th1, TODAY + 16, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(weeding_published(db, th2, 0, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	weeding_batch_t b;
	weeding_item_t *it;
	CHECK_INT(weeding_public_get(db, th1, B1, 0, "vi", A, &b, &it, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(it[0].barcode, "");
	CHECK_INT(it[0].price, 0);
	CHECK_STR(it[0].title, "Dế Mèn phiêu lưu ký");
	CHECK_INT(weeding_public_get(db, th2, B1, 0, "vi", A, &b, &it, &n, &err), ERR_NOTFOUND);
	CHECK_INT(weeding_public_get(db, th1, B1, TODAY + 16, "vi", A, &b, &it, &n, &err), ERR_NOTFOUND);
	int64_t draft = 0;
	CHECK_INT(weeding_create(db, &lib1, "Nháp", "", &draft, &err), 0);
	CHECK_INT(weeding_public_get(db, th1, draft, 0, "vi", A, &b, &it, &n, &err), ERR_NOTFOUND);
}

static void test_workbook(void)
{
	err_t err;
	weeding_batch_t b;
	weeding_item_t *it;
	size_t n;
	CHECK_INT(weeding_get(db, &leader1, B2, "vi", A, &b, &it, &n, &err), 0);
	buf_t out = BUF_INIT;
	CHECK_INT(weeding_xlsx(&b, it, n, "vi", &out, &err), 0);
	xlsx_sheet_t s;
	CHECK_INT(xlsx_read(out.data, out.len, A, &s, &err), 0);
	CHECK_INT(s.nrows, 3 + 7 + 1);
	if (s.nrows == 11) {
		CHECK_STR(s.rows[3].cell[0], "1");
		CHECK_STR(s.rows[3].cell[1], it[0].accession);
		CHECK_STR(s.rows[3].cell[2], it[0].title);
		CHECK_INT(atoll(s.rows[3].cell[5]), it[0].price);
		CHECK_STR(s.rows[3].cell[6], it[0].reason_name);
		CHECK_INT(atoll(s.rows[10].cell[5]), b.value);
	}
	buf_release(&out);
}

/* A copy without a price of its own is worth its record's price, as the general register counts it. */
static void test_value_falls_back_to_the_record(void)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(weeding_create(db, &lib1, "Giá", "", &id, &err), 0);
	sql("UPDATE items SET price = 0 WHERE id = ?", "i", stk[1], NULL);
	weeding_added_t res;
	CHECK_INT(weeding_add_items(db, &lib1, id, &stk[1], 1, "RACH", NULL, &res, &err), 0);
	weeding_batch_t b;
	weeding_item_t *it;
	size_t n;
	CHECK_INT(weeding_get(db, &lib1, id, "vi", A, &b, &it, &n, &err), 0);
	CHECK_INT(b.value, 30000);
	CHECK_INT(n == 1 ? it[0].price : -1, 30000);
}

/* --- two librarians at once ------------------------------------------------------------------ */

struct worker {
	int64_t batch;
	const char *code;
	int rc;
};

static void *race(void *p)
{
	struct worker *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	w->rc = db_open(testdb_current, &c, &err);
	int tries = 0;
	const char *codes[] = { w->code };
	weeding_added_t res;
	if (w->rc == 0)
		do
			w->rc = weeding_add_codes(c, &lib1, w->batch, codes, 1, "RACH", NULL, &res, &err);
		while (w->rc == ERR_BUSY && ++tries < 50);
	db_close(c);
	return NULL;
}

/* Eight connections add the same copy to eight batches at once: it lands in exactly one. */
static void test_concurrent_adds(void)
{
	err_t err;
	int64_t item[1];
	record(&lib1, "Sách tranh chấp", "STK", 2000, 0, 1000, 1, item);
	const char *code = barcode_of(item[0]);
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .code = code };
		CHECK_INT(weeding_create(db, &lib1, "Đua", "", &w[i].batch, &err), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, race, &w[i]);
	int ok = 0, conflict = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].rc == 0;
		conflict += w[i].rc == ERR_CONFLICT;
	}
	CHECK_INT(ok, 1);
	CHECK_INT(conflict, 7);
	CHECK_INT(q_int("SELECT COUNT(*) FROM withdrawal_items WHERE item_id = ?", item[0]), 1);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_setup);
	RUN(test_data);
	RUN(test_create_and_scope);
	RUN(test_add_by_scan);
	RUN(test_add_by_search);
	RUN(test_change_and_remove);
	RUN(test_rules);
	RUN(test_states);
	RUN(test_approval_refused_when_lent);
	RUN(test_public_list);
	RUN(test_workbook);
	RUN(test_value_falls_back_to_the_record);
	RUN(test_concurrent_adds);
	arena_free(A);
	testdb_close(db);
	return check_summary("weeding");
}
