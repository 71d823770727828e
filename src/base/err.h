/* err.h: the error value every fallible function fills.
 *
 * Functions return 0 on success and a negative ERR_* code on failure, and fill an err_t that says
 * what went wrong in words a librarian can read. The message is an i18n key (see i18n/vi.txt), so
 * the web layer shows it in the user's language and the CLI in the operator's; `detail` carries
 * the specific thing (a field name, a value, a database message for the log).
 *
 *     if (password_check(pw, &err) < 0)
 *         return err.code;
 */
#ifndef THUVIEN_BASE_ERR_H
#define THUVIEN_BASE_ERR_H

enum {
	ERR_OK = 0,
	ERR_INVALID = -1,   /* bad input: 400/422 */
	ERR_NOTFOUND = -2,  /* 404; also what another tenant's id gets */
	ERR_FORBIDDEN = -3, /* 403 */
	ERR_CONFLICT = -4,  /* 409: duplicate, concurrent change */
	ERR_AUTH = -5,      /* 401: not logged in, wrong password */
	ERR_LOCKED = -6,    /* 429: locked out after failed logins */
	ERR_TOOBIG = -7,    /* 413 */
	ERR_BUSY = -8,      /* 503: database busy, try again */
	ERR_INTERNAL = -9,  /* 500: a bug or the database failed */
};

typedef struct err {
	int code;         /* one of ERR_*, 0 when no error */
	const char *key;  /* i18n key of the message, static storage, e.g. "err.password.short" */
	char detail[240]; /* free text: the field or value concerned; never shown unescaped */
} err_t;

/* Fill *e (when e is non-NULL) and return code, so callers can `return err_set(...)`.
 * fmt may be NULL for no detail. */
int err_set(err_t *e, int code, const char *key, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void err_clear(err_t *e);

/* The HTTP status that answers an error code (ERR_INVALID -> 400, ...). */
int err_http_status(int code);

/* A short English name for the code, for logs ("invalid", "not found"). */
const char *err_code_name(int code);

#endif
