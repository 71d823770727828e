/* cmd_export.c: `thuvien export register KIND ...`: a school's register written to a file as
 * PDF or XLSX from the shell (the same writer as the web's downloads), acting as the school's
 * librarian. For printing a whole year at once, a cron job, or the bench (bench/registers.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "cli/cli.h"
#include "registers/registers.h"

static const char usage[] =
    "usage: thuvien export register KIND --school CODE --format pdf|xlsx --out FILE\n"
    "                               [--year 2025-2026|all] [--from yyyy-mm-dd] [--to yyyy-mm-dd]\n"
    "                               [--register STK] [--doc-type CODE] [--group teacher|student]\n"
    "                               [--class 7A1]\n"
    "\n"
    "Write a register of school CODE to FILE (`-` for standard output). KIND is one of\n"
    "  tongquat   the general register (intake, withdrawals, stocktake balances)\n"
    "  dkcb       the accession register of one series (--register, default STK)\n"
    "  sgk        the textbook register\n"
    "  baochi     the periodicals register\n"
    "  muon       the loan register (--group, --class)\n"
    "  doctaicho  the in-library reading statistics\n"
    "The period is the school year (default the current one; `all` for the whole register),\n"
    "narrowed by --from and --to. Words in Vietnamese, or English with THUVIEN_LANG=en.\n";

int cmd_export_register(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	registers_kind_t kind;
	const char *school = cli_opt(argc, argv, "--school"), *path = cli_opt(argc, argv, "--out");
	const char *fmt = cli_opt(argc, argv, "--format");
	if (argc < 3 || registers_kind_parse(argv[2], &kind) < 0 || !school || !path || !fmt ||
	    (strcmp(fmt, "pdf") != 0 && strcmp(fmt, "xlsx") != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	db_t *db = cli_open_db();
	if (!db)
		return 1;
	arena_t *a = arena_new(1 << 16);
	actor_t actor;
	int rc = cli_school_actor(db, school, a, &actor);
	if (rc != 0) {
		arena_free(a);
		db_close(db);
		return 1;
	}
	registers_filter_t f = {
		.school = school,
		.school_year = cli_opt(argc, argv, "--year"),
		.from = cli_opt(argc, argv, "--from"),
		.to = cli_opt(argc, argv, "--to"),
		.reg = cli_opt(argc, argv, "--register"),
		.doc_type = cli_opt(argc, argv, "--doc-type"),
		.group = cli_opt(argc, argv, "--group"),
		.class_name = cli_opt(argc, argv, "--class"),
		.lang = i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi"),
	};
	registers_format_t format = !strcmp(fmt, "pdf") ? REG_PDF : REG_XLSX;
	buf_t out = BUF_INIT;
	registers_page_t p;
	err_t err;
	int64_t t0 = clock_usec();
	if (registers_read(db, &actor, kind, &f, format, a, &p, &out, &err) < 0) {
		rc = cli_error(&err);
		goto done;
	}
	FILE *fp = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!fp || fwrite(out.data, 1, out.len, fp) != out.len || (fp != stdout && fclose(fp) != 0)) {
		perror(path);
		rc = 1;
		goto done;
	}
	fprintf(stderr, "wrote %s of %s (%s) to %s: %zu bytes in %lld ms\n", registers_kind_name(kind),
	        school, p.scope.school_year, path, out.len, (long long)((clock_usec() - t0) / 1000));
	rc = 0;
done:
	buf_release(&out);
	arena_free(a);
	db_close(db);
	return rc;
}
