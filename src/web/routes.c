/* routes.c: every URL thuvien answers, in one table. A new page adds one line here and one
 * handler in its feature's file. */
#include <stdlib.h>
#include <string.h>

#include "web/routes.h"

static const route_t routes[] = {
	{ "GET", "/healthz", page_healthz, R_PUBLIC | R_PWCHANGE },
	{ "GET", "/static/*", page_static, R_PUBLIC | R_PWCHANGE },
	{ "GET", "/login", page_login_form, R_PUBLIC | R_PWCHANGE },
	{ "POST", "/login", page_login, R_PUBLIC | R_NOCSRF | R_PWCHANGE },
	{ "POST", "/logout", page_logout, R_AUTH | R_PWCHANGE },
	{ "GET", "/password", page_password_form, R_AUTH | R_PWCHANGE },
	{ "POST", "/password", page_password, R_AUTH | R_PWCHANGE },
	{ "POST", "/lang", page_lang, R_PUBLIC | R_PWCHANGE },
	{ "GET", "/", page_home, R_AUTH },
	{ "GET", "/units", page_units, R_AUTH },
	{ "POST", "/units", page_unit_create, R_AUTH },
	{ "GET", "/units/:id", page_unit, R_AUTH },
	{ "GET", "/accounts", page_accounts, R_AUTH },
	{ "POST", "/accounts", page_account_create, R_AUTH },
	{ "GET", "/accounts/new", page_account_new, R_AUTH },
	{ "GET", "/accounts/:id", page_account, R_AUTH },
	{ "POST", "/accounts/:id/disable", page_account_disable, R_AUTH },
	{ "POST", "/accounts/:id/enable", page_account_enable, R_AUTH },
	{ "POST", "/accounts/:id/reset", page_account_reset, R_AUTH },
	{ "POST", "/accounts/:id/unlock", page_account_unlock, R_AUTH },
	{ "GET", "/audit", page_audit, R_AUTH },
	{ "GET", "/catalog", page_catalog, R_AUTH },
	{ "POST", "/catalog", page_biblio_create, R_AUTH },
	{ "GET", "/catalog/new", page_biblio_new, R_AUTH },
	{ "GET", "/catalog/:id", page_biblio, R_AUTH },
	{ "POST", "/catalog/:id/copies", page_items_add, R_AUTH },
	{ "GET", "/catalog/:id/edit", page_biblio_edit_form, R_AUTH },
	{ "POST", "/catalog/:id/edit", page_biblio_edit, R_AUTH },
	{ "GET", "/catalog/:id/marc", page_marc_form, R_AUTH },
	{ "POST", "/catalog/:id/marc", page_marc_save, R_AUTH },
	{ "GET", "/catalog/:id/marc/view", page_marc_view, R_AUTH },
	{ "GET", "/catalog/new/marc", page_marc_new_form, R_AUTH },
	{ "POST", "/catalog/new/marc", page_marc_create, R_AUTH },
	{ "GET", "/items/:id/edit", page_item_edit_form, R_AUTH },
	{ "POST", "/items/:id/edit", page_item_edit, R_AUTH },
	{ "GET", "/acquisitions", page_acquisitions, R_AUTH },
	{ "POST", "/acquisitions", page_acquisition_create, R_AUTH },
	{ "GET", "/acquisitions/:id", page_acquisition, R_AUTH },
	{ "GET", "/labels", page_labels, R_AUTH },
	{ "GET", "/labels/preview", page_labels_preview, R_AUTH },
	{ "GET", "/copycat", page_copycat, R_AUTH },
	{ "POST", "/copycat/import", page_copycat_import, R_AUTH },
	{ "GET", "/classes", page_classes, R_AUTH },
	{ "GET", "/classes/callnumber", page_class_callnumber, R_AUTH },
	{ "GET", "/catalog/import", page_import_form, R_AUTH },
	{ "POST", "/catalog/import", page_import_preview, R_AUTH | R_UPLOAD },
	{ "POST", "/catalog/import/commit", page_import_commit, R_AUTH },
	{ "GET", "/jobs/:id", page_job, R_AUTH },
	/* Overdues, losses and charges, in-library use (pages_overdue.c, pages_charges.c, pages_inlibrary.c). */
	{ "GET", "/circ/overdue", page_overdue, R_AUTH },
	{ "GET", "/circ/overdue.xlsx", page_overdue_xlsx, R_AUTH },
	{ "GET", "/circ/overdue/notices.pdf", page_overdue_notices, R_AUTH },
	{ "GET", "/circ/charges", page_charges, R_AUTH },
	{ "POST", "/circ/charges/:id/settle", page_charge_settle, R_AUTH },
	{ "POST", "/circ/lost", page_item_lost, R_AUTH },
	{ "POST", "/circ/damaged", page_item_damaged, R_AUTH },
	{ "POST", "/circ/found", page_item_found, R_AUTH },
	{ "GET", "/circ/inlibrary", page_inlibrary, R_AUTH },
	{ "POST", "/circ/inlibrary", page_inlibrary_add, R_AUTH },
	{ "GET", "/circ/inlibrary/month", page_inlibrary_month, R_AUTH },
	{ "GET", "/circ/inlibrary/month.xlsx", page_inlibrary_month_xlsx, R_AUTH },
	/* Readers (bạn đọc). */
	{ "GET", "/patrons", page_patrons, R_AUTH },
	{ "POST", "/patrons", page_patron_create, R_AUTH },
	{ "GET", "/patrons/new", page_patron_new, R_AUTH },
	{ "GET", "/patrons/import", page_patrons_import_form, R_AUTH },
	{ "POST", "/patrons/import", page_patrons_import_upload, R_AUTH | R_UPLOAD },
	{ "POST", "/patrons/import/preview", page_patrons_import_preview, R_AUTH },
	{ "POST", "/patrons/import/commit", page_patrons_import_commit, R_AUTH },
	{ "GET", "/patrons/promote", page_patrons_promote, R_AUTH },
	{ "POST", "/patrons/promote", page_patrons_promote_commit, R_AUTH },
	{ "POST", "/patrons/promote/:id/undo", page_patrons_promote_undo, R_AUTH },
	{ "GET", "/patrons/:id", page_patron, R_AUTH },
	{ "GET", "/patrons/:id/edit", page_patron_edit_form, R_AUTH },
	{ "POST", "/patrons/:id/edit", page_patron_edit, R_AUTH },
	{ "POST", "/patrons/:id/status", page_patron_status, R_AUTH },
	{ "POST", "/patrons/:id/privacy", page_patron_privacy, R_AUTH },
	{ "GET", "/patrons/:id/photo", page_patron_photo, R_AUTH },
	{ "POST", "/patrons/:id/photo", page_patron_photo_upload, R_AUTH | R_UPLOAD },
	/* The lending desk (pages_circ.c). */
	{ "GET", "/circ", page_circ, R_AUTH },
	{ "POST", "/circ", page_circ_scan, R_AUTH },
	{ "POST", "/circ/checkout", page_circ_checkout, R_AUTH },
	{ "POST", "/circ/return", page_circ_return, R_AUTH },
	{ "POST", "/circ/renew", page_circ_renew, R_AUTH },
	{ "POST", "/circ/renew_all", page_circ_renew_all, R_AUTH },
	{ "GET", "/circ/holds", page_circ_holds, R_AUTH },
	{ "POST", "/circ/holds", page_circ_hold_place, R_AUTH },
	{ "POST", "/circ/holds/:id/cancel", page_circ_hold_cancel, R_AUTH },
	{ "POST", "/catalog/:id/hold", page_biblio_hold, R_AUTH },
	{ "GET", "/circ/textbooks", page_circ_textbooks, R_AUTH },
	{ "POST", "/circ/textbooks", page_circ_textbook_lend, R_AUTH },
	{ "GET", "/circ/classset", page_circ_classset, R_AUTH },
	{ "POST", "/circ/classset", page_circ_classset_lend, R_AUTH },
	{ "GET", "/patrons/cards", page_cards, R_AUTH },
	{ "GET", "/patrons/cards.pdf", page_cards_pdf, R_AUTH },
	{ "GET", "/circ/rules", page_circ_rules, R_AUTH },
	{ "POST", "/circ/rules", page_circ_rule_set, R_AUTH },
	{ "POST", "/circ/rules/reset", page_circ_rule_reset, R_AUTH },
	{ "GET", "/circ/calendar", page_circ_calendar, R_AUTH },
	{ "POST", "/circ/calendar/settings", page_circ_settings, R_AUTH },
	{ "POST", "/circ/calendar/closed", page_circ_closed_add, R_AUTH },
	{ "POST", "/circ/calendar/closed/:id/delete", page_circ_closed_remove, R_AUTH },
	{ "GET", "/sru", page_sru, R_PUBLIC | R_PWCHANGE },
	{ "POST", "/sru", page_sru, R_PUBLIC | R_NOCSRF | R_PWCHANGE },
	{ "GET", "/sru/*", page_sru, R_PUBLIC | R_PWCHANGE },
	{ "POST", "/sru/*", page_sru, R_PUBLIC | R_NOCSRF | R_PWCHANGE },
	/* Reader self-service, reviews, reading lists (pages_me.c, pages_reviews.c, pages_lists.c). */
	{ "GET", "/me", page_me, R_AUTH },
	{ "GET", "/me/card.svg", page_me_card, R_AUTH },
	{ "POST", "/me/renew/:id", page_me_renew, R_AUTH },
	{ "POST", "/me/holds/:id/cancel", page_me_hold_cancel, R_AUTH },
	{ "POST", "/me/privacy", page_me_privacy, R_AUTH },
	{ "POST", "/opac/records/:id/hold", page_opac_hold, R_PUBLIC },
	{ "POST", "/opac/records/:id/review", page_opac_review, R_PUBLIC },
	{ "POST", "/patrons/accounts", page_patrons_accounts, R_AUTH },
	{ "POST", "/patrons/:id/account", page_patron_account, R_AUTH },
	{ "GET", "/reviews", page_reviews, R_AUTH },
	{ "POST", "/reviews/:id/approve", page_review_approve, R_AUTH },
	{ "POST", "/reviews/:id/reject", page_review_reject, R_AUTH },
	{ "GET", "/lists", page_lists, R_AUTH },
	{ "POST", "/lists", page_list_create, R_AUTH },
	{ "GET", "/lists/:id", page_list, R_AUTH },
	{ "POST", "/lists/:id/edit", page_list_edit, R_AUTH },
	{ "POST", "/lists/:id/delete", page_list_delete, R_AUTH },
	{ "POST", "/lists/:id/items", page_list_add, R_AUTH },
	{ "POST", "/lists/:id/items/remove", page_list_item_remove, R_AUTH },
	{ "POST", "/lists/:id/items/move", page_list_item_move, R_AUTH },
	/* The public catalogue (pages_opac.c): readable without login unless a school closed it. */
	{ "GET", "/opac", page_opac, R_PUBLIC },
	{ "GET", "/opac/s/*", page_opac_school, R_PUBLIC },
	{ "GET", "/opac/works/:id", page_opac_work, R_PUBLIC },
	{ "GET", "/opac/records/:id", page_opac_record, R_PUBLIC },
	{ "GET", "/opac/records/:id/marc", page_opac_marc, R_PUBLIC },
	{ "POST", "/opac/settings", page_opac_settings, R_AUTH },
	/* Weeding (pages_weeding.c); the public list is /opac/s/CODE/withdrawals/ID (pages_opac.c). */
	{ "GET", "/withdrawals", page_withdrawals, R_AUTH },
	{ "POST", "/withdrawals", page_withdrawal_create, R_AUTH },
	{ "GET", "/withdrawals/:id", page_withdrawal, R_AUTH },
	{ "POST", "/withdrawals/:id/items", page_withdrawal_items, R_AUTH },
	{ "POST", "/withdrawals/:id/items/remove", page_withdrawal_items_remove, R_AUTH },
	{ "POST", "/withdrawals/:id/items/reason", page_withdrawal_item_reason, R_AUTH },
	{ "POST", "/withdrawals/:id/propose", page_withdrawal_propose, R_AUTH },
	{ "POST", "/withdrawals/:id/approve", page_withdrawal_approve, R_AUTH },
	{ "POST", "/withdrawals/:id/return", page_withdrawal_return, R_AUTH },
	{ "GET", "/withdrawals/:id/minutes.pdf", page_withdrawal_minutes, R_AUTH },
	{ "GET", "/withdrawals/:id/list.xlsx", page_withdrawal_xlsx, R_AUTH },
	/* The registers (pages_registers.c): the hub, each register (page, ?format=pdf|xlsx). */
	{ "GET", "/registers", page_registers, R_AUTH },
	{ "GET", "/registers/tongquat", page_register, R_AUTH },
	{ "GET", "/registers/dkcb", page_register, R_AUTH },
	{ "GET", "/registers/sgk", page_register, R_AUTH },
	{ "GET", "/registers/baochi", page_register, R_AUTH },
	{ "GET", "/registers/muon", page_register, R_AUTH },
	{ "GET", "/registers/doctaicho", page_register, R_AUTH },
	{ "POST", "/registers/settings", page_registers_settings, R_AUTH },
	/* The existing stock of the paper registers (pages_stock.c). */
	{ "GET", "/stock/opening", page_stock_opening, R_AUTH },
	{ "POST", "/stock/opening", page_stock_opening_add, R_AUTH },
	{ "POST", "/stock/opening/import", page_stock_opening_import, R_AUTH | R_UPLOAD },
	{ "POST", "/stock/opening/commit", page_stock_opening_commit, R_AUTH },
	{ "GET", "/stock/opening/template.xlsx", page_stock_opening_template, R_AUTH },
	/* Periodicals (pages_serials.c). */
	{ "GET", "/serials", page_serials, R_AUTH },
	{ "POST", "/serials", page_serials_create, R_AUTH },
	{ "GET", "/serials/claims", page_serials_claims, R_AUTH },
	{ "POST", "/serials/receive", page_serials_receive, R_AUTH },
	{ "GET", "/serials/:id", page_serial, R_AUTH },
	{ "POST", "/serials/:id/subscriptions", page_serial_subscribe, R_AUTH },
	{ "POST", "/serials/:id/bind", page_serial_bind, R_AUTH },
	{ "POST", "/serials/issues/:id/receive", page_serial_receive, R_AUTH },
	{ "POST", "/serials/issues/:id/undo", page_serial_unreceive, R_AUTH },
	{ "POST", "/serials/issues/:id/claim", page_serial_claim, R_AUTH },
	/* Stocktakes (pages_stocktake.c). */
	{ "GET", "/stocktakes", page_stocktakes, R_AUTH },
	{ "POST", "/stocktakes", page_stocktake_create, R_AUTH },
	{ "GET", "/stocktakes/:id", page_stocktake, R_AUTH },
	{ "POST", "/stocktakes/:id/scans", page_stocktake_scans, R_AUTH },
	{ "POST", "/stocktakes/:id/upload", page_stocktake_upload, R_AUTH | R_UPLOAD },
	{ "POST", "/stocktakes/:id/close", page_stocktake_close, R_AUTH },
	{ "POST", "/stocktakes/:id/cancel", page_stocktake_cancel, R_AUTH },
	{ "POST", "/stocktakes/:id/lose", page_stocktake_lose, R_AUTH },
	{ "GET", "/stocktakes/:id/items", page_stocktake_items, R_AUTH },
	{ "GET", "/stocktakes/:id/report.pdf", page_stocktake_report, R_AUTH },
	/* Data exchange with the sector database (pages_exchange.c); /api/ is Bearer-only (server.c). */
	{ "GET", "/exchange/units", page_xchg_form, R_AUTH },
	{ "POST", "/exchange/units", page_xchg_upload, R_AUTH | R_UPLOAD },
	{ "POST", "/exchange/units/preview", page_xchg_preview, R_AUTH },
	{ "POST", "/exchange/units/commit", page_xchg_commit, R_AUTH },
	{ "GET", "/exchange/enrolment", page_xchg_form, R_AUTH },
	{ "POST", "/exchange/enrolment", page_xchg_upload, R_AUTH | R_UPLOAD },
	{ "POST", "/exchange/enrolment/preview", page_xchg_preview, R_AUTH },
	{ "POST", "/exchange/enrolment/commit", page_xchg_commit, R_AUTH },
	{ "GET", "/units/:id/enrolment", page_enrolment, R_AUTH },
	{ "POST", "/units/:id/enrolment", page_enrolment_set, R_AUTH },
	{ "GET", "/api-tokens", page_api_tokens, R_AUTH },
	{ "POST", "/api-tokens", page_api_token_create, R_AUTH },
	{ "POST", "/api-tokens/:id/revoke", page_api_token_revoke, R_AUTH },
	{ "GET", "/api/v1/units", page_api_units, R_PUBLIC },
	{ "GET", "/api/v1/stats", page_api_stats, R_PUBLIC },
};

/* Does path match pattern? ":id" takes one segment of 1-18 digits; a trailing "*" takes the
 * rest of the path (at least one character). */
static int match(const char *pat, const char *path, int64_t *id)
{
	while (*pat && *path) {
		if (*pat == '*')
			return 1;
		if (pat[0] == ':' && pat[1] == 'i' && pat[2] == 'd') {
			const char *s = path;
			while (*path >= '0' && *path <= '9')
				path++;
			size_t n = (size_t)(path - s);
			if (n == 0 || n > 18 || (*path && *path != '/') || *s == '0')
				return 0;
			*id = strtoll(s, NULL, 10);
			pat += 3;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return !*pat && !*path;
}

const route_t *routes_match(const char *method, const char *path, int64_t *id, int *status,
                            const char **allow)
{
	int path_known = 0;
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int64_t v = 0;
		if (!match(routes[i].pattern, path, &v))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			*id = v;
			return &routes[i];
		}
		int get = strcmp(routes[i].method, "GET") == 0;
		if (!path_known)
			*allow = get ? "GET, HEAD" : routes[i].method;
		else if (strncmp(*allow, routes[i].method, strlen(routes[i].method)) != 0)
			*allow = "GET, HEAD, POST";
		path_known = 1;
	}
	*status = path_known ? 405 : 404;
	return NULL;
}
