/* marc_read.c: reading a file of MARC21 records into a batch (marc.h): record by record, ISO 2709
 * or MARCXML, converted to UTF-8 NFC, checked, mapped to the short fields of biblio_t, and kept
 * whole as MARCXML.
 *
 * ISO 2709 is split and its leader and directory checked here, byte by byte, rather than by YAZ's
 * reader, which repairs what it can silently: a librarian must hear which record of the file was
 * broken, where, and why, and a broken record must never be half-read. Each record is parsed into
 * a small field list (mrec_t); values are converted one subfield at a time (YAZ's MARC-8 decoder
 * when leader/09 is blank), validated and NFC-normalised. MARCXML is parsed by libxml2 and read by
 * yaz_marc_read_xml(); the record is then written as ISO 2709 by YAZ and goes through the same
 * checks, so both formats end in the same model. The stored MARCXML is written by YAZ from the
 * model, with leader/09 = 'a' and the lengths in the leader zeroed (ISO 2709 export recomputes
 * them). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaz/marcdisp.h>
#include <yaz/wrbuf.h>
#include <yaz/yaz-iconv.h>

#include "base/buf.h"
#include "base/text.h"
#include "catalog/booklist.h"
#include "marc/marc.h"
#include "marc/marc_edit.h"

#define REC_END   0x1D
#define FIELD_END 0x1E
#define SUB_START 0x1F

typedef struct msub {
	char code;
	const char *v;
} msub_t;

typedef struct mfield {
	char tag[4];
	char ind[3];
	const char *data; /* control fields (00X) */
	msub_t *subs;
	size_t nsubs;
} mfield_t;

typedef struct mrec {
	char leader[25];
	mfield_t *f;
	size_t n;
} mrec_t;

typedef struct reader {
	arena_t *a;
	marc_batch_t *b;
	yaz_iconv_t marc8; /* MARC-8 -> UTF-8, opened on first need */
	WRBUF w;
	yaz_marc_t mt;
	const char *key; /* the current record's failure */
	char detail[200];
} reader_t;

static int fail(reader_t *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader_t *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	r->key = key;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	return -1;
}

static void add_problem(reader_t *r, int64_t recno, int64_t offset, int64_t line)
{
	marc_batch_t *b = r->b;
	b->problems = arena_grow(r->a, b->problems, b->nproblems, &b->cap_problems, 16, sizeof *b->problems);
	b->problems[b->nproblems++] = (marc_problem_t){ .recno = recno,
		                                        .offset = offset,
		                                        .line = line,
		                                        .key = r->key ? r->key : "err.marc.record",
		                                        .detail = arena_strdup(r->a, r->detail) };
	r->key = NULL;
	r->detail[0] = 0;
}

static marc_record_t *add_record(reader_t *r)
{
	marc_batch_t *b = r->b;
	b->recs = arena_grow(r->a, b->recs, b->nrecs, &b->cap_recs, 64, sizeof *b->recs);
	marc_record_t *m = &b->recs[b->nrecs];
	memset(m, 0, sizeof *m);
	return m;
}

/* The n digits at s as a number, or -1 when one is not a digit. */
static long digits(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* One value in UTF-8 NFC, control characters made spaces; NULL when it is not valid UTF-8. */
static const char *convert(reader_t *r, const char *s, size_t n, int utf8)
{
	if (!utf8) {
		if (!r->marc8 && !(r->marc8 = yaz_iconv_open("UTF-8", "MARC8")))
			return NULL;
		wrbuf_rewind(r->w);
		wrbuf_iconv_write(r->w, r->marc8, s, n);
		wrbuf_iconv_reset(r->w, r->marc8);
		s = wrbuf_buf(r->w);
		n = wrbuf_len(r->w);
	}
	if (!text_valid_utf8(s, n))
		return NULL;
	char *t = arena_alloc(r->a, n + 1);
	int plain = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		t[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		plain &= c < 0x80;
	}
	t[n] = 0;
	return plain ? t : text_nfc(r->a, t);
}

/* Parse and check one ISO 2709 record p[0..len), whose length digits are already known to say
 * len and whose last byte is the record terminator. utf8: the data is UTF-8 whatever leader/09
 * says (records that came from MARCXML). */
static int parse_iso(reader_t *r, const char *p, size_t len, int utf8, mrec_t *m)
{
	if (len < 26)
		return fail(r, "err.marc.leader", "record of %zu bytes", len);
	long base = digits(p + 12, 5);
	if (base < 25 || (size_t)base > len - 1)
		return fail(r, "err.marc.leader", "base address '%.5s'", p + 12);
	if (!utf8 && p[9] != 'a' && p[9] != ' ')
		return fail(r, "err.marc.charset", "leader/09 is '%c'",
		            isprint((unsigned char)p[9]) ? p[9] : '?');
	utf8 = utf8 || p[9] == 'a';
	int ind_len = isdigit((unsigned char)p[10]) ? p[10] - '0' : 2;
	int llen = p[20] > '0' && p[20] <= '9' ? p[20] - '0' : 4;
	int lstart = p[21] > '0' && p[21] <= '9' ? p[21] - '0' : 5;
	int limpl = isdigit((unsigned char)p[22]) ? p[22] - '0' : 0;
	int entry = 3 + llen + lstart + limpl;
	if (p[base - 1] != FIELD_END || (base - 25) % entry != 0)
		return fail(r, "err.marc.directory", "the directory does not end at the base address %ld",
		            base);
	size_t n = (size_t)(base - 25) / (size_t)entry;
	memcpy(m->leader, p, 24);
	m->leader[24] = 0;
	m->f = arena_zalloc(r->a, (n ? n : 1) * sizeof *m->f);
	m->n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = p + 24 + i * (size_t)entry;
		mfield_t *f = &m->f[m->n];
		for (int k = 0; k < 3; k++) {
			if (!isalnum((unsigned char)e[k]))
				return fail(r, "err.marc.directory", "entry %zu: bad tag", i + 1);
			f->tag[k] = e[k];
		}
		long flen = digits(e + 3, llen), fstart = digits(e + 3 + llen, lstart);
		if (flen < 1 || fstart < 0 || (size_t)(base + fstart + flen) > len - 1)
			return fail(r, "err.marc.directory",
			            "entry %zu (%s): length or start out of the record", i + 1, f->tag);
		const char *d = p + base + fstart;
		size_t dlen = (size_t)flen - 1;
		if (d[dlen] != FIELD_END)
			return fail(r, "err.marc.field", "%s: no field terminator", f->tag);
		if (f->tag[0] == '0' && f->tag[1] == '0') {
			if (!(f->data = convert(r, d, dlen, utf8)))
				return fail(r, "err.marc.utf8", "field %s", f->tag);
			m->n++;
			continue;
		}
		if (dlen < (size_t)ind_len)
			return fail(r, "err.marc.field", "%s: shorter than its indicators", f->tag);
		f->ind[0] = ind_len > 0 && isprint((unsigned char)d[0]) ? d[0] : ' ';
		f->ind[1] = ind_len > 1 && isprint((unsigned char)d[1]) ? d[1] : ' ';
		size_t pos = (size_t)ind_len;
		if (pos < dlen && d[pos] != SUB_START)
			return fail(r, "err.marc.field", "%s: data before the first subfield", f->tag);
		size_t nsub = 0;
		for (size_t k = pos; k < dlen; k++)
			nsub += d[k] == SUB_START;
		f->subs = arena_zalloc(r->a, (nsub ? nsub : 1) * sizeof *f->subs);
		while (pos < dlen) {
			size_t start = pos + 1, end = start;
			while (end < dlen && d[end] != SUB_START)
				end++;
			pos = end;
			if (end == start) /* an empty subfield: nothing to keep */
				continue;
			unsigned char code = (unsigned char)d[start];
			if (!isalnum(code))
				return fail(r, "err.marc.field", "%s: bad subfield code", f->tag);
			msub_t *s = &f->subs[f->nsubs];
			s->code = (char)code;
			if (!(s->v = convert(r, d + start + 1, end - start - 1, utf8)))
				return fail(r, "err.marc.utf8", "field %s $%c", f->tag, code);
			f->nsubs++;
		}
		m->n++;
	}
	return 0;
}

/* --- mapping to the short fields ---------------------------------------------------------------- */

static const mfield_t *field(const mrec_t *m, const char *tag)
{
	for (size_t i = 0; i < m->n; i++)
		if (!memcmp(m->f[i].tag, tag, 3))
			return &m->f[i];
	return NULL;
}

static const char *sub(const mfield_t *f, char code)
{
	for (size_t i = 0; f && i < f->nsubs; i++)
		if (f->subs[i].code == code)
			return f->subs[i].v;
	return NULL;
}

/* A copy of s without the ISBD punctuation that closes it (" /", " :", " ;", " =", ",", ".") and
 * without surrounding spaces. NULL gives "". */
char *marc_tidy(arena_t *a, const char *s)
{
	char *t = text_trim(arena_strdup(a, s ? s : ""));
	size_t n = strlen(t);
	for (;;) {
		while (n && t[n - 1] == ' ')
			n--;
		if (n && strchr("/:;=,.", t[n - 1]))
			n--;
		else
			break;
	}
	t[n] = 0;
	return t;
}

/* At most max code points of s (in place). */
static const char *clip(char *s, size_t max)
{
	size_t cps = 0;
	for (char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 && ++cps > max) {
			*p = 0;
			text_trim(s);
			break;
		}
	}
	return s;
}

/* Append the tidied subfield code of every field with one of tags, joined by sep, deduplicated. */
static char *collect(arena_t *a, const mrec_t *m, const char *const *tags, char code, const char *sep)
{
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < m->n; i++) {
		int want = 0;
		for (size_t t = 0; tags[t]; t++)
			want |= !memcmp(m->f[i].tag, tags[t], 3);
		if (!want)
			continue;
		const char *v = sub(&m->f[i], code);
		char *t = v ? marc_tidy(a, v) : NULL;
		if (!t || !*t)
			continue;
		if (b.len && strstr(buf_str(&b), t)) /* the same subject twice */
			continue;
		if (b.len)
			buf_puts(&b, sep);
		buf_puts(&b, t);
	}
	char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

/* The first number of exactly four digits in s ("c1999." -> 1999), 0 when none. */
static int first_year(const char *s)
{
	for (size_t i = 0; s && s[i]; i++) {
		if ((i == 0 || !isdigit((unsigned char)s[i - 1])) && digits(s + i, 4) >= 0 &&
		    !isdigit((unsigned char)s[i + 4]))
			return (int)digits(s + i, 4);
	}
	return 0;
}

static void add_notice(reader_t *r, int64_t recno, const char *key, const char *detail)
{
	marc_batch_t *b = r->b;
	b->notices = arena_grow(r->a, b->notices, b->nnotices, &b->nread_notices_cap, 16, sizeof *b->notices);
	b->notices[b->nnotices++] =
	    (catalog_import_notice_t){ .pos = recno, .key = key, .detail = arena_strdup(r->a, detail) };
	b->nread_notices = b->nnotices;
}

/* One copy per holdings field (852, or Koha's 952): its barcode from $p, its price from 952 $g
 * (the purchase price), else $v (the replacement price), whole đồng as a book list writes them. A
 * price that is not one is left out (the record's price is used) with a notice. */
static void map_holdings(reader_t *r, const mrec_t *m, marc_record_t *out)
{
	for (size_t i = 0; i < m->n; i++)
		out->holdings += !memcmp(m->f[i].tag, "852", 3) || !memcmp(m->f[i].tag, "952", 3);
	if (!out->holdings)
		return;
	out->copy = arena_alloc(r->a, (size_t)out->holdings * sizeof *out->copy);
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		const mfield_t *f = &m->f[i];
		int koha = !memcmp(f->tag, "952", 3);
		if (!koha && memcmp(f->tag, "852", 3))
			continue;
		catalog_import_copy_t *c = &out->copy[k++];
		const char *bc = sub(f, 'p');
		c->barcode = bc ? text_trim(arena_strdup(r->a, bc)) : NULL;
		c->price = -1;
		const char *price = koha ? sub(f, 'g') : NULL;
		if (koha && (!price || !*price))
			price = sub(f, 'v');
		err_t e;
		int64_t v = 0;
		if (price && *price) {
			if (booklist_parse_price(price, &v, &e) == 0 && v <= INT64_C(100000000000))
				c->price = v;
			else
				add_notice(r, out->recno, "err.import.price", price);
		}
	}
}

static int map_record(reader_t *r, const mrec_t *m, marc_record_t *out)
{
	arena_t *a = r->a;
	biblio_t *b = &out->bib;
	const mfield_t *f245 = field(m, "245");
	char *title = marc_tidy(a, sub(f245, 'a'));
	if (!*title)
		return fail(r, "err.marc.no_title", "%s", f245 ? "245 $a is empty" : "no field 245");
	b->title = clip(title, 500);
	b->subtitle = clip(marc_tidy(a, sub(f245, 'b')), 500);
	static const char *const names[] = { "100", "110", "700", NULL };
	b->authors = clip(collect(a, m, names, 'a', "; "), 500);

	const mfield_t *pub = field(m, "260");
	for (size_t i = 0; !pub && i < m->n; i++) /* 264 with second indicator 1: publication */
		if (!memcmp(m->f[i].tag, "264", 3) && m->f[i].ind[1] == '1')
			pub = &m->f[i];
	if (!pub)
		pub = field(m, "264");
	b->place = clip(marc_tidy(a, sub(pub, 'a')), 100);
	b->publisher = clip(marc_tidy(a, sub(pub, 'b')), 200);
	b->year = first_year(sub(pub, 'c'));
	if (b->year < 1400 || b->year > 2200)
		b->year = 0;

	b->isbn = "";
	for (size_t i = 0; i < m->n && !*b->isbn; i++) {
		const char *v = memcmp(m->f[i].tag, "020", 3) ? NULL : sub(&m->f[i], 'a');
		char tok[32], isbn[14];
		size_t k = 0;
		err_t e;
		while (v && *v == ' ')
			v++;
		while (v && k + 1 < sizeof tok && (isalnum((unsigned char)*v) || *v == '-'))
			tok[k++] = *v++;
		tok[k] = 0;
		if (k && isbn_normalize(tok, isbn, &e) == 0) /* an invalid ISBN is dropped, not fatal */
			b->isbn = arena_strdup(a, isbn);
	}
	b->edition = clip(marc_tidy(a, sub(field(m, "250"), 'a')), 100);
	const mfield_t *f300 = field(m, "300");
	b->pages = clip(marc_tidy(a, sub(f300, 'a')), 50);
	b->size = clip(marc_tidy(a, sub(f300, 'c')), 50);
	static const char *const series[] = { "490", "440", NULL };
	b->series = clip(collect(a, m, series, 'a', "; "), 300);
	static const char *const subjects[] = { "650", "651", NULL };
	b->subjects = clip(collect(a, m, subjects, 'a', "; "), 1000);
	static const char *const summary[] = { "520", NULL };
	b->summary = clip(collect(a, m, summary, 'a', " "), 5000);
	b->class_number = clip(marc_tidy(a, sub(field(m, "082"), 'a')), 50);

	const mfield_t *cn = field(m, "090");
	const char *call = NULL;
	if (cn && sub(cn, 'a'))
		call = sub(cn, 'b') ? arena_printf(a, "%s %s", sub(cn, 'a'), sub(cn, 'b')) : sub(cn, 'a');
	if (!call && (cn = field(m, "852")) && sub(cn, 'h'))
		call = sub(cn, 'i') ? arena_printf(a, "%s %s", sub(cn, 'h'), sub(cn, 'i')) : sub(cn, 'h');
	if (!call && (cn = field(m, "092")) && sub(cn, 'a'))
		call = sub(cn, 'b') ? arena_printf(a, "%s %s", sub(cn, 'a'), sub(cn, 'b')) : sub(cn, 'a');
	b->call_number = clip(text_trim(arena_strdup(a, call ? call : "")), 50);

	const mfield_t *f008 = field(m, "008");
	b->language = "und";
	if (f008 && strlen(f008->data) >= 38 && islower((unsigned char)f008->data[35]) &&
	    islower((unsigned char)f008->data[36]) && islower((unsigned char)f008->data[37]))
		b->language = arena_strndup(a, f008->data + 35, 3);

	map_holdings(r, m, out);
	return 0;
}

/* Text as YAZ's MARCXML writer escapes it (wrbuf_xmlputs): the five XML specials as entities,
 * the C0 controls XML 1.0 forbids left out. */
static void put_xml(buf_t *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = c == '<'    ? "&lt;"
		                : c == '>'  ? "&gt;"
		                : c == '&'  ? "&amp;"
		                : c == '"'  ? "&quot;"
		                : c == '\'' ? "&apos;"
		                            : NULL;
		if (e)
			buf_puts(b, e);
		else if (c >= 32 || c == 9 || c == 10 || c == 13)
			buf_putc(b, (char)c);
	}
}

/* The record as MARCXML, byte for byte what yaz_marc_write_mode(YAZ_MARC_MARCXML) writes for it
 * (test_marc checks every record of the shared files), written directly: YAZ's writer formats
 * every element through printf and cost a fifth of an import. Leader/09 is 'a' (the text is
 * UTF-8 now) and the lengths in the leader are zeroed (ISO 2709 export recomputes them). */
static const char *to_marcxml(reader_t *r, mrec_t *m)
{
	char leader[25];
	memcpy(leader, m->leader, 25);
	for (int i = 0; i < 24; i++)
		if (i < 5 || (i >= 12 && i < 17))
			leader[i] = '0';
		else if (!isprint((unsigned char)leader[i]))
			leader[i] = ' ';
	leader[9] = 'a';
	leader[10] = '2';
	leader[11] = '2';
	memcpy(leader + 20, "4500", 4);
	buf_t b = BUF_INIT;
	buf_puts(&b, "<record xmlns=\"http://www.loc.gov/MARC21/slim\">\n  <leader>");
	put_xml(&b, leader);
	buf_puts(&b, "</leader>\n");
	for (size_t i = 0; i < m->n; i++) {
		const mfield_t *f = &m->f[i];
		char tag[4] = { f->tag[0], f->tag[1], f->tag[2], 0 };
		if (f->data) {
			buf_puts(&b, "  <controlfield tag=\"");
			put_xml(&b, tag);
			buf_puts(&b, "\">");
			put_xml(&b, f->data);
			buf_puts(&b, "</controlfield>\n");
			continue;
		}
		char i1[2] = { f->ind[0], 0 }, i2[2] = { f->ind[1], 0 };
		buf_puts(&b, "  <datafield tag=\"");
		put_xml(&b, tag);
		buf_puts(&b, "\" ind1=\"");
		put_xml(&b, i1);
		buf_puts(&b, "\" ind2=\"");
		put_xml(&b, i2);
		buf_puts(&b, "\">\n");
		for (size_t k = 0; k < f->nsubs; k++) {
			char code[2] = { f->subs[k].code, 0 };
			buf_puts(&b, "    <subfield code=\"");
			put_xml(&b, code);
			buf_puts(&b, "\">");
			put_xml(&b, f->subs[k].v);
			buf_puts(&b, "</subfield>\n");
		}
		buf_puts(&b, "  </datafield>\n");
	}
	buf_puts(&b, "</record>\n");
	const char *out = arena_strndup(r->a, b.data, b.len);
	buf_release(&b);
	return out;
}

/* Check, map and keep one record (ISO 2709 bytes), or record it as a problem. */
static void take(reader_t *r, const char *p, size_t len, int utf8, int64_t recno, int64_t offset,
                 int64_t line)
{
	mrec_t m;
	marc_record_t *out = add_record(r);
	size_t notices = r->b->nnotices;
	out->recno = recno;
	if (parse_iso(r, p, len, utf8, &m) < 0 || map_record(r, &m, out) < 0) {
		r->b->nnotices = r->b->nread_notices = notices; /* a rejected record has no notices */
		add_problem(r, recno, offset, line);
		return;
	}
	if (!(out->marcxml = to_marcxml(r, &m))) {
		fail(r, "err.marc.record", "cannot be written as MARCXML");
		r->b->nnotices = r->b->nread_notices = notices;
		add_problem(r, recno, offset, line);
		return;
	}
	out->recno = recno;
	out->offset = offset;
	out->line = line;
	r->b->nrecs++;
}

static void read_iso(reader_t *r, const char *p, size_t len)
{
	size_t pos = 0;
	int64_t recno = 0;
	while (pos < len) {
		while (pos < len && (isspace((unsigned char)p[pos]) || p[pos] == 0 || p[pos] == 0x1A))
			pos++; /* line breaks or padding between records */
		if (pos >= len)
			break;
		recno++;
		r->b->nread++;
		const char *end = memchr(p + pos, REC_END, len - pos);
		long rl = len - pos >= 5 ? digits(p + pos, 5) : -1;
		if (rl >= 0 && pos + (size_t)rl <= len && rl >= 26 && p[pos + (size_t)rl - 1] == REC_END) {
			take(r, p + pos, (size_t)rl, 0, recno, (int64_t)pos, 0);
			pos += (size_t)rl;
			continue;
		}
		if (!end) {
			fail(r, "err.marc.truncated", "%zu bytes left, the record says %ld", len - pos, rl);
			add_problem(r, recno, (int64_t)pos, 0);
			break;
		}
		if (rl < 0)
			fail(r, "err.marc.leader", "the record length '%.5s' is not a number", p + pos);
		else
			fail(r, "err.marc.length", "the record says %ld bytes, its terminator is at %zu", rl,
			     (size_t)(end - (p + pos)) + 1);
		add_problem(r, recno, (int64_t)pos, 0);
		pos = (size_t)(end - p) + 1; /* go on with the next record */
	}
}

static int is_element(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static void read_xml(reader_t *r, const char *p, size_t len)
{
	xmlDoc *doc =
	    xmlReadMemory(p, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		fail(r, "err.marc.xml", "%s", e && e->message ? e->message : "not well-formed");
		r->detail[strcspn(r->detail, "\n")] = 0;
		add_problem(r, 0, -1, e ? e->line : 0);
		return;
	}
	xmlNode *root = xmlDocGetRootElement(doc), *n = NULL;
	if (is_element(root, "record"))
		n = root;
	else if (is_element(root, "collection"))
		n = root->children;
	else {
		fail(r, "err.marc.xml", "the document is neither a MARCXML collection nor a record");
		add_problem(r, 0, -1, root ? xmlGetLineNo(root) : 0);
	}
	int64_t recno = 0;
	for (; n; n = n == root ? NULL : n->next) {
		if (!is_element(n, "record"))
			continue;
		recno++;
		r->b->nread++;
		long line = xmlGetLineNo(n);
		yaz_marc_reset(r->mt);
		wrbuf_rewind(r->w);
		yaz_marc_xml(r->mt, YAZ_MARC_ISO2709);
		if (yaz_marc_read_xml(r->mt, n) < 0 || yaz_marc_write_mode(r->mt, r->w) < 0 ||
		    wrbuf_len(r->w) < 26) {
			fail(r, "err.marc.xml_record", "not a valid MARCXML record");
			add_problem(r, recno, -1, line);
			continue;
		}
		size_t l = wrbuf_len(r->w);
		char *iso = arena_strndup(r->a, wrbuf_buf(r->w), l);
		take(r, iso, l, 1, recno, -1, line);
	}
	xmlFreeDoc(doc);
}

int marc_read_buf(const char *data, size_t len, arena_t *a, marc_batch_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	size_t s = 0;
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		s = 3;
	while (s < len && isspace((unsigned char)data[s]))
		s++;
	if (s >= len)
		return err_set(err, ERR_INVALID, "err.marc.empty", NULL);
	out->arena = a;
	reader_t r = { .a = a, .b = out, .w = wrbuf_alloc(), .mt = yaz_marc_create() };
	if (data[s] == '<') {
		out->format = "marcxml";
		read_xml(&r, data, len);
	} else {
		out->format = "iso2709";
		read_iso(&r, data, len);
	}
	if (r.marc8)
		yaz_iconv_close(r.marc8);
	yaz_marc_destroy(r.mt);
	wrbuf_destroy(r.w);
	return 0;
}

int marc_read_file(const char *path, arena_t *a, marc_batch_t *out, err_t *err)
{
	int rc = 0;
	char *data = NULL;
	FILE *f = fopen(path, "rb");
	long size = -1;
	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		rc = err_set(err, ERR_NOTFOUND, "err.marc.file", "%s", path);
		goto done;
	}
	if (size > 1024L * 1024 * 1024) {
		rc = err_set(err, ERR_TOOBIG, "err.marc.file", "%s", path);
		goto done;
	}
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		rc = err_set(err, ERR_NOTFOUND, "err.marc.file", "%s", path);
		goto done;
	}
	rc = marc_read_buf(data, (size_t)size, a, out, err);
done:
	free(data);
	if (f)
		fclose(f);
	return rc;
}

marc_format_t marc_format_parse(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "iso2709") || !strcmp(s, "marc") || !strcmp(s, "mrc"))
		return MARC_ISO2709;
	if (!strcmp(s, "marcxml") || !strcmp(s, "xml"))
		return MARC_MARCXML;
	return 0;
}
