/* buf.c: the growable byte buffer of buf.h and the two escapers every page uses.
 *
 * Growth doubles, so appending n bytes one at a time costs O(n). Like the arena, the buffer
 * treats out-of-memory as fatal (logged, then abort): a page that cannot be built cannot be
 * answered either. The HTML escaper copies runs of safe bytes with one memcpy each, since
 * escaping runs for every value of every page.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"

/* Make room for extra more bytes and the NUL: the slow half of buf_grow. */
static void grow(buf_t *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len) {
		log_error("buffer too large (%zu + %zu bytes)", b->len, extra);
		abort();
	}
	size_t want = b->len + extra + 1;
	size_t cap = b->cap ? b->cap * 2 : 64;
	while (cap < want)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		log_error("out of memory growing a buffer to %zu bytes", cap);
		abort();
	}
	if (!b->data)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
}

/* Whether extra more bytes and a NUL fit already; inlined where bytes are appended. */
static inline int has_room(const buf_t *b, size_t extra)
{
	return b->data && b->cap - b->len > extra;
}

void buf_grow(buf_t *b, size_t extra)
{
	if (!has_room(b, extra))
		grow(b, extra);
}

void buf_append(buf_t *b, const void *p, size_t n)
{
	if (!has_room(b, n))
		grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(buf_t *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(buf_t *b, char c)
{
	buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	buf_grow(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		va_end(ap2);
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t)n;
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_release(buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(buf_t *b, size_t *len)
{
	if (!b->data)
		buf_grow(b, 0);
	char *p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *buf_str(const buf_t *b)
{
	return b->data ? b->data : "";
}

/* The five bytes the HTML escaper replaces, by index into html_ent; 0 for the rest. */
static const unsigned char html_special[256] = {
	['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5,
};
static const struct {
	char s[7];
	unsigned char n;
} html_ent[6] = { { "", 0 }, { "&amp;", 5 }, { "&lt;", 4 }, { "&gt;", 4 }, { "&quot;", 6 }, { "&#39;", 5 } };

void buf_put_html(buf_t *b, const char *s, size_t n)
{
	/* Room for the plain case up front; an escape grows by what it adds. Invariant at the top
	 * of each step: the rest of s, s[run..n), and the NUL fit. */
	if (!has_room(b, n))
		grow(b, n);
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;
	for (;;) {
		/* skip plain bytes, four per test (most values have nothing to escape) */
		while (i + 4 <= n && !(html_special[u[i]] | html_special[u[i + 1]] | html_special[u[i + 2]] |
		                       html_special[u[i + 3]]))
			i += 4;
		while (i < n && !html_special[u[i]])
			i++;
		if (i == n)
			break;
		unsigned k = html_special[u[i]];
		memcpy(b->data + b->len, s + run, i - run);
		b->len += i - run;
		if (!has_room(b, n - i + 5)) /* the entity (<= 6) and s[i+1..n) */
			grow(b, n - i + 5);
		memcpy(b->data + b->len, html_ent[k].s, 6); /* fixed size: one move */
		b->len += html_ent[k].n;
		run = ++i;
	}
	memcpy(b->data + b->len, s + run, n - run);
	b->len += n - run;
	b->data[b->len] = '\0';
}

/* RFC 3986 unreserved characters pass; every other byte (UTF-8 included) becomes %XX. */
void buf_put_url(buf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	buf_grow(b, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			buf_putc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(b, e, 3);
		}
	}
	if (!n)
		b->data[b->len] = '\0';
}
