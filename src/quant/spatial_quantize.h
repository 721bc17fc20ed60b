/* `rppgq quantize`: Spatial CNN checkpoint + dataset -> fully int8 .tflite.
 * Draws the stratified calibration windows, applies the checkpoint's input contract,
 * observes the float activations, builds the graph and writes it atomically. */
#ifndef RQ_SPATIAL_QUANTIZE_H
#define RQ_SPATIAL_QUANTIZE_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "io/dataset.h"
#include "model/contract.h"
#include "model/spatial_cnn.h"
#include "quant/calib.h"

typedef struct rq_quantize_opts {
    const char *spatial, *data, *out;
    int calib_windows;
    rq_calib_method method;
    uint64_t seed;
    int bias_correction; /* correct conv biases for the mean weight-rounding error */
    rq_data_timing timing; /* --fps / --frame-stride (0 = not given) */
    FILE *log; /* progress and summary lines (stdout for the CLI), NULL = silent */
} rq_quantize_opts;

typedef struct rq_quantize_result {
    size_t tflite_bytes;
    int calib_windows;
    int calib_patches;
} rq_quantize_result;

#define RQ_TFLITE_SIZE_GOAL (20 * 1024)

int rq_quantize_spatial(const rq_quantize_opts *o, rq_quantize_result *res, rq_error *err);

/* Checks that the dataset's windows fit the model (channels, patch size) and were sampled at
 * the contract's rate (rq_data_timing_check: dataset keys, the options `given`; `warning`
 * receives what was assumed, RQ_TIMING_WARNING_MAX bytes). */
int rq_check_dataset_fits(const rq_dataset *ds, const rq_spatial_cnn *m, const char *data_path,
                          const rq_data_timing *given, char *warning, rq_error *err);

/* Prints a deferred warning line (if any) on stderr. */
void rq_print_warning(const char *warning);

/* Reads the plan's windows and returns them contract-applied: n * frames * rois patches
 * (malloc'ed, caller frees). */
int rq_load_calibration_patches(rq_dataset *ds, const rq_calib_plan *plan,
                                const rppg_contract *c, float **patches, rq_error *err);

#endif
