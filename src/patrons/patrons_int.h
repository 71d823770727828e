/* patrons_int.h: what the files of src/patrons/ share and nothing else may call: the column list
 * of a reader's row and its reader, the parsers of one cell, the writers of one row. */
#ifndef THUVIEN_PATRONS_PATRONS_INT_H
#define THUVIEN_PATRONS_PATRONS_INT_H

#include "base/buf.h"
#include "patrons/patrons.h"

/* The columns patrons_read_row reads (21; a query may add more after them). */
#define PATRON_COLS                                                                                          \
	"p.id, p.unit_id, p.code, p.student_code, p.national_id, p.full_name, p.kind, p.class_name, "        \
	"COALESCE(p.grade, 0), p.school_year, p.gender, p.birth_date, p.phone, p.email, p.status, "          \
	"p.status_note, p.note, COALESCE(p.account_id, 0), p.created_at, p.updated_at, u.code, p.hide_history"

void patrons_read_row(db_stmt_t *st, arena_t *a, patron_t *p);

/* One cell's value: a day (dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd, an Excel
 * serial) as yyyy-mm-dd or NULL for ""; a gender as "", "M", "F"; a kind. -1 when unreadable. */
int patrons_parse_date(arena_t *a, const char *s, const char **out);
int patrons_parse_gender(arena_t *a, const char *s, const char **out);
int patrons_parse_kind(arena_t *a, const char *s, const char **out);

/* The next free "BD000123" code of the school. */
int patrons_next_code(db_t *db, int64_t unit, arena_t *a, const char **out, err_t *err);

/* INSERT a prepared reader (status active) / UPDATE one guarded by its version; the caller holds
 * the transaction and writes the audit row. patrons_write returns the rows changed (0: stale). */
int patrons_insert(db_t *db, int64_t unit, const patron_t *p, arena_t *a, int64_t now, int64_t *id,
                   err_t *err);
int patrons_write(db_t *db, const patron_t *p, int64_t id, int64_t version, int64_t now, arena_t *a,
                  err_t *err);

/* What differs between two readers, as "field: \"old\" -> \"new\"; ..." appended to b; all adds
 * the fields an import does not carry (school year, note). */
void patrons_diff(arena_t *a, buf_t *b, const patron_t *o, const patron_t *n, bool all);

#endif
