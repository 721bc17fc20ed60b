#include "q8_net.h"

#include <math.h>

static const int8_t *source(long ref, const int8_t *in, const int8_t *out, const int8_t *arena)
{
    return ref == RPPG_Q8_NET_IN ? in : ref == RPPG_Q8_NET_OUT ? out : arena + ref;
}

static void run_layer(const rppg_q8_layer *l, const int8_t *const *src, int8_t *dst,
                      int8_t *arena)
{
    int32_t *acc = (int32_t *)(void *)(arena + l->tmp); /* used by SUM, TRANSPOSE_CONV */
    size_t i;
    switch (l->kind) {
    case RPPG_Q8_CONV2D:
        rppg_q8_conv2d(&l->op.conv, src[0], dst);
        break;
    case RPPG_Q8_MAX_POOL:
        rppg_q8_max_pool(&l->op.pool, src[0], dst);
        break;
    case RPPG_Q8_AVG_POOL:
        rppg_q8_avg_pool(&l->op.pool, src[0], dst);
        break;
    case RPPG_Q8_MEAN_HW:
        rppg_q8_mean_hw(&l->op.mean, src[0], dst);
        break;
    case RPPG_Q8_DEPTHWISE:
        rppg_q8_depthwise_conv2d(&l->op.dw, src[0], dst);
        break;
    case RPPG_Q8_FULLY_CONNECTED:
        rppg_q8_fully_connected(&l->op.fc, src[0], dst);
        break;
    case RPPG_Q8_MOVES:
        rppg_q8_moves_run(&l->op.moves, src, dst);
        break;
    case RPPG_Q8_BINARY:
        rppg_q8_binary_run(&l->op.bin.q, &l->op.bin.g, src[0], src[1], dst);
        break;
    case RPPG_Q8_LUT:
        rppg_q8_lut_run(l->op.lut, (const uint8_t *)src[0], (uint8_t *)dst, l->out_bytes);
        break;
    case RPPG_Q8_SOFTMAX:
        rppg_q8_softmax_run(l->op.softmax, src[0], dst);
        break;
    case RPPG_Q8_GATHER:
        rppg_mv_gather_run(&l->op.gather.g, src[0], l->op.gather.indices, dst);
        break;
    case RPPG_Q8_RESIZE_BILINEAR:
        rppg_mv_resize_bilinear_s8(&l->op.resize.r, src[0], dst);
        break;
    case RPPG_Q8_RESIZE_NEAREST:
        rppg_mv_resize_nearest(&l->op.resize.r, l->op.resize.y_index, l->op.resize.x_index, 1,
                               src[0], dst);
        break;
    case RPPG_Q8_SUM:
        rppg_q8_reduce_sum_run(&l->op.reduce, src[0], dst, acc);
        break;
    case RPPG_Q8_REDUCE_MAX:
        rppg_q8_reduce_max_run(&l->op.reduce, src[0], dst);
        break;
    case RPPG_Q8_TRANSPOSE_CONV:
        rppg_q8_transpose_conv_run(&l->op.tconv, src[0], dst, acc);
        break;
    case RPPG_Q8_COPY:
    default:
        for (i = 0; i < l->out_bytes; i++)
            dst[i] = src[0][i];
        break;
    }
}

void rppg_q8_net_run(const rppg_q8_net *net, const int8_t *in, int8_t *out, int8_t *arena)
{
    int i, k;
    for (i = 0; i < net->n_layers; i++) {
        const rppg_q8_layer *l = &net->layers[i];
        const int8_t *src[RPPG_Q8_MAX_LAYER_IN];
        for (k = 0; k < l->n_in && k < RPPG_Q8_MAX_LAYER_IN; k++)
            src[k] = source(l->in[k], in, out, arena);
        run_layer(l, src, l->out == RPPG_Q8_NET_OUT ? out : arena + l->out, arena);
    }
}

int8_t rppg_q8_quantize(float x, float scale, int32_t zero_point)
{
    /* TFLite's AffineQuantize: round half away from zero of x / scale, in float. */
    float r = roundf(x / scale);
    int32_t q;
    if (!(r > -1e9f && r < 1e9f)) /* NaN or far out of range */
        r = r > 0.0f ? 1e9f : -1e9f;
    q = (int32_t)r + zero_point;
    return (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
}

float rppg_q8_dequantize(int8_t q, float scale, int32_t zero_point)
{
    /* Exact product rounded once: equal to the reference's double product cast to float. */
    return (float)((int32_t)q - zero_point) * scale;
}
