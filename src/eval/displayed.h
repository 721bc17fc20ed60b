/* The heart rate the device displays, measured on a dataset: the MCU smoother
 * (runtime/postprocess.c, the same C code) runs over each subject's consecutive windows
 * with each window's signal quality (runtime/quality.c), as the firmware would, and the
 * displayed rate is compared with the true rate at each window's centre.
 *
 * Every window stands for the same span of time (the hop between windows), so shares of
 * windows are shares of time. */
#ifndef RQ_DISPLAYED_H
#define RQ_DISPLAYED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "postprocess.h"

/* The smoother's quality limits pass every training window (tools/tune_smoother.py); more
 * than 5 % of the windows over a limit is data unlike the data the model was trained on. */
#define RQ_OUTSIDE_TRAINING_SHARE 0.05

typedef struct rq_displayed_metrics {
    int64_t n, shown;     /* windows, windows with a rate shown */
    double coverage;      /* shown / n: share of time a rate is shown */
    double mae, rmse;     /* BPM, over the shown windows (NaN when none is shown) */
    double within5;       /* share of the shown time within 5 BPM of the truth */
} rq_displayed_metrics;

/* What validate and the run report say about the displayed rate and the input. */
typedef struct rq_display_summary {
    rppg_smoother_config smoother;
    int per_subject;                  /* the smoother restarted at each subject */
    rq_displayed_metrics fp32, int8;
    /* mean share of contract values at the clip; shares of windows over the smoother's
     * clip and brightness-step limits; more than RQ_OUTSIDE_TRAINING_SHARE over either */
    double clip_share_mean, windows_at_clip, windows_brightness_jump;
    int outside_training;
} rq_display_summary;

/* Runs the smoother over n windows in dataset order; it starts afresh at each change of
 * subject (subject NULL: one recording). quality may be NULL (not known). shown[i] is the
 * displayed rate after window i, NaN when withheld; why[i] (may be NULL) the RPPG_HR_*
 * flags. Returns 0, or -1 if cfg is invalid. */
int rq_display_run(const rppg_smoother_config *cfg, size_t n, const float *pred,
                   const rppg_quality *quality, const int64_t *subject, float *shown, int *why,
                   rq_error *err);

rq_displayed_metrics rq_displayed_measure(size_t n, const float *truth, const float *shown);

/* Fills the input-quality part of s from n windows' quality (s->smoother set). */
void rq_display_summarize_quality(rq_display_summary *s, size_t n, const rppg_quality *q);

/* The one-line warning when s->outside_training, else an empty string. */
void rq_display_warning(const rq_display_summary *s, char *buf, size_t size);

/* The table of stdout: displayed MAE, RMSE, within 5 BPM and shown share, FP32 and INT8,
 * then the input quality and the warning. */
void rq_display_print(const rq_display_summary *s, FILE *out);

/* Adds "displayed": {"fp32"|"int8": {mae, rmse, within5, coverage}, "smoother": {window,
 * min_count, max_spread_bpm, max_clip_share, max_brightness_step, max_mad_bpm, map_in,
 * map_out, per_subject}} and
 * "input_quality": {clip_share_mean, windows_at_clip, windows_brightness_jump,
 * outside_training, warning} to a JSON object. */
struct json_object;
void rq_display_add_json(const rq_display_summary *s, struct json_object *o);

#endif
