/* password.h: Argon2id hashes (libsodium) and the password policy.
 *
 * Hashes are libsodium's crypto_pwhash_str strings ("$argon2id$v=19$m=19456,t=2,p=1$..."), with
 * the cost from the configuration (argon2_ops, argon2_mem_kib). The policy: at least
 * password_min_length characters, at most 256 bytes, valid UTF-8, not equal to the user name (in
 * any case), not one of the common passwords of data/common-passwords.txt (compared folded, so
 * "MatKhau123" is as weak as "matkhau123").
 */
#ifndef THUVIEN_ACCOUNTS_PASSWORD_H
#define THUVIEN_ACCOUNTS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Load the common-password list; call once at start (idempotent). 0 or -1. */
int password_init(void);

/* Check the policy; 0 or ERR_INVALID with a key naming the rule broken. */
int password_policy_check(const char *username, const char *password, err_t *err);

/* Hash into out (crypto_pwhash_STRBYTES = 128 bytes). 0 or ERR_INTERNAL (out of memory). */
int password_hash(const char *password, char out[128], err_t *err);

/* True when password matches hash. Takes the time of one Argon2id run either way. */
bool password_verify(const char *hash, const char *password);

/* True when hash was made with other cost parameters than the current ones. */
bool password_needs_rehash(const char *hash);

/* Spend the time of a verify without a hash (unknown user names), so timing tells nothing. */
void password_dummy_verify(const char *password);

#endif
