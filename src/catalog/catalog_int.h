/* catalog_int.h: the steps of catalog.c that the module's other files (batch.c) reuse to write
 * many records in one transaction without repeating, for each record, the checks, locks and audit
 * rows that a one-record write does. Not part of the module's API: code outside src/catalog calls
 * catalog.h and batch.h.
 */
#ifndef THUVIEN_CATALOG_CATALOG_INT_H
#define THUVIEN_CATALOG_CATALOG_INT_H

#include "catalog/catalog.h"

/* Insert the record c (from catalog_biblio_prepare, with its folds) into the actor's school as
 * c->doc_type, created at now; *id receives its id. No check of the writer, the document type or
 * duplicates and no audit row: the caller's. In the caller's transaction. */
/* A copy from a row whose first ten columns are, in order: id, biblio_id, acquisition_id,
 * register, accession_no, accession, barcode, price, location, status. Strings in a. */
void catalog_read_item(db_stmt_t *st, arena_t *a, item_t *it);

int catalog_row_insert(db_t *db, const actor_t *actor, const biblio_t *c, const catalog_fold_t *fold,
                       int64_t now, int64_t *id, err_t *err);

/* Take count numbers (count >= 0) from register reg of school unit_id; *first receives the first.
 * Inside a write transaction: the counter row stays locked until it ends. */
int catalog_numbers_take(db_t *db, int64_t unit_id, const char *reg, int64_t count, int64_t *first,
                         err_t *err);

/* The default barcode of accession number no of register reg: "STK000123". */
void catalog_barcode_default(const char *reg, int64_t no, char out[48]);

/* Insert one copy numbered no in register reg, with barcode (NULL or "": the default) at price
 * đồng. ERR_CONFLICT "err.items.barcode_taken" when the school has the barcode already. Its
 * number within its title (items.title_no) is the record's next: the record is locked first
 * (catalog_title_lock), so two copies added at once to one record never share a number. */
int catalog_item_insert(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t acquisition_id, const char *reg,
                        int64_t no, const char *barcode, int64_t price, int64_t now, int64_t *id, err_t *err);

/* The same with the copy's title number given (title_no >= 1): the batch writers, which know it
 * (1..n for a new record, the next after catalog_title_lock's for an existing one). */
int catalog_item_insert_titled(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t acquisition_id,
                               const char *reg, int64_t no, int64_t title_no, const char *barcode,
                               int64_t price, int64_t now, int64_t *id, err_t *err);

/* Lock record biblio_id until the transaction ends and put the highest title number of its
 * copies in *max (0: none). SQLite's writers are serial already; PostgreSQL locks the record's
 * row (SELECT ... FOR UPDATE), so a concurrent writer of copies of the same record waits and
 * then reads the numbers this one wrote. Inside a write transaction. */
int catalog_title_lock(db_t *db, int64_t biblio_id, int64_t *max, err_t *err);

#endif
