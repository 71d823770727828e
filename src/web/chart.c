/* chart.c: bar charts as inline SVG (chart.h). Coordinates in a fixed viewBox; the SVG scales to
 * its container's width. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "web/chart.h"

#define W     640.0
#define FONT  12
#define FILL  "#3b6ea5"
#define GRID  "#d0d7de"
#define INK   "#1f2328"
#define MUTED "#57606a"

/* The axis' top: the smallest 1, 2 or 5 times a power of ten at or above max. */
static double nice_max(double max)
{
	if (max <= 0)
		return 1;
	double p = pow(10, floor(log10(max)));
	for (int i = 0; i < 3; i++) {
		double step = (double[]){ 1, 2, 5 }[i] * p;
		if (step >= max)
			return step;
	}
	return 10 * p;
}

static void put_number(buf_t *out, double v)
{
	char s[48];
	double whole = floor(v);
	text_thousands((int64_t)whole, s, sizeof s);
	buf_puts(out, s);
	if (v - whole >= 0.05)
		buf_printf(out, ",%d", (int)floor((v - whole) * 10 + 0.5) % 10);
}

static void put_text(buf_t *out, double x, double y, const char *anchor, const char *fill, const char *s)
{
	buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\" font-size=\"%d\">", x, y,
	           anchor, fill, FONT);
	buf_put_html(out, s, strlen(s));
	buf_puts(out, "</text>");
}

static void open_bar(buf_t *out, const chart_bar_t *b)
{
	if (b->href && *b->href) {
		buf_puts(out, "<a href=\"");
		buf_put_html(out, b->href, strlen(b->href));
		buf_puts(out, "\">");
	}
	buf_puts(out, "<g><title>");
	buf_put_html(out, b->label ? b->label : "", b->label ? strlen(b->label) : 0);
	buf_puts(out, ": ");
	put_number(out, b->value > 0 ? b->value : 0);
	buf_puts(out, "</title>");
}

static void close_bar(buf_t *out, const chart_bar_t *b)
{
	buf_puts(out, "</g>");
	if (b->href && *b->href)
		buf_puts(out, "</a>");
}

static void svg_open(buf_t *out, double h, const char *title)
{
	buf_printf(out,
	           "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\" "
	           "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, sans-serif\"><title>",
	           W, h);
	buf_put_html(out, title ? title : "", title ? strlen(title) : 0);
	buf_puts(out, "</title>");
}

void chart_bars_svg(buf_t *out, const char *title, const chart_bar_t *bars, size_t n, chart_kind_t kind,
                    const char *no_data)
{
	double max = 0;
	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	if (n == 0 || max <= 0) {
		svg_open(out, 60, title);
		put_text(out, W / 2, 34, "middle", MUTED, no_data ? no_data : "—");
		buf_puts(out, "</svg>");
		return;
	}
	double top = nice_max(max);
	if (kind == CHART_BARS) {
		double row = 26, left = 190, right = 70, h = row * (double)n + 10;
		double span = W - left - right;
		svg_open(out, h, title);
		for (size_t i = 0; i < n; i++) {
			const chart_bar_t *b = &bars[i];
			double v = b->value > 0 ? b->value : 0, y = 5 + row * (double)i;
			open_bar(out, b);
			char label[96];
			snprintf(label, sizeof label, "%s", b->label ? b->label : "");
			if (strlen(label) > 40) /* cut on a character boundary */
				for (size_t k = 37; k > 0; k--)
					if (((unsigned char)label[k] & 0xC0) != 0x80) {
						memcpy(label + k, "…", sizeof "…");
						break;
					}
			put_text(out, left - 8, y + row / 2 + 4, "end", INK, label);
			buf_printf(out,
			           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
			           left, y + 3, span * v / top, row - 6, FILL);
			buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"%d\">",
			           left + span * v / top + 6, y + row / 2 + 4, INK, FONT);
			put_number(out, v);
			buf_puts(out, "</text>");
			close_bar(out, b);
		}
		buf_puts(out, "</svg>");
		return;
	}
	double h = 260, left = 56, right = 10, upper = 18, lower = 36;
	double plot_w = W - left - right, plot_h = h - upper - lower, slot = plot_w / (double)n;
	svg_open(out, h, title);
	for (int g = 0; g <= 4; g++) { /* gridlines and their values */
		double y = upper + plot_h * (1 - g / 4.0);
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", left,
		           y, W - right, y, GRID);
		buf_printf(out,
		           "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\" font-size=\"%d\">",
		           left - 6, y + 4, MUTED, FONT);
		put_number(out, top * g / 4.0);
		buf_puts(out, "</text>");
	}
	for (size_t i = 0; i < n; i++) {
		const chart_bar_t *b = &bars[i];
		double v = b->value > 0 ? b->value : 0, bh = plot_h * v / top;
		double x = left + slot * (double)i + slot * 0.15, bw = slot * 0.7;
		open_bar(out, b);
		buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x,
		           upper + plot_h - bh, bw, bh, FILL);
		if (n <= 16 && v > 0) {
			buf_printf(out,
			           "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" "
			           "font-size=\"%d\">",
			           x + bw / 2, upper + plot_h - bh - 4, INK, FONT - 1);
			put_number(out, v);
			buf_puts(out, "</text>");
		}
		put_text(out, x + bw / 2, h - lower + 16, "middle", INK, b->label ? b->label : "");
		close_bar(out, b);
	}
	buf_puts(out, "</svg>");
}
