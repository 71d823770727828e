/* audit.h: the append-only audit trail. Every account change and every login, success or
 * failure, writes one row: who, when, which unit, what, on which entity, and a detail.
 * Rows are never updated or deleted. */
#ifndef THUVIEN_AUDIT_AUDIT_H
#define THUVIEN_AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

typedef struct audit_entry {
	int64_t id;
	int64_t at;
	int64_t account_id;   /* 0 when nobody is logged in (failed login) */
	const char *username; /* the actor's, or the name tried at a failed login */
	int64_t unit_id;      /* the unit the action concerns */
	const char *unit_path;
	const char *action; /* "login.ok", "login.fail", "account.create", ... */
	const char *entity; /* "account", "unit", ... */
	int64_t entity_id;
	const char *detail; /* free text or JSON */
	const char *ip;
} audit_entry_t;

/* Append a row. actor may be NULL (a failed login, the CLI); then username names who tried.
 * ip NULL means the actor's own (actor->ip), when it has one.
 * Call inside the transaction of the change it records, so both land or neither. */
int audit_write(db_t *db, const actor_t *actor, const char *username, int64_t unit_id, const char *unit_path,
                const char *action, const char *entity, int64_t entity_id, const char *detail, const char *ip,
                err_t *err);

/* Append "field: "old" -> "new"" to the detail of an edit's audit row (each side cut to 80
 * characters; "; " between changes), when old and new differ (NULL counts as ""). */
struct buf;
void audit_change(arena_t *a, struct buf *b, const char *field, const char *old, const char *new_);

typedef struct audit_filter {
	const char *action;   /* prefix, e.g. "login" matches login.ok and login.fail; NULL: all */
	const char *username; /* exact; NULL: all */
	int64_t before_id;    /* page backwards from this id (exclusive); 0: newest */
	int limit;            /* default 50, at most 500 */
} audit_filter_t;

/* Rows in the actor's subtree, newest first. Only admins (sysadmin, unit admin) may read the
 * audit log (ERR_FORBIDDEN for others). */
int audit_list(db_t *db, const actor_t *actor, const audit_filter_t *f, arena_t *a, audit_entry_t **out,
               size_t *n, err_t *err);

#endif
