/* Post-training quantization of any graph (IR, NHWC) to a fully int8 TFLite model, as the
 * TFLite converter does it (shared/notes/tflite-int8.md, graphs.md):
 *   - weights int8 symmetric per output channel (CONV_2D dim 0, DEPTHWISE_CONV_2D dim 3),
 *     FULLY_CONNECTED per tensor; int32 biases at input_scale * weight_scale;
 *   - activations int8 per tensor, asymmetric, from the observed float ranges (the
 *     calibration method's observer); fused activations clamp through the range;
 *   - the op-specific fixed outputs (LOGISTIC 1/256, -128), shared parameters where the
 *     converter shares them (pools, RESHAPE);
 *   - int8 graph input and output, or with io_float a QUANTIZE / DEQUANTIZE at the edges.
 * The calibration runs the float executor (ir_exec.h) on the given samples. */
#ifndef RQ_GRAPH_QUANT_H
#define RQ_GRAPH_QUANT_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "ir/ir.h"
#include "quant/calib.h"
#include "tflite/tfl_model.h"

typedef struct rq_gq_opts {
    rq_calib_method method;
    int io_float;
    /* The input's parameters given instead of observed (an rPPG model's input contract
     * fixes its range). */
    int fixed_input;
    float input_scale;
    int32_t input_zero_point;
    /* Bias correction: each convolution's bias loses the mean error its rounded weights
     * add, (w_q - w) x the calibration mean of each input channel. */
    int bias_correction;
} rq_gq_opts;

/* Per IR tensor: the chosen range and parameters, and SQNR of the int8 model against the
 * float executor on the calibration samples (NAN when not measured). */
typedef struct rq_gq_tensor {
    int tfl;            /* index in the TFLite model, -1 when not an activation there */
    int quantized;      /* has activation parameters */
    double lo, hi;
    float scale;
    int32_t zero_point;
    double sqnr_db;
    double *channel_mean; /* with bias_correction, for convolution inputs: the mean of each
                             channel (last axis) over the calibration samples; owned */
} rq_gq_tensor;

typedef struct rq_gq_result {
    rq_gq_tensor *t;    /* g->n_tensors entries */
    int n;
} rq_gq_result;

void rq_gq_result_free(rq_gq_result *r);

/* samples: n inputs for the graph's single input, each in the graph's layout (NHWC). */
int rq_gq_calibrate(const rq_ir_graph *g, const float *samples, int64_t n,
                    const rq_gq_opts *o, rq_gq_result *r, rq_error *err);
/* The TFLite name of IR tensor t in the model rq_gq_build writes ("input", "output",
 * "<op type>_<node index>"): names come from the graph's structure, not the front end's. */
void rq_gq_tensor_name(const rq_ir_graph *g, int t, char *buf, size_t size);
/* Builds the TFLite model (m is initialized here; free it even on failure). Unsupported
 * nodes are refused naming the node, its op type and the supported list. */
int rq_gq_build(const rq_ir_graph *g, const rq_gq_opts *o, rq_gq_result *r, rq_tfl_model *m,
                rq_error *err);
/* Runs the int8 model (engine, TFLite Micro arithmetic) and the float executor on the
 * samples and fills every mapped tensor's SQNR (dB). */
int rq_gq_measure(const rq_ir_graph *g, const rq_tfl_model *m, const rq_gq_opts *o,
                  const float *samples, int64_t n, rq_gq_result *r, rq_error *err);
/* The report table: one line per activation (range, scale, zero point, SQNR). */
void rq_gq_print(const rq_ir_graph *g, const rq_gq_result *r, FILE *out);
int rq_gq_write_json(const rq_ir_graph *g, const rq_gq_result *r, const char *model,
                     const char *path, rq_error *err);

/* 0 when rq_gq_build has a lowering for every node's operator; else -1 with one line
 * naming the first other node, its op type and the supported list (checked before the
 * calibration runs). */
int rq_gq_check_ops(const rq_ir_graph *g, rq_error *err);

/* The operators rq_gq_build lowers (for messages). */
extern const char rq_gq_supported_ops[];

#endif
