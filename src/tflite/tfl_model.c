/* Building and checking the in-memory TFLite model. */
#include "tflite/tfl_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rq_tfl_model_init(rq_tfl_model *m)
{
    memset(m, 0, sizeof *m);
}

static void free_tensor(rq_tfl_tensor *t)
{
    free(t->name);
    free(t->data);
    free(t->q.scale);
    free(t->q.zero_point);
}

void rq_tfl_model_free(rq_tfl_model *m)
{
    for (int i = 0; i < m->n_tensors; i++)
        free_tensor(&m->tensors[i]);
    free(m->tensors);
    free(m->ops);
    free(m->description);
    free(m->subgraph_name);
    for (int i = 0; i < m->n_metadata; i++)
        free(m->metadata[i].data);
    memset(m, 0, sizeof *m);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Grows an array of elem-sized items so that it holds at least need. */
static int grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

size_t rq_tfl_type_size(int type)
{
    switch (type) {
    case RQ_TFL_FLOAT32: return 4;
    case RQ_TFL_FLOAT16: return 2;
    case RQ_TFL_INT32: return 4;
    case RQ_TFL_UINT8: return 1;
    case RQ_TFL_INT64: return 8;
    case RQ_TFL_BOOL: return 1;
    case RQ_TFL_INT16: return 2;
    case RQ_TFL_INT8: return 1;
    default: return 0;
    }
}

const char *rq_tfl_type_name(int type)
{
    switch (type) {
    case RQ_TFL_FLOAT32: return "FLOAT32";
    case RQ_TFL_FLOAT16: return "FLOAT16";
    case RQ_TFL_INT32: return "INT32";
    case RQ_TFL_UINT8: return "UINT8";
    case RQ_TFL_INT64: return "INT64";
    case RQ_TFL_BOOL: return "BOOL";
    case RQ_TFL_INT16: return "INT16";
    case RQ_TFL_INT8: return "INT8";
    default: return "UNKNOWN_TYPE";
    }
}

int rq_tfl_default_version(rq_tfl_builtin code)
{
    switch ((int)code) {
    case RQ_TFL_OP_CONV_2D: return 3;
    case RQ_TFL_OP_DEPTHWISE_CONV_2D: return 3;
    case RQ_TFL_OP_MAX_POOL_2D: return 2;
    case RQ_TFL_OP_AVERAGE_POOL_2D: return 2;
    case RQ_TFL_OP_MEAN: return 2;
    case RQ_TFL_OP_FULLY_CONNECTED: return 4;
    case RQ_TFL_OP_RESHAPE: return 1;
    case RQ_TFL_OP_QUANTIZE: return 1;
    case RQ_TFL_OP_DEQUANTIZE: return 2;
    case RQ_TFL_OP_LOGISTIC: return 2;
    case RQ_TFL_OP_CONCATENATION: return 2;
    case RQ_TFL_OP_DEPTH_TO_SPACE: return 2;
    case RQ_TFL_OP_RESIZE_BILINEAR: return 3;
    case RQ_TFL_OP_SPACE_TO_DEPTH: return 2;
    case RQ_TFL_OP_PAD: return 2;
    case RQ_TFL_OP_GATHER: return 2;
    case RQ_TFL_OP_TRANSPOSE: return 2;
    case RQ_TFL_OP_STRIDED_SLICE: return 2;
    case RQ_TFL_OP_SPLIT: return 2;
    case RQ_TFL_OP_PADV2: return 2;
    case RQ_TFL_OP_SLICE: return 2;
    case RQ_TFL_OP_PACK: return 2;
    case RQ_TFL_OP_UNPACK: return 2;
    case RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR: return 3;
    case RQ_TFL_OP_SPLIT_V: return 2;
    /* int8 versions of tensorflow/lite/tools/versioning/op_version.cc; the ones that
     * depend on shapes or scales (MUL 3 for a product scale >= 1, SUB/MAXIMUM/MINIMUM 3 for
     * a broadcast over more than 4 dims, TRANSPOSE_CONV 2 without bias / 4 with a fused
     * activation) are set by whoever builds such an operator */
    case RQ_TFL_OP_ADD:
    case RQ_TFL_OP_SUB:
    case RQ_TFL_OP_MUL:
    case RQ_TFL_OP_MAXIMUM:
    case RQ_TFL_OP_MINIMUM:
    case RQ_TFL_OP_SOFTMAX:
    case RQ_TFL_OP_TANH:
    case RQ_TFL_OP_RELU:
    case RQ_TFL_OP_RELU6:
    case RQ_TFL_OP_REDUCE_MAX:
    case RQ_TFL_OP_ARG_MAX: return 2;
    case RQ_TFL_OP_TRANSPOSE_CONV: return 3;
    default: break;
    }
    return 1;
}

rq_tfl_options rq_tfl_default_options(void)
{
    rq_tfl_options o;
    memset(&o, 0, sizeof o);
    o.padding = RQ_TFL_PAD_SAME;
    o.stride_w = o.stride_h = 1;
    o.dilation_w = o.dilation_h = 1;
    o.depth_multiplier = 1;
    o.filter_w = o.filter_h = 1;
    o.activation = RQ_TFL_ACT_NONE;
    o.beta = 1.0f;
    o.alpha = 0.2f; /* tf.nn.leaky_relu's default */
    o.output_type = RQ_TFL_INT64;
    return o;
}

int64_t rq_tfl_num_elements(const rq_tfl_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->shape[i] < 0)
            return -1;
        n *= t->shape[i];
        if (n > INT32_MAX)
            return -1;
    }
    return n;
}

int rq_tfl_add_tensor(rq_tfl_model *m, const char *name, rq_tfl_type type, int rank,
                      const int32_t *shape, rq_error *err)
{
    if (rank < 0 || rank > RQ_TFL_MAX_DIMS) {
        rq_fail(err, "tensor %s: rank %d outside 0..%d", name, rank, RQ_TFL_MAX_DIMS);
        return -1;
    }
    if (rq_tfl_type_size(type) == 0) {
        rq_fail(err, "tensor %s: unsupported type %d", name, (int)type);
        return -1;
    }
    if (grow((void **)&m->tensors, &m->cap_tensors, m->n_tensors + 1, sizeof *m->tensors)) {
        rq_fail(err, "tensor %s: out of memory", name);
        return -1;
    }
    rq_tfl_tensor *t = &m->tensors[m->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = dup_string(name ? name : "");
    if (!t->name) {
        rq_fail(err, "tensor %s: out of memory", name);
        return -1;
    }
    t->type = type;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->shape[i] = shape[i];
    if (rq_tfl_num_elements(t) < 0) {
        free(t->name);
        rq_fail(err, "tensor %s: negative or too large shape", name);
        return -1;
    }
    return m->n_tensors++;
}

static int check_tensor_index(const rq_tfl_model *m, int t, rq_error *err)
{
    if (t < 0 || t >= m->n_tensors)
        return rq_fail(err, "tensor index %d out of range (%d tensors)", t, m->n_tensors);
    return 0;
}

int rq_tfl_set_data(rq_tfl_model *m, int tensor, const void *data, size_t len, rq_error *err)
{
    if (check_tensor_index(m, tensor, err))
        return -1;
    rq_tfl_tensor *t = &m->tensors[tensor];
    size_t want = (size_t)rq_tfl_num_elements(t) * rq_tfl_type_size(t->type);
    if (len != want)
        return rq_fail(err, "tensor %s: %zu data bytes for a shape needing %zu", t->name, len,
                       want);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return rq_fail(err, "tensor %s: out of memory", t->name);
    if (len)
        memcpy(copy, data, len);
    free(t->data);
    t->data = copy;
    t->data_len = len;
    return 0;
}

int rq_tfl_set_quant(rq_tfl_model *m, int tensor, int n, const float *scale,
                     const int64_t *zero_point, int quantized_dimension, rq_error *err)
{
    if (check_tensor_index(m, tensor, err))
        return -1;
    rq_tfl_tensor *t = &m->tensors[tensor];
    if (n < 0 || (n > 1 && (quantized_dimension < 0 || quantized_dimension >= t->rank ||
                            t->shape[quantized_dimension] != n)))
        return rq_fail(err, "tensor %s: %d scales do not match dimension %d", t->name, n,
                       quantized_dimension);
    float *s = malloc(sizeof *s * (size_t)(n ? n : 1));
    int64_t *z = malloc(sizeof *z * (size_t)(n ? n : 1));
    if (!s || !z) {
        free(s);
        free(z);
        return rq_fail(err, "tensor %s: out of memory", t->name);
    }
    for (int i = 0; i < n; i++) {
        s[i] = scale[i];
        z[i] = zero_point ? zero_point[i] : 0;
    }
    free(t->q.scale);
    free(t->q.zero_point);
    t->q.n = n;
    t->q.scale = s;
    t->q.zero_point = z;
    t->q.quantized_dimension = quantized_dimension;
    return 0;
}

int rq_tfl_add_op(rq_tfl_model *m, rq_tfl_builtin code, int n_inputs, const int32_t *inputs,
                  int n_outputs, const int32_t *outputs, const rq_tfl_options *opt,
                  rq_error *err)
{
    if (n_inputs < 0 || n_inputs > RQ_TFL_MAX_OP_IO || n_outputs < 0 ||
        n_outputs > RQ_TFL_MAX_OP_IO) {
        rq_fail(err, "operator %s: %d inputs / %d outputs", rq_tfl_builtin_name(code),
                n_inputs, n_outputs);
        return -1;
    }
    for (int i = 0; i < n_inputs; i++)
        if (inputs[i] != -1 && check_tensor_index(m, inputs[i], err))
            return -1;
    for (int i = 0; i < n_outputs; i++)
        if (check_tensor_index(m, outputs[i], err))
            return -1;
    if (grow((void **)&m->ops, &m->cap_ops, m->n_ops + 1, sizeof *m->ops)) {
        rq_fail(err, "operator %s: out of memory", rq_tfl_builtin_name(code));
        return -1;
    }
    rq_tfl_op *op = &m->ops[m->n_ops];
    memset(op, 0, sizeof *op);
    op->code = code;
    op->version = rq_tfl_default_version(code);
    op->n_inputs = n_inputs;
    op->n_outputs = n_outputs;
    for (int i = 0; i < n_inputs; i++)
        op->inputs[i] = inputs[i];
    for (int i = 0; i < n_outputs; i++)
        op->outputs[i] = outputs[i];
    op->opt = opt ? *opt : rq_tfl_default_options();
    return m->n_ops++;
}

int rq_tfl_set_graph_io(rq_tfl_model *m, int n_inputs, const int32_t *inputs, int n_outputs,
                        const int32_t *outputs, rq_error *err)
{
    if (n_inputs < 0 || n_inputs > RQ_TFL_MAX_GRAPH_IO || n_outputs < 0 ||
        n_outputs > RQ_TFL_MAX_GRAPH_IO)
        return rq_fail(err, "graph: %d inputs / %d outputs (at most %d)", n_inputs, n_outputs,
                       RQ_TFL_MAX_GRAPH_IO);
    for (int i = 0; i < n_inputs; i++)
        if (check_tensor_index(m, inputs[i], err))
            return -1;
    for (int i = 0; i < n_outputs; i++)
        if (check_tensor_index(m, outputs[i], err))
            return -1;
    m->n_inputs = n_inputs;
    m->n_outputs = n_outputs;
    memcpy(m->inputs, inputs, sizeof *inputs * (size_t)n_inputs);
    memcpy(m->outputs, outputs, sizeof *outputs * (size_t)n_outputs);
    return 0;
}

int rq_tfl_set_description(rq_tfl_model *m, const char *description, rq_error *err)
{
    char *d = dup_string(description);
    if (!d)
        return rq_fail(err, "description: out of memory");
    free(m->description);
    m->description = d;
    return 0;
}

const rq_tfl_metadata *rq_tfl_find_metadata(const rq_tfl_model *m, const char *name)
{
    for (int i = 0; i < m->n_metadata; i++)
        if (!strcmp(m->metadata[i].name, name))
            return &m->metadata[i];
    return NULL;
}

int rq_tfl_set_metadata(rq_tfl_model *m, const char *name, const void *data, size_t len,
                        rq_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof m->metadata[0].name || !strcmp(name, RQ_TFL_RUNTIME_METADATA))
        return rq_fail(err, "metadata '%.80s': not a name the model can carry", name);
    rq_tfl_metadata *e = (rq_tfl_metadata *)rq_tfl_find_metadata(m, name);
    if (!e && m->n_metadata >= RQ_TFL_MAX_METADATA)
        return rq_fail(err, "metadata '%s': more than %d entries", name, RQ_TFL_MAX_METADATA);
    uint8_t *d = malloc(len ? len : 1);
    if (!d)
        return rq_fail(err, "metadata '%s': out of memory", name);
    if (len)
        memcpy(d, data, len);
    if (!e) {
        e = &m->metadata[m->n_metadata++];
        memcpy(e->name, name, n + 1);
    } else {
        free(e->data);
    }
    e->data = d;
    e->len = len;
    return 0;
}

static int validate_tensor(const rq_tfl_tensor *t, int i, const char *what, rq_error *err)
{
    if (t->rank < 0 || t->rank > RQ_TFL_MAX_DIMS)
        return rq_fail(err, "%s: tensor %d (%s): rank %d", what, i, t->name, t->rank);
    int64_t n = rq_tfl_num_elements(t);
    if (n < 0)
        return rq_fail(err, "%s: tensor %d (%s): negative or too large shape", what, i, t->name);
    if (rq_tfl_type_size(t->type) == 0)
        return rq_fail(err, "%s: tensor %d (%s): unsupported type %d", what, i, t->name,
                       (int)t->type);
    if (t->data && t->data_len != (size_t)n * rq_tfl_type_size(t->type))
        return rq_fail(err, "%s: tensor %d (%s): %zu data bytes, shape needs %zu", what, i,
                       t->name, t->data_len, (size_t)n * rq_tfl_type_size(t->type));
    if (t->q.n < 0 || (t->q.n > 0 && (!t->q.scale || !t->q.zero_point)))
        return rq_fail(err, "%s: tensor %d (%s): bad quantization arrays", what, i, t->name);
    if (t->q.n > 1 && (t->q.quantized_dimension < 0 || t->q.quantized_dimension >= t->rank ||
                       t->shape[t->q.quantized_dimension] != t->q.n))
        return rq_fail(err, "%s: tensor %d (%s): %d scales do not match dimension %d", what, i,
                       t->name, t->q.n, t->q.quantized_dimension);
    return 0;
}

static int validate_index_list(const rq_tfl_model *m, const int32_t *idx, int n, int allow_absent,
                               const char *what, const char *list, rq_error *err)
{
    for (int i = 0; i < n; i++) {
        if (allow_absent && idx[i] == -1)
            continue;
        if (idx[i] < 0 || idx[i] >= m->n_tensors)
            return rq_fail(err, "%s: %s[%d] = %d is not a tensor index (%d tensors)", what, list,
                           i, (int)idx[i], m->n_tensors);
    }
    return 0;
}

int rq_tfl_validate(const rq_tfl_model *m, const char *what, rq_error *err)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (validate_tensor(&m->tensors[i], i, what, err))
            return -1;
    if (m->n_inputs < 1 || m->n_inputs > RQ_TFL_MAX_GRAPH_IO || m->n_outputs < 1 ||
        m->n_outputs > RQ_TFL_MAX_GRAPH_IO)
        return rq_fail(err, "%s: graph has %d inputs and %d outputs", what, m->n_inputs,
                       m->n_outputs);
    if (validate_index_list(m, m->inputs, m->n_inputs, 0, what, "graph inputs", err) ||
        validate_index_list(m, m->outputs, m->n_outputs, 0, what, "graph outputs", err))
        return -1;
    for (int i = 0; i < m->n_ops; i++) {
        const rq_tfl_op *op = &m->ops[i];
        char where[96];
        snprintf(where, sizeof where, "operator %d (%s) inputs", i, rq_tfl_builtin_name(op->code));
        if (op->n_inputs < 0 || op->n_inputs > RQ_TFL_MAX_OP_IO || op->n_outputs < 1 ||
            op->n_outputs > RQ_TFL_MAX_OP_IO)
            return rq_fail(err, "%s: operator %d (%s): %d inputs, %d outputs", what, i,
                           rq_tfl_builtin_name(op->code), op->n_inputs, op->n_outputs);
        if (validate_index_list(m, op->inputs, op->n_inputs, 1, what, where, err))
            return -1;
        snprintf(where, sizeof where, "operator %d (%s) outputs", i, rq_tfl_builtin_name(op->code));
        if (validate_index_list(m, op->outputs, op->n_outputs, 0, what, where, err))
            return -1;
    }
    return 0;
}
