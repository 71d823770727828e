/* report.c: the biên bản kiểm kê thư viện (stocktake minutes) of a closed session, through the
 * printed-form writer (print.h): the unit block and the national motto, the title, the day, the
 * scope and the members, the totals by document type (by the register, present, missing; copies
 * and value in đồng) read from the session's marks, the counts of what was not expected, the
 * missing copies (listed up to REPORT_LIST_MAX, else "xem danh sách kèm theo": the workbook of
 * GET /stocktakes/ID/items?result=missing), the conclusions, and the signatures. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "print/print.h"
#include "stocktake/stocktake_int.h"

#define REPORT_LIST_MAX 60

typedef struct type_total {
	const char *name;
	int64_t c_copies, c_value, m_copies, m_value;
} type_total_t;

static int read_types(db_t *db, int64_t id, arena_t *a, type_total_t **out, size_t *n, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT COALESCE(t.name_vi, b.doc_type), m.mark, COUNT(*), COALESCE(SUM(" STOCKTAKE_PRICE
	             "), 0), "
	             "MIN(COALESCE(t.sort, 0)) FROM stocktake_marks m JOIN items i ON i.id = m.item_id "
	             "JOIN biblios b ON b.id = i.biblio_id LEFT JOIN doc_types t ON t.code = b.doc_type "
	             "WHERE m.stocktake_id = ? GROUP BY COALESCE(t.name_vi, b.doc_type), m.mark "
	             "ORDER BY MIN(COALESCE(t.sort, 0)), COALESCE(t.name_vi, b.doc_type)",
	             "i", id);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		type_total_t *t = NULL;
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*out)[i].name, name))
				t = &(*out)[i];
		if (!t) {
			*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
			t = &(*out)[(*n)++];
			memset(t, 0, sizeof *t);
			t->name = arena_strdup(a, name);
		}
		if (!strcmp(db_col_text(st, 1), "M")) {
			t->m_copies += db_col_int(st, 2);
			t->m_value += db_col_int(st, 3);
		} else {
			t->c_copies += db_col_int(st, 2);
			t->c_value += db_col_int(st, 3);
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The accounts who scanned, "Nguyễn A, Trần B", or "". */
static const char *scanners(db_t *db, int64_t id, arena_t *a, err_t *err)
{
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT DISTINCT a.full_name FROM stocktake_scans x JOIN accounts a ON a.id = x.scanned_by "
	    "WHERE x.stocktake_id = ? ORDER BY a.full_name",
	    "i", id);
	if (!st)
		return NULL;
	buf_t b = BUF_INIT;
	while (db_step(st, err) == DB_ROW) {
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, db_col_text(st, 0));
	}
	db_done(st);
	const char *s = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return s;
}

static const char *scope_vi(arena_t *a, const char *scope)
{
	if (!strcmp(scope, "all"))
		return "toàn bộ thư viện";
	if (!strncmp(scope, "register:", 9))
		return arena_printf(a, "sổ đăng ký cá biệt %s", scope + 9);
	if (!strncmp(scope, "location:", 9))
		return arena_printf(a, "vị trí %s", scope + 9);
	if (!strncmp(scope, "class:", 6))
		return arena_printf(a, "môn loại (phân loại) %s", scope + 6);
	return scope;
}

/* "1.234.000" */
static const char *money(arena_t *a, int64_t v)
{
	char d[32], out[48];
	snprintf(d, sizeof d, "%lld", (long long)(v < 0 ? -v : v));
	size_t n = strlen(d), k = 0;
	if (v < 0)
		out[k++] = '-';
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = '.';
		out[k++] = d[i];
	}
	out[k] = 0;
	return arena_strdup(a, out);
}

int stocktake_report_pdf(db_t *db, const actor_t *actor, int64_t id, arena_t *a, buf_t *out, err_t *err)
{
	stocktake_t s;
	int rc;
	if ((rc = stocktake_get(db, actor, id, a, &s, err)) < 0)
		return rc;
	if (strcmp(s.status, "closed") != 0)
		return err_set(err, ERR_CONFLICT, "err.stocktake.not_closed", NULL);
	print_unit_t u;
	type_total_t *types = NULL;
	size_t ntypes = 0;
	stocktake_item_t *miss = NULL;
	size_t nmiss = 0;
	if ((rc = print_unit_of(db, s.unit_id, a, &u, err)) < 0 ||
	    (rc = read_types(db, id, a, &types, &ntypes, err)) < 0 ||
	    (rc = stocktake_items(db, actor, id, "missing", a, &miss, &nmiss, err)) < 0)
		return rc;
	const char *members = *s.members ? s.members : scanners(db, id, a, err);
	int64_t bal_copies = -1, bal_value = 0;
	if (!strcmp(s.scope, "all")) {
		db_stmt_t *st = db_query(
		    db, err,
		    "SELECT on_hand_copies, on_hand_value FROM stock_balances WHERE stocktake_id = ?", "i",
		    id);
		if (st && db_step(st, err) == DB_ROW) {
			bal_copies = db_col_int(st, 0);
			bal_value = db_col_int(st, 1);
		}
		db_done(st);
	}
	const char *day = s.closed_day ? s.closed_day : "";
	int y = 0, m = 0, dd = 0;
	sscanf(day, "%d-%d-%d", &y, &m, &dd);

	print_doc_t *d = print_open(out, &(print_opts_t){ .foot = "Biên bản kiểm kê thư viện" }, err);
	if (!d)
		return err->code;
	print_unit_block(d, &u, true);
	print_title(d, "BIÊN BẢN KIỂM KÊ THƯ VIỆN", arena_printf(a, "Năm học %s", s.school_year));
	print_text(
	    d,
	    arena_printf(a,
	                 "Hôm nay, ngày %02d tháng %02d năm %d, tại thư viện %s, chúng tôi tiến hành kiểm kê "
	                 "%s (phiên kiểm kê số %lld).",
	                 dd, m, y, u.name ? u.name : s.unit_name, scope_vi(a, s.scope), (long long)s.id),
	    false);
	print_text(d, arena_printf(a, "Thành phần gồm: %s", *members ? members : "......"), false);
	if (*s.note)
		print_text(d, arena_printf(a, "Ghi chú: %s", s.note), false);
	print_space(d, 3);
	print_text(d, "I. KẾT QUẢ KIỂM KÊ THEO LOẠI TÀI LIỆU", true);
	static const print_col_t cols[] = {
		{ "Loại tài liệu", 0, PRINT_LEFT, NULL },         { "Bản", 16, PRINT_RIGHT, "Theo sổ" },
		{ "Giá trị (đồng)", 26, PRINT_RIGHT, "Theo sổ" }, { "Bản", 16, PRINT_RIGHT, "Hiện có" },
		{ "Giá trị (đồng)", 26, PRINT_RIGHT, "Hiện có" }, { "Bản", 16, PRINT_RIGHT, "Thiếu" },
		{ "Giá trị (đồng)", 26, PRINT_RIGHT, "Thiếu" },
	};
	print_table(d, cols, sizeof cols / sizeof cols[0]);
	type_total_t tot = { .name = "Tổng cộng" };
	for (size_t i = 0; i <= ntypes; i++) {
		const type_total_t *t = i < ntypes ? &types[i] : &tot;
		if (i < ntypes) {
			tot.c_copies += t->c_copies;
			tot.c_value += t->c_value;
			tot.m_copies += t->m_copies;
			tot.m_value += t->m_value;
			print_row(d);
		} else {
			print_row_bold(d);
		}
		print_cell(d, t->name);
		print_cell_int(d, t->c_copies + t->m_copies);
		print_cell_money(d, t->c_value + t->m_value);
		print_cell_int(d, t->c_copies);
		print_cell_money(d, t->c_value);
		print_cell_int(d, t->m_copies);
		print_cell_money(d, t->m_value);
	}
	print_table_end(d);
	print_text(
	    d,
	    arena_printf(a,
	                 "Trong số hiện có, %lld bản đang cho mượn (tính là hiện có). Bản xếp sai chỗ: %lld; "
	                 "mã vạch không có trong kho: %lld.",
	                 (long long)s.c.on_loan, (long long)s.c.misplaced, (long long)s.c.unknown),
	    false);
	if (bal_copies >= 0)
		print_text(
		    d,
		    arena_printf(
		        a,
		        "Tổng số bản trong kho (sổ đăng ký tổng quát, phần III): %lld bản, trị giá %s đồng.",
		        (long long)bal_copies, money(a, bal_value)),
		    false);
	print_space(d, 3);
	print_text(d, arena_printf(a, "II. DANH SÁCH TÀI LIỆU THIẾU (%zu bản)", nmiss), true);
	if (nmiss == 0) {
		print_text(d, "Không có tài liệu thiếu.", false);
	} else if (nmiss > REPORT_LIST_MAX) {
		print_text(d, "Xem danh sách kèm theo.", false);
	} else {
		static const print_col_t mc[] = {
			{ "STT", 12, PRINT_RIGHT, NULL },        { "Số ĐKCB", 28, PRINT_LEFT, NULL },
			{ "Nhan đề", 0, PRINT_LEFT, NULL },      { "Phân loại", 22, PRINT_LEFT, NULL },
			{ "Giá (đồng)", 24, PRINT_RIGHT, NULL },
		};
		print_table(d, mc, sizeof mc / sizeof mc[0]);
		for (size_t i = 0; i < nmiss; i++) {
			print_row(d);
			print_cell_int(d, (int64_t)i + 1);
			print_cell(d, miss[i].accession);
			print_cell(d, miss[i].title);
			print_cell(d, miss[i].class_number);
			print_cell_money(d, miss[i].price);
		}
		print_table_end(d);
	}
	print_space(d, 3);
	print_text(d, "III. KẾT LUẬN", true);
	int64_t present = s.c.found + s.c.on_loan;
	print_text(
	    d,
	    *s.conclusion
	        ? s.conclusion
	        : arena_printf(
	              a,
	              "Theo sổ có %lld bản; hiện có %lld bản; thiếu %lld bản, trị giá %s đồng. Các bản "
	              "thiếu được tiếp tục tìm; chỉ ghi mất sau khi được xem xét, duyệt.",
	              (long long)s.c.expected, (long long)present, (long long)s.c.missing,
	              money(a, tot.m_value)),
	    false);
	print_text(d, "Biên bản được lập thành 02 bản, thư viện giữ 01 bản, nhà trường giữ 01 bản.", false);
	print_space(d, 4);
	const print_sign_t signs[] = { { "THỦ THƯ", s.closed_by },
		                       { "THÀNH VIÊN", NULL },
		                       { "HIỆU TRƯỞNG", NULL } };
	print_signatures(d, u.place, day, signs, 3);
	return print_close(d, 0, err);
}
