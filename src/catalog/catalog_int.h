/* catalog_int.h: the steps of catalog.c that the module's other files (batch.c) reuse to write
 * many records in one transaction without repeating, for each record, the checks, locks and audit
 * rows that a one-record write does. Not part of the module's API: code outside src/catalog calls
 * catalog.h and batch.h.
 */
#ifndef THUVIEN_CATALOG_CATALOG_INT_H
#define THUVIEN_CATALOG_CATALOG_INT_H

#include "catalog/catalog.h"

/* A record checked and normalised for writing: every text field NFC, trimmed and within its
 * length, the ISBN as 13 digits or "", the language defaulted; with its folded title and authors
 * (the duplicate key) and its search text and words, each folded once. All in the arena given to
 * catalog_row_prepare. */
typedef struct catalog_row {
	biblio_t b;
	const char *title_fold;
	const char *authors_fold;
	const char *search;
	const char *search_words;
} catalog_row_t;

/* Check and normalise in into *r. ERR_INVALID with the field's key when a value is wrong. Does not
 * look at the document type (a database question). */
int catalog_row_prepare(arena_t *a, const biblio_t *in, catalog_row_t *r, err_t *err);

/* Insert the record r of the actor's school as doc_type, created at now; *id receives its id. No
 * check of the writer, the document type or duplicates and no audit row: the caller's. In the
 * caller's transaction. */
int catalog_row_insert(db_t *db, const actor_t *actor, const catalog_row_t *r, const char *doc_type,
                       int64_t now, int64_t *id, err_t *err);

/* Take count numbers (count >= 0) from register reg of school unit_id; *first receives the first.
 * Inside a write transaction: the counter row stays locked until it ends. */
int catalog_numbers_take(db_t *db, int64_t unit_id, const char *reg, int64_t count, int64_t *first,
                         err_t *err);

/* The default barcode of accession number no of register reg: "STK000123". */
void catalog_barcode_default(const char *reg, int64_t no, char out[48]);

/* Insert one copy numbered no in register reg, with barcode (NULL or "": the default) at price
 * đồng. ERR_CONFLICT "err.items.barcode_taken" when the school has the barcode already. */
int catalog_item_insert(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t acquisition_id, const char *reg,
                        int64_t no, const char *barcode, int64_t price, int64_t now, int64_t *id, err_t *err);

#endif
