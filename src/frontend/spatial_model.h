/* The rPPG Spatial CNN as quantize, validate and run see it, whichever file holds it: the
 * seed's checkpoint (torch.save) or an ONNX export. Either front end builds the graph IR,
 * the passes make it the NHWC graph the float executor runs and the int8 path lowers, and
 * what the file records besides the weights (the input contract, the training labels'
 * mean) comes along:
 *
 *   checkpoint ─┐
 *   ONNX ───────┴─> IR -> canonical passes -> TFLite passes (NHWC) -> rq_spatial_model
 *
 * An ONNX file states them in its metadata_props (PyTorch's exporter writes none; add them
 * with the onnx package, see docs/onnx.md):
 *   rppgq.input_contract  "representation=window_ratio scale=50 clip=4 frame_stride=4"
 *                         (or "representation=raw frame_stride=1")
 *   rppgq.label_mean      "99.048"
 * Without them: raw pixels at the camera rate (frame stride 1), no label mean, as a
 * checkpoint without them. */
#ifndef RQ_SPATIAL_MODEL_H
#define RQ_SPATIAL_MODEL_H

#include "common/error.h"
#include "input_contract.h"
#include "io/dataset.h"
#include "ir/ir.h"
#include "model/contract.h"

typedef struct rq_spatial_model {
    rq_ir_graph g;           /* NHWC, one float32 input [1,H,W,C], one output */
    rppg_contract contract;  /* how pixels become input */
    double label_mean;       /* NaN when the file does not record it */
    int h, w, c;             /* the input patch */
    int features;            /* elements of the output */
    const char *path;        /* the file, for messages */
} rq_spatial_model;

/* The model in `ckpt` (a checkpoint) or `onnx` (exactly one is non-NULL) for the windows of
 * dataset ds (its patch size is the checkpoint's input size; an ONNX model's input must be
 * [1, C, H, W] of it), checking that the data fits: colour channels, patch size, and the
 * sampling rate against the contract (rq_data_timing_check with the options `given`;
 * `warning` receives what was assumed, RQ_TIMING_WARNING_MAX bytes). m is initialized
 * here; free it even on failure. */
int rq_spatial_model_for_data(const char *ckpt, const char *onnx, const rq_dataset *ds,
                              const char *data_path, const rq_data_timing *given,
                              char *warning, rq_spatial_model *m, rq_error *err);
void rq_spatial_model_free(rq_spatial_model *m);

/* Float parameters of the graph (its float32 constants), as PyTorch counts them after
 * BatchNorm folding. */
int64_t rq_spatial_model_params(const rq_spatial_model *m);

/* A checkpoint's input contract and float parameter count, before any data says the
 * patch size (neither depends on it). */
int rq_spatial_ckpt_facts(const char *ckpt, rppg_contract *c, int64_t *params, rq_error *err);

/* Prints a deferred warning line (if any) on stderr. */
void rq_print_warning(const char *warning);

#endif
