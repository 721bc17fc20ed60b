#include "q8_net.h"

#include <math.h>

static void run_layer(const rppg_q8_layer *l, const int8_t *in, int8_t *out)
{
    size_t i;
    switch (l->kind) {
    case RPPG_Q8_CONV2D:
        rppg_q8_conv2d(&l->conv, in, out);
        break;
    case RPPG_Q8_MAX_POOL:
        rppg_q8_max_pool(&l->pool, in, out);
        break;
    case RPPG_Q8_AVG_POOL:
        rppg_q8_avg_pool(&l->pool, in, out);
        break;
    case RPPG_Q8_MEAN_HW:
        rppg_q8_mean_hw(&l->mean, in, out);
        break;
    case RPPG_Q8_COPY:
    default:
        for (i = 0; i < l->out_bytes; i++)
            out[i] = in[i];
        break;
    }
}

void rppg_q8_net_run(const rppg_q8_net *net, const int8_t *in, int8_t *out, int8_t *arena)
{
    const int8_t *src = in;
    int i;
    for (i = 0; i < net->n_layers; i++) {
        int8_t *dst = i == net->n_layers - 1 ? out : arena + (i % 2 ? net->arena_split : 0);
        run_layer(&net->layers[i], src, dst);
        src = dst;
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
