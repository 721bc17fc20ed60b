#include "eval/plot_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/plot_svg.h"

static int finite_pair(float a, float b) { return isfinite(a) && isfinite(b); }

void rq_bland_altman(size_t n, const float *pred, const float *ref, double *bias, double *sd)
{
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (finite_pair(pred[i], ref[i])) {
            sum += (double)pred[i] - (double)ref[i];
            m++;
        }
    *bias = m ? sum / (double)m : 0.0;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (finite_pair(pred[i], ref[i])) {
            double d = (double)pred[i] - (double)ref[i] - *bias;
            ss += d * d;
        }
    *sd = m > 1 ? sqrt(ss / (double)(m - 1)) : 0.0;
}

static double *to_double(size_t n, const float *v)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d)
        for (size_t i = 0; i < n; i++)
            d[i] = v[i];
    return d;
}

static void mae_r(size_t n, const float *pred, const float *truth, double *mae, double *r)
{
    double sa = 0, sx = 0, sy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (finite_pair(pred[i], truth[i])) {
            sa += fabs((double)pred[i] - truth[i]);
            sx += pred[i];
            sy += truth[i];
            m++;
        }
    *mae = m ? sa / (double)m : NAN;
    *r = NAN;
    if (m < 2)
        return;
    double mx = sx / (double)m, my = sy / (double)m, cxy = 0, cxx = 0, cyy = 0;
    for (size_t i = 0; i < n; i++)
        if (finite_pair(pred[i], truth[i])) {
            double dx = pred[i] - mx, dy = truth[i] - my;
            cxy += dx * dy;
            cxx += dx * dx;
            cyy += dy * dy;
        }
    if (cxx > 0 && cyy > 0)
        *r = cxy / sqrt(cxx * cyy);
}

/* One limit shared by both panels, so FP32 and INT8 can be compared at a glance. */
static void common_limits(const rq_plot_preds *p, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    const float *v[3] = {p->truth, p->fp32, p->int8};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < p->n; i++)
            if (isfinite(v[k][i])) {
                a = fmin(a, v[k][i]);
                b = fmax(b, v[k][i]);
            }
    if (!(b >= a)) {
        a = 30;
        b = 180;
    }
    double pad = (b - a) * 0.05 + 1.0;
    *lo = floor((a - pad) / 5.0) * 5.0;
    *hi = ceil((b + pad) / 5.0) * 5.0;
}

int rq_plot_pred_vs_true(const rq_plot_preds *p, const char *path, rq_error *err)
{
    rq_fig *f = rq_fig_new(980, 500, "Predicted vs true heart rate");
    double *t = to_double(p->n, p->truth), *a = to_double(p->n, p->fp32), *b = to_double(p->n, p->int8);
    if (!f || !t || !a || !b) {
        rq_fig_free(f);
        free(t), free(a), free(b);
        return rq_fail(err, "%s: out of memory", path);
    }
    double lo, hi;
    common_limits(p, &lo, &hi);
    const char *names[2] = {"FP32 (float model)", "INT8 (quantized Spatial CNN)"};
    const double *ys[2] = {a, b};
    const float *fs[2] = {p->fp32, p->int8};
    const char *cols[2] = {RQ_COL_FP32, RQ_COL_INT8};
    double radius = p->n > 3000 ? 1.6 : p->n > 800 ? 2.2 : 3.0;
    for (int k = 0; k < 2; k++) {
        rq_axes *ax = rq_fig_add_axes(f, 10 + k * 485, 34, 470, 460);
        rq_axes_title(ax, names[k]);
        rq_axes_labels(ax, "True heart rate (BPM)", "Predicted heart rate (BPM)");
        rq_axes_xlim(ax, lo, hi);
        rq_axes_ylim(ax, lo, hi);
        rq_axes_abline(ax, 1.0, 0.0, RQ_COL_GREY, 1, "identity (perfect)");
        rq_axes_scatter(ax, p->n, t, ys[k], cols[k], radius, "one window");
        rq_axes_legend(ax, RQ_LEGEND_BOTTOM_RIGHT);
        double mae, r;
        mae_r(p->n, fs[k], p->truth, &mae, &r);
        char note[160];
        snprintf(note, sizeof note, "MAE %.2f BPM\nPearson r %.3f\nn = %zu windows", mae, r, p->n);
        rq_axes_note(ax, note);
    }
    int rc = rq_fig_write(f, path, err);
    rq_fig_free(f);
    free(t), free(a), free(b);
    return rc;
}

int rq_plot_bland_altman(const rq_plot_preds *p, const char *path, rq_error *err)
{
    size_t n = p->n;
    rq_fig *f = rq_fig_new(980, 470, "Bland-Altman: agreement with the true heart rate");
    double *mx[2] = {malloc((n ? n : 1) * sizeof(double)), malloc((n ? n : 1) * sizeof(double))};
    double *dy[2] = {malloc((n ? n : 1) * sizeof(double)), malloc((n ? n : 1) * sizeof(double))};
    int rc = -1;
    if (!f || !mx[0] || !mx[1] || !dy[0] || !dy[1]) {
        rq_fail(err, "%s: out of memory", path);
        goto out;
    }
    const float *pred[2] = {p->fp32, p->int8};
    double bias[2], sd[2], ylo = 0, yhi = 0;
    for (int k = 0; k < 2; k++) {
        rq_bland_altman(n, pred[k], p->truth, &bias[k], &sd[k]);
        for (size_t i = 0; i < n; i++) {
            mx[k][i] = 0.5 * ((double)pred[k][i] + p->truth[i]);
            dy[k][i] = (double)pred[k][i] - p->truth[i];
            if (isfinite(dy[k][i])) {
                ylo = fmin(ylo, dy[k][i]);
                yhi = fmax(yhi, dy[k][i]);
            }
        }
        ylo = fmin(ylo, bias[k] - 1.96 * sd[k]);
        yhi = fmax(yhi, bias[k] + 1.96 * sd[k]);
    }
    double pad = (yhi - ylo) * 0.08 + 0.5;
    const char *names[2] = {"FP32", "INT8"};
    const char *cols[2] = {RQ_COL_FP32, RQ_COL_INT8};
    double radius = n > 3000 ? 1.6 : n > 800 ? 2.2 : 3.0;
    for (int k = 0; k < 2; k++) {
        rq_axes *ax = rq_fig_add_axes(f, 10 + k * 485, 34, 470, 430);
        char title[64], ann[3][64];
        snprintf(title, sizeof title, "%s: predicted - true", names[k]);
        rq_axes_title(ax, title);
        rq_axes_labels(ax, "Mean of predicted and true (BPM)", "Predicted - true (BPM)");
        rq_axes_ylim(ax, ylo - pad, yhi + pad);
        rq_axes_hline(ax, 0.0, "#aaaaaa", 0, NULL);
        rq_axes_scatter(ax, n, mx[k], dy[k], cols[k], radius, NULL);
        snprintf(ann[0], sizeof ann[0], "bias %+.2f", bias[k]);
        snprintf(ann[1], sizeof ann[1], "+1.96 SD  %+.2f", bias[k] + 1.96 * sd[k]);
        snprintf(ann[2], sizeof ann[2], "-1.96 SD  %+.2f", bias[k] - 1.96 * sd[k]);
        rq_axes_hline(ax, bias[k], RQ_COL_TRUE, 0, ann[0]);
        rq_axes_hline(ax, bias[k] + 1.96 * sd[k], RQ_COL_TRUE, 1, ann[1]);
        rq_axes_hline(ax, bias[k] - 1.96 * sd[k], RQ_COL_TRUE, 1, ann[2]);
    }
    rc = rq_fig_write(f, path, err);
out:
    rq_fig_free(f);
    for (int k = 0; k < 2; k++) {
        free(mx[k]);
        free(dy[k]);
    }
    return rc;
}

int rq_plot_layer_sqnr(size_t n, const char *const *names, const double *sqnr_db, const char *path,
                       rq_error *err)
{
    double h = 110 + 34.0 * (double)(n ? n : 1);
    rq_fig *f = rq_fig_new(760, h, NULL);
    if (!f)
        return rq_fail(err, "%s: out of memory", path);
    rq_axes *ax = rq_fig_add_axes(f, 10, 8, 740, h - 14);
    rq_axes_title(ax, "Per-layer SQNR of the INT8 Spatial CNN (higher is better)");
    rq_axes_labels(ax, "Signal-to-quantization-noise ratio vs FP32 (dB)", NULL);
    rq_axes_hbars(ax, n, names, sqnr_db, RQ_COL_FP32, "%.1f dB");
    int rc = rq_fig_write(f, path, err);
    rq_fig_free(f);
    return rc;
}

typedef struct subj_mean {
    int64_t id;
    double mean;
    size_t count;
} subj_mean;

static int cmp_subj_mean(const void *a, const void *b)
{
    const subj_mean *x = a, *y = b;
    if (x->mean != y->mean)
        return x->mean < y->mean ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int rq_plot_pick_subjects(const rq_plot_preds *p, int max_subjects, int64_t *out)
{
    if (max_subjects <= 0 || p->n == 0)
        return 0;
    if (!p->subject) {
        out[0] = 0; /* the whole set as one sequence */
        return 1;
    }
    subj_mean *s = calloc(p->n, sizeof *s);
    if (!s)
        return 0;
    size_t ns = 0;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = 0;
        while (j < ns && s[j].id != p->subject[i])
            j++;
        if (j == ns) {
            s[ns].id = p->subject[i];
            ns++;
        }
        if (isfinite(p->truth[i])) {
            s[j].mean += p->truth[i];
            s[j].count++;
        }
    }
    for (size_t j = 0; j < ns; j++)
        s[j].mean = s[j].count ? s[j].mean / (double)s[j].count : 0.0;
    qsort(s, ns, sizeof *s, cmp_subj_mean);
    int k = (int)ns < max_subjects ? (int)ns : max_subjects;
    /* evenly spaced ranks, lowest and highest mean heart rate included */
    for (int i = 0; i < k; i++) {
        size_t idx = k == 1 ? ns / 2 : (size_t)llround((double)i * (double)(ns - 1) / (double)(k - 1));
        out[i] = s[idx].id;
    }
    free(s);
    return k;
}

/* Each subject gets its own scale (at least 10 BPM tall) so that tracking errors are visible. */
static void subject_limits(size_t m, double *const yv[3], double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (int j = 0; j < 3; j++)
        for (size_t i = 0; i < m; i++)
            if (isfinite(yv[j][i])) {
                a = fmin(a, yv[j][i]);
                b = fmax(b, yv[j][i]);
            }
    if (!(b >= a)) {
        a = 60;
        b = 100;
    }
    double span = fmax(b - a, 10.0), mid = 0.5 * (a + b);
    *lo = mid - 0.58 * span;
    *hi = mid + 0.58 * span;
}

int rq_plot_hr_over_time(const rq_plot_preds *p, int max_subjects, const char *path, rq_error *err)
{
    enum { NV = 5 }; /* true, FP32, INT8, displayed FP32, displayed INT8 */
    int64_t ids[16];
    if (max_subjects > 16)
        max_subjects = 16;
    int k = rq_plot_pick_subjects(p, max_subjects, ids);
    int cols = k > 1 ? 2 : 1, rows = (k + cols - 1) / cols;
    if (rows < 1)
        rows = 1;
    int shown = p->shown_fp32 && p->shown_int8;
    double thin = shown ? 0.9 : 1.6;
    double pw = cols == 2 ? 485 : 970, ph = 300;
    rq_fig *f = rq_fig_new(cols == 2 ? 980 : 990, 62 + ph * rows, "Heart rate over time, held-out subjects");
    if (f) {
        rq_fig_legend_line(f, "true", RQ_COL_TRUE, 2.2, 0);
        rq_fig_legend_line(f, shown ? "FP32 window" : "FP32", RQ_COL_FP32, thin, 0);
        rq_fig_legend_line(f, shown ? "INT8 window" : "INT8", RQ_COL_INT8, thin, 1);
        if (shown) {
            rq_fig_legend_line(f, "FP32 displayed", RQ_COL_FP32, 2.6, 0);
            rq_fig_legend_line(f, "INT8 displayed", RQ_COL_INT8, 2.6, 1);
        }
    }
    size_t n = p->n;
    double *x = malloc((n ? n : 1) * sizeof *x), *yv[NV];
    for (int j = 0; j < NV; j++)
        yv[j] = malloc((n ? n : 1) * sizeof(double));
    int rc = -1;
    if (!f || !x || !yv[0] || !yv[1] || !yv[2] || !yv[3] || !yv[4]) {
        rq_fail(err, "%s: out of memory", path);
        goto out;
    }
    double lo, hi;
    for (int s = 0; s < k; s++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (p->subject && p->subject[i] != ids[s])
                continue;
            x[m] = p->window_step_s > 0 ? (double)m * p->window_step_s : (double)m;
            yv[0][m] = p->truth[i];
            yv[1][m] = p->fp32[i];
            yv[2][m] = p->int8[i];
            yv[3][m] = shown ? p->shown_fp32[i] : NAN;
            yv[4][m] = shown ? p->shown_int8[i] : NAN;
            m++;
        }
        rq_axes *ax = rq_fig_add_axes(f, 10 + (s % cols) * pw, 56 + (s / cols) * ph, pw - 15, ph - 6);
        char title[64];
        if (p->subject)
            snprintf(title, sizeof title, "Subject %lld", (long long)ids[s]);
        else
            snprintf(title, sizeof title, "All windows in order");
        rq_axes_title(ax, title);
        rq_axes_labels(ax, p->window_step_s > 0 ? "Time (s)" : "Window", "Heart rate (BPM)");
        subject_limits(m, yv, &lo, &hi);
        rq_axes_ylim(ax, lo, hi);
        rq_axes_line(ax, m, x, yv[0], RQ_COL_TRUE, 2.2, 0, "true");
        rq_axes_line(ax, m, x, yv[1], RQ_COL_FP32, thin, 0, "FP32");
        rq_axes_line(ax, m, x, yv[2], RQ_COL_INT8, thin, 1, "INT8");
        if (shown) {
            rq_axes_line(ax, m, x, yv[3], RQ_COL_FP32, 2.6, 0, "FP32 displayed");
            rq_axes_line(ax, m, x, yv[4], RQ_COL_INT8, 2.6, 1, "INT8 displayed");
        }
    }
    rc = rq_fig_write(f, path, err);
out:
    rq_fig_free(f);
    free(x);
    for (int j = 0; j < NV; j++)
        free(yv[j]);
    return rc;
}
