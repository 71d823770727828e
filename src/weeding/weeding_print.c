/* weeding_print.c: a withdrawal batch on paper and in a workbook: the list (STT, Số ĐKCB, title,
 * author, year, price, reason) as XLSX with typed cells, and the minutes (biên bản thanh lọc tài
 * liệu) as A4 PDF through print.h: the unit block with the national motto, the title, the decision,
 * totals by reason and document type, the list, the signatures. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "base/xlsxw.h"
#include "weeding/weeding.h"

/* The batch's heading line: "Đợt thanh lọc số 3 · Quyết định 12/QĐ-THCS ngày 20/11/2026". */
static void heading(const weeding_batch_t *b, const char *lang, char *out, size_t n)
{
	char day[16];
	clock_day_vn(b->decision_day, day, sizeof day);
	if (b->number)
		snprintf(out, n, "%s · %s %lld · %s %s %s %s", b->unit_name, i18n_get(lang, "weeding.number"),
		         (long long)b->number, i18n_get(lang, "weeding.decision"), b->decision_no,
		         i18n_get(lang, "weeding.day_of"), day);
	else
		snprintf(out, n, "%s · %s", b->unit_name, i18n_get(lang, "weeding.status.draft"));
}

int weeding_xlsx(const weeding_batch_t *b, const weeding_item_t *items, size_t n, const char *lang, buf_t *out,
                 err_t *err)
{
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char sub[600];
	heading(b, lang, sub, sizeof sub);
	int rc = xlsxw_sheet(w, i18n_get(lang, "weeding.sheet"), i18n_get(lang, "weeding.list_title"), sub, err);
	if (rc < 0) {
		xlsxw_free(w);
		return rc;
	}
	const xlsxw_col_t cols[] = {
		{ i18n_get(lang, "weeding.col.no"), 6 },        { i18n_get(lang, "weeding.col.accession"), 14 },
		{ i18n_get(lang, "weeding.col.title"), 40 },    { i18n_get(lang, "weeding.col.authors"), 24 },
		{ i18n_get(lang, "weeding.col.year"), 8 },      { i18n_get(lang, "weeding.col.price"), 12 },
		{ i18n_get(lang, "weeding.col.reason"), 20 },   { i18n_get(lang, "weeding.col.doc_type"), 16 },
		{ i18n_get(lang, "weeding.col.note"), 24 },
	};
	xlsxw_header(w, cols, sizeof cols / sizeof cols[0]);
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const weeding_item_t *it = &items[i];
		xlsxw_row(w);
		xlsxw_int(w, (int64_t)i + 1);
		xlsxw_text(w, it->accession);
		xlsxw_text(w, it->title);
		xlsxw_text(w, it->authors);
		if (it->year)
			xlsxw_int(w, it->year);
		else
			xlsxw_skip(w);
		xlsxw_money(w, it->price);
		xlsxw_text(w, it->reason_name);
		xlsxw_text(w, it->doc_type_name);
		xlsxw_text(w, it->note);
		total += it->price;
	}
	xlsxw_row_bold(w);
	xlsxw_skip(w);
	xlsxw_text(w, i18n_get(lang, "weeding.total"));
	snprintf(sub, sizeof sub, "%zu %s", n, i18n_get(lang, "weeding.copies_unit"));
	xlsxw_text(w, sub);
	xlsxw_skip(w);
	xlsxw_skip(w);
	xlsxw_money(w, total);
	return xlsxw_finish(w, out, err);
}
