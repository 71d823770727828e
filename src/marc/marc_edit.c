/* marc_edit.c: the editable MARC21 record (marc_edit.h): reading it from MARCXML, building it
 * from the short fields, checking a record typed in the full form, writing it with YAZ, mapping
 * it back through the import's reader, and patching changed short fields into it.
 *
 * The short fields a record maps to are decided in one place, marc_read.c's map_record(), which
 * marc_rec_map() reaches through marc_read_buf(): an edited record and an imported one can never
 * be mapped by two rules. marc_rec_patch() is its inverse for the fields the short form edits. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaz/wrbuf.h>

#include "base/buf.h"
#include "base/text.h"
#include "marc/marc.h"
#include "marc/marc_edit.h"

#define DEFAULT_LEADER "00000nam a2200000 a 4500"

bool marc_tag_is_control(const char *tag)
{
	return tag && tag[0] == '0' && tag[1] == '0' && isdigit((unsigned char)tag[2]) && !tag[3];
}

marc_field_t *marc_rec_field(const marc_rec_t *r, const char *tag)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].tag && !strcmp(r->fields[i].tag, tag))
			return &r->fields[i];
	return NULL;
}

const char *marc_field_sub(const marc_field_t *f, char code)
{
	for (size_t i = 0; f && i < f->nsubs; i++)
		if (f->subs[i].code && f->subs[i].code[0] == code && !f->subs[i].code[1])
			return f->subs[i].value;
	return NULL;
}

/* --- editing the list --------------------------------------------------------------------------- */

void marc_rec_insert(arena_t *a, marc_rec_t *r, size_t pos, const char *tag)
{
	marc_field_t *v = arena_zalloc(a, (r->nfields + 1) * sizeof *v);
	if (pos > r->nfields)
		pos = r->nfields;
	if (pos)
		memcpy(v, r->fields, pos * sizeof *v);
	if (r->nfields > pos)
		memcpy(v + pos + 1, r->fields + pos, (r->nfields - pos) * sizeof *v);
	marc_field_t *f = &v[pos];
	f->tag = arena_strdup(a, tag ? tag : "");
	f->ind1 = f->ind2 = " ";
	if (marc_tag_is_control(f->tag))
		f->data = "";
	r->fields = v;
	r->nfields++;
}

size_t marc_rec_position(const marc_rec_t *r, const char *tag)
{
	size_t pos = r->nfields;
	if (!tag || !*tag)
		return pos;
	for (size_t i = r->nfields; i > 0; i--)
		if (r->fields[i - 1].tag && strcmp(r->fields[i - 1].tag, tag) <= 0)
			return i;
	return r->nfields ? 0 : pos;
}

void marc_rec_remove(marc_rec_t *r, size_t field)
{
	if (field >= r->nfields)
		return;
	memmove(r->fields + field, r->fields + field + 1, (r->nfields - field - 1) * sizeof *r->fields);
	r->nfields--;
}

void marc_field_add_sub(arena_t *a, marc_field_t *f, const char *code, const char *value)
{
	marc_sub_t *v = arena_zalloc(a, (f->nsubs + 1) * sizeof *v);
	if (f->nsubs)
		memcpy(v, f->subs, f->nsubs * sizeof *v);
	v[f->nsubs].code = arena_strdup(a, code ? code : "");
	v[f->nsubs].value = arena_strdup(a, value ? value : "");
	f->subs = v;
	f->nsubs++;
}

void marc_field_remove_sub(marc_field_t *f, size_t sub)
{
	if (sub >= f->nsubs)
		return;
	memmove(f->subs + sub, f->subs + sub + 1, (f->nsubs - sub - 1) * sizeof *f->subs);
	f->nsubs--;
}

/* A new data field at the end with the given subfields (pairs of code and value, NULL-ended);
 * none when every value is empty. */
static marc_field_t *append(arena_t *a, marc_rec_t *r, const char *tag, const char *ind, ...)
    __attribute__((sentinel));
static marc_field_t *append(arena_t *a, marc_rec_t *r, const char *tag, const char *ind, ...)
{
	va_list ap;
	int any = 0;
	va_start(ap, ind);
	for (const char *c; (c = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		any |= v && *v;
	}
	va_end(ap);
	if (!any)
		return NULL;
	marc_rec_insert(a, r, r->nfields, tag);
	marc_field_t *f = &r->fields[r->nfields - 1];
	f->ind1 = arena_strndup(a, ind, 1);
	f->ind2 = arena_strndup(a, ind + 1, 1);
	va_start(ap, ind);
	for (const char *c; (c = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		if (v && *v)
			marc_field_add_sub(a, f, c, v);
	}
	va_end(ap);
	return f;
}

/* The "; "-separated parts of list, trimmed, the empty ones left out. */
static char **split_list(arena_t *a, const char *list, size_t *n)
{
	char *copy = arena_strdup(a, list ? list : ""), *save = NULL;
	size_t cap = 1;
	for (const char *p = copy; *p; p++)
		cap += *p == ';';
	char **v = arena_zalloc(a, cap * sizeof *v);
	*n = 0;
	for (char *p = strtok_r(copy, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		text_trim(p);
		if (*p)
			v[(*n)++] = p;
	}
	return v;
}

/* --- from MARCXML ------------------------------------------------------------------------------- */

static int is_el(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const char *attr(arena_t *a, xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	const char *s = arena_strdup(a, v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

static const char *content(arena_t *a, xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = arena_strdup(a, v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

int marc_rec_from_xml(arena_t *a, const char *xml, marc_rec_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return err_set(err, ERR_INVALID, "err.marc.xml", NULL);
	xmlNode *rec = xmlDocGetRootElement(doc);
	if (is_el(rec, "collection"))
		for (rec = rec->children; rec && !is_el(rec, "record"); rec = rec->next)
			;
	if (!is_el(rec, "record")) {
		xmlFreeDoc(doc);
		return err_set(err, ERR_INVALID, "err.marc.xml_record", NULL);
	}
	size_t n = 0;
	for (xmlNode *c = rec->children; c; c = c->next)
		n += is_el(c, "controlfield") || is_el(c, "datafield");
	out->fields = arena_zalloc(a, (n ? n : 1) * sizeof *out->fields);
	out->leader = DEFAULT_LEADER;
	for (xmlNode *c = rec->children; c; c = c->next) {
		if (is_el(c, "leader")) {
			out->leader = content(a, c);
			continue;
		}
		if (!is_el(c, "controlfield") && !is_el(c, "datafield"))
			continue;
		marc_field_t *f = &out->fields[out->nfields++];
		f->tag = attr(a, c, "tag");
		f->ind1 = f->ind2 = " ";
		if (is_el(c, "controlfield")) {
			f->data = content(a, c);
			continue;
		}
		f->ind1 = attr(a, c, "ind1");
		f->ind2 = attr(a, c, "ind2");
		for (xmlNode *s = c->children; s; s = s->next)
			if (is_el(s, "subfield"))
				marc_field_add_sub(a, f, attr(a, s, "code"), content(a, s));
	}
	xmlFreeDoc(doc);
	return 0;
}

/* --- from the short fields ---------------------------------------------------------------------- */

void marc_rec_from_biblio(arena_t *a, const biblio_t *b, int64_t id, marc_rec_t *out)
{
	memset(out, 0, sizeof *out);
	out->leader = DEFAULT_LEADER;
	const char *lang = b->language && strlen(b->language) == 3 ? b->language : "und";
	if (id) {
		marc_rec_insert(a, out, out->nfields, "001");
		out->fields[out->nfields - 1].data = arena_printf(a, "%lld", (long long)id);
	}
	marc_rec_insert(a, out, out->nfields, "008");
	out->fields[out->nfields - 1].data = arena_printf(a, "%-7s%-28s%-3.3s  ", "", "", lang);
	append(a, out, "020", "  ", "a", b->isbn, NULL);
	append(a, out, "082", "04", "a", b->class_number, NULL);
	append(a, out, "090", "  ", "a", b->call_number, NULL);
	size_t n;
	char **names = split_list(a, b->authors, &n);
	for (size_t i = 0; i < n; i++)
		append(a, out, i == 0 ? "100" : "700", "1 ", "a", names[i], NULL);
	append(a, out, "245", "00", "a", b->title, "b", b->subtitle, NULL);
	append(a, out, "250", "  ", "a", b->edition, NULL);
	const char *year = b->year ? arena_printf(a, "%d", b->year) : "";
	append(a, out, "260", "  ", "a", b->place, "b", b->publisher, "c", year, NULL);
	append(a, out, "300", "  ", "a", b->pages, "c", b->size, NULL);
	append(a, out, "490", "0 ", "a", b->series, NULL);
	append(a, out, "520", "  ", "a", b->summary, NULL);
	char **subj = split_list(a, b->subjects, &n);
	for (size_t i = 0; i < n; i++)
		append(a, out, "650", " 4", "a", subj[i], NULL);
}

/* --- checking ----------------------------------------------------------------------------------- */

typedef struct issues {
	arena_t *a;
	marc_issue_t *v;
	size_t n, cap;
} issues_t;

static void issue(issues_t *is, int field, int sub, const char *key, const char *detail)
{
	if (is->n == is->cap) {
		size_t cap = is->cap ? 2 * is->cap : 8;
		marc_issue_t *v = arena_zalloc(is->a, cap * sizeof *v);
		if (is->n)
			memcpy(v, is->v, is->n * sizeof *v);
		is->v = v;
		is->cap = cap;
	}
	is->v[is->n++] = (marc_issue_t){ field, sub, key, detail ? arena_strdup(is->a, detail) : "" };
}

static bool blank(const char *s)
{
	return !s || !*s;
}

/* An indicator as typed: "", " ", "#" and "_" are blank; else one digit or lower-case letter. */
static const char *indicator(const char *s)
{
	if (!s || !*s || !strcmp(s, " ") || !strcmp(s, "#") || !strcmp(s, "_"))
		return " ";
	if (!s[1] && (isdigit((unsigned char)s[0]) || islower((unsigned char)s[0])))
		return s;
	return NULL;
}

/* NFC of s, or NULL when it is not valid UTF-8 or holds a control character. */
static const char *text_value(arena_t *a, const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return text_nfc(a, s);
}

static void check_leader(issues_t *is, marc_rec_t *r)
{
	const char *l = blank(r->leader) ? DEFAULT_LEADER : r->leader;
	size_t n = strlen(l);
	int ok = n == 24;
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)l[i] >= 0x20 && (unsigned char)l[i] < 0x7f;
	if (!ok) {
		issue(is, -1, -1, "err.marc.edit.leader", arena_printf(is->a, "%zu", n));
		return;
	}
	char *v = arena_strdup(is->a, l);
	/* Positions the system owns: lengths recomputed by whoever writes ISO 2709, UTF-8, 2
	 * indicators, 2-character subfield codes, the entry map. */
	memcpy(v, "00000", 5);
	memcpy(v + 12, "00000", 5);
	v[9] = 'a';
	v[10] = '2';
	v[11] = '2';
	memcpy(v + 20, "4500", 4);
	r->leader = v;
}

static size_t check_field(issues_t *is, marc_field_t *f, int fi)
{
	arena_t *a = is->a;
	size_t len = 0;
	const char *tag = f->tag ? f->tag : "";
	/* Three digits; or, as local systems write them (Aleph's CAT), three capitals or digits. */
	bool tag_ok = strlen(tag) == 3;
	for (int k = 0; tag_ok && k < 3; k++)
		tag_ok = isdigit((unsigned char)tag[k]) || isupper((unsigned char)tag[k]);
	if (!tag_ok) {
		issue(is, fi, -1, "err.marc.edit.tag", text_cut(a, tag, 20));
		return 0;
	}
	/* Subfield rows left empty are not subfields. */
	size_t k = 0;
	for (size_t j = 0; j < f->nsubs; j++)
		if (!blank(f->subs[j].code) || !blank(f->subs[j].value))
			f->subs[k++] = f->subs[j];
	f->nsubs = k;
	if (marc_tag_is_control(tag)) {
		if (f->nsubs) {
			issue(is, fi, -1, "err.marc.edit.control_subfields", tag);
			return 0;
		}
		const char *d = f->data ? text_value(a, f->data) : NULL;
		if (!d)
			issue(is, fi, -1, f->data ? "err.marc.edit.text" : "err.marc.edit.empty", tag);
		else if (!*d)
			issue(is, fi, -1, "err.marc.edit.empty", tag);
		else if (strlen(d) > MARC_MAX_FIELD_LEN)
			issue(is, fi, -1, "err.marc.edit.field_long", tag);
		f->data = d;
		return d ? strlen(d) + 1 : 0;
	}
	f->data = NULL;
	const char *i1 = indicator(f->ind1), *i2 = indicator(f->ind2);
	if (!i1 || !i2)
		issue(is, fi, -1, "err.marc.edit.indicator", text_cut(a, !i1 ? f->ind1 : f->ind2, 20));
	f->ind1 = i1 ? i1 : f->ind1;
	f->ind2 = i2 ? i2 : f->ind2;
	if (f->nsubs > MARC_MAX_SUBFIELDS)
		issue(is, fi, -1, "err.marc.edit.too_many_subfields",
		      arena_printf(a, "%d", MARC_MAX_SUBFIELDS));
	size_t nonempty = 0;
	len = 3;
	for (size_t j = 0; j < f->nsubs; j++) {
		marc_sub_t *s = &f->subs[j];
		const char *c = s->code ? s->code : "";
		if (strlen(c) != 1 || !(isdigit((unsigned char)c[0]) || islower((unsigned char)c[0])))
			issue(is, fi, (int)j, "err.marc.edit.code", text_cut(a, c, 20));
		const char *v = text_value(a, s->value ? s->value : "");
		if (!v)
			issue(is, fi, (int)j, "err.marc.edit.text",
			      arena_printf(a, "%s $%s", tag, text_cut(a, c, 4)));
		else if (!*v)
			issue(is, fi, (int)j, "err.marc.edit.empty_subfield",
			      arena_printf(a, "%s $%s", tag, text_cut(a, c, 4)));
		else
			nonempty++;
		s->value = v ? v : s->value;
		len += 2 + strlen(s->value);
	}
	if (!f->nsubs)
		issue(is, fi, -1, "err.marc.edit.no_subfields", tag);
	if (len > MARC_MAX_FIELD_LEN)
		issue(is, fi, -1, "err.marc.edit.field_long", tag);
	return len;
}

int marc_rec_check(arena_t *a, marc_rec_t *r, marc_issue_t **issues, size_t *nissues, err_t *err)
{
	issues_t is = { .a = a };
	check_leader(&is, r);
	/* Rows left wholly empty (an "add field" never filled) are dropped first, so the issues'
	 * indexes are those of the record as it will be shown again. */
	size_t k = 0;
	for (size_t i = 0; i < r->nfields; i++) {
		marc_field_t *f = &r->fields[i];
		int empty = blank(f->tag) && blank(f->data);
		for (size_t j = 0; empty && j < f->nsubs; j++)
			empty = blank(f->subs[j].code) && blank(f->subs[j].value);
		if (!empty)
			r->fields[k++] = *f;
	}
	r->nfields = k;
	if (r->nfields > MARC_MAX_FIELDS)
		issue(&is, -1, -1, "err.marc.edit.too_many", arena_printf(a, "%d", MARC_MAX_FIELDS));
	size_t total = 25, n245 = 0;
	for (size_t i = 0; i < r->nfields && is.n < 100; i++) {
		total += 12 + check_field(&is, &r->fields[i], (int)i);
		if (r->fields[i].tag && !strcmp(r->fields[i].tag, "245")) {
			if (++n245 > 1)
				issue(&is, (int)i, -1, "err.marc.edit.repeat", "245");
		}
	}
	marc_field_t *f245 = marc_rec_field(r, "245");
	const char *title = marc_field_sub(f245, 'a');
	if (!title || !*text_trim(arena_strdup(a, title)))
		issue(&is, -1, -1, "err.marc.edit.no_245", NULL);
	if (total > MARC_MAX_RECORD_LEN)
		issue(&is, -1, -1, "err.marc.edit.record_long", arena_printf(a, "%zu", total));
	*issues = is.v;
	*nissues = is.n;
	if (!is.n)
		return 0;
	return err_set(err, ERR_INVALID, is.v[0].key, "%s", is.v[0].detail);
}

/* --- writing ------------------------------------------------------------------------------------ */

void marc_rec_to_yaz(const marc_rec_t *r, yaz_marc_t mt)
{
	int il, sl, ba, lde, ls, li;
	yaz_marc_reset(mt);
	yaz_marc_set_leader(mt, r->leader, &il, &sl, &ba, &lde, &ls, &li);
	buf_t sb = BUF_INIT;
	for (size_t i = 0; i < r->nfields; i++) {
		const marc_field_t *f = &r->fields[i];
		if (f->data) {
			yaz_marc_add_controlfield(mt, f->tag, f->data, strlen(f->data));
			continue;
		}
		char ind[3] = { f->ind1[0] ? f->ind1[0] : ' ', f->ind2[0] ? f->ind2[0] : ' ', 0 };
		yaz_marc_add_datafield(mt, f->tag, ind, 2);
		for (size_t k = 0; k < f->nsubs; k++) {
			buf_reset(&sb);
			buf_puts(&sb, f->subs[k].code);
			buf_puts(&sb, f->subs[k].value);
			yaz_marc_add_subfield(mt, sb.data, sb.len);
		}
	}
	buf_release(&sb);
}

const char *marc_rec_to_xml(arena_t *a, const marc_rec_t *r, err_t *err)
{
	yaz_marc_t mt = yaz_marc_create();
	WRBUF w = wrbuf_alloc();
	const char *out = NULL;
	marc_rec_to_yaz(r, mt);
	yaz_marc_xml(mt, YAZ_MARC_MARCXML);
	if (yaz_marc_write_mode(mt, w) < 0)
		err_set(err, ERR_INVALID, "err.marc.record", "cannot be written as MARCXML");
	else
		out = arena_strndup(a, wrbuf_buf(w), wrbuf_len(w));
	wrbuf_destroy(w);
	yaz_marc_destroy(mt);
	return out;
}

int marc_rec_map(arena_t *a, const char *xml, biblio_t *out, const char **norm, err_t *err)
{
	marc_batch_t b;
	int rc = marc_read_buf(xml, strlen(xml), a, &b, err);
	if (rc < 0)
		return rc;
	if (b.nrecs != 1) {
		const marc_problem_t *p = b.nproblems ? &b.problems[0] : NULL;
		return err_set(err, ERR_INVALID, p ? p->key : "err.marc.record", "%s", p ? p->detail : "");
	}
	*out = b.recs[0].bib;
	*norm = b.recs[0].marcxml;
	return 0;
}

/* --- the line format ---------------------------------------------------------------------------- */

const char *marc_rec_lines(arena_t *a, const marc_rec_t *r)
{
	buf_t b = BUF_INIT;
	buf_printf(&b, "LDR %s\n", r->leader ? r->leader : "");
	for (size_t i = 0; i < r->nfields; i++) {
		const marc_field_t *f = &r->fields[i];
		if (f->data) {
			buf_printf(&b, "%s %s\n", f->tag, f->data);
			continue;
		}
		buf_printf(&b, "%s %c%c", f->tag, f->ind1[0] && f->ind1[0] != ' ' ? f->ind1[0] : '#',
		           f->ind2[0] && f->ind2[0] != ' ' ? f->ind2[0] : '#');
		for (size_t k = 0; k < f->nsubs; k++)
			buf_printf(&b, " $%s %s", f->subs[k].code, f->subs[k].value);
		buf_putc(&b, '\n');
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

/* --- patching the short fields in --------------------------------------------------------------- */

static bool differ(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") != 0;
}

/* v with the ISBD punctuation that closed old (" /", " :"), which the import's tidying drops and
 * a catalogue keeps: "Tiêu đề mới /" replaces "Tiêu đề cũ /". */
static const char *with_punct(arena_t *a, const char *old, const char *v)
{
	const char *s = old ? old : "";
	while (*s == ' ')
		s++;
	size_t keep = strlen(marc_tidy(a, s)), end = strlen(s);
	while (end > keep && s[end - 1] == ' ')
		end--;
	if (end <= keep)
		return arena_strdup(a, v);
	return arena_printf(a, "%s%.*s", v, (int)(end - keep), s + keep);
}

/* Set subfield code of f to v: the first one replaced, or a new one after the subfields whose
 * codes come before it (by the order of codes, "a" before "b" before "c"); removed when v is
 * empty. */
static void set_sub(arena_t *a, marc_field_t *f, char code, const char *v)
{
	for (size_t i = 0; i < f->nsubs; i++) {
		if (f->subs[i].code[0] == code && !f->subs[i].code[1]) {
			if (v && *v)
				f->subs[i].value = with_punct(a, f->subs[i].value, v);
			else
				marc_field_remove_sub(f, i);
			return;
		}
	}
	if (!v || !*v)
		return;
	size_t pos = 0;
	while (pos < f->nsubs && f->subs[pos].code[0] < code)
		pos++;
	marc_field_add_sub(a, f, "", "");
	memmove(f->subs + pos + 1, f->subs + pos, (f->nsubs - 1 - pos) * sizeof *f->subs);
	f->subs[pos].code = arena_strndup(a, &code, 1);
	f->subs[pos].value = arena_strdup(a, v);
}

/* The field with tag, made (at its place in tag order) when missing and v is not empty. */
static marc_field_t *want_field(arena_t *a, marc_rec_t *r, const char *tag, const char *ind, const char *v)
{
	marc_field_t *f = marc_rec_field(r, tag);
	if (f || !v || !*v)
		return f;
	size_t pos = marc_rec_position(r, tag);
	marc_rec_insert(a, r, pos, tag);
	f = &r->fields[pos];
	f->ind1 = arena_strndup(a, ind, 1);
	f->ind2 = arena_strndup(a, ind + 1, 1);
	return f;
}

static void remove_empty(marc_rec_t *r, const char *tag)
{
	for (size_t i = r->nfields; i > 0; i--)
		if (!strcmp(r->fields[i - 1].tag, tag) && !r->fields[i - 1].data && !r->fields[i - 1].nsubs)
			marc_rec_remove(r, i - 1);
}

/* One subfield of one field (the first with tag): set, or the field made or dropped. */
static void patch_one(arena_t *a, marc_rec_t *r, const char *tag, const char *ind, char code, const char *v)
{
	marc_field_t *f = want_field(a, r, tag, ind, v);
	if (!f)
		return;
	set_sub(a, f, code, v);
	remove_empty(r, tag);
}

static bool has_tag(const marc_field_t *f, const char *const *tags)
{
	for (size_t t = 0; tags[t]; t++)
		if (!strcmp(f->tag, tags[t]))
			return true;
	return false;
}

/* A list (authors, subjects, series) kept in fields with one of tags, rewritten in the list's
 * order (the import reads them in record order): a name still in the list keeps its field, with
 * its indicators and other subfields ($d dates, $e roles); a new name gets a new field. With
 * first_tag (authors), the first name is the main entry (first_tag, or 110 when its field is a
 * corporate name) at the old main entry's place, the others added entries (tag) together where the
 * first old one was; without, all together where the first old field was, or at tag's place in
 * tag order. */
static void patch_list(arena_t *a, marc_rec_t *r, const char *const *tags, const char *first_tag,
                       const char *tag, const char *ind, const char *list)
{
	size_t n, nold = 0;
	char **names = split_list(a, list, &n);
	marc_field_t *old = arena_zalloc(a, (r->nfields ? r->nfields : 1) * sizeof *old);
	long head = -1, rest = -1; /* where the first old main entry and added entry were */
	for (size_t i = 0, removed = 0; i < r->nfields; i++) {
		marc_field_t *f = &r->fields[i];
		if (f->data || !has_tag(f, tags))
			continue;
		bool is_head = first_tag && (!strcmp(f->tag, first_tag) || !strcmp(f->tag, "110"));
		long at = (long)(i - removed);
		if (is_head && head < 0)
			head = at;
		if (!is_head && rest < 0)
			rest = at;
		old[nold++] = *f;
		removed++;
	}
	for (size_t i = r->nfields; i > 0; i--)
		if (!r->fields[i - 1].data && has_tag(&r->fields[i - 1], tags))
			marc_rec_remove(r, i - 1);
	bool *used = arena_zalloc(a, (nold ? nold : 1) * sizeof *used);
	for (size_t k = 0; k < n; k++) {
		marc_field_t *was = NULL;
		for (size_t j = 0; j < nold && !was; j++)
			if (!used[j] && !strcmp(marc_tidy(a, marc_field_sub(&old[j], 'a')), names[k])) {
				used[j] = true;
				was = &old[j];
			}
		bool corporate = was && !strcmp(was->tag, "110");
		const char *t = first_tag && k == 0 ? (corporate ? "110" : first_tag)
		                : corporate         ? "110"
		                : was && !first_tag ? was->tag
		                                    : tag;
		bool to_head = first_tag && k == 0;
		long *slot = to_head ? &head : &rest;
		size_t pos = *slot >= 0 ? (size_t)*slot : marc_rec_position(r, t);
		if (!to_head && head >= 0 && (size_t)head >= pos)
			head++; /* the main entry's place moves down past a field put before it */
		if (to_head && rest >= 0 && (size_t)rest >= pos)
			rest++;
		marc_rec_insert(a, r, pos, t);
		*slot = (long)pos + 1;
		marc_field_t *f = &r->fields[pos];
		if (was) {
			f->ind1 = was->ind1;
			f->ind2 = was->ind2;
			f->subs = was->subs;
			f->nsubs = was->nsubs;
		} else {
			f->ind1 = arena_strndup(a, ind, 1);
			f->ind2 = arena_strndup(a, ind + 1, 1);
			marc_field_add_sub(a, f, "a", names[k]);
		}
	}
}

/* The publication field the import maps from: 260, else the first 264 with second indicator 1,
 * else any 264. */
static marc_field_t *pub_field(const marc_rec_t *r)
{
	marc_field_t *f = marc_rec_field(r, "260");
	for (size_t i = 0; !f && i < r->nfields; i++)
		if (!strcmp(r->fields[i].tag, "264") && r->fields[i].ind2[0] == '1')
			f = &r->fields[i];
	return f ? f : marc_rec_field(r, "264");
}

void marc_rec_patch(arena_t *a, marc_rec_t *r, const biblio_t *o, const biblio_t *n)
{
	if (differ(o->title, n->title) || differ(o->subtitle, n->subtitle)) {
		marc_field_t *f = want_field(a, r, "245", "00", n->title);
		set_sub(a, f, 'a', n->title);
		set_sub(a, f, 'b', n->subtitle);
	}
	if (differ(o->authors, n->authors)) {
		static const char *const tags[] = { "100", "110", "700", NULL };
		patch_list(a, r, tags, "100", "700", "1 ", n->authors);
	}
	if (differ(o->place, n->place) || differ(o->publisher, n->publisher) || o->year != n->year) {
		const char *year = n->year ? arena_printf(a, "%d", n->year) : "";
		marc_field_t *f = pub_field(r);
		if (!f && (*n->place || *n->publisher || *year))
			f = want_field(a, r, "260", "  ", "x");
		if (f) {
			set_sub(a, f, 'a', n->place);
			set_sub(a, f, 'b', n->publisher);
			if (o->year != n->year)
				set_sub(a, f, 'c', year);
			if (!f->nsubs)
				marc_rec_remove(r, (size_t)(f - r->fields));
		}
	}
	if (differ(o->isbn, n->isbn)) {
		/* The 020 the import took the ISBN from: the one whose $a normalises to it. */
		marc_field_t *f = NULL;
		for (size_t i = 0; !f && i < r->nfields; i++) {
			char isbn[14];
			err_t e;
			const char *v =
			    strcmp(r->fields[i].tag, "020") ? NULL : marc_field_sub(&r->fields[i], 'a');
			char tok[32];
			size_t k = 0;
			while (v && *v == ' ')
				v++;
			while (v && k + 1 < sizeof tok && (isalnum((unsigned char)*v) || *v == '-'))
				tok[k++] = *v++;
			tok[k] = 0;
			if (k && isbn_normalize(tok, isbn, &e) == 0 && !strcmp(isbn, o->isbn ? o->isbn : ""))
				f = &r->fields[i];
		}
		if (f && *n->isbn) {
			set_sub(a, f, 'a', n->isbn);
		} else if (f) {
			marc_rec_remove(r, (size_t)(f - r->fields));
		} else if (*n->isbn) {
			size_t pos = marc_rec_position(r, "019"); /* before every other 020 */
			marc_rec_insert(a, r, pos, "020");
			marc_field_add_sub(a, &r->fields[pos], "a", n->isbn);
		}
	}
	if (differ(o->edition, n->edition))
		patch_one(a, r, "250", "  ", 'a', n->edition);
	if (differ(o->pages, n->pages))
		patch_one(a, r, "300", "  ", 'a', n->pages);
	if (differ(o->size, n->size))
		patch_one(a, r, "300", "  ", 'c', n->size);
	if (differ(o->series, n->series)) {
		static const char *const tags[] = { "490", "440", NULL };
		patch_list(a, r, tags, NULL, "490", "0 ", n->series);
	}
	if (differ(o->subjects, n->subjects)) {
		static const char *const tags[] = { "650", "651", NULL };
		patch_list(a, r, tags, NULL, "650", " 4", n->subjects);
	}
	if (differ(o->summary, n->summary)) {
		for (size_t i = r->nfields; i > 0; i--)
			if (!strcmp(r->fields[i - 1].tag, "520"))
				marc_rec_remove(r, i - 1);
		patch_one(a, r, "520", "  ", 'a', n->summary);
	}
	if (differ(o->class_number, n->class_number))
		patch_one(a, r, "082", "04", 'a', n->class_number);
	if (differ(o->call_number, n->call_number)) {
		/* 090 comes first in the import's rule; its $b would be added to the new number. */
		marc_field_t *f = marc_rec_field(r, "090");
		if (f)
			set_sub(a, f, 'b', NULL);
		patch_one(a, r, "090", "  ", 'a', n->call_number);
	}
	if (differ(o->language, n->language) && n->language && strlen(n->language) == 3) {
		marc_field_t *f = marc_rec_field(r, "008");
		if (!f) {
			marc_rec_insert(a, r, marc_rec_position(r, "008"), "008");
			f = marc_rec_field(r, "008");
		}
		char d[41];
		snprintf(d, sizeof d, "%-40s", f->data ? f->data : "");
		char *v = arena_strdup(a, f->data && strlen(f->data) >= 38 ? f->data : d);
		memcpy(v + 35, n->language, 3);
		f->data = v;
	}
}
