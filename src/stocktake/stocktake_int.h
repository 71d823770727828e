/* stocktake_int.h: what the files of src/stocktake/ share and nothing else uses. */
#ifndef THUVIEN_STOCKTAKE_STOCKTAKE_INT_H
#define THUVIEN_STOCKTAKE_STOCKTAKE_INT_H

#include "catalog/catalog.h"
#include "stocktake/stocktake.h"

/* One copy in scope, and what the session makes of it: F found, L on loan (present), M missing,
 * X a lost copy found (not expected). */
typedef struct stocktake_wrow {
	int64_t id, price;
	const char *reg;
	char state;
} stocktake_wrow_t;

/* A copy's value in đồng: its own price, else its record's (as the general register and the
 * weeding minutes count it), for SQL over items i joined to biblios b. */
#define STOCKTAKE_PRICE CATALOG_COPY_VALUE_SQL
/* The same without the join: the record's price read only for a copy without its own. */
#define STOCKTAKE_PRICE_LAZY                                                                                 \
	"CASE WHEN i.price > 0 THEN i.price ELSE (SELECT b.price FROM biblios b WHERE b.id = i.biblio_id) "  \
	"END"

/* s (or "") copied into the arena. */
const char *stocktake_dup0(arena_t *a, const char *s);

/* The session id as the actor may see it (readers: ERR_FORBIDDEN; outside the actor's subtree:
 * ERR_NOTFOUND); for a write (write true) only the librarian of its own school's. */
int stocktake_load(db_t *db, const actor_t *actor, int64_t id, bool write, arena_t *a, stocktake_t *s,
                   err_t *err);

/* The copies in scope of session s with their state, and its counts (c->seen is kept). */
int stocktake_walk(db_t *db, const stocktake_t *s, arena_t *a, stocktake_wrow_t **rows, size_t *nrows,
                   stocktake_counts_t *c, err_t *err);

#endif
