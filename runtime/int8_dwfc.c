#include "int8_dwfc.h"

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

/* Helium, any depth multiplier and dilation: four output channels per vector (int8 widened
 * to int32 by the loads; with a multiplier > 1 the input lanes are gathered from channel
 * oc / depth_mult), every tap inside the image accumulated as (x - in_zp) * w, then
 * per-channel requantization (rppg_q8_requantize4_lanes). */
static void depthwise_mve(const rppg_q8_dwconv *p, const int8_t *in, int8_t *out)
{
    const int in_c = p->in_c, mult = p->depth_mult, c_all = in_c * mult;
    const int8_t *weights = p->weights;
    const int32_t *bias = p->bias;
    const int32_t in_zp = p->in_zp;
    int oy, ox, c, ky, kx;
    for (oy = 0; oy < p->out_h; oy++)
        for (ox = 0; ox < p->out_w; ox++, out += c_all)
            for (c = 0; c < c_all; c += 4) {
                const int n = c_all - c < 4 ? c_all - c : 4;
                const mve_pred16_t live = vctp32q((uint32_t)n);
                const uint32x4_t offs = dw_in_offsets(c, mult);
                int32x4_t acc = bias ? vldrwq_z_s32(bias + c, live) : vdupq_n_s32(0);
                for (ky = 0; ky < p->k_h; ky++) {
                    const int y = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (y < 0 || y >= p->in_h)
                        continue;
                    for (kx = 0; kx < p->k_w; kx++) {
                        const int x = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        const int8_t *px = in + ((long)y * p->in_w + x) * in_c;
                        int32x4_t xv, wv;
                        if (x < 0 || x >= p->in_w)
                            continue;
                        xv = mult == 1 ? vldrbq_z_s32(px + c, live)
                                       : vldrbq_gather_offset_z_s32(px, offs, live);
                        wv = vldrbq_z_s32(weights + ((long)ky * p->k_w + kx) * c_all + c, live);
                        acc = vaddq_s32(acc, vmulq_s32(vsubq_n_s32(xv, in_zp), wv));
                    }
                }
                acc = rppg_q8_requantize4_lanes(acc, p->multiplier + c, p->shift + c, n, p->rounding,
                                                p->out_zp, p->act_min, p->act_max);
                vstrbq_p_s32(out + c, acc, live);
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
