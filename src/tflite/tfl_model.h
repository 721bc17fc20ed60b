/* An in-memory TFLite model (one subgraph), its .tflite writer and reader, and an int8
 * engine bit-exact with TFLite Micro's reference kernels.
 *
 * The model owns everything it points to (names, constant data, quantization arrays):
 * the add/set functions copy their arguments. Tensor and operator indices are plain ints
 * into m->tensors / m->ops, in execution order for operators.
 *
 * Typical construction (what the quantizer does):
 *
 *     rq_tfl_model m;
 *     rq_tfl_model_init(&m);
 *     int32_t in_shape[4] = {1, 36, 36, 3};
 *     int x = rq_tfl_add_tensor(&m, "input", RQ_TFL_INT8, 4, in_shape, &err);
 *     rq_tfl_set_quant(&m, x, 1, &scale, &zp, 0, &err);
 *     int w = rq_tfl_add_tensor(&m, "conv0/w", RQ_TFL_INT8, 4, w_shape, &err);
 *     rq_tfl_set_data(&m, w, w_bytes, n_bytes, &err);
 *     rq_tfl_set_quant(&m, w, 16, w_scales, w_zps, 0, &err);   // per channel, dim 0
 *     ...
 *     rq_tfl_options o = rq_tfl_default_options();
 *     o.padding = RQ_TFL_PAD_SAME; o.activation = RQ_TFL_ACT_RELU;
 *     rq_tfl_add_op(&m, RQ_TFL_OP_CONV_2D, 3, (int32_t[]){x, w, b}, 1, &y, &o, &err);
 *     rq_tfl_set_graph_io(&m, 1, &x, 1, &out, &err);
 *     rq_tfl_write(&m, "spatial_cnn_int8.tflite", &err);
 *     rq_tfl_model_free(&m);
 */
#ifndef RQ_TFL_MODEL_H
#define RQ_TFL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RQ_TFL_MAX_DIMS 6   /* tensors of higher rank are refused */
#define RQ_TFL_MAX_OP_IO 8  /* inputs (or outputs) of one operator */
#define RQ_TFL_MAX_GRAPH_IO 8

/* TensorType values of the schema. */
typedef enum rq_tfl_type {
    RQ_TFL_FLOAT32 = 0,
    RQ_TFL_FLOAT16 = 1,
    RQ_TFL_INT32 = 2,
    RQ_TFL_UINT8 = 3,
    RQ_TFL_INT64 = 4,
    RQ_TFL_BOOL = 6,
    RQ_TFL_INT16 = 7,
    RQ_TFL_INT8 = 9,
} rq_tfl_type;

/* BuiltinOperator values of the schema (only those we write, read and run). */
typedef enum rq_tfl_builtin {
    RQ_TFL_OP_AVERAGE_POOL_2D = 1,
    RQ_TFL_OP_CONV_2D = 3,
    RQ_TFL_OP_DEPTHWISE_CONV_2D = 4,
    RQ_TFL_OP_DEQUANTIZE = 6,
    RQ_TFL_OP_FULLY_CONNECTED = 9,
    RQ_TFL_OP_LOGISTIC = 14,
    RQ_TFL_OP_MAX_POOL_2D = 17,
    RQ_TFL_OP_RESHAPE = 22,
    RQ_TFL_OP_MEAN = 40,
    RQ_TFL_OP_QUANTIZE = 114,
    /* data movement and shape (op_movement.c) */
    RQ_TFL_OP_CONCATENATION = 2,
    RQ_TFL_OP_DEPTH_TO_SPACE = 5,
    RQ_TFL_OP_RESIZE_BILINEAR = 23,
    RQ_TFL_OP_SPACE_TO_DEPTH = 26,
    RQ_TFL_OP_PAD = 34,
    RQ_TFL_OP_GATHER = 36,
    RQ_TFL_OP_TRANSPOSE = 39,
    RQ_TFL_OP_SQUEEZE = 43,
    RQ_TFL_OP_STRIDED_SLICE = 45,
    RQ_TFL_OP_SPLIT = 49,
    RQ_TFL_OP_PADV2 = 60,
    RQ_TFL_OP_SLICE = 65,
    RQ_TFL_OP_TILE = 69,
    RQ_TFL_OP_EXPAND_DIMS = 70,
    RQ_TFL_OP_SHAPE = 77,
    RQ_TFL_OP_PACK = 83,
    RQ_TFL_OP_UNPACK = 88,
    RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR = 97,
    RQ_TFL_OP_SPLIT_V = 102,
    RQ_TFL_OP_CUSTOM = 32, /* named by rq_tfl_op.custom_code; never run */
    /* arithmetic and activations (engine/op_binary.c, op_unary.c, op_softmax.c,
     * op_reduce.c, op_transpose_conv.c) */
    RQ_TFL_OP_ADD = 0,
    RQ_TFL_OP_MUL = 18,
    RQ_TFL_OP_RELU = 19,
    RQ_TFL_OP_RELU_N1_TO_1 = 20,
    RQ_TFL_OP_RELU6 = 21,
    RQ_TFL_OP_SOFTMAX = 25,
    RQ_TFL_OP_TANH = 28,
    RQ_TFL_OP_SUB = 41,
    RQ_TFL_OP_PRELU = 54,
    RQ_TFL_OP_MAXIMUM = 55,
    RQ_TFL_OP_ARG_MAX = 56,
    RQ_TFL_OP_MINIMUM = 57,
    RQ_TFL_OP_TRANSPOSE_CONV = 67,
    RQ_TFL_OP_SUM = 74,
    RQ_TFL_OP_REDUCE_MAX = 82,
    RQ_TFL_OP_LEAKY_RELU = 98,
    RQ_TFL_OP_HARD_SWISH = 117,
} rq_tfl_builtin;

typedef enum rq_tfl_padding { RQ_TFL_PAD_SAME = 0, RQ_TFL_PAD_VALID = 1 } rq_tfl_padding;

/* ActivationFunctionType values of the schema. */
typedef enum rq_tfl_activation {
    RQ_TFL_ACT_NONE = 0,
    RQ_TFL_ACT_RELU = 1,
    RQ_TFL_ACT_RELU_N1_TO_1 = 2,
    RQ_TFL_ACT_RELU6 = 3,
} rq_tfl_activation;

/* Quantization of one tensor: real = (q - zero_point[c]) * scale[c].
 * n == 0: not quantized; n == 1: per tensor; n > 1: per channel along quantized_dimension
 * (0 for CONV_2D weights OHWI, 3 for DEPTHWISE_CONV_2D weights 1HWC). */
typedef struct rq_tfl_quant {
    int n;
    float *scale;        /* n values */
    int64_t *zero_point; /* n values */
    int quantized_dimension;
} rq_tfl_quant;

typedef struct rq_tfl_tensor {
    char *name;
    rq_tfl_type type;
    int rank;
    int32_t shape[RQ_TFL_MAX_DIMS];
    uint8_t *data; /* constant contents (little endian, row major) or NULL for activations */
    size_t data_len;
    rq_tfl_quant q;
} rq_tfl_tensor;

/* Builtin options, flat: each operator uses the fields its schema table has, the others
 * are ignored (and not written). rq_tfl_default_options() gives the schema defaults. */
typedef struct rq_tfl_options {
    /* CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D */
    rq_tfl_padding padding;
    int stride_w, stride_h;
    /* CONV_2D, DEPTHWISE_CONV_2D */
    int dilation_w, dilation_h;
    /* DEPTHWISE_CONV_2D */
    int depth_multiplier;
    /* MAX_POOL_2D, AVERAGE_POOL_2D */
    int filter_w, filter_h;
    /* CONV_2D, DEPTHWISE_CONV_2D, pools, FULLY_CONNECTED */
    rq_tfl_activation activation;
    /* MEAN (ReducerOptions); FULLY_CONNECTED keep_num_dims */
    int keep_dims;
    /* RESHAPE (ReshapeOptions.new_shape); n_new_shape == 0 writes no options, the
     * shape then comes from the second input (an int32 constant), as converters do. */
    int n_new_shape;
    int32_t new_shape[RQ_TFL_MAX_DIMS];
    /* data movement: CONCATENATION, PACK, UNPACK, GATHER axis; PACK values_count, UNPACK
     * num, SPLIT / SPLIT_V num_splits; GATHER batch_dims */
    int axis, count, batch_dims;
    /* RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR */
    int align_corners, half_pixel_centers;
    /* STRIDED_SLICE */
    int begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset;
    /* SQUEEZE (n_squeeze_dims == 0: every dimension of size 1) */
    int n_squeeze_dims;
    int32_t squeeze_dims[RQ_TFL_MAX_DIMS];
    /* DEPTH_TO_SPACE, SPACE_TO_DEPTH */
    int block_size;
    /* SHAPE output type (INT32 = 2, the schema default 0 also means INT32) */
    int out_type;
    /* ADD, SUB, MUL use activation; SUM, REDUCE_MAX keep_dims; TRANSPOSE_CONV padding,
     * strides, activation. SOFTMAX (SoftmaxOptions.beta), LEAKY_RELU (LeakyReluOptions.alpha),
     * ARG_MAX (ArgMaxOptions.output_type: INT32 or INT64). */
    float beta, alpha;
    rq_tfl_type output_type;
} rq_tfl_options;

typedef struct rq_tfl_op {
    rq_tfl_builtin code;
    int version; /* operator_codes version; rq_tfl_add_op sets the converter's int8 value */
    int n_inputs, n_outputs;
    int32_t inputs[RQ_TFL_MAX_OP_IO]; /* tensor indices; -1 = optional input absent */
    int32_t outputs[RQ_TFL_MAX_OP_IO];
    rq_tfl_options opt;
    char custom_code[48]; /* CUSTOM operators: their name as the file gives it */
} rq_tfl_op;

/* A Model.metadata entry: a name and the bytes of the buffer it points to (the writer adds
 * min_runtime_version itself; the reader does not keep it). */
#define RQ_TFL_MAX_METADATA 8
#define RQ_TFL_RUNTIME_METADATA "min_runtime_version"
typedef struct rq_tfl_metadata {
    char name[64];
    uint8_t *data; /* owned */
    size_t len;
} rq_tfl_metadata;

typedef struct rq_tfl_model {
    rq_tfl_tensor *tensors;
    int n_tensors, cap_tensors;
    rq_tfl_op *ops; /* execution order */
    int n_ops, cap_ops;
    int n_inputs, n_outputs;
    int32_t inputs[RQ_TFL_MAX_GRAPH_IO];
    int32_t outputs[RQ_TFL_MAX_GRAPH_IO];
    char *description;   /* Model.description; NULL writes "rppgq" */
    char *subgraph_name; /* NULL writes "main" */
    rq_tfl_metadata metadata[RQ_TFL_MAX_METADATA];
    int n_metadata;
} rq_tfl_model;

/* ---- building ---------------------------------------------------------------------- */

void rq_tfl_model_init(rq_tfl_model *m);
void rq_tfl_model_free(rq_tfl_model *m);

/* Adds a tensor without data or quantization; returns its index, or -1 (err filled). */
int rq_tfl_add_tensor(rq_tfl_model *m, const char *name, rq_tfl_type type, int rank,
                      const int32_t *shape, rq_error *err);
/* Copies constant contents; len must equal the shape product times the type size. */
int rq_tfl_set_data(rq_tfl_model *m, int tensor, const void *data, size_t len, rq_error *err);
/* Copies n scales and zero points (n == 1 per tensor, n == shape[qdim] per channel). */
int rq_tfl_set_quant(rq_tfl_model *m, int tensor, int n, const float *scale,
                     const int64_t *zero_point, int quantized_dimension, rq_error *err);
/* Appends an operator (opt NULL = defaults); version from rq_tfl_default_version().
 * Returns its index, or -1. */
int rq_tfl_add_op(rq_tfl_model *m, rq_tfl_builtin code, int n_inputs, const int32_t *inputs,
                  int n_outputs, const int32_t *outputs, const rq_tfl_options *opt,
                  rq_error *err);
int rq_tfl_set_graph_io(rq_tfl_model *m, int n_inputs, const int32_t *inputs, int n_outputs,
                        const int32_t *outputs, rq_error *err);
int rq_tfl_set_description(rq_tfl_model *m, const char *description, rq_error *err);
/* Adds (or replaces) the Model.metadata entry `name` (1..63 characters, not
 * min_runtime_version) with a copy of len bytes. */
int rq_tfl_set_metadata(rq_tfl_model *m, const char *name, const void *data, size_t len,
                        rq_error *err);
/* The entry called `name`, or NULL. */
const rq_tfl_metadata *rq_tfl_find_metadata(const rq_tfl_model *m, const char *name);

rq_tfl_options rq_tfl_default_options(void); /* stride 1, dilation 1, filter 1, SAME, NONE */
int rq_tfl_default_version(rq_tfl_builtin code); /* as the converter writes for int8 */
const char *rq_tfl_builtin_name(int code);       /* "CONV_2D", ... or "BUILTIN_<n>" */
const char *rq_tfl_type_name(int type);          /* "INT8", ... */
size_t rq_tfl_type_size(int type);               /* bytes per element, 0 if unknown */
/* Number of elements (1 for rank 0); -1 if the product overflows int32. */
int64_t rq_tfl_num_elements(const rq_tfl_tensor *t);

/* Structural checks: indices in range, graph io set, data lengths, quantization array
 * sizes, per-op input counts. The writer and the engine call it. */
int rq_tfl_validate(const rq_tfl_model *m, const char *what, rq_error *err);

/* ---- file I/O ---------------------------------------------------------------------- */

/* Writes a schema-v3 .tflite ("TFL3") atomically; same model -> same bytes. */
int rq_tfl_write(const rq_tfl_model *m, const char *path, rq_error *err);
/* The same bytes in memory (malloc'ed, caller frees). */
int rq_tfl_serialize(const rq_tfl_model *m, uint8_t **out, size_t *out_len, rq_error *err);

/* Reads any valid .tflite made of the operators above (first subgraph), bounds-checked;
 * errors name the file. m is initialized by the call (free it even on failure). */
int rq_tfl_read(const char *path, rq_tfl_model *m, rq_error *err);
int rq_tfl_parse(const uint8_t *buf, size_t len, const char *name, rq_tfl_model *m,
                 rq_error *err);

/* The int8 engine that runs these models: engine/engine.h. */

#endif
