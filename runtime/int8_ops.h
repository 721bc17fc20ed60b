/* Int8 arithmetic and activation operators with TFLite Micro's reference arithmetic
 * (bit-exact, double rounding by default, TFLITE_SINGLE_ROUNDING on request), shared by the
 * host engine (src/engine/) and the MCU CPU path.
 *
 * TFLite Micro style: every operator is a pure loop over a params struct that holds all
 * quantization math, filled once before the first run (the host engine's prepare, or
 * export-c for the MCU). The *_prepare helpers and the element functions marked "off-line"
 * use double; the run functions use integers only.
 *
 * C99, no heap, no mutable globals. Stack: a few dozen bytes per kernel (the broadcast
 * odometer holds RPPG_Q8_MAX_RANK ints). Scratch: only TRANSPOSE_CONV (documented there). */
#ifndef RPPG_INT8_OPS_H
#define RPPG_INT8_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "int8_kernels.h"

#define RPPG_Q8_MAX_RANK 6

/* a + b wrapping in two's complement: the reference kernels add the output zero point to
 * a requantized value without overflow checks, so an extreme scale ratio whose product
 * saturates at INT32_MAX wraps there (to a clamped -128), and must here too */
static inline int32_t rppg_q8_wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* ---- broadcasting ------------------------------------------------------------------------ */

/* Where each output element of a two-input operator reads its inputs: numpy broadcasting,
 * shapes right-aligned, a dimension of 1 repeats. Strides are in elements, 0 where the
 * input repeats. Dimensions that need no broadcast are merged (fewer loop levels). */
typedef struct rppg_q8_bcast {
    int rank;                            /* 1..RPPG_Q8_MAX_RANK */
    int32_t dims[RPPG_Q8_MAX_RANK];      /* output dimensions */
    int32_t a_stride[RPPG_Q8_MAX_RANK];  /* first input */
    int32_t b_stride[RPPG_Q8_MAX_RANK];  /* second input */
} rppg_q8_bcast;

/* Off-line: fills g from the two input shapes; returns 0, or -1 when a dimension pair is
 * neither equal nor has a 1 or is negative (the index of that output dimension in *bad_dim),
 * or when the output would have more than 2^31 - 1 elements (*bad_dim -1). The output
 * shape is written to out_shape (rank max(a_rank, b_rank)). */
int rppg_q8_bcast_prepare(int a_rank, const int32_t *a_shape, int b_rank, const int32_t *b_shape,
                          rppg_q8_bcast *g, int32_t *out_shape, int *bad_dim);

/* ---- two-input elementwise operators ------------------------------------------------------ */

typedef enum rppg_q8_binary_kind {
    RPPG_Q8_ADD = 0,
    RPPG_Q8_SUB = 1,
    RPPG_Q8_MUL = 2,
    RPPG_Q8_MAXIMUM = 3, /* raw int8 comparison: TFLite requires equal quantization */
    RPPG_Q8_MINIMUM = 4,
    RPPG_Q8_PRELU = 5    /* a = input, b = alpha */
} rppg_q8_binary_kind;

typedef struct rppg_q8_binary {
    rppg_q8_binary_kind kind;
    int32_t a_offset, b_offset; /* minus the input zero points */
    int32_t out_offset;         /* output zero point */
    /* ADD/SUB: inputs << left_shift, each rescaled by (a_mult, a_shift) / (b_mult, b_shift),
     * the sum by (out_mult, out_shift). MUL: product by (out_mult, out_shift).
     * PRELU: x >= 0 by (a_mult, a_shift), x * alpha by (out_mult, out_shift). */
    int left_shift;
    int32_t a_mult, b_mult, out_mult;
    int a_shift, b_shift, out_shift;
    int32_t act_min, act_max;   /* fused activation, within [-128, 127] */
    rppg_q8_rounding rounding;
} rppg_q8_binary;

/* out[i] = f(a[..], b[..]) over the broadcast g. out may alias a or b only when that input
 * has the output's shape. */
void rppg_q8_binary_run(const rppg_q8_binary *p, const rppg_q8_bcast *g, const int8_t *a,
                        const int8_t *b, int8_t *out);

/* Float32 versions of ADD, SUB, MUL, MAXIMUM, MINIMUM with a fused activation range. */
typedef struct rppg_f32_binary {
    rppg_q8_binary_kind kind;
    float act_min, act_max;
} rppg_f32_binary;
void rppg_f32_binary_run(const rppg_f32_binary *p, const rppg_q8_bcast *g, const float *a,
                         const float *b, float *out);

/* Float32 one-input operators (TFLM's ReluFloat, Relu6Float, reference LeakyRelu and
 * HardSwish<float>, same expressions and evaluation order). */
typedef enum rppg_f32_unary_kind {
    RPPG_F32_RELU = 0,
    RPPG_F32_RELU6 = 1,
    RPPG_F32_LEAKY_RELU = 2,
    RPPG_F32_HARD_SWISH = 3
} rppg_f32_unary_kind;
typedef struct rppg_f32_unary {
    rppg_f32_unary_kind kind;
    float alpha; /* LEAKY_RELU */
} rppg_f32_unary;
void rppg_f32_unary_run(const rppg_f32_unary *p, const float *in, float *out, size_t n);

/* ---- one-input elementwise operators: a 256-entry table ---------------------------------- */

/* An int8 -> int8 elementwise operator is a function of 256 possible inputs: the table is
 * filled off-line by evaluating the reference arithmetic (rppg_q8_*_elem below) once per
 * value, the run is one lookup per element (RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH,
 * LOGISTIC, int8/uint8 requantization). */
typedef struct rppg_q8_lut {
    uint8_t table[256]; /* indexed by the input byte (int8 or uint8 bits) */
} rppg_q8_lut;

void rppg_q8_lut_run(const rppg_q8_lut *t, const uint8_t *in, uint8_t *out, size_t n);

/* RELU / RELU_N1_TO_1 style: requantize then clamp (TFLM's ReluQuantized). */
typedef struct rppg_q8_requant_clamp {
    int32_t in_zp, out_zp;
    int32_t mult;
    int shift;
    int32_t lo, hi; /* clamp in the output domain */
    rppg_q8_rounding rounding;
} rppg_q8_requant_clamp;
int32_t rppg_q8_requant_clamp_elem(const rppg_q8_requant_clamp *p, int32_t x);

/* LEAKY_RELU (TFLM's QuantizeLeakyRelu): identity and alpha multipliers, alpha may be < 0. */
typedef struct rppg_q8_leaky {
    int32_t in_zp, out_zp;
    int32_t id_mult, alpha_mult; /* alpha_mult < 0 for a negative alpha */
    int id_shift, alpha_shift;
    rppg_q8_rounding rounding;
} rppg_q8_leaky;
int8_t rppg_q8_leaky_elem(const rppg_q8_leaky *p, int8_t x);

/* HARD_SWISH (TFLM's reference int8 recipe, 16-bit fixed point). */
typedef struct rppg_q8_hard_swish {
    int32_t in_zp, out_zp;
    int16_t out_mult16, reluish_mult16;
    int out_exp, reluish_exp;
} rppg_q8_hard_swish;
/* Off-line: the params from the scales; -1 when the output multiplier exceeds 1 or a
 * ratio is zero or not finite. */
int rppg_q8_hard_swish_prepare(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
                               rppg_q8_rounding rounding, rppg_q8_hard_swish *p);
int8_t rppg_q8_hard_swish_elem(const rppg_q8_hard_swish *p, int8_t x);

/* TANH (output 1/128, zp 0) and LOGISTIC (1/256, zp -128): gemmlowp fixed point on a Q4.27
 * input rescaled by (mult, shift); |x - zp| >= radius saturates. */
typedef struct rppg_q8_sigmoidal {
    int32_t in_zp;
    int32_t mult;
    int shift;
    int32_t radius;
    rppg_q8_rounding rounding;
} rppg_q8_sigmoidal;
/* Off-line: TFLM's prepare (frexp of scale * 2^27, radius from CalculateInputRadius). */
void rppg_q8_sigmoidal_prepare(float in_scale, int32_t in_zp, rppg_q8_rounding rounding,
                               rppg_q8_sigmoidal *p);
/* x: the raw input value (int8 range, or any int32 when in_zp is 0 and x is x - zp) */
int8_t rppg_q8_tanh_elem(const rppg_q8_sigmoidal *p, int32_t x);
int8_t rppg_q8_logistic_elem(const rppg_q8_sigmoidal *p, int32_t x);

/* ---- gemmlowp fixed point (raw int32 values; FixedPoint<int32, I> holds x * 2^(31-I)) --- */

/* exp(a) for a <= 0 with int_bits integer bits; result Q0.31. */
int32_t rppg_q8_fx_exp_on_negative(int32_t a, int int_bits);
/* 1 / (1 + x) and (1 - x) / (1 + x) for x in [0, 1], Q0.31 in and out. */
int32_t rppg_q8_fx_one_over_one_plus_x(int32_t a);
int32_t rppg_q8_fx_one_minus_x_over_one_plus_x(int32_t a);
/* logistic and tanh of a Q4.27 value; result Q0.31. */
int32_t rppg_q8_fx_logistic_q4(int32_t a);
int32_t rppg_q8_fx_tanh_q4(int32_t a);

/* ---- SOFTMAX (int8 in, int8 out scale 1/256 zero point -128) ------------------------------ */

/* exp of every possible difference to the row maximum, Q0.31, computed off-line exactly as
 * TFLM computes it per element: exp_on_negative_values(Q5.26 of diff * beta * scale). */
typedef struct rppg_q8_softmax {
    int32_t rows, depth;        /* depth: the last dimension */
    int32_t diff_min;           /* differences below it give 0 (output -128) */
    int32_t exp_q0[256];        /* exp_q0[-diff] for diff in [diff_min, 0] */
} rppg_q8_softmax;
/* Off-line; -1 when beta * scale is too small for TFLM's prepare (multiplier <= 1). */
int rppg_q8_softmax_prepare(double beta, float in_scale, int32_t rows, int32_t depth,
                            rppg_q8_rounding rounding, rppg_q8_softmax *p);
void rppg_q8_softmax_run(const rppg_q8_softmax *p, const int8_t *in, int8_t *out);

/* ---- reductions over any set of axes ------------------------------------------------------- */

/* Input dims and, per input dim, the output stride (0 for a reduced dim): the output index
 * of every input element. */
typedef struct rppg_q8_reduce {
    int rank;
    int32_t in_dims[RPPG_Q8_MAX_RANK];
    int32_t out_stride[RPPG_Q8_MAX_RANK];
    int32_t n_out, n_reduce;
    /* SUM: out = clamp(MBQM(sum - in_zp*n_reduce, mult, shift) + out_zp) */
    int32_t in_zp, out_zp, mult;
    int shift;
    rppg_q8_rounding rounding;
} rppg_q8_reduce;
/* sum: int32 accumulator of n_out entries (scratch, 4*n_out bytes). */
void rppg_q8_reduce_sum_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out, int32_t *sum);
/* REDUCE_MAX: same quantization in and out, -128 for an empty reduction. */
void rppg_q8_reduce_max_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out);

/* ARG_MAX over one axis: first index of the maximum (int8 or float32 input, a NaN never
 * wins); int32 or int64 output. */
typedef struct rppg_q8_arg_max {
    int32_t outer, axis_size, inner;
    int out_int64;
    int in_f32;
} rppg_q8_arg_max;
void rppg_q8_arg_max_run(const rppg_q8_arg_max *p, const void *in, void *out);

/* ---- TRANSPOSE_CONV (per output channel, TFLM's scatter-accumulate reference) ------------ */

typedef struct rppg_q8_transpose_conv {
    int batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int stride_h, stride_w, pad_top, pad_left;
    int32_t in_zp, out_zp, act_min, act_max;
    const int8_t *weights;      /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;        /* [out_c] or NULL */
    const int32_t *multiplier;  /* [out_c] */
    const int32_t *shift;       /* [out_c] */
    rppg_q8_rounding rounding;
} rppg_q8_transpose_conv;
/* acc: scratch of batches*out_h*out_w*out_c int32. */
void rppg_q8_transpose_conv_run(const rppg_q8_transpose_conv *p, const int8_t *in, int8_t *out,
                                int32_t *acc);

#endif
