/* print.h: printed forms of Vietnamese school administration, as A4 PDF (cairo + pango): the
 * registers (sổ đăng ký), the minutes (biên bản kiểm kê, biên bản thanh lý) and, later, the
 * reports. One small writer that every printed form goes through, so they all look alike and
 * look like the paper forms inspectors know:
 *
 *   - the unit block at the top left (the governing body, the school in bold capitals, a rule
 *     under it) and, for minutes and reports, the national motto at the top right (CỘNG HÒA XÃ
 *     HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc);
 *   - a title, centred, bold, and lines under it;
 *   - ruled tables whose header (one or two rows: a group cell may span several columns, e.g.
 *     "Phân theo nội dung") repeats at the top of every page; a row never splits across pages;
 *     cells wrap within their column;
 *   - page numbers at the foot of every page but the cover ("Trang 3"; the form's short name at
 *     the left of the foot line, e.g. "Sổ đăng ký cá biệt – STK");
 *   - a cover page for the registers (the unit, the big title, the register, the years, "Bắt
 *     đầu ngày … / Kết thúc ngày …");
 *   - the place-and-date line ("Quận 1, ngày 29 tháng 11 năm 2026") and signature blocks
 *     ("NGƯỜI LẬP" / "HIỆU TRƯỞNG", "(Ký, ghi rõ họ tên)", room to sign, the name).
 *
 * Pages are written as they fill (cairo's PDF surface streams each finished page into the
 * output buffer), so a register of 30,000 lines costs the memory of one page plus the PDF bytes.
 * Text is Noto Sans through pango, so Vietnamese marks are shaped correctly and the PDF's text
 * can be extracted (pdftotext), which is how the tests read it.
 *
 *     print_doc_t *d = print_open(&out, &(print_opts_t){ .landscape = true,
 *                                  .foot = "Sổ đăng ký tổng quát" }, &err);
 *     print_cover(d, &unit, "SỔ ĐĂNG KÝ TỔNG QUÁT", "Năm học 2025-2026", NULL);
 *     print_unit_block(d, &unit, false);
 *     print_title(d, "PHẦN I. NHẬP KHO", NULL);
 *     print_table(d, cols, ncols);
 *     for each line: print_row(d); print_cell(d, "26.XI.2025"); print_cell_int(d, 12); ...
 *     print_table_end(d);
 *     print_signatures(d, "Quận 1", "2026-11-29", signs, 2);
 *     rc = print_close(d, rc, &err);   // finishes the PDF (or abandons it when rc < 0)
 *
 * Not thread-shared: one print_doc_t per request. Lengths are in millimetres.
 */
#ifndef THUVIEN_PRINT_PRINT_H
#define THUVIEN_PRINT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

typedef struct print_doc print_doc_t;

typedef struct print_opts {
	bool landscape;   /* A4 landscape (the general register, wide tables), else portrait */
	const char *foot; /* the form's short name at the left of every page's foot, or NULL */
	double font_pt;   /* body and table text size; 0: 9 pt (tables of many columns: 7) */
} print_opts_t;

/* The unit block: who issues the form. Filled from the database by print_unit_of(). */
typedef struct print_unit {
	const char *governing; /* "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1" (the parent unit, upper case) */
	const char *school;    /* "TRƯỜNG THCS NGUYỄN DU" (upper case) */
	const char *place;     /* for the date line: "Quận 1" (the parent's short place name), or "" */
	const char *name;      /* the unit's name as written ("Trường THCS Nguyễn Du") */
} print_unit_t;

/* The unit block of unit_id (a school): its parent unit's name as the governing body (the city's
 * Department for a school directly under it), both upper-cased with Vietnamese case mapping, and
 * the place taken from the parent's name ("Phòng GD&ĐT Quận 1" -> "Quận 1"). In the arena.
 * ERR_NOTFOUND for an unknown unit. The caller has already checked the actor may see it. */
int print_unit_of(db_t *db, int64_t unit_id, arena_t *a, print_unit_t *out, err_t *err);

enum { PRINT_LEFT = 0, PRINT_CENTRE = 1, PRINT_RIGHT = 2 };

typedef struct print_col {
	const char *head;  /* the column's header text; may hold '\n' */
	double width_mm;   /* 0: an equal share of what the fixed columns leave */
	int align;         /* PRINT_LEFT, PRINT_CENTRE, PRINT_RIGHT (numbers) */
	const char *group; /* a header cell spanning this and the following columns with the same
	                      group text (a second header row), or NULL */
} print_col_t;

typedef struct print_sign {
	const char *role; /* "NGƯỜI LẬP BIÊN BẢN", "HIỆU TRƯỞNG" */
	const char *name; /* printed under the room to sign, or NULL / "" */
} print_sign_t;

/* Start a document appended to out. NULL with err (ERR_INTERNAL) when cairo cannot. */
print_doc_t *print_open(buf_t *out, const print_opts_t *opts, err_t *err);

/* A cover page (no page number): the unit block, the title in large bold capitals in the
 * middle, up to two lines under it (e.g. the register's name, "Năm học 2025-2026"; NULL to
 * leave out), and "Bắt đầu ngày ...... / Kết thúc ngày ......" at the bottom. Ends the page. */
void print_cover(print_doc_t *d, const print_unit_t *u, const char *title, const char *line1,
                 const char *line2);

/* The unit block at the top left of the current page and, when motto is true, the national motto
 * at the top right (minutes and reports). */
void print_unit_block(print_doc_t *d, const print_unit_t *u, bool motto);

/* A centred bold title and an optional line under it (italic), with space after. */
void print_title(print_doc_t *d, const char *title, const char *sub);
/* A paragraph, wrapped to the page width; bold or not. */
void print_text(print_doc_t *d, const char *text, bool bold);
/* Leave mm of vertical space (a new page when it does not fit). */
void print_space(print_doc_t *d, double mm);
/* End the page and start the next (the header of an open table is repeated). */
void print_page(print_doc_t *d);

/* Start a table: its columns and header (drawn now and on every page the table reaches). */
void print_table(print_doc_t *d, const print_col_t *cols, size_t n);
/* Start the next row; its cells follow in column order. A row is drawn when the next starts or
 * the table ends, on a new page when it does not fit on this one. */
void print_row(print_doc_t *d);
/* The same, with the row's text in bold (a heading inside the table, a total line). */
void print_row_bold(print_doc_t *d);
/* A row of one cell spanning every column (a section heading). A tab in text sets what follows
 * it at the right end of the row ("Vật lý 8 – Tập 1\t53(075)": the class mark top right). */
void print_row_span(print_doc_t *d, const char *text, bool bold);
void print_cell(print_doc_t *d, const char *text);    /* NULL: empty */
void print_cell_int(print_doc_t *d, int64_t v);       /* "1.234" (Vietnamese grouping) */
void print_cell_money(print_doc_t *d, int64_t dong);  /* "1.234.000" */
void print_cell_day(print_doc_t *d, const char *iso); /* "yyyy-mm-dd" -> "dd/mm/yyyy"; else as is */
void print_table_end(print_doc_t *d);

/* The date line at the right ("<place>, ngày dd tháng mm năm yyyy"; day "yyyy-mm-dd"; place
 * NULL or "": "......, ngày ...") and n signature blocks side by side under it. Kept together
 * on one page. */
void print_signatures(print_doc_t *d, const char *place, const char *day, const print_sign_t *s, size_t n);

/* Pages written so far (the cover counts). */
int print_pages(const print_doc_t *d);

/* Finish the document (rc == 0) or abandon it (rc < 0, out is left holding junk the caller
 * drops) and free d. Returns rc, or ERR_INTERNAL when rc was 0 and cairo failed. */
int print_close(print_doc_t *d, int rc, err_t *err);

/* "26.XI.2025": the general register's way of writing a day (day.ROMAN-month.year), from
 * "yyyy-mm-dd" into out (at least 16 bytes); "" when iso is not a day. */
void print_day_roman(const char *iso, char *out, size_t n);

#define PRINT_MIME "application/pdf"

#endif
