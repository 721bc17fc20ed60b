#include "eval/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rq_metrics rq_metrics_compute(const double *pred, const double *label, int64_t n)
{
    rq_metrics m = {.n = n, .mae = NAN, .rmse = NAN, .mape = NAN, .pearson = NAN, .r2 = NAN};
    if (n < 1)
        return m;
    double sae = 0, sse = 0, sape = 0, mp = 0, ml = 0;
    int64_t nape = 0;
    int pred_const = 1, label_const = 1; /* exactly, not up to rounding of the mean */
    for (int64_t i = 0; i < n; i++) {
        double e = pred[i] - label[i];
        sae += fabs(e);
        sse += e * e;
        if (label[i] != 0.0) {
            sape += fabs(e / label[i]);
            nape++;
        }
        mp += pred[i];
        ml += label[i];
        pred_const &= pred[i] == pred[0];
        label_const &= label[i] == label[0];
    }
    mp /= (double)n, ml /= (double)n;
    /* Centred sums in a second pass: no cancellation for large n. */
    double cpl = 0, cpp = 0, cll = 0;
    for (int64_t i = 0; i < n; i++) {
        double dp = pred[i] - mp, dl = label[i] - ml;
        cpl += dp * dl, cpp += dp * dp, cll += dl * dl;
    }
    m.mae = sae / (double)n;
    m.rmse = sqrt(sse / (double)n);
    m.mape = nape ? 100.0 * sape / (double)nape : NAN;
    if (!pred_const && !label_const && cpp > 0 && cll > 0)
        m.pearson = cpl / sqrt(cpp * cll);
    if (!label_const && cll > 0)
        m.r2 = 1.0 - sse / cll;
    return m;
}

double rq_mae_between(const double *a, const double *b, int64_t n)
{
    if (n < 1)
        return NAN;
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += fabs(a[i] - b[i]);
    return s / (double)n;
}

const char *rq_grade_mae_increase(double d)
{
    if (d < 0.5)
        return "PERFECT";
    if (d < 1.5)
        return "EXCELLENT";
    if (d < 3.0)
        return "GOOD";
    return "POOR";
}

double rq_sqnr_db(double signal_power, double noise_power)
{
    if (noise_power <= 0.0)
        return INFINITY;
    if (signal_power <= 0.0)
        return -INFINITY;
    return 10.0 * log10(signal_power / noise_power);
}

int rq_model_verdict(double mae_fp32, double mae_int8, double baseline_mae, char *buf, size_t size)
{
    int fp32_reads = mae_fp32 <= RQ_CLEARLY_BETTER * baseline_mae;
    int int8_reads = mae_int8 <= RQ_CLEARLY_BETTER * baseline_mae;
    if (!fp32_reads)
        snprintf(buf, size, "the model does not read heart rate on this data: MAE %.2f vs baseline %.2f BPM",
                 mae_fp32, baseline_mae);
    else if (!int8_reads)
        snprintf(buf, size,
                 "the INT8 model does not read heart rate on this data: MAE %.2f vs baseline %.2f BPM "
                 "(FP32 %.2f)", mae_int8, baseline_mae, mae_fp32);
    else
        snprintf(buf, size,
                 "the model reads heart rate on this data: MAE FP32 %.2f, INT8 %.2f BPM vs baseline %.2f BPM "
                 "(%.2fx)", mae_fp32, mae_int8, baseline_mae, mae_fp32 / baseline_mae);
    return fp32_reads && int8_reads;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rq_median(const double *v, int64_t n)
{
    if (n <= 0)
        return NAN;
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}
