/* Lowering an int8 .tflite graph to the MCU CPU path's const-net form (runtime/q8_net.h):
 * one layer per operator, each reading and writing arena offsets of a lifetime plan (the
 * engine's planner, src/engine/plan.c), the graph's input and output in the caller's
 * buffers. Requantization multipliers are computed here once, as TFLite Micro's Prepare
 * does, so the MCU runs integer arithmetic only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/spatial_int8_export.h"
#include "engine/op_movement.h"
#include "engine/plan.h"
#include "quant/ptq.h"

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
static int q8_activation_range(rq_tfl_activation act, const act_info *out, int32_t *lo, int32_t *hi)
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

/* The weights and bias of a convolution-like operator: constant int8 weights with the
 * given shape product, symmetric per-tensor or per-channel along qdim, int32 bias. */
static int weights_and_bias(const rq_tfl_model *m, const rq_tfl_op *o, int k, int n_out, int qdim,
                            const rq_tfl_tensor **w, const rq_tfl_tensor **b, const char *what,
                            rq_error *err)
{
    *b = NULL;
    if (o->n_inputs < 2 || o->inputs[1] < 0 || o->inputs[1] >= m->n_tensors)
        return rq_fail(err, "%s: operator %d (%s): no weights", what, k, op_name(o));
    *w = &m->tensors[o->inputs[1]];
    if (o->n_inputs > 2 && o->inputs[2] >= 0) {
        if (o->inputs[2] >= m->n_tensors)
            return rq_fail(err, "%s: operator %d (%s): bias index out of range", what, k, op_name(o));
        *b = &m->tensors[o->inputs[2]];
    }
    if ((*w)->type != RQ_TFL_INT8 || !(*w)->data)
        return rq_fail(err, "%s: operator %d (%s): weights '%s' are not constant int8", what, k,
                       op_name(o), (*w)->name ? (*w)->name : "?");
    if ((*w)->q.n != 1 && !((*w)->q.n == n_out && (*w)->q.quantized_dimension == qdim))
        return rq_fail(err, "%s: operator %d (%s): weight quantization must be per tensor or "
                       "per output channel", what, k, op_name(o));
    for (int c = 0; c < (*w)->q.n; c++)
        if ((*w)->q.zero_point[c] != 0 || !((*w)->q.scale[c] > 0.0f))
            return rq_fail(err, "%s: operator %d (%s): weight channel %d: zero point %lld, "
                           "scale %g (want 0 and > 0)", what, k, op_name(o), c,
                           (long long)(*w)->q.zero_point[c], (double)(*w)->q.scale[c]);
    if (*b && ((*b)->type != RQ_TFL_INT32 || !(*b)->data || rq_tfl_num_elements(*b) != n_out))
        return rq_fail(err, "%s: operator %d (%s): bias '%s' is not constant int32 [%d]", what,
                       k, op_name(o), (*b)->name ? (*b)->name : "?", n_out);
    return 0;
}

/* Per-channel (multiplier, shift) of s_in * s_w[c] / s_out into params[0..n) and
 * params[n..2n): in double as TFLite Micro's PopulateConvolutionQuantizationParams, or
 * with the float product for per-tensor FULLY_CONNECTED (GetQuantizedConvolutionMultipler). */
static void channel_multipliers(const act_info *in, const rq_tfl_tensor *w, const act_info *out,
                                int n, int float_product, rppg_q8_rounding rounding,
                                int32_t *params)
{
    for (int c = 0; c < n; c++) {
        const float ws = w->q.scale[w->q.n == 1 ? 0 : c];
        const double real = float_product ? (double)(in->scale * ws) / (double)out->scale
                                          : (double)in->scale * (double)ws / (double)out->scale;
        int shift;
        rppg_q8_quantize_multiplier(real, rounding, &params[c], &shift);
        params[n + c] = shift;
    }
}

static int window_out(const rq_tfl_op *o, int k, const act_info *in, const act_info *out,
                      int k_h, int k_w, int dil_h, int dil_w, int *pad_top, int *pad_left,
                      const char *what, rq_error *err)
{
    const int same = o->opt.padding == RQ_TFL_PAD_SAME;
    const int eh = (k_h - 1) * dil_h + 1, ew = (k_w - 1) * dil_w + 1;
    int oh, ow;
    if (o->opt.stride_w < 1 || o->opt.stride_h < 1 || dil_h < 1 || dil_w < 1)
        return rq_fail(err, "%s: operator %d (%s): stride %dx%d, dilation %dx%d", what, k,
                       op_name(o), o->opt.stride_h, o->opt.stride_w, dil_h, dil_w);
    rppg_q8_out_size(in->h, eh, o->opt.stride_h, same, &oh, pad_top);
    rppg_q8_out_size(in->w, ew, o->opt.stride_w, same, &ow, pad_left);
    if (oh != out->h || ow != out->w)
        return rq_fail(err, "%s: operator %d (%s): output %dx%d, the geometry gives %dx%d", what,
                       k, op_name(o), out->h, out->w, oh, ow);
    return 0;
}

static int lower_conv(const rq_tfl_model *m, const rq_tfl_op *o, int k, const act_info *in,
                      const act_info *out, rppg_q8_rounding rounding, int32_t *params,
                      rppg_q8_layer *l, const char *what, rq_error *err)
{
    const rq_tfl_tensor *w, *b;
    rppg_q8_conv *p = &l->op.conv;
    if (weights_and_bias(m, o, k, out->c, 0, &w, &b, what, err))
        return -1;
    if (w->rank != 4 || w->shape[0] != out->c || w->shape[3] != in->c)
        return rq_fail(err, "%s: operator %d (CONV_2D): weights '%s' are not [%d][kh][kw][%d]",
                       what, k, w->name ? w->name : "?", out->c, in->c);
    if (o->opt.dilation_w != 1 || o->opt.dilation_h != 1)
        return rq_fail(err, "%s: operator %d (CONV_2D): dilation %dx%d not supported by the MCU "
                       "CPU path", what, k, o->opt.dilation_h, o->opt.dilation_w);
    l->kind = RPPG_Q8_CONV2D;
    p->in_h = in->h, p->in_w = in->w, p->in_c = in->c;
    p->k_h = w->shape[1], p->k_w = w->shape[2];
    p->stride_h = o->opt.stride_h, p->stride_w = o->opt.stride_w;
    p->out_h = out->h, p->out_w = out->w, p->out_c = out->c;
    if (window_out(o, k, in, out, p->k_h, p->k_w, 1, 1, &p->pad_top, &p->pad_left, what, err))
        return -1;
    p->in_zp = in->zp, p->out_zp = out->zp;
    if (q8_activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
        return rq_fail(err, "%s: operator %d (CONV_2D): fused activation %d not supported", what, k,
                       (int)o->opt.activation);
    p->weights = (const int8_t *)w->data;
    p->bias = b ? (const int32_t *)b->data : NULL; /* little endian host, as the file */
    p->multiplier = params;
    p->shift = params + out->c;
    p->rounding = rounding;
    channel_multipliers(in, w, out, out->c, 0, rounding, params);
    return 0;
}

static int lower_depthwise(const rq_tfl_model *m, const rq_tfl_op *o, int k, const act_info *in,
                           const act_info *out, rppg_q8_rounding rounding, int32_t *params,
                           rppg_q8_layer *l, const char *what, rq_error *err)
{
    const rq_tfl_tensor *w, *b;
    rppg_q8_dwconv *p = &l->op.dw;
    if (weights_and_bias(m, o, k, out->c, 3, &w, &b, what, err))
        return -1;
    if (w->rank != 4 || w->shape[0] != 1 || w->shape[3] != out->c || out->c % in->c)
        return rq_fail(err, "%s: operator %d (DEPTHWISE_CONV_2D): weights '%s' are not "
                       "[1][kh][kw][%d] for %d input channels", what, k,
                       w->name ? w->name : "?", out->c, in->c);
    l->kind = RPPG_Q8_DEPTHWISE;
    p->in_h = in->h, p->in_w = in->w, p->in_c = in->c;
    p->out_h = out->h, p->out_w = out->w, p->depth_mult = out->c / in->c;
    p->k_h = w->shape[1], p->k_w = w->shape[2];
    p->stride_h = o->opt.stride_h, p->stride_w = o->opt.stride_w;
    p->dil_h = o->opt.dilation_h, p->dil_w = o->opt.dilation_w;
    if (window_out(o, k, in, out, p->k_h, p->k_w, p->dil_h, p->dil_w, &p->pad_top, &p->pad_left,
                   what, err))
        return -1;
    p->in_zp = in->zp, p->out_zp = out->zp;
    if (q8_activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
        return rq_fail(err, "%s: operator %d (DEPTHWISE_CONV_2D): fused activation %d not "
                       "supported", what, k, (int)o->opt.activation);
    p->weights = (const int8_t *)w->data;
    p->bias = b ? (const int32_t *)b->data : NULL;
    p->multiplier = params;
    p->shift = params + out->c;
    p->rounding = rounding;
    channel_multipliers(in, w, out, out->c, 0, rounding, params);
    return 0;
}

static int lower_fully_connected(const rq_tfl_model *m, const rq_tfl_op *o, int k,
                                 const act_info *in, const act_info *out,
                                 rppg_q8_rounding rounding, int32_t *params, rppg_q8_layer *l,
                                 const char *what, rq_error *err)
{
    const rq_tfl_tensor *w, *b;
    rppg_q8_fc *p = &l->op.fc;
    const int64_t n_in = (int64_t)in->h * in->w * in->c;
    if (weights_and_bias(m, o, k, out->c, 0, &w, &b, what, err))
        return -1;
    if (w->rank != 2 || w->shape[0] != out->c || w->shape[1] < 1 || n_in % w->shape[1] ||
        n_in / w->shape[1] * out->c != (int64_t)out->h * out->w * out->c)
        return rq_fail(err, "%s: operator %d (FULLY_CONNECTED): weights '%s' do not map %lld "
                       "inputs to the output", what, k, w->name ? w->name : "?", (long long)n_in);
    l->kind = RPPG_Q8_FULLY_CONNECTED;
    p->depth = w->shape[1];
    p->units = out->c;
    p->batches = (int)(n_in / p->depth);
    p->in_zp = in->zp, p->out_zp = out->zp;
    if (q8_activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
        return rq_fail(err, "%s: operator %d (FULLY_CONNECTED): fused activation %d not "
                       "supported", what, k, (int)o->opt.activation);
    p->weights = (const int8_t *)w->data;
    p->bias = b ? (const int32_t *)b->data : NULL;
    p->multiplier = params;
    p->shift = params + out->c;
    p->rounding = rounding;
    channel_multipliers(in, w, out, out->c, w->q.n == 1, rounding, params);
    return 0;
}

static int lower_pool(const rq_tfl_op *o, int k, const act_info *in, const act_info *out,
                      rppg_q8_layer *l, const char *what, rq_error *err)
{
    rppg_q8_pool *p = &l->op.pool;
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
    if (q8_activation_range(o->opt.activation, out, &p->act_min, &p->act_max))
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
    l->op.mean.h = in->h, l->op.mean.w = in->w, l->op.mean.c = in->c;
    l->op.mean.in_zp = in->zp, l->op.mean.out_zp = out->zp;
    l->op.mean.rounding = rounding;
    rppg_q8_quantize_multiplier((double)in->scale / (double)out->scale, rounding, &mult, &shift);
    rppg_q8_mean_multiplier(mult, shift, (int32_t)in->h * in->w, &l->op.mean.multiplier, &l->op.mean.shift);
    return 0;
}

/* Where each tensor lives on the MCU: the caller's input or output buffer, or an arena
 * offset of the lifetime plan (graph input and output take no arena bytes). */
static int plan_refs(const rq_tfl_model *m, long *ref, long *op_tmp, size_t *arena_bytes,
                     rq_error *err)
{
    size_t *bytes = calloc((size_t)m->n_tensors + 1, sizeof *bytes);
    size_t *tmp = calloc((size_t)m->n_ops + 1, sizeof *tmp);
    size_t *tmp_off = calloc((size_t)m->n_ops + 1, sizeof *tmp_off);
    size_t *off = calloc((size_t)m->n_tensors + 1, sizeof *off);
    rq_tfl_memory mem;
    int rc = -1;
    if (bytes && tmp && tmp_off && off) {
        for (int t = 0; t < m->n_tensors; t++)
            if (t != m->inputs[0] && t != m->outputs[0] && !m->tensors[t].data)
                bytes[t] = (size_t)rq_tfl_num_elements(&m->tensors[t]);
        for (int k = 0; k < m->n_ops; k++) /* int32 accumulators, one per output element */
            if (m->ops[k].code == RQ_TFL_OP_SUM || m->ops[k].code == RQ_TFL_OP_TRANSPOSE_CONV)
                tmp[k] = 4 * (size_t)rq_tfl_num_elements(&m->tensors[m->ops[k].outputs[0]]);
        rc = rq_plan_arena(m, bytes, tmp, 0, off, tmp_off, &mem, err);
    } else {
        rq_fail(err, "out of memory planning the arena");
    }
    for (int t = 0; !rc && t < m->n_tensors; t++)
        ref[t] = t == m->inputs[0] ? RPPG_Q8_NET_IN : t == m->outputs[0] ? RPPG_Q8_NET_OUT
                                                                         : (long)off[t];
    for (int k = 0; !rc && k < m->n_ops; k++)
        op_tmp[k] = (long)tmp_off[k];
    if (!rc)
        *arena_bytes = mem.arena;
    free(bytes);
    free(tmp);
    free(tmp_off);
    free(off);
    return rc;
}

/* Operators with a (multiplier, shift) pair per output channel. */
static int has_channel_params(int code)
{
    return code == RQ_TFL_OP_CONV_2D || code == RQ_TFL_OP_DEPTHWISE_CONV_2D ||
           code == RQ_TFL_OP_FULLY_CONNECTED;
}

static int params_needed(const rq_tfl_model *m, const char *what, rq_error *err)
{
    int64_t n = 0;
    for (int k = 0; k < m->n_ops; k++) {
        const rq_tfl_op *o = &m->ops[k];
        if (has_channel_params(o->code) && o->n_outputs >= 1 && o->outputs[0] >= 0 &&
            o->outputs[0] < m->n_tensors) {
            const rq_tfl_tensor *y = &m->tensors[o->outputs[0]];
            if (y->rank >= 1 && y->shape[y->rank - 1] > 0 && y->shape[y->rank - 1] <= (1 << 24))
                n += 2 * (int64_t)y->shape[y->rank - 1];
        }
    }
    if (n > (1 << 26))
        return rq_fail(err, "%s: too many output channels", what);
    return (int)n;
}

/* Operators the engine runs as strided copies (op_movement.c); the MCU runs the same. */
static int is_moves_op(int code)
{
    switch (code) {
    case RQ_TFL_OP_CONCATENATION: case RQ_TFL_OP_PAD: case RQ_TFL_OP_PADV2:
    case RQ_TFL_OP_TRANSPOSE: case RQ_TFL_OP_SLICE: case RQ_TFL_OP_STRIDED_SLICE:
    case RQ_TFL_OP_PACK: case RQ_TFL_OP_TILE: case RQ_TFL_OP_DEPTH_TO_SPACE:
    case RQ_TFL_OP_SPACE_TO_DEPTH: case RQ_TFL_OP_SQUEEZE: case RQ_TFL_OP_EXPAND_DIMS:
    case RQ_TFL_OP_SPLIT: case RQ_TFL_OP_SPLIT_V: case RQ_TFL_OP_UNPACK:
        return 1;
    default:
        return 0;
    }
}

/* The activation inputs of operator k (constants are parameters, not inputs). */
static int layer_inputs(const rq_tfl_model *m, const rq_tfl_op *o, int k, const long *ref,
                        rppg_q8_layer *l, const char *what, rq_error *err)
{
    l->n_in = 0;
    for (int i = 0; i < o->n_inputs; i++) {
        int t = o->inputs[i];
        if (t < 0 || m->tensors[t].data)
            continue;
        if (l->n_in == RPPG_Q8_MAX_LAYER_IN)
            return rq_fail(err, "%s: operator %d (%s): more than %d inputs", what, k, op_name(o),
                           RPPG_Q8_MAX_LAYER_IN);
        l->in[l->n_in++] = ref[t];
    }
    if (l->n_in == 0 || (o->n_outputs != 1 && !is_moves_op(o->code)))
        return rq_fail(err, "%s: operator %d (%s): %d activation inputs and %d outputs (the MCU "
                       "path runs single-output operators on computed tensors)", what, k,
                       op_name(o), l->n_in, o->n_outputs);
    l->out = ref[o->outputs[0]];
    return 0;
}

/* The engine's prepared copies of operator k as the layer's const program. */
/* Output `which` of operator k: its share of the prepared copies (SPLIT, SPLIT_V and UNPACK
 * become one layer per output). */
static int lower_moves(const rq_tfl_model *m, const rq_tfl_op *o, int k, int which,
                       const prep_op *p, rppg_q8_move *pool, rppg_q8_layer *l, const char *what,
                       rq_error *err)
{
    const mv_state *st = mv_state_of(p);
    int layer_in[RQ_TFL_MAX_OP_IO], n = 0, n_moves = 0;
    if (!st)
        return rq_fail(err, "%s: operator %d (%s) is not supported by the MCU CPU path", what, k,
                       op_name(o));
    for (int i = 0; i < o->n_inputs; i++)
        layer_in[i] = o->inputs[i] >= 0 && !m->tensors[o->inputs[i]].data ? n++ : -1;
    for (int j = 0; j < st->n_moves; j++) {
        const mv_move *mv = &st->moves[j];
        if (mv->out != which)
            continue;
        if (mv->in < 0 || mv->in >= o->n_inputs || layer_in[mv->in] < 0)
            return rq_fail(err, "%s: operator %d (%s): copies from a constant input are not "
                           "supported by the MCU CPU path", what, k, op_name(o));
        pool[n_moves].in = layer_in[mv->in];
        pool[n_moves].requant = mv->requant;
        pool[n_moves].v = mv->v;
        pool[n_moves].q = mv->q;
        n_moves++;
    }
    l->kind = RPPG_Q8_MOVES;
    l->op.moves.n_moves = n_moves;
    l->op.moves.moves = pool;
    l->op.moves.fill = st->fill;
    l->op.moves.fill_n = st->fill_n;
    l->op.moves.fill_elem = st->fill_elem;
    memcpy(l->op.moves.fill_value, st->fill_value, sizeof st->fill_value);
    return 0;
}

/* Operators whose prepared runtime parameters the MCU runs as they are. */
static int is_prepared_op(int code)
{
    switch (code) {
    case RQ_TFL_OP_ADD: case RQ_TFL_OP_SUB: case RQ_TFL_OP_MUL: case RQ_TFL_OP_MAXIMUM:
    case RQ_TFL_OP_MINIMUM: case RQ_TFL_OP_PRELU: case RQ_TFL_OP_RELU: case RQ_TFL_OP_RELU6:
    case RQ_TFL_OP_LEAKY_RELU: case RQ_TFL_OP_HARD_SWISH: case RQ_TFL_OP_TANH:
    case RQ_TFL_OP_LOGISTIC: case RQ_TFL_OP_SOFTMAX: case RQ_TFL_OP_GATHER:
    case RQ_TFL_OP_RESIZE_BILINEAR: case RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR: case RQ_TFL_OP_SUM:
    case RQ_TFL_OP_REDUCE_MAX: case RQ_TFL_OP_TRANSPOSE_CONV:
        return 1;
    default:
        return 0;
    }
}

/* ADD/SUB/MUL/MAXIMUM/MINIMUM/PRELU, the int8 activations and SOFTMAX: the engine's
 * prepared parameters (TFLite Micro's Prepare math) copied into the layer. */
/* n int32 values copied into the lowered network's own storage (the engine's go away). */
static const int32_t *keep_ints(rq_q8_lowered *out, const int32_t *v, size_t n)
{
    if (!v || out->n_tables + n > out->cap_tables)
        return NULL;
    int32_t *dst = out->tables + out->n_tables;
    memcpy(dst, v, n * sizeof *v);
    out->n_tables += n;
    return dst;
}

/* Upper bound of keep_ints' needs: nearest-neighbour index tables and transposed
 * convolutions' per-channel multipliers and shifts. */
static size_t tables_needed(const rq_tfl_model *m)
{
    size_t n = 0;
    for (int k = 0; k < m->n_ops; k++) {
        const rq_tfl_op *o = &m->ops[k];
        if (o->n_outputs < 1 || o->outputs[0] < 0)
            continue;
        const rq_tfl_tensor *y = &m->tensors[o->outputs[0]];
        if (y->rank >= 1 && y->rank <= RQ_TFL_MAX_DIMS)
            for (int d = 0; d < y->rank; d++)
                n += y->shape[d] > 0 ? 2 * (size_t)y->shape[d] : 0;
    }
    return n + 1;
}

/* GATHER (constant indices), RESIZE_*, SUM, REDUCE_MAX, TRANSPOSE_CONV. */
static int lower_prepared_more(const rq_tfl_model *m, const rq_tfl_op *o, int k,
                               const prep_op *p, rq_q8_lowered *out, rppg_q8_layer *l,
                               const char *what, rq_error *err)
{
    const rppg_mv_gather *g = gather_export(p);
    const int32_t *yi, *xi;
    const rppg_mv_resize *rs = resize_export(p, &yi, &xi);
    int is_sum;
    const rppg_q8_reduce *rd = reduce_export(p, &is_sum);
    const rppg_q8_transpose_conv *tc = transpose_conv_export(p);
    if (g) {
        const rq_tfl_tensor *ix = &m->tensors[o->inputs[1]];
        if (!ix->data || ix->type != RQ_TFL_INT32 || g->elem != 1)
            return rq_fail(err, "%s: operator %d (GATHER): the MCU CPU path wants int8 data and "
                           "constant int32 indices", what, k);
        l->kind = RPPG_Q8_GATHER;
        l->op.gather.g = *g;
        l->op.gather.indices = (const int32_t *)(const void *)ix->data;
    } else if (rs) {
        l->kind = yi ? RPPG_Q8_RESIZE_NEAREST : RPPG_Q8_RESIZE_BILINEAR;
        l->op.resize.r = *rs;
        if (yi) {
            l->op.resize.y_index = keep_ints(out, yi, (size_t)rs->out_h);
            l->op.resize.x_index = keep_ints(out, xi, (size_t)rs->out_w);
            if (!l->op.resize.y_index || !l->op.resize.x_index)
                return rq_fail(err, "%s: operator %d (%s): index tables do not fit", what, k,
                               op_name(o));
        }
    } else if (rd) {
        l->kind = is_sum ? RPPG_Q8_SUM : RPPG_Q8_REDUCE_MAX;
        l->op.reduce = *rd;
    } else if (tc) {
        l->kind = RPPG_Q8_TRANSPOSE_CONV;
        l->op.tconv = *tc;
        l->op.tconv.multiplier = keep_ints(out, tc->multiplier, (size_t)tc->out_c);
        l->op.tconv.shift = keep_ints(out, tc->shift, (size_t)tc->out_c);
        if (!l->op.tconv.multiplier || !l->op.tconv.shift)
            return rq_fail(err, "%s: operator %d (TRANSPOSE_CONV): multipliers do not fit", what,
                           k);
    } else {
        return rq_fail(err, "%s: operator %d (%s) on these types is not supported by the MCU "
                       "CPU path", what, k, op_name(o));
    }
    return 0;
}

static int lower_prepared(const rq_tfl_model *m, const rq_tfl_op *o, int k, const prep_op *p,
                          rq_q8_lowered *out, rppg_q8_layer *l, const char *what, rq_error *err)
{
    const rppg_q8_lut *lut = lut_export(p);
    const rppg_q8_softmax *sm = softmax_export(p);
    if (binary_export(p, &l->op.bin.q, &l->op.bin.g) == 0) {
        if (l->n_in != 2)
            return rq_fail(err, "%s: operator %d (%s): a constant operand is not supported by "
                           "the MCU CPU path", what, k, op_name(o));
        l->kind = RPPG_Q8_BINARY;
    } else if (lut) {
        out->luts[k] = *lut;
        l->kind = RPPG_Q8_LUT;
        l->op.lut = &out->luts[k];
    } else if (sm) {
        out->softmaxes[k] = *sm;
        l->kind = RPPG_Q8_SOFTMAX;
        l->op.softmax = &out->softmaxes[k];
    } else {
        return lower_prepared_more(m, o, k, p, out, l, what, err);
    }
    return 0;
}

/* QUANTIZE int8 -> int8 (a requantization): one flat copy that requantizes each byte,
 * TFLite's Requantize with (multiplier, shift) of s_in / s_out. */
static int lower_requantize(const rq_tfl_model *m, const rq_tfl_op *o, int k,
                            rppg_q8_rounding rounding, rppg_q8_move *pool, rppg_q8_layer *l,
                            const char *what, rq_error *err)
{
    const rq_tfl_tensor *x = &m->tensors[o->inputs[0]], *y = &m->tensors[o->outputs[0]];
    const int64_t n = rq_tfl_num_elements(x);
    if (x->type != RQ_TFL_INT8 || y->type != RQ_TFL_INT8 || x->q.n != 1 || y->q.n != 1 ||
        n != rq_tfl_num_elements(y) || n < 1 || n > (1 << 24) || !(y->q.scale[0] > 0.0f))
        return rq_fail(err, "%s: operator %d (QUANTIZE): only int8 -> int8 of one shape runs on "
                       "the MCU CPU path", what, k);
    memset(&pool[0], 0, sizeof pool[0]);
    pool[0].requant = 1;
    pool[0].v.rank = 1;
    pool[0].v.elem = 1;
    pool[0].v.dims[0] = (int32_t)n;
    pool[0].v.in_stride[0] = pool[0].v.out_stride[0] = 1;
    pool[0].q.in_zp = (int32_t)x->q.zero_point[0];
    pool[0].q.out_zp = (int32_t)y->q.zero_point[0];
    pool[0].q.rounding = rounding;
    int shift;
    rppg_q8_quantize_multiplier((double)x->q.scale[0] / (double)y->q.scale[0], rounding,
                                &pool[0].q.multiplier, &shift);
    pool[0].q.shift = shift;
    memset(&l->op.moves, 0, sizeof l->op.moves);
    l->kind = RPPG_Q8_MOVES;
    l->op.moves.n_moves = 1;
    l->op.moves.moves = pool;
    return 0;
}

/* An int8 tensor with one scale and zero point; its byte count in *bytes. */
static int int8_tensor(const rq_tfl_model *m, int t, const char *what, int k, size_t *bytes,
                       rq_error *err)
{
    const rq_tfl_tensor *x = &m->tensors[t];
    if (x->type != RQ_TFL_INT8 || x->q.n != 1)
        return rq_fail(err, "%s: operator %d: tensor '%s' is not per-tensor quantized int8", what,
                       k, x->name ? x->name : "?");
    *bytes = (size_t)rq_tfl_num_elements(x);
    return 0;
}

static int lower_op(const rq_tfl_model *m, const rq_tfl_op *o, int k, const act_info *in,
                    const act_info *out, rppg_q8_rounding rounding, int32_t *params,
                    rppg_q8_layer *l, const char *what, rq_error *err)
{
    switch ((int)o->code) {
    case RQ_TFL_OP_CONV_2D:
        return lower_conv(m, o, k, in, out, rounding, params, l, what, err);
    case RQ_TFL_OP_DEPTHWISE_CONV_2D:
        return lower_depthwise(m, o, k, in, out, rounding, params, l, what, err);
    case RQ_TFL_OP_FULLY_CONNECTED:
        return lower_fully_connected(m, o, k, in, out, rounding, params, l, what, err);
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D:
        return lower_pool(o, k, in, out, l, what, err);
    case RQ_TFL_OP_MEAN:
        return lower_mean(m, o, k, in, out, rounding, l, what, err);
    case RQ_TFL_OP_RESHAPE:
        l->kind = RPPG_Q8_COPY;
        if ((int64_t)in->h * in->w * in->c == (int64_t)out->h * out->w * out->c &&
            in->zp == out->zp && in->scale == out->scale)
            return 0;
        return rq_fail(err, "%s: operator %d (RESHAPE): sizes or quantization differ", what, k);
    default:
        return rq_fail(err, "%s: operator %d (%s) is not supported by the MCU CPU path", what, k,
                       op_name(o));
    }
}

/* One layer per operator (one per output of SPLIT, SPLIT_V, UNPACK); returns the count. */
static int lower_layers(const rq_tfl_model *m, rppg_q8_rounding rounding, const long *ref,
                        const long *op_tmp, const rq_tfl_engine *e, const char *what,
                        rq_q8_lowered *out, int n_params_cap, rq_error *err)
{
    int n_params = 0, n_moves = 0, nl = 0;
    for (int k = 0; k < m->n_ops; k++) {
        const rq_tfl_op *o = &m->ops[k];
        rppg_q8_layer *l = &out->layers[nl];
        act_info in, y;
        if (layer_inputs(m, o, k, ref, l, what, err))
            return -1;
        l->tmp = op_tmp[k];
        if (is_prepared_op(o->code)) {
            if (int8_tensor(m, o->inputs[o->code == RQ_TFL_OP_TRANSPOSE_CONV ? 2 : 0], what, k,
                            &l->in_bytes, err) ||
                int8_tensor(m, o->outputs[0], what, k, &l->out_bytes, err) ||
                lower_prepared(m, o, k, rq_engine_op(e, k), out, l, what, err))
                return -1;
            nl++;
            continue;
        }
        if (o->code == RQ_TFL_OP_QUANTIZE) {
            if (int8_tensor(m, o->inputs[0], what, k, &l->in_bytes, err) ||
                int8_tensor(m, o->outputs[0], what, k, &l->out_bytes, err) ||
                lower_requantize(m, o, k, rounding, out->moves + n_moves, l, what, err))
                return -1;
            n_moves += l->op.moves.n_moves;
            nl++;
            continue;
        }
        if (is_moves_op(o->code)) {
            const rppg_q8_layer first = *l;
            int data = 0; /* SPLIT's first input is its axis */
            while (data + 1 < o->n_inputs && (o->inputs[data] < 0 || m->tensors[o->inputs[data]].data))
                data++;
            for (int j = 0; j < o->n_outputs; j++) {
                l = &out->layers[nl];
                *l = first;
                l->out = ref[o->outputs[j]];
                if (int8_tensor(m, o->inputs[data], what, k, &l->in_bytes, err) ||
                    int8_tensor(m, o->outputs[j], what, k, &l->out_bytes, err) ||
                    lower_moves(m, o, k, j, rq_engine_op(e, k), out->moves + n_moves, l, what,
                                err))
                    return -1;
                n_moves += l->op.moves.n_moves;
                nl++;
            }
            continue;
        }
        if (int8_activation(m, o->inputs[0], what, k, &in, err) ||
            int8_activation(m, o->outputs[0], what, k, &y, err))
            return -1;
        const int need = has_channel_params(o->code) ? 2 * y.c : 0;
        if (n_params + need > n_params_cap) /* counted from the same shapes */
            return rq_fail(err, "%s: operator %d (%s): inconsistent shapes", what, k, op_name(o));
        if (lower_op(m, o, k, &in, &y, rounding, out->params + n_params, l, what, err))
            return -1;
        n_params += need;
        l->in_bytes = (size_t)in.h * in.w * in.c;
        l->out_bytes = (size_t)y.h * y.w * y.c;
        nl++;
    }
    return nl;
}

static void set_contract(const rq_tfl_model *m, rq_q8_lowered *out)
{
    out->has_contract = rq_contract_from_description(m->description, &out->contract) == 0;
    if (!out->has_contract) {
        out->contract.repr = RPPG_REPR_RAW;
        out->contract.scale = 1.0f;
        out->contract.clip = 0.0f;
        out->contract.frame_stride = 1;
    }
}

/* The host engine prepared with the same rounding: the copies of data-movement operators
 * come from it. */
static int prepare_engine(const rq_tfl_model *m, rppg_q8_rounding rounding, const char *what,
                          rq_tfl_engine **e, rq_error *err)
{
    if (rq_tfl_prepare(m, rounding == RPPG_Q8_ROUND_SINGLE ? RQ_TFL_ROUND_SINGLE
                                                           : RQ_TFL_ROUND_DOUBLE, e, err))
        return rq_fail_prefix(err, "%s: ", what);
    return 0;
}

/* The graph's input or output: [1,H,W,C] or [1,N] as such, any other shape as N bytes. */
static int io_tensor(const rq_tfl_model *m, int t, const char *what, act_info *a, rq_error *err)
{
    const rq_tfl_tensor *x = &m->tensors[t];
    if (x->rank == 4 && x->shape[0] == 1)
        return int8_activation(m, t, what, -1, a, err);
    if (x->rank == 2 && x->shape[0] == 1)
        return int8_activation(m, t, what, -1, a, err);
    size_t n = 0;
    if (int8_tensor(m, t, what, -1, &n, err))
        return -1;
    if (n == 0 || n > (1u << 24) || !(x->q.scale[0] > 0.0f) || x->q.zero_point[0] < -128 ||
        x->q.zero_point[0] > 127)
        return rq_fail(err, "%s: tensor '%s': bad shape or quantization", what,
                       x->name ? x->name : "?");
    a->h = a->w = 1, a->c = (int)n;
    a->scale = x->q.scale[0];
    a->zp = (int32_t)x->q.zero_point[0];
    return 0;
}

int rq_q8_lower(const rq_tfl_model *m, rppg_q8_rounding rounding, const char *what,
                rq_q8_lowered *out, rq_error *err)
{
    act_info in, y;
    long *ref = NULL;
    memset(out, 0, sizeof *out);
    if (m->n_inputs != 1 || m->n_outputs != 1 || m->n_ops < 1)
        return rq_fail(err, "%s: want one input, one output and at least one operator", what);
    if (io_tensor(m, m->inputs[0], what, &in, err) || io_tensor(m, m->outputs[0], what, &y, err))
        return -1;
    int n_params = params_needed(m, what, err);
    if (n_params < 0)
        return -1;
    out->layers = calloc((size_t)(unsigned)m->n_ops * RQ_TFL_MAX_OP_IO, sizeof *out->layers);
    out->params = calloc((size_t)(unsigned)(n_params > 0 ? n_params : 1), sizeof *out->params);
    ref = calloc((size_t)m->n_tensors + 1, sizeof *ref);
    long *op_tmp = calloc((size_t)m->n_ops + 1, sizeof *op_tmp);
    out->moves = calloc((size_t)(unsigned)m->n_ops * RQ_TFL_MAX_OP_IO, sizeof *out->moves);
    out->luts = calloc((size_t)(unsigned)m->n_ops, sizeof *out->luts);
    out->softmaxes = calloc((size_t)(unsigned)m->n_ops, sizeof *out->softmaxes);
    out->cap_tables = tables_needed(m);
    out->tables = calloc(out->cap_tables, sizeof *out->tables);
    rq_tfl_engine *e = NULL;
    int rc = !out->layers || !out->params || !ref || !op_tmp || !out->moves || !out->luts ||
                     !out->softmaxes || !out->tables
                 ? rq_fail(err, "%s: out of memory", what) : 0;
    if (!rc)
        /* the engine's prepare also checks the graph (indices, one writer per tensor before
         * any reader), which the lifetime plan relies on */
        rc = prepare_engine(m, rounding, what, &e, err) ||
             plan_refs(m, ref, op_tmp, &out->net.arena_bytes, err);
    int n_layers = rc ? -1 : lower_layers(m, rounding, ref, op_tmp, e, what, out, n_params, err);
    rc = rc || n_layers < 0;
    rq_tfl_engine_free(e);
    free(ref);
    free(op_tmp);
    if (rc) {
        rq_q8_lowered_free(out);
        return -1;
    }
    out->net.name = "spatial_cnn_int8";
    out->net.n_layers = n_layers;
    out->net.layers = out->layers;
    out->net.in_h = in.h, out->net.in_w = in.w, out->net.in_c = in.c;
    out->net.in_scale = in.scale, out->net.in_zp = in.zp;
    out->net.n_out = y.h * y.w * y.c;
    out->net.out_scale = y.scale;
    out->net.out_zp = y.zp;
    set_contract(m, out);
    return 0;
}

void rq_q8_lowered_free(rq_q8_lowered *l)
{
    free(l->layers);
    free(l->params);
    free(l->moves);
    free(l->luts);
    free(l->softmaxes);
    free(l->tables);
    l->tables = NULL;
    l->luts = NULL;
    l->softmaxes = NULL;
    l->layers = NULL;
    l->params = NULL;
    l->moves = NULL;
}
