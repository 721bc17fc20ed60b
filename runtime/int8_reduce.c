/* Int8 reductions (SUM, REDUCE_MAX, ARG_MAX) and TRANSPOSE_CONV (int8_ops.h), with the
 * arithmetic of TFLite Micro's reference kernels (reference/reduce.h, arg_min_max.h,
 * integer_ops/transpose_conv.h). */
#include "int8_ops.h"

/* Visits every input element in order with the output index it reduces into. */
#define FOR_EACH_INPUT(p, o, body)                                                            \
    do {                                                                                      \
        int32_t idx_[RPPG_Q8_MAX_RANK] = {0};                                                 \
        int64_t i_, total_ = (int64_t)(p)->n_reduce * (p)->n_out;                             \
        size_t o = 0;                                                                         \
        int d_;                                                                               \
        for (i_ = 0; i_ < total_; i_++) {                                                     \
            body;                                                                             \
            for (d_ = (p)->rank - 1; d_ >= 0; d_--) {                                         \
                o += (size_t)(p)->out_stride[d_];                                             \
                if (++idx_[d_] < (p)->in_dims[d_])                                            \
                    break;                                                                    \
                o -= (size_t)(p)->out_stride[d_] * (size_t)(p)->in_dims[d_];                  \
                idx_[d_] = 0;                                                                 \
            }                                                                                 \
        }                                                                                     \
    } while (0)

#ifdef RPPG_Q8_MVE
/* Helium: the input walked by rows of its innermost dimension. A row that is not reduced
 * (output step 1) adds or maxes into as many outputs, lane by lane; a reduced row (output
 * step 0) is one VADDVA / VMAXV into its output. Integer sums wrap as the scalar sum would,
 * in another order: the same bits. Rows with other output steps take the scalar loop. */
typedef void (*reduce_row_fn)(const int8_t *in, int32_t n, int64_t ostep, int32_t *sum,
                              int8_t *out);

static void sum_row(const int8_t *in, int32_t n, int64_t ostep, int32_t *sum, int8_t *out)
{
    int32_t j;
    (void)out;
    if (ostep == 1) {
        for (j = 0; j < n; j += 4) {
            const mve_pred16_t pr = vctp32q((uint32_t)(n - j));
            vstrwq_p_s32(sum + j, vaddq_s32(vldrwq_z_s32(sum + j, pr), vldrbq_z_s32(in + j, pr)), pr);
        }
    } else if (ostep == 0) {
        int32_t s = *sum;
        for (j = 0; j < n; j += 16) {
            const mve_pred16_t pr = vctp8q((uint32_t)(n - j));
            s = vaddvaq_p_s8(s, vldrbq_z_s8(in + j, pr), pr);
        }
        *sum = s;
    } else {
        for (j = 0; j < n; j++)
            sum[j * ostep] += in[j];
    }
}

static void max_row(const int8_t *in, int32_t n, int64_t ostep, int32_t *sum, int8_t *out)
{
    int32_t j;
    (void)sum;
    if (ostep == 1) {
        for (j = 0; j < n; j += 16) {
            const mve_pred16_t pr = vctp8q((uint32_t)(n - j));
            vstrbq_p_s8(out + j, vmaxq_s8(vldrbq_z_s8(out + j, pr), vldrbq_z_s8(in + j, pr)), pr);
        }
    } else if (ostep == 0) {
        int8_t m = *out;
        for (j = 0; j < n; j += 16) {
            const mve_pred16_t pr = vctp8q((uint32_t)(n - j));
            m = vmaxvq_p_s8(m, vldrbq_z_s8(in + j, pr), pr);
        }
        *out = m;
    } else {
        for (j = 0; j < n; j++)
            if (in[j] > out[j * ostep])
                out[j * ostep] = in[j];
    }
}

/* Every innermost row of the input with the output index of its first element. */
static void reduce_rows(const rppg_q8_reduce *p, const int8_t *in, int32_t *sum, int8_t *out,
                        reduce_row_fn row)
{
    int32_t idx[RPPG_Q8_MAX_RANK] = {0};
    const int last = p->rank - 1;
    const int32_t n = last >= 0 ? p->in_dims[last] : 1;
    const int64_t ostep = last >= 0 ? p->out_stride[last] : 0;
    size_t o = 0;
    int d;
    for (d = 0; d <= last; d++)
        if (p->in_dims[d] <= 0)
            return;
    for (;;) {
        row(in, n, ostep, sum ? sum + o : NULL, out ? out + o : NULL);
        in += n;
        for (d = last - 1; d >= 0; d--) {
            o += (size_t)p->out_stride[d];
            if (++idx[d] < p->in_dims[d])
                break;
            o -= (size_t)p->out_stride[d] * (size_t)p->in_dims[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}
#endif

void rppg_q8_reduce_sum_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out, int32_t *sum)
{
    int32_t i;
    for (i = 0; i < p->n_out; i++)
        sum[i] = 0;
#ifdef RPPG_Q8_MVE
    reduce_rows(p, in, sum, NULL, sum_row);
    for (i = 0; i < p->n_out; i += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(p->n_out - i));
        const int32x4_t shifted = vsubq_s32(vldrwq_z_s32(sum + i, pr), vdupq_n_s32(p->in_zp * p->n_reduce));
        vstrbq_p_s32(out + i, rppg_q8_requantize4(shifted, p->mult, p->shift, p->rounding, p->out_zp, -128, 127),
                     pr);
    }
#else
    FOR_EACH_INPUT(p, o, sum[o] += in[i_]);
    for (i = 0; i < p->n_out; i++) {
        const int32_t shifted = sum[i] - p->in_zp * p->n_reduce;
        int32_t v = rppg_q8_wrap_add(rppg_q8_mbqm(shifted, p->mult, p->shift, p->rounding), p->out_zp);
        out[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    }
#endif
}

void rppg_q8_reduce_max_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->n_out; i++)
        out[i] = INT8_MIN;
#ifdef RPPG_Q8_MVE
    reduce_rows(p, in, NULL, out, max_row);
#else
    FOR_EACH_INPUT(p, o, if (in[i_] > out[o]) out[o] = in[i_]);
#endif
}

/* index of the first maximum of n values step apart (GreaterFn: a NaN never wins) */
#define DEFINE_ARG_MAX(name, T)                                                               \
    static int32_t name(const T *x, int32_t n, size_t step)                                   \
    {                                                                                         \
        int32_t i, best = 0;                                                                  \
        for (i = 1; i < n; i++)                                                               \
            if (x[(size_t)i * step] > x[(size_t)best * step])                                 \
                best = i;                                                                     \
        return best;                                                                          \
    }
DEFINE_ARG_MAX(arg_max_i8, int8_t)
DEFINE_ARG_MAX(arg_max_f32, float)

void rppg_q8_arg_max_run(const rppg_q8_arg_max *p, const void *in, void *out)
{
    int32_t outer, inner;
    for (outer = 0; outer < p->outer; outer++)
        for (inner = 0; inner < p->inner; inner++) {
            const size_t first = (size_t)outer * p->axis_size * p->inner + inner;
            const size_t o = (size_t)outer * p->inner + inner;
            const int32_t best =
                p->in_f32 ? arg_max_f32((const float *)in + first, p->axis_size, (size_t)p->inner)
                          : arg_max_i8((const int8_t *)in + first, p->axis_size, (size_t)p->inner);
            if (p->out_int64)
                ((int64_t *)out)[o] = best;
            else
                ((int32_t *)out)[o] = best;
        }
}

#ifndef RPPG_Q8_MVE
/* every input element scatters into the outputs its filter window covers */
static void transpose_conv_acc(const rppg_q8_transpose_conv *p, const int8_t *in, int32_t *acc)
{
    const size_t k_len = (size_t)p->k_h * p->k_w * p->in_c;
    int b, iy, ix, ic, ky, kx, oc;
    for (b = 0; b < p->batches; b++)
        for (iy = 0; iy < p->in_h; iy++)
            for (ix = 0; ix < p->in_w; ix++)
                for (ic = 0; ic < p->in_c; ic++) {
                    const int32_t x =
                        in[(((size_t)b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic] - p->in_zp;
                    const int oy0 = iy * p->stride_h - p->pad_top;
                    const int ox0 = ix * p->stride_w - p->pad_left;
                    for (ky = 0; ky < p->k_h; ky++) {
                        const int oy = oy0 + ky;
                        if (oy < 0 || oy >= p->out_h)
                            continue;
                        for (kx = 0; kx < p->k_w; kx++) {
                            const int ox = ox0 + kx;
                            int32_t *a;
                            const int8_t *w;
                            if (ox < 0 || ox >= p->out_w)
                                continue;
                            a = acc + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                            w = p->weights + ((size_t)ky * p->k_w + kx) * p->in_c + ic;
                            for (oc = 0; oc < p->out_c; oc++)
                                a[oc] = (int32_t)((uint32_t)a[oc] +
                                                  (uint32_t)(x * w[(size_t)oc * k_len]));
                        }
                    }
                }
}
#endif

#ifdef RPPG_Q8_MVE
/* Helium: each input pixel's in_c values against each tap's in_c weights of an output channel
 * (contiguous in NHWC input and OHWI weights) are one VMLADAVA per 16 channels, four output
 * channels sharing each input vector; the four dot products minus their zero-point terms
 * (in_zp * sum(w) of that tap and channel, made once per call) are added to the
 * accumulators as one vector. Sums wrap as the scalar ones do, in another order. */
#define TC_MAX_ZP_TERMS 256 /* taps x output channels; more: transpose_conv_acc_mve_small */

static void tc_zp_terms(const rppg_q8_transpose_conv *p, int32_t *zpw)
{
    const int taps = p->k_h * p->k_w;
    const size_t k_len = (size_t)taps * p->in_c;
    int t, oc;
    for (t = 0; t < taps; t++)
        for (oc = 0; oc < p->out_c; oc++) {
            const int8_t *w = p->weights + oc * k_len + (size_t)t * p->in_c;
            int32_t sum = 0;
            int c;
            for (c = 0; c < p->in_c; c += 16)
                sum = vaddvaq_p_s8(sum, vldrbq_z_s8(w + c, vctp8q((uint32_t)(p->in_c - c))),
                                   vctp8q((uint32_t)(p->in_c - c)));
            zpw[t * p->out_c + oc] = (int32_t)((uint32_t)p->in_zp * (uint32_t)sum);
        }
}

/* x against the weights of output channels oc..oc+n-1 at one tap (rows k_len apart; missing
 * rows repeat the first, their lanes are not stored) */
static int32x4_t tc_dot4(const int8_t *x, const int8_t *w, size_t k_len, int in_c, int n)
{
    const int8_t *w1 = w + (n > 1 ? k_len : 0), *w2 = w + (n > 2 ? 2 * k_len : 0), *w3 = w + (n > 3 ? 3 * k_len : 0);
    int32_t d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    int32x4_t v;
    int c;
    for (c = 0; c < in_c; c += 16) {
        const mve_pred16_t pr = vctp8q((uint32_t)(in_c - c));
        const int8x16_t xv = vldrbq_z_s8(x + c, pr);
        d0 = vmladavaq_s8(d0, xv, vldrbq_z_s8(w + c, pr));
        d1 = vmladavaq_s8(d1, xv, vldrbq_z_s8(w1 + c, pr));
        d2 = vmladavaq_s8(d2, xv, vldrbq_z_s8(w2 + c, pr));
        d3 = vmladavaq_s8(d3, xv, vldrbq_z_s8(w3 + c, pr));
    }
    v = vdupq_n_s32(d0);
    v = vsetq_lane_s32(d1, v, 1);
    v = vsetq_lane_s32(d2, v, 2);
    return vsetq_lane_s32(d3, v, 3);
}

static void transpose_conv_acc_mve(const rppg_q8_transpose_conv *p, const int8_t *in, int32_t *acc)
{
    const int in_c = p->in_c, out_c = p->out_c;
    const size_t k_len = (size_t)p->k_h * p->k_w * in_c;
    int32_t zpw[TC_MAX_ZP_TERMS];
    int b, iy, ix, ky, kx, oc;
    tc_zp_terms(p, zpw);
    for (b = 0; b < p->batches; b++)
        for (iy = 0; iy < p->in_h; iy++)
            for (ix = 0; ix < p->in_w; ix++) {
                const int8_t *x = in + (((size_t)b * p->in_h + iy) * p->in_w + ix) * in_c;
                const int oy0 = iy * p->stride_h - p->pad_top, ox0 = ix * p->stride_w - p->pad_left;
                for (ky = 0; ky < p->k_h; ky++) {
                    const int oy = oy0 + ky;
                    if (oy < 0 || oy >= p->out_h)
                        continue;
                    for (kx = 0; kx < p->k_w; kx++) {
                        const int ox = ox0 + kx, t = ky * p->k_w + kx;
                        const int8_t *w = p->weights + (size_t)t * in_c;
                        int32_t *a;
                        if (ox < 0 || ox >= p->out_w)
                            continue;
                        a = acc + (((size_t)b * p->out_h + oy) * p->out_w + ox) * out_c;
                        for (oc = 0; oc < out_c; oc += 4) {
                            const int n = out_c - oc < 4 ? out_c - oc : 4;
                            const mve_pred16_t live = vctp32q((uint32_t)n);
                            const int32x4_t d = vsubq_s32(tc_dot4(x, w + oc * k_len, k_len, in_c, n),
                                                          vldrwq_z_s32(zpw + t * out_c + oc, live));
                            vstrwq_p_s32(a + oc, vaddq_s32(vldrwq_z_s32(a + oc, live), d), live);
                        }
                    }
                }
            }
}

/* Kernels with more than TC_MAX_ZP_TERMS taps x output channels: one output channel at a
 * time, the zero point out as in_zp * sum(w) per dot product. */
static void transpose_conv_acc_mve_small(const rppg_q8_transpose_conv *p, const int8_t *in, int32_t *acc)
{
    const int in_c = p->in_c, out_c = p->out_c;
    const size_t k_len = (size_t)p->k_h * p->k_w * in_c;
    const int32_t in_zp = p->in_zp;
    int b, iy, ix, ky, kx, oc, c;
    for (b = 0; b < p->batches; b++)
        for (iy = 0; iy < p->in_h; iy++)
            for (ix = 0; ix < p->in_w; ix++) {
                const int8_t *x = in + (((size_t)b * p->in_h + iy) * p->in_w + ix) * in_c;
                const int oy0 = iy * p->stride_h - p->pad_top, ox0 = ix * p->stride_w - p->pad_left;
                for (ky = 0; ky < p->k_h; ky++) {
                    const int oy = oy0 + ky;
                    if (oy < 0 || oy >= p->out_h)
                        continue;
                    for (kx = 0; kx < p->k_w; kx++) {
                        const int ox = ox0 + kx;
                        const int8_t *w = p->weights + ((size_t)ky * p->k_w + kx) * in_c;
                        int32_t *a;
                        if (ox < 0 || ox >= p->out_w)
                            continue;
                        a = acc + (((size_t)b * p->out_h + oy) * p->out_w + ox) * out_c;
                        for (oc = 0; oc < out_c; oc++, w += k_len) {
                            int32_t dot = 0, wsum = 0;
                            for (c = 0; c < in_c; c += 16) {
                                const mve_pred16_t pr = vctp8q((uint32_t)(in_c - c));
                                const int8x16_t wv = vldrbq_z_s8(w + c, pr);
                                dot = vmladavaq_s8(dot, vldrbq_z_s8(x + c, pr), wv);
                                wsum = vaddvaq_s8(wsum, wv);
                            }
                            a[oc] = (int32_t)((uint32_t)a[oc] + (uint32_t)dot - (uint32_t)in_zp * (uint32_t)wsum);
                        }
                    }
                }
            }
}
#endif

void rppg_q8_transpose_conv_run(const rppg_q8_transpose_conv *p, const int8_t *in, int8_t *out,
                                int32_t *acc)
{
    const size_t n_out = (size_t)p->batches * p->out_h * p->out_w * p->out_c;
    size_t i;
#ifdef RPPG_Q8_MVE
    for (i = 0; i < n_out; i += 4)
        vstrwq_p_s32(acc + i, vdupq_n_s32(0), vctp32q((uint32_t)(n_out - i)));
    if ((long)p->k_h * p->k_w * p->out_c <= TC_MAX_ZP_TERMS)
        transpose_conv_acc_mve(p, in, acc);
    else
        transpose_conv_acc_mve_small(p, in, acc);
    {   /* per block of four channels: requantization parameters prepared once for all pixels */
        const size_t n_pix = n_out / (size_t)(p->out_c > 0 ? p->out_c : 1);
        size_t px;
        int c;
        for (c = 0; c < p->out_c; c += 4) {
            const int n = p->out_c - c < 4 ? p->out_c - c : 4;
            const mve_pred16_t live = vctp32q((uint32_t)n);
            const rppg_q8_lanes q = rppg_q8_lanes_prepare(p->multiplier + c, p->shift + c, n, p->rounding);
            const int32x4_t bias = p->bias ? vldrwq_z_s32(p->bias + c, live) : vdupq_n_s32(0);
            for (px = 0; px < n_pix; px++) {
                const int32x4_t v = vaddq_s32(vldrwq_z_s32(acc + px * p->out_c + c, live), bias);
                vstrbq_p_s32(out + px * p->out_c + c, rppg_q8_lanes_requantize(&q, v, p->out_zp, p->act_min, p->act_max),
                             live);
            }
        }
    }
#else
    for (i = 0; i < n_out; i++)
        acc[i] = 0;
    transpose_conv_acc(p, in, acc);
    for (i = 0; i < n_out; i++) {
        const int c = (int)(i % (size_t)p->out_c);
        int32_t v = acc[i];
        if (p->bias)
            v = (int32_t)((uint32_t)v + (uint32_t)p->bias[c]);
        v = rppg_q8_wrap_add(rppg_q8_mbqm(v, p->multiplier[c], p->shift[c], p->rounding), p->out_zp);
        out[i] = (int8_t)(v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v);
    }
#endif
}
