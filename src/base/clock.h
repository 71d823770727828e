/* clock.h: time. Stored as UTC seconds since the epoch (int64); shown as dd/mm/yyyy in
 * Asia/Ho_Chi_Minh (UTC+7, no daylight saving), whatever the server's TZ. */
#ifndef THUVIEN_BASE_CLOCK_H
#define THUVIEN_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void);             /* UTC seconds; tests may shift it, see clock_set_offset */
int64_t clock_usec(void);            /* monotonic microseconds, for durations */
void clock_set_offset(int64_t secs); /* added to clock_now(); for expiry tests only */

/* Write "dd/mm/yyyy" (or "dd/mm/yyyy HH:MM" when with_time) for t in Vietnam time. */
void clock_format_vn(int64_t t, int with_time, char *out, size_t n);
/* Write ISO 8601 UTC "2026-11-25T16:13:47Z". */
void clock_format_iso(int64_t t, char *out, size_t n);

/* --- days ------------------------------------------------------------------------------------
 * A day (a due date, a holiday, a date of birth) is a calendar date, not an instant: stored as
 * text "yyyy-mm-dd" and computed as a day number, days since 1970-01-01 (proleptic Gregorian). */

int64_t clock_days_from_civil(int y, int m, int d);
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Parse a canonical "yyyy-mm-dd" of a real date, years 1900 to 2200. 0, or -1 when it is not. */
int clock_day_parse(const char *s, int64_t *days);
/* Write days as "yyyy-mm-dd" (out: at least 11 bytes). */
void clock_day_format(int64_t days, char *out, size_t n);
/* Today in Vietnam, as a day number; and the day of the instant t in Vietnam. */
int64_t clock_today_vn(void);
int64_t clock_day_of(int64_t t);
/* 0 = Sunday, 1 = Monday, ... 6 = Saturday. */
int clock_weekday(int64_t days);
/* "yyyy-mm-dd" as "dd/mm/yyyy" for display; other input is copied as is. */
void clock_day_vn(const char *iso, char *out, size_t n);

#endif
