/* The printable form of a graph (`rppgq inspect MODEL.onnx`) and its costs. */
#include "ir/ir.h"

#include <inttypes.h>
#include <stdlib.h>

void rq_ir_print_shape(const rq_ir_tensor *t, FILE *out)
{
    if (t->rank < 0) {
        fputs("[?]", out);
        return;
    }
    fputc('[', out);
    for (int i = 0; i < t->rank; i++)
        fprintf(out, "%s%" PRId64, i ? "," : "", t->shape[i]);
    fputc(']', out);
}

static int64_t numel_or0(const rq_ir_graph *g, int t)
{
    if (t < 0)
        return 0;
    int64_t n = rq_ir_numel(&g->tensors[t]);
    return n > 0 ? n : 0;
}

int64_t rq_ir_node_macs(const rq_ir_graph *g, const rq_ir_node *n)
{
    int64_t out = n->n_out > 0 ? numel_or0(g, n->out[0]) : 0;
    switch (n->op) {
    case RQ_IR_OP_CONV: {
        /* every output element sums kernel taps x input channels of its group */
        if (n->n_in < 2 || n->in[1] < 0)
            return 0;
        const rq_ir_tensor *w = &g->tensors[n->in[1]];
        int64_t per = w->shape[0] > 0 ? numel_or0(g, n->in[1]) / w->shape[0] : 0;
        return out > 0 && per > INT64_MAX / out ? INT64_MAX : out * per;
    }
    case RQ_IR_OP_GEMM: case RQ_IR_OP_MATMUL: {
        const rq_ir_tensor *a = &g->tensors[n->in[0]];
        if (a->rank < 1)
            return 0;
        int ta = n->op == RQ_IR_OP_GEMM && rq_ir_attr_int(n, "transA", 0);
        int64_t k = ta ? a->shape[0] : a->shape[a->rank - 1];
        return out > 0 && k > INT64_MAX / out ? INT64_MAX : out * k;
    }
    default:
        return 0;
    }
}

static const char *act_suffix(const rq_ir_node *n)
{
    switch (n->act) {
    case RQ_IR_ACT_RELU: return " +Relu";
    case RQ_IR_ACT_RELU6: return " +Relu6";
    case RQ_IR_ACT_CLIP: return " +Clip";
    default: return "";
    }
}

static void print_attrs(const rq_ir_node *n, FILE *out)
{
    for (int a = 0; a < n->n_attrs; a++) {
        const rq_ir_attr *at = &n->attrs[a];
        fprintf(out, " %s=", at->name);
        switch (at->kind) {
        case RQ_IR_ATTR_INT: fprintf(out, "%" PRId64, at->i); break;
        case RQ_IR_ATTR_FLOAT: fprintf(out, "%g", (double)at->f); break;
        case RQ_IR_ATTR_STRING: fprintf(out, "%s", at->s); break;
        case RQ_IR_ATTR_INTS:
            fputc('[', out);
            for (int i = 0; i < at->n && i < 16; i++)
                fprintf(out, "%s%" PRId64, i ? "," : "", at->ints[i]);
            fputs(at->n > 16 ? ",...]" : "]", out);
            break;
        case RQ_IR_ATTR_FLOATS:
            fputc('[', out);
            for (int i = 0; i < at->n && i < 16; i++)
                fprintf(out, "%s%g", i ? "," : "", (double)at->floats[i]);
            fputs(at->n > 16 ? ",...]" : "]", out);
            break;
        default: fputs("tensor", out); break;
        }
    }
}

static void print_tensor_ref(const rq_ir_graph *g, int t, FILE *out)
{
    if (t < 0) {
        fputs("-", out);
        return;
    }
    const rq_ir_tensor *x = &g->tensors[t];
    fprintf(out, "%s%s", x->data ? "const " : "", x->name);
    rq_ir_print_shape(x, out);
}

void rq_ir_print(const rq_ir_graph *g, FILE *out)
{
    fprintf(out, "%s: ONNX graph, opset %d, layout %s, %d nodes, %d tensors\n", g->source,
            g->opset, g->layout == RQ_IR_NHWC ? "NHWC" : "NCHW", g->n_nodes, g->n_tensors);
    for (int i = 0; i < g->n_inputs; i++) {
        const rq_ir_tensor *t = &g->tensors[g->inputs[i]];
        fprintf(out, "input  %s %s ", t->name, rq_ir_dtype_name(t->dtype));
        rq_ir_print_shape(t, out);
        fputc('\n', out);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const rq_ir_tensor *t = &g->tensors[g->outputs[i]];
        fprintf(out, "output %s %s ", t->name, rq_ir_dtype_name(t->dtype));
        rq_ir_print_shape(t, out);
        fputc('\n', out);
    }
    int64_t macs = 0, params = 0, bytes = 0;
    fprintf(out, "nodes:\n");
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        int64_t m = rq_ir_node_macs(g, n);
        macs = m > INT64_MAX - macs ? INT64_MAX : macs + m;
        fprintf(out, "  %3d %s%s '%s' (", i, n->op_type, act_suffix(n), n->name);
        for (int k = 0; k < n->n_in; k++) {
            fputs(k ? ", " : "", out);
            print_tensor_ref(g, n->in[k], out);
        }
        fputs(") -> ", out);
        for (int k = 0; k < n->n_out; k++) {
            fputs(k ? ", " : "", out);
            print_tensor_ref(g, n->out[k], out);
        }
        print_attrs(n, out);
        if (m)
            fprintf(out, "  MACs %" PRId64, m);
        fputc('\n', out);
    }
    /* parameters: float constants some node reads */
    char *used = calloc((size_t)g->n_tensors + 1, 1);
    for (int i = 0; used && i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0)
                used[g->nodes[i].in[k]] = 1;
    for (int t = 0; used && t < g->n_tensors; t++)
        if (used[t] && g->tensors[t].data && g->tensors[t].dtype == RQ_IR_F32 &&
            g->tensors[t].rank > 0) { /* scalars (Clip bounds...) are not parameters */
            params += numel_or0(g, t);
            bytes += numel_or0(g, t) * 4;
        }
    free(used);
    fprintf(out, "total: %" PRId64 " MACs, %" PRId64 " parameters (%" PRId64 " float32 bytes)\n",
            macs, params, bytes);
}
