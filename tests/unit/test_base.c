/* test_base.c: the base library: arena, buf, err, clock, log level parsing, i18n lookups. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/log.h"
#include "check.h"

static void test_arena_alignment(void)
{
	arena_t *a = arena_new(0);
	for (size_t n = 0; n < 100; n++) {
		char *p = arena_alloc(a, n);
		CHECK(((uintptr_t)p & 15) == 0);
		memset(p, 0xAB, n);
	}
	arena_free(a);
}

static void test_arena_blocks(void)
{
	arena_t *a = arena_new(256);
	/* Many small allocations spill into new blocks; each stays intact. */
	char *ptrs[2000];
	for (int i = 0; i < 2000; i++) {
		ptrs[i] = arena_printf(a, "item-%d", i);
	}
	int bad = 0;
	char want[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(want, sizeof want, "item-%d", i);
		bad += strcmp(ptrs[i], want) != 0;
	}
	CHECK_INT(bad, 0);

	/* A large allocation gets its own block and the current one keeps serving. */
	char *big = arena_alloc(a, 1 << 20);
	memset(big, 1, 1 << 20);
	char *small1 = arena_alloc(a, 16), *small2 = arena_alloc(a, 16);
	CHECK(small2 == small1 + 16);
	CHECK(((uintptr_t)big & 15) == 0);

	char *z = arena_zalloc(a, 1000);
	int nonzero = 0;
	for (int i = 0; i < 1000; i++)
		nonzero += z[i] != 0;
	CHECK_INT(nonzero, 0);

	/* Reset keeps the first block: the next allocation lands where the first one did. */
	arena_reset(a);
	char *p1 = arena_alloc(a, 32);
	arena_reset(a);
	char *p2 = arena_alloc(a, 32);
	CHECK(p1 == p2);
	arena_free(a);
	arena_free(NULL);
}

static void test_arena_strings(void)
{
	arena_t *a = arena_new(64);
	CHECK_STR(arena_strdup(a, "Thư viện"), "Thư viện");
	CHECK(arena_strdup(a, NULL) == NULL);
	CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
	CHECK_STR(arena_strndup(a, "ab", 10), "ab");
	CHECK_STR(arena_printf(a, "%s-%03d", "sdk", 7), "sdk-007");
	/* Longer than what is left in any block: the measured path. */
	char long_s[5000];
	memset(long_s, 'x', sizeof long_s - 1);
	long_s[sizeof long_s - 1] = '\0';
	char *p = arena_printf(a, "<%s>", long_s);
	CHECK_INT(strlen(p), 5001);
	CHECK(p[0] == '<' && p[5000] == '>');
	CHECK_STR(arena_printf(a, "%s", ""), "");
	arena_free(a);
}

static void test_arena_grow(void)
{
	arena_t *a = arena_new(64);
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	for (int64_t i = 0; i < 1000; i++) {
		v = arena_grow(a, v, n, &cap, 4, sizeof *v);
		CHECK(n < cap);
		v[n++] = i * i;
	}
	CHECK_INT(cap, 1024); /* 4, 8, ... doubled */
	int ok = 1;
	for (int64_t i = 0; i < 1000; i++)
		ok &= v[i] == i * i; /* every copy kept what was there */
	CHECK(ok);
	CHECK(arena_grow(a, v, 1000, &cap, 4, sizeof *v) == v); /* room left: the same array */
	arena_free(a);
}

static void test_buf_basic(void)
{
	buf_t b = BUF_INIT;
	CHECK_STR(buf_str(&b), "");
	CHECK_INT(b.len, 0);
	buf_puts(&b, "Sách");
	buf_putc(&b, ' ');
	buf_printf(&b, "%d/%s", 42, "ok");
	CHECK_STR(buf_str(&b), "Sách 42/ok");
	CHECK_INT(b.len, strlen("Sách 42/ok"));
	buf_append(&b, "", 0);
	CHECK_STR(buf_str(&b), "Sách 42/ok");

	/* Growth through many appends and one big printf. */
	buf_reset(&b);
	CHECK_STR(buf_str(&b), "");
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 10000);
	CHECK(b.data[9999] == 'a' + 9999 % 26 && b.data[10000] == '\0');
	char big[3000];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_reset(&b);
	buf_printf(&b, "[%s]", big);
	CHECK_INT(b.len, 3001);
	CHECK(b.data[0] == '[' && b.data[3000] == ']' && b.data[3001] == '\0');

	size_t len = 0;
	char *own = buf_detach(&b, &len);
	CHECK_INT(len, 3001);
	CHECK(b.data == NULL && b.len == 0);
	free(own);

	char *empty = buf_detach(&b, &len);
	CHECK_STR(empty, "");
	CHECK_INT(len, 0);
	free(empty);
	buf_release(&b);
	buf_release(&b);
}

static void test_buf_html(void)
{
	buf_t b = BUF_INIT;
	const char *s = "<script>alert(\"x\" & 'y')</script>";
	buf_put_html(&b, s, strlen(s));
	CHECK_STR(buf_str(&b), "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");

	/* Already-escaped looking input is escaped again: the escaper never guesses. */
	buf_reset(&b);
	buf_put_html(&b, "&amp; &lt;", 10);
	CHECK_STR(buf_str(&b), "&amp;amp; &amp;lt;");

	/* Only the first n bytes; UTF-8 and bytes that are not UTF-8 pass through untouched. */
	buf_reset(&b);
	buf_put_html(&b, "Đại <học>", 8);
	CHECK_STR(buf_str(&b), "Đại &lt;");
	buf_reset(&b);
	buf_put_html(&b, "\xff\xfe<", 3);
	CHECK_STR(buf_str(&b), "\xff\xfe&lt;");
	buf_reset(&b);
	buf_put_html(&b, "", 0);
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);

	/* Against a byte-at-a-time reference, on random bytes heavy in the five, at every length
	 * from 0 to 300 and into buffers already partly full (growth in mid-escape). */
	unsigned seed = 12345;
	int mismatches = 0;
	for (size_t n = 0; n <= 300; n++) {
		char in[300];
		buf_t ref = BUF_INIT;
		buf_reset(&b);
		for (size_t k = 0; k < n % 70; k++)
			buf_putc(&b, 'p');
		buf_append(&ref, b.data, b.len);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = "&<>\"'ab\xc3\xa9z"[(seed >> 16) % 11];
			switch (in[i]) {
			case '&':
				buf_puts(&ref, "&amp;");
				break;
			case '<':
				buf_puts(&ref, "&lt;");
				break;
			case '>':
				buf_puts(&ref, "&gt;");
				break;
			case '"':
				buf_puts(&ref, "&quot;");
				break;
			case '\'':
				buf_puts(&ref, "&#39;");
				break;
			default:
				buf_putc(&ref, in[i]);
			}
		}
		buf_put_html(&b, in, n);
		mismatches += b.len != ref.len || strcmp(buf_str(&b), buf_str(&ref)) != 0;
		buf_release(&ref);
	}
	CHECK_INT(mismatches, 0);
	buf_release(&b);

	/* Into an untouched buffer, nothing to escape. */
	buf_put_html(&b, "plain", 5);
	CHECK_STR(buf_str(&b), "plain");
	buf_release(&b);
}

static void test_buf_url(void)
{
	buf_t b = BUF_INIT;
	buf_put_url(&b, "tiếng việt&x=1/2~_.-");
	CHECK_STR(buf_str(&b), "ti%E1%BA%BFng%20vi%E1%BB%87t%26x%3D1%2F2~_.-");
	buf_reset(&b);
	buf_put_url(&b, "");
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);
}

static void test_err(void)
{
	CHECK_INT(err_http_status(ERR_OK), 200);
	CHECK_INT(err_http_status(ERR_INVALID), 400);
	CHECK_INT(err_http_status(ERR_NOTFOUND), 404);
	CHECK_INT(err_http_status(ERR_FORBIDDEN), 403);
	CHECK_INT(err_http_status(ERR_CONFLICT), 409);
	CHECK_INT(err_http_status(ERR_AUTH), 401);
	CHECK_INT(err_http_status(ERR_LOCKED), 429);
	CHECK_INT(err_http_status(ERR_TOOBIG), 413);
	CHECK_INT(err_http_status(ERR_BUSY), 503);
	CHECK_INT(err_http_status(ERR_INTERNAL), 500);
	CHECK_INT(err_http_status(-1000), 500);
	CHECK_STR(err_code_name(ERR_NOTFOUND), "not found");
	CHECK_STR(err_code_name(12345), "unknown error");

	err_t e;
	CHECK_INT(err_set(&e, ERR_CONFLICT, "err.db.conflict", "barcode %s", "0001"), ERR_CONFLICT);
	CHECK_INT(e.code, ERR_CONFLICT);
	CHECK_STR(e.key, "err.db.conflict");
	CHECK_STR(e.detail, "barcode 0001");
	CHECK_INT(err_set(&e, ERR_BUSY, "err.db.busy", NULL), ERR_BUSY);
	CHECK_STR(e.detail, "");
	CHECK_INT(err_set(NULL, ERR_INVALID, "err.invalid", "x"), ERR_INVALID);

	/* A detail longer than the field is cut, still terminated. */
	char longv[600];
	memset(longv, 'z', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	err_set(&e, ERR_INVALID, "err.invalid", "%s", longv);
	CHECK_INT(strlen(e.detail), sizeof e.detail - 1);
	err_clear(&e);
	CHECK_INT(e.code, 0);
	CHECK(e.key == NULL);
	CHECK_STR(e.detail, "");
}

static void test_clock(void)
{
	char s[32];
	/* 2025-12-31T20:00:00Z is 01/01/2026 03:00 in Vietnam. */
	int64_t t = 1767211200;
	clock_format_iso(t, s, sizeof s);
	CHECK_STR(s, "2025-12-31T20:00:00Z");
	clock_format_vn(t, 0, s, sizeof s);
	CHECK_STR(s, "01/01/2026");
	clock_format_vn(t, 1, s, sizeof s);
	CHECK_STR(s, "01/01/2026 03:00");
	/* 16:59:59Z is still the same day in Vietnam (23:59:59); 17:00Z is the next day. */
	clock_format_vn(1767200399, 1, s, sizeof s);
	CHECK_STR(s, "31/12/2025 23:59");
	clock_format_vn(1767200400, 0, s, sizeof s);
	CHECK_STR(s, "01/01/2026");
	/* The epoch, a leap day, and before the epoch. */
	clock_format_iso(0, s, sizeof s);
	CHECK_STR(s, "1970-01-01T00:00:00Z");
	clock_format_vn(1709164800, 0, s, sizeof s); /* 2024-02-29T00:00Z */
	CHECK_STR(s, "29/02/2024");
	clock_format_iso(-1, s, sizeof s);
	CHECK_STR(s, "1969-12-31T23:59:59Z");
	/* Absurd instants format without overflow (UBSan would say). */
	clock_format_vn(INT64_MAX, 1, s, sizeof s);
	clock_format_vn(INT64_MIN, 1, s, sizeof s);
	clock_format_iso(INT64_MIN, s, sizeof s);
	CHECK(s[0] != '\0');
	/* A short output buffer is cut, terminated. */
	clock_format_vn(t, 0, s, 6);
	CHECK_STR(s, "01/01");

	int64_t now = clock_now();
	CHECK(now > 1700000000);
	clock_set_offset(86400);
	CHECK(clock_now() - now >= 86400 && clock_now() - now <= 86402);
	clock_set_offset(0);
	int64_t u1 = clock_usec(), u2 = clock_usec();
	CHECK(u2 >= u1);
}

static void test_log_level(void)
{
	CHECK_INT(log_level_parse("debug"), LOG_DEBUG);
	CHECK_INT(log_level_parse("info"), LOG_INFO);
	CHECK_INT(log_level_parse("warn"), LOG_WARN);
	CHECK_INT(log_level_parse("WARN"), LOG_WARN);
	CHECK_INT(log_level_parse("error"), LOG_ERROR);
	CHECK_INT(log_level_parse("verbose"), -1);
	CHECK_INT(log_level_parse(""), -1);
	CHECK_INT(log_level_parse(NULL), -1);
	enum log_level old = log_get_level();
	log_set_level(LOG_ERROR);
	CHECK_INT(log_get_level(), LOG_ERROR);
	log_info("not shown");          /* filtered: nothing on stderr */
	log_access("GET", "/", 200, 5); /* filtered too */
	log_set_level(old);
}

static void test_i18n(void)
{
	CHECK_INT(i18n_init(), 0);
	CHECK_STR(i18n_get("vi", "app.name"), "Thư viện trường học");
	CHECK_STR(i18n_get("en", "app.name"), "School Library");
	CHECK_STR(i18n_get("en-US", "app.name"), "School Library");
	/* en falls back to vi, then to the key itself. */
	CHECK_STR(i18n_get("en", "test.vi_only"), "Chỉ có tiếng Việt");
	CHECK_STR(i18n_get("vi", "no.such.key"), "no.such.key");
	CHECK_STR(i18n_get("en", "no.such.key"), "no.such.key");
	/* Unknown or missing language is Vietnamese. */
	CHECK_STR(i18n_get("fr", "app.name"), "Thư viện trường học");
	CHECK_STR(i18n_get(NULL, "app.name"), "Thư viện trường học");
	CHECK_STR(i18n_get("vi", NULL), "");
	CHECK_STR(i18n_get("en", "err.db.busy"), "The database is busy. Please try again in a moment.");
	CHECK(strcmp(i18n_get("vi", "err.db.conflict"), "err.db.conflict") != 0);
	CHECK(strcmp(i18n_get("vi", "err.internal"), "err.internal") != 0);

	CHECK_STR(i18n_lang("en"), "en");
	CHECK_STR(i18n_lang("en-US"), "en");
	CHECK_STR(i18n_lang("EN_gb"), "en");
	CHECK_STR(i18n_lang("vi-VN,vi;q=0.9,en;q=0.8"), "vi");
	CHECK_STR(i18n_lang("fr-FR,fr;q=0.9,en-US;q=0.8"), "en");
	CHECK_STR(i18n_lang("eng"), "vi");
	CHECK_STR(i18n_lang("fr"), "vi");
	CHECK_STR(i18n_lang(""), "vi");
	CHECK_STR(i18n_lang(NULL), "vi");

	/* Loading twice replaces the tables; after shutdown every key is itself. */
	CHECK_INT(i18n_init(), 0);
	i18n_shutdown();
	CHECK_STR(i18n_get("vi", "app.name"), "app.name");
	i18n_shutdown();
}

/* Run fn with stderr sent to a temporary file; returns what it wrote (caller frees). */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/thuvien-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	if (fd < 0 || saved < 0)
		return NULL;
	unlink(path);
	dup2(fd, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	char *out = calloc(1, 8192);
	if (pread(fd, out, 8191, 0) < 0)
		out[0] = '\0';
	close(fd);
	return out;
}

static void emit_lines(void)
{
	log_set_level(LOG_DEBUG);
	log_info("Xin chào %s", "thư viện");
	log_error("two\nlines");
	log_access("GET", "/books?q=a\nFAKE", 200, 123);
	log_set_level(LOG_WARN);
	log_info("hidden");
	log_access("GET", "/hidden", 200, 1);
	log_warn("shown");
	log_set_level(LOG_INFO);
}

/* Lines are `YYYY-MM-DDTHH:MM:SSZ LEVEL message`; control characters cannot forge a line. */
static void test_log_format(void)
{
	char *out = capture_stderr(emit_lines);
	CHECK(out != NULL);
	if (!out)
		return;
	char *line = out;
	const char *want[] = { "INFO  Xin chào thư viện", "ERROR two?lines",
		               "INFO  GET /books?q=a?FAKE 200 123us", "WARN  shown" };
	int n = 0;
	for (char *nl; (nl = strchr(line, '\n')); line = nl + 1, n++) {
		*nl = '\0';
		CHECK(strlen(line) > 21 && line[4] == '-' && line[10] == 'T' && line[19] == 'Z' &&
		      line[20] == ' ');
		if (n < 4 && strlen(line) > 21)
			CHECK_STR(line + 21, want[n]);
	}
	CHECK_INT(n, 4);
	free(out);
}

/* Days: the civil calendar both ways over every day of 1900-2200, parsing, weekdays. */
static void test_days(void)
{
	int64_t days;
	char s[16];
	CHECK_INT(clock_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(clock_days_from_civil(2026, 11, 29), 20786);
	CHECK_INT(clock_weekday(clock_days_from_civil(2026, 11, 29)), 0); /* a Sunday */
	CHECK_INT(clock_weekday(clock_days_from_civil(1900, 1, 1)), 1);   /* a Monday */
	int64_t first = clock_days_from_civil(1900, 1, 1), last = clock_days_from_civil(2200, 12, 31);
	int bad = 0;
	for (int64_t z = first; z <= last; z++) {
		clock_day_format(z, s, sizeof s);
		if (clock_day_parse(s, &days) != 0 || days != z)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(clock_day_parse("2024-02-29", NULL) == 0);
	const char *no[] = { "2025-02-29", "1900-02-29", "2026-13-01", "2026-04-31", "2026-4-1", "2026-04-011",
		             "1899-12-31", "2201-01-01", "2026/04/01", "", "abcd-ef-gh" };
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		CHECK(clock_day_parse(no[i], NULL) == -1);
	CHECK(clock_day_parse(NULL, NULL) == -1);
	CHECK_INT(clock_day_of(1767200399), clock_days_from_civil(2025, 12, 31)); /* 23:59:59 in Hà Nội */
	CHECK_INT(clock_day_of(1767200400), clock_days_from_civil(2026, 1, 1));
	clock_day_vn("2026-09-05", s, sizeof s);
	CHECK_STR(s, "05/09/2026");
	clock_day_vn("soon", s, sizeof s);
	CHECK_STR(s, "soon");
}

int main(void)
{
	RUN(test_arena_alignment);
	RUN(test_arena_blocks);
	RUN(test_arena_strings);
	RUN(test_arena_grow);
	RUN(test_buf_basic);
	RUN(test_buf_html);
	RUN(test_buf_url);
	RUN(test_err);
	RUN(test_clock);
	RUN(test_days);
	RUN(test_log_level);
	RUN(test_log_format);
	RUN(test_i18n);
	return check_summary("base");
}
