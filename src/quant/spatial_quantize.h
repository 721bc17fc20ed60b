/* `rppgq quantize --spatial CKPT --data DATA` (or `--onnx MODEL --data DATA`): an rPPG
 * Spatial CNN + its dataset -> fully int8 .tflite, on the one pipeline every model takes
 * (frontend/spatial_model.h -> graph_quant.h -> TFLite writer). What is rPPG-specific is
 * the calibration input: stratified windows of the dataset (calib.h) through the input
 * contract, which also fixes the int8 input range; and the model's description, which
 * records the contract and the calibration selection for validate. */
#ifndef RQ_SPATIAL_QUANTIZE_H
#define RQ_SPATIAL_QUANTIZE_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "io/dataset.h"
#include "model/contract.h"
#include "quant/calib.h"

typedef struct rq_quantize_opts {
    const char *spatial, *onnx; /* the model: one of the two */
    const char *data, *out;
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

/* Reads the plan's windows and returns them contract-applied: n * frames * rois patches
 * (malloc'ed, caller frees). */
int rq_load_calibration_patches(rq_dataset *ds, const rq_calib_plan *plan,
                                const rppg_contract *c, float **patches, rq_error *err);

#endif
