/* Small rewrites: identities, BatchNorm into Conv, activations into their producer. */
#include "passes/passes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_read.h"

/* Every reader of tensor `from` (and the graph outputs) reads `to` instead. */
static void replace_uses(rq_ir_graph *g, int from, int to)
{
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] == from)
                g->nodes[i].in[k] = to;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == from)
            g->outputs[i] = to;
}

/* The only node reading t (and t no graph output), or -1. */
static int sole_consumer(const rq_ir_graph *g, int t)
{
    int c[2];
    if (rq_ir_is_output(g, t) || rq_ir_consumers(g, t, c, 2) != 1)
        return -1;
    return c[0];
}

int rq_pass_drop_identity(rq_ir_graph *g, rq_error *err)
{
    (void)err;
    for (int i = 0; i < g->n_nodes; i++) {
        rq_ir_node *n = &g->nodes[i];
        if (n->op != RQ_IR_OP_IDENTITY && n->op != RQ_IR_OP_DROPOUT)
            continue;
        int x = n->in[0], y = n->out[0];
        int mask_used = n->op == RQ_IR_OP_DROPOUT && n->n_out > 1 && n->out[1] >= 0 &&
                        (rq_ir_consumers(g, n->out[1], NULL, 0) || rq_ir_is_output(g, n->out[1]));
        /* an output that is a graph input as well would lose its name: keep the node */
        int x_is_input = 0;
        for (int k = 0; k < g->n_inputs; k++)
            x_is_input |= g->inputs[k] == x;
        if (mask_used || x < 0 || y < 0 || (x_is_input && rq_ir_is_output(g, y)))
            continue;
        int p = g->tensors[x].producer;
        if (rq_ir_is_output(g, y) && p >= 0 && sole_consumer(g, x) == i) {
            /* keep the graph output's name: its producer writes it directly */
            for (int k = 0; k < g->nodes[p].n_out; k++)
                if (g->nodes[p].out[k] == x)
                    g->nodes[p].out[k] = y;
        } else {
            replace_uses(g, y, x);
        }
        n->op = RQ_IR_OP_COUNT;
    }
    rq_ir_compact(g);
    return 0;
}

static int fold_one_bn(rq_ir_graph *g, rq_ir_node *conv, rq_ir_node *bn, rq_error *err)
{
    const rq_ir_tensor *w = &g->tensors[conv->in[1]];
    int64_t cout = w->shape[0], per = rq_ir_numel(w) / (cout ? cout : 1);
    const float *sc = g->tensors[bn->in[1]].data, *be = g->tensors[bn->in[2]].data;
    const float *mu = g->tensors[bn->in[3]].data, *var = g->tensors[bn->in[4]].data;
    const float *b = conv->n_in > 2 && conv->in[2] >= 0 ? g->tensors[conv->in[2]].data : NULL;
    float eps = rq_ir_attr_float(bn, "epsilon", 1e-5f);
    float *nw = malloc((size_t)(cout * per) * sizeof(float)), *nb = malloc((size_t)cout * sizeof(float));
    int rc = -1;
    if (!nw || !nb) {
        rq_fail(err, "%s: out of memory", g->source);
        goto done;
    }
    for (int64_t o = 0; o < cout; o++) {
        double a = (double)sc[o] / sqrt((double)var[o] + (double)eps);
        for (int64_t k = 0; k < per; k++)
            nw[o * per + k] = (float)((double)((const float *)w->data)[o * per + k] * a);
        nb[o] = (float)(((b ? (double)b[o] : 0.0) - mu[o]) * a + be[o]);
    }
    char name[300];
    /* adding tensors may move g->tensors: copy what w points at first */
    int64_t wshape[RQ_IR_MAX_DIMS];
    int wrank = w->rank;
    memcpy(wshape, w->shape, sizeof wshape);
    snprintf(name, sizeof name, "%.250s/folded_w", conv->name);
    int tw = rq_ir_add_const(g, name, RQ_IR_F32, wrank, wshape, nw, err);
    snprintf(name, sizeof name, "%.250s/folded_b", conv->name);
    int64_t bs[1] = {cout};
    int tb = tw < 0 ? -1 : rq_ir_add_const(g, name, RQ_IR_F32, 1, bs, nb, err);
    if (tb < 0)
        goto done;
    if (conv->n_in < 3) {
        int *in = realloc(conv->in, 3 * sizeof(int));
        if (!in) {
            rq_fail(err, "%s: out of memory", g->source);
            goto done;
        }
        conv->in = in;
        conv->n_in = 3;
    }
    conv->in[1] = tw, conv->in[2] = tb;
    /* the conv now writes what the BatchNorm wrote */
    int old = conv->out[0];
    conv->out[0] = bn->out[0];
    bn->op = RQ_IR_OP_COUNT;
    (void)old;
    rc = 0;
done:
    free(nw), free(nb);
    return rc;
}

int rq_pass_fold_batchnorm(rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        rq_ir_node *bn = &g->nodes[i];
        if (bn->op != RQ_IR_OP_BATCHNORM || bn->n_in < 5 || bn->in[0] < 0)
            continue;
        int p = g->tensors[bn->in[0]].producer;
        int ok = p >= 0 && g->nodes[p].op == RQ_IR_OP_CONV && g->nodes[p].act == RQ_IR_ACT_NONE &&
                 sole_consumer(g, bn->in[0]) == i && rq_ir_is_const(g, g->nodes[p].in[1]) &&
                 (g->nodes[p].n_in < 3 || g->nodes[p].in[2] < 0 || rq_ir_is_const(g, g->nodes[p].in[2]));
        for (int k = 1; k < 5; k++)
            ok = ok && rq_ir_is_const(g, bn->in[k]) && g->tensors[bn->in[k]].dtype == RQ_IR_F32 &&
                 rq_ir_numel(&g->tensors[bn->in[k]]) == g->tensors[g->nodes[p].in[1]].shape[0];
        if (ok && fold_one_bn(g, &g->nodes[p], bn, err) < 0)
            return -1;
    }
    rq_ir_compact(g);
    return 0;
}

int rq_pass_fuse_activations(rq_ir_graph *g, rq_error *err)
{
    (void)err;
    for (int i = 0; i < g->n_nodes; i++) {
        rq_ir_node *a = &g->nodes[i];
        if (a->op != RQ_IR_OP_RELU && a->op != RQ_IR_OP_CLIP)
            continue;
        int p = a->in[0] >= 0 ? g->tensors[a->in[0]].producer : -1;
        rq_ir_op po = p >= 0 ? g->nodes[p].op : RQ_IR_OP_COUNT;
        if (p < 0 || (po != RQ_IR_OP_CONV && po != RQ_IR_OP_GEMM && po != RQ_IR_OP_ADD &&
                      po != RQ_IR_OP_SUB && po != RQ_IR_OP_MUL) ||
            g->nodes[p].act != RQ_IR_ACT_NONE || sole_consumer(g, a->in[0]) != i)
            continue;
        rq_ir_act act = RQ_IR_ACT_RELU;
        float lo = 0, hi = INFINITY;
        if (a->op == RQ_IR_OP_CLIP) {
            if (rq_ir_float_arg(g, a, "min", 1, -INFINITY, &lo) < 0 ||
                rq_ir_float_arg(g, a, "max", 2, INFINITY, &hi) < 0)
                continue;
            if (lo == 0.0f && hi == 6.0f)
                act = RQ_IR_ACT_RELU6;
            else if (lo == 0.0f && isinf(hi))
                act = RQ_IR_ACT_RELU;
            else if (lo == -1.0f && hi == 1.0f)
                act = RQ_IR_ACT_CLIP;
            else
                continue;
        }
        rq_ir_node *pn = &g->nodes[p];
        pn->act = act, pn->act_lo = lo, pn->act_hi = hi;
        pn->out[0] = a->out[0];
        a->op = RQ_IR_OP_COUNT;
    }
    rq_ir_compact(g);
    return 0;
}

int rq_pass_matmul_add_to_gemm(rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        rq_ir_node *a = &g->nodes[i];
        if (a->op != RQ_IR_OP_ADD || a->n_in != 2 || a->act != RQ_IR_ACT_NONE)
            continue;
        for (int k = 0; k < 2; k++) {
            int m = a->in[k] >= 0 ? g->tensors[a->in[k]].producer : -1, c = a->in[1 - k];
            if (m < 0 || g->nodes[m].op != RQ_IR_OP_MATMUL || sole_consumer(g, a->in[k]) != i)
                continue;
            const rq_ir_tensor *x = &g->tensors[g->nodes[m].in[0]], *w = &g->tensors[g->nodes[m].in[1]];
            const rq_ir_tensor *b = &g->tensors[c];
            if (x->rank != 2 || w->rank != 2 || !w->data || !b->data || b->dtype != RQ_IR_F32 ||
                rq_ir_numel(b) != w->shape[1] || (b->rank == 2 && b->shape[0] != 1) || b->rank > 2)
                continue;
            rq_ir_node *mm = &g->nodes[m];
            int *in = realloc(mm->in, 3 * sizeof(int));
            if (!in)
                return rq_fail(err, "%s: out of memory", g->source);
            mm->in = in;
            mm->in[2] = c;
            mm->n_in = 3;
            mm->op = RQ_IR_OP_GEMM;
            free(mm->op_type);
            if (!(mm->op_type = strdup("Gemm")))
                return rq_fail(err, "%s: out of memory", g->source);
            mm->out[0] = a->out[0];
            a->op = RQ_IR_OP_COUNT;
            break;
        }
    }
    rq_ir_compact(g);
    return 0;
}

int rq_passes_canonicalize(rq_ir_graph *g, rq_error *err)
{
    if (rq_pass_fold_constants(g, err) < 0 || rq_pass_drop_identity(g, err) < 0 ||
        rq_pass_matmul_add_to_gemm(g, err) < 0 ||
        rq_pass_fold_batchnorm(g, err) < 0 || rq_pass_fuse_activations(g, err) < 0)
        return -1;
    return rq_ir_infer_shapes(g, err);
}

/* x * HardSigmoid(x) with PyTorch's alpha 1/6, beta 1/2 is Hardswish (what
 * nn.Hardswish exports to before opset 14). */
static int is_torch_hardsigmoid(const rq_ir_node *n)
{
    return n->op == RQ_IR_OP_HARD_SIGMOID &&
           fabsf(rq_ir_attr_float(n, "alpha", 0.2f) - 1.0f / 6.0f) < 1e-7f &&
           rq_ir_attr_float(n, "beta", 0.5f) == 0.5f;
}

int rq_pass_fuse_hardswish(rq_ir_graph *g, rq_error *err)
{
    (void)err;
    for (int i = 0; i < g->n_nodes; i++) {
        rq_ir_node *m = &g->nodes[i];
        if (m->op != RQ_IR_OP_MUL || m->n_in != 2 || m->act != RQ_IR_ACT_NONE)
            continue;
        for (int k = 0; k < 2; k++) {
            int h = m->in[k] >= 0 ? g->tensors[m->in[k]].producer : -1;
            if (h < 0 || !is_torch_hardsigmoid(&g->nodes[h]) || g->nodes[h].in[0] != m->in[1 - k] ||
                sole_consumer(g, m->in[k]) != i)
                continue;
            rq_ir_node *hs = &g->nodes[h];
            hs->op = RQ_IR_OP_HARD_SWISH;
            free(hs->op_type);
            hs->op_type = strdup("HardSwish");
            if (!hs->op_type)
                return rq_fail(err, "%s: out of memory", g->source);
            rq_ir_clear_attrs(hs); /* alpha/beta mean nothing to HardSwish */
            hs->out[0] = m->out[0];
            m->op = RQ_IR_OP_COUNT;
            break;
        }
    }
    rq_ir_compact(g);
    return 0;
}

/* HardSigmoid(x) = clamp(x + 3, 0, 6) * (1/6): the ADD (fused RELU6) and MUL TFLite has,
 * as converters write hard sigmoid. The new tensors are ordinary activations, so
 * calibration observes them. */
static int decompose_one(rq_ir_graph *g, int i, rq_error *err)
{
    char name[300];
    float three = 3.0f, sixth = 1.0f / 6.0f;
    int64_t one[1] = {1};
    rq_ir_node *n = &g->nodes[i];
    int x = n->in[0], y = n->out[0];
    snprintf(name, sizeof name, "%.250s/plus3", n->name);
    int c3 = rq_ir_add_const(g, name, RQ_IR_F32, 1, one, &three, err);
    snprintf(name, sizeof name, "%.250s/sixth", n->name);
    int c6 = c3 < 0 ? -1 : rq_ir_add_const(g, name, RQ_IR_F32, 1, one, &sixth, err);
    snprintf(name, sizeof name, "%.250s/relu6", g->nodes[i].name);
    int t = c6 < 0 ? -1 : rq_ir_add_tensor(g, name, RQ_IR_F32, err);
    if (t < 0)
        return -1;
    snprintf(name, sizeof name, "%.250s/add", g->nodes[i].name);
    int a = rq_ir_add_node(g, RQ_IR_OP_ADD, NULL, name, 2, (int[]){x, c3}, 1, &t, err);
    if (a < 0)
        return -1;
    g->nodes[a].act = RQ_IR_ACT_RELU6, g->nodes[a].act_lo = 0.0f, g->nodes[a].act_hi = 6.0f;
    snprintf(name, sizeof name, "%.250s/mul", g->nodes[i].name);
    if (rq_ir_add_node(g, RQ_IR_OP_MUL, NULL, name, 2, (int[]){t, c6}, 1, &y, err) < 0)
        return -1;
    g->nodes[i].op = RQ_IR_OP_COUNT;
    return 0;
}

int rq_pass_decompose_hardsigmoid(rq_ir_graph *g, rq_error *err)
{
    int n0 = g->n_nodes;
    for (int i = 0; i < n0; i++)
        if (is_torch_hardsigmoid(&g->nodes[i]) && decompose_one(g, i, err) < 0)
            return -1;
    rq_ir_compact(g);
    return rq_ir_toposort(g, err) < 0 ? -1 : rq_ir_infer_shapes(g, err);
}

int rq_pass_gap_flatten_to_mean(rq_ir_graph *g, rq_error *err)
{
    static const int64_t hw[2] = {2, 3};
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *f = &g->nodes[i];
        int y = f->in[0];
        int p = f->op == RQ_IR_OP_FLATTEN && y >= 0 ? g->tensors[y].producer : -1;
        if (p < 0 || g->nodes[p].op != RQ_IR_OP_GLOBAL_AVG_POOL || sole_consumer(g, y) != i ||
            rq_ir_attr_int(f, "axis", 1) != 1 || g->tensors[g->nodes[p].in[0]].rank != 4)
            continue;
        rq_ir_node *m = &g->nodes[p];
        char *type = strdup("ReduceMean");
        if (!type)
            return rq_fail(err, "%s: out of memory", g->source);
        free(m->op_type);
        m->op_type = type;
        m->op = RQ_IR_OP_REDUCE_MEAN;
        m->out[0] = f->out[0];
        rq_ir_clear_attrs(m);
        if (rq_ir_add_attr_ints(g, p, "axes", 2, hw, err) < 0 ||
            rq_ir_add_attr_int(g, p, "keepdims", 0, err) < 0)
            return -1;
        g->nodes[i].op = RQ_IR_OP_COUNT;
    }
    rq_ir_compact(g);
    return rq_ir_infer_shapes(g, err);
}

int rq_passes_for_tflite(rq_ir_graph *g, rq_error *err)
{
    if (rq_pass_fuse_hardswish(g, err) < 0 || rq_pass_decompose_hardsigmoid(g, err) < 0 ||
        rq_pass_fuse_activations(g, err) < 0 || rq_pass_gap_flatten_to_mean(g, err) < 0)
        return -1;
    return rq_pass_to_nhwc(g, err);
}

int rq_load_onnx_graph(const char *path, rq_ir_layout layout, rq_ir_graph *g, rq_error *err)
{
    if (rq_onnx_read(path, g, err) < 0 || rq_passes_canonicalize(g, err) < 0)
        return -1;
    return layout == RQ_IR_NHWC ? rq_passes_for_tflite(g, err) : 0;
}
