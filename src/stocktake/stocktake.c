/* stocktake.c: stocktake sessions: scope, scans, live counts, closing (marks and part III),
 * cancelling, the reviewed step to lost, the lists. The biên bản is in report.c.
 *
 * Whether a copy is in scope is decided in C (stocktake_scope_has), for the scan of one copy as
 * for the count of the whole stock, so both backends agree by construction (PostgreSQL's locale
 * collation would compare class numbers unlike SQLite). Counting reads the school's copies once
 * (one statement), its open loans and the session's scans once each (sorted in C), and merges:
 * about 50 ms of CPU for 30,000 copies; a scan reads only its copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsxw.h"
#include "patrons/patrons.h"
#include "stocktake/stocktake_int.h"

/* --- who ----------------------------------------------------------------------------------- */

static int check_reader(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return 0;
}

static int check_writer(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.stocktake.write", NULL);
	return 0;
}

/* --- scope --------------------------------------------------------------------------------- */

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* A register code or class number: printable ASCII without spaces (and no '-' in a class). */
static bool code_ok(const char *s, size_t max, bool dash)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || (!dash && s[i] == '-'))
			return false;
	return true;
}

int stocktake_scope_parse(arena_t *a, const char *s, stocktake_scope_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	char *t = text_nfc(a, s ? s : "");
	if (!t)
		return err_set(err, ERR_INVALID, "err.utf8", "scope");
	text_trim(t);
	if (!*t || strcmp(t, "all") == 0) {
		out->kind = STOCKTAKE_ALL;
		out->text = "all";
		return 0;
	}
	if (starts_with(t, "register:")) {
		char *r = text_trim(t + 9);
		for (char *p = r; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (!code_ok(r, 16, true))
			return err_set(err, ERR_INVALID, "err.stocktake.scope", "%.40s", t);
		out->kind = STOCKTAKE_REGISTER;
		out->value = r;
		out->text = arena_printf(a, "register:%s", r);
		return 0;
	}
	if (starts_with(t, "location:")) {
		char *l = text_trim(t + 9);
		if (!*l || text_length(l) > 100)
			return err_set(err, ERR_INVALID, "err.stocktake.scope", "%.40s", t);
		out->kind = STOCKTAKE_LOCATION;
		out->value = text_fold(a, l);
		out->text = arena_printf(a, "location:%s", l);
		return 0;
	}
	if (starts_with(t, "class:")) {
		char *f = text_trim(t + 6), *dash = strchr(f, '-');
		if (dash) {
			*dash = 0;
			char *to = text_trim(dash + 1);
			text_trim(f);
			if (code_ok(f, 32, false) && code_ok(to, 32, false) && strcmp(f, to) <= 0) {
				out->kind = STOCKTAKE_CLASS;
				out->from = f;
				out->to = to;
				out->text = arena_printf(a, "class:%s-%s", f, to);
				return 0;
			}
		}
	}
	return err_set(err, ERR_INVALID, "err.stocktake.scope", "%.40s", t);
}

/* Is every class number of range [f1, t1] (t1 extended to the numbers that start with it) below
 * f2? */
static bool class_below(const char *t1, const char *f2)
{
	return strcmp(t1, f2) < 0 && !starts_with(f2, t1);
}

bool stocktake_scope_overlap(const stocktake_scope_t *x, const stocktake_scope_t *y)
{
	if (x->kind == STOCKTAKE_ALL || y->kind == STOCKTAKE_ALL || x->kind != y->kind)
		return true;
	if (x->kind == STOCKTAKE_CLASS)
		return !(class_below(x->to, y->from) || class_below(y->to, x->from));
	return strcmp(x->value, y->value) == 0;
}

bool stocktake_scope_has(arena_t *a, const stocktake_scope_t *s, const char *reg, const char *location,
                         const char *class_number)
{
	switch (s->kind) {
	case STOCKTAKE_REGISTER:
		return strcmp(reg ? reg : "", s->value) == 0;
	case STOCKTAKE_LOCATION: {
		const char *f = text_fold(a, location ? location : "");
		return f && strcmp(f, s->value) == 0;
	}
	case STOCKTAKE_CLASS: {
		const char *c = class_number ? class_number : "";
		return *c && strcmp(c, s->from) >= 0 && (strcmp(c, s->to) <= 0 || starts_with(c, s->to));
	}
	default:
		return true;
	}
}

/* --- one session ----------------------------------------------------------------------------- */

const char *stocktake_dup0(arena_t *a, const char *s)
{
	return arena_strdup(a, s ? s : "");
}

#define SESSION_COLS                                                                                         \
	"SELECT s.id, s.unit_id, s.school_year, s.scope, s.note, s.status, s.members, s.conclusion, "        \
	"s.opened_at, s.closed_at, s.closed_day, s.expected, s.found, s.on_loan, s.missing, s.misplaced, "   \
	"s.unknown, u.code, u.name, u.path, COALESCE(a1.full_name, ''), COALESCE(a2.full_name, ''), "        \
	"(SELECT COUNT(*) FROM stocktake_scans x WHERE x.stocktake_id = s.id) "                              \
	"FROM stocktakes s JOIN units u ON u.id = s.unit_id LEFT JOIN accounts a1 ON a1.id = s.opened_by "   \
	"LEFT JOIN accounts a2 ON a2.id = s.closed_by "

static void session_row(db_stmt_t *st, arena_t *a, stocktake_t *s, const char **path)
{
	memset(s, 0, sizeof *s);
	s->id = db_col_int(st, 0);
	s->unit_id = db_col_int(st, 1);
	s->school_year = stocktake_dup0(a, db_col_text(st, 2));
	s->scope = stocktake_dup0(a, db_col_text(st, 3));
	s->note = stocktake_dup0(a, db_col_text(st, 4));
	s->status = stocktake_dup0(a, db_col_text(st, 5));
	s->members = stocktake_dup0(a, db_col_text(st, 6));
	s->conclusion = stocktake_dup0(a, db_col_text(st, 7));
	s->opened_at = db_col_int(st, 8);
	s->closed_at = db_col_int(st, 9);
	s->closed_day = db_col_null(st, 10) ? NULL : stocktake_dup0(a, db_col_text(st, 10));
	s->c.expected = db_col_int(st, 11);
	s->c.found = db_col_int(st, 12);
	s->c.on_loan = db_col_int(st, 13);
	s->c.missing = db_col_int(st, 14);
	s->c.misplaced = db_col_int(st, 15);
	s->c.unknown = db_col_int(st, 16);
	s->unit_code = stocktake_dup0(a, db_col_text(st, 17));
	s->unit_name = stocktake_dup0(a, db_col_text(st, 18));
	if (path)
		*path = stocktake_dup0(a, db_col_text(st, 19));
	s->opened_by = stocktake_dup0(a, db_col_text(st, 20));
	s->closed_by = stocktake_dup0(a, db_col_text(st, 21));
	s->c.seen = db_col_int(st, 22);
}

/* The session id as the actor may see it; for a write (write true) only the actor's own
 * school's. */
int stocktake_load(db_t *db, const actor_t *actor, int64_t id, bool write, arena_t *a, stocktake_t *s,
                   err_t *err)
{
	int rc = write ? check_writer(actor, err) : check_reader(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st = db_query(db, err, SESSION_COLS "WHERE s.id = ?", "i", id);
	if (!st)
		return err->code;
	const char *path = NULL;
	rc = db_step(st, err);
	if (rc == DB_ROW)
		session_row(st, a, s, &path);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || !actor_sees_path(actor, path) || (write && s->unit_id != actor->unit_id))
		return err_set(err, ERR_NOTFOUND, "err.stocktake.notfound", NULL);
	s->can_write = actor->role == ROLE_LIBRARIAN && s->unit_id == actor->unit_id;
	return 0;
}

/* Lock the school's sessions (a counter row nobody counts with), inside a write transaction. */
static int lock_school(db_t *db, int64_t unit, err_t *err)
{
	int rc = db_exec(db, err,
	                 "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, '#KIEMKE', 0) "
	                 "ON CONFLICT (unit_id, register) DO NOTHING",
	                 "i", unit);
	if (rc < 0)
		return rc;
	rc = db_exec(db, err,
	             "UPDATE accession_counters SET last = last WHERE unit_id = ? AND register = '#KIEMKE'",
	             "i", unit);
	return rc < 0 ? rc : 0;
}

int stocktake_create(db_t *db, const actor_t *actor, const char *scope, const char *note, int64_t *id,
                     err_t *err)
{
	int rc;
	if ((rc = check_writer(actor, err)) < 0)
		return rc;
	arena_t *a = arena_new(4096);
	stocktake_scope_t sc;
	char *nt = text_nfc(a, note ? note : "");
	if ((rc = stocktake_scope_parse(a, scope, &sc, err)) < 0)
		goto done;
	if (!nt) {
		rc = err_set(err, ERR_INVALID, "err.utf8", "note");
		goto done;
	}
	text_trim(nt);
	if (text_length(nt) > 1000) {
		rc = err_set(err, ERR_INVALID, "err.field.long", "note");
		goto done;
	}
	if ((rc = db_begin(db, err)) < 0)
		goto done;
	if ((rc = lock_school(db, actor->unit_id, err)) < 0)
		goto end;
	db_stmt_t *st =
	    db_query(db, err, "SELECT scope FROM stocktakes WHERE unit_id = ? AND status = 'open'", "i",
	             actor->unit_id);
	if (!st) {
		rc = err->code;
		goto end;
	}
	while ((rc = db_step(st, err)) == DB_ROW) {
		stocktake_scope_t other;
		err_t e2;
		const char *txt = db_col_text(st, 0);
		if (stocktake_scope_parse(a, txt, &other, &e2) < 0 || stocktake_scope_overlap(&sc, &other)) {
			rc = err_set(err, ERR_CONFLICT, "err.stocktake.overlap", "%.60s", txt);
			break;
		}
	}
	db_done(st);
	if (rc < 0)
		goto end;
	char year[16];
	patrons_school_year(clock_today_vn(), year, sizeof year);
	if ((rc = db_insert_id(
	         db, id, err,
	         "INSERT INTO stocktakes (unit_id, school_year, scope, note, opened_by, opened_at) "
	         "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	         "isssii", actor->unit_id, year, sc.text, nt, actor->account_id, clock_now())) < 0)
		goto end;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "stocktake.open", "stocktake",
	                 *id, arena_printf(a, "%s %s", year, sc.text), NULL, err);
end:
	if (rc < 0) {
		db_rollback(db);
	} else if ((rc = db_commit(db, err)) < 0) {
		db_rollback(db);
	}
done:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

int stocktake_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, stocktake_t **out, size_t *n,
                   err_t *err)
{
	int rc;
	*out = NULL;
	*n = 0;
	if ((rc = check_reader(actor, err)) < 0)
		return rc;
	int64_t unit = unit_id ? unit_id : actor->unit_id;
	db_stmt_t *st = db_query(db, err, "SELECT path, kind FROM units WHERE id = ?", "i", unit);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	bool ok = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 0));
	bool school = ok && strcmp(db_col_text(st, 1), "school") == 0;
	db_done(st);
	if (rc < 0)
		return rc;
	if (!ok)
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	if (!school)
		return err_set(err, ERR_INVALID, "err.circ.school", NULL);
	st = db_query(db, err, SESSION_COLS "WHERE s.unit_id = ? ORDER BY s.id DESC LIMIT 200", "i", unit);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		session_row(st, a, &(*out)[*n], NULL);
		(*out)[*n].can_write = actor->role == ROLE_LIBRARIAN && unit == actor->unit_id;
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- counting -------------------------------------------------------------------------------- */

typedef struct scanned {
	int64_t item_id;
	char result; /* f, l (on_loan), m (misplaced) */
} scanned_t;

static int id_cmp(const void *x, const void *y)
{
	int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;
	return (p > q) - (p < q);
}

static int scanned_cmp(const void *x, const void *y)
{
	const scanned_t *p = x, *q = y;
	return (p->item_id > q->item_id) - (p->item_id < q->item_id);
}

/* Keep register and document type strings once per distinct value: 30,000 copies share a few. */
static const char *intern(arena_t *a, const char ***pool, size_t *np, size_t *cap, const char *s)
{
	s = s ? s : "";
	for (size_t i = 0; i < *np; i++)
		if (strcmp((*pool)[i], s) == 0)
			return (*pool)[i];
	*pool = arena_grow(a, *pool, *np, cap, 16, sizeof **pool);
	return (*pool)[(*np)++] = arena_strdup(a, s);
}

/* The copies in scope with their state, and the counts (expected ... missing, by register). */
int stocktake_walk(db_t *db, const stocktake_t *s, arena_t *a, stocktake_wrow_t **rows, size_t *nrows,
                   stocktake_counts_t *c, err_t *err)
{
	stocktake_scope_t sc;
	int rc;
	if ((rc = stocktake_scope_parse(a, s->scope, &sc, err)) < 0)
		return rc;
	/* The session's scans of copies, sorted by copy. */
	scanned_t *sv = NULL;
	size_t ns = 0, cap = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT item_id, result FROM stocktake_scans WHERE stocktake_id = ? "
	                         "AND item_id IS NOT NULL",
	                         "i", s->id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *r = db_col_text(st, 1);
		sv = arena_grow(a, sv, ns, &cap, 256, sizeof *sv);
		sv[ns].item_id = db_col_int(st, 0);
		sv[ns].result = !strcmp(r, "found") ? 'f' : !strcmp(r, "on_loan") ? 'l' : 'm';
		ns++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (ns)
		qsort(sv, ns, sizeof *sv, scanned_cmp);
	/* The school's open loans, sorted: one range of a partial index, not a probe per copy. */
	int64_t *lv = NULL;
	size_t nl = 0, lcap = 0;
	st = db_query(db, err, "SELECT item_id FROM loans WHERE unit_id = ? AND returned_at IS NULL", "i",
	              s->unit_id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		lv = arena_grow(a, lv, nl, &lcap, 256, sizeof *lv);
		lv[nl++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (nl)
		qsort(lv, nl, sizeof *lv, id_cmp);
	/* The copies; their records only for a class range (the one scope that needs them). */
	const char *reg = sc.kind == STOCKTAKE_REGISTER ? sc.value : NULL;
	if (sc.kind == STOCKTAKE_CLASS)
		st = db_query(
		    db, err,
		    "SELECT i.id, i.register, i.location, b.class_number, i.status, " STOCKTAKE_PRICE
		    " FROM items i "
		    "JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = ? AND i.status <> 'withdrawn'",
		    "i", s->unit_id);
	else
		st = db_query(db, err,
		              "SELECT i.id, i.register, i.location, '', i.status, " STOCKTAKE_PRICE_LAZY
		              " FROM items i "
		              "WHERE i.unit_id = ? AND i.status <> 'withdrawn' AND (CAST(? AS TEXT) IS NULL "
		              "OR i.register = ?)",
		              "iss", s->unit_id, reg, reg);
	if (!st)
		return err->code;
	const char **pool = NULL;
	size_t npool = 0, pcap = 0, rcap = 0, n = 0;
	stocktake_wrow_t *v = NULL;
	arena_t *tmp = arena_new(4096);
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (sc.kind == STOCKTAKE_LOCATION || sc.kind == STOCKTAKE_CLASS) {
			arena_reset(tmp);
			if (!stocktake_scope_has(tmp, &sc, db_col_text(st, 1), db_col_text(st, 2),
			                         db_col_text(st, 3)))
				continue;
		}
		scanned_t key = { .item_id = db_col_int(st, 0) };
		const scanned_t *hit = ns ? bsearch(&key, sv, ns, sizeof *sv, scanned_cmp) : NULL;
		bool lost = strcmp(db_col_text(st, 4), "lost") == 0;
		bool loan = nl && bsearch(&key.item_id, lv, nl, sizeof *lv, id_cmp) != NULL;
		char state;
		if (lost)
			state = hit ? 'X' : 0;
		else if (hit)
			state = hit->result == 'l' ? 'L' : 'F';
		else
			state = loan ? 'L' : 'M';
		if (!state)
			continue;
		v = arena_grow(a, v, n, &rcap, 1024, sizeof *v);
		v[n].id = key.item_id;
		v[n].price = db_col_int(st, 5);
		v[n].reg = intern(a, &pool, &npool, &pcap, db_col_text(st, 1));
		v[n].state = state;
		n++;
	}
	arena_free(tmp);
	db_done(st);
	if (rc < 0)
		return rc;
	int64_t seen = c->seen;
	memset(c, 0, sizeof *c);
	c->seen = seen;
	for (size_t i = 0; i < n; i++) {
		switch (v[i].state) {
		case 'F':
			c->found++, c->present_value += v[i].price;
			break;
		case 'L':
			c->on_loan++, c->present_value += v[i].price;
			break;
		case 'M':
			c->missing++, c->missing_value += v[i].price;
			break;
		case 'X':
			c->found++;
			continue;
		}
		c->expected++;
		c->expected_value += v[i].price;
	}
	/* Misplaced and unknown barcodes come from the scans themselves. */
	st = db_query(db, err,
	              "SELECT result, COUNT(*) FROM stocktake_scans WHERE stocktake_id = ? "
	              "AND result IN ('misplaced', 'unknown') GROUP BY result",
	              "i", s->id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (!strcmp(db_col_text(st, 0), "misplaced"))
			c->misplaced = db_col_int(st, 1);
		else
			c->unknown = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* A misplaced scan of a copy now in scope (its location changed since) counts as found, not
	 * as misplaced. */
	for (size_t i = 0; i < n; i++) {
		scanned_t key = { .item_id = v[i].id };
		const scanned_t *hit = ns ? bsearch(&key, sv, ns, sizeof *sv, scanned_cmp) : NULL;
		if (hit && hit->result == 'm' && c->misplaced > 0)
			c->misplaced--;
	}
	*rows = v;
	*nrows = n;
	return 0;
}

static int reg_cmp(const void *x, const void *y)
{
	return strcmp(((const stocktake_reg_t *)x)->reg, ((const stocktake_reg_t *)y)->reg);
}

static stocktake_reg_t *reg_of(arena_t *a, stocktake_reg_t **v, size_t *n, size_t *cap, const char *reg)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].reg, reg) == 0)
			return &(*v)[i];
	*v = arena_grow(a, *v, *n, cap, 8, sizeof **v);
	stocktake_reg_t *r = &(*v)[(*n)++];
	memset(r, 0, sizeof *r);
	r->reg = arena_strdup(a, reg);
	return r;
}

int stocktake_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, stocktake_t *out, err_t *err)
{
	int rc;
	if ((rc = stocktake_load(db, actor, id, false, a, out, err)) < 0)
		return rc;
	size_t cap = 0;
	if (strcmp(out->status, "open") == 0) {
		stocktake_wrow_t *v;
		size_t n;
		if ((rc = stocktake_walk(db, out, a, &v, &n, &out->c, err)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			if (v[i].state == 'X')
				continue;
			stocktake_reg_t *r = reg_of(a, &out->regs, &out->nregs, &cap, v[i].reg);
			r->expected++;
			if (v[i].state == 'M')
				r->missing++;
			else
				r->present++;
		}
	} else {
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT i.register, m.mark, COUNT(*), COALESCE(SUM(" STOCKTAKE_PRICE "), 0) "
		             "FROM stocktake_marks m JOIN items i ON i.id = m.item_id "
		             "JOIN biblios b ON b.id = i.biblio_id "
		             "WHERE m.stocktake_id = ? GROUP BY i.register, m.mark",
		             "i", id);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			stocktake_reg_t *r = reg_of(a, &out->regs, &out->nregs, &cap, db_col_text(st, 0));
			int64_t k = db_col_int(st, 2), val = db_col_int(st, 3);
			r->expected += k;
			out->c.expected_value += val;
			if (!strcmp(db_col_text(st, 1), "M")) {
				r->missing += k;
				out->c.missing_value += val;
			} else {
				r->present += k;
				out->c.present_value += val;
			}
		}
		db_done(st);
		if (rc < 0)
			return rc;
	}
	if (out->nregs)
		qsort(out->regs, out->nregs, sizeof *out->regs, reg_cmp);
	return 0;
}

/* --- scanning -------------------------------------------------------------------------------- */

/* The barcode as kept: trimmed, upper-cased; NULL when it is not one. */
static char *normalise(arena_t *a, const char *s)
{
	char *b = text_trim(arena_strdup(a, s ? s : ""));
	size_t n = strlen(b);
	if (n == 0 || n > STOCKTAKE_BARCODE_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return NULL;
		if (ch >= 'a' && ch <= 'z')
			b[i] = (char)(ch - 'a' + 'A');
	}
	return b;
}

#define ITEM_BY_BARCODE                                                                                      \
	"SELECT i.id, i.register, i.location, b.class_number, i.status, b.title, i.accession, "              \
	"CASE WHEN l.id IS NULL THEN 0 ELSE 1 END FROM items i JOIN biblios b ON b.id = i.biblio_id "        \
	"LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL WHERE i.unit_id = ? AND i.barcode " \
	"= ?"

/* Find the copy of barcode bc (or of the raw text, when the copy's barcode has lower case) and
 * decide its result. */
static int classify(db_t *db, int64_t unit, const stocktake_scope_t *sc, const char *bc, const char *raw,
                    arena_t *a, stocktake_scan_t *o, err_t *err)
{
	o->result = "unknown";
	/* As scanned upper-cased (the usual barcode), as typed, and in lower case: three indexed
	 * lookups at most, so a copy whose stored barcode has small letters is found too. */
	char *lower = arena_strdup(a, bc);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (int pass = 0; pass < 3; pass++) {
		const char *key = pass == 0 ? bc : pass == 1 ? raw : lower;
		if (pass == 1 && (!raw || strcmp(raw, bc) == 0))
			continue;
		if (pass == 2 && (strcmp(lower, bc) == 0 || (raw && strcmp(lower, raw) == 0)))
			continue;
		db_stmt_t *st = db_query(db, err, ITEM_BY_BARCODE, "is", unit, key);
		if (!st)
			return err->code;
		int rc = db_step(st, err);
		if (rc == DB_ROW) {
			o->item_id = db_col_int(st, 0);
			o->reg = stocktake_dup0(a, db_col_text(st, 1));
			o->title = stocktake_dup0(a, db_col_text(st, 5));
			o->accession = stocktake_dup0(a, db_col_text(st, 6));
			bool in = stocktake_scope_has(a, sc, db_col_text(st, 1), db_col_text(st, 2),
			                              db_col_text(st, 3));
			if (!in || !strcmp(db_col_text(st, 4), "withdrawn"))
				o->result = "misplaced";
			else
				o->result = db_col_int(st, 7) ? "on_loan" : "found";
		}
		db_done(st);
		if (rc < 0)
			return rc;
		if (rc == DB_ROW)
			break;
	}
	return 0;
}

/* The session's row, read for a scan: its school, scope and status. */
static int scan_session(db_t *db, const actor_t *actor, int64_t id, arena_t *a, stocktake_scope_t *sc,
                        err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err, "SELECT unit_id, scope, status FROM stocktakes WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int64_t unit = rc == DB_ROW ? db_col_int(st, 0) : 0;
	const char *scope = rc == DB_ROW ? stocktake_dup0(a, db_col_text(st, 1)) : NULL;
	bool open = rc == DB_ROW && strcmp(db_col_text(st, 2), "open") == 0;
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || unit != actor->unit_id)
		return err_set(err, ERR_NOTFOUND, "err.stocktake.notfound", NULL);
	if (!open)
		return err_set(err, ERR_CONFLICT, "err.stocktake.closed", NULL);
	return stocktake_scope_parse(a, scope, sc, err);
}

/* Upsert one barcode's scan; *result and *scans receive what the session keeps for it (the first
 * scan's result; the count with this one). */
static int scan_put(db_t *db, int64_t id, const stocktake_scan_t *o, int64_t now, int64_t by, arena_t *a,
                    const char **result, int64_t *scans, err_t *err)
{
	db_stmt_t *st =
	    o->item_id ? db_query(db, err,
	                          "INSERT INTO stocktake_scans (stocktake_id, barcode, item_id, result, "
	                          "first_at, scanned_by) "
	                          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stocktake_id, barcode) "
	                          "DO UPDATE SET scans = stocktake_scans.scans + 1 RETURNING result, scans",
	                          "isisii", id, o->barcode, o->item_id, o->result, now, by)
	               : db_query(db, err,
	                          "INSERT INTO stocktake_scans (stocktake_id, barcode, item_id, result, "
	                          "first_at, scanned_by) "
	                          "VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (stocktake_id, barcode) "
	                          "DO UPDATE SET scans = stocktake_scans.scans + 1 RETURNING result, scans",
	                          "issii", id, o->barcode, o->result, now, by);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*result = stocktake_dup0(a, db_col_text(st, 0));
		*scans = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_INTERNAL, "err.internal", "scan upsert");
}

static int result_index(const char *r)
{
	return !strcmp(r, "found") ? 0 : !strcmp(r, "on_loan") ? 1 : !strcmp(r, "misplaced") ? 2 : 3;
}

int stocktake_scan(db_t *db, const actor_t *actor, int64_t id, const char *const *barcodes, size_t n,
                   arena_t *a, stocktake_scan_t *out, stocktake_counts_t *live, err_t *err)
{
	int rc;
	if ((rc = check_writer(actor, err)) < 0)
		return rc;
	if (n == 0)
		return err_set(err, ERR_INVALID, "err.stocktake.barcode", NULL);
	if (n > STOCKTAKE_BATCH)
		return err_set(err, ERR_TOOBIG, "err.stocktake.batch", "%d", STOCKTAKE_BATCH);
	stocktake_scope_t sc;
	if ((rc = db_begin(db, err)) < 0)
		return rc;
	if ((rc = scan_session(db, actor, id, a, &sc, err)) < 0)
		goto end;
	int64_t add[4] = { 0 }; /* new barcodes: found, on_loan, misplaced, unknown */
	int64_t now = clock_now(), kept = 0, fresh = 0;
	for (size_t i = 0; i < n; i++) {
		stocktake_scan_t *o = &out[i];
		memset(o, 0, sizeof *o);
		char *bc = normalise(a, barcodes[i]);
		if (!bc) {
			o->barcode = text_cut(a, barcodes[i] ? barcodes[i] : "", 60);
			o->result = "invalid";
			continue;
		}
		o->barcode = bc;
		char *raw = text_trim(arena_strdup(a, barcodes[i]));
		if ((rc = classify(db, actor->unit_id, &sc, bc, raw, a, o, err)) < 0 ||
		    (rc = scan_put(db, id, o, now, actor->account_id, a, &o->result, &o->scans, err)) < 0)
			goto end;
		kept++;
		if (o->scans == 1) {
			add[result_index(o->result)]++;
			fresh++;
		}
	}
	if (kept == 0) {
		rc = err_set(err, ERR_INVALID, "err.stocktake.barcode", "%.60s", out[0].barcode);
		goto end;
	}
	/* The live tallies; the guard on status makes a scan that raced a close (PostgreSQL: this
	 * waits for the close's row lock, then finds it closed) write nothing. */
	db_stmt_t *st =
	    db_query(db, err,
	             "UPDATE stocktakes SET found = found + ?, on_loan = on_loan + ?, "
	             "misplaced = misplaced + ?, unknown = unknown + ? WHERE id = ? AND status = 'open' "
	             "RETURNING found, on_loan, misplaced, unknown",
	             "iiiii", add[0], add[1], add[2], add[3], id);
	if (!st) {
		rc = err->code;
		goto end;
	}
	rc = db_step(st, err);
	if (rc == DB_ROW && live) {
		memset(live, 0, sizeof *live);
		live->found = db_col_int(st, 0);
		live->on_loan = db_col_int(st, 1);
		live->misplaced = db_col_int(st, 2);
		live->unknown = db_col_int(st, 3);
		/* each new barcode adds one to exactly one tally */
		live->seen = live->found + live->on_loan + live->misplaced + live->unknown;
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = err_set(err, ERR_CONFLICT, "err.stocktake.closed", NULL);
	if (rc < 0)
		goto end;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "stocktake.scan", "stocktake", id,
	                 arena_printf(a, "%lld barcodes, %lld new", (long long)kept, (long long)fresh), NULL,
	                 err);
end:
	if (rc < 0)
		db_rollback(db);
	else if ((rc = db_commit(db, err)) < 0)
		db_rollback(db);
	return rc < 0 ? rc : 0;
}

/* --- a file of barcodes ---------------------------------------------------------------------- */

/* The barcode of one line: the first field of a CSV/TSV/semicolon line, quotes removed. */
static char *line_barcode(arena_t *a, const char *line, size_t len)
{
	char *s = arena_strndup(a, line, len);
	char *end = s + strcspn(s, ",;\t");
	*end = 0;
	text_trim(s);
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = 0;
		s++;
		text_trim(s);
	}
	return s;
}

/* A first line that names its column ("barcode", "Mã vạch", "ma_vach", "code") is a header. */
static bool is_header(arena_t *a, const char *field)
{
	const char *f = text_fold(a, field);
	static const char *const names[] = { "barcode", "barcodes", "ma vach", "ma_vach", "mavach", "code" };
	for (size_t i = 0; f && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(f, names[i]))
			return true;
	return false;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != ',' && p[i] != ';')
			return false;
	return true;
}

int stocktake_upload(db_t *db, const actor_t *actor, int64_t id, const char *data, size_t len, arena_t *a,
                     stocktake_upload_t *out, err_t *err)
{
	int rc;
	memset(out, 0, sizeof *out);
	stocktake_t s;
	/* The session first: another school's id is not found whatever the file holds. */
	if ((rc = stocktake_load(db, actor, id, true, a, &s, err)) < 0)
		return rc;
	if (strcmp(s.status, "open") != 0)
		return err_set(err, ERR_CONFLICT, "err.stocktake.closed", NULL);
	if (len > STOCKTAKE_UPLOAD_MAX)
		return err_set(err, ERR_TOOBIG, "err.stocktake.upload_big", "%d", STOCKTAKE_UPLOAD_MAX);
	if (!data || len == 0)
		return err_set(err, ERR_INVALID, "err.stocktake.upload_empty", NULL);
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	if (memchr(data, 0, len) || !text_valid_utf8(data, len))
		return err_set(err, ERR_INVALID, "err.stocktake.upload_text", NULL);
	const char **batch = arena_alloc(a, STOCKTAKE_BATCH * sizeof *batch);
	stocktake_scan_t *res = arena_alloc(a, STOCKTAKE_BATCH * sizeof *res);
	size_t nb = 0, lineno = 0;
	const char *p = data, *end = data + len;
	arena_t *tmp = arena_new(1 << 16);
	rc = 0;
	while (p < end || nb) {
		if (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *line = p;
			p = nl ? nl + 1 : end;
			lineno++;
			if (lineno > STOCKTAKE_UPLOAD_LINES) {
				rc = err_set(err, ERR_TOOBIG, "err.stocktake.upload_lines", "%d",
				             STOCKTAKE_UPLOAD_LINES);
				break;
			}
			if (n && line[n - 1] == '\r')
				n--;
			if (blank(line, n))
				continue;
			out->lines++;
			char *bc = line_barcode(tmp, line, n);
			if (!normalise(tmp, bc) || (out->lines == 1 && is_header(tmp, bc))) {
				if (out->nbad < 100) {
					out->bad_line[out->nbad] = lineno;
					out->bad_text[out->nbad] =
					    text_cut(a, arena_strndup(tmp, line, n), 60);
				}
				out->nbad++;
				continue;
			}
			batch[nb++] = bc;
			if (nb < STOCKTAKE_BATCH && p < end)
				continue;
		}
		if (nb == 0)
			break;
		if ((rc = stocktake_scan(db, actor, id, batch, nb, tmp, res, &out->live, err)) < 0)
			break;
		for (size_t i = 0; i < nb; i++) {
			if (res[i].scans > 1)
				out->repeats++;
			switch (result_index(res[i].result)) {
			case 0:
				out->found++;
				break;
			case 1:
				out->on_loan++;
				break;
			case 2:
				out->misplaced++;
				break;
			default:
				out->unknown++;
				break;
			}
		}
		out->scanned += nb;
		nb = 0;
		/* The strings of the next batch may reuse the temporary arena once this one is done. */
		arena_reset(tmp);
	}
	arena_free(tmp);
	return rc < 0 ? rc : 0;
}
