/* cmd_check.c: `thuvien check`: verify what the registers rest on (src/check/check.h) over the
 * whole database or one school, print one line per violated rule and school, then a summary.
 * Exit status 0 when every rule holds, 1 when one is broken, 2 for a usage, connection or schema
 * error. It only reads: the database is not migrated (a checker must not change what it checks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/i18n.h"
#include "check/check.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: thuvien check [--db URL] [--school CODE] [--lang vi|en] [--full] [--timing]\n"
    "\n"
    "Verify the rules the registers rest on: accession numbers and barcodes unique per school and\n"
    "register and never above their counter ('#TQ' for intake lines, '#XK' for withdrawals);\n"
    "every copy on one intake line of its school, in its record's register; no empty old intake\n"
    "line; every withdrawn copy listed by one approved withdrawal and every approved withdrawal's\n"
    "copy withdrawn; part III lines equal to the previous line + in - out and to the intake and\n"
    "withdrawal lines; stocktake marks only of closed sessions of the school, year and scope;\n"
    "periodical issues and bound volumes of their own school and title. One line per violated\n"
    "rule and school (with the numbers involved), then a summary line. Read-only.\n"
    "\n"
    "  --school CODE   check one school only\n"
    "  --lang vi|en    language of the lines (default Vietnamese, or THUVIEN_LANG)\n"
    "  --full          also read the rows of the rules a UNIQUE index holds (by default the\n"
    "                  index is checked to be there and valid, which proves them)\n"
    "  --timing        print each query's time to standard error\n"
    "\n"
    "Exit status: 0 all rules hold, 1 a rule is broken, 2 usage, connection or schema error.\n";

/* The summary line: {rules}, {schools}, {count} in the message of key. */
static void print_summary(const char *lang, const char *key, const check_result_t *r)
{
	const char *t = i18n_get(lang, key);
	buf_t b = { 0 };
	while (*t) {
		const char *open = strchr(t, '{'), *close = open ? strchr(open, '}') : NULL;
		if (!close) {
			buf_puts(&b, t);
			break;
		}
		buf_append(&b, t, (size_t)(open - t));
		size_t n = (size_t)(close - open - 1);
		long long v = !strncmp(open + 1, "rules", n) && n == 5     ? (long long)r->rules
		              : !strncmp(open + 1, "schools", n) && n == 7 ? (long long)r->schools
		                                                           : (long long)r->n;
		buf_printf(&b, "%lld", v);
		t = close + 1;
	}
	puts(buf_str(&b));
	buf_release(&b);
}

int cmd_check(int argc, char **argv)
{
	const char *school = NULL, *lang = getenv("THUVIEN_LANG");
	int timing = 0, full = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--timing")) {
			timing = 1;
		} else if (!strcmp(argv[i], "--full")) {
			full = 1;
		} else if ((!strcmp(argv[i], "--school") || !strcmp(argv[i], "--lang")) && i + 1 < argc) {
			*(argv[i][2] == 's' ? &school : &lang) = argv[i + 1];
			i++;
		} else {
			fprintf(stderr, "thuvien check: unexpected '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	lang = i18n_lang(lang ? lang : "vi");

	db_t *db = NULL;
	err_t err = { 0 };
	int version = 0, status = 2;
	arena_t *a = arena_new(1 << 16);
	if (db_open(g_config.db, &db, &err) < 0 || db_schema_version(db, &version, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	if (version < 12) {
		fprintf(stderr, "thuvien: %s (%d)\n", i18n_get(lang, "check.err.schema"), version);
		goto done;
	}
	int64_t unit_id = 0;
	if (school) {
		int rc = db_query_int(db, &unit_id, &err, "SELECT id FROM units WHERE code = ? AND kind = 'school'", "s",
		                      school);
		if (rc == ERR_NOTFOUND) {
			fprintf(stderr, "thuvien: %s (%s)\n", i18n_get(lang, "check.err.school"), school);
			goto done;
		}
		if (rc < 0) {
			cli_error(&err);
			goto done;
		}
	}
	check_result_t r;
	if (check_run(db, unit_id, full ? CHECK_FULL : 0, a, &r, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	for (size_t i = 0; i < r.n; i++)
		puts(check_violation_text(&r.v[i], lang, a));
	print_summary(lang, r.n ? "check.summary.bad" : "check.summary.ok", &r);
	if (timing) {
		int64_t total = 0;
		for (int k = 1; k < CHECK_RULE_COUNT; k++) {
			if (!r.usec[k])
				continue; /* read by another rule's query, or held by its index */
			total += r.usec[k];
			fprintf(stderr, "%-20s %8.3f s\n", check_rule_name((check_rule_t)k), (double)r.usec[k] / 1e6);
		}
		fprintf(stderr, "%-20s %8.3f s\n", "total", (double)total / 1e6);
	}
	status = r.n ? 1 : 0;
done:
	db_close(db);
	arena_free(a);
	return status;
}
