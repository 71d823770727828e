/* weeding_print.c: a withdrawal batch on paper and in a workbook: the list (STT, Số ĐKCB, title,
 * author, year, price, reason) as XLSX with typed cells, and the minutes (biên bản thanh lọc tài
 * liệu) as A4 PDF through print.h: the unit block with the national motto, the title, the decision,
 * totals by reason and document type, the list, the signatures. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/i18n.h"
#include "base/xlsxw.h"
#include "print/print.h"
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

int weeding_xlsx(const weeding_batch_t *b, const weeding_item_t *items, size_t n, const char *lang,
                 buf_t *out, err_t *err)
{
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char sub[600];
	heading(b, lang, sub, sizeof sub);
	int rc =
	    xlsxw_sheet(w, i18n_get(lang, "weeding.sheet"), i18n_get(lang, "weeding.list_title"), sub, err);
	if (rc < 0) {
		xlsxw_free(w);
		return rc;
	}
	const xlsxw_col_t cols[] = {
		{ i18n_get(lang, "weeding.col.no"), 6 },      { i18n_get(lang, "weeding.col.accession"), 14 },
		{ i18n_get(lang, "weeding.col.title"), 40 },  { i18n_get(lang, "weeding.col.authors"), 24 },
		{ i18n_get(lang, "weeding.col.year"), 8 },    { i18n_get(lang, "weeding.col.price"), 12 },
		{ i18n_get(lang, "weeding.col.reason"), 20 }, { i18n_get(lang, "weeding.col.doc_type"), 16 },
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

/* --- the minutes -------------------------------------------------------------------------------- */

int weeding_minutes_pdf(db_t *db, const weeding_batch_t *b, const weeding_item_t *items, size_t n,
                        const char *lang, arena_t *a, buf_t *out, err_t *err)
{
	print_unit_t u;
	int rc = print_unit_of(db, b->unit_id, a, &u, err);
	if (rc < 0)
		return rc;
	print_doc_t *d =
	    print_open(out, &(print_opts_t){ .foot = i18n_get(lang, "weeding.minutes_foot") }, err);
	if (!d)
		return err->code;
	print_unit_block(d, &u, true);
	bool approved = !strcmp(b->status, "approved");
	char line[800], day[16];
	if (approved) {
		clock_day_vn(b->decision_day, day, sizeof day);
		snprintf(line, sizeof line, "%s %s %s %s · %s %lld", i18n_get(lang, "weeding.decision_full"),
		         b->decision_no, i18n_get(lang, "weeding.day_of"), day,
		         i18n_get(lang, "weeding.number_full"), (long long)b->number);
	} else {
		snprintf(line, sizeof line, "%s (%s)", i18n_get(lang, "weeding.pdf_draft"),
		         i18n_get(lang, arena_printf(a, "weeding.status.%s", b->status)));
	}
	print_title(d, i18n_get(lang, "weeding.minutes_title"), line);
	if (*b->title) {
		snprintf(line, sizeof line, "%s: %s", i18n_get(lang, "weeding.f.title"), b->title);
		print_text(d, line, false);
	}
	if (*b->note) {
		snprintf(line, sizeof line, "%s: %s", i18n_get(lang, "weeding.f.note"), b->note);
		print_text(d, line, false);
	}
	int64_t value = 0;
	for (size_t i = 0; i < n; i++)
		value += items[i].price;
	snprintf(line, sizeof line, "%s: %zu %s, %s %lld đ.", i18n_get(lang, "weeding.pdf_total_line"), n,
	         i18n_get(lang, "weeding.copies_unit"), i18n_get(lang, "weeding.pdf_value"),
	         (long long)value);
	print_text(d, line, false);
	print_space(d, 3);

	/* I. Totals by reason and document type. */
	print_text(d, i18n_get(lang, "weeding.pdf_part1"), true);
	const print_col_t tcols[] = {
		{ i18n_get(lang, "weeding.col.no"), 10, PRINT_CENTRE, NULL },
		{ i18n_get(lang, "weeding.col.reason"), 0, PRINT_LEFT, NULL },
		{ i18n_get(lang, "weeding.col.doc_type"), 0, PRINT_LEFT, NULL },
		{ i18n_get(lang, "weeding.col.copies"), 25, PRINT_RIGHT, NULL },
		{ i18n_get(lang, "weeding.col.value"), 35, PRINT_RIGHT, NULL },
	};
	print_table(d, tcols, sizeof tcols / sizeof tcols[0]);
	weeding_total_t *t;
	size_t nt;
	weeding_totals(items, n, a, &t, &nt);
	for (size_t i = 0; i < nt; i++) {
		print_row(d);
		print_cell_int(d, (int64_t)i + 1);
		print_cell(d, t[i].reason_name);
		print_cell(d, t[i].doc_type_name);
		print_cell_int(d, t[i].copies);
		print_cell_money(d, t[i].value);
	}
	print_row_bold(d);
	print_cell(d, "");
	print_cell(d, i18n_get(lang, "weeding.total"));
	print_cell(d, "");
	print_cell_int(d, (int64_t)n);
	print_cell_money(d, value);
	print_table_end(d);
	print_space(d, 4);

	/* II. The list. */
	print_text(d, i18n_get(lang, "weeding.pdf_part2"), true);
	const print_col_t cols[] = {
		{ i18n_get(lang, "weeding.col.no"), 10, PRINT_CENTRE, NULL },
		{ i18n_get(lang, "weeding.col.accession"), 24, PRINT_LEFT, NULL },
		{ i18n_get(lang, "weeding.col.title"), 0, PRINT_LEFT, NULL },
		{ i18n_get(lang, "weeding.col.authors"), 32, PRINT_LEFT, NULL },
		{ i18n_get(lang, "weeding.col.year"), 13, PRINT_CENTRE, NULL },
		{ i18n_get(lang, "weeding.col.price"), 20, PRINT_RIGHT, NULL },
		{ i18n_get(lang, "weeding.col.reason"), 26, PRINT_LEFT, NULL },
	};
	print_table(d, cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < n; i++) {
		const weeding_item_t *it = &items[i];
		print_row(d);
		print_cell_int(d, (int64_t)i + 1);
		print_cell(d, it->accession);
		print_cell(d, it->title);
		print_cell(d, it->authors);
		if (it->year)
			print_cell_int(d, it->year);
		else
			print_cell(d, "");
		print_cell_money(d, it->price);
		print_cell(d, *it->note ? arena_printf(a, "%s (%s)", it->reason_name, it->note)
		                        : it->reason_name);
	}
	print_table_end(d);
	print_space(d, 6);
	const print_sign_t signs[] = {
		{ i18n_get(lang, "weeding.sign_maker"), b->created_by },
		{ i18n_get(lang, "weeding.sign_head"), approved ? b->approved_by : "" },
	};
	print_signatures(d, u.place, approved ? b->approved_day : NULL, signs, 2);
	return print_close(d, 0, err);
}
