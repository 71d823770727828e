/* test_chart.c: the server-drawn SVG bar charts (src/web/chart.h): well-formed XML that libxml2
 * parses, one rect per bar in proportion, labels and links escaped, figures in Vietnamese
 * thousands, long labels cut on a character boundary, and the no-data chart. */
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

#include "check.h"
#include "base/text.h"
#include "web/chart.h"

/* Parse the SVG; NULL when it is not well-formed. */
static xmlDocPtr parse(const buf_t *b)
{
	return xmlReadMemory(buf_str(b), (int)b->len, "chart.svg", "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR);
}

static int count(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	int n = r && r->nodesetval ? r->nodesetval->nodeNr : -1;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return n;
}

static double attr(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	double v = r ? xmlXPathCastToNumber(r) : -1;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return v;
}

static void test_columns(void)
{
	chart_bar_t bars[] = { { "T9", 1200, "/x?month=2025-09&a=1" }, { "T10", 600, NULL }, { "<b>&", 0, NULL },
		               { "T12", -5, NULL } };
	buf_t b = BUF_INIT;
	chart_bars_svg(&b, "Lượt mượn \"theo\" tháng", bars, 4, CHART_COLUMNS, NULL);
	xmlDocPtr doc = parse(&b);
	CHECK(doc != NULL);
	if (doc) {
		CHECK_INT(count(doc, "//s:rect"), 4);
		CHECK_INT(count(doc, "//s:a"), 1);
		CHECK(strstr(buf_str(&b), "href=\"/x?month=2025-09&amp;a=1\"") != NULL);
		/* 1,200 on an axis topped at 2,000: the first bar is 60 % of the plot, the second half
		 * of it, the negative one flat */
		double h0 = attr(doc, "number((//s:rect)[1]/@height)"), h1 = attr(doc, "number((//s:rect)[2]/@height)");
		CHECK(h0 > 0 && h1 > 0 && h0 > 1.99 * h1 && h0 < 2.01 * h1);
		CHECK(attr(doc, "number((//s:rect)[4]/@height)") == 0);
		CHECK_INT(count(doc, "//s:title[.='T9: 1.200']"), 1);
		CHECK_INT(count(doc, "//s:text[.='&lt;b&gt;&amp;']"), 0); /* escaped once, not twice */
		CHECK_INT(count(doc, "//s:text[.='<b>&']"), 1);
		CHECK_INT(count(doc, "/s:svg/s:title[.='Lượt mượn \"theo\" tháng']"), 1);
		CHECK_INT(count(doc, "//s:text[.='2.000']"), 1); /* the axis' top */
		xmlFreeDoc(doc);
	}
	buf_release(&b);
}

static void test_bars_and_empty(void)
{
	chart_bar_t bars[] = { { "Văn học – nghệ thuật, một nhóm có tên rất dài hơn bốn mươi byte", 2.5, NULL },
		               { "Khác", 1, NULL } };
	buf_t b = BUF_INIT;
	chart_bars_svg(&b, "Vốn tài liệu", bars, 2, CHART_BARS, NULL);
	xmlDocPtr doc = parse(&b);
	CHECK(doc != NULL);
	CHECK(text_valid_utf8(buf_str(&b), b.len));
	if (doc) {
		CHECK_INT(count(doc, "//s:rect"), 2);
		CHECK_INT(count(doc, "//s:text[contains(., '…')]"), 1);
		CHECK_INT(count(doc, "//s:text[.='2,5']"), 1);
		xmlFreeDoc(doc);
	}
	buf_reset(&b);
	chart_bars_svg(&b, "Trống", bars, 0, CHART_COLUMNS, "Chưa có số liệu");
	doc = parse(&b);
	CHECK(doc != NULL);
	if (doc) {
		CHECK_INT(count(doc, "//s:rect"), 0);
		CHECK_INT(count(doc, "//s:text[.='Chưa có số liệu']"), 1);
		xmlFreeDoc(doc);
	}
	buf_release(&b);
}

int main(void)
{
	RUN(test_columns);
	RUN(test_bars_and_empty);
	xmlCleanupParser();
	return check_summary("chart");
}
