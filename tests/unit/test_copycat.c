/* test_copycat.c: copy cataloguing (src/copycat) against a real Z39.50/SRU server, YAZ's
 * yaz-ztest, started on a free loopback port and stopped at the end (the tests that need it say
 * "skipped" when it is not installed): the targets setting, searches by title, author and ISBN
 * whose records read as titles, SRU, a closed port and a silent server failing within the timeout
 * without holding up the other target, importing a hit into a school (MARCXML kept, copies in a
 * new batch, a second import refused as a duplicate, only librarians), and the union catalogue of
 * the city (another school's title with counts, no other city's), on $THUVIEN_TEST_DB. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "copycat/copycat.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib[3]; /* librarians: two schools of city 1, one of city 2 */
static actor_t leader; /* the leader of school 0 */
static pid_t ztest_pid;
static int ztest_port;
static char zaddr[64], sruaddr[80];

/* A free loopback port: bind to port 0 and ask which one we got. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("free_port");
		exit(2);
	}
	close(fd);
	return ntohs(sa.sin_port);
}

static int can_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int have_ztest(void)
{
	if (ztest_pid > 0)
		return 1;
	printf("  skipped: yaz-ztest is not running\n");
	return 0;
}

static void start_ztest(void)
{
	if (access("/usr/bin/yaz-ztest", X_OK) != 0)
		return;
	ztest_port = free_port();
	char listen[64];
	snprintf(listen, sizeof listen, "tcp:127.0.0.1:%d", ztest_port);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/usr/bin/yaz-ztest", "yaz-ztest", "-l", "/dev/null", listen, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !can_connect(ztest_port); i++)
		usleep(50000);
	if (!can_connect(ztest_port)) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		printf("  yaz-ztest did not start\n");
		return;
	}
	ztest_pid = pid;
	snprintf(zaddr, sizeof zaddr, "127.0.0.1:%d/Default", ztest_port);
	snprintf(sruaddr, sizeof sruaddr, "http://127.0.0.1:%d/Default", ztest_port);
}

static void stop_ztest(void)
{
	if (ztest_pid > 0) {
		kill(ztest_pid, SIGTERM);
		waitpid(ztest_pid, NULL, 0);
	}
}

static void make_school(int64_t parent, const char *code, const char *user, role_t role, actor_t *out)
{
	err_t err;
	int64_t uid = 0, aid = 0;
	unit_t u;
	if (units_get_by_code(db, code, A, &u, &err) == 0) {
		uid = u.id;
	} else {
		unit_new_t in = { .parent_id = parent,
			          .code = code,
			          .name = "Trường",
			          .kind = "school",
			          .school_level = "th" };
		CHECK_INT(units_create(db, NULL, &in, &uid, &err), 0);
		CHECK_INT(units_get_by_code(db, code, A, &u, &err), 0);
	}
	account_new_t acc = {
		.unit_id = uid, .username = user, .role = role_name(role), .password = "mat-khau-dai-du"
	};
	CHECK_INT(accounts_create(db, NULL, &acc, NULL, &aid, &err), 0);
	*out = (actor_t){ .account_id = aid, .unit_id = uid, .role = role };
	snprintf(out->username, sizeof out->username, "%s", user);
	snprintf(out->unit_kind, sizeof out->unit_kind, "school");
	snprintf(out->unit_path, sizeof out->unit_path, "%s", u.path);
}

static void test_setup(void)
{
	err_t err;
	int64_t city1 = 0, city2 = 0;
	unit_new_t d1 = { .code = "SGD", .name = "Sở 1", .kind = "department" };
	unit_new_t d2 = { .code = "SGD2", .name = "Sở 2", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &d1, &city1, &err), 0);
	CHECK_INT(units_create(db, NULL, &d2, &city2, &err), 0);
	make_school(city1, "TH001", "thuthu.th001", ROLE_LIBRARIAN, &lib[0]);
	make_school(city1, "TH002", "thuthu.th002", ROLE_LIBRARIAN, &lib[1]);
	make_school(city2, "TH901", "thuthu.th901", ROLE_LIBRARIAN, &lib[2]);
	make_school(city1, "TH001", "bgh.th001", ROLE_LEADER, &leader);
	start_ztest();
}

static void test_targets_parse(void)
{
	copycat_target_t *t;
	size_t n;
	err_t err;
	CHECK_INT(copycat_targets_parse("", A, &t, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(copycat_targets_parse("loc=lx2.loc.gov:210/LCDB, sru:bnf=http://catalogue.bnf.fr/api/SRU",
	                                A, &t, &n, &err),
	          0);
	CHECK_INT(n, 2);
	CHECK_STR(t[0].name, "loc");
	CHECK_STR(t[0].address, "lx2.loc.gov:210/LCDB");
	CHECK_INT(t[0].sru, 0);
	CHECK_STR(t[1].name, "bnf");
	CHECK_INT(t[1].sru, 1);
	CHECK_INT(copycat_targets_parse("noequals", A, &t, &n, &err), ERR_INVALID);
	CHECK_INT(copycat_targets_parse("a=h:1/x,a=h:2/y", A, &t, &n, &err), ERR_INVALID);
	CHECK_INT(copycat_targets_parse("sru:a=h:1/x", A, &t, &n, &err), ERR_INVALID); /* SRU wants http:// */
	CHECK_INT(copycat_targets_parse("b@d=h:1/x", A, &t, &n, &err), ERR_INVALID);
	CHECK_INT(copycat_by_parse("isbn"), COPYCAT_BY_ISBN);
	CHECK_INT(copycat_by_parse("nonsense"), -1);
}

static void test_bad_queries(void)
{
	copycat_target_t t = { .name = "z", .address = "127.0.0.1:1/x" };
	copycat_search_out_t out;
	err_t err;
	char big[COPYCAT_MAX_QUERY + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CHECK_INT(copycat_search(&t, 1, "", 0, 5, 1, A, &out, &err), ERR_INVALID);
	CHECK_INT(copycat_search(&t, 1, "   ", 0, 5, 1, A, &out, &err), ERR_INVALID);
	CHECK_INT(copycat_search(&t, 1, big, 0, 5, 1, A, &out, &err), ERR_INVALID);
	CHECK_INT(copycat_search(&t, 1, "\xff\xfe", 0, 5, 1, A, &out, &err), ERR_INVALID);
	CHECK_INT(copycat_search(&t, 1, "not an isbn", COPYCAT_BY_ISBN, 5, 1, A, &out, &err), ERR_INVALID);
	CHECK_INT(copycat_search(&t, 0, "x", 0, 5, 1, A, &out, &err), ERR_INVALID);
}

static void test_search_z3950(void)
{
	if (!have_ztest())
		return;
	copycat_target_t t = { .name = "ztest", .address = zaddr };
	copycat_search_out_t out;
	err_t err;
	/* Quotes and backslashes in the query are escaped, not PQF syntax. */
	static const char *const queries[] = { "computer", "lập trình \"C\" \\ máy tính" };
	for (size_t k = 0; k < 2; k++) {
		CHECK_INT(copycat_search(&t, 1, queries[k], COPYCAT_BY_TITLE, 5, 5, A, &out, &err), 0);
		CHECK_INT(out.ntargets, 1);
		CHECK(out.targets[0].error == NULL);
		if (out.targets[0].error)
			fprintf(stderr, "  error: %s\n", out.targets[0].error);
		CHECK(out.targets[0].total > 0);
		CHECK(out.nhits > 0 && out.nhits <= 5);
		for (size_t i = 0; i < out.nhits; i++) {
			CHECK(out.hits[i].bib.title && *out.hits[i].bib.title);
			CHECK(out.hits[i].marcxml && strstr(out.hits[i].marcxml, "<record") != NULL);
			CHECK_STR(out.hits[i].target, "ztest");
			CHECK_INT(out.hits[i].position, (int)i + 1);
		}
	}
	CHECK_STR(out.hits[0].bib.title, "How to program a computer");
	CHECK(out.hits[0].bib.authors && strstr(out.hits[0].bib.authors, "Jack Collins") != NULL);
	/* By author (ztest finds nothing for a capitalised term: its own rule), and an ISBN found by
	 * "auto". */
	CHECK_INT(copycat_search(&t, 1, "knuth", COPYCAT_BY_AUTHOR, 3, 5, A, &out, &err), 0);
	CHECK(out.nhits > 0 && !out.targets[0].error);
	CHECK_INT(copycat_search(&t, 1, "978-0-306-40615-7", COPYCAT_BY_AUTO, 3, 5, A, &out, &err), 0);
	CHECK(out.nhits > 0 && !out.targets[0].error);
	/* max_hits is a cap even when the server reports millions (ztest echoes a numeric term). */
	CHECK_INT(copycat_search(&t, 1, "9780306406157", COPYCAT_BY_ISBN, 2, 5, A, &out, &err), 0);
	CHECK(out.nhits <= 2);
}

static void test_search_sru(void)
{
	if (!have_ztest())
		return;
	copycat_target_t t = { .name = "ztest-sru", .address = sruaddr, .sru = 1 };
	copycat_search_out_t out;
	err_t err;
	CHECK_INT(copycat_search(&t, 1, "computer", COPYCAT_BY_TITLE, 3, 5, A, &out, &err), 0);
	CHECK(out.targets[0].error == NULL);
	if (out.targets[0].error)
		fprintf(stderr, "  SRU error: %s\n", out.targets[0].error);
	CHECK(out.targets[0].total > 0);
	CHECK(out.nhits > 0);
	if (out.nhits)
		CHECK(out.hits[0].bib.title && *out.hits[0].bib.title);
}

/* A closed port and a server that accepts but never answers: each fails alone, within the
 * timeout, and the live target's hits are still there. */
static void test_dead_targets(void)
{
	if (!have_ztest())
		return;
	char closed[64], silent[64];
	snprintf(closed, sizeof closed, "127.0.0.1:%d/Default", free_port());
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 8) == 0 &&
	      getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
	snprintf(silent, sizeof silent, "127.0.0.1:%d/Default", ntohs(sa.sin_port));
	copycat_target_t t[3] = { { .name = "closed", .address = closed },
		                  { .name = "silent", .address = silent },
		                  { .name = "ztest", .address = zaddr } };
	copycat_search_out_t out;
	err_t err;
	double t0 = now();
	CHECK_INT(copycat_search(t, 3, "computer", COPYCAT_BY_TITLE, 3, 2, A, &out, &err), 0);
	double took = now() - t0;
	CHECK(took < 4.5);
	CHECK(took > 1.5); /* the silent one really was waited for */
	CHECK_INT(out.ntargets, 3);
	CHECK(out.targets[0].error != NULL);
	CHECK_INT(out.targets[0].timed_out, 0);
	CHECK_INT(out.targets[0].total, -1);
	CHECK(out.targets[1].error != NULL);
	CHECK_INT(out.targets[1].timed_out, 1);
	CHECK(out.targets[2].error == NULL);
	CHECK(out.nhits > 0);
	for (size_t i = 0; i < out.nhits; i++)
		CHECK_STR(out.hits[i].target, "ztest");
	close(lfd);
}

static int64_t count(const char *sql, int64_t v)
{
	int64_t n = -1;
	err_t err;
	if (db_query_int(db, &n, &err, sql, "i", v) < 0)
		fprintf(stderr, "  count: %s\n", err.detail);
	return n;
}

static int64_t imported_id;

static void test_import(void)
{
	if (!have_ztest())
		return;
	copycat_target_t t = { .name = "ztest", .address = zaddr };
	copycat_search_out_t out;
	err_t err;
	CHECK_INT(copycat_search(&t, 1, "computer", COPYCAT_BY_TITLE, 1, 5, A, &out, &err), 0);
	if (out.nhits == 0)
		return;
	int64_t id = 0, dup = 0;
	CHECK_INT(copycat_import(db, &leader, &out.hits[0], 2, &id, &dup, &err), ERR_FORBIDDEN);
	CHECK_INT(copycat_import(db, &lib[0], &out.hits[0], 0, &id, &dup, &err), ERR_INVALID);
	CHECK_INT(copycat_import(db, &lib[0], &out.hits[0], 1001, &id, &dup, &err), ERR_INVALID);
	CHECK_INT(count("SELECT COUNT(*) FROM biblios WHERE unit_id = ?", lib[0].unit_id), 0);
	CHECK_INT(copycat_import(db, &lib[0], &out.hits[0], 3, &id, &dup, &err), 0);
	CHECK(id > 0);
	imported_id = id;
	biblio_t b;
	CHECK_INT(catalog_biblio_get(db, &lib[0], id, A, &b, &err), 0);
	CHECK_STR(b.title, "How to program a computer");
	CHECK_INT(b.nitems, 3);
	CHECK_INT(count("SELECT COUNT(*) FROM biblios WHERE id = ? AND marc LIKE '<record%'", id), 1);
	CHECK_INT(count("SELECT COUNT(DISTINCT acquisition_id) FROM items WHERE biblio_id = ?", id), 1);
	CHECK_INT(count("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND note LIKE 'copycat: ztest%'",
	                lib[0].unit_id),
	          1);
	/* Again: the school has it. */
	CHECK_INT(copycat_import(db, &lib[0], &out.hits[0], 1, &id, &dup, &err), ERR_CONFLICT);
	CHECK_INT(dup, imported_id);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE unit_id = ?", lib[0].unit_id), 3);
	/* A record that does not read. */
	copycat_hit_t bad = out.hits[0];
	bad.raw = "00010nam  2200000   4500garbage";
	bad.raw_len = strlen(bad.raw);
	CHECK(copycat_import(db, &lib[1], &bad, 1, &id, &dup, &err) < 0);
	CHECK_INT(count("SELECT COUNT(*) FROM biblios WHERE unit_id = ?", lib[1].unit_id), 0);
}

static void test_union(void)
{
	if (!have_ztest() || !imported_id)
		return;
	err_t err;
	/* School 2 of the same city catalogues the same book by hand with one copy; city 2 too. */
	biblio_t in = { .title = "How to program a computer", .authors = "Jack Collins", .doc_type = "STK" };
	int64_t id2 = 0, id9 = 0, dup = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[1], &in, false, 0, 1, &id2, &dup, &err), 0);
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[2], &in, false, 0, 5, &id9, &dup, &err), 0);
	copycat_title_t *v;
	size_t n = 0;
	CHECK_INT(copycat_union_search(db, &lib[1], "program computer", 20, A, &v, &n, &err), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(v[0].title, "How to program a computer");
		CHECK_INT(v[0].biblio_id, id2); /* the asking school's own record */
		CHECK_INT(v[0].nholdings, 2);   /* not city 2's school */
		if (v[0].nholdings == 2) {
			CHECK_STR(v[0].holdings[0].unit_code, "TH001");
			CHECK_INT(v[0].holdings[0].copies, 3);
			CHECK_STR(v[0].holdings[1].unit_code, "TH002");
			CHECK_INT(v[0].holdings[1].copies, 1);
		}
	}
	/* From the other city: only its own school. */
	CHECK_INT(copycat_union_search(db, &lib[2], "computer", 20, A, &v, &n, &err), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(v[0].nholdings, 1);
		CHECK_STR(v[0].holdings[0].unit_code, "TH901");
	}
	CHECK_INT(copycat_union_search(db, &lib[1], "no such words here", 20, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(copycat_union_search(db, &lib[1], "", 20, A, &v, &n, &err), ERR_INVALID);
	actor_t reader = lib[1];
	reader.role = ROLE_READER;
	CHECK_INT(copycat_union_search(db, &reader, "computer", 20, A, &v, &n, &err), ERR_FORBIDDEN);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	db = testdb_open();
	A = arena_new(1 << 20);
	RUN(test_setup);
	RUN(test_targets_parse);
	RUN(test_bad_queries);
	RUN(test_search_z3950);
	RUN(test_search_sru);
	RUN(test_dead_targets);
	RUN(test_import);
	RUN(test_union);
	stop_ztest();
	arena_free(A);
	testdb_close(db);
	return check_summary("copycat");
}
