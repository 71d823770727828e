/* pages_reviews.c: readers' reviews: writing one from a record's page of the public catalogue,
 * and the librarian's moderation page (pending first; approve or reject). The rules are in
 * src/opac/reviews.c; the block a record's page shows is opac_social_record(). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "opac/social.h"
#include "web/web.h"

/*
** POST /opac/records/:id/review
** Fields: rating (1-5), body (up to 2,000 characters). A reader of the record's school; a second
** review of the same record replaces the first and waits for approval again. 303 back to the
** record's page (#reviews); JSON {ok, created, status: "pending"}. Anonymous: to the login page.
*/
void page_opac_review(web_req_t *r)
{
	if (!r->actor) {
		if (r->want_json)
			return web_fail_key(r, 401, "err.login.required", NULL);
		return web_redirect(
		    r, arena_printf(r->arena, "/login?next=/opac/records/%lld", (long long)r->id));
	}
	int bad = 0;
	int64_t rating = web_parse_int(web_form(r, "rating"), 0, 0, 100, &bad);
	if (bad)
		rating = 0;
	bool created = false;
	err_t err;
	if (opac_review_save(r->db, r->actor, r->id, (int)rating, web_form(r, "body"), &created, &err) < 0)
		return web_fail(r, &err);
	if (r->want_json)
		return web_json(r, created ? 201 : 200,
		                json_pack("{s:b, s:b, s:s, s:s}", "ok", 1, "created", created, "status",
		                          "pending", "message", web_t(r, "review.ok.saved")));
	web_redirect(r, arena_printf(r->arena, "/opac/records/%lld?ok=review#reviews", (long long)r->id));
}

/*
** GET /reviews
** The school's reviews for its librarian: pending first (oldest first), then the decided ones.
*/
void page_reviews(web_req_t *r)
{
	opac_review_t *v;
	size_t n;
	int64_t pending;
	err_t err;
	if (opac_reviews_list(r->db, r->actor, r->lang, r->arena, &v, &n, &pending, &err) < 0)
		return web_fail(r, &err);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char day[32];
		clock_format_vn(v[i].created_at, 0, day, sizeof day);
		json_array_append_new(
		    a, json_pack(
		           "{s:I, s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
		           (json_int_t)v[i].id, "biblio_id", (json_int_t)v[i].biblio_id, "title", v[i].title,
		           "rating", v[i].rating, "body", v[i].body, "status", v[i].status, "status_label",
		           web_t(r, arena_printf(r->arena, "review.status.%s", v[i].status)), "by", v[i].by,
		           "reader", v[i].reader, "date", day, "pending", !strcmp(v[i].status, "pending")));
	}
	json_t *d = json_pack("{s:s, s:o, s:I, s:b}", "title", web_t(r, "review.moderation"), "reviews", a,
	                      "pending", (json_int_t)pending, "empty", n == 0);
	const char *ok = web_query(r, "ok");
	if (ok && (!strcmp(ok, "approved") || !strcmp(ok, "rejected")))
		json_object_set_new(d, "notice",
		                    json_string(web_t(r, arena_printf(r->arena, "review.ok.%s", ok))));
	web_render(r, 200, "reviews", d);
}

static void decide(web_req_t *r, bool approve)
{
	err_t err;
	if (opac_review_decide(r->db, r->actor, r->id, approve, &err) < 0)
		return web_fail(r, &err);
	web_redirect(r, approve ? "/reviews?ok=approved" : "/reviews?ok=rejected");
}

/*
** POST /reviews/:id/approve
** Show the review on the record's page. 303 to /reviews.
*/
void page_review_approve(web_req_t *r)
{
	decide(r, true);
}

/*
** POST /reviews/:id/reject
** Keep the review hidden. 303 to /reviews.
*/
void page_review_reject(web_req_t *r)
{
	decide(r, false);
}
