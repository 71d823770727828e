/* cmd_demo.c: `thuvien demo`: a small city to look around in. Stable names, so scripts and
 * tests can rely on them (README lists them): the Department, two offices, four schools (one of
 * each level plus a multi-level one) and one account per role at several units. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/config.h"
#include "cli/cli.h"
#include "patrons/patrons.h"
#include "units/units.h"

static const char demo_usage[] =
    "usage: thuvien demo [--db URL] [--password PW]\n"
    "\n"
    "Create the demo city in the database (migrating it first) and print its accounts. Every demo\n"
    "account gets the password PW (default: demo-thuvien) and does not have to change it at first\n"
    "login. Running it again on a database that has the demo city changes nothing.\n";

static const struct demo_unit {
	const char *code, *parent, *name, *kind, *level;
} units[] = {
	{ "SGD", NULL, "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "department", NULL },
	{ "PGD01", "SGD", "Phòng Giáo dục và Đào tạo Quận 1", "office", NULL },
	{ "PGD03", "SGD", "Phòng Giáo dục và Đào tạo Quận 3", "office", NULL },
	{ "TH001", "PGD01", "Trường Tiểu học Lê Ngọc Hân", "school", "th" },
	{ "THCS001", "PGD01", "Trường THCS Văn Lang", "school", "thcs" },
	{ "LC001", "PGD03", "Trường Tiểu học, THCS và THPT Ngôi Sao", "school", "lc" },
	{ "THPT001", "SGD", "Trường THPT Trưng Vương", "school", "thpt" },
};

static const struct demo_account {
	const char *username, *unit, *role, *name;
} accounts[] = {
	{ "admin", "SGD", "sysadmin", "Quản trị hệ thống" },
	{ "so.admin", "SGD", "unit_admin", "Quản trị tài khoản Sở" },
	{ "so.chuyenvien", "SGD", "inspector", "Nguyễn Thị Thu Hà" },
	{ "phong1.admin", "PGD01", "unit_admin", "Quản trị Phòng GD&ĐT Quận 1" },
	{ "phong1.chuyenvien", "PGD01", "inspector", "Trần Văn Đức" },
	{ "phong2.admin", "PGD03", "unit_admin", "Quản trị Phòng GD&ĐT Quận 3" },
	{ "phong2.chuyenvien", "PGD03", "inspector", "Lê Thị Hồng" },
};

static const char *const school_roles[][2] = {
	{ "thuthu", "librarian" },
	{ "bgh", "leader" },
	{ "quantri", "unit_admin" },
	{ "bandoc", "reader" },
};

/* Full names of the school accounts, one row per school in units[] order of schools, one column
 * per school_roles entry: made-up people with ordinary Vietnamese names. */
static const char *const school_people[][4] = {
	{ "Nguyễn Thị Lan", "Trần Quốc Bảo", "Lê Minh Tuấn", "Phạm Gia Hân" },
	{ "Đỗ Thị Hương", "Võ Văn Đức", "Huỳnh Thanh Tâm", "Bùi Ngọc Ánh" },
	{ "Đặng Thu Trang", "Ngô Đức Thắng", "Dương Văn Khoa", "Lý Bảo Ngọc" },
	{ "Hoàng Thị Mai", "Phan Văn Long", "Trương Công Danh", "Đinh Khánh Linh" },
};

/* Readers of the demo schools: three classes of 30 students of the school's level and five
 * teachers, with names drawn in a fixed order from common family, middle and given names, so the
 * desk and the cards can be tried at once. Written as a class list through the import (one
 * statement per reader, one audit row per school). */
static const char *const family[] = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
	                              "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý" };
static const char *const middle_m[] = { "Văn", "Minh", "Quốc", "Đức", "Gia", "Hoàng", "Thanh", "Hữu" };
static const char *const middle_f[] = { "Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Minh", "Thanh", "Diệu" };
static const char *const given_m[] = { "An",   "Bảo", "Dũng", "Huy", "Khang", "Khoa", "Long", "Minh",
	                               "Nam",  "Phúc", "Quân", "Sơn", "Tuấn",  "Việt", "Đạt",  "Hiếu" };
static const char *const given_f[] = { "Anh",  "Chi",  "Hà",  "Hân", "Hương", "Lan",  "Linh", "Mai",
	                               "My",   "Ngân", "Nhi", "Thảo", "Trang", "Vy",   "Yến",  "Quỳnh" };

static int demo_readers(db_t *db, arena_t *a, const char *code, const char *level, int school, err_t *err)
{
	static const int grades[][3] = { { 3, 4, 5 }, { 6, 7, 9 }, { 10, 11, 12 }, { 5, 9, 12 } };
	const int *g = !strcmp(level, "th") ? grades[0] : !strcmp(level, "thcs") ? grades[1]
	               : !strcmp(level, "thpt")                                  ? grades[2]
	                                                                         : grades[3];
	char year[16];
	patrons_school_year(clock_today_vn(), year, sizeof year);
	int first = atoi(year);
	buf_t b = BUF_INIT;
	buf_puts(&b, "Mã học sinh;Họ và tên;Ngày sinh;Giới tính;Lớp;Mã định danh;Đối tượng\n");
	unsigned k = (unsigned)school * 7919u;
	for (int c = 0; c < 3; c++)
		for (int i = 0; i < 30; i++, k += 2654435761u) {
			int n = c * 30 + i + 1, f = (int)((k >> 7) & 1);
			buf_printf(&b, "HS%02d%04d;%s %s %s;%02d/%02d/%d;%s;%dA1;0792%02d%02d%04d;Học sinh\n", school + 1, n,
			           family[(k >> 3) % 16], (f ? middle_f : middle_m)[(k >> 9) % 8],
			           (f ? given_f : given_m)[(k >> 13) % 16], 1 + (int)((k >> 17) % 28),
			           1 + (int)((k >> 22) % 12), first - 5 - g[c], f ? "Nữ" : "Nam", g[c], (first - 5 - g[c]) % 100,
			           school + 1, n);
		}
	for (int t = 0; t < 5; t++, k += 2654435761u) {
		int f = t % 2;
		buf_printf(&b, "GV%02d%04d;%s %s %s;%02d/%02d/%d;%s;;;Giáo viên\n", school + 1, t + 1, family[(k >> 3) % 16],
		           (f ? middle_f : middle_m)[(k >> 9) % 8], (f ? given_f : given_m)[(k >> 13) % 16],
		           1 + (int)((k >> 17) % 28), 1 + (int)((k >> 22) % 12), 1975 + (int)((k >> 11) % 25),
		           f ? "Nữ" : "Nam");
	}
	actor_t lib;
	patrons_sheet_t s;
	patrons_import_t res;
	int map[PF__COUNT], rc;
	if ((rc = cli_school_actor(db, code, a, &lib)) != 0) {
		buf_release(&b);
		return err_set(err, ERR_INTERNAL, "err.internal", "no librarian of %s", code);
	}
	rc = patrons_sheet_read(b.data, b.len, a, &s, err);
	if (rc == 0) {
		patrons_mapping_guess(&s, map);
		rc = patrons_import_commit(db, &lib, &s, map, false, a, &res, err);
	}
	buf_release(&b);
	return rc;
}

/* The school's reader account bandoc.<code> is the login of its first student (HSnn0001), so My
 * library and holds from the catalogue can be tried at once; the account takes the student's name. */
static int demo_link_reader(db_t *db, arena_t *a, const char *code, int school, err_t *err)
{
	char user[64], lower[16], card[32];
	size_t j = 0;
	for (; code[j] && j < sizeof lower - 1; j++)
		lower[j] = (char)(code[j] | 0x20);
	lower[j] = 0;
	snprintf(user, sizeof user, "bandoc.%s", lower);
	snprintf(card, sizeof card, "HS%02d0001", school + 1);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, full_name FROM patrons WHERE code = ?"
	                         " AND unit_id = (SELECT unit_id FROM accounts WHERE username = ?)",
	                         "ss", card, user);
	if (!st)
		return err->code;
	int64_t pid = 0;
	char *name = NULL;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		pid = db_col_int(st, 0);
		name = arena_strdup(a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0 || !pid)
		return rc < 0 ? rc : 0;
	rc = db_exec(db, err, "UPDATE accounts SET patron_id = ?, full_name = ?, full_name_fold = ? WHERE username = ?",
	             "isss", pid, name, text_fold(a, name), user);
	if (rc >= 0)
		rc = db_exec(db, err, "UPDATE patrons SET account_id = (SELECT id FROM accounts WHERE username = ?) WHERE id = ?",
		             "si", user, pid);
	return rc < 0 ? rc : 0;
}

static int add_account(db_t *db, arena_t *a, const char *username, const char *unit_code, const char *role,
                       const char *name, const char *pw)
{
	unit_t u;
	err_t err;
	if (units_get_by_code(db, unit_code, a, &u, &err) < 0)
		return cli_error(&err);
	account_new_t in = { .unit_id = u.id,
		             .username = username,
		             .full_name = name,
		             .role = role,
		             .password = pw,
		             .must_change = 0 };
	if (accounts_create(db, NULL, &in, NULL, NULL, &err) < 0)
		return cli_error(&err);
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	const char *pw = "demo-thuvien";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(demo_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--password") && i + 1 < argc) {
			pw = argv[++i];
			continue;
		}
		fprintf(stderr, "thuvien demo: unexpected '%s'\n\n%s", argv[i], demo_usage);
		return 2;
	}
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(4096);
	err_t err;
	int rc = 0;
	unit_t probe;
	int existed = units_get_by_code(db, "SGD", a, &probe, &err) == 0;
	if (existed) {
		printf("The demo city is already in %s; nothing changed.\n", g_config.db);
		goto print;
	}
	if (db_begin(db, &err) < 0) {
		rc = cli_error(&err);
		goto done;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		unit_t parent = { 0 };
		if (units[i].parent && units_get_by_code(db, units[i].parent, a, &parent, &err) < 0)
			goto fail;
		unit_new_t in = { .parent_id = parent.id,
			          .code = units[i].code,
			          .name = units[i].name,
			          .kind = units[i].kind,
			          .school_level = units[i].level };
		if (units_create(db, NULL, &in, NULL, &err) < 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
		if (add_account(db, a, accounts[i].username, accounts[i].unit, accounts[i].role,
		                accounts[i].name, pw))
			goto rollback;
	for (size_t i = 0, school = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(units[i].kind, "school") != 0)
			continue;
		for (size_t k = 0; k < sizeof school_roles / sizeof school_roles[0]; k++) {
			char user[64], lower[16];
			size_t j = 0;
			for (; units[i].code[j] && j < sizeof lower - 1; j++)
				lower[j] = (char)(units[i].code[j] | 0x20);
			lower[j] = 0;
			snprintf(user, sizeof user, "%s.%s", school_roles[k][0], lower);
			if (add_account(db, a, user, units[i].code, school_roles[k][1],
			                school_people[school][k], pw))
				goto rollback;
		}
		school++;
	}
	for (size_t i = 0, school = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(units[i].kind, "school") &&
		    (demo_readers(db, a, units[i].code, units[i].level, (int)school, &err) < 0 ||
		     demo_link_reader(db, a, units[i].code, (int)school++, &err) < 0))
			goto fail;
	if (db_commit(db, &err) < 0)
		goto fail;
	printf("Demo city created in %s.\n", g_config.db);
print:
	if (existed)
		printf("\nDemo accounts (password: the one given when the city was created; default "
		       "demo-thuvien):\n");
	else
		printf("\nDemo accounts (password: %s):\n", pw);
	printf("  %-22s %-12s %s\n", "username", "role", "unit");
	for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
		printf("  %-22s %-12s %s\n", accounts[i].username, accounts[i].role, accounts[i].unit);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(units[i].kind, "school") != 0)
			continue;
		for (size_t k = 0; k < sizeof school_roles / sizeof school_roles[0]; k++) {
			char lower[16];
			size_t j = 0;
			for (; units[i].code[j] && j < sizeof lower - 1; j++)
				lower[j] = (char)(units[i].code[j] | 0x20);
			lower[j] = 0;
			printf("  %s.%-*s %-12s %s\n", school_roles[k][0],
			       (int)(21 - strlen(school_roles[k][0])), lower, school_roles[k][1],
			       units[i].code);
		}
	}
	goto done;
fail:
	cli_error(&err);
rollback:
	db_rollback(db);
	rc = 1;
done:
	arena_free(a);
	db_close(db);
	return rc;
}
