/* Graph rewrites on the IR, each small and independent of file formats. Every pass keeps
 * the graph's meaning (the float executor gives the same outputs before and after, up to
 * float rounding where weights are folded) and leaves shapes inferred. */
#ifndef RQ_PASSES_H
#define RQ_PASSES_H

#include "common/error.h"
#include "ir/ir.h"

/* Evaluates, in topological order, every node whose inputs are all constant (and Shape
 * nodes whose input shape is known): the Shape/Gather/Unsqueeze/Concat chains exporters
 * leave around reshapes become constants. Infers shapes as it goes. */
int rq_pass_fold_constants(rq_ir_graph *g, rq_error *err);
/* Removes Identity and Dropout (inference: the identity): readers of the output read the
 * input. */
int rq_pass_drop_identity(rq_ir_graph *g, rq_error *err);
/* MatMul(x [M,K], constant W [K,N]) + constant bias [N] (what Linear exports to in some
 * graphs) becomes one Gemm. */
int rq_pass_matmul_add_to_gemm(rq_ir_graph *g, rq_error *err);
/* BatchNormalization after a Conv whose output nothing else reads becomes part of the
 * Conv: w' = w * g / sqrt(v + eps), b' = (b - mean) * g / sqrt(v + eps) + beta (the conv's
 * own bias kept). */
int rq_pass_fold_batchnorm(rq_ir_graph *g, rq_error *err);
/* Relu, Clip(0, 6) and Clip(-1, 1) right after a Conv, Gemm, Add, Sub or Mul whose output
 * nothing else reads become the producer's fused activation (as TFLite's CONV_2D,
 * FULLY_CONNECTED, ADD, SUB and MUL carry it). */
int rq_pass_fuse_activations(rq_ir_graph *g, rq_error *err);
/* x * HardSigmoid(x) (PyTorch's Hardswish before opset 14) becomes one HardSwish. */
int rq_pass_fuse_hardswish(rq_ir_graph *g, rq_error *err);
/* HardSigmoid with PyTorch's parameters becomes Add(x, 3) with a fused Relu6, then
 * Mul by 1/6: operators TFLite has. */
int rq_pass_decompose_hardsigmoid(rq_ir_graph *g, rq_error *err);
/* GlobalAveragePool read only by a Flatten(axis 1) (PyTorch's AdaptiveAvgPool2d(1) +
 * flatten(1)): one ReduceMean over H and W without kept dims, which TFLite's MEAN
 * (keep_dims false) does in one operator instead of MEAN + RESHAPE. NCHW graphs. */
int rq_pass_gap_flatten_to_mean(rq_ir_graph *g, rq_error *err);
/* NCHW -> NHWC (see ir.h): 4-D tensors change layout, conv weights OIHW -> OHWI, axes of
 * Concat/Softmax/ReduceMean/Pad/Resize/Squeeze are remapped, and every reshape of a 4-D
 * tensor keeps PyTorch's (channel-major) element order: a free reshape where C or H*W is 1,
 * a permuted Gemm weight for Flatten -> Gemm, a Transpose otherwise. */
int rq_pass_to_nhwc(rq_ir_graph *g, rq_error *err);

/* One image between the layouts (batch 1): src [c][h][w] <-> dst [h][w][c]. */
void rq_nchw_to_nhwc(const float *src, float *dst, int64_t c, int64_t h, int64_t w);
void rq_nhwc_to_nchw(const float *src, float *dst, int64_t c, int64_t h, int64_t w);

/* The LayerNorm PyTorch's exporter writes below opset 17 (ReduceMean, Sub, Pow 2,
 * ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta over the last axis, intermediates
 * read by nothing else) becomes one LayerNormalization node (opset 17's op, axis -1), so
 * that a back end runs PyTorch's fused kernel instead of nine roundings of its own. */
int rq_pass_fuse_layernorm(rq_ir_graph *g, rq_error *err);

/* fold constants, drop identities, MatMul+Add to Gemm, fold BatchNorm, fuse activations */
int rq_passes_canonicalize(rq_ir_graph *g, rq_error *err);

/* The TFLite form of a canonical graph: Hardswish fused, hard sigmoid decomposed,
 * activations fused again, global average pooling + flatten as one mean, NHWC. */
int rq_passes_for_tflite(rq_ir_graph *g, rq_error *err);

/* The ONNX pipeline every command shares: read, canonicalize, and for TFLite and the
 * int8 path rewrite into TFLite's operators (Hardswish, hard sigmoid) and convert to NHWC. g is initialized here; free it even on failure. */
int rq_load_onnx_graph(const char *path, rq_ir_layout layout, rq_ir_graph *g, rq_error *err);

#endif
