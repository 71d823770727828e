/* serials_int.h: what serials.c and issues.c share; not part of the module's API. */
#ifndef THUVIEN_SERIALS_SERIALS_INT_H
#define THUVIEN_SERIALS_SERIALS_INT_H

#include "serials/serials.h"

/* 0, or ERR_FORBIDDEN "err.serials.write": only a school's librarian writes its periodicals. */
int serials_check_writer(const actor_t *actor, err_t *err);

/* s trimmed, NFC, at most max characters (NULL: ""); NULL with err set otherwise. */
char *serials_clean(arena_t *a, const char *s, size_t max, const char *field, err_t *err);

/* A day as typed, or today when s is NULL or empty; ERR_INVALID "err.serials.day" otherwise;
 * with not_future, "err.serials.future" for a day after today. */
int serials_day_or_today(const char *s, bool not_future, int64_t *day, err_t *err);

/* The school unit_id names for reading (see serials.h's scope). */
int serials_school(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, serials_school_t *out,
                   err_t *err);

#endif
