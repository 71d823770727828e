/* log.c: the log of log.h, to standard error.
 *
 * Every line is formatted into a stack buffer and written with one write(2), so lines from
 * worker threads never interleave (a pipe write up to PIPE_BUF bytes is atomic, and lines are
 * cut to fit). Control characters in a message become '?', so a request path cannot forge log
 * lines. The time prefix is formatted once per second per thread. The access line is built by
 * hand, without printf, because it runs for every request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"

#define LINE_MAX_BYTES 4096 /* PIPE_BUF on Linux */
#define STAMP_LEN      20   /* "2026-11-25T16:13:47Z" */

static atomic_int level = LOG_INFO;

static const char *const level_tag[] = { "DEBUG ", "INFO  ", "WARN  ", "ERROR " };

void log_set_level(enum log_level lv)
{
	if (lv >= LOG_DEBUG && lv <= LOG_ERROR)
		atomic_store_explicit(&level, (int)lv, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&level, memory_order_relaxed);
}

int log_level_parse(const char *s)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	if (!s)
		return -1;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	return -1;
}

/* Write the time stamp and level tag at p; returns the bytes written (STAMP_LEN + 7). */
static size_t put_prefix(char *p, enum log_level lv)
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[STAMP_LEN + 1];
	time_t now = time(NULL);
	if (now != cached_sec) {
		clock_format_iso((int64_t)now, cached, sizeof cached);
		cached_sec = now;
	}
	memcpy(p, cached, STAMP_LEN);
	p[STAMP_LEN] = ' ';
	memcpy(p + STAMP_LEN + 1, level_tag[lv], 6);
	return STAMP_LEN + 7;
}

static void write_line(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report a broken log */
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Copy s (at most max bytes of it) to p, control characters replaced; returns bytes copied. */
static size_t put_clean(char *p, const char *s, size_t max)
{
	size_t i = 0;
	for (; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		p[i] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	return i;
}

void log_msg(enum log_level lv, const char *fmt, ...)
{
	if (lv < LOG_DEBUG || lv > LOG_ERROR || (int)lv < (int)log_get_level())
		return;
	char line[LINE_MAX_BYTES];
	size_t n = put_prefix(line, lv);
	size_t room = sizeof line - n - 1; /* keep one byte for the newline */
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, room + 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)m < room ? (size_t)m : room;
	if ((size_t)m > room) /* cut: do not end in the middle of a UTF-8 sequence */
		while (len > 0 && ((unsigned char)line[n + len] & 0xC0) == 0x80)
			len--;
	for (size_t i = n; i < n + len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			line[i] = '?';
	}
	n += len;
	line[n++] = '\n';
	write_line(line, n);
}

/* Decimal digits of v (non-negative) at p; returns the count. */
static size_t put_uint(char *p, unsigned long long v)
{
	char tmp[24];
	size_t k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < k; i++)
		p[i] = tmp[k - 1 - i];
	return k;
}

void log_access(const char *method, const char *path, int status, long long usec)
{
	if (log_get_level() > LOG_INFO)
		return;
	char line[1024];
	size_t n = put_prefix(line, LOG_INFO);
	/* Fixed parts after the path need at most 1 + 11 + 1 + 20 + 3 bytes. */
	n += put_clean(line + n, method ? method : "-", 16);
	line[n++] = ' ';
	n += put_clean(line + n, path ? path : "-", sizeof line - n - 40);
	line[n++] = ' ';
	n += put_uint(line + n, status > 0 ? (unsigned long long)status : 0);
	line[n++] = ' ';
	n += put_uint(line + n, usec > 0 ? (unsigned long long)usec : 0);
	memcpy(line + n, "us\n", 3);
	n += 3;
	write_line(line, n);
}
