#include "int8_dwfc.h"

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

void rppg_q8_depthwise_conv2d(const rppg_q8_dwconv *p, const int8_t *in, int8_t *out)
{
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
