/* Heart-rate error metrics of predictions against labels, and the grade of the MAE increase
 * that quantization causes (the seed's stage 5). */
#ifndef RQ_METRICS_H
#define RQ_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rq_metrics {
    int64_t n;
    double mae, rmse, mape; /* BPM, BPM, percent of the label */
    double pearson;         /* NaN when either side is constant */
    double r2;              /* 1 - SS_res / SS_tot; NaN when the labels are constant */
} rq_metrics;

/* In double, in index order (deterministic). Labels of 0 are left out of MAPE only. */
rq_metrics rq_metrics_compute(const double *pred, const double *label, int64_t n);
/* MAE between two prediction vectors. */
double rq_mae_between(const double *a, const double *b, int64_t n);

/* PERFECT < 0.5, EXCELLENT < 1.5, GOOD < 3.0, POOR >= 3.0 BPM. */
const char *rq_grade_mae_increase(double increase);

/* The model's own verdict: it reads heart rate on the data when its MAE is at most
 * RQ_CLEARLY_BETTER times the baseline's (the better trivial predictor: always the mean or
 * always the median). Writes one line into buf:
 *   "the model reads heart rate on this data: MAE FP32 x, INT8 y BPM vs baseline z BPM (0.36x)"
 *   "the model does not read heart rate on this data: MAE x vs baseline y"
 * (or "the INT8 model does not ..." when only quantization loses it); returns 1 when both
 * paths read heart rate, else 0. */
#define RQ_CLEARLY_BETTER 0.8
int rq_model_verdict(double mae_fp32, double mae_int8, double baseline_mae, char *buf, size_t size);

/* Median of n values (copied, then sorted); NaN when n is 0. */
double rq_median(const double *v, int64_t n);

/* Signal-to-quantization-noise ratio 10 log10(sum x^2 / sum (x - y)^2) in dB; +Inf when
 * the noise is zero. */
double rq_sqnr_db(double signal_power, double noise_power);

#endif
