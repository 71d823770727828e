/* text.h: UTF-8 and Vietnamese text.
 *
 * All text in thuvien is UTF-8 in NFC. Search compares *folded* text: lower case, tone and vowel
 * marks removed, đ/Đ mapped to d, so "tieng viet" matches "Tiếng Việt". text_fold() is the one
 * definition of folding; every backend stores what it returns, so SQLite and PostgreSQL agree by
 * construction.
 */
#ifndef THUVIEN_BASE_TEXT_H
#define THUVIEN_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool text_valid_utf8(const char *s, size_t n);

/* Number of code points in a valid UTF-8 string. */
size_t text_length(const char *s);

/* NFC-normalise s. Returns NULL when s is not valid UTF-8. Result in the arena. */
char *text_nfc(arena_t *a, const char *s);

/* Fold s for search: NFC, case fold, strip marks, đ -> d, collapse runs of white space to one
 * space, trim. Returns NULL when s is not valid UTF-8. Result in the arena. */
char *text_fold(arena_t *a, const char *s);

/* Same as text_fold, but the result is malloc'ed (caller frees). For code without an arena. */
char *text_fold_dup(const char *s);

/* The longest prefix of s of at most max bytes that does not split a UTF-8 character, copied
 * into the arena. For log and audit lines that must stay valid UTF-8 (PostgreSQL refuses
 * anything else). */
char *text_cut(arena_t *a, const char *s, size_t max);

/* Trim ASCII white space at both ends, in place; returns s. */
char *text_trim(char *s);

/* Lower-case ASCII letters in place (usernames, codes); returns s. */
char *text_ascii_lower(char *s);

/* s folded (text_fold), with every run of characters other than a-z and 0-9 as one space and
 * none at the ends: how an import matches a column's header ("Mã học sinh (*)" -> "ma hoc sinh")
 * against the names it knows. In a; "" for NULL. */
char *text_key(arena_t *a, const char *s);

/* v with Vietnamese thousands separators: 1234567 -> "1.234.567", -5000 -> "-5.000" (out: 32
 * bytes are always enough). */
void text_thousands(int64_t v, char *out, size_t n);

#endif
