/* gemmlowp's fixed-point exp, logistic, tanh and 1/(1+x) on raw int32 values, and the int8
 * SOFTMAX built on them (int8_ops.h), written from the published semantics of gemmlowp's
 * fixedpoint.h and TFLite's reference/softmax.h. A FixedPoint<int32, I> holds x * 2^(31-I).
 * Additions wrap (the reference is compiled without overflow checks); products use the
 * saturating rounding doubling high multiply and add integer bits. */
#include "int8_ops.h"

#include <math.h>

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

/* SaturatingRoundingMultiplyByPOT<exponent> */
static int32_t sat_mul_pot(int32_t x, int exponent)
{
    int32_t threshold;
    if (exponent == 0)
        return x;
    if (exponent < 0)
        return rppg_q8_rounding_divide_by_pot(x, -exponent);
    threshold = (int32_t)((1u << (31 - exponent)) - 1);
    if (x > threshold)
        return INT32_MAX;
    if (x < -threshold)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

static int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

#define Q0_ONE INT32_MAX /* 1.0 with 0 integer bits: the largest value */
#define Q2_ONE (1 << 29)

/* exp(a) for a in [-1/4, 0), Q0.31 in and out */
static int32_t exp_on_interval_q0(int32_t a)
{
    const int32_t constant_term = 1895147668; /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = wrap_add(a, 1 << 28); /* a + 1/8 */
    const int32_t x2 = rppg_q8_srdhm(x, x);
    const int32_t x3 = rppg_q8_srdhm(x2, x);
    const int32_t x4 = rppg_q8_srdhm(x2, x2);
    const int32_t x4_over_4 = sat_mul_pot(x4, -2);
    const int32_t poly = sat_mul_pot(
        wrap_add(rppg_q8_srdhm(wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
    return wrap_add(constant_term, rppg_q8_srdhm(constant_term, wrap_add(x, poly)));
}

int32_t rppg_q8_fx_exp_on_negative(int32_t a, int int_bits)
{
    static const struct {
        int exponent;
        int32_t multiplier; /* exp(-2^exponent) in Q0.31 */
    } barrel[] = {
        {-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
        {2, 39332535},    {3, 720401},      {4, 242},
    };
    const int frac_bits = 31 - int_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = wrap_sub(a & mask, one_quarter);
    const int32_t remainder = wrap_sub(a_mod_quarter_minus_quarter, a);
    int32_t result = exp_on_interval_q0(sat_mul_pot(a_mod_quarter_minus_quarter, int_bits));
    unsigned i;
    for (i = 0; i < sizeof barrel / sizeof barrel[0]; i++) {
        const int shift = frac_bits + barrel[i].exponent;
        if (int_bits > barrel[i].exponent && (remainder & (int32_t)(1u << shift)))
            result = rppg_q8_srdhm(result, barrel[i].multiplier);
    }
    if (int_bits > 5 && a < -((int32_t)1 << (36 - int_bits)))
        result = 0; /* below -32 */
    return a == 0 ? Q0_ONE : result;
}

/* Newton-Raphson for 1 / (1 + x) in Q2.29, from the half denominator; 3 steps. */
static int32_t reciprocal_q2(int32_t half_denominator)
{
    const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;
    int32_t x = wrap_add(c48_17, rppg_q8_srdhm(half_denominator, cneg32_17));
    int i;
    for (i = 0; i < 3; i++) {
        const int32_t hd_x = rppg_q8_srdhm(half_denominator, x);        /* Q2 */
        const int32_t prod = rppg_q8_srdhm(x, wrap_sub(Q2_ONE, hd_x)); /* Q4 */
        x = wrap_add(x, sat_mul_pot(prod, 2));                          /* Q4 -> Q2 */
    }
    return x;
}

int32_t rppg_q8_fx_one_over_one_plus_x(int32_t a)
{
    /* 1/(1+x) = (1/2) / ((1+x)/2): Q2 halved is Q1 with the same raw value, then Q1 -> Q0 */
    return sat_mul_pot(reciprocal_q2(rounding_half_sum(a, Q0_ONE)), 1);
}

int32_t rppg_q8_fx_one_minus_x_over_one_plus_x(int32_t a)
{
    /* (1-x)/(1+x) = 1/((1+x)/2) - 1 in Q2, then Q2 -> Q0 */
    return sat_mul_pot(wrap_sub(reciprocal_q2(rounding_half_sum(a, Q0_ONE)), Q2_ONE), 2);
}

int32_t rppg_q8_fx_logistic_q4(int32_t a)
{
    const int32_t abs_a = a > 0 ? a : wrap_neg(a);
    const int32_t pos = rppg_q8_fx_one_over_one_plus_x(rppg_q8_fx_exp_on_negative(wrap_neg(abs_a), 4));
    if (a == 0)
        return 1 << 30;
    return a > 0 ? pos : wrap_sub(Q0_ONE, pos);
}

int32_t rppg_q8_fx_tanh_q4(int32_t a)
{
    /* n = -|a| <= 0; exp(2n) is the same raw value read with 5 integer bits */
    const int32_t n = a < 0 ? a : wrap_neg(a);
    const int32_t t = rppg_q8_fx_one_minus_x_over_one_plus_x(rppg_q8_fx_exp_on_negative(n, 5));
    if (a == 0)
        return 0;
    return a < 0 ? wrap_neg(t) : t;
}

/* ---- SOFTMAX ------------------------------------------------------------------------------- */

static int count_leading_zeros_u32(uint32_t x)
{
    int n = 0;
    if (x == 0)
        return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

/* RoundingDivideByPOT for exponents past 31 (64-bit, same rounding). TFLite Micro stops
 * with TFLITE_CHECK when a row's exps sum to 512 or more (exponent > 31); the quotient is
 * then below one half, and this keeps rounding it the same way instead of failing. */
static int32_t rounding_divide_by_pot_wide(int32_t x, int exponent)
{
    const int64_t mask = ((int64_t)1 << exponent) - 1;
    const int64_t remainder = (int64_t)x & mask;
    const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int32_t)(((int64_t)x >> exponent) + (remainder > threshold ? 1 : 0));
}

int rppg_q8_softmax_prepare(double beta, float in_scale, int32_t rows, int32_t depth,
                            rppg_q8_rounding rounding, rppg_q8_softmax *p)
{
    /* PreprocessSoftmaxScaling with 5 integer bits; the multiplier is capped below 2^31
     * (2^30 with single rounding) */
    const double max_real = rounding == RPPG_Q8_ROUND_SINGLE ? 1073741823.0 : 2147483647.0;
    double real = beta * (double)in_scale * (double)(1 << (31 - 5));
    int32_t mult;
    int shift, d;
    if (real > max_real)
        real = max_real;
    if (!(real > 1.0))
        return -1; /* QuantizeMultiplierGreaterThanOne */
    rppg_q8_quantize_multiplier(real, rounding, &mult, &shift);
    p->rows = rows;
    p->depth = depth;
    /* CalculateInputRadius(5, shift, 31) */
    p->diff_min = -(int32_t)floor(31.0 * (double)(1 << 26) / ldexp(1.0, shift));
    for (d = 0; d < 256; d++) {
        const int32_t diff = -d;
        p->exp_q0[d] = diff >= p->diff_min
                           ? rppg_q8_fx_exp_on_negative(rppg_q8_mbqm(diff, mult, shift, rounding), 5)
                           : 0;
    }
    return 0;
}

#ifdef RPPG_Q8_MVE
/* RoundingDivideByPOT on four lanes, 0 <= exponent <= 31: half away from zero is VRSHL's
 * round half up after subtracting 1 from negative lanes (as rppg_q8_mbqm4) */
static int32x4_t rdbpot4(int32x4_t x, int exponent)
{
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, vdupq_n_s32(-exponent)), 31));
    return vrshlq_n_s32(x, -exponent);
}

/* Helium, one row: the row maximum (VMAXV), the exps gathered from the table four at a
 * time (VLDRW gather; differences below diff_min read the table's zeros, which add nothing
 * and give -128, as the scalar code's skipping does), their sum (VADDVA wraps like
 * wrap_add), and the outputs with VQRDMULH (SRDHM exactly) and rdbpot4. */
static int32_t softmax_row_max_mve(const int8_t *in, int32_t depth)
{
    int8_t max = -128;
    int32_t c;
    for (c = 0; c < depth; c += 16) {
        const mve_pred16_t pr = vctp8q((uint32_t)(depth - c));
        max = vmaxvq_p_s8(max, vldrbq_z_s8(in + c, pr), pr);
    }
    return max;
}

static uint32x4_t softmax_index4(const int8_t *in, int32_t max, mve_pred16_t pr)
{
    return vreinterpretq_u32_s32(vsubq_s32(vdupq_n_s32(max), vldrbq_z_s32(in, pr)));
}

static int32_t softmax_sum_mve(const rppg_q8_softmax *p, const int8_t *in, int32_t max)
{
    int32_t sum = 0, c;
    for (c = 0; c < p->depth; c += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(p->depth - c));
        const int32x4_t e = vldrwq_gather_shifted_offset_z_s32(p->exp_q0, softmax_index4(in + c, max, pr), pr);
        sum = vaddvaq_p_s32(sum, rdbpot4(e, 12), pr);
    }
    return sum;
}

static void softmax_out_mve(const rppg_q8_softmax *p, const int8_t *in, int32_t max, int32_t scale,
                            int exponent, int8_t *out)
{
    int32_t c;
    for (c = 0; c < p->depth; c += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(p->depth - c));
        const int32x4_t e = vldrwq_gather_shifted_offset_z_s32(p->exp_q0, softmax_index4(in + c, max, pr), pr);
        int32x4_t v = vsubq_n_s32(rdbpot4(vqrdmulhq_n_s32(e, scale), exponent), 128);
        v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(-128)), vdupq_n_s32(127));
        vstrbq_p_s32(out + c, v, pr);
    }
}
#endif

void rppg_q8_softmax_run(const rppg_q8_softmax *p, const int8_t *in, int8_t *out)
{
    int32_t r, c;
    for (r = 0; r < p->rows; r++, in += p->depth, out += p->depth) {
        int32_t max = -128, sum = 0, scale;
        int headroom, exponent;
#ifdef RPPG_Q8_MVE
        max = softmax_row_max_mve(in, p->depth);
        sum = softmax_sum_mve(p, in, max);
#else
        for (c = 0; c < p->depth; c++)
            max = in[c] > max ? in[c] : max;
        for (c = 0; c < p->depth; c++)
            if (in[c] - max >= p->diff_min) /* Q0 -> Q12.19 accumulator */
                sum = wrap_add(sum, rppg_q8_rounding_divide_by_pot(p->exp_q0[max - in[c]], 12));
#endif
        /* GetReciprocal(sum, 12): 1 / sum as a Q0 scale and a power of two */
        headroom = count_leading_zeros_u32((uint32_t)sum);
        scale = rppg_q8_fx_one_over_one_plus_x(
            (int32_t)(((uint32_t)sum << headroom) - (1u << 31)));
        exponent = (12 - headroom) + 31 - 8;
#ifdef RPPG_Q8_MVE
        if (exponent <= 31) {
            softmax_out_mve(p, in, max, scale, exponent, out);
            continue;
        }
#endif
        for (c = 0; c < p->depth; c++) {
            int32_t v = -128;
            if (in[c] - max >= p->diff_min) {
                const int32_t prod = rppg_q8_srdhm(scale, p->exp_q0[max - in[c]]);
                v = (exponent <= 31 ? rppg_q8_rounding_divide_by_pot(prod, exponent)
                                    : rounding_divide_by_pot_wide(prod, exponent)) - 128;
            }
            out[c] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
        }
    }
}
