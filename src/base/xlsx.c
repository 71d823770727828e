/* xlsx.c: the first sheet of an .xlsx workbook as rows of text (xlsx.h).
 *
 * The archive is opened from memory by libzip with its consistency checks on; every part is read
 * through a bounded loop (never trusting the size the archive declares) into one buffer, and the
 * total read is bounded too, so a zip bomb costs at most XLSX_MAX_TOTAL bytes before it is refused.
 * The small parts (relationships, workbook, styles) are parsed into trees; the shared strings and
 * the sheet, which grow with the data, are streamed through xmlTextReader. Elements are matched
 * by local name: the SpreadsheetML namespace has two spellings (transitional and strict).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#include "base/buf.h"
#include "base/text.h"
#include "base/clock.h"
#include "base/xlsx.h"

#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

typedef struct reader {
	zip_t *zip;
	arena_t *a;
	err_t *err;
	size_t total;         /* bytes read from the archive so far */
	const char **strings; /* the shared strings */
	size_t nstrings;
	bool *date_style; /* per cellXfs index: a date format */
	size_t nstyles;
	bool date1904;
} reader_t;

bool xlsx_is_zip(const void *data, size_t len)
{
	return data && len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

/* --- parts ----------------------------------------------------------------------------------------- */

/* The part name, uncompressed, in *out (NUL-terminated, malloc'ed: the caller frees). 1 when the
 * archive has no such part, 0 when read, or an error. */
static int read_part(reader_t *r, const char *name, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	zip_int64_t idx = zip_name_locate(r->zip, name, ZIP_FL_NOCASE);
	if (idx < 0)
		return 1;
	zip_stat_t st;
	if (zip_stat_index(r->zip, (zip_uint64_t)idx, 0, &st) < 0)
		return err_set(r->err, ERR_INVALID, "err.xlsx.zip", "%s", name);
	if ((st.valid & ZIP_STAT_SIZE) && (st.size > XLSX_MAX_PART || r->total + st.size > XLSX_MAX_TOTAL))
		return err_set(r->err, ERR_TOOBIG, "err.xlsx.too_big", "%s: %llu bytes", name,
		               (unsigned long long)st.size);
	zip_file_t *f = zip_fopen_index(r->zip, (zip_uint64_t)idx, 0);
	if (!f)
		return err_set(r->err, ERR_INVALID, "err.xlsx.zip", "%s: %s", name, zip_strerror(r->zip));
	buf_t b = BUF_INIT;
	char chunk[65536];
	int rc = 0;
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof chunk);
		if (n < 0) {
			rc = err_set(r->err, ERR_INVALID, "err.xlsx.zip", "%s: %s", name,
			             zip_file_strerror(f));
			break;
		}
		if (n == 0)
			break;
		r->total += (size_t)n;
		if (b.len + (size_t)n > XLSX_MAX_PART || r->total > XLSX_MAX_TOTAL) {
			rc = err_set(r->err, ERR_TOOBIG, "err.xlsx.too_big", "%s", name);
			break;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	zip_fclose(f);
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	buf_putc(&b, 0);
	*len = b.len - 1;
	*out = buf_detach(&b, NULL);
	return 0;
}

static int xml_error(reader_t *r, const char *part, const xmlError *e)
{
	if (e && (e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING ||
	          e->code == XML_ERR_UNKNOWN_ENCODING || e->code == XML_ERR_UNSUPPORTED_ENCODING))
		return err_set(r->err, ERR_INVALID, "err.xlsx.utf8", "%s, line %d", part, e->line);
	return err_set(r->err, ERR_INVALID, "err.xlsx.xml", "%s, line %d", part, e ? e->line : 0);
}

/* A part parsed into a tree (*doc; NULL with 0 when the part is missing and optional). */
static int read_tree(reader_t *r, const char *name, bool required, xmlDoc **doc)
{
	char *data;
	size_t len;
	*doc = NULL;
	int rc = read_part(r, name, &data, &len);
	if (rc == 1)
		return required ? err_set(r->err, ERR_INVALID, "err.xlsx.part", "%s", name) : 0;
	if (rc < 0)
		return rc;
	xmlResetLastError();
	*doc = len > INT32_MAX ? NULL : xmlReadMemory(data, (int)len, name, NULL, XML_OPTS);
	free(data);
	if (!*doc)
		return xml_error(r, name, xmlGetLastError());
	return 0;
}

static bool is(const xmlNode *n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, local);
}

/* The first element child of n named local (any namespace), or NULL. */
static xmlNode *child(const xmlNode *n, const char *local)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, local))
			return c;
	return NULL;
}

/* An attribute by local name, whatever its namespace, into the arena; NULL when absent. */
static const char *attr(reader_t *r, xmlNode *n, const char *local)
{
	for (xmlAttr *at = n ? n->properties : NULL; at; at = at->next) {
		if (strcmp((const char *)at->name, local))
			continue;
		xmlChar *v = xmlNodeGetContent((xmlNode *)at);
		const char *s = arena_strdup(r->a, v ? (const char *)v : "");
		xmlFree(v);
		return s;
	}
	return NULL;
}

/* Target of a relationship resolved against the folder of the part whose rels these are. */
static const char *resolve(reader_t *r, const char *from, const char *target)
{
	if (target[0] == '/')
		return target + 1;
	const char *slash = strrchr(from, '/');
	int dir = slash ? (int)(slash - from) : 0;
	while (!strncmp(target, "./", 2))
		target += 2;
	while (!strncmp(target, "../", 3) && dir > 0) {
		target += 3;
		while (dir > 0 && from[dir - 1] != '/')
			dir--;
		if (dir > 0)
			dir--;
	}
	return dir ? arena_printf(r->a, "%.*s/%s", dir, from, target) : target;
}

/* The target of the first relationship of part `of` whose Id is id, or whose Type ends in type
 * (when id is NULL); NULL when there is none. */
static int find_rel(reader_t *r, const char *of, const char *id, const char *type, const char **out)
{
	*out = NULL;
	const char *slash = strrchr(of, '/');
	const char *rels = slash ? arena_printf(r->a, "%.*s/_rels/%s.rels", (int)(slash - of), of, slash + 1)
	                         : arena_printf(r->a, "_rels/%s.rels", of);
	if (!*of)
		rels = "_rels/.rels";
	xmlDoc *doc;
	int rc = read_tree(r, rels, false, &doc);
	if (rc < 0 || !doc)
		return rc;
	for (xmlNode *n = xmlDocGetRootElement(doc)->children; n && !*out; n = n->next) {
		if (!is(n, "Relationship"))
			continue;
		const char *rid = attr(r, n, "Id"), *rtype = attr(r, n, "Type"),
		           *target = attr(r, n, "Target");
		size_t tl = type ? strlen(type) : 0;
		bool match = id ? rid && !strcmp(rid, id)
		                : rtype && strlen(rtype) >= tl && !strcmp(rtype + strlen(rtype) - tl, type);
		if (match && target && *target)
			*out = resolve(r, of, target);
	}
	xmlFreeDoc(doc);
	return 0;
}

/* --- styles: which cell formats are dates ------------------------------------------------------------ */

/* A number format code that shows a date: a day or year token outside quotes, escapes and [...]. */
static bool date_code(const char *code)
{
	for (const char *p = code; *p; p++) {
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');
			if (!q)
				return false;
			p = q;
		} else if (*p == '[') {
			const char *q = strchr(p + 1, ']');
			if (!q)
				return false;
			p = q;
		} else if (*p == '\\' || *p == '_' || *p == '*') {
			if (!p[1])
				return false;
			p++;
		} else if (strchr("dDyY", *p)) {
			return true;
		}
	}
	return false;
}

static bool builtin_date(long id)
{
	return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

static int read_styles(reader_t *r, const char *part)
{
	xmlDoc *doc;
	int rc = read_tree(r, part, false, &doc);
	if (rc < 0 || !doc)
		return rc;
	xmlNode *root = xmlDocGetRootElement(doc);
	/* Custom formats: id -> date or not, for ids 164 and up (a few hundred at most). */
	enum { MAXFMT = 4096 };
	bool *custom = arena_zalloc(r->a, MAXFMT);
	for (xmlNode *n = child(child(root, "numFmts"), "numFmt"); n; n = n->next) {
		const char *id = attr(r, n, "numFmtId"), *code = attr(r, n, "formatCode");
		long v = id ? strtol(id, NULL, 10) : -1;
		if (is(n, "numFmt") && v >= 0 && v < MAXFMT && code)
			custom[v] = date_code(code);
	}
	xmlNode *xfs = child(root, "cellXfs");
	size_t count = 0;
	for (xmlNode *n = xfs ? xfs->children : NULL; n; n = n->next)
		count += is(n, "xf");
	r->date_style = arena_zalloc(r->a, count ? count : 1);
	for (xmlNode *n = xfs ? xfs->children : NULL; n; n = n->next) {
		if (!is(n, "xf"))
			continue;
		const char *id = attr(r, n, "numFmtId");
		long v = id ? strtol(id, NULL, 10) : 0;
		r->date_style[r->nstyles++] = builtin_date(v) || (v >= 164 && v < MAXFMT && custom[v]);
	}
	xmlFreeDoc(doc);
	return 0;
}

/* --- streamed parts ---------------------------------------------------------------------------------- */

typedef struct stream {
	xmlTextReaderPtr x;
	char *data; /* the part's text, which x reads */
	const char *part;
	int errline; /* the first error's line, and code */
	int errcode;
} stream_t;

static void on_error(void *arg, xmlErrorPtr e)
{
	stream_t *s = arg;
	if (!s->errcode && e) {
		s->errcode = e->code ? e->code : -1;
		s->errline = e->line;
	}
}

/* Read part and start streaming it: 0, 1 when the archive has no such part (an error instead
 * when it is required), or an error. Every 0 is paired with stream_close. */
static int stream_open(reader_t *r, stream_t *s, const char *part, bool required)
{
	memset(s, 0, sizeof *s);
	s->part = part;
	size_t len;
	int rc = read_part(r, part, &s->data, &len);
	if (rc == 1 && required)
		return err_set(r->err, ERR_INVALID, "err.xlsx.part", "%s", part);
	if (rc != 0)
		return rc;
	if (len > INT32_MAX || !(s->x = xmlReaderForMemory(s->data, (int)len, part, NULL, XML_OPTS))) {
		free(s->data);
		return err_set(r->err, ERR_INVALID, "err.xlsx.xml", "%s", part);
	}
	xmlTextReaderSetStructuredErrorHandler(s->x, on_error, s);
	return 0;
}

static void stream_close(stream_t *s)
{
	xmlFreeTextReader(s->x);
	free(s->data);
}

static int stream_fail(reader_t *r, stream_t *s)
{
	xmlError e = { .code = s->errcode, .line = s->errline };
	return xml_error(r, s->part, &e);
}

/* Step to the next node: 1, 0 at the end, or an error. */
static int next(reader_t *r, stream_t *s)
{
	int rc = xmlTextReaderRead(s->x);
	if (rc < 0 || s->errcode)
		return stream_fail(r, s);
	return rc;
}

static bool at(stream_t *s, int type, const char *local)
{
	return xmlTextReaderNodeType(s->x) == type &&
	       !strcmp((const char *)xmlTextReaderConstLocalName(s->x), local);
}

/* The text of the current element (its text nodes, those of <t> only when texts_only, and
 * never those under <rPh>, the phonetic hints), appended to b; the reader ends on its end. */
static int element_text(reader_t *r, stream_t *s, buf_t *b, bool texts_only)
{
	if (xmlTextReaderIsEmptyElement(s->x))
		return 0;
	int depth = xmlTextReaderDepth(s->x), in_t = !texts_only, in_rph = 0, rc;
	while ((rc = next(r, s)) == 1) {
		int type = xmlTextReaderNodeType(s->x);
		if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(s->x) == depth)
			return 0;
		const char *name = (const char *)xmlTextReaderConstLocalName(s->x);
		if (type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(s->x)) {
			in_t += texts_only && !strcmp(name, "t");
			in_rph += !strcmp(name, "rPh");
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			in_t -= texts_only && !strcmp(name, "t");
			in_rph -= !strcmp(name, "rPh");
		} else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		            type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA) &&
		           in_t > 0 && !in_rph) {
			const char *v = (const char *)xmlTextReaderConstValue(s->x);
			if (v)
				buf_puts(b, v);
		}
	}
	return rc < 0 ? rc : stream_fail(r, s);
}

static int read_strings(reader_t *r, const char *part)
{
	stream_t s;
	int rc = stream_open(r, &s, part, false);
	if (rc != 0)
		return rc < 0 ? rc : 0; /* a workbook without text has none */
	size_t cap = 0;
	buf_t b = BUF_INIT;
	while ((rc = next(r, &s)) == 1) {
		if (!at(&s, XML_READER_TYPE_ELEMENT, "si"))
			continue;
		buf_reset(&b);
		if ((rc = element_text(r, &s, &b, true)) < 0)
			break;
		r->strings = arena_grow(r->a, r->strings, r->nstrings, &cap, 256, sizeof *r->strings);
		r->strings[r->nstrings++] = arena_strndup(r->a, b.data ? b.data : "", b.len);
	}
	stream_close(&s);
	buf_release(&b);
	return rc < 0 ? rc : 0;
}

/* --- cells --------------------------------------------------------------------------------------------- */

/* "C12" -> column 2 (0-based) and row 12; -1 when ref is not a cell reference. */
static int parse_ref(const char *ref, long *col, long *row)
{
	long c = 0, rw = 0;
	const char *p = ref;
	while (isalpha((unsigned char)*p) && c <= XLSX_MAX_COLS)
		c = c * 26 + (toupper((unsigned char)*p++) - 'A' + 1);
	if (p == ref || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) && rw <= 10000000)
		rw = rw * 10 + (*p++ - '0');
	if (*p || rw < 1)
		return -1;
	*col = c - 1;
	*row = rw;
	return 0;
}

/* A serial day number as yyyy-mm-dd; NULL when out of range. Excel's 1900 system counts a 29
 * February 1900 that never was (serial 60), so serials from 61 are one day ahead. */
static const char *serial_date(reader_t *r, double v)
{
	if (!(v >= 0 && v < 2958466)) /* 9999-12-31 */
		return NULL;
	int64_t days = (int64_t)floor(v);
	int y, m, d;
	if (r->date1904) {
		clock_civil_from_days(days - 24107, &y, &m, &d); /* 1904-01-01 is day 0 */
	} else {
		if (days == 60)
			return "1900-02-29";
		clock_civil_from_days(days - (days > 60 ? 25569 : 25568), &y, &m, &d); /* 1899-12-30 / -31 is day 0 */
	}
	return arena_printf(r->a, "%04d-%02d-%02d", y, m, d);
}

/* A number as a person would type it back: "25000", "12.5", "9786042123456". */
static const char *number_text(reader_t *r, const char *v)
{
	const char *p = v + (*v == '-');
	size_t digits = strspn(p, "0123456789");
	if (digits && (!p[digits] || (p[digits] == '.' && p[digits + 1] &&
	                              strspn(p + digits + 1, "0123456789") == strlen(p + digits + 1)))) {
		/* Plain already; "25000.0" loses its zero fraction. */
		const char *dot = strchr(v, '.');
		if (dot && strspn(dot + 1, "0") == strlen(dot + 1))
			return arena_strndup(r->a, v, (size_t)(dot - v));
		return v;
	}
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end || !isfinite(d))
		return v;
	if (d == floor(d) && fabs(d) < 1e15)
		return arena_printf(r->a, "%.0f", d);
	return arena_printf(r->a, "%.15g", d);
}

/* The value of a cell of type t (NULL: a number) and style, whose <v> text is v. */
static int cell_value(reader_t *r, const char *t, long style, const char *v, const char **out)
{
	*out = v;
	if (!t || !strcmp(t, "n")) {
		if (!*v)
			return 0;
		if (style >= 0 && (size_t)style < r->nstyles && r->date_style[style]) {
			char *end;
			double d = strtod(v, &end);
			const char *date = end != v && !*end ? serial_date(r, d) : NULL;
			if (date) {
				*out = date;
				return 0;
			}
		}
		*out = number_text(r, v);
	} else if (!strcmp(t, "s")) {
		char *end;
		long i = strtol(v, &end, 10);
		if (end == v || *end || i < 0 || (size_t)i >= r->nstrings)
			return err_set(r->err, ERR_INVALID, "err.xlsx.xml", "shared string '%.20s'", v);
		*out = r->strings[i];
	} else if (!strcmp(t, "b")) {
		*out = !strcmp(v, "1") ? "TRUE" : !strcmp(v, "0") ? "FALSE" : v;
	} else if (!strcmp(t, "d")) {
		*out = strlen(v) >= 10 && v[4] == '-' && v[7] == '-' ? arena_strndup(r->a, v, 10) : v;
	} /* "str" (a formula's text), "inlineStr", "e" (an error such as #N/A): the text itself */
	return 0;
}

/* --- the sheet ----------------------------------------------------------------------------------------- */

typedef struct sheet_state {
	xlsx_sheet_t *out;
	size_t cap_rows;
	size_t cells;     /* kept, gaps included */
	const char **row; /* the current row's cells */
	size_t nrow, cap_row;
} sheet_state_t;

static int put_cell(reader_t *r, sheet_state_t *st, long col, const char *v)
{
	if (col >= XLSX_MAX_COLS)
		return err_set(r->err, ERR_INVALID, "err.xlsx.too_many", "column %ld", col + 1);
	if ((size_t)col < st->nrow) /* a cell given twice: the last wins */
		return (st->row[col] = v), 0;
	if ((size_t)col >= st->cap_row) {
		size_t cap = st->cap_row ? st->cap_row : 16;
		while (cap <= (size_t)col)
			cap *= 2;
		const char **w = arena_alloc(r->a, cap * sizeof *w);
		if (st->nrow)
			memcpy(w, st->row, st->nrow * sizeof *w);
		st->row = w;
		st->cap_row = cap;
	}
	st->cells += (size_t)col + 1 - st->nrow;
	if (st->cells > XLSX_MAX_CELLS)
		return err_set(r->err, ERR_INVALID, "err.xlsx.too_many", "%d cells", XLSX_MAX_CELLS);
	while (st->nrow < (size_t)col)
		st->row[st->nrow++] = "";
	st->row[st->nrow++] = v;
	return 0;
}

static int end_row(reader_t *r, sheet_state_t *st, long line)
{
	if (!st->nrow)
		return 0;
	xlsx_sheet_t *o = st->out;
	if (o->nrows == XLSX_MAX_ROWS)
		return err_set(r->err, ERR_INVALID, "err.xlsx.too_many", "%d rows", XLSX_MAX_ROWS);
	o->rows = arena_grow(r->a, o->rows, o->nrows, &st->cap_rows, 64, sizeof *o->rows);
	o->rows[o->nrows++] = (xlsx_row_t){ .line = line, .n = st->nrow, .cell = st->row };
	st->row = NULL;
	st->nrow = st->cap_row = 0;
	return 0;
}

/* One <c> element, the reader on its start. */
static int read_cell(reader_t *r, stream_t *s, sheet_state_t *st, long rowno, long *col, buf_t *b)
{
	char *ref = (char *)xmlTextReaderGetAttribute(s->x, (const xmlChar *)"r");
	char *t = (char *)xmlTextReaderGetAttribute(s->x, (const xmlChar *)"t");
	char *sty = (char *)xmlTextReaderGetAttribute(s->x, (const xmlChar *)"s");
	long c = *col + 1, rw = rowno, style = sty ? strtol(sty, NULL, 10) : -1;
	int rc = 0;
	if (ref && (parse_ref(ref, &c, &rw) < 0 || rw != rowno)) {
		rc = err_set(r->err, ERR_INVALID, "err.xlsx.xml", "%s: cell '%.20s' in row %ld", s->part, ref,
		             rowno);
		goto done;
	}
	*col = c;
	buf_reset(b);
	bool inline_str = t && !strcmp(t, "inlineStr"), have = false;
	if (!xmlTextReaderIsEmptyElement(s->x)) {
		int depth = xmlTextReaderDepth(s->x);
		while ((rc = next(r, s)) == 1) {
			if (xmlTextReaderNodeType(s->x) == XML_READER_TYPE_END_ELEMENT &&
			    xmlTextReaderDepth(s->x) == depth)
				break;
			/* <v>: the value, a formula's cached result too (its <f> is passed over). */
			if (at(s, XML_READER_TYPE_ELEMENT, "v") ||
			    (inline_str && at(s, XML_READER_TYPE_ELEMENT, "is"))) {
				have = true;
				if ((rc = element_text(r, s, b, inline_str)) < 0)
					goto done;
			}
		}
		if (rc < 0)
			goto done;
		if (rc == 0) {
			rc = stream_fail(r, s);
			goto done;
		}
	}
	rc = 0;
	if (!have)
		goto done; /* a cell with only a style: empty */
	const char *v = arena_strndup(r->a, b->data ? b->data : "", b->len), *val;
	if (!text_valid_utf8(v, strlen(v)) || strlen(v) != b->len) {
		rc = err_set(r->err, ERR_INVALID, "err.xlsx.utf8", "%s, cell %s", s->part, ref ? ref : "?");
		goto done;
	}
	if ((rc = cell_value(r, t, style, v, &val)) < 0)
		goto done;
	if (*val)
		rc = put_cell(r, st, c, val);
done:
	xmlFree(ref);
	xmlFree(t);
	xmlFree(sty);
	return rc;
}

/* A merged range (<mergeCell ref="A2:A5"/>), 0-based columns, 1-based rows. */
typedef struct merge {
	long c1, r1, c2, r2;
} merge_t;

#define XLSX_MAX_MERGES 20000

/* The row of the sheet numbered line, or NULL (rows are in order: a binary search). */
static xlsx_row_t *row_at(xlsx_sheet_t *o, long line, size_t *pos)
{
	size_t lo = 0, hi = o->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (o->rows[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < o->nrows && o->rows[lo].line == line ? &o->rows[lo] : NULL;
}

/* Give each merged range's top-left value to every cell of the range, in the rows that have a
 * cell (a row wholly empty stays out, as it would unmerged). */
static int apply_merges(reader_t *r, sheet_state_t *st, const merge_t *m, size_t nm)
{
	xlsx_sheet_t *o = st->out;
	for (size_t i = 0; i < nm; i++) {
		size_t pos;
		xlsx_row_t *top = row_at(o, m[i].r1, &pos);
		const char *v = top && (size_t)m[i].c1 < top->n ? top->cell[m[i].c1] : "";
		if (!*v)
			continue;
		row_at(o, m[i].r1, &pos);
		for (; pos < o->nrows && o->rows[pos].line <= m[i].r2; pos++) {
			xlsx_row_t *row = &o->rows[pos];
			if ((size_t)m[i].c2 >= row->n) {
				size_t n = (size_t)m[i].c2 + 1;
				st->cells += n - row->n;
				if (st->cells > XLSX_MAX_CELLS)
					return err_set(r->err, ERR_INVALID, "err.xlsx.too_many", "%d cells", XLSX_MAX_CELLS);
				const char **w = arena_alloc(r->a, n * sizeof *w);
				memcpy(w, row->cell, row->n * sizeof *w);
				for (size_t k = row->n; k < n; k++)
					w[k] = "";
				row->cell = w;
				row->n = n;
			}
			for (long c = m[i].c1; c <= m[i].c2; c++)
				if (!*row->cell[c])
					row->cell[c] = v;
		}
	}
	return 0;
}

static int read_sheet(reader_t *r, const char *part, xlsx_sheet_t *out)
{
	stream_t s;
	int rc = stream_open(r, &s, part, true);
	if (rc < 0)
		return rc;
	sheet_state_t st = { .out = out };
	buf_t b = BUF_INIT;
	long rowno = 0, col = -1;
	bool in_data = false;
	merge_t *merges = NULL;
	size_t nmerges = 0, cap_merges = 0;
	while ((rc = next(r, &s)) == 1) {
		if (!in_data && at(&s, XML_READER_TYPE_ELEMENT, "mergeCell")) {
			char *ref = (char *)xmlTextReaderGetAttribute(s.x, (const xmlChar *)"ref");
			char *colon = ref ? strchr(ref, ':') : NULL;
			merge_t m;
			if (colon) {
				*colon = 0;
				if (parse_ref(ref, &m.c1, &m.r1) == 0 && parse_ref(colon + 1, &m.c2, &m.r2) == 0 &&
				    m.c1 <= m.c2 && m.r1 <= m.r2 && m.c2 < XLSX_MAX_COLS && nmerges < XLSX_MAX_MERGES) {
					merges = arena_grow(r->a, merges, nmerges, &cap_merges, 16, sizeof *merges);
					merges[nmerges++] = m;
				}
			}
			xmlFree(ref);
		} else if (at(&s, XML_READER_TYPE_ELEMENT, "sheetData")) {
			in_data = !xmlTextReaderIsEmptyElement(s.x);
		} else if (in_data && at(&s, XML_READER_TYPE_END_ELEMENT, "sheetData")) {
			in_data = false;
		} else if (in_data && at(&s, XML_READER_TYPE_ELEMENT, "row")) {
			char *rn = (char *)xmlTextReaderGetAttribute(s.x, (const xmlChar *)"r");
			long n = rn ? strtol(rn, NULL, 10) : rowno + 1;
			xmlFree(rn);
			if (n <= rowno || n > 1048576) {
				rc = err_set(r->err, ERR_INVALID, "err.xlsx.xml", "%s: row %ld after row %ld",
				             part, n, rowno);
				break;
			}
			rowno = n;
			col = -1;
			if (xmlTextReaderIsEmptyElement(s.x) && (rc = end_row(r, &st, rowno)) < 0)
				break;
		} else if (in_data && at(&s, XML_READER_TYPE_END_ELEMENT, "row")) {
			if ((rc = end_row(r, &st, rowno)) < 0)
				break;
		} else if (in_data && rowno && at(&s, XML_READER_TYPE_ELEMENT, "c")) {
			if ((rc = read_cell(r, &s, &st, rowno, &col, &b)) < 0)
				break;
		}
	}
	stream_close(&s);
	buf_release(&b);
	if (rc >= 0 && nmerges)
		rc = apply_merges(r, &st, merges, nmerges);
	return rc < 0 ? rc : 0;
}

/* --- the workbook -------------------------------------------------------------------------------------- */

int xlsx_read(const void *data, size_t len, arena_t *a, xlsx_sheet_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!xlsx_is_zip(data, len))
		return err_set(err, ERR_INVALID, "err.xlsx.zip", "no zip signature");
	reader_t r = { .a = a, .err = err };
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	int rc = 0;
	if (!src || !(r.zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		rc = err_set(err, ERR_INVALID, "err.xlsx.zip", "%s", zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	if (zip_get_num_entries(r.zip, 0) > XLSX_MAX_ENTRIES) {
		rc = err_set(err, ERR_TOOBIG, "err.xlsx.too_big", "%lld entries",
		             (long long)zip_get_num_entries(r.zip, 0));
		goto done;
	}
	/* The workbook: the package's office document, or where every writer puts it. */
	const char *book = NULL, *sheet = NULL, *strings = NULL, *styles = NULL;
	if ((rc = find_rel(&r, "", NULL, "/officeDocument", &book)) < 0)
		goto done;
	if (!book)
		book = "xl/workbook.xml";
	xmlDoc *doc;
	if ((rc = read_tree(&r, book, true, &doc)) < 0)
		goto done;
	xmlNode *root = xmlDocGetRootElement(doc), *first = child(child(root, "sheets"), "sheet");
	const char *d1904 = attr(&r, child(root, "workbookPr"), "date1904");
	r.date1904 = d1904 && (!strcmp(d1904, "1") || !strcmp(d1904, "true"));
	const char *rid = first ? attr(&r, first, "id") : NULL;
	out->name = first ? attr(&r, first, "name") : NULL;
	xmlFreeDoc(doc);
	if (!rid) {
		rc = err_set(err, ERR_INVALID, "err.xlsx.part", "%s: no sheet", book);
		goto done;
	}
	if ((rc = find_rel(&r, book, rid, NULL, &sheet)) < 0 ||
	    (rc = find_rel(&r, book, NULL, "/sharedStrings", &strings)) < 0 ||
	    (rc = find_rel(&r, book, NULL, "/styles", &styles)) < 0)
		goto done;
	if (!sheet) {
		rc = err_set(err, ERR_INVALID, "err.xlsx.part", "%s: relationship %s", book, rid);
		goto done;
	}
	if ((strings && (rc = read_strings(&r, strings)) < 0) ||
	    (styles && (rc = read_styles(&r, styles)) < 0) || (rc = read_sheet(&r, sheet, out)) < 0)
		goto done;
done:
	zip_discard(r.zip);
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}
