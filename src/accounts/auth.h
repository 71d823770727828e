/* auth.h: logging in and out, and sessions.
 *
 * A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie; the database keeps
 * only its BLAKE2b hash. Sessions end after session_idle seconds without use or session_max
 * seconds after login, whichever comes first. Each session has its own CSRF token, which every
 * state-changing request must echo (form field `csrf` or header `X-CSRF-Token`).
 *
 * Lockout: lockout_attempts failed logins in a row lock the account for lockout_minutes; while
 * locked even the right password is refused. Every success and failure writes an audit row.
 */
#ifndef THUVIEN_ACCOUNTS_AUTH_H
#define THUVIEN_ACCOUNTS_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/err.h"
#include "db/db.h"

#define AUTH_TOKEN_LEN 44 /* base64url of 32 bytes, no padding, plus NUL */

typedef struct session {
	int64_t id;
	char token[AUTH_TOKEN_LEN]; /* only filled by auth_login; the cookie's value */
	char csrf[AUTH_TOKEN_LEN];
	int64_t created_at;
	int64_t last_seen;
} session_t;

/* Check the credentials and open a session. Errors: ERR_AUTH (unknown user or wrong password:
 * the same message for both), ERR_LOCKED (locked out; detail holds the minutes left),
 * ERR_FORBIDDEN (disabled account, told only when the password was right). */
int auth_login(db_t *db, const char *username, const char *password, const char *ip, actor_t *actor,
               session_t *s, err_t *err);

/* Find the live session of a cookie token and the actor behind it. ERR_AUTH when the token is
 * unknown, expired (the row is deleted), or its account disabled. Refreshes last_seen at most
 * once a minute, so most requests do not write. */
int auth_session(db_t *db, const char *token, actor_t *actor, session_t *s, err_t *err);

/* Forget every cached session (auth.c keeps sessions in memory for a few seconds). Domain code
 * calls it after committing any change that ends sessions or changes an account's identity,
 * role, unit or language. */
void auth_invalidate(void);

/* End one session (logout). Writes an audit row. */
int auth_logout(db_t *db, const actor_t *actor, int64_t session_id, const char *ip, err_t *err);

/* Constant-time comparison of a CSRF token sent with a request. */
bool auth_csrf_ok(const session_t *s, const char *sent);

/* Delete expired sessions (called now and then by the server). Returns how many, or < 0. */
int auth_sweep(db_t *db, err_t *err);

/* A fresh random token (base64url, 43 chars + NUL). */
void auth_random_token(char out[AUTH_TOKEN_LEN]);

#endif
