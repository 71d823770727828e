/* import.c: class lists (danh sách lớp) into a school's readers (patrons.h).
 *
 * A list comes from the school-management software (SMAS, VnEdu, CSDL ngành) as CSV or XLSX,
 * usually with title rows ("SỞ GIÁO DỤC...", "DANH SÁCH HỌC SINH LỚP 6A1") above the header and a
 * merged "Lớp" column (xlsx.c gives a merged range's value to each of its cells). The header is
 * the first row among the first 15 with at least two known headers; headers are compared folded,
 * with every character other than a-z and 0-9 read as a space ("Mã định danh Bộ GD&ĐT").
 *
 * Rows are matched to the school's readers in memory: one statement reads the school's readers,
 * national ids are looked up in the rest of the city 50 at a time, and the commit then runs one
 * INSERT or UPDATE per changed row and one audit row, in one transaction. A cell left empty keeps
 * what the reader has (a list without phone numbers does not erase them); the card code changes
 * only when the file has a "Số thẻ" column. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsx.h"
#include "exchange/exchange.h"
#include "patrons/patrons.h"
#include "patrons/patrons_int.h"

#define HEADER_SCAN 15 /* rows searched for the header */

static const char *const field_names[PF__COUNT] = {
	"full_name", "last_name",   "first_name", "birth_date", "class_name", "student_code",
	"gender",    "national_id", "code",       "kind",       "phone",      "email",
};

/* Normalised headers of each field (see key_of). */
static const char *const aliases[PF__COUNT][12] = {
	[PF_FULL_NAME] = { "ho va ten", "ho ten", "ho va ten hoc sinh", "ten hoc sinh", "ho ten hoc sinh",
	                   "ho va ten giao vien", "ho va ten ban doc", "full name", "name", NULL },
	[PF_LAST_NAME] = { "ho dem", "ho va ten dem", "ho va dem", "ho", "ho va chu dem", "ho lot",
	                   "last name", NULL },
	[PF_FIRST_NAME] = { "ten", "first name", NULL },
	[PF_BIRTH_DATE] = { "ngay sinh", "ngay thang nam sinh", "birth date", "date of birth", "ns", NULL },
	[PF_CLASS] = { "lop", "ten lop", "lop hoc", "class", NULL },
	[PF_STUDENT_CODE] = { "ma hoc sinh", "ma hs", "ma so hoc sinh", "student code", "ma giao vien", "ma can bo",
	                      "ma gv", "ma cb", NULL },
	[PF_GENDER] = { "gioi tinh", "gender", "gt", "nam nu", NULL },
	[PF_NATIONAL_ID] = { "ma dinh danh", "so dinh danh ca nhan", "so dinh danh", "ma dinh danh bo gd",
	                     "ma dinh danh bo gd dt", "cccd", "so cccd", "national id", NULL },
	[PF_CODE] = { "so the", "ma the", "so the thu vien", "card", "card number", NULL },
	[PF_KIND] = { "doi tuong", "loai", "loai ban doc", "kind", NULL },
	[PF_PHONE] = { "so dien thoai", "dien thoai", "sdt", "dt", "phone", NULL },
	[PF_EMAIL] = { "email", "e mail", "thu dien tu", NULL },
};

const char *patrons_field_name(patrons_field_t f)
{
	return f >= 0 && f < PF__COUNT ? field_names[f] : "";
}

static int field_of(const char *key)
{
	for (int f = 0; f < PF__COUNT; f++)
		for (int i = 0; aliases[f][i]; i++)
			if (!strcmp(key, aliases[f][i]))
				return f;
	if (!strncmp(key, "ma dinh danh", 12) || !strncmp(key, "so dinh danh", 12))
		return PF_NATIONAL_ID;
	if (!strncmp(key, "ho va ten", 9))
		return PF_FULL_NAME;
	return -1;
}

/* --- CSV ----------------------------------------------------------------------------------------- */

typedef struct rows {
	struct patrons_sheet_row *v;
	size_t n, cap;
} rows_t;

static bool blank(const struct patrons_sheet_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (const char *s = r->cell[i]; *s; s++)
			if (!isspace((unsigned char)*s))
				return false;
	return true;
}

int patrons_sheet_read(const void *data, size_t len, arena_t *a, patrons_sheet_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	rows_t rows = { 0 };
	if (xlsx_is_zip(data, len)) {
		xlsx_sheet_t sh;
		int rc = xlsx_read(data, len, a, &sh, err);
		if (rc < 0)
			return rc;
		out->format = "xlsx";
		rows.v = arena_alloc(a, (sh.nrows + 1) * sizeof *rows.v);
		for (size_t i = 0; i < sh.nrows; i++)
			rows.v[rows.n++] = (struct patrons_sheet_row){ .line = sh.rows[i].line,
				                                       .n = sh.rows[i].n,
				                                       .cell = sh.rows[i].cell };
	} else {
		const char *p = data, *end = p + len;
		if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3;
		if (!text_valid_utf8(p, (size_t)(end - p)) || memchr(p, 0, (size_t)(end - p)))
			return err_set(err, ERR_INVALID, "err.pimport.utf8", NULL);
		const char *q = p;
		while (q < end && isspace((unsigned char)*q))
			q++;
		bool json = q < end && (*q == '[' || *q == '{');
		out->format = json ? "json" : "csv";
		xlsx_row_t *cr;
		size_t cn;
		if (json) {
			int rc = xchg_json_rows(p, (size_t)(end - p), a, &cr, &cn, err);
			if (rc < 0)
				return rc;
		} else if (csv_rows(p, end, a, &cr, &cn, NULL) < 0)
			return err_set(err, ERR_INVALID, "err.pimport.quote", NULL);
		rows.v = arena_alloc(a, (cn + 1) * sizeof *rows.v);
		for (size_t i = 0; i < cn; i++)
			rows.v[rows.n++] = (struct patrons_sheet_row){ .line = cr[i].line, .n = cr[i].n, .cell = cr[i].cell };
	}
	size_t h = 0, seen = 0;
	for (; h < rows.n && seen < HEADER_SCAN; h++) {
		if (blank(&rows.v[h]))
			continue;
		seen++;
		int known = 0, fields[PF__COUNT] = { 0 };
		for (size_t i = 0; i < rows.v[h].n; i++) {
			int f = field_of(text_key(a, rows.v[h].cell[i]));
			if (f >= 0 && !fields[f]++)
				known++;
		}
		if (known >= 2)
			break;
	}
	if (!seen)
		return err_set(err, ERR_INVALID, "err.pimport.empty", NULL);
	if (h == rows.n || seen > HEADER_SCAN)
		return err_set(err, ERR_INVALID, "err.pimport.header", NULL);
	out->header_line = rows.v[h].line;
	out->ncols = rows.v[h].n;
	for (size_t i = 0; i < rows.v[h].n; i++) {
		const char *k = text_key(a, rows.v[h].cell[i]);
		out->teachers |= !strcmp(k, "ma giao vien") || !strcmp(k, "ma can bo") || !strcmp(k, "ma gv") ||
		                 !strcmp(k, "ma cb");
	}
	out->headers = arena_alloc(a, (out->ncols + 1) * sizeof *out->headers);
	for (size_t i = 0; i < out->ncols; i++) {
		char *t = text_nfc(a, rows.v[h].cell[i]);
		out->headers[i] = t ? text_trim(t) : "";
	}
	out->rows = arena_alloc(a, (rows.n - h + 1) * sizeof *out->rows);
	for (size_t i = h + 1; i < rows.n; i++)
		if (!blank(&rows.v[i]))
			out->rows[out->nrows++] = rows.v[i];
	return 0;
}

/* --- the mapping --------------------------------------------------------------------------------- */

void patrons_mapping_guess(const patrons_sheet_t *s, int map[PF__COUNT])
{
	arena_t *a = arena_new(4096);
	for (int f = 0; f < PF__COUNT; f++)
		map[f] = -1;
	for (size_t i = 0; i < s->ncols; i++) {
		int f = field_of(text_key(a, s->headers[i]));
		if (f >= 0 && map[f] < 0)
			map[f] = (int)i;
	}
	/* "Họ" + "Tên" are a split name only when there is no whole one. */
	if (map[PF_FULL_NAME] >= 0)
		map[PF_LAST_NAME] = map[PF_FIRST_NAME] = -1;
	arena_free(a);
}

/* The column whose header is h (compared as key_of does), or -1. */
static int column_of(arena_t *a, const patrons_sheet_t *s, const char *h)
{
	const char *k = text_key(a, h);
	for (size_t i = 0; i < s->ncols; i++)
		if (*k && !strcmp(k, text_key(a, s->headers[i])))
			return (int)i;
	return -1;
}

int patrons_mapping_load(db_t *db, const actor_t *actor, const patrons_sheet_t *s, int map[PF__COUNT],
                         bool *remembered, err_t *err)
{
	*remembered = false;
	int rc = patrons_check_writer(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err, "SELECT mapping FROM import_mappings WHERE unit_id = ? AND kind = 'patrons'",
	             "i", actor->unit_id);
	if (!st)
		return err->code;
	json_t *j = NULL;
	if ((rc = db_step(st, err)) == DB_ROW)
		j = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	if (rc < 0 || !json_is_object(j)) {
		json_decref(j);
		return rc < 0 ? rc : 0;
	}
	arena_t *a = arena_new(4096);
	int m[PF__COUNT];
	bool all = true;
	for (int f = 0; f < PF__COUNT; f++) {
		const char *h = json_string_value(json_object_get(j, field_names[f]));
		m[f] = h ? column_of(a, s, h) : -1;
		all &= !h || m[f] >= 0;
	}
	if (all) {
		memcpy(map, m, sizeof m);
		*remembered = true;
	}
	arena_free(a);
	json_decref(j);
	return 0;
}

static int mapping_save(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                        err_t *err)
{
	json_t *j = json_object();
	for (int f = 0; f < PF__COUNT; f++)
		if (map[f] >= 0 && (size_t)map[f] < s->ncols)
			json_object_set_new(j, field_names[f], json_string(s->headers[map[f]]));
	char *text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	int rc = db_exec(db, err, "DELETE FROM import_mappings WHERE unit_id = ? AND kind = 'patrons'", "i",
	                 actor->unit_id);
	if (rc >= 0)
		rc = db_exec(db, err,
		             "INSERT INTO import_mappings (unit_id, kind, mapping, updated_at) VALUES (?, "
		             "'patrons', ?, ?)",
		             "isi", actor->unit_id, text ? text : "{}", clock_now());
	free(text);
	return rc < 0 ? rc : 0;
}

/* --- a small string map (key -> index), for the lookups in memory -------------------------------- */

typedef struct smap {
	const char **keys;
	int64_t *vals;
	size_t cap; /* a power of two */
} smap_t;

static void smap_init(arena_t *a, smap_t *m, size_t n)
{
	m->cap = 64;
	while (m->cap < 2 * n + 1)
		m->cap *= 2;
	m->keys = arena_zalloc(a, m->cap * sizeof *m->keys);
	m->vals = arena_zalloc(a, m->cap * sizeof *m->vals);
}

static size_t smap_slot(const smap_t *m, const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	size_t i = (size_t)h & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], k))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of k, or -1. */
static int64_t smap_get(const smap_t *m, const char *k)
{
	if (!k || !*k)
		return -1;
	size_t i = smap_slot(m, k);
	return m->keys[i] ? m->vals[i] : -1;
}

/* Put k -> v unless k is there; the value already there, or -1. */
static int64_t smap_put(smap_t *m, const char *k, int64_t v)
{
	if (!k || !*k)
		return -1;
	size_t i = smap_slot(m, k);
	if (m->keys[i])
		return m->vals[i];
	m->keys[i] = k;
	m->vals[i] = v;
	return -1;
}

/* --- checking the rows --------------------------------------------------------------------------- */

typedef struct school {
	patron_t *p; /* the school's readers */
	size_t n;
	smap_t by_sc, by_nid, by_code, by_name; /* -> index in p */
	smap_t elsewhere;                       /* national ids of other schools' readers */
} school_t;

static const char *name_key(arena_t *a, const char *name, const char *birth)
{
	const char *f = text_fold(a, name ? name : "");
	return f && *f && birth ? arena_printf(a, "%s|%s", f, birth) : NULL;
}

#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define Q50 Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10

static int load_school(db_t *db, const actor_t *actor, arena_t *a, const char **nids, size_t nn, school_t *sc,
                       err_t *err)
{
	memset(sc, 0, sizeof *sc);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT " PATRON_COLS " FROM patrons p JOIN units u ON u.id = p.unit_id "
	                         "WHERE p.unit_id = ? ORDER BY p.id",
	                         "i", actor->unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		sc->p = arena_grow(a, sc->p, sc->n, &cap, 64, sizeof *sc->p);
		patrons_read_row(st, a, &sc->p[sc->n++]);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	smap_init(a, &sc->by_sc, sc->n);
	smap_init(a, &sc->by_nid, sc->n);
	smap_init(a, &sc->by_code, sc->n);
	smap_init(a, &sc->by_name, sc->n);
	smap_init(a, &sc->elsewhere, nn);
	for (size_t i = 0; i < sc->n; i++) {
		smap_put(&sc->by_sc, sc->p[i].student_code, (int64_t)i);
		smap_put(&sc->by_nid, sc->p[i].national_id, (int64_t)i);
		smap_put(&sc->by_code, sc->p[i].code, (int64_t)i);
		smap_put(&sc->by_name, name_key(a, sc->p[i].full_name, sc->p[i].birth_date), (int64_t)i);
	}
	/* The file's national ids held by readers of other schools, 50 per statement. */
	for (size_t i = 0; i < nn; i += 50) {
		st = db_prepare(
		    db, "SELECT national_id FROM patrons WHERE unit_id <> ? AND national_id IN (" Q50 ")",
		    err);
		if (!st)
			return err->code;
		db_bind_int(st, 1, actor->unit_id);
		for (size_t k = 0; k < 50; k++)
			db_bind_text(st, (int)k + 2, i + k < nn ? nids[i + k] : NULL);
		while ((rc = db_step(st, err)) == DB_ROW)
			smap_put(&sc->elsewhere, arena_strdup(a, db_col_text(st, 0)), 1);
		db_done(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A cell of the row by the mapping, trimmed; "" when unmapped or missing. */
static const char *cell_of(arena_t *a, const struct patrons_sheet_row *r, const int map[PF__COUNT], int f)
{
	if (map[f] < 0 || (size_t)map[f] >= r->n)
		return "";
	return text_trim(arena_strdup(a, r->cell[map[f]]));
}

static void row_error(patrons_import_row_t *row, err_t *e, arena_t *a)
{
	row->action = PI_ERROR;
	row->key = e->key ? e->key : "err.invalid";
	row->detail = arena_strdup(a, e->detail);
}

static void row_fail(patrons_import_row_t *row, const char *key, const char *detail, arena_t *a)
{
	row->action = PI_ERROR;
	row->key = key;
	row->detail = arena_strdup(a, detail ? detail : "");
}

/* One row against the school: its prepared values and what the import does with it. */
static void check_row(arena_t *a, const struct patrons_sheet_row *r, const int map[PF__COUNT], school_t *sc,
                      bool teachers, patrons_import_row_t *row)
{
	err_t e = { 0 };
	row->line = r->line;
	patron_t in = { 0 };
	const char *full = cell_of(a, r, map, PF_FULL_NAME);
	if (!*full) {
		const char *last = cell_of(a, r, map, PF_LAST_NAME),
		           *first = cell_of(a, r, map, PF_FIRST_NAME);
		full = *last && *first ? arena_printf(a, "%s %s", last, first) : *last ? last : first;
	}
	in.full_name = full;
	in.birth_date = cell_of(a, r, map, PF_BIRTH_DATE);
	in.class_name = cell_of(a, r, map, PF_CLASS);
	in.student_code = cell_of(a, r, map, PF_STUDENT_CODE);
	in.gender = cell_of(a, r, map, PF_GENDER);
	in.national_id = cell_of(a, r, map, PF_NATIONAL_ID);
	in.code = cell_of(a, r, map, PF_CODE);
	in.kind = cell_of(a, r, map, PF_KIND);
	in.phone = cell_of(a, r, map, PF_PHONE);
	in.email = cell_of(a, r, map, PF_EMAIL);
	if (!*full)
		return row_fail(row, "err.patron.name", "", a);
	/* The reader this row is: by student code, else national id, else card code, else name and
	 * birth date. */
	int64_t k = smap_get(&sc->by_sc, in.student_code);
	if (k < 0 && !*in.student_code)
		k = smap_get(&sc->by_nid, in.national_id);
	if (k < 0 && !*in.student_code && !*in.national_id)
		k = smap_get(&sc->by_code, in.code);
	if (k < 0 && !*in.student_code && !*in.national_id && !*in.code) {
		const char *birth = NULL;
		if (patrons_parse_date(a, in.birth_date, &birth) == 0 && birth) {
			const char *nm = text_nfc(a, full);
			k = smap_get(&sc->by_name, name_key(a, nm ? nm : full, birth));
		}
	}
	const patron_t *old = k >= 0 ? &sc->p[k] : NULL;
	if (old && !*in.kind)
		in.kind = old->kind;
	if (teachers && !*in.kind)
		in.kind = "teacher"; /* the sector database's list of teachers */
	patron_t p;
	if (patrons_prepare(a, &in, &p, &e) < 0)
		return row_error(row, &e, a);
	if (old) {
		/* Empty cells keep what the reader has. */
		if (!*in.student_code)
			p.student_code = old->student_code;
		if (!p.national_id)
			p.national_id = old->national_id;
		if (!*in.code)
			p.code = old->code;
		if (!p.birth_date)
			p.birth_date = old->birth_date;
		if (!*p.gender)
			p.gender = old->gender;
		if (!*p.phone)
			p.phone = old->phone;
		if (!*p.email)
			p.email = old->email;
		/* A new class in the list is a new school year's list; otherwise the year stays. */
		if (strcmp(p.kind, "student") || !strcmp(p.class_name, old->class_name))
			p.school_year = old->school_year;
		p.note = old->note;
		p.id = old->id;
		p.version = old->version;
		row->id = old->id;
	}
	row->p = p;
	/* Keys another reader of the school holds. */
	int64_t o;
	if ((o = smap_get(&sc->by_sc, p.student_code)) >= 0 && o != k)
		return row_fail(row, "err.patron.student_code_taken", p.student_code, a);
	if ((o = smap_get(&sc->by_code, p.code)) >= 0 && o != k)
		return row_fail(row, "err.patron.code_taken", p.code, a);
	if ((o = smap_get(&sc->by_nid, p.national_id)) >= 0 && o != k)
		return row_fail(row, "err.patron.national_id_taken", "", a);
	if (smap_get(&sc->elsewhere, p.national_id) >= 0)
		return row_fail(row, "err.patron.national_id_taken", "", a);
	if (!old) {
		row->action = PI_CREATE;
		return;
	}
	buf_t ch = BUF_INIT;
	patrons_diff(a, &ch, old, &p, false);
	if (ch.len)
		audit_change(a, &ch, "school_year", old->school_year, p.school_year);
	row->changes = arena_strdup(a, buf_str(&ch));
	row->action = ch.len ? PI_UPDATE : PI_SAME;
	buf_release(&ch);
}

static int check_all(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                     arena_t *a, patrons_import_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = patrons_check_writer(actor, err);
	if (rc < 0)
		return rc;
	if (map[PF_FULL_NAME] < 0 && map[PF_FIRST_NAME] < 0)
		return err_set(err, ERR_INVALID, "err.pimport.no_name", NULL);
	/* The file's national ids, for the lookup in other schools. */
	const char **nids = arena_alloc(a, (s->nrows + 1) * sizeof *nids);
	size_t nn = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		const char *v = cell_of(a, &s->rows[i], map, PF_NATIONAL_ID);
		if (*v)
			nids[nn++] = v;
	}
	school_t sc;
	if ((rc = load_school(db, actor, a, nids, nn, &sc, err)) < 0)
		return rc;
	out->rows = arena_zalloc(a, (s->nrows + 1) * sizeof *out->rows);
	out->nrows = s->nrows;
	smap_t f_sc, f_nid, f_code, f_id;
	smap_init(a, &f_sc, s->nrows);
	smap_init(a, &f_nid, s->nrows);
	smap_init(a, &f_code, s->nrows);
	smap_init(a, &f_id, s->nrows);
	for (size_t i = 0; i < s->nrows; i++) {
		patrons_import_row_t *row = &out->rows[i];
		check_row(a, &s->rows[i], map, &sc, s->teachers, row);
		if (row->action != PI_ERROR) {
			/* A key twice in the file: the later row is the error, naming the earlier line. */
			int64_t prev;
			const char *what = NULL, *val = NULL;
			if ((prev = smap_put(&f_sc, row->p.student_code, row->line)) >= 0)
				what = "err.pimport.dup_student_code", val = row->p.student_code;
			else if ((prev = smap_put(&f_nid, row->p.national_id, row->line)) >= 0)
				what = "err.pimport.dup_national_id", val = row->p.national_id;
			else if ((prev = smap_put(&f_code, row->p.code, row->line)) >= 0)
				what = "err.pimport.dup_code", val = row->p.code;
			else if (row->id &&
			         (prev = smap_put(&f_id, arena_printf(a, "%lld", (long long)row->id),
			                          row->line)) >= 0)
				what = "err.pimport.dup_reader", val = row->p.full_name;
			if (what)
				row_fail(row, what, arena_printf(a, "%s; %lld", val, (long long)prev), a);
		}
		switch (row->action) {
		case PI_CREATE:
			out->created++;
			break;
		case PI_UPDATE:
			out->updated++;
			break;
		case PI_SAME:
			out->unchanged++;
			break;
		case PI_ERROR:
			out->errors++;
			break;
		}
	}
	return 0;
}

int patrons_import_check(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                         arena_t *a, patrons_import_t *out, err_t *err)
{
	return check_all(db, actor, s, map, a, out, err);
}

/* Card codes for the new readers without one (no card number, no student code): the next free
 * "BD000123" of the school, its codes read once and then counted in memory. */
static int give_codes(db_t *db, const actor_t *actor, arena_t *a, patrons_import_t *out, err_t *err)
{
	size_t need = 0;
	for (size_t i = 0; i < out->nrows; i++)
		need += out->rows[i].action == PI_CREATE && !*out->rows[i].p.code;
	if (!need)
		return 0;
	int64_t n = 0;
	int rc =
	    db_query_int(db, &n, err, "SELECT COUNT(*) FROM patrons WHERE unit_id = ?", "i", actor->unit_id);
	if (rc < 0)
		return rc;
	smap_t codes;
	smap_init(a, &codes, (size_t)n + out->nrows);
	db_stmt_t *st = db_query(db, err, "SELECT code FROM patrons WHERE unit_id = ?", "i", actor->unit_id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW)
		smap_put(&codes, arena_strdup(a, db_col_text(st, 0)), 1);
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < out->nrows; k++)
		smap_put(&codes, out->rows[k].p.code, 1);
	int64_t next = n + 1;
	for (size_t i = 0; i < out->nrows; i++) {
		patrons_import_row_t *row = &out->rows[i];
		if (row->action != PI_CREATE || *row->p.code)
			continue;
		const char *c;
		while (smap_get(&codes, c = arena_printf(a, "BD%06lld", (long long)next)) >= 0)
			next++;
		smap_put(&codes, c, 1);
		row->p.code = c;
	}
	return 0;
}

int patrons_import_commit(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                          bool skip_errors, arena_t *a, patrons_import_t *out, err_t *err)
{
	int rc, own = 0;
	if ((rc = patrons_check_writer(actor, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	/* Checked again inside the transaction: what the preview saw may have changed since. */
	if ((rc = check_all(db, actor, s, map, a, out, err)) < 0)
		goto done;
	if (out->errors && !skip_errors) {
		rc = err_set(err, ERR_INVALID, "err.pimport.has_errors", "%lld", (long long)out->errors);
		goto done;
	}
	if ((rc = mapping_save(db, actor, s, map, err)) < 0)
		goto done;
	if (!out->created && !out->updated)
		goto done; /* nothing to write: the mapping is remembered, no audit row */
	if ((rc = give_codes(db, actor, a, out, err)) < 0)
		goto done;
	int64_t now = clock_now();
	for (size_t i = 0; i < out->nrows && rc >= 0; i++) {
		patrons_import_row_t *row = &out->rows[i];
		if (row->action == PI_CREATE) {
			rc = patrons_insert(db, actor->unit_id, &row->p, a, now, &row->id, err);
		} else if (row->action == PI_UPDATE) {
			int64_t v = row->p.version;
			rc = patrons_write(db, &row->p, row->id, v, now > v ? now : v + 1, a, err);
			if (rc == 0) /* changed since it was read */
				rc = err_set(err, ERR_CONFLICT, "err.patron.stale", NULL);
		}
		if (rc < 0)
			snprintf(err->detail, sizeof err->detail, "%lld", (long long)row->line);
	}
	if (rc < 0)
		goto done;
	rc = audit_write(
	    db, actor, NULL, actor->unit_id, actor->unit_path, "patron.import", "unit", actor->unit_id,
	    arena_printf(a, "format=%s; rows=%zu; created=%lld; updated=%lld; unchanged=%lld; skipped=%lld",
	                 s->format, s->nrows, (long long)out->created, (long long)out->updated,
	                 (long long)out->unchanged, (long long)out->errors),
	    NULL, err);
	if (rc >= 0)
		out->written = true;
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc < 0)
		out->written = false;
	return rc;
}
