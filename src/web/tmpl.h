/* tmpl.h: HTML templates. A logic-less Mustache subset, rendered from jansson values, with
 * escaping on by default. Templates are the files templates/NAME.html, compiled into the binary
 * (base/assets.h) and parsed once at start-up into a tree; rendering walks the tree.
 *
 * Syntax:
 *   {{name}}  {{a.b.c}}  {{.}}      the value, HTML-escaped (strings, integers, reals; true prints
 *                                   nothing special: "true"; null/missing prints nothing)
 *   {{{name}}}  {{&name}}           the value unescaped: only for HTML built by trusted code
 *   {{#name}}...{{/name}}           section: once per element of a non-empty array (the element
 *                                   pushed as context), once for a true value / non-empty
 *                                   string / non-zero number / object (an object is pushed)
 *   {{^name}}...{{/name}}           inverted section: when missing, null, false, "", 0, [] or {}
 *   {{>name}}                       partial: templates/name.html, rendered in the current context
 *   {{!comment}}                    nothing
 *   {{@key}}                        the translation of key in the current language (i18n.h),
 *                                   HTML-escaped
 * Name lookup walks the context stack outward, as Mustache does.
 */
#ifndef THUVIEN_WEB_TMPL_H
#define THUVIEN_WEB_TMPL_H

#include <jansson.h>

#include "base/assets.h"
#include "base/buf.h"
#include "base/err.h"

/* Parse every embedded templates/NAME.html. Returns 0, or ERR_INTERNAL naming the template and line
 * of a syntax error (unclosed section, unknown partial, ...). Call once before serving. */
int tmpl_init(err_t *err);
void tmpl_shutdown(void);

/* As tmpl_init, from the given assets instead of the embedded ones: those named
 * templates/NAME.html become template NAME, the rest are ignored. On success the new set
 * replaces the current one; on error the current one stays. Not thread-safe against renders in
 * progress: for tests, which load small template sets of their own. */
int tmpl_init_from(const asset_t *assets, size_t n, err_t *err);

/* Render template `name` ("login" for templates/login.html) with ctx as the root context,
 * appending to out. lang selects translations for {{@key}}. Thread-safe after tmpl_init.
 * Returns 0 or ERR_NOTFOUND for an unknown template. */
int tmpl_render(const char *name, json_t *ctx, const char *lang, buf_t *out, err_t *err);

/* Parse and render a template given as text (tests, one-off strings). */
int tmpl_render_string(const char *text, json_t *ctx, const char *lang, buf_t *out, err_t *err);

#endif
