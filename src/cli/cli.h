/* cli.h: the subcommands of `thuvien`. Each takes argc/argv after the subcommand's name, with
 * the common options (--db, --config, --log-level) already applied to g_config, and returns the
 * process's exit status (0 ok, 1 failure, 2 usage). */
#ifndef THUVIEN_CLI_CLI_H
#define THUVIEN_CLI_CLI_H

#include "base/err.h"
#include "db/db.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_import(int argc, char **argv); /* `thuvien import marc ...` (cmd_marc.c) */
int cmd_export(int argc, char **argv); /* `thuvien export marc ...` (cmd_marc.c) */

/* Open g_config.db and migrate it; prints the error and returns NULL on failure. */
db_t *cli_open_db(void);
/* Print an error to stderr as "thuvien: message (detail)" in the operator's language. */
int cli_error(const err_t *err);

#endif
