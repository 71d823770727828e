/* cmd_exchange.c: data exchange with the education sector database from the shell:
 * `thuvien import units`, `thuvien import enrolment` (src/exchange/) and `thuvien token`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "cli/cli.h"
#include "exchange/exchange.h"

static const char units_usage[] =
    "usage: thuvien import units [--as USERNAME] [--dry-run] FILE\n"
    "\n"
    "Import the units of the education sector database's export (CSV, XLSX or JSON; docs/IMPORT.md):\n"
    "code, name, kind, school level, parent code, ownership, active. Units are matched by code: new\n"
    "ones are created, changed ones updated (a moved unit takes its subtree along), the same ones left\n"
    "alone, so a second import of one file changes nothing. All or nothing: any row with an error\n"
    "(printed with its line) and nothing is written, exit 1.\n"
    "\n"
    "  --as USERNAME   act as this account (a unit admin imports within its subtree); default: the system\n"
    "  --dry-run       read and check, write nothing\n";

static const char enrol_usage[] =
    "usage: thuvien import enrolment [--as USERNAME] [--dry-run] FILE\n"
    "\n"
    "Import pupils, teachers and classes per school and school year (CSV, XLSX or JSON; docs/IMPORT.md):\n"
    "school code, school year (2025-2026, \"2025 - 2026\" or 2025), pupils, teachers, classes (optional).\n"
    "Upserted by school and year; all or nothing; rows with errors printed, exit 1.\n"
    "\n"
    "  --as USERNAME   act as this account; default: the system\n"
    "  --dry-run       read and check, write nothing\n";

static const char token_usage[] =
    "usage: thuvien token add --unit CODE --name NAME\n"
    "       thuvien token list\n"
    "       thuvien token revoke ID\n"
    "\n"
    "API tokens for other systems: a token reads the unit CODE and its subtree through the read-only\n"
    "JSON API under /api/v1/ (docs/API.md). `add` prints the token once: only its hash is kept.\n";

static const char *const flags[] = { "--dry-run", NULL };

static const char *lang(void)
{
	return i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
}

/* The account USERNAME as an actor. 0, or 1 after printing why. */
static int actor_of(db_t *db, const char *username, actor_t *out)
{
	memset(out, 0, sizeof *out);
	err_t err = { 0 };
	db_stmt_t *st = db_query(
	    db, &err,
	    "SELECT a.id, a.unit_id, a.role, a.username, u.code, u.name, u.kind, u.path "
	    "FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = ? AND a.disabled = 0",
	    "s", username);
	if (!st)
		return cli_error(&err);
	int rc = db_step(st, &err);
	if (rc == DB_ROW) {
		out->account_id = db_col_int(st, 0);
		out->unit_id = db_col_int(st, 1);
		role_t role = ROLE_READER;
		role_parse(db_col_text(st, 2), &role);
		out->role = role;
		snprintf(out->username, sizeof out->username, "%s", db_col_text(st, 3));
		snprintf(out->unit_code, sizeof out->unit_code, "%s", db_col_text(st, 4));
		snprintf(out->unit_name, sizeof out->unit_name, "%s", db_col_text(st, 5));
		snprintf(out->unit_kind, sizeof out->unit_kind, "%s", db_col_text(st, 6));
		snprintf(out->unit_path, sizeof out->unit_path, "%s", db_col_text(st, 7));
		snprintf(out->lang, sizeof out->lang, "vi");
	}
	db_done(st);
	if (rc < 0)
		return cli_error(&err);
	if (rc != DB_ROW) {
		fprintf(stderr, "thuvien: no active account '%s'\n", username);
		return 1;
	}
	return 0;
}

static const char *action_name(xchg_action_t a)
{
	return a == XA_CREATE ? "create" : a == XA_UPDATE ? "update" : a == XA_SAME ? "same" : "error";
}

static int import_kind(xchg_kind_t k, int argc, char **argv, const char *usage)
{
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	const char *file = cli_positional(argc, argv, flags), *as = cli_opt(argc, argv, "--as");
	if (!file) {
		fputs(usage, stderr);
		return 2;
	}
	bool dry = cli_flag(argc, argv, "--dry-run");
	size_t len = 0;
	db_t *db = NULL;
	char *data = cli_file_and_db(file, &len, &db);
	if (!data)
		return 1;
	arena_t *a = arena_new(1 << 20);
	actor_t actor;
	const actor_t *who = NULL;
	int rc = 1;
	err_t err = { 0 };
	xchg_table_t t;
	xchg_result_t res;
	int map[XCHG_MAX_FIELDS];
	bool remembered = false;
	if (as) {
		if (actor_of(db, as, &actor) != 0)
			goto done;
		who = &actor;
	}
	if (xchg_table_read(k, data, len, a, &t, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	xchg_mapping_guess(k, &t, map);
	if (xchg_mapping_load(db, who, k, &t, map, &remembered, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	int r;
	if (k == XK_UNITS)
		r = dry ? xchg_units_check(db, who, &t, map, a, &res, &err)
		        : xchg_units_commit(db, who, &t, map, a, &res, &err);
	else
		r = dry ? xchg_enrolment_check(db, who, &t, map, a, &res, &err)
		        : xchg_enrolment_commit(db, who, &t, map, a, &res, &err);
	bool refused = r < 0 && err.key && !strcmp(err.key, "err.xchg.has_errors");
	if (r < 0 && !refused) {
		cli_error(&err);
		goto done;
	}
	printf("%s: %s, header on line %lld, %zu row(s)%s\n", file, t.format, (long long)t.header_line,
	       t.nrows, remembered ? ", the remembered mapping" : "");
	printf("mapping:");
	for (int f = 0; f < xchg_nfields(k); f++)
		printf(" %s=%s", xchg_field_name(k, f), map[f] >= 0 ? t.headers[map[f]] : "-");
	printf("\n");
	printf("created %lld, updated %lld, unchanged %lld, errors %lld\n", (long long)res.created,
	       (long long)res.updated, (long long)res.unchanged, (long long)res.errors);
	for (size_t i = 0; i < res.nrows; i++) {
		const xchg_row_t *row = &res.rows[i];
		if (row->action == XA_ERROR)
			printf("  line %lld: %s%s%s%s\n", (long long)row->line, i18n_get(lang(), row->key),
			       *row->detail ? " (" : "", row->detail, *row->detail ? ")" : "");
		else if (row->action != XA_SAME)
			printf("  line %lld: %s %s %s%s%s\n", (long long)row->line, action_name(row->action),
			       row->code, row->label ? row->label : "", *row->changes ? ": " : "",
			       row->changes);
	}
	if (refused) {
		printf("nothing written: %s\n", i18n_get(lang(), err.key));
		goto done;
	}
	if (dry)
		printf("dry run: nothing written\n");
	else
		printf(res.written ? "written\n" : "nothing changed\n");
	rc = res.errors ? 1 : 0;
done:
	arena_free(a);
	db_close(db);
	free(data);
	return rc;
}

int cmd_import_units(int argc, char **argv)
{
	return import_kind(XK_UNITS, argc, argv, units_usage);
}

int cmd_import_enrolment(int argc, char **argv)
{
	return import_kind(XK_ENROLMENT, argc, argv, enrol_usage);
}

int cmd_token(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(token_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke")) {
		fputs(token_usage, stderr);
		return 2;
	}
	const char *unit = cli_opt(argc, argv, "--unit"), *name = cli_opt(argc, argv, "--name");
	if (!strcmp(sub, "add") && (!unit || !name)) {
		fputs(token_usage, stderr);
		return 2;
	}
	if (!strcmp(sub, "revoke") && argc < 3) {
		fputs(token_usage, stderr);
		return 2;
	}
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(1 << 16);
	err_t err = { 0 };
	int rc = 1;
	if (!strcmp(sub, "add")) {
		int64_t uid = 0;
		if (db_query_int(db, &uid, &err, "SELECT id FROM units WHERE code = ?", "s", unit) < 0) {
			fprintf(stderr, "thuvien: no unit '%s'\n", unit);
			goto done;
		}
		char token[XCHG_TOKEN_LEN + 1];
		int64_t id;
		if (xchg_token_create(db, NULL, uid, name, token, &id, &err) < 0) {
			cli_error(&err);
			goto done;
		}
		printf("%s\n", token);
		fprintf(stderr, "token %lld for '%s' reads unit %s and its subtree; it is shown only now\n",
		        (long long)id, name, unit);
		rc = 0;
	} else if (!strcmp(sub, "list")) {
		xchg_token_t *v;
		size_t n;
		if (xchg_token_list(db, NULL, a, &v, &n, &err) < 0) {
			cli_error(&err);
			goto done;
		}
		printf("%-6s %-12s %-30s %-12s %-12s %s\n", "id", "unit", "name", "created", "last used",
		       "state");
		for (size_t i = 0; i < n; i++) {
			char c[24], u[24];
			clock_format_vn(v[i].created_at, 0, c, sizeof c);
			if (v[i].last_used_at)
				clock_format_vn(v[i].last_used_at, 0, u, sizeof u);
			else
				snprintf(u, sizeof u, "-");
			printf("%-6lld %-12s %-30s %-12s %-12s %s\n", (long long)v[i].id, v[i].unit_code,
			       v[i].name, c, u, v[i].revoked_at ? "revoked" : "active");
		}
		rc = 0;
	} else {
		char *end;
		long long id = strtoll(argv[2], &end, 10);
		if (*end || id <= 0) {
			fputs(token_usage, stderr);
			rc = 2;
			goto done;
		}
		if (xchg_token_revoke(db, NULL, id, &err) < 0) {
			cli_error(&err);
			goto done;
		}
		printf("token %lld revoked\n", id);
		rc = 0;
	}
done:
	arena_free(a);
	db_close(db);
	return rc;
}
