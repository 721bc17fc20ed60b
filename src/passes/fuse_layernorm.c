/* LayerNorm as PyTorch's exporter writes it below opset 17 -> one LayerNormalization node. */
#include <stdio.h>
#include <string.h>

#include "passes/passes.h"

/* producer of t if it is the op (op_type for ops the IR does not list), else -1 */
static int producer_is(const rq_ir_graph *g, int t, rq_ir_op op, const char *op_type)
{
    if (t < 0 || rq_ir_is_const(g, t))
        return -1;
    int p = g->tensors[t].producer;
    if (p < 0 || g->nodes[p].op != op || (op_type && strcmp(g->nodes[p].op_type, op_type)))
        return -1;
    return p;
}

static int only_readers(const rq_ir_graph *g, int t, int n)
{
    return !rq_ir_is_output(g, t) && rq_ir_consumers(g, t, NULL, 0) == n;
}

/* a constant float scalar (any shape of one element) */
static int scalar_const(const rq_ir_graph *g, int t, float *v)
{
    if (!rq_ir_is_const(g, t) || g->tensors[t].dtype != RQ_IR_F32 ||
        rq_ir_numel(&g->tensors[t]) != 1)
        return 0;
    *v = *(const float *)g->tensors[t].data;
    return 1;
}

/* ReduceMean over the last axis only, keeping it */
static int mean_last_axis(const rq_ir_graph *g, int node, int rank)
{
    int64_t axes[RQ_IR_MAX_DIMS];
    const rq_ir_node *n = &g->nodes[node];
    int na = rq_ir_ints_arg(g, n, "axes", 1, axes, RQ_IR_MAX_DIMS);
    return na == 1 && (axes[0] == -1 || axes[0] == rank - 1) && rq_ir_attr_int(n, "keepdims", 1);
}

/* the operand of binary node `node` that is not t (-1 if t is not an operand) */
static int other_input(const rq_ir_node *n, int t)
{
    return n->in[0] == t ? n->in[1] : n->in[1] == t ? n->in[0] : -1;
}

/* y = Add(Mul(Div(Sub(x, mean(x)), Sqrt(Add(mean(Pow(Sub, 2)), eps))), gamma), beta) */
static int fuse_at(rq_ir_graph *g, int add_beta, rq_error *err)
{
    rq_ir_node *nb = &g->nodes[add_beta];
    for (int k = 0; k < 2; k++) {
        int beta = nb->in[1 - k], mul = producer_is(g, nb->in[k], RQ_IR_OP_MUL, NULL);
        if (mul < 0 || !rq_ir_is_const(g, beta) || !only_readers(g, nb->in[k], 1))
            continue;
        const rq_ir_node *nm = &g->nodes[mul];
        for (int j = 0; j < 2; j++) {
            int gamma = nm->in[1 - j], div = producer_is(g, nm->in[j], RQ_IR_OP_DIV, NULL);
            if (div < 0 || !rq_ir_is_const(g, gamma) || !only_readers(g, nm->in[j], 1))
                continue;
            const rq_ir_node *nd = &g->nodes[div];
            int d = nd->in[0], sq = producer_is(g, nd->in[1], RQ_IR_OP_OTHER, "Sqrt");
            int sub = producer_is(g, d, RQ_IR_OP_SUB, NULL);
            if (sq < 0 || sub < 0 || !only_readers(g, nd->in[1], 1) || !only_readers(g, d, 2))
                continue;
            int x = g->nodes[sub].in[0], rank = g->tensors[x].rank;
            int m1 = producer_is(g, g->nodes[sub].in[1], RQ_IR_OP_REDUCE_MEAN, NULL);
            if (m1 < 0 || g->nodes[m1].in[0] != x || !mean_last_axis(g, m1, rank) ||
                !only_readers(g, g->nodes[sub].in[1], 1))
                continue;
            int ae = producer_is(g, g->nodes[sq].in[0], RQ_IR_OP_ADD, NULL);
            if (ae < 0 || !only_readers(g, g->nodes[sq].in[0], 1))
                continue;
            float eps, two;
            int v = -1;
            for (int e = 0; e < 2 && v < 0; e++)
                if (scalar_const(g, g->nodes[ae].in[1 - e], &eps))
                    v = g->nodes[ae].in[e];
            int m2 = producer_is(g, v, RQ_IR_OP_REDUCE_MEAN, NULL);
            if (m2 < 0 || !mean_last_axis(g, m2, rank) || !only_readers(g, v, 1))
                continue;
            int pw = producer_is(g, g->nodes[m2].in[0], RQ_IR_OP_OTHER, "Pow");
            if (pw < 0 || g->nodes[pw].in[0] != d || !scalar_const(g, g->nodes[pw].in[1], &two) ||
                two != 2.0f || !only_readers(g, g->nodes[m2].in[0], 1))
                continue;
            int64_t last = rank > 0 ? g->tensors[x].shape[rank - 1] : -1;
            if (rq_ir_numel(&g->tensors[gamma]) != last || rq_ir_numel(&g->tensors[beta]) != last ||
                other_input(nm, nm->in[j]) != gamma)
                continue;
            char name[300];
            snprintf(name, sizeof name, "%.250s/layernorm", nb->name);
            int y = nb->out[0];
            int dead[9] = {add_beta, mul, div, sq, sub, m1, ae, m2, pw};
            for (int q = 0; q < 9; q++)
                g->nodes[dead[q]].op = RQ_IR_OP_COUNT;
            int ln = rq_ir_add_node(g, RQ_IR_OP_OTHER, "LayerNormalization", name, 3,
                                    (int[]){x, gamma, beta}, 1, &y, err);
            if (ln < 0 || rq_ir_add_attr_int(g, ln, "axis", -1, err) < 0 ||
                rq_ir_add_attr_float(g, ln, "epsilon", eps, err) < 0)
                return -1;
            return 1;
        }
    }
    return 0;
}

int rq_pass_fuse_layernorm(rq_ir_graph *g, rq_error *err)
{
    int n0 = g->n_nodes, fused = 0;
    for (int i = 0; i < n0; i++) {
        if (g->nodes[i].op != RQ_IR_OP_ADD)
            continue;
        int r = fuse_at(g, i, err);
        if (r < 0)
            return -1;
        fused += r;
    }
    if (!fused)
        return 0;
    rq_ir_compact(g);
    return rq_ir_toposort(g, err) < 0 ? -1 : rq_ir_infer_shapes(g, err);
}
