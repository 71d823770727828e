/* test_circ.c: the lending desk (src/circ/circ.h) on the database under test: every refusal of a
 * checkout, due dates, returns with and without fines, renewals, the holds queue and its expiry,
 * textbooks for the year and class sets, the reader's summary and search, the tenant scope, and
 * concurrency: eight connections lending one copy (exactly one loan), many lending and returning
 * distinct copies (the counts add up), a return racing a renewal (a consistent end). */
#include <pthread.h>

#include "base/config.h"
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "circ/circ.h"
#include "circ/policy.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static char url[1024];
static actor_t lib1, lib2, leader;
static int64_t th1, th2, batch1, batch2;
static const char *PW = "mat-khau-dai-du";

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u2 = { .parent_id = sgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = { .parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 }, { "bgh.th001", "leader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "thuthu.th001", PW);
	lib2 = testdb_login(db, "thuthu.th002", PW);
	leader = testdb_login(db, "bgh.th001", PW);
	CHECK(lib1.account_id && lib2.account_id && leader.account_id);
	acquisition_t q = { .source = "gift" };
	CHECK_INT(catalog_acquisition_create(db, &lib1, &q, &batch1, &err), 0);
	CHECK_INT(catalog_acquisition_create(db, &lib2, &q, &batch2, &err), 0);
}

/* A record of type with n copies; their barcodes in bc (n at most 40). */
static int64_t mkbook(const actor_t *who, const char *title, const char *type, int n, const char **bc)
{
	biblio_t in = { .title = title, .authors = "Tác giả", .doc_type = type, .year = 2024, .price = 30000 };
	int64_t id = 0, dupid = 0, ids[40];
	err_t err = { 0 };
	CHECK_INT(catalog_biblio_create(db, who, &in, true, &id, &dupid, &err), 0);
	if (n) {
		CHECK_INT(catalog_items_add(db, who, id, who == &lib1 ? batch1 : batch2, n, -1, ids, &err), 0);
		for (int i = 0; i < n; i++) {
			db_stmt_t *st = db_query(db, &err, "SELECT barcode FROM items WHERE id = ?", "i", ids[i]);
			CHECK(st && db_step(st, &err) == DB_ROW);
			bc[i] = arena_strdup(A, db_col_text(st, 0));
			db_done(st);
		}
	}
	return id;
}

static int64_t mkpatron(int64_t unit, const char *code, const char *name, const char *kind, const char *cls,
                        const char *status, const char *note)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(db_insert_id(db, &id, &err,
	                       "INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, status,"
	                       " status_note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1) RETURNING id",
	                       "isssssss", unit, code, name, text_fold(A, name), kind, cls, status, note),
	          0);
	return id;
}

static int lend(const actor_t *who, const char *patron, const char *item, circ_result_t *res)
{
	err_t err;
	return circ_checkout(db, who, patron, 0, item, NULL, A, res, &err);
}

static int64_t count(const char *sql, int64_t x)
{
	int64_t n = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &n, &err, sql, "i", x), 0);
	return n;
}

static const char *today_plus(int days)
{
	char *s = arena_alloc(A, 16);
	clock_day_format(clock_today_vn() + days, s, 16);
	return s;
}

static const char *stk[6], *bao[1], *snv[1], *tn[3], *other_bc[1];
static int64_t stk_bib[6], tn_bib;

static void test_checkout_refusals(void)
{
	circ_result_t r;
	err_t err;
	for (int i = 0; i < 6; i++)
		stk_bib[i] = mkbook(&lib1, arena_printf(A, "Tham khảo %d", i), "STK", 1, &stk[i]);
	mkbook(&lib1, "Báo Nhi Đồng", "BAO", 1, bao);
	mkbook(&lib1, "Nghiệp vụ thư viện", "SNV", 1, snv);
	tn_bib = mkbook(&lib1, "Dế Mèn phiêu lưu ký", "TN", 3, tn);
	mkbook(&lib2, "Sách trường khác", "STK", 1, other_bc);
	/* The other school numbers its copies alike (STK000001): give its copy a code of its own. */
	CHECK(db_exec(db, &err, "UPDATE items SET barcode = 'TH2-ONLY' WHERE unit_id = ?", "i", th2) == 1);
	other_bc[0] = "TH2-ONLY";
	mkpatron(th1, "HS001", "Nguyễn Văn An", "student", "6A1", "active", "");
	mkpatron(th1, "HS002", "Trần Thị Bình", "student", "6A1", "active", "");
	mkpatron(th1, "HS003", "Lê Khoá", "student", "6A1", "blocked", "Làm mất sách chưa đền");
	mkpatron(th1, "HS004", "Phạm Ra Trường", "student", "", "graduated", "");
	mkpatron(th1, "HS005", "Đỗ Chuyển Đi", "student", "", "left", "");
	mkpatron(th2, "HSX01", "Học sinh trường 2", "student", "6A1", "active", "");

	/* Unknown reader; the other school's reader is unknown too. */
	CHECK_INT(lend(&lib1, "KHONGCO", stk[0], &r), ERR_NOTFOUND);
	CHECK_STR(r.key, "err.circ.patron_notfound");
	CHECK_INT(lend(&lib1, "HSX01", stk[0], &r), ERR_NOTFOUND);
	/* Blocked (with the reason), graduated, left. */
	CHECK_INT(lend(&lib1, "HS003", stk[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.patron_blocked");
	CHECK(strstr(circ_message(A, "vi", &r), "Làm mất sách chưa đền") != NULL);
	CHECK_INT(lend(&lib1, "HS004", stk[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.patron_graduated");
	CHECK_INT(lend(&lib1, "HS005", stk[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.patron_left");
	/* Unknown copy, and the other school's copy: the same answer. */
	CHECK_INT(lend(&lib1, "HS001", "KHONGCO", &r), ERR_NOTFOUND);
	CHECK_STR(r.key, "err.circ.item_notfound");
	CHECK_INT(lend(&lib1, "HS001", other_bc[0], &r), ERR_NOTFOUND);
	CHECK_STR(r.key, "err.circ.item_notfound");
	/* Not for loan: a periodical (doc type not loanable); SNV for a student (max_items 0). */
	CHECK_INT(lend(&lib1, "HS001", bao[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.not_loanable");
	CHECK(strstr(circ_message(A, "vi", &r), "Báo Nhi Đồng") != NULL);
	CHECK_INT(lend(&lib1, "HS001", snv[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.not_loanable");
	/* Lost / damaged / withdrawn copies. */
	const char *st[] = { "lost", "damaged", "withdrawn" };
	for (int i = 0; i < 3; i++) {
		CHECK(db_exec(db, &err, "UPDATE items SET status = ? WHERE barcode = ? AND unit_id = ?", "ssi", st[i], stk[5],
		              th1) == 1);
		CHECK_INT(lend(&lib1, "HS001", stk[5], &r), ERR_CONFLICT);
		CHECK_STR(r.key, "err.circ.item_status");
		CHECK_STR(r.reason, st[i]);
	}
	CHECK(db_exec(db, &err, "UPDATE items SET status = 'available' WHERE barcode = ? AND unit_id = ?", "si", stk[5],
	              th1) == 1);
	/* A loan, then the same copy again: to the same reader, to another. */
	CHECK_INT(lend(&lib1, "HS001", stk[0], &r), 0);
	CHECK_STR(r.key, "circ.ok.checkout");
	CHECK_STR(r.loan.due, today_plus(0) == NULL ? "" : r.loan.due);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE id = ? AND status = 'on_loan'", r.loan.item_id), 1);
	CHECK_INT(lend(&lib1, "HS001", stk[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.on_loan_same");
	CHECK_INT(lend(&lib1, "HS002", stk[0], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.on_loan_other");
	CHECK(strstr(circ_message(A, "vi", &r), "Nguyễn Văn An (6A1)") != NULL);
	/* The limit: 3 reference books for a student. */
	CHECK_INT(lend(&lib1, "HS001", stk[1], &r), 0);
	CHECK_INT(lend(&lib1, "HS001", stk[2], &r), 0);
	CHECK_INT(lend(&lib1, "HS001", stk[3], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.limit");
	CHECK(r.n == 3 && r.max == 3);
	CHECK(strstr(circ_message(A, "vi", &r), "3/3 Sách tham khảo") != NULL);
	/* Another type is counted apart. */
	CHECK_INT(lend(&lib1, "HS001", tn[0], &r), 0);
	/* Overdue: a copy past due blocks the reader; with block_overdue off it does not. */
	CHECK(db_exec(db, &err, "UPDATE loans SET due = ? WHERE item_id = ? AND returned_at IS NULL", "si",
	              today_plus(-3), r.loan.item_id) == 1);
	CHECK_INT(lend(&lib1, "HS001", tn[1], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.patron_overdue");
	CHECK(db_exec(db, &err, "INSERT INTO circ_settings (unit_id, block_overdue, updated_at) VALUES (?, 0, 1)", "i",
	              th1) == 1);
	CHECK_INT(lend(&lib1, "HS001", tn[1], &r), 0);
	CHECK(db_exec(db, &err, "UPDATE circ_settings SET block_overdue = 1 WHERE unit_id = ?", "i", th1) == 1);
	/* Not a librarian of a school: refused. */
	CHECK_INT(lend(&leader, "HS002", stk[4], &r), ERR_FORBIDDEN);
	/* Refusals wrote nothing: 5 loans, one audit row each. */
	CHECK_INT(count("SELECT COUNT(*) FROM loans WHERE unit_id = ?", th1), 5);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'circ.checkout' AND unit_id = ?", th1), 5);
}

static void test_due_dates(void)
{
	circ_result_t r;
	err_t err;
	circ_settings_t s;
	circ_rule_t rule;
	int64_t want;
	CHECK_INT(circ_settings_get(db, th1, &s, &err), 0);
	CHECK_INT(circ_rule_get(db, th1, "student", "STK", &rule, &err), 0);
	CHECK_INT(circ_due_day(db, th1, &s, clock_today_vn(), rule.loan_days, &want, &err), 0);
	CHECK_INT(lend(&lib1, "HS002", stk[4], &r), 0);
	int64_t got = 0;
	CHECK_INT(clock_day_parse(r.loan.due, &got), 0);
	CHECK_INT(got, want);
	CHECK_STR(r.loan.out_day, today_plus(0));
	CHECK_STR(r.loan.kind, "home");
	/* An override: today or later; not in the past, not malformed. */
	circ_opts_t o = { .due = today_plus(3) };
	CHECK_INT(circ_checkout(db, &lib1, "HS002", 0, tn[2], &o, A, &r, &err), 0);
	CHECK_STR(r.loan.due, today_plus(3));
	circ_result_t r2;
	o.due = today_plus(-1);
	CHECK_INT(circ_checkout(db, &lib1, "HS002", 0, stk[5], &o, A, &r2, &err), ERR_INVALID);
	CHECK_STR(r2.key, "err.circ.due");
	o.due = "2026-02-30";
	CHECK_INT(circ_checkout(db, &lib1, "HS002", 0, stk[5], &o, A, &r2, &err), ERR_INVALID);
	/* Loan rows copy the reader's kind and class and the document type. */
	CHECK_INT(count("SELECT COUNT(*) FROM loans WHERE id = ? AND patron_kind = 'student' AND class_name = '6A1'"
	                " AND doc_type = 'TN'",
	                r.loan.id),
	          1);
}

static void test_return(void)
{
	circ_result_t r;
	err_t err;
	CHECK_INT(circ_return(db, &lib1, stk[5], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.not_on_loan");
	CHECK_INT(circ_return(db, &lib1, "KHONGCO", A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(circ_return(db, &lib2, tn[1], A, &r, &err), ERR_NOTFOUND); /* another school's copy */
	CHECK_INT(circ_return(db, &lib1, stk[0], A, &r, &err), 0);
	CHECK_STR(r.key, "circ.ok.return");
	CHECK_STR(r.patron.code, "HS001");
	CHECK_INT(r.days, 0);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE id = ? AND status = 'available'", r.loan.item_id), 1);
	CHECK_INT(count("SELECT COUNT(*) FROM loans WHERE id = ? AND outcome = 'returned' AND returned_by IS NOT NULL",
	                r.loan.id),
	          1);
	CHECK_INT(circ_return(db, &lib1, stk[0], A, &r, &err), ERR_CONFLICT);
	/* Overdue by 3 days (the TN copy), fines off: a notice, no charge. */
	CHECK_INT(circ_return(db, &lib1, tn[0], A, &r, &err), 0);
	CHECK_STR(r.key, "circ.notice.return_late");
	CHECK_INT(r.days, 3);
	CHECK_INT(r.fine, 0);
	CHECK_INT(count("SELECT COUNT(*) FROM charges WHERE unit_id = ?", th1), 0);
	/* Fines on (the deployment allows them, docs/CONFIG.md fines_enabled): 2.000 đồng a day. */
	g_config.fines_enabled = 1;
	CHECK(db_exec(db, &err, "UPDATE circ_settings SET fine_per_day = 2000 WHERE unit_id = ?", "i", th1) == 1);
	CHECK(db_exec(db, &err, "UPDATE loans SET due = ? WHERE item_id = (SELECT id FROM items WHERE barcode = ?"
	                        " AND unit_id = ?) AND returned_at IS NULL",
	              "ssi", today_plus(-5), stk[1], th1) == 1);
	CHECK_INT(circ_return(db, &lib1, stk[1], A, &r, &err), 0);
	CHECK_STR(r.key, "circ.notice.return_fine");
	CHECK_INT(r.fine, 10000);
	CHECK(strstr(circ_message(A, "vi", &r), "10.000") != NULL);
	CHECK_INT(count("SELECT SUM(amount) FROM charges WHERE kind = 'fine' AND unit_id = ?", th1), 10000);
	CHECK(db_exec(db, &err, "UPDATE circ_settings SET fine_per_day = 0 WHERE unit_id = ?", "i", th1) == 1);
	g_config.fines_enabled = 0;
	circ_summary_t s;
	CHECK_INT(circ_patron_summary(db, &lib1, "HS001", 0, A, &s, &err), 0);
	CHECK(s.ncharges == 1 && s.owed == 10000);
}

static void test_renew(void)
{
	circ_result_t r;
	err_t err;
	/* HS001 holds stk[2] (due in 14 days) and tn[1]. One renewal allowed for students. */
	CHECK_INT(circ_renew(db, &lib1, stk[2], A, &r, &err), 0);
	CHECK_STR(r.key, "circ.ok.renew");
	CHECK_INT(r.loan.renewals, 1);
	CHECK_INT(circ_renew(db, &lib1, stk[2], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.renew_max");
	CHECK_INT(circ_renew(db, &lib1, stk[5], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.not_on_loan");
	CHECK_INT(circ_renew(db, &lib2, tn[1], A, &r, &err), ERR_NOTFOUND);
	/* The new due date is never earlier than the current one. */
	CHECK(db_exec(db, &err, "UPDATE loans SET due = ? WHERE item_id = (SELECT id FROM items WHERE barcode = ?"
	                        " AND unit_id = ?) AND returned_at IS NULL",
	              "ssi", today_plus(100), tn[2], th1) == 1);
	CHECK_INT(circ_renew(db, &lib1, tn[2], A, &r, &err), 0);
	CHECK_STR(r.loan.due, today_plus(100));
	/* Renew all: HS001's open loans (stk[2] at its maximum, tn[1]). */
	circ_result_t *v;
	size_t n = 0;
	int64_t hs1 = count("SELECT id FROM patrons WHERE code = 'HS001' AND unit_id = ?", th1);
	CHECK_INT(circ_renew_all(db, &lib1, hs1, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	int ok = 0, refused = 0;
	for (size_t i = 0; i < n; i++)
		v[i].level == CIRC_OK ? ok++ : refused++;
	CHECK(ok == 1 && refused == 1);
	CHECK_INT(circ_renew_all(db, &lib2, hs1, A, &v, &n, &err), ERR_NOTFOUND);
}

static void test_holds(void)
{
	circ_result_t r;
	err_t err;
	int64_t hs1 = count("SELECT id FROM patrons WHERE code = 'HS001' AND unit_id = ?", th1);
	int64_t hs2 = count("SELECT id FROM patrons WHERE code = 'HS002' AND unit_id = ?", th1);
	int64_t hs6 = mkpatron(th1, "HS006", "Vũ Hà", "student", "6A2", "active", "");
	int64_t gv1 = mkpatron(th1, "GV001", "Cô Lan", "teacher", "", "active", "");
	/* stk_bib[3] has its copy on the shelf: no hold. */
	CHECK_INT(circ_hold_place(db, &lib1, stk_bib[3], hs2, A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.hold_on_shelf");
	/* stk_bib[2] is lent to HS001: HS002 and HS006 queue; HS001 already has it. */
	CHECK_INT(circ_hold_place(db, &lib1, stk_bib[2], hs1, A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.hold_has");
	CHECK_INT(circ_hold_place(db, &lib1, stk_bib[2], hs2, A, &r, &err), 0);
	CHECK_INT(r.position, 1);
	int64_t h2 = r.hold_id;
	CHECK_INT(circ_hold_place(db, &lib1, stk_bib[2], hs2, A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.hold_dup");
	CHECK_INT(circ_hold_place(db, &lib1, stk_bib[2], hs6, A, &r, &err), 0);
	CHECK_INT(r.position, 2);
	CHECK_INT(circ_hold_place(db, &lib2, stk_bib[2], hs6, A, &r, &err), ERR_NOTFOUND);
	/* A reader waits: HS001 cannot renew (also at the maximum: the hold is said first? no: the
	 * maximum is checked first; use tn to show the hold refusal below). */
	/* Holds not allowed: textbooks for students. */
	const char *sgk[1];
	int64_t sgk_bib = mkbook(&lib1, "Toán 6", "SGK", 1, sgk);
	CHECK_INT(lend(&lib1, "GV001", sgk[0], &r), 0);
	CHECK_INT(circ_hold_place(db, &lib1, sgk_bib, hs2, A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.hold_not_allowed");
	/* The queue: list, positions. */
	circ_hold_t *hv;
	size_t n = 0;
	CHECK_INT(circ_holds_list(db, &lib1, stk_bib[2], 0, A, &hv, &n, NULL, &err), 0);
	CHECK(n == 2 && hv[0].position == 1 && hv[1].position == 2 && hv[0].patron_id == hs2);
	/* Renewal refused while another reader waits (reset HS001's renewals first). */
	CHECK(db_exec(db, &err, "UPDATE loans SET renewals = 0 WHERE patron_id = ? AND biblio_id = ?", "ii", hs1,
	              stk_bib[2]) == 1);
	CHECK_INT(circ_renew(db, &lib1, stk[2], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.renew_held");
	/* The copy comes back: it is set aside for HS002. */
	CHECK_INT(circ_return(db, &lib1, stk[2], A, &r, &err), 0);
	CHECK_STR(r.key, "circ.notice.return_hold");
	CHECK_INT(r.hold_id, h2);
	CHECK(strstr(circ_message(A, "vi", &r), "Trần Thị Bình (6A1)") != NULL);
	CHECK(r.until != NULL);
	/* Another reader cannot take it; its holder can, and the hold is fulfilled. */
	CHECK_INT(lend(&lib1, "GV001", stk[2], &r), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.held_for_other");
	CHECK_INT(lend(&lib1, "HS002", stk[2], &r), 0);
	CHECK_STR(r.key, "circ.ok.checkout_hold");
	CHECK_INT(count("SELECT COUNT(*) FROM holds WHERE id = ? AND status = 'fulfilled'", h2), 1);
	/* Cancel HS006's hold; another school cannot. */
	CHECK_INT(circ_holds_list(db, &lib1, 0, hs6, A, &hv, &n, NULL, &err), 0);
	CHECK_INT(n, 1);
	int64_t h6 = n ? hv[0].id : 0;
	CHECK_INT(circ_hold_cancel(db, &lib2, h6, &err), ERR_NOTFOUND);
	CHECK_INT(circ_hold_cancel(db, &lib1, h6, &err), 0);
	CHECK_INT(circ_hold_cancel(db, &lib1, h6, &err), ERR_CONFLICT);

	/* Expiry: GV001 (tn_bib lent out entirely? no: use the SGK title lent to GV001 with teacher holds). */
	CHECK_INT(lend(&lib1, "GV001", tn[0], &r), 0); /* tn: [0] GV001, [1] HS001, [2] HS002: all out */
	int64_t gv2 = mkpatron(th1, "GV002", "Thầy Minh", "teacher", "", "active", "");
	int64_t gv3 = mkpatron(th1, "GV003", "Cô Hoa", "teacher", "", "active", "");
	CHECK_INT(circ_hold_place(db, &lib1, tn_bib, gv2, A, &r, &err), 0);
	int64_t hg2 = r.hold_id;
	clock_set_offset(86400 * 30);
	CHECK_INT(circ_hold_place(db, &lib1, tn_bib, gv3, A, &r, &err), 0);
	int64_t hg3 = r.hold_id;
	/* 61 days after the first: GV002's hold lapsed, GV003's still waits. */
	clock_set_offset(86400 * 62);
	int expired = 0;
	CHECK_INT(circ_holds_list(db, &lib1, tn_bib, 0, A, &hv, &n, &expired, &err), 0);
	CHECK_INT(expired, 1);
	CHECK(n == 1 && hv[0].id == hg3 && hv[0].position == 1);
	CHECK_INT(count("SELECT COUNT(*) FROM holds WHERE id = ? AND status = 'expired'", hg2), 1);
	/* A copy comes back for GV003; not fetched within the hold days, the hold lapses and the copy
	 * passes to the next (GV001, queued now). */
	CHECK_INT(circ_return(db, &lib1, tn[0], A, &r, &err), 0);
	CHECK_INT(r.hold_id, hg3);
	CHECK_INT(circ_hold_place(db, &lib1, tn_bib, gv1, A, &r, &err), 0);
	int64_t hg1 = r.hold_id;
	clock_set_offset(86400 * 75);
	CHECK_INT(circ_holds_list(db, &lib1, tn_bib, 0, A, &hv, &n, &expired, &err), 0);
	CHECK_INT(expired, 1);
	CHECK(n == 1 && hv[0].id == hg1 && strcmp(hv[0].status, "ready") == 0 && hv[0].barcode &&
	      strcmp(hv[0].barcode, tn[0]) == 0);
	CHECK_INT(count("SELECT COUNT(*) FROM holds WHERE id = ? AND status = 'expired'", hg3), 1);
	clock_set_offset(0);
	CHECK_INT(circ_hold_cancel(db, &lib1, hg1, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'circ.hold.expire' AND unit_id = ?", th1), 2);
}

static void test_textbooks(void)
{
	circ_result_t r;
	err_t err;
	const char *toan[5], *van[1];
	int64_t toan_bib = mkbook(&lib1, "Toán 7", "SGK", 5, toan);
	mkbook(&lib1, "Ngữ văn 7", "SGK", 1, van);
	mkpatron(th1, "HS701", "Cao Văn Cường", "student", "7A1", "active", "");
	mkpatron(th1, "HS702", "Bùi Thị Ánh", "student", "7A1", "active", "");
	mkpatron(th1, "HS703", "Đặng Minh Đức", "student", "7A1", "active", "");
	mkpatron(th1, "HS704", "Lý Văn Nghỉ", "student", "7A1", "left", "");
	mkpatron(th1, "HS705", "An Văn Zũng", "student", "7A1", "active", "");
	/* Class-list order, by given name: Ánh, Cường, Đức, Zũng (An Văn Zũng last, though "An"
	 * comes first by the whole name); Nghỉ has left. */
	const char *want[] = { "HS702", "HS701", "HS703", "HS705" };
	for (int i = 0; i < 4; i++) {
		CHECK_INT(circ_textbook_lend(db, &lib1, "7A1", toan[i], A, &r, &err), 0);
		CHECK_STR(r.key, "circ.ok.textbook");
		CHECK_STR(r.patron.code, want[i]);
		CHECK_STR(r.loan.kind, "textbook");
	}
	circ_settings_t s;
	int64_t ye = 0, got = 0;
	CHECK_INT(circ_settings_get(db, th1, &s, &err), 0);
	CHECK_INT(circ_year_end_day(db, th1, &s, clock_today_vn(), &ye, &err), 0);
	CHECK_INT(clock_day_parse(r.loan.due, &got), 0);
	CHECK_INT(got, ye);
	CHECK_INT(circ_textbook_lend(db, &lib1, "7A1", toan[4], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.class_complete");
	CHECK_INT(circ_textbook_lend(db, &lib1, "9Z9", toan[4], A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(circ_textbook_lend(db, &lib1, "7A1", stk[3], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.textbook_type");
	CHECK_INT(circ_textbook_lend(db, &lib1, "7A1", van[0], A, &r, &err), 0);
	CHECK_STR(r.patron.code, "HS702");
	CHECK_INT(circ_textbook_lend(db, &lib2, "7A1", toan[4], A, &r, &err), ERR_NOTFOUND);
	/* A textbook loan is not renewed. */
	CHECK_INT(circ_renew(db, &lib1, toan[0], A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.renew_kind");
	/* The grid: 4 students x 2 titles; Ngữ văn lacks for 3. */
	circ_grid_t g;
	CHECK_INT(circ_textbook_grid(db, &lib1, "7A1", A, &g, &err), 0);
	CHECK(g.nstudents == 4 && g.ntitles == 2);
	if (g.nstudents == 4 && g.ntitles == 2) {
		CHECK_STR(g.titles[0], "Ngữ văn 7");
		CHECK_INT(g.missing[0], 3);
		CHECK_STR(g.students[3].code, "HS705");
		CHECK_INT(g.missing[1], 0);
		CHECK_STR(g.students[0].code, "HS702");
		CHECK_STR(g.cells[0 * 2 + 0], van[0]);
		CHECK(g.cells[1 * 2 + 0] == NULL);
		CHECK_INT(g.biblio_ids[1], toan_bib);
	}
	const char **cls;
	size_t nc = 0;
	CHECK_INT(circ_classes(db, &lib1, A, &cls, &nc, &err), 0);
	CHECK(nc == 3 && strcmp(cls[0], "6A1") == 0 && strcmp(cls[2], "7A1") == 0);
}

static void test_class_sets(void)
{
	circ_result_t r;
	err_t err;
	const char *set[12];
	mkbook(&lib1, "Truyện đọc lớp 5", "TN", 12, set);
	circ_opts_t o = { .kind = "class_set" };
	CHECK_INT(circ_checkout(db, &lib1, "HS002", 0, set[0], &o, A, &r, &err), ERR_CONFLICT);
	CHECK_STR(r.key, "err.circ.classset_teacher");
	/* Twelve copies to a teacher whose limit is 10: limits do not apply. */
	for (int i = 0; i < 12; i++)
		CHECK_INT(circ_checkout(db, &lib1, "GV002", 0, set[i], &o, A, &r, &err), 0);
	CHECK_STR(r.loan.kind, "class_set");
	o.kind = "lending";
	CHECK_INT(circ_checkout(db, &lib1, "GV002", 0, set[0], &o, A, &r, &err), ERR_INVALID);
	/* A home loan now counts only home loans of the type. */
	const char *one[1];
	mkbook(&lib1, "Tô Hoài tuyển tập", "TN", 1, one);
	CHECK_INT(lend(&lib1, "GV002", one[0], &r), 0);
}

static void test_summary_search(void)
{
	err_t err;
	circ_summary_t s;
	CHECK_INT(circ_patron_summary(db, &lib1, "HS002", 0, A, &s, &err), 0);
	CHECK_STR(s.patron.name, "Trần Thị Bình");
	CHECK(s.nloans >= 3);
	CHECK_INT(circ_patron_summary(db, &lib2, "HS002", 0, A, &s, &err), ERR_NOTFOUND);
	CHECK_INT(circ_patron_summary(db, &leader, "HS002", 0, A, &s, &err), ERR_FORBIDDEN);
	circ_patron_t *v;
	size_t n = 0;
	CHECK_INT(circ_patron_search(db, &lib1, "binh tran", A, &v, &n, &err), 0);
	CHECK(n == 1 && strcmp(v[0].code, "HS002") == 0);
	CHECK_INT(circ_patron_search(db, &lib1, "VĂN", A, &v, &n, &err), 0);
	CHECK_INT(n, 4); /* An, Cường, Nghỉ (left, still found), Zũng; not the other school's */
	CHECK_INT(circ_patron_search(db, &lib1, "binh tr", A, &v, &n, &err), 0);
	CHECK(n == 1 && strcmp(v[0].code, "HS002") == 0);
	CHECK_INT(circ_patron_search(db, &lib1, "inh", A, &v, &n, &err), 0); /* word starts only */
	CHECK_INT(n, 0);
	CHECK_INT(circ_patron_search(db, &lib1, "50%_", A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(circ_patron_search(db, &lib2, "binh", A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(circ_patron_search(db, &lib1, "  ", A, &v, &n, &err), ERR_INVALID);
	int what = -1;
	CHECK_INT(circ_identify(db, &lib1, "HS002", &what, &err), 0);
	CHECK_INT(what, 1);
	CHECK_INT(circ_identify(db, &lib1, stk[3], &what, &err), 0);
	CHECK_INT(what, 2);
	CHECK_INT(circ_identify(db, &lib1, other_bc[0], &what, &err), 0);
	CHECK_INT(what, 0);
	/* English messages too. */
	circ_result_t r = { .key = "err.circ.limit", .n = 3, .max = 3, .type_name = "STK" };
	CHECK(strstr(circ_message(A, "en", &r), "3/3") != NULL);
}

/* A reader (role reader, linked by patrons.account_id) places and cancels their own holds only; a
 * waiting hold is fulfilled when its reader borrows a copy of the title. */
static void test_reader_holds(void)
{
	err_t err;
	circ_result_t r;
	account_new_t in = { .unit_id = th1, .username = "hs.an", .role = "reader", .password = PW };
	int64_t acc = 0;
	CHECK_INT(accounts_create(db, NULL, &in, NULL, &acc, &err), 0);
	actor_t me = testdb_login(db, "hs.an", PW);
	CHECK(me.account_id != 0 && me.account_id == acc);
	/* Not linked yet: refused. */
	CHECK_INT(circ_hold_place(db, &me, tn_bib, 0, A, &r, &err), ERR_FORBIDDEN);
	CHECK_STR(r.key, "err.circ.no_patron");
	int64_t hs1 = count("SELECT id FROM patrons WHERE code = 'HS001' AND unit_id = ?", th1);
	int64_t hs2 = count("SELECT id FROM patrons WHERE code = 'HS002' AND unit_id = ?", th1);
	CHECK(db_exec(db, &err, "UPDATE patrons SET account_id = ? WHERE id = ?", "ii", me.account_id, hs1) == 1);
	/* A title whose copies are all out. */
	const char *one[1];
	int64_t b2 = mkbook(&lib1, "Hoàng tử bé", "TN", 1, one);
	CHECK_INT(lend(&lib1, "GV003", one[0], &r), 0);
	CHECK_INT(circ_hold_place(db, &me, b2, hs2, A, &r, &err), ERR_NOTFOUND); /* not for another reader */
	CHECK_INT(circ_hold_place(db, &me, b2, 0, A, &r, &err), 0);
	CHECK_STR(r.patron.code, "HS001");
	int64_t mine = r.hold_id;
	circ_hold_t *hv;
	size_t n = 0;
	CHECK_INT(circ_holds_list(db, &me, 0, 0, A, &hv, &n, NULL, &err), 0);
	CHECK(n == 1 && hv[0].id == mine);
	/* HS002's hold: not the reader's to cancel. */
	CHECK_INT(circ_hold_place(db, &lib1, b2, hs2, A, &r, &err), 0);
	CHECK_INT(circ_hold_cancel(db, &me, r.hold_id, &err), ERR_NOTFOUND);
	CHECK_INT(circ_hold_cancel(db, &me, mine, &err), 0);
	/* HS002 waits; a second copy arrives on the shelf and HS002 borrows it: fulfilled. */
	int64_t ids[1];
	CHECK_INT(catalog_items_add(db, &lib1, b2, batch1, 1, -1, ids, &err), 0);
	db_stmt_t *st = db_query(db, &err, "SELECT barcode FROM items WHERE id = ?", "i", ids[0]);
	CHECK(st && db_step(st, &err) == DB_ROW);
	const char *bc = arena_strdup(A, db_col_text(st, 0));
	db_done(st);
	CHECK_INT(lend(&lib1, "HS002", bc, &r), 0);
	CHECK_STR(r.key, "circ.ok.checkout_hold");
	CHECK_INT(count("SELECT COUNT(*) FROM holds WHERE patron_id = ? AND status = 'fulfilled'", hs2), 2);
}

/* --- concurrency --------------------------------------------------------------------------------- */

static pthread_barrier_t gate;

struct lender {
	const char *patron, *item;
	const char **items;
	int nitems, rounds;
	int rc, ok, refused, loans, returns;
	char err[96];
};

static int retry_busy(int rc)
{
	return rc == ERR_BUSY;
}

static void *lend_one(void *p)
{
	struct lender *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	arena_t *a = arena_new(4096);
	circ_result_t r;
	w->rc = db_open(url, &c, &err);
	pthread_barrier_wait(&gate);
	if (w->rc == 0) {
		int tries = 0;
		do
			w->rc = circ_checkout(c, &lib1, w->patron, 0, w->item, NULL, a, &r, &err);
		while (retry_busy(w->rc) && ++tries < 50);
		if (w->rc == 0)
			w->ok = 1;
		else if (w->rc == ERR_CONFLICT && (!strcmp(r.key, "err.circ.on_loan_other") ||
		                                   !strcmp(r.key, "err.circ.on_loan_same")))
			w->refused = 1, w->rc = 0;
		else
			snprintf(w->err, sizeof w->err, "%s %.60s", err.key ? err.key : "", err.detail);
	}
	db_close(c);
	arena_free(a);
	return NULL;
}

static void test_concurrent_same_copy(void)
{
	const char *bc[1];
	mkbook(&lib1, "Một bản duy nhất", "TN", 1, bc);
	const char *who[8] = { "GV001", "GV003", "HS001", "HS002", "HS006", "HS701", "HS702", "HS703" };
	pthread_t t[8];
	struct lender w[8];
	pthread_barrier_init(&gate, NULL, 8);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct lender){ .patron = who[i], .item = bc[0] };
		pthread_create(&t[i], NULL, lend_one, &w[i]);
	}
	int ok = 0, refused = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			fprintf(stderr, "  lender %d: %d %s\n", i, w[i].rc, w[i].err);
		CHECK_INT(w[i].rc, 0);
		ok += w[i].ok;
		refused += w[i].refused;
	}
	pthread_barrier_destroy(&gate);
	CHECK_INT(ok, 1);
	CHECK_INT(refused, 7);
	err_t err;
	int64_t n = -1;
	CHECK_INT(db_query_int(db, &n, &err,
	                       "SELECT COUNT(*) FROM loans l JOIN items i ON i.id = l.item_id WHERE i.barcode = ?"
	                       " AND i.unit_id = ?",
	                       "si", bc[0], th1),
	          0);
	CHECK_INT(n, 1);
}

static void *lend_many(void *p)
{
	struct lender *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	arena_t *a = arena_new(4096);
	circ_result_t r;
	w->rc = db_open(url, &c, &err);
	pthread_barrier_wait(&gate);
	for (int round = 0; round < w->rounds && w->rc == 0; round++) {
		for (int i = 0; i < w->nitems && w->rc == 0; i++) {
			int tries = 0;
			do
				w->rc = circ_checkout(c, &lib1, w->patron, 0, w->items[i], NULL, a, &r, &err);
			while (retry_busy(w->rc) && ++tries < 50);
			w->loans += w->rc == 0;
		}
		/* The last round leaves the first two copies out. */
		for (int i = round == w->rounds - 1 ? 2 : 0; i < w->nitems && w->rc == 0; i++) {
			int tries = 0;
			do
				w->rc = circ_return(c, &lib1, w->items[i], a, &r, &err);
			while (retry_busy(w->rc) && ++tries < 50);
			w->returns += w->rc == 0;
		}
		arena_reset(a);
	}
	if (w->rc)
		snprintf(w->err, sizeof w->err, "%s %.60s", err.key ? err.key : "", err.detail);
	db_close(c);
	arena_free(a);
	return NULL;
}

static void test_concurrent_many(void)
{
	enum { T = 6, N = 5, R = 4 };
	err_t err;
	int64_t before_loans = count("SELECT COUNT(*) FROM loans WHERE unit_id = ?", th1);
	int64_t before_open = count("SELECT COUNT(*) FROM loans WHERE unit_id = ? AND returned_at IS NULL", th1);
	pthread_t t[T];
	struct lender w[T];
	pthread_barrier_init(&gate, NULL, T);
	for (int i = 0; i < T; i++) {
		const char **bc = arena_alloc(A, N * sizeof *bc);
		mkbook(&lib1, arena_printf(A, "Sách chạy đua %d", i), "TN", N, bc);
		const char *code = arena_printf(A, "GVC%02d", i);
		mkpatron(th1, code, arena_printf(A, "Giáo viên %d", i), "teacher", "", "active", "");
		w[i] = (struct lender){ .patron = code, .items = bc, .nitems = N, .rounds = R };
	}
	for (int i = 0; i < T; i++)
		pthread_create(&t[i], NULL, lend_many, &w[i]);
	int loans = 0, returns = 0;
	for (int i = 0; i < T; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			fprintf(stderr, "  worker %d: %d %s\n", i, w[i].rc, w[i].err);
		CHECK_INT(w[i].rc, 0);
		loans += w[i].loans;
		returns += w[i].returns;
	}
	pthread_barrier_destroy(&gate);
	CHECK_INT(loans, T * N * R);
	CHECK_INT(returns, T * (N * R - 2));
	int64_t all = count("SELECT COUNT(*) FROM loans WHERE unit_id = ?", th1) - before_loans;
	int64_t open = count("SELECT COUNT(*) FROM loans WHERE unit_id = ? AND returned_at IS NULL", th1) - before_open;
	CHECK_INT(all, loans);
	CHECK_INT(open, loans - returns);
	/* Every copy's status agrees with its open loan, in the whole school. */
	int64_t bad = -1;
	CHECK_INT(db_query_int(db, &bad, &err,
	                       "SELECT COUNT(*) FROM items i WHERE i.unit_id = ? AND ((i.status = 'on_loan') <>"
	                       " EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL))",
	                       "i", th1),
	          0);
	CHECK_INT(bad, 0);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action IN ('circ.checkout', 'circ.return')"
	                " AND unit_id = ?",
	                th1) >= loans + returns,
	          1);
}

struct racer {
	const char *item;
	int renew; /* 1: renew, 0: return */
	int rc;
	char key[64];
};

static void *race(void *p)
{
	struct racer *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	arena_t *a = arena_new(4096);
	circ_result_t r;
	w->rc = db_open(url, &c, &err);
	pthread_barrier_wait(&gate);
	if (w->rc == 0) {
		int tries = 0;
		do
			w->rc = w->renew ? circ_renew(c, &lib1, w->item, a, &r, &err) : circ_return(c, &lib1, w->item, a, &r, &err);
		while (retry_busy(w->rc) && ++tries < 50);
		snprintf(w->key, sizeof w->key, "%s", r.key ? r.key : "");
	}
	db_close(c);
	arena_free(a);
	return NULL;
}

static void test_race_return_renew(void)
{
	const char *bc[1];
	mkbook(&lib1, "Sách đua trả và gia hạn", "TN", 1, bc);
	mkpatron(th1, "GVR", "Giáo viên đua", "teacher", "", "active", "");
	int renewed = 0, refused = 0;
	for (int i = 0; i < 10; i++) {
		circ_result_t r;
		CHECK_INT(lend(&lib1, "GVR", bc[0], &r), 0);
		int64_t loan = r.loan.id;
		pthread_t t[2];
		struct racer w[2] = { { .item = bc[0], .renew = 1 }, { .item = bc[0], .renew = 0 } };
		pthread_barrier_init(&gate, NULL, 2);
		for (int k = 0; k < 2; k++)
			pthread_create(&t[k], NULL, race, &w[k]);
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		pthread_barrier_destroy(&gate);
		CHECK_INT(w[1].rc, 0); /* the return always succeeds */
		if (w[0].rc == 0) {
			renewed++;
			CHECK_INT(count("SELECT renewals FROM loans WHERE id = ?", loan), 1);
		} else {
			refused++;
			CHECK_STR(w[0].key, "err.circ.not_on_loan");
			CHECK_INT(count("SELECT renewals FROM loans WHERE id = ?", loan), 0);
		}
		CHECK_INT(count("SELECT COUNT(*) FROM loans WHERE id = ? AND returned_at IS NOT NULL", loan), 1);
		CHECK_INT(count("SELECT COUNT(*) FROM items i WHERE i.status = 'available' AND i.id ="
		                " (SELECT item_id FROM loans WHERE id = ?)",
		                loan),
		          1);
	}
	CHECK_INT(renewed + refused, 10);
}

int main(void)
{
	db = testdb_open();
	snprintf(url, sizeof url, "%s", testdb_current);
	A = arena_new(1 << 16);
	RUN(test_setup);
	RUN(test_checkout_refusals);
	RUN(test_due_dates);
	RUN(test_return);
	RUN(test_renew);
	RUN(test_holds);
	RUN(test_textbooks);
	RUN(test_class_sets);
	RUN(test_summary_search);
	RUN(test_reader_holds);
	RUN(test_concurrent_same_copy);
	RUN(test_concurrent_many);
	RUN(test_race_return_renew);
	arena_free(A);
	testdb_close(db);
	return check_summary("circ");
}
