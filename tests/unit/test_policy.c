/* test_policy.c: loan rules (which row applies), settings defaults, closed days and due dates
 * over the national holidays, on the database under test (SQLite or PostgreSQL). */
#include <pthread.h>

#include "accounts/accounts.h"
#include "audit/audit.h"
#include "base/clock.h"
#include "base/config.h"
#include "check.h"
#include "circ/policy.h"
#include "testdb.h"
#include "units/units.h"

static db_t *db;
static int64_t school, other;
static actor_t lib, lib_other, leader, reader, sysadmin;
static const char *PW = "mat-khau-dai-du";

static int64_t day(const char *iso)
{
	int64_t d = -1;
	CHECK(clock_day_parse(iso, &d) == 0);
	return d;
}

static const char *fmt(int64_t d)
{
	static char s[4][16];
	static int k;
	k = (k + 1) % 4;
	clock_day_format(d, s[k], sizeof s[k]);
	return s[k];
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u1, &school, &err), 0);
	unit_new_t u2 = { .parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &other, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", school }, { "thuthu.th002", "librarian", other },
		{ "bgh.th001", "leader", school },       { "hs.th001", "reader", school },
		{ "admin", "sysadmin", sgd },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib = testdb_login(db, "thuthu.th001", PW);
	lib_other = testdb_login(db, "thuthu.th002", PW);
	leader = testdb_login(db, "bgh.th001", PW);
	reader = testdb_login(db, "hs.th001", PW);
	sysadmin = testdb_login(db, "admin", PW);
	CHECK(lib.account_id && lib_other.account_id && leader.account_id && reader.account_id && sysadmin.account_id);
}

static void test_rules(void)
{
	err_t err;
	circ_rule_t r;
	/* The deployment's defaults: the type's row, else '*'. */
	CHECK_INT(circ_rule_get(db, school, "student", "SGK", &r, &err), 0);
	CHECK(r.found && !r.own && r.max_items == 20 && r.holds_allowed == false);
	CHECK_INT(circ_rule_get(db, school, "student", "STK", &r, &err), 0);
	CHECK(r.found && r.max_items == 3 && r.loan_days == 14 && r.renewals == 1 && r.holds_allowed);
	CHECK_INT(circ_rule_get(db, school, "student", "SNV", &r, &err), 0);
	CHECK(r.found && r.max_items == 0);
	/* A school's '*' row wins over the default's row for the type; its type row over its '*'. */
	CHECK(db_exec(db, &err, "INSERT INTO loan_rules (unit_id, patron_kind, doc_type, max_items, loan_days,"
	                        " renewals, holds_allowed) VALUES (?, 'student', '*', 5, 7, 0, 0)",
	              "i", school) == 1);
	CHECK(db_exec(db, &err, "INSERT INTO loan_rules (unit_id, patron_kind, doc_type, max_items, loan_days,"
	                        " renewals, holds_allowed) VALUES (?, 'student', 'TN', 2, 10, 2, 1)",
	              "i", school) == 1);
	CHECK_INT(circ_rule_get(db, school, "student", "SGK", &r, &err), 0);
	CHECK(r.own && r.max_items == 5 && r.loan_days == 7);
	CHECK_INT(circ_rule_get(db, school, "student", "TN", &r, &err), 0);
	CHECK(r.own && r.max_items == 2 && r.loan_days == 10 && r.renewals == 2);
	/* The other school still has the defaults. */
	CHECK_INT(circ_rule_get(db, other, "student", "TN", &r, &err), 0);
	CHECK(!r.own && r.max_items == 3);
	/* A kind without any row: not lent. */
	CHECK(db_exec(db, &err, "DELETE FROM loan_rules WHERE unit_id = 0 AND patron_kind = 'staff'", "") == 1);
	CHECK_INT(circ_rule_get(db, other, "staff", "TN", &r, &err), 0);
	CHECK(!r.found && r.max_items == 0);
}

static void test_due_dates(void)
{
	err_t err;
	circ_settings_t s;
	int64_t d;
	CHECK_INT(circ_settings_get(db, school, &s, &err), 0);
	CHECK(s.closed_wday[0] && !s.closed_wday[6] && s.year_end_month == 5 && s.year_end_day == 31);
	CHECK(s.block_overdue && s.fine_per_day == 0 && s.hold_days == 7);
	/* Monday 2026-11-30 + 14 days = Monday 14/12: open. */
	CHECK_INT(circ_due_day(db, school, &s, day("2026-11-30"), 14, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-12-14");
	/* + 13 days = Sunday 13/12: closed, so Monday. */
	CHECK_INT(circ_due_day(db, school, &s, day("2026-11-30"), 13, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-12-14");
	/* Into Tết 2026 (14-22/02, national): Monday 23/02. */
	CHECK_INT(circ_due_day(db, school, &s, day("2026-02-02"), 14, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-02-23");
	/* 30/04-01/05 2026 (Thu-Fri), then Saturday is open. */
	CHECK_INT(circ_due_day(db, school, &s, day("2026-04-16"), 14, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-05-02");
	/* A school's own break, and Saturdays closed too; the other school is untouched. */
	CHECK(db_exec(db, &err, "INSERT INTO closed_days (unit_id, first_day, last_day, name)"
	                        " VALUES (?, '2026-12-14', '2026-12-20', 'Nghỉ giữa kỳ')",
	              "i", school) == 1);
	CHECK(db_exec(db, &err, "INSERT INTO circ_settings (unit_id, closed_weekdays, year_end, updated_at)"
	                        " VALUES (?, '06', '05-31', 0)",
	              "i", school) == 1);
	CHECK_INT(circ_settings_get(db, school, &s, &err), 0);
	CHECK(s.closed_wday[0] && s.closed_wday[6] && !s.closed_wday[1]);
	CHECK_INT(circ_due_day(db, school, &s, day("2026-11-30"), 14, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-12-21");
	bool closed = false;
	CHECK_INT(circ_day_closed(db, school, &s, day("2026-12-16"), &closed, &err), 0);
	CHECK(closed);
	circ_settings_t so;
	CHECK_INT(circ_settings_get(db, other, &so, &err), 0);
	CHECK_INT(circ_day_closed(db, other, &so, day("2026-12-16"), &closed, &err), 0);
	CHECK(!closed);
	/* Textbooks: due at the year's end, 31/05/2027 is a Monday. From June, the next year's. */
	CHECK_INT(circ_year_end_day(db, school, &s, day("2026-09-05"), &d, &err), 0);
	CHECK_STR(fmt(d), "2027-05-31");
	CHECK_INT(circ_year_end_day(db, school, &s, day("2027-06-02"), &d, &err), 0);
	CHECK_STR(fmt(d), "2028-05-31"); /* a Wednesday */
	/* 31/05/2026 is a Sunday: back to Friday 29/05 (Saturday is closed at this school). */
	CHECK_INT(circ_year_end_day(db, school, &s, day("2025-09-05"), &d, &err), 0);
	CHECK_STR(fmt(d), "2026-05-29");
	/* A calendar closed every day gives up after a year instead of looping. */
	circ_settings_t all = s;
	for (int i = 0; i < 7; i++)
		all.closed_wday[i] = true;
	CHECK_INT(circ_next_open_day(db, school, &all, day("2026-01-01"), &d, &err), 0);
	CHECK_INT(d, day("2026-01-01") + 366);
}

static int64_t audit_rows(const char *action)
{
	int64_t n = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &n, &err, "SELECT COUNT(*) FROM audit WHERE action = ?", "s", action), 0);
	return n;
}

/* The cell (kind, type) of a matrix. */
static const circ_rule_cell_t *cell(const circ_rule_cell_t *v, size_t n, const char *kind, const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].patron_kind, kind) && !strcmp(v[i].doc_type, type))
			return &v[i];
	return NULL;
}

static void test_rule_writes(void)
{
	err_t err;
	arena_t *a = arena_new(8192);
	circ_rule_t r = { .max_items = 4, .loan_days = 21, .renewals = 2, .holds_allowed = true };
	/* The school's librarian sets a cell; an update of the same cell keeps one row. */
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &r, &err), 0);
	r.max_items = 6;
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &r, &err), 0);
	circ_rule_t got;
	CHECK_INT(circ_rule_get(db, school, "student", "STK", &got, &err), 0);
	CHECK(got.own && got.max_items == 6 && got.loan_days == 21 && got.renewals == 2 && got.holds_allowed);
	CHECK_INT(audit_rows("circ.rule.set"), 2);
	/* The matrix shows where each rule comes from. */
	circ_rule_cell_t *v;
	size_t n = 0;
	CHECK_INT(circ_rules_matrix(db, &leader, school, "vi", a, &v, &n, &err), 0);
	CHECK(n >= 3 * 10 && n % 3 == 0);
	const circ_rule_cell_t *c = cell(v, n, "student", "STK");
	CHECK(c && c->source == CIRC_RULE_OWN && c->rule.max_items == 6);
	c = cell(v, n, "student", "SGK"); /* the school has a '*' row for students (test_rules) */
	CHECK(c && c->source == CIRC_RULE_OWN_ANY && c->rule.max_items == 5);
	c = cell(v, n, "teacher", "SGK");
	CHECK(c && c->source == CIRC_RULE_DEFAULT && c->rule.max_items == 30);
	c = cell(v, n, "teacher", "STK");
	CHECK(c && c->source == CIRC_RULE_DEFAULT_ANY && c->rule.max_items == 10);
	c = cell(v, n, "teacher", "*"); /* the default's '*' row is that column's own default */
	CHECK(c && c->source == CIRC_RULE_DEFAULT && !strcmp(c->doc_type_name, ""));
	c = cell(v, n, "student", "TN");
	CHECK(c && !strcmp(c->doc_type_name, "Sách thiếu nhi"));
	/* Out of range, unknown kinds and types: refused, nothing written. */
	circ_rule_t b = r;
	b.max_items = 101;
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.max_items");
	b = r;
	b.loan_days = 0;
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.loan_days");
	b.loan_days = 366;
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &b, &err), ERR_INVALID);
	b = r;
	b.renewals = 11;
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "STK", &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.renewals");
	CHECK_INT(circ_rule_set(db, &lib, school, "alien", "STK", &r, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.kind");
	CHECK_INT(circ_rule_set(db, &lib, school, "student", "XYZ", &r, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.doc_type");
	/* Scope: another school's librarian cannot see ours; leaders, readers, the sysadmin (on a
	 * school) cannot write; a librarian cannot touch the defaults. */
	CHECK_INT(circ_rule_set(db, &lib_other, school, "student", "STK", &r, &err), ERR_NOTFOUND);
	CHECK_INT(circ_rule_set(db, &leader, school, "student", "STK", &r, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rule_set(db, &reader, school, "student", "STK", &r, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rule_set(db, NULL, school, "student", "STK", &r, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rule_set(db, &lib, 0, "student", "STK", &r, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rule_reset(db, &lib_other, school, "student", "STK", &err), ERR_NOTFOUND);
	CHECK_INT(circ_rule_reset(db, &leader, school, "student", "STK", &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rules_matrix(db, &lib_other, school, "vi", a, &v, &n, &err), ERR_NOTFOUND);
	CHECK_INT(circ_rules_matrix(db, &reader, school, "vi", a, &v, &n, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_rule_get(db, school, "student", "STK", &got, &err), 0);
	CHECK(got.max_items == 6);
	CHECK_INT(audit_rows("circ.rule.set"), 2);
	/* Reset: back to the school's '*' row; resetting again writes nothing. */
	CHECK_INT(circ_rule_reset(db, &lib, school, "student", "STK", &err), 0);
	CHECK_INT(circ_rule_get(db, school, "student", "STK", &got, &err), 0);
	CHECK(got.own && got.max_items == 5);
	CHECK_INT(circ_rule_reset(db, &lib, school, "student", "STK", &err), 0);
	CHECK_INT(audit_rows("circ.rule.reset"), 1);
	/* The sysadmin edits the defaults (unit 0), seen by the other school; the '*' default stays. */
	r = (circ_rule_t){ .max_items = 7, .loan_days = 10, .renewals = 0 };
	CHECK_INT(circ_rule_set(db, &sysadmin, 0, "teacher", "TN", &r, &err), 0);
	CHECK_INT(circ_rule_get(db, other, "teacher", "TN", &got, &err), 0);
	CHECK(!got.own && got.max_items == 7 && !got.holds_allowed);
	CHECK_INT(circ_rules_matrix(db, &sysadmin, 0, "en", a, &v, &n, &err), 0);
	c = cell(v, n, "teacher", "TN");
	CHECK(c && c->source == CIRC_RULE_OWN && !strcmp(c->doc_type_name, "Children's book"));
	CHECK_INT(circ_rule_reset(db, &sysadmin, 0, "teacher", "*", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.reset_any");
	CHECK_INT(circ_rule_reset(db, &sysadmin, 0, "teacher", "TN", &err), 0);
	CHECK_INT(circ_rule_get(db, other, "teacher", "TN", &got, &err), 0);
	CHECK(got.max_items == 10);
	/* The page's unit: a librarian's own school, a sysadmin's defaults. */
	int64_t u = -5;
	CHECK_INT(circ_policy_unit(db, &lib, -1, &u, &err), 0);
	CHECK_INT(u, school);
	CHECK_INT(circ_policy_unit(db, &sysadmin, -1, &u, &err), 0);
	CHECK_INT(u, 0);
	CHECK_INT(circ_policy_unit(db, &sysadmin, school, &u, &err), 0);
	CHECK_INT(u, school);
	CHECK_INT(circ_policy_unit(db, &lib, other, &u, &err), ERR_NOTFOUND);
	CHECK(circ_policy_can_write(&lib, school) && !circ_policy_can_write(&lib, other) &&
	      !circ_policy_can_write(&leader, school) && circ_policy_can_write(&sysadmin, 0) &&
	      !circ_policy_can_write(&sysadmin, school) && !circ_policy_can_write(&lib, 0));
	arena_free(a);
}

static void test_settings_writes(void)
{
	err_t err;
	circ_settings_t s, got;
	CHECK_INT(circ_settings_get(db, other, &s, &err), 0);
	s.closed_wday[6] = true;
	s.year_end_month = 6;
	s.year_end_day = 15;
	s.hold_days = 5;
	s.hold_expiry_days = 30;
	s.block_overdue = false;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &s, &err), 0);
	CHECK_INT(circ_settings_get(db, other, &got, &err), 0);
	CHECK(got.closed_wday[0] && got.closed_wday[6] && !got.closed_wday[1]);
	CHECK(got.year_end_month == 6 && got.year_end_day == 15 && got.hold_days == 5 &&
	      got.hold_expiry_days == 30);
	CHECK(!got.block_overdue && got.fine_per_day == 0);
	CHECK_INT(audit_rows("circ.settings"), 1);
	/* Bad values: nothing written. */
	circ_settings_t b = s;
	for (int i = 0; i < 7; i++)
		b.closed_wday[i] = true;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.closed_all");
	b = s;
	b.year_end_month = 2;
	b.year_end_day = 30;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.year_end");
	b = s;
	b.hold_days = 0;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.hold_days");
	b = s;
	b.hold_expiry_days = 400;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.hold_expiry");
	/* Fines: refused while the deployment has them off; stored and read once it turns them on. */
	b = s;
	b.fine_per_day = 1000;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.fines_off");
	g_config.fines_enabled = 1;
	b.fine_per_day = 1000001;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.circ.fine");
	b.fine_per_day = 2000;
	CHECK_INT(circ_settings_set(db, &lib_other, other, &b, &err), 0);
	CHECK_INT(circ_settings_get(db, other, &got, &err), 0);
	CHECK_INT(got.fine_per_day, 2000);
	g_config.fines_enabled = 0;
	CHECK_INT(circ_settings_get(db, other, &got, &err), 0);
	CHECK_INT(got.fine_per_day, 0); /* off: no fines anywhere, whatever is stored */
	/* Scope. */
	CHECK_INT(circ_settings_set(db, &lib, other, &s, &err), ERR_NOTFOUND);
	CHECK_INT(circ_settings_set(db, &leader, school, &s, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_settings_set(db, &reader, school, &s, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_settings_set(db, &sysadmin, 0, &s, &err), ERR_INVALID);
	CHECK_INT(audit_rows("circ.settings"), 2);
}

static void test_closed_writes(void)
{
	err_t err;
	arena_t *a = arena_new(8192);
	int64_t id = 0, id2 = 0, nat = 0, u = -1;
	circ_settings_t s;
	CHECK_INT(circ_settings_get(db, other, &s, &err), 0);
	/* A break of the other school moves its due dates, not ours. */
	CHECK_INT(circ_closed_add(db, &lib_other, other, day("2026-10-05"), day("2026-10-09"),
	                          "  Nghỉ giữa kỳ I ", &id, &err),
	          0);
	int64_t d;
	CHECK_INT(circ_due_day(db, other, &s, day("2026-09-21"), 14, &d, &err), 0);
	CHECK_STR(fmt(d), "2026-10-12"); /* after the break: Saturday and Sunday are closed there */
	circ_closed_t *v;
	size_t n = 0;
	CHECK_INT(circ_closed_list(db, &lib_other, other, 2026, a, &v, &n, &err), 0);
	bool seen = false, national = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].id == id) {
			seen = true;
			CHECK_STR(v[i].name, "Nghỉ giữa kỳ I");
			CHECK_STR(v[i].first, "2026-10-05");
		}
		if (v[i].unit_id == 0 && !strcmp(v[i].first, "2027-02-05"))
			national = true;
		CHECK(v[i].unit_id == 0 || v[i].unit_id == other);
		CHECK(strcmp(v[i].last, "2026-08-01") >= 0 && strcmp(v[i].first, "2027-07-31") <= 0);
	}
	CHECK(seen && national);
	CHECK_INT(circ_closed_list(db, &lib, school, 2026, a, &v, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].id != id);
	/* Bad input. */
	CHECK_INT(
	    circ_closed_add(db, &lib_other, other, day("2026-10-09"), day("2026-10-05"), "x", &id2, &err),
	    ERR_INVALID);
	CHECK_STR(err.key, "err.circ.range");
	CHECK_INT(
	    circ_closed_add(db, &lib_other, other, day("2026-01-01"), day("2027-06-01"), "x", &id2, &err),
	    ERR_INVALID);
	CHECK_INT(
	    circ_closed_add(db, &lib_other, other, day("2026-10-05"), day("2026-10-05"), "   ", &id2, &err),
	    ERR_INVALID);
	CHECK_STR(err.key, "err.circ.closed_name");
	/* Scope: our librarian cannot add to or remove from the other school, nor national days;
	 * leaders and readers cannot write. */
	CHECK_INT(circ_closed_add(db, &lib, other, day("2026-10-05"), day("2026-10-05"), "x", &id2, &err),
	          ERR_NOTFOUND);
	CHECK_INT(circ_closed_add(db, &lib, 0, day("2026-10-05"), day("2026-10-05"), "x", &id2, &err),
	          ERR_FORBIDDEN);
	CHECK_INT(circ_closed_add(db, &leader, school, day("2026-10-05"), day("2026-10-05"), "x", &id2, &err),
	          ERR_FORBIDDEN);
	CHECK_INT(circ_closed_remove(db, &lib, id, &u, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.circ.closed_notfound");
	CHECK_INT(circ_closed_remove(db, &reader, id, &u, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_closed_remove(db, &lib, 999999, &u, &err), ERR_NOTFOUND);
	int64_t tet = 0;
	CHECK_INT(db_query_int(db, &tet, &err,
	                       "SELECT id FROM closed_days WHERE unit_id = 0 AND first_day = '2027-02-05'",
	                       ""),
	          0);
	CHECK_INT(circ_closed_remove(db, &lib_other, tet, &u, &err), ERR_FORBIDDEN);
	CHECK_INT(audit_rows("circ.closed.add"), 1);
	CHECK_INT(audit_rows("circ.closed.remove"), 0);
	/* The sysadmin manages national holidays. */
	CHECK_INT(circ_closed_add(db, &sysadmin, 0, day("2026-11-20"), day("2026-11-20"),
	                          "Ngày Nhà giáo Việt Nam", &nat, &err),
	          0);
	bool closed = false;
	CHECK_INT(circ_day_closed(db, school, &s, day("2026-11-20"), &closed, &err), 0);
	CHECK(closed);
	CHECK_INT(circ_closed_remove(db, &sysadmin, nat, &u, &err), 0);
	CHECK_INT(u, 0);
	CHECK_INT(circ_day_closed(db, school, &s, day("2026-11-20"), &closed, &err), 0);
	CHECK(!closed);
	/* The owner removes its break. */
	CHECK_INT(circ_closed_remove(db, &lib_other, id, &u, &err), 0);
	CHECK_INT(u, other);
	CHECK_INT(circ_closed_remove(db, &lib_other, id, &u, &err), ERR_NOTFOUND);
	CHECK_INT(audit_rows("circ.closed.remove"), 2);
	CHECK_INT(circ_school_year_of(day("2026-08-01")), 2026);
	CHECK_INT(circ_school_year_of(day("2026-07-31")), 2025);
	arena_free(a);
}

/* Librarians saving the same cell at once, each on its own connection: every save succeeds (the
 * upsert is one statement), one row remains, with one writer's values. */
typedef struct saver {
	int n, rc;
} saver_t;

static void *save_cell(void *arg)
{
	saver_t *w = arg;
	db_t *c = NULL;
	err_t err;
	w->rc = db_open(testdb_current, &c, &err);
	for (int i = 0; i < 20 && w->rc == 0; i++) {
		circ_rule_t r = { .max_items = w->n, .loan_days = 10 + w->n, .renewals = 1 };
		w->rc = circ_rule_set(c, &lib, school, "teacher", "STK", &r, &err);
		if (w->rc == ERR_BUSY)
			w->rc = 0; /* SQLite's busy timeout ran out: a refusal, not a wrong state */
	}
	db_close(c);
	return NULL;
}

static void test_concurrent_saves(void)
{
	pthread_t t[4];
	saver_t w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (saver_t){ .n = i + 1 };
		pthread_create(&t[i], NULL, save_cell, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(w[i].rc, 0);
	}
	err_t err;
	int64_t rows = 0;
	CHECK_INT(db_query_int(db, &rows, &err,
	                       "SELECT COUNT(*) FROM loan_rules WHERE unit_id = ? AND patron_kind = 'teacher'"
	                       " AND doc_type = 'STK'",
	                       "i", school),
	          0);
	CHECK_INT(rows, 1);
	circ_rule_t got;
	CHECK_INT(circ_rule_get(db, school, "teacher", "STK", &got, &err), 0);
	CHECK(got.max_items >= 1 && got.max_items <= 4 && got.loan_days == 10 + got.max_items);
}

int main(void)
{
	db = testdb_open();
	RUN(test_setup);
	RUN(test_rules);
	RUN(test_due_dates);
	RUN(test_rule_writes);
	RUN(test_settings_writes);
	RUN(test_closed_writes);
	RUN(test_concurrent_saves);
	testdb_close(db);
	return check_summary("policy");
}
