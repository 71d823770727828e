/* stock.c: the registers' numbering setting and the existing stock of the paper registers
 * (stock.h).
 *
 * The check and the commit are one function (`run`): the commit runs it inside its write
 * transaction, after taking the school's #BIB lock (as every writer of records does), so what it
 * checked cannot change before it writes. The work is done in passes over the whole entry, with
 * one statement per pass where the catalogue allows it, so 5,000 rows cost their INSERTs and
 * little more: the school's used accession numbers are read per register as one range, its
 * barcodes in one statement, its intake lines of the entry's numbers in one statement; only the
 * records (one indexed lookup per distinct title) and the records' title numbers (one per title
 * joined) are read one by one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/booklist.h"
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"
#include "stock/stock.h"

#define GENERAL_REGISTER "#TQ"

int64_t stock_number_of(const char *numbering, int64_t accession_no, int64_t title_no)
{
	if (numbering && !strcmp(numbering, "title") && title_no > 0)
		return title_no;
	return accession_no;
}

/* --- a map of strings (keys kept by pointer) ------------------------------------------------------ */

typedef struct smap {
	const char **key;
	int64_t *val;
	size_t mask;
} smap_t;

static void smap_init(smap_t *m, arena_t *a, size_t expect)
{
	size_t cap = 16;
	while (cap < 2 * expect + 1)
		cap *= 2;
	m->key = arena_zalloc(a, cap * sizeof *m->key);
	m->val = arena_zalloc(a, cap * sizeof *m->val);
	m->mask = cap - 1;
}

static size_t smap_slot(const smap_t *m, const char *k)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = k; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	size_t i = (size_t)h & m->mask;
	while (m->key[i] && strcmp(m->key[i], k))
		i = (i + 1) & m->mask;
	return i;
}

static bool smap_get(const smap_t *m, const char *k, int64_t *v)
{
	size_t i = smap_slot(m, k);
	if (m->key[i] && v)
		*v = m->val[i];
	return m->key[i] != NULL;
}

/* Add k (v) unless present; true when it was added. */
static bool smap_add(smap_t *m, const char *k, int64_t v)
{
	size_t i = smap_slot(m, k);
	if (m->key[i])
		return false;
	m->key[i] = k;
	m->val[i] = v;
	return true;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* "1-120, 125": sorted numbers as ranges. */
static void put_ranges(buf_t *b, const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
		if (j > i)
			buf_printf(b, "-%lld", (long long)v[j]);
		i = j + 1;
	}
}

/* --- numbering --------------------------------------------------------------------------------------- */

int stock_register_known(db_t *db, const char *reg, bool *known, err_t *err)
{
	int64_t n = 0;
	int rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM doc_types WHERE register = ? AND active = 1", "s",
	                      reg ? reg : "");
	if (rc < 0)
		return rc;
	*known = n > 0;
	return 0;
}

int stock_numbering_get(db_t *db, int64_t unit_id, const char *reg, const char **out, err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT numbering FROM register_settings WHERE unit_id = ? AND register = ?",
	                         "is", unit_id, reg ? reg : "");
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	*out = rc == DB_ROW && !strcmp(db_col_text(st, 0), "title") ? "title" : "type";
	db_done(st);
	return rc < 0 ? rc : 0;
}

int stock_numbering_set(db_t *db, const actor_t *actor, const char *reg, const char *numbering, err_t *err)
{
	int rc, own = 0;
	bool known = false;
	const char *old = NULL;
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	if (!numbering || (strcmp(numbering, "type") && strcmp(numbering, "title")))
		return err_set(err, ERR_INVALID, "err.stock.numbering", "%.40s", numbering ? numbering : "");
	if ((rc = stock_register_known(db, reg, &known, err)) < 0)
		return rc;
	if (!known)
		return err_set(err, ERR_INVALID, "err.stock.register", "%.40s", reg ? reg : "");
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = stock_numbering_get(db, actor->unit_id, reg, &old, err)) < 0 || !strcmp(old, numbering))
		goto done;
	if ((rc = db_exec(db, err,
	                  "INSERT INTO register_settings (unit_id, register, numbering) VALUES (?, ?, ?) "
	                  "ON CONFLICT (unit_id, register) DO UPDATE SET numbering = excluded.numbering",
	                  "iss", actor->unit_id, reg, numbering)) < 0)
		goto done;
	char detail[128];
	snprintf(detail, sizeof detail, "%s: %s -> %s", reg, old, numbering);
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "stock.numbering", "unit",
	                 actor->unit_id, detail, NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int stock_registers(db_t *db, const actor_t *actor, int64_t unit_id, const char *lang, arena_t *a,
                    stock_register_t **out, size_t *n, err_t *err)
{
	int rc;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (!unit_id)
		unit_id = actor->unit_id;
	{
		db_stmt_t *st = db_query(db, err, "SELECT path FROM units WHERE id = ?", "i", unit_id);
		if (!st)
			return err->code;
		rc = db_step(st, err);
		bool ok = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 0));
		db_done(st);
		if (rc < 0)
			return rc;
		if (!ok)
			return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	}
	doc_type_t *types;
	size_t nt = 0;
	if ((rc = catalog_doc_types(db, lang, a, &types, &nt, err)) < 0)
		return rc;
	stock_register_t *v = arena_zalloc(a, (nt + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < nt; i++) {
		size_t j = 0;
		while (j < k && strcmp(v[j].reg, types[i].reg))
			j++;
		if (j < k)
			continue;
		v[k++] = (stock_register_t){ .reg = types[i].reg, .name = types[i].name, .numbering = "type" };
	}
	v[k++] = (stock_register_t){ .reg = GENERAL_REGISTER, .name = "", .numbering = "type" };
	static const char *const sql[] = {
		"SELECT register, COUNT(*) FROM items WHERE unit_id = ? GROUP BY register",
		"SELECT register, last FROM accession_counters WHERE unit_id = ?",
		"SELECT register, numbering FROM register_settings WHERE unit_id = ?",
		"SELECT '" GENERAL_REGISTER "', COUNT(*) FROM acquisitions WHERE unit_id = ?",
	};
	for (int q = 0; q < 4; q++) {
		db_stmt_t *st = db_query(db, err, sql[q], "i", unit_id);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			const char *reg = db_col_text(st, 0);
			for (size_t j = 0; j < k; j++) {
				if (strcmp(v[j].reg, reg))
					continue;
				if (q == 0 || q == 3)
					v[j].copies = db_col_int(st, 1);
				else if (q == 1)
					v[j].last = db_col_int(st, 1);
				else
					v[j].numbering = strcmp(db_col_text(st, 1), "title") ? "type" : "title";
			}
		}
		db_done(st);
		if (rc < 0)
			return rc;
	}
	for (size_t j = 0; j < k; j++)
		v[j].next = v[j].last + 1;
	*out = v;
	*n = k;
	return 0;
}

/* --- existing stock ------------------------------------------------------------------------------------ */

typedef struct kind {
	const char *code, *reg, *name_vi, *name_en; /* names folded */
	bool by_title;                              /* the register is numbered by title */
} kind_t;

/* One row as understood. */
typedef struct prow {
	const stock_row_t *in;
	const kind_t *kind;
	int64_t *nums;
	size_t nnums;
	char entered[11];
	int64_t price, general;
	const char *source;
	biblio_t bib;
	catalog_fold_t fold;
	size_t title;   /* index in titles */
	size_t line_ix; /* index in lines */
	bool bad;       /* has a problem already: one per row is reported */
} prow_t;

/* One title of the entry: a record written or joined. */
typedef struct title {
	const kind_t *kind;
	size_t first; /* its first row */
	int64_t biblio_id;
	bool joined;
	int64_t title_max; /* the record's highest title number before the entry */
} title_t;

/* One intake line of the entry. */
typedef struct line {
	int64_t number; /* 0: the line of copies without a number (given at the commit) */
	int64_t id;     /* the school's line joined, or the line written */
	char received[11];
	const char *source;
	bool joined;
} line_t;

typedef struct entry {
	db_t *db;
	const actor_t *actor;
	arena_t *a;
	stock_result_t *res;
	size_t cap_problems;
	kind_t *kinds;
	size_t nkinds;
	prow_t *rows;
	size_t n;
	title_t *titles;
	size_t ntitles;
	line_t *lines;
	size_t nlines;
	char today[11], balance[11];
} entry_t;

static void problem(entry_t *e, prow_t *r, const char *key, const char *detail)
{
	stock_result_t *res = e->res;
	if (r)
		r->bad = true;
	res->problems = arena_grow(e->a, res->problems, res->nproblems, &e->cap_problems, 16, sizeof *res->problems);
	res->problems[res->nproblems++] = (stock_problem_t){
		.line = r ? r->in->line : 0, .key = key, .detail = arena_strdup(e->a, detail ? detail : "")
	};
}

static int load_kinds(entry_t *e, err_t *err)
{
	db_stmt_t *st = db_query(e->db, err,
	                         "SELECT d.code, d.register, d.name_vi, d.name_en, "
	                         "COALESCE((SELECT rs.numbering FROM register_settings rs WHERE rs.unit_id = ? "
	                         "AND rs.register = d.register), 'type') FROM doc_types d WHERE d.active = 1 "
	                         "ORDER BY d.sort, d.code",
	                         "i", e->actor->unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		e->kinds = arena_grow(e->a, e->kinds, e->nkinds, &cap, 16, sizeof *e->kinds);
		e->kinds[e->nkinds++] = (kind_t){ .code = arena_strdup(e->a, db_col_text(st, 0)),
			                          .reg = arena_strdup(e->a, db_col_text(st, 1)),
			                          .name_vi = text_fold(e->a, db_col_text(st, 2)),
			                          .name_en = text_fold(e->a, db_col_text(st, 3)),
			                          .by_title = !strcmp(db_col_text(st, 4), "title") };
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The document type a cell names: a code ("STK"), a register ("TB": its first type) or a name
 * ("Sách tham khảo"), case and marks ignored. NULL when none. */
static const kind_t *find_kind(entry_t *e, const char *s)
{
	if (!s || !*s)
		return NULL;
	for (size_t i = 0; i < e->nkinds; i++)
		if (!strcasecmp(e->kinds[i].code, s))
			return &e->kinds[i];
	for (size_t i = 0; i < e->nkinds; i++)
		if (!strcasecmp(e->kinds[i].reg, s))
			return &e->kinds[i];
	const char *f = text_fold(e->a, s);
	for (size_t i = 0; i < e->nkinds; i++)
		if (!strcmp(e->kinds[i].name_vi, f) || !strcmp(e->kinds[i].name_en, f))
			return &e->kinds[i];
	return NULL;
}

/* The intake line's source as written: NULL when not understood. */
static const char *find_source(arena_t *a, const char *s)
{
	static const struct {
		const char *word, *source;
	} w[] = { { "", "other" },          { "khac", "other" },         { "other", "other" },
		  { "mua", "purchase" },    { "mua sam", "purchase" },   { "purchase", "purchase" },
		  { "bieu", "gift" },       { "tang", "gift" },          { "bieu tang", "gift" },
		  { "tang bieu", "gift" },  { "gift", "gift" },          { "cap", "allocation" },
		  { "cap phat", "allocation" }, { "allocation", "allocation" } };
	const char *f = text_fold(a, s ? s : "");
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (!strcmp(f, w[i].word))
			return w[i].source;
	return NULL;
}

/* A whole number as written (digits only, "" for 0) within 0..max. */
static int whole(const char *s, int64_t max, int64_t *out)
{
	*out = 0;
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	if (strlen(s) > 12)
		return -1;
	long long v = strtoll(s, NULL, 10);
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Pass 1: each row on its own. */
static void read_rows(entry_t *e, const stock_row_t *rows, size_t n, const kind_t *dflt, int64_t *total)
{
	*total = 0;
	for (size_t i = 0; i < n; i++) {
		prow_t *r = &e->rows[i];
		const stock_row_t *in = &rows[i];
		memset(r, 0, sizeof *r);
		r->in = in;
		r->title = (size_t)-1;
		if (in->kind && *in->kind) {
			if (!(r->kind = find_kind(e, in->kind))) {
				problem(e, r, "err.stock.register", in->kind);
				continue;
			}
		} else if (!(r->kind = dflt)) {
			problem(e, r, "err.stock.register", "");
			continue;
		}
		if (!in->title || !*in->title) {
			problem(e, r, "err.stock.title", "");
			continue;
		}
		if (!in->numbers || !*in->numbers) {
			problem(e, r, "err.stock.number", "");
			continue;
		}
		if (stock_parse_numbers(in->numbers, e->a, STOCK_MAX_COPIES, &r->nums, &r->nnums) < 0) {
			problem(e, r, "err.stock.number", in->numbers);
			continue;
		}
		if (!in->entered || !*in->entered) {
			problem(e, r, "err.stock.date_missing", "");
			continue;
		}
		if (stock_parse_date(in->entered, r->entered) < 0) {
			problem(e, r, "err.stock.date", in->entered);
			continue;
		}
		if (strcmp(r->entered, e->today) > 0) {
			problem(e, r, "err.stock.future", in->entered);
			continue;
		}
		if (*e->balance && strcmp(r->entered, e->balance) <= 0) {
			char vn[16];
			clock_day_vn(e->balance, vn, sizeof vn);
			problem(e, r, "err.stock.balanced", arena_printf(e->a, "%s ≤ %s", in->entered, vn));
			continue;
		}
		err_t pe;
		if (booklist_parse_price(in->price, &r->price, &pe) < 0 || r->price > INT64_C(100000000000)) {
			problem(e, r, "err.stock.price", in->price);
			continue;
		}
		int64_t year = 0;
		if (whole(in->year, 2200, &year) < 0 || (year && year < 1400)) {
			problem(e, r, "err.stock.year", in->year);
			continue;
		}
		if (whole(in->general, 1000000000, &r->general) < 0) {
			problem(e, r, "err.stock.general", in->general);
			continue;
		}
		if (!(r->source = find_source(e->a, in->source))) {
			problem(e, r, "err.stock.source", in->source);
			continue;
		}
		if (in->barcode && *in->barcode) {
			size_t bl = strlen(in->barcode);
			bool ok = bl <= CATALOG_BARCODE_MAX && r->nnums == 1;
			for (size_t k = 0; k < bl && ok; k++)
				ok = (unsigned char)in->barcode[k] > 0x20 && (unsigned char)in->barcode[k] < 0x7f;
			if (!ok) {
				problem(e, r, r->nnums == 1 ? "err.stock.barcode" : "err.stock.barcode_range",
				        in->barcode);
				continue;
			}
		}
		if (in->note && text_length(in->note) > 1000) {
			problem(e, r, "err.field.long", "note");
			continue;
		}
		biblio_t b = { .doc_type = r->kind->code,
			       .title = in->title,
			       .authors = in->authors,
			       .place = in->place,
			       .publisher = in->publisher,
			       .year = (int)year,
			       .price = r->price,
			       .class_number = in->class_number };
		if (catalog_biblio_prepare(NULL, e->a, &b, &r->bib, &pe) < 0) {
			problem(e, r, pe.key, pe.detail);
			continue;
		}
		catalog_biblio_fold(e->a, &r->bib, &r->fold);
		*total += (int64_t)r->nnums;
	}
}

static bool row_ok(const prow_t *r)
{
	return r->fold.title != NULL && r->nnums > 0;
}

/* Pass 2: the titles (rows of one title join; a record of the school in the same register is
 * joined) and their title numbers. */
static int group_titles(entry_t *e, err_t *err)
{
	smap_t keys;
	smap_init(&keys, e->a, e->n);
	size_t cap = 0;
	int rc;
	for (size_t i = 0; i < e->n; i++) {
		prow_t *r = &e->rows[i];
		if (!row_ok(r))
			continue;
		const char *k = arena_printf(e->a, "%s\x1f%s\x1f%s\x1f%d", r->kind->reg, r->fold.title, r->fold.authors,
		                             r->bib.year);
		int64_t t = 0;
		if (smap_get(&keys, k, &t)) {
			r->title = (size_t)t;
			continue;
		}
		e->titles = arena_grow(e->a, e->titles, e->ntitles, &cap, 64, sizeof *e->titles);
		title_t *ti = &e->titles[e->ntitles];
		memset(ti, 0, sizeof *ti);
		ti->kind = r->kind;
		ti->first = i;
		rc = db_query_int(e->db, &ti->biblio_id, err,
		                  "SELECT b.id FROM biblios b JOIN doc_types d ON d.code = b.doc_type "
		                  "WHERE b.unit_id = ? AND b.title_fold = ? AND b.authors_fold = ? "
		                  "AND COALESCE(b.year, 0) = ? AND d.register = ? ORDER BY b.id LIMIT 1",
		                  "issis", e->actor->unit_id, r->fold.title, r->fold.authors, (int64_t)r->bib.year,
		                  r->kind->reg);
		if (rc < 0 && rc != ERR_NOTFOUND)
			return rc;
		ti->joined = rc == 0;
		if (!ti->joined)
			ti->biblio_id = 0;
		smap_add(&keys, k, (int64_t)e->ntitles);
		r->title = e->ntitles++;
	}
	return 0;
}

/* The title numbers a joined record has, into a set keyed "title\x1fno". */
static int load_title_numbers(entry_t *e, size_t t, smap_t *used, err_t *err)
{
	db_stmt_t *st = db_query(e->db, err, "SELECT title_no FROM items WHERE biblio_id = ? AND title_no IS NOT NULL",
	                         "i", e->titles[t].biblio_id);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t no = db_col_int(st, 0);
		smap_add(used, arena_printf(e->a, "%zu\x1f%lld", t, (long long)no), -1);
		if (no > e->titles[t].title_max)
			e->titles[t].title_max = no;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* Pass 3: every number free, once. In a register numbered by type the numbers are accession
 * numbers of the register; in one numbered by title, title numbers of the record. */
static int check_numbers(entry_t *e, int64_t total, err_t *err)
{
	smap_t seen; /* "reg\x1fno" or "title\x1fno" -> row + 1; -1 for the school's */
	smap_init(&seen, e->a, (size_t)total + 64);
	int rc;
	/* The school's accession numbers within the entry's range, per register numbered by type. */
	for (size_t k = 0; k < e->nkinds; k++) {
		const kind_t *kd = &e->kinds[k];
		if (kd->by_title)
			continue;
		int64_t lo = 0, hi = 0;
		bool first_of_reg = true;
		for (size_t j = 0; j < k; j++)
			first_of_reg &= strcmp(e->kinds[j].reg, kd->reg) != 0;
		if (!first_of_reg)
			continue;
		for (size_t i = 0; i < e->n; i++) {
			const prow_t *r = &e->rows[i];
			if (!row_ok(r) || strcmp(r->kind->reg, kd->reg))
				continue;
			for (size_t x = 0; x < r->nnums; x++) {
				if (!lo || r->nums[x] < lo)
					lo = r->nums[x];
				if (r->nums[x] > hi)
					hi = r->nums[x];
			}
		}
		if (!lo)
			continue;
		db_stmt_t *st = db_query(e->db, err,
		                         "SELECT accession_no FROM items WHERE unit_id = ? AND register = ? "
		                         "AND accession_no BETWEEN ? AND ?",
		                         "isii", e->actor->unit_id, kd->reg, lo, hi);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW)
			smap_add(&seen, arena_printf(e->a, "%s\x1f%lld", kd->reg, (long long)db_col_int(st, 0)), -1);
		db_done(st);
		if (rc < 0)
			return rc;
	}
	for (size_t t = 0; t < e->ntitles; t++)
		if (e->titles[t].joined && (rc = load_title_numbers(e, t, &seen, err)) < 0)
			return rc;
	for (size_t i = 0; i < e->n; i++) {
		prow_t *r = &e->rows[i];
		if (!row_ok(r))
			continue;
		for (size_t x = 0; x < r->nnums; x++) {
			const char *k = r->kind->by_title
			                    ? arena_printf(e->a, "%zu\x1f%lld", r->title, (long long)r->nums[x])
			                    : arena_printf(e->a, "%s\x1f%lld", r->kind->reg, (long long)r->nums[x]);
			int64_t who = 0;
			if (smap_get(&seen, k, &who)) {
				const char *num = arena_printf(e->a, "%s %lld", r->kind->reg, (long long)r->nums[x]);
				if (who < 0)
					problem(e, r, r->kind->by_title ? "err.stock.title_no_used" : "err.stock.number_used",
					        num);
				else
					problem(e, r, "err.stock.number_twice",
					        arena_printf(e->a, "%s (%lld)", num, (long long)e->rows[who - 1].in->line));
				break;
			}
			smap_add(&seen, k, (int64_t)i + 1);
		}
	}
	return 0;
}

/* Pass 4: barcodes, the file's own and the defaults of registers numbered by type, free in the
 * school and in the entry. (A register numbered by title takes new accession numbers at the
 * commit: their default barcodes are checked by the INSERT's unique index.) */
static int check_barcodes(entry_t *e, int64_t total, err_t *err)
{
	smap_t used;
	smap_init(&used, e->a, (size_t)total + 64);
	int64_t school = 0;
	int rc = db_query_int(e->db, &school, err, "SELECT COUNT(*) FROM items WHERE unit_id = ?", "i",
	                      e->actor->unit_id);
	if (rc < 0)
		return rc;
	smap_t have;
	smap_init(&have, e->a, (size_t)school + 16);
	if (school) {
		db_stmt_t *st = db_query(e->db, err, "SELECT barcode FROM items WHERE unit_id = ?", "i",
		                         e->actor->unit_id);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW)
			smap_add(&have, arena_strdup(e->a, db_col_text(st, 0)), 0);
		db_done(st);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < e->n; i++) {
		prow_t *r = &e->rows[i];
		if (!row_ok(r) || r->bad)
			continue;
		for (size_t x = 0; x < r->nnums; x++) {
			const char *bc = r->in->barcode && *r->in->barcode ? r->in->barcode : NULL;
			if (!bc && r->kind->by_title)
				continue;
			if (!bc) {
				char *code = arena_alloc(e->a, 48);
				catalog_barcode_default(r->kind->reg, r->nums[x], code);
				bc = code;
			}
			if (smap_get(&have, bc, NULL) || !smap_add(&used, bc, 0)) {
				problem(e, r, "err.stock.barcode_used", bc);
				break;
			}
		}
	}
	return 0;
}

/* Pass 5: the intake lines: one per general-register number (the school's when it has it), one
 * for the copies without. */
static int group_lines(entry_t *e, err_t *err)
{
	smap_t nums;
	smap_init(&nums, e->a, e->n + 1);
	size_t cap = 0;
	int64_t lo = 0, hi = 0;
	int rc;
	for (size_t i = 0; i < e->n; i++) {
		prow_t *r = &e->rows[i];
		if (!row_ok(r))
			continue;
		const char *k = arena_printf(e->a, "%lld", (long long)r->general);
		int64_t ix = 0;
		if (!smap_get(&nums, k, &ix)) {
			e->lines = arena_grow(e->a, e->lines, e->nlines, &cap, 16, sizeof *e->lines);
			line_t *l = &e->lines[e->nlines];
			memset(l, 0, sizeof *l);
			l->number = r->general;
			snprintf(l->received, sizeof l->received, "%s", r->entered);
			l->source = "other";
			ix = (int64_t)e->nlines++;
			smap_add(&nums, k, ix);
			if (r->general && (!lo || r->general < lo))
				lo = r->general;
			if (r->general > hi)
				hi = r->general;
		}
		line_t *l = &e->lines[ix];
		r->line_ix = (size_t)ix;
		if (strcmp(r->entered, l->received) < 0)
			snprintf(l->received, sizeof l->received, "%s", r->entered);
		if (!strcmp(l->source, "other") && strcmp(r->source, "other"))
			l->source = r->source;
	}
	if (!lo)
		return 0;
	db_stmt_t *st = db_query(e->db, err,
	                         "SELECT number, id, received FROM acquisitions WHERE unit_id = ? AND number BETWEEN ? "
	                         "AND ?",
	                         "iii", e->actor->unit_id, lo, hi);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t ix = 0;
		if (!smap_get(&nums, arena_printf(e->a, "%lld", (long long)db_col_int(st, 0)), &ix))
			continue;
		line_t *l = &e->lines[ix];
		l->joined = true;
		l->id = db_col_int(st, 1);
		snprintf(l->received, sizeof l->received, "%s", db_col_text(st, 2));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The counts, and per register the numbers entered as ranges. */
static void summarise(entry_t *e)
{
	stock_result_t *res = e->res;
	for (size_t t = 0; t < e->ntitles; t++)
		*(e->titles[t].joined ? &res->records_joined : &res->records_new) += 1;
	for (size_t l = 0; l < e->nlines; l++)
		*(e->lines[l].joined ? &res->lines_joined : &res->lines_new) += 1;
	size_t cap = 0;
	for (size_t k = 0; k < e->nkinds; k++) {
		const char *reg = e->kinds[k].reg;
		size_t cnt = 0;
		bool dup = false;
		for (size_t j = 0; j < res->nranges; j++)
			dup |= !strcmp(res->ranges[j].reg, reg);
		if (dup)
			continue;
		for (size_t i = 0; i < e->n; i++)
			if (row_ok(&e->rows[i]) && !strcmp(e->rows[i].kind->reg, reg))
				cnt += e->rows[i].nnums;
		if (!cnt)
			continue;
		int64_t *v = arena_alloc(e->a, cnt * sizeof *v);
		size_t m = 0;
		for (size_t i = 0; i < e->n; i++) {
			const prow_t *r = &e->rows[i];
			if (!row_ok(r) || strcmp(r->kind->reg, reg))
				continue;
			memcpy(v + m, r->nums, r->nnums * sizeof *v);
			m += r->nnums;
			res->value += r->price * (int64_t)r->nnums;
		}
		qsort(v, m, sizeof *v, cmp_i64);
		buf_t b = BUF_INIT;
		put_ranges(&b, v, m);
		res->ranges = arena_grow(e->a, res->ranges, res->nranges, &cap, 8, sizeof *res->ranges);
		res->ranges[res->nranges++] = (stock_range_t){ .reg = reg,
			                                        .copies = (int64_t)m,
			                                        .lowest = v[0],
			                                        .highest = v[m - 1],
			                                        .ranges = arena_strdup(e->a, buf_str(&b)) };
		buf_release(&b);
	}
}

/* Raise a counter to at least value (the paper register's highest number). */
static int counter_raise(db_t *db, int64_t unit_id, const char *reg, int64_t value, err_t *err)
{
	int rc = db_exec(db, err,
	                 "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, ?, 0) "
	                 "ON CONFLICT (unit_id, register) DO NOTHING",
	                 "is", unit_id, reg);
	if (rc >= 0)
		rc = db_exec(db, err,
		             "UPDATE accession_counters SET last = CASE WHEN last < ? THEN ? ELSE last END "
		             "WHERE unit_id = ? AND register = ?",
		             "iiis", value, value, unit_id, reg);
	return rc < 0 ? rc : 0;
}

/* The writes, once every check passed, inside the transaction. */
static int write_entry(entry_t *e, const char *detail_head, err_t *err)
{
	db_t *db = e->db;
	const actor_t *actor = e->actor;
	int64_t unit = actor->unit_id, now = clock_now();
	int rc;
	/* Counters first: the paper registers' highest numbers, so a line without a number and the
	 * copies of registers numbered by title take numbers after them. */
	int64_t tq_max = 0;
	for (size_t l = 0; l < e->nlines; l++)
		if (e->lines[l].number > tq_max)
			tq_max = e->lines[l].number;
	if (tq_max && (rc = counter_raise(db, unit, GENERAL_REGISTER, tq_max, err)) < 0)
		return rc;
	for (size_t r = 0; r < e->res->nranges; r++) {
		const stock_range_t *g = &e->res->ranges[r];
		const kind_t *kd = find_kind(e, g->reg);
		if (kd && !kd->by_title && (rc = counter_raise(db, unit, g->reg, g->highest, err)) < 0)
			return rc;
	}
	/* Intake lines. */
	for (size_t l = 0; l < e->nlines; l++) {
		line_t *ln = &e->lines[l];
		if (ln->joined)
			continue;
		if (!ln->number && (rc = catalog_numbers_take(db, unit, GENERAL_REGISTER, 1, &ln->number, err)) < 0)
			return rc;
		rc = db_insert_id(db, &ln->id, err,
		                  "INSERT INTO acquisitions (unit_id, number, received, source, note, legacy, created_by, "
		                  "created_at) VALUES (?, ?, ?, ?, ?, 1, NULLIF(?, 0), ?) RETURNING id",
		                  "iisssii", unit, ln->number, ln->received, ln->source, "", actor->account_id, now);
		if (rc < 0)
			return rc;
	}
	/* Records, and the title numbers of the joined ones (locked as every writer of copies does).
	 * On SQLite the new records are indexed in one statement at the end, as the import loop
	 * does (batch.c, migration 0006): one FTS5 segment instead of one per record. */
	rc = 0;
	bool defer = db_kind(db) == DB_SQLITE && e->res->records_new > 0;
	int64_t lo = 0, hi = 0;
	if (defer && (rc = db_exec(db, err, "INSERT INTO fts_defer (unit_id) VALUES (?)", "i", unit)) < 0)
		return rc;
	for (size_t t = 0; t < e->ntitles && rc >= 0; t++) {
		title_t *ti = &e->titles[t];
		if (ti->joined) {
			rc = catalog_title_lock(db, ti->biblio_id, &ti->title_max, err);
			continue;
		}
		prow_t *r = &e->rows[ti->first];
		if ((rc = catalog_row_insert(db, actor, &r->bib, &r->fold, now, &ti->biblio_id, err)) < 0)
			break;
		if (!lo)
			lo = ti->biblio_id;
		hi = ti->biblio_id;
	}
	if (defer) {
		err_t e2;
		int rc2 = 0;
		if (rc >= 0 && lo)
			rc2 = db_exec(db, &e2,
			              "INSERT INTO biblios_fts (rowid, search_words) SELECT id, search_words FROM biblios "
			              "WHERE unit_id = ? AND id BETWEEN ? AND ?",
			              "iii", unit, lo, hi);
		if (rc2 >= 0)
			rc2 = db_exec(db, &e2, "DELETE FROM fts_defer WHERE unit_id = ?", "i", unit);
		if (rc >= 0 && rc2 < 0) {
			*err = e2;
			rc = rc2;
		}
	}
	if (rc < 0)
		return rc;
	/* Copies. */
	for (size_t i = 0; i < e->n; i++) {
		prow_t *r = &e->rows[i];
		title_t *ti = &e->titles[r->title];
		line_t *ln = &e->lines[r->line_ix];
		const char *entered = strcmp(r->entered, ln->received) ? r->entered : NULL;
		int64_t first = 0;
		if (r->kind->by_title &&
		    (rc = catalog_numbers_take(db, unit, r->kind->reg, (int64_t)r->nnums, &first, err)) < 0)
			return rc;
		for (size_t x = 0; x < r->nnums; x++) {
			int64_t acc = r->kind->by_title ? first + (int64_t)x : r->nums[x];
			int64_t tno = r->kind->by_title ? r->nums[x] : ++ti->title_max;
			char accession[48], code[48];
			snprintf(accession, sizeof accession, "%s-%06lld", r->kind->reg, (long long)acc);
			const char *bc = r->in->barcode && *r->in->barcode ? r->in->barcode : NULL;
			if (!bc) {
				catalog_barcode_default(r->kind->reg, acc, code);
				bc = code;
			}
			rc = db_exec(db, err,
			             "INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, "
			             "accession, barcode, price, note, created_at, title_no, entered) "
			             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			             "iiisissisiis", unit, ti->biblio_id, ln->id, r->kind->reg, acc, accession, bc,
			             r->price, r->in->note ? r->in->note : "", now, tno, entered);
			if (rc == ERR_CONFLICT) {
				problem(e, r, "err.stock.barcode_used", bc);
				return err_set(err, ERR_INVALID, "err.stock.rows", "%zu", e->res->nproblems);
			}
			if (rc < 0)
				return rc;
		}
		if (r->kind->by_title && r->nums[r->nnums - 1] > ti->title_max)
			ti->title_max = r->nums[r->nnums - 1];
	}
	int64_t nth = 0; /* the school's count of records, as the imports keep it */
	if ((rc = catalog_numbers_take(db, unit, "#BIB", e->res->records_new, &nth, err)) < 0)
		return rc;
	/* One audit row: the counts and the ranges. */
	buf_t d = BUF_INIT;
	stock_result_t *res = e->res;
	buf_printf(&d, "%s%lld copies, %lld rows; records %lld new, %lld joined; intake lines %lld new, %lld joined (",
	           detail_head, (long long)res->copies, (long long)res->rows, (long long)res->records_new,
	           (long long)res->records_joined, (long long)res->lines_new, (long long)res->lines_joined);
	int64_t *nums = arena_alloc(e->a, (e->nlines + 1) * sizeof *nums);
	for (size_t l = 0; l < e->nlines; l++)
		nums[l] = e->lines[l].number;
	qsort(nums, e->nlines, sizeof *nums, cmp_i64);
	put_ranges(&d, nums, e->nlines);
	buf_puts(&d, ")");
	for (size_t r = 0; r < res->nranges; r++)
		buf_printf(&d, "; %s %s", res->ranges[r].reg, res->ranges[r].ranges);
	rc = audit_write(db, actor, NULL, unit, actor->unit_path, "stock.opening", "unit", unit,
	                 text_cut(e->a, buf_str(&d), 4000), NULL, err);
	buf_release(&d);
	return rc;
}

static int run(db_t *db, const actor_t *actor, const stock_row_t *rows, size_t n, const char *kind_default,
               arena_t *a, stock_result_t *res, bool write, err_t *err)
{
	int rc, own = 0;
	memset(res, 0, sizeof *res);
	if ((rc = catalog_check_writer(actor, err)) < 0)
		return rc;
	entry_t e = { .db = db, .actor = actor, .a = a, .res = res, .n = n };
	clock_day_format(clock_today_vn(), e.today, sizeof e.today);
	if (write) {
		if ((rc = db_begin_own(db, &own, err)) < 0)
			return rc;
		int64_t nth = 0; /* the school's records, serialised as every writer of records does */
		if ((rc = catalog_numbers_take(db, actor->unit_id, "#BIB", 0, &nth, err)) < 0)
			goto done;
	}
	if ((rc = load_kinds(&e, err)) < 0)
		goto done;
	const kind_t *dflt = NULL;
	if (kind_default && *kind_default && !(dflt = find_kind(&e, kind_default))) {
		rc = err_set(err, ERR_INVALID, "err.stock.register", "%.40s", kind_default);
		goto done;
	}
	{
		db_stmt_t *st = db_query(db, err, "SELECT MAX(day) FROM stock_balances WHERE unit_id = ?", "i",
		                         actor->unit_id);
		if (!st) {
			rc = err->code;
			goto done;
		}
		rc = db_step(st, err);
		snprintf(e.balance, sizeof e.balance, "%s",
		         rc == DB_ROW && db_col_text(st, 0) ? db_col_text(st, 0) : "");
		db_done(st);
		if (rc < 0)
			goto done;
	}
	e.rows = arena_zalloc(a, (n ? n : 1) * sizeof *e.rows);
	int64_t total = 0;
	read_rows(&e, rows, n, dflt, &total);
	res->rows = (int64_t)n;
	if (total > STOCK_MAX_COPIES) {
		rc = err_set(err, ERR_INVALID, "err.stock.too_many", "%d", STOCK_MAX_COPIES);
		goto done;
	}
	if ((rc = group_titles(&e, err)) < 0 || (rc = check_numbers(&e, total, err)) < 0 ||
	    (rc = check_barcodes(&e, total, err)) < 0 || (rc = group_lines(&e, err)) < 0)
		goto done;
	/* Problems in row order, whichever pass found them. */
	for (size_t i = 1; i < res->nproblems; i++)
		for (size_t j = i; j > 0 && res->problems[j - 1].line > res->problems[j].line; j--) {
			stock_problem_t t = res->problems[j];
			res->problems[j] = res->problems[j - 1];
			res->problems[j - 1] = t;
		}
	res->copies = total;
	summarise(&e);
	rc = 0;
	if (!write)
		goto done;
	if (n == 0) {
		rc = err_set(err, ERR_INVALID, "err.stock.empty", NULL);
		goto done;
	}
	if (res->nproblems) {
		rc = err_set(err, ERR_INVALID, "err.stock.rows", "%zu", res->nproblems);
		goto done;
	}
	rc = write_entry(&e, "", err);
done:
	if (write)
		rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	return rc;
}

int stock_opening_check(db_t *db, const actor_t *actor, const stock_row_t *rows, size_t n,
                        const char *kind_default, arena_t *a, stock_result_t *res, err_t *err)
{
	return run(db, actor, rows, n, kind_default, a, res, false, err);
}

int stock_opening_commit(db_t *db, const actor_t *actor, const stock_row_t *rows, size_t n,
                         const char *kind_default, arena_t *a, stock_result_t *res, err_t *err)
{
	return run(db, actor, rows, n, kind_default, a, res, true, err);
}
