/* server.h: the HTTP server (libmicrohttpd): a thread pool sized to the cores, one database
 * connection per worker thread, limits on body, headers, connections and request time, and a
 * graceful stop on SIGINT/SIGTERM. */
#ifndef THUVIEN_WEB_SERVER_H
#define THUVIEN_WEB_SERVER_H

#include "base/err.h"

/* Serve g_config.listen with g_config.db until SIGINT or SIGTERM. Migrates the database first.
 * Returns 0 after a clean stop, or an error before serving (address in use, database). */
int server_run(err_t *err);

#endif
