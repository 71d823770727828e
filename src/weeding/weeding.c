/* weeding.c: withdrawal batches (thanh lọc): their states, their copies (by scan, by search, by
 * rule), approval with its part II number, and the public list. The contract is weeding.h.
 *
 * A copy may be in at most one open batch (draft, proposed, returned): every add checks it, and
 * the approval checks again that no copy went on loan since, inside its transaction, before it
 * writes anything. Approved batches are never changed: their copies keep withdrawal_id for the
 * ĐKCB register's note and part II reads their number, day, copies and value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "catalog/catalog.h"
#include "weeding/weeding.h"

/* --- reading a batch --------------------------------------------------------------------------- */

/* A copy's value: its own price, else its record's (as the general register counts it). */
#define PRICE CATALOG_COPY_VALUE_SQL

#define BATCH_COLS                                                                                           \
	"w.id, w.unit_id, w.number, w.status, w.title, w.note, w.created_at, w.updated_at, w.proposed_at, "  \
	"w.approved_at, ca.full_name, aa.full_name, w.decision_no, w.decision_day, w.approved_day, "         \
	"w.publish_until, w.return_reason, u.code, u.name, u.path, "                                         \
	"(SELECT COUNT(*) FROM withdrawal_items x WHERE x.withdrawal_id = w.id), "                           \
	"(SELECT COALESCE(SUM(" PRICE "), 0) FROM withdrawal_items x JOIN items i ON i.id = x.item_id "      \
	"JOIN biblios b ON b.id = i.biblio_id WHERE x.withdrawal_id = w.id) "                                \
	"FROM withdrawals w JOIN units u ON u.id = w.unit_id LEFT JOIN accounts ca ON ca.id = w.created_by " \
	"LEFT JOIN accounts aa ON aa.id = w.approved_by "

static const char *dup0(arena_t *a, const char *s)
{
	return arena_strdup(a, s ? s : "");
}

static void read_batch(db_stmt_t *st, arena_t *a, weeding_batch_t *b)
{
	memset(b, 0, sizeof *b);
	b->id = db_col_int(st, 0);
	b->unit_id = db_col_int(st, 1);
	b->number = db_col_int(st, 2);
	b->status = dup0(a, db_col_text(st, 3));
	b->title = dup0(a, db_col_text(st, 4));
	b->note = dup0(a, db_col_text(st, 5));
	b->created_at = db_col_int(st, 6);
	b->updated_at = db_col_int(st, 7);
	b->proposed_at = db_col_int(st, 8);
	b->approved_at = db_col_int(st, 9);
	b->created_by = dup0(a, db_col_text(st, 10));
	b->approved_by = dup0(a, db_col_text(st, 11));
	b->decision_no = dup0(a, db_col_text(st, 12));
	b->decision_day = dup0(a, db_col_text(st, 13));
	b->approved_day = dup0(a, db_col_text(st, 14));
	b->publish_until = dup0(a, db_col_text(st, 15));
	b->return_reason = dup0(a, db_col_text(st, 16));
	b->unit_code = dup0(a, db_col_text(st, 17));
	b->unit_name = dup0(a, db_col_text(st, 18));
	b->unit_path = dup0(a, db_col_text(st, 19));
	b->copies = db_col_int(st, 20);
	b->value = db_col_int(st, 21);
}

/* Batch id as the actor may see it: readers are refused, a batch outside the actor's subtree is
 * "not found". */
static int load_batch(db_t *db, const actor_t *actor, int64_t id, arena_t *a, weeding_batch_t *b, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.weeding.read", NULL);
	db_stmt_t *st = db_query(db, err, "SELECT " BATCH_COLS "WHERE w.id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_batch(st, a, b);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || !actor_sees_path(actor, b->unit_path))
		return err_set(err, ERR_NOTFOUND, "err.weeding.notfound", NULL);
	return 0;
}

static int check_librarian(const actor_t *actor, const weeding_batch_t *b, err_t *err)
{
	if (actor->role != ROLE_LIBRARIAN || actor->unit_id != b->unit_id)
		return err_set(err, ERR_FORBIDDEN, "err.weeding.write", NULL);
	return 0;
}

static int check_leader(const actor_t *actor, const weeding_batch_t *b, err_t *err)
{
	if (actor->role != ROLE_LEADER || actor->unit_id != b->unit_id)
		return err_set(err, ERR_FORBIDDEN, "err.weeding.approver", NULL);
	return 0;
}

/* Copies can change in draft and returned only. */
static int check_editable(const weeding_batch_t *b, err_t *err)
{
	if (!strcmp(b->status, "proposed"))
		return err_set(err, ERR_CONFLICT, "err.weeding.locked_proposed", NULL);
	if (!strcmp(b->status, "approved"))
		return err_set(err, ERR_CONFLICT, "err.weeding.locked_approved", NULL);
	return 0;
}

/* A librarian's write on an editable batch: load and check, inside the caller's transaction. */
static int load_for_edit(db_t *db, const actor_t *actor, int64_t id, arena_t *a, weeding_batch_t *b,
                         err_t *err)
{
	int rc = load_batch(db, actor, id, a, b, err);
	if (rc < 0 || (rc = check_librarian(actor, b, err)) < 0)
		return rc;
	return check_editable(b, err);
}

/* s as NFC text, trimmed, of at most max characters (empty allowed unless required); NULL with err
 * filled otherwise. */
static char *clean(arena_t *a, const char *s, size_t max, bool required, const char *key, err_t *err)
{
	char *t = text_nfc(a, s ? s : "");
	if (!t) {
		err_set(err, ERR_INVALID, "err.utf8", NULL);
		return NULL;
	}
	text_trim(t);
	if (text_length(t) > max || (required && !*t)) {
		err_set(err, ERR_INVALID, key, NULL);
		return NULL;
	}
	return t;
}

static int touch(db_t *db, int64_t id, err_t *err)
{
	int rc =
	    db_exec(db, err, "UPDATE withdrawals SET updated_at = ? WHERE id = ?", "ii", clock_now(), id);
	return rc < 0 ? rc : 0;
}

static int audit(db_t *db, const actor_t *actor, const weeding_batch_t *b, const char *action,
                 const char *detail, err_t *err)
{
	return audit_write(db, actor, NULL, b->unit_id, b->unit_path, action, "withdrawal", b->id, detail,
	                   NULL, err);
}

/* --- reasons, list, create, get ---------------------------------------------------------------- */

int weeding_reasons(db_t *db, const char *lang, arena_t *a, weeding_reason_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT code, name_vi, name_en FROM withdrawal_reasons WHERE active = 1 "
	                         "ORDER BY sort, code",
	                         "");
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	bool en = lang && !strcmp(lang, "en");
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		(*out)[*n].code = dup0(a, db_col_text(st, 0));
		(*out)[*n].name = dup0(a, db_col_text(st, en ? 2 : 1));
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The code of an active reason, or ERR_INVALID; NULL or "": KHAC. */
static int check_reason(db_t *db, const char **reason, err_t *err)
{
	if (!*reason || !**reason)
		*reason = "KHAC";
	int64_t ok = 0;
	int rc = db_query_int(db, &ok, err,
	                      "SELECT COUNT(*) FROM withdrawal_reasons WHERE code = ? AND active = 1", "s",
	                      *reason);
	if (rc < 0)
		return rc;
	if (!ok)
		return err_set(err, ERR_INVALID, "err.weeding.reason", "%.40s", *reason);
	return 0;
}

int weeding_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, weeding_batch_t **out,
                 size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.weeding.read", NULL);
	int64_t unit = unit_id ? unit_id : actor->unit_id;
	db_stmt_t *st = db_query(db, err, "SELECT path, kind FROM units WHERE id = ?", "i", unit);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	bool seen = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 0));
	bool school = rc == DB_ROW && !strcmp(db_col_text(st, 1), "school");
	db_done(st);
	if (rc < 0)
		return rc;
	if (!seen)
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	if (!school)
		return err_set(err, ERR_INVALID, "err.circ.school", NULL);
	st = db_query(db, err, "SELECT " BATCH_COLS "WHERE w.unit_id = ? ORDER BY w.id DESC", "i", unit);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		read_batch(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int weeding_create(db_t *db, const actor_t *actor, const char *title, const char *note, int64_t *id,
                   err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.weeding.write", NULL);
	arena_t *a = arena_new(1024);
	int rc, own = 0;
	const char *t = clean(a, title, 200, false, "err.weeding.title", err);
	const char *nt = t ? clean(a, note, 2000, false, "err.weeding.note", err) : NULL;
	if (!t || !nt) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	int64_t now = clock_now(), nid = 0;
	rc = db_insert_id(db, &nid, err,
	                  "INSERT INTO withdrawals (unit_id, status, title, note, created_by, created_at, "
	                  "updated_at) VALUES (?, 'draft', ?, ?, ?, ?, ?) RETURNING id",
	                  "issiii", actor->unit_id, t, nt, actor->account_id, now, now);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "withdrawal.create",
		                 "withdrawal", nid, t, NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0 && id)
		*id = nid;
done:
	arena_free(a);
	return rc;
}

#define ITEM_COLS                                                                                            \
	"i.id, i.biblio_id, i.accession, i.barcode, i.register, i.accession_no, b.title, b.authors, "        \
	"b.publisher, b.doc_type, t.name_vi, t.name_en, b.year, " PRICE ", i.status "

static void read_item(db_stmt_t *st, bool en, arena_t *a, weeding_item_t *it)
{
	memset(it, 0, sizeof *it);
	it->item_id = db_col_int(st, 0);
	it->biblio_id = db_col_int(st, 1);
	it->accession = dup0(a, db_col_text(st, 2));
	it->barcode = dup0(a, db_col_text(st, 3));
	it->reg = dup0(a, db_col_text(st, 4));
	it->accession_no = db_col_int(st, 5);
	it->title = dup0(a, db_col_text(st, 6));
	it->authors = dup0(a, db_col_text(st, 7));
	it->publisher = dup0(a, db_col_text(st, 8));
	it->doc_type = dup0(a, db_col_text(st, 9));
	it->doc_type_name = dup0(a, db_col_text(st, en ? 11 : 10));
	it->year = (int)db_col_int(st, 12);
	it->price = db_col_int(st, 13);
	it->status = dup0(a, db_col_text(st, 14));
	it->reason = it->reason_name = it->note = "";
}

static int read_items(db_t *db, int64_t id, const char *lang, arena_t *a, weeding_item_t **items, size_t *n,
                      err_t *err)
{
	*items = NULL;
	*n = 0;
	bool en = lang && !strcmp(lang, "en");
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ITEM_COLS ", wi.reason, r.name_vi, r.name_en, wi.note "
	             "FROM withdrawal_items wi JOIN items i ON i.id = wi.item_id "
	             "JOIN biblios b ON b.id = i.biblio_id JOIN doc_types t ON t.code = b.doc_type "
	             "JOIN withdrawal_reasons r ON r.code = wi.reason WHERE wi.withdrawal_id = ? "
	             "ORDER BY i.register, i.accession_no, i.id",
	             "i", id);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*items = arena_grow(a, *items, *n, &cap, 64, sizeof **items);
		weeding_item_t *it = &(*items)[(*n)++];
		read_item(st, en, a, it);
		it->reason = dup0(a, db_col_text(st, 15));
		it->reason_name = dup0(a, db_col_text(st, en ? 17 : 16));
		it->note = dup0(a, db_col_text(st, 18));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int weeding_get(db_t *db, const actor_t *actor, int64_t id, const char *lang, arena_t *a,
                weeding_batch_t *out, weeding_item_t **items, size_t *nitems, err_t *err)
{
	int rc = load_batch(db, actor, id, a, out, err);
	if (rc < 0 || !items)
		return rc;
	return read_items(db, id, lang, a, items, nitems, err);
}

static int total_cmp(const void *x, const void *y)
{
	const weeding_total_t *p = x, *q = y;
	int c = strcmp(p->reason, q->reason);
	return c ? c : strcmp(p->doc_type, q->doc_type);
}

void weeding_totals(const weeding_item_t *items, size_t n, arena_t *a, weeding_total_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < *nout && (strcmp((*out)[k].reason, items[i].reason) ||
		                     strcmp((*out)[k].doc_type, items[i].doc_type)))
			k++;
		if (k == *nout) {
			*out = arena_grow(a, *out, *nout, &cap, 8, sizeof **out);
			weeding_total_t *t = &(*out)[(*nout)++];
			memset(t, 0, sizeof *t);
			t->reason = items[i].reason;
			t->reason_name = items[i].reason_name;
			t->doc_type = items[i].doc_type;
			t->doc_type_name = items[i].doc_type_name;
		}
		(*out)[k].copies++;
		(*out)[k].value += items[i].price;
	}
	if (*nout > 1)
		qsort(*out, *nout, sizeof **out, total_cmp);
}

/* --- adding copies ---------------------------------------------------------------------------- */

/* What stands in the way of adding a copy to batch id: columns after the copy's id and barcode:
 * its status, its open loans, whether it is in this batch, the other open batch holding it. */
#define ELIGIBILITY                                                                                          \
	"i.status, (SELECT COUNT(*) FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL), "        \
	"(SELECT COUNT(*) FROM withdrawal_items s WHERE s.withdrawal_id = ? AND s.item_id = i.id), "         \
	"(SELECT MIN(o.withdrawal_id) FROM withdrawal_items o JOIN withdrawals w ON w.id = o.withdrawal_id " \
	"WHERE o.item_id = i.id AND w.status <> 'approved' AND w.id <> ?) "

/* Why a copy cannot be added (an i18n key), or NULL; *already when it is in this batch. */
static const char *why_not(const char *status, int64_t loans, int64_t here, int64_t other, bool *already)
{
	*already = here > 0;
	if (here)
		return NULL;
	if (!strcmp(status, "withdrawn"))
		return "err.weeding.item_withdrawn";
	if (loans || !strcmp(status, "on_loan"))
		return "err.weeding.item_on_loan";
	if (other)
		return "err.weeding.item_in_batch";
	return NULL;
}

/* Add copy item (of the school unit) to batch id, or fail naming label; with skip, a copy that
 * cannot be added is passed over (a rule's pick). The copy's row is locked first (an update that
 * changes nothing): on PostgreSQL a concurrent add of the same copy to another batch waits for
 * this transaction and then sees its row, so a copy never lands in two open batches. */
static int add_one(db_t *db, int64_t id, int64_t unit, int64_t item, const char *label, const char *reason,
                   const char *note, bool skip, weeding_added_t *res, err_t *err)
{
	int rc = db_exec(db, err, "UPDATE items SET status = status WHERE id = ? AND unit_id = ?", "ii", item,
	                 unit);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return skip ? 0 : err_set(err, ERR_NOTFOUND, "err.weeding.item_notfound", "%.100s", label);
	db_stmt_t *st =
	    db_query(db, err, "SELECT i.id, i.barcode, " ELIGIBILITY "FROM items i WHERE i.id = ?", "iii", id,
	             id, item);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc != DB_ROW) {
		db_done(st);
		return rc < 0 ? rc : err_set(err, ERR_NOTFOUND, "err.weeding.item_notfound", "%.100s", label);
	}
	int64_t other = db_col_int(st, 5);
	bool already;
	const char *why = why_not(db_col_text(st, 2), db_col_int(st, 3), db_col_int(st, 4), other, &already);
	char bc[80];
	snprintf(bc, sizeof bc, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
	db_done(st);
	if (why && skip)
		return 0;
	if (why) {
		if (other)
			return err_set(err, ERR_CONFLICT, why, "%.60s (#%lld)", bc, (long long)other);
		return err_set(err, ERR_CONFLICT, why, "%.60s", bc);
	}
	if (already) {
		res->already++;
		return 0;
	}
	rc =
	    db_exec(db, err,
	            "INSERT INTO withdrawal_items (withdrawal_id, item_id, reason, note) VALUES (?, ?, ?, ?)",
	            "iiss", id, item, reason, note);
	if (rc < 0)
		return rc;
	res->added++;
	return 0;
}

/* The copy of the school whose barcode (or else accession number) is code; 0 when none. */
static int find_code(db_t *db, int64_t unit, const char *code, int64_t *item, err_t *err)
{
	*item = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.id FROM items i WHERE i.unit_id = ? AND (i.barcode = ? OR i.accession = ?) "
	             "ORDER BY CASE WHEN i.barcode = ? THEN 0 ELSE 1 END LIMIT 1",
	             "isss", unit, code, code, code);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		*item = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The common body of the two adds: codes (by code) or ids (by copy id). */
static int add_copies(db_t *db, const actor_t *actor, int64_t id, const char *const *codes,
                      const int64_t *ids, size_t n, const char *reason, const char *note,
                      weeding_added_t *res, err_t *err)
{
	weeding_added_t local = { 0 };
	res = res ? res : &local;
	memset(res, 0, sizeof *res);
	if (n > WEEDING_MAX_ITEMS)
		return err_set(err, ERR_TOOBIG, "err.weeding.toomany", "%d", WEEDING_MAX_ITEMS);
	arena_t *a = arena_new(4096);
	weeding_batch_t b;
	int own = 0, rc;
	const char *nt = clean(a, note, 500, false, "err.weeding.note", err);
	if (!nt) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_for_edit(db, actor, id, a, &b, err)) < 0 || (rc = check_reason(db, &reason, err)) < 0)
		goto end;
	if (b.copies + (int64_t)n > WEEDING_MAX_ITEMS) {
		rc = err_set(err, ERR_TOOBIG, "err.weeding.toomany", "%d", WEEDING_MAX_ITEMS);
		goto end;
	}
	for (size_t k = 0; k < n && rc >= 0; k++) {
		int64_t item = 0;
		const char *label;
		if (codes) {
			char *c = text_trim(arena_strdup(a, codes[k] ? codes[k] : ""));
			if (!*c)
				continue;
			if (strlen(c) > 64) {
				rc = err_set(err, ERR_INVALID, "err.weeding.code", "%.64s…", c);
				break;
			}
			label = c;
			if ((rc = find_code(db, b.unit_id, c, &item, err)) < 0)
				break;
			if (!item) {
				rc = err_set(err, ERR_NOTFOUND, "err.weeding.item_notfound", "%.100s", label);
				break;
			}
		} else {
			item = ids[k];
			label = arena_printf(a, "#%lld", (long long)item);
		}
		rc = add_one(db, id, b.unit_id, item, label, reason, nt, false, res, err);
	}
	if (rc >= 0 && !res->added && !res->already)
		rc = err_set(err, ERR_INVALID, "err.weeding.nothing", NULL);
	if (rc >= 0 && res->added)
		rc = touch(db, id, err);
	if (rc >= 0 && res->added)
		rc = audit(db, actor, &b, "withdrawal.add",
		           arena_printf(a, "%zu %s %s", res->added, codes ? "scan" : "search", reason), err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int weeding_add_codes(db_t *db, const actor_t *actor, int64_t id, const char *const *codes, size_t n,
                      const char *reason, const char *note, weeding_added_t *res, err_t *err)
{
	return add_copies(db, actor, id, codes, NULL, n, reason, note, res, err);
}

int weeding_add_items(db_t *db, const actor_t *actor, int64_t id, const int64_t *item_ids, size_t n,
                      const char *reason, const char *note, weeding_added_t *res, err_t *err)
{
	return add_copies(db, actor, id, NULL, item_ids, n, reason, note, res, err);
}

/* --- rules ------------------------------------------------------------------------------------ */

/* The copies a rule may pick: the school's, not on loan, not withdrawn, in no open batch. */
#define RULE_BASE                                                                                            \
	"SELECT i.id FROM items i JOIN biblios b ON b.id = i.biblio_id "                                     \
	"LEFT JOIN acquisitions q ON q.id = i.acquisition_id WHERE i.unit_id = ? "                           \
	"AND i.status NOT IN ('on_loan', 'withdrawn') "                                                      \
	"AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL) "           \
	"AND NOT EXISTS (SELECT 1 FROM withdrawal_items o JOIN withdrawals w ON w.id = o.withdrawal_id "     \
	"WHERE o.item_id = i.id AND w.status <> 'approved') "
#define RULE_END " ORDER BY i.register, i.accession_no, i.id"

/* "yyyy-mm-dd" years years before day today. */
static void years_before(int64_t today, int years, char out[11])
{
	int y, m, d;
	clock_civil_from_days(today, &y, &m, &d);
	if (m == 2 && d == 29)
		d = 28;
	clock_day_format(clock_days_from_civil(y - years, m, d), out, 11);
}

/* The statement of part `part` of a rule (every rule has part 0; superseded textbooks chosen by
 * record have one part per record), or *st NULL past the last part. */
static int rule_query(db_t *db, const weeding_rule_t *r, int64_t unit, int64_t today, size_t part,
                      db_stmt_t **st, const char **reason, err_t *err)
{
	const char *k = r->kind ? r->kind : "";
	int y, m, d;
	clock_civil_from_days(today, &y, &m, &d);
	char cut[11];
	*st = NULL;
	if (!strcmp(k, "superseded") && r->nbiblios) {
		if (r->nbiblios > 1000)
			return err_set(err, ERR_TOOBIG, "err.weeding.toomany", "%d", 1000);
		*reason = "CTCU";
		if (part >= r->nbiblios)
			return 0;
		*st = db_query(db, err, RULE_BASE "AND b.doc_type = 'SGK' AND i.biblio_id = ?" RULE_END, "ii",
		               unit, r->biblios[part]);
		return *st ? 0 : err->code;
	}
	if (part > 0)
		return 0;
	if (!strcmp(k, "superseded")) {
		if (r->before_year < 1900 || r->before_year > y + 1 || r->grade < 0 || r->grade > 12)
			return err_set(err, ERR_INVALID, "err.weeding.rule_param", NULL);
		*reason = "CTCU";
		*st = db_query(db, err,
		               RULE_BASE "AND b.doc_type = 'SGK' AND b.year IS NOT NULL AND b.year < ? "
		                         "AND (CAST(? AS BIGINT) = 0 OR b.grade = ?)" RULE_END,
		               "iiii", unit, (int64_t)r->before_year, (int64_t)r->grade, (int64_t)r->grade);
	} else if (!strcmp(k, "lost") || !strcmp(k, "damaged")) {
		bool lost = !strcmp(k, "lost");
		*reason = lost ? "MAT" : "RACH";
		*st = db_query(db, err, RULE_BASE "AND i.status = ?" RULE_END, "is", unit,
		               lost ? "lost" : "damaged");
	} else if (!strcmp(k, "periodicals")) {
		int years = r->years ? r->years : 2;
		if (years < 1 || years > 50)
			return err_set(err, ERR_INVALID, "err.weeding.rule_param", NULL);
		years_before(today, years, cut);
		*reason = "BAOCU";
		*st = db_query(db, err,
		               RULE_BASE
		               "AND b.doc_type = 'BAO' AND COALESCE(i.entered, q.received) < ?" RULE_END,
		               "is", unit, cut);
	} else if (!strcmp(k, "unused")) {
		if (r->years < 1 || r->years > 50)
			return err_set(err, ERR_INVALID, "err.weeding.rule_param", NULL);
		years_before(today, r->years, cut);
		*reason = "LACHAU";
		*st =
		    db_query(db, err,
		             RULE_BASE
		             "AND COALESCE(i.entered, q.received) < ? AND NOT EXISTS (SELECT 1 FROM loans l2 "
		             "WHERE l2.item_id = i.id AND l2.out_day >= ?)" RULE_END,
		             "iss", unit, cut, cut);
	} else {
		return err_set(err, ERR_INVALID, "err.weeding.rule", "%.20s", k);
	}
	return *st ? 0 : err->code;
}

static int id_cmp(const void *x, const void *y)
{
	int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;
	return (p > q) - (p < q);
}

int weeding_rule_apply(db_t *db, const actor_t *actor, int64_t id, const weeding_rule_t *rule, bool add,
                       size_t *count, err_t *err)
{
	*count = 0;
	arena_t *a = arena_new(4096);
	weeding_batch_t b;
	int own = 0, rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_for_edit(db, actor, id, a, &b, err)) < 0)
		goto end;
	db_stmt_t *st;
	const char *reason = "KHAC";
	int64_t today = rule->today ? rule->today : clock_today_vn();
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	for (size_t part = 0; rc >= 0; part++) {
		if ((rc = rule_query(db, rule, b.unit_id, today, part, &st, &reason, err)) < 0 || !st)
			break;
		while ((rc = db_step(st, err)) == DB_ROW) {
			if (b.copies + (int64_t)n >= WEEDING_MAX_ITEMS) {
				rc = err_set(err, ERR_TOOBIG, "err.weeding.toomany", "%d", WEEDING_MAX_ITEMS);
				break;
			}
			ids = arena_grow(a, ids, n, &cap, 64, sizeof *ids);
			ids[n++] = db_col_int(st, 0);
		}
		db_done(st);
	}
	if (rc < 0)
		goto end;
	rc = 0;
	/* A record chosen twice gives its copies once. */
	if (n > 1) {
		qsort(ids, n, sizeof *ids, id_cmp);
		size_t u = 1;
		for (size_t k = 1; k < n; k++)
			if (ids[k] != ids[u - 1])
				ids[u++] = ids[k];
		n = u;
	}
	*count = n;
	if (!add || !n)
		goto end;
	/* Each pick is added as a scan is (its row locked, checked again), passed over when another
	 * batch or the desk took it meanwhile. */
	weeding_added_t res = { 0 };
	for (size_t k = 0; k < n && rc >= 0; k++)
		rc = add_one(db, id, b.unit_id, ids[k], "", reason, "", true, &res, err);
	*count = res.added;
	if (rc >= 0 && res.added)
		rc = touch(db, id, err);
	if (rc >= 0 && res.added)
		rc = audit(db, actor, &b, "withdrawal.add",
		           arena_printf(a, "%zu rule %s %s", res.added, rule->kind, reason), err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* --- search ----------------------------------------------------------------------------------- */

int weeding_search(db_t *db, const actor_t *actor, int64_t id, const char *q, int limit, arena_t *a,
                   weeding_found_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	weeding_batch_t b;
	int rc = load_batch(db, actor, id, a, &b, err);
	if (rc < 0)
		return rc;
	if (limit < 1 || limit > 200)
		limit = 50;
	char *t = text_nfc(a, q ? q : "");
	if (!t)
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	text_trim(t);
	if (!*t)
		return 0;
	if (text_length(t) > 200)
		return err_set(err, ERR_INVALID, "err.weeding.query", NULL);
	/* The folded words as one LIKE pattern, LIKE's own marks taken out. */
	char *f = text_fold(a, t);
	for (char *p = f; *p; p++)
		if (*p == '%' || *p == '_' || *p == '\\')
			*p = ' ';
	text_trim(f);
	const char *pat = arena_printf(a, "%%%s%%", f);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ITEM_COLS ", " ELIGIBILITY
	             "FROM items i JOIN biblios b ON b.id = i.biblio_id JOIN doc_types t ON "
	             "t.code = b.doc_type WHERE i.unit_id = ? AND (i.barcode = ? OR i.accession = ? "
	             "OR b.search_fold LIKE ? OR b.title_fold LIKE ? OR b.authors_fold LIKE ?) "
	             "ORDER BY b.title_fold, i.register, i.accession_no LIMIT ?",
	             "iiisssssi", id, id, b.unit_id, t, t, pat, pat, pat, (int64_t)limit);
	if (!st)
		return err->code;
	size_t cap = 0;
	bool en = false;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 32, sizeof **out);
		weeding_found_t *fo = &(*out)[(*n)++];
		read_item(st, en, a, &fo->item);
		bool already;
		fo->in_batch = db_col_int(st, 18);
		fo->why =
		    why_not(fo->item.status, db_col_int(st, 16), db_col_int(st, 17), fo->in_batch, &already);
		if (already)
			fo->why = "err.weeding.item_here";
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- remove, change --------------------------------------------------------------------------- */

int weeding_remove(db_t *db, const actor_t *actor, int64_t id, const int64_t *item_ids, size_t n,
                   size_t *removed, err_t *err)
{
	*removed = 0;
	arena_t *a = arena_new(1024);
	weeding_batch_t b;
	int own = 0, rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_for_edit(db, actor, id, a, &b, err)) < 0)
		goto end;
	for (size_t k = 0; k < n && rc >= 0; k++) {
		rc = db_exec(db, err, "DELETE FROM withdrawal_items WHERE withdrawal_id = ? AND item_id = ?",
		             "ii", id, item_ids[k]);
		if (rc > 0)
			(*removed)++;
	}
	if (rc >= 0 && *removed)
		rc = touch(db, id, err);
	if (rc >= 0 && *removed)
		rc = audit(db, actor, &b, "withdrawal.remove", arena_printf(a, "%zu", *removed), err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int weeding_set_reason(db_t *db, const actor_t *actor, int64_t id, int64_t item_id, const char *reason,
                       const char *note, err_t *err)
{
	arena_t *a = arena_new(1024);
	weeding_batch_t b;
	int own = 0, rc;
	const char *nt = note ? clean(a, note, 500, false, "err.weeding.note", err) : NULL;
	if (note && !nt) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_for_edit(db, actor, id, a, &b, err)) < 0 || (rc = check_reason(db, &reason, err)) < 0)
		goto end;
	rc = db_exec(db, err,
	             "UPDATE withdrawal_items SET reason = ?, note = COALESCE(CAST(? AS TEXT), note) "
	             "WHERE withdrawal_id = ? AND item_id = ?",
	             "ssii", reason, nt, id, item_id);
	if (rc == 0)
		rc = err_set(err, ERR_NOTFOUND, "err.weeding.item_notfound", "#%lld", (long long)item_id);
	if (rc >= 0)
		rc = touch(db, id, err);
	if (rc >= 0)
		rc = audit(db, actor, &b, "withdrawal.reason",
		           arena_printf(a, "%lld %s", (long long)item_id, reason), err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* --- states ----------------------------------------------------------------------------------- */

int weeding_propose(db_t *db, const actor_t *actor, int64_t id, err_t *err)
{
	arena_t *a = arena_new(1024);
	weeding_batch_t b;
	int own = 0, rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_for_edit(db, actor, id, a, &b, err)) < 0)
		goto end;
	if (!b.copies) {
		rc = err_set(err, ERR_INVALID, "err.weeding.empty", NULL);
		goto end;
	}
	int64_t now = clock_now();
	rc = db_exec(db, err,
	             "UPDATE withdrawals SET status = 'proposed', proposed_at = ?, updated_at = ? "
	             "WHERE id = ? AND status IN ('draft', 'returned')",
	             "iii", now, now, id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.weeding.stale", NULL);
	if (rc >= 0)
		rc = audit(db, actor, &b, "withdrawal.propose",
		           arena_printf(a, "%lld copies, %lld đ", (long long)b.copies, (long long)b.value),
		           err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* A decision day as typed: "yyyy-mm-dd" or "dd/mm/yyyy" (or d/m/yyyy); -1 when it is neither. */
static int parse_day(const char *s, int64_t *day)
{
	if (!s)
		return -1;
	if (clock_day_parse(s, day) == 0)
		return 0;
	int d, m, y, len = 0;
	if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &len) == 3 && s[len] == 0 && len >= 8) {
		char iso[16];
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
		return clock_day_parse(iso, day);
	}
	return -1;
}

int weeding_approve(db_t *db, const actor_t *actor, int64_t id, const char *decision_no,
                    const char *decision_day, int64_t today, int64_t *number, err_t *err)
{
	arena_t *a = arena_new(2048);
	weeding_batch_t b;
	int own = 0, rc;
	int64_t dday = 0;
	today = today ? today : clock_today_vn();
	char tday[11], dd[11], until[11];
	const char *no = clean(a, decision_no, 60, true, "err.weeding.decision_no", err);
	if (!no) {
		rc = err->code;
		goto done;
	}
	if (!decision_day || !*decision_day || parse_day(decision_day, &dday) < 0) {
		rc = err_set(err, ERR_INVALID, "err.weeding.decision_day", NULL);
		goto done;
	}
	if (dday > today) {
		rc = err_set(err, ERR_INVALID, "err.weeding.decision_future", NULL);
		goto done;
	}
	clock_day_format(today, tday, sizeof tday);
	clock_day_format(dday, dd, sizeof dd);
	clock_day_format(today + WEEDING_PUBLISH_DAYS, until, sizeof until);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_batch(db, actor, id, a, &b, err)) < 0 || (rc = check_leader(actor, &b, err)) < 0)
		goto end;
	if (strcmp(b.status, "proposed") != 0) {
		rc = err_set(err, ERR_CONFLICT,
		             !strcmp(b.status, "approved") ? "err.weeding.locked_approved"
		                                           : "err.weeding.not_proposed",
		             NULL);
		goto end;
	}
	/* A copy that went on loan (or out by another way) since it was added stops the approval. */
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.barcode FROM withdrawal_items wi JOIN items i ON i.id = wi.item_id "
	             "WHERE wi.withdrawal_id = ? AND (i.status IN ('on_loan', 'withdrawn') OR EXISTS "
	             "(SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)) "
	             "ORDER BY i.register, i.accession_no LIMIT 5",
	             "i", id);
	if (!st) {
		rc = err->code;
		goto end;
	}
	buf_t busy = BUF_INIT;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (busy.len)
			buf_puts(&busy, ", ");
		buf_puts(&busy, db_col_text(st, 0));
	}
	db_done(st);
	if (rc >= 0 && busy.len)
		rc = err_set(err, ERR_CONFLICT, "err.weeding.approve_busy", "%.200s", buf_str(&busy));
	buf_release(&busy);
	if (rc < 0)
		goto end;
	int64_t last = 0, now = clock_now();
	rc = db_exec(db, err,
	             "INSERT INTO accession_counters (unit_id, register, last) VALUES (?, ?, 0) "
	             "ON CONFLICT (unit_id, register) DO NOTHING",
	             "is", b.unit_id, WEEDING_COUNTER);
	if (rc >= 0)
		rc = db_query_int(
		    db, &last, err,
		    "UPDATE accession_counters SET last = last + 1 WHERE unit_id = ? AND register = ? "
		    "RETURNING last",
		    "is", b.unit_id, WEEDING_COUNTER);
	if (rc < 0)
		goto end;
	rc = db_exec(
	    db, err,
	    "UPDATE withdrawals SET status = 'approved', number = ?, decision_no = ?, decision_day = ?, "
	    "approved_by = ?, approved_at = ?, approved_day = ?, publish_until = ?, updated_at = ? "
	    "WHERE id = ? AND status = 'proposed'",
	    "issiissii", last, no, dd, actor->account_id, now, tday, until, now, id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.weeding.stale", NULL);
	/* A copy set aside for a reader goes back: the hold waits in its queue for another copy. */
	if (rc >= 0)
		rc = db_exec(db, err,
		             "UPDATE holds SET status = 'waiting', item_id = NULL, ready_at = NULL, "
		             "ready_until = NULL "
		             "WHERE status = 'ready' AND item_id IN (SELECT item_id FROM withdrawal_items "
		             "WHERE withdrawal_id = ?)",
		             "i", id);
	if (rc >= 0)
		rc = db_exec(
		    db, err,
		    "UPDATE items SET status = 'withdrawn', withdrawal_id = ? WHERE id IN (SELECT item_id "
		    "FROM withdrawal_items WHERE withdrawal_id = ?) AND status NOT IN ('on_loan', "
		    "'withdrawn')",
		    "ii", id, id);
	if (rc >= 0 && rc != b.copies)
		rc = err_set(err, ERR_CONFLICT, "err.weeding.stale", NULL);
	if (rc >= 0)
		rc = audit(db, actor, &b, "withdrawal.approve",
		           arena_printf(a, "số %lld, QĐ %s ngày %s, %lld bản, %lld đ", (long long)last, no,
		                        dd, (long long)b.copies, (long long)b.value),
		           err);
	if (rc >= 0 && number)
		*number = last;
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int weeding_return(db_t *db, const actor_t *actor, int64_t id, const char *reason, err_t *err)
{
	arena_t *a = arena_new(2048);
	weeding_batch_t b;
	int own = 0, rc;
	const char *why = clean(a, reason, 1000, true, "err.weeding.return_reason", err);
	if (!why) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = load_batch(db, actor, id, a, &b, err)) < 0 || (rc = check_leader(actor, &b, err)) < 0)
		goto end;
	if (strcmp(b.status, "proposed") != 0) {
		rc = err_set(err, ERR_CONFLICT,
		             !strcmp(b.status, "approved") ? "err.weeding.locked_approved"
		                                           : "err.weeding.not_proposed",
		             NULL);
		goto end;
	}
	rc = db_exec(db, err,
	             "UPDATE withdrawals SET status = 'returned', return_reason = ?, updated_at = ? "
	             "WHERE id = ? AND status = 'proposed'",
	             "sii", why, clock_now(), id);
	if (rc == 0)
		rc = err_set(err, ERR_CONFLICT, "err.weeding.stale", NULL);
	if (rc >= 0)
		rc = audit(db, actor, &b, "withdrawal.return", why, err);
end:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* --- the public list -------------------------------------------------------------------------- */

int weeding_published(db_t *db, int64_t unit_id, int64_t today, arena_t *a, weeding_batch_t **out, size_t *n,
                      err_t *err)
{
	*out = NULL;
	*n = 0;
	char day[11];
	clock_day_format(today ? today : clock_today_vn(), day, sizeof day);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT " BATCH_COLS "WHERE w.unit_id = ? AND w.status = 'approved' "
	                         "AND w.publish_until >= ? ORDER BY w.number DESC",
	                         "is", unit_id, day);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 4, sizeof **out);
		read_batch(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int weeding_public_get(db_t *db, int64_t unit_id, int64_t id, int64_t today, const char *lang, arena_t *a,
                       weeding_batch_t *out, weeding_item_t **items, size_t *nitems, err_t *err)
{
	*items = NULL;
	*nitems = 0;
	char day[11];
	clock_day_format(today ? today : clock_today_vn(), day, sizeof day);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " BATCH_COLS "WHERE w.id = ? AND w.unit_id = ? AND w.status = 'approved' "
	             "AND w.publish_until >= ?",
	             "iis", id, unit_id, day);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_batch(st, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return err_set(err, ERR_NOTFOUND, "err.weeding.public_notfound", NULL);
	/* What the public sees: no names of who made it, no prices, barcodes or statuses. */
	out->created_by = out->approved_by = out->note = out->return_reason = "";
	out->value = 0;
	if ((rc = read_items(db, id, lang, a, items, nitems, err)) < 0)
		return rc;
	for (size_t k = 0; k < *nitems; k++) {
		(*items)[k].barcode = (*items)[k].status = (*items)[k].note = "";
		(*items)[k].price = 0;
	}
	return 0;
}

/* --- the textbooks to choose from -------------------------------------------------------------- */

int weeding_textbooks(db_t *db, const actor_t *actor, int64_t id, arena_t *a, weeding_textbook_t **out,
                      size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	weeding_batch_t b;
	int rc = load_batch(db, actor, id, a, &b, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT b.id, b.title, b.year, b.grade, COUNT(i.id) FROM biblios b JOIN items i ON "
	             "i.biblio_id = b.id WHERE b.unit_id = ? AND b.doc_type = 'SGK' "
	             "AND i.status NOT IN ('on_loan', 'withdrawn') GROUP BY b.id, b.title, b.year, b.grade "
	             "ORDER BY b.grade, b.title, b.year, b.id LIMIT 500",
	             "i", b.unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 32, sizeof **out);
		weeding_textbook_t *t = &(*out)[(*n)++];
		t->biblio_id = db_col_int(st, 0);
		t->title = dup0(a, db_col_text(st, 1));
		t->year = (int)db_col_int(st, 2);
		t->grade = (int)db_col_int(st, 3);
		t->copies = db_col_int(st, 4);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}
