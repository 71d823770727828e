/* main.c: `thuvien`, the one program. Parses the options common to every subcommand
 * (--db URL, --config FILE, --log-level L, --help), loads the configuration (defaults, file,
 * environment, command line: later wins) and runs the subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"

#ifndef THUVIEN_VERSION
#define THUVIEN_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: thuvien [--db URL] [--config FILE] [--log-level LEVEL] COMMAND [ARGS]\n"
    "\n"
    "thuvien: the library system of a city's schools (thư viện trường học).\n"
    "\n"
    "Commands:\n"
    "  serve     run the web server (HTML for people, JSON for programs)\n"
    "  migrate   create or upgrade the database schema\n"
    "  demo      fill the database with a small demo city and print its accounts\n"
    "  user      manage accounts from the shell: add, passwd, unlock, disable, enable, list\n"
    "  unit      add a unit (the Department, an office, a school) from the shell\n"
    "  import    import marc: load a file of MARC21 records into a school's catalogue\n"
    "            import patrons: load a class list (CSV or XLSX) into a school's readers\n"
    "            import books: load a book list (CSV or XLSX) into a school's catalogue\n"
    "            import units, import enrolment: the education sector database's units and\n"
    "            enrolment (CSV, XLSX or JSON; docs/IMPORT.md)\n"
    "  export    export marc: write a school's catalogue as MARC21 (ISO 2709 or MARCXML)\n"
    "            export register: write a school's register (sổ đăng ký) as PDF or XLSX\n"
    "  version   print the version\n"
    "  check     verify what the registers rest on (numbers, intake lines, parts I-III, stocktakes)\n"
    "  stats     rebuild|verify the report counters (recompute them, or compare with a recount)\n"
    "  indicators  print a unit's figures for a period (--markdown: the reference of every figure)\n"
    "  token     API tokens for other systems: add, list, revoke (docs/API.md)\n"
    "\n"
    "Options, for every command:\n"
    "  --db URL          database: a SQLite file path (default thuvien.db) or a\n"
    "                    postgresql://user@host:port/dbname URL\n"
    "  --config FILE     settings file (default ./thuvien.conf when present; see docs/CONFIG.md)\n"
    "  --log-level L     debug, info, warn or error\n"
    "  -h, --help        this text; `thuvien COMMAND --help` describes one command\n"
    "\n"
    "Environment: THUVIEN_DB, THUVIEN_LISTEN, THUVIEN_LOG_LEVEL and the other THUVIEN_* settings.\n";

static int run(const char *cmd, int argc, char **argv)
{
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc, argv);
	if (!strcmp(cmd, "migrate") || !strcmp(cmd, "init"))
		return cmd_migrate(argc, argv);
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc, argv);
	if (!strcmp(cmd, "user") || !strcmp(cmd, "unit"))
		return cmd_user(argc, argv);
	if (!strcmp(cmd, "import"))
		return cmd_import(argc, argv);
	if (!strcmp(cmd, "export"))
		return cmd_export(argc, argv);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "indicators"))
		return cmd_indicators(argc, argv);
	if (!strcmp(cmd, "token"))
		return cmd_token(argc, argv);
	if (!strcmp(cmd, "version")) {
		printf("thuvien %s\n", THUVIEN_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "thuvien: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}

int main(int argc, char **argv)
{
	err_t err;
	const char *config_file = getenv("THUVIEN_CONFIG");
	const char *db = NULL, *level = NULL;
	int i = 1;

	/* Options before the command, and also after it (`thuvien demo --db x.db`): every --db,
	 * --config, --log-level anywhere is taken here and removed from the command's arguments. */
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0;
	const char *cmd = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--db")          ? &db
		                    : !strcmp(a, "--config")    ? &config_file
		                    : !strcmp(a, "--log-level") ? &level
		                                                : NULL;
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "thuvien: %s needs a value\n", a);
				free(rest);
				return 2;
			}
			*slot = argv[++i];
			continue;
		}
		if (!strncmp(a, "--db=", 5)) {
			db = a + 5;
			continue;
		}
		if (!cmd && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			fputs(usage, stdout);
			free(rest);
			return 0;
		}
		if (!cmd && a[0] != '-') {
			cmd = a;
			rest[nrest++] = argv[i];
			continue;
		}
		if (!cmd) {
			fprintf(stderr, "thuvien: unknown option '%s'\n\n%s", a, usage);
			free(rest);
			return 2;
		}
		rest[nrest++] = argv[i];
	}
	if (!cmd) {
		fputs(usage, stderr);
		free(rest);
		return 2;
	}

	config_defaults();
	int rc = 0;
	if ((config_file ? config_load_file(config_file, 1, &err)
	                 : config_load_file("thuvien.conf", 0, &err)) < 0 ||
	    config_load_env(&err) < 0 || (db && config_set("db", db, &err) < 0) ||
	    (level && config_set("log_level", level, &err) < 0)) {
		fprintf(stderr, "thuvien: configuration: %s\n", err.detail);
		free(rest);
		return 2;
	}
	log_set_level((enum log_level)log_level_parse(g_config.log_level));
	i18n_init();
	rc = run(cmd, nrest, rest);
	i18n_shutdown();
	free(rest);
	return rc;
}
