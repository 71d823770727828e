/* holds.c: holds (đặt mượn trước): a queue per record, by the time placed. A returned copy goes
 * to the oldest waiting hold, which becomes ready and waits on the hold shelf until ready_until;
 * the loan of the title to that reader fulfils it. Holds lapse lazily: a waiting hold past its
 * `expires` day, a ready one past its `ready_until`; a lapsed ready hold's copy passes on. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "circ/circ_int.h"

int circ_hold_pass(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t item_id, int64_t biblio_id,
                   arena_t *a, circ_patron_t *holder, const char **until, int64_t *hold_id, err_t *err)
{
	int64_t id = 0, pid = 0;
	if (hold_id)
		*hold_id = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT h.id, p.id, p.code, p.full_name, p.kind, p.class_name FROM holds h"
	             " JOIN patrons p ON p.id = h.patron_id WHERE h.biblio_id = ? AND h.status = 'waiting'"
	             " ORDER BY h.placed_at, h.id LIMIT 1",
	             "i", biblio_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		id = db_col_int(st, 0);
		pid = db_col_int(st, 1);
		if (holder) {
			memset(holder, 0, sizeof *holder);
			holder->id = pid;
			holder->code = arena_strdup(a, db_col_text(st, 2));
			holder->name = arena_strdup(a, db_col_text(st, 3));
			holder->kind = arena_strdup(a, db_col_text(st, 4));
			holder->class_name = arena_strdup(a, db_col_text(st, 5));
		}
	}
	db_done(st);
	if (rc < 0 || !id)
		return rc < 0 ? rc : 0;
	int64_t day = 0;
	circ_settings_t own;
	if (!s && (rc = circ_settings_get(db, unit_id, &own, err)) < 0)
		return rc;
	s = s ? s : &own;
	if ((rc = circ_next_open_day(db, unit_id, s, clock_today_vn() + s->hold_days, &day, err)) < 0)
		return rc;
	char d[16];
	clock_day_format(day, d, sizeof d);
	rc = db_exec(db, err,
	             "UPDATE holds SET status = 'ready', item_id = ?, ready_at = ?, ready_until = ?"
	             " WHERE id = ? AND status = 'waiting'",
	             "iisi", item_id, clock_now(), d, id);
	if (rc < 0)
		return rc;
	if (hold_id)
		*hold_id = id;
	if (until)
		*until = arena_strdup(a, d);
	return 0;
}

/* One lapsed hold. */
typedef struct lapsed {
	int64_t id, item_id, biblio_id;
	bool ready;
} lapsed_t;

int circ_holds_expire(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t patron_id, int *count, err_t *err)
{
	if (count)
		*count = 0;
	char today[16];
	clock_day_format(clock_today_vn(), today, sizeof today);
	lapsed_t v[64];
	size_t n = 0;
	int rc;
	/* Read first: most calls find nothing and need no write lock. At most 64 a call; the rest
	 * lapse at the next. */
	db_stmt_t *st;
	if (biblio_id)
		st = db_query(db, err,
		              "SELECT id, item_id, biblio_id, status FROM holds WHERE biblio_id = ?"
		              " AND status IN ('waiting', 'ready') AND ((status = 'waiting' AND expires < ?)"
		              " OR (status = 'ready' AND ready_until < ?)) ORDER BY placed_at, id",
		              "iss", biblio_id, today, today);
	else if (patron_id)
		st = db_query(db, err,
		              "SELECT id, item_id, biblio_id, status FROM holds WHERE patron_id = ?"
		              " AND status IN ('waiting', 'ready') AND ((status = 'waiting' AND expires < ?)"
		              " OR (status = 'ready' AND ready_until < ?)) ORDER BY placed_at, id",
		              "iss", patron_id, today, today);
	else
		st = db_query(db, err,
		              "SELECT id, item_id, biblio_id, status FROM holds WHERE unit_id = ?"
		              " AND status IN ('waiting', 'ready') AND ((status = 'waiting' AND expires < ?)"
		              " OR (status = 'ready' AND ready_until < ?)) ORDER BY placed_at, id",
		              "iss", unit_id, today, today);
	if (!st)
		return err->code;
	while (n < 64 && (rc = db_step(st, err)) == DB_ROW) {
		v[n].id = db_col_int(st, 0);
		v[n].item_id = db_col_int(st, 1);
		v[n].biblio_id = db_col_int(st, 2);
		v[n].ready = !strcmp(db_col_text(st, 3), "ready");
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (n == 0)
		return 0;

	int own = 0, done = 0;
	arena_t *a = arena_new(1024);
	circ_settings_t s;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	if ((rc = circ_settings_get(db, unit_id, &s, err)) < 0)
		goto out;
	/* The waiting ones first, so that a lapsed ready hold's copy does not go to one of them. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (v[i].ready != (pass == 1))
				continue;
			rc = db_exec(
			    db, err,
			    "UPDATE holds SET status = 'expired', closed_at = ? WHERE id = ? AND status = ?",
			    "iis", clock_now(), v[i].id, v[i].ready ? "ready" : "waiting");
			if (rc < 0)
				goto out;
			if (rc == 0)
				continue;
			done++;
			if (v[i].ready && v[i].item_id &&
			    (rc = circ_hold_pass(db, unit_id, &s, v[i].item_id, v[i].biblio_id, a, NULL, NULL,
			                         NULL, err)) < 0)
				goto out;
		}
	}
	rc = 0;
	if (done) {
		char *path = NULL;
		st = db_query(db, err, "SELECT path FROM units WHERE id = ?", "i", unit_id);
		if (!st) {
			rc = err->code;
			goto out;
		}
		if ((rc = db_step(st, err)) == DB_ROW)
			path = arena_strdup(a, db_col_text(st, 0));
		db_done(st);
		if (rc < 0)
			goto out;
		rc = audit_write(db, NULL, "system", unit_id, path ? path : "", "circ.hold.expire", "biblio",
		                 biblio_id, arena_printf(a, "%d holds lapsed", done), NULL, err);
	}
out:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	arena_free(a);
	if (rc == 0 && count)
		*count = done;
	return rc;
}

/* The reader linked to a reader account. */
static int self_patron(db_t *db, const actor_t *actor, arena_t *a, circ_patron_t *p, int64_t *unit,
                       err_t *err)
{
	memset(p, 0, sizeof *p);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, unit_id, code, full_name, kind, class_name, status, status_note FROM patrons"
	             " WHERE account_id = ? ORDER BY id LIMIT 1",
	             "i", actor->account_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		p->id = db_col_int(st, 0);
		*unit = db_col_int(st, 1);
		p->code = arena_strdup(a, db_col_text(st, 2));
		p->name = arena_strdup(a, db_col_text(st, 3));
		p->kind = arena_strdup(a, db_col_text(st, 4));
		p->class_name = arena_strdup(a, db_col_text(st, 5));
		p->status = arena_strdup(a, db_col_text(st, 6));
		p->status_note = arena_strdup(a, db_col_text(st, 7));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_FORBIDDEN, "err.circ.no_patron", NULL);
}

/* Who places the hold: the desk for a reader of its school, or a reader for themself. */
static int hold_patron(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a, circ_patron_t *p,
                       int64_t *unit, err_t *err)
{
	int rc;
	if (actor && actor->role == ROLE_READER) {
		if ((rc = self_patron(db, actor, a, p, unit, err)) < 0)
			return rc;
		if (patron_id && patron_id != p->id)
			return err_set(err, ERR_NOTFOUND, "err.circ.patron_notfound", NULL);
		return 0;
	}
	if ((rc = circ_check_desk(actor, err)) < 0)
		return rc;
	*unit = actor->unit_id;
	return circ_find_patron(db, actor->unit_id, NULL, patron_id, a, p, err);
}

static int count(db_t *db, err_t *err, int64_t *n, const char *sql, int64_t x, int64_t y)
{
	return db_query_int(db, n, err, sql, "ii", x, y);
}

int circ_hold_place(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t patron_id, arena_t *a,
                    circ_result_t *res, err_t *err)
{
	memset(res, 0, sizeof *res);
	int rc, own = 0;
	int64_t unit = 0, n = 0;
	circ_patron_t p;
	if ((rc = hold_patron(db, actor, patron_id, a, &p, &unit, err)) < 0)
		return circ_refuse(res, err, rc, err->key);
	res->patron = p;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err, "SELECT title, doc_type FROM biblios WHERE id = ? AND unit_id = ?",
	                         "ii", biblio_id, unit);
	if (!st) {
		rc = err->code;
		goto done;
	}
	const char *doc_type = NULL;
	if ((rc = db_step(st, err)) == DB_ROW) {
		res->loan.title = arena_strdup(a, db_col_text(st, 0));
		doc_type = arena_strdup(a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		goto done;
	if (!doc_type) {
		rc = circ_refuse(res, err, ERR_NOTFOUND, "err.circ.biblio_notfound");
		goto done;
	}
	res->loan.biblio_id = biblio_id;
	if ((rc = circ_holds_expire(db, unit, biblio_id, 0, NULL, err)) < 0)
		goto done;
	if (strcmp(p.status, "active")) {
		res->reason = p.status_note;
		rc = circ_refuse(res, err, ERR_CONFLICT,
		                 !strcmp(p.status, "blocked")     ? "err.circ.patron_blocked"
		                 : !strcmp(p.status, "graduated") ? "err.circ.patron_graduated"
		                                                  : "err.circ.patron_left");
		goto done;
	}
	circ_rule_t rule;
	if ((rc = circ_rule_get(db, unit, p.kind, doc_type, &rule, err)) < 0)
		goto done;
	if (!rule.holds_allowed || rule.max_items == 0) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.hold_not_allowed");
		goto done;
	}
	if ((rc = count(db, err, &n,
	                "SELECT COUNT(*) FROM holds WHERE biblio_id = ? AND patron_id = ?"
	                " AND status IN ('waiting', 'ready')",
	                biblio_id, p.id)) < 0)
		goto done;
	if (n > 0) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.hold_dup");
		goto done;
	}
	if ((rc = count(
	         db, err, &n,
	         "SELECT COUNT(*) FROM loans WHERE patron_id = ? AND biblio_id = ? AND returned_at IS NULL",
	         p.id, biblio_id)) < 0)
		goto done;
	if (n > 0) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.hold_has");
		goto done;
	}
	if ((rc = count(
	         db, err, &n,
	         "SELECT COUNT(*) FROM items i WHERE i.biblio_id = ? AND i.unit_id = ?"
	         " AND i.status IN ('available', 'in_library')"
	         " AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.item_id = i.id AND h.status = 'ready')",
	         biblio_id, unit)) < 0)
		goto done;
	if (n > 0) {
		res->n = (int)n;
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.hold_on_shelf");
		goto done;
	}
	circ_settings_t s;
	if ((rc = circ_settings_get(db, unit, &s, err)) < 0)
		goto done;
	char expires[16];
	clock_day_format(clock_today_vn() + s.hold_expiry_days, expires, sizeof expires);
	int64_t now = clock_now(), id = 0;
	rc = db_insert_id(db, &id, err,
	                  "INSERT INTO holds (unit_id, biblio_id, patron_id, placed_at, placed_by, expires)"
	                  " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	                  "iiiiis", unit, biblio_id, p.id, now, actor->account_id, expires);
	if (rc == ERR_CONFLICT) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.hold_dup");
		goto done;
	}
	if (rc < 0)
		goto done;
	rc = db_query_int(db, &n, err,
	                  "SELECT COUNT(*) FROM holds WHERE biblio_id = ? AND status = 'waiting'"
	                  " AND (placed_at < ? OR (placed_at = ? AND id <= ?))",
	                  "iiii", biblio_id, now, now, id);
	if (rc < 0)
		goto done;
	res->hold_id = id;
	res->position = (int)n;
	res->key = "circ.ok.hold";
	res->level = CIRC_OK;
	rc = audit_write(db, actor, NULL, unit, actor->role == ROLE_READER ? "" : actor->unit_path,
	                 "circ.hold.place", "hold", id,
	                 arena_printf(a, "biblio %lld for %s", (long long)biblio_id, p.code), NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_hold_cancel(db_t *db, const actor_t *actor, int64_t hold_id, err_t *err)
{
	int rc, own = 0;
	if (!actor || (actor->role != ROLE_READER && (rc = circ_check_desk(actor, err)) < 0))
		return actor ? rc : err_set(err, ERR_FORBIDDEN, "err.circ.forbidden", NULL);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t unit = 0, account = 0, item = 0, biblio = 0;
	char status[16] = "";
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT h.unit_id, p.account_id, h.item_id, h.biblio_id, h.status FROM holds h"
	             " JOIN patrons p ON p.id = h.patron_id WHERE h.id = ?",
	             "i", hold_id);
	if (!st) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_step(st, err)) == DB_ROW) {
		unit = db_col_int(st, 0);
		account = db_col_int(st, 1);
		item = db_col_int(st, 2);
		biblio = db_col_int(st, 3);
		snprintf(status, sizeof status, "%s", db_col_text(st, 4));
	}
	db_done(st);
	if (rc < 0)
		goto done;
	bool mine = actor->role == ROLE_READER ? account == actor->account_id : unit == actor->unit_id;
	if (!unit || !mine) {
		rc = err_set(err, ERR_NOTFOUND, "err.circ.hold_notfound", NULL);
		goto done;
	}
	if (strcmp(status, "waiting") && strcmp(status, "ready")) {
		rc = err_set(err, ERR_CONFLICT, "err.circ.hold_closed", NULL);
		goto done;
	}
	rc = db_exec(db, err,
	             "UPDATE holds SET status = 'cancelled', closed_at = ? WHERE id = ? AND status = ?",
	             "iis", clock_now(), hold_id, status);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.circ.hold_closed", NULL);
	if (rc < 0)
		goto done;
	if (!strcmp(status, "ready") && item) {
		circ_settings_t s;
		arena_t *a = arena_new(512);
		if ((rc = circ_settings_get(db, unit, &s, err)) == 0)
			rc = circ_hold_pass(db, unit, &s, item, biblio, a, NULL, NULL, NULL, err);
		arena_free(a);
		if (rc < 0)
			goto done;
	}
	rc = audit_write(db, actor, NULL, unit, actor->role == ROLE_READER ? "" : actor->unit_path,
	                 "circ.hold.cancel", "hold", hold_id, NULL, NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_holds_list(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t patron_id, arena_t *a,
                    circ_hold_t **out, size_t *n, int *expired, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	int64_t unit = 0;
	if (actor && actor->role == ROLE_READER) {
		circ_patron_t self;
		if ((rc = self_patron(db, actor, a, &self, &unit, err)) < 0)
			return rc;
		patron_id = self.id;
	} else {
		if ((rc = circ_check_desk(actor, err)) < 0)
			return rc;
		unit = actor->unit_id;
	}
	if ((rc = circ_holds_expire(db, unit, biblio_id, patron_id, expired, err)) < 0)
		return rc;
	size_t cap = 0;
	/* One reader's holds by holds_patron, one title's by holds_queue, else the school's. */
#define HOLD_COLS                                                                                            \
	"SELECT h.id, h.biblio_id, h.patron_id, h.item_id, b.title, p.full_name, p.code, p.class_name, "     \
	"h.status,"                                                                                          \
	" h.expires, h.ready_until, i.barcode, h.placed_at FROM holds h JOIN biblios b ON b.id = "           \
	"h.biblio_id"                                                                                        \
	" JOIN patrons p ON p.id = h.patron_id LEFT JOIN items i ON i.id = h.item_id"                        \
	" WHERE h.status IN ('waiting', 'ready') AND h.unit_id = ? "
#define HOLD_ORDER                                                                                           \
	" ORDER BY b.title_fold, h.biblio_id, CASE WHEN h.status = 'ready' THEN 0 ELSE 1 END, h.placed_at, " \
	"h.id"                                                                                               \
	" LIMIT 500"
	db_stmt_t *st;
	if (patron_id)
		st = db_query(db, err,
		              HOLD_COLS "AND h.patron_id = ? AND (? = 0 OR h.biblio_id = ?)" HOLD_ORDER,
		              "iiii", unit, patron_id, biblio_id, biblio_id);
	else if (biblio_id)
		st = db_query(db, err, HOLD_COLS "AND h.biblio_id = ?" HOLD_ORDER, "ii", unit, biblio_id);
	else
		st = db_query(db, err, HOLD_COLS HOLD_ORDER, "i", unit);
#undef HOLD_COLS
#undef HOLD_ORDER
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		circ_hold_t *h = &(*out)[(*n)++];
		memset(h, 0, sizeof *h);
		h->id = db_col_int(st, 0);
		h->biblio_id = db_col_int(st, 1);
		h->patron_id = db_col_int(st, 2);
		h->item_id = db_col_int(st, 3);
		h->title = arena_strdup(a, db_col_text(st, 4));
		h->patron_name = arena_strdup(a, db_col_text(st, 5));
		h->patron_code = arena_strdup(a, db_col_text(st, 6));
		h->class_name = arena_strdup(a, db_col_text(st, 7));
		h->status = arena_strdup(a, db_col_text(st, 8));
		h->expires = arena_strdup(a, db_col_text(st, 9));
		h->ready_until = arena_strdup(a, db_col_text(st, 10));
		h->barcode = arena_strdup(a, db_col_text(st, 11));
		h->placed_at = db_col_int(st, 12);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		circ_hold_t *h = &(*out)[i];
		if (strcmp(h->status, "waiting"))
			continue;
		int64_t pos = 0;
		rc = db_query_int(db, &pos, err,
		                  "SELECT COUNT(*) FROM holds WHERE biblio_id = ? AND status = 'waiting'"
		                  " AND (placed_at < ? OR (placed_at = ? AND id <= ?))",
		                  "iiii", h->biblio_id, h->placed_at, h->placed_at, h->id);
		if (rc < 0)
			return rc;
		h->position = (int)pos;
	}
	return 0;
}
