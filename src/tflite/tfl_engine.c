/* The int8 engine: TFLite Micro's reference integer kernels, with all quantization math
 * done once in rq_tfl_prepare (one pure "prepare" function a operator, TFLM style) and a
 * branch-light run function a operator. The prepared engine is immutable; every thread
 * brings its own scratch arena, which holds every activation tensor at its own offset (so
 * intermediate tensors stay readable after a run) followed by the operators' temporary
 * space. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/tfl_arith.h"
#include "tflite/tfl_model.h"

#if defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((optimize("O3")))
#else
#define HOT
#endif
/* The dot products also get an AVX2 build chosen at load time (x86-64 with ifunc); the
 * integer results are the same whichever runs. */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define DOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOT_CLONES
#endif

#define ARENA_ALIGN 64
/* Hostile files can declare huge tensors: refuse to plan more than this. */
#define MAX_TMP_BYTES ((int64_t)1 << 28)
/* A pool's window costs no bytes in the file, so its work is bounded here instead: a
 * 768-byte model (256x256 input, 511x511 average pool) took 4.3e9 additions an inference,
 * and 1024x1024 with a 2047 window would take 10^12. 2^31 is ~10^3x what any rPPG-sized
 * model needs. */
#define MAX_POOL_OPS ((int64_t)1 << 31)
#define MAX_ARENA_BYTES ((size_t)1 << 31)

typedef struct slot {
    const uint8_t *fixed; /* constant data, or NULL: the tensor lives in the arena */
    size_t off;
} slot;

typedef struct prep_op prep_op;
typedef void (*run_fn)(const prep_op *p, uint8_t *arena);

struct prep_op {
    run_fn run;
    slot in, out;
    size_t tmp_off; /* temporary space in the arena */
    int single;     /* single rounding */
    /* geometry (NHWC) */
    int batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, depth_mult;
    /* padded copy of the input for convolutions: rows x cols, or 0 to read the input */
    int src_h, src_w, needs_pad;
    int k_len, k_pad; /* patch length and its padded length (multiple of 8) */
    /* quantization */
    int32_t in_zp, out_zp, act_min, act_max;
    int32_t *mult;     /* per output channel */
    int32_t *shift;
    int32_t *lshift, *rshift; /* max(shift, 0) and max(-shift, 0), for the row requantizer */
    int32_t *bias_adj; /* bias - in_zp * sum(weights), per output channel */
    int16_t *w16;      /* weights widened, rows padded to k_pad */
    /* MEAN: each input element's output index comes from strides */
    int rank;
    int32_t in_dims[RQ_TFL_MAX_DIMS];
    int32_t red_stride[RQ_TFL_MAX_DIMS]; /* output stride of each input dim, 0 if reduced */
    int64_t n_reduce, n_out;
    /* MEAN / requantize / logistic */
    int32_t m1;
    int s1;
    int32_t radius;
    /* QUANTIZE (float in) / DEQUANTIZE */
    float scale_f;
    double scale_d;
    size_t count;
};

struct rq_tfl_engine {
    const rq_tfl_model *m;
    slot *slots;
    size_t *bytes;
    size_t arena_bytes;
    prep_op *ops;
    int n_ops;
};

struct rq_tfl_scratch {
    uint8_t *arena;
};

static inline const uint8_t *cptr(const slot *s, const uint8_t *arena)
{
    return s->fixed ? s->fixed : arena + s->off;
}

static inline uint8_t *mptr(const slot *s, uint8_t *arena)
{
    return arena + s->off;
}

static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* ---- run functions ----------------------------------------------------------------- */

HOT DOT_CLONES static int32_t dot16(const int16_t *restrict a, const int16_t *restrict b, int n)
{
    int32_t acc = 0;
    for (int i = 0; i < n; i++)
        acc += (int32_t)a[i] * b[i];
    return acc;
}

/* Four output channels against one patch: the patch is loaded once for all four. */
HOT DOT_CLONES static void dot16x4(const int16_t *restrict w, int k_pad, const int16_t *restrict x,
                        int32_t acc[4])
{
    const int16_t *w0 = w, *w1 = w + k_pad, *w2 = w + 2 * k_pad, *w3 = w + 3 * k_pad;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int k = 0; k < k_pad; k++) {
        int32_t v = x[k];
        a0 += v * w0[k];
        a1 += v * w1[k];
        a2 += v * w2[k];
        a3 += v * w3[k];
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* Requantizes one pixel's accumulators (all output channels) in one tight loop: the same
 * integer operations as rppg_q8_mbqm (runtime/int8_kernels), inlined because a call per
 * output costs a quarter of the inference; test_tfl_engine checks the two agree.
 * Multipliers are positive (QuantizeMultiplier of a positive scale): SRDHM never saturates. */
HOT DOT_CLONES static void requant_row(const prep_op *restrict p, const int32_t *restrict acc,
                                       int8_t *restrict out)
{
    int n = p->out_c;
    int32_t lo = p->act_min, hi = p->act_max, zp = p->out_zp;
    if (p->single) {
        for (int c = 0; c < n; c++) {
            int total = 31 - p->shift[c];
            int64_t r = ((int64_t)(acc[c] + p->bias_adj[c]) * p->mult[c] +
                         ((int64_t)1 << (total - 1))) >> total;
            int32_t v = (int32_t)r + zp;
            out[c] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
        }
        return;
    }
    for (int c = 0; c < n; c++) {
        int32_t x = (int32_t)((uint32_t)(acc[c] + p->bias_adj[c]) << p->lshift[c]);
        int64_t ab = (int64_t)x * p->mult[c];
        int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
        int32_t h = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
        int e = p->rshift[c];
        int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
        int32_t threshold = (mask >> 1) + (h < 0);
        int32_t v = (h >> e) + ((h & mask) > threshold) + zp;
        out[c] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
    }
}

/* The input surrounded by its zero point, so that every tap reads a value and taps
 * outside the image contribute w * (zp - zp) = 0, exactly like skipping them. */
static const int8_t *padded_input(const prep_op *p, const int8_t *in, int8_t *buf, int b)
{
    const int8_t *src = in + (size_t)b * p->in_h * p->in_w * p->in_c;
    if (!p->needs_pad)
        return src;
    memset(buf, (int8_t)p->in_zp, (size_t)p->src_h * p->src_w * p->in_c);
    for (int y = 0; y < p->in_h; y++) {
        int py = y + p->pad_top;
        if (py < 0 || py >= p->src_h)
            continue;
        int x0 = 0, x1 = p->in_w;
        if (p->pad_left + x1 > p->src_w)
            x1 = p->src_w - p->pad_left;
        if (x1 <= x0)
            continue;
        memcpy(buf + ((size_t)py * p->src_w + p->pad_left + x0) * p->in_c,
               src + ((size_t)y * p->in_w + x0) * p->in_c, (size_t)(x1 - x0) * p->in_c);
    }
    return buf;
}

HOT static void run_conv(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int8_t *pad_buf = (int8_t *)(arena + p->tmp_off);
    size_t pad_bytes = p->needs_pad ? (size_t)p->src_h * p->src_w * p->in_c : 0;
    int16_t *patch = (int16_t *)(arena + p->tmp_off + ((pad_bytes + 63) & ~(size_t)63));
    int32_t *acc = (int32_t *)(patch + ((p->k_pad + 31) & ~31));
    int cin = p->in_c, src_w = p->needs_pad ? p->src_w : p->in_w, row_len = p->k_w * cin;
    for (int k = p->k_len; k < p->k_pad; k++)
        patch[k] = 0;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *src = padded_input(p, in, pad_buf, b);
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int16_t *q = patch;
                for (int ky = 0; ky < p->k_h; ky++) {
                    int y = oy * p->stride_h + ky * p->dil_h;
                    if (p->dil_w == 1) { /* the row's taps are contiguous */
                        const int8_t *s = src + ((size_t)y * src_w + ox * p->stride_w) * cin;
                        for (int k = 0; k < row_len; k++)
                            q[k] = s[k];
                        q += row_len;
                        continue;
                    }
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int x = ox * p->stride_w + kx * p->dil_w;
                        const int8_t *s = src + ((size_t)y * src_w + x) * cin;
                        for (int c = 0; c < cin; c++)
                            q[c] = s[c];
                        q += cin;
                    }
                }
                int8_t *o = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                int oc = 0;
                for (; oc + 4 <= p->out_c; oc += 4)
                    dot16x4(p->w16 + (size_t)oc * p->k_pad, p->k_pad, patch, acc + oc);
                for (; oc < p->out_c; oc++)
                    acc[oc] = dot16(p->w16 + (size_t)oc * p->k_pad, patch, p->k_pad);
                requant_row(p, acc, o);
            }
    }
}

HOT static void run_depthwise(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int8_t *pad_buf = (int8_t *)(arena + p->tmp_off);
    int cin = p->in_c, src_w = p->needs_pad ? p->src_w : p->in_w, mult = p->depth_mult;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *src = padded_input(p, in, pad_buf, b);
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int8_t *o = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (int oc = 0; oc < p->out_c; oc++) {
                    int ic = oc / mult;
                    int32_t acc = p->bias_adj[oc];
                    for (int ky = 0; ky < p->k_h; ky++) {
                        int y = oy * p->stride_h + ky * p->dil_h;
                        for (int kx = 0; kx < p->k_w; kx++) {
                            int x = ox * p->stride_w + kx * p->dil_w;
                            acc += (int32_t)src[((size_t)y * src_w + x) * cin + ic] *
                                   p->w16[(size_t)oc * p->k_pad + ky * p->k_w + kx];
                        }
                    }
                    acc = rq_mbqm(acc, p->mult[oc], p->shift[oc], p->single) + p->out_zp;
                    o[oc] = clamp8(acc, p->act_min, p->act_max);
                }
            }
    }
}

/* The pools are the MCU runtime's kernels (runtime/int8_kernels.h), one image at a time. */
static rppg_q8_pool pool_params(const prep_op *p)
{
    rppg_q8_pool q;
    q.in_h = p->in_h, q.in_w = p->in_w, q.c = p->in_c;
    q.out_h = p->out_h, q.out_w = p->out_w;
    q.k_h = p->k_h, q.k_w = p->k_w;
    q.stride_h = p->stride_h, q.stride_w = p->stride_w;
    q.pad_top = p->pad_top, q.pad_left = p->pad_left;
    q.act_min = p->act_min, q.act_max = p->act_max;
    return q;
}

static void run_max_pool(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    const rppg_q8_pool q = pool_params(p);
    for (int b = 0; b < p->batches; b++)
        rppg_q8_max_pool(&q, in + (size_t)b * p->in_h * p->in_w * p->in_c,
                         out + (size_t)b * p->out_h * p->out_w * p->in_c);
}

static void run_avg_pool(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    const rppg_q8_pool q = pool_params(p);
    for (int b = 0; b < p->batches; b++)
        rppg_q8_avg_pool(&q, in + (size_t)b * p->in_h * p->in_w * p->in_c,
                         out + (size_t)b * p->out_h * p->out_w * p->in_c);
}

static void run_mean(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int32_t *sum = (int32_t *)(arena + p->tmp_off);
    for (int64_t i = 0; i < p->n_out; i++)
        sum[i] = 0;
    int32_t idx[RQ_TFL_MAX_DIMS] = {0};
    int64_t total = p->n_reduce * p->n_out;
    size_t o = 0;
    for (int64_t i = 0; i < total; i++) {
        sum[o] += in[i];
        /* odometer over the input dims, moving the output index by each dim's stride */
        for (int d = p->rank - 1; d >= 0; d--) {
            o += (size_t)p->red_stride[d];
            if (++idx[d] < p->in_dims[d])
                break;
            o -= (size_t)p->red_stride[d] * (size_t)p->in_dims[d];
            idx[d] = 0;
        }
    }
    for (int64_t i = 0; i < p->n_out; i++) {
        int32_t shifted = sum[i] - p->in_zp * (int32_t)p->n_reduce;
        int32_t v = rq_mbqm(shifted, p->m1, p->s1, p->single) + p->out_zp;
        out[i] = clamp8(v, INT8_MIN, INT8_MAX);
    }
}

static void run_copy(const prep_op *p, uint8_t *arena)
{
    memcpy(mptr(&p->out, arena), cptr(&p->in, arena), p->count);
}

HOT static void run_fully_connected(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int16_t *row = (int16_t *)(arena + p->tmp_off);
    for (int k = p->k_len; k < p->k_pad; k++)
        row[k] = 0;
    for (int b = 0; b < p->batches; b++) {
        for (int k = 0; k < p->k_len; k++)
            row[k] = in[(size_t)b * p->k_len + k];
        for (int u = 0; u < p->out_c; u++) {
            int32_t acc = p->bias_adj[u] + dot16(p->w16 + (size_t)u * p->k_pad, row, p->k_pad);
            acc = rq_mbqm(acc, p->mult[u], p->shift[u], p->single) + p->out_zp;
            out[(size_t)b * p->out_c + u] = clamp8(acc, p->act_min, p->act_max);
        }
    }
}

static void run_requantize(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    for (size_t i = 0; i < p->count; i++) {
        int32_t v = rq_mbqm(in[i] - p->in_zp, p->m1, p->s1, p->single) + p->out_zp;
        out[i] = clamp8(v, INT8_MIN, INT8_MAX);
    }
}

static void run_quantize_float(const prep_op *p, uint8_t *arena)
{
    const float *in = (const float *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    for (size_t i = 0; i < p->count; i++) {
        float r = rq_round_f(in[i] / p->scale_f);
        /* out-of-range floats saturate and NaN maps to the zero point (the reference's int
         * cast would be undefined for both) */
        int32_t v = r >= 256.0f ? 256 : r <= -256.0f ? -256 : r == r ? (int32_t)r : 0;
        out[i] = clamp8(v + p->out_zp, INT8_MIN, INT8_MAX);
    }
}

static void run_dequantize(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    float *out = (float *)mptr(&p->out, arena);
    for (size_t i = 0; i < p->count; i++)
        out[i] = (float)(p->scale_d * (in[i] - p->in_zp));
}

static void run_logistic(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    for (size_t i = 0; i < p->count; i++)
        out[i] = rq_logistic_int8(in[i] - p->in_zp, p->m1, p->s1, p->radius, p->single);
}

/* ---- prepare ----------------------------------------------------------------------- */

typedef struct prep_ctx {
    const rq_tfl_model *m;
    rq_tfl_engine *e;
    int index;
    const rq_tfl_op *op;
    rq_error *err;
    size_t tmp_need; /* bytes of temporary space this op needs */
} prep_ctx;

static int op_fail(prep_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int op_fail(prep_ctx *c, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rq_fail(c->err, "operator %d (%s): %s", c->index, rq_tfl_builtin_name(c->op->code),
                   msg);
}

static const rq_tfl_tensor *input_tensor(prep_ctx *c, int i)
{
    if (i >= c->op->n_inputs || c->op->inputs[i] < 0)
        return NULL;
    return &c->m->tensors[c->op->inputs[i]];
}

static const rq_tfl_tensor *output_tensor(prep_ctx *c)
{
    return &c->m->tensors[c->op->outputs[0]];
}

/* One scale, an int8 zero point: what an int8 activation needs. */
static int check_activation(prep_ctx *c, const rq_tfl_tensor *t, const char *role)
{
    if (t->type != RQ_TFL_INT8)
        return op_fail(c, "%s %s has type %s, only INT8 is supported", role, t->name,
                       rq_tfl_type_name(t->type));
    if (t->q.n != 1)
        return op_fail(c, "%s %s needs one scale and zero point (has %d)", role, t->name, t->q.n);
    if (!(t->q.scale[0] > 0) || !isfinite(t->q.scale[0]))
        return op_fail(c, "%s %s has scale %g", role, t->name, t->q.scale[0]);
    if (t->q.zero_point[0] < -128 || t->q.zero_point[0] > 127)
        return op_fail(c, "%s %s has zero point %lld outside int8", role, t->name,
                       (long long)t->q.zero_point[0]);
    return 0;
}

static int check_counts(prep_ctx *c, int min_in, int max_in)
{
    if (c->op->n_inputs < min_in || c->op->n_inputs > max_in || c->op->n_outputs != 1)
        return op_fail(c, "%d inputs and %d outputs", c->op->n_inputs, c->op->n_outputs);
    for (int i = 0; i < min_in; i++)
        if (c->op->inputs[i] < 0)
            return op_fail(c, "input %d is missing", i);
    return 0;
}

static int activation_range(prep_ctx *c, const rq_tfl_tensor *out, int act, int32_t *lo,
                            int32_t *hi)
{
    float s = out->q.scale[0];
    int32_t zp = (int32_t)out->q.zero_point[0];
    *lo = -128;
    *hi = 127;
    /* as CalculateActivationRangeQuantized: zp + round(f / scale) in float */
    switch (act) {
    case RQ_TFL_ACT_NONE:
        return 0;
    case RQ_TFL_ACT_RELU:
        *lo = zp > -128 ? zp : -128;
        return 0;
    case RQ_TFL_ACT_RELU6: {
        *lo = zp > -128 ? zp : -128;
        float q6 = rq_round_f(6.0f / s);
        int32_t v = q6 > 1e9f ? 1000000000 : zp + (int32_t)q6;
        *hi = v < 127 ? v : 127;
        return 0;
    }
    case RQ_TFL_ACT_RELU_N1_TO_1: {
        float q1 = rq_round_f(1.0f / s);
        int32_t v1 = q1 > 1e9f ? 1000000000 : (int32_t)q1;
        *lo = zp - v1 > -128 ? zp - v1 : -128;
        *hi = zp + v1 < 127 ? zp + v1 : 127;
        return 0;
    }
    default:
        return op_fail(c, "fused activation %d not supported", act);
    }
}

static int out_size(int padding, int in, int k, int stride, int dil, int *out)
{
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t v = padding == RQ_TFL_PAD_SAME ? ((int64_t)in + stride - 1) / stride
                                           : ((int64_t)in + stride - eff) / stride;
    if (v < 0)
        v = 0;
    *out = (int)v;
    return padding == RQ_TFL_PAD_SAME || padding == RQ_TFL_PAD_VALID ? 0 : -1;
}

static int pad_before(int stride, int dil, int in, int k, int out)
{
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t total = ((int64_t)out - 1) * stride + eff - in;
    return total > 0 ? (int)(total / 2) : 0;
}

/* Shapes and padding of a 2-D windowed op; fills geometry in p. */
static int window_geometry(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in,
                           const rq_tfl_tensor *out, int k_h, int k_w, int out_c)
{
    const rq_tfl_options *o = &c->op->opt;
    if (in->rank != 4 || out->rank != 4)
        return op_fail(c, "input and output must be 4-D NHWC");
    if (o->stride_h < 1 || o->stride_w < 1 || o->stride_h > 4096 || o->stride_w > 4096)
        return op_fail(c, "stride %dx%d", o->stride_h, o->stride_w);
    if (k_h < 1 || k_w < 1 || k_h > 4096 || k_w > 4096)
        return op_fail(c, "filter %dx%d", k_h, k_w);
    p->batches = in->shape[0];
    p->in_h = in->shape[1];
    p->in_w = in->shape[2];
    p->in_c = in->shape[3];
    p->k_h = k_h;
    p->k_w = k_w;
    p->stride_h = o->stride_h;
    p->stride_w = o->stride_w;
    int oh, ow;
    if (out_size(o->padding, p->in_h, k_h, p->stride_h, p->dil_h, &oh) ||
        out_size(o->padding, p->in_w, k_w, p->stride_w, p->dil_w, &ow))
        return op_fail(c, "padding %d is neither SAME nor VALID", (int)o->padding);
    if (out->shape[0] != p->batches || out->shape[1] != oh || out->shape[2] != ow ||
        out->shape[3] != out_c)
        return op_fail(c, "output shape [%d,%d,%d,%d], expected [%d,%d,%d,%d]",
                       (int)out->shape[0], (int)out->shape[1], (int)out->shape[2],
                       (int)out->shape[3], p->batches, oh, ow, out_c);
    if (oh == 0 || ow == 0)
        return op_fail(c, "empty output");
    p->out_h = oh;
    p->out_w = ow;
    p->out_c = out_c;
    p->pad_top = pad_before(p->stride_h, p->dil_h, p->in_h, k_h, oh);
    p->pad_left = pad_before(p->stride_w, p->dil_w, p->in_w, k_w, ow);
    return 0;
}

/* Conv input geometry: the padded source the taps read. */
static int conv_source(prep_ctx *c, prep_op *p)
{
    int64_t h = (int64_t)(p->out_h - 1) * p->stride_h + (int64_t)(p->k_h - 1) * p->dil_h + 1;
    int64_t w = (int64_t)(p->out_w - 1) * p->stride_w + (int64_t)(p->k_w - 1) * p->dil_w + 1;
    if (h * w * p->in_c > MAX_TMP_BYTES)
        return op_fail(c, "padded input of %lldx%lldx%d is too large", (long long)h,
                       (long long)w, p->in_c);
    p->src_h = (int)h;
    p->src_w = (int)w;
    p->needs_pad = p->pad_top > 0 || p->pad_left > 0 || p->src_h > p->in_h || p->src_w > p->in_w;
    return 0;
}

/* Per-channel multipliers, the bias folded with the input zero point, widened weights.
 * weights(oc, k) reads the k-th tap of output channel oc. */
static int conv_quant(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in, const rq_tfl_tensor *w,
                      const rq_tfl_tensor *bias, const rq_tfl_tensor *out, int per_tensor_float,
                      int (*tap)(const prep_op *, const int8_t *, int, int))
{
    int n = p->out_c;
    if (w->type != RQ_TFL_INT8 || !w->data)
        return op_fail(c, "weights %s must be constant INT8", w->name);
    if (w->q.n != 1 && w->q.n != n)
        return op_fail(c, "weights %s have %d scales for %d output channels", w->name, w->q.n, n);
    for (int i = 0; i < w->q.n; i++)
        if (w->q.zero_point[i] != 0 || !(w->q.scale[i] > 0) || !isfinite(w->q.scale[i]))
            return op_fail(c, "weights %s channel %d: zero point %lld, scale %g (symmetric, "
                              "positive scales required)", w->name, i,
                           (long long)w->q.zero_point[i], w->q.scale[i]);
    if (bias) {
        if (bias->type != RQ_TFL_INT32 || !bias->data)
            return op_fail(c, "bias %s must be constant INT32", bias->name);
        if (rq_tfl_num_elements(bias) != n)
            return op_fail(c, "bias %s has %lld entries for %d channels", bias->name,
                           (long long)rq_tfl_num_elements(bias), n);
    }
    p->k_pad = (p->k_len + 7) & ~7;
    p->mult = malloc(sizeof *p->mult * (size_t)n);
    p->shift = malloc(sizeof *p->shift * (size_t)n);
    p->lshift = malloc(sizeof *p->lshift * (size_t)n);
    p->rshift = malloc(sizeof *p->rshift * (size_t)n);
    p->bias_adj = malloc(sizeof *p->bias_adj * (size_t)n);
    p->w16 = calloc((size_t)n * (size_t)p->k_pad, sizeof *p->w16);
    if (!p->mult || !p->shift || !p->lshift || !p->rshift || !p->bias_adj || !p->w16)
        return op_fail(c, "out of memory");
    float s_in = in->q.scale[0], s_out = out->q.scale[0];
    for (int oc = 0; oc < n; oc++) {
        float s_w = w->q.scale[w->q.n == 1 ? 0 : oc];
        double real = per_tensor_float ? (double)(s_in * s_w) / (double)s_out
                                       : (double)s_in * (double)s_w / (double)s_out;
        int sh;
        if (!isfinite(real)) /* s_in * s_w overflowed float: the cast inside would be UB */
            return op_fail(c, "channel %d: multiplier %g out of range", oc, real);
        rq_quantize_multiplier(real, &p->mult[oc], &sh);
        if (sh > 30 || sh < -31)
            return op_fail(c, "channel %d: multiplier %g out of range", oc, real);
        p->shift[oc] = sh;
        p->lshift[oc] = sh > 0 ? sh : 0;
        p->rshift[oc] = sh > 0 ? 0 : -sh;
        int64_t wsum = 0;
        for (int k = 0; k < p->k_len; k++) {
            int v = tap(p, (const int8_t *)w->data, oc, k);
            p->w16[(size_t)oc * p->k_pad + k] = (int16_t)v;
            wsum += v;
        }
        int32_t b = 0;
        if (bias)
            memcpy(&b, bias->data + 4 * (size_t)oc, 4);
        /* the padded input makes every tap valid, so the zero point folds in exactly
         * (two's complement wrap-around, as the reference's int32 accumulator) */
        p->bias_adj[oc] = (int32_t)((uint32_t)b - (uint32_t)(p->in_zp * wsum));
    }
    return activation_range(c, out, c->op->opt.activation, &p->act_min, &p->act_max);
}

static int conv_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)oc * p->k_len + k];
}

static int depthwise_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)k * p->out_c + oc];
}

static int fc_tap(const prep_op *p, const int8_t *w, int oc, int k)
{
    return w[(size_t)oc * p->k_len + k];
}

static int prepare_conv(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 3))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *w = input_tensor(c, 1),
                        *bias = input_tensor(c, 2), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (w->rank != 4)
        return op_fail(c, "weights must be 4-D OHWI");
    int depthwise = c->op->code == RQ_TFL_OP_DEPTHWISE_CONV_2D;
    const rq_tfl_options *o = &c->op->opt;
    p->dil_h = o->dilation_h;
    p->dil_w = o->dilation_w;
    if (p->dil_h < 1 || p->dil_w < 1 || p->dil_h > 4096 || p->dil_w > 4096)
        return op_fail(c, "dilation %dx%d", p->dil_h, p->dil_w);
    int out_c = depthwise ? w->shape[3] : w->shape[0];
    if (window_geometry(c, p, in, out, w->shape[1], w->shape[2], out_c))
        return -1;
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    if (depthwise) {
        if (w->shape[0] != 1 || p->in_c < 1 || out_c % p->in_c)
            return op_fail(c, "weights [%d,%d,%d,%d] do not fit %d input channels",
                           (int)w->shape[0], (int)w->shape[1], (int)w->shape[2],
                           (int)w->shape[3], p->in_c);
        p->depth_mult = out_c / p->in_c;
        if (w->q.n > 1 && w->q.quantized_dimension != 3)
            return op_fail(c, "per-channel weights must be quantized along dimension 3");
        p->k_len = p->k_h * p->k_w;
    } else {
        if (w->shape[3] != p->in_c)
            return op_fail(c, "weights have %d input channels, input has %d (groups not "
                              "supported)", (int)w->shape[3], p->in_c);
        if (w->q.n > 1 && w->q.quantized_dimension != 0)
            return op_fail(c, "per-channel weights must be quantized along dimension 0");
        p->k_len = p->k_h * p->k_w * p->in_c;
    }
    if (conv_quant(c, p, in, w, bias, out, 0, depthwise ? depthwise_tap : conv_tap))
        return -1;
    if (conv_source(c, p))
        return -1;
    size_t pad_bytes = p->needs_pad ? (size_t)p->src_h * p->src_w * p->in_c : 0;
    c->tmp_need = ((pad_bytes + 63) & ~(size_t)63) +
                  (size_t)((p->k_pad + 31) & ~31) * sizeof(int16_t) +
                  (size_t)p->out_c * sizeof(int32_t);
    p->run = depthwise ? run_depthwise : run_conv;
    return 0;
}

static int prepare_pool(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    p->dil_h = p->dil_w = 1;
    if (window_geometry(c, p, in, out, c->op->opt.filter_h, c->op->opt.filter_w, in->shape[3]))
        return -1;
    /* the window is clipped to the input, so that is what one output can cost */
    int64_t win = (int64_t)(p->k_h < p->in_h ? p->k_h : p->in_h) * (p->k_w < p->in_w ? p->k_w : p->in_w);
    int64_t ops = win * rq_tfl_num_elements(out);
    if (ops > MAX_POOL_OPS)
        return op_fail(c, "a %dx%d window over %lld outputs is %lld operations an inference "
                       "(at most 2^31)", p->k_h, p->k_w, (long long)rq_tfl_num_elements(out),
                       (long long)ops);
    p->run = c->op->code == RQ_TFL_OP_MAX_POOL_2D ? run_max_pool : run_avg_pool;
    return activation_range(c, out, c->op->opt.activation, &p->act_min, &p->act_max);
}

static int prepare_mean(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *axes = input_tensor(c, 1), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (axes->type != RQ_TFL_INT32 || !axes->data)
        return op_fail(c, "axes must be a constant INT32 tensor");
    int reduced[RQ_TFL_MAX_DIMS] = {0};
    int64_t n_axes = rq_tfl_num_elements(axes);
    for (int64_t i = 0; i < n_axes; i++) {
        int32_t a;
        memcpy(&a, axes->data + 4 * i, 4);
        if (a < 0)
            a += in->rank;
        if (a < 0 || a >= in->rank)
            return op_fail(c, "axis %d outside rank %d", (int)a, in->rank);
        reduced[a] = 1; /* duplicates count once, as ResolveAxis does */
    }
    p->rank = in->rank;
    p->n_reduce = 1;
    p->n_out = 1;
    int32_t kept[RQ_TFL_MAX_DIMS];
    int n_kept = 0;
    for (int d = 0; d < in->rank; d++) {
        p->in_dims[d] = in->shape[d];
        if (reduced[d])
            p->n_reduce *= in->shape[d];
        else
            kept[n_kept++] = in->shape[d];
    }
    int64_t stride = 1;
    for (int d = in->rank - 1; d >= 0; d--) {
        p->red_stride[d] = reduced[d] ? 0 : (int32_t)stride;
        if (!reduced[d])
            stride *= in->shape[d];
    }
    p->n_out = stride;
    if (rq_tfl_num_elements(out) != p->n_out)
        return op_fail(c, "output has %lld elements, the reduction gives %lld",
                       (long long)rq_tfl_num_elements(out), (long long)p->n_out);
    (void)kept;
    if (p->n_reduce == 0 || p->n_reduce > (1 << 23))
        return op_fail(c, "%lld reduced elements", (long long)p->n_reduce);
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    int32_t m;
    int s;
    rq_quantize_multiplier((double)in->q.scale[0] / (double)out->q.scale[0], &m, &s);
    /* fold 1/N into the multiplier as the reference does (the MCU runtime's helper) */
    rppg_q8_mean_multiplier(m, s, (int32_t)p->n_reduce, &p->m1, &p->s1);
    if (p->s1 > 30 || p->s1 < -31)
        return op_fail(c, "scale ratio %g out of range", (double)in->q.scale[0] / out->q.scale[0]);
    c->tmp_need = sizeof(int32_t) * (size_t)p->n_out;
    p->run = run_mean;
    return 0;
}

static int prepare_reshape(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (in->type != out->type || rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input %s and output %s differ in type or element count", in->name,
                       out->name);
    p->count = (size_t)rq_tfl_num_elements(in) * rq_tfl_type_size(in->type);
    p->run = run_copy;
    return 0;
}

static int prepare_fully_connected(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 3))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *w = input_tensor(c, 1),
                        *bias = input_tensor(c, 2), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (w->rank != 2)
        return op_fail(c, "weights must be 2-D [units, depth]");
    int units = w->shape[0], depth = w->shape[1];
    int64_t n_in = rq_tfl_num_elements(in);
    if (depth < 1 || n_in % depth)
        return op_fail(c, "input of %lld elements is not a multiple of depth %d",
                       (long long)n_in, depth);
    p->batches = (int)(n_in / depth);
    if (rq_tfl_num_elements(out) != (int64_t)p->batches * units)
        return op_fail(c, "output has %lld elements, expected %lld",
                       (long long)rq_tfl_num_elements(out), (long long)p->batches * units);
    if (w->q.n > 1 && w->q.quantized_dimension != 0)
        return op_fail(c, "per-channel weights must be quantized along dimension 0");
    p->out_c = units;
    p->k_len = depth;
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    /* per-tensor: the scale product in float, as GetQuantizedConvolutionMultipler */
    if (conv_quant(c, p, in, w, bias, out, w->q.n == 1, fc_tap))
        return -1;
    c->tmp_need = (size_t)p->k_pad * sizeof(int16_t);
    p->run = run_fully_connected;
    return 0;
}

static int prepare_quantize(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, out, "output"))
        return -1;
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    p->count = (size_t)rq_tfl_num_elements(in);
    p->out_zp = (int32_t)out->q.zero_point[0];
    if (in->type == RQ_TFL_FLOAT32) {
        p->scale_f = out->q.scale[0];
        p->run = run_quantize_float;
        return 0;
    }
    if (check_activation(c, in, "input"))
        return -1;
    p->in_zp = (int32_t)in->q.zero_point[0];
    rq_quantize_multiplier((double)in->q.scale[0] / (double)out->q.scale[0], &p->m1, &p->s1);
    if (p->s1 > 30 || p->s1 < -31)
        return op_fail(c, "scale ratio out of range");
    p->run = run_requantize;
    return 0;
}

static int prepare_dequantize(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input"))
        return -1;
    if (out->type != RQ_TFL_FLOAT32)
        return op_fail(c, "output %s must be FLOAT32", out->name);
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    p->count = (size_t)rq_tfl_num_elements(in);
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->scale_d = (double)in->q.scale[0];
    p->run = run_dequantize;
    return 0;
}

static int prepare_logistic(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (out->q.zero_point[0] != -128)
        return op_fail(c, "output zero point must be -128 (scale 1/256)");
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    int e;
    (void)frexp((double)in->q.scale[0] * (double)(1 << 27), &e);
    if (e < 1 || e > 30)
        return op_fail(c, "input scale %g out of the supported range", in->q.scale[0]);
    p->count = (size_t)rq_tfl_num_elements(in);
    p->in_zp = (int32_t)in->q.zero_point[0];
    rq_logistic_prepare(in->q.scale[0], &p->m1, &p->s1, &p->radius);
    p->run = run_logistic;
    return 0;
}

static int prepare_op(prep_ctx *c, prep_op *p)
{
    switch ((int)c->op->code) {
    case RQ_TFL_OP_CONV_2D:
    case RQ_TFL_OP_DEPTHWISE_CONV_2D:
        return prepare_conv(c, p);
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D:
        return prepare_pool(c, p);
    case RQ_TFL_OP_MEAN:
        return prepare_mean(c, p);
    case RQ_TFL_OP_RESHAPE:
        return prepare_reshape(c, p);
    case RQ_TFL_OP_FULLY_CONNECTED:
        return prepare_fully_connected(c, p);
    case RQ_TFL_OP_QUANTIZE:
        return prepare_quantize(c, p);
    case RQ_TFL_OP_DEQUANTIZE:
        return prepare_dequantize(c, p);
    case RQ_TFL_OP_LOGISTIC:
        return prepare_logistic(c, p);
    default:
        return op_fail(c, "operator not supported by the int8 engine");
    }
}

static void free_ops(prep_op *ops, int n)
{
    for (int i = 0; i < n; i++) {
        free(ops[i].mult);
        free(ops[i].shift);
        free(ops[i].lshift);
        free(ops[i].rshift);
        free(ops[i].bias_adj);
        free(ops[i].w16);
    }
    free(ops);
}

void rq_tfl_engine_free(rq_tfl_engine *e)
{
    if (!e)
        return;
    free_ops(e->ops, e->n_ops);
    free(e->slots);
    free(e->bytes);
    free(e);
}

static size_t align_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* Every non-constant tensor gets its own arena slot; each must be written by exactly one
 * operator before it is read, or be a graph input. */
static int layout_tensors(const rq_tfl_model *m, rq_tfl_engine *e, rq_error *err)
{
    size_t off = 0;
    for (int t = 0; t < m->n_tensors; t++) {
        const rq_tfl_tensor *x = &m->tensors[t];
        e->bytes[t] = (size_t)rq_tfl_num_elements(x) * rq_tfl_type_size(x->type);
        if (x->data) {
            e->slots[t].fixed = x->data;
            continue;
        }
        e->slots[t].off = off;
        off += align_up(e->bytes[t]);
    }
    e->arena_bytes = off;
    char *ready = calloc((size_t)m->n_tensors, 1);
    if (!ready)
        return rq_fail(err, "model: out of memory");
    for (int i = 0; i < m->n_inputs; i++) {
        if (m->tensors[m->inputs[i]].data) {
            free(ready);
            return rq_fail(err, "model: graph input %d is a constant tensor", i);
        }
        ready[m->inputs[i]] = 1;
    }
    for (int o = 0; o < m->n_ops; o++) {
        const rq_tfl_op *op = &m->ops[o];
        for (int i = 0; i < op->n_inputs; i++) {
            int32_t t = op->inputs[i];
            if (t >= 0 && !m->tensors[t].data && !ready[t]) {
                free(ready);
                return rq_fail(err, "operator %d (%s): input tensor %d (%s) is not computed "
                                    "before it", o, rq_tfl_builtin_name(op->code), (int)t,
                               m->tensors[t].name);
            }
        }
        for (int i = 0; i < op->n_outputs; i++) {
            int32_t t = op->outputs[i];
            if (m->tensors[t].data || ready[t]) {
                free(ready);
                return rq_fail(err, "operator %d (%s): output tensor %d (%s) is constant or "
                                    "written twice", o, rq_tfl_builtin_name(op->code), (int)t,
                               m->tensors[t].name);
            }
            ready[t] = 1;
        }
    }
    for (int i = 0; i < m->n_outputs; i++)
        if (!ready[m->outputs[i]] && !m->tensors[m->outputs[i]].data) {
            free(ready);
            return rq_fail(err, "model: graph output %d is never computed", i);
        }
    free(ready);
    return 0;
}

int rq_tfl_prepare(const rq_tfl_model *m, rq_tfl_rounding rounding, rq_tfl_engine **out,
                   rq_error *err)
{
    *out = NULL;
    if (rq_tfl_validate(m, "model", err))
        return -1;
    rq_tfl_engine *e = calloc(1, sizeof *e);
    if (!e)
        return rq_fail(err, "model: out of memory");
    e->m = m;
    e->slots = calloc((size_t)m->n_tensors + 1, sizeof *e->slots);
    e->bytes = calloc((size_t)m->n_tensors + 1, sizeof *e->bytes);
    e->ops = calloc((size_t)m->n_ops + 1, sizeof *e->ops);
    if (!e->slots || !e->bytes || !e->ops) {
        rq_tfl_engine_free(e);
        return rq_fail(err, "model: out of memory");
    }
    if (layout_tensors(m, e, err)) {
        rq_tfl_engine_free(e);
        return -1;
    }
    size_t tmp_max = 0;
    for (int i = 0; i < m->n_ops; i++) {
        prep_ctx c = {m, e, i, &m->ops[i], err, 0};
        prep_op *p = &e->ops[i];
        e->n_ops = i + 1;
        p->single = rounding == RQ_TFL_ROUND_SINGLE;
        if (prepare_op(&c, p)) {
            rq_tfl_engine_free(e);
            return -1;
        }
        p->in = e->slots[m->ops[i].inputs[0]];
        p->out = e->slots[m->ops[i].outputs[0]];
        if (c.tmp_need > tmp_max)
            tmp_max = c.tmp_need;
    }
    for (int i = 0; i < m->n_ops; i++)
        e->ops[i].tmp_off = e->arena_bytes;
    e->arena_bytes += align_up(tmp_max) + ARENA_ALIGN;
    if (e->arena_bytes > MAX_ARENA_BYTES) {
        rq_fail(err, "model: activations need %zu bytes, more than the engine's limit of %zu",
                e->arena_bytes, MAX_ARENA_BYTES);
        rq_tfl_engine_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

rq_tfl_scratch *rq_tfl_scratch_new(const rq_tfl_engine *e)
{
    rq_tfl_scratch *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->arena = aligned_alloc(ARENA_ALIGN, align_up(e->arena_bytes));
    if (!s->arena) {
        free(s);
        return NULL;
    }
    memset(s->arena, 0, align_up(e->arena_bytes));
    return s;
}

void rq_tfl_scratch_free(rq_tfl_scratch *s)
{
    if (!s)
        return;
    free(s->arena);
    free(s);
}

void *rq_tfl_input(const rq_tfl_engine *e, rq_tfl_scratch *s, int i)
{
    return s->arena + e->slots[e->m->inputs[i]].off;
}

const void *rq_tfl_output(const rq_tfl_engine *e, const rq_tfl_scratch *s, int i)
{
    return rq_tfl_tensor_data(e, s, e->m->outputs[i]);
}

const void *rq_tfl_tensor_data(const rq_tfl_engine *e, const rq_tfl_scratch *s, int tensor)
{
    return cptr(&e->slots[tensor], s->arena);
}

size_t rq_tfl_tensor_bytes(const rq_tfl_engine *e, int tensor)
{
    return e->bytes[tensor];
}

void rq_tfl_invoke(const rq_tfl_engine *e, rq_tfl_scratch *s)
{
    for (int i = 0; i < e->n_ops; i++)
        e->ops[i].run(&e->ops[i], s->arena);
}

void rq_tfl_run(const rq_tfl_engine *e, rq_tfl_scratch *s, const void *input, void *output)
{
    memcpy(rq_tfl_input(e, s, 0), input, e->bytes[e->m->inputs[0]]);
    rq_tfl_invoke(e, s);
    memcpy(output, rq_tfl_output(e, s, 0), e->bytes[e->m->outputs[0]]);
}
