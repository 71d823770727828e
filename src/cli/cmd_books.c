/* cmd_books.c: `thuvien import books`: a school's book list (CSV or XLSX, the columns of
 * src/catalog/booklist.h) into its catalogue from the shell, as the catalogue's import page does:
 * one intake batch, all or nothing, duplicates of the school's records skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/i18n.h"
#include "catalog/booklist.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: thuvien import books --school CODE [--copies N] [--type DOCTYPE] [--source SOURCE]\n"
    "                            [--dry-run] FILE\n"
    "\n"
    "Import a book list (CSV or XLSX: title, author, publisher, year, ISBN, price, copies, under\n"
    "English or Vietnamese headers) into the catalogue of school CODE as one intake batch, all or\n"
    "nothing. Rows that duplicate a record of the school are skipped; unreadable rows are reported\n"
    "with their line and skipped.\n"
    "\n"
    "  --copies N       copies of a row without its own count (default 1)\n"
    "  --type DOCTYPE   document type of the records (default STK)\n"
    "  --source SOURCE  purchase, gift, allocation or other (default other)\n"
    "  --dry-run        read, check and count, write nothing\n";

static const char *const flags[] = { "--dry-run", NULL };

static int import_books(db_t *db, arena_t *a, const char *school, const char *file, booklist_opts_t o,
                        int argc, char **argv)
{
	actor_t actor;
	if (cli_school_actor(db, school, a, &actor) != 0)
		return 1;
	size_t len = 0;
	err_t err;
	char *raw = cli_slurp(file, &len);
	if (!raw) {
		perror(file);
		return 1;
	}
	char *data = arena_alloc(a, len + 1);
	memcpy(data, raw, len);
	data[len] = 0;
	free(raw);
	booklist_t l;
	if (booklist_read_buf(data, len, a, &l, &err) < 0)
		return cli_error(&err);
	const char *lang = i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
	for (size_t i = 0; i < l.nproblems; i++)
		printf("  rejected: line %lld: %s%s%s\n", (long long)l.problems[i].line,
		       i18n_get(lang, l.problems[i].key), *l.problems[i].detail ? ": " : "", l.problems[i].detail);
	if (cli_flag(argc, argv, "--dry-run")) {
		if (booklist_preview(db, &actor, &l, &err) < 0)
			return cli_error(&err);
		printf("%s: %lld row(s) read, %zu valid, %lld duplicate(s), %zu rejected\ndry run: nothing written\n",
		       file, (long long)l.nread, l.nrows, (long long)l.nduplicates, l.nproblems);
		return 0;
	}
	booklist_result_t res = { 0 };
	if (booklist_commit(db, &actor, &l, &o, &res, &err) < 0) {
		if (res.failed_pos)
			fprintf(stderr, "thuvien: line %lld:\n", (long long)res.failed_pos);
		cli_error(&err);
		fprintf(stderr, "thuvien: nothing was imported\n");
		return 1;
	}
	printf("imported %lld record(s) with %lld copies in batch %lld; %lld duplicate(s) skipped, %zu "
	       "rejected\n",
	       (long long)res.imported, (long long)res.copies, (long long)res.acquisition_id,
	       (long long)res.duplicates, l.nproblems);
	return 0;
}

int cmd_import_books(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	const char *school = cli_opt(argc, argv, "--school"), *file = cli_positional(argc, argv, flags);
	const char *copies = cli_opt(argc, argv, "--copies");
	if (!school || !file) {
		fputs(usage, stderr);
		return 2;
	}
	booklist_opts_t o = { .doc_type = cli_opt(argc, argv, "--type"), .source = cli_opt(argc, argv, "--source") };
	if (copies && cli_copies(copies, &o.copies) != 0)
		return 2;
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(1 << 16);
	int rc = import_books(db, a, school, file, o, argc, argv);
	arena_free(a);
	db_close(db);
	return rc;
}
