/* RESHAPE (and any op that only relabels a tensor's shape): a byte copy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

static void run_copy(const prep_op *p, uint8_t *arena)
{
    memcpy(mptr(&p->out, arena), cptr(&p->in, arena), p->count);
}

int prepare_reshape(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (in->type != out->type || rq_tfl_num_elements(in) != rq_tfl_num_elements(out))
        return op_fail(c, "input %s and output %s differ in type or element count", in->name,
                       out->name);
    p->count = (size_t)rq_tfl_num_elements(in) * rq_tfl_type_size(in->type);
    p->run = run_copy;
    return 0;
}

