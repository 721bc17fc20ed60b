/* A small SVG chart writer for the reports: figures made of panels ("axes") holding
 * scatter points, lines, reference lines and horizontal bars, with nice ticks, grid,
 * axis labels, titles and legends. Output is deterministic (fixed number formatting).
 *
 * Series data are copied when added, so callers may free their arrays at once. Allocation
 * failures are sticky: they make rq_fig_render fail, so callers need not check each add.
 *
 * The SVG is structured for checking: every panel is <g class="axes"> holding one
 * <rect class="plot-area"> and a <g class="data"> (clipped to the plot area) with the
 * points (<circle>), lines (<polyline>) and bars (<rect>). */
#ifndef RQ_PLOT_SVG_H
#define RQ_PLOT_SVG_H

#include <stddef.h>

#include "common/error.h"

/* Colour-blind-safe palette (Okabe & Ito). */
#define RQ_COL_TRUE "#222222"
#define RQ_COL_FP32 "#0072B2"
#define RQ_COL_INT8 "#D55E00"
#define RQ_COL_GREEN "#009E73"
#define RQ_COL_GREY "#777777"

typedef struct rq_fig rq_fig;
typedef struct rq_axes rq_axes;

typedef enum rq_legend_pos {
    RQ_LEGEND_NONE,
    RQ_LEGEND_TOP_LEFT,
    RQ_LEGEND_TOP_RIGHT,
    RQ_LEGEND_BOTTOM_RIGHT,
    RQ_LEGEND_BOTTOM_LEFT,
} rq_legend_pos;

rq_fig *rq_fig_new(double width, double height, const char *title);
void rq_fig_free(rq_fig *f);
/* A panel occupying the box (x, y, w, h) of the figure, in pixels from the top left;
 * the plot area is that box minus room for the title, tick labels and axis labels. */
rq_axes *rq_fig_add_axes(rq_fig *f, double x, double y, double w, double h);

void rq_axes_title(rq_axes *a, const char *title);
void rq_axes_labels(rq_axes *a, const char *xlabel, const char *ylabel);
void rq_axes_xlim(rq_axes *a, double lo, double hi);
void rq_axes_ylim(rq_axes *a, double lo, double hi);
void rq_axes_legend(rq_axes *a, rq_legend_pos pos);
/* A text box of one or more lines ('\n' separated) in the top-left corner of the plot area. */
void rq_axes_note(rq_axes *a, const char *text);

/* Non-finite points are skipped. A NULL or empty label keeps the series out of the legend. */
void rq_axes_scatter(rq_axes *a, size_t n, const double *x, const double *y, const char *color,
                     double radius, const char *label);
void rq_axes_line(rq_axes *a, size_t n, const double *x, const double *y, const char *color,
                  double width, int dashed, const char *label);
/* The line y = slope*x + intercept across the whole x range. */
void rq_axes_abline(rq_axes *a, double slope, double intercept, const char *color, int dashed,
                    const char *label);
/* A horizontal reference line with a short annotation written at its right end. */
void rq_axes_hline(rq_axes *a, double y, const char *color, int dashed, const char *annotation);
/* Horizontal bars, one per category, top to bottom, with the value printed beside each bar
 * using value_fmt (e.g. "%.1f dB"). The y axis then shows the category names. */
void rq_axes_hbars(rq_axes *a, size_t n, const char *const *names, const double *values,
                   const char *color, const char *value_fmt);

/* An entry of the figure's own legend: one row centred under the figure title, for
 * panels that share their series (keeps every plot area free). */
void rq_fig_legend_line(rq_fig *f, const char *label, const char *color, double width, int dashed);

/* The SVG document as a malloc'ed NUL-terminated string. */
int rq_fig_render(rq_fig *f, char **svg, size_t *len, rq_error *err);
/* Renders and writes atomically. */
int rq_fig_write(rq_fig *f, const char *path, rq_error *err);

/* Tick positions: a step of 1, 2 or 5 times a power of ten giving about `target` ticks in
 * [lo, hi]; fills up to max ticks, returns how many. Exposed for the unit tests. */
int rq_nice_ticks(double lo, double hi, int target, double *ticks, int max, double *step);

#endif
