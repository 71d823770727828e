/* auth.c: login, lockout, sessions and CSRF tokens (auth.h). */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "accounts/auth.h"
#include "accounts/password.h"
#include "audit/audit.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/text.h"

void auth_random_token(char out[AUTH_TOKEN_LEN])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, AUTH_TOKEN_LEN, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The stored form of a token: hex of its 32-byte BLAKE2b hash. */
static void token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* Columns of the actor, shared by login and session lookup. */
/* A reader account counts as disabled while its reader has left the school (patrons.status
 * 'left'): the record says so once, and the account follows without a second write. */
#define ACCOUNT_DISABLED                                                                                     \
	"CASE WHEN a.disabled <> 0 OR EXISTS (SELECT 1 FROM patrons p WHERE p.id = a.patron_id"              \
	" AND p.status = 'left') THEN 1 ELSE 0 END"

#define ACTOR_COLS                                                                                           \
	"a.id, a.unit_id, a.role, a.must_change_password, a.username, a.full_name, a.lang, "                 \
	"u.code, u.name, u.kind, u.path, a.patron_id"

static void read_actor(db_stmt_t *st, int c, actor_t *a)
{
	memset(a, 0, sizeof *a);
	a->account_id = db_col_int(st, c + 0);
	a->unit_id = db_col_int(st, c + 1);
	if (role_parse(db_col_text(st, c + 2), &a->role) < 0)
		a->role = ROLE_READER; /* the CHECK constraint makes this unreachable */
	a->must_change_password = db_col_int(st, c + 3) != 0;
	copy(a->username, sizeof a->username, db_col_text(st, c + 4));
	copy(a->full_name, sizeof a->full_name, db_col_text(st, c + 5));
	copy(a->lang, sizeof a->lang, db_col_text(st, c + 6));
	copy(a->unit_code, sizeof a->unit_code, db_col_text(st, c + 7));
	copy(a->unit_name, sizeof a->unit_name, db_col_text(st, c + 8));
	copy(a->unit_kind, sizeof a->unit_kind, db_col_text(st, c + 9));
	copy(a->unit_path, sizeof a->unit_path, db_col_text(st, c + 10));
	a->patron_id = db_col_int(st, c + 11);
}

/* Open a session row for the actor; fills s (token and csrf). Inside the caller's transaction. */
static int session_open(db_t *db, const actor_t *a, const char *ip, session_t *s, err_t *err)
{
	char hash[65];
	memset(s, 0, sizeof *s);
	auth_random_token(s->token);
	auth_random_token(s->csrf);
	token_hash(s->token, hash);
	s->created_at = s->last_seen = clock_now();
	return db_insert_id(db, &s->id, err,
	                    "INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen, ip) "
	                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	                    "sisiis", hash, a->account_id, s->csrf, s->created_at, s->last_seen, ip);
}

int auth_login(db_t *db, const char *username, const char *password, const char *ip, actor_t *actor,
               session_t *s, err_t *err)
{
	char name[72];
	int rc;

	if (!username || !password || !*username || !*password)
		return err_set(err, ERR_AUTH, "err.login.bad", NULL);
	if (strlen(username) >= sizeof name || strlen(password) > 1024 ||
	    !text_valid_utf8(username, strlen(username))) {
		password_dummy_verify(password);
		return err_set(err, ERR_AUTH, "err.login.bad", NULL);
	}
	copy(name, sizeof name, username);
	text_ascii_lower(text_trim(name));

	/* Read the account outside the write transaction: Argon2id takes tens of milliseconds and
	 * must not hold the database's write lock. The counters are re-read under the lock. */
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " ACTOR_COLS ", a.password_hash, " ACCOUNT_DISABLED ", a.locked_until "
	             "FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = ?",
	             "s", name);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc < 0) {
		db_done(st);
		return rc;
	}
	if (rc == DB_DONE) {
		db_done(st);
		password_dummy_verify(password);
		err_t e2;
		if ((rc = audit_write(db, NULL, name, 0, "", "login.fail", "account", 0, "unknown user", ip,
		                      &e2)) < 0)
			log_warn("audit: %s", e2.detail);
		return err_set(err, ERR_AUTH, "err.login.bad", NULL);
	}
	read_actor(st, 0, actor);
	char hash[160];
	copy(hash, sizeof hash, db_col_text(st, 12));
	int disabled = (int)db_col_int(st, 13);
	int64_t locked_until = db_col_int(st, 14);
	db_done(st);

	int64_t now = clock_now();
	if (locked_until > now) {
		long minutes = (long)((locked_until - now + 59) / 60);
		(void)audit_write(db, NULL, name, actor->unit_id, actor->unit_path, "login.locked", "account",
		                  actor->account_id, NULL, ip, err);
		return err_set(err, ERR_LOCKED, "err.login.locked", "%ld", minutes);
	}

	int ok = password_verify(hash, password);
	int rehash = ok && password_needs_rehash(hash);
	char newhash[128];
	if (rehash && password_hash(password, newhash, err) < 0)
		rehash = 0;

	if ((rc = db_begin(db, err)) < 0)
		return rc;
	if (!ok) {
		int64_t fails = 0;
		if ((rc = db_exec(db, err,
		                  "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ?", "i",
		                  actor->account_id)) < 0 ||
		    (rc = db_query_int(db, &fails, err, "SELECT failed_logins FROM accounts WHERE id = ?",
		                       "i", actor->account_id)) < 0)
			goto fail;
		int lock = fails >= g_config.lockout_attempts;
		if (lock) {
			rc = db_exec(db, err,
			             "UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE id = ?",
			             "ii", now + 60 * (int64_t)g_config.lockout_minutes, actor->account_id);
			if (rc < 0)
				goto fail;
		}
		char detail[64];
		snprintf(detail, sizeof detail, "attempt %lld", (long long)fails);
		if ((rc = audit_write(db, NULL, name, actor->unit_id, actor->unit_path,
		                      lock ? "login.lockout" : "login.fail", "account", actor->account_id,
		                      lock ? "locked" : detail, ip, err)) < 0)
			goto fail;
		if ((rc = db_commit(db, err)) < 0)
			goto fail;
		if (lock) {
			log_warn("account %s locked for %d minutes after %lld failed logins", name,
			         g_config.lockout_minutes, (long long)fails);
			return err_set(err, ERR_LOCKED, "err.login.locked", "%d", g_config.lockout_minutes);
		}
		return err_set(err, ERR_AUTH, "err.login.bad", NULL);
	}
	if (disabled) {
		if ((rc = audit_write(db, NULL, name, actor->unit_id, actor->unit_path, "login.disabled",
		                      "account", actor->account_id, NULL, ip, err)) < 0 ||
		    (rc = db_commit(db, err)) < 0)
			goto fail;
		return err_set(err, ERR_FORBIDDEN, "err.login.disabled", NULL);
	}
	if ((rc = db_exec(
	         db, err,
	         "UPDATE accounts SET failed_logins = 0, locked_until = 0, last_login = ? WHERE id = ?", "ii",
	         now, actor->account_id)) < 0)
		goto fail;
	if (rehash && (rc = db_exec(db, err, "UPDATE accounts SET password_hash = ? WHERE id = ?", "si",
	                            newhash, actor->account_id)) < 0)
		goto fail;
	if ((rc = session_open(db, actor, ip, s, err)) < 0 ||
	    (rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "login.ok", "account",
	                      actor->account_id, NULL, ip, err)) < 0 ||
	    (rc = db_commit(db, err)) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

/* --- the session cache -------------------------------------------------------------------
 *
 * Every request of a logged-in user needs its session and account; reading them from the
 * database each time costs more than rendering the page. So sessions found are kept in memory
 * for a few seconds, in a fixed table indexed by the token's hash. Any change that can end a
 * session or change who an actor is (logout, disable, reset, password or language change)
 * calls auth_invalidate(), which empties the whole cache by moving the generation on: in this
 * process such a change takes effect at once. Another process serving the same database (several
 * servers on one PostgreSQL) sees it within SCACHE_TTL seconds. */
#define SCACHE_SLOTS 4096
#define SCACHE_LOCKS 64
#define SCACHE_TTL   5

typedef struct scache_entry {
	char hash[65];
	uint64_t gen;
	int64_t cached_at;
	actor_t actor;
	session_t s;
} scache_entry_t;

static scache_entry_t scache[SCACHE_SLOTS];
static pthread_mutex_t scache_lock[SCACHE_LOCKS];
static pthread_once_t scache_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t scache_gen = 1;

static void scache_init(void)
{
	for (int i = 0; i < SCACHE_LOCKS; i++)
		pthread_mutex_init(&scache_lock[i], NULL);
}

static unsigned scache_slot(const char *hash)
{
	unsigned v = 0;
	for (int i = 0; i < 6; i++)
		v = v * 16 + (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
	return v % SCACHE_SLOTS;
}

void auth_invalidate(void)
{
	atomic_fetch_add(&scache_gen, 1);
}

static int scache_get(const char *hash, actor_t *actor, session_t *s, int64_t now)
{
	unsigned slot = scache_slot(hash);
	int hit = 0;
	pthread_once(&scache_once, scache_init);
	pthread_mutex_lock(&scache_lock[slot % SCACHE_LOCKS]);
	scache_entry_t *e = &scache[slot];
	if (e->gen == atomic_load(&scache_gen) && now - e->cached_at < SCACHE_TTL &&
	    strcmp(e->hash, hash) == 0) {
		*actor = e->actor;
		*s = e->s;
		hit = 1;
	}
	pthread_mutex_unlock(&scache_lock[slot % SCACHE_LOCKS]);
	return hit;
}

/* Store (actor, s) for hash; gen is the generation read before the database was, so an entry
 * loaded while a change was committing is born stale. */
static void scache_put(const char *hash, const actor_t *actor, const session_t *s, uint64_t gen, int64_t now)
{
	unsigned slot = scache_slot(hash);
	pthread_once(&scache_once, scache_init);
	pthread_mutex_lock(&scache_lock[slot % SCACHE_LOCKS]);
	scache_entry_t *e = &scache[slot];
	memcpy(e->hash, hash, sizeof e->hash);
	e->gen = gen;
	e->cached_at = now;
	e->actor = *actor;
	e->s = *s;
	pthread_mutex_unlock(&scache_lock[slot % SCACHE_LOCKS]);
}

static void scache_touch(const char *hash, int64_t last_seen)
{
	unsigned slot = scache_slot(hash);
	pthread_mutex_lock(&scache_lock[slot % SCACHE_LOCKS]);
	if (strcmp(scache[slot].hash, hash) == 0)
		scache[slot].s.last_seen = last_seen;
	pthread_mutex_unlock(&scache_lock[slot % SCACHE_LOCKS]);
}

/* Expiry and the once-a-minute refresh of last_seen, for a session however it was found. */
static int session_check(db_t *db, const char *hash, session_t *s, int64_t now, err_t *err)
{
	if (now - s->last_seen > g_config.session_idle || now - s->created_at > g_config.session_max) {
		(void)db_exec(db, err, "DELETE FROM sessions WHERE id = ?", "i", s->id);
		auth_invalidate();
		return err_set(err, ERR_AUTH, "err.session.expired", NULL);
	}
	if (now - s->last_seen >= 60) {
		/* A failed refresh only shortens the session; it does not fail the request. */
		err_t e2;
		if (db_exec(db, &e2, "UPDATE sessions SET last_seen = ? WHERE id = ?", "ii", now, s->id) < 0)
			log_warn("session refresh: %s", e2.detail);
		s->last_seen = now;
		scache_touch(hash, now);
	}
	return 0;
}

int auth_session(db_t *db, const char *token, actor_t *actor, session_t *s, err_t *err)
{
	if (!token || strlen(token) != AUTH_TOKEN_LEN - 1)
		return err_set(err, ERR_AUTH, "err.session", NULL);
	char hash[65];
	token_hash(token, hash);
	int64_t now = clock_now();
	if (scache_get(hash, actor, s, now))
		return session_check(db, hash, s, now, err);
	uint64_t gen = atomic_load(&scache_gen);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT s.id, s.csrf, s.created_at, s.last_seen, " ACCOUNT_DISABLED ", " ACTOR_COLS " "
	             "FROM sessions s JOIN accounts a ON a.id = s.account_id "
	             "JOIN units u ON u.id = a.unit_id WHERE s.token_hash = ?",
	             "s", hash);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc != DB_ROW) {
		db_done(st);
		return rc < 0 ? rc : err_set(err, ERR_AUTH, "err.session", NULL);
	}
	memset(s, 0, sizeof *s);
	s->id = db_col_int(st, 0);
	copy(s->csrf, sizeof s->csrf, db_col_text(st, 1));
	s->created_at = db_col_int(st, 2);
	s->last_seen = db_col_int(st, 3);
	int disabled = (int)db_col_int(st, 4);
	read_actor(st, 5, actor);
	db_done(st);

	if (disabled) {
		(void)db_exec(db, err, "DELETE FROM sessions WHERE id = ?", "i", s->id);
		return err_set(err, ERR_AUTH, "err.session", NULL);
	}
	rc = session_check(db, hash, s, now, err);
	if (rc == 0)
		scache_put(hash, actor, s, gen, now);
	return rc;
}

int auth_logout(db_t *db, const actor_t *actor, int64_t session_id, const char *ip, err_t *err)
{
	int rc;
	if ((rc = db_begin(db, err)) < 0)
		return rc;
	if ((rc = db_exec(db, err, "DELETE FROM sessions WHERE id = ? AND account_id = ?", "ii", session_id,
	                  actor->account_id)) < 0 ||
	    (rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "logout", "account",
	                      actor->account_id, NULL, ip, err)) < 0 ||
	    (rc = db_commit(db, err)) < 0) {
		db_rollback(db);
		return rc;
	}
	auth_invalidate();
	return 0;
}

bool auth_csrf_ok(const session_t *s, const char *sent)
{
	size_t n = strlen(s->csrf);
	return sent && n > 0 && strlen(sent) == n && sodium_memcmp(s->csrf, sent, n) == 0;
}

int auth_sweep(db_t *db, err_t *err)
{
	int64_t now = clock_now();
	int n = db_exec(db, err, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", "ii",
	                now - g_config.session_idle, now - g_config.session_max);
	if (n > 0)
		auth_invalidate();
	return n;
}
