#include "tflite/tfl_testmodels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next_u32(rng *r)
{
    /* splitmix64: well mixed even for small seeds */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static double uniform(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * (next_u32(r) / 4294967296.0);
}

static int irange(rng *r, int lo, int hi) /* inclusive */
{
    return lo + (int)(next_u32(r) % (uint32_t)(hi - lo + 1));
}

typedef struct act {
    int t;
    float scale;
    int zp;
} act;

static int add_act(rq_tfl_model *m, const char *name, int rank, const int32_t *shape, float scale,
                   int zp, act *a, rq_error *err)
{
    a->t = rq_tfl_add_tensor(m, name, RQ_TFL_INT8, rank, shape, err);
    a->scale = scale;
    a->zp = zp;
    int64_t z = zp;
    if (a->t < 0 || rq_tfl_set_quant(m, a->t, 1, &scale, &z, 0, err))
        return -1;
    return 0;
}

static int add_i32_const(rq_tfl_model *m, const char *name, int n, const int32_t *v, rq_error *err)
{
    int32_t shape[1] = {n};
    int t = rq_tfl_add_tensor(m, name, RQ_TFL_INT32, 1, shape, err);
    if (t < 0 || rq_tfl_set_data(m, t, v, sizeof *v * (size_t)n, err))
        return -1;
    return t;
}

/* Random symmetric weights, per-channel along qdim (n channels), and an int32 bias with
 * scale in*w[c]. Returns the typical accumulator size in real units to size the output. */
static int add_weights(rq_tfl_model *m, const char *name, rng *r, int rank, const int32_t *shape,
                       int qdim, int n_out, float in_scale, int *w_out, int *b_out,
                       double *typ_real, rq_error *err)
{
    int n = n_out; /* bias entries; scales: n, or 1 when qdim < 0 (per tensor) */
    int64_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= shape[i];
    int taps = (int)(count / n);
    int8_t *w = malloc((size_t)count);
    float *sc = malloc(sizeof *sc * (size_t)n);
    int64_t *zp = calloc((size_t)n, sizeof *zp);
    int32_t *bias = malloc(sizeof *bias * (size_t)n);
    float *bsc = malloc(sizeof *bsc * (size_t)n);
    int rc = -1;
    if (!w || !sc || !zp || !bias || !bsc) {
        rq_fail(err, "%s: out of memory", name);
        goto done;
    }
    for (int64_t i = 0; i < count; i++)
        w[i] = (int8_t)irange(r, -127, 127);
    double sum_scale = 0;
    for (int c = 0; c < n; c++) {
        sc[c] = qdim < 0 && c > 0 ? sc[0] : (float)uniform(r, 0.002, 0.02);
        sum_scale += sc[c];
        bsc[c] = (float)((double)in_scale * (double)sc[c]);
    }
    /* accumulator std ~ sqrt(taps) * std(w) * rms(x - zp); inputs span ~[0,255] */
    double acc_std = sqrt((double)taps) * 73.0 * 140.0;
    for (int c = 0; c < n; c++)
        bias[c] = (int32_t)uniform(r, -0.5 * acc_std, 0.5 * acc_std);
    *typ_real = acc_std * in_scale * (sum_scale / n);
    int32_t bshape[1] = {n};
    char bname[128];
    snprintf(bname, sizeof bname, "%s/bias", name);
    char wname[128];
    snprintf(wname, sizeof wname, "%s/weights", name);
    *w_out = rq_tfl_add_tensor(m, wname, RQ_TFL_INT8, rank, shape, err);
    if (*w_out < 0 || rq_tfl_set_data(m, *w_out, w, (size_t)count, err) ||
        rq_tfl_set_quant(m, *w_out, qdim < 0 ? 1 : n, sc, zp, qdim < 0 ? 0 : qdim, err))
        goto done;
    *b_out = rq_tfl_add_tensor(m, bname, RQ_TFL_INT32, 1, bshape, err);
    if (*b_out < 0 || rq_tfl_set_data(m, *b_out, bias, sizeof *bias * (size_t)n, err) ||
        rq_tfl_set_quant(m, *b_out, n, bsc, zp, 0, err))
        goto done;
    rc = 0;
done:
    free(w);
    free(sc);
    free(zp);
    free(bias);
    free(bsc);
    return rc;
}

/* A conv layer whose output scale makes the typical accumulator span ~40 LSB. */
static int conv_layer(rq_tfl_model *m, const char *name, rng *r, const act *in, int h, int w_,
                      int cin, int cout, int k, const rq_tfl_options *o, int oh, int ow, int relu,
                      act *out, rq_error *err)
{
    int32_t wshape[4] = {cout, k, k, cin};
    int wt, bt;
    double typ;
    if (add_weights(m, name, r, 4, wshape, 0, cout, in->scale, &wt, &bt, &typ, err))
        return -1;
    (void)h;
    (void)w_;
    int32_t oshape[4] = {1, oh, ow, cout};
    float s = (float)(typ / 40.0);
    int zp = relu ? -128 : irange(r, -20, 20);
    if (add_act(m, name, 4, oshape, s, zp, out, err))
        return -1;
    int32_t ins[3] = {in->t, wt, bt};
    return rq_tfl_add_op(m, RQ_TFL_OP_CONV_2D, 3, ins, 1, &out->t, o, err) < 0 ? -1 : 0;
}

static int maxpool2(rq_tfl_model *m, const char *name, const act *in, int oh, int ow, int c,
                    act *out, rq_error *err)
{
    int32_t shape[4] = {1, oh, ow, c};
    if (add_act(m, name, 4, shape, in->scale, in->zp, out, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.padding = RQ_TFL_PAD_VALID;
    o.filter_w = o.filter_h = 2;
    o.stride_w = o.stride_h = 2;
    return rq_tfl_add_op(m, RQ_TFL_OP_MAX_POOL_2D, 1, &in->t, 1, &out->t, &o, err) < 0 ? -1 : 0;
}

int rq_tfl_build_spatial_cnn(rq_tfl_model *m, uint64_t seed, rq_error *err)
{
    rng r = {seed};
    rq_tfl_model_init(m);
    act x, c1, p1, c2, p2, c3, mean, out;
    int32_t in_shape[4] = {1, 36, 36, 3};
    if (add_act(m, "input", 4, in_shape, 1.0f / 255.0f, -128, &x, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.padding = RQ_TFL_PAD_SAME;
    o.activation = RQ_TFL_ACT_RELU;
    if (conv_layer(m, "conv1", &r, &x, 36, 36, 3, 16, 3, &o, 36, 36, 1, &c1, err) ||
        maxpool2(m, "pool1", &c1, 18, 18, 16, &p1, err) ||
        conv_layer(m, "conv2", &r, &p1, 18, 18, 16, 32, 3, &o, 18, 18, 1, &c2, err) ||
        maxpool2(m, "pool2", &c2, 9, 9, 32, &p2, err) ||
        conv_layer(m, "conv3", &r, &p2, 9, 9, 32, 16, 3, &o, 9, 9, 1, &c3, err))
        return -1;
    int32_t axes[2] = {1, 2};
    int ax = add_i32_const(m, "mean/axes", 2, axes, err);
    int32_t mshape[4] = {1, 1, 1, 16};
    if (ax < 0 || add_act(m, "mean", 4, mshape, c3.scale * 0.5f, -128, &mean, err))
        return -1;
    rq_tfl_options mo = rq_tfl_default_options();
    mo.keep_dims = 1;
    int32_t mins[2] = {c3.t, ax};
    if (rq_tfl_add_op(m, RQ_TFL_OP_MEAN, 2, mins, 1, &mean.t, &mo, err) < 0)
        return -1;
    int32_t newshape[2] = {1, 16};
    int st = add_i32_const(m, "reshape/shape", 2, newshape, err);
    if (st < 0 || add_act(m, "output", 2, newshape, mean.scale, mean.zp, &out, err))
        return -1;
    int32_t rins[2] = {mean.t, st};
    if (rq_tfl_add_op(m, RQ_TFL_OP_RESHAPE, 2, rins, 1, &out.t, NULL, err) < 0)
        return -1;
    if (rq_tfl_set_description(m, "rppgq synthetic spatial CNN", err))
        return -1;
    return rq_tfl_set_graph_io(m, 1, &x.t, 1, &out.t, err);
}

const char *const rq_tfl_op_model_names[] = {
    "conv_valid_stride2", "conv_same_dilation2", "depthwise_mult2", "maxpool_same3",
    "avgpool_same3", "avgpool_valid2", "mean_hw", "fully_connected", "fully_connected_per_channel",
    "quantize_requant",
    "dequantize_quantize", "dequantize_float", "logistic", NULL,
};

static int one_op_model(rq_tfl_model *m, const char *name, uint64_t seed, rq_error *err)
{
    rng r = {seed};
    act x, y;
    int32_t in_shape[4] = {1, 11, 10, 4};
    float in_scale = (float)uniform(&r, 0.01, 0.05);
    if (add_act(m, "input", 4, in_shape, in_scale, irange(&r, -30, 30), &x, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    if (!strcmp(name, "conv_valid_stride2") || !strcmp(name, "conv_same_dilation2")) {
        int valid = name[5] == 'v';
        o.padding = valid ? RQ_TFL_PAD_VALID : RQ_TFL_PAD_SAME;
        o.stride_w = o.stride_h = valid ? 2 : 1;
        o.dilation_w = o.dilation_h = valid ? 1 : 2;
        o.activation = valid ? RQ_TFL_ACT_NONE : RQ_TFL_ACT_RELU6;
        /* VALID stride 2, k3: (11-3)/2+1 = 5, (10-3)/2+1 = 4 */
        int oh = valid ? 5 : 11, ow = valid ? 4 : 10;
        if (conv_layer(m, name, &r, &x, 11, 10, 4, 6, 3, &o, oh, ow, 0, &y, err))
            return -1;
    } else if (!strcmp(name, "depthwise_mult2")) {
        int32_t wshape[4] = {1, 3, 3, 8};
        int wt, bt;
        double typ;
        if (add_weights(m, name, &r, 4, wshape, 3, 8, x.scale, &wt, &bt, &typ, err))
            return -1;
        o.depth_multiplier = 2;
        o.stride_w = 2;
        o.activation = RQ_TFL_ACT_RELU;
        int32_t oshape[4] = {1, 11, 5, 8};
        if (add_act(m, "output", 4, oshape, (float)(typ / 30.0), -128, &y, err))
            return -1;
        int32_t ins[3] = {x.t, wt, bt};
        if (rq_tfl_add_op(m, RQ_TFL_OP_DEPTHWISE_CONV_2D, 3, ins, 1, &y.t, &o, err) < 0)
            return -1;
    } else if (!strncmp(name, "maxpool", 7) || !strncmp(name, "avgpool", 7)) {
        int same = strstr(name, "same") != NULL;
        o.padding = same ? RQ_TFL_PAD_SAME : RQ_TFL_PAD_VALID;
        o.filter_w = o.filter_h = same ? 3 : 2;
        o.stride_w = o.stride_h = 2;
        int32_t oshape[4] = {1, same ? 6 : 5, 5, 4};
        if (add_act(m, "output", 4, oshape, x.scale, x.zp, &y, err))
            return -1;
        if (rq_tfl_add_op(m, name[0] == 'm' ? RQ_TFL_OP_MAX_POOL_2D : RQ_TFL_OP_AVERAGE_POOL_2D,
                          1, &x.t, 1, &y.t, &o, err) < 0)
            return -1;
    } else if (!strcmp(name, "mean_hw")) {
        int32_t axes[2] = {1, 2};
        int ax = add_i32_const(m, "axes", 2, axes, err);
        int32_t oshape[4] = {1, 1, 1, 4};
        if (ax < 0 || add_act(m, "output", 4, oshape, x.scale * 0.37f, irange(&r, -10, 10), &y, err))
            return -1;
        o.keep_dims = 1;
        int32_t ins[2] = {x.t, ax};
        if (rq_tfl_add_op(m, RQ_TFL_OP_MEAN, 2, ins, 1, &y.t, &o, err) < 0)
            return -1;
    } else if (!strcmp(name, "fully_connected") || !strcmp(name, "fully_connected_per_channel")) {
        int per_channel = strstr(name, "per_channel") != NULL;
        int32_t fshape[2] = {1, 440};
        act flat;
        int32_t fs[2] = {1, 440};
        int st = add_i32_const(m, "flatten/shape", 2, fs, err);
        if (st < 0 || add_act(m, "flat", 2, fshape, x.scale, x.zp, &flat, err))
            return -1;
        int32_t rins[2] = {x.t, st};
        if (rq_tfl_add_op(m, RQ_TFL_OP_RESHAPE, 2, rins, 1, &flat.t, NULL, err) < 0)
            return -1;
        /* per-tensor weights as the spec has it: [units, depth] */
        int32_t wshape[2] = {12, 440};
        int wt, bt;
        double typ;
        if (add_weights(m, "fc", &r, 2, wshape, per_channel ? 0 : -1, 12, x.scale, &wt, &bt,
                        &typ, err))
            return -1;
        int32_t oshape[2] = {1, 12};
        if (add_act(m, "output", 2, oshape, (float)(typ / 40.0), irange(&r, -10, 10), &y, err))
            return -1;
        o.activation = per_channel ? RQ_TFL_ACT_RELU : RQ_TFL_ACT_NONE;
        int32_t ins[3] = {flat.t, wt, bt};
        if (rq_tfl_add_op(m, RQ_TFL_OP_FULLY_CONNECTED, 3, ins, 1, &y.t, &o, err) < 0)
            return -1;
    } else if (!strcmp(name, "quantize_requant")) {
        if (add_act(m, "output", 4, in_shape, x.scale * 1.7f, irange(&r, -40, 40), &y, err))
            return -1;
        if (rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &x.t, 1, &y.t, NULL, err) < 0)
            return -1;
    } else if (!strcmp(name, "dequantize_quantize") || !strcmp(name, "dequantize_float")) {
        int f = rq_tfl_add_tensor(m, "float", RQ_TFL_FLOAT32, 4, in_shape, err);
        if (f < 0 || rq_tfl_add_op(m, RQ_TFL_OP_DEQUANTIZE, 1, &x.t, 1, &f, NULL, err) < 0)
            return -1;
        if (name[11] == 'f') {
            y.t = f;
        } else {
            if (add_act(m, "output", 4, in_shape, x.scale * 0.6f, irange(&r, -40, 40), &y, err))
                return -1;
            if (rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &f, 1, &y.t, NULL, err) < 0)
                return -1;
        }
    } else if (!strcmp(name, "logistic")) {
        x.scale = 0.05f;
        if (rq_tfl_set_quant(m, x.t, 1, &x.scale, &(int64_t){x.zp}, 0, err) ||
            add_act(m, "output", 4, in_shape, 1.0f / 256.0f, -128, &y, err))
            return -1;
        if (rq_tfl_add_op(m, RQ_TFL_OP_LOGISTIC, 1, &x.t, 1, &y.t, NULL, err) < 0)
            return -1;
    } else {
        return rq_fail(err, "%s: no such test model", name);
    }
    return rq_tfl_set_graph_io(m, 1, &x.t, 1, &y.t, err);
}

int rq_tfl_build_op_model(rq_tfl_model *m, const char *name, uint64_t seed, rq_error *err)
{
    rq_tfl_model_init(m);
    if (one_op_model(m, name, seed, err))
        return -1;
    return rq_tfl_set_description(m, name, err);
}

/* Two inputs, two independent branches, outputs listed in the opposite order:
 * a [1,11,10,4] -> MAX_POOL 2x2 VALID -> pa [1,5,5,4]; b [1,6] -> QUANTIZE (requantize)
 * -> qb [1,6]; graph inputs (a, b), outputs (qb, pa). */
int rq_tfl_build_two_branch_model(rq_tfl_model *m, uint64_t seed, rq_error *err)
{
    rng r = {seed};
    act a, b, pa, qb;
    int32_t a_shape[4] = {1, 11, 10, 4}, pa_shape[4] = {1, 5, 5, 4}, b_shape[2] = {1, 6};
    rq_tfl_model_init(m);
    float sa = (float)uniform(&r, 0.01, 0.05), sb = (float)uniform(&r, 0.01, 0.05);
    if (add_act(m, "a", 4, a_shape, sa, irange(&r, -30, 30), &a, err) ||
        add_act(m, "b", 2, b_shape, sb, irange(&r, -30, 30), &b, err) ||
        add_act(m, "pa", 4, pa_shape, sa, a.zp, &pa, err) ||
        add_act(m, "qb", 2, b_shape, sb * 1.3f, irange(&r, -30, 30), &qb, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.padding = RQ_TFL_PAD_VALID;
    o.filter_h = o.filter_w = o.stride_h = o.stride_w = 2;
    if (rq_tfl_add_op(m, RQ_TFL_OP_MAX_POOL_2D, 1, &a.t, 1, &pa.t, &o, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &b.t, 1, &qb.t, NULL, err) < 0)
        return -1;
    int32_t ins[2] = {a.t, b.t}, outs[2] = {qb.t, pa.t};
    if (rq_tfl_set_graph_io(m, 2, ins, 2, outs, err))
        return -1;
    return rq_tfl_set_description(m, "two_branch", err);
}

/* A graph with branches for the MCU path: the input feeds a depthwise convolution (with a
 * residual ADD of the input) and a 1x1 convolution (with HARD_SWISH) whose outputs
 * (quantized differently) are concatenated, padded and convolved again.
 *   x [1,10,9,4] -> DEPTHWISE 3x3 SAME RELU6 -> d0 -> ADD(d0, x) -> d [1,10,9,4]
 *   x            -> CONV 1x1 -> HARD_SWISH   -> c [1,10,9,6]
 *   QUANTIZE each to the join's parameters, CONCATENATION(axis 3) -> [1,10,9,10]
 *   (the converter's form: TFLite Micro wants one scale and zero point for all)
 *   -> SPLIT (axis 3, 2) -> s0, s1 [1,10,9,5] -> ADD(s0, s1) -> sum [1,10,9,5]
 *   -> PAD (1,1)(0,1) -> [1,12,10,5]
 *   -> CONV 3x3 VALID stride 2 -> y [1,5,4,8] */
int rq_tfl_build_branch_model(rq_tfl_model *m, uint64_t seed, rq_error *err)
{
    rng r = {seed};
    act x, d0, d, c0, c, dq, cq, cat, s0, s1, sum, pad, y;
    rq_tfl_model_init(m);
    int32_t xs[4] = {1, 10, 9, 4}, cs[4] = {1, 10, 9, 10}, hs[4] = {1, 10, 9, 5},
            ps[4] = {1, 12, 10, 5};
    if (add_act(m, "x", 4, xs, (float)uniform(&r, 0.01, 0.05), irange(&r, -30, 30), &x, err))
        return -1;
    /* depthwise branch */
    int32_t dw_shape[4] = {1, 3, 3, 4};
    int wt, bt;
    double typ;
    if (add_weights(m, "dw", &r, 4, dw_shape, 3, 4, x.scale, &wt, &bt, &typ, err) ||
        add_act(m, "d0", 4, xs, (float)(typ / 30.0), -128, &d0, err))
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.activation = RQ_TFL_ACT_RELU6;
    if (rq_tfl_add_op(m, RQ_TFL_OP_DEPTHWISE_CONV_2D, 3, (int32_t[]){x.t, wt, bt}, 1, &d0.t, &o,
                      err) < 0)
        return -1;
    /* residual: the sum's range spans both terms */
    if (add_act(m, "d", 4, xs, (d0.scale + x.scale) * 1.1f, irange(&r, -20, 20), &d, err) ||
        rq_tfl_add_op(m, RQ_TFL_OP_ADD, 2, (int32_t[]){d0.t, x.t}, 1, &d.t, NULL, err) < 0)
        return -1;
    /* 1x1 branch from the same input, then HARD_SWISH */
    o = rq_tfl_default_options();
    int32_t c6s[4] = {1, 10, 9, 6};
    if (conv_layer(m, "c0", &r, &x, 10, 9, 4, 6, 1, &o, 10, 9, 0, &c0, err) ||
        add_act(m, "c", 4, c6s, c0.scale * 0.7f, irange(&r, -30, 0), &c, err) ||
        rq_tfl_add_op(m, RQ_TFL_OP_HARD_SWISH, 1, &c0.t, 1, &c.t, NULL, err) < 0)
        return -1;
    /* join: the output range covers both inputs, each requantized to it first */
    float s = (d.scale > c.scale ? d.scale : c.scale) * 1.25f;
    int zp = irange(&r, -10, 10);
    int32_t c6[4] = {1, 10, 9, 6};
    if (add_act(m, "cat", 4, cs, s, zp, &cat, err) || add_act(m, "dq", 4, xs, s, zp, &dq, err) ||
        add_act(m, "cq", 4, c6, s, zp, &cq, err) ||
        rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &d.t, 1, &dq.t, NULL, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_QUANTIZE, 1, &c.t, 1, &cq.t, NULL, err) < 0)
        return -1;
    o = rq_tfl_default_options();
    o.axis = 3;
    if (rq_tfl_add_op(m, RQ_TFL_OP_CONCATENATION, 2, (int32_t[]){dq.t, cq.t}, 1, &cat.t, &o, err) < 0)
        return -1;
    /* two halves of the channels, summed */
    int axis = rq_tfl_add_tensor(m, "split_axis", RQ_TFL_INT32, 0, NULL, err);
    if (axis < 0 || rq_tfl_set_data(m, axis, (int32_t[]){3}, 4, err) ||
        add_act(m, "s0", 4, hs, cat.scale, cat.zp, &s0, err) ||
        add_act(m, "s1", 4, hs, cat.scale, cat.zp, &s1, err) ||
        add_act(m, "sum", 4, hs, cat.scale * 1.6f, irange(&r, -10, 10), &sum, err))
        return -1;
    o = rq_tfl_default_options();
    o.count = 2;
    if (rq_tfl_add_op(m, RQ_TFL_OP_SPLIT, 2, (int32_t[]){axis, cat.t}, 2, (int32_t[]){s0.t, s1.t},
                      &o, err) < 0 ||
        rq_tfl_add_op(m, RQ_TFL_OP_ADD, 2, (int32_t[]){s0.t, s1.t}, 1, &sum.t, NULL, err) < 0)
        return -1;
    int pads = add_i32_const(m, "paddings", 8, (int32_t[]){0, 0, 1, 1, 0, 1, 0, 0}, err);
    if (pads < 0)
        return -1;
    m->tensors[pads].rank = 2, m->tensors[pads].shape[0] = 4, m->tensors[pads].shape[1] = 2;
    if (add_act(m, "pad", 4, ps, sum.scale, sum.zp, &pad, err) ||
        rq_tfl_add_op(m, RQ_TFL_OP_PAD, 2, (int32_t[]){sum.t, pads}, 1, &pad.t, NULL, err) < 0)
        return -1;
    o = rq_tfl_default_options();
    o.padding = RQ_TFL_PAD_VALID;
    o.stride_h = o.stride_w = 2;
    /* (12-3)/2+1 = 5, (10-3)/2+1 = 4 */
    if (conv_layer(m, "y", &r, &pad, 12, 10, 5, 8, 3, &o, 5, 4, 0, &y, err))
        return -1;
    if (rq_tfl_set_graph_io(m, 1, &x.t, 1, &y.t, err))
        return -1;
    return rq_tfl_set_description(m, "branches", err);
}
