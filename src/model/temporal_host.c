/* The Temporal Fusion runtime in vector lanes (see temporal_host.h).
 *
 * Layout: 8 output channels (or hidden units) per vector (GCC/Clang vector extensions, one
 * ymm register), compiled for AVX2 and for AVX-512 (whose 32 registers hold twice the sums
 * in flight). A convolution keeps several time steps and channel blocks in flight
 * (independent sums); every lane starts from its bias and
 * adds w * x over (input channel, tap) in the portable code's order, each product and each
 * sum rounded to float32 as their own statements (no contraction: see the pragmas).
 *
 * The 'same' padding: the portable code skips the taps outside the window; here the input
 * carries zero rows instead, so such a tap adds w * 0 = +-0. That changes no sum: a float
 * sum is -0 only when both terms are -0 (round to nearest), so a sum that starts from a bias
 * other than -0 is never -0, and adding +-0 to anything else leaves it as it was. The lanes
 * are therefore used only for networks whose convolution biases are not -0 and whose
 * convolution weights are finite (inf * 0 would be NaN); any other network runs the
 * portable code. */
#include "model/temporal_host.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

#define LANES 8
#define PAD_TO (2 * LANES) /* channel counts padded to whole pairs of vectors */

struct rq_temporal_host {
    const temporal_fusion_net *net;
    rq_simd level;
    int T, K, pad, RF, C1, C2, H;
    int C1p, C2p, Hp;       /* padded to PAD_TO */
    float *w1, *b1;         /* conv1 [RF][K][C1p], [C1p] */
    float *w2, *b2;         /* conv2 [C1][K][C2p], [C2p] */
    float *f1;              /* fc1 [C2*T][Hp]: row i = PyTorch's flattened input o*T + t */
};

static int round_lanes(int n)
{
    return (n + PAD_TO - 1) / PAD_TO * PAD_TO;
}

/* The network's conv biases are not -0 and its conv weights are finite: the zero-row
 * padding then adds nothing (see the top of this file). */
static int padding_is_exact(const temporal_fusion_net *n)
{
    const int RF = n->rois * n->features, K = n->kernel;
    for (int o = 0; o < n->conv1_out; o++)
        if (n->conv1_bias[o] == 0.0f && signbit(n->conv1_bias[o]))
            return 0;
    for (int o = 0; o < n->conv2_out; o++)
        if (n->conv2_bias[o] == 0.0f && signbit(n->conv2_bias[o]))
            return 0;
    for (size_t i = 0; i < (size_t)n->conv1_out * (size_t)RF * (size_t)K; i++)
        if (!isfinite(n->conv1_weight[i]))
            return 0;
    for (size_t i = 0; i < (size_t)n->conv2_out * (size_t)n->conv1_out * (size_t)K; i++)
        if (!isfinite(n->conv2_weight[i]))
            return 0;
    return 1;
}

/* [out][in][K] -> [in][K][out_p], zero lanes past out. */
static void pack_conv(const float *w, int out, int in, int K, int out_p, float *dst)
{
    for (int o = 0; o < out; o++)
        for (int c = 0; c < in; c++)
            for (int j = 0; j < K; j++)
                dst[((size_t)c * (size_t)K + (size_t)j) * (size_t)out_p + (size_t)o] =
                    w[((size_t)o * (size_t)in + (size_t)c) * (size_t)K + (size_t)j];
}

static int pack_weights(rq_temporal_host *h)
{
    const temporal_fusion_net *n = h->net;
    const int fin = h->C2 * h->T;
    h->w1 = calloc((size_t)h->RF * (size_t)h->K * (size_t)h->C1p, sizeof(float));
    h->b1 = calloc((size_t)h->C1p, sizeof(float));
    h->w2 = calloc((size_t)h->C1 * (size_t)h->K * (size_t)h->C2p, sizeof(float));
    h->b2 = calloc((size_t)h->C2p, sizeof(float));
    h->f1 = calloc((size_t)fin * (size_t)h->Hp, sizeof(float));
    if (!h->w1 || !h->b1 || !h->w2 || !h->b2 || !h->f1)
        return -1;
    pack_conv(n->conv1_weight, h->C1, h->RF, h->K, h->C1p, h->w1);
    pack_conv(n->conv2_weight, h->C2, h->C1, h->K, h->C2p, h->w2);
    memcpy(h->b1, n->conv1_bias, (size_t)h->C1 * sizeof(float));
    memcpy(h->b2, n->conv2_bias, (size_t)h->C2 * sizeof(float));
    for (int u = 0; u < h->H; u++)
        for (int i = 0; i < fin; i++)
            h->f1[(size_t)i * (size_t)h->Hp + (size_t)u] = n->fc1_weight[(size_t)u * (size_t)fin + (size_t)i];
    return 0;
}

void rq_temporal_host_free(rq_temporal_host *h)
{
    if (!h)
        return;
    free(h->w1), free(h->b1), free(h->w2), free(h->b2), free(h->f1);
    free(h);
}

int rq_temporal_host_new(const temporal_fusion_net *net, rq_simd level, rq_temporal_host **out,
                         rq_error *err)
{
    *out = NULL;
    rq_temporal_host *h = calloc(1, sizeof *h);
    if (!h)
        return rq_fail(err, "out of memory for the temporal fusion");
    h->net = net;
    h->T = net->frames, h->K = net->kernel, h->pad = net->kernel / 2;
    h->RF = net->rois * net->features, h->C1 = net->conv1_out, h->C2 = net->conv2_out;
    h->H = net->hidden;
    h->C1p = round_lanes(h->C1), h->C2p = round_lanes(h->C2), h->Hp = round_lanes(h->H);
    rq_simd cpu = rq_simd_cpu_level();
    h->level = level < cpu ? level : cpu;
#if !defined(__x86_64__)
    h->level = RQ_SIMD_OFF;
#endif
    if (h->level != RQ_SIMD_OFF && !padding_is_exact(net))
        h->level = RQ_SIMD_OFF;
    if (h->level != RQ_SIMD_OFF && pack_weights(h) < 0) {
        rq_temporal_host_free(h);
        return rq_fail(err, "out of memory for the temporal fusion's packed weights");
    }
    *out = h;
    return 0;
}

rq_simd rq_temporal_host_level(const rq_temporal_host *h)
{
    return h->level;
}

size_t rq_temporal_host_work_floats(const rq_temporal_host *h)
{
    const temporal_fusion_net *n = h->net;
    size_t portable = (size_t)TEMPORAL_FUSION_WORK_FLOATS(n->conv1_out, n->frames, n->hidden);
    size_t rows = (size_t)h->T + 2 * (size_t)h->pad;
    size_t lanes = rows * (size_t)h->RF + rows * (size_t)h->C1p + (size_t)h->T * (size_t)h->C2p +
                   (size_t)h->Hp;
    return lanes > portable ? lanes : portable;
}

#if defined(__x86_64__)
/* aligned(4): loads and stores at any float address */
typedef float vf __attribute__((vector_size(LANES * 4), aligned(4)));
typedef int vi __attribute__((vector_size(LANES * 4), aligned(4)));
#define INLINE static inline __attribute__((always_inline))
#define MAX_STEPS 8 /* time steps in flight */

/* Output channels ob .. ob + 8*nb - 1 at time steps t0 .. t0+nt-1 of a 'same' convolution
 * + ReLU. The input row r is time r - pad (zero rows around the window), in_stride floats
 * apart. */
INLINE void conv_steps(float *out, int out_stride, const float *in, int in_stride, int n_in,
                       int K, const float *w, const float *b, int Cp, int ob, int nb, int t0, int nt)
{
    vf acc[2][MAX_STEPS];
    for (int q = 0; q < nb; q++)
        for (int i = 0; i < nt; i++)
            acc[q][i] = *(const vf *)(b + ob + q * LANES);
    for (int c = 0; c < n_in; c++)
        for (int j = 0; j < K; j++) {
            const float *wr = w + ((size_t)c * (size_t)K + (size_t)j) * (size_t)Cp + (size_t)ob;
            const float *x = in + (size_t)(t0 + j) * (size_t)in_stride + (size_t)c;
#pragma GCC unroll 8
            for (int i = 0; i < nt; i++) {
                const float xv = x[(size_t)i * (size_t)in_stride];
#pragma GCC unroll 2
                for (int q = 0; q < nb; q++) {
                    const vf p = *(const vf *)(wr + q * LANES) * xv;
                    acc[q][i] = acc[q][i] + p;
                }
            }
        }
    for (int q = 0; q < nb; q++)
        for (int i = 0; i < nt; i++) {
            /* ReLU: x < 0 ? +0 : x, keeping NaN and -0 as relu() in the runtime does */
            const vi neg = acc[q][i] < (vf){0};
            *(vf *)(out + (size_t)(t0 + i) * (size_t)out_stride + (size_t)(ob + q * LANES)) =
                (vf)((vi)acc[q][i] & ~neg);
        }
}

/* A whole convolution layer: nb vectors of channels by `steps` time steps at a time, then
 * the last steps one by one. */
INLINE void conv_layer(float *out, int out_stride, const float *in, int in_stride, int n_in, int K,
                       int T, const float *w, const float *b, int Cp, int nb, int steps)
{
    for (int ob = 0; ob < Cp; ob += nb * LANES) {
        int t = 0;
        for (; t + steps <= T; t += steps)
            conv_steps(out, out_stride, in, in_stride, n_in, K, w, b, Cp, ob, nb, t, steps);
        for (; t < T; t++)
            conv_steps(out, out_stride, in, in_stride, n_in, K, w, b, Cp, ob, nb, t, 1);
    }
}

/* Hidden units hb .. hb + 8*nb - 1: sums from zero over the flattened conv2 output in
 * PyTorch's order o*T + t; x is conv2's output [T][C2p]. */
INLINE void hidden_sums(float *acc, const float *f1, int Hp, const float *x, int C2p, int C2, int T,
                        int hb, int nb)
{
    vf a[4];
    for (int q = 0; q < nb; q++)
        a[q] = (vf){0};
    for (int o = 0; o < C2; o++)
        for (int t = 0; t < T; t++) {
            const float xv = x[(size_t)t * (size_t)C2p + (size_t)o];
            const float *wr = f1 + ((size_t)o * (size_t)T + (size_t)t) * (size_t)Hp + (size_t)hb;
#pragma GCC unroll 4
            for (int q = 0; q < nb; q++) {
                const vf p = *(const vf *)(wr + q * LANES) * xv;
                a[q] = a[q] + p;
            }
        }
    for (int q = 0; q < nb; q++)
        *(vf *)(acc + hb + q * LANES) = a[q];
}

INLINE float run_lanes(const rq_temporal_host *h, const float *features, float *work, int nb,
                       int steps)
{
    const int T = h->T, pad = h->pad, rows = T + 2 * pad;
    float *xp = work;                              /* [rows][RF] */
    float *h1 = xp + (size_t)rows * (size_t)h->RF;  /* [rows][C1p] */
    float *h2 = h1 + (size_t)rows * (size_t)h->C1p; /* [T][C2p] */
    float *acc = h2 + (size_t)T * (size_t)h->C2p;   /* [Hp] */
    memset(xp, 0, (size_t)pad * (size_t)h->RF * sizeof(float));
    memcpy(xp + (size_t)pad * (size_t)h->RF, features, (size_t)T * (size_t)h->RF * sizeof(float));
    memset(xp + (size_t)(pad + T) * (size_t)h->RF, 0, (size_t)pad * (size_t)h->RF * sizeof(float));
    memset(h1, 0, (size_t)pad * (size_t)h->C1p * sizeof(float));
    memset(h1 + (size_t)(pad + T) * (size_t)h->C1p, 0, (size_t)pad * (size_t)h->C1p * sizeof(float));

    conv_layer(h1 + (size_t)pad * (size_t)h->C1p, h->C1p, xp, h->RF, h->RF, h->K, T, h->w1, h->b1,
               h->C1p, nb, steps);
    conv_layer(h2, h->C2p, h1, h->C1p, h->C1, h->K, T, h->w2, h->b2, h->C2p, nb, steps);
    int hb = 0;
    for (; hb + 4 * LANES <= h->Hp; hb += 4 * LANES)
        hidden_sums(acc, h->f1, h->Hp, h2, h->C2p, h->C2, T, hb, 4);
    for (; hb + 2 * LANES <= h->Hp; hb += 2 * LANES)
        hidden_sums(acc, h->f1, h->Hp, h2, h->C2p, h->C2, T, hb, 2);
    for (; hb < h->Hp; hb += LANES)
        hidden_sums(acc, h->f1, h->Hp, h2, h->C2p, h->C2, T, hb, 1);
    return temporal_fusion_head(h->net, acc);
}

/* 32 registers: two channel vectors by eight time steps in flight. */
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))
static float run_avx512(const rq_temporal_host *h, const float *features, float *work)
{
    return run_lanes(h, features, work, 2, 8);
}

/* 16 registers: one channel vector by eight time steps in flight. */
__attribute__((target("avx2")))
static float run_avx2(const rq_temporal_host *h, const float *features, float *work)
{
    return run_lanes(h, features, work, 1, 8);
}
#endif

float rq_temporal_host_run(const rq_temporal_host *h, const float *features, float *work)
{
#if defined(__x86_64__)
    if (h->level == RQ_SIMD_AVX512)
        return run_avx512(h, features, work);
    if (h->level == RQ_SIMD_AVX2)
        return run_avx2(h, features, work);
#endif
    return temporal_fusion_run(h->net, features, work);
}
