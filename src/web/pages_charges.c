/* pages_charges.c: lost and damaged copies, copies found again, and what readers owe: the
 * school's charges (or one reader's), unsettled first, each settled once. One page holds the
 * three forms of the desk and the list, so a librarian records a loss and sees its charge. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "circ/circ_more.h"
#include "web/web.h"

/* Đồng as people write them: "1.250.000 đ". */
static const char *money_vn(web_req_t *r, int64_t v)
{
	char digits[32], out[48];
	snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
	size_t n = strlen(digits), k = 0;
	if (v < 0)
		out[k++] = '-';
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = '.';
		out[k++] = digits[i];
	}
	snprintf(out + k, sizeof out - k, " đ");
	return arena_strdup(r->arena, out);
}

static json_t *charge_json(web_req_t *r, const circ_charge_t *c)
{
	char at[24] = "", settled_at[24] = "";
	clock_format_vn(c->created_at, 0, at, sizeof at);
	if (c->settled)
		clock_format_vn(c->settled_at, 0, settled_at, sizeof settled_at);
	json_t *o =
	    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
	              (json_int_t)c->id, "patron_id", (json_int_t)c->patron_id, "patron_code", c->patron_code,
	              "patron_name", c->patron_name, "class_name", c->class_name, "kind", c->kind,
	              "kind_label", web_t(r, arena_printf(r->arena, "circ.charge.%s", c->kind)), "amount",
	              (json_int_t)c->amount, "note", c->note, "title", c->title, "barcode", c->barcode,
	              "created_vn", at, "settled_vn", settled_at, "open", c->settled == NULL);
	json_object_set_new(o, "amount_vn", json_string(money_vn(r, c->amount)));
	if (c->loan_id)
		json_object_set_new(o, "loan_id", json_integer(c->loan_id));
	if (c->item_id)
		json_object_set_new(o, "item_id", json_integer(c->item_id));
	json_object_set_new(o, "settled", c->settled ? json_string(c->settled) : json_null());
	if (c->settled)
		json_object_set_new(
		    o, "settled_label",
		    json_string(web_t(r, arena_printf(r->arena, "circ.settled.%s", c->settled))));
	return o;
}

/* The page's data: the list for the query's filters, whether the account writes. On error,
 * NULL with err filled. */
static json_t *charges_page(web_req_t *r, err_t *err)
{
	int bad = 0;
	circ_charge_filter_t f = { 0 };
	f.unit_id = web_parse_int(web_query(r, "unit"), 0, 0, INT64_MAX, &bad);
	f.open_only = web_parse_int(web_query(r, "open"), 0, 0, 1, &bad) == 1;
	f.patron_code = web_query(r, "patron");
	if (bad) {
		err_set(err, ERR_INVALID, "err.number", NULL);
		return NULL;
	}
	circ_charge_list_t l;
	if (circ_charges_list(r->db, r->actor, &f, r->arena, &l, err) < 0)
		return NULL;
	json_t *list = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(list, charge_json(r, &l.v[i]));
	err_t e2;
	json_t *d =
	    json_pack("{s:{s:I, s:s, s:s}, s:o, s:I, s:I, s:s, s:b, s:b}", "school", "id",
	              (json_int_t)l.school.id, "code", l.school.code, "name", l.school.name, "charges", list,
	              "count", (json_int_t)l.n, "open_total", (json_int_t)l.open_total, "patron",
	              f.patron_code ? f.patron_code : "", "open_only", f.open_only, "can_write",
	              circ_check_writer(r->actor, &e2) == 0 && l.school.id == r->actor->unit_id);
	json_object_set_new(d, "open_total_vn", json_string(money_vn(r, l.open_total)));
	if (l.patron_id)
		json_object_set_new(
		    d, "reader",
		    json_pack("{s:I, s:s}", "id", (json_int_t)l.patron_id, "name", l.patron_name));
	const char *ok = web_query(r, "ok");
	if (ok &&
	    (!strcmp(ok, "lost") || !strcmp(ok, "damaged") || !strcmp(ok, "found") || !strcmp(ok, "settled")))
		json_object_set_new(d, "ok", json_string(web_t(r, arena_printf(r->arena, "circ.ok.%s", ok))));
	return d;
}

/*
** GET /circ/charges
** The charges (lost, damaged, fines) of the school, unsettled first, with the forms that record
** a lost, damaged or found copy (for its librarian). Parameters:
**    unit=ID       the school (default the account's own)
**    patron=CODE   one reader, by card number
**    open=1        unsettled only
*/
void page_charges(web_req_t *r)
{
	err_t err;
	json_t *d = charges_page(r, &err);
	if (!d)
		return web_circ_fail(r, &err, "/circ/charges");
	web_render(r, 200, "charges", d);
}

/* A write's failure: JSON gets the error; a browser the page again with the message and what
 * was typed (or the error page when the account may not see the page at all). */
static void fail_form(web_req_t *r, const err_t *err, const char *form)
{
	if (r->want_json || err->code == ERR_FORBIDDEN)
		return web_fail(r, err);
	err_t e2;
	json_t *d = charges_page(r, &e2);
	if (!d)
		return web_fail(r, err);
	json_object_set_new(d, "error", json_string(web_t(r, err->key)));
	json_object_set_new(d, "code", json_string(err->key));
	if (*err->detail)
		json_object_set_new(d, "detail", json_string(err->detail));
	json_t *f = json_object();
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, "csrf"))
			json_object_set_new(f, r->form[i].name, json_string(r->form[i].value));
	json_object_set_new(d, form, f);
	web_render(r, err_http_status(err->code), "charges", d);
}

static void loss_done(web_req_t *r, const circ_loss_result_t *res, const char *what)
{
	if (r->want_json) {
		json_t *o = json_pack("{s:b, s:I, s:s}", "ok", 1, "item_id", (json_int_t)res->item_id,
		                      "status", res->status);
		if (res->loan_id)
			json_object_set_new(o, "loan_id", json_integer(res->loan_id));
		if (res->charge_id) {
			json_object_set_new(o, "charge_id", json_integer(res->charge_id));
			json_object_set_new(o, "amount", json_integer(res->amount));
			json_object_set_new(o, "patron_id", json_integer(res->patron_id));
		}
		return web_json(r, 200, o);
	}
	web_redirect(r, arena_printf(r->arena, "/circ/charges?ok=%s", what));
}

/* An amount field: CIRC_AMOUNT_DEFAULT when empty; a whole number of đồng, plain ("25000") or
 * with thousands separators as a Vietnamese or English hand writes them ("25.000", "25,000",
 * "1 250 000": one kind of separator, groups of exactly three digits); anything else, "1.5"
 * included, sets *bad rather than being read as another number. */
static int64_t amount_of(web_req_t *r, int *bad)
{
	const char *s = web_form(r, "amount");
	if (!s || !*s)
		return CIRC_AMOUNT_DEFAULT;
	char digits[32], sep = 0;
	size_t k = 0, group = 0;
	const char *p = s;
	if (*p == '-')
		digits[k++] = *p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (k + 1 >= sizeof digits)
				break;
			digits[k++] = *p;
			group++;
			continue;
		}
		if ((*p != '.' && *p != ',' && *p != ' ') || (sep && *p != sep) || group == 0 ||
		    (sep && group != 3))
			break;
		if (!sep && group > 3)
			break;
		sep = *p;
		group = 0;
	}
	if (*p || (sep && group != 3)) {
		*bad = 1;
		return 0;
	}
	digits[k] = 0;
	return web_parse_int(digits, CIRC_AMOUNT_DEFAULT, INT64_MIN + 1, INT64_MAX, bad);
}

/*
** POST /circ/lost
** A copy lost. Fields: barcode (or accession number), amount (đồng; empty: the copy's price,
** else its record's), note. On loan: the loan is closed and the reader charged.
** 303 to /circ/charges; 400 bad amount, 404 unknown barcode, 409 a copy already lost.
*/
void page_item_lost(web_req_t *r)
{
	int bad = 0;
	int64_t amount = amount_of(r, &bad);
	circ_loss_result_t res;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.circ.amount", "%d", CIRC_MAX_AMOUNT)
	             : circ_item_lost(r->db, r->actor, web_form(r, "barcode"), amount, web_form(r, "note"),
	                              &res, &err);
	if (rc < 0)
		return fail_form(r, &err, "lost");
	loss_done(r, &res, "lost");
}

/*
** POST /circ/damaged
** A copy damaged (returned damaged). Fields: barcode, amount (đồng, required; 0 charges
** nothing), note. On loan: the loan is closed and, for an amount, the reader charged.
*/
void page_item_damaged(web_req_t *r)
{
	int bad = 0;
	int64_t amount = amount_of(r, &bad);
	circ_loss_result_t res;
	err_t err;
	int rc = bad ? err_set(&err, ERR_INVALID, "err.circ.amount", "%d", CIRC_MAX_AMOUNT)
	             : circ_item_damaged(r->db, r->actor, web_form(r, "barcode"), amount, web_form(r, "note"),
	                                 &res, &err);
	if (rc < 0)
		return fail_form(r, &err, "damaged");
	loss_done(r, &res, "damaged");
}

/*
** POST /circ/found
** A lost copy found again (back to available). Field: barcode. 409 when it is not lost.
*/
void page_item_found(web_req_t *r)
{
	circ_loss_result_t res;
	err_t err;
	if (circ_item_found(r->db, r->actor, web_form(r, "barcode"), &res, &err) < 0)
		return fail_form(r, &err, "found");
	loss_done(r, &res, "found");
}

/*
** POST /circ/charges/:id/settle
** Settle a charge once. Fields: how (paid, replaced, waived), note. 303 to /circ/charges;
** 400 for another how, 404 for another school's charge, 409 when it was settled already.
*/
void page_charge_settle(web_req_t *r)
{
	err_t err;
	const char *how = web_form(r, "how");
	if (circ_charge_settle(r->db, r->actor, r->id, how, web_form(r, "note"), &err) < 0) {
		if (err.code == ERR_NOTFOUND)
			return web_fail(r, &err);
		return fail_form(r, &err, "settle");
	}
	if (r->want_json)
		return web_json(
		    r, 200, json_pack("{s:b, s:I, s:s}", "ok", 1, "id", (json_int_t)r->id, "settled", how));
	web_redirect(r, "/circ/charges?ok=settled");
}
