/* clock.c: wall time, monotonic time and the two date formats of clock.h.
 *
 * Dates are computed with the civil-from-days algorithm (H. Hinnant) rather than localtime(3),
 * so Vietnam time is the same whatever TZ the server runs under, and no libc time zone state
 * is touched from worker threads. Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since
 * 1975, which is all the history a school library needs.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "base/clock.h"

#define VN_OFFSET (7 * 3600)

static _Atomic int64_t offset;

int64_t clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + atomic_load_explicit(&offset, memory_order_relaxed);
}

int64_t clock_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_set_offset(int64_t secs)
{
	atomic_store(&offset, secs);
}

struct civil {
	int64_t year;
	int month, day, hour, min, sec;
};

/* Split seconds since 1970-01-01T00:00:00 into calendar fields (proleptic Gregorian). */
static struct civil civil_from_secs(int64_t t)
{
	struct civil c;
	int64_t days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	c.hour = (int)(rem / 3600);
	c.min = (int)(rem / 60 % 60);
	c.sec = (int)(rem % 60);

	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                      /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
	c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c.year = yoe + era * 400 + (c.month <= 2);
	return c;
}

void clock_format_vn(int64_t t, int with_time, char *out, size_t n)
{
	if (!out || !n)
		return;
	if (t > INT64_MAX - VN_OFFSET) /* no overflow for absurd inputs; no real date is there */
		t = INT64_MAX - VN_OFFSET;
	struct civil c = civil_from_secs(t + VN_OFFSET);
	if (with_time)
		snprintf(out, n, "%02d/%02d/%04lld %02d:%02d", c.day, c.month, (long long)c.year, c.hour,
		         c.min);
	else
		snprintf(out, n, "%02d/%02d/%04lld", c.day, c.month, (long long)c.year);
}

void clock_format_iso(int64_t t, char *out, size_t n)
{
	if (!out || !n)
		return;
	struct civil c = civil_from_secs(t);
	snprintf(out, n, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)c.year, c.month, c.day, c.hour, c.min,
	         c.sec);
}
