/* One-input int8 activations (RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH, LOGISTIC) and QUANTIZE
 * between uint8 and int8. Each is a function of the 256 input values: prepare evaluates
 * TFLite Micro's reference arithmetic (runtime/int8_ops.h element functions) once per value
 * into a table, the run is the MCU runtime's table lookup. Float32 RELU, RELU6, LEAKY_RELU
 * and HARD_SWISH: rppg_f32_unary_run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "int8_ops.h"

static void run_lut(const prep_op *p, uint8_t *arena)
{
    rppg_q8_lut_run(p->state, cptr(&p->in, arena), mptr(&p->out, arena), p->count);
}

const rppg_q8_lut *lut_export(const prep_op *p)
{
    return p->run == run_lut ? p->state : NULL;
}

static void run_unary_f32(const prep_op *p, uint8_t *arena)
{
    rppg_f32_unary_run(p->state, (const float *)(const void *)cptr(&p->in, arena),
                       (float *)(void *)mptr(&p->out, arena), p->count);
}

/* The byte an int8 or uint8 input value x stands for */
static uint8_t byte_of(int32_t x)
{
    return (uint8_t)(x & 0xff);
}

static int32_t value_of(uint8_t byte, rq_tfl_type type)
{
    return type == RQ_TFL_UINT8 ? (int32_t)byte : (int32_t)(int8_t)byte;
}

static rppg_q8_rounding rounding_of(const prep_op *p)
{
    return p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
}

/* RELU: requantize to the output, clamp at the output's zero (ReluQuantized). */
static int fill_relu(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in, const rq_tfl_tensor *out,
                     rppg_q8_lut *t)
{
    rppg_q8_requant_clamp q = {0};
    q.in_zp = (int32_t)in->q.zero_point[0];
    q.out_zp = (int32_t)out->q.zero_point[0];
    q.rounding = rounding_of(p);
    q.lo = q.out_zp > -128 ? q.out_zp : -128;
    q.hi = 127;
    /* the scale ratio in float, then double (CalculateReluOpData) */
    if (op_multiplier(c, p, (double)(in->q.scale[0] / out->q.scale[0]), "scale ratio", &q.mult,
                      &q.shift))
        return -1;
    for (int v = 0; v < 256; v++)
        t->table[v] = byte_of(rppg_q8_requant_clamp_elem(&q, (int8_t)v));
    return 0;
}

/* RELU6: a clamp of the raw input to [zero point, quantized 6.0], no requantization
 * (Relu6Prepare / Relu6Quantized use the input's parameters only). */
static int fill_relu6(const rq_tfl_tensor *in, rppg_q8_lut *t)
{
    const int32_t zero = (int32_t)in->q.zero_point[0];
    /* FloatToQuantizedType(6.0f, scale, zp): round(6/scale) + zp, clamped to int8 */
    const double six_d = (double)roundf(6.0f / in->q.scale[0]) + zero;
    const int32_t six = six_d > 127 ? 127 : six_d < -128 ? -128 : (int32_t)six_d;
    for (int v = 0; v < 256; v++) {
        const int32_t x = (int8_t)v;
        t->table[v] = byte_of(x > six ? six : x < zero ? zero : x);
    }
    return 0;
}

static int fill_leaky(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in, const rq_tfl_tensor *out,
                      rppg_q8_lut *t)
{
    rppg_q8_leaky q = {0};
    const float alpha = c->op->opt.alpha;
    /* both ratios in float (CalculateOpDataLeakyRelu) */
    const double alpha_real = (double)(in->q.scale[0] * alpha / out->q.scale[0]);
    q.in_zp = (int32_t)in->q.zero_point[0];
    q.out_zp = (int32_t)out->q.zero_point[0];
    q.rounding = rounding_of(p);
    if (!isfinite(alpha))
        return op_fail(c, "alpha %g is not finite", (double)alpha);
    if (op_multiplier(c, p, (double)(in->q.scale[0] / out->q.scale[0]), "identity", &q.id_mult,
                      &q.id_shift) ||
        op_multiplier(c, p, fabs(alpha_real), "alpha", &q.alpha_mult, &q.alpha_shift))
        return -1;
    if (alpha_real < 0) /* QuantizeMultiplier of a negative ratio: the negated mantissa */
        q.alpha_mult = -q.alpha_mult;
    for (int v = 0; v < 256; v++)
        t->table[v] = byte_of(rppg_q8_leaky_elem(&q, (int8_t)v));
    return 0;
}

static int fill_hard_swish(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in,
                           const rq_tfl_tensor *out, rppg_q8_lut *t)
{
    rppg_q8_hard_swish q;
    if (rppg_q8_hard_swish_prepare(in->q.scale[0], (int32_t)in->q.zero_point[0], out->q.scale[0],
                                   (int32_t)out->q.zero_point[0], rounding_of(p), &q))
        return op_fail(c, "scales %g -> %g unsupported (the output scale must be finite and "
                          "at least the input scale / 128)",
                       (double)in->q.scale[0], (double)out->q.scale[0]);
    if (q.reluish_exp > 30 || q.reluish_exp < -31 || q.out_exp < -31)
        return op_fail(c, "input scale %g out of the supported range", (double)in->q.scale[0]);
    for (int v = 0; v < 256; v++)
        t->table[v] = byte_of(rppg_q8_hard_swish_elem(&q, (int8_t)v));
    return 0;
}

/* TANH and LOGISTIC: gemmlowp fixed point on the input rescaled to Q4.27 */
static int fill_sigmoidal(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in,
                          const rq_tfl_tensor *out, rppg_q8_lut *t)
{
    const int logistic = c->op->code == RQ_TFL_OP_LOGISTIC;
    rppg_q8_sigmoidal q;
    int e;
    if (logistic && out->q.zero_point[0] != -128)
        return op_fail(c, "output zero point must be -128 (scale 1/256)");
    (void)frexp((double)in->q.scale[0] * (double)(1 << 27), &e);
    if (e < 1 || e > 30)
        return op_fail(c, "input scale %g out of the supported range", (double)in->q.scale[0]);
    rppg_q8_sigmoidal_prepare(in->q.scale[0], (int32_t)in->q.zero_point[0], rounding_of(p), &q);
    for (int v = 0; v < 256; v++)
        t->table[v] = byte_of(logistic ? rppg_q8_logistic_elem(&q, (int8_t)v)
                                       : rppg_q8_tanh_elem(&q, (int8_t)v));
    return 0;
}

static int prepare_unary_f32(prep_ctx *c, prep_op *p, const rq_tfl_tensor *out)
{
    rppg_f32_unary *f;
    if (out->type != RQ_TFL_FLOAT32)
        return op_fail(c, "output %s must be FLOAT32 like the input", out->name);
    if (!(f = calloc(1, sizeof *f)))
        return op_fail(c, "out of memory");
    p->state = f;
    switch ((int)c->op->code) {
    case RQ_TFL_OP_RELU: f->kind = RPPG_F32_RELU; break;
    case RQ_TFL_OP_RELU6: f->kind = RPPG_F32_RELU6; break;
    case RQ_TFL_OP_LEAKY_RELU: f->kind = RPPG_F32_LEAKY_RELU; break;
    case RQ_TFL_OP_HARD_SWISH: f->kind = RPPG_F32_HARD_SWISH; break;
    default: return op_fail(c, "FLOAT32 input not supported (int8 only)");
    }
    f->alpha = c->op->opt.alpha;
    p->run = run_unary_f32;
    return 0;
}

int prepare_unary(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    p->count = (size_t)rq_tfl_num_elements(in);
    if (in->type == RQ_TFL_FLOAT32)
        return prepare_unary_f32(c, p, out);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    rppg_q8_lut *t = calloc(1, sizeof *t);
    if (!t)
        return op_fail(c, "out of memory");
    p->state = t;
    p->run = run_lut;
    switch ((int)c->op->code) {
    case RQ_TFL_OP_RELU: return fill_relu(c, p, in, out, t);
    case RQ_TFL_OP_RELU6: return fill_relu6(in, t);
    case RQ_TFL_OP_LEAKY_RELU: return fill_leaky(c, p, in, out, t);
    case RQ_TFL_OP_HARD_SWISH: return fill_hard_swish(c, p, in, out, t);
    default: return fill_sigmoidal(c, p, in, out, t);
    }
}

/* QUANTIZE between uint8 and int8 (and either to itself): Requantize with the scale ratio
 * (quantize_common.cc), as a table. */
int prepare_quantize_uint8(prep_ctx *c, prep_op *p)
{
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_quant8(c, in, "input") || check_quant8(c, out, "output"))
        return -1;
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    rppg_q8_requant_clamp q = {0};
    q.in_zp = (int32_t)in->q.zero_point[0];
    q.out_zp = (int32_t)out->q.zero_point[0];
    q.rounding = rounding_of(p);
    q.lo = out->type == RQ_TFL_UINT8 ? 0 : -128;
    q.hi = out->type == RQ_TFL_UINT8 ? 255 : 127;
    if (op_multiplier(c, p, (double)in->q.scale[0] / (double)out->q.scale[0], "scale ratio",
                      &q.mult, &q.shift))
        return -1;
    rppg_q8_lut *t = calloc(1, sizeof *t);
    if (!t)
        return op_fail(c, "out of memory");
    p->state = t;
    for (int v = 0; v < 256; v++)
        t->table[v] = byte_of(rppg_q8_requant_clamp_elem(&q, value_of((uint8_t)v, in->type)));
    p->count = (size_t)rq_tfl_num_elements(in);
    p->run = run_lut;
    return 0;
}
