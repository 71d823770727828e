/* text.c: UTF-8 validation, NFC and search folding (text.h), on utf8proc.
 *
 * Folding is the one definition every backend stores, so it must never change silently: a change
 * here means re-folding every stored row. It is utf8proc's decompose, strip marks (tones and the
 * vowel marks of ă â ê ô ơ ư), case fold and recompose, plus three things utf8proc does not do:
 *   - đ/Đ become d (Đ is a letter of its own, not D with a mark, so STRIPMARK keeps it). The
 *     Icelandic eth Ð/ð, which legacy Vietnamese text uses in place of Đ, becomes d too;
 *   - every white space character (ASCII, no-break space, the Unicode spaces, line and paragraph
 *     separators) becomes a space, and runs of spaces collapse to one, trimmed at both ends;
 *   - default-ignorable characters (soft hyphen, zero-width space, BOM) vanish (UTF8PROC_IGNORE),
 *     and typographic look-alikes become ASCII: dashes to - (UTF8PROC_LUMP), curly quotes to
 *     ' and " (here), so a title typed on a phone matches one pasted from a publisher.
 * Pure ASCII input, the common case for queries, skips utf8proc entirely; the fast path gives
 * exactly what the slow path would (tests/unit/test_text.c checks every ASCII byte).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "base/text.h"

#define FOLD_OPTIONS                                                                                         \
	(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_IGNORE | UTF8PROC_CASEFOLD | UTF8PROC_LUMP |          \
	 UTF8PROC_STRIPMARK)

bool text_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			/* ASCII runs eight bytes at a time */
			while (end - p >= 8) {
				uint64_t w;
				memcpy(&w, p, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				p += 8;
			}
			while (p < end && *p < 0x80)
				p++;
			continue;
		}
		if (c < 0xC2) /* a stray continuation byte, or an overlong 2-byte form */
			return false;
		if (c < 0xE0) {
			if (end - p < 2 || (p[1] & 0xC0) != 0x80)
				return false;
			p += 2;
		} else if (c < 0xF0) {
			if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
				return false;
			if (c == 0xE0 && p[1] < 0xA0) /* overlong */
				return false;
			if (c == 0xED && p[1] >= 0xA0) /* U+D800..U+DFFF, surrogates */
				return false;
			p += 3;
		} else if (c < 0xF5) {
			if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
			    (p[3] & 0xC0) != 0x80)
				return false;
			if (c == 0xF0 && p[1] < 0x90) /* overlong */
				return false;
			if (c == 0xF4 && p[1] >= 0x90) /* above U+10FFFF */
				return false;
			p += 4;
		} else {
			return false;
		}
	}
	return true;
}

size_t text_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

/* True when none of s[0..n) has the high bit set: eight bytes at a time. */
static bool all_ascii(const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return false;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

static bool is_ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Lower-case ASCII letters, collapse runs of ASCII white space to one space and trim, copying
 * src[0..n) to dst (which may be src: the output is never longer). Bytes >= 0x80 pass through,
 * so this is also the last step of the UTF-8 path. Returns the length written (dst is
 * NUL-terminated). */
static size_t squeeze(char *dst, const char *src, size_t n)
{
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (is_ascii_space(c)) {
			space = o > 0;
			continue;
		}
		if (space) {
			dst[o++] = ' ';
			space = false;
		}
		dst[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	dst[o] = '\0';
	return o;
}

/* Applied by utf8proc to each code point before decomposition (see the file comment). */
static utf8proc_int32_t fold_char(utf8proc_int32_t c, void *data)
{
	(void)data;
	switch (c) {
	case 0x0110: /* Đ */
	case 0x0111: /* đ */
	case 0x00D0: /* Ð, eth, used for Đ by legacy encodings */
	case 0x00F0: /* ð */
		return 'd';
	case 0x0085: /* next line */
	case 0x00A0: /* no-break space */
	case 0x1680:
	case 0x2028: /* line separator */
	case 0x2029: /* paragraph separator */
	case 0x202F: /* narrow no-break space */
	case 0x205F:
	case 0x3000: /* ideographic space */
		return ' ';
	case 0x2018: /* curly single quotes and apostrophes: UTF8PROC_LUMP leaves them */
	case 0x2019:
	case 0x201A:
	case 0x201B:
		return '\'';
	case 0x201C: /* curly double quotes */
	case 0x201D:
	case 0x201E:
	case 0x201F:
		return '"';
	default:
		if (c >= 0x2000 && c <= 0x200A) /* en quad .. hair space */
			return ' ';
		return c;
	}
}

/* The folded form of s, malloc'ed, or NULL when s is not valid UTF-8. */
static char *fold_malloc(const char *s, size_t n)
{
	if (!text_valid_utf8(s, n))
		return NULL;
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t m = utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &out,
	                                         FOLD_OPTIONS, fold_char, NULL);
	if (m < 0)
		return NULL;
	squeeze((char *)out, (const char *)out, (size_t)m);
	return (char *)out;
}

char *text_fold(arena_t *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (all_ascii(s, n)) {
		char *dst = arena_alloc(a, n + 1);
		squeeze(dst, s, n);
		return dst;
	}
	char *m = fold_malloc(s, n);
	if (!m)
		return NULL;
	char *r = arena_strdup(a, m);
	free(m);
	return r;
}

char *text_fold_dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (all_ascii(s, n)) {
		char *dst = malloc(n + 1);
		if (dst)
			squeeze(dst, s, n);
		return dst;
	}
	return fold_malloc(s, n);
}

char *text_nfc(arena_t *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (all_ascii(s, n))
		return arena_strndup(a, s, n);
	if (!text_valid_utf8(s, n))
		return NULL;
	utf8proc_uint8_t *m = utf8proc_NFC((const utf8proc_uint8_t *)s);
	if (!m)
		return NULL;
	char *r = arena_strdup(a, (const char *)m);
	free(m);
	return r;
}

char *text_trim(char *s)
{
	if (!s)
		return s;
	size_t start = 0, end = strlen(s);
	while (start < end && is_ascii_space((unsigned char)s[start]))
		start++;
	while (end > start && is_ascii_space((unsigned char)s[end - 1]))
		end--;
	if (start)
		memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

char *text_ascii_lower(char *s)
{
	if (!s)
		return s;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	return s;
}

char *text_cut(arena_t *a, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		/* Step back over continuation bytes to the start of the cut character. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return arena_strndup(a, s, n);
}

void text_thousands(int64_t v, char *out, size_t n)
{
	char digits[32];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int k = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
	size_t o = 0;
	if (n == 0)
		return;
	if (v < 0 && o + 1 < n)
		out[o++] = '-';
	for (int i = 0; i < k && o + 2 < n; i++) {
		if (i > 0 && (k - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = 0;
}

char *text_key(arena_t *a, const char *s)
{
	char *f = text_fold(a, s ? s : "");
	if (!f)
		return arena_strdup(a, "");
	char *w = f;
	for (const char *r = f; *r; r++) {
		bool alnum = (*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9');
		if (alnum)
			*w++ = *r;
		else if (w > f && w[-1] != ' ')
			*w++ = ' ';
	}
	while (w > f && w[-1] == ' ')
		w--;
	*w = 0;
	return f;
}
