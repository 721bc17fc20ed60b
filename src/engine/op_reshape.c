/* RESHAPE (and any op that only relabels a tensor's shape): a byte copy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

static void run_copy(const prep_op *p, uint8_t *arena)
{
    memcpy(mptr(&p->out, arena), cptr(&p->in, arena), p->count);
}

/* The shape input (often the end of a SHAPE -> STRIDED_SLICE -> PACK chain, folded to a
 * constant at prepare) must be constant and say the output's shape (one -1 standing for
 * what the other dimensions leave). */
static int check_shape_input(prep_ctx *c, const rq_tfl_tensor *out)
{
    const rq_tfl_tensor *shape = input_tensor(c, 1);
    if (!shape)
        return 0;
    if (shape->type != RQ_TFL_INT32)
        return op_fail(c, "shape tensor %s has type %s, INT32 needed", shape->name,
                       rq_tfl_type_name(shape->type));
    if (!shape->data)
        return op_fail(c, "shape tensor %s is computed at run time and does not fold to a "
                          "constant at prepare (the engine has no dynamic shapes)",
                       shape->name);
    int64_t n = rq_tfl_num_elements(shape);
    if (shape->rank > 1 || n != out->rank)
        return op_fail(c, "shape tensor %s has %lld values, output %s has rank %d",
                       shape->name, (long long)n, out->name, out->rank);
    for (int64_t i = 0; i < n; i++) {
        int32_t v;
        memcpy(&v, shape->data + 4 * i, 4);
        if (v != out->shape[i] && v != -1)
            return op_fail(c, "shape tensor %s says %d for dimension %lld, output %s has %d",
                           shape->name, (int)v, (long long)i, out->name, (int)out->shape[i]);
    }
    return 0;
}

int prepare_reshape(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (in->type != out->type || rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input %s and output %s differ in type or element count", in->name,
                       out->name);
    if (check_shape_input(c, out))
        return -1;
    p->count = (size_t)rq_tfl_num_elements(in) * rq_tfl_type_size(in->type);
    p->run = run_copy;
    return 0;
}

