/* The charts of the run report, drawn from per-window predictions:
 *   pred_vs_true:   predicted vs true heart rate, FP32 and INT8 panels, identity line;
 *   bland_altman:   difference (predicted - true) vs mean of the two, with the mean bias
 *                   and the limits of agreement bias +- 1.96 SD;
 *   layer_sqnr:     per-layer signal-to-quantization-noise ratio of the INT8 model;
 *   hr_over_time:   true, FP32 and INT8 heart rate along the windows of a few subjects: each
 *                   window's estimate (thin) and the displayed rate (thick, broken where the
 *                   smoother withholds it). */
#ifndef RQ_PLOT_REPORT_H
#define RQ_PLOT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct rq_plot_preds {
    size_t n;
    const float *truth, *fp32, *int8; /* BPM, n each */
    const int64_t *subject;           /* n subject ids, or NULL */
    double window_step_s;             /* seconds between a subject's windows; 0: unknown */
    const float *shown_fp32, *shown_int8; /* displayed rate, NaN when withheld; NULL: none */
} rq_plot_preds;

/* Bland-Altman statistics of pred against ref over the finite pairs: mean difference and
 * its sample standard deviation (n-1); sd is 0 for fewer than two pairs. */
void rq_bland_altman(size_t n, const float *pred, const float *ref, double *bias, double *sd);

int rq_plot_pred_vs_true(const rq_plot_preds *p, const char *path, rq_error *err);
int rq_plot_bland_altman(const rq_plot_preds *p, const char *path, rq_error *err);
int rq_plot_layer_sqnr(size_t n, const char *const *names, const double *sqnr_db, const char *path,
                       rq_error *err);
/* Up to max_subjects subjects, chosen to span the range of their mean true heart rate. */
int rq_plot_hr_over_time(const rq_plot_preds *p, int max_subjects, const char *path, rq_error *err);

/* The subjects hr_over_time shows, in display order (exposed for tests); returns how many. */
int rq_plot_pick_subjects(const rq_plot_preds *p, int max_subjects, int64_t *out);

#endif
