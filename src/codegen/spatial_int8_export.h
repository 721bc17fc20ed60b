/* export-c --spatial: an int8 .tflite (the quantized Spatial CNN) as const C data for the
 * MCU's CPU path (runtime/q8_net.h): weights, biases, per-channel multipliers and shifts,
 * zero points and activation ranges, input and output quantization, the input contract.
 *
 * Lowering (q8_lower.c): any graph of one input and one output (branches allowed) made of
 * CONV_2D (dilation 1), DEPTHWISE_CONV_2D, FULLY_CONNECTED (fused NONE/RELU/RELU6/
 * RELU_N1_TO_1), MAX_POOL_2D, AVERAGE_POOL_2D, MEAN over H,W and RESHAPE on int8 tensors;
 * tensors placed in one arena by the engine's lifetime planner. Requantization multipliers
 * are computed once, as TFLite Micro's Prepare does, so the MCU runs integer arithmetic
 * only. */
#ifndef RQ_SPATIAL_INT8_EXPORT_H
#define RQ_SPATIAL_INT8_EXPORT_H

#include "codegen/runtime_embed.h"
#include "common/error.h"
#include "input_contract.h"
#include "q8_net.h"
#include "tflite/tfl_model.h"

#define RQ_SPATIAL_C "spatial_cnn_int8.c"
#define RQ_SPATIAL_H "spatial_cnn_int8.h"

/* The network in the runtime's form, on the host: arrays are owned here (or point into the
 * model, which must outlive this). */
typedef struct rq_q8_lowered {
    rppg_q8_net net;
    rppg_q8_layer *layers;
    int32_t *params; /* multipliers and shifts of every layer, one allocation */
    rppg_q8_move *moves; /* the copies of every data-movement layer, one allocation */
    rppg_q8_lut *luts;         /* one slot per layer, used by RPPG_Q8_LUT layers */
    rppg_q8_softmax *softmaxes; /* one slot per layer, used by RPPG_Q8_SOFTMAX layers */
    int32_t *tables;   /* copied index tables and multipliers (RESIZE, TRANSPOSE_CONV) */
    size_t n_tables, cap_tables;
    rppg_contract contract;
    int has_contract; /* the model description names its input contract */
} rq_q8_lowered;

/* Lowers the model (errors name `what`, e.g. the file, and the operator index). */
int rq_q8_lower(const rq_tfl_model *m, rppg_q8_rounding rounding, const char *what,
                rq_q8_lowered *out, rq_error *err);
void rq_q8_lowered_free(rq_q8_lowered *l);

/* The runtime files the export copies beside the network (byte for byte from runtime/):
 * input contract, int8 kernels and net runner, preprocessing, resampling, postprocessing,
 * signal quality. */
#define RQ_SPATIAL_RUNTIME_NFILES 24
void rq_spatial_runtime_files(rq_embedded_file files[RQ_SPATIAL_RUNTIME_NFILES]);

/* Writes DIR/spatial_cnn_int8.h and DIR/spatial_cnn_int8.c plus the runtime files above
 * (each atomically; DIR must exist), so that DIR compiles on its own. The header declares `extern const rppg_q8_net rppg_spatial_cnn;` and
 * `extern const rppg_contract rppg_spatial_contract;` plus size macros. source_name goes
 * into the file comments. */
int rq_spatial_write_c(const rq_tfl_model *m, const rq_q8_lowered *l, const char *source_name,
                       const char *dir, rq_error *err);

/* The whole export of a .tflite file: reads, lowers and writes it into DIR (which must
 * exist). With info, the lowered network's scalar fields (sizes, quantization, contract)
 * are copied there, its array pointers NULL. */
int rq_spatial_export_file(const char *model_path, rppg_q8_rounding rounding, const char *dir,
                           rq_q8_lowered *info, rq_error *err);

#endif
