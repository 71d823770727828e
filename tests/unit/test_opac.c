/* test_opac.c: the OPAC's union catalogue and its search index (src/opac/sync.c, index.c,
 * index_search.c) on the backend $THUVIEN_TEST_DB names, with real titles: the Tiki list of
 * ../shared/data/vn, catalogued by three schools with overlapping collections (the third closed
 * to anonymous visitors), attached by opac_sync, then searched. Every expectation that depends
 * on the data is read back from the database (works, biblios), not assumed. */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/text.h"
#include "catalog/booklist.h"
#include "catalog/catalog.h"
#include "catalog/edit.h"
#include "opac/opac.h"
#include "opac/opac_int.h"
#include "units/units.h"

#define TIKI  "../shared/data/vn/tiki-book_data.csv"
#define NROWS 1200

static db_t *db;
static arena_t *A;
static actor_t lib[3];
static int64_t unit[3];
static int64_t rec[3][NROWS]; /* each school's record of row i, or 0 */
static booklist_t list;
static bool have_data;

static int64_t q_int(const char *sql, const char *types, int64_t x, int64_t y)
{
	int64_t n = -1;
	err_t err;
	int rc = types[0] == 0   ? db_query_int(db, &n, &err, sql, "")
	         : types[1] == 0 ? db_query_int(db, &n, &err, sql, types, x)
	                         : db_query_int(db, &n, &err, sql, types, x, y);
	if (rc < 0 && rc != ERR_NOTFOUND)
		fprintf(stderr, "  query: %s: %s\n", sql, err.detail);
	return n;
}

static char *q_text(const char *sql, int64_t x)
{
	err_t err;
	char *r = NULL;
	db_stmt_t *st = db_query(db, &err, sql, "i", x);
	if (st && db_step(st, &err) == DB_ROW && db_col_text(st, 0))
		r = arena_strdup(A, db_col_text(st, 0));
	db_done(st);
	return r;
}

static int sync_all(void)
{
	err_t err = { 0 };
	int rc = opac_sync(db, &err);
	if (rc < 0)
		fprintf(stderr, "  opac_sync: %s %s\n", err.key ? err.key : "", err.detail);
	return rc;
}

/* A search with defaults: the union catalogue, logged in, relevance, first 20. */
static opac_query_t Q(const char *q)
{
	return (opac_query_t){ .q = q, .limit = 20 };
}

static opac_result_t run(opac_query_t q)
{
	opac_result_t r;
	err_t err = { 0 };
	int rc = opac_search(&q, A, &r, &err);
	if (rc < 0) {
		fprintf(stderr, "  opac_search(%s): %s\n", q.q ? q.q : "", err.key ? err.key : "");
		memset(&r, 0, sizeof r);
	}
	return r;
}

/* The fields a row gets, varied by its number so the facets have several values. */
static void vary(size_t i, biblio_t *b)
{
	b->doc_type = i % 10 == 0 ? "SGK" : i % 3 == 0 ? "TN" : "STK";
	if (i % 10 == 0)
		b->grade = 1 + (int)(i % 12);
	b->year = 1990 + (int)((i * 7) % 35);
	b->language = i % 13 == 0 ? "eng" : "vie";
	static const char *const cls[] = { "895.9223", "Z", "8(V)", "" };
	b->class_number = cls[i % 4];
}

/* Which schools catalogue row i: 0 rows 0-699, 1 rows 400-1099, 2 (closed) rows 0-49 and
 * 1000-1199. */
static bool holds(int s, size_t i)
{
	switch (s) {
	case 0:
		return i < 700;
	case 1:
		return i >= 400 && i < 1100;
	default:
		return i < 50 || (i >= 1000 && i < 1200);
	}
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	for (int s = 0; s < 3; s++) {
		char code[16], user[32];
		snprintf(code, sizeof code, "TH%03d", s + 1);
		snprintf(user, sizeof user, "thuthu.th%03d", s + 1);
		unit_new_t in = { .parent_id = sgd,
			          .code = code,
			          .name = "Trường",
			          .kind = "school",
			          .school_level = "th" };
		CHECK_INT(units_create(db, NULL, &in, &unit[s], &err), 0);
		testdb_account_t acc = { user, "librarian", unit[s] };
		CHECK_INT(testdb_accounts(db, &acc, 1, "mat-khau-dai-du"), 0);
		lib[s] = testdb_login(db, user, "mat-khau-dai-du");
	}
	CHECK_INT(db_exec(db, &err, "UPDATE units SET opac_public = 0 WHERE id = ?", "i", unit[2]), 1);

	FILE *f = fopen(TIKI, "rb");
	if (!f) {
		printf("  skipped: %s not found\n", TIKI);
		return;
	}
	char *data = malloc(1 << 20);
	size_t len = fread(data, 1, 1 << 20, f);
	fclose(f);
	CHECK_INT(booklist_read_buf(data, len, A, &list, &err), 0);
	free(data);
	CHECK(list.nrows >= NROWS);
	have_data = list.nrows >= NROWS;
	if (!have_data)
		return;
	int made = 0;
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; i < NROWS; i++) {
			if (!holds(s, i))
				continue;
			biblio_t b = list.rows[i].bib;
			vary(i, &b);
			int64_t dup = 0;
			int rc = catalog_biblio_create_with_copies(db, &lib[s], &b, false, 0, 1, &rec[s][i],
			                                           &dup, &err);
			if (rc == ERR_CONFLICT) /* the list has the same book twice */
				continue;
			CHECK_INT(rc, 0);
			made++;
		}
	}
	CHECK(made > 1500);
	CHECK(sync_all() > 0);
	CHECK_INT(q_int("SELECT count(*) FROM biblios WHERE work_sync = 1", "", 0, 0), 0);
	opac_stats_t st;
	opac_stats(&st);
	CHECK_INT(st.works, q_int("SELECT count(*) FROM works WHERE schools > 0", "", 0, 0));
	CHECK_INT(
	    st.holdings,
	    q_int("SELECT count(*) FROM (SELECT DISTINCT work_id, unit_id FROM biblios) AS x", "", 0, 0));
	CHECK(st.rev > 0 && st.words > 1000 && st.synced_at > 0);
	/* a second round with nothing new reads nothing */
	CHECK_INT(sync_all(), 0);
}

/* The title of a hit's work. */
static const char *title_of(const opac_hit_t *h)
{
	return q_text("SELECT title FROM works WHERE id = ?", h->work_id);
}

static bool starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_queries(void)
{
	if (!have_data)
		return;
	static const struct {
		const char *q, *top; /* the top hit's title starts with top */
	} t[] = {
		{ "Cây Cam Ngọt Của Tôi", "Cây Cam Ngọt Của Tôi" },
		{ "cay cam ngot cua toi", "Cây Cam Ngọt Của Tôi" },
		{ "CAY CAM", "Cây Cam Ngọt Của Tôi" },
		{ "nhà giả kim", "Nhà Giả Kim" },
		{ "nha gia kim", "Nhà Giả Kim" },
		{ "đắc nhân tâm", "Đắc Nhân Tâm" },
		{ "dac nhan tam", "Đắc Nhân Tâm" },
		{ "Đac nhan", "Đắc Nhân Tâm" },
		{ "tư duy nhanh và chậm", "Tư Duy Nhanh Và Chậm" },
		{ "tu duy nhanh va cham", "Tư Duy Nhanh Và Chậm" },
		{ "muon kiep nhan sinh", "Muôn Kiếp Nhân Sinh" },
		{ "vụ án", "Vụ Án" },
		{ "vu an", "Vụ Án" },
		{ "ha noi bam sau", "Hà Nội Băm Sáu Phố Phường" },
		{ "kahneman", "Tư Duy Nhanh Và Chậm" },
		{ "tam quoc dien nghia", "Tam Quốc Diễn Nghĩa" },
		{ "hanh trinh ve phuong dong", "Hành Trình Về Phương Đông" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		opac_result_t r = run(Q(t[i].q));
		CHECK(r.n > 0);
		if (!r.n)
			continue;
		const char *title = title_of(&r.hits[0]);
		if (!starts(title, t[i].top))
			fprintf(stderr, "  query \"%s\": top hit \"%s\", want \"%s...\"\n", t[i].q,
			        title ? title : "", t[i].top);
		CHECK(starts(title, t[i].top));
		CHECK(!r.relaxed);
		CHECK(r.suggestion == NULL);
		/* scores never increase down the page */
		for (size_t k = 1; k < r.n; k++)
			CHECK(r.hits[k].score <= r.hits[k - 1].score);
	}
	/* an author's words: every hit has them */
	opac_result_t r = run(Q("thach lam"));
	CHECK(r.n > 0);
	for (size_t k = 0; k < r.n; k++)
		CHECK(strstr(q_text("SELECT search_words FROM works WHERE id = ?", r.hits[k].work_id),
		             " thach") != NULL);
	/* characters without a word find nothing; an empty page past the end is fine */
	CHECK_INT(run(Q("%%")).total, 0);
	opac_query_t q = Q("dac nhan tam");
	q.offset = 1000;
	r = run(q);
	CHECK(r.total > 0);
	CHECK_INT(r.n, 0);
	/* bad input: nothing, and a clear error */
	opac_result_t bad;
	err_t err = { 0 };
	q.limit = 0;
	CHECK_INT(opac_search(&q, A, &bad, &err), ERR_INVALID);
	q.limit = 101;
	CHECK_INT(opac_search(&q, A, &bad, &err), ERR_INVALID);
	char longq[600];
	memset(longq, 'a', sizeof longq - 1);
	longq[sizeof longq - 1] = 0;
	q = Q(longq);
	CHECK_INT(opac_search(&q, A, &bad, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.field.long");
	q = Q("\xff\xfe");
	CHECK_INT(opac_search(&q, A, &bad, &err), ERR_INVALID);
}

/* Every hit of every page of q, in order (limit 100). */
static int64_t *all_hits(opac_query_t q, int64_t *n)
{
	q.limit = 100;
	q.offset = 0;
	opac_result_t r = run(q);
	int64_t *v = arena_alloc(A, (size_t)(r.total + 1) * sizeof *v);
	*n = 0;
	while (r.n > 0) {
		for (size_t k = 0; k < r.n; k++)
			v[(*n)++] = r.hits[k].work_id;
		q.offset += 100;
		r = run(q);
	}
	return v;
}

static void test_union(void)
{
	if (!have_data)
		return;
	/* row 450 is held by schools 0 and 1: one hit, two schools */
	const char *title = list.rows[450].bib.title;
	opac_result_t r = run(Q(title));
	CHECK(r.n > 0);
	int found = 0;
	int64_t w0 = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[0][450], 0);
	int64_t w1 = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[1][450], 0);
	CHECK(w0 > 0 && w0 == w1);
	for (size_t k = 0; k < r.n; k++) {
		if (r.hits[k].work_id == w0) {
			found++;
			CHECK_INT(r.hits[k].schools, 2);
			CHECK_INT(
			    q_int("SELECT work_id FROM biblios WHERE id = ?", "i", r.hits[k].biblio_id, 0),
			    w0);
		}
	}
	CHECK_INT(found, 1);
	/* browse: every work held by a school */
	opac_query_t q = Q(NULL);
	r = run(q);
	CHECK_INT(r.total, q_int("SELECT count(*) FROM works WHERE schools > 0", "", 0, 0));
	/* a school's search: its works only, with its own record and loans */
	for (int s = 0; s < 2; s++) {
		q.unit_id = unit[s];
		int64_t n;
		int64_t *v = all_hits(q, &n);
		CHECK_INT(n, q_int("SELECT count(DISTINCT work_id) FROM biblios WHERE unit_id = ?", "i",
		                   unit[s], 0));
		for (int64_t k = 0; k < n; k++)
			CHECK_INT(q_int("SELECT count(*) FROM biblios WHERE work_id = ? AND unit_id = ?",
			                "ii", v[k], unit[s]) > 0,
			          1);
		q.q = "tam ly";
		r = run(q);
		CHECK(r.total > 0);
		for (size_t k = 0; k < r.n; k++) {
			CHECK_INT(r.hits[k].schools, 1);
			CHECK_INT(
			    q_int("SELECT unit_id FROM biblios WHERE id = ?", "i", r.hits[k].biblio_id, 0),
			    unit[s]);
		}
		q.q = NULL;
	}
	/* an unknown school: nothing */
	q.unit_id = 999999;
	CHECK_INT(run(q).total, 0);
}

static int64_t facet_sum(const opac_facet_t *f)
{
	int64_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].count;
	return n;
}

static int64_t facet_count(const opac_facet_t *f, const char *v)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].value, v) == 0)
			return f->v[i].count;
	return 0;
}

static void test_facets(void)
{
	if (!have_data)
		return;
	const char *qs[] = { NULL, "tam", "tap" };
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		opac_query_t q = Q(qs[i]);
		opac_result_t r = run(q);
		CHECK(r.total > 20);
		/* every work has a type, a language and a decade: those facets add up to the total */
		CHECK_INT(facet_sum(&r.facets[OPAC_FACET_TYPE]), r.total);
		CHECK_INT(facet_sum(&r.facets[OPAC_FACET_LANG]), r.total);
		CHECK_INT(facet_sum(&r.facets[OPAC_FACET_DECADE]), r.total);
		/* unclassified ones are not listed; textbooks only have grades */
		CHECK(facet_sum(&r.facets[OPAC_FACET_CLASS]) < r.total);
		CHECK_INT(facet_sum(&r.facets[OPAC_FACET_GRADE]),
		          facet_count(&r.facets[OPAC_FACET_TYPE], "SGK"));
		/* counts sorted, decades newest first */
		for (size_t k = 1; k < r.facets[OPAC_FACET_TYPE].n; k++)
			CHECK(r.facets[OPAC_FACET_TYPE].v[k].count <=
			      r.facets[OPAC_FACET_TYPE].v[k - 1].count);
		for (size_t k = 1; k < r.facets[OPAC_FACET_DECADE].n; k++)
			CHECK(atoi(r.facets[OPAC_FACET_DECADE].v[k].value) <
			      atoi(r.facets[OPAC_FACET_DECADE].v[k - 1].value));
		CHECK(facet_count(&r.facets[OPAC_FACET_CLASS], "8") > 0);
		CHECK(facet_count(&r.facets[OPAC_FACET_CLASS], "Z") > 0);
		CHECK(facet_count(&r.facets[OPAC_FACET_LANG], "eng") > 0);

		/* a filter gives what its value's count said; its own facet keeps every value */
		q.doc_type = "TN";
		opac_result_t t = run(q);
		CHECK_INT(t.total, facet_count(&r.facets[OPAC_FACET_TYPE], "TN"));
		CHECK_INT(facet_sum(&t.facets[OPAC_FACET_TYPE]), r.total);
		CHECK_INT(facet_sum(&t.facets[OPAC_FACET_LANG]), t.total);
		for (size_t k = 0; k < t.n; k++)
			CHECK_STR(q_text("SELECT doc_type FROM works WHERE id = ?", t.hits[k].work_id), "TN");
		/* two filters */
		q.decade = 2010;
		opac_result_t td = run(q);
		CHECK_INT(td.total, facet_count(&t.facets[OPAC_FACET_DECADE], "2010"));
		CHECK_INT(facet_sum(&td.facets[OPAC_FACET_TYPE]),
		          facet_count(&r.facets[OPAC_FACET_DECADE], "2010"));
		for (size_t k = 0; k < td.n; k++) {
			int64_t y = q_int("SELECT year FROM works WHERE id = ?", "i", td.hits[k].work_id, 0);
			CHECK(y >= 2010 && y < 2020);
		}
		q = Q(qs[i]);
		q.grade = 3;
		q.class_main = "8";
		q.language = "vie";
		opac_result_t g = run(q);
		for (size_t k = 0; k < g.n; k++) {
			CHECK_INT(q_int("SELECT grade FROM works WHERE id = ?", "i", g.hits[k].work_id, 0),
			          3);
			char *c = q_text("SELECT class_number FROM works WHERE id = ?", g.hits[k].work_id);
			CHECK(c && c[0] == '8');
			CHECK_STR(q_text("SELECT language FROM works WHERE id = ?", g.hits[k].work_id),
			          "vie");
		}
		/* a value no work has: nothing */
		q = Q(qs[i]);
		q.doc_type = "BAO";
		CHECK_INT(run(q).total, 0);
	}
}

static void test_sorts_and_paging(void)
{
	if (!have_data)
		return;
	const char *qs[] = { NULL, "tam", "t", "nhan" };
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		for (int sort = OPAC_SORT_RELEVANCE; sort <= OPAC_SORT_TITLE; sort++) {
			opac_query_t q = Q(qs[i]);
			q.sort = (opac_sort_t)sort;
			int64_t n;
			int64_t *v = all_hits(q, &n);
			CHECK_INT(n, run(q).total);
			for (int64_t k = 1; k < n; k++) {
				if (sort == OPAC_SORT_TITLE) {
					char *a =
					    q_text("SELECT title_fold FROM works WHERE id = ?", v[k - 1]);
					char *b = q_text("SELECT title_fold FROM works WHERE id = ?", v[k]);
					CHECK(a && b && strcmp(a, b) <= 0);
				} else if (sort == OPAC_SORT_NEWEST) {
					CHECK(
					    q_int("SELECT year FROM works WHERE id = ?", "i", v[k - 1], 0) >=
					    q_int("SELECT year FROM works WHERE id = ?", "i", v[k], 0));
				} else if (sort == OPAC_SORT_POPULAR) {
					CHECK(
					    q_int("SELECT loans FROM works WHERE id = ?", "i", v[k - 1], 0) >=
					    q_int("SELECT loans FROM works WHERE id = ?", "i", v[k], 0));
				}
				CHECK(v[k] != v[k - 1]);
			}
			/* pages of 7 concatenate to the same list; a deep page is the list's tail */
			q.limit = 7;
			for (q.offset = 0; q.offset < n && q.offset < 140; q.offset += 7) {
				opac_result_t r = run(q);
				for (size_t k = 0; k < r.n; k++)
					CHECK_INT(r.hits[k].work_id, v[q.offset + (int64_t)k]);
			}
			if (n > 5) {
				q.offset = n - 3;
				opac_result_t r = run(q);
				CHECK_INT(r.n, 3);
				for (size_t k = 0; k < r.n; k++)
					CHECK_INT(r.hits[k].work_id, v[n - 3 + (int64_t)k]);
			}
		}
	}
}

static void test_typos(void)
{
	if (!have_data)
		return;
	opac_result_t r = run(Q("dac nhan tamm"));
	CHECK_STR(r.suggestion, "dac nhan tam");
	CHECK(r.relaxed);
	CHECK(r.total > 0);
	CHECK(r.n > 0 && starts(title_of(&r.hits[0]), "Đắc Nhân Tâm"));
	r = run(Q("kahnemann"));
	CHECK_STR(r.suggestion, "kahneman");
	CHECK(!r.relaxed);
	CHECK_INT(r.total, 0);
	r = run(Q("nhagia kim"));
	CHECK_STR(r.suggestion, "nha gia kim");
	r = run(Q("tu duy nhnah"));
	CHECK_STR(r.suggestion, "tu duy nhanh");
	r = run(Q("muon kiep nhan sinhh"));
	CHECK(r.relaxed);
	CHECK_STR(r.suggestion, "muon kiep nhan sinh");
	/* a word known as a prefix is no typo */
	r = run(Q("nhan sin"));
	CHECK(r.suggestion == NULL);
	CHECK(r.total > 0);
	/* nothing close: no suggestion, nothing found */
	r = run(Q("qqqqqqqqqq zzzzzzzzz"));
	CHECK(r.suggestion == NULL);
	CHECK_INT(r.total, 0);
	CHECK(!r.relaxed);
}

static void test_anonymous(void)
{
	if (!have_data)
		return;
	opac_query_t q = Q(NULL);
	int64_t all = run(q).total;
	q.anonymous = true;
	opac_result_t r = run(q);
	int64_t open =
	    q_int("SELECT count(DISTINCT b.work_id) FROM biblios b JOIN units u ON u.id = b.unit_id"
	          " WHERE u.opac_public = 1",
	          "", 0, 0);
	CHECK_INT(r.total, open);
	CHECK(open < all);
	/* row 10: schools 0 and 2 (closed): one school for visitors, two for a logged-in user, and the
	 * visitor's record is the open school's */
	if (rec[0][10] && rec[2][10]) {
		int64_t w = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[0][10], 0);
		const char *t = list.rows[10].bib.title;
		for (int anon = 0; anon < 2; anon++) {
			q = Q(t);
			q.anonymous = anon;
			r = run(q);
			bool seen = false;
			for (size_t k = 0; k < r.n; k++) {
				if (r.hits[k].work_id != w)
					continue;
				seen = true;
				CHECK_INT(r.hits[k].schools, anon ? 1 : 2);
				if (anon) /* school 0's (lowest) record of the work */
					CHECK_INT(q_int("SELECT unit_id FROM biblios WHERE id = ?", "i",
					                r.hits[k].biblio_id, 0),
					          unit[0]);
			}
			CHECK(seen);
		}
	}
	/* row 1150: the closed school only */
	if (rec[2][1150]) {
		q = Q(list.rows[1150].bib.title);
		q.anonymous = true;
		int64_t w = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[2][1150], 0);
		r = run(q);
		for (size_t k = 0; k < r.n; k++)
			CHECK(r.hits[k].work_id != w);
	}
	/* the closed school's own catalogue: nothing for visitors, everything for its users */
	q = Q(NULL);
	q.unit_id = unit[2];
	q.anonymous = true;
	CHECK_INT(run(q).total, 0);
	q.anonymous = false;
	CHECK_INT(run(q).total,
	          q_int("SELECT count(DISTINCT work_id) FROM biblios WHERE unit_id = ?", "i", unit[2], 0));
	/* opening it shows it after the next sync */
	err_t err;
	CHECK_INT(db_exec(db, &err, "UPDATE units SET opac_public = 1 WHERE id = ?", "i", unit[2]), 1);
	sync_all();
	q.anonymous = true;
	CHECK(run(q).total > 0);
	CHECK_INT(db_exec(db, &err, "UPDATE units SET opac_public = 0 WHERE id = ?", "i", unit[2]), 1);
	sync_all();
	CHECK_INT(run(q).total, 0);
}

/* An edited title moves its record to its new work; the old work leaves the index when empty. */
static void test_edit(void)
{
	if (!have_data)
		return;
	err_t err;
	/* a row of school 0 only, the only record of its work */
	size_t row = 100;
	while (row < 400 && (!rec[0][row] || q_int("SELECT count(*) FROM biblios WHERE work_id ="
	                                           " (SELECT work_id FROM biblios WHERE id = ?)",
	                                           "i", rec[0][row], 0) != 1))
		row++;
	int64_t id = rec[0][row];
	CHECK(id > 0);
	int64_t old = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", id, 0);
	biblio_t b;
	CHECK_INT(catalog_biblio_get_for_edit(db, &lib[0], id, A, &b, NULL, &err), 0);
	b.title = "Chiếc lá cuối cùng của mùa đông xanh";
	catalog_edit_result_t res;
	CHECK_INT(catalog_biblio_update(db, &lib[0], id, b.version, &b, false, A, &res, &err), 0);
	CHECK(sync_all() >= 2);
	int64_t neww = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", id, 0);
	CHECK(neww > 0 && neww != old);
	CHECK_INT(q_int("SELECT schools FROM works WHERE id = ?", "i", old, 0), 0);
	opac_result_t r = run(Q("chiec la cuoi cung mua dong"));
	CHECK_INT(r.total, 1);
	CHECK(r.n == 1 && r.hits[0].work_id == neww && r.hits[0].biblio_id == id);
	r = run(Q(list.rows[row].bib.title));
	for (size_t k = 0; k < r.n; k++)
		CHECK(r.hits[k].work_id != old);
	int64_t n;
	int64_t *v = all_hits(Q(NULL), &n);
	for (int64_t k = 0; k < n; k++)
		CHECK(v[k] != old);
	CHECK_INT(n, q_int("SELECT count(*) FROM works WHERE schools > 0", "", 0, 0));

	/* a row of schools 0 and 1 (one record each) edited in school 0 only: the work stays, with
	 * one school */
	row = 450;
	while (row < 700 && (!rec[0][row] || !rec[1][row] ||
	                     q_int("SELECT count(*) FROM biblios WHERE work_id ="
	                           " (SELECT work_id FROM biblios WHERE id = ?)",
	                           "i", rec[0][row], 0) != 2))
		row++;
	id = rec[0][row];
	old = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", id, 0);
	CHECK_INT(catalog_biblio_get_for_edit(db, &lib[0], id, A, &b, NULL, &err), 0);
	b.title = "Mùa xuân nho nhỏ trên đồi";
	CHECK_INT(catalog_biblio_update(db, &lib[0], id, b.version, &b, false, A, &res, &err), 0);
	sync_all();
	r = run(Q(list.rows[row].bib.title));
	bool seen = false;
	for (size_t k = 0; k < r.n; k++) {
		if (r.hits[k].work_id == old) {
			seen = true;
			CHECK_INT(r.hits[k].schools, 1);
			CHECK_INT(r.hits[k].biblio_id, rec[1][row]);
		}
	}
	CHECK(seen);
	CHECK_INT(run(Q("mua xuan nho nho tren doi")).total, 1);

	/* a record of school 0 retitled as a book of school 1 joins that work: no new words, its
	 * old work empties (the index's cheap rebuild, holdings only) */
	size_t from = 200, to = 800;
	while (from < 400 && (!rec[0][from] || q_int("SELECT count(*) FROM biblios WHERE work_id ="
	                                             " (SELECT work_id FROM biblios WHERE id = ?)",
	                                             "i", rec[0][from], 0) != 1))
		from++;
	while (to < 1000 && !rec[1][to])
		to++;
	id = rec[0][from];
	old = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", id, 0);
	int64_t target = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[1][to], 0);
	int64_t before = run(Q(NULL)).total;
	CHECK_INT(catalog_biblio_get_for_edit(db, &lib[0], id, A, &b, NULL, &err), 0);
	b.title = list.rows[to].bib.title;
	b.authors = list.rows[to].bib.authors;
	CHECK_INT(catalog_biblio_update(db, &lib[0], id, b.version, &b, true, A, &res, &err), 0);
	sync_all();
	CHECK_INT(q_int("SELECT work_id FROM biblios WHERE id = ?", "i", id, 0), target);
	CHECK_INT(run(Q(NULL)).total, before - 1);
	v = all_hits(Q(NULL), &n);
	for (int64_t k = 0; k < n; k++)
		CHECK(v[k] != old);
	r = run(Q(list.rows[to].bib.title));
	seen = false;
	for (size_t k = 0; k < r.n; k++) {
		if (r.hits[k].work_id == target) {
			seen = true;
			CHECK_INT(r.hits[k].schools, 2);
		}
	}
	CHECK(seen);
	opac_query_t sq = Q(list.rows[to].bib.title);
	sq.unit_id = unit[0];
	r = run(sq);
	CHECK(r.n > 0 && r.hits[0].work_id == target && r.hits[0].biblio_id == id);
	CHECK_INT(q_int("SELECT count(*) FROM works WHERE schools > 0", "", 0, 0), before - 1);
}

/* The loans of work w's hit, or -1 when it is not on the page. */
static int64_t hit_loans(opac_result_t r, int64_t w)
{
	for (size_t k = 0; k < r.n; k++)
		if (r.hits[k].work_id == w)
			return r.hits[k].loans;
	return -1;
}

/* Home loans counted once into the popularity of the record and its work, whatever the rounds. */
static void test_loans(void)
{
	if (!have_data)
		return;
	err_t err;
	int64_t pid = 0;
	CHECK_INT(db_insert_id(db, &pid, &err,
	                       "INSERT INTO patrons (unit_id, code, full_name, created_at, updated_at)"
	                       " VALUES (?, 'HS1', 'Nguyễn Văn A', 0, 0) RETURNING id",
	                       "i", unit[1]),
	          0);
	/* row 500 (schools 0 and 1): 5 loans in school 1; row 800 (school 1): 2 */
	int rows[] = { 500, 800 }, times[] = { 5, 2 };
	while (rows[0] < 700 && (!rec[0][rows[0]] || !rec[1][rows[0]]))
		rows[0]++;
	while (rows[1] < 1000 && !rec[1][rows[1]])
		rows[1]++;
	for (int k = 0; k < 2; k++) {
		int64_t b = rec[1][rows[k]];
		CHECK(b > 0);
		int64_t item = q_int("SELECT min(id) FROM items WHERE biblio_id = ?", "i", b, 0);
		for (int j = 0; j < times[k]; j++)
			CHECK_INT(db_exec(db, &err,
			                  "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, "
			                  "patron_kind,"
			                  " doc_type, out_at, out_day, due, returned_at, outcome) VALUES (?, "
			                  "?, ?, ?, 'home', 'student',"
			                  " 'STK', 0, '2026-01-01', '2026-01-15', 1, 'returned')",
			                  "iiii", unit[1], item, b, pid),
			          1);
	}
	/* a textbook loan is not a home loan */
	int64_t b = rec[1][rows[1]];
	int64_t item = q_int("SELECT min(id) FROM items WHERE biblio_id = ?", "i", b, 0);
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, patron_kind,"
	                  " doc_type, out_at, out_day, due, returned_at, outcome) VALUES (?, ?, ?, ?, "
	                  "'textbook', 'student',"
	                  " 'STK', 0, '2026-01-01', '2026-01-15', 1, 'returned')",
	                  "iiii", unit[1], item, b, pid),
	          1);
	sync_all();
	sync_all();
	int64_t w500 = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", rec[1][rows[0]], 0);
	CHECK_INT(q_int("SELECT loans FROM works WHERE id = ?", "i", w500, 0), 5);
	CHECK_INT(q_int("SELECT loans FROM biblios WHERE id = ?", "i", rec[1][rows[0]], 0), 5);
	/* the most popular first */
	opac_query_t q = Q(NULL);
	q.sort = OPAC_SORT_POPULAR;
	opac_result_t r = run(q);
	CHECK(r.n >= 2 && r.hits[0].work_id == w500 && r.hits[0].loans == 5 && r.hits[1].loans == 2);
	/* school 0's own popularity of the same work: none */
	q.unit_id = unit[0];
	r = run(q);
	CHECK(r.n > 0 && r.hits[0].loans == 0);
	q.unit_id = unit[1];
	r = run(q);
	CHECK(r.n > 0 && r.hits[0].work_id == w500 && r.hits[0].loans == 5);
	sync_all();
	CHECK_INT(q_int("SELECT loans FROM works WHERE id = ?", "i", w500, 0), 5);

	/* a loan of a record made before its first sync counts for its work */
	biblio_t nb = { .title = "Chuyện con mèo dạy hải âu bay",
		        .authors = "Luis Sepúlveda",
		        .doc_type = "TN" };
	int64_t nid = 0, dup = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[1], &nb, false, 0, 1, &nid, &dup, &err), 0);
	item = q_int("SELECT min(id) FROM items WHERE biblio_id = ?", "i", nid, 0);
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, patron_kind,"
	                  " doc_type, out_at, out_day, due, returned_at, outcome) VALUES (?, ?, ?, ?, "
	                  "'home', 'student',"
	                  " 'TN', 0, '2026-01-01', '2026-01-15', 1, 'returned')",
	                  "iiii", unit[1], item, nid, pid),
	          1);
	/* as when the record is saved between a round's attaching and its loan counting: the loan is
	 * counted while the record has no work yet, and the record is attached in the next round */
	CHECK_INT(db_exec(db, &err, "UPDATE biblios SET work_sync = 0 WHERE id = ?", "i", nid), 1);
	sync_all();
	CHECK_INT(q_int("SELECT loans FROM biblios WHERE id = ?", "i", nid, 0), 1);
	CHECK_INT(db_exec(db, &err, "UPDATE biblios SET work_sync = 1 WHERE id = ?", "i", nid), 1);
	sync_all();
	int64_t nw = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", nid, 0);
	CHECK_INT(q_int("SELECT loans FROM biblios WHERE id = ?", "i", nid, 0), 1);
	CHECK_INT(q_int("SELECT loans FROM works WHERE id = ?", "i", nw, 0), 1);
	CHECK_INT(hit_loans(run(Q("con meo day hai au")), nw), 1);
	/* its loans move with an edited record to its new work */
	biblio_t eb;
	CHECK_INT(catalog_biblio_get_for_edit(db, &lib[1], nid, A, &eb, NULL, &err), 0);
	eb.title = "Chuyện con mèo và con chuột bạn thân";
	catalog_edit_result_t res;
	CHECK_INT(catalog_biblio_update(db, &lib[1], nid, eb.version, &eb, false, A, &res, &err), 0);
	sync_all();
	int64_t nw2 = q_int("SELECT work_id FROM biblios WHERE id = ?", "i", nid, 0);
	CHECK(nw2 != nw);
	CHECK_INT(q_int("SELECT loans FROM works WHERE id = ?", "i", nw2, 0), 1);
	CHECK_INT(q_int("SELECT loans FROM works WHERE id = ?", "i", nw, 0), 0);
	CHECK_INT(hit_loans(run(Q("con meo va con chuot")), nw2), 1);
	/* every work's loans are the sum of its records' */
	CHECK_INT(q_int("SELECT count(*) FROM works w WHERE loans <>"
	                " (SELECT coalesce(sum(loans), 0) FROM biblios b WHERE b.work_id = w.id)",
	                "", 0, 0),
	          0);
}

/* Forget the index and sync again: the same answers. */
static void test_reset(void)
{
	if (!have_data)
		return;
	const char *qs[] = { NULL, "tam ly", "t", "dac nhan tamm", "nha gia kim" };
	opac_result_t before[5];
	for (int i = 0; i < 5; i++) {
		opac_query_t q = Q(qs[i]);
		q.limit = 50;
		before[i] = run(q);
	}
	opac_reset();
	opac_stats_t st;
	opac_stats(&st);
	CHECK_INT(st.works, 0);
	CHECK_INT(run(Q(NULL)).total, 0);
	CHECK(sync_all() > 0);
	for (int i = 0; i < 5; i++) {
		opac_query_t q = Q(qs[i]);
		q.limit = 50;
		opac_result_t r = run(q);
		CHECK_INT(r.total, before[i].total);
		CHECK_INT(r.n, before[i].n);
		CHECK_STR(r.suggestion, before[i].suggestion);
		for (size_t k = 0; k < r.n && k < before[i].n; k++) {
			CHECK_INT(r.hits[k].work_id, before[i].hits[k].work_id);
			CHECK_INT(r.hits[k].schools, before[i].hits[k].schools);
			CHECK_INT(r.hits[k].loans, before[i].hits[k].loans);
		}
		for (int f = 0; f < OPAC_FACETS; f++)
			CHECK_INT(r.facets[f].n, before[i].facets[f].n);
	}
}

/* Readers search while the sync reloads: no reader sees a torn index (sanitizers watch). */
static atomic_int stop;
static atomic_long searches, bad_results;

static void *reader_thread(void *arg)
{
	const char *qs[] = { NULL, "tam", "t", "nha gia kim", "dac nhan tamm", "tieng", "x", "mua" };
	arena_t *a = arena_new(0);
	int i = (int)(intptr_t)arg;
	while (!atomic_load(&stop)) {
		opac_query_t q = {
			.q = qs[i % 8], .limit = 10, .offset = i % 3 * 10, .sort = (opac_sort_t)(i % 4)
		};
		if (i % 5 == 0)
			q.unit_id = unit[i % 3];
		opac_result_t r;
		err_t err;
		if (opac_search(&q, a, &r, &err) < 0 || r.n > 10 || (int64_t)r.n > r.total)
			atomic_fetch_add(&bad_results, 1);
		for (size_t k = 0; k < r.n; k++)
			if (r.hits[k].work_id <= 0 || r.hits[k].biblio_id <= 0 || r.hits[k].schools < 1)
				atomic_fetch_add(&bad_results, 1);
		atomic_fetch_add(&searches, 1);
		arena_reset(a);
		i++;
	}
	arena_free(a);
	return NULL;
}

static void test_concurrency(void)
{
	if (!have_data)
		return;
	pthread_t t[4];
	atomic_store(&stop, 0);
	for (int i = 0; i < 4; i++)
		CHECK_INT(pthread_create(&t[i], NULL, reader_thread, (void *)(intptr_t)i), 0);
	err_t err;
	for (int round = 0; round < 6; round++) {
		/* an edit, a new record, and twice a reload from scratch */
		int64_t id = rec[1][700 + round];
		if (id) {
			biblio_t b;
			if (catalog_biblio_get_for_edit(db, &lib[1], id, A, &b, NULL, &err) == 0) {
				b.title = arena_printf(A, "Tiếng chim hót vòng %d", round);
				catalog_edit_result_t res;
				CHECK_INT(catalog_biblio_update(db, &lib[1], id, b.version, &b, false, A,
				                                &res, &err),
				          0);
			}
		}
		if (round % 3 == 2)
			opac_reset();
		CHECK(sync_all() >= 0);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&searches) > 0);
	CHECK_INT(atomic_load(&bad_results), 0);
	CHECK_INT(run(Q("tieng chim hot vong")).total, 6);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(0);
	opac_index_throttle(0); /* every change visible after the next sync, however slow the build */
	RUN(test_setup);
	RUN(test_queries);
	RUN(test_union);
	RUN(test_facets);
	RUN(test_sorts_and_paging);
	RUN(test_typos);
	RUN(test_anonymous);
	RUN(test_edit);
	RUN(test_loans);
	RUN(test_reset);
	RUN(test_concurrency);
	opac_reset();
	arena_free(A);
	testdb_close(db);
	return check_summary("opac");
}
