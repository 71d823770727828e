/* i18n.c: the translation tables of i18n.h.
 *
 * Each language's file is copied once and cut in place into NUL-terminated keys and texts,
 * indexed by an open-addressing hash table (FNV-1a, linear probing, at most half full). After
 * i18n_init nothing is written, so lookups from any number of threads need no lock.
 *
 * The loader is strict, because a typo in a translation file should stop the server at start-up
 * (and fail the unit tests), not show a half-translated page: a line without '=', an empty key,
 * a key with characters other than [A-Za-z0-9._-], a duplicate key, or text that is not UTF-8
 * in NFC is an error naming the file and line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "base/assets.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/text.h"

enum { LANG_VI, LANG_EN, NLANG };

static const char *const lang_file[NLANG] = { "i18n/vi.txt", "i18n/en.txt" };

struct entry {
	const char *key; /* NULL: empty slot */
	const char *text;
};

struct table {
	char *copy; /* the file, cut into strings; keys and texts point into it */
	struct entry *slots;
	size_t mask; /* slots - 1, a power of two minus one */
};

static struct table tables[NLANG];

static uint64_t hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static struct entry *slot_for(const struct table *t, const char *key)
{
	size_t i = (size_t)hash(key) & t->mask;
	while (t->slots[i].key && strcmp(t->slots[i].key, key) != 0)
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static void table_free(struct table *t)
{
	free(t->copy);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++) {
		char c = *k;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool is_nfc(const char *s)
{
	utf8proc_uint8_t *n = utf8proc_NFC((const utf8proc_uint8_t *)s);
	bool same = n && strcmp((const char *)n, s) == 0;
	free(n);
	return same;
}

/* Cut one line [p, end) in place into key and text; returns false when it is malformed. A line
 * that is blank or a comment gives true with *key NULL. */
static bool parse_line(char *p, char *end, char **key, char **text)
{
	*key = *text = NULL;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	*end = '\0';
	if (p == end || *p == '#')
		return true;
	char *eq = strchr(p, '=');
	if (!eq)
		return false;
	char *k_end = eq;
	while (k_end > p && is_space(k_end[-1]))
		k_end--;
	*k_end = '\0';
	char *t = eq + 1;
	while (*t && is_space(*t))
		t++;
	*key = p;
	*text = t;
	return valid_key(p) && text_valid_utf8(t, strlen(t)) && is_nfc(t);
}

static int load(struct table *t, const char *file)
{
	int rc = -1;
	const asset_t *as = asset_find(file);
	if (!as) {
		log_error("i18n: %s is not embedded", file);
		goto done;
	}
	t->copy = malloc(as->len + 1);
	if (!t->copy)
		goto done;
	memcpy(t->copy, as->data, as->len);
	t->copy[as->len] = '\0';

	size_t lines = 1;
	for (size_t i = 0; i < as->len; i++)
		lines += t->copy[i] == '\n';
	size_t cap = 16;
	while (cap < 2 * lines)
		cap *= 2;
	t->slots = calloc(cap, sizeof *t->slots);
	if (!t->slots)
		goto done;
	t->mask = cap - 1;

	char *p = t->copy, *end = t->copy + as->len;
	for (int lineno = 1; p < end; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		char *key, *text;
		if (!parse_line(p, eol, &key, &text)) {
			log_error("i18n: %s:%d: malformed line (want `key = text`, key of "
			          "[A-Za-z0-9._-], text UTF-8 in NFC)",
			          file, lineno);
			goto done;
		}
		if (key) {
			struct entry *e = slot_for(t, key);
			if (e->key) {
				log_error("i18n: %s:%d: duplicate key %s", file, lineno, key);
				goto done;
			}
			e->key = key;
			e->text = text;
		}
		p = eol + 1;
	}
	rc = 0;
done:
	if (rc < 0)
		table_free(t);
	return rc;
}

int i18n_init(void)
{
	i18n_shutdown();
	for (int i = 0; i < NLANG; i++) {
		if (load(&tables[i], lang_file[i]) < 0) {
			i18n_shutdown();
			return -1;
		}
	}
	return 0;
}

void i18n_shutdown(void)
{
	for (int i = 0; i < NLANG; i++)
		table_free(&tables[i]);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* Accepts a bare code ("en", "en-US", "vi_VN") or a whole Accept-Language header
 * ("fr-FR,fr;q=0.9,en;q=0.8"): the first listed language we have wins. Browsers list in order
 * of preference, so q-values are not parsed. */
const char *i18n_lang(const char *requested)
{
	const char *p = requested;
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *tag = p;
		while (*p && *p != '-' && *p != '_' && *p != ';' && *p != ',' && *p != ' ')
			p++;
		if (p - tag == 2) {
			char a = lower(tag[0]), b = lower(tag[1]);
			if (a == 'e' && b == 'n')
				return "en";
			if (a == 'v' && b == 'i')
				return "vi";
		}
		while (*p && *p != ',')
			p++;
	}
	return "vi";
}

static const char *lookup(const struct table *t, const char *key)
{
	if (!t->slots)
		return NULL;
	return slot_for(t, key)->text;
}

const char *i18n_get(const char *lang, const char *key)
{
	if (!key)
		return "";
	bool en = lang && lower(lang[0]) == 'e' && lower(lang[1]) == 'n' &&
	          (!lang[2] || lang[2] == '-' || lang[2] == '_');
	const char *s = en ? lookup(&tables[LANG_EN], key) : NULL;
	if (!s)
		s = lookup(&tables[LANG_VI], key);
	return s ? s : key;
}
