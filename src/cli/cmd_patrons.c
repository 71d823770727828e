/* cmd_patrons.c: `thuvien import patrons`: a class list (CSV or XLSX) into a school's readers
 * from the shell, as the school's librarian (cli_school_actor), with the web import's rules
 * (src/patrons/import.c): the school's remembered mapping, else the guessed one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/i18n.h"
#include "cli/cli.h"
#include "patrons/patrons.h"

static const char usage[] =
    "usage: thuvien import patrons --school CODE [--skip-errors] [--dry-run] FILE\n"
    "\n"
    "Import a class list (CSV UTF-8 with , ; or tab, or XLSX, as SMAS, VnEdu or CSDL ngành export\n"
    "them; title rows above the header are skipped) into the readers of school CODE, in one\n"
    "transaction. Rows are matched to the school's readers by student code (else national id, card\n"
    "number, or name and birth date): new ones are created, changed ones updated, the same ones\n"
    "left alone, so importing a file twice changes nothing the second time. Prints the counts and\n"
    "every row with an error (its line and reason).\n"
    "\n"
    "  --skip-errors   write the good rows when some rows have errors (default: write nothing and\n"
    "                  exit 1)\n"
    "  --dry-run       read and check, write nothing\n";

static const char *const flags[] = { "--skip-errors", "--dry-run", NULL };

static const char *lang(void)
{
	return i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
}

int cmd_import_patrons(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	const char *school = cli_opt(argc, argv, "--school"), *file = cli_positional(argc, argv, flags);
	if (!school || !file) {
		fputs(usage, stderr);
		return 2;
	}
	bool skip = cli_flag(argc, argv, "--skip-errors"), dry = cli_flag(argc, argv, "--dry-run");
	size_t len = 0;
	db_t *db = NULL;
	char *data = cli_file_and_db(file, &len, &db);
	if (!data)
		return 1;
	arena_t *a = arena_new(1 << 20);
	actor_t actor;
	int rc = 1;
	err_t err = { 0 };
	patrons_sheet_t s;
	int map[PF__COUNT];
	bool remembered = false;
	patrons_import_t res;
	if (cli_school_actor(db, school, a, &actor) != 0)
		goto done;
	if (patrons_sheet_read(data, len, a, &s, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	patrons_mapping_guess(&s, map);
	if (patrons_mapping_load(db, &actor, &s, map, &remembered, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	int r = dry ? patrons_import_check(db, &actor, &s, map, a, &res, &err)
	            : patrons_import_commit(db, &actor, &s, map, skip, a, &res, &err);
	bool refused = r < 0 && err.key && !strcmp(err.key, "err.pimport.has_errors");
	if (r < 0 && !refused) {
		cli_error(&err);
		goto done;
	}
	printf("%s: %s, header on line %lld, %zu row(s)%s\n", file, s.format, (long long)s.header_line,
	       s.nrows, remembered ? ", the school's remembered mapping" : "");
	printf("created %lld, updated %lld, unchanged %lld, errors %lld\n", (long long)res.created,
	       (long long)res.updated, (long long)res.unchanged, (long long)res.errors);
	for (size_t i = 0; i < res.nrows; i++)
		if (res.rows[i].action == PI_ERROR)
			printf("  line %lld: %s%s%s%s\n", (long long)res.rows[i].line,
			       i18n_get(lang(), res.rows[i].key), *res.rows[i].detail ? " (" : "",
			       res.rows[i].detail, *res.rows[i].detail ? ")" : "");
	if (refused) {
		printf("nothing written: %s\n", i18n_get(lang(), err.key));
		goto done;
	}
	if (dry)
		printf("dry run: nothing written\n");
	else if (!res.written)
		printf("nothing changed\n");
	else if (res.errors)
		printf("written; %lld row(s) with errors skipped\n", (long long)res.errors);
	else
		printf("written\n");
	rc = dry && res.errors && !skip ? 1 : 0;
done:
	arena_free(a);
	db_close(db);
	free(data);
	return rc;
}
