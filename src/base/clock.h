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

#endif
