/* cmd_user.c: `thuvien user` and `thuvien unit`: account and unit administration from the
 * shell, for the city's IT centre (the first sysadmin of a new deployment is made here).
 * Passwords are read from $THUVIEN_PASSWORD or standard input, never from the command line
 * (where `ps` would show them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "base/arena.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "units/units.h"

static const char user_usage[] =
    "usage: thuvien user add --unit CODE --role ROLE [--name \"FULL NAME\"] USERNAME\n"
    "       thuvien user passwd [--temporary] USERNAME\n"
    "       thuvien user unlock|disable|enable USERNAME\n"
    "       thuvien user list [--unit CODE]\n"
    "       thuvien unit add --code CODE --name NAME --kind KIND [--parent CODE] [--level LEVEL]\n"
    "\n"
    "Account administration from the shell. ROLE: sysadmin, unit_admin, inspector, leader,\n"
    "librarian, reader. KIND: department, office, cluster, school; LEVEL (schools): mn, th, thcs,\n"
    "thpt, lc. Passwords come from $THUVIEN_PASSWORD or are asked for on the terminal (standard\n"
    "input when it is not a terminal). `add` and `passwd --temporary` make the user change the\n"
    "password at the next login.\n";

static int read_password(char *out, size_t n)
{
	const char *env = getenv("THUVIEN_PASSWORD");
	if (env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	int tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	char *got = fgets(out, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	if (!got)
		return -1;
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

static const char *const user_flags[] = { "--temporary", NULL };

static int user_add(db_t *db, arena_t *a, int argc, char **argv)
{
	const char *unit = cli_opt(argc, argv, "--unit"), *role = cli_opt(argc, argv, "--role");
	const char *name = cli_opt(argc, argv, "--name"), *username = cli_positional(argc, argv, user_flags);
	if (!unit || !role || !username) {
		fputs(user_usage, stderr);
		return 2;
	}
	unit_t u;
	err_t err;
	char pw[512];
	if (units_get_by_code(db, unit, a, &u, &err) < 0)
		return cli_error(&err);
	if (read_password(pw, sizeof pw) < 0) {
		fprintf(stderr, "thuvien: no password given\n");
		return 1;
	}
	account_new_t in = { .unit_id = u.id,
		             .username = username,
		             .full_name = name ? name : "",
		             .role = role,
		             .password = pw,
		             .must_change = 1 };
	int64_t id;
	if (accounts_create(db, NULL, &in, NULL, &id, &err) < 0)
		return cli_error(&err);
	printf("account %s (%s) created at %s, id %lld; the password must be changed at first login\n",
	       username, role, u.code, (long long)id);
	return 0;
}

static int user_list(db_t *db, arena_t *a, int argc, char **argv)
{
	const char *unit = cli_opt(argc, argv, "--unit");
	err_t err;
	db_stmt_t *st = db_query(db, &err,
	                         "SELECT a.username, a.role, u.code, a.disabled, a.locked_until, a.full_name "
	                         "FROM accounts a JOIN units u ON u.id = a.unit_id "
	                         "WHERE CAST(? AS TEXT) IS NULL OR u.code = ? ORDER BY u.code, a.username",
	                         "ss", unit, unit);
	if (!st)
		return cli_error(&err);
	int rc;
	int64_t now = clock_now();
	while ((rc = db_step(st, &err)) == DB_ROW) {
		int64_t locked = db_col_int(st, 4);
		printf("%-24s %-11s %-10s %-9s %s\n", db_col_text(st, 0), db_col_text(st, 1),
		       db_col_text(st, 2),
		       db_col_int(st, 3) ? "disabled"
		       : locked > now    ? "locked"
		                         : "active",
		       db_col_text(st, 5));
	}
	db_done(st);
	(void)a;
	return rc < 0 ? cli_error(&err) : 0;
}

static int user_change(db_t *db, arena_t *a, const char *verb, int argc, char **argv)
{
	const char *username = cli_positional(argc, argv, user_flags);
	if (!username) {
		fputs(user_usage, stderr);
		return 2;
	}
	account_t acc;
	err_t err;
	if (accounts_get_by_username(db, username, a, &acc, &err) < 0)
		return cli_error(&err);
	int rc = 0;
	if (!strcmp(verb, "passwd")) {
		char pw[512];
		if (read_password(pw, sizeof pw) < 0) {
			fprintf(stderr, "thuvien: no password given\n");
			return 1;
		}
		rc = accounts_set_password_system(db, acc.id, pw, cli_flag(argc, argv, "--temporary"), &err);
	} else {
		/* The shell acts as the system: a transient sysadmin actor at the root. */
		actor_t sys = { .account_id = 0, .role = ROLE_SYSADMIN };
		snprintf(sys.username, sizeof sys.username, "cli");
		snprintf(sys.unit_path, sizeof sys.unit_path, "/");
		if (!strcmp(verb, "unlock"))
			rc = accounts_unlock(db, &sys, acc.id, NULL, &err);
		else
			rc = accounts_set_disabled(db, &sys, acc.id, !strcmp(verb, "disable"), NULL, &err);
	}
	if (rc < 0)
		return cli_error(&err);
	printf("%s: %s done\n", username, verb);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(user_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *verb = argv[1];
	int is_unit = !strcmp(argv[0], "unit");
	static const char *const verbs[] = { "add", "passwd", "unlock", "disable", "enable", "list", NULL };
	int known = 0;
	for (int i = 0; verbs[i]; i++)
		known |= !strcmp(verb, verbs[i]);
	if (!known || (is_unit && strcmp(verb, "add") != 0)) {
		fprintf(stderr, "thuvien %s: unknown action '%s'\n\n%s", argv[0], verb, user_usage);
		return 2;
	}
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(4096);
	int rc;
	if (is_unit) {
		const char *parent = cli_opt(argc, argv, "--parent");
		unit_new_t in = { .code = cli_opt(argc, argv, "--code"),
			          .name = cli_opt(argc, argv, "--name"),
			          .kind = cli_opt(argc, argv, "--kind"),
			          .school_level = cli_opt(argc, argv, "--level") };
		unit_t p;
		err_t err;
		int64_t id;
		rc = 0;
		if (parent && units_get_by_code(db, parent, a, &p, &err) < 0)
			rc = cli_error(&err);
		else if (parent)
			in.parent_id = p.id;
		if (!rc && units_create(db, NULL, &in, &id, &err) < 0)
			rc = cli_error(&err);
		else if (!rc)
			printf("unit %s created, id %lld\n", in.code, (long long)id);
	} else if (!strcmp(verb, "add")) {
		rc = user_add(db, a, argc, argv);
	} else if (!strcmp(verb, "list")) {
		rc = user_list(db, a, argc, argv);
	} else {
		rc = user_change(db, a, verb, argc, argv);
	}
	arena_free(a);
	db_close(db);
	return rc;
}
