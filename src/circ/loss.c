/* loss.c: copies lost, damaged, found again, and the charges (replacement values, fines) a
 * reader owes, listed and settled once (circ_more.h).
 *
 * Every write reads and changes in one transaction, and every change is conditional on the
 * state it read (`WHERE returned_at IS NULL`, `WHERE status = ?`, `WHERE settled IS NULL`): a
 * return at the desk racing a loss, or two librarians settling one charge, leave exactly one of
 * them done and the other answered ERR_CONFLICT, on either backend. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "circ/circ_more.h"

#define NOTE_MAX 500

typedef struct item_row {
	int64_t id, biblio_id, price, biblio_price;
	char status[16];
	char accession[40];
} item_row_t;

/* A copy of the school by its barcode, else by its accession number ("STK-000123"). */
static int find_item(db_t *db, int64_t unit, const char *code, item_row_t *it, err_t *err)
{
	static const char *const sql[] = {
		"SELECT i.id, i.biblio_id, i.price, b.price, i.status, i.accession FROM items i "
		"JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = ? AND i.barcode = ?",
		"SELECT i.id, i.biblio_id, i.price, b.price, i.status, i.accession FROM items i "
		"JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = ? AND i.accession = ?",
	};
	for (size_t k = 0; k < 2; k++) {
		db_stmt_t *st = db_query(db, err, sql[k], "is", unit, code);
		if (!st)
			return err->code;
		int rc = db_step(st, err);
		if (rc == DB_ROW) {
			it->id = db_col_int(st, 0);
			it->biblio_id = db_col_int(st, 1);
			it->price = db_col_int(st, 2);
			it->biblio_price = db_col_int(st, 3);
			snprintf(it->status, sizeof it->status, "%s", db_col_text(st, 4));
			snprintf(it->accession, sizeof it->accession, "%s", db_col_text(st, 5));
		}
		db_done(st);
		if (rc < 0)
			return rc;
		if (rc == DB_ROW)
			return 0;
	}
	return err_set(err, ERR_NOTFOUND, "err.circ.item", "%.60s", code);
}

/* The open loan of a copy: its id and reader, or 0s. */
static int open_loan(db_t *db, int64_t item, int64_t *loan, int64_t *patron, err_t *err)
{
	*loan = *patron = 0;
	db_stmt_t *st = db_query(
	    db, err, "SELECT id, patron_id FROM loans WHERE item_id = ? AND returned_at IS NULL", "i", item);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*loan = db_col_int(st, 0);
		*patron = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int check_input(const char *code, int64_t amount, bool amount_needed, const char *note, err_t *err)
{
	if (!code || !*code || strlen(code) > 64)
		return err_set(err, ERR_INVALID, "err.circ.barcode", NULL);
	if ((amount == CIRC_AMOUNT_DEFAULT && amount_needed) ||
	    (amount != CIRC_AMOUNT_DEFAULT && (amount < 0 || amount > CIRC_MAX_AMOUNT)))
		return err_set(err, ERR_INVALID, "err.circ.amount", "%d", CIRC_MAX_AMOUNT);
	if (note && text_length(note) > NOTE_MAX)
		return err_set(err, ERR_INVALID, "err.circ.note", "%d", NOTE_MAX);
	return 0;
}

/* Close the copy's open loan with outcome, charge the reader (kind = outcome) amount when > 0,
 * and move the copy from its status to new_status: the common body of lost and damaged. */
static int close_and_charge(db_t *db, const actor_t *actor, const item_row_t *it, const char *outcome,
                            const char *new_status, int64_t amount, const char *note, circ_loss_result_t *out,
                            err_t *err)
{
	int64_t now = clock_now();
	int rc = open_loan(db, it->id, &out->loan_id, &out->patron_id, err);
	if (rc < 0)
		return rc;
	if (out->loan_id) {
		rc = db_exec(db, err,
		             "UPDATE loans SET returned_at = ?, outcome = ?, returned_by = ? "
		             "WHERE id = ? AND returned_at IS NULL",
		             "isii", now, outcome, actor->account_id, out->loan_id);
		if (rc == 0)
			rc = err_set(err, ERR_CONFLICT, "err.circ.item_state", NULL);
		if (rc < 0)
			return rc;
		if (amount > 0) {
			rc = db_insert_id(
			    db, &out->charge_id, err,
			    "INSERT INTO charges (unit_id, patron_id, loan_id, item_id, kind, amount, note, "
			    "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    "iiiisisii", actor->unit_id, out->patron_id, out->loan_id, it->id, outcome,
			    amount, note ? note : "", now, actor->account_id);
			if (rc < 0)
				return rc;
		}
	}
	rc = db_exec(db, err, "UPDATE items SET status = ? WHERE id = ? AND status = ?", "sis", new_status,
	             it->id, it->status);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.circ.item_state", NULL);
	if (rc < 0)
		return rc;
	out->item_id = it->id;
	out->amount = out->charge_id ? amount : 0;
	out->status = new_status;
	char detail[400];
	snprintf(detail, sizeof detail, "%s: %s -> %s; loan %lld; charge %lld: %lld đ", it->accession,
	         it->status, new_status, (long long)out->loan_id, (long long)out->charge_id,
	         (long long)out->amount);
	return audit_write(db, actor, NULL, actor->unit_id, actor->unit_path,
	                   strcmp(outcome, "lost") == 0 ? "circ.lost" : "circ.damaged", "item", it->id,
	                   detail, NULL, err);
}

static int record_loss(db_t *db, const actor_t *actor, const char *barcode, int64_t amount, const char *note,
                       bool lost, circ_loss_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_check_writer(actor, err);
	if (rc < 0 || (rc = check_input(barcode, amount, !lost, note, err)) < 0)
		return rc;
	int own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	item_row_t it;
	if ((rc = find_item(db, actor->unit_id, barcode, &it, err)) < 0)
		goto done;
	/* Lost: from any state a book can be in; damaged: from one in hand or on loan. */
	bool ok = lost ? strcmp(it.status, "lost") && strcmp(it.status, "withdrawn")
	               : strcmp(it.status, "lost") && strcmp(it.status, "withdrawn") &&
	                     strcmp(it.status, "damaged");
	if (!ok) {
		rc = err_set(err, ERR_CONFLICT, "err.circ.item_state", "%s", it.status);
		goto done;
	}
	if (amount == CIRC_AMOUNT_DEFAULT)
		amount = it.price > 0 ? it.price : it.biblio_price;
	rc = close_and_charge(db, actor, &it, lost ? "lost" : "damaged", lost ? "lost" : "damaged", amount,
	                      note, out, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_item_lost(db_t *db, const actor_t *actor, const char *barcode, int64_t amount, const char *note,
                   circ_loss_result_t *out, err_t *err)
{
	return record_loss(db, actor, barcode, amount, note, true, out, err);
}

int circ_item_damaged(db_t *db, const actor_t *actor, const char *barcode, int64_t amount, const char *note,
                      circ_loss_result_t *out, err_t *err)
{
	return record_loss(db, actor, barcode, amount, note, false, out, err);
}

int circ_item_found(db_t *db, const actor_t *actor, const char *barcode, circ_loss_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_check_writer(actor, err);
	if (rc < 0 || (rc = check_input(barcode, CIRC_AMOUNT_DEFAULT, false, NULL, err)) < 0)
		return rc;
	int own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	item_row_t it;
	int64_t loan = 0, patron = 0;
	if ((rc = find_item(db, actor->unit_id, barcode, &it, err)) < 0 ||
	    (rc = open_loan(db, it.id, &loan, &patron, err)) < 0)
		goto done;
	if (strcmp(it.status, "lost") != 0 || loan) {
		rc = err_set(err, ERR_CONFLICT, "err.circ.not_lost", "%s", it.status);
		goto done;
	}
	rc = db_exec(db, err, "UPDATE items SET status = 'available' WHERE id = ? AND status = 'lost'", "i",
	             it.id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.circ.not_lost", NULL);
	if (rc < 0)
		goto done;
	out->item_id = it.id;
	out->status = "available";
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "circ.found", "item", it.id,
	                 it.accession, NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

/* --- charges -------------------------------------------------------------------------------- */

#define CHARGES_MAX 2000

static int find_patron(db_t *db, int64_t unit, const char *code, arena_t *a, int64_t *id, const char **name,
                       err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT id, full_name FROM patrons WHERE unit_id = ? AND code = ?",
	                         "is", unit, code);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		*name = arena_strdup(a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_NOTFOUND, "err.circ.patron", "%.60s", code);
}

int circ_charges_list(db_t *db, const actor_t *actor, const circ_charge_filter_t *f, arena_t *a,
                      circ_charge_list_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_school_for(db, actor, f->unit_id, a, &out->school, err);
	if (rc < 0)
		return rc;
	if (f->patron_code && *f->patron_code) {
		if (strlen(f->patron_code) > 64)
			return err_set(err, ERR_NOTFOUND, "err.circ.patron", NULL);
		if ((rc = find_patron(db, out->school.id, f->patron_code, a, &out->patron_id,
		                      &out->patron_name, err)) < 0)
			return rc;
	}
	/* Unsettled first (settled_at NULL sorts as 0), newest first. */
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT c.id, c.patron_id, c.loan_id, c.item_id, c.amount, c.created_at, c.settled_at, c.kind, "
	    "c.settled, "
	    "c.note, p.code, p.full_name, p.class_name, b.title, i.barcode FROM charges c "
	    "JOIN patrons p ON p.id = c.patron_id LEFT JOIN items i ON i.id = c.item_id "
	    "LEFT JOIN biblios b ON b.id = i.biblio_id "
	    "WHERE c.unit_id = ? AND (? = 0 OR c.patron_id = ?) AND (? = 0 OR c.settled IS NULL) "
	    "ORDER BY CASE WHEN c.settled IS NULL THEN 0 ELSE 1 END, c.created_at DESC, c.id DESC LIMIT ?",
	    "iiiii", out->school.id, out->patron_id, out->patron_id, (int64_t)f->open_only,
	    (int64_t)CHARGES_MAX);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->v = arena_grow(a, out->v, out->n, &cap, 32, sizeof *out->v);
		circ_charge_t *c = &out->v[out->n++];
		c->id = db_col_int(st, 0);
		c->patron_id = db_col_int(st, 1);
		c->loan_id = db_col_int(st, 2);
		c->item_id = db_col_int(st, 3);
		c->amount = db_col_int(st, 4);
		c->created_at = db_col_int(st, 5);
		c->settled_at = db_col_int(st, 6);
		c->kind = arena_strdup(a, db_col_text(st, 7));
		c->settled = arena_strdup(a, db_col_text(st, 8));
		c->note = arena_strdup(a, db_col_text(st, 9));
		c->patron_code = arena_strdup(a, db_col_text(st, 10));
		c->patron_name = arena_strdup(a, db_col_text(st, 11));
		c->class_name = arena_strdup(a, db_col_text(st, 12));
		c->title = arena_strdup(a, db_col_text(st, 13) ? db_col_text(st, 13) : "");
		c->barcode = arena_strdup(a, db_col_text(st, 14) ? db_col_text(st, 14) : "");
		if (!c->settled)
			out->open_total += c->amount;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int circ_charge_settle(db_t *db, const actor_t *actor, int64_t charge_id, const char *how, const char *note,
                       err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int own = 0, rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT c.unit_id, u.path, c.amount, c.kind FROM charges c JOIN units u ON u.id = c.unit_id "
	    "WHERE c.id = ?",
	    "i", charge_id);
	if (!st) {
		rc = err->code;
		goto done;
	}
	rc = db_step(st, err);
	int64_t unit = 0, amount = 0;
	char kind[16] = "";
	bool seen = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 1));
	if (seen) {
		unit = db_col_int(st, 0);
		amount = db_col_int(st, 2);
		snprintf(kind, sizeof kind, "%s", db_col_text(st, 3));
	}
	db_done(st);
	if (rc < 0)
		goto done;
	if (!seen) {
		rc = err_set(err, ERR_NOTFOUND, "err.circ.charge", NULL);
		goto done;
	}
	if ((rc = circ_check_writer(actor, err)) < 0)
		goto done;
	if (unit != actor->unit_id) {
		rc = err_set(err, ERR_NOTFOUND, "err.circ.charge", NULL);
		goto done;
	}
	if (!how || (strcmp(how, "paid") && strcmp(how, "replaced") && strcmp(how, "waived"))) {
		rc = err_set(err, ERR_INVALID, "err.circ.settle", NULL);
		goto done;
	}
	if (note && text_length(note) > NOTE_MAX) {
		rc = err_set(err, ERR_INVALID, "err.circ.note", "%d", NOTE_MAX);
		goto done;
	}
	/* A settling note is kept after the charge's own, so neither is lost. */
	rc = db_exec(db, err,
	             "UPDATE charges SET settled = ?, settled_at = ?, settled_by = ?, "
	             "note = CASE WHEN CAST(? AS TEXT) IS NULL THEN note WHEN note = '' THEN ? ELSE note || "
	             "' · ' || ? END "
	             "WHERE id = ? AND settled IS NULL",
	             "siisssi", how, clock_now(), actor->account_id, note && *note ? note : NULL, note, note,
	             charge_id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.circ.settled", NULL);
	if (rc < 0)
		goto done;
	char detail[120];
	snprintf(detail, sizeof detail, "%s %lld đ: %s", kind, (long long)amount, how);
	rc = audit_write(db, actor, NULL, unit, actor->unit_path, "circ.settle", "charge", charge_id, detail,
	                 NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}
