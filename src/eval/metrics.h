/* Heart-rate error metrics of predictions against labels, and the grade of the MAE increase
 * that quantization causes (the seed's stage 5). */
#ifndef RQ_METRICS_H
#define RQ_METRICS_H

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

/* Signal-to-quantization-noise ratio 10 log10(sum x^2 / sum (x - y)^2) in dB; +Inf when
 * the noise is zero. */
double rq_sqnr_db(double signal_power, double noise_power);

#endif
