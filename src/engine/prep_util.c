/* Prepare-time helpers shared by the operators: checks that name the operator, fused
 * activation ranges, window geometry. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"


int op_fail(prep_ctx *c, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rq_fail(c->err, "operator %d (%s): %s", c->index, rq_tfl_builtin_name(c->op->code),
                   msg);
}

const rq_tfl_tensor *input_tensor(prep_ctx *c, int i)
{
    if (i >= c->op->n_inputs || c->op->inputs[i] < 0)
        return NULL;
    return &c->m->tensors[c->op->inputs[i]];
}

const rq_tfl_tensor *output_tensor(prep_ctx *c)
{
    return &c->m->tensors[c->op->outputs[0]];
}

/* One scale, an int8 zero point: what an int8 activation needs. */
int check_activation(prep_ctx *c, const rq_tfl_tensor *t, const char *role)
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

int check_counts(prep_ctx *c, int min_in, int max_in)
{
    if (c->op->n_inputs < min_in || c->op->n_inputs > max_in || c->op->n_outputs != 1)
        return op_fail(c, "%d inputs and %d outputs", c->op->n_inputs, c->op->n_outputs);
    for (int i = 0; i < min_in; i++)
        if (c->op->inputs[i] < 0)
            return op_fail(c, "input %d is missing", i);
    return 0;
}

int activation_range(prep_ctx *c, const rq_tfl_tensor *out, int act, int32_t *lo,
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

int out_size(int padding, int in, int k, int stride, int dil, int *out)
{
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t v = padding == RQ_TFL_PAD_SAME ? ((int64_t)in + stride - 1) / stride
                                           : ((int64_t)in + stride - eff) / stride;
    if (v < 0)
        v = 0;
    *out = (int)v;
    return padding == RQ_TFL_PAD_SAME || padding == RQ_TFL_PAD_VALID ? 0 : -1;
}

int pad_before(int stride, int dil, int in, int k, int out)
{
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t total = ((int64_t)out - 1) * stride + eff - in;
    return total > 0 ? (int)(total / 2) : 0;
}

/* Shapes and padding of a 2-D windowed op; fills geometry in p. */
int window_geometry(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in,
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

const rq_tfl_tensor *output_tensor_at(prep_ctx *c, int i)
{
    return &c->m->tensors[c->op->outputs[i]];
}
