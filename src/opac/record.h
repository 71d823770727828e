/* record.h: what the public catalogue's pages may show of a school, a record and a union work.
 *
 * The OPAC is public: anyone may read any school's catalogue, unless the school closed it to
 * anonymous visitors (units.opac_public = 0); then a visitor must log in (any account of the
 * city: the school's readers and staff, and, as for the union search, which leaves such a school
 * out only for anonymous visitors, every other logged-in account). So the scope here is not the
 * actor's subtree: it is "public, or logged in". What is shown is the public part only: the
 * description, the call number, each copy's state and due date, the hold queue's length. No
 * reader's name, card or class, no barcode, price or supplier ever leaves these functions.
 *
 * Everything is read for the records of one page: a page of hits costs two statements
 * (opac_brief_many), a record page a handful of point queries. Results live in the caller's
 * arena.
 */
#ifndef THUVIEN_OPAC_RECORD_H
#define THUVIEN_OPAC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "catalog/catalog.h"
#include "db/db.h"
#include "marc/marc_edit.h"

/* A school as the public catalogue names it. */
typedef struct opac_school {
	int64_t id;
	const char *code; /* "TH001": its public address is /opac/s/TH001 */
	const char *name;
	const char *path;
	bool open; /* units.opac_public: anonymous visitors may read it */
} opac_school_t;

/* The school of a code: an active unit of kind school. ERR_NOTFOUND (err.opac.school) otherwise,
 * and ERR_AUTH (err.opac.closed) when it is closed to anonymous visitors and actor is NULL (the
 * page answers with the login page). */
int opac_school_by_code(db_t *db, const actor_t *actor, const char *code, arena_t *a, opac_school_t *out,
                        err_t *err);

/* A short description of a record, for a list of hits or a "more like this" block. */
typedef struct opac_brief {
	int64_t id; /* the record (biblio) */
	int64_t work_id;
	const char *title, *subtitle, *authors, *doc_type, *call_number, *unit_code;
	int year;
	int64_t copies;   /* copies the school lends or shows (not lost, not withdrawn) */
	int64_t on_shelf; /* of them, available now */
} opac_brief_t;

/* The records ids[0..n) (n <= CATALOG_GET_MANY) into out[0..n), in the order of ids, with their
 * copies counted when copies is true (a school's hits; the union's show schools, not copies):
 * one or two statements whatever n. A record that no longer exists (deleted since the index read
 * it) is left with id 0; the page skips it. */
int opac_brief_many(db_t *db, const int64_t *ids, size_t n, bool copies, arena_t *a, opac_brief_t *out,
                    err_t *err);

/* One copy, as the public sees it. */
typedef struct opac_copy {
	const char *accession; /* số đăng ký cá biệt, "STK-000123" */
	const char *location;
	const char *state; /* "shelf", "loan" (due set), "held" (set aside for a hold), "inlib" (read
	                      in the library only), "out" (damaged: not served) */
	const char *due;   /* yyyy-mm-dd, for "loan" */
} opac_copy_t;

/* A school's record for its public page. */
typedef struct opac_record {
	biblio_t b; /* the description; b.items is not filled (copies below) */
	int64_t work_id;
	opac_school_t school;
	opac_copy_t *copies; /* lost and withdrawn copies are not listed */
	size_t ncopies;
	int64_t on_shelf;
	int64_t holds;            /* readers in the record's hold queue (waiting or ready) */
	bool reference;           /* the document type is not lent (doc_types.loanable), or the loan rules
	                             lend it to no one of the reader kind (see below): every copy is "read
	                             in the library only" */
	bool viewer_reader;       /* actor is a reader (with a reader's record) of this school: may hold */
	const char *marc;         /* the stored MARCXML, or NULL (for opac_record_marc) */
	const char *authors_fold; /* for opac_related */
} opac_record_t;

/* The record id for its public page. ERR_NOTFOUND (err.biblio.notfound) when there is none,
 * ERR_AUTH (err.opac.closed) when its school is closed to anonymous visitors and actor is NULL.
 * The reader kind whose loan rule decides "reference" is the viewer's own when actor is a reader
 * of the school, else "student" (the catalogue's main public). */
int opac_record_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_record_t *out, err_t *err);

/* The record's MARC for the public MARC view: the stored record, or one built from the short
 * fields (*stored false), without the holdings and local fields (852, 876-878, 9XX, 541: barcodes,
 * prices, suppliers). Same errors as opac_record_get. */
int opac_record_marc(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_record_t *rec,
                     marc_rec_t *out, bool *stored, err_t *err);

/* Other records of the same school: by the same authors (the same folded authors field), and
 * with the same class number; at most max each (1..20), newest first, without the record itself.
 * Point queries on their indexes (migration 0011). */
int opac_related(db_t *db, const opac_record_t *rec, int max, arena_t *a, opac_brief_t **by_author,
                 size_t *n_author, opac_brief_t **by_class, size_t *n_class, err_t *err);

/* A union work: its description (its representative record's) and every school holding it. */
typedef struct opac_holding {
	int64_t unit_id;
	const char *code, *name;
	int64_t biblio_id; /* the school's record (its first, when it has several) */
	int64_t copies, on_shelf;
} opac_holding_t;

typedef struct opac_work {
	int64_t id;
	opac_brief_t rep; /* the representative record's description */
	const char *publisher, *place, *isbn, *language, *summary;
	opac_holding_t *holdings; /* by school code; schools closed to anonymous visitors are left
	                             out when actor is NULL */
	size_t nholdings;
} opac_work_t;

/* The work id. ERR_NOTFOUND (err.opac.work) when there is none or no school it may show holds it.
 * One grouped statement over biblios_work + items for the holdings. */
int opac_work_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_work_t *out, err_t *err);

/* Citations of a record for a teacher's reference list, as plain text with the title marked off
 * so a page can set it in italics: before + title + after. */
typedef struct opac_citation {
	const char *before, *title, *after;
} opac_citation_t;

/* The Vietnamese style of school and thesis reference lists, "Tác giả (năm), *Tên sách*, Nhà xuất
 * bản, Nơi xuất bản.", and APA 7, "Tác giả. (năm). *Tên sách* (lần xuất bản). Nhà xuất bản.". A
 * foreign author written "Surname, Given names" becomes "Surname, G. N." in both. */
void opac_cite_vn(arena_t *a, const biblio_t *b, opac_citation_t *out);
void opac_cite_apa(arena_t *a, const biblio_t *b, opac_citation_t *out);

/* The main classes' captions, for the class facet, read in one statement: values[i] is a facet
 * value ("8": DDC's first digit, or the 19-class scheme's first token) and captions[i] its
 * caption in lang ("vi" or "en"); DDC's caption wins when both schemes have the value. */
int opac_class_names(db_t *db, const char *lang, arena_t *a, const char ***values, const char ***captions,
                     size_t *n, err_t *err);

/* Whether anonymous visitors may read the actor's school's catalogue: its librarian or leader
 * turns it on or off (ERR_FORBIDDEN, err.opac.settings, for anyone else). unit_id, when not 0,
 * must be the actor's school (ERR_NOTFOUND otherwise). One transaction with its audit row
 * (opac.settings); nothing is written when the value does not change. */
int opac_settings_set(db_t *db, const actor_t *actor, int64_t unit_id, bool open, err_t *err);

#endif
