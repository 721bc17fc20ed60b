/* AVX-512 (F/BW/VL) + VNNI kernels of the int8 engine (engine/simd.h). Compiled for any
 * x86-64 (target attributes), run only when simd_engine_best says the CPU has them.
 *
 * CONV_2D / FULLY_CONNECTED: 16 output channels per zmm of int32 accumulators; each step
 * broadcasts 4 input bytes (u8 = x + 128) of one pixel and vpdpbusd adds their 4 products
 * with 4 weights (s8) of each of the 16 channels. A tile keeps P pixels x B channel blocks
 * of accumulators in registers. The requantization is the scalar integer arithmetic of
 * rppg_q8_mbqm lane by lane (64-bit products on even and odd lanes). */
#include "engine/simd.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <string.h>

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

/* rppg_q8_mbqm on 16 lanes, double rounding: x << ls, SaturatingRoundingDoublingHighMul
 * (for a multiplier >= 0 it is floor((x*m + 2^30) / 2^31): the reference's nudge and
 * truncating division give exactly that for both signs; it never saturates), then
 * RoundingDivideByPOT by rs. */
T512 INLINE __m512i mbqm_double(__m512i x, __m512i m, __m512i ls, __m512i rs)
{
    const __m512i half = _mm512_set1_epi64((int64_t)1 << 30), one = _mm512_set1_epi32(1);
    x = _mm512_sllv_epi32(x, ls);
    __m512i ev = _mm512_add_epi64(_mm512_mul_epi32(x, m), half);
    __m512i od = _mm512_add_epi64(
        _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), half);
    /* bits 31..62 of each product: the low half of ev >> 31, the high half of od << 1 */
    __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(ev, 31), _mm512_slli_epi64(od, 1));
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rs), one);
    __m512i rem = _mm512_and_si512(h, mask);
    __m512i thr = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(h, 31));
    __m512i q = _mm512_srav_epi32(h, rs);
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, one);
}

/* Single rounding: (x*m + 2^(tot-1)) >> tot in 64 bits, tot = 31 - shift in 1..62; the
 * low 32 bits, as the scalar cast. */
T512 INLINE __m512i mbqm_single(__m512i x, __m512i m, __m512i tot)
{
    const __m512i one = _mm512_set1_epi64(1), lo32 = _mm512_set1_epi64(0xFFFFFFFF);
    __m512i te = _mm512_and_si512(tot, lo32), to = _mm512_srli_epi64(tot, 32);
    __m512i ev = _mm512_mul_epi32(x, m);
    __m512i od = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32));
    ev = _mm512_srav_epi64(_mm512_add_epi64(ev, _mm512_sllv_epi64(one, _mm512_sub_epi64(te, one))), te);
    od = _mm512_srav_epi64(_mm512_add_epi64(od, _mm512_sllv_epi64(one, _mm512_sub_epi64(to, one))), to);
    return _mm512_mask_blend_epi32(0xAAAA, ev, _mm512_slli_epi64(od, 32));
}

T512 void simd_mbqm_avx512(int single, const int32_t *x, const int32_t *m, const int32_t *shift,
                           int32_t *out, int n)
{
    for (int i = 0; i < n; i += 16) {
        __m512i sh = _mm512_loadu_si512(shift + i), z = _mm512_setzero_si512();
        __m512i xv = _mm512_loadu_si512(x + i), mv = _mm512_loadu_si512(m + i), r;
        if (single)
            r = mbqm_single(xv, mv, _mm512_sub_epi32(_mm512_set1_epi32(31), sh));
        else
            r = mbqm_double(xv, mv, _mm512_max_epi32(sh, z), _mm512_max_epi32(_mm512_sub_epi32(z, sh), z));
        _mm512_storeu_si512(out + i, r);
    }
}

/* Per-lane requantization parameters, loaded once for a channel block. */
typedef struct rq16 {
    __m512i bias, m, ls, rs, tot, zp, lo, hi;
    int single;
} rq16;

T512 INLINE rq16 rq16_load(const int32_t *bias, const int32_t *m, const int32_t *ls,
                           const int32_t *rs, const int32_t *tot, int single, int32_t zp,
                           int32_t lo, int32_t hi)
{
    rq16 r;
    r.bias = _mm512_loadu_si512(bias);
    r.m = _mm512_loadu_si512(m);
    r.ls = _mm512_loadu_si512(ls);
    r.rs = _mm512_loadu_si512(rs);
    r.tot = _mm512_loadu_si512(tot);
    r.zp = _mm512_set1_epi32(zp);
    r.lo = _mm512_set1_epi32(lo);
    r.hi = _mm512_set1_epi32(hi);
    r.single = single;
    return r;
}

/* acc + bias, requantized, + zero point, clamped: 16 int8 in an xmm. */
T512 INLINE __m128i rq16_apply(const rq16 *r, __m512i acc)
{
    __m512i x = _mm512_add_epi32(acc, r->bias);
    x = r->single ? mbqm_single(x, r->m, r->tot) : mbqm_double(x, r->m, r->ls, r->rs);
    x = _mm512_add_epi32(x, r->zp);
    x = _mm512_min_epi32(_mm512_max_epi32(x, r->lo), r->hi);
    return _mm512_cvtepi32_epi8(x);
}

T512 INLINE rq16 conv_rq(const simd_conv *s, int blk)
{
    int c = blk * 16;
    return rq16_load(s->bias + c, s->mult + c, s->lshift + c, s->rshift + c, s->total + c,
                     s->single, s->out_zp, s->act_min, s->act_max);
}

/* acc += 4 u8 x s8 products per lane. GCC's register allocator copies accumulators
 * around the intrinsic in large tiles (the tied operand); the same instruction as inline
 * asm keeps each in its register. */
T512 INLINE __m512i dpbusd(__m512i acc, __m512i u8, __m512i s8)
{
#if defined(__GNUC__) && !defined(__clang__)
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
    return acc;
#else
    return _mm512_dpbusd_epi32(acc, u8, s8);
#endif
}

T512 INLINE __m512i bcast4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* Tiles of P pixels (origins pix[j], outputs out[j]) x B channel blocks from blk, written
 * out with one named accumulator each (arrays of vectors make GCC shuffle registers). */
#define REP4(X) X(0) X(1) X(2) X(3)
#define REP8(X) REP4(X) X(4) X(5) X(6) X(7)
#define REP12(X) REP8(X) X(8) X(9) X(10) X(11)
#define ZERO_A(i) __m512i a##i = _mm512_setzero_si512();
#define ZERO_B(i) __m512i b##i = _mm512_setzero_si512();
#define PTR(i) const uint8_t *p##i = pix[i];
#define DOT_A(i) a##i = dpbusd(a##i, bcast4(p##i + off), w0);
#define DOT_AB(i)                                                                            \
    {                                                                                        \
        const __m512i x = bcast4(p##i + off);                                                \
        a##i = dpbusd(a##i, x, w0);                                             \
        b##i = dpbusd(b##i, x, w1);                                             \
    }
#define STORE_A(i) _mm_mask_storeu_epi8(out[i] + c0, m0, rq16_apply(&r0, a##i));
#define STORE_B(i) _mm_mask_storeu_epi8(out[i] + c1, m1, rq16_apply(&r1, b##i));

T512 INLINE __mmask16 block_mask(const simd_conv *s, int blk, int *c0)
{
    *c0 = blk * 16;
    const int n = s->out_c - *c0 < 16 ? s->out_c - *c0 : 16;
    return (__mmask16)((1u << n) - 1);
}

#define TILE_1(NAME, REP)                                                                    \
    T512 static void NAME(const simd_conv *s, const uint8_t *const *pix, int8_t *const *out,  \
                          int blk)                                                           \
    {                                                                                        \
        const int8_t *w = (const int8_t *)s->w + (size_t)blk * s->k_steps * 64;              \
        REP(ZERO_A) REP(PTR)                                                                 \
        for (int k = 0; k < s->k_steps; k++) {                                               \
            const int32_t off = s->step_off[k];                                              \
            const __m512i w0 = _mm512_load_si512(w + (size_t)k * 64);                        \
            REP(DOT_A)                                                                       \
        }                                                                                    \
        int c0;                                                                              \
        const __mmask16 m0 = block_mask(s, blk, &c0);                                        \
        const rq16 r0 = conv_rq(s, blk);                                                     \
        REP(STORE_A)                                                                         \
    }

#define TILE_2(NAME, REP)                                                                    \
    T512 static void NAME(const simd_conv *s, const uint8_t *const *pix, int8_t *const *out,  \
                          int blk)                                                           \
    {                                                                                        \
        const size_t bstride = (size_t)s->k_steps * 64;                                      \
        const int8_t *w = (const int8_t *)s->w + (size_t)blk * bstride;                      \
        REP(ZERO_A) REP(ZERO_B) REP(PTR)                                                     \
        for (int k = 0; k < s->k_steps; k++) {                                               \
            const int32_t off = s->step_off[k];                                              \
            const __m512i w0 = _mm512_load_si512(w + (size_t)k * 64);                        \
            const __m512i w1 = _mm512_load_si512(w + bstride + (size_t)k * 64);              \
            REP(DOT_AB)                                                                      \
        }                                                                                    \
        int c0, c1;                                                                          \
        const __mmask16 m0 = block_mask(s, blk, &c0), m1 = block_mask(s, blk + 1, &c1);      \
        const rq16 r0 = conv_rq(s, blk);                                                     \
        REP(STORE_A)                                                                         \
        const rq16 r1 = conv_rq(s, blk + 1);                                                 \
        REP(STORE_B)                                                                         \
    }

/* One pixel: the steps split over 4 accumulators (independent chains; the integer sum is
 * the same in any order). */
T512 INLINE void conv_one(const simd_conv *s, const uint8_t *pix, int8_t *out, int blk)
{
    const int8_t *w = (const int8_t *)s->w + (size_t)blk * s->k_steps * 64;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    int k = 0;
    for (; k + 4 <= s->k_steps; k += 4) {
        a0 = _mm512_dpbusd_epi32(a0, bcast4(pix + s->step_off[k]), _mm512_load_si512(w + (size_t)k * 64));
        a1 = _mm512_dpbusd_epi32(a1, bcast4(pix + s->step_off[k + 1]), _mm512_load_si512(w + (size_t)(k + 1) * 64));
        a2 = _mm512_dpbusd_epi32(a2, bcast4(pix + s->step_off[k + 2]), _mm512_load_si512(w + (size_t)(k + 2) * 64));
        a3 = _mm512_dpbusd_epi32(a3, bcast4(pix + s->step_off[k + 3]), _mm512_load_si512(w + (size_t)(k + 3) * 64));
    }
    for (; k < s->k_steps; k++)
        a0 = _mm512_dpbusd_epi32(a0, bcast4(pix + s->step_off[k]), _mm512_load_si512(w + (size_t)k * 64));
    a0 = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
    const rq16 r = conv_rq(s, blk);
    const int c0 = blk * 16, n = s->out_c - c0 < 16 ? s->out_c - c0 : 16;
    _mm_mask_storeu_epi8(out + c0, (__mmask16)((1u << n) - 1), rq16_apply(&r, a0));
}

TILE_1(conv_tile_12x1, REP12)
TILE_1(conv_tile_4x1, REP4)
TILE_2(conv_tile_8x2, REP8)
TILE_2(conv_tile_4x2, REP4)
T512 static void conv_one_px(const simd_conv *s, const uint8_t *pix, int8_t *out, int blk)
{
    conv_one(s, pix, out, blk);
}

/* Origins and output rows of pixels q0..q0+n-1 (flattened over out_h x out_w). */
static void tile_pointers(const simd_conv *s, const uint8_t *src, int8_t *out, int q0, int n,
                          const uint8_t **pix, int8_t **o)
{
    int oy = q0 / s->out_w, ox = q0 % s->out_w;
    for (int j = 0; j < n; j++) {
        pix[j] = src + ((size_t)oy * s->stride_h * s->src_w + (size_t)ox * s->stride_w) * s->cin_pad;
        o[j] = out + (size_t)(q0 + j) * s->out_c;
        if (++ox == s->out_w)
            ox = 0, oy++;
    }
}

T512 void simd_conv_run_avx512(const simd_conv *s, const uint8_t *src, int8_t *out)
{
    const int npix = s->out_h * s->out_w;
    const uint8_t *pix[12];
    int8_t *o[12];
    for (int blk = 0; blk < s->n_blocks;) {
        const int two = s->n_blocks - blk >= 2;
        const int P = two ? 8 : 12;
        int q = 0;
        for (; q + P <= npix; q += P) {
            tile_pointers(s, src, out, q, P, pix, o);
            if (two)
                conv_tile_8x2(s, pix, o, blk);
            else
                conv_tile_12x1(s, pix, o, blk);
        }
        for (; q + 4 <= npix; q += 4) {
            tile_pointers(s, src, out, q, 4, pix, o);
            if (two)
                conv_tile_4x2(s, pix, o, blk);
            else
                conv_tile_4x1(s, pix, o, blk);
        }
        for (; q < npix; q++) {
            tile_pointers(s, src, out, q, 1, pix, o);
            for (int b = 0; b <= two; b++)
                conv_one_px(s, pix[0], o[0], blk + b);
        }
        blk += two ? 2 : 1;
    }
}

/* ---- DEPTHWISE_CONV_2D: 16 channels a zmm, vpdpwssd of x (int32 lanes, sign-extended) with
 * w (low half) adds x * w + sign(x) * 0; up to 4 channel blocks at once. */
T512 INLINE void dw_pixel(const simd_dw *s, const int8_t *pix, int8_t *out, int cb, const int B)
{
    __m512i acc[4];
#pragma GCC unroll 4
    for (int b = 0; b < B; b++)
        acc[b] = _mm512_loadu_si512(s->bias + (cb + b) * 16);
    for (int t = 0; t < s->n_taps; t++) {
        const int8_t *x = pix + s->tap_off[t] + cb * 16;
        const int32_t *w = s->w + (size_t)t * s->c_pad + cb * 16;
#pragma GCC unroll 4
        for (int b = 0; b < B; b++)
            acc[b] = _mm512_dpwssd_epi32(acc[b], _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + b * 16))),
                                         _mm512_load_si512(w + b * 16));
    }
#pragma GCC unroll 4
    for (int b = 0; b < B; b++) {
        const int c0 = (cb + b) * 16, n = s->out_c - c0 < 16 ? s->out_c - c0 : 16;
        const rq16 r = rq16_load(s->bias + c0, s->mult + c0, s->lshift + c0, s->rshift + c0,
                                 s->total + c0, s->single, s->out_zp, s->act_min, s->act_max);
        /* the bias is in the accumulator already */
        rq16 r0 = r;
        r0.bias = _mm512_setzero_si512();
        _mm_mask_storeu_epi8(out + c0, (__mmask16)((1u << n) - 1), rq16_apply(&r0, acc[b]));
    }
}

T512 static void dw_pixel4(const simd_dw *s, const int8_t *pix, int8_t *out, int cb)
{
    dw_pixel(s, pix, out, cb, 4);
}
T512 static void dw_pixel1(const simd_dw *s, const int8_t *pix, int8_t *out, int cb)
{
    dw_pixel(s, pix, out, cb, 1);
}

T512 void simd_dw_run_avx512(const simd_dw *s, const int8_t *src, int8_t *out)
{
    const int nb = s->c_pad / 16;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int8_t *pix = src + ((size_t)oy * s->stride_h * s->src_w + (size_t)ox * s->stride_w) * s->c_pad;
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * s->out_c;
            int cb = 0;
            for (; cb + 4 <= nb; cb += 4)
                dw_pixel4(s, pix, o, cb);
            for (; cb < nb; cb++)
                dw_pixel1(s, pix, o, cb);
        }
}

/* ---- pools: 64 channels a zmm (max) or 16 (average, int32 sums) ---------------------------- */

typedef struct window {
    int y0, y1, x0, x1;
} window;

static window window_of(const simd_pool *s, int oy, int ox)
{
    const int iy0 = oy * s->stride_h - s->pad_top, ix0 = ox * s->stride_w - s->pad_left;
    window w;
    w.y0 = iy0 < 0 ? 0 : iy0;
    w.y1 = iy0 + s->k_h > s->in_h ? s->in_h : iy0 + s->k_h;
    w.x0 = ix0 < 0 ? 0 : ix0;
    w.x1 = ix0 + s->k_w > s->in_w ? s->in_w : ix0 + s->k_w;
    return w;
}

T512 __attribute__((noinline)) static void max_pool(const simd_pool *s, const int8_t *in, int8_t *out)
{
    const __m512i lo = _mm512_set1_epi8((char)s->act_min), hi = _mm512_set1_epi8((char)s->act_max);
    const int c = s->c, in_w = s->in_w;
    const size_t row = (size_t)in_w * c;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const window w = window_of(s, oy, ox);
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * c;
            const int8_t *base = in + (size_t)w.y0 * row + (size_t)w.x0 * c;
            const int nx = w.x1 - w.x0, ny = w.y1 - w.y0;
            if (c <= 16) { /* one xmm: a narrower load forwards from the conv's stores */
                const __mmask16 k = (__mmask16)((1u << c) - 1);
                __m128i m = _mm_set1_epi8(-128);
                const int8_t *r = base;
                for (int y = ny; y > 0; y--, r += row) {
                    const int8_t *q = r;
                    for (int x = nx; x > 0; x--, q += c)
                        m = _mm_max_epi8(m, _mm_maskz_loadu_epi8(k, q));
                }
                m = _mm_min_epi8(_mm_max_epi8(m, _mm512_castsi512_si128(lo)), _mm512_castsi512_si128(hi));
                _mm_mask_storeu_epi8(o, k, m);
                continue;
            }
            for (int cb = 0; cb < c; cb += 64) {
                const int n = c - cb < 64 ? c - cb : 64;
                const __mmask64 k = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
                __m512i m = _mm512_set1_epi8(-128);
                const int8_t *r = base + cb;
                for (int y = ny; y > 0; y--, r += row) {
                    const int8_t *q = r;
                    for (int x = nx; x > 0; x--, q += c)
                        m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(k, q));
                }
                _mm512_mask_storeu_epi8(o + cb, k, _mm512_min_epi8(_mm512_max_epi8(m, lo), hi));
            }
        }
}

/* sum > 0 ? (sum + count/2) / count : (sum - count/2) / count, truncating: in double the
 * quotient (|q| <= 129) is within 2^-44 of the exact one and at least 1/count (>= 2^-31)
 * from the next integer unless it is one, so truncating it gives the integer division. */
T512 INLINE __m512i rounded_average(__m512i sum, int count)
{
    const __m512i half = _mm512_set1_epi32(count / 2);
    __m512i num = _mm512_mask_blend_epi32(_mm512_cmpgt_epi32_mask(sum, _mm512_setzero_si512()),
                                          _mm512_sub_epi32(sum, half), _mm512_add_epi32(sum, half));
    const __m512d d = _mm512_set1_pd((double)count);
    __m256i lo = _mm512_cvttpd_epi32(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(num)), d));
    __m256i hi = _mm512_cvttpd_epi32(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(num, 1)), d));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

T512 static void avg_pool(const simd_pool *s, const int8_t *in, int8_t *out)
{
    const __m512i lo = _mm512_set1_epi32(s->act_min), hi = _mm512_set1_epi32(s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const window w = window_of(s, oy, ox);
            const int count = (w.y1 - w.y0) * (w.x1 - w.x0);
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * s->c;
            for (int c = 0; c < s->c; c += 16) {
                const int n = s->c - c < 16 ? s->c - c : 16;
                const __mmask16 k = (__mmask16)((1u << n) - 1);
                __m512i sum = _mm512_setzero_si512();
                for (int y = w.y0; y < w.y1; y++)
                    for (int x = w.x0; x < w.x1; x++)
                        sum = _mm512_add_epi32(sum, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(
                                                   k, in + ((size_t)y * s->in_w + x) * s->c + c)));
                __m512i v = count > 0 ? rounded_average(sum, count) : sum;
                v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
                _mm_mask_storeu_epi8(o + c, k, _mm512_cvtepi32_epi8(v));
            }
        }
}

T512 void simd_pool_run_avx512(const simd_pool *s, const int8_t *in, int8_t *out)
{
    if (s->is_max)
        max_pool(s, in, out);
    else
        avg_pool(s, in, out);
}

/* ---- ADD: rppg_q8_binary's row_add_sub on 16 lanes ------------------------------------------ */

T512 INLINE __m512i mbqm_scalar_params(__m512i x, int32_t m, int32_t shift, int single)
{
    if (single)
        return mbqm_single(x, _mm512_set1_epi32(m), _mm512_set1_epi32(31 - shift));
    return mbqm_double(x, _mm512_set1_epi32(m), _mm512_set1_epi32(shift > 0 ? shift : 0),
                       _mm512_set1_epi32(shift > 0 ? 0 : -shift));
}

T512 void simd_add_run_avx512(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out,
                              size_t n)
{
    const __m512i ao = _mm512_set1_epi32(s->a_offset), bo = _mm512_set1_epi32(s->b_offset);
    const __m512i oo = _mm512_set1_epi32(s->out_offset);
    const __m512i lo = _mm512_set1_epi32(s->act_min), hi = _mm512_set1_epi32(s->act_max);
    const __m128i sh = _mm_cvtsi32_si128(s->left_shift);
    for (size_t i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i x = _mm512_add_epi32(ao, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, a + i)));
        __m512i y = _mm512_add_epi32(bo, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, b + i)));
        x = _mm512_sll_epi32(x, sh);
        y = _mm512_sll_epi32(y, sh);
        __m512i raw = _mm512_add_epi32(mbqm_scalar_params(x, s->a_mult, s->a_shift, s->single),
                                       mbqm_scalar_params(y, s->b_mult, s->b_shift, s->single));
        __m512i v = _mm512_add_epi32(mbqm_scalar_params(raw, s->out_mult, s->out_shift, s->single), oo);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm_mask_storeu_epi8(out + i, k, _mm512_cvtepi32_epi8(v));
    }
}

#endif
