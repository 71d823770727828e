/* table.c: reading the sector database's exports (CSV, XLSX, JSON) as a header and rows, and the
 * column mapping (exchange.h). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/text.h"
#include "exchange/exchange.h"

#define HEADER_SCAN   15
#define JSON_MAX_KEYS 64

static const char *const unit_fields[] = { "code",        "name",      "kind",   "school_level",
	                                   "parent_code", "ownership", "active", NULL };
static const char *const enrol_fields[] = { "code", "school_year", "pupils", "teachers", "classes", NULL };

/* Folded headers (see key_of) of each field. */
static const char *const unit_aliases[XU__COUNT][14] = {
	[XU_CODE] = { "code", "ma", "ma don vi", "ma truong", "ma dv", "ma co so", "unit code", "school code",
	              "ma truong hoc", NULL },
	[XU_NAME] = { "name", "ten", "ten don vi", "ten truong", "ten co so", "ten truong hoc", "unit name",
	              "school name", NULL },
	[XU_KIND] = { "kind", "loai", "loai don vi", "type", "unit type", NULL },
	[XU_LEVEL] = { "school level", "level", "cap hoc", "cap", "bac hoc", "khoi cap hoc",
	               "loai hinh cap hoc", NULL },
	[XU_PARENT] = { "parent code", "parent", "ma don vi cap tren", "don vi cap tren", "ma cap tren",
	                "don vi quan ly", "ma don vi quan ly", "ma phong", "ma co quan quan ly", NULL },
	[XU_OWNERSHIP] = { "ownership", "loai hinh", "loai hinh truong", "cong lap", "hinh thuc",
	                   "loai hinh so huu", NULL },
	[XU_ACTIVE] = { "active", "trang thai", "hoat dong", "dang hoat dong", "status", NULL },
};
static const char *const enrol_aliases[XE__COUNT][14] = {
	[XE_CODE] = { "code", "ma truong", "ma don vi", "ma", "school code", "unit code", "ma truong hoc",
	              NULL },
	[XE_YEAR] = { "school year", "nam hoc", "year", "nam", NULL },
	[XE_PUPILS] = { "pupils", "so hoc sinh", "hoc sinh", "tong so hoc sinh", "students", "so hs",
	                "tong hs", "si so", NULL },
	[XE_TEACHERS] = { "teachers", "so giao vien", "giao vien", "tong so giao vien", "so gv", "tong gv",
	                  NULL },
	[XE_CLASSES] = { "classes", "so lop", "lop", "tong so lop", "so lop hoc", NULL },
};

static const bool unit_required[XU__COUNT] = { [XU_CODE] = true, [XU_NAME] = true };
static const bool enrol_required[XE__COUNT] = {
	[XE_CODE] = true, [XE_YEAR] = true, [XE_PUPILS] = true, [XE_TEACHERS] = true
};

int xchg_nfields(xchg_kind_t k)
{
	return k == XK_UNITS ? XU__COUNT : XE__COUNT;
}

const char *xchg_field_name(xchg_kind_t k, int f)
{
	if (f < 0 || f >= xchg_nfields(k))
		return "";
	return k == XK_UNITS ? unit_fields[f] : enrol_fields[f];
}

const char *xchg_kind_name(xchg_kind_t k)
{
	return k == XK_UNITS ? "units" : "enrolment";
}

static const char *const *aliases_of(xchg_kind_t k, int f)
{
	return k == XK_UNITS ? unit_aliases[f] : enrol_aliases[f];
}

static int field_of(arena_t *a, xchg_kind_t k, const char *header)
{
	const char *key = text_key(a, header);
	for (int f = 0; f < xchg_nfields(k); f++)
		for (const char *const *al = aliases_of(k, f); *al; al++)
			if (!strcmp(key, *al))
				return f;
	return -1;
}

/* --- JSON ---------------------------------------------------------------------------------------- */

static const char *json_cell(arena_t *a, json_t *v, bool *bad)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return arena_strdup(a, json_string_value(v));
	case JSON_INTEGER:
		return arena_printf(a, "%lld", (long long)json_integer_value(v));
	case JSON_REAL:
		return arena_printf(a, "%.15g", json_real_value(v));
	case JSON_TRUE:
		return "1";
	case JSON_FALSE:
		return "0";
	case JSON_NULL:
		return "";
	default:
		*bad = true;
		return "";
	}
}

int xchg_json_rows(const char *data, size_t len, arena_t *a, xlsx_row_t **rows, size_t *nrows, err_t *err)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return err_set(err, ERR_INVALID, "err.xchg.json", "%d: %s", je.line, je.text);
	json_t *arr = root;
	if (json_is_object(root)) {
		static const char *const keys[] = { "units",    "enrolment", "data",      "items", "students",
			                            "teachers", "hoc_sinh",  "giao_vien", NULL };
		arr = NULL;
		for (const char *const *k = keys; *k && !arr; k++)
			if (json_is_array(json_object_get(root, *k)))
				arr = json_object_get(root, *k);
	}
	int rc = 0;
	if (!json_is_array(arr)) {
		rc = err_set(err, ERR_INVALID, "err.xchg.json_shape", NULL);
		goto done;
	}
	size_t n = json_array_size(arr);
	if (n > XLSX_MAX_ROWS) {
		rc = err_set(err, ERR_INVALID, "err.xlsx.too_many", NULL);
		goto done;
	}
	const char *keys[JSON_MAX_KEYS];
	size_t nkeys = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		if (!json_is_object(o)) {
			rc = err_set(err, ERR_INVALID, "err.xchg.json_shape", "%zu", i + 1);
			goto done;
		}
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v)
		{
			size_t j = 0;
			while (j < nkeys && strcmp(keys[j], k))
				j++;
			if (j == nkeys) {
				if (nkeys == JSON_MAX_KEYS) {
					rc = err_set(err, ERR_INVALID, "err.xlsx.too_many", NULL);
					goto done;
				}
				keys[nkeys++] = arena_strdup(a, k);
			}
		}
	}
	xlsx_row_t *out = arena_alloc(a, (n + 1) * sizeof *out);
	out[0] = (xlsx_row_t){ .line = 0, .n = nkeys, .cell = arena_alloc(a, (nkeys + 1) * sizeof(char *)) };
	for (size_t j = 0; j < nkeys; j++)
		out[0].cell[j] = keys[j];
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		const char **cells = arena_alloc(a, (nkeys + 1) * sizeof *cells);
		for (size_t j = 0; j < nkeys; j++) {
			json_t *v = json_object_get(o, keys[j]);
			bool bad = false;
			cells[j] = v ? json_cell(a, v, &bad) : "";
			if (bad) {
				rc = err_set(err, ERR_INVALID, "err.xchg.json_shape", "%zu: %s", i + 1,
				             keys[j]);
				goto done;
			}
		}
		out[i + 1] = (xlsx_row_t){ .line = (int64_t)i + 1, .n = nkeys, .cell = cells };
	}
	*rows = out;
	*nrows = n + 1;
done:
	json_decref(root);
	return rc;
}

/* --- any file ------------------------------------------------------------------------------------ */

static bool blank_row(const xlsx_row_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (const char *s = r->cell[i]; *s; s++)
			if (!isspace((unsigned char)*s))
				return false;
	return true;
}

int xchg_table_read(xchg_kind_t k, const void *data, size_t len, arena_t *a, xchg_table_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	xlsx_row_t *rows = NULL;
	size_t nrows = 0;
	int rc;
	const char *p = data, *end = p + len;
	if (xlsx_is_zip(data, len)) {
		xlsx_sheet_t sh;
		if ((rc = xlsx_read(data, len, a, &sh, err)) < 0)
			return rc;
		out->format = "xlsx";
		rows = sh.rows;
		nrows = sh.nrows;
	} else {
		if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3;
		int64_t bad = csv_bad_line(p, end);
		if (bad)
			return err_set(err, ERR_INVALID, "err.xchg.utf8", "%lld", (long long)bad);
		const char *q = p;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && (*q == '[' || *q == '{')) {
			out->format = "json";
			if ((rc = xchg_json_rows(p, (size_t)(end - p), a, &rows, &nrows, err)) < 0)
				return rc;
		} else {
			out->format = "csv";
			if (csv_rows(p, end, a, &rows, &nrows, NULL) < 0)
				return err_set(err, ERR_INVALID, "err.xchg.quote", NULL);
		}
	}
	size_t h = 0;
	bool found = false;
	for (size_t i = 0; i < nrows && i < HEADER_SCAN && !found; i++) {
		int known = 0;
		for (size_t c = 0; c < rows[i].n; c++)
			known += field_of(a, k, rows[i].cell[c]) >= 0;
		if (known >= 2) {
			h = i;
			found = true;
		}
	}
	if (!found) {
		bool any = false;
		for (size_t i = 0; i < nrows; i++)
			any |= !blank_row(&rows[i]);
		if (!any || (!strcmp(out->format, "json") && nrows <= 1))
			return err_set(err, ERR_INVALID, "err.xchg.empty", NULL);
		return err_set(err, ERR_INVALID, "err.xchg.header", "%s",
		               k == XK_UNITS ? "Mã đơn vị, Tên đơn vị, Cấp học, Mã đơn vị cấp trên, Loại hình"
		                             : "Mã trường, Năm học, Số học sinh, Số giáo viên, Số lớp");
	}
	out->header_line = rows[h].line;
	out->ncols = rows[h].n;
	out->headers = arena_alloc(a, (out->ncols + 1) * sizeof(char *));
	for (size_t c = 0; c < out->ncols; c++) {
		char *hd = arena_strdup(a, rows[h].cell[c]);
		out->headers[c] = text_trim(hd);
	}
	out->rows = arena_alloc(a, (nrows - h + 1) * sizeof *out->rows);
	for (size_t i = h + 1; i < nrows; i++)
		if (!blank_row(&rows[i]))
			out->rows[out->nrows++] = rows[i];
	if (!out->nrows)
		return err_set(err, ERR_INVALID, "err.xchg.empty", NULL);
	if (out->nrows > XCHG_MAX_ROWS) /* a city has a few thousand units; the checks are quadratic */
		return err_set(err, ERR_TOOBIG, "err.xchg.too_many", "%d", XCHG_MAX_ROWS);
	return 0;
}

/* --- the mapping --------------------------------------------------------------------------------- */

void xchg_mapping_guess(xchg_kind_t k, const xchg_table_t *t, int map[XCHG_MAX_FIELDS])
{
	arena_t *a = arena_new(4096);
	for (int f = 0; f < XCHG_MAX_FIELDS; f++)
		map[f] = -1;
	for (size_t c = 0; c < t->ncols; c++) {
		int f = field_of(a, k, t->headers[c]);
		if (f >= 0 && map[f] < 0)
			map[f] = (int)c;
	}
	arena_free(a);
}

int xchg_mapping_load(db_t *db, const actor_t *actor, xchg_kind_t k, const xchg_table_t *t,
                      int map[XCHG_MAX_FIELDS], bool *remembered, err_t *err)
{
	*remembered = false;
	if (!actor || !actor->unit_id)
		return 0;
	db_stmt_t *st =
	    db_query(db, err, "SELECT mapping FROM import_mappings WHERE unit_id = ? AND kind = ?", "is",
	             actor->unit_id, xchg_kind_name(k));
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	json_t *m = rc == DB_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	if (rc < 0)
		return rc;
	if (!json_is_object(m)) {
		json_decref(m);
		return 0;
	}
	/* Apply only when every remembered header is in this file: a different export keeps its
	 * guessed mapping. */
	int tmp[XCHG_MAX_FIELDS];
	memcpy(tmp, map, sizeof tmp);
	bool all = true;
	for (int f = 0; f < xchg_nfields(k) && all; f++) {
		json_t *v = json_object_get(m, xchg_field_name(k, f));
		if (!v)
			continue;
		const char *hdr = json_string_value(v);
		if (!hdr || !*hdr)
			continue; /* unmapped then: this file's guess stands */
		int col = -1;
		for (size_t c = 0; c < t->ncols && col < 0; c++)
			if (!strcmp(t->headers[c], hdr))
				col = (int)c;
		if (col < 0)
			all = false;
		tmp[f] = col;
	}
	json_decref(m);
	if (all) {
		memcpy(map, tmp, sizeof tmp);
		*remembered = true;
	}
	return 0;
}

int xchg_mapping_check(xchg_kind_t k, const int map[XCHG_MAX_FIELDS], err_t *err)
{
	const bool *req = k == XK_UNITS ? unit_required : enrol_required;
	for (int f = 0; f < xchg_nfields(k); f++)
		if (req[f] && map[f] < 0)
			return err_set(err, ERR_INVALID, "err.xchg.columns", "%s", xchg_field_name(k, f));
	return 0;
}

int xchg_mapping_save(db_t *db, const actor_t *actor, xchg_kind_t k, const xchg_table_t *t,
                      const int map[XCHG_MAX_FIELDS], err_t *err)
{
	if (!actor || !actor->unit_id)
		return 0;
	json_t *m = json_object();
	for (int f = 0; f < xchg_nfields(k); f++)
		json_object_set_new(
		    m, xchg_field_name(k, f),
		    json_string(map[f] >= 0 && (size_t)map[f] < t->ncols ? t->headers[map[f]] : ""));
	char *s = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(m);
	int rc =
	    db_exec(db, err,
	            "INSERT INTO import_mappings (unit_id, kind, mapping, updated_at) VALUES (?, ?, ?, ?) "
	            "ON CONFLICT (unit_id, kind) DO UPDATE SET mapping = excluded.mapping, "
	            "updated_at = excluded.updated_at",
	            "issi", actor->unit_id, xchg_kind_name(k), s, clock_now());
	free(s);
	return rc < 0 ? rc : 0;
}

int xchg_import_done(db_t *db, const actor_t *actor, xchg_kind_t k, const char *action, const xchg_table_t *t,
                     const int map[XCHG_MAX_FIELDS], arena_t *a, xchg_result_t *out, err_t *err)
{
	out->written = out->created || out->updated;
	char *detail = arena_printf(a, "created %lld, updated %lld, unchanged %lld", (long long)out->created,
	                            (long long)out->updated, (long long)out->unchanged);
	int rc = audit_write(db, actor, actor ? NULL : "cli", actor ? actor->unit_id : 0,
	                     actor ? actor->unit_path : "", action, "unit", 0, detail, NULL, err);
	if (rc < 0)
		return rc;
	rc = xchg_mapping_save(db, actor, k, t, map, err);
	return rc < 0 ? rc : 0;
}
