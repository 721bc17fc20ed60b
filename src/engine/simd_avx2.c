/* AVX2 kernels of the int8 engine (engine/simd.h), for x86-64 CPUs without AVX-512 VNNI.
 *
 * CONV_2D / FULLY_CONNECTED: 8 output channels per ymm of int32 accumulators; each step
 * broadcasts 2 input values (int16) of one pixel and vpmaddwd multiplies them with 2
 * weights (int16) of each channel, summing the pair into int32 (never saturates: the
 * operands are int8 values). vpmaddubsw (u8 x s8 into saturating int16) is not used: 255 *
 * 127 * 2 overflows int16. The requantization is rppg_q8_mbqm lane by lane. */
#include "engine/simd.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <string.h>

#define T256 __attribute__((target("avx2")))
#define INLINE static inline __attribute__((always_inline))

/* Double rounding on 8 lanes: see mbqm_double in simd_avx512.c. */
T256 INLINE __m256i mbqm_double(__m256i x, __m256i m, __m256i ls, __m256i rs)
{
    const __m256i half = _mm256_set1_epi64x((int64_t)1 << 30), one = _mm256_set1_epi32(1);
    x = _mm256_sllv_epi32(x, ls);
    __m256i ev = _mm256_add_epi64(_mm256_mul_epi32(x, m), half);
    __m256i od = _mm256_add_epi64(
        _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), half);
    __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(ev, 31), _mm256_slli_epi64(od, 1), 0xAA);
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rs), one);
    __m256i rem = _mm256_and_si256(h, mask);
    __m256i thr = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_srai_epi32(h, 31));
    __m256i q = _mm256_srav_epi32(h, rs);
    return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

/* Arithmetic 64-bit shift by lane counts (AVX2 has only the logical one). */
T256 INLINE __m256i srav64(__m256i v, __m256i n)
{
    __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
    return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, sign), n), sign);
}

T256 INLINE __m256i mbqm_single(__m256i x, __m256i m, __m256i tot)
{
    const __m256i one = _mm256_set1_epi64x(1), lo32 = _mm256_set1_epi64x(0xFFFFFFFF);
    __m256i te = _mm256_and_si256(tot, lo32), to = _mm256_srli_epi64(tot, 32);
    __m256i ev = _mm256_mul_epi32(x, m);
    __m256i od = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32));
    ev = srav64(_mm256_add_epi64(ev, _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one))), te);
    od = srav64(_mm256_add_epi64(od, _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one))), to);
    return _mm256_blend_epi32(ev, _mm256_slli_epi64(od, 32), 0xAA);
}

T256 void simd_mbqm_avx2(int single, const int32_t *x, const int32_t *m, const int32_t *shift,
                         int32_t *out, int n)
{
    for (int i = 0; i < n; i += 8) {
        __m256i sh = _mm256_loadu_si256((const __m256i *)(const void *)(shift + i));
        __m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(x + i));
        __m256i mv = _mm256_loadu_si256((const __m256i *)(const void *)(m + i)), z = _mm256_setzero_si256(), r;
        if (single)
            r = mbqm_single(xv, mv, _mm256_sub_epi32(_mm256_set1_epi32(31), sh));
        else
            r = mbqm_double(xv, mv, _mm256_max_epi32(sh, z), _mm256_max_epi32(_mm256_sub_epi32(z, sh), z));
        _mm256_storeu_si256((__m256i *)(void *)(out + i), r);
    }
}

typedef struct rq8 {
    __m256i bias, m, ls, rs, tot, zp, lo, hi;
    int single;
} rq8;

T256 INLINE rq8 rq8_load(const int32_t *bias, const int32_t *m, const int32_t *ls,
                         const int32_t *rs, const int32_t *tot, int single, int32_t zp,
                         int32_t lo, int32_t hi)
{
    rq8 r;
    r.bias = bias ? _mm256_loadu_si256((const __m256i *)(const void *)bias) : _mm256_setzero_si256();
    r.m = _mm256_loadu_si256((const __m256i *)(const void *)m);
    r.ls = _mm256_loadu_si256((const __m256i *)(const void *)ls);
    r.rs = _mm256_loadu_si256((const __m256i *)(const void *)rs);
    r.tot = _mm256_loadu_si256((const __m256i *)(const void *)tot);
    r.zp = _mm256_set1_epi32(zp);
    r.lo = _mm256_set1_epi32(lo);
    r.hi = _mm256_set1_epi32(hi);
    r.single = single;
    return r;
}

/* Clamped int32 lanes (already in int8 range) to 8 bytes; n (1..8) stored. */
T256 INLINE void store8(int8_t *o, __m256i v, int n)
{
    __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    w = _mm_packs_epi16(w, w);
    if (n == 8) {
        _mm_storel_epi64((__m128i *)(void *)o, w);
        return;
    }
    int8_t tmp[16];
    _mm_storeu_si128((__m128i *)(void *)tmp, w);
    memcpy(o, tmp, (size_t)n);
}

T256 INLINE __m256i rq8_apply(const rq8 *r, __m256i acc)
{
    __m256i x = _mm256_add_epi32(acc, r->bias);
    x = r->single ? mbqm_single(x, r->m, r->tot) : mbqm_double(x, r->m, r->ls, r->rs);
    x = _mm256_add_epi32(x, r->zp);
    return _mm256_min_epi32(_mm256_max_epi32(x, r->lo), r->hi);
}

T256 INLINE __m256i bcast4(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

T256 INLINE void conv_store(const simd_conv *s, int blk, __m256i acc, int8_t *out)
{
    const int c0 = blk * 8, n = s->out_c - c0 < 8 ? s->out_c - c0 : 8;
    const rq8 r = rq8_load(s->bias + c0, s->mult + c0, s->lshift + c0, s->rshift + c0,
                           s->total + c0, s->single, s->out_zp, s->act_min, s->act_max);
    store8(out + c0, rq8_apply(&r, acc), n);
}

/* acc += v; as inline asm under GCC, whose allocator otherwise copies every accumulator
 * to a new register each step. */
T256 INLINE __m256i acc_add(__m256i acc, __m256i v)
{
#if defined(__GNUC__) && !defined(__clang__)
    __asm__("vpaddd %1, %0, %0" : "+x"(acc) : "x"(v));
    return acc;
#else
    return _mm256_add_epi32(acc, v);
#endif
}

/* Tiles of P pixels x B blocks of 8 channels, one named accumulator each (arrays of vectors
 * make GCC copy registers around every step). */
#define REP6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define REP8(X) REP6(X) X(6) X(7)
#define ZERO_A(i) __m256i a##i = _mm256_setzero_si256();
#define ZERO_B(i) __m256i b##i = _mm256_setzero_si256();
#define PTR(i) const int16_t *p##i = pix[i];
#define DOT_A(i) a##i = acc_add(a##i, _mm256_madd_epi16(bcast4(p##i + off), w0));
#define DOT_AB(i)                                                                            \
    {                                                                                        \
        const __m256i x = bcast4(p##i + off);                                                \
        a##i = acc_add(a##i, _mm256_madd_epi16(x, w0));                             \
        b##i = acc_add(b##i, _mm256_madd_epi16(x, w1));                             \
    }
#define STORE_A(i) conv_store(s, blk, a##i, out[i]);
#define STORE_B(i) conv_store(s, blk + 1, b##i, out[i]);
#define W(k) _mm256_load_si256((const __m256i *)(const void *)(k))

#define TILE_1(NAME, REP)                                                                    \
    T256 static void NAME(const simd_conv *s, const int16_t *const *pix, int8_t *const *out,  \
                          int blk)                                                           \
    {                                                                                        \
        const int16_t *w = (const int16_t *)s->w + (size_t)blk * s->k_steps * 16;            \
        REP(ZERO_A) REP(PTR)                                                                 \
        for (int k = 0; k < s->k_steps; k++) {                                               \
            const int32_t off = s->step_off[k];                                              \
            const __m256i w0 = W(w + (size_t)k * 16);                                        \
            REP(DOT_A)                                                                       \
        }                                                                                    \
        REP(STORE_A)                                                                         \
    }

#define TILE_2(NAME, REP)                                                                    \
    T256 static void NAME(const simd_conv *s, const int16_t *const *pix, int8_t *const *out,  \
                          int blk)                                                           \
    {                                                                                        \
        const size_t bstride = (size_t)s->k_steps * 16;                                      \
        const int16_t *w = (const int16_t *)s->w + (size_t)blk * bstride;                    \
        REP(ZERO_A) REP(ZERO_B) REP(PTR)                                                     \
        for (int k = 0; k < s->k_steps; k++) {                                               \
            const int32_t off = s->step_off[k];                                              \
            const __m256i w0 = W(w + (size_t)k * 16), w1 = W(w + bstride + (size_t)k * 16);  \
            REP(DOT_AB)                                                                      \
        }                                                                                    \
        REP(STORE_A) REP(STORE_B)                                                            \
    }

TILE_1(conv_tile_8x1, REP8)
TILE_2(conv_tile_6x2, REP6)

T256 static void conv_one(const simd_conv *s, const int16_t *pix, int8_t *out, int blk)
{
    const int16_t *w = (const int16_t *)s->w + (size_t)blk * s->k_steps * 16;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0;
    int k = 0;
    for (; k + 2 <= s->k_steps; k += 2) {
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(bcast4(pix + s->step_off[k]),
                                                     _mm256_load_si256((const __m256i *)(const void *)(w + (size_t)k * 16))));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(bcast4(pix + s->step_off[k + 1]),
                                                     _mm256_load_si256((const __m256i *)(const void *)(w + (size_t)(k + 1) * 16))));
    }
    for (; k < s->k_steps; k++)
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(bcast4(pix + s->step_off[k]),
                                                     _mm256_load_si256((const __m256i *)(const void *)(w + (size_t)k * 16))));
    conv_store(s, blk, _mm256_add_epi32(a0, a1), out);
}

T256 void simd_conv_run_avx2(const simd_conv *s, const int16_t *src, int8_t *out)
{
    const int npix = s->out_h * s->out_w;
    const int16_t *pix[8];
    int8_t *o[8];
    for (int blk = 0; blk < s->n_blocks;) {
        const int two = s->n_blocks - blk >= 2;
        const int P = two ? 6 : 8;
        int q = 0;
        for (; q + P <= npix; q += P) {
            int oy = q / s->out_w, ox = q % s->out_w;
            for (int j = 0; j < P; j++) {
                pix[j] = src + ((size_t)oy * s->stride_h * s->src_w + (size_t)ox * s->stride_w) * s->cin_pad;
                o[j] = out + (size_t)(q + j) * s->out_c;
                if (++ox == s->out_w)
                    ox = 0, oy++;
            }
            if (two)
                conv_tile_6x2(s, pix, o, blk);
            else
                conv_tile_8x1(s, pix, o, blk);
        }
        for (; q < npix; q++) {
            int oy = q / s->out_w, ox = q % s->out_w;
            const int16_t *p = src + ((size_t)oy * s->stride_h * s->src_w + (size_t)ox * s->stride_w) * s->cin_pad;
            for (int b = 0; b <= two; b++)
                conv_one(s, p, out + (size_t)q * s->out_c, blk + b);
        }
        blk += two ? 2 : 1;
    }
}

/* ---- DEPTHWISE_CONV_2D: 8 channels a ymm, vpmaddwd of x (int32 lanes, sign-extended) with
 * w (low half): x * w + sign(x) * 0. */
T256 void simd_dw_run_avx2(const simd_dw *s, const int8_t *src, int8_t *out)
{
    const int nb = s->c_pad / 8;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int8_t *pix = src + ((size_t)oy * s->stride_h * s->src_w + (size_t)ox * s->stride_w) * s->c_pad;
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * s->out_c;
            for (int cb = 0; cb < nb; cb += 2) {
                __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)(s->bias + cb * 8));
                __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(s->bias + cb * 8 + 8));
                for (int t = 0; t < s->n_taps; t++) {
                    const int8_t *x = pix + s->tap_off[t] + cb * 8;
                    const int32_t *w = s->w + (size_t)t * s->c_pad + cb * 8;
                    __m128i xb = _mm_loadu_si128((const __m128i *)(const void *)x);
                    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_cvtepi8_epi32(xb),
                                                                _mm256_load_si256((const __m256i *)(const void *)w)));
                    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_cvtepi8_epi32(_mm_srli_si128(xb, 8)),
                                                                _mm256_load_si256((const __m256i *)(const void *)(w + 8))));
                }
                for (int h = 0; h < 2; h++) {
                    const int c0 = (cb + h) * 8;
                    if (c0 >= s->out_c)
                        break;
                    const int n = s->out_c - c0 < 8 ? s->out_c - c0 : 8;
                    const rq8 r = rq8_load(NULL, s->mult + c0, s->lshift + c0, s->rshift + c0,
                                           s->total + c0, s->single, s->out_zp, s->act_min, s->act_max);
                    store8(o + c0, rq8_apply(&r, h ? a1 : a0), n);
                }
            }
        }
}

/* ---- pools ------------------------------------------------------------------------------- */

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

/* Loads n (<= width) bytes, the rest -128 (max) or 0 (sums) from fill. */
T256 INLINE __m256i load_part(const int8_t *p, int n, int8_t fill)
{
    if (n >= 32)
        return _mm256_loadu_si256((const __m256i *)(const void *)p);
    int8_t tmp[32];
    memset(tmp, fill, sizeof tmp);
    memcpy(tmp, p, (size_t)n);
    return _mm256_loadu_si256((const __m256i *)(const void *)tmp);
}

T256 static void max_pool(const simd_pool *s, const int8_t *in, int8_t *out)
{
    const __m256i lo = _mm256_set1_epi8((char)s->act_min), hi = _mm256_set1_epi8((char)s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const window w = window_of(s, oy, ox);
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * s->c;
            for (int c = 0; c < s->c; c += 32) {
                const int n = s->c - c < 32 ? s->c - c : 32;
                __m256i m = _mm256_set1_epi8(-128);
                for (int y = w.y0; y < w.y1; y++)
                    for (int x = w.x0; x < w.x1; x++)
                        m = _mm256_max_epi8(m, load_part(in + ((size_t)y * s->in_w + x) * s->c + c, n, -128));
                m = _mm256_min_epi8(_mm256_max_epi8(m, lo), hi);
                int8_t tmp[32];
                _mm256_storeu_si256((__m256i *)(void *)tmp, m);
                memcpy(o + c, tmp, (size_t)n);
            }
        }
}

/* See rounded_average in simd_avx512.c (double division, exact after truncation). */
T256 INLINE __m256i rounded_average(__m256i sum, int count)
{
    const __m256i half = _mm256_set1_epi32(count / 2);
    __m256i pos = _mm256_cmpgt_epi32(sum, _mm256_setzero_si256());
    __m256i num = _mm256_blendv_epi8(_mm256_sub_epi32(sum, half), _mm256_add_epi32(sum, half), pos);
    const __m256d d = _mm256_set1_pd((double)count);
    __m128i lo = _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(num)), d));
    __m128i hi = _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(num, 1)), d));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

T256 static void avg_pool(const simd_pool *s, const int8_t *in, int8_t *out)
{
    const __m256i lo = _mm256_set1_epi32(s->act_min), hi = _mm256_set1_epi32(s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const window w = window_of(s, oy, ox);
            const int count = (w.y1 - w.y0) * (w.x1 - w.x0);
            int8_t *o = out + ((size_t)oy * s->out_w + ox) * s->c;
            for (int c = 0; c < s->c; c += 8) {
                const int n = s->c - c < 8 ? s->c - c : 8;
                __m256i sum = _mm256_setzero_si256();
                for (int y = w.y0; y < w.y1; y++)
                    for (int x = w.x0; x < w.x1; x++) {
                        const int8_t *p = in + ((size_t)y * s->in_w + x) * s->c + c;
                        int64_t v = 0;
                        memcpy(&v, p, (size_t)n);
                        sum = _mm256_add_epi32(sum, _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(v)));
                    }
                __m256i v = count > 0 ? rounded_average(sum, count) : sum;
                store8(o + c, _mm256_min_epi32(_mm256_max_epi32(v, lo), hi), n);
            }
        }
}

T256 void simd_pool_run_avx2(const simd_pool *s, const int8_t *in, int8_t *out)
{
    if (s->is_max)
        max_pool(s, in, out);
    else
        avg_pool(s, in, out);
}

/* ---- ADD ---------------------------------------------------------------------------------- */

T256 INLINE __m256i mbqm_scalar_params(__m256i x, int32_t m, int32_t shift, int single)
{
    if (single)
        return mbqm_single(x, _mm256_set1_epi32(m), _mm256_set1_epi32(31 - shift));
    return mbqm_double(x, _mm256_set1_epi32(m), _mm256_set1_epi32(shift > 0 ? shift : 0),
                       _mm256_set1_epi32(shift > 0 ? 0 : -shift));
}

T256 void simd_add_run_avx2(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out,
                            size_t n)
{
    const __m256i ao = _mm256_set1_epi32(s->a_offset), bo = _mm256_set1_epi32(s->b_offset);
    const __m256i oo = _mm256_set1_epi32(s->out_offset);
    const __m256i lo = _mm256_set1_epi32(s->act_min), hi = _mm256_set1_epi32(s->act_max);
    const __m128i sh = _mm_cvtsi32_si128(s->left_shift);
    for (size_t i = 0; i < n; i += 8) {
        const int k = n - i >= 8 ? 8 : (int)(n - i);
        int64_t va = 0, vb = 0;
        memcpy(&va, a + i, (size_t)k);
        memcpy(&vb, b + i, (size_t)k);
        __m256i x = _mm256_add_epi32(ao, _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(va)));
        __m256i y = _mm256_add_epi32(bo, _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(vb)));
        x = _mm256_sll_epi32(x, sh);
        y = _mm256_sll_epi32(y, sh);
        __m256i raw = _mm256_add_epi32(mbqm_scalar_params(x, s->a_mult, s->a_shift, s->single),
                                       mbqm_scalar_params(y, s->b_mult, s->b_shift, s->single));
        __m256i v = _mm256_add_epi32(mbqm_scalar_params(raw, s->out_mult, s->out_shift, s->single), oo);
        store8(out + i, _mm256_min_epi32(_mm256_max_epi32(v, lo), hi), k);
    }
}

#endif
