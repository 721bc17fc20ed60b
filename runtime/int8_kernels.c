#include "int8_kernels.h"

#include <math.h>

/* Helium (MVE, e.g. arm-none-eabi-gcc -mcpu=cortex-m55; RPPG_Q8_MVE in int8_kernels.h)
 * versions of the hot loops; every kernel keeps its portable C path, which -DRPPG_NO_MVE
 * forces. Integer sums are associative and the vector requantization below is the scalar
 * arithmetic lane by lane, so both paths give the same bytes (tests/m55/run.sh runs the M55
 * image both ways). */

/* ---- fixed-point requantization ------------------------------------------------------ */

int32_t rppg_q8_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int32_t nudge;
    if (a == b && a == INT32_MIN)
        return INT32_MAX;
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    /* C division truncates towards zero, as the reference's does. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int32_t rppg_q8_rounding_divide_by_pot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t rppg_q8_mbqm(int32_t x, int32_t multiplier, int shift, rppg_q8_rounding rounding)
{
    if (rounding == RPPG_Q8_ROUND_SINGLE) {
        const int total_shift = 31 - shift;
        const int64_t round = (int64_t)1 << (total_shift - 1);
        return (int32_t)(((int64_t)x * multiplier + round) >> total_shift);
    } else {
        const int left = shift > 0 ? shift : 0;
        const int right = shift > 0 ? 0 : -shift;
        /* The reference multiplies in int32 and wraps on overflow; shifting the unsigned
         * value gives the same bits without undefined behaviour. */
        const int32_t scaled = (int32_t)((uint32_t)x << left);
        return rppg_q8_rounding_divide_by_pot(rppg_q8_srdhm(scaled, multiplier), right);
    }
}

void rppg_q8_quantize_multiplier(double real, rppg_q8_rounding rounding, int32_t *multiplier,
                                 int *shift)
{
    double q;
    int64_t q_fixed;
    int e = 0;
    if (real == 0.0) {
        *multiplier = 0;
        *shift = 0;
        return;
    }
    q = frexp(real, &e);
    q_fixed = (int64_t)round(q * (double)((int64_t)1 << 31)); /* halves away from zero */
    if (q_fixed == ((int64_t)1 << 31)) {
        q_fixed /= 2;
        e++;
    }
    if (e < -31) {
        e = 0;
        q_fixed = 0;
    }
    if (rounding == RPPG_Q8_ROUND_SINGLE && e > 30) {
        e = 30;
        q_fixed = ((int64_t)1 << 31) - 1;
    }
    *multiplier = (int32_t)q_fixed;
    *shift = e;
}

static int floor_log2_u64(uint64_t n)
{
    int r = -1;
    while (n) {
        n >>= 1;
        r++;
    }
    return r;
}

void rppg_q8_mean_multiplier(int32_t multiplier, int shift, int32_t n, int32_t *out_multiplier,
                             int *out_shift)
{
    int k = floor_log2_u64((uint64_t)n); /* 63 - clz(n) */
    if (k > 32)
        k = 32;
    if (k > 31 + shift)
        k = 31 + shift;
    *out_multiplier = (int32_t)(((int64_t)multiplier << k) / n);
    *out_shift = shift - k;
}

const char *rppg_q8_kernels_path(void)
{
#ifdef RPPG_Q8_MVE
    return "helium";
#else
    return "portable";
#endif
}

void rppg_q8_out_size(int in, int k, int stride, int same_padding, int *out, int *pad)
{
    int total;
    if (same_padding) {
        *out = (in + stride - 1) / stride;
        total = (*out - 1) * stride + k - in;
        *pad = total > 0 ? total / 2 : 0;
    } else {
        *out = (in - k + stride) / stride;
        *pad = 0;
    }
}

static int32_t clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* ---- CONV_2D ---------------------------------------------------------------------------- */

void rppg_q8_conv2d_naive(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    int oy, ox, oc, ky, kx, ic;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++)
            for (oc = 0; oc < p->out_c; oc++) {
                int32_t acc = 0;
                for (ky = 0; ky < p->k_h; ky++)
                    for (kx = 0; kx < p->k_w; kx++)
                        for (ic = 0; ic < p->in_c; ic++) {
                            const int iy = oy * p->stride_h - p->pad_top + ky;
                            const int ix = ox * p->stride_w - p->pad_left + kx;
                            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                                continue;
                            acc += (int32_t)p->weights[((oc * p->k_h + ky) * p->k_w + kx) * p->in_c + ic] *
                                   ((int32_t)in[(iy * p->in_w + ix) * p->in_c + ic] - p->in_zp);
                        }
                if (p->bias)
                    acc += p->bias[oc];
                acc = rppg_q8_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding);
                acc += p->out_zp;
                out[(oy * p->out_w + ox) * p->out_c + oc] = (int8_t)clamp_i32(acc, p->act_min, p->act_max);
            }
}

/* The taps of one output position that fall inside the image, as ranges; within one kernel
 * row the valid taps are contiguous in both input and weights (NHWC / OHWI), so the inner
 * loop runs over (kx1 - kx0) * in_c elements without bounds checks. */
static int32_t conv_dot(const rppg_q8_conv *p, const int8_t *in, const int8_t *w, int iy0,
                        int ix0, int ky0, int ky1, int kx0, int kx1)
{
    const int row_len = (kx1 - kx0) * p->in_c;
    const int32_t in_zp = p->in_zp;
    int32_t acc = 0, wsum = 0;
    int ky, i;
    for (ky = ky0; ky < ky1; ky++) {
        const int8_t *x = in + ((iy0 + ky) * p->in_w + ix0 + kx0) * p->in_c;
        const int8_t *wr = w + (ky * p->k_w + kx0) * p->in_c;
        for (i = 0; i < row_len; i++) {
            acc += (int32_t)wr[i] * x[i];
            wsum += wr[i];
        }
    }
    /* sum w*(x - zp) == sum w*x - zp*sum w exactly in int32 (no overflow for int8 data
     * and any realistic kernel: |sum| < 2^31 needs fewer than 2^16 taps). */
    return acc - in_zp * wsum;
}

/* Kernels larger than the tap buffer: valid tap ranges, no buffer. */
static void conv2d_ranges(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    const int kernel_len = p->k_h * p->k_w * p->in_c;
    int oy, ox, oc;
    for (oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int ky0 = iy0 < 0 ? -iy0 : 0;
        const int ky1 = iy0 + p->k_h > p->in_h ? p->in_h - iy0 : p->k_h;
        for (ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int kx0 = ix0 < 0 ? -ix0 : 0;
            const int kx1 = ix0 + p->k_w > p->in_w ? p->in_w - ix0 : p->k_w;
            int8_t *o = out + (oy * p->out_w + ox) * p->out_c;
            for (oc = 0; oc < p->out_c; oc++) {
                int32_t acc = 0;
                if (ky1 > ky0 && kx1 > kx0)
                    acc = conv_dot(p, in, p->weights + oc * kernel_len, iy0, ix0, ky0, ky1, kx0, kx1);
                if (p->bias)
                    acc += p->bias[oc];
                acc = rppg_q8_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding) + p->out_zp;
                o[oc] = (int8_t)clamp_i32(acc, p->act_min, p->act_max);
            }
        }
    }
}

#ifndef RPPG_Q8_MVE
/* One output position's taps as (x - in_zp) in int16, taps outside the image as 0 (which
 * contributes exactly nothing, as the reference's skipping does): every output channel then
 * runs one bounds-free dot product over the whole kernel. */
static void gather_taps(const rppg_q8_conv *p, const int8_t *in, int iy0, int ix0, int16_t *col)
{
    int ky, kx, ic;
    for (ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky;
        for (kx = 0; kx < p->k_w; kx++) {
            const int ix = ix0 + kx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (ic = 0; ic < p->in_c; ic++)
                    *col++ = 0;
            } else {
                const int8_t *x = in + (iy * p->in_w + ix) * p->in_c;
                for (ic = 0; ic < p->in_c; ic++)
                    *col++ = (int16_t)(x[ic] - p->in_zp);
            }
        }
    }
}

static int32_t dot_i8_i16(const int8_t *w, const int16_t *x, int n)
{
    int32_t acc = 0;
    int i;
    for (i = 0; i < n; i++)
        acc += (int32_t)w[i] * x[i];
    return acc;
}

/* Four output channels at once: each tap value is loaded once for four products. */
static void dot4_i8_i16(const int8_t *w, int n, const int16_t *x, int32_t acc[4])
{
    const int8_t *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int i;
    for (i = 0; i < n; i++) {
        const int32_t v = x[i];
        a0 += w0[i] * v;
        a1 += w1[i] * v;
        a2 += w2[i] * v;
        a3 += w3[i] * v;
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

static int8_t requantize(const rppg_q8_conv *p, int oc, int32_t acc)
{
    if (p->bias)
        acc += p->bias[oc];
    acc = rppg_q8_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding) + p->out_zp;
    return (int8_t)clamp_i32(acc, p->act_min, p->act_max);
}

#endif

#ifdef RPPG_Q8_MVE
/* ---- Helium ------------------------------------------------------------------------------ */

int32x4_t rppg_q8_requantize4_lanes(int32x4_t x, const int32_t *multiplier, const int32_t *shift,
                                    int n, rppg_q8_rounding rounding, int32_t out_zp, int32_t lo,
                                    int32_t hi)
{
    const rppg_q8_lanes q = rppg_q8_lanes_prepare(multiplier, shift, n, rounding);
    return vpselq_s32(rppg_q8_lanes_requantize(&q, x, out_zp, lo, hi), vdupq_n_s32(0), vctp32q((uint32_t)n));
}

/* n int8 from src to dst (n >= 0), 16 per vector, the last one predicated. */
static void copy_i8_mve(int8_t *dst, const int8_t *src, int n)
{
    for (; n > 0; n -= 16, src += 16, dst += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
    }
}

static void fill_i8_mve(int8_t *dst, int8_t v, int n)
{
    const int8x16_t x = vdupq_n_s8(v);
    for (; n > 0; n -= 16, dst += 16)
        vstrbq_p_s8(dst, x, vctp8q((uint32_t)n));
}

/* One output position's taps as raw int8 (padding cells hold in_zp, so that their x - zp is
 * 0: the zero point is taken out once per dot product as zp * sum(w)). A kernel row that lies
 * inside the image is one contiguous run of k_w * in_c bytes (NHWC). */
static void gather_row_i8(const rppg_q8_conv *p, const int8_t *in, int iy0, int ix0, int8_t *col)
{
    const int row_bytes = p->k_w * p->in_c;
    const int8_t zp = (int8_t)p->in_zp;
    int ky, kx;
    for (ky = 0; ky < p->k_h; ky++, col += row_bytes) {
        const int iy = iy0 + ky;
        if (iy < 0 || iy >= p->in_h) {
            fill_i8_mve(col, zp, row_bytes);
        } else if (ix0 >= 0 && ix0 + p->k_w <= p->in_w) {
            copy_i8_mve(col, in + (iy * p->in_w + ix0) * p->in_c, row_bytes);
        } else {
            for (kx = 0; kx < p->k_w; kx++) {
                const int ix = ix0 + kx;
                if (ix < 0 || ix >= p->in_w)
                    fill_i8_mve(col + kx * p->in_c, zp, p->in_c);
                else
                    copy_i8_mve(col + kx * p->in_c, in + (iy * p->in_w + ix) * p->in_c, p->in_c);
            }
        }
    }
}

/* Dot products of one weight row with four tap rows (row stride `stride`, a multiple of 16),
 * 16 taps per VMLADAVA, plus the weights' sum. The last weight vector is loaded predicated
 * to the kernel length (zeros beyond it), so the tap rows' padding bytes never count. */
static int32x4_t dot4_mve(const int8_t *w, int n, const int8_t *col, int stride, int32_t *wsum)
{
    const int8_t *c0 = col, *c1 = col + stride, *c2 = col + 2 * stride, *c3 = col + 3 * stride;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, s = 0;
    int blocks = n >> 4;
    int8x16_t wv;
    int32x4_t v;
    while (blocks-- > 0) {
        wv = vld1q_s8(w);
        s = vaddvaq_s8(s, wv);
        a0 = vmladavaq_s8(a0, vld1q_s8(c0), wv);
        a1 = vmladavaq_s8(a1, vld1q_s8(c1), wv);
        a2 = vmladavaq_s8(a2, vld1q_s8(c2), wv);
        a3 = vmladavaq_s8(a3, vld1q_s8(c3), wv);
        w += 16, c0 += 16, c1 += 16, c2 += 16, c3 += 16;
    }
    if (n & 15) {
        wv = vldrbq_z_s8(w, vctp8q((uint32_t)(n & 15)));
        s = vaddvaq_s8(s, wv);
        a0 = vmladavaq_s8(a0, vld1q_s8(c0), wv);
        a1 = vmladavaq_s8(a1, vld1q_s8(c1), wv);
        a2 = vmladavaq_s8(a2, vld1q_s8(c2), wv);
        a3 = vmladavaq_s8(a3, vld1q_s8(c3), wv);
    }
    *wsum = s;
    v = vdupq_n_s32(a0);
    v = vsetq_lane_s32(a1, v, 1);
    v = vsetq_lane_s32(a2, v, 2);
    return vsetq_lane_s32(a3, v, 3);
}

#define RPPG_Q8_MVE_ROW (RPPG_Q8_MAX_KERNEL + 16)

/* Four output positions (raster order) at a time: their taps gathered once as int8 rows,
 * then every output channel is four dot products sharing each weight vector, requantized
 * together and scattered to the four positions (stride out_c). The last group of fewer
 * than four repeats its first row and stores only its own lanes. (Fields are read into
 * locals: the int8 stores may alias anything, so the compiler would reload them.) */
static void conv2d_mve(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    const int kernel_len = p->k_h * p->k_w * p->in_c;
    const int stride = (kernel_len + 15) & ~15;
    const int n_pos = p->out_h * p->out_w, out_c = p->out_c;
    const int8_t *weights = p->weights;
    const int32_t *bias = p->bias, *mult = p->multiplier, *shift = p->shift;
    const int32_t in_zp = p->in_zp, out_zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const rppg_q8_rounding rounding = p->rounding;
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)out_c);
    int8_t col[4 * RPPG_Q8_MVE_ROW];
    int pos, oc, r;
    for (pos = 0; pos < n_pos; pos += 4) {
        const int n = n_pos - pos < 4 ? n_pos - pos : 4;
        const mve_pred16_t store = vctp32q((uint32_t)n);
        int8_t *o = out + pos * out_c;
        for (r = 0; r < 4; r++) {
            const int oy = (pos + r) / p->out_w, ox = (pos + r) % p->out_w;
            if (r < n)
                gather_row_i8(p, in, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left,
                              col + r * stride);
            else
                copy_i8_mve(col + r * stride, col, kernel_len);
        }
        for (oc = 0; oc < out_c; oc++) {
            int32_t wsum;
            int32x4_t acc = dot4_mve(weights + oc * kernel_len, kernel_len, col, stride, &wsum);
            acc = vaddq_n_s32(acc, (bias ? bias[oc] : 0) - in_zp * wsum);
            acc = rppg_q8_requantize4(acc, mult[oc], (int)shift[oc], rounding, out_zp, lo, hi);
            vstrbq_scatter_offset_p_s32(o + oc, offsets, acc, store);
        }
    }
}
#endif

#ifndef RPPG_Q8_MVE
/* Portable: one output position's taps gathered as int16, four output channels per pass. */
static void conv2d_taps(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    const int kernel_len = p->k_h * p->k_w * p->in_c;
    int16_t col[RPPG_Q8_MAX_KERNEL];
    int oy, ox, oc;
    for (oy = 0; oy < p->out_h; oy++) {
        for (ox = 0; ox < p->out_w; ox++) {
            int8_t *o = out + (oy * p->out_w + ox) * p->out_c;
            gather_taps(p, in, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, col);
            for (oc = 0; oc + 4 <= p->out_c; oc += 4) {
                int32_t acc[4];
                int j;
                dot4_i8_i16(p->weights + oc * kernel_len, kernel_len, col, acc);
                for (j = 0; j < 4; j++)
                    o[oc + j] = requantize(p, oc + j, acc[j]);
            }
            for (; oc < p->out_c; oc++)
                o[oc] = requantize(p, oc, dot_i8_i16(p->weights + oc * kernel_len, col, kernel_len));
        }
    }
}
#endif

void rppg_q8_conv2d(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    if (p->k_h * p->k_w * p->in_c > RPPG_Q8_MAX_KERNEL)
        conv2d_ranges(p, in, out);
    else
#ifdef RPPG_Q8_MVE
        conv2d_mve(p, in, out);
#else
        conv2d_taps(p, in, out);
#endif
}

/* ---- pooling and MEAN ------------------------------------------------------------------ */

/* The input rows [y0, y1) and columns [x0, x1) of one output cell's window: cells outside
 * the image are skipped (TFLite). */
typedef struct pool_window {
    int y0, y1, x0, x1;
} pool_window;

static pool_window window_of(const rppg_q8_pool *p, int oy, int ox)
{
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    pool_window w;
    w.y0 = iy0 < 0 ? 0 : iy0;
    w.y1 = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
    w.x0 = ix0 < 0 ? 0 : ix0;
    w.x1 = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
    return w;
}

static int32_t rounded_average(int32_t sum, int32_t count)
{
    if (count <= 0)
        return sum;
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

#ifdef RPPG_Q8_MVE
/* Helium: 16 channels per vector (VMAX of int8 lanes), the last vector predicated. */
static void max_pool_mve(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    const int8x16_t lo = vdupq_n_s8((int8_t)p->act_min), hi = vdupq_n_s8((int8_t)p->act_max);
    int oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++) {
            const pool_window w = window_of(p, oy, ox);
            int8_t *o = out + (oy * p->out_w + ox) * p->c;
            for (c = 0; c < p->c; c += 16) {
                const mve_pred16_t pr = vctp8q((uint32_t)(p->c - c));
                int8x16_t m = vdupq_n_s8(-128);
                for (y = w.y0; y < w.y1; y++)
                    for (x = w.x0; x < w.x1; x++)
                        m = vmaxq_s8(m, vldrbq_z_s8(in + (y * p->in_w + x) * p->c + c, pr));
                vstrbq_p_s8(o + c, vminq_s8(vmaxq_s8(m, lo), hi), pr);
            }
        }
}

/* Helium: 4 channels per vector, int8 widened to int32 by the load; MVE has no integer
 * division, so the rounded division by the cell count stays scalar. */
static void avg_pool_mve(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    int oy, ox, c, y, x, i;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++) {
            const pool_window w = window_of(p, oy, ox);
            const int32_t count = (int32_t)((w.y1 - w.y0) * (w.x1 - w.x0));
            int8_t *o = out + (oy * p->out_w + ox) * p->c;
            for (c = 0; c < p->c; c += 4) {
                const int n = p->c - c < 4 ? p->c - c : 4;
                const mve_pred16_t pr = vctp32q((uint32_t)n);
                int32x4_t acc = vdupq_n_s32(0);
                int32_t sums[4];
                for (y = w.y0; y < w.y1; y++)
                    for (x = w.x0; x < w.x1; x++)
                        acc = vaddq_s32(acc, vldrbq_z_s32(in + (y * p->in_w + x) * p->c + c, pr));
                vst1q_s32(sums, acc);
                for (i = 0; i < n; i++)
                    o[c + i] = (int8_t)clamp_i32(rounded_average(sums[i], count), p->act_min, p->act_max);
            }
        }
}

/* Helium: sums of 4 channels per vector over all positions, then requantize4. */
static void mean_hw_mve(const rppg_q8_mean *p, const int8_t *in, int8_t *out)
{
    const int32_t n = (int32_t)p->h * p->w;
    const uint32x4_t offsets = vidupq_n_u32(0, 1);
    int c, i;
    for (c = 0; c < p->c; c += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(p->c - c));
        int32x4_t acc = vdupq_n_s32(0);
        for (i = 0; i < n; i++)
            acc = vaddq_s32(acc, vldrbq_z_s32(in + i * p->c + c, pr));
        if (n == 0)
            acc = vdupq_n_s32(0);
        else
            acc = rppg_q8_requantize4(vsubq_s32(acc, vdupq_n_s32(p->in_zp * n)), p->multiplier, p->shift,
                              p->rounding, p->out_zp, -128, 127);
        vstrbq_scatter_offset_p_s32(out + c, offsets, acc, pr);
    }
}
#else
static void max_pool_c(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    int oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++) {
            const pool_window w = window_of(p, oy, ox);
            for (c = 0; c < p->c; c++) {
                int32_t m = -128;
                for (y = w.y0; y < w.y1; y++)
                    for (x = w.x0; x < w.x1; x++) {
                        const int32_t v = in[(y * p->in_w + x) * p->c + c];
                        if (v > m)
                            m = v;
                    }
                out[(oy * p->out_w + ox) * p->c + c] = (int8_t)clamp_i32(m, p->act_min, p->act_max);
            }
        }
}

static void avg_pool_c(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    int oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++) {
            const pool_window w = window_of(p, oy, ox);
            const int32_t count = (int32_t)((w.y1 - w.y0) * (w.x1 - w.x0));
            for (c = 0; c < p->c; c++) {
                int32_t acc = 0;
                for (y = w.y0; y < w.y1; y++)
                    for (x = w.x0; x < w.x1; x++)
                        acc += in[(y * p->in_w + x) * p->c + c];
                out[(oy * p->out_w + ox) * p->c + c] =
                    (int8_t)clamp_i32(rounded_average(acc, count), p->act_min, p->act_max);
            }
        }
}

static void mean_hw_c(const rppg_q8_mean *p, const int8_t *in, int8_t *out)
{
    const int32_t n = (int32_t)p->h * p->w;
    int c, i;
    for (c = 0; c < p->c; c++) {
        int32_t sum = 0, v;
        for (i = 0; i < n; i++)
            sum += in[i * p->c + c];
        if (n == 0)
            v = 0;
        else
            v = rppg_q8_mbqm(sum - p->in_zp * n, p->multiplier, p->shift, p->rounding) + p->out_zp;
        out[c] = (int8_t)clamp_i32(v, -128, 127);
    }
}
#endif

void rppg_q8_max_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
#ifdef RPPG_Q8_MVE
    max_pool_mve(p, in, out);
#else
    max_pool_c(p, in, out);
#endif
}

void rppg_q8_avg_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
#ifdef RPPG_Q8_MVE
    avg_pool_mve(p, in, out);
#else
    avg_pool_c(p, in, out);
#endif
}

void rppg_q8_mean_hw(const rppg_q8_mean *p, const int8_t *in, int8_t *out)
{
#ifdef RPPG_Q8_MVE
    mean_hw_mve(p, in, out);
#else
    mean_hw_c(p, in, out);
#endif
}
