/* `rppgq quantize --onnx` (and `--spatial CKPT --calib`): a model + calibration samples ->
 * fully int8 .tflite. One pipeline whichever the front end (ONNX, or the seed's
 * checkpoint): canonical passes, NHWC, calibration on the float executor, lowering
 * (graph_quant.h), the TFLite writer, and the int8 engine for the quantization report. */
#ifndef RQ_ONNX_QUANTIZE_H
#define RQ_ONNX_QUANTIZE_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "quant/calib.h"

#define RQ_ONNX_DEFAULT_SAMPLES 100

typedef struct rq_onnx_quant_opts {
    const char *onnx, *spatial; /* the model: one of the two */
    const char *calib, *out, *json;
    rq_calib_method method;
    int64_t samples; /* at most this many calibration samples (seeded draw) */
    uint64_t seed;
    int io_float;
    FILE *log; /* report lines (stdout for the CLI), NULL = silent */
} rq_onnx_quant_opts;

int rq_quantize_onnx(const rq_onnx_quant_opts *o, rq_error *err);

#endif
