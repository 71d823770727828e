/* exchange.h: data exchange with the education sector database (CSDL ngành): its exports of
 * units and of enrolment read in (CSV, XLSX or JSON, a column mapping guessed, chosen in the page
 * and remembered, a preview, idempotent by code, all or nothing, audited), and API tokens for the
 * read-only JSON API under /api/v1/ (docs/API.md).
 *
 * Shapes accepted (docs/IMPORT.md):
 *   CSV   UTF-8 with or without BOM, ',', ';' or tab; title rows above the header are skipped (the
 *         header is the first row among the first 15 with two known headers).
 *   XLSX  the first sheet, same rule.
 *   JSON  an array of objects, or an object holding one such array (under "units", "enrolment",
 *         "data" or "items"); the keys are the headers, line numbers count objects from 1.
 * Headers are matched folded (no marks, lower case): "Mã trường", "ma_truong", "code" ...
 *
 * No HTTP here. Every function takes the actor and checks its scope; everything returned lives
 * in the arena given.
 */
#ifndef THUVIEN_EXCHANGE_EXCHANGE_H
#define THUVIEN_EXCHANGE_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/xlsx.h"
#include "db/db.h"

#define XCHG_MAX_FIELDS 8
#define XCHG_MAX_ROWS   10000 /* data rows of one file (units or enrolment) */

/* What is imported: its fields and their header aliases. */
typedef enum xchg_kind { XK_UNITS, XK_ENROLMENT } xchg_kind_t;

enum { XU_CODE, XU_NAME, XU_KIND, XU_LEVEL, XU_PARENT, XU_OWNERSHIP, XU_ACTIVE, XU__COUNT };
enum { XE_CODE, XE_YEAR, XE_PUPILS, XE_TEACHERS, XE_CLASSES, XE__COUNT };

int xchg_nfields(xchg_kind_t k);
const char *xchg_field_name(xchg_kind_t k, int f); /* "code", "name", ... */
const char *xchg_kind_name(xchg_kind_t k);         /* "units", "enrolment": import_mappings.kind */

/* A file as read: its header and the rows below it (rows use xlsx_row_t: line, n, cells). */
typedef struct xchg_table {
	const char *format; /* "csv", "xlsx", "json" */
	int64_t header_line;
	const char **headers;
	size_t ncols;
	xlsx_row_t *rows;
	size_t nrows;
} xchg_table_t;

/* Read data[0..len): XLSX (zip magic), JSON (first non-space byte '[' or '{'), else CSV; find
 * the header for kind k. ERR_INVALID with "err.xchg.utf8" (bad UTF-8 or a NUL, detail: line),
 * "err.xchg.quote", "err.xchg.json" (detail: line and message), "err.xchg.json_shape",
 * "err.xchg.empty", "err.xchg.header" (no header row: detail names the headers expected),
 * "err.xchg.columns" (a required column missing), ERR_TOOBIG "err.xchg.too_many" (more than
 * XCHG_MAX_ROWS rows), or xlsx.h's keys. */
int xchg_table_read(xchg_kind_t k, const void *data, size_t len, arena_t *a, xchg_table_t *out, err_t *err);

/* JSON (an array of objects, or an object with one under "units", "enrolment", "data", "items",
 * "students", "teachers" or "hoc_sinh") as rows: row 0 the keys in first-seen order (line 0),
 * then one row per object (line 1, 2, ...). Shared with the class-list import. */
int xchg_json_rows(const char *data, size_t len, arena_t *a, xlsx_row_t **rows, size_t *nrows, err_t *err);

/* The mapping: map[f] is the column of field f, or -1. Guessed from the headers, then the
 * actor's unit's remembered mapping (import_mappings, kind "units"/"enrolment") is applied where
 * its headers are in this file (*remembered says so). */
void xchg_mapping_guess(xchg_kind_t k, const xchg_table_t *t, int map[XCHG_MAX_FIELDS]);
int xchg_mapping_load(db_t *db, const actor_t *actor, xchg_kind_t k, const xchg_table_t *t,
                      int map[XCHG_MAX_FIELDS], bool *remembered, err_t *err);
/* Whether a required field is unmapped: ERR_INVALID "err.xchg.columns" naming it. */
int xchg_mapping_check(xchg_kind_t k, const int map[XCHG_MAX_FIELDS], err_t *err);
/* Remember the mapping for the actor's unit (inside the caller's transaction). */
/* The end of an import's transaction, for every kind: out->written, the audit row of the file
 * (action, with the counts) and the remembered mapping. */
struct xchg_result;
int xchg_import_done(db_t *db, const actor_t *actor, xchg_kind_t k, const char *action, const xchg_table_t *t,
                     const int map[XCHG_MAX_FIELDS], arena_t *a, struct xchg_result *out, err_t *err);
int xchg_mapping_save(db_t *db, const actor_t *actor, xchg_kind_t k, const xchg_table_t *t,
                      const int map[XCHG_MAX_FIELDS], err_t *err);

typedef enum { XA_CREATE, XA_UPDATE, XA_SAME, XA_ERROR } xchg_action_t;

typedef struct xchg_row {
	int64_t line;
	xchg_action_t action;
	const char *code;    /* the unit's code (upper case) */
	const char *label;   /* units: the name; enrolment: the school year */
	const char *changes; /* XA_UPDATE: what changes, "" otherwise */
	const char *key;     /* XA_ERROR: the reason's i18n key */
	const char *detail;  /* XA_ERROR: the value concerned, "" when none */
	/* prepared values */
	const char *name, *kind, *level, *parent, *ownership, *year;
	int active;
	int64_t pupils, teachers, classes;
	int64_t id; /* the existing unit (0 for a new one) */
} xchg_row_t;

typedef struct xchg_result {
	xchg_row_t *rows;
	size_t nrows;
	int64_t created, updated, unchanged, errors;
	bool written;
} xchg_result_t;

/* Units: classify every row (create, update, same, error) against the database. Who: a sysadmin,
 * or a unit admin within its subtree (a row outside it is an error; other roles ERR_FORBIDDEN).
 * Row errors: missing code or name, bad code, kind, level or ownership, a code twice in the file,
 * a parent code neither in the file nor in the database, a parent that is a school, a cycle, a new
 * unit without a parent, a unit or parent outside the actor's subtree. An empty parent keeps an
 * existing unit's parent. Reads only. */
int xchg_units_check(db_t *db, const actor_t *actor, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                     arena_t *a, xchg_result_t *out, err_t *err);
/* Check again and write all of it in ONE transaction (parents before children; a moved unit's
 * subtree gets its new paths), one audit row per unit created or changed and one for the import,
 * and remember the mapping. Any row error: nothing written, ERR_INVALID "err.xchg.has_errors".
 * A second import of the same file writes nothing (written false, 0 created, 0 changed). */
int xchg_units_commit(db_t *db, const actor_t *actor, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                      arena_t *a, xchg_result_t *out, err_t *err);

/* Enrolment: rows of school code, school year ("2025-2026", "2025 - 2026" or "2025"), pupils,
 * teachers, classes (optional, 0). Who: a sysadmin or unit admin for the schools of its subtree;
 * a school's librarian or leader for its own school. Unknown or foreign codes, units that are
 * not schools, bad years and numbers that are not whole numbers >= 0 are row errors; a
 * (school, year) twice in the file too. Upsert by (unit, year) with source 'import'. */
int xchg_enrolment_check(db_t *db, const actor_t *actor, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                         arena_t *a, xchg_result_t *out, err_t *err);
int xchg_enrolment_commit(db_t *db, const actor_t *actor, const xchg_table_t *t,
                          const int map[XCHG_MAX_FIELDS], arena_t *a, xchg_result_t *out, err_t *err);

/* A school year as typed ("2025-2026", "2025 - 2026", "2025–2026", "2025") into "2025-2026"
 * (out: at least 10 bytes). -1 when it is not one. */
int xchg_year_parse(const char *s, char out[16]);

/* The enrolment form: one school's years, newest first. */
typedef struct xchg_enrolment {
	const char *school_year;
	int64_t pupils, teachers, classes;
	const char *source; /* "form" or "import" */
	int64_t updated_at;
} xchg_enrolment_t;
/* Whether the actor may write the enrolment of school unit_id (ERR_NOTFOUND outside its scope,
 * ERR_FORBIDDEN for a role that may not, ERR_INVALID "err.xchg.not_school"). */
int xchg_enrolment_may_write(db_t *db, const actor_t *actor, int64_t unit_id, err_t *err);
int xchg_enrolment_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, xchg_enrolment_t **out,
                        size_t *n, err_t *err);
/* Enter or correct one year (source 'form'), audited. Numbers are given as typed: whole numbers
 * >= 0 ("err.xchg.number" naming the field). A year the same as stored writes nothing. */
int xchg_enrolment_set(db_t *db, const actor_t *actor, int64_t unit_id, const char *year, const char *pupils,
                       const char *teachers, const char *classes, err_t *err);

/* --- API tokens (tokens.c) ---------------------------------------------------------------------- */

#define XCHG_TOKEN_LEN 67 /* "tv_" + 64 hex digits */

typedef struct xchg_token {
	int64_t id;
	int64_t unit_id;
	const char *unit_code, *unit_name, *unit_path;
	const char *name;
	const char *created_by; /* username, "" for the shell */
	int64_t created_at, revoked_at, last_used_at;
} xchg_token_t;

/* Create a token reading unit_id's subtree for system name (1-100 characters). Who: a sysadmin, or
 * a unit admin whose subtree holds the unit; actor NULL is the shell. The token is written to
 * token (shown once, never stored), *id gets its id. Audited. */
int xchg_token_create(db_t *db, const actor_t *actor, int64_t unit_id, const char *name,
                      char token[XCHG_TOKEN_LEN + 1], int64_t *id, err_t *err);
/* The tokens of the actor's subtree (actor NULL: all), newest first. Admins only. */
int xchg_token_list(db_t *db, const actor_t *actor, arena_t *a, xchg_token_t **out, size_t *n, err_t *err);
/* Revoke token id (in the actor's subtree; ERR_NOTFOUND otherwise). Revoking twice is fine. */
int xchg_token_revoke(db_t *db, const actor_t *actor, int64_t id, err_t *err);
/* Authenticate a presented token: fills *out with a read-only actor (role inspector, account 0,
 * username "api:NAME") of the token's unit. ERR_AUTH "err.api.token" for a malformed, unknown or
 * revoked token. Touches last_used_at at most once a minute. */
int xchg_token_auth(db_t *db, const char *token, const char *ip, actor_t *out, err_t *err);

/* The units of the actor's subtree for the API: code, name, kind, level, ownership, parent code,
 * active, in depth-first order. */
typedef struct xchg_unit {
	const char *code, *name, *kind, *level, *ownership, *parent_code, *path;
	int active;
} xchg_unit_t;
int xchg_units_list(db_t *db, const actor_t *actor, arena_t *a, xchg_unit_t **out, size_t *n, err_t *err);

#endif
