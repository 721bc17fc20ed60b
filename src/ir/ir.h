/* The graph IR every front end builds and every back end reads (ONNX today; the
 * checkpoint front end and the TFLite reader can build the same):
 *
 *   front ends (src/frontend) -> rq_ir_graph -> passes (src/passes) -> back ends
 *                                                    (float executor, TFLite writer, C)
 *
 * A graph is tensors and nodes. A tensor has a name, an element type, a shape and either
 * constant data (an initializer, a folded value) or a producer node; graph inputs have
 * neither. Nodes refer to tensors by index. Operator semantics are ONNX's (attributes keep
 * ONNX names and meanings), with two additions the passes make:
 *   - a fused activation on the producer (node.act) instead of a separate Relu/Clip node;
 *   - the graph layout: RQ_IR_NCHW is ONNX's; after rq_pass_to_nhwc every 4-D activation is
 *     [N,H,W,C], conv weights are [O,kH,kW,I/group] and axis attributes (Concat, Softmax,
 *     ReduceMean, Pad, Resize, Flatten...) refer to the NHWC axes.
 *
 * Ownership: the graph owns every string, array and constant buffer it points to; the add
 * and set functions copy their arguments. All functions returning int give 0 or -1 with a
 * one-line message in err (prefixed with the graph's source name where it helps). */
#ifndef RQ_IR_H
#define RQ_IR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

#define RQ_IR_MAX_DIMS 6
/* Hard caps that keep hostile files from making huge graphs (checked by the add calls). */
#define RQ_IR_MAX_TENSORS 100000
#define RQ_IR_MAX_NODES 50000
#define RQ_IR_MAX_ELEMS ((int64_t)1 << 24) /* elements of one tensor (64 MB of float32) */
#define RQ_IR_MAX_PROPS 8

typedef enum rq_ir_dtype {
    RQ_IR_UNDEF = 0,
    RQ_IR_F32,
    RQ_IR_I64,
    RQ_IR_I32,
    RQ_IR_I8,
    RQ_IR_U8,
    RQ_IR_BOOL,
} rq_ir_dtype;

/* The operators the IR knows. X(enum suffix, ONNX op_type). Anything else is read as
 * RQ_IR_OP_OTHER with its op_type kept, so that inspect can list it and back ends can
 * name it in their "unsupported" error. */
#define RQ_IR_OPS(X)                                                                  \
    X(CONV, "Conv") X(BATCHNORM, "BatchNormalization") X(RELU, "Relu") X(CLIP, "Clip") \
    X(LEAKY_RELU, "LeakyRelu") X(PRELU, "PRelu") X(SIGMOID, "Sigmoid")                 \
    X(HARD_SIGMOID, "HardSigmoid") X(HARD_SWISH, "HardSwish") X(TANH, "Tanh")          \
    X(MAX_POOL, "MaxPool") X(AVG_POOL, "AveragePool")                                 \
    X(GLOBAL_AVG_POOL, "GlobalAveragePool") X(REDUCE_MEAN, "ReduceMean")              \
    X(GEMM, "Gemm") X(MATMUL, "MatMul") X(FLATTEN, "Flatten") X(RESHAPE, "Reshape")   \
    X(SQUEEZE, "Squeeze") X(UNSQUEEZE, "Unsqueeze") X(ADD, "Add") X(SUB, "Sub")       \
    X(MUL, "Mul") X(DIV, "Div") X(CONCAT, "Concat") X(PAD, "Pad") X(RESIZE, "Resize") \
    X(SOFTMAX, "Softmax") X(TRANSPOSE, "Transpose") X(IDENTITY, "Identity")           \
    X(DROPOUT, "Dropout") X(SHAPE, "Shape") X(GATHER, "Gather")                       \
    X(CONSTANT, "Constant") X(CAST, "Cast") X(SLICE, "Slice")                         \
    X(CONSTANT_OF_SHAPE, "ConstantOfShape") X(EXPAND, "Expand")

typedef enum rq_ir_op {
#define RQ_IR_OP_ENUM(e, s) RQ_IR_OP_##e,
    RQ_IR_OPS(RQ_IR_OP_ENUM)
#undef RQ_IR_OP_ENUM
    RQ_IR_OP_OTHER,
    RQ_IR_OP_COUNT
} rq_ir_op;

typedef enum rq_ir_layout { RQ_IR_NCHW = 0, RQ_IR_NHWC = 1 } rq_ir_layout;

/* Activation fused into a producer by rq_pass_fuse_activations: y = clamp(y, lo, hi). */
typedef enum rq_ir_act { RQ_IR_ACT_NONE = 0, RQ_IR_ACT_RELU, RQ_IR_ACT_RELU6, RQ_IR_ACT_CLIP } rq_ir_act;

typedef struct rq_ir_tensor {
    char *name;
    rq_ir_dtype dtype;
    int rank;                       /* -1 while unknown */
    int64_t shape[RQ_IR_MAX_DIMS];
    void *data;                     /* constant contents (row major, dtype's C type) or NULL */
    int producer;                   /* node writing it; -1 for graph inputs and constants */
} rq_ir_tensor;

typedef enum rq_ir_attr_kind {
    RQ_IR_ATTR_INT, RQ_IR_ATTR_FLOAT, RQ_IR_ATTR_INTS, RQ_IR_ATTR_FLOATS, RQ_IR_ATTR_STRING,
    RQ_IR_ATTR_TENSOR, /* value in .tensor: a constant tensor of the graph (Constant.value) */
} rq_ir_attr_kind;

typedef struct rq_ir_attr {
    char *name;
    rq_ir_attr_kind kind;
    int64_t i;
    float f;
    int n;            /* INTS / FLOATS */
    int64_t *ints;
    float *floats;
    char *s;
    int tensor;
} rq_ir_attr;

typedef struct rq_ir_node {
    rq_ir_op op;
    char *op_type;  /* as the file spelled it */
    char *name;     /* node name, or "<op_type>_<index>" when the file gave none */
    int n_in, n_out;
    int *in;        /* tensor indices; -1 = optional input left out */
    int *out;
    int n_attrs;
    rq_ir_attr *attrs;
    rq_ir_act act;  /* fused activation */
    float act_lo, act_hi;
} rq_ir_node;

typedef struct rq_ir_graph {
    rq_ir_tensor *tensors;
    int n_tensors, cap_tensors;
    rq_ir_node *nodes; /* topological order after rq_ir_toposort (front ends call it) */
    int n_nodes, cap_nodes;
    int *inputs, n_inputs;   /* graph inputs (non-constant) */
    int *outputs, n_outputs;
    int opset;               /* ai.onnx opset the file imports (0 if not ONNX) */
    rq_ir_layout layout;
    char *source;            /* file name, for messages */
    /* Key/value facts the file states besides the graph (ONNX metadata_props the front end
     * keeps, e.g. rppgq.input_contract); at most RQ_IR_MAX_PROPS. */
    int n_props;
    char *prop_key[RQ_IR_MAX_PROPS], *prop_value[RQ_IR_MAX_PROPS];
} rq_ir_graph;

/* ---- building ---------------------------------------------------------------------- */

void rq_ir_init(rq_ir_graph *g, const char *source);
void rq_ir_free(rq_ir_graph *g);

/* A tensor with unknown shape (rank -1) and no data; returns its index or -1. */
int rq_ir_add_tensor(rq_ir_graph *g, const char *name, rq_ir_dtype dtype, rq_error *err);
/* Records a key/value fact (copied; the value replaces an earlier one of the key). */
int rq_ir_set_prop(rq_ir_graph *g, const char *key, const char *value, rq_error *err);
/* The value of a fact, NULL when not recorded. */
const char *rq_ir_prop(const rq_ir_graph *g, const char *key);
/* Finds a tensor by name (linear search, graphs are small); -1 if absent. */
int rq_ir_find_tensor(const rq_ir_graph *g, const char *name);
int rq_ir_set_shape(rq_ir_graph *g, int t, int rank, const int64_t *shape, rq_error *err);
/* Copies constant contents; the shape must be set (numel * dtype size bytes). */
int rq_ir_set_data(rq_ir_graph *g, int t, const void *data, rq_error *err);
/* A new constant tensor in one call (name made unique when taken). */
int rq_ir_add_const(rq_ir_graph *g, const char *name, rq_ir_dtype dtype, int rank,
                    const int64_t *shape, const void *data, rq_error *err);
/* Appends a node; inputs may contain -1. Sets the outputs' producer. Returns its index. */
int rq_ir_add_node(rq_ir_graph *g, rq_ir_op op, const char *op_type, const char *name,
                   int n_in, const int *in, int n_out, const int *out, rq_error *err);
int rq_ir_add_attr_int(rq_ir_graph *g, int node, const char *name, int64_t v, rq_error *err);
int rq_ir_add_attr_float(rq_ir_graph *g, int node, const char *name, float v, rq_error *err);
int rq_ir_add_attr_ints(rq_ir_graph *g, int node, const char *name, int n, const int64_t *v,
                        rq_error *err);
int rq_ir_add_attr_floats(rq_ir_graph *g, int node, const char *name, int n, const float *v,
                          rq_error *err);
int rq_ir_add_attr_string(rq_ir_graph *g, int node, const char *name, const char *s,
                          rq_error *err);
int rq_ir_add_attr_tensor(rq_ir_graph *g, int node, const char *name, int tensor,
                          rq_error *err);
/* Drops every attribute of a node (a pass that changes the node's op). */
void rq_ir_clear_attrs(rq_ir_node *n);
int rq_ir_set_io(rq_ir_graph *g, int n_in, const int *in, int n_out, const int *out,
                 rq_error *err);

/* Removes the nodes whose op is set to RQ_IR_OP_COUNT (the passes' "deleted" mark),
 * keeping order, and recomputes every tensor's producer. */
void rq_ir_compact(rq_ir_graph *g);
/* Orders nodes so that every input is produced before use; fails on a cycle, on a tensor
 * written twice, or on an input nobody produces. */
int rq_ir_toposort(rq_ir_graph *g, rq_error *err);

/* ---- reading ----------------------------------------------------------------------- */

rq_ir_op rq_ir_op_from_name(const char *op_type); /* RQ_IR_OP_OTHER if unknown */
const char *rq_ir_op_name(rq_ir_op op);           /* ONNX spelling */
const char *rq_ir_dtype_name(rq_ir_dtype t);
size_t rq_ir_dtype_size(rq_ir_dtype t);
/* Elements of a tensor with known shape (1 for rank 0); -1 if unknown or too many. */
int64_t rq_ir_numel(const rq_ir_tensor *t);
int rq_ir_is_const(const rq_ir_graph *g, int t); /* t >= 0 and has data */
/* Consumers of tensor t (node indices), up to max; returns how many there are. */
int rq_ir_consumers(const rq_ir_graph *g, int t, int *nodes, int max);
/* Is t a graph output? */
int rq_ir_is_output(const rq_ir_graph *g, int t);

const rq_ir_attr *rq_ir_attr_get(const rq_ir_node *n, const char *name);
int64_t rq_ir_attr_int(const rq_ir_node *n, const char *name, int64_t dflt);
float rq_ir_attr_float(const rq_ir_node *n, const char *name, float dflt);
/* INTS attribute into out (up to max); returns its length, or -1 when absent. */
int rq_ir_attr_ints(const rq_ir_node *n, const char *name, int64_t *out, int max);
/* An integer list given as an attribute (older opsets) or as constant input `input`
 * (newer opsets: Squeeze/Unsqueeze/ReduceMean axes, Pad pads, Reshape shape...):
 * returns its length, -1 when neither is present, -2 when the input is not constant. */
int rq_ir_ints_arg(const rq_ir_graph *g, const rq_ir_node *n, const char *attr, int input,
                   int64_t *out, int max);
/* A float scalar given as constant input `input` (Clip min/max at opset >= 11) or as an
 * attribute (opset < 11); dflt when neither. Returns -2 when the input is not constant. */
int rq_ir_float_arg(const rq_ir_graph *g, const rq_ir_node *n, const char *attr, int input,
                    float dflt, float *out);

/* ---- shapes and printing ------------------------------------------------------------ */

/* Window geometry of Conv / MaxPool / AveragePool over the spatial axes (auto_pad resolved
 * to explicit pads, ceil_mode applied): out[i] = (in[i] + pad_begin[i] + pad_end[i]
 * - dilation[i] * (kernel[i] - 1) - 1) / stride[i] + 1. */
typedef struct rq_ir_window {
    int n_spatial;
    int64_t in[RQ_IR_MAX_DIMS], out[RQ_IR_MAX_DIMS], kernel[RQ_IR_MAX_DIMS];
    int64_t stride[RQ_IR_MAX_DIMS], dilation[RQ_IR_MAX_DIMS];
    int64_t pad_begin[RQ_IR_MAX_DIMS], pad_end[RQ_IR_MAX_DIMS];
    int64_t channels_in, channels_out, group;
} rq_ir_window;
int rq_ir_window_of(const rq_ir_graph *g, const rq_ir_node *n, rq_ir_window *w, rq_error *err);
/* Index of the channel axis / first spatial axis of a rank-r activation in g's layout. */
int rq_ir_channel_axis(const rq_ir_graph *g, int rank);
int rq_ir_spatial_axis(const rq_ir_graph *g, int rank);

/* Slice along one axis: first element and count (ONNX clamping, negative steps too). */
void rq_ir_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
                      int64_t *count);

/* Infers node i's output shapes from its inputs; outputs stay unknown (rank -1) when an
 * input is unknown or the op is not one the IR knows. */
int rq_ir_infer_node(rq_ir_graph *g, int i, rq_error *err);

/* Infers every node's output shapes and types from its inputs (NCHW or NHWC by g->layout).
 * Errors name the node and what does not fit. */
int rq_ir_infer_shapes(rq_ir_graph *g, rq_error *err);
/* Multiply-accumulates of one node (0 for data movement); parameters = constant elements. */
int64_t rq_ir_node_macs(const rq_ir_graph *g, const rq_ir_node *n);
/* What `rppgq inspect MODEL.onnx` prints: inputs, outputs, nodes with shapes and MACs,
 * totals (MACs, parameters, weight bytes). */
void rq_ir_print(const rq_ir_graph *g, FILE *out);
void rq_ir_print_shape(const rq_ir_tensor *t, FILE *out);

#endif
