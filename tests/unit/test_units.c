/* test_units.c: the unit tree (src/units) and the tenant-scope test it rests on (actor.h). */
#include "check.h"
#include "testdb.h"

#include "audit/audit.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static int64_t sgd, pgd1, pgd2, th1, th2, lc;

static int64_t mk(const actor_t *who, int64_t parent, const char *code, const char *name, const char *kind,
                  const char *level, int want)
{
	err_t err = { 0 };
	int64_t id = 0;
	unit_new_t in = {
		.parent_id = parent, .code = code, .name = name, .kind = kind, .school_level = level
	};
	int rc = units_create(db, who, &in, &id, &err);
	if (rc != want)
		fprintf(stderr, "  units_create %s: got %d (%s %s), want %d\n", code, rc,
		        err.key ? err.key : "", err.detail, want);
	CHECK_INT(rc, want);
	return rc == 0 ? id : 0;
}

/* An actor at a unit, as auth.c would build it. */
static actor_t actor_at(int64_t unit, role_t role)
{
	actor_t a = { 0 };
	unit_t u;
	err_t err;
	if (units_get(db, NULL, unit, A, &u, &err) == 0)
		snprintf(a.unit_path, sizeof a.unit_path, "%s", u.path);
	a.unit_id = unit;
	a.role = role;
	a.account_id = 999;
	snprintf(a.username, sizeof a.username, "tester");
	return a;
}

static void test_create_tree(void)
{
	sgd = mk(NULL, 0, "SGD", "Sở Giáo dục và Đào tạo", "department", NULL, 0);
	pgd1 = mk(NULL, sgd, "pgd01", "Phòng GD&ĐT Quận 1", "office", NULL, 0); /* code upper-cased */
	pgd2 = mk(NULL, sgd, "PGD02", "Phòng GD&ĐT Quận 2", "office", NULL, 0);
	th1 = mk(NULL, pgd1, "TH001", "Trường Tiểu học A", "school", "th", 0);
	th2 = mk(NULL, pgd2, "TH002", "Trường Tiểu học B", "school", "th", 0);
	lc = mk(NULL, pgd2, "LC001", "Trường liên cấp", "school", "lc", 0);
	unit_t u;
	err_t err;
	CHECK_INT(units_get(db, NULL, pgd1, A, &u, &err), 0);
	CHECK_STR(u.code, "PGD01");
	CHECK_INT(u.depth, 1);
	CHECK_INT(units_get(db, NULL, th1, A, &u, &err), 0);
	char want[64];
	snprintf(want, sizeof want, "/%lld/%lld/%lld/", (long long)sgd, (long long)pgd1, (long long)th1);
	CHECK_STR(u.path, want);
	CHECK_INT(u.depth, 2);
	CHECK_STR(u.school_level, "th");
	CHECK_INT(units_get_by_code(db, "LC001", A, &u, &err), 0);
	CHECK_INT(u.id, lc);
}

static void test_bad_input(void)
{
	mk(NULL, sgd, "PGD01", "Trùng mã", "office", NULL, ERR_CONFLICT);
	mk(NULL, sgd, "X", "Mã quá ngắn", "office", NULL, ERR_INVALID);
	mk(NULL, sgd, "CÓ DẤU", "Mã có dấu", "office", NULL, ERR_INVALID);
	mk(NULL, sgd, "OK1", "", "office", NULL, ERR_INVALID);
	mk(NULL, sgd, "OK2", "Trường thiếu cấp học", "school", NULL, ERR_INVALID);
	mk(NULL, sgd, "OK3", "Phòng có cấp học", "office", "th", ERR_INVALID);
	mk(NULL, sgd, "OK4", "Loại lạ", "library", NULL, ERR_INVALID);
	mk(NULL, th1, "OK5", "Phòng dưới trường", "office", NULL, ERR_INVALID);
	mk(NULL, 999999, "OK6", "Cha không tồn tại", "office", NULL, ERR_NOTFOUND);
	mk(NULL, sgd, "OK7", "\xc3\x28 invalid", "office", NULL, ERR_INVALID);
	int64_t n = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &n, &err, "SELECT COUNT(*) FROM units WHERE code LIKE 'OK%'", ""), 0);
	CHECK_INT(n, 0);
}

static void test_scope(void)
{
	actor_t office1 = actor_at(pgd1, ROLE_UNIT_ADMIN), office2 = actor_at(pgd2, ROLE_INSPECTOR);
	actor_t school = actor_at(th1, ROLE_LIBRARIAN);
	unit_t u;
	err_t err;
	CHECK_INT(units_get(db, &office1, th1, A, &u, &err), 0);
	CHECK_INT(units_get(db, &office1, th2, A, &u, &err), ERR_NOTFOUND);
	CHECK_INT(units_get(db, &office1, sgd, A, &u, &err), ERR_NOTFOUND); /* above is not visible */
	CHECK_INT(units_get(db, &office2, lc, A, &u, &err), 0);
	CHECK_INT(units_get(db, &school, th1, A, &u, &err), 0);
	CHECK_INT(units_get(db, &school, th2, A, &u, &err), ERR_NOTFOUND);
	/* A path that merely starts with the same digits is not inside: /1/2/ vs /1/23/. */
	actor_t fake = { 0 };
	snprintf(fake.unit_path, sizeof fake.unit_path, "/1/2/");
	CHECK(actor_sees_path(&fake, "/1/2/7/"));
	CHECK(!actor_sees_path(&fake, "/1/23/"));
	CHECK(!actor_sees_path(&fake, "/1/"));
	actor_t empty = { 0 };
	CHECK(!actor_sees_path(&empty, "/1/"));
	CHECK_STR(actor_path_end(A, "/1/2/"), "/1/20");
}

static void test_create_scope(void)
{
	actor_t office1 = actor_at(pgd1, ROLE_UNIT_ADMIN), lib = actor_at(th1, ROLE_LIBRARIAN);
	int64_t id = mk(&office1, pgd1, "TH003", "Trường mới của phòng 1", "school", "th", 0);
	CHECK(id > 0);
	mk(&office1, pgd2, "TH004", "Trường của phòng khác", "school", "th", ERR_NOTFOUND);
	mk(&lib, th1, "TH005", "Thủ thư không được tạo", "school", "th", ERR_FORBIDDEN);
	mk(&office1, 0, "ROOT2", "Gốc mới", "department", NULL, ERR_FORBIDDEN);
	/* Every creation left an audit row at the unit's path. */
	audit_entry_t *v;
	size_t n = 0;
	err_t err;
	audit_filter_t f = { .action = "unit" };
	CHECK_INT(audit_list(db, &office1, &f, A, &v, &n, &err), 0);
	CHECK_INT(n, 3); /* PGD01 itself, TH001 and TH003: inside PGD01; not PGD02 nor TH004 */
	CHECK_INT(audit_list(db, &lib, &f, A, &v, &n, &err), ERR_FORBIDDEN);
}

static void test_subtree_order(void)
{
	/* Ten offices so that ids reach two digits: "/1/10/" must follow "/1/9/", not "/1/1/". */
	for (int i = 0; i < 9; i++) {
		char code[16], name[32];
		snprintf(code, sizeof code, "P%02d", i);
		snprintf(name, sizeof name, "Phòng %d", i);
		mk(NULL, sgd, code, name, "office", NULL, 0);
	}
	actor_t top = actor_at(sgd, ROLE_SYSADMIN);
	unit_t *v;
	size_t n = 0;
	err_t err;
	CHECK_INT(units_list_subtree(db, &top, 0, A, &v, &n, &err), 0);
	CHECK(n >= 16);
	CHECK_INT(v[0].id, sgd);
	for (size_t i = 1; i < n; i++) {
		/* A unit comes after its parent, and a parent's children follow it before the next
		 * sibling of the parent: the parent is the nearest earlier unit one level up. */
		int found = 0;
		for (size_t j = i; j-- > 0;) {
			if (v[j].depth < v[i].depth) {
				found = v[j].id == v[i].parent_id;
				break;
			}
		}
		CHECK(found);
	}
	int64_t units = 0, schools = 0, accounts = 0;
	actor_t office2 = actor_at(pgd2, ROLE_INSPECTOR);
	CHECK_INT(units_count_subtree(db, &office2, &units, &schools, &accounts, &err), 0);
	CHECK_INT(units, 3);
	CHECK_INT(schools, 2);
	CHECK_INT(accounts, 0);
	CHECK_INT(units_list_subtree(db, &office2, th1, A, &v, &n, &err), ERR_NOTFOUND);
}

static void test_ancestors(void)
{
	unit_t u, *up;
	size_t n = 0;
	err_t err;
	CHECK_INT(units_get(db, NULL, th1, A, &u, &err), 0);
	CHECK_INT(units_ancestors(db, &u, A, &up, &n, &err), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(up[0].id, sgd);
		CHECK_INT(up[1].id, pgd1);
		CHECK_INT(up[2].id, th1);
	}
}

int main(void)
{
	db = testdb_open();
	A = arena_new(4096);
	RUN(test_create_tree);
	RUN(test_bad_input);
	RUN(test_scope);
	RUN(test_create_scope);
	RUN(test_subtree_order);
	RUN(test_ancestors);
	arena_free(A);
	testdb_close(db);
	return check_summary("units");
}
