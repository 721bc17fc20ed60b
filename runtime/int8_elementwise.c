/* Elementwise int8 operators (int8_ops.h): broadcasting two-input operators and the
 * 256-entry tables of one-input operators, with the element functions of TFLite Micro's
 * reference kernels (reference/integer_ops/add.h, mul.h, sub.h, prelu.h, leaky_relu.h,
 * hard_swish.h; micro/kernels/activations.h). */
#include "int8_ops.h"

#include <math.h>

static int32_t clamp32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* ---- broadcasting ------------------------------------------------------------------------ */

int rppg_q8_bcast_prepare(int a_rank, const int32_t *a_shape, int b_rank, const int32_t *b_shape,
                          rppg_q8_bcast *g, int32_t *out_shape, int *bad_dim)
{
    int rank = a_rank > b_rank ? a_rank : b_rank;
    int32_t ad[RPPG_Q8_MAX_RANK], bd[RPPG_Q8_MAX_RANK], od[RPPG_Q8_MAX_RANK];
    int64_t as = 1, bs = 1, ga = 0, gb = 0, gsize = 1, total = 1;
    int i, n = 0;
    if (rank > RPPG_Q8_MAX_RANK || a_rank < 0 || b_rank < 0) {
        *bad_dim = -1;
        return -1;
    }
    for (i = 0; i < rank; i++) { /* right-aligned, missing leading dims are 1 */
        ad[i] = i < rank - a_rank ? 1 : a_shape[i - (rank - a_rank)];
        bd[i] = i < rank - b_rank ? 1 : b_shape[i - (rank - b_rank)];
        /* the loop sizes and strides below are int32: refuse what they cannot hold, whoever
         * calls (the engine checks first; a hostile shape must not overflow here either) */
        if (ad[i] < 0 || bd[i] < 0) {
            *bad_dim = i;
            return -1;
        }
        total *= ad[i] > bd[i] ? ad[i] : bd[i];
        if (total > INT32_MAX) {
            *bad_dim = -1;
            return -1;
        }
        if (ad[i] == bd[i] || bd[i] == 1)
            od[i] = ad[i];
        else if (ad[i] == 1)
            od[i] = bd[i];
        else {
            *bad_dim = i;
            return -1;
        }
        out_shape[i] = od[i];
    }
    /* innermost first: each output dim > 1 either extends the current loop (both inputs
     * continue with the same step) or opens a new one */
    for (i = rank - 1; i >= 0; i--) {
        int64_t sa, sb;
        if (od[i] == 1)
            continue;
        sa = ad[i] == 1 ? 0 : as;
        sb = bd[i] == 1 ? 0 : bs;
        if (n > 0 && sa == ga * gsize && sb == gb * gsize) {
            g->dims[RPPG_Q8_MAX_RANK - n] *= od[i];
            gsize *= od[i];
        } else {
            n++;
            g->dims[RPPG_Q8_MAX_RANK - n] = od[i];
            g->a_stride[RPPG_Q8_MAX_RANK - n] = (int32_t)sa;
            g->b_stride[RPPG_Q8_MAX_RANK - n] = (int32_t)sb;
            ga = sa;
            gb = sb;
            gsize = od[i];
        }
        as *= ad[i];
        bs *= bd[i];
    }
    if (n == 0) { /* one element */
        n = 1;
        g->dims[RPPG_Q8_MAX_RANK - 1] = 1;
        g->a_stride[RPPG_Q8_MAX_RANK - 1] = 0;
        g->b_stride[RPPG_Q8_MAX_RANK - 1] = 0;
    }
    /* move the n loops to the front, outermost first */
    for (i = 0; i < n; i++) {
        g->dims[i] = g->dims[RPPG_Q8_MAX_RANK - n + i];
        g->a_stride[i] = g->a_stride[RPPG_Q8_MAX_RANK - n + i];
        g->b_stride[i] = g->b_stride[RPPG_Q8_MAX_RANK - n + i];
    }
    g->rank = n;
    return 0;
}

/* Calls row(ctx, a, a_step, b, b_step, out, n) for every innermost row of the broadcast. */
typedef void (*bcast_row_fn)(const void *ctx, const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                             ptrdiff_t bs, uint8_t *out, int32_t n);

static void bcast_for_each_row(const rppg_q8_bcast *g, size_t elem, const void *ctx,
                               const uint8_t *a, const uint8_t *b, uint8_t *out, bcast_row_fn row)
{
    int32_t idx[RPPG_Q8_MAX_RANK] = {0};
    const int last = g->rank - 1;
    const int32_t n = g->dims[last];
    ptrdiff_t ao = 0, bo = 0;
    int d;
    for (d = 0; d < g->rank; d++)
        if (g->dims[d] <= 0)
            return;
    for (;;) {
        row(ctx, a + ao * (ptrdiff_t)elem, g->a_stride[last], b + bo * (ptrdiff_t)elem,
            g->b_stride[last], out, n);
        out += (size_t)n * elem;
        for (d = last - 1; d >= 0; d--) {
            ao += g->a_stride[d];
            bo += g->b_stride[d];
            if (++idx[d] < g->dims[d])
                break;
            ao -= (ptrdiff_t)g->a_stride[d] * g->dims[d];
            bo -= (ptrdiff_t)g->b_stride[d] * g->dims[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}

/* ---- int8 two-input operators -------------------------------------------------------------- */

/* ADD and SUB: both inputs on a common scale (<< left_shift, then their multipliers), the
 * sum or difference requantized to the output (AddFunc / SubElementwise). */
static void row_add_sub(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                        ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_q8_binary *p = (const rppg_q8_binary *)ctx;
    const int8_t *a = (const int8_t *)a8, *b = (const int8_t *)b8;
    int8_t *out = (int8_t *)o8;
    const int32_t scale = (int32_t)1 << p->left_shift;
    const int sub = p->kind == RPPG_Q8_SUB;
    int32_t i;
    for (i = 0; i < n; i++) {
        const int32_t x = (p->a_offset + a[i * as]) * scale;
        const int32_t y = (p->b_offset + b[i * bs]) * scale;
        const int32_t sx = rppg_q8_mbqm(x, p->a_mult, p->a_shift, p->rounding);
        const int32_t sy = rppg_q8_mbqm(y, p->b_mult, p->b_shift, p->rounding);
        const int32_t raw = sub ? sx - sy : sx + sy;
        const int32_t v = rppg_q8_wrap_add(rppg_q8_mbqm(raw, p->out_mult, p->out_shift, p->rounding),
                                           p->out_offset);
        out[i] = (int8_t)clamp32(v, p->act_min, p->act_max);
    }
}

static void row_mul(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                    ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_q8_binary *p = (const rppg_q8_binary *)ctx;
    const int8_t *a = (const int8_t *)a8, *b = (const int8_t *)b8;
    int8_t *out = (int8_t *)o8;
    int32_t i;
    for (i = 0; i < n; i++) {
        const int32_t prod = (p->a_offset + a[i * as]) * (p->b_offset + b[i * bs]);
        const int32_t v = rppg_q8_wrap_add(rppg_q8_mbqm(prod, p->out_mult, p->out_shift, p->rounding),
                                           p->out_offset);
        out[i] = (int8_t)clamp32(v, p->act_min, p->act_max);
    }
}

static void row_max_min(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                        ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_q8_binary *p = (const rppg_q8_binary *)ctx;
    const int8_t *a = (const int8_t *)a8, *b = (const int8_t *)b8;
    int8_t *out = (int8_t *)o8;
    int32_t i;
    if (p->kind == RPPG_Q8_MAXIMUM)
        for (i = 0; i < n; i++)
            out[i] = a[i * as] > b[i * bs] ? a[i * as] : b[i * bs];
    else
        for (i = 0; i < n; i++)
            out[i] = a[i * as] < b[i * bs] ? a[i * as] : b[i * bs];
}

static void row_prelu(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                      ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_q8_binary *p = (const rppg_q8_binary *)ctx;
    const int8_t *a = (const int8_t *)a8, *b = (const int8_t *)b8;
    int8_t *out = (int8_t *)o8;
    int32_t i;
    for (i = 0; i < n; i++) {
        const int32_t x = p->a_offset + a[i * as];
        int32_t v;
        if (x >= 0)
            v = rppg_q8_mbqm(x, p->a_mult, p->a_shift, p->rounding);
        else
            v = rppg_q8_mbqm(x * (p->b_offset + b[i * bs]), p->out_mult, p->out_shift, p->rounding);
        out[i] = (int8_t)clamp32(rppg_q8_wrap_add(v, p->out_offset), p->act_min, p->act_max);
    }
}

#ifdef RPPG_Q8_MVE
/* ---- Helium: four elements per vector (int8 widened to int32), rows whose inputs step by 1
 * or repeat one value (step 0: a broadcast operand, rescaled once per row), requantized with
 * rppg_q8_mbqm4 (the scalar arithmetic lane by lane, same bits). The specialisation with
 * both steps 1 (same shapes, the common case) is inlined separately so that it has no
 * per-element tests. */

static inline int32x4_t ld4(const int8_t *p, int step1, int32_t i, mve_pred16_t pr, int32x4_t rep)
{
    return step1 ? vldrbq_z_s32(p + i, pr) : rep;
}

/* ADD and SUB as row_add_sub: x, y on the common scale, each rescaled, the sum requantized */
static inline void add_sub_mve(const rppg_q8_binary *p, const int8_t *a, int a1, const int8_t *b,
                               int b1, int8_t *out, int32_t n)
{
    const int32_t scale = (int32_t)1 << p->left_shift, a_off = p->a_offset, b_off = p->b_offset;
    const int32_t a_mult = p->a_mult, b_mult = p->b_mult, out_mult = p->out_mult;
    const int a_shift = p->a_shift, b_shift = p->b_shift, out_shift = p->out_shift;
    const int32_t out_off = p->out_offset, lo = p->act_min, hi = p->act_max;
    const rppg_q8_rounding r = p->rounding;
    const int sub = p->kind == RPPG_Q8_SUB;
    const int32x4_t sa = rppg_q8_mbqm4(vdupq_n_s32((a_off + a[0]) * scale), a_mult, a_shift, r);
    const int32x4_t sb = rppg_q8_mbqm4(vdupq_n_s32((b_off + b[0]) * scale), b_mult, b_shift, r);
    int32_t i;
    for (i = 0; i < n; i += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t sx = a1 ? rppg_q8_mbqm4(vmulq_n_s32(vaddq_n_s32(vldrbq_z_s32(a + i, pr), a_off), scale),
                                                a_mult, a_shift, r)
                                : sa;
        const int32x4_t sy = b1 ? rppg_q8_mbqm4(vmulq_n_s32(vaddq_n_s32(vldrbq_z_s32(b + i, pr), b_off), scale),
                                                b_mult, b_shift, r)
                                : sb;
        const int32x4_t raw = sub ? vsubq_s32(sx, sy) : vaddq_s32(sx, sy);
        vstrbq_p_s32(out + i, rppg_q8_requantize4(raw, out_mult, out_shift, r, out_off, lo, hi), pr);
    }
}

static inline void mul_mve(const rppg_q8_binary *p, const int8_t *a, int a1, const int8_t *b, int b1,
                           int8_t *out, int32_t n)
{
    const int32_t a_off = p->a_offset, b_off = p->b_offset, out_off = p->out_offset;
    const int32_t mult = p->out_mult, lo = p->act_min, hi = p->act_max;
    const int shift = p->out_shift;
    const rppg_q8_rounding r = p->rounding;
    const int32x4_t ra = vdupq_n_s32(a[0]), rb = vdupq_n_s32(b[0]);
    int32_t i;
    for (i = 0; i < n; i += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t x = vaddq_n_s32(ld4(a, a1, i, pr, ra), a_off);
        const int32x4_t y = vaddq_n_s32(ld4(b, b1, i, pr, rb), b_off);
        vstrbq_p_s32(out + i, rppg_q8_requantize4(vmulq_s32(x, y), mult, shift, r, out_off, lo, hi), pr);
    }
}

/* PRELU: both branches computed, the sign of x picks one per lane */
static inline void prelu_mve(const rppg_q8_binary *p, const int8_t *a, int a1, const int8_t *b,
                             int b1, int8_t *out, int32_t n)
{
    const int32_t a_off = p->a_offset, b_off = p->b_offset, out_off = p->out_offset;
    const int32_t a_mult = p->a_mult, out_mult = p->out_mult, lo = p->act_min, hi = p->act_max;
    const int a_shift = p->a_shift, out_shift = p->out_shift;
    const rppg_q8_rounding r = p->rounding;
    const int32x4_t ra = vdupq_n_s32(a[0]), rb = vdupq_n_s32(b[0]);
    int32_t i;
    for (i = 0; i < n; i += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t x = vaddq_n_s32(ld4(a, a1, i, pr, ra), a_off);
        const int32x4_t alpha = vaddq_n_s32(ld4(b, b1, i, pr, rb), b_off);
        const int32x4_t pos = rppg_q8_mbqm4(x, a_mult, a_shift, r);
        const int32x4_t neg = rppg_q8_mbqm4(vmulq_s32(x, alpha), out_mult, out_shift, r);
        int32x4_t v = vaddq_n_s32(vpselq_s32(pos, neg, vcmpgeq_n_s32(x, 0)), out_off);
        v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi));
        vstrbq_p_s32(out + i, v, pr);
    }
}

/* MAXIMUM / MINIMUM: sixteen int8 lanes */
static inline void max_min_mve(int is_max, const int8_t *a, int a1, const int8_t *b, int b1,
                               int8_t *out, int32_t n)
{
    const int8x16_t ra = vdupq_n_s8(a[0]), rb = vdupq_n_s8(b[0]);
    int32_t i;
    for (i = 0; i < n; i += 16) {
        const mve_pred16_t pr = vctp8q((uint32_t)(n - i));
        const int8x16_t x = a1 ? vldrbq_z_s8(a + i, pr) : ra, y = b1 ? vldrbq_z_s8(b + i, pr) : rb;
        vstrbq_p_s8(out + i, is_max ? vmaxq_s8(x, y) : vminq_s8(x, y), pr);
    }
}

/* The common case, rows of same-shape operands (also the rows of a per-channel operand)
 * with every shift in [-31, 0] (double rounding: TFLite's input rescales are at most 1/2,
 * the larger input's exactly 1/2, shift 0) or [-31, -1] (single rounding): rppg_q8_mbqm4's
 * arithmetic for those shifts without its tests, full vectors unpredicated and one
 * predicated tail. Double rounding: RoundingDivideByPOT's sign fix x >> 31 applies only for
 * right shifts (fix = 1 when shift < 0; a multiply by 0 or 1 keeps the loop free of
 * branches). single is a constant at each call (always_inline: every compiler with MVE
 * intrinsics has it). */
static inline __attribute__((always_inline)) int32x4_t mbqm4_fast(int32x4_t x, int32_t m, int shift, int32_t fix,
                                                                 int single)
{
    if (single)
        return vrshlq_n_s32(vqdmulhq_n_s32(x, m), shift);
    x = vqrdmulhq_n_s32(x, m);
    return vrshlq_n_s32(vqaddq_s32(x, vmulq_n_s32(vshrq_n_s32(x, 31), fix)), shift);
}

static int fast_shift(int shift, int single)
{
    return shift >= -31 && shift <= (single ? -1 : 0);
}

static inline __attribute__((always_inline)) void add_sub_same(const rppg_q8_binary *p, const int8_t *a,
                                                               const int8_t *b, int8_t *out, int32_t n,
                                                               int single)
{
    const int32_t scale = (int32_t)1 << p->left_shift, a_off = p->a_offset, b_off = p->b_offset;
    const int32_t a_mult = p->a_mult, b_mult = p->b_mult, out_mult = p->out_mult, out_off = p->out_offset;
    const int a_shift = p->a_shift, b_shift = p->b_shift, out_shift = p->out_shift;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int sub = p->kind == RPPG_Q8_SUB;
    int32_t i = 0;
    for (;;) {
        const int full = n - i >= 4;
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t x = full ? vldrbq_s32(a + i) : vldrbq_z_s32(a + i, pr);
        const int32x4_t y = full ? vldrbq_s32(b + i) : vldrbq_z_s32(b + i, pr);
        const int32x4_t sx = mbqm4_fast(vmulq_n_s32(vaddq_n_s32(x, a_off), scale), a_mult, a_shift, a_shift < 0, single);
        const int32x4_t sy = mbqm4_fast(vmulq_n_s32(vaddq_n_s32(y, b_off), scale), b_mult, b_shift, b_shift < 0, single);
        int32x4_t v = mbqm4_fast(sub ? vsubq_s32(sx, sy) : vaddq_s32(sx, sy), out_mult, out_shift, out_shift < 0, single);
        v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, out_off), lo), hi);
        if (!full) {
            if (i < n)
                vstrbq_p_s32(out + i, v, pr);
            return;
        }
        vstrbq_s32(out + i, v);
        i += 4;
    }
}

static inline __attribute__((always_inline)) void mul_same(const rppg_q8_binary *p, const int8_t *a,
                                                           const int8_t *b, int8_t *out, int32_t n, int single)
{
    const int32_t a_off = p->a_offset, b_off = p->b_offset, out_mult = p->out_mult, out_off = p->out_offset;
    const int out_shift = p->out_shift;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int32_t i = 0;
    for (;;) {
        const int full = n - i >= 4;
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t x = full ? vldrbq_s32(a + i) : vldrbq_z_s32(a + i, pr);
        const int32x4_t y = full ? vldrbq_s32(b + i) : vldrbq_z_s32(b + i, pr);
        int32x4_t v = mbqm4_fast(vmulq_s32(vaddq_n_s32(x, a_off), vaddq_n_s32(y, b_off)), out_mult, out_shift,
                                 out_shift < 0, single);
        v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, out_off), lo), hi);
        if (!full) {
            if (i < n)
                vstrbq_p_s32(out + i, v, pr);
            return;
        }
        vstrbq_s32(out + i, v);
        i += 4;
    }
}

/* PRELU of same-shape rows (also a per-channel alpha): both branches in the vector, the sign
 * of x picks one per lane. The identity multiplier may exceed 1/2 (shift > 0): double
 * rounding shifts the input left first, as rppg_q8_mbqm does (left, then right = shift if
 * negative). */
static inline __attribute__((always_inline)) void prelu_same(const rppg_q8_binary *p, const int8_t *a,
                                                             const int8_t *b, int8_t *out, int32_t n, int single)
{
    const int32_t a_off = p->a_offset, b_off = p->b_offset, out_off = p->out_offset;
    const int32_t a_mult = p->a_mult, out_mult = p->out_mult;
    const int a_left = p->a_shift > 0 ? p->a_shift : 0, a_right = p->a_shift > 0 ? 0 : p->a_shift;
    const int o_left = p->out_shift > 0 ? p->out_shift : 0, o_right = p->out_shift > 0 ? 0 : p->out_shift;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int32_t i = 0;
    for (;;) {
        const int full = n - i >= 4;
        const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
        const int32x4_t x = vaddq_n_s32(full ? vldrbq_s32(a + i) : vldrbq_z_s32(a + i, pr), a_off);
        const int32x4_t al = vaddq_n_s32(full ? vldrbq_s32(b + i) : vldrbq_z_s32(b + i, pr), b_off);
        const int32x4_t pos = mbqm4_fast(vshlq_r_s32(x, a_left), a_mult, a_right, a_right < 0, single);
        const int32x4_t neg = mbqm4_fast(vshlq_r_s32(vmulq_s32(x, al), o_left), out_mult, o_right, o_right < 0, single);
        int32x4_t v = vaddq_n_s32(vpselq_s32(pos, neg, vcmpgeq_n_s32(x, 0)), out_off);
        v = vminq_s32(vmaxq_s32(v, lo), hi);
        if (!full) {
            if (i < n)
                vstrbq_p_s32(out + i, v, pr);
            return;
        }
        vstrbq_s32(out + i, v);
        i += 4;
    }
}

/* MAXIMUM / MINIMUM of same-shape rows: sixteen lanes, full vectors unpredicated */
static void max_min_same(int is_max, const int8_t *a, const int8_t *b, int8_t *out, int32_t n)
{
    int32_t i = 0;
    if (is_max)
        for (; i + 16 <= n; i += 16)
            vstrbq_s8(out + i, vmaxq_s8(vldrbq_s8(a + i), vldrbq_s8(b + i)));
    else
        for (; i + 16 <= n; i += 16)
            vstrbq_s8(out + i, vminq_s8(vldrbq_s8(a + i), vldrbq_s8(b + i)));
    if (i < n) {
        const mve_pred16_t pr = vctp8q((uint32_t)(n - i));
        const int8x16_t x = vldrbq_z_s8(a + i, pr), y = vldrbq_z_s8(b + i, pr);
        vstrbq_p_s8(out + i, is_max ? vmaxq_s8(x, y) : vminq_s8(x, y), pr);
    }
}

/* the fast loops of same-shape rows; 0 when the row needs the general loops */
static int binary_same_fast(const rppg_q8_binary *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n)
{
    const int single = p->rounding == RPPG_Q8_ROUND_SINGLE;
    switch (p->kind) {
    case RPPG_Q8_ADD:
    case RPPG_Q8_SUB:
        if (!fast_shift(p->a_shift, single) || !fast_shift(p->b_shift, single) || !fast_shift(p->out_shift, single))
            return 0;
        if (single)
            add_sub_same(p, a, b, out, n, 1);
        else
            add_sub_same(p, a, b, out, n, 0);
        return 1;
    case RPPG_Q8_MUL:
        if (!fast_shift(p->out_shift, single))
            return 0;
        if (single)
            mul_same(p, a, b, out, n, 1);
        else
            mul_same(p, a, b, out, n, 0);
        return 1;
    case RPPG_Q8_PRELU: /* double rounding: any shift mbqm4 takes; single: right shifts only */
        if (single ? !fast_shift(p->a_shift, 1) || !fast_shift(p->out_shift, 1)
                   : p->a_shift < -31 || p->a_shift > 30 || p->out_shift < -31 || p->out_shift > 30)
            return 0;
        if (single)
            prelu_same(p, a, b, out, n, 1);
        else
            prelu_same(p, a, b, out, n, 0);
        return 1;
    case RPPG_Q8_MAXIMUM:
    case RPPG_Q8_MINIMUM:
        max_min_same(p->kind == RPPG_Q8_MAXIMUM, a, b, out, n);
        return 1;
    default:
        return 0;
    }
}

static void row_binary_mve(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                           ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_q8_binary *p = (const rppg_q8_binary *)ctx;
    const int8_t *a = (const int8_t *)a8, *b = (const int8_t *)b8;
    int8_t *out = (int8_t *)o8;
    const int same = as == 1 && bs == 1;
    if ((as != 0 && as != 1) || (bs != 0 && bs != 1)) { /* not produced by the broadcast */
        switch (p->kind) {
        case RPPG_Q8_ADD:
        case RPPG_Q8_SUB: row_add_sub(ctx, a8, as, b8, bs, o8, n); return;
        case RPPG_Q8_MUL: row_mul(ctx, a8, as, b8, bs, o8, n); return;
        case RPPG_Q8_PRELU: row_prelu(ctx, a8, as, b8, bs, o8, n); return;
        default: row_max_min(ctx, a8, as, b8, bs, o8, n); return;
        }
    }
    if (same && binary_same_fast(p, a, b, out, n))
        return;
    switch (p->kind) {
    case RPPG_Q8_ADD:
    case RPPG_Q8_SUB:
        if (same)
            add_sub_mve(p, a, 1, b, 1, out, n);
        else
            add_sub_mve(p, a, (int)as, b, (int)bs, out, n);
        break;
    case RPPG_Q8_MUL:
        if (same)
            mul_mve(p, a, 1, b, 1, out, n);
        else
            mul_mve(p, a, (int)as, b, (int)bs, out, n);
        break;
    case RPPG_Q8_PRELU:
        prelu_mve(p, a, (int)as, b, (int)bs, out, n);
        break;
    default:
        max_min_mve(p->kind == RPPG_Q8_MAXIMUM, a, (int)as, b, (int)bs, out, n);
        break;
    }
}
#endif

void rppg_q8_binary_run(const rppg_q8_binary *p, const rppg_q8_bcast *g, const int8_t *a,
                        const int8_t *b, int8_t *out)
{
    bcast_row_fn row;
#ifdef RPPG_Q8_MVE
    row = row_binary_mve;
#else
    switch (p->kind) {
    case RPPG_Q8_ADD:
    case RPPG_Q8_SUB: row = row_add_sub; break;
    case RPPG_Q8_MUL: row = row_mul; break;
    case RPPG_Q8_PRELU: row = row_prelu; break;
    default: row = row_max_min; break;
    }
#endif
    bcast_for_each_row(g, 1, p, (const uint8_t *)a, (const uint8_t *)b, (uint8_t *)out, row);
}

/* ---- float32 two-input operators ----------------------------------------------------------- */

static void row_f32(const void *ctx, const uint8_t *a8, ptrdiff_t as, const uint8_t *b8,
                    ptrdiff_t bs, uint8_t *o8, int32_t n)
{
    const rppg_f32_binary *p = (const rppg_f32_binary *)ctx;
    const float *a = (const float *)(const void *)a8, *b = (const float *)(const void *)b8;
    float *out = (float *)(void *)o8;
    int32_t i;
    for (i = 0; i < n; i++) {
        const float x = a[i * as], y = b[i * bs];
        float v;
        switch (p->kind) {
        case RPPG_Q8_ADD: v = x + y; break;
        case RPPG_Q8_SUB: v = x - y; break;
        case RPPG_Q8_MUL: v = x * y; break;
        case RPPG_Q8_MAXIMUM: v = x < y ? y : x; break; /* std::max(x, y) */
        case RPPG_Q8_MINIMUM: v = y < x ? y : x; break; /* std::min(x, y) */
        default: v = x >= 0.0f ? x : x * y; break; /* PRELU */
        }
        /* ActivationFunctionWithMinMax: min(max(v, lo), hi) */
        v = v < p->act_min ? p->act_min : v;
        out[i] = v > p->act_max ? p->act_max : v;
    }
}

void rppg_f32_binary_run(const rppg_f32_binary *p, const rppg_q8_bcast *g, const float *a,
                         const float *b, float *out)
{
    bcast_for_each_row(g, sizeof(float), p, (const uint8_t *)a, (const uint8_t *)b,
                       (uint8_t *)out, row_f32);
}

/* ---- one-input operators --------------------------------------------------------------------- */

void rppg_f32_unary_run(const rppg_f32_unary *p, const float *in, float *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const float v = in[i];
        switch (p->kind) {
        case RPPG_F32_RELU: out[i] = v < 0.0f ? 0.0f : v; break;
        case RPPG_F32_RELU6: out[i] = v > 6.0f ? 6.0f : v < 0.0f ? 0.0f : v; break;
        case RPPG_F32_LEAKY_RELU: out[i] = v > 0 ? v : v * p->alpha; break;
        default: { /* in * std::min(6, std::max(0, in + 3)) / 6 */
            const float t = v + 3;
            const float lo = 0.0f < t ? t : 0.0f;
            out[i] = v * (lo < 6.0f ? lo : 6.0f) / 6;
            break;
        }
        }
    }
}

void rppg_q8_lut_run(const rppg_q8_lut *t, const uint8_t *in, uint8_t *out, size_t n)
{
    size_t i = 0;
#ifdef RPPG_Q8_MVE
    /* Helium: sixteen lookups per gather load (VLDRB with a vector of byte offsets) */
    for (; i < n; i += 16) {
        const mve_pred16_t pr = vctp8q((uint32_t)(n - i < 16 ? n - i : 16));
        vstrbq_p_u8(out + i, vldrbq_gather_offset_z_u8(t->table, vldrbq_z_u8(in + i, pr), pr), pr);
    }
#endif
    for (; i < n; i++)
        out[i] = t->table[in[i]];
}

int32_t rppg_q8_requant_clamp_elem(const rppg_q8_requant_clamp *p, int32_t x)
{
    const int32_t v = rppg_q8_wrap_add(p->out_zp, rppg_q8_mbqm(x - p->in_zp, p->mult, p->shift,
                                                               p->rounding));
    return clamp32(v, p->lo, p->hi);
}

int8_t rppg_q8_leaky_elem(const rppg_q8_leaky *p, int8_t x)
{
    const int32_t v = x - p->in_zp;
    int32_t o = p->out_zp;
    if (v >= 0) {
        o = rppg_q8_wrap_add(o, rppg_q8_mbqm(v, p->id_mult, p->id_shift, p->rounding));
    } else {
        const int32_t m = p->alpha_mult < 0 ? -p->alpha_mult : p->alpha_mult;
        const int32_t s = rppg_q8_mbqm(v, m, p->alpha_shift, p->rounding);
        o = rppg_q8_wrap_add(o, p->alpha_mult < 0 ? (int32_t)(0u - (uint32_t)s) : s);
    }
    return (int8_t)clamp32(o, -128, 127);
}

/* ---- HARD_SWISH: 16-bit gemmlowp arithmetic ------------------------------------------------ */

static int16_t srdhm16(int16_t a, int16_t b)
{
    const int32_t ab = (int32_t)a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    if (a == b && a == INT16_MIN)
        return INT16_MAX;
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* like srdhm16 but truncating (ARM SQDMULH) */
static int16_t sdhm16(int16_t a, int16_t b)
{
    if (a == b && a == INT16_MIN)
        return INT16_MAX;
    return (int16_t)(((int32_t)a * b) / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT on int16 lanes, every intermediate kept to 16 bits */
static int16_t rdbpot16(int16_t x, int exponent)
{
    const int16_t mask = (int16_t)(((int64_t)1 << exponent) - 1);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static int16_t sat_lshift16(int16_t v, int amount)
{
    int64_t r = (int64_t)v * ((int64_t)1 << amount);
    return (int16_t)(r > INT16_MAX ? INT16_MAX : r < INT16_MIN ? INT16_MIN : r);
}

/* DownScaleInt32ToInt16Multiplier: Q31 -> Q15 rounding, saturating near 1.0 */
static int16_t downscale_mult16(int32_t m)
{
    if (m >= INT32_MAX - (1 << 15))
        return INT16_MAX;
    return (int16_t)((m + (1 << 15)) >> 16);
}

int rppg_q8_hard_swish_prepare(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
                               rppg_q8_rounding rounding, rppg_q8_hard_swish *p)
{
    const float hires_scale = (1.0f / 128.0f) * in_scale;
    const float reluish_scale = 3.0f / 32768.0f;
    /* the ratios in float, as TFLM's prepare */
    const float out_ratio = hires_scale / out_scale, reluish_ratio = hires_scale / reluish_scale;
    int32_t m;
    int e;
    p->in_zp = in_zp;
    p->out_zp = out_zp;
    if (!(out_ratio > 0 && out_ratio <= 3.0e38f && reluish_ratio > 0 && reluish_ratio <= 3.0e38f))
        return -1; /* zero, infinite or NaN */
    rppg_q8_quantize_multiplier((double)out_ratio, rounding, &m, &e);
    p->out_mult16 = downscale_mult16(m);
    p->out_exp = e;
    rppg_q8_quantize_multiplier((double)reluish_ratio, rounding, &m, &e);
    p->reluish_mult16 = downscale_mult16(m);
    p->reluish_exp = e;
    return p->out_exp <= 0 ? 0 : -1;
}

int8_t rppg_q8_hard_swish_elem(const rppg_q8_hard_swish *p, int8_t x)
{
    const int16_t in_value = (int16_t)(x - p->in_zp);
    const int16_t hires = (int16_t)(in_value * (1 << 7));
    const int16_t preshift_out = srdhm16(hires, p->out_mult16);
    int16_t reluish = hires;
    int16_t out;
    if (p->reluish_exp > 0)
        reluish = sat_lshift16(reluish, p->reluish_exp - 1);
    reluish = srdhm16(reluish, p->reluish_mult16);
    if (p->reluish_exp > 0)
        reluish = sat_lshift16(reluish, 1);
    if (p->reluish_exp < 0)
        reluish = rdbpot16(reluish, -p->reluish_exp);
    reluish = (int16_t)((reluish + (1 << 15)) >> 1); /* [-1, 1] -> [0, 1] */
    out = rdbpot16(sdhm16(reluish, preshift_out), -p->out_exp);
    out = (int16_t)(out + p->out_zp);
    return (int8_t)(out > 127 ? 127 : out < -128 ? -128 : out);
}

/* ---- TANH / LOGISTIC -------------------------------------------------------------------------- */

void rppg_q8_sigmoidal_prepare(float in_scale, int32_t in_zp, rppg_q8_rounding rounding,
                               rppg_q8_sigmoidal *p)
{
    const int input_integer_bits = 4;
    const double real = (double)in_scale * (double)(1 << (31 - input_integer_bits));
    int e = 0;
    const double q = frexp(real, &e);
    double fixed = round(q * 2147483648.0);
    double max_rescaled;
    p->in_zp = in_zp;
    /* q rounding up to 1.0 is out of int32 range (the reference's cast gives INT32_MIN) */
    p->mult = fixed >= 2147483648.0 ? INT32_MIN : (int32_t)fixed;
    p->shift = e;
    p->rounding = rounding;
    /* CalculateInputRadius(4, e, 31): floor(15 * 2^27 / 2^e) */
    max_rescaled = 15.0 * (double)(1 << (31 - input_integer_bits)) / ldexp(1.0, e);
    p->radius = max_rescaled >= 2147483647.0 ? INT32_MAX : (int32_t)floor(max_rescaled);
}

int8_t rppg_q8_tanh_elem(const rppg_q8_sigmoidal *p, int32_t x)
{
    const int32_t v = x - p->in_zp;
    int32_t out;
    if (v <= -p->radius)
        return INT8_MIN;
    if (v >= p->radius)
        return INT8_MAX;
    out = rppg_q8_rounding_divide_by_pot(
        rppg_q8_fx_tanh_q4(rppg_q8_mbqm(v, p->mult, p->shift, p->rounding)), 31 - 7);
    return (int8_t)clamp32(out, -128, 127);
}

int8_t rppg_q8_logistic_elem(const rppg_q8_sigmoidal *p, int32_t x)
{
    const int32_t v = x - p->in_zp;
    int32_t out;
    if (v <= -p->radius)
        return INT8_MIN;
    if (v >= p->radius)
        return INT8_MAX;
    out = rppg_q8_rounding_divide_by_pot(
              rppg_q8_fx_logistic_q4(rppg_q8_mbqm(v, p->mult, p->shift, p->rounding)), 31 - 8) -
          128;
    return (int8_t)clamp32(out, -128, 127);
}
