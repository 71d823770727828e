/* marc.h: MARC21 import and export of a school's catalogue.
 *
 * Import is a batch in two steps. marc_read_file()/marc_read_buf() read a file of ISO 2709 or
 * MARCXML records (told apart by content), convert each record to UTF-8 NFC (MARC-8 when leader/09
 * is blank, UTF-8 when it is 'a'; MARCXML is Unicode already), check it and map it to the short
 * fields of biblio_t; a broken record is kept aside as a problem with its position and reason and
 * never stops the reading. marc_preview() then marks the records that duplicate one of the school
 * (same ISBN, or same folded title + authors + year) and marc_commit() writes the rest in ONE
 * transaction with one new intake batch: either every record and copy is written or nothing is.
 *
 * Every record keeps its whole MARC21 form, in UTF-8 with leader/09 = 'a', as MARCXML text in
 * biblios.marc; export writes it back (or a record built from the short fields when there is none)
 * as ISO 2709 or MARCXML.
 *
 * Memory: everything a batch holds lives in the arena given to the reader and is released with it.
 */
#ifndef THUVIEN_MARC_MARC_H
#define THUVIEN_MARC_MARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "catalog/batch.h"
#include "catalog/catalog.h"
#include "db/db.h"

/* A record that could not be read, or (from marc_commit) not imported. */
typedef struct marc_problem {
	int64_t recno;      /* 1-based record number in the file; 0: the file as a whole */
	int64_t offset;     /* byte offset of the record (ISO 2709); -1 for MARCXML */
	int64_t line;       /* line of the record (MARCXML); 0 for ISO 2709 */
	const char *key;    /* i18n key of the reason, "err.marc.truncated" */
	const char *detail; /* the specific thing, in English ("directory entry 3"), may be "" */
} marc_problem_t;

/* A record read and mapped. */
typedef struct marc_record {
	int64_t recno;
	int64_t offset; /* as in marc_problem_t */
	int64_t line;
	biblio_t bib;                /* short fields; doc_type NULL (the batch's type is used) */
	const char *marcxml;         /* the whole record, UTF-8 NFC, leader/09 'a', one <record> element */
	int holdings;                /* number of 852/952 fields: copies to add (0: the batch default) */
	catalog_import_copy_t *copy; /* one per 852/952 field, in order: its barcode ($p, else NULL)
	                                and price (952 $g, else $v, in đồng; -1 when none) */
	bool duplicate;              /* set by marc_preview / marc_commit */
	int64_t dup_id; /* the existing record it duplicates; 0 when it duplicates one in this file */
} marc_record_t;

typedef struct marc_batch {
	const char *format;  /* "iso2709" or "marcxml" */
	int64_t nread;       /* records found in the file */
	marc_record_t *recs; /* the valid ones, in file order */
	size_t nrecs;
	marc_problem_t *problems; /* the rejected ones, in file order */
	size_t nproblems;
	int64_t nduplicates; /* filled by marc_preview / marc_commit */
	/* What will be (or was) done differently from what the file says, record by record: a
	 * holdings price that is not a number of đồng (from the reader), a barcode not taken (from
	 * marc_preview / marc_commit, see batch.h). */
	catalog_import_notice_t *notices;
	size_t nnotices;
	size_t nread_notices; /* how many of them come from the reader */
	size_t nread_notices_cap;
	arena_t *arena; /* the reader's */
	size_t cap_recs, cap_problems;
} marc_batch_t;

/* Read and check every record of data[0..len) into *out (zeroed first), all in arena a. Returns 0
 * even when records are rejected (see out->problems); a negative ERR_* only when nothing could be
 * tried (empty input: ERR_INVALID "err.marc.empty"). */
int marc_read_buf(const char *data, size_t len, arena_t *a, marc_batch_t *out, err_t *err);

/* The same for a file. ERR_NOTFOUND "err.marc.file" when it cannot be read. */
int marc_read_file(const char *path, arena_t *a, marc_batch_t *out, err_t *err);

/* Mark the records that duplicate a record of the actor's school, or an earlier record of the
 * batch, and count them in b->nduplicates. Reads only. Librarians of a school. */
int marc_preview(db_t *db, const actor_t *actor, marc_batch_t *b, err_t *err);

/* The batch's options and the commit's report: the catalogue's import's (batch.h). The default
 * copies go to a record without 852/952 holdings; failed_pos is the failing record's number. The
 * report's notices are in b->notices too, after the reader's. */
typedef catalog_import_opts_t marc_import_opts_t;
typedef catalog_import_result_t marc_import_result_t;

/* Write the batch's non-duplicate records into the actor's school (librarians), in one
 * transaction with one new intake batch; each record gets one copy per 852/952 field, else
 * opts->copies; a holdings field's $p becomes its copy's barcode when catalog_import_commit
 * takes it (else the copy gets the default one and b->notices says so), its 952 $g (else $v) its
 * price. Duplicates (of the school or of an earlier record of the file) are skipped and
 * counted. On any other error nothing at all is written, err says why and res->failed_pos
 * which record. A batch with no record to write writes nothing and returns 0. */
int marc_commit(db_t *db, const actor_t *actor, marc_batch_t *b, const marc_import_opts_t *opts,
                marc_import_result_t *res, err_t *err);

typedef enum { MARC_ISO2709 = 1, MARC_MARCXML = 2 } marc_format_t;

/* Parse "iso2709"/"marc"/"mrc" or "marcxml"/"xml"; 0 when unknown. */
marc_format_t marc_format_parse(const char *s);

/* Write every record of the actor's own unit (a school; every role but readers) to out in fmt,
 * in the order they were created: the stored MARC record when there is one, else one built from
 * the short fields. *count (may be NULL) receives the number of records written. */
int marc_export(db_t *db, const actor_t *actor, marc_format_t fmt, FILE *out, int64_t *count, err_t *err);

#endif
