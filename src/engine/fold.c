/* Prepare-time constant folding of shape computations. The converter leaves, for Keras'
 * Flatten and Reshape, int32 chains such as SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE:
 * every value in them is known once shapes are (the engine has no dynamic shapes). Each
 * operator whose outputs are all integer tensors and whose inputs are all constant (SHAPE:
 * any input) is prepared and run once here, with the same kernels as at run time, and its
 * outputs become constants of the engine's view of the model. The operator then does
 * nothing at run time, and operators that need a constant operand (RESHAPE's shape,
 * STRIDED_SLICE's begin/end/strides, ...) see one. */
#include <stdlib.h>
#include <string.h>

#include "engine/fold.h"

/* Folding is for small integer tensors; anything larger runs as an operator. */
#define MAX_FOLD_BYTES ((size_t)1 << 20)

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static int foldable(const rq_tfl_model *em, const rq_tfl_op *op)
{
    if (!rq_engine_prepare_fn(op->code) || op->n_outputs < 1)
        return 0;
    for (int k = 0; k < op->n_outputs; k++) {
        int type = em->tensors[op->outputs[k]].type;
        if (type != RQ_TFL_INT32 && type != RQ_TFL_INT64)
            return 0;
    }
    for (int k = 0; k < op->n_inputs; k++) {
        int32_t t = op->inputs[k];
        if (t >= 0 && !em->tensors[t].data && !(op->code == RQ_TFL_OP_SHAPE && k == 0))
            return 0;
    }
    return 1;
}

/* Prepares operator i on em, runs it on a private arena and makes its outputs constants.
 * Returns 0 (also when it is too large to fold) or -1 with the prepare error. */
static int fold_op(rq_tfl_model *em, int i, int single, rq_error *err)
{
    const rq_tfl_op *op = &em->ops[i];
    prep_ctx c = {em, i, op, err, 0};
    prep_op p;
    memset(&p, 0, sizeof p);
    p.single = single;
    if (rq_engine_prepare_fn(op->code)(&c, &p)) {
        rq_prep_op_release(&p);
        return -1;
    }
    size_t total = 0, off[RQ_TFL_MAX_OP_IO];
    for (int k = 0; k < op->n_outputs; k++) {
        const rq_tfl_tensor *t = &em->tensors[op->outputs[k]];
        off[k] = total;
        total += align64((size_t)rq_tfl_num_elements(t) * rq_tfl_type_size(t->type));
    }
    uint8_t *arena = total + c.tmp_need <= MAX_FOLD_BYTES
                         ? aligned_alloc(64, align64(total + c.tmp_need) + 64)
                         : NULL;
    if (!arena) { /* too large (or no memory): it stays a run-time operator */
        rq_prep_op_release(&p);
        return 0;
    }
    memset(arena, 0, align64(total + c.tmp_need) + 64);
    p.n_ins = op->n_inputs;
    p.n_outs = op->n_outputs;
    for (int k = 0; k < op->n_inputs; k++)
        if (op->inputs[k] >= 0) /* SHAPE's input is never read: point it anywhere */
            p.ins[k].fixed = em->tensors[op->inputs[k]].data ? em->tensors[op->inputs[k]].data
                                                             : arena;
    for (int k = 0; k < op->n_outputs; k++)
        p.outs[k].off = off[k];
    p.in = p.ins[0];
    p.out = p.outs[0];
    p.tmp_off = total;
    p.run(&p, arena);
    int rc = 0;
    for (int k = 0; k < op->n_outputs && !rc; k++) {
        rq_tfl_tensor *t = &em->tensors[op->outputs[k]];
        size_t n = (size_t)rq_tfl_num_elements(t) * rq_tfl_type_size(t->type);
        uint8_t *d = malloc(n ? n : 1);
        if (!d) {
            rc = rq_fail(err, "model: out of memory");
            break;
        }
        memcpy(d, arena + off[k], n);
        t->data = d;
        t->data_len = n;
    }
    free(arena);
    rq_prep_op_release(&p);
    return rc;
}

int rq_fold_constants(const rq_tfl_model *m, int single, rq_tfl_model **out, rq_error *err)
{
    *out = NULL;
    rq_tfl_model *em = malloc(sizeof *em);
    rq_tfl_tensor *tensors = malloc(sizeof *tensors * ((size_t)m->n_tensors + 1));
    if (!em || !tensors) {
        free(em);
        free(tensors);
        return rq_fail(err, "model: out of memory");
    }
    *em = *m;
    if (m->n_tensors)
        memcpy(tensors, m->tensors, sizeof *tensors * (size_t)m->n_tensors);
    em->tensors = tensors;
    for (int i = 0; i < m->n_ops; i++)
        if (foldable(em, &em->ops[i]) && fold_op(em, i, single, err)) {
            rq_fold_free(m, em);
            return -1;
        }
    *out = em;
    return 0;
}

int rq_fold_is_folded(const rq_tfl_model *m, const rq_tfl_model *em, int op)
{
    const rq_tfl_op *o = &m->ops[op];
    for (int k = 0; k < o->n_outputs; k++)
        if (!em->tensors[o->outputs[k]].data || m->tensors[o->outputs[k]].data)
            return 0;
    return o->n_outputs > 0;
}

void rq_fold_free(const rq_tfl_model *m, rq_tfl_model *em)
{
    if (!em)
        return;
    for (int t = 0; t < m->n_tensors; t++)
        if (em->tensors[t].data != m->tensors[t].data)
            free(em->tensors[t].data);
    free(em->tensors);
    free(em);
}
