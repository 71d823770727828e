/* index.c: the OPAC's in-memory search index (opac.h). Placeholder until the index lands. */
#include <string.h>

#include "opac/opac_int.h"

int opac_index_refresh(db_t *db, err_t *err)
{
	(void)db, (void)err;
	return 0;
}

void opac_reset(void) {}

int opac_search(const opac_query_t *q, arena_t *a, opac_result_t *out, err_t *err)
{
	(void)q, (void)a, (void)err;
	memset(out, 0, sizeof *out);
	return 0;
}

void opac_stats(opac_stats_t *out)
{
	memset(out, 0, sizeof *out);
}
