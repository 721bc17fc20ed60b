/* Calibration and int8 lowering of an IR graph (see graph_quant.h). */
#include "quant/graph_quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/atomic_file.h"
#include "engine/engine.h"
#include "ir/ir_exec.h"
#include "quant/ptq.h"

const char rq_gq_supported_ops[] =
    "Conv (groups 1 or depthwise), BatchNormalization after Conv, Relu, Clip (0..6, -1..1), "
    "LeakyRelu, PRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softmax (last axis), MaxPool, "
    "AveragePool, GlobalAveragePool, ReduceMean, Gemm, MatMul, Add, Sub, Mul, Flatten, "
    "Reshape, Squeeze, Unsqueeze, Concat, Pad (constant 0), Resize (nearest, linear), "
    "Transpose, Identity, Dropout";

void rq_gq_result_free(rq_gq_result *r)
{
    for (int t = 0; r->t && t < r->n; t++)
        free(r->t[t].channel_mean);
    free(r->t);
    r->t = NULL;
    r->n = 0;
}

static int is_activation(const rq_ir_graph *g, int t)
{
    return t >= 0 && !g->tensors[t].data && g->tensors[t].dtype == RQ_IR_F32 &&
           g->tensors[t].rank >= 0;
}

/* ---- calibration ------------------------------------------------------------------ */

/* Adds every element of channel j (the last axis) into sum[j]. */
static void add_channels(const rq_ir_tensor *x, const float *v, double *sum)
{
    int64_t c = x->shape[x->rank - 1], pix = rq_ir_numel(x) / c;
    for (int64_t p = 0; p < pix; p++)
        for (int64_t j = 0; j < c; j++)
            sum[j] += v[p * c + j];
}

/* Runs the samples; `means`: also sum the channels of the tensors that want their mean. */
static int observe(const rq_ir_graph *g, rq_ir_exec *e, const float *samples, int64_t n,
                   rq_observer *obs, rq_gq_result *r, int means, rq_error *err)
{
    int64_t per = rq_ir_numel(&g->tensors[g->inputs[0]]);
    for (int64_t s = 0; s < n; s++) {
        memcpy(rq_ir_exec_input(e, 0), samples + s * per, (size_t)per * sizeof(float));
        if (rq_ir_exec_run(e, err) < 0)
            return -1;
        for (int t = 0; t < g->n_tensors; t++) {
            if (is_activation(g, t) && obs[t].pass >= 0)
                rq_observer_add(&obs[t], rq_ir_exec_tensor(e, t),
                                (size_t)rq_ir_numel(&g->tensors[t]));
            if (means && r->t[t].channel_mean)
                add_channels(&g->tensors[t], rq_ir_exec_tensor(e, t), r->t[t].channel_mean);
        }
    }
    return 0;
}

/* Room for the channel means of every convolution input (bias correction). */
static int want_conv_input_means(const rq_ir_graph *g, rq_gq_result *r)
{
    for (int i = 0; i < g->n_nodes; i++) {
        int x = g->nodes[i].in[0];
        const rq_ir_tensor *xt = &g->tensors[x];
        if (g->nodes[i].op != RQ_IR_OP_CONV || !is_activation(g, x) || r->t[x].channel_mean ||
            xt->rank < 1)
            continue;
        if (!(r->t[x].channel_mean = calloc((size_t)xt->shape[xt->rank - 1], sizeof(double))))
            return -1;
    }
    return 0;
}

static void finish_means(const rq_ir_graph *g, int64_t n, rq_gq_result *r)
{
    for (int t = 0; t < g->n_tensors; t++) {
        const rq_ir_tensor *x = &g->tensors[t];
        if (!r->t[t].channel_mean)
            continue;
        int64_t c = x->shape[x->rank - 1];
        double pix = (double)(rq_ir_numel(x) / c);
        for (int64_t j = 0; j < c; j++)
            r->t[t].channel_mean[j] /= pix * (double)n;
    }
}

static void share(rq_gq_tensor *dst, const rq_gq_tensor *src)
{
    dst->quantized = 1;
    dst->lo = src->lo, dst->hi = src->hi;
    dst->scale = src->scale, dst->zero_point = src->zero_point;
}

static void fixed(rq_gq_tensor *t, float scale, int32_t zp)
{
    t->quantized = 1;
    t->scale = scale, t->zero_point = zp;
    t->lo = scale * (-128.0 - zp), t->hi = scale * (127.0 - zp);
}

/* Converter rules: pools, reshapes and data movement pass their input's parameters on;
 * LOGISTIC/SOFTMAX and TANH have fixed output parameters; the rest their observed range. */
static void choose_params(const rq_ir_graph *g, const rq_observer *obs, const rq_gq_opts *o,
                          rq_gq_result *r)
{
    for (int t = 0; t < g->n_tensors; t++) {
        if (!is_activation(g, t))
            continue;
        rq_gq_tensor *x = &r->t[t];
        rq_observer_range(&obs[t], o->method, &x->lo, &x->hi);
        rq_act_params(x->lo, x->hi, &x->scale, &x->zero_point);
        x->quantized = 1;
    }
    if (o->fixed_input)
        fixed(&r->t[g->inputs[0]], o->input_scale, o->input_zero_point);
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        int y = n->out[0], x = n->in[0];
        if (!is_activation(g, y))
            continue;
        switch (n->op) {
        case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL: case RQ_IR_OP_RESHAPE:
        case RQ_IR_OP_FLATTEN: case RQ_IR_OP_SQUEEZE: case RQ_IR_OP_UNSQUEEZE:
        case RQ_IR_OP_TRANSPOSE: case RQ_IR_OP_PAD: case RQ_IR_OP_RESIZE:
        case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
            if (is_activation(g, x))
                share(&r->t[y], &r->t[x]);
            break;
        case RQ_IR_OP_SIGMOID: case RQ_IR_OP_SOFTMAX:
            fixed(&r->t[y], 1.0f / 256.0f, -128);
            break;
        case RQ_IR_OP_TANH:
            fixed(&r->t[y], 1.0f / 128.0f, 0);
            break;
        default:
            break;
        }
    }
}

int rq_gq_calibrate(const rq_ir_graph *g, const float *samples, int64_t n,
                    const rq_gq_opts *o, rq_gq_result *r, rq_error *err)
{
    r->n = g->n_tensors;
    r->t = calloc((size_t)g->n_tensors + 1, sizeof *r->t);
    rq_observer *obs = calloc((size_t)g->n_tensors + 1, sizeof *obs);
    rq_ir_exec *e = NULL;
    int rc = -1;
    if (!r->t || !obs) {
        rq_fail(err, "%s: out of memory", g->source);
        goto done;
    }
    for (int t = 0; t < g->n_tensors; t++) {
        rq_observer_init(&obs[t]);
        r->t[t].tfl = -1;
        r->t[t].sqnr_db = NAN;
    }
    if (g->n_inputs != 1 || n < 1) {
        rq_fail(err, "%s: calibration needs one graph input and samples", g->source);
        goto done;
    }
    if (o->bias_correction && want_conv_input_means(g, r) < 0) {
        rq_fail(err, "%s: out of memory", g->source);
        goto done;
    }
    if (rq_ir_exec_new(g, &e, err) < 0 || observe(g, e, samples, n, obs, r, 1, err) < 0)
        goto done;
    finish_means(g, n, r);
    if (rq_observer_needs_hist(o->method)) {
        for (int t = 0; t < g->n_tensors; t++)
            if (is_activation(g, t) && rq_observer_start_hist(&obs[t]) < 0) {
                rq_fail(err, "%s: out of memory", g->source);
                goto done;
            }
        if (observe(g, e, samples, n, obs, r, 0, err) < 0)
            goto done;
    }
    choose_params(g, obs, o, r);
    rc = 0;
done:
    for (int t = 0; obs && t < g->n_tensors; t++)
        rq_observer_free(&obs[t]);
    free(obs);
    rq_ir_exec_free(e);
    return rc;
}

/* ---- lowering to TFLite ----------------------------------------------------------- */

typedef struct lower {
    const rq_ir_graph *g;
    rq_gq_result *r;
    rq_tfl_model *m;
    rq_error *err;
    char nn[64]; /* canonical name of the node being lowered */
} lower;

/* TFLite names come from the graph's structure, not from the front end's names: the same
 * graph read from ONNX or from a checkpoint gives the same file, byte for byte.
 * Node i is "<op type>_<i>" (lower case), its output the same; graph inputs and outputs
 * are "input" and "output" (numbered when there are several). */
static void canon_node(const rq_ir_graph *g, int i, char *buf, size_t size)
{
    char op[32];
    const char *t = g->nodes[i].op_type;
    size_t k = 0;
    for (; t[k] && k < sizeof op - 1; k++)
        op[k] = (char)(t[k] >= 'A' && t[k] <= 'Z' ? t[k] - 'A' + 'a' : t[k]);
    op[k] = 0;
    snprintf(buf, size, "%s_%d", op, i);
}

void rq_gq_tensor_name(const rq_ir_graph *g, int t, char *buf, size_t size)
{
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == t) {
            snprintf(buf, size, g->n_inputs > 1 ? "input_%d" : "input", i);
            return;
        }
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == t) {
            snprintf(buf, size, g->n_outputs > 1 ? "output_%d" : "output", i);
            return;
        }
    if (g->tensors[t].producer >= 0)
        canon_node(g, g->tensors[t].producer, buf, size);
    else
        snprintf(buf, size, "tensor_%d", t);
}

static int node_fail(lower *L, const rq_ir_node *n, const char *why)
{
    return rq_fail(L->err, "%s: node '%s' (%s): %s", L->g->source, n->name, n->op_type, why);
}

static int shape32(const rq_ir_tensor *t, int32_t *s)
{
    for (int d = 0; d < t->rank; d++) {
        if (t->shape[d] > INT32_MAX)
            return -1;
        s[d] = (int32_t)t->shape[d];
    }
    return 0;
}

static int act_tensor(lower *L, const char *name, int rank, const int32_t *shape, float scale,
                      int32_t zp)
{
    int i = rq_tfl_add_tensor(L->m, name, RQ_TFL_INT8, rank, shape, L->err);
    int64_t z = zp;
    if (i < 0 || rq_tfl_set_quant(L->m, i, 1, &scale, &z, 0, L->err) < 0)
        return -1;
    return i;
}

/* The TFLite tensor of IR activation t (made on first use with t's parameters). */
static int tfl_of(lower *L, int t)
{
    rq_gq_tensor *q = &L->r->t[t];
    if (q->tfl >= 0)
        return q->tfl;
    const rq_ir_tensor *x = &L->g->tensors[t];
    int32_t s[RQ_IR_MAX_DIMS];
    if (!q->quantized || x->rank > RQ_TFL_MAX_DIMS || shape32(x, s) < 0)
        return rq_fail(L->err, "%s: tensor '%s' has no int8 parameters or an unsupported shape",
                       L->g->source, x->name);
    char name[64];
    rq_gq_tensor_name(L->g, t, name, sizeof name);
    q->tfl = act_tensor(L, name, x->rank, s, q->scale, q->zero_point);
    return q->tfl;
}

static int const_tensor(lower *L, const char *name, rq_tfl_type type, int rank,
                        const int32_t *shape, const void *data, size_t len)
{
    int i = rq_tfl_add_tensor(L->m, name, type, rank, shape, L->err);
    return i < 0 || rq_tfl_set_data(L->m, i, data, len, L->err) < 0 ? -1 : i;
}

static int i32_const(lower *L, const char *owner, const char *what, int n, const int32_t *v)
{
    char name[300];
    snprintf(name, sizeof name, "%.250s/%s", owner, what);
    int32_t s[1] = {n};
    return const_tensor(L, name, RQ_TFL_INT32, 1, s, v, (size_t)n * 4);
}

static int add_op(lower *L, rq_tfl_builtin code, int n_in, const int32_t *in, int out,
                  const rq_tfl_options *o)
{
    int32_t outs[1] = {out};
    return rq_tfl_add_op(L->m, code, n_in, in, 1, outs, o, L->err) < 0 ? -1 : 0;
}

static rq_tfl_activation tfl_act(const rq_ir_node *n)
{
    switch (n->act) {
    case RQ_IR_ACT_RELU: return RQ_TFL_ACT_RELU;
    case RQ_IR_ACT_RELU6: return RQ_TFL_ACT_RELU6;
    case RQ_IR_ACT_CLIP: return RQ_TFL_ACT_RELU_N1_TO_1;
    default: return RQ_TFL_ACT_NONE;
    }
}

/* TFLite has SAME and VALID only: the window's explicit pads must be one of them. */
static int tfl_padding(const rq_ir_window *w, rq_tfl_padding *pad)
{
    int valid = 1, same = 1;
    for (int i = 0; i < w->n_spatial; i++) {
        int64_t span = w->dilation[i] * (w->kernel[i] - 1) + 1;
        int64_t out_same = (w->in[i] + w->stride[i] - 1) / w->stride[i];
        int64_t total = (out_same - 1) * w->stride[i] + span - w->in[i];
        total = total > 0 ? total : 0;
        same &= w->out[i] == out_same && w->pad_begin[i] == total / 2 &&
                w->pad_end[i] == total - total / 2;
        valid &= w->pad_begin[i] == 0 && w->pad_end[i] == 0 &&
                 w->out[i] == (w->in[i] - span) / w->stride[i] + 1;
    }
    if (!valid && !same)
        return -1;
    *pad = valid ? RQ_TFL_PAD_VALID : RQ_TFL_PAD_SAME;
    return 0;
}

/* int8 weights per output channel (or per tensor) and the int32 bias at in_scale * w_scale. */
/* Bias correction: b[o] -= sum over the weights of output channel o of (dequantized w_q - w)
 * x the mean of the input channel the weight reads (padding taps ignored). Weights are
 * [cout][rest]: OHWI (channel k % cin) or, depthwise, [cout][kh*kw] (channel o / dm). */
static void correct_bias(const float *w, const int8_t *qw, const float *ws, int64_t cout,
                         int64_t rest, const double *mean, int64_t cin, int depthwise, float *b)
{
    int64_t dm = depthwise ? cout / cin : 1;
    for (int64_t o = 0; o < cout; o++) {
        double e = 0;
        for (int64_t k = 0; k < rest; k++) {
            int64_t i = o * rest + k;
            e += ((double)qw[i] * ws[o] - (double)w[i]) * mean[depthwise ? o / dm : k % cin];
        }
        b[o] = (float)((double)b[o] - e);
    }
}

static int weights_and_bias(lower *L, const rq_ir_node *n, const float *w, int64_t cout,
                            int64_t rest, const float *bias, int per_channel, int *wt, int *bt,
                            int wrank, const int32_t *wshape, int qdim, int depthwise,
                            const double *in_mean, int64_t cin)
{
    float in_scale = L->r->t[n->in[0]].scale;
    int8_t *qw = malloc((size_t)(cout * rest));
    int8_t *qd = depthwise ? malloc((size_t)(cout * rest)) : NULL;
    float *ws = malloc((size_t)cout * sizeof(float)), *bs = malloc((size_t)cout * sizeof(float));
    float *b = calloc((size_t)cout, sizeof(float));
    int32_t *qb = malloc((size_t)cout * sizeof(int32_t));
    int64_t *zeros = calloc((size_t)cout, sizeof(int64_t));
    int rc = -1;
    char name[300];
    if (!qw || !ws || !bs || !b || !qb || !zeros || (depthwise && !qd)) {
        rq_fail(L->err, "%s: out of memory", L->g->source);
        goto done;
    }
    if (per_channel) {
        rq_quantize_weights(w, (int)cout, (size_t)rest, qw, ws);
    } else {
        rq_quantize_weights(w, 1, (size_t)(cout * rest), qw, ws);
        for (int64_t o = 1; o < cout; o++)
            ws[o] = ws[0];
    }
    if (bias)
        memcpy(b, bias, (size_t)cout * sizeof(float));
    if (in_mean)
        correct_bias(w, qw, ws, cout, rest, in_mean, cin, depthwise, b);
    rq_quantize_bias(b, (int)cout, in_scale, ws, qb, bs);
    if (depthwise) /* [cout][kh*kw] -> [kh*kw][cout] (1HWO) */
        for (int64_t o = 0; o < cout; o++)
            for (int64_t k = 0; k < rest; k++)
                qd[k * cout + o] = qw[o * rest + k];
    snprintf(name, sizeof name, "%.250s/weights", L->nn);
    int nq = per_channel ? (int)cout : 1;
    if ((*wt = const_tensor(L, name, RQ_TFL_INT8, wrank, wshape, depthwise ? qd : qw,
                            (size_t)(cout * rest))) < 0 ||
        rq_tfl_set_quant(L->m, *wt, nq, ws, zeros, qdim, L->err) < 0)
        goto done;
    snprintf(name, sizeof name, "%.250s/bias", L->nn);
    int32_t bshape[1] = {(int32_t)cout};
    if ((*bt = const_tensor(L, name, RQ_TFL_INT32, 1, bshape, qb, (size_t)cout * 4)) < 0 ||
        rq_tfl_set_quant(L->m, *bt, nq, bs, zeros, 0, L->err) < 0)
        goto done;
    rc = 0;
done:
    free(qw), free(qd), free(ws), free(bs), free(b), free(qb), free(zeros);
    return rc;
}

/* Explicit pads TFLite's SAME cannot express (PyTorch pads both sides alike, SAME puts
 * the odd one at the end): a PAD with the input's zero point (real 0) before the conv,
 * which then runs VALID, as converters do. Returns the padded tensor. */
static int explicit_pad(lower *L, const rq_ir_node *n, const rq_ir_window *w, int x)
{
    const rq_tfl_tensor *xt = &L->m->tensors[x];
    int32_t q[8] = {0, 0, (int32_t)w->pad_begin[0], (int32_t)w->pad_end[0],
                    (int32_t)w->pad_begin[1], (int32_t)w->pad_end[1], 0, 0};
    int32_t s[4] = {xt->shape[0], xt->shape[1] + q[2] + q[3], xt->shape[2] + q[4] + q[5],
                    xt->shape[3]};
    char name[300];
    snprintf(name, sizeof name, "%.250s/paddings", L->nn);
    int32_t ps[2] = {4, 2};
    int pt = const_tensor(L, name, RQ_TFL_INT32, 2, ps, q, sizeof q);
    snprintf(name, sizeof name, "%.250s/padded", L->nn);
    const rq_gq_tensor *in = &L->r->t[n->in[0]];
    int y = act_tensor(L, name, 4, s, in->scale, in->zero_point);
    if (pt < 0 || y < 0 || add_op(L, RQ_TFL_OP_PAD, 2, (int32_t[]){x, pt}, y, NULL) < 0)
        return -1;
    return y;
}

static int lower_conv(lower *L, const rq_ir_node *n)
{
    rq_ir_window w;
    if (rq_ir_window_of(L->g, n, &w, L->err) < 0)
        return -1;
    const rq_ir_tensor *wt = &L->g->tensors[n->in[1]];
    if (w.n_spatial != 2 || !wt->data)
        return node_fail(L, n, "needs a 2-D convolution with constant weights");
    rq_tfl_options o = rq_tfl_default_options();
    int need_pad = tfl_padding(&w, &o.padding) < 0;
    o.stride_h = (int)w.stride[0], o.stride_w = (int)w.stride[1];
    o.dilation_h = (int)w.dilation[0], o.dilation_w = (int)w.dilation[1];
    o.activation = tfl_act(n);
    const float *bias = n->n_in > 2 && n->in[2] >= 0 ? L->g->tensors[n->in[2]].data : NULL;
    int64_t cout = wt->shape[0], kh = wt->shape[1], kw = wt->shape[2], cin_g = wt->shape[3];
    int depthwise = w.group > 1 && w.group == w.channels_in && cin_g == 1;
    if (w.group > 1 && !depthwise)
        return node_fail(L, n, "grouped convolutions other than depthwise have no TFLite int8 form");
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]), wi, bi;
    if (x < 0 || y < 0)
        return -1;
    if (need_pad) {
        if ((x = explicit_pad(L, n, &w, x)) < 0)
            return -1;
        o.padding = RQ_TFL_PAD_VALID;
    }
    int32_t ws[4];
    if (depthwise) {
        ws[0] = 1, ws[1] = (int32_t)kh, ws[2] = (int32_t)kw, ws[3] = (int32_t)cout;
        o.depth_multiplier = (int)(cout / w.channels_in);
    } else {
        ws[0] = (int32_t)cout, ws[1] = (int32_t)kh, ws[2] = (int32_t)kw, ws[3] = (int32_t)cin_g;
    }
    if (weights_and_bias(L, n, wt->data, cout, kh * kw * cin_g, bias, 1, &wi, &bi, 4, ws,
                         depthwise ? 3 : 0, depthwise, L->r->t[n->in[0]].channel_mean,
                         depthwise ? w.channels_in : cin_g) < 0)
        return -1;
    return add_op(L, depthwise ? RQ_TFL_OP_DEPTHWISE_CONV_2D : RQ_TFL_OP_CONV_2D, 3,
                  (int32_t[]){x, wi, bi}, y, &o);
}

static int lower_pool(lower *L, const rq_ir_node *n)
{
    rq_ir_window w;
    if (rq_ir_window_of(L->g, n, &w, L->err) < 0)
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    if (w.n_spatial != 2 || w.dilation[0] != 1 || w.dilation[1] != 1)
        return node_fail(L, n, "needs a 2-D window without dilation");
    if (tfl_padding(&w, &o.padding) < 0)
        return node_fail(L, n, "its padding is neither TFLite SAME nor VALID");
    if (n->op == RQ_IR_OP_AVG_POOL && rq_ir_attr_int(n, "count_include_pad", 0) &&
        o.padding == RQ_TFL_PAD_SAME && (w.pad_begin[0] || w.pad_begin[1] || w.pad_end[0] || w.pad_end[1]))
        return node_fail(L, n, "count_include_pad with padding has no TFLite form");
    o.filter_h = (int)w.kernel[0], o.filter_w = (int)w.kernel[1];
    o.stride_h = (int)w.stride[0], o.stride_w = (int)w.stride[1];
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]);
    if (x < 0 || y < 0)
        return -1;
    return add_op(L, n->op == RQ_IR_OP_MAX_POOL ? RQ_TFL_OP_MAX_POOL_2D : RQ_TFL_OP_AVERAGE_POOL_2D,
                  1, (int32_t[]){x}, y, &o);
}

static int lower_mean(lower *L, const rq_ir_node *n)
{
    int32_t axes[RQ_IR_MAX_DIMS];
    int na = 0, rank = L->g->tensors[n->in[0]].rank;
    rq_tfl_options o = rq_tfl_default_options();
    if (n->op == RQ_IR_OP_GLOBAL_AVG_POOL) {
        if (rank != 4)
            return node_fail(L, n, "needs a 4-D input");
        axes[na++] = 1, axes[na++] = 2;
        o.keep_dims = 1;
    } else {
        int64_t a[RQ_IR_MAX_DIMS];
        int k = rq_ir_attr_ints(n, "axes", a, RQ_IR_MAX_DIMS);
        if (k <= 0 || k > RQ_IR_MAX_DIMS)
            return node_fail(L, n, "needs its axes as an attribute");
        for (int i = 0; i < k; i++)
            axes[na++] = (int32_t)(a[i] < 0 ? a[i] + rank : a[i]);
        o.keep_dims = (int)rq_ir_attr_int(n, "keepdims", 1);
    }
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]);
    int ax = i32_const(L, L->nn, "axes", na, axes);
    if (x < 0 || y < 0 || ax < 0)
        return -1;
    return add_op(L, RQ_TFL_OP_MEAN, 2, (int32_t[]){x, ax}, y, &o);
}

static int lower_fc(lower *L, const rq_ir_node *n)
{
    const rq_ir_tensor *a = &L->g->tensors[n->in[0]], *b = &L->g->tensors[n->in[1]];
    if (!b->data || b->rank != 2 || a->rank != 2 || a->shape[0] != 1)
        return node_fail(L, n, "needs a [1,K] input and a constant [K,N] matrix");
    int tb = n->op == RQ_IR_OP_GEMM && rq_ir_attr_int(n, "transB", 0);
    if (n->op == RQ_IR_OP_GEMM && (rq_ir_attr_int(n, "transA", 0) ||
                                   rq_ir_attr_float(n, "alpha", 1.0f) != 1.0f ||
                                   rq_ir_attr_float(n, "beta", 1.0f) != 1.0f))
        return node_fail(L, n, "needs transA 0, alpha 1 and beta 1");
    int64_t K = tb ? b->shape[1] : b->shape[0], N = tb ? b->shape[0] : b->shape[1];
    const float *bias = NULL;
    if (n->op == RQ_IR_OP_GEMM && n->n_in > 2 && n->in[2] >= 0) {
        const rq_ir_tensor *c = &L->g->tensors[n->in[2]];
        if (!c->data || rq_ir_numel(c) != N)
            return node_fail(L, n, "needs a constant bias of N values");
        bias = c->data;
    }
    float *w = malloc((size_t)(N * K) * sizeof(float));
    if (!w)
        return rq_fail(L->err, "%s: out of memory", L->g->source);
    const float *src = b->data;
    for (int64_t j = 0; j < N; j++)
        for (int64_t k = 0; k < K; k++)
            w[j * K + k] = tb ? src[j * K + k] : src[k * N + j];
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]), wi = -1, bi = -1;
    int32_t ws[2] = {(int32_t)N, (int32_t)K};
    int rc = x < 0 || y < 0 ? -1 : weights_and_bias(L, n, w, N, K, bias, 0, &wi, &bi, 2, ws, 0, 0, NULL, 0);
    free(w);
    if (rc < 0)
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.activation = tfl_act(n);
    return add_op(L, RQ_TFL_OP_FULLY_CONNECTED, 3, (int32_t[]){x, wi, bi}, y, &o);
}

static int lower_reshape(lower *L, const rq_ir_node *n)
{
    const rq_ir_tensor *yt = &L->g->tensors[n->out[0]];
    int32_t s[RQ_IR_MAX_DIMS];
    if (shape32(yt, s) < 0)
        return node_fail(L, n, "output too large");
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]);
    int st = i32_const(L, L->nn, "shape", yt->rank, s);
    if (x < 0 || y < 0 || st < 0)
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.n_new_shape = yt->rank;
    memcpy(o.new_shape, s, sizeof(int32_t) * (size_t)yt->rank);
    return add_op(L, RQ_TFL_OP_RESHAPE, 2, (int32_t[]){x, st}, y, &o);
}

static int lower_transpose(lower *L, const rq_ir_node *n)
{
    int64_t p[RQ_IR_MAX_DIMS];
    int k = rq_ir_attr_ints(n, "perm", p, RQ_IR_MAX_DIMS);
    if (k < 1)
        return node_fail(L, n, "needs a perm attribute");
    int32_t q[RQ_IR_MAX_DIMS];
    for (int i = 0; i < k; i++)
        q[i] = (int32_t)p[i];
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]), pt = i32_const(L, L->nn, "perm", k, q);
    if (x < 0 || y < 0 || pt < 0)
        return -1;
    return add_op(L, RQ_TFL_OP_TRANSPOSE, 2, (int32_t[]){x, pt}, y, NULL);
}

/* An int8 tensor requantized to (scale, zp) by a QUANTIZE op (CONCATENATION inputs). */
static int requantized(lower *L, int t, const rq_gq_tensor *to, const char *owner, int k)
{
    const rq_gq_tensor *from = &L->r->t[t];
    int x = tfl_of(L, t);
    if (x < 0 || (from->scale == to->scale && from->zero_point == to->zero_point))
        return x;
    const rq_tfl_tensor *xt = &L->m->tensors[x];
    char name[300];
    snprintf(name, sizeof name, "%.250s/requantized%d", owner, k);
    int32_t s[RQ_TFL_MAX_DIMS];
    memcpy(s, xt->shape, sizeof s);
    int y = act_tensor(L, name, xt->rank, s, to->scale, to->zero_point);
    return y < 0 || add_op(L, RQ_TFL_OP_QUANTIZE, 1, (int32_t[]){x}, y, NULL) < 0 ? -1 : y;
}

static int lower_concat(lower *L, const rq_ir_node *n)
{
    if (n->n_in > RQ_TFL_MAX_OP_IO)
        return node_fail(L, n, "too many inputs");
    int32_t in[RQ_TFL_MAX_OP_IO];
    for (int k = 0; k < n->n_in; k++)
        if ((in[k] = requantized(L, n->in[k], &L->r->t[n->out[0]], L->nn, k)) < 0)
            return -1;
    int y = tfl_of(L, n->out[0]);
    int64_t axis = rq_ir_attr_int(n, "axis", 0);
    rq_tfl_options o = rq_tfl_default_options();
    o.axis = (int)(axis < 0 ? axis + L->g->tensors[n->out[0]].rank : axis);
    return y < 0 ? -1 : add_op(L, RQ_TFL_OP_CONCATENATION, n->n_in, in, y, &o);
}

static int lower_pad(lower *L, const rq_ir_node *n)
{
    int64_t p[2 * RQ_IR_MAX_DIMS];
    int rank = L->g->tensors[n->in[0]].rank;
    float value = 0;
    if (rq_ir_ints_arg(L->g, n, "pads", 1, p, 2 * RQ_IR_MAX_DIMS) != 2 * rank ||
        rq_ir_float_arg(L->g, n, "value", 2, 0.0f, &value) < 0 || value != 0.0f)
        return node_fail(L, n, "needs constant pads and the pad value 0");
    const rq_ir_attr *mode = rq_ir_attr_get(n, "mode");
    if (mode && mode->kind == RQ_IR_ATTR_STRING && strcmp(mode->s, "constant"))
        return node_fail(L, n, "only constant padding has a TFLite PAD form");
    int32_t q[2 * RQ_IR_MAX_DIMS];
    for (int d = 0; d < rank; d++) {
        if (p[d] < 0 || p[rank + d] < 0)
            return node_fail(L, n, "negative pads (cropping) are not supported");
        q[2 * d] = (int32_t)p[d], q[2 * d + 1] = (int32_t)p[rank + d];
    }
    char name[300];
    snprintf(name, sizeof name, "%.250s/paddings", L->nn);
    int32_t ps[2] = {rank, 2};
    int pt = const_tensor(L, name, RQ_TFL_INT32, 2, ps, q, (size_t)rank * 8);
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]);
    if (x < 0 || y < 0 || pt < 0)
        return -1;
    return add_op(L, RQ_TFL_OP_PAD, 2, (int32_t[]){x, pt}, y, NULL);
}

static int lower_resize(lower *L, const rq_ir_node *n)
{
    const rq_ir_tensor *x = &L->g->tensors[n->in[0]], *yt = &L->g->tensors[n->out[0]];
    if (x->rank != 4 || x->shape[0] != yt->shape[0] || x->shape[3] != yt->shape[3])
        return node_fail(L, n, "only resizes of the spatial axes of a 4-D tensor");
    const rq_ir_attr *am = rq_ir_attr_get(n, "mode"), *ac = rq_ir_attr_get(n, "coordinate_transformation_mode");
    const rq_ir_attr *an = rq_ir_attr_get(n, "nearest_mode");
    const char *mode = am && am->kind == RQ_IR_ATTR_STRING ? am->s : "nearest";
    const char *ctm = ac && ac->kind == RQ_IR_ATTR_STRING ? ac->s : "half_pixel";
    const char *nm = an && an->kind == RQ_IR_ATTR_STRING ? an->s : "round_prefer_floor";
    rq_tfl_options o = rq_tfl_default_options();
    rq_tfl_builtin code;
    if (!strcmp(mode, "nearest") && !strcmp(ctm, "asymmetric") && !strcmp(nm, "floor")) {
        code = RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR;
    } else if (!strcmp(mode, "linear") && (!strcmp(ctm, "half_pixel") ||
               (!strcmp(ctm, "pytorch_half_pixel") && yt->shape[1] > 1 && yt->shape[2] > 1))) {
        code = RQ_TFL_OP_RESIZE_BILINEAR;
        o.half_pixel_centers = 1;
    } else if (!strcmp(mode, "linear") && !strcmp(ctm, "align_corners")) {
        code = RQ_TFL_OP_RESIZE_BILINEAR;
        o.align_corners = 1;
    } else if (!strcmp(mode, "linear") && !strcmp(ctm, "asymmetric")) {
        code = RQ_TFL_OP_RESIZE_BILINEAR;
    } else {
        return node_fail(L, n, "this mode / coordinate transformation has no TFLite resize");
    }
    /* TFLite derives its scale from the sizes: ONNX's scales must give the same */
    const rq_ir_tensor *sc = n->n_in > 2 && n->in[2] >= 0 ? &L->g->tensors[n->in[2]] : NULL;
    if (sc && sc->data && rq_ir_numel(sc) == 4) {
        const float *f = sc->data;
        for (int d = 1; d <= 2; d++)
            if ((double)f[d] != (double)yt->shape[d] / (double)x->shape[d])
                return node_fail(L, n, "a scale that is not output size / input size");
    }
    int32_t size[2] = {(int32_t)yt->shape[1], (int32_t)yt->shape[2]};
    int xi = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]), st = i32_const(L, L->nn, "size", 2, size);
    if (xi < 0 || y < 0 || st < 0)
        return -1;
    return add_op(L, code, 2, (int32_t[]){xi, st}, y, &o);
}

/* A constant operand of ADD/SUB/MUL/PRELU: int8, per tensor, asymmetric over
 * [min(0, v), max(0, v)] as the converter quantizes constant inputs. */
static int const_operand(lower *L, const rq_ir_node *n, int t, int k)
{
    const rq_ir_tensor *c = &L->g->tensors[t];
    int64_t cnt = rq_ir_numel(c);
    if (c->dtype != RQ_IR_F32 || cnt < 1)
        return node_fail(L, n, "a non-float constant operand");
    const float *v = c->data;
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < cnt; i++)
        lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
    float scale;
    int32_t zp;
    rq_act_params(lo, hi, &scale, &zp);
    int8_t *q = malloc((size_t)cnt);
    if (!q)
        return rq_fail(L->err, "%s: out of memory", L->g->source);
    rq_quantize_f32(v, (size_t)cnt, scale, zp, q);
    int32_t s[RQ_IR_MAX_DIMS] = {1};
    int rank = c->rank ? c->rank : 1;
    if (c->rank)
        shape32(c, s);
    char name[300];
    snprintf(name, sizeof name, "%.250s/operand%d", L->nn, k);
    int64_t z = zp;
    int i = const_tensor(L, name, RQ_TFL_INT8, rank, s, q, (size_t)cnt);
    free(q);
    return i < 0 || rq_tfl_set_quant(L->m, i, 1, &scale, &z, 0, L->err) < 0 ? -1 : i;
}

static int operand(lower *L, const rq_ir_node *n, int k)
{
    int t = n->in[k];
    return rq_ir_is_const(L->g, t) ? const_operand(L, n, t, k) : tfl_of(L, t);
}

static int lower_binary(lower *L, const rq_ir_node *n)
{
    rq_tfl_builtin code = n->op == RQ_IR_OP_ADD ? RQ_TFL_OP_ADD
                        : n->op == RQ_IR_OP_SUB ? RQ_TFL_OP_SUB
                        : n->op == RQ_IR_OP_MUL ? RQ_TFL_OP_MUL : RQ_TFL_OP_PRELU;
    if (n->n_in != 2 || (rq_ir_is_const(L->g, n->in[0]) && rq_ir_is_const(L->g, n->in[1])))
        return node_fail(L, n, "needs two operands, at least one computed");
    int a = operand(L, n, 0), b = a < 0 ? -1 : operand(L, n, 1), y = b < 0 ? -1 : tfl_of(L, n->out[0]);
    if (y < 0)
        return -1;
    rq_tfl_options o = rq_tfl_default_options();
    o.activation = tfl_act(n);
    return add_op(L, code, 2, (int32_t[]){a, b}, y, &o);
}

/* An activation as its own operator (one nothing could absorb). */
static int lower_unary(lower *L, const rq_ir_node *n)
{
    rq_tfl_options o = rq_tfl_default_options();
    rq_tfl_builtin code;
    switch (n->op) {
    case RQ_IR_OP_SIGMOID: code = RQ_TFL_OP_LOGISTIC; break;
    case RQ_IR_OP_TANH: code = RQ_TFL_OP_TANH; break;
    case RQ_IR_OP_HARD_SWISH: code = RQ_TFL_OP_HARD_SWISH; break;
    case RQ_IR_OP_RELU: code = RQ_TFL_OP_RELU; break;
    case RQ_IR_OP_LEAKY_RELU:
        code = RQ_TFL_OP_LEAKY_RELU;
        o.alpha = rq_ir_attr_float(n, "alpha", 0.01f);
        break;
    case RQ_IR_OP_CLIP: {
        float lo, hi;
        if (rq_ir_float_arg(L->g, n, "min", 1, -INFINITY, &lo) < 0 ||
            rq_ir_float_arg(L->g, n, "max", 2, INFINITY, &hi) < 0)
            return node_fail(L, n, "needs constant bounds");
        if (lo == 0.0f && hi == 6.0f)
            code = RQ_TFL_OP_RELU6;
        else if (lo == -1.0f && hi == 1.0f)
            code = RQ_TFL_OP_RELU_N1_TO_1;
        else if (lo == 0.0f && isinf(hi))
            code = RQ_TFL_OP_RELU;
        else
            return node_fail(L, n, "only Clip(0, 6), Clip(-1, 1) and Clip(0, inf) have a TFLite form");
        break;
    }
    case RQ_IR_OP_SOFTMAX: {
        int rank = L->g->tensors[n->in[0]].rank;
        int64_t axis = rq_ir_attr_int(n, "axis", L->g->opset >= 13 ? -1 : 1);
        if ((axis < 0 ? axis + rank : axis) != rank - 1)
            return node_fail(L, n, "TFLite's SOFTMAX runs over the last axis only");
        code = RQ_TFL_OP_SOFTMAX;
        o.beta = 1.0f;
        break;
    }
    default:
        return node_fail(L, n, "no unary TFLite form");
    }
    int x = tfl_of(L, n->in[0]), y = tfl_of(L, n->out[0]);
    return x < 0 || y < 0 ? -1 : add_op(L, code, 1, (int32_t[]){x}, y, &o);
}

static int lower_node(lower *L, const rq_ir_node *n)
{
    if (n->act != RQ_IR_ACT_NONE && n->op != RQ_IR_OP_CONV && n->op != RQ_IR_OP_GEMM &&
        n->op != RQ_IR_OP_MATMUL && n->op != RQ_IR_OP_ADD && n->op != RQ_IR_OP_SUB &&
        n->op != RQ_IR_OP_MUL)
        return node_fail(L, n, "a fused activation on this operator");
    switch (n->op) {
    case RQ_IR_OP_CONV: return lower_conv(L, n);
    case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL: return lower_pool(L, n);
    case RQ_IR_OP_GLOBAL_AVG_POOL: case RQ_IR_OP_REDUCE_MEAN: return lower_mean(L, n);
    case RQ_IR_OP_GEMM: case RQ_IR_OP_MATMUL: return lower_fc(L, n);
    case RQ_IR_OP_RESHAPE: case RQ_IR_OP_FLATTEN: case RQ_IR_OP_SQUEEZE: case RQ_IR_OP_UNSQUEEZE:
        return lower_reshape(L, n);
    case RQ_IR_OP_TRANSPOSE: return lower_transpose(L, n);
    case RQ_IR_OP_CONCAT: return lower_concat(L, n);
    case RQ_IR_OP_PAD: return lower_pad(L, n);
    case RQ_IR_OP_RESIZE: return lower_resize(L, n);
    case RQ_IR_OP_ADD: case RQ_IR_OP_SUB: case RQ_IR_OP_MUL: case RQ_IR_OP_PRELU:
        return lower_binary(L, n);
    case RQ_IR_OP_BATCHNORM:
        return node_fail(L, n, "a BatchNormalization that no Conv precedes has no int8 lowering");
    case RQ_IR_OP_SIGMOID: case RQ_IR_OP_TANH: case RQ_IR_OP_HARD_SWISH: case RQ_IR_OP_RELU:
    case RQ_IR_OP_LEAKY_RELU: case RQ_IR_OP_CLIP: case RQ_IR_OP_SOFTMAX:
        return lower_unary(L, n);
    default:
        return rq_gq_check_ops(L->g, L->err) < 0 ? -1 : node_fail(L, n, "no TFLite form for its attributes");
    }
}

int rq_gq_check_ops(const rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        switch (n->op) {
        case RQ_IR_OP_CONV: case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL:
        case RQ_IR_OP_GLOBAL_AVG_POOL: case RQ_IR_OP_REDUCE_MEAN: case RQ_IR_OP_GEMM:
        case RQ_IR_OP_MATMUL: case RQ_IR_OP_RESHAPE: case RQ_IR_OP_FLATTEN:
        case RQ_IR_OP_SQUEEZE: case RQ_IR_OP_UNSQUEEZE: case RQ_IR_OP_TRANSPOSE:
        case RQ_IR_OP_CONCAT: case RQ_IR_OP_PAD: case RQ_IR_OP_RESIZE: case RQ_IR_OP_ADD:
        case RQ_IR_OP_SUB: case RQ_IR_OP_MUL: case RQ_IR_OP_PRELU: case RQ_IR_OP_SIGMOID:
        case RQ_IR_OP_TANH: case RQ_IR_OP_HARD_SWISH: case RQ_IR_OP_RELU:
        case RQ_IR_OP_LEAKY_RELU: case RQ_IR_OP_CLIP: case RQ_IR_OP_SOFTMAX:
        case RQ_IR_OP_HARD_SIGMOID: /* decomposed into ADD and MUL */
        case RQ_IR_OP_BATCHNORM: /* folded when after a Conv; else refused when lowered */
            continue;
        default:
            return rq_fail(err, "%s: node '%s' (%s) is not supported by the int8 path; "
                           "supported: %s", g->source, n->name, n->op_type, rq_gq_supported_ops);
        }
    }
    return 0;
}

/* Float edges: input float32 -> QUANTIZE -> the int8 input; int8 output -> DEQUANTIZE. */
static int float_edge(lower *L, int t, int is_input, int32_t *io)
{
    const rq_ir_tensor *x = &L->g->tensors[t];
    int32_t s[RQ_IR_MAX_DIMS];
    char name[300];
    rq_gq_tensor_name(L->g, t, name, sizeof name);
    strcat(name, "_float");
    shape32(x, s);
    int f = rq_tfl_add_tensor(L->m, name, RQ_TFL_FLOAT32, x->rank, s, L->err);
    int q = tfl_of(L, t);
    if (f < 0 || q < 0)
        return -1;
    *io = f;
    return is_input ? add_op(L, RQ_TFL_OP_QUANTIZE, 1, (int32_t[]){f}, q, NULL)
                    : add_op(L, RQ_TFL_OP_DEQUANTIZE, 1, (int32_t[]){q}, f, NULL);
}

int rq_gq_build(const rq_ir_graph *g, const rq_gq_opts *o, rq_gq_result *r, rq_tfl_model *m,
                rq_error *err)
{
    rq_tfl_model_init(m);
    lower L = {g, r, m, err, ""};
    if (g->layout != RQ_IR_NHWC)
        return rq_fail(err, "%s: the int8 path needs the NHWC graph", g->source);
    if (g->n_inputs != 1 || g->n_outputs < 1 || g->n_outputs > RQ_TFL_MAX_GRAPH_IO)
        return rq_fail(err, "%s: the int8 path needs one input and 1..%d outputs", g->source,
                       RQ_TFL_MAX_GRAPH_IO);
    int32_t in, out[RQ_TFL_MAX_GRAPH_IO];
    if (o->io_float ? float_edge(&L, g->inputs[0], 1, &in) < 0 : (in = tfl_of(&L, g->inputs[0])) < 0)
        return -1;
    for (int i = 0; i < g->n_nodes; i++) {
        canon_node(g, i, L.nn, sizeof L.nn);
        if (lower_node(&L, &g->nodes[i]) < 0)
            return -1;
    }
    for (int i = 0; i < g->n_outputs; i++)
        if (o->io_float ? float_edge(&L, g->outputs[i], 0, &out[i]) < 0
                        : (out[i] = tfl_of(&L, g->outputs[i])) < 0)
            return -1;
    const char *desc = "rppgq int8 (graph IR): per-channel weights, per-tensor activations";
    if (rq_tfl_set_graph_io(m, 1, &in, g->n_outputs, out, err) < 0 ||
        rq_tfl_set_description(m, desc, err) < 0)
        return -1;
    return rq_tfl_validate(m, g->source, err);
}

/* ---- SQNR of the int8 model against the float executor ---------------------------- */

int rq_gq_measure(const rq_ir_graph *g, const rq_tfl_model *m, const rq_gq_opts *o,
                  const float *samples, int64_t n, rq_gq_result *r, rq_error *err)
{
    (void)o;
    for (int i = 0; i < m->n_ops; i++)
        if (!rq_tfl_engine_supports(m->ops[i].code))
            return rq_fail(err, "the int8 engine cannot run %s yet",
                           rq_tfl_builtin_name(m->ops[i].code));
    rq_tfl_engine_opts eo = {RQ_TFL_ROUND_DOUBLE, 1};
    rq_tfl_engine *e = NULL;
    rq_tfl_scratch *s = NULL;
    rq_ir_exec *x = NULL;
    double *sig = calloc((size_t)g->n_tensors + 1, sizeof(double));
    double *noise = calloc((size_t)g->n_tensors + 1, sizeof(double));
    int rc = -1;
    if (!sig || !noise) {
        rq_fail(err, "out of memory");
        goto done;
    }
    if (rq_tfl_prepare_opts(m, &eo, &e, err) < 0 || !(s = rq_tfl_scratch_new(e)) ||
        rq_ir_exec_new(g, &x, err) < 0) {
        if (!s && e)
            rq_fail(err, "out of memory");
        goto done;
    }
    int64_t per = rq_ir_numel(&g->tensors[g->inputs[0]]);
    int in_t = m->inputs[0];
    for (int64_t k = 0; k < n; k++) {
        const float *smp = samples + k * per;
        memcpy(rq_ir_exec_input(x, 0), smp, (size_t)per * sizeof(float));
        if (rq_ir_exec_run(x, err) < 0)
            goto done;
        void *dst = rq_tfl_input(e, s, 0);
        if (m->tensors[in_t].type == RQ_TFL_FLOAT32)
            memcpy(dst, smp, (size_t)per * sizeof(float));
        else
            rq_quantize_f32(smp, (size_t)per, r->t[g->inputs[0]].scale,
                            r->t[g->inputs[0]].zero_point, dst);
        rq_tfl_invoke(e, s);
        for (int t = 0; t < g->n_tensors; t++) {
            const rq_gq_tensor *q = &r->t[t];
            if (q->tfl < 0)
                continue;
            const int8_t *qi = rq_tfl_tensor_data(e, s, q->tfl);
            const float *f = rq_ir_exec_tensor(x, t);
            int64_t cnt = rq_ir_numel(&g->tensors[t]);
            for (int64_t i = 0; i < cnt; i++) {
                double d = ((double)qi[i] - q->zero_point) * q->scale;
                sig[t] += (double)f[i] * f[i];
                noise[t] += (d - f[i]) * (d - f[i]);
            }
        }
    }
    for (int t = 0; t < g->n_tensors; t++)
        if (r->t[t].tfl >= 0)
            r->t[t].sqnr_db = noise[t] > 0 ? 10.0 * log10(sig[t] / noise[t]) : INFINITY;
    rc = 0;
done:
    free(sig), free(noise);
    rq_ir_exec_free(x);
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    return rc;
}

/* ---- report ------------------------------------------------------------------------ */

void rq_gq_print(const rq_ir_graph *g, const rq_gq_result *r, FILE *out)
{
    fprintf(out, "%-40s %12s %12s %12s %5s %9s\n", "tensor", "min", "max", "scale", "zp",
            "SQNR dB");
    for (int t = 0; t < g->n_tensors; t++) {
        const rq_gq_tensor *q = &r->t[t];
        if (q->tfl < 0)
            continue;
        fprintf(out, "%-40.40s %12.6g %12.6g %12.6g %5d ", g->tensors[t].name, q->lo, q->hi,
                (double)q->scale, q->zero_point);
        if (isnan(q->sqnr_db))
            fputs("        -\n", out);
        else
            fprintf(out, "%9.2f\n", q->sqnr_db);
    }
}

int rq_gq_write_json(const rq_ir_graph *g, const rq_gq_result *r, const char *model,
                     const char *path, rq_error *err)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    json_object_object_add(o, "model", json_object_new_string(model));
    for (int t = 0; t < g->n_tensors; t++) {
        const rq_gq_tensor *q = &r->t[t];
        if (q->tfl < 0)
            continue;
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(g->tensors[t].name));
        json_object_object_add(e, "min", json_object_new_double(q->lo));
        json_object_object_add(e, "max", json_object_new_double(q->hi));
        json_object_object_add(e, "scale", json_object_new_double(q->scale));
        json_object_object_add(e, "zero_point", json_object_new_int(q->zero_point));
        json_object_object_add(e, "sqnr_db", isfinite(q->sqnr_db) ? json_object_new_double(q->sqnr_db) : NULL);
        json_object_object_add(e, "graph_output", json_object_new_boolean(rq_ir_is_output(g, t)));
        json_object_array_add(arr, e);
    }
    json_object_object_add(o, "tensors", arr);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    int rc = -1;
    if (buf) {
        memcpy(buf, text, len);
        buf[len] = '\n';
        rc = rq_write_file_atomic(path, buf, len + 1, err);
        free(buf);
    } else {
        rq_fail(err, "%s: out of memory", path);
    }
    json_object_put(o);
    return rc;
}
