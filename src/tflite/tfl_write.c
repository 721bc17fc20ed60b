/* The .tflite writer: the in-memory model as a schema-v3 flatbuffer, laid out like the
 * converter's (buffers[0] empty, one buffer per constant tensor, weights at the end of
 * the file aligned to 16 bytes, min_runtime_version metadata, a serving_default
 * signature). */
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "tflite/flatbuf_build.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_options_arith.h"
#include "tflite/tfl_schema.h"

typedef struct opcode_entry {
    int code, version;
} opcode_entry;

/* Distinct (code, version) pairs in order of first use; op_to_code maps each operator. */
static int collect_opcodes(const rq_tfl_model *m, opcode_entry *codes, int *op_to_code)
{
    int n = 0;
    for (int i = 0; i < m->n_ops; i++) {
        int j = 0;
        while (j < n && !(codes[j].code == (int)m->ops[i].code &&
                          codes[j].version == m->ops[i].version))
            j++;
        if (j == n) {
            codes[n].code = (int)m->ops[i].code;
            codes[n].version = m->ops[i].version;
            n++;
        }
        op_to_code[i] = j;
    }
    return n;
}

static rq_fb_ref write_buffer(rq_fb *b, const void *data, size_t len)
{
    rq_fb_ref d = len ? rq_fb_bytes(b, data, len, 16) : 0;
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_BUF_DATA, d);
    return rq_fb_table_end(b);
}

static rq_fb_ref write_quant(rq_fb *b, const rq_tfl_quant *q)
{
    if (q->n == 0)
        return 0;
    rq_fb_ref scale = rq_fb_vec_f32(b, q->scale, (size_t)q->n);
    rq_fb_ref zp = rq_fb_vec_i64(b, q->zero_point, (size_t)q->n);
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_Q_SCALE, scale);
    rq_fb_add_ref(b, F_Q_ZERO_POINT, zp);
    rq_fb_add_i32(b, F_Q_QDIM, q->quantized_dimension, 0);
    return rq_fb_table_end(b);
}

static rq_fb_ref write_tensor(rq_fb *b, const rq_tfl_tensor *t, uint32_t buffer)
{
    rq_fb_ref shape = rq_fb_vec_i32(b, t->shape, (size_t)t->rank);
    rq_fb_ref name = rq_fb_string(b, t->name);
    rq_fb_ref quant = write_quant(b, &t->q);
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_T_SHAPE, shape);
    rq_fb_add_u32(b, F_T_BUFFER, buffer, 0);
    rq_fb_add_ref(b, F_T_NAME, name);
    rq_fb_add_ref(b, F_T_QUANT, quant);
    rq_fb_add_i8(b, F_T_TYPE, (int8_t)t->type, 0);
    rq_fb_add_u8(b, F_T_HAS_RANK, 1, 0);
    return rq_fb_table_end(b);
}

/* Options of the data-movement and shape operators: a table per operator, with only the
 * fields its schema table has (an empty table for PAD, TRANSPOSE, ...). */
static rq_fb_ref write_movement_options(rq_fb *b, const rq_tfl_op *op, uint8_t *tag)
{
    const rq_tfl_options *o = &op->opt;
    rq_fb_ref dims = 0;
    switch (op->code) {
    case RQ_TFL_OP_CONCATENATION:
        *tag = U_CONCATENATION;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_CONCAT_AXIS, o->axis, 0);
        rq_fb_add_i8(b, F_CONCAT_ACT, (int8_t)o->activation, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_RESIZE_BILINEAR:
    case RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR: {
        int bil = op->code == RQ_TFL_OP_RESIZE_BILINEAR;
        *tag = bil ? U_RESIZE_BILINEAR : U_RESIZE_NEAREST_NEIGHBOR;
        rq_fb_table_begin(b);
        rq_fb_add_u8(b, bil ? F_RB_ALIGN_CORNERS : F_RNN_ALIGN_CORNERS,
                     (uint8_t)(o->align_corners != 0), 0);
        rq_fb_add_u8(b, bil ? F_RB_HALF_PIXEL : F_RNN_HALF_PIXEL,
                     (uint8_t)(o->half_pixel_centers != 0), 0);
        return rq_fb_table_end(b);
    }
    case RQ_TFL_OP_SPACE_TO_DEPTH:
    case RQ_TFL_OP_DEPTH_TO_SPACE:
        *tag = op->code == RQ_TFL_OP_SPACE_TO_DEPTH ? U_SPACE_TO_DEPTH : U_DEPTH_TO_SPACE;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_BLOCK_SIZE, o->block_size, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_GATHER:
        *tag = U_GATHER;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_GATHER_AXIS, o->axis, 0);
        rq_fb_add_i32(b, F_GATHER_BATCH_DIMS, o->batch_dims, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_SQUEEZE:
        *tag = U_SQUEEZE;
        dims = rq_fb_vec_i32(b, o->squeeze_dims, (size_t)o->n_squeeze_dims);
        rq_fb_table_begin(b);
        rq_fb_add_ref(b, F_SQUEEZE_DIMS, dims);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_STRIDED_SLICE:
        *tag = U_STRIDED_SLICE;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_SS_BEGIN_MASK, o->begin_mask, 0);
        rq_fb_add_i32(b, F_SS_END_MASK, o->end_mask, 0);
        rq_fb_add_i32(b, F_SS_ELLIPSIS_MASK, o->ellipsis_mask, 0);
        rq_fb_add_i32(b, F_SS_NEW_AXIS_MASK, o->new_axis_mask, 0);
        rq_fb_add_i32(b, F_SS_SHRINK_AXIS_MASK, o->shrink_axis_mask, 0);
        rq_fb_add_u8(b, F_SS_OFFSET, (uint8_t)(o->offset != 0), 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_SPLIT:
    case RQ_TFL_OP_SPLIT_V:
        *tag = op->code == RQ_TFL_OP_SPLIT ? U_SPLIT : U_SPLIT_V;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_SPLIT_NUM, o->count, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_PACK:
    case RQ_TFL_OP_UNPACK:
        *tag = op->code == RQ_TFL_OP_PACK ? U_PACK : U_UNPACK;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_PACK_COUNT, o->count, 0);
        rq_fb_add_i32(b, F_PACK_AXIS, o->axis, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_SHAPE:
        *tag = U_SHAPE;
        rq_fb_table_begin(b);
        rq_fb_add_i8(b, F_SHAPE_OUT_TYPE, (int8_t)(o->out_type ? o->out_type : RQ_TFL_INT32), 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_PAD: *tag = U_PAD; break;
    case RQ_TFL_OP_PADV2: *tag = U_PADV2; break;
    case RQ_TFL_OP_TRANSPOSE: *tag = U_TRANSPOSE; break;
    case RQ_TFL_OP_SLICE: *tag = U_SLICE; break;
    case RQ_TFL_OP_TILE: *tag = U_TILE; break;
    case RQ_TFL_OP_EXPAND_DIMS: *tag = U_EXPAND_DIMS; break;
    default: return 0;
    }
    rq_fb_table_begin(b); /* the empty options tables */
    return rq_fb_table_end(b);
}

/* The builtin options table of one operator and its union tag (0 = none). */
static rq_fb_ref write_options(rq_fb *b, const rq_tfl_op *op, uint8_t *tag)
{
    const rq_tfl_options *o = &op->opt;
    rq_fb_ref shape = 0;
    *tag = U_NONE;
    switch (op->code) {
    case RQ_TFL_OP_CONV_2D:
        *tag = U_CONV2D;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_CONV_STRIDE_W, o->stride_w, 0);
        rq_fb_add_i32(b, F_CONV_STRIDE_H, o->stride_h, 0);
        rq_fb_add_i32(b, F_CONV_DIL_W, o->dilation_w, 1);
        rq_fb_add_i32(b, F_CONV_DIL_H, o->dilation_h, 1);
        rq_fb_add_i8(b, F_CONV_PADDING, (int8_t)o->padding, 0);
        rq_fb_add_i8(b, F_CONV_ACT, (int8_t)o->activation, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_DEPTHWISE_CONV_2D:
        *tag = U_DEPTHWISE_CONV2D;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_DW_STRIDE_W, o->stride_w, 0);
        rq_fb_add_i32(b, F_DW_STRIDE_H, o->stride_h, 0);
        rq_fb_add_i32(b, F_DW_MULT, o->depth_multiplier, 0);
        rq_fb_add_i32(b, F_DW_DIL_W, o->dilation_w, 1);
        rq_fb_add_i32(b, F_DW_DIL_H, o->dilation_h, 1);
        rq_fb_add_i8(b, F_DW_PADDING, (int8_t)o->padding, 0);
        rq_fb_add_i8(b, F_DW_ACT, (int8_t)o->activation, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D:
        *tag = U_POOL2D;
        rq_fb_table_begin(b);
        rq_fb_add_i32(b, F_POOL_STRIDE_W, o->stride_w, 0);
        rq_fb_add_i32(b, F_POOL_STRIDE_H, o->stride_h, 0);
        rq_fb_add_i32(b, F_POOL_FILTER_W, o->filter_w, 0);
        rq_fb_add_i32(b, F_POOL_FILTER_H, o->filter_h, 0);
        rq_fb_add_i8(b, F_POOL_PADDING, (int8_t)o->padding, 0);
        rq_fb_add_i8(b, F_POOL_ACT, (int8_t)o->activation, 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_FULLY_CONNECTED:
        *tag = U_FULLY_CONNECTED;
        rq_fb_table_begin(b);
        rq_fb_add_i8(b, F_FC_ACT, (int8_t)o->activation, 0);
        rq_fb_add_u8(b, F_FC_KEEP_NUM_DIMS, (uint8_t)(o->keep_dims != 0), 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_RESHAPE:
        if (o->n_new_shape <= 0)
            return 0;
        *tag = U_RESHAPE;
        shape = rq_fb_vec_i32(b, o->new_shape, (size_t)o->n_new_shape);
        rq_fb_table_begin(b);
        rq_fb_add_ref(b, F_RESHAPE_NEW_SHAPE, shape);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_MEAN:
        *tag = U_REDUCER;
        rq_fb_table_begin(b);
        rq_fb_add_u8(b, F_REDUCER_KEEP_DIMS, (uint8_t)(o->keep_dims != 0), 0);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_QUANTIZE:
        *tag = U_QUANTIZE;
        rq_fb_table_begin(b);
        return rq_fb_table_end(b);
    case RQ_TFL_OP_DEQUANTIZE:
        *tag = U_DEQUANTIZE;
        rq_fb_table_begin(b);
        return rq_fb_table_end(b);
    default:
        if ((shape = write_movement_options(b, op, tag)) != 0)
            return shape;
        return rq_tfl_write_arith_options(b, op, tag, &shape) ? shape : 0;
    }
}

static rq_fb_ref write_operator(rq_fb *b, const rq_tfl_op *op, uint32_t opcode_index)
{
    rq_fb_ref in = rq_fb_vec_i32(b, op->inputs, (size_t)op->n_inputs);
    rq_fb_ref out = rq_fb_vec_i32(b, op->outputs, (size_t)op->n_outputs);
    uint8_t tag;
    rq_fb_ref opt = write_options(b, op, &tag);
    rq_fb_table_begin(b);
    rq_fb_add_u32(b, F_OP_OPCODE_INDEX, opcode_index, 0);
    rq_fb_add_ref(b, F_OP_INPUTS, in);
    rq_fb_add_ref(b, F_OP_OUTPUTS, out);
    rq_fb_add_ref(b, F_OP_OPTIONS, opt);
    rq_fb_add_u8(b, F_OP_OPTIONS_TYPE, tag, 0);
    return rq_fb_table_end(b);
}

static rq_fb_ref write_opcode(rq_fb *b, const opcode_entry *c)
{
    rq_fb_table_begin(b);
    rq_fb_add_i32(b, F_OPCODE_BUILTIN, c->code, 0);
    rq_fb_add_i32(b, F_OPCODE_VERSION, c->version, 1);
    rq_fb_add_i8(b, F_OPCODE_DEPRECATED_BUILTIN, (int8_t)(c->code < 127 ? c->code : 127), 0);
    return rq_fb_table_end(b);
}

static rq_fb_ref write_tensor_maps(rq_fb *b, const rq_tfl_model *m, const int32_t *idx, int n)
{
    rq_fb_ref maps[RQ_TFL_MAX_GRAPH_IO];
    for (int i = 0; i < n; i++) {
        rq_fb_ref name = rq_fb_string(b, m->tensors[idx[i]].name);
        rq_fb_table_begin(b);
        rq_fb_add_ref(b, F_TMAP_NAME, name);
        rq_fb_add_u32(b, F_TMAP_TENSOR, (uint32_t)idx[i], 0);
        maps[i] = rq_fb_table_end(b);
    }
    return rq_fb_vec_refs(b, maps, (size_t)n);
}

static rq_fb_ref write_signature(rq_fb *b, const rq_tfl_model *m)
{
    rq_fb_ref in = write_tensor_maps(b, m, m->inputs, m->n_inputs);
    rq_fb_ref out = write_tensor_maps(b, m, m->outputs, m->n_outputs);
    rq_fb_ref key = rq_fb_string(b, "serving_default");
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_SIG_INPUTS, in);
    rq_fb_add_ref(b, F_SIG_OUTPUTS, out);
    rq_fb_add_ref(b, F_SIG_KEY, key);
    rq_fb_add_u32(b, F_SIG_SUBGRAPH, 0, 0);
    rq_fb_ref sig = rq_fb_table_end(b);
    return rq_fb_vec_refs(b, &sig, 1);
}

static rq_fb_ref write_subgraph(rq_fb *b, const rq_tfl_model *m, const uint32_t *tensor_buffer,
                                const int *op_to_code, rq_fb_ref *scratch)
{
    for (int i = 0; i < m->n_tensors; i++)
        scratch[i] = write_tensor(b, &m->tensors[i], tensor_buffer[i]);
    rq_fb_ref tensors = rq_fb_vec_refs(b, scratch, (size_t)m->n_tensors);
    for (int i = 0; i < m->n_ops; i++)
        scratch[i] = write_operator(b, &m->ops[i], (uint32_t)op_to_code[i]);
    rq_fb_ref ops = rq_fb_vec_refs(b, scratch, (size_t)m->n_ops);
    rq_fb_ref in = rq_fb_vec_i32(b, m->inputs, (size_t)m->n_inputs);
    rq_fb_ref out = rq_fb_vec_i32(b, m->outputs, (size_t)m->n_outputs);
    rq_fb_ref name = rq_fb_string(b, m->subgraph_name ? m->subgraph_name : "main");
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_SG_TENSORS, tensors);
    rq_fb_add_ref(b, F_SG_INPUTS, in);
    rq_fb_add_ref(b, F_SG_OUTPUTS, out);
    rq_fb_add_ref(b, F_SG_OPERATORS, ops);
    rq_fb_add_ref(b, F_SG_NAME, name);
    rq_fb_ref sg = rq_fb_table_end(b);
    return rq_fb_vec_refs(b, &sg, 1);
}

/* Buffers are written first so that they land at the end of the file, in index order:
 * [0] empty, one per constant tensor, the min_runtime_version string, then one per
 * metadata entry of the model. */
static rq_fb_ref write_buffers(rq_fb *b, const rq_tfl_model *m, uint32_t *tensor_buffer,
                               rq_fb_ref *scratch, uint32_t *runtime_buffer)
{
    int n_const = 0;
    for (int i = 0; i < m->n_tensors; i++)
        n_const += m->tensors[i].data != NULL;
    /* back to front: write the last buffer first so that the file reads in index order */
    *runtime_buffer = (uint32_t)n_const + 1;
    for (int e = m->n_metadata; e-- > 0;)
        scratch[*runtime_buffer + 1 + (uint32_t)e] = write_buffer(b, m->metadata[e].data, m->metadata[e].len);
    char version[16] = {0};
    memcpy(version, RQ_TFL_MIN_RUNTIME, strlen(RQ_TFL_MIN_RUNTIME));
    scratch[*runtime_buffer] = write_buffer(b, version, sizeof version);
    uint32_t next = (uint32_t)n_const;
    for (int i = m->n_tensors; i-- > 0;) {
        const rq_tfl_tensor *t = &m->tensors[i];
        if (!t->data) {
            tensor_buffer[i] = 0;
            continue;
        }
        tensor_buffer[i] = next;
        scratch[next] = write_buffer(b, t->data, t->data_len);
        next--;
    }
    scratch[0] = write_buffer(b, NULL, 0);
    return rq_fb_vec_refs(b, scratch, (size_t)n_const + 2 + (size_t)m->n_metadata);
}

static rq_fb_ref write_metadata_entry(rq_fb *b, const char *name, uint32_t buffer)
{
    rq_fb_ref s = rq_fb_string(b, name);
    rq_fb_table_begin(b);
    rq_fb_add_ref(b, F_META_NAME, s);
    rq_fb_add_u32(b, F_META_BUFFER, buffer, 0);
    return rq_fb_table_end(b);
}

/* min_runtime_version first (as the converter writes it), then the model's entries. */
static rq_fb_ref write_metadata(rq_fb *b, const rq_tfl_model *m, uint32_t runtime_buffer)
{
    rq_fb_ref meta[1 + RQ_TFL_MAX_METADATA];
    meta[0] = write_metadata_entry(b, RQ_TFL_RUNTIME_METADATA, runtime_buffer);
    for (int e = 0; e < m->n_metadata; e++)
        meta[1 + e] = write_metadata_entry(b, m->metadata[e].name, runtime_buffer + 1 + (uint32_t)e);
    return rq_fb_vec_refs(b, meta, 1 + (size_t)m->n_metadata);
}

int rq_tfl_serialize(const rq_tfl_model *m, uint8_t **out, size_t *out_len, rq_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (rq_tfl_validate(m, "model", err))
        return -1;
    int n_scratch = m->n_tensors + m->n_ops + 2 + m->n_metadata;
    rq_fb_ref *scratch = calloc((size_t)n_scratch, sizeof *scratch);
    uint32_t *tensor_buffer = calloc((size_t)m->n_tensors + 1, sizeof *tensor_buffer);
    opcode_entry *codes = calloc((size_t)m->n_ops + 1, sizeof *codes);
    int *op_to_code = calloc((size_t)m->n_ops + 1, sizeof *op_to_code);
    rq_fb b;
    rq_fb_init(&b);
    int rc = -1;
    if (!scratch || !tensor_buffer || !codes || !op_to_code) {
        rq_fail(err, "model: out of memory");
        goto done;
    }
    uint32_t runtime_buffer;
    rq_fb_ref buffers = write_buffers(&b, m, tensor_buffer, scratch, &runtime_buffer);
    int n_codes = collect_opcodes(m, codes, op_to_code);
    rq_fb_ref subgraphs = write_subgraph(&b, m, tensor_buffer, op_to_code, scratch);
    for (int i = 0; i < n_codes; i++)
        scratch[i] = write_opcode(&b, &codes[i]);
    rq_fb_ref opcodes = rq_fb_vec_refs(&b, scratch, (size_t)n_codes);
    rq_fb_ref description = rq_fb_string(&b, m->description ? m->description : "rppgq");
    rq_fb_ref metadata = write_metadata(&b, m, runtime_buffer);
    rq_fb_ref signatures = write_signature(&b, m);
    rq_fb_table_begin(&b);
    rq_fb_add_u32(&b, F_MODEL_VERSION, RQ_TFL_SCHEMA_VERSION, 0);
    rq_fb_add_ref(&b, F_MODEL_OPERATOR_CODES, opcodes);
    rq_fb_add_ref(&b, F_MODEL_SUBGRAPHS, subgraphs);
    rq_fb_add_ref(&b, F_MODEL_DESCRIPTION, description);
    rq_fb_add_ref(&b, F_MODEL_BUFFERS, buffers);
    rq_fb_add_ref(&b, F_MODEL_METADATA, metadata);
    rq_fb_add_ref(&b, F_MODEL_SIGNATURE_DEFS, signatures);
    rq_fb_ref root = rq_fb_table_end(&b);
    if (rq_fb_finish(&b, root, "TFL3", out, out_len)) {
        rq_fail(err, "model: out of memory or larger than 2 GB while serializing");
        goto done;
    }
    rc = 0;
done:
    rq_fb_free(&b);
    free(scratch);
    free(tensor_buffer);
    free(codes);
    free(op_to_code);
    return rc;
}

int rq_tfl_write(const rq_tfl_model *m, const char *path, rq_error *err)
{
    uint8_t *bytes;
    size_t len;
    if (rq_tfl_serialize(m, &bytes, &len, err))
        return rq_fail_prefix(err, "%s: ", path);
    int rc = rq_write_file_atomic(path, bytes, len, err);
    free(bytes);
    return rc;
}
