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
 * no record by its words; an empty query lists every record (of the type filter). An ISBN finds
 * its record; an accession number or barcode finds the record of that copy.
 *
 * How it is fast (0003_search.sql). The candidates come from an index, then the exact test above
 * is applied to them:
 *   SQLite:     FTS5 over search_words, MATCH '"w1"* AND "w2"*' (bound). The FTS5 tokens of a
 *               prefix of a word are a prefix of the word's tokens, so every record matching a
 *               word matches its FTS5 phrase-prefix: the FTS5 hits are a superset. A word without
 *               an ASCII letter or digit may have no FTS5 token: it is left out of the MATCH
 *               (and when no word is left, the school's records are scanned).
 *   PostgreSQL: the LIKE tests themselves, served by the pg_trgm GIN index on search_words.
 * The ISBN and copy lookups use plain indexes. The hits are then limited to the actor's subtree
 * and the type, and ranked: exact folded title, then titles starting with the folded query, then
 * by folded title (byte order on both backends) and id; COUNT(*) OVER () gives the total in the
 * same pass. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "catalog/catalog.h"

#define MAX_WORDS 8

static bool word_char(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The LIKE pattern "prefix%" with the wildcards of s escaped (ESCAPE '\'). */
static char *starts_with(arena_t *a, const char *s)
{
	buf_t b = BUF_INIT;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	char *r = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return r;
}

int catalog_search(db_t *db, const actor_t *actor, const catalog_query_t *q, arena_t *a, biblio_t **out,
                   size_t *n, int64_t *total, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	const char *raw = q && q->q ? q->q : "";
	if (strlen(raw) > 500)
		return err_set(err, ERR_INVALID, "err.field.long", "q");
	char *folded = text_fold(a, raw);
	if (!folded)
		return err_set(err, ERR_INVALID, "err.utf8", "q");
	int limit = q && q->limit > 0 && q->limit <= 100 ? q->limit : 20;
	int offset = q && q->offset > 0 ? q->offset : 0;
	const char *type = q && q->doc_type && *q->doc_type ? q->doc_type : NULL;
	bool pg = db_kind(db) == DB_POSTGRES;

	/* The words: LIKE patterns "% word%", and the FTS5 match of those with an ASCII letter or
	 * digit (each quoted: a word holds no '"', so no FTS5 syntax). */
	const char *like[MAX_WORDS];
	int nw = 0;
	buf_t match = BUF_INIT;
	for (const char *p = folded; *p && nw < MAX_WORDS;) {
		if (!word_char((unsigned char)*p)) {
			p++;
			continue;
		}
		size_t len = 0;
		bool ascii = false;
		for (; word_char((unsigned char)p[len]); len++)
			ascii = ascii || (unsigned char)p[len] < 0x80;
		like[nw++] = arena_printf(a, "%% %.*s%%", (int)len, p);
		if (ascii)
			buf_printf(&match, "%s\"%.*s\"*", match.len ? " AND " : "", (int)len, p);
		p += len;
	}
	const char *fts = arena_strdup(a, buf_str(&match));
	buf_release(&match);

	char isbn[14] = "";
	err_t ignore;
	if (isbn_normalize(raw, isbn, &ignore) < 0)
		isbn[0] = 0;
	char *code = arena_strdup(a, raw);
	text_trim(code);
	for (char *p = code; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);

	/* The candidates by words: the statement's shape depends on the backend, the word count and
	 * whether there is an FTS5 match, so the cache holds a few dozen statements at most. */
	buf_t sql = BUF_INIT;
	buf_puts(&sql, "WITH hits (id) AS (");
	if (!*folded) {
		buf_puts(&sql, "SELECT id FROM biblios UNION ");
	} else if (nw > 0) {
		if (!pg && *fts)
			buf_puts(
			    &sql,
			    "SELECT b.id FROM biblios_fts f CROSS JOIN biblios b WHERE biblios_fts MATCH ? "
			    "AND b.id = f.rowid");
		else
			buf_puts(&sql, "SELECT b.id FROM biblios b WHERE 1 = 1");
		for (int i = 0; i < nw; i++)
			buf_puts(&sql, " AND b.search_words LIKE ?");
		buf_puts(&sql, " UNION ");
	}
	buf_printf(
	    &sql,
	    "SELECT id FROM biblios WHERE CAST(? AS TEXT) <> '' AND isbn = ? "
	    "UNION SELECT biblio_id FROM items WHERE CAST(? AS TEXT) <> '' AND (barcode = ? OR accession = "
	    "?)) "
	    "SELECT b.id, CASE WHEN b.title_fold = ? THEN 0 WHEN b.title_fold LIKE ? ESCAPE '\\' THEN 1 "
	    "ELSE 2 END AS rank, COUNT(*) OVER () "
	    "FROM hits h CROSS JOIN biblios b CROSS JOIN units u "
	    "WHERE b.id = h.id AND u.id = b.unit_id AND u.path >= ? AND u.path < ? "
	    "AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?) "
	    "ORDER BY rank, b.title_fold%s, b.id LIMIT ? OFFSET ?",
	    pg ? " COLLATE \"C\"" : "");
	const char *end = actor_path_end(a, actor->unit_path);

	int rc;
	int64_t ids[100];
	size_t cnt = 0;
	*total = 0;
	/* Twice at most: a page past the end has no row to carry the total, so it is asked for with
	 * offset 0 and limit 1. */
	for (int pass = 0; pass < 2; pass++) {
		db_stmt_t *st = db_prepare(db, buf_str(&sql), err);
		if (!st) {
			rc = err->code;
			goto done;
		}
		int k = 1;
		if (*folded && nw > 0) {
			if (!pg && *fts)
				db_bind_text(st, k++, fts);
			for (int i = 0; i < nw; i++)
				db_bind_text(st, k++, like[i]);
		}
		db_bind_text(st, k++, isbn);
		db_bind_text(st, k++, isbn);
		db_bind_text(st, k++, code);
		db_bind_text(st, k++, code);
		db_bind_text(st, k++, code);
		db_bind_text(st, k++, folded);
		db_bind_text(st, k++, starts_with(a, folded));
		db_bind_text(st, k++, actor->unit_path);
		db_bind_text(st, k++, end);
		db_bind_text(st, k++, type);
		db_bind_text(st, k++, type);
		db_bind_int(st, k++, pass ? 1 : limit);
		db_bind_int(st, k++, pass ? 0 : offset);
		while ((rc = db_step(st, err)) == DB_ROW) {
			*total = db_col_int(st, 2);
			if (!pass && cnt < 100)
				ids[cnt++] = db_col_int(st, 0);
		}
		db_done(st);
		if (rc < 0)
			goto done;
		if (cnt > 0 || offset == 0)
			break;
	}

	biblio_t *v = arena_zalloc(a, (cnt ? cnt : 1) * sizeof *v);
	for (size_t i = 0; i < cnt; i++)
		if ((rc = catalog_biblio_get(db, actor, ids[i], a, &v[i], err)) < 0)
			goto done;
	*out = v;
	*n = cnt;
	rc = 0;
done:
	buf_release(&sql);
	return rc;
}
