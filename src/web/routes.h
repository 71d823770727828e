/* routes.h: the route table: method, path pattern, handler, and what the server checks before
 * calling the handler. Patterns are literal segments and ":id" (a positive integer). */
#ifndef THUVIEN_WEB_ROUTES_H
#define THUVIEN_WEB_ROUTES_H

#include "web/web.h"

enum {
	R_PUBLIC = 0,        /* anyone */
	R_AUTH = 1 << 0,     /* a logged-in account; anonymous: 303 to /login (HTML) or 401 (JSON) */
	R_NOCSRF = 1 << 1,   /* POST without a session's CSRF token (only /login: no session yet) */
	R_PWCHANGE = 1 << 2, /* allowed while a password change is pending */
	R_UPLOAD = 1 << 3,   /* POST may be multipart/form-data, up to max_upload bytes (others: 415) */
};

typedef struct route {
	const char *method;
	const char *pattern;
	web_handler_fn *handler;
	int flags;
} route_t;

/* Find the route for method and path. Returns the route, or NULL with *status 404 (no such
 * path) or 405 (path known, method not; *allow lists the methods). Fills *id for ":id". */
const route_t *routes_match(const char *method, const char *path, int64_t *id, int *status,
                            const char **allow);

#endif
