/* close.c: the end of a stocktake: closing (the year's marks of every expected copy in scope,
 * and for a whole-library session the line of part III of the general register), cancelling, and
 * the reviewed step that turns copies missing in a closed session into lost ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsxw.h"
#include "check/check.h"
#include "stocktake/stocktake_int.h"

/* --- closing --------------------------------------------------------------------------------- */

/* Part III of the general register: one line for a closed whole-library session, the next line
 * check_balance_next defines (check.h: in and out between the previous line's watermarks and
 * this session's, on hand by the chain), with the session's watermarks stored for the next line.
 * *diff (*vdiff): the chain's on hand minus the true count (value) of the copies of the general
 * register not withdrawn; not 0 only when a copy left without an approved withdrawal (its status
 * edited by hand), a withdrawal was undone, or a price was corrected (value); the line keeps the
 * chain and the difference is answered and audited. */
static int write_balance(db_t *db, const stocktake_t *s, const char *day, int64_t *diff, int64_t *vdiff,
                         err_t *err)
{
	check_balance_t bal;
	int rc = check_balance_next(db, s->unit_id, &bal, err);
	if (rc < 0)
		return rc;
	int64_t hand_c = 0, hand_v = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT COUNT(*), COALESCE(SUM(" CATALOG_COPY_VALUE_SQL "), 0) FROM items i "
	                         "JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = ? "
	                         "AND i.status <> 'withdrawn' AND " CATALOG_GENERAL_REGISTER_SQL,
	                         "i", s->unit_id);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		hand_c = db_col_int(st, 0);
		hand_v = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*diff = bal.on_hand_copies - hand_c;
	*vdiff = bal.on_hand_value - hand_v;
	rc = db_exec(db, err,
	             "INSERT INTO stock_balances (unit_id, stocktake_id, school_year, day, in_copies, in_value, "
	             "out_copies, out_value, on_hand_copies, on_hand_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	             "iissiiiiii", s->unit_id, s->id, s->school_year, day, bal.in_copies, bal.in_value,
	             bal.out_copies, bal.out_value, bal.on_hand_copies, bal.on_hand_value);
	if (rc < 0)
		return rc;
	rc = db_exec(db, err, "UPDATE stocktakes SET last_item_id = ?, last_withdrawal_no = ? WHERE id = ?",
	             "iii", bal.last_item_id, bal.last_withdrawal_no, s->id);
	return rc < 0 ? rc : 0;
}

#define MARK_BATCH 500

/* The marks (mark: 'C' for the present copies, 'M' for the missing) of the copies of v, MARK_BATCH
 * a statement: the school year, school and session come from the session's row. */
static int write_marks(db_t *db, arena_t *a, int64_t id, const stocktake_wrow_t *v, size_t n, char mark,
                       err_t *err)
{
	int64_t *ids = arena_alloc(a, MARK_BATCH * sizeof *ids);
	size_t k = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			char m = v[i].state == 'M' ? 'M' : v[i].state == 'X' ? 0 : 'C';
			if (m != mark)
				continue;
			ids[k++] = v[i].id;
			if (k < MARK_BATCH)
				continue;
		}
		if (k == 0)
			break;
		db_stmt_t *st = db_prepare_in(
		    db, a,
		    mark == 'M'
		        ? "INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id) "
		          "SELECT i.id, s.school_year, s.unit_id, 'M', s.id FROM items i, stocktakes s WHERE "
		          "i.id IN ("
		        : "INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id) "
		          "SELECT i.id, s.school_year, s.unit_id, 'C', s.id FROM items i, stocktakes s WHERE "
		          "i.id IN (",
		    MARK_BATCH,
		    ") AND s.id = ? ON CONFLICT (item_id, school_year) DO UPDATE SET mark = excluded.mark, "
		    "stocktake_id = excluded.stocktake_id, unit_id = excluded.unit_id",
		    ids, k, err);
		if (!st)
			return err->code;
		db_bind_int(st, MARK_BATCH + 1, id);
		int rc = db_step(st, err);
		db_done(st);
		if (rc < 0)
			return rc;
		k = 0;
	}
	return 0;
}

static char *clean_text(arena_t *a, const char *s, size_t max, const char *field, err_t *err)
{
	char *t = text_nfc(a, s ? s : "");
	if (!t) {
		err_set(err, ERR_INVALID, "err.utf8", "%s", field);
		return NULL;
	}
	text_trim(t);
	if (text_length(t) > max) {
		err_set(err, ERR_INVALID, "err.field.long", "%s", field);
		return NULL;
	}
	return t;
}

int stocktake_close(db_t *db, const actor_t *actor, int64_t id, const char *members, const char *conclusion,
                    int64_t *diff, err_t *err)
{
	int rc;
	*diff = 0;
	arena_t *a = arena_new(1 << 16);
	stocktake_t s;
	char *mem = clean_text(a, members, 2000, "members", err);
	char *con = mem ? clean_text(a, conclusion, 4000, "conclusion", err) : NULL;
	if (!con) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin(db, err)) < 0)
		goto done;
	if ((rc = stocktake_load(db, actor, id, true, a, &s, err)) < 0)
		goto end;
	if (strcmp(s.status, "open") != 0) {
		rc = err_set(err, ERR_CONFLICT, "err.stocktake.closed", NULL);
		goto end;
	}
	/* Take the session's row first: on PostgreSQL a scan in flight finishes (or waits) first. */
	if ((rc = db_exec(db, err, "UPDATE stocktakes SET status = 'open' WHERE id = ? AND status = 'open'",
	                  "i", id)) < 0)
		goto end;
	stocktake_wrow_t *v;
	size_t n;
	if ((rc = stocktake_walk(db, &s, a, &v, &n, &s.c, err)) < 0)
		goto end;
	if ((rc = write_marks(db, a, id, v, n, 'C', err)) < 0 ||
	    (rc = write_marks(db, a, id, v, n, 'M', err)) < 0)
		goto end;
	int64_t now = clock_now();
	char day[16];
	clock_day_format(clock_day_of(now), day, sizeof day);
	int64_t vdiff = 0;
	if (strcmp(s.scope, "all") == 0 && (rc = write_balance(db, &s, day, diff, &vdiff, err)) < 0)
		goto end;
	if ((rc = db_exec(
	         db, err,
	         "UPDATE stocktakes SET status = 'closed', closed_by = ?, closed_at = ?, closed_day = ?, "
	         "expected = ?, found = ?, on_loan = ?, missing = ?, misplaced = ?, unknown = ?, "
	         "members = ?, conclusion = ? WHERE id = ?",
	         "iisiiiiiissi", actor->account_id, now, day, s.c.expected, s.c.found, s.c.on_loan,
	         s.c.missing, s.c.misplaced, s.c.unknown, mem, con, id)) < 0)
		goto end;
	rc = audit_write(
	    db, actor, NULL, s.unit_id, actor->unit_path, "stocktake.close", "stocktake", id,
	    arena_printf(a,
	                 "%s: expected %lld, found %lld, on loan %lld, missing %lld, misplaced %lld, "
	                 "unknown %lld; part III difference %lld copies, %lld dong",
	                 s.scope, (long long)s.c.expected, (long long)s.c.found, (long long)s.c.on_loan,
	                 (long long)s.c.missing, (long long)s.c.misplaced, (long long)s.c.unknown,
	                 (long long)*diff, (long long)vdiff),
	    NULL, err);
end:
	if (rc < 0)
		db_rollback(db);
	else if ((rc = db_commit(db, err)) < 0)
		db_rollback(db);
done:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

int stocktake_cancel(db_t *db, const actor_t *actor, int64_t id, err_t *err)
{
	int rc;
	arena_t *a = arena_new(4096);
	stocktake_t s;
	if ((rc = db_begin(db, err)) < 0)
		goto done;
	if ((rc = stocktake_load(db, actor, id, true, a, &s, err)) < 0)
		goto end;
	rc = db_exec(db, err,
	             "UPDATE stocktakes SET status = 'cancelled', closed_by = ?, closed_at = ? "
	             "WHERE id = ? AND status = 'open'",
	             "iii", actor->account_id, clock_now(), id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.stocktake.closed", NULL);
	if (rc < 0)
		goto end;
	rc = audit_write(db, actor, NULL, s.unit_id, actor->unit_path, "stocktake.cancel", "stocktake", id,
	                 s.scope, NULL, err);
end:
	if (rc < 0)
		db_rollback(db);
	else if ((rc = db_commit(db, err)) < 0)
		db_rollback(db);
done:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

/* --- the reviewed step ----------------------------------------------------------------------- */

int stocktake_lose(db_t *db, const actor_t *actor, int64_t id, const int64_t *ids, size_t n, err_t *err)
{
	int rc;
	if (n == 0)
		return err_set(err, ERR_INVALID, "err.stocktake.lose_none", NULL);
	if (n > 1000)
		return err_set(err, ERR_TOOBIG, "err.stocktake.batch", "1000");
	arena_t *a = arena_new(4096);
	stocktake_t s;
	buf_t det = BUF_INIT;
	if ((rc = db_begin(db, err)) < 0)
		goto done;
	if ((rc = stocktake_load(db, actor, id, true, a, &s, err)) < 0)
		goto end;
	if (strcmp(s.status, "closed") != 0) {
		rc = err_set(err, ERR_CONFLICT, "err.stocktake.not_closed", NULL);
		goto end;
	}
	buf_puts(&det, "lost:");
	for (size_t i = 0; i < n; i++) {
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT i.accession, i.status, CASE WHEN l.id IS NULL THEN 0 ELSE 1 END "
		             "FROM stocktake_marks m JOIN items i ON i.id = m.item_id "
		             "LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL "
		             "WHERE m.item_id = ? AND m.stocktake_id = ? AND m.mark = 'M' AND i.unit_id = ?",
		             "iii", ids[i], id, s.unit_id);
		if (!st) {
			rc = err->code;
			goto end;
		}
		rc = db_step(st, err);
		const char *acc = rc == DB_ROW ? stocktake_dup0(a, db_col_text(st, 0)) : NULL;
		bool ok =
		    rc == DB_ROW && db_col_int(st, 2) == 0 && strcmp(db_col_text(st, 1), "withdrawn") != 0 &&
		    strcmp(db_col_text(st, 1), "lost") != 0 && strcmp(db_col_text(st, 1), "on_loan") != 0;
		db_done(st);
		if (rc < 0)
			goto end;
		/* Found since (a scan in this session after all is impossible: it is closed), lent, or
		 * not a missing copy of this session: refused, naming it. */
		if (!ok) {
			rc = err_set(err, ERR_CONFLICT, "err.stocktake.lose", "%s",
			             acc ? acc : arena_printf(a, "#%lld", (long long)ids[i]));
			goto end;
		}
		if ((rc = db_exec(db, err, "UPDATE items SET status = 'lost' WHERE id = ?", "i", ids[i])) < 0)
			goto end;
		if (det.len < 200)
			buf_printf(&det, " %s", acc);
	}
	if (det.len >= 200)
		buf_puts(&det, " ...");
	rc = audit_write(db, actor, NULL, s.unit_id, actor->unit_path, "stocktake.lose", "stocktake", id,
	                 arena_printf(a, "%zu copies %s", n, buf_str(&det)), NULL, err);
end:
	if (rc < 0)
		db_rollback(db);
	else if ((rc = db_commit(db, err)) < 0)
		db_rollback(db);
done:
	buf_release(&det);
	arena_free(a);
	return rc < 0 ? rc : 0;
}
