/* test_marc.c: MARC21 import and export (src/marc) on real files from ../shared/data/marc-extra
 * (skipped with a message when absent), on the backend $THUVIEN_TEST_DB names: UTF-8 and MARC-8
 * files, the MARC-8 file against its MARCXML twin, a round trip through ISO 2709, every broken
 * file of bad/, a truncated file, and all-or-nothing commits. */
#include <dirent.h>

#include <libxml/parser.h>
#include <yaz/marcdisp.h>
#include <yaz/wrbuf.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "marc/marc.h"
#include "units/units.h"

#define DATA "../shared/data/marc-extra/"

static db_t *db;
static arena_t *A;
static actor_t lib[7]; /* librarians of seven schools */

static int have_data(void)
{
	if (access(DATA "bulk/jorol-loc-50.mrc", R_OK) == 0)
		return 1;
	printf("  skipped: %s not found\n", DATA);
	return 0;
}

static int64_t count(const char *sql, int64_t unit)
{
	int64_t n = -1;
	err_t err;
	if (db_query_int(db, &n, &err, sql, "i", unit) < 0)
		fprintf(stderr, "  count: %s\n", err.detail);
	return n;
}

static int64_t nbib(int s)
{
	return count("SELECT COUNT(*) FROM biblios WHERE unit_id = ?", lib[s].unit_id);
}
static int64_t nitem(int s)
{
	return count("SELECT COUNT(*) FROM items WHERE unit_id = ?", lib[s].unit_id);
}
static int64_t nacq(int s)
{
	return count("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ?", lib[s].unit_id);
}

/* One integer from sql about school s's value v (a barcode). */
static int64_t ask(const char *sql, int s, const char *v)
{
	int64_t n = -1;
	err_t err;
	db_query_int(db, &n, &err, sql, "is", lib[s].unit_id, v);
	return n;
}

static int64_t count_barcode(int s, const char *barcode)
{
	return ask("SELECT COUNT(*) FROM items WHERE unit_id = ? AND barcode = ?", s, barcode);
}

static int64_t price_of(int s, const char *barcode)
{
	return ask("SELECT price FROM items WHERE unit_id = ? AND barcode = ?", s, barcode);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	for (int i = 0; i < 7; i++) {
		char code[16], user[32];
		int64_t uid = 0, aid = 0;
		unit_t u;
		snprintf(code, sizeof code, "TH%03d", i + 1);
		snprintf(user, sizeof user, "thuthu.th%03d", i + 1);
		unit_new_t in = { .parent_id = sgd,
			          .code = code,
			          .name = "Trường",
			          .kind = "school",
			          .school_level = "th" };
		CHECK_INT(units_create(db, NULL, &in, &uid, &err), 0);
		account_new_t acc = {
			.unit_id = uid, .username = user, .role = "librarian", .password = "mat-khau-dai-du"
		};
		CHECK_INT(accounts_create(db, NULL, &acc, NULL, &aid, &err), 0);
		CHECK_INT(units_get_by_code(db, code, A, &u, &err), 0);
		lib[i] = (actor_t){ .account_id = aid, .unit_id = uid, .role = ROLE_LIBRARIAN };
		snprintf(lib[i].username, sizeof lib[i].username, "%s", user);
		snprintf(lib[i].unit_kind, sizeof lib[i].unit_kind, "school");
		snprintf(lib[i].unit_path, sizeof lib[i].unit_path, "%s", u.path);
	}
}

static void test_utf8_file(void)
{
	if (!have_data())
		return;
	marc_batch_t b;
	marc_import_result_t res;
	err_t err;
	CHECK_INT(marc_read_file(DATA "bulk/jorol-loc-50.mrc", A, &b, &err), 0);
	CHECK_STR(b.format, "iso2709");
	CHECK_INT(b.nread, 50);
	CHECK_INT(b.nrecs, 50);
	CHECK_INT(b.nproblems, 0);
	CHECK_INT(marc_preview(db, &lib[0], &b, &err), 0);
	int64_t dups = b.nduplicates; /* within the file: the same book twice */
	CHECK_INT(marc_commit(db, &lib[0], &b, &(marc_import_opts_t){ .copies = 2 }, &res, &err), 0);
	CHECK_INT(res.imported, 50 - dups);
	CHECK_INT(res.duplicates, dups);
	CHECK_INT(nbib(0), 50 - dups);
	int64_t want = 0;
	for (size_t i = 0; i < b.nrecs; i++)
		want += b.recs[i].duplicate ? 0 : b.recs[i].holdings ? b.recs[i].holdings : 2;
	CHECK_INT(nitem(0), want); /* one per 852/952, else 2 */
	CHECK_INT(res.copies, want);
	CHECK_INT(nacq(0), 1);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM biblios WHERE unit_id = ? AND marc LIKE '<record%'", lib[0].unit_id),
	    50 - dups);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM acquisitions WHERE unit_id = ? AND source = 'other'", lib[0].unit_id),
	    1);
	/* The first record, mapped. */
	const biblio_t *x = &b.recs[0].bib;
	CHECK(x->title && *x->title && x->title[strlen(x->title) - 1] != '/');
	CHECK(strlen(x->language) == 3);
	/* Again: all duplicates now, nothing written, no empty batch. */
	marc_batch_t b2;
	CHECK_INT(marc_read_file(DATA "bulk/jorol-loc-50.mrc", A, &b2, &err), 0);
	CHECK_INT(marc_preview(db, &lib[0], &b2, &err), 0);
	CHECK_INT(b2.nduplicates, 50);
	/* The 50 were matched on the school's records read in one statement; one record alone, small
	 * beside the school's 48, is looked up on the indexes: the same records are found. */
	for (size_t i = 0; i < b2.nrecs; i++) {
		marc_batch_t one = b2;
		one.recs = &b2.recs[i];
		one.nrecs = 1;
		int64_t dup = b2.recs[i].dup_id;
		CHECK_INT(marc_preview(db, &lib[0], &one, &err), 0);
		CHECK(one.recs[0].duplicate);
		CHECK_INT(one.recs[0].dup_id, dup);
	}
	CHECK_INT(marc_commit(db, &lib[0], &b2, NULL, &res, &err), 0);
	CHECK_INT(res.imported, 0);
	CHECK_INT(nacq(0), 1);
}

static void test_marc8_against_xml_twin(void)
{
	if (!have_data())
		return;
	marc_batch_t iso, xml;
	err_t err;
	CHECK_INT(marc_read_file(DATA "bulk/solrmarc-specTestRecs.mrc", A, &iso, &err), 0);
	CHECK_INT(marc_read_file(DATA "xml/solrmarc-specTestRecs.xml", A, &xml, &err), 0);
	CHECK_STR(xml.format, "marcxml");
	CHECK(iso.nrecs > 50);
	CHECK_INT(iso.nproblems, 0);
	CHECK_INT(iso.nrecs, xml.nrecs);
	size_t same = 0, n = iso.nrecs < xml.nrecs ? iso.nrecs : xml.nrecs, nonascii = 0;
	for (size_t i = 0; i < n; i++) {
		const char *t1 = iso.recs[i].bib.title, *t2 = xml.recs[i].bib.title;
		same += !strcmp(t1, t2);
		if (strcmp(t1, t2))
			fprintf(stderr, "  title %zu: \"%s\" vs \"%s\"\n", i + 1, t1, t2);
		for (const char *p = t1; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				nonascii++;
				break;
			}
	}
	CHECK_INT(same, n);
	CHECK(nonascii > 0); /* MARC-8 diacritics really were converted */
	marc_import_result_t res;
	CHECK_INT(marc_commit(db, &lib[1], &iso, NULL, &res, &err), 0);
	CHECK(res.imported > 50);
}

/* Import the UTF-8 file into school 3, export it, read the export back: the same records. */
static void test_round_trip(void)
{
	if (!have_data())
		return;
	marc_batch_t b, back;
	marc_import_result_t res;
	err_t err;
	CHECK_INT(marc_read_file(DATA "bulk/solrmarc-specTestRecs.mrc", A, &b, &err), 0);
	CHECK_INT(marc_commit(db, &lib[2], &b, NULL, &res, &err), 0);
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	int64_t n = 0;
	CHECK_INT(marc_export(db, &lib[2], MARC_ISO2709, f, &n, &err), 0);
	fclose(f);
	CHECK_INT(n, res.imported);
	CHECK_INT(marc_read_buf(mem, len, A, &back, &err), 0);
	CHECK_INT(back.nproblems, 0);
	CHECK_INT(back.nrecs, res.imported);
	size_t k = 0, equal = 0;
	for (size_t i = 0; i < b.nrecs && k < back.nrecs; i++) {
		if (b.recs[i].duplicate)
			continue;
		equal += !strcmp(b.recs[i].marcxml, back.recs[k].marcxml) &&
		         !strcmp(b.recs[i].bib.title, back.recs[k].bib.title) &&
		         !strcmp(b.recs[i].bib.authors, back.recs[k].bib.authors) &&
		         b.recs[i].bib.year == back.recs[k].bib.year;
		k++;
	}
	CHECK_INT(equal, back.nrecs);
	/* ...and into another school. */
	CHECK_INT(marc_commit(db, &lib[3], &back, NULL, &res, &err), 0);
	CHECK_INT(nbib(3), nbib(2));
	free(mem);
	/* MARCXML export reads back too. */
	f = open_memstream(&mem, &len);
	CHECK_INT(marc_export(db, &lib[2], MARC_MARCXML, f, &n, &err), 0);
	fclose(f);
	CHECK_INT(marc_read_buf(mem, len, A, &back, &err), 0);
	CHECK_STR(back.format, "marcxml");
	CHECK_INT(back.nrecs, n);
	free(mem);
}

static void test_bad_files(void)
{
	if (!have_data())
		return;
	DIR *d = opendir(DATA "bad");
	struct dirent *e;
	int files = 0, with_problems = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof path, DATA "bad/%s", e->d_name);
		marc_batch_t b;
		marc_import_result_t res;
		err_t err;
		files++;
		if (marc_read_file(path, A, &b, &err) < 0)
			continue;
		with_problems += b.nproblems > 0;
		for (size_t i = 0; i < b.nproblems; i++)
			CHECK(b.problems[i].key && !strncmp(b.problems[i].key, "err.marc.", 9));
		CHECK((int64_t)(b.nrecs + b.nproblems) >= b.nread);
		int64_t before = nbib(4);
		int rc = marc_commit(db, &lib[4], &b, NULL, &res, &err);
		if (rc < 0)
			fprintf(stderr, "  %s: commit: %s %s\n", e->d_name, err.key, err.detail);
		CHECK_INT(rc, 0);
		CHECK_INT(nbib(4) - before, res.imported);
		CHECK(res.imported + res.duplicates == (int64_t)b.nrecs);
	}
	if (d)
		closedir(d);
	CHECK(files >= 20);
	CHECK(with_problems >= 15);
}

static void test_truncated(void)
{
	if (!have_data())
		return;
	FILE *f = fopen(DATA "bulk/jorol-loc-50.mrc", "rb");
	static char data[100000];
	size_t len = f ? fread(data, 1, sizeof data, f) : 0;
	if (f)
		fclose(f);
	/* Find where record 10 starts, cut the file in its middle. */
	size_t pos = 0;
	for (int i = 0; i < 9; i++)
		pos += (size_t)atoi(
		    (char[6]){ data[pos], data[pos + 1], data[pos + 2], data[pos + 3], data[pos + 4], 0 });
	size_t rl = (size_t)atoi(
	    (char[6]){ data[pos], data[pos + 1], data[pos + 2], data[pos + 3], data[pos + 4], 0 });
	CHECK(pos + rl <= len);
	marc_batch_t b;
	err_t err;
	CHECK_INT(marc_read_buf(data, pos + rl / 2, A, &b, &err), 0);
	CHECK_INT(b.nread, 10);
	CHECK_INT(b.nrecs, 9);
	CHECK_INT(b.nproblems, 1);
	if (b.nproblems) {
		CHECK_INT(b.problems[0].recno, 10);
		CHECK_INT(b.problems[0].offset, (int64_t)pos);
		CHECK_STR(b.problems[0].key, "err.marc.truncated");
	}
	/* Cut inside the leader, and garbage: still no crash. */
	CHECK_INT(marc_read_buf(data, pos + 3, A, &b, &err), 0);
	CHECK_INT(b.nproblems, 1);
	CHECK_INT(marc_read_buf("   \n", 4, A, &b, &err), ERR_INVALID);
	CHECK_INT(marc_read_buf("<collection><record>", 20, A, &b, &err), 0);
	CHECK_INT(b.nrecs, 0);
	CHECK_INT(b.nproblems, 1);
}

static void test_all_or_nothing(void)
{
	if (!have_data())
		return;
	marc_batch_t b;
	marc_import_result_t res;
	err_t err;
	int s = 4;
	CHECK_INT(marc_read_file(DATA "bulk/solrmarc-uva_001-200.mrc", A, &b, &err), 0);
	CHECK(b.nrecs > 100);
	int64_t bib0 = nbib(s), item0 = nitem(s), acq0 = nacq(s);
	/* An unknown document type: the first record fails, the batch goes too. */
	CHECK(marc_commit(db, &lib[s], &b, &(marc_import_opts_t){ .doc_type = "XYZ" }, &res, &err) < 0);
	CHECK_STR(err.key, "err.biblio.doc_type");
	CHECK_INT(res.imported, 0);
	CHECK_INT(nbib(s), bib0);
	CHECK_INT(nitem(s), item0);
	CHECK_INT(nacq(s), acq0);
	/* Half-way: a copy typed by hand already holds the barcode the 100th new copy would get. */
	int64_t bid = 0, taken = 0;
	CHECK_INT(count("SELECT COALESCE(MAX(last), 0) FROM accession_counters WHERE unit_id = ? AND "
	                "register = 'STK'",
	                lib[s].unit_id) >= 0,
	          1);
	taken = count("SELECT COALESCE(MAX(last), 0) FROM accession_counters WHERE unit_id = ? AND register "
	              "= 'STK'",
	              lib[s].unit_id) +
	        100;
	biblio_t in = { .title = "Sách có mã vạch gõ tay", .doc_type = "SGK" };
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[s], &in, false, 0, 1, &bid, NULL, &err), 0);
	char code[32];
	snprintf(code, sizeof code, "STK%06lld", (long long)taken);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET barcode = ? WHERE biblio_id = ?", "si", code, bid), 1);
	bib0 = nbib(s), item0 = nitem(s), acq0 = nacq(s);
	CHECK(marc_commit(db, &lib[s], &b, &(marc_import_opts_t){ .copies = 1 }, &res, &err) < 0);
	CHECK_STR(err.key, "err.items.barcode_taken");
	CHECK(res.failed_pos > 50);
	if (db_kind(db) == DB_SQLITE) /* the index's switch went with the rest */
		CHECK_INT(count("SELECT COUNT(*) FROM fts_defer WHERE unit_id >= ?", 0), 0);
	CHECK_INT(nbib(s), bib0);
	CHECK_INT(nitem(s), item0);
	CHECK_INT(nacq(s), acq0);
	/* Not a librarian: refused before anything. */
	actor_t reader = lib[s];
	reader.role = ROLE_LEADER;
	CHECK_INT(marc_commit(db, &reader, &b, NULL, &res, &err), ERR_FORBIDDEN);
	CHECK_INT(marc_preview(db, &reader, &b, &err), ERR_FORBIDDEN);
}

/* How many notices of b have key and detail. */
static int notices(const marc_batch_t *b, const char *key, const char *detail)
{
	int n = 0;
	for (size_t i = 0; i < b->nnotices; i++)
		n += !strcmp(b->notices[i].key, key) && (!detail || !strcmp(b->notices[i].detail, detail));
	return n;
}

/* A real file whose 852 fields carry barcodes ($p): the Bodleian's and others' copies of Pride and
 * Prejudice. Every copy with a $p keeps it, unless an earlier copy of the file took it. */
static void test_holdings_real(void)
{
	const char *path = "../shared/data/marc/marc4j-pride-and-prejudice-fixed.mrc";
	if (access(path, R_OK) != 0) {
		printf("  skipped: %s not found\n", path);
		return;
	}
	marc_batch_t b;
	marc_import_result_t res;
	err_t err;
	const int s = 5;
	/* The school has a copy labelled as one of the file's (the Bodleian's 500881138) already. */
	biblio_t in = { .title = "Một sách khác", .doc_type = "STK" };
	int64_t bid = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[s], &in, false, 0, 1, &bid, NULL, &err), 0);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET barcode = '500881138' WHERE biblio_id = ?", "i", bid),
	          1);
	int64_t items0 = nitem(s);
	CHECK_INT(marc_read_file(path, A, &b, &err), 0);
	CHECK_INT(marc_preview(db, &lib[s], &b, &err), 0);
	CHECK_INT(b.nnotices, 1);
	CHECK_INT(notices(&b, "err.import.barcode_taken", "500881138"), 1);
	CHECK_INT(b.notices[0].pos, 1); /* the file's first record */
	CHECK_INT(marc_commit(db, &lib[s], &b, NULL, &res, &err), 0);
	CHECK(res.imported > 200);
	CHECK_INT(b.nnotices, 1);
	CHECK_INT(notices(&b, "err.import.barcode_taken", "500881138"), 1);
	int64_t with_p = 0, p_kept = 0;
	for (size_t i = 0; i < b.nrecs; i++) {
		const marc_record_t *m = &b.recs[i];
		if (m->duplicate)
			continue;
		for (int k = 0; k < m->holdings; k++) {
			if (!m->copy[k].barcode || !*m->copy[k].barcode)
				continue;
			with_p++;
			p_kept += count_barcode(s, m->copy[k].barcode) == 1;
		}
	}
	CHECK(with_p >= 50);
	/* Each $p is the barcode of one copy: the file's, or the old copy's for 500881138 (whose
	 * copy in the file got the default barcode). */
	CHECK_INT(p_kept, with_p);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE unit_id = ? AND barcode NOT LIKE 'STK0%'",
	                lib[s].unit_id),
	          with_p);
	CHECK_INT(res.copies, nitem(s) - items0);
	/* The audit: one row for the import, naming the records, beside the batch's. */
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE unit_id = ? AND action = 'catalog.import'",
	                lib[s].unit_id),
	          1);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE unit_id = ? AND action = 'biblio.create'",
	                lib[s].unit_id),
	          1); /* the school's own record, made by hand above */
}

/* Koha's 952 and 852 holdings made for the test: barcodes kept, refused (invalid, repeated, the
 * school's already, one of the batch's own default barcodes), prices from $g, else $v. */
static void test_holdings_crafted(void)
{
	const int s = 6;
	marc_batch_t b;
	marc_import_result_t res;
	err_t err;
	/* A copy the school has already, barcode KOHA-OLD. */
	biblio_t in = { .title = "Sách cũ", .doc_type = "STK" };
	int64_t bid = 0;
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib[s], &in, false, 0, 1, &bid, NULL, &err), 0);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET barcode = 'KOHA-OLD' WHERE biblio_id = ?", "i", bid),
	          1);
	/* Its copy took STK000001: this import's copies are STK000002 .. STK000010. */
	const char *xml =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n"
	    "<record><leader>00000nam a2200000 a 4500</leader>"
	    "<datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Tiếng Việt "
	    "1</subfield></datafield>"
	    "<datafield tag=\"952\" ind1=\" \" ind2=\" \"><subfield code=\"p\">KOHA001</subfield>"
	    "<subfield code=\"g\">25.000</subfield><subfield code=\"v\">99000</subfield></datafield>"
	    "<datafield tag=\"952\" ind1=\" \" ind2=\" \"><subfield code=\"p\">KOHA002</subfield>"
	    "<subfield code=\"v\">30000</subfield></datafield>"
	    "<datafield tag=\"952\" ind1=\" \" ind2=\" \"><subfield code=\"g\">12.50</subfield></datafield>"
	    "</record>\n"
	    "<record><leader>00000nam a2200000 a 4500</leader>"
	    "<datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Toán 2</subfield></datafield>"
	    "<datafield tag=\"952\" ind1=\" \" ind2=\" \"><subfield code=\"p\">KOHA001</subfield></datafield>"
	    "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield code=\"p\">has "
	    "space</subfield></datafield>"
	    "</record>\n"
	    "<record><leader>00000nam a2200000 a 4500</leader>"
	    "<datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Đạo đức "
	    "3</subfield></datafield>"
	    "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield "
	    "code=\"p\">KOHA-OLD</subfield></datafield>"
	    "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield "
	    "code=\"p\">STK000002</subfield></datafield>"
	    "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield code=\"p\">"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456</subfield></datafield>"
	    "<datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield "
	    "code=\"p\">STK000010</subfield></datafield>"
	    "</record>\n"
	    "</collection>\n";
	CHECK_INT(marc_read_buf(xml, strlen(xml), A, &b, &err), 0);
	CHECK_INT(b.nrecs, 3);
	CHECK_INT(b.recs[0].holdings, 3);
	CHECK_INT(b.recs[0].copy[0].price, 25000); /* $g before $v */
	CHECK_INT(b.recs[0].copy[1].price, 30000);
	CHECK_INT(b.recs[0].copy[2].price, -1);
	CHECK_INT(b.nnotices, 1);
	CHECK_INT(notices(&b, "err.import.price", "12.50"), 1);
	/* The preview sees the repeated, invalid and existing barcodes; not yet the batch's own. */
	CHECK_INT(marc_preview(db, &lib[s], &b, &err), 0);
	CHECK_INT(notices(&b, "err.import.barcode_taken", "KOHA001"), 1);
	CHECK_INT(notices(&b, "err.import.barcode_taken", "KOHA-OLD"), 1);
	CHECK_INT(notices(&b, "err.import.barcode_invalid", "has space"), 1);
	CHECK_INT(notices(&b, "err.import.barcode_invalid", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"), 1);
	CHECK_INT(b.nnotices, 5);
	int64_t items0 = nitem(s);
	CHECK_INT(marc_commit(db, &lib[s], &b, NULL, &res, &err), 0);
	CHECK_INT(res.imported, 3);
	CHECK_INT(res.copies, 9);
	CHECK_INT(nitem(s), items0 + 9);
	/* STK000002 is the default barcode of the batch's first copy: refused on the third record
	 * (the first copy took KOHA001 instead, but one barcode means one copy, whoever asks). */
	CHECK_INT(notices(&b, "err.import.barcode_taken", "STK000002"), 1);
	/* STK000010 is that copy's own default barcode: taken, no notice. */
	CHECK_INT(notices(&b, "err.import.barcode_taken", "STK000010"), 0);
	CHECK_INT(b.nnotices, 6);
	CHECK_INT(notices(&b, "err.import.barcode_taken", "KOHA001"), 1);
	CHECK_INT(count_barcode(s, "KOHA001"), 1);
	CHECK_INT(count_barcode(s, "KOHA002"), 1);
	CHECK_INT(count_barcode(s, "KOHA-OLD"), 1);
	CHECK_INT(count_barcode(s, "STK000010"), 1);
	CHECK_INT(count_barcode(s, "has space"), 0);
	CHECK_INT(price_of(s, "KOHA001"), 25000);
	CHECK_INT(price_of(s, "KOHA002"), 30000);
	CHECK_INT(price_of(s, "STK000004"), 0); /* the invalid price: the record's, none */
	/* Found by the staff search (indexed at the end of the commit), without diacritics. */
	biblio_t *hits = NULL;
	size_t nhits = 0;
	int64_t total = 0;
	catalog_query_t q = { .q = "dao duc 3" };
	CHECK_INT(catalog_search(db, &lib[s], &q, A, &hits, &nhits, &total, &err), 0);
	CHECK_INT(total, 1);
	CHECK(nhits == 1 && !strcmp(hits[0].title, "Đạo đức 3"));
	if (db_kind(db) == DB_SQLITE)
		CHECK_INT(count("SELECT COUNT(*) FROM fts_defer WHERE unit_id = ?", lib[s].unit_id), 0);
	/* Every copy has a distinct barcode. */
	CHECK_INT(count("SELECT COUNT(DISTINCT barcode) FROM items WHERE unit_id = ?", lib[s].unit_id),
	          nitem(s));
}

/* The MARCXML kept with each record is what YAZ's own writer makes of the record: every record
 * of every shared file, read back by YAZ and written again by it, gives the same bytes. */
static void test_marcxml_as_yaz_writes_it(void)
{
	if (!have_data())
		return;
	static const char *const dirs[] = { "../shared/data/marc/",
		                            DATA "bulk/",
		                            DATA "edge/",
		                            DATA "bad/",
		                            DATA "xml/",
		                            DATA "yaz/",
		                            NULL };
	yaz_marc_t mt = yaz_marc_create();
	WRBUF w = wrbuf_alloc();
	int64_t records = 0, same = 0;
	for (int k = 0; dirs[k]; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.' || strstr(e->d_name, ".md"))
				continue;
			char path[512];
			snprintf(path, sizeof path, "%s%s", dirs[k], e->d_name);
			arena_t *a = arena_new(1 << 16);
			marc_batch_t b;
			err_t err;
			if (marc_read_file(path, a, &b, &err) == 0) {
				for (size_t i = 0; i < b.nrecs; i++) {
					const char *xml = b.recs[i].marcxml;
					xmlDoc *doc =
					    xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
					yaz_marc_reset(mt);
					yaz_marc_xml(mt, YAZ_MARC_MARCXML);
					wrbuf_rewind(w);
					int ok =
					    doc && yaz_marc_read_xml(mt, xmlDocGetRootElement(doc)) >= 0 &&
					    yaz_marc_write_mode(mt, w) >= 0 && wrbuf_len(w) == strlen(xml) &&
					    !memcmp(wrbuf_buf(w), xml, strlen(xml));
					if (!ok && records - same < 3)
						fprintf(stderr, "  %s record %lld:\n%s\n--- YAZ:\n%s\n", path,
						        (long long)b.recs[i].recno, xml, wrbuf_cstr(w));
					xmlFreeDoc(doc);
					records++;
					same += ok;
				}
			}
			arena_free(a);
		}
		if (d)
			closedir(d);
	}
	yaz_marc_destroy(mt);
	wrbuf_destroy(w);
	printf("  %lld records written as YAZ writes them\n", (long long)records);
	CHECK(records > 3000);
	CHECK_INT(same, records);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 20);
	RUN(test_setup);
	RUN(test_utf8_file);
	RUN(test_marc8_against_xml_twin);
	RUN(test_round_trip);
	RUN(test_bad_files);
	RUN(test_truncated);
	RUN(test_all_or_nothing);
	RUN(test_marcxml_as_yaz_writes_it);
	RUN(test_holdings_real);
	RUN(test_holdings_crafted);
	arena_free(A);
	testdb_close(db);
	return check_summary("marc");
}
