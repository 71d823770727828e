/* edit.h: changing what the catalogue holds: a record through the short form or the full MARC21
 * form, a new record catalogued in full, and one copy's barcode, place, price, note and status.
 *
 * Who: the librarian of the record's school. Another school's record or copy is "not found"
 * (ERR_NOTFOUND), as a missing one; readers, principals and offices are refused (ERR_FORBIDDEN).
 * Every change is one transaction with one audit row saying what changed.
 *
 * Concurrency is optimistic: a form carries the version it was made from (biblio_t.version, the
 * updated_at of the row, which every edit moves forward by at least one); a save whose version
 * is no longer the record's writes nothing and fails with ERR_CONFLICT "err.biblio.stale".
 *
 * A record that keeps its whole MARC21 form (biblios.marc) has one truth: the MARC record. A
 * short-form edit is written into its MARC fields (marc_rec_patch) and the short fields are then
 * read back from it by the import's own mapping, as a MARC edit's are; so the two never disagree.
 */
#ifndef THUVIEN_CATALOG_EDIT_H
#define THUVIEN_CATALOG_EDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "marc/marc_edit.h"

typedef struct catalog_edit_result {
	int64_t id;           /* the record written (a new one for a new record) */
	int64_t dup_id;       /* with ERR_CONFLICT "err.biblio.duplicate": the record it duplicates */
	bool kept_accessions; /* the document type changed while the record has copies: they keep
	                         their accession numbers; copies added later are numbered in the
	                         new type's register */
	bool marc_updated;    /* the stored MARC record was rewritten too */
	const char *changes;  /* what changed, as written in the audit row ("" when nothing) */
} catalog_edit_result_t;

/* The record to edit in the actor's own school, with its copies and version; *marc (may be NULL)
 * receives its stored MARCXML or NULL. */
int catalog_biblio_get_for_edit(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out,
                                const char **marc, err_t *err);

/* The record (readable by the actor, as catalog_biblio_get) as an editable MARC record: the
 * stored one, or one built from its short fields (*stored false). */
int catalog_biblio_marc(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *b, marc_rec_t *rec,
                        bool *stored, err_t *err);

/* Save the short form over record id, made from version. in holds every short field (as
 * catalog_biblio_create takes them). Unless allow_duplicate, a change of the ISBN, or of the
 * title, authors or year, that makes the record the same title as another record of the school
 * fails with ERR_CONFLICT "err.biblio.duplicate" and res->dup_id. Nothing is written on error. */
int catalog_biblio_update(db_t *db, const actor_t *actor, int64_t id, int64_t version, const biblio_t *in,
                          bool allow_duplicate, arena_t *a, catalog_edit_result_t *res, err_t *err);

/* Save the full MARC21 form. id 0: a new record of doc_type with copies copies (0..1000) in a new
 * batch received today; else record id, made from version (its document type, price and grade
 * stay). rec is checked and normalised in place; when it is wrong, ERR_INVALID with every issue
 * in *issues / *nissues (each naming its field). The short fields are then mapped from the MARC
 * record by the import's rules. Duplicates as catalog_biblio_update. */
int catalog_biblio_marc_save(db_t *db, const actor_t *actor, int64_t id, int64_t version,
                             const char *doc_type, int copies, marc_rec_t *rec, bool allow_duplicate,
                             arena_t *a, marc_issue_t **issues, size_t *nissues, catalog_edit_result_t *res,
                             err_t *err);

/* One copy, readable by the actor (as catalog_biblio_get), with its note. */
int catalog_item_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, item_t *out, err_t *err);

/* A price that says "keep the copy's" to catalog_item_update. */
#define CATALOG_KEEP_PRICE INT64_MIN

/* Change a copy of the actor's school (a NULL string or CATALOG_KEEP_PRICE keeps what it has):
 * in->barcode (unique in the school; ERR_CONFLICT
 * "err.items.barcode_taken"), location, price, note, and status among available, damaged and
 * lost. A copy on loan or withdrawn keeps its status (circulation and weeding own those); asking
 * to change it is ERR_INVALID "err.item.status_locked". *changes (may be NULL) receives what
 * changed. */
int catalog_item_update(db_t *db, const actor_t *actor, int64_t id, const item_t *in, arena_t *a,
                        const char **changes, err_t *err);

#endif
