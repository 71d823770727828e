/* classify.h: classification schemes and call numbers (ký hiệu xếp giá).
 *
 * The schemes (DDC, and VN19: the 19-class table of Vietnamese school libraries) are data: the
 * tables class_schemes and class_numbers of migration 0005, shared by every school of the
 * deployment, which may edit them (see the migration's header). Searching them needs only a
 * logged-in staff account; nothing here depends on a school.
 *
 * A call number is a class number and an author mark ("895.9223 NGU"), optionally followed by
 * the year. The author mark's rule is the deployment's (config.h: author_mark_letters,
 * author_mark_part, author_mark_diacritics, call_number_year); classify_call_number is the one
 * builder: the catalogue uses it for records saved without a call number, the cataloguing form's
 * "make call number" action and the spine labels call it too.
 *
 * All results live in the caller's arena.
 */
#ifndef THUVIEN_CATALOG_CLASSIFY_H
#define THUVIEN_CATALOG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* Longest query classify_search accepts, in bytes (longer: ERR_INVALID, err.classify.query). */
#define CLASSIFY_QUERY_MAX 200

typedef struct class_scheme {
	const char *code; /* "DDC", "VN19" */
	const char *name; /* in the language asked for */
} class_scheme_t;

typedef struct class_entry {
	const char *scheme;
	const char *number;  /* "895.9223", "53(075)" */
	const char *caption; /* in the language asked for (the Vietnamese one when the other is empty) */
	const char *caption_vi;
	const char *caption_en;
	int depth; /* 1 for a main class; how deep the number sits (ancestors + 1); 0 for an
	              auxiliary mark added to class numbers (VN19 "(075)", "(V)") */
} class_entry_t;

/* Who may use the schemes and the builder: every logged-in role but readers.
 * 0 or ERR_FORBIDDEN (err.forbidden). */
int classify_check_staff(const actor_t *actor, err_t *err);

/* The schemes, in display order, names in lang ("vi" or "en"). */
int classify_schemes(db_t *db, const char *lang, arena_t *a, class_scheme_t **out, size_t *n, err_t *err);

/* The scheme code to use for s: s itself when it names a scheme (any case), the deployment's
 * default (g_config.class_scheme) when s is NULL or "". ERR_INVALID (err.classify.scheme) for an
 * unknown scheme. *code receives the canonical code in the arena. */
int classify_scheme_check(db_t *db, const char *s, arena_t *a, const char **code, err_t *err);

/* Search a scheme (see classify_scheme_check) for q: a class number or its beginning ("895.92",
 * "3k"), or words of the caption in either language, marks and case ignored ("vat ly", "lich su
 * viet nam"): every word must begin a word of the caption. Ranked: the exact number first, then
 * the numbers that begin with q (in order), then caption matches (the whole caption equal to q,
 * then beginning with it, then the rest; shallower numbers first). An empty q lists the main
 * classes (depth 1). At most limit entries (1..500; another value means 50). Errors:
 * ERR_FORBIDDEN for readers (classify_check_staff); ERR_INVALID for a query that is too long
 * (err.classify.query), not UTF-8 (err.utf8) or an unknown scheme (err.classify.scheme). */
int classify_search(db_t *db, const actor_t *actor, const char *scheme, const char *q, const char *lang,
                    int limit, arena_t *a, class_entry_t **out, size_t *n, err_t *err);

/* One number of a scheme, exactly; ERR_NOTFOUND (err.classify.notfound) when the table lacks it. */
int classify_get(db_t *db, const char *scheme, const char *number, const char *lang, arena_t *a,
                 class_entry_t *out, err_t *err);

/* The numbers above number in its scheme's hierarchy, the main class first, that the table holds
 * (number itself not included): DDC 895.9223 -> 800, 890, 895, 895.9, 895.92, 895.922 (those
 * present); VN19 53(075) -> 5, 53. number need not be in the table. */
int classify_ancestors(db_t *db, const char *scheme, const char *number, const char *lang, arena_t *a,
                       class_entry_t **out, size_t *n, err_t *err);

/* --- call numbers ------------------------------------------------------------------------------ */

typedef enum classify_part {
	CLASSIFY_SURNAME = 0, /* the first word of a name ("Nguyễn" of "Nguyễn Nhật Ánh"); the part
	                         before a comma of an inverted name ("Carnegie" of "Carnegie, Dale") */
	CLASSIFY_GIVEN = 1,   /* the last word ("Ánh"); the first word after a comma ("Dale") */
	CLASSIFY_FULL = 2,    /* the letters of the whole name, words run together ("NGUYỄN NHẬT" ->
	                         "NGU", with 6 letters "NGUYỄN", with 8 "NGUYỄNNH") */
} classify_part_t;

typedef struct classify_rule {
	int letters;          /* how many letters of the mark, 1..10 */
	classify_part_t part; /* which part of the name */
	bool keep_marks;      /* "NGUYỄN" -> "NGUYỄN" (true) or "NGUYEN" (false); đ -> D when false */
	bool year;            /* append the year when there is one */
} classify_rule_t;

/* The deployment's rule (g_config). */
void classify_rule_config(classify_rule_t *r);

/* Parse the settings' words: part "surname" | "given" | "full"; diacritics "keep" | "strip".
 * 0 or ERR_INVALID. */
int classify_part_parse(const char *s, classify_part_t *out);
int classify_diacritics_parse(const char *s, bool *keep);

/* The author mark: the first rule->letters letters (letters and digits; other characters are
 * skipped) of the chosen part of the first author's name (authors are separated by ';'), in upper
 * case, NFC. Without an author, the first word of the title (any part rule gives its first word).
 * "" when neither has a letter. Never NULL; an author that is not UTF-8 counts as none, a title
 * that is not UTF-8 gives "". rule NULL: the deployment's. */
const char *classify_author_mark(arena_t *a, const classify_rule_t *rule, const char *authors,
                                 const char *title);

/* The call number: the class number, a space, the author mark, and with rule->year a space and
 * the year when year > 0 ("895.9223 NGU 2019"). Parts that are empty are left out with their
 * space; "" when all are. At most 50 bytes (cut on a character boundary), the length of the
 * catalogue's column. rule NULL: the deployment's. */
const char *classify_call_number(arena_t *a, const classify_rule_t *rule, const char *class_number,
                                 const char *authors, const char *title, int year);

#endif
