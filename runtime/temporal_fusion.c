/* Temporal Fusion inference: see temporal_fusion.h for the network and the rounding rules.
 * Every multiply and every add is its own statement so that no compiler in ISO C mode fuses
 * them into one rounding (a fused multiply-add would break the bit match with PyTorch). */
#include "temporal_fusion.h"

#include <math.h>

/* A fused multiply-add rounds once where PyTorch rounds twice: forbid contraction even when
 * the firmware builds in GNU mode (GCC's default -ffp-contract=fast fuses across statements;
 * measured on the Cortex-M55: up to 54 ulp). C99's pragma for every other compiler. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

static float relu(float x)
{
    /* NaN stays NaN, as in PyTorch */
    return x < 0.0f ? 0.0f : x;
}

/* Adds w * x[s * x_step] into out[t] for the taps that fall inside the window (the zero
 * padding only adds signed zeros, which cannot change a sum). */
static void accumulate_tap(float *out, int frames, int shift, float w, const float *x,
                           int x_step)
{
    int t_lo = shift < 0 ? -shift : 0;
    int t_hi = shift > 0 ? frames - shift : frames;
    for (int t = t_lo; t < t_hi; t++) {
        float p = w * x[(t + shift) * x_step];
        out[t] = out[t] + p;
    }
}

/* The three taps of a kernel-3 convolution on one input channel, for every out[t]: the
 * same order as accumulate_tap over j = 0, 1, 2, with the products kept in registers. */
static void accumulate_taps3(float *out, int frames, const float *w, const float *x, int x_step)
{
    const float w0 = w[0], w1 = w[1], w2 = w[2];
    float p;
    if (frames == 1) {
        p = w1 * x[0];
        out[0] = out[0] + p;
        return;
    }
    /* t = 0: no tap on t - 1 */
    float acc = out[0];
    p = w1 * x[0];
    acc = acc + p;
    p = w2 * x[x_step];
    out[0] = acc + p;
    for (int t = 1; t + 1 < frames; t++) {
        const float *xt = x + t * x_step;
        acc = out[t];
        p = w0 * xt[-x_step];
        acc = acc + p;
        p = w1 * xt[0];
        acc = acc + p;
        p = w2 * xt[x_step];
        out[t] = acc + p;
    }
    /* t = frames - 1: no tap on t + 1 */
    const float *xl = x + (frames - 1) * x_step;
    acc = out[frames - 1];
    p = w0 * xl[-x_step];
    acc = acc + p;
    p = w1 * xl[0];
    out[frames - 1] = acc + p;
}

/* One output channel of a 'same' Conv1d followed by ReLU: out[t] for t < frames.
 * Input channel c at time s is x[c * c_step + s * s_step]. PyTorch (im2col + GEMM with
 * beta = 1) starts from the bias and adds the products channel by channel, tap by tap. */
static void conv_channel_relu(float *out, int frames, int kernel, const float *w, float bias,
                              int in_ch, const float *x, int c_step, int s_step)
{
    int pad = kernel / 2;
    for (int t = 0; t < frames; t++)
        out[t] = bias;
    if (kernel == 3) {
        for (int c = 0; c < in_ch; c++)
            accumulate_taps3(out, frames, w + c * 3, x + c * c_step, s_step);
    } else {
        for (int c = 0; c < in_ch; c++)
            for (int j = 0; j < kernel; j++)
                accumulate_tap(out, frames, j - pad, w[c * kernel + j], x + c * c_step, s_step);
    }
    for (int t = 0; t < frames; t++)
        out[t] = relu(out[t]);
}

float temporal_fusion_run(const temporal_fusion_net *net, const float *features, float *work)
{
    const int T = net->frames, K = net->kernel, H = net->hidden;
    const int RF = net->rois * net->features, C1 = net->conv1_out, C2 = net->conv2_out;
    float *h1 = work;         /* [C1][T] */
    float *h2 = h1 + C1 * T;  /* one conv2 channel [T] */
    float *acc = h2 + T;      /* [H] hidden accumulators */

    /* channel roi*F + f at time t is features[(t*R + roi)*F + f] = features[t*RF + c]:
     * the reshape and transpose of the model are just this indexing */
    for (int o = 0; o < C1; o++)
        conv_channel_relu(h1 + o * T, T, K, net->conv1_weight + o * RF * K, net->conv1_bias[o],
                          RF, features, 1, RF);

    /* conv2 one channel at a time, fed straight into the hidden layer: its flattened input
     * index o*T + t grows in the order PyTorch sums it, so no C2*T buffer is needed */
    for (int h = 0; h < H; h++)
        acc[h] = 0.0f;
    for (int o = 0; o < C2; o++) {
        conv_channel_relu(h2, T, K, net->conv2_weight + o * C1 * K, net->conv2_bias[o], C1, h1,
                          T, 1);
        for (int h = 0; h < H; h++) {
            const float *w = net->fc1_weight + h * (C2 * T) + o * T;
            float a = acc[h];
            for (int t = 0; t < T; t++) {
                float p = w[t] * h2[t];
                a = a + p;
            }
            acc[h] = a;
        }
    }

    /* PyTorch's addmm sums from zero and adds the bias last */
    float logit = 0.0f;
    for (int h = 0; h < H; h++) {
        float hidden = relu(acc[h] + net->fc1_bias[h]);
        float p = net->fc2_weight[h] * hidden;
        logit = logit + p;
    }
    logit = logit + net->fc2_bias[0];

    float e = expf(-logit);
    float sig = 1.0f / (1.0f + e);
    float bpm = sig * 150.0f;
    bpm = bpm + 30.0f;
    return bpm;
}
