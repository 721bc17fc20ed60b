/* CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: per-channel int8 weights widened to
 * int16 once at prepare time, the input zero point folded into the bias, one requantization
 * per output (TFLite Micro reference kernels, integer_ops/conv.h, depthwise_conv.h,
 * fully_connected.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/simd.h"
#include "int8_ops.h"

HOT DOT_CLONES static int32_t dot16(const int16_t *restrict a, const int16_t *restrict b, int n)
{
    uint32_t acc = 0; /* wraps like the reference's int32 accumulator, without UB */
    for (int i = 0; i < n; i++)
        acc += (uint32_t)((int32_t)a[i] * b[i]);
    return (int32_t)acc;
}

/* Four output channels against one patch: the patch is loaded once for all four. */
HOT DOT_CLONES static void dot16x4(const int16_t *restrict w, int k_pad, const int16_t *restrict x,
                        int32_t acc[4])
{
    const int16_t *w0 = w, *w1 = w + k_pad, *w2 = w + 2 * k_pad, *w3 = w + 3 * k_pad;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int k = 0; k < k_pad; k++) {
        int32_t v = x[k];
        a0 += (uint32_t)(v * w0[k]);
        a1 += (uint32_t)(v * w1[k]);
        a2 += (uint32_t)(v * w2[k]);
        a3 += (uint32_t)(v * w3[k]);
    }
    acc[0] = (int32_t)a0;
    acc[1] = (int32_t)a1;
    acc[2] = (int32_t)a2;
    acc[3] = (int32_t)a3;
}

/* Requantizes one pixel's accumulators (all output channels) in one tight loop: the same
 * integer operations as rppg_q8_mbqm (runtime/int8_kernels), inlined because a call per
 * output costs a quarter of the inference; test_tfl_engine checks the two agree.
 * Multipliers are positive (QuantizeMultiplier of a positive scale): SRDHM never saturates. */
HOT DOT_CLONES static void requant_row(const prep_op *restrict p, const int32_t *restrict acc,
                                       int8_t *restrict out)
{
    int n = p->out_c;
    int32_t lo = p->act_min, hi = p->act_max, zp = p->out_zp;
    if (p->single) {
        for (int c = 0; c < n; c++) {
            int total = 31 - p->shift[c];
            int64_t r = ((int64_t)rppg_q8_wrap_add(acc[c], p->bias_adj[c]) * p->mult[c] +
                         ((int64_t)1 << (total - 1))) >> total;
            int32_t v = rppg_q8_wrap_add((int32_t)r, zp);
            out[c] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
        }
        return;
    }
    for (int c = 0; c < n; c++) {
        int32_t x = (int32_t)((uint32_t)rppg_q8_wrap_add(acc[c], p->bias_adj[c]) << p->lshift[c]);
        int64_t ab = (int64_t)x * p->mult[c];
        int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
        int32_t h = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
        int e = p->rshift[c];
        int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
        int32_t threshold = (mask >> 1) + (h < 0);
        int32_t v = rppg_q8_wrap_add((h >> e) + ((h & mask) > threshold), zp);
        out[c] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
    }
}

/* The input surrounded by its zero point, so that every tap reads a value and taps
 * outside the image contribute w * (zp - zp) = 0, exactly like skipping them. */
static const int8_t *padded_input(const prep_op *p, const int8_t *in, int8_t *buf, int b)
{
    const int8_t *src = in + (size_t)b * p->in_h * p->in_w * p->in_c;
    if (!p->needs_pad)
        return src;
    memset(buf, (int8_t)p->in_zp, (size_t)p->src_h * p->src_w * p->in_c);
    for (int y = 0; y < p->in_h; y++) {
        int py = y + p->pad_top;
        if (py < 0 || py >= p->src_h)
            continue;
        int x0 = 0, x1 = p->in_w;
        if (p->pad_left + x1 > p->src_w)
            x1 = p->src_w - p->pad_left;
        if (x1 <= x0)
            continue;
        memcpy(buf + ((size_t)py * p->src_w + p->pad_left + x0) * p->in_c,
               src + ((size_t)y * p->in_w + x0) * p->in_c, (size_t)(x1 - x0) * p->in_c);
    }
    return buf;
}

HOT static void run_conv(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int8_t *pad_buf = (int8_t *)(arena + p->tmp_off);
    size_t pad_bytes = p->needs_pad ? (size_t)p->src_h * p->src_w * p->in_c : 0;
    int16_t *patch = (int16_t *)(arena + p->tmp_off + ((pad_bytes + 63) & ~(size_t)63));
    int32_t *acc = (int32_t *)(patch + ((p->k_pad + 31) & ~31));
    int cin = p->in_c, src_w = p->needs_pad ? p->src_w : p->in_w, row_len = p->k_w * cin;
    for (int k = p->k_len; k < p->k_pad; k++)
        patch[k] = 0;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *src = padded_input(p, in, pad_buf, b);
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int16_t *q = patch;
                for (int ky = 0; ky < p->k_h; ky++) {
                    int y = oy * p->stride_h + ky * p->dil_h;
                    if (p->dil_w == 1) { /* the row's taps are contiguous */
                        const int8_t *s = src + ((size_t)y * src_w + ox * p->stride_w) * cin;
                        for (int k = 0; k < row_len; k++)
                            q[k] = s[k];
                        q += row_len;
                        continue;
                    }
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int x = ox * p->stride_w + kx * p->dil_w;
                        const int8_t *s = src + ((size_t)y * src_w + x) * cin;
                        for (int c = 0; c < cin; c++)
                            q[c] = s[c];
                        q += cin;
                    }
                }
                int8_t *o = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                int oc = 0;
                for (; oc + 4 <= p->out_c; oc += 4)
                    dot16x4(p->w16 + (size_t)oc * p->k_pad, p->k_pad, patch, acc + oc);
                for (; oc < p->out_c; oc++)
                    acc[oc] = dot16(p->w16 + (size_t)oc * p->k_pad, patch, p->k_pad);
                requant_row(p, acc, o);
            }
    }
}

HOT static void run_depthwise(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int8_t *pad_buf = (int8_t *)(arena + p->tmp_off);
    int cin = p->in_c, src_w = p->needs_pad ? p->src_w : p->in_w, mult = p->depth_mult;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *src = padded_input(p, in, pad_buf, b);
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int8_t *o = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (int oc = 0; oc < p->out_c; oc++) {
                    int ic = oc / mult;
                    uint32_t acc = (uint32_t)p->bias_adj[oc]; /* wraps as the reference */
                    for (int ky = 0; ky < p->k_h; ky++) {
                        int y = oy * p->stride_h + ky * p->dil_h;
                        for (int kx = 0; kx < p->k_w; kx++) {
                            int x = ox * p->stride_w + kx * p->dil_w;
                            acc += (uint32_t)((int32_t)src[((size_t)y * src_w + x) * cin + ic] *
                                   p->w16[(size_t)oc * p->k_pad + ky * p->k_w + kx]);
                        }
                    }
                    int32_t v = rq_mbqm((int32_t)acc, p->mult[oc], p->shift[oc], p->single);
                    o[oc] = clamp8(rppg_q8_wrap_add(v, p->out_zp), p->act_min, p->act_max);
                }
            }
    }
}


HOT static void run_fully_connected(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int16_t *row = (int16_t *)(arena + p->tmp_off);
    for (int k = p->k_len; k < p->k_pad; k++)
        row[k] = 0;
    for (int b = 0; b < p->batches; b++) {
        for (int k = 0; k < p->k_len; k++)
            row[k] = in[(size_t)b * p->k_len + k];
        for (int u = 0; u < p->out_c; u++) {
            int32_t acc = rppg_q8_wrap_add(p->bias_adj[u],
                                           dot16(p->w16 + (size_t)u * p->k_pad, row, p->k_pad));
            acc = rppg_q8_wrap_add(rq_mbqm(acc, p->mult[u], p->shift[u], p->single), p->out_zp);
            out[(size_t)b * p->out_c + u] = clamp8(acc, p->act_min, p->act_max);
        }
    }
}

static int conv_source(prep_ctx *c, prep_op *p)
{
    int64_t h = (int64_t)(p->out_h - 1) * p->stride_h + (int64_t)(p->k_h - 1) * p->dil_h + 1;
    int64_t w = (int64_t)(p->out_w - 1) * p->stride_w + (int64_t)(p->k_w - 1) * p->dil_w + 1;
    if (h * w * p->in_c > RQ_ENG_MAX_TMP_BYTES)
        return op_fail(c, "padded input of %lldx%lldx%d is too large", (long long)h,
                       (long long)w, p->in_c);
    p->src_h = (int)h;
    p->src_w = (int)w;
    p->needs_pad = p->pad_top > 0 || p->pad_left > 0 || p->src_h > p->in_h || p->src_w > p->in_w;
    return 0;
}

/* Per-channel multipliers, the bias folded with the input zero point, widened weights.
 * weights(oc, k) reads the k-th tap of output channel oc. */
static int conv_quant(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in, const rq_tfl_tensor *w,
                      const rq_tfl_tensor *bias, const rq_tfl_tensor *out, int per_tensor_float,
                      int (*tap)(const prep_op *, const int8_t *, int, int))
{
    int n = p->out_c;
    if (w->type != RQ_TFL_INT8 || !w->data)
        return op_fail(c, "weights %s must be constant INT8", w->name);
    if (w->q.n != 1 && w->q.n != n)
        return op_fail(c, "weights %s have %d scales for %d output channels", w->name, w->q.n, n);
    for (int i = 0; i < w->q.n; i++)
        if (w->q.zero_point[i] != 0 || !(w->q.scale[i] > 0) || !isfinite(w->q.scale[i]))
            return op_fail(c, "weights %s channel %d: zero point %lld, scale %g (symmetric, "
                              "positive scales required)", w->name, i,
                           (long long)w->q.zero_point[i], w->q.scale[i]);
    if (bias) {
        if (bias->type != RQ_TFL_INT32 || !bias->data)
            return op_fail(c, "bias %s must be constant INT32", bias->name);
        if (rq_tfl_num_elements(bias) != n)
            return op_fail(c, "bias %s has %lld entries for %d channels", bias->name,
                           (long long)rq_tfl_num_elements(bias), n);
    }
    p->k_pad = (p->k_len + 7) & ~7;
    p->mult = malloc(sizeof *p->mult * (size_t)n);
    p->shift = malloc(sizeof *p->shift * (size_t)n);
    p->lshift = malloc(sizeof *p->lshift * (size_t)n);
    p->rshift = malloc(sizeof *p->rshift * (size_t)n);
    p->bias_adj = malloc(sizeof *p->bias_adj * (size_t)n);
    p->w16 = calloc((size_t)n * (size_t)p->k_pad, sizeof *p->w16);
    if (!p->mult || !p->shift || !p->lshift || !p->rshift || !p->bias_adj || !p->w16)
        return op_fail(c, "out of memory");
    float s_in = in->q.scale[0], s_out = out->q.scale[0];
    for (int oc = 0; oc < n; oc++) {
        float s_w = w->q.scale[w->q.n == 1 ? 0 : oc];
        double real = per_tensor_float ? (double)(s_in * s_w) / (double)s_out
                                       : (double)s_in * (double)s_w / (double)s_out;
        int sh;
        if (!isfinite(real)) /* s_in * s_w overflowed float: the cast inside would be UB */
            return op_fail(c, "channel %d: multiplier %g out of range", oc, real);
        rq_quantize_multiplier(real, &p->mult[oc], &sh);
        if (sh > 30 || sh < -31)
            return op_fail(c, "channel %d: multiplier %g out of range", oc, real);
        p->shift[oc] = sh;
        p->lshift[oc] = sh > 0 ? sh : 0;
        p->rshift[oc] = sh > 0 ? 0 : -sh;
        int64_t wsum = 0;
        for (int k = 0; k < p->k_len; k++) {
            int v = tap(p, (const int8_t *)w->data, oc, k);
            p->w16[(size_t)oc * p->k_pad + k] = (int16_t)v;
            wsum += v;
        }
        int32_t b = 0;
        if (bias)
            memcpy(&b, bias->data + 4 * (size_t)oc, 4);
        /* the padded input makes every tap valid, so the zero point folds in exactly
         * (two's complement wrap-around, as the reference's int32 accumulator) */
        p->bias_adj[oc] = (int32_t)((uint32_t)b - (uint32_t)(p->in_zp * wsum));
    }
    return activation_range(c, out, c->op->opt.activation, &p->act_min, &p->act_max);
}

static int conv_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)oc * p->k_len + k];
}

static int depthwise_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)k * p->out_c + oc];
}

static int fc_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)oc * p->k_len + k];
}

/* ---- the host SIMD kernels (engine/simd.h): same bytes, packed weights ---------------- */

static void run_conv_simd(const prep_op *p, uint8_t *arena)
{
    simd_conv_run(p->kernel, (const int8_t *)cptr(&p->in, arena), (int8_t *)mptr(&p->out, arena),
                  arena + p->tmp_off);
}

static void run_depthwise_simd(const prep_op *p, uint8_t *arena)
{
    simd_dw_run(p->kernel, (const int8_t *)cptr(&p->in, arena), (int8_t *)mptr(&p->out, arena),
                arena + p->tmp_off);
}

static void conv_kernel_free(void *k)
{
    simd_conv_free(k);
}

static void dw_kernel_free(void *k)
{
    simd_dw_free(k);
}

/* The kernel's copy of the input holds every row and column the taps read and the whole
 * input (the portable path reads an unpadded input in place instead). */
static void simd_source(const prep_op *p, int *h, int *w)
{
    *h = p->src_h > p->pad_top + p->in_h ? p->src_h : p->pad_top + p->in_h;
    *w = p->src_w > p->pad_left + p->in_w ? p->src_w : p->pad_left + p->in_w;
}

/* The kernels' copies hold h x w x c elements of el bytes, with int offsets into them:
 * past the engine's scratch limit (where the planner would refuse the scratch) the
 * portable kernel runs instead, before any offset is computed. */
static int simd_too_large(int64_t h, int64_t w, int64_t c, int64_t el)
{
    return h * w * c * el > RQ_ENG_MAX_TMP_BYTES;
}

/* CONV_2D (fc 0) or FULLY_CONNECTED (fc 1, one pixel per batch row) on the SIMD kernel. */
static int prepare_conv_simd(prep_ctx *c, prep_op *p, int fc)
{
    int src_h = 1, src_w = p->batches;
    if (!fc)
        simd_source(p, &src_h, &src_w);
    if (simd_too_large(src_h, src_w, (fc ? p->k_len : p->in_c) + 3, 2))
        return 0; /* the portable kernel runs it */
    simd_conv *s = calloc(1, sizeof *s);
    int32_t *tap_off = calloc((size_t)(fc ? 1 : p->k_h * p->k_w), sizeof *tap_off);
    if (!s || !tap_off) {
        free(s);
        free(tap_off);
        return op_fail(c, "out of memory");
    }
    p->kernel = s;
    p->kernel_free = conv_kernel_free;
    *s = (simd_conv){.isa = p->simd, .single = p->single, .in_zp = p->in_zp,
                     .out_zp = p->out_zp, .act_min = p->act_min, .act_max = p->act_max,
                     .out_c = p->out_c, .stride_h = 1, .stride_w = 1, .batches = 1};
    int n_taps = 1;
    s->src_h = src_h, s->src_w = src_w;
    if (fc) {
        s->in_h = s->out_h = 1;
        s->in_w = s->out_w = p->batches;
        s->in_c = p->k_len;
    } else {
        s->batches = p->batches;
        s->in_h = p->in_h, s->in_w = p->in_w, s->in_c = p->in_c;
        s->out_h = p->out_h, s->out_w = p->out_w;
        s->stride_h = p->stride_h, s->stride_w = p->stride_w;
        s->pad_top = p->pad_top, s->pad_left = p->pad_left;
        n_taps = p->k_h * p->k_w;
        for (int ky = 0; ky < p->k_h; ky++)
            for (int kx = 0; kx < p->k_w; kx++)
                tap_off[ky * p->k_w + kx] = ky * p->dil_h * s->src_w + kx * p->dil_w;
    }
    int rc = simd_conv_pack(s, n_taps, tap_off, p->w16, p->k_pad, p->bias_adj, p->mult, p->shift);
    free(tap_off);
    if (rc)
        return op_fail(c, "out of memory");
    c->tmp_need = simd_conv_scratch(s);
    p->run = run_conv_simd;
    return 0;
}

static int prepare_depthwise_simd(prep_ctx *c, prep_op *p)
{
    int src_h, src_w;
    simd_source(p, &src_h, &src_w);
    if (simd_too_large(src_h, src_w, p->out_c + 15, 1))
        return 0; /* the portable kernel runs it */
    simd_dw *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->kernel = s;
    p->kernel_free = dw_kernel_free;
    *s = (simd_dw){.isa = p->simd, .single = p->single, .in_zp = p->in_zp, .out_zp = p->out_zp,
                   .act_min = p->act_min, .act_max = p->act_max, .batches = p->batches,
                   .in_h = p->in_h, .in_w = p->in_w, .in_c = p->in_c, .mult_c = p->depth_mult,
                   .out_h = p->out_h, .out_w = p->out_w, .out_c = p->out_c,
                   .stride_h = p->stride_h, .stride_w = p->stride_w, .pad_top = p->pad_top,
                   .pad_left = p->pad_left, .n_taps = p->k_h * p->k_w};
    s->src_h = src_h, s->src_w = src_w;
    s->tap_off = calloc((size_t)s->n_taps, sizeof *s->tap_off);
    if (!s->tap_off || simd_dw_alloc(s, p->w16, p->k_pad, p->bias_adj, p->mult, p->shift))
        return op_fail(c, "out of memory");
    for (int ky = 0; ky < p->k_h; ky++)
        for (int kx = 0; kx < p->k_w; kx++)
            s->tap_off[ky * p->k_w + kx] = (ky * p->dil_h * s->src_w + kx * p->dil_w) * s->c_pad;
    c->tmp_need = simd_dw_scratch(s);
    p->run = run_depthwise_simd;
    return 0;
}

int prepare_conv(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 3))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *w = input_tensor(c, 1),
                        *bias = input_tensor(c, 2), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (w->rank != 4)
        return op_fail(c, "weights must be 4-D OHWI");
    int depthwise = c->op->code == RQ_TFL_OP_DEPTHWISE_CONV_2D;
    const rq_tfl_options *o = &c->op->opt;
    p->dil_h = o->dilation_h;
    p->dil_w = o->dilation_w;
    if (p->dil_h < 1 || p->dil_w < 1 || p->dil_h > 4096 || p->dil_w > 4096)
        return op_fail(c, "dilation %dx%d", p->dil_h, p->dil_w);
    int out_c = depthwise ? w->shape[3] : w->shape[0];
    if (window_geometry(c, p, in, out, w->shape[1], w->shape[2], out_c))
        return -1;
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    if (depthwise) {
        if (w->shape[0] != 1 || p->in_c < 1 || out_c % p->in_c)
            return op_fail(c, "weights [%d,%d,%d,%d] do not fit %d input channels",
                           (int)w->shape[0], (int)w->shape[1], (int)w->shape[2],
                           (int)w->shape[3], p->in_c);
        p->depth_mult = out_c / p->in_c;
        if (w->q.n > 1 && w->q.quantized_dimension != 3)
            return op_fail(c, "per-channel weights must be quantized along dimension 3");
        p->k_len = p->k_h * p->k_w;
    } else {
        if (w->shape[3] != p->in_c)
            return op_fail(c, "weights have %d input channels, input has %d (groups not "
                              "supported)", (int)w->shape[3], p->in_c);
        if (w->q.n > 1 && w->q.quantized_dimension != 0)
            return op_fail(c, "per-channel weights must be quantized along dimension 0");
        p->k_len = p->k_h * p->k_w * p->in_c;
    }
    if (conv_quant(c, p, in, w, bias, out, 0, depthwise ? depthwise_tap : conv_tap))
        return -1;
    if (conv_source(c, p))
        return -1;
    size_t pad_bytes = p->needs_pad ? (size_t)p->src_h * p->src_w * p->in_c : 0;
    c->tmp_need = ((pad_bytes + 63) & ~(size_t)63) +
                  (size_t)((p->k_pad + 31) & ~31) * sizeof(int16_t) +
                  (size_t)p->out_c * sizeof(int32_t);
    p->run = depthwise ? run_depthwise : run_conv;
    if (p->simd != RQ_SIMD_OFF)
        return depthwise ? prepare_depthwise_simd(c, p) : prepare_conv_simd(c, p, 0);
    return 0;
}

int prepare_fully_connected(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 3))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *w = input_tensor(c, 1),
                        *bias = input_tensor(c, 2), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (w->rank != 2)
        return op_fail(c, "weights must be 2-D [units, depth]");
    int units = w->shape[0], depth = w->shape[1];
    int64_t n_in = rq_tfl_num_elements(in);
    if (depth < 1 || n_in % depth)
        return op_fail(c, "input of %lld elements is not a multiple of depth %d",
                       (long long)n_in, depth);
    p->batches = (int)(n_in / depth);
    if (rq_tfl_num_elements(out) != (int64_t)p->batches * units)
        return op_fail(c, "output has %lld elements, expected %lld",
                       (long long)rq_tfl_num_elements(out), (long long)p->batches * units);
    if (w->q.n > 1 && w->q.quantized_dimension != 0)
        return op_fail(c, "per-channel weights must be quantized along dimension 0");
    p->out_c = units;
    p->k_len = depth;
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    /* per-tensor: the scale product in float, as GetQuantizedConvolutionMultipler */
    if (conv_quant(c, p, in, w, bias, out, w->q.n == 1, fc_tap))
        return -1;
    c->tmp_need = (size_t)p->k_pad * sizeof(int16_t);
    p->run = run_fully_connected;
    if (p->simd != RQ_SIMD_OFF)
        return prepare_conv_simd(c, p, 1);
    return 0;
}
