/* sru.c: SRU explain and searchRetrieve (sru.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaz/cql.h>

#include "accounts/actor.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "marc/marc_edit.h"
#include "sru/sru.h"
#include "units/units.h"

#define MAX_CLAUSES 8
#define PAGE        100 /* the staff search's largest page */

enum { IX_ANY, IX_TITLE, IX_CREATOR, IX_SUBJECT, IX_ISBN };

typedef struct {
	int index;
	const char *term;
} clause_t;

typedef struct {
	bool v2;
	const char *zs; /* namespace of the response */
	const char *diag_ns;
	buf_t *out;
} ctx_t;

/* s escaped for XML; the control characters XML 1.0 does not allow become spaces. */
static void esc(buf_t *b, const char *s)
{
	if (!s)
		return;
	for (const char *p = s; *p;) {
		const char *q = p;
		while (*q && ((unsigned char)*q >= 0x20 || *q == '\t' || *q == '\n' || *q == '\r'))
			q++;
		buf_put_html(b, p, (size_t)(q - p));
		if (!*q)
			break;
		buf_putc(b, ' ');
		p = q + 1;
	}
}

static void head(ctx_t *c, const char *el)
{
	buf_puts(c->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(c->out, "<zs:%s xmlns:zs=\"%s\"><zs:version>%s</zs:version>", el, c->zs,
	           c->v2 ? "2.0" : "1.2");
}

static void diag(ctx_t *c, int code, const char *details, const char *message)
{
	buf_printf(c->out,
	           "<zs:diagnostics><diag:diagnostic "
	           "xmlns:diag=\"%s\"><diag:uri>info:srw/diagnostic/1/%d</diag:uri>",
	           c->diag_ns, code);
	if (details && *details) {
		buf_puts(c->out, "<diag:details>");
		esc(c->out, details);
		buf_puts(c->out, "</diag:details>");
	}
	buf_puts(c->out, "<diag:message>");
	esc(c->out, message);
	buf_puts(c->out, "</diag:message></diag:diagnostic></zs:diagnostics>");
}

/* A whole searchRetrieve response holding only a diagnostic. */
static void search_diag(ctx_t *c, int code, const char *details, const char *message)
{
	head(c, "searchRetrieveResponse");
	buf_puts(c->out, "<zs:numberOfRecords>0</zs:numberOfRecords>");
	diag(c, code, details, message);
	buf_puts(c->out, "</zs:searchRetrieveResponse>\n");
}

/* --- CQL ---------------------------------------------------------------------------------------- */

static int index_of(const char *ix)
{
	const char *dot = strrchr(ix, '.');
	const char *set = dot ? ix : "";
	const char *name = dot ? dot + 1 : ix;
	size_t setlen = dot ? (size_t)(dot - ix) : 0;
	if (setlen && !((setlen == 3 && strncasecmp(set, "cql", 3) == 0) ||
	                (setlen == 2 && strncasecmp(set, "dc", 2) == 0) ||
	                (setlen == 4 && strncasecmp(set, "bath", 4) == 0)))
		return -1;
	if (strcasecmp(name, "serverChoice") == 0 || strcasecmp(name, "anywhere") == 0 ||
	    strcasecmp(name, "keywords") == 0 || strcasecmp(name, "text") == 0)
		return IX_ANY;
	if (strcasecmp(name, "title") == 0)
		return IX_TITLE;
	if (strcasecmp(name, "creator") == 0 || strcasecmp(name, "author") == 0)
		return IX_CREATOR;
	if (strcasecmp(name, "subject") == 0)
		return IX_SUBJECT;
	if (strcasecmp(name, "isbn") == 0 || strcasecmp(name, "identifier") == 0)
		return IX_ISBN;
	return -1;
}

/* Collect the clauses of an AND tree; a diagnostic code on what is not supported. */
static int walk(struct cql_node *n, clause_t *cl, size_t *ncl, const char **what)
{
	if (n->which == CQL_NODE_BOOL) {
		if (strcasecmp(n->u.boolean.value, "and") != 0) {
			*what = n->u.boolean.value;
			return 37;
		}
		int rc = walk(n->u.boolean.left, cl, ncl, what);
		return rc ? rc : walk(n->u.boolean.right, cl, ncl, what);
	}
	if (n->which != CQL_NODE_ST) {
		*what = "";
		return 10;
	}
	int ix = index_of(n->u.st.index ? n->u.st.index : "cql.serverChoice");
	if (ix < 0) {
		*what = n->u.st.index;
		return 16;
	}
	const char *rel = n->u.st.relation ? n->u.st.relation : "=";
	if (strcmp(rel, "=") != 0 && strcasecmp(rel, "all") != 0 && strcmp(rel, "==") != 0 &&
	    strcasecmp(rel, "adj") != 0) {
		*what = rel;
		return 19;
	}
	if (n->u.st.modifiers) {
		*what = rel;
		return 20;
	}
	if (*ncl >= MAX_CLAUSES) {
		*what = "too many clauses";
		return 10;
	}
	cl[*ncl].index = ix;
	cl[*ncl].term = n->u.st.term ? n->u.st.term : "";
	(*ncl)++;
	return 0;
}

/* --- matching of the field indexes -------------------------------------------------------------- */

static bool wchar(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Every word of the folded term is a prefix of a word of the folded field. */
static bool words_in(arena_t *a, const char *field, const char *term)
{
	char *f = text_fold(a, field ? field : "");
	char *t = text_fold(a, term);
	if (!f || !t)
		return false;
	for (const char *p = t; *p;) {
		while (*p && !wchar((unsigned char)*p))
			p++;
		const char *w = p;
		while (*p && wchar((unsigned char)*p))
			p++;
		size_t wl = (size_t)(p - w);
		if (!wl)
			continue;
		bool found = false;
		for (const char *q = f; *q && !found;) {
			while (*q && !wchar((unsigned char)*q))
				q++;
			const char *v = q;
			while (*q && wchar((unsigned char)*q))
				q++;
			if ((size_t)(q - v) >= wl && memcmp(v, w, wl) == 0)
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The ISBN of a query as the catalogue stores it (13 digits: an ISBN-10 is converted), or "" when
 * it is not a valid ISBN (then nothing matches). */
static const char *isbn_of(arena_t *a, const char *s)
{
	char out[14];
	err_t e;
	return isbn_normalize(s, out, &e) == 0 ? arena_strdup(a, out) : "";
}

static bool keep(arena_t *a, const biblio_t *b, const clause_t *cl, size_t ncl)
{
	for (size_t i = 0; i < ncl; i++) {
		const char *f = NULL;
		switch (cl[i].index) {
		case IX_ANY: /* the staff search's text, so that a copy's barcode finds nothing here */
			f = arena_printf(a, "%s %s %s %s %s %s %s %s", b->title ? b->title : "",
			                 b->subtitle ? b->subtitle : "", b->authors ? b->authors : "",
			                 b->subjects ? b->subjects : "", b->series ? b->series : "",
			                 b->publisher ? b->publisher : "", b->isbn ? b->isbn : "",
			                 b->class_number ? b->class_number : "");
			break;
		case IX_TITLE:
			f = arena_printf(a, "%s %s", b->title ? b->title : "",
			                 b->subtitle ? b->subtitle : "");
			break;
		case IX_CREATOR:
			f = b->authors;
			break;
		case IX_SUBJECT:
			f = b->subjects;
			break;
		case IX_ISBN: {
			const char *d = isbn_of(a, cl[i].term);
			if (!b->isbn || !*b->isbn || !*d || strcmp(b->isbn, d) != 0)
				return false;
			continue;
		}
		}
		if (!words_in(a, f, cl[i].term))
			return false;
	}
	return true;
}

/* --- records ------------------------------------------------------------------------------------ */

/* Whether a field may leave: not the holdings and copy fields (852, 876-878) nor the local ones
 * (9XX, e.g. 952), which carry copies' barcodes and prices in imported records. */
static bool public_field(const char *tag)
{
	if (!tag)
		return false;
	return !(strcmp(tag, "852") == 0 || strcmp(tag, "876") == 0 || strcmp(tag, "877") == 0 ||
	         strcmp(tag, "878") == 0 || tag[0] == '9');
}

/* The record as MARCXML (one <record>): the stored MARC when there is one, else built from the
 * short fields; without its holdings fields; with an 852 $a naming the school when holding is
 * set (the union catalogue). */
static const char *marcxml_of(db_t *db, arena_t *a, const biblio_t *b, const char *holding)
{
	err_t err;
	const char *stored = NULL;
	db_stmt_t *st = db_query(db, &err, "SELECT marc FROM biblios WHERE id = ?", "i", b->id);
	if (st && db_step(st, &err) == 1 && !db_col_null(st, 0))
		stored = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	marc_rec_t rec;
	if (!stored || !*stored || marc_rec_from_xml(a, stored, &rec, &err) < 0)
		marc_rec_from_biblio(a, b, b->id, &rec);
	marc_field_t *f = arena_alloc(a, sizeof *f * (rec.nfields + 1));
	size_t n = 0;
	for (size_t i = 0; i < rec.nfields; i++)
		if (public_field(rec.fields[i].tag))
			f[n++] = rec.fields[i];
	if (holding && *holding) {
		marc_sub_t *sub = arena_alloc(a, sizeof *sub);
		sub->code = "a";
		sub->value = holding;
		f[n++] = (marc_field_t){ .tag = "852", .ind1 = " ", .ind2 = " ", .subs = sub, .nsubs = 1 };
	}
	rec.fields = f;
	rec.nfields = n;
	const char *xml = marc_rec_to_xml(a, &rec, &err);
	if (!xml)
		return NULL;
	/* One <record> element: drop an XML declaration. */
	if (strncmp(xml, "<?xml", 5) == 0) {
		const char *e = strstr(xml, "?>");
		if (e)
			xml = e + 2;
	}
	while (*xml == '\n' || *xml == ' ' || *xml == '\r')
		xml++;
	/* No control character XML 1.0 does not allow (YAZ writes them as they are). */
	char *clean = arena_strdup(a, xml);
	for (char *p = clean; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			*p = ' ';
	return clean;
}

static void dc_el(buf_t *b, const char *el, const char *v)
{
	if (!v || !*v)
		return;
	buf_printf(b, "<dc:%s>", el);
	esc(b, v);
	buf_printf(b, "</dc:%s>", el);
}

/* Each part of a list separated by ';'. */
static void dc_list(arena_t *a, buf_t *b, const char *el, const char *v)
{
	if (!v)
		return;
	char *s = arena_strdup(a, v);
	char *save = NULL;
	for (char *p = strtok_r(s, ";", &save); p; p = strtok_r(NULL, ";", &save))
		dc_el(b, el, text_trim(p));
}

static void dc_record(arena_t *a, buf_t *b, const biblio_t *r)
{
	buf_puts(b, "<srw_dc:dc xmlns:srw_dc=\"info:srw/schema/1/dc-schema\" "
	            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">");
	const char *title =
	    r->subtitle && *r->subtitle ? arena_printf(a, "%s : %s", r->title, r->subtitle) : r->title;
	dc_el(b, "title", title);
	dc_list(a, b, "creator", r->authors);
	dc_list(a, b, "subject", r->subjects);
	dc_el(b, "publisher", r->publisher);
	if (r->year)
		dc_el(b, "date", arena_printf(a, "%d", r->year));
	if (r->isbn && *r->isbn)
		dc_el(b, "identifier", arena_printf(a, "ISBN %s", r->isbn));
	dc_el(b, "language", r->language);
	dc_el(b, "type", "Text");
	buf_puts(b, "</srw_dc:dc>");
}

/* --- operations --------------------------------------------------------------------------------- */

static void explain(ctx_t *c, const sru_request_t *rq, const char *title)
{
	head(c, "explainResponse");
	buf_printf(c->out,
	           "<zs:record><zs:recordSchema>http://explain.z3950.org/dtd/2.0/</zs:recordSchema>"
	           "<zs:%s>xml</zs:%s><zs:recordData>",
	           c->v2 ? "recordXMLEscaping" : "recordPacking",
	           c->v2 ? "recordXMLEscaping" : "recordPacking");
	buf_puts(c->out, "<explain xmlns=\"http://explain.z3950.org/dtd/2.0/\"><serverInfo protocol=\"SRU\" "
	                 "version=\"1.2\"><host>");
	esc(c->out, rq->host ? rq->host : "localhost");
	buf_puts(c->out, "</host><database>");
	buf_puts(c->out, rq->unit_code ? "sru/" : "sru");
	esc(c->out, rq->unit_code);
	buf_puts(c->out, "</database></serverInfo><databaseInfo><title lang=\"vi\" primary=\"true\">");
	esc(c->out, title);
	buf_puts(c->out, "</title></databaseInfo><indexInfo>"
	                 "<set name=\"cql\" identifier=\"info:srw/cql-context-set/1/cql-v1.2\"/>"
	                 "<set name=\"dc\" identifier=\"info:srw/cql-context-set/1/dc-v1.1\"/>"
	                 "<set name=\"bath\" identifier=\"http://zing.z3950.org/cql/bath/2.0/\"/>");
	static const char *const ix[][2] = { { "cql", "serverChoice" }, { "cql", "anywhere" },
		                             { "dc", "title" },         { "dc", "creator" },
		                             { "dc", "subject" },       { "dc", "identifier" },
		                             { "bath", "isbn" } };
	for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++)
		buf_printf(c->out, "<index><title>%s.%s</title><map><name set=\"%s\">%s</name></map></index>",
		           ix[i][0], ix[i][1], ix[i][0], ix[i][1]);
	buf_puts(
	    c->out,
	    "</indexInfo><schemaInfo>"
	    "<schema identifier=\"info:srw/schema/1/marcxml-v1.1\" "
	    "name=\"marcxml\"><title>MARCXML</title></schema>"
	    "<schema identifier=\"info:srw/schema/1/dc-v1.1\" name=\"dc\"><title>Dublin Core</title></schema>"
	    "</schemaInfo><configInfo>");
	buf_printf(
	    c->out,
	    "<default type=\"numberOfRecords\">%d</default><setting type=\"maximumRecords\">%d</setting>",
	    SRU_DEFAULT_RECORDS, SRU_MAX_RECORDS);
	buf_puts(c->out, "<default type=\"recordSchema\">marcxml</default></configInfo></explain>");
	buf_puts(c->out, "</zs:recordData></zs:record></zs:explainResponse>\n");
}

static int schema_of(const char *s)
{
	if (!s || !*s || strcasecmp(s, "marcxml") == 0 || strcmp(s, "info:srw/schema/1/marcxml-v1.1") == 0 ||
	    strcasecmp(s, "marc21") == 0)
		return 0;
	if (strcasecmp(s, "dc") == 0 || strcmp(s, "info:srw/schema/1/dc-v1.1") == 0 ||
	    strcasecmp(s, "oai_dc") == 0)
		return 1;
	return -1;
}

static bool parse_count(const char *s, long def, long *out)
{
	if (!s || !*s) {
		*out = def;
		return true;
	}
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 100000000L || (s[0] < '0' || s[0] > '9'))
		return false;
	*out = v;
	return true;
}

static int search(db_t *db, ctx_t *c, const sru_request_t *rq, const actor_t *actor, arena_t *a)
{
	long start, max;
	if (!rq->query || !*rq->query) {
		search_diag(c, 7, "query", "Mandatory parameter not supplied");
		return 200;
	}
	if (!parse_count(rq->start_record, 1, &start) || start < 1) {
		search_diag(c, 6, "startRecord", "Unsupported parameter value");
		return 200;
	}
	if (!parse_count(rq->maximum_records, SRU_DEFAULT_RECORDS, &max)) {
		search_diag(c, 6, "maximumRecords", "Unsupported parameter value");
		return 200;
	}
	if (max > SRU_MAX_RECORDS)
		max = SRU_MAX_RECORDS;
	int schema = schema_of(rq->record_schema);
	if (schema < 0) {
		search_diag(c, 66, rq->record_schema, "Unknown schema for retrieval");
		return 200;
	}
	const char *pk = rq->record_packing;
	bool as_string = pk && strcmp(pk, "string") == 0;
	if (pk && *pk && !as_string && strcmp(pk, "xml") != 0) {
		search_diag(c, 71, pk, "Unsupported record packing");
		return 200;
	}

	if (strlen(rq->query) > 500) { /* the staff search's limit */
		search_diag(c, 10, "query longer than 500 bytes", "Query syntax error");
		return 200;
	}
	CQL_parser cp = cql_parser_create();
	if (cql_parser_string(cp, rq->query) != 0) {
		cql_parser_destroy(cp);
		search_diag(c, 10, rq->query, "Query syntax error");
		return 200;
	}
	clause_t cl[MAX_CLAUSES];
	size_t ncl = 0;
	const char *what = NULL;
	int code = walk(cql_parser_result(cp), cl, &ncl, &what);
	if (!code) /* the terms outlive the parser */
		for (size_t i = 0; i < ncl; i++)
			cl[i].term = arena_strdup(a, cl[i].term);
	if (code) {
		const char *w = arena_strdup(a, what ? what : "");
		cql_parser_destroy(cp);
		search_diag(c, code, w,
		            code == 16   ? "Unsupported index"
		            : code == 19 ? "Unsupported relation"
		            : code == 20 ? "Unsupported relation modifier"
		            : code == 37 ? "Unsupported boolean operator"
		                         : "Query syntax error");
		return 200;
	}
	cql_parser_destroy(cp);

	/* Every word of every clause through the staff search, then the field indexes in C. */
	buf_t words = { 0 };
	const char *isbn = NULL;
	for (size_t i = 0; i < ncl; i++) {
		if (cl[i].index == IX_ISBN) {
			isbn = isbn ? isbn : isbn_of(a, cl[i].term);
			continue;
		}
		buf_puts(&words, words.len ? " " : "");
		buf_puts(&words, cl[i].term);
	}
	const char *q = arena_strdup(a, buf_str(&words));
	buf_release(&words);
	/* Only ISBN clauses: the staff search finds an ISBN as a whole (the filter checks the rest). */
	if (!*q && isbn)
		q = *isbn ? isbn : "\x01";

	biblio_t **hits = arena_alloc(a, sizeof(biblio_t *) * SEARCH_CAP);
	int64_t nhits = 0, total = 0;
	bool more = false;
	for (int64_t off = 0; off < SEARCH_CAP;) {
		catalog_query_t cq = { .q = q, .limit = PAGE, .offset = off, .more = &more };
		biblio_t *page = NULL;
		size_t n = 0;
		err_t err;
		if (catalog_search(db, actor, &cq, a, &page, &n, &total, &err) < 0) {
			if (err.code == ERR_INVALID) {
				search_diag(c, 10, err.key, "Query syntax error");
				return 200;
			}
			search_diag(c, 1, NULL, "General system error");
			return 500;
		}
		for (size_t i = 0; i < n && nhits < SEARCH_CAP; i++)
			if (keep(a, &page[i], cl, ncl))
				hits[nhits++] = &page[i];
		off += (int64_t)n;
		if (n < PAGE || off >= total)
			break;
	}

	head(c, "searchRetrieveResponse");
	buf_printf(c->out, "<zs:numberOfRecords>%lld</zs:numberOfRecords>", (long long)nhits);
	if (start > nhits && nhits > 0 && max > 0) {
		diag(c, 61, arena_printf(a, "%ld", start), "First record position out of range");
		buf_puts(c->out, "</zs:searchRetrieveResponse>\n");
		return 200;
	}
	long end = start - 1 + max;
	if (end > nhits)
		end = (long)nhits;
	if (end >= start) {
		buf_puts(c->out, "<zs:records>");
		for (long i = start - 1; i < end; i++) {
			const biblio_t *b = hits[i];
			buf_t rec = { 0 };
			if (schema == 0) {
				const char *x = marcxml_of(db, a, b, rq->unit_code ? NULL : b->unit_code);
				buf_puts(&rec, x ? x : "<record xmlns=\"http://www.loc.gov/MARC21/slim\"/>");
			} else
				dc_record(a, &rec, b);
			buf_printf(
			    c->out,
			    "<zs:record><zs:recordSchema>%s</zs:recordSchema><zs:%s>%s</"
			    "zs:%s><zs:recordData>",
			    schema == 0 ? "info:srw/schema/1/marcxml-v1.1" : "info:srw/schema/1/dc-v1.1",
			    c->v2 ? "recordXMLEscaping" : "recordPacking", as_string ? "string" : "xml",
			    c->v2 ? "recordXMLEscaping" : "recordPacking");
			if (as_string)
				esc(c->out, buf_str(&rec));
			else
				buf_puts(c->out, buf_str(&rec));
			buf_release(&rec);
			buf_printf(c->out,
			           "</zs:recordData><zs:recordPosition>%ld</zs:recordPosition></zs:record>",
			           i + 1);
		}
		buf_puts(c->out, "</zs:records>");
		if (end < nhits)
			buf_printf(c->out, "<zs:nextRecordPosition>%ld</zs:nextRecordPosition>", end + 1);
	}
	buf_puts(c->out, "</zs:searchRetrieveResponse>\n");
	return 200;
}

int sru_respond(db_t *db, const sru_request_t *rq, arena_t *a, buf_t *out)
{
	ctx_t c = { .out = out };
	const char *v = rq->version;
	c.v2 = v && strcmp(v, "2.0") == 0;
	c.zs = c.v2 ? "http://docs.oasis-open.org/ns/search-ws/sruResponse" : "http://www.loc.gov/zing/srw/";
	c.diag_ns = c.v2 ? "http://docs.oasis-open.org/ns/search-ws/diagnostic"
	                 : "http://www.loc.gov/zing/srw/diagnostic/";
	const char *op = rq->operation && *rq->operation ? rq->operation
	                 : rq->query                     ? "searchRetrieve"
	                                                 : "explain";

	/* The scope: the whole city, or one school; read as an inspector would. */
	actor_t actor;
	memset(&actor, 0, sizeof actor);
	actor.role = ROLE_INSPECTOR;
	const char *title = "Thư viện trường học: mục lục liên hợp";
	if (rq->unit_code) {
		unit_t u;
		err_t err;
		if (units_get_by_code(db, rq->unit_code, a, &u, &err) < 0 || strcmp(u.kind, "school") != 0 ||
		    !u.active) {
			if (strcmp(op, "explain") == 0) {
				head(&c, "explainResponse");
				diag(&c, 235, rq->unit_code, "Database does not exist");
				buf_puts(out, "</zs:explainResponse>\n");
			} else
				search_diag(&c, 235, rq->unit_code, "Database does not exist");
			return 404;
		}
		actor.unit_id = u.id;
		snprintf(actor.unit_path, sizeof actor.unit_path, "%s", u.path);
		snprintf(actor.unit_kind, sizeof actor.unit_kind, "school");
		snprintf(actor.unit_code, sizeof actor.unit_code, "%s", u.code);
		actor.role = ROLE_LEADER;
		title = arena_printf(a, "%s (%s)", u.name, u.code);
	} else {
		snprintf(actor.unit_path, sizeof actor.unit_path, "/");
		snprintf(actor.unit_kind, sizeof actor.unit_kind, "department");
	}

	if (v && *v && strcmp(v, "1.2") != 0 && strcmp(v, "1.1") != 0 && strcmp(v, "2.0") != 0) {
		search_diag(&c, 5, v, "Unsupported version");
		return 200;
	}
	if (strcmp(op, "explain") == 0) {
		explain(&c, rq, title);
		return 200;
	}
	if (strcmp(op, "searchRetrieve") != 0) {
		search_diag(&c, 4, op, "Unsupported operation");
		return 200;
	}
	return search(db, &c, rq, &actor, a);
}
