/* social.c: reviews, reading lists and discovery (social.h). */
#include "opac/social.h"

json_t *opac_social_record(db_t *db, const actor_t *actor, int64_t unit_id, int64_t biblio_id,
                           arena_t *a)
{
	(void)db, (void)actor, (void)unit_id, (void)biblio_id, (void)a;
	return json_pack("{s:[], s:i, s:s, s:b}", "reviews", "count", 0, "average", "", "can_review", 0);
}

json_t *opac_discover(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a)
{
	(void)db, (void)actor, (void)unit_id, (void)a;
	return json_pack("{s:[], s:[], s:[]}", "new", "popular", "lists");
}
