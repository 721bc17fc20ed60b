/* TRANSPOSE_CONV on int8 with per-output-channel weights: inputs output_shape (constant
 * INT32 [4]), weights OHWI, input NHWC, optional INT32 bias. Padding and multipliers as
 * TFLite Micro's transpose_conv.cc; the run is the MCU runtime's scatter-accumulate loop
 * (an int32 accumulator for every output element in the arena). */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "int8_ops.h"

typedef struct tconv_state {
    rppg_q8_transpose_conv t;
    int32_t mult_shift[]; /* out_c multipliers, then out_c shifts: one block, one free() */
} tconv_state;

static void run_transpose_conv(const prep_op *p, uint8_t *arena)
{
    const tconv_state *s = p->state;
    rppg_q8_transpose_conv_run(&s->t, (const int8_t *)cptr(&p->ins[2], arena),
                               (int8_t *)mptr(&p->out, arena),
                               (int32_t *)(void *)(arena + p->tmp_off));
}

const rppg_q8_transpose_conv *transpose_conv_export(const prep_op *p)
{
    return p->run == run_transpose_conv ? &((const tconv_state *)p->state)->t : NULL;
}

static int check_output_shape(prep_ctx *c, const rq_tfl_tensor *shape, const rq_tfl_tensor *out)
{
    if (shape->type != RQ_TFL_INT32 || !shape->data || rq_tfl_num_elements(shape) != 4)
        return op_fail(c, "output_shape must be a constant INT32 tensor of 4 values");
    if (out->rank != 4)
        return op_fail(c, "output must be 4-D NHWC");
    for (int i = 0; i < 4; i++) {
        int32_t v;
        memcpy(&v, shape->data + 4 * i, 4);
        if (v != out->shape[i])
            return op_fail(c, "output_shape[%d] = %d but the output tensor has %d", i, (int)v,
                           (int)out->shape[i]);
    }
    return 0;
}

static int check_weights(prep_ctx *c, const rq_tfl_tensor *w, const rq_tfl_tensor *in,
                         const rq_tfl_tensor *out, const rq_tfl_tensor *bias)
{
    if (w->type != RQ_TFL_INT8 || !w->data || w->rank != 4)
        return op_fail(c, "weights must be a constant 4-D INT8 tensor");
    if (w->shape[0] != out->shape[3] || w->shape[3] != in->shape[3])
        return op_fail(c, "weights [%d,%d,%d,%d] do not map %d input to %d output channels",
                       (int)w->shape[0], (int)w->shape[1], (int)w->shape[2], (int)w->shape[3],
                       (int)in->shape[3], (int)out->shape[3]);
    if (w->q.n != 1 && w->q.n != w->shape[0])
        return op_fail(c, "weights need 1 or %d scales (have %d)", (int)w->shape[0], w->q.n);
    for (int i = 0; i < w->q.n; i++)
        if (w->q.zero_point[i] != 0 || !(w->q.scale[i] > 0))
            return op_fail(c, "weights channel %d: zero point %lld, scale %g (need 0 and > 0)", i,
                           (long long)w->q.zero_point[i], (double)w->q.scale[i]);
    if (bias && (bias->type != RQ_TFL_INT32 || !bias->data ||
                 rq_tfl_num_elements(bias) != w->shape[0]))
        return op_fail(c, "bias must be a constant INT32 tensor of %d values", (int)w->shape[0]);
    return 0;
}

static int prepare_geometry(prep_ctx *c, rppg_q8_transpose_conv *t, const rq_tfl_tensor *in,
                            const rq_tfl_tensor *w, const rq_tfl_tensor *out)
{
    const rq_tfl_options *o = &c->op->opt;
    if (in->rank != 4 || in->shape[0] != out->shape[0])
        return op_fail(c, "input must be 4-D NHWC with the output's batch");
    if (o->stride_h < 1 || o->stride_w < 1 || o->stride_h > 4096 || o->stride_w > 4096)
        return op_fail(c, "stride %dx%d", o->stride_h, o->stride_w);
    t->batches = in->shape[0];
    t->in_h = in->shape[1], t->in_w = in->shape[2], t->in_c = in->shape[3];
    t->out_h = out->shape[1], t->out_w = out->shape[2], t->out_c = out->shape[3];
    t->k_h = w->shape[1], t->k_w = w->shape[2];
    t->stride_h = o->stride_h, t->stride_w = o->stride_w;
    if (t->k_h < 1 || t->k_w < 1 || t->in_c < 1 || t->out_c < 1)
        return op_fail(c, "empty filter or channels");
    /* the padding of the forward convolution from the output back to the input
     * (ComputePaddingHeightWidth on the output size) */
    int fh, fw;
    if (out_size(o->padding, t->out_h, t->k_h, t->stride_h, 1, &fh) ||
        out_size(o->padding, t->out_w, t->k_w, t->stride_w, 1, &fw))
        return op_fail(c, "padding %d is neither SAME nor VALID", (int)o->padding);
    t->pad_top = pad_before(t->stride_h, 1, t->out_h, t->k_h, fh);
    t->pad_left = pad_before(t->stride_w, 1, t->out_w, t->k_w, fw);
    /* every input element touches k_h*k_w*out_c outputs */
    int64_t work = rq_tfl_num_elements(in) * (int64_t)t->k_h * t->k_w * t->out_c;
    if (work > ((int64_t)1 << 31))
        return op_fail(c, "%lld multiply-adds an inference (at most 2^31)", (long long)work);
    return 0;
}

int prepare_transpose_conv(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 3, 4))
        return -1;
    const rq_tfl_tensor *shape = input_tensor(c, 0), *w = input_tensor(c, 1),
                        *in = input_tensor(c, 2), *bias = input_tensor(c, 3),
                        *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output") ||
        check_output_shape(c, shape, out) || check_weights(c, w, in, out, bias))
        return -1;
    const int out_c = out->shape[3];
    tconv_state *s = calloc(1, sizeof *s + 2 * sizeof(int32_t) * (size_t)(out_c > 0 ? out_c : 1));
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    rppg_q8_transpose_conv *t = &s->t;
    if (prepare_geometry(c, t, in, w, out) ||
        activation_range(c, out, c->op->opt.activation, &t->act_min, &t->act_max))
        return -1;
    int32_t *mult = s->mult_shift, *shift = s->mult_shift + out_c;
    for (int oc = 0; oc < out_c; oc++) {
        int sh;
        const double ws = (double)w->q.scale[w->q.n > 1 ? oc : 0];
        if (op_multiplier(c, p, (double)in->q.scale[0] * ws / (double)out->q.scale[0],
                          "channel", &mult[oc], &sh))
            return -1;
        shift[oc] = sh;
    }
    t->in_zp = (int32_t)in->q.zero_point[0];
    t->out_zp = (int32_t)out->q.zero_point[0];
    t->weights = (const int8_t *)w->data;
    t->bias = bias ? (const int32_t *)(const void *)bias->data : NULL;
    t->multiplier = mult;
    t->shift = shift;
    t->rounding = p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
    c->tmp_need = sizeof(int32_t) * (size_t)rq_tfl_num_elements(out);
    p->run = run_transpose_conv;
    return 0;
}
