/* SUM and REDUCE_MAX over a constant set of axes (int8), ARG_MAX over one axis (int8 or
 * float32 input):
 * TFLite Micro's reduce_common.cc / arg_min_max.cc; the runs are the MCU runtime's. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "int8_ops.h"

typedef struct reduce_state {
    rppg_q8_reduce r;
    rppg_q8_arg_max a;
} reduce_state;

static void run_sum(const prep_op *p, uint8_t *arena)
{
    const reduce_state *s = p->state;
    rppg_q8_reduce_sum_run(&s->r, (const int8_t *)cptr(&p->in, arena),
                           (int8_t *)mptr(&p->out, arena), (int32_t *)(void *)(arena + p->tmp_off));
}

static void run_reduce_max(const prep_op *p, uint8_t *arena)
{
    const reduce_state *s = p->state;
    rppg_q8_reduce_max_run(&s->r, (const int8_t *)cptr(&p->in, arena),
                           (int8_t *)mptr(&p->out, arena));
}

static void run_arg_max(const prep_op *p, uint8_t *arena)
{
    const reduce_state *s = p->state;
    rppg_q8_arg_max_run(&s->a, cptr(&p->in, arena), mptr(&p->out, arena));
}

const rppg_q8_reduce *reduce_export(const prep_op *p, int *is_sum)
{
    *is_sum = p->run == run_sum;
    return p->run == run_sum || p->run == run_reduce_max ? &((const reduce_state *)p->state)->r
                                                         : NULL;
}

static int prepare_reduction_shape(prep_ctx *c, const rq_tfl_tensor *in, const rq_tfl_tensor *out,
                                   rppg_q8_reduce *r)
{
    int reduced[RQ_TFL_MAX_DIMS] = {0};
    if (in->rank > RPPG_Q8_MAX_RANK)
        return op_fail(c, "rank %d above %d", in->rank, RPPG_Q8_MAX_RANK);
    if (reduce_axes(c, in, reduced, INT32_MAX) < 0)
        return -1;
    int64_t stride = 1, n_reduce = 1;
    r->rank = in->rank;
    for (int d = in->rank - 1; d >= 0; d--) {
        r->in_dims[d] = in->shape[d];
        r->out_stride[d] = reduced[d] ? 0 : (int32_t)stride;
        if (reduced[d])
            n_reduce *= in->shape[d];
        else
            stride *= in->shape[d];
    }
    if (rq_tfl_num_elements(out) != stride)
        return op_fail(c, "output has %lld elements, the reduction gives %lld",
                       (long long)rq_tfl_num_elements(out), (long long)stride);
    if (n_reduce == 0 || stride == 0 || n_reduce > (1 << 23))
        return op_fail(c, "%lld reduced elements into %lld outputs", (long long)n_reduce,
                       (long long)stride);
    r->n_out = (int32_t)stride;
    r->n_reduce = (int32_t)n_reduce;
    return 0;
}

int prepare_reduce(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    reduce_state *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    rppg_q8_reduce *r = &s->r;
    if (prepare_reduction_shape(c, in, out, r))
        return -1;
    if (c->op->code == RQ_TFL_OP_REDUCE_MAX) {
        if (in->q.scale[0] != out->q.scale[0] || in->q.zero_point[0] != out->q.zero_point[0])
            return op_fail(c, "input and output quantization differ (TFLite requires equal)");
        p->run = run_reduce_max;
        return 0;
    }
    r->in_zp = (int32_t)in->q.zero_point[0];
    r->out_zp = (int32_t)out->q.zero_point[0];
    r->rounding = p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
    if (op_multiplier(c, p, (double)in->q.scale[0] / (double)out->q.scale[0], "scale ratio",
                      &r->mult, &r->shift))
        return -1;
    c->tmp_need = sizeof(int32_t) * (size_t)r->n_out;
    p->run = run_sum;
    return 0;
}

int prepare_arg_max(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (in->type != RQ_TFL_INT8 && in->type != RQ_TFL_FLOAT32)
        return op_fail(c, "input %s has type %s, INT8 or FLOAT32 needed", in->name,
                       rq_tfl_type_name(in->type));
    if (out->type != RQ_TFL_INT32 && out->type != RQ_TFL_INT64)
        return op_fail(c, "output %s has type %s, INT32 or INT64 needed", out->name,
                       rq_tfl_type_name(out->type));
    int reduced[RQ_TFL_MAX_DIMS] = {0};
    if (in->rank < 1)
        return op_fail(c, "input must have rank >= 1");
    int n = reduce_axes(c, in, reduced, 1);
    if (n < 0)
        return -1;
    if (n != 1)
        return op_fail(c, "needs exactly one axis (has %d)", n);
    reduce_state *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    int axis = 0;
    while (!reduced[axis])
        axis++;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < in->rank; d++)
        if (d < axis)
            outer *= in->shape[d];
        else if (d > axis)
            inner *= in->shape[d];
    if (in->shape[axis] < 1 || rq_tfl_num_elements(out) != outer * inner)
        return op_fail(c, "output has %lld elements, expected %lld (axis %d of size %d)",
                       (long long)rq_tfl_num_elements(out), (long long)(outer * inner), axis,
                       (int)in->shape[axis]);
    s->a.outer = (int32_t)outer;
    s->a.inner = (int32_t)inner;
    s->a.axis_size = in->shape[axis];
    s->a.out_int64 = out->type == RQ_TFL_INT64;
    s->a.in_f32 = in->type == RQ_TFL_FLOAT32;
    p->run = run_arg_max;
    return 0;
}
