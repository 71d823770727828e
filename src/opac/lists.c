/* lists.c: teachers' reading lists (danh mục sách giới thiệu, social.h): who makes them, who sees
 * them, and their records in order. A list never leaves its school: its records are the school's,
 * and anyone outside the school is told it does not exist. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "opac/readers.h"
#include "opac/social.h"

/* The school's librarian. */
static bool is_librarian(const actor_t *actor)
{
	return actor && actor->role == ROLE_LIBRARIAN && !strcmp(actor->unit_kind, "school");
}

int opac_list_check_maker(db_t *db, const actor_t *actor, err_t *err)
{
	if (is_librarian(actor))
		return 0;
	if (actor && actor->role == ROLE_READER && actor->patron_id) {
		arena_t *a = arena_new(512);
		circ_patron_t p;
		int rc = readers_self(db, actor, a, &p, err);
		bool teacher = rc == 0 && !strcmp(p.kind, "teacher");
		arena_free(a);
		if (rc < 0)
			return rc;
		if (teacher)
			return 0;
	}
	return err_set(err, ERR_FORBIDDEN, "err.list.forbidden", NULL);
}

/* The reader's class, for visibility ("" for none; NULL when the actor is not a reader). */
static const char *reader_class(db_t *db, const actor_t *actor, arena_t *a)
{
	circ_patron_t p;
	err_t e;
	if (!actor || actor->role != ROLE_READER || readers_self(db, actor, a, &p, &e) < 0)
		return NULL;
	return p.class_name;
}

/* cls: the reader's class as reader_class gives it (read once by the caller). */
static bool may_see_as(const actor_t *actor, const char *cls, const opac_list_t *l)
{
	if (!actor || actor->unit_id != l->unit_id)
		return false;
	if (l->owner_id == actor->account_id || actor->role != ROLE_READER)
		return true;
	return cls && (!*l->class_name || !strcmp(cls, l->class_name));
}

static bool may_see(db_t *db, const actor_t *actor, const opac_list_t *l, arena_t *a)
{
	return may_see_as(actor, reader_class(db, actor, a), l);
}

#define LIST_COLS                                                                                            \
	"SELECT l.id, l.unit_id, l.owner_id, l.title, l.note, l.class_name, a.full_name, l.updated_at"       \
	" FROM reading_lists l JOIN accounts a ON a.id = l.owner_id"

static void read_list(db_stmt_t *st, const actor_t *actor, arena_t *a, opac_list_t *l)
{
	memset(l, 0, sizeof *l);
	l->id = db_col_int(st, 0);
	l->unit_id = db_col_int(st, 1);
	l->owner_id = db_col_int(st, 2);
	l->title = arena_strdup(a, db_col_text(st, 3));
	l->note = arena_strdup(a, db_col_text(st, 4));
	l->class_name = arena_strdup(a, db_col_text(st, 5));
	l->owner_name = arena_strdup(a, db_col_text(st, 6));
	l->updated_at = db_col_int(st, 7);
	l->can_edit = actor && (l->owner_id == actor->account_id ||
	                        (is_librarian(actor) && actor->unit_id == l->unit_id));
}

/* The list id as the actor may see it (else ERR_NOTFOUND); with edit, as the actor may change it
 * (else ERR_FORBIDDEN when it may only see it). */
static int load(db_t *db, const actor_t *actor, int64_t id, bool edit, arena_t *a, opac_list_t *l, err_t *err)
{
	db_stmt_t *st = db_query(db, err, LIST_COLS " WHERE l.id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_list(st, actor, a, l);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || !may_see(db, actor, l, a))
		return err_set(err, ERR_NOTFOUND, "err.list.notfound", NULL);
	if (edit && !l->can_edit)
		return err_set(err, ERR_FORBIDDEN, "err.list.forbidden", NULL);
	return 0;
}

/* Trimmed NFC copy of s with at most max characters (ERR_INVALID key otherwise). */
static int clean(arena_t *a, const char *s, size_t max, bool required, const char *key, char **out,
                 err_t *err)
{
	*out = text_nfc(a, s ? s : "");
	if (!*out)
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	text_trim(*out);
	if ((required && !**out) || text_length(*out) > max)
		return err_set(err, ERR_INVALID, key, NULL);
	return 0;
}

int opac_list_save(db_t *db, const actor_t *actor, int64_t id, const char *title, const char *note,
                   const char *class_name, int64_t *out_id, err_t *err)
{
	arena_t *a = arena_new(1024);
	int rc, own = 0;
	char *t, *n, *c;
	opac_list_t l;
	if ((rc = opac_list_check_maker(db, actor, err)) < 0 ||
	    (rc = clean(a, title, 200, true, "err.list.title", &t, err)) < 0 ||
	    (rc = clean(a, note, 2000, false, "err.list.note", &n, err)) < 0 ||
	    (rc = clean(a, class_name, 40, false, "err.list.class", &c, err)) < 0)
		goto out;
	if (id && (rc = load(db, actor, id, true, a, &l, err)) < 0)
		goto out;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	int64_t now = clock_now();
	if (id) {
		rc = db_exec(db, err,
		             "UPDATE reading_lists SET title = ?, note = ?, class_name = ?, updated_at = ? "
		             "WHERE id = ?",
		             "sssii", t, n, c, now, id);
	} else {
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO reading_lists (unit_id, owner_id, title, note, class_name, created_at,"
		    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		    "iisssii", actor->unit_id, actor->account_id, t, n, c, now, now);
	}
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "list.save",
		                 "reading_list", id, arena_printf(a, "%s (%s)", t, *c ? c : "*"), NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0 && out_id)
		*out_id = id;
out:
	arena_free(a);
	return rc;
}

int opac_list_delete(db_t *db, const actor_t *actor, int64_t id, err_t *err)
{
	arena_t *a = arena_new(1024);
	opac_list_t l;
	int rc, own = 0;
	if ((rc = load(db, actor, id, true, a, &l, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	rc = db_exec(db, err, "DELETE FROM reading_list_items WHERE list_id = ?", "i", id);
	if (rc >= 0)
		rc = db_exec(db, err, "DELETE FROM reading_lists WHERE id = ?", "i", id);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, l.unit_id, actor->unit_path, "list.delete", "reading_list",
		                 id, l.title, NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

/* The record of the school that ref names: a record id, an ISBN, or a copy's barcode. 0: none. */
static int resolve(db_t *db, int64_t unit, const char *ref, int64_t *biblio, err_t *err)
{
	*biblio = 0;
	int rc;
	size_t n = strlen(ref), digits = strspn(ref, "0123456789");
	if (n && digits == n && n <= 12) {
		if ((rc =
		         db_query_int(db, biblio, err,
		                      "SELECT COALESCE(MAX(id), 0) FROM biblios WHERE id = ? AND unit_id = ?",
		                      "ii", (int64_t)strtoll(ref, NULL, 10), unit)) < 0 ||
		    *biblio)
			return rc;
	}
	char isbn[14];
	err_t e;
	if (isbn_normalize(ref, isbn, &e) == 0 &&
	    ((rc = db_query_int(db, biblio, err,
	                        "SELECT COALESCE(MIN(id), 0) FROM biblios WHERE unit_id = ? AND isbn = ?",
	                        "is", unit, isbn)) < 0 ||
	     *biblio))
		return rc;
	return db_query_int(db, biblio, err,
	                    "SELECT COALESCE(MIN(biblio_id), 0) FROM items WHERE unit_id = ? AND barcode = ?",
	                    "is", unit, ref);
}

static int touch(db_t *db, int64_t id, err_t *err)
{
	return db_exec(db, err, "UPDATE reading_lists SET updated_at = ? WHERE id = ?", "ii", clock_now(),
	               id);
}

int opac_list_add(db_t *db, const actor_t *actor, int64_t id, const char *ref, const char *note, err_t *err)
{
	arena_t *a = arena_new(1024);
	opac_list_t l;
	int rc, own = 0;
	char *r, *n;
	int64_t biblio = 0, pos = 0, dup = 0;
	if ((rc = load(db, actor, id, true, a, &l, err)) < 0 ||
	    (rc = clean(a, ref, 100, true, "err.list.ref", &r, err)) < 0 ||
	    (rc = clean(a, note, 500, false, "err.list.note", &n, err)) < 0)
		goto out;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	if ((rc = resolve(db, l.unit_id, r, &biblio, err)) < 0)
		goto done;
	if (!biblio) {
		rc = err_set(err, ERR_NOTFOUND, "err.list.ref", "%s", r);
		goto done;
	}
	if ((rc = db_query_int(db, &dup, err,
	                       "SELECT COUNT(*) FROM reading_list_items WHERE list_id = ? AND biblio_id = ?",
	                       "ii", id, biblio)) < 0)
		goto done;
	if (dup) {
		rc = err_set(err, ERR_CONFLICT, "err.list.dup", NULL);
		goto done;
	}
	if ((rc = db_query_int(db, &pos, err,
	                       "SELECT COALESCE(MAX(position), 0) FROM reading_list_items WHERE list_id = ?",
	                       "i", id)) < 0)
		goto done;
	rc =
	    db_exec(db, err,
	            "INSERT INTO reading_list_items (list_id, biblio_id, position, note) VALUES (?, ?, ?, ?)",
	            "iiis", id, biblio, pos + 1, n);
	if (rc >= 0)
		rc = touch(db, id, err);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, l.unit_id, actor->unit_path, "list.add", "reading_list", id,
		                 arena_printf(a, "biblio %lld", (long long)biblio), NULL, err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

int opac_list_remove(db_t *db, const actor_t *actor, int64_t id, int64_t biblio_id, err_t *err)
{
	arena_t *a = arena_new(1024);
	opac_list_t l;
	int rc, own = 0;
	if ((rc = load(db, actor, id, true, a, &l, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	rc = db_exec(db, err, "DELETE FROM reading_list_items WHERE list_id = ? AND biblio_id = ?", "ii", id,
	             biblio_id);
	if (rc == 0)
		rc = err_set(err, ERR_NOTFOUND, "err.list.item", NULL);
	if (rc >= 0)
		rc = touch(db, id, err);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, l.unit_id, actor->unit_path, "list.remove", "reading_list",
		                 id, arena_printf(a, "biblio %lld", (long long)biblio_id), NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

int opac_list_move(db_t *db, const actor_t *actor, int64_t id, int64_t biblio_id, int delta, err_t *err)
{
	arena_t *a = arena_new(1024);
	opac_list_t l;
	int rc, own = 0;
	int64_t pos = 0, other = 0, other_pos = 0;
	if ((rc = load(db, actor, id, true, a, &l, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	if ((rc = db_query_int(db, &pos, err,
	                       "SELECT COALESCE(MAX(position), 0) FROM reading_list_items"
	                       " WHERE list_id = ? AND biblio_id = ?",
	                       "ii", id, biblio_id)) < 0)
		goto done;
	if (!pos) {
		rc = err_set(err, ERR_NOTFOUND, "err.list.item", NULL);
		goto done;
	}
	/* The neighbour in the direction asked; none at either end: nothing moves. */
	db_stmt_t *st =
	    db_query(db, err,
	             delta < 0 ? "SELECT biblio_id, position FROM reading_list_items WHERE list_id = ?"
	                         " AND position < ? ORDER BY position DESC LIMIT 1"
	                       : "SELECT biblio_id, position FROM reading_list_items WHERE list_id = ?"
	                         " AND position > ? ORDER BY position LIMIT 1",
	             "ii", id, pos);
	if (!st) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_step(st, err)) == DB_ROW) {
		other = db_col_int(st, 0);
		other_pos = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0 || !other)
		goto done;
	rc =
	    db_exec(db, err, "UPDATE reading_list_items SET position = ? WHERE list_id = ? AND biblio_id = ?",
	            "iii", other_pos, id, biblio_id);
	if (rc >= 0)
		rc = db_exec(db, err,
		             "UPDATE reading_list_items SET position = ? WHERE list_id = ? AND biblio_id = ?",
		             "iii", pos, id, other);
	if (rc >= 0)
		rc = touch(db, id, err);
	if (rc >= 0)
		rc = audit_write(
		    db, actor, NULL, l.unit_id, actor->unit_path, "list.move", "reading_list", id,
		    arena_printf(a, "biblio %lld %s", (long long)biblio_id, delta < 0 ? "up" : "down"), NULL,
		    err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

int opac_list_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_list_t *out, err_t *err)
{
	int rc;
	if ((rc = load(db, actor, id, false, a, out, err)) < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.biblio_id, b.title, b.authors, COALESCE(b.year, 0), i.position, i.note"
	             " FROM reading_list_items i JOIN biblios b ON b.id = i.biblio_id"
	             " WHERE i.list_id = ? ORDER BY i.position",
	             "i", id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->items = arena_grow(a, out->items, out->nitems, &cap, 16, sizeof *out->items);
		opac_list_item_t *it = &out->items[out->nitems++];
		it->biblio_id = db_col_int(st, 0);
		it->title = arena_strdup(a, db_col_text(st, 1));
		it->authors = arena_strdup(a, db_col_text(st, 2));
		it->year = (int)db_col_int(st, 3);
		it->position = (int)db_col_int(st, 4);
		it->note = arena_strdup(a, db_col_text(st, 5));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int opac_lists_visible(db_t *db, const actor_t *actor, arena_t *a, opac_list_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	if (!actor)
		return 0;
	int rc;
	db_stmt_t *st =
	    db_query(db, err,
	             LIST_COLS " WHERE l.unit_id = ? ORDER BY CASE WHEN l.owner_id = ? THEN 0 ELSE 1 END,"
	                       " l.updated_at DESC, l.id DESC LIMIT 500",
	             "ii", actor->unit_id, actor->account_id);
	if (!st)
		return err->code;
	opac_list_t *v = NULL;
	size_t nv = 0, cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		v = arena_grow(a, v, nv, &cap, 8, sizeof *v);
		read_list(st, actor, a, &v[nv++]);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	const char *cls = reader_class(db, actor, a);
	for (size_t i = 0; i < nv && *n < 200; i++)
		if (may_see_as(actor, cls, &v[i]))
			(*out = v)[(*n)++] = v[i];
	return 0;
}

int opac_list_search(db_t *db, const actor_t *actor, const char *q, arena_t *a, opac_list_hit_t **out,
                     size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	if ((rc = opac_list_check_maker(db, actor, err)) < 0)
		return rc;
	char *f = q && strlen(q) <= 200 ? text_fold(a, q) : NULL;
	if (!f)
		return err_set(err, ERR_INVALID, "err.list.q", NULL);
	/* Words as the catalogue cuts them: runs of a-z, 0-9 and non-ASCII bytes. */
	const char *w[4] = { 0 };
	size_t nw = 0;
	for (char *p = f; *p && nw < 4;) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			p++;
			continue;
		}
		char *s = p;
		while (*p &&
		       ((unsigned char)*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			p++;
		w[nw++] = arena_printf(a, "%% %.*s%%", (int)(p - s), s);
	}
	if (!nw)
		return err_set(err, ERR_INVALID, "err.list.q", NULL);
	for (size_t i = nw; i < 4; i++)
		w[i] = "%";
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, title, authors, COALESCE(year, 0) FROM biblios WHERE unit_id = ?"
	                         " AND search_words LIKE ? AND search_words LIKE ? AND search_words LIKE ?"
	                         " AND search_words LIKE ? ORDER BY title_fold, id LIMIT 20",
	                         "issss", actor->unit_id, w[0], w[1], w[2], w[3]);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		opac_list_hit_t *h = &(*out)[(*n)++];
		h->id = db_col_int(st, 0);
		h->title = arena_strdup(a, db_col_text(st, 1));
		h->authors = arena_strdup(a, db_col_text(st, 2));
		h->year = (int)db_col_int(st, 3);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}
