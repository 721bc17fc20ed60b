#include "int8_kernels.h"

#include <math.h>

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

void rppg_q8_conv2d(const rppg_q8_conv *p, const int8_t *in, int8_t *out)
{
    const int kernel_len = p->k_h * p->k_w * p->in_c;
    int16_t col[RPPG_Q8_MAX_KERNEL];
    int oy, ox, oc;
    if (kernel_len > RPPG_Q8_MAX_KERNEL) {
        conv2d_ranges(p, in, out);
        return;
    }
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

/* ---- pooling and MEAN ------------------------------------------------------------------ */

void rppg_q8_max_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    int oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int y0 = iy0 < 0 ? 0 : iy0;
        const int y1 = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
        for (ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int x0 = ix0 < 0 ? 0 : ix0;
            const int x1 = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
            for (c = 0; c < p->c; c++) {
                int32_t m = -128;
                for (y = y0; y < y1; y++)
                    for (x = x0; x < x1; x++) {
                        const int32_t v = in[(y * p->in_w + x) * p->c + c];
                        if (v > m)
                            m = v;
                    }
                out[(oy * p->out_w + ox) * p->c + c] = (int8_t)clamp_i32(m, p->act_min, p->act_max);
            }
        }
    }
}

void rppg_q8_avg_pool(const rppg_q8_pool *p, const int8_t *in, int8_t *out)
{
    int oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int y0 = iy0 < 0 ? 0 : iy0;
        const int y1 = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
        for (ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int x0 = ix0 < 0 ? 0 : ix0;
            const int x1 = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
            const int32_t count = (int32_t)((y1 - y0) * (x1 - x0));
            for (c = 0; c < p->c; c++) {
                int32_t acc = 0;
                for (y = y0; y < y1; y++)
                    for (x = x0; x < x1; x++)
                        acc += in[(y * p->in_w + x) * p->c + c];
                if (count > 0)
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                out[(oy * p->out_w + ox) * p->c + c] = (int8_t)clamp_i32(acc, p->act_min, p->act_max);
            }
        }
    }
}

void rppg_q8_mean_hw(const rppg_q8_mean *p, const int8_t *in, int8_t *out)
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
