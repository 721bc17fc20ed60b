/* `rppgq validate`: whole heart-rate predictions on every window not used for calibration
 * (with subjects: every window of a subject not used for calibration), FP32 (the spatial
 * model's graph, from its checkpoint or ONNX file, on the IR float executor + float temporal)
 * against INT8 (int8 engine on the .tflite, dequantized features, float temporal), plus the
 * mean-label baseline and per-layer SQNR (the .tflite's tensors named as the IR's).
 *
 * The dataset is streamed: worker threads (one per core) each open their own handle on it
 * and take batches of windows in turn, read them and run both paths (reading is as costly
 * as the networks, so it is spread over the cores too); results are reduced in window
 * order, so the report does not depend on the thread count. Memory stays bounded. */
#ifndef RQ_VALIDATE_H
#define RQ_VALIDATE_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "eval/displayed.h"
#include "eval/metrics.h"
#include "model/contract.h"
#include "engine/engine.h"

typedef struct rq_validate_opts {
    const char *spatial, *onnx; /* the spatial model: a checkpoint or its ONNX export */
    const char *temporal, *tflite, *data;
    const char *json;        /* NULL: no JSON report */
    const char *predictions; /* NULL: no per-window CSV (eval/predictions.h) */
    /* Which windows calibration used: the model's calibration record says (quantize writes
     * it). Without one: rq_calib_select with these (quantize's defaults when not given).
     * Given and disagreeing with the record: refused. */
    int calib_windows;       /* 0: not given */
    uint64_t seed;
    int seed_given;
    int independent_data;    /* the data is not the calibration set: evaluate every window */
    int threads;             /* 0: one per online core */
    rq_tfl_rounding rounding;
    int keep_features;       /* keep each window's FP32 spatial features (rppgq run feeds
                                them to the exported C) */
    rq_data_timing timing;   /* --fps / --frame-stride (0 = not given) */
    FILE *log;               /* report lines (stdout for the CLI), NULL = silent */
} rq_validate_opts;

/* Layers with a per-layer SQNR: at most this many, names at most RQ_VALIDATE_NAME-1 chars. */
#define RQ_VALIDATE_LAYERS 48
#define RQ_VALIDATE_NAME 48

typedef struct rq_validate_result {
    int64_t n_windows;
    int n_subjects;
    rq_metrics fp32, int8, baseline, baseline_median;
    /* The trivial predictors: always the training labels' mean (the spatial checkpoint's
     * label_mean) or, without it, the mean label of the windows set aside; always their
     * median. The sources say which, in words. */
    double baseline_value, median_value;
    char baseline_source[200], median_source[200];
    double verdict_baseline_mae;  /* the better of the two */
    int reads_heart_rate;         /* rq_model_verdict */
    char verdict[256];
    /* How the evaluated windows were chosen. */
    int calib_recorded;           /* 1: the model's calibration record; 0: assumed */
    char calib_method[16];        /* recorded ("" when assumed) */
    uint64_t calib_seed;
    int calib_windows, calib_subjects, all_subjects;
    int independent_data;
    char held_out[352];           /* the above in words: "360 windows of the 30 subjects ..." */
    double int8_vs_fp32_mae;
    double mae_increase;
    const char *grade;
    size_t tflite_bytes;
    int n_layers;
    char layer_name[RQ_VALIDATE_LAYERS][RQ_VALIDATE_NAME];
    double layer_sqnr_db[RQ_VALIDATE_LAYERS];
    /* Per evaluated window, in dataset order (owned; rq_validate_result_free). */
    int64_t *windows;
    float *truth, *pred_fp32, *pred_int8;
    int64_t *subject;        /* NULL when the dataset has no subjects */
    /* seconds between a subject's consecutive windows (they tile its recording, as rppgq
     * synth writes them) and from a window's first sample to its centre */
    double window_step_s, window_centre_s;
    /* The displayed rate (eval/displayed.h, default smoother configuration): per window the
     * shown BPM (NaN when withheld) and the RPPG_HR_* flags, FP32 and INT8 paths, and each
     * window's signal quality (owned); the summary of both. */
    rq_display_summary display;
    float *shown_fp32, *shown_int8;
    int *why_fp32, *why_int8;
    rppg_quality *quality;
    /* With keep_features: the Temporal Fusion's FP32 input of each evaluated window,
     * feature_floats (T*R*F) floats a window, in the order above; else NULL. */
    float *features;
    size_t feature_floats;
} rq_validate_result;

int rq_validate(const rq_validate_opts *o, rq_validate_result *res, rq_error *err);
void rq_validate_result_free(rq_validate_result *r);

/* Prints the human-readable report. */
void rq_validate_print(const rq_validate_result *r, FILE *out);
/* {"recorded", "method", "seed", "windows", "subjects", "independent_data"}: how the
 * evaluated windows were chosen (report.json has it too). */
struct json_object;
struct json_object *rq_validate_calibration_json(const rq_validate_result *r);
/* Writes the JSON report atomically. */
int rq_validate_write_json(const rq_validate_result *r, const char *path, rq_error *err);

#endif
