/* Int8 kernels with TFLite Micro's reference arithmetic (bit-exact), shared by the host
 * engine and the MCU CPU path.
 *
 * Tensors are NHWC int8, real = (q - zero_point) * scale. Conv weights are OHWI int8 with
 * zero point 0 and one scale per output channel; biases int32. Every requantization uses a
 * fixed-point multiplier (Q0.31 mantissa + power-of-two shift) computed once, off-line, by
 * rppg_q8_quantize_multiplier; at run time only integer arithmetic remains.
 *
 * Rounding: TFLite Micro's default "double rounding" (saturating rounding doubling high
 * multiply, then rounding divide by a power of two), or "single rounding"
 * (TFLITE_SINGLE_ROUNDING, what XNNPACK-based runtimes such as LiteRT do).
 *
 * C99, no heap, no globals, no floating point at run time (only the off-line helpers use
 * double). Stack use of every kernel is a few dozen bytes. */
#ifndef RPPG_INT8_KERNELS_H
#define RPPG_INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Helium (MVE) loops where the compiler targets them (e.g. -mcpu=cortex-m55); -DRPPG_NO_MVE
 * forces the portable C. Both give the same bytes. */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1) && !defined(RPPG_NO_MVE)
#define RPPG_Q8_MVE 1
#include <arm_mve.h>
#endif

typedef enum rppg_q8_rounding {
    RPPG_Q8_ROUND_DOUBLE = 0, /* TFLite Micro reference default */
    RPPG_Q8_ROUND_SINGLE = 1  /* TFLITE_SINGLE_ROUNDING */
} rppg_q8_rounding;

/* ---- fixed-point requantization ------------------------------------------------------ */

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a*b / 2^31), saturating the one
 * overflow case a == b == INT32_MIN. */
int32_t rppg_q8_srdhm(int32_t a, int32_t b);
/* RoundingDivideByPOT: x / 2^exponent rounded half away from zero, 0 <= exponent <= 31. */
int32_t rppg_q8_rounding_divide_by_pot(int32_t x, int exponent);
/* MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), rounded as selected. */
int32_t rppg_q8_mbqm(int32_t x, int32_t multiplier, int shift, rppg_q8_rounding rounding);

#ifdef RPPG_Q8_MVE
/* Helium builds: rppg_q8_mbqm on four lanes sharing one (multiplier, shift), same bits.
 * Double rounding: VQRDMULH is gemmlowp's SaturatingRoundingDoublingHighMul exactly (both
 * round half up of 2ab / 2^32, saturating only INT32_MIN * INT32_MIN); subtracting 1 from
 * negative lanes before VRSHL's round-half-up turns it into RoundingDivideByPOT's half away
 * from zero (the x & -exponent trick leaves exponent 0 alone). Single rounding for shift in
 * [-31, -1]: floor(x*m / 2^31) (VQDMULH) then a rounding shift by -shift equals
 * (x*m + 2^(30-shift)) >> (31-shift), since floor(floor(a)/2^k) = floor(a/2^k). Other shifts
 * (rare: real multipliers >= 0.5 in single rounding, or beyond 2^30) go lane by lane
 * through the scalar code. */
static inline int32x4_t rppg_q8_mbqm4(int32x4_t x, int32_t multiplier, int shift,
                                      rppg_q8_rounding rounding)
{
    if (rounding == RPPG_Q8_ROUND_DOUBLE && shift >= -31 && shift <= 30) {
        const int32_t right = shift > 0 ? 0 : -shift;
        x = vshlq_r_s32(x, shift > 0 ? shift : 0);
        x = vqrdmulhq_n_s32(x, multiplier);
        x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, vdupq_n_s32(-right)), 31));
        return vrshlq_n_s32(x, -right);
    } else if (rounding == RPPG_Q8_ROUND_SINGLE && shift >= -31 && shift <= -1) {
        return vrshlq_n_s32(vqdmulhq_n_s32(x, multiplier), shift);
    } else {
        int32_t v[4];
        int i;
        vst1q_s32(v, x);
        for (i = 0; i < 4; i++)
            v[i] = rppg_q8_mbqm(v[i], multiplier, shift, rounding);
        return vld1q_s32(v);
    }
}

/* rppg_q8_mbqm4, + out_zp (wrapping, as rppg_q8_wrap_add), clamped to [lo, hi]. */
static inline int32x4_t rppg_q8_requantize4(int32x4_t x, int32_t multiplier, int shift,
                                            rppg_q8_rounding rounding, int32_t out_zp, int32_t lo,
                                            int32_t hi)
{
    x = vaddq_n_s32(rppg_q8_mbqm4(x, multiplier, shift, rounding), out_zp);
    return vminq_s32(vmaxq_s32(x, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

/* Per-channel requantization of four lanes (lane i with multiplier[i], shift[i]), prepared
 * once for a block of channels and applied to many accumulators: the arithmetic of
 * rppg_q8_mbqm4 with per-lane multipliers and shifts; shifts outside its vector ranges go
 * lane by lane through the scalar code. */
typedef struct rppg_q8_lanes {
    int32x4_t m, s;
    int mode; /* 0: double rounding vector, 1: single rounding vector, 2: scalar */
    const int32_t *multiplier, *shift;
    int n;
    rppg_q8_rounding rounding;
} rppg_q8_lanes;

static inline rppg_q8_lanes rppg_q8_lanes_prepare(const int32_t *multiplier, const int32_t *shift, int n,
                                                  rppg_q8_rounding rounding)
{
    const mve_pred16_t live = vctp32q((uint32_t)n);
    rppg_q8_lanes q;
    int32_t smin, smax;
    q.m = vldrwq_z_s32(multiplier, live);
    q.s = vldrwq_z_s32(shift, live);
    smin = vminvq_p_s32(INT32_MAX, q.s, live);
    smax = vmaxvq_p_s32(INT32_MIN, q.s, live);
    q.mode = rounding == RPPG_Q8_ROUND_DOUBLE && smin >= -31 && smax <= 30   ? 0
             : rounding == RPPG_Q8_ROUND_SINGLE && smin >= -31 && smax <= -1 ? 1
                                                                              : 2;
    q.multiplier = multiplier, q.shift = shift, q.n = n, q.rounding = rounding;
    return q;
}

/* x requantized, + out_zp (wrapping), clamped to [lo, hi] */
static inline int32x4_t rppg_q8_lanes_requantize(const rppg_q8_lanes *q, int32x4_t x, int32_t out_zp,
                                                 int32_t lo, int32_t hi)
{
    if (q->mode == 0) {
        const int32x4_t right = vmaxq_s32(vnegq_s32(q->s), vdupq_n_s32(0));
        x = vshlq_s32(x, vmaxq_s32(q->s, vdupq_n_s32(0)));
        x = vqrdmulhq_s32(x, q->m);
        x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, vnegq_s32(right)), 31));
        x = vrshlq_s32(x, vnegq_s32(right));
    } else if (q->mode == 1) {
        x = vrshlq_s32(vqdmulhq_s32(x, q->m), q->s);
    } else {
        int32_t v[4];
        int i;
        vst1q_s32(v, x);
        for (i = 0; i < q->n; i++)
            v[i] = rppg_q8_mbqm(v[i], q->multiplier[i], (int)q->shift[i], q->rounding);
        x = vld1q_s32(v);
    }
    x = vaddq_n_s32(x, out_zp);
    return vminq_s32(vmaxq_s32(x, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

/* Helium builds: rppg_q8_mbqm + out_zp, clamped to [lo, hi], on the first n (1..4) lanes of
 * x, lane i with multiplier[i] and shift[i] (per-channel kernels); the other lanes are 0. */
int32x4_t rppg_q8_requantize4_lanes(int32x4_t x, const int32_t *multiplier, const int32_t *shift,
                                    int n, rppg_q8_rounding rounding, int32_t out_zp, int32_t lo,
                                    int32_t hi);
#endif

/* QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0).
 * Off-line (export / prepare) helper: uses double. */
void rppg_q8_quantize_multiplier(double real, rppg_q8_rounding rounding, int32_t *multiplier,
                                 int *shift);

/* The multiplier of MEAN for n reduced elements (TFLite Micro's reference MEAN): folds 1/n
 * into (multiplier, shift) of s_in/s_out. Off-line helper. */
void rppg_q8_mean_multiplier(int32_t multiplier, int shift, int32_t n, int32_t *out_multiplier,
                             int *out_shift);

/* ---- operators ------------------------------------------------------------------------ */

/* Geometry and quantization of one CONV_2D (batch 1 per call, dilation 1). */
typedef struct rppg_q8_conv {
    int in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int k_h, k_w;
    int stride_h, stride_w;
    int pad_top, pad_left;     /* SAME: ((out-1)*stride + k - in) / 2, VALID: 0 */
    int32_t in_zp, out_zp;
    int32_t act_min, act_max;  /* fused activation, already clamped to [-128, 127] */
    const int8_t *weights;     /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;       /* [out_c] or NULL */
    const int32_t *multiplier; /* [out_c] */
    const int32_t *shift;      /* [out_c] */
    rppg_q8_rounding rounding;
} rppg_q8_conv;

/* Output layout [out_h][out_w][out_c]. in and out must not overlap. Kernels of up to
 * RPPG_Q8_MAX_KERNEL taps (k_h*k_w*in_c) gather each position's taps into an int16 stack
 * buffer (2*RPPG_Q8_MAX_KERNEL bytes of stack); larger ones run without it. */
#ifndef RPPG_Q8_MAX_KERNEL
#define RPPG_Q8_MAX_KERNEL 512
#endif
void rppg_q8_conv2d(const rppg_q8_conv *p, const int8_t *in, int8_t *out);
/* The straightforward loop nest of the same operator (the specification the fast version
 * is tested against, and the baseline of bench/bench_int8_kernels.c). */
void rppg_q8_conv2d_naive(const rppg_q8_conv *p, const int8_t *in, int8_t *out);

/* MAX_POOL_2D / AVERAGE_POOL_2D: window k_h x k_w, padding cells are skipped (TFLite). */
typedef struct rppg_q8_pool {
    int in_h, in_w, c;
    int out_h, out_w;
    int k_h, k_w;
    int stride_h, stride_w;
    int pad_top, pad_left;
    int32_t act_min, act_max;
} rppg_q8_pool;

void rppg_q8_max_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out);
/* Average: sum of the cells inside the image, divided by their count rounded half away
 * from zero (TFLite's integer AVERAGE_POOL_2D). */
void rppg_q8_avg_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out);

/* MEAN over H and W of [h][w][c] -> [c], TFLite Micro's reference int8 MEAN:
 *   out = clamp(MBQM(sum - in_zp*n, multiplier, shift) + out_zp), n = h*w,
 * with (multiplier, shift) from rppg_q8_mean_multiplier. (Current TFLite Micro runs this
 * requantizing path whatever the scales; older releases divided plain sums when input and
 * output shared scale and zero point.) */
typedef struct rppg_q8_mean {
    int h, w, c;
    int32_t in_zp, out_zp;
    int32_t multiplier;
    int shift;
    rppg_q8_rounding rounding;
} rppg_q8_mean;

void rppg_q8_mean_hw(const rppg_q8_mean *p, const int8_t *in, int8_t *out);

/* Which loops this build runs: "helium" (Arm MVE, when the compiler targets it, e.g.
 * -mcpu=cortex-m55) or "portable" (any C99 compiler, or forced with -DRPPG_NO_MVE). Both
 * give the same bytes. The Helium convolution gathers four output positions' taps as int8
 * (4 x (RPPG_Q8_MAX_KERNEL + 16) bytes of stack) instead of one position's as int16. */
const char *rppg_q8_kernels_path(void);

/* Geometry helper: output size and leading pad of SAME (same_padding != 0) or VALID. */
void rppg_q8_out_size(int in, int k, int stride, int same_padding, int *out, int *pad);

#endif
