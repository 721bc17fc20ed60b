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

void rppg_q8_reduce_sum_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out, int32_t *sum)
{
    int32_t i;
    for (i = 0; i < p->n_out; i++)
        sum[i] = 0;
    FOR_EACH_INPUT(p, o, sum[o] += in[i_]);
    for (i = 0; i < p->n_out; i++) {
        const int32_t shifted = sum[i] - p->in_zp * p->n_reduce;
        int32_t v = rppg_q8_wrap_add(rppg_q8_mbqm(shifted, p->mult, p->shift, p->rounding), p->out_zp);
        out[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    }
}

void rppg_q8_reduce_max_run(const rppg_q8_reduce *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->n_out; i++)
        out[i] = INT8_MIN;
    FOR_EACH_INPUT(p, o, if (in[i_] > out[o]) out[o] = in[i_]);
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

void rppg_q8_transpose_conv_run(const rppg_q8_transpose_conv *p, const int8_t *in, int8_t *out,
                                int32_t *acc)
{
    const size_t n_out = (size_t)p->batches * p->out_h * p->out_w * p->out_c;
    const size_t k_len = (size_t)p->k_h * p->k_w * p->in_c;
    size_t i;
    int b, iy, ix, ic, ky, kx, oc;
    for (i = 0; i < n_out; i++)
        acc[i] = 0;
    /* every input element scatters into the outputs its filter window covers */
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
    for (i = 0; i < n_out; i++) {
        const int c = (int)(i % (size_t)p->out_c);
        int32_t v = acc[i];
        if (p->bias)
            v = (int32_t)((uint32_t)v + (uint32_t)p->bias[c]);
        v = rppg_q8_wrap_add(rppg_q8_mbqm(v, p->multiplier[c], p->shift[c], p->rounding), p->out_zp);
        out[i] = (int8_t)(v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v);
    }
}
