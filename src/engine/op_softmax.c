/* SOFTMAX on int8 over the last dimension: output scale 1/256, zero point -128, TFLite
 * Micro's gemmlowp recipe (softmax_common.cc, reference/softmax.h); the run is the MCU
 * runtime's rppg_q8_softmax_run. */
#include <stdlib.h>

#include "engine/engine_internal.h"
#include "int8_ops.h"

/* the Q12.19 sum of exps holds up to 4095 times exp(0) */
#define MAX_SOFTMAX_DEPTH 4095

static void run_softmax(const prep_op *p, uint8_t *arena)
{
    rppg_q8_softmax_run(p->state, (const int8_t *)cptr(&p->in, arena),
                        (int8_t *)mptr(&p->out, arena));
}

const rppg_q8_softmax *softmax_export(const prep_op *p)
{
    return p->run == run_softmax ? p->state : NULL;
}

int prepare_softmax(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (out->q.zero_point[0] != -128 || out->q.scale[0] != 1.0f / 256)
        return op_fail(c, "output %s must have scale 1/256 and zero point -128 (has %g, %lld)",
                       out->name, (double)out->q.scale[0], (long long)out->q.zero_point[0]);
    if (in->rank < 1 || rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output must have the same elements, rank >= 1");
    int32_t depth = in->shape[in->rank - 1];
    int64_t n = rq_tfl_num_elements(in);
    if (depth < 1 || depth > MAX_SOFTMAX_DEPTH)
        return op_fail(c, "last dimension %d outside 1..%d", (int)depth, MAX_SOFTMAX_DEPTH);
    rppg_q8_softmax *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    if (rppg_q8_softmax_prepare((double)c->op->opt.beta, in->q.scale[0], (int32_t)(n / depth),
                                depth, p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE, s))
        return op_fail(c, "beta %g times input scale %g is too small (needs > 2^-26)",
                       (double)c->op->opt.beta, (double)in->q.scale[0]);
    p->run = run_softmax;
    return 0;
}
