/* Host SIMD kernels of the int8 engine (x86-64: AVX2, AVX-512 VNNI), chosen once per
 * prepared engine from the CPU's features under the cap RPPGQ_SIMD (off | avx2 | avx512,
 * common/simd.h).
 *
 * The portable C kernels (op_conv.c, op_pool.c, the MCU runtime's loops) stay the
 * reference and what the Cortex-M55 build runs; a SIMD kernel computes the same integers
 * (sums of int8 products are exact in int32 and associative, wrap-around included, and the
 * requantization is the same integer arithmetic lane by lane), so its bytes are the
 * portable kernel's, in both rounding modes. tests/unit/test_simd_kernels.c checks that on
 * random shapes and tests/integration/simd_tflm.sh against TFLite Micro with every ISA.
 *
 * Weights are re-packed once at prepare time into the layout of the chosen kernel. */
#ifndef RQ_ENGINE_SIMD_H
#define RQ_ENGINE_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* The best kernels of this CPU: AVX512 needs AVX-512 F/BW/VL/DQ and VNNI, AVX2 AVX2. */
rq_simd simd_engine_best(void);

/* ---- CONV_2D and FULLY_CONNECTED as one kernel: a 2-D int8 convolution over a padded,
 * channel-padded copy of the input (FULLY_CONNECTED = 1x1 convolution, one pixel per
 * batch row). */
typedef struct simd_conv {
    rq_simd isa;
    int single;                       /* single rounding */
    int batches, in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int stride_h, stride_w, pad_top, pad_left;
    int src_h, src_w, cin_pad;        /* the kernel's input copy */
    int k_steps;                      /* dword (AVX-512: 4 u8) or pair (AVX2: 2 int16) steps */
    int n_blocks;                     /* output channel blocks of `lanes` */
    int32_t *step_off;                /* element offset of each step from a pixel's origin */
    void *w;                          /* packed weights, 64-byte aligned */
    /* per output channel, padded to n_blocks * lanes */
    int32_t *bias;                    /* bias - in_zp * sum(w), and - 128 * sum(w) (AVX-512) */
    int32_t *mult, *lshift, *rshift, *total; /* total = 31 - shift (single rounding) */
    int32_t in_zp, out_zp, act_min, act_max;
} simd_conv;

/* Packs the weights for s->isa (geometry and requantization fields set before): w16 holds
 * the portable path's widened weights, row oc at oc * k_pad, tap t's channel c at
 * t * in_c + c; tap t lies tap_off[t] pixels (of the padded copy) from an output's
 * origin. bias_adj is the portable path's folded bias (bias - in_zp * sum(w)). */
int simd_conv_pack(simd_conv *s, int n_taps, const int32_t *tap_off, const int16_t *w16,
                   int k_pad, const int32_t *bias_adj, const int32_t *mult, const int32_t *shift);
void simd_conv_free(simd_conv *s);
/* Scratch bytes the run needs (the input copy). */
size_t simd_conv_scratch(const simd_conv *s);
void simd_conv_run(const simd_conv *s, const int8_t *in, int8_t *out, uint8_t *scratch);

/* ---- DEPTHWISE_CONV_2D: output channel lanes over a padded copy whose channels are
 * already expanded by the depth multiplier. */
typedef struct simd_dw {
    rq_simd isa;
    int single;
    int batches, in_h, in_w, in_c, mult_c; /* mult_c = depth multiplier */
    int out_h, out_w, out_c;
    int stride_h, stride_w, pad_top, pad_left;
    int src_h, src_w, c_pad;           /* copy: src_h x src_w x c_pad int8 */
    int n_taps;
    int32_t *tap_off;                  /* element offset of each tap (times c_pad) */
    int32_t *w;                        /* [tap][c_pad] int32 lanes: (uint16)w, high half 0 */
    int32_t *bias, *mult, *lshift, *rshift, *total; /* padded to c_pad */
    int32_t in_zp, out_zp, act_min, act_max;
} simd_dw;
int simd_dw_alloc(simd_dw *s, const int16_t *w16, int k_pad, const int32_t *bias_adj,
                  const int32_t *mult, const int32_t *shift);
void simd_dw_free(simd_dw *s);
size_t simd_dw_scratch(const simd_dw *s);
void simd_dw_run(const simd_dw *s, const int8_t *in, int8_t *out, uint8_t *scratch);

/* ---- pools (MAX_POOL_2D, AVERAGE_POOL_2D): channel lanes, the window clipped to the
 * input as rppg_q8_max_pool / rppg_q8_avg_pool. */
typedef struct simd_pool {
    rq_simd isa;
    int is_max;
    int in_h, in_w, c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} simd_pool;
void simd_pool_run(const simd_pool *s, const int8_t *in, int8_t *out);

/* ---- ADD of two same-shape int8 tensors (no broadcasting): rppg_q8_binary's arithmetic. */
typedef struct simd_add {
    rq_simd isa;
    int single;
    int32_t a_offset, b_offset, out_offset, left_shift;
    int32_t a_mult, a_shift, b_mult, b_shift, out_mult, out_shift;
    int32_t act_min, act_max;
} simd_add;
void simd_add_run(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out, size_t n);

/* The requantization alone (for tests): out[i] = rppg_q8_mbqm(x[i], m[i], shift[i]) on n
 * (a multiple of 16) lanes with the kernels of isa. */
void simd_mbqm(rq_simd isa, int single, const int32_t *x, const int32_t *m,
               const int32_t *shift, int32_t *out, int n);
void simd_mbqm_avx512(int single, const int32_t *x, const int32_t *m, const int32_t *shift,
                      int32_t *out, int n);
void simd_mbqm_avx2(int single, const int32_t *x, const int32_t *m, const int32_t *shift,
                    int32_t *out, int n);

/* The ISA kernels (simd_avx2.c, simd_avx512.c); simd_*_run dispatch on isa. */
void simd_conv_run_avx512(const simd_conv *s, const uint8_t *src, int8_t *out);
void simd_conv_run_avx2(const simd_conv *s, const int16_t *src, int8_t *out);
void simd_dw_run_avx512(const simd_dw *s, const int8_t *src, int8_t *out);
void simd_dw_run_avx2(const simd_dw *s, const int8_t *src, int8_t *out);
void simd_pool_run_avx512(const simd_pool *s, const int8_t *in, int8_t *out);
void simd_pool_run_avx2(const simd_pool *s, const int8_t *in, int8_t *out);
void simd_add_run_avx512(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out,
                         size_t n);
void simd_add_run_avx2(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out,
                       size_t n);

#endif
