/* units.h: the tree of units (đơn vị): the Department, offices or wards, clusters, schools.
 *
 * A tree of any depth: since July 2025 schools answer to ward offices and the Department, and a
 * city may add clusters; nothing here assumes three levels. Reads are scoped to the actor's
 * subtree; a unit outside it is reported as not found (ERR_NOTFOUND), so ids of other tenants
 * reveal nothing. All results are allocated in the caller's arena.
 */
#ifndef THUVIEN_UNITS_UNITS_H
#define THUVIEN_UNITS_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

typedef struct unit {
	int64_t id;
	int64_t parent_id; /* 0 for the root */
	const char *code;  /* mã đơn vị: the Department's code, e.g. "TH001" */
	const char *name;
	const char *kind;         /* department, office, cluster, school */
	const char *school_level; /* mn, th, thcs, thpt, lc (liên cấp); NULL when not a school */
	const char *path;         /* "/1/4/9/" */
	int depth;                /* 0 for the root */
	int active;
	int64_t accounts; /* number of accounts in the unit (filled by lists) */
} unit_t;

typedef struct unit_new {
	int64_t parent_id; /* 0 only for the root, which only `thuvien` CLI code creates */
	const char *code;
	const char *name;
	const char *kind;
	const char *school_level; /* required for schools, must be NULL otherwise */
} unit_new_t;

/* Is kind one of the known unit kinds / school levels. */
int units_kind_valid(const char *kind);
int units_level_valid(const char *level);
/* Is c a unit code as stored: the Department's codes, 2-32 of A-Z 0-9 _ - . (upper case). */
int units_code_valid(const char *c);

/* Create a unit below parent_id. The actor must be a sysadmin, or a unit admin whose subtree
 * holds the parent. actor NULL means the system itself (CLI, demo): no scope check. Writes an
 * audit row. *id receives the new id. Runs in its own transaction unless one is open. */
int units_create(db_t *db, const actor_t *actor, const unit_new_t *in, int64_t *id, err_t *err);

/* One unit by id, when it lies in the actor's subtree (ERR_NOTFOUND otherwise). */
int units_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, unit_t *out, err_t *err);

/* One unit by code, unscoped: for the CLI. */
int units_get_by_code(db_t *db, const char *code, arena_t *a, unit_t *out, err_t *err);

/* The actor's subtree in depth-first order (a parent before its children, siblings by code),
 * with account counts. *out is an arena array of *n units. */
int units_list_subtree(db_t *db, const actor_t *actor, int64_t root_id, arena_t *a, unit_t **out, size_t *n,
                       err_t *err);

/* How many units (and of them schools) and accounts the actor's subtree holds. */
int units_count_subtree(db_t *db, const actor_t *actor, int64_t *units, int64_t *schools, int64_t *accounts,
                        err_t *err);

/* The ancestors of a unit, root first, ending with the unit itself (for breadcrumbs). Unscoped:
 * callers have already checked the unit itself is visible. */
int units_ancestors(db_t *db, const unit_t *u, arena_t *a, unit_t **out, size_t *n, err_t *err);

#endif
