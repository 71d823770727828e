/* sru.h: SRU (Search/Retrieve via URL, versions 1.2 and 2.0) over the public catalogue, so other
 * library systems can search ours: operations explain and searchRetrieve, CQL parsed by YAZ,
 * records as MARCXML or Dublin Core.
 *
 * Scope: the union catalogue (every school: unit_code NULL) or one school (its code). Only public
 * bibliographic data leaves: the short fields and the stored MARC record; never a copy's barcode,
 * never reader data.
 *
 * CQL supported: search clauses with relation "=" (or "all", "any" treated as "all" words) on
 * cql.serverChoice / cql.anywhere (every word anywhere), dc.title, dc.creator, dc.subject,
 * dc.identifier / bath.isbn (the ISBN), joined by AND. Anything else answers an SRU diagnostic.
 * Matching is the staff search's (diacritics and case ignored, word prefixes); the field indexes
 * then keep the hits whose field holds every word. numberOfRecords is the number of hits among
 * the first SEARCH_CAP (1000) of the staff search: a broader query is reported as 1000 (capped).
 */
#ifndef THUVIEN_SRU_SRU_H
#define THUVIEN_SRU_SRU_H

#include "base/arena.h"
#include "base/buf.h"
#include "db/db.h"

#define SRU_DEFAULT_RECORDS 10
#define SRU_MAX_RECORDS     50

typedef struct sru_request {
	const char *operation;       /* "explain", "searchRetrieve"; NULL: searchRetrieve when a query */
	const char *version;         /* "1.2" (default), "2.0" (also "1.1" answered as 1.2) */
	const char *query;           /* CQL */
	const char *start_record;    /* 1-based; NULL: 1 */
	const char *maximum_records; /* NULL: SRU_DEFAULT_RECORDS; at most SRU_MAX_RECORDS */
	const char *record_schema;   /* "marcxml" (default), "dc" and their URIs */
	const char *record_packing;  /* 1.2 recordPacking / 2.0 recordXMLEscaping: "xml", "string" */
	const char *unit_code;       /* NULL: the union catalogue; else a school's code */
	const char *host;            /* for explain's serverInfo; may be NULL */
} sru_request_t;

/* Answer rq as SRU XML into out (appended). Returns the HTTP status: 200 (diagnostics are
 * inside the XML), 404 for an unknown school code (with a diagnostic), 500 on a database error. */
int sru_respond(db_t *db, const sru_request_t *rq, arena_t *a, buf_t *out);

#endif
