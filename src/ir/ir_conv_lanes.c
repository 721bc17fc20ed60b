/* The float executor's convolution in vector lanes: see ir_conv_lanes.h. The kernel is
 * written once (ir_conv_lanes.inc) and compiled twice: 4 doubles per vector for AVX2 + FMA
 * (16 registers), 8 for AVX-512 (32 registers). */
#include "ir/ir_conv_lanes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Contraction of acc + w * x into one FMA is wanted here: the product is exact in double
 * (see the header), so the fused and the separate add round alike. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#elif defined(__clang__)
#pragma clang fp contract(fast)
#endif

#define OB_PAD 32 /* output channels padded to whole blocks of the widest kernel */

int rq_conv_lanes_pack_new(const rq_conv_lanes_args *a, rq_conv_lanes_pack *p)
{
    p->Op = (a->cout + OB_PAD - 1) / OB_PAD * OB_PAD;
    p->w = calloc((size_t)(a->kh * a->kw * a->cin * p->Op), sizeof(double));
    p->b = calloc((size_t)p->Op, sizeof(double));
    if (!p->w || !p->b) {
        rq_conv_lanes_pack_free(p);
        return -1;
    }
    for (int64_t o = 0; o < a->cout; o++)
        for (int64_t kh = 0; kh < a->kh; kh++)
            for (int64_t kw = 0; kw < a->kw; kw++)
                for (int64_t ic = 0; ic < a->cin; ic++)
                    p->w[((kh * a->kw + kw) * a->cin + ic) * p->Op + o] =
                        (double)a->w[o * a->w_o + ic * a->w_i + kh * a->w_kh + kw * a->w_kw];
    for (int64_t o = 0; a->b && o < a->cout; o++)
        p->b[o] = (double)a->b[o];
    return 0;
}

void rq_conv_lanes_pack_free(rq_conv_lanes_pack *p)
{
    free(p->w), free(p->b);
    p->w = p->b = NULL;
}

/* Taps [*k0, *k1) whose input position base + k * step lies in [0, size): a contiguous
 * range, the taps the scalar loop does not skip. */
static void valid_taps(int64_t base, int64_t step, int64_t taps, int64_t size, int64_t *k0,
                       int64_t *k1)
{
    *k0 = 0;
    while (*k0 < taps && base + *k0 * step < 0)
        (*k0)++;
    *k1 = *k0;
    while (*k1 < taps && base + *k1 * step < size)
        (*k1)++;
}

/* Output columns [*in0, *in1) whose every kw tap is inside the input (an empty range when
 * none is). */
static void inside_pixels(const rq_conv_lanes_args *a, int64_t *in0, int64_t *in1)
{
    *in0 = 0;
    while (*in0 < a->ow && *in0 * a->sw - a->pw < 0)
        (*in0)++;
    *in1 = *in0;
    while (*in1 < a->ow && *in1 * a->sw - a->pw + (a->kw - 1) * a->dw < a->iw)
        (*in1)++;
}

/* The input as doubles (same layout): the kernel broadcasts each value to many products. */
static double *input_as_double(const rq_conv_lanes_args *a)
{
    int64_t extent = 1 + (a->n - 1) * a->xs_n + (a->cin - 1) * a->xs_c + (a->ih - 1) * a->xs_h +
                     (a->iw - 1) * a->xs_w;
    double *xd = malloc((size_t)extent * sizeof(double));
    for (int64_t i = 0; xd && i < extent; i++)
        xd[i] = (double)a->x[i];
    return xd;
}

#if defined(__x86_64__)
#define INLINE static inline __attribute__((always_inline))
#define MAX_PIXELS 8

#define LANES 8
#define SFX(name) name##_avx512
#define TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#include "ir/ir_conv_lanes.inc"
#undef LANES
#undef SFX
#undef TARGET

#define LANES 4
#define SFX(name) name##_avx2
#define TARGET __attribute__((target("avx2,fma")))
#include "ir/ir_conv_lanes.inc"
#undef LANES
#undef SFX
#undef TARGET
#endif

int rq_conv_lanes(const rq_conv_lanes_args *a, const rq_conv_lanes_pack *packed, rq_simd level)
{
    rq_simd cpu = rq_simd_cpu_level();
    level = level < cpu ? level : cpu;
#if defined(__x86_64__)
    if (level == RQ_SIMD_OFF)
        return -1;
    rq_conv_lanes_pack own = {NULL, NULL, 0};
    if (!packed && rq_conv_lanes_pack_new(a, &own) < 0)
        return -1;
    const rq_conv_lanes_pack *p = packed ? packed : &own;
    double *xd = input_as_double(a);
    if (!xd) {
        rq_conv_lanes_pack_free(&own);
        return -1;
    }
    if (level == RQ_SIMD_AVX512)
        conv_avx512(a, xd, p->w, p->b, p->Op);
    else
        conv_avx2(a, xd, p->w, p->b, p->Op);
    free(xd);
    rq_conv_lanes_pack_free(&own);
    return 0;
#else
    (void)a, (void)packed;
    return -1;
#endif
}

int rq_maxpool_lanes(const rq_conv_lanes_args *a, rq_simd level)
{
    rq_simd cpu = rq_simd_cpu_level();
    level = level < cpu ? level : cpu;
#if defined(__x86_64__)
    if (level == RQ_SIMD_OFF || a->xs_c != 1 || a->ys_c != 1)
        return -1;
    if (level == RQ_SIMD_AVX512)
        maxpool_avx512(a);
    else
        maxpool_avx2(a);
    return 0;
#else
    (void)a;
    return -1;
#endif
}
