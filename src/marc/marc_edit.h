/* marc_edit.h: one MARC21 record as an editable list of fields, for the full cataloguing form
 * (trình biên mục MARC), the short form's edit of a record that keeps its MARC, and export.
 *
 * A record is its leader and its fields in order; a field is a tag, and either the data of a
 * control field (00X) or two indicators and its subfields. Everything is a string as typed, so a
 * form with mistakes can be shown again exactly as it was sent: marc_rec_check() says what is
 * wrong, field by field, and normalises what is right (NFC, blank indicators, the leader's fixed
 * positions). marc_rec_to_xml() writes the checked record as MARCXML with YAZ; marc_rec_map()
 * reads MARCXML back through the import's own reader (marc_read_buf), so an edited record is
 * mapped to the short fields by exactly the rules an imported one is.
 *
 * marc_rec_from_biblio() builds a record from the short fields (export of a record without MARC,
 * the editor's starting point for such a record); marc_rec_patch() writes changed short fields
 * into an existing record's fields and leaves every other field as it was.
 *
 * Memory: records, their strings and issues live in the arena given. */
#ifndef THUVIEN_MARC_MARC_EDIT_H
#define THUVIEN_MARC_MARC_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaz/marcdisp.h>

#include "base/arena.h"
#include "base/err.h"
#include "catalog/catalog.h"

/* Limits of a record: ISO 2709 writes a field's length in 4 digits and the record's in 5. */
#define MARC_MAX_FIELDS     999
#define MARC_MAX_SUBFIELDS  255
#define MARC_MAX_FIELD_LEN  9998
#define MARC_MAX_RECORD_LEN 99999

typedef struct marc_sub {
	const char *code;  /* one character a-z or 0-9 once checked */
	const char *value; /* NFC once checked */
} marc_sub_t;

typedef struct marc_field {
	const char *tag;         /* three characters once checked */
	const char *ind1, *ind2; /* one character each (' ' for blank) once checked */
	const char *data;        /* a control field's (00X) data, else NULL */
	marc_sub_t *subs;
	size_t nsubs;
} marc_field_t;

typedef struct marc_rec {
	const char *leader; /* 24 characters once checked */
	marc_field_t *fields;
	size_t nfields;
} marc_rec_t;

/* One thing wrong with a record: where (field index, subfield index, or -1) and why. */
typedef struct marc_issue {
	int field; /* index in fields, -1: the leader or the record as a whole */
	int sub;   /* index in the field's subfields, -1: the field itself */
	const char *key;
	const char *detail;
} marc_issue_t;

/* Whether tag names a control field ("001" to "009"). */
bool marc_tag_is_control(const char *tag);

/* Parse one MARCXML <record> (or a <collection> holding one) into *out. ERR_INVALID
 * "err.marc.xml" when it does not parse. */
int marc_rec_from_xml(arena_t *a, const char *xml, marc_rec_t *out, err_t *err);

/* A record built from the short fields of b (id: the 001, 0 for none): leader, 001, 008 with the
 * language, 020, 082, 090, 100/700, 245, 250, 260, 300, 490, 520, 650. */
void marc_rec_from_biblio(arena_t *a, const biblio_t *b, int64_t id, marc_rec_t *out);

/* Check r, field by field, and normalise it in place (NFC text, "#"/"_"/"" indicators to blank,
 * the leader's positions the system owns, rows left wholly empty dropped). Returns 0, or
 * ERR_INVALID with every issue in *issues (n in *nissues) and err set to the first. */
int marc_rec_check(arena_t *a, marc_rec_t *r, marc_issue_t **issues, size_t *nissues, err_t *err);

/* The checked record as MARCXML (one <record>), written by YAZ. NULL with err when YAZ refuses it
 * or it is longer than ISO 2709 allows. */
const char *marc_rec_to_xml(arena_t *a, const marc_rec_t *r, err_t *err);

/* The checked record into a YAZ handle (reset first), for writing in any of YAZ's formats. */
void marc_rec_to_yaz(const marc_rec_t *r, yaz_marc_t mt);

/* Read MARCXML with the import's reader: *out receives the short fields it maps to (doc_type,
 * price and grade left 0/NULL) and *norm the record as the import stores it. ERR_INVALID with
 * the reader's reason when it refuses the record. */
int marc_rec_map(arena_t *a, const char *xml, biblio_t *out, const char **norm, err_t *err);

/* Write the short fields that differ between old and new into r's fields: 245 $a $b, 100/110/700,
 * 260/264 $a $b $c, 020, 250, 300 $a $c, 490/440, 520, 650/651, 082, 090 and 008/35-37. A field
 * whose value did not change is left as it is, byte for byte. */
void marc_rec_patch(arena_t *a, marc_rec_t *r, const biblio_t *old, const biblio_t *new_);

/* Insert an empty field with tag (may be "") before position pos (>= nfields: at the end). */
void marc_rec_insert(arena_t *a, marc_rec_t *r, size_t pos, const char *tag);
/* Where a new field with tag goes to keep tags in order: after the last field whose tag is not
 * greater. */
size_t marc_rec_position(const marc_rec_t *r, const char *tag);
void marc_rec_remove(marc_rec_t *r, size_t field);
void marc_field_add_sub(arena_t *a, marc_field_t *f, const char *code, const char *value);
void marc_field_remove_sub(marc_field_t *f, size_t sub);

/* The record in the line format librarians know: "LDR 00000nam a2200000 a 4500",
 * "008 ...", "245 10 $a Title : $b sub". Blank indicators show as "#". */
const char *marc_rec_lines(arena_t *a, const marc_rec_t *r);

/* The first field with tag, or NULL; its first subfield code's value, or NULL. */
marc_field_t *marc_rec_field(const marc_rec_t *r, const char *tag);
const char *marc_field_sub(const marc_field_t *f, char code);

/* A value without the ISBD punctuation that closes it (" /", " :", ",", "."), trimmed: the
 * import's rule (marc_read.c). */
char *marc_tidy(arena_t *a, const char *s);

#endif
