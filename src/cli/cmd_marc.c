/* cmd_marc.c: `thuvien import marc` and `thuvien export marc`: MARC21 files in and out of a
 * school's catalogue from the shell (src/marc). The shell acts as the school's librarian: the
 * school's first active librarian account when there is one (so the audit trail and created_by
 * name a real account), else the transient account 0 "cli". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/i18n.h"
#include "cli/cli.h"
#include "marc/marc.h"
#include "units/units.h"

static const char import_usage[] =
    "usage: thuvien import marc --school CODE [--copies N] [--type DOCTYPE] [--source SOURCE]\n"
    "                           [--dry-run] FILE\n"
    "\n"
    "Import a file of MARC21 records (ISO 2709 or MARCXML, told apart by content; MARC-8 or UTF-8)\n"
    "into the catalogue of school CODE as one intake batch, all or nothing. Each record gets one\n"
    "copy per 852/952 holdings field, else N copies (default 1). Records that duplicate one of the\n"
    "school (same ISBN, or same title, authors and year) are skipped; broken records are reported\n"
    "with their number and byte offset (or line) and skipped.\n"
    "\n"
    "  --type DOCTYPE   document type of the records (default STK)\n"
    "  --source SOURCE  purchase, gift, allocation or other (default other)\n"
    "  --dry-run        read, check and count, write nothing\n";

static const char export_usage[] =
    "usage: thuvien export marc --school CODE [--format iso2709|marcxml] --out FILE\n"
    "\n"
    "Write every record of school CODE's catalogue as MARC21 (UTF-8), ISO 2709 (default) or\n"
    "MARCXML, to FILE (`-` for standard output).\n";

static const char *const marc_flags[] = { "--dry-run", NULL };

static const char *lang(void)
{
	return i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
}

/* The school's librarian, as an actor (cli.h). */
int cli_school_actor(db_t *db, const char *code, arena_t *a, actor_t *out)
{
	unit_t u;
	err_t err;
	if (units_get_by_code(db, code, a, &u, &err) < 0)
		return cli_error(&err);
	memset(out, 0, sizeof *out);
	out->unit_id = u.id;
	out->role = ROLE_LIBRARIAN;
	snprintf(out->username, sizeof out->username, "cli");
	snprintf(out->unit_code, sizeof out->unit_code, "%s", u.code);
	snprintf(out->unit_kind, sizeof out->unit_kind, "%s", u.kind);
	snprintf(out->unit_path, sizeof out->unit_path, "%s", u.path);
	snprintf(out->lang, sizeof out->lang, "%s", lang());
	db_stmt_t *st = db_query(db, &err,
	                         "SELECT id, username FROM accounts WHERE unit_id = ? AND role = 'librarian' "
	                         "AND disabled = 0 ORDER BY id LIMIT 1",
	                         "i", u.id);
	if (!st)
		return cli_error(&err);
	int rc = db_step(st, &err);
	if (rc == DB_ROW) {
		out->account_id = db_col_int(st, 0);
		snprintf(out->username, sizeof out->username, "%s", db_col_text(st, 1));
	}
	db_done(st);
	return rc < 0 ? cli_error(&err) : 0;
}

static void print_problems(const marc_batch_t *b)
{
	for (size_t i = 0; i < b->nproblems; i++) {
		const marc_problem_t *p = &b->problems[i];
		if (p->offset >= 0)
			printf("  rejected: record %lld at byte %lld: %s", (long long)p->recno,
			       (long long)p->offset, i18n_get(lang(), p->key));
		else
			printf("  rejected: record %lld at line %lld: %s", (long long)p->recno,
			       (long long)p->line, i18n_get(lang(), p->key));
		printf(p->detail && *p->detail ? " (%s)\n" : "\n", p->detail);
	}
}

static int import_marc(db_t *db, arena_t *a, int argc, char **argv)
{
	const char *school = cli_opt(argc, argv, "--school"), *file = cli_positional(argc, argv, marc_flags);
	const char *copies = cli_opt(argc, argv, "--copies");
	if (!school || !file) {
		fputs(import_usage, stderr);
		return 2;
	}
	marc_import_opts_t o = { .doc_type = cli_opt(argc, argv, "--type"),
		                 .source = cli_opt(argc, argv, "--source") };
	if (copies && cli_copies(copies, &o.copies) != 0)
		return 2;
	actor_t actor;
	if (cli_school_actor(db, school, a, &actor) != 0)
		return 1;
	marc_batch_t b;
	marc_import_result_t res = { 0 };
	err_t err;
	if (marc_read_file(file, a, &b, &err) < 0)
		return cli_error(&err);
	/* A dry run previews; a real run lets the commit find the duplicates (once, not twice). */
	int dry = cli_flag(argc, argv, "--dry-run");
	if (dry && marc_preview(db, &actor, &b, &err) < 0)
		return cli_error(&err);
	if (!dry && marc_commit(db, &actor, &b, &o, &res, &err) < 0) {
		print_problems(&b);
		if (res.failed_pos)
			fprintf(stderr, "thuvien: record %lld:\n", (long long)res.failed_pos);
		cli_error(&err);
		fprintf(stderr, "thuvien: nothing was imported\n");
		return 1;
	}
	printf("%s: %s, %lld record(s) read, %zu valid, %lld duplicate(s), %zu rejected\n", file, b.format,
	       (long long)b.nread, b.nrecs, (long long)b.nduplicates, b.nproblems);
	print_problems(&b);
	for (size_t i = 0; i < b.nnotices; i++)
		printf("  note: record %lld: %s (%s)\n", (long long)b.notices[i].pos,
		       i18n_get(lang(), b.notices[i].key), b.notices[i].detail);
	if (dry) {
		printf("dry run: nothing written\n");
		return 0;
	}
	printf("imported %lld record(s) with %lld copies in batch %lld; %lld duplicate(s) skipped, %zu "
	       "rejected\n",
	       (long long)res.imported, (long long)res.copies, (long long)res.acquisition_id,
	       (long long)res.duplicates, b.nproblems);
	return 0;
}

static int export_marc(db_t *db, arena_t *a, int argc, char **argv)
{
	const char *school = cli_opt(argc, argv, "--school"), *path = cli_opt(argc, argv, "--out");
	const char *fmt_s = cli_opt(argc, argv, "--format");
	marc_format_t fmt = fmt_s ? marc_format_parse(fmt_s) : MARC_ISO2709;
	if (!school || !path || !fmt) {
		fputs(export_usage, stderr);
		return 2;
	}
	actor_t actor;
	if (cli_school_actor(db, school, a, &actor) != 0)
		return 1;
	FILE *out = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!out) {
		perror(path);
		return 1;
	}
	err_t err;
	int64_t n = 0;
	int rc = marc_export(db, &actor, fmt, out, &n, &err);
	if (out != stdout && fclose(out) != 0 && rc == 0) {
		perror(path);
		return 1;
	}
	if (rc < 0)
		return cli_error(&err);
	fprintf(stderr, "exported %lld record(s) of %s to %s\n", (long long)n, school, path);
	return 0;
}

static int run(int is_import, int argc, char **argv)
{
	if (is_import && argc >= 2 && !strcmp(argv[1], "patrons"))
		return cmd_import_patrons(argc, argv);
	if (is_import && argc >= 2 && !strcmp(argv[1], "books"))
		return cmd_import_books(argc, argv);
	if (is_import && argc >= 2 && !strcmp(argv[1], "units"))
		return cmd_import_units(argc, argv);
	if (is_import && argc >= 2 && !strcmp(argv[1], "enrolment"))
		return cmd_import_enrolment(argc, argv);
	if (!is_import && argc >= 2 && !strcmp(argv[1], "register"))
		return cmd_export_register(argc, argv);
	const char *usage = is_import ? import_usage : export_usage;
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "marc") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(1 << 16);
	int rc = is_import ? import_marc(db, a, argc, argv) : export_marc(db, a, argc, argv);
	arena_free(a);
	db_close(db);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	return run(1, argc, argv);
}

int cmd_export(int argc, char **argv)
{
	return run(0, argc, argv);
}
