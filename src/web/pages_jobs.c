/* pages_jobs.c: the page of a background job (jobs.h): its progress while it runs, then its
 * result through the template the job named. */
#include <stdio.h>
#include <string.h>

#include "web/jobs.h"
#include "web/web.h"

/*
** GET /jobs/:id
** A job the logged-in account started (another account's, or an unknown one: 404). While it
** runs: a progress bar, and a `Refresh: 1` header so the browser reloads it without JavaScript.
** When done: the job's result page (the template its result names under "template", with the
** result as its data). When failed: the error, with the result's details (such as the failing
** record) beside it. JSON: {id, kind, state: running|done|failed, done, total, percent,
** result?, error?}.
*/
void page_job(web_req_t *r)
{
	job_view_t v;
	err_t err;
	if (jobs_view(r->id, r->actor, &v, &err) < 0)
		return web_fail(r, &err);
	int percent = v.total > 0 ? (int)(v.done * 100 / v.total) : 0;
	if (percent > 100)
		percent = 100;
	static const char *const states[] = { "running", "done", "failed" };
	if (v.state == JOB_FAILED) {
		json_t *extra = v.result ? v.result : json_object();
		json_object_set_new(extra, "job", json_integer(r->id));
		return web_fail_extra(r, err_http_status(v.err.code), v.err.key, v.err.detail, extra);
	}
	if (v.state == JOB_DONE && !r->want_json) {
		const char *tmpl = v.result ? json_string_value(json_object_get(v.result, "template")) : NULL;
		if (tmpl) {
			char name[64];
			snprintf(name, sizeof name, "%s", tmpl);
			return web_render(r, 200, name, v.result);
		}
	}
	json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:i, s:b}", "id", (json_int_t)r->id, "kind",
	                      v.kind, "kind_label", web_t(r, arena_printf(r->arena, "jobs.kind.%s", v.kind)),
	                      "state", states[v.state], "done", (json_int_t)v.done, "total",
	                      (json_int_t)v.total, "percent", percent, "running", v.state == JOB_RUNNING);
	if (v.result)
		json_object_set_new(d, "result", v.result);
	if (v.state == JOB_RUNNING)
		web_add_header(r, "Refresh", "1");
	web_render(r, 200, "job", d);
}
