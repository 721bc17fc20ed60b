#include "model/spatial_cnn.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int rq_spatial_fold(const rq_conv_bn_params *p, rq_spatial_conv *out, rq_error *err)
{
    memset(out, 0, sizeof *out);
    if (p->cin <= 0 || p->cout <= 0 || p->k <= 0 || p->k % 2 == 0)
        return rq_fail(err, "conv %dx%d kernel %d: need positive channels and an odd kernel",
                       p->cout, p->cin, p->k);
    size_t taps = (size_t)p->k * (size_t)p->k;
    size_t n = (size_t)p->cout * taps * (size_t)p->cin;
    out->w_ohwi = malloc(n * sizeof(float));
    out->w_hwio = malloc(n * sizeof(float));
    out->b = malloc((size_t)p->cout * sizeof(float));
    if (!out->w_ohwi || !out->w_hwio || !out->b) {
        free(out->w_ohwi), free(out->w_hwio), free(out->b);
        memset(out, 0, sizeof *out);
        return rq_fail(err, "out of memory folding a conv layer");
    }
    out->cin = p->cin, out->cout = p->cout, out->k = p->k;
    for (int o = 0; o < p->cout; o++) {
        /* In double: the folded float32 value is then the correctly rounded one. */
        double inv = 1.0 / sqrt((double)p->var[o] + RQ_BN_EPS);
        double g = (double)p->gamma[o] * inv;
        double b = p->bias ? (double)p->bias[o] : 0.0;
        out->b[o] = (float)((b - (double)p->mean[o]) * g + (double)p->beta[o]);
        for (int i = 0; i < p->cin; i++)
            for (size_t t = 0; t < taps; t++) {
                float v = (float)((double)p->weight[((size_t)o * (size_t)p->cin + (size_t)i) * taps + t] * g);
                out->w_ohwi[((size_t)o * taps + t) * (size_t)p->cin + (size_t)i] = v;
                out->w_hwio[(t * (size_t)p->cin + (size_t)i) * (size_t)p->cout + (size_t)o] = v;
            }
    }
    return 0;
}

static void free_conv(rq_spatial_conv *c)
{
    free(c->w_ohwi), free(c->w_hwio), free(c->b);
    memset(c, 0, sizeof *c);
}

void rq_spatial_free(rq_spatial_cnn *m)
{
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        free_conv(&m->conv[l]);
}

int rq_spatial_from_params(const rq_conv_bn_params p[RQ_SPATIAL_CONVS], rq_spatial_cnn *m,
                           rq_error *err)
{
    memset(m, 0, sizeof *m);
    m->contract.repr = RPPG_REPR_RAW;
    m->contract.scale = 1.0f;
    m->contract.frame_stride = 1;
    for (int l = 1; l < RQ_SPATIAL_CONVS; l++)
        if (p[l].cin != p[l - 1].cout)
            return rq_fail(err, "conv %d takes %d channels but conv %d gives %d", l, p[l].cin,
                           l - 1, p[l - 1].cout);
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        if (rq_spatial_fold(&p[l], &m->conv[l], err) < 0) {
            rq_spatial_free(m);
            return -1;
        }
    return 0;
}

int rq_spatial_in_channels(const rq_spatial_cnn *m) { return m->conv[0].cin; }
int rq_spatial_out_features(const rq_spatial_cnn *m) { return m->conv[RQ_SPATIAL_CONVS - 1].cout; }

int rq_spatial_ws_init(rq_spatial_ws *ws, const rq_spatial_cnn *m, int h, int w, rq_error *err)
{
    memset(ws, 0, sizeof *ws);
    if (h < 4 || w < 4 || h > 4096 || w > 4096)
        return rq_fail(err, "patch %dx%d: the spatial CNN needs 4..4096 pixels a side", h, w);
    ws->h = h, ws->w = w;
    int ch = h, cw = w;
    for (int a = 0; a < RQ_SPATIAL_ACTS; a++) {
        int c;
        switch (a) {
        case RQ_ACT_CONV0: c = m->conv[0].cout; break;
        case RQ_ACT_POOL0: ch /= 2, cw /= 2, c = m->conv[0].cout; break;
        case RQ_ACT_CONV1: c = m->conv[1].cout; break;
        case RQ_ACT_POOL1: ch /= 2, cw /= 2, c = m->conv[1].cout; break;
        case RQ_ACT_CONV2: c = m->conv[2].cout; break;
        default: ch = 1, cw = 1, c = m->conv[2].cout; break;
        }
        ws->act_h[a] = ch, ws->act_w[a] = cw, ws->act_c[a] = c;
        ws->act[a] = malloc((size_t)ch * (size_t)cw * (size_t)c * sizeof(float));
        if (!ws->act[a]) {
            rq_spatial_ws_free(ws);
            return rq_fail(err, "out of memory for spatial CNN activations");
        }
    }
    return 0;
}

void rq_spatial_ws_free(rq_spatial_ws *ws)
{
    for (int a = 0; a < RQ_SPATIAL_ACTS; a++)
        free(ws->act[a]);
    memset(ws, 0, sizeof *ws);
}

/* One output pixel, output channels [ob, ob+B): the B accumulators stay in registers over
 * all taps and input channels (the constant B lets the compiler vectorize at -O2); weights
 * are HWIO so that a block's B weights are contiguous. */
#define CONV_BLOCK(B)                                                                         \
    static inline void conv_block##B(const rq_spatial_conv *c, const float *in, int w, int oy, \
                                     int ox, int ky0, int ky1, int kx0, int kx1, int ob,       \
                                     float *dst)                                              \
    {                                                                                         \
        const int k = c->k, pad = k / 2, cin = c->cin, cout = c->cout;                        \
        float a[B];                                                                           \
        for (int j = 0; j < B; j++)                                                           \
            a[j] = c->b[ob + j];                                                              \
        for (int ky = ky0; ky < ky1; ky++)                                                    \
            for (int kx = kx0; kx < kx1; kx++) {                                              \
                const float *px = in + ((size_t)(oy - pad + ky) * (size_t)w +                 \
                                        (size_t)(ox - pad + kx)) * (size_t)cin;              \
                const float *wt = c->w_hwio + (size_t)(ky * k + kx) * (size_t)cin * (size_t)cout + (size_t)ob; \
                for (int i = 0; i < cin; i++) {                                               \
                    const float x = px[i], *wi = wt + (size_t)i * (size_t)cout;               \
                    for (int j = 0; j < B; j++)                                               \
                        a[j] += x * wi[j];                                                    \
                }                                                                             \
            }                                                                                 \
        for (int j = 0; j < B; j++)                                                           \
            dst[ob + j] = a[j] > 0.0f ? a[j] : 0.0f;                                          \
    }
CONV_BLOCK(16)
CONV_BLOCK(8)
CONV_BLOCK(1)

/* An AVX2 build of the convolution is chosen at load time where the CPU has it (x86-64 with
 * ifunc). Each lane still accumulates one output channel in the same order, with separate
 * multiply and add (no FMA), so the results are the same bits whichever build runs. */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define CONV_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CONV_CLONES
#endif

/* Same-size convolution (zero padding k/2) + bias + ReLU, NHWC; the kernel window is
 * clipped at the borders instead of reading padding. */
CONV_CLONES static void conv_relu(const rq_spatial_conv *c, int h, int w, const float *in, float *out)
{
    const int k = c->k, pad = k / 2, cout = c->cout;
    for (int oy = 0; oy < h; oy++) {
        int ky0 = oy - pad < 0 ? pad - oy : 0;
        int ky1 = oy - pad + k > h ? h - oy + pad : k;
        for (int ox = 0; ox < w; ox++) {
            int kx0 = ox - pad < 0 ? pad - ox : 0;
            int kx1 = ox - pad + k > w ? w - ox + pad : k;
            float *dst = out + ((size_t)oy * (size_t)w + (size_t)ox) * (size_t)cout;
            int ob = 0;
            for (; ob + 16 <= cout; ob += 16)
                conv_block16(c, in, w, oy, ox, ky0, ky1, kx0, kx1, ob, dst);
            for (; ob + 8 <= cout; ob += 8)
                conv_block8(c, in, w, oy, ox, ky0, ky1, kx0, kx1, ob, dst);
            for (; ob < cout; ob++)
                conv_block1(c, in, w, oy, ox, ky0, ky1, kx0, kx1, ob, dst);
        }
    }
}

/* 2x2 max pooling, stride 2, floor (PyTorch's MaxPool2d(2) and TFLite VALID). */
static void maxpool2(int h, int w, int c, const float *in, float *out)
{
    const int oh = h / 2, ow = w / 2;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            const float *a = in + ((size_t)(2 * oy) * (size_t)w + (size_t)(2 * ox)) * (size_t)c;
            const float *b = a + (size_t)c;
            const float *d = a + (size_t)w * (size_t)c;
            const float *e = d + (size_t)c;
            float *o = out + ((size_t)oy * (size_t)ow + (size_t)ox) * (size_t)c;
            for (int j = 0; j < c; j++) {
                float m = a[j] > b[j] ? a[j] : b[j];
                float n = d[j] > e[j] ? d[j] : e[j];
                o[j] = m > n ? m : n;
            }
        }
}

static void mean_hw(int h, int w, int c, const float *in, float *out)
{
    for (int j = 0; j < c; j++) {
        double s = 0.0;
        for (size_t p = 0; p < (size_t)h * (size_t)w; p++)
            s += in[p * (size_t)c + (size_t)j];
        out[j] = (float)(s / ((double)h * (double)w));
    }
}

void rq_spatial_forward(const rq_spatial_cnn *m, rq_spatial_ws *ws, const float *patch, float *out)
{
    conv_relu(&m->conv[0], ws->h, ws->w, patch, ws->act[RQ_ACT_CONV0]);
    maxpool2(ws->h, ws->w, ws->act_c[RQ_ACT_CONV0], ws->act[RQ_ACT_CONV0], ws->act[RQ_ACT_POOL0]);
    conv_relu(&m->conv[1], ws->act_h[RQ_ACT_POOL0], ws->act_w[RQ_ACT_POOL0], ws->act[RQ_ACT_POOL0],
              ws->act[RQ_ACT_CONV1]);
    maxpool2(ws->act_h[RQ_ACT_CONV1], ws->act_w[RQ_ACT_CONV1], ws->act_c[RQ_ACT_CONV1],
             ws->act[RQ_ACT_CONV1], ws->act[RQ_ACT_POOL1]);
    conv_relu(&m->conv[2], ws->act_h[RQ_ACT_POOL1], ws->act_w[RQ_ACT_POOL1], ws->act[RQ_ACT_POOL1],
              ws->act[RQ_ACT_CONV2]);
    mean_hw(ws->act_h[RQ_ACT_CONV2], ws->act_w[RQ_ACT_CONV2], ws->act_c[RQ_ACT_CONV2],
            ws->act[RQ_ACT_CONV2], ws->act[RQ_ACT_MEAN]);
    memcpy(out, ws->act[RQ_ACT_MEAN], (size_t)ws->act_c[RQ_ACT_MEAN] * sizeof(float));
}
