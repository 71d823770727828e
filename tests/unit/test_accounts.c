/* test_accounts.c: passwords, accounts, login, lockout, sessions (src/accounts), on the backend
 * $THUVIEN_TEST_DB names. Time is moved with clock_set_offset() to test expiry. */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "accounts/password.h"
#include "audit/audit.h"
#include "base/clock.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static int64_t sgd, pgd1, pgd2, th1, th2;
static const char *PW = "mat-khau-dai-du";

static int64_t unit(int64_t parent, const char *code, const char *kind, const char *level)
{
	int64_t id = 0;
	err_t err;
	unit_new_t in = {
		.parent_id = parent, .code = code, .name = code, .kind = kind, .school_level = level
	};
	CHECK_INT(units_create(db, NULL, &in, &id, &err), 0);
	return id;
}

static int64_t account(const actor_t *who, int64_t unit_id, const char *user, const char *role, int want)
{
	int64_t id = 0;
	err_t err = { 0 };
	account_new_t in = { .unit_id = unit_id,
		             .username = user,
		             .full_name = "Nguyễn Văn Thử",
		             .role = role,
		             .password = PW,
		             .must_change = who != NULL };
	int rc = accounts_create(db, who, &in, "127.0.0.1", &id, &err);
	if (rc != want)
		fprintf(stderr, "  accounts_create %s: got %d (%s), want %d\n", user, rc,
		        err.key ? err.key : "", want);
	CHECK_INT(rc, want);
	return rc == 0 ? id : 0;
}

/* Log in and return the actor (and session); CHECKs the status. */
static int login(const char *user, const char *pw, actor_t *a, session_t *s)
{
	err_t err = { 0 };
	return auth_login(db, user, pw, "10.0.0.1", a, s, &err);
}

static int64_t count(const char *sql, const char *arg)
{
	int64_t n = -1;
	err_t err;
	if (db_query_int(db, &n, &err, sql, "s", arg) < 0)
		fprintf(stderr, "  count: %s\n", err.detail);
	return n;
}

static void test_password_policy(void)
{
	err_t err = { 0 };
	CHECK_INT(password_policy_check("an", "mat-khau-dai-du", &err), 0);
	CHECK_INT(password_policy_check("an", "ngan", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.password.short");
	CHECK_INT(password_policy_check("thuthu.th001", "THUTHU.TH001", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.password.username");
	CHECK_INT(password_policy_check("an", "1234567890", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.password.common");
	CHECK_INT(password_policy_check("an", "MatKhau1234", &err), ERR_INVALID); /* folded match */
	CHECK_INT(password_policy_check("an", "Mật Khẩu 1234", &err), 0); /* has spaces: not in list */
	CHECK_INT(password_policy_check("an", "mậtkhẩu1234", &err), ERR_INVALID); /* marks ignored */
	CHECK_INT(password_policy_check("an", "\xff\xfe invalid utf8", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.utf8");
	char longpw[300];
	memset(longpw, 'x', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = 0;
	CHECK_INT(password_policy_check("an", longpw, &err), ERR_INVALID);
	CHECK_INT(password_policy_check("an", "", &err), ERR_INVALID);
	/* Characters, not bytes: ten Vietnamese letters are long enough. */
	CHECK_INT(password_policy_check("an", "đươngđươngđ", &err), 0);
}

static void test_password_hash(void)
{
	char h[128];
	err_t err;
	CHECK_INT(password_hash("bí mật lắm đấy", h, &err), 0);
	CHECK(strncmp(h, "$argon2id$", 10) == 0);
	CHECK(password_verify(h, "bí mật lắm đấy"));
	CHECK(!password_verify(h, "bi mat lam day"));
	CHECK(!password_verify(h, ""));
	CHECK(!password_verify("garbage", "x"));
	CHECK(!password_needs_rehash(h));
	g_config.argon2_ops = 2;
	CHECK(password_needs_rehash(h));
	g_config.argon2_ops = 1;
}

static void test_setup(void)
{
	sgd = unit(0, "SGD", "department", NULL);
	pgd1 = unit(sgd, "PGD01", "office", NULL);
	pgd2 = unit(sgd, "PGD02", "office", NULL);
	th1 = unit(pgd1, "TH001", "school", "th");
	th2 = unit(pgd2, "TH002", "school", "th");
	account(NULL, sgd, "admin", "sysadmin", 0);
	account(NULL, pgd1, "phong1.admin", "unit_admin", 0);
	account(NULL, th1, "quantri.th001", "unit_admin", 0);
	account(NULL, th1, "thuthu.th001", "librarian", 0);
	account(NULL, th2, "thuthu.th002", "librarian", 0);
	account(NULL, th2, "quantri.th002", "unit_admin", 0);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = ?", "account.create"), 6);
}

static void test_create_rules(void)
{
	actor_t ph, qt, lib;
	session_t s;
	CHECK_INT(login("phong1.admin", PW, &ph, &s), 0);
	CHECK_INT(login("quantri.th001", PW, &qt, &s), 0);
	CHECK_INT(login("thuthu.th001", PW, &lib, &s), 0);
	account(&ph, th1, "bgh.th001", "leader", 0);
	account(&ph, th2, "bgh.th002", "leader", ERR_NOTFOUND);   /* another office's school */
	account(&qt, th2, "x.th002", "librarian", ERR_NOTFOUND);  /* another school */
	account(&qt, pgd1, "x.pgd01", "inspector", ERR_NOTFOUND); /* above the school */
	account(&lib, th1, "x.th001", "reader", ERR_FORBIDDEN);   /* not an admin */
	account(&ph, th1, "x2.th001", "sysadmin", ERR_INVALID);   /* sysadmin only by a sysadmin */
	account(&ph, pgd1, "x3.pgd01", "librarian", ERR_INVALID); /* librarians belong to schools */
	account(&ph, th1, "x4.th001", "inspector", ERR_INVALID);  /* inspectors do not */
	account(&ph, th1, "BGH.TH001", "leader", ERR_CONFLICT);   /* names are case-insensitive */
	account(&ph, th1, "a", "leader", ERR_INVALID);
	account(&ph, th1, "có.dấu", "leader", ERR_INVALID);
	account(&ph, th1, "x5.th001", "admin", ERR_INVALID);
	CHECK_INT(count("SELECT COUNT(*) FROM accounts WHERE username LIKE ?", "x%"), 0);
	/* A new account must change its password. */
	account_t acc;
	err_t err;
	CHECK_INT(accounts_get_by_username(db, "bgh.th001", A, &acc, &err), 0);
	CHECK_INT(acc.must_change_password, 1);
	CHECK_STR(acc.full_name, "Nguyễn Văn Thử");
}

static void test_get_and_list(void)
{
	actor_t ph, qt2, lib;
	session_t s;
	err_t err;
	account_t acc, *v;
	size_t n;
	int64_t total;
	CHECK_INT(login("phong1.admin", PW, &ph, &s), 0);
	CHECK_INT(login("quantri.th002", PW, &qt2, &s), 0);
	CHECK_INT(login("thuthu.th001", PW, &lib, &s), 0);
	CHECK_INT(accounts_get_by_username(db, "thuthu.th001", A, &acc, &err), 0);
	int64_t lib1 = acc.id;
	CHECK_INT(accounts_get(db, &ph, lib1, A, &acc, &err), 0);
	CHECK_INT(accounts_get(db, &qt2, lib1, A, &acc, &err), ERR_NOTFOUND);
	CHECK_INT(accounts_get(db, &lib, lib1, A, &acc, &err), 0); /* oneself */
	CHECK_INT(accounts_get(db, &lib, ph.account_id, A, &acc, &err), ERR_NOTFOUND);

	account_filter_t f = { 0 };
	CHECK_INT(accounts_list(db, &qt2, &f, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 2);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(v[i].unit_code, "TH002");
	CHECK_INT(accounts_list(db, &lib, &f, A, &v, &n, &total, &err), ERR_FORBIDDEN);
	f.q = "nguyen van"; /* folded search finds "Nguyễn Văn Thử" */
	CHECK_INT(accounts_list(db, &ph, &f, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 4); /* phong1.admin, quantri.th001, thuthu.th001, bgh.th001 */
	f.q = "100%_";
	CHECK_INT(accounts_list(db, &ph, &f, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 0);
	f.q = NULL;
	f.unit_id = th1;
	CHECK_INT(accounts_list(db, &ph, &f, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 3);
	f.unit_id = th2;
	CHECK_INT(accounts_list(db, &ph, &f, A, &v, &n, &total, &err), ERR_NOTFOUND);
}

static void test_login_and_lockout(void)
{
	actor_t a;
	session_t s;
	CHECK_INT(login("thuthu.th002", PW, &a, &s), 0);
	CHECK_STR(a.unit_code, "TH002");
	CHECK_INT(a.role, ROLE_LIBRARIAN);
	CHECK_INT(login("THUTHU.TH002", PW, &a, &s), 0); /* user names ignore case */
	CHECK_INT(login("khong.ton.tai", PW, &a, &s), ERR_AUTH);
	CHECK_INT(login("thuthu.th002", "sai-mat-khau", &a, &s), ERR_AUTH);
	CHECK_INT(login("thuthu.th002", "", &a, &s), ERR_AUTH);
	CHECK_INT(login(NULL, NULL, &a, &s), ERR_AUTH);
	for (int i = 0; i < 3; i++)
		CHECK_INT(login("thuthu.th002", "sai-mat-khau", &a, &s), ERR_AUTH);
	CHECK_INT(login("thuthu.th002", "sai-mat-khau", &a, &s), ERR_LOCKED); /* the fifth */
	CHECK_INT(login("thuthu.th002", PW, &a, &s), ERR_LOCKED);             /* even the right one */
	CHECK(count("SELECT COUNT(*) FROM audit WHERE action = ?", "login.lockout") == 1);
	CHECK(count("SELECT COUNT(*) FROM audit WHERE action = ?", "login.locked") >= 1);
	/* The unknown user and four wrong passwords; empty fields are refused before any check. */
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = ?", "login.fail"), 5);
	clock_set_offset(16 * 60);
	CHECK_INT(login("thuthu.th002", PW, &a, &s), 0); /* the lock lapsed */
	clock_set_offset(0);
}

static void test_sessions(void)
{
	actor_t a, b;
	session_t s, t;
	err_t err;
	CHECK_INT(login("thuthu.th001", PW, &a, &s), 0);
	CHECK(strlen(s.token) == AUTH_TOKEN_LEN - 1);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), 0);
	CHECK_STR(b.username, "thuthu.th001");
	CHECK(auth_csrf_ok(&t, s.csrf));
	CHECK(!auth_csrf_ok(&t, "nope"));
	CHECK(!auth_csrf_ok(&t, NULL));
	CHECK(!auth_csrf_ok(&t, ""));
	CHECK_INT(auth_session(db, "not-a-token", &b, &t, &err), ERR_AUTH);
	/* Only the hash is stored. */
	CHECK_INT(count("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", s.token), 0);
	/* Idle expiry. */
	clock_set_offset(g_config.session_idle + 5);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), ERR_AUTH);
	clock_set_offset(0);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), ERR_AUTH); /* deleted, not only refused */
	/* Absolute expiry, even when used every minute. */
	CHECK_INT(login("thuthu.th001", PW, &a, &s), 0);
	for (int64_t off = 0; off <= g_config.session_max; off += g_config.session_idle / 2) {
		clock_set_offset(off);
		if (auth_session(db, s.token, &b, &t, &err) != 0)
			break;
	}
	clock_set_offset(g_config.session_max + 60);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), ERR_AUTH);
	clock_set_offset(0);
	/* Logout. */
	CHECK_INT(login("thuthu.th001", PW, &a, &s), 0);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), 0);
	CHECK_INT(auth_logout(db, &b, t.id, NULL, &err), 0);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), ERR_AUTH);
}

static void test_admin_actions(void)
{
	actor_t ph, qt, lib, adm, x;
	session_t s, ls, t;
	err_t err;
	account_t acc;
	CHECK_INT(login("phong1.admin", PW, &ph, &s), 0);
	CHECK_INT(login("quantri.th002", PW, &qt, &s), 0);
	CHECK_INT(login("admin", PW, &adm, &s), 0);
	CHECK_INT(login("thuthu.th001", PW, &lib, &ls), 0);
	CHECK_INT(auth_session(db, ls.token, &x, &t, &err), 0); /* now cached */
	int64_t id = lib.account_id;

	CHECK_INT(accounts_set_disabled(db, &qt, id, 1, NULL, &err), ERR_NOTFOUND); /* other school */
	CHECK_INT(accounts_set_disabled(db, &ph, ph.account_id, 1, NULL, &err), ERR_FORBIDDEN); /* self */
	CHECK_INT(accounts_set_disabled(db, &ph, adm.account_id, 1, NULL, &err), ERR_NOTFOUND); /* above */
	CHECK_INT(accounts_set_disabled(db, &lib, id, 1, NULL, &err), ERR_FORBIDDEN);

	CHECK_INT(accounts_set_disabled(db, &ph, id, 1, NULL, &err), 0);
	CHECK_INT(auth_session(db, ls.token, &x, &t, &err), ERR_AUTH); /* at once, cache or not */
	CHECK_INT(login("thuthu.th001", PW, &x, &s), ERR_FORBIDDEN);
	CHECK_INT(accounts_set_disabled(db, &ph, id, 0, NULL, &err), 0);
	CHECK_INT(login("thuthu.th001", PW, &x, &ls), 0);

	CHECK_INT(accounts_reset_password(db, &ph, id, "ngan", NULL, &err), ERR_INVALID);
	CHECK_INT(accounts_reset_password(db, &ph, id, "mat-khau-tam-thoi", NULL, &err), 0);
	CHECK_INT(auth_session(db, ls.token, &x, &t, &err), ERR_AUTH);
	CHECK_INT(login("thuthu.th001", PW, &x, &s), ERR_AUTH);
	CHECK_INT(login("thuthu.th001", "mat-khau-tam-thoi", &x, &s), 0);
	CHECK(x.must_change_password);

	/* The forced change: wrong current, same, policy, then success. */
	CHECK_INT(accounts_change_password(db, &x, "sai", "mat-khau-moi-123", s.id, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.password.current");
	CHECK_INT(
	    accounts_change_password(db, &x, "mat-khau-tam-thoi", "mat-khau-tam-thoi", s.id, NULL, &err),
	    ERR_INVALID);
	CHECK_INT(accounts_change_password(db, &x, "mat-khau-tam-thoi", "thuthu.th001", s.id, NULL, &err),
	          ERR_INVALID);
	CHECK_INT(accounts_change_password(db, &x, "mat-khau-tam-thoi", PW, s.id, NULL, &err), 0);
	CHECK_INT(accounts_get(db, &ph, id, A, &acc, &err), 0);
	CHECK_INT(acc.must_change_password, 0);
	CHECK_INT(auth_session(db, s.token, &x, &t, &err), 0); /* the session that changed it lives on */
	CHECK(!x.must_change_password);

	/* Unlock. */
	for (int i = 0; i < 5; i++)
		login("thuthu.th001", "sai-mat-khau", &x, &s);
	CHECK_INT(login("thuthu.th001", PW, &x, &s), ERR_LOCKED);
	CHECK_INT(accounts_unlock(db, &qt, id, NULL, &err), ERR_NOTFOUND);
	CHECK_INT(accounts_unlock(db, &ph, id, NULL, &err), 0);
	CHECK_INT(login("thuthu.th001", PW, &x, &s), 0);

	/* Every change has its audit row, visible to the office, not to the other school. */
	audit_entry_t *v;
	size_t n;
	audit_filter_t f = { .action = "account" };
	CHECK_INT(audit_list(db, &ph, &f, A, &v, &n, &err), 0);
	int seen[4] = { 0 };
	for (size_t i = 0; i < n; i++) {
		seen[0] |= !strcmp(v[i].action, "account.disable");
		seen[1] |= !strcmp(v[i].action, "account.enable");
		seen[2] |= !strcmp(v[i].action, "account.reset");
		seen[3] |= !strcmp(v[i].action, "account.unlock");
		CHECK(strncmp(v[i].unit_path, ph.unit_path, strlen(ph.unit_path)) == 0);
	}
	CHECK(seen[0] && seen[1] && seen[2] && seen[3]);
	CHECK_INT(audit_list(db, &qt, &f, A, &v, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		CHECK(strstr(v[i].detail ? v[i].detail : "", "th001") == NULL);
}

static void test_lang(void)
{
	actor_t a, b;
	session_t s, t;
	err_t err;
	CHECK_INT(login("thuthu.th002", PW, &a, &s), 0);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), 0);
	CHECK_STR(b.lang, "vi");
	CHECK_INT(accounts_set_lang(db, &a, "en", &err), 0);
	CHECK_INT(auth_session(db, s.token, &b, &t, &err), 0);
	CHECK_STR(b.lang, "en");
	CHECK_INT(accounts_set_lang(db, &a, "fr", &err), ERR_INVALID);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(4096);
	RUN(test_password_policy);
	RUN(test_password_hash);
	RUN(test_setup);
	RUN(test_create_rules);
	RUN(test_get_and_list);
	RUN(test_login_and_lockout);
	RUN(test_sessions);
	RUN(test_admin_actions);
	RUN(test_lang);
	arena_free(A);
	testdb_close(db);
	return check_summary("accounts");
}
