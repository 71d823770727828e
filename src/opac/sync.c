/* sync.c: the OPAC's incremental job (opac_sync in opac.h).
 *
 * Attaching. A record's work key is 'i' + its ISBN-13, else 't' + folded title + '|' + folded
 * authors (KEY_SQL, the one definition). New records (work_sync 1, no work yet) are attached by
 * set, BULK at a time (bulk_round): the works of new keys are created from their first record
 * (INSERT ... ON CONFLICT DO NOTHING, so two processes racing create each once), every record
 * gets its work, and the works touched count their schools and loans again from their records.
 * That is a handful of statements per round whatever its size, so a city's first attach (a
 * million records) or a school's import is quick on PostgreSQL too, where a statement is a round
 * trip. Edited records (work_sync set again by the edit, a work already) go one by one
 * (attach_round): the record moves to the work of its new key, the count of schools of each work
 * moves by one when the record is its school's first (or last) of that work: point lookups on
 * biblios_work, never a recount. The work's description is its representative record's
 * (works.biblio_id, the first record attached); it is copied again when that record is edited,
 * and a new one is chosen when it leaves the work.
 *
 * Loans. Home loans with an id above opac_state.loans_seen are counted by record, added to
 * biblios.loans and works.loans, and loans_seen moves past them, in the same transaction: a
 * crash loses nothing and counts nothing twice.
 *
 * Every work changed in a round gets the round's revision (opac_state.rev + 1), which the index
 * reads past (opac_index_refresh). Rounds are transactions of at most BATCH records or
 * LOAN_BATCH loans. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "opac/opac_int.h"

#define BATCH 2000
#define BULK 20000
#define LOAN_BATCH 50000

/* A record's work key, in SQL, the one definition: every statement that needs it uses this. */
#define KEY_SQL(b)                                                                                           \
	"(CASE WHEN " b ".isbn <> '' THEN 'i' || " b ".isbn ELSE 't' || " b ".title_fold || '|' || " b         \
	".authors_fold END)"

typedef struct pending {
	int64_t id, unit_id, old_work, loans;
	char *key;
} pending_t;

static int next_rev(db_t *db, int64_t *rev, err_t *err)
{
	int rc = db_query_int(db, rev, err, "SELECT value FROM opac_state WHERE name = 'rev'", "");
	if (rc < 0)
		return rc;
	(*rev)++;
	rc = db_exec(db, err, "UPDATE opac_state SET value = ? WHERE name = 'rev'", "i", *rev);
	return rc < 0 ? rc : 0;
}

/* Copy the description of record biblio_id into work w. */
static int describe(db_t *db, int64_t w, int64_t biblio_id, int64_t rev, err_t *err)
{
	int rc = db_exec(db, err,
	                 "UPDATE works SET biblio_id = b.id, title = b.title, authors = b.authors, year = b.year,"
	                 " doc_type = b.doc_type, language = b.language, class_number = b.class_number,"
	                 " grade = b.grade, title_fold = b.title_fold, search_words = b.search_words, rev = ?"
	                 " FROM (SELECT * FROM biblios WHERE id = ?) AS b WHERE works.id = ?",
	                 "iii", rev, biblio_id, w);
	return rc < 0 ? rc : 0;
}

/* Does unit hold another record (than except) of work w? */
static int unit_holds(db_t *db, int64_t w, int64_t unit, int64_t except, bool *yes, err_t *err)
{
	int64_t one = 0;
	int rc = db_query_int(db, &one, err,
	                      "SELECT 1 FROM biblios WHERE work_id = ? AND unit_id = ? AND id <> ? LIMIT 1",
	                      "iii", w, unit, except);
	if (rc < 0 && rc != ERR_NOTFOUND)
		return rc;
	*yes = rc == 0;
	return 0;
}

/* Record p leaves its old work: one school fewer when it was its school's last record of the
 * work; a new representative when it was the representative. */
static int leave(db_t *db, const pending_t *p, int64_t rev, err_t *err)
{
	bool other;
	int rc = unit_holds(db, p->old_work, p->unit_id, p->id, &other, err);
	if (rc < 0)
		return rc;
	if (!other && (rc = db_exec(db, err, "UPDATE works SET schools = schools - 1, rev = ? WHERE id = ?", "ii",
	                            rev, p->old_work)) < 0)
		return rc;
	int64_t rep = 0;
	if ((rc = db_query_int(db, &rep, err, "SELECT biblio_id FROM works WHERE id = ?", "i", p->old_work)) < 0)
		return rc;
	if (rep != p->id)
		return db_exec(db, err, "UPDATE works SET rev = ? WHERE id = ?", "ii", rev, p->old_work) < 0 ? -1 : 0;
	int64_t next = 0;
	rc = db_query_int(db, &next, err, "SELECT min(id) FROM biblios WHERE work_id = ? AND id <> ?", "ii",
	                  p->old_work, p->id);
	if (rc < 0 && rc != ERR_NOTFOUND)
		return rc;
	if (next > 0)
		return describe(db, p->old_work, next, rev, err);
	return db_exec(db, err, "UPDATE works SET schools = 0, rev = ? WHERE id = ?", "ii", rev, p->old_work) < 0
	               ? -1
	               : 0;
}

static int attach(db_t *db, const pending_t *p, int64_t rev, int64_t now, err_t *err)
{
	int64_t w = 0;
	int rc = db_query_int(db, &w, err, "SELECT id FROM works WHERE work_key = ?", "s", p->key);
	if (rc == ERR_NOTFOUND) {
		rc = db_exec(db, err,
		             "INSERT INTO works (work_key, biblio_id, title, doc_type, first_seen, rev)"
		             " VALUES (?, ?, '', '', ?, ?) ON CONFLICT (work_key) DO NOTHING",
		             "siii", p->key, p->id, now, rev);
		if (rc < 0)
			return rc;
		if ((rc = db_query_int(db, &w, err, "SELECT id FROM works WHERE work_key = ?", "s", p->key)) < 0)
			return rc;
		if ((rc = describe(db, w, p->id, rev, err)) < 0)
			return rc;
	} else if (rc < 0) {
		return rc;
	}
	if (p->old_work && p->old_work != w && (rc = leave(db, p, rev, err)) < 0)
		return rc;
	if (p->old_work != w) {
		bool other;
		if ((rc = unit_holds(db, w, p->unit_id, p->id, &other, err)) < 0)
			return rc;
		if (!other && (rc = db_exec(db, err, "UPDATE works SET schools = schools + 1, rev = ? WHERE id = ?",
		                            "ii", rev, w)) < 0)
			return rc;
		/* The record's home loans go with it: those counted before it was first attached (a
		 * loan round counts a record that has no work yet into biblios.loans only), or into
		 * the work it leaves. works.loans stays the sum of its records' loans. (Most records
		 * attached have none: no statement then.) */
		if (p->loans && (rc = db_exec(db, err,
		                  "UPDATE works SET loans = loans + (SELECT loans FROM biblios WHERE id = ?), rev = ?"
		                  " WHERE id = ?",
		                  "iii", p->id, rev, w)) < 0)
			return rc;
		if (p->loans && p->old_work && (rc = db_exec(db, err,
		                                 "UPDATE works SET loans = loans - (SELECT loans FROM biblios WHERE id = ?),"
		                                 " rev = ? WHERE id = ?",
		                                 "iii", p->id, rev, p->old_work)) < 0)
			return rc;
	}
	/* The representative edited (same work): its new description; a work emptied earlier and
	 * found again: this record stands for it. */
	int64_t rep = 0, schools = 0;
	db_stmt_t *st = db_query(db, err, "SELECT biblio_id, schools FROM works WHERE id = ?", "i", w);
	if (!st)
		return -1;
	if ((rc = db_step(st, err)) == DB_ROW) {
		rep = db_col_int(st, 0);
		schools = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rep == p->id || schools == 1) {
		bool rep_alive = rep == p->id;
		if (!rep_alive) {
			int64_t one = 0;
			rc = db_query_int(db, &one, err, "SELECT 1 FROM biblios WHERE id = ? AND work_id = ?", "ii", rep, w);
			if (rc < 0 && rc != ERR_NOTFOUND)
				return rc;
			rep_alive = rc == 0;
		}
		if ((rc = describe(db, w, rep_alive ? rep : p->id, rev, err)) < 0)
			return rc;
	}
	rc = db_exec(db, err, "UPDATE biblios SET work_id = ?, work_sync = 0 WHERE id = ?", "ii", w, p->id);
	return rc < 0 ? rc : 0;
}

/* New records (never attached), at most BULK of them in one transaction, by set: the works of new
 * keys are created from their first record, every record gets its work, and the works touched
 * count their schools and loans again from their records (exact, whatever came before). A city's
 * first attach, or a school's import, is a few statements per BULK records instead of several per
 * record. Returns how many records it attached. */
static int bulk_round(db_t *db, int64_t now, err_t *err)
{
	int64_t lo = 0, hi = 0, rev = 0, n = 0;
	int rc = db_begin(db, err);
	if (rc < 0)
		return rc;
	rc = db_query_int(db, &lo, err, "SELECT id FROM biblios WHERE work_sync = 1 AND work_id IS NULL ORDER BY id LIMIT 1",
	                  "");
	if (rc == ERR_NOTFOUND) {
		db_rollback(db);
		return 0;
	}
	if (rc >= 0) {
		rc = db_query_int(db, &hi, err,
		                  "SELECT id FROM biblios WHERE work_sync = 1 AND work_id IS NULL ORDER BY id LIMIT 1 OFFSET ?",
		                  "i", (int64_t)BULK - 1);
		if (rc == ERR_NOTFOUND)
			rc = db_query_int(db, &hi, err, "SELECT max(id) FROM biblios", "");
	}
	if (rc >= 0)
		rc = next_rev(db, &rev, err);
	if (rc >= 0)
		rc = db_exec(db, err,
		             "INSERT INTO works (work_key, biblio_id, title, authors, year, doc_type, language,"
		             " class_number, grade, title_fold, search_words, schools, loans, first_seen, rev)"
		             " SELECT " KEY_SQL("b") ", b.id, b.title, b.authors, b.year, b.doc_type, b.language,"
		             " b.class_number, b.grade, b.title_fold, b.search_words, 0, 0, ?, ? FROM biblios b"
		             " WHERE b.id IN (SELECT min(id) FROM biblios WHERE id BETWEEN ? AND ? AND work_sync = 1"
		             " AND work_id IS NULL GROUP BY " KEY_SQL("biblios") ")"
		             " ON CONFLICT (work_key) DO NOTHING",
		             "iiii", now, rev, lo, hi);
	if (rc >= 0)
		rc = db_exec(db, err,
		             "UPDATE biblios SET work_sync = 0, work_id = (SELECT w.id FROM works w WHERE w.work_key = "
		             KEY_SQL("biblios") ") WHERE id BETWEEN ? AND ? AND work_sync = 1 AND work_id IS NULL",
		             "ii", lo, hi);
	n = rc;
	if (rc >= 0)
		rc = db_exec(db, err,
		             "UPDATE works SET rev = ?,"
		             " schools = (SELECT count(DISTINCT b.unit_id) FROM biblios b WHERE b.work_id = works.id),"
		             " loans = (SELECT coalesce(sum(b.loans), 0) FROM biblios b WHERE b.work_id = works.id)"
		             " WHERE id IN (SELECT work_id FROM biblios WHERE id BETWEEN ? AND ?)",
		             "iii", rev, lo, hi);
	if (rc >= 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	return rc < 0 ? rc : (int)n;
}

/* Edited records (attached before, work_sync set again by the edit), one by one: at most BATCH
 * in one transaction. Returns how many were attached (0: none waited). */
static int attach_round(db_t *db, int64_t now, err_t *err)
{
	arena_t *a = arena_new(0);
	pending_t *v = arena_alloc(a, BATCH * sizeof *v);
	int n = 0, rc;
	if ((rc = db_begin(db, err)) < 0) {
		arena_free(a);
		return rc;
	}
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, unit_id, " KEY_SQL("biblios") ", work_id, loans FROM biblios"
	                         " WHERE work_sync = 1 AND work_id IS NOT NULL ORDER BY id LIMIT ?",
	                         "i", (int64_t)BATCH);
	rc = st ? 0 : -1;
	while (st && n < BATCH && (rc = db_step(st, err)) == DB_ROW) {
		pending_t *p = &v[n++];
		p->id = db_col_int(st, 0);
		p->unit_id = db_col_int(st, 1);
		p->key = arena_strdup(a, db_col_text(st, 2));
		p->old_work = db_col_int(st, 3);
		p->loans = db_col_int(st, 4);
	}
	db_done(st);
	if (rc == DB_DONE || rc == DB_ROW)
		rc = 0;
	int64_t rev = 0;
	if (rc >= 0 && n > 0)
		rc = next_rev(db, &rev, err);
	for (int i = 0; rc >= 0 && i < n; i++)
		rc = attach(db, &v[i], rev, now, err);
	if (rc >= 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	arena_free(a);
	return rc < 0 ? rc : n;
}

/* One transaction counting at most LOAN_BATCH loans. Returns how many loans it read past. */
static int loans_round(db_t *db, err_t *err)
{
	int64_t seen = 0, top = 0;
	int rc;
	if ((rc = db_begin(db, err)) < 0)
		return rc;
	if ((rc = db_query_int(db, &seen, err, "SELECT value FROM opac_state WHERE name = 'loans_seen'", "")) < 0)
		goto out;
	rc = db_query_int(db, &top, err, "SELECT max(id) FROM loans", "");
	if (rc == ERR_NOTFOUND)
		rc = 0;
	if (rc < 0)
		goto out;
	if (top <= seen)
		goto out;
	if (top > seen + LOAN_BATCH)
		top = seen + LOAN_BATCH;
	int64_t rev;
	if ((rc = next_rev(db, &rev, err)) < 0)
		goto out;
	/* Group first, write after: the statement's rows are read before any update runs. */
	arena_t *a = arena_new(0);
	size_t cap = 1024, n = 0;
	int64_t *bid = arena_alloc(a, cap * 2 * sizeof *bid);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT biblio_id, count(*) FROM loans WHERE id > ? AND id <= ? AND kind = 'home'"
	                         " GROUP BY biblio_id",
	                         "ii", seen, top);
	if (!st) {
		arena_free(a);
		rc = -1;
		goto out;
	}
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (n == cap) {
			int64_t *nb = arena_alloc(a, cap * 4 * sizeof *nb);
			memcpy(nb, bid, cap * 2 * sizeof *bid);
			bid = nb;
			cap *= 2;
		}
		bid[2 * n] = db_col_int(st, 0);
		bid[2 * n + 1] = db_col_int(st, 1);
		n++;
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = 0;
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		rc = db_exec(db, err, "UPDATE biblios SET loans = loans + ? WHERE id = ?", "ii", bid[2 * i + 1],
		             bid[2 * i]);
		if (rc >= 0)
			rc = db_exec(db, err,
			             "UPDATE works SET loans = loans + ?, rev = ?"
			             " WHERE id = (SELECT work_id FROM biblios WHERE id = ?)",
			             "iii", bid[2 * i + 1], rev, bid[2 * i]);
	}
	arena_free(a);
	if (rc < 0)
		goto out;
	rc = db_exec(db, err, "UPDATE opac_state SET value = ? WHERE name = 'loans_seen'", "i", top);
out:
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	if ((rc = db_commit(db, err)) < 0)
		return rc;
	return (int)(top > seen ? top - seen : 0);
}

/* Is there anything for the rounds to do? Read without a transaction, so an idle second takes no
 * write lock (on SQLite the lending desk's writer would wait for it): a record waiting on
 * biblios_work_sync, or a loan above loans_seen. 1 yes, 0 no, < 0 an error. */
static int pending(db_t *db, err_t *err)
{
	int64_t v = 0, seen = 0, top = 0;
	int rc = db_query_int(db, &v, err, "SELECT id FROM biblios WHERE work_sync = 1 LIMIT 1", "");
	if (rc != ERR_NOTFOUND)
		return rc < 0 ? rc : 1;
	if ((rc = db_query_int(db, &seen, err, "SELECT value FROM opac_state WHERE name = 'loans_seen'", "")) < 0 ||
	    (rc = db_query_int(db, &top, err, "SELECT coalesce(max(id), 0) FROM loans", "")) < 0)
		return rc;
	return top > seen;
}

int opac_sync(db_t *db, err_t *err)
{
	int64_t now = clock_now();
	int rc = pending(db, err);
	if (rc <= 0)
		return rc < 0 ? rc : opac_index_refresh(db, err);
	while ((rc = bulk_round(db, now, err)) == BULK)
		;
	if (rc < 0)
		return rc;
	while ((rc = attach_round(db, now, err)) == BATCH)
		;
	if (rc < 0)
		return rc;
	while ((rc = loans_round(db, err)) == LOAN_BATCH)
		;
	if (rc < 0)
		return rc;
	return opac_index_refresh(db, err);
}
