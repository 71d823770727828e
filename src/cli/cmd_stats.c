/* cmd_stats.c: `thuvien stats rebuild|verify [--school CODE]`: the report counters (src/stats/).
 * rebuild recomputes them from the rows they count (after loading data from before migration
 * 0018, or to repair); verify compares them with a recount and prints the first differences.
 * Exit status: 0 done / equal, 1 verify found differences, 2 usage, connection or schema error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "cli/cli.h"
#include "stats/stats.h"

static const char usage[] =
    "usage: thuvien stats rebuild|verify [--db URL] [--school CODE]\n"
    "\n"
    "The report counters (stat_* tables) are kept by triggers in the transaction of every change.\n"
    "  rebuild   recompute them from the copies, loans, uses and readers they count, in one\n"
    "            transaction (lost copies: the months stay, a difference goes to this month)\n"
    "  verify    compare them with a recount; print the first differing rows. Read-only.\n"
    "\n"
    "  --school CODE   one school only (default: every unit)\n"
    "\n"
    "Exit status: 0 done or equal, 1 verify found differences, 2 usage, connection or schema error.\n";

int cmd_stats(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "", *school = NULL,
	           *lang = i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
	if (!strcmp(what, "-h") || !strcmp(what, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(what, "rebuild") && strcmp(what, "verify")) {
		fprintf(stderr, "thuvien stats: say rebuild or verify\n\n%s", usage);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--school") && i + 1 < argc) {
			school = argv[++i];
		} else {
			fprintf(stderr, "thuvien stats: unexpected '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	err_t err = { 0 };
	int status = 2;
	buf_t rep = { 0 };
	db_t *db = cli_open_db();
	if (!db)
		return 2;
	int64_t unit_id = 0;
	if (school) {
		int rc = db_query_int(db, &unit_id, &err, "SELECT id FROM units WHERE code = ?", "s", school);
		if (rc == ERR_NOTFOUND) {
			fprintf(stderr, "thuvien: %s (%s)\n", i18n_get(lang, "stats.err.school"), school);
			goto done;
		}
		if (rc < 0) {
			cli_error(&err);
			goto done;
		}
	}
	if (!strcmp(what, "rebuild")) {
		if (stats_rebuild(db, unit_id, &err) < 0) {
			cli_error(&err);
			goto done;
		}
		puts(i18n_get(lang, "stats.rebuilt"));
		status = 0;
	} else {
		int n = stats_verify(db, unit_id, &rep, &err);
		if (n < 0) {
			cli_error(&err);
			goto done;
		}
		fputs(buf_str(&rep), stdout);
		if (n)
			printf("%d %s\n", n, i18n_get(lang, "stats.differ"));
		else
			puts(i18n_get(lang, "stats.equal"));
		status = n ? 1 : 0;
	}
done:
	buf_release(&rep);
	db_close(db);
	return status;
}
