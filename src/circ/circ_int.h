/* circ_int.h: what the files of the circ module share and nobody else uses: the desk's lookups of a
 * reader and a copy, the one lending routine (checkout, textbooks and class sets all end in it),
 * and passing a returned copy to the next hold. Each runs inside the caller's transaction. */
#ifndef THUVIEN_CIRC_CIRC_INT_H
#define THUVIEN_CIRC_CIRC_INT_H

#include "circ/circ.h"
#include "circ/policy.h"

/* A copy as the desk needs it. */
typedef struct circ_item {
	int64_t id, biblio_id;
	const char *barcode, *status, *title, *doc_type, *type_name;
	const char *kclass; /* its record's class of knowledge, as the counters define it (STAT_KCLASS) */
	bool loanable;      /* doc_types.loanable */
} circ_item_t;

/* The reader of unit_id with card code (or, code NULL or "", with id). ERR_NOTFOUND
 * "err.circ.patron_notfound". */
int circ_find_patron(db_t *db, int64_t unit_id, const char *code, int64_t id, arena_t *a, circ_patron_t *out,
                     err_t *err);

/* The copy of unit_id with barcode, for one of the desk's actions: its title and barcode go into
 * res->loan; an unknown barcode is the action's refusal, ERR_NOTFOUND "err.circ.item_notfound"
 * (res->loan.barcode keeps what was scanned). */
int circ_find_item(db_t *db, int64_t unit_id, const char *barcode, arena_t *a, circ_item_t *out,
                   circ_result_t *res, err_t *err);

/* s copied into a, "" for NULL. */
const char *circ_dup(arena_t *a, const char *s);

/* Days from due (yyyy-mm-dd) to today, when positive; else 0. */
int circ_days_late(const char *due);

/* A reader from the 7 columns (id, code, full_name, kind, class_name, status, status_note) of st
 * starting at column c. */
void circ_read_patron(db_stmt_t *st, int c, arena_t *a, circ_patron_t *p);

/* "Name (class)" or "Name". */
const char *circ_who(arena_t *a, const circ_patron_t *p);

/* Refuse with key: fills res (key, level) and err; returns code. */
int circ_refuse(circ_result_t *res, err_t *err, int code, const char *key);

/* Lend item to patron (both found in the actor's school) inside the open transaction: every
 * check of circ_checkout after the lookups, the loan row, the copy's status, the hold fulfilled,
 * the audit row (lapsed holds of the title are the caller's to expire first: circ_holds_expire).
 * kind: "home", "textbook", "class_set"; due: override or NULL. *raced is set when
 * the loan's INSERT lost a race to another desk (the transaction must be rolled back, then
 * circ_explain_race called). */
int circ_lend(db_t *db, const actor_t *actor, const circ_patron_t *patron, const circ_item_t *item,
              const char *kind, const char *due, arena_t *a, circ_result_t *res, bool *raced, err_t *err);

/* After a lost race (rolled back): fill res with the "already on loan" refusal for item_id as
 * the winner left it. Returns ERR_CONFLICT, or the original rc when no open loan is found. */
int circ_explain_race(db_t *db, int64_t item_id, int64_t patron_id, arena_t *a, circ_result_t *res, int rc,
                      err_t *err);

/* The copy item_id of record biblio_id came back (or a ready hold on it ended): make the oldest
 * waiting hold of the record ready with it. s: the school's settings, or NULL to read them only
 * when someone waits. *holder (may be NULL) receives that reader, *until
 * the last day to fetch it; *hold_id 0 when nobody waits. */
int circ_hold_pass(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t item_id, int64_t biblio_id,
                   arena_t *a, circ_patron_t *holder, const char **until, int64_t *hold_id, err_t *err);

#endif
