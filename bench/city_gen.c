/* city_gen.c: a whole city for the reports' benches (bench/city.sh) and for looking at the
 * roll-ups: in the database URL names (migrated here), the Department SGD; offices PGD01...
 * (one per 25 primary and lower-secondary schools, "Phòng GD&ĐT Quận k"); NSCHOOLS schools, four
 * in ten primary (TH), three and a half lower-secondary (THCS) under the offices, the rest upper-
 * secondary (THPT) directly under the Department, one in eight private. Each school gets:
 *
 *   - its enrolment and teachers for 2025-2026 and 2026-2027 (unit_enrolment);
 *   - about COPIES copies (half to one and a half times) of COPIES/3 records drawn from the real
 *     records of SOURCES.tsv (bench/sources.sh: the MARC files' and the bookshop list's titles) with
 *     a skew towards the popular ones, document types by school level, in twenty intake batches
 *     over five years (purchase, allocation, gift; budget or other funds);
 *   - about READERS readers: pupils in classes of forty by grade ("6A1"), and teachers;
 *   - about LOANS loans: three quarters in school year 2025-2026 (September to May), a quarter in
 *     2026-2027 so far; textbook loans for the year at its start; loans of the last three weeks
 *     still out (some overdue), one in two hundred lost; and in-library uses, a quarter as many.
 *
 * Consistent with the product's rules (`thuvien check` passes): a copy out on loan has status
 * on_loan and one open loan, a lost one status lost. Rows are written with multi-row INSERTs of
 * explicit ids (ROWS rows a statement) in one transaction per school, so the same program is fast
 * on SQLite and on PostgreSQL (where a row a round trip would take an hour); the identity
 * sequences are moved past the ids at the end. The records do not wait for the OPAC's sync
 * (work_sync = 0): this city is for the reports. Deterministic (SEED). Progress to stderr.
 *
 *   city_gen URL SOURCES.tsv NSCHOOLS [COPIES [READERS [LOANS [SEED]]]]
 *
 * Defaults 4000, 600 and 12000: 2,500 schools make the city (10 million copies, 1.5
 * million readers, 30 million loans). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "db/db.h"
#include "units/units.h"

#include "gen.h"
#include "sources.h"

#define ROWS 200 /* rows a multi-row INSERT */

static int die(const char *what, const err_t *err)
{
	fprintf(stderr, "city_gen: %s: %s %s\n", what, err && err->key ? err->key : "",
	        err ? err->detail : "");
	return 1;
}

/* --- multi-row inserts -------------------------------------------------------------------- */

/* A table's pending rows: values kept as text or integers until ROWS of them make a statement. */
typedef struct {
	char type; /* 'i', 's', 'n' (NULL) */
	int64_t i;
	char *s; /* in the batch's arena */
} val_t;

typedef struct batch {
	const char *table, *cols; /* "items", "id, unit_id, ..." */
	int ncols;
	val_t *v;     /* ROWS * ncols */
	int rows;     /* pending */
	arena_t *a;   /* the pending rows' strings */
	char *sql;    /* the ROWS-row statement */
	char *sql1;   /* the one-row statement, for the remainder */
	long written; /* rows, for the report */
} batch_t;

static char *insert_sql(const char *table, const char *cols, int ncols, int rows)
{
	buf_t b = BUF_INIT;
	buf_printf(&b, "INSERT INTO %s (%s) VALUES ", table, cols);
	for (int r = 0; r < rows; r++) {
		buf_puts(&b, r ? ", (" : "(");
		for (int c = 0; c < ncols; c++)
			buf_puts(&b, c ? ", ?" : "?");
		buf_putc(&b, ')');
	}
	return buf_detach(&b, NULL);
}

static void batch_init(batch_t *t, const char *table, const char *cols)
{
	memset(t, 0, sizeof *t);
	t->table = table;
	t->cols = cols;
	t->ncols = 1;
	for (const char *p = cols; *p; p++)
		t->ncols += *p == ',';
	t->v = calloc((size_t)ROWS * (size_t)t->ncols, sizeof *t->v);
	t->a = arena_new(1 << 16);
	t->sql = insert_sql(table, cols, t->ncols, ROWS);
	t->sql1 = insert_sql(table, cols, t->ncols, 1);
}

static void batch_free(batch_t *t)
{
	free(t->v);
	arena_free(t->a);
	free(t->sql);
	free(t->sql1);
}

static int run(db_t *db, const char *sql, const val_t *v, int n, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql, err);
	if (!st)
		return err->code ? err->code : -1;
	for (int k = 0; k < n; k++) {
		if (v[k].type == 'i')
			db_bind_int(st, k + 1, v[k].i);
		else if (v[k].type == 's')
			db_bind_text(st, k + 1, v[k].s);
		else
			db_bind_null(st, k + 1);
	}
	int rc = db_step(st, err);
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int batch_flush(db_t *db, batch_t *t, err_t *err)
{
	int rc = 0;
	if (t->rows == ROWS)
		rc = run(db, t->sql, t->v, ROWS * t->ncols, err);
	else
		for (int r = 0; rc >= 0 && r < t->rows; r++)
			rc = run(db, t->sql1, t->v + (size_t)r * (size_t)t->ncols, t->ncols, err);
	t->written += t->rows;
	t->rows = 0;
	arena_reset(t->a);
	return rc;
}

static int flush_all(db_t *db, err_t *err);

/* Add a row to t: one value per column, by types: 'i' an int64_t, 'z' an int64_t stored as NULL
 * when 0, 's' a string (NULL stored as NULL). A full batch writes every table's pending rows,
 * parents first, so a row never goes to disk before the rows it refers to. */
static int put_row(db_t *db, batch_t *t, err_t *err, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	val_t *v = &t->v[(size_t)t->rows * (size_t)t->ncols];
	for (int c = 0; c < t->ncols && types[c]; c++) {
		if (types[c] == 's') {
			const char *x = va_arg(ap, const char *);
			v[c] = (val_t){ .type = x ? 's' : 'n', .s = x ? arena_strdup(t->a, x) : NULL };
		} else {
			int64_t x = va_arg(ap, int64_t);
			v[c] = (val_t){ .type = types[c] == 'z' && x == 0 ? 'n' : 'i', .i = x };
		}
	}
	va_end(ap);
	return ++t->rows == ROWS ? flush_all(db, err) : 0;
}

/* --- the city's tables -------------------------------------------------------------------- */

enum { T_ACQ, T_BIB, T_ITEM, T_PATRON, T_LOAN, T_USE, T_COUNT };
static batch_t tab[T_COUNT];
static int64_t next_id[T_COUNT];
static const char *const id_tables[T_COUNT] = { "acquisitions", "biblios", "items",
	                                        "patrons",      "loans",   "library_uses" };

static int flush_all(db_t *db, err_t *err)
{
	int rc = 0;
	for (int k = 0; rc >= 0 && k < T_COUNT; k++)
		rc = batch_flush(db, &tab[k], err);
	return rc;
}

typedef struct {
	int64_t id, biblio;
	const char *doc_type;
	int busy; /* out on loan now, or lost */
} copy_t;

typedef struct {
	int64_t id;
	const char *kind;
	char class_name[24];
	int grade;
} reader_t;

static int64_t day_of(const char *iso)
{
	int64_t d = 0;
	clock_day_parse(iso, &d);
	return d;
}

/* A school day (Monday to Saturday) at random in [from, to]. */
static int64_t school_day(int64_t from, int64_t to)
{
	int64_t d = from + gen_below(to - from + 1);
	while (clock_weekday(d) == 0)
		d = d + 1 <= to ? d + 1 : from;
	return d;
}

typedef struct {
	int no;
	int64_t unit;
	const char *level; /* th, thcs, thpt */
	long copies, readers, loans;
} school_t;

static int fill(db_t *db, const school_t *s, const source_t *src, size_t nsrc, long pool, err_t *err)
{
	arena_t *a = arena_new(1 << 16);
	int64_t now = clock_now();
	int rc = db_begin(db, err);
	char day[16], day2[16], code[32], acc[32];

	/* readers: classes of forty by grade, and one teacher in twenty */
	int g0 = !strcmp(s->level, "th") ? 1 : !strcmp(s->level, "thcs") ? 6 : 10;
	int ng = !strcmp(s->level, "th") ? 5 : !strcmp(s->level, "thcs") ? 4 : 3;
	long nteach = s->readers / 20 + 1, npupils = s->readers - nteach;
	reader_t *rd = calloc((size_t)s->readers, sizeof *rd);
	long classes = 0;
	for (long i = 0; rc >= 0 && i < s->readers; i++) {
		reader_t *r = &rd[i];
		r->id = next_id[T_PATRON]++;
		if (i < npupils) {
			r->kind = "student";
			r->grade = g0 + (int)(i * ng / npupils);
			int cls = 1 + (int)(i % (npupils / ng + 1)) / 40;
			snprintf(r->class_name, sizeof r->class_name, "%dA%d", r->grade, cls);
			if (cls > classes)
				classes = cls;
		} else {
			r->kind = "teacher";
		}
		char name[96];
		snprintf(name, sizeof name, "%s %s %s", gen_family[gen_below(N(gen_family))],
		         gen_middle[gen_below(N(gen_middle))], gen_given[gen_below(N(gen_given))]);
		snprintf(code, sizeof code, "HS%04d%05ld", s->no, i + 1);
		rc = put_row(db, &tab[T_PATRON], err, "iisssssszssii", r->id, s->unit, code,
		             i < npupils ? code : "", name, text_fold(a, name), r->kind, r->class_name,
		             (int64_t)r->grade, r->grade ? "2026-2027" : "", gen_below(2) ? "F" : "M",
		             now - 86400 * (400 + gen_below(900)), now);
	}
	classes *= ng;
	for (int y = 0; rc >= 0 && y < 2; y++)
		rc = db_exec(
		    db, err,
		    "INSERT INTO unit_enrolment (unit_id, school_year, pupils, teachers, classes, source,"
		    " updated_at) VALUES (?, ?, ?, ?, ?, 'import', ?)",
		    "isiiii", s->unit, y ? "2026-2027" : "2025-2026",
		    (int64_t)(npupils + npupils / 20 - y * 7), (int64_t)nteach, (int64_t)classes, now);

	/* intake batches: twenty over five years */
	int64_t acq[20];
	static const char *const sources[] = { "purchase", "purchase", "allocation", "gift" };
	int64_t first = day_of("2021-09-01"), last = day_of("2026-10-30");
	for (int k = 0; rc >= 0 && k < 20; k++) {
		acq[k] = next_id[T_ACQ]++;
		clock_day_format(first + (last - first) * k / 19, day, sizeof day);
		const char *source = sources[gen_below(4)];
		snprintf(code, sizeof code, "%d/HĐ", 10 + k);
		rc = put_row(db, &tab[T_ACQ], err, "iiisssssi", acq[k], s->unit, (int64_t)(k + 1), day,
		             source, code, day,
		             !strcmp(source, "gift") || gen_below(5) == 0 ? "other" : "budget", now);
	}

	/* records and copies */
	static const char *const th_types[] = { "TN", "TN", "TN", "STK", "STK", "SGK", "SGK", "SNV", "BD" };
	static const char *const hi_types[] = {
		"STK", "STK", "STK", "STK", "TN", "SGK", "SGK", "SNV", "BAO"
	};
	static const char *const classes_k[] = { "895.9223",   "895.922334", "372.6", "959.7", "500", "641.5",
		                                 "398.209597", "8(V)",       "3K5H",  "530",   "" };
	long nrec = s->copies / 3 + 1;
	copy_t *cp = calloc((size_t)s->copies + 8, sizeof *cp);
	long ncopies = 0;
	const char *const regs[] = { "SGK", "SNV", "STK", "TN", "BAO", "TB" };
	long reg_no[6] = { 0 };
	for (long i = 0; rc >= 0 && i < nrec && ncopies < s->copies; i++) {
		double u = gen_unit();
		long p = (long)(u * u * (double)pool);
		const source_t *sr = &src[p % (long)nsrc];
		biblio_t b;
		memset(&b, 0, sizeof b);
		long vol = p / (long)nsrc;
		b.title = vol ? arena_printf(a, "%s - Tập %ld", sr->title, vol + 1) : sr->title;
		b.authors = sr->authors;
		b.publisher = sr->publisher;
		b.doc_type = !strcmp(s->level, "th") ? th_types[gen_below(N(th_types))]
		                                     : hi_types[gen_below(N(hi_types))];
		b.grade = !strcmp(b.doc_type, "SGK") ? g0 + (int)gen_below(ng) : 0;
		b.year = 1995 + (int)gen_below(31);
		b.language = gen_below(20) == 0 ? "eng" : "vie";
		b.class_number = classes_k[gen_below(N(classes_k))];
		b.price = 15000 + gen_below(60) * 1000;
		b.isbn = b.subtitle = b.series = b.subjects = b.place = b.edition = b.pages = b.size = "";
		b.summary = b.call_number = "";
		catalog_fold_t f;
		catalog_biblio_fold(a, &b, &f);
		int64_t bid = next_id[T_BIB]++;
		rc = put_row(db, &tab[T_BIB], err, "iissssisiszssssiii", bid, s->unit, b.doc_type, b.title,
		             b.authors, b.publisher, (int64_t)b.year, b.language, b.price, b.class_number,
		             (int64_t)b.grade, f.title, f.authors, f.search, f.words, (int64_t)0, now, now);
		int k = !strcmp(b.doc_type, "SGK") ? 3 + (int)gen_below(10) : 1 + (int)gen_below(4);
		int batch = (int)gen_below(20);
		const char *reg = !strcmp(b.doc_type, "BD") ? "TB" : b.doc_type;
		int r = 0;
		while (r < 5 && strcmp(regs[r], reg))
			r++;
		for (int c = 0; rc >= 0 && c < k && ncopies < s->copies; c++) {
			copy_t *x = &cp[ncopies++];
			x->id = next_id[T_ITEM]++;
			x->biblio = bid;
			x->doc_type = b.doc_type;
			long no = ++reg_no[r];
			snprintf(acc, sizeof acc, "%s-%06ld", reg, no);
			snprintf(code, sizeof code, "C%04dB%07ld", s->no, ncopies);
			rc = put_row(db, &tab[T_ITEM], err, "iiiisissii", x->id, s->unit, bid, acq[batch],
			             reg, (int64_t)no, acc, code, (int64_t)0, now);
		}
		arena_reset(a);
	}
	if (rc >= 0) /* the general register's counter: its lines are the batches */
		rc = db_exec(db, err,
		             "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, '#TQ', 20)",
		             "i", s->unit);
	for (int r = 0; rc >= 0 && r < 6; r++)
		if (reg_no[r])
			rc = db_exec(
			    db, err,
			    "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, ?, ?)",
			    "isi", s->unit, regs[r], (int64_t)reg_no[r]);

	/* loans: 2025-2026 (September to May) and 2026-2027 so far; the last three weeks still out */
	int64_t y1a = day_of("2025-09-05"), y1b = day_of("2026-05-25"), y2a = day_of("2026-09-05");
	int64_t today = day_of("2026-11-27"), open_from = today - 21;
	for (long i = 0; rc >= 0 && ncopies && i < s->loans; i++) {
		reader_t *r = &rd[gen_below(s->readers)];
		copy_t *x = &cp[gen_below(ncopies)];
		if (x->busy || !strcmp(x->doc_type, "BAO") || !strcmp(x->doc_type, "BD"))
			continue;
		int64_t out = i % 4 == 3 ? school_day(y2a, today) : school_day(y1a, y1b);
		bool textbook = !strcmp(x->doc_type, "SGK") && r->grade;
		if (textbook)
			out = out < y2a ? y1a + gen_below(10) : y2a + gen_below(10);
		int64_t due =
		    textbook ? (out < y2a ? y1b + 5 : day_of("2027-05-25")) : out + (r->grade ? 14 : 30);
		bool open = out >= open_from || (textbook && out >= y2a);
		bool lost = !open && gen_below(200) == 0;
		int64_t back = open ? 0 : textbook ? (out < y2a ? y1b : 0) : out + 3 + gen_below(14);
		if (back > today)
			open = true, back = 0;
		if (open || lost)
			x->busy = 1;
		clock_day_format(out, day, sizeof day);
		clock_day_format(due, day2, sizeof day2);
		int64_t out_at = out * 86400 + 2 * 3600 + gen_below(8 * 3600); /* 9:00-17:00 in Vietnam */
		int64_t back_at = open ? 0 : lost ? out_at + 86400 * 40 : back * 86400 + 3 * 3600;
		rc = put_row(db, &tab[T_LOAN], err, "iiiiissssisszs", next_id[T_LOAN]++, s->unit, x->id,
		             x->biblio, r->id, textbook ? "textbook" : "home", r->kind, r->class_name,
		             x->doc_type, out_at, day, day2, back_at,
		             open   ? NULL
		             : lost ? "lost"
		                    : "returned");
		if (rc >= 0 && (open || lost))
			x->busy = lost ? 2 : 1;
	}
	/* in-library uses: a quarter as many, a reader or a class's tally */
	for (long i = 0; rc >= 0 && ncopies && i < s->loans / 4; i++) {
		reader_t *r = &rd[gen_below(s->readers)];
		copy_t *x = &cp[gen_below(ncopies)];
		int64_t d = i % 4 == 3 ? school_day(y2a, today) : school_day(y1a, y1b);
		clock_day_format(d, day, sizeof day);
		rc = put_row(db, &tab[T_USE], err, "iisiissisi", next_id[T_USE]++, s->unit, day,
		             d * 86400 + 3 * 3600, r->id, r->kind, r->class_name, x->id, x->doc_type,
		             (int64_t)(1 + gen_below(3)));
	}
	/* every table's rows on disk before the statuses that refer to them */
	if (rc >= 0)
		rc = flush_all(db, err);
	for (long i = 0; rc >= 0 && i < ncopies; i++)
		if (cp[i].busy)
			rc = db_exec(db, err, "UPDATE items SET status = ? WHERE id = ?", "si",
			             cp[i].busy == 2 ? "lost" : "on_loan", cp[i].id);
	if (rc >= 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	free(cp);
	free(rd);
	arena_free(a);
	return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 8) {
		fprintf(stderr,
		        "usage: city_gen URL SOURCES.tsv NSCHOOLS [COPIES [READERS [LOANS [SEED]]]]\n");
		return 2;
	}
	size_t nsrc = 0;
	source_t *src = read_sources(argv[2], &nsrc);
	int nschools = atoi(argv[3]);
	long copies = argc > 4 ? atol(argv[4]) : 4000, readers = argc > 5 ? atol(argv[5]) : 600,
	     loans = argc > 6 ? atol(argv[6]) : 12000;
	if (argc > 7)
		gen_state ^= (uint64_t)atoll(argv[7]) * 0x9e3779b97f4a7c15ull;
	if (!src || nsrc < 10 || nschools < 1 || copies < 10 || readers < 25 || loans < 0)
		return die("bad arguments", NULL);
	config_defaults();
	i18n_init();
	db_t *db = NULL;
	err_t err = { 0 };
	if (db_open(argv[1], &db, &err) < 0 || db_migrate(db, NULL, &err) < 0)
		return die("open", &err);
	/* a school's transaction touches more pages than the server's 16 MiB cache holds: spilled,
	 * they went to the log again and again (fifteen times the database's size in writes) */
	if (db_kind(db) == DB_SQLITE &&
	    (db_begin(db, &err) < 0 || /* the writer's connection: see sqlite.c */
	     db_exec(db, &err, "PRAGMA cache_size = -524288", "") < 0 || db_commit(db, &err) < 0))
		return die("cache", &err);
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	if (units_create(db, NULL, &u0, &sgd, &err) < 0)
		return die("department (is the database empty?)", &err);

	batch_init(&tab[T_ACQ], "acquisitions",
	           "id, unit_id, number, received, source, doc_number, doc_date, funding, created_at");
	batch_init(
	    &tab[T_BIB], "biblios",
	    "id, unit_id, doc_type, title, authors, publisher, year, language, price, class_number, grade,"
	    " title_fold, authors_fold, search_fold, search_words, work_sync, created_at, updated_at");
	batch_init(
	    &tab[T_ITEM], "items",
	    "id, unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price,"
	    " created_at");
	batch_init(
	    &tab[T_PATRON], "patrons",
	    "id, unit_id, code, student_code, full_name, name_fold, kind, class_name, grade, school_year,"
	    " gender, created_at, updated_at");
	batch_init(
	    &tab[T_LOAN], "loans",
	    "id, unit_id, item_id, biblio_id, patron_id, kind, patron_kind, class_name, doc_type, out_at,"
	    " out_day, due, returned_at, outcome");
	batch_init(&tab[T_USE], "library_uses",
	           "id, unit_id, day, at, patron_id, patron_kind, class_name, item_id, doc_type, count");
	for (int k = 0; k < T_COUNT; k++) {
		char q[96];
		snprintf(q, sizeof q, "SELECT COALESCE(MAX(id), 0) + 1 FROM %s", id_tables[k]);
		if (db_query_int(db, &next_id[k], &err, q, "") < 0)
			return die("ids", &err);
	}

	int64_t t0 = clock_usec();
	int64_t office = 0;
	int in_office = 25, offices = 0;
	long pool = (long)nsrc * 3;
	for (int n = 1; n <= nschools; n++) {
		school_t s = { .no = n };
		int kind = (int)gen_below(20); /* 8 TH, 7 THCS, 5 THPT in 20 */
		s.level = kind < 8 ? "th" : kind < 15 ? "thcs" : "thpt";
		int64_t parent = sgd;
		if (strcmp(s.level, "thpt")) {
			if (in_office == 25) {
				char code[16], name[64];
				snprintf(code, sizeof code, "PGD%02d", ++offices);
				snprintf(name, sizeof name, "Phòng Giáo dục và Đào tạo Quận %d", offices);
				unit_new_t uo = {
					.parent_id = sgd, .code = code, .name = name, .kind = "office"
				};
				if (units_create(db, NULL, &uo, &office, &err) < 0)
					return die("office", &err);
				in_office = 0;
			}
			in_office++;
			parent = office;
		}
		char code[16], name[80];
		snprintf(code, sizeof code, "%s%04d",
		         !strcmp(s.level, "th")     ? "TH"
		         : !strcmp(s.level, "thcs") ? "CS"
		                                    : "PT",
		         n);
		snprintf(name, sizeof name, "Trường %s số %d",
		         !strcmp(s.level, "th")     ? "Tiểu học"
		         : !strcmp(s.level, "thcs") ? "THCS"
		                                    : "THPT",
		         n);
		unit_new_t u = { .parent_id = parent,
			         .code = code,
			         .name = name,
			         .kind = "school",
			         .school_level = s.level };
		if (units_create(db, NULL, &u, &s.unit, &err) < 0)
			return die("school", &err);
		if (gen_below(8) == 0 &&
		    db_exec(db, &err, "UPDATE units SET ownership = 'private' WHERE id = ?", "i", s.unit) < 0)
			return die("ownership", &err);
		s.copies = copies / 2 + gen_below(copies + 1);
		s.readers = readers / 2 + gen_below(readers + 1);
		s.loans = loans / 2 + gen_below(loans + 1);
		if (fill(db, &s, src, nsrc, pool, &err) < 0)
			return die("fill", &err);
		if (n % 25 == 0 || n == nschools)
			fprintf(stderr, "city_gen: %d schools, %ld copies, %ld readers, %ld loans (%.1f s)\n",
			        n, tab[T_ITEM].written, tab[T_PATRON].written, tab[T_LOAN].written,
			        (double)(clock_usec() - t0) / 1e6);
	}
	/* PostgreSQL's identity sequences past the explicit ids */
	for (int k = 0; db_kind(db) == DB_POSTGRES && k < T_COUNT; k++) {
		char q[160];
		snprintf(q, sizeof q,
		         "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))",
		         id_tables[k], id_tables[k]);
		int64_t v;
		if (db_query_int(db, &v, &err, q, "") < 0)
			return die("sequences", &err);
	}
	printf("%d schools under %d offices: %ld records, %ld copies, %ld readers, %ld loans, %ld uses in "
	       "%.1f s\n",
	       nschools, offices, tab[T_BIB].written, tab[T_ITEM].written, tab[T_PATRON].written,
	       tab[T_LOAN].written, tab[T_USE].written, (double)(clock_usec() - t0) / 1e6);
	for (int k = 0; k < T_COUNT; k++)
		batch_free(&tab[k]);
	db_close(db);
	i18n_shutdown();
	free_sources(src, nsrc);
	return 0;
}
