/* opac_int.h: between the OPAC's sync (sync.c) and its index (index.c). */
#ifndef THUVIEN_OPAC_OPAC_INT_H
#define THUVIEN_OPAC_OPAC_INT_H

#include "opac/opac.h"

/* Load into the index every work whose rev is above the index's (all of them the first time),
 * and drop the works that no school holds any more (works.schools = 0). Returns the number of
 * works loaded, or -1. Called by opac_sync after its transactions committed. */
int opac_index_refresh(db_t *db, err_t *err);

/* How often the index may rebuild its words when a rebuild is slow (100 ms and more, a city):
 * at most once per ratio times its duration (default 10: a tenth of a core), the changes waiting
 * meanwhile (loans and holdings are applied every refresh, cheaply). 0: every refresh (tests). */
void opac_index_throttle(double ratio);

#endif
