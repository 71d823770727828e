/* cmd_common.c: what the subcommands share: opening the database, reporting errors, and the
 * small commands (serve, migrate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "web/server.h"

int cli_error(const err_t *err)
{
	const char *lang = i18n_lang(getenv("THUVIEN_LANG") ? getenv("THUVIEN_LANG") : "vi");
	const char *msg = err->key ? i18n_get(lang, err->key) : "error";
	if (err->detail[0])
		fprintf(stderr, "thuvien: %s (%s)\n", msg, err->detail);
	else
		fprintf(stderr, "thuvien: %s\n", msg);
	return 1;
}

const char *cli_opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

const char *cli_positional(int argc, char **argv, const char *const *flags)
{
	const char *last = NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			int is_flag = 0;
			for (const char *const *f = flags; f && *f; f++)
				is_flag |= !strcmp(argv[i], *f);
			if (!is_flag)
				i++; /* skip the option's value */
			continue;
		}
		last = argv[i];
	}
	return last;
}

db_t *cli_open_db(void)
{
	db_t *db = NULL;
	err_t err;
	int applied = 0;
	if (db_open(g_config.db, &db, &err) < 0) {
		cli_error(&err);
		return NULL;
	}
	if (db_migrate(db, &applied, &err) < 0) {
		cli_error(&err);
		db_close(db);
		return NULL;
	}
	if (applied)
		log_info("database migrated: %d migration(s) applied", applied);
	return db;
}

static int wants_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(text, stdout);
			return 1;
		}
	}
	return 0;
}

static const char serve_usage[] =
    "usage: thuvien serve [--db URL] [--listen HOST:PORT] [--threads N]\n"
    "\n"
    "Run the web server until SIGINT or SIGTERM; requests in flight finish before it stops.\n"
    "Migrates the database first. Logs one line per request to standard error.\n"
    "\n"
    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; 0.0.0.0:8080 for all)\n"
    "  --threads N          worker threads (default: one per core)\n";

int cmd_serve(int argc, char **argv)
{
	err_t err;
	if (wants_help(argc, argv, serve_usage))
		return 0;
	for (int i = 1; i < argc; i++) {
		const char *key = !strcmp(argv[i], "--listen")    ? "listen"
		                  : !strcmp(argv[i], "--threads") ? "threads"
		                                                  : NULL;
		if (!key || i + 1 >= argc) {
			fprintf(stderr, "thuvien serve: unexpected '%s'\n\n%s", argv[i], serve_usage);
			return 2;
		}
		if (config_set(key, argv[++i], &err) < 0)
			return cli_error(&err);
	}
	if (server_run(&err) < 0)
		return cli_error(&err);
	return 0;
}

static const char migrate_usage[] =
    "usage: thuvien migrate [--db URL]\n"
    "\n"
    "Create the database (a SQLite file is created when missing) or bring its schema up to date.\n"
    "Each migration runs in its own transaction; running it again does nothing. `thuvien init` is\n"
    "the same command.\n";

int cmd_migrate(int argc, char **argv)
{
	if (wants_help(argc, argv, migrate_usage))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "thuvien migrate: unexpected '%s'\n\n%s", argv[1], migrate_usage);
		return 2;
	}
	db_t *db = NULL;
	err_t err;
	int applied = 0, version = 0;
	if (db_open(g_config.db, &db, &err) < 0)
		return cli_error(&err);
	if (db_migrate(db, &applied, &err) < 0 || db_schema_version(db, &version, &err) < 0) {
		db_close(db);
		return cli_error(&err);
	}
	printf("%s database at schema version %d (%d migration(s) applied now)\n", db_kind_name(db), version,
	       applied);
	db_close(db);
	return 0;
}

char *cli_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *d = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 65536 > cap) {
			cap = cap ? 2 * cap : 1 << 20;
			char *nd = realloc(d, cap);
			if (!nd) {
				free(d);
				fclose(f);
				return NULL;
			}
			d = nd;
		}
		got = fread(d + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return d;
}

int cli_copies(const char *value, int *out)
{
	char *end;
	long n = strtol(value, &end, 10);
	if (end == value || *end || n < 1 || n > 1000) {
		fprintf(stderr, "thuvien: --copies must be 1..1000\n");
		return 2;
	}
	*out = (int)n;
	return 0;
}

char *cli_file_and_db(const char *path, size_t *len, db_t **db)
{
	char *data = cli_slurp(path, len);
	if (!data) {
		perror(path);
		return NULL;
	}
	if (!(*db = cli_open_db())) {
		free(data);
		return NULL;
	}
	return data;
}
