#include "tflite/tfl_options_arith.h"

#include <string.h>

#include "tflite/tfl_schema.h"

static int union_tag(int code)
{
    switch (code) {
    case RQ_TFL_OP_ADD: return U_ADD;
    case RQ_TFL_OP_SUB: return U_SUB;
    case RQ_TFL_OP_MUL: return U_MUL;
    case RQ_TFL_OP_SOFTMAX: return U_SOFTMAX;
    case RQ_TFL_OP_LEAKY_RELU: return U_LEAKY_RELU;
    case RQ_TFL_OP_ARG_MAX: return U_ARG_MAX;
    case RQ_TFL_OP_TRANSPOSE_CONV: return U_TRANSPOSE_CONV;
    case RQ_TFL_OP_SUM:
    case RQ_TFL_OP_REDUCE_MAX: return U_REDUCER;
    case RQ_TFL_OP_MAXIMUM:
    case RQ_TFL_OP_MINIMUM: return U_MAXIMUM_MINIMUM;
    case RQ_TFL_OP_HARD_SWISH: return U_HARD_SWISH;
    case RQ_TFL_OP_RELU:
    case RQ_TFL_OP_RELU6:
    case RQ_TFL_OP_RELU_N1_TO_1:
    case RQ_TFL_OP_TANH:
    case RQ_TFL_OP_PRELU: return U_NONE; /* no options table in the schema */
    default: return -1;
    }
}

static int read_f32(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what, float *v)
{
    uint32_t bits;
    if (rq_fbr_u32(r, t, id, 0, what, &bits)) /* schema default 0.0 */
        return -1;
    memcpy(v, &bits, 4);
    return 0;
}

int rq_tfl_read_arith_options(const rq_fbr *r, const rq_fbr_table *t, int present, int tag,
                              rq_tfl_op *op, const char *what, int8_t *pad, int8_t *act,
                              uint8_t *flag)
{
    rq_tfl_options *o = &op->opt;
    int want = union_tag((int)op->code);
    int8_t type = 0;
    if (want < 0)
        return 0;
    if (present && tag != want)
        return rq_fail(r->err, "%s: %s: builtin_options type %d, expected %d", r->name, what, tag,
                       want);
    if (!present)
        return 1;
    switch ((int)op->code) {
    case RQ_TFL_OP_ADD:
    case RQ_TFL_OP_SUB:
    case RQ_TFL_OP_MUL:
        if (rq_fbr_i8(r, t, F_ADD_ACT, 0, what, act))
            return -1;
        break;
    case RQ_TFL_OP_SOFTMAX:
        if (read_f32(r, t, F_SOFTMAX_BETA, what, &o->beta))
            return -1;
        break;
    case RQ_TFL_OP_LEAKY_RELU:
        if (read_f32(r, t, F_LEAKY_ALPHA, what, &o->alpha))
            return -1;
        break;
    case RQ_TFL_OP_ARG_MAX:
        if (rq_fbr_i8(r, t, F_ARGMAX_OUTPUT_TYPE, 0, what, &type))
            return -1;
        o->output_type = (rq_tfl_type)type;
        break;
    case RQ_TFL_OP_TRANSPOSE_CONV:
        if (rq_fbr_i8(r, t, F_TCONV_PADDING, 0, what, pad) ||
            rq_fbr_i32(r, t, F_TCONV_STRIDE_W, 0, what, &o->stride_w) ||
            rq_fbr_i32(r, t, F_TCONV_STRIDE_H, 0, what, &o->stride_h) ||
            rq_fbr_i8(r, t, F_TCONV_ACT, 0, what, act))
            return -1;
        break;
    case RQ_TFL_OP_SUM:
    case RQ_TFL_OP_REDUCE_MAX:
        if (rq_fbr_u8(r, t, F_REDUCER_KEEP_DIMS, 0, what, flag))
            return -1;
        break;
    default:
        break; /* empty tables */
    }
    return 1;
}

static void add_f32(rq_fb *b, int id, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    rq_fb_add_u32(b, id, bits, 0);
}

int rq_tfl_write_arith_options(rq_fb *b, const rq_tfl_op *op, uint8_t *tag, rq_fb_ref *ref)
{
    const rq_tfl_options *o = &op->opt;
    int want = union_tag((int)op->code);
    if (want < 0)
        return 0;
    *tag = (uint8_t)want;
    *ref = 0;
    if (want == U_NONE)
        return 1;
    rq_fb_table_begin(b);
    switch ((int)op->code) {
    case RQ_TFL_OP_ADD:
    case RQ_TFL_OP_SUB:
    case RQ_TFL_OP_MUL:
        rq_fb_add_i8(b, F_ADD_ACT, (int8_t)o->activation, 0);
        break;
    case RQ_TFL_OP_SOFTMAX:
        add_f32(b, F_SOFTMAX_BETA, o->beta);
        break;
    case RQ_TFL_OP_LEAKY_RELU:
        add_f32(b, F_LEAKY_ALPHA, o->alpha);
        break;
    case RQ_TFL_OP_ARG_MAX:
        rq_fb_add_i8(b, F_ARGMAX_OUTPUT_TYPE, (int8_t)o->output_type, 0);
        break;
    case RQ_TFL_OP_TRANSPOSE_CONV:
        rq_fb_add_i32(b, F_TCONV_STRIDE_W, o->stride_w, 0);
        rq_fb_add_i32(b, F_TCONV_STRIDE_H, o->stride_h, 0);
        rq_fb_add_i8(b, F_TCONV_PADDING, (int8_t)o->padding, 0);
        rq_fb_add_i8(b, F_TCONV_ACT, (int8_t)o->activation, 0);
        break;
    case RQ_TFL_OP_SUM:
    case RQ_TFL_OP_REDUCE_MAX:
        rq_fb_add_u8(b, F_REDUCER_KEEP_DIMS, (uint8_t)(o->keep_dims != 0), 0);
        break;
    default:
        break;
    }
    *ref = rq_fb_table_end(b);
    return 1;
}
