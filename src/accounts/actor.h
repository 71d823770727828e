/* actor.h: who is acting, and the tenant scope every domain call checks.
 *
 * Every domain function that reads or writes tenant data takes the acting account. What it may
 * read is its unit's subtree; what it may write depends on its role. The checks live here and
 * in the domain modules, once, never in web handlers.
 *
 * A unit's subtree is expressed by its materialised path ("/1/4/9/"): unit X is inside the
 * subtree of unit U exactly when U's path is a prefix of X's path.
 */
#ifndef THUVIEN_ACCOUNTS_ACTOR_H
#define THUVIEN_ACCOUNTS_ACTOR_H

#include <stdbool.h>
#include <stdint.h>

/* Roles, widest first. */
typedef enum role {
	ROLE_SYSADMIN = 0, /* the city's IT centre: everything */
	ROLE_UNIT_ADMIN,   /* manages accounts of its unit and the units below */
	ROLE_INSPECTOR,    /* reads the units below, runs evaluations (chuyên viên) */
	ROLE_LEADER,       /* school leadership (ban giám hiệu): reads its school */
	ROLE_LIBRARIAN,    /* cán bộ thư viện: writes its school's library data */
	ROLE_READER,       /* bạn đọc: student or teacher */
	ROLE__COUNT
} role_t;

const char *role_name(role_t r);            /* "sysadmin", ...; the stored spelling */
int role_parse(const char *s, role_t *out); /* 0, or -1 for an unknown role */

typedef struct actor {
	int64_t account_id;
	int64_t unit_id;
	role_t role;
	bool must_change_password;
	char username[72];
	char full_name[160];
	char unit_code[40];
	char unit_name[200];
	char unit_kind[16];
	char unit_path[256];
	char lang[4];      /* "vi" or "en" */
	char ip[48];       /* the client's address, for audit rows; "" from the shell */
	int64_t patron_id; /* a reader account's reader (accounts.patron_id), 0 for none */
} actor_t;

/* True when unit_path lies in the actor's subtree (its own unit included). */
bool actor_sees_path(const actor_t *a, const char *unit_path);

/* The exclusive upper bound of the subtree of path, for `path >= ? AND path < ?`: the path
 * with its final '/' turned into '0' ("/1/4/" -> "/1/40"), since '0' follows '/' in ASCII and every
 * path in the subtree starts with "/1/4/". Paths compare byte by byte (BINARY in SQLite, COLLATE
 * "C" in PostgreSQL, set by the migrations), so the test uses the index. Result in the arena. */
struct arena;
char *actor_path_end(struct arena *a, const char *path);

/* True when the actor may administer accounts (sysadmin or unit admin). */
bool actor_is_admin(const actor_t *a);

#endif
