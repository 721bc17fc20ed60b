#include "codegen/spatial_int8_export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "model/contract.h"
#include "quant/ptq.h"

/* ---- lowering ---------------------------------------------------------------------------- */

typedef struct act_info {
    int h, w, c;
    float scale;
    int32_t zp;
} act_info;

static int int8_activation(const rq_tfl_model *m, int t, const char *what, int op, act_info *a,
                           rq_error *err)
{
    const rq_tfl_tensor *x;
    if (t < 0 || t >= m->n_tensors)
        return rq_fail(err, "%s: operator %d: tensor index %d out of range", what, op, t);
    x = &m->tensors[t];
    if (x->type != RQ_TFL_INT8 || x->q.n != 1)
        return rq_fail(err, "%s: operator %d: tensor '%s' is not per-tensor quantized int8", what,
                       op, x->name ? x->name : "?");
    if (!(x->q.scale[0] > 0.0f) || x->q.zero_point[0] < -128 || x->q.zero_point[0] > 127)
        return rq_fail(err, "%s: tensor '%s': bad quantization (scale %g, zero point %lld)", what,
                       x->name ? x->name : "?", (double)x->q.scale[0], (long long)x->q.zero_point[0]);
    a->scale = x->q.scale[0];
    a->zp = (int32_t)x->q.zero_point[0];
    if (x->rank == 4) {
        if (x->shape[0] != 1)
            return rq_fail(err, "%s: tensor '%s': batch %d, only batch 1 runs on the MCU", what,
                           x->name ? x->name : "?", x->shape[0]);
        a->h = x->shape[1], a->w = x->shape[2], a->c = x->shape[3];
    } else if (x->rank == 2 && x->shape[0] == 1) {
        a->h = a->w = 1, a->c = x->shape[1];
    } else {
        return rq_fail(err, "%s: tensor '%s': rank %d not supported (want [1,H,W,C] or [1,N])",
                       what, x->name ? x->name : "?", x->rank);
    }
    if (a->h <= 0 || a->w <= 0 || a->c <= 0 || (int64_t)a->h * a->w * a->c > (1 << 24))
        return rq_fail(err, "%s: tensor '%s': bad shape", what, x->name ? x->name : "?");
    return 0;
}

/* TFLite's CalculateActivationRangeQuantized for an int8 output. */
static int activation_range(rq_tfl_activation act, const act_info *out, int32_t *lo, int32_t *hi)
{
    int32_t q0 = out->zp + (int32_t)roundf(0.0f / out->scale);
    *lo = -128, *hi = 127;
    switch (act) {
    case RQ_TFL_ACT_NONE:
        return 0;
    case RQ_TFL_ACT_RELU:
        *lo = q0 > -128 ? q0 : -128;
        return 0;
    case RQ_TFL_ACT_RELU6: {
        const float q6 = roundf(6.0f / out->scale);
        *lo = q0 > -128 ? q0 : -128;
        if (q6 < 1000.0f && out->zp + (int32_t)q6 < 127)
            *hi = out->zp + (int32_t)q6;
        return 0;
    }
    case RQ_TFL_ACT_RELU_N1_TO_1: {
        const float qm = roundf(-1.0f / out->scale), qp = roundf(1.0f / out->scale);
        if (qm > -1000.0f && out->zp + (int32_t)qm > -128)
            *lo = out->zp + (int32_t)qm;
        if (qp < 1000.0f && out->zp + (int32_t)qp < 127)
            *hi = out->zp + (int32_t)qp;
        return 0;
    }
    default:
        return -1;
    }
}

static const char *op_name(const rq_tfl_op *o)
{
    return rq_tfl_builtin_name((int)o->code);
}

static int lower_conv(const rq_tfl_model *m, const rq_tfl_op *o, int k, const act_info *in,
                      const act_info *out, rppg_q8_rounding rounding, int32_t *params,
                      rppg_q8_layer *l, const char *what, rq_error *err)
{
    const rq_tfl_tensor *w, *b = NULL;
    rppg_q8_conv *p = &l->conv;
    int c;
    if (o->n_inputs < 2 || o->inputs[1] < 0 || o->inputs[1] >= m->n_tensors)
        return rq_fail(err, "%s: operator %d (CONV_2D): no weights", what, k);
    w = &m->tensors[o->inputs[1]];
    if (o->n_inputs > 2 && o->inputs[2] >= 0) {
        if (o->inputs[2] >= m->n_tensors)
            return rq_fail(err, "%s: operator %d (CONV_2D): bias index out of range", what, k);
        b = &m->tensors[o->inputs[2]];
    }
    if (w->type != RQ_TFL_INT8 || w->rank != 4 || !w->data || w->shape[0] != out->c ||
        w->shape[3] != in->c)
        return rq_fail(err, "%s: operator %d (CONV_2D): weights '%s' are not constant int8 "
                       "[%d][kh][kw][%d]", what, k, w->name ? w->name : "?", out->c, in->c);
    if (w->q.n != 1 && !(w->q.n == out->c && w->q.quantized_dimension == 0))
        return rq_fail(err, "%s: operator %d (CONV_2D): weight quantization must be per tensor or "
                       "per output channel", what, k);
    for (c = 0; c < w->q.n; c++)
        if (w->q.zero_point[c] != 0 || !(w->q.scale[c] > 0.0f))
            return rq_fail(err, "%s: operator %d (CONV_2D): weight channel %d: zero point %lld, "
                           "scale %g (want 0 and > 0)", what, k, c, (long long)w->q.zero_point[c],
                           (double)w->q.scale[c]);
    if (b && (b->type != RQ_TFL_INT32 || !b->data || b->rank != 1 || b->shape[0] != out->c))
        return rq_fail(err, "%s: operator %d (CONV_2D): bias '%s' is not constant int32 [%d]",
                       what, k, b->name ? b->name : "?", out->c);
    if (o->opt.dilation_w != 1 || o->opt.dilation_h != 1 || o->opt.stride_w < 1 || o->opt.stride_h < 1)
        return rq_fail(err, "%s: operator %d (CONV_2D): dilation %dx%d / stride %dx%d not supported",
                       what, k, o->opt.dilation_h, o->opt.dilation_w, o->opt.stride_h, o->opt.stride_w);
    l->kind = RPPG_Q8_CONV2D;
    p->in_h = in->h, p->in_w = in->w, p->in_c = in->c;
    p->k_h = w->shape[1], p->k_w = w->shape[2];
    p->stride_h = o->opt.stride_h, p->stride_w = o->opt.stride_w;
    rppg_q8_out_size(in->h, p->k_h, p->stride_h, o->opt.padding == RQ_TFL_PAD_SAME, &p->out_h, &p->pad_top);
    rppg_q8_out_size(in->w, p->k_w, p->stride_w, o->opt.padding == RQ_TFL_PAD_SAME, &p->out_w, &p->pad_left);
    p->out_c = out->c;
    if (p->out_h != out->h || p->out_w != out->w)
        return rq_fail(err, "%s: operator %d (CONV_2D): output %dx%d, the geometry gives %dx%d", what,
                       k, out->h, out->w, p->out_h, p->out_w);
    p->in_zp = in->zp, p->out_zp = out->zp;
    if (activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
        return rq_fail(err, "%s: operator %d (CONV_2D): fused activation %d not supported", what, k,
                       (int)o->opt.activation);
    p->weights = (const int8_t *)w->data;
    p->bias = b ? (const int32_t *)b->data : NULL; /* little endian host, as the file */
    p->multiplier = params;
    p->shift = params + out->c;
    p->rounding = rounding;
    for (c = 0; c < out->c; c++) {
        const double ws = (double)w->q.scale[w->q.n == 1 ? 0 : c];
        int shift;
        /* TFLite Micro's PopulateConvolutionQuantizationParams: in double */
        rppg_q8_quantize_multiplier((double)in->scale * ws / (double)out->scale, rounding,
                                    &params[c], &shift);
        params[out->c + c] = shift;
    }
    return 0;
}

static int lower_pool(const rq_tfl_op *o, int k, const act_info *in, const act_info *out,
                      rppg_q8_layer *l, const char *what, rq_error *err)
{
    rppg_q8_pool *p = &l->pool;
    l->kind = o->code == RQ_TFL_OP_MAX_POOL_2D ? RPPG_Q8_MAX_POOL : RPPG_Q8_AVG_POOL;
    if (o->opt.filter_w < 1 || o->opt.filter_h < 1 || o->opt.stride_w < 1 || o->opt.stride_h < 1)
        return rq_fail(err, "%s: operator %d (%s): bad filter or stride", what, k, op_name(o));
    if (in->c != out->c || in->zp != out->zp || in->scale != out->scale)
        return rq_fail(err, "%s: operator %d (%s): output must keep the input's channels and "
                       "quantization", what, k, op_name(o));
    p->in_h = in->h, p->in_w = in->w, p->c = in->c;
    p->k_h = o->opt.filter_h, p->k_w = o->opt.filter_w;
    p->stride_h = o->opt.stride_h, p->stride_w = o->opt.stride_w;
    rppg_q8_out_size(in->h, p->k_h, p->stride_h, o->opt.padding == RQ_TFL_PAD_SAME, &p->out_h, &p->pad_top);
    rppg_q8_out_size(in->w, p->k_w, p->stride_w, o->opt.padding == RQ_TFL_PAD_SAME, &p->out_w, &p->pad_left);
    if (p->out_h != out->h || p->out_w != out->w)
        return rq_fail(err, "%s: operator %d (%s): output %dx%d, the geometry gives %dx%d", what, k,
                       op_name(o), out->h, out->w, p->out_h, p->out_w);
    if (activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
        return rq_fail(err, "%s: operator %d (%s): fused activation not supported", what, k, op_name(o));
    return 0;
}

static int lower_mean(const rq_tfl_model *m, const rq_tfl_op *o, int k, const act_info *in,
                      const act_info *out, rppg_q8_rounding rounding, rppg_q8_layer *l,
                      const char *what, rq_error *err)
{
    const rq_tfl_tensor *ax;
    int32_t axes[2], mult;
    int shift, rank = m->tensors[o->inputs[0]].rank;
    if (o->n_inputs < 2 || o->inputs[1] < 0 || o->inputs[1] >= m->n_tensors)
        return rq_fail(err, "%s: operator %d (MEAN): no axes", what, k);
    ax = &m->tensors[o->inputs[1]];
    if (ax->type != RQ_TFL_INT32 || !ax->data || ax->data_len != 8 || rank != 4)
        return rq_fail(err, "%s: operator %d (MEAN): only the mean over axes {1,2} of a 4-D "
                       "tensor runs on the MCU", what, k);
    memcpy(axes, ax->data, sizeof axes);
    axes[0] = axes[0] < 0 ? axes[0] + 4 : axes[0];
    axes[1] = axes[1] < 0 ? axes[1] + 4 : axes[1];
    if (!((axes[0] == 1 && axes[1] == 2) || (axes[0] == 2 && axes[1] == 1)) || out->c != in->c ||
        out->h != 1 || out->w != 1)
        return rq_fail(err, "%s: operator %d (MEAN): only the mean over axes {1,2} of a 4-D "
                       "tensor runs on the MCU", what, k);
    l->kind = RPPG_Q8_MEAN_HW;
    l->mean.h = in->h, l->mean.w = in->w, l->mean.c = in->c;
    l->mean.in_zp = in->zp, l->mean.out_zp = out->zp;
    l->mean.rounding = rounding;
    rppg_q8_quantize_multiplier((double)in->scale / (double)out->scale, rounding, &mult, &shift);
    rppg_q8_mean_multiplier(mult, shift, (int32_t)in->h * in->w, &l->mean.multiplier, &l->mean.shift);
    return 0;
}

/* Arena: even layers write at 0, odd ones at the split (the last one writes `out`). */
static void arena_layout(rq_q8_lowered *l)
{
    size_t even = 0, odd = 0;
    int i;
    for (i = 0; i < l->net.n_layers - 1; i++) {
        size_t *s = i % 2 ? &odd : &even;
        if (l->layers[i].out_bytes > *s)
            *s = l->layers[i].out_bytes;
    }
    l->net.arena_split = (even + 7) & ~(size_t)7;
    l->net.arena_bytes = l->net.arena_split + odd;
}

int rq_q8_lower(const rq_tfl_model *m, rppg_q8_rounding rounding, const char *what,
                rq_q8_lowered *out, rq_error *err)
{
    act_info cur, next;
    int k, cur_t, n_params = 0, n_params_cap;
    memset(out, 0, sizeof *out);
    if (m->n_inputs != 1 || m->n_outputs != 1 || m->n_ops < 1)
        return rq_fail(err, "%s: want one input, one output and at least one operator", what);
    cur_t = m->inputs[0];
    if (int8_activation(m, cur_t, what, -1, &cur, err))
        return -1;
    for (k = 0; k < m->n_ops; k++) {
        const rq_tfl_op *o = &m->ops[k];
        if (o->code == RQ_TFL_OP_CONV_2D && o->n_outputs >= 1 && o->outputs[0] >= 0 &&
            o->outputs[0] < m->n_tensors) {
            const rq_tfl_tensor *y = &m->tensors[o->outputs[0]];
            if (y->rank >= 1 && y->shape[y->rank - 1] > 0 && y->shape[y->rank - 1] <= (1 << 24))
                n_params += 2 * y->shape[y->rank - 1];
            if (n_params > (1 << 26))
                return rq_fail(err, "%s: too many output channels", what);
        }
    }
    out->layers = calloc((size_t)(unsigned)m->n_ops, sizeof *out->layers);
    out->params = calloc((size_t)(unsigned)(n_params > 0 ? n_params : 1), sizeof *out->params);
    if (!out->layers || !out->params) {
        rq_q8_lowered_free(out);
        return rq_fail(err, "%s: out of memory", what);
    }
    n_params_cap = n_params;
    n_params = 0;
    for (k = 0; k < m->n_ops; k++) {
        const rq_tfl_op *o = &m->ops[k];
        rppg_q8_layer *l = &out->layers[k];
        int rc;
        if (o->n_inputs < 1 || o->inputs[0] != cur_t || o->n_outputs != 1) {
            rq_q8_lowered_free(out);
            return rq_fail(err, "%s: operator %d (%s): the graph is not a chain of single-output "
                           "operators", what, k, op_name(o));
        }
        if (int8_activation(m, o->outputs[0], what, k, &next, err)) {
            rq_q8_lowered_free(out);
            return -1;
        }
        switch (o->code) {
        case RQ_TFL_OP_CONV_2D:
            if (n_params + 2 * next.c > n_params_cap) { /* counted from the same shapes above */
                rc = rq_fail(err, "%s: operator %d (CONV_2D): inconsistent shapes", what, k);
                break;
            }
            rc = lower_conv(m, o, k, &cur, &next, rounding, out->params + n_params, l, what, err);
            n_params += 2 * next.c;
            break;
        case RQ_TFL_OP_MAX_POOL_2D:
        case RQ_TFL_OP_AVERAGE_POOL_2D:
            rc = lower_pool(o, k, &cur, &next, l, what, err);
            break;
        case RQ_TFL_OP_MEAN:
            rc = lower_mean(m, o, k, &cur, &next, rounding, l, what, err);
            break;
        case RQ_TFL_OP_RESHAPE:
            l->kind = RPPG_Q8_COPY;
            rc = (int64_t)cur.h * cur.w * cur.c == (int64_t)next.h * next.w * next.c &&
                         cur.zp == next.zp && cur.scale == next.scale
                     ? 0
                     : rq_fail(err, "%s: operator %d (RESHAPE): sizes or quantization differ", what, k);
            break;
        default:
            rc = rq_fail(err, "%s: operator %d (%s) is not supported by the MCU CPU path", what, k,
                         op_name(o));
        }
        if (rc) {
            rq_q8_lowered_free(out);
            return -1;
        }
        l->in_bytes = (size_t)cur.h * cur.w * cur.c;
        l->out_bytes = (size_t)next.h * next.w * next.c;
        cur = next;
        cur_t = o->outputs[0];
    }
    if (cur_t != m->outputs[0]) {
        rq_q8_lowered_free(out);
        return rq_fail(err, "%s: the last operator does not write the graph output", what);
    }
    {
        act_info in;
        int8_activation(m, m->inputs[0], what, -1, &in, err);
        out->net.in_h = in.h, out->net.in_w = in.w, out->net.in_c = in.c;
        out->net.in_scale = in.scale, out->net.in_zp = in.zp;
    }
    out->net.name = "spatial_cnn_int8";
    out->net.n_layers = m->n_ops;
    out->net.layers = out->layers;
    out->net.n_out = cur.h * cur.w * cur.c;
    out->net.out_scale = cur.scale;
    out->net.out_zp = cur.zp;
    arena_layout(out);
    out->has_contract = rq_contract_from_description(m->description, &out->contract) == 0;
    if (!out->has_contract) {
        out->contract.repr = RPPG_REPR_RAW;
        out->contract.scale = 1.0f;
        out->contract.clip = 0.0f;
        out->contract.frame_stride = 1;
    }
    return 0;
}

void rq_q8_lowered_free(rq_q8_lowered *l)
{
    free(l->layers);
    free(l->params);
    l->layers = NULL;
    l->params = NULL;
}

/* ---- C source ----------------------------------------------------------------------------- */

static void write_i8(FILE *f, const char *name, const int8_t *v, size_t n)
{
    size_t i;
    fprintf(f, "static const int8_t %s[%zu] = {", name, n);
    for (i = 0; i < n; i++)
        fprintf(f, "%s%d,", i % 24 ? " " : "\n    ", v[i]);
    fprintf(f, "\n};\n");
}

static void write_i32(FILE *f, const char *name, const int32_t *v, size_t n)
{
    size_t i;
    fprintf(f, "static const int32_t %s[%zu] = {", name, n);
    for (i = 0; i < n; i++) {
        int32_t x;
        memcpy(&x, v + i, sizeof x);
        /* INT32_MIN has no literal of type int32_t */
        if (x == INT32_MIN)
            fprintf(f, "%s(-2147483647 - 1),", i % 8 ? " " : "\n    ");
        else
            fprintf(f, "%s%ld,", i % 8 ? " " : "\n    ", (long)x);
    }
    fprintf(f, "\n};\n");
}

static void float_lit(float x, char *buf, size_t n)
{
    snprintf(buf, n, "%.9gf", (double)x);
    if (!strpbrk(buf, ".eEn")) { /* "3f" is not a literal: make it "3.0f" */
        size_t len = strlen(buf);
        snprintf(buf + len - 1, n - (len - 1), ".0f");
    }
}

static const char *kind_name(rppg_q8_kind k)
{
    switch (k) {
    case RPPG_Q8_CONV2D: return "RPPG_Q8_CONV2D";
    case RPPG_Q8_MAX_POOL: return "RPPG_Q8_MAX_POOL";
    case RPPG_Q8_AVG_POOL: return "RPPG_Q8_AVG_POOL";
    case RPPG_Q8_MEAN_HW: return "RPPG_Q8_MEAN_HW";
    default: return "RPPG_Q8_COPY";
    }
}

static const char *rounding_name(rppg_q8_rounding r)
{
    return r == RPPG_Q8_ROUND_SINGLE ? "RPPG_Q8_ROUND_SINGLE" : "RPPG_Q8_ROUND_DOUBLE";
}

static size_t flash_bytes(const rq_q8_lowered *l)
{
    size_t n = sizeof(rppg_q8_net) + (size_t)l->net.n_layers * sizeof(rppg_q8_layer);
    int i;
    for (i = 0; i < l->net.n_layers; i++) {
        const rppg_q8_conv *p = &l->layers[i].conv;
        if (l->layers[i].kind != RPPG_Q8_CONV2D)
            continue;
        n += (size_t)p->out_c * p->k_h * p->k_w * p->in_c + (size_t)p->out_c * 4 * (p->bias ? 3 : 2);
    }
    return n;
}

static void write_source(FILE *f, const rq_q8_lowered *l, const char *source_name)
{
    char a[40], b[40], c[40];
    int i;
    fprintf(f, "/* Generated by rppgq export-c --spatial from %s. Do not edit.\n"
               " * The int8 Spatial CNN for the MCU CPU path (runtime/q8_net.h): TFLite Micro "
               "reference\n * arithmetic, %s rounding. */\n"
               "#include \"%s\"\n\n", source_name,
            l->net.layers[0].conv.rounding == RPPG_Q8_ROUND_SINGLE ? "single" : "double", RQ_SPATIAL_H);
    for (i = 0; i < l->net.n_layers; i++) {
        const rppg_q8_layer *y = &l->layers[i];
        char name[64];
        if (y->kind != RPPG_Q8_CONV2D)
            continue;
        snprintf(name, sizeof name, "layer%d_weights", i);
        write_i8(f, name, y->conv.weights, (size_t)y->conv.out_c * y->conv.k_h * y->conv.k_w * y->conv.in_c);
        if (y->conv.bias) {
            snprintf(name, sizeof name, "layer%d_bias", i);
            write_i32(f, name, y->conv.bias, (size_t)y->conv.out_c);
        }
        snprintf(name, sizeof name, "layer%d_multiplier", i);
        write_i32(f, name, y->conv.multiplier, (size_t)y->conv.out_c);
        snprintf(name, sizeof name, "layer%d_shift", i);
        write_i32(f, name, y->conv.shift, (size_t)y->conv.out_c);
        fputc('\n', f);
    }
    fprintf(f, "static const rppg_q8_layer layers[%d] = {\n", l->net.n_layers);
    for (i = 0; i < l->net.n_layers; i++) {
        const rppg_q8_layer *y = &l->layers[i];
        fprintf(f, "    {.kind = %s, .in_bytes = %zu, .out_bytes = %zu", kind_name(y->kind),
                y->in_bytes, y->out_bytes);
        if (y->kind == RPPG_Q8_CONV2D) {
            const rppg_q8_conv *p = &y->conv;
            fprintf(f, ",\n     .conv = {.in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, "
                       ".out_c = %d,\n              .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, "
                       ".pad_top = %d, .pad_left = %d,\n              .in_zp = %ld, .out_zp = %ld, "
                       ".act_min = %ld, .act_max = %ld,\n              .weights = layer%d_weights, "
                       ".bias = ", p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h,
                    p->k_w, p->stride_h, p->stride_w, p->pad_top, p->pad_left, (long)p->in_zp,
                    (long)p->out_zp, (long)p->act_min, (long)p->act_max, i);
            if (p->bias)
                fprintf(f, "layer%d_bias", i);
            else
                fprintf(f, "NULL");
            fprintf(f, ", .multiplier = layer%d_multiplier,\n              .shift = layer%d_shift, "
                       ".rounding = %s}", i, i, rounding_name(p->rounding));
        } else if (y->kind == RPPG_Q8_MAX_POOL || y->kind == RPPG_Q8_AVG_POOL) {
            const rppg_q8_pool *p = &y->pool;
            fprintf(f, ",\n     .pool = {.in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, "
                       ".k_h = %d, .k_w = %d,\n              .stride_h = %d, .stride_w = %d, "
                       ".pad_top = %d, .pad_left = %d, .act_min = %ld, .act_max = %ld}",
                    p->in_h, p->in_w, p->c, p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h,
                    p->stride_w, p->pad_top, p->pad_left, (long)p->act_min, (long)p->act_max);
        } else if (y->kind == RPPG_Q8_MEAN_HW) {
            const rppg_q8_mean *p = &y->mean;
            fprintf(f, ",\n     .mean = {.h = %d, .w = %d, .c = %d, .in_zp = %ld, .out_zp = %ld, "
                       ".multiplier = %ld, .shift = %d,\n              "
                       ".rounding = %s}", p->h, p->w, p->c, (long)p->in_zp, (long)p->out_zp,
                    (long)p->multiplier, p->shift, rounding_name(p->rounding));
        }
        fprintf(f, "},\n");
    }
    fprintf(f, "};\n\n");
    float_lit(l->net.in_scale, a, sizeof a);
    float_lit(l->net.out_scale, b, sizeof b);
    fprintf(f, "const rppg_q8_net rppg_spatial_cnn = {\n"
               "    .name = \"spatial_cnn_int8\", .n_layers = %d, .layers = layers,\n"
               "    .in_h = %d, .in_w = %d, .in_c = %d, .in_scale = %s, .in_zp = %ld,\n"
               "    .n_out = %d, .out_scale = %s, .out_zp = %ld,\n"
               "    .arena_split = %zu, .arena_bytes = %zu,\n};\n\n",
            l->net.n_layers, l->net.in_h, l->net.in_w, l->net.in_c, a, (long)l->net.in_zp,
            l->net.n_out, b, (long)l->net.out_zp, l->net.arena_split, l->net.arena_bytes);
    float_lit(l->contract.scale, a, sizeof a);
    float_lit(l->contract.clip, c, sizeof c);
    fprintf(f, "/* %s; samples every %d frames of a %d fps camera = %g Hz (resample.h feeds it\n"
               " * from any camera rate) */\nconst rppg_contract rppg_spatial_contract = {%s, %s, %s, %d};\n",
            l->has_contract ? "the input contract recorded in the model's description"
                            : "the model names no input contract: raw pixels in [0,1]",
            l->contract.frame_stride, RPPG_CONTRACT_FPS, rq_contract_sample_hz(&l->contract),
            l->contract.repr == RPPG_REPR_WINDOW_RATIO ? "RPPG_REPR_WINDOW_RATIO" : "RPPG_REPR_RAW",
            a, c, l->contract.frame_stride);
}

static void write_header(FILE *f, const rq_q8_lowered *l, const char *source_name)
{
    fprintf(f, "/* Generated by rppgq export-c --spatial from %s. Do not edit.\n"
               " *\n"
               " * Run one patch:  rppg_q8_net_run(&rppg_spatial_cnn, patch, features, arena);\n"
               " *   patch     int8 [%d][%d][%d]  (rppg_window_patch with in_scale / in_zp below)\n"
               " *   features  int8 [%d]          (rppg_q8_dequantize with out_scale / out_zp)\n"
               " *   arena     int8 [RPPG_SPATIAL_ARENA_BYTES], caller-owned scratch\n"
               " * Flash: about %zu bytes of constants. */\n"
               "#ifndef RPPG_SPATIAL_CNN_INT8_H\n#define RPPG_SPATIAL_CNN_INT8_H\n\n"
               "#include \"input_contract.h\"\n#include \"q8_net.h\"\n\n"
               "#define RPPG_SPATIAL_IN_H %d\n#define RPPG_SPATIAL_IN_W %d\n#define RPPG_SPATIAL_IN_C %d\n"
               "#define RPPG_SPATIAL_FEATURES %d\n#define RPPG_SPATIAL_ARENA_BYTES %zu\n\n"
               "extern const rppg_q8_net rppg_spatial_cnn;\n"
               "extern const rppg_contract rppg_spatial_contract;\n\n#endif\n",
            source_name, l->net.in_h, l->net.in_w, l->net.in_c, l->net.n_out, flash_bytes(l),
            l->net.in_h, l->net.in_w, l->net.in_c, l->net.n_out, l->net.arena_bytes);
}

/* Both files or neither: each is generated into its temporary and flushed, and only
 * when both are complete are they renamed into place. */
int rq_spatial_write_c(const rq_tfl_model *m, const rq_q8_lowered *l, const char *source_name,
                       const char *dir, rq_error *err)
{
    enum { N = 2 + RQ_SPATIAL_RUNTIME_NFILES };
    void (*const gen[2])(FILE *, const rq_q8_lowered *, const char *) = {write_header,
                                                                          write_source};
    rq_embedded_file rt[RQ_SPATIAL_RUNTIME_NFILES];
    const char *files[N];
    rq_atomic_file af[N];
    int opened = 0, rc = 0;
    (void)m;
    rq_spatial_runtime_files(rt);
    files[0] = RQ_SPATIAL_H;
    files[1] = RQ_SPATIAL_C;
    for (int i = 0; i < RQ_SPATIAL_RUNTIME_NFILES; i++)
        files[2 + i] = rt[i].name;
    for (; opened < N && !rc; opened++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, files[opened]) >= sizeof path)
            rc = rq_fail(err, "%s: path too long", dir);
        else if ((rc = rq_atomic_open(&af[opened], path, err)) == 0) {
            if (opened < 2)
                gen[opened](af[opened].fp, l, source_name);
            else /* the runtime, byte for byte (a short write shows at flush) */
                (void)fwrite(rt[opened - 2].data, 1, rt[opened - 2].len, af[opened].fp);
        }
    }
    if (rc)
        opened--; /* the failed one is not open */
    for (int i = 0; i < opened && !rc; i++)
        rc = rq_atomic_flush(&af[i], err);
    for (int i = 0; i < opened; i++) {
        if (rc)
            rq_atomic_abort(&af[i]);
        else
            rc = rq_atomic_commit(&af[i], err);
    }
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int rq_spatial_export_file(const char *model_path, rppg_q8_rounding rounding, const char *dir,
                           rq_q8_lowered *info, rq_error *err)
{
    rq_tfl_model m;
    rq_q8_lowered l;
    memset(&l, 0, sizeof l);
    int rc = rq_tfl_read(model_path, &m, err);
    if (!rc)
        rc = rq_q8_lower(&m, rounding, model_path, &l, err);
    if (!rc)
        rc = rq_spatial_write_c(&m, &l, base_name(model_path), dir, err);
    if (!rc && info) {
        *info = l; /* the scalars; the arrays stay with l and go below */
        info->layers = NULL, info->params = NULL, info->net.layers = NULL, info->net.name = NULL;
    }
    rq_q8_lowered_free(&l);
    rq_tfl_model_free(&m);
    return rc;
}
