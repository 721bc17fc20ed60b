#include "tflite/tfl_testmodels_arith.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tensor: shape, type, and (int8 / uint8) scale and zero point. */
typedef struct tspec {
    int rank;
    int32_t d[6];
    float s;
    int zp;
    rq_tfl_type type;
} tspec;

#define T(s_, zp_, r_, ...) {r_, {__VA_ARGS__}, s_, zp_, RQ_TFL_INT8}
#define F(r_, ...) {r_, {__VA_ARGS__}, 0.0f, 0, RQ_TFL_FLOAT32}
#define U8(s_, zp_, r_, ...) {r_, {__VA_ARGS__}, s_, zp_, RQ_TFL_UINT8}

/* Two-input operators; b_const: the second input is a constant (the converter folds
 * weights-like operands such as PRELU's alpha or a bias-like addend). */
typedef struct bin_case {
    const char *name;
    rq_tfl_builtin code;
    tspec a, b, o;
    int b_const;
    rq_tfl_activation act;
    int version; /* 0: the default */
} bin_case;

static const bin_case bin_cases[] = {
    {"add_same", RQ_TFL_OP_ADD, T(0.05f, -3, 4, 1, 8, 8, 16), T(0.08f, 10, 4, 1, 8, 8, 16),
     T(0.1f, 2, 4, 1, 8, 8, 16), 0, RQ_TFL_ACT_NONE, 0},
    {"add_bcast_channels", RQ_TFL_OP_ADD, T(0.04f, 5, 4, 1, 5, 7, 3), T(0.02f, -20, 1, 3),
     T(0.05f, -1, 4, 1, 5, 7, 3), 1, RQ_TFL_ACT_RELU6, 0},
    {"add_bcast_4d", RQ_TFL_OP_ADD, T(0.1f, 0, 4, 1, 6, 1, 5), T(0.07f, -7, 4, 1, 1, 4, 5),
     T(0.12f, -128, 4, 1, 6, 4, 5), 0, RQ_TFL_ACT_RELU, 0},
    {"add_bcast_5d", RQ_TFL_OP_ADD, T(0.03f, 4, 5, 2, 1, 3, 1, 4), T(0.05f, -9, 5, 1, 5, 1, 2, 1),
     T(0.06f, 0, 5, 2, 5, 3, 2, 4), 0, RQ_TFL_ACT_NONE, 0},
    {"add_scalar_const", RQ_TFL_OP_ADD, T(0.02f, 1, 3, 3, 9, 11), T(0.5f, -128, 0, 0),
     T(0.6f, -100, 3, 3, 9, 11), 1, RQ_TFL_ACT_RELU_N1_TO_1, 0},
    {"add_extreme_scales", RQ_TFL_OP_ADD, T(1e-4f, 127, 2, 13, 17), T(3.0f, -128, 2, 13, 17),
     T(2.5f, 3, 2, 13, 17), 0, RQ_TFL_ACT_NONE, 0},
    {"sub_same", RQ_TFL_OP_SUB, T(0.05f, -3, 4, 1, 9, 9, 8), T(0.03f, 12, 4, 1, 9, 9, 8),
     T(0.07f, 0, 4, 1, 9, 9, 8), 0, RQ_TFL_ACT_NONE, 0},
    {"sub_bcast_relu", RQ_TFL_OP_SUB, T(0.06f, -10, 4, 1, 7, 5, 6), T(0.04f, 3, 4, 1, 7, 1, 1),
     T(0.05f, -128, 4, 1, 7, 5, 6), 0, RQ_TFL_ACT_RELU, 0},
    {"sub_bcast_5d", RQ_TFL_OP_SUB, T(0.02f, 0, 5, 1, 3, 1, 4, 5), T(0.09f, 6, 5, 2, 1, 4, 1, 5),
     T(0.1f, 1, 5, 2, 3, 4, 4, 5), 0, RQ_TFL_ACT_NONE, 3},
    {"sub_extreme_scales", RQ_TFL_OP_SUB, T(8.0f, -1, 1, 301), T(0.002f, 60, 1, 301),
     T(10.0f, 0, 1, 301), 0, RQ_TFL_ACT_RELU6, 0},
    {"mul_same", RQ_TFL_OP_MUL, T(0.05f, -3, 4, 1, 8, 8, 12), T(0.04f, 7, 4, 1, 8, 8, 12),
     T(0.03f, -5, 4, 1, 8, 8, 12), 0, RQ_TFL_ACT_NONE, 0},
    {"mul_bcast_relu", RQ_TFL_OP_MUL, T(0.1f, -128, 4, 1, 6, 6, 7), T(0.02f, 0, 4, 1, 1, 1, 7),
     T(0.05f, -128, 4, 1, 6, 6, 7), 1, RQ_TFL_ACT_RELU, 0},
    {"mul_ratio_above_one", RQ_TFL_OP_MUL, T(0.5f, 2, 3, 4, 5, 6), T(0.25f, -2, 3, 4, 5, 6),
     T(0.01f, 0, 3, 4, 5, 6), 0, RQ_TFL_ACT_NONE, 3},
    {"mul_bcast_5d", RQ_TFL_OP_MUL, T(0.03f, 1, 5, 1, 2, 1, 3, 4), T(0.06f, -4, 4, 1, 5, 3, 1),
     T(0.004f, 2, 5, 1, 2, 5, 3, 4), 0, RQ_TFL_ACT_RELU6, 0},
    {"maximum_bcast", RQ_TFL_OP_MAXIMUM, T(0.05f, 3, 4, 1, 6, 5, 4), T(0.05f, 3, 4, 1, 1, 5, 1),
     T(0.05f, 3, 4, 1, 6, 5, 4), 0, RQ_TFL_ACT_NONE, 0},
    {"minimum_same", RQ_TFL_OP_MINIMUM, T(0.1f, -9, 3, 5, 5, 9), T(0.1f, -9, 3, 5, 5, 9),
     T(0.1f, -9, 3, 5, 5, 9), 0, RQ_TFL_ACT_NONE, 0},
    {"minimum_scalar_const", RQ_TFL_OP_MINIMUM, T(0.1f, 0, 4, 1, 4, 4, 3), T(0.1f, 0, 1, 1),
     T(0.1f, 0, 4, 1, 4, 4, 3), 1, RQ_TFL_ACT_NONE, 0},
    {"prelu_channels", RQ_TFL_OP_PRELU, T(0.05f, -4, 4, 1, 6, 6, 5), T(0.004f, -10, 3, 1, 1, 5),
     T(0.04f, -30, 4, 1, 6, 6, 5), 1, RQ_TFL_ACT_NONE, 0},
    {"prelu_full", RQ_TFL_OP_PRELU, T(0.1f, 20, 3, 3, 4, 7), T(0.01f, 0, 3, 3, 4, 7),
     T(0.08f, 0, 3, 3, 4, 7), 1, RQ_TFL_ACT_NONE, 0},
    {"add_f32_bcast", RQ_TFL_OP_ADD, F(4, 1, 5, 1, 3), F(4, 1, 1, 4, 3), F(4, 1, 5, 4, 3), 0,
     RQ_TFL_ACT_RELU6, 0},
    {"sub_f32", RQ_TFL_OP_SUB, F(2, 7, 9), F(2, 7, 9), F(2, 7, 9), 0, RQ_TFL_ACT_NONE, 0},
    {"mul_f32_relu", RQ_TFL_OP_MUL, F(3, 2, 3, 5), F(1, 5), F(3, 2, 3, 5), 0, RQ_TFL_ACT_RELU, 0},
    {"maximum_f32", RQ_TFL_OP_MAXIMUM, F(3, 4, 1, 6), F(3, 1, 5, 6), F(3, 4, 5, 6), 0,
     RQ_TFL_ACT_NONE, 0},
};

/* One-input operators: activations, SOFTMAX, QUANTIZE. */
typedef struct un_case {
    const char *name;
    rq_tfl_builtin code;
    tspec a, o;
    float param; /* LEAKY_RELU alpha, SOFTMAX beta */
} un_case;

static const un_case un_cases[] = {
    {"relu", RQ_TFL_OP_RELU, T(0.05f, -20, 4, 1, 4, 8, 8), T(0.03f, -128, 4, 1, 4, 8, 8), 0},
    {"relu_rescale_up", RQ_TFL_OP_RELU, T(0.01f, 40, 2, 16, 16), T(0.002f, -128, 2, 16, 16), 0},
    {"relu6", RQ_TFL_OP_RELU6, T(0.05f, -30, 4, 1, 4, 8, 8), T(0.05f, -30, 4, 1, 4, 8, 8), 0},
    {"relu6_wide", RQ_TFL_OP_RELU6, T(0.02f, 0, 1, 256), T(0.02f, 0, 1, 256), 0},
    {"leaky_relu", RQ_TFL_OP_LEAKY_RELU, T(0.05f, 10, 3, 4, 8, 8), T(0.04f, -5, 3, 4, 8, 8), 0.2f},
    {"leaky_relu_neg_alpha", RQ_TFL_OP_LEAKY_RELU, T(0.1f, -3, 2, 16, 16), T(0.06f, 0, 2, 16, 16),
     -0.3f},
    {"leaky_relu_alpha_big", RQ_TFL_OP_LEAKY_RELU, T(0.02f, 0, 2, 16, 16), T(0.05f, 64, 2, 16, 16),
     1.7f},
    {"hard_swish", RQ_TFL_OP_HARD_SWISH, T(0.05f, -10, 4, 1, 4, 8, 8), T(0.03f, -90, 4, 1, 4, 8, 8),
     0},
    {"hard_swish_wide", RQ_TFL_OP_HARD_SWISH, T(0.2f, 5, 2, 16, 16), T(0.15f, -100, 2, 16, 16), 0},
    {"hard_swish_fine", RQ_TFL_OP_HARD_SWISH, T(0.005f, 0, 2, 16, 16), T(0.004f, -20, 2, 16, 16),
     0},
    {"tanh", RQ_TFL_OP_TANH, T(0.03f, 4, 4, 1, 4, 8, 8), T(1.0f / 128, 0, 4, 1, 4, 8, 8), 0},
    {"tanh_coarse", RQ_TFL_OP_TANH, T(0.25f, -2, 2, 16, 16), T(1.0f / 128, 0, 2, 16, 16), 0},
    {"tanh_fine", RQ_TFL_OP_TANH, T(0.0009f, 0, 2, 16, 16), T(1.0f / 128, 0, 2, 16, 16), 0},
    {"softmax", RQ_TFL_OP_SOFTMAX, T(0.1f, 5, 2, 8, 10), T(1.0f / 256, -128, 2, 8, 10), 1.0f},
    {"softmax_beta_odd", RQ_TFL_OP_SOFTMAX, T(0.04f, -12, 3, 2, 3, 37), T(1.0f / 256, -128, 3, 2, 3, 37),
     0.5f},
    {"softmax_wide_scale", RQ_TFL_OP_SOFTMAX, T(0.8f, 0, 4, 1, 3, 3, 21),
     T(1.0f / 256, -128, 4, 1, 3, 3, 21), 1.0f},
    {"softmax_long", RQ_TFL_OP_SOFTMAX, T(0.02f, 0, 2, 2, 1001), T(1.0f / 256, -128, 2, 2, 1001), 1.0f},
    /* exps all near 1: the sum of a row nears 400 of TFLM's limit of 512 (exponent 31) */
    {"softmax_tiny_scale", RQ_TFL_OP_SOFTMAX, T(2e-5f, 0, 2, 2, 400), T(1.0f / 256, -128, 2, 2, 400),
     1.0f},
    {"quantize_u8_to_i8", RQ_TFL_OP_QUANTIZE, U8(1.0f / 255, 0, 4, 1, 4, 8, 8),
     T(1.0f / 255, -128, 4, 1, 4, 8, 8), 0},
    {"quantize_u8_to_i8_rescale", RQ_TFL_OP_QUANTIZE, U8(0.03f, 117, 2, 16, 16),
     T(0.05f, -3, 2, 16, 16), 0},
    {"quantize_i8_to_u8", RQ_TFL_OP_QUANTIZE, T(0.02f, -7, 2, 16, 16), U8(0.025f, 128, 2, 16, 16),
     0},
    {"relu_f32", RQ_TFL_OP_RELU, F(2, 9, 13), F(2, 9, 13), 0},
    {"relu6_f32", RQ_TFL_OP_RELU6, F(3, 2, 5, 7), F(3, 2, 5, 7), 0},
    {"leaky_relu_f32", RQ_TFL_OP_LEAKY_RELU, F(2, 11, 13), F(2, 11, 13), 0.15f},
    {"hard_swish_f32", RQ_TFL_OP_HARD_SWISH, F(3, 3, 8, 9), F(3, 3, 8, 9), 0},
};

/* SUM, REDUCE_MAX, ARG_MAX: an int32 axes constant. */
typedef struct red_case {
    const char *name;
    rq_tfl_builtin code;
    tspec a, o;
    int n_axes;
    int32_t axes[4];
    int keep_dims;
} red_case;

static const red_case red_cases[] = {
    {"sum_hw_keepdims", RQ_TFL_OP_SUM, T(0.02f, 3, 4, 1, 5, 6, 7), T(0.3f, -10, 4, 1, 1, 1, 7), 2,
     {1, 2}, 1},
    {"sum_channels", RQ_TFL_OP_SUM, T(0.05f, -8, 4, 1, 4, 3, 9), T(0.2f, 0, 3, 1, 4, 3), 1, {-1}, 0},
    {"sum_all_but_batch", RQ_TFL_OP_SUM, T(0.01f, 0, 3, 2, 7, 9), T(0.5f, 5, 1, 2), 2, {2, 1}, 0},
    {"reduce_max_hw", RQ_TFL_OP_REDUCE_MAX, T(0.05f, 3, 4, 1, 6, 5, 4), T(0.05f, 3, 4, 1, 1, 1, 4),
     2, {1, 2}, 1},
    {"reduce_max_channels", RQ_TFL_OP_REDUCE_MAX, T(0.1f, -1, 3, 3, 7, 11), T(0.1f, -1, 2, 3, 7), 1,
     {2}, 0},
    {"arg_max_channels", RQ_TFL_OP_ARG_MAX, T(0.1f, 0, 4, 1, 5, 5, 10),
     {3, {1, 5, 5}, 0, 0, RQ_TFL_INT32}, 1, {3}, 0},
    {"arg_max_f32", RQ_TFL_OP_ARG_MAX, F(3, 4, 6, 9), {2, {4, 9}, 0, 0, RQ_TFL_INT32}, 1, {-2}, 0},
    {"arg_max_rows_int64", RQ_TFL_OP_ARG_MAX, T(0.1f, 0, 3, 2, 9, 4), {2, {2, 4}, 0, 0, RQ_TFL_INT64},
     1, {1}, 0},
};

/* TRANSPOSE_CONV: input NHWC, k x k filter, out_c, stride, padding, bias, activation. */
typedef struct tconv_case {
    const char *name;
    tspec a, o;
    int k_h, k_w, stride;
    rq_tfl_padding padding;
    int bias;
    rq_tfl_activation act;
} tconv_case;

static const tconv_case tconv_cases[] = {
    {"transpose_conv_s2_same", T(0.05f, -3, 4, 1, 5, 5, 6), T(0.1f, 4, 4, 1, 10, 10, 4), 3, 3, 2,
     RQ_TFL_PAD_SAME, 1, RQ_TFL_ACT_NONE},
    {"transpose_conv_valid_nobias", T(0.04f, 10, 4, 1, 4, 3, 5), T(0.08f, -2, 4, 1, 9, 7, 3), 3, 3,
     2, RQ_TFL_PAD_VALID, 0, RQ_TFL_ACT_NONE},
    {"transpose_conv_s1_relu", T(0.03f, 0, 4, 1, 6, 7, 4), T(0.05f, -128, 4, 1, 6, 7, 8), 2, 3, 1,
     RQ_TFL_PAD_SAME, 1, RQ_TFL_ACT_RELU},
};

#define COUNT(a) ((int)(sizeof a / sizeof a[0]))

/* Graphs of several of these operators, as the converter leaves them around a uint8 image
 * model: QUANTIZE in, a residual ADD of two branches, a SOFTMAX head and a second output. */
static const char *const graph_cases[] = {"graph_uint8_residual_softmax"};

const char *rq_tfl_arith_model_name(int i)
{
    if (i < 0)
        return NULL;
    if (i < COUNT(bin_cases))
        return bin_cases[i].name;
    i -= COUNT(bin_cases);
    if (i < COUNT(un_cases))
        return un_cases[i].name;
    i -= COUNT(un_cases);
    if (i < COUNT(red_cases))
        return red_cases[i].name;
    i -= COUNT(red_cases);
    if (i < COUNT(tconv_cases))
        return tconv_cases[i].name;
    i -= COUNT(tconv_cases);
    if (i < COUNT(graph_cases))
        return graph_cases[i];
    return NULL;
}

/* ---- building ------------------------------------------------------------------------- */

static uint32_t next_u32(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static int add_tspec(rq_tfl_model *m, const char *name, const tspec *t, rq_error *err)
{
    rq_tfl_type type = t->type;
    int x = rq_tfl_add_tensor(m, name, type, t->rank, t->d, err);
    if (x < 0)
        return -1;
    if (type == RQ_TFL_INT8 || type == RQ_TFL_UINT8) {
        int64_t zp = t->zp;
        if (rq_tfl_set_quant(m, x, 1, &t->s, &zp, 0, err))
            return -1;
    }
    return x;
}

/* Random constant contents: int8/uint8 bytes, floats in [-2, 2). */
static int fill_const(rq_tfl_model *m, int x, uint64_t *seed, rq_error *err)
{
    const rq_tfl_tensor *t = &m->tensors[x];
    size_t n = (size_t)rq_tfl_num_elements(t), sz = rq_tfl_type_size(t->type);
    uint8_t *buf = malloc(n * sz + 1);
    if (!buf)
        return rq_fail(err, "%s: out of memory", t->name);
    for (size_t i = 0; i < n; i++) {
        if (t->type == RQ_TFL_FLOAT32) {
            float f = (float)((int32_t)(next_u32(seed) >> 8) - (1 << 23)) / (float)(1 << 22);
            memcpy(buf + 4 * i, &f, 4);
        } else {
            buf[i] = (uint8_t)next_u32(seed);
        }
    }
    int rc = rq_tfl_set_data(m, x, buf, n * sz, err);
    free(buf);
    return rc;
}

static int const_i32(rq_tfl_model *m, const char *name, int n, const int32_t *v, rq_error *err)
{
    int32_t shape[1] = {n};
    int t = rq_tfl_add_tensor(m, name, RQ_TFL_INT32, 1, shape, err);
    if (t < 0 || rq_tfl_set_data(m, t, v, sizeof *v * (size_t)n, err))
        return -1;
    return t;
}

static int finish(rq_tfl_model *m, int op, int version, int n_in, const int32_t *ins, int out,
                  rq_error *err)
{
    if (op < 0)
        return -1;
    if (version)
        m->ops[op].version = version;
    return rq_tfl_set_graph_io(m, n_in, ins, 1, &out, err);
}

static int build_binary(rq_tfl_model *m, const bin_case *c, uint64_t *seed, rq_error *err)
{
    int a = add_tspec(m, "a", &c->a, err), b = add_tspec(m, c->b_const ? "b_const" : "b", &c->b, err);
    int o = add_tspec(m, "out", &c->o, err);
    if (a < 0 || b < 0 || o < 0 || (c->b_const && fill_const(m, b, seed, err)))
        return -1;
    rq_tfl_options opt = rq_tfl_default_options();
    opt.activation = c->act;
    int32_t ins[2] = {a, b};
    int op = rq_tfl_add_op(m, c->code, 2, ins, 1, &o, &opt, err);
    return finish(m, op, c->version, c->b_const ? 1 : 2, ins, o, err);
}

static int build_unary(rq_tfl_model *m, const un_case *c, rq_error *err)
{
    int a = add_tspec(m, "x", &c->a, err), o = add_tspec(m, "y", &c->o, err);
    if (a < 0 || o < 0)
        return -1;
    rq_tfl_options opt = rq_tfl_default_options();
    opt.alpha = c->param;
    opt.beta = c->param;
    int op = rq_tfl_add_op(m, c->code, 1, &a, 1, &o, &opt, err);
    return finish(m, op, 0, 1, &a, o, err);
}

static int build_reduce(rq_tfl_model *m, const red_case *c, rq_error *err)
{
    int a = add_tspec(m, "x", &c->a, err), o = add_tspec(m, "y", &c->o, err);
    int ax = const_i32(m, "axes", c->n_axes, c->axes, err);
    if (a < 0 || o < 0 || ax < 0)
        return -1;
    rq_tfl_options opt = rq_tfl_default_options();
    opt.keep_dims = c->keep_dims;
    opt.output_type = m->tensors[o].type;
    int32_t ins[2] = {a, ax};
    int op = rq_tfl_add_op(m, c->code, 2, ins, 1, &o, &opt, err);
    return finish(m, op, 0, 1, &a, o, err);
}

static int build_tconv(rq_tfl_model *m, const tconv_case *c, uint64_t *seed, rq_error *err)
{
    const int out_c = c->o.d[3], in_c = c->a.d[3];
    int x = add_tspec(m, "x", &c->a, err), o = add_tspec(m, "y", &c->o, err);
    int shape = const_i32(m, "output_shape", 4, c->o.d, err);
    int32_t wshape[4] = {out_c, c->k_h, c->k_w, in_c};
    int w = rq_tfl_add_tensor(m, "w", RQ_TFL_INT8, 4, wshape, err);
    if (x < 0 || o < 0 || shape < 0 || w < 0 || fill_const(m, w, seed, err))
        return -1;
    float ws[64];
    int64_t wz[64] = {0};
    int32_t bias[64];
    for (int i = 0; i < out_c; i++) {
        ws[i] = 0.002f + 0.001f * (float)(next_u32(seed) % 8);
        bias[i] = (int32_t)(next_u32(seed) % 4001) - 2000;
    }
    for (size_t i = 0; i < m->tensors[w].data_len; i++) /* symmetric weights */
        if (m->tensors[w].data[i] == 0x80)
            m->tensors[w].data[i] = 0x81;
    if (rq_tfl_set_quant(m, w, out_c, ws, wz, 0, err))
        return -1;
    int32_t ins[4] = {shape, w, x, -1};
    int n_in = 3;
    if (c->bias) {
        int32_t bshape[1] = {out_c};
        float bs[64];
        for (int i = 0; i < out_c; i++)
            bs[i] = c->a.s * ws[i];
        int b = rq_tfl_add_tensor(m, "bias", RQ_TFL_INT32, 1, bshape, err);
        if (b < 0 || rq_tfl_set_data(m, b, bias, 4 * (size_t)out_c, err) ||
            rq_tfl_set_quant(m, b, out_c, bs, wz, 0, err))
            return -1;
        ins[3] = b;
        n_in = 4;
    }
    rq_tfl_options opt = rq_tfl_default_options();
    opt.padding = c->padding;
    opt.stride_h = opt.stride_w = c->stride;
    opt.activation = c->act;
    int op = rq_tfl_add_op(m, RQ_TFL_OP_TRANSPOSE_CONV, n_in, ins, 1, &o, &opt, err);
    int version = c->act != RQ_TFL_ACT_NONE ? 4 : c->bias ? 3 : 2;
    return finish(m, op, version, 1, &x, o, err);
}

/* uint8 [1,6,6,4] -> QUANTIZE int8 -> (MUL by a constant, HARD_SWISH) + (LEAKY_RELU) ->
 * ADD RELU6 -> SOFTMAX over channels -> QUANTIZE uint8 (output 0), and SUM over H,W of
 * the ADD (output 1). */
static int build_graph(rq_tfl_model *m, uint64_t *seed, rq_error *err)
{
    const tspec u8_in = U8(1.0f / 255, 0, 4, 1, 6, 6, 4), q = T(1.0f / 255, -128, 4, 1, 6, 6, 4),
                cst = T(0.02f, -10, 1, 4), mul = T(0.006f, 5, 4, 1, 6, 6, 4),
                hs = T(0.004f, -110, 4, 1, 6, 6, 4), lr = T(0.0039f, -100, 4, 1, 6, 6, 4),
                add = T(0.008f, -128, 4, 1, 6, 6, 4), sm = T(1.0f / 256, -128, 4, 1, 6, 6, 4),
                out = U8(1.0f / 256, 0, 4, 1, 6, 6, 4), sum = T(0.1f, -20, 4, 1, 1, 1, 4);
    int x = add_tspec(m, "image", &u8_in, err), xq = add_tspec(m, "image_int8", &q, err);
    int c = add_tspec(m, "scale_const", &cst, err), y1 = add_tspec(m, "mul", &mul, err);
    int y2 = add_tspec(m, "hard_swish", &hs, err), y3 = add_tspec(m, "leaky", &lr, err);
    int y4 = add_tspec(m, "residual", &add, err), y5 = add_tspec(m, "softmax", &sm, err);
    int o1 = add_tspec(m, "probabilities", &out, err), o2 = add_tspec(m, "pooled", &sum, err);
    int32_t axes_v[2] = {1, 2};
    int axes = const_i32(m, "axes", 2, axes_v, err);
    if (x < 0 || xq < 0 || c < 0 || y1 < 0 || y2 < 0 || y3 < 0 || y4 < 0 || y5 < 0 || o1 < 0 ||
        o2 < 0 || axes < 0 || fill_const(m, c, seed, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options(), relu6 = o, keep = o;
    relu6.activation = RQ_TFL_ACT_RELU6;
    keep.keep_dims = 1;
    o.alpha = 0.1f;
    int32_t mul_in[2] = {xq, c}, add_in[2] = {y2, y3}, sum_in[2] = {y4, axes};
    if (rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &x, 1, &xq, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_MUL, 2, mul_in, 1, &y1, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_HARD_SWISH, 1, &y1, 1, &y2, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_LEAKY_RELU, 1, &xq, 1, &y3, &o, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_ADD, 2, add_in, 1, &y4, &relu6, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_SOFTMAX, 1, &y4, 1, &y5, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &y5, 1, &o1, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_SUM, 2, sum_in, 1, &o2, &keep, err) < 0)
        return -1;
    int32_t outs[2] = {o1, o2};
    return rq_tfl_set_graph_io(m, 1, &x, 2, outs, err);
}

int rq_tfl_build_arith_model(rq_tfl_model *m, const char *name, uint64_t seed, rq_error *err)
{
    rq_tfl_model_init(m);
    uint64_t s = seed * 0x2545F4914F6CDD1Dull + 17;
    char desc[96];
    snprintf(desc, sizeof desc, "rppgq test model %s", name);
    if (rq_tfl_set_description(m, desc, err))
        return -1;
    for (int i = 0; i < COUNT(bin_cases); i++)
        if (!strcmp(name, bin_cases[i].name))
            return build_binary(m, &bin_cases[i], &s, err);
    for (int i = 0; i < COUNT(un_cases); i++)
        if (!strcmp(name, un_cases[i].name))
            return build_unary(m, &un_cases[i], err);
    for (int i = 0; i < COUNT(red_cases); i++)
        if (!strcmp(name, red_cases[i].name))
            return build_reduce(m, &red_cases[i], err);
    for (int i = 0; i < COUNT(tconv_cases); i++)
        if (!strcmp(name, tconv_cases[i].name))
            return build_tconv(m, &tconv_cases[i], &s, err);
    if (!strcmp(name, graph_cases[0]))
        return build_graph(m, &s, err);
    return rq_fail(err, "no arithmetic test model named %s", name);
}
