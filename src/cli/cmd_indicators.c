/* cmd_indicators.c: `thuvien indicators`: print a unit's figures (src/indicators/indicators.h)
 * for a period, its roll-up table or one breakdown, as text, JSON or CSV; or, with --markdown,
 * the reference docs/INDICATORS.md is generated from. Read-only; acts as the system (the whole
 * tree), like the other shell commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "cli/cli.h"
#include "indicators/indicators.h"

static const char usage[] =
    "usage: thuvien indicators (--school CODE | --unit CODE) [--year 2025-2026] [--from yyyy-mm|hk1|hk2]\n"
    "                          [--to yyyy-mm] [--children] [--by DIM --indicator ID]\n"
    "                          [--format text|json|csv] [--lang vi|en]\n"
    "       thuvien indicators --markdown\n"
    "\n"
    "Print the indicators of a school, or of a unit summed over the schools of its subtree, for a\n"
    "school year (default the current one) or the months from-to within it (hk1: August-December,\n"
    "hk2: January-July).\n"
    "\n"
    "  --children      also one row per child unit (the roll-up table)\n"
    "  --by DIM        break --indicator ID down by doc_type, content_group, language, source,\n"
    "                  funding, month, patron_kind, class or grade\n"
    "  --format        text (default), json or csv\n"
    "  --markdown      print the reference of every indicator (docs/INDICATORS.md)\n";

static void csv_cell(const char *s)
{
	int quote = strpbrk(s, ",\"\n") != NULL;
	if (!quote) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* Width w in characters, for printf's "%*s" which counts bytes: add the UTF-8 continuation bytes
 * of s ("đ", "–"). */
static int cols(const char *s, int w)
{
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) == 0x80;
	return w;
}

static int print_report(const ind_report_t *r, const char *format, const char *lang)
{
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	bool en = !strcmp(lang, "en");
	char text[64];
	if (!strcmp(format, "json")) {
		json_t *o = indicators_report_json(r);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s ? s : "{}");
		free(s);
		json_decref(o);
		return 0;
	}
	if (!strcmp(format, "csv")) {
		buf_t b = BUF_INIT;
		indicators_report_csv(r, &b);
		fwrite(buf_str(&b), 1, b.len, stdout);
		buf_release(&b);
		return 0;
	}
	printf("%s %s (%s): %s, %s..%s\n", r->unit.code, r->unit.name, r->unit.kind, r->period.year, r->period.first,
	       r->period.last);
	for (size_t i = 0; i < n; i++) {
		indicators_format(&d[i], r->values[i], lang, text, sizeof text);
		printf("  %-24s %*s  %s\n", d[i].id, cols(text, 18), text, en ? d[i].name_en : d[i].name_vi);
	}
	for (size_t c = 0; c < r->nchildren; c++) {
		printf("\n%s %s\n", r->children[c].code, r->children[c].name);
		for (size_t i = 0; i < n; i++) {
			indicators_format(&d[i], r->child_values[c][i], lang, text, sizeof text);
			printf("  %-24s %*s\n", d[i].id, cols(text, 18), text);
		}
	}
	return 0;
}

static int print_rows(const ind_def_t *d, const ind_row_t *rows, size_t n, const char *format, const char *lang)
{
	char text[64];
	if (!strcmp(format, "json")) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "key", rows[i].key, "label", rows[i].label,
			                                     "value", indicators_value_json(d, rows[i].value)));
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s ? s : "[]");
		free(s);
		json_decref(arr);
		return 0;
	}
	if (!strcmp(format, "csv"))
		printf("key,label,%s\n", d->id);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(format, "csv")) {
			csv_cell(rows[i].key);
			putchar(',');
			csv_cell(rows[i].label);
			printf(",%lld\n", (long long)rows[i].value.n);
		} else {
			indicators_format(d, rows[i].value, lang, text, sizeof text);
			printf("  %-*s %*s\n", cols(rows[i].label, 30), rows[i].label, cols(text, 18), text);
		}
	}
	return 0;
}

int cmd_indicators(int argc, char **argv)
{
	if (cli_flag(argc, argv, "-h") || cli_flag(argc, argv, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (cli_flag(argc, argv, "--markdown")) {
		buf_t b = { 0 };
		indicators_markdown(&b);
		fputs(buf_str(&b), stdout);
		buf_release(&b);
		return 0;
	}
	const char *school = cli_opt(argc, argv, "--school"), *unit = cli_opt(argc, argv, "--unit");
	const char *format = cli_opt(argc, argv, "--format"), *lang = cli_opt(argc, argv, "--lang");
	const char *by = cli_opt(argc, argv, "--by"), *id = cli_opt(argc, argv, "--indicator");
	format = format ? format : "text";
	lang = lang && !strcmp(lang, "en") ? "en" : "vi";
	if ((!school == !unit) || (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "csv")) ||
	    (!by != !id)) {
		fputs(usage, stderr);
		return 2;
	}
	int status = 1;
	err_t err = { 0 };
	arena_t *a = arena_new(1 << 16);
	db_t *db = cli_open_db();
	if (!db)
		goto done;
	/* the system: the whole tree, as the other shell commands */
	actor_t sys = { .role = ROLE_SYSADMIN };
	snprintf(sys.unit_path, sizeof sys.unit_path, "/");
	snprintf(sys.lang, sizeof sys.lang, "%s", lang);
	unit_t u;
	if (units_get_by_code(db, school ? school : unit, a, &u, &err) < 0 ||
	    (school && strcmp(u.kind, "school") != 0 &&
	     err_set(&err, ERR_NOTFOUND, "err.unit.notfound", "%s", school) < 0)) {
		cli_error(&err);
		goto done;
	}
	ind_period_t p;
	if (indicators_period(cli_opt(argc, argv, "--year"), cli_opt(argc, argv, "--from"),
	                      cli_opt(argc, argv, "--to"), &p, &err) < 0) {
		cli_error(&err);
		status = 2;
		goto done;
	}
	if (by) {
		const ind_def_t *d = indicators_find(id);
		ind_row_t *rows;
		size_t n;
		if (indicators_breakdown(db, &sys, u.id, &p, id, indicators_dim_parse(by), lang, a, &rows, &n, &err) <
		    0) {
			cli_error(&err);
			status = 2;
			goto done;
		}
		status = print_rows(d, rows, n, format, lang);
		goto done;
	}
	ind_report_t r;
	if (indicators_report(db, &sys, u.id, &p, cli_flag(argc, argv, "--children"), a, &r, &err) < 0) {
		cli_error(&err);
		goto done;
	}
	status = print_report(&r, format, lang);
done:
	db_close(db);
	arena_free(a);
	return status;
}
