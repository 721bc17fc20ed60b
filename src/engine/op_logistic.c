/* LOGISTIC on int8: gemmlowp fixed-point logistic, output scale 1/256 zero point -128. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

static void run_logistic(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    for (size_t i = 0; i < p->count; i++)
        out[i] = rq_logistic_int8(in[i] - p->in_zp, p->m1, p->s1, p->radius, p->single);
}

int prepare_logistic(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    if (out->q.zero_point[0] != -128)
        return op_fail(c, "output zero point must be -128 (scale 1/256)");
    if (rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input and output differ in element count");
    int e;
    (void)frexp((double)in->q.scale[0] * (double)(1 << 27), &e);
    if (e < 1 || e > 30)
        return op_fail(c, "input scale %g out of the supported range", in->q.scale[0]);
    p->count = (size_t)rq_tfl_num_elements(in);
    p->in_zp = (int32_t)in->q.zero_point[0];
    rq_logistic_prepare(in->q.scale[0], &p->m1, &p->s1, &p->radius);
    p->run = run_logistic;
    return 0;
}

