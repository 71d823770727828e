/* circ.c: the lending desk's actions (circ.h): checkout, return, renew; the lookups of a reader
 * and a copy every action starts with. The reader's summary, the name search and the desk's
 * sentences are in reader.c.
 *
 * Each action is one short transaction of a handful of indexed statements (the reader by card,
 * the copy by barcode, the copy's open loan, the rule, one count, the INSERT or UPDATE, the audit
 * row): the desk must keep up with a scanner at break time. The copy's open loan is unique in the
 * database; a race the code above it loses becomes the "already on loan" refusal. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "circ/circ_int.h"
#include "stats/stats.h" /* STAT_KCLASS: a copy's kclass, as the counters define it */

int circ_check_desk(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.circ.forbidden", NULL);
	return 0;
}

int circ_refuse(circ_result_t *res, err_t *err, int code, const char *key)
{
	res->key = key;
	res->level = CIRC_REFUSED;
	return err_set(err, code, key, NULL);
}

const char *circ_who(arena_t *a, const circ_patron_t *p)
{
	if (!p->name)
		return "";
	if (p->class_name && *p->class_name)
		return arena_printf(a, "%s (%s)", p->name, p->class_name);
	return p->name;
}

const char *circ_dup(arena_t *a, const char *s)
{
	return arena_strdup(a, s ? s : "");
}

/* A scanned code without the spaces, tabs and line ends scanners add around it; NULL stays NULL. */
static const char *trim_code(arena_t *a, const char *s)
{
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return arena_strndup(a, s, n);
}

static void today_iso(char *out, size_t n)
{
	clock_day_format(clock_today_vn(), out, n);
}

int circ_days_late(const char *due)
{
	int64_t d;
	if (!due || clock_day_parse(due, &d) < 0)
		return 0;
	int64_t late = clock_today_vn() - d;
	return late > 0 ? (int)late : 0;
}

/* --- lookups ------------------------------------------------------------------------------------- */

void circ_read_patron(db_stmt_t *st, int c, arena_t *a, circ_patron_t *p)
{
	p->id = db_col_int(st, c);
	p->code = circ_dup(a, db_col_text(st, c + 1));
	p->name = circ_dup(a, db_col_text(st, c + 2));
	p->kind = circ_dup(a, db_col_text(st, c + 3));
	p->class_name = circ_dup(a, db_col_text(st, c + 4));
	p->status = circ_dup(a, db_col_text(st, c + 5));
	p->status_note = circ_dup(a, db_col_text(st, c + 6));
}

int circ_find_patron(db_t *db, int64_t unit_id, const char *code, int64_t id, arena_t *a, circ_patron_t *out,
                     err_t *err)
{
	memset(out, 0, sizeof *out);
	db_stmt_t *st;
	if (code && *code)
		st = db_query(db, err,
		              "SELECT id, code, full_name, kind, class_name, status, status_note FROM patrons"
		              " WHERE unit_id = ? AND code = ?",
		              "is", unit_id, code);
	else
		st = db_query(db, err,
		              "SELECT id, code, full_name, kind, class_name, status, status_note FROM patrons"
		              " WHERE unit_id = ? AND id = ?",
		              "ii", unit_id, id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		circ_read_patron(st, 0, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return err_set(err, ERR_NOTFOUND, "err.circ.patron_notfound", NULL);
	return 0;
}

int circ_find_item(db_t *db, int64_t unit_id, const char *barcode, arena_t *a, circ_item_t *out,
                   circ_result_t *res, err_t *err)
{
	memset(out, 0, sizeof *out);
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT i.id, i.biblio_id, i.barcode, i.status, b.title, b.doc_type, t.name_vi,"
	    " t.loanable, " STAT_KCLASS("b.class_number") " FROM items i JOIN biblios b ON b.id = i.biblio_id"
	                                                  " JOIN doc_types t ON t.code = b.doc_type WHERE "
	                                                  "i.unit_id = ? AND i.barcode = ?",
	    "is", unit_id, barcode ? barcode : "");
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->biblio_id = db_col_int(st, 1);
		out->barcode = circ_dup(a, db_col_text(st, 2));
		out->status = circ_dup(a, db_col_text(st, 3));
		out->title = circ_dup(a, db_col_text(st, 4));
		out->doc_type = circ_dup(a, db_col_text(st, 5));
		out->type_name = circ_dup(a, db_col_text(st, 6));
		out->loanable = db_col_int(st, 7) != 0;
		out->kclass = circ_dup(a, db_col_text(st, 8));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW) {
		res->loan.barcode = arena_strdup(a, barcode ? barcode : "");
		return circ_refuse(res, err, ERR_NOTFOUND, "err.circ.item_notfound");
	}
	res->loan.title = out->title;
	res->loan.barcode = out->barcode;
	return 0;
}

/* The open loan of item_id with its reader: ERR_NOTFOUND when the copy is not on loan. */
static int open_loan(db_t *db, int64_t item_id, arena_t *a, circ_loan_t *l, circ_patron_t *p, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT l.id, l.biblio_id, l.kind, l.out_day, l.due, l.renewals, l.doc_type,"
	             " p.id, p.code, p.full_name, l.patron_kind, p.class_name, p.status, p.status_note"
	             " FROM loans l JOIN patrons p ON p.id = l.patron_id"
	             " WHERE l.item_id = ? AND l.returned_at IS NULL",
	             "i", item_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		l->id = db_col_int(st, 0);
		l->item_id = item_id;
		l->biblio_id = db_col_int(st, 1);
		l->kind = circ_dup(a, db_col_text(st, 2));
		l->out_day = circ_dup(a, db_col_text(st, 3));
		l->due = circ_dup(a, db_col_text(st, 4));
		l->renewals = (int)db_col_int(st, 5);
		l->doc_type = circ_dup(a, db_col_text(st, 6));
		circ_read_patron(st, 7, a, p);
		l->patron_id = p->id;
		l->overdue_days = circ_days_late(l->due);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : ERR_NOTFOUND;
}

/* --- lending ------------------------------------------------------------------------------------- */

int circ_explain_race(db_t *db, int64_t item_id, int64_t patron_id, arena_t *a, circ_result_t *res, int rc,
                      err_t *err)
{
	circ_loan_t l = { 0 };
	circ_patron_t p = { 0 };
	err_t e2;
	if (open_loan(db, item_id, a, &l, &p, &e2) != 0)
		return rc;
	res->loan.due = l.due;
	res->holder = circ_who(a, &p);
	return circ_refuse(res, err, ERR_CONFLICT,
	                   p.id == patron_id ? "err.circ.on_loan_same" : "err.circ.on_loan_other");
}

static bool item_lendable_status(const char *status)
{
	return !strcmp(status, "available") || !strcmp(status, "in_library") || !strcmp(status, "on_loan");
}

/* The due date of a new loan, as yyyy-mm-dd in out. */
static int due_of(db_t *db, int64_t unit_id, const circ_settings_t *s, const circ_rule_t *rule,
                  const char *kind, const char *override, char *out, size_t n, err_t *err)
{
	int64_t today = clock_today_vn(), d;
	int rc;
	if (override && *override) {
		if (clock_day_parse(override, &d) < 0 || d < today)
			return err_set(err, ERR_INVALID, "err.circ.due", "%s", override);
	} else if (!strcmp(kind, "home")) {
		if ((rc = circ_due_day(db, unit_id, s, today, rule->loan_days, &d, err)) < 0)
			return rc;
	} else if ((rc = circ_year_end_day(db, unit_id, s, today, &d, err)) < 0) {
		return rc;
	}
	clock_day_format(d, out, n);
	return 0;
}

/* The reader's checks: active, and (home loans, when the school says so) no overdue copy. For a
 * home loan the same statement counts the reader's open home loans of doc_type into *have (for
 * the limit, checked later): one pass over the reader's open loans instead of two. */
static int check_reader(db_t *db, const circ_settings_t *s, const circ_patron_t *p, const char *kind,
                        const char *doc_type, const char *today, int64_t *have, circ_result_t *res,
                        err_t *err)
{
	*have = 0;
	if (!strcmp(p->status, "blocked")) {
		res->reason = p->status_note;
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.patron_blocked");
	}
	if (!strcmp(p->status, "graduated"))
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.patron_graduated");
	if (!strcmp(p->status, "left"))
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.patron_left");
	if (strcmp(kind, "home"))
		return 0;
	int64_t late = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT COUNT(CASE WHEN due < ? THEN 1 END),"
	                         " COUNT(CASE WHEN kind = 'home' AND doc_type = ? THEN 1 END)"
	                         " FROM loans WHERE patron_id = ? AND returned_at IS NULL",
	                         "ssi", today, doc_type, p->id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		late = db_col_int(st, 0);
		*have = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (late > 0 && s->block_overdue) {
		res->n = (int)late;
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.patron_overdue");
	}
	return 0;
}

int circ_lend(db_t *db, const actor_t *actor, const circ_patron_t *patron, const circ_item_t *item,
              const char *kind, const char *due_override, arena_t *a, circ_result_t *res, bool *raced,
              err_t *err)
{
	int rc;
	char today[16], due[16];
	today_iso(today, sizeof today);
	int64_t unit = actor->unit_id;
	res->patron = *patron;
	res->loan.title = item->title;
	res->loan.barcode = item->barcode;
	res->loan.item_id = item->id;
	res->loan.biblio_id = item->biblio_id;
	res->loan.doc_type = item->doc_type;
	res->loan.kind = kind;

	circ_settings_t s;
	if ((rc = circ_settings_get(db, unit, &s, err)) < 0)
		return rc;

	/* The copy: already lent (to this reader, or to whom and until when), or not lendable. */
	circ_loan_t l = { 0 };
	circ_patron_t who = { 0 };
	rc = open_loan(db, item->id, a, &l, &who, err);
	if (rc == 0) {
		res->loan.due = l.due;
		res->holder = circ_who(a, &who);
		return circ_refuse(res, err, ERR_CONFLICT,
		                   who.id == patron->id ? "err.circ.on_loan_same" : "err.circ.on_loan_other");
	}
	if (rc != ERR_NOTFOUND)
		return rc;
	if (!item_lendable_status(item->status)) {
		res->reason = item->status;
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.item_status");
	}
	if (!item->loanable)
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_loanable");
	if (!strcmp(kind, "class_set") && strcmp(patron->kind, "teacher"))
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.classset_teacher");
	if (!strcmp(kind, "textbook") && strcmp(item->doc_type, "SGK"))
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.textbook_type");
	circ_rule_t rule;
	if ((rc = circ_rule_get(db, unit, patron->kind, item->doc_type, &rule, err)) < 0)
		return rc;
	if (!strcmp(kind, "home") && rule.max_items == 0)
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_loanable");
	int64_t have = 0;
	if ((rc = check_reader(db, &s, patron, kind, item->doc_type, today, &have, res, err)) < 0)
		return rc;

	/* A copy set aside on the hold shelf is for its reader only. */
	int64_t hold_id = 0, hold_patron = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT h.id, p.id, p.code, p.full_name, p.kind, p.class_name, p.status, p.status_note"
	             " FROM holds h JOIN patrons p ON p.id = h.patron_id"
	             " WHERE h.item_id = ? AND h.status = 'ready'",
	             "i", item->id);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		hold_id = db_col_int(st, 0);
		circ_read_patron(st, 1, a, &who);
		hold_patron = who.id;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (hold_id && hold_patron != patron->id) {
		res->holder = circ_who(a, &who);
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.held_for_other");
	}

	if (!strcmp(kind, "home")) {
		if (have >= rule.max_items) {
			res->n = (int)have;
			res->max = rule.max_items;
			res->type_name = item->type_name;
			return circ_refuse(res, err, ERR_CONFLICT, "err.circ.limit");
		}
	}
	if ((rc = due_of(db, unit, &s, &rule, kind, due_override, due, sizeof due, err)) < 0) {
		res->key = err->key;
		res->level = CIRC_REFUSED;
		return rc;
	}

	int64_t now = clock_now(), loan_id = 0;
	rc = db_insert_id(
	    db, &loan_id, err,
	    "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, kind, patron_kind, class_name,"
	    " doc_type, out_at, out_day, due, out_by, grade, kclass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, COALESCE((SELECT p.grade FROM patrons p WHERE p.id = ?), 0), ?) RETURNING id",
	    "iiiissssissiis", unit, item->id, item->biblio_id, patron->id, kind, patron->kind,
	    patron->class_name, item->doc_type, now, today, due, actor->account_id, patron->id,
	    item->kclass ? item->kclass : "");
	if (rc == ERR_CONFLICT) {
		*raced = true;
		return rc;
	}
	if (rc < 0)
		return rc;
	/* Guarded: the copy was read before the transaction (circ_checkout), and may have been
	 * recorded lost or withdrawn since. */
	rc = db_exec(db, err,
	             "UPDATE items SET status = 'on_loan' WHERE id = ?"
	             " AND status IN ('available', 'in_library', 'on_loan')",
	             "i", item->id);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		db_stmt_t *now_st = db_query(db, err, "SELECT status FROM items WHERE id = ?", "i", item->id);
		if (!now_st)
			return err->code;
		if ((rc = db_step(now_st, err)) == DB_ROW)
			res->reason = arena_strdup(a, db_col_text(now_st, 0));
		db_done(now_st);
		if (rc < 0)
			return rc;
		return circ_refuse(res, err, ERR_CONFLICT, "err.circ.item_status");
	}

	/* The reader's hold on the title is fulfilled. A ready hold that had set aside another copy
	 * frees that copy for the next reader. */
	int64_t other_item = 0, fulfilled = 0;
	st = db_query(db, err,
	              "SELECT id, item_id FROM holds WHERE biblio_id = ? AND patron_id = ?"
	              " AND status IN ('waiting', 'ready')",
	              "ii", item->biblio_id, patron->id);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		fulfilled = db_col_int(st, 0);
		other_item = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (fulfilled) {
		rc = db_exec(db, err, "UPDATE holds SET status = 'fulfilled', closed_at = ? WHERE id = ?",
		             "ii", now, fulfilled);
		if (rc < 0)
			return rc;
		res->hold_id = fulfilled;
		if (other_item && other_item != item->id &&
		    (rc = circ_hold_pass(db, unit, &s, other_item, item->biblio_id, a, NULL, NULL, NULL,
		                         err)) < 0)
			return rc;
	}

	res->loan.id = loan_id;
	res->loan.patron_id = patron->id;
	res->loan.out_day = arena_strdup(a, today);
	res->loan.due = arena_strdup(a, due);
	res->key = fulfilled ? "circ.ok.checkout_hold" : "circ.ok.checkout";
	res->level = CIRC_OK;
	return audit_write(db, actor, NULL, unit, actor->unit_path, "circ.checkout", "loan", loan_id,
	                   arena_printf(a, "%s %s -> %s, due %s", kind, item->barcode, patron->code, due),
	                   NULL, err);
}

/* circ_checkout's lookups: the reader, the copy, and the title's lapsed holds. */
static int find_both(db_t *db, const actor_t *actor, const char *patron, int64_t patron_id, const char *item,
                     arena_t *a, circ_patron_t *p, circ_item_t *it, circ_result_t *res, err_t *err)
{
	int rc;
	if ((rc = circ_find_patron(db, actor->unit_id, patron, patron_id, a, p, err)) < 0) {
		if (rc == ERR_NOTFOUND)
			circ_refuse(res, err, rc, err->key);
		return rc;
	}
	res->patron = *p;
	if ((rc = circ_find_item(db, actor->unit_id, item, a, it, res, err)) < 0)
		return rc;
	return circ_holds_expire(db, actor->unit_id, it->biblio_id, 0, NULL, err);
}

int circ_checkout(db_t *db, const actor_t *actor, const char *patron, int64_t patron_id, const char *item,
                  const circ_opts_t *opts, arena_t *a, circ_result_t *res, err_t *err)
{
	memset(res, 0, sizeof *res);
	const char *kind = opts && opts->kind && *opts->kind ? opts->kind : "home";
	patron = trim_code(a, patron);
	item = trim_code(a, item);
	int rc, own = 0;
	bool raced = false;
	circ_patron_t p;
	circ_item_t it = { 0 };
	if ((rc = circ_check_desk(actor, err)) < 0)
		return circ_refuse(res, err, rc, err->key);
	if (strcmp(kind, "home") && strcmp(kind, "textbook") && strcmp(kind, "class_set"))
		return circ_refuse(res, err, ERR_INVALID, "err.circ.loan_kind");
	if (!item || !*item)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.item_missing");
	if ((!patron || !*patron) && patron_id <= 0)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.patron_missing");
	/* The reader and the copy are looked up before the write transaction when this call owns it:
	 * on SQLite the transactions of a process take turns (src/db/sqlite.c), so what can be read
	 * outside runs beside another desk's loan instead of after it. What may change in between
	 * is checked again inside: the copy's open loan (a unique index), its status (a guarded
	 * UPDATE), the reader's loans and holds. */
	bool early = !db_in_transaction(db);
	if (early && (rc = find_both(db, actor, patron, patron_id, item, a, &p, &it, res, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if (!early && (rc = find_both(db, actor, patron, patron_id, item, a, &p, &it, res, err)) < 0)
		goto done;
	rc = circ_lend(db, actor, &p, &it, kind, opts ? opts->due : NULL, a, res, &raced, err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (raced)
		rc = circ_explain_race(db, it.id, p.id, a, res, rc, err);
	return rc;
}

/* --- return -------------------------------------------------------------------------------------- */

int circ_return(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res, err_t *err)
{
	memset(res, 0, sizeof *res);
	item = trim_code(a, item);
	int rc, own = 0;
	circ_item_t it;
	circ_loan_t l = { 0 };
	circ_patron_t p = { 0 };
	char today[16];
	today_iso(today, sizeof today);
	if ((rc = circ_check_desk(actor, err)) < 0)
		return circ_refuse(res, err, rc, err->key);
	if (!item || !*item)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.item_missing");
	/* The copy is looked up before the write transaction (see circ_checkout). */
	if ((rc = circ_find_item(db, actor->unit_id, item, a, &it, res, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	res->loan.item_id = it.id;
	res->loan.biblio_id = it.biblio_id;
	if ((rc = open_loan(db, it.id, a, &l, &p, err)) == ERR_NOTFOUND)
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_on_loan");
	if (rc < 0)
		goto done;
	int64_t now = clock_now();
	/* Guarded: a second desk returning the same copy at once changes nothing. */
	rc = db_exec(db, err,
	             "UPDATE loans SET returned_at = ?, outcome = 'returned', returned_by = ?"
	             " WHERE id = ? AND returned_at IS NULL",
	             "iii", now, actor->account_id, l.id);
	if (rc == 0) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_on_loan");
		goto done;
	}
	if (rc < 0)
		goto done;
	l.title = it.title;
	l.barcode = it.barcode;
	res->loan = l;
	res->patron = p;
	res->days = l.overdue_days;
	res->key = l.overdue_days > 0 ? "circ.notice.return_late" : "circ.ok.return";
	res->level = l.overdue_days > 0 ? CIRC_NOTICE : CIRC_OK;
	if ((rc = db_exec(db, err, "UPDATE items SET status = 'available' WHERE id = ?", "i", it.id)) < 0)
		goto done;
	/* The school's settings matter only for a late copy (fines) and a waiting hold (the days on
	 * the hold shelf: circ_hold_pass reads them itself when given none). */
	circ_settings_t s;
	if (l.overdue_days > 0 && (rc = circ_settings_get(db, actor->unit_id, &s, err)) < 0)
		goto done;
	if (l.overdue_days > 0 && s.fine_per_day > 0) {
		res->fine = s.fine_per_day * l.overdue_days;
		rc = db_exec(db, err,
		             "INSERT INTO charges (unit_id, patron_id, loan_id, item_id, kind, amount, note,"
		             " created_at, created_by) VALUES (?, ?, ?, ?, 'fine', ?, ?, ?, ?)",
		             "iiiiisii", actor->unit_id, p.id, l.id, it.id, res->fine,
		             arena_printf(a, "%d ngày quá hạn", l.overdue_days), now, actor->account_id);
		if (rc < 0)
			goto done;
		res->key = "circ.notice.return_fine";
	}
	if ((rc = circ_holds_expire(db, actor->unit_id, it.biblio_id, 0, NULL, err)) < 0)
		goto done;
	circ_patron_t next = { 0 };
	if ((rc = circ_hold_pass(db, actor->unit_id, l.overdue_days > 0 ? &s : NULL, it.id, it.biblio_id, a,
	                         &next, &res->until, &res->hold_id, err)) < 0)
		goto done;
	if (res->hold_id) {
		res->holder = circ_who(a, &next);
		res->key = "circ.notice.return_hold";
		res->level = CIRC_NOTICE;
	}
	rc = audit_write(
	    db, actor, NULL, actor->unit_id, actor->unit_path, "circ.return", "loan", l.id,
	    arena_printf(a, "%s <- %s%s", it.barcode, p.code,
	                 l.overdue_days > 0 ? arena_printf(a, ", %d days late", l.overdue_days) : ""),
	    NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

/* --- renew --------------------------------------------------------------------------------------- */

/* The desk's renewal, or (self) a reader's of their own loan: the same rules either way. */
static int renew(db_t *db, const actor_t *actor, const char *item, bool self, arena_t *a, circ_result_t *res,
                 err_t *err)
{
	memset(res, 0, sizeof *res);
	item = trim_code(a, item);
	int rc, own = 0;
	circ_item_t it;
	circ_loan_t l = { 0 };
	circ_patron_t p = { 0 };
	if (self && (!actor || actor->role != ROLE_READER || !actor->patron_id))
		return circ_refuse(res, err, ERR_FORBIDDEN, "err.circ.forbidden");
	if (!self && (rc = circ_check_desk(actor, err)) < 0)
		return circ_refuse(res, err, rc, err->key);
	if (!item || !*item)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.item_missing");
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = circ_find_item(db, actor->unit_id, item, a, &it, res, err)) < 0)
		goto done;
	if ((rc = open_loan(db, it.id, a, &l, &p, err)) == ERR_NOTFOUND)
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_on_loan");
	if (rc == 0 && self && p.id != actor->patron_id)
		rc = circ_refuse(res, err, ERR_NOTFOUND, "err.circ.item_notfound");
	if (rc < 0)
		goto done;
	l.title = it.title;
	l.barcode = it.barcode;
	res->loan = l;
	res->patron = p;
	if (strcmp(l.kind, "home")) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.renew_kind");
		goto done;
	}
	circ_rule_t rule;
	if ((rc = circ_rule_get(db, actor->unit_id, p.kind, l.doc_type, &rule, err)) < 0)
		goto done;
	if (l.renewals >= rule.renewals) {
		res->n = l.renewals;
		res->max = rule.renewals;
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.renew_max");
		goto done;
	}
	int64_t waiting = 0;
	rc = db_query_int(
	    db, &waiting, err,
	    "SELECT COUNT(*) FROM holds WHERE biblio_id = ? AND status = 'waiting' AND patron_id <> ?", "ii",
	    it.biblio_id, p.id);
	if (rc < 0)
		goto done;
	if (waiting > 0) {
		res->n = (int)waiting;
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.renew_held");
		goto done;
	}
	circ_settings_t s;
	int64_t due = 0, cur = 0;
	if ((rc = circ_settings_get(db, actor->unit_id, &s, err)) < 0 ||
	    (rc = circ_due_day(db, actor->unit_id, &s, clock_today_vn(), rule.loan_days, &due, err)) < 0)
		goto done;
	if (clock_day_parse(l.due, &cur) == 0 && cur > due)
		due = cur;
	char dues[16];
	clock_day_format(due, dues, sizeof dues);
	/* Guarded by the loan still open and its renewals unchanged: a return or another renewal that
	 * committed first makes this one change nothing, and it is refused. */
	rc = db_exec(db, err,
	             "UPDATE loans SET due = ?, renewals = renewals + 1 WHERE id = ? AND returned_at IS NULL"
	             " AND renewals = ?",
	             "sii", dues, l.id, (int64_t)l.renewals);
	if (rc == 0) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.not_on_loan");
		goto done;
	}
	if (rc < 0)
		goto done;
	res->loan.due = arena_strdup(a, dues);
	res->loan.renewals = l.renewals + 1;
	res->loan.overdue_days = 0;
	res->key = "circ.ok.renew";
	res->level = CIRC_OK;
	rc =
	    audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "circ.renew", "loan", l.id,
	                arena_printf(a, "%s (%s): due %s -> %s", it.barcode, p.code, l.due, dues), NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_renew(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res, err_t *err)
{
	return renew(db, actor, item, false, a, res, err);
}

int circ_renew_self(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res,
                    err_t *err)
{
	return renew(db, actor, item, true, a, res, err);
}

int circ_renew_all(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a, circ_result_t **out,
                   size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	circ_patron_t p;
	if ((rc = circ_check_desk(actor, err)) < 0 ||
	    (rc = circ_find_patron(db, actor->unit_id, NULL, patron_id, a, &p, err)) < 0)
		return rc;
	const char **codes = NULL;
	size_t nc = 0, cap = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.barcode FROM loans l JOIN items i ON i.id = l.item_id WHERE l.patron_id = ?"
	             " AND l.returned_at IS NULL AND l.kind = 'home' ORDER BY l.due, l.id",
	             "i", p.id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		codes = arena_grow(a, codes, nc, &cap, 8, sizeof *codes);
		codes[nc++] = arena_strdup(a, db_col_text(st, 0));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	circ_result_t *v = nc ? arena_zalloc(a, nc * sizeof *v) : NULL;
	for (size_t i = 0; i < nc; i++) {
		err_t e;
		rc = circ_renew(db, actor, codes[i], a, &v[i], &e);
		if (rc < 0 && rc != ERR_CONFLICT && rc != ERR_NOTFOUND) {
			*err = e;
			return rc;
		}
	}
	*out = v;
	*n = nc;
	return 0;
}
