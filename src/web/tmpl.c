/* tmpl.c: the Mustache-subset renderer of tmpl.h.
 *
 * tmpl_init parses every embedded templates/NAME.html into a tree of nodes (text, variable,
 * raw variable, section, inverted section, partial, translation) held in one arena, resolves
 * each {{>partial}} to its template, and publishes the set. Rendering walks the tree: text nodes
 * point into the arena's copy of the source and are appended with one memcpy; names are split
 * into their dotted segments at parse time, so a lookup is a json_object_getn per segment. A
 * render allocates nothing but the output buffer's growth; the context stack is a fixed array
 * on the C stack. The tree is never written after init, so any number of threads may render.
 *
 * Limits, each an error rather than a crash: sections nest at most MAX_NEST deep in one
 * template, the context stack holds MAX_STACK values, and partials nest MAX_PARTIAL deep (which
 * stops a partial that includes itself without end). Mustache's standalone-line whitespace rule
 * and delimiter changes ({{=<% %>=}}) are not implemented: text is kept exactly as written.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/assets.h"
#include "base/i18n.h"
#include "base/text.h"
#include "web/tmpl.h"

#define MAX_NEST    64
#define MAX_STACK   64
#define MAX_PARTIAL 32

enum kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL, N_I18N };

/* A dotted name, split: "a.b" is {"a", "b"}; "." has no segments and means the top context. */
struct name {
	int nseg;
	const char **seg;
	size_t *len;
};

struct tmpl;

struct node {
	enum kind kind;
	int line;
	const char *file;   /* "templates/x.html", for render-time errors */
	const char *s;      /* text, or the tag's name / key / partial name as written */
	size_t len;         /* of s */
	struct name name;   /* VAR, RAW, SECTION, INVERTED */
	struct node *child; /* SECTION, INVERTED */
	struct node *next;
	const struct tmpl *partial; /* PARTIAL, after resolution */
};

struct tmpl {
	const char *name; /* "login" */
	const char *file; /* "templates/login.html" */
	struct node *root;
};

struct tset {
	arena_t *arena;
	struct tmpl *list; /* sorted by name */
	size_t n;
};

/* The published set: written by tmpl_init before serving, read-only afterwards. */
static struct tset *g_set;

/* --- parsing ---------------------------------------------------------------------------------- */

struct parser {
	arena_t *a;
	const char *file;
	err_t *err;
};

static int parse_error(struct parser *ps, int line, const char *what, const char *tag, size_t n)
{
	return err_set(ps->err, ERR_INTERNAL, "err.internal", "%s:%d: %s%s%.*s%s", ps->file, line, what,
	               tag ? " {{" : "", tag ? (int)(n > 60 ? 60 : n) : 0, tag ? tag : "", tag ? "}}" : "");
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* Split a variable or section name into segments; false when it is not "." or
 * word(.word)* with words of [A-Za-z0-9_-]. */
static bool split_name(arena_t *a, const char *s, size_t n, struct name *out)
{
	memset(out, 0, sizeof *out);
	if (n == 1 && s[0] == '.')
		return true;
	int nseg = 1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i == 0 || i + 1 == n || s[i + 1] == '.')
				return false;
			nseg++;
		} else if (!name_char(s[i])) {
			return false;
		}
	}
	if (n == 0)
		return false;
	out->nseg = nseg;
	out->seg = arena_alloc(a, sizeof *out->seg * (size_t)nseg);
	out->len = arena_alloc(a, sizeof *out->len * (size_t)nseg);
	size_t start = 0;
	int k = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			out->seg[k] = arena_strndup(a, s + start, i - start);
			out->len[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	return true;
}

/* True when s[0..n) is non-empty and made of [A-Za-z0-9_-] plus the extra characters. */
static bool word_of(const char *s, size_t n, const char *extra)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static int count_lines(const char *p, const char *end)
{
	int n = 0;
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

static struct node *new_node(struct parser *ps, enum kind kind, int line, const char *s, size_t len)
{
	struct node *n = arena_zalloc(ps->a, sizeof *n);
	n->kind = kind;
	n->line = line;
	n->file = ps->file;
	n->s = s;
	n->len = len;
	return n;
}

/* One tag as written: {{<sigil><name>}} (or {{{name}}}, sigil '{'). */
struct tag {
	char sigil;      /* one of {&#^/>!@= or '\0' for a plain variable */
	const char *raw; /* what is between the braces, for messages */
	size_t raw_len;
	const char *name; /* after the sigil, trimmed of white space */
	size_t n;
	int line;
};

/* Read the tag opening at open (which points at "{{"); *line is its line and moves past the
 * newlines the tag holds; returns where the text after it starts, or NULL (error set) when the
 * closing braces are missing. */
static const char *scan_tag(struct parser *ps, const char *open, const char *end, int *line, struct tag *t)
{
	const char *q = open + 2;
	bool triple = q < end && *q == '{';
	t->sigil = q < end && strchr("{&#^/>!@=", *q) ? *q : '\0';
	if (t->sigil)
		q++;
	const char *close = memmem(q, (size_t)(end - q), triple ? "}}}" : "}}", triple ? 3 : 2);
	if (!close) {
		const char *nl = memchr(open, '\n', (size_t)(end - open));
		size_t shown = (size_t)((nl ? nl : end) - (open + 2));
		err_set(ps->err, ERR_INTERNAL, "err.internal", "%s:%d: unclosed tag {{%.*s", ps->file, *line,
		        (int)(shown > 40 ? 40 : shown), open + 2);
		return NULL;
	}
	const char *c_end = close;
	while (q < c_end && strchr(" \t\r\n", *q))
		q++;
	while (c_end > q && strchr(" \t\r\n", c_end[-1]))
		c_end--;
	t->raw = open + 2;
	t->raw_len = (size_t)(close - t->raw);
	t->name = q;
	t->n = (size_t)(c_end - q);
	t->line = *line;
	*line += count_lines(open, close);
	return close + (triple ? 3 : 2);
}

/* The node for a tag that is not a comment or a close tag; NULL (error set) when the name is
 * not well-formed. */
static struct node *tag_node(struct parser *ps, const struct tag *t)
{
	enum kind k;
	switch (t->sigil) {
	case '=':
		parse_error(ps, t->line, "delimiter changes are not supported:", t->raw, t->raw_len);
		return NULL;
	case '>':
		if (!word_of(t->name, t->n, "/")) {
			parse_error(ps, t->line, "bad partial name in", t->raw, t->raw_len);
			return NULL;
		}
		return new_node(ps, N_PARTIAL, t->line, arena_strndup(ps->a, t->name, t->n), t->n);
	case '@':
		if (!word_of(t->name, t->n, ".")) {
			parse_error(ps, t->line, "bad translation key in", t->raw, t->raw_len);
			return NULL;
		}
		return new_node(ps, N_I18N, t->line, arena_strndup(ps->a, t->name, t->n), t->n);
	case '#':
		k = N_SECTION;
		break;
	case '^':
		k = N_INVERTED;
		break;
	case '{':
	case '&':
		k = N_RAW;
		break;
	default:
		k = N_VAR;
		break;
	}
	struct name nm;
	if (!split_name(ps->a, t->name, t->n, &nm)) {
		parse_error(ps, t->line, "bad name in", t->raw, t->raw_len);
		return NULL;
	}
	struct node *node = new_node(ps, k, t->line, arena_strndup(ps->a, t->name, t->n), t->n);
	node->name = nm;
	return node;
}

static char open_sigil(const struct node *sec)
{
	return sec->kind == N_SECTION ? '#' : '^';
}

/* Parse src[0..len) (a copy the arena owns; text nodes point into it) into *root. */
static int parse(struct parser *ps, const char *src, size_t len, struct node **root)
{
	struct frame {
		struct node *sec;
		struct node **tail; /* the enclosing list's tail, restored at the close tag */
	} stack[MAX_NEST];
	int depth = 0, line = 1;
	struct node **tail = root;
	const char *p = src, *end = src + len;

	*root = NULL;
	if (!text_valid_utf8(src, len))
		return parse_error(ps, 1, "not valid UTF-8", NULL, 0);
	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2);
		const char *text_end = open ? open : end;
		if (text_end > p) {
			*tail = new_node(ps, N_TEXT, line, p, (size_t)(text_end - p));
			tail = &(*tail)->next;
			line += count_lines(p, text_end);
		}
		if (!open)
			break;

		struct tag t;
		if (!(p = scan_tag(ps, open, end, &line, &t)))
			return ERR_INTERNAL;
		if (t.sigil == '!')
			continue;
		if (t.sigil == '/') {
			if (depth == 0)
				return parse_error(ps, t.line, "close tag without an open section:", t.raw,
				                   t.raw_len);
			struct node *sec = stack[depth - 1].sec;
			if (sec->len != t.n || memcmp(sec->s, t.name, t.n) != 0)
				return err_set(ps->err, ERR_INTERNAL, "err.internal",
				               "%s:%d: {{/%.*s}} does not close {{%c%s}} opened at "
				               "line %d",
				               ps->file, t.line, (int)(t.n > 60 ? 60 : t.n), t.name,
				               open_sigil(sec), sec->s, sec->line);
			tail = stack[--depth].tail;
			continue;
		}
		struct node *node = tag_node(ps, &t);
		if (!node)
			return ERR_INTERNAL;
		*tail = node;
		tail = &node->next;
		if (node->kind == N_SECTION || node->kind == N_INVERTED) {
			if (depth == MAX_NEST)
				return parse_error(ps, t.line, "sections nested too deep at", t.raw,
				                   t.raw_len);
			stack[depth].sec = node;
			stack[depth].tail = tail;
			depth++;
			tail = &node->child;
		}
	}
	if (depth > 0) {
		struct node *sec = stack[depth - 1].sec;
		return err_set(ps->err, ERR_INTERNAL, "err.internal", "%s:%d: unclosed section {{%c%s}}",
		               ps->file, sec->line, open_sigil(sec), sec->s);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

static const struct tmpl *find(const struct tset *set, const char *name)
{
	if (!set)
		return NULL;
	struct tmpl key = { .name = name };
	return bsearch(&key, set->list, set->n, sizeof *set->list, by_name);
}

/* Point every partial node under n at its template in set. */
static int resolve(struct node *n, const struct tset *set, err_t *err)
{
	for (; n; n = n->next) {
		if (n->kind == N_PARTIAL) {
			n->partial = find(set, n->s);
			if (!n->partial)
				return err_set(err, ERR_INTERNAL, "err.internal",
				               "%s:%d: unknown partial {{>%s}} (no "
				               "templates/%s.html)",
				               n->file, n->line, n->s, n->s);
		}
		int rc = resolve(n->child, set, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void set_free(struct tset *set)
{
	if (!set)
		return;
	arena_free(set->arena);
	free(set);
}

int tmpl_init_from(const asset_t *assets, size_t n, err_t *err)
{
	static const char prefix[] = "templates/", suffix[] = ".html";
	const size_t plen = sizeof prefix - 1, slen = sizeof suffix - 1;
	int rc = ERR_INTERNAL;
	struct tset *set = calloc(1, sizeof *set);
	if (!set) {
		err_set(err, ERR_INTERNAL, "err.internal", "out of memory loading templates");
		goto done;
	}
	set->arena = arena_new(64 * 1024);
	set->list = arena_alloc(set->arena, sizeof *set->list * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const char *nm = assets[i].name;
		size_t len = strlen(nm);
		if (len <= plen + slen || strncmp(nm, prefix, plen) != 0 ||
		    strcmp(nm + len - slen, suffix) != 0)
			continue;
		struct tmpl *t = &set->list[set->n++];
		t->file = arena_strdup(set->arena, nm);
		t->name = arena_strndup(set->arena, nm + plen, len - plen - slen);
		const char *src = arena_strndup(set->arena, (const char *)assets[i].data, assets[i].len);
		struct parser ps = { set->arena, t->file, err };
		if ((rc = parse(&ps, src, assets[i].len, &t->root)) < 0)
			goto done;
	}
	qsort(set->list, set->n, sizeof *set->list, by_name);
	for (size_t i = 0; i + 1 < set->n; i++) {
		if (strcmp(set->list[i].name, set->list[i + 1].name) == 0) {
			rc = err_set(err, ERR_INTERNAL, "err.internal", "template %s given twice",
			             set->list[i].file);
			goto done;
		}
	}
	for (size_t i = 0; i < set->n; i++)
		if ((rc = resolve(set->list[i].root, set, err)) < 0)
			goto done;
	set_free(g_set);
	g_set = set;
	set = NULL;
	rc = 0;
done:
	set_free(set);
	return rc;
}

int tmpl_init(err_t *err)
{
	size_t n;
	const asset_t *list = asset_list(&n);
	return tmpl_init_from(list, n, err);
}

void tmpl_shutdown(void)
{
	set_free(g_set);
	g_set = NULL;
}

/* --- rendering -------------------------------------------------------------------------------- */

struct render {
	json_t *stack[MAX_STACK]; /* stack[top - 1] is the innermost context */
	int top;
	int partials; /* partial nesting */
	const char *lang;
	buf_t *out;
	err_t *err;
};

/* Resolve a name: the first segment walks the stack outward to the first object that has it;
 * the rest descend from there (a broken chain is missing, as in Mustache: no further search). */
static json_t *lookup(const struct render *r, const struct name *nm)
{
	if (nm->nseg == 0)
		return r->top ? r->stack[r->top - 1] : NULL;
	json_t *v = NULL;
	for (int i = r->top - 1; i >= 0 && !v; i--)
		if (json_is_object(r->stack[i]))
			v = json_object_getn(r->stack[i], nm->seg[0], nm->len[0]);
	for (int k = 1; v && k < nm->nseg; k++)
		v = json_is_object(v) ? json_object_getn(v, nm->seg[k], nm->len[k]) : NULL;
	return v;
}

static bool truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
		return true;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

static void put_integer(buf_t *out, json_int_t v)
{
	char tmp[24];
	size_t k = sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--k] = '-';
	buf_append(out, tmp + k, sizeof tmp - k);
}

/* Strings, numbers and booleans print; null, missing, arrays and objects print nothing. */
static void put_value(buf_t *out, const json_t *v, bool escape)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (escape)
			buf_put_html(out, json_string_value(v), json_string_length(v));
		else
			buf_append(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_integer(out, json_integer_value(v));
		break;
	case JSON_REAL: {
		char tmp[32];
		int n = snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
		if (n > 0)
			buf_append(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
		break;
	}
	case JSON_TRUE:
		buf_append(out, "true", 4);
		break;
	case JSON_FALSE:
		buf_append(out, "false", 5);
		break;
	default:
		break;
	}
}

static int render_nodes(struct render *r, const struct node *n);

static int render_with(struct render *r, const struct node *n, json_t *ctx)
{
	if (r->top == MAX_STACK)
		return err_set(r->err, ERR_INTERNAL, "err.internal",
		               "%s:%d: more than %d nested contexts at {{#%s}}", n->file, n->line, MAX_STACK,
		               n->s);
	r->stack[r->top++] = ctx;
	int rc = render_nodes(r, n->child);
	r->top--;
	return rc;
}

static int render_section(struct render *r, const struct node *n)
{
	json_t *v = lookup(r, &n->name);
	if (!truthy(v))
		return 0;
	if (!json_is_array(v))
		return render_with(r, n, v);
	size_t i;
	json_t *el;
	json_array_foreach(v, i, el)
	{
		int rc = render_with(r, n, el);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int render_nodes(struct render *r, const struct node *n)
{
	int rc = 0;
	for (; n && rc == 0; n = n->next) {
		switch (n->kind) {
		case N_TEXT:
			buf_append(r->out, n->s, n->len);
			break;
		case N_VAR:
			put_value(r->out, lookup(r, &n->name), true);
			break;
		case N_RAW:
			put_value(r->out, lookup(r, &n->name), false);
			break;
		case N_I18N: {
			const char *s = i18n_get(r->lang, n->s);
			buf_put_html(r->out, s, strlen(s));
			break;
		}
		case N_SECTION:
			rc = render_section(r, n);
			break;
		case N_INVERTED:
			if (!truthy(lookup(r, &n->name)))
				rc = render_nodes(r, n->child);
			break;
		case N_PARTIAL:
			if (r->partials == MAX_PARTIAL)
				return err_set(r->err, ERR_INTERNAL, "err.internal",
				               "%s:%d: partials nested more than %d deep at {{>%s}}", n->file,
				               n->line, MAX_PARTIAL, n->s);
			r->partials++;
			rc = render_nodes(r, n->partial->root);
			r->partials--;
			break;
		}
	}
	return rc;
}

/* Render root; on error the output is cut back to what it was, so no half page escapes. */
static int render_root(const struct node *root, json_t *ctx, const char *lang, buf_t *out, err_t *err)
{
	struct render r;
	r.top = 0;
	r.partials = 0;
	r.lang = lang;
	r.out = out;
	r.err = err;
	if (ctx)
		r.stack[r.top++] = ctx;
	size_t start = out->len;
	buf_grow(out, 0);
	int rc = render_nodes(&r, root);
	if (rc < 0) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

int tmpl_render(const char *name, json_t *ctx, const char *lang, buf_t *out, err_t *err)
{
	const struct tmpl *t = find(g_set, name);
	if (!t)
		return err_set(err, ERR_NOTFOUND, "err.notfound", "no template templates/%s.html%s", name,
		               g_set ? "" : " (tmpl_init not called)");
	return render_root(t->root, ctx, lang, out, err);
}

int tmpl_render_string(const char *text, json_t *ctx, const char *lang, buf_t *out, err_t *err)
{
	if (!text)
		return err_set(err, ERR_INTERNAL, "err.internal", "no template text");
	size_t len = strlen(text);
	arena_t *a = arena_new(1024 + len);
	struct parser ps = { a, "(string)", err };
	struct node *root;
	const char *src = arena_strndup(a, text, len);
	int rc = parse(&ps, src, len, &root);
	if (rc == 0)
		rc = resolve(root, g_set, err);
	if (rc == 0)
		rc = render_root(root, ctx, lang, out, err);
	arena_free(a);
	return rc;
}
