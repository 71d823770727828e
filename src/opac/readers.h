/* readers.h: reader self-service (tự phục vụ của bạn đọc): the reader accounts a librarian hands
 * out, and "My library" (Thư viện của em): the reader's loans, renewals, holds, reading history,
 * the "hide my history" switch and the library card's barcode.
 *
 * Reader accounts are ordinary accounts of role reader at the reader's school, tied to the
 * reader's record both ways (accounts.patron_id, read into actor_t.patron_id at login, and
 * patrons.account_id, which the circulation module's holds use). The librarian of the school
 * issues one from the reader's page: the user name is the school's code and the card number in
 * lower case ("th001.hs010001", a "-2" added when taken), the first password random, shown
 * once, and to be changed at the first login; issuing again resets the password. A reader who
 * left the school cannot log in (auth.c counts the account as disabled); a blocked one can, and
 * sees My library.
 *
 * Every function of My library acts for the reader behind the actor only: a reader account
 * (role reader with a patron_id, else ERR_FORBIDDEN "err.me.no_patron"); every id it takes (a
 * loan, a hold) must be that reader's, else ERR_NOTFOUND: another reader's loan is "not found".
 * Renewals and holds go through the circulation module (circ.h), so the rules, refusals and
 * audit rows are the desk's. Strings live in the caller's arena.
 */
#ifndef THUVIEN_OPAC_READERS_H
#define THUVIEN_OPAC_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "circ/circ.h"
#include "db/db.h"

/* --- reader accounts ---------------------------------------------------------------------------- */

typedef struct readers_account {
	int64_t patron_id, account_id;
	const char *full_name, *class_name, *code;
	const char *username;
	const char *password; /* the initial password, in clear: shown once; NULL when not (re)issued */
	bool created;         /* a new account (false: the password of an existing one was reset) */
} readers_account_t;

/* Issue (or, when the reader has one, reset) the account of reader patron_id of the actor's
 * school (its librarian: ERR_FORBIDDEN otherwise; another school's reader ERR_NOTFOUND). A reader
 * who left is refused (ERR_CONFLICT "err.raccount.left"). The reset ends the account's sessions,
 * re-enables it and forces a password change. One transaction with its audit row
 * (reader.account.create / reader.account.reset). */
int readers_account_issue(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a,
                          readers_account_t *out, err_t *err);

/* Issue accounts for the active and blocked students of class_name at the actor's school who
 * have none (the slips a teacher hands out), each as readers_account_issue; those who have one
 * are listed with password NULL. By name. ERR_NOTFOUND "err.raccount.class" when the class has
 * no such student. */
int readers_accounts_for_class(db_t *db, const actor_t *actor, const char *class_name, arena_t *a,
                               readers_account_t **out, size_t *n, err_t *err);

/* --- My library ---------------------------------------------------------------------------------- */

typedef struct readers_loan {
	int64_t id, biblio_id;
	const char *title, *authors, *barcode;
	const char *out_day, *due; /* yyyy-mm-dd */
	const char *returned_day;  /* yyyy-mm-dd (history), NULL while open */
	int renewals;
	int overdue_days; /* open loans: days past due today, else 0 */
} readers_loan_t;

typedef struct readers_me {
	circ_patron_t patron; /* id, code, name, kind, class_name, status, status_note */
	const char *school_name;
	bool hide_history;
	readers_loan_t *loans; /* open loans, due first */
	size_t nloans;
	circ_hold_t *holds; /* open holds, with their place in the queue */
	size_t nholds;
	readers_loan_t *history; /* returned loans, newest first (at most 200); none when hidden */
	size_t nhistory;
} readers_me_t;

/* The reader's page. */
int readers_me(db_t *db, const actor_t *actor, arena_t *a, readers_me_t *out, err_t *err);

/* Renew the reader's open loan loan_id through circ_renew (same rules, same refusals and
 * messages). ERR_NOTFOUND "err.me.loan_notfound" for a loan that is not the reader's or is
 * closed. */
int readers_renew(db_t *db, const actor_t *actor, int64_t loan_id, arena_t *a, circ_result_t *res,
                  err_t *err);

/* Cancel the reader's own open hold (circ_hold_cancel); another's is ERR_NOTFOUND. */
int readers_hold_cancel(db_t *db, const actor_t *actor, int64_t hold_id, err_t *err);

/* Place a hold on record biblio_id of the reader's school (circ_hold_place): another school's
 * record is ERR_NOTFOUND. */
int readers_hold_place(db_t *db, const actor_t *actor, int64_t biblio_id, arena_t *a, circ_result_t *res,
                       err_t *err);

/* The reader's own "hide my reading history" switch (patrons.hide_history), with its audit row. */
int readers_set_privacy(db_t *db, const actor_t *actor, bool hide, err_t *err);

/* The reader's card number as a Code 128 barcode in SVG (appended to out): black bars on white
 * with the quiet zones, 3 px a module and 96 px high, the number written below, so a phone held
 * to the desk's scanner reads it. */
int readers_card_svg(db_t *db, const actor_t *actor, buf_t *out, err_t *err);

/* The reader behind the actor: 0 and *p filled, or ERR_FORBIDDEN "err.me.no_patron". Also for
 * the other OPAC files (reviews, lists). */
int readers_self(db_t *db, const actor_t *actor, arena_t *a, circ_patron_t *p, err_t *err);

#endif
