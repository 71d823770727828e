/* err.c: filling err_t values and mapping error codes to HTTP statuses and log names.
 *
 * The code is the machine's view of a failure (what status to answer), the key the librarian's
 * (which sentence to show), the detail the operator's (what to grep the log for). */
#include <stdarg.h>
#include <stdio.h>

#include "base/err.h"

int err_set(err_t *e, int code, const char *key, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	e->key = key;
	e->detail[0] = '\0';
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof e->detail, fmt, ap);
		va_end(ap);
	}
	return code;
}

void err_clear(err_t *e)
{
	if (!e)
		return;
	e->code = ERR_OK;
	e->key = NULL;
	e->detail[0] = '\0';
}

/* LOCKED answers 429 (Too Many Requests) rather than WebDAV's 423: browsers and proxies know
 * 429, and a lock-out after failed logins is rate limiting as far as HTTP is concerned. */
int err_http_status(int code)
{
	switch (code) {
	case ERR_OK:
		return 200;
	case ERR_INVALID:
		return 400;
	case ERR_NOTFOUND:
		return 404;
	case ERR_FORBIDDEN:
		return 403;
	case ERR_CONFLICT:
		return 409;
	case ERR_AUTH:
		return 401;
	case ERR_LOCKED:
		return 429;
	case ERR_TOOBIG:
		return 413;
	case ERR_BUSY:
		return 503;
	case ERR_INTERNAL:
	default:
		return 500;
	}
}

const char *err_code_name(int code)
{
	switch (code) {
	case ERR_OK:
		return "ok";
	case ERR_INVALID:
		return "invalid";
	case ERR_NOTFOUND:
		return "not found";
	case ERR_FORBIDDEN:
		return "forbidden";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_AUTH:
		return "not authenticated";
	case ERR_LOCKED:
		return "locked";
	case ERR_TOOBIG:
		return "too big";
	case ERR_BUSY:
		return "busy";
	case ERR_INTERNAL:
		return "internal error";
	default:
		return "unknown error";
	}
}
