/* search.c: the staff catalogue search (catalog.h).
 *
 * Every word of the query, folded, must occur in the record's folded search text (title,
 * subtitle, authors, subjects, series, publisher, ISBN, class number); an ISBN finds its record;
 * an accession number or barcode finds the record of that copy. Exact title matches come first,
 * then titles starting with the query, then by title. The same SQL on both backends, so they
 * return the same hits in the same order.
 *
 * The words are matched with LIKE '%word%', so a large catalogue scans its school's rows; the
 * full-text index (FTS5 / PostgreSQL) that makes a city-wide catalogue fast is the next step. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "catalog/catalog.h"

#define MAX_WORDS 8

/* The LIKE pattern %word% with the wildcards in word escaped. */
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

int catalog_search(db_t *db, const actor_t *actor, const catalog_query_t *q, arena_t *a, biblio_t **out, size_t *n,
                   int64_t *total, err_t *err)
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

	/* Split into at most MAX_WORDS words. */
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
	if (isbn_normalize(raw, isbn, &ignore) < 0)
		isbn[0] = 0;
	char *code = arena_strdup(a, raw);
	text_trim(code);
	for (char *p = code; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);

	/* The SQL has one LIKE per word; its shape (not its values) depends on the word count, so
	 * there are MAX_WORDS + 1 statements in the cache at most. */
	buf_t where = BUF_INIT;
	buf_puts(&where, "FROM biblios b JOIN units u ON u.id = b.unit_id WHERE u.path >= ? AND u.path < ? "
	                 "AND (CAST(? AS TEXT) IS NULL OR b.doc_type = ?) AND ((1 = 1");
	for (int i = 0; i < nw; i++)
		buf_puts(&where, " AND b.search_fold LIKE ? ESCAPE '\\'");
	buf_puts(&where, ") OR (CAST(? AS TEXT) <> '' AND b.isbn = ?) OR EXISTS (SELECT 1 FROM items i WHERE "
	                 "i.biblio_id = b.id AND (i.barcode = ? OR i.accession = ?)))");

	char *count_sql = arena_printf(a, "SELECT COUNT(*) %s", buf_str(&where));
	char *list_sql = arena_printf(a,
	                              "SELECT b.id, CASE WHEN b.title_fold = ? THEN 0 WHEN b.title_fold LIKE ? ESCAPE '\\' "
	                              "THEN 1 ELSE 2 END AS rank %s ORDER BY rank, b.title_fold, b.id LIMIT ? OFFSET ?",
	                              buf_str(&where));
	buf_release(&where);
	char *prefix = arena_printf(a, "%s%%", folded); /* escaping: a wildcard here only widens rank 1 */
	const char *end = actor_path_end(a, actor->unit_path);

	/* Bind by index: the word count varies. */
	int rc;
	db_stmt_t *st = db_prepare(db, count_sql, err);
	if (!st)
		return err->code;
	int k = 1;
	db_bind_text(st, k++, actor->unit_path);
	db_bind_text(st, k++, end);
	db_bind_text(st, k++, type);
	db_bind_text(st, k++, type);
	for (int i = 0; i < nw; i++)
		db_bind_text(st, k++, words[i]);
	db_bind_text(st, k++, isbn);
	db_bind_text(st, k++, isbn);
	db_bind_text(st, k++, code);
	db_bind_text(st, k++, code);
	rc = db_step(st, err);
	*total = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc < 0)
		return rc;

	st = db_prepare(db, list_sql, err);
	if (!st)
		return err->code;
	k = 1;
	db_bind_text(st, k++, folded);
	db_bind_text(st, k++, prefix);
	db_bind_text(st, k++, actor->unit_path);
	db_bind_text(st, k++, end);
	db_bind_text(st, k++, type);
	db_bind_text(st, k++, type);
	for (int i = 0; i < nw; i++)
		db_bind_text(st, k++, words[i]);
	db_bind_text(st, k++, isbn);
	db_bind_text(st, k++, isbn);
	db_bind_text(st, k++, code);
	db_bind_text(st, k++, code);
	db_bind_int(st, k++, limit);
	db_bind_int(st, k++, offset);
	int64_t ids[100];
	size_t cnt = 0;
	while ((rc = db_step(st, err)) == DB_ROW && cnt < 100)
		ids[cnt++] = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;

	biblio_t *v = arena_zalloc(a, (cnt ? cnt : 1) * sizeof *v);
	for (size_t i = 0; i < cnt; i++)
		if ((rc = catalog_biblio_get(db, actor, ids[i], a, &v[i], err)) < 0)
			return rc;
	*out = v;
	*n = cnt;
	return 0;
}
