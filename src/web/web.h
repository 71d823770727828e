/* web.h: what a page handler sees of an HTTP request, and how it answers.
 *
 * The server (server.c) parses the request, finds the route (routes.c), loads the session and
 * checks the CSRF token before calling the handler, so a handler only reads its parameters,
 * calls one domain function and renders what comes back:
 *
 *     void page_account(web_req_t *r)
 *     {
 *             account_t acc;
 *             err_t err;
 *             if (accounts_get(r->db, r->actor, r->id, r->arena, &acc, &err) < 0)
 *                     return web_fail(r, &err);
 *             web_render(r, 200, "account", account_json(&acc));
 *     }
 *
 * A page and its JSON are one handler: web_render() sends the handler's JSON value as is when the
 * client asked for `application/json`, and renders it through templates/NAME.html inside the
 * layout otherwise. Everything allocated from r->arena is freed when the request ends.
 */
#ifndef THUVIEN_WEB_WEB_H
#define THUVIEN_WEB_WEB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "accounts/auth.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

struct MHD_Connection;

typedef struct web_field {
	const char *name;
	const char *value;
} web_field_t;

/* An uploaded file (a part of a multipart/form-data body with a filename), on R_UPLOAD routes. */
typedef struct web_file {
	const char *name;         /* the form field */
	const char *filename;     /* without directories; may be "" (no file chosen) */
	const char *content_type; /* as the browser sent it, or NULL */
	const char *data;         /* the bytes (not NUL-terminated), valid until the request ends */
	size_t len;
} web_file_t;

typedef struct web_header {
	const char *name;
	const char *value;
} web_header_t;

typedef struct web_req {
	struct MHD_Connection *conn;
	const char *method; /* "GET", "POST", ...; HEAD is routed as GET */
	const char *path;   /* decoded path, without the query */
	arena_t *arena;
	db_t *db; /* this worker thread's connection */
	const char *ip;

	actor_t *actor;     /* NULL when nobody is logged in */
	session_t *session; /* NULL when nobody is logged in */
	const char *lang;   /* "vi" or "en" */
	bool want_json;

	int64_t id;        /* the :id of the route, when it has one */
	web_field_t *form; /* POST body fields (urlencoded, or the plain parts of multipart/form-data) */
	size_t nform;
	web_file_t *files; /* uploaded files (multipart/form-data, R_UPLOAD routes only) */
	size_t nfiles;

	/* The answer, filled by web_render & co. */
	int status;
	const char *content_type;
	buf_t body;
	const unsigned char *static_body; /* set instead of body for embedded assets */
	size_t static_len;
	web_header_t headers[8];
	int nheaders;
} web_req_t;

typedef void web_handler_fn(web_req_t *r);

/* A form field's value, or NULL. The value is valid UTF-8 (the server refused the request
 * otherwise) and lives in the request's arena. */
const char *web_form(web_req_t *r, const char *name);
/* The uploaded file of a form field, or NULL (none, or not an upload route). */
const web_file_t *web_file(web_req_t *r, const char *name);
/* A query-string argument, or NULL; validated as UTF-8 too. */
const char *web_query(web_req_t *r, const char *name);
/* An integer query argument, or def when missing or malformed. */
int64_t web_query_int(web_req_t *r, const char *name, int64_t def);
/* A whole number from a form field or query value s, in [min, max] (the range of the C type it
 * goes into; the domain checks the meaningful range and names it): def when s is NULL or empty;
 * anything else (letters, overflow, out of range) sets *bad and returns def. */
int64_t web_parse_int(const char *s, int64_t def, int64_t min, int64_t max, int *bad);
/* Answer with a file the domain made (a PDF, a workbook): its bytes (taken over from data), its
 * MIME type and its Content-Disposition ("inline; filename=..." or "attachment; ..."). */
void web_send_file(web_req_t *r, buf_t *data, const char *type, const char *disposition);
/* A length in millimetres as typed ("2.5", or "2,5": a comma is taken as the decimal mark); def
 * when s is NULL or empty; *bad set when it is not a finite number. */
double web_parse_mm(const char *s, double def, int *bad);
/* The query parameters named (those present and not empty) as "?a=1&b=x" (URL-encoded), or "":
 * for links that keep a page's filters. In the request's arena. */
const char *web_query_string(web_req_t *r, const char *const *names, size_t n);

/* A cookie's value, or NULL. */
const char *web_cookie(web_req_t *r, const char *name);
/* A request header, or NULL. */
const char *web_header(web_req_t *r, const char *name);

/* Add a response header (copied into the arena). At most 8. */
void web_add_header(web_req_t *r, const char *name, const char *value);

/* Answer with data (the handler's JSON value; ownership passes to the call): as JSON when asked,
 * else templates/tmpl.html wrapped in the layout, with the page chrome (user, navigation, CSRF
 * token, language) added to the template's context under "app". */
void web_render(web_req_t *r, int status, const char *tmpl, json_t *data);

/* The same inside the public catalogue's layout (templates/opac_layout.html): small, no staff
 * navigation, readable without JavaScript, for the OPAC and My library pages. */
void web_render_public(web_req_t *r, int status, const char *tmpl, json_t *data);

/* Answer with a JSON value (ownership passes). */
void web_json(web_req_t *r, int status, json_t *data);

/* 303 See Other to location (a path of this site). JSON clients get 200 {"ok":true,"location":...}
 * instead, so scripts need not follow redirects. */
void web_redirect(web_req_t *r, const char *location);

/* Answer an error: the status from err->code, the message translated, as JSON or as the error
 * page. */
void web_fail(web_req_t *r, const err_t *err);

/* Answer an error without an err_t: status, i18n key, optional detail. */
void web_fail_key(web_req_t *r, int status, const char *key, const char *detail);

/* The same with more members for the error object (ownership of extra passes; NULL for none). */
void web_fail_extra(web_req_t *r, int status, const char *key, const char *detail, json_t *extra);

/* Translate a key in the request's language. */
const char *web_t(web_req_t *r, const char *key);

/* Pieces the catalogue's pages share (pages_catalog.c): the document types for a <select>, the
 * selected one marked; whether the account writes its school's catalogue (its librarian), which
 * decides the links and forms a page shows (the domain checks the writes themselves). */
json_t *web_doc_types_json(web_req_t *r, const char *selected);
bool web_can_catalog(const web_req_t *r);
/* The short form's fields of a record into *in (the creation and the edit form post the same
 * ones); a number that is not one sets *bad. */
struct biblio;
void web_biblio_form(web_req_t *r, struct biblio *in, int *bad);

/* Handlers (one file per feature under src/web/). */
web_handler_fn page_healthz, page_static, page_login_form, page_login, page_logout, page_home,
    page_password_form, page_password, page_lang, page_units, page_unit, page_unit_create, page_accounts,
    page_account_new, page_account_create, page_account, page_account_disable, page_account_enable,
    page_account_reset, page_account_unlock, page_audit, page_catalog, page_biblio_new, page_biblio_create,
    page_biblio, page_items_add, page_acquisitions, page_acquisition_create, page_acquisition, page_labels,
    page_labels_preview, page_import_form, page_import_preview, page_import_commit, page_copycat,
    page_copycat_import, page_job;
/* SRU for other library systems (pages_sru.c). */
web_handler_fn page_sru;
/* Classification schemes and call numbers (pages_classify.c). */
web_handler_fn page_classes, page_class_callnumber;

/* Editing the catalogue (pages_edit.c, pages_marc.c). */
web_handler_fn page_biblio_edit_form, page_biblio_edit, page_item_edit_form, page_item_edit, page_marc_view,
    page_marc_form, page_marc_new_form, page_marc_save, page_marc_create;

/* Overdues, losses and charges, in-library use (pages_overdue.c, pages_charges.c,
 * pages_inlibrary.c). */
web_handler_fn page_overdue, page_overdue_xlsx, page_overdue_notices, page_charges, page_charge_settle,
    page_item_lost, page_item_damaged, page_item_found, page_inlibrary, page_inlibrary_add, page_inlibrary_month,
    page_inlibrary_month_xlsx;
/* Answer a circulation list's error; an office's account that named no school (err.circ.school)
 * gets the schools of its subtree to choose from, each linked to path?unit=ID. */
void web_circ_fail(web_req_t *r, const err_t *err, const char *path);
/* Readers (pages_patrons.c, pages_patrons_import.c). web_can_patrons: the account writes its
 * school's readers (its librarian); web_patron_json: one reader as the pages show it. */
struct patron;
bool web_can_patrons(const web_req_t *r);
json_t *web_patron_json(web_req_t *r, const struct patron *p);
web_handler_fn page_patrons, page_patron_new, page_patron_create, page_patron, page_patron_edit_form,
    page_patron_edit, page_patron_status, page_patron_privacy, page_patron_photo, page_patron_photo_upload, page_patrons_import_form,
    page_patrons_import_upload, page_patrons_import_preview, page_patrons_import_commit, page_patrons_promote,
    page_patrons_promote_commit, page_patrons_promote_undo;
/* The lending desk, holds, textbooks for the year, class sets (pages_circ.c). */
web_handler_fn page_circ, page_circ_scan, page_circ_checkout, page_circ_return, page_circ_renew,
    page_circ_renew_all, page_circ_holds, page_circ_hold_place, page_circ_hold_cancel, page_biblio_hold,
    page_circ_textbooks, page_circ_textbook_lend, page_circ_classset, page_circ_classset_lend;
/* Library cards (pages_cards.c). */
web_handler_fn page_cards, page_cards_pdf;

/* The loan policy: rules matrix, settings and closed days (pages_policy.c). */
web_handler_fn page_circ_rules, page_circ_rule_set, page_circ_rule_reset, page_circ_calendar, page_circ_settings,
    page_circ_closed_add, page_circ_closed_remove;

/* Uploads kept between an import's preview and its commit (kept.c): the file under a random token
 * (WEB_KEPT_TOKEN hex digits), readable back only by the school, account and session that kept
 * it, for WEB_KEPT_TTL seconds; opts is one line of the import's own options, given back as it
 * was. web_kept_get reads the file into *data (malloc'ed, NUL-terminated: the caller frees); claim
 * takes it away for good (the commit: one commit per preview). ERR_NOTFOUND "err.import.notfound"
 * for an unknown, foreign or claimed token, "err.import.expired" for an old one. */
#define WEB_KEPT_TOKEN 64
#define WEB_KEPT_TTL   3600
int web_kept_put(web_req_t *r, const char *kind, const char *opts, const char *data, size_t len,
                 char token[WEB_KEPT_TOKEN + 1], err_t *err);
int web_kept_get(web_req_t *r, const char *kind, const char *token, bool claim, const char **opts, char **data,
                 size_t *len, err_t *err);

/* Reader self-service, reviews, reading lists (pages_me.c, pages_reviews.c, pages_lists.c). */
web_handler_fn page_me, page_me_card, page_me_renew, page_me_hold_cancel, page_me_privacy, page_opac_hold,
    page_opac_review, page_patrons_accounts, page_patron_account, page_reviews, page_review_approve,
    page_review_reject, page_lists, page_list_create, page_list, page_list_edit, page_list_delete, page_list_add,
    page_list_item_remove, page_list_item_move;
/* The public catalogue: search of the city and of a school, a union work, a school's record and
 * its MARC view, a school's switch of anonymous access (pages_opac.c). */
web_handler_fn page_opac, page_opac_school, page_opac_work, page_opac_record, page_opac_marc, page_opac_settings;

/* Weeding (pages_weeding.c): withdrawal batches, their prints, and the public list on a school's
 * OPAC page: web_withdrawals_notices gives the school's lists public today (NULL when none) for
 * the page's notice; web_withdrawals_public answers /opac/s/CODE/withdrawals/ID (code: the path
 * after /opac/s/, rest: what follows "/withdrawals/"). */
web_handler_fn page_withdrawals, page_withdrawal_create, page_withdrawal, page_withdrawal_items,
    page_withdrawal_items_remove, page_withdrawal_item_reason, page_withdrawal_propose, page_withdrawal_approve,
    page_withdrawal_return, page_withdrawal_xlsx, page_withdrawal_minutes;
json_t *web_withdrawals_notices(web_req_t *r, int64_t unit_id, const char *code);
void web_withdrawals_public(web_req_t *r, const char *code, const char *rest);

/* The registers: the hub, one register as a page, PDF or workbook, the numbering setting
 * (pages_registers.c). */
web_handler_fn page_registers, page_register, page_registers_settings;
/* The existing stock of the paper registers (pages_stock.c). */
web_handler_fn page_stock_opening, page_stock_opening_add, page_stock_opening_import, page_stock_opening_commit,
    page_stock_opening_template;

/* Periodicals: titles, subscriptions, the issues' grid, receipt, claims, binding (pages_serials.c). */
web_handler_fn page_serials, page_serials_create, page_serial, page_serial_subscribe, page_serial_receive,
    page_serial_unreceive, page_serial_claim, page_serials_receive, page_serial_bind, page_serials_claims;
/* Stocktakes (pages_stocktake.c). */
web_handler_fn page_stocktakes, page_stocktake_create, page_stocktake, page_stocktake_scans, page_stocktake_upload,
    page_stocktake_close, page_stocktake_cancel, page_stocktake_lose, page_stocktake_items, page_stocktake_report;
/* Data exchange with the sector database: imports, the enrolment form, API tokens, the JSON API
 * (pages_exchange.c). */
web_handler_fn page_xchg_form, page_xchg_upload, page_xchg_preview, page_xchg_commit, page_enrolment,
    page_enrolment_set, page_api_tokens, page_api_token_create, page_api_token_revoke, page_api_units,
    page_api_stats;
#endif
