/* The .tflite reader: any valid schema-v3 file (vtables shared or not, fields in any order,
 * absent fields taking their schema defaults), every offset and index checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "tflite/flatbuf_read.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_options_arith.h"
#include "tflite/tfl_schema.h"

#define MAX_FILE_BYTES ((size_t)1 << 30)
#define MAX_TENSORS (1 << 20)

typedef struct reader {
    rq_fbr r;
    rq_fbr_vec buffers;
    rq_fbr_vec opcodes;
    rq_tfl_model *m;
} reader;

static char *copy_string(const char *s, uint32_t len)
{
    char *d = malloc((size_t)len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = 0;
    for (uint32_t i = 0; i < len; i++) /* names end up in one-line messages */
        if ((unsigned char)d[i] < 32)
            d[i] = '?';
    return d;
}

static int read_i32_vector(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what,
                           int32_t *out, int max, int *n)
{
    rq_fbr_vec v;
    if (rq_fbr_vector(r, t, id, 4, what, &v))
        return -1;
    if (v.n > (uint32_t)max)
        return rq_fail(r->err, "%s: %s: %u entries, at most %d supported", r->name, what, v.n,
                       max);
    for (uint32_t i = 0; i < v.n; i++)
        out[i] = (int32_t)rq_fbr_u32_at(r, v.data + 4 * (size_t)i);
    *n = (int)v.n;
    return 0;
}

/* The bytes of buffers[index]: inside the flatbuffer (data) or after it (offset/size). */
static int buffer_bytes(reader *rd, uint32_t index, const char *what, const uint8_t **data,
                        size_t *len)
{
    const rq_fbr *r = &rd->r;
    *data = NULL;
    *len = 0;
    if (index >= rd->buffers.n)
        return rq_fail(r->err, "%s: %s: buffer index %u out of range (%u buffers)", r->name,
                       what, index, rd->buffers.n);
    rq_fbr_table bt;
    char w[160];
    snprintf(w, sizeof w, "buffers[%u]", index);
    if (rq_fbr_vec_table(r, &rd->buffers, index, w, &bt))
        return -1;
    rq_fbr_vec v;
    if (rq_fbr_vector(r, &bt, F_BUF_DATA, 1, w, &v))
        return -1;
    if (v.n) {
        *data = r->buf + v.data;
        *len = v.n;
        return 0;
    }
    size_t pos;
    uint64_t off = 0, size = 0;
    if (rq_fbr_field(r, &bt, F_BUF_OFFSET, 8, w, &pos))
        return -1;
    if (pos)
        off = rq_fbr_u64_at(r, pos);
    if (rq_fbr_field(r, &bt, F_BUF_SIZE, 8, w, &pos))
        return -1;
    if (pos)
        size = rq_fbr_u64_at(r, pos);
    if (off > 1) { /* 0 and 1 mean "no external data" */
        if (off > r->len || size > r->len - off)
            return rq_fbr_fail(r, w, "external data lies outside the file");
        *data = r->buf + off;
        *len = (size_t)size;
    }
    return 0;
}

static int read_quant(reader *rd, const rq_fbr_table *tt, rq_tfl_tensor *t, const char *what)
{
    const rq_fbr *r = &rd->r;
    int present;
    rq_fbr_table qt;
    if (rq_fbr_sub(r, tt, F_T_QUANT, what, &present, &qt))
        return -1;
    if (!present)
        return 0;
    rq_fbr_vec sv, zv;
    if (rq_fbr_vector(r, &qt, F_Q_SCALE, 4, what, &sv) ||
        rq_fbr_vector(r, &qt, F_Q_ZERO_POINT, 8, what, &zv))
        return -1;
    if (zv.n != sv.n && zv.n != 0)
        return rq_fail(r->err, "%s: %s: %u scales but %u zero points", r->name, what, sv.n, zv.n);
    int32_t qdim;
    if (rq_fbr_i32(r, &qt, F_Q_QDIM, 0, what, &qdim))
        return -1;
    if (sv.n == 0)
        return 0;
    if (sv.n > 1 && (qdim < 0 || qdim >= t->rank || (uint32_t)t->shape[qdim] != sv.n))
        return rq_fail(r->err, "%s: %s: %u scales do not match dimension %d of the shape",
                       r->name, what, sv.n, qdim);
    t->q.scale = malloc(sizeof(float) * sv.n);
    t->q.zero_point = malloc(sizeof(int64_t) * sv.n);
    if (!t->q.scale || !t->q.zero_point)
        return rq_fail(r->err, "%s: %s: out of memory", r->name, what);
    t->q.n = (int)sv.n;
    t->q.quantized_dimension = qdim;
    for (uint32_t i = 0; i < sv.n; i++) {
        uint32_t bits = rq_fbr_u32_at(r, sv.data + 4 * (size_t)i);
        memcpy(&t->q.scale[i], &bits, 4);
        t->q.zero_point[i] = zv.n ? (int64_t)rq_fbr_u64_at(r, zv.data + 8 * (size_t)i) : 0;
    }
    return 0;
}

static int read_tensor(reader *rd, const rq_fbr_table *tt, int index)
{
    const rq_fbr *r = &rd->r;
    rq_tfl_tensor *t = &rd->m->tensors[index];
    char what[64];
    snprintf(what, sizeof what, "tensors[%d]", index);
    if (read_i32_vector(r, tt, F_T_SHAPE, what, t->shape, RQ_TFL_MAX_DIMS, &t->rank))
        return -1;
    for (int i = 0; i < t->rank; i++)
        if (t->shape[i] < 0)
            return rq_fail(r->err, "%s: %s: negative dimension %d", r->name, what, (int)t->shape[i]);
    int64_t n = rq_tfl_num_elements(t);
    if (n < 0)
        return rq_fail(r->err, "%s: %s: shape has more than 2^31 elements", r->name, what);
    int8_t type;
    uint32_t buffer;
    const char *name;
    uint32_t name_len;
    if (rq_fbr_i8(r, tt, F_T_TYPE, 0, what, &type) ||
        rq_fbr_u32(r, tt, F_T_BUFFER, 0, what, &buffer) ||
        rq_fbr_string(r, tt, F_T_NAME, what, &name, &name_len))
        return -1;
    t->type = (rq_tfl_type)type;
    if (rq_tfl_type_size(type) == 0)
        return rq_fail(r->err, "%s: %s: unsupported tensor type %d", r->name, what, type);
    t->name = name ? copy_string(name, name_len) : copy_string("", 0);
    if (!t->name)
        return rq_fail(r->err, "%s: %s: out of memory", r->name, what);
    if (read_quant(rd, tt, t, what))
        return -1;
    const uint8_t *data;
    size_t len;
    if (buffer_bytes(rd, buffer, what, &data, &len))
        return -1;
    if (!len)
        return 0;
    size_t want = (size_t)n * rq_tfl_type_size(type);
    if (len != want)
        return rq_fail(r->err, "%s: %s (%s): buffer %u holds %zu bytes, shape needs %zu", r->name,
                       what, t->name, buffer, len, want);
    t->data = malloc(len);
    if (!t->data)
        return rq_fail(r->err, "%s: %s: out of memory", r->name, what);
    memcpy(t->data, data, len);
    t->data_len = len;
    return 0;
}

/* A custom operator's name (OperatorCode.custom_code), printable, cut to fit. */
static int read_custom_code(const rq_fbr *r, const rq_fbr_table *ct, const char *what,
                            char *out, size_t cap)
{
    const char *s;
    uint32_t len;
    out[0] = 0;
    if (rq_fbr_string(r, ct, F_OPCODE_CUSTOM, what, &s, &len))
        return -1;
    size_t n = 0;
    for (uint32_t i = 0; s && i < len && n + 1 < cap; i++)
        out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    out[n] = 0;
    return 0;
}

static int read_opcode(reader *rd, uint32_t index, int *code, int *version, char *custom,
                       size_t custom_cap)
{
    const rq_fbr *r = &rd->r;
    char what[64];
    snprintf(what, sizeof what, "operator_codes[%u]", index);
    rq_fbr_table ct;
    int8_t dep;
    int32_t builtin, v;
    if (rq_fbr_vec_table(r, &rd->opcodes, index, what, &ct) ||
        rq_fbr_i8(r, &ct, F_OPCODE_DEPRECATED_BUILTIN, 0, what, &dep) ||
        rq_fbr_i32(r, &ct, F_OPCODE_BUILTIN, 0, what, &builtin) ||
        rq_fbr_i32(r, &ct, F_OPCODE_VERSION, 1, what, &v))
        return -1;
    /* older files carry only the 8-bit code, newer ones both: the larger one is right */
    *code = builtin > dep ? builtin : dep;
    *version = v;
    if (*code < 0)
        return rq_fail(r->err, "%s: %s: negative builtin code %d", r->name, what, *code);
    return *code == RQ_TFL_OP_CUSTOM ? read_custom_code(r, &ct, what, custom, custom_cap) : 0;
}

static int expect_options(const rq_fbr *r, const char *what, int tag, int want, int present)
{
    if (present && tag != want)
        return rq_fail(r->err, "%s: %s: builtin_options type %d, expected %d", r->name, what, tag,
                       want);
    return 0;
}

static int read_flag(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what, int *v)
{
    uint8_t b = 0;
    if (rq_fbr_u8(r, t, id, 0, what, &b))
        return -1;
    *v = b != 0;
    return 0;
}

/* The union tag each data-movement operator's options must carry (0: not one of them). */
static int movement_options_tag(int code)
{
    switch (code) {
    case RQ_TFL_OP_CONCATENATION: return U_CONCATENATION;
    case RQ_TFL_OP_RESIZE_BILINEAR: return U_RESIZE_BILINEAR;
    case RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR: return U_RESIZE_NEAREST_NEIGHBOR;
    case RQ_TFL_OP_SPACE_TO_DEPTH: return U_SPACE_TO_DEPTH;
    case RQ_TFL_OP_DEPTH_TO_SPACE: return U_DEPTH_TO_SPACE;
    case RQ_TFL_OP_PAD: return U_PAD;
    case RQ_TFL_OP_PADV2: return U_PADV2;
    case RQ_TFL_OP_GATHER: return U_GATHER;
    case RQ_TFL_OP_TRANSPOSE: return U_TRANSPOSE;
    case RQ_TFL_OP_SQUEEZE: return U_SQUEEZE;
    case RQ_TFL_OP_STRIDED_SLICE: return U_STRIDED_SLICE;
    case RQ_TFL_OP_SPLIT: return U_SPLIT;
    case RQ_TFL_OP_SPLIT_V: return U_SPLIT_V;
    case RQ_TFL_OP_SLICE: return U_SLICE;
    case RQ_TFL_OP_TILE: return U_TILE;
    case RQ_TFL_OP_EXPAND_DIMS: return U_EXPAND_DIMS;
    case RQ_TFL_OP_SHAPE: return U_SHAPE;
    case RQ_TFL_OP_PACK: return U_PACK;
    case RQ_TFL_OP_UNPACK: return U_UNPACK;
    default: return 0;
    }
}

/* Options of the data-movement and shape operators (op_movement.c runs them). */
static int read_movement_options(const rq_fbr *r, const rq_fbr_table *t, int tag, int present,
                                 rq_tfl_op *op, const char *what, int8_t *act)
{
    rq_tfl_options *o = &op->opt;
    int want = movement_options_tag((int)op->code);
    if (!want || expect_options(r, what, tag, want, present))
        return want ? -1 : 0;
    if (!present)
        return 0;
    int8_t out_type = 0;
    switch ((int)op->code) {
    case RQ_TFL_OP_CONCATENATION:
        return rq_fbr_i32(r, t, F_CONCAT_AXIS, 0, what, &o->axis) ||
               rq_fbr_i8(r, t, F_CONCAT_ACT, 0, what, act) ? -1 : 0;
    case RQ_TFL_OP_RESIZE_BILINEAR:
        return read_flag(r, t, F_RB_ALIGN_CORNERS, what, &o->align_corners) ||
               read_flag(r, t, F_RB_HALF_PIXEL, what, &o->half_pixel_centers) ? -1 : 0;
    case RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR:
        return read_flag(r, t, F_RNN_ALIGN_CORNERS, what, &o->align_corners) ||
               read_flag(r, t, F_RNN_HALF_PIXEL, what, &o->half_pixel_centers) ? -1 : 0;
    case RQ_TFL_OP_SPACE_TO_DEPTH:
    case RQ_TFL_OP_DEPTH_TO_SPACE:
        return rq_fbr_i32(r, t, F_BLOCK_SIZE, 0, what, &o->block_size);
    case RQ_TFL_OP_GATHER:
        return rq_fbr_i32(r, t, F_GATHER_AXIS, 0, what, &o->axis) ||
               rq_fbr_i32(r, t, F_GATHER_BATCH_DIMS, 0, what, &o->batch_dims) ? -1 : 0;
    case RQ_TFL_OP_SQUEEZE:
        return read_i32_vector(r, t, F_SQUEEZE_DIMS, what, o->squeeze_dims, RQ_TFL_MAX_DIMS,
                               &o->n_squeeze_dims);
    case RQ_TFL_OP_STRIDED_SLICE:
        return rq_fbr_i32(r, t, F_SS_BEGIN_MASK, 0, what, &o->begin_mask) ||
               rq_fbr_i32(r, t, F_SS_END_MASK, 0, what, &o->end_mask) ||
               rq_fbr_i32(r, t, F_SS_ELLIPSIS_MASK, 0, what, &o->ellipsis_mask) ||
               rq_fbr_i32(r, t, F_SS_NEW_AXIS_MASK, 0, what, &o->new_axis_mask) ||
               rq_fbr_i32(r, t, F_SS_SHRINK_AXIS_MASK, 0, what, &o->shrink_axis_mask) ||
               read_flag(r, t, F_SS_OFFSET, what, &o->offset) ? -1 : 0;
    case RQ_TFL_OP_SPLIT:
    case RQ_TFL_OP_SPLIT_V:
        return rq_fbr_i32(r, t, F_SPLIT_NUM, 0, what, &o->count);
    case RQ_TFL_OP_PACK:
    case RQ_TFL_OP_UNPACK:
        return rq_fbr_i32(r, t, F_PACK_COUNT, 0, what, &o->count) ||
               rq_fbr_i32(r, t, F_PACK_AXIS, 0, what, &o->axis) ? -1 : 0;
    case RQ_TFL_OP_SHAPE:
        if (rq_fbr_i8(r, t, F_SHAPE_OUT_TYPE, 0, what, &out_type))
            return -1;
        o->out_type = out_type;
        return 0;
    default:
        return 0; /* PAD, PADV2, TRANSPOSE, SLICE, TILE, EXPAND_DIMS: empty tables */
    }
}

/* Options of the operators we know; an absent table leaves the schema defaults. */
static int read_options(reader *rd, const rq_fbr_table *ot, rq_tfl_op *op, const char *what)
{
    const rq_fbr *r = &rd->r;
    uint8_t tag;
    int present;
    rq_fbr_table t;
    if (rq_fbr_u8(r, ot, F_OP_OPTIONS_TYPE, 0, what, &tag) ||
        rq_fbr_sub(r, ot, F_OP_OPTIONS, what, &present, &t))
        return -1;
    rq_tfl_options *o = &op->opt;
    memset(o, 0, sizeof *o); /* schema defaults are zero except where noted */
    o->dilation_w = o->dilation_h = 1;
    int8_t pad = 0, act = 0;
    uint8_t flag = 0;
    switch ((int)op->code) {
    case RQ_TFL_OP_CONV_2D:
        if (expect_options(r, what, tag, U_CONV2D, present))
            return -1;
        if (present &&
            (rq_fbr_i8(r, &t, F_CONV_PADDING, 0, what, &pad) ||
             rq_fbr_i32(r, &t, F_CONV_STRIDE_W, 0, what, &o->stride_w) ||
             rq_fbr_i32(r, &t, F_CONV_STRIDE_H, 0, what, &o->stride_h) ||
             rq_fbr_i8(r, &t, F_CONV_ACT, 0, what, &act) ||
             rq_fbr_i32(r, &t, F_CONV_DIL_W, 1, what, &o->dilation_w) ||
             rq_fbr_i32(r, &t, F_CONV_DIL_H, 1, what, &o->dilation_h)))
            return -1;
        break;
    case RQ_TFL_OP_DEPTHWISE_CONV_2D:
        if (expect_options(r, what, tag, U_DEPTHWISE_CONV2D, present))
            return -1;
        if (present &&
            (rq_fbr_i8(r, &t, F_DW_PADDING, 0, what, &pad) ||
             rq_fbr_i32(r, &t, F_DW_STRIDE_W, 0, what, &o->stride_w) ||
             rq_fbr_i32(r, &t, F_DW_STRIDE_H, 0, what, &o->stride_h) ||
             rq_fbr_i32(r, &t, F_DW_MULT, 0, what, &o->depth_multiplier) ||
             rq_fbr_i8(r, &t, F_DW_ACT, 0, what, &act) ||
             rq_fbr_i32(r, &t, F_DW_DIL_W, 1, what, &o->dilation_w) ||
             rq_fbr_i32(r, &t, F_DW_DIL_H, 1, what, &o->dilation_h)))
            return -1;
        break;
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D:
        if (expect_options(r, what, tag, U_POOL2D, present))
            return -1;
        if (present &&
            (rq_fbr_i8(r, &t, F_POOL_PADDING, 0, what, &pad) ||
             rq_fbr_i32(r, &t, F_POOL_STRIDE_W, 0, what, &o->stride_w) ||
             rq_fbr_i32(r, &t, F_POOL_STRIDE_H, 0, what, &o->stride_h) ||
             rq_fbr_i32(r, &t, F_POOL_FILTER_W, 0, what, &o->filter_w) ||
             rq_fbr_i32(r, &t, F_POOL_FILTER_H, 0, what, &o->filter_h) ||
             rq_fbr_i8(r, &t, F_POOL_ACT, 0, what, &act)))
            return -1;
        break;
    case RQ_TFL_OP_FULLY_CONNECTED:
        if (expect_options(r, what, tag, U_FULLY_CONNECTED, present))
            return -1;
        if (present) {
            int8_t fmt = 0;
            if (rq_fbr_i8(r, &t, F_FC_ACT, 0, what, &act) ||
                rq_fbr_i8(r, &t, F_FC_WEIGHTS_FORMAT, 0, what, &fmt) ||
                rq_fbr_u8(r, &t, F_FC_KEEP_NUM_DIMS, 0, what, &flag))
                return -1;
            if (fmt != 0)
                return rq_fail(r->err, "%s: %s: shuffled FULLY_CONNECTED weights not supported",
                               r->name, what);
        }
        break;
    case RQ_TFL_OP_MEAN:
        if (expect_options(r, what, tag, U_REDUCER, present))
            return -1;
        if (present && rq_fbr_u8(r, &t, F_REDUCER_KEEP_DIMS, 0, what, &flag))
            return -1;
        break;
    case RQ_TFL_OP_RESHAPE:
        if (expect_options(r, what, tag, U_RESHAPE, present))
            return -1;
        if (present && read_i32_vector(r, &t, F_RESHAPE_NEW_SHAPE, what, o->new_shape,
                                       RQ_TFL_MAX_DIMS, &o->n_new_shape))
            return -1;
        break;
    default: /* QUANTIZE, DEQUANTIZE, LOGISTIC have no options; others are not run */
        if (read_movement_options(r, &t, tag, present, op, what, &act) ||
            rq_tfl_read_arith_options(r, &t, present, tag, op, what, &pad, &act, &flag) < 0)
            return -1;
        break;
    }
    o->padding = (rq_tfl_padding)pad;
    o->activation = (rq_tfl_activation)act;
    o->keep_dims = flag != 0;
    return 0;
}

static int read_operator(reader *rd, const rq_fbr_table *ot, int index)
{
    const rq_fbr *r = &rd->r;
    rq_tfl_op *op = &rd->m->ops[index];
    char what[64];
    snprintf(what, sizeof what, "operators[%d]", index);
    uint32_t opcode_index;
    if (rq_fbr_u32(r, ot, F_OP_OPCODE_INDEX, 0, what, &opcode_index))
        return -1;
    if (opcode_index >= rd->opcodes.n)
        return rq_fail(r->err, "%s: %s: opcode_index %u out of range (%u operator codes)",
                       r->name, what, opcode_index, rd->opcodes.n);
    int code, version;
    if (read_opcode(rd, opcode_index, &code, &version, op->custom_code, sizeof op->custom_code))
        return -1;
    op->code = (rq_tfl_builtin)code;
    op->version = version;
    if (read_i32_vector(r, ot, F_OP_INPUTS, what, op->inputs, RQ_TFL_MAX_OP_IO, &op->n_inputs) ||
        read_i32_vector(r, ot, F_OP_OUTPUTS, what, op->outputs, RQ_TFL_MAX_OP_IO, &op->n_outputs))
        return -1;
    for (int i = 0; i < op->n_inputs; i++)
        if (op->inputs[i] < -1 || op->inputs[i] >= rd->m->n_tensors)
            return rq_fail(r->err, "%s: %s: input %d is tensor %d, out of range (%d tensors)",
                           r->name, what, i, (int)op->inputs[i], rd->m->n_tensors);
    for (int i = 0; i < op->n_outputs; i++)
        if (op->outputs[i] < 0 || op->outputs[i] >= rd->m->n_tensors)
            return rq_fail(r->err, "%s: %s: output %d is tensor %d, out of range (%d tensors)",
                           r->name, what, i, (int)op->outputs[i], rd->m->n_tensors);
    if (op->n_outputs < 1)
        return rq_fail(r->err, "%s: %s: no outputs", r->name, what);
    return read_options(rd, ot, op, what);
}

static int read_graph_io(reader *rd, const rq_fbr_table *sg, int id, const char *what,
                         int32_t *out, int *n)
{
    const rq_fbr *r = &rd->r;
    if (read_i32_vector(r, sg, id, what, out, RQ_TFL_MAX_GRAPH_IO, n))
        return -1;
    for (int i = 0; i < *n; i++)
        if (out[i] < 0 || out[i] >= rd->m->n_tensors)
            return rq_fail(r->err, "%s: %s[%d] = %d is not a tensor index (%d tensors)", r->name,
                           what, i, (int)out[i], rd->m->n_tensors);
    if (*n == 0)
        return rq_fail(r->err, "%s: %s: empty", r->name, what);
    return 0;
}

static int read_subgraph(reader *rd, const rq_fbr_table *sg)
{
    const rq_fbr *r = &rd->r;
    rq_tfl_model *m = rd->m;
    rq_fbr_vec tv, ov;
    if (rq_fbr_vector(r, sg, F_SG_TENSORS, 4, "subgraphs[0].tensors", &tv) ||
        rq_fbr_vector(r, sg, F_SG_OPERATORS, 4, "subgraphs[0].operators", &ov))
        return -1;
    /* vector lengths are bounded by the file size (4 bytes an entry), but an in-memory
     * tensor is ~25 times larger: cap the counts before allocating */
    if (tv.n > MAX_TENSORS || ov.n > MAX_TENSORS)
        return rq_fail(r->err, "%s: %u tensors and %u operators, at most %d each", r->name, tv.n,
                       ov.n, MAX_TENSORS);
    m->tensors = calloc(tv.n ? tv.n : 1, sizeof *m->tensors);
    m->ops = calloc(ov.n ? ov.n : 1, sizeof *m->ops);
    if (!m->tensors || !m->ops)
        return rq_fail(r->err, "%s: out of memory", r->name);
    m->cap_tensors = (int)(tv.n ? tv.n : 1);
    m->cap_ops = (int)(ov.n ? ov.n : 1);
    for (uint32_t i = 0; i < tv.n; i++) {
        rq_fbr_table tt;
        char what[64];
        snprintf(what, sizeof what, "tensors[%u]", i);
        m->n_tensors = (int)i + 1; /* so that free() sees what was filled */
        if (rq_fbr_vec_table(r, &tv, i, what, &tt) || read_tensor(rd, &tt, (int)i))
            return -1;
    }
    for (uint32_t i = 0; i < ov.n; i++) {
        rq_fbr_table ot;
        char what[64];
        snprintf(what, sizeof what, "operators[%u]", i);
        m->n_ops = (int)i + 1;
        if (rq_fbr_vec_table(r, &ov, i, what, &ot) || read_operator(rd, &ot, (int)i))
            return -1;
    }
    if (read_graph_io(rd, sg, F_SG_INPUTS, "subgraph inputs", m->inputs, &m->n_inputs) ||
        read_graph_io(rd, sg, F_SG_OUTPUTS, "subgraph outputs", m->outputs, &m->n_outputs))
        return -1;
    const char *name;
    uint32_t len;
    if (rq_fbr_string(r, sg, F_SG_NAME, "subgraph name", &name, &len))
        return -1;
    if (name && !(m->subgraph_name = copy_string(name, len)))
        return rq_fail(r->err, "%s: out of memory", r->name);
    return 0;
}

/* Model.metadata: every named entry but min_runtime_version (the writer adds its own), its
 * buffer's bytes copied; entries beyond RQ_TFL_MAX_METADATA and unnamed ones are skipped. */
static int read_metadata(reader *rd, const rq_fbr_table *root)
{
    const rq_fbr *r = &rd->r;
    rq_fbr_vec v;
    if (rq_fbr_vector(r, root, F_MODEL_METADATA, 4, "metadata", &v))
        return -1;
    for (uint32_t i = 0; i < v.n && rd->m->n_metadata < RQ_TFL_MAX_METADATA; i++) {
        char w[48];
        snprintf(w, sizeof w, "metadata[%u]", i);
        rq_fbr_table t;
        const char *name;
        uint32_t name_len, index;
        if (rq_fbr_vec_table(r, &v, i, w, &t) || rq_fbr_string(r, &t, F_META_NAME, w, &name, &name_len) ||
            rq_fbr_u32(r, &t, F_META_BUFFER, 0, w, &index))
            return -1;
        if (!name || name_len == 0 || name_len >= sizeof rd->m->metadata[0].name ||
            memchr(name, 0, name_len) || (name_len == strlen(RQ_TFL_RUNTIME_METADATA) &&
                                          !memcmp(name, RQ_TFL_RUNTIME_METADATA, name_len)))
            continue;
        const uint8_t *data;
        size_t len;
        char nm[64];
        memcpy(nm, name, name_len);
        nm[name_len] = 0;
        if (buffer_bytes(rd, index, w, &data, &len) || rq_tfl_set_metadata(rd->m, nm, data, len, r->err))
            return -1;
    }
    return 0;
}

int rq_tfl_parse(const uint8_t *buf, size_t len, const char *name, rq_tfl_model *m,
                 rq_error *err)
{
    rq_tfl_model_init(m);
    reader rd = {.r = {.buf = buf, .len = len, .name = name, .err = err}, .m = m};
    const rq_fbr *r = &rd.r;
    rq_fbr_table root;
    if (rq_fbr_root(r, "TFL3", &root))
        return -1;
    uint32_t version;
    if (rq_fbr_u32(r, &root, F_MODEL_VERSION, 0, "version", &version))
        return -1;
    if (version != RQ_TFL_SCHEMA_VERSION)
        return rq_fail(err, "%s: schema version %u, only 3 is supported", name, version);
    rq_fbr_vec subgraphs;
    if (rq_fbr_vector(r, &root, F_MODEL_OPERATOR_CODES, 4, "operator_codes", &rd.opcodes) ||
        rq_fbr_vector(r, &root, F_MODEL_BUFFERS, 4, "buffers", &rd.buffers) ||
        rq_fbr_vector(r, &root, F_MODEL_SUBGRAPHS, 4, "subgraphs", &subgraphs))
        return -1;
    if (subgraphs.n < 1)
        return rq_fail(err, "%s: no subgraph", name);
    rq_fbr_table sg;
    if (rq_fbr_vec_table(r, &subgraphs, 0, "subgraphs[0]", &sg) || read_subgraph(&rd, &sg))
        return -1;
    const char *desc;
    uint32_t dlen;
    if (rq_fbr_string(r, &root, F_MODEL_DESCRIPTION, "description", &desc, &dlen))
        return -1;
    if (desc && !(m->description = copy_string(desc, dlen)))
        return rq_fail(err, "%s: out of memory", name);
    return read_metadata(&rd, &root);
}

int rq_tfl_read(const char *path, rq_tfl_model *m, rq_error *err)
{
    unsigned char *buf;
    size_t len;
    rq_tfl_model_init(m);
    if (rq_read_file(path, MAX_FILE_BYTES, &buf, &len, err))
        return -1;
    int rc = rq_tfl_parse(buf, len, path, m, err);
    free(buf);
    return rc;
}
