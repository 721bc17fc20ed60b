/* Two-input elementwise operators with broadcasting: ADD, SUB, MUL, MAXIMUM, MINIMUM, PRELU
 * (int8 and float32). Prepare does TFLite Micro's
 * quantization math (add_common.cc, sub_common.cc, mul_common.cc, prelu_common.cc); the run
 * is the MCU runtime's rppg_q8_binary_run / rppg_f32_binary_run. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/simd.h"
#include "int8_ops.h"

typedef struct binary_state {
    rppg_q8_bcast g;
    rppg_q8_binary q;
    rppg_f32_binary f;
} binary_state;

static void run_binary_int8(const prep_op *p, uint8_t *arena)
{
    const binary_state *s = p->state;
    rppg_q8_binary_run(&s->q, &s->g, (const int8_t *)cptr(&p->ins[0], arena),
                       (const int8_t *)cptr(&p->ins[1], arena), (int8_t *)mptr(&p->out, arena));
}

static void run_binary_f32(const prep_op *p, uint8_t *arena)
{
    const binary_state *s = p->state;
    rppg_f32_binary_run(&s->f, &s->g, (const float *)(const void *)cptr(&p->ins[0], arena),
                        (const float *)(const void *)cptr(&p->ins[1], arena),
                        (float *)(void *)mptr(&p->out, arena));
}

/* ADD of two same-shape tensors on the host SIMD kernel (engine/simd.h). */
static void run_add_simd(const prep_op *p, uint8_t *arena)
{
    simd_add_run(p->kernel, (const int8_t *)cptr(&p->ins[0], arena),
                 (const int8_t *)cptr(&p->ins[1], arena), (int8_t *)mptr(&p->out, arena),
                 p->count);
}

int binary_export(const prep_op *p, rppg_q8_binary *q, rppg_q8_bcast *g)
{
    if (p->run != run_binary_int8 && p->run != run_add_simd)
        return -1;
    const binary_state *s = p->state;
    *q = s->q;
    *g = s->g;
    return 0;
}

static rppg_q8_binary_kind kind_of(int code)
{
    switch (code) {
    case RQ_TFL_OP_ADD: return RPPG_Q8_ADD;
    case RQ_TFL_OP_SUB: return RPPG_Q8_SUB;
    case RQ_TFL_OP_MUL: return RPPG_Q8_MUL;
    case RQ_TFL_OP_MAXIMUM: return RPPG_Q8_MAXIMUM;
    case RQ_TFL_OP_MINIMUM: return RPPG_Q8_MINIMUM;
    default: return RPPG_Q8_PRELU;
    }
}

static int has_fused_activation(int code)
{
    return code == RQ_TFL_OP_ADD || code == RQ_TFL_OP_SUB || code == RQ_TFL_OP_MUL;
}

/* The output must have exactly the broadcast shape of the inputs. */
static int check_broadcast(prep_ctx *c, const rq_tfl_tensor *a, const rq_tfl_tensor *b,
                           const rq_tfl_tensor *out, rppg_q8_bcast *g)
{
    int32_t shape[RPPG_Q8_MAX_RANK];
    int bad, rank = a->rank > b->rank ? a->rank : b->rank;
    char sa[96], sb[96], so[96];
    /* the runtime's loop sizes are int32: refuse before it multiplies them (fuzz_engine) */
    int64_t elems = 1;
    for (int i = 1; i <= rank; i++) {
        int64_t da = i <= a->rank ? a->shape[a->rank - i] : 1;
        int64_t db = i <= b->rank ? b->shape[b->rank - i] : 1;
        elems *= da > db ? da : db;
        if (elems > INT32_MAX)
            return op_fail(c, "input shapes %s and %s broadcast to more than 2^31 elements",
                           shape_str(a, sa, sizeof sa), shape_str(b, sb, sizeof sb));
    }
    if (rppg_q8_bcast_prepare(a->rank, a->shape, b->rank, b->shape, g, shape, &bad))
        return op_fail(c, "input shapes %s and %s do not broadcast (dimension %d)",
                       shape_str(a, sa, sizeof sa), shape_str(b, sb, sizeof sb), bad);
    int same = out->rank == rank;
    for (int i = 0; same && i < rank; i++)
        same = out->shape[i] == shape[i];
    if (!same)
        return op_fail(c, "output shape %s is not the broadcast of %s and %s",
                       shape_str(out, so, sizeof so), shape_str(a, sa, sizeof sa),
                       shape_str(b, sb, sizeof sb));
    return 0;
}

/* ADD and SUB: both inputs rescaled to twice the larger input scale, shifted left by 20.
 * ADD computes the ratios in double, SUB in float (as the two TFLM prepares do). */
static int prepare_add_sub(prep_ctx *c, prep_op *p, rppg_q8_binary *q, float s1, float s2,
                           float so)
{
    double r1, r2, ro;
    q->left_shift = 20;
    if (c->op->code == RQ_TFL_OP_ADD) {
        const double twice_max = 2 * (double)(s1 > s2 ? s1 : s2);
        r1 = (double)s1 / twice_max;
        r2 = (double)s2 / twice_max;
        ro = twice_max / ((1 << 20) * (double)so);
    } else {
        const float twice_max = 2 * (s1 > s2 ? s1 : s2);
        r1 = (double)(s1 / twice_max);
        r2 = (double)(s2 / twice_max);
        ro = (double)(twice_max / ((1 << 20) * so));
    }
    /* QuantizeMultiplierSmallerThanOneExp: TFLM stops on a ratio >= 1 */
    if (!(ro < 1.0) || !(r1 > 0) || !(r2 > 0))
        return op_fail(c, "output scale %g is too small for input scales %g and %g "
                          "(rescale %g >= 1)", (double)so, (double)s1, (double)s2, ro);
    return op_multiplier(c, p, r1, "input 0", &q->a_mult, &q->a_shift) ||
           op_multiplier(c, p, r2, "input 1", &q->b_mult, &q->b_shift) ||
           op_multiplier(c, p, ro, "output", &q->out_mult, &q->out_shift);
}

static int prepare_int8(prep_ctx *c, prep_op *p, binary_state *s, const rq_tfl_tensor *a,
                        const rq_tfl_tensor *b, const rq_tfl_tensor *out)
{
    rppg_q8_binary *q = &s->q;
    if (check_activation(c, a, "input") || check_activation(c, b, "input") ||
        check_activation(c, out, "output"))
        return -1;
    const float s1 = a->q.scale[0], s2 = b->q.scale[0], so = out->q.scale[0];
    q->kind = kind_of(c->op->code);
    q->rounding = p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
    q->a_offset = -(int32_t)a->q.zero_point[0];
    q->b_offset = -(int32_t)b->q.zero_point[0];
    q->out_offset = (int32_t)out->q.zero_point[0];
    q->act_min = -128;
    q->act_max = 127;
    if (has_fused_activation(c->op->code) &&
        activation_range(c, out, c->op->opt.activation, &q->act_min, &q->act_max))
        return -1;
    switch (q->kind) {
    case RPPG_Q8_ADD:
    case RPPG_Q8_SUB:
        return prepare_add_sub(c, p, q, s1, s2, so);
    case RPPG_Q8_MUL:
        return op_multiplier(c, p, (double)s1 * (double)s2 / (double)so, "product",
                             &q->out_mult, &q->out_shift);
    case RPPG_Q8_PRELU:
        return op_multiplier(c, p, (double)s1 / (double)so, "identity", &q->a_mult,
                             &q->a_shift) ||
               op_multiplier(c, p, (double)s1 * (double)s2 / (double)so, "alpha", &q->out_mult,
                             &q->out_shift);
    default:
        return 0; /* MAXIMUM / MINIMUM compare the raw values */
    }
}

/* CalculateActivationRange for float outputs; MAXIMUM, MINIMUM and PRELU do not clamp. */
static int prepare_f32(prep_ctx *c, binary_state *s)
{
    s->f.kind = kind_of(c->op->code);
    s->f.act_min = -INFINITY;
    s->f.act_max = INFINITY;
    if (!has_fused_activation(c->op->code))
        return 0;
    s->f.act_min = -FLT_MAX;
    s->f.act_max = FLT_MAX;
    switch (c->op->opt.activation) {
    case RQ_TFL_ACT_NONE: return 0;
    case RQ_TFL_ACT_RELU: s->f.act_min = 0; return 0;
    case RQ_TFL_ACT_RELU6: s->f.act_min = 0; s->f.act_max = 6; return 0;
    case RQ_TFL_ACT_RELU_N1_TO_1: s->f.act_min = -1; s->f.act_max = 1; return 0;
    default: return op_fail(c, "fused activation %d not supported", (int)c->op->opt.activation);
    }
}

static int same_shape(const rq_tfl_tensor *a, const rq_tfl_tensor *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->shape[i] != b->shape[i])
            return 0;
    return 1;
}

/* Broadcasting ADDs keep the portable loops. */
static int prepare_add_simd(prep_ctx *c, prep_op *p, const binary_state *bs,
                            const rq_tfl_tensor *a, const rq_tfl_tensor *b)
{
    if (!same_shape(a, b))
        return 0;
    const rppg_q8_binary *q = &bs->q;
    simd_add *s = malloc(sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    *s = (simd_add){p->simd, p->single, q->a_offset, q->b_offset, q->out_offset, q->left_shift,
                    q->a_mult, q->a_shift, q->b_mult, q->b_shift, q->out_mult, q->out_shift,
                    q->act_min, q->act_max};
    p->kernel = s;
    p->kernel_free = free;
    p->count = (size_t)rq_tfl_num_elements(a);
    p->run = run_add_simd;
    return 0;
}

int prepare_binary(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *a = input_tensor(c, 0), *b = input_tensor(c, 1), *out = output_tensor(c);
    binary_state *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    if (check_broadcast(c, a, b, out, &s->g))
        return -1;
    if (a->type == RQ_TFL_FLOAT32 && b->type == RQ_TFL_FLOAT32 && out->type == RQ_TFL_FLOAT32) {
        p->run = run_binary_f32;
        return prepare_f32(c, s);
    }
    p->run = run_binary_int8;
    if (prepare_int8(c, p, s, a, b, out))
        return -1;
    return s->q.kind == RPPG_Q8_ADD && p->simd != RQ_SIMD_OFF ? prepare_add_simd(c, p, s, a, b)
                                                             : 0;
}
