/* batch.h: importing many records into a school's catalogue at once. The one commit of MARC files
 * (src/marc) and book lists (booklist.h): each reader turns its file into an array of prepared
 * records, and this module checks them (the preview) and writes them (the commit).
 *
 * The commit is ONE transaction with ONE new intake batch: every record and copy is written, or
 * nothing. A record that duplicates one of the school, or an earlier record of the same array
 * (same ISBN, or same folded title + authors + year: catalog_find_duplicate's rule), is skipped
 * and counted. Any other failure (a value the catalogue refuses, the database) rolls everything
 * back and names the record (`failed_pos`).
 *
 * Copies: a record asks for `copies` copies (0: the batch default), each numbered in the register
 * of the batch's document type, in order. A copy may bring its own barcode (852/952 $p of a MARC
 * record) and price (952 $g/$v). A barcode is taken when it is printable ASCII without spaces, at
 * most CATALOG_BARCODE_MAX bytes, not used by another copy of the school and not by an earlier
 * copy of the same import (nor the default barcode of one of its copies); otherwise the copy gets
 * the default barcode (register + accession number) and the import carries a notice naming the
 * record, the barcode and the reason. A refused barcode never fails the batch: the copy is still
 * on the shelf, and its label will carry the number the school's register gives it.
 *
 * Audit: one row for the intake batch (acquisition.create) and one for the import
 * (catalog.import, on the batch), which lists the new records' ids (as ranges) and the copies'
 * accession numbers, rather than one row per record and per copy.
 *
 * Memory: notices and everything else returned live in the arena given.
 */
#ifndef THUVIEN_CATALOG_BATCH_H
#define THUVIEN_CATALOG_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "catalog/catalog.h"
#include "db/db.h"

#define CATALOG_BARCODE_MAX 32

typedef struct catalog_import_copy {
	const char *barcode; /* the copy's own barcode; NULL or "": the default */
	int64_t price;       /* đồng; -1: the record's price */
} catalog_import_copy_t;

typedef struct catalog_import_rec {
	int64_t pos;         /* where the record is in its file (record number, line): reported back */
	const biblio_t *bib; /* its fields; doc_type is ignored (the batch's); bib->marc: the whole
	                        MARC record as MARCXML, or NULL */
	int copies;          /* copies wanted, 0: the batch default */
	const catalog_import_copy_t *copy; /* NULL, or `copies` entries (copies > 0) */
	bool duplicate;                    /* filled by check and commit */
	int64_t dup_id; /* the school's record it duplicates; 0: an earlier one of the array */
} catalog_import_rec_t;

/* Something the import did differently from what the file asked, not a rejection. */
typedef struct catalog_import_notice {
	int64_t pos;        /* the record's pos */
	const char *key;    /* i18n key: "err.import.barcode_taken", "err.import.barcode_invalid" */
	const char *detail; /* the barcode concerned */
} catalog_import_notice_t;

typedef struct catalog_import_opts {
	const char *doc_type; /* default "STK" */
	int copies;           /* copies of a record that asks for none: 1..1000, 0 = 1 */
	const char *source;   /* the batch's source; default "other" */
	const char *note;     /* the batch's note; may be NULL */
	/* Told how far the commit is (done of total records to write), every few records and at the
	 * end, from inside the transaction; may be NULL. A page shows it (web/jobs.h). */
	void (*progress)(void *ctx, int64_t done, int64_t total);
	void *progress_ctx;
} catalog_import_opts_t;

typedef struct catalog_import_result {
	int64_t acquisition_id; /* the new batch (0 when nothing was written) */
	int64_t imported;       /* records written */
	int64_t duplicates;     /* records skipped as duplicates */
	int64_t copies;         /* copies written */
	int64_t failed_pos;     /* when the commit failed: the record's pos (0: before any record) */
	catalog_import_notice_t *notices; /* barcodes not taken, in record order */
	size_t nnotices;
} catalog_import_result_t;

/* The preview: mark the duplicates of recs[0..n) and list the barcodes that would not be taken
 * (those colliding with the school's copies or an earlier copy of the array; the commit also
 * checks them against the default barcodes of its own copies). Reads only. Librarians of a
 * school (ERR_FORBIDDEN otherwise). */
int catalog_import_check(db_t *db, const actor_t *actor, catalog_import_rec_t *recs, size_t n, arena_t *a,
                         catalog_import_result_t *res, err_t *err);

/* The commit of recs[0..n) into the actor's school, as described above. A batch with nothing to
 * write (no records, or only duplicates) writes nothing and returns 0. */
int catalog_import_commit(db_t *db, const actor_t *actor, catalog_import_rec_t *recs, size_t n,
                          const catalog_import_opts_t *opts, arena_t *a, catalog_import_result_t *res,
                          err_t *err);

#endif
