/* csv.c: CSV records (csv.h). */
#include <string.h>

#include "base/csv.h"
#include "base/text.h"

static char detect_sep(const char *p, const char *end)
{
	int comma = 0, semi = 0, tab = 0, quoted = 0;
	for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted)
			comma += *p == ',', semi += *p == ';', tab += *p == '\t';
	}
	return tab > semi && tab > comma ? '\t' : semi > comma ? ';' : ',';
}

void csv_open(csv_t *c, const char *p, const char *end, arena_t *a)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->end = end;
	c->a = a;
	c->line = 1;
	c->cell = (buf_t)BUF_INIT;
	c->sep = detect_sep(p, end);
}

void csv_close(csv_t *c)
{
	buf_release(&c->cell);
}

static bool at_eol(const csv_t *c)
{
	return *c->p == '\n' || *c->p == '\r';
}

static void push_field(csv_t *c)
{
	c->f = arena_grow(c->a, c->f, c->n, &c->cap, 16, sizeof *c->f);
	c->f[c->n++] = arena_strndup(c->a, buf_str(&c->cell), c->cell.len);
}

int csv_record(csv_t *c)
{
	c->f = NULL;
	c->n = c->cap = 0;
	c->quote_text = false;
	c->line_start = c->line;
	if (c->p >= c->end)
		return 0;
	for (;;) {
		buf_reset(&c->cell);
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end)
					return -1;
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						buf_putc(&c->cell, '"');
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\n')
					c->line++;
				buf_putc(&c->cell, *c->p++);
			}
			while (c->p < c->end && (*c->p == ' ' || *c->p == '\t') && *c->p != c->sep)
				c->p++;
			if (c->p < c->end && *c->p != c->sep && !at_eol(c))
				c->quote_text = true; /* "abc"def: the rest is read as text */
		}
		while (c->p < c->end && *c->p != c->sep && !at_eol(c))
			buf_putc(&c->cell, *c->p++);
		push_field(c);
		if (c->p >= c->end)
			return 1;
		if (*c->p == c->sep) {
			c->p++;
			continue;
		}
		if (*c->p++ == '\r' && c->p < c->end && *c->p == '\n')
			c->p++;
		c->line++;
		return 1;
	}
}

bool csv_blank(const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (const char *s = f[i]; *s; s++)
			if (*s != ' ' && *s != '\t')
				return false;
	return true;
}

int csv_rows(const char *p, const char *end, arena_t *a, xlsx_row_t **rows, size_t *nrows, char *sep)
{
	csv_t c;
	csv_open(&c, p, end, a);
	if (sep)
		*sep = c.sep;
	xlsx_row_t *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = csv_record(&c)) > 0) {
		v = arena_grow(a, v, n, &cap, 64, sizeof *v);
		v[n++] = (xlsx_row_t){ .line = c.line_start, .n = c.n, .cell = c.f };
	}
	csv_close(&c);
	*rows = v;
	*nrows = n;
	return rc < 0 ? -1 : 0;
}

int64_t csv_bad_line(const char *p, const char *end)
{
	int64_t line = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (memchr(p, 0, (size_t)(e - p)) || !text_valid_utf8(p, (size_t)(e - p)))
			return line;
		p = nl ? nl + 1 : end;
		line++;
	}
	return 0;
}
