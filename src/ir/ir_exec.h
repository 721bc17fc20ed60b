/* The float executor on the graph IR: the reference for calibration and FP32 validation,
 * and the evaluator constant folding uses. Float32 values, accumulations in double;
 * int64/int32 for the shape arithmetic exporters leave in graphs. Runs in the graph's
 * layout (NCHW as read, NHWC after rq_pass_to_nhwc). */
#ifndef RQ_IR_EXEC_H
#define RQ_IR_EXEC_H

#include "common/error.h"
#include "common/simd.h"
#include "ir/ir.h"

/* Evaluates one node: in[k] points at input k's data (NULL for an absent optional input),
 * out[k] at room for output k (shapes as inferred). Fails naming the node for an op or
 * an attribute combination it does not implement. */
int rq_ir_eval_node(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                    void *const *out, rq_error *err);
/* The same with the SIMD level chosen (rq_ir_eval_node: rq_simd_level()). Every level gives
 * the same bits; the scalar loops are the definition. */
int rq_ir_eval_node_at(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                       void *const *out, rq_simd level, rq_error *err);

/* A whole-graph run: one buffer per tensor, allocated once. */
typedef struct rq_ir_exec rq_ir_exec;

/* Every tensor's shape must be known. The graph must outlive the executor. */
int rq_ir_exec_new(const rq_ir_graph *g, rq_ir_exec **out, rq_error *err);
void rq_ir_exec_free(rq_ir_exec *e);
/* The SIMD level of the kernels (default rq_simd_level(); for tests and benchmarks that
 * compare the levels in one process). */
void rq_ir_exec_set_simd(rq_ir_exec *e, rq_simd level);
/* Input i's buffer (float32, the graph's layout) to fill before a run. */
float *rq_ir_exec_input(rq_ir_exec *e, int i);
int rq_ir_exec_run(rq_ir_exec *e, rq_error *err);
/* Any tensor's values after a run (constants: their data). */
const void *rq_ir_exec_tensor(const rq_ir_exec *e, int t);

#endif
