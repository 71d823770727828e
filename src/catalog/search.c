/* search.c: the staff catalogue search (catalog.h).
 *
 * What matches. The query is folded (text_fold) and cut into words: runs of a-z, 0-9 and
 * non-ASCII bytes, every other ASCII character separating them. A record matches when every
 * word (at most MAX_WORDS) is a prefix of one of the record's words: biblios.search_words holds
 * them, cut by the same rule from the folded search text (title, subtitle, authors, subjects,
 * series, publisher, ISBN, class number) and padded with spaces, so "tieng vi" finds
 * " tieng viet " and "dai" finds "Đại". The word test is the portable
 * `search_words LIKE '% word%'` (words hold no LIKE wildcard), the same on both backends, so
 * both give the same hits by construction. A query with characters but no word ("%", "&") finds
 * no record by its words; an empty query lists every record (of the filters). An ISBN finds
 * its record; an accession number or barcode finds the record of that copy. Filters: document
 * type, class number prefix, year range, and "has a copy with this status".
 *
 * The order: titles that start with the folded query first (the exact title first among them,
 * since it sorts before its extensions), then the rest; each part by folded title (bytes) and id.
 * "Starts with" is the byte range [q, q + U+10FFFF), the same test in SQL and in C.
 *
 * How it stays fast on a large catalogue (0004_search_prefix.sql). Counting and ranking every
 * hit costs a few microseconds a hit, which is too much for "t" among 300,000 records. So:
 *   1. The candidates come from an index and are checked exactly: on SQLite an FTS5 table whose
 *      `ascii` tokenizer cuts words by our very rule, with prefix indexes for 1-3 letters, so
 *      MATCH '"w1"* AND "w2"*' is fast even for "t"; on PostgreSQL the LIKE tests themselves,
 *      served by the pg_trgm GIN index. At most cap + 1 hits (default SEARCH_CAP) are read,
 *      with their folded titles: LIMIT stops the scan early.
 *   2. When there are at most cap hits (the usual case), they are ranked in C and the page is
 *      cut from them: the total is exact.
 *   3. Otherwise the query is common: hits are dense, so the page is found by walking the
 *      school's titles in order on the title index and testing each record, twice (titles that
 *      start with the query, then the others), stopping as soon as the page is full. The total
 *      is reported as "more than cap" (*q->more) and pages stop at cap hits.
 * The two ways give the same order by construction; tests/unit/test_search.c runs its table
 * with cap 1 to check it. The ISBN and copy lookups use plain indexes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "catalog/catalog.h"

#define MAX_WORDS 8
#define MAX_EXTRA 16 /* records found by ISBN, barcode or accession number */

static bool word_char(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* --- statements with their parameters, built together ------------------------------------------ */

typedef struct {
	const char *s; /* text (NULL binds NULL) unless is_int */
	int64_t i;
	bool is_int;
} arg_t;

typedef struct {
	buf_t sql;
	arg_t arg[48];
	int n;
} stmt_t;

static void s_text(stmt_t *s, const char *v)
{
	if (s->n < (int)(sizeof s->arg / sizeof s->arg[0]))
		s->arg[s->n++] = (arg_t){ .s = v };
}

static void s_int(stmt_t *s, int64_t v)
{
	if (s->n < (int)(sizeof s->arg / sizeof s->arg[0]))
		s->arg[s->n++] = (arg_t){ .i = v, .is_int = true };
}

static db_stmt_t *s_prepare(db_t *db, stmt_t *s, err_t *err)
{
	db_stmt_t *st = db_prepare(db, buf_str(&s->sql), err);
	if (!st)
		return NULL;
	for (int k = 0; k < s->n; k++) {
		if (s->arg[k].is_int)
			db_bind_int(st, k + 1, s->arg[k].i);
		else
			db_bind_text(st, k + 1, s->arg[k].s);
	}
	return st;
}

/* --- the parsed query ----------------------------------------------------------------------------- */

typedef struct {
	const actor_t *actor;
	bool pg;
	bool school; /* the actor's scope is one school: unit_id = ? */
	const char *path, *path_end;
	const char *folded, *hi; /* the folded query and the end of its "starts with" range */
	const char *like[MAX_WORDS];
	int nw;
	const char *fts;    /* the FTS5 match, "" when none */
	const char *pg_fts; /* PostgreSQL's tsquery of the ASCII words of 3+ characters, "" when none */
	const char *type, *class_like, *status;
	int year_from, year_to;
	int64_t extra[MAX_EXTRA]; /* ids found by ISBN or copy code, in scope and filters */
	int nextra;
} query_t;

/* The scope and the filters, for a record aliased b. */
static void where_common(stmt_t *s, const query_t *q)
{
	if (q->school) {
		buf_puts(&s->sql, " AND b.unit_id = ?");
		s_int(s, q->actor->unit_id);
	} else {
		buf_puts(&s->sql, " AND b.unit_id IN (SELECT id FROM units WHERE path >= ? AND path < ?)");
		s_text(s, q->path);
		s_text(s, q->path_end);
	}
	if (q->type) {
		buf_puts(&s->sql, " AND b.doc_type = ?");
		s_text(s, q->type);
	}
	if (q->class_like) {
		buf_puts(&s->sql, " AND lower(b.class_number) LIKE ? ESCAPE '\\'");
		s_text(s, q->class_like);
	}
	if (q->year_from) {
		buf_puts(&s->sql, " AND b.year >= ?");
		s_int(s, q->year_from);
	}
	if (q->year_to) {
		buf_puts(&s->sql, " AND b.year <= ?");
		s_int(s, q->year_to);
	}
	if (q->status) {
		buf_puts(&s->sql,
		         " AND EXISTS (SELECT 1 FROM items i WHERE i.biblio_id = b.id AND i.status = ?)");
		s_text(s, q->status);
	}
}

/* Whether word (LIKE pattern "% word%") is three or more ASCII letters and digits. */
static bool ascii_word(const char *like)
{
	size_t n = strlen(like);
	if (n < 3 + 3) /* "% " + word + "%" */
		return false;
	for (size_t i = 2; i + 1 < n; i++)
		if ((unsigned char)like[i] >= 0x80)
			return false;
	return true;
}

/* The word tests. On PostgreSQL the index that narrows the candidates depends on the word
 * (0007_search_words_pg.sql):
 *   - three or more ASCII letters and digits: the full-text index (q->pg_fts, one tsquery of them
 *     all, `'w':*` each), and its LIKE is written on an expression no index covers, so the planner
 *     does not also intersect the slower trigram lists;
 *   - one or two characters: no index at all (no trigram, and a prefix that short is in most
 *     records: the scan that LIMIT stops early is the fast way); statements are prepared once
 *     and PostgreSQL may keep one generic plan for every value, so these get a text of their own;
 *   - a word with other characters: the trigram index, through its LIKE.
 * The title walk (narrow false) tests rows it already reads in order: LIKE only. */
static void where_words(stmt_t *s, const query_t *q, bool narrow)
{
	if (narrow && q->pg && *q->pg_fts) {
		buf_puts(&s->sql, " AND to_tsvector('simple', b.search_words) @@ to_tsquery('simple', ?)");
		s_text(s, q->pg_fts);
	}
	for (int i = 0; i < q->nw; i++) {
		bool plain = q->pg && (strlen(q->like[i]) < 3 + 3 || ascii_word(q->like[i]));
		buf_puts(&s->sql,
		         plain ? " AND (b.search_words || '') LIKE ?" : " AND b.search_words LIKE ?");
		s_text(s, q->like[i]);
	}
}

/* A hit of the first step: the record and its folded title, for ranking in C. */
typedef struct {
	int64_t id;
	const char *title;
	int rank;
} hit_t;

static int hit_cmp(const void *x, const void *y)
{
	const hit_t *a = x, *b = y;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	int c = strcmp(a->title, b->title); /* bytes, as BINARY and COLLATE "C" */
	if (c)
		return c < 0 ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Whether title lies in [folded, hi): it starts with the query. */
static int starts(const query_t *q, const char *title)
{
	return strcmp(title, q->folded) >= 0 && strcmp(title, q->hi) < 0;
}

/* Run s and append its rows (id, title_fold) to *v, skipping ids already there, up to max. */
static int collect(db_t *db, stmt_t *s, const query_t *q, arena_t *a, hit_t *v, size_t *n, size_t max,
                   err_t *err)
{
	db_stmt_t *st = s_prepare(db, s, err);
	if (!st)
		return err->code;
	size_t before = *n;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW && *n < max) {
		int64_t id = db_col_int(st, 0);
		bool seen = false;
		for (size_t k = 0; k < before && !seen; k++)
			seen = v[k].id == id;
		if (seen)
			continue;
		const char *t = db_col_text(st, 1);
		v[*n].id = id;
		v[*n].title = arena_strdup(a, t ? t : "");
		v[*n].rank = starts(q, v[*n].title) ? 0 : 1;
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The records of one copy code (barcode or accession number) or ISBN, in scope and filters. */
static int lookups(db_t *db, query_t *q, const char *isbn, const char *code, arena_t *a, err_t *err)
{
	hit_t v[MAX_EXTRA];
	size_t n = 0;
	int rc = 0;
	if (*isbn) {
		stmt_t s = { .sql = BUF_INIT };
		buf_puts(&s.sql, "SELECT b.id, b.title_fold FROM biblios b WHERE b.isbn = ?");
		s_text(&s, isbn);
		where_common(&s, q);
		rc = collect(db, &s, q, a, v, &n, MAX_EXTRA, err);
		buf_release(&s.sql);
	}
	if (rc == 0 && *code) {
		stmt_t s = { .sql = BUF_INIT };
		buf_puts(&s.sql, "SELECT b.id, b.title_fold FROM items i CROSS JOIN biblios b "
		                 "WHERE (i.barcode = ? OR i.accession = ?) AND b.id = i.biblio_id");
		s_text(&s, code);
		s_text(&s, code);
		where_common(&s, q);
		rc = collect(db, &s, q, a, v, &n, MAX_EXTRA, err);
		buf_release(&s.sql);
	}
	for (size_t k = 0; k < n; k++)
		q->extra[k] = v[k].id;
	q->nextra = (int)n;
	return rc;
}

/* Step 1: at most max hits by words, then the lookups' records, ranked. */
static int first_hits(db_t *db, const query_t *q, arena_t *a, hit_t *v, size_t *n, size_t max, err_t *err)
{
	*n = 0;
	int rc = 0;
	if (!*q->folded || q->nw > 0) {
		stmt_t s = { .sql = BUF_INIT };
		if (!q->pg && *q->fts) {
			buf_puts(&s.sql, "SELECT b.id, b.title_fold FROM biblios_fts f CROSS JOIN biblios b "
			                 "WHERE biblios_fts MATCH ? AND b.id = f.rowid");
			s_text(&s, q->fts);
		} else {
			buf_puts(&s.sql, "SELECT b.id, b.title_fold FROM biblios b WHERE 1 = 1");
		}
		where_words(&s, q, true);
		where_common(&s, q);
		buf_puts(&s.sql, " LIMIT ?");
		s_int(&s, (int64_t)max);
		rc = collect(db, &s, q, a, v, n, max, err);
		buf_release(&s.sql);
	}
	if (rc < 0)
		return rc;
	/* The lookups' records that the words did not find (they are at most MAX_EXTRA). */
	for (int k = 0; k < q->nextra; k++) {
		bool seen = false;
		for (size_t j = 0; j < *n && !seen; j++)
			seen = v[j].id == q->extra[k];
		if (seen)
			continue;
		db_stmt_t *st =
		    db_query(db, err, "SELECT title_fold FROM biblios WHERE id = ?", "i", q->extra[k]);
		if (!st)
			return err->code;
		if ((rc = db_step(st, err)) == DB_ROW) {
			v[*n].id = q->extra[k];
			v[*n].title = arena_strdup(a, db_col_text(st, 0));
			v[*n].rank = starts(q, v[*n].title) ? 0 : 1;
			(*n)++;
		}
		db_done(st);
		if (rc < 0)
			return rc;
	}
	qsort(v, *n, sizeof *v, hit_cmp);
	return 0;
}

/* Step 3: one part of the title walk, rows [offset, offset + limit) of the part, into ids. */
static int walk(db_t *db, const query_t *q, bool prefix_part, int64_t offset, int64_t limit, int64_t *ids,
                size_t *n, err_t *err)
{
	/* SQLite walks the covering index in order by itself (LIKE uses no index there). PostgreSQL's
	 * planner underestimates LIKE and would rather fetch every hit through the trigram index and
	 * sort them all (44 ms for "united states" on 300,000 records, 300 ms with three words) than
	 * walk the title index and stop at the page (under 2 ms): so on PostgreSQL the school's titles
	 * in order are a subquery with OFFSET 0, which keeps the word tests out of it, and the word
	 * tests filter its rows as they stream. */
	stmt_t s = { .sql = BUF_INIT };
	const char *t = q->pg ? "b.title_fold COLLATE \"C\"" : "b.title_fold";
	if (q->pg)
		buf_puts(&s.sql,
		         "SELECT b.id FROM (SELECT b.id, b.title_fold, b.search_words FROM biblios b WHERE ");
	else
		buf_puts(&s.sql, "SELECT b.id FROM biblios b WHERE ");
	buf_printf(&s.sql, prefix_part ? "%s >= ? AND %s < ?" : "NOT (%s >= ? AND %s < ?)", t, t);
	s_text(&s, q->folded);
	s_text(&s, q->hi);
	where_common(&s, q);
	if (q->pg)
		buf_printf(&s.sql, " ORDER BY %s, b.id OFFSET 0) b WHERE 1 = 1", t);
	if (q->nw > 0 || q->nextra > 0) {
		buf_puts(&s.sql, " AND (");
		if (q->nw > 0) {
			buf_puts(&s.sql, "(1 = 1");
			where_words(&s, q, false);
			buf_puts(&s.sql, ")");
		} else {
			buf_puts(&s.sql, "1 = 0");
		}
		for (int k = 0; k < q->nextra; k++) {
			buf_puts(&s.sql, " OR b.id = ?");
			s_int(&s, q->extra[k]);
		}
		buf_puts(&s.sql, ")");
	}
	buf_printf(&s.sql, " ORDER BY %s, b.id LIMIT ? OFFSET ?", t);
	s_int(&s, limit);
	s_int(&s, offset);
	db_stmt_t *st = s_prepare(db, &s, err);
	buf_release(&s.sql);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW && *n < (size_t)limit)
		ids[(*n)++] = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The LIKE pattern "prefix%" of s, lowered, with the wildcards escaped (ESCAPE '\'). */
static char *prefix_pattern(arena_t *a, const char *s)
{
	buf_t b = BUF_INIT;
	for (; *s; s++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
		if (c == '%' || c == '_' || c == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, c);
	}
	buf_putc(&b, '%');
	char *r = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return r;
}

int catalog_search(db_t *db, const actor_t *actor, const catalog_query_t *cq, arena_t *a, biblio_t **out,
                   size_t *n, int64_t *total, err_t *err)
{
	*n = 0;
	*total = 0;
	if (cq && cq->more)
		*cq->more = false;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	const char *raw = cq && cq->q ? cq->q : "";
	if (strlen(raw) > 500)
		return err_set(err, ERR_INVALID, "err.field.long", "q");
	char *folded = text_fold(a, raw);
	if (!folded)
		return err_set(err, ERR_INVALID, "err.utf8", "q");
	query_t q = { .actor = actor, .pg = db_kind(db) == DB_POSTGRES, .folded = folded };
	q.school = strcmp(actor->unit_kind, "school") == 0;
	q.path = actor->unit_path;
	q.path_end = actor_path_end(a, actor->unit_path);
	q.hi = arena_printf(a, "%s\xf4\x8f\xbf\xbf", folded);
	int limit = cq && cq->limit > 0 && cq->limit <= 100 ? cq->limit : 20;
	int64_t offset = cq && cq->offset > 0 ? cq->offset : 0;
	int64_t cap = cq && cq->cap > 0 ? cq->cap : SEARCH_CAP;
	if (cq) {
		q.type = cq->doc_type && *cq->doc_type ? cq->doc_type : NULL;
		q.status = cq->status && *cq->status ? cq->status : NULL;
		if (cq->class_prefix && *cq->class_prefix) {
			if (strlen(cq->class_prefix) > 50)
				return err_set(err, ERR_INVALID, "err.field.long", "class");
			char *c = arena_strdup(a, cq->class_prefix);
			text_trim(c);
			if (*c)
				q.class_like = prefix_pattern(a, c);
		}
		q.year_from = cq->year_from;
		q.year_to = cq->year_to;
	}

	/* The words: LIKE patterns "% word%", and the FTS5 match of them (each quoted: a word holds
	 * no '"', so no FTS5 syntax; the ascii tokenizer makes the word one token). */
	buf_t match = BUF_INIT;
	for (const char *p = folded; *p && q.nw < MAX_WORDS;) {
		if (!word_char((unsigned char)*p)) {
			p++;
			continue;
		}
		size_t len = 0;
		while (word_char((unsigned char)p[len]))
			len++;
		q.like[q.nw++] = arena_printf(a, "%% %.*s%%", (int)len, p);
		buf_printf(&match, "%s\"%.*s\"*", match.len ? " AND " : "", (int)len, p);
		p += len;
	}
	q.fts = arena_strdup(a, buf_str(&match));
	buf_release(&match);
	buf_t tsq = BUF_INIT;
	for (int i = 0; q.pg && i < q.nw; i++)
		if (ascii_word(q.like[i]))
			buf_printf(&tsq, "%s'%.*s':*", tsq.len ? " & " : "", (int)strlen(q.like[i]) - 3,
			           q.like[i] + 2);
	q.pg_fts = arena_strdup(a, buf_str(&tsq));
	buf_release(&tsq);

	char isbn[14] = "";
	err_t ignore;
	if (isbn_normalize(raw, isbn, &ignore) < 0)
		isbn[0] = 0;
	char *code = arena_strdup(a, raw);
	text_trim(code);
	for (char *p = code; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);

	int rc;
	if ((rc = lookups(db, &q, isbn, code, a, err)) < 0)
		return rc;
	hit_t *hits = arena_zalloc(a, (size_t)(cap + 1 + MAX_EXTRA) * sizeof *hits);
	size_t nhits = 0;
	if ((rc = first_hits(db, &q, a, hits, &nhits, (size_t)cap + 1, err)) < 0)
		return rc;

	int64_t *ids = arena_zalloc(a, (size_t)limit * sizeof *ids);
	size_t cnt = 0;
	if ((int64_t)nhits <= cap) {
		*total = (int64_t)nhits;
		for (int64_t k = offset; k < (int64_t)nhits && cnt < (size_t)limit; k++)
			ids[cnt++] = hits[k].id;
	} else {
		*total = cap;
		if (cq && cq->more)
			*cq->more = true;
		int64_t want = offset + limit > cap ? cap - offset : limit;
		if (want > 0) {
			/* The titles that start with the query, up to the end of the page, then the rest. */
			int64_t *pre = arena_zalloc(a, (size_t)(offset + want) * sizeof *pre);
			size_t npre = 0;
			if ((rc = walk(db, &q, true, 0, offset + want, pre, &npre, err)) < 0)
				return rc;
			for (size_t k = (size_t)offset; k < npre; k++)
				ids[cnt++] = pre[k];
			if ((int64_t)cnt < want) {
				int64_t skip = offset > (int64_t)npre ? offset - (int64_t)npre : 0;
				size_t m = 0;
				if ((rc = walk(db, &q, false, skip, want - (int64_t)cnt, ids + cnt, &m,
				               err)) < 0)
					return rc;
				cnt += m;
			}
		}
	}

	biblio_t *v = arena_zalloc(a, (cnt ? cnt : 1) * sizeof *v);
	if ((rc = catalog_biblio_get_many(db, actor, ids, cnt, a, v, err)) < 0)
		return rc;
	*out = v;
	*n = cnt;
	return 0;
}
