/* test_cards.c: library cards (src/labels/cards.c): the grid, the heading in capitals, gathering
 * a class, a selection or every reader within the actor's school, and the PDF: its text read
 * back with pdftotext (Vietnamese names and the headings intact), its pages counted with pdfinfo,
 * its images listed with pdfimages (a JPEG photo embedded as JPEG, a PNG photo as an image, a
 * corrupt photo as nothing: the empty frame), the Code 128 and QR codes decoded with zbarimg,
 * and the time 1,000 cards take. */
#include <cairo.h>
#include <sodium.h>
#include <time.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/clock.h"
#include "labels/cards.h"
#include "labels/labels.h"
#include "units/units.h"

/* fontconfig's configuration, parsed once per process and freed only by FcFini(): see
 * test_labels.c. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader, reader, office;
static int64_t th1, th2, p_jpeg, p_png, p_bad, p_teacher, p_other, p_gone;
static const char *PW = "mat-khau-dai-du";
static char tmpdir[256];

/* A real 13 x 16 JPEG (baseline, made by pdftoppm). */
static const unsigned char JPEG[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d,
	0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d, 0x28,
	0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37,
	0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78,
	0x5c, 0x65, 0x67, 0x63, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x11, 0x12, 0x12, 0x18, 0x15, 0x18, 0x2f, 0x1a,
	0x1a, 0x2f, 0x63, 0x42, 0x38, 0x42, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0x63, 0x63, 0x63, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x0d, 0x03, 0x01, 0x22,
	0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02,
	0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05,
	0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
	0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
	0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85,
	0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
	0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
	0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1,
	0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
	0xf9, 0xfa, 0xff, 0xc4, 0x00, 0x1f, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x11, 0x00, 0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04,
	0x04, 0x00, 0x01, 0x02, 0x77, 0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41,
	0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23,
	0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19,
	0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
	0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
	0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
	0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5,
	0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00,
	0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xee, 0xdd, 0x15, 0xdb, 0xe6, 0x1f,
	0x43, 0x52, 0x28, 0x0a, 0x30, 0x38, 0x14, 0x62, 0x8a, 0x00, 0xff, 0xd9
};

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

static const char *b64(const unsigned char *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = arena_zalloc(A, len);
	sodium_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* A 12 x 16 PNG, painted blue. */
static void make_png(buf_t *out)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 12, 16);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 0.2, 0.3, 0.8);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_write_to_png_stream(s, png_write, out);
	cairo_surface_destroy(s);
}

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static int64_t patron(int64_t unit, const char *code, const char *name, const char *kind, const char *cls,
                      const char *status)
{
	int64_t id = 0;
	err_t err;
	CHECK_INT(
	    db_insert_id(
	        db, &id, &err,
	        "INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, school_year,"
	        " birth_date, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '2025-2026',"
	        " '2014-03-09', ?, 0, 0) RETURNING id",
	        "issssss", unit, code, name, name, kind, cls, status),
	    0);
	return id;
}

static void photo(int64_t id, const char *mime, const char *data)
{
	err_t err;
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO patron_photos (patron_id, mime, data, updated_at) VALUES (?, ?, ?, 0)",
	                  "iss", id, mime, data),
	          1);
}

static void test_grid(void)
{
	cards_grid_t g;
	err_t err;
	cards_grid_default(&g);
	CHECK_INT(cards_grid_check(&g, &err), 0);
	CHECK_INT(cards_per_page(&g), 10);
	CHECK_INT(cards_pages(&g, 0), 0);
	CHECK_INT(cards_pages(&g, 10), 1);
	CHECK_INT(cards_pages(&g, 11), 2);
	CHECK(g.card_w > 85.59 && g.card_w < 85.61 && g.card_h > 53.99 && g.card_h < 54.01);
	cards_grid_t b = g;
	b.cols = 3; /* 3 x 85.6 mm is wider than A4 */
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.cards.nofit");
	b = g;
	b.rows = 6; /* 6 x 54 = 324 mm */
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.cards.nofit");
	b = g;
	b.margin_top = 20; /* 20 + 270 + 12 > 297 */
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.cards.nofit");
	b = g;
	b.cols = 0;
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.cards.grid");
	b = g;
	b.gap_h = -1;
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	b = g;
	b.card_w = 0.0 / 0.0; /* NaN */
	CHECK_INT(cards_grid_check(&b, &err), ERR_INVALID);
	b = g;
	b.cols = 3;
	b.card_w = 60;
	b.margin_left = 10;
	b.gap_h = 5; /* 10 + 180 + 10 = 200: fits */
	CHECK_INT(cards_grid_check(&b, &err), 0);
}

static void test_heading(void)
{
	CHECK_STR(cards_heading(A, "Phòng Giáo dục và Đào tạo Quận 1"), "PHÒNG GD&ĐT QUẬN 1");
	CHECK_STR(cards_heading(A, "Trường Tiểu học Lê Ngọc Hân"), "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN");
	CHECK_STR(cards_heading(A, "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"),
	          "SỞ GD&ĐT THÀNH PHỐ HỒ CHÍ MINH");
	CHECK_STR(cards_heading(A, ""), "");
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd,
		          .code = "PGD01",
		          .name = "Phòng Giáo dục và Đào tạo Quận 1",
		          .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = { .parent_id = pgd,
		          .code = "TH001",
		          .name = "Trường Tiểu học Lê Ngọc Hân",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = {
		.parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "bgh.th001", "leader", th1 },       { "hs.th001", "reader", th1 },
		{ "phong1.cv", "inspector", pgd },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	leader = login("bgh.th001");
	reader = login("hs.th001");
	office = login("phong1.cv");
	p_jpeg = patron(th1, "HS0001", "Nguyễn Thị Ánh Dương", "student", "6A1", "active");
	p_png = patron(th1, "HS0002", "Trần Quốc Bảo", "student", "6A1", "active");
	p_bad = patron(th1, "HS0003", "Lê Văn Cường", "student", "6A1", "active");
	p_teacher = patron(th1, "GV0001", "Phạm Thị Hồng Nhung", "teacher", "", "active");
	p_gone = patron(th1, "HS0009", "Đỗ Minh Khang", "student", "6A1", "graduated");
	patron(th1, "HS0010", "Võ Gia Huy", "student", "10A1", "active");
	patron(th1, "HS0011", "Bùi Ngọc Ánh", "student", "6A2", "active");
	p_other = patron(th2, "HS0001", "Học Sinh Trường Khác", "student", "6A1", "active");
	photo(p_jpeg, "image/jpeg", b64(JPEG, sizeof JPEG));
	buf_t png = BUF_INIT;
	make_png(&png);
	photo(p_png, "image/png", b64((const unsigned char *)png.data, png.len));
	buf_release(&png);
	photo(p_bad, "image/jpeg", b64((const unsigned char *)"\xff\xd8\xff\xe0 not a jpeg at all", 24));
}

static void test_collect(void)
{
	err_t err;
	cards_set_t set;
	cards_select_t sel = { .class_name = "6A1" };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 3); /* the graduate is left out */
	CHECK_STR(set.governing, "PHÒNG GD&ĐT QUẬN 1");
	CHECK_STR(set.school, "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN");
	if (set.n == 3) {
		CHECK_STR(set.cards[0].full_name, "Lê Văn Cường"); /* by name */
		CHECK_STR(set.cards[1].code, "HS0001");
		CHECK_STR(set.cards[1].birth_date, "09/03/2014");
		CHECK_STR(set.cards[1].school_year, "2025-2026");
		CHECK_STR(set.cards[1].photo_mime, "image/jpeg");
		CHECK(set.cards[1].photo && strlen(set.cards[1].photo) > 100);
	}
	/* The leader prints too; the other school's librarian gets its own 6A1 only. */
	CHECK_INT(cards_collect(db, &leader, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 3);
	CHECK_INT(cards_collect(db, &lib2, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 1);
	/* Explicit ids: in the order given, any status; another school's id is not found. */
	int64_t ids[] = { p_teacher, p_gone, p_jpeg };
	sel = (cards_select_t){ .ids = ids, .nids = 3 };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 3);
	if (set.n == 3) {
		CHECK_STR(set.cards[0].kind, "teacher");
		CHECK_STR(set.cards[1].code, "HS0009");
	}
	int64_t bad[] = { p_jpeg, p_other };
	sel = (cards_select_t){ .ids = bad, .nids = 2 };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.patron.notfound");
	int64_t missing[] = { 999999 };
	sel = (cards_select_t){ .ids = missing, .nids = 1 };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), ERR_NOTFOUND);
	/* All active readers of the school, by class then name. */
	sel = (cards_select_t){ .all = true };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 6);
	/* Roles: readers and offices print no cards; a selection must be exactly one. */
	CHECK_INT(cards_collect(db, &reader, &sel, A, &set, &err), ERR_FORBIDDEN);
	CHECK_INT(cards_collect(db, &office, &sel, A, &set, &err), ERR_FORBIDDEN);
	CHECK_INT(cards_collect(db, NULL, &sel, A, &set, &err), ERR_FORBIDDEN);
	sel = (cards_select_t){ 0 };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), ERR_INVALID);
	sel = (cards_select_t){ .class_name = "6A1", .all = true };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), ERR_INVALID);
	sel = (cards_select_t){ .class_name = "9Z9" };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), 0);
	CHECK_INT(set.n, 0);
	/* The classes, in natural order. */
	cards_class_t *cls;
	size_t n = 0;
	CHECK_INT(cards_classes(db, &lib1, A, &cls, &n, &err), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(cls[0].name, "6A1");
		CHECK_INT(cls[0].readers, 3);
		CHECK_STR(cls[1].name, "6A2");
		CHECK_STR(cls[2].name, "10A1");
	}
	CHECK_INT(cards_classes(db, &reader, A, &cls, &n, &err), ERR_FORBIDDEN);
}

/* Render set on grid g (default when NULL) into tmpdir/name.pdf. */
static int render(const cards_set_t *set, const cards_grid_t *g, const char *name, char *path, size_t size)
{
	cards_grid_t d;
	cards_grid_default(&d);
	cards_fields_t f = { .photo = true, .birth = true, .qr = true };
	buf_t pdf = BUF_INIT;
	err_t err;
	int rc = cards_render_pdf(set, g ? g : &d, &f, &pdf, &err);
	CHECK_INT(rc, 0);
	CHECK(pdf.len > 100 && memcmp(pdf.data, "%PDF", 4) == 0);
	snprintf(path, size, "%s/%s.pdf", tmpdir, name);
	FILE *fp = fopen(path, "wb");
	CHECK(fp != NULL);
	if (fp) {
		fwrite(pdf.data, 1, pdf.len, fp);
		fclose(fp);
	}
	buf_release(&pdf);
	return rc;
}

static int pages_of(const char *path)
{
	char cmd[600], out[256];
	snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep '^Pages:'", path);
	if (run(cmd, out, sizeof out) != 0)
		return -1;
	return atoi(out + 6);
}

/* The photos among a PDF's images: JPEGs (embedded as is, "jpeg") and images of the test PNG's
 * size (12 x 16); the QR codes, small square images, are not counted. */
static void images_of(const char *path, int *jpeg, int *png)
{
	char cmd[600];
	static char out[65536];
	snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | tail -n +3", path);
	*jpeg = *png = 0;
	if (run(cmd, out, sizeof out) != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int page, num, w, h, comp, bpc;
		char type[16], color[16], enc[16];
		if (sscanf(line, "%d %d %15s %d %d %15s %d %d %15s", &page, &num, type, &w, &h, color, &comp,
		           &bpc, enc) != 9 ||
		    strcmp(type, "image") != 0)
			continue;
		if (strcmp(enc, "jpeg") == 0)
			(*jpeg)++;
		else if (w == 12 && h == 16)
			(*png)++;
	}
}

static void test_pdf(void)
{
	err_t err;
	cards_set_t set;
	cards_select_t sel = { .class_name = "6A1" };
	CHECK_INT(cards_collect(db, &lib1, &sel, A, &set, &err), 0);
	char path[512], cmd[1200];
	static char out[65536];
	if (render(&set, NULL, "class", path, sizeof path) < 0 || !have("pdftotext") || !have("pdfimages")) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	static const char *const want[] = { "PHÒNG GD&ĐT QUẬN 1",
		                            "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN",
		                            "THẺ THƯ VIỆN",
		                            "Nguyễn Thị Ánh Dương",
		                            "Trần Quốc Bảo",
		                            "Lê Văn Cường",
		                            "Lớp: 6A1",
		                            "Ngày sinh: 09/03/2014",
		                            "Năm học: 2025-2026",
		                            "HS0001",
		                            "HS0003" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(out, want[i])) {
			fprintf(stderr, "  missing \"%s\" in:\n%s\n", want[i], out);
			CHECK(0);
		}
	CHECK(!strstr(out, "Đỗ Minh Khang") && !strstr(out, "Trường Khác"));
	CHECK_INT(pages_of(path), 1);
	/* The JPEG photo embedded as JPEG, the PNG as an image, the corrupt one not at all. */
	int jpeg, other;
	images_of(path, &jpeg, &other);
	CHECK_INT(jpeg, 1);
	CHECK_INT(other, 1);
	/* The codes decode: each card's Code 128 and its QR. */
	if (have("zbarimg") && have("pdftoppm")) {
		snprintf(cmd, sizeof cmd,
		         "pdftoppm -r 300 -gray -png '%s' '%s/class' && zbarimg -q '%s/class-1.png' | sort",
		         path, tmpdir, tmpdir);
		run(cmd, out, sizeof out);
		static const char *const codes[] = { "CODE-128:HS0001", "CODE-128:HS0002", "CODE-128:HS0003",
			                             "QR-Code:HS0001",  "QR-Code:HS0002",  "QR-Code:HS0003" };
		for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
			if (!strstr(out, codes[i])) {
				fprintf(stderr, "  zbarimg did not find %s in:\n%s\n", codes[i], out);
				CHECK(0);
			}
	}
}

static void test_pages(void)
{
	card_t *v = arena_zalloc(A, 23 * sizeof *v);
	for (int i = 0; i < 23; i++)
		v[i] = (card_t){ .code = arena_printf(A, "HS%04d", i),
			         .full_name = "Nguyễn Văn An",
			         .kind = "student",
			         .class_name = "7A3",
			         .school_year = "2026-2027",
			         .birth_date = "" };
	cards_set_t set = { .governing = "PHÒNG GD&ĐT", .school = "TRƯỜNG", .cards = v, .n = 23 };
	char path[512];
	if (render(&set, NULL, "pages", path, sizeof path) == 0 && have("pdfinfo"))
		CHECK_INT(pages_of(path), 3);
	cards_grid_t g;
	cards_grid_default(&g);
	g.cols = 1;
	g.rows = 2;
	if (render(&set, &g, "pages2", path, sizeof path) == 0)
		CHECK_INT(pages_of(path), 12);
	/* Smaller cards: 3 x 7 of 60 x 38 mm, the drawing scaled. */
	g = (cards_grid_t){ .cols = 3,
		            .rows = 7,
		            .card_w = 60,
		            .card_h = 38,
		            .margin_left = 12,
		            .margin_top = 10,
		            .gap_h = 3,
		            .gap_v = 2 };
	if (render(&set, &g, "small", path, sizeof path) == 0)
		CHECK_INT(pages_of(path), 2);
	/* A very long name still renders (shrunk, then wrapped). */
	v[0].full_name = "Tôn Nữ Hoàng Thị Thanh Thủy Ngọc Bích Phương Quỳnh Như Nguyệt Ánh";
	set.n = 1;
	CHECK_INT(render(&set, NULL, "long", path, sizeof path), 0);
	/* A grid that does not fit is refused before anything is drawn. */
	g.cols = 4;
	buf_t pdf = BUF_INIT;
	err_t err;
	cards_fields_t f = { 0 };
	CHECK_INT(cards_render_pdf(&set, &g, &f, &pdf, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.cards.nofit");
	CHECK_INT(pdf.len, 0);
	buf_release(&pdf);
}

/* Photos that are not what they claim never fail the sheet: each is the empty frame. */
static void test_corrupt_photos(void)
{
	buf_t png = BUF_INIT;
	make_png(&png);
	unsigned char jpeg_cut[40];
	memcpy(jpeg_cut, JPEG, sizeof jpeg_cut);
	unsigned char jpeg_huge[sizeof JPEG];
	memcpy(jpeg_huge, JPEG, sizeof JPEG);
	for (size_t i = 2; i + 9 < sizeof JPEG; i++)
		if (jpeg_huge[i] == 0xFF && jpeg_huge[i + 1] == 0xC0) { /* SOF0: claim 65535 x 65535 */
			memset(jpeg_huge + i + 5, 0xFF, 4);
			break;
		}
	struct {
		const char *mime, *data;
	} bad[] = {
		{ "image/jpeg", "!!!! not base64 ????" },
		{ "image/jpeg", b64(jpeg_cut, sizeof jpeg_cut) },
		{ "image/jpeg", b64(jpeg_huge, sizeof jpeg_huge) },
		{ "image/png", b64((const unsigned char *)png.data, 40) },               /* cut after IHDR */
		{ "image/png", b64((const unsigned char *)png.data, png.len / 2 + 10) }, /* cut in the data */
		{ "image/png", b64(JPEG, sizeof JPEG) },                         /* a JPEG called PNG */
		{ "image/jpeg", b64((const unsigned char *)png.data, png.len) }, /* a PNG called JPEG */
		{ "image/jpeg", "" },
	};
	size_t n = sizeof bad / sizeof bad[0];
	card_t *v = arena_zalloc(A, n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (card_t){ .code = arena_printf(A, "X%zu", i),
			         .full_name = "Ảnh Hỏng",
			         .kind = "student",
			         .class_name = "",
			         .school_year = "2026-2027",
			         .birth_date = "",
			         .photo_mime = bad[i].mime,
			         .photo = bad[i].data };
	cards_set_t set = { .governing = "", .school = "TRƯỜNG", .cards = v, .n = n };
	char path[512];
	if (render(&set, NULL, "corrupt", path, sizeof path) == 0 && have("pdfimages")) {
		int jpeg, other;
		images_of(path, &jpeg, &other);
		CHECK_INT(jpeg, 0);
		CHECK_INT(other, 0);
	}
	buf_release(&png);
}

/* 1,000 cards with a photo each: the time goes to stdout for the report. */
static void test_thousand(void)
{
	const char *photo64 = b64(JPEG, sizeof JPEG);
	card_t *v = arena_zalloc(A, 1000 * sizeof *v);
	for (int i = 0; i < 1000; i++)
		v[i] = (card_t){ .code = arena_printf(A, "HS%05d", i),
			         .full_name = "Nguyễn Hoàng Phương Thảo",
			         .kind = "student",
			         .class_name = "9A2",
			         .school_year = "2026-2027",
			         .birth_date = "12/10/2012",
			         .photo_mime = "image/jpeg",
			         .photo = photo64 };
	cards_set_t set = {
		.governing = "PHÒNG GD&ĐT QUẬN 1", .school = "TRƯỜNG THCS VĂN LANG", .cards = v, .n = 1000
	};
	cards_grid_t g;
	cards_grid_default(&g);
	cards_fields_t f = { .photo = true, .birth = true, .qr = true };
	buf_t pdf = BUF_INIT;
	err_t err;
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	int64_t t0 = clock_usec();
	CHECK_INT(cards_render_pdf(&set, &g, &f, &pdf, &err), 0);
	int64_t us = clock_usec() - t0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	/* CPU time too: on a shared machine the wall clock measures the neighbours. */
	printf("  1000 cards with photo and QR: %.2f s (%.2f s CPU), %zu KiB PDF\n", (double)us / 1e6, cpu,
	       pdf.len / 1024);
	buf_release(&pdf);
	set.n = CARDS_MAX + 1;
	CHECK_INT(cards_render_pdf(&set, &g, &f, &pdf, &err), ERR_TOOBIG);
	buf_release(&pdf);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 20);
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/thuvien-cards-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_grid);
	RUN(test_heading);
	RUN(test_setup);
	RUN(test_collect);
	RUN(test_pdf);
	RUN(test_pages);
	RUN(test_corrupt_photos);
	RUN(test_thousand);
	char cmd[300], out[16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	run(cmd, out, sizeof out);
	arena_free(A);
	testdb_close(db);
	labels_shutdown();
	return check_summary("cards");
}
