#include "int8_dwfc.h"

#include <string.h>

/* Helium versions (RPPG_Q8_MVE, see int8_kernels.h) of both kernels, byte-identical to the
 * portable loops: integer sums in another order, requantization lane by lane. */

static int8_t clamp_out(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

static int32_t depthwise_acc(const rppg_q8_dwconv *p, const int8_t *in, int oy, int ox, int oc)
{
    const int out_c = p->in_c * p->depth_mult, ic = oc / p->depth_mult;
    int32_t acc = p->bias ? p->bias[oc] : 0;
    int ky, kx;
    for (ky = 0; ky < p->k_h; ky++) {
        const int y = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (y < 0 || y >= p->in_h)
            continue;
        for (kx = 0; kx < p->k_w; kx++) {
            const int x = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            if (x < 0 || x >= p->in_w)
                continue;
            acc += ((int32_t)in[((long)y * p->in_w + x) * p->in_c + ic] - p->in_zp) *
                   (int32_t)p->weights[((long)ky * p->k_w + kx) * out_c + oc];
        }
    }
    return acc;
}

#ifdef RPPG_Q8_MVE
/* The input offsets (bytes from a pixel's first channel) of output channels c..c+3:
 * channel oc reads input channel oc / depth_mult. */
static uint32x4_t dw_in_offsets(int c, int depth_mult)
{
    uint32_t o[4];
    int i;
    for (i = 0; i < 4; i++)
        o[i] = (uint32_t)((c + i) / depth_mult);
    return vld1q_u32(o);
}

/* The input lanes of output channels c..c+3 at one pixel: contiguous (multiplier 1) or
 * gathered from channel oc / depth_mult; full: all four lanes live (no predication). */
static inline __attribute__((always_inline)) int32x4_t dw_load(const int8_t *px, int c, int gather,
                                                              uint32x4_t offs, mve_pred16_t live, int full)
{
    if (full)
        return gather ? vldrbq_gather_offset_s32(px, offs) : vldrbq_s32(px + c);
    return gather ? vldrbq_gather_offset_z_s32(px, offs, live) : vldrbq_z_s32(px + c, live);
}

/* The taps of output position (oy, ox) that fall inside the image: rows [*ky0, *ky1),
 * columns [*kx0, *kx1) of the kernel (dilated steps), as the reference's skipping. */
static void dw_valid_taps(const rppg_q8_dwconv *p, int oy, int ox, int *ky0, int *ky1, int *kx0, int *kx1)
{
    const int y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left;
    int k;
    for (k = 0; k < p->k_h && y0 + k * p->dil_h < 0; k++)
        ;
    *ky0 = k;
    for (k = p->k_h; k > *ky0 && y0 + (k - 1) * p->dil_h >= p->in_h; k--)
        ;
    *ky1 = k;
    for (k = 0; k < p->k_w && x0 + k * p->dil_w < 0; k++)
        ;
    *kx0 = k;
    for (k = p->k_w; k > *kx0 && x0 + (k - 1) * p->dil_w >= p->in_w; k--)
        ;
    *kx1 = k;
}

/* One output position at a border: its valid taps (a rectangle of the kernel) for every
 * channel block, x * w accumulated and in_zp * sum(w) taken out, as dw_block_inside. */
static inline __attribute__((always_inline)) void dw_position(const rppg_q8_dwconv *p, const int8_t *in, int oy,
                                                              int ox, int gather, int8_t *o)
{
    const int in_c = p->in_c, c_all = in_c * p->depth_mult;
    const int y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left;
    int ky0, ky1, kx0, kx1, ky, kx, c;
    dw_valid_taps(p, oy, ox, &ky0, &ky1, &kx0, &kx1);
    for (c = 0; c < c_all; c += 4) {
        const int n = c_all - c < 4 ? c_all - c : 4;
        const mve_pred16_t live = vctp32q((uint32_t)n);
        const uint32x4_t offs = gather ? dw_in_offsets(c, p->depth_mult) : vdupq_n_u32(0);
        int32x4_t acc = p->bias ? vldrwq_z_s32(p->bias + c, live) : vdupq_n_s32(0), wsum = vdupq_n_s32(0);
        rppg_q8_lanes q;
        for (ky = ky0; ky < ky1; ky++) {
            const int8_t *px = in + (((long)y0 + (long)ky * p->dil_h) * p->in_w + x0 + (long)kx0 * p->dil_w) * in_c;
            const int8_t *w = p->weights + ((long)ky * p->k_w + kx0) * c_all + c;
            for (kx = kx0; kx < kx1; kx++, px += (long)p->dil_w * in_c, w += c_all) {
                const int32x4_t wv = vldrbq_z_s32(w, live);
                wsum = vaddq_s32(wsum, wv);
                acc = vaddq_s32(acc, vmulq_s32(dw_load(px, c, gather, offs, live, 0), wv));
            }
        }
        q = rppg_q8_lanes_prepare(p->multiplier + c, p->shift + c, n, p->rounding);
        vstrbq_p_s32(o + c, rppg_q8_lanes_requantize(&q, vsubq_s32(acc, vmulq_n_s32(wsum, p->in_zp)), p->out_zp,
                                                     p->act_min, p->act_max), live);
    }
}

/* Four output positions whose every tap lies inside px0's image (the input, or a padded
 * copy of the group's window): the taps' offsets come from a table made once per call, so
 * the tap loop has no tests; only the first npos positions are computed and stored. Four
 * output channels per vector (int8 widened to int32 by the loads; with a
 * multiplier > 1 the input lanes are gathered from channel oc / depth_mult) times four output
 * positions, which share each weight vector (the loop structure of CMSIS-NN's depthwise
 * kernels); every tap accumulates x * w and the zero point comes out once as in_zp * sum(w).
 * Four accumulators, the weights, their sum and the input: seven of MVE's eight vector
 * registers. px0: the first tap of the first position; gather is a constant at each call
 * (always_inline: every compiler with MVE intrinsics has it). */
static inline __attribute__((always_inline)) void dw_block_inside(const rppg_q8_dwconv *p, const int8_t *px0,
                                                                  long step, const int32_t *tap_off, int taps,
                                                                  int c, int gather, int full, int npos,
                                                                  int8_t *o)
{
    const int c_all = p->in_c * p->depth_mult;
    const int n = c_all - c < 4 ? c_all - c : 4;
    const mve_pred16_t live = vctp32q((uint32_t)n);
    const uint32x4_t offs = gather ? dw_in_offsets(c, p->depth_mult) : vdupq_n_u32(0);
    const int8_t *w = p->weights + c;
    int32x4_t a0 = p->bias ? vldrwq_z_s32(p->bias + c, live) : vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    int32x4_t wsum = vdupq_n_s32(0);
    rppg_q8_lanes q;
    int t;
    for (t = 0; t < taps; t++, w += c_all) {
        const int8_t *px = px0 + tap_off[t];
        const int32x4_t wv = full ? vldrbq_s32(w) : vldrbq_z_s32(w, live);
        wsum = vaddq_s32(wsum, wv);
        a0 = vaddq_s32(a0, vmulq_s32(dw_load(px, c, gather, offs, live, full), wv));
        if (npos > 1)
            a1 = vaddq_s32(a1, vmulq_s32(dw_load(px + step, c, gather, offs, live, full), wv));
        if (npos > 2)
            a2 = vaddq_s32(a2, vmulq_s32(dw_load(px + 2 * step, c, gather, offs, live, full), wv));
        if (npos > 3)
            a3 = vaddq_s32(a3, vmulq_s32(dw_load(px + 3 * step, c, gather, offs, live, full), wv));
    }
    wsum = vmulq_n_s32(wsum, p->in_zp);
    q = rppg_q8_lanes_prepare(p->multiplier + c, p->shift + c, n, p->rounding);
    vstrbq_p_s32(o + c, rppg_q8_lanes_requantize(&q, vsubq_s32(a0, wsum), p->out_zp, p->act_min, p->act_max), live);
    if (npos > 1)
        vstrbq_p_s32(o + c_all + c, rppg_q8_lanes_requantize(&q, vsubq_s32(a1, wsum), p->out_zp, p->act_min, p->act_max),
                     live);
    if (npos > 2)
        vstrbq_p_s32(o + 2 * c_all + c,
                     rppg_q8_lanes_requantize(&q, vsubq_s32(a2, wsum), p->out_zp, p->act_min, p->act_max), live);
    if (npos > 3)
        vstrbq_p_s32(o + 3 * c_all + c,
                     rppg_q8_lanes_requantize(&q, vsubq_s32(a3, wsum), p->out_zp, p->act_min, p->act_max), live);
}

#define DW_MAX_TAPS 64      /* kernels with more taps run dw_position everywhere */
#define DW_PATCH_BYTES 2048 /* border groups whose input window is larger: dw_position */

/* The input window of four output positions of a row at (y0, x0) into patch
 * [ph][pw][in_c], cells outside the image holding in_zp (so that they add nothing). */
static void dw_fill_patch(const rppg_q8_dwconv *p, const int8_t *in, int y0, int x0, int ph, int pw, int8_t *patch)
{
    const int in_c = p->in_c;
    const int xa = x0 < 0 ? 0 : x0, xb = x0 + pw > p->in_w ? p->in_w : x0 + pw;
    int r;
    for (r = 0; r < ph; r++, patch += (long)pw * in_c) {
        const int y = y0 + r;
        if (y < 0 || y >= p->in_h || xb <= xa) {
            memset(patch, (int)(int8_t)p->in_zp, (size_t)pw * in_c);
            continue;
        }
        memset(patch, (int)(int8_t)p->in_zp, (size_t)(xa - x0) * in_c);
        memcpy(patch + (long)(xa - x0) * in_c, in + ((long)y * p->in_w + xa) * in_c, (size_t)(xb - xa) * in_c);
        memset(patch + (long)(xb - x0) * in_c, (int)(int8_t)p->in_zp, (size_t)(x0 + pw - xb) * in_c);
    }
}

/* Helium, any depth multiplier and dilation: four output channels per vector (int8 widened
 * to int32 by the loads) times four output positions (dw_block_inside). Where all the
 * group's taps are inside the image it reads the input; at the borders it reads a copy of
 * the group's input window padded with the zero point (dw_fill_patch; positions past the
 * row's end compute on padding and are not stored); windows over DW_PATCH_BYTES and
 * kernels over DW_MAX_TAPS taps run one position at a time (dw_position). Requantization
 * parameters are loaded once per block (rppg_q8_lanes). Integer sums in another order: the
 * same bits. Stack: two tap offset tables and the patch, 8 * DW_MAX_TAPS + DW_PATCH_BYTES. */
static void depthwise_mve(const rppg_q8_dwconv *p, const int8_t *in, int8_t *out)
{
    const int c_all = p->in_c * p->depth_mult, taps = p->k_h * p->k_w, gather = p->depth_mult != 1;
    const long step = (long)p->stride_w * p->in_c;
    const int ph = (p->k_h - 1) * p->dil_h + 1, pw = 3 * p->stride_w + (p->k_w - 1) * p->dil_w + 1;
    const int use_patch = taps <= DW_MAX_TAPS && (long)ph * pw * p->in_c <= DW_PATCH_BYTES;
    int32_t tap_off[DW_MAX_TAPS], patch_off[DW_MAX_TAPS];
    int8_t patch[DW_PATCH_BYTES];
    int oy, ox0, c, ky, kx;
    for (ky = 0; ky < p->k_h && taps <= DW_MAX_TAPS; ky++)
        for (kx = 0; kx < p->k_w; kx++) {
            tap_off[ky * p->k_w + kx] = (int32_t)(((long)ky * p->dil_h * p->in_w + (long)kx * p->dil_w) * p->in_c);
            patch_off[ky * p->k_w + kx] = (int32_t)(((long)ky * p->dil_h * pw + (long)kx * p->dil_w) * p->in_c);
        }
    for (oy = 0; oy < p->out_h; oy++) {
        const int y0 = oy * p->stride_h - p->pad_top;
        const int rows_inside = y0 >= 0 && y0 + ph - 1 < p->in_h;
        for (ox0 = 0; ox0 < p->out_w; ox0 += 4) {
            const int npos = p->out_w - ox0 < 4 ? p->out_w - ox0 : 4;
            const int x0 = ox0 * p->stride_w - p->pad_left;
            int8_t *o = out + ((long)oy * p->out_w + ox0) * c_all;
            const int8_t *px0 = in + ((long)y0 * p->in_w + x0) * p->in_c;
            const int32_t *offs = tap_off;
            int r;
            if (!(rows_inside && npos == 4 && taps <= DW_MAX_TAPS && x0 >= 0 && x0 + pw - 1 < p->in_w)) {
                if (!use_patch) {
                    for (r = 0; r < npos; r++)
                        if (gather)
                            dw_position(p, in, oy, ox0 + r, 1, o + r * c_all);
                        else
                            dw_position(p, in, oy, ox0 + r, 0, o + r * c_all);
                    continue;
                }
                dw_fill_patch(p, in, y0, x0, ph, pw, patch);
                px0 = patch, offs = patch_off;
            }
            if (npos < 4) { /* a row's last positions: only their accumulators */
                for (c = 0; c < c_all; c += 4)
                    dw_block_inside(p, px0, step, offs, taps, c, gather, 0, npos, o);
                continue;
            }
            for (c = 0; c + 4 <= c_all; c += 4) /* full vectors, unpredicated */
                if (gather)
                    dw_block_inside(p, px0, step, offs, taps, c, 1, 1, 4, o);
                else
                    dw_block_inside(p, px0, step, offs, taps, c, 0, 1, 4, o);
            if (c < c_all)
                dw_block_inside(p, px0, step, offs, taps, c, gather, 0, 4, o);
        }
    }
}

/* Helium: four units at a time share each 16-input vector (VMLADAVA), the zero point taken
 * out as in_zp * sum(w); the last vector of a row is loaded predicated. */
static void fully_connected_mve(const rppg_q8_fc *p, const int8_t *in, int8_t *out)
{
    const int d = p->depth;
    int b, u, k, i;
    for (b = 0; b < p->batches; b++, in += d, out += p->units)
        for (u = 0; u < p->units; u += 4) {
            const int n = p->units - u < 4 ? p->units - u : 4;
            const int8_t *w[4];
            int32_t dot[4] = {0, 0, 0, 0}, wsum[4] = {0, 0, 0, 0};
            for (i = 0; i < 4; i++) /* missing units repeat the first row; not stored */
                w[i] = p->weights + (long)(u + (i < n ? i : 0)) * d;
            for (k = 0; k < d; k += 16) {
                const mve_pred16_t pr = vctp8q((uint32_t)(d - k));
                const int8x16_t xv = vldrbq_z_s8(in + k, pr);
                for (i = 0; i < 4; i++) {
                    const int8x16_t wv = vldrbq_z_s8(w[i] + k, pr);
                    dot[i] = vmladavaq_s8(dot[i], xv, wv);
                    wsum[i] = vaddvaq_s8(wsum[i], wv);
                }
            }
            for (i = 0; i < 4; i++)
                dot[i] += (p->bias && i < n ? p->bias[u + i] : 0) - p->in_zp * wsum[i];
            vstrbq_p_s32(out + u,
                         rppg_q8_requantize4_lanes(vld1q_s32(dot), p->multiplier + u, p->shift + u, n,
                                                   p->rounding, p->out_zp, p->act_min, p->act_max),
                         vctp32q((uint32_t)n));
        }
}
#endif

void rppg_q8_depthwise_conv2d(const rppg_q8_dwconv *p, const int8_t *in, int8_t *out)
{
#ifdef RPPG_Q8_MVE
    depthwise_mve(p, in, out);
    return;
#endif
    const int out_c = p->in_c * p->depth_mult;
    int oy, ox, oc;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++)
            for (oc = 0; oc < out_c; oc++) {
                int32_t acc = depthwise_acc(p, in, oy, ox, oc);
                acc = rppg_q8_mbqm(acc, p->multiplier[oc], p->shift[oc], p->rounding) + p->out_zp;
                *out++ = clamp_out(acc, p->act_min, p->act_max);
            }
}

void rppg_q8_fully_connected(const rppg_q8_fc *p, const int8_t *in, int8_t *out)
{
#ifdef RPPG_Q8_MVE
    fully_connected_mve(p, in, out);
    return;
#endif
    int b, u, k;
    for (b = 0; b < p->batches; b++, in += p->depth)
        for (u = 0; u < p->units; u++) {
            const int8_t *w = p->weights + (long)u * p->depth;
            int32_t acc = 0;
            for (k = 0; k < p->depth; k++)
                acc += ((int32_t)in[k] - p->in_zp) * (int32_t)w[k];
            if (p->bias)
                acc += p->bias[u];
            acc = rppg_q8_mbqm(acc, p->multiplier[u], p->shift[u], p->rounding) + p->out_zp;
            *out++ = clamp_out(acc, p->act_min, p->act_max);
        }
}
