/* Bench image for the Cortex-M55 (QEMU mps3-an547): runs one Spatial CNN patch layer by layer
 * and whole, and one Temporal Fusion window, each region between two calls of rq_icount_mark
 * so that bench/m55/icount_plugin.c counts its executed instructions. With -DRQ_CMSIS_NN the
 * same layers also run through CMSIS-NN's int8 kernels (built from a checkout outside this
 * repository by bench/m55_icount.sh), on the same inputs, and their outputs are compared with
 * ours byte for byte. Prints "region NAME" in the order of the mark pairs. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "int8_kernels.h"
#include "q8_net.h"
#include "spatial_cnn_int8.h"
#include "temporal_fusion.h"
#ifdef RQ_CMSIS_NN
#include "arm_nnfunctions.h"
#endif
#include "icount.h"

#define MAX_ACT (36 * 36 * 32)
static int8_t patch[RPPG_SPATIAL_IN_H * RPPG_SPATIAL_IN_W * RPPG_SPATIAL_IN_C];
static int8_t act[8][MAX_ACT], feat[64];
#ifdef RQ_CMSIS_NN
static int8_t theirs[MAX_ACT];
#endif
static int8_t arena[RPPG_SPATIAL_ARENA_BYTES];

/* Temporal Fusion of the seed's dimensions, random weights */
#define T 8
#define R 3
#define F 16
#define C1 32
#define C2 16
#define K 3
#define H 32
static float w1[C1 * R * F * K], b1[C1], w2[C2 * C1 * K], b2[C2], w3[H * C2 * T], b3[H], w4[H], b4[1];
static float features[T * R * F], work[TEMPORAL_FUSION_WORK_FLOATS(C1, T, H)];

static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void fill(uint32_t *s, float *w, int n, int fan_in)
{
    for (int i = 0; i < n; i++)
        w[i] = (float)((int)(rng_next(s) % 2001u) - 1000) / (float)(fan_in * 600);
}

#ifdef RQ_CMSIS_NN
static int8_t cmsis_buf[16384];

static int cmsis_layer(const rppg_q8_layer *l, const int8_t *in, int8_t *out)
{
    cmsis_nn_context ctx = {cmsis_buf, sizeof cmsis_buf};
    if (l->kind == RPPG_Q8_CONV2D) {
        const rppg_q8_conv *c = &l->op.conv;
        cmsis_nn_conv_params cp = {-c->in_zp, c->out_zp, {c->stride_w, c->stride_h},
                                   {c->pad_left, c->pad_top}, {1, 1}, {c->act_min, c->act_max}};
        cmsis_nn_per_channel_quant_params qp = {(int32_t *)c->multiplier, (int32_t *)c->shift};
        cmsis_nn_dims id = {1, c->in_h, c->in_w, c->in_c}, fd = {c->out_c, c->k_h, c->k_w, c->in_c};
        cmsis_nn_dims bd = {1, 1, 1, c->out_c}, od = {1, c->out_h, c->out_w, c->out_c};
        if (arm_convolve_wrapper_s8_get_buffer_size(&cp, &id, &fd, &od) > (int32_t)sizeof cmsis_buf)
            return -1;
        return arm_convolve_wrapper_s8(&ctx, &cp, &qp, &id, in, &fd, c->weights, &bd, c->bias, &od, out);
    }
    if (l->kind == RPPG_Q8_MAX_POOL || l->kind == RPPG_Q8_MEAN_HW) {
        /* MEAN has no CMSIS-NN kernel: its nearest, a global AVERAGE_POOL_2D, is counted
         * (other rounding; not compared) */
        const int is_mean = l->kind == RPPG_Q8_MEAN_HW;
        const rppg_q8_pool *p = &l->op.pool;
        cmsis_nn_pool_params pp = {{is_mean ? 1 : p->stride_w, is_mean ? 1 : p->stride_h},
                                   {is_mean ? 0 : p->pad_left, is_mean ? 0 : p->pad_top},
                                   {is_mean ? -128 : p->act_min, is_mean ? 127 : p->act_max}};
        cmsis_nn_dims id = {1, is_mean ? l->op.mean.h : p->in_h, is_mean ? l->op.mean.w : p->in_w,
                            is_mean ? l->op.mean.c : p->c};
        cmsis_nn_dims fd = {1, is_mean ? l->op.mean.h : p->k_h, is_mean ? l->op.mean.w : p->k_w, 1};
        cmsis_nn_dims od = {1, is_mean ? 1 : p->out_h, is_mean ? 1 : p->out_w, id.c};
        return is_mean ? arm_avgpool_s8(&ctx, &pp, &id, in, &fd, &od, out)
                       : arm_max_pool_s8(&ctx, &pp, &id, in, &fd, &od, out);
    }
    return -1;
}
#endif

static void run_layer(const rppg_q8_layer *l, const int8_t *in, int8_t *out)
{
    switch (l->kind) {
    case RPPG_Q8_CONV2D:
        rppg_q8_conv2d(&l->op.conv, in, out);
        break;
    case RPPG_Q8_MAX_POOL:
        rppg_q8_max_pool(&l->op.pool, in, out);
        break;
    case RPPG_Q8_AVG_POOL:
        rppg_q8_avg_pool(&l->op.pool, in, out);
        break;
    case RPPG_Q8_MEAN_HW:
        rppg_q8_mean_hw(&l->op.mean, in, out);
        break;
    default:
        memcpy(out, in, l->out_bytes);
        break;
    }
}

static const char *kind_name(rppg_q8_kind k)
{
    return k == RPPG_Q8_CONV2D ? "conv" : k == RPPG_Q8_MAX_POOL ? "maxpool" : k == RPPG_Q8_AVG_POOL ? "avgpool"
         : k == RPPG_Q8_MEAN_HW ? "mean" : "copy";
}

int main(void)
{
    const rppg_q8_net *net = &rppg_spatial_cnn;
    temporal_fusion_net tf = {T, R, F, C1, C2, K, H, w1, b1, w2, b2, w3, b3, w4, b4};
    uint32_t s = 0x1234567u;
    char name[64];
    float bpm = 0.0f;
    int i;
    printf("kernels %s\n", rppg_q8_kernels_path());
    for (i = 0; i < (int)sizeof patch; i++)
        patch[i] = (int8_t)(rng_next(&s) % 256u);
    fill(&s, w1, C1 * R * F * K, R * F * K), fill(&s, b1, C1, 4), fill(&s, w2, C2 * C1 * K, C1 * K);
    fill(&s, b2, C2, 4), fill(&s, w3, H * C2 * T, C2 * T), fill(&s, b3, H, 4), fill(&s, w4, H, 4);
    fill(&s, b4, 1, 4), fill(&s, features, T * R * F, 1);

    REGION("empty", (void)0);
    REGION("patch", rppg_q8_net_run(net, patch, feat, arena));
    for (i = 0; i < net->n_layers && i < 7; i++) {
        const rppg_q8_layer *l = &net->layers[i];
        const int8_t *in = i == 0 ? patch : act[i - 1];
        snprintf(name, sizeof name, "layer%d_%s", i, kind_name(l->kind));
        REGION(name, run_layer(l, in, act[i]));
#ifdef RQ_CMSIS_NN
        {
            int rc = 0;
            snprintf(name, sizeof name, "cmsis_layer%d_%s", i, kind_name(l->kind));
            REGION(name, rc = cmsis_layer(l, in, theirs));
            printf("compare %s status=%d identical=%d\n", name, rc,
                   l->kind != RPPG_Q8_MEAN_HW && !memcmp(theirs, act[i], l->out_bytes));
        }
#endif
    }
    printf("features_identical %d\n", !memcmp(feat, act[net->n_layers - 1], (size_t)net->n_out));
    REGION("tf_window", bpm = temporal_fusion_run(&tf, features, work));
    {
        uint32_t bits;
        memcpy(&bits, &bpm, sizeof bits);
        printf("bpm %08lx\n", (unsigned long)bits);
    }
    return 0;
}
