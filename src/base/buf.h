/* buf.h: a growable byte buffer, always NUL-terminated (git's strbuf, YAZ's WRBUF).
 *
 * A zeroed buf_t is an empty buffer ready to use. The storage belongs to the buf until
 * buf_detach() hands it to the caller (who releases it with free(3)); buf_release() frees it.
 */
#ifndef THUVIEN_BASE_BUF_H
#define THUVIEN_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data; /* NULL until the first append; buf_str() never returns NULL */
	size_t len;
	size_t cap;
} buf_t;

#define BUF_INIT                                                                                             \
	{                                                                                                    \
		0                                                                                            \
	}

void buf_grow(buf_t *b, size_t extra); /* ensure room for extra more bytes */
void buf_append(buf_t *b, const void *p, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_reset(buf_t *b);                /* len = 0, keep the storage */
void buf_release(buf_t *b);              /* free the storage, back to empty */
char *buf_detach(buf_t *b, size_t *len); /* caller owns the result (free(3)) */
const char *buf_str(const buf_t *b);     /* "" for an empty buffer */

/* Append s with HTML escaping of & < > " ' (the one escaper every template uses). */
void buf_put_html(buf_t *b, const char *s, size_t n);
/* Append s percent-encoded for a URL query value. */
void buf_put_url(buf_t *b, const char *s);

#endif
