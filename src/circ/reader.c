/* reader.c: what the desk shows of a reader (circ.h): what a scanned code is, the reader's open
 * loans, holds and charges, the name search; and the sentences the desk shows for every action
 * (circ_message), filled from the facts in a circ_result_t. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/text.h"
#include "circ/circ_int.h"

int circ_identify(db_t *db, const actor_t *actor, const char *code, int *what, err_t *err)
{
	*what = 0;
	int rc;
	int64_t n = 0;
	if ((rc = circ_check_desk(actor, err)) < 0)
		return rc;
	if (!code || !*code)
		return 0;
	rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND code = ?", "is",
	                  actor->unit_id, code);
	if (rc < 0)
		return rc;
	if (n > 0) {
		*what = 1;
		return 0;
	}
	rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM items WHERE unit_id = ? AND barcode = ?", "is",
	                  actor->unit_id, code);
	if (rc < 0)
		return rc;
	*what = n > 0 ? 2 : 0;
	return 0;
}

static int summary_loans(db_t *db, circ_summary_t *o, arena_t *a, err_t *err)
{
	size_t cap = 0;
	int rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT l.id, l.item_id, l.biblio_id, i.barcode, b.title, l.doc_type, l.kind, l.out_day,"
	             " l.due, l.renewals FROM loans l JOIN items i ON i.id = l.item_id"
	             " JOIN biblios b ON b.id = l.biblio_id WHERE l.patron_id = ? AND l.returned_at IS NULL"
	             " ORDER BY l.due, l.id",
	             "i", o->patron.id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		o->loans = arena_grow(a, o->loans, o->nloans, &cap, 8, sizeof *o->loans);
		circ_loan_t *l = &o->loans[o->nloans++];
		memset(l, 0, sizeof *l);
		l->id = db_col_int(st, 0);
		l->item_id = db_col_int(st, 1);
		l->biblio_id = db_col_int(st, 2);
		l->patron_id = o->patron.id;
		l->barcode = circ_dup(a, db_col_text(st, 3));
		l->title = circ_dup(a, db_col_text(st, 4));
		l->doc_type = circ_dup(a, db_col_text(st, 5));
		l->kind = circ_dup(a, db_col_text(st, 6));
		l->out_day = circ_dup(a, db_col_text(st, 7));
		l->due = circ_dup(a, db_col_text(st, 8));
		l->renewals = (int)db_col_int(st, 9);
		l->overdue_days = circ_days_late(l->due);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int summary_charges(db_t *db, circ_summary_t *o, arena_t *a, err_t *err)
{
	size_t cap = 0;
	int rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT c.id, c.kind, c.amount, c.note, c.created_at, b.title FROM charges c"
	             " LEFT JOIN items i ON i.id = c.item_id LEFT JOIN biblios b ON b.id = i.biblio_id"
	             " WHERE c.patron_id = ? AND c.settled IS NULL ORDER BY c.created_at, c.id",
	             "i", o->patron.id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		o->charges = arena_grow(a, o->charges, o->ncharges, &cap, 4, sizeof *o->charges);
		circ_charge_t *c = &o->charges[o->ncharges++];
		c->id = db_col_int(st, 0);
		c->kind = circ_dup(a, db_col_text(st, 1));
		c->amount = db_col_int(st, 2);
		c->note = circ_dup(a, db_col_text(st, 3));
		c->created_at = db_col_int(st, 4);
		c->title = circ_dup(a, db_col_text(st, 5));
		o->owed += c->amount;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int circ_patron_summary(db_t *db, const actor_t *actor, const char *code, int64_t id, arena_t *a,
                        circ_summary_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc;
	if ((rc = circ_check_desk(actor, err)) < 0 ||
	    (rc = circ_find_patron(db, actor->unit_id, code, id, a, &out->patron, err)) < 0 ||
	    (rc = summary_loans(db, out, a, err)) < 0 || (rc = summary_charges(db, out, a, err)) < 0)
		return rc;
	return circ_holds_list(db, actor, 0, out->patron.id, a, &out->holds, &out->nholds, NULL, err);
}

int circ_patron_search(db_t *db, const actor_t *actor, const char *q, arena_t *a, circ_patron_t **out,
                       size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	if ((rc = circ_check_desk(actor, err)) < 0)
		return rc;
	if (!q || strlen(q) > 200)
		return err_set(err, ERR_INVALID, "err.circ.search", NULL);
	char *f = text_fold(a, q);
	const char *w[4] = { "%", "%", "%", "%" };
	int nw = 0;
	for (char *s = f; *s && nw < 4;) {
		while (*s == ' ')
			s++;
		char *e = s;
		while (*e && *e != ' ')
			e++;
		if (e > s) {
			buf_t b = BUF_INIT;
			buf_puts(&b, "% ");
			for (char *c = s; c < e; c++)
				if (*c != '%' && *c != '_' && *c != '\\')
					buf_putc(&b, *c);
			buf_putc(&b, '%');
			w[nw++] = arena_strdup(a, buf_str(&b));
			buf_release(&b);
		}
		s = e;
	}
	if (nw == 0)
		return err_set(err, ERR_INVALID, "err.circ.search", NULL);
	size_t cap = 0;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT id, code, full_name, kind, class_name, status, status_note FROM patrons"
	    " WHERE unit_id = ? AND ' ' || name_fold LIKE ? AND ' ' || name_fold LIKE ?"
	    " AND ' ' || name_fold LIKE ? AND ' ' || name_fold LIKE ? ORDER BY name_fold, id LIMIT 20",
	    "issss", actor->unit_id, w[0], w[1], w[2], w[3]);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		circ_read_patron(st, 0, a, &(*out)[(*n)++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- messages ------------------------------------------------------------------------------------ */

const char *circ_level_name(circ_level_t level)
{
	return level == CIRC_OK ? "ok" : level == CIRC_NOTICE ? "notice" : "refused";
}

/* 1234567 -> "1.234.567" (Vietnamese thousands). */
static const char *money(arena_t *a, int64_t v)
{
	char o[32];
	text_thousands(v, o, sizeof o);
	return arena_strdup(a, o);
}

static const char *vn_day(arena_t *a, const char *iso)
{
	char s[32];
	clock_day_vn(iso ? iso : "", s, sizeof s);
	return arena_strdup(a, s);
}

const char *circ_message(arena_t *a, const char *lang, const circ_result_t *r)
{
	const char *t = i18n_get(lang, r->key ? r->key : "err.internal");
	buf_t b = BUF_INIT;
	while (*t) {
		const char *e = *t == '{' ? strchr(t, '}') : NULL;
		if (!e) {
			buf_putc(&b, *t++);
			continue;
		}
		size_t n = (size_t)(e - t - 1);
		const char *name = t + 1, *v = NULL;
#define IS(s) (n == sizeof s - 1 && !strncmp(name, s, n))
		if (IS("reader"))
			v = circ_who(a, &r->patron);
		else if (IS("code"))
			v = r->patron.code;
		else if (IS("title"))
			v = r->loan.title;
		else if (IS("barcode"))
			v = r->loan.barcode;
		else if (IS("due"))
			v = vn_day(a, r->loan.due);
		else if (IS("days"))
			v = arena_printf(a, "%d", r->days);
		else if (IS("n"))
			v = arena_printf(a, "%d", r->n);
		else if (IS("max"))
			v = arena_printf(a, "%d", r->max);
		else if (IS("type"))
			v = r->type_name;
		else if (IS("holder"))
			v = r->holder;
		else if (IS("until"))
			v = vn_day(a, r->until);
		else if (IS("fine"))
			v = money(a, r->fine);
		else if (IS("position"))
			v = arena_printf(a, "%d", r->position);
		else if (IS("reason"))
			v = r->reason && *r->reason
			        ? (!strcmp(r->key, "err.circ.item_status")
			               ? i18n_get(lang, arena_printf(a, "item.status.%s", r->reason))
			               : r->reason)
			        : i18n_get(lang, "circ.no_reason");
#undef IS
		else {
			buf_putc(&b, *t++);
			continue;
		}
		buf_puts(&b, v ? v : "");
		t = e + 1;
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}
