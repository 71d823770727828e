/* multipart.h: a strict parser of multipart/form-data bodies (RFC 7578, RFC 2046), the encoding
 * of a browser's file upload.
 *
 * The server reads the whole body first (up to max_upload) and hands it here, so the parser works
 * on one complete buffer rather than in MHD's callback flow. It is strict on purpose: a body that
 * is not exactly what RFC 7578 describes (no boundary, a part without Content-Disposition or
 * name, a header line without a colon, a missing closing delimiter, too many parts) is refused as
 * a whole, and the request answered 400, rather than half-read.
 *
 *     multipart_part_t *parts;
 *     size_t n;
 *     if (multipart_parse(ct, body, len, arena, 64, &parts, &n, &err) < 0)
 *             return web_fail(r, &err);        (ERR_INVALID: 400)
 */
#ifndef THUVIEN_WEB_MULTIPART_H
#define THUVIEN_WEB_MULTIPART_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

typedef struct multipart_part {
	const char *name;         /* the form field's name (Content-Disposition name=), NUL-terminated */
	const char *filename;     /* the file's name without any directory, or NULL for a plain field */
	const char *content_type; /* the part's Content-Type, or NULL when it sent none */
	const char *data;         /* the part's bytes: points INTO the body given to multipart_parse,
	                             not NUL-terminated (may hold NUL bytes) */
	size_t len;
} multipart_part_t;

/* The boundary of a Content-Type header "multipart/form-data; boundary=..." (quoted or not,
 * parameter names case-insensitive) into out (room for 71 bytes). 0, or ERR_INVALID
 * "err.multipart" when the type is not multipart/form-data or the boundary is missing, empty,
 * longer than 70 characters or holds characters RFC 2046 does not allow. */
int multipart_boundary(const char *content_type, char out[71], err_t *err);

/* Split body[0..len), sent with Content-Type content_type, into its parts (at most max_parts),
 * in order. *parts is allocated in arena a; names, filenames and content types are copied there,
 * the data of each part points into body, which must outlive the parts. The names and filenames
 * are checked to be valid UTF-8; the data is not looked at. Returns 0, or ERR_INVALID
 * "err.multipart" (detail: what was wrong, in English) for any malformed body. */
int multipart_parse(const char *content_type, const char *body, size_t len, arena_t *a, size_t max_parts,
                    multipart_part_t **parts, size_t *nparts, err_t *err);

#endif
