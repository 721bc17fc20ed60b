#include "quant/ptq.h"

#include "q8_net.h"
#include "common/progress.h"

#include "model/contract.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rq_act_params(double lo, double hi, float *scale, int32_t *zero_point)
{
    lo = lo < 0.0 ? lo : 0.0;
    hi = hi > 0.0 ? hi : 0.0;
    if (!(hi > lo)) { /* a tensor that is always zero: any scale represents it */
        *scale = 1.0f / 255.0f;
        *zero_point = -128;
        return;
    }
    float s = (float)((hi - lo) / 255.0);
    /* The converter's nudge: the zero point is the integer nearest to where real 0.0 falls. */
    double zp_from_min = -128.0 - lo / (double)s;
    int32_t zp = zp_from_min <= -128.0 ? -128 : zp_from_min >= 127.0 ? 127 : (int32_t)round(zp_from_min);
    *scale = s;
    *zero_point = zp;
}

void rq_input_params(const rppg_contract *c, float *scale, int32_t *zero_point)
{
    if (c->repr == RPPG_REPR_WINDOW_RATIO) {
        float lo, hi;
        rppg_contract_range(c, &lo, &hi);
        rq_act_params(lo, hi, scale, zero_point);
    } else {
        *scale = 1.0f / 255.0f;
        *zero_point = -128;
    }
}

/* The MCU's own quantizer (runtime/q8_net.c): host and device round alike. */
void rq_quantize_f32(const float *x, size_t n, float scale, int32_t zero_point, int8_t *q)
{
    for (size_t i = 0; i < n; i++)
        q[i] = rppg_q8_quantize(x[i], scale, zero_point);
}

void rq_quantize_weights(const float *w, int cout, size_t rest, int8_t *q, float *scale)
{
    for (int o = 0; o < cout; o++) {
        const float *wc = w + (size_t)o * rest;
        float mx = 0.0f;
        for (size_t i = 0; i < rest; i++)
            mx = fabsf(wc[i]) > mx ? fabsf(wc[i]) : mx;
        scale[o] = mx > 0.0f ? mx / 127.0f : 1.0f;
        for (size_t i = 0; i < rest; i++) {
            float r = roundf(wc[i] / scale[o]);
            q[(size_t)o * rest + i] = (int8_t)(r < -127.0f ? -127 : r > 127.0f ? 127 : (int)r);
        }
    }
}

void rq_quantize_bias(const float *b, int cout, float in_scale, const float *w_scale,
                      int32_t *q, float *b_scale)
{
    for (int o = 0; o < cout; o++) {
        b_scale[o] = in_scale * w_scale[o];
        double r = round((double)b[o] / (double)b_scale[o]);
        q[o] = r > (double)INT32_MAX ? INT32_MAX : r < -(double)INT32_MAX ? -INT32_MAX : (int32_t)r;
    }
}

/* ---- calibration ------------------------------------------------------------------ */

static const int observed[] = {RQ_ACT_CONV0, RQ_ACT_CONV1, RQ_ACT_CONV2, RQ_ACT_MEAN};
#define N_OBSERVED 4

static void observe_all(const rq_spatial_cnn *m, rq_spatial_ws *ws, const float *patches,
                        int64_t n, size_t patch_floats, rq_observer *obs, float *feat,
                        rq_progress *prog, uint64_t done_before)
{
    for (int64_t i = 0; i < n; i++) {
        rq_progress_update(prog, done_before + (uint64_t)i);
        rq_spatial_forward(m, ws, patches + (size_t)i * patch_floats, feat);
        for (int k = 0; k < N_OBSERVED; k++) {
            int a = observed[k];
            rq_observer_add(&obs[k], ws->act[a],
                            (size_t)ws->act_h[a] * (size_t)ws->act_w[a] * (size_t)ws->act_c[a]);
        }
    }
}

int rq_ptq_calibrate(const rq_spatial_cnn *m, const float *patches, int64_t n, int h, int w,
                     rq_calib_method method, rq_ptq_ranges *r, rq_error *err)
{
    memset(r, 0, sizeof *r);
    if (n < 1)
        return rq_fail(err, "calibration needs at least one patch");
    rq_spatial_ws ws;
    if (rq_spatial_ws_init(&ws, m, h, w, err) < 0)
        return -1;
    rq_observer obs[N_OBSERVED];
    for (int k = 0; k < N_OBSERVED; k++)
        rq_observer_init(&obs[k]);
    float *feat = malloc((size_t)rq_spatial_out_features(m) * sizeof(float));
    size_t patch_floats = (size_t)h * (size_t)w * (size_t)rq_spatial_in_channels(m);
    int rc = -1;
    if (!feat) {
        rq_fail(err, "out of memory in calibration");
        goto out;
    }
    /* a pass over thousands of patches takes seconds with many windows: show it */
    rq_progress prog;
    int passes = rq_observer_needs_hist(method) ? 2 : 1;
    rq_progress_start(&prog, "calibrate", (uint64_t)n * (uint64_t)passes);
    observe_all(m, &ws, patches, n, patch_floats, obs, feat, &prog, 0);
    if (passes == 2) {
        for (int k = 0; k < N_OBSERVED; k++)
            if (rq_observer_start_hist(&obs[k]) < 0) {
                rq_fail(err, "out of memory in calibration");
                goto out;
            }
        observe_all(m, &ws, patches, n, patch_floats, obs, feat, &prog, (uint64_t)n);
    }
    rq_progress_update(&prog, (uint64_t)n * (uint64_t)passes);
    rq_progress_finish(&prog);
    rq_input_params(&m->contract, &r->in_scale, &r->in_zero_point);
    for (int k = 0; k < N_OBSERVED; k++) {
        int a = observed[k];
        rq_observer_range(&obs[k], method, &r->lo[a], &r->hi[a]);
        rq_act_params(r->lo[a], r->hi[a], &r->scale[a], &r->zero_point[a]);
    }
    /* Max pooling passes values through: its output shares its input's parameters. */
    const int pools[][2] = {{RQ_ACT_POOL0, RQ_ACT_CONV0}, {RQ_ACT_POOL1, RQ_ACT_CONV1}};
    for (int p = 0; p < 2; p++) {
        int a = pools[p][0], src = pools[p][1];
        r->lo[a] = r->lo[src], r->hi[a] = r->hi[src];
        r->scale[a] = r->scale[src], r->zero_point[a] = r->zero_point[src];
    }
    rc = 0;
out:
    for (int k = 0; k < N_OBSERVED; k++)
        rq_observer_free(&obs[k]);
    free(feat);
    rq_spatial_ws_free(&ws);
    return rc;
}

int rq_ptq_input_means(const rq_spatial_cnn *m, const float *patches, int64_t n, int h, int w,
                       double *means[RQ_SPATIAL_CONVS], rq_error *err)
{
    rq_spatial_ws ws;
    const int src[RQ_SPATIAL_CONVS] = {-1, RQ_ACT_POOL0, RQ_ACT_POOL1};
    memset(means, 0, sizeof(double *) * RQ_SPATIAL_CONVS);
    if (n < 1 || rq_spatial_ws_init(&ws, m, h, w, err) < 0)
        return n < 1 ? rq_fail(err, "bias correction needs at least one patch") : -1;
    float *feat = malloc((size_t)rq_spatial_out_features(m) * sizeof(float));
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        means[l] = calloc((size_t)m->conv[l].cin, sizeof(double));
    int ok = feat && means[0] && means[1] && means[2];
    size_t patch_floats = (size_t)h * (size_t)w * (size_t)m->conv[0].cin;
    for (int64_t i = 0; ok && i < n; i++) {
        const float *x = patches + (size_t)i * patch_floats;
        rq_spatial_forward(m, &ws, x, feat);
        for (int l = 0; l < RQ_SPATIAL_CONVS; l++) {
            const float *a = l == 0 ? x : ws.act[src[l]];
            size_t pix = l == 0 ? (size_t)h * (size_t)w
                                : (size_t)ws.act_h[src[l]] * (size_t)ws.act_w[src[l]];
            int c = m->conv[l].cin;
            for (size_t p = 0; p < pix; p++)
                for (int j = 0; j < c; j++)
                    means[l][j] += a[p * (size_t)c + (size_t)j];
        }
    }
    for (int l = 0; ok && l < RQ_SPATIAL_CONVS; l++) {
        double pix = l == 0 ? (double)h * w : (double)ws.act_h[src[l]] * ws.act_w[src[l]];
        for (int j = 0; j < m->conv[l].cin; j++)
            means[l][j] /= pix * (double)n;
    }
    free(feat);
    rq_spatial_ws_free(&ws);
    if (!ok) {
        for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
            free(means[l]), means[l] = NULL;
        return rq_fail(err, "out of memory for bias correction");
    }
    return 0;
}

/* ---- graph ------------------------------------------------------------------------ */

/* b'[c] = b[c] - sum over taps and input channels of (dequantized w_q - w) * mean[ci]:
 * the output error the weight rounding adds on average (padding taps ignored). */
static void correct_bias(const rq_spatial_conv *c, const int8_t *qw, const float *ws,
                         const double *mean, float *b)
{
    size_t taps = (size_t)c->k * (size_t)c->k, rest = taps * (size_t)c->cin;
    for (int o = 0; o < c->cout; o++) {
        double e = 0;
        for (size_t t = 0; t < taps; t++)
            for (int i = 0; i < c->cin; i++) {
                size_t k = (size_t)o * rest + t * (size_t)c->cin + (size_t)i;
                e += ((double)qw[k] * ws[o] - (double)c->w_ohwi[k]) * mean[i];
            }
        b[o] = (float)((double)c->b[o] - e);
    }
}

static int act_tensor(rq_tfl_model *t, const char *name, int rank, const int32_t *shape,
                      float scale, int32_t zp, rq_error *err)
{
    int i = rq_tfl_add_tensor(t, name, RQ_TFL_INT8, rank, shape, err);
    int64_t z = zp;
    if (i < 0 || rq_tfl_set_quant(t, i, 1, &scale, &z, 0, err) < 0)
        return -1;
    return i;
}

/* Adds the conv's int8 weights and int32 bias tensors; returns 0 / -1. */
static int conv_constants(rq_tfl_model *t, int l, const rq_spatial_conv *c, float in_scale,
                          const double *in_mean, int *wt, int *bt, rq_error *err)
{
    size_t rest = (size_t)c->k * (size_t)c->k * (size_t)c->cin;
    int8_t *qw = malloc((size_t)c->cout * rest);
    float *ws = malloc((size_t)c->cout * sizeof(float));
    float *bs = malloc((size_t)c->cout * sizeof(float));
    int32_t *qb = malloc((size_t)c->cout * sizeof(int32_t));
    int64_t *zeros = calloc((size_t)c->cout, sizeof(int64_t));
    float *bias = malloc((size_t)c->cout * sizeof(float));
    int rc = -1;
    char name[32];
    if (!qw || !ws || !bs || !qb || !zeros || !bias) {
        rq_fail(err, "out of memory quantizing conv %d", l);
        goto out;
    }
    rq_quantize_weights(c->w_ohwi, c->cout, rest, qw, ws);
    memcpy(bias, c->b, (size_t)c->cout * sizeof(float));
    if (in_mean)
        correct_bias(c, qw, ws, in_mean, bias);
    rq_quantize_bias(bias, c->cout, in_scale, ws, qb, bs);
    int32_t wshape[4] = {c->cout, c->k, c->k, c->cin}, bshape[1] = {c->cout};
    snprintf(name, sizeof name, "conv%d/weights", l);
    if ((*wt = rq_tfl_add_tensor(t, name, RQ_TFL_INT8, 4, wshape, err)) < 0 ||
        rq_tfl_set_data(t, *wt, qw, (size_t)c->cout * rest, err) < 0 ||
        rq_tfl_set_quant(t, *wt, c->cout, ws, zeros, 0, err) < 0)
        goto out;
    snprintf(name, sizeof name, "conv%d/bias", l);
    if ((*bt = rq_tfl_add_tensor(t, name, RQ_TFL_INT32, 1, bshape, err)) < 0 ||
        rq_tfl_set_data(t, *bt, qb, (size_t)c->cout * sizeof(int32_t), err) < 0 ||
        rq_tfl_set_quant(t, *bt, c->cout, bs, zeros, 0, err) < 0)
        goto out;
    rc = 0;
out:
    free(qw), free(ws), free(bs), free(qb), free(zeros), free(bias);
    return rc;
}

int rq_ptq_build(const rq_spatial_cnn *m, int h, int w, const rq_ptq_ranges *r,
                 rq_tfl_model *t, rq_error *err)
{
    rq_tfl_model_init(t);
    int32_t shape[4] = {1, h, w, rq_spatial_in_channels(m)};
    int x = act_tensor(t, "input", 4, shape, r->in_scale, r->in_zero_point, err);
    if (x < 0)
        return -1;
    float in_scale = r->in_scale;
    const int conv_act[RQ_SPATIAL_CONVS] = {RQ_ACT_CONV0, RQ_ACT_CONV1, RQ_ACT_CONV2};
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++) {
        const rq_spatial_conv *c = &m->conv[l];
        int a = conv_act[l], wt, bt;
        char name[32];
        if (conv_constants(t, l, c, in_scale, r->in_mean[l], &wt, &bt, err) < 0)
            return -1;
        shape[3] = c->cout;
        snprintf(name, sizeof name, "conv%d/relu", l);
        int y = act_tensor(t, name, 4, shape, r->scale[a], r->zero_point[a], err);
        rq_tfl_options o = rq_tfl_default_options();
        o.padding = RQ_TFL_PAD_SAME;
        o.activation = RQ_TFL_ACT_RELU;
        if (y < 0 || rq_tfl_add_op(t, RQ_TFL_OP_CONV_2D, 3, (int32_t[]){x, wt, bt}, 1,
                                   (int32_t[]){y}, &o, err) < 0)
            return -1;
        x = y, in_scale = r->scale[a];
        if (l == RQ_SPATIAL_CONVS - 1)
            break;
        shape[1] /= 2, shape[2] /= 2;
        snprintf(name, sizeof name, "pool%d", l);
        int p = act_tensor(t, name, 4, shape, r->scale[a + 1], r->zero_point[a + 1], err);
        o = rq_tfl_default_options();
        o.padding = RQ_TFL_PAD_VALID;
        o.stride_w = o.stride_h = 2;
        o.filter_w = o.filter_h = 2;
        if (p < 0 || rq_tfl_add_op(t, RQ_TFL_OP_MAX_POOL_2D, 1, (int32_t[]){x}, 1,
                                   (int32_t[]){p}, &o, err) < 0)
            return -1;
        x = p;
    }
    int32_t axis_shape[1] = {2}, axes[2] = {1, 2};
    int axis = rq_tfl_add_tensor(t, "mean/axes", RQ_TFL_INT32, 1, axis_shape, err);
    if (axis < 0 || rq_tfl_set_data(t, axis, axes, sizeof axes, err) < 0)
        return -1;
    int32_t out_shape[2] = {1, rq_spatial_out_features(m)};
    int out = act_tensor(t, "features", 2, out_shape, r->scale[RQ_ACT_MEAN],
                         r->zero_point[RQ_ACT_MEAN], err);
    rq_tfl_options o = rq_tfl_default_options();
    o.keep_dims = 0;
    if (out < 0 ||
        rq_tfl_add_op(t, RQ_TFL_OP_MEAN, 2, (int32_t[]){x, axis}, 1, (int32_t[]){out}, &o, err) < 0)
        return -1;
    int32_t gin = 0, gout = out;
    char desc[256];
    rq_contract_describe(&m->contract, desc, sizeof desc);
    if (rq_tfl_set_graph_io(t, 1, &gin, 1, &gout, err) < 0 ||
        rq_tfl_set_description(t, desc, err) < 0)
        return -1;
    return rq_tfl_validate(t, "quantized spatial CNN", err);
}
