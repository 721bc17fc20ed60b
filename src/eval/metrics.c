#include "eval/metrics.h"

#include <math.h>

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
