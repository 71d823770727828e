/* password.c: Argon2id hashing with libsodium, and the password policy (password.h). */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/password.h"
#include "base/assets.h"
#include "base/config.h"
#include "base/log.h"
#include "base/text.h"

/* The common-password list, folded, sorted for bsearch. */
static char **common;
static size_t n_common;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_common(void)
{
	if (sodium_init() < 0) {
		init_rc = -1;
		return;
	}
	const asset_t *as = asset_find("data/common-passwords.txt");
	if (!as) {
		log_error("common password list missing from the build");
		init_rc = -1;
		return;
	}
	size_t cap = 512;
	common = malloc(cap * sizeof *common);
	const char *p = (const char *)as->data, *end = p + as->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && *p != '#') {
			char *line = strndup(p, len);
			char *f = text_fold_dup(text_trim(line));
			free(line);
			if (f && *f) {
				if (n_common == cap)
					common = realloc(common, (cap *= 2) * sizeof *common);
				common[n_common++] = f;
			} else {
				free(f);
			}
		}
		p += len + 1;
	}
	qsort(common, n_common, sizeof *common, cmp_str);
}

int password_init(void)
{
	pthread_once(&once, load_common);
	return init_rc;
}

int password_policy_check(const char *username, const char *password, err_t *err)
{
	password_init();
	if (!password || !*password)
		return err_set(err, ERR_INVALID, "err.password.empty", NULL);
	size_t bytes = strlen(password);
	if (bytes > 256)
		return err_set(err, ERR_INVALID, "err.password.long", NULL);
	if (!text_valid_utf8(password, bytes))
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	if (text_length(password) < (size_t)g_config.password_min_length)
		return err_set(err, ERR_INVALID, "err.password.short", "%d", g_config.password_min_length);
	char *pf = text_fold_dup(password);
	int rc = 0;
	if (username) {
		char *uf = text_fold_dup(username);
		if (uf && pf && strcmp(uf, pf) == 0)
			rc = err_set(err, ERR_INVALID, "err.password.username", NULL);
		free(uf);
	}
	if (!rc && pf && bsearch(&pf, common, n_common, sizeof *common, cmp_str))
		rc = err_set(err, ERR_INVALID, "err.password.common", NULL);
	free(pf);
	return rc;
}

static unsigned long long ops(void)
{
	return (unsigned long long)g_config.argon2_ops;
}

static size_t mem(void)
{
	return (size_t)g_config.argon2_mem_kib * 1024u;
}

int password_hash(const char *password, char out[128], err_t *err)
{
	password_init();
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops(), mem(),
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(err, ERR_INTERNAL, "err.internal", "argon2id: out of memory");
	return 0;
}

bool password_verify(const char *hash, const char *password)
{
	password_init();
	if (!hash || !password)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, ops(), mem()) != 0;
}

/* A real hash of a random secret with the current cost, made once, for password_dummy_verify. */
static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char secret[32];
	randombytes_buf(secret, sizeof secret - 1);
	for (size_t i = 0; i < sizeof secret - 1; i++)
		secret[i] = (char)('a' + (unsigned char)secret[i] % 26);
	secret[sizeof secret - 1] = 0;
	if (crypto_pwhash_str_alg(dummy_hash, secret, strlen(secret), ops(), mem(),
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		dummy_hash[0] = 0;
}

void password_dummy_verify(const char *password)
{
	password_init();
	pthread_once(&dummy_once, make_dummy);
	(void)password_verify(dummy_hash, password ? password : "");
}
