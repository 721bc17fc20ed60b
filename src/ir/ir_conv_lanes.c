/* The float executor's convolution in vector lanes: see ir_conv_lanes.h. The kernel is
 * written once (ir_conv_lanes.inc) and compiled twice: 4 doubles per vector for AVX2 + FMA
 * (16 registers), 8 for AVX-512 (32 registers). */
#include "ir/ir_conv_lanes.h"

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

/* Weights as doubles, [kh][kw][ic][Op]: a tap's weights for consecutive output channels in
 * one vector load. Zero past cout. */
static double *pack_weights(const rq_conv_lanes_args *a, int64_t Op)
{
    double *wp = calloc((size_t)(a->kh * a->kw * a->cin * Op), sizeof(double));
    if (!wp)
        return NULL;
    for (int64_t o = 0; o < a->cout; o++)
        for (int64_t kh = 0; kh < a->kh; kh++)
            for (int64_t kw = 0; kw < a->kw; kw++)
                for (int64_t ic = 0; ic < a->cin; ic++)
                    wp[((kh * a->kw + kw) * a->cin + ic) * Op + o] =
                        (double)a->w[o * a->w_o + ic * a->w_i + kh * a->w_kh + kw * a->w_kw];
    return wp;
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

int rq_conv_lanes(const rq_conv_lanes_args *a, rq_simd level)
{
    rq_simd cpu = rq_simd_cpu_level();
    level = level < cpu ? level : cpu;
#if defined(__x86_64__)
    if (level == RQ_SIMD_OFF)
        return -1;
    int64_t Op = (a->cout + OB_PAD - 1) / OB_PAD * OB_PAD;
    double *wp = pack_weights(a, Op);
    double *bp = calloc((size_t)Op, sizeof(double));
    if (!wp || !bp) {
        free(wp), free(bp);
        return -1;
    }
    for (int64_t o = 0; a->b && o < a->cout; o++)
        bp[o] = (double)a->b[o];
    if (level == RQ_SIMD_AVX512)
        conv_avx512(a, wp, bp, Op);
    else
        conv_avx2(a, wp, bp, Op);
    free(wp), free(bp);
    return 0;
#else
    (void)a;
    return -1;
#endif
}
