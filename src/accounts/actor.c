/* actor.c: roles and the tenant-scope test (actor.h). */
#include <string.h>

#include "accounts/actor.h"
#include "base/arena.h"

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_SYSADMIN] = "sysadmin", [ROLE_UNIT_ADMIN] = "unit_admin", [ROLE_INSPECTOR] = "inspector",
	[ROLE_LEADER] = "leader",     [ROLE_LIBRARIAN] = "librarian",   [ROLE_READER] = "reader",
};

const char *role_name(role_t r)
{
	return (unsigned)r < ROLE__COUNT ? role_names[r] : "?";
}

int role_parse(const char *s, role_t *out)
{
	for (int i = 0; s && i < ROLE__COUNT; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*out = (role_t)i;
			return 0;
		}
	}
	return -1;
}

bool actor_sees_path(const actor_t *a, const char *unit_path)
{
	if (!a || !unit_path)
		return false;
	size_t n = strlen(a->unit_path);
	/* An empty path would see everything: never trust it. */
	return n > 0 && strncmp(a->unit_path, unit_path, n) == 0;
}

bool actor_is_admin(const actor_t *a)
{
	return a && (a->role == ROLE_SYSADMIN || a->role == ROLE_UNIT_ADMIN);
}

char *actor_path_end(arena_t *a, const char *path)
{
	char *end = arena_strdup(a, path);
	size_t n = strlen(end);
	if (n && end[n - 1] == '/')
		end[n - 1] = '0';
	return end;
}
