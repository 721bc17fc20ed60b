/* Float32 operators of exported ONNX graphs: see float_ops.h for the contract and
 * docs/onnx-c.md for the order of each sum and what was measured against PyTorch.
 * Every multiply and every add is its own statement so that no compiler in ISO C mode
 * fuses them into one rounding. */
#include "float_ops.h"

#include <math.h>

/* A fused multiply-add rounds once where PyTorch rounds twice: forbid contraction even when
 * the firmware builds in GNU mode (GCC's default -ffp-contract=fast fuses across
 * statements). C99's pragma for every other compiler. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- convolution and matrix products ---- */

void rqf_conv2d(const rqf_conv *p, const float *x, const float *w, const float *bias, float *y)
{
    const int cg = p->in_ch / p->groups, og = p->out_ch / p->groups;
    const int kk = p->kernel_h * p->kernel_w;
    for (int o = 0; o < p->out_ch; o++) {
        const int g = o / og;
        const float *wo = w + (long)o * cg * kk;
        float *yo = y + (long)o * p->out_h * p->out_w;
        for (int oh = 0; oh < p->out_h; oh++) {
            for (int ow = 0; ow < p->out_w; ow++) {
                const int h0 = oh * p->stride_h - p->pad_top;
                const int w0 = ow * p->stride_w - p->pad_left;
                float acc = bias ? bias[o] : 0.0f;
                for (int c = 0; c < cg; c++) {
                    const float *xc = x + (long)(g * cg + c) * p->in_h * p->in_w;
                    const float *wc = wo + c * kk;
                    for (int i = 0; i < p->kernel_h; i++) {
                        const int ih = h0 + i * p->dilation_h;
                        if (ih < 0 || ih >= p->in_h)
                            continue;
                        for (int j = 0; j < p->kernel_w; j++) {
                            const int iw = w0 + j * p->dilation_w;
                            if (iw < 0 || iw >= p->in_w)
                                continue;
                            float prod = wc[i * p->kernel_w + j] * xc[ih * p->in_w + iw];
                            acc = acc + prod;
                        }
                    }
                }
                yo[oh * p->out_w + ow] = acc;
            }
        }
    }
}

void rqf_gemm(const float *a, const float *b, int b_transposed, const float *bias, int bias_rows,
              int bias_cols, int M, int K, int N, float *y)
{
    for (int m = 0; m < M; m++) {
        const float *am = a + (long)m * K;
        for (int n = 0; n < N; n++) {
            float acc = 0.0f;
            if (b_transposed) {
                const float *bn = b + (long)n * K;
                for (int k = 0; k < K; k++) {
                    float prod = am[k] * bn[k];
                    acc = acc + prod;
                }
            } else {
                for (int k = 0; k < K; k++) {
                    float prod = am[k] * b[(long)k * N + n];
                    acc = acc + prod;
                }
            }
            if (bias)
                acc = acc + bias[(bias_rows > 1 ? m * bias_cols : 0) + (bias_cols > 1 ? n : 0)];
            y[(long)m * N + n] = acc;
        }
    }
}

void rqf_matmul(const float *a, const float *b, int batch, int a_step, int b_step, int M, int K,
                int N, float *y)
{
    for (int i = 0; i < batch; i++)
        rqf_gemm(a + (long)i * a_step, b + (long)i * b_step, 0, 0, 1, 1, M, K, N,
                 y + (long)i * M * N);
}

/* ---- element-wise ---- */

static float binop(rqf_binop op, float a, float b)
{
    switch (op) {
    case RQF_ADD: return a + b;
    case RQF_SUB: return a - b;
    case RQF_MUL: return a * b;
    case RQF_DIV: return a / b;
    case RQF_POW: return b == 2.0f ? a * a : powf(a, b);
    }
    return 0.0f;
}

void rqf_binary(rqf_binop op, const rqf_bcast *p, const float *a, const float *b, float *y)
{
    int idx[RQF_MAX_DIMS] = {0};
    long total = 1;
    for (int d = 0; d < p->rank; d++)
        total *= p->dims[d];
    long ia = 0, ib = 0;
    for (long i = 0; i < total; i++) {
        y[i] = binop(op, a[ia], b[ib]);
        /* odometer over the output index, moving both input offsets along */
        for (int d = p->rank - 1; d >= 0; d--) {
            ia += p->a_stride[d];
            ib += p->b_stride[d];
            if (++idx[d] < p->dims[d])
                break;
            ia -= (long)p->a_stride[d] * p->dims[d];
            ib -= (long)p->b_stride[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

/* ---- PyTorch's transcendental functions ----
 * PyTorch's AVX2 kernels evaluate exp and tanh with Sleef's u10 algorithms (Sleef is
 * Boost-licensed; the algorithm and its coefficients are reproduced here), built with FMA:
 * a Cody-Waite reduction by ln 2, a polynomial, a scaling by 2^q; tanh through exp in
 * double-float arithmetic. fmaf is exact everywhere (one instruction on the Cortex-M55),
 * so these give PyTorch's bits on any IEEE-754 target, unlike libm's expf/tanhf. */

/* x * 2^q for -300 < q < 300 in two exact steps (Sleef's ldexp2) */
static float scale_pow2(float x, int q)
{
    const int a = q >= 0 ? q / 2 : -((1 - q) / 2); /* floor(q / 2) */
    const int b = q - a;
    union { unsigned int u; float f; } pa, pb;
    pa.u = (unsigned int)(a + 127) << 23;
    pb.u = (unsigned int)(b + 127) << 23;
    return x * pa.f * pb.f;
}

static const float R_LN2F = 1.442695040888963407359924681001892137426645954152985934135449406931f;
static const float L2UF = 0.693145751953125f;
static const float L2LF = 1.428606765330187045e-06f;

/* Sleef_expf8_u10 */
static float torch_expf(float d)
{
    if (d != d)
        return d;
    if (d < -104.0f)
        return 0.0f;
    if (d > 100.0f)
        return INFINITY;
    const int q = (int)rintf(d * R_LN2F);
    float s = fmaf((float)q, -L2UF, d);
    s = fmaf((float)q, -L2LF, s);
    float u = 0.000198527617612853646278381f;
    u = fmaf(u, s, 0.00139304355252534151077271f);
    u = fmaf(u, s, 0.00833336077630519866943359f);
    u = fmaf(u, s, 0.0416664853692054748535156f);
    u = fmaf(u, s, 0.166666671633720397949219f);
    u = fmaf(u, s, 0.5f);
    u = 1.0f + fmaf(s * s, u, s);
    return scale_pow2(u, q);
}

/* double-float arithmetic (value x + y), Sleef's FMA variants */
typedef struct dfl {
    float x, y;
} dfl;

static dfl df_make(float x, float y)
{
    dfl r;
    r.x = x;
    r.y = y;
    return r;
}

static dfl df_add_f(dfl a, float b)
{
    const float s = a.x + b, v = s - a.x;
    const float t = (a.x - (s - v)) + (b - v);
    return df_make(s, t + a.y);
}

static dfl df_add(dfl a, dfl b)
{
    const float s = a.x + b.x, v = s - a.x;
    const float t = (a.x - (s - v)) + (b.x - v);
    return df_make(s, t + (a.y + b.y));
}

static dfl df_mul_f(dfl a, float b)
{
    const float s = a.x * b;
    return df_make(s, fmaf(a.y, b, fmaf(a.x, b, -s)));
}

static dfl df_mul(dfl a, dfl b)
{
    const float s = a.x * b.x;
    return df_make(s, fmaf(a.x, b.y, fmaf(a.y, b.x, fmaf(a.x, b.x, -s))));
}

static dfl df_square(dfl a)
{
    const float s = a.x * a.x;
    return df_make(s, fmaf(a.x + a.x, a.y, fmaf(a.x, a.x, -s)));
}

static dfl df_div(dfl n, dfl d)
{
    const float t = 1.0f / d.x, s = n.x * t;
    const float u = fmaf(t, n.x, -s);
    const float v = fmaf(-d.y, t, fmaf(-d.x, t, 1.0f));
    return df_make(s, fmaf(s, v, fmaf(n.y, t, u)));
}

/* exp(d) in double-float for 0 <= d < 9 (Sleef's expk2f) */
static dfl df_exp(float d)
{
    const int q = (int)rintf(d * R_LN2F);
    dfl s = df_add_f(df_make(d, 0.0f), (float)q * -L2UF);
    s = df_add_f(s, (float)q * -L2LF);
    float u = 0.1980960224e-3f;
    u = fmaf(u, s.x, 0.1394256484e-2f);
    u = fmaf(u, s.x, 0.8333456703e-2f);
    u = fmaf(u, s.x, 0.4166637361e-1f);
    dfl t = df_add_f(df_mul_f(s, u), 0.166666659414234244790680580464e+0f);
    t = df_add_f(df_mul(s, t), 0.5f);
    t = df_add(s, df_mul(df_square(s), t));
    {
        const float one_s = 1.0f + t.x;
        t = df_make(one_s, 1.0f - one_s + t.x + t.y);
    }
    return df_make(scale_pow2(t.x, q), scale_pow2(t.y, q));
}

/* Sleef_tanhf8_u10: (e - 1/e) / (e + 1/e) with e = exp(|x|) in double-float */
static float torch_tanhf(float x)
{
    const float a = fabsf(x);
    if (x != x)
        return x;
    if (a > 8.664339742f)
        return x < 0.0f ? -1.0f : 1.0f;
    const dfl e = df_exp(a);
    const dfl r = df_div(df_make(1.0f, 0.0f), e);
    const dfl q = df_div(df_add(e, df_make(-r.x, -r.y)), df_add(e, r));
    const float y = q.x + q.y;
    return x < 0.0f ? -y : y;
}

/* PyTorch's sigmoid: 1 / (1 + exp(-x)) with Sleef's exp in its vector loop, libm's expf
 * (glibc) for the last n % 16 elements of a tensor, which its AVX2 loop (two 8-float
 * vectors a step) leaves to the scalar code. */
static float sigmoid_vector(float x)
{
    float e = torch_expf(-x);
    float d = 1.0f + e;
    return 1.0f / d;
}

static float sigmoid_scalar(float x)
{
    float e = expf(-x);
    float d = 1.0f + e;
    return 1.0f / d;
}

/* Element i of an n-element sigmoid as PyTorch computes it. */
static float sigmoid_at(float x, int i, int n)
{
    return i < n - n % 16 ? sigmoid_vector(x) : sigmoid_scalar(x);
}

static float unop(rqf_unop op, float x)
{
    switch (op) {
    case RQF_RELU: return x < 0.0f ? 0.0f : x; /* NaN stays NaN, as in PyTorch */
    case RQF_SIGMOID: return sigmoid_scalar(x);
    case RQF_TANH: return torch_tanhf(x);
    case RQF_ERF: return erff(x);
    case RQF_SQRT: return sqrtf(x);
    case RQF_EXP: return torch_expf(x);
    case RQF_NEG: return -x;
    case RQF_ABS: return fabsf(x);
    case RQF_RECIPROCAL: return 1.0f / x;
    case RQF_HARD_SWISH: {
        /* ONNX: x * max(0, min(1, x / 6 + 0.5)) */
        float t = x * (1.0f / 6.0f);
        t = t + 0.5f;
        t = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
        return x * t;
    }
    case RQF_GELU: {
        /* PyTorch's scalar GELU: x * 0.5 * (1 + erf(x * sqrt(1/2))) */
        float h = x * 0.5f;
        float e = x * 0.707106781f;
        e = erff(e);
        e = 1.0f + e;
        return h * e;
    }
    }
    return x;
}

void rqf_unary(rqf_unop op, const float *x, int n, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = op == RQF_SIGMOID ? sigmoid_at(x[i], i, n) : unop(op, x[i]);
}

void rqf_leaky_relu(const float *x, int n, float alpha, float *y)
{
    for (int i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v < 0.0f ? v * alpha : v;
    }
}

void rqf_prelu(const float *x, int channels, int inner, const float *slope, int slope_n, float *y)
{
    for (int c = 0; c < channels; c++) {
        const float s = slope[slope_n > 1 ? c : 0];
        for (int i = 0; i < inner; i++) {
            float v = x[c * inner + i];
            y[c * inner + i] = v < 0.0f ? v * s : v;
        }
    }
}

void rqf_clip(const float *x, int n, float lo, float hi, float *y)
{
    for (int i = 0; i < n; i++) {
        float v = x[i];
        v = v < lo ? lo : v;
        y[i] = v > hi ? hi : v;
    }
}

void rqf_hard_sigmoid(const float *x, int n, float alpha, float beta, float *y)
{
    for (int i = 0; i < n; i++) {
        float v = alpha * x[i];
        v = v + beta;
        v = v < 0.0f ? 0.0f : v;
        y[i] = v > 1.0f ? 1.0f : v;
    }
}

/* ---- reductions ---- */

/* PyTorch's AVX2 sum of n floats (at::vec::reduce_all): fewer than eight summed in order;
 * otherwise eight lanes, lane l adding the elements l, l + 8, l + 16, ... in order, then
 * the lanes added as a tree: l + (l + 4), then + (l + 2), then + (l + 1). */
static float lane_sum8(const float *v, int n)
{
    float lane[8];
    if (n < 8) {
        float s = v[0];
        for (int i = 1; i < n; i++)
            s = s + v[i];
        return s;
    }
    for (int l = 0; l < 8; l++)
        lane[l] = v[l];
    for (int i = 8; i < n; i++)
        lane[i % 8] = lane[i % 8] + v[i];
    for (int l = 0; l < 4; l++)
        lane[l] = lane[l] + lane[l + 4];
    lane[0] = lane[0] + lane[2];
    lane[1] = lane[1] + lane[3];
    return lane[0] + lane[1];
}

void rqf_softmax(const float *x, int rows, int n, float *y)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (long)r * n;
        float *yr = y + (long)r * n;
        float m = xr[0];
        for (int i = 1; i < n; i++)
            m = (xr[i] > m || xr[i] != xr[i]) ? xr[i] : m;
        for (int i = 0; i < n; i++) {
            float d = xr[i] - m;
            yr[i] = torch_expf(d);
        }
        float inv = 1.0f / lane_sum8(yr, n);
        for (int i = 0; i < n; i++)
            yr[i] = yr[i] * inv;
    }
}

/* ceil(log2(x)) for x >= 1 */
static int ceil_log2(int x)
{
    int k = 0;
    while ((1 << k) < x)
        k++;
    return k;
}

/* PyTorch's multi_row_sum (SumKernel.cpp): `rows` rows of `width` floats summed column by
 * column, with the running sums cascaded into four levels every 16 rows (fewer roundings
 * on long rows). out[k] = sum over rows of v[row * stride + k]. width <= 32. */
static void cascade_rows(const float *v, int rows, int width, long stride, float *out)
{
    float acc[4][32];
    const int power = ceil_log2(rows) / 4 > 4 ? ceil_log2(rows) / 4 : 4;
    const int step = 1 << power, mask = step - 1;
    for (int j = 0; j < 4; j++)
        for (int k = 0; k < width; k++)
            acc[j][k] = 0.0f;
    int i = 0;
    while (i + step <= rows) {
        for (int j = 0; j < step; j++, i++)
            for (int k = 0; k < width; k++)
                acc[0][k] = acc[0][k] + v[(long)i * stride + k];
        for (int j = 1; j < 4; j++) {
            for (int k = 0; k < width; k++) {
                acc[j][k] = acc[j][k] + acc[j - 1][k];
                acc[j - 1][k] = 0.0f;
            }
            if ((i & (mask << (j * power))) != 0)
                break;
        }
    }
    for (; i < rows; i++)
        for (int k = 0; k < width; k++)
            acc[0][k] = acc[0][k] + v[(long)i * stride + k];
    for (int j = 1; j < 4; j++)
        for (int k = 0; k < width; k++)
            acc[0][k] = acc[0][k] + acc[j][k];
    for (int k = 0; k < width; k++)
        out[k] = acc[0][k];
}

/* Sum of n contiguous floats in the order of PyTorch's cascade_sum for an inner reduction
 * (SumKernel.cpp, AVX2): four interleaved accumulators (of 8-float vectors when n >= 8,
 * of scalars below), cascaded every 16 rows; leftover vectors go to the first accumulator,
 * the other three are added to it; then the scalar tail is summed from zero and the eight
 * lanes are added to it in order. */
static float torch_contiguous_sum(const float *v, int n)
{
    float part[32];
    if (n < 8) {
        int rows = n / 4, i;
        cascade_rows(v, rows, 4, 4, part);
        for (i = rows * 4; i < n; i++)
            part[0] = part[0] + v[i];
        for (int k = 1; k < 4; k++)
            part[0] = part[0] + part[k];
        return part[0];
    }
    const int nvec = n / 8, rows = nvec / 4;
    cascade_rows(v, rows, 32, 32, part);
    for (int j = rows * 4; j < nvec; j++)
        for (int l = 0; l < 8; l++)
            part[l] = part[l] + v[j * 8 + l];
    for (int k = 1; k < 4; k++)
        for (int l = 0; l < 8; l++)
            part[l] = part[l] + part[k * 8 + l];
    float s = 0.0f;
    for (int i = nvec * 8; i < n; i++)
        s = s + v[i];
    for (int l = 0; l < 8; l++)
        s = s + part[l];
    return s;
}

void rqf_reduce_mean(const float *x, int outer, int n, int inner, float *y)
{
    const float count = (float)n;
    for (int o = 0; o < outer; o++) {
        if (inner == 1) {
            y[o] = torch_contiguous_sum(x + (long)o * n, n) / count;
            continue;
        }
        /* PyTorch's outer reduction (vectorized_outer_sum) takes the columns 32 at a time,
         * each summed down the rows with the cascade; narrower remainders are reduced in
         * another order (rows interleaved four ways), not reproduced here */
        int i = 0;
        for (; i + 32 <= inner; i += 32) {
            float part[32];
            cascade_rows(x + (long)o * n * inner + i, n, 32, inner, part);
            for (int k = 0; k < 32; k++)
                y[(long)o * inner + i + k] = part[k] / count;
        }
        for (; i < inner; i++) {
            float s = 0.0f;
            for (int k = 0; k < n; k++)
                s = s + x[((long)o * n + k) * inner + i];
            y[(long)o * inner + i] = s / count;
        }
    }
}

/* a * b + c in two roundings (contraction is off in this file) */
static float madd(float a, float b, float c)
{
    float p = a * b;
    return p + c;
}

/* Welford moments merged the way PyTorch's AddMoments does (moments_utils.h). */
static void add_moments(long n_add, float m1_add, float m2_add, long *n, float *m1, float *m2)
{
    const long total = *n + n_add;
    const float c = total == 0 ? 0.0f : (float)n_add / (float)total;
    const float delta = m1_add - *m1;
    *m1 = madd(c, delta, *m1);
    float dd = delta * delta;
    dd = dd * c;
    *m2 = *m2 + madd(dd, (float)*n, m2_add);
    *n = total;
}

/* Mean and variance of n floats as PyTorch's RowwiseMoments computes them with AVX2:
 * Welford per lane over chunks of 16 vectors of 8 floats, chunks merged in a binary
 * cascade, a scalar Welford over the tail, then the eight lanes merged into it. */
static void torch_moments(const float *x, int n, float *mean, float *var)
{
    enum { LANES = 8, CHUNK = 16, DEPTH = 16 }; /* up to 8 * 16 * 2^16 floats */
    const int nvec = n / LANES;
    const int chunks = (nvec + CHUNK - 1) / CHUNK;
    const int depth = ceil_log2(chunks);
    long sn[DEPTH];
    float s1[DEPTH][LANES], s2[DEPTH][LANES];
    for (int d = 0; d < depth || d == 0; d++) {
        sn[d] = 0;
        for (int l = 0; l < LANES; l++)
            s1[d][l] = s2[d][l] = 0.0f;
    }
    for (int i = 0; i < chunks; i++) {
        const float *xc = x + (long)i * CHUNK * LANES;
        const int m0 = nvec - i * CHUNK < CHUNK ? nvec - i * CHUNK : CHUNK;
        float m1[LANES], m2[LANES];
        for (int l = 0; l < LANES; l++)
            m1[l] = m2[l] = 0.0f;
        for (int j = 0; j < m0; j++) {
            const float c = 1.0f / (float)(j + 1);
            for (int l = 0; l < LANES; l++) {
                const float v = xc[j * LANES + l];
                const float delta = v - m1[l];
                m1[l] = madd(delta, c, m1[l]);
                m2[l] = madd(delta, v - m1[l], m2[l]);
            }
        }
        long n0 = sn[0];
        for (int l = 0; l < LANES; l++) {
            long nl = n0;
            add_moments(m0, m1[l], m2[l], &nl, &s1[0][l], &s2[0][l]);
            sn[0] = nl;
        }
        int mask = i + 1;
        for (int d = 1; d < depth && (mask & 1) == 0; d++) {
            long nd = sn[d];
            for (int l = 0; l < LANES; l++) {
                nd = sn[d];
                add_moments(sn[d - 1], s1[d - 1][l], s2[d - 1][l], &nd, &s1[d][l], &s2[d][l]);
            }
            sn[d] = nd;
            sn[d - 1] = 0;
            for (int l = 0; l < LANES; l++)
                s1[d - 1][l] = s2[d - 1][l] = 0.0f;
            mask >>= 1;
        }
    }
    for (int d = 1; d < depth; d++) {
        long n0 = sn[0];
        for (int l = 0; l < LANES; l++) {
            n0 = sn[0];
            add_moments(sn[d], s1[d][l], s2[d][l], &n0, &s1[0][l], &s2[0][l]);
        }
        sn[0] = n0;
    }
    long m0 = 0;
    float m1 = 0.0f, m2 = 0.0f;
    for (int i = nvec * LANES; i < n; i++) {
        const float delta = x[i] - m1;
        m0++;
        m1 = m1 + delta / (float)m0;
        m2 = madd(delta, x[i] - m1, m2);
    }
    for (int l = 0; l < LANES; l++)
        add_moments(nvec, s1[0][l], s2[0][l], &m0, &m1, &m2);
    *mean = m1;
    *var = m2 / (float)n;
}

void rqf_layer_norm(const float *x, int rows, int n, const float *gamma, const float *beta,
                    float eps, float *y)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (long)r * n;
        float *yr = y + (long)r * n;
        float mean, var;
        torch_moments(xr, n, &mean, &var);
        var = var < 0.0f ? 0.0f : var;
        const float rstd = 1.0f / sqrtf(var + eps);
        const float shift = -rstd * mean;
        for (int i = 0; i < n; i++) {
            /* PyTorch's vectorised (x * rstd + shift) * gamma + beta is compiled with FMA
             * contraction (AVX2 + FMA kernels): two fused roundings, as here */
            float v = fmaf(xr[i], rstd, shift);
            v = beta ? fmaf(v, gamma[i], beta[i]) : v * gamma[i];
            yr[i] = v;
        }
    }
}

/* ---- pooling ---- */

void rqf_max_pool2d(const rqf_conv *p, const float *x, float *y)
{
    for (int c = 0; c < p->out_ch; c++) {
        const float *xc = x + (long)c * p->in_h * p->in_w;
        for (int oh = 0; oh < p->out_h; oh++) {
            for (int ow = 0; ow < p->out_w; ow++) {
                float m = -INFINITY;
                for (int i = 0; i < p->kernel_h; i++) {
                    int ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
                    if (ih < 0 || ih >= p->in_h)
                        continue;
                    for (int j = 0; j < p->kernel_w; j++) {
                        int iw = ow * p->stride_w - p->pad_left + j * p->dilation_w;
                        if (iw < 0 || iw >= p->in_w)
                            continue;
                        float v = xc[ih * p->in_w + iw];
                        if (v > m || v != v) /* NaN wins, as in PyTorch */
                            m = v;
                    }
                }
                y[((long)c * p->out_h + oh) * p->out_w + ow] = m;
            }
        }
    }
}

void rqf_avg_pool2d(const rqf_conv *p, int count_include_pad, const float *x, float *y)
{
    for (int c = 0; c < p->out_ch; c++) {
        const float *xc = x + (long)c * p->in_h * p->in_w;
        for (int oh = 0; oh < p->out_h; oh++) {
            for (int ow = 0; ow < p->out_w; ow++) {
                int h0 = oh * p->stride_h - p->pad_top, w0 = ow * p->stride_w - p->pad_left;
                int h1 = h0 + p->kernel_h, w1 = w0 + p->kernel_w;
                /* PyTorch: the window clipped to the padded input, then to the input */
                int hp = h1 < p->in_h + p->pad_top ? h1 : p->in_h + p->pad_top;
                int wp = w1 < p->in_w + p->pad_left ? w1 : p->in_w + p->pad_left;
                int padded = (hp - h0) * (wp - w0);
                h0 = h0 < 0 ? 0 : h0;
                w0 = w0 < 0 ? 0 : w0;
                h1 = h1 > p->in_h ? p->in_h : h1;
                w1 = w1 > p->in_w ? p->in_w : w1;
                float s = 0.0f;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++)
                        s = s + xc[ih * p->in_w + iw];
                int count = count_include_pad ? padded : (h1 - h0) * (w1 - w0);
                y[((long)c * p->out_h + oh) * p->out_w + ow] = s / (float)count;
            }
        }
    }
}

/* ---- data movement ---- */

void rqf_strided_copy(const rqf_gather *p, const float *x, float *y)
{
    int idx[RQF_MAX_DIMS] = {0};
    long total = 1;
    for (int d = 0; d < p->rank; d++)
        total *= p->dims[d];
    long ix = p->x_offset;
    for (long i = 0; i < total; i++) {
        y[i] = x[ix];
        for (int d = p->rank - 1; d >= 0; d--) {
            ix += p->x_stride[d];
            if (++idx[d] < p->dims[d])
                break;
            ix -= (long)p->x_stride[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

void rqf_copy_rows(const float *x, int x_stride, int rows, int n, float *y, int y_stride)
{
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < n; i++)
            y[(long)r * y_stride + i] = x[(long)r * x_stride + i];
}

void rqf_pad_constant(const rqf_pad *p, const float *x, float value, float *y)
{
    int idx[RQF_MAX_DIMS] = {0};
    long total = 1;
    for (int d = 0; d < p->rank; d++)
        total *= p->out_dims[d];
    for (long i = 0; i < total; i++) {
        long ix = 0;
        int inside = 1;
        for (int d = 0; d < p->rank; d++) {
            int s = idx[d] - p->before[d];
            inside = inside && s >= 0 && s < p->in_dims[d];
            ix = ix * p->in_dims[d] + s;
        }
        y[i] = inside ? x[ix] : value;
        for (int d = p->rank - 1; d >= 0; d--) {
            if (++idx[d] < p->out_dims[d])
                break;
            idx[d] = 0;
        }
    }
}

/* ---- recurrent layers ---- */

/* out[j] = sum_k m[j][k] * v[k] from zero, then + bias[j] (PyTorch's linear) */
static void linear_rows(const float *m, const float *v, const float *bias, int rows, int cols,
                        float *out)
{
    for (int j = 0; j < rows; j++) {
        float acc = 0.0f;
        for (int k = 0; k < cols; k++) {
            float prod = m[(long)j * cols + k] * v[k];
            acc = acc + prod;
        }
        out[j] = bias ? acc + bias[j] : acc;
    }
}

void rqf_gru(const float *x, int T, int I, int H, const float *w, const float *r,
             const float *wb, const float *rb, const float *h0, int reverse, float *y, int y_step,
             float *h_last, float *work)
{
    float *gi = work, *gh = work + 3 * H, *h = work + 6 * H;
    for (int j = 0; j < H; j++)
        h[j] = h0 ? h0[j] : 0.0f;
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        linear_rows(w, x + (long)t * I, wb, 3 * H, I, gi);
        linear_rows(r, h, rb, 3 * H, H, gh);
        /* ONNX gate blocks: z (update) at 0, r (reset) at H, h (new) at 2H */
        for (int j = 0; j < H; j++) {
            float rg = sigmoid_at(gh[H + j] + gi[H + j], j, H);
            float z = sigmoid_at(gh[j] + gi[j], j, H);
            float n = gh[2 * H + j] * rg;
            n = torch_tanhf(gi[2 * H + j] + n);
            float d = h[j] - n;
            d = d * z;
            h[j] = d + n;
        }
        for (int j = 0; j < H; j++)
            y[(long)t * y_step + j] = h[j];
    }
    if (h_last)
        for (int j = 0; j < H; j++)
            h_last[j] = h[j];
}

void rqf_lstm(const float *x, int T, int I, int H, const float *w, const float *r,
              const float *wb, const float *rb, const float *h0, const float *c0, int reverse,
              float *y, int y_step, float *h_last, float *c_last, float *work)
{
    float *gi = work, *gh = work + 4 * H, *h = work + 8 * H, *c = work + 9 * H;
    for (int j = 0; j < H; j++) {
        h[j] = h0 ? h0[j] : 0.0f;
        c[j] = c0 ? c0[j] : 0.0f;
    }
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        linear_rows(w, x + (long)t * I, wb, 4 * H, I, gi);
        linear_rows(r, h, rb, 4 * H, H, gh);
        /* ONNX gate blocks: i at 0, o at H, f at 2H, c (cell) at 3H */
        for (int j = 0; j < H; j++) {
            float ig = sigmoid_at(gh[j] + gi[j], j, H);
            float og = sigmoid_at(gh[H + j] + gi[H + j], j, H);
            float fg = sigmoid_at(gh[2 * H + j] + gi[2 * H + j], j, H);
            float cg = torch_tanhf(gh[3 * H + j] + gi[3 * H + j]);
            float keep = fg * c[j];
            float add = ig * cg;
            c[j] = keep + add;
            h[j] = og * torch_tanhf(c[j]);
        }
        for (int j = 0; j < H; j++)
            y[(long)t * y_step + j] = h[j];
    }
    if (h_last)
        for (int j = 0; j < H; j++)
            h_last[j] = h[j];
    if (c_last)
        for (int j = 0; j < H; j++)
            c_last[j] = c[j];
}
