/* config.c: defaults, the config file, THUVIEN_* environment variables (see config.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/text.h"

config_t g_config;

enum kind { K_STR, K_INT, K_I64 };

static const struct field {
	const char *key;
	enum kind kind;
	size_t off;
	size_t size;
	int64_t min, max;
} fields[] = {
#define S(name)                                                                                              \
	{                                                                                                    \
#name, K_STR, offsetof(config_t, name), sizeof(((config_t *)0)->name), 0, 0                  \
	}
#define I(name, lo, hi)                                                                                      \
	{                                                                                                    \
#name, K_INT, offsetof(config_t, name), 0, lo, hi                                            \
	}
#define L(name, lo, hi)                                                                                      \
	{                                                                                                    \
#name, K_I64, offsetof(config_t, name), 0, lo, hi                                            \
	}
	S(listen),
	S(db),
	S(log_level),
	I(threads, 0, 256),
	L(max_body, 1024, INT64_C(1) << 34),
	L(max_upload, 1024, INT64_C(1) << 34),
	L(max_header, 1024, 1 << 20),
	I(max_connections, 1, 100000),
	I(request_timeout, 1, 3600),
	I(session_idle, 1, 30 * 86400),
	I(session_max, 1, 90 * 86400),
	I(lockout_attempts, 1, 1000),
	I(lockout_minutes, 1, 10080),
	I(password_min_length, 8, 128),
	I(argon2_ops, 1, 20),
	I(argon2_mem_kib, 8, 4 * 1024 * 1024),
	I(cookie_secure, 0, 1),
	S(copycat_targets),
	S(class_scheme),
	I(author_mark_letters, 1, 10),
	S(author_mark_part),
	S(author_mark_diacritics),
	I(call_number_year, 0, 1),
	L(import_async_bytes, 0, INT64_C(1) << 34),
	I(fines_enabled, 0, 1),
#undef S
#undef I
#undef L
};

void config_defaults(void)
{
	memset(&g_config, 0, sizeof g_config);
	snprintf(g_config.listen, sizeof g_config.listen, "127.0.0.1:8080");
	snprintf(g_config.db, sizeof g_config.db, "thuvien.db");
	snprintf(g_config.log_level, sizeof g_config.log_level, "info");
	g_config.max_body = 1 << 20;
	g_config.max_upload = 20 << 20;
	g_config.import_async_bytes = 256 << 10;
	g_config.max_header = 16 << 10;
	g_config.max_connections = 1000;
	g_config.request_timeout = 30;
	g_config.session_idle = 7200;
	g_config.session_max = 43200;
	g_config.lockout_attempts = 5;
	g_config.lockout_minutes = 15;
	g_config.password_min_length = 10;
	g_config.argon2_ops = 2;
	g_config.argon2_mem_kib = 19456;
	snprintf(g_config.class_scheme, sizeof g_config.class_scheme, "DDC");
	g_config.author_mark_letters = 3;
	snprintf(g_config.author_mark_part, sizeof g_config.author_mark_part, "surname");
	snprintf(g_config.author_mark_diacritics, sizeof g_config.author_mark_diacritics, "keep");
}

/* The words a string setting may take (NULL for free text), and how the error names them. */
static const char *const *choices(const char *key, const char **expected)
{
	static const char *const part[] = { "surname", "given", "full", NULL };
	static const char *const diacritics[] = { "keep", "strip", NULL };
	if (strcmp(key, "author_mark_part") == 0) {
		*expected = "surname, given or full";
		return part;
	}
	if (strcmp(key, "author_mark_diacritics") == 0) {
		*expected = "keep or strip";
		return diacritics;
	}
	return NULL;
}

int config_set(const char *key, const char *value, err_t *err)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		if (strcmp(f->key, key) != 0)
			continue;
		char *p = (char *)&g_config + f->off;
		if (f->kind == K_STR) {
			if (strlen(value) >= f->size)
				return err_set(err, ERR_INVALID, "err.config.value", "%s: too long", key);
			const char *expected = "";
			const char *const *words = choices(key, &expected);
			size_t w = 0;
			while (words && words[w] && strcmp(words[w], value) != 0)
				w++;
			if (words && !words[w])
				return err_set(err, ERR_INVALID, "err.config.value", "%s: expected %s", key,
				               expected);
			if (strcmp(key, "class_scheme") == 0 && !*value)
				return err_set(err, ERR_INVALID, "err.config.value", "%s: empty", key);
			memcpy(p, value, strlen(value) + 1);
			if (strcmp(key, "log_level") == 0 && log_level_parse(value) < 0)
				return err_set(err, ERR_INVALID, "err.config.value",
				               "%s: expected debug, info, warn or error", key);
			return 0;
		}
		char *end;
		long long v = strtoll(value, &end, 10);
		if (end == value || *end != 0 || v < f->min || v > f->max)
			return err_set(err, ERR_INVALID, "err.config.value",
			               "%s: expected an integer from %lld to %lld", key, (long long)f->min,
			               (long long)f->max);
		if (f->kind == K_INT)
			*(int *)p = (int)v;
		else
			*(int64_t *)p = v;
		return 0;
	}
	return err_set(err, ERR_INVALID, "err.config.key", "unknown setting '%s'", key);
}

int config_load_file(const char *path, int required, err_t *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!required)
			return 0;
		return err_set(err, ERR_INVALID, "err.config.file", "cannot open %s", path);
	}
	char line[2048];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = text_trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(err, ERR_INVALID, "err.config.file", "%s:%d: expected key = value", path,
			             lineno);
			break;
		}
		*eq = 0;
		char *key = text_trim(s), *val = text_trim(eq + 1);
		if ((rc = config_set(key, val, err)) < 0) {
			char d[sizeof err->detail + 64];
			snprintf(d, sizeof d, "%s:%d: %s", path, lineno, err->detail);
			snprintf(err->detail, sizeof err->detail, "%.*s", (int)sizeof err->detail - 1, d);
			break;
		}
	}
	fclose(f);
	return rc;
}

int config_load_env(err_t *err)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char name[64] = "THUVIEN_";
		size_t n = strlen(name);
		for (const char *k = fields[i].key; *k && n < sizeof name - 1; k++)
			name[n++] = (char)toupper((unsigned char)*k);
		name[n] = 0;
		const char *v = getenv(name);
		if (v && *v && config_set(fields[i].key, v, err) < 0)
			return err->code;
	}
	return 0;
}
