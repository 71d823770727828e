/* test_social.c: reader self-service and what readers add to the catalogue (src/opac/readers.h,
 * social.h) on the database under test: reader accounts (issue, reset, a class at once, the
 * left reader), My library (loans, renewals through the desk's rules, holds, history and its
 * switch, the card's barcode), the reader scope (another reader's loan or hold is not found),
 * reviews (validation, moderation, the record's block with its average and no names), reading
 * lists (who sees them, adding by id / barcode / ISBN, order) and the discovery blocks (new
 * arrivals, most borrowed this month by grade, the viewer's lists, the cache). */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/buf.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "circ/circ.h"
#include "opac/opac.h"
#include "opac/readers.h"
#include "opac/social.h"
#include "patrons/patrons.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader, an, binh, lan;
static int64_t th1, th2, p_an, p_binh, p_lan, p_left;
static int64_t b_demen, b_rung, b_que, b_other;
static const char *bc_demen[4], *bc_rung[4], *bc_que[4], *bc_other[4];
static const char *PW = "mat-khau-dai-du";

static int64_t mkbook(const actor_t *who, const char *title, const char *isbn, int n, const char **bc)
{
	biblio_t in = { .title = title, .authors = "Tô Hoài", .doc_type = "STK", .year = 2020, .isbn = isbn };
	int64_t id = 0, dupid = 0, ids[4];
	err_t err = { 0 };
	CHECK_INT(catalog_biblio_create(db, who, &in, true, &id, &dupid, &err), 0);
	CHECK_INT(catalog_items_add(db, who, id, 0, n, -1, ids, &err), 0);
	for (int i = 0; i < n; i++) {
		db_stmt_t *st = db_query(db, &err, "SELECT barcode FROM items WHERE id = ?", "i", ids[i]);
		CHECK(st && db_step(st, &err) == DB_ROW);
		bc[i] = arena_strdup(A, db_col_text(st, 0));
		db_done(st);
	}
	return id;
}

static int64_t mkpatron(const char *name, const char *cls, const char *code, const char *kind)
{
	patron_t in = { .full_name = name, .class_name = cls, .code = code, .kind = kind };
	int64_t id = 0;
	err_t err = { 0 };
	CHECK_INT(patrons_create(db, &lib1, &in, A, &id, &err), 0);
	return id;
}

/* Issue the reader's account and log in with its first password. */
static actor_t login_reader(int64_t patron)
{
	readers_account_t acc;
	err_t err = { 0 };
	CHECK_INT(readers_account_issue(db, &lib1, patron, A, &acc, &err), 0);
	CHECK(acc.created && acc.password);
	actor_t a = testdb_login(db, acc.username, acc.password);
	CHECK(a.account_id && a.patron_id == patron && a.role == ROLE_READER && a.must_change_password);
	return a;
}

static void test_setup(void)
{
	CHECK_INT(testdb_two_schools(db, "TH001", "TH002", "thcs", &th1, &th2), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 },
		{ "thuthu.th002", "librarian", th2 },
		{ "bgh.th001", "leader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "thuthu.th001", PW);
	lib2 = testdb_login(db, "thuthu.th002", PW);
	leader = testdb_login(db, "bgh.th001", PW);
	b_demen = mkbook(&lib1, "Dế Mèn phiêu lưu ký", NULL, 2, bc_demen);
	b_rung = mkbook(&lib1, "Đất rừng phương Nam", NULL, 1, bc_rung);
	b_que = mkbook(&lib1, "Quê nội", "978-604-2-00001-7", 1, bc_que);
	b_other = mkbook(&lib2, "Sách trường khác", NULL, 1, bc_other);
	p_an = mkpatron("Nguyễn Văn An", "7A1", "HS-AN", "student");
	p_binh = mkpatron("Trần Thị Bình", "7A2", "HS-BINH", "student");
	p_lan = mkpatron("Lê Thị Lan", "", "GV-LAN", "teacher");
	p_left = mkpatron("Đỗ Văn Chuyển", "7A1", "HS-LEFT", "student");
	an = login_reader(p_an);
	binh = login_reader(p_binh);
	lan = login_reader(p_lan);
}

static void test_accounts(void)
{
	readers_account_t acc, again;
	err_t err;
	CHECK_INT(readers_account_issue(db, &lib1, p_left, A, &acc, &err), 0);
	CHECK_STR(acc.username, "th001.hs-left");
	CHECK(acc.created);
	/* Reset: a new password, the old one dead, a change forced. */
	CHECK_INT(readers_account_issue(db, &lib1, p_left, A, &again, &err), 0);
	CHECK(!again.created && again.account_id == acc.account_id &&
	      strcmp(again.password, acc.password) != 0);
	actor_t x = { 0 };
	session_t s;
	CHECK_INT(auth_login(db, acc.username, acc.password, NULL, &x, &s, &err), ERR_AUTH);
	CHECK_INT(auth_login(db, again.username, again.password, NULL, &x, &s, &err), 0);
	CHECK(x.must_change_password);
	/* Scope and roles. */
	CHECK_INT(readers_account_issue(db, &lib2, p_an, A, &acc, &err), ERR_NOTFOUND);
	CHECK_INT(readers_account_issue(db, &leader, p_an, A, &acc, &err), ERR_FORBIDDEN);
	CHECK_INT(readers_account_issue(db, &an, p_binh, A, &acc, &err), ERR_FORBIDDEN);
	/* A reader who left: no login, no new account. */
	CHECK_INT(patrons_set_status(db, &lib1, p_left, "left", "chuyển trường", A, &err), 0);
	CHECK_INT(auth_login(db, again.username, again.password, NULL, &x, &s, &err), ERR_FORBIDDEN);
	CHECK_INT(readers_account_issue(db, &lib1, p_left, A, &acc, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.raccount.left");
	/* A class at once: those with an account are listed without a password. */
	mkpatron("Học Sinh Một", "7A3", "HS-31", "student");
	mkpatron("Học Sinh Hai", "7A3", "HS-32", "student");
	readers_account_t *v;
	size_t n = 0;
	CHECK_INT(readers_accounts_for_class(db, &lib1, "7A3", A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].password && v[i].created);
	CHECK_INT(readers_accounts_for_class(db, &lib1, "7A3", A, &v, &n, &err), 0);
	CHECK(n == 2 && !v[0].password && !v[1].password);
	CHECK_INT(readers_accounts_for_class(db, &lib1, "9Z9", A, &v, &n, &err), ERR_NOTFOUND);
}

static void test_my_library(void)
{
	err_t err;
	circ_result_t res;
	CHECK_INT(circ_checkout(db, &lib1, "HS-AN", 0, bc_demen[0], NULL, A, &res, &err), 0);
	CHECK_INT(circ_checkout(db, &lib1, "HS-BINH", 0, bc_rung[0], NULL, A, &res, &err), 0);
	readers_me_t me;
	CHECK_INT(readers_me(db, &an, A, &me, &err), 0);
	CHECK_INT(me.nloans, 1);
	CHECK_STR(me.loans[0].title, "Dế Mèn phiêu lưu ký");
	CHECK_STR(me.patron.class_name, "7A1");
	int64_t loan = me.loans[0].id;
	/* Renewal: by the desk's rules (one for students), the due date moved forward. */
	char early[16];
	clock_day_format(clock_today_vn() + 2, early, sizeof early);
	CHECK(db_exec(db, &err, "UPDATE loans SET due = ? WHERE id = ?", "si", early, loan) == 1);
	CHECK_INT(readers_renew(db, &an, loan, A, &res, &err), 0);
	CHECK(res.loan.due && strcmp(res.loan.due, early) > 0);
	CHECK_INT(readers_renew(db, &an, loan, A, &res, &err), ERR_CONFLICT);
	CHECK_STR(res.key, "err.circ.renew_max");
	/* Another reader's loan is not found, and nothing changes; the desk's API stays the desk's. */
	CHECK_INT(readers_renew(db, &binh, loan, A, &res, &err), ERR_NOTFOUND);
	CHECK_INT(circ_renew(db, &an, bc_demen[0], A, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_renew_self(db, &binh, bc_demen[0], A, &res, &err), ERR_NOTFOUND);
	int64_t renewals = -1;
	CHECK_INT(db_query_int(db, &renewals, &err, "SELECT renewals FROM loans WHERE id = ?", "i", loan), 0);
	CHECK_INT(renewals, 1);
	/* Holds: a title all out; its place in the queue; another school's record is not found. */
	CHECK_INT(readers_hold_place(db, &an, b_rung, A, &res, &err), 0);
	CHECK_INT(res.position, 1);
	int64_t hold = res.hold_id;
	CHECK_INT(readers_hold_place(db, &an, b_other, A, &res, &err), ERR_NOTFOUND);
	CHECK_INT(readers_hold_place(db, &an, b_que, A, &res, &err), ERR_CONFLICT); /* on the shelf */
	CHECK_INT(readers_me(db, &an, A, &me, &err), 0);
	CHECK(me.nholds == 1 && me.holds[0].position == 1 && me.holds[0].id == hold);
	CHECK_INT(readers_hold_cancel(db, &binh, hold, &err), ERR_NOTFOUND);
	CHECK_INT(readers_hold_cancel(db, &leader, hold, &err), ERR_FORBIDDEN);
	CHECK_INT(readers_hold_cancel(db, &an, hold, &err), 0);
	/* History and its switch. */
	CHECK_INT(circ_return(db, &lib1, bc_demen[0], A, &res, &err), 0);
	CHECK_INT(readers_me(db, &an, A, &me, &err), 0);
	CHECK(me.nloans == 0 && me.nhistory == 1 && me.history[0].returned_day);
	CHECK_INT(readers_set_privacy(db, &an, true, &err), 0);
	CHECK_INT(readers_me(db, &an, A, &me, &err), 0);
	CHECK(me.hide_history && me.nhistory == 0);
	CHECK_INT(readers_set_privacy(db, &an, false, &err), 0);
	CHECK_INT(readers_me(db, &an, A, &me, &err), 0);
	CHECK_INT(me.nhistory, 1);
	/* Staff have no My library. */
	CHECK_INT(readers_me(db, &lib1, A, &me, &err), ERR_FORBIDDEN);
}

static void test_card(void)
{
	buf_t b = BUF_INIT;
	err_t err;
	CHECK_INT(readers_card_svg(db, &an, &b, &err), 0);
	CHECK(strncmp(buf_str(&b), "<svg", 4) == 0 && strstr(buf_str(&b), ">HS-AN</text>"));
	CHECK(strstr(buf_str(&b), "<rect x=") != NULL);
	buf_release(&b);
	CHECK_INT(readers_card_svg(db, &lib1, &b, &err), ERR_FORBIDDEN);
	buf_release(&b);
}

static void test_reviews(void)
{
	err_t err;
	bool created = false;
	CHECK_INT(opac_review_save(db, &an, b_demen, 4, "Truyện rất hay!", &created, &err), 0);
	CHECK(created);
	CHECK_INT(opac_review_save(db, &binh, b_demen, 2, "Em thấy hơi dài.", &created, &err), 0);
	CHECK_INT(opac_review_save(db, &an, b_demen, 0, "x", NULL, &err), ERR_INVALID);
	CHECK_INT(opac_review_save(db, &an, b_demen, 6, "x", NULL, &err), ERR_INVALID);
	char long_body[2102];
	memset(long_body, 'a', 2001);
	long_body[2001] = 0;
	CHECK_INT(opac_review_save(db, &an, b_demen, 3, long_body, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.review.long");
	CHECK_INT(opac_review_save(db, &an, b_demen, 3, "\xff\xfe", NULL, &err), ERR_INVALID);
	CHECK_INT(opac_review_save(db, &an, b_other, 3, "x", NULL, &err), ERR_NOTFOUND);
	CHECK_INT(opac_review_save(db, &lib1, b_demen, 3, "x", NULL, &err), ERR_FORBIDDEN);
	/* Pending: not shown. */
	json_t *o = opac_social_record(db, NULL, th1, b_demen, A);
	CHECK_INT(json_integer_value(json_object_get(o, "count")), 0);
	json_decref(o);
	opac_review_t *v;
	size_t n;
	int64_t pending;
	CHECK_INT(opac_reviews_list(db, &lib1, "vi", A, &v, &n, &pending, &err), 0);
	CHECK(n == 2 && pending == 2);
	CHECK_INT(opac_reviews_list(db, &lib2, "vi", A, &v, &n, &pending, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(opac_reviews_list(db, &an, "vi", A, &v, &n, &pending, &err), ERR_FORBIDDEN);
	CHECK_INT(opac_reviews_list(db, &lib1, "vi", A, &v, &n, &pending, &err), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(opac_review_decide(db, &lib2, v[i].id, true, &err), ERR_NOTFOUND);
		CHECK_INT(opac_review_decide(db, &lib1, v[i].id, true, &err), 0);
	}
	CHECK_INT(opac_review_decide(db, &lib1, 999999, true, &err), ERR_NOTFOUND);
	/* Approved: count, average, signatures without names; the viewer's own review. */
	o = opac_social_record(db, NULL, th1, b_demen, A);
	CHECK_INT(json_integer_value(json_object_get(o, "count")), 2);
	CHECK_STR(json_string_value(json_object_get(o, "average")), "3.0");
	CHECK(!json_is_true(json_object_get(o, "can_review")) && !json_object_get(o, "mine"));
	char *dump = json_dumps(o, 0);
	CHECK(dump && strstr(dump, "Bạn đọc lớp 7A1") && strstr(dump, "Bạn đọc lớp 7A2"));
	CHECK(dump && !strstr(dump, "Nguyễn") && !strstr(dump, "Bình") && !strstr(dump, "HS-AN"));
	free(dump);
	json_decref(o);
	o = opac_social_record(db, &an, th1, b_demen, A);
	CHECK(json_is_true(json_object_get(o, "can_review")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "mine"), "status")), "approved");
	json_decref(o);
	/* Another school's reader may not review here. */
	o = opac_social_record(db, &an, th2, b_other, A);
	CHECK(!json_is_true(json_object_get(o, "can_review")));
	json_decref(o);
	/* An edit goes back to pending and leaves the shown ones. */
	CHECK_INT(opac_review_save(db, &an, b_demen, 5, "Đọc lại vẫn hay.", &created, &err), 0);
	CHECK(!created);
	o = opac_social_record(db, &an, th1, b_demen, A);
	CHECK_INT(json_integer_value(json_object_get(o, "count")), 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "mine"), "status")), "pending");
	json_decref(o);
	/* A teacher signs as a teacher. */
	CHECK_INT(opac_review_save(db, &lan, b_rung, 5, "", NULL, &err), 0);
	CHECK_INT(opac_reviews_list(db, &lib1, "vi", A, &v, &n, &pending, &err), 0);
	CHECK(n > 0 && !strcmp(v[0].status, "pending"));
	bool teacher = false;
	for (size_t i = 0; i < n; i++)
		teacher |= v[i].biblio_id == b_rung && !strcmp(v[i].by, "Giáo viên");
	CHECK(teacher);
}

static void test_lists(void)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(opac_list_save(db, &an, 0, "Danh mục", "", "7A1", &id, &err), ERR_FORBIDDEN);
	CHECK_INT(opac_list_save(db, &lan, 0, "", "", "7A1", &id, &err), ERR_INVALID);
	CHECK_INT(opac_list_save(db, &lan, 0, "Sách hè 7A1", "Đọc trong hè", "7A1", &id, &err), 0);
	CHECK(id > 0);
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", (long long)b_rung);
	CHECK_INT(opac_list_add(db, &lan, id, ref, "Đọc trước", &err), 0);
	CHECK_INT(opac_list_add(db, &lan, id, bc_demen[1], NULL, &err), 0);
	CHECK_INT(opac_list_add(db, &lan, id, "9786042000017", NULL, &err), 0);
	CHECK_INT(opac_list_add(db, &lan, id, ref, NULL, &err), ERR_CONFLICT);
	snprintf(ref, sizeof ref, "%lld", (long long)b_other);
	CHECK_INT(opac_list_add(db, &lan, id, ref, NULL, &err), ERR_NOTFOUND);
	CHECK_INT(opac_list_add(db, &lan, id, "KHONG-CO-1", NULL, &err), ERR_NOTFOUND);
	CHECK_INT(opac_list_move(db, &lan, id, b_que, -1, &err), 0);
	opac_list_t l;
	CHECK_INT(opac_list_get(db, &an, id, A, &l, &err), 0);
	CHECK(l.nitems == 3 && l.items[0].biblio_id == b_rung && l.items[1].biblio_id == b_que &&
	      l.items[2].biblio_id == b_demen);
	CHECK(!l.can_edit);
	CHECK_INT(opac_list_get(db, &binh, id, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(opac_list_get(db, &lib2, id, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(opac_list_get(db, &leader, id, A, &l, &err), 0);
	CHECK_INT(opac_list_get(db, &lib1, id, A, &l, &err), 0);
	CHECK(l.can_edit);
	CHECK_INT(opac_list_add(db, &an, id, ref, NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(opac_list_remove(db, &lib2, id, b_rung, &err), ERR_NOTFOUND);
	/* A whole-school list reaches every reader of the school. */
	int64_t all = 0;
	CHECK_INT(opac_list_save(db, &lib1, 0, "Cả trường đọc", "", "", &all, &err), 0);
	opac_list_t *v;
	size_t n;
	CHECK_INT(opac_lists_visible(db, &binh, A, &v, &n, &err), 0);
	CHECK(n == 1 && v[0].id == all);
	CHECK_INT(opac_lists_visible(db, &an, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(opac_lists_visible(db, &lib2, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	opac_list_hit_t *hits;
	CHECK_INT(opac_list_search(db, &lan, "que noi", A, &hits, &n, &err), 0);
	CHECK(n == 1 && hits[0].id == b_que);
	CHECK_INT(opac_list_search(db, &an, "que", A, &hits, &n, &err), ERR_FORBIDDEN);
	CHECK_INT(opac_list_delete(db, &lib1, all, &err), 0);
	CHECK_INT(opac_list_get(db, &binh, all, A, &l, &err), ERR_NOTFOUND);
}

static void test_discover(void)
{
	err_t err;
	opac_discover_reset();
	json_t *o = opac_discover(db, &an, th1, A);
	json_t *fresh = json_object_get(o, "new");
	CHECK_INT(json_array_size(fresh), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(fresh, 0), "title")), "Quê nội");
	/* This month's loans by grade: An (7A1) borrowed Dế Mèn, Bình (7A2) Đất rừng phương Nam. */
	json_t *pop = json_object_get(o, "popular");
	CHECK_INT(json_array_size(pop), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(pop, 0), "grade")), 7);
	json_t *recs = json_object_get(json_array_get(pop, 0), "records");
	CHECK_INT(json_array_size(recs), 2);
	/* An's lists: the 7A1 list. */
	json_t *lists = json_object_get(o, "lists");
	CHECK(json_array_size(lists) == 1 &&
	      !strcmp(json_string_value(json_object_get(json_array_get(lists, 0), "title")), "Sách hè 7A1"));
	json_decref(o);
	/* Cached for a minute: a new record shows after the cache is reset. */
	const char *bc[1];
	mkbook(&lib1, "Tắt đèn", NULL, 1, bc);
	o = opac_discover(db, NULL, th1, A);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "new"), 0), "title")),
	          "Quê nội");
	CHECK_INT(json_array_size(json_object_get(o, "lists")), 0);
	json_decref(o);
	opac_discover_reset();
	o = opac_discover(db, NULL, th1, A);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "new"), 0), "title")),
	          "Tắt đèn");
	json_decref(o);
	/* The union: works, once the sync attached the records. */
	CHECK(opac_sync(db, &err) >= 0);
	opac_discover_reset();
	o = opac_discover(db, NULL, 0, A);
	CHECK(json_array_size(json_object_get(o, "new")) >= 5);
	CHECK(json_is_true(json_object_get(o, "union")));
	json_t *p0 = json_array_get(json_object_get(o, "popular"), 0);
	CHECK(p0 && json_integer_value(json_object_get(p0, "grade")) == 7);
	const char *url =
	    json_string_value(json_object_get(json_array_get(json_object_get(o, "new"), 0), "url"));
	CHECK(url && !strncmp(url, "/opac/works/", 12));
	json_decref(o);
	/* A school that closes its catalogue to anonymous visitors leaves the city's blocks. */
	CHECK(db_exec(db, &err, "UPDATE units SET opac_public = 0 WHERE id = ?", "i", th1) == 1);
	opac_discover_reset();
	o = opac_discover(db, NULL, 0, A);
	json_t *n0 = json_object_get(o, "new");
	CHECK(json_array_size(n0) >= 1 && json_array_size(json_object_get(o, "popular")) == 0);
	for (size_t i = 0; i < json_array_size(n0); i++)
		CHECK(strcmp(json_string_value(json_object_get(json_array_get(n0, i), "title")),
		             "Sách trường khác") == 0);
	json_decref(o);
	CHECK(db_exec(db, &err, "UPDATE units SET opac_public = 1 WHERE id = ?", "i", th1) == 1);
	opac_reset();
	opac_discover_reset();
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_setup);
	RUN(test_accounts);
	RUN(test_my_library);
	RUN(test_card);
	RUN(test_reviews);
	RUN(test_lists);
	RUN(test_discover);
	arena_free(A);
	testdb_close(db);
	return check_summary("social");
}
