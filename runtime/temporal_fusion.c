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

/* Helium (MVE float, e.g. -mcpu=cortex-m55): independent outputs in parallel lanes (four
 * output channels of a convolution, four units of the hidden layer), each lane adding exactly
 * the products the scalar code adds, in the same order, with separate multiply and add
 * instructions. -DRPPG_NO_MVE forces the scalar code. */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2) && !defined(RPPG_NO_MVE)
#define TF_MVE 1
#include <arm_mve.h>
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

/* Both convolutions and the hidden layer's sums (without its bias): h1 [C1][T] and h2 [T]
 * are work space, acc [H] receives the sums. */
static void conv_hidden(const temporal_fusion_net *net, const float *features, float *h1, float *h2,
                        float *acc)
{
    const int T = net->frames, K = net->kernel, H = net->hidden;
    const int RF = net->rois * net->features, C1 = net->conv1_out, C2 = net->conv2_out;

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
}

#ifdef TF_MVE
static float32x4_t relu4(float32x4_t x)
{
    /* x < 0 ? 0 : x lane by lane, NaN and -0 kept as relu() keeps them. Not VCMP LT: its
     * condition code is also true for unordered operands (it would zero NaNs); 0 > x is
     * false for them. */
    return vpselq_f32(vdupq_n_f32(0.0f), x, vcmpgtq_f32(vdupq_n_f32(0.0f), x));
}

/* Output channels o..o+3 of a 'same' Conv1d + ReLU, the four channels in the vector lanes
 * (weights w + i * w_step, biases b[0..3], outputs out[i * out_step + t]); input channel c at
 * time s is x[c * c_step + s * s_step]. Lane i adds w[i][c][j] * x(c, t + j - pad) from its
 * bias in (c, j) order over the taps inside the window, as conv_channel_relu does (padding
 * taps skipped, not added as zeros). Kernel 3 takes the time steps in pairs away from the
 * window's edges: both share the weight vectors and three of their four inputs. */
static void conv4_relu_mve(float *out, int out_step, int frames, int kernel, const float *w,
                           int w_step, const float *b, int in_ch, const float *x, int c_step,
                           int s_step)
{
    const int pad = kernel / 2;
    const uint32x4_t rows = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)w_step);
    const uint32x4_t outs = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)out_step);
    const float32x4_t bias = vld1q_f32(b);
    int t = 0, t_end = frames;
    if (kernel == 3 && frames >= 2) {
        /* the two edge steps together: t = 0 takes taps 1 and 2, t = frames - 1 taps 0 and 1 */
        float32x4_t a0 = bias, a1 = bias;
        const float *xc = x, *wc = w;
        const int last = (frames - 2) * s_step;
        for (int c = 0; c < in_ch; c++, xc += c_step, wc += 3) {
            const float32x4_t w0 = vldrwq_gather_shifted_offset_f32(wc, rows);
            const float32x4_t w1 = vldrwq_gather_shifted_offset_f32(wc + 1, rows);
            const float32x4_t w2 = vldrwq_gather_shifted_offset_f32(wc + 2, rows);
            a0 = vaddq_f32(a0, vmulq_n_f32(w1, xc[0]));
            a1 = vaddq_f32(a1, vmulq_n_f32(w0, xc[last]));
            a0 = vaddq_f32(a0, vmulq_n_f32(w2, xc[s_step]));
            a1 = vaddq_f32(a1, vmulq_n_f32(w1, xc[last + s_step]));
        }
        vstrwq_scatter_shifted_offset_f32(out, outs, relu4(a0));
        vstrwq_scatter_shifted_offset_f32(out + frames - 1, outs, relu4(a1));
        t = 1;
        t_end = frames - 1;
    }
    while (t < t_end) {
        if (kernel == 3 && t >= 1 && t + 3 <= frames) {
            float32x4_t a0 = bias, a1 = bias;
            const float *xc = x + (t - 1) * s_step, *wc = w;
            for (int c = 0; c < in_ch; c++, xc += c_step, wc += 3) {
                const float x0 = xc[0], x1 = xc[s_step], x2 = xc[2 * s_step], x3 = xc[3 * s_step];
                const float32x4_t w0 = vldrwq_gather_shifted_offset_f32(wc, rows);
                const float32x4_t w1 = vldrwq_gather_shifted_offset_f32(wc + 1, rows);
                const float32x4_t w2 = vldrwq_gather_shifted_offset_f32(wc + 2, rows);
                a0 = vaddq_f32(a0, vmulq_n_f32(w0, x0));
                a1 = vaddq_f32(a1, vmulq_n_f32(w0, x1));
                a0 = vaddq_f32(a0, vmulq_n_f32(w1, x1));
                a1 = vaddq_f32(a1, vmulq_n_f32(w1, x2));
                a0 = vaddq_f32(a0, vmulq_n_f32(w2, x2));
                a1 = vaddq_f32(a1, vmulq_n_f32(w2, x3));
            }
            vstrwq_scatter_shifted_offset_f32(out + t, outs, relu4(a0));
            vstrwq_scatter_shifted_offset_f32(out + t + 1, outs, relu4(a1));
            t += 2;
        } else {
            /* tap j is inside the window when 0 <= t + j - pad < frames */
            const int j0 = t < pad ? pad - t : 0;
            const int j1 = t - pad + kernel > frames ? frames - t + pad : kernel;
            float32x4_t a = bias;
            for (int c = 0; c < in_ch; c++)
                for (int j = j0; j < j1; j++)
                    a = vaddq_f32(a, vmulq_n_f32(vldrwq_gather_shifted_offset_f32(w + c * kernel + j, rows),
                                                 x[c * c_step + (t + j - pad) * s_step]));
            vstrwq_scatter_shifted_offset_f32(out + t, outs, relu4(a));
            t++;
        }
    }
}

/* acc[h] += sum_t w[h][t] * x[t] in t order for every h < H, four units per vector (their
 * weight rows gathered with stride w_row). */
static void linear_accumulate_mve(float *acc, int H, const float *w, int w_row, const float *x, int T)
{
    const uint32x4_t rows = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)w_row);
    for (int h0 = 0; h0 < H; h0 += 4) {
        const mve_pred16_t live = vctp32q((uint32_t)(H - h0));
        const float *wh = w + h0 * w_row;
        float32x4_t a = vldrwq_z_f32(acc + h0, live);
        for (int t = 0; t < T; t++)
            a = vaddq_f32(a, vmulq_n_f32(vldrwq_gather_shifted_offset_z_f32(wh + t, rows, live), x[t]));
        vstrwq_p_f32(acc + h0, a, live);
    }
}

/* The FPSCR's cumulative input-denormal (IDC) and underflow (UFC) flags. MVE's float
 * instructions run with flush-to-zero (the architecture's standard FPSCR value), where
 * PyTorch and the scalar code keep subnormals: a flag raised by the vector part means a
 * subnormal was flushed there, and the window is computed again by the scalar code. */
#define TF_FPSCR_FLUSH_FLAGS 0x88u
static unsigned tf_fpscr(void)
{
    unsigned v;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(v));
    return v;
}
static void tf_set_fpscr(unsigned v)
{
    __asm__ volatile("vmsr fpscr, %0" : : "r"(v) : "memory");
}

/* conv_hidden on Helium; returns 0, or -1 when its result may differ from conv_hidden's (a
 * subnormal flushed, or a NaN): the caller then runs conv_hidden. */
static int conv_hidden_mve(const temporal_fusion_net *net, const float *features, float *h1,
                           float *h2, float *acc)
{
    const int T = net->frames, K = net->kernel, H = net->hidden;
    const int RF = net->rois * net->features, C1 = net->conv1_out, C2 = net->conv2_out;
    const unsigned saved = tf_fpscr();
    unsigned flags;
    int o = 0;
    tf_set_fpscr(saved & ~TF_FPSCR_FLUSH_FLAGS);
    for (; o + 4 <= C1; o += 4)
        conv4_relu_mve(h1 + o * T, T, T, K, net->conv1_weight + o * RF * K, RF * K,
                       net->conv1_bias + o, RF, features, 1, RF);
    for (; o < C1; o++) /* the last channels (fewer than four): the scalar code, same sums */
        conv_channel_relu(h1 + o * T, T, K, net->conv1_weight + o * RF * K, net->conv1_bias[o],
                          RF, features, 1, RF);
    for (int h = 0; h < H; h++)
        acc[h] = 0.0f;
    /* four conv2 channels at a time into h2 [4][T], then their hidden-layer terms: inputs
     * o*T .. o*T + 4T - 1 of every hidden sum, in that order, as h2 holds them */
    for (o = 0; o + 4 <= C2; o += 4) {
        conv4_relu_mve(h2, T, T, K, net->conv2_weight + o * C1 * K, C1 * K, net->conv2_bias + o,
                       C1, h1, T, 1);
        linear_accumulate_mve(acc, H, net->fc1_weight + o * T, C2 * T, h2, 4 * T);
    }
    for (; o < C2; o++) {
        conv_channel_relu(h2, T, K, net->conv2_weight + o * C1 * K, net->conv2_bias[o], C1, h1, T, 1);
        linear_accumulate_mve(acc, H, net->fc1_weight + o * T, C2 * T, h2, T);
    }
    flags = tf_fpscr() & TF_FPSCR_FLUSH_FLAGS;
    tf_set_fpscr(saved | flags);
    /* MVE also returns the default NaN where the scalar code propagates a NaN's bits: a NaN
     * anywhere reaches every hidden sum, so one check there sends such windows to the
     * scalar code as well */
    for (int h = 0; h < H; h++)
        if (acc[h] != acc[h])
            return -1;
    return flags ? -1 : 0;
}
#endif

float temporal_fusion_head(const temporal_fusion_net *net, const float *hidden_sums)
{
    const int H = net->hidden;
    /* PyTorch's addmm sums from zero and adds the bias last */
    float logit = 0.0f;
    for (int h = 0; h < H; h++) {
        float hidden = relu(hidden_sums[h] + net->fc1_bias[h]);
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

float temporal_fusion_run(const temporal_fusion_net *net, const float *features, float *work)
{
    const int T = net->frames, C1 = net->conv1_out;
    float *h1 = work;         /* [C1][T] */
    float *h2 = h1 + C1 * T;  /* conv2 channels [4][T] (the scalar code uses one) */
    float *acc = h2 + 4 * T;  /* [H] hidden accumulators */

#ifdef TF_MVE
    if (conv_hidden_mve(net, features, h1, h2, acc) != 0)
#endif
        conv_hidden(net, features, h1, h2, acc);

    return temporal_fusion_head(net, acc);
}
