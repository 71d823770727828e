/* classify.c: searching the classification schemes, their hierarchy, and the call-number
 * builder (classify.h).
 *
 * The tables are small (about 1,200 numbers a scheme), so the search keeps the SQL plain: a byte
 * range on the number for "begins with" (the column is byte-collated on both backends, so the
 * range means the same), and one LIKE on the folded caption for the longest query word to narrow
 * the candidates; the word rule ("every query word begins a word of the caption") and the ranking
 * are applied here in C, on text folded by text_fold, so both backends agree by construction.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/text.h"
#include "catalog/classify.h"

int classify_check_staff(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return 0;
}

/* --- schemes ------------------------------------------------------------------------------------ */

int classify_schemes(db_t *db, const char *lang, arena_t *a, class_scheme_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int en = lang && strcmp(lang, "en") == 0;
	db_stmt_t *st =
	    db_query(db, err, "SELECT code, name_vi, name_en FROM class_schemes ORDER BY sort, code", "");
	if (!st)
		return err->code;
	size_t cap = 4;
	class_scheme_t *v = arena_alloc(a, cap * sizeof *v);
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (*n == cap) {
			class_scheme_t *bigger = arena_alloc(a, 2 * cap * sizeof *v);
			memcpy(bigger, v, cap * sizeof *v);
			v = bigger;
			cap *= 2;
		}
		const char *name = db_col_text(st, en ? 2 : 1);
		v[*n].code = arena_strdup(a, db_col_text(st, 0));
		v[*n].name = arena_strdup(a, name && *name ? name : db_col_text(st, 1));
		(*n)++;
	}
	db_done(st);
	*out = v;
	return rc < 0 ? rc : 0;
}

/* s with ASCII letters upper-cased, in the arena. */
static char *ascii_upper(arena_t *a, const char *s)
{
	char *u = arena_strdup(a, s);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

int classify_scheme_check(db_t *db, const char *s, arena_t *a, const char **code, err_t *err)
{
	const char *want = s && *s ? s : g_config.class_scheme;
	if (strlen(want) > 15 || !text_valid_utf8(want, strlen(want)))
		return err_set(err, ERR_INVALID, "err.classify.scheme", NULL);
	char *u = ascii_upper(a, want);
	int64_t found = 0;
	int rc = db_query_int(db, &found, err, "SELECT COUNT(*) FROM class_schemes WHERE code = ?", "s", u);
	if (rc < 0)
		return rc;
	if (!found)
		return err_set(err, ERR_INVALID, "err.classify.scheme", "%s", text_cut(a, want, 15));
	*code = u;
	return 0;
}

/* --- entries ------------------------------------------------------------------------------------- */

#define ENTRY_COLS "number, caption_vi, caption_en, depth"

static void entry_read(db_stmt_t *st, const char *scheme, int en, arena_t *a, class_entry_t *e)
{
	e->scheme = scheme;
	e->number = arena_strdup(a, db_col_text(st, 0));
	e->caption_vi = arena_strdup(a, db_col_text(st, 1));
	e->caption_en = arena_strdup(a, db_col_text(st, 2) ? db_col_text(st, 2) : "");
	e->caption = en && *e->caption_en ? e->caption_en : e->caption_vi;
	e->depth = (int)db_col_int(st, 3);
}

/* A growing array of entries in the arena. */
typedef struct entries {
	class_entry_t *v;
	size_t n, cap;
} entries_t;

static class_entry_t *entries_add(arena_t *a, entries_t *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		class_entry_t *v = arena_alloc(a, cap * sizeof *v);
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

int classify_get(db_t *db, const char *scheme, const char *number, const char *lang, arena_t *a,
                 class_entry_t *out, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err, "SELECT " ENTRY_COLS " FROM class_numbers WHERE scheme = ? AND number = ?",
	             "ss", scheme, number);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		entry_read(st, arena_strdup(a, scheme), lang && strcmp(lang, "en") == 0, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_NOTFOUND, "err.classify.notfound", NULL);
}

/* The candidate ancestors of number, nearest first, into v (at most max); returns how many.
 *   DDC: drop the last digit of the decimal part until none is left ("895.9223" -> "895.922",
 *        ..., "895"), then the section's division and main class ("895" -> "890" -> "800").
 *   Any other scheme (VN19's marks): drop a trailing "(...)" group or the last character
 *        ("53(075)" -> "53" -> "5"; "3K5H" -> "3K5" -> "3K" -> "3"). */
static size_t ancestor_candidates(arena_t *a, const char *scheme, const char *number, const char **v,
                                  size_t max)
{
	size_t n = 0, len = strlen(number);
	char *s = arena_strdup(a, number);
	if (strcmp(scheme, "DDC") == 0) {
		while (n < max && len > 3 && strchr(s, '.')) {
			s[--len] = '\0';
			if (s[len - 1] == '.')
				s[--len] = '\0';
			v[n++] = arena_strdup(a, s);
		}
		if (len == 3 && s[0] >= '0' && s[0] <= '9') {
			if (s[2] != '0' && n < max)
				v[n++] = arena_printf(a, "%c%c0", s[0], s[1]);
			if (s[1] != '0' && n < max)
				v[n++] = arena_printf(a, "%c00", s[0]);
		}
		return n;
	}
	while (n < max && len > 1) {
		if (s[len - 1] == ')' && strchr(s, '(')) {
			len = (size_t)(strrchr(s, '(') - s);
			if (len == 0)
				break;
		} else {
			len--;
		}
		s[len] = '\0';
		v[n++] = arena_strdup(a, s);
	}
	return n;
}

int classify_ancestors(db_t *db, const char *scheme, const char *number, const char *lang, arena_t *a,
                       class_entry_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	const char *cand[24];
	size_t nc = ancestor_candidates(a, scheme, number ? number : "", cand, 24);
	entries_t l = { 0 };
	for (size_t i = nc; i-- > 0;) {
		class_entry_t e;
		int rc = classify_get(db, scheme, cand[i], lang, a, &e, err);
		if (rc == ERR_NOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		*entries_add(a, &l) = e;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* --- search -------------------------------------------------------------------------------------- */

/* The words of folded text: runs of bytes that are not ASCII other than a-z and 0-9 (the rule of
 * the catalogue's search words), joined by one space, in the arena. */
static char *words_of(arena_t *a, const char *folded)
{
	buf_t b = BUF_INIT;
	for (const char *c = folded; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_putc(&b, (char)ch);
		else if (b.len && b.data[b.len - 1] != ' ')
			buf_putc(&b, ' ');
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.len--;
	char *r = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_release(&b);
	return r;
}

/* Does every word of q (words_of form) begin a word of text (words_of form)? */
static bool words_match(const char *q, const char *text)
{
	for (const char *w = q; *w;) {
		size_t wl = strcspn(w, " ");
		bool found = false;
		for (const char *t = text; *t && !found;) {
			size_t tl = strcspn(t, " ");
			found = tl >= wl && memcmp(t, w, wl) == 0;
			t += tl;
			while (*t == ' ')
				t++;
		}
		if (!found)
			return false;
		w += wl;
		while (*w == ' ')
			w++;
	}
	return true;
}

typedef struct ranked {
	class_entry_t e;
	int rank;
} ranked_t;

static int ranked_cmp(const void *x, const void *y)
{
	const ranked_t *p = x, *q = y;
	if (p->rank != q->rank)
		return p->rank - q->rank;
	if (p->e.depth != q->e.depth)
		return p->e.depth - q->e.depth;
	return strcmp(p->e.number, q->e.number);
}

/* The rank of a caption match: 0 when one caption, as words, is q; 1 when one begins with q; 2 else. */
static int caption_rank(arena_t *a, const char *qw, const char *vi, const char *en)
{
	int best = 2;
	const char *caps[2] = { vi, en };
	size_t ql = strlen(qw);
	for (int i = 0; i < 2; i++) {
		const char *f = caps[i] ? text_fold(a, caps[i]) : NULL;
		if (!f)
			continue;
		const char *w = words_of(a, f);
		if (strcmp(w, qw) == 0)
			return 0;
		if (strncmp(w, qw, ql) == 0 && w[ql] == ' ')
			best = 1;
	}
	return best;
}

/* Number matches: the exact number, then those beginning with q, in order. q is ASCII. */
static int search_numbers(db_t *db, const char *scheme, const char *q, int en, int limit, arena_t *a,
                          entries_t *l, err_t *err)
{
	size_t len = strlen(q);
	if (!len || (unsigned char)q[len - 1] >= 0x7e)
		return 0;
	char *hi = arena_strdup(a, q);
	hi[len - 1]++;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ENTRY_COLS " FROM class_numbers WHERE scheme = ? AND number >= ? AND "
	             "number < ? ORDER BY number LIMIT ?",
	             "sssi", scheme, q, hi, (int64_t)limit);
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW)
		entry_read(st, scheme, en, a, entries_add(a, l));
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* Caption matches of the query words qw (words_of form, not empty), ranked, skipping the numbers
 * already in l. */
static int search_captions(db_t *db, const char *scheme, const char *qw, int en, arena_t *a, entries_t *l,
                           err_t *err)
{
	/* The longest word narrows the candidates in SQL; a word has no % or _ (words_of). */
	const char *longest = qw;
	size_t ll = 0;
	for (const char *w = qw; *w;) {
		size_t wl = strcspn(w, " ");
		if (wl > ll) {
			longest = w;
			ll = wl;
		}
		w += wl;
		while (*w == ' ')
			w++;
	}
	char *pattern = arena_printf(a, "%%%.*s%%", (int)ll, longest);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ENTRY_COLS ", caption_fold FROM class_numbers WHERE scheme = ? AND "
	             "caption_fold LIKE ?",
	             "ss", scheme, pattern);
	if (!st)
		return err->code;
	size_t cap = 64, nr = 0;
	ranked_t *r = arena_alloc(a, cap * sizeof *r);
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *fold = db_col_text(st, 4);
		if (!fold || !words_match(qw, words_of(a, fold)))
			continue;
		bool seen = false;
		for (size_t i = 0; i < l->n && !seen; i++)
			seen = strcmp(l->v[i].number, db_col_text(st, 0)) == 0;
		if (seen)
			continue;
		if (nr == cap) {
			ranked_t *bigger = arena_alloc(a, 2 * cap * sizeof *r);
			memcpy(bigger, r, cap * sizeof *r);
			r = bigger;
			cap *= 2;
		}
		entry_read(st, scheme, en, a, &r[nr].e);
		r[nr].rank = caption_rank(a, qw, r[nr].e.caption_vi, r[nr].e.caption_en);
		nr++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	qsort(r, nr, sizeof *r, ranked_cmp);
	for (size_t i = 0; i < nr; i++)
		*entries_add(a, l) = r[i].e;
	return 0;
}

int classify_search(db_t *db, const actor_t *actor, const char *scheme, const char *q, const char *lang,
                    int limit, arena_t *a, class_entry_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc = classify_check_staff(actor, err);
	if (rc < 0)
		return rc;
	const char *raw = q ? q : "";
	if (strlen(raw) > CLASSIFY_QUERY_MAX)
		return err_set(err, ERR_INVALID, "err.classify.query", NULL);
	if (!text_valid_utf8(raw, strlen(raw)))
		return err_set(err, ERR_INVALID, "err.utf8", "q");
	const char *code;
	rc = classify_scheme_check(db, scheme, a, &code, err);
	if (rc < 0)
		return rc;
	if (limit < 1 || limit > 500)
		limit = 50;
	int en = lang && strcmp(lang, "en") == 0;
	char *trimmed = text_trim(arena_strdup(a, raw));
	entries_t l = { 0 };
	if (!*trimmed) {
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT " ENTRY_COLS " FROM class_numbers WHERE scheme = ? AND depth = 1 "
		             "ORDER BY number LIMIT ?",
		             "si", code, (int64_t)limit);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW)
			entry_read(st, code, en, a, entries_add(a, &l));
		db_done(st);
		if (rc < 0)
			return rc;
	} else {
		/* A class number has no spaces and is ASCII; "3k" is "3K". */
		bool ascii = strcspn(trimmed, " ") == strlen(trimmed);
		for (const char *p = trimmed; *p && ascii; p++)
			ascii = (unsigned char)*p < 0x80;
		if (ascii &&
		    (rc = search_numbers(db, code, ascii_upper(a, trimmed), en, limit, a, &l, err)) < 0)
			return rc;
		const char *qw = words_of(a, text_fold(a, trimmed));
		if (*qw && (rc = search_captions(db, code, qw, en, a, &l, err)) < 0)
			return rc;
	}
	*out = l.v;
	*n = l.n < (size_t)limit ? l.n : (size_t)limit;
	return 0;
}

/* --- call numbers -------------------------------------------------------------------------------- */

int classify_part_parse(const char *s, classify_part_t *out)
{
	static const char *const names[] = { "surname", "given", "full" };
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (classify_part_t)i;
			return 0;
		}
	return ERR_INVALID;
}

int classify_diacritics_parse(const char *s, bool *keep)
{
	if (s && (strcmp(s, "keep") == 0 || strcmp(s, "strip") == 0)) {
		*keep = strcmp(s, "keep") == 0;
		return 0;
	}
	return ERR_INVALID;
}

void classify_rule_config(classify_rule_t *r)
{
	r->letters = g_config.author_mark_letters >= 1 && g_config.author_mark_letters <= 10
	                 ? g_config.author_mark_letters
	                 : 3;
	if (classify_part_parse(g_config.author_mark_part, &r->part) < 0)
		r->part = CLASSIFY_SURNAME;
	if (classify_diacritics_parse(g_config.author_mark_diacritics, &r->keep_marks) < 0)
		r->keep_marks = true;
	r->year = g_config.call_number_year == 1;
}

/* [s, s+n) without spaces at either end. */
static void trim_span(const char **s, size_t *n)
{
	while (*n && **s == ' ') {
		(*s)++;
		(*n)--;
	}
	while (*n && (*s)[*n - 1] == ' ')
		(*n)--;
}

/* The part of name (NFC, one author) the rule takes, as [*s, *s + *n). */
static void name_part(const char *name, classify_part_t part, bool is_title, const char **s, size_t *n)
{
	*s = name;
	*n = strlen(name);
	trim_span(s, n);
	const char *comma = is_title ? NULL : memchr(*s, ',', *n);
	if (comma) { /* "Family, Given": family before the comma, given after it */
		if (part == CLASSIFY_GIVEN) {
			*n -= (size_t)(comma + 1 - *s);
			*s = comma + 1;
			trim_span(s, n);
			*n = strcspn(*s, " ") < *n ? strcspn(*s, " ") : *n;
		} else if (part == CLASSIFY_SURNAME) {
			*n = (size_t)(comma - *s);
			trim_span(s, n);
		}
		return;
	}
	if (part == CLASSIFY_FULL && !is_title)
		return;
	if (part == CLASSIFY_GIVEN && !is_title) { /* the last word */
		const char *last = *s;
		for (size_t i = 0; i < *n; i++)
			if ((*s)[i] == ' ')
				last = *s + i + 1;
		*n -= (size_t)(last - *s);
		*s = last;
		return;
	}
	if (part != CLASSIFY_FULL || is_title) { /* the first word */
		size_t w = strcspn(*s, " ");
		if (w < *n)
			*n = w;
	}
}

/* Up to letters letters and digits of [s, s+n), upper-cased; combining marks that follow a taken
 * letter stay with it. */
static char *take_letters(arena_t *a, const char *s, size_t n, int letters)
{
	buf_t b = BUF_INIT;
	int taken = 0;
	bool last_taken = false;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)n;
	while (left > 0) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
		if (k <= 0)
			break;
		utf8proc_category_t cat = utf8proc_category(c);
		bool letter = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
		              cat == UTF8PROC_CATEGORY_ND;
		bool mark = cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
		if ((letter && taken < letters) || (mark && last_taken)) {
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_toupper(c), enc);
			buf_append(&b, enc, (size_t)m);
			taken += letter;
			last_taken = true;
		} else if (letter || !mark) {
			last_taken = false;
		}
		p += k;
		left -= k;
	}
	char *r = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_release(&b);
	return r;
}

const char *classify_author_mark(arena_t *a, const classify_rule_t *rule, const char *authors,
                                 const char *title)
{
	classify_rule_t def;
	if (!rule) {
		classify_rule_config(&def);
		rule = &def;
	}
	const char *src = authors ? text_nfc(a, authors) : NULL;
	bool is_title = false;
	if (src) { /* the first author */
		char *first = arena_strndup(a, src, strcspn(src, ";"));
		src = text_trim(first);
	}
	if (!src || !*src) {
		src = title ? text_nfc(a, title) : NULL;
		is_title = true;
	}
	if (!src)
		return "";
	const char *s;
	size_t n;
	name_part(src, rule->part, is_title, &s, &n);
	char *mark = take_letters(a, s, n, rule->letters);
	if (!rule->keep_marks)
		mark = ascii_upper(a, text_fold(a, mark));
	return mark;
}

const char *classify_call_number(arena_t *a, const classify_rule_t *rule, const char *class_number,
                                 const char *authors, const char *title, int year)
{
	classify_rule_t def;
	if (!rule) {
		classify_rule_config(&def);
		rule = &def;
	}
	const char *cls = class_number ? text_nfc(a, class_number) : NULL;
	cls = cls ? text_trim((char *)cls) : "";
	const char *mark = classify_author_mark(a, rule, authors, title);
	buf_t b = BUF_INIT;
	buf_puts(&b, cls);
	if (*mark)
		buf_printf(&b, "%s%s", b.len ? " " : "", mark);
	if (rule->year && year > 0)
		buf_printf(&b, "%s%d", b.len ? " " : "", year);
	char *r = text_cut(a, b.data ? buf_str(&b) : "", 50);
	buf_release(&b);
	return r;
}
