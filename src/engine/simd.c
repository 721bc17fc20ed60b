/* Choosing the host SIMD kernels, packing their weights at prepare time, and the ISA-neutral
 * parts of their runs (the padded input copies). The ISA loops are in simd_avx2.c and
 * simd_avx512.c. */
#include "engine/simd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RQ_SIMD_X86 1
#endif

rq_simd simd_engine_best(void)
{
    rq_simd cpu = rq_simd_cpu_level();
    return cpu == RQ_SIMD_AVX512 && !rq_simd_cpu_vnni() ? RQ_SIMD_AVX2 : cpu;
}

static void *alloc64(size_t n)
{
    n = (n + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, n ? n : 64);
    if (p)
        memset(p, 0, n ? n : 64);
    return p;
}

/* Per-channel requantization arrays padded with harmless values (multiplier 0) to n. */
static int pad_requant(int n_real, int n, const int32_t *bias, const int32_t *mult,
                       const int32_t *shift, int32_t **b, int32_t **m, int32_t **ls,
                       int32_t **rs, int32_t **tot)
{
    *b = alloc64(sizeof **b * (size_t)n);
    *m = alloc64(sizeof **m * (size_t)n);
    *ls = alloc64(sizeof **ls * (size_t)n);
    *rs = alloc64(sizeof **rs * (size_t)n);
    *tot = alloc64(sizeof **tot * (size_t)n);
    if (!*b || !*m || !*ls || !*rs || !*tot)
        return -1;
    for (int c = 0; c < n; c++) {
        int sh = c < n_real ? shift[c] : 0;
        (*b)[c] = c < n_real ? bias[c] : 0;
        (*m)[c] = c < n_real ? mult[c] : 0;
        (*ls)[c] = sh > 0 ? sh : 0;
        (*rs)[c] = sh > 0 ? 0 : -sh;
        (*tot)[c] = 31 - sh;
    }
    return 0;
}

/* ---- CONV_2D / FULLY_CONNECTED ---------------------------------------------------------- */

static int conv_lanes(rq_simd isa) { return isa == RQ_SIMD_AVX512 ? 16 : 8; }
static int conv_group(rq_simd isa) { return isa == RQ_SIMD_AVX512 ? 4 : 2; }

int simd_conv_pack(simd_conv *s, int n_taps, const int32_t *tap_off, const int16_t *w16,
                   int k_pad, const int32_t *bias_adj, const int32_t *mult, const int32_t *shift)
{
    const int lanes = conv_lanes(s->isa), g = conv_group(s->isa);
    s->cin_pad = (s->in_c + g - 1) / g * g;
    const int per_tap = s->cin_pad / g;
    s->k_steps = n_taps * per_tap;
    s->n_blocks = (s->out_c + lanes - 1) / lanes;
    const int n = s->n_blocks * lanes;
    s->step_off = alloc64(sizeof *s->step_off * (size_t)s->k_steps);
    size_t wbytes = (size_t)s->n_blocks * s->k_steps * lanes * g * (s->isa == RQ_SIMD_AVX512 ? 1 : 2);
    s->w = alloc64(wbytes);
    if (!s->step_off || !s->w ||
        pad_requant(s->out_c, n, bias_adj, mult, shift, &s->bias, &s->mult, &s->lshift,
                    &s->rshift, &s->total))
        return -1;
    for (int t = 0; t < n_taps; t++)
        for (int j = 0; j < per_tap; j++)
            s->step_off[t * per_tap + j] = tap_off[t] * s->cin_pad + j * g;
    int8_t *w8 = s->w;
    int16_t *wi = s->w;
    for (int oc = 0; oc < s->out_c; oc++) {
        int blk = oc / lanes, lane = oc % lanes;
        int64_t wsum = 0;
        for (int t = 0; t < n_taps; t++)
            for (int c = 0; c < s->in_c; c++) {
                int v = w16[(size_t)oc * k_pad + (size_t)t * s->in_c + c];
                int step = t * per_tap + c / g;
                size_t at = (((size_t)blk * s->k_steps + step) * lanes + lane) * g + c % g;
                if (s->isa == RQ_SIMD_AVX512)
                    w8[at] = (int8_t)v;
                else
                    wi[at] = (int16_t)v;
                wsum += v;
            }
        /* vpdpbusd multiplies u8 = x + 128: take 128 * sum(w) back out (wraps as int32) */
        if (s->isa == RQ_SIMD_AVX512)
            s->bias[oc] = (int32_t)((uint32_t)s->bias[oc] - (uint32_t)(128 * wsum));
    }
    return 0;
}

void simd_conv_free(simd_conv *s)
{
    if (!s)
        return;
    free(s->step_off);
    free(s->w);
    free(s->bias);
    free(s->mult);
    free(s->lshift);
    free(s->rshift);
    free(s->total);
    free(s);
}

size_t simd_conv_scratch(const simd_conv *s)
{
    size_t el = s->isa == RQ_SIMD_AVX512 ? 1 : 2;
    return (size_t)s->src_h * s->src_w * s->cin_pad * el;
}

/* The input surrounded by its zero point and its channels padded to cin_pad: u8 = x + 128
 * for vpdpbusd, int16 for vpmaddwd. Padding taps contribute w * (zp - zp) after the bias
 * fold, exactly like the portable path's padded copy. */
#if defined(__GNUC__) && !defined(__clang__)
#define COPY_HOT __attribute__((optimize("O3")))
#else
#define COPY_HOT
#endif

/* Three channels (an RGB input) into four: one 32-bit word a pixel, its fourth byte
 * anything (its weights are 0). */
COPY_HOT static void copy_rgb_u8(const int8_t *row, uint8_t *dst, int w)
{
    int x = 0;
    for (; x + 1 < w; x++) { /* the word read overlaps the next pixel, never the row's end */
        uint32_t v;
        memcpy(&v, row + 3 * x, 4);
        v ^= 0x80808080u;
        memcpy(dst + 4 * x, &v, 4);
    }
    for (int c = 0; c < 3 && x < w; c++)
        dst[4 * x + c] = (uint8_t)((uint8_t)row[3 * x + c] ^ 0x80);
}

COPY_HOT static void xor_row(const int8_t *restrict row, uint8_t *restrict dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)((uint8_t)row[i] ^ 0x80);
}

COPY_HOT static void conv_copy_u8(const simd_conv *s, const int8_t *in, uint8_t *buf)
{
    const uint8_t pad = (uint8_t)((uint8_t)s->in_zp ^ 0x80);
    memset(buf, pad, (size_t)s->src_h * s->src_w * s->cin_pad);
    for (int y = 0; y < s->in_h; y++) {
        int py = y + s->pad_top;
        if (py < 0 || py >= s->src_h)
            continue;
        const int8_t *row = in + (size_t)y * s->in_w * s->in_c;
        uint8_t *dst = buf + ((size_t)py * s->src_w + s->pad_left) * s->cin_pad;
        int w = s->in_w;
        if (s->pad_left + w > s->src_w)
            w = s->src_w - s->pad_left;
        if (s->cin_pad == s->in_c) {
            xor_row(row, dst, (size_t)w * s->in_c);
            continue;
        }
        if (s->in_c == 3 && s->cin_pad == 4) {
            copy_rgb_u8(row, dst, w);
            continue;
        }
        for (int x = 0; x < w; x++)
            for (int c = 0; c < s->in_c; c++)
                dst[(size_t)x * s->cin_pad + c] = (uint8_t)((uint8_t)row[x * s->in_c + c] ^ 0x80);
    }
}

COPY_HOT static void conv_copy_i16(const simd_conv *s, const int8_t *in, int16_t *buf)
{
    size_t n = (size_t)s->src_h * s->src_w * s->cin_pad;
    for (size_t i = 0; i < n; i++)
        buf[i] = (int16_t)s->in_zp;
    for (int y = 0; y < s->in_h; y++) {
        int py = y + s->pad_top;
        if (py < 0 || py >= s->src_h)
            continue;
        const int8_t *row = in + (size_t)y * s->in_w * s->in_c;
        int16_t *dst = buf + ((size_t)py * s->src_w + s->pad_left) * s->cin_pad;
        int w = s->in_w;
        if (s->pad_left + w > s->src_w)
            w = s->src_w - s->pad_left;
        for (int x = 0; x < w; x++)
            for (int c = 0; c < s->in_c; c++)
                dst[(size_t)x * s->cin_pad + c] = row[x * s->in_c + c];
    }
}

void simd_conv_run(const simd_conv *s, const int8_t *in, int8_t *out, uint8_t *scratch)
{
    size_t in_n = (size_t)s->in_h * s->in_w * s->in_c, out_n = (size_t)s->out_h * s->out_w * s->out_c;
    for (int b = 0; b < s->batches; b++) {
#ifdef RQ_SIMD_X86
        if (s->isa == RQ_SIMD_AVX512) {
            conv_copy_u8(s, in + b * in_n, scratch);
            simd_conv_run_avx512(s, scratch, out + b * out_n);
        } else {
            conv_copy_i16(s, in + b * in_n, (int16_t *)(void *)scratch);
            simd_conv_run_avx2(s, (const int16_t *)(const void *)scratch, out + b * out_n);
        }
#else
        (void)in, (void)out, (void)scratch, (void)in_n, (void)out_n;
        (void)conv_copy_u8, (void)conv_copy_i16;
#endif
    }
}

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------------------------- */

int simd_dw_alloc(simd_dw *s, const int16_t *w16, int k_pad, const int32_t *bias_adj,
                  const int32_t *mult, const int32_t *shift)
{
    s->c_pad = (s->out_c + 15) & ~15;
    s->w = alloc64(sizeof *s->w * (size_t)s->n_taps * s->c_pad);
    if (!s->w || pad_requant(s->out_c, s->c_pad, bias_adj, mult, shift, &s->bias, &s->mult,
                             &s->lshift, &s->rshift, &s->total))
        return -1;
    for (int t = 0; t < s->n_taps; t++)
        for (int oc = 0; oc < s->out_c; oc++) /* vpmaddwd: x * w + sign(x) * 0 */
            s->w[(size_t)t * s->c_pad + oc] = (int32_t)(uint16_t)w16[(size_t)oc * k_pad + t];
    return 0;
}

void simd_dw_free(simd_dw *s)
{
    if (!s)
        return;
    free(s->tap_off);
    free(s->w);
    free(s->bias);
    free(s->mult);
    free(s->lshift);
    free(s->rshift);
    free(s->total);
    free(s);
}

size_t simd_dw_scratch(const simd_dw *s)
{
    return (size_t)s->src_h * s->src_w * s->c_pad;
}

/* The input surrounded by its zero point, each input channel repeated depth-multiplier
 * times so that lane oc reads input channel oc / multiplier. */
COPY_HOT static void dw_copy(const simd_dw *s, const int8_t *in, int8_t *buf)
{
    memset(buf, (int8_t)s->in_zp, (size_t)s->src_h * s->src_w * s->c_pad);
    for (int y = 0; y < s->in_h; y++) {
        int py = y + s->pad_top;
        if (py < 0 || py >= s->src_h)
            continue;
        const int8_t *row = in + (size_t)y * s->in_w * s->in_c;
        int8_t *dst = buf + ((size_t)py * s->src_w + s->pad_left) * s->c_pad;
        int w = s->in_w;
        if (s->pad_left + w > s->src_w)
            w = s->src_w - s->pad_left;
        for (int x = 0; x < w; x++)
            for (int oc = 0; oc < s->out_c; oc++)
                dst[(size_t)x * s->c_pad + oc] = row[x * s->in_c + oc / s->mult_c];
    }
}

void simd_dw_run(const simd_dw *s, const int8_t *in, int8_t *out, uint8_t *scratch)
{
    size_t in_n = (size_t)s->in_h * s->in_w * s->in_c, out_n = (size_t)s->out_h * s->out_w * s->out_c;
    for (int b = 0; b < s->batches; b++) {
        dw_copy(s, in + b * in_n, (int8_t *)scratch);
#ifdef RQ_SIMD_X86
        if (s->isa == RQ_SIMD_AVX512)
            simd_dw_run_avx512(s, (const int8_t *)scratch, out + b * out_n);
        else
            simd_dw_run_avx2(s, (const int8_t *)scratch, out + b * out_n);
#else
        (void)out, (void)out_n;
#endif
    }
}

void simd_pool_run(const simd_pool *s, const int8_t *in, int8_t *out)
{
#ifdef RQ_SIMD_X86
    if (s->isa == RQ_SIMD_AVX512)
        simd_pool_run_avx512(s, in, out);
    else
        simd_pool_run_avx2(s, in, out);
#else
    (void)s, (void)in, (void)out;
#endif
}

void simd_add_run(const simd_add *s, const int8_t *a, const int8_t *b, int8_t *out, size_t n)
{
#ifdef RQ_SIMD_X86
    if (s->isa == RQ_SIMD_AVX512)
        simd_add_run_avx512(s, a, b, out, n);
    else
        simd_add_run_avx2(s, a, b, out, n);
#else
    (void)s, (void)a, (void)b, (void)out, (void)n;
#endif
}

void simd_mbqm(rq_simd isa, int single, const int32_t *x, const int32_t *m,
               const int32_t *shift, int32_t *out, int n)
{
#ifdef RQ_SIMD_X86
    if (isa == RQ_SIMD_AVX512)
        simd_mbqm_avx512(single, x, m, shift, out, n);
    else
        simd_mbqm_avx2(single, x, m, shift, out, n);
#else
    (void)isa, (void)single, (void)x, (void)m, (void)shift, (void)out, (void)n;
#endif
}
