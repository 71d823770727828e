/* test_policy.c: loan rules (which row applies), settings defaults, closed days and due dates
 * over the national holidays, on the database under test (SQLite or PostgreSQL). */
#include "base/clock.h"
#include "check.h"
#include "circ/policy.h"
#include "testdb.h"
#include "units/units.h"

static db_t *db;
static int64_t school, other;

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

int main(void)
{
	db = testdb_open();
	RUN(test_setup);
	RUN(test_rules);
	RUN(test_due_dates);
	testdb_close(db);
	return check_summary("policy");
}
