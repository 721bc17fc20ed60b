/* The run report: everything `rppgq run` measured, written as report.json (the keys of
 * `rppgq validate --json` plus c_vs_reference and timings_s), report.md with the charts,
 * predictions.csv (one row per evaluated window) and a short summary for stdout.
 * The report only formats: numbers are computed by the steps that measured them. */
#ifndef RQ_REPORT_H
#define RQ_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "eval/displayed.h"

typedef struct rq_report_metrics {
    double mae, rmse, mape, pearson, r2;
} rq_report_metrics;

#define RQ_REPORT_MAX_LAYERS 16
#define RQ_REPORT_MAX_STEPS 16
#define RQ_REPORT_MAX_FILES 32

typedef struct rq_report_layer {
    char name[64];
    double sqnr_db;
} rq_report_layer;

typedef struct rq_report_timing {
    char step[32];
    double seconds;
} rq_report_timing;

typedef struct rq_report_file {
    char name[96];   /* relative to the output folder */
    int64_t bytes;
} rq_report_file;

typedef struct rq_report {
    /* what was run */
    char spatial_path[4096], temporal_path[4096], data_path[4096];
    char data_origin[256];    /* e.g. "synthetic: 20 subjects, seed 1 (cached)" */
    char calib_method[32];
    int calib_windows;
    char contract[160];       /* the input contract, as the .tflite description says it */

    /* per-window predictions on the evaluation windows (not owned) */
    int64_t n_windows, n_subjects;
    const float *truth, *fp32, *int8;
    const int64_t *subject;   /* may be NULL */
    const int64_t *window;    /* index of each in the dataset; NULL: 0..n-1 */
    double window_step_s;     /* seconds between a subject's consecutive windows, 0 unknown */
    double window_centre_s;   /* from a window's start to its centre (first to last sample) */

    /* the displayed rate (eval/displayed.h): summary, and per window the shown BPM of each
     * path, NaN when withheld (not owned); has_display 0: not measured */
    int has_display;
    rq_display_summary display;
    const float *shown_fp32, *shown_int8;

    rq_report_metrics fp32_m, int8_m, baseline_m, median_m;
    double baseline_bpm, median_bpm; /* the constants the trivial predictors answer */
    char baseline_source[200], median_source[200]; /* where they come from, in words */
    /* the model's own verdict (rq_model_verdict): first in report.md and on stdout */
    int reads_heart_rate;
    double verdict_baseline_mae;
    char verdict[256];
    struct json_object *calibration; /* how the evaluated windows were chosen (owned) */
    char held_out[352];       /* the same in words */
    double int8_vs_fp32_mae, mae_increase;
    char grade[16];

    /* model sizes */
    int64_t spatial_params, temporal_params;
    int64_t spatial_fp32_bytes; /* float32 weights: 4 bytes a parameter */
    int64_t tflite_bytes;
    int64_t temporal_c_bytes;   /* temporal_fusion_weights_exported.c */

    size_t n_layers;
    rq_report_layer layers[RQ_REPORT_MAX_LAYERS];

    /* the exported C Temporal Fusion against the float reference */
    int c_ran;
    int64_t c_n;
    double c_max_abs_bpm, c_mean_abs_bpm;
    int64_t c_max_ulp;

    /* Cortex-M55 footprint of the MCU parts (tools/m55_footprint.sh), when the Arm
     * toolchain and QEMU are installed */
    int m55_available;
    char m55_note[160];       /* why not, or the target and compiler */
    size_t n_m55;
    struct {
        char name[48];
        int64_t flash_bytes, ram_bytes, stack_peak_bytes; /* stack -1: not measured */
    } m55[8];

    size_t n_timings;
    rq_report_timing timings[RQ_REPORT_MAX_STEPS];

    size_t n_files;
    rq_report_file files[RQ_REPORT_MAX_FILES];
} rq_report;

void rq_report_add_timing(rq_report *r, const char *step, double seconds);
void rq_report_add_layer(rq_report *r, const char *name, double sqnr_db);

int rq_report_write_json(const rq_report *r, const char *path, rq_error *err);
/* predictions.csv (eval/predictions.h), smoothed_bpm from shown_int8. */
int rq_report_write_predictions(const rq_report *r, const char *path, rq_error *err);
/* Writes the four charts into dir (pred_vs_true.svg, bland_altman.svg, layer_sqnr.svg,
 * hr_over_time.svg). */
int rq_report_write_plots(const rq_report *r, const char *dir, rq_error *err);
/* report.md references the charts by relative name and lists r->files. */
int rq_report_write_markdown(const rq_report *r, const char *path, rq_error *err);
void rq_report_print_summary(const rq_report *r, const char *out_dir, FILE *out);

#endif
