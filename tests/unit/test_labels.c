/* test_labels.c: label sheets (src/labels): the grid arithmetic, the spine text, gathering the
 * copies of a record, a batch or a register range within the actor's scope, and the PDF itself:
 * its text read back with pdftotext (the Vietnamese school name must survive shaping), its pages
 * counted with pdfinfo, and its Code 128 decoded with zbarimg from a 300 dpi rendering
 * (poppler-utils and zbar-tools, from scripts/install-deps.sh). */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "catalog/catalog.h"
#include "labels/labels.h"
#include "units/units.h"

/* fontconfig parses its configuration once per process into a global that only FcFini() frees,
 * and we do not link fontconfig directly (it comes through pangocairo): 288 bytes LeakSanitizer
 * would report at exit. Everything else is released by labels_shutdown(). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, office, leader, reader;
static int64_t th1, bib, batch1;
static const char *PW = "mat-khau-dai-du";
static const char *SCHOOL = "Trường Tiểu học Lê Ngọc Hân";
static char tmpdir[256];

static void test_grid(void)
{
	labels_grid_t g;
	err_t err;
	labels_grid_default(&g);
	CHECK_INT(labels_grid_check(&g, &err), 0);
	double w, h;
	labels_grid_cell(&g, &w, &h);
	CHECK(w > 69.99 && w < 70.01);
	CHECK(h > 36.99 && h < 37.01);
	CHECK_INT(labels_per_page(&g), 24);
	CHECK_INT(labels_pages(&g, 0), 0);
	CHECK_INT(labels_pages(&g, 24), 1);
	CHECK_INT(labels_pages(&g, 25), 2);
	CHECK_INT(labels_pages(&g, 5000), 209);
	labels_grid_t b = g;
	b.rows = 0;
	CHECK_INT(labels_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.detail, "rows");
	b = g;
	b.cols = 11;
	CHECK_INT(labels_grid_check(&b, &err), ERR_INVALID);
	b = g;
	b.margin_left = -1;
	CHECK_INT(labels_grid_check(&b, &err), ERR_INVALID);
	b = g;
	b.cols = 10; /* 21 mm wide: fits */
	CHECK_INT(labels_grid_check(&b, &err), 0);
	b.margin_left = b.margin_right = 10; /* 19 mm: too narrow */
	CHECK_INT(labels_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.detail, "size");
	b = g;
	b.rows = 4;
	b.cols = 2;
	b.gap_h = 5;
	b.margin_left = b.margin_right = 7.5;
	labels_grid_cell(&b, &w, &h);
	CHECK(w > 94.99 && w < 95.01);
	labels_kind_t k;
	CHECK_INT(labels_kind_parse("spine", &k, &err), 0);
	CHECK_INT(k, LABELS_SPINE);
	CHECK_INT(labels_kind_parse(NULL, &k, &err), 0);
	CHECK_INT(k, LABELS_BARCODE);
	CHECK_INT(labels_kind_parse("qr", &k, &err), ERR_INVALID);
}

static void test_spine_text(void)
{
	/* The record's own call number wins; else the catalogue's builder with the default rule
	 * (3 letters of the surname, upper case, marks kept); else the accession number. */
	CHECK_STR(labels_call_number(A, "895.922 NG-D", "895.922", "Nguyễn Du", "Truyện Kiều", "STK-000001"),
	          "895.922 NG-D");
	CHECK_STR(labels_call_number(A, "", "895.922", "Nguyễn Du", "Truyện Kiều", "STK-000001"),
	          "895.922 NGU");
	CHECK_STR(labels_call_number(A, "", "158", "Carnegie, Dale", NULL, "X"), "158 CAR");
	CHECK_STR(labels_call_number(A, NULL, "", "Đỗ Đình Hoan", NULL, "X"), "ĐỖ"); /* two letters only */
	CHECK_STR(labels_call_number(A, "", "372.6", "", NULL, "X"), "372.6");
	CHECK_STR(labels_call_number(A, "", "372.6", "", "Tiếng Việt 1", "X"), "372.6 TIẾ"); /* the title */
	CHECK_STR(labels_call_number(A, "", "", "", "", "SGK-000009"), "SGK-000009");
	const char *l[3];
	CHECK_INT(labels_spine_lines(A, " 895.922  Ngu K ", l, 3), 3);
	CHECK_STR(l[0], "895.922");
	CHECK_STR(l[1], "Ngu");
	CHECK_STR(l[2], "K");
	CHECK_INT(labels_spine_lines(A, "a b c d", l, 2), 2);
	CHECK_STR(l[1], "b c d");
	CHECK_INT(labels_spine_lines(A, "   ", l, 3), 0);
}

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, th2 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = {
		.parent_id = pgd, .code = "TH001", .name = SCHOOL, .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = {
		.parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },    { "bgh.th001", "leader", th1 },
		{ "hs.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	office = login("phong1.cv");
	leader = login("bgh.th001");
	reader = login("hs.th001");
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader.account_id &&
	      reader.account_id);

	acquisition_t q = { .source = "purchase" };
	CHECK_INT(catalog_acquisition_create(db, &lib1, &q, &batch1, &err), 0);
	biblio_t in = { .title = "Truyện Kiều",
		        .authors = "Nguyễn Du",
		        .doc_type = "STK",
		        .year = 2015,
		        .class_number = "895.922",
		        .price = 40000 };
	int64_t dup = 0;
	CHECK_INT(catalog_biblio_create(db, &lib1, &in, false, &bib, &dup, &err), 0);
	CHECK_INT(catalog_items_add(db, &lib1, bib, batch1, 2, -1, NULL, &err), 0);
}

static void test_collect(void)
{
	label_t *v = NULL;
	size_t n = 0;
	err_t err;
	labels_source_t s = { .biblio_id = bib };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].school, SCHOOL);
		CHECK_STR(v[0].accession, "STK-000001");
		CHECK_STR(v[1].accession, "STK-000002");
		CHECK_STR(v[1].barcode, "STK000002");
		CHECK_STR(v[0].call_number, "895.922 NGU");
	}
	s = (labels_source_t){ .batch_id = batch1 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	s = (labels_source_t){ .reg = "STK", .from = 2, .to = 50 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK(n == 1 && strcmp(v[0].accession, "STK-000002") == 0);
	s = (labels_source_t){ .reg = "SGK", .from = 1, .to = 50 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	/* Staff of the school and above print; the office names the school of a range. */
	s = (labels_source_t){ .biblio_id = bib };
	CHECK_INT(labels_collect(db, &leader, &s, A, &v, &n, &err), 0);
	CHECK_INT(labels_collect(db, &office, &s, A, &v, &n, &err), 0);
	s = (labels_source_t){ .reg = "STK", .from = 1, .to = 50, .unit_id = th1 };
	CHECK_INT(labels_collect(db, &office, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	/* Another school's ids are not found; readers may not print. */
	CHECK_INT(labels_collect(db, &lib2, &s, A, &v, &n, &err), ERR_NOTFOUND);
	s = (labels_source_t){ .biblio_id = bib };
	CHECK_INT(labels_collect(db, &lib2, &s, A, &v, &n, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.biblio.notfound");
	s = (labels_source_t){ .batch_id = batch1 };
	CHECK_INT(labels_collect(db, &lib2, &s, A, &v, &n, &err), ERR_NOTFOUND);
	s = (labels_source_t){ .biblio_id = 999999 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_NOTFOUND);
	s = (labels_source_t){ .biblio_id = bib };
	CHECK_INT(labels_collect(db, &reader, &s, A, &v, &n, &err), ERR_FORBIDDEN);
	CHECK_INT(labels_collect(db, NULL, &s, A, &v, &n, &err), ERR_FORBIDDEN);
	/* Bad sources. */
	s = (labels_source_t){ 0 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_INVALID);
	s = (labels_source_t){ .biblio_id = bib, .batch_id = batch1 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_INVALID);
	s = (labels_source_t){ .reg = "STK", .from = 5, .to = 4 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_INVALID);
	s = (labels_source_t){ .reg = "STK", .from = 0, .to = 4 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_INVALID);
	s = (labels_source_t){ .reg = "STK", .from = 1, .to = 5001 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_TOOBIG);
	s.to = 5000;
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
}

/* A withdrawn or lost copy gets no label unless asked for: its line stays in the registers, but
 * nothing is stuck on a book that is gone. (No module withdraws copies yet: the test sets the
 * status itself.) */
static void test_collect_gone(void)
{
	label_t *v = NULL;
	size_t n = 0;
	err_t err;
	CHECK_INT(db_exec(db, &err,
	                  "UPDATE items SET status = 'withdrawn' WHERE biblio_id = ? AND accession_no = 1",
	                  "i", bib),
	          1);
	labels_source_t s = { .biblio_id = bib };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK(n == 1 && strcmp(v[0].accession, "STK-000002") == 0);
	s.include_gone = true;
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'lost' WHERE biblio_id = ?", "i", bib), 2);
	s = (labels_source_t){ .batch_id = batch1 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	s = (labels_source_t){ .reg = "STK", .from = 1, .to = 2, .include_gone = true };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'available' WHERE biblio_id = ?", "i", bib),
	          2);
}

/* Run a shell command, its standard output into out (NUL-terminated). Returns its exit status. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	size_t k = fread(out, 1, size - 1, f);
	out[k] = 0;
	return pclose(f);
}

static int have(const char *tool)
{
	char cmd[128], out[256];
	snprintf(cmd, sizeof cmd, "command -v %s", tool);
	if (run(cmd, out, sizeof out) == 0)
		return 1;
	fprintf(stderr, "  %s is missing: scripts/install-deps.sh installs it\n", tool);
	return 0;
}

/* Render, check the PDF's frame, and save it as tmpdir/name.pdf. */
static int render_to_file(const label_t *v, size_t n, labels_kind_t kind, const char *name, char *path,
                          size_t size)
{
	labels_grid_t g;
	labels_grid_default(&g);
	buf_t pdf = BUF_INIT;
	err_t err;
	int rc = labels_render_pdf(v, n, kind, &g, &pdf, &err);
	CHECK_INT(rc, 0);
	CHECK(pdf.len > 100 && memcmp(pdf.data, "%PDF", 4) == 0);
	/* The trailer ends with %%EOF and an end of line. */
	const char *end = pdf.data + pdf.len;
	while (end > pdf.data && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	CHECK(end - pdf.data > 5 && memcmp(end - 5, "%%EOF", 5) == 0);
	snprintf(path, size, "%s/%s.pdf", tmpdir, name);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fwrite(pdf.data, 1, pdf.len, f);
		fclose(f);
	}
	buf_release(&pdf);
	return rc;
}

static void test_pdf_barcode(void)
{
	label_t *v = NULL;
	size_t n = 0;
	err_t err;
	labels_source_t s = { .biblio_id = bib };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	char path[512], cmd[1200];
	static char out[65536];
	if (render_to_file(v, n, LABELS_BARCODE, "barcode", path, sizeof path) < 0 || !have("pdftotext") ||
	    !have("pdftoppm") || !have("zbarimg")) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "STK-000001") != NULL);
	CHECK(strstr(out, "STK-000002") != NULL);
	CHECK(strstr(out, "STK000002") != NULL);
	CHECK(strstr(out, SCHOOL) != NULL); /* shaped, marks intact, NFC */
	if (!strstr(out, SCHOOL))
		fprintf(stderr, "  pdftotext said:\n%s\n", out);
	/* The bars are a real Code 128: render at 300 dpi and decode. */
	snprintf(cmd, sizeof cmd,
	         "pdftoppm -r 300 -png '%s' '%s/barcode' && zbarimg -q '%s'/barcode*.png 2>/dev/null", path,
	         tmpdir, tmpdir);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "CODE-128:STK000001\n") != NULL);
	CHECK(strstr(out, "CODE-128:STK000002\n") != NULL);
	if (!strstr(out, "CODE-128:STK000001"))
		fprintf(stderr, "  zbarimg said:\n%s\n", out);
}

static void test_pdf_spine(void)
{
	label_t v[3] = {
		{ SCHOOL, "STK-000001", "STK000001", "895.922 Ngu" },
		{ SCHOOL, "STK-000002", "STK000002", "Đ 398.8 Thế giới cổ tích rất dài" },
		{ SCHOOL, "STK-000003", "STK000003", "" },
	};
	char path[512], cmd[1200];
	static char out[65536];
	if (render_to_file(v, 3, LABELS_SPINE, "spine", path, sizeof path) < 0 || !have("pdftotext")) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "895.922") != NULL);
	CHECK(strstr(out, "Ngu") != NULL);
	CHECK(strstr(out, "Đ") != NULL);
	CHECK(strstr(out, "STK-000003") != NULL);
}

static void test_pages(void)
{
	label_t *v = arena_zalloc(A, 25 * sizeof *v);
	for (int i = 0; i < 25; i++)
		v[i] = (label_t){ SCHOOL, arena_printf(A, "STK-%06d", i + 1),
			          arena_printf(A, "STK%06d", i + 1), "895.922" };
	char path[512], cmd[1200], out[4096];
	if (render_to_file(v, 25, LABELS_BARCODE, "pages", path, sizeof path) < 0 || !have("pdfinfo")) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep '^Pages:'", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, " 2\n") != NULL);
	CHECK_INT(render_to_file(v, 24, LABELS_SPINE, "pages1", path, sizeof path), 0);
	snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep '^Pages:'", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, " 1\n") != NULL);
	/* A barcode zint refuses (Code 128 takes Latin-1 only) is an error, not a broken PDF. */
	label_t bad = { SCHOOL, "X", "Đ001", "" };
	labels_grid_t g;
	labels_grid_default(&g);
	buf_t pdf = BUF_INIT;
	err_t err;
	CHECK_INT(labels_render_pdf(&bad, 1, LABELS_BARCODE, &g, &pdf, &err), ERR_INVALID);
	buf_release(&pdf);
	g.rows = 0;
	CHECK_INT(labels_render_pdf(v, 1, LABELS_BARCODE, &g, &pdf, &err), ERR_INVALID);
	buf_release(&pdf);
}

static void test_toobig(void)
{
	labels_grid_t g;
	labels_grid_default(&g);
	label_t *v = arena_zalloc(A, (LABELS_MAX + 1) * sizeof *v);
	buf_t pdf = BUF_INIT;
	err_t err;
	CHECK_INT(labels_render_pdf(v, LABELS_MAX + 1, LABELS_BARCODE, &g, &pdf, &err), ERR_TOOBIG);
	CHECK_INT(pdf.len, 0);
	buf_release(&pdf);
	/* 5,001 copies of one record (2 already there): gathering them is refused. */
	for (int i = 0; i < 5; i++)
		CHECK_INT(catalog_items_add(db, &lib1, bib, batch1, 1000, -1, NULL, &err), 0);
	labels_source_t s = { .biblio_id = bib };
	size_t n = 0;
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), ERR_TOOBIG);
	CHECK_STR(err.key, "err.labels.toobig");
	s = (labels_source_t){ .reg = "STK", .from = 1, .to = 5000 };
	CHECK_INT(labels_collect(db, &lib1, &s, A, &v, &n, &err), 0);
	CHECK_INT(n, 5000);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(65536);
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/thuvien-labels-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_grid);
	RUN(test_spine_text);
	RUN(test_setup);
	RUN(test_collect);
	RUN(test_collect_gone);
	RUN(test_pdf_barcode);
	RUN(test_pdf_spine);
	RUN(test_pages);
	RUN(test_toobig);
	char cmd[300], out[16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	run(cmd, out, sizeof out);
	arena_free(A);
	testdb_close(db);
	labels_shutdown();
	return check_summary("labels");
}
