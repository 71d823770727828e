/* pages_sru.c: SRU for other library systems (sru.h): GET (or POST, form-encoded) /sru for the
 * union catalogue and /sru/<school code> for one school. Public: no login, no CSRF (it reads
 * public catalogue data only and changes nothing). */
#include <string.h>

#include "sru/sru.h"
#include "web/web.h"

/* A parameter from the query string, else from a POSTed form. */
static const char *param(web_req_t *r, const char *name)
{
	const char *v = web_query(r, name);
	return v ? v : web_form(r, name);
}

/* GET|POST /sru, /sru/<school code>: an SRU answer (text/xml). Parameters:
 *   operation         explain | searchRetrieve (default: searchRetrieve with a query, else explain)
 *   version           1.2 (default) | 2.0
 *   query             CQL (sru.h lists the indexes)
 *   startRecord       1-based position of the first record (default 1)
 *   maximumRecords    default 10, at most 50
 *   recordSchema      marcxml (default) | dc
 *   recordXMLEscaping or recordPacking: xml (default) | string */
void page_sru(web_req_t *r)
{
	sru_request_t rq = {
		.operation = param(r, "operation"),
		.version = param(r, "version"),
		.query = param(r, "query"),
		.start_record = param(r, "startRecord"),
		.maximum_records = param(r, "maximumRecords"),
		.record_schema = param(r, "recordSchema"),
		.record_packing = param(r, "recordXMLEscaping"),
		.host = web_header(r, "Host"),
	};
	if (!rq.record_packing) {
		rq.record_packing = param(r, "recordPacking");
		/* In 2.0 recordPacking means packed/unpacked (records are always packed here). */
		if (rq.version && strcmp(rq.version, "2.0") == 0 && rq.record_packing &&
		    (strcmp(rq.record_packing, "packed") == 0 || strcmp(rq.record_packing, "unpacked") == 0))
			rq.record_packing = NULL;
	}
	if (strncmp(r->path, "/sru/", 5) == 0) {
		rq.unit_code = r->path + 5;
		if (!*rq.unit_code || strchr(rq.unit_code, '/'))
			rq.unit_code = "/"; /* no such school */
	}
	buf_reset(&r->body);
	r->status = sru_respond(r->db, &rq, r->arena, &r->body);
	r->content_type = "text/xml; charset=utf-8";
}
