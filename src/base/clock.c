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

/* --- days ------------------------------------------------------------------------------------ */

int64_t clock_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;                                  /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void clock_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	struct civil c = civil_from_secs(days * 86400);
	*y = (int)c.year;
	*m = c.month;
	*d = c.day;
}

int clock_day_parse(const char *s, int64_t *days)
{
	if (!s)
		return -1;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
	}
	if (s[10])
		return -1;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -1;
	if (days)
		*days = clock_days_from_civil(y, m, d);
	return 0;
}

void clock_day_format(int64_t days, char *out, size_t n)
{
	int y, m, d;
	clock_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

int64_t clock_day_of(int64_t t)
{
	t += VN_OFFSET;
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

int64_t clock_today_vn(void)
{
	return clock_day_of(clock_now());
}

int clock_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

void clock_day_vn(const char *iso, char *out, size_t n)
{
	if (!n)
		return;
	if (iso && clock_day_parse(iso, NULL) == 0)
		snprintf(out, n, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
	else
		snprintf(out, n, "%s", iso ? iso : "");
}
