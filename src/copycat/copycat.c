/* copycat.c: copy cataloguing over Z39.50 and SRU with YAZ's ZOOM API, the import of a retrieved
 * record through src/marc, and the city's union catalogue (copycat.h).
 *
 * A search opens one ZOOM connection per target in asynchronous mode, queues the connect, the
 * search and the first max_hits records (the "count" option: they come with the search or one
 * present), then drives every connection with ZOOM_event() until all are done or the deadline
 * has passed. ZOOM's own "timeout" option ends a connection that stays silent that long; the
 * deadline check ends the loop when a target keeps answering slowly, so a search costs at most
 * about twice the timeout even then. Records are taken with ZOOM_resultset_record_immediate(),
 * which never blocks, and read by marc_read_buf() exactly as a file would be.
 *
 * The union search is one read-only query over the biblios of every school of the actor's city;
 * it returns public bibliographic fields and counts of copies, never a copy's number or barcode. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaz/zoom.h>

#include "base/buf.h"
#include "base/text.h"
#include "copycat/copycat.h"
#include "marc/marc.h"

/* --- targets ------------------------------------------------------------------------------------- */

static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* "host:port/database" or "http://host:port/path": printable ASCII without spaces or commas. */
static int address_ok(const char *s, int sru)
{
	size_t n = strlen(s);
	if (n == 0 || n > 300)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ',')
			return 0;
	if (sru)
		return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
	return strchr(s, ':') != NULL && strncmp(s, "http", 4) != 0;
}

int copycat_targets_parse(const char *spec, arena_t *a, copycat_target_t **out, size_t *n, err_t *err)
{
	*out = arena_zalloc(a, COPYCAT_MAX_TARGETS * sizeof **out);
	*n = 0;
	char *s = arena_strdup(a, spec ? spec : "");
	char *save = NULL;
	for (char *e = strtok_r(s, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		e = text_trim(e);
		if (!*e)
			continue;
		int sru = 0;
		if (strncmp(e, "sru:", 4) == 0) {
			sru = 1;
			e += 4;
		}
		char *eq = strchr(e, '=');
		if (!eq || !name_ok(e, (size_t)(eq - e)) || !address_ok(eq + 1, sru))
			return err_set(err, ERR_INVALID, "err.copycat.config", "%.200s", e);
		if (*n == COPYCAT_MAX_TARGETS)
			return err_set(err, ERR_INVALID, "err.copycat.config", "more than %d targets",
			               COPYCAT_MAX_TARGETS);
		*eq = 0;
		for (size_t i = 0; i < *n; i++)
			if (strcmp((*out)[i].name, e) == 0)
				return err_set(err, ERR_INVALID, "err.copycat.config", "target %s twice", e);
		(*out)[*n] = (copycat_target_t){ .name = e, .address = eq + 1, .sru = sru };
		(*n)++;
	}
	return 0;
}

int copycat_by_parse(const char *s)
{
	if (!s || !*s || !strcmp(s, "auto"))
		return COPYCAT_BY_AUTO;
	if (!strcmp(s, "title"))
		return COPYCAT_BY_TITLE;
	if (!strcmp(s, "author"))
		return COPYCAT_BY_AUTHOR;
	if (!strcmp(s, "isbn"))
		return COPYCAT_BY_ISBN;
	return -1;
}

/* --- queries ------------------------------------------------------------------------------------- */

/* term as a quoted PQF or CQL string: '"' and '\' escaped with '\' (both languages read that);
 * in CQL also the masking characters, so a typed '*' is a character, not a wildcard. */
static char *quoted(arena_t *a, const char *term, int cql)
{
	buf_t b = BUF_INIT;
	buf_putc(&b, '"');
	for (const char *p = term; *p; p++) {
		if (*p == '"' || *p == '\\' || (cql && (*p == '*' || *p == '?' || *p == '^')))
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '"');
	char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

/* The query in the target's language: PQF with Bib-1 use attributes (4 title, 1003 author, 7 ISBN)
 * for Z39.50, CQL with the Dublin Core / Bath indexes for SRU. */
static const char *build_query(arena_t *a, const char *term, copycat_by_t by, int sru)
{
	static const char *const pqf[] = { "", "@attr 1=4", "@attr 1=1003", "@attr 1=7" };
	static const char *const cql[] = { "", "dc.title", "dc.creator", "bath.isbn" };
	return arena_printf(a, "%s%s%s", sru ? cql[by] : pqf[by], sru ? "=" : " ", quoted(a, term, sru));
}

/* --- search -------------------------------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Take the records a finished connection holds into out->hits. */
static void collect(ZOOM_resultset rs, const char *target, int max_hits, arena_t *a, copycat_result_t *res,
                    copycat_search_out_t *out)
{
	size_t size = ZOOM_resultset_size(rs);
	res->total = (int64_t)size;
	size_t want = size < (size_t)max_hits ? size : (size_t)max_hits;
	for (size_t i = 0; i < want; i++) {
		ZOOM_record rec = ZOOM_resultset_record_immediate(rs, i);
		int len = 0;
		const char *raw = rec ? ZOOM_record_get(rec, "raw", &len) : NULL;
		marc_batch_t b;
		err_t e;
		if (!raw || len <= 0 || marc_read_buf(raw, (size_t)len, a, &b, &e) < 0 || b.nrecs != 1) {
			res->rejected++;
			continue;
		}
		copycat_hit_t *h = &out->hits[out->nhits++];
		h->target = target;
		h->position = (int)i + 1;
		h->bib = b.recs[0].bib;
		h->raw = arena_strndup(a, raw, (size_t)len);
		h->raw_len = (size_t)len;
		h->marcxml = b.recs[0].marcxml;
	}
}

int copycat_search(const copycat_target_t *targets, size_t ntargets, const char *query, copycat_by_t by,
                   int max_hits, int timeout, arena_t *a, copycat_search_out_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!targets || ntargets == 0)
		return err_set(err, ERR_INVALID, "err.copycat.no_targets", NULL);
	if (ntargets > COPYCAT_MAX_TARGETS)
		ntargets = COPYCAT_MAX_TARGETS;
	if (!query || strlen(query) > COPYCAT_MAX_QUERY || !text_valid_utf8(query, strlen(query)))
		return err_set(err, ERR_INVALID, "err.copycat.query", NULL);
	char *term = text_nfc(a, query);
	if (!term)
		return err_set(err, ERR_INVALID, "err.copycat.query", NULL);
	term = text_trim(term);
	for (char *p = term; *p; p++) /* control characters: none belongs in a query */
		if ((unsigned char)*p < ' ')
			*p = ' ';
	if (!*term)
		return err_set(err, ERR_INVALID, "err.copycat.query", NULL);
	char isbn[14];
	err_t ignore;
	int is_isbn = isbn_normalize(term, isbn, &ignore) == 0;
	if (by == COPYCAT_BY_AUTO)
		by = is_isbn ? COPYCAT_BY_ISBN : COPYCAT_BY_TITLE;
	if (by < COPYCAT_BY_TITLE || by > COPYCAT_BY_ISBN)
		return err_set(err, ERR_INVALID, "err.copycat.by", NULL);
	if (by == COPYCAT_BY_ISBN) {
		if (!is_isbn)
			return err_set(err, ERR_INVALID, "err.isbn", NULL);
		term = arena_strdup(a, isbn);
	}
	if (max_hits < 1)
		max_hits = 1;
	if (max_hits > COPYCAT_MAX_HITS)
		max_hits = COPYCAT_MAX_HITS;
	if (timeout < 1 || timeout > COPYCAT_MAX_TIMEOUT)
		timeout = COPYCAT_MAX_TIMEOUT;

	out->targets = arena_zalloc(a, ntargets * sizeof *out->targets);
	out->ntargets = ntargets;
	out->hits = arena_zalloc(a, ntargets * (size_t)max_hits * sizeof *out->hits);
	ZOOM_connection cs[COPYCAT_MAX_TARGETS] = { 0 };
	ZOOM_resultset rs[COPYCAT_MAX_TARGETS] = { 0 };
	char tmo[16], count[16];
	snprintf(tmo, sizeof tmo, "%d", timeout);
	snprintf(count, sizeof count, "%d", max_hits);

	for (size_t i = 0; i < ntargets; i++) {
		const copycat_target_t *t = &targets[i];
		out->targets[i] = (copycat_result_t){ .target = t->name, .total = -1 };
		ZOOM_options o = ZOOM_options_create();
		ZOOM_options_set(o, "async", "1");
		ZOOM_options_set(o, "timeout", tmo);
		ZOOM_options_set(o, "count", count);
		ZOOM_options_set(o, "preferredRecordSyntax", "usmarc");
		if (t->sru) {
			ZOOM_options_set(o, "sru", "get");
			ZOOM_options_set(o, "schema", "marcxml");
		}
		cs[i] = ZOOM_connection_create(o);
		ZOOM_options_destroy(o);
		ZOOM_connection_connect(cs[i], t->address, 0);
		ZOOM_query q = ZOOM_query_create();
		const char *qs = build_query(a, term, by, t->sru);
		if (t->sru)
			ZOOM_query_cql(q, qs);
		else
			ZOOM_query_prefix(q, qs);
		rs[i] = ZOOM_connection_search(cs[i], q);
		ZOOM_query_destroy(q);
	}

	double deadline = now() + timeout;
	while (ZOOM_event((int)ntargets, cs) > 0)
		if (now() > deadline)
			break;

	for (size_t i = 0; i < ntargets; i++) {
		copycat_result_t *res = &out->targets[i];
		const char *msg = NULL, *addinfo = NULL;
		int code = ZOOM_connection_error(cs[i], &msg, &addinfo);
		if (code) {
			res->timed_out = code == ZOOM_ERROR_TIMEOUT;
			res->error =
			    arena_printf(a, "%s%s%s (%d)", msg ? msg : "error",
			                 addinfo && *addinfo ? ": " : "", addinfo ? addinfo : "", code);
		} else if (!ZOOM_connection_is_idle(cs[i])) {
			res->timed_out = 1;
			res->error = arena_printf(a, "no complete answer within %d s", timeout);
		} else {
			collect(rs[i], targets[i].name, max_hits, a, res, out);
		}
		ZOOM_resultset_destroy(rs[i]);
		ZOOM_connection_destroy(cs[i]);
	}
	return 0;
}

/* --- import -------------------------------------------------------------------------------------- */

int copycat_import(db_t *db, const actor_t *actor, const copycat_hit_t *hit, int copies, int64_t *id,
                   int64_t *dup_id, err_t *err)
{
	int rc;
	*id = 0;
	if (dup_id)
		*dup_id = 0;
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.catalog.write", NULL);
	if (copies < 1 || copies > 1000)
		return err_set(err, ERR_INVALID, "err.items.count", NULL);
	if (!hit || !hit->raw || hit->raw_len == 0)
		return err_set(err, ERR_INVALID, "err.copycat.record", NULL);
	arena_t *a = arena_new(16384);
	marc_batch_t b;
	if ((rc = marc_read_buf(hit->raw, hit->raw_len, a, &b, err)) < 0)
		goto done;
	if (b.nrecs != 1 || b.nproblems != 0) {
		rc = err_set(err, ERR_INVALID, "err.copycat.record", "%s",
		             b.nproblems ? b.problems[0].key : "not one record");
		goto done;
	}
	b.recs[0].holdings = 0; /* the other library's copies are not ours */
	if ((rc = marc_preview(db, actor, &b, err)) < 0)
		goto done;
	if (b.recs[0].duplicate) {
		if (dup_id)
			*dup_id = b.recs[0].dup_id;
		rc = err_set(err, ERR_CONFLICT, "err.copycat.duplicate", NULL);
		goto done;
	}
	marc_import_opts_t opts = { .copies = copies,
		                    .source = "other",
		                    .note = arena_printf(a, "copycat: %s #%d",
		                                         hit->target ? hit->target : "?", hit->position) };
	marc_import_result_t res;
	if ((rc = marc_commit(db, actor, &b, &opts, &res, err)) < 0)
		goto done;
	if (res.imported != 1) { /* written by someone else since the preview */
		if (dup_id)
			*dup_id = b.recs[0].dup_id;
		rc = err_set(err, ERR_CONFLICT, "err.copycat.duplicate", NULL);
		goto done;
	}
	rc = db_query_int(db, id, err,
	                  "SELECT MIN(biblio_id) FROM items WHERE acquisition_id = ? AND unit_id = ?", "ii",
	                  res.acquisition_id, actor->unit_id);
done:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

/* --- union catalogue ----------------------------------------------------------------------------- */

#define MAX_WORDS 8

static char *contains(arena_t *a, const char *w, size_t n)
{
	buf_t b = BUF_INIT;
	buf_putc(&b, '%');
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, w[i]);
	}
	buf_putc(&b, '%');
	char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

/* The city: the first segment of the actor's unit path ("/1/4/9/" -> "/1/"). */
static const char *city_path(arena_t *a, const char *path)
{
	const char *e = path[0] == '/' ? strchr(path + 1, '/') : NULL;
	return e ? arena_strndup(a, path, (size_t)(e - path + 1)) : NULL;
}

static void add_holding(arena_t *a, copycat_title_t *t, int64_t unit, const char *code, const char *name,
                        int64_t copies)
{
	for (size_t i = 0; i < t->nholdings; i++)
		if (t->holdings[i].unit_id == unit) {
			t->holdings[i].copies += copies;
			return;
		}
	if ((t->nholdings & (t->nholdings - 1)) == 0) { /* 0, 1, 2, 4...: grow to twice */
		copycat_holding_t *v = arena_alloc(a, (t->nholdings ? 2 * t->nholdings : 1) * sizeof *v);
		if (t->nholdings)
			memcpy(v, t->holdings, t->nholdings * sizeof *v);
		t->holdings = v;
	}
	size_t k = t->nholdings++; /* by code */
	while (k > 0 && strcmp(t->holdings[k - 1].unit_code, code) > 0) {
		t->holdings[k] = t->holdings[k - 1];
		k--;
	}
	t->holdings[k] = (copycat_holding_t){ .unit_id = unit,
		                              .unit_code = arena_strdup(a, code),
		                              .unit_name = arena_strdup(a, name),
		                              .copies = copies };
}

int copycat_union_search(db_t *db, const actor_t *actor, const char *query, int limit, arena_t *a,
                         copycat_title_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (!query || strlen(query) > COPYCAT_MAX_QUERY)
		return err_set(err, ERR_INVALID, "err.copycat.query", NULL);
	char *folded = text_fold(a, query);
	if (!folded || !*folded)
		return err_set(err, ERR_INVALID, "err.copycat.query", NULL);
	const char *city = city_path(a, actor->unit_path);
	if (!city)
		return err_set(err, ERR_NOTFOUND, "err.notfound", NULL);
	if (limit < 1 || limit > 100)
		limit = 20;
	const char *words[MAX_WORDS];
	int nw = 0;
	for (char *p = folded; *p && nw < MAX_WORDS;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		words[nw++] = contains(a, p, len);
		p += len;
	}
	char isbn[14] = "";
	err_t ignore;
	if (isbn_normalize(query, isbn, &ignore) < 0)
		isbn[0] = 0;

	/* Rows are records; titles are grouped below. 20 records a title is plenty for a city. */
	buf_t sql = BUF_INIT;
	buf_puts(
	    &sql,
	    "SELECT b.id, b.unit_id, u.code, u.name, b.title, b.subtitle, b.authors, b.publisher, b.isbn, "
	    "COALESCE(b.year, 0), b.title_fold, b.authors_fold, (SELECT COUNT(*) FROM items i WHERE "
	    "i.biblio_id = b.id AND i.status <> 'withdrawn') FROM biblios b JOIN units u ON u.id = b.unit_id "
	    "WHERE u.path >= ? AND u.path < ? AND u.kind = 'school' AND ((1 = 1");
	for (int i = 0; i < nw; i++)
		buf_puts(&sql, " AND b.search_fold LIKE ? ESCAPE '\\'");
	buf_puts(&sql, ") OR (CAST(? AS TEXT) <> '' AND b.isbn = ?)) ORDER BY b.title_fold, b.id LIMIT ?");
	db_stmt_t *st = db_prepare(db, arena_strdup(a, buf_str(&sql)), err);
	buf_release(&sql);
	if (!st)
		return err->code;
	int k = 1;
	db_bind_text(st, k++, city);
	db_bind_text(st, k++, actor_path_end(a, city));
	for (int i = 0; i < nw; i++)
		db_bind_text(st, k++, words[i]);
	db_bind_text(st, k++, isbn);
	db_bind_text(st, k++, isbn);
	db_bind_int(st, k++, (int64_t)limit * 20);

	copycat_title_t *v = arena_zalloc(a, (size_t)limit * sizeof *v);
	const char **keys = arena_zalloc(a, (size_t)limit * sizeof *keys);
	size_t cnt = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *bisbn = db_col_text(st, 8);
		int year = (int)db_col_int(st, 9);
		const char *key = bisbn && *bisbn ? arena_printf(a, "#%s", bisbn)
		                                  : arena_printf(a, "%s|%s|%d", db_col_text(st, 10),
		                                                 db_col_text(st, 11), year);
		size_t t = 0;
		while (t < cnt && strcmp(keys[t], key) != 0)
			t++;
		if (t == cnt) {
			if (cnt == (size_t)limit)
				continue;
			keys[cnt] = key;
			v[cnt] = (copycat_title_t){ .title = arena_strdup(a, db_col_text(st, 4)),
				                    .subtitle = arena_strdup(a, db_col_text(st, 5)),
				                    .authors = arena_strdup(a, db_col_text(st, 6)),
				                    .publisher = arena_strdup(a, db_col_text(st, 7)),
				                    .isbn = arena_strdup(a, bisbn ? bisbn : ""),
				                    .year = year };
			cnt++;
		}
		int64_t unit = db_col_int(st, 1);
		if (unit == actor->unit_id && !v[t].biblio_id)
			v[t].biblio_id = db_col_int(st, 0);
		add_holding(a, &v[t], unit, db_col_text(st, 2), db_col_text(st, 3), db_col_int(st, 12));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = cnt;
	return 0;
}
