/* testdb.h: a migrated database for the unit tests of domain modules. The database is the one
 * $THUVIEN_TEST_DB names (an empty database given to this test program alone: the test runner
 * makes one per program and backend), or a fresh SQLite file under $TMPDIR, deleted by
 * testdb_close(). Configuration defaults are loaded, with a cheaper Argon2id cost so the many
 * hashes of a test take milliseconds (the HTTP tests run the real cost). */
#ifndef THUVIEN_TESTS_TESTDB_H
#define THUVIEN_TESTS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "accounts/actor.h"
#include "accounts/auth.h"
#include "base/config.h"
#include "base/i18n.h"
#include "db/db.h"
#include "units/units.h"

static char testdb_tmp[256];      /* our SQLite file when THUVIEN_TEST_DB is unset, else "" */
static char testdb_current[1024]; /* the URL testdb_open opened, for more connections to it */

/* The URL of the database under test: $THUVIEN_TEST_DB, or a fresh SQLite path under $TMPDIR
 * (not created; testdb_remove() deletes it and its -wal/-shm files at the end). */
static inline void testdb_url(char *url, size_t n)
{
	const char *given = getenv("THUVIEN_TEST_DB");
	if (given && *given) {
		snprintf(url, n, "%s", given);
		return;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(testdb_tmp, sizeof testdb_tmp, "%s/thuvien-unit-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(testdb_tmp);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	unlink(testdb_tmp);
	snprintf(url, n, "%s", testdb_tmp);
}

/* Delete a SQLite database file and its companions. */
static inline void testdb_remove_sqlite(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[300];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static inline void testdb_remove(void)
{
	if (testdb_tmp[0])
		testdb_remove_sqlite(testdb_tmp);
}

/* Open and migrate the database under test, with the configuration defaults. */
static inline db_t *testdb_open(void)
{
	char *url = testdb_current;
	config_defaults();
	g_config.argon2_mem_kib = 1024;
	g_config.argon2_ops = 1;
	i18n_init();
	testdb_url(url, sizeof testdb_current);
	db_t *db = NULL;
	err_t err = { 0 };
	if (db_open(url, &db, &err) < 0 || db_migrate(db, NULL, &err) < 0) {
		fprintf(stderr, "testdb: cannot open and migrate %s: %s\n", url, err.detail);
		exit(2);
	}
	return db;
}

static inline void testdb_close(db_t *db)
{
	db_close(db);
	testdb_remove();
	i18n_shutdown();
}

/* An account a test's setup creates. */
typedef struct testdb_account {
	const char *user, *role;
	int64_t unit;
} testdb_account_t;

/* The Department SGD and two schools under it, codes c1 and c2 of school level level (names
 * "Trường Một", "Trường Hai"): the city most tests start from. 0, or the first error. */
static inline int testdb_two_schools(db_t *db, const char *c1, const char *c2, const char *level, int64_t *s1,
                                     int64_t *s2)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	unit_new_t u1 = { .code = c1, .name = "Trường Một", .kind = "school", .school_level = level };
	unit_new_t u2 = { .code = c2, .name = "Trường Hai", .kind = "school", .school_level = level };
	int rc = units_create(db, NULL, &u0, &sgd, &err);
	u1.parent_id = u2.parent_id = sgd;
	if (rc == 0)
		rc = units_create(db, NULL, &u1, s1, &err);
	if (rc == 0)
		rc = units_create(db, NULL, &u2, s2, &err);
	if (rc < 0)
		fprintf(stderr, "testdb_two_schools: %s\n", err.detail);
	return rc;
}

/* Create the n accounts of v, each with password pw (no password change pending). Returns 0, or
 * the first error (with a line on stderr naming the account). */
static inline int testdb_accounts(db_t *db, const testdb_account_t *v, size_t n, const char *pw)
{
	for (size_t i = 0; i < n; i++) {
		account_new_t in = { .unit_id = v[i].unit, .username = v[i].user, .role = v[i].role, .password = pw };
		err_t err = { 0 };
		int rc = accounts_create(db, NULL, &in, NULL, NULL, &err);
		if (rc < 0) {
			fprintf(stderr, "  account %s: %s %s\n", v[i].user, err.key ? err.key : "", err.detail);
			return rc;
		}
	}
	return 0;
}

/* Log user in with password pw, as the server would, and return the acting account (zeroed, with a
 * line on stderr, when the login fails: the test's own checks then fail on it). */
static inline actor_t testdb_login(db_t *db, const char *user, const char *pw)
{
	actor_t a = { 0 };
	session_t s;
	err_t err = { 0 };
	if (auth_login(db, user, pw, NULL, &a, &s, &err) < 0)
		fprintf(stderr, "  login %s: %s\n", user, err.key ? err.key : "");
	return a;
}

#endif
