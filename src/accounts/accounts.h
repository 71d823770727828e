/* accounts.h: accounts and their life cycle (requirement M11).
 *
 * A unit admin creates, disables, re-enables and resets the accounts of its own unit and the
 * units below it, and nothing else; a sysadmin manages every account. Accounts outside the
 * actor's subtree are reported as not found. Every change is one transaction with its audit row.
 * Passwords obey the policy (password.h) on every set and change; a new or reset account must
 * change its password at the next login.
 */
#ifndef THUVIEN_ACCOUNTS_ACCOUNTS_H
#define THUVIEN_ACCOUNTS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

typedef struct account {
	int64_t id;
	int64_t unit_id;
	const char *unit_code;
	const char *unit_name;
	const char *unit_path;
	const char *username;
	const char *full_name;
	role_t role;
	int must_change_password;
	int disabled;
	int failed_logins;
	int64_t locked_until; /* 0, or UTC seconds */
	int64_t last_login;   /* 0 when never */
	int64_t created_at;
	const char *lang;
} account_t;

typedef struct account_new {
	int64_t unit_id;
	const char *username; /* 3-64 of a-z 0-9 . _ -; stored in lower case */
	const char *full_name;
	const char *role;     /* role_name() spelling */
	const char *password; /* the first password; must pass the policy */
	int must_change;      /* 1 normally; 0 only for demo data created by the CLI */
} account_new_t;

/* Create. actor NULL = the system (CLI, demo): no scope or role check. ip may be NULL. */
int accounts_create(db_t *db, const actor_t *actor, const account_new_t *in, const char *ip, int64_t *id,
                    err_t *err);

/* One account in the actor's subtree. Admins read any account of their subtree; everyone else
 * only their own (ERR_NOTFOUND otherwise). */
int accounts_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, account_t *out, err_t *err);

/* Unscoped lookup by user name (CLI). */
int accounts_get_by_username(db_t *db, const char *username, arena_t *a, account_t *out, err_t *err);

typedef struct account_filter {
	int64_t unit_id; /* 0: the whole subtree; else that unit (must be in the subtree) */
	const char *q;   /* part of the user name or full name (folded match); NULL: all */
	int limit;       /* default 200 */
	int offset;
} account_filter_t;

/* Accounts of the actor's subtree (admins only: ERR_FORBIDDEN otherwise), by unit path then
 * user name. *total receives the count before paging. */
int accounts_list(db_t *db, const actor_t *actor, const account_filter_t *f, arena_t *a, account_t **out,
                  size_t *n, int64_t *total, err_t *err);

/* Disable / re-enable an account (admins; not oneself; sysadmin accounts only by a sysadmin).
 * Disabling ends the account's sessions. */
int accounts_set_disabled(db_t *db, const actor_t *actor, int64_t id, int disabled, const char *ip,
                          err_t *err);

/* Admin reset: set a new password (policy-checked), force a change at next login, clear the
 * lockout and end the account's sessions. */
int accounts_reset_password(db_t *db, const actor_t *actor, int64_t id, const char *new_password,
                            const char *ip, err_t *err);

/* Unlock a locked-out account without touching its password (admins). */
int accounts_unlock(db_t *db, const actor_t *actor, int64_t id, const char *ip, err_t *err);

/* The actor changes its own password: current must verify; new must pass the policy and differ
 * from the current. Clears must_change_password; ends the actor's other sessions (keep_session
 * is the session to keep, 0 for none). */
int accounts_change_password(db_t *db, const actor_t *actor, const char *current, const char *new_password,
                             int64_t keep_session, const char *ip, err_t *err);

/* The actor's language, "vi" or "en". */
int accounts_set_lang(db_t *db, const actor_t *actor, const char *lang, err_t *err);

/* Roles the actor may give to an account at a unit of this kind (for forms and checks). */
int accounts_role_allowed(const actor_t *actor, role_t role, const char *unit_kind);

/* Set a password from the shell (`thuvien user passwd`): policy-checked, no scope. */
int accounts_set_password_system(db_t *db, int64_t id, const char *new_password, int must_change, err_t *err);

#endif
