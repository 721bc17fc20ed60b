/* QUANTIZE (float -> int8, int8 -> int8 requantize) and DEQUANTIZE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

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

int prepare_quantize(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (in->type == RQ_TFL_UINT8 || out->type == RQ_TFL_UINT8)
        return prepare_quantize_uint8(c, p);
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

int prepare_dequantize(prep_ctx *c, prep_op *p)
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

