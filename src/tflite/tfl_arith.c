#include "tflite/tfl_arith.h"

#include <math.h>

void rq_quantize_multiplier(double m, int32_t *q, int *shift)
{
    rppg_q8_quantize_multiplier(m, RPPG_Q8_ROUND_DOUBLE, q, shift);
}

float rq_round_f(float x)
{
    return roundf(x);
}

/* ---- gemmlowp fixed point on int32 raw values ----------------------------------------
 * A FixedPoint<int32, I> holds x * 2^(31-I). Additions wrap (as the reference, compiled
 * without overflow checks); products use SRDHM and add integer bits. */

static int32_t wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t wrap_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static int32_t wrap_neg(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

static int32_t select_mask(int cond, int32_t a, int32_t b)
{
    return cond ? a : b;
}

/* SaturatingRoundingMultiplyByPOT<exponent>. */
static int32_t sat_mul_pot(int32_t x, int exponent)
{
    if (exponent == 0)
        return x;
    if (exponent < 0)
        return rq_rdbpot(x, -exponent);
    int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1);
    if (x > threshold)
        return INT32_MAX;
    if (x < -threshold)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

static int32_t rounding_half_sum(int32_t a, int32_t b)
{
    int64_t sum = (int64_t)a + b;
    int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

#define Q0_ONE INT32_MAX /* 1.0 is not representable with 0 integer bits: the largest value */

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_on_interval_q0(int32_t a)
{
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    int32_t x = wrap_add(a, 1 << 28); /* a + 1/8 */
    int32_t x2 = rq_srdhm(x, x);
    int32_t x3 = rq_srdhm(x2, x);
    int32_t x4 = rq_srdhm(x2, x2);
    int32_t x4_over_4 = sat_mul_pot(x4, -2);
    int32_t poly = sat_mul_pot(
        wrap_add(rq_srdhm(wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
    return wrap_add(constant_term, rq_srdhm(constant_term, wrap_add(x, poly)));
}

/* exp(a) for a <= 0 given in Q4.27; result Q0.31. */
static int32_t exp_on_negative_q4(int32_t a)
{
    const int frac_bits = 27, int_bits = 4;
    const int32_t one_quarter = 1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    int32_t a_mod_quarter_minus_quarter = wrap_sub(a & mask, one_quarter);
    /* Rescale Q4.27 -> Q0.31: multiply by 2^4 with saturation */
    int32_t result = exp_on_interval_q0(sat_mul_pot(a_mod_quarter_minus_quarter, int_bits));
    int32_t remainder = wrap_sub(a_mod_quarter_minus_quarter, a);
    static const struct { int exponent; int32_t multiplier; } barrel[] = {
        {-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
        {2, 39332535},    {3, 720401},      {4, 242},
    };
    for (unsigned i = 0; i < sizeof barrel / sizeof barrel[0]; i++) {
        if (!(int_bits > barrel[i].exponent))
            continue;
        int shift = frac_bits + barrel[i].exponent;
        if (remainder & (int32_t)(1u << shift))
            result = rq_srdhm(result, barrel[i].multiplier);
    }
    return select_mask(a == 0, Q0_ONE, result);
}

/* 1 / (1 + x) for x in [0, 1], Q0.31 in and out (Newton-Raphson, 3 steps in Q2.29). */
static int32_t one_over_one_plus_x_q0(int32_t a)
{
    int32_t half_denominator = rounding_half_sum(a, Q0_ONE);
    const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;
    const int32_t f2_one = 1 << 29;
    /* Q0 * Q2 -> Q2 */
    int32_t x = wrap_add(c48_17, rq_srdhm(half_denominator, cneg32_17));
    for (int i = 0; i < 3; i++) {
        int32_t hd_x = rq_srdhm(half_denominator, x);           /* Q2 */
        int32_t one_minus = wrap_sub(f2_one, hd_x);              /* Q2 */
        int32_t prod = rq_srdhm(x, one_minus);                   /* Q4 */
        x = wrap_add(x, sat_mul_pot(prod, 2));                   /* Rescale Q4 -> Q2 */
    }
    /* ExactMulByPot<-1>: Q2 -> Q1 (same raw), then Rescale Q1 -> Q0 */
    return sat_mul_pot(x, 1);
}

int32_t rq_fixed_logistic_q4(int32_t a)
{
    int positive = a > 0;
    int32_t abs_a = positive ? a : wrap_neg(a);
    int32_t pos = one_over_one_plus_x_q0(exp_on_negative_q4(wrap_neg(abs_a)));
    int32_t neg = wrap_sub(Q0_ONE, pos);
    if (a == 0)
        return 1 << 30;
    return positive ? pos : neg;
}

void rq_logistic_prepare(float input_scale, int32_t *multiplier, int *left_shift, int32_t *radius)
{
    const int input_integer_bits = 4;
    double real = (double)input_scale * (double)(1 << (31 - input_integer_bits));
    int e;
    double q = frexp(real, &e);
    *multiplier = (int32_t)round(q * (double)(1ll << 31));
    *left_shift = e;
    double max_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                          (double)(1ll << (31 - input_integer_bits)) / (double)(1ll << e);
    *radius = (int32_t)floor(max_rescaled);
}

int8_t rq_logistic_int8(int32_t x, int32_t multiplier, int left_shift, int32_t radius, int single)
{
    if (x <= -radius)
        return INT8_MIN;
    if (x >= radius)
        return INT8_MAX;
    int32_t in_q4 = rq_mbqm(x, multiplier, left_shift, single);
    int32_t out_q0 = rq_fixed_logistic_q4(in_q4);
    int32_t out = rq_rdbpot(out_q0, 31 - 8) - 128;
    if (out < INT8_MIN)
        out = INT8_MIN;
    if (out > INT8_MAX)
        out = INT8_MAX;
    return (int8_t)out;
}
