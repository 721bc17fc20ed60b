#include "eval/plot_svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"

/* Text metrics are estimated (SVG has no layout engine to ask): DejaVu Sans averages about
 * 0.6 em per character, which is enough to size margins and legend boxes. */
#define CHAR_W 0.6
#define FONT_TICK 11.0
#define FONT_LABEL 12.5
#define FONT_TITLE 14.0
#define FONT_FIG_TITLE 17.0
#define FONT_NOTE 11.5

typedef enum { S_SCATTER, S_LINE, S_ABLINE, S_HLINE, S_HBARS } series_kind;

typedef struct series {
    series_kind kind;
    size_t n;
    double *x, *y;      /* n points; ABLINE: x[0] slope, y[0] intercept; HLINE: y[0] */
    char **names;       /* HBARS: n category names */
    char color[24];
    double size;        /* point radius or line width */
    int dashed;
    char *label;        /* legend entry or HLINE annotation */
    char fmt[24];       /* HBARS value format */
} series;

struct rq_axes {
    rq_fig *fig;
    double bx, by, bw, bh;
    char *title, *xlabel, *ylabel, *note;
    int has_xlim, has_ylim;
    double xlo, xhi, ylo, yhi;
    rq_legend_pos legend;
    series *s;
    size_t ns, cap;
};

#define FIG_LEGEND_MAX 8

typedef struct fig_legend_entry {
    char label[64];
    char color[24];
    double width;
    int dashed;
} fig_legend_entry;

struct rq_fig {
    double w, h;
    char *title;
    fig_legend_entry legend[FIG_LEGEND_MAX];
    int n_legend;
    rq_axes **axes;
    size_t na;
    int oom;
};

/* ---- string building ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_grow(sbuf *b, size_t need)
{
    if (b->oom || b->len + need + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void __attribute__((format(printf, 2, 3))) sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    sb_grow(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Appends text with the five XML special characters escaped. */
static void sb_text(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_printf(b, "&amp;"); break;
        case '<': sb_printf(b, "&lt;"); break;
        case '>': sb_printf(b, "&gt;"); break;
        case '"': sb_printf(b, "&quot;"); break;
        case '\'': sb_printf(b, "&apos;"); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            sb_printf(b, "%c", (unsigned char)*s < 0x20 ? ' ' : *s);
        }
    }
}

/* Pixel coordinates with one decimal, never "-0.0", so output is stable and compact. */
static double px(double v)
{
    double r = round(v * 10.0) / 10.0;
    return r == 0.0 ? 0.0 : r;
}

/* ---- building the figure ---- */

static char *dup_str(rq_fig *f, const char *s)
{
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        f->oom = 1;
    return d;
}

rq_fig *rq_fig_new(double width, double height, const char *title)
{
    rq_fig *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->w = width;
    f->h = height;
    f->title = dup_str(f, title);
    return f;
}

static void free_series(series *s)
{
    free(s->x);
    free(s->y);
    if (s->names)
        for (size_t i = 0; i < s->n; i++)
            free(s->names[i]);
    free(s->names);
    free(s->label);
}

void rq_fig_free(rq_fig *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->na; i++) {
        rq_axes *a = f->axes[i];
        for (size_t j = 0; j < a->ns; j++)
            free_series(&a->s[j]);
        free(a->s);
        free(a->title);
        free(a->xlabel);
        free(a->ylabel);
        free(a->note);
        free(a);
    }
    free(f->axes);
    free(f->title);
    free(f);
}

/* A panel is never NULL for callers: on allocation failure a static sink absorbs the calls
 * and the figure remembers the failure for rq_fig_render. */
static rq_axes sink_axes;

rq_axes *rq_fig_add_axes(rq_fig *f, double x, double y, double w, double h)
{
    rq_axes *a = calloc(1, sizeof *a);
    rq_axes **v = a ? realloc(f->axes, (f->na + 1) * sizeof *v) : NULL;
    if (!v) {
        free(a);
        f->oom = 1;
        memset(&sink_axes, 0, sizeof sink_axes);
        return &sink_axes;
    }
    f->axes = v;
    f->axes[f->na++] = a;
    a->fig = f;
    a->bx = x;
    a->by = y;
    a->bw = w;
    a->bh = h;
    return a;
}

static void set_str(rq_axes *a, char **dst, const char *s)
{
    if (!a->fig)
        return;
    free(*dst);
    *dst = dup_str(a->fig, s);
}

void rq_axes_title(rq_axes *a, const char *title) { set_str(a, &a->title, title); }
void rq_axes_note(rq_axes *a, const char *text) { set_str(a, &a->note, text); }

void rq_axes_labels(rq_axes *a, const char *xlabel, const char *ylabel)
{
    set_str(a, &a->xlabel, xlabel);
    set_str(a, &a->ylabel, ylabel);
}

void rq_axes_xlim(rq_axes *a, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi) && hi > lo) {
        a->has_xlim = 1;
        a->xlo = lo;
        a->xhi = hi;
    }
}

void rq_axes_ylim(rq_axes *a, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi) && hi > lo) {
        a->has_ylim = 1;
        a->ylo = lo;
        a->yhi = hi;
    }
}

void rq_axes_legend(rq_axes *a, rq_legend_pos pos) { a->legend = pos; }

static series *new_series(rq_axes *a, series_kind kind, size_t n, const char *color)
{
    if (!a->fig)
        return NULL;
    if (a->ns == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        series *s = realloc(a->s, cap * sizeof *s);
        if (!s) {
            a->fig->oom = 1;
            return NULL;
        }
        a->s = s;
        a->cap = cap;
    }
    series *s = &a->s[a->ns];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->n = n;
    size_t m = n ? n : 1;
    s->x = calloc(m, sizeof *s->x);
    s->y = calloc(m, sizeof *s->y);
    if (!s->x || !s->y) {
        free(s->x);
        free(s->y);
        a->fig->oom = 1;
        return NULL;
    }
    snprintf(s->color, sizeof s->color, "%s", color ? color : RQ_COL_GREY);
    a->ns++;
    return s;
}

void rq_axes_scatter(rq_axes *a, size_t n, const double *x, const double *y, const char *color,
                     double radius, const char *label)
{
    series *s = new_series(a, S_SCATTER, n, color);
    if (!s)
        return;
    if (n) {
        memcpy(s->x, x, n * sizeof *x);
        memcpy(s->y, y, n * sizeof *y);
    }
    s->size = radius;
    s->label = dup_str(a->fig, label);
}

void rq_axes_line(rq_axes *a, size_t n, const double *x, const double *y, const char *color,
                  double width, int dashed, const char *label)
{
    series *s = new_series(a, S_LINE, n, color);
    if (!s)
        return;
    if (n) {
        memcpy(s->x, x, n * sizeof *x);
        memcpy(s->y, y, n * sizeof *y);
    }
    s->size = width;
    s->dashed = dashed;
    s->label = dup_str(a->fig, label);
}

void rq_axes_abline(rq_axes *a, double slope, double intercept, const char *color, int dashed,
                    const char *label)
{
    series *s = new_series(a, S_ABLINE, 1, color);
    if (!s)
        return;
    s->x[0] = slope;
    s->y[0] = intercept;
    s->size = 1.3;
    s->dashed = dashed;
    s->label = dup_str(a->fig, label);
}

void rq_axes_hline(rq_axes *a, double y, const char *color, int dashed, const char *annotation)
{
    series *s = new_series(a, S_HLINE, 1, color);
    if (!s)
        return;
    s->y[0] = y;
    s->size = 1.3;
    s->dashed = dashed;
    s->label = dup_str(a->fig, annotation);
}

void rq_axes_hbars(rq_axes *a, size_t n, const char *const *names, const double *values,
                   const char *color, const char *value_fmt)
{
    series *s = new_series(a, S_HBARS, n, color);
    if (!s)
        return;
    s->names = calloc(n ? n : 1, sizeof *s->names);
    if (!s->names) {
        a->fig->oom = 1;
        s->n = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        s->x[i] = values[i];
        s->names[i] = dup_str(a->fig, names[i] ? names[i] : "?");
    }
    snprintf(s->fmt, sizeof s->fmt, "%s", value_fmt ? value_fmt : "%.2f");
}

/* ---- ranges and ticks ---- */

static double nice_step(double raw)
{
    double e = floor(log10(raw));
    double base = pow(10.0, e);
    double f = raw / base;
    double nf = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7 ? 5 : 10;
    return nf * base;
}

int rq_nice_ticks(double lo, double hi, int target, double *ticks, int max, double *step)
{
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || target < 2 || max < 1)
        return 0;
    double st = 0;
    int n = 0;
    /* a narrow range can fall between two round values: take finer steps until two fit */
    for (int tries = 0; tries < 4 && n < 2; tries++, target *= 2) {
        st = nice_step((hi - lo) / (target - 1));
        double first = ceil(lo / st - 1e-9) * st;
        n = 0;
        for (double t = first; t <= hi + st * 1e-9 && n < max; t = first + n * st)
            ticks[n++] = fabs(t) < st * 1e-9 ? 0.0 : t;
    }
    if (step)
        *step = st;
    return n;
}

static int decimals_for(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

static void tick_label(char *buf, size_t n, double v, int decimals)
{
    snprintf(buf, n, "%.*f", decimals, v);
    if (!strcmp(buf, "-0") || !strncmp(buf, "-0.", 3)) {
        /* "-0.00" reads as a bug in a chart */
        int all_zero = 1;
        for (const char *c = buf + 1; *c; c++)
            if (*c != '0' && *c != '.')
                all_zero = 0;
        if (all_zero)
            memmove(buf, buf + 1, strlen(buf));
    }
}

typedef struct range {
    double lo, hi;
    int any;
} range;

static void range_add(range *r, double v)
{
    if (!isfinite(v))
        return;
    if (!r->any) {
        r->lo = r->hi = v;
        r->any = 1;
    } else {
        if (v < r->lo)
            r->lo = v;
        if (v > r->hi)
            r->hi = v;
    }
}

static void range_finish(range *r, double pad_lo, double pad_hi)
{
    if (!r->any) {
        r->lo = 0;
        r->hi = 1;
        return;
    }
    if (r->hi - r->lo < 1e-12) {
        double d = fabs(r->lo) > 1e-9 ? fabs(r->lo) * 0.1 : 1.0;
        r->lo -= d;
        r->hi += d;
        return;
    }
    double span = r->hi - r->lo;
    r->lo -= span * pad_lo;
    r->hi += span * pad_hi;
}

static int is_hbars(const rq_axes *a)
{
    for (size_t i = 0; i < a->ns; i++)
        if (a->s[i].kind == S_HBARS)
            return 1;
    return 0;
}

static void data_ranges(const rq_axes *a, range *xr, range *yr)
{
    memset(xr, 0, sizeof *xr);
    memset(yr, 0, sizeof *yr);
    int bars = 0;
    size_t nbars = 0;
    for (size_t i = 0; i < a->ns; i++) {
        const series *s = &a->s[i];
        switch (s->kind) {
        case S_SCATTER:
        case S_LINE:
            for (size_t j = 0; j < s->n; j++)
                if (isfinite(s->x[j]) && isfinite(s->y[j])) {
                    range_add(xr, s->x[j]);
                    range_add(yr, s->y[j]);
                }
            break;
        case S_HLINE:
            range_add(yr, s->y[0]);
            break;
        case S_HBARS:
            bars = 1;
            range_add(xr, 0.0);
            for (size_t j = 0; j < s->n; j++)
                range_add(xr, s->x[j]);
            if (s->n > nbars)
                nbars = s->n;
            break;
        case S_ABLINE:
            break;
        }
    }
    if (bars) {
        /* room on the right for the value printed beside each bar */
        range_finish(xr, xr->lo < 0 ? 0.05 : 0.0, 0.16);
        yr->lo = 0;
        yr->hi = (double)(nbars ? nbars : 1);
        yr->any = 1;
    } else {
        range_finish(xr, 0.04, 0.04);
        range_finish(yr, 0.06, 0.06);
    }
}

/* ---- rendering ---- */

typedef struct frame {
    double x0, y0, w, h;    /* plot area in pixels */
    double xlo, xhi, ylo, yhi;
} frame;

static double to_px_x(const frame *fr, double v) { return fr->x0 + (v - fr->xlo) / (fr->xhi - fr->xlo) * fr->w; }
static double to_px_y(const frame *fr, double v) { return fr->y0 + fr->h - (v - fr->ylo) / (fr->yhi - fr->ylo) * fr->h; }

static int target_ticks(double pixels, double per_tick)
{
    int n = (int)(pixels / per_tick);
    return n < 3 ? 3 : n > 10 ? 10 : n;
}

static double text_w(const char *s, double font) { return s ? (double)strlen(s) * CHAR_W * font : 0.0; }

static void dash_attr(sbuf *b, int dashed, double width)
{
    if (dashed)
        sb_printf(b, " stroke-dasharray=\"%.1f %.1f\"", 4.5 * width, 3.0 * width);
}

static void render_grid_and_ticks(sbuf *b, const rq_axes *a, const frame *fr, int bars,
                                  const series *barser)
{
    double xt[16], yt[16], xstep = 1, ystep = 1;
    int nx = rq_nice_ticks(fr->xlo, fr->xhi, target_ticks(fr->w, 75), xt, 16, &xstep);
    int xd = decimals_for(xstep);
    char lab[64];
    sb_printf(b, "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
    for (int i = 0; i < nx; i++) {
        double x = px(to_px_x(fr, xt[i]));
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, px(fr->y0), x,
                  px(fr->y0 + fr->h));
    }
    int ny = 0, yd = 0;
    if (!bars) {
        ny = rq_nice_ticks(fr->ylo, fr->yhi, target_ticks(fr->h, 55), yt, 16, &ystep);
        yd = decimals_for(ystep);
        for (int i = 0; i < ny; i++) {
            double y = px(to_px_y(fr, yt[i]));
            sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px(fr->x0), y,
                      px(fr->x0 + fr->w), y);
        }
    }
    sb_printf(b, "</g>\n<g class=\"ticks\" font-size=\"%.1f\" fill=\"#333\">\n", FONT_TICK);
    double ybase = fr->y0 + fr->h;
    for (int i = 0; i < nx; i++) {
        double x = px(to_px_x(fr, xt[i]));
        tick_label(lab, sizeof lab, xt[i], xd);
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n", x,
                  px(ybase), x, px(ybase + 4));
        sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                  px(ybase + 6 + FONT_TICK), lab);
    }
    if (!bars) {
        for (int i = 0; i < ny; i++) {
            double y = px(to_px_y(fr, yt[i]));
            tick_label(lab, sizeof lab, yt[i], yd);
            sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n",
                      px(fr->x0 - 4), y, px(fr->x0), y);
            sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                      px(fr->x0 - 6), px(y + FONT_TICK * 0.35), lab);
        }
    } else if (barser) {
        double band = fr->h / (fr->yhi - fr->ylo);
        for (size_t i = 0; i < barser->n; i++) {
            double y = px(fr->y0 + band * ((double)i + 0.5));
            sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", px(fr->x0 - 6),
                      px(y + FONT_TICK * 0.35));
            sb_text(b, barser->names[i]);
            sb_printf(b, "</text>\n");
        }
    }
    sb_printf(b, "</g>\n");
    (void)a;
}

static void render_series(sbuf *b, const series *s, const frame *fr)
{
    switch (s->kind) {
    case S_SCATTER:
        sb_printf(b, "<g class=\"series scatter\" fill=\"%s\" fill-opacity=\"0.55\" stroke=\"%s\" "
                     "stroke-opacity=\"0.8\" stroke-width=\"0.5\">\n", s->color, s->color);
        for (size_t i = 0; i < s->n; i++)
            if (isfinite(s->x[i]) && isfinite(s->y[i]))
                sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>\n", px(to_px_x(fr, s->x[i])),
                          px(to_px_y(fr, s->y[i])), s->size);
        sb_printf(b, "</g>\n");
        break;
    case S_LINE: {
        /* a gap (non-finite point) splits the line */
        size_t i = 0;
        while (i < s->n) {
            while (i < s->n && !(isfinite(s->x[i]) && isfinite(s->y[i])))
                i++;
            if (i >= s->n)
                break;
            if (i + 1 >= s->n || !(isfinite(s->x[i + 1]) && isfinite(s->y[i + 1]))) {
                i++; /* a lone point between gaps draws nothing as a line */
                continue;
            }
            sb_printf(b, "<polyline class=\"series line\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
                         "stroke-linejoin=\"round\" stroke-linecap=\"round\"", s->color, s->size);
            dash_attr(b, s->dashed, s->size);
            sb_printf(b, " points=\"");
            int first = 1;
            for (; i < s->n && isfinite(s->x[i]) && isfinite(s->y[i]); i++) {
                sb_printf(b, "%s%.1f,%.1f", first ? "" : " ", px(to_px_x(fr, s->x[i])), px(to_px_y(fr, s->y[i])));
                first = 0;
            }
            sb_printf(b, "\"/>\n");
        }
        break;
    }
    case S_ABLINE: {
        double x1 = fr->xlo, x2 = fr->xhi;
        sb_printf(b, "<polyline class=\"series abline\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"",
                  s->color, s->size);
        dash_attr(b, s->dashed, s->size);
        sb_printf(b, " points=\"%.1f,%.1f %.1f,%.1f\"/>\n", px(to_px_x(fr, x1)), px(to_px_y(fr, s->x[0] * x1 + s->y[0])),
                  px(to_px_x(fr, x2)), px(to_px_y(fr, s->x[0] * x2 + s->y[0])));
        break;
    }
    case S_HLINE: {
        double y = px(to_px_y(fr, s->y[0]));
        sb_printf(b, "<polyline class=\"series hline\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"",
                  s->color, s->size);
        dash_attr(b, s->dashed, s->size);
        sb_printf(b, " points=\"%.1f,%.1f %.1f,%.1f\"/>\n", px(fr->x0), y, px(fr->x0 + fr->w), y);
        break;
    }
    case S_HBARS: {
        double band = fr->h / (fr->yhi - fr->ylo);
        double x0 = to_px_x(fr, 0.0);
        sb_printf(b, "<g class=\"series bars\" fill=\"%s\">\n", s->color);
        for (size_t i = 0; i < s->n; i++) {
            if (!isfinite(s->x[i]))
                continue;
            double x1 = to_px_x(fr, s->x[i]);
            double top = fr->y0 + band * ((double)i + 0.18);
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", px(fmin(x0, x1)),
                      px(top), px(fabs(x1 - x0)), px(band * 0.64));
        }
        sb_printf(b, "</g>\n");
        break;
    }
    }
}

/* Annotations and bar values go above the clipped data so they are never cut. */
static void render_annotations(sbuf *b, const series *s, const frame *fr)
{
    if (s->kind == S_HLINE && s->label) {
        double y = to_px_y(fr, s->y[0]);
        if (y < fr->y0 || y > fr->y0 + fr->h)
            return;
        sb_printf(b, "<text class=\"annotation\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"%.1f\" "
                     "fill=\"%s\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">",
                  px(fr->x0 + fr->w - 5), px(y - 4), FONT_TICK, s->color);
        sb_text(b, s->label);
        sb_printf(b, "</text>\n");
    } else if (s->kind == S_HBARS) {
        double band = fr->h / (fr->yhi - fr->ylo);
        for (size_t i = 0; i < s->n; i++) {
            char val[64];
            if (isfinite(s->x[i]))
                snprintf(val, sizeof val, s->fmt, s->x[i]);
            else
                snprintf(val, sizeof val, "n/a");
            double x = to_px_x(fr, isfinite(s->x[i]) ? fmax(s->x[i], 0.0) : 0.0) + 5;
            double y = fr->y0 + band * ((double)i + 0.5) + FONT_TICK * 0.35;
            sb_printf(b, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" fill=\"#333\">",
                      px(x), px(y), FONT_TICK);
            sb_text(b, val);
            sb_printf(b, "</text>\n");
        }
    }
}

static void legend_swatch(sbuf *b, const series *s, double x, double y)
{
    if (s->kind == S_SCATTER)
        sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" fill-opacity=\"0.7\"/>\n", px(x + 11),
                  px(y), s->color);
    else {
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"",
                  px(x), px(y), px(x + 22), px(y), s->color, fmax(s->size, 1.5));
        dash_attr(b, s->dashed, fmin(s->size, 1.5));
        sb_printf(b, "/>\n");
    }
}

static void render_legend(sbuf *b, const rq_axes *a, const frame *fr)
{
    size_t n = 0;
    double wmax = 0;
    for (size_t i = 0; i < a->ns; i++)
        if (a->s[i].label && a->s[i].kind != S_HLINE) {
            n++;
            wmax = fmax(wmax, text_w(a->s[i].label, FONT_TICK));
        }
    if (!n || a->legend == RQ_LEGEND_NONE)
        return;
    double row = 17, w = wmax + 40, h = (double)n * row + 8;
    double x = (a->legend == RQ_LEGEND_TOP_LEFT || a->legend == RQ_LEGEND_BOTTOM_LEFT) ? fr->x0 + 8
                                                                                         : fr->x0 + fr->w - w - 8;
    double y = (a->legend == RQ_LEGEND_TOP_LEFT || a->legend == RQ_LEGEND_TOP_RIGHT) ? fr->y0 + 8
                                                                                       : fr->y0 + fr->h - h - 8;
    sb_printf(b, "<g class=\"legend\" font-size=\"%.1f\">\n", FONT_TICK);
    sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"#fff\" "
                 "fill-opacity=\"0.9\" stroke=\"#ccc\"/>\n", px(x), px(y), px(w), px(h));
    double cy = y + 4 + row / 2;
    for (size_t i = 0; i < a->ns; i++) {
        const series *s = &a->s[i];
        if (!s->label || s->kind == S_HLINE)
            continue;
        legend_swatch(b, s, x + 8, cy);
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">", px(x + 36), px(cy + FONT_TICK * 0.35));
        sb_text(b, s->label);
        sb_printf(b, "</text>\n");
        cy += row;
    }
    sb_printf(b, "</g>\n");
}

static void render_note(sbuf *b, const rq_axes *a, const frame *fr)
{
    if (!a->note)
        return;
    size_t lines = 1, cur = 0, longest = 0;
    for (const char *c = a->note; *c; c++) {
        if (*c == '\n') {
            lines++;
            cur = 0;
        } else if (++cur > longest)
            longest = cur;
    }
    double row = FONT_NOTE + 4;
    double w = (double)longest * CHAR_W * FONT_NOTE + 14, h = (double)lines * row + 8;
    double x = fr->x0 + 8, y = fr->y0 + 8;
    sb_printf(b, "<g class=\"note\" font-size=\"%.1f\">\n", FONT_NOTE);
    sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"#fff\" "
                 "fill-opacity=\"0.9\" stroke=\"#ccc\"/>\n", px(x), px(y), px(w), px(h));
    const char *line = a->note;
    for (size_t i = 0; i < lines; i++) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 255 ? len : 255), line);
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">", px(x + 7),
                  px(y + 4 + row * (double)i + FONT_NOTE));
        sb_text(b, buf);
        sb_printf(b, "</text>\n");
        line = end ? end + 1 : line + len;
    }
    sb_printf(b, "</g>\n");
}

/* Width the y tick labels need, from the labels the ticks will actually get. */
static double ytick_width(const rq_axes *a, double ylo, double yhi, double h, const series *barser)
{
    double wmax = 0;
    if (barser) {
        for (size_t i = 0; i < barser->n; i++)
            wmax = fmax(wmax, text_w(barser->names[i], FONT_TICK));
        return wmax;
    }
    double t[16], step = 1;
    int n = rq_nice_ticks(ylo, yhi, target_ticks(h, 55), t, 16, &step);
    int d = decimals_for(step);
    for (int i = 0; i < n; i++) {
        char lab[64];
        tick_label(lab, sizeof lab, t[i], d);
        wmax = fmax(wmax, text_w(lab, FONT_TICK));
    }
    (void)a;
    return wmax;
}

static void render_axes(sbuf *b, const rq_axes *a, int idx)
{
    range xr, yr;
    data_ranges(a, &xr, &yr);
    frame fr;
    fr.xlo = a->has_xlim ? a->xlo : xr.lo;
    fr.xhi = a->has_xlim ? a->xhi : xr.hi;
    fr.ylo = a->has_ylim ? a->ylo : yr.lo;
    fr.yhi = a->has_ylim ? a->yhi : yr.hi;
    int bars = is_hbars(a);
    const series *barser = NULL;
    for (size_t i = 0; i < a->ns; i++)
        if (a->s[i].kind == S_HBARS)
            barser = &a->s[i];

    double top = a->title ? FONT_TITLE + 14 : 8;
    double bottom = FONT_TICK + 12 + (a->xlabel ? FONT_LABEL + 10 : 0);
    double h_est = a->bh - top - bottom;
    double left = ytick_width(a, fr.ylo, fr.yhi, h_est, barser) + 12 + (a->ylabel ? FONT_LABEL + 10 : 0);
    double right = 14;
    fr.x0 = a->bx + left;
    fr.y0 = a->by + top;
    fr.w = a->bw - left - right;
    fr.h = h_est;
    if (fr.w < 10 || fr.h < 10)
        return;

    sb_printf(b, "<g class=\"axes\" id=\"axes%d\">\n", idx);
    sb_printf(b, "<defs><clipPath id=\"clip%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
                 "</clipPath></defs>\n", idx, px(fr.x0), px(fr.y0), px(fr.w), px(fr.h));
    sb_printf(b, "<rect class=\"plot-area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" "
                 "stroke=\"none\"/>\n", px(fr.x0), px(fr.y0), px(fr.w), px(fr.h));
    render_grid_and_ticks(b, a, &fr, bars, barser);
    sb_printf(b, "<g class=\"data\" clip-path=\"url(#clip%d)\">\n", idx);
    for (size_t i = 0; i < a->ns; i++)
        render_series(b, &a->s[i], &fr);
    sb_printf(b, "</g>\n");
    for (size_t i = 0; i < a->ns; i++)
        render_annotations(b, &a->s[i], &fr);
    sb_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                 "stroke=\"#999\"/>\n", px(fr.x0), px(fr.y0), px(fr.w), px(fr.h));
    render_note(b, a, &fr);
    render_legend(b, a, &fr);
    if (a->title) {
        sb_printf(b, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%.1f\" "
                     "font-weight=\"bold\" fill=\"#222\">", px(fr.x0 + fr.w / 2), px(a->by + FONT_TITLE + 2),
                  FONT_TITLE);
        sb_text(b, a->title);
        sb_printf(b, "</text>\n");
    }
    if (a->xlabel) {
        sb_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%.1f\" "
                     "fill=\"#222\">", px(fr.x0 + fr.w / 2), px(fr.y0 + fr.h + FONT_TICK + 14 + FONT_LABEL),
                  FONT_LABEL);
        sb_text(b, a->xlabel);
        sb_printf(b, "</text>\n");
    }
    if (a->ylabel) {
        double x = a->bx + FONT_LABEL, y = fr.y0 + fr.h / 2;
        sb_printf(b, "<text class=\"ylabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%.1f\" "
                     "fill=\"#222\" transform=\"rotate(-90 %.1f %.1f)\">", px(x), px(y), FONT_LABEL, px(x), px(y));
        sb_text(b, a->ylabel);
        sb_printf(b, "</text>\n");
    }
    sb_printf(b, "</g>\n");
}

void rq_fig_legend_line(rq_fig *f, const char *label, const char *color, double width, int dashed)
{
    if (f->n_legend >= FIG_LEGEND_MAX)
        return;
    fig_legend_entry *e = &f->legend[f->n_legend++];
    snprintf(e->label, sizeof e->label, "%s", label ? label : "");
    snprintf(e->color, sizeof e->color, "%s", color ? color : RQ_COL_GREY);
    e->width = width;
    e->dashed = dashed;
}

static void render_fig_legend(sbuf *b, const rq_fig *f)
{
    if (!f->n_legend)
        return;
    double total = 0;
    for (int i = 0; i < f->n_legend; i++)
        total += 30 + text_w(f->legend[i].label, FONT_LABEL) + 22;
    double x = f->w / 2 - total / 2, y = FONT_FIG_TITLE + 30;
    sb_printf(b, "<g class=\"fig-legend\" font-size=\"%.1f\">\n", FONT_LABEL);
    for (int i = 0; i < f->n_legend; i++) {
        const fig_legend_entry *e = &f->legend[i];
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"",
                  px(x), px(y), px(x + 24), px(y), e->color, e->width);
        dash_attr(b, e->dashed, fmin(e->width, 1.5));
        sb_printf(b, "/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">", px(x + 30), px(y + FONT_LABEL * 0.35));
        sb_text(b, e->label);
        sb_printf(b, "</text>\n");
        x += 30 + text_w(e->label, FONT_LABEL) + 22;
    }
    sb_printf(b, "</g>\n");
}

int rq_fig_render(rq_fig *f, char **svg, size_t *len, rq_error *err)
{
    *svg = NULL;
    *len = 0;
    if (f->oom)
        return rq_fail(err, "out of memory building the plot");
    sbuf b = {0};
    sb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
              f->w, f->h, f->w, f->h);
    sb_printf(&b, "<rect class=\"background\" width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    if (f->title) {
        sb_printf(&b, "<text class=\"fig-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%.1f\" "
                      "font-weight=\"bold\" fill=\"#111\">", px(f->w / 2), px(FONT_FIG_TITLE + 8), FONT_FIG_TITLE);
        sb_text(&b, f->title);
        sb_printf(&b, "</text>\n");
    }
    render_fig_legend(&b, f);
    for (size_t i = 0; i < f->na; i++)
        render_axes(&b, f->axes[i], (int)i);
    sb_printf(&b, "</svg>\n");
    if (b.oom) {
        free(b.p);
        return rq_fail(err, "out of memory building the plot");
    }
    *svg = b.p;
    *len = b.len;
    return 0;
}

int rq_fig_write(rq_fig *f, const char *path, rq_error *err)
{
    char *svg;
    size_t len;
    if (rq_fig_render(f, &svg, &len, err))
        return rq_fail_prefix(err, "%s: ", path);
    int rc = rq_write_file_atomic(path, svg, len, err);
    free(svg);
    return rc;
}
