#include "cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "int8_dwfc.h"
#include "int8_kernels.h"
#include "postprocess.h"
#include "quality.h"
#include "preprocess.h"
#include "q8_net.h"
#include "resample.h"
#include "temporal_fusion.h"

/* A synthetic-generator window (rppgq synth's renderer), written by host_cases
 * --make-window into the generated synth_window.c that both builds compile. */
extern const unsigned char rq_synth_window_bytes[8 * 3 * 36 * 36 * 3];
extern const float rq_synth_window_label;
/* The same window's camera frames (rq_synth_camera_frame, RGB888, rows packed) and face boxes. */
extern const int rq_synth_frame_size[2];
extern const int rq_synth_frame_boxes[8][4];
extern const unsigned char rq_synth_frames[8][160 * 120 * 3];

#ifdef RQ_M55
#define BIG_BUFFER __attribute__((section(".sram")))
#else
#define BIG_BUFFER
#endif

#define FRAME_W 160
#define FRAME_H 120
#define WINDOW 8

static BIG_BUFFER uint8_t frame_buf[FRAME_H * (FRAME_W * 3 + 8)];
static BIG_BUFFER float window_buf[WINDOW][RPPG_FRAME_FLOATS];
static BIG_BUFFER float rs_prev[RPPG_FRAME_FLOATS], rs_out[2][RPPG_FRAME_FLOATS];
static BIG_BUFFER int8_t conv_in[24 * 24 * 32], conv_out[2][24 * 24 * 32];
static BIG_BUFFER int8_t conv_w[32 * 5 * 5 * 32];
static int32_t conv_b[32], conv_m[32], conv_s[32];
static int32_t chan_b[64], chan_m[64], chan_s[64]; /* depthwise and FC per-channel params */

/* A Temporal Fusion network of the seed's dimensions with random weights (the runtime is
 * what is compared; its weights only need to be the same on both sides). */
#define TF_T 8
#define TF_R 3
#define TF_F 16
#define TF_C1 32
#define TF_C2 16
#define TF_K 3
#define TF_H 32
static BIG_BUFFER float tf_w1[TF_C1 * TF_R * TF_F * TF_K], tf_b1[TF_C1];
static BIG_BUFFER float tf_w2[TF_C2 * TF_C1 * TF_K], tf_b2[TF_C2];
static BIG_BUFFER float tf_w3[TF_H * TF_C2 * TF_T], tf_b3[TF_H], tf_w4[TF_H], tf_b4[1];

/* xorshift32: the same numbers on every platform */
static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

int rq_rng_range(uint32_t *s, int lo, int hi) /* inclusive */
{
    return lo + (int)(rng_next(s) % (uint32_t)(hi - lo + 1));
}

uint32_t rq_fnv1a(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

void rq_emitf(const rq_case_io *io, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    io->emit(line);
}

static void stack_report(const rq_case_io *io, const char *part, size_t used)
{
    if (io->stack_end)
        rq_emitf(io, "stack %s %lu", part, (unsigned long)used);
}

/* A face-like synthetic frame: skin colour, shading, a pulse on green and blue that follows
 * the frame index, and noise; integer arithmetic only. */
static void make_frame(uint32_t *rng, int t, rppg_pixel_format fmt, size_t stride)
{
    static const int pulse[WINDOW] = {0, 2, 3, 2, 0, -2, -3, -2};
    int x, y;
    for (y = 0; y < FRAME_H; y++) {
        uint8_t *row = frame_buf + (size_t)y * stride;
        for (x = 0; x < FRAME_W; x++) {
            const int shade = (x * 7 + y * 3) % 23 - 11;
            int r = 180 + shade + rq_rng_range(rng, -3, 3);
            int g = 120 + shade - pulse[t % WINDOW] + rq_rng_range(rng, -3, 3);
            int b = 90 + shade - pulse[t % WINDOW] / 2 + rq_rng_range(rng, -3, 3);
            if (fmt == RPPG_PIX_RGB565) {
                const unsigned v = ((unsigned)(r >> 3) << 11) | ((unsigned)(g >> 2) << 5) | (unsigned)(b >> 3);
                row[2 * x] = (uint8_t)(v & 0xFF);
                row[2 * x + 1] = (uint8_t)(v >> 8);
            } else {
                row[3 * x] = (uint8_t)r;
                row[3 * x + 1] = (uint8_t)g;
                row[3 * x + 2] = (uint8_t)b;
            }
        }
    }
}

static int case_preprocess(const rq_case_io *io, rppg_pixel_format fmt, uint32_t seed)
{
    const size_t stride = fmt == RPPG_PIX_RGB565 ? FRAME_W * 2 + 6 : FRAME_W * 3 + 5;
    const rppg_frame frame = {frame_buf, FRAME_W, FRAME_H, stride, fmt};
    size_t peak = 0;
    int t;
    for (t = 0; t < WINDOW; t++) {
        rppg_box face;
        int rc;
        make_frame(&seed, t, fmt, stride);
        /* mostly inside, sometimes cut by the frame edge, fractional ROI edges */
        face.w = rq_rng_range(&seed, 40, 150);
        face.h = rq_rng_range(&seed, 40, 120);
        face.x = rq_rng_range(&seed, -20, FRAME_W - 30);
        face.y = rq_rng_range(&seed, -20, FRAME_H - 50);
        if (io->stack_begin)
            io->stack_begin();
        rc = rppg_preprocess_frame(&frame, &face, window_buf[t]);
        if (io->stack_end) {
            size_t s = io->stack_end();
            peak = s > peak ? s : peak;
        }
        if (rc != 0) /* keep the window defined: fall back to a centred face */
        {
            rppg_box centre = {40, 20, 80, 80};
            rc = rppg_preprocess_frame(&frame, &centre, window_buf[t]) ? -2 : -1;
        }
        rq_emitf(io, "roi fmt=%d t=%d box=%d,%d,%d,%d rc=%d hash=%08lx px0=%08lx", (int)fmt, t,
              face.x, face.y, face.w, face.h, rc,
              (unsigned long)rq_fnv1a(window_buf[t], sizeof window_buf[t]),
              (unsigned long)float_bits(window_buf[t][0]));
    }
    stack_report(io, "rppg_preprocess_frame", peak);
    return 0;
}

static void fill_random(uint32_t *rng, float *w, int n, int fan_in)
{
    int i;
    for (i = 0; i < n; i++) /* integers / 2^k: exact on both sides */
        w[i] = (float)rq_rng_range(rng, -1000, 1000) / (float)(fan_in * 600);
}

static float hr_of_features(const rq_case_io *io, const int8_t feats[24][64])
{
    static const temporal_fusion_net *net_ptr;
    static temporal_fusion_net net;
    float f[24 * TF_F], work[TEMPORAL_FUSION_WORK_FLOATS(TF_C1, TF_T, TF_H)];
    int i, j;
    if (!net_ptr) {
        uint32_t rng = 0x7e3a9u;
        fill_random(&rng, tf_w1, TF_C1 * TF_R * TF_F * TF_K, 48);
        fill_random(&rng, tf_b1, TF_C1, 4);
        fill_random(&rng, tf_w2, TF_C2 * TF_C1 * TF_K, 32);
        fill_random(&rng, tf_b2, TF_C2, 4);
        fill_random(&rng, tf_w3, TF_H * TF_C2 * TF_T, 64);
        fill_random(&rng, tf_b3, TF_H, 4);
        fill_random(&rng, tf_w4, TF_H, 4);
        fill_random(&rng, tf_b4, 1, 4);
        net.frames = TF_T, net.rois = TF_R, net.features = TF_F;
        net.conv1_out = TF_C1, net.conv2_out = TF_C2, net.kernel = TF_K, net.hidden = TF_H;
        net.conv1_weight = tf_w1, net.conv1_bias = tf_b1, net.conv2_weight = tf_w2;
        net.conv2_bias = tf_b2, net.fc1_weight = tf_w3, net.fc1_bias = tf_b3;
        net.fc2_weight = tf_w4, net.fc2_bias = tf_b4;
        net_ptr = &net;
    }
    /* the model's DEQUANTIZE: real = (q - zp) * scale, row t*3 + roi */
    for (i = 0; i < 24; i++)
        for (j = 0; j < TF_F; j++)
            f[i * TF_F + j] = rppg_q8_dequantize(feats[i][j], io->feat_scale, io->feat_zp);
    {
        float hr;
        if (io->stack_begin)
            io->stack_begin();
        hr = temporal_fusion_run(net_ptr, f, work);
        if (io->stack_end)
            stack_report(io, "temporal_fusion_run", io->stack_end());
        return hr;
    }
}

static int case_patches(const rq_case_io *io, const rppg_contract *c, float scale, int32_t zp,
                        int with_features)
{
    static int8_t feats[24][64];
    const float *frames[WINDOW];
    int8_t patch[RPPG_PATCH_BYTES], feat[64];
    size_t peak = 0;
    int t, r, fails = 0;
    for (t = 0; t < WINDOW; t++)
        frames[t] = window_buf[t];
    for (t = 0; t < WINDOW; t++)
        for (r = 0; r < RPPG_ROIS; r++) {
            int rc;
            if (io->stack_begin)
                io->stack_begin();
            rc = rppg_window_patch(c, frames, WINDOW, t, r, scale, zp, patch);
            if (io->stack_end) {
                size_t s = io->stack_end();
                peak = s > peak ? s : peak;
            }
            fails += rc != 0;
            rq_emitf(io, "patch repr=%d t=%d roi=%d hash=%08lx", (int)c->repr, t, r,
                  (unsigned long)rq_fnv1a(patch, sizeof patch));
            if (with_features && io->features) {
                int i;
                char line[3 * 64 + 40];
                int n = snprintf(line, 40, "features t=%d roi=%d", t, r);
                io->features(patch, feat);
                memcpy(feats[t * RPPG_ROIS + r], feat, sizeof feat);
                for (i = 0; i < io->n_features && n < (int)sizeof line - 4; i++)
                    n += snprintf(line + n, sizeof line - (size_t)n, " %02x", (unsigned)(uint8_t)feat[i]);
                io->emit(line);
            }
        }
    stack_report(io, "rppg_window_patch", peak);
    if (with_features && io->features && io->n_features == TF_F) {
        /* one ulp of float32 allowed here: expf comes from each platform's libm */
        const float hr = hr_of_features(io, (const int8_t(*)[64])feats);
        rq_emitf(io, "hr repr=%d bits=%08lx bpm=%.4f", (int)c->repr, (unsigned long)float_bits(hr), (double)hr);
    }
    /* out-of-range arguments are refused */
    fails += rppg_window_patch(c, frames, 0, 0, 0, scale, zp, patch) != -1;
    fails += rppg_window_patch(c, frames, WINDOW, WINDOW, 0, scale, zp, patch) != -1;
    fails += rppg_window_patch(c, frames, WINDOW, 0, 3, scale, zp, patch) != -1;
    return fails;
}

static void random_conv(uint32_t *rng, rppg_q8_conv *p, rppg_q8_rounding rounding)
{
    int i, same;
    p->in_h = rq_rng_range(rng, 3, 24);
    p->in_w = rq_rng_range(rng, 3, 24);
    p->in_c = rq_rng_range(rng, 1, 32);
    p->out_c = rq_rng_range(rng, 1, 32);
    p->k_h = rq_rng_range(rng, 1, 5);
    p->k_w = rq_rng_range(rng, 1, 5);
    if (p->k_h > p->in_h)
        p->k_h = p->in_h;
    if (p->k_w > p->in_w)
        p->k_w = p->in_w;
    p->stride_h = rq_rng_range(rng, 1, 2);
    p->stride_w = rq_rng_range(rng, 1, 2);
    same = rq_rng_range(rng, 0, 1);
    rppg_q8_out_size(p->in_h, p->k_h, p->stride_h, same, &p->out_h, &p->pad_top);
    rppg_q8_out_size(p->in_w, p->k_w, p->stride_w, same, &p->out_w, &p->pad_left);
    p->in_zp = rq_rng_range(rng, -128, 127);
    p->out_zp = rq_rng_range(rng, -128, 127);
    p->act_min = rq_rng_range(rng, 0, 1) ? (p->out_zp > -128 ? p->out_zp : -128) : -128;
    p->act_max = 127;
    for (i = 0; i < p->out_c * p->k_h * p->k_w * p->in_c; i++)
        conv_w[i] = (int8_t)rq_rng_range(rng, -127, 127);
    for (i = 0; i < p->in_h * p->in_w * p->in_c; i++)
        conv_in[i] = (int8_t)rq_rng_range(rng, -128, 127);
    for (i = 0; i < p->out_c; i++) {
        /* effective scales between 2^-14 and 2^1 as PTQ produces (and beyond) */
        const double real = (double)rq_rng_range(rng, 1, 1 << 20) / (double)(1 << 20) /
                            (double)(1 << rq_rng_range(rng, 0, 14)) * 2.0;
        int shift;
        rppg_q8_quantize_multiplier(real, rounding, &conv_m[i], &shift);
        conv_s[i] = shift;
        conv_b[i] = rq_rng_range(rng, -40000, 40000);
    }
    p->weights = conv_w;
    p->bias = rq_rng_range(rng, 0, 3) ? conv_b : NULL;
    p->multiplier = conv_m;
    p->shift = conv_s;
    p->rounding = rounding;
}

/* Per-channel biases, multipliers and shifts of n channels, scales as random_conv draws. */
static void random_channels(uint32_t *rng, int n, rppg_q8_rounding rounding)
{
    int i;
    for (i = 0; i < n; i++) {
        const double real = (double)rq_rng_range(rng, 1, 1 << 20) / (double)(1 << 20) /
                            (double)(1 << rq_rng_range(rng, 0, 14)) * 2.0;
        int shift;
        rppg_q8_quantize_multiplier(real, rounding, &chan_m[i], &shift);
        chan_s[i] = shift;
        chan_b[i] = rq_rng_range(rng, -40000, 40000);
    }
}

/* A DEPTHWISE_CONV_2D (depth multiplier 1 or 2, dilation, SAME/VALID) and a
 * FULLY_CONNECTED on the output of convolution k (conv_out[0]) and the raw conv input. */
static void case_dw_fc(const rq_case_io *io, uint32_t *rng, int k, const rppg_q8_conv *c)
{
    rppg_q8_dwconv d;
    rppg_q8_fc f;
    int i, same;
    d.in_h = c->out_h, d.in_w = c->out_w, d.in_c = c->out_c;
    d.depth_mult = rq_rng_range(rng, 0, 3) || d.in_c > 16 ? 1 : 2; /* output fits conv_out[1] */
    d.k_h = rq_rng_range(rng, 1, 3), d.k_w = rq_rng_range(rng, 1, 3);
    d.stride_h = rq_rng_range(rng, 1, 2), d.stride_w = rq_rng_range(rng, 1, 2);
    d.dil_h = rq_rng_range(rng, 1, 2), d.dil_w = rq_rng_range(rng, 1, 2);
    same = rq_rng_range(rng, 0, 1);
    rppg_q8_out_size(d.in_h, (d.k_h - 1) * d.dil_h + 1, d.stride_h, same, &d.out_h, &d.pad_top);
    rppg_q8_out_size(d.in_w, (d.k_w - 1) * d.dil_w + 1, d.stride_w, same, &d.out_w, &d.pad_left);
    d.in_zp = c->out_zp, d.out_zp = rq_rng_range(rng, -128, 127);
    d.act_min = rq_rng_range(rng, 0, 1) ? d.out_zp : -128, d.act_max = 127;
    d.rounding = c->rounding;
    random_channels(rng, d.in_c * d.depth_mult, d.rounding);
    d.weights = conv_w, d.bias = rq_rng_range(rng, 0, 3) ? chan_b : NULL;
    d.multiplier = chan_m, d.shift = chan_s;
    if (d.out_h > 0 && d.out_w > 0) {
        rppg_q8_depthwise_conv2d(&d, conv_out[0], conv_out[1]);
        rq_emitf(io, "dwconv k=%d mult=%d k=%dx%d s=%dx%d d=%dx%d hash=%08lx", k, d.depth_mult, d.k_h,
              d.k_w, d.stride_h, d.stride_w, d.dil_h, d.dil_w,
              (unsigned long)rq_fnv1a(conv_out[1], (size_t)d.out_h * d.out_w * d.in_c * d.depth_mult));
    }
    f.batches = rq_rng_range(rng, 1, 3), f.depth = rq_rng_range(rng, 1, 300), f.units = rq_rng_range(rng, 1, 40);
    f.in_zp = rq_rng_range(rng, -128, 127), f.out_zp = rq_rng_range(rng, -128, 127);
    f.act_min = -128, f.act_max = rq_rng_range(rng, 0, 1) ? 127 : 100;
    f.rounding = c->rounding;
    random_channels(rng, f.units, f.rounding);
    if (rq_rng_range(rng, 0, 2) == 0) /* per-tensor: one (multiplier, shift) repeated */
        for (i = 1; i < f.units; i++)
            chan_m[i] = chan_m[0], chan_s[i] = chan_s[0];
    f.weights = conv_w, f.bias = rq_rng_range(rng, 0, 3) ? chan_b : NULL;
    f.multiplier = chan_m, f.shift = chan_s;
    rppg_q8_fully_connected(&f, conv_in, conv_out[1]);
    rq_emitf(io, "fc k=%d %dx%d->%d hash=%08lx", k, f.batches, f.depth, f.units,
          (unsigned long)rq_fnv1a(conv_out[1], (size_t)f.batches * f.units));
}

static int case_kernels(const rq_case_io *io, uint32_t seed)
{
    size_t peak = 0;
    int k, fails = 0;
    for (k = 0; k < 40; k++) {
        rppg_q8_conv p;
        rppg_q8_pool pool;
        rppg_q8_mean mean;
        size_t n_out;
        int32_t m;
        int shift;
        random_conv(&seed, &p, (rppg_q8_rounding)(k % 2));
        n_out = (size_t)p.out_h * p.out_w * p.out_c;
        if (io->stack_begin)
            io->stack_begin();
        rppg_q8_conv2d(&p, conv_in, conv_out[0]);
        if (io->stack_end) {
            size_t s = io->stack_end();
            peak = s > peak ? s : peak;
        }
        rppg_q8_conv2d_naive(&p, conv_in, conv_out[1]);
        fails += memcmp(conv_out[0], conv_out[1], n_out) != 0;
        rq_emitf(io, "conv k=%d shape=%dx%dx%d->%dx%dx%d k=%dx%d s=%dx%d zp=%ld,%ld hash=%08lx", k,
              p.in_h, p.in_w, p.in_c, p.out_h, p.out_w, p.out_c, p.k_h, p.k_w, p.stride_h,
              p.stride_w, (long)p.in_zp, (long)p.out_zp,
              (unsigned long)rq_fnv1a(conv_out[0], n_out));

        pool.in_h = p.out_h;
        pool.in_w = p.out_w;
        pool.c = p.out_c;
        pool.k_h = pool.k_w = 2;
        pool.stride_h = pool.stride_w = 2;
        rppg_q8_out_size(pool.in_h, 2, 2, k % 3 == 0, &pool.out_h, &pool.pad_top);
        rppg_q8_out_size(pool.in_w, 2, 2, k % 3 == 0, &pool.out_w, &pool.pad_left);
        pool.act_min = -128 + k;
        pool.act_max = 127 - k;
        if (pool.out_h > 0 && pool.out_w > 0) {
            rppg_q8_max_pool(&pool, conv_out[0], conv_out[1]);
            rq_emitf(io, "maxpool k=%d hash=%08lx", k,
                  (unsigned long)rq_fnv1a(conv_out[1], (size_t)pool.out_h * pool.out_w * pool.c));
            rppg_q8_avg_pool(&pool, conv_out[0], conv_out[1]);
            rq_emitf(io, "avgpool k=%d hash=%08lx", k,
                  (unsigned long)rq_fnv1a(conv_out[1], (size_t)pool.out_h * pool.out_w * pool.c));
        }
        mean.h = p.out_h;
        mean.w = p.out_w;
        mean.c = p.out_c;
        mean.in_zp = p.out_zp;
        mean.out_zp = rq_rng_range(&seed, -128, 127);
        mean.rounding = p.rounding;
        rppg_q8_quantize_multiplier((double)rq_rng_range(&seed, 1, 1000) / 250.0, p.rounding, &m, &shift);
        rppg_q8_mean_multiplier(m, shift, mean.h * mean.w, &mean.multiplier, &mean.shift);
        rppg_q8_mean_hw(&mean, conv_out[0], conv_out[1]);
        rq_emitf(io, "mean k=%d m=%ld s=%d hash=%08lx", k, (long)mean.multiplier, mean.shift,
              (unsigned long)rq_fnv1a(conv_out[1], (size_t)mean.c));
        case_dw_fc(io, &seed, k, &p);
    }
    stack_report(io, "rppg_q8_conv2d", peak);
    return fails;
}

static int case_smoother(const rq_case_io *io, uint32_t seed)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    size_t peak = 0;
    int i;
    if (rppg_smoother_init(&s, &cfg) != 0)
        return 1;
    for (i = 0; i < 60; i++) {
        const int kind = rq_rng_range(&seed, 0, 19);
        /* rates below, inside and above the correction map's knots */
        float bpm = (i < 20 ? 41.0f : i < 40 ? 72.0f : 168.0f) + (float)rq_rng_range(&seed, -400, 400) / 100.0f;
        rppg_hr hr;
        if (i >= 30 && i < 40)
            bpm += (float)rq_rng_range(&seed, -30, 30); /* a noisy stretch */
        if (kind == 0)
            bpm = 0.0f / 0.0f * (float)(i + 1); /* NaN without a NAN macro */
        else if (kind == 1)
            bpm = 250.0f;
        if (i >= 45 && i < 49)
            bpm = -1.0f; /* lost face: the history clears */
        if (io->stack_begin)
            io->stack_begin();
        hr = rppg_smoother_push(&s, bpm);
        if (io->stack_end) {
            size_t st = io->stack_end();
            peak = st > peak ? st : peak;
        }
        rq_emitf(io, "smooth i=%d bpm=%08lx median=%08lx spread=%08lx mad=%08lx count=%d why=%d", i,
              (unsigned long)float_bits(hr.bpm), (unsigned long)float_bits(hr.median),
              (unsigned long)float_bits(hr.spread), (unsigned long)float_bits(hr.mad), hr.count, hr.why);
    }
    stack_report(io, "rppg_smoother_push", peak);
    return 0;
}

/* Temporal Fusion networks of other shapes than the seed's (time steps and widths that are
 * not multiples of the four Helium lanes, kernels 1, 5 and 11 (past the Helium kernel limit:
 * the scalar code), inputs and weights tiny enough for subnormal products (MVE flushes them:
 * the runtime must notice and recompute), a NaN input. Results as float bits; a NaN's bits
 * go to an "mcu " line that only the two M55 builds compare (NaN payloads are not portable
 * between the host's and the M55's scalar units). */
static BIG_BUFFER float tfx_pool[12000], tfx_features[8 * 64], tfx_work[512];

/* Scales a network so that the first convolution's outputs are subnormal (products and sums
 * below FLT_MIN) and later layers scale them back up until they move the heart rate: the
 * result then depends on keeping subnormals, which MVE's float instructions flush. */
static void scale_to_subnormals(temporal_fusion_net *n, float *features, int nf)
{
    const int rf = n->rois * n->features;
    int k;
    for (k = 0; k < nf; k++)
        features[k] *= 0x1p-70f;
    for (k = 0; k < n->conv1_out * rf * n->kernel; k++)
        ((float *)n->conv1_weight)[k] *= 0x1p-70f;
    for (k = 0; k < n->conv1_out; k++)
        ((float *)n->conv1_bias)[k] *= 0x1p-140f;
    for (k = 0; k < n->conv2_out * n->conv1_out * n->kernel; k++)
        ((float *)n->conv2_weight)[k] *= 0x1p90f;
    for (k = 0; k < n->conv2_out; k++)
        ((float *)n->conv2_bias)[k] *= 0x1p-90f;
    for (k = 0; k < n->hidden * n->conv2_out * n->frames; k++)
        ((float *)n->fc1_weight)[k] *= 0x1p60f;
}

static int case_temporal_shapes(const rq_case_io *io, uint32_t seed)
{
    static const struct {
        int t, r, f, c1, c2, k, h, tiny, nan;
    } shapes[] = {
        {8, 3, 16, 32, 16, 3, 32, 0, 0}, {7, 2, 5, 6, 3, 5, 9, 0, 0}, {5, 1, 3, 5, 2, 1, 6, 0, 0},
        {13, 2, 4, 7, 5, 11, 10, 0, 0},  {8, 3, 16, 32, 16, 3, 32, 1, 0}, {6, 2, 3, 4, 3, 3, 5, 0, 1},
        {1, 1, 2, 3, 2, 3, 3, 0, 0},
    };
    int i;
    for (i = 0; i < (int)(sizeof shapes / sizeof shapes[0]); i++) {
        temporal_fusion_net n;
        float *w = tfx_pool, hr;
        const int rf = shapes[i].r * shapes[i].f, nf = shapes[i].t * rf;
        n.frames = shapes[i].t, n.rois = shapes[i].r, n.features = shapes[i].f;
        n.conv1_out = shapes[i].c1, n.conv2_out = shapes[i].c2, n.kernel = shapes[i].k;
        n.hidden = shapes[i].h;
#define TFX_TAKE(field, count, fan)                                                              \
    do {                                                                                         \
        fill_random(&seed, w, (count), (fan));                                                   \
        n.field = w;                                                                             \
        w += (count);                                                                            \
    } while (0)
        TFX_TAKE(conv1_weight, n.conv1_out * rf * n.kernel, rf * n.kernel);
        TFX_TAKE(conv1_bias, n.conv1_out, 4);
        TFX_TAKE(conv2_weight, n.conv2_out * n.conv1_out * n.kernel, n.conv1_out * n.kernel);
        TFX_TAKE(conv2_bias, n.conv2_out, 4);
        TFX_TAKE(fc1_weight, n.hidden * n.conv2_out * n.frames, n.conv2_out * n.frames);
        TFX_TAKE(fc1_bias, n.hidden, 4);
        TFX_TAKE(fc2_weight, n.hidden, 4);
        TFX_TAKE(fc2_bias, 1, 4);
#undef TFX_TAKE
        fill_random(&seed, tfx_features, nf, 1);
        if (shapes[i].tiny)
            scale_to_subnormals(&n, tfx_features, nf);
        if (shapes[i].nan) { /* a quiet NaN with a payload that a default NaN would lose */
            const uint32_t bits = 0x7fc12345u;
            memcpy(&tfx_features[nf / 2], &bits, sizeof bits);
        }
        hr = temporal_fusion_run(&n, tfx_features, tfx_work);
        if (hr != hr) {
            rq_emitf(io, "tf shape=%d nan", i);
            rq_emitf(io, "mcu tf shape=%d nan bits=%08lx", i, (unsigned long)float_bits(hr));
        } else {
            rq_emitf(io, "tf shape=%d bits=%08lx bpm=%.4f", i, (unsigned long)float_bits(hr), (double)hr);
        }
    }
    return 0;
}

/* Features of random patches: every input value, not only camera-like ones. */
static void case_random_patches(const rq_case_io *io, uint32_t seed)
{
    int8_t patch[RPPG_PATCH_BYTES], feat[64];
    int k, i;
    for (k = 0; k < 8; k++) {
        char line[3 * 64 + 40];
        int n = snprintf(line, 40, "features random=%d", k);
        for (i = 0; i < RPPG_PATCH_BYTES; i++)
            patch[i] = (int8_t)rq_rng_range(&seed, -128 + 16 * k, 127 - 8 * k);
        io->features(patch, feat);
        for (i = 0; i < io->n_features && n < (int)sizeof line - 4; i++)
            n += snprintf(line + n, sizeof line - (size_t)n, " %02x", (unsigned)(uint8_t)feat[i]);
        io->emit(line);
    }
}

/* The generator's window through the whole chain: contract, int8 input, features, HR. */
static int case_synth_window(const rq_case_io *io)
{
    int t, i;
    for (t = 0; t < WINDOW; t++)
        for (i = 0; i < RPPG_FRAME_FLOATS; i++)
            window_buf[t][i] = (float)rq_synth_window_bytes[t * RPPG_FRAME_FLOATS + i] / 255.0f;
    rq_emitf(io, "synth window label=%.3f", (double)rq_synth_window_label);
    return case_patches(io, io->contract, io->in_scale, io->in_zp, 1);
}

/* The generator's camera frames and face boxes through the whole chain: ROI cutting,
 * contract, int8 input, features, HR. */
static int case_synth_frames(const rq_case_io *io)
{
    int t, fails = 0;
    for (t = 0; t < WINDOW; t++) {
        const rppg_frame frame = {rq_synth_frames[t], rq_synth_frame_size[0], rq_synth_frame_size[1],
                                  (size_t)rq_synth_frame_size[0] * 3, RPPG_PIX_RGB888};
        const int *b = rq_synth_frame_boxes[t];
        const rppg_box face = {b[0], b[1], b[2], b[3]};
        const int rc = rppg_preprocess_frame(&frame, &face, window_buf[t]);
        fails += rc != 0;
        rq_emitf(io, "synth frame t=%d box=%d,%d,%d,%d rc=%d hash=%08lx px0=%08lx", t, face.x, face.y,
              face.w, face.h, rc, (unsigned long)rq_fnv1a(window_buf[t], sizeof window_buf[t]),
              (unsigned long)float_bits(window_buf[t][0]));
    }
    if (io->features)
        fails += case_patches(io, io->contract, io->in_scale, io->in_zp, 1);
    return fails;
}

/* Camera streams at 15, 25, 30 and 60 fps (timestamps in us with up to +-2 ms of jitter; 30 fps
 * without) through the resampler to the stride-4 contract's 7.5 Hz; each camera frame's ROIs
 * are one of the 8 ROI frames in window_buf. Every sample's bits are compared with the host;
 * at 30 fps sample j must be camera frame 4j itself. Bad timestamps give their error codes. */
static int case_resample(const rq_case_io *io, uint32_t seed)
{
    static const int rates[] = {15, 25, 30, 60};
    const rppg_contract c = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};
    const rppg_resample_config cfg = rppg_resample_config_of(&c);
    float *const out[2] = {rs_out[0], rs_out[1]};
    size_t peak = 0;
    int r, fails = 0;
    for (r = 0; r < 4; r++) {
        const int fps = rates[r];
        const int64_t t0 = 1000000 + rq_rng_range(&seed, 0, 999999);
        rppg_resampler rs;
        int64_t t = t0, j = 0;
        int i, k, n;
        fails += rppg_resampler_init(&rs, &cfg, rs_prev) != 0;
        for (i = 0; i < 2 * fps; i++) {
            t = t0 + ((int64_t)i * 1000000 + fps / 2) / fps;
            if (i > 0 && fps != 30)
                t += rq_rng_range(&seed, -2000, 2000);
            if (io->stack_begin)
                io->stack_begin();
            n = rppg_resampler_push(&rs, t, window_buf[i % WINDOW], out, 2);
            if (io->stack_end) {
                size_t s = io->stack_end();
                peak = s > peak ? s : peak;
            }
            fails += n < 0;
            for (k = 0; k < n; k++, j++) {
                rq_emitf(io, "resample fps=%d frame=%d sample=%ld t=%ld hash=%08lx px0=%08lx", fps, i,
                      (long)j, (long)(rppg_resampler_sample_time(&rs, j) - t0),
                      (unsigned long)rq_fnv1a(out[k], sizeof rs_out[0]),
                      (unsigned long)float_bits(out[k][0]));
                if (fps == 30) /* exactly camera frame 4j */
                    fails += i != 4 * (int)j || memcmp(out[k], window_buf[i % WINDOW], sizeof rs_out[0]) != 0;
            }
        }
        /* the same time again, a stall of 0.3 s: refused with their codes */
        n = rppg_resampler_push(&rs, t, window_buf[0], out, 2);
        k = rppg_resampler_push(&rs, t + 300000, window_buf[0], out, 2);
        rq_emitf(io, "resample fps=%d samples=%ld repeat=%d stall=%d", fps, (long)j, n, k);
        fails += n != RPPG_RESAMPLE_BACKWARDS || k != RPPG_RESAMPLE_GAP;
    }
    stack_report(io, "rppg_resampler_push", peak);
    return fails;
}

/* The signal quality of the window in window_buf, as it is and with brightness jumps put into
 * some frames (auto exposure), and the smoother's answer to each: bits of both measures and
 * the withheld flags. */
static int case_quality(const rq_case_io *io, const rppg_contract *c)
{
    const float *frames[WINDOW];
    const float gain[4] = {1.0f, 1.02f, 1.25f, 0.6f};
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    size_t peak = 0;
    int t, i, k, fails = 0;
    if (rppg_smoother_init(&s, &cfg) != 0)
        return 1;
    for (t = 0; t < WINDOW; t++)
        frames[t] = window_buf[t];
    for (k = 0; k < 4; k++) {
        rppg_quality q;
        rppg_hr hr;
        int rc;
        if (k > 0) /* frame 5 brighter or darker than the rest */
            for (i = 0; i < RPPG_FRAME_FLOATS; i++)
                window_buf[5][i] = window_buf[5][i] / gain[k - 1] * gain[k];
        if (io->stack_begin)
            io->stack_begin();
        rc = rppg_window_quality(c, frames, WINDOW, RPPG_ROIS, RPPG_PATCH_FLOATS, &q);
        if (io->stack_end) {
            size_t st = io->stack_end();
            peak = st > peak ? st : peak;
        }
        fails += rc != 0;
        hr = rppg_smoother_push_window(&s, 70.0f + (float)k, &q);
        rq_emitf(io, "quality gain=%d clip=%08lx step=%08lx why=%d count=%d", k,
              (unsigned long)float_bits(q.clip_share), (unsigned long)float_bits(q.brightness_step),
              hr.why, hr.count);
    }
    stack_report(io, "rppg_window_quality", peak);
    return fails;
}

int rq_run_cases(const rq_case_io *io)
{
    const rppg_contract raw = {RPPG_REPR_RAW, 0.0f, 0.0f, 1};
    const rppg_contract ratio = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};
    int fails = 0;
    fails += case_preprocess(io, RPPG_PIX_RGB565, 0x1234567u);
    fails += case_patches(io, &raw, 1.0f / 255.0f, -128, 0);
    fails += case_preprocess(io, RPPG_PIX_RGB888, 0x89abcdefu);
    fails += case_patches(io, &raw, 1.0f / 255.0f, -128, 0);
    fails += case_patches(io, &ratio, 8.0f / 255.0f, 0, 0);
    if (io->features) { /* the model's own contract and input quantization */
        fails += case_patches(io, io->contract, io->in_scale, io->in_zp, 1);
        case_random_patches(io, 0xabcdef12u);
        fails += case_synth_window(io);
    }
    fails += case_synth_frames(io);
    fails += case_resample(io, 0x7e5a3b1u);
    fails += case_quality(io, &ratio);
    fails += case_kernels(io, 0x5eed5eedu);
    fails += rq_run_op_cases(io, 0x0b5e55edu);
    fails += case_smoother(io, 0xfeedbeefu);
    fails += case_temporal_shapes(io, 0x7e3a9a11u);
    rq_emitf(io, "consistency failures=%d", fails);
    return fails;
}
