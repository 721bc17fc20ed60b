/* Constant folding with the float executor's kernels. */
#include "passes/passes.h"

#include <stdlib.h>

#include "ir/ir_exec.h"

static int foldable(const rq_ir_graph *g, const rq_ir_node *n)
{
    /* pools cost output x window, unbounded by the file's size: never folded */
    if (n->op == RQ_IR_OP_OTHER || n->op == RQ_IR_OP_MAX_POOL || n->op == RQ_IR_OP_AVG_POOL ||
        n->n_out < 1 || n->out[0] < 0)
        return 0;
    if (n->op == RQ_IR_OP_SHAPE)
        return n->in[0] >= 0 && g->tensors[n->in[0]].rank >= 0;
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && !g->tensors[n->in[k]].data)
            return 0;
    return 1;
}

/* Folding runs while a file is read (inspect too): a small file must not buy a large
 * constant or a long computation. */
#define FOLD_MAX_ELEMS ((int64_t)1 << 22)
#define FOLD_MAX_MACS ((int64_t)1 << 28)

static int fold_node(rq_ir_graph *g, int i, rq_error *err)
{
    rq_ir_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0 && rq_ir_numel(&g->tensors[n->out[k]]) > FOLD_MAX_ELEMS)
            return rq_fail(err, "%s: node '%s' (%s) would make a constant of more than %lld "
                           "elements", g->source, n->name, n->op_type, (long long)FOLD_MAX_ELEMS);
    if (rq_ir_node_macs(g, n) > FOLD_MAX_MACS)
        return rq_fail(err, "%s: node '%s' (%s) on constants costs more than %lld "
                       "multiply-adds to fold", g->source, n->name, n->op_type,
                       (long long)FOLD_MAX_MACS);
    const void *in[64];
    void *out[8] = {0};
    if (n->n_in > 64 || n->n_out > 8)
        return 0;
    for (int k = 0; k < n->n_in; k++)
        in[k] = n->in[k] >= 0 ? g->tensors[n->in[k]].data : NULL;
    int rc = -1;
    for (int k = 0; k < n->n_out; k++) {
        int t = n->out[k];
        int64_t cnt = t >= 0 ? rq_ir_numel(&g->tensors[t]) : 0;
        if (t >= 0 && (cnt < 0 || !(out[k] = calloc((size_t)(cnt ? cnt : 1), 8)))) {
            rq_fail(err, "%s: node '%s': cannot fold (shape unknown or out of memory)",
                    g->source, n->name);
            goto done;
        }
    }
    if (rq_ir_eval_node(g, n, in, out, err) < 0)
        goto done;
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0) {
            g->tensors[n->out[k]].data = out[k];
            g->tensors[n->out[k]].producer = -1;
            out[k] = NULL;
        }
    n->op = RQ_IR_OP_COUNT; /* deleted */
    rc = 0;
done:
    for (int k = 0; k < n->n_out; k++)
        free(out[k]);
    return rc;
}

int rq_pass_fold_constants(rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        if (rq_ir_infer_node(g, i, err) < 0)
            return -1;
        if (foldable(g, &g->nodes[i]) && fold_node(g, i, err) < 0)
            return -1;
    }
    rq_ir_compact(g);
    return rq_ir_infer_shapes(g, err);
}
