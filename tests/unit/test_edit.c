/* test_edit.c: editing the catalogue (src/catalog/edit.c, src/marc/marc_edit.c) on the backend
 * $THUVIEN_TEST_DB names: the short form's edit (search columns, versions, who may), the MARC
 * record's checks, a MARC edit of a record imported from a real file (every other field kept
 * byte for byte, export and import again give the same fields), the short form on a record that
 * keeps its MARC, and a copy's edit. */
#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "catalog/edit.h"
#include "marc/marc.h"
#include "units/units.h"

#define DATA "../shared/data/marc/"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, office, leader, reader;
static const char *PW = "mat-khau-dai-du";

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, th1 = 0, th2 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = {
		.parent_id = pgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = {
		.parent_id = pgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },    { "bgh.th001", "leader", th1 },
		{ "bandoc.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	office = login("phong1.cv");
	leader = login("bgh.th001");
	reader = login("bandoc.th001");
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader.account_id &&
	      reader.account_id);
}

static int64_t hits(const actor_t *who, const char *q, int64_t id)
{
	catalog_query_t cq = { .q = q, .limit = 100 };
	biblio_t *v;
	size_t n = 0;
	int64_t total = 0, found = 0;
	err_t err;
	CHECK_INT(catalog_search(db, who, &cq, A, &v, &n, &total, &err), 0);
	for (size_t i = 0; i < n; i++)
		found += v[i].id == id;
	return found;
}

static biblio_t get(int64_t id)
{
	biblio_t b;
	err_t err;
	memset(&b, 0, sizeof b);
	CHECK_INT(catalog_biblio_get(db, &lib1, id, A, &b, &err), 0);
	return b;
}

static int64_t audits(const char *action, int64_t id)
{
	int64_t n = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &n, &err, "SELECT COUNT(*) FROM audit WHERE action = ? AND entity_id = ?",
	                       "si", action, id),
	          0);
	return n;
}

/* The short form on a record without MARC. */
static void test_update(void)
{
	err_t err;
	catalog_edit_result_t res;
	biblio_t in = { .title = "Tiếng Việt 5",
		        .authors = "Nguyễn Minh Thuyết",
		        .doc_type = "SGK",
		        .year = 2020,
		        .price = 15000 };
	int64_t id = 0, other = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib1, &in, false, 0, 2, &id, NULL, &err), 0);
	biblio_t o2 = { .title = "Toán 5",
		        .authors = "Đỗ Đình Hoan",
		        .doc_type = "SGK",
		        .year = 2020,
		        .isbn = "978-0-306-40615-7" };
	CHECK_INT(catalog_biblio_create(db, &lib1, &o2, false, &other, NULL, &err), 0);
	CHECK_INT(hits(&lib1, "tieng viet", id), 1);
	biblio_t b = get(id);
	int64_t v1 = b.version;

	/* Who may: only the librarian of the record's school. */
	biblio_t ch = b;
	ch.title = "Lịch sử và Địa lí 5";
	CHECK_INT(catalog_biblio_update(db, &lib2, id, v1, &ch, false, A, &res, &err), ERR_NOTFOUND);
	CHECK_INT(catalog_biblio_update(db, &leader, id, v1, &ch, false, A, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_update(db, &office, id, v1, &ch, false, A, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_update(db, &reader, id, v1, &ch, false, A, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_update(db, &lib1, 999999, v1, &ch, false, A, &res, &err), ERR_NOTFOUND);
	/* Bad input changes nothing. */
	biblio_t bad = ch;
	bad.isbn = "978-0-306-40615-8";
	CHECK_INT(catalog_biblio_update(db, &lib1, id, v1, &bad, false, A, &res, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.isbn");
	bad = ch;
	bad.title = "  ";
	CHECK_INT(catalog_biblio_update(db, &lib1, id, v1, &bad, false, A, &res, &err), ERR_INVALID);
	CHECK_STR(get(id).title, "Tiếng Việt 5");
	CHECK_INT(audits("biblio.edit", id), 0);

	/* The edit: the search follows, without diacritics. */
	CHECK_INT(catalog_biblio_update(db, &lib1, id, v1, &ch, false, A, &res, &err), 0);
	b = get(id);
	CHECK_STR(b.title, "Lịch sử và Địa lí 5");
	CHECK(b.version > v1);
	CHECK_INT(hits(&lib1, "tieng viet", id), 0);
	CHECK_INT(hits(&lib1, "lich su dia li", id), 1);
	CHECK_INT(hits(&lib1, "nguyen minh", id), 1);
	CHECK_INT(audits("biblio.edit", id), 1);
	CHECK(strstr(res.changes, "title: \"Tiếng Việt 5\" -> \"Lịch sử và Địa lí 5\"") != NULL);

	/* A stale form (made from v1) writes nothing, even within the same second. */
	biblio_t stale = ch;
	stale.title = "Ghi đè";
	CHECK_INT(catalog_biblio_update(db, &lib1, id, v1, &stale, false, A, &res, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.biblio.stale");
	CHECK_STR(get(id).title, "Lịch sử và Địa lí 5");

	/* A change that makes it the same title as another record: warned, then allowed. */
	b = get(id);
	biblio_t dup = b;
	dup.isbn = "0306406152";
	CHECK_INT(catalog_biblio_update(db, &lib1, id, b.version, &dup, false, A, &res, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.biblio.duplicate");
	CHECK_INT(res.dup_id, other);
	CHECK_STR(get(id).isbn, "");
	CHECK_INT(catalog_biblio_update(db, &lib1, id, b.version, &dup, true, A, &res, &err), 0);
	CHECK_STR(get(id).isbn, "9780306406157");
	/* Editing it again (price only) does not warn about the duplicate it already is. */
	b = get(id);
	b.price = 17000;
	CHECK_INT(catalog_biblio_update(db, &lib1, id, b.version, &b, false, A, &res, &err), 0);

	/* The document type changes; numbered copies keep their accession numbers. */
	b = get(id);
	CHECK_INT(b.nitems, 2);
	const char *acc0 = b.items[0].accession;
	b.doc_type = "STK";
	CHECK_INT(catalog_biblio_update(db, &lib1, id, b.version, &b, false, A, &res, &err), 0);
	CHECK(res.kept_accessions);
	b = get(id);
	CHECK_STR(b.doc_type, "STK");
	CHECK_STR(b.items[0].accession, acc0);
	CHECK(strncmp(acc0, "SGK-", 4) == 0);
	int64_t ids[1];
	CHECK_INT(catalog_items_add(db, &lib1, id, 0, 1, -1, ids, &err), 0);
	b = get(id);
	CHECK_INT(b.nitems, 3);
	CHECK(strncmp(b.items[b.nitems - 1].accession, "STK-", 4) == 0);
}

static marc_rec_t rec_of(const char *leader_, const char *const *lines)
{
	/* lines: "TAG", "I1", "I2", then code, value pairs, "" ending a field; NULL ends all. */
	marc_rec_t r = { .leader = leader_ };
	for (size_t i = 0; lines[i];) {
		marc_rec_insert(A, &r, r.nfields, lines[i]);
		marc_field_t *f = &r.fields[r.nfields - 1];
		if (marc_tag_is_control(lines[i])) {
			f->data = lines[i + 1];
			i += 3;
			continue;
		}
		f->ind1 = lines[i + 1];
		f->ind2 = lines[i + 2];
		i += 3;
		while (*lines[i]) {
			marc_field_add_sub(A, f, lines[i], lines[i + 1]);
			i += 2;
		}
		i++;
	}
	return r;
}

static const char *first_issue(marc_rec_t *r, int *field)
{
	marc_issue_t *iss;
	size_t n = 0;
	err_t err;
	int rc = marc_rec_check(A, r, &iss, &n, &err);
	*field = n ? iss[0].field : -2;
	return rc == 0 ? "ok" : iss[0].key;
}

static void test_marc_check(void)
{
	int f;
	static const char *const good[] = { "008", "260101s2020    vm            000 0 vie d",
		                            "",    "245",
		                            "1",   "0",
		                            "a",   "Toán 5 /",
		                            "c",   "Đỗ Đình Hoan.",
		                            "",    NULL };
	marc_rec_t r = rec_of("", good);
	CHECK_STR(first_issue(&r, &f), "ok");
	CHECK_STR(r.leader, "00000nam a2200000 a 4500"); /* the default */
	r = rec_of("01234cam  2200301   4500", good);
	CHECK_STR(first_issue(&r, &f), "ok");
	CHECK_STR(r.leader, "00000cam a2200000   4500"); /* the system's positions */
	r = rec_of("short", good);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.leader");
	CHECK_INT(f, -1);

	static const char *const badtag[] = { "245", "1", "0", "a", "T", "",  "24a",
		                              " ",   " ", "a", "x", "",  NULL };
	r = rec_of("", badtag);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.tag");
	CHECK_INT(f, 1);
	static const char *const local[] = { "245", "1", "0",   "a", "T", "",  "CAT", " ", " ", "a",
		                             "x",   "",  "cat", " ", " ", "a", "x",   "",  NULL };
	r = rec_of("", local);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.tag"); /* CAT is a local tag; cat is not a tag */
	CHECK_INT(f, 2);
	static const char *const badind[] = { "245", "1", "AB", "a", "T", "", NULL };
	r = rec_of("", badind);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.indicator");
	static const char *const blanks[] = { "245", "#", "_", "a", "T", "", NULL };
	r = rec_of("", blanks);
	CHECK_STR(first_issue(&r, &f), "ok");
	CHECK_STR(r.fields[0].ind1, " ");
	CHECK_STR(r.fields[0].ind2, " ");
	static const char *const badcode[] = { "245", "1", "0", "A", "T", "", NULL };
	r = rec_of("", badcode);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.code");
	static const char *const no245[] = { "650", " ", "4", "a", "Toán", "", NULL };
	r = rec_of("", no245);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.no_245");
	static const char *const two245[] = { "245", "0", "0", "a", "A", "",  "245",
		                              "0",   "0", "a", "B", "",  NULL };
	r = rec_of("", two245);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.repeat");
	static const char *const badutf8[] = { "245", "0", "0", "a", "\xc3\x28", "", NULL };
	r = rec_of("", badutf8);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.text");
	static const char *const ctl[] = { "245", "0", "0", "a",      "T", "",  "500",
		                           " ",   " ", "a", "x\x1fy", "",  NULL };
	r = rec_of("", ctl);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.text");
	/* A control field with subfields. */
	r = rec_of("", good);
	marc_field_add_sub(A, &r.fields[0], "a", "x");
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.control_subfields");
	CHECK_INT(f, 0);
	/* NFC: a decomposed "ế" is stored composed. */
	static const char *const nfd[] = { "245", "0", "0", "a", "Tie\xcc\x82\xcc\x81ng", "", NULL };
	r = rec_of("", nfd);
	CHECK_STR(first_issue(&r, &f), "ok");
	CHECK_STR(r.fields[0].subs[0].value, "Tiếng");
	/* Empty rows (an added field never filled) are dropped, not refused. */
	r = rec_of("", good);
	marc_rec_insert(A, &r, 1, "");
	marc_field_add_sub(A, &r.fields[2], "", "");
	CHECK_STR(first_issue(&r, &f), "ok");
	CHECK_INT(r.nfields, 2);
	CHECK_INT(r.fields[1].nsubs, 2);
	/* Too many fields; a field too long for ISO 2709. */
	r = rec_of("", good);
	for (int i = 0; i < 1200; i++) {
		marc_rec_insert(A, &r, r.nfields, "650");
		marc_field_add_sub(A, &r.fields[r.nfields - 1], "a", "Chủ đề");
	}
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.too_many");
	r = rec_of("", good);
	char *big = arena_alloc(A, 20001);
	memset(big, 'x', 20000);
	big[20000] = 0;
	marc_field_add_sub(A, &r.fields[1], "c", big);
	CHECK_STR(first_issue(&r, &f), "err.marc.edit.field_long");
	CHECK_INT(f, 1);
}

/* The short form's changes written into a MARC record map back to exactly the short fields, for
 * every field the short form edits: patch and mapping are each other's inverse. */
static void test_patch_maps_back(void)
{
	biblio_t a = { .title = "Toán 5",
		       .subtitle = "Sách giáo khoa",
		       .authors = "Đỗ Đình Hoan; Nguyễn Áng",
		       .publisher = "Giáo dục",
		       .place = "Hà Nội",
		       .year = 2020,
		       .edition = "Tái bản lần 3",
		       .isbn = "9780306406157",
		       .language = "vie",
		       .pages = "180 tr",
		       .size = "24 cm",
		       .series = "Chương trình 2018",
		       .subjects = "Toán học; Sách giáo khoa",
		       .summary = "Số học và hình học",
		       .class_number = "510",
		       .call_number = "510 T406" };
	biblio_t v[4];
	for (int k = 0; k < 4; k++)
		v[k] = a;
	v[0].title = "Toán 5 (mới)";
	v[0].subtitle = "";
	v[0].authors = "Nguyễn Áng; Trần Diên Hiển";
	v[0].year = 2024;
	v[1].isbn = "9786042095877";
	v[1].language = "eng";
	v[1].edition = "";
	v[1].pages = "200 tr";
	v[1].size = "";
	v[2].series = "";
	v[2].subjects = "Hình học";
	v[2].summary = "Tóm tắt mới";
	v[2].class_number = "372.7";
	v[2].call_number = "372.7 T406";
	v[3].isbn = "";
	v[3].publisher = "Kim Đồng";
	v[3].place = "";
	v[3].authors = "";
	for (int k = 0; k < 4; k++) {
		marc_rec_t r;
		biblio_t m;
		const char *norm;
		err_t err;
		marc_rec_from_biblio(A, &a, 0, &r);
		marc_rec_patch(A, &r, &a, &v[k]);
		const char *xml = marc_rec_to_xml(A, &r, &err);
		CHECK(xml != NULL);
		CHECK_INT(marc_rec_map(A, xml, &m, &norm, &err), 0);
		CHECK_STR(m.title, v[k].title);
		CHECK_STR(m.subtitle, v[k].subtitle);
		CHECK_STR(m.authors, v[k].authors);
		CHECK_STR(m.publisher, v[k].publisher);
		CHECK_STR(m.place, v[k].place);
		CHECK_INT(m.year, v[k].year);
		CHECK_STR(m.edition, v[k].edition);
		CHECK_STR(m.isbn, v[k].isbn);
		CHECK_STR(m.language, v[k].language);
		CHECK_STR(m.pages, v[k].pages);
		CHECK_STR(m.size, v[k].size);
		CHECK_STR(m.series, v[k].series);
		CHECK_STR(m.subjects, v[k].subjects);
		CHECK_STR(m.summary, v[k].summary);
		CHECK_STR(m.class_number, v[k].class_number);
		CHECK_STR(m.call_number, v[k].call_number);
	}
}

static const marc_record_t *import_one(const char *file, size_t which, int64_t *id)
{
	static marc_batch_t b;
	err_t err;
	CHECK_INT(marc_read_file(file, A, &b, &err), 0);
	CHECK(b.nrecs > which);
	b.recs += which;
	b.nrecs = 1;
	marc_import_result_t res;
	CHECK_INT(marc_commit(db, &lib1, &b, &(marc_import_opts_t){ .copies = 1 }, &res, &err), 0);
	CHECK_INT(res.imported, 1);
	CHECK_INT(db_query_int(db, id, &err, "SELECT MAX(id) FROM biblios", ""), 0);
	return &b.recs[0];
}

static const char *stored_marc(int64_t id)
{
	err_t err;
	db_stmt_t *st = db_query(db, &err, "SELECT marc FROM biblios WHERE id = ?", "i", id);
	CHECK(st && db_step(st, &err) == DB_ROW);
	const char *m = st ? arena_strdup(A, db_col_text(st, 0)) : "";
	db_done(st);
	return m;
}

/* Every field's line but those whose tag is in skip ("245 260"), in order. */
static const char *lines_except(const char *xml, const char *skip)
{
	marc_rec_t r, keep = { .leader = "" };
	err_t err;
	CHECK_INT(marc_rec_from_xml(A, xml, &r, &err), 0);
	for (size_t i = 0; i < r.nfields; i++)
		if (!*skip || !strstr(skip, r.fields[i].tag)) {
			marc_rec_insert(A, &keep, keep.nfields, "");
			keep.fields[keep.nfields - 1] = r.fields[i];
		}
	return marc_rec_lines(A, &keep);
}

static void test_marc_edit_real(void)
{
	err_t err;
	int64_t id = 0;
	/* marc4j-sample1.mrc: UTF-8 ISO 2709 from a real catalogue; its 2nd record has many fields. */
	import_one(DATA "marc4j-sample1.mrc", 1, &id);
	const char *before = stored_marc(id);
	CHECK(strlen(before) > 500);
	marc_rec_t rec;
	biblio_t b;
	bool stored = false;
	CHECK_INT(catalog_biblio_marc(db, &lib1, id, A, &b, &rec, &stored, &err), 0);
	CHECK(stored);
	size_t nfields = rec.nfields;
	CHECK(nfields > 10);
	marc_field_t *f245 = marc_rec_field(&rec, "245");
	CHECK(f245 != NULL);
	/* Readers of the catalogue may see it, not edit it. */
	marc_issue_t *iss;
	size_t niss;
	catalog_edit_result_t res;
	CHECK_INT(catalog_biblio_marc_save(db, &leader, id, b.version, NULL, 0, &rec, false, A, &iss, &niss,
	                                   &res, &err),
	          ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_marc_save(db, &lib2, id, b.version, NULL, 0, &rec, false, A, &iss, &niss,
	                                   &res, &err),
	          ERR_NOTFOUND);
	/* Change 245 $a only. */
	for (size_t i = 0; i < f245->nsubs; i++)
		if (!strcmp(f245->subs[i].code, "a"))
			f245->subs[i].value = "Sửa nhan đề trong MARC /";
	CHECK_INT(catalog_biblio_marc_save(db, &lib1, id, b.version, NULL, 0, &rec, false, A, &iss, &niss,
	                                   &res, &err),
	          0);
	CHECK(res.marc_updated);
	const char *after = stored_marc(id);
	CHECK_STR(lines_except(after, "245"), lines_except(before, "245"));
	CHECK(strstr(after, "Sửa nhan đề trong MARC /") != NULL);
	biblio_t nb = get(id);
	CHECK_STR(nb.title, "Sửa nhan đề trong MARC");
	CHECK_STR(nb.authors, b.authors);
	CHECK_INT(hits(&lib1, "sua nhan de", id), 1);
	CHECK_INT(audits("biblio.marc", id), 1);
	/* A stale MARC form. */
	CHECK_INT(catalog_biblio_marc_save(db, &lib1, id, b.version, NULL, 0, &rec, false, A, &iss, &niss,
	                                   &res, &err),
	          ERR_CONFLICT);

	/* The short form on the same record: 245 of the stored MARC follows, the rest stays. */
	nb = get(id);
	biblio_t ch = nb;
	ch.title = "Nhan đề từ mẫu ngắn";
	ch.year = 1999;
	CHECK_INT(catalog_biblio_update(db, &lib1, id, nb.version, &ch, false, A, &res, &err), 0);
	CHECK(res.marc_updated);
	const char *third = stored_marc(id);
	marc_rec_t r3;
	CHECK_INT(marc_rec_from_xml(A, third, &r3, &err), 0);
	CHECK_STR(marc_field_sub(marc_rec_field(&r3, "245"), 'a'), "Nhan đề từ mẫu ngắn /");
	CHECK_STR(marc_field_sub(marc_rec_field(&r3, "260"), 'c'), "1999."); /* its ISBD stop kept */
	CHECK_STR(lines_except(third, "245 260"), lines_except(after, "245 260"));
	biblio_t n3 = get(id);
	CHECK_STR(n3.title, "Nhan đề từ mẫu ngắn");
	CHECK_INT(n3.year, 1999);
	CHECK_INT(hits(&lib1, "nhan de tu mau ngan", id), 1);
	CHECK_INT(hits(&lib1, "sua nhan de", id), 0);

	/* Export and import again: the same fields. */
	FILE *f = tmpfile();
	int64_t count = 0;
	CHECK_INT(marc_export(db, &lib1, MARC_MARCXML, f, &count, &err), 0);
	long len = ftell(f);
	rewind(f);
	char *buf = arena_alloc(A, (size_t)len + 1);
	CHECK_INT((long)fread(buf, 1, (size_t)len, f), len);
	fclose(f);
	marc_batch_t back;
	CHECK_INT(marc_read_buf(buf, (size_t)len, A, &back, &err), 0);
	const marc_record_t *again = NULL;
	for (size_t i = 0; i < back.nrecs; i++)
		if (!strcmp(back.recs[i].bib.title, "Nhan đề từ mẫu ngắn"))
			again = &back.recs[i];
	CHECK(again != NULL);
	if (again) {
		CHECK_STR(lines_except(again->marcxml, ""), lines_except(third, ""));
		CHECK_STR(again->bib.authors, n3.authors);
		CHECK_INT(again->bib.year, n3.year);
	}
}

/* A record with local tags (Aleph's CAT), MARC-8 in the file: the short form edits its title, the
 * MARC form saves it, and every other field stays as it was. */
static void test_local_tags(void)
{
	err_t err;
	int64_t id = 0;
	import_one(DATA "pymarc-alphatag.dat", 0, &id);
	const char *before = stored_marc(id);
	CHECK(strstr(before, "tag=\"CAT\"") != NULL);
	biblio_t b = get(id), ch;
	ch = b;
	ch.title = "Hóa học cho trẻ em";
	catalog_edit_result_t res;
	CHECK_INT(catalog_biblio_update(db, &lib1, id, b.version, &ch, false, A, &res, &err), 0);
	const char *after = stored_marc(id);
	CHECK_STR(lines_except(after, "245"), lines_except(before, "245"));
	marc_rec_t r;
	CHECK_INT(marc_rec_from_xml(A, after, &r, &err), 0);
	CHECK_STR(marc_field_sub(marc_rec_field(&r, "245"), 'a'), "Hóa học cho trẻ em,");
	CHECK_STR(marc_field_sub(marc_rec_field(&r, "245"), 'c'),
	          "by Virginia L. Mullin. Illustrated by Bernard Case.");
	/* Saved unchanged through the MARC form: the same record, byte for byte. */
	b = get(id);
	marc_issue_t *iss;
	size_t niss;
	CHECK_INT(catalog_biblio_marc_save(db, &lib1, id, b.version, NULL, 0, &r, false, A, &iss, &niss, &res,
	                                   &err),
	          0);
	CHECK_STR(stored_marc(id), after);
	CHECK(!res.marc_updated);
	CHECK_INT(get(id).version, b.version); /* nothing changed: nothing written */
	CHECK_INT(audits("biblio.marc", id), 0);
	CHECK_INT(audits("biblio.edit", id), 1);
}

/* A new record catalogued in full, and the short form's year in a 260 $c. */
static void test_marc_new(void)
{
	err_t err;
	static const char *const lines[] = { "020",
		                             " ",
		                             " ",
		                             "a",
		                             "978-604-2-09587-7",
		                             "",
		                             "100",
		                             "1",
		                             " ",
		                             "a",
		                             "Tô Hoài,",
		                             "d",
		                             "1920-2014.",
		                             "",
		                             "245",
		                             "1",
		                             "0",
		                             "a",
		                             "Dế Mèn phiêu lưu ký /",
		                             "c",
		                             "Tô Hoài.",
		                             "",
		                             "260",
		                             " ",
		                             " ",
		                             "a",
		                             "Hà Nội :",
		                             "b",
		                             "Kim Đồng,",
		                             "c",
		                             "c2019.",
		                             "",
		                             "650",
		                             " ",
		                             "4",
		                             "a",
		                             "Văn học thiếu nhi",
		                             "",
		                             NULL };
	marc_rec_t r = rec_of("", lines);
	marc_issue_t *iss;
	size_t niss;
	catalog_edit_result_t res;
	CHECK_INT(catalog_biblio_marc_save(db, &reader, 0, 0, "TN", 1, &r, false, A, &iss, &niss, &res, &err),
	          ERR_FORBIDDEN);
	CHECK_INT(catalog_biblio_marc_save(db, &lib1, 0, 0, "TN", 2, &r, false, A, &iss, &niss, &res, &err),
	          0);
	biblio_t b = get(res.id);
	CHECK_STR(b.title, "Dế Mèn phiêu lưu ký");
	CHECK_STR(b.authors, "Tô Hoài");
	CHECK_STR(b.publisher, "Kim Đồng");
	CHECK_INT(b.year, 2019);
	CHECK_STR(b.isbn, "9786042095877");
	CHECK_STR(b.doc_type, "TN");
	CHECK_INT(b.nitems, 2);
	CHECK_INT(hits(&lib1, "de men phieu luu", res.id), 1);
	/* The short form: a new year, a second author; 100 keeps its $d. */
	biblio_t ch = b;
	ch.year = 2021;
	ch.authors = "Tô Hoài; Nguyễn Văn A";
	ch.subjects = "";
	CHECK_INT(catalog_biblio_update(db, &lib1, res.id, b.version, &ch, false, A, &res, &err), 0);
	marc_rec_t m;
	CHECK_INT(marc_rec_from_xml(A, stored_marc(res.id), &m, &err), 0);
	CHECK_STR(marc_field_sub(marc_rec_field(&m, "260"), 'c'), "2021.");
	CHECK_STR(marc_field_sub(marc_rec_field(&m, "100"), 'd'), "1920-2014.");
	CHECK_STR(marc_field_sub(marc_rec_field(&m, "700"), 'a'), "Nguyễn Văn A");
	CHECK(marc_rec_field(&m, "650") == NULL);
	b = get(res.id);
	CHECK_STR(b.authors, "Tô Hoài; Nguyễn Văn A");
	CHECK_INT(b.year, 2021);
	CHECK_STR(b.subjects, "");
	/* Bad MARC: nothing written, every issue named. */
	int64_t before = 0;
	CHECK_INT(db_query_int(db, &before, &err, "SELECT COUNT(*) FROM biblios", ""), 0);
	static const char *const bad[] = {
		"24", " ", " ", "a", "x", "", "650", "x", "Y", "A", "y", "", NULL
	};
	r = rec_of("", bad);
	CHECK_INT(catalog_biblio_marc_save(db, &lib1, 0, 0, "TN", 1, &r, false, A, &iss, &niss, &res, &err),
	          ERR_INVALID);
	CHECK(niss >= 4); /* the tag, the indicator, the code, no 245 */
	int64_t after = 0;
	CHECK_INT(db_query_int(db, &after, &err, "SELECT COUNT(*) FROM biblios", ""), 0);
	CHECK_INT(after, before);
}

static void test_items(void)
{
	err_t err;
	biblio_t in = { .title = "Bản sách để sửa", .doc_type = "STK" };
	int64_t id = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib1, &in, false, 0, 2, &id, NULL, &err), 0);
	biblio_t b = get(id);
	item_t it;
	CHECK_INT(catalog_item_get(db, &lib1, b.items[0].id, A, &it, &err), 0);
	CHECK_INT(catalog_item_get(db, &lib2, b.items[0].id, A, &it, &err), ERR_NOTFOUND);
	CHECK_INT(catalog_item_get(db, &reader, b.items[0].id, A, &it, &err), ERR_FORBIDDEN);
	item_t ch = { .barcode = " TV-0001 ",
		      .location = "Kho mở, giá 3",
		      .price = 30000,
		      .note = "Bìa rách nhẹ",
		      .status = "damaged" };
	const char *what;
	CHECK_INT(catalog_item_update(db, &lib2, it.id, &ch, A, &what, &err), ERR_NOTFOUND);
	CHECK_INT(catalog_item_update(db, &leader, it.id, &ch, A, &what, &err), ERR_FORBIDDEN);
	CHECK_INT(catalog_item_update(db, &lib1, it.id, &ch, A, &what, &err), 0);
	CHECK_INT(catalog_item_get(db, &lib1, it.id, A, &it, &err), 0);
	CHECK_STR(it.barcode, "TV-0001");
	CHECK_STR(it.location, "Kho mở, giá 3");
	CHECK_STR(it.status, "damaged");
	CHECK_INT(it.price, 30000);
	CHECK_INT(audits("item.edit", it.id), 1);
	/* What is left out stays. */
	item_t only = { .status = "available", .price = CATALOG_KEEP_PRICE };
	CHECK_INT(catalog_item_update(db, &lib1, it.id, &only, A, &what, &err), 0);
	CHECK_INT(catalog_item_get(db, &lib1, it.id, A, &it, &err), 0);
	CHECK_STR(it.barcode, "TV-0001");
	CHECK_STR(it.note, "Bìa rách nhẹ");
	CHECK_INT(it.price, 30000);
	CHECK_STR(it.status, "available");
	CHECK_STR(what, "status: \"damaged\" -> \"available\"");
	/* The other copy may not take the same barcode; bad barcodes and statuses refused. */
	item_t other = ch;
	other.status = "available";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.items.barcode_taken");
	other.barcode = "có dấu";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), ERR_INVALID);
	other.barcode = "TV-0002";
	other.status = "on_loan";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.item.status");
	other.status = "withdrawn";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), ERR_INVALID);
	/* A copy on loan keeps its status: circulation owns it. */
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'on_loan' WHERE id = ?", "i", b.items[1].id),
	          1);
	other.status = "available";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.item.status_locked");
	other.status = "on_loan";
	CHECK_INT(catalog_item_update(db, &lib1, b.items[1].id, &other, A, &what, &err), 0);
	CHECK_INT(audits("item.edit", b.items[1].id), 1);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(65536);
	RUN(test_setup);
	RUN(test_update);
	RUN(test_marc_check);
	RUN(test_patch_maps_back);
	RUN(test_marc_edit_real);
	RUN(test_local_tags);
	RUN(test_marc_new);
	RUN(test_items);
	arena_free(A);
	testdb_close(db);
	return check_summary("edit");
}
