/* chart.h: bar charts as inline SVG, drawn on the server: no script, light on a phone, readable
 * by a screen reader (a title and one labelled element per bar), printable, and allowed by the
 * pages' Content-Security-Policy (attributes only, no style). A page shows the table beside the
 * chart: the chart is for looking, the table for reading exact figures.
 *
 *   chart_bar_t bars[] = { { "T9", 120, "/reports/loans?month=2025-09" }, ... };
 *   chart_bars_svg(&out, "Lượt mượn theo tháng", bars, n, CHART_COLUMNS);
 */
#ifndef THUVIEN_WEB_CHART_H
#define THUVIEN_WEB_CHART_H

#include <stddef.h>

#include "base/buf.h"

typedef struct chart_bar {
	const char *label; /* under a column, or left of a bar; UTF-8, escaped here */
	double value;      /* >= 0; a negative value is drawn as 0 */
	const char *href;  /* the list behind the number (drill-down), or NULL */
} chart_bar_t;

typedef enum {
	CHART_COLUMNS, /* vertical bars: months, grades (short labels, up to about 24) */
	CHART_BARS,    /* horizontal bars: document types, content groups, schools (long labels) */
} chart_kind_t;

/* Append to out an <svg> of n bars titled title (escaped). Values are written with Vietnamese
 * thousands separators, whole numbers unless a value has a fraction (one decimal). n == 0 or
 * every value 0 gives a small chart that says there is no data (no_data, escaped; NULL: "—"). */
void chart_bars_svg(buf_t *out, const char *title, const chart_bar_t *bars, size_t n, chart_kind_t kind,
                    const char *no_data);

#endif
