/* cli.h: the subcommands of `thuvien`. Each takes argc/argv after the subcommand's name, with
 * the common options (--db, --config, --log-level) already applied to g_config, and returns the
 * process's exit status (0 ok, 1 failure, 2 usage). */
#ifndef THUVIEN_CLI_CLI_H
#define THUVIEN_CLI_CLI_H

#include <stddef.h>

#include "base/err.h"
#include "db/db.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_import(int argc, char **argv); /* `thuvien import marc ...` (cmd_marc.c) */
int cmd_export(int argc, char **argv); /* `thuvien export marc ...` (cmd_marc.c) */
int cmd_import_patrons(int argc, char **argv); /* `thuvien import patrons ...` (cmd_patrons.c) */
int cmd_import_books(int argc, char **argv);   /* `thuvien import books ...` (cmd_books.c) */
int cmd_export_register(int argc, char **argv); /* `thuvien export register ...` (cmd_export.c) */
int cmd_check(int argc, char **argv);          /* `thuvien check` (cmd_check.c) */
int cmd_stats(int argc, char **argv);          /* `thuvien stats rebuild|verify` (cmd_stats.c) */
int cmd_indicators(int argc, char **argv);     /* `thuvien indicators` (cmd_indicators.c) */
/* Data exchange with the sector database (cmd_exchange.c). */
int cmd_import_units(int argc, char **argv);     /* `thuvien import units ...` */
int cmd_import_enrolment(int argc, char **argv); /* `thuvien import enrolment ...` */
int cmd_token(int argc, char **argv);            /* `thuvien token add|list|revoke` */

/* Command-line helpers shared by the subcommands. cli_opt: the value after option name (NULL
 * when absent); cli_flag: whether a flag is present; cli_positional: the last argument from
 * argv[2] on that is neither an option nor an option's value (options take a value unless named
 * in flags, a NULL-terminated list). */
const char *cli_opt(int argc, char **argv, const char *name);
int cli_flag(int argc, char **argv, const char *name);
const char *cli_positional(int argc, char **argv, const char *const *flags);

/* The first active librarian of school code as an actor (account 0 "cli" when it has none), for
 * commands that act as the school's librarian. 0, or the exit status after printing the error. */
struct arena;
struct actor;
int cli_school_actor(db_t *db, const char *code, struct arena *a, struct actor *out);

/* The value of --copies (1..1000) into *out: 0, or 2 (the usage exit status) after saying why. */
int cli_copies(const char *value, int *out);

/* A whole file, malloc'ed (free it), its length in *len; NULL (errno set) when unreadable. */
char *cli_slurp(const char *path, size_t *len);

/* Open g_config.db and migrate it; prints the error and returns NULL on failure. */
db_t *cli_open_db(void);
/* What an import command starts with: the file (cli_slurp) and the database (cli_open_db). NULL,
 * with the error printed and nothing left open, when either fails. */
char *cli_file_and_db(const char *path, size_t *len, db_t **db);
/* Print an error to stderr as "thuvien: message (detail)" in the operator's language. */
int cli_error(const err_t *err);

#endif
