/* registry.c: the registry of indicators (indicators.h): one entry per figure, its names and
 * definitions in Vietnamese and English, kind, period and dimensions; periods; and how a value
 * is shown. Where each figure is read from is indicators.c's table `sources`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "indicators/registry.h"
#include "patrons/patrons.h"

#define HOLD_DIMS (IND_DIM_DOC_TYPE | IND_DIM_CONTENT | IND_DIM_LANGUAGE | IND_DIM_SOURCE | IND_DIM_FUNDING)
#define FLOW_DIMS (IND_DIM_DOC_TYPE | IND_DIM_SOURCE | IND_DIM_FUNDING | IND_DIM_MONTH)
#define LOAN_DIMS                                                                                            \
	(IND_DIM_MONTH | IND_DIM_PATRON_KIND | IND_DIM_CLASS | IND_DIM_GRADE | IND_DIM_DOC_TYPE | IND_DIM_CONTENT)
#define USE_DIMS (IND_DIM_MONTH | IND_DIM_PATRON_KIND | IND_DIM_CLASS | IND_DIM_DOC_TYPE)

const ind_def_t ind_registry[] = {
	/* holdings */
	{ "copies_held", "Số bản sách, tài liệu hiện có", "Copies held",
	  "Số bản (tài liệu) trong kho vào ngày cuối kỳ: mọi bản chưa thanh lọc, chưa mất.",
	  "Copies in the stock on the period's last day: every copy not withdrawn and not lost.", IND_COUNT,
	  IND_AT_END, HOLD_DIMS, NULL, NULL, NULL },
	{ "value_held", "Giá trị kho sách", "Value of the stock",
	  "Tổng giá trị (đồng) các bản hiện có vào ngày cuối kỳ: giá của bản, nếu không có thì giá của biểu ghi.",
	  "The value in đồng of the copies held on the period's last day: the copy's price, else its record's.",
	  IND_MONEY, IND_AT_END, HOLD_DIMS, NULL, NULL, NULL },
	{ "paper_copies_held", "Số bản sách in hiện có", "Printed books held",
	  "Số bản hiện có thuộc các loại tài liệu là sách in (SGK, SNV, STK, sách thiếu nhi: doc_types.paper_book).",
	  "Copies held whose document type is a printed book (textbooks, teachers', reference and children's books: "
	  "doc_types.paper_book).",
	  IND_COUNT, IND_AT_END, HOLD_DIMS, NULL, NULL, NULL },
	{ "stk_copies_held", "Số bản sách tham khảo hiện có", "Reference books held",
	  "Số bản hiện có thuộc loại sách tham khảo (STK).", "Copies held of the reference book type (STK).",
	  IND_COUNT, IND_AT_END, HOLD_DIMS, NULL, NULL, NULL },
	{ "snv_copies_held", "Số bản sách nghiệp vụ hiện có", "Teachers' books held",
	  "Số bản hiện có thuộc loại sách nghiệp vụ của giáo viên (SNV).",
	  "Copies held of the teachers' professional book type (SNV).", IND_COUNT, IND_AT_END, HOLD_DIMS, NULL, NULL,
	  NULL },
	{ "titles_held", "Số tên sách, tài liệu hiện có", "Titles held",
	  "Số biểu ghi (tên sách) còn ít nhất một bản trong kho, tính ở thời điểm hiện tại.",
	  "Records (titles) with at least one copy held, as they are now.", IND_COUNT, IND_NOW, IND_DIM_DOC_TYPE,
	  NULL, NULL, NULL },
	/* stock flows */
	{ "intake_copies", "Số bản nhập kho trong kỳ", "Copies taken in",
	  "Số bản được nhập kho trong kỳ (theo ngày vào sổ của bản, nếu không có thì ngày của đợt nhập).",
	  "Copies entered in the stock within the period (the copy's entry day, else its intake batch's).",
	  IND_COUNT, IND_WITHIN, FLOW_DIMS, NULL, NULL, NULL },
	{ "intake_value", "Giá trị nhập kho trong kỳ", "Value taken in",
	  "Tổng giá trị (đồng) các bản nhập kho trong kỳ.", "The value in đồng of the copies taken in within the period.",
	  IND_MONEY, IND_WITHIN, FLOW_DIMS, NULL, NULL, NULL },
	{ "withdrawn_copies", "Số bản thanh lọc trong kỳ", "Copies withdrawn",
	  "Số bản được xuất kho (thanh lọc) theo quyết định được duyệt trong kỳ.",
	  "Copies withdrawn from the stock by a withdrawal approved within the period.", IND_COUNT, IND_WITHIN,
	  FLOW_DIMS, NULL, NULL, NULL },
	{ "withdrawn_value", "Giá trị thanh lọc trong kỳ", "Value withdrawn",
	  "Tổng giá trị (đồng) các bản thanh lọc trong kỳ.", "The value in đồng of the copies withdrawn within the period.",
	  IND_MONEY, IND_WITHIN, FLOW_DIMS, NULL, NULL, NULL },
	{ "lost_copies", "Số bản mất trong kỳ", "Copies lost",
	  "Số bản được ghi mất trong kỳ, trừ các bản mất được tìm lại trong kỳ.",
	  "Copies marked lost within the period, less the lost copies found again within it.", IND_COUNT, IND_WITHIN,
	  FLOW_DIMS, NULL, NULL, NULL },
	{ "lost_value", "Giá trị sách mất trong kỳ", "Value lost",
	  "Tổng giá trị (đồng) các bản ghi mất trong kỳ.", "The value in đồng of the copies lost within the period.",
	  IND_MONEY, IND_WITHIN, FLOW_DIMS, NULL, NULL, NULL },
	/* periodicals */
	{ "periodical_titles", "Số tên báo, tạp chí", "Periodical titles",
	  "Số tên báo, tạp chí có đặt mua trong năm học.", "Periodical titles with a subscription in the school year.",
	  IND_COUNT, IND_YEAR, IND_DIM_FUNDING, NULL, NULL, "C4" },
	{ "periodical_copies", "Số bản báo, tạp chí mỗi kỳ", "Periodical copies per issue",
	  "Tổng số bản mỗi số báo, tạp chí theo các đơn đặt mua của năm học.",
	  "The copies of each issue, summed over the school year's subscriptions.", IND_COUNT, IND_YEAR,
	  IND_DIM_FUNDING, NULL, NULL, "C4" },
	/* readers */
	{ "readers_registered", "Số bạn đọc đã đăng ký", "Registered readers",
	  "Số bạn đọc đang hoạt động (thẻ còn hiệu lực), tính ở thời điểm hiện tại.",
	  "Readers whose status is active, as they are now.", IND_COUNT, IND_NOW,
	  IND_DIM_PATRON_KIND | IND_DIM_CLASS | IND_DIM_GRADE, NULL, NULL, NULL },
	{ "readers_new", "Số bạn đọc mới", "New readers",
	  "Số bạn đọc được đăng ký lần đầu trong kỳ.", "Readers registered for the first time within the period.",
	  IND_COUNT, IND_WITHIN, IND_DIM_MONTH | IND_DIM_PATRON_KIND, NULL, NULL, NULL },
	{ "readers_active", "Số bạn đọc sử dụng thư viện", "Active readers",
	  "Số bạn đọc khác nhau có ít nhất một lượt mượn hoặc đọc tại chỗ trong năm học.",
	  "Distinct readers with at least one loan or in-library use in the school year.", IND_COUNT, IND_YEAR,
	  IND_DIM_PATRON_KIND | IND_DIM_CLASS, NULL, NULL, "C9" },
	{ "readers_active_pupils", "Số học sinh sử dụng thư viện", "Active pupils",
	  "Số học sinh khác nhau có ít nhất một lượt mượn hoặc đọc tại chỗ trong năm học.",
	  "Distinct pupils with at least one loan or in-library use in the school year.", IND_COUNT, IND_YEAR,
	  IND_DIM_CLASS, NULL, NULL, "C9" },
	{ "readers_active_teachers", "Số giáo viên sử dụng thư viện", "Active teachers",
	  "Số giáo viên khác nhau có ít nhất một lượt mượn hoặc đọc tại chỗ trong năm học.",
	  "Distinct teachers with at least one loan or in-library use in the school year.", IND_COUNT, IND_YEAR, 0,
	  NULL, NULL, "C9" },
	/* loans and uses */
	{ "loans_total", "Tổng lượt mượn", "Loans",
	  "Số lượt mượn trong kỳ, mọi hình thức (gia hạn không tính là lượt mượn mới).",
	  "Loans made within the period, of every kind (a renewal is not a new loan).", IND_COUNT, IND_WITHIN,
	  LOAN_DIMS, NULL, NULL, "C9" },
	{ "loans_home", "Lượt mượn về nhà", "Take-home loans", "Số lượt mượn về nhà trong kỳ.",
	  "Take-home loans made within the period.", IND_COUNT, IND_WITHIN, LOAN_DIMS, NULL, NULL, NULL },
	{ "loans_textbook", "Lượt mượn SGK cả năm", "Textbook loans for the year",
	  "Số lượt mượn sách giáo khoa dùng cả năm học trong kỳ.",
	  "Textbook loans for the school year made within the period.", IND_COUNT, IND_WITHIN, LOAN_DIMS, NULL, NULL,
	  NULL },
	{ "loans_class_set", "Lượt mượn sách theo lớp", "Class-set loans",
	  "Số lượt mượn bộ sách cho lớp (tủ sách lớp) trong kỳ.", "Class-set loans made within the period.",
	  IND_COUNT, IND_WITHIN, LOAN_DIMS, NULL, NULL, NULL },
	{ "uses_in_library", "Lượt đọc tại chỗ", "In-library uses",
	  "Số lượt sử dụng tài liệu tại thư viện trong kỳ (mỗi bản được đọc là một lượt).",
	  "Uses of documents in the library within the period (each document read counts once).", IND_COUNT,
	  IND_WITHIN, USE_DIMS, NULL, NULL, NULL },
	{ "visits", "Lượt bạn đọc đến thư viện", "Visits",
	  "Số lần ghi nhận bạn đọc đến đọc tại thư viện trong kỳ.",
	  "Times a reader's in-library reading was recorded within the period.", IND_COUNT, IND_WITHIN, USE_DIMS,
	  NULL, NULL, NULL },
	{ "loans_open", "Số sách đang cho mượn", "Loans out",
	  "Số lượt mượn chưa trả, tính ở thời điểm hiện tại.", "Loans not yet returned, as they are now.", IND_COUNT,
	  IND_NOW, IND_DIM_PATRON_KIND, NULL, NULL, NULL },
	{ "loans_overdue", "Số sách quá hạn", "Loans overdue",
	  "Số lượt mượn chưa trả có hạn trả trước hôm nay.", "Loans not yet returned whose due day is before today.",
	  IND_COUNT, IND_NOW, IND_DIM_PATRON_KIND, NULL, NULL, NULL },
	/* enrolment */
	{ "pupils", "Số học sinh", "Pupils", "Số học sinh của trường trong năm học (sĩ số do trường nhập hoặc từ CSDL ngành).",
	  "The school's pupils in the school year (typed by the school or imported from the sector database).",
	  IND_COUNT, IND_YEAR, 0, NULL, NULL, NULL },
	{ "teachers", "Số giáo viên", "Teachers", "Số giáo viên của trường trong năm học.",
	  "The school's teachers in the school year.", IND_COUNT, IND_YEAR, 0, NULL, NULL, NULL },
	/* ratios */
	{ "copies_per_pupil", "Số bản sách bình quân / học sinh", "Printed books per pupil",
	  "Số bản sách in hiện có chia cho số học sinh.", "Printed books held divided by pupils.", IND_RATIO,
	  IND_AS_PARTS, 0, "paper_copies_held", "pupils", "C1" },
	{ "stk_per_pupil", "Số bản sách tham khảo / học sinh", "Reference books per pupil",
	  "Số bản sách tham khảo hiện có chia cho số học sinh.", "Reference books held divided by pupils.", IND_RATIO,
	  IND_AS_PARTS, 0, "stk_copies_held", "pupils", "C12" },
	{ "sets_per_teacher", "Sách nghiệp vụ bình quân / giáo viên", "Teachers' books per teacher",
	  "Số bản sách nghiệp vụ hiện có chia cho số giáo viên (tỉ số đơn giản; từng bộ theo khối/môn ở mục đánh giá).",
	  "Teachers' books held divided by teachers (the simple ratio; sets by grade or subject are the evaluation's).",
	  IND_RATIO, IND_AS_PARTS, 0, "snv_copies_held", "teachers", "C3" },
	{ "loans_per_pupil", "Lượt mượn bình quân / học sinh", "Loans per pupil",
	  "Tổng lượt mượn trong kỳ chia cho số học sinh.", "Loans within the period divided by pupils.", IND_RATIO,
	  IND_AS_PARTS, 0, "loans_total", "pupils", "C9" },
	{ "usage_rate_pupils", "Tỉ lệ học sinh sử dụng thư viện", "Pupils' usage rate",
	  "Số học sinh có ít nhất một lượt mượn hoặc đọc tại chỗ trong năm học chia cho số học sinh.",
	  "Distinct pupils with a loan or in-library use in the school year divided by pupils.", IND_PERCENT,
	  IND_AS_PARTS, 0, "readers_active_pupils", "pupils", "C9" },
	{ "usage_rate_teachers", "Tỉ lệ giáo viên sử dụng thư viện", "Teachers' usage rate",
	  "Số giáo viên có ít nhất một lượt mượn hoặc đọc tại chỗ trong năm học chia cho số giáo viên.",
	  "Distinct teachers with a loan or in-library use in the school year divided by teachers.", IND_PERCENT,
	  IND_AS_PARTS, 0, "readers_active_teachers", "teachers", "C9" },
};
const size_t ind_registry_n = sizeof ind_registry / sizeof ind_registry[0];
#define defs ind_registry
#define NDEFS ind_registry_n

const ind_def_t *indicators_all(size_t *n)
{
	*n = NDEFS;
	return defs;
}

static int def_index(const char *id)
{
	for (size_t i = 0; id && i < NDEFS; i++)
		if (strcmp(defs[i].id, id) == 0)
			return (int)i;
	return -1;
}

const ind_def_t *indicators_find(const char *id)
{
	int i = def_index(id);
	return i < 0 ? NULL : &defs[i];
}

/* --- periods ------------------------------------------------------------------------------- */

static int month_valid(const char *s)
{
	if (!s || strlen(s) != 7 || s[4] != '-')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return 0;
	int m = atoi(s + 5);
	return m >= 1 && m <= 12;
}

int indicators_period(const char *year, const char *from, const char *to, ind_period_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!year || !*year) {
		patrons_school_year(clock_today_vn(), out->year, sizeof out->year);
	} else {
		if (patrons_school_year_start(year) < 0)
			return err_set(err, ERR_INVALID, "err.indicators.period", "%s", year);
		snprintf(out->year, sizeof out->year, "%s", year);
	}
	int y = patrons_school_year_start(out->year);
	snprintf(out->first, sizeof out->first, "%04d-08", y);
	snprintf(out->last, sizeof out->last, "%04d-07", y + 1);
	if (from && *from && (!strcmp(from, "hk1") || !strcmp(from, "hk2"))) {
		if (to && *to)
			return err_set(err, ERR_INVALID, "err.indicators.period", "%s, %s", from, to);
		if (!strcmp(from, "hk1"))
			snprintf(out->last, sizeof out->last, "%04d-12", y);
		else
			snprintf(out->first, sizeof out->first, "%04d-01", y + 1);
		return 0;
	}
	if (from && *from) {
		if (!month_valid(from) || strcmp(from, out->first) < 0 || strcmp(from, out->last) > 0)
			return err_set(err, ERR_INVALID, "err.indicators.period", "%s", from);
		snprintf(out->first, sizeof out->first, "%s", from);
	}
	if (to && *to) {
		if (!month_valid(to) || strcmp(to, out->first) < 0 || strcmp(to, out->last) > 0)
			return err_set(err, ERR_INVALID, "err.indicators.period", "%s", to);
		snprintf(out->last, sizeof out->last, "%s", to);
	}
	return 0;
}

/* --- values -------------------------------------------------------------------------------- */

static bool is_ratio(const ind_def_t *d)
{
	return d->kind == IND_RATIO || d->kind == IND_PERCENT;
}

bool indicators_has_value(const ind_def_t *def, ind_value_t v)
{
	return !is_ratio(def) || v.d != 0;
}

double indicators_real(const ind_def_t *def, ind_value_t v)
{
	if (!is_ratio(def))
		return (double)v.n;
	if (v.d == 0)
		return 0;
	return (def->kind == IND_PERCENT ? 100.0 : 1.0) * (double)v.n / (double)v.d;
}

/* Digits of |v| grouped by sep. */
static void grouped(int64_t v, char sep, char *out, size_t n)
{
	char digits[32], tmp[48];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	snprintf(digits, sizeof digits, "%llu", u);
	size_t len = strlen(digits), k = 0;
	if (v < 0)
		tmp[k++] = '-';
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			tmp[k++] = sep;
		tmp[k++] = digits[i];
	}
	tmp[k] = 0;
	snprintf(out, n, "%s", tmp);
}

void indicators_format(const ind_def_t *def, ind_value_t v, const char *lang, char *out, size_t n)
{
	bool en = lang && !strcmp(lang, "en");
	char g[48];
	if (!indicators_has_value(def, v)) {
		snprintf(out, n, "–");
		return;
	}
	if (!is_ratio(def)) {
		grouped(v.n, en ? ',' : '.', g, sizeof g);
		snprintf(out, n, def->kind == IND_MONEY ? "%s đ" : "%s", g);
		return;
	}
	/* two decimals, rounded half up, without floating point */
	int64_t scale = def->kind == IND_PERCENT ? 10000 : 100;
	int64_t x = (v.n * scale * 2 + v.d) / (v.d * 2);
	grouped(x / 100, en ? ',' : '.', g, sizeof g);
	int64_t frac = x % 100;
	if (frac < 0)
		frac = -frac;
	snprintf(out, n, "%s%c%02lld%s", g, en ? '.' : ',', (long long)frac, def->kind == IND_PERCENT ? " %" : "");
}

