/* record.c: what the public catalogue shows of a school, a record and a union work (record.h).
 *
 * The SQL here selects the public columns only, so nothing a page renders can carry a reader's
 * name or a copy's barcode: a copy on loan is read with its due date and nothing else of its
 * loan. A page of hits costs two statements (the records, then their copies counted); a record
 * page one statement for the record, one for its copies with their open loans, one for the hold
 * queue, one for the loan rule, and one for the viewer's reader record when a reader looks. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/text.h"
#include "circ/policy.h"
#include "opac/record.h"

/* --- schools ------------------------------------------------------------------------------------ */

static void read_school(db_stmt_t *st, int col, arena_t *a, opac_school_t *s)
{
	s->id = db_col_int(st, col);
	s->code = arena_strdup(a, db_col_text(st, col + 1));
	s->name = arena_strdup(a, db_col_text(st, col + 2));
	s->path = arena_strdup(a, db_col_text(st, col + 3));
	s->open = db_col_int(st, col + 4) != 0;
}

/* May this viewer read the school's catalogue? Anonymous visitors only an open one. */
static int check_open(const opac_school_t *s, const actor_t *actor, err_t *err)
{
	if (!s->open && !actor)
		return err_set(err, ERR_AUTH, "err.opac.closed", "%s", s->code);
	return 0;
}

int opac_school_by_code(db_t *db, const actor_t *actor, const char *code, arena_t *a, opac_school_t *out,
                        err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!code || !*code || strlen(code) > 40)
		return err_set(err, ERR_NOTFOUND, "err.opac.school", NULL);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, code, name, path, opac_public FROM units"
	                         " WHERE code = ? AND kind = 'school' AND active = 1",
	                         "s", code);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_school(st, 0, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return err_set(err, ERR_NOTFOUND, "err.opac.school", NULL);
	return check_open(out, actor, err);
}

/* --- brief descriptions ------------------------------------------------------------------------- */

#define BRIEF_COLS                                                                                           \
	"b.id, b.work_id, b.title, b.subtitle, b.authors, b.doc_type, b.call_number, b.year, u.code"

static void read_brief(db_stmt_t *st, arena_t *a, opac_brief_t *o)
{
	o->id = db_col_int(st, 0);
	o->work_id = db_col_int(st, 1);
	o->title = arena_strdup(a, db_col_text(st, 2));
	o->subtitle = arena_strdup(a, db_col_text(st, 3));
	o->authors = arena_strdup(a, db_col_text(st, 4));
	o->doc_type = arena_strdup(a, db_col_text(st, 5));
	o->call_number = arena_strdup(a, db_col_text(st, 6));
	o->year = (int)db_col_int(st, 7);
	o->unit_code = arena_strdup(a, db_col_text(st, 8));
}

/* A copy counts as on the shelf when it is available and not set aside for a reader's hold. */
#define ON_SHELF                                                                                             \
	"CASE WHEN i.status = 'available' AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.item_id = i.id"      \
	" AND h.status = 'ready') THEN 1 ELSE 0 END"

int opac_brief_many(db_t *db, const int64_t *ids, size_t n, bool copies, arena_t *a, opac_brief_t *out,
                    err_t *err)
{
	int rc;
	memset(out, 0, n * sizeof *out);
	if (n > CATALOG_GET_MANY)
		return err_set(err, ERR_INVALID, "err.internal", "opac_brief_many: %zu ids", n);
	if (n == 0)
		return 0;
	size_t slots = n <= 20 ? 20 : CATALOG_GET_MANY;
	db_stmt_t *st = db_prepare_in(db, a,
	                           "SELECT " BRIEF_COLS " FROM biblios b JOIN units u ON u.id = b.unit_id"
	                           " WHERE b.id IN (",
	                           slots, ")", ids, n, err);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		for (size_t k = 0; k < n; k++)
			if (ids[k] == id && !out[k].id)
				read_brief(st, a, &out[k]);
	}
	db_done(st);
	if (rc < 0 || !copies)
		return rc < 0 ? rc : 0;
	st = db_prepare_in(
	    db, a, "SELECT i.biblio_id, COUNT(*), SUM(" ON_SHELF ") FROM items i WHERE i.biblio_id IN (",
	    slots, ") AND i.status NOT IN ('lost', 'withdrawn') GROUP BY i.biblio_id", ids, n, err);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		for (size_t k = 0; k < n; k++)
			if (out[k].id == id) {
				out[k].copies = db_col_int(st, 1);
				out[k].on_shelf = db_col_int(st, 2);
			}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- a school's record -------------------------------------------------------------------------- */

/* The reader kind whose loan rule applies to this viewer at school unit_id: the viewer's own
 * when it is a reader of the school with a reader's record, else "student". */
static int viewer_kind(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, const char **kind,
                       err_t *err)
{
	*kind = "student";
	if (!actor || actor->role != ROLE_READER || actor->unit_id != unit_id)
		return 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT p.kind FROM patrons p WHERE p.unit_id = ? AND (p.account_id = ?"
	                         " OR p.id = (SELECT patron_id FROM accounts WHERE id = ?))",
	                         "iii", unit_id, actor->account_id, actor->account_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		*kind = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int read_copies(db_t *db, opac_record_t *r, arena_t *a, err_t *err)
{
	int rc;
	size_t cap = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.accession, i.location, i.status, l.due,"
	             " (SELECT COUNT(*) FROM holds h WHERE h.item_id = i.id AND h.status = 'ready')"
	             " FROM items i LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL"
	             " WHERE i.biblio_id = ? AND i.status NOT IN ('lost', 'withdrawn')"
	             " ORDER BY i.register, i.accession_no",
	             "i", r->b.id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		r->copies = arena_grow(a, r->copies, r->ncopies, &cap, 8, sizeof *r->copies);
		opac_copy_t *c = &r->copies[r->ncopies++];
		const char *status = db_col_text(st, 2);
		c->accession = arena_strdup(a, db_col_text(st, 0));
		c->location = arena_strdup(a, db_col_text(st, 1));
		c->due = NULL;
		if (!strcmp(status, "on_loan") || db_col_text(st, 3)) {
			c->state = "loan";
			c->due = arena_strdup(a, db_col_text(st, 3)); /* NULL when no open loan row */
		} else if (!strcmp(status, "available") && db_col_int(st, 4) > 0) {
			c->state = "held";
		} else if (!strcmp(status, "available") && !r->reference) {
			c->state = "shelf";
			r->on_shelf++;
		} else if (!strcmp(status, "available") || !strcmp(status, "in_library")) {
			c->state = "inlib";
			r->on_shelf++;
		} else {
			c->state = "out"; /* damaged */
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int opac_record_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_record_t *out, err_t *err)
{
	int rc;
	memset(out, 0, sizeof *out);
	bool loanable = true;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT b.id, b.unit_id, b.doc_type, b.title, b.subtitle, b.authors, b.publisher, b.place,"
	    " b.year, b.edition, b.isbn, b.language, b.pages, b.size, b.series, b.subjects, b.summary,"
	    " b.class_number, b.call_number, b.grade, b.work_id, b.marc, b.authors_fold,"
	    " u.id, u.code, u.name, u.path, u.opac_public, d.loanable"
	    " FROM biblios b JOIN units u ON u.id = b.unit_id JOIN doc_types d ON d.code = b.doc_type"
	    " WHERE b.id = ?",
	    "i", id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc == DB_ROW) {
		biblio_t *b = &out->b;
		const char **text[] = { &b->doc_type, &b->title,     &b->subtitle,
			                &b->authors,  &b->publisher, &b->place };
		b->id = db_col_int(st, 0);
		b->unit_id = db_col_int(st, 1);
		for (int k = 0; k < 6; k++)
			*text[k] = arena_strdup(a, db_col_text(st, 2 + k));
		b->year = (int)db_col_int(st, 8);
		const char **more[] = { &b->edition,      &b->isbn,       &b->language, &b->pages,
			                &b->size,         &b->series,     &b->subjects, &b->summary,
			                &b->class_number, &b->call_number };
		for (int k = 0; k < 10; k++)
			*more[k] = arena_strdup(a, db_col_text(st, 9 + k));
		b->grade = (int)db_col_int(st, 19);
		out->work_id = db_col_int(st, 20);
		out->marc = arena_strdup(a, db_col_text(st, 21));
		out->authors_fold = arena_strdup(a, db_col_text(st, 22));
		read_school(st, 23, a, &out->school);
		loanable = db_col_int(st, 28) != 0;
		b->unit_code = out->school.code;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
	if ((rc = check_open(&out->school, actor, err)) < 0)
		return rc;

	const char *kind;
	circ_rule_t rule;
	if ((rc = viewer_kind(db, actor, out->b.unit_id, a, &kind, err)) < 0 ||
	    (rc = circ_rule_get(db, out->b.unit_id, kind, out->b.doc_type, &rule, err)) < 0)
		return rc;
	out->reference = rule.max_items == 0 || !loanable;
	out->viewer_reader = actor && actor->role == ROLE_READER && actor->unit_id == out->b.unit_id;
	if ((rc = read_copies(db, out, a, err)) < 0)
		return rc;
	rc = db_query_int(db, &out->holds, err,
	                  "SELECT COUNT(*) FROM holds WHERE biblio_id = ? AND status IN ('waiting', 'ready')",
	                  "i", id);
	return rc < 0 ? rc : 0;
}

/* Fields a public MARC view leaves out: holdings, copies and the school's local data. */
static bool local_field(const char *tag)
{
	if (!tag || strlen(tag) != 3)
		return false;
	return tag[0] == '9' || !strcmp(tag, "852") || !strcmp(tag, "876") || !strcmp(tag, "877") ||
	       !strcmp(tag, "878") || !strcmp(tag, "541");
}

int opac_record_marc(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_record_t *rec,
                     marc_rec_t *out, bool *stored, err_t *err)
{
	int rc = opac_record_get(db, actor, id, a, rec, err);
	if (rc < 0)
		return rc;
	err_t ignored;
	*stored = rec->marc && *rec->marc && marc_rec_from_xml(a, rec->marc, out, &ignored) == 0;
	if (!*stored)
		marc_rec_from_biblio(a, &rec->b, rec->b.id, out);
	size_t k = 0;
	for (size_t i = 0; i < out->nfields; i++)
		if (!local_field(out->fields[i].tag))
			out->fields[k++] = out->fields[i];
	out->nfields = k;
	return 0;
}

/* ids of up to max records of unit matching one column, newest first, into *out (briefs). */
static int related_by(db_t *db, const char *sql, int64_t unit, const char *value, int64_t except, int max,
                      arena_t *a, opac_brief_t **out, size_t *n, err_t *err)
{
	int rc;
	int64_t ids[20];
	size_t k = 0;
	*out = NULL;
	*n = 0;
	if (!value || !*value)
		return 0;
	db_stmt_t *st = db_query(db, err, sql, "isii", unit, value, except, (int64_t)max);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW && k < 20)
		ids[k++] = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;
	*out = arena_zalloc(a, (k ? k : 1) * sizeof **out);
	if ((rc = opac_brief_many(db, ids, k, true, a, *out, err)) < 0)
		return rc;
	*n = k;
	return 0;
}

int opac_related(db_t *db, const opac_record_t *rec, int max, arena_t *a, opac_brief_t **by_author,
                 size_t *n_author, opac_brief_t **by_class, size_t *n_class, err_t *err)
{
	if (max < 1 || max > 20)
		max = 5;
	int rc = related_by(db,
	                    "SELECT id FROM biblios WHERE unit_id = ? AND authors_fold = ? AND id <> ?"
	                    " ORDER BY COALESCE(year, 0) DESC, id DESC LIMIT ?",
	                    rec->b.unit_id, rec->authors_fold, rec->b.id, max, a, by_author, n_author, err);
	if (rc < 0)
		return rc;
	return related_by(db,
	                  "SELECT id FROM biblios WHERE unit_id = ? AND class_number = ? AND id <> ?"
	                  " ORDER BY COALESCE(year, 0) DESC, id DESC LIMIT ?",
	                  rec->b.unit_id, rec->b.class_number, rec->b.id, max, a, by_class, n_class, err);
}

/* --- a union work ------------------------------------------------------------------------------- */

static int holding_cmp(const void *x, const void *y)
{
	return strcmp(((const opac_holding_t *)x)->code, ((const opac_holding_t *)y)->code);
}

int opac_work_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_work_t *out, err_t *err)
{
	int rc;
	int64_t rep = 0;
	memset(out, 0, sizeof *out);
	rc = db_query_int(db, &rep, err, "SELECT biblio_id FROM works WHERE id = ? AND schools > 0", "i", id);
	if (rc == ERR_NOTFOUND)
		return err_set(err, ERR_NOTFOUND, "err.opac.work", NULL);
	if (rc < 0)
		return rc;
	out->id = id;
	/* The holdings: one row per school, its copies counted over all its records of the work. */
	size_t cap = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT u.id, u.code, u.name, u.opac_public, MIN(b.id), COUNT(i.id),"
	             " COALESCE(SUM(" ON_SHELF "), 0)"
	             " FROM biblios b JOIN units u ON u.id = b.unit_id"
	             " LEFT JOIN items i ON i.biblio_id = b.id AND i.status NOT IN ('lost', 'withdrawn')"
	             " WHERE b.work_id = ? GROUP BY u.id, u.code, u.name, u.opac_public",
	             "i", id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (!actor && !db_col_int(st, 3))
			continue; /* closed to anonymous visitors */
		out->holdings = arena_grow(a, out->holdings, out->nholdings, &cap, 8, sizeof *out->holdings);
		opac_holding_t *hd = &out->holdings[out->nholdings++];
		hd->unit_id = db_col_int(st, 0);
		hd->code = arena_strdup(a, db_col_text(st, 1));
		hd->name = arena_strdup(a, db_col_text(st, 2));
		hd->biblio_id = db_col_int(st, 4);
		hd->copies = db_col_int(st, 5);
		hd->on_shelf = db_col_int(st, 6);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!out->nholdings)
		return err_set(err, ERR_NOTFOUND, "err.opac.work", NULL);
	qsort(out->holdings, out->nholdings, sizeof *out->holdings, holding_cmp);
	/* The description: the representative record's, unless its school is closed to this viewer;
	 * then the first shown school's record stands for the work. */
	bool rep_shown = false;
	for (size_t k = 0; k < out->nholdings; k++)
		if (out->holdings[k].biblio_id == rep)
			rep_shown = true;
	if (!rep_shown) {
		int64_t first = 0;
		rc = db_query_int(db, &first, err,
		                  "SELECT MIN(id) FROM biblios WHERE work_id = ? AND unit_id = ?", "ii", id,
		                  out->holdings[0].unit_id);
		if (rc < 0)
			return rc;
		rep = first;
	}
	if ((rc = opac_brief_many(db, &rep, 1, false, a, &out->rep, err)) < 0)
		return rc;
	st = db_query(db, err, "SELECT publisher, place, isbn, language, summary FROM biblios WHERE id = ?",
	              "i", rep);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		out->publisher = arena_strdup(a, db_col_text(st, 0));
		out->place = arena_strdup(a, db_col_text(st, 1));
		out->isbn = arena_strdup(a, db_col_text(st, 2));
		out->language = arena_strdup(a, db_col_text(st, 3));
		out->summary = arena_strdup(a, db_col_text(st, 4));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!out->rep.id)
		return err_set(err, ERR_NOTFOUND, "err.opac.work", NULL);
	return 0;
}

/* --- citations ---------------------------------------------------------------------------------- */

/* The authors field ("A; B; C") cut into names, trimmed. */
static size_t split_authors(arena_t *a, const char *s, char ***out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	char *copy = arena_strdup(a, s ? s : "");
	for (char *p = copy; p && *p;) {
		char *semi = strchr(p, ';');
		if (semi)
			*semi = '\0';
		char *name = text_trim(p);
		if (*name) {
			*out = arena_grow(a, *out, n, &cap, 4, sizeof **out);
			(*out)[n++] = name;
		}
		p = semi ? semi + 1 : NULL;
	}
	return n;
}

/* The title as cited: title, then ": subtitle" when there is one. */
static const char *cited_title(arena_t *a, const biblio_t *b)
{
	return b->subtitle && *b->subtitle ? arena_printf(a, "%s: %s", b->title, b->subtitle) : b->title;
}

/* s without a final '.', so a sentence does not end in "..". */
static const char *no_final_dot(arena_t *a, const char *s)
{
	size_t n = strlen(s);
	return n && s[n - 1] == '.' ? arena_strndup(a, s, n - 1) : s;
}

/* A foreign author as both styles write it: "Smith, John Paul" -> "Smith, J. P."; a name without
 * a comma (a Vietnamese name, written in its natural order, or a body) stays as it is. */
static const char *initials(arena_t *a, const char *name)
{
	const char *comma = strchr(name, ',');
	if (!comma)
		return name;
	buf_t b = BUF_INIT;
	buf_append(&b, name, (size_t)(comma - name));
	buf_puts(&b, ",");
	const char *p = comma + 1;
	while (*p) {
		while (*p == ' ' || *p == '-' || *p == '.')
			p++;
		if (!*p)
			break;
		/* The first character of the given name (a whole UTF-8 sequence). */
		size_t len = 1;
		while (p[len] && ((unsigned char)p[len] & 0xC0) == 0x80)
			len++;
		buf_puts(&b, " ");
		buf_append(&b, p, len);
		buf_puts(&b, ".");
		while (*p && *p != ' ' && *p != '-')
			p++;
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

void opac_cite_vn(arena_t *a, const biblio_t *b, opac_citation_t *out)
{
	char **names;
	size_t n = split_authors(a, b->authors, &names);
	buf_t pre = BUF_INIT, post = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&pre, "%s%s", i ? ", " : "", initials(a, names[i]));
	if (n)
		buf_puts(&pre, " ");
	if (b->year > 0)
		buf_printf(&pre, "(%d), ", b->year);
	else if (n)
		buf_puts(&pre, "(không rõ năm), ");
	if (b->publisher && *b->publisher)
		buf_printf(&post, ", %s", no_final_dot(a, b->publisher));
	if (b->place && *b->place)
		buf_printf(&post, ", %s", no_final_dot(a, b->place));
	buf_puts(&post, ".");
	out->before = arena_strdup(a, buf_str(&pre));
	out->title = cited_title(a, b);
	out->after = arena_strdup(a, buf_str(&post));
	buf_release(&pre);
	buf_release(&post);
}

void opac_cite_apa(arena_t *a, const biblio_t *b, opac_citation_t *out)
{
	char **names;
	size_t n = split_authors(a, b->authors, &names);
	buf_t pre = BUF_INIT, post = BUF_INIT;
	for (size_t i = 0; i < n && i < 20; i++) {
		if (i)
			buf_puts(&pre, i + 1 == n ? ", & " : ", ");
		buf_puts(&pre, initials(a, names[i]));
	}
	char year[24];
	if (b->year > 0)
		snprintf(year, sizeof year, "(%d)", b->year);
	else
		snprintf(year, sizeof year, "(n.d.)");
	if (n) {
		size_t len = pre.len;
		if (!(len && pre.data[len - 1] == '.'))
			buf_puts(&pre, ".");
		buf_printf(&pre, " %s. ", year);
	}
	if (b->edition && *b->edition)
		buf_printf(&post, " (%s)", b->edition);
	buf_puts(&post, ".");
	if (!n)
		buf_printf(&post, " %s.", year);
	if (b->publisher && *b->publisher)
		buf_printf(&post, " %s.", no_final_dot(a, b->publisher));
	out->before = arena_strdup(a, buf_str(&pre));
	out->title = cited_title(a, b);
	out->after = arena_strdup(a, buf_str(&post));
	buf_release(&pre);
	buf_release(&post);
}

/* --- class captions ----------------------------------------------------------------------------- */

int opac_class_names(db_t *db, const char *lang, arena_t *a, const char ***values, const char ***captions,
                     size_t *n, err_t *err)
{
	int rc;
	size_t cap = 0, cap2 = 0;
	bool en = lang && !strcmp(lang, "en");
	*values = NULL;
	*captions = NULL;
	*n = 0;
	/* DDC's main classes ("800") first, so their caption wins a value both schemes have. */
	db_stmt_t *st = db_query(db, err,
	                         "SELECT scheme, number, caption_vi, caption_en FROM class_numbers"
	                         " WHERE scheme IN ('DDC', 'VN19') AND depth = 1 ORDER BY scheme",
	                         "");
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *scheme = db_col_text(st, 0), *num = db_col_text(st, 1);
		const char *cap_vi = db_col_text(st, 2), *cap_en = db_col_text(st, 3);
		char value[48];
		if (!strcmp(scheme, "DDC")) {
			if (strlen(num) != 3 || strcmp(num + 1, "00"))
				continue;
			snprintf(value, sizeof value, "%c", num[0]);
		} else {
			snprintf(value, sizeof value, "%s", num);
		}
		bool seen = false;
		for (size_t k = 0; k < *n && !seen; k++)
			seen = !strcmp((*values)[k], value);
		if (seen)
			continue;
		*values = arena_grow(a, *values, *n, &cap, 32, sizeof **values);
		*captions = arena_grow(a, *captions, *n, &cap2, 32, sizeof **captions);
		(*values)[*n] = arena_strdup(a, value);
		(*captions)[*n] = arena_strdup(a, en && cap_en && *cap_en ? cap_en : cap_vi);
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- the school's switch ------------------------------------------------------------------------ */

int opac_settings_set(db_t *db, const actor_t *actor, int64_t unit_id, bool open, err_t *err)
{
	if (!actor || (actor->role != ROLE_LIBRARIAN && actor->role != ROLE_LEADER) ||
	    strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.opac.settings", NULL);
	if (unit_id && unit_id != actor->unit_id)
		return err_set(err, ERR_NOTFOUND, "err.opac.school", NULL);
	int rc = db_begin(db, err);
	if (rc < 0)
		return rc;
	rc = db_exec(db, err, "UPDATE units SET opac_public = ? WHERE id = ? AND opac_public <> ?", "iii",
	             (int64_t)open, actor->unit_id, (int64_t)open);
	if (rc > 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "opac.settings", "unit",
		                 actor->unit_id, open ? "opac_public: 1" : "opac_public: 0", NULL, err);
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, err);
}
