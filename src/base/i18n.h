/* i18n.h: the user interface's words in Vietnamese (the default) and English.
 *
 * Messages live in i18n/vi.txt and i18n/en.txt (embedded), one `key = text` per line, `#` for
 * comments. A key missing from English falls back to Vietnamese; a key missing from both gives
 * the key itself, so a forgotten message shows up on the page instead of vanishing. Domain
 * errors carry keys (err.h), translated at the edge. */
#ifndef THUVIEN_BASE_I18N_H
#define THUVIEN_BASE_I18N_H

/* Load the embedded tables. Returns 0, or -1 when a file has a malformed line (logged). */
int i18n_init(void);
void i18n_shutdown(void);

/* "vi" or "en" for anything a user may send ("en-US" -> "en", unknown -> "vi"). */
const char *i18n_lang(const char *requested);

/* The text of key in lang; never NULL. Thread-safe after i18n_init. */
const char *i18n_get(const char *lang, const char *key);

#endif
