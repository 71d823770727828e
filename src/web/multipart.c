/* multipart.c: splitting a multipart/form-data body into its parts (multipart.h).
 *
 * The body is scanned once: the opening delimiter "--BOUNDARY", then for each part a CRLF, its
 * header lines up to an empty line, and its data up to the next "CRLF--BOUNDARY"; "--" after a
 * delimiter closes the body (an epilogue after it is ignored, as RFC 2046 says). Only the headers
 * are copied; the data stays where it is in the body. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "web/multipart.h"

#define MAX_PART_HEADERS 8192 /* bytes of one part's header block */

static int bad(err_t *err, const char *what)
{
	return err_set(err, ERR_INVALID, "err.multipart", "%s", what);
}

/* RFC 2046's bcharsnospace, plus the space (not as the last character). */
static int bchar(int c)
{
	return isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL;
}

static int tchar(int c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* One "; name=value" parameter of a header value from *p (up to end): name lower-cased and value
 * unquoted, both in the arena. 1 when one was read, 0 at the end, -1 when malformed. */
static int next_param(const char **p, const char *end, arena_t *a, char **name, char **value)
{
	const char *s = skip_ows(*p, end);
	if (s == end)
		return 0;
	if (*s != ';')
		return -1;
	s = skip_ows(s + 1, end);
	const char *n0 = s;
	while (s < end && tchar((unsigned char)*s))
		s++;
	if (s == n0 || s == end || *s != '=')
		return -1;
	*name = text_ascii_lower(arena_strndup(a, n0, (size_t)(s - n0)));
	s++;
	if (s < end && *s == '"') {
		char *v = arena_alloc(a, (size_t)(end - s) + 1), *o = v;
		for (s++; s < end && *s != '"'; s++) {
			if (*s == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\'))
				s++;
			*o++ = *s;
		}
		if (s == end)
			return -1; /* unterminated quoted string */
		*o = 0;
		*value = v;
		s++;
	} else {
		const char *v0 = s;
		while (s < end && tchar((unsigned char)*s))
			s++;
		if (s == v0)
			return -1;
		*value = arena_strndup(a, v0, (size_t)(s - v0));
	}
	*p = s;
	return 1;
}

int multipart_boundary(const char *content_type, char out[71], err_t *err)
{
	static const char type[] = "multipart/form-data";
	arena_t *a = NULL;
	int rc = 0;
	out[0] = 0;
	if (!content_type || strncasecmp(content_type, type, sizeof type - 1) != 0)
		return bad(err, "not multipart/form-data");
	const char *p = content_type + sizeof type - 1, *end = p + strlen(p);
	char *name, *value;
	int r;
	a = arena_new(256);
	while ((r = next_param(&p, end, a, &name, &value)) > 0) {
		if (strcmp(name, "boundary") != 0)
			continue;
		size_t n = strlen(value);
		if (out[0] || n == 0 || n > 70 || value[n - 1] == ' ') {
			rc = bad(err, "bad boundary");
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			if (!bchar((unsigned char)value[i])) {
				rc = bad(err, "bad boundary character");
				goto done;
			}
		}
		memcpy(out, value, n + 1);
	}
	if (r < 0)
		rc = bad(err, "bad Content-Type parameters");
	else if (!out[0])
		rc = bad(err, "no boundary");
done:
	arena_free(a);
	if (rc < 0)
		out[0] = 0;
	return rc;
}

/* The Content-Disposition of a part: "form-data; name=...; filename=...". */
static int parse_disposition(const char *v, const char *end, arena_t *a, multipart_part_t *part, err_t *err)
{
	static const char fd[] = "form-data";
	v = skip_ows(v, end);
	if ((size_t)(end - v) < sizeof fd - 1 || strncasecmp(v, fd, sizeof fd - 1) != 0)
		return bad(err, "Content-Disposition is not form-data");
	const char *p = v + sizeof fd - 1;
	char *name, *value;
	int r;
	while ((r = next_param(&p, end, a, &name, &value)) > 0) {
		if (strcmp(name, "name") == 0) {
			if (part->name)
				return bad(err, "two names");
			part->name = value;
		} else if (strcmp(name, "filename") == 0) {
			if (part->filename)
				return bad(err, "two filenames");
			/* Some browsers once sent the whole path ("C:\\Users\\...\\sach.csv"). */
			char *base = value;
			for (char *s = value; *s; s++)
				if (*s == '/' || *s == '\\')
					base = s + 1;
			part->filename = base;
		}
	}
	if (r < 0)
		return bad(err, "bad Content-Disposition parameters");
	if (!part->name || !*part->name)
		return bad(err, "a part without a name");
	if (!text_valid_utf8(part->name, strlen(part->name)) ||
	    (part->filename && !text_valid_utf8(part->filename, strlen(part->filename))))
		return bad(err, "a name that is not UTF-8");
	return 0;
}

/* The header lines of one part, from *pos to the empty line (consumed). */
static int parse_headers(const char *body, size_t len, size_t *pos, arena_t *a, multipart_part_t *part,
                         err_t *err)
{
	size_t start = *pos;
	int disposition = 0;
	for (;;) {
		const char *line = body + *pos;
		const char *eol = memmem(line, len - *pos, "\r\n", 2);
		if (!eol)
			return bad(err, "part headers not ended");
		if ((size_t)(eol - body) - start > MAX_PART_HEADERS)
			return bad(err, "part headers too long");
		*pos = (size_t)(eol - body) + 2;
		if (eol == line)
			break; /* the empty line: the data follows */
		if (memchr(line, 0, (size_t)(eol - line)))
			return bad(err, "NUL in part headers");
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line)
			return bad(err, "a part header line without a name");
		for (const char *s = line; s < colon; s++)
			if (!tchar((unsigned char)*s))
				return bad(err, "a bad part header name");
		size_t nlen = (size_t)(colon - line);
		const char *v = skip_ows(colon + 1, eol), *vend = eol;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
			if (disposition++)
				return bad(err, "two Content-Disposition headers");
			if (parse_disposition(v, vend, a, part, err) < 0)
				return err->code;
		} else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
			part->content_type = arena_strndup(a, v, (size_t)(vend - v));
		}
	}
	if (!disposition)
		return bad(err, "a part without Content-Disposition");
	return 0;
}

int multipart_parse(const char *content_type, const char *body, size_t len, arena_t *a, size_t max_parts,
                    multipart_part_t **parts, size_t *nparts, err_t *err)
{
	char boundary[71];
	char delim[76]; /* "\r\n--" + boundary */
	*parts = NULL;
	*nparts = 0;
	if (multipart_boundary(content_type, boundary, err) < 0)
		return err->code;
	size_t blen = strlen(boundary);
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, blen + 1);
	size_t dlen = blen + 4;
	if (!body || len < dlen - 2 || memcmp(body, delim + 2, dlen - 2) != 0)
		return bad(err, "the body does not start with the boundary");
	size_t cap = max_parts ? max_parts : 1, n = 0;
	multipart_part_t *v = arena_zalloc(a, cap * sizeof *v);
	size_t pos = dlen - 2;
	for (;;) {
		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break; /* the closing delimiter; what follows is the epilogue */
		while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
			pos++; /* transport padding */
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
			return bad(err, "a boundary not followed by CRLF");
		pos += 2;
		if (n == max_parts)
			return bad(err, "too many parts");
		multipart_part_t *part = &v[n];
		if (parse_headers(body, len, &pos, a, part, err) < 0)
			return err->code;
		const char *next = memmem(body + pos, len - pos, delim, dlen);
		if (!next)
			return bad(err, "no closing boundary (truncated body?)");
		part->data = body + pos;
		part->len = (size_t)(next - (body + pos));
		pos = (size_t)(next - body) + dlen;
		n++;
	}
	*parts = v;
	*nparts = n;
	return 0;
}
